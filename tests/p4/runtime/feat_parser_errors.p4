// Parser errors: PacketTooShort, NoMatch (select without default), StackOutOfBounds and a
// user error raised by verify(). Ingress reports the error and the valid headers in `res`,
// which the deparser emits first; the packet always goes out of port 1.
#include <core.p4>
#include <v1model.p4>

error { BadVersion }

header sel_t  { bit<8> kind; }
header word_t { bit<16> v; }
header ver_t  { bit<8> version; }
header long_t { bit<32> v; }
header res_t  { bit<8> perr; bit<8> vbits; }

struct headers_t {
    res_t     res;
    sel_t     sel;
    word_t[2] words;
    ver_t     ver;
    long_t    lng;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.sel);
        transition select(h.sel.kind) {
            1: parse_words;
            2: parse_ver;
            3: parse_long;
        }
    }
    state parse_words {
        pkt.extract(h.words.next);
        transition select(h.words.last.v) {
            0: accept;
            default: parse_words;
        }
    }
    state parse_ver {
        pkt.extract(h.ver);
        verify(h.ver.version == 4, error.BadVersion);
        transition accept;
    }
    state parse_long {
        pkt.extract(h.lng);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.res.setValid();
        if (sm.parser_error == error.NoError) {
            h.res.perr = 0;
        } else if (sm.parser_error == error.PacketTooShort) {
            h.res.perr = 1;
        } else if (sm.parser_error == error.NoMatch) {
            h.res.perr = 2;
        } else if (sm.parser_error == error.StackOutOfBounds) {
            h.res.perr = 3;
        } else if (sm.parser_error == error.BadVersion) {
            h.res.perr = 4;
        } else {
            h.res.perr = 255;
        }
        h.res.vbits = (h.sel.isValid() ? 8w1 : 8w0) | (h.words[0].isValid() ? 8w2 : 8w0)
                    | (h.words[1].isValid() ? 8w4 : 8w0) | (h.ver.isValid() ? 8w8 : 8w0)
                    | (h.lng.isValid() ? 8w16 : 8w0);
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.sel);
        pkt.emit(h.words);
        pkt.emit(h.ver);
        pkt.emit(h.lng);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

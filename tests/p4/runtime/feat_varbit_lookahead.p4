// varbit extraction with a run-time length, lookahead (assigned and in select) and advance.
// hd.mode picks the parser path, hd.len is the length (bytes or bits, see the states).
// Ingress reports the parser error, the lookahead value and the valid headers in `res`.
#include <core.p4>
#include <v1model.p4>

header hd_t   { bit<8> mode; bit<8> len; }
header opts_t { varbit<64> data; }
header tail_t { bit<16> v; }
header res_t  { bit<8> perr; bit<16> peek; bit<8> vbits; }

struct headers_t {
    res_t  res;
    hd_t   hd;
    opts_t opts;
    tail_t tail;
}
struct meta_t { bit<16> peek; }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.hd);
        transition select(h.hd.mode) {
            1: parse_bytes;
            2: parse_bits;
            3: parse_look;
            4: parse_skip_bytes;
            5: parse_skip_bits;
            default: accept;
        }
    }
    state parse_bytes {
        pkt.extract(h.opts, (bit<32>)h.hd.len * 8);
        pkt.extract(h.tail);
        transition accept;
    }
    state parse_bits {
        pkt.extract(h.opts, (bit<32>)h.hd.len);
        pkt.extract(h.tail);
        transition accept;
    }
    state parse_look {
        m.peek = pkt.lookahead<bit<16>>();
        transition select(pkt.lookahead<bit<8>>()) {
            0xAA: parse_tail;
            default: accept;
        }
    }
    state parse_tail {
        pkt.extract(h.tail);
        transition accept;
    }
    state parse_skip_bytes {
        pkt.advance((bit<32>)h.hd.len * 8);
        pkt.extract(h.tail);
        transition accept;
    }
    state parse_skip_bits {
        pkt.advance((bit<32>)h.hd.len);
        pkt.extract(h.tail);
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
        } else if (sm.parser_error == error.HeaderTooShort) {
            h.res.perr = 5;
        } else if (sm.parser_error == error.ParserInvalidArgument) {
            h.res.perr = 6;
        } else {
            h.res.perr = 255;
        }
        h.res.peek = m.peek;
        h.res.vbits = (h.hd.isValid() ? 8w1 : 8w0) | (h.opts.isValid() ? 8w2 : 8w0)
                    | (h.tail.isValid() ? 8w4 : 8w0);
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.hd);
        pkt.emit(h.opts);
        pkt.emit(h.tail);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

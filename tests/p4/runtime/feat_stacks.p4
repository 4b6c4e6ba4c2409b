// Header stacks: extraction with `next`, `last` and `lastIndex` in the parser (words up to a
// zero word), push_front / pop_front in ingress (op.op selects the operation).
#include <core.p4>
#include <v1model.p4>

header op_t  { bit<8> op; }
header w_t   { bit<16> v; }
header res_t { bit<32> last_index; bit<16> last_v; bit<8> vbits; }

struct headers_t {
    res_t  res;
    op_t   op;
    w_t[4] s;
}
struct meta_t {
    bit<32> last_index;
    bit<16> last_v;
}

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.op);
        transition parse_word;
    }
    state parse_word {
        pkt.extract(h.s.next);
        m.last_index = h.s.lastIndex;
        m.last_v = h.s.last.v;
        transition select(h.s.last.v) {
            0: accept;
            default: parse_word;
        }
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        if (h.op.op == 1) {
            h.s.push_front(1);
            h.s[0].setValid();
            h.s[0].v = 16w0xAAAA;
        } else if (h.op.op == 2) {
            h.s.pop_front(1);
        } else if (h.op.op == 3) {
            h.s.push_front(2);
        } else if (h.op.op == 4) {
            h.s.pop_front(3);
        } else if (h.op.op == 5) {
            h.s[3].setValid();
            h.s[3].v = h.s[0].v + 1;
        }
        h.res.setValid();
        h.res.last_index = m.last_index;
        h.res.last_v = m.last_v;
        h.res.vbits = (h.s[0].isValid() ? 8w1 : 8w0) | (h.s[1].isValid() ? 8w2 : 8w0)
                    | (h.s[2].isValid() ? 8w4 : 8w0) | (h.s[3].isValid() ? 8w8 : 8w0);
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.op);
        pkt.emit(h.s);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

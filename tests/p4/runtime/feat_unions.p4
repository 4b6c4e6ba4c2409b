// Header unions: the parser extracts one member (k.kind), ingress may switch to the other
// member with setValid() (which invalidates the first) or invalidate it (k.op).
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> kind; bit<8> op; }
header a_t   { bit<8> x; }
header b_t   { bit<16> y; }
header_union u_t {
    a_t a;
    b_t b;
}
header res_t { bit<8> vbits; }

struct headers_t {
    res_t res;
    k_t   k;
    u_t   u;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.k);
        transition select(h.k.kind) {
            1: parse_a;
            2: parse_b;
            default: accept;
        }
    }
    state parse_a {
        pkt.extract(h.u.a);
        transition accept;
    }
    state parse_b {
        pkt.extract(h.u.b);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        if (h.k.op == 1) {
            h.u.b.setValid();
            h.u.b.y = 16w0x1234;
        } else if (h.k.op == 2) {
            h.u.a.setInvalid();
        } else if (h.k.op == 3) {
            h.u.a.setValid();
        } else if (h.k.op == 4) {
            a_t copy = { 8w0x99 };
            h.u.a = copy;
        }
        h.res.setValid();
        h.res.vbits = (h.u.isValid() ? 8w1 : 8w0) | (h.u.a.isValid() ? 8w2 : 8w0)
                    | (h.u.b.isValid() ? 8w4 : 8w0);
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.k);
        pkt.emit(h.u);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

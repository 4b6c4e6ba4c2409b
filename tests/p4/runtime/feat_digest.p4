// digest(): k.op 1 sends learn_t, k.op 2 calls digest twice (BMv2 sends only the last call),
// k.op 3 sends learn_t and drops the packet (the digest is still sent).
#include <core.p4>
#include <v1model.p4>

header k_t   { bit<8> op; bit<8> a; bit<16> b; }

struct learn_t {
    bit<8> a;
    bit<9> port;
}
struct other_t {
    bit<16> b;
    int<8>  s;
}

struct headers_t {
    k_t k;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.k);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        learn_t learn = { h.k.a, sm.ingress_port };
        other_t other = { h.k.b, (int<8>)h.k.a };
        sm.egress_spec = 1;
        if (h.k.op == 1) {
            digest<learn_t>(1, learn);
        } else if (h.k.op == 2) {
            digest<learn_t>(1, learn);
            digest<other_t>(1, other);
        } else if (h.k.op == 3) {
            digest<learn_t>(1, learn);
            mark_to_drop(sm);
        }
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.k);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

// Drops and truncation: mark_to_drop in ingress and in egress, egress_spec 511 written
// directly, mark_to_drop vs. multicast in both orders, truncate in ingress and egress, and a
// non-zero priority (simple_switch has one queue per port and drops such packets).
#include <core.p4>
#include <v1model.p4>

header k_t { bit<8> op; bit<8> len; }

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
        sm.egress_spec = 2;
        if (h.k.op == 1) {
            mark_to_drop(sm);
        } else if (h.k.op == 3) {
            sm.egress_spec = 511;
        } else if (h.k.op == 4) {
            sm.mcast_grp = 1;
            mark_to_drop(sm);
        } else if (h.k.op == 5) {
            mark_to_drop(sm);
            sm.mcast_grp = 1;
        } else if (h.k.op == 6) {
            truncate((bit<32>)h.k.len);
        } else if (h.k.op == 8) {
            sm.priority = 1;
        } else if (h.k.op == 9) {
            truncate((bit<32>)h.k.len);
            sm.mcast_grp = 1;
        } else if (h.k.op == 10) {
            truncate(8);
            truncate((bit<32>)h.k.len);
        }
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        if (h.k.op == 2) {
            mark_to_drop(sm);
        } else if (h.k.op == 7) {
            truncate((bit<32>)h.k.len);
        }
    }
}

control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.k);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

// Idle timeouts: tables declared with `support_timeout = true` age their entries.
// - t_src (exact on the source MAC) and t_dst (ternary on the destination MAC, so its entries
//   have priorities) support idle timeout; t_type (exact on the EtherType) does not.
// - every table writes its own result byte into the frame, so a test sees which entry hit.
#include <core.p4>
#include <v1model.p4>

header eth_t {
    bit<48> dst;
    bit<48> src;
    bit<16> etype;
}
header res_t { bit<8> src; bit<8> dst; bit<8> etype; }

struct headers_t {
    res_t res;
    eth_t eth;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.eth);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) { apply { } }

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    action set_src(bit<8> v) { h.res.src = v; }
    action set_dst(bit<8> v) { h.res.dst = v; }
    action set_type(bit<8> v) { h.res.etype = v; }

    table t_src {
        key = { h.eth.src: exact; }
        actions = { set_src; NoAction; }
        default_action = NoAction();
        support_timeout = true;
    }
    table t_dst {
        key = { h.eth.dst: ternary; }
        actions = { set_dst; NoAction; }
        default_action = NoAction();
        support_timeout = true;
    }
    table t_type {
        key = { h.eth.etype: exact; }
        actions = { set_type; NoAction; }
        default_action = NoAction();
        support_timeout = false;
    }
    apply {
        h.res.setValid();
        t_src.apply();
        t_dst.apply();
        t_type.apply();
        sm.egress_spec = sm.ingress_port;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.res);
        pkt.emit(h.eth);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

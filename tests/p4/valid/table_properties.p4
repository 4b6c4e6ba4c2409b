// covers: table properties: @tableonly / @defaultonly action annotations, default_action with arguments, const default_action, size, keyless tables
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<8> mark;
}

struct headers {
    ethernet_t ethernet;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action set_mark(bit<8> value) {
        meta.mark = value;
    }

    // forward may only appear in entries, drop only as the default action;
    // the default cannot be changed by the control plane.
    table dmac {
        key = {
            hdr.ethernet.dstAddr: exact;
        }
        actions = {
            @tableonly forward;
            @defaultonly drop;
        }
        size = 2048;
        const default_action = drop();
    }

    // default action with a control-plane argument; the control plane may
    // replace it (not const)
    table smac {
        key = {
            hdr.ethernet.srcAddr: exact;
        }
        actions = {
            set_mark;
            NoAction;
        }
        size = 64;
        default_action = set_mark(8w7);
    }

    // a keyless table only ever runs its default action
    table always_mark {
        actions = {
            set_mark;
        }
        default_action = set_mark(8w1);
    }

    apply {
        always_mark.apply();
        smac.apply();
        dmac.apply();
    }
}

control MyEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control MyComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyDeparser(packet_out pkt, in headers hdr) {
    apply {
        pkt.emit(hdr.ethernet);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: direct_counter and direct_meter instances attached to tables through the counters/meters table properties
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<2> color;
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
    direct_counter(CounterType.packets_and_bytes) mac_hits;
    direct_meter<bit<2>>(MeterType.packets) flow_rate;

    action forward(bit<9> port) {
        mac_hits.count();            // optional: direct counters count on every hit
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action read_color() {
        flow_rate.read(meta.color);
    }

    table dmac {
        key = {
            hdr.ethernet.dstAddr: exact;
        }
        actions = {
            forward;
            drop;
        }
        counters = mac_hits;
        size = 1024;
        default_action = drop();
    }

    table rate_limit {
        key = {
            hdr.ethernet.srcAddr: exact;
        }
        actions = {
            read_color;
            NoAction;
        }
        meters = flow_rate;
        size = 256;
        default_action = NoAction();
    }

    apply {
        meta.color = 0;
        dmac.apply();
        rate_limit.apply();
        if (meta.color == 2w2) {
            mark_to_drop(standard_metadata);
        }
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

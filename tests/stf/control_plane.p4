// Exercises the STF control-plane commands: ternary priorities, entry handles with a direct
// counter, an indirect counter, a register, a meter, multicast nodes and clone sessions.
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct headers {
    ethernet_t ethernet;
}

struct metadata {
}

parser MyParser(packet_in packet, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    counter(8, CounterType.packets_and_bytes) rx;
    direct_counter(CounterType.packets_and_bytes) hits;
    register<bit<32>>(4) last_length;
    meter(4, MeterType.packets) rate;

    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }
    action flood(bit<16> group) {
        standard_metadata.mcast_grp = group;
    }
    action forward_and_mirror(bit<9> port, bit<32> session) {
        standard_metadata.egress_spec = port;
        clone(CloneType.I2E, session);
    }
    action drop() {
        mark_to_drop(standard_metadata);
    }

    table classify {
        key = {
            hdr.ethernet.etherType: ternary;
        }
        actions = {
            forward;
            flood;
            forward_and_mirror;
            drop;
        }
        default_action = drop();
        counters = hits;
    }

    apply {
        bit<2> color;
        rate.execute_meter((bit<32>)0, color);
        rx.count((bit<32>)standard_metadata.ingress_port);
        last_length.write((bit<32>)(standard_metadata.ingress_port & 3),
                          standard_metadata.packet_length);
        classify.apply();
    }
}

control MyEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control MyComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(),
         MyDeparser()) main;

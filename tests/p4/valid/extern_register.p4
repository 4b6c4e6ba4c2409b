// covers: register<T> instances with constructor arguments, register read/write from actions and apply blocks
#include <core.p4>
#include <v1model.p4>

const bit<32> PORT_SLOTS = 512;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<32> slot;
    bit<32> packets;
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
    register<bit<32>>(PORT_SLOTS) packets_per_port;
    register<bit<48>>(32w512) last_seen;
    register<bit<8>>(1) config;

    action count_packet() {
        packets_per_port.read(meta.packets, meta.slot);
        packets_per_port.write(meta.slot, meta.packets + 1);
    }

    apply {
        meta.slot = (bit<32>) standard_metadata.ingress_port;
        count_packet();
        last_seen.write(meta.slot, standard_metadata.ingress_global_timestamp);

        bit<8> mode;
        config.read(mode, 0);
        if (mode == 8w1) {
            standard_metadata.egress_spec = 9w2;
        } else {
            standard_metadata.egress_spec = 9w1;
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

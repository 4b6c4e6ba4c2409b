// covers: a sub-parser instantiated and applied from a parser state, and a sub-control with a
// constructor parameter instantiated and applied from ingress
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header vlan_t {
    bit<16> tci;
    bit<16> etherType;
}

struct metadata {
    bit<8>  hits;
    bit<16> inner_type;
}

struct headers {
    ethernet_t ethernet;
    vlan_t     vlan;
}

parser VlanParser(packet_in pkt, out vlan_t vlan, inout metadata meta) {
    state start {
        pkt.extract(vlan);
        meta.inner_type = vlan.etherType;
        transition accept;
    }
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    VlanParser() vlan_parser;
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x8100: parse_vlan;
            default: accept;
        }
    }
    state parse_vlan {
        vlan_parser.apply(pkt, hdr.vlan, meta);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control Counter8(inout bit<8> value)(bit<8> step) {
    apply {
        value = value + step;
    }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    Counter8(8w2) by_two;

    action to_port(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    apply {
        by_two.apply(meta.hits);
        to_port(9w1);
        if (hdr.vlan.isValid()) {
            to_port((bit<9>)meta.hits);
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
        pkt.emit(hdr.vlan);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

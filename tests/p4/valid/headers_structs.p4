// covers: header and struct declarations, nested structs, header fields of several widths, struct-to-struct and header-to-header assignment
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header vlan_t {
    bit<3>  pcp;
    bit<1>  dei;
    bit<12> vid;
    bit<16> etherType;
}

struct vlan_info_t {
    bit<12> vid;
    bit<3>  pcp;
}

struct counters_t {
    bit<32> seen;
    bit<16> tagged;
}

struct metadata {
    vlan_info_t vlan;       // nested struct
    vlan_info_t saved;
    counters_t  stats;
}

struct headers {
    ethernet_t ethernet;
    vlan_t     vlan;
    vlan_t     vlan_copy;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x8100: parse_vlan;
            default: accept;
        }
    }
    state parse_vlan {
        pkt.extract(hdr.vlan);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        meta.stats.seen = meta.stats.seen + 1;
        if (hdr.vlan.isValid()) {
            meta.vlan.vid = hdr.vlan.vid;
            meta.vlan.pcp = hdr.vlan.pcp;
            meta.saved = meta.vlan;          // struct assignment
            hdr.vlan_copy = hdr.vlan;        // header assignment copies validity too
            meta.stats.tagged = meta.stats.tagged + 1;
        }
        standard_metadata.egress_spec = 9w1;
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

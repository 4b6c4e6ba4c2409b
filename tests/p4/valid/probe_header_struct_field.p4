// covers: a header field whose type is a struct of bit fields
// (p4c typeCheckTypes Type_Header validator accepts Type_Struct when onlyBitsOrBitStructs;
//  the BMv2 mid end runs FlattenHeaders)
#include <core.p4>
#include <v1model.p4>

struct mac_pair_t {
    bit<48> dst;
    bit<48> src;
}

header ethernet_t {
    mac_pair_t addrs;
    bit<16>    etherType;
}

struct metadata {
    bit<48> last_src;
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
    apply {
        meta.last_src = hdr.ethernet.addrs.src;
        hdr.ethernet.addrs.src = hdr.ethernet.addrs.dst;
        hdr.ethernet.addrs.dst = meta.last_src;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
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

// covers: serializable enum values convert implicitly to their underlying type
// (p4c testdata p4_16_errors/enumCast.p4 comments: "E1.e1 + 1" is legal, enum -> bit<8> is implicit;
//  typeCheckExpr Operation_Relation/binaryArith replace a SerEnum operand by its underlying type)
#include <core.p4>
#include <v1model.p4>

enum bit<16> EtherType {
    IPV4 = 0x0800,
    ARP  = 0x0806
}

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<16> c;
    bit<16> d;
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
        if (hdr.ethernet.etherType == EtherType.IPV4) {   // comparison with the underlying type
            meta.c = EtherType.ARP;                       // implicit enum -> bit<16>
        }
        meta.d = EtherType.IPV4 + 16w1;                   // arithmetic on the underlying type
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

// covers: header stack inside the headers struct, parsed with .next/.last/.lastIndex, then
// manipulated in ingress with constant indices, push_front/pop_front and .size
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header mpls_t {
    bit<20> label;
    bit<3>  tc;
    bit<1>  bos;
    bit<8>  ttl;
}

struct metadata {
    bit<32> depth;
    bit<32> stack_size;
}

struct headers {
    ethernet_t ethernet;
    mpls_t[3]  mpls;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x8847: parse_mpls;
            default: accept;
        }
    }
    state parse_mpls {
        pkt.extract(hdr.mpls.next);
        meta.depth = hdr.mpls.lastIndex;
        transition select(hdr.mpls.last.bos) {
            1w1: accept;
            default: parse_mpls;
        }
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        meta.stack_size = hdr.mpls.size;
        if (hdr.mpls[0].isValid()) {
            hdr.mpls[0].ttl = hdr.mpls[0].ttl - 1;
            hdr.mpls.pop_front(1);
        } else {
            hdr.mpls.push_front(1);
            hdr.mpls[0].setValid();
            hdr.mpls[0] = { 20w16, 3w0, 1w1, 8w64 };
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
        pkt.emit(hdr.mpls);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

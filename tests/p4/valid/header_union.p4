// covers: header_union declaration, extracting into a union member, member and union validity, emitting a union
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3>  flags;
    bit<13> fragOffset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

header ipv6_t {
    bit<4>   version;
    bit<8>   trafficClass;
    bit<20>  flowLabel;
    bit<16>  payloadLen;
    bit<8>   nextHdr;
    bit<8>   hopLimit;
    bit<128> srcAddr;
    bit<128> dstAddr;
}

header_union ip_t {
    ipv4_t v4;
    ipv6_t v6;
}

struct metadata {
    bit<1> is_ip;
}

struct headers {
    ethernet_t ethernet;
    ip_t       ip;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x0800: parse_ipv4;
            16w0x86DD: parse_ipv6;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ip.v4);
        transition accept;
    }
    state parse_ipv6 {
        pkt.extract(hdr.ip.v6);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        meta.is_ip = 0;
        if (hdr.ip.isValid()) {              // true when any member is valid
            meta.is_ip = 1;
        }
        if (hdr.ip.v4.isValid()) {
            hdr.ip.v4.ttl = hdr.ip.v4.ttl - 1;
            standard_metadata.egress_spec = 9w1;
        } else if (hdr.ip.v6.isValid()) {
            hdr.ip.v6.hopLimit = hdr.ip.v6.hopLimit - 1;
            standard_metadata.egress_spec = 9w2;
        } else {
            mark_to_drop(standard_metadata);
        }
        if (hdr.ip.v6.isValid() && hdr.ip.v6.hopLimit == 0) {
            hdr.ip.v6.setInvalid();          // leaves the union with no valid member
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
        pkt.emit(hdr.ip);                    // emits whichever member is valid
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

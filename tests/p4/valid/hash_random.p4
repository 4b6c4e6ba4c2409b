// covers: the hash() extern function with several HashAlgorithm values and list-expression data, and random()
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

struct metadata {
    bit<32> flow_hash;
    bit<16> bucket;
    bit<16> folded;
    bit<8>  sample;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    action compute_hashes() {
        hash(meta.flow_hash, HashAlgorithm.crc32, 32w0,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol },
             32w0xFFFFFFFF);
        // result = 1 + (crc16 % 4): a port number in 1..4
        hash(meta.bucket, HashAlgorithm.crc16, 16w1,
             { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
             16w4);
        hash(meta.folded, HashAlgorithm.xor16, 16w0,
             { hdr.ethernet.srcAddr }, 32w65536);
    }

    apply {
        random(meta.sample, 8w0, 8w255);
        if (hdr.ipv4.isValid()) {
            compute_hashes();
            standard_metadata.egress_spec = (bit<9>) meta.bucket;
        } else {
            hash(meta.folded, HashAlgorithm.identity, 16w0,
                 { hdr.ethernet.etherType }, 32w65536);
            standard_metadata.egress_spec = 9w1;
        }
        if (meta.sample == 8w0) {
            standard_metadata.egress_spec = 9w64;    // roughly 1 packet in 256
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
        pkt.emit(hdr.ipv4);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

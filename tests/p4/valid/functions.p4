// covers: top-level function declarations with return values and in/out/inout parameters, called from controls and actions
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header stats_t {
    bit<16> a;
    bit<16> b;
    bit<16> sum;
    bit<16> larger;
    bit<8>  hi;
    bit<8>  lo;
}

struct metadata {
    bit<1> is_broadcast;
}

struct headers {
    ethernet_t ethernet;
    stats_t    stats;
}

// One's-complement addition of two 16-bit words (end-around carry).
bit<16> ones_add(in bit<16> x, in bit<16> y) {
    bit<17> wide = (bit<17>) x + (bit<17>) y;
    return wide[15:0] + (bit<16>) wide[16:16];
}

bit<16> max16(in bit<16> x, in bit<16> y) {
    return x > y ? x : y;
}

bool is_broadcast(in bit<48> mac) {
    return mac == 48w0xFFFF_FFFF_FFFF;
}

void split_word(in bit<16> word, out bit<8> hi, out bit<8> lo) {
    hi = word[15:8];
    lo = word[7:0];
}

void swap_addresses(inout ethernet_t eth) {
    bit<48> tmp = eth.srcAddr;
    eth.srcAddr = eth.dstAddr;
    eth.dstAddr = tmp;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x88B6: parse_stats;
            default: accept;
        }
    }
    state parse_stats {
        pkt.extract(hdr.stats);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    action reflect() {
        swap_addresses(hdr.ethernet);
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    apply {
        meta.is_broadcast = is_broadcast(hdr.ethernet.dstAddr) ? 1w1 : 1w0;
        if (hdr.stats.isValid()) {
            hdr.stats.sum = ones_add(hdr.stats.a, hdr.stats.b);
            hdr.stats.larger = max16(hdr.stats.a, hdr.stats.b);
            split_word(hdr.stats.sum, hdr.stats.hi, hdr.stats.lo);
            reflect();
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
        pkt.emit(hdr.stats);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: bit slices (read and write), concatenation ++, bitwise & | ^ ~, shifts << >> by constants and by variables
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header bits_t {
    bit<16> word;
    bit<16> swapped;
    bit<32> wide;
    bit<16> mixed;
    bit<16> shifted_left;
    bit<16> shifted_right;
    bit<8>  amount;
    bit<8>  nibbles;
}

struct metadata { }

struct headers {
    ethernet_t ethernet;
    bits_t     bits;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x88B9: parse_bits;
            default: accept;
        }
    }
    state parse_bits {
        pkt.extract(hdr.bits);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        standard_metadata.egress_spec = 9w1;
        if (!hdr.bits.isValid()) {
            return;
        }
        bit<16> w = hdr.bits.word;
        bit<8> hi = w[15:8];                              // slice
        bit<8> lo = w[7:0];

        hdr.bits.swapped = lo ++ hi;                      // 8 ++ 8 -> bit<16>
        hdr.bits.wide = hi ++ lo ++ 16w0xFFFF;            // 8 ++ 8 ++ 16 -> bit<32>
        hdr.bits.mixed = (w & 16w0x0FF0) | (~w ^ 16w0xAAAA);
        hdr.bits.shifted_left = w << 3;
        hdr.bits.shifted_right = w >> hdr.bits.amount;    // shift by a run-time amount
        hdr.bits.nibbles = hdr.bits.nibbles[3:0] ++ hdr.bits.nibbles[7:4];
        hdr.ethernet.dstAddr[7:0] = lo;                   // slice as an l-value
        hdr.ethernet.dstAddr[47:40] = hdr.ethernet.dstAddr[47:40] & 8w0xFE;
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
        pkt.emit(hdr.bits);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: arithmetic + - * and unary minus, saturating |+| |-| (unsigned and signed), comparisons, logical && || !, the ?: operator, constant-folded / and %
#include <core.p4>
#include <v1model.p4>

const bit<8> QUARTER = 8w200 / 8w4;      // division and modulo of compile-time constants
const bit<8> REMAINDER = 8w200 % 8w7;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header calc_t {
    bit<8> a;
    bit<8> b;
    bit<8> sum;
    bit<8> diff;
    bit<8> prod;
    bit<8> neg;
    bit<8> sat_sum;
    bit<8> sat_diff;
    bit<8> larger;
    bit<8> flags;
}

struct metadata {
    int<8> s;
    int<8> s_sat;
}

struct headers {
    ethernet_t ethernet;
    calc_t     calc;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x88BA: parse_calc;
            default: accept;
        }
    }
    state parse_calc {
        pkt.extract(hdr.calc);
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
        if (!hdr.calc.isValid()) {
            return;
        }
        bit<8> a = hdr.calc.a;
        bit<8> b = hdr.calc.b;

        hdr.calc.sum = a + b;                    // wraps modulo 2^8
        hdr.calc.diff = a - b;
        hdr.calc.prod = a * 8w3;
        hdr.calc.neg = -a;                       // two's complement negation
        hdr.calc.sat_sum = a |+| b;              // clamps at 255
        hdr.calc.sat_diff = a |-| b;             // clamps at 0
        hdr.calc.larger = (a > b) ? a : b;

        meta.s = (int<8>) a;
        meta.s_sat = meta.s |+| 8s100;           // signed saturation clamps at 127
        meta.s_sat = meta.s_sat |-| 8s50;

        bit<8> flags = 0;
        if (a == b) { flags = flags | 8w0x01; }
        if (a != b) { flags = flags | 8w0x02; }
        if (a < b && !(a >= b)) { flags = flags | 8w0x04; }
        if (a <= b || a > QUARTER) { flags = flags | 8w0x08; }
        if (meta.s < 8s0) { flags = flags | 8w0x10; }          // signed comparison
        if (b >= REMAINDER) { flags = flags | 8w0x20; }
        hdr.calc.flags = flags;
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
        pkt.emit(hdr.calc);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

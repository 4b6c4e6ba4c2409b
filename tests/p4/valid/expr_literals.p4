// covers: integer literals: unsized decimal, 0x / 0b / 0o / 0d prefixes, width-prefixed unsigned (8w5) and signed (8s5, -4s3) literals, underscores, booleans
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header lits_t {
    bit<8>  a;
    bit<8>  b;
    bit<8>  c;
    bit<8>  d;
    bit<16> e;
    bit<16> f;
    bit<32> g;
    bit<8>  h;
    bit<4>  i;
    bit<4>  j;
}

struct metadata {
    int<8> signed_value;
    int<4> small_signed;
    bit<1> flag;
}

struct headers {
    ethernet_t ethernet;
    lits_t     lits;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x88B8: parse_lits;                  // unsized hex literal in a select case
            default: accept;
        }
    }
    state parse_lits {
        pkt.extract(hdr.lits);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.lits.isValid()) {
            hdr.lits.a = 8w5;                    // width-prefixed decimal
            hdr.lits.b = 8w0x1F;                 // width-prefixed hex
            hdr.lits.c = 8w0b1010_0101;          // binary with a digit separator
            hdr.lits.d = 8w0o17;                 // octal
            hdr.lits.e = 0xBEEF;                 // unsized hex, converts to bit<16>
            hdr.lits.f = 16w0d1000;              // explicit decimal prefix
            hdr.lits.g = 32w4_000_000;           // decimal with separators
            hdr.lits.h = 255;                    // unsized decimal
            hdr.lits.i = 4w0xF;
            hdr.lits.j = 0b0110;
        }
        meta.signed_value = 8s100;               // width-prefixed signed
        meta.signed_value = meta.signed_value + -8s7;
        meta.small_signed = -4s3;                // negative value of int<4>
        meta.flag = true ? 1w1 : 1w0;
        if (false || meta.small_signed < 4s0) {
            standard_metadata.egress_spec = 9w2;
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
        pkt.emit(hdr.lits);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: casts (widen, truncate, sign change, bool<->bit<1>, typedef), list/tuple expressions, struct initialisers { a = 1, b = 2 } and list-to-struct assignment
#include <core.p4>
#include <v1model.p4>

typedef bit<16> port_num_t;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct pair_t {
    bit<8>  first;
    bit<16> second;
}

struct metadata {
    pair_t  named;
    pair_t  positional;
    bit<32> widened;
    bit<8>  truncated;
    int<16> as_signed;
    bit<16> back_to_bits;
    bit<1>  valid_bit;
    bool    seen;
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
        bit<16> etype = hdr.ethernet.etherType;

        meta.widened = (bit<32>) etype;                  // zero-extend
        meta.truncated = (bit<8>) etype;                 // keep the low 8 bits
        meta.as_signed = (int<16>) etype;                // same width, signed
        meta.back_to_bits = (bit<16>) meta.as_signed;
        port_num_t port = (port_num_t) meta.truncated;   // cast to a typedef'd type

        meta.seen = (bool) 1w1;                          // bit<1> -> bool
        meta.valid_bit = (bit<1>) true;                  // bool -> bit<1>

        // struct initialiser with field names, in any order
        meta.named = { second = port, first = 8w1 };
        pair_t local_pair = { first = meta.truncated, second = 16w7 };
        // a list expression assigned to a struct fills fields in order
        meta.positional = { 8w2, etype };
        meta.positional.first = meta.positional.first + local_pair.first;

        if (meta.seen && meta.valid_bit == 1w1) {
            standard_metadata.egress_spec = (bit<9>) meta.named.first;
        } else {
            standard_metadata.egress_spec = 9w2;
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
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

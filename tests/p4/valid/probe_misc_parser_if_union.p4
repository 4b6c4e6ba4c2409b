// covers: if statement inside a parser state, header_union members, a struct compared with an
// initialiser, a header assigned from a struct initialiser, exit in apply, saturating arithmetic
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header short_t {
    bit<16> v;
}

header long_t {
    bit<32> v;
}

header_union tag_u {
    short_t s;
    long_t  l;
}

struct pair_t {
    bit<8> x;
    bit<8> y;
}

struct metadata {
    bit<8> a;
    pair_t p;
}

struct headers {
    ethernet_t ethernet;
    tag_u      tag;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        if (hdr.ethernet.etherType == 0x9000) {
            meta.a = 8w1;
        } else {
            meta.a = 8w2;
        }
        transition select(hdr.ethernet.etherType) {
            0x9000: parse_short;
            0x9001: parse_long;
            default: accept;
        }
    }
    state parse_short {
        pkt.extract(hdr.tag.s);
        transition accept;
    }
    state parse_long {
        pkt.extract(hdr.tag.l);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        if (!hdr.tag.isValid()) {
            hdr.ethernet = { dstAddr = 1, srcAddr = 2, etherType = 0x9000 };
            exit;
        }
        if (meta.p == { x = 8w1, y = 8w2 }) {
            meta.a = meta.a |+| 8w250;
        }
        meta.a = hdr.tag.s.isValid() ? 8w16 : 8w32;
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
        pkt.emit(hdr.tag);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

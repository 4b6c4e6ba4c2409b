// covers: header stacks: declaration, next/last/lastIndex in the parser, constant indexing, size, push_front/pop_front, emitting a stack
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_TAGS = 16w0x88B5;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

// One label of a small source-route: 'bos' is 1 on the bottom-of-stack label.
header tag_t {
    bit<7> label;
    bit<1> bos;
}

struct metadata {
    bit<32> last_index;
    bit<32> capacity;
}

struct headers {
    ethernet_t ethernet;
    tag_t[4]   tags;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_TAGS: parse_tag;
            default: accept;
        }
    }
    state parse_tag {
        pkt.extract(hdr.tags.next);
        meta.last_index = hdr.tags.lastIndex;    // bit<32>, parser only
        transition select(hdr.tags.last.bos) {
            1w1: accept;
            default: parse_tag;
        }
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    action pop_label() {
        standard_metadata.egress_spec = (bit<9>) hdr.tags[0].label;
        hdr.tags.pop_front(1);
    }

    action push_label(bit<7> label) {
        hdr.tags.push_front(1);
        hdr.tags[0].setValid();
        hdr.tags[0].label = label;
        hdr.tags[0].bos = 0;
    }

    apply {
        meta.capacity = hdr.tags.size;           // bit<32> constant 4
        if (hdr.tags[0].isValid()) {
            pop_label();
            if (!hdr.tags[0].isValid()) {
                hdr.ethernet.etherType = 16w0x0800;
            }
        } else if (hdr.ethernet.isValid()) {
            push_label(7w5);
            hdr.tags[0].bos = 1;
            hdr.ethernet.etherType = ETHERTYPE_TAGS;
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
        pkt.emit(hdr.tags);                      // emits the valid elements in order
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

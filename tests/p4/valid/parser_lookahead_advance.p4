// covers: packet_in.lookahead<T>() in a select expression and in an assignment, packet_in.advance() to skip bits
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_PROBE = 16w0x88B7;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

// A probe starts with a one-byte kind; kind 0 means "8 bytes of padding follow".
header probe_t {
    bit<8>  kind;
    bit<8>  hops;
    bit<16> seq;
}

struct metadata {
    bit<8> first_byte;
    bit<1> padded;
}

struct headers {
    ethernet_t ethernet;
    probe_t    probe;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_PROBE: peek_probe;
            default: accept;
        }
    }
    state peek_probe {
        meta.first_byte = pkt.lookahead<bit<8>>();   // does not consume input
        transition select(pkt.lookahead<bit<8>>()) {
            8w0: skip_padding;
            default: parse_probe;
        }
    }
    state skip_padding {
        pkt.advance(32w8);                           // drop the kind byte
        pkt.advance(32w64);                          // and 8 bytes of padding
        meta.padded = 1;
        transition parse_probe;
    }
    state parse_probe {
        pkt.extract(hdr.probe);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.probe.isValid()) {
            hdr.probe.hops = hdr.probe.hops + 1;
        }
        standard_metadata.egress_spec = 9w1;
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
        pkt.emit(hdr.probe);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: error declarations, match_kind declarations, verify() in the parser, reading standard_metadata.parser_error
#include <core.p4>
#include <v1model.p4>

error {
    IPv4BadVersion,
    IPv4OptionsNotSupported
}

// Declared to exercise the syntax; no table below uses it (BMv2 supports only
// the match kinds of core.p4 and v1model.p4).
match_kind {
    prefix_set
}

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
    bit<1> bad_packet;
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
        verify(hdr.ipv4.version == 4w4, error.IPv4BadVersion);
        verify(hdr.ipv4.ihl == 4w5, error.IPv4OptionsNotSupported);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        meta.bad_packet = 0;
        if (standard_metadata.parser_error == error.IPv4BadVersion) {
            meta.bad_packet = 1;
            mark_to_drop(standard_metadata);
        } else if (standard_metadata.parser_error == error.PacketTooShort) {
            meta.bad_packet = 1;
            mark_to_drop(standard_metadata);
        } else if (standard_metadata.parser_error != error.NoError) {
            // e.g. IPv4OptionsNotSupported: send to a slow-path port
            standard_metadata.egress_spec = 9w64;
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
        pkt.emit(hdr.ipv4);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

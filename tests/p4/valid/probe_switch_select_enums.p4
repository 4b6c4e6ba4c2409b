// covers: switch on a bit<> value and on an enum, select over a serializable-enum header field
// with enum labels, literal masks and ranges, and parser error checks in ingress
#include <core.p4>
#include <v1model.p4>

enum bit<16> EtherType {
    IPV4 = 0x0800,
    VLAN = 0x8100
}

enum Verdict { Pass, Drop, Punt }

header ethernet_t {
    bit<48>   dstAddr;
    bit<48>   srcAddr;
    EtherType etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
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
    bit<8> cls;
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
            EtherType.IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        verify(hdr.ipv4.version == 4, error.NoMatch);
        transition select(hdr.ipv4.protocol, hdr.ipv4.ttl) {
            (6, 0 .. 15): accept;
            (0x10 &&& 0xF0, _): accept;
            default: accept;
        }
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        Verdict v = Verdict.Pass;
        if (standard_metadata.parser_error != error.NoError) {
            v = Verdict.Drop;
        }
        if (hdr.ipv4.isValid()) {
            switch (hdr.ipv4.protocol) {
                6: { meta.cls = 1; }
                17: { meta.cls = 2; }
                default: { meta.cls = 0; }
            }
        }
        switch (v) {
            Verdict.Drop: { mark_to_drop(standard_metadata); }
            Verdict.Punt: { standard_metadata.egress_spec = 9w64; }
            default: { standard_metadata.egress_spec = 9w1; }
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

// covers: plain enum and serializable enum bit<W> declarations, enum locals and comparisons, casts between serializable enums and bit<W>
#include <core.p4>
#include <v1model.p4>

enum bit<16> EtherType {
    IPV4 = 0x0800,
    ARP  = 0x0806,
    IPV6 = 0x86DD
}

enum bit<8> Dscp {
    BEST_EFFORT = 0,
    EXPEDITED   = 46
}

enum Verdict {
    Forward,
    Punt,
    Drop
}

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header qos_t {
    bit<8> dscp;
    bit<8> reserved;
}

struct metadata {
    bit<16> seen_type;
}

struct headers {
    ethernet_t ethernet;
    qos_t      qos;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            (bit<16>) EtherType.IPV4: parse_qos;
            (bit<16>) EtherType.IPV6: parse_qos;
            default: accept;
        }
    }
    state parse_qos {
        pkt.extract(hdr.qos);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        Verdict verdict = Verdict.Forward;
        EtherType etype = (EtherType) hdr.ethernet.etherType;   // bit<16> -> serializable enum

        if (etype == EtherType.ARP) {
            verdict = Verdict.Punt;
        } else if (etype != EtherType.IPV4 && etype != EtherType.IPV6) {
            verdict = Verdict.Drop;
        }
        meta.seen_type = (bit<16>) etype;                         // serializable enum -> bit<16>

        if (hdr.qos.isValid()) {
            hdr.qos.dscp = (bit<8>) Dscp.EXPEDITED;
        }

        if (verdict == Verdict.Drop) {
            mark_to_drop(standard_metadata);
        } else if (verdict == Verdict.Punt) {
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
        pkt.emit(hdr.qos);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: table keys with the match kinds exact, lpm, ternary, range and optional (selector: table_selector.p4), plus a header validity key
#include <core.p4>
#include <v1model.p4>

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

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> len;
    bit<16> checksum;
}

struct metadata {
    bit<8> klass;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    udp_t      udp;
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
        transition select(hdr.ipv4.protocol) {
            8w17: parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        pkt.extract(hdr.udp);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    action set_port(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action set_class(bit<8> klass) {
        meta.klass = klass;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    // exact + lpm
    table routes {
        key = {
            standard_metadata.ingress_port: exact;
            hdr.ipv4.dstAddr:               lpm;
        }
        actions = {
            set_port;
            drop;
        }
        default_action = drop();
    }

    // ternary + range + optional + validity (priorities apply)
    table classifier {
        key = {
            hdr.ipv4.srcAddr:     ternary;
            hdr.udp.dstPort:      range;
            hdr.ipv4.protocol:    optional;
            hdr.udp.isValid():    exact;
        }
        actions = {
            set_class;
            NoAction;
        }
        size = 128;
        default_action = NoAction();
    }

    apply {
        meta.klass = 0;
        if (hdr.ipv4.isValid()) {
            routes.apply();
            classifier.apply();
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
        pkt.emit(hdr.udp);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: const entries (exact, lpm with masks, ternary with masks, _ and default, range) and non-const entries with P4-16 priority= syntax
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

struct metadata {
    bit<8> klass;
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

    action permit() { }

    table port_map {
        key = {
            standard_metadata.ingress_port: exact;
        }
        actions = {
            set_port;
            drop;
        }
        default_action = drop();
        const entries = {
            9w1: set_port(9w2);
            9w2: set_port(9w1);
            9w3: drop();
        }
    }

    table routes {
        key = {
            hdr.ipv4.dstAddr: lpm;
        }
        actions = {
            set_port;
            drop;
        }
        default_action = drop();
        const entries = {
            32w0x0A000100 &&& 32w0xFFFFFF00: set_port(9w1);   // 10.0.1.0/24
            32w0x0A000000 &&& 32w0xFF000000: set_port(9w2);   // 10.0.0.0/8
        }
    }

    // ternary entries without explicit priorities: earlier entries win
    table tos_class {
        key = {
            hdr.ipv4.diffserv: ternary;
            hdr.ipv4.protocol: exact;
        }
        actions = {
            set_class;
            NoAction;
        }
        default_action = NoAction();
        const entries = {
            (8w0xB8 &&& 8w0xFC, 8w17): set_class(8w3);
            (_, 8w6): set_class(8w2);
            (default, 8w1): set_class(8w1);
        }
    }

    table ttl_class {
        key = {
            hdr.ipv4.ttl: range;
        }
        actions = {
            set_class;
            NoAction;
        }
        default_action = NoAction();
        const entries = {
            8w0 .. 8w1: set_class(8w9);
            8w2 .. 8w63: set_class(8w8);
        }
    }

    // initial entries the control plane may modify, with explicit priorities
    // (larger value wins; listed in decreasing priority order)
    table acl {
        key = {
            hdr.ipv4.srcAddr:  ternary;
            hdr.ipv4.protocol: ternary;
        }
        actions = {
            permit;
            drop;
        }
        default_action = permit();
        entries = {
            priority=300: (32w0x0A000001 &&& 32w0xFFFFFFFF, _): permit();
            priority=200: (32w0x0A000000 &&& 32w0xFF000000, 8w17 &&& 8w0xFF): drop();
            priority=100: (_, 8w6 &&& 8w0xFF): drop();
        }
    }

    apply {
        port_map.apply();
        if (hdr.ipv4.isValid()) {
            routes.apply();
            tos_class.apply();
            ttl_class.apply();
            acl.apply();
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

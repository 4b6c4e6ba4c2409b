// covers: switch on table.apply().action_run with action labels and default, table.apply().hit and .miss in conditions
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
    bit<1> routed;
    bit<1> acl_hit;
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
    action route(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action punt() {
        standard_metadata.egress_spec = 9w64;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action permit() { }

    table routes {
        key = {
            hdr.ipv4.dstAddr: lpm;
        }
        actions = {
            route;
            punt;
            drop;
        }
        default_action = drop();
    }

    table acl {
        key = {
            hdr.ipv4.srcAddr: ternary;
        }
        actions = {
            permit;
            drop;
        }
        default_action = permit();
    }

    table l2_fallback {
        key = {
            hdr.ethernet.dstAddr: exact;
        }
        actions = {
            route;
            NoAction;
        }
        default_action = NoAction();
    }

    apply {
        meta.routed = 0;
        meta.acl_hit = 0;
        if (hdr.ipv4.isValid()) {
            switch (routes.apply().action_run) {
                route: {
                    meta.routed = 1;
                    hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
                }
                punt: {
                    hdr.ipv4.diffserv = 8w0;
                }
                default: {
                    // drop: nothing else to do
                }
            }
            if (acl.apply().hit) {
                meta.acl_hit = 1;
            }
        } else {
            if (l2_fallback.apply().miss) {
                standard_metadata.egress_spec = 9w1;
            }
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

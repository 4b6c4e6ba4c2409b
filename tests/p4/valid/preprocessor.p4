// covers: preprocessor #define (object-like and function-like), #ifdef / #ifndef / #if / #else / #endif, #undef
#include <core.p4>
#include <v1model.p4>

#define ENABLE_ACL
#define NUM_PORTS 4
#define PORT(n) ((bit<9>) (n))
#define TABLE_SIZE 1024

#ifndef DEFAULT_PORT
#define DEFAULT_PORT PORT(1)
#endif

#define TEMPORARY_NAME 1
#undef TEMPORARY_NAME

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata { }

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
    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

#ifdef ENABLE_ACL
    table acl {
        key = {
            hdr.ethernet.srcAddr: ternary;
        }
        actions = {
            drop;
            NoAction;
        }
        size = TABLE_SIZE;
        default_action = NoAction();
    }
#endif

    table dmac {
        key = {
            hdr.ethernet.dstAddr: exact;
        }
        actions = {
            forward;
            drop;
        }
        size = TABLE_SIZE;
        default_action = forward(DEFAULT_PORT);
    }

    apply {
#if NUM_PORTS > 2
        if (standard_metadata.ingress_port >= PORT(NUM_PORTS)) {
            drop();
            return;
        }
#else
        drop();
#endif
#ifdef TEMPORARY_NAME
        this_line_is_never_compiled();
#endif
#ifdef ENABLE_ACL
        acl.apply();
#endif
        dmac.apply();
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

// covers: actions with directional parameters (in/out/inout), control-plane (directionless) parameters, both mixed, direct action calls and actions bound in a table
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<8> score;
    bit<9> port_copy;
    bit<8> tag;
}

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
    // directional parameters only: arguments are supplied by the caller
    action accumulate(inout bit<8> total, in bit<8> delta) {
        total = total + delta;
    }

    action copy_port(out bit<9> dst) {
        dst = standard_metadata.ingress_port;
    }

    // control-plane parameters only: arguments come from table entries
    action set_egress(bit<9> port, bit<48> new_dmac) {
        standard_metadata.egress_spec = port;
        hdr.ethernet.dstAddr = new_dmac;
    }

    // mixed: the directional parameter is bound in the actions list,
    // the directionless one is supplied by the control plane
    action set_tag(inout bit<8> target, bit<8> value) {
        target = value;
    }

    table classify {
        key = {
            hdr.ethernet.srcAddr: exact;
        }
        actions = {
            set_tag(meta.tag);
            NoAction;
        }
        default_action = set_tag(meta.tag, 8w0);
    }

    table forward {
        key = {
            hdr.ethernet.dstAddr: exact;
        }
        actions = {
            set_egress;
            NoAction;
        }
        default_action = NoAction();
    }

    apply {
        meta.score = 0;
        accumulate(meta.score, 8w10);
        accumulate(meta.score, (bit<8>) hdr.ethernet.etherType);
        copy_port(meta.port_copy);
        set_egress(9w1, hdr.ethernet.dstAddr);    // direct call with explicit arguments
        classify.apply();
        forward.apply();
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

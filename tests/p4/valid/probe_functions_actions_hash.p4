// covers: functions returning values on every path (and calling each other), actions called
// directly from apply, hash() over a tuple, random(), log_msg() with a tuple, exit in an action
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<8>  a;
    bit<8>  b;
    bit<16> h;
    bit<32> r;
}

struct headers {
    ethernet_t ethernet;
}

bit<8> max8(in bit<8> x, in bit<8> y) {
    if (x > y) {
        return x;
    } else {
        return y;
    }
}

bit<8> clamp(in bit<8> v, in bit<8> hi) {
    bit<8> m = max8(v, hi);
    if (m == v) {
        return hi;
    }
    return v;
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
    action add_to(inout bit<8> target, bit<8> amount) {
        target = target + amount;
    }

    action stop() {
        mark_to_drop(standard_metadata);
        exit;
    }

    apply {
        meta.a = clamp(meta.b, 8w100);
        add_to(meta.a, 8w3);
        add_to(meta.b, meta.a);
        hash(meta.h, HashAlgorithm.crc16, 16w0,
             { hdr.ethernet.srcAddr, hdr.ethernet.dstAddr, hdr.ethernet.etherType }, 32w65536);
        random(meta.r, 32w0, 32w1023);
        log_msg("a={} b={}", { meta.a, meta.b });
        if (meta.a == 8w0) {
            stop();
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
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

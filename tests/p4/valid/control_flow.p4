// covers: control-body and apply-block locals, if / else if / else, nested block statements, exit, return
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
    bit<9> out_port = 9w1;                    // control-body local with initializer

    apply {
        if (!hdr.ipv4.isValid()) {
            standard_metadata.egress_spec = out_port;
            return;                           // leaves MyIngress only
        }
        if (hdr.ipv4.ttl <= 8w1) {
            mark_to_drop(standard_metadata);
            exit;                             // ends ingress processing of this packet
        }

        bit<8> klass;                         // apply-block local
        if (hdr.ipv4.diffserv == 8w0) {
            klass = 0;
        } else if (hdr.ipv4.diffserv < 8w64) {
            klass = 1;
        } else {
            klass = 2;
        }

        {
            // nested block with its own scope
            bit<8> scaled = klass + 8w1;
            meta.klass = scaled;
        }

        if (meta.klass > 8w2) {
            out_port = 9w3;
        } else if (meta.klass == 8w2) {
            out_port = 9w2;
        }
        standard_metadata.egress_spec = out_port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }
}

control MyEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply {
        if (standard_metadata.egress_port == 9w3) {
            return;
        }
        if (hdr.ipv4.isValid()) {
            hdr.ipv4.diffserv = 8w0;
        }
    }
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

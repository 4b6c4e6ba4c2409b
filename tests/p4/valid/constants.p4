// covers: constant declarations (top-level and control-local; bit<W>, int<W>, bool, infinite-precision int) and constant folding
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_IPV4 = 16w0x0800;
const bit<9>  DEFAULT_PORT   = 1;
const bool    REWRITE_SOURCE = true;
const int     SHIFT          = 4;                        // infinite precision, compile time only
const bit<8>  TTL_FLOOR      = (bit<8>) (SHIFT * 2);    // folded to 8w8
const bit<32> LOW_MASK       = ~32w0 >> 8;               // folded to 32w0x00ffffff
const int<8>  SIGNED_STEP    = -8s2;
const bit<48> LOCAL_MAC      = 48w0x02_00_00_00_00_01;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header payload_t {
    bit<8>  ttl;
    bit<8>  flags;
    bit<32> value;
}

struct metadata {
    int<8> adjust;
}

struct headers {
    ethernet_t ethernet;
    payload_t  payload;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_IPV4: parse_payload;
            default: accept;
        }
    }
    state parse_payload {
        pkt.extract(hdr.payload);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    const bit<8> FLAG_SEEN = 8w0x80;   // control-local constant

    apply {
        standard_metadata.egress_spec = DEFAULT_PORT;
        meta.adjust = SIGNED_STEP;
        if (REWRITE_SOURCE) {
            hdr.ethernet.srcAddr = LOCAL_MAC;
        }
        if (hdr.payload.isValid()) {
            if (hdr.payload.ttl < TTL_FLOOR) {
                hdr.payload.ttl = TTL_FLOOR;
            }
            hdr.payload.flags = hdr.payload.flags | FLAG_SEEN;
            hdr.payload.value = (hdr.payload.value & LOW_MASK) << SHIFT;
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
        pkt.emit(hdr.payload);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

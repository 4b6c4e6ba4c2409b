// covers: isValid(), setValid(), setInvalid() on headers, and the compile-time minSizeInBits() / minSizeInBytes() methods
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

// A 6-byte shim inserted after Ethernet; 'len' records its own size in bytes.
header shim_t {
    bit<16> len;
    bit<16> bits;
    bit<16> origType;
}

struct metadata {
    bit<32> eth_bits;
    bit<32> eth_bytes;
}

struct headers {
    ethernet_t ethernet;
    shim_t     shim;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            16w0x88BB: parse_shim;
            default: accept;
        }
    }
    state parse_shim {
        pkt.extract(hdr.shim);
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    apply {
        meta.eth_bits = hdr.ethernet.minSizeInBits();      // 112
        meta.eth_bytes = hdr.ethernet.minSizeInBytes();    // 14
        standard_metadata.egress_spec = 9w1;

        if (hdr.shim.isValid()) {
            // strip the shim
            hdr.ethernet.etherType = hdr.shim.origType;
            hdr.shim.setInvalid();
        } else if (hdr.ethernet.isValid()) {
            // insert the shim
            hdr.shim.setValid();
            hdr.shim.len = (bit<16>) hdr.shim.minSizeInBytes();
            hdr.shim.bits = (bit<16>) hdr.shim.minSizeInBits();
            hdr.shim.origType = hdr.ethernet.etherType;
            hdr.ethernet.etherType = 16w0x88BB;
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
        pkt.emit(hdr.shim);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

// covers: @field_list on metadata fields, clone, clone_preserving_field_list (I2E and E2E), resubmit_preserving_field_list, recirculate_preserving_field_list, instance_type checks
#include <core.p4>
#include <v1model.p4>

// BMv2 values of standard_metadata.instance_type
const bit<32> PKT_INSTANCE_NORMAL        = 0;
const bit<32> PKT_INSTANCE_INGRESS_CLONE = 1;
const bit<32> PKT_INSTANCE_EGRESS_CLONE  = 2;
const bit<32> PKT_INSTANCE_RECIRC        = 4;
const bit<32> PKT_INSTANCE_RESUBMIT      = 6;

// clone session ids configured by the control plane
const bit<32> MIRROR_SESSION = 100;
const bit<32> E2E_SESSION    = 101;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

// Field list 1 survives resubmit, 2 survives recirculate, 3 survives cloning.
struct preserved_t {
    @field_list(1, 2)
    bit<8> resubmit_count;
    @field_list(2)
    bit<8> recirc_count;
    @field_list(1, 3)
    bit<9> original_port;
}

struct metadata {
    preserved_t keep;
    bit<8>      scratch;
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
    apply {
        if (standard_metadata.instance_type == PKT_INSTANCE_NORMAL) {
            meta.keep.original_port = standard_metadata.ingress_port;
            meta.keep.resubmit_count = 0;
            meta.keep.recirc_count = 0;
        }
        standard_metadata.egress_spec = 9w1;

        if (hdr.ethernet.etherType == 16w0x9001 && meta.keep.resubmit_count == 0) {
            // run ingress once more, keeping field list 1
            meta.keep.resubmit_count = meta.keep.resubmit_count + 1;
            resubmit_preserving_field_list(8w1);
        } else if (hdr.ethernet.etherType == 16w0x9002) {
            // mirror to the analyser, keeping field list 3 in the copy
            clone_preserving_field_list(CloneType.I2E, MIRROR_SESSION, 8w3);
        } else if (hdr.ethernet.etherType == 16w0x9003) {
            // plain clone: no user metadata preserved
            clone(CloneType.I2E, MIRROR_SESSION);
        }
    }
}

control MyEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply {
        if (standard_metadata.instance_type == PKT_INSTANCE_INGRESS_CLONE) {
            // mirrored copy: tag it with the original ingress port
            hdr.ethernet.srcAddr = (bit<48>) meta.keep.original_port;
        } else if (hdr.ethernet.etherType == 16w0x9004 && meta.keep.recirc_count < 8w2) {
            meta.keep.recirc_count = meta.keep.recirc_count + 1;
            recirculate_preserving_field_list(8w2);
        } else if (hdr.ethernet.etherType == 16w0x9005 &&
                   standard_metadata.instance_type != PKT_INSTANCE_EGRESS_CLONE) {
            clone_preserving_field_list(CloneType.E2E, E2E_SESSION, 8w3);
        }
        if (standard_metadata.instance_type == PKT_INSTANCE_RECIRC ||
            standard_metadata.instance_type == PKT_INSTANCE_RESUBMIT) {
            meta.scratch = 1;
        }
    }
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

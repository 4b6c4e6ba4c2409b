// covers: the smallest complete v1model program: empty header/metadata structs, empty controls, and V1Switch instantiated with explicit type arguments as main
#include <core.p4>
#include <v1model.p4>

struct headers { }

struct metadata { }

parser EmptyParser(packet_in pkt, out headers hdr, inout metadata meta,
                   inout standard_metadata_t standard_metadata) {
    state start {
        transition accept;
    }
}

control EmptyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control EmptyIngress(inout headers hdr, inout metadata meta,
                     inout standard_metadata_t standard_metadata) {
    apply {
        // every packet leaves on port 1 unchanged
        standard_metadata.egress_spec = 9w1;
    }
}

control EmptyEgress(inout headers hdr, inout metadata meta,
                    inout standard_metadata_t standard_metadata) {
    apply { }
}

control EmptyComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control EmptyDeparser(packet_out pkt, in headers hdr) {
    apply { }
}

V1Switch<headers, metadata>(
    EmptyParser(),
    EmptyVerifyChecksum(),
    EmptyIngress(),
    EmptyEgress(),
    EmptyComputeChecksum(),
    EmptyDeparser()
) main;

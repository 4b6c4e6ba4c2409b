// covers: @name (relative and global ".name") and @id annotations on tables, actions, key fields and extern instances
#include <core.p4>
#include <v1model.p4>

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
    // P4Runtime IDs: an 8-bit resource prefix (0x12 counter, 0x01 action,
    // 0x02 table) followed by a 24-bit value.
    @name("rx_counter") @id(0x12000001)
    counter(32w64, CounterType.packets) port_counter;

    @name("forward") @id(0x01000101)
    action set_port(bit<9> port) {
        standard_metadata.egress_spec = port;
        port_counter.count((bit<32>) standard_metadata.ingress_port);
    }

    // a leading dot makes the control-plane name global: "drop_packet"
    @name(".drop_packet")
    action drop() {
        mark_to_drop(standard_metadata);
    }

    @name("l2_forward") @id(0x02000101)
    table dmac {
        key = {
            hdr.ethernet.dstAddr: exact @name("dst_mac");
        }
        actions = {
            set_port;
            drop;
        }
        size = 512;
        default_action = drop();
    }

    apply {
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

// covers: indirect counter and meter instances with constructor arguments (CounterType, MeterType), count() and execute_meter()
#include <core.p4>
#include <v1model.p4>

const bit<2> COLOR_RED = 2;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct metadata {
    bit<2>  color;
    bit<32> index;
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
    counter(32w512, CounterType.packets_and_bytes) rx_port_counter;
    counter(32w16, CounterType.packets) drop_counter;
    meter(32w512, MeterType.bytes) port_meter;

    action police() {
        port_meter.execute_meter<bit<2>>(meta.index, meta.color);
    }

    apply {
        meta.index = (bit<32>) standard_metadata.ingress_port;
        rx_port_counter.count(meta.index);
        police();
        if (meta.color == COLOR_RED) {
            drop_counter.count(32w0);
            mark_to_drop(standard_metadata);
        } else {
            standard_metadata.egress_spec = 9w1;
        }
    }
}

control MyEgress(inout headers hdr, inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    counter(32w512, CounterType.bytes) tx_port_counter;

    apply {
        tx_port_counter.count((bit<32>) standard_metadata.egress_port);
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

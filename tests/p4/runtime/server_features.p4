// P4Runtime server test program: one object of every kind a v1model controller programs.
// - packet_in / packet_out controller headers on CPU port 255: frames from the controller
//   leave on packet_out.egress_port; EtherType 0x88B5 frames are punted with their port.
// - smac (exact) sends a mac_learn_t digest for unknown source MACs.
// - acl (ternary + range, priorities) with a direct counter and a direct meter.
// - ecmp (exact, implemented by an action selector) and consts (const entries).
// - an indexed counter, meter and two registers, and a parser value set.
#include <core.p4>
#include <v1model.p4>

const bit<9> CPU_PORT = 9w255;
const bit<16> TYPE_PUNT = 16w0x88B5;

@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> _pad;
}

@controller_header("packet_out")
header packet_out_t {
    bit<9> egress_port;
    bit<7> _pad;
}

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

struct mac_learn_t {
    bit<48> srcAddr;
    bit<9>  ingress_port;
}

struct metadata {
    mac_learn_t learn;
    bit<32>     color;
    bit<1>      special;
}

struct headers {
    packet_out_t packet_out;
    packet_in_t  packet_in;
    ethernet_t   ethernet;
}

parser MyParser(packet_in pkt, out headers hdr, inout metadata meta,
                inout standard_metadata_t standard_metadata) {
    value_set<bit<16>>(4) special_types;

    state start {
        transition select(standard_metadata.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }
    state parse_packet_out {
        pkt.extract(hdr.packet_out);
        transition parse_ethernet;
    }
    state parse_ethernet {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            special_types: mark_special;
            default: accept;
        }
    }
    state mark_special {
        meta.special = 1w1;
        transition accept;
    }
}

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control MyIngress(inout headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    register<bit<32>>(32w8) reg32;
    register<bit<8>>(32w4) reg8;
    counter(32w16, CounterType.packets_and_bytes) port_counter;
    meter(32w4, MeterType.packets) port_meter;
    direct_counter(CounterType.packets_and_bytes) acl_counter;
    direct_meter<bit<32>>(MeterType.bytes) acl_meter;
    action_selector(HashAlgorithm.crc16, 32w16, 32w14) ecmp_selector;

    action send_to_cpu() {
        standard_metadata.egress_spec = CPU_PORT;
        hdr.packet_in.setValid();
        hdr.packet_in.ingress_port = standard_metadata.ingress_port;
        hdr.packet_in._pad = 7w0;
    }

    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action learn() {
        meta.learn.srcAddr = hdr.ethernet.srcAddr;
        meta.learn.ingress_port = standard_metadata.ingress_port;
        digest<mac_learn_t>(32w1, meta.learn);
    }

    action acl_forward(bit<9> port) {
        acl_meter.read(meta.color);
        standard_metadata.egress_spec = port;
    }

    action acl_miss() {
        standard_metadata.egress_spec = 9w0;
    }

    table smac {
        key = {
            hdr.ethernet.srcAddr: exact;
        }
        actions = {
            learn;
            NoAction;
        }
        size = 64;
        default_action = learn();
    }

    table acl {
        key = {
            hdr.ethernet.dstAddr:   ternary;
            hdr.ethernet.etherType: range;
        }
        actions = {
            acl_forward;
            drop;
            @defaultonly acl_miss;
        }
        counters = acl_counter;
        meters = acl_meter;
        size = 4;
        default_action = acl_miss();
    }

    table ecmp {
        key = {
            hdr.ethernet.dstAddr: exact;
            hdr.ethernet.srcAddr: selector;
        }
        actions = {
            forward;
            drop;
        }
        implementation = ecmp_selector;
        size = 64;
    }

    table consts {
        key = {
            hdr.ethernet.etherType: exact;
        }
        actions = {
            forward;
            drop;
        }
        const entries = {
            16w0x0806: forward(9w3);
            16w0x86DD: drop();
        }
        const default_action = drop();
    }

    apply {
        if (hdr.packet_out.isValid()) {
            standard_metadata.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
        } else if (hdr.ethernet.etherType == TYPE_PUNT) {
            send_to_cpu();
        } else {
            smac.apply();
            acl.apply();
            ecmp.apply();
            if (meta.special == 1w1) {
                consts.apply();
            }
            port_counter.count((bit<32>) standard_metadata.ingress_port);
            port_meter.execute_meter((bit<32>) standard_metadata.ingress_port, meta.color);
            bit<32> last;
            reg32.read(last, 32w0);
            reg32.write(32w1, last);
            reg8.write(32w0, 8w1);
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
        pkt.emit(hdr.packet_in);
        pkt.emit(hdr.ethernet);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

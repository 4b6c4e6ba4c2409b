// covers: typedef of bit types, chained typedefs, typedef of a struct, typedef'd action parameters and table keys
#include <core.p4>
#include <v1model.p4>

typedef bit<48> mac_addr_t;
typedef mac_addr_t station_id_t;     // typedef of a typedef
typedef bit<9>  port_id_t;
typedef bit<12> vlan_id_t;

header ethernet_t {
    mac_addr_t   dstAddr;
    station_id_t srcAddr;
    bit<16>      etherType;
}

struct l2_info_t {
    vlan_id_t vid;
    port_id_t in_port;
}

typedef l2_info_t l2_alias_t;        // typedef of a struct type

struct metadata {
    l2_alias_t l2;
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
    action forward(port_id_t port, vlan_id_t vid) {
        standard_metadata.egress_spec = port;
        meta.l2.vid = vid;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table mac_table {
        key = {
            hdr.ethernet.dstAddr: exact;
        }
        actions = {
            forward;
            drop;
        }
        size = 256;
        default_action = drop();
    }

    apply {
        meta.l2.in_port = standard_metadata.ingress_port;
        if (hdr.ethernet.isValid()) {
            mac_table.apply();
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
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(),
         MyComputeChecksum(), MyDeparser()) main;

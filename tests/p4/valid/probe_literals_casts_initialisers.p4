// covers: implicit int-literal conversions, casts between typedef / type / serializable enum,
// nested struct initialisers and a struct-typed initialiser expression
#include <core.p4>
#include <v1model.p4>

typedef bit<9>  egress_port_t;
type    bit<9>  port_id_t;
typedef bit<16> ether_t;

enum bit<8> Proto {
    TCP = 6,
    UDP = 17
}

const bit<16> IPV4_TYPE = 0x0800;
const bit<16> NEXT_TYPE = IPV4_TYPE + 1;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    ether_t etherType;
}

struct point_t {
    bit<8> x;
    bit<8> y;
}

struct segment_t {
    point_t from;
    point_t to;
}

struct metadata {
    bit<8>    a;
    bit<16>   c;
    bit<32>   d;
    segment_t seg;
    port_id_t port;
    Proto     proto;
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
        meta.a = 1 + 2 * meta.a;                          // literals take the width of meta.a
        meta.d = 1 << 4;                                  // constant shift of a literal
        meta.c = (meta.a ++ 8w0) ^ 0xff;                  // concat then xor with a literal
        if (hdr.ethernet.etherType == IPV4_TYPE || hdr.ethernet.etherType == NEXT_TYPE) {
            meta.seg = { from = { x = 1, y = 2 }, to = { x = 3, y = meta.a } };
        }
        meta.seg.to = (point_t){ x = 8w4, y = 8w5 };
        meta.port = (port_id_t)standard_metadata.ingress_port;
        standard_metadata.egress_spec = (egress_port_t)(bit<9>)meta.port;
        meta.proto = (Proto)meta.a;                       // bit<8> -> enum bit<8>
        meta.a = (bit<8>)meta.proto;                      // and back
        meta.proto = Proto.UDP;
        bool small = meta.a < 10;
        meta.a = small ? 8w0 : meta.a;
        meta.d = (bit<32>)(int<32>)-1;                    // sign change then width
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

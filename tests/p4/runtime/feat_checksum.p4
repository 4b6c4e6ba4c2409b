// verify_checksum / update_checksum on an IPv4 header and the _with_payload variants on a UDP
// checksum (pseudo header + UDP header + payload). Ingress decrements the TTL and writes
// standard_metadata.checksum_error into diffserv; the compute control fixes both checksums.
#include <core.p4>
#include <v1model.p4>

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
header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> len;
    bit<16> csum;
}

struct headers_t {
    ipv4_t ipv4;
    udp_t  udp;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.ipv4);
        transition select(h.ipv4.protocol) {
            17: parse_udp;
            default: accept;
        }
    }
    state parse_udp {
        pkt.extract(h.udp);
        transition accept;
    }
}

control VC(inout headers_t h, inout meta_t m) {
    apply {
        verify_checksum(h.ipv4.isValid(),
            { h.ipv4.version, h.ipv4.ihl, h.ipv4.diffserv, h.ipv4.totalLen,
              h.ipv4.identification, h.ipv4.flags, h.ipv4.fragOffset, h.ipv4.ttl,
              h.ipv4.protocol, h.ipv4.srcAddr, h.ipv4.dstAddr },
            h.ipv4.hdrChecksum, HashAlgorithm.csum16);
        verify_checksum_with_payload(true,
            { h.ipv4.srcAddr, h.ipv4.dstAddr, 8w0, h.ipv4.protocol, h.udp.len,
              h.udp.srcPort, h.udp.dstPort, h.udp.len },
            h.udp.csum, HashAlgorithm.csum16);
    }
}

control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        h.ipv4.diffserv = (bit<8>)sm.checksum_error;
        h.ipv4.ttl = h.ipv4.ttl - 1;
        sm.egress_spec = 1;
    }
}

control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t h, inout meta_t m) {
    apply {
        update_checksum(h.ipv4.isValid(),
            { h.ipv4.version, h.ipv4.ihl, h.ipv4.diffserv, h.ipv4.totalLen,
              h.ipv4.identification, h.ipv4.flags, h.ipv4.fragOffset, h.ipv4.ttl,
              h.ipv4.protocol, h.ipv4.srcAddr, h.ipv4.dstAddr },
            h.ipv4.hdrChecksum, HashAlgorithm.csum16);
        update_checksum_with_payload(h.udp.isValid(),
            { h.ipv4.srcAddr, h.ipv4.dstAddr, 8w0, h.ipv4.protocol, h.udp.len,
              h.udp.srcPort, h.udp.dstPort, h.udp.len },
            h.udp.csum, HashAlgorithm.csum16);
    }
}

control D(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h.ipv4);
        pkt.emit(h.udp);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;

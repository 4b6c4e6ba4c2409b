/* -*- P4_16 -*- */
// wamptcp_gateway.p4: the Durga / WaMPTCP SD-WAN gateway (seed chapter 3) for v1model.
//
// One program serves the branch gateway and the remote gateway; the role is only a matter
// of table contents (controller/wamptcp/entries.py). Ports are LAN or WAN ports
// (port_role); WAN link k is a point-to-point link between port k of both gateways.
//
// Packet from the controller (CPU port 255): leaves the port named in its PacketOut header,
// otherwise unchanged (BFD probes).
//
// Any known port (port_role hit, else drop; WAN packets count in wan_rx[link]):
//   ARP request for a gateway address (gateway_arp)   -> ARP reply out of the ingress port.
//   Neighbor Solicitation for a gateway address (gateway_ndp) -> Neighbor Advertisement
//     (solicited, override, target link-layer address option) out of the ingress port.
//     Other ARP and NDP solicitations are dropped.
//   IPv4 UDP to port 3784 matching bfd (ingress port, IPv4 destination) -> bfd_reflect
//     (MACs and IPv4 addresses swapped, back out of the ingress port: the peer's echo
//     probes) or bfd_to_cpu (PacketIn carrying the ingress port: the gateway's own probes
//     coming back). Both gateways do both. A miss is forwarded like any other packet.
// IP packets (others are dropped, so are IP packets sent to a group MAC address):
//   WAN port: VXLAN over IPv4 (UDP 4789) to a local_vtep address is decapsulated: the inner
//     Ethernet and IP headers become the packet's headers. Then route_v4/route_v6 by destination;
//     only to_lan delivers a packet that came from a WAN port.
//   LAN port: route_v4/route_v6 by destination: to_lan delivers it, set_link picks a WAN
//     link. Then MPTCP packets (an MPTCP option found, no parser error) look up
//     src_steer_v4/v6 by source subnet (a hit overrides the link); other packets look up
//     handoff by meta.bucket, and src_steer on a handoff miss. No link -> drop, counted in
//     link_drops[0]. Then wan_link[link]: vxlan_encap, direct or link_down (drop, counted
//     in link_drops[link]); vxlan_encap and direct count in wan_tx[link]; a link without
//     an entry drops uncounted.
// to_lan and direct forward as an IP router: MAC addresses from the entry, TTL / hop limit
// decremented (packets arriving with 1 or 0 are dropped), IPv4 checksum updated
// incrementally (RFC 1624, as Linux does), which is exact for any header length. vxlan_encap
// carries the frame unchanged inside Ethernet/IPv4 (DF, TTL 64)/UDP (checksum 0)/VXLAN.
// meta.bucket = crc16(src addr, dst addr, protocol / next header, src port, dst port) mod 64,
// ports 0 when L4 is not parsed (IPv4 options or fragment, IPv6 extension header).
// Counters count the length of the packet as received (v1model counts ingress length).

#include <core.p4>
#include <v1model.p4>

#include "include/wamptcp_headers.p4"
#include "include/wamptcp_parser.p4"

control MyVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control MyIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    // Indexed by link id. BMv2 builds without debug checks do not bound-check a counter
    // index, so link ids stay in 1..15 (controller/wamptcp/site.py enforces MAX_LINK_ID).
    counter(N_LINK_COUNTERS, CounterType.packets_and_bytes) wan_tx;
    counter(N_LINK_COUNTERS, CounterType.packets_and_bytes) wan_rx;
    counter(N_LINK_COUNTERS, CounterType.packets_and_bytes) link_drops;

    action drop() {
        mark_to_drop(standard_metadata);
    }

    // ---- ports ----

    action lan_port() {
        meta.port_kind = PORT_LAN;
    }

    action wan_port(bit<8> link) {
        meta.port_kind = PORT_WAN;
        wan_rx.count((bit<32>)link);
    }

    table port_role {
        key = {
            standard_metadata.ingress_port: exact;
        }
        actions = {
            lan_port;
            wan_port;
            drop;
        }
        default_action = drop();
        size = 64;
    }

    // ---- ARP / NDP for the gateway's own addresses ----

    action arp_reply(bit<48> mac) {
        bit<32> asked = hdr.arp.tpa;
        hdr.ethernet.dstAddr = hdr.ethernet.srcAddr;
        hdr.ethernet.srcAddr = mac;
        hdr.arp.oper = ARP_OPER_REPLY;
        hdr.arp.tha = hdr.arp.sha;
        hdr.arp.tpa = hdr.arp.spa;
        hdr.arp.sha = mac;
        hdr.arp.spa = asked;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    table gateway_arp {
        key = {
            hdr.arp.tpa: exact;
        }
        actions = {
            arp_reply;
            drop;
        }
        default_action = drop();
        size = 256;
    }

    action ndp_reply(bit<48> mac) {
        hdr.ethernet.dstAddr = hdr.ethernet.srcAddr;
        hdr.ethernet.srcAddr = mac;
        hdr.ipv6.trafficClass = 8w0;
        hdr.ipv6.flowLabel = 20w0;
        hdr.ipv6.payloadLen = 16w32;
        hdr.ipv6.hopLimit = 8w255;
        hdr.ipv6.dstAddr = hdr.ipv6.srcAddr;
        hdr.ipv6.srcAddr = hdr.ndp.target_addr;
        hdr.icmpv6.msgType = ICMPV6_NEIGHBOR_ADVERTISEMENT;
        hdr.icmpv6.code = 8w0;
        hdr.icmpv6.checksum = 16w0;     // MyComputeChecksum fills it in
        hdr.ndp.router = 1w0;
        hdr.ndp.solicited = 1w1;
        hdr.ndp.override = 1w1;
        hdr.ndp.reserved = 29w0;
        hdr.ndp_lla.setValid();
        hdr.ndp_lla.optType = NDP_OPT_TARGET_LL;
        hdr.ndp_lla.optLen = 8w1;
        hdr.ndp_lla.addr = mac;
        meta.ndp_reply = 1w1;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    table gateway_ndp {
        key = {
            hdr.ndp.target_addr: exact;
        }
        actions = {
            ndp_reply;
            drop;
        }
        default_action = drop();
        size = 256;
    }

    // ---- BFD ----

    action bfd_reflect() {
        bit<48> mac = hdr.ethernet.dstAddr;
        bit<32> addr = hdr.ipv4.dstAddr;
        hdr.ethernet.dstAddr = hdr.ethernet.srcAddr;
        hdr.ethernet.srcAddr = mac;
        hdr.ipv4.dstAddr = hdr.ipv4.srcAddr;
        hdr.ipv4.srcAddr = addr;
        // Swapping the addresses keeps the IPv4 and UDP checksums valid.
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    action bfd_to_cpu() {
        hdr.packet_in.setValid();
        hdr.packet_in.ingress_port = standard_metadata.ingress_port;
        hdr.packet_in._pad = 7w0;
        standard_metadata.egress_spec = CPU_PORT;
    }

    table bfd {
        key = {
            standard_metadata.ingress_port: exact;
            hdr.ipv4.dstAddr: exact;
        }
        actions = {
            bfd_reflect;
            bfd_to_cpu;
            NoAction;
        }
        default_action = NoAction();
        size = 64;
    }

    // ---- VXLAN termination ----

    action vxlan_decap() {
        meta.decap = 1w1;
    }

    table local_vtep {
        key = {
            hdr.ipv4.dstAddr: exact;
        }
        actions = {
            vxlan_decap;
            NoAction;
        }
        default_action = NoAction();
        size = 16;
    }

    // ---- routing by destination ----

    action to_lan(bit<9> port, bit<48> src_mac, bit<48> dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        meta.delivered = 1w1;
        meta.routed_hop = 1w1;
        standard_metadata.egress_spec = port;
    }

    action set_link(bit<8> link) {
        meta.link = link;
    }

    table route_v4 {
        key = {
            hdr.ipv4.dstAddr: lpm;
        }
        actions = {
            to_lan;
            set_link;
            NoAction;
        }
        default_action = NoAction();
        size = 1024;
    }

    table route_v6 {
        key = {
            hdr.ipv6.dstAddr: lpm;
        }
        actions = {
            to_lan;
            set_link;
            NoAction;
        }
        default_action = NoAction();
        size = 1024;
    }

    // ---- WaMPTCP: source subnet -> WAN link ----

    table src_steer_v4 {
        key = {
            hdr.ipv4.srcAddr: lpm;
        }
        actions = {
            set_link;
            NoAction;
        }
        default_action = NoAction();
        size = 1024;
    }

    table src_steer_v6 {
        key = {
            hdr.ipv6.srcAddr: lpm;
        }
        actions = {
            set_link;
            NoAction;
        }
        default_action = NoAction();
        size = 1024;
    }

    // ---- tunnel handoff: flow hash bucket -> WAN link ----

    table handoff {
        key = {
            meta.bucket: exact;
        }
        actions = {
            set_link;
            NoAction;
        }
        default_action = NoAction();
        size = 64;
    }

    // ---- WAN links ----

    action vxlan_encap(bit<9> port, bit<48> src_mac, bit<48> dst_mac, bit<32> src_ip,
                       bit<32> dst_ip, bit<24> vni) {
        // The whole received frame becomes the VXLAN payload: 14 + 20 + 8 + 8 bytes around it.
        bit<16> frame_len = (bit<16>)standard_metadata.packet_length;
        hdr.outer_ethernet.setValid();
        hdr.outer_ethernet.dstAddr = dst_mac;
        hdr.outer_ethernet.srcAddr = src_mac;
        hdr.outer_ethernet.etherType = ETHERTYPE_IPV4;
        hdr.outer_ipv4.setValid();
        hdr.outer_ipv4.version = 4w4;
        hdr.outer_ipv4.ihl = 4w5;
        hdr.outer_ipv4.diffserv = 8w0;
        hdr.outer_ipv4.totalLen = frame_len + 16w36;
        hdr.outer_ipv4.identification = 16w0;
        hdr.outer_ipv4.flags = 3w2;     // don't fragment
        hdr.outer_ipv4.fragOffset = 13w0;
        hdr.outer_ipv4.ttl = 8w64;
        hdr.outer_ipv4.protocol = IPPROTO_UDP;
        hdr.outer_ipv4.hdrChecksum = 16w0;  // MyComputeChecksum fills it in
        hdr.outer_ipv4.srcAddr = src_ip;
        hdr.outer_ipv4.dstAddr = dst_ip;
        hdr.outer_udp.setValid();
        hdr.outer_udp.srcPort = VXLAN_SPORT_BASE + (bit<16>)meta.bucket;
        hdr.outer_udp.dstPort = UDP_PORT_VXLAN;
        hdr.outer_udp.length = frame_len + 16w16;
        hdr.outer_udp.checksum = 16w0;
        hdr.outer_vxlan.setValid();
        hdr.outer_vxlan.flags = VXLAN_FLAGS_I;
        hdr.outer_vxlan.reserved = 24w0;
        hdr.outer_vxlan.vni = vni;
        hdr.outer_vxlan.reserved2 = 8w0;
        standard_metadata.egress_spec = port;
        wan_tx.count((bit<32>)meta.link);
    }

    action direct(bit<9> port, bit<48> src_mac, bit<48> dst_mac) {
        hdr.ethernet.srcAddr = src_mac;
        hdr.ethernet.dstAddr = dst_mac;
        meta.routed_hop = 1w1;
        standard_metadata.egress_spec = port;
        wan_tx.count((bit<32>)meta.link);
    }

    action link_down() {
        link_drops.count((bit<32>)meta.link);
        mark_to_drop(standard_metadata);
    }

    table wan_link {
        key = {
            meta.link: exact;
        }
        actions = {
            vxlan_encap;
            direct;
            link_down;
            drop;
        }
        default_action = drop();
        size = 16;
    }

    // ---- apply ----

    apply {
        bool handled = true;
        if (hdr.packet_out.isValid()) {
            standard_metadata.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
        } else {
            port_role.apply();
            handled = meta.port_kind == PORT_UNKNOWN;   // unknown ports were dropped
        }

        if (!handled && hdr.arp.isValid()) {
            handled = true;
            if (hdr.arp.htype == ARP_HTYPE_ETHERNET && hdr.arp.ptype == ETHERTYPE_IPV4
                    && hdr.arp.hlen == 8w6 && hdr.arp.plen == 8w4
                    && hdr.arp.oper == ARP_OPER_REQUEST) {
                gateway_arp.apply();
            } else {
                drop();
            }
        }
        if (!handled && hdr.ndp.isValid()) {
            // RFC 4861 §7.1.1 validity; duplicate address detection probes (unspecified
            // source) and solicitations with other options are not answered.
            handled = true;
            if (hdr.icmpv6.code == 8w0 && hdr.ipv6.hopLimit == 8w255
                    && hdr.ipv6.srcAddr != 128w0
                    && (hdr.ipv6.payloadLen == 16w24 || hdr.ndp_lla.isValid())) {
                gateway_ndp.apply();
            } else {
                drop();
            }
        }
        if (!handled && hdr.ipv4.isValid() && hdr.udp.isValid()) {
            if (hdr.udp.dstPort == UDP_PORT_BFD) {
                if (bfd.apply().hit) {
                    handled = true;
                }
            }
        }

        // VXLAN over IPv6 also parses an inner Ethernet header; local_vtep's key is the IPv4
        // destination, which must not be read from an invalid header (undefined on BMv2).
        if (!handled && meta.port_kind == PORT_WAN && hdr.inner_ethernet.isValid()
                && hdr.ipv4.isValid()) {
            local_vtep.apply();
            if (meta.decap == 1w1) {
                hdr.udp.setInvalid();
                hdr.vxlan.setInvalid();
                hdr.ethernet = hdr.inner_ethernet;
                hdr.inner_ethernet.setInvalid();
                if (hdr.inner_ipv4.isValid()) {
                    hdr.ipv4 = hdr.inner_ipv4;
                    hdr.inner_ipv4.setInvalid();
                } else {
                    hdr.ipv4.setInvalid();
                }
                if (hdr.inner_ipv6.isValid()) {
                    hdr.ipv6 = hdr.inner_ipv6;
                    hdr.inner_ipv6.setInvalid();
                }
            }
        }

        if (!handled) {
            if ((!hdr.ipv4.isValid() && !hdr.ipv6.isValid())
                    || hdr.ethernet.dstAddr[40:40] == 1w1) {
                drop();
            } else {
                if (hdr.ipv4.isValid()) {
                    hash(meta.bucket, HashAlgorithm.crc16, 8w0,
                         { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.ipv4.protocol,
                           meta.l4_src, meta.l4_dst },
                         N_BUCKETS);
                    route_v4.apply();
                } else {
                    hash(meta.bucket, HashAlgorithm.crc16, 8w0,
                         { hdr.ipv6.srcAddr, hdr.ipv6.dstAddr, hdr.ipv6.nextHdr,
                           meta.l4_src, meta.l4_dst },
                         N_BUCKETS);
                    route_v6.apply();
                }
                if (meta.delivered == 1w0 && meta.port_kind == PORT_LAN) {
                    bool steer = false;
                    if (meta.mptcp == 1w1
                            && standard_metadata.parser_error == error.NoError) {
                        steer = true;
                    } else if (!handoff.apply().hit) {
                        steer = true;
                    }
                    if (steer) {
                        if (hdr.ipv4.isValid()) {
                            src_steer_v4.apply();
                        } else {
                            src_steer_v6.apply();
                        }
                    }
                    if (meta.link == 8w0) {
                        link_drops.count(32w0);
                        drop();
                    } else {
                        wan_link.apply();
                    }
                } else if (meta.delivered == 1w0) {
                    drop();     // from a WAN port, only to_lan delivers
                }
            }
        }

        if (meta.routed_hop == 1w1) {
            if (hdr.ipv4.isValid()) {
                if (hdr.ipv4.ttl <= 8w1) {
                    drop();
                } else {
                    // RFC 1624 incremental update for TTL - 1 (the word ttl|protocol drops
                    // by 0x0100), with Linux's ip_decrease_ttl() end-around carry.
                    bit<32> sum = (bit<32>)hdr.ipv4.hdrChecksum + 32w0x0100;
                    if (sum >= 32w0xFFFF) {
                        sum = sum + 32w1;
                    }
                    hdr.ipv4.hdrChecksum = (bit<16>)sum;
                    hdr.ipv4.ttl = hdr.ipv4.ttl - 8w1;
                }
            } else if (hdr.ipv6.isValid()) {
                if (hdr.ipv6.hopLimit <= 8w1) {
                    drop();
                } else {
                    hdr.ipv6.hopLimit = hdr.ipv6.hopLimit - 8w1;
                }
            }
        }
    }
}

control MyEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

control MyComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(
            hdr.outer_ipv4.isValid(),
            { hdr.outer_ipv4.version, hdr.outer_ipv4.ihl, hdr.outer_ipv4.diffserv,
              hdr.outer_ipv4.totalLen, hdr.outer_ipv4.identification, hdr.outer_ipv4.flags,
              hdr.outer_ipv4.fragOffset, hdr.outer_ipv4.ttl, hdr.outer_ipv4.protocol,
              hdr.outer_ipv4.srcAddr, hdr.outer_ipv4.dstAddr },
            hdr.outer_ipv4.hdrChecksum,
            HashAlgorithm.csum16);
        // ICMPv6 checksum of the advertisement: pseudo-header (RFC 8200 §8.1) + message.
        update_checksum(
            meta.ndp_reply == 1w1,
            { hdr.ipv6.srcAddr, hdr.ipv6.dstAddr, 16w0, hdr.ipv6.payloadLen, 24w0,
              hdr.ipv6.nextHdr, hdr.icmpv6.msgType, hdr.icmpv6.code,
              hdr.ndp.router, hdr.ndp.solicited, hdr.ndp.override, hdr.ndp.reserved,
              hdr.ndp.target_addr, hdr.ndp_lla.optType, hdr.ndp_lla.optLen,
              hdr.ndp_lla.addr },
            hdr.icmpv6.checksum,
            HashAlgorithm.csum16);
    }
}

V1Switch(MyParser(), MyVerifyChecksum(), MyIngress(), MyEgress(), MyComputeChecksum(),
         MyDeparser()) main;

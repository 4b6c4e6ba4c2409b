/* -*- P4_16 -*- */
// wamptcp_headers.p4: constants, header types, the header struct and the user metadata of
// the WaMPTCP gateway (p4src/wamptcp_gateway.p4). Field names follow the RFCs' field names
// in camelCase, as p4c-generated control-plane names (hdr.ipv4.dstAddr) expect; the names
// the controller uses are listed in the gateway program's header comment.

#ifndef WAMPTCP_HEADERS_P4
#define WAMPTCP_HEADERS_P4

// ---- constants ----

const bit<9>  CPU_PORT = 9w255;
const bit<16> N_BUCKETS = 16w64;            // tunnel-handoff hash buckets
const bit<32> N_LINK_COUNTERS = 32w16;      // link ids 1..15; 0 = no link

const bit<16> ETHERTYPE_IPV4 = 16w0x0800;
const bit<16> ETHERTYPE_ARP  = 16w0x0806;
const bit<16> ETHERTYPE_IPV6 = 16w0x86DD;

const bit<8> IPPROTO_TCP    = 8w6;
const bit<8> IPPROTO_UDP    = 8w17;
const bit<8> IPPROTO_ICMPV6 = 8w58;

const bit<16> UDP_PORT_BFD   = 16w3784;     // RFC 5881 single-hop BFD control packets
const bit<16> UDP_PORT_VXLAN = 16w4789;     // RFC 7348
const bit<16> VXLAN_SPORT_BASE = 16w49152;  // outer UDP source port = base + hash bucket

const bit<16> ARP_HTYPE_ETHERNET = 16w1;
const bit<16> ARP_OPER_REQUEST   = 16w1;
const bit<16> ARP_OPER_REPLY     = 16w2;

const bit<8> ICMPV6_NEIGHBOR_SOLICITATION  = 8w135;
const bit<8> ICMPV6_NEIGHBOR_ADVERTISEMENT = 8w136;
const bit<8> NDP_OPT_TARGET_LL = 8w2;

const bit<8> TCP_OPT_EOL   = 8w0;
const bit<8> TCP_OPT_NOP   = 8w1;
const bit<8> TCP_OPT_MPTCP = 8w30;          // RFC 8684

const bit<8> VXLAN_FLAGS_I = 8w0x08;        // "VNI present"

// Role of an ingress port (MyIngress.port_role).
const bit<2> PORT_UNKNOWN = 2w0;
const bit<2> PORT_LAN = 2w1;
const bit<2> PORT_WAN = 2w2;

// ---- headers ----

// Prepended to frames the switch sends to the controller (P4Runtime PacketIn metadata).
@controller_header("packet_in")
header packet_in_t {
    bit<9> ingress_port;
    bit<7> _pad;
}

// Prepended by the switch to frames the controller sends (P4Runtime PacketOut metadata).
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

// ARP for IPv4 over Ethernet (RFC 826); other hardware/protocol sizes are not answered.
header arp_t {
    bit<16> htype;
    bit<16> ptype;
    bit<8>  hlen;
    bit<8>  plen;
    bit<16> oper;
    bit<48> sha;
    bit<32> spa;
    bit<48> tha;
    bit<32> tpa;
}

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

header ipv6_t {
    bit<4>   version;
    bit<8>   trafficClass;
    bit<20>  flowLabel;
    bit<16>  payloadLen;
    bit<8>   nextHdr;
    bit<8>   hopLimit;
    bit<128> srcAddr;
    bit<128> dstAddr;
}

header icmpv6_t {
    bit<8>  msgType;
    bit<8>  code;
    bit<16> checksum;
}

// Body of a Neighbor Solicitation / Advertisement (RFC 4861 §4.3, §4.4).
header ndp_t {
    bit<1>   router;
    bit<1>   solicited;
    bit<1>   override;
    bit<29>  reserved;
    bit<128> target_addr;
}

// A link-layer address option of 8 bytes (source LL in a solicitation, target LL in the reply).
header ndp_lla_t {
    bit<8>  optType;
    bit<8>  optLen;      // in units of 8 bytes
    bit<48> addr;
}

// The fixed 20 bytes of a TCP header; its options follow as single bytes (tcp_opt_byte_t).
header tcp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<32> seqNo;
    bit<32> ackNo;
    bit<4>  dataOffset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgentPtr;
}

// One byte of the TCP option area. The parser extracts the options byte by byte into a
// stack, so every option byte is emitted again, in order, whatever the options contain.
header tcp_opt_byte_t {
    bit<8> value;
}

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> length;
    bit<16> checksum;
}

header vxlan_t {
    bit<8>  flags;
    bit<24> reserved;
    bit<24> vni;
    bit<8>  reserved2;
}

// Emitted in this order by the deparser: controller header, encapsulation built by
// vxlan_encap, the packet's own headers, then the inner headers of a VXLAN packet that was
// not decapsulated.
struct headers_t {
    packet_out_t packet_out;
    packet_in_t  packet_in;
    ethernet_t   outer_ethernet;
    ipv4_t       outer_ipv4;
    udp_t        outer_udp;
    vxlan_t      outer_vxlan;
    ethernet_t   ethernet;
    arp_t        arp;
    ipv4_t       ipv4;
    ipv6_t       ipv6;
    icmpv6_t     icmpv6;
    ndp_t        ndp;
    ndp_lla_t    ndp_lla;
    tcp_t        tcp;
    tcp_opt_byte_t[40] tcp_opts;    // data offset 15 -> at most 40 option bytes
    udp_t        udp;
    vxlan_t      vxlan;
    ethernet_t   inner_ethernet;
    ipv4_t       inner_ipv4;
    ipv6_t       inner_ipv6;
}

struct metadata_t {
    bit<8>  link;            // WAN link chosen for the packet (0 = none yet)
    bit<8>  bucket;          // tunnel-handoff bucket: crc16(5-tuple) mod N_BUCKETS
    bit<1>  mptcp;           // an MPTCP option (kind 30) was found in the TCP options
    bit<16> l4_src;          // TCP/UDP ports for the hash (0 when not parsed)
    bit<16> l4_dst;
    // TCP option walk: bytes of the option area still unread, body bytes of the current
    // option, what would be left after the body (wraps when the body does not fit), its kind.
    bit<16> opt_left;
    bit<16> opt_body;
    bit<16> opt_after;
    bit<8>  opt_kind;
    // Ingress decisions.
    bit<2>  port_kind;       // PORT_LAN / PORT_WAN, PORT_UNKNOWN until port_role hits
    bit<1>  delivered;       // to_lan chose the output port: no WAN link needed
    bit<1>  routed_hop;      // forwarded as an IP router: decrement TTL / hop limit
    bit<1>  decap;           // local_vtep hit: strip the VXLAN encapsulation
    bit<1>  ndp_reply;       // an advertisement was built: recompute its ICMPv6 checksum
}

#endif  // WAMPTCP_HEADERS_P4

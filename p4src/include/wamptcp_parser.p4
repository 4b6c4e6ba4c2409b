/* -*- P4_16 -*- */
// wamptcp_parser.p4: parser and deparser of the WaMPTCP gateway.
//
// Parsed: PacketOut header (CPU port only), Ethernet, ARP, IPv4 (L4 only when ihl is 5 and
// the packet is not a non-first fragment), IPv6 (L4 only directly after the fixed header),
// ICMPv6 Neighbor Solicitation with its 8-byte option, TCP with its option area, UDP, VXLAN
// (UDP 4789) with the inner Ethernet and IPv4 or IPv6 header. BFD (UDP 3784) needs no header:
// ingress recognises it by the UDP destination port.
//
// TCP options are walked byte by byte: each byte is extracted into hdr.tcp_opts, and the
// walk is bounded by meta.opt_left (the option area announced by the data offset), so the
// stack of 40 entries can never overflow. A kind is extracted before it is inspected (rather
// than looked ahead at) so that a packet shorter than its data offset fails with a plain
// PacketTooShort on an extract, which v1model defines: the bytes already extracted stay
// valid, the rest of the packet stays payload, and ingress still runs. The walk stops,
// leaving the remaining bytes as payload, at EOL, at a length below 2 (malformed) and at an
// option whose body does not fit in the option area (truncated). Either way every byte is
// emitted again in its original place. meta.mptcp records a well-formed option of kind 30
// with at least its subtype byte.

#ifndef WAMPTCP_PARSER_P4
#define WAMPTCP_PARSER_P4

#include "wamptcp_headers.p4"

parser MyParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    state start {
        transition select(standard_metadata.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            ETHERTYPE_ARP: parse_arp;
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }

    state parse_arp {
        packet.extract(hdr.arp);
        transition accept;
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (4w5, 13w0, IPPROTO_TCP): parse_tcp;
            (4w5, 13w0, IPPROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_ipv6 {
        packet.extract(hdr.ipv6);
        transition select(hdr.ipv6.nextHdr) {
            IPPROTO_TCP: parse_tcp;
            IPPROTO_UDP: parse_udp;
            IPPROTO_ICMPV6: parse_icmpv6;
            default: accept;
        }
    }

    state parse_icmpv6 {
        packet.extract(hdr.icmpv6);
        transition select(hdr.icmpv6.msgType) {
            ICMPV6_NEIGHBOR_SOLICITATION: parse_ndp;
            default: accept;
        }
    }

    state parse_ndp {
        packet.extract(hdr.ndp);
        transition select(hdr.ipv6.payloadLen) {
            16w32: parse_ndp_option;    // 24-byte solicitation + one 8-byte option
            default: accept;
        }
    }

    state parse_ndp_option {
        packet.extract(hdr.ndp_lla);
        transition accept;
    }

    state parse_udp {
        packet.extract(hdr.udp);
        meta.l4_src = hdr.udp.srcPort;
        meta.l4_dst = hdr.udp.dstPort;
        transition select(hdr.udp.dstPort) {
            UDP_PORT_VXLAN: parse_vxlan;
            default: accept;
        }
    }

    state parse_vxlan {
        packet.extract(hdr.vxlan);
        packet.extract(hdr.inner_ethernet);
        transition select(hdr.inner_ethernet.etherType) {
            ETHERTYPE_IPV4: parse_inner_ipv4;
            ETHERTYPE_IPV6: parse_inner_ipv6;
            default: accept;
        }
    }

    state parse_inner_ipv4 {
        packet.extract(hdr.inner_ipv4);
        transition accept;
    }

    state parse_inner_ipv6 {
        packet.extract(hdr.inner_ipv6);
        transition accept;
    }

    state parse_tcp {
        packet.extract(hdr.tcp);
        meta.l4_src = hdr.tcp.srcPort;
        meta.l4_dst = hdr.tcp.dstPort;
        // No options at 5; below 5 is malformed: nothing to walk. Masks rather than the
        // range 0 .. 5: p4c-bm2-ss releases before 2020 reject ranges in select (p4c#357).
        transition select(hdr.tcp.dataOffset) {
            4w0 &&& 4w0xC: accept;      // 0..3
            4w4: accept;
            4w5: accept;
            default: start_tcp_options;
        }
    }

    state start_tcp_options {
        meta.opt_left = (((bit<16>)hdr.tcp.dataOffset) << 2) - 16w20;
        transition next_tcp_option;
    }

    state next_tcp_option {
        transition select(meta.opt_left) {
            16w0: accept;
            default: tcp_option_kind;
        }
    }

    state tcp_option_kind {
        packet.extract(hdr.tcp_opts.next);
        meta.opt_left = meta.opt_left - 16w1;
        meta.opt_kind = hdr.tcp_opts.last.value;
        transition select(hdr.tcp_opts.last.value) {
            TCP_OPT_EOL: accept;        // end of option list: the rest is padding
            TCP_OPT_NOP: next_tcp_option;
            default: tcp_option_has_length;
        }
    }

    state tcp_option_has_length {
        transition select(meta.opt_left) {
            16w0: accept;               // a kind without its length byte: truncated
            default: tcp_option_length;
        }
    }

    state tcp_option_length {
        packet.extract(hdr.tcp_opts.next);
        meta.opt_left = meta.opt_left - 16w1;
        meta.opt_body = ((bit<16>)hdr.tcp_opts.last.value) - 16w2;  // wraps when length < 2
        meta.opt_after = meta.opt_left - meta.opt_body;             // wraps when it won't fit
        transition select(hdr.tcp_opts.last.value, meta.opt_after) {
            (8w0 &&& 8w0xFE, _): accept;                  // length 0 or 1: malformed
            (_, 16w0x8000 &&& 16w0x8000): accept;         // body beyond the option area
            default: tcp_option_body_start;
        }
    }

    state tcp_option_body_start {
        transition select(meta.opt_kind, meta.opt_body, meta.mptcp) {
            (TCP_OPT_MPTCP, 16w0, _): tcp_option_body;     // no subtype byte: not MPTCP
            (TCP_OPT_MPTCP, _, 1w0): tcp_option_mptcp_subtype;
            default: tcp_option_body;
        }
    }

    state tcp_option_mptcp_subtype {
        packet.extract(hdr.tcp_opts.next);
        meta.opt_left = meta.opt_left - 16w1;
        meta.opt_body = meta.opt_body - 16w1;
        meta.mptcp = 1w1;
        transition tcp_option_body;
    }

    state tcp_option_body {
        transition select(meta.opt_body) {
            16w0: next_tcp_option;
            default: tcp_option_body_byte;
        }
    }

    state tcp_option_body_byte {
        packet.extract(hdr.tcp_opts.next);
        meta.opt_left = meta.opt_left - 16w1;
        meta.opt_body = meta.opt_body - 16w1;
        transition tcp_option_body;
    }
}

control MyDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.outer_ethernet);
        packet.emit(hdr.outer_ipv4);
        packet.emit(hdr.outer_udp);
        packet.emit(hdr.outer_vxlan);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.arp);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ipv6);
        packet.emit(hdr.icmpv6);
        packet.emit(hdr.ndp);
        packet.emit(hdr.ndp_lla);
        packet.emit(hdr.tcp);
        packet.emit(hdr.tcp_opts);
        packet.emit(hdr.udp);
        packet.emit(hdr.vxlan);
        packet.emit(hdr.inner_ethernet);
        packet.emit(hdr.inner_ipv4);
        packet.emit(hdr.inner_ipv6);
    }
}

#endif  // WAMPTCP_PARSER_P4

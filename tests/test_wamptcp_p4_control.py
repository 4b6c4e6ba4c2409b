"""WaMPTCP gateway: what it answers itself and what it exchanges with its controller.

ARP replies (RFC 826) for the gateway's LAN and WAN addresses and Neighbor Advertisements
(RFC 4861, checksum included); BFD echo probes (UDP 3784, source and destination the
sender's own WAN address) reflected by the peer gateway in the data plane and handed back
to the sender's controller as PacketIn with the ingress port, on both gateways since both
run a link monitor; PacketOut leaving the named port byte for byte; and the packets the
program refuses (unknown ports, non-IP, IP to a group MAC address).
"""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from scapy.contrib.bfd import BFD
from scapy.layers.inet import IP
from scapy.layers.inet6 import (
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw
from test_wamptcp_p4_site import (
    BRANCH_GW_V4,
    BRANCH_GW_V6,
    BRANCH_LAN_MAC,
    H1_MAC,
    H1_V4,
    H1_V6,
    LAN_PORT,
    LINKS,
    REMOTE_GW_V4,
    REMOTE_LAN_MAC,
    ROLES,
    SRV_MAC,
    SRV_V4,
    UNKNOWN_PORT,
    bfd_echo,
    udp_frame,
)

from controller.entities import CounterData, PacketIn

# ---- ARP ----

def arp_request(target: str, sender_mac: str = H1_MAC, sender_ip: str = H1_V4[1]) -> Ether:
    return Ether(src=sender_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=sender_mac, psrc=sender_ip, hwdst="00:00:00:00:00:00", pdst=target)


def arp_reply(request: Ether, mac: str) -> Ether:
    """The RFC 826 answer to `request` from the owner of its target address."""
    asked = request[ARP]
    return Ether(src=mac, dst=asked.hwsrc) / ARP(
        op=2, hwsrc=mac, psrc=asked.pdst, hwdst=asked.hwsrc, pdst=asked.psrc)


@pytest.mark.parametrize("target", BRANCH_GW_V4)
def test_arp_request_for_a_gateway_address_is_answered(branch, target):
    request = arp_request(target)
    branch.send_packet(LAN_PORT, request)
    branch.verify_packet(arp_reply(request, BRANCH_LAN_MAC), LAN_PORT)
    branch.verify_no_other_packets()


def test_arp_padding_is_kept(remote):
    request = arp_request(REMOTE_GW_V4, SRV_MAC, SRV_V4)
    remote.send_packet(LAN_PORT, request / Raw(bytes(18)))      # a 60-byte frame
    remote.verify_packet(arp_reply(request, REMOTE_LAN_MAC) / Raw(bytes(18)), LAN_PORT)
    remote.verify_no_other_packets()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("link", [1, 2])
def test_arp_for_the_own_wan_address_is_answered_on_the_link(start_gateway, role, link):
    # The peer resolves the gateway's WAN address (direct mode next hop, real routers).
    sut = start_gateway(role)
    own, peer = LINKS[link].ends(role)
    request = arp_request(own.ip, peer.mac, peer.ip)
    sut.send_packet(link, request)
    sut.verify_packet(arp_reply(request, own.mac), link)
    sut.verify_no_other_packets()


def test_other_arp_is_dropped(branch):
    branch.send_packet(LAN_PORT, arp_request("10.1.1.99"))          # not a gateway address
    reply = arp_request(BRANCH_GW_V4[0])
    reply[ARP].op = 2
    branch.send_packet(LAN_PORT, reply)                              # not a request
    branch.verify_no_other_packets()


# ---- NDP ----

def solicitation(target: str, *, src: str = H1_V6[1], with_option: bool = True,
                 hlim: int = 255) -> Ether:
    """A Neighbor Solicitation to the target's solicited-node group (RFC 4291 §2.7.1)."""
    low24 = int(ip_address(target)) & 0xFFFFFF
    group = ip_address(int(ip_address("ff02::1:ff00:0")) | low24)
    mac = "33:33:ff:" + ":".join(f"{low24 >> s & 0xFF:02x}" for s in (16, 8, 0))
    ns = (Ether(src=H1_MAC, dst=mac) / IPv6(src=src, dst=str(group), hlim=hlim)
          / ICMPv6ND_NS(tgt=target))
    return Ether(bytes(ns / ICMPv6NDOptSrcLLAddr(lladdr=H1_MAC) if with_option else ns))


def advertisement(target: str) -> Ether:
    return Ether(bytes(
        Ether(src=BRANCH_LAN_MAC, dst=H1_MAC)
        / IPv6(src=target, dst=H1_V6[1], hlim=255, tc=0, fl=0)
        / ICMPv6ND_NA(tgt=target, R=0, S=1, O=1)
        / ICMPv6NDOptDstLLAddr(lladdr=BRANCH_LAN_MAC)))


@pytest.mark.parametrize("target", BRANCH_GW_V6)
@pytest.mark.parametrize("with_option", [True, False], ids=["with-sll", "without-option"])
def test_neighbor_solicitation_for_a_gateway_address_is_answered(branch, target, with_option):
    ns = solicitation(target, with_option=with_option)
    assert ns[IPv6].plen == (32 if with_option else 24)
    branch.send_packet(LAN_PORT, ns)
    out = branch.verify_packet(advertisement(target), LAN_PORT)
    branch.verify_no_other_packets()
    assert out[54:56] == bytes(advertisement(target))[54:56] != b"\x00\x00"   # checksum


@pytest.mark.parametrize(
    "ns",
    [
        solicitation("2001:db8:1:1::99"),                       # not a gateway address
        solicitation(BRANCH_GW_V6[0], src="::", with_option=False),   # duplicate detection
        solicitation(BRANCH_GW_V6[0], hlim=64),                  # crossed a router
    ],
    ids=["other-target", "dad", "hop-limit"],
)
def test_other_solicitations_are_not_answered(branch, ns):
    branch.send_packet(LAN_PORT, ns)
    branch.verify_no_other_packets()


# ---- BFD ----

def peer_of(role: str) -> str:
    return ROLES[1 - ROLES.index(role)]


@pytest.mark.parametrize("sender", ROLES)
@pytest.mark.parametrize("link", [1, 2])
def test_peer_reflects_bfd_echo_probes(start_gateway, sender, link):
    sut = start_gateway(peer_of(sender))
    sut.send_packet(link, bfd_echo(link, sender))
    # Back out of the ingress port with the MACs swapped; the IP id, TTL, ports, BFD body
    # and both checksums stay as they were.
    sut.verify_packet(bfd_echo(link, sender, reflected=True), link)
    sut.verify_no_other_packets()


def test_reflection_swaps_distinct_ipv4_addresses(remote):
    # Echo probes carry one address twice; a probe from another source shows the swap.
    probe = bfd_echo(1, "branch", src_ip="203.0.113.9")
    remote.send_packet(1, probe)
    out = remote.verify_packet(bfd_echo(1, "branch", src_ip="203.0.113.9", reflected=True), 1)
    remote.verify_no_other_packets()
    assert (Ether(out)[IP].src, Ether(out)[IP].dst) == (LINKS[1].branch.ip, "203.0.113.9")


def test_bfd_is_matched_on_its_ingress_port(remote):
    remote.send_packet(2, bfd_echo(1, "branch"))    # link 1's probe arriving on link 2
    remote.verify_no_other_packets()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("link", [1, 2])
def test_own_echo_is_handed_to_the_controller(start_gateway, role, link):
    sut = start_gateway(role)
    echo = bfd_echo(link, role, reflected=True)
    sut.send_packet(link, echo)
    assert sut.conn.get_packet_in(timeout=5) == PacketIn(
        bytes(echo), {"ingress_port": link, "_pad": 0})
    sut.verify_no_other_packets()


@pytest.mark.parametrize("sender", ROLES)
def test_bfd_session_loop_through_both_gateways(start_gateway, sender):
    # The sender's controller probes link 2 with a PacketOut; the peer reflects the probe
    # and it comes back to the sender's controller. Each switch is fed what the other sent.
    own, peer = start_gateway(sender), start_gateway(peer_of(sender))
    probe = bfd_echo(2, sender, my_disc=99)
    own.conn.packet_out(bytes(probe), {"egress_port": 2})
    on_wire = own.verify_packet(probe, 2)
    peer.send_packet(2, on_wire)
    back = peer.verify_packet(bfd_echo(2, sender, reflected=True, my_disc=99), 2)
    own.send_packet(2, back)
    packet_in = own.conn.get_packet_in(timeout=5)
    assert packet_in == PacketIn(back, {"ingress_port": 2, "_pad": 0})
    assert Ether(packet_in.payload)[BFD].my_discriminator == 99
    own.verify_no_other_packets()
    peer.verify_no_other_packets()


# ---- PacketOut ----

@pytest.mark.parametrize("port", [1, 2, LAN_PORT])
def test_packet_out_leaves_the_port_unchanged(branch, port):
    frame = bytearray(bytes(udp_frame(H1_V4[1], SRV_V4, ether=Ether(src=H1_MAC, dst=SRV_MAC))))
    frame[24:26] = b"\xde\xad"          # a wrong IPv4 checksum stays wrong
    branch.conn.packet_out(bytes(frame), {"egress_port": port})
    branch.verify_packet(bytes(frame), port)
    branch.verify_no_other_packets()


# ---- refused packets ----

def test_unknown_port_is_dropped(branch):
    branch.send_packet(UNKNOWN_PORT, arp_request(BRANCH_GW_V4[0]))
    branch.send_packet(UNKNOWN_PORT, udp_frame(H1_V4[1], SRV_V4))
    branch.verify_no_other_packets()


def test_non_ip_and_group_addressed_ip_are_dropped(branch):
    branch.send_packet(LAN_PORT, Ether(src=H1_MAC, dst=BRANCH_LAN_MAC, type=0x88B5) / (b"x" * 50))
    branch.send_packet(LAN_PORT, udp_frame("0.0.0.0", "255.255.255.255", 68, 67,
                                           ether=Ether(src=H1_MAC, dst="ff:ff:ff:ff:ff:ff")))
    branch.send_packet(LAN_PORT, udp_frame(H1_V6[1], "ff02::16",
                                           ether=Ether(src=H1_MAC, dst="33:33:00:00:00:16")))
    branch.verify_no_other_packets()


def test_dropped_wan_packets_still_count_as_received(remote):
    junk = Ether(src=LINKS[1].branch.mac, dst=LINKS[1].remote.mac, type=0x88B5) / (b"j" * 46)
    remote.send_packet(1, junk)
    remote.verify_no_other_packets()
    assert remote.conn.read_counter("MyIngress.wan_rx", 1) == CounterData(1, 60)

"""WaMPTCP gateway: what it answers itself and what it exchanges with its controller.

ARP replies (RFC 826) and Neighbor Advertisements (RFC 4861, checksum included) for the
gateway's addresses; BFD control packets (UDP 3784) reflected by the remote gateway and
handed to the branch controller as PacketIn with the ingress port; PacketOut leaving the
named port byte for byte; and the packets the program refuses (unknown ports, non-IP, IP to
a group MAC address).
"""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from scapy.contrib.bfd import BFD
from scapy.layers.inet import IP, UDP
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
    SRV_MAC,
    SRV_V4,
    UNKNOWN_PORT,
    build,
    gateway,
    install_branch,
    install_remote,
    udp_frame,
)

from controller.entities import CounterData, PacketIn


@pytest.fixture(scope="module")
def program(target_kind, tmp_path_factory):
    return build(target_kind, tmp_path_factory.mktemp("wamptcp_control"))


@pytest.fixture
def branch(target_kind, program):
    with gateway(target_kind, program) as sut:
        install_branch(sut)
        yield sut


@pytest.fixture
def remote(target_kind, program):
    with gateway(target_kind, program) as sut:
        install_remote(sut)
        yield sut


# ---- ARP ----

def arp_request(target: str, sender_mac: str = H1_MAC, sender_ip: str = H1_V4[1]) -> Ether:
    return Ether(src=sender_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=sender_mac, psrc=sender_ip, hwdst="00:00:00:00:00:00", pdst=target)


@pytest.mark.parametrize("target", BRANCH_GW_V4)
def test_arp_request_for_a_gateway_address_is_answered(branch, target):
    branch.send_packet(LAN_PORT, arp_request(target))
    branch.verify_packet(
        Ether(src=BRANCH_LAN_MAC, dst=H1_MAC)
        / ARP(op=2, hwsrc=BRANCH_LAN_MAC, psrc=target, hwdst=H1_MAC, pdst=H1_V4[1]),
        LAN_PORT)
    branch.verify_no_other_packets()


def test_arp_padding_is_kept(remote):
    request = arp_request(REMOTE_GW_V4, SRV_MAC, SRV_V4) / Raw(bytes(18))   # 60-byte frame
    remote.send_packet(LAN_PORT, request)
    remote.verify_packet(
        Ether(src=REMOTE_LAN_MAC, dst=SRV_MAC)
        / ARP(op=2, hwsrc=REMOTE_LAN_MAC, psrc=REMOTE_GW_V4, hwdst=SRV_MAC, pdst=SRV_V4)
        / Raw(bytes(18)),
        LAN_PORT)
    remote.verify_no_other_packets()


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

def bfd_probe(link: int, *, from_branch: bool = True, my_disc: int = 7) -> Ether:
    spec = LINKS[link]
    src_mac, dst_mac, src_ip, dst_ip = (
        (spec.branch_mac, spec.remote_mac, spec.branch_ip, spec.remote_ip) if from_branch
        else (spec.remote_mac, spec.branch_mac, spec.remote_ip, spec.branch_ip))
    return Ether(bytes(
        Ether(src=src_mac, dst=dst_mac) / IP(src=src_ip, dst=dst_ip, ttl=255, id=4242)
        / UDP(sport=49152 + link, dport=3784)
        / BFD(my_discriminator=my_disc, your_discriminator=0, sta=1)))


@pytest.mark.parametrize("link", [1, 2])
def test_remote_reflects_bfd_probes(remote, link):
    remote.send_packet(link, bfd_probe(link))
    # The reflection is what the remote side would have sent to the branch address, with
    # the probe's own IP id, TTL, ports and BFD body; Scapy recomputes both checksums.
    remote.verify_packet(bfd_probe(link, from_branch=False), link)
    remote.verify_no_other_packets()


def test_bfd_is_matched_on_its_ingress_port(remote):
    remote.send_packet(2, bfd_probe(1))     # link 1's address arriving on link 2
    remote.verify_no_other_packets()


@pytest.mark.parametrize("link", [1, 2])
def test_branch_hands_bfd_to_its_controller(branch, link):
    reflected = bfd_probe(link, from_branch=False)
    branch.send_packet(link, reflected)
    assert branch.conn.get_packet_in(timeout=5) == PacketIn(
        bytes(reflected), {"ingress_port": link, "_pad": 0})
    branch.verify_no_other_packets()


def test_bfd_session_loop_through_both_gateways(target_kind, program):
    # The branch controller's probe (PacketOut on link 2) is reflected by the remote gateway
    # and comes back to the branch controller. One switch at a time, as in the WAN tests.
    probe = bfd_probe(2, my_disc=99)
    with gateway(target_kind, program) as branch:
        install_branch(branch)
        branch.conn.packet_out(bytes(probe), {"egress_port": 2})
        on_wire = branch.verify_packet(probe, 2)
        branch.verify_no_other_packets()
    with gateway(target_kind, program) as remote:
        install_remote(remote)
        remote.send_packet(2, on_wire)
        back = remote.verify_packet(bfd_probe(2, from_branch=False, my_disc=99), 2)
        remote.verify_no_other_packets()
    with gateway(target_kind, program) as branch:
        install_branch(branch)
        branch.send_packet(2, back)
        packet_in = branch.conn.get_packet_in(timeout=5)
        assert packet_in == PacketIn(back, {"ingress_port": 2, "_pad": 0})
        assert Ether(packet_in.payload)[BFD].my_discriminator == 99
        branch.verify_no_other_packets()


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
    junk = Ether(src=LINKS[1].branch_mac, dst=LINKS[1].remote_mac, type=0x88B5) / (b"j" * 46)
    remote.send_packet(1, junk)
    remote.verify_no_other_packets()
    assert remote.conn.read_counter("MyIngress.wan_rx", 1) == CounterData(1, 60)

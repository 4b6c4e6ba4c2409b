"""WaMPTCP gateway on the WAN: VXLAN encapsulation and decapsulation byte for byte, the
remote gateway's return path, direct (untunnelled) mode, and the per-link counters.

The VXLAN expectations come from the interface description: outer Ethernet from the
wan_link entry, outer IPv4 (id 0, DF, TTL 64, valid checksum, length = frame + 36), UDP
(source 49152 + bucket, destination 4789, length = frame + 16, checksum 0), VXLAN (I flag,
the link's VNI), then the frame exactly as it arrived.
"""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from test_wamptcp_p4_site import (
    BRANCH_LAN_MAC,
    DSS,
    H1_MAC,
    H1_V4,
    H1_V6,
    HL_MAC,
    HL_V4,
    LAN_PORT,
    LEGACY_PORT,
    LINKS,
    MP_CAPABLE,
    REMOTE_LAN_MAC,
    SPACE_V4,
    SRV_MAC,
    SRV_V4,
    SRV_V6,
    VXLAN_SPORT_BASE,
    bucket_of,
    frame_bucket,
    from_lan,
    from_server,
    handoff_link,
    option_area,
    other,
    routed,
    send_expect_link,
    set_link_up,
    sports_on_link,
    tcp_frame,
    udp_frame,
    vxlan_frame,
)

from controller.entities import CounterData


def ones_complement_ok(header: bytes) -> bool:
    total = sum(int.from_bytes(header[i:i + 2], "big") for i in range(0, len(header), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def link_macs(link: int, sender: str) -> tuple[str, str]:
    """(source, destination) MAC of a frame `sender` routes onto `link` in direct mode."""
    own, peer = LINKS[link].ends(sender)
    return own.mac, peer.mac


def from_link(link: int, sender: str) -> Ether:
    """Ethernet header of a frame that `sender` sent over `link` in direct mode."""
    src, dst = link_macs(link, sender)
    return Ether(src=src, dst=dst)


# ---- encapsulation ----

@pytest.mark.parametrize("size", [0, 1400], ids=["small", "near-mtu"])
def test_vxlan_encap_is_exact(branch, size):
    frame = tcp_frame(H1_V4[1], SRV_V4, sport=40001, options=option_area(MP_CAPABLE),
                      payload=bytes(range(256)) * (size // 256) + b"z" * (size % 256))
    branch.send_packet(LAN_PORT, frame)
    out = branch.verify_packet(vxlan_frame(bytes(frame), 1, frame_bucket(frame)), 1)
    branch.verify_no_other_packets()
    # The parts of the expectation that Scapy computed, restated from the wire bytes.
    assert len(out) == len(frame) + 50
    outer = Ether(out)
    assert outer[IP].len == len(frame) + 36 and outer[IP].flags == "DF"
    assert outer[UDP].len == len(frame) + 16 and outer[UDP].chksum == 0
    assert outer[UDP].sport == 49152 + frame_bucket(frame) and outer[VXLAN].vni == 1001
    assert ones_complement_ok(out[14:34])
    assert out[50:] == bytes(frame)


def test_vxlan_encap_of_ipv6_inner(branch):
    frame = tcp_frame(H1_V6[2], SRV_V6, sport=40002, options=option_area(DSS))
    branch.send_packet(LAN_PORT, frame)
    branch.verify_packet(vxlan_frame(bytes(frame), 2, frame_bucket(frame)), 2)
    branch.verify_no_other_packets()


# ---- decapsulation and the return path ----

@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_remote_decapsulates_to_the_server(remote, v6):
    src, dst = (H1_V6[1], SRV_V6) if v6 else (H1_V4[1], SRV_V4)
    inner = tcp_frame(src, dst, options=option_area(MP_CAPABLE))
    remote.send_packet(1, vxlan_frame(bytes(inner), 1, 17))
    remote.verify_packet(routed(inner, REMOTE_LAN_MAC, SRV_MAC), LAN_PORT)
    remote.verify_no_other_packets()


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("link", [1, 2])
def test_remote_return_path_by_destination_subnet(remote, link, v6):
    # The server's segments carry MPTCP options too; the remote gateway has no src_steer
    # entries, so the destination route decides.
    src, dst = (SRV_V6, H1_V6[link]) if v6 else (SRV_V4, H1_V4[link])
    reply = tcp_frame(src, dst, sport=5001, dport=40000, options=option_area(DSS),
                      ether=from_server())
    send_expect_link(remote, reply, link, sender="remote")


@pytest.mark.parametrize(
    ("server", "host", "port", "mac"),
    [(SRV_V4, HL_V4, LEGACY_PORT, HL_MAC), (SRV_V6, H1_V6[2], LAN_PORT, H1_MAC)],
    ids=["ipv4", "ipv6"],
)
def test_branch_decapsulates_return_traffic_to_the_host(branch, server, host, port, mac):
    inner = udp_frame(server, host, sport=6000, dport=5000, ether=from_server())
    branch.send_packet(2, vxlan_frame(bytes(inner), 2, 5, sender="remote"))
    branch.verify_packet(routed(inner, BRANCH_LAN_MAC, mac), port)
    branch.verify_no_other_packets()


def test_vxlan_for_another_endpoint_is_not_decapsulated(remote):
    inner = udp_frame(H1_V4[1], SRV_V4)
    stray = vxlan_frame(bytes(inner), 1, 3)
    stray[IP].dst = "192.0.2.77"
    stray[IP].chksum = None
    remote.send_packet(1, Ether(bytes(stray)))
    remote.verify_no_other_packets()


def test_vxlan_over_ipv6_is_not_decapsulated(remote):
    # local_vtep matches the outer IPv4 destination. Over IPv6 there is none, and a field of
    # an invalid header is undefined on BMv2, so an entry for 0.0.0.0 must not catch it.
    remote.conn.insert_table_entry("MyIngress.local_vtep", {"hdr.ipv4.dstAddr": "0.0.0.0"},
                                   "MyIngress.vxlan_decap")
    outer = (from_link(1, "branch") / IPv6(src="2001:db8:ff::1", dst="2001:db8:ff::2")
             / UDP(sport=VXLAN_SPORT_BASE, dport=4789) / VXLAN(flags=0x08, vni=LINKS[1].vni)
             / bytes(udp_frame(H1_V4[1], SRV_V4)))
    remote.send_packet(1, outer)
    remote.verify_no_other_packets()


def test_wan_packets_are_only_delivered_to_the_lan(remote):
    # A decapsulated packet whose destination is routed to a WAN link is not sent back.
    inner = udp_frame(SRV_V4, H1_V4[2])
    remote.send_packet(1, vxlan_frame(bytes(inner), 1, 3))
    remote.verify_no_other_packets()


def test_remote_return_path_follows_recovery_optimisation(remote):
    # RO at the remote gateway: the address space of failed link 1 is routed over link 2
    # (route_v4 set_link), and back on recovery.
    reply = tcp_frame(SRV_V4, H1_V4[1], sport=5001, dport=40000, options=option_area(DSS),
                      ether=from_server())
    set_link_up(remote, 1, False, "remote")
    remote.send_packet(LAN_PORT, reply)
    remote.verify_no_other_packets()
    assert remote.conn.read_counter("MyIngress.link_drops", 1) == CounterData(1, len(reply))
    remote.conn.modify_table_entry("MyIngress.route_v4", {"hdr.ipv4.dstAddr": SPACE_V4[1]},
                                   "MyIngress.set_link", {"link": 2})
    send_expect_link(remote, reply, 2, sender="remote")
    remote.conn.modify_table_entry("MyIngress.route_v4", {"hdr.ipv4.dstAddr": SPACE_V4[1]},
                                   "MyIngress.set_link", {"link": 1})
    set_link_up(remote, 1, True, "remote")
    send_expect_link(remote, reply, 1, sender="remote")


@pytest.mark.parametrize("link", [1, 2])
def test_remote_hands_off_non_mptcp_return_traffic(remote, link):
    # Tunnel handoff works both ways: a reply without MPTCP options takes its flow's bucket
    # (here the other link than the destination's address space), so a link failure moves
    # only that link's buckets on the remote side too.
    dst = H1_V4[other(link)]
    sport = sports_on_link(SRV_V4, dst, link, first_sport=5001, dport=40000)[0]
    reply = tcp_frame(SRV_V4, dst, sport=sport, dport=40000, ether=from_server())
    send_expect_link(remote, reply, link, sender="remote")


def test_round_trip_through_both_gateways(branch, remote):
    # Each gateway is fed what the other one sent.
    for link in (1, 2):
        sport = sports_on_link(H1_V4[link], SRV_V4, other(link))[0]
        syn = tcp_frame(H1_V4[link], SRV_V4, sport=sport, options=option_area(MP_CAPABLE))
        branch.send_packet(LAN_PORT, syn)
        tunnelled = branch.verify_packet(vxlan_frame(bytes(syn), link, frame_bucket(syn)), link)
        remote.send_packet(link, tunnelled)
        at_server = remote.verify_packet(routed(syn, REMOTE_LAN_MAC, SRV_MAC), LAN_PORT)
        assert Ether(at_server)[IP].ttl == 63
        ack = tcp_frame(SRV_V4, H1_V4[link], sport=5001, dport=sport,
                        options=option_area(MP_CAPABLE), ether=from_server())
        remote.send_packet(LAN_PORT, ack)
        tunnelled = remote.verify_packet(
            vxlan_frame(bytes(ack), link, frame_bucket(ack), sender="remote"), link)
        branch.send_packet(link, tunnelled)
        branch.verify_packet(routed(ack, BRANCH_LAN_MAC, H1_MAC), LAN_PORT)
    branch.verify_no_other_packets()
    remote.verify_no_other_packets()


# ---- direct mode ----

@pytest.fixture
def direct_branch(start_gateway):
    return start_gateway("branch", "direct")


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_direct_mode_routes_without_a_tunnel(direct_branch, v6):
    src, dst = (H1_V6[2], SRV_V6) if v6 else (H1_V4[2], SRV_V4)
    frame = tcp_frame(src, dst, sport=sports_on_link(src, dst, 1)[0], ttl=64,
                      options=option_area(MP_CAPABLE))
    direct_branch.send_packet(LAN_PORT, frame)
    out = direct_branch.verify_packet(routed(frame, *link_macs(2, "branch")), 2)
    direct_branch.verify_no_other_packets()
    if v6:
        assert Ether(out)[IPv6].hlim == 63
    else:
        assert Ether(out)[IP].ttl == 63 and ones_complement_ok(out[14:34])


def test_direct_mode_ipv4_options_checksum(direct_branch):
    frame = udp_frame(HL_V4, SRV_V4)
    with_options = Ether(bytes(from_lan() / IP(src=HL_V4, dst=SRV_V4, ttl=9,
                                                options=b"\x94\x04\x00\x00") / frame[UDP]))
    assert with_options[IP].ihl == 6
    # ihl 6: ports are not parsed, so the bucket hashes the addresses and protocol only.
    link = handoff_link(bucket_of(HL_V4, SRV_V4, 17))
    direct_branch.send_packet(LEGACY_PORT, with_options)
    out = direct_branch.verify_packet(routed(with_options, *link_macs(link, "branch")), link)
    direct_branch.verify_no_other_packets()
    assert ones_complement_ok(out[14:38])


@pytest.mark.parametrize("checksum", [0xFEFF, 0xFFFE, 0x1234])
def test_direct_mode_checksum_update_matches_a_full_recompute(direct_branch, checksum):
    # TTL - 1 raises the checksum by 0x0100: from 0xFEFF and above it wraps past 0xFFFF.
    # Each step of the IP id lowers the checksum by one (ones' complement arithmetic).
    base = tcp_frame(HL_V4, SRV_V4, id=0)[IP].chksum
    frame = tcp_frame(HL_V4, SRV_V4, id=(base - checksum) % 0xFFFF)
    assert frame[IP].chksum == checksum
    link = handoff_link(frame_bucket(frame))
    direct_branch.send_packet(LEGACY_PORT, frame)
    direct_branch.verify_packet(routed(frame, *link_macs(link, "branch")), link)
    direct_branch.verify_no_other_packets()


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_direct_mode_drops_expiring_packets(direct_branch, v6):
    src, dst = (H1_V6[1], SRV_V6) if v6 else (H1_V4[1], SRV_V4)
    direct_branch.send_packet(LAN_PORT, tcp_frame(src, dst, ttl=1,
                                                  options=option_area(MP_CAPABLE)))
    direct_branch.verify_no_other_packets()


def test_direct_mode_return_traffic_at_the_branch(direct_branch):
    frame = tcp_frame(SRV_V4, H1_V4[1], sport=5001, dport=40000, ether=from_link(1, "remote"),
                      ttl=63)
    direct_branch.send_packet(1, frame)
    direct_branch.verify_packet(routed(frame, BRANCH_LAN_MAC, H1_MAC), LAN_PORT)
    direct_branch.verify_no_other_packets()


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("link", [1, 2])
def test_direct_mode_at_the_remote_both_ways(start_gateway, link, v6):
    # Untunnelled, the remote gateway routes the server's replies by destination subnet
    # and delivers what arrives on a link to the server.
    remote = start_gateway("remote", "direct")
    host, server = (H1_V6[link], SRV_V6) if v6 else (H1_V4[link], SRV_V4)
    request = tcp_frame(host, server, options=option_area(DSS), ether=from_link(link, "branch"),
                        ttl=63)
    remote.send_packet(link, request)
    remote.verify_packet(routed(request, REMOTE_LAN_MAC, SRV_MAC), LAN_PORT)
    reply = tcp_frame(server, host, sport=5001, dport=40000, options=option_area(DSS),
                      ether=from_server())
    remote.send_packet(LAN_PORT, reply)
    remote.verify_packet(routed(reply, *link_macs(link, "remote")), link)
    remote.verify_no_other_packets()


def test_lan_to_lan_is_routed_locally(branch):
    frame = udp_frame(H1_V4[1], HL_V4)
    branch.send_packet(LAN_PORT, frame)
    branch.verify_packet(routed(frame, BRANCH_LAN_MAC, HL_MAC), LEGACY_PORT)
    branch.verify_no_other_packets()


# ---- counters ----

def test_link_counters(branch, remote):
    # Counters count a packet's length as it was received (v1model's ingress length).
    sent: dict[int, list[tuple[Ether, bytes]]] = {1: [], 2: []}
    for link in (1, 2):
        for i, size in enumerate((0, 100, 1000)[: link + 1]):
            frame = tcp_frame(H1_V4[link], SRV_V4, sport=40000 + i, payload=b"p" * size,
                              options=option_area(MP_CAPABLE))
            branch.send_packet(LAN_PORT, frame)
            sent[link].append((frame, branch.verify_packet(
                vxlan_frame(bytes(frame), link, frame_bucket(frame)), link)))
    set_link_up(branch, 2, False)
    dropped = tcp_frame(H1_V4[2], SRV_V4, options=option_area(MP_CAPABLE))
    branch.send_packet(LAN_PORT, dropped)
    branch.verify_no_other_packets()
    for link in (1, 2):
        assert branch.conn.read_counter("MyIngress.wan_tx", link) == CounterData(
            len(sent[link]), sum(len(frame) for frame, _ in sent[link]))
        assert branch.conn.read_counter("MyIngress.wan_rx", link) == CounterData(0, 0)
    assert branch.conn.read_counter("MyIngress.link_drops", 2) == CounterData(1, len(dropped))
    assert branch.conn.read_counter("MyIngress.link_drops", 1) == CounterData(0, 0)
    for link in (1, 2):
        for frame, tunnelled in sent[link]:
            remote.send_packet(link, tunnelled)
            remote.verify_packet(routed(frame, REMOTE_LAN_MAC, SRV_MAC), LAN_PORT)
    remote.verify_no_other_packets()
    for link in (1, 2):
        assert remote.conn.read_counter("MyIngress.wan_rx", link) == CounterData(
            len(sent[link]), sum(len(tunnelled) for _, tunnelled in sent[link]))
        assert remote.conn.read_counter("MyIngress.wan_tx", link) == CounterData(0, 0)

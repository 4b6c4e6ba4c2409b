"""PTF-style tests of p4src/basic.p4 over P4Runtime, on the target chosen with --target.

The expected packets are built with Scapy from what basic.p4 promises (its header comment):
routed packets get the entry's destination MAC, the old destination as source MAC, TTL - 1
and a recomputed IPv4 checksum; misses are dropped; non-IPv4 frames leave on port 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from controller.errors import SwitchError
from harness import Mask

BASIC = Path(__file__).resolve().parent.parent / "p4src" / "basic.p4"
TABLE = "MyIngress.ipv4_lpm"
FORWARD = "MyIngress.ipv4_forward"

ROUTES = [
    ("10.0.1.0/24", "00:00:00:00:01:01", 1),
    ("10.0.2.0/24", "00:00:00:00:02:02", 2),
    ("10.0.2.128/25", "00:00:00:00:02:80", 3),
    ("0.0.0.0/0", "00:00:00:00:0d:ef", 4),
]


@pytest.fixture
def sut(switch_under_test):
    sut = switch_under_test(BASIC)
    for prefix, mac, port in ROUTES:
        sut.conn.insert_table_entry(
            TABLE, {"hdr.ipv4.dstAddr": prefix}, FORWARD, {"dstAddr": mac, "port": port}
        )
    return sut


def packet(dst: str, ttl: int = 64) -> Ether:
    return (
        Ether(dst="00:00:00:00:00:aa", src="00:00:00:00:00:bb")
        / IP(src="10.0.9.9", dst=dst, ttl=ttl)
        / UDP(sport=1234, dport=80)
        / b"payload bytes"
    )


def routed(pkt: Ether, mac: str) -> Ether:
    out = pkt.copy()
    out[Ether].src = pkt[Ether].dst
    out[Ether].dst = mac
    out[IP].ttl -= 1
    out[IP].chksum = None  # Scapy recomputes it when building
    return Ether(bytes(out))


@pytest.mark.parametrize(
    ("dst", "mac", "port"),
    [
        ("10.0.1.7", "00:00:00:00:01:01", 1),
        ("10.0.2.7", "00:00:00:00:02:02", 2),
        ("10.0.2.200", "00:00:00:00:02:80", 3),  # longest prefix wins
        ("192.168.1.1", "00:00:00:00:0d:ef", 4),  # default route
    ],
)
def test_routes_by_longest_prefix(sut, dst, mac, port):
    pkt = packet(dst)
    sut.send_packet(0, pkt)
    sut.verify_packet(routed(pkt, mac), port)
    sut.verify_no_other_packets()


def test_ttl_and_checksum_are_exact_bytes(sut):
    pkt = Ether(dst="00:00:00:00:00:aa", src="00:00:00:00:00:bb") / IP(
        src="10.0.0.1", dst="10.0.1.1", ttl=1, id=7
    ) / TCP(sport=1, dport=2, flags="S")
    sut.send_packet(2, pkt)
    out = sut.verify_packet(routed(pkt, "00:00:00:00:01:01"), 1)
    assert IP(out[14:]).ttl == 0
    header = out[14:34]
    total = sum(int.from_bytes(header[i : i + 2], "big") for i in range(0, 20, 2))
    total = (total & 0xFFFF) + (total >> 16)
    assert total == 0xFFFF  # a valid IPv4 header checksum sums to all ones


def test_miss_is_dropped(switch_under_test):
    sut = switch_under_test(BASIC)  # no routes at all
    sut.send_packet(1, packet("10.0.1.1"))
    sut.verify_no_other_packets()


def test_non_ipv4_leaves_on_port_zero_unchanged(sut):
    frame = Ether(dst="ff:ff:ff:ff:ff:ff", src="00:00:00:00:00:bb") / ARP(pdst="10.0.1.1")
    sut.send_packet(3, frame)
    sut.verify_packet(frame, 0)
    sut.verify_no_other_packets()


def test_mask_ignores_checksum(sut):
    pkt = packet("10.0.2.5")
    expected = routed(pkt, "00:00:00:00:02:02")
    expected[IP].chksum = 0
    mask = Mask(expected)
    mask.set_do_not_care_scapy(IP, "chksum")
    # exactly the 2 checksum bytes (Ethernet 14 + offset 10 in IPv4) are ignored
    assert [i for i, bits in enumerate(mask.mask) if bits != 0xFF] == [24, 25]
    sut.send_packet(0, pkt)
    got = sut.verify_packet(mask, 2)
    assert got[24:26] != b"\0\0"  # the real checksum: the mask did the matching


def test_entries_read_back_modify_and_delete(sut):
    entries = sut.conn.read_table_entries(TABLE)
    assert len(entries) == len(ROUTES)
    sut.conn.modify_table_entry(
        TABLE, {"hdr.ipv4.dstAddr": "10.0.1.0/24"}, FORWARD,
        {"dstAddr": "00:00:00:00:99:99", "port": 5},
    )
    pkt = packet("10.0.1.3")
    sut.send_packet(0, pkt)
    sut.verify_packet(routed(pkt, "00:00:00:00:99:99"), 5)
    sut.conn.delete_table_entry(TABLE, {"hdr.ipv4.dstAddr": "10.0.1.0/24"})
    sut.send_packet(0, pkt)
    sut.verify_packet(routed(pkt, "00:00:00:00:0d:ef"), 4)  # falls back to the default route
    assert len(sut.conn.read_table_entries(TABLE)) == len(ROUTES) - 1


def test_duplicate_insert_is_already_exists(sut):
    with pytest.raises(SwitchError) as err:
        sut.conn.insert_table_entry(
            TABLE, {"hdr.ipv4.dstAddr": "10.0.1.0/24"}, FORWARD,
            {"dstAddr": "00:00:00:00:01:01", "port": 1},
        )
    assert "ALREADY_EXISTS" in str(err.value)


def test_default_action_can_forward(sut):
    sut.conn.delete_table_entry(TABLE, {"hdr.ipv4.dstAddr": "0.0.0.0/0"})
    sut.conn.set_default_action(TABLE, FORWARD, {"dstAddr": "00:00:00:00:00:42", "port": 6})
    pkt = packet("172.16.0.1")
    sut.send_packet(0, pkt)
    sut.verify_packet(routed(pkt, "00:00:00:00:00:42"), 6)


def test_verify_packets_and_verify_no_packet(sut):
    pkt = packet("10.0.1.7")
    expected = routed(pkt, "00:00:00:00:01:01")
    sut.send_packet(0, pkt)
    sut.verify_no_packet(expected, 2)
    with pytest.raises(AssertionError, match="unexpected packet on port 1"):
        sut.verify_no_packet(expected, 1)
    sut.verify_packets(expected, [1])  # also checks that nothing else came out
    # and the checks fail when they must: other bytes, no packet, a packet left over
    sut.send_packet(0, pkt)
    with pytest.raises(AssertionError, match="differs from the expected one"):
        sut.verify_packet(routed(pkt, "00:00:00:00:01:02"), 1)
    with pytest.raises(AssertionError, match="got none"):
        sut.verify_packet(expected, 1, timeout=0.1)
    sut.send_packet(0, pkt)
    with pytest.raises(AssertionError, match="unexpected packets"):
        sut.verify_no_other_packets()

"""WaMPTCP gateway, branch role: which WAN link a packet from the LAN takes.

Covers source-subnet steering of MPTCP subflows (IPv4, IPv6), MPTCP detection by the TCP
option walk (the option at different offsets; malformed, truncated and short packets fall
back to the non-MPTCP path with every byte unchanged), tunnel-handoff stickiness and spread,
and the remaps the controller does on failure: wan_link -> link_down, handoff buckets of the
failed link, and recovery optimisation (RO) of src_steer entries.

Every test flow is chosen so that its handoff bucket points at the *other* link than its
source subnet, so the link it leaves on shows which path the program took. The outputs are
VXLAN frames built by test_wamptcp_p4_site.vxlan_frame, compared byte for byte.
"""

from __future__ import annotations

import pytest
from scapy.layers.l2 import Ether
from test_wamptcp_p4_site import (
    DSS,
    EOL,
    H1_V4,
    H1_V6,
    HL_V4,
    LAN_PORT,
    LEGACY_PORT,
    MP_CAPABLE,
    MP_JOIN,
    MSS,
    N_BUCKETS,
    NOP,
    SACK_PERMITTED,
    SPACE_V4,
    SPACE_V6,
    SRV_V4,
    SRV_V6,
    TIMESTAMPS,
    WSCALE,
    frame_bucket,
    handoff_link,
    option_area,
    other,
    send_expect_link,
    set_handoff,
    set_link_up,
    sports_on_link,
    tcp_frame,
    udp_frame,
)

from controller.entities import CounterData


def subflow(link: int, options: bytes, *, v6: bool = False, **fields) -> Ether:
    """A TCP segment from h1's address in `link`'s subnet whose handoff bucket belongs to
    the other link (so MPTCP detection decides where it goes)."""
    src, dst = (H1_V6[link], SRV_V6) if v6 else (H1_V4[link], SRV_V4)
    sport = sports_on_link(src, dst, other(link))[0]
    return tcp_frame(src, dst, sport=sport, options=options, **fields)


# ---- source-subnet steering ----

@pytest.mark.parametrize("link", [1, 2])
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_mptcp_subflow_follows_its_source_subnet(branch, link, v6):
    send_expect_link(branch, subflow(link, option_area(MP_CAPABLE), v6=v6), link)


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_plain_tcp_from_the_same_subnet_uses_handoff(branch, v6):
    frame = subflow(1, option_area(MSS, SACK_PERMITTED), v6=v6)
    send_expect_link(branch, frame, 2)


def test_longest_source_prefix_wins(branch):
    branch.conn.insert_table_entry("MyIngress.src_steer_v4", {"hdr.ipv4.srcAddr": "10.1.1.10/32"},
                                   "MyIngress.set_link", {"link": 2})
    send_expect_link(branch, subflow(1, option_area(MP_JOIN)), 2)
    send_expect_link(branch, tcp_frame("10.1.1.11", SRV_V4, sport=sports_on_link(
        "10.1.1.11", SRV_V4, 2)[0], options=option_area(MP_JOIN)), 1)


# ---- MPTCP detection: the option walk ----

# Option areas in which the walk must find the MPTCP option.
FOUND = {
    "first": option_area(MP_CAPABLE),
    "after-nops": option_area(NOP, NOP, MP_JOIN),
    "after-syn-options": option_area(MSS, SACK_PERMITTED, TIMESTAMPS, NOP, WSCALE, MP_CAPABLE),
    "after-timestamps": option_area(TIMESTAMPS, NOP, NOP, DSS),
    "join-last": option_area(MSS, NOP, WSCALE, SACK_PERMITTED, TIMESTAMPS, MP_JOIN),
    "after-unknown-kind": option_area(bytes([0xFE, 6, 0xAB, 0xCD, 1, 2]), DSS),
    "end-of-40-bytes": NOP * 28 + MP_CAPABLE,                   # last 12 of 40 bytes
    "before-len-0": option_area(MP_CAPABLE, bytes([8, 0])),     # malformed after it
    "before-len-1": option_area(MP_JOIN, bytes([2, 1])),
    "before-truncated": option_area(MP_JOIN, bytes([8, 10, 1, 2])),
}

# Option areas in which it must not: the packet takes the non-MPTCP path, bytes unchanged.
NOT_FOUND = {
    "after-eol": option_area(MSS, EOL, MP_CAPABLE),             # after end-of-list: padding
    "no-subtype": option_area(bytes([30, 2])),                  # kind 30 without subtype byte
    "len-0": option_area(bytes([8, 0]), MP_CAPABLE),            # length 0: walk stops
    "len-1": option_area(NOP, bytes([2, 1]), MP_CAPABLE),       # length 1: walk stops
    "truncated": MSS + MP_CAPABLE[:4],                          # length beyond the area
    "kind-at-end": NOP * 3 + bytes([30]),                       # kind without its length
    "overlong": option_area(bytes([2, 44]), MP_CAPABLE),        # length beyond the area
}


@pytest.mark.parametrize("options", FOUND.values(), ids=FOUND.keys())
def test_mptcp_option_found_at_any_offset(branch, options):
    send_expect_link(branch, subflow(1, options), 1)


@pytest.mark.parametrize("options", NOT_FOUND.values(), ids=NOT_FOUND.keys())
def test_malformed_options_take_the_non_mptcp_path_unchanged(branch, options):
    send_expect_link(branch, subflow(1, options), 2)


def test_option_walk_is_the_same_over_ipv6(branch, subtests):
    # One switch for all cases, each reported on its own (a failed case may leave its frame
    # behind: each case starts from an empty queue).
    cases = [(name, subflow(1, options, v6=True), 1) for name, options in FOUND.items()]
    cases += [(name, subflow(1, options, v6=True), 2) for name, options in NOT_FOUND.items()]
    cases.append(("data-offset-beyond-the-packet",
                  subflow(1, MP_CAPABLE, v6=True, data_offset=15, payload=b""), 2))
    for name, frame, link in cases:
        with subtests.test(name):
            branch.clear()
            send_expect_link(branch, frame, link)


@pytest.mark.parametrize(
    ("data_offset", "options"),
    [
        (15, MP_CAPABLE),           # 40-byte option area announced, 12 bytes in the packet
        (8, MSS),                   # 12 announced, 4 present
        (6, b""),                   # options announced, none present
    ],
)
def test_data_offset_beyond_the_packet_is_forwarded_unchanged(branch, data_offset, options):
    frame = subflow(1, options, data_offset=data_offset, payload=b"")
    assert len(frame) == 14 + 20 + 20 + len(options)
    send_expect_link(branch, frame, 2)


def test_data_offset_below_five_is_not_walked(branch):
    # The MPTCP bytes sit after a 12-byte "header": payload, not options.
    send_expect_link(branch, subflow(1, b"", data_offset=3, payload=MP_CAPABLE), 2)


# ---- tunnel handoff ----

@pytest.mark.parametrize("src", [HL_V4, "2001:db8:1:1::20"], ids=["ipv4", "ipv6"])
def test_same_five_tuple_always_same_link_and_source_port(branch, src):
    dst = SRV_V6 if ":" in src else SRV_V4
    frames = [
        tcp_frame(src, dst, sport=43210, options=option_area(MSS)),
        tcp_frame(src, dst, sport=43210, payload=b"x" * 900),
        tcp_frame(src, dst, sport=43210, payload=b"", ttl=3),
    ]
    link = handoff_link(frame_bucket(frames[0]))
    for frame in frames:
        send_expect_link(branch, frame, link, LEGACY_PORT)


def test_many_flows_spread_over_links_by_the_handoff_table(branch):
    frames = [tcp_frame(HL_V4, SRV_V4, sport=20000 + 7 * i) for i in range(24)]
    frames += [udp_frame(HL_V4, SRV_V4, sport=30000 + 11 * i) for i in range(8)]
    frames += [udp_frame("2001:db8:1:1::20", SRV_V6, sport=31000 + i) for i in range(8)]
    used = {1: 0, 2: 0}
    for frame in frames:
        link = handoff_link(frame_bucket(frame))
        used[link] += 1
        send_expect_link(branch, frame, link, LEGACY_PORT)
    assert used[1] >= 8 and used[2] >= 8


def test_strict_priority_plan_sends_everything_to_the_primary(branch):
    set_handoff(branch, dict.fromkeys(range(N_BUCKETS), 2), modify=True)
    for i in range(8):
        send_expect_link(branch, udp_frame(HL_V4, SRV_V4, sport=32000 + i), 2, LEGACY_PORT)


def test_no_link_at_all_is_dropped_and_counted(branch):
    branch.conn.clear_table("MyIngress.handoff")
    frame = udp_frame("172.16.0.5", SRV_V4)     # in no source subnet
    branch.send_packet(LEGACY_PORT, frame)
    branch.verify_no_other_packets()
    assert branch.conn.read_counter("MyIngress.link_drops", 0) == CounterData(1, len(frame))


# ---- failover, recovery and RO ----

def flows_per_link(per_link: int = 3) -> dict[int, list[Ether]]:
    return {
        link: [tcp_frame(HL_V4, SRV_V4, sport=sport)
               for sport in sports_on_link(HL_V4, SRV_V4, link, per_link)]
        for link in (1, 2)
    }


def test_link_down_drops_its_flows_and_counts_them(branch):
    flows = flows_per_link()
    set_link_up(branch, 1, False)
    for frame in flows[1]:
        branch.send_packet(LEGACY_PORT, frame)
    branch.verify_no_other_packets()
    for frame in flows[2]:
        send_expect_link(branch, frame, 2, LEGACY_PORT)
    drops = branch.conn.read_counter("MyIngress.link_drops", 1)
    assert drops == CounterData(3, sum(len(f) for f in flows[1]))


def test_handoff_remap_moves_only_the_failed_links_flows_and_back(branch):
    flows = flows_per_link()
    down = {b: 2 for b in range(N_BUCKETS) if handoff_link(b) == 1}
    set_link_up(branch, 1, False)
    set_handoff(branch, down, modify=True)
    for link in (1, 2):
        for frame in flows[link]:
            send_expect_link(branch, frame, 2, LEGACY_PORT)   # same bucket, same outer port
    set_handoff(branch, dict.fromkeys(down, 1), modify=True)
    set_link_up(branch, 1, True)
    for link in (1, 2):
        for frame in flows[link]:
            send_expect_link(branch, frame, link, LEGACY_PORT)


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_recovery_optimisation_moves_subflows_of_a_failed_link(branch, v6):
    table, key = (("MyIngress.src_steer_v6", "hdr.ipv6.srcAddr") if v6
                  else ("MyIngress.src_steer_v4", "hdr.ipv4.srcAddr"))
    space = (SPACE_V6 if v6 else SPACE_V4)[1]
    sub1 = subflow(1, option_area(DSS), v6=v6)
    sub2 = subflow(2, option_area(DSS), v6=v6)
    set_link_up(branch, 1, False)
    branch.send_packet(LAN_PORT, sub1)                      # WaMPTCP alone: subflow stalls
    branch.verify_no_other_packets()
    send_expect_link(branch, sub2, 2)                       # the healthy subflow is unaffected
    branch.conn.modify_table_entry(table, {key: space}, "MyIngress.set_link", {"link": 2})
    send_expect_link(branch, sub1, 2)                       # RO: moved to the healthy link
    send_expect_link(branch, sub2, 2)
    branch.conn.modify_table_entry(table, {key: space}, "MyIngress.set_link", {"link": 1})
    branch.send_packet(LAN_PORT, sub1)                      # restored entry, link still down
    branch.verify_no_other_packets()
    assert branch.conn.read_counter("MyIngress.link_drops", 1) == CounterData(2, 2 * len(sub1))
    set_link_up(branch, 1, True)                            # recovery: back on its own link
    send_expect_link(branch, sub1, 1)
    send_expect_link(branch, sub2, 2)

"""Packet copies and drops in the v1model architecture (p4sim.runtime.switch): clones I2E and
E2E, field lists, resubmit, recirculate, multicast, mark_to_drop, truncate and priority
(tests/p4/runtime/feat_{replication,drop}.p4).

The BMv2 facts come from simple_switch.cpp (`ingress_thread`, `egress_thread`, `multicast`,
`enqueue`, `copy_field_list_and_set_type`) and packet.h (`truncate`): every copy that is not a
multicast replica gets all metadata reset (PHV::reset_metadata) before the field list is
copied in; instance_type values are NORMAL 0, INGRESS_CLONE 1, EGRESS_CLONE 2, RECIRC 4,
REPLICATION 5, RESUBMIT 6.
"""

from __future__ import annotations

import pytest
from executor_switch import feature_switch

from p4sim.runtime.pre import CloneSession, Replica
from p4sim.runtime.switch import Switch


@pytest.fixture
def sw() -> Switch:
    """feat_replication.p4 with session 5 -> port 4 (as `mirroring_add 5 4`), session 6 ->
    ports 5 and 6 with rids 9 and 10 (as a P4Runtime CloneSessionEntry), multicast group 1 ->
    ports 2, 3 (rid 7) and 4 (rid 8)."""
    switch = feature_switch("replication")
    switch.pre.insert_session(CloneSession(5, (Replica(4, 0),)))
    switch.pre.insert_session(CloneSession(6, (Replica(5, 9), Replica(6, 10))))
    switch.pre.insert_group(1, [Replica(2, 7), Replica(3, 7), Replica(4, 8)])
    return switch


def _res(
    in_itype: int = 0,
    e_itype: int = 0,
    keep: int = 0,
    lost: int = 0,
    both: int = 0,
    rid: int = 0,
    in_port: int = 0,
    e_port: int = 2,
    plen: int = 3,
    passes: int = 0,
) -> bytes:
    """The 17-byte result header egress appends after k."""
    return (
        bytes([in_itype, e_itype, keep, lost])
        + both.to_bytes(2, "big")
        + rid.to_bytes(2, "big")
        + in_port.to_bytes(2, "big")
        + e_port.to_bytes(2, "big")
        + plen.to_bytes(4, "big")
        + bytes([passes])
    )


FIRST_PASS = {"keep": 0x11, "lost": 0x22, "both": 0x3333, "passes": 1, "in_port": 1}


def _send(sw: Switch, op: int) -> list[tuple[int, bytes]]:
    return sorted(sw.process_packet(1, bytes([op, 0, 0xEE])))


def _frame(op: int, res: bytes, *extra: bytes) -> bytes:
    return bytes([op, 0]) + res + b"".join(extra) + b"\xee"


def test_plain_unicast(sw: Switch) -> None:
    assert _send(sw, 0) == [(2, _frame(0, _res(**FIRST_PASS)))]


def test_i2e_clone_without_field_list(sw: Switch) -> None:
    """The clone is re-parsed from the received bytes, all its metadata is reset (so
    ingress_port is 0, BMV2_OBSERVED.md), packet_length is the original's, instance_type 1,
    and a session made by mirroring_add has no rid."""
    assert _send(sw, 1) == [
        (2, _frame(1, _res(**FIRST_PASS))),
        (4, _frame(1, _res(e_itype=1, e_port=4))),
    ]


def test_i2e_clone_preserving_field_list(sw: Switch) -> None:
    """clone_preserving_field_list copies the @field_list(1) fields' final ingress values."""
    assert _send(sw, 2) == [
        (2, _frame(2, _res(**FIRST_PASS))),
        (4, _frame(2, _res(e_itype=1, e_port=4, keep=0x11, both=0x3333, passes=1))),
    ]


def test_i2e_clone_to_session_with_rids(sw: Switch) -> None:
    """P4Runtime clone sessions are BMv2 multicast groups (PI pre_clone_mgr sets
    mc_grp_id_valid), so each copy carries its replica's rid; instance_type stays 1."""
    clone = {"e_itype": 1, "keep": 0x11, "both": 0x3333, "passes": 1}
    assert _send(sw, 7) == [
        (2, _frame(7, _res(**FIRST_PASS))),
        (5, _frame(7, _res(e_port=5, rid=9, **clone))),
        (6, _frame(7, _res(e_port=6, rid=10, **clone))),
    ]


def test_i2e_clone_of_a_dropped_packet(sw: Switch) -> None:
    """The clone is made before the drop decision (after-ingress pseudocode)."""
    assert _send(sw, 8) == [(4, _frame(8, _res(e_itype=1, e_port=4)))]


def test_clone_to_unknown_session_makes_no_copy(sw: Switch) -> None:
    assert _send(sw, 9) == [(2, _frame(9, _res(**FIRST_PASS)))]


def test_e2e_clone_preserving_field_list(sw: Switch) -> None:
    """An E2E clone carries the headers as egress left them (no re-parse), metadata reset
    except field list 2, instance_type 2; it runs egress again (which rewrites res)."""
    clone = {"e_itype": 2, "both": 0x3333, "passes": 1}
    assert _send(sw, 3) == [
        (2, _frame(3, _res(**FIRST_PASS))),
        (5, _frame(3, _res(e_port=5, rid=9, **clone))),
        (6, _frame(3, _res(e_port=6, rid=10, **clone))),
    ]


def test_resubmit_preserving_field_list(sw: Switch) -> None:
    """The resubmitted packet starts ingress again from the received bytes with instance_type
    6, the field list 1 values and all other metadata reset (ingress_port too); a unicast
    packet enters egress as NORMAL (instance_type 0) whatever pass it is."""
    assert _send(sw, 4) == [
        (2, _frame(4, _res(in_itype=6, keep=0x11, both=0x3333, passes=2))),
    ]


def test_recirculate_preserving_field_list(sw: Switch) -> None:
    """The deparsed packet (with the first res) is parsed again with instance_type 4,
    packet_length = its deparsed length, field list 2 preserved, other metadata reset."""
    first = _res(**FIRST_PASS)
    second = _res(in_itype=4, both=0x3333, passes=2, plen=2 + 17 + 1)
    assert _send(sw, 5) == [(2, _frame(5, second, first))]


def test_multicast_replicas_with_rids(sw: Switch) -> None:
    """Multicast copies keep all ingress metadata (PHV copied), instance_type 5, egress_rid
    of their node; BMv2 replicates node by node, ports in increasing order."""
    assert _send(sw, 6) == [
        (2, _frame(6, _res(e_itype=5, rid=7, e_port=2, **FIRST_PASS))),
        (3, _frame(6, _res(e_itype=5, rid=7, e_port=3, **FIRST_PASS))),
        (4, _frame(6, _res(e_itype=5, rid=8, e_port=4, **FIRST_PASS))),
    ]


def test_multicast_to_unknown_group_makes_no_copy(sw: Switch) -> None:
    sw.pre.delete_group(1)
    assert _send(sw, 6) == []


# ------------------------------------------------------------------ drops, truncate, priority
@pytest.fixture
def drop_sw() -> Switch:
    switch = feature_switch("drop")
    switch.pre.insert_group(1, [Replica(3, 1), Replica(4, 1)])
    return switch


PAYLOAD = bytes(range(0x10, 0x20))


def _drop_send(sw: Switch, op: int, length: int = 0) -> list[tuple[int, bytes]]:
    return sorted(sw.process_packet(1, bytes([op, length]) + PAYLOAD))


def test_mark_to_drop_in_ingress_and_egress(drop_sw: Switch) -> None:
    """egress_spec 511 at the end of ingress or of egress drops the packet; writing 511 is
    the same as calling mark_to_drop."""
    assert _drop_send(drop_sw, 0) == [(2, bytes([0, 0]) + PAYLOAD)]
    assert _drop_send(drop_sw, 1) == []
    assert _drop_send(drop_sw, 2) == []
    assert _drop_send(drop_sw, 3) == []
    assert drop_sw.dropped == {
        "egress_spec 511 (mark_to_drop) in ingress": 2,
        "egress_spec 511 (mark_to_drop) in egress": 1,
    }


def test_mark_to_drop_and_multicast_order(drop_sw: Switch) -> None:
    """mark_to_drop also clears mcast_grp (primitives.cpp), so a multicast requested before
    it is cancelled; multicast requested after it wins over the drop (mcast_grp is checked
    before egress_spec in the after-ingress pseudocode)."""
    assert _drop_send(drop_sw, 4) == []
    assert _drop_send(drop_sw, 5) == [(3, bytes([5, 0]) + PAYLOAD), (4, bytes([5, 0]) + PAYLOAD)]


def test_truncate(drop_sw: Switch) -> None:
    """truncate(n) limits the bytes transmitted (Packet::get_data_size); a length above the
    packet's changes nothing; the smallest of several calls wins. It belongs to the packet
    object: multicast copies (new packets) are not truncated by the ingress call."""
    assert _drop_send(drop_sw, 6, 5) == [(2, bytes([6, 5]) + PAYLOAD[:3])]
    assert _drop_send(drop_sw, 6, 100) == [(2, bytes([6, 100]) + PAYLOAD)]
    assert _drop_send(drop_sw, 7, 2) == [(2, bytes([7, 2]))]
    assert _drop_send(drop_sw, 10, 12) == [(2, bytes([10, 12]) + PAYLOAD[:6])]
    assert _drop_send(drop_sw, 9, 4) == [
        (3, bytes([9, 4]) + PAYLOAD),
        (4, bytes([9, 4]) + PAYLOAD),
    ]


def test_nonzero_priority_is_dropped(drop_sw: Switch) -> None:
    """simple_switch enqueue(): priority >= the number of queues per port (1 unless started
    with --priority-queues) drops the packet ("Priority out of range")."""
    assert _drop_send(drop_sw, 8) == []
    assert drop_sw.dropped == {"priority 1 out of range (one queue per port)": 1}


def test_clone_session_length_is_not_applied(sw: Switch) -> None:
    """simple_switch cannot truncate clones: PI refuses a session with packet_length_bytes
    (`_pi_clone_session_set`: "add support for truncation in bmv2"); a MODIFY stores the value
    without passing it to the target, so the data plane never truncates a clone."""
    sw.pre.modify_session(CloneSession(5, (Replica(4, 0),), packet_length_bytes=4))
    assert _send(sw, 1)[1] == (4, _frame(1, _res(e_itype=1, e_port=4)))

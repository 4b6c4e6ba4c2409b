"""standard_metadata fields as ingress and egress see them (tests/p4/runtime/feat_std_meta.p4),
with a fake clock.

BMv2 facts (simple_switch.cpp `receive_`, `enqueue`, `egress_thread`; simple_switch.md):
ingress_port and packet_length (bytes received) are set on arrival, ingress_global_timestamp
too (microseconds since the switch started); egress_port is 0 in ingress; enqueueing sets
enq_timestamp and enq_qdepth; egress sets egress_global_timestamp, deq_timedelta (time in the
queue), deq_qdepth, egress_port, and egress_spec to the drop port + 1 (which the 9-bit field
holds as 0); packet_length in egress is the received length.
"""

from __future__ import annotations

from executor_switch import feature_switch
from fake_clock import FakeClock

from p4sim.runtime.pre import Replica

FIELDS = [  # (name, bytes) of res, in order
    ("i_port", 2), ("i_plen", 4), ("i_itype", 1), ("i_eport", 2), ("i_ts", 6), ("i_perr", 1),
    ("e_port", 2), ("e_spec", 2), ("e_inport", 2), ("e_plen", 4), ("e_itype", 1),
    ("e_its", 6), ("e_ets", 6), ("enq_ts", 4), ("deq_td", 4), ("enq_qd", 3), ("deq_qd", 3),
    ("mcast", 2), ("rid", 2), ("cksum_err", 1), ("prio", 1),
]


def _decode(data: bytes) -> dict[str, int]:
    out, pos = {}, 2
    for name, size in FIELDS:
        out[name] = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    assert pos == len(data)
    return out


def test_unicast_fields_and_timestamps() -> None:
    clock = FakeClock(1000.0)
    sw = feature_switch("std_meta", clock=clock)
    clock.now = 1000.001234
    [(port, data)] = sw.process_packet(3, bytes([4, 0]) + bytes(10))
    assert port == 4
    assert _decode(data[:-10]) == {
        "i_port": 3, "i_plen": 12, "i_itype": 0, "i_eport": 0, "i_ts": 1234, "i_perr": 0,
        "e_port": 4, "e_spec": 0, "e_inport": 3, "e_plen": 12, "e_itype": 0,
        "e_its": 1234, "e_ets": 1234, "enq_ts": 1234, "deq_td": 0, "enq_qd": 0, "deq_qd": 0,
        "mcast": 0, "rid": 0, "cksum_err": 0, "prio": 0,
    }


def test_timestamps_increase_with_the_clock() -> None:
    clock = FakeClock(1000.0)
    sw = feature_switch("std_meta", clock=clock)
    stamps = []
    for now in (1000.000001, 1000.5, 1002.25):
        clock.now = now
        [(_, data)] = sw.process_packet(1, bytes([2, 0]))
        res = _decode(data)
        stamps.append((res["i_ts"], res["e_ets"]))
    assert stamps == [(1, 1), (500_000, 500_000), (2_250_000, 2_250_000)]


def test_multicast_copy_fields() -> None:
    """A multicast copy keeps mcast_grp and the ingress view; egress_port and egress_rid
    come from its replica; instance_type 5."""
    sw = feature_switch("std_meta", clock=FakeClock(1000.0))
    sw.pre.insert_group(3, [Replica(5, 42), Replica(6, 43)])
    out = sorted(sw.process_packet(2, bytes([0, 3, 0xAA])))
    assert [port for port, _ in out] == [5, 6]
    for (port, data), rid in zip(out, (42, 43), strict=True):
        res = _decode(data[:-1])
        assert (res["e_port"], res["rid"], res["mcast"], res["e_itype"]) == (port, rid, 3, 5)
        assert (res["i_port"], res["e_inport"], res["e_plen"]) == (2, 2, 3)

"""controller.entities.Codec: the exact P4Runtime messages built from names, and decoding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import text_format
from p4.v1 import p4data_pb2, p4runtime_pb2

from controller.encoding import EncodingError
from controller.entities import (
    ActionProfileGroup,
    ActionProfileMember,
    Codec,
    CounterData,
    DigestList,
    GroupMember,
    MeterConfig,
    PacketIn,
    Replica,
    TableEntry,
    decode_clone_session,
)
from controller.schema import P4Schema, UnknownNameError

GOLDEN = Path(__file__).parent / "p4" / "golden"


def codec(program: str) -> Codec:
    return Codec(P4Schema.load(GOLDEN / f"{program}.p4info.txtpb"))


def parse(message_type: type, text: str) -> Any:
    return text_format.Parse(text, message_type())


def test_basic_ipv4_lpm_entry_exact_message() -> None:
    entry = codec("basic").table_entry(
        "MyIngress.ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.1.1/32"}, "MyIngress.ipv4_forward",
        {"dstAddr": "08:00:00:00:01:11", "port": 1})
    assert entry == parse(p4runtime_pb2.TableEntry, r"""
        table_id: 37375156
        match { field_id: 1 lpm { value: "\n\000\001\001" prefix_len: 32 } }
        action { action { action_id: 28792405
                          params { param_id: 1 value: "\010\000\000\000\001\021" }
                          params { param_id: 2 value: "\001" } } }
    """)


def test_params_in_order_and_aliases() -> None:
    c = codec("basic")
    by_name = c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.0.0/8"}, "ipv4_forward",
                            {"port": 2, "dstAddr": 0x0A})
    in_order = c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": ("10.0.0.0", 8)}, "ipv4_forward",
                             [0x0A, 2])
    assert by_name == in_order
    assert [p.value for p in by_name.action.action.params] == [b"\x0a", b"\x02"]


def test_default_and_key_only_entries() -> None:
    c = codec("basic")
    assert c.table_entry("ipv4_lpm", action="drop", is_default=True) == parse(
        p4runtime_pb2.TableEntry,
        "table_id: 37375156 action { action { action_id: 25652968 } } is_default_action: true")
    assert c.table_entry("ipv4_lpm", is_default=True) == parse(
        p4runtime_pb2.TableEntry, "table_id: 37375156 is_default_action: true")
    # A /0 route matches everything: P4Runtime wants the field left out.
    assert c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "0.0.0.0/0"}) == parse(
        p4runtime_pb2.TableEntry, "table_id: 37375156")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda c: c.table_entry("ipv4_lpmm", {}), UnknownNameError,
         "unknown table 'ipv4_lpmm'; did you mean 'MyIngress.ipv4_lpm'?"),
        (lambda c: c.table_entry("ipv4_lpm", {"dstAddr": 1}), UnknownNameError,
         "unknown match field 'dstAddr' in table 'MyIngress.ipv4_lpm'; "
         "did you mean 'hdr.ipv4.dstAddr'?"),
        (lambda c: c.table_entry("ipv4_lpm", {}, "ipv4_forwrd", {}), UnknownNameError,
         "unknown action 'ipv4_forwrd' in table 'MyIngress.ipv4_lpm'; "
         "did you mean 'MyIngress.ipv4_forward'?"),
        (lambda c: c.table_entry("ipv4_lpm", {}, "ipv4_forward", {"dstAddr": 1, "prt": 2}),
         UnknownNameError,
         "unknown parameter 'prt' in action 'MyIngress.ipv4_forward'; did you mean 'port'?"),
        (lambda c: c.table_entry("ipv4_lpm", {}, "ipv4_forward", {"dstAddr": 1}),
         EncodingError, "action 'MyIngress.ipv4_forward': missing parameters port"),
        (lambda c: c.table_entry("ipv4_lpm", {}, "ipv4_forward", [1]), EncodingError,
         "action 'MyIngress.ipv4_forward' takes 2 parameters, got 1"),
        (lambda c: c.table_entry("ipv4_lpm", {}, "ipv4_forward", {"dstAddr": 1, "port": 512}),
         EncodingError,
         "parameter 'port' of action 'MyIngress.ipv4_forward': 512 does not fit in 9 bits"),
        (lambda c: c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.0.0/8"}, priority=1),
         EncodingError, "table 'MyIngress.ipv4_lpm' has only exact/lpm keys: priority must be 0"),
        (lambda c: c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.0.300/8"}),
         EncodingError, "match field 'hdr.ipv4.dstAddr' of table 'MyIngress.ipv4_lpm': "
         "'10.0.0.300' is not a number, MAC, IPv4 or IPv6 address"),
        (lambda c: c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": 1}, is_default=True),
         EncodingError, "the default entry of table 'MyIngress.ipv4_lpm' has no match key"),
    ],
)
def test_entry_errors(call: Callable[[Codec], object], error: type, message: str) -> None:
    with pytest.raises(error) as info:
        call(codec("basic"))
    assert str(info.value) == message


def test_ternary_table_needs_priority_and_omits_dont_cares() -> None:
    c = codec("table_match_kinds")
    key = {"hdr.ipv4.srcAddr": ("10.0.0.0", "255.0.0.0"), "hdr.udp.$valid$": 1}
    with pytest.raises(EncodingError, match="give priority >= 1"):
        c.table_entry("classifier", key)
    entry = c.table_entry("classifier", {"hdr.ipv4.srcAddr": "10.0.0.0/8", "hdr.udp.dstPort": None,
                                         "hdr.udp.$valid$": 1}, priority=10)
    assert entry == parse(p4runtime_pb2.TableEntry, r"""
        table_id: 34693265
        match { field_id: 1 ternary { value: "\n\000\000\000" mask: "\377\000\000\000" } }
        match { field_id: 4 exact { value: "\001" } }
        priority: 10""")


def test_decode_table_entry() -> None:
    c = codec("basic")
    entry = c.table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.2.0/24"}, "ipv4_forward",
                          {"dstAddr": "08:00:00:00:02:22", "port": 2})
    entry.counter_data.packet_count = 3
    entry.counter_data.byte_count = 300
    assert c.decode_table_entry(entry) == TableEntry(
        table="MyIngress.ipv4_lpm",
        match={"hdr.ipv4.dstAddr": (0x0A000200, 24)},
        action="MyIngress.ipv4_forward",
        params={"dstAddr": 0x080000000222, "port": 2},
        counter=CounterData(packets=3, bytes=300),
    )
    default = parse(p4runtime_pb2.TableEntry, "table_id: 37375156 is_default_action: true "
                    "action { action { action_id: 25652968 } }")
    assert c.decode_table_entry(default) == TableEntry(
        table="MyIngress.ipv4_lpm", action="MyIngress.drop", is_default=True)


def test_action_profile_members_and_groups() -> None:
    c = codec("table_selector")
    member = c.member("ecmp_selector", 7, "set_next_hop", {"dmac": 1, "port": 3})
    assert member.member_id == 7
    assert c.decode_member(member) == ActionProfileMember(
        "MyIngress.ecmp_selector", 7, "MyIngress.set_next_hop", {"dmac": 1, "port": 3})
    group = c.group("ecmp_selector", 2, [7, (8, 3)], max_size=4)
    assert [(m.member_id, m.weight) for m in group.members] == [(7, 1), (8, 3)]
    assert c.decode_group(group) == ActionProfileGroup(
        "MyIngress.ecmp_selector", 2, [GroupMember(7, 1), GroupMember(8, 3)], 4)
    entry = c.table_entry("ecmp", {"hdr.ipv4.dstAddr": "10.0.0.0/8"}, group_id=2)
    assert entry.action.action_profile_group_id == 2
    assert c.decode_table_entry(entry).group_id == 2


def test_replication_entries() -> None:
    c = codec("basic")
    mc = c.multicast_group(1, [1, (2, 5)])
    assert mc == parse(p4runtime_pb2.PacketReplicationEngineEntry, """
        multicast_group_entry { multicast_group_id: 1
            replicas { egress_port: 1 } replicas { egress_port: 2 instance: 5 } }""")
    clone = c.clone_session(100, [3], class_of_service=1, packet_length_bytes=64)
    assert clone.clone_session_entry.packet_length_bytes == 64
    decoded = decode_clone_session(clone.clone_session_entry)
    assert decoded.replicas == [Replica(3, 0)] and decoded.class_of_service == 1
    # P4Runtime 1.4 servers may answer with the bytes `port` instead of `egress_port`.
    replica = p4runtime_pb2.Replica(port=b"\x01\x02", instance=1)
    assert decode_clone_session(
        p4runtime_pb2.CloneSessionEntry(session_id=1, replicas=[replica])).replicas == [
        (258, 1)]


def test_counter_meter_register_entries() -> None:
    cm = codec("extern_counter_meter")
    assert cm.counter_entry("rx_port_counter", 3) == parse(
        p4runtime_pb2.CounterEntry,
        f"counter_id: {cm.schema.counters['rx_port_counter'].preamble.id} index {{ index: 3 }}")
    assert not cm.counter_entry("rx_port_counter").HasField("index")
    with pytest.raises(EncodingError, match=r"index 512 out of range for "
                                            r"'MyIngress.rx_port_counter' \(size 512\)"):
        cm.counter_entry("rx_port_counter", 512)
    meter = cm.meter_entry("port_meter", 1, MeterConfig(100, 10, 200, 20))
    assert (meter.config.cir, meter.config.cburst, meter.config.pir, meter.config.pburst) == (
        100, 10, 200, 20)
    reg = codec("extern_register")
    entry = reg.register_entry("last_seen", 5, "00:00:00:00:01:00")
    assert entry.data.bitstring == b"\x01\x00"
    assert reg.decode_register_value(entry) == 256
    with pytest.raises(EncodingError, match="does not fit in 8 bits"):
        reg.register_entry("config", 0, 256)
    direct = codec("direct_resources")
    dc = direct.direct_counter_entry("dmac", {"hdr.ethernet.dstAddr": 1})
    assert dc.table_entry.match[0].exact.value == b"\x01"


def test_packet_io() -> None:
    c = codec("packet_io")
    out = c.packet_out(b"\xaa\xbb", {"egress_port": 3})
    assert out == parse(p4runtime_pb2.PacketOut, r"""
        payload: "\252\273" metadata { metadata_id: 1 value: "\003" }
        metadata { metadata_id: 2 value: "\000" }""")
    with pytest.raises(UnknownNameError, match="did you mean 'egress_port'"):
        c.packet_out(b"", {"egress_prt": 1})
    packet_in = p4runtime_pb2.PacketIn(payload=b"x")
    packet_in.metadata.add(metadata_id=1, value=b"\x01\x00")
    packet_in.metadata.add(metadata_id=2, value=b"\x00")
    assert c.decode_packet_in(packet_in) == PacketIn(b"x", {"ingress_port": 256, "_pad": 0})


def test_digests() -> None:
    c = codec("digest")
    entry = c.digest_entry("mac_learn_digest_t", max_list_size=4, max_timeout_ns=1000)
    assert (entry.config.max_list_size, entry.config.max_timeout_ns) == (4, 1000)
    data = p4data_pb2.P4Data()
    data.struct.members.add(bitstring=b"\x00\x00\x00\x00\x00\x07")
    data.struct.members.add(bitstring=b"\x02")
    digest = p4runtime_pb2.DigestList(digest_id=entry.digest_id, list_id=9, data=[data],
                                      timestamp=5)
    assert c.decode_digest_list(digest) == DigestList(
        "mac_learn_digest_t", 9, [{"srcAddr": 7, "ingress_port": 2}], 5)

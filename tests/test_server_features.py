"""End to end: every entity kind and stream message of p4sim's P4Runtime server, with
p4runtime-shell's client, on tests/p4/runtime/server_features.p4 (CPU port 255)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import text_encoding, text_format
from p4.v1 import p4runtime_pb2
from test_server_support import (
    ROOT,
    Rig,
    build,
    client,
    entity,
    load_p4info,
    one_line,
    read,
    read_codes,
    rig,
    set_pipeline,
    update,
    write,
)

PROGRAM = ROOT / "tests" / "p4" / "runtime" / "server_features.p4"


def esc(value: bytes) -> str:
    return '"' + text_encoding.CEscape(value, as_utf8=False) + '"'


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(PROGRAM, tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="module")
def ids(program: tuple[Path, Path]) -> dict[str, int]:
    """P4Info ids by alias (tables, actions, externs, digests, value sets)."""
    p4info = load_p4info(program[0])
    out = {}
    for section in ("tables", "actions", "action_profiles", "counters", "direct_counters",
                    "meters", "direct_meters", "registers", "digests", "value_sets"):
        for obj in getattr(p4info, section):
            out[obj.preamble.alias] = obj.preamble.id
    return out


@pytest.fixture
def server() -> Iterator[Rig]:
    with rig() as r:
        yield r


@pytest.fixture
def ctl(server: Rig, program: tuple[Path, Path]):
    with client(server.address) as c:
        set_pipeline(c, *program)
        yield c


def frame(dst: int = 0xFF, src: int = 0x0A, ethertype: int = 0x0800, payload: bytes = b"") -> bytes:
    return dst.to_bytes(6, "big") + src.to_bytes(6, "big") + ethertype.to_bytes(2, "big") + payload


def wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def stream_send(c, text: str) -> None:
    c.stream_out_q.put(text_format.Parse(text, p4runtime_pb2.StreamMessageRequest()))


# ------------------------------------------------------------------------------ packet I/O


def test_packet_out_leaves_on_the_port_its_metadata_names(ctl, server: Rig) -> None:
    payload = frame(dst=1, src=2, ethertype=0x1234, payload=b"hello")
    stream_send(ctl, f"""packet {{ payload: {esc(payload)}
        metadata {{ metadata_id: 1 value: "\\002" }}
        metadata {{ metadata_id: 2 value: "\\000" }} }}""")
    assert wait_for(lambda: server.sent)
    assert server.sent == [(2, payload)]


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ('metadata { metadata_id: 1 value: "\\002" }', 3),
        ('metadata { metadata_id: 1 value: "\\002" } metadata { metadata_id: 2 value: "\\000" } '
         'metadata { metadata_id: 7 value: "\\000" }', 3),
        ('metadata { metadata_id: 1 value: "\\002\\000" } '
         'metadata { metadata_id: 2 value: "\\000" }', 11),
    ],
)
def test_bad_packet_out_is_dropped_with_a_stream_error(ctl, server: Rig, metadata, code) -> None:
    stream_send(ctl, f'packet {{ payload: "xyz" {metadata} }}')
    msg = ctl.get_stream_packet("unknown", 3)
    assert msg.error.canonical_code == code
    assert msg.error.packet_out.packet_out.payload == b"xyz"
    assert server.sent == []


def test_backup_cannot_send_packet_outs(server: Rig, program) -> None:
    with client(server.address, election_id=(0, 9)) as primary:
        set_pipeline(primary, *program)
        with client(server.address, election_id=(0, 2)) as backup:
            stream_send(backup, 'packet { payload: "x" metadata { metadata_id: 1 value: "\\001" }'
                                ' metadata { metadata_id: 2 value: "\\000" } }')
            msg = backup.get_stream_packet("unknown", 3)
            assert msg.error.canonical_code == 7  # PERMISSION_DENIED
    assert server.sent == []


def test_cpu_bound_frames_become_packet_ins_with_metadata(ctl, server: Rig) -> None:
    punted = frame(ethertype=0x88B5, payload=b"\x01\x02")
    server.dataplane.inject(4, punted)
    msg = ctl.get_stream_packet("packet", 3)
    assert msg.packet.payload == punted
    assert [(m.metadata_id, m.value) for m in msg.packet.metadata] == [(1, b"\x04"), (2, b"\x00")]
    assert server.sent == []


def test_packet_ins_go_to_the_primary_only(server: Rig, program) -> None:
    with client(server.address, election_id=(0, 9)) as primary:
        set_pipeline(primary, *program)
        with client(server.address, election_id=(0, 2)) as backup:
            server.dataplane.inject(4, frame(ethertype=0x88B5))
            assert primary.get_stream_packet("packet", 3) is not None
            assert backup.get_stream_packet("packet", 0.3) is None


# ------------------------------------------------------------------------------ digests


def digest_config(ids, kind: str = "INSERT", config: str = "max_list_size: 1"):
    return update(kind, f"digest_entry {{ digest_id: {ids['mac_learn_t']} config {{ {config} }} }}")


def test_no_digest_without_a_digest_entry(ctl, server: Rig) -> None:
    server.dataplane.inject(3, frame(src=0x0A))
    assert ctl.get_stream_packet("digest", 0.3) is None


def test_digest_lists_are_sent_and_acknowledged(ctl, server: Rig, ids) -> None:
    config = "max_list_size: 1 ack_timeout_ns: 10000000000"
    assert write(ctl, digest_config(ids, config=config)) == ["OK"]
    server.dataplane.inject(3, frame(src=0x0A))
    msg = ctl.get_stream_packet("digest", 3).digest
    assert (msg.digest_id, msg.list_id) == (ids["mac_learn_t"], 1)
    assert one_line(msg.data[0]) == (
        'struct { members { bitstring: "\\n" } members { bitstring: "\\003" } }'
    )
    server.dataplane.inject(3, frame(src=0x0A))  # not acked yet: suppressed
    assert ctl.get_stream_packet("digest", 0.3) is None
    stream_send(ctl, f"digest_ack {{ digest_id: {ids['mac_learn_t']} list_id: 1 }}")
    again = None
    for _ in range(30):  # the ack is handled by the server's stream thread: retry until it is
        server.dataplane.inject(3, frame(src=0x0A))
        again = ctl.get_stream_packet("digest", 0.1)
        if again is not None:
            break
    assert again is not None and again.digest.list_id == 2


def test_digests_wait_for_max_timeout(ctl, server: Rig, ids) -> None:
    write(ctl, digest_config(ids, config="max_timeout_ns: 200000000 max_list_size: 100"))
    started = time.monotonic()
    server.dataplane.inject(3, frame(src=0x0A))
    server.dataplane.inject(3, frame(src=0x0B))
    msg = ctl.get_stream_packet("digest", 3).digest
    assert time.monotonic() - started >= 0.19
    assert [m.struct.members[0].bitstring for m in msg.data] == [b"\x0a", b"\x0b"]


def test_digest_entry_codes_and_read_back(ctl, ids) -> None:
    digest_id = ids["mac_learn_t"]
    assert write(ctl, digest_config(ids, "MODIFY")) == ["NOT_FOUND"]
    assert write(ctl, digest_config(ids), digest_config(ids)) == ["OK", "ALREADY_EXISTS"]
    assert write(ctl, digest_config(ids, "MODIFY", "max_list_size: 5")) == ["OK"]
    (e,) = read(ctl, entity(f"digest_entry {{ digest_id: {digest_id} }}"))
    assert one_line(e.digest_entry) == f"digest_id: {digest_id} config {{ max_list_size: 5 }}"
    assert write(ctl, digest_config(ids, "DELETE")) == ["OK"]
    assert read_codes(ctl, entity(f"digest_entry {{ digest_id: {digest_id} }}")) == ["NOT_FOUND"]
    assert write(ctl, update("INSERT", "digest_entry { digest_id: 77 }")) == ["INVALID_ARGUMENT"]


def test_digest_ack_for_an_unknown_digest_is_a_stream_error(ctl) -> None:
    stream_send(ctl, "digest_ack { digest_id: 5 list_id: 1 }")
    msg = ctl.get_stream_packet("unknown", 3)
    assert msg.error.canonical_code == 3
    assert msg.error.digest_list_ack.digest_list_ack.digest_id == 5


# ------------------------------------------------------------------------------ registers


def test_register_write_and_read(ctl, ids) -> None:
    reg = ids["reg32"]
    assert write(ctl, update("MODIFY", f"""register_entry {{ register_id: {reg} index {{ index: 3 }}
        data {{ bitstring: "\\336\\255\\276\\357" }} }}""")) == ["OK"]
    (e,) = read(ctl, entity(f"register_entry {{ register_id: {reg} index {{ index: 3 }} }}"))
    assert one_line(e.register_entry) == (
        f'register_id: {reg} index {{ index: 3 }} data {{ bitstring: "\\336\\255\\276\\357" }}'
    )
    cells = read(ctl, entity(f"register_entry {{ register_id: {reg} }}"))
    assert [c.register_entry.data.bitstring for c in cells] == [b"\x00"] * 3 + [
        b"\xde\xad\xbe\xef"
    ] + [b"\x00"] * 4
    assert len(read(ctl, entity("register_entry {}"))) == 8 + 4


def test_register_wildcard_write_sets_every_cell(ctl, ids) -> None:
    reg = ids["reg8"]
    assert write(ctl, update("MODIFY", f"""register_entry {{ register_id: {reg}
        data {{ bitstring: "\\000\\007" }} }}""")) == ["OK"]
    cells = read(ctl, entity(f"register_entry {{ register_id: {reg} }}"))
    assert [c.register_entry.data.bitstring for c in cells] == [b"\x07"] * 4


WIDE = esc(b"\x01\x00")


def test_register_errors(ctl, ids) -> None:
    reg = ids["reg8"]
    data = 'data { bitstring: "\\001" }'
    assert write(
        ctl,
        update("MODIFY", f"register_entry {{ register_id: {reg} index {{ index: 4 }} {data} }}"),
        update("MODIFY", f"register_entry {{ register_id: {reg} index {{ index: -1 }} {data} }}"),
        update("INSERT", f"register_entry {{ register_id: {reg} index {{ index: 0 }} {data} }}"),
        update("MODIFY", f"register_entry {{ register_id: {reg} data {{ bitstring: {WIDE} }} }}"),
        update("MODIFY", f"register_entry {{ register_id: {reg} index {{ index: 0 }} }}"),
        update("MODIFY", f"register_entry {{ register_id: {reg} data {{ bool: true }} }}"),
        update("MODIFY", f"register_entry {{ register_id: 99 {data} }}"),
    ) == ["OUT_OF_RANGE", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "OUT_OF_RANGE",
          "INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"]


# ------------------------------------------------------------------------------ counters, meters


def test_indexed_counters_count_packets_and_can_be_written(ctl, server: Rig, ids) -> None:
    counter = ids["port_counter"]
    server.dataplane.inject(1, frame(payload=b"x" * 10))
    server.dataplane.inject(1, frame())
    (e,) = read(ctl, entity(f"counter_entry {{ counter_id: {counter} index {{ index: 1 }} }}"))
    assert one_line(e.counter_entry.data) == "byte_count: 38 packet_count: 2"
    assert write(ctl, update("MODIFY", f"""counter_entry {{ counter_id: {counter}
        data {{ byte_count: 5 packet_count: 1 }} }}""")) == ["OK"]
    cells = read(ctl, entity(f"counter_entry {{ counter_id: {counter} }}"))
    assert {one_line(c.counter_entry.data) for c in cells} == {"byte_count: 5 packet_count: 1"}
    assert len(cells) == 16
    index16 = "index { index: 16 }"
    assert write(ctl, update("DELETE", f"counter_entry {{ counter_id: {counter} }}"),
                 update("MODIFY", f"counter_entry {{ counter_id: {counter} {index16} }}"),
                 ) == ["INVALID_ARGUMENT", "OUT_OF_RANGE"]


def test_meter_config_write_read_and_reset(ctl, ids) -> None:
    meter = ids["port_meter"]
    cfg = "config { cir: 10 cburst: 2 pir: 20 pburst: 4 }"
    cell2 = "index { index: 2 }"
    assert write(ctl, update("MODIFY", f"meter_entry {{ meter_id: {meter} {cell2} {cfg} }}")) == [
        "OK"
    ]
    cells = read(ctl, entity(f"meter_entry {{ meter_id: {meter} }}"))
    assert [one_line(c.meter_entry) for c in cells] == [
        f"meter_id: {meter} index {{ }}",
        f"meter_id: {meter} index {{ index: 1 }}",
        f"meter_id: {meter} index {{ index: 2 }} {cfg}",
        f"meter_id: {meter} index {{ index: 3 }}",
    ]
    assert write(ctl, update("MODIFY", f"meter_entry {{ meter_id: {meter} index {{ index: 2 }} }}")
                 ) == ["OK"]
    assert all(not c.meter_entry.HasField("config")
               for c in read(ctl, entity(f"meter_entry {{ meter_id: {meter} }}")))
    assert write(
        ctl,
        update("MODIFY", f"meter_entry {{ meter_id: {meter} config {{ cir: 5 pir: 1 }} }}"),
        update("MODIFY", f"meter_entry {{ meter_id: {meter} config {{ pir: 1 eburst: 3 }} }}"),
        update("MODIFY", f"meter_entry {{ meter_id: {meter} counter_data {{ }} }}"),
    ) == ["UNKNOWN", "INVALID_ARGUMENT", "UNIMPLEMENTED"]


# ------------------------------------------------------------------------------ ternary/range acl


def acl_entry(ids, kind: str = "INSERT", priority: int = 10, extra: str = "",
              dst: tuple[bytes, bytes] = (b"\x0a", b"\xff"), types: tuple[bytes, bytes] | None =
              (b"\x08\x00", b"\x08\xff"), action: str | None = None) -> p4runtime_pb2.Update:
    match = f"match {{ field_id: 1 ternary {{ value: {esc(dst[0])} mask: {esc(dst[1])} }} }}"
    if types is not None:
        match += f" match {{ field_id: 2 range {{ low: {esc(types[0])} high: {esc(types[1])} }} }}"
    if action is None:
        action = (f'action {{ action {{ action_id: {ids["acl_forward"]} '
                  'params { param_id: 1 value: "\\005" } } }')
    return update(kind, f"""table_entry {{ table_id: {ids['acl']} priority: {priority}
        {match} {action} {extra} }}""")


def test_priority_rules(ctl, ids) -> None:
    assert write(ctl, acl_entry(ids, priority=0), acl_entry(ids, priority=-3),
                 acl_entry(ids, priority=7)) == ["INVALID_ARGUMENT", "INVALID_ARGUMENT", "OK"]
    assert write(ctl, acl_entry(ids, priority=8)) == ["OK"]  # same key, other priority
    assert write(ctl, acl_entry(ids, "DELETE", priority=9)) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("dst", "types"),
    [
        ((b"\x0a", b"\x00"), (b"\x00", b"\x01")),  # zero mask: must be omitted
        ((b"\x0b", b"\x0a"), (b"\x00", b"\x01")),  # value outside the mask
        ((b"\x0a", b"\xff"), (b"\x09", b"\x01")),  # low > high
        ((b"\x0a", b"\xff"), (b"\x00", b"\xff\xff")),  # full range: must be omitted
    ],
)
def test_ternary_and_range_rules(ctl, ids, dst, types) -> None:
    assert write(ctl, acl_entry(ids, dst=dst, types=types)) == ["INVALID_ARGUMENT"]


def test_omitted_fields_are_dont_care_and_read_back_omitted(ctl, ids) -> None:
    assert write(ctl, acl_entry(ids, types=None)) == ["OK"]
    (e,) = read(ctl, entity(f"table_entry {{ table_id: {ids['acl']} }}"))
    assert [m.field_id for m in e.table_entry.match] == [1]


def test_defaultonly_action_scope(ctl, ids) -> None:
    miss = f"action {{ action {{ action_id: {ids['acl_miss']} }} }}"
    assert write(ctl, acl_entry(ids, action=miss)) == ["PERMISSION_DENIED"]
    forward = (f'action {{ action {{ action_id: {ids["acl_forward"]} '
               'params { param_id: 1 value: "\\001" } } }')
    default = f"table_entry {{ table_id: {ids['acl']} is_default_action: true {forward} }}"
    assert write(ctl, update("MODIFY", default)) == ["OK"]


def test_a_full_table_is_resource_exhausted(ctl, ids) -> None:
    codes = write(ctl, *[acl_entry(ids, priority=p) for p in range(1, 6)])
    assert codes == ["OK", "OK", "OK", "OK", "RESOURCE_EXHAUSTED"]


def test_direct_counter_and_meter_through_table_entries(ctl, server: Rig, ids) -> None:
    cfg = "meter_config { cir: 100 cburst: 1000 pir: 200 pburst: 2000 }"
    assert write(ctl, acl_entry(ids, extra=f"counter_data {{ packet_count: 7 }} {cfg}")) == ["OK"]
    server.dataplane.inject(1, frame(dst=0x0A))
    assert [p for p, _ in server.sent] == [5]
    request = f"table_entry {{ table_id: {ids['acl']} counter_data {{ }} meter_config {{ }} }}"
    (e,) = read(ctl, entity(request))
    assert one_line(e.table_entry.counter_data) == "byte_count: 14 packet_count: 8"
    assert one_line(e.table_entry.meter_config) == "cir: 100 cburst: 1000 pir: 200 pburst: 2000"
    (plain,) = read(ctl, entity(f"table_entry {{ table_id: {ids['acl']} }}"))
    assert not plain.table_entry.HasField("counter_data")
    # MODIFY without meter_config resets the meter; the counter is kept
    action = (f'action {{ action {{ action_id: {ids["acl_forward"]} '
              'params { param_id: 1 value: "\\006" } } }')
    assert write(ctl, acl_entry(ids, "MODIFY", action=action)) == ["OK"]
    (e,) = read(ctl, entity(request))
    assert not e.table_entry.HasField("meter_config")
    assert e.table_entry.counter_data.packet_count == 8


def test_direct_counter_and_meter_entries(ctl, ids) -> None:
    write(ctl, acl_entry(ids))
    key = (f"table_entry {{ table_id: {ids['acl']} priority: 10 match {{ field_id: 1 ternary {{ "
           'value: "\\n" mask: "\\377" } } match { field_id: 2 range { low: "\\010\\000" '
           'high: "\\010\\377" } } }')
    assert write(
        ctl,
        update("MODIFY", f"direct_counter_entry {{ {key} data {{ byte_count: 9 }} }}"),
        update("MODIFY", f"direct_meter_entry {{ {key} config {{ cir: 1 pir: 2 }} }}"),
        update("INSERT", f"direct_counter_entry {{ {key} }}"),
    ) == ["OK", "OK", "INVALID_ARGUMENT"]
    (c,) = read(ctl, entity(f"direct_counter_entry {{ {key} }}"))
    assert one_line(c.direct_counter_entry.data) == "byte_count: 9"
    (m,) = read(ctl, entity(f"direct_meter_entry {{ table_entry {{ table_id: {ids['acl']} }} }}"))
    assert one_line(m.direct_meter_entry.config) == "cir: 1 pir: 2"
    missing = key.replace("priority: 10", "priority: 11")
    assert read_codes(ctl, entity(f"direct_counter_entry {{ {missing} }}")) == ["NOT_FOUND"]
    assert write(ctl, update("MODIFY", f"direct_counter_entry {{ {missing} }}")) == ["NOT_FOUND"]


def test_direct_resources_on_a_table_without_them(ctl, ids) -> None:
    smac = ids["smac"]
    entry = (f'table_entry {{ table_id: {smac} match {{ field_id: 1 exact {{ value: "\\001" }} }} '
             f'action {{ action {{ action_id: {ids["NoAction"]} }} }} counter_data {{ }} }}')
    assert write(ctl, update("INSERT", entry)) == ["INVALID_ARGUMENT"]


# ------------------------------------------------------------------------------ const table


def test_const_table_refuses_changes_and_reads_its_entries(ctl, ids) -> None:
    consts = ids["consts"]
    key = 'match { field_id: 1 exact { value: "\\010\\006" } }'
    action = f'action {{ action {{ action_id: {ids["drop"]} }} }}'
    assert write(
        ctl,
        update("INSERT", f'table_entry {{ table_id: {consts} match {{ field_id: 1 exact {{ '
                         f'value: "\\001" }} }} {action} }}'),
        update("DELETE", f"table_entry {{ table_id: {consts} {key} }}"),
        update("MODIFY", f"table_entry {{ table_id: {consts} {key} {action} }}"),
        update("MODIFY", f"table_entry {{ table_id: {consts} is_default_action: true {action} }}"),
    ) == ["PERMISSION_DENIED"] * 4
    entries = read(ctl, entity(f"table_entry {{ table_id: {consts} }}"))
    assert [one_line(e.table_entry) for e in entries] == [
        f'table_id: {consts} match {{ field_id: 1 exact {{ value: "\\010\\006" }} }} action {{ '
        f'action {{ action_id: {ids["forward"]} params {{ param_id: 1 value: "\\003" }} }} }} '
        "is_const: true",
        f'table_id: {consts} match {{ field_id: 1 exact {{ value: "\\206\\335" }} }} action {{ '
        f'action {{ action_id: {ids["drop"]} }} }} is_const: true',
    ]


# ------------------------------------------------------------------------------ action selector


def member(ids, member_id: int, port: int, kind: str = "INSERT") -> p4runtime_pb2.Update:
    return update(kind, f"""action_profile_member {{ action_profile_id: {ids['ecmp_selector']}
        member_id: {member_id} action {{ action_id: {ids['forward']}
        params {{ param_id: 1 value: {esc(bytes([port]))} }} }} }}""")


def group(ids, group_id: int, members: str, kind: str = "INSERT") -> p4runtime_pb2.Update:
    return update(kind, f"""action_profile_group {{ action_profile_id: {ids['ecmp_selector']}
        group_id: {group_id} {members} }}""")


def ecmp_entry(ids, dst: int, action: str, kind: str = "INSERT") -> p4runtime_pb2.Update:
    return update(kind, f"""table_entry {{ table_id: {ids['ecmp']}
        match {{ field_id: 1 exact {{ value: {esc(bytes([dst]))} }} }} action {{ {action} }} }}""")


def test_members_groups_and_indirect_entries(ctl, server: Rig, ids) -> None:
    assert write(ctl, member(ids, 1, 6), member(ids, 2, 7)) == ["OK", "OK"]
    assert write(ctl, group(ids, 10, "members { member_id: 1 weight: 1 } "
                                     "members { member_id: 2 weight: 2 watch: 7 }")) == ["OK"]
    assert write(ctl, ecmp_entry(ids, 0x21, "action_profile_group_id: 10"),
                 ecmp_entry(ids, 0x22, "action_profile_member_id: 2")) == ["OK", "OK"]
    (g,) = read(ctl, entity("action_profile_group { }"))
    assert one_line(g.action_profile_group) == (
        f"action_profile_id: {ids['ecmp_selector']} group_id: 10 members {{ member_id: 1 "
        "weight: 1 } members { member_id: 2 weight: 2 watch: 7 }"
    )
    members = read(ctl, entity(f"action_profile_member {{ action_profile_id: "
                               f"{ids['ecmp_selector']} }}"))
    assert [m.action_profile_member.member_id for m in members] == [1, 2]
    server.dataplane.inject(1, frame(dst=0x22))
    assert [p for p, _ in server.sent] == [7]
    assert write(
        ctl,
        member(ids, 2, 0, "DELETE"),  # used by a group and an entry
        group(ids, 10, "", "DELETE"),  # used by an entry
        member(ids, 1, 0, "INSERT"),  # duplicate
        member(ids, 3, 0, "MODIFY"),  # unknown
        ecmp_entry(ids, 0x23, "action_profile_member_id: 9"),
        ecmp_entry(ids, 0x24, "action_profile_group_id: 99"),
        ecmp_entry(ids, 0x25, f"action {{ action_id: {ids['drop']} }}"),
        group(ids, 11, "members { member_id: 1 weight: 0 }"),
        group(ids, 12, "members { member_id: 8 weight: 1 }"),
        update("INSERT", f"""action_profile_member {{ action_profile_id: {ids['ecmp_selector']}
               member_id: 4 action {{ action_id: {ids['NoAction']} }} }}"""),
        update("INSERT", f"action_profile_member {{ action_profile_id: {ids['ecmp_selector']}"
                         " member_id: 0 }"),
    ) == ["FAILED_PRECONDITION", "FAILED_PRECONDITION", "ALREADY_EXISTS", "NOT_FOUND",
          "NOT_FOUND", "NOT_FOUND", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "NOT_FOUND",
          "PERMISSION_DENIED", "INVALID_ARGUMENT"]
    assert write(ctl, ecmp_entry(ids, 0x21, "", "DELETE"), group(ids, 10, "", "DELETE"),
                 member(ids, 1, 0, "DELETE")) == ["OK", "OK", "OK"]


# ------------------------------------------------------------------------------ PRE


def test_multicast_groups_read_back_as_written(ctl, server: Rig) -> None:
    legacy = ("multicast_group_entry { multicast_group_id: 1 replicas { egress_port: 2 "
              "instance: 1 } replicas { egress_port: 3 instance: 1 } }")
    modern = ('multicast_group_entry { multicast_group_id: 2 replicas { port: "\\004" } '
              'metadata: "abc" }')
    pre = "packet_replication_engine_entry {{ {} }}"
    assert write(ctl, update("INSERT", pre.format(legacy)), update("INSERT", pre.format(modern))
                 ) == ["OK", "OK"]
    entries = read(ctl, entity("packet_replication_engine_entry { multicast_group_entry { } }"))
    assert [one_line(e.packet_replication_engine_entry) for e in entries] == [legacy, modern]
    assert write(
        ctl,
        update("INSERT", f"packet_replication_engine_entry {{ {legacy} }}"),
        update("INSERT", "packet_replication_engine_entry { multicast_group_entry { "
                         "multicast_group_id: 0 } }"),
        update("INSERT", "packet_replication_engine_entry { multicast_group_entry { "
                         "multicast_group_id: 5 replicas { egress_port: 512 } } }"),
        update("DELETE", "packet_replication_engine_entry { multicast_group_entry { "
                         "multicast_group_id: 9 } }"),
        update("INSERT", "packet_replication_engine_entry { }"),
    ) == ["ALREADY_EXISTS", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "NOT_FOUND",
          "INVALID_ARGUMENT"]
    assert read_codes(ctl, entity("packet_replication_engine_entry { multicast_group_entry { "
                                  "multicast_group_id: 9 } }")) == ["NOT_FOUND"]


def test_clone_sessions(ctl) -> None:
    session = ("clone_session_entry { session_id: 5 replicas { egress_port: 3 instance: 1 } }")
    assert write(
        ctl,
        update("INSERT", f"packet_replication_engine_entry {{ {session} }}"),
        update("INSERT", "packet_replication_engine_entry { clone_session_entry { } }"),
        update("INSERT", "packet_replication_engine_entry { clone_session_entry { "
                         "session_id: 600 } }"),
    ) == ["OK", "INVALID_ARGUMENT", "OUT_OF_RANGE"]
    (e,) = read(ctl, entity("packet_replication_engine_entry { clone_session_entry { } }"))
    assert one_line(e.packet_replication_engine_entry) == session


# ------------------------------------------------------------------------------ value sets


def test_value_set_members(ctl, server: Rig, ids) -> None:
    vs = ids["special_types"]
    members = 'members { match { field_id: 1 exact { value: "\\010\\006" } } }'
    assert write(ctl, update("MODIFY", f"value_set_entry {{ value_set_id: {vs} {members} }}")
                 ) == ["OK"]
    (e,) = read(ctl, entity("value_set_entry { }"))
    assert one_line(e.value_set_entry) == f"value_set_id: {vs} {members}"
    server.dataplane.inject(1, frame(ethertype=0x0806))
    assert [p for p, _ in server.sent] == [3]  # consts: 0x0806 -> forward(3)
    five = " ".join(f'members {{ match {{ field_id: 1 exact {{ value: "\\00{i}" }} }} }}'
                    for i in range(5))
    assert write(
        ctl,
        update("INSERT", f"value_set_entry {{ value_set_id: {vs} }}"),
        update("MODIFY", f"value_set_entry {{ value_set_id: {vs} {members} {members} }}"),
        update("MODIFY", f"value_set_entry {{ value_set_id: {vs} {five} }}"),
    ) == ["INVALID_ARGUMENT", "ALREADY_EXISTS", "RESOURCE_EXHAUSTED"]


# ------------------------------------------------------------------------------ reconcile


def test_reconcile_and_commit_carries_all_state_over(ctl, server: Rig, program, ids) -> None:
    write(ctl, member(ids, 1, 6), member(ids, 2, 7))
    write(ctl, group(ids, 10, "members { member_id: 1 weight: 1 } members { member_id: 2 }"),
          acl_entry(ids, extra="counter_data { packet_count: 3 }"),
          digest_config(ids),
          update("INSERT", "packet_replication_engine_entry { multicast_group_entry { "
                           "multicast_group_id: 1 replicas { egress_port: 2 } } }"),
          update("MODIFY", f"""register_entry {{ register_id: {ids['reg32']} index {{ index: 2 }}
                 data {{ bitstring: "\\007" }} }}"""),
          update("MODIFY", f"""counter_entry {{ counter_id: {ids['port_counter']}
                 index {{ index: 3 }} data {{ packet_count: 4 }} }}"""))
    write(ctl, ecmp_entry(ids, 0x21, "action_profile_group_id: 10"))
    everything = [entity(t) for t in (
        "action_profile_member {}", "action_profile_group {}",
        "table_entry { counter_data { } }", "digest_entry {}",
        "packet_replication_engine_entry { multicast_group_entry { } }",
        "register_entry {}", "counter_entry {}", "meter_entry {}", "value_set_entry {}",
    )]
    before = [one_line(e) for e in read(ctl, *everything)]
    set_pipeline(ctl, *program, action="RECONCILE_AND_COMMIT")
    assert [one_line(e) for e in read(ctl, *everything)] == before


def test_reconcile_fails_cleanly_when_state_does_not_fit(ctl, ids, tmp_path) -> None:
    basic = build(ROOT / "p4src" / "basic.p4", tmp_path)
    write(ctl, member(ids, 1, 6))
    with pytest.raises(grpc.RpcError) as exc:
        set_pipeline(ctl, *basic, action="RECONCILE_AND_COMMIT")
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(read(ctl, entity("action_profile_member {}"))) == 1  # old pipeline still live


def test_oneshot_action_sets(ctl, server: Rig, ids) -> None:
    fwd = ids["forward"]
    action_set = (
        f'action_profile_action_set {{ action_profile_actions {{ action {{ action_id: {fwd} '
        'params { param_id: 1 value: "\\006" } } weight: 1 } action_profile_actions { action { '
        f'action_id: {fwd} params {{ param_id: 1 value: "\\007" }} }} weight: 2 '
        'watch_port: "\\007" } }'
    )
    assert write(ctl, ecmp_entry(ids, 0x21, action_set)) == ["OK"]
    (e,) = read(ctl, entity(f"table_entry {{ table_id: {ids['ecmp']} }}"))
    assert one_line(e.table_entry.action) == action_set
    profile = server.switch.action_profiles["MyIngress.ecmp_selector"]
    assert len(profile.members()) == 2 and len(profile.groups()) == 1  # made by the server...
    assert read(ctl, entity("action_profile_member {}"), entity("action_profile_group {}")) == []
    assert write(ctl, member(ids, 1, 6),  # ...which rules out members and groups
                 ecmp_entry(ids, 0x21, action_set),  # duplicate key: its group is undone
                 ecmp_entry(ids, 0x22, "action_profile_group_id: 1")) == [
        "INVALID_ARGUMENT", "ALREADY_EXISTS", "INVALID_ARGUMENT"]
    assert len(profile.groups()) == 1
    server.switch.set_port_status(7, True)  # the watch port of the weight-2 action
    server.dataplane.inject(1, frame(dst=0x21))
    assert len(server.sent) == 1 and server.sent[0][0] in (6, 7)
    single = (f'action_profile_action_set {{ action_profile_actions {{ action {{ action_id: {fwd} '
              'params { param_id: 1 value: "\\005" } } weight: 1 } }')
    assert write(ctl, ecmp_entry(ids, 0x21, single, "MODIFY")) == ["OK"]
    assert len(profile.members()) == 1
    assert write(ctl, ecmp_entry(ids, 0x21, "", "DELETE")) == ["OK"]
    assert profile.members() == {} and profile.groups() == {}
    assert write(ctl, member(ids, 1, 6)) == ["OK"]
    assert write(ctl, ecmp_entry(ids, 0x23, single)) == ["INVALID_ARGUMENT"]


def test_concurrent_packets_writes_reads_and_streams_do_not_deadlock(ctl, server: Rig, ids):
    write(ctl, digest_config(ids, config="max_list_size: 1"))
    stop = threading.Event()
    failures: list[BaseException] = []

    def packets() -> None:
        try:
            n = 0
            while not stop.is_set():
                n += 1
                server.dataplane.inject(1, frame(src=n))  # digests
                server.dataplane.inject(2, frame(ethertype=0x88B5))  # packet-ins
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    workers = [threading.Thread(target=packets) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        for i in range(1, 20):
            assert write(ctl, member(ids, i, i % 8)) == ["OK"]
            assert len(read(ctl, entity("action_profile_member {}"))) == i
    finally:
        stop.set()
        for w in workers:
            w.join(10)
    assert not failures and not any(w.is_alive() for w in workers)
    assert ctl.get_stream_packet("digest", 3) is not None
    assert ctl.get_stream_packet("packet", 3) is not None

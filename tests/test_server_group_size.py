"""Selector group size limits over P4Runtime: the P4Info `max_group_size` (from
`@max_group_size`) bounds a group's `max_size`, and `max_size` bounds the sum of its member
weights; a refused group write leaves the groups and the table entries as they were."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from p4.v1 import p4runtime_pb2
from test_server_support import (
    build,
    client,
    entity,
    load_p4info,
    one_line,
    read,
    rig,
    set_pipeline,
    status_details,
    update,
)

# The selector's size (2) is below the number of members the tests insert: BMv2 does not limit
# the members of an action profile, so neither does p4sim.
PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header k_t { bit<8> a; bit<8> b; }
struct headers_t { k_t k; }
struct meta_t { }
parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start { pkt.extract(h.k); transition accept; }
}
control VC(inout headers_t h, inout meta_t m) { apply { } }
control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    @max_group_size(4) action_selector(HashAlgorithm.crc16, 32w2, 32w14) sel;
    action set_b(bit<8> v) { h.k.b = v; }
    table t {
        key = { h.k.a: exact; h.k.b: selector; }
        actions = { set_b; NoAction; }
        implementation = sel;
    }
    apply { t.apply(); }
}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t h) { apply { pkt.emit(h.k); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("group_size")
    source = out / "group_size.p4"
    source.write_text(PROGRAM)
    return build(source, out)


@pytest.fixture(scope="module")
def ids(program: tuple[Path, Path]) -> dict[str, int]:
    p4info = load_p4info(program[0])
    (profile,) = p4info.action_profiles
    assert (profile.preamble.name, profile.size, profile.max_group_size) == ("I.sel", 2, 4)
    return {
        "sel": profile.preamble.id,
        "t": p4info.tables[0].preamble.id,
        "set_b": next(a.preamble.id for a in p4info.actions if a.preamble.name == "I.set_b"),
    }


@pytest.fixture
def ctl(program: tuple[Path, Path]) -> Iterator[object]:
    with rig() as server, client(server.address) as c:
        set_pipeline(c, *program)
        yield c


def outcome(c, *updates: p4runtime_pb2.Update) -> list[tuple[str, str]]:
    """(code, message) of every update of one Write batch ("OK", "" each on success)."""
    request = p4runtime_pb2.WriteRequest(device_id=c.device_id, updates=updates)
    request.election_id.high, request.election_id.low = c.election_id
    try:
        c.stub.Write(request)
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.UNKNOWN, err
        return status_details(err)
    return [("OK", "")] * len(updates)


def member(ids: dict[str, int], member_id: int) -> p4runtime_pb2.Update:
    return update("INSERT", f"""action_profile_member {{ action_profile_id: {ids['sel']}
        member_id: {member_id} action {{ action_id: {ids['set_b']}
        params {{ param_id: 1 value: "\\{member_id:03o}" }} }} }}""")


def group(ids: dict[str, int], kind: str, weights: dict[int, int], max_size: int
          ) -> p4runtime_pb2.Update:
    members = " ".join(f"members {{ member_id: {m} weight: {w} }}" for m, w in weights.items())
    return update(kind, f"""action_profile_group {{ action_profile_id: {ids['sel']}
        group_id: 1 {members} max_size: {max_size} }}""")


def groups(c) -> list[str]:
    return [one_line(e.action_profile_group) for e in read(c, entity("action_profile_group {}"))]


def test_more_members_than_the_profile_size_are_accepted(ctl, ids) -> None:
    assert outcome(ctl, member(ids, 1), member(ids, 2), member(ids, 3)) == [("OK", "")] * 3
    assert len(read(ctl, entity("action_profile_member {}"))) == 3


@pytest.mark.parametrize(
    ("weights", "max_size", "expected"),
    [
        ({1: 1}, 0, ("INVALID_ARGUMENT", "max_size must be in 1..4 for I.sel")),
        ({1: 1}, 5, ("INVALID_ARGUMENT", "max_size must be in 1..4 for I.sel")),
        ({1: 3, 2: 2}, 4,
         ("RESOURCE_EXHAUSTED", "sum of member weights 5 exceeds the maximum group size 4")),
        ({1: 1, 2: 1, 3: 1}, 2,
         ("RESOURCE_EXHAUSTED", "sum of member weights 3 exceeds the maximum group size 2")),
    ],
)
def test_group_insert_above_the_limits_is_refused_and_creates_nothing(
    ctl, ids, weights: dict[int, int], max_size: int, expected: tuple[str, str]
) -> None:
    assert outcome(ctl, member(ids, 1), member(ids, 2), member(ids, 3)) == [("OK", "")] * 3
    assert outcome(ctl, group(ids, "INSERT", weights, max_size)) == [expected]
    assert groups(ctl) == []


def test_group_modify_above_max_size_is_refused_and_changes_nothing(ctl, ids) -> None:
    assert outcome(ctl, member(ids, 1), member(ids, 2), member(ids, 3)) == [("OK", "")] * 3
    assert outcome(ctl, group(ids, "INSERT", {1: 1, 2: 3}, 4)) == [("OK", "")]
    entry = update("INSERT", f"""table_entry {{ table_id: {ids['t']}
        match {{ field_id: 1 exact {{ value: "\\001" }} }}
        action {{ action_profile_group_id: 1 }} }}""")
    assert outcome(ctl, entry) == [("OK", "")]
    before = groups(ctl)
    assert before == [
        f"action_profile_id: {ids['sel']} group_id: 1 members {{ member_id: 1 weight: 1 }} "
        "members { member_id: 2 weight: 3 } max_size: 4"
    ]
    entries = [one_line(e) for e in read(ctl, entity(f"table_entry {{ table_id: {ids['t']} }}"))]
    assert outcome(ctl, group(ids, "MODIFY", {1: 1, 2: 3, 3: 1}, 4)) == [
        ("RESOURCE_EXHAUSTED", "sum of member weights 5 exceeds the maximum group size 4")
    ]
    assert outcome(ctl, group(ids, "MODIFY", {1: 1}, 3)) == [
        ("INVALID_ARGUMENT", "max_size cannot change after creation")
    ]
    assert groups(ctl) == before
    assert [one_line(e) for e in read(ctl, entity(f"table_entry {{ table_id: {ids['t']} }}"))
            ] == entries
    assert outcome(ctl, group(ids, "MODIFY", {2: 2, 3: 2}, 4)) == [("OK", "")]

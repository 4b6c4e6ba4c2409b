"""Malformed requests never break the server: mutated Write updates and Read entities either
work or fail with a RuntimeApiError (never another exception), and a failed update leaves the
switch state exactly as it was (no half-applied update)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from p4.v1 import p4runtime_pb2
from test_server_support import ROOT, build, load_p4info

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.switch import Switch
from p4sim.server import entities
from p4sim.server.digests import DigestEngine
from p4sim.server.reconcile import state_updates
from p4sim.server.schema import Schema
from p4sim.server.target import Target

SEEDS = [
    # one valid update of each kind, in text format, for server_features.p4 (ids by alias)
    'table_entry {{ table_id: {acl} priority: 3 match {{ field_id: 1 ternary {{ value: "\\n" '
    'mask: "\\377" }} }} match {{ field_id: 2 range {{ low: "\\001" high: "\\002" }} }} '
    'action {{ action {{ action_id: {acl_forward} params {{ param_id: 1 value: "\\005" }} }} }} '
    'counter_data {{ packet_count: 1 }} meter_config {{ cir: 1 pir: 2 }} }}',
    'table_entry {{ table_id: {smac} match {{ field_id: 1 exact {{ value: "\\001\\002" }} }} '
    'action {{ action {{ action_id: {NoAction} }} }} }}',
    'table_entry {{ table_id: {acl} is_default_action: true action {{ action {{ '
    'action_id: {acl_forward} params {{ param_id: 1 value: "\\001" }} }} }} }}',
    'action_profile_member {{ action_profile_id: {ecmp_selector} member_id: 1 action {{ '
    'action_id: {forward} params {{ param_id: 1 value: "\\002" }} }} }}',
    'action_profile_group {{ action_profile_id: {ecmp_selector} group_id: 2 members {{ '
    'member_id: 1 weight: 2 watch_port: "\\003" }} }}',
    'table_entry {{ table_id: {ecmp} match {{ field_id: 1 exact {{ value: "\\007" }} }} '
    'action {{ action_profile_group_id: 2 }} }}',
    'counter_entry {{ counter_id: {port_counter} index {{ index: 3 }} '
    'data {{ packet_count: 4 }} }}',
    'meter_entry {{ meter_id: {port_meter} index {{ index: 1 }} config {{ cir: 1 pir: 2 }} }}',
    'register_entry {{ register_id: {reg32} index {{ index: 2 }} data {{ bitstring: "\\001" }} }}',
    'packet_replication_engine_entry {{ multicast_group_entry {{ multicast_group_id: 3 '
    'replicas {{ egress_port: 1 instance: 2 }} }} }}',
    'packet_replication_engine_entry {{ clone_session_entry {{ session_id: 4 '
    'replicas {{ port: "\\002" }} }} }}',
    'value_set_entry {{ value_set_id: {special_types} members {{ match {{ field_id: 1 '
    'exact {{ value: "\\010\\006" }} }} }} }}',
    'digest_entry {{ digest_id: {mac_learn_t} config {{ max_list_size: 1 }} }}',
]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(ROOT / "tests" / "p4" / "runtime" / "server_features.p4",
                 tmp_path_factory.mktemp("fuzz"))


def _target(program: tuple[Path, Path]) -> Target:
    schema = Schema(load_p4info(program[0]))
    switch = Switch(cpu_port=255)
    switch.load_pipeline(program[1].read_bytes())
    return Target(schema, switch, DigestEngine(schema, lambda _: True))


def _seeds(schema: Schema) -> list[p4runtime_pb2.Entity]:
    ids = {}
    for section in ("tables", "actions", "action_profiles", "counters", "meters", "registers",
                    "digests", "value_sets"):
        for obj in getattr(schema.p4info, section):
            ids[obj.preamble.alias] = obj.preamble.id
    return [text_format.Parse(s.format(**ids), p4runtime_pb2.Entity()) for s in SEEDS]


def _snapshot(t: Target) -> list[str]:
    return sorted(str(u) for u in state_updates(t))


def _mutate(rng: random.Random, msg: Message, ids: list[int]) -> None:
    """Change one field somewhere in `msg`: clear it, duplicate or drop a repeated element, or
    give a scalar an edge value (0, -1, huge, another object's id, bytes of odd lengths)."""
    fields = msg.ListFields()
    if not fields:
        return
    descriptor, value = rng.choice(fields)
    name = descriptor.name
    repeated = descriptor.label == FieldDescriptor.LABEL_REPEATED
    choice = rng.random()
    if choice < 0.15:
        msg.ClearField(name)
        return
    if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
        if repeated:
            if choice < 0.35:
                value.add().CopyFrom(rng.choice(value))
                return
            if choice < 0.5:
                del value[rng.randrange(len(value))]
                return
            value = rng.choice(value)
        _mutate(rng, value, ids)
        return
    if repeated:
        msg.ClearField(name)
        return
    if descriptor.type == FieldDescriptor.TYPE_BYTES:
        setattr(msg, name, rng.choice([b"", b"\x00" * rng.randint(1, 9), value + b"\x00",
                                       b"\xff" * rng.randint(1, 9), b"\x00" + value]))
    elif descriptor.type == FieldDescriptor.TYPE_BOOL:
        setattr(msg, name, not value)
    elif descriptor.type == FieldDescriptor.TYPE_ENUM:
        setattr(msg, name, rng.randint(0, 6))
    else:
        unsigned = descriptor.type in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64)
        edges = [0, 1, 2, 7, 255, 1 << 31, rng.choice(ids)]
        if not unsigned:
            edges += [-1, -(1 << 31)]
        candidate = rng.choice(edges)
        limit = 32 if descriptor.type in (FieldDescriptor.TYPE_UINT32,
                                           FieldDescriptor.TYPE_INT32) else 64
        if unsigned and candidate >> limit:
            candidate = 3
        if not unsigned and not -(1 << (limit - 1)) <= candidate < 1 << (limit - 1):
            candidate = 3
        setattr(msg, name, candidate)


def _apply_seeds(t: Target) -> list[p4runtime_pb2.Entity]:
    seeds = _seeds(t.schema)
    for seed in seeds:
        modify = seed.table_entry.is_default_action or seed.WhichOneof("entity") in (
            "counter_entry", "meter_entry", "register_entry", "value_set_entry"
        )
        kind = p4runtime_pb2.Update.MODIFY if modify else p4runtime_pb2.Update.INSERT
        entities.write(t, p4runtime_pb2.Update(type=kind, entity=seed))
    return seeds


def test_seeds_are_valid_updates(program) -> None:
    t = _target(program)
    _apply_seeds(t)
    assert len(_snapshot(t)) == len(SEEDS)


@pytest.mark.parametrize("seed", range(3))
def test_mutated_updates_fail_cleanly_or_apply(program, seed: int) -> None:
    rng = random.Random(seed)
    t = _target(program)
    seeds = _apply_seeds(t)
    ids = list(t.schema.tables) + list(t.schema.actions) + list(t.schema.registers)
    outcomes = {"applied": 0, "refused": 0}
    for _ in range(300):
        mutated = p4runtime_pb2.Entity()
        mutated.CopyFrom(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            _mutate(rng, mutated, ids)
        update = p4runtime_pb2.Update(type=rng.randint(0, 4), entity=mutated)
        before = _snapshot(t)
        try:
            entities.write(t, update)
        except RuntimeApiError:
            outcomes["refused"] += 1
            assert _snapshot(t) == before, update
        else:
            outcomes["applied"] += 1
        try:
            entities.read(t, mutated)
        except RuntimeApiError:
            pass
    assert outcomes["refused"] > 80 and outcomes["applied"] > 3, outcomes

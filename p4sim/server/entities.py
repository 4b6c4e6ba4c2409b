"""One `Update` or one read request applied to a target, whatever the entity kind.

The Write and Read RPCs loop over their batch and call `write` / `read` per element; each
raises RuntimeApiError for that element only. Extern entries of non-PSA architectures do not
exist in v1model's P4Info, so they are UNIMPLEMENTED.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import extern_entries, pre_entries, profile_entries, table_entries
from p4sim.server.target import Target
from p4sim.server.value_set_entries import read_value_sets, write_value_set

Entity = p4runtime_pb2.Entity
UPDATE_TYPES = (p4runtime_pb2.Update.INSERT, p4runtime_pb2.Update.MODIFY,
                p4runtime_pb2.Update.DELETE)


def _write_digest(t: Target, update_type: int, msg: p4runtime_pb2.DigestEntry) -> None:
    t.digests.write(update_type, msg)


def _read_tables(t: Target, msg: p4runtime_pb2.TableEntry) -> list[Entity]:
    return [Entity(table_entry=e) for e in table_entries.read_table_entries(t, msg)]


def _read_digests(t: Target, msg: p4runtime_pb2.DigestEntry) -> list[Entity]:
    return [Entity(digest_entry=e) for e in t.digests.read(msg)]


_WRITERS: dict[str, Callable[[Target, int, Any], None]] = {
    "table_entry": table_entries.write_table_entry,
    "action_profile_member": profile_entries.write_member,
    "action_profile_group": profile_entries.write_group,
    "meter_entry": extern_entries.write_meter,
    "direct_meter_entry": extern_entries.write_direct_meter,
    "counter_entry": extern_entries.write_counter,
    "direct_counter_entry": extern_entries.write_direct_counter,
    "packet_replication_engine_entry": pre_entries.write_pre,
    "value_set_entry": write_value_set,
    "register_entry": extern_entries.write_register,
    "digest_entry": _write_digest,
}

_READERS: dict[str, Callable[[Target, Any], list[Entity]]] = {
    "table_entry": _read_tables,
    "action_profile_member": profile_entries.read_members,
    "action_profile_group": profile_entries.read_groups,
    "meter_entry": extern_entries.read_meters,
    "direct_meter_entry": extern_entries.read_direct_meters,
    "counter_entry": extern_entries.read_counters,
    "direct_counter_entry": extern_entries.read_direct_counters,
    "packet_replication_engine_entry": pre_entries.read_pre,
    "value_set_entry": read_value_sets,
    "register_entry": extern_entries.read_registers,
    "digest_entry": _read_digests,
}


def _kind(entity: Entity) -> str:
    kind = entity.WhichOneof("entity")
    if kind is None:
        raise RuntimeApiError("INVALID_ARGUMENT", "the entity is empty")
    if kind not in _WRITERS:
        raise RuntimeApiError("UNIMPLEMENTED", f"{kind} is not supported for v1model")
    return kind


def write(t: Target, update: p4runtime_pb2.Update) -> None:
    """Apply one update of a Write batch."""
    if update.type not in UPDATE_TYPES:
        raise RuntimeApiError("INVALID_ARGUMENT", "update type must be INSERT, MODIFY or DELETE")
    kind = _kind(update.entity)
    _WRITERS[kind](t, update.type, getattr(update.entity, kind))


def read(t: Target, entity: Entity) -> list[Entity]:
    """The entities one element of a Read batch selects."""
    kind = _kind(entity)
    return _READERS[kind](t, getattr(entity, kind))

"""TableEntry writes and reads (P4Runtime 1.4 "TableEntry" and its subsections).

A write is checked completely before the table is touched, and then changes the table with one
call (plus, for MODIFY, the direct resources of the same entry), so an update is never half
applied. The spec's codes are used where it states one; what only the target can tell (table
full, program entries BMv2 cannot change) comes from the runtime table with BMv2's code.
In tables that support idle timeout, INSERT and MODIFY (re)start the entry's timer and a Read
that sets `time_since_last_hit` reports it (`idle_timeout` has what BMv2 and PI do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterData, Meter
from p4sim.runtime.tables import TableEntry
from p4sim.server import oneshot
from p4sim.server.actions import decode_action, encode_action
from p4sim.server.idle_timeout import elapsed_ns
from p4sim.server.match import Key, decode_match, decode_priority, encode_match
from p4sim.server.resources import (
    counter_data_in,
    counter_data_out,
    meter_config_in,
    meter_config_out,
)
from p4sim.server.schema import TableInfo
from p4sim.server.target import Target

INSERT, MODIFY, DELETE = (
    p4runtime_pb2.Update.INSERT,
    p4runtime_pb2.Update.MODIFY,
    p4runtime_pb2.Update.DELETE,
)


def _invalid(message: str) -> RuntimeApiError:
    return RuntimeApiError("INVALID_ARGUMENT", message)


def _denied(message: str) -> RuntimeApiError:
    return RuntimeApiError("PERMISSION_DENIED", message)


# ------------------------------------------------------------------------------ writes


def write_table_entry(t: Target, update_type: int, msg: p4runtime_pb2.TableEntry) -> None:
    info = t.schema.table(msg.table_id)
    table = t.table(info)
    if msg.is_const:
        raise _invalid("is_const must be false in a write")
    if msg.is_default_action:
        _write_default(t, info, table, update_type, msg)
        return
    if update_type == INSERT and not info.fields:
        raise _invalid(f"table {info.name} has no key: only its default entry can be written")
    if info.is_const and (update_type != MODIFY or msg.HasField("action")):
        raise _denied(f"table {info.name} is const: only direct resources can be modified")
    key = decode_match(info, msg.match)
    priority = decode_priority(info, msg.priority)
    if update_type == DELETE:  # only the key counts, other fields are ignored (spec)
        stored = table.get(key, priority)
        if stored is not None and stored.is_const:
            raise _denied(f"the entry of table {info.name} is const and cannot be deleted")
        table.delete(key, priority)
        _drop_oneshot(t, info, stored)
        return
    _check_entry_fields(info, msg)
    counter = counter_data_in(msg.counter_data) if msg.HasField("counter_data") else None
    meter = _meter_in(t, info, msg)
    if update_type == INSERT:
        if not msg.HasField("action"):
            raise _invalid(f"an INSERT into table {info.name} needs an action")
        if len(table) >= table.size and table.get(key, priority) is None:
            # the spec's code; BMv2 reports a full table as UNKNOWN
            raise RuntimeApiError("RESOURCE_EXHAUSTED", f"table {info.name} is full")
        fields, undo = _action_fields(t, info, msg)
        entry = TableEntry(key, priority, **fields, **_metadata(msg))
        if counter is not None:
            entry.counter = counter
        entry.meter = meter
        if info.supports_idle_timeout:
            entry.last_hit = t.switch.clock()
        _undoing(undo, table.insert, entry)
        return
    stored = table.get(key, priority)
    if stored is None:
        raise RuntimeApiError("NOT_FOUND", f"table {info.name} has no entry with this key")
    # Without an action, a MODIFY changes the entry's direct resources only (spec).
    if msg.HasField("action"):
        if stored.is_const:
            raise _denied(f"the entry of table {info.name} is const: its action cannot change")
        previous = TableEntry(key, priority, group_id=stored.group_id)
        action, undo = _action_fields(t, info, msg)
        _undoing(undo, table.modify, TableEntry(key, priority, **action, **_metadata(msg)))
        if stored.group_id != previous.group_id:
            _drop_oneshot(t, info, previous)
        if info.supports_idle_timeout:  # PI sets the TTL again, which restarts BMv2's timer
            stored.last_hit = t.switch.clock()
    if counter is not None:
        set_counter(stored, counter)
    if info.direct_meter_id:
        stored.meter = meter  # an unset meter_config resets the meter (spec, MODIFY)


def _check_entry_fields(info: TableInfo, msg: p4runtime_pb2.TableEntry) -> None:
    """Checks of the non-key fields of an INSERT or MODIFY."""
    if msg.HasField("time_since_last_hit"):
        raise _invalid("time_since_last_hit must be unset in a write")
    if msg.idle_timeout_ns < 0:
        raise _invalid("idle_timeout_ns cannot be negative")
    if msg.idle_timeout_ns and not info.supports_idle_timeout:
        raise _invalid(f"table {info.name} does not support idle timeout")
    if msg.HasField("meter_counter_data"):
        raise RuntimeApiError("UNIMPLEMENTED", "per-colour meter counters")
    if msg.HasField("counter_data") and not info.direct_counter_id:
        raise _invalid(f"table {info.name} has no direct counter")
    if msg.HasField("meter_config") and not info.direct_meter_id:
        raise _invalid(f"table {info.name} has no direct meter")


def _metadata(msg: p4runtime_pb2.TableEntry) -> dict[str, Any]:
    return {
        "controller_metadata": msg.controller_metadata,
        "metadata": msg.metadata,
        "idle_timeout_ns": msg.idle_timeout_ns,
    }


def _undoing(undo: Callable[[], None] | None, change: Callable[[TableEntry], None],
             entry: TableEntry) -> None:
    """Apply a table change; if it fails, undo the one-shot group made for it."""
    try:
        change(entry)
    except RuntimeApiError:
        if undo is not None:
            undo()
        raise


def _drop_oneshot(t: Target, info: TableInfo, entry: TableEntry | None) -> None:
    """Delete the one-shot group an entry no longer points to."""
    if entry is None or entry.group_id is None:
        return
    if oneshot.action_set(t, info.implementation_id, entry.group_id) is None:
        return
    profile_info = t.schema.action_profile(info.implementation_id)
    profile = t.object(t.switch.action_profiles, profile_info.name, "action profile")
    oneshot.delete_group(t, profile_info, profile, entry.group_id)


def _action_fields(
    t: Target, info: TableInfo, msg: p4runtime_pb2.TableEntry
) -> tuple[dict[str, Any], Callable[[], None] | None]:
    """The action, member or group an entry points to (TableEntry keyword arguments), and for
    a one-shot entry the function removing the group made for it."""
    which = msg.action.WhichOneof("type")
    if not info.implementation_id:
        if which != "action":
            raise _invalid(f"table {info.name} is a direct table: its entries need an action")
        return {"action": decode_action(t.schema, info, msg.action.action)}, None
    profile_info = t.schema.action_profile(info.implementation_id)
    profile = t.object(t.switch.action_profiles, profile_info.name, "action profile")
    if which == "action_profile_action_set":
        group_id, undo = oneshot.create_group(
            t, info, profile_info, profile, msg.action.action_profile_action_set
        )
        return {"group_id": group_id}, undo
    if which in ("action_profile_member_id", "action_profile_group_id") and (
        oneshot.uses_oneshots(t, profile_info.id)
    ):
        raise _invalid(f"{profile_info.name} is programmed with one-shot action sets")
    if which == "action_profile_member_id":
        member_id = msg.action.action_profile_member_id
        if profile.member(member_id) is None:
            raise RuntimeApiError(
                "NOT_FOUND", f"action profile {profile_info.name} has no member {member_id}"
            )
        return {"member_id": member_id}, None
    if which == "action_profile_group_id":
        if not profile_info.with_selector:
            raise _invalid(f"action profile {profile_info.name} has no selector: no groups")
        group_id = msg.action.action_profile_group_id
        profile.group_max_size(group_id)  # NOT_FOUND for an unknown group
        return {"group_id": group_id}, None
    raise _invalid(f"table {info.name} is indirect: entries need a member or group id")


def _meter_in(t: Target, info: TableInfo, msg: p4runtime_pb2.TableEntry) -> Meter | None:
    """The entry's direct meter, configured from `meter_config` (None: unconfigured)."""
    if not msg.HasField("meter_config"):
        return None
    meter = Meter(t.schema.direct_meter(info.direct_meter_id).unit, t.switch.clock)
    meter.configure(meter_config_in(msg.meter_config))
    return meter


def _write_default(
    t: Target, info: TableInfo, table: Any, update_type: int, msg: p4runtime_pb2.TableEntry
) -> None:
    """The default entry can only be modified: set to an action, or reset (action unset)."""
    if update_type != MODIFY:
        raise _invalid("the default entry can only be modified, not inserted or deleted")
    _check_entry_fields(info, msg)
    # an idle timeout passes (tables with support only) and is ignored: default entries do
    # not age, as in PI and BMv2
    if msg.match or msg.priority:
        raise _invalid("the default entry has no match and priority 0")
    if info.const_default_action_id:
        raise _denied(f"the default action of table {info.name} is const")
    if info.implementation_id:
        raise _denied(f"the default action of indirect table {info.name} is a constant NoAction")
    if msg.HasField("counter_data") or msg.HasField("meter_config"):
        raise RuntimeApiError("UNIMPLEMENTED", "direct resources of a default entry")
    if msg.controller_metadata or msg.metadata:
        raise RuntimeApiError("UNIMPLEMENTED", "metadata of a default entry")
    if not msg.HasField("action"):
        table.reset_default()
        return
    if msg.action.WhichOneof("type") != "action":
        raise _invalid(f"the default entry of table {info.name} needs an action")
    table.set_default(decode_action(t.schema, info, msg.action.action, default=True))


# ------------------------------------------------------------------------------ reads


def read_table_entries(
    t: Target, msg: p4runtime_pb2.TableEntry
) -> list[p4runtime_pb2.TableEntry]:
    """The entries a (possibly wildcard) TableEntry selects ("Wildcard Reads")."""
    if msg.table_id == 0:
        if (msg.match or msg.HasField("action") or msg.priority or msg.controller_metadata
                or msg.metadata or msg.is_default_action):
            raise _invalid("a read of all tables (table_id 0) cannot filter")
        infos = list(t.schema.tables.values())
    else:
        infos = [t.schema.table(msg.table_id)]
    if msg.HasField("time_since_last_hit"):
        _check_hit_time_read(msg, infos)
    action_filter = None
    if msg.HasField("action"):
        if msg.action.WhichOneof("type") != "action":
            raise _invalid("reads can filter on an action id only")
        action_filter = t.schema.action(msg.action.action.action_id).name
    out = []
    for info in infos:
        table = t.table(info)
        if msg.is_default_action:
            out.append(_default_message(t, info, table))
            continue
        key = decode_match(info, msg.match) if msg.match else None
        out.extend(
            entry_message(t, info, entry, msg)
            for entry in table.entries()
            if _passes(entry, msg, key, action_filter)
        )
    return out


def _check_hit_time_read(msg: p4runtime_pb2.TableEntry, infos: list[TableInfo]) -> None:
    """PI refuses `time_since_last_hit` for a default entry and for any table without idle
    timeout support, in a wildcard read over all tables too."""
    if msg.is_default_action:
        raise _invalid("default entries do not age: do not set time_since_last_hit")
    for info in infos:
        if not info.supports_idle_timeout:
            raise _invalid(
                f"table {info.name} does not support idle timeout: do not set time_since_last_hit"
            )


def _passes(
    entry: TableEntry, msg: p4runtime_pb2.TableEntry, key: Key | None, action: str | None
) -> bool:
    """Whether an entry passes a read's filters (a default, i.e. zero, field filters nothing)."""
    return (
        (key is None or entry.match == key)
        and (not msg.priority or entry.priority == msg.priority)
        and (not msg.controller_metadata or entry.controller_metadata == msg.controller_metadata)
        and (not msg.metadata or entry.metadata == msg.metadata)
        and (action is None or (entry.action is not None and entry.action.name == action))
    )


def entry_message(
    t: Target, info: TableInfo, entry: TableEntry, request: p4runtime_pb2.TableEntry
) -> p4runtime_pb2.TableEntry:
    """How a Read reports an entry; direct resources and the time since the last hit only
    when the request sets their field (program entries have no timer)."""
    out = p4runtime_pb2.TableEntry(
        table_id=info.id,
        match=encode_match(info, entry.match),
        priority=entry.priority,
        controller_metadata=entry.controller_metadata,
        metadata=entry.metadata,
        idle_timeout_ns=entry.idle_timeout_ns,
        is_const=entry.is_const,
    )
    if entry.action is not None:
        out.action.action.CopyFrom(encode_action(t.schema, entry.action))
    elif entry.member_id is not None:
        out.action.action_profile_member_id = entry.member_id
    else:
        action_set = oneshot.action_set(t, info.implementation_id, entry.group_id)
        if action_set is not None:
            out.action.action_profile_action_set.CopyFrom(action_set)
        else:
            out.action.action_profile_group_id = entry.group_id
    if request.HasField("counter_data") and info.direct_counter_id:
        unit = t.schema.direct_counter(info.direct_counter_id).unit
        out.counter_data.CopyFrom(counter_data_out(entry.counter, unit))
    if request.HasField("meter_config") and entry.meter is not None:
        config = entry.meter.config
        if config is not None:
            out.meter_config.CopyFrom(meter_config_out(config))
    if request.HasField("time_since_last_hit") and not entry.is_const:
        out.time_since_last_hit.elapsed_ns = elapsed_ns(entry, t.switch.clock())
    return out


def _default_message(t: Target, info: TableInfo, table: Any) -> p4runtime_pb2.TableEntry:
    out = p4runtime_pb2.TableEntry(table_id=info.id, is_default_action=True)
    out.action.action.CopyFrom(encode_action(t.schema, table.default_action))
    return out


def find_entry(t: Target, msg: p4runtime_pb2.TableEntry) -> tuple[TableInfo, Key, TableEntry]:
    """The entry a DirectCounterEntry / DirectMeterEntry names (NOT_FOUND if none)."""
    info = t.schema.table(msg.table_id)
    if msg.is_default_action:
        raise RuntimeApiError("UNIMPLEMENTED", "direct resources of a default entry")
    key = decode_match(info, msg.match)
    entry = t.table(info).get(key, decode_priority(info, msg.priority))
    if entry is None:
        raise RuntimeApiError("NOT_FOUND", f"table {info.name} has no entry with this key")
    return info, key, entry


def set_counter(entry: TableEntry, data: CounterData) -> None:
    entry.counter.packets, entry.counter.bytes = data.packets, data.bytes

"""Counter, meter and register entries, indexed and direct ("CounterEntry", "MeterEntry",
"DirectCounterEntry", "DirectMeterEntry", "RegisterEntry").

These containers always exist, so only MODIFY is a valid write (INSERT and DELETE are
INVALID_ARGUMENT). An unset `index` addresses every cell, for writes as for reads; a negative
index is INVALID_ARGUMENT and one past the end OUT_OF_RANGE. Registers are readable and
writable here although BMv2's P4Runtime server answers UNIMPLEMENTED for them.
"""

from __future__ import annotations

from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import Meter
from p4sim.server.match import encode_match
from p4sim.server.p4data import from_p4data, to_p4data
from p4sim.server.resources import (
    counter_data_in,
    counter_data_out,
    meter_config_in,
    meter_config_out,
)
from p4sim.server.selection import selected
from p4sim.server.table_entries import find_entry, set_counter
from p4sim.server.target import Target

Entity = p4runtime_pb2.Entity


def _modify_only(update_type: int, what: str) -> None:
    if update_type != p4runtime_pb2.Update.MODIFY:
        raise RuntimeApiError("INVALID_ARGUMENT", f"{what} entries can only be modified")


def _indices(msg: Any, size: int, what: str) -> range:
    """The cells a message addresses: its index, or all of them when unset."""
    if not msg.HasField("index"):
        return range(size)
    index = msg.index.index
    if index < 0:
        raise RuntimeApiError("INVALID_ARGUMENT", f"{what}: negative index {index}")
    if index >= size:
        raise RuntimeApiError("OUT_OF_RANGE", f"{what}: index {index} >= size {size}")
    return range(index, index + 1)


# ------------------------------------------------------------------------------ counters


def write_counter(t: Target, update_type: int, msg: p4runtime_pb2.CounterEntry) -> None:
    _modify_only(update_type, "counter")
    info = t.schema.counter(msg.counter_id)
    cells = t.object(t.switch.counters, info.name, "counter")
    indices = _indices(msg, info.size, info.name)
    if msg.HasField("data"):
        data = counter_data_in(msg.data)
        for i in indices:
            cells.write(i, data)


def read_counters(t: Target, msg: p4runtime_pb2.CounterEntry) -> list[Entity]:
    out = []
    for info in selected(msg.counter_id, t.schema.counters, t.schema.counter):
        cells = t.object(t.switch.counters, info.name, "counter")
        for i in _indices(msg, info.size, info.name):
            entry = p4runtime_pb2.CounterEntry(
                counter_id=info.id, data=counter_data_out(cells.read(i), info.unit)
            )
            entry.index.index = i
            out.append(Entity(counter_entry=entry))
    return out


def write_direct_counter(
    t: Target, update_type: int, msg: p4runtime_pb2.DirectCounterEntry
) -> None:
    _modify_only(update_type, "direct counter")
    info, _, entry = find_entry(t, msg.table_entry)
    if not info.direct_counter_id:
        raise RuntimeApiError("INVALID_ARGUMENT", f"table {info.name} has no direct counter")
    if msg.HasField("data"):
        set_counter(entry, counter_data_in(msg.data))


def read_direct_counters(t: Target, msg: p4runtime_pb2.DirectCounterEntry) -> list[Entity]:
    out = []
    for info, entry in _direct_entries(t, msg.table_entry, "direct_counter_id"):
        unit = t.schema.direct_counter(info.direct_counter_id).unit
        key = p4runtime_pb2.TableEntry()
        _key_fields(info, entry, key)
        out.append(Entity(direct_counter_entry=p4runtime_pb2.DirectCounterEntry(
            table_entry=key, data=counter_data_out(entry.counter, unit)
        )))
    return out


# ------------------------------------------------------------------------------ meters


def write_meter(t: Target, update_type: int, msg: p4runtime_pb2.MeterEntry) -> None:
    _modify_only(update_type, "meter")
    if msg.HasField("counter_data"):
        raise RuntimeApiError("UNIMPLEMENTED", "per-colour meter counters")
    info = t.schema.meter(msg.meter_id)
    cells = t.object(t.switch.meters, info.name, "meter")
    indices = _indices(msg, info.size, info.name)
    config = meter_config_in(msg.config) if msg.HasField("config") else None
    if config is not None:
        Meter(info.unit, t.switch.clock).configure(config)  # refuse before changing any cell
    for i in indices:
        cells.configure(i, config)


def read_meters(t: Target, msg: p4runtime_pb2.MeterEntry) -> list[Entity]:
    if msg.HasField("counter_data"):
        raise RuntimeApiError("UNIMPLEMENTED", "per-colour meter counters")
    out = []
    for info in selected(msg.meter_id, t.schema.meters, t.schema.meter):
        cells = t.object(t.switch.meters, info.name, "meter")
        for i in _indices(msg, info.size, info.name):
            entry = p4runtime_pb2.MeterEntry(meter_id=info.id)
            entry.index.index = i
            config = cells.config(i)
            if config is not None:
                entry.config.CopyFrom(meter_config_out(config))
            out.append(Entity(meter_entry=entry))
    return out


def write_direct_meter(t: Target, update_type: int, msg: p4runtime_pb2.DirectMeterEntry) -> None:
    _modify_only(update_type, "direct meter")
    if msg.HasField("counter_data"):
        raise RuntimeApiError("UNIMPLEMENTED", "per-colour meter counters")
    info, _, entry = find_entry(t, msg.table_entry)
    if not info.direct_meter_id:
        raise RuntimeApiError("INVALID_ARGUMENT", f"table {info.name} has no direct meter")
    if not msg.HasField("config"):
        entry.meter = None
        return
    meter = Meter(t.schema.direct_meter(info.direct_meter_id).unit, t.switch.clock)
    meter.configure(meter_config_in(msg.config))
    entry.meter = meter


def read_direct_meters(t: Target, msg: p4runtime_pb2.DirectMeterEntry) -> list[Entity]:
    if msg.HasField("counter_data"):
        raise RuntimeApiError("UNIMPLEMENTED", "per-colour meter counters")
    out = []
    for info, entry in _direct_entries(t, msg.table_entry, "direct_meter_id"):
        result = p4runtime_pb2.DirectMeterEntry()
        _key_fields(info, entry, result.table_entry)
        config = None if entry.meter is None else entry.meter.config
        if config is not None:
            result.config.CopyFrom(meter_config_out(config))
        out.append(Entity(direct_meter_entry=result))
    return out


def _direct_entries(t: Target, msg: p4runtime_pb2.TableEntry, resource: str) -> list[Any]:
    """(table info, entry) pairs a direct resource read selects: one entry when `match` is
    given (NOT_FOUND if absent), else all entries of the table, or of every table with such a
    resource for table_id 0."""
    if msg.table_id and msg.match:
        info, _, entry = find_entry(t, msg)
        if not getattr(info, resource):
            raise RuntimeApiError("INVALID_ARGUMENT", f"table {info.name} has no such resource")
        return [(info, entry)]
    if msg.table_id:
        infos = [t.schema.table(msg.table_id)]
        if not getattr(infos[0], resource):
            raise RuntimeApiError("INVALID_ARGUMENT", f"table {infos[0].name} has no such resource")
    else:
        infos = [i for i in t.schema.tables.values() if getattr(i, resource)]
    return [(info, entry) for info in infos for entry in t.table(info).entries()]


def _key_fields(info: Any, entry: Any, out: p4runtime_pb2.TableEntry) -> None:
    """The key of a table entry (table id, match, priority) into `out`."""
    out.table_id = info.id
    out.match.extend(encode_match(info, entry.match))
    out.priority = entry.priority


# ------------------------------------------------------------------------------ registers


def write_register(t: Target, update_type: int, msg: p4runtime_pb2.RegisterEntry) -> None:
    _modify_only(update_type, "register")
    info = t.schema.register(msg.register_id)
    if info.value is None:
        raise RuntimeApiError("UNIMPLEMENTED", f"register {info.name}: unsupported value type")
    cells = t.object(t.switch.registers, info.name, "register")
    indices = _indices(msg, info.size, info.name)
    if not msg.HasField("data"):
        raise RuntimeApiError("INVALID_ARGUMENT", f"register {info.name}: data is missing")
    value = from_p4data(info.value, msg.data, f"register {info.name}")
    for i in indices:
        cells.write(i, value)


def read_registers(t: Target, msg: p4runtime_pb2.RegisterEntry) -> list[Entity]:
    out = []
    for info in selected(msg.register_id, t.schema.registers, t.schema.register):
        if info.value is None:
            if msg.register_id:
                raise RuntimeApiError(
                    "UNIMPLEMENTED", f"register {info.name}: unsupported value type"
                )
            continue
        cells = t.object(t.switch.registers, info.name, "register")
        for i in _indices(msg, info.size, info.name):
            entry = p4runtime_pb2.RegisterEntry(
                register_id=info.id, data=to_p4data(info.value, cells.read(i))
            )
            entry.index.index = i
            out.append(Entity(register_entry=entry))
    return out

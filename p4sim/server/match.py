"""`p4.v1.FieldMatch` lists <-> runtime match keys ("Match Format").

A runtime key has one element per table key field, in key order; `None` is a don't-care field,
which P4Runtime expresses by omitting the field. Every rule of the spec's match-format section
is checked here, so the table only ever sees canonical values (INVALID_ARGUMENT otherwise;
values wider than their field are OUT_OF_RANGE, as for every bytestring).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from p4.v1 import p4runtime_pb2

from p4sim.runtime import tables as rt
from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import codec
from p4sim.server.schema import Field, TableInfo

Key = tuple[rt.FieldMatch | None, ...]


class Keyed(Protocol):
    """What has a match key: a table, or a parser value set."""

    name: str
    fields: tuple[Field, ...]


def _invalid(message: str) -> RuntimeApiError:
    return RuntimeApiError("INVALID_ARGUMENT", message)


def decode_match(table: Keyed, matches: Sequence[p4runtime_pb2.FieldMatch]) -> Key:
    """The runtime key of a TableEntry's `match` field (or of a value set member)."""
    position = {f.id: i for i, f in enumerate(table.fields)}
    key: list[rt.FieldMatch | None] = [None] * len(table.fields)
    seen: set[int] = set()
    for fm in matches:
        if fm.field_id not in position:
            raise _invalid(f"table {table.name} has no match field with id {fm.field_id}")
        if fm.field_id in seen:
            raise _invalid(f"table {table.name}: match field id {fm.field_id} given twice")
        seen.add(fm.field_id)
        index = position[fm.field_id]
        key[index] = _decode_field(table, table.fields[index], fm)
    for field, value in zip(table.fields, key, strict=True):
        if value is None and field.match_kind == "exact":
            raise _invalid(f"table {table.name}: exact match field {field.name} is missing")
    return tuple(key)


def _decode_field(table: Keyed, field: Field, fm: p4runtime_pb2.FieldMatch) -> rt.FieldMatch:
    kind = fm.WhichOneof("field_match_type")
    what = f"{table.name} match field {field.name}"
    if kind != field.match_kind:
        raise _invalid(f"{what} is {field.match_kind}, not {kind or 'unset'}")
    width = field.width
    if kind == "exact":
        return rt.Exact(codec.decode(fm.exact.value, width, what))
    if kind == "optional":
        return rt.OptionalMatch(codec.decode(fm.optional.value, width, what))
    if kind == "lpm":
        prefix_len = fm.lpm.prefix_len
        if not 0 < prefix_len <= width:
            raise _invalid(
                f"{what}: prefix length {prefix_len} not in 1..{width} (omit a don't-care field)"
            )
        value = codec.decode(fm.lpm.value, width, what)
        if value & ((1 << (width - prefix_len)) - 1):
            raise _invalid(f"{what}: bits beyond the /{prefix_len} prefix must be 0")
        return rt.Lpm(value, prefix_len)
    if kind == "ternary":
        value = codec.decode(fm.ternary.value, width, what)
        mask = codec.decode(fm.ternary.mask, width, what)
        if mask == 0:
            raise _invalid(f"{what}: a zero mask is a don't-care match, which must be omitted")
        if value & ~mask:
            raise _invalid(f"{what}: value has bits set outside the mask")
        return rt.Ternary(value, mask)
    low = codec.decode(fm.range.low, width, what)
    high = codec.decode(fm.range.high, width, what)
    if low > high:
        raise _invalid(f"{what}: range low {low} is above high {high}")
    if low == 0 and high == (1 << width) - 1:
        raise _invalid(f"{what}: a full range is a don't-care match, which must be omitted")
    return rt.Range(low, high)


def encode_match(table: Keyed, key: Key) -> list[p4runtime_pb2.FieldMatch]:
    """The `match` field for a runtime key: canonical bytestrings, don't-cares omitted."""
    out = []
    for field, value in zip(table.fields, key, strict=True):
        if value is None:
            continue
        fm = p4runtime_pb2.FieldMatch(field_id=field.id)
        if isinstance(value, rt.Exact):
            fm.exact.value = codec.encode(value.value)
        elif isinstance(value, rt.Lpm):
            fm.lpm.value = codec.encode(value.value)
            fm.lpm.prefix_len = value.prefix_len
        elif isinstance(value, rt.Ternary):
            fm.ternary.value = codec.encode(value.value)
            fm.ternary.mask = codec.encode(value.mask)
        elif isinstance(value, rt.Range):
            fm.range.low = codec.encode(value.low)
            fm.range.high = codec.encode(value.high)
        else:
            fm.optional.value = codec.encode(value.value)
        out.append(fm)
    return out


def decode_priority(table: TableInfo, priority: int) -> int:
    """A TableEntry priority: positive for tables with ternary, range or optional fields,
    0 for the others."""
    if table.needs_priority and priority <= 0:
        raise _invalid(f"table {table.name} needs a priority > 0, got {priority}")
    if not table.needs_priority and priority != 0:
        raise _invalid(f"table {table.name} has no ternary/range/optional key: priority must be 0")
    return priority

"""Parser value set members ("ValueSetEntry").

A value set is only ever MODIFYed: the members given replace all current ones (an empty list
empties it). Members use the match format of table keys; the runtime value set stores each
field as (value, mask), so exact, LPM, ternary and optional fields become masks here and are
turned back into their P4Info match kind on a read.
"""

from __future__ import annotations

from p4.v1 import p4runtime_pb2

from p4sim.runtime import tables as rt
from p4sim.runtime.errors import RuntimeApiError
from p4sim.server.match import Key, decode_match, encode_match
from p4sim.server.schema import Field, ValueSetInfo
from p4sim.server.selection import selected
from p4sim.server.target import Target

Entity = p4runtime_pb2.Entity
Member = tuple[tuple[int, int], ...]


def write_value_set(t: Target, update_type: int, msg: p4runtime_pb2.ValueSetEntry) -> None:
    if update_type != p4runtime_pb2.Update.MODIFY:
        raise RuntimeApiError("INVALID_ARGUMENT", "value set entries can only be modified")
    info = t.schema.value_set(msg.value_set_id)
    members: list[Member] = []
    for member in msg.members:
        packed = _pack(info, decode_match(info, member.match))
        if packed in members:
            raise RuntimeApiError("ALREADY_EXISTS", f"value set {info.name}: duplicate member")
        members.append(packed)
    t.object(t.switch.value_sets, info.name, "value set").set_members(members)


def read_value_sets(t: Target, msg: p4runtime_pb2.ValueSetEntry) -> list[Entity]:
    infos = selected(msg.value_set_id, t.schema.value_sets, t.schema.value_set)
    out = []
    for info in infos:
        value_set = t.object(t.switch.value_sets, info.name, "value set")
        entry = p4runtime_pb2.ValueSetEntry(value_set_id=info.id)
        for member in value_set.members:
            entry.members.add(match=encode_match(info, _unpack(info, member)))
        out.append(Entity(value_set_entry=entry))
    return out


def _pack(info: ValueSetInfo, key: Key) -> Member:
    out = []
    for field, fm in zip(info.fields, key, strict=True):
        full = (1 << field.width) - 1
        if fm is None:
            out.append((0, 0))
        elif isinstance(fm, rt.Exact | rt.OptionalMatch):
            out.append((fm.value, full))
        elif isinstance(fm, rt.Ternary):
            out.append((fm.value, fm.mask))
        elif isinstance(fm, rt.Lpm):
            out.append((fm.value, full ^ ((1 << (field.width - fm.prefix_len)) - 1)))
        else:
            raise RuntimeApiError("UNIMPLEMENTED", f"value set {info.name}: range members")
    return tuple(out)


def _unpack(info: ValueSetInfo, member: Member) -> Key:
    pairs = zip(info.fields, member, strict=True)
    return tuple(_field(field, value, mask) for field, (value, mask) in pairs)


def _field(field: Field, value: int, mask: int) -> rt.FieldMatch | None:
    if field.match_kind == "exact":
        return rt.Exact(value)
    if mask == 0:
        return None
    if field.match_kind == "ternary":
        return rt.Ternary(value, mask)
    if field.match_kind == "lpm":
        return rt.Lpm(value, mask.bit_count())
    return rt.OptionalMatch(value)

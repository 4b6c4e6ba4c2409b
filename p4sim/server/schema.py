"""An index of a P4Info: ids <-> control-plane names, widths, match kinds, action parameters,
controller packet metadata and digest layouts.

Every P4Runtime message names objects by P4Info id; the runtime objects are keyed by
control-plane name. `Schema` answers "what is id N and how is it shaped" once per pipeline, and
rejects a P4Info the server could not serve (duplicate ids, dangling references) when the
pipeline is set rather than on the first write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from p4.config.v1 import p4info_pb2, p4types_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.tables import MATCH_KINDS, PRIORITY_KINDS

# P4Info's match type enum -> the runtime's match kind names.
_MATCH_KINDS = {p4info_pb2.MatchField.MatchType.Value(kind.upper()): kind for kind in MATCH_KINDS}
_COUNTER_UNITS = {
    p4info_pb2.CounterSpec.BYTES: "bytes",
    p4info_pb2.CounterSpec.PACKETS: "packets",
    p4info_pb2.CounterSpec.BOTH: "packets_and_bytes",
}
_METER_UNITS = {p4info_pb2.MeterSpec.BYTES: "bytes", p4info_pb2.MeterSpec.PACKETS: "packets"}

_T = TypeVar("_T")


@dataclass(frozen=True)
class Field:
    """A match field, action parameter or controller packet metadata field."""

    id: int
    name: str
    width: int
    match_kind: str = ""  # match fields only: exact | lpm | ternary | range | optional


@dataclass(frozen=True)
class ActionInfo:
    id: int
    name: str
    params: tuple[Field, ...]


@dataclass(frozen=True)
class TableInfo:
    id: int
    name: str
    fields: tuple[Field, ...]
    action_ids: tuple[int, ...]
    table_only: frozenset[int]  # @tableonly: never the default action
    default_only: frozenset[int]  # @defaultonly: only the default action
    const_default_action_id: int
    implementation_id: int  # action profile / selector id, 0 for a direct table
    direct_counter_id: int
    direct_meter_id: int
    size: int
    supports_idle_timeout: bool
    is_const: bool

    @property
    def needs_priority(self) -> bool:
        return any(f.match_kind in PRIORITY_KINDS for f in self.fields)


@dataclass(frozen=True)
class ActionProfileInfo:
    id: int
    name: str
    table_ids: tuple[int, ...]
    with_selector: bool
    size: int
    max_group_size: int


@dataclass(frozen=True)
class CounterInfo:
    """An indexed counter (`table_id` 0) or a direct counter (`size` 0)."""

    id: int
    name: str
    unit: str  # packets | bytes | packets_and_bytes
    size: int = 0
    table_id: int = 0


@dataclass(frozen=True)
class MeterInfo:
    """An indexed meter (`table_id` 0) or a direct meter (`size` 0)."""

    id: int
    name: str
    unit: str  # packets | bytes
    size: int = 0
    table_id: int = 0


@dataclass(frozen=True)
class ValueSetInfo:
    """A parser value set; its members match like table keys (without priorities)."""

    id: int
    name: str
    fields: tuple[Field, ...]
    size: int


@dataclass(frozen=True)
class ValueType:
    """The P4Runtime shape of one data-plane value inside P4Data."""

    kind: str  # bit | int | bool | enum (serializable enum)
    width: int


@dataclass(frozen=True)
class RegisterInfo:
    id: int
    name: str
    size: int
    value: ValueType | None  # None: a type P4Runtime access is not implemented for


@dataclass(frozen=True)
class DigestInfo:
    id: int
    name: str
    layout: str  # struct | tuple | bitstring
    members: tuple[ValueType, ...] | None  # None: a type digests are not implemented for


class Schema:
    """The P4Info of the current pipeline, indexed for the server."""

    def __init__(self, p4info: p4info_pb2.P4Info) -> None:
        self.p4info = p4info
        self._ids: set[int] = set()
        types = p4info.type_info
        self.actions = _index(self._ids, (_action(a) for a in p4info.actions), "action")
        self.tables = _index(self._ids, (_table(t) for t in p4info.tables), "table")
        self.action_profiles = _index(
            self._ids, (_profile(p) for p in p4info.action_profiles), "action profile"
        )
        self.counters = _index(self._ids, (_counter(c) for c in p4info.counters), "counter")
        self.direct_counters = _index(
            self._ids, (_direct_counter(c) for c in p4info.direct_counters), "direct counter"
        )
        self.meters = _index(self._ids, (_meter(m) for m in p4info.meters), "meter")
        self.direct_meters = _index(
            self._ids, (_direct_meter(m) for m in p4info.direct_meters), "direct meter"
        )
        self.registers = _index(
            self._ids, (_register(r, types) for r in p4info.registers), "register"
        )
        self.digests = _index(self._ids, (_digest(d, types) for d in p4info.digests), "digest")
        self.value_sets = _index(
            self._ids, (_value_set(v) for v in p4info.value_sets), "value set"
        )
        self.digests_by_name = {d.name: d for d in self.digests.values()}
        self._actions_by_name = {a.name: a for a in self.actions.values()}
        self.packet_in: tuple[Field, ...] | None = None
        self.packet_out: tuple[Field, ...] | None = None
        for header in p4info.controller_packet_metadata:
            fields = tuple(Field(m.id, m.name, m.bitwidth) for m in header.metadata)
            _unique((f.id for f in fields), f"{header.preamble.name} metadata")
            if header.preamble.name == "packet_in":
                self.packet_in = fields
            elif header.preamble.name == "packet_out":
                self.packet_out = fields
        self._check_references()

    def table(self, table_id: int) -> TableInfo:
        return _lookup(self.tables, table_id, "table")

    def action(self, action_id: int) -> ActionInfo:
        return _lookup(self.actions, action_id, "action")

    def action_by_name(self, name: str) -> ActionInfo:
        """The P4Info action of a runtime action name (INTERNAL when the device config names
        an action the P4Info lacks, which pipeline verification rules out)."""
        try:
            return self._actions_by_name[name]
        except KeyError:
            raise RuntimeApiError("INTERNAL", f"action {name} is not in the P4Info") from None

    def profile_action_ids(self, profile: ActionProfileInfo) -> frozenset[int]:
        """The actions members of a profile may call: those of the tables it implements."""
        return frozenset(a for t in profile.table_ids for a in self.tables[t].action_ids)

    def action_profile(self, profile_id: int) -> ActionProfileInfo:
        return _lookup(self.action_profiles, profile_id, "action profile")

    def counter(self, counter_id: int) -> CounterInfo:
        return _lookup(self.counters, counter_id, "counter")

    def direct_counter(self, counter_id: int) -> CounterInfo:
        return _lookup(self.direct_counters, counter_id, "direct counter")

    def meter(self, meter_id: int) -> MeterInfo:
        return _lookup(self.meters, meter_id, "meter")

    def direct_meter(self, meter_id: int) -> MeterInfo:
        return _lookup(self.direct_meters, meter_id, "direct meter")

    def register(self, register_id: int) -> RegisterInfo:
        return _lookup(self.registers, register_id, "register")

    def digest(self, digest_id: int) -> DigestInfo:
        return _lookup(self.digests, digest_id, "digest")

    def value_set(self, value_set_id: int) -> ValueSetInfo:
        return _lookup(self.value_sets, value_set_id, "value set")

    def _check_references(self) -> None:
        """Every id a table or profile refers to must be declared, with the right kind."""
        for table in self.tables.values():
            for action_id in (*table.action_ids, table.const_default_action_id):
                if action_id and action_id not in self.actions:
                    _bad(f"table {table.name} refers to unknown action id {action_id}")
            if table.implementation_id and table.implementation_id not in self.action_profiles:
                _bad(f"table {table.name}: unknown implementation id {table.implementation_id}")
            if table.direct_counter_id and table.direct_counter_id not in self.direct_counters:
                _bad(f"table {table.name}: unknown direct counter id {table.direct_counter_id}")
            if table.direct_meter_id and table.direct_meter_id not in self.direct_meters:
                _bad(f"table {table.name}: unknown direct meter id {table.direct_meter_id}")
        for resource in (*self.direct_counters.values(), *self.direct_meters.values()):
            if resource.table_id not in self.tables:
                _bad(f"{resource.name} is attached to unknown table id {resource.table_id}")
        for profile in self.action_profiles.values():
            for table_id in profile.table_ids:
                if table_id not in self.tables:
                    _bad(f"action profile {profile.name} refers to unknown table id {table_id}")


def _bad(message: str) -> None:
    raise RuntimeApiError("INVALID_ARGUMENT", f"invalid P4Info: {message}")


def _unique(ids: Iterable[int], what: str) -> None:
    seen: set[int] = set()
    for i in ids:
        if i in seen:
            _bad(f"duplicate {what} id {i}")
        seen.add(i)


def _index(all_ids: set[int], infos: Iterable[_T], what: str) -> dict[int, _T]:
    """Objects by id; P4Info ids share one number space, so duplicates across kinds count."""
    out: dict[int, _T] = {}
    for info in infos:
        ident = info.id  # type: ignore[attr-defined]
        if ident == 0:
            _bad(f"{what} {info.name} has id 0")  # type: ignore[attr-defined]
        if ident in all_ids:
            _bad(f"duplicate id {ident} ({what} {info.name})")  # type: ignore[attr-defined]
        all_ids.add(ident)
        out[ident] = info
    return out


def _lookup(objects: dict[int, _T], ident: int, what: str) -> _T:
    """The object with id `ident`; an unknown id is INVALID_ARGUMENT, as BMv2's server answers
    (the spec only says 0 is never a valid id)."""
    try:
        return objects[ident]
    except KeyError:
        raise RuntimeApiError("INVALID_ARGUMENT", f"unknown {what} id {ident}") from None


def _action(a: p4info_pb2.Action) -> ActionInfo:
    params = tuple(Field(p.id, p.name, p.bitwidth) for p in a.params)
    _unique((p.id for p in params), f"{a.preamble.name} parameter")
    return ActionInfo(a.preamble.id, a.preamble.name, params)


def _match_fields(owner: str, matches: Iterable[p4info_pb2.MatchField]) -> tuple[Field, ...]:
    fields = []
    for m in matches:
        if m.WhichOneof("match") != "match_type" or m.match_type not in _MATCH_KINDS:
            _bad(f"{owner}: unsupported match kind for {m.name}")
        fields.append(Field(m.id, m.name, m.bitwidth, _MATCH_KINDS[m.match_type]))
    _unique((f.id for f in fields), f"{owner} match field")
    return tuple(fields)


def _value_set(v: p4info_pb2.ValueSet) -> ValueSetInfo:
    name = v.preamble.name
    return ValueSetInfo(v.preamble.id, name, _match_fields(name, v.match), v.size)


def _table(t: p4info_pb2.Table) -> TableInfo:
    fields = _match_fields(t.preamble.name, t.match_fields)
    direct = [i for i in t.direct_resource_ids]
    counter_ids = [i for i in direct if i >> 24 == p4info_pb2.P4Ids.DIRECT_COUNTER]
    meter_ids = [i for i in direct if i >> 24 == p4info_pb2.P4Ids.DIRECT_METER]
    return TableInfo(
        id=t.preamble.id,
        name=t.preamble.name,
        fields=fields,
        action_ids=tuple(r.id for r in t.action_refs),
        table_only=frozenset(
            r.id for r in t.action_refs if r.scope == p4info_pb2.ActionRef.TABLE_ONLY
        ),
        default_only=frozenset(
            r.id for r in t.action_refs if r.scope == p4info_pb2.ActionRef.DEFAULT_ONLY
        ),
        const_default_action_id=t.const_default_action_id,
        implementation_id=t.implementation_id,
        direct_counter_id=counter_ids[0] if counter_ids else 0,
        direct_meter_id=meter_ids[0] if meter_ids else 0,
        size=t.size,
        supports_idle_timeout=t.idle_timeout_behavior == p4info_pb2.Table.NOTIFY_CONTROL,
        is_const=t.is_const_table,
    )


def _profile(p: p4info_pb2.ActionProfile) -> ActionProfileInfo:
    return ActionProfileInfo(
        p.preamble.id, p.preamble.name, tuple(p.table_ids), p.with_selector, p.size,
        p.max_group_size,
    )


def _counter_unit(spec: p4info_pb2.CounterSpec, name: str) -> str:
    if spec.unit not in _COUNTER_UNITS:
        _bad(f"counter {name} has no unit")
    return _COUNTER_UNITS[spec.unit]


def _meter_unit(spec: p4info_pb2.MeterSpec, name: str) -> str:
    if spec.unit not in _METER_UNITS:
        _bad(f"meter {name} has no unit")
    return _METER_UNITS[spec.unit]


def _counter(c: p4info_pb2.Counter) -> CounterInfo:
    name = c.preamble.name
    return CounterInfo(c.preamble.id, name, _counter_unit(c.spec, name), size=c.size)


def _direct_counter(c: p4info_pb2.DirectCounter) -> CounterInfo:
    name = c.preamble.name
    return CounterInfo(c.preamble.id, name, _counter_unit(c.spec, name), table_id=c.direct_table_id)


def _meter(m: p4info_pb2.Meter) -> MeterInfo:
    name = m.preamble.name
    return MeterInfo(m.preamble.id, name, _meter_unit(m.spec, name), size=m.size)


def _direct_meter(m: p4info_pb2.DirectMeter) -> MeterInfo:
    name = m.preamble.name
    return MeterInfo(m.preamble.id, name, _meter_unit(m.spec, name), table_id=m.direct_table_id)


def _value_type(
    spec: p4types_pb2.P4DataTypeSpec, types: p4types_pb2.P4TypeInfo
) -> ValueType | None:
    """The shape of a scalar P4Data value, or None for anything else (structs, headers...)."""
    kind = spec.WhichOneof("type_spec")
    if kind == "bitstring":
        bits = spec.bitstring
        if bits.HasField("bit"):
            return ValueType("bit", bits.bit.bitwidth)
        if bits.HasField("int"):
            return ValueType("int", bits.int.bitwidth)
        return None
    if kind == "bool":
        return ValueType("bool", 1)
    if kind == "serializable_enum" and spec.serializable_enum.name in types.serializable_enums:
        underlying = types.serializable_enums[spec.serializable_enum.name].underlying_type
        return ValueType("enum", underlying.bitwidth)
    return None


def _register(r: p4info_pb2.Register, types: p4types_pb2.P4TypeInfo) -> RegisterInfo:
    return RegisterInfo(r.preamble.id, r.preamble.name, r.size, _value_type(r.type_spec, types))


def _digest(d: p4info_pb2.Digest, types: p4types_pb2.P4TypeInfo) -> DigestInfo:
    """A digest's layout; v1model packs a flat struct (or tuple, or single field)."""
    spec = d.type_spec
    kind = spec.WhichOneof("type_spec")
    specs: list[p4types_pb2.P4DataTypeSpec] | None
    if kind == "struct":
        struct = spec.struct.name
        specs = None
        if struct in types.structs:
            specs = [m.type_spec for m in types.structs[struct].members]
    elif kind == "tuple":
        specs = list(spec.tuple.members)
    else:
        kind, specs = "bitstring", [spec]
    members = None if specs is None else [_value_type(s, types) for s in specs]
    if members is not None and any(m is None for m in members):
        members = None
    return DigestInfo(
        d.preamble.id, d.preamble.name, kind, None if members is None else tuple(members)
    )

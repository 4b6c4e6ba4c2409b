"""P4Runtime entities by name: build request protos from Python values, decode replies.

`Codec` is the only place that knows both the schema (names, ids, widths) and the message
layout, so `SwitchConnection` stays a thin transport and tests can check the exact requests
without a switch. Decoded results are plain dataclasses keyed by control-plane names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypedDict

from p4.config.v1 import p4info_pb2
from p4.v1 import p4data_pb2, p4runtime_pb2

from controller.encoding import EncodingError, MatchValue, Scalar, decode, encode, encode_match
from controller.encoding import decode_match as _decode_match
from controller.schema import NameIndex, P4Schema, bitstring_width

Params = Mapping[str, Scalar] | Sequence[Scalar]


@dataclass(frozen=True)
class CounterData:
    packets: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class MeterConfig:
    """Two-rate three-colour meter parameters in P4Runtime units (rates per second)."""

    cir: int
    cburst: int
    pir: int
    pburst: int


class EntryOptions(TypedDict, total=False):
    """What a table entry may carry besides its key and action (keywords of
    `Codec.table_entry`), named once so every method that writes entries accepts the same."""

    priority: int  # ternary/range/optional keys: >= 1, larger wins; other tables: 0
    member_id: int | None  # an action profile member instead of an action
    group_id: int | None  # an action selector group instead of an action
    idle_timeout_ns: int
    metadata: bytes  # opaque controller data stored with the entry
    meter: MeterConfig | None  # direct meter configuration
    counter: CounterData | None  # direct counter value


class Replica(NamedTuple):
    """One copy made by a multicast group or clone session (`instance` is the egress_rid)."""

    port: int
    instance: int = 0


class GroupMember(NamedTuple):
    member_id: int
    weight: int = 1


@dataclass
class TableEntry:
    """A table entry as read back: match values by field name, action params by name."""

    table: str
    match: dict[str, MatchValue] = field(default_factory=dict)
    action: str | None = None
    params: dict[str, int] = field(default_factory=dict)
    priority: int = 0
    member_id: int | None = None
    group_id: int | None = None
    is_default: bool = False
    is_const: bool = False
    counter: CounterData | None = None
    meter: MeterConfig | None = None
    idle_timeout_ns: int = 0
    metadata: bytes = b""


@dataclass
class ActionProfileMember:
    profile: str
    member_id: int
    action: str
    params: dict[str, int] = field(default_factory=dict)


@dataclass
class ActionProfileGroup:
    profile: str
    group_id: int
    members: list[GroupMember] = field(default_factory=list)
    max_size: int = 0


@dataclass
class CloneSession:
    session_id: int
    replicas: list[Replica] = field(default_factory=list)
    class_of_service: int = 0
    packet_length_bytes: int = 0


@dataclass
class PacketIn:
    payload: bytes
    metadata: dict[str, int] = field(default_factory=dict)


@dataclass
class DigestList:
    """One DigestList message: `data` holds a dict per digest (an int for bit<W> digests)."""

    digest: str
    list_id: int
    data: list[dict[str, int] | int]
    timestamp: int = 0


class Codec:
    """Translates between control-plane names + Python values and P4Runtime protos."""

    def __init__(self, schema: P4Schema) -> None:
        self.schema = schema

    # -- actions and matches -------------------------------------------------------------

    def action(self, action: str, params: Params | None = None, *, table: str | None = None
               ) -> p4runtime_pb2.Action:
        """An Action with its parameters (a name -> value mapping or values in order)."""
        info = (self.schema.table_action(table, action) if table is not None
                else self.schema.actions[action])
        name = info.preamble.name
        declared = self.schema.action_params(info)
        values = _params_by_name(name, declared, params)
        msg = p4runtime_pb2.Action(action_id=info.preamble.id)
        for param in declared:
            what = f"parameter {param.name!r} of action {name!r}"
            value = encode(values[param.name], param.bitwidth, what)
            msg.params.add(param_id=param.id, value=value)
        return msg

    def match(self, table: str, match: Mapping[str, Any] | None) -> list[p4runtime_pb2.FieldMatch]:
        """FieldMatches in key order; fields left out (or None) match anything."""
        info = self.schema.table(table)
        fields = self.schema.match_fields(info)
        given = dict(match or {})
        for name in given:
            fields[name]  # noqa: B018 - raises UnknownNameError with suggestions
        result = []
        for key in fields:
            what = f"match field {key.name!r} of table {info.preamble.name!r}"
            encoded = encode_match(key, given.get(key.name), what)
            if encoded is not None:
                result.append(encoded)
        return result

    def table_entry(
        self,
        table: str,
        match: Mapping[str, Any] | None = None,
        action: str | None = None,
        params: Params | None = None,
        *,
        priority: int = 0,
        member_id: int | None = None,
        group_id: int | None = None,
        is_default: bool = False,
        idle_timeout_ns: int = 0,
        metadata: bytes = b"",
        meter: MeterConfig | None = None,
        counter: CounterData | None = None,
    ) -> p4runtime_pb2.TableEntry:
        info = self.schema.table(table)
        name = info.preamble.name
        entry = p4runtime_pb2.TableEntry(table_id=info.preamble.id)
        if is_default:
            if match:
                raise EncodingError(f"the default entry of table {name!r} has no match key")
            entry.is_default_action = True
        else:
            entry.match.extend(self.match(name, match))
            _check_priority(name, self.schema.needs_priority(info), priority)
            entry.priority = priority
        chosen = [x for x in (action, member_id, group_id) if x is not None]
        if len(chosen) > 1:
            raise EncodingError(f"table {name!r}: give one of action, member_id, group_id")
        if action is not None:
            entry.action.action.CopyFrom(self.action(action, params, table=name))
        elif member_id is not None:
            entry.action.action_profile_member_id = member_id
        elif group_id is not None:
            entry.action.action_profile_group_id = group_id
        entry.idle_timeout_ns = idle_timeout_ns
        entry.metadata = metadata
        if meter is not None:
            entry.meter_config.CopyFrom(_meter_proto(meter))
        if counter is not None:
            entry.counter_data.CopyFrom(_counter_proto(counter))
        return entry

    def decode_table_entry(self, entry: p4runtime_pb2.TableEntry) -> TableEntry:
        info = self.schema.tables.by_id(entry.table_id)
        fields = self.schema.match_fields(info)
        result = TableEntry(
            table=info.preamble.name,
            match={
                fields.name_of(m.field_id): _decode_match(fields.by_id(m.field_id), m)
                for m in entry.match
            },
            priority=entry.priority,
            is_default=entry.is_default_action,
            is_const=entry.is_const,
            idle_timeout_ns=entry.idle_timeout_ns,
            metadata=entry.metadata,
        )
        kind = entry.action.WhichOneof("type")
        if kind == "action":
            result.action, result.params = self._decode_action(entry.action.action)
        elif kind == "action_profile_member_id":
            result.member_id = entry.action.action_profile_member_id
        elif kind == "action_profile_group_id":
            result.group_id = entry.action.action_profile_group_id
        if entry.HasField("counter_data"):
            result.counter = decode_counter(entry.counter_data)
        if entry.HasField("meter_config"):
            result.meter = decode_meter(entry.meter_config)
        return result

    def _decode_action(self, action: p4runtime_pb2.Action) -> tuple[str, dict[str, int]]:
        info = self.schema.actions.by_id(action.action_id)
        declared = self.schema.action_params(info)
        params = {}
        for p in action.params:
            param = declared.by_id(p.param_id)
            params[param.name] = decode(p.value, param.bitwidth, f"parameter {param.name!r}")
        return info.preamble.name, params

    # -- action profiles -----------------------------------------------------------------

    def member(self, profile: str, member_id: int, action: str | None = None,
               params: Params | None = None) -> p4runtime_pb2.ActionProfileMember:
        info = self.schema.action_profiles[profile]
        msg = p4runtime_pb2.ActionProfileMember(
            action_profile_id=info.preamble.id, member_id=member_id
        )
        if action is not None:
            msg.action.CopyFrom(self.action(action, params))
        return msg

    def decode_member(self, msg: p4runtime_pb2.ActionProfileMember) -> ActionProfileMember:
        action, params = self._decode_action(msg.action)
        profile = self.schema.action_profiles.name_of(msg.action_profile_id)
        return ActionProfileMember(profile, msg.member_id, action, params)

    def group(self, profile: str, group_id: int,
              members: Iterable[int | tuple[int, int]] = (), max_size: int = 0
              ) -> p4runtime_pb2.ActionProfileGroup:
        """A group; members are member ids or (member_id, weight) pairs."""
        info = self.schema.action_profiles[profile]
        msg = p4runtime_pb2.ActionProfileGroup(
            action_profile_id=info.preamble.id, group_id=group_id, max_size=max_size
        )
        for m in members:
            member_id, weight = (m, 1) if isinstance(m, int) else m
            msg.members.add(member_id=member_id, weight=weight)
        return msg

    def decode_group(self, msg: p4runtime_pb2.ActionProfileGroup) -> ActionProfileGroup:
        return ActionProfileGroup(
            self.schema.action_profiles.name_of(msg.action_profile_id),
            msg.group_id,
            [GroupMember(m.member_id, m.weight) for m in msg.members],
            msg.max_size,
        )

    # -- counters, meters, registers -----------------------------------------------------

    def counter_entry(self, counter: str, index: int | None = None,
                      data: CounterData | None = None) -> p4runtime_pb2.CounterEntry:
        info = self.schema.counters[counter]
        msg = p4runtime_pb2.CounterEntry(counter_id=info.preamble.id)
        _set_index(msg, info, index)
        if data is not None:
            msg.data.CopyFrom(_counter_proto(data))
        return msg

    def direct_counter_entry(self, table: str, match: Mapping[str, Any] | None = None, *,
                             priority: int = 0, data: CounterData | None = None
                             ) -> p4runtime_pb2.DirectCounterEntry:
        msg = p4runtime_pb2.DirectCounterEntry()
        msg.table_entry.CopyFrom(self.table_entry(table, match, priority=priority))
        if data is not None:
            msg.data.CopyFrom(_counter_proto(data))
        return msg

    def meter_entry(self, meter: str, index: int | None = None,
                    config: MeterConfig | None = None) -> p4runtime_pb2.MeterEntry:
        info = self.schema.meters[meter]
        msg = p4runtime_pb2.MeterEntry(meter_id=info.preamble.id)
        _set_index(msg, info, index)
        if config is not None:
            msg.config.CopyFrom(_meter_proto(config))
        return msg

    def direct_meter_entry(self, table: str, match: Mapping[str, Any] | None = None, *,
                           priority: int = 0, config: MeterConfig | None = None
                           ) -> p4runtime_pb2.DirectMeterEntry:
        msg = p4runtime_pb2.DirectMeterEntry()
        msg.table_entry.CopyFrom(self.table_entry(table, match, priority=priority))
        if config is not None:
            msg.config.CopyFrom(_meter_proto(config))
        return msg

    def register_entry(self, register: str, index: int | None = None,
                       value: Scalar | None = None) -> p4runtime_pb2.RegisterEntry:
        info = self.schema.registers[register]
        msg = p4runtime_pb2.RegisterEntry(register_id=info.preamble.id)
        _set_index(msg, info, index)
        if value is not None:
            width = self.schema.register_width(info.preamble.name)
            msg.data.bitstring = encode(value, width, f"register {info.preamble.name!r}")
        return msg

    def decode_register_value(self, msg: p4runtime_pb2.RegisterEntry) -> int:
        name = self.schema.registers.name_of(msg.register_id)
        return decode(msg.data.bitstring, self.schema.register_width(name), f"register {name!r}")

    # -- packet replication --------------------------------------------------------------

    def multicast_group(self, group_id: int, replicas: Iterable[int | tuple[int, int]] = ()
                        ) -> p4runtime_pb2.PacketReplicationEngineEntry:
        msg = p4runtime_pb2.PacketReplicationEngineEntry()
        group = msg.multicast_group_entry
        group.multicast_group_id = group_id
        group.replicas.extend(_replicas(replicas))
        return msg

    def clone_session(self, session_id: int, replicas: Iterable[int | tuple[int, int]] = (), *,
                      class_of_service: int = 0, packet_length_bytes: int = 0
                      ) -> p4runtime_pb2.PacketReplicationEngineEntry:
        msg = p4runtime_pb2.PacketReplicationEngineEntry()
        session = msg.clone_session_entry
        session.session_id = session_id
        session.replicas.extend(_replicas(replicas))
        session.class_of_service = class_of_service
        session.packet_length_bytes = packet_length_bytes
        return msg

    # -- packet I/O and digests ----------------------------------------------------------

    def packet_out(self, payload: bytes, metadata: Mapping[str, Scalar] | None = None
                   ) -> p4runtime_pb2.PacketOut:
        """A PacketOut with every `packet_out` header field (fields not given are 0)."""
        msg = p4runtime_pb2.PacketOut(payload=payload)
        given = dict(metadata or {})
        if "packet_out" not in self.schema.controller_packet_metadata:
            if given:
                raise EncodingError("the program has no @controller_header(\"packet_out\")")
            return msg
        fields = self.schema.packet_metadata("packet_out")
        for name in given:
            fields[name]  # noqa: B018 - raises UnknownNameError with suggestions
        for f in fields:
            value = encode(given.get(f.name, 0), f.bitwidth, f"packet_out field {f.name!r}")
            msg.metadata.add(metadata_id=f.id, value=value)
        return msg

    def decode_packet_in(self, msg: p4runtime_pb2.PacketIn) -> PacketIn:
        metadata = {}
        if msg.metadata:
            fields = self.schema.packet_metadata("packet_in")
            for m in msg.metadata:
                f = fields.by_id(m.metadata_id)
                metadata[f.name] = decode(m.value, f.bitwidth, f"packet_in field {f.name!r}")
        return PacketIn(msg.payload, metadata)

    def digest_entry(self, digest: str, *, max_timeout_ns: int = 0, max_list_size: int = 1,
                     ack_timeout_ns: int = 0) -> p4runtime_pb2.DigestEntry:
        msg = p4runtime_pb2.DigestEntry(digest_id=self.schema.digests[digest].preamble.id)
        msg.config.max_timeout_ns = max_timeout_ns
        msg.config.max_list_size = max_list_size
        msg.config.ack_timeout_ns = ack_timeout_ns
        return msg

    def decode_digest_list(self, msg: p4runtime_pb2.DigestList) -> DigestList:
        info = self.schema.digests.by_id(msg.digest_id)
        data = [self._decode_data(info, d) for d in msg.data]
        return DigestList(info.preamble.name, msg.list_id, data, msg.timestamp)

    def _decode_data(self, info: p4info_pb2.Digest, data: p4data_pb2.P4Data
                     ) -> dict[str, int] | int:
        spec = info.type_spec
        what = f"digest {info.preamble.name!r}"
        if spec.WhichOneof("type_spec") == "struct":
            fields = self.schema.struct_fields(spec.struct.name)
            members = data.struct.members
            if len(members) != len(fields):
                raise EncodingError(f"{what}: {len(members)} members, expected {len(fields)}")
            return {name: decode(m.bitstring, width, f"{what} member {name!r}")
                    for (name, width), m in zip(fields, members, strict=True)}
        width = bitstring_width(spec)
        if width is None:
            raise EncodingError(f"{what}: unsupported digest type")
        return decode(data.bitstring, width, what)


def decode_counter(data: p4runtime_pb2.CounterData) -> CounterData:
    return CounterData(packets=data.packet_count, bytes=data.byte_count)


def decode_meter(config: p4runtime_pb2.MeterConfig) -> MeterConfig:
    return MeterConfig(config.cir, config.cburst, config.pir, config.pburst)


def decode_replicas(replicas: Iterable[p4runtime_pb2.Replica]) -> list[Replica]:
    result = []
    for r in replicas:
        port = int.from_bytes(r.port, "big") if r.WhichOneof("port_kind") == "port" \
            else r.egress_port
        result.append(Replica(port, r.instance))
    return result


def decode_clone_session(msg: p4runtime_pb2.CloneSessionEntry) -> CloneSession:
    return CloneSession(msg.session_id, decode_replicas(msg.replicas), msg.class_of_service,
                        msg.packet_length_bytes)


def _replicas(replicas: Iterable[int | tuple[int, int]]) -> list[p4runtime_pb2.Replica]:
    """Replica protos from ports or (port, instance) pairs.

    The port goes in `egress_port` (deprecated in 1.4 in favour of bytes `port`) because
    BMv2's P4Runtime server reads only that field.
    """
    result = []
    for r in replicas:
        port, instance = (r, 0) if isinstance(r, int) else r
        result.append(p4runtime_pb2.Replica(egress_port=port, instance=instance))
    return result


def _counter_proto(data: CounterData) -> p4runtime_pb2.CounterData:
    return p4runtime_pb2.CounterData(packet_count=data.packets, byte_count=data.bytes)


def _meter_proto(config: MeterConfig) -> p4runtime_pb2.MeterConfig:
    return p4runtime_pb2.MeterConfig(cir=config.cir, cburst=config.cburst, pir=config.pir,
                                     pburst=config.pburst)


def _check_priority(table: str, needs_priority: bool, priority: int) -> None:
    if needs_priority and priority <= 0:
        raise EncodingError(
            f"table {table!r} has ternary, range or optional keys: give priority >= 1"
        )
    if not needs_priority and priority != 0:
        raise EncodingError(f"table {table!r} has only exact/lpm keys: priority must be 0")


def _set_index(msg: Any, info: Any, index: int | None) -> None:
    """Address one cell of a counter, meter or register array (None: all of them, a wildcard
    read), refusing indexes outside the array before the switch sees them."""
    if index is None:
        return
    if not 0 <= index < info.size:
        raise EncodingError(
            f"index {index} out of range for {info.preamble.name!r} (size {info.size})"
        )
    msg.index.index = index


def _params_by_name(action: str, declared: NameIndex[p4info_pb2.Action.Param],
                    params: Params | None) -> dict[str, Scalar]:
    """Parameter values by name from a mapping or a sequence, all present, none unknown."""
    if params is None:
        params = {}
    if isinstance(params, Mapping):
        for name in params:
            declared[name]  # noqa: B018 - raises UnknownNameError with suggestions
        values = dict(params)
    else:
        if len(params) != len(declared):
            raise EncodingError(
                f"action {action!r} takes {len(declared)} parameters, got {len(params)}"
            )
        values = {p.name: v for p, v in zip(declared, params, strict=True)}
    missing = [p.name for p in declared if p.name not in values]
    if missing:
        raise EncodingError(f"action {action!r}: missing parameters {', '.join(missing)}")
    return values

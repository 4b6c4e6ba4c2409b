"""P4Info as a queryable schema: every P4 object by control-plane name, alias or id.

Controllers name things the way P4 programmers do (`MyIngress.ipv4_lpm`, `ipv4_lpm`,
`hdr.ipv4.dstAddr`); P4Runtime messages carry numeric ids. This module is the one place that
translates between the two, and the one place that turns a typo into a helpful error
("did you mean 'MyIngress.ipv4_lpm'?") instead of a switch-side INVALID_ARGUMENT.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Generic, TypeVar

from google.protobuf import text_format
from p4.config.v1 import p4info_pb2, p4types_pb2

T = TypeVar("T")

#: P4Info files whose names end like this are protobuf text format (p4c writes `.txt` or
#: `.txtpb`); others may be either.
_TEXT_SUFFIXES = (".txt", ".txtpb", ".textproto", ".pbtxt", ".prototxt")


class UnknownNameError(LookupError):
    """A name that the P4Info does not define, with the closest names that it does define.

    `known` maps every accepted spelling (full name or alias) to the full name; messages
    and `suggestions` use full names only.
    """

    def __init__(self, kind: str, name: str, known: Mapping[str, str] | Iterable[str], *,
                 where: str = "") -> None:
        spellings = dict(known) if isinstance(known, Mapping) else {k: k for k in known}
        self.kind = kind
        self.name = name
        self.known = sorted(set(spellings.values()))
        self.suggestions = _suggest(name, spellings)
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        place = f" in {self.where}" if self.where else ""
        text = f"unknown {self.kind} {self.name!r}{place}"
        if self.suggestions:
            options = " or ".join(repr(s) for s in self.suggestions)
            return f"{text}; did you mean {options}?"
        if not self.known:
            return f"{text}; there are no {self.kind}s{place}"
        if len(self.known) <= 8:
            return f"{text}; known {self.kind}s: {', '.join(repr(k) for k in self.known)}"
        return f"{text}; {len(self.known)} {self.kind}s are defined{place}"


def _suggest(name: str, spellings: Mapping[str, str]) -> list[str]:
    """Up to three full names close to `name`, best first.

    Each spelling is compared whole and by its last dotted component (a field written without
    its `hdr.` path, a table without its control); only names scoring within 0.05 of the best
    (and at least 0.6) are kept, so one clear match is not diluted by weaker ones.
    """
    scores: dict[str, float] = {}
    for spelling, full in spellings.items():
        tail = spelling.rsplit(".", 1)[-1]
        score = max(difflib.SequenceMatcher(None, name, spelling).ratio(),
                    difflib.SequenceMatcher(None, name, tail).ratio())
        scores[full] = max(scores.get(full, 0.0), score)
    if not scores:
        return []
    best = max(scores.values())
    ranked = sorted(scores, key=lambda full: (-scores[full], full))
    return [f for f in ranked if scores[f] >= max(0.6, best - 0.05)][:3]


class NameIndex(Generic[T]):
    """One kind of P4Info object (tables, match fields of a table, ...) by name, alias and id.

    Full names win over aliases; iteration follows P4Info order.
    """

    def __init__(self, kind: str, items: Iterable[tuple[int, str, str, T]], where: str = ""):
        self.kind = kind
        self.where = where
        self._items: list[T] = []
        self._by_name: dict[str, T] = {}
        self._by_id: dict[int, T] = {}
        self._name_of_id: dict[int, str] = {}
        self._spellings: dict[str, str] = {}  # name or alias -> full name
        aliases: list[tuple[str, str, T]] = []
        for ident, name, alias, item in items:
            self._items.append(item)
            self._by_name[name] = item
            self._by_id[ident] = item
            self._name_of_id[ident] = name
            self._spellings[name] = name
            if alias and alias != name:
                aliases.append((alias, name, item))
        for alias, name, item in aliases:
            if alias not in self._by_name:
                self._by_name[alias] = item
                self._spellings[alias] = name

    def __getitem__(self, name: str) -> T:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._spellings, where=self.where) from None

    def get(self, name: str) -> T | None:
        return self._by_name.get(name)

    def by_id(self, ident: int) -> T:
        try:
            return self._by_id[ident]
        except KeyError:
            place = f" in {self.where}" if self.where else ""
            raise LookupError(f"unknown {self.kind} id {ident}{place}") from None

    def name_of(self, ident: int) -> str:
        """The full control-plane name of the object with this id."""
        self.by_id(ident)
        return self._name_of_id[ident]

    def names(self) -> list[str]:
        return list(self._name_of_id.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _preambled(kind: str, section: Iterable) -> NameIndex:
    return NameIndex(
        kind, ((o.preamble.id, o.preamble.name, o.preamble.alias, o) for o in section)
    )


def _named(kind: str, section: Iterable, where: str) -> NameIndex:
    return NameIndex(kind, ((o.id, o.name, "", o) for o in section), where)


def load_p4info(path: Path | str) -> p4info_pb2.P4Info:
    """Read a P4Info file in protobuf text or binary format.

    Known text suffixes are parsed as text; any other file is tried as text first (binary
    protobuf is almost never valid UTF-8 text format), then as binary.
    """
    data = Path(path).read_bytes()
    info = p4info_pb2.P4Info()
    if str(path).endswith(_TEXT_SUFFIXES):
        text_format.Parse(data.decode(), info, allow_unknown_field=True)
        return info
    try:
        text_format.Parse(data.decode(), info, allow_unknown_field=True)
    except (UnicodeDecodeError, text_format.ParseError):
        info = p4info_pb2.P4Info()
        info.ParseFromString(data)
    return info


def bitstring_width(spec: p4types_pb2.P4DataTypeSpec) -> int | None:
    """Width of a `bit<W>`/`int<W>` type spec, None for other types (structs, enums, ...)."""
    if spec.WhichOneof("type_spec") != "bitstring":
        return None
    kind = spec.bitstring.WhichOneof("type_spec")
    if kind == "bit":
        return spec.bitstring.bit.bitwidth
    if kind == "int":
        return spec.bitstring.int.bitwidth
    return None


class P4Schema:
    """Lookup tables over one P4Info message.

    Attributes `tables`, `actions`, `action_profiles`, `counters`, `direct_counters`,
    `meters`, `direct_meters`, `registers`, `digests` and `controller_packet_metadata` are
    `NameIndex`es of the P4Info protos; `match_fields`, `action_params` and
    `packet_metadata` index the parts of one object.
    """

    def __init__(self, p4info: p4info_pb2.P4Info) -> None:
        self.p4info = p4info
        self.tables = _preambled("table", p4info.tables)
        self.actions = _preambled("action", p4info.actions)
        self.action_profiles = _preambled("action profile", p4info.action_profiles)
        self.counters = _preambled("counter", p4info.counters)
        self.direct_counters = _preambled("direct counter", p4info.direct_counters)
        self.meters = _preambled("meter", p4info.meters)
        self.direct_meters = _preambled("direct meter", p4info.direct_meters)
        self.registers = _preambled("register", p4info.registers)
        self.digests = _preambled("digest", p4info.digests)
        self.controller_packet_metadata = _preambled(
            "controller packet metadata", p4info.controller_packet_metadata
        )
        self._match_fields = {
            t.preamble.id: _named("match field", t.match_fields, f"table {t.preamble.name!r}")
            for t in p4info.tables
        }
        self._params = {
            a.preamble.id: _named("parameter", a.params, f"action {a.preamble.name!r}")
            for a in p4info.actions
        }
        self._packet_metadata = {
            c.preamble.id: _named("metadata field", c.metadata, f"{c.preamble.name!r} header")
            for c in p4info.controller_packet_metadata
        }

    @classmethod
    def load(cls, path: Path | str) -> P4Schema:
        return cls(load_p4info(path))

    def table(self, table: str | p4info_pb2.Table) -> p4info_pb2.Table:
        return self.tables[table] if isinstance(table, str) else table

    def action(self, action: str | p4info_pb2.Action) -> p4info_pb2.Action:
        return self.actions[action] if isinstance(action, str) else action

    def match_fields(self, table: str | p4info_pb2.Table) -> NameIndex[p4info_pb2.MatchField]:
        return self._match_fields[self.table(table).preamble.id]

    def action_params(self, action: str | p4info_pb2.Action) -> NameIndex[p4info_pb2.Action.Param]:
        return self._params[self.action(action).preamble.id]

    def packet_metadata(self, header: str) -> NameIndex:
        """Fields of the `packet_in` or `packet_out` controller header, in P4Info order."""
        return self._packet_metadata[self.controller_packet_metadata[header].preamble.id]

    def table_action(
        self, table: str | p4info_pb2.Table, action: str | p4info_pb2.Action
    ) -> p4info_pb2.Action:
        """The action, checked to be one of the table's actions (errors list only those)."""
        info = self.table(table)
        allowed = [ref.id for ref in info.action_refs]
        act = self.actions.get(action) if isinstance(action, str) else action
        if act is None or act.preamble.id not in allowed:
            name = action if isinstance(action, str) else action.preamble.name
            spellings = {}
            for ident in allowed:
                allowed_action = self.actions.by_id(ident)
                full = allowed_action.preamble.name
                spellings[full] = full
                spellings.setdefault(allowed_action.preamble.alias or full, full)
            raise UnknownNameError("action", name, spellings,
                                   where=f"table {info.preamble.name!r}")
        return act

    def needs_priority(self, table: str | p4info_pb2.Table) -> bool:
        """Whether entries of the table carry a priority (a ternary, range or optional key)."""
        kinds = {p4info_pb2.MatchField.TERNARY, p4info_pb2.MatchField.RANGE,
                 p4info_pb2.MatchField.OPTIONAL}
        return any(f.match_type in kinds for f in self.table(table).match_fields)

    def register_width(self, register: str) -> int:
        spec = self.registers[register].type_spec
        width = bitstring_width(spec)
        if width is None:
            raise ValueError(f"register {register!r} does not hold a bit<W> or int<W> value")
        return width

    def struct_fields(self, struct_name: str) -> list[tuple[str, int]]:
        """(name, width) of each member of a P4Info struct type (digest data), in order."""
        fields = []
        for member in self.p4info.type_info.structs[struct_name].members:
            width = bitstring_width(member.type_spec)
            if width is None:
                raise ValueError(f"member {member.name!r} of struct {struct_name!r} is not bit<W>")
            fields.append((member.name, width))
        return fields

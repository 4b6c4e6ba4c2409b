"""The program's control-plane objects as STF names them, read from its P4Info.

p4c's BMv2 STF runner finds a table or action by its full control-plane name or, failing that,
by a unique suffix of it (`ipv4_lpm` for `MyIngress.ipv4_lpm`); key fields by their P4Info
name, a `.`-suffix of it, or the validity spellings `h.valid` / `h` for `h.$valid$`. This
module gives those lookups, with "did you mean" hints when a name is unknown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from p4.config.v1 import p4info_pb2

from p4sim.runtime.tables import MATCH_KINDS, PRIORITY_KINDS
from p4sim.stf.syntax import Loc, StfError

# P4Info match type -> the switch's name of that match kind (P4Info's enum names are the same
# names in capitals), so the kinds STF binds are by construction the ones the tables take.
_MATCH_KINDS = {p4info_pb2.MatchField.MatchType.Value(kind.upper()): kind for kind in MATCH_KINDS}
_SCOPES = {
    p4info_pb2.ActionRef.TABLE_AND_DEFAULT: "table_and_default",
    p4info_pb2.ActionRef.TABLE_ONLY: "table_only",
    p4info_pb2.ActionRef.DEFAULT_ONLY: "default_only",
}
_UNITS = {1: "bytes", 2: "packets", 3: "both"}  # CounterSpec / MeterSpec unit values


@dataclass(frozen=True, slots=True)
class KeyInfo:
    name: str
    width: int
    kind: str  # exact | lpm | ternary | range | optional


@dataclass(frozen=True, slots=True)
class ActionInfo:
    name: str
    params: tuple[tuple[str, int], ...]  # (name, bit width) in declaration order


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str
    keys: tuple[KeyInfo, ...]
    actions: Mapping[str, tuple[ActionInfo, str]]  # full name -> (action, scope)
    indirect: bool  # implemented by an action profile or selector

    @property
    def needs_priority(self) -> bool:
        return any(k.kind in PRIORITY_KINDS for k in self.keys)


@dataclass(frozen=True, slots=True)
class ArrayInfo:
    """A counter, meter or register: `unit` is packets/bytes/both for counters and meters,
    `width` the cell width of a register; `table` is set for direct counters and meters."""

    name: str
    size: int
    unit: str = ""
    width: int = 0
    table: str | None = None


T = TypeVar("T")


def find(objects: Mapping[str, T], given: str, what: str, loc: Loc, where: str = "") -> T:
    """Look `given` up by full name, then by a unique `.`-suffix, then by a unique suffix;
    `where` (" in table X") is added to error messages."""
    if given in objects:
        return objects[given]
    for matches in (
        [n for n in objects if n.endswith("." + given)],
        [n for n in objects if n.endswith(given)],
    ):
        if len(matches) == 1:
            return objects[matches[0]]
        if matches:
            listed = ", ".join(sorted(matches))
            raise StfError(loc, f"{what} name {given!r}{where} is ambiguous: {listed}")
    raise StfError(loc, f"no {what} named {given!r}{where}{_hint(given, list(objects))}")


def _hint(given: str, names: list[str]) -> str:
    if not names:
        return " (the program has none)"
    short = {n.rsplit(".", 1)[-1]: n for n in names}
    close = difflib.get_close_matches(given, names, n=3, cutoff=0.6)
    close += [short[s] for s in difflib.get_close_matches(given, list(short), n=3, cutoff=0.6)]
    unique = list(dict.fromkeys(close))
    if unique:
        return "; did you mean " + " or ".join(repr(n) for n in unique[:3]) + "?"
    listed = ", ".join(sorted(names)[:8])
    return f" (known: {listed}{', ...' if len(names) > 8 else ''})"


def find_key(table: TableInfo, given: str, loc: Loc) -> int:
    """Index of the key field `given` names, with p4c's spellings for stacks and validity."""
    names = [k.name for k in table.keys]
    wanted = re.sub(r"\$([0-9]+)", r"[\1]", given)  # hdr.stack$0.f is hdr.stack[0].f
    candidates = [wanted, wanted + ".$valid$"]
    if wanted.endswith(".valid"):
        candidates.append(wanted[: -len("valid")] + "$valid$")
    for name in candidates:
        if name in names:
            return names.index(name)
    suffix = [
        i
        for i, n in enumerate(names)
        if n.endswith("." + wanted) or (wanted == "valid" and n.endswith(".$valid$"))
    ]
    if len(suffix) == 1:
        return suffix[0]
    if suffix:
        listed = ", ".join(names[i] for i in suffix)
        raise StfError(loc, f"key name {given!r} of table {table.name} is ambiguous: {listed}")
    raise StfError(loc, f"table {table.name} has no key {given!r}{_hint(given, names)}")


def find_action(table: TableInfo, given: str, loc: Loc) -> tuple[ActionInfo, str]:
    """The table's action `given` names, and its scope."""
    return find(table.actions, given, "action", loc, f" in table {table.name}")


class Catalog:
    """Name lookups over one program's P4Info."""

    def __init__(self, p4info: p4info_pb2.P4Info) -> None:
        actions = {
            a.preamble.id: ActionInfo(
                a.preamble.name, tuple((p.name, p.bitwidth) for p in a.params)
            )
            for a in p4info.actions
        }
        self.tables: dict[str, TableInfo] = {}
        table_names: dict[int, str] = {}
        for t in p4info.tables:
            table_names[t.preamble.id] = t.preamble.name
            self.tables[t.preamble.name] = TableInfo(
                name=t.preamble.name,
                keys=tuple(
                    KeyInfo(f.name, f.bitwidth, _MATCH_KINDS.get(f.match_type, "exact"))
                    for f in t.match_fields
                ),
                actions={
                    actions[r.id].name: (actions[r.id], _SCOPES[r.scope]) for r in t.action_refs
                },
                indirect=t.implementation_id != 0,
            )
        self.counters = {
            c.preamble.name: ArrayInfo(c.preamble.name, c.size, _UNITS.get(c.spec.unit, ""))
            for c in p4info.counters
        }
        self.direct_counters = {
            c.preamble.name: ArrayInfo(
                c.preamble.name,
                0,
                _UNITS.get(c.spec.unit, ""),
                table=table_names[c.direct_table_id],
            )
            for c in p4info.direct_counters
        }
        self.meters = {
            m.preamble.name: ArrayInfo(m.preamble.name, m.size, _UNITS.get(m.spec.unit, ""))
            for m in p4info.meters
        }
        self.registers = {
            r.preamble.name: ArrayInfo(
                r.preamble.name, r.size, width=r.type_spec.bitstring.bit.bitwidth
            )
            for r in p4info.registers
        }

    def table(self, given: str, loc: Loc) -> TableInfo:
        return find(self.tables, given, "table", loc)

    def any_counter(self, given: str, loc: Loc) -> ArrayInfo:
        """An indirect or a direct counter (check_counter accepts both)."""
        return find({**self.counters, **self.direct_counters}, given, "counter", loc)

    def counter(self, given: str, loc: Loc) -> ArrayInfo:
        return find(self.counters, given, "counter", loc)

    def meter(self, given: str, loc: Loc) -> ArrayInfo:
        return find(self.meters, given, "meter", loc)

    def register(self, given: str, loc: Loc) -> ArrayInfo:
        return find(self.registers, given, "register", loc)

"""Bind parsed STF commands to the program: full names, typed key matches, checked values.

Binding happens for the whole file before the first packet is sent, so a misspelt name or an
out-of-range value on line 40 is reported as bad input (exit status 2) instead of surfacing
as a confusing packet mismatch after half the test has run.

Values follow p4c's BMv2 STF runner (`bmv2stf.py`), which turns each `add` into a
simple_switch_CLI `table_add`:
- ternary: a hex/binary/octal value's mask comes from its digits, so `0x0a**` is
  0x0a00&&&0xff00 and `0x800` on a 16-bit key is 0x800&&&0xfff; decimal values are refused.
- lpm: `V/L`, or a hex/binary/octal value whose prefix length is its number of non-`*` digits
  times the digit width (`0x0a******` is 0x0a000000/8); decimal values mean the full width.
- key fields left out: exact ones match 0, the others match anything.
- priorities: BMv2 lets the numerically smallest priority win and the runner passes
  10000 - PRIORITY, so in STF the largest priority wins, as in P4Runtime; the entry gets the
  P4Runtime priority PRIORITY + 1 (P4Runtime priorities start at 1). Tables without
  ternary/range/optional keys ignore a priority, as BMv2 does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from p4sim.runtime.tables import ActionCall, Exact, FieldMatch, Lpm, OptionalMatch, Range, Ternary
from p4sim.stf import syntax as s
from p4sim.stf.catalog import ArrayInfo, Catalog, KeyInfo, TableInfo, find_action, find_key
from p4sim.stf.syntax import Loc, StfError


@dataclass(frozen=True, slots=True)
class InsertEntry:
    loc: Loc
    table: str
    match: tuple[FieldMatch | None, ...]
    priority: int
    action: ActionCall
    handle: str | None


@dataclass(frozen=True, slots=True)
class SetDefaultAction:
    loc: Loc
    table: str
    action: ActionCall


@dataclass(frozen=True, slots=True)
class CounterCheck:
    """`check_counter`: an indirect counter cell (`index`) or a direct counter's cell on the
    entry added as `entry`; compares its `field` (packets or bytes) with `expected`."""

    loc: Loc
    counter: str
    index: int | None
    entry: InsertEntry | None
    field: str
    op: str
    expected: int
    text: str  # the cell as written, for messages


Bound = (
    InsertEntry
    | SetDefaultAction
    | CounterCheck
    | s.Packet
    | s.Expect
    | s.NoPacket
    | s.Wait
    | s.RemoveAll
    | s.MirroringAdd
    | s.MirroringAddMc
    | s.MirroringDelete
    | s.MirroringGet
    | s.McGroupCreate
    | s.McNodeCreate
    | s.McNodeUpdate
    | s.McNodeAssociate
    | s.CounterRead
    | s.CounterWrite
    | s.RegisterRead
    | s.RegisterWrite
    | s.RegisterReset
    | s.MeterGetRates
    | s.MeterSetRates
)


def bind(commands: Sequence[s.Command], catalog: Catalog) -> list[Bound]:
    """Bind every command; raises `StfError` at the first one the program cannot accept."""
    binder = _Binder(catalog)
    return [binder.bind(c) for c in commands]


class _Binder:
    """Binding state that spans lines: entry handles, and how each port is expected."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.handles: dict[str, InsertEntry] = {}
        self.any_port: set[int] = set()
        self.data_port: set[int] = set()

    def bind(self, cmd: s.Command) -> Bound:
        match cmd:
            case s.Add():
                return self._add(cmd)
            case s.SetDefault():
                table = self._direct_table(cmd.table, cmd.loc)
                action = _action(cmd.action, table, cmd.loc, True)
                return SetDefaultAction(cmd.loc, table.name, action)
            case s.CheckCounter():
                return self._check_counter(cmd)
            case s.Expect():
                self._expect(cmd)
            case s.CounterRead() | s.CounterWrite():
                info = self.catalog.counter(cmd.name, cmd.loc)
                _check_index(info, cmd.index, cmd.loc)
                return dataclasses.replace(cmd, name=info.name)
            case s.RegisterRead() | s.RegisterWrite() | s.RegisterReset():
                info = self.catalog.register(cmd.name, cmd.loc)
                if not isinstance(cmd, s.RegisterReset):
                    _check_index(info, cmd.index, cmd.loc)
                if isinstance(cmd, s.RegisterWrite):
                    _check_width(cmd.value, info.width, f"register {info.name}", cmd.loc)
                return dataclasses.replace(cmd, name=info.name)
            case s.MeterGetRates() | s.MeterSetRates():
                info = self.catalog.meter(cmd.name, cmd.loc)
                if cmd.index is not None:
                    _check_index(info, cmd.index, cmd.loc)
                if isinstance(cmd, s.MeterSetRates) and len(cmd.rates) != 2:
                    raise StfError(
                        cmd.loc, "a v1model meter takes two RATE:BURST pairs (committed, peak)"
                    )
                return dataclasses.replace(cmd, name=info.name)
        return cmd

    def _direct_table(self, name: str, loc: Loc) -> TableInfo:
        table = self.catalog.table(name, loc)
        if table.indirect:
            raise StfError(
                loc, f"table {table.name} uses an action profile or selector: STF cannot fill it"
            )
        return table

    def _add(self, cmd: s.Add) -> InsertEntry:
        table = self._direct_table(cmd.table, cmd.loc)
        priority = 0
        if table.needs_priority:
            if cmd.priority is None:
                raise StfError(
                    cmd.loc,
                    f"table {table.name} has ternary, range or optional keys: give a priority "
                    f"after the table name (add {cmd.table} PRIORITY KEY:VALUE ...)",
                )
            priority = cmd.priority + 1
        entry = InsertEntry(
            cmd.loc,
            table.name,
            _match(table, cmd.keys, cmd.loc),
            priority,
            _action(cmd.action, table, cmd.loc, False),
            cmd.handle,
        )
        if cmd.handle is not None:
            if cmd.handle in self.handles:
                first = self.handles[cmd.handle].loc
                raise StfError(cmd.loc, f"entry handle {cmd.handle!r} is already used at {first}")
            self.handles[cmd.handle] = entry
        return entry

    def _check_counter(self, cmd: s.CheckCounter) -> CounterCheck:
        info = self.catalog.any_counter(cmd.name, cmd.loc)
        text = f"{info.name}({cmd.index})"
        field = cmd.kind or ("bytes" if info.unit == "bytes" else "packets")
        if info.unit in ("packets", "bytes") and field != info.unit:
            raise StfError(cmd.loc, f"counter {info.name} counts {info.unit}, not {field}")
        if info.table is None:
            if not isinstance(cmd.index, int):
                raise StfError(
                    cmd.loc, f"counter {info.name} is indirect: give an index, not a handle"
                )
            _check_index(info, cmd.index, cmd.loc)
            return CounterCheck(
                cmd.loc, info.name, cmd.index, None, field, cmd.op, cmd.expected, text
            )
        if not isinstance(cmd.index, str):
            raise StfError(
                cmd.loc,
                f"counter {info.name} is a direct counter of table {info.table}: give the "
                "handle of an entry (add ... = NAME, then check_counter COUNTER($NAME))",
            )
        entry = self.handles.get(cmd.index)
        if entry is None:
            raise StfError(cmd.loc, f"no entry with handle {cmd.index!r} is added before this")
        if entry.table != info.table:
            raise StfError(
                cmd.loc,
                f"entry {cmd.index!r} is in table {entry.table}, but counter {info.name} "
                f"belongs to table {info.table}",
            )
        return CounterCheck(cmd.loc, info.name, None, entry, field, cmd.op, cmd.expected, text)

    def _expect(self, cmd: s.Expect) -> None:
        """A port is either checked packet by packet or accepts anything, not both."""
        mine, other = (self.any_port, self.data_port)
        if cmd.pattern is not None:
            mine, other = other, mine
        if cmd.port in other:
            raise StfError(
                cmd.loc,
                f"port {cmd.port} has both 'expect {cmd.port}' without data (any packets) and "
                "expected packets",
            )
        mine.add(cmd.port)


def _check_index(info: ArrayInfo, index: int, loc: Loc) -> None:
    if index >= info.size:
        raise StfError(loc, f"index {index} is out of range for {info.name} (size {info.size})")


def _check_width(value: int, width: int, what: str, loc: Loc) -> None:
    if value >> width:
        raise StfError(loc, f"value {value:#x} does not fit {what} (bit<{width}>)")


def _action(spec: s.ActionSpec, table: TableInfo, loc: Loc, default: bool) -> ActionCall:
    action, scope = find_action(table, spec.name, loc)
    if default and scope == "table_only":
        raise StfError(loc, f"action {action.name} is @tableonly: it cannot be the default action")
    if not default and scope == "default_only":
        raise StfError(loc, f"action {action.name} is @defaultonly: it cannot be in an entry")
    given: dict[str, s.Number] = {}
    for name, number in spec.args:
        if name in given:
            raise StfError(loc, f"parameter {name!r} of {action.name} is given twice")
        given[name] = number
    known = [p for p, _ in action.params]
    unknown = [n for n in given if n not in known]
    if unknown:
        listed = ", ".join(known) or "none"
        raise StfError(
            loc, f"action {action.name} has no parameter {unknown[0]!r} (parameters: {listed})"
        )
    missing = [p for p in known if p not in given]
    if missing:
        raise StfError(loc, f"action {action.name} needs a value for {', '.join(missing)}")
    args = []
    for name, width in action.params:
        number = given[name]
        if number.has_wildcards:
            raise StfError(loc, f"parameter {name!r}: '*' digits are only for key values")
        _check_width(number.value, width, f"parameter {name!r}", loc)
        args.append(number.value)
    return ActionCall(action.name, tuple(args))


def _match(
    table: TableInfo, given: Sequence[tuple[str, s.MatchValue]], loc: Loc
) -> tuple[FieldMatch | None, ...]:
    fields: list[FieldMatch | None] = [Exact(0) if k.kind == "exact" else None for k in table.keys]
    seen: set[int] = set()
    for name, value in given:
        i = find_key(table, name, loc)
        if i in seen:
            raise StfError(loc, f"key {table.keys[i].name} is given twice")
        seen.add(i)
        fields[i] = _field(table.keys[i], value, loc)
    return tuple(fields)


def _field(key: KeyInfo, mv: s.MatchValue, loc: Loc) -> FieldMatch | None:
    """One key value as the table's match kind reads it (see the module docstring)."""
    full = (1 << key.width) - 1
    what = f"key {key.name}"
    first, second = mv.first, mv.second
    if second is not None and (first.has_wildcards or second.has_wildcards):
        raise StfError(loc, f"{what}: '*' digits cannot be combined with '/', '&&&' or '->'")
    _check_width(first.value, key.width, what, loc)
    if second is not None and mv.form != "prefix":
        _check_width(second.value, key.width, what, loc)
    digit_mask = None if first.mask is None else first.mask & full
    if key.kind == "exact":
        if mv.form != "plain" or first.has_wildcards:
            raise StfError(loc, f"{what} is exact: give a plain value, not {_form(mv)}")
        return Exact(first.value)
    if key.kind == "lpm":
        if mv.form == "plain":
            if first.mask is None:
                return _lpm(key, first.value, key.width, loc)
            if first.mask.bit_count() > key.width:
                raise StfError(
                    loc,
                    f"{what}: {first.text} has more digits than the key has bits, so its prefix "
                    f"length is too long; write {first.text}/{key.width}",
                )
            return _lpm(key, first.value, first.mask.bit_count(), loc)
        if mv.form == "prefix" and second is not None:
            return _lpm(key, first.value, second.value, loc)
        if mv.form == "mask" and second is not None and _is_prefix_mask(second.value, key.width):
            return _lpm(key, first.value, second.value.bit_count(), loc)
        raise StfError(loc, f"{what} is lpm: give VALUE/PREFIX_LENGTH, not {_form(mv)}")
    if key.kind == "ternary":
        if mv.form == "plain" and digit_mask is not None:
            mask = digit_mask
        elif mv.form == "prefix" and second is not None:
            mask = _prefix_mask(key, second.value, loc)
        elif mv.form == "mask" and second is not None:
            mask = second.value
        elif mv.form == "plain":
            raise StfError(
                loc,
                f"{what} is ternary: write its value in hex or binary (each written digit is "
                f"matched, '*' digits are wildcards) or as VALUE&&&MASK, not {first.text}",
            )
        else:
            raise StfError(loc, f"{what} is ternary: give VALUE&&&MASK, not {_form(mv)}")
        return Ternary(first.value & mask, mask) if mask else None
    if key.kind == "optional":
        mask = None
        if mv.form == "plain":
            mask = full if digit_mask is None else digit_mask
        elif mv.form == "mask" and second is not None:
            mask = second.value
        if mask == full:
            return OptionalMatch(first.value)
        if mask == 0:
            return None
        raise StfError(
            loc, f"{what} is optional: give a value with every bit set or all '*', not {_form(mv)}"
        )
    if key.kind == "range":
        if mv.form == "plain" and not first.has_wildcards:
            return Range(first.value, first.value)
        if mv.form == "range" and second is not None:
            if first.value > second.value:
                raise StfError(loc, f"{what}: empty range {_form(mv)}")
            if (first.value, second.value) == (0, full):
                return None
            return Range(first.value, second.value)
        raise StfError(loc, f"{what} is range: give LOW->HIGH, not {_form(mv)}")
    raise StfError(loc, f"{what} has match kind {key.kind}, which STF cannot fill")


def _form(mv: s.MatchValue) -> str:
    sep = {"prefix": "/", "mask": "&&&", "range": "->"}.get(mv.form)
    if sep is None or mv.second is None:
        return mv.first.text
    return f"{mv.first.text}{sep}{mv.second.text}"


def _prefix_mask(key: KeyInfo, length: int, loc: Loc) -> int:
    if length > key.width:
        raise StfError(
            loc, f"key {key.name}: prefix length {length} is longer than the key (bit<{key.width}>)"
        )
    full = (1 << key.width) - 1
    return full ^ (full >> length)


def _is_prefix_mask(mask: int, width: int) -> bool:
    full = (1 << width) - 1
    return mask == full ^ (full >> mask.bit_count())


def _lpm(key: KeyInfo, value: int, length: int, loc: Loc) -> Lpm | None:
    mask = _prefix_mask(key, length, loc)
    return Lpm(value & mask, length) if length else None

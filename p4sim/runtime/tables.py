"""Match-action tables: BMv2's matching rules, entry bookkeeping and control-plane checks.

A `Table` holds the entries of one P4 table and answers `lookup(keys)` once per packet, so the
lookup structure is chosen once from the key's match kinds and the lookup is a bound method or
closure over it (no per-packet dispatch, no allocation beyond what Python does for ints):

- only `exact` keys: one dict from the key tuple to the entry (`lookup` *is* `dict.get`);
- `lpm` (with `exact` keys beside it, no ternary/range/optional): one dict per prefix length,
  scanned from the longest prefix, as BMv2's LPM trie answers (with several keys BMv2 puts the
  exact fields in front of the prefix, so they must match exactly: the dicts are per value of
  the exact fields);
- any `ternary`, `range` or `optional` key: a list kept sorted by priority; every key except the
  ranges is packed into one integer so each entry costs one `k & mask == value` test.

BMv2 facts reproduced here (bm_sim `match_units`, `lookup_structures.cpp`, `handle_mgr.h`, PI's
`pi_tables_imp.cpp` and the P4Runtime frontend `device_mgr.cpp`):

- Priorities use the P4Runtime meaning (larger wins). PI hands BMv2 `2**31-1 - priority`, where
  the smallest value wins; among entries of equal priority BMv2 keeps the first one in *handle*
  order. Entry handles are allocated lowest-free-first, so this is insertion order until an
  entry is deleted and its handle reused. `entries()` lists entries in handle order too, which
  is the order BMv2 returns them on a P4Runtime Read.
- A table whose P4 program gives `entries` is immutable as a whole in BMv2: inserting fails
  with UNKNOWN, and modifying or deleting one of those entries gives NOT_FOUND (PI never saw
  them). Without explicit priorities BMv2 ranks program entries in program order.
- PI checks the request first: wrong number or kind of key fields, values wider than the
  field, priority 0 where one is needed or non-zero where none is (all INVALID_ARGUMENT),
  unknown member / group id (INVALID_ARGUMENT), an existing key (ALREADY_EXISTS) or a missing
  one (NOT_FOUND). Then BMv2 may refuse: table full (size reached) or a group without members
  give UNKNOWN.
- Values are canonicalised on the way in (ternary values masked, LPM values cut to the
  prefix, a ternary mask of 0, an LPM prefix of 0 and a full range become "don't care",
  i.e. None), because BMv2 stores keys masked and PI reads such fields back as omitted.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterData, Meter

if TYPE_CHECKING:
    from p4sim.runtime.action_profiles import ActionProfile

# The P4Runtime match kinds v1model tables use (P4Info MatchField.MatchType, lower case), and
# those that make a table order its entries by priority (P4Runtime spec, "TableEntry").
MATCH_KINDS = ("exact", "lpm", "ternary", "range", "optional")
PRIORITY_KINDS = frozenset({"ternary", "range", "optional"})
BMV2_MAX_PRIORITY = (1 << 31) - 1
"""The largest P4Runtime priority BMv2 can store (PI pivots priorities on it)."""


@dataclass(frozen=True)
class KeyField:
    """One field of a table key: its P4Info name, match kind and width in bits."""

    name: str
    match_kind: str
    width: int


@dataclass(frozen=True, slots=True)
class Exact:
    value: int


@dataclass(frozen=True, slots=True)
class Lpm:
    value: int
    prefix_len: int


@dataclass(frozen=True, slots=True)
class Ternary:
    value: int
    mask: int


@dataclass(frozen=True, slots=True)
class Range:
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class OptionalMatch:
    value: int


FieldMatch = Exact | Lpm | Ternary | Range | OptionalMatch
Match = tuple[FieldMatch | None, ...]
"""One field match per key field, in key order; None matches anything ("don't care")."""


@dataclass(frozen=True)
class ActionCall:
    """An action with its data: control-plane name and arguments in declaration order."""

    name: str
    args: tuple[int, ...] = ()


@dataclass
class TableEntry:
    """One table entry. The table takes ownership on insert (and canonicalises `match`).

    A direct table's entry sets `action`; an indirect table's entry sets exactly one of
    `member_id` / `group_id`. `counter` is the entry's direct counter cell (used when the table
    has a direct counter; BMv2 adds the ingress length to `bytes`); `meter` is its direct meter
    once configured (None: every packet GREEN). `last_hit` is the switch clock reading of the
    entry's last hit, kept only in tables that support idle timeout (the control plane sets
    it when it starts an entry's timer).
    """

    match: Match
    priority: int = 0
    action: ActionCall | None = None
    member_id: int | None = None
    group_id: int | None = None
    is_const: bool = False
    controller_metadata: int = 0
    metadata: bytes = b""
    idle_timeout_ns: int = 0
    counter: CounterData = field(default_factory=CounterData)
    meter: Meter | None = None
    last_hit: float = field(default=0.0, compare=False)


class HandleAllocator:
    """Handles as BMv2's `HandleMgr` hands them out: always the lowest free one."""

    __slots__ = ("_free", "_next")

    def __init__(self) -> None:
        self._free: list[int] = []
        self._next = 0

    def get(self) -> int:
        if self._free:
            return heapq.heappop(self._free)
        handle = self._next
        self._next += 1
        return handle

    def release(self, handle: int) -> None:
        heapq.heappush(self._free, handle)


def _invalid(message: str) -> RuntimeApiError:
    return RuntimeApiError("INVALID_ARGUMENT", message)


def _check_fits(key: KeyField, value: int, what: str = "value") -> None:
    if not 0 <= value < 1 << key.width:
        raise _invalid(
            f"{what} {value:#x} of key field {key.name} does not fit in {key.width} bits"
        )


def _canonical_field(key: KeyField, fm: FieldMatch | None) -> FieldMatch | None:
    """`fm` validated against `key` and in canonical form (None for "don't care")."""
    kind = key.match_kind
    if fm is None:
        if kind == "exact":
            raise _invalid(f"exact key field {key.name} cannot be omitted")
        return None
    full = (1 << key.width) - 1
    if kind == "exact" and isinstance(fm, Exact):
        _check_fits(key, fm.value)
        return fm
    if kind == "lpm" and isinstance(fm, Lpm):
        _check_fits(key, fm.value)
        if not 0 <= fm.prefix_len <= key.width:
            raise _invalid(
                f"prefix length {fm.prefix_len} of key field {key.name} is not in 0..{key.width}"
            )
        if fm.prefix_len == 0:
            return None
        value = fm.value & (full ^ ((1 << (key.width - fm.prefix_len)) - 1))
        return fm if value == fm.value else Lpm(value, fm.prefix_len)
    if kind == "ternary" and isinstance(fm, Ternary):
        _check_fits(key, fm.value)
        _check_fits(key, fm.mask, "mask")
        if fm.mask == 0:
            return None
        value = fm.value & fm.mask
        return fm if value == fm.value else Ternary(value, fm.mask)
    if kind == "range" and isinstance(fm, Range):
        _check_fits(key, fm.low, "low bound")
        _check_fits(key, fm.high, "high bound")
        if fm.low > fm.high:
            raise _invalid(f"range of key field {key.name} has low {fm.low} > high {fm.high}")
        return None if fm.low == 0 and fm.high == full else fm
    if kind == "optional" and isinstance(fm, OptionalMatch):
        _check_fits(key, fm.value)
        return fm
    raise _invalid(f"key field {key.name} is {kind}, not {type(fm).__name__}")


def _field_mask(key: KeyField, fm: FieldMatch | None) -> tuple[int, int]:
    """(mask, value) of a canonical non-range field match, for the packed priority key."""
    full = (1 << key.width) - 1
    if fm is None:
        return 0, 0
    if isinstance(fm, Ternary):
        return fm.mask, fm.value
    if isinstance(fm, Lpm):
        return full ^ ((1 << (key.width - fm.prefix_len)) - 1), fm.value
    assert isinstance(fm, Exact | OptionalMatch)
    return full, fm.value


Lookup = Callable[[tuple[int, ...]], TableEntry | None]
_Level = tuple[int, int, dict[int, TableEntry]]  # (prefix length, mask, value -> entry)


def _level_add(levels: list[_Level], prefix_len: int, mask: int, value: int, e: TableEntry) -> None:
    """Add an entry to the per-prefix dicts, kept sorted by decreasing prefix length."""
    for level in levels:
        if level[0] == prefix_len:
            level[2][value] = e
            return
    levels.append((prefix_len, mask, {value: e}))
    levels.sort(key=lambda level: -level[0])


def _level_remove(levels: list[_Level], prefix_len: int, value: int) -> None:
    for i, level in enumerate(levels):
        if level[0] == prefix_len:
            del level[2][value]
            if not level[2]:
                del levels[i]
            return


class Table:
    """One P4 table: its entries, default action and `lookup`.

    `lookup(keys)` takes the key field values (ints, in key order) and returns the matching
    entry, or None on a miss (the executor then runs `default_action`). It is set per instance
    to the function for the table's match kinds. `supports_timeout` (P4 `support_timeout =
    true`) makes the executor record each hit in the entry's `last_hit`.
    """

    lookup: Lookup

    def __init__(
        self,
        name: str,
        keys: Sequence[KeyField],
        actions: Sequence[str],
        default_action: ActionCall,
        *,
        size: int = 1024,
        default_is_const: bool = False,
        profile: ActionProfile | None = None,
        direct_counter: str | None = None,
        direct_meter: str | None = None,
        supports_timeout: bool = False,
    ) -> None:
        for key in keys:
            if key.match_kind not in MATCH_KINDS:
                raise ValueError(f"table {name}: unknown match kind {key.match_kind!r}")
            if key.width < 0:
                raise ValueError(f"table {name}: key field {key.name} has negative width")
        self.name = name
        self.keys = tuple(keys)
        self.actions = tuple(actions)
        self.size = size
        self.profile = profile
        self.direct_counter = direct_counter
        self.direct_meter = direct_meter
        self.supports_timeout = supports_timeout
        self.default_action = default_action
        self.default_is_const = default_is_const
        self._initial_default = default_action
        kinds = [key.match_kind for key in self.keys]
        self.needs_priority = any(kind in PRIORITY_KINDS for kind in kinds)
        self._immutable = False
        self._entries: dict[object, TableEntry] = {}
        self._handles: dict[object, int] = {}
        self._handle_alloc = HandleAllocator()
        if self.needs_priority:
            self._mode = "priority"
            self._init_priority()
        elif "lpm" in kinds:
            self._mode = "lpm"
            self._init_lpm(kinds.index("lpm"))
        else:
            self._mode = "exact"
            self._exact: dict[tuple[int, ...], TableEntry] = {}
            self.lookup = self._exact.get

    # --- lookup structures ------------------------------------------------------------------

    def _init_lpm(self, index: int) -> None:
        self._lpm_index = index
        if len(self.keys) == 1:
            levels: list[_Level] = []
            self._lpm_levels = levels

            def lookup(keys: tuple[int, ...]) -> TableEntry | None:
                value = keys[0]
                for _, mask, entries in levels:
                    entry = entries.get(value & mask)
                    if entry is not None:
                        return entry
                return None

        else:
            by_rest: dict[tuple[int, ...], list[_Level]] = {}
            self._lpm_by_rest = by_rest

            def lookup(keys: tuple[int, ...]) -> TableEntry | None:
                levels = by_rest.get(keys[:index] + keys[index + 1 :])
                if levels is None:
                    return None
                value = keys[index]
                for _, mask, entries in levels:
                    entry = entries.get(value & mask)
                    if entry is not None:
                        return entry
                return None

        self.lookup = lookup

    def _init_priority(self) -> None:
        # Non-range fields are packed into one integer, each at its own bit offset.
        plan: list[tuple[int, int]] = []
        shift = 0
        for i in reversed(range(len(self.keys))):
            if self.keys[i].match_kind != "range":
                plan.append((i, shift))
                shift += self.keys[i].width
        self._plan = tuple(plan)
        records: list[tuple[int, int, tuple[tuple[int, int, int], ...], TableEntry]] = []
        self._records = records
        self._order: list[tuple[int, int]] = []  # (-priority, handle), parallel to records
        has_ranges = any(key.match_kind == "range" for key in self.keys)
        packed = self._plan

        if not has_ranges and len(packed) == 1:
            index = packed[0][0]

            def lookup(keys: tuple[int, ...]) -> TableEntry | None:
                k = keys[index]
                for mask, value, _, entry in records:
                    if k & mask == value:
                        return entry
                return None

        elif not has_ranges:

            def lookup(keys: tuple[int, ...]) -> TableEntry | None:
                k = 0
                for i, sh in packed:
                    k |= keys[i] << sh
                for mask, value, _, entry in records:
                    if k & mask == value:
                        return entry
                return None

        else:

            def lookup(keys: tuple[int, ...]) -> TableEntry | None:
                k = 0
                for i, sh in packed:
                    k |= keys[i] << sh
                for mask, value, ranges, entry in records:
                    if k & mask == value:
                        for i, low, high in ranges:
                            if not low <= keys[i] <= high:
                                break
                        else:
                            return entry
                return None

        self.lookup = lookup

    def _structure_add(self, entry: TableEntry, handle: int) -> None:
        match = entry.match
        if self._mode == "exact":
            self._exact[tuple(fm.value for fm in match)] = entry  # type: ignore[union-attr]
        elif self._mode == "lpm":
            levels = self._lpm_levels_for(match, create=True)
            prefix_len, mask, value = self._lpm_part(match)
            _level_add(levels, prefix_len, mask, value, entry)
        else:
            packed_mask = packed_value = 0
            ranges = [
                (i, fm.low, fm.high) for i, fm in enumerate(match) if isinstance(fm, Range)
            ]
            for i, sh in self._plan:
                mask, value = _field_mask(self.keys[i], match[i])
                packed_mask |= mask << sh
                packed_value |= value << sh
            order = (-entry.priority, handle)
            pos = bisect_left(self._order, order)
            self._order.insert(pos, order)
            self._records.insert(pos, (packed_mask, packed_value, tuple(ranges), entry))

    def _structure_remove(self, entry: TableEntry, handle: int) -> None:
        match = entry.match
        if self._mode == "exact":
            del self._exact[tuple(fm.value for fm in match)]  # type: ignore[union-attr]
        elif self._mode == "lpm":
            levels = self._lpm_levels_for(match, create=False)
            prefix_len, _, value = self._lpm_part(match)
            _level_remove(levels, prefix_len, value)
            if not levels and len(self.keys) > 1:
                del self._lpm_by_rest[self._lpm_rest(match)]
        else:
            pos = bisect_left(self._order, (-entry.priority, handle))
            del self._order[pos]
            del self._records[pos]

    def _lpm_rest(self, match: Match) -> tuple[int, ...]:
        index = self._lpm_index
        return tuple(fm.value for i, fm in enumerate(match) if i != index)  # type: ignore[union-attr]

    def _lpm_levels_for(self, match: Match, *, create: bool) -> list[_Level]:
        if len(self.keys) == 1:
            return self._lpm_levels
        rest = self._lpm_rest(match)
        if create:
            return self._lpm_by_rest.setdefault(rest, [])
        return self._lpm_by_rest[rest]

    def _lpm_part(self, match: Match) -> tuple[int, int, int]:
        """(prefix length, mask, value) of the LPM field of a canonical match."""
        key = self.keys[self._lpm_index]
        fm = match[self._lpm_index]
        if fm is None:
            return 0, 0, 0
        assert isinstance(fm, Lpm)
        return fm.prefix_len, _field_mask(key, fm)[0], fm.value

    # --- validation -------------------------------------------------------------------------

    def _canonical(self, match: Sequence[FieldMatch | None]) -> Match:
        if len(match) != len(self.keys):
            raise _invalid(
                f"table {self.name} has {len(self.keys)} key fields, the entry gives {len(match)}"
            )
        return tuple(_canonical_field(key, fm) for key, fm in zip(self.keys, match, strict=True))

    def _check_priority(self, priority: int) -> None:
        if self.needs_priority:
            if priority <= 0:
                raise _invalid(
                    f"table {self.name} has ternary/range/optional keys: priority must be > 0"
                )
            if priority > BMV2_MAX_PRIORITY:
                raise _invalid(f"priority {priority} exceeds BMv2's maximum {BMV2_MAX_PRIORITY}")
        elif priority != 0:
            raise _invalid(
                f"table {self.name} has no ternary/range/optional key: priority must be 0"
            )

    def _check_action_shape(self, entry: TableEntry) -> None:
        if self.profile is None:
            if entry.member_id is not None or entry.group_id is not None:
                raise _invalid(f"cannot give a member or group for direct table {self.name}")
            if entry.action is None:
                raise _invalid(f"an entry of table {self.name} needs an action")
        else:
            if entry.action is not None:
                raise _invalid(f"cannot give a direct action for indirect table {self.name}")
            if (entry.member_id is None) == (entry.group_id is None):
                raise _invalid(
                    f"an entry of indirect table {self.name} needs exactly one of member id, "
                    "group id"
                )

    def _ident(self, match: Match, priority: int) -> object:
        return (match, priority) if self.needs_priority else match

    def _target_error(self, doing: str, why: str) -> RuntimeApiError:
        return RuntimeApiError("UNKNOWN", f"Error when {doing} table {self.name}: {why}")

    # --- control plane ----------------------------------------------------------------------

    def insert(self, entry: TableEntry) -> None:
        """Add an entry (see the module docstring for the checks and their codes)."""
        match = self._canonical(entry.match)
        self._check_priority(entry.priority)
        self._check_action_shape(entry)
        if self.profile is not None:
            self.profile.check_reference(entry)
        ident = self._ident(match, entry.priority)
        existing = self._entries.get(ident)
        if existing is not None and not existing.is_const:
            raise RuntimeApiError(
                "ALREADY_EXISTS",
                f"table {self.name} already has an entry with this key, use MODIFY to change it",
            )
        if self._immutable:
            raise self._target_error(
                "adding an entry to", "its entries come from the P4 program and are immutable"
            )
        if len(self._entries) >= self.size:
            raise self._target_error("adding an entry to", f"the table is full ({self.size})")
        if self.profile is not None:
            self.profile.acquire(entry)
        entry.match = match
        entry.is_const = False
        self._store(ident, entry)

    def _store(self, ident: object, entry: TableEntry) -> None:
        handle = self._handle_alloc.get()
        self._entries[ident] = entry
        self._handles[ident] = handle
        self._structure_add(entry, handle)

    def modify(self, entry: TableEntry) -> None:
        """Change the action (or member / group) and metadata of an existing entry.

        The stored entry keeps its identity and its direct counter cell; its direct meter is
        replaced only when `entry.meter` is set.
        """
        match = self._canonical(entry.match)
        self._check_priority(entry.priority)
        self._check_action_shape(entry)
        if self.profile is not None:
            self.profile.check_reference(entry)
        stored = self._entries.get(self._ident(match, entry.priority))
        if stored is None or stored.is_const:
            raise RuntimeApiError("NOT_FOUND", f"table {self.name} has no entry with this key")
        if self.profile is not None:
            self.profile.acquire(entry)
            self.profile.release(stored)
        stored.action = entry.action
        stored.member_id = entry.member_id
        stored.group_id = entry.group_id
        stored.controller_metadata = entry.controller_metadata
        stored.metadata = entry.metadata
        stored.idle_timeout_ns = entry.idle_timeout_ns
        if entry.meter is not None:
            stored.meter = entry.meter

    def delete(self, match: Sequence[FieldMatch | None], priority: int) -> None:
        """Remove the entry with this key (NOT_FOUND if none, or if it is a program entry)."""
        canonical = self._canonical(match)
        self._check_priority(priority)
        ident = self._ident(canonical, priority)
        stored = self._entries.get(ident)
        if stored is None or stored.is_const:
            raise RuntimeApiError("NOT_FOUND", f"table {self.name} has no entry with this key")
        if self.profile is not None:
            self.profile.release(stored)
        handle = self._handles.pop(ident)
        del self._entries[ident]
        self._structure_remove(stored, handle)
        self._handle_alloc.release(handle)

    def get(self, match: Sequence[FieldMatch | None], priority: int) -> TableEntry | None:
        """The entry with this key (program entries included), or None."""
        canonical = self._canonical(match)
        self._check_priority(priority)
        return self._entries.get(self._ident(canonical, priority))

    def entries(self) -> list[TableEntry]:
        """All entries in BMv2 handle order (program entries first, then insertion order with
        freed handles reused lowest-first)."""
        handles = self._handles
        return [self._entries[i] for i in sorted(handles, key=handles.__getitem__)]

    def __len__(self) -> int:
        return len(self._entries)

    def set_default(self, action: ActionCall) -> None:
        """Change the default action (INVALID_ARGUMENT for an indirect table, PERMISSION_DENIED
        when the program declares it `const`)."""
        self._check_default_writable()
        self.default_action = action

    def reset_default(self) -> None:
        """Back to the program's default action (same refusals as `set_default`)."""
        self._check_default_writable()
        self.default_action = self._initial_default

    def _check_default_writable(self) -> None:
        if self.profile is not None:
            raise _invalid(f"cannot set or reset the default action of indirect table {self.name}")
        if self.default_is_const:
            raise RuntimeApiError(
                "PERMISSION_DENIED",
                f"cannot set or reset the default action of table {self.name}, which is const",
            )

    def add_const_entries(self, entries: Iterable[TableEntry]) -> None:
        """Install the entries the P4 program declares (for the loader only).

        Once at least one is installed the table is immutable, as in BMv2 (so call this only
        for tables whose P4 declares entries). An entry of a table that needs priorities and
        has priority 0 gets the priority BMv2's P4Runtime server reports for program order:
        p4c numbers the entries 1, 2, ... in the BMv2 JSON and PI reports BMv2 priority `p` as
        `2**31-1 - p`, so 2**31-2 for the first, one less for each next. An explicit priority
        (P4Runtime meaning, larger wins) is kept. RuntimeApiError INVALID_ARGUMENT for a
        malformed or duplicate entry, as BMv2 refuses such a JSON file.
        """
        if self.profile is not None:
            raise ValueError(f"table {self.name}: BMv2 has no program entries for indirect tables")
        const_count = sum(1 for e in self._entries.values() if e.is_const)
        for entry in entries:
            const_count += 1
            if self.needs_priority and entry.priority == 0:
                entry.priority = BMV2_MAX_PRIORITY - const_count
            match = self._canonical(entry.match)
            self._check_priority(entry.priority)
            self._check_action_shape(entry)
            ident = self._ident(match, entry.priority)
            if ident in self._entries:
                raise _invalid(f"duplicate entries in the initializer of table {self.name}")
            if len(self._entries) >= self.size:
                raise _invalid(f"table {self.name} has more program entries than its size")
            entry.match = match
            entry.is_const = True
            self._store(ident, entry)
            self._immutable = True

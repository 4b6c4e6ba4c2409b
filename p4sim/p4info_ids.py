"""P4Runtime IDs and aliases, allocated exactly as p4c's P4Info generator does.

A controller written against the reference toolchain may hard-code numeric IDs
(or cache a P4Info produced by ``p4c-bm2-ss``), so p4sim must hand out the very
same numbers.  p4c derives every top-level ID from the object's fully qualified
control-plane name, which makes the allocation a pure function of the set of
names in the program.  This module reproduces that function; see
``docs/p4info-rules.md`` for the rules and the p4c sources they come from.

The module is pure: no I/O, no global state.  Typical use::

    ids = IdAllocator()
    ids.add(P4Ids.TABLE, "MyIngress.ipv4_lpm")
    ids.add(P4Ids.ACTION, "NoAction")
    ids.id_of(P4Ids.TABLE, "MyIngress.ipv4_lpm")  # -> 37375156
    ids.alias("MyIngress.ipv4_lpm")                # -> "ipv4_lpm"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum

__all__ = [
    "AliasSet",
    "IdAllocator",
    "P4Ids",
    "P4InfoIdError",
    "allocate_field_ids",
    "hashed_id",
    "jenkins_one_at_a_time",
    "make_id",
    "name_hash",
    "prefix_of",
    "resolve_explicit_id",
]

PREFIX_SHIFT = 24
"""The resource-type prefix occupies the most significant byte of an ID."""

SUFFIX_MASK = 0xFFFFFF
"""The low 24 bits of an ID carry (a probe of) the name hash."""

_UINT32_MASK = 0xFFFFFFFF


class P4Ids(IntEnum):
    """Resource-type prefixes, values of ``p4.config.v1.P4Ids.Prefix`` (p4runtime 1.4)."""

    UNSPECIFIED = 0x00
    ACTION = 0x01
    TABLE = 0x02
    VALUE_SET = 0x03
    CONTROLLER_HEADER = 0x04
    PSA_EXTERNS_START = 0x10
    ACTION_PROFILE = 0x11
    COUNTER = 0x12
    DIRECT_COUNTER = 0x13
    METER = 0x14
    DIRECT_METER = 0x15
    REGISTER = 0x16
    DIGEST = 0x17
    OTHER_EXTERNS_START = 0x80
    MAX = 0xFF


class P4InfoIdError(ValueError):
    """An ID request that p4c rejects with a compile error.

    The message is the one p4c prints, so the front end can attach it to the
    offending declaration as a diagnostic.
    """


def jenkins_one_at_a_time(data: bytes) -> int:
    """Bob Jenkins' one-at-a-time hash over ``data``, with 32-bit wrap-around.

    p4c uses this hash (``P4RuntimeSymbolTable::jenkinsOneAtATimeHash``) on the
    bytes of a control-plane name; every intermediate result is truncated to an
    unsigned 32-bit value, as C++ ``uint32_t`` arithmetic does.
    """
    value = 0
    for byte in data:
        value = (value + byte) & _UINT32_MASK
        value = (value + (value << 10)) & _UINT32_MASK
        value ^= value >> 6
    value = (value + (value << 3)) & _UINT32_MASK
    value ^= value >> 11
    value = (value + (value << 15)) & _UINT32_MASK
    return value


def name_hash(name: str) -> int:
    """The 32-bit hash p4c computes for a control-plane name (its UTF-8 bytes)."""
    return jenkins_one_at_a_time(name.encode("utf-8"))


def make_id(prefix: int, value: int) -> int:
    """Combine a resource prefix with the low 24 bits of ``value``."""
    return ((int(prefix) & 0xFF) << PREFIX_SHIFT) | (value & SUFFIX_MASK)


def hashed_id(prefix: int, name: str) -> int:
    """The ID p4c gives ``name`` when nothing else of its type collides with it."""
    return make_id(prefix, name_hash(name))


def prefix_of(p4_id: int) -> int:
    """The resource-type prefix (most significant byte) of an ID."""
    return (p4_id >> PREFIX_SHIFT) & 0xFF


def resolve_explicit_id(prefix: int, annotated: int) -> int:
    """The ID p4c derives from an ``@id(annotated)`` on a top-level object.

    The value must fit an unsigned 32-bit integer.  If its top byte is zero the
    resource prefix is OR-ed in; if the top byte is set it must already equal
    the prefix of the object's type.
    """
    if not 0 <= annotated <= _UINT32_MASK:
        raise P4InfoIdError("@id should be an unsigned integer")
    type_prefix = (int(prefix) & 0xFF) << PREFIX_SHIFT
    given_prefix = annotated & (0xFF << PREFIX_SHIFT)
    if given_prefix not in (0, type_prefix):
        raise P4InfoIdError("@id has the wrong 8-bit prefix")
    return annotated | type_prefix


def allocate_field_ids(explicit: Sequence[int | None]) -> list[int]:
    """IDs of match fields, action parameters or packet metadata, in order.

    ``explicit[i]`` is the ``@id`` of the i-th element (or ``None``).  This
    mirrors p4c's ``FieldIdAllocator``: user IDs are taken first; then a
    counter starting at 1 walks the elements, stepping over every element that
    has its own ``@id`` and over numbers already taken.  Without any ``@id``
    the result is simply ``1..n``.
    """
    taken: set[int] = set()
    for value in explicit:
        if value is None:
            continue
        if value == 0:
            raise P4InfoIdError("0 is not a valid @id value")
        if value in taken:
            raise P4InfoIdError(f"@id {value} is used multiple times")
        taken.add(value)
    result: list[int] = []
    index = 1
    for value in explicit:
        if value is not None:
            result.append(value)
            index += 1
            continue
        while index in taken:
            index += 1
        result.append(index)
        taken.add(index)
    return result


class _SuffixNode:
    """One path component in the tree of reversed names."""

    __slots__ = ("edges", "instances")

    def __init__(self) -> None:
        self.instances = 0
        self.edges: dict[str, _SuffixNode] = {}


class AliasSet:
    """Shortest unique dot-separated suffix of each name (p4c's default alias).

    Names are split on ``.``; a name's alias is its last k components, where k
    is the smallest count whose suffix no other name in the set shares (or all
    components, if the name is itself a suffix of another).  p4c feeds this set
    with every control-plane symbol of every resource type.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._root = _SuffixNode()
        self._names: set[str] = set()
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        """Insert ``name``; inserting the same name twice has no effect."""
        if not name:
            raise ValueError("control-plane names cannot be empty")
        if name in self._names:
            return
        self._names.add(name)
        node = self._root
        for component in reversed(name.split(".")):
            node = node.edges.setdefault(component, _SuffixNode())
            node.instances += 1

    def alias(self, name: str) -> str:
        """The shortest suffix of ``name`` that identifies it within the set."""
        if name not in self._names:
            raise KeyError(name)
        components = name.split(".")
        needed = 0
        node = self._root
        for component in reversed(components):
            node = node.edges[component]
            needed += 1
            if node.instances < 2:
                break
        return ".".join(components[-needed:])


class IdAllocator:
    """Collects (resource type, name) symbols, then numbers them as p4c does.

    Phase one is :meth:`add`, called for every symbol (duplicates of the same
    type and name are ignored, as in p4c).  The first lookup freezes the set
    and computes all IDs: explicit ``@id`` values are reserved as they are
    added; every other symbol of a type is then visited in byte-wise sorted
    name order and gets ``prefix << 24 | hash & 0xffffff``, where on a
    collision the 32-bit hash is incremented (linear probing) until the
    resulting ID is free.
    """

    def __init__(self) -> None:
        self._explicit: dict[tuple[int, str], int | None] = {}
        self._taken: set[int] = set()
        self._ids: dict[tuple[int, str], int] | None = None
        self._aliases = AliasSet()

    def add(self, prefix: int, name: str, explicit_id: int | None = None) -> None:
        """Register a symbol, optionally with the value of its ``@id``."""
        if self._ids is not None:
            raise RuntimeError("IDs are already assigned; add every symbol first")
        key = (int(prefix), name)
        if key in self._explicit:
            return
        resolved = None
        if explicit_id is not None:
            resolved = resolve_explicit_id(prefix, explicit_id)
            if resolved in self._taken:
                raise P4InfoIdError(f"@id {resolved} is assigned to multiple declarations")
            self._taken.add(resolved)
        self._explicit[key] = resolved
        self._aliases.add(name)

    def id_of(self, prefix: int, name: str) -> int:
        """The P4Runtime ID of a registered symbol."""
        return self.ids()[(int(prefix), name)]

    def alias(self, name: str) -> str:
        """The default alias of a registered name (across all resource types)."""
        return self._aliases.alias(name)

    def ids(self) -> dict[tuple[int, str], int]:
        """Every symbol's ID, keyed by (prefix, name); computed once."""
        if self._ids is None:
            self._ids = self._compute()
        return self._ids

    def _compute(self) -> dict[tuple[int, str], int]:
        ids = {key: value for key, value in self._explicit.items() if value is not None}
        taken = set(self._taken)
        pending = sorted(
            (key for key, value in self._explicit.items() if value is None),
            key=lambda key: (key[0], key[1].encode("utf-8")),
        )
        for prefix, name in pending:
            assigned = _probe(prefix, name_hash(name), taken)
            if assigned is None:
                raise P4InfoIdError(f"No available id to represent {name} in P4Runtime")
            taken.add(assigned)
            ids[(prefix, name)] = assigned
        return ids


def _probe(prefix: int, start: int, taken: set[int]) -> int | None:
    """First free ID reached by incrementing the 32-bit hash from ``start``.

    Only the low 24 bits reach the ID, so 2**24 steps visit every candidate.
    """
    value = start
    for _ in range(SUFFIX_MASK + 1):
        candidate = make_id(prefix, value)
        if candidate not in taken:
            return candidate
        value = (value + 1) & _UINT32_MASK
    return None

"""Run-time support for generated pipelines: P4 values, packet cursors and control-flow signals.

Generated code (see `codegen.py`) builds one Python class per header, header union and struct
type on top of the base classes here. The representation is chosen for speed in CPython:

- `bit<W>` and `int<W>` values are plain `int`s (signed ones in two's-complement range), `bool`
  is `bool`, enum members and errors are `str` names, serializable enum members are `int`s.
- Headers, unions and structs are `__slots__` objects whose fields are named `f_<p4 name>` (so no
  P4 identifier can clash with a Python keyword). Header validity is the slot `valid_`.
- Assignment of a composite value copies *into* the target (`assign_from`), so every object keeps
  its identity for the whole packet and the architecture can hold on to `hdr`, `meta` and
  `standard_metadata` while controls run.
"""

from __future__ import annotations

from typing import Any, ClassVar


class P4ParserError(Exception):
    """A parser error (`error.X`): ends parsing; v1model continues into ingress with it set."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class ExitSignal(Exception):
    """The P4 `exit` statement: ends the current top-level control (caught by the architecture)."""


class AssertionFailed(Exception):
    """A failed v1model `assert`/`assume`; BMv2 logs it and stops, p4sim drops the packet."""


class Composite:
    """Common behaviour of generated headers, unions and structs."""

    __slots__ = ()
    _members: ClassVar[tuple[str, ...]] = ()  # slot names of the P4 fields, in order
    _composite: ClassVar[tuple[str, ...]] = ()  # slot names holding nested composites/stacks

    def copy(self) -> Any:
        new = object.__new__(type(self))
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        for name in self._composite:
            setattr(new, name, getattr(self, name).copy())
        return new

    def assign_from(self, other: Composite) -> None:
        """P4 assignment `self = other`: a deep copy of `other`'s value into this object."""
        for name in self.__slots__:
            if name not in self._composite:
                setattr(self, name, getattr(other, name))
        for name in self._composite:
            getattr(self, name).assign_from(getattr(other, name))

    def restore_from(self, other: Composite) -> None:
        """Copy every slot of `other`, validity and fields of invalid headers included (the
        copy-out of an argument, which BMv2 passes by reference after p4c inlines the call)."""
        for name in self.__slots__:
            if name not in self._composite:
                setattr(self, name, getattr(other, name))
        for name in self._composite:
            getattr(self, name).restore_from(getattr(other, name))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def invalidate_all(self) -> None:
        """Make every header inside invalid (the value of an uninitialised `out` parameter)."""
        for name in self._composite:
            getattr(self, name).invalidate_all()


class Header(Composite):
    """Base of generated header classes. `valid_` is the validity bit."""

    __slots__ = ()
    _bits: ClassVar[int] = 0

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        if not self.valid_ and not other.valid_:  # type: ignore[attr-defined]
            return True
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def invalidate_all(self) -> None:
        self.valid_ = False  # type: ignore[attr-defined]

    def assign_from(self, other: Composite) -> None:
        """`self = other`: BMv2's assign_header copies the fields only from a valid header; an
        invalid source just makes the target invalid and leaves its fields as they were."""
        if other.valid_:  # type: ignore[attr-defined]
            self.restore_from(other)
        else:
            self.valid_ = False  # type: ignore[attr-defined]


class HeaderUnion(Composite):
    """Base of generated header-union classes: at most one member header is valid."""

    __slots__ = ()

    def is_valid(self) -> bool:
        return any(getattr(self, n).valid_ for n in self._members)

    def make_only_valid(self, member: str) -> None:
        """Invalidate the other members (after `member` became valid)."""
        for name in self._members:
            if name != member:
                getattr(self, name).valid_ = False

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._members)


class Stack:
    """A header stack: `size` elements and `next_index` (P4 `nextIndex`)."""

    __slots__ = ("items", "next_index")

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.next_index = 0

    @property
    def size(self) -> int:
        return len(self.items)

    def copy(self) -> Stack:
        new = Stack([h.copy() for h in self.items])
        new.next_index = self.next_index
        return new

    def assign_from(self, other: Stack) -> None:
        for mine, theirs in zip(self.items, other.items, strict=True):
            mine.assign_from(theirs)
        self.next_index = other.next_index

    def restore_from(self, other: Stack) -> None:
        for mine, theirs in zip(self.items, other.items, strict=True):
            mine.restore_from(theirs)
        self.next_index = other.next_index

    def invalidate_all(self) -> None:
        for h in self.items:
            h.invalidate_all()
        self.next_index = 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stack):
            return NotImplemented
        return self.items == other.items

    __hash__ = None  # type: ignore[assignment]

    def at(self, index: int) -> Any:
        """Element `index`; out of range gives a detached invalid element (reads are undefined)."""
        if 0 <= index < len(self.items):
            return self.items[index]
        spare = self.items[0].copy()
        spare.invalidate_all()
        return spare

    def next_for_extract(self) -> Any:
        """`hs.next` in a parser: the element to extract into, or StackOutOfBounds."""
        if self.next_index >= len(self.items):
            raise P4ParserError("StackOutOfBounds")
        return self.items[self.next_index]

    def last(self) -> Any:
        if self.next_index == 0:
            raise P4ParserError("StackOutOfBounds")
        return self.items[self.next_index - 1]

    def last_index(self) -> int:
        return (self.next_index - 1) & 0xFFFFFFFF

    def push_front(self, count: int) -> None:
        items = self.items
        for i in range(len(items) - 1, -1, -1):
            if i >= count:
                items[i].restore_from(items[i - count])
            else:
                items[i].invalidate_all()
        self.next_index = min(self.next_index + count, len(items))

    def pop_front(self, count: int) -> None:
        items = self.items
        for i in range(len(items)):
            if i + count < len(items):
                items[i].restore_from(items[i + count])
            else:
                items[i].invalidate_all()
        self.next_index = max(self.next_index - count, 0)


class PacketCursor:
    """The packet being parsed: its bytes and the bit offset of the next unparsed bit."""

    __slots__ = ("data", "pos", "nbits")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.nbits = len(data) * 8

    def take(self, bits: int) -> int:
        """Read and consume `bits` bits as an unsigned int; PacketTooShort when not there."""
        value = self.peek(bits)
        self.pos += bits
        return value

    def peek(self, bits: int) -> int:
        pos = self.pos
        end = pos + bits
        if end > self.nbits:
            raise P4ParserError("PacketTooShort")
        if bits == 0:
            return 0
        first = pos >> 3
        last = (end + 7) >> 3
        value = int.from_bytes(self.data[first:last], "big")
        value >>= (last << 3) - end
        return value & ((1 << bits) - 1)

    def advance(self, bits: int) -> None:
        """`advance(bits)`: BMv2 moves in whole bytes only (ParserInvalidArgument otherwise)."""
        if bits & 7:
            raise P4ParserError("ParserInvalidArgument")
        if self.pos + bits > self.nbits:
            raise P4ParserError("PacketTooShort")
        self.pos += bits

    def payload(self) -> bytes:
        """The bytes after the parsed headers (a partial byte counts as unparsed)."""
        return self.data[self.pos >> 3 :]


def to_signed(value: int, width: int) -> int:
    """Two's-complement reinterpretation of the low `width` bits of `value`."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def sat_add(a: int, b: int, lo: int, hi: int) -> int:
    """`|+|` and `|-|`: the exact result clamped to the type's range."""
    r = a + b
    return hi if r > hi else lo if r < lo else r


def shift_left(value: int, amount: int, mask: int, width: int) -> int:
    return (value << amount) & mask if amount < width else 0


def extract_fields(header: Header, pk: PacketCursor, varbit_bits: int = 0) -> None:
    """Field-by-field extraction (headers with a varbit field or a partial last byte).

    The whole header is checked against the packet first, so a short packet leaves the header
    invalid and the cursor where it was. For a varbit field BMv2 checks, in this order: the
    length is whole bytes (ParserInvalidArgument), the packet holds the header
    (PacketTooShort), the length fits the field (HeaderTooShort).
    """
    layout = header.layout_  # type: ignore[attr-defined]
    fixed = sum(w for _, w, kind in layout if kind != "v")
    max_varbit = next((w for _, w, kind in layout if kind == "v"), None)
    if max_varbit is not None and varbit_bits & 7:
        raise P4ParserError("ParserInvalidArgument")
    if pk.pos + fixed + varbit_bits > pk.nbits:
        raise P4ParserError("PacketTooShort")
    if max_varbit is not None and varbit_bits > max_varbit:
        raise P4ParserError("HeaderTooShort")
    for name, width, kind in layout:
        if kind == "v":
            setattr(header, name, pk.take(varbit_bits))
            setattr(header, "w_" + name[2:], varbit_bits)
            continue
        value = pk.take(width)
        if kind == "s":
            value = to_signed(value, width)
        elif kind == "b":
            value = bool(value)
        setattr(header, name, value)
    header.valid_ = True  # type: ignore[attr-defined]


def emit_fields(header: Header, out: list[bytes]) -> None:
    """Field-by-field emission, the counterpart of `extract_fields`."""
    acc = 0
    total = 0
    for name, width, kind in header.layout_:  # type: ignore[attr-defined]
        if kind == "v":
            width = getattr(header, "w_" + name[2:])
        acc = (acc << width) | (int(getattr(header, name)) & ((1 << width) - 1))
        total += width
    if total % 8:
        raise ValueError(
            f"header {header.type_name} is {total} bits long, not a whole number of bytes"  # type: ignore[attr-defined]
        )
    out.append(acc.to_bytes(total // 8, "big"))


def header_from_bits(header: Header, value: int) -> Header:
    """Fill a fixed-size header from the integer of its bits (for `lookahead<H>()`)."""
    shift = header.bits_  # type: ignore[attr-defined]
    for name, width, kind in header.layout_:  # type: ignore[attr-defined]
        shift -= width
        field = (value >> shift) & ((1 << width) - 1)
        if kind == "s":
            field = to_signed(field, width)
        elif kind == "b":
            field = bool(field)
        setattr(header, name, field)
    header.valid_ = True  # type: ignore[attr-defined]
    return header


def div_(a: int, b: int) -> int:
    """Unsigned division; BMv2 leaves division by zero undefined, p4sim gives 0."""
    return a // b if b else 0


def mod_(a: int, b: int) -> int:
    return a % b if b else 0


def init_fields(obj: Composite, pairs: tuple[tuple[str, Any], ...]) -> Composite:
    """A struct/header built from an initializer list; a header so built is valid."""
    for name, value in pairs:
        current = getattr(obj, name)
        if isinstance(current, (Composite, Stack)):
            current.assign_from(value)
        else:
            setattr(obj, name, value)
    if isinstance(obj, Header):
        obj.valid_ = True  # type: ignore[attr-defined]
    return obj


def plain_value(value: Any) -> Any:
    """A P4 value as nested tuples of ints (digests, log_msg): composites lose their classes."""
    if isinstance(value, Composite):
        return tuple(plain_value(getattr(value, n)) for n in value._members)
    if isinstance(value, Stack):
        return tuple(plain_value(h) for h in value.items)
    if isinstance(value, tuple):
        return tuple(plain_value(v) for v in value)
    return value

"""STF text -> typed commands, with the file and line of every command.

The STF ("simple test framework") format is the one p4c's BMv2 test runner reads: one command
per line, `#` starts a comment, command words are case-insensitive. This module knows only the
syntax; what names mean (tables, keys, actions, counters) is decided later against the P4Info
(`p4sim.stf.bind`), so a file can be checked without a program.

Accepted forms, as p4c's STF grammar and its BMv2 runner define them, plus three extensions
(marked *) that simple_switch_CLI users expect:

    add TABLE [PRIORITY] KEY:VALUE ... ACTION(PARAM:VALUE, ...) [= HANDLE]
    setdefault TABLE ACTION(PARAM:VALUE, ...)
    packet PORT HEX...              expect PORT [HEX-OR-*...] [$]        no_packet
    check_counter NAME(INDEX | HANDLE) [[packets|bytes] OP NUMBER]      (OP: == != < <= > >=)
    remove all      wait
    mirroring_add SESSION PORT      mirroring_add_mc SESSION GROUP
    mirroring_delete SESSION        mirroring_get SESSION
    mc_mgrp_create GROUP            mc_node_create RID PORT...
    mc_node_update NODE PORT...     mc_node_associate GROUP NODE
    counter_read NAME INDEX         counter_write NAME INDEX PACKETS BYTES
    register_read NAME INDEX        register_write NAME INDEX VALUE      register_reset NAME
    meter_get_rates NAME INDEX      meter_set_rates NAME INDEX RATE:BURST...
    meter_array_set_rates NAME RATE:BURST...

Numbers are decimal, `0x` hex, `0b` binary or `0o`* octal; in hex, binary and octal a `*` digit
is a wildcard. Key values are NUMBER, NUMBER/PREFIX_LEN, VALUE&&&MASK* or LOW->HIGH*.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAX_PORT = 511  # v1model ports are bit<9>


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a command is written; printed as `file:line` like compiler diagnostics."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class StfError(Exception):
    """Bad STF input (syntax, or a name or value the program does not accept) at a line."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message

    def __str__(self) -> str:
        return f"{self.loc}: error: {self.message}"


@dataclass(frozen=True, slots=True)
class Number:
    """An integer literal as written. `mask` has ones under the written non-`*` digits (hex,
    binary, octal) and is None for decimal, which has no digit-to-bit correspondence."""

    text: str
    value: int
    mask: int | None

    @property
    def has_wildcards(self) -> bool:
        return "*" in self.text


@dataclass(frozen=True, slots=True)
class MatchValue:
    """A key value: `plain` (a), `prefix` (a/b), `mask` (a&&&b) or `range` (a->b)."""

    form: str
    first: Number
    second: Number | None = None


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    args: tuple[tuple[str, Number], ...]


@dataclass(frozen=True, slots=True)
class Add:
    loc: Loc
    table: str
    priority: int | None
    keys: tuple[tuple[str, MatchValue], ...]
    action: ActionSpec
    handle: str | None


@dataclass(frozen=True, slots=True)
class SetDefault:
    loc: Loc
    table: str
    action: ActionSpec


@dataclass(frozen=True, slots=True)
class Packet:
    loc: Loc
    port: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Expect:
    """An expected packet: `pattern` is hex nibbles with `*` for any nibble; None means any
    number of packets of any content on the port. `exact` (a trailing `$`) forbids extra
    bytes after the pattern; without it the pattern is a prefix."""

    loc: Loc
    port: int
    pattern: str | None
    exact: bool


@dataclass(frozen=True, slots=True)
class NoPacket:
    """`no_packet`: the test expects no output packet on any port."""

    loc: Loc


@dataclass(frozen=True, slots=True)
class Wait:
    loc: Loc


@dataclass(frozen=True, slots=True)
class RemoveAll:
    loc: Loc


@dataclass(frozen=True, slots=True)
class CheckCounter:
    """`index` is an int (indirect counter cell) or the name of an `add ... = HANDLE` entry."""

    loc: Loc
    name: str
    index: int | str
    kind: str | None
    op: str
    expected: int


@dataclass(frozen=True, slots=True)
class MirroringAdd:
    loc: Loc
    session: int
    port: int


@dataclass(frozen=True, slots=True)
class MirroringAddMc:
    loc: Loc
    session: int
    group: int


@dataclass(frozen=True, slots=True)
class MirroringDelete:
    loc: Loc
    session: int


@dataclass(frozen=True, slots=True)
class MirroringGet:
    loc: Loc
    session: int


@dataclass(frozen=True, slots=True)
class McGroupCreate:
    loc: Loc
    group: int


@dataclass(frozen=True, slots=True)
class McNodeCreate:
    loc: Loc
    rid: int
    ports: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class McNodeUpdate:
    loc: Loc
    node: int
    ports: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class McNodeAssociate:
    loc: Loc
    group: int
    node: int


@dataclass(frozen=True, slots=True)
class CounterRead:
    loc: Loc
    name: str
    index: int


@dataclass(frozen=True, slots=True)
class CounterWrite:
    loc: Loc
    name: str
    index: int
    packets: int
    bytes: int


@dataclass(frozen=True, slots=True)
class RegisterRead:
    loc: Loc
    name: str
    index: int


@dataclass(frozen=True, slots=True)
class RegisterWrite:
    loc: Loc
    name: str
    index: int
    value: int


@dataclass(frozen=True, slots=True)
class RegisterReset:
    loc: Loc
    name: str


@dataclass(frozen=True, slots=True)
class MeterGetRates:
    loc: Loc
    name: str
    index: int


@dataclass(frozen=True, slots=True)
class MeterSetRates:
    """BMv2 CLI units: `rates` are (rate per microsecond, burst) pairs, committed first then
    peak. `index` None means every cell (`meter_array_set_rates`)."""

    loc: Loc
    name: str
    index: int | None
    rates: tuple[tuple[float, int], ...]


Command = (
    Add
    | SetDefault
    | Packet
    | Expect
    | NoPacket
    | Wait
    | RemoveAll
    | CheckCounter
    | MirroringAdd
    | MirroringAddMc
    | MirroringDelete
    | MirroringGet
    | McGroupCreate
    | McNodeCreate
    | McNodeUpdate
    | McNodeAssociate
    | CounterRead
    | CounterWrite
    | RegisterRead
    | RegisterWrite
    | RegisterReset
    | MeterGetRates
    | MeterSetRates
)

_NAME_PART = r"[A-Za-z_$][A-Za-z0-9_$]*(?:\[[0-9]+\])?"
_TOKEN = re.compile(
    rf"""\s*(?:
      (?P<quoted>"[^"]*")
    | (?P<punct>&&&|->|==|!=|<=|>=|[<>=:,()/])
    | (?P<num>[0-9][0-9A-Za-z*]*(?:\.[0-9]+)?)
    | (?P<name>{_NAME_PART}(?:\.{_NAME_PART})*)
    )""",
    re.VERBOSE,
)
_RADIX = {"0x": ("0123456789abcdefABCDEF", 4), "0b": ("01", 1), "0o": ("01234567", 3)}
_DECIMAL = re.compile(r"[0-9]+")  # str.isdigit() would also accept non-ASCII digits
_COUNT_OPS = ("==", "!=", "<", "<=", ">", ">=")


def parse_number(text: str, loc: Loc) -> Number:
    """Read one integer literal; `*` digits (hex/binary/octal only) read as 0 and clear `mask`."""
    prefix = text[:2].lower()
    if prefix in _RADIX:
        allowed, bits = _RADIX[prefix]
        digits = text[2:]
        if not digits or any(d != "*" and d not in allowed for d in digits):
            raise StfError(loc, f"invalid number {text!r}")
        value = int(digits.replace("*", "0"), 1 << bits)
        digit_mask = (1 << bits) - 1
        mask = 0
        for d in digits:
            mask = (mask << bits) | (0 if d == "*" else digit_mask)
        return Number(text, value, mask)
    if not _DECIMAL.fullmatch(text):
        raise StfError(loc, f"invalid number {text!r}")
    return Number(text, int(text), None)


class _Line:
    """Tokens of one command line and a cursor over them."""

    def __init__(self, text: str, loc: Loc) -> None:
        self.loc = loc
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                bad = text[pos:].lstrip()[:1]
                raise StfError(loc, f"unexpected character {bad!r}")
            kind = m.lastgroup or ""
            value = m.group(kind)
            if kind == "quoted":
                kind, value = "name", value[1:-1]
                if not value:
                    raise StfError(loc, "empty quoted name")
            self.tokens.append((kind, value))
            pos = m.end()
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else ("end", "")

    def at(self, value: str) -> bool:
        kind, text = self.peek()
        return kind == "punct" and text == value

    def take(self, kind: str, what: str) -> str:
        got_kind, text = self.peek()
        if got_kind != kind:
            raise StfError(self.loc, f"expected {what}, found {_describe(got_kind, text)}")
        self.pos += 1
        return text

    def punct(self, value: str) -> None:
        if not self.at(value):
            kind, text = self.peek()
            raise StfError(self.loc, f"expected '{value}', found {_describe(kind, text)}")
        self.pos += 1

    def number(self, what: str) -> Number:
        return parse_number(self.take("num", what), self.loc)

    def integer(self, what: str) -> int:
        """A number without wildcards."""
        num = self.number(what)
        if num.has_wildcards:
            raise StfError(self.loc, f"{what} cannot contain '*' digits: {num.text}")
        return num.value

    def port(self) -> int:
        return _check_port(self.integer("a port number"), self.loc)

    def end(self) -> None:
        kind, text = self.peek()
        if kind != "end":
            raise StfError(self.loc, f"unexpected {_describe(kind, text)} at the end of the line")


def _describe(kind: str, text: str) -> str:
    return "the end of the line" if kind == "end" else repr(text)


def _check_port(port: int, loc: Loc) -> int:
    if port > MAX_PORT:
        raise StfError(loc, f"port {port} is out of range (v1model ports are 0..{MAX_PORT})")
    return port


def _strip_comment(line: str) -> str:
    """Drop a `#` comment; a `#` inside a quoted name does not start one."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:i]
    return line


def parse_stf(text: str, filename: str = "<stf>") -> list[Command]:
    """Parse a whole STF file; raises `StfError` at the first bad line."""
    commands: list[Command] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw).strip()
        if line:
            commands.append(parse_line(line, Loc(filename, number)))
    return commands


def parse_file(path: Path) -> list[Command]:
    """Parse an STF file; bytes that are not UTF-8 are bad input at their line, not a crash."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise StfError(Loc(str(path), line), "not UTF-8 text") from None
    return parse_stf(text, str(path))


def parse_line(line: str, loc: Loc) -> Command:
    """Parse one non-empty, comment-free line."""
    word, rest = _split_word(line)
    command = word.lower()
    if command == "packet":
        return _packet(rest, loc)
    if command == "expect":
        return _expect(rest, loc)
    parser = _PARSERS.get(command)
    if parser is None:
        raise StfError(loc, f"unknown command {word!r}")
    tokens = _Line(rest, loc)
    result = parser(tokens)
    tokens.end()
    return result


def _split_word(line: str) -> tuple[str, str]:
    parts = line.split(None, 1)
    return parts[0], parts[1] if len(parts) > 1 else ""


_HEX = frozenset("0123456789abcdefABCDEF")


def _split_port(rest: str, loc: Loc, command: str) -> tuple[int, str]:
    port, data = _split_word(rest) if rest else ("", "")
    if not _DECIMAL.fullmatch(port):
        raise StfError(loc, f"{command}: expected a decimal port number")
    return _check_port(int(port), loc), data


def _packet(rest: str, loc: Loc) -> Packet:
    port, data = _split_port(rest, loc, "packet")
    digits = "".join(data.split())
    if not digits:
        raise StfError(loc, "packet: no packet data")
    bad = next((ch for ch in digits if ch not in _HEX), None)
    if bad is not None:
        raise StfError(loc, f"packet: invalid character {bad!r} in packet data (hex digits only)")
    if len(digits) % 2:
        raise StfError(loc, f"packet: odd number of hex digits ({len(digits)})")
    return Packet(loc, port, bytes.fromhex(digits))


def _expect(rest: str, loc: Loc) -> Expect:
    port, data = _split_port(rest, loc, "expect")
    digits = "".join(data.split())
    exact = digits.endswith("$")
    if exact:
        digits = digits[:-1]
    bad = next((ch for ch in digits if ch not in _HEX and ch != "*"), None)
    if bad is not None:
        where = " ('$' must be last)" if bad == "$" else ""
        raise StfError(loc, f"expect: invalid character {bad!r} in packet data{where}")
    if not digits:
        if exact:
            raise StfError(loc, "expect: '$' without packet data")
        return Expect(loc, port, None, False)
    return Expect(loc, port, digits.lower(), exact)


def _name(t: _Line, what: str) -> str:
    return t.take("name", what)


def _action(t: _Line) -> ActionSpec:
    name = _name(t, "an action name")
    t.punct("(")
    args: list[tuple[str, Number]] = []
    while not t.at(")"):
        if args:
            t.punct(",")
        param = _name(t, "an action parameter name")
        t.punct(":")
        args.append((param, t.number(f"a value for parameter {param!r}")))
    t.punct(")")
    return ActionSpec(name, tuple(args))


def _match_value(t: _Line, key: str) -> MatchValue:
    first = t.number(f"a value for key {key!r}")
    for punct, form in (("/", "prefix"), ("&&&", "mask"), ("->", "range")):
        if t.at(punct):
            t.pos += 1
            return MatchValue(form, first, t.number(f"a value after '{punct}'"))
    return MatchValue("plain", first)


def _add(t: _Line) -> Add:
    table = _name(t, "a table name")
    priority = None
    if t.peek()[0] == "num":
        text = t.take("num", "a priority")
        if not _DECIMAL.fullmatch(text):
            raise StfError(t.loc, f"the priority must be a decimal number, not {text!r}")
        priority = int(text)
    keys: list[tuple[str, MatchValue]] = []
    while t.peek(1) != ("punct", "("):
        key = _name(t, "KEY:VALUE or ACTION(...)")
        t.punct(":")
        keys.append((key, _match_value(t, key)))
    action = _action(t)
    handle = None
    if t.at("="):
        t.pos += 1
        handle = _name(t, "an entry handle name").lstrip("$")
    return Add(t.loc, table, priority, tuple(keys), action, handle)


def _check_counter(t: _Line) -> CheckCounter:
    name = _name(t, "a counter name")
    t.punct("(")
    index: int | str = (
        _name(t, "an index or entry handle").lstrip("$")
        if t.peek()[0] == "name"
        else t.integer("a counter index")
    )
    t.punct(")")
    kind, op, expected = None, "==", 0
    if t.peek()[0] != "end":
        if t.peek()[0] == "name":
            kind = _name(t, "packets or bytes").lower()
            if kind not in ("packets", "bytes"):
                raise StfError(t.loc, f"expected 'packets' or 'bytes', found {kind!r}")
        op = t.take("punct", "a comparison (== != < <= > >=)")
        if op not in _COUNT_OPS:
            raise StfError(t.loc, f"expected a comparison (== != < <= > >=), found {op!r}")
        expected = t.integer("the expected count")
    return CheckCounter(t.loc, name, index, kind, op, expected)


def _remove(t: _Line) -> RemoveAll:
    what = _name(t, "'all'")
    if what.lower() != "all":
        raise StfError(t.loc, f"only 'remove all' is supported, not 'remove {what}'")
    return RemoveAll(t.loc)


def _ports(t: _Line) -> tuple[int, ...]:
    ports = [t.port()]
    while t.peek()[0] == "num":
        ports.append(t.port())
    return tuple(ports)


def _rates(t: _Line) -> tuple[tuple[float, int], ...]:
    rates: list[tuple[float, int]] = []
    while True:
        text = t.take("num", "RATE:BURST")
        try:
            rate = float(text) if "." in text else float(parse_number(text, t.loc).value)
        except ValueError:
            raise StfError(t.loc, f"invalid meter rate {text!r}") from None
        t.punct(":")
        rates.append((rate, t.integer("a burst size")))
        if t.peek()[0] != "num":
            return tuple(rates)


def _operands(command: type, *readers: Callable[[_Line], object]) -> Callable[[_Line], Command]:
    """The parser of a command whose fields after `loc` are read one after another."""
    return lambda t: command(t.loc, *(read(t) for read in readers))


def _integer(what: str) -> Callable[[_Line], int]:
    return lambda t: t.integer(what)


def _named(what: str) -> Callable[[_Line], str]:
    return lambda t: _name(t, what)


# Operands that several commands share, each named (and worded in errors) once.
_SESSION = _integer("a session id")
_GROUP = _integer("a multicast group")
_NODE = _integer("a node handle")
_INDEX = _integer("an index")
_COUNTER = _named("a counter name")
_REGISTER = _named("a register name")
_METER = _named("a meter name")

_PARSERS: dict[str, Callable[[_Line], Command]] = {
    "add": _add,
    "setdefault": _operands(SetDefault, _named("a table name"), _action),
    "check_counter": _check_counter,
    "remove": _remove,
    "wait": _operands(Wait),
    "no_packet": _operands(NoPacket),
    "mirroring_add": _operands(MirroringAdd, _SESSION, _Line.port),
    "mirroring_add_mc": _operands(MirroringAddMc, _SESSION, _GROUP),
    "mirroring_delete": _operands(MirroringDelete, _SESSION),
    "mirroring_get": _operands(MirroringGet, _SESSION),
    "mc_mgrp_create": _operands(McGroupCreate, _GROUP),
    "mc_node_create": _operands(McNodeCreate, _integer("a replication id"), _ports),
    "mc_node_update": _operands(McNodeUpdate, _NODE, _ports),
    "mc_node_associate": _operands(McNodeAssociate, _GROUP, _NODE),
    "counter_read": _operands(CounterRead, _COUNTER, _INDEX),
    "counter_write": _operands(
        CounterWrite, _COUNTER, _INDEX, _integer("a packet count"), _integer("a byte count")
    ),
    "register_read": _operands(RegisterRead, _REGISTER, _INDEX),
    "register_write": _operands(RegisterWrite, _REGISTER, _INDEX, _integer("a value")),
    "register_reset": _operands(RegisterReset, _REGISTER),
    "meter_get_rates": _operands(MeterGetRates, _METER, _INDEX),
    "meter_set_rates": _operands(MeterSetRates, _METER, _INDEX, _rates),
    "meter_array_set_rates": _operands(MeterSetRates, _METER, lambda t: None, _rates),
}

"""Binding STF commands to a program: key values as p4c's BMv2 STF runner converts them, the
priority convention, action data, handles and counter cells, and bad input at its line."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p4sim.compiler import compile_file
from p4sim.p4info import build_p4info
from p4sim.runtime.tables import ActionCall, Exact, Lpm, OptionalMatch, Range, Ternary
from p4sim.stf import syntax as s
from p4sim.stf.bind import CounterCheck, InsertEntry, SetDefaultAction, bind
from p4sim.stf.catalog import Catalog
from p4sim.stf.syntax import Loc, StfError, parse_stf

ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "tests" / "p4" / "valid"
PROGRAMS = {
    "basic": ROOT / "p4src" / "basic.p4",
    "kinds": VALID / "table_match_kinds.p4",
    "direct": VALID / "direct_resources.p4",
    "props": VALID / "table_properties.p4",
    "externs": VALID / "extern_counter_meter.p4",
    "registers": VALID / "extern_register.p4",
}


@cache
def catalog(program: str) -> Catalog:
    return Catalog(build_p4info(compile_file(PROGRAMS[program])))


def bound(program: str, text: str) -> list:
    return bind(parse_stf(text, "t.stf"), catalog(program))


def one(program: str, line: str):  # noqa: ANN201 - any bound command
    (cmd,) = bound(program, line)
    return cmd


def refused(program: str, text: str) -> StfError:
    with pytest.raises(StfError) as err:
        bound(program, text)
    return err.value


# ---- lpm -----------------------------------------------------------------------------------

FWD = "ipv4_forward(dstAddr:0x080000000111, port:1)"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("0x0a000101/32", Lpm(0x0A000101, 32)),
        ("0x0a0001ff/24", Lpm(0x0A000100, 24)),  # bits after the prefix are cut
        ("0x0a0002**", Lpm(0x0A000200, 24)),  # prefix = non-* digits x 4 (bmv2stf)
        ("0x0a******", Lpm(0x0A000000, 8)),
        ("0x0a", Lpm(0, 8)),  # 2 digits: /8 of the integer 10, as BMv2 reads 0x0a/8
        ("0b1010" + "*" * 28, Lpm(0xA0000000, 4)),
        ("167772417", Lpm(0x0A000101, 32)),  # decimal: the full width
        ("0x0a000000&&&0xff000000", Lpm(0x0A000000, 8)),  # a prefix mask
        ("0/0", None),  # matches anything
        ("0x********", None),
    ],
)
def test_lpm_values(value: str, match: Lpm | None) -> None:
    entry = one("basic", f"add ipv4_lpm hdr.ipv4.dstAddr:{value} {FWD}")
    assert entry == InsertEntry(
        Loc("t.stf", 1),
        "MyIngress.ipv4_lpm",
        (match,),
        0,
        ActionCall("MyIngress.ipv4_forward", (0x080000000111, 1)),
        None,
    )


def test_lpm_without_key_matches_anything_and_priority_is_ignored() -> None:
    entry = one("basic", f"add ipv4_lpm 5 {FWD}")
    assert (entry.match, entry.priority) == ((None,), 0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "0x0a000101/33",
            "key hdr.ipv4.dstAddr: prefix length 33 is longer than the key (bit<32>)",
        ),
        (
            "0x0a00000100",
            "value 0xa00000100 does not fit key hdr.ipv4.dstAddr (bit<32>)",
        ),
        (
            "0x00a000101",
            "key hdr.ipv4.dstAddr: 0x00a000101 has more digits than the key has bits, so its "
            "prefix length is too long; write 0x00a000101/32",
        ),
        ("1->2", "key hdr.ipv4.dstAddr is lpm: give VALUE/PREFIX_LENGTH, not 1->2"),
        ("1&&&0xff", "key hdr.ipv4.dstAddr is lpm: give VALUE/PREFIX_LENGTH, not 1&&&0xff"),
        ("0x1*/8", "key hdr.ipv4.dstAddr: '*' digits cannot be combined with '/', '&&&' or '->'"),
    ],
)
def test_lpm_errors(value: str, message: str) -> None:
    err = refused("basic", f"wait\nadd ipv4_lpm dstAddr:{value} {FWD}")
    assert (err.loc, err.message) == (Loc("t.stf", 2), message)


# ---- ternary, range, optional, exact; priorities -------------------------------------------


def classifier(keys: str, priority: str = "10") -> InsertEntry:
    return one("kinds", f"add classifier {priority} {keys} set_class(klass:3)")


def test_priority_is_stf_priority_plus_one_and_omitted_keys_match_anything() -> None:
    entry = classifier("hdr.ipv4.srcAddr:0x0a000001", "0")
    assert entry.priority == 1
    assert entry.match == (Ternary(0x0A000001, 0xFFFFFFFF), None, None, Exact(0))
    assert entry.action == ActionCall("MyIngress.set_class", (3,))
    assert classifier("srcAddr:0x0a000001", "4294967").priority == 4294968


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("0x0a0000**", Ternary(0x0A000000, 0xFFFFFF00)),
        ("0x****0101", Ternary(0x0101, 0x0000FFFF)),
        ("0x0101", Ternary(0x0101, 0xFFFF)),  # only the written digits are matched
        ("0b1*1", Ternary(0b101, 0b101)),
        ("0x0a000000&&&0xff000000", Ternary(0x0A000000, 0xFF000000)),
        ("0x0a0000ff&&&0xff000000", Ternary(0x0A000000, 0xFF000000)),  # value masked
        ("10&&&0xff", Ternary(10, 0xFF)),
        ("0x0a000000/8", Ternary(0x0A000000, 0xFF000000)),
        ("0x********", None),
        ("5&&&0", None),
    ],
)
def test_ternary_values(value: str, match: Ternary | None) -> None:
    assert classifier(f"srcAddr:{value}").match[0] == match


def test_ternary_digit_masks_are_cut_to_the_key_width() -> None:
    entry = classifier("hdr.ipv4.protocol:0x0011 srcAddr:0x1")  # optional, 8 bits
    assert entry.match[2] == OptionalMatch(0x11)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("1000->2000", Range(1000, 2000)),
        ("0x50", Range(0x50, 0x50)),
        ("0->65535", None),
        ("7->7", Range(7, 7)),
    ],
)
def test_range_values(value: str, match: Range | None) -> None:
    assert classifier(f"dstPort:{value}").match[1] == match


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("6", OptionalMatch(6)),
        ("0x06", OptionalMatch(6)),
        ("0x**", None),
        ("6&&&0xff", OptionalMatch(6)),
        ("6&&&0", None),
    ],
)
def test_optional_values(value: str, match: OptionalMatch | None) -> None:
    assert classifier(f"protocol:{value}").match[2] == match


def test_validity_key_spellings() -> None:
    for key in ("hdr.udp.$valid$", "hdr.udp.valid", "hdr.udp", "valid"):
        assert classifier(f"{key}:1").match[3] == Exact(1), key


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            "srcAddr:10",
            "key hdr.ipv4.srcAddr is ternary: write its value in hex or binary (each written "
            "digit is matched, '*' digits are wildcards) or as VALUE&&&MASK, not 10",
        ),
        ("srcAddr:1->2", "key hdr.ipv4.srcAddr is ternary: give VALUE&&&MASK, not 1->2"),
        ("dstPort:2->1", "key hdr.udp.dstPort: empty range 2->1"),
        ("dstPort:0x1*", "key hdr.udp.dstPort is range: give LOW->HIGH, not 0x1*"),
        ("dstPort:1/4", "key hdr.udp.dstPort is range: give LOW->HIGH, not 1/4"),
        ("dstPort:1->0x10000", "value 0x10000 does not fit key hdr.udp.dstPort (bit<16>)"),
        (
            "protocol:0x0*",
            "key hdr.ipv4.protocol is optional: give a value with every bit set or all '*', "
            "not 0x0*",
        ),
        ("valid:0x*", "key hdr.udp.$valid$ is exact: give a plain value, not 0x*"),
        ("valid:2", "value 0x2 does not fit key hdr.udp.$valid$ (bit<1>)"),
        ("valid:1/1", "key hdr.udp.$valid$ is exact: give a plain value, not 1/1"),
        ("valid:1 hdr.udp:0", "key hdr.udp.$valid$ is given twice"),
        (
            "nope:1",
            "table MyIngress.classifier has no key 'nope' (known: hdr.ipv4.protocol, "
            "hdr.ipv4.srcAddr, hdr.udp.$valid$, hdr.udp.dstPort)",
        ),
    ],
)
def test_key_errors(keys: str, message: str) -> None:
    err = refused("kinds", f"add classifier 1 {keys} set_class(klass:3)")
    assert err.message == message


def test_priority_is_required_where_bmv2_needs_one() -> None:
    err = refused("kinds", "add classifier srcAddr:0x1 set_class(klass:3)")
    assert err.message == (
        "table MyIngress.classifier has ternary, range or optional keys: give a priority after "
        "the table name (add classifier PRIORITY KEY:VALUE ...)"
    )


# ---- actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("ipv4_forward(port:1)", "action MyIngress.ipv4_forward needs a value for dstAddr"),
        (
            "ipv4_forward(dstAddr:1, port:1, vlan:2)",
            "action MyIngress.ipv4_forward has no parameter 'vlan' (parameters: dstAddr, port)",
        ),
        (
            "ipv4_forward(dstAddr:1, port:1, port:2)",
            "parameter 'port' of MyIngress.ipv4_forward is given twice",
        ),
        ("ipv4_forward(dstAddr:1, port:512)", "value 0x200 does not fit parameter 'port' (bit<9>)"),
        (
            "ipv4_forward(dstAddr:0x1*, port:1)",
            "parameter 'dstAddr': '*' digits are only for key values",
        ),
        ("fwd(port:1)", "no action named 'fwd' in table MyIngress.ipv4_lpm"),
        # a plain suffix finds an action, as in p4c's runner
        ("forward(port:1)", "action MyIngress.ipv4_forward needs a value for dstAddr"),
    ],
)
def test_action_errors(action: str, message: str) -> None:
    err = refused("basic", f"add ipv4_lpm dstAddr:0x0a000001/32 {action}")
    assert err.message.startswith(message)


def test_action_scopes_and_setdefault() -> None:
    assert one("props", "setdefault smac set_mark(value:0x2)") == SetDefaultAction(
        Loc("t.stf", 1), "MyIngress.smac", ActionCall("MyIngress.set_mark", (2,))
    )
    err = refused("props", "add dmac dstAddr:1 drop()")
    assert err.message == "action MyIngress.drop is @defaultonly: it cannot be in an entry"
    err = refused("props", "setdefault dmac forward(port:1)")
    assert err.message == "action MyIngress.forward is @tableonly: it cannot be the default action"


# ---- counters, registers, meters, handles --------------------------------------------------


def test_direct_counter_checks_name_an_entry_handle() -> None:
    cmds = bound(
        "direct",
        "add dmac dstAddr:0x1 forward(port:2) = A\ncheck_counter mac_hits($A) bytes > 60",
    )
    entry, check = cmds
    assert isinstance(entry, InsertEntry) and entry.handle == "A"
    assert check == CounterCheck(
        Loc("t.stf", 2),
        "MyIngress.mac_hits",
        None,
        entry,
        "bytes",
        ">",
        60,
        "MyIngress.mac_hits(A)",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "check_counter mac_hits(3)",
            "counter MyIngress.mac_hits is a direct counter of table "
            "MyIngress.dmac: give the handle of an entry (add ... = NAME, then "
            "check_counter COUNTER($NAME))",
        ),
        ("check_counter mac_hits($B)", "no entry with handle 'B' is added before this"),
        (
            "add dmac dstAddr:0x1 forward(port:2) = A\nadd dmac dstAddr:0x2 forward(port:2) = A",
            "entry handle 'A' is already used at t.stf:1",
        ),
    ],
)
def test_handle_errors(text: str, message: str) -> None:
    assert refused("direct", text).message == message


def test_indirect_counter_checks() -> None:
    check = one("externs", "check_counter drop_counter(15) packets == 3")
    assert check == CounterCheck(
        Loc("t.stf", 1),
        "MyIngress.drop_counter",
        15,
        None,
        "packets",
        "==",
        3,
        "MyIngress.drop_counter(15)",
    )
    assert one("externs", "check_counter tx_port_counter(1)").field == "bytes"
    assert one("externs", "check_counter rx_port_counter(1) bytes <= 9").field == "bytes"
    for text, message in (
        (
            "check_counter drop_counter(16)",
            "index 16 is out of range for MyIngress.drop_counter (size 16)",
        ),
        (
            "check_counter drop_counter(1) bytes == 0",
            "counter MyIngress.drop_counter counts packets, not bytes",
        ),
        (
            "check_counter drop_counter($A)",
            "counter MyIngress.drop_counter is indirect: give an index, not a handle",
        ),
    ):
        assert refused("externs", text).message == message


def test_register_counter_and_meter_commands_get_full_names() -> None:
    cmds = bound(
        "registers",
        "register_write last_seen 3 0xffffffffffff\nregister_read config 0\nregister_reset config",
    )
    assert cmds == [
        s.RegisterWrite(Loc("t.stf", 1), "MyIngress.last_seen", 3, 0xFFFFFFFFFFFF),
        s.RegisterRead(Loc("t.stf", 2), "MyIngress.config", 0),
        s.RegisterReset(Loc("t.stf", 3), "MyIngress.config"),
    ]
    assert refused("registers", "register_write config 0 0x100").message == (
        "value 0x100 does not fit register MyIngress.config (bit<8>)"
    )
    assert refused("registers", "register_read config 1").message == (
        "index 1 is out of range for MyIngress.config (size 1)"
    )
    assert one("externs", "counter_write rx_port_counter 7 1 2") == s.CounterWrite(
        Loc("t.stf", 1), "MyIngress.rx_port_counter", 7, 1, 2
    )
    assert one("externs", "meter_array_set_rates port_meter 0.5:100 1:200") == s.MeterSetRates(
        Loc("t.stf", 1), "MyIngress.port_meter", None, ((0.5, 100), (1.0, 200))
    )
    assert refused("externs", "meter_set_rates port_meter 1 0.5:100").message == (
        "a v1model meter takes two RATE:BURST pairs (committed, peak)"
    )


def test_a_port_is_checked_packet_by_packet_or_not_at_all() -> None:
    err = refused("basic", "expect 1 00\nexpect 2\nexpect 1")
    assert (err.loc.line, err.message) == (
        3,
        "port 1 has both 'expect 1' without data (any packets) and expected packets",
    )


NUMBERS = st.one_of(
    st.integers(0, 1 << 40).map(str),
    st.text(alphabet="0123456789abcdef*", min_size=1, max_size=12).map(lambda d: "0x" + d),
    st.text(alphabet="01*", min_size=1, max_size=40).map(lambda d: "0b" + d),
)
VALUES = st.one_of(
    NUMBERS,
    st.tuples(NUMBERS, st.sampled_from(["/", "&&&", "->"]), NUMBERS).map("".join),
)


@given(
    key=st.sampled_from(["srcAddr", "dstPort", "protocol", "valid"]),
    value=VALUES,
    priority=st.integers(0, 1 << 32),
)
@settings(max_examples=400, deadline=None)
def test_any_key_value_binds_or_is_refused_with_a_message(
    key: str, value: str, priority: int
) -> None:
    try:
        entry = classifier(f"{key}:{value}", str(priority))
    except StfError as err:
        assert err.message
        return
    assert entry.priority == priority + 1
    for field in entry.match:
        if isinstance(field, Ternary):
            assert field.value & ~field.mask == 0 and field.mask
        elif isinstance(field, Range):
            assert field.low <= field.high

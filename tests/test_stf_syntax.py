"""STF parser: every command form p4c's STF grammar and BMv2 runner accept, and errors with
the file and line of the bad command."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p4sim.stf import syntax as s
from p4sim.stf.syntax import Loc, MatchValue, Number, StfError, parse_number, parse_stf


def one(line: str) -> s.Command:
    (cmd,) = parse_stf(line, "t.stf")
    return cmd


def at(line: int) -> Loc:
    return Loc("t.stf", line)


def refused(text: str) -> StfError:
    """The error parsing `text` as t.stf raises."""
    with pytest.raises(StfError) as err:
        parse_stf(text, "t.stf")
    return err.value


def plain(text: str, value: int, mask: int | None) -> MatchValue:
    return MatchValue("plain", Number(text, value, mask))


# ---- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "mask"),
    [
        ("0", 0, None),
        ("42", 42, None),
        ("0x0800", 0x0800, 0xFFFF),
        ("0X0a", 0x0A, 0xFF),
        ("0x0a**", 0x0A00, 0xFF00),
        ("0x****0101", 0x0101, 0x0000FFFF),
        ("0b1*0", 0b100, 0b101),
        ("0o17", 0o17, 0o77),
        ("0o7*", 0o70, 0o70),
    ],
)
def test_numbers_in_every_base_with_digit_masks(text: str, value: int, mask: int | None) -> None:
    assert parse_number(text, at(1)) == Number(text, value, mask)


@pytest.mark.parametrize("text", ["0x", "0xg1", "0b102", "0o8", "12a", "1*"])
def test_bad_numbers_are_refused(text: str) -> None:
    with pytest.raises(StfError) as err:
        parse_number(text, at(3))
    assert err.value.message == f"invalid number '{text}'"


# ---- add / setdefault ----------------------------------------------------------------------


def test_add_with_priority_keys_action_and_handle() -> None:
    cmd = one("add MyIngress.t 100 hdr.a.b:0x0a** f:7 fwd(port:2, mac:0x0000000000ff) = A")
    assert cmd == s.Add(
        at(1),
        "MyIngress.t",
        100,
        (("hdr.a.b", plain("0x0a**", 0x0A00, 0xFF00)), ("f", plain("7", 7, None))),
        s.ActionSpec(
            "fwd",
            (
                ("port", Number("2", 2, None)),
                ("mac", Number("0x0000000000ff", 0xFF, 0xFFFFFFFFFFFF)),
            ),
        ),
        "A",
    )


def test_add_without_priority_and_value_forms() -> None:
    cmd = one('ADD t k1:10/8 k2:1&&&0xf k3:1->5 "h.f[7:0]":0b1 $valid$:1 NoAction()')
    assert isinstance(cmd, s.Add)
    assert cmd.priority is None and cmd.handle is None
    assert cmd.keys == (
        ("k1", MatchValue("prefix", Number("10", 10, None), Number("8", 8, None))),
        ("k2", MatchValue("mask", Number("1", 1, None), Number("0xf", 15, 15))),
        ("k3", MatchValue("range", Number("1", 1, None), Number("5", 5, None))),
        ("h.f[7:0]", plain("0b1", 1, 1)),
        ("$valid$", plain("1", 1, None)),
    )
    assert cmd.action == s.ActionSpec("NoAction", ())


def test_add_names_with_stack_indices_and_dollar_handles() -> None:
    cmd = one("add c.t hdr.vlan[1].vid:3 hdr.vlan$0.vid:4 a() = $H")
    assert isinstance(cmd, s.Add)
    assert [k for k, _ in cmd.keys] == ["hdr.vlan[1].vid", "hdr.vlan$0.vid"]
    assert cmd.handle == "H"


def test_add_with_no_key_is_left_to_the_table() -> None:
    cmd = one("add t a(x:1)")
    assert isinstance(cmd, s.Add) and cmd.keys == ()


def test_setdefault() -> None:
    assert one("setdefault MyIngress.t drop()") == s.SetDefault(
        at(1), "MyIngress.t", s.ActionSpec("drop", ())
    )
    assert one("setdefault t set(v:0x1, w:2)") == s.SetDefault(
        at(1), "t", s.ActionSpec("set", (("v", Number("0x1", 1, 0xF)), ("w", Number("2", 2, None))))
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("add t k:1", "expected KEY:VALUE or ACTION(...), found the end of the line"),
        ("add t k:1 a(", "expected an action parameter name, found the end of the line"),
        ("add t k:1 a(x)", "expected ':', found ')'"),
        ("add t k:1 a(x:1 y:2)", "expected ',', found 'y'"),
        ("add t k:1 a() extra", "unexpected 'extra' at the end of the line"),
        ("add t 0x10 k:1 a()", "the priority must be a decimal number, not '0x10'"),
        ("add t k:0x1/ a()", "expected a value after '/', found 'a'"),
        ("add t k: a()", "expected a value for key 'k', found 'a'"),
        ("add t k:1 a() =", "expected an entry handle name, found the end of the line"),
        ("add t k:-1 a()", "unexpected character '-'"),
        ("add t k:10.0.0.1 a()", "unexpected character '.'"),
        ("setdefault t", "expected an action name, found the end of the line"),
        ("add t k:1 a(x:0x1*)", None),
    ],
)
def test_add_errors_name_the_line(line: str, message: str | None) -> None:
    text = "# header\n\n" + line + "\n"
    if message is None:  # wildcards in action data are refused later, by binding
        assert isinstance(parse_stf(text, "t.stf")[0], s.Add)
        return
    err = refused(text)
    assert err.loc == at(3)
    assert err.message == message
    assert str(err) == f"t.stf:3: error: {message}"


# ---- packets -------------------------------------------------------------------------------


def test_packet_data_may_contain_spaces_and_tabs() -> None:
    assert one("packet 1 00 01\t0203 0A0b") == s.Packet(at(1), 1, bytes.fromhex("000102030a0b"))


def test_expect_patterns() -> None:
    assert one("expect 2 00 1* **ff $") == s.Expect(at(1), 2, "001***ff", True)
    assert one("expect 2 00 1F") == s.Expect(at(1), 2, "001f", False)
    assert one("expect 3 0") == s.Expect(at(1), 3, "0", False)
    assert one("expect 4") == s.Expect(at(1), 4, None, False)
    assert one("EXPECT 511 ab$") == s.Expect(at(1), 511, "ab", True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("packet", "packet: expected a decimal port number"),
        ("packet 0x1 00", "packet: expected a decimal port number"),
        ("packet 1", "packet: no packet data"),
        ("packet 1 0 1 2", "packet: odd number of hex digits (3)"),
        ("packet 1 00 1*", "packet: invalid character '*' in packet data (hex digits only)"),
        ("packet 512 00", "port 512 is out of range (v1model ports are 0..511)"),
        ("expect 1 00 $ 11", "expect: invalid character '$' in packet data ('$' must be last)"),
        ("expect 1 0g", "expect: invalid character 'g' in packet data"),
        ("expect 1 $", "expect: '$' without packet data"),
        ("expect x 00", "expect: expected a decimal port number"),
    ],
)
def test_packet_errors(line: str, message: str) -> None:
    err = refused("wait\n" + line)
    assert (err.loc, err.message) == (at(2), message)


# ---- comments, case, blank lines -----------------------------------------------------------


def test_comments_blank_lines_and_case() -> None:
    text = """
    # a comment line
    WAIT   # trailing comment
    packet 0 00 # data ends at the comment

    add t "k#1":1 a()
    No_Packet
    """
    cmds = parse_stf(text, "t.stf")
    assert cmds[0] == s.Wait(at(3))
    assert cmds[1] == s.Packet(at(4), 0, b"\x00")
    assert isinstance(cmds[2], s.Add) and cmds[2].keys[0][0] == "k#1"
    assert cmds[2].loc == at(6)
    assert cmds[3] == s.NoPacket(at(7))


def test_unknown_command() -> None:
    assert str(refused("\n\ntable_add t a 1 =>")) == "t.stf:3: error: unknown command 'table_add'"


# ---- check_counter, remove -----------------------------------------------------------------


def test_check_counter_forms() -> None:
    assert one("check_counter c(3) packets == 2") == s.CheckCounter(
        at(1), "c", 3, "packets", "==", 2
    )
    assert one("check_counter MyIngress.c(0x10) bytes >= 100") == s.CheckCounter(
        at(1), "MyIngress.c", 16, "bytes", ">=", 100
    )
    assert one("check_counter c($A)") == s.CheckCounter(at(1), "c", "A", None, "==", 0)
    assert one("check_counter c(B) != 5") == s.CheckCounter(at(1), "c", "B", None, "!=", 5)
    for op in ("<", "<=", ">"):
        cmd = one(f"check_counter c(1) packets {op} 1")
        assert isinstance(cmd, s.CheckCounter) and cmd.op == op


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("check_counter c", "expected '(', found the end of the line"),
        ("check_counter c(1) frames == 1", "expected 'packets' or 'bytes', found 'frames'"),
        ("check_counter c(1) packets = 1", "expected a comparison (== != < <= > >=), found '='"),
        ("check_counter c(1) packets ==", "expected the expected count, found the end of the line"),
        ("check_counter c(0x1*)", "a counter index cannot contain '*' digits: 0x1*"),
        ("remove 3", "expected 'all', found '3'"),
        ("remove entry", "only 'remove all' is supported, not 'remove entry'"),
    ],
)
def test_check_counter_and_remove_errors(line: str, message: str) -> None:
    assert refused(line).message == message


def test_remove_all() -> None:
    assert one("remove all") == s.RemoveAll(at(1))


# ---- direct (simple_switch_CLI) commands ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("mirroring_add 5 4", s.MirroringAdd(at(1), 5, 4)),
        ("mirroring_add_mc 6 0x10", s.MirroringAddMc(at(1), 6, 16)),
        ("mirroring_delete 5", s.MirroringDelete(at(1), 5)),
        ("mirroring_get 5", s.MirroringGet(at(1), 5)),
        ("mc_mgrp_create 1", s.McGroupCreate(at(1), 1)),
        ("mc_node_create 7 2 3", s.McNodeCreate(at(1), 7, (2, 3))),
        ("mc_node_update 0 4", s.McNodeUpdate(at(1), 0, (4,))),
        ("mc_node_associate 1 0", s.McNodeAssociate(at(1), 1, 0)),
        ("counter_read MyIngress.c 3", s.CounterRead(at(1), "MyIngress.c", 3)),
        ("counter_write c 3 10 640", s.CounterWrite(at(1), "c", 3, 10, 640)),
        ("register_read r 0", s.RegisterRead(at(1), "r", 0)),
        ("register_write r 1 0xff", s.RegisterWrite(at(1), "r", 1, 255)),
        ("register_reset r", s.RegisterReset(at(1), "r")),
        ("meter_get_rates m 2", s.MeterGetRates(at(1), "m", 2)),
        (
            "meter_set_rates m 2 0.0001:16 0.0005:32",
            s.MeterSetRates(at(1), "m", 2, ((0.0001, 16), (0.0005, 32))),
        ),
        (
            "meter_array_set_rates m 1:2 3:4",
            s.MeterSetRates(at(1), "m", None, ((1.0, 2), (3.0, 4))),
        ),
    ],
)
def test_direct_commands(line: str, expected: s.Command) -> None:
    assert one(line) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("mirroring_add 5", "expected a port number, found the end of the line"),
        ("mirroring_add 5 600", "port 600 is out of range (v1model ports are 0..511)"),
        ("mc_node_create 7", "expected a port number, found the end of the line"),
        ("mc_mgrp_create 1 2", "unexpected '2' at the end of the line"),
        ("register_write r 1", "expected a value, found the end of the line"),
        ("meter_set_rates m 1 0.5", "expected ':', found the end of the line"),
        ("meter_set_rates m 1 0.5:1.5", "invalid number '1.5'"),
    ],
)
def test_direct_command_errors(line: str, message: str) -> None:
    assert refused(line).message == message


# ---- robustness ----------------------------------------------------------------------------

COMMAND_WORDS = ["add", "setdefault", "packet", "expect", "check_counter", "mc_node_create"]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(COMMAND_WORDS),
            st.text(alphabet='0123456789abcdefx*$#:(),=&<>-/ \t."²', max_size=12),
            st.text(max_size=6),
        ),
        max_size=8,
    )
)
@settings(max_examples=300, deadline=None)
def test_any_line_parses_or_raises_stf_error(words: list[str]) -> None:
    try:
        parse_stf(" ".join(words), "t.stf")
    except StfError as err:
        assert err.loc == Loc("t.stf", err.loc.line) and err.message

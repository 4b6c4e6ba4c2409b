"""Parser semantics of the executor, with the BMv2 behaviour each case relies on.

Programs: tests/p4/runtime/feat_{parser_errors,varbit_lookahead,stacks,unions,select}.p4. Each
emits a result header first, computed by ingress, then the parsed headers, then the payload
(the bytes the parser did not consume, which BMv2 keeps after the emitted headers).
"""

from __future__ import annotations

import pytest
from executor_switch import feature_switch

from p4sim.runtime.switch import Switch


def _run(sw: Switch, hex_in: str) -> str:
    """The single frame a packet produces, on port 1, as hex."""
    out = sw.process_packet(7, bytes.fromhex(hex_in))
    assert [port for port, _ in out] == [1]
    return out[0][1].hex()


# ------------------------------------------------------------------ parser errors
# res = perr:8 valid:8 (valid bits: sel 1, words[0] 2, words[1] 4, ver 8, lng 16)
@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        # kind 1: words up to a zero word
        ("01" "0005" "0000" "ff", "0007" "01" "0005" "0000" "ff"),
        # third word does not fit the 2-element stack: StackOutOfBounds, 3rd word is payload
        ("01" "0005" "0006" "0007" "0000", "0307" "01" "0005" "0006" "0007" "0000"),
        # a word cut short: PacketTooShort, the lone byte stays as payload
        ("01" "0005" "00", "0103" "01" "0005" "00"),
        # kind 2: verify() passes for version 4, raises the user error otherwise; the
        # header was extracted before verify() and stays valid
        ("02" "04" "ee", "0009" "02" "04" "ee"),
        ("02" "05" "ee", "0409" "02" "05" "ee"),
        # kind 3: 4-byte header, 2 bytes left: PacketTooShort, header invalid, bytes kept
        ("03" "abcd", "0101" "03" "abcd"),
        ("03" "abcdef01", "0011" "03" "abcdef01"),
        # no select case matches and there is no default: NoMatch
        ("09" "1234", "0201" "09" "1234"),
        # empty packet: PacketTooShort on the very first extract
        ("", "0100"),
    ],
)
def test_parser_errors(frame: str, expected: str) -> None:
    """BMv2 (bm_sim parser.cpp): a parser exception stops parsing, sets
    standard_metadata.parser_error and the packet still runs ingress; headers extracted
    before stay valid, the one that failed is invalid and nothing of it is consumed
    (`check_enough_data_for_extract` throws before extracting). Extracting into a full stack
    throws StackOutOfBounds. A select without default gets p4c's implicit
    `default: noMatch` state, i.e. verify(false, error.NoMatch). verify(false, e) raises e."""
    assert _run(feature_switch("parser_errors"), frame) == expected


# ------------------------------------------------------------------ varbit, lookahead, advance
# res = perr:8 peek:16 valid:8 (valid bits: hd 1, opts 2, tail 4);
# perr: 0 NoError, 1 PacketTooShort, 5 HeaderTooShort, 6 ParserInvalidArgument
@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        # 3-byte varbit then the tail: the varbit is emitted with its extracted length
        ("0103" "a1a2a3" "beef" "ff", "00000007" "0103" "a1a2a3" "beef" "ff"),
        ("0100" "beef", "00000007" "0100" "beef"),
        # 8 bytes is the maximum of varbit<64>
        ("0108" "0102030405060708" "beef", "00000007" "0108" "0102030405060708" "beef"),
        # 9 bytes do not fit varbit<64>: HeaderTooShort (the packet is long enough)
        ("0109" "010203040506070809" "beef", "05000001" "0109" "010203040506070809" "beef"),
        # not enough bytes for the requested length: PacketTooShort comes first
        ("0109" "0102", "01000001" "0109" "0102"),
        # a length in bits: 16 is fine, 12 is not whole bytes: ParserInvalidArgument
        ("0210" "a1a2" "beef", "00000007" "0210" "a1a2" "beef"),
        ("020c" "a1a2" "beef", "06000001" "020c" "a1a2" "beef"),
        # lookahead: assigned to metadata and used in select, nothing consumed
        ("0300" "aabb" "cc", "00aabb05" "0300" "aabb" "cc"),
        ("0300" "1122" "cc", "00112201" "0300" "1122" "cc"),
        # lookahead<bit<16>> with one byte left: PacketTooShort
        ("0300" "aa", "01000001" "0300" "aa"),
        # advance skips bytes: they are gone from the output
        ("0402" "dead" "beef" "ff", "00000005" "0402" "beef" "ff"),
        ("04ff" "dead", "01000001" "04ff" "dead"),
        # advance by bits that are not whole bytes: ParserInvalidArgument
        ("050c" "dead" "beef", "06000001" "050c" "dead" "beef"),
        ("0508" "de" "beef", "00000005" "0508" "beef"),
    ],
)
def test_varbit_lookahead_advance(frame: str, expected: str) -> None:
    """BMv2 (parser.cpp `extract_VL`, `ParserOpAdvance`, `ParserOpSet<ParserLookAhead>`):
    a varbit length that is not a multiple of 8 raises ParserInvalidArgument, then a packet
    too short for the header raises PacketTooShort, then a length above the field's maximum
    raises HeaderTooShort. advance() takes whole bytes only (ParserInvalidArgument) and
    PacketTooShort past the end; skipped bytes are removed from the packet. lookahead reads
    without consuming and raises PacketTooShort when the bytes are not there."""
    assert _run(feature_switch("varbit_lookahead"), frame) == expected


# ------------------------------------------------------------------ header stacks
# res = last_index:32 last_v:16 valid:8 (bit i: s[i] valid)
@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        # op 0: as parsed; lastIndex 2 and last.v 0 after the third word
        ("00" "0001" "0002" "0000" "ff", "00000002" "0000" "07" "00" "0001" "0002" "0000" "ff"),
        # op 1: push_front(1) then s[0] set valid (fields zeroed) and written
        ("01" "0001" "0002" "0000", "00000002" "0000" "0f" "01" "aaaa" "0001" "0002" "0000"),
        # op 2: pop_front(1)
        ("02" "0001" "0002" "0000", "00000002" "0000" "03" "02" "0002" "0000"),
        # op 3: push_front(2): two invalid elements in front, the last element falls off
        ("03" "0001" "0002" "0000", "00000002" "0000" "0c" "03" "0001" "0002"),
        # op 4: pop_front(3): s[3] moves to s[0]
        ("04" "0001" "0002" "0003" "0000", "00000003" "0000" "01" "04" "0000"),
        ("04" "0001" "0002" "0000", "00000002" "0000" "00" "04"),
        # one word: lastIndex 0
        ("00" "0000" "77", "00000000" "0000" "01" "00" "0000" "77"),
        # op 5: s[3] made valid (zeroed) and written from s[0]
        ("05" "0009" "0000", "00000001" "0000" "0b" "05" "0009" "0000" "000a"),
        # five words do not fit: StackOutOfBounds after four, lastIndex 3
        (
            "00" "0001" "0002" "0003" "0004" "0005",
            "00000003" "0004" "0f" "00" "0001" "0002" "0003" "0004" "0005",
        ),
    ],
)
def test_header_stacks(frame: str, expected: str) -> None:
    """BMv2 (stacks.cpp, StackP4_16): push_front(n) moves elements up by n, marks the first n
    invalid and sets nextIndex to min(size, nextIndex + n); pop_front(n) moves elements down
    and marks the last n invalid. `last`/`lastIndex` are the element nextIndex - 1. setValid()
    on an invalid header zeroes its fields (primitives.cpp `add_header` calls `reset()`)."""
    assert _run(feature_switch("stacks"), frame) == expected


# ------------------------------------------------------------------ header unions
# res = valid:8 (union valid 1, a valid 2, b valid 4)
@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("0100" "55", "03" "0100" "55"),
        ("0200" "abcd", "05" "0200" "abcd"),
        ("0000" "ff", "00" "0000" "ff"),
        # setValid() on b invalidates a; b's fields start from zero
        ("0101" "55", "05" "0101" "1234"),
        # setInvalid() on the valid member: the union is invalid
        ("0102" "55", "00" "0102"),
        # setValid() on an invalid member of an invalid union: zeroed, valid
        ("0003", "03" "0003" "00"),
        # assigning a valid header to a member makes it the valid one
        ("0204" "abcd", "03" "0204" "99"),
    ],
)
def test_header_unions(frame: str, expected: str) -> None:
    """BMv2 (headers.cpp `mark_valid` -> union `make_header_valid`): at most one member is
    valid; making one valid (extract or setValid) invalidates the others; the union is valid
    when a member is; emit writes the valid member."""
    assert _run(feature_switch("unions"), frame) == expected


# ------------------------------------------------------------------ select
@pytest.mark.parametrize(
    ("frame", "path"),
    [
        ("1501" "0000", 1),  # a matches 0x10 &&& 0xF0, b == 1
        ("1502" "0000", 7),  # same a, b differs: falls through to check_c
        ("20ff" "0000", 2),  # a in 0x20..0x2F, b don't care
        ("2f00" "0000", 2),
        ("3003" "0000", 3),  # b matches 0x01 &&& 0x01
        ("3002" "0000", 7),
        ("0000" "ffff", 5),
        ("0000" "8001", 6),  # c matches 0x8000 &&& 0x8000
        ("0000" "1234", 7),
    ],
)
def test_select_cases(frame: str, path: int) -> None:
    """Cases are tried in program order, first match wins (BMv2 `find_next_state`); masks
    compare `key & mask == value & mask`; p4c turns ranges into masked cases with the same
    meaning; `_` matches anything."""
    assert _run(feature_switch("select"), frame) == f"{path:02x}" + frame


def test_select_value_set() -> None:
    """A parser value set matches the members the control plane wrote (value/mask per
    field); it is tried at its position in the case list, before the 0xFFFF case."""
    sw = feature_switch("select")
    assert _run(sw, "0000ffff") == "05" "0000ffff"
    sw.value_sets["P.vs"].set_members([((0xFFFF, 0xFFFF),), ((0x1200, 0xFF00),)])
    assert _run(sw, "0000ffff") == "04" "0000ffff"
    assert _run(sw, "000012ab") == "04" "000012ab"
    assert _run(sw, "000013ab") == "07" "000013ab"

"""Judging an STF run: p4c's per-port, in-order matching of expected packets, `*` nibbles,
the trailing `$`, and the text of the diff a failing test prints."""

from __future__ import annotations

import pytest

from p4sim.stf.outcome import Outcome, Received
from p4sim.stf.report import check, diff, matches, render
from p4sim.stf.syntax import Expect, Loc


def loc(line: int) -> Loc:
    return Loc("t.stf", line)


def expect(line: int, port: int, pattern: str | None, exact: bool = False) -> Expect:
    return Expect(loc(line), port, pattern, exact)


def outcome(expects: list[Expect], received: list[Received], ports: set[int]) -> Outcome:
    return Outcome(sent=len(received), received=received, expects=expects, ports=ports)


@pytest.mark.parametrize(
    ("pattern", "exact", "data", "ok"),
    [
        ("0011", False, b"\x00\x11", True),
        ("0011", False, b"\x00\x11\x22", True),  # a prefix without '$'
        ("0011", True, b"\x00\x11\x22", False),  # '$': no extra bytes
        ("0011", True, b"\x00\x11", True),
        ("00*1", True, b"\x00\xf1", True),
        ("00*1", True, b"\x00\xf2", False),
        ("001122", False, b"\x00\x11", False),  # too short
        ("00**", False, b"\x00", False),  # wildcards still need bytes
        ("001", False, b"\x00\x1f", True),  # odd nibble count: prefix of nibbles
        ("001", True, b"\x00\x1f", False),
        ("AB", False, b"\xab", False),  # patterns are lower-cased by the parser
        ("ab", False, b"\xab", True),
    ],
)
def test_matches(pattern: str, exact: bool, data: bytes, ok: bool) -> None:
    assert matches(pattern, exact, data) is ok


def test_pass_counts_matched_packets_per_port() -> None:
    run = outcome(
        [expect(2, 1, "aa"), expect(3, 2, "bb"), expect(5, 1, "cc", True)],
        [
            Received(2, b"\xbb", loc(1)),
            Received(1, b"\xaa\x00", loc(1)),
            Received(1, b"\xcc", loc(4)),
        ],
        {0, 1, 2},
    )
    verdict = check(run)
    assert verdict.passed and verdict.matched == 3 and verdict.notes == []
    assert render(verdict, "t.stf (p.p4)", run) == (
        "PASS t.stf (p.p4): 3 packets sent, 3 expected packets matched"
    )


def test_order_matters_within_a_port() -> None:
    run = outcome(
        [expect(2, 1, "aa"), expect(3, 1, "bb")],
        [Received(1, b"\xbb", loc(1)), Received(1, b"\xaa", loc(1))],
        {1},
    )
    verdict = check(run)
    assert not verdict.passed
    assert [(where.line, text[0]) for where, text in verdict.problems] == [
        (
            2,
            "port 1, packet 1 differs from the expected packet (sent by the packet at t.stf:1): "
            "first difference at byte 0",
        ),
        (
            3,
            "port 1, packet 2 differs from the expected packet (sent by the packet at t.stf:1): "
            "first difference at byte 0",
        ),
    ]


def test_missing_and_unexpected_packets() -> None:
    run = outcome(
        [expect(4, 1, "aa"), expect(5, 2, "bb")],
        [Received(1, b"\xaa", loc(3)), Received(1, b"\x01\x02", loc(3))],
        {0, 1, 2},
    )
    verdict = check(run)
    text = render(verdict, "t.stf (p.p4)", run)
    assert text == (
        "FAIL t.stf (p.p4): 2 problems\n"
        "t.stf:3: port 1, packet 2: unexpected packet (from the packet at t.stf:3):\n"
        "    0102\n"
        "t.stf:5: port 2, packet 1: expected packet not received"
    )


def test_bare_expect_accepts_anything_on_its_port() -> None:
    run = outcome(
        [expect(2, 3, None)],
        [Received(3, b"\x01", loc(1)), Received(3, b"\x02", loc(1))],
        {1, 3},
    )
    assert check(run).passed


def test_packets_to_ports_the_file_does_not_use_are_notes() -> None:
    run = outcome([], [Received(0, b"\x01\x02", loc(1))], {1})
    verdict = check(run)
    assert verdict.passed
    assert verdict.notes == [
        "note: packet to port 0, which the test does not use (BMv2 would have no interface "
        "there), from the packet at t.stf:1: 0102"
    ]
    run.no_packet = loc(2)
    verdict = check(run)
    assert [(w.line, t) for w, t in verdict.problems] == [
        (
            2,
            [
                "no_packet, but a packet to port 0, which the test does not use (BMv2 would "
                "have no interface there), from the packet at t.stf:1: 0102"
            ],
        )
    ]


def test_counter_failures_are_problems_at_their_line() -> None:
    run = outcome([], [], set())
    run.counter_checks = 2
    run.counter_failures.append((loc(9), "check_counter c(1): packets is 0, expected == 1"))
    verdict = check(run)
    assert render(verdict, "t.stf (p.p4)", run) == (
        "FAIL t.stf (p.p4): 1 problem\nt.stf:9: check_counter c(1): packets is 0, expected == 1"
    )


def test_diff_marks_differing_bytes_and_shows_wildcards() -> None:
    exp = expect(7, 1, "0001020304050607 08090a0b0c0d0e0f 10**12".replace(" ", ""), True)
    data = bytes(range(16)) + b"\x10\x11\x13\x14"
    assert diff(exp, data) == [
        "    0000  expected 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
        "          received 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
        "    0010  expected 10 ** 12",
        "          received 10 11 13 14",
        "                         ^^ ^^",
    ]


def test_diff_of_a_short_packet_and_of_a_prefix_pattern() -> None:
    assert diff(expect(1, 1, "00112233"), b"\x00\x11") == [
        "    0000  expected 00 11 22 33",
        "          received 00 11",
        "                         ^^ ^^",
    ]
    assert diff(expect(1, 1, "0f1"), b"\x0f\x22\x33") == [
        "    0000  expected 0f 1. ..",
        "          received 0f 22 33",
        "                      ^^",
    ]


def test_long_packets_show_only_rows_that_differ() -> None:
    data = bytes(200)
    pattern = data.hex()[:300] + "ff" + data.hex()[302:]
    lines = diff(expect(1, 1, pattern, True), data)
    assert lines == [
        "    ...",
        "    0090  expected 00 00 00 00 00 00 ff 00 00 00 00 00 00 00 00 00",
        "          received 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        "                                     ^^",
        "    ...",
    ]


def test_render_of_a_content_mismatch() -> None:
    run = outcome([expect(4, 2, "0011", True)], [Received(2, b"\x00\x12\x00", loc(3))], {1, 2})
    assert render(check(run), "t.stf (p.p4)", run) == (
        "FAIL t.stf (p.p4): 1 problem\n"
        "t.stf:4: port 2, packet 1 differs from the expected packet (sent by the packet at "
        "t.stf:3): first difference at byte 1\n"
        "    0000  expected 00 11\n"
        "          received 00 12 00\n"
        "                      ^^ ^^"
    )


def test_reason_for_length_mismatches() -> None:
    run = outcome([expect(4, 2, "0011", True)], [Received(2, b"\x00\x11\x00", loc(3))], {2})
    (problem,) = check(run).problems
    assert problem[1][0].endswith("received 3 bytes, expected exactly 2 ('$')")
    run = outcome([expect(4, 2, "00112")], [Received(2, b"\x00\x11", loc(3))], {2})
    (problem,) = check(run).problems
    assert problem[1][0].endswith("received 2 bytes, expected 2.5")

"""Compare a run's output packets with the file's `expect`s, and say what differs.

The rules are p4c's BMv2 runner's: expected packets are matched per port, in order; a port
needs exactly as many packets as it has `expect`s, except that a bare `expect PORT` accepts
any packets there. A pattern matches nibble by nibble, `*` matching any nibble; the packet may
be longer than the pattern unless the pattern ends in `$`. Only ports the file names in a
`packet` or `expect` exist (p4c attaches only those to BMv2), so packets sent to other ports
are lost; they are listed as notes, and fail the test only after `no_packet`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from p4sim.stf import syntax as s
from p4sim.stf.outcome import Outcome, Received
from p4sim.stf.syntax import Loc

ROW_BYTES = 16
MAX_FULL_ROWS = 8  # longer packets show only the rows that differ


@dataclass
class Verdict:
    """`problems` are (line, text lines) pairs, one per failure; `notes` never fail a test."""

    problems: list[tuple[Loc, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    matched: int = 0

    @property
    def passed(self) -> bool:
        return not self.problems


def matches(pattern: str, exact: bool, data: bytes) -> bool:
    """Does `data` match an expect pattern (hex nibbles, `*` = any nibble)?"""
    got = data.hex()
    if len(got) < len(pattern) or exact and len(got) > len(pattern):
        return False
    return all(p in ("*", g) for p, g in zip(pattern, got, strict=False))


def check(outcome: Outcome) -> Verdict:
    verdict = Verdict()
    expected: dict[int, list[s.Expect]] = defaultdict(list)
    any_ports: set[int] = set()
    for exp in outcome.expects:
        if exp.pattern is None:
            any_ports.add(exp.port)
        else:
            expected[exp.port].append(exp)
    received: dict[int, list[Received]] = defaultdict(list)
    for pkt in outcome.received:
        received[pkt.port].append(pkt)

    for port in sorted(outcome.ports - any_ports):
        _check_port(verdict, port, expected[port], received[port])
    lost = [p for p in outcome.received if p.port not in outcome.ports]
    for pkt in lost:
        text = (
            f"packet to port {pkt.port}, which the test does not use (BMv2 would have no "
            f"interface there), from the packet at {pkt.cause}: {pkt.data.hex()}"
        )
        if outcome.no_packet is not None:
            verdict.problems.append((outcome.no_packet, [f"no_packet, but a {text}"]))
        else:
            verdict.notes.append(f"note: {text}")
    for loc, message in outcome.counter_failures:
        verdict.problems.append((loc, [message]))
    return verdict


def _check_port(
    verdict: Verdict, port: int, expected: list[s.Expect], received: list[Received]
) -> None:
    for i in range(max(len(expected), len(received))):
        nth = f"port {port}, packet {i + 1}"
        if i >= len(received):
            verdict.problems.append((expected[i].loc, [f"{nth}: expected packet not received"]))
        elif i >= len(expected):
            pkt = received[i]
            verdict.problems.append(
                (
                    pkt.cause,
                    [
                        f"{nth}: unexpected packet (from the packet at {pkt.cause}):",
                        f"    {pkt.data.hex()}",
                    ],
                )
            )
        else:
            exp, pkt = expected[i], received[i]
            assert exp.pattern is not None
            if matches(exp.pattern, exp.exact, pkt.data):
                verdict.matched += 1
            else:
                head = f"{nth} differs from the expected packet (sent by the packet at {pkt.cause})"
                verdict.problems.append(
                    (exp.loc, [f"{head}: {_reason(exp, pkt.data)}", *diff(exp, pkt.data)])
                )


def _reason(exp: s.Expect, data: bytes) -> str:
    assert exp.pattern is not None
    got = data.hex()
    for i, (p, g) in enumerate(zip(exp.pattern, got, strict=False)):
        if p not in ("*", g):
            return f"first difference at byte {i // 2}"
    if len(got) < len(exp.pattern):
        return f"received {len(data)} bytes, expected {_pattern_bytes(exp.pattern)}"
    return f"received {len(data)} bytes, expected exactly {_pattern_bytes(exp.pattern)} ('$')"


def _pattern_bytes(pattern: str) -> str:
    whole, half = divmod(len(pattern), 2)
    return f"{whole}.5" if half else str(whole)


def diff(exp: s.Expect, data: bytes) -> list[str]:
    """Expected and received bytes row by row, `^^` under each byte that differs. Expected
    bytes show `*` wildcards, `..` where a prefix pattern ends; `  ` is a missing byte."""
    assert exp.pattern is not None
    pattern, got = exp.pattern, data.hex()
    size = max(len(data), (len(pattern) + 1) // 2)
    cells: list[tuple[str, str, bool]] = []
    for i in range(size):
        want = pattern[2 * i : 2 * i + 2]
        have = got[2 * i : 2 * i + 2]
        if not want:
            shown, bad = ("  " if exp.exact else ".."), exp.exact
        else:
            shown = want.ljust(2, ".")
            bad = not have or any(w not in ("*", h) for w, h in zip(want, have, strict=False))
        cells.append((shown, have.ljust(2), bad))
    rows = [cells[i : i + ROW_BYTES] for i in range(0, size, ROW_BYTES)]
    show_all = len(rows) <= MAX_FULL_ROWS
    lines = []
    skipped = False
    for n, row in enumerate(rows):
        if not show_all and not any(bad for _, _, bad in row):
            skipped = True
            continue
        if skipped:
            lines.append("    ...")
            skipped = False
        lines.append(f"    {n * ROW_BYTES:04x}  expected {' '.join(c[0] for c in row)}".rstrip())
        lines.append(f"          received {' '.join(c[1] for c in row)}".rstrip())
        marks = " ".join("^^" if c[2] else "  " for c in row).rstrip()
        if marks:
            lines.append(f"                   {marks}")
    if skipped:
        lines.append("    ...")
    return lines


def render(verdict: Verdict, title: str, outcome: Outcome) -> str:
    """The summary line, then every problem and note."""
    if verdict.passed:
        parts = [
            f"{outcome.sent} packet{'s' if outcome.sent != 1 else ''} sent",
            f"{verdict.matched} expected packet{'s' if verdict.matched != 1 else ''} matched",
        ]
        if outcome.counter_checks:
            parts.append(f"{outcome.counter_checks} counter checks passed")
        lines = [f"PASS {title}: {', '.join(parts)}"]
    else:
        count = len(verdict.problems)
        lines = [f"FAIL {title}: {count} problem{'s' if count != 1 else ''}"]
        for where, text in sorted(verdict.problems, key=lambda p: p[0].line):
            lines.append(f"{where}: {text[0]}")
            lines.extend(text[1:])
    lines.extend(verdict.notes)
    return "\n".join(lines)

"""Handoff metrics of seed §3.4 (T-throughput, T-latency) and plain rates, as pure functions.

Inputs are the traffic tool's series: goodput intervals (`Interval`: end time, length, bytes)
and records (`Record`: seq, send time, receive time). Times are seconds on one clock; `event`
is the start of the outage (failover phase) or the moment the link is back (recovery phase).

T-throughput (time for throughput repair). The connection's throughput counts as repaired
from the first moment r after which it keeps pace with its fair share F of the link(s) it can
use after the event, i.e. the earliest interval start r >= event (on the interval grid) such
that for every interval end t with t - r >= W (W = `window`, default 0.5 s) up to
event + horizon:

    bytes delivered in [r, t] * 8  >=  theta * F * (t - r)       (theta = `threshold`, 0.9)

T-throughput = r - event (0 when r is the first interval after the event). Smoothing: goodput
is judged only as an average over W or longer, starting at r, so a short stall that a burst
makes up within W (MPTCP holding data of the failed subflow back, then delivering it with the
rest) does not count, while any lasting shortfall does. theta = 0.9 leaves room for the few
percent a saturated link's goodput varies. F is the caller's: the per-link goodput measured
before the event times the links the connection can use after it (one for a single TCP
connection; every live link for WaMPTCP). None when no such r exists within the horizon (not
repaired in the trace) or fewer than W seconds of trace follow r.

T-latency (time for latency repair). Every record delayed by the event has been delivered:
with L0 the median latency of records sent in the `baseline` seconds before the event (and
delivered before it), a record is delayed when its latency exceeds L0 + `slack` (default
50 ms) or it never arrived. The records the event held up form one episode: among the records
in flight at the event or sent within `horizon` after it, in sequence order, it starts at the
first delayed one and takes in every further delayed record sent at most `join` seconds
(default 1 s) after the previous one. (A single TCP connection holds back a contiguous run;
MPTCP can deliver a few records over the healthy subflow in between while it keeps putting
others on the failed one until it declares it stale, so the run stutters.) T-latency = the
last receive time in the episode - event; 0 if no record was delayed; None if a record of the
episode never arrived. A delay more than `join` seconds after the episode (a later, unrelated
hiccup) does not count.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """One sample: `count` bytes (or transactions) delivered in the `seconds` ending at `end`."""

    end: float
    seconds: float
    count: int

    @property
    def start(self) -> float:
        return self.end - self.seconds


@dataclass(frozen=True)
class Record:
    """One timestamped record; `recv` is None when it never arrived."""

    seq: int
    sent: float
    recv: float | None

    @property
    def latency(self) -> float | None:
        return None if self.recv is None else self.recv - self.sent


def intervals_from_lines(lines: Iterable[dict], unit: str = "bytes") -> list[Interval]:
    """The traffic tool's `interval` lines as Intervals of `unit` (bytes or transactions)."""
    found = [
        Interval(line["t"], line["dt"], line[unit])
        for line in lines
        if line.get("type") == "interval" and unit in line
    ]
    return sorted(found, key=lambda interval: interval.end)


def records_from_lines(lines: Iterable[dict], sent: int | None = None) -> list[Record]:
    """The tool's `record` lines as Records; with `sent` (records sent), missing ones are added
    with recv None. Their send time is unknown; they get that of the record before them (the
    first record's for leading ones), a lower bound since records are sent in order."""
    found = {
        line["seq"]: Record(line["seq"], line["sent"], line["recv"])
        for line in lines
        if line.get("type") == "record"
    }
    ordered = [found[seq] for seq in sorted(found)]
    if sent is None:
        return ordered
    filled: list[Record] = []
    previous = ordered[0].sent if ordered else 0.0
    for seq in range(sent):
        record = found.get(seq, Record(seq, previous, None))
        previous = record.sent
        filled.append(record)
    return filled


def mean_rate(intervals: Sequence[Interval], start: float, end: float) -> float:
    """Count per second over the intervals that end in (start, end]; ValueError if none do.

    For rr series this is the transaction rate (Table 3.5)."""
    inside = [i for i in intervals if start < i.end <= end]
    seconds = sum(i.seconds for i in inside)
    if not inside or seconds <= 0:
        raise ValueError(f"no interval ends in ({start}, {end}]")
    return sum(i.count for i in inside) / seconds


def mean_goodput(intervals: Sequence[Interval], start: float, end: float) -> float:
    """Bits per second over the byte intervals that end in (start, end]."""
    return mean_rate(intervals, start, end) * 8


def t_throughput(
    intervals: Sequence[Interval],
    event: float,
    fair_share: float,
    *,
    horizon: float,
    window: float = 0.5,
    threshold: float = 0.9,
) -> float | None:
    """T-throughput in seconds (module docstring); `fair_share` in bit/s."""
    if fair_share <= 0 or window <= 0 or not 0 < threshold <= 1:
        raise ValueError("fair_share and window must be positive, threshold in (0, 1]")
    post = sorted(
        (i for i in intervals if event < i.end <= event + horizon), key=lambda i: i.end
    )
    prefix = [0]
    for interval in post:
        prefix.append(prefix[-1] + interval.count)
    target = threshold * fair_share / 8  # bytes per second
    for r, first in enumerate(post):
        judged = False
        keeps_pace = True
        for j in range(r, len(post)):
            span = post[j].end - first.start
            if span < window - 1e-9:
                continue
            judged = True
            if prefix[j + 1] - prefix[r] < target * span:
                keeps_pace = False
                break
        if not judged:
            return None
        if keeps_pace:
            return max(0.0, first.start - event)
    return None


def t_latency(
    records: Sequence[Record],
    event: float,
    *,
    horizon: float,
    slack: float = 0.05,
    baseline: float = 2.0,
    join: float = 1.0,
) -> float | None:
    """T-latency in seconds (module docstring). ValueError without baseline records."""
    ordered = sorted(records, key=lambda record: record.seq)
    before = [
        r.latency
        for r in ordered
        if event - baseline <= r.sent < event and r.recv is not None and r.recv <= event
    ]
    if not before:
        raise ValueError(f"no record was sent and delivered in the {baseline} s before {event}")
    limit = statistics.median(before) + slack
    delayed = [
        r
        for r in ordered
        if r.sent <= event + horizon
        and (r.recv is None or r.recv > event)
        and (r.recv is None or r.recv - r.sent > limit)
    ]
    if not delayed:
        return 0.0
    episode = [delayed[0]]
    for record in delayed[1:]:
        if record.sent - episode[-1].sent > join:
            break
        episode.append(record)
    if any(record.recv is None for record in episode):
        return None
    return max(record.recv for record in episode if record.recv is not None) - event

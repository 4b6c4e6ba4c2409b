"""T-throughput and T-latency (seed §3.4) on synthetic series with known answers.

Series are built on a 50 ms grid from whole milliseconds so that interval boundaries are
exact; 10 Mbit/s is 62500 bytes per interval.
"""

from __future__ import annotations

import pytest

from apps.traffic.metrics import (
    Interval,
    Record,
    intervals_from_lines,
    mean_goodput,
    mean_rate,
    records_from_lines,
    t_latency,
    t_throughput,
)

DT = 0.05
MBIT = 1e6


def series(*pieces: tuple[float, float]) -> list[Interval]:
    """Consecutive (seconds, Mbit/s) pieces from t=0 as 50 ms intervals."""
    out: list[Interval] = []
    step = 0
    for seconds, mbps in pieces:
        for _ in range(round(seconds / DT)):
            step += 1
            out.append(Interval(step * 50 / 1000, DT, round(mbps * MBIT * DT / 8)))
    return out


def test_mptcp_failover_stall_made_up_by_a_burst_is_zero() -> None:
    # 2 links before; at t=2 one fails: 0.2 s nothing delivered (data held back), then the
    # held-back data arrives at once, then one link's worth.
    trace = series((2, 20), (0.2, 0), (0.05, 10 + 0.2 / DT * 10), (4, 10))
    assert t_throughput(trace, 2.0, 10 * MBIT, horizon=4) == 0.0


def test_single_path_handoff_counts_until_the_flow_keeps_pace() -> None:
    # 0.3 s dead, 0.1 s at 4 Mbit/s, then 10: from r = 2.35 every window of >= 0.5 s has
    # >= 0.9 * 10 Mbit/s on average ([2.35, 2.85]: 0.05*4 + 0.45*10 = 4.7 Mbit >= 4.5);
    # from r = 2.30 the first 0.5 s carry 0.1*4 + 0.4*10 = 4.4 Mbit < 4.5.
    trace = series((2, 10), (0.3, 0), (0.1, 4), (5, 10))
    assert t_throughput(trace, 2.0, 10 * MBIT, horizon=5) == pytest.approx(0.35)


def test_stalled_subflow_recovers_after_six_seconds() -> None:
    # Recovery phase of WaMPTCP without RO: one link's 8 Mbit/s for 6 s, then both links.
    trace = series((2, 8), (6, 8), (3, 20))
    assert t_throughput(trace, 2.0, 20 * MBIT, horizon=9) == pytest.approx(5.95)
    assert t_throughput(trace, 2.0, 20 * MBIT, horizon=9, window=0.05) == pytest.approx(6.0)


def test_not_repaired_within_the_horizon_is_none() -> None:
    trace = series((2, 10), (5, 5))
    assert t_throughput(trace, 2.0, 10 * MBIT, horizon=5) is None


def test_less_than_a_window_of_trace_is_none() -> None:
    trace = series((2, 10), (0.3, 10))
    assert t_throughput(trace, 2.0, 10 * MBIT, horizon=5) is None


def test_threshold_sets_how_close_to_the_fair_share() -> None:
    trace = series((2, 10), (3, 8.5))
    assert t_throughput(trace, 2.0, 10 * MBIT, horizon=3) is None
    assert t_throughput(trace, 2.0, 10 * MBIT, horizon=3, threshold=0.8) == 0.0


def test_bad_parameters_are_rejected() -> None:
    with pytest.raises(ValueError, match="fair_share and window must be positive"):
        t_throughput(series((1, 1)), 0.5, 0, horizon=1)


def test_mean_goodput_and_rate() -> None:
    trace = series((1, 10), (1, 20))
    assert mean_goodput(trace, 1.0, 2.0) == pytest.approx(20 * MBIT)
    assert mean_rate(trace, 0.0, 1.0) == pytest.approx(1.25e6)
    with pytest.raises(ValueError, match=r"no interval ends in \(5, 6\]"):
        mean_goodput(trace, 5, 6)


def records(latency_of, count: int = 600, period: float = 0.01) -> list[Record]:
    """Records sent every `period` from t=0; `latency_of(seq, sent)` -> latency or None."""
    out = []
    for seq in range(count):
        sent = seq * period
        latency = latency_of(seq, sent)
        out.append(Record(seq, sent, None if latency is None else sent + latency))
    return out


def handoff(seq: int, sent: float) -> float:
    """1 ms normally; records sent in [1.995, 2.6) are held until 2.61 (in-order burst)."""
    return 2.61 - sent if 1.995 <= sent < 2.6 else 0.001


def test_t_latency_is_the_last_held_record() -> None:
    assert t_latency(records(handoff), 2.0, horizon=3) == pytest.approx(0.61)


def test_records_in_flight_at_the_event_count() -> None:
    # The record sent at 1.99 (before the event) is lost and arrives at 2.45.
    def in_flight(seq: int, sent: float) -> float:
        return 2.45 - sent if 1.985 <= sent < 2.4 else 0.001

    assert t_latency(records(in_flight), 2.0, horizon=3) == pytest.approx(0.45)


def test_no_delay_is_zero() -> None:
    assert t_latency(records(lambda seq, sent: 0.001), 2.0, horizon=3) == 0.0


def test_small_jitter_below_the_slack_is_not_a_delay() -> None:
    jitter = records(lambda seq, sent: 0.001 + (0.04 if seq % 7 == 0 else 0))
    assert t_latency(jitter, 2.0, horizon=3) == 0.0


def test_a_later_unrelated_delay_is_not_part_of_the_handoff() -> None:
    def later_hiccup(seq: int, sent: float) -> float:
        return 0.3 if seq == 450 else handoff(seq, sent)

    assert t_latency(records(later_hiccup), 2.0, horizon=3) == pytest.approx(0.61)


def test_a_stuttering_hold_is_one_episode() -> None:
    # MPTCP: records go to the failed subflow until it is stale, a few to the healthy one.
    def stutter(seq: int, sent: float) -> float:
        if 1.995 <= sent < 2.2:
            return 2.21 - sent
        if 2.2 <= sent < 2.22:
            return 0.002  # on time, over the healthy subflow
        if 2.22 <= sent < 2.8:
            return 2.83 - sent
        return 0.001

    assert t_latency(records(stutter), 2.0, horizon=3) == pytest.approx(0.83)


def test_a_held_record_that_never_arrives_is_none() -> None:
    def lost(seq: int, sent: float) -> float | None:
        return None if seq == 230 else handoff(seq, sent)

    assert t_latency(records(lost), 2.0, horizon=3) is None


def test_no_baseline_is_an_error() -> None:
    late = [Record(seq, 3 + seq * 0.01, 3.001 + seq * 0.01) for seq in range(10)]
    with pytest.raises(ValueError, match="no record was sent and delivered in the 2.0 s"):
        t_latency(late, 2.0, horizon=1)


def test_lines_to_series() -> None:
    lines = [
        {"type": "interval", "t": 1.1, "dt": 0.05, "bytes": 7, "mbps": 0.0},
        {"type": "interval", "t": 1.05, "dt": 0.05, "bytes": 3, "mbps": 0.0},
        {"type": "interval", "t": 1.1, "dt": 0.05, "transactions": 4},
        {"type": "record", "seq": 2, "sent": 1.5, "recv": 1.6, "latency": 0.1},
        {"type": "record", "seq": 0, "sent": 1.0, "recv": 1.1, "latency": 0.1},
        {"type": "summary", "bytes": 10},
    ]
    assert intervals_from_lines(lines) == [Interval(1.05, 0.05, 3), Interval(1.1, 0.05, 7)]
    assert intervals_from_lines(lines, "transactions") == [Interval(1.1, 0.05, 4)]
    assert records_from_lines(lines) == [Record(0, 1.0, 1.1), Record(2, 1.5, 1.6)]
    assert records_from_lines(lines, sent=4) == [
        Record(0, 1.0, 1.1),
        Record(1, 1.0, None),
        Record(2, 1.5, 1.6),
        Record(3, 1.5, None),
    ]

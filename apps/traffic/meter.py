"""Counting bytes (or transactions) into fixed time intervals, without clocks or sockets.

The receiving loop calls `add(when, amount)` as data arrives and `close_until(now)` when it
wakes up, so intervals with nothing in them (an outage) still come out, as zeros, while the
transfer stalls. Interval k covers [start + k*interval, start + (k+1)*interval).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """What arrived in one interval; `end` is its end time, `seconds` its length."""

    index: int
    end: float
    seconds: float
    count: int


class IntervalMeter:
    """Bins `amount`s by arrival time into consecutive intervals of `interval` seconds."""

    def __init__(self, start: float, interval: float) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.start = start
        self.interval = interval
        self._index = 0  # the interval being filled
        self._count = 0
        self.total = 0

    def _index_of(self, when: float) -> int:
        return max(0, int((when - self.start) // self.interval))

    def _end_of(self, index: int) -> float:
        return self.start + (index + 1) * self.interval

    def _advance_to(self, index: int) -> list[Sample]:
        closed = []
        while self._index < index:
            end = self._end_of(self._index)
            closed.append(Sample(self._index, end, self.interval, self._count))
            self._index += 1
            self._count = 0
        return closed

    def add(self, when: float, amount: int) -> list[Sample]:
        """Count `amount` at time `when`; returns the intervals this closes. A `when` earlier
        than the open interval (a clock read before a late wake-up) counts in the open one."""
        closed = self._advance_to(self._index_of(when))
        self._count += amount
        self.total += amount
        return closed

    def close_until(self, now: float) -> list[Sample]:
        """The intervals that ended by `now` and were not returned yet."""
        return self._advance_to(self._index_of(now))

    def finish(self, now: float) -> list[Sample]:
        """Everything not returned yet; the open interval is cut at `now` (a short last one)."""
        closed = self.close_until(now)
        begin = self.start + self._index * self.interval
        if now > begin:
            closed.append(Sample(self._index, now, now - begin, self._count))
            self._index += 1
            self._count = 0
        return closed


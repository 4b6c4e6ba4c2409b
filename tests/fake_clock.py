"""A hand-moved clock for tests of anything that takes a `clock` callable (meters, idle
timeouts, digest batching, DHCP leases), so that they move time instead of sleeping."""

from __future__ import annotations


class FakeClock:
    """A clock (seconds) that only moves when the test sets `now` or calls `advance_us`."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance_us(self, micros: float) -> None:
        self.now += micros / 1e6

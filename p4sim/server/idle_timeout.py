"""Idle timeouts of table entries, as simple_switch_grpc implements them (P4Runtime "Idle-timeout").

Only tables declared with `support_timeout = true` age; an entry ages when its
`idle_timeout_ns` is set. What BMv2 (bm_sim `ageing.cpp`, `match_units.cpp`) and its P4Runtime
front end (PI `device_mgr.cpp`, `idle_timeout_buffer.cpp`) do, reproduced here:

- Timer. BMv2 keeps per entry the time of its last hit in whole milliseconds and a TTL of
  `idle_timeout_ns // 10**6` ms (an unsigned 32-bit count, so less than 1 ms never ages). An
  INSERT starts the timer, and so does every MODIFY of the entry (PI sets the TTL again, and
  setting it resets the timestamp); a hit stamps the entry with the packet's time. The entry is
  never removed by the switch: the controller decides.
- Sweep. A thread started with the switch sweeps every second (fixed schedule, no drift). An
  entry is idle when `now_ms - hit_ms >= ttl_ms`. A sweep reports the idle entries that the
  previous sweep did not report, so an entry that stays idle is reported at every other sweep
  (BMv2's own test names this as a known difference from the spec) until it is hit, modified
  or deleted. Tables are swept in program order, entries in handle order.
- Notification. PI collects the reported entries and, 100 ms after the first one, sends one
  `IdleTimeoutNotification` holding all of them to the primary controller: `table_id`, the
  match as a Read shows it, `priority` when non-zero, `controller_metadata` and
  `idle_timeout_ns` (no action, no metadata); `timestamp` is the steady clock at sending, in
  ns. A new pipeline sends what is waiting at once and forgets the previous sweep.
- Read. `time_since_last_hit` is what PI derives from BMv2's remaining TTL:
  `idle_timeout_ns - (ttl_ms - ms since the hit) * 10**6` while the entry is not idle,
  `idle_timeout_ns` once it is, 0 for an entry without idle timeout, and, because BMv2 reports
  an infinite remaining TTL for a TTL of 0 ms that PI reads back as -1, `idle_timeout_ns + 1`
  for an entry with less than 1 ms.

Times are readings of the switch clock (`Switch.clock`, seconds), so tests inject a fake one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.tables import TableEntry
from p4sim.server.match import encode_match
from p4sim.server.schema import TableInfo

SWEEP_INTERVAL = 1.0  # seconds; BMv2 AgeingMonitor's default sweep_interval_ms
BUFFERING = 0.1  # seconds; PI IdleTimeoutBuffer's kDefaultMaxBufferingNs
_NS_PER_MS = 1_000_000
_TTL_MASK = (1 << 32) - 1  # BMv2 stores the TTL as an unsigned int of milliseconds


def _ns(t: float) -> int:
    """A clock reading in nanoseconds (rounded first so that float clocks stay exact)."""
    return round(t * 1e9)


def ttl_ms(entry: TableEntry) -> int:
    """The TTL BMv2 keeps for an entry, in whole milliseconds (0: never ages)."""
    return (entry.idle_timeout_ns // _NS_PER_MS) & _TTL_MASK


def is_idle(entry: TableEntry, now_ms: int) -> bool:
    """Whether a sweep at `now_ms` finds the entry idle."""
    ttl = ttl_ms(entry)
    return ttl > 0 and now_ms - _ns(entry.last_hit) // _NS_PER_MS >= ttl


def elapsed_ns(entry: TableEntry, now: float) -> int:
    """`time_since_last_hit.elapsed_ns` of an entry in a Read at switch time `now`."""
    idle = entry.idle_timeout_ns
    if idle == 0:
        return 0
    ttl = ttl_ms(entry)
    if ttl == 0:
        return idle + 1
    since_ms = _ns(now) // _NS_PER_MS - _ns(entry.last_hit) // _NS_PER_MS
    remaining = (ttl - since_ms) * _NS_PER_MS if ttl > since_ms else 0
    return idle - remaining


def notified_entry(info: TableInfo, entry: TableEntry) -> p4runtime_pb2.TableEntry:
    """How an idle entry appears in an IdleTimeoutNotification."""
    out = p4runtime_pb2.TableEntry(
        table_id=info.id,
        match=encode_match(info, entry.match),
        controller_metadata=entry.controller_metadata,
        idle_timeout_ns=entry.idle_timeout_ns,
    )
    if entry.priority > 0:
        out.priority = entry.priority
    return out


class IdleTimeoutMonitor:
    """The ageing sweeper and the notification buffer of one switch.

    Driven from outside, like `DigestEngine`: `poll(target, now)` runs the sweeps and sends
    that are due and returns when the next one is. Not thread-safe: the caller serialises the
    calls and holds the locks that keep the target's tables still. No threads of its own, so
    tests run it with a fake clock.
    """

    def __init__(
        self,
        deliver: Callable[[p4runtime_pb2.IdleTimeoutNotification], bool],
        *,
        interval: float = SWEEP_INTERVAL,
        buffering: float = BUFFERING,
    ) -> None:
        """`deliver` sends a notification to the primary controllers."""
        self._deliver = deliver
        self._interval = interval
        self._buffering = buffering
        self._next_sweep: float | None = None
        self._send_at: float | None = None
        self._pending: list[p4runtime_pb2.TableEntry] = []
        # table name -> the entries the previous sweep reported (by identity; a MODIFY keeps
        # the entry object as BMv2 keeps the handle, a new INSERT makes a new one)
        self._reported: dict[str, dict[int, TableEntry]] = {}

    def start(self, now: float) -> None:
        """Start sweeping: the first sweep is at `now`, as BMv2's sweep thread starts with one."""
        self._next_sweep = now

    def reset(self, now: float) -> None:
        """A new pipeline is live: send what is waiting, forget what was reported."""
        self._reported.clear()
        self._send(now)

    def poll(self, target: Any, now: float) -> float | None:
        """Run the sweeps and sends due by `now`, in time order; returns when the next one is
        due (None when not started and nothing waits). `target` is the live pipeline (a
        `Target`, or None without one: the sweep schedule goes on)."""
        while True:
            due = [t for t in (self._send_at, self._next_sweep) if t is not None]
            if not due or min(due) > now:
                return min(due, default=None)
            if self._send_at is not None and self._send_at == min(due):
                self._send(now)
                continue
            assert self._next_sweep is not None
            if target is not None:
                self._sweep(target, now)
            self._next_sweep += self._interval

    def _sweep(self, target: Any, now: float) -> None:
        now_ms = _ns(now) // _NS_PER_MS
        infos = {info.name: info for info in target.schema.tables.values()}
        for name, table in target.switch.tables.items():
            info = infos.get(name)
            if not table.supports_timeout or info is None or not info.supports_idle_timeout:
                continue
            previous = self._reported.get(name, {})
            fresh = [
                e for e in table.entries() if is_idle(e, now_ms) and id(e) not in previous
            ]
            self._reported[name] = {id(e): e for e in fresh}
            if not fresh:
                continue
            if not self._pending:
                self._send_at = now + self._buffering
            self._pending.extend(notified_entry(info, e) for e in fresh)

    def _send(self, now: float) -> None:
        self._send_at = None
        if not self._pending:
            return
        msg = p4runtime_pb2.IdleTimeoutNotification(table_entry=self._pending, timestamp=_ns(now))
        self._pending = []
        self._deliver(msg)

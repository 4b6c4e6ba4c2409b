"""WAN link emulation for the WaMPTCP scenario: rate, queue, delay, and outages on a schedule.

Each WAN link is a veth pair between the two gateways' ports. Both ends get the same shaping:
an htb class at the link's rate (as Mininet's TCLink does) whose leaf qdisc (handle 10:) is a
bounded FIFO of `queue` packets, or netem with the link's delay when the kernel has netem.
A link without `bw` gets a 10 Gbit/s class, so every link has the same replaceable leaf.

An outage swaps both leaves for `blackhole`: every packet is dropped silently in both
directions, queued ones included, and the interfaces stay up, so nothing but missing packets
tells the gateways (as the seed's iptables block, §3.5.2). The swap back restores the leaf.
Both ends change in one `tc -batch` process, within a few milliseconds. tc runs in the root
namespace, where the gateways' interfaces are.

Schedules are lists of `LinkChange`s (offset from the schedule start, link, up/down); an
`OutageRunner` applies one in a thread and records the wall-clock time of each change.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

UNLIMITED_MBIT = 10_000
HTB_BURST = "15k"


class LinkCommandError(RuntimeError):
    """A tc command failed; the message has the commands and tc's output."""


def leaf_qdisc(queue: int, delay: str | None) -> str:
    """The leaf under the rate class: netem with a delay (and the queue as its limit), or a
    plain packet FIFO."""
    if delay:
        return f"netem delay {delay} limit {queue}"
    return f"pfifo limit {queue}"


def shaping_commands(dev: str, bw: float | None, queue: int, delay: str | None) -> list[str]:
    """tc commands (without the leading `tc`) that shape `dev` as described above."""
    rate = UNLIMITED_MBIT if bw is None else bw
    return [
        f"qdisc replace dev {dev} root handle 5: htb default 1",
        f"class replace dev {dev} parent 5: classid 5:1 htb rate {rate:g}mbit burst {HTB_BURST}",
        f"qdisc replace dev {dev} parent 5:1 handle 10: {leaf_qdisc(queue, delay)}",
    ]


def block_commands(devs: Sequence[str]) -> list[str]:
    # Without a handle: tc refuses to replace a qdisc by one of another kind under its handle.
    return [f"qdisc replace dev {dev} parent 5:1 blackhole" for dev in devs]


def unblock_commands(devs: Sequence[str], queue: int, delay: str | None) -> list[str]:
    return [f"qdisc replace dev {dev} parent 5:1 handle 10: {leaf_qdisc(queue, delay)}"
            for dev in devs]


def run_tc(commands: Sequence[str]) -> None:
    """Run tc commands in one `tc -batch -` process; LinkCommandError if any fails."""
    done = subprocess.run(
        ["tc", "-batch", "-"],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise LinkCommandError(
            "tc failed:\n  " + "\n  ".join(commands) + f"\n{done.stderr.strip()}"
        )


@dataclass(frozen=True)
class LinkChange:
    """At `offset` seconds from the schedule start, link `link` goes up or down."""

    offset: float
    link: int
    up: bool


def outage(link: int, start: float, duration: float) -> list[LinkChange]:
    """One outage: down at `start`, up `duration` seconds later."""
    return [LinkChange(start, link, False), LinkChange(start + duration, link, True)]


def flapping(link: int, period: float, start: float, end: float) -> list[LinkChange]:
    """An intermittent link (seed §3.5.5): down at `start`, then up/down every `period`
    seconds (off half of the time), and up again at `end` at the latest."""
    if period <= 0 or end <= start:
        raise ValueError("period must be positive and end after start")
    changes = []
    up = False
    offset = start
    while offset < end:
        changes.append(LinkChange(offset, link, up))
        up = not up
        offset += period
    if up:  # the last change took it down: bring it back at the end
        changes.append(LinkChange(end, link, True))
    return changes


@dataclass(frozen=True)
class AppliedChange:
    """A change as it happened: wall-clock time just before the tc command ran."""

    wall: float
    link: int
    up: bool


class OutageRunner:
    """Applies a schedule in a thread with `apply(link, up)`; `applied` lists what ran.

    `stop()` ends it early and brings every link it took down back up, so a failed
    experiment never leaves a link blocked.
    """

    def __init__(self, changes: Sequence[LinkChange], apply: Callable[[int, bool], None]) -> None:
        self.changes = sorted(changes, key=lambda change: change.offset)
        self.apply = apply
        self.applied: list[AppliedChange] = []
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.start_wall: float | None = None

    def start(self, at: float | None = None) -> None:
        """Run the schedule with offsets counted from wall time `at` (default: now)."""
        self.start_wall = time.time() if at is None else at
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self.start_wall is not None
        try:
            for change in self.changes:
                if self._stop.wait(max(0.0, self.start_wall + change.offset - time.time())):
                    return
                wall = time.time()
                self.apply(change.link, change.up)
                self.applied.append(AppliedChange(wall, change.link, change.up))
        except Exception as err:  # noqa: BLE001 - reported by join()
            self.error = err

    def join(self) -> list[AppliedChange]:
        """Wait for the schedule to finish; re-raises a failure of `apply`."""
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error
        return self.applied

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        down = {change.link for change in self.applied if not change.up}
        for link in sorted(down):
            last = [change for change in self.applied if change.link == link][-1]
            if not last.up:
                self.apply(link, True)
                self.applied.append(AppliedChange(time.time(), link, True))

"""What one STF run produced: the packets that came out and the checks to make on them."""

from __future__ import annotations

from dataclasses import dataclass, field

from p4sim.stf.syntax import Expect, Loc


@dataclass(frozen=True, slots=True)
class Received:
    """A packet the switch sent out, and the `packet` command whose input produced it."""

    port: int
    data: bytes
    cause: Loc


@dataclass
class Outcome:
    """Filled by the runner, judged by `report.check`."""

    sent: int = 0
    received: list[Received] = field(default_factory=list)
    expects: list[Expect] = field(default_factory=list)
    ports: set[int] = field(default_factory=set)  # ports the file uses (BMv2 attaches these)
    no_packet: Loc | None = None
    counter_checks: int = 0
    counter_failures: list[tuple[Loc, str]] = field(default_factory=list)

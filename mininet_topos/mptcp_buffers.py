"""Socket buffer sizes that let the healthy subflows of an MPTCP connection keep their pace
when another subflow's path fails, and what that costs (an opt-in of the WaMPTCP scenario).

MPTCP puts one data sequence over all subflows. When a path silently drops everything, the
data in flight on its subflow leaves a hole in the data sequence; the receiver cannot pass
anything after the hole to the application, so the healthy subflows' data piles up in the
receive buffer, and the sender keeps every byte after the hole in its send buffer. When one
of the buffers is full, the healthy subflow stops too. The rule of the MPTCP literature
(Raiciu et al., "How hard can it be? Designing and implementing a deployable multipath TCP",
NSDI 2012) is a buffer of about twice the sum of all subflows' rates times the longest time a
lost segment can hold the sequence back.

Measured here (Linux 6.18, two 10 Mbit/s paths, one blackholed; `experiments/wamptcp/
handoff.py --mechanisms wamptcp --socket-buffer ...`):
- kernel defaults (87 KiB, autotuned): the healthy path stops for about 0.3 s (through the
  gateways; up to 1 s on bare veths), then Linux re-sends the hole's data on it, because an
  idle subflow is where its MPTCP-level retransmission goes; the application is back at the
  healthy path's rate after about 0.35 s;
- `required_buffer` (4-5 MiB): the healthy path keeps its full rate, but it is never idle, so
  the hole waits until the failed subflow is declared stale (`net.mptcp.stale_loss_cnt`
  retransmission timeouts without progress) and its data then queues behind megabytes on the
  healthy subflow: the application gets nothing for 1.4-2.5 s.
Linux has no opportunistic re-injection (the multipath-tcp.org kernel's, which the seed
used), so neither setting gives both; the scenario keeps the kernel defaults unless asked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

HOLD_SECONDS = 1.0
UNLIMITED_MBPS = 100.0
FLOOR_BYTES = 4 << 20  # never below what was measured to keep 2 x 10 Mbit/s unaffected
CEILING_BYTES = 64 << 20


def required_buffer(rates_mbps: Sequence[float | None], hold: float = HOLD_SECONDS) -> int:
    """Bytes of socket buffer for a connection over paths of these rates (Mbit/s, None for
    unlimited): 2 x sum(rates) x `hold`, rounded up to whole MiB, within the floor and
    ceiling above."""
    if hold <= 0:
        raise ValueError("hold must be positive")
    total = sum(UNLIMITED_MBPS if rate is None else rate for rate in rates_mbps)
    wanted = 2 * total * 1e6 / 8 * hold
    mebibytes = math.ceil(wanted / (1 << 20))
    return min(CEILING_BYTES, max(FLOOR_BYTES, mebibytes << 20))


def buffer_sysctls(size: int) -> list[str]:
    """`sysctl -w` arguments that make `size` the starting buffer of TCP (and so MPTCP)
    sockets in a network namespace, keeping the kernel's minimum and a maximum of at
    least `size`."""
    if size <= 0:
        raise ValueError("size must be positive")
    ceiling = max(size, 16 << 20)
    return [
        f"net.ipv4.tcp_rmem=4096 {size} {ceiling}",
        f"net.ipv4.tcp_wmem=4096 {size} {ceiling}",
    ]

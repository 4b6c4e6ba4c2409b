"""The ip(8) commands that turn a WaMPTCP host's leases into kernel configuration.

All of them are built here, as argv lists, so that tests can check them exactly and the client
can print what it ran. The host gets one address per WAN link on its single interface; the
first address of each family is the primary one (the source the routing table picks for a
connection's initial subflow), every further address is registered as an in-kernel path
manager `subflow` endpoint, so the kernel opens one extra subflow from each of them (seed
§3.3.3: one subflow per WAN link, which the gateway steers by source subnet).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

MAX_PM_LIMIT = 8  # the kernel refuses larger `ip mptcp limits` values (MPTCP_PM_ADDR_MAX)


class CommandError(RuntimeError):
    """An ip command failed; carries the argv and what ip printed."""


@dataclass(frozen=True)
class HostPlan:
    """What to configure on `interface`; the first address of each family is the primary
    link's (the source of initial subflows), the others follow in link order."""

    interface: str
    ipv4: tuple[IPv4Interface, ...]
    ipv6: tuple[IPv6Interface, ...] = ()
    router_v4: IPv4Address | None = None
    router_v6: IPv6Address | None = None
    mtu: int | None = None

    def endpoints(self) -> list[IPv4Address | IPv6Address]:
        """The addresses registered as subflow endpoints: all but the first of each family."""
        return [a.ip for a in self.ipv4[1:]] + [a.ip for a in self.ipv6[1:]]

    def subflow_limit(self) -> int:
        """`ip mptcp limits` value: room for one extra subflow per endpoint (and as many
        ADD_ADDR from the peer), capped at the kernel's maximum."""
        return min(len(self.endpoints()), MAX_PM_LIMIT)


def commands(plan: HostPlan) -> list[list[str]]:
    """The ip commands for `plan`, in the order they must run: link MTU, addresses (IPv6 ones
    without duplicate address detection, so they are usable at once for new subflows; the
    interface id comes from the unique MAC), endpoints, limits, default routes. Limits are
    only set when there are endpoints, so a single-subnet host keeps the kernel defaults;
    routes use `replace` so that a default route the host already had is taken over."""
    dev = plan.interface
    argv: list[list[str]] = []
    if plan.mtu is not None:
        argv.append(["ip", "link", "set", "dev", dev, "mtu", str(plan.mtu)])
    argv += [["ip", "addr", "add", str(a), "dev", dev] for a in plan.ipv4]
    argv += [["ip", "-6", "addr", "add", str(a), "dev", dev, "nodad"] for a in plan.ipv6]
    argv += [
        ["ip", "mptcp", "endpoint", "add", str(a), "dev", dev, "subflow"] for a in plan.endpoints()
    ]
    limit = plan.subflow_limit()
    if limit:
        argv.append(
            [
                "ip",
                "mptcp",
                "limits",
                "set",
                "subflows",
                str(limit),
                "add_addr_accepted",
                str(limit),
            ]
        )
    if plan.router_v4 is not None:
        argv.append(["ip", "route", "replace", "default", "via", str(plan.router_v4), "dev", dev])
    if plan.router_v6 is not None:
        argv.append(
            ["ip", "-6", "route", "replace", "default", "via", str(plan.router_v6), "dev", dev]
        )
    return argv


def run(argvs: Sequence[Sequence[str]]) -> None:
    """Runs the commands in order and stops at the first failure (CommandError), so a host is
    never left believing a later step worked on top of a failed one."""
    for argv in argvs:
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CommandError(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")

"""WaMPTCP DHCPv4 client helper: one lease per subnet of the segment (seed §3.3.3).

`python -m apps.wamptcp.dhcp_client --interface IF [--dry-run]` runs the procedure once and
prints what it configured as one JSON object on stdout:

1. DISCOVER without a subnet preference; the OFFER carries the WaMPTCP option (224) listing
   the segment's subnets, the primary link's first. That first offer is REQUESTed as it is.
2. For every listed subnet not covered yet: DISCOVER with the Subnet Selection option
   (RFC 3011, code 118) naming it, then REQUEST the offer, again with option 118. Replies must
   echo option 118 unchanged, otherwise they belong to another exchange and are ignored.
3. From the ACKs, `mptcp_endpoints` builds and runs the ip commands: one address per subnet,
   the extra ones as MPTCP subflow endpoints, the limits, the default route via the router of
   the first subnet; and one EUI-64 address per IPv6 prefix of option 225, with the default
   route via option 226.

A server without the WaMPTCP option gets the ordinary single-lease behaviour. The helper does
not renew: leases should be longer than the experiment (the server's lease_time).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from apps.wamptcp.dhcp_link import Link, RawLink
from apps.wamptcp.dhcp_option import (
    WAMPTCP_IPV6_PREFIXES,
    WAMPTCP_IPV6_ROUTER,
    WAMPTCP_SUBNETS,
    MessageType,
    OptionError,
    decode_ipv6_prefixes,
    decode_ipv6_router,
    decode_subnets,
    dhcp_options,
    ipv4_option,
    message_type,
)
from apps.wamptcp.mptcp_endpoints import CommandError, HostPlan, commands, run

CLIENT_PORT = 68
SERVER_PORT = 67
# subnet mask, router, DNS, MTU, lease time, server id, T1, T2 and the WaMPTCP options
PARAMETERS = [1, 3, 6, 26, 51, 54, 58, 59, WAMPTCP_SUBNETS, WAMPTCP_IPV6_PREFIXES,
              WAMPTCP_IPV6_ROUTER]  # fmt: skip


class ProvisionError(RuntimeError):
    """The segment's subnets could not all be leased (no offer, NAK, inconsistent reply)."""


@dataclass(frozen=True)
class ClientLease:
    """What one ACK granted, with the segment information it carried."""

    address: IPv4Interface
    server_id: IPv4Address
    lease_time: int
    router: IPv4Address | None = None
    mtu: int | None = None
    subnets: tuple[IPv4Network, ...] = ()
    ipv6_prefixes: tuple[IPv6Network, ...] = ()
    ipv6_router: IPv6Address | None = None


def parse_lease(ack: BOOTP) -> ClientLease:
    """Reads an ACK (or an OFFER: same fields); malformed WaMPTCP options raise OptionError,
    a missing or non-contiguous subnet mask or a missing server identifier ProvisionError."""
    options = dhcp_options(ack)
    mask = ipv4_option(options, "subnet_mask")
    server_id = ipv4_option(options, "server_id")
    lease_time = options.get("lease_time", (0,))[0]
    mtu = options.get("interface-mtu", (None,))[0]
    if mask is None or server_id is None:
        raise ProvisionError("reply without subnet mask or server identifier")
    try:
        address = IPv4Interface(f"{ack.yiaddr}/{mask}")
    except ValueError as exc:
        raise ProvisionError(f"reply with an unusable address or mask: {exc}") from None
    subnets = options.get(WAMPTCP_SUBNETS)
    prefixes = options.get(WAMPTCP_IPV6_PREFIXES)
    router6 = options.get(WAMPTCP_IPV6_ROUTER)
    return ClientLease(
        address=address,
        server_id=server_id,
        lease_time=int(lease_time),
        router=ipv4_option(options, "router"),
        mtu=None if mtu is None else int(mtu),
        subnets=decode_subnets(subnets[0]) if subnets else (),
        ipv6_prefixes=decode_ipv6_prefixes(prefixes[0]) if prefixes else (),
        ipv6_router=decode_ipv6_router(router6[0]) if router6 else None,
    )


def eui64_interface(prefix: IPv6Network, mac: bytes) -> IPv6Interface:
    """The address of a /64 prefix with the modified EUI-64 interface id of `mac` (RFC 4291
    App. A: ff:fe in the middle, universal/local bit inverted)."""
    iid = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:6]
    return IPv6Interface((int(prefix.network_address) | int.from_bytes(iid, "big"), 64))


def host_plan(interface: str, mac: bytes, leases: Sequence[ClientLease]) -> HostPlan:
    """The configuration for `leases` (in subnet order): router, MTU and the IPv6 information
    are those of the first subnet's lease (the primary link's)."""
    first = leases[0]
    ipv6 = tuple(eui64_interface(prefix, mac) for prefix in first.ipv6_prefixes)
    return HostPlan(
        interface=interface,
        ipv4=tuple(lease.address for lease in leases),
        ipv6=ipv6,
        router_v4=first.router,
        router_v6=first.ipv6_router if ipv6 else None,
        mtu=first.mtu,
    )


class DhcpClient:
    """Runs DHCP exchanges over a `Link`; each exchange retransmits its message `attempts`
    times, waiting `timeout` seconds for a matching reply after each."""

    def __init__(
        self,
        link: Link,
        mac: bytes,
        *,
        timeout: float = 1.0,
        attempts: int = 4,
        new_xid: Callable[[], int] = lambda: random.getrandbits(32),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._link = link
        self._mac = mac
        self._timeout = timeout
        self._attempts = attempts
        self._new_xid = new_xid
        self._clock = clock

    def obtain(self) -> list[ClientLease]:
        """The WaMPTCP procedure (module docstring): one lease per subnet, in subnet order."""
        xid = self._new_xid()
        first = self.discover(xid, None)
        offered = parse_lease(first)
        subnets = offered.subnets or (offered.address.network,)
        leases: dict[IPv4Network, ClientLease] = {}
        if offered.address.network in subnets:
            leases[offered.address.network] = self.request(xid, first, None)
        for subnet in subnets:
            if subnet not in leases:
                xid = self._new_xid()
                leases[subnet] = self.request(xid, self.discover(xid, subnet), subnet)
        return [leases[subnet] for subnet in subnets]

    def discover(self, xid: int, subnet: IPv4Network | None) -> BOOTP:
        """DISCOVER (for `subnet` when given) -> the first matching OFFER."""
        message = self._message(xid, MessageType.DISCOVER, subnet, [])
        offer = self._exchange(message, {MessageType.OFFER}, subnet)
        if offer is None:
            where = f" in {subnet}" if subnet else ""
            raise ProvisionError(f"no DHCP offer{where} after {self._attempts} attempts")
        return offer

    def request(self, xid: int, offer: BOOTP, subnet: IPv4Network | None) -> ClientLease:
        """REQUEST (SELECTING state) for `offer` -> the lease of the ACK."""
        server_id = ipv4_option(dhcp_options(offer), "server_id")
        extra = [("server_id", str(server_id)), ("requested_addr", offer.yiaddr)]
        message = self._message(xid, MessageType.REQUEST, subnet, extra)
        reply = self._exchange(message, {MessageType.ACK, MessageType.NAK}, subnet)
        if reply is None:
            raise ProvisionError(f"no answer to the request for {offer.yiaddr}")
        if message_type(dhcp_options(reply)) is MessageType.NAK:
            reason = dhcp_options(reply).get("error_message", (b"",))[0]
            raise ProvisionError(f"server refused {offer.yiaddr}: {reason!r}")
        lease = parse_lease(reply)
        if str(lease.address.ip) != offer.yiaddr or (subnet and lease.address.ip not in subnet):
            raise ProvisionError(f"ACK for {lease.address} does not match the offer")
        return lease

    def _message(
        self, xid: int, kind: MessageType, subnet: IPv4Network | None, extra: list[tuple]
    ) -> BOOTP:
        options: list[tuple | str] = [("message-type", int(kind)), *extra]
        if subnet is not None:
            options.append(("subnet-selection", str(subnet.network_address)))
        options += [("param_req_list", PARAMETERS), "end"]
        return BOOTP(op=1, xid=xid, chaddr=self._mac) / DHCP(options=options)

    def _exchange(
        self, message: BOOTP, accepted: set[MessageType], subnet: IPv4Network | None
    ) -> BOOTP | None:
        frame = bytes(
            Ether(src=self._mac, dst="ff:ff:ff:ff:ff:ff")
            / IP(src="0.0.0.0", dst="255.255.255.255", ttl=64)
            / UDP(sport=CLIENT_PORT, dport=SERVER_PORT)
            / message
        )
        for _ in range(self._attempts):
            self._link.send(frame)
            deadline = self._clock() + self._timeout
            while (left := deadline - self._clock()) > 0:
                received = self._link.receive(left)
                if received is None:
                    break
                reply = self._match(received, int(message.xid), accepted, subnet)
                if reply is not None:
                    return reply
        return None

    def _match(
        self, frame: bytes, xid: int, accepted: set[MessageType], subnet: IPv4Network | None
    ) -> BOOTP | None:
        packet = Ether(frame)
        if BOOTP not in packet or UDP not in packet or packet[UDP].dport != CLIENT_PORT:
            return None
        reply = packet[BOOTP]
        options = dhcp_options(reply)
        if int(reply.op) != 2 or int(reply.xid) != xid:
            return None
        if bytes(reply.chaddr)[:6] != self._mac or message_type(options) not in accepted:
            return None
        # RFC 3011: a reply to a subnet-selecting message must carry the same option
        echoed = ipv4_option(options, "subnet-selection")
        wanted = None if subnet is None else subnet.network_address
        return reply if echoed == wanted else None


def _summary(leases: Sequence[ClientLease], plan: HostPlan, argvs: list[list[str]]) -> dict:
    return {
        "interface": plan.interface,
        "leases": [
            {
                "address": str(lease.address),
                "router": None if lease.router is None else str(lease.router),
                "server_id": str(lease.server_id),
                "lease_time": lease.lease_time,
            }
            for lease in leases
        ],
        "ipv6": [str(a) for a in plan.ipv6],
        "endpoints": [str(a) for a in plan.endpoints()],
        "subflow_limit": plan.subflow_limit(),
        "commands": argvs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m apps.wamptcp.dhcp_client",
        description="Lease one address per WaMPTCP subnet and register the MPTCP endpoints.",
    )
    parser.add_argument("--interface", required=True, help="the host's LAN interface")
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds per attempt")
    parser.add_argument("--attempts", type=int, default=4, help="transmissions per message")
    parser.add_argument(
        "--dry-run", action="store_true", help="lease, but only print the ip commands"
    )
    args = parser.parse_args(argv)
    try:
        with RawLink(args.interface, CLIENT_PORT) as link:
            client = DhcpClient(link, link.mac, timeout=args.timeout, attempts=args.attempts)
            leases = client.obtain()
            plan = host_plan(args.interface, link.mac, leases)
        argvs = commands(plan)
        if not args.dry_run:
            run(argvs)
    except (ProvisionError, OptionError, CommandError, OSError) as exc:
        print(f"dhcp_client: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(_summary(leases, plan, argvs)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""DHCPv4 server for one WaMPTCP LAN segment: one subnet per WAN link (seed §3.3.3).

`python -m apps.wamptcp.dhcp_server --interface IF --config FILE` answers on IF and prints one
JSON line per event on stdout (first `{"event": "listening", ...}`).

The protocol core, `DhcpServer`, is a pure state machine: `handle(request) -> reply | None`,
with the leases in a dict keyed by address and the time taken from an injected clock, so that
tests can drive it message by message. It follows RFC 2131 §4.3:

- DISCOVER: the subnet is chosen by the Subnet Selection option (RFC 3011, code 118), else by
  `giaddr`, else it is the first subnet (the primary link's). No reply when that subnet is not
  one of the segment's or its pool is exhausted. The address offered is, in this order: the client's
  current or previous address in that subnet, the address it asked for (option 50) if free,
  the lowest never-used pool address, the pool address that has been free the longest. An
  offered address stays reserved for `offer_timeout` seconds.
- REQUEST in SELECTING state (option 54 present): for another server, the client's offer is
  withdrawn; for us, ACK if the requested address is the client's in the selected subnet, else
  NAK. INIT-REBOOT (option 50) and RENEWING/REBINDING (`ciaddr`): NAK when the address lies
  outside the selected subnet or outside every subnet of the segment (the client moved), is
  bound to another client, or the client holds another address in that subnet; ACK when it is
  the client's own; silence when the server has no record of the client there (§4.3.2).
- DECLINE: the address is kept out of use for one lease time. RELEASE: the lease ends now (the
  client keeps its affinity to the address). INFORM: ACK with the parameters, no lease.
- A lease is free again once its expiry time has passed; nothing needs to sweep the table.

One client takes one lease per subnet, so a lease belongs to (client, subnet), where the client
is its identifier (option 61) or else its hardware address. Every OFFER and ACK carries the
WaMPTCP options (see `dhcp_option`), and an identical copy of option 118 when the request had
one (RFC 3011 §3): the client uses it to tell the replies of its per-subnet exchanges apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import MappingProxyType

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from apps.wamptcp.dhcp_config import ConfigError, ServerConfig, SubnetConfig, load_config
from apps.wamptcp.dhcp_link import RawLink
from apps.wamptcp.dhcp_option import (
    WAMPTCP_IPV6_PREFIXES,
    WAMPTCP_IPV6_ROUTER,
    WAMPTCP_SUBNETS,
    MessageType,
    Options,
    dhcp_options,
    encode_networks,
    ipv4_option,
    message_type,
)

SERVER_PORT = 67
CLIENT_PORT = 68
BROADCAST_FLAG = 0x8000
UNSPECIFIED = IPv4Address(0)
BROADCAST = IPv4Address("255.255.255.255")


class LeaseState(StrEnum):
    OFFERED = "offered"
    BOUND = "bound"
    RELEASED = "released"
    DECLINED = "declined"


@dataclass(frozen=True)
class Lease:
    """The server's record of one address; it outlives its expiry to remember the client."""

    address: IPv4Address
    client: str
    subnet: IPv4Network
    state: LeaseState
    expires: float

    def holds(self, now: float) -> bool:
        """True while the address is taken (offered, bound or declined and not expired)."""
        return self.state is not LeaseState.RELEASED and now < self.expires


def client_key(request: BOOTP, options: Options) -> str:
    """Who the client is: its client identifier (option 61) or else its hardware address."""
    ident = options.get("client_id")
    if ident and isinstance(ident[0], bytes):
        return "id:" + ident[0].hex()
    return "hw:" + _mac(bytes(request.chaddr)[: int(request.hlen)])


class DhcpServer:
    """RFC 2131 server state machine for one segment; see the module docstring."""

    def __init__(self, config: ServerConfig, clock: Callable[[], float]) -> None:
        self._config = config
        self._clock = clock
        self._leases: dict[IPv4Address, Lease] = {}
        networks = tuple(s.network for s in config.subnets)
        self._wamptcp = [(WAMPTCP_SUBNETS, encode_networks(networks))]
        if config.ipv6_prefixes:
            self._wamptcp.append((WAMPTCP_IPV6_PREFIXES, encode_networks(config.ipv6_prefixes)))
        if config.ipv6_router is not None:
            self._wamptcp.append((WAMPTCP_IPV6_ROUTER, str(config.ipv6_router).encode("ascii")))

    @property
    def leases(self) -> Mapping[IPv4Address, Lease]:
        """Read-only view of the lease table, keyed by address."""
        return MappingProxyType(self._leases)

    def handle(self, request: BOOTP) -> BOOTP | None:
        """One client message in, the reply (BOOTP with DHCP options) or None out."""
        # Work on the wire form: a packet built in Python keeps symbolic values ("discover").
        request = BOOTP(bytes(request))
        if int(request.op) != 1:
            return None
        options = dhcp_options(request)
        handlers = {
            MessageType.DISCOVER: self._discover,
            MessageType.REQUEST: self._request,
            MessageType.DECLINE: self._decline,
            MessageType.RELEASE: self._release,
            MessageType.INFORM: self._inform,
        }
        handler = handlers.get(message_type(options))
        return None if handler is None else handler(request, options, client_key(request, options))

    # -- message handlers ------------------------------------------------------------------

    def _discover(self, request: BOOTP, options: Options, client: str) -> BOOTP | None:
        subnet = self._selected_subnet(request, options)
        if subnet is None:
            return None
        now = self._clock()
        address = self._allocate(client, subnet, ipv4_option(options, "requested_addr"), now)
        if address is None:
            return None
        current = self._leases.get(address)
        if not (
            current
            and current.client == client
            and current.state is LeaseState.BOUND
            and current.holds(now)
        ):
            expires = now + self._config.offer_timeout
            self._leases[address] = Lease(
                address, client, subnet.network, LeaseState.OFFERED, expires
            )
        return self._reply(
            request, options, MessageType.OFFER, address, subnet, self._lease_time(options)
        )

    def _request(self, request: BOOTP, options: Options, client: str) -> BOOTP | None:
        server_id = ipv4_option(options, "server_id")
        if server_id is None:
            return self._confirm(request, options, client)
        subnet = self._selected_subnet(request, options)
        if server_id != self._config.server_id:
            if subnet is not None:
                self._withdraw_offers(client, subnet.network)
            return None
        if subnet is None:
            return None
        address = ipv4_option(options, "requested_addr")
        lease = self._leases.get(address) if address is not None else None
        if address is None or address not in subnet.network:
            return self._nak(request, options, "requested address not in the selected subnet")
        if lease is None or lease.client != client or lease.state is LeaseState.DECLINED:
            return self._nak(request, options, "address not offered to this client")
        return self._bind(request, options, lease, subnet)

    def _confirm(self, request: BOOTP, options: Options, client: str) -> BOOTP | None:
        """INIT-REBOOT (option 50) or RENEWING/REBINDING (ciaddr): is the address still right?"""
        address = ipv4_option(options, "requested_addr") or _nonzero(request.ciaddr)
        if address is None:
            return None
        if ipv4_option(options, "subnet-selection") is not None:
            subnet = self._selected_subnet(request, options)
            if subnet is None:
                return None
        else:
            subnet = self._config.subnet_of(address)
        if subnet is None or address not in subnet.network:
            return self._nak(request, options, "address not on this segment's selected subnet")
        now = self._clock()
        lease = self._leases.get(address)
        if lease is not None and lease.client != client and lease.holds(now):
            return self._nak(request, options, "address in use")
        other = self._held_by(client, subnet.network, now)
        if other is not None and other.address != address:
            return self._nak(request, options, f"client holds {other.address} in this subnet")
        if lease is None or lease.client != client:
            return None
        if lease.state is LeaseState.DECLINED:
            return self._nak(request, options, "address declined")
        return self._bind(request, options, lease, subnet)

    def _decline(self, request: BOOTP, options: Options, client: str) -> None:
        address = ipv4_option(options, "requested_addr")
        lease = self._leases.get(address) if address is not None else None
        if self._for_us(options) and lease is not None and lease.client == client:
            until = self._clock() + self._config.lease_time
            self._leases[lease.address] = replace(lease, state=LeaseState.DECLINED, expires=until)

    def _release(self, request: BOOTP, options: Options, client: str) -> None:
        lease = self._leases.get(IPv4Address(request.ciaddr))
        if (
            self._for_us(options)
            and lease is not None
            and lease.client == client
            and lease.state is LeaseState.BOUND
        ):
            now = self._clock()
            self._leases[lease.address] = replace(lease, state=LeaseState.RELEASED, expires=now)

    def _inform(self, request: BOOTP, options: Options, client: str) -> BOOTP | None:
        address = _nonzero(request.ciaddr)
        subnet = self._config.subnet_of(address) if address is not None else None
        if subnet is None:
            return None
        return self._reply(request, options, MessageType.ACK, UNSPECIFIED, subnet, None)

    # -- lease table -----------------------------------------------------------------------

    def _selected_subnet(self, request: BOOTP, options: Options) -> SubnetConfig | None:
        """RFC 3011 option 118, else giaddr (RFC 2131 §4.3.1), else the first subnet; None when
        the selector names a subnet this segment does not have."""
        selector = ipv4_option(options, "subnet-selection") or _nonzero(request.giaddr)
        if selector is None:
            return self._config.subnets[0]
        return self._config.subnet_of(selector)

    def _allocate(
        self, client: str, subnet: SubnetConfig, wanted: IPv4Address | None, now: float
    ) -> IPv4Address | None:
        own = self._records_of(client, subnet.network)
        usable = [lease for lease in own if lease.state is not LeaseState.DECLINED]
        if usable:
            return max(usable, key=lambda lease: lease.expires).address
        if wanted is not None and subnet.in_pool(wanted) and self._is_free(wanted, now):
            return wanted
        for value in subnet.pool():
            if IPv4Address(value) not in self._leases:
                return IPv4Address(value)
        free = [
            lease
            for lease in self._leases.values()
            if lease.subnet == subnet.network and not lease.holds(now)
        ]
        return min(free, key=lambda lease: lease.expires).address if free else None

    def _records_of(self, client: str, network: IPv4Network) -> list[Lease]:
        # A record keyed by its address still naming this client means nobody took the
        # address since, so the client may have it back.
        return [
            lease
            for lease in self._leases.values()
            if lease.client == client and lease.subnet == network
        ]

    def _held_by(self, client: str, network: IPv4Network, now: float) -> Lease | None:
        held = [
            lease
            for lease in self._records_of(client, network)
            if lease.holds(now) and lease.state is not LeaseState.DECLINED
        ]
        return held[0] if held else None

    def _is_free(self, address: IPv4Address, now: float) -> bool:
        lease = self._leases.get(address)
        return lease is None or not lease.holds(now)

    def _withdraw_offers(self, client: str, network: IPv4Network) -> None:
        for lease in self._records_of(client, network):
            if lease.state is LeaseState.OFFERED:
                del self._leases[lease.address]

    def _bind(self, request: BOOTP, options: Options, lease: Lease, subnet: SubnetConfig) -> BOOTP:
        lease_time = self._lease_time(options)
        expires = self._clock() + lease_time
        self._leases[lease.address] = replace(lease, state=LeaseState.BOUND, expires=expires)
        return self._reply(request, options, MessageType.ACK, lease.address, subnet, lease_time)

    def _lease_time(self, options: Options) -> int:
        """The configured lease time, or less if the client asked for less (option 51)."""
        asked = options.get("lease_time")
        if asked and isinstance(asked[0], int) and asked[0] > 0:
            return min(asked[0], self._config.lease_time)
        return self._config.lease_time

    def _for_us(self, options: Options) -> bool:
        server_id = ipv4_option(options, "server_id")
        return server_id is None or server_id == self._config.server_id

    # -- replies -----------------------------------------------------------------------------

    def _reply(
        self,
        request: BOOTP,
        options: Options,
        kind: MessageType,
        yiaddr: IPv4Address,
        subnet: SubnetConfig,
        lease_time: int | None,
    ) -> BOOTP:
        config = self._config
        out: list[tuple | str] = [("message-type", int(kind)), ("server_id", str(config.server_id))]
        if lease_time is not None:
            # T1 and T2 at 0.5 and 0.875 of the lease (RFC 2131 §4.4.5)
            out += [
                ("lease_time", lease_time),
                ("renewal_time", lease_time // 2),
                ("rebinding_time", lease_time * 7 // 8),
            ]
        out += [("subnet_mask", str(subnet.network.netmask)), ("router", str(subnet.router))]
        if config.dns:
            out.append(("name_server", *(str(a) for a in config.dns)))
        if config.mtu is not None:
            out.append(("interface-mtu", config.mtu))
        out += self._wamptcp
        out += _echo_subnet_selection(options)
        out.append("end")
        ciaddr = request.ciaddr if kind is MessageType.ACK else "0.0.0.0"
        return _header(request, ciaddr, str(yiaddr), int(request.flags)) / DHCP(options=out)

    def _nak(self, request: BOOTP, options: Options, reason: str) -> BOOTP:
        out: list[tuple | str] = [
            ("message-type", int(MessageType.NAK)),
            ("server_id", str(self._config.server_id)),
            ("error_message", reason),
            *_echo_subnet_selection(options),
            "end",
        ]
        flags = int(request.flags)
        if _nonzero(request.giaddr) is not None:
            flags |= BROADCAST_FLAG  # the relay must broadcast it (RFC 2131 §4.3.2)
        return _header(request, "0.0.0.0", "0.0.0.0", flags) / DHCP(options=out)


def _header(request: BOOTP, ciaddr: str, yiaddr: str, flags: int) -> BOOTP:
    return BOOTP(
        op=2,
        htype=request.htype,
        hlen=request.hlen,
        xid=request.xid,
        flags=flags,
        ciaddr=ciaddr,
        yiaddr=yiaddr,
        giaddr=request.giaddr,
        chaddr=request.chaddr,
    )


def _echo_subnet_selection(options: Options) -> list[tuple]:
    values = options.get("subnet-selection")
    return [("subnet-selection", *values)] if values else []


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _nonzero(address: str) -> IPv4Address | None:
    value = IPv4Address(address)
    return None if value == UNSPECIFIED else value


def reply_frame(request: Ether, reply: BOOTP, server_mac: str, server_id: IPv4Address) -> bytes:
    """The Ethernet frame carrying `reply`, addressed as RFC 2131 §4.1 says: to the relay
    (giaddr, port 67); NAKs broadcast; to ciaddr when the client has one; else broadcast when
    the client set the broadcast flag; else unicast to yiaddr at the client's hardware address."""
    options = dhcp_options(reply)
    dport = CLIENT_PORT
    if _nonzero(reply.giaddr) is not None:
        ip_dst, mac_dst, dport = IPv4Address(reply.giaddr), request.src, SERVER_PORT
    elif message_type(options) is MessageType.NAK:
        ip_dst, mac_dst = BROADCAST, "ff:ff:ff:ff:ff:ff"
    elif _nonzero(request[BOOTP].ciaddr) is not None:
        ip_dst, mac_dst = IPv4Address(request[BOOTP].ciaddr), request.src
    elif int(reply.flags) & BROADCAST_FLAG:
        ip_dst, mac_dst = BROADCAST, "ff:ff:ff:ff:ff:ff"
    else:
        ip_dst, mac_dst = IPv4Address(reply.yiaddr), _mac(bytes(reply.chaddr)[: int(reply.hlen)])
    frame = (
        Ether(src=server_mac, dst=mac_dst)
        / IP(src=str(server_id), dst=str(ip_dst), ttl=64)
        / UDP(sport=SERVER_PORT, dport=dport)
        / reply
    )
    return bytes(frame)


def answer(
    server: DhcpServer, frame: bytes, server_mac: str, server_id: IPv4Address
) -> bytes | None:
    """The reply frame for one received frame; None for anything that is not a DHCP request to
    this server (broadcast or unicast to server_id)."""
    packet = Ether(frame)
    if BOOTP not in packet or IP not in packet or packet[UDP].dport != SERVER_PORT:
        return None
    if IPv4Address(packet[IP].dst) not in (BROADCAST, server_id):
        return None
    reply = server.handle(packet[BOOTP])
    return None if reply is None else reply_frame(packet, reply, server_mac, server_id)


def _describe(frame: bytes) -> dict[str, object]:
    packet = Ether(frame)
    options = dhcp_options(packet[BOOTP])
    kind = message_type(options)
    return {
        "message": kind.name if kind else None,
        "client": client_key(packet[BOOTP], options),
        "xid": int(packet[BOOTP].xid),
        "yiaddr": packet[BOOTP].yiaddr,
    }


def serve(link: RawLink, server: DhcpServer, server_id: IPv4Address) -> None:
    """Answers requests forever, printing each request and reply as a JSON line."""
    server_mac = _mac(link.mac)
    while True:
        frame = link.receive(None)
        if frame is None:
            continue
        try:
            reply = answer(server, frame, server_mac, server_id)
            event = {"event": "request", "in": _describe(frame)}
        except Exception as exc:  # a malformed frame must not stop the server
            print(json.dumps({"event": "bad-frame", "error": repr(exc)}), flush=True)
            continue
        if reply is not None:
            link.send(reply)
            event["out"] = _describe(reply)
        print(json.dumps({"t": round(time.time(), 3), **event}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m apps.wamptcp.dhcp_server",
        description="DHCPv4 server announcing the WaMPTCP subnets of one LAN segment.",
    )
    parser.add_argument("--interface", required=True, help="LAN interface to serve")
    parser.add_argument("--config", required=True, type=Path, help="YAML/JSON configuration")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except (ConfigError, OSError) as exc:
        print(f"dhcp_server: {exc}", file=sys.stderr)
        return 2
    try:
        link = RawLink(args.interface, SERVER_PORT)
    except OSError as exc:
        print(f"dhcp_server: {args.interface}: {exc}", file=sys.stderr)
        return 1
    ready = {
        "event": "listening",
        "interface": args.interface,
        "server_id": str(config.server_id),
        "subnets": [str(s.network) for s in config.subnets],
    }
    print(json.dumps(ready), flush=True)
    with link:
        try:
            serve(link, DhcpServer(config, time.monotonic), config.server_id)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The subnet plan of seed §3.3.3: one address space per WAN link, one subnet per LAN segment.

WaMPTCP makes a host with one NIC WAN-aware by giving it one address per WAN link: the
address's subnet names the link, so the gateway steers each MPTCP subflow by its source
address alone. The plan is a pure function of the site description:

- link k, segment with index i -> the i-th subnet of k's address space (IPv4 and IPv6, of
  `segment_prefix` length);
- the branch gateway owns the first address of every subnet (.1, ::1);
- the hosts of a segment get host numbers 10, 11, ... in file order; an MPTCP host gets its
  number in every subnet of its segment (one address per link), a legacy host only in the
  subnet of the primary link (it needs one address; tunnel handoff carries its traffic);
- the remote LAN: gateway .1 / ::1, servers numbered 10, 11, ... in file order.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass

from controller.wamptcp.site import Site

HOST_BASE = 10  # host numbers below this stay free for gateways and static devices

IPv4 = ipaddress.IPv4Address
IPv6 = ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class PlanError(ValueError):
    """A site whose address spaces cannot hold the plan (overlaps, too small)."""


@dataclass(frozen=True)
class Subnet:
    """The subnet of one LAN segment in one WAN link's address space."""

    link: int
    segment: str
    ipv4: ipaddress.IPv4Network
    ipv6: ipaddress.IPv6Network

    @property
    def gateway_v4(self) -> IPv4:
        return self.ipv4.network_address + 1

    @property
    def gateway_v6(self) -> IPv6:
        return self.ipv6.network_address + 1


@dataclass(frozen=True)
class HostAddress:
    """One address pair of a host (or server), with the prefix of its subnet."""

    host: str
    link: int  # the WAN link its subnet maps to; 0 on the remote LAN
    ipv4: ipaddress.IPv4Interface
    ipv6: ipaddress.IPv6Interface


@dataclass(frozen=True)
class Plan:
    subnets: tuple[Subnet, ...]  # by link (file order), then segment (file order)
    hosts: tuple[HostAddress, ...]  # by host (file order), then link
    servers: tuple[HostAddress, ...]
    remote_gateway_v4: IPv4
    remote_gateway_v6: IPv6

    def subnet(self, link: int, segment: str) -> Subnet:
        return next(s for s in self.subnets if s.link == link and s.segment == segment)

    def subnets_of_link(self, link: int) -> tuple[Subnet, ...]:
        return tuple(s for s in self.subnets if s.link == link)

    def subnets_of_segment(self, segment: str) -> tuple[Subnet, ...]:
        """What the WaMPTCP DHCP option lists for a segment: one subnet per link."""
        return tuple(s for s in self.subnets if s.segment == segment)

    def addresses(self, host: str) -> tuple[HostAddress, ...]:
        return tuple(a for a in (*self.hosts, *self.servers) if a.host == host)


def make_plan(site: Site) -> Plan:
    """The plan of `site`; PlanError names the place in the site file of what does not fit."""
    _check_overlaps(site)
    subnets = []
    for link in site.wan_links:
        _check_space(link.ipv4, site.segment_prefix_v4, link.origin, f"link {link.name}")
        _check_space(link.ipv6, site.segment_prefix_v6, link.origin, f"link {link.name}")
        for segment in site.segments:
            subnets.append(Subnet(
                link.id, segment.name,
                _nth_subnet(link.ipv4, site.segment_prefix_v4, segment.index, segment.origin),
                _nth_subnet(link.ipv6, site.segment_prefix_v6, segment.index, segment.origin),
            ))
    plan_hosts = []
    for segment in site.segments:
        members = site.hosts_in(segment.name)
        for subnet in (s for s in subnets if s.segment == segment.name):
            _check_room(subnet.ipv4, len(members), segment.origin, f"segment {segment.name}")
            _check_room(subnet.ipv6, len(members), segment.origin, f"segment {segment.name}")
        for number, host in enumerate(members, HOST_BASE):
            links = site.link_ids if host.mptcp else (site.primary_link,)
            for link in links:
                subnet = next(s for s in subnets if s.link == link and s.segment == segment.name)
                plan_hosts.append(_numbered(host.name, link, subnet.ipv4, subnet.ipv6, number))
    lan = site.remote_lan
    _check_room(lan.ipv4, len(lan.servers), lan.origin, "remote_lan")
    _check_room(lan.ipv6, len(lan.servers), lan.origin, "remote_lan")
    servers = tuple(_numbered(server.name, 0, lan.ipv4, lan.ipv6, number)
                    for number, server in enumerate(lan.servers, HOST_BASE))
    order = {host.name: index for index, host in enumerate(site.hosts)}
    plan_hosts.sort(key=lambda a: order[a.host])  # stable: links stay in order per host
    return Plan(tuple(subnets), tuple(plan_hosts), servers,
                lan.ipv4.network_address + 1, lan.ipv6.network_address + 1)


def _numbered(name: str, link: int, net4: ipaddress.IPv4Network, net6: ipaddress.IPv6Network,
              number: int) -> HostAddress:
    return HostAddress(
        name, link,
        ipaddress.IPv4Interface(f"{net4.network_address + number}/{net4.prefixlen}"),
        ipaddress.IPv6Interface(f"{net6.network_address + number}/{net6.prefixlen}"),
    )


def _check_space(space: Network, prefix: int, origin: str, what: str) -> None:
    if space.prefixlen > prefix:
        raise PlanError(f"{origin}: {what}: address space {space} is smaller than one "
                        f"/{prefix} segment subnet")


def _nth_subnet(space: Network, prefix: int, index: int, origin: str) -> Network:
    count = 1 << (prefix - space.prefixlen)
    if index >= count:
        raise PlanError(f"{origin}: segment index {index} does not fit: {space} holds "
                        f"{count} /{prefix} subnets (indices 0..{count - 1})")
    size = 1 << (space.max_prefixlen - prefix)
    return ipaddress.ip_network(f"{space.network_address + index * size}/{prefix}")


def _check_room(subnet: Network, members: int, origin: str, what: str) -> None:
    """Host numbers HOST_BASE.. must stay below the broadcast (IPv4) / last address."""
    last = HOST_BASE + members - 1
    usable = subnet.num_addresses - (2 if subnet.version == 4 else 1)
    if members and last > usable:
        raise PlanError(f"{origin}: {what}: {members} hosts need host numbers "
                        f"{HOST_BASE}..{last}, but {subnet} ends at {usable}")


def _check_overlaps(site: Site) -> None:
    """Address spaces, the remote LAN and the tunnel endpoints must be pairwise disjoint."""
    lan = site.remote_lan
    for version in (4, 6):
        named: list[tuple[Network, str]] = []
        for link in site.wan_links:
            named.append((link.ipv4 if version == 4 else link.ipv6,
                          f"{link.origin}: link {link.name} address space"))
        named.append((lan.ipv4 if version == 4 else lan.ipv6, f"{lan.origin}: remote_lan"))
        if version == 4:
            for link in site.wan_links:
                for role in ("branch", "remote"):
                    ip = link.endpoint(role).ip
                    named.append((ipaddress.IPv4Network(ip),
                                  f"{link.origin}: link {link.name} {role} tunnel endpoint"))
        for (a, what_a), (b, what_b) in itertools.combinations(named, 2):
            if a.overlaps(b):  # type: ignore[arg-type]
                raise PlanError(f"{what_b} {b} overlaps {what_a} {a}")

"""Table entries of the two gateway roles, and how they change when a WAN link fails or recovers.

Pure: site + plan + link state -> a list of `Entry` values; `to_updates` turns entries into
P4Runtime `Update`s with a `Codec`, so the exact messages can be checked without a switch.

The link state is a `TableState`: the live links, the link each handoff bucket uses and the
link each subnet is steered to. A change of state is written as MODIFYs of exactly the
entries whose action changed (`remap`), so nothing else is touched:

- link k down: `wan_link[k]` -> `link_down`; the buckets on k are spread round-robin over the
  live links (the other buckets keep their link: a flow hashed to a healthy link never moves);
  priority policy: every bucket goes to the first live link in priority order. With recovery
  optimisation (seed §3.3.4), the subnets steered to k move to live links as well (branch:
  `src_steer_*`, remote: the `route_*` return path by destination subnet); without it they stay,
  and their subflows stall as MPTCP alone would have them.
- link k up: its encapsulation comes back; the buckets and subnets whose home is k return to
  it, and any left on a dead link (no live link existed when theirs failed) move to k.

Both roles run a link monitor, so both react: the branch for traffic towards the remote LAN,
the remote for the return path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from p4.v1 import p4runtime_pb2

from controller.entities import Codec
from controller.wamptcp.plan import Plan
from controller.wamptcp.site import ROLES, Site

N_BUCKETS = 64

# Control-plane names of p4src/wamptcp_gateway.p4 (tables, their keys, actions).
PORT_ROLE = "MyIngress.port_role"
GATEWAY_ARP = "MyIngress.gateway_arp"
GATEWAY_NDP = "MyIngress.gateway_ndp"
BFD = "MyIngress.bfd"
LOCAL_VTEP = "MyIngress.local_vtep"
ROUTE_V4 = "MyIngress.route_v4"
ROUTE_V6 = "MyIngress.route_v6"
SRC_STEER_V4 = "MyIngress.src_steer_v4"
SRC_STEER_V6 = "MyIngress.src_steer_v6"
HANDOFF = "MyIngress.handoff"
WAN_LINK = "MyIngress.wan_link"

INGRESS_PORT = "standard_metadata.ingress_port"
IPV4_DST = "hdr.ipv4.dstAddr"
IPV4_SRC = "hdr.ipv4.srcAddr"
IPV6_DST = "hdr.ipv6.dstAddr"
IPV6_SRC = "hdr.ipv6.srcAddr"
ARP_TPA = "hdr.arp.tpa"
NDP_TARGET = "hdr.ndp.target_addr"
BUCKET = "meta.bucket"
LINK = "meta.link"

LAN_PORT = "MyIngress.lan_port"
WAN_PORT = "MyIngress.wan_port"
ARP_REPLY = "MyIngress.arp_reply"
NDP_REPLY = "MyIngress.ndp_reply"
BFD_REFLECT = "MyIngress.bfd_reflect"
BFD_TO_CPU = "MyIngress.bfd_to_cpu"
VXLAN_DECAP = "MyIngress.vxlan_decap"
TO_LAN = "MyIngress.to_lan"
SET_LINK = "MyIngress.set_link"
VXLAN_ENCAP = "MyIngress.vxlan_encap"
DIRECT = "MyIngress.direct"
LINK_DOWN = "MyIngress.link_down"


@dataclass(frozen=True)
class Entry:
    """One table entry by control-plane names; values as SwitchConnection takes them
    (ints, MAC / IP strings, "ADDR/LEN" for lpm). Hashable, so entries compare as sets."""

    table: str
    match: tuple[tuple[str, Any], ...]
    action: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, table: str, match: Mapping[str, Any], action: str,
           params: Mapping[str, Any] | None = None) -> Entry:
        return cls(table, tuple(match.items()), action, tuple((params or {}).items()))

    @property
    def key(self) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return self.table, self.match

    def __str__(self) -> str:
        match = ", ".join(f"{k}={v}" for k, v in self.match)
        params = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.table}[{match}] -> {self.action}({params})"


@dataclass(frozen=True)
class TableState:
    """What the remappable entries currently say."""

    up: frozenset[int]
    buckets: tuple[int, ...]  # link of each handoff bucket; () when handoff is off
    steer: tuple[int, ...]  # link of each subnet of plan.subnets (src_steer / return route)


def bucket_homes(site: Site) -> tuple[int, ...]:
    """The link of each bucket while all links are up."""
    if not site.handoff:
        return ()
    if site.policy == "priority":
        return (site.primary_link,) * N_BUCKETS
    ids = site.link_ids
    return tuple(ids[b % len(ids)] for b in range(N_BUCKETS))


def steer_homes(plan: Plan) -> tuple[int, ...]:
    """The link of each subnet while all links are up."""
    return tuple(subnet.link for subnet in plan.subnets)


def initial_state(site: Site, plan: Plan) -> TableState:
    return TableState(frozenset(site.link_ids), bucket_homes(site), steer_homes(plan))


def link_down(site: Site, state: TableState, link: int) -> TableState:
    """The state after `link` failed (unchanged if it was already down)."""
    if link not in state.up:
        return state
    up = state.up - {link}
    live = [i for i in site.link_ids if i in up]
    if site.policy == "priority":
        buckets = _priority(site, up, state.buckets)
    else:
        buckets = _spread(state.buckets, link, live)
    steer = _spread(state.steer, link, live) if site.recovery_optimization else state.steer
    return TableState(up, buckets, steer)


def link_up(site: Site, plan: Plan, state: TableState, link: int) -> TableState:
    """The state after `link` recovered (unchanged if it was already up)."""
    if link in state.up:
        return state
    up = state.up | {link}
    if site.policy == "priority":
        buckets = _priority(site, up, state.buckets)
    else:
        buckets = _restore(state.buckets, bucket_homes(site), link, up)
    steer = (_restore(state.steer, steer_homes(plan), link, up) if site.recovery_optimization
             else state.steer)
    return replace(state, up=up, buckets=buckets, steer=steer)


def _spread(current: tuple[int, ...], failed: int, live: Sequence[int]) -> tuple[int, ...]:
    """Items on `failed` go round-robin over `live` (in item order); others stay."""
    if not live:
        return current
    result, turn = list(current), 0
    for index, link in enumerate(current):
        if link == failed:
            result[index] = live[turn % len(live)]
            turn += 1
    return tuple(result)


def _restore(current: tuple[int, ...], homes: tuple[int, ...], recovered: int,
             up: frozenset[int]) -> tuple[int, ...]:
    """Items at home on `recovered` return; items stranded on dead links go home or to it."""
    result = list(current)
    for index, (link, home) in enumerate(zip(current, homes, strict=True)):
        if home == recovered:
            result[index] = recovered
        elif link not in up:
            result[index] = home if home in up else recovered
    return tuple(result)


def _priority(site: Site, up: frozenset[int], current: tuple[int, ...]) -> tuple[int, ...]:
    """Strict priority: every bucket on the most preferred live link."""
    target = next((i for i in site.priority_order() if i in up), None)
    return current if target is None else (target,) * len(current)


# -- entries ---------------------------------------------------------------------------------


def check_role(role: str) -> None:
    """ValueError unless `role` is a gateway role (the CLI checks it too; library callers may
    pass anything)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def gateway_entries(site: Site, plan: Plan, role: str, state: TableState) -> list[Entry]:
    """Every entry of a gateway in `state`, in install order (ports become live last)."""
    check_role(role)
    entries = [*_wan_links(site, role, state), *_handoff(state)]
    if role == "branch":
        entries += _branch_lan(site, plan, state)
    else:
        entries += _remote_lan(site, plan, state)
    entries += _bfd_and_vtep(site, role)
    entries += _ports(site, role)
    return entries


def remap(site: Site, plan: Plan, role: str, old: TableState, new: TableState) -> list[Entry]:
    """The entries to MODIFY to go from `old` to `new` (only those whose action changed)."""
    before = {entry.key: entry for entry in gateway_entries(site, plan, role, old)}
    return [entry for entry in gateway_entries(site, plan, role, new)
            if before[entry.key] != entry]


def _wan_links(site: Site, role: str, state: TableState) -> list[Entry]:
    entries = []
    for link in site.wan_links:
        own, peer = link.endpoint(role), link.peer(role)
        if link.id not in state.up:
            action, params = LINK_DOWN, {}
        elif site.mode == "vxlan":
            action, params = VXLAN_ENCAP, {
                "port": own.port, "src_mac": own.mac, "dst_mac": peer.mac,
                "src_ip": str(own.ip), "dst_ip": str(peer.ip), "vni": link.vni}
        else:
            action, params = DIRECT, {"port": own.port, "src_mac": own.mac, "dst_mac": peer.mac}
        entries.append(Entry.of(WAN_LINK, {LINK: link.id}, action, params))
    return entries


def _handoff(state: TableState) -> list[Entry]:
    return [Entry.of(HANDOFF, {BUCKET: bucket}, SET_LINK, {"link": link})
            for bucket, link in enumerate(state.buckets)]


def _branch_lan(site: Site, plan: Plan, state: TableState) -> list[Entry]:
    lan_mac = site.gateways["branch"].lan_mac
    entries = []
    for subnet, link in zip(plan.subnets, state.steer, strict=True):
        entries.append(Entry.of(SRC_STEER_V4, {IPV4_SRC: str(subnet.ipv4)}, SET_LINK,
                                {"link": link}))
        entries.append(Entry.of(SRC_STEER_V6, {IPV6_SRC: str(subnet.ipv6)}, SET_LINK,
                                {"link": link}))
    macs = {host.name: (site.segment(host.segment).port, host.mac) for host in site.hosts}
    for address in plan.hosts:
        port, mac = macs[address.host]
        params = {"port": port, "src_mac": lan_mac, "dst_mac": mac}
        entries.append(Entry.of(ROUTE_V4, {IPV4_DST: f"{address.ipv4.ip}/32"}, TO_LAN, params))
        entries.append(Entry.of(ROUTE_V6, {IPV6_DST: f"{address.ipv6.ip}/128"}, TO_LAN, params))
    entries += [Entry.of(GATEWAY_ARP, {ARP_TPA: str(subnet.gateway_v4)}, ARP_REPLY,
                         {"mac": lan_mac}) for subnet in plan.subnets]
    entries += [Entry.of(GATEWAY_NDP, {NDP_TARGET: str(subnet.gateway_v6)}, NDP_REPLY,
                         {"mac": lan_mac}) for subnet in plan.subnets]
    return entries


def _remote_lan(site: Site, plan: Plan, state: TableState) -> list[Entry]:
    lan, lan_mac = site.remote_lan, site.gateways["remote"].lan_mac
    entries = []
    for subnet, link in zip(plan.subnets, state.steer, strict=True):
        entries.append(Entry.of(ROUTE_V4, {IPV4_DST: str(subnet.ipv4)}, SET_LINK, {"link": link}))
        entries.append(Entry.of(ROUTE_V6, {IPV6_DST: str(subnet.ipv6)}, SET_LINK, {"link": link}))
    macs = {server.name: server.mac for server in lan.servers}
    for address in plan.servers:
        params = {"port": lan.port, "src_mac": lan_mac, "dst_mac": macs[address.host]}
        entries.append(Entry.of(ROUTE_V4, {IPV4_DST: f"{address.ipv4.ip}/32"}, TO_LAN, params))
        entries.append(Entry.of(ROUTE_V6, {IPV6_DST: f"{address.ipv6.ip}/128"}, TO_LAN, params))
    entries.append(Entry.of(GATEWAY_ARP, {ARP_TPA: str(plan.remote_gateway_v4)}, ARP_REPLY,
                            {"mac": lan_mac}))
    entries.append(Entry.of(GATEWAY_NDP, {NDP_TARGET: str(plan.remote_gateway_v6)}, NDP_REPLY,
                            {"mac": lan_mac}))
    return entries


def _bfd_and_vtep(site: Site, role: str) -> list[Entry]:
    """Per link: ARP for the own WAN address; BFD echo probes: the own ones (addressed to the
    own WAN address, see monitor.py) come back to the CPU, the peer's are reflected; VXLAN
    packets to the own WAN address are decapsulated."""
    entries = []
    for link in site.wan_links:
        own, peer = link.endpoint(role), link.peer(role)
        entries.append(Entry.of(GATEWAY_ARP, {ARP_TPA: str(own.ip)}, ARP_REPLY, {"mac": own.mac}))
        entries.append(Entry.of(BFD, {INGRESS_PORT: own.port, IPV4_DST: str(own.ip)}, BFD_TO_CPU))
        entries.append(Entry.of(BFD, {INGRESS_PORT: own.port, IPV4_DST: str(peer.ip)},
                                BFD_REFLECT))
        if site.mode == "vxlan":
            entries.append(Entry.of(LOCAL_VTEP, {IPV4_DST: str(own.ip)}, VXLAN_DECAP))
    return entries


def _ports(site: Site, role: str) -> list[Entry]:
    entries = [Entry.of(PORT_ROLE, {INGRESS_PORT: link.endpoint(role).port}, WAN_PORT,
                        {"link": link.id}) for link in site.wan_links]
    lan_ports = [s.port for s in site.segments] if role == "branch" else [site.remote_lan.port]
    entries += [Entry.of(PORT_ROLE, {INGRESS_PORT: port}, LAN_PORT) for port in lan_ports]
    return entries


def to_updates(codec: Codec, entries: Iterable[Entry], kind: str = "INSERT"
               ) -> list[p4runtime_pb2.Update]:
    """P4Runtime updates (`kind`: INSERT, MODIFY or DELETE) for `SwitchConnection.write`."""
    update_type = p4runtime_pb2.Update.Type.Value(kind)
    result = []
    for entry in entries:
        message = codec.table_entry(entry.table, dict(entry.match),
                                    None if kind == "DELETE" else entry.action,
                                    None if kind == "DELETE" else dict(entry.params))
        update = p4runtime_pb2.Update(type=update_type)
        update.entity.table_entry.CopyFrom(message)
        result.append(update)
    return result


class GatewayTables:
    """The entries of one gateway and their current state: what the agent writes.

    No I/O: `install()` gives the initial entries, `down(k)` / `up(k)` the MODIFYs for an event
    and advance the state.
    """

    def __init__(self, site: Site, plan: Plan, role: str) -> None:
        check_role(role)
        self.site, self.plan, self.role = site, plan, role
        self.state = initial_state(site, plan)

    def install(self) -> list[Entry]:
        return gateway_entries(self.site, self.plan, self.role, self.state)

    def down(self, link: int) -> list[Entry]:
        return self._advance(link_down(self.site, self.state, link))

    def up(self, link: int) -> list[Entry]:
        return self._advance(link_up(self.site, self.plan, self.state, link))

    def _advance(self, new: TableState) -> list[Entry]:
        changed = remap(self.site, self.plan, self.role, self.state, new)
        self.state = new
        return changed

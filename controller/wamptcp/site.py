"""The site description: one YAML file describing both gateways of a WaMPTCP SD-WAN site.

Everything the controller, the Mininet scenario and the DHCP server need comes from this
file, so they cannot disagree. Addresses of LAN hosts are not written here: the subnet plan
(`plan.py`) derives them. Mistakes are reported as `FILE:LINE: where: what` before anything
touches a switch. Schema (defaults in brackets)::

    mode: vxlan | direct                 [vxlan]  VXLAN tunnel per WAN link, or plain routing
    policy: wamptcp | priority           [wamptcp] non-MPTCP traffic: hashed over live links,
                                                   or all on primary_link with the others as
                                                   backups (in link id order)
    primary_link: ID                     [first link]
    handoff: BOOL                        [true with vxlan, false with direct] tunnel handoff
                                                  buckets for non-MPTCP traffic (vxlan only);
                                                  false: non-MPTCP follows its source subnet
    recovery_optimization: BOOL          [false]  RO (seed §3.3.4)
    bfd: {interval_ms: MS, multiplier: N}  [100, 3]
    segment_prefix: {ipv4: LEN, ipv6: LEN} [24, 64] size of one LAN segment's subnet
    gateways:
      branch: {name: NAME, lan_mac: MAC}   Mininet node name, MAC on its LAN ports
      remote: {name: NAME, lan_mac: MAC}
    wan_links:                           1..15 links, ids unique in 1..15
      - id: ID
        name: NAME                       [linkID]
        bw: MBIT_S                       [unlimited]  Mininet TCLink
        delay: TIME                      [none]       e.g. 5ms (a number means ms)
        mtu: BYTES                       [1600 vxlan, 1500 direct]
        ipv4: PREFIX                     LAN address space mapped to this link
        ipv6: PREFIX
        vni: N                           [ID]         VXLAN network identifier
        branch: {port: P, ip: IPV4, mac: MAC}   gateway port, tunnel endpoint address, MAC
        remote: {port: P, ip: IPV4, mac: MAC}   (port defaults to ID)
    lan:                                 the branch LAN
      segments:
        - {name: NAME, port: P, index: I}   index: which subnet of each link's space
      hosts:
        - {name: NAME, segment: NAME, mptcp: BOOL, mac: MAC}   mptcp [true]
    remote_lan:
      port: P
      ipv4: PREFIX
      ipv6: PREFIX
      servers:
        - {name: NAME, mac: MAC}
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROLES = ("branch", "remote")
MODES = ("vxlan", "direct")
POLICIES = ("wamptcp", "priority")
MAX_LINK_ID = 15  # link ids are 4-bit wide in the data plane's state; 0 means "no link"
CPU_PORT = 255
MAX_PORT = 510  # bit<9> ports; 511 is the drop port
VXLAN_OVERHEAD = 50  # outer Ethernet + IPv4 + UDP + VXLAN
MAX_NAME = 10  # Mininet node names become interface names "<name>-ethN" (15 characters)

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
_DELAY = re.compile(r"\d+(\.\d+)?(us|ms|s)")


class SiteError(ValueError):
    """A site description that cannot be used, with the place of the mistake."""


@dataclass(frozen=True)
class Endpoint:
    """One gateway's end of a WAN link."""

    port: int
    ip: ipaddress.IPv4Address
    mac: str


@dataclass(frozen=True)
class WanLink:
    id: int
    name: str
    ipv4: ipaddress.IPv4Network
    ipv6: ipaddress.IPv6Network
    vni: int
    branch: Endpoint
    remote: Endpoint
    bw: float | None = None
    delay: str | None = None
    mtu: int = 1500
    origin: str = field(default="", compare=False)  # "FILE:LINE" for later error messages

    def endpoint(self, role: str) -> Endpoint:
        return self.branch if role == "branch" else self.remote

    def peer(self, role: str) -> Endpoint:
        return self.remote if role == "branch" else self.branch


@dataclass(frozen=True)
class Segment:
    name: str
    port: int
    index: int
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Host:
    name: str
    segment: str
    mptcp: bool
    mac: str
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Server:
    name: str
    mac: str
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class RemoteLan:
    port: int
    ipv4: ipaddress.IPv4Network
    ipv6: ipaddress.IPv6Network
    servers: tuple[Server, ...]
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Gateway:
    name: str
    lan_mac: str


@dataclass(frozen=True)
class Bfd:
    interval_ms: int = 100
    multiplier: int = 3


@dataclass(frozen=True)
class Site:
    mode: str
    policy: str
    primary_link: int
    handoff: bool
    recovery_optimization: bool
    bfd: Bfd
    segment_prefix_v4: int
    segment_prefix_v6: int
    gateways: dict[str, Gateway]
    wan_links: tuple[WanLink, ...]
    segments: tuple[Segment, ...]
    hosts: tuple[Host, ...]
    remote_lan: RemoteLan
    source: str = field(default="<data>", compare=False)

    def link(self, link_id: int) -> WanLink:
        return next(link for link in self.wan_links if link.id == link_id)

    @property
    def link_ids(self) -> tuple[int, ...]:
        return tuple(link.id for link in self.wan_links)

    def segment(self, name: str) -> Segment:
        return next(segment for segment in self.segments if segment.name == name)

    def hosts_in(self, segment: str) -> tuple[Host, ...]:
        """The hosts of a segment in file order (their order fixes their addresses)."""
        return tuple(host for host in self.hosts if host.segment == segment)

    def priority_order(self) -> tuple[int, ...]:
        """Links by preference for the priority policy: the primary, then by id."""
        return (self.primary_link, *(i for i in self.link_ids if i != self.primary_link))


# -- YAML with line numbers ------------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict[Any, int]


class _Seq(list):
    """A YAML sequence that remembers the line of each item."""

    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry line numbers (1-based)."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise SiteError(f"line {key_node.start_mark.line + 1}: a key must be a plain value, "
                            "not a list or mapping")
        if key in result:
            raise SiteError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


# -- loading ---------------------------------------------------------------------------------


def load_site(path: Path | str) -> Site:
    """Read and check a site file; SiteError says `FILE:LINE: where: what`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SiteError(f"{path}: cannot read: {err.strerror}") from None
    return parse_site(text, str(path))


def parse_site(text: str, source: str = "<string>") -> Site:
    """Check a site description given as YAML text (`source` names it in errors)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except SiteError as err:
        raise SiteError(f"{source}:{str(err).removeprefix('line ')}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SiteError(f"{source}{line}: not valid YAML: {err.problem}") from None
    except yaml.YAMLError as err:
        raise SiteError(f"{source}: not valid YAML: {err}") from None
    return _Parser(source).site(data)


class _Parser:
    """Turns the located YAML data into a Site, failing on the first mistake."""

    def __init__(self, source: str) -> None:
        self.source = source

    # -- locations and errors

    def at(self, container: Any, key: Any = None) -> str:
        """`FILE:LINE` of a key of a mapping, an item of a sequence, or the container."""
        line = getattr(container, "line", 0)
        if key is not None and isinstance(container, _Map):
            line = container.lines.get(key, line)
        elif key is not None and isinstance(container, _Seq) and 0 <= key < len(container):
            line = container.lines[key]
        return f"{self.source}:{line}" if line else self.source

    def fail(self, container: Any, key: Any, where: str, message: str) -> SiteError:
        return SiteError(f"{self.at(container, key)}: {where}: {message}")

    def mapping(self, parent: Any, key: Any, where: str, *, required: bool = True) -> _Map:
        value = parent.get(key) if isinstance(parent, dict) else parent[key]
        if value is None and not required:
            empty = _Map()
            empty.line, empty.lines = 0, {}
            return empty
        if not isinstance(value, _Map):
            what = "missing" if value is None else f"a {type(value).__name__}"
            raise self.fail(parent, key, where, f"expected a mapping, got {what}")
        return value

    def only(self, data: _Map, allowed: Iterable[str], where: str,
             required: Iterable[str] = ()) -> None:
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                raise self.fail(data, key, where,
                                f"unknown key {key!r}; allowed: {', '.join(allowed)}")
        for key in required:
            if key not in data:
                raise self.fail(data, None, where, f"{key} is required")

    def sequence(self, parent: _Map, key: str, where: str) -> _Seq:
        value = parent.get(key)
        if not isinstance(value, _Seq) or not value:
            raise self.fail(parent, key, where, "expected a non-empty list")
        return value

    # -- scalars

    def choice(self, data: _Map, key: str, options: tuple[str, ...], where: str) -> str:
        value = data.get(key, options[0])
        if value not in options:
            raise self.fail(data, key, f"{where}.{key}",
                            f"{value!r} is not one of {', '.join(options)}")
        return value

    def boolean(self, data: _Map, key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(data, key, f"{where}.{key}", f"{value!r} is not true or false")
        return value

    def integer(self, data: _Map, key: str, where: str, low: int, high: int,
                default: int | None = None) -> int:
        if key not in data and default is not None:
            return default
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(data, key, f"{where}.{key}",
                            f"{value!r} is not an integer in {low}..{high}")
        return value

    def port(self, data: _Map, key: str, where: str, default: int | None = None) -> int:
        port = self.integer(data, key, where, 0, MAX_PORT, default)
        if port == CPU_PORT:
            raise self.fail(data, key, f"{where}.{key}", f"port {CPU_PORT} is the CPU port")
        return port

    def name(self, data: _Map, key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > MAX_NAME:
            raise self.fail(data, key, f"{where}.{key}",
                            f"{value!r} is not a name (a letter, then letters, digits or _; "
                            f"at most {MAX_NAME} characters)")
        return value

    def mac(self, data: _Map, key: str, where: str) -> str:
        value = str(data.get(key, "")).lower()
        if not _MAC.fullmatch(value):
            raise self.fail(data, key, f"{where}.{key}",
                            f"{data.get(key)!r} is not a MAC address like 02:00:00:00:01:01")
        if int(value[:2], 16) & 1:
            raise self.fail(data, key, f"{where}.{key}", f"{value} is a multicast MAC")
        return value

    def network(self, data: _Map, key: str, where: str, version: int
                ) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        text = str(data.get(key, ""))
        kind = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
        try:
            if "/" not in text:
                raise ValueError
            return kind(text)
        except ValueError:
            raise self.fail(data, key, f"{where}.{key}",
                            f"{data.get(key)!r} is not an IPv{version} prefix with its host bits "
                            "clear, e.g. " + ("10.1.0.0/16" if version == 4 else "fd00:1::/48")
                            ) from None

    def ipv4(self, data: _Map, key: str, where: str) -> ipaddress.IPv4Address:
        try:
            return ipaddress.IPv4Address(str(data.get(key)))
        except ValueError:
            raise self.fail(data, key, f"{where}.{key}",
                            f"{data.get(key)!r} is not an IPv4 address") from None

    # -- sections

    def site(self, data: Any) -> Site:
        if not isinstance(data, _Map):
            raise SiteError(f"{self.source}: expected a mapping at the top level")
        self.only(data, ("mode", "policy", "primary_link", "handoff", "recovery_optimization",
                         "bfd", "segment_prefix", "gateways", "wan_links", "lan", "remote_lan"),
                  "top level", required=("gateways", "wan_links", "lan", "remote_lan"))
        mode = self.choice(data, "mode", MODES, "top level")
        links = self.wan_links(data, mode)
        ids = tuple(link.id for link in links)
        primary = self.integer(data, "primary_link", "top level", 1, MAX_LINK_ID, ids[0])
        if primary not in ids:
            raise self.fail(data, "primary_link", "primary_link",
                            f"{primary} is not a WAN link id ({', '.join(map(str, ids))})")
        bfd = self.mapping(data, "bfd", "bfd", required=False)
        self.only(bfd, ("interval_ms", "multiplier"), "bfd")
        prefix = self.mapping(data, "segment_prefix", "segment_prefix", required=False)
        self.only(prefix, ("ipv4", "ipv6"), "segment_prefix")
        gateways = self.gateways(data)
        segments, hosts = self.lan(data)
        remote_lan = self.remote_lan(data)
        site = Site(
            mode=mode,
            policy=self.choice(data, "policy", POLICIES, "top level"),
            primary_link=primary,
            handoff=self.handoff(data, mode),
            recovery_optimization=self.boolean(data, "recovery_optimization", "top level",
                                               False),
            bfd=Bfd(self.integer(bfd, "interval_ms", "bfd", 1, 60_000, 100),
                    self.integer(bfd, "multiplier", "bfd", 1, 255, 3)),
            segment_prefix_v4=self.integer(prefix, "ipv4", "segment_prefix", 8, 30, 24),
            segment_prefix_v6=self.integer(prefix, "ipv6", "segment_prefix", 16, 120, 64),
            gateways=gateways,
            wan_links=links,
            segments=segments,
            hosts=hosts,
            remote_lan=remote_lan,
            source=self.source,
        )
        self.check_unique(data, site)
        return site

    def gateways(self, data: _Map) -> dict[str, Gateway]:
        section = self.mapping(data, "gateways", "gateways")
        self.only(section, ROLES, "gateways", required=ROLES)
        result = {}
        for role in ROLES:
            where = f"gateways.{role}"
            spec = self.mapping(section, role, where)
            self.only(spec, ("name", "lan_mac"), where, required=("name", "lan_mac"))
            result[role] = Gateway(self.name(spec, "name", where), self.mac(spec, "lan_mac", where))
        if result["branch"].name == result["remote"].name:
            raise self.fail(section, "remote", "gateways.remote.name",
                            "the two gateways need different names")
        return result

    def handoff(self, data: _Map, mode: str) -> bool:
        """Tunnel handoff: on by default with VXLAN, impossible without it. In direct mode a
        packet must leave by the link whose address space its source address is in: that
        link's ISP is the one that routes the replies back (seed §3.5.1: direct routing
        can only use the default path for plain TCP)."""
        handoff = self.boolean(data, "handoff", "top level", mode == "vxlan")
        if handoff and mode == "direct":
            raise self.fail(data, "handoff", "top level.handoff",
                            "tunnel handoff needs mode: vxlan (with direct routing, replies "
                            "come back by the link of the source address)")
        return handoff

    def wan_links(self, data: _Map, mode: str) -> tuple[WanLink, ...]:
        items = self.sequence(data, "wan_links", "wan_links")
        if len(items) > MAX_LINK_ID:
            raise self.fail(data, "wan_links", "wan_links",
                            f"{len(items)} links; at most {MAX_LINK_ID}")
        links = []
        for index in range(len(items)):
            where = f"wan_links[{index}]"
            spec = self.mapping(items, index, where)
            self.only(spec, ("id", "name", "bw", "delay", "mtu", "ipv4", "ipv6", "vni",
                             "branch", "remote"), where,
                      required=("id", "ipv4", "ipv6", "branch", "remote"))
            link_id = self.integer(spec, "id", where, 1, MAX_LINK_ID)
            ends = {}
            for role in ROLES:
                end = self.mapping(spec, role, f"{where}.{role}")
                self.only(end, ("port", "ip", "mac"), f"{where}.{role}", required=("ip", "mac"))
                ends[role] = Endpoint(self.port(end, "port", f"{where}.{role}", link_id),
                                      self.ipv4(end, "ip", f"{where}.{role}"),
                                      self.mac(end, "mac", f"{where}.{role}"))
            mtu_default = 1500 + (100 if mode == "vxlan" else 0)
            mtu = self.integer(spec, "mtu", where, 1280, 9216, mtu_default)
            if mode == "vxlan" and mtu < 1500 + VXLAN_OVERHEAD:
                raise self.fail(spec, "mtu", f"{where}.mtu",
                                f"{mtu} leaves no room for the {VXLAN_OVERHEAD} bytes of VXLAN "
                                f"around 1500-byte LAN frames (use >= {1500 + VXLAN_OVERHEAD})")
            links.append(WanLink(
                id=link_id,
                name=self.name(spec, "name", where, f"link{link_id}"),
                ipv4=self.network(spec, "ipv4", where, 4),
                ipv6=self.network(spec, "ipv6", where, 6),
                vni=self.integer(spec, "vni", where, 0, (1 << 24) - 1, link_id),
                branch=ends["branch"],
                remote=ends["remote"],
                bw=self.bandwidth(spec, where),
                delay=self.delay(spec, where),
                mtu=mtu,
                origin=self.at(items, index),
            ))
        return tuple(links)

    def bandwidth(self, spec: _Map, where: str) -> float | None:
        if "bw" not in spec:
            return None
        value = spec["bw"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1000:
            raise self.fail(spec, "bw", f"{where}.bw",
                            f"{value!r} is not a rate in Mbit/s (0 < bw <= 1000)")
        return float(value)

    def delay(self, spec: _Map, where: str) -> str | None:
        if "delay" not in spec:
            return None
        value = spec["delay"]
        text = f"{value}ms" if isinstance(value, int | float) and not isinstance(value, bool) \
            else str(value)
        if not _DELAY.fullmatch(text):
            raise self.fail(spec, "delay", f"{where}.delay", f"{value!r} is not a time like 5ms")
        return text

    def lan(self, data: _Map) -> tuple[tuple[Segment, ...], tuple[Host, ...]]:
        section = self.mapping(data, "lan", "lan")
        self.only(section, ("segments", "hosts"), "lan", required=("segments", "hosts"))
        items = self.sequence(section, "segments", "lan.segments")
        segments = []
        for index in range(len(items)):
            where = f"lan.segments[{index}]"
            spec = self.mapping(items, index, where)
            self.only(spec, ("name", "port", "index"), where, required=("name", "port", "index"))
            segments.append(Segment(self.name(spec, "name", where), self.port(spec, "port", where),
                                    self.integer(spec, "index", where, 0, 1 << 20),
                                    self.at(items, index)))
        names = {segment.name for segment in segments}
        items = self.sequence(section, "hosts", "lan.hosts")
        hosts = []
        for index in range(len(items)):
            where = f"lan.hosts[{index}]"
            spec = self.mapping(items, index, where)
            self.only(spec, ("name", "segment", "mptcp", "mac"), where,
                      required=("name", "segment", "mac"))
            segment = self.name(spec, "segment", where)
            if segment not in names:
                raise self.fail(spec, "segment", f"{where}.segment",
                                f"unknown segment {segment!r}; "
                                f"segments: {', '.join(sorted(names))}")
            hosts.append(Host(self.name(spec, "name", where), segment,
                              self.boolean(spec, "mptcp", where, True),
                              self.mac(spec, "mac", where), self.at(items, index)))
        return tuple(segments), tuple(hosts)

    def remote_lan(self, data: _Map) -> RemoteLan:
        spec = self.mapping(data, "remote_lan", "remote_lan")
        self.only(spec, ("port", "ipv4", "ipv6", "servers"), "remote_lan",
                  required=("port", "ipv4", "ipv6", "servers"))
        items = self.sequence(spec, "servers", "remote_lan.servers")
        servers = []
        for index in range(len(items)):
            where = f"remote_lan.servers[{index}]"
            server = self.mapping(items, index, where)
            self.only(server, ("name", "mac"), where, required=("name", "mac"))
            servers.append(Server(self.name(server, "name", where),
                                  self.mac(server, "mac", where), self.at(items, index)))
        return RemoteLan(self.port(spec, "port", "remote_lan"),
                         self.network(spec, "ipv4", "remote_lan", 4),
                         self.network(spec, "ipv6", "remote_lan", 6), tuple(servers),
                         self.at(data, "remote_lan"))

    def check_unique(self, data: _Map, site: Site) -> None:
        """Ids, names, ports, MACs and tunnel addresses that must not repeat."""
        def unique(values: Iterable[tuple[Any, str]], what: str) -> None:
            seen: dict[Any, str] = {}
            for value, origin in values:
                if value in seen:
                    raise SiteError(f"{origin}: {what} {value} is already used at {seen[value]}")
                seen[value] = origin

        links, lan = site.wan_links, site.remote_lan
        unique(((link.id, link.origin) for link in links), "WAN link id")
        unique(((link.name, link.origin) for link in links), "WAN link name")
        for role in ROLES:
            lan_ports = [(s.port, s.origin) for s in site.segments] if role == "branch" \
                else [(lan.port, lan.origin)]
            unique([*((link.endpoint(role).port, link.origin) for link in links), *lan_ports],
                   f"{role} gateway port")
        unique(((link.endpoint(role).ip, link.origin) for link in links for role in ROLES),
               "tunnel endpoint address")
        unique([(site.gateways["branch"].lan_mac, self.at(data, "gateways")),
                (site.gateways["remote"].lan_mac, self.at(data, "gateways")),
                *((link.endpoint(role).mac, link.origin) for link in links for role in ROLES),
                *((host.mac, host.origin) for host in site.hosts),
                *((server.mac, server.origin) for server in lan.servers)], "MAC")
        unique([*((name, self.at(data, "gateways")) for name in
                  (g.name for g in site.gateways.values())),
                *((host.name, host.origin) for host in site.hosts),
                *((server.name, server.origin) for server in lan.servers)], "node name")
        unique(((s.name, s.origin) for s in site.segments), "segment name")
        unique(((s.index, s.origin) for s in site.segments), "segment index")

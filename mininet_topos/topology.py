"""Topology description files: hosts, P4 switches and links, in YAML.

    program: basic                  # runs build/basic/ on every switch (default: basic)
    hosts:
      h1: {ip: 10.0.1.1/24, mac: "08:00:00:00:01:11"}   # gw: default the subnet's last address
      h2: {ip: 10.0.2.2/24}                            # mac: default 08:00 + the IPv4 address
    switches:
      s1: {}                        # mac: the router MAC hosts and neighbours send to
      s2: {mac: "02:00:00:00:00:02"}
    links:
      - [h1, s1]                    # switch ports are numbered from 1 in link order
      - {nodes: [s1, s2], bw: 10, delay: 5ms, loss: 1}

Hosts sit on exactly one switch: the P4 programs route between subnets, so each host's default
route points to its switch (static neighbour entries, since basic.p4 does not answer ARP).
Mistakes are reported as `file: where: what`, before anything is started.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_NAME = 10  # "<name>-eth<N>" must fit Linux's 15-character interface names
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
_DELAY = re.compile(r"\d+(\.\d+)?(us|ms|s)")
LINK_OPTIONS = ("bw", "delay", "jitter", "loss", "max_queue_size")


class TopologyError(ValueError):
    """A topology file that cannot be run, with the place of the mistake."""


@dataclass(frozen=True)
class HostSpec:
    name: str
    ip: str  # with prefix length, "10.0.1.1/24"
    mac: str
    gateway: str  # next hop of the default route, on the host's subnet

    @property
    def address(self) -> str:
        return self.ip.partition("/")[0]


@dataclass(frozen=True)
class SwitchSpec:
    name: str
    mac: str  # router MAC: destination MAC of frames sent to this switch


@dataclass(frozen=True)
class LinkSpec:
    a: str
    b: str
    port_a: int  # port number on node a (hosts: 0, their eth0)
    port_b: int
    options: tuple[tuple[str, Any], ...] = ()  # bw (Mbit/s), delay, jitter, loss (%), ...

    def port_of(self, node: str) -> int:
        return self.port_a if node == self.a else self.port_b

    def other(self, node: str) -> str:
        return self.b if node == self.a else self.a


@dataclass(frozen=True)
class Topology:
    program: str
    hosts: dict[str, HostSpec]
    switches: dict[str, SwitchSpec]
    links: tuple[LinkSpec, ...]

    def attachment(self, host: str) -> tuple[str, int]:
        """(switch, switch port) the host is connected to."""
        link = next(link for link in self.links if host in (link.a, link.b))
        switch = link.other(host)
        return switch, link.port_of(switch)


def load_topology(path: Path) -> Topology:
    """Read and check a topology file; TopologyError names the file and the mistake."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise TopologyError(f"{path}: cannot read: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise TopologyError(f"{path}: not valid YAML: {err}") from None
    try:
        return parse_topology(data)
    except TopologyError as err:
        raise TopologyError(f"{path}: {err}") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TopologyError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _only(keys: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(keys) - set(allowed))
    if unknown:
        raise TopologyError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
        )


def _name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > MAX_NAME:
        raise TopologyError(
            f"{where}: {name!r} is not a node name (a letter, then letters, digits or _; "
            f"at most {MAX_NAME} characters)"
        )
    return name


def _mac(value: Any, where: str) -> str:
    text = str(value).lower()
    if not _MAC.fullmatch(text):
        raise TopologyError(f"{where}: {value!r} is not a MAC address like 08:00:00:00:01:11")
    return text


def _host(name: str, spec: dict[str, Any], where: str) -> HostSpec:
    _only(spec, ("ip", "mac", "gw"), where)
    if "ip" not in spec:
        raise TopologyError(f"{where}: ip is required (e.g. ip: 10.0.1.1/24)")
    try:
        iface = ipaddress.IPv4Interface(str(spec["ip"]))
    except ValueError:
        raise TopologyError(f"{where}: {spec['ip']!r} is not an IPv4 address/prefix") from None
    if "/" not in str(spec["ip"]) or iface.network.prefixlen > 30:
        raise TopologyError(
            f"{where}: give the subnet as a prefix of /30 or shorter, e.g. {iface.ip}/24"
        )
    mac = _mac(spec["mac"], f"{where}.mac") if "mac" in spec else _default_host_mac(iface.ip)
    gateway = str(spec.get("gw", iface.network.broadcast_address - 1))
    try:
        gw = ipaddress.IPv4Address(gateway)
    except ValueError:
        raise TopologyError(f"{where}.gw: {gateway!r} is not an IPv4 address") from None
    if gw not in iface.network or gw in (iface.ip, iface.network.network_address):
        raise TopologyError(f"{where}.gw: {gw} must be another address in {iface.network}")
    return HostSpec(name, iface.with_prefixlen, mac, str(gw))


def _default_host_mac(ip: ipaddress.IPv4Address) -> str:
    return "08:00:" + ":".join(f"{byte:02x}" for byte in ip.packed)


def _link_options(spec: dict[str, Any], where: str) -> tuple[tuple[str, Any], ...]:
    options: list[tuple[str, Any]] = []
    for key in LINK_OPTIONS:
        if key not in spec or spec[key] is None:
            continue
        value = spec[key]
        if key in ("delay", "jitter"):
            value = f"{value}ms" if isinstance(value, int | float) else str(value)
            if not _DELAY.fullmatch(value):
                raise TopologyError(f"{where}.{key}: {spec[key]!r} is not a time like 5ms")
        elif key == "bw" and not (isinstance(value, int | float) and 0 < value <= 1000):
            raise TopologyError(f"{where}.bw: {value!r} is not a rate in Mbit/s (0 < bw <= 1000)")
        elif key == "loss" and not (isinstance(value, int | float) and 0 <= value <= 100):
            raise TopologyError(f"{where}.loss: {value!r} is not a percentage (0..100)")
        elif key == "max_queue_size" and not (isinstance(value, int) and value > 0):
            raise TopologyError(f"{where}.max_queue_size: {value!r} is not a packet count")
        options.append((key, value))
    return tuple(options)


def parse_topology(data: Any) -> Topology:
    """Check a topology held in plain data (what `yaml.safe_load` returns)."""
    top = _mapping(data, "top level")
    _only(top, ("program", "hosts", "switches", "links"), "top level")
    program = str(top.get("program", "basic"))
    hosts: dict[str, HostSpec] = {}
    for name, spec in _mapping(top.get("hosts"), "hosts").items():
        where = f"hosts.{name}"
        hosts[_name(name, where)] = _host(name, _mapping(spec, where), where)
    switches: dict[str, SwitchSpec] = {}
    for index, (name, spec) in enumerate(_mapping(top.get("switches"), "switches").items(), 1):
        where = f"switches.{name}"
        spec = _mapping(spec, where)
        _only(spec, ("mac",), where)
        if _name(name, where) in hosts:
            raise TopologyError(f"{where}: {name} is also a host")
        default_mac = f"02:00:00:00:{index >> 8:02x}:{index & 0xFF:02x}"
        switches[name] = SwitchSpec(name, _mac(spec.get("mac", default_mac), f"{where}.mac"))
    for field in ("address", "mac"):
        seen: dict[str, str] = {}
        for host in hosts.values():
            value = getattr(host, field)
            if value in seen:
                raise TopologyError(f"hosts.{host.name}: same {field} as {seen[value]} ({value})")
            seen[value] = host.name
    if not hosts or not switches:
        raise TopologyError("a topology needs at least one host and one switch")
    links = _parse_links(top.get("links"), hosts, switches)
    for name in hosts:
        count = sum(name in (link.a, link.b) for link in links)
        if count != 1:
            raise TopologyError(f"hosts.{name}: has {count} links; a host needs exactly one")
    return Topology(program, hosts, switches, links)


def _parse_links(
    data: Any, hosts: dict[str, HostSpec], switches: dict[str, SwitchSpec]
) -> tuple[LinkSpec, ...]:
    if not isinstance(data, list) or not data:
        raise TopologyError("links: expected a non-empty list")
    next_port = dict.fromkeys(switches, 1)
    links = []
    for index, item in enumerate(data):
        where = f"links[{index}]"
        if isinstance(item, list):
            nodes, spec = item, {}
        else:
            spec = _mapping(item, where)
            _only(spec, ("nodes", *LINK_OPTIONS), where)
            nodes = spec.get("nodes")
        if not isinstance(nodes, list) or len(nodes) != 2:
            raise TopologyError(f"{where}: expected two node names, e.g. [h1, s1]")
        for node in nodes:
            if node not in hosts and node not in switches:
                raise TopologyError(f"{where}: unknown node {node!r}")
        a, b = nodes
        if a == b:
            raise TopologyError(f"{where}: a link needs two different nodes")
        if a in hosts and b in hosts:
            raise TopologyError(f"{where}: hosts {a} and {b} must connect through a switch")
        ports = []
        for node in (a, b):
            ports.append(next_port[node] if node in switches else 0)
            if node in switches:
                next_port[node] += 1
        links.append(LinkSpec(a, b, ports[0], ports[1], _link_options(spec, where)))
    return tuple(links)

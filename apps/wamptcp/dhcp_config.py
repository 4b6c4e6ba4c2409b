"""The DHCP server's configuration for one LAN segment: one subnet per WAN link (seed §3.3.3).

The file is YAML or JSON (JSON is YAML, so one loader reads both)::

    server_id: 10.1.1.2          # the server's address, sent as option 54
    lease_time: 3600             # seconds (default 3600); clients may ask for less
    offer_timeout: 30            # seconds an offered address stays reserved (default 30)
    mtu: 1500                    # optional, option 26
    dns: [10.1.1.1]              # optional, option 6
    subnets:                     # one per WAN link, the primary link's first
      - {subnet: 10.1.1.0/24, pool: 10.1.1.100-10.1.1.199, router: 10.1.1.1}
      - {subnet: 10.2.1.0/24, pool: 10.2.1.100-10.2.1.199, router: 10.2.1.1}
    ipv6:                        # optional: options 225/226
      prefixes: [2001:db8:1:1::/64, 2001:db8:2:1::/64]
      router: 2001:db8:1:1::1

Unknown keys are errors, so that a misspelt setting is never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path
from typing import Any

import yaml

from apps.wamptcp.dhcp_option import OptionError, encode_networks


class ConfigError(ValueError):
    """The configuration file is malformed or inconsistent."""


@dataclass(frozen=True)
class SubnetConfig:
    """One subnet of the segment: the addresses it hands out and its router (option 3)."""

    network: IPv4Network
    pool_start: IPv4Address
    pool_end: IPv4Address
    router: IPv4Address

    def in_pool(self, address: IPv4Address) -> bool:
        return self.pool_start <= address <= self.pool_end

    def pool(self) -> range:
        """The pool as integers, lowest first (allocation order)."""
        return range(int(self.pool_start), int(self.pool_end) + 1)


@dataclass(frozen=True)
class ServerConfig:
    """Everything the protocol core needs; validated on construction by `parse_config`."""

    server_id: IPv4Address
    subnets: tuple[SubnetConfig, ...]
    lease_time: int = 3600
    offer_timeout: int = 30
    mtu: int | None = None
    dns: tuple[IPv4Address, ...] = ()
    ipv6_prefixes: tuple[IPv6Network, ...] = ()
    ipv6_router: IPv6Address | None = None

    def subnet_of(self, address: IPv4Address) -> SubnetConfig | None:
        """The configured subnet that contains `address`, if any."""
        return next((s for s in self.subnets if address in s.network), None)


_TOP_KEYS = {"server_id", "lease_time", "offer_timeout", "mtu", "dns", "subnets", "ipv6"}
_SUBNET_KEYS = {"subnet", "pool", "router"}
_IPV6_KEYS = {"prefixes", "router"}


def load_config(path: Path) -> ServerConfig:
    """Reads and validates a YAML/JSON configuration file; every ConfigError starts with the
    file's name (and the line, for YAML syntax errors), so the server's one-line error says
    which file to fix."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)  # where the parser gave up, if it knows
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return parse_config(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(data: Any) -> ServerConfig:
    """Validates the decoded document and builds the ServerConfig."""
    top = _mapping(data, "configuration", _TOP_KEYS, required={"server_id", "subnets"})
    raw_subnets = top["subnets"]
    if not isinstance(raw_subnets, list) or not raw_subnets:
        raise ConfigError("subnets: need a non-empty list (one subnet per WAN link)")
    subnets = tuple(_subnet(item, index) for index, item in enumerate(raw_subnets))
    ipv6 = _mapping(top.get("ipv6", {}), "ipv6", _IPV6_KEYS, required=set())
    router6 = ipv6.get("router")
    config = ServerConfig(
        server_id=_value(IPv4Address, top["server_id"], "server_id"),
        subnets=subnets,
        lease_time=_seconds(top.get("lease_time", 3600), "lease_time"),
        offer_timeout=_seconds(top.get("offer_timeout", 30), "offer_timeout"),
        mtu=_mtu(top.get("mtu")),
        dns=tuple(_value(IPv4Address, a, "dns") for a in _list(top.get("dns", []), "dns")),
        ipv6_prefixes=tuple(
            _value(IPv6Network, p, "ipv6.prefixes") for p in _list(ipv6.get("prefixes", []), "ipv6")
        ),
        ipv6_router=None if router6 is None else _value(IPv6Address, router6, "ipv6.router"),
    )
    _check(config)
    return config


def _check(config: ServerConfig) -> None:
    networks = [s.network for s in config.subnets]
    for i, net in enumerate(networks):
        for other in networks[i + 1 :]:
            if net.overlaps(other):
                raise ConfigError(f"subnets {net} and {other} overlap")
    for subnet in config.subnets:
        if subnet.in_pool(config.server_id):
            raise ConfigError(f"server_id {config.server_id} is in the pool of {subnet.network}")
    for prefix in config.ipv6_prefixes:
        if prefix.prefixlen != 64:
            raise ConfigError(f"ipv6 prefix {prefix} must be a /64 (clients form EUI-64 addresses)")
    if config.ipv6_router is not None and not config.ipv6_prefixes:
        raise ConfigError("ipv6.router given without ipv6.prefixes")
    try:
        encode_networks(tuple(networks))
        encode_networks(config.ipv6_prefixes)
    except OptionError as exc:
        raise ConfigError(f"too many subnets for the WaMPTCP option: {exc}") from exc


def _subnet(item: Any, index: int) -> SubnetConfig:
    where = f"subnets[{index}]"
    fields = _mapping(item, where, _SUBNET_KEYS, required=_SUBNET_KEYS)
    network = _value(IPv4Network, fields["subnet"], f"{where}.subnet")
    bounds = str(fields["pool"]).split("-")
    if len(bounds) != 2:
        raise ConfigError(f"{where}.pool: expected FIRST-LAST, got {fields['pool']!r}")
    start, end = (_value(IPv4Address, b.strip(), f"{where}.pool") for b in bounds)
    router = _value(IPv4Address, fields["router"], f"{where}.router")
    subnet = SubnetConfig(network, start, end, router)
    usable = (network.network_address, network.broadcast_address)
    if not (start <= end and start in network and end in network):
        raise ConfigError(f"{where}.pool: {start}-{end} is not an ascending range in {network}")
    if start <= usable[0] or end >= usable[1]:
        raise ConfigError(f"{where}.pool: must not contain the network or broadcast address")
    if router not in network or subnet.in_pool(router):
        raise ConfigError(f"{where}.router: {router} must be in {network} and outside the pool")
    return subnet


def _mapping(data: Any, where: str, allowed: set[str], required: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}")
    missing = sorted(required - set(data))
    if missing:
        raise ConfigError(f"{where}: missing keys {missing}")
    return data


def _list(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise ConfigError(f"{where}: expected a list")
    return data


def _value(kind: type, raw: Any, where: str) -> Any:
    try:
        return kind(str(raw))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _seconds(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 0xFFFFFFFE:
        raise ConfigError(f"{where}: expected whole seconds in 1..2^32-2, got {raw!r}")
    return raw


def _mtu(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 68 <= raw <= 65535:
        raise ConfigError(f"mtu: expected 68..65535 (RFC 2132 §5.1), got {raw!r}")
    return raw

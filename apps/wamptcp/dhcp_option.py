"""The WaMPTCP DHCPv4 options and the helpers both ends use to read DHCP messages.

The seed (§3.3.3) adds one DHCP option: "a simple string listing the various subnets available
on the network segment". The options live in the site-specific range 224-254 (RFC 2132 §2,
RFC 3942), and every value is plain ASCII text without a trailing NUL, so that any DHCP tool
(dhclient, dnsmasq, tcpdump -v) can show and inject them:

- 224 `WAMPTCP_SUBNETS`: the IPv4 subnets of the segment, one per WAN link, the primary
  link's first (its router is the client's default route), comma separated CIDR prefixes
  without spaces: ``10.1.1.0/24,10.2.1.0/24``.
- 225 `WAMPTCP_IPV6_PREFIXES`: the segment's IPv6 /64 prefixes in the same order:
  ``2001:db8:1:1::/64,2001:db8:2:1::/64``. The client forms one EUI-64 address per prefix.
- 226 `WAMPTCP_IPV6_ROUTER`: the IPv6 default router of the segment: ``2001:db8:1:1::1``
  (DHCPv4 has no IPv6 router option and the gateways send no Router Advertisements).

Each value must fit one option (255 bytes, about 16 IPv4 subnets); options 225 and 226 are
only sent when the segment has IPv6 prefixes.
"""

from __future__ import annotations

from enum import IntEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TypeVar

from scapy.layers.dhcp import BOOTP, DHCP

WAMPTCP_SUBNETS = 224
WAMPTCP_IPV6_PREFIXES = 225
WAMPTCP_IPV6_ROUTER = 226
MAX_OPTION_BYTES = 255

_Net = TypeVar("_Net", IPv4Network, IPv6Network)

Options = dict[str | int, tuple]  # DHCP options by Scapy name (or code when Scapy has none)


class MessageType(IntEnum):
    """DHCP message types (RFC 2132 §9.6), the values of option 53."""

    DISCOVER = 1
    OFFER = 2
    REQUEST = 3
    DECLINE = 4
    ACK = 5
    NAK = 6
    RELEASE = 7
    INFORM = 8


class OptionError(ValueError):
    """A WaMPTCP option value that does not follow the documented format."""


def encode_networks(networks: tuple[IPv4Network, ...] | tuple[IPv6Network, ...]) -> bytes:
    """The text value of option 224 or 225 for these networks, in their order."""
    value = ",".join(str(net) for net in networks).encode("ascii")
    if len(value) > MAX_OPTION_BYTES:
        raise OptionError(f"{len(value)} bytes do not fit one DHCP option (max 255)")
    return value


def _text(value: bytes) -> str:
    # RFC 2132 §2: receivers must accept (and drop) trailing NULs on text options.
    try:
        return value.rstrip(b"\0").decode("ascii")
    except UnicodeDecodeError as exc:
        raise OptionError(f"not ASCII text: {value!r}") from exc


def decode_subnets(value: bytes) -> tuple[IPv4Network, ...]:
    """Option 224 -> the IPv4 subnets in their order; rejects anything but strict CIDR lists."""
    return tuple(_network(item, IPv4Network) for item in _items(value))


def decode_ipv6_prefixes(value: bytes) -> tuple[IPv6Network, ...]:
    """Option 225 -> the IPv6 prefixes in their order."""
    return tuple(_network(item, IPv6Network) for item in _items(value))


def decode_ipv6_router(value: bytes) -> IPv6Address:
    """Option 226 -> the IPv6 default router."""
    try:
        return IPv6Address(_text(value))
    except ValueError as exc:
        raise OptionError(f"bad IPv6 router {value!r}") from exc


def _items(value: bytes) -> list[str]:
    text = _text(value)
    if not text:
        raise OptionError("empty network list")
    return text.split(",")


def _network(item: str, kind: type[_Net]) -> _Net:
    if "/" not in item:
        raise OptionError(f"{item!r} has no prefix length")
    try:
        return kind(item)  # strict: host bits set is an error, not silently masked
    except ValueError as exc:
        raise OptionError(f"bad network {item!r}") from exc


def dhcp_options(packet: BOOTP) -> Options:
    """The DHCP options of a BOOTP packet as {Scapy name or code: values}; pad, end and
    undecodable bytes are dropped (a malformed option cannot be trusted, so it is ignored)."""
    layer = packet.getlayer(DHCP)
    if layer is None:
        return {}
    found: Options = {}
    for item in layer.options:
        if isinstance(item, tuple) and len(item) >= 2:
            found.setdefault(item[0], tuple(item[1:]))
    return found


def message_type(options: Options) -> MessageType | None:
    """Option 53 as a MessageType, None for plain BOOTP or an unknown type."""
    values = options.get("message-type")
    if not values or not isinstance(values[0], int):
        return None
    try:
        return MessageType(values[0])
    except ValueError:
        return None


def ipv4_option(options: Options, name: str) -> IPv4Address | None:
    """The first address of an address-valued option (server_id, requested_addr, ...)."""
    values = options.get(name)
    return IPv4Address(values[0]) if values else None

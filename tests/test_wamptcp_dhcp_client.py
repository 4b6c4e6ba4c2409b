"""Tests of the WaMPTCP client helper: the option format, the host plan and its exact ip
commands for given replies, and the client's exchanges against the server core over an
in-process link."""

from __future__ import annotations

from collections import deque
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Network

import pytest
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from apps.wamptcp.dhcp_client import (
    ClientLease,
    DhcpClient,
    ProvisionError,
    eui64_interface,
    host_plan,
    parse_lease,
)
from apps.wamptcp.dhcp_config import parse_config
from apps.wamptcp.dhcp_option import (
    OptionError,
    decode_ipv6_prefixes,
    decode_ipv6_router,
    decode_subnets,
    encode_networks,
)
from apps.wamptcp.dhcp_server import DhcpServer, answer
from apps.wamptcp.mptcp_endpoints import HostPlan, commands

MAC = bytes.fromhex("020000000001")
OTHER_MAC = bytes.fromhex("8e4b3ec0aeaa")


# -- option format -------------------------------------------------------------------------


def test_wamptcp_option_is_a_comma_separated_cidr_list() -> None:
    nets = (IPv4Network("10.1.1.0/24"), IPv4Network("10.2.1.0/24"))
    assert encode_networks(nets) == b"10.1.1.0/24,10.2.1.0/24"
    assert decode_subnets(b"10.1.1.0/24,10.2.1.0/24") == nets
    assert decode_subnets(b"10.1.1.0/24\0") == nets[:1]  # trailing NUL tolerated (RFC 2132)
    prefixes = (IPv6Network("2001:db8:1:1::/64"), IPv6Network("2001:db8:2:1::/64"))
    assert encode_networks(prefixes) == b"2001:db8:1:1::/64,2001:db8:2:1::/64"
    assert decode_ipv6_prefixes(b"2001:db8:1:1::/64,2001:db8:2:1::/64") == prefixes
    assert decode_ipv6_router(b"2001:db8:1:1::1") == IPv6Address("2001:db8:1:1::1")


@pytest.mark.parametrize(
    "value", [b"", b"10.1.1.0", b"10.1.1.5/24", b"10.1.1.0/24, 10.2.1.0/24", b"\xff", b"2001::/64"]
)
def test_malformed_subnet_lists_are_rejected(value: bytes) -> None:
    with pytest.raises(OptionError):
        decode_subnets(value)


def test_an_option_holds_at_most_255_bytes() -> None:
    nets = tuple(IPv4Network(f"10.{i}.0.0/24") for i in range(100, 124))
    with pytest.raises(OptionError, match="do not fit"):
        encode_networks(nets)


def test_eui64_interface_identifier() -> None:
    prefix = IPv6Network("2001:db8:1:1::/64")
    assert str(eui64_interface(prefix, MAC)) == "2001:db8:1:1:0:ff:fe00:1/64"
    assert str(eui64_interface(prefix, OTHER_MAC)) == "2001:db8:1:1:8c4b:3eff:fec0:aeaa/64"


# -- plan of commands for given replies ----------------------------------------------------


def ack(yiaddr: str, router: str, *extra: tuple, mask: str = "255.255.255.0") -> BOOTP:
    """An ACK as a WaMPTCP server sends it (built by hand, parsed from its bytes)."""
    options = [
        ("message-type", 5),
        ("server_id", "10.1.1.2"),
        ("lease_time", 600),
        ("subnet_mask", mask),
        ("router", router),
        *extra,
        "end",
    ]
    return BOOTP(bytes(BOOTP(op=2, xid=1, yiaddr=yiaddr, chaddr=MAC) / DHCP(options=options)))


TWO_LINKS = (224, b"10.1.1.0/24,10.2.1.0/24")
V6 = ((225, b"2001:db8:1:1::/64,2001:db8:2:1::/64"), (226, b"2001:db8:1:1::1"))


def test_parse_lease_reads_the_wamptcp_options() -> None:
    lease = parse_lease(ack("10.2.1.100", "10.2.1.1", ("interface-mtu", 1400), TWO_LINKS, *V6))
    assert lease == ClientLease(
        address=IPv4Interface("10.2.1.100/24"),
        server_id=IPv4Address("10.1.1.2"),
        lease_time=600,
        router=IPv4Address("10.2.1.1"),
        mtu=1400,
        subnets=(IPv4Network("10.1.1.0/24"), IPv4Network("10.2.1.0/24")),
        ipv6_prefixes=(IPv6Network("2001:db8:1:1::/64"), IPv6Network("2001:db8:2:1::/64")),
        ipv6_router=IPv6Address("2001:db8:1:1::1"),
    )
    with pytest.raises(OptionError):
        parse_lease(ack("10.1.1.100", "10.1.1.1", (224, b"10.1.1.0/33")))
    with pytest.raises(ProvisionError, match="^reply with an unusable address or mask: "
                       "'255.0.255.0' is not a valid netmask$"):
        parse_lease(ack("10.1.1.100", "10.1.1.1", mask="255.0.255.0"))


def commands_for(interface: str, *acks: BOOTP) -> list[list[str]]:
    """The ip commands of a host whose exchanges ended with these ACKs (in subnet order)."""
    return commands(host_plan(interface, MAC, [parse_lease(a) for a in acks]))


def test_commands_for_two_links_with_ipv6() -> None:
    assert commands_for(
        "h1-eth0",
        ack("10.1.1.100", "10.1.1.1", ("interface-mtu", 1500), TWO_LINKS, *V6),
        ack("10.2.1.100", "10.2.1.1", ("interface-mtu", 1500), TWO_LINKS, *V6),
    ) == [
        ["ip", "link", "set", "dev", "h1-eth0", "mtu", "1500"],
        ["ip", "addr", "add", "10.1.1.100/24", "dev", "h1-eth0"],
        ["ip", "addr", "add", "10.2.1.100/24", "dev", "h1-eth0"],
        ["ip", "-6", "addr", "add", "2001:db8:1:1:0:ff:fe00:1/64", "dev", "h1-eth0", "nodad"],
        ["ip", "-6", "addr", "add", "2001:db8:2:1:0:ff:fe00:1/64", "dev", "h1-eth0", "nodad"],
        ["ip", "mptcp", "endpoint", "add", "10.2.1.100", "dev", "h1-eth0", "subflow"],
        ["ip", "mptcp", "endpoint", "add", "2001:db8:2:1:0:ff:fe00:1", "dev", "h1-eth0", "subflow"],
        ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"],
        ["ip", "route", "replace", "default", "via", "10.1.1.1", "dev", "h1-eth0"],
        ["ip", "-6", "route", "replace", "default", "via", "2001:db8:1:1::1", "dev", "h1-eth0"],
    ]


def test_commands_for_three_ipv4_links() -> None:
    three = (224, b"10.1.1.0/24,10.2.1.0/24,10.3.1.0/25")
    assert commands_for(
        "eth0",
        ack("10.1.1.100", "10.1.1.1", three),
        ack("10.2.1.100", "10.2.1.1", three),
        ack("10.3.1.9", "10.3.1.1", three, mask="255.255.255.128"),
    ) == [
        ["ip", "addr", "add", "10.1.1.100/24", "dev", "eth0"],
        ["ip", "addr", "add", "10.2.1.100/24", "dev", "eth0"],
        ["ip", "addr", "add", "10.3.1.9/25", "dev", "eth0"],
        ["ip", "mptcp", "endpoint", "add", "10.2.1.100", "dev", "eth0", "subflow"],
        ["ip", "mptcp", "endpoint", "add", "10.3.1.9", "dev", "eth0", "subflow"],
        ["ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"],
        ["ip", "route", "replace", "default", "via", "10.1.1.1", "dev", "eth0"],
    ]


def test_a_single_subnet_gets_no_endpoints_and_keeps_the_default_limits() -> None:
    assert commands_for("eth0", ack("192.168.5.20", "192.168.5.1")) == [
        ["ip", "addr", "add", "192.168.5.20/24", "dev", "eth0"],
        ["ip", "route", "replace", "default", "via", "192.168.5.1", "dev", "eth0"],
    ]


def test_subflow_limit_is_capped_at_the_kernel_maximum() -> None:
    plan = HostPlan("eth0", tuple(IPv4Interface(f"10.{i}.1.100/24") for i in range(1, 11)))
    assert len(plan.endpoints()) == 9
    assert commands(plan)[-1] == [
        "ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"
    ]  # fmt: skip


# -- exchanges against the server core -----------------------------------------------------

SEGMENT = {
    "server_id": "10.1.1.2",
    "lease_time": 600,
    "mtu": 1500,
    "subnets": [
        {"subnet": "10.1.1.0/24", "pool": "10.1.1.100-10.1.1.150", "router": "10.1.1.1"},
        {"subnet": "10.2.1.0/24", "pool": "10.2.1.100-10.2.1.150", "router": "10.2.1.1"},
        {"subnet": "10.3.1.0/24", "pool": "10.3.1.100-10.3.1.150", "router": "10.3.1.1"},
    ],
    "ipv6": {"prefixes": ["2001:db8:1:1::/64"], "router": "2001:db8:1:1::1"},
}


class ServerLink:
    """A link whose other end is the server core: every sent frame is answered at once.
    `before` frames are delivered ahead of the server's replies (stray traffic)."""

    def __init__(self, server: DhcpServer | None, before: list[bytes] | None = None) -> None:
        self.server = server
        self.sent: list[Ether] = []
        self.queue: deque[bytes] = deque(before or [])

    def send(self, frame: bytes) -> None:
        self.sent.append(Ether(frame))
        if self.server is not None:
            reply = answer(self.server, frame, "02:00:00:00:00:fe", IPv4Address("10.1.1.2"))
            if reply is not None:
                self.queue.append(reply)

    def receive(self, timeout: float) -> bytes | None:
        return self.queue.popleft() if self.queue else None


def sequence(xids: list[int]):
    values = iter(xids)
    return lambda: next(values)


def summary(frames: list[Ether]) -> list[tuple]:
    """(message type, xid, option 118, option 50) of each message the client sent."""
    rows = []
    for frame in frames:
        options = {o[0]: o[1] for o in frame[DHCP].options if isinstance(o, tuple)}
        rows.append(
            (
                options["message-type"],
                frame[BOOTP].xid,
                options.get("subnet-selection"),
                options.get("requested_addr"),
            )
        )
    return rows


def test_client_leases_one_address_per_subnet() -> None:
    server = DhcpServer(parse_config(SEGMENT), lambda: 50.0)
    link = ServerLink(server)
    client = DhcpClient(link, MAC, new_xid=sequence([11, 22, 33]))
    leases = client.obtain()
    assert [str(lease.address) for lease in leases] == [
        "10.1.1.100/24",
        "10.2.1.100/24",
        "10.3.1.100/24",
    ]
    assert [str(lease.router) for lease in leases] == ["10.1.1.1", "10.2.1.1", "10.3.1.1"]
    assert summary(link.sent) == [
        (1, 11, None, None),
        (3, 11, None, "10.1.1.100"),
        (1, 22, "10.2.1.0", None),
        (3, 22, "10.2.1.0", "10.2.1.100"),
        (1, 33, "10.3.1.0", None),
        (3, 33, "10.3.1.0", "10.3.1.100"),
    ]
    first = link.sent[0]
    assert (first.src, first.dst, first[IP].src, first[IP].dst) == (
        "02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "0.0.0.0", "255.255.255.255"
    )  # fmt: skip
    assert (first[UDP].sport, first[UDP].dport, int(first[BOOTP].flags)) == (68, 67, 0)
    assert [o for o in first[DHCP].options if o[0] == "param_req_list"] == [
        ("param_req_list", [1, 3, 6, 26, 51, 54, 58, 59, 224, 225, 226])
    ]
    assert {str(a): lease.state.value for a, lease in server.leases.items()} == {
        "10.1.1.100": "bound",
        "10.2.1.100": "bound",
        "10.3.1.100": "bound",
    }
    plan = host_plan("h1-eth0", MAC, leases)
    assert [str(a) for a in plan.endpoints()] == ["10.2.1.100", "10.3.1.100"]
    assert [str(a) for a in plan.ipv6] == ["2001:db8:1:1:0:ff:fe00:1/64"]


def test_subnet_selecting_messages_on_the_wire() -> None:
    """The options of the DISCOVER and REQUEST for link 2, byte for byte (RFC 2132 code,
    length, value; RFC 3011 option 118 = the subnet's address, 4 bytes)."""
    link = ServerLink(DhcpServer(parse_config(SEGMENT), lambda: 50.0))
    DhcpClient(link, MAC, new_xid=sequence([11, 22, 33])).obtain()
    wanted = b"\x37\x0b\x01\x03\x06\x1a\x33\x36\x3a\x3b\xe0\xe1\xe2"  # parameter list
    discover, request = (bytes(frame[BOOTP]) for frame in link.sent[2:4])
    assert discover[:12] == b"\x01\x01\x06\x00" + (22).to_bytes(4, "big") + bytes(4)
    assert discover[28:34] == MAC
    assert discover[236:] == (
        b"\x63\x82\x53\x63" + b"\x35\x01\x01" + b"\x76\x04\x0a\x02\x01\x00" + wanted + b"\xff"
    )
    assert request[236:] == (
        b"\x63\x82\x53\x63" + b"\x35\x01\x03"
        + b"\x36\x04\x0a\x01\x01\x02"  # server identifier
        + b"\x32\x04\x0a\x02\x01\x64"  # requested address 10.2.1.100
        + b"\x76\x04\x0a\x02\x01\x00" + wanted + b"\xff"
    )  # fmt: skip


def test_client_without_the_wamptcp_option_takes_one_lease() -> None:
    legacy = BOOTP(op=2, xid=5, yiaddr="192.168.5.20", chaddr=MAC) / DHCP(
        options=[("message-type", 2), ("server_id", "192.168.5.1"),
                 ("subnet_mask", "255.255.255.0"), ("router", "192.168.5.1"), "end"]
    )  # fmt: skip

    class LegacyServer:
        def send(self, frame: bytes) -> None:
            self.kind = Ether(frame)[DHCP].options[0][1]

        def receive(self, timeout: float) -> bytes | None:
            reply = legacy.copy()
            reply[DHCP].options[0] = ("message-type", 2 if self.kind == 1 else 5)
            return bytes(Ether() / IP() / UDP(sport=67, dport=68) / reply)

    leases = DhcpClient(LegacyServer(), MAC, new_xid=lambda: 5).obtain()
    assert [str(lease.address) for lease in leases] == ["192.168.5.20/24"]


def test_replies_of_other_exchanges_are_ignored() -> None:
    def offer(xid: int, mac: bytes, selection: str | None) -> bytes:
        options = [("message-type", 2), ("server_id", "10.1.1.9"),
                   ("subnet_mask", "255.255.255.0")]  # fmt: skip
        if selection:
            options.append(("subnet-selection", selection))
        header = BOOTP(op=2, xid=xid, yiaddr="10.2.1.99", chaddr=mac)
        reply = header / DHCP(options=[*options, "end"])
        return bytes(Ether() / IP() / UDP(sport=67, dport=68) / reply)

    stray = [
        offer(7, MAC, None),  # the subnet-selection option is not echoed
        offer(7, MAC, "10.3.1.0"),  # echoed, but another subnet
        offer(8, MAC, "10.2.1.0"),  # another transaction
        offer(7, OTHER_MAC, "10.2.1.0"),  # another client
        bytes(Ether() / IP() / UDP(sport=67, dport=68) / (b"\x00" * 10)),  # not DHCP
    ]
    server = DhcpServer(parse_config(SEGMENT), lambda: 0.0)
    client = DhcpClient(ServerLink(server, stray), MAC)
    assert client.discover(7, IPv4Network("10.2.1.0/24")).yiaddr == "10.2.1.100"


def test_no_offer_after_all_attempts() -> None:
    link = ServerLink(None)
    with pytest.raises(ProvisionError, match="no DHCP offer in 10.2.1.0/24 after 3 attempts"):
        DhcpClient(link, MAC, attempts=3).discover(1, IPv4Network("10.2.1.0/24"))
    assert len(link.sent) == 3


def test_nak_aborts_the_provisioning() -> None:
    server = DhcpServer(parse_config(SEGMENT), lambda: 0.0)
    client = DhcpClient(ServerLink(server), MAC)
    offer = client.discover(4, None)
    offer.yiaddr = "10.1.1.140"  # never offered to us
    with pytest.raises(ProvisionError, match="server refused 10.1.1.140"):
        client.request(4, offer, None)

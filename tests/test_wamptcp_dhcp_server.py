"""Tests of the WaMPTCP DHCPv4 server: configuration, the RFC 2131 state machine driven message
by message with a fake clock, and how replies are addressed on the wire."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path

import pytest
from fake_clock import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from apps.wamptcp.dhcp_config import ConfigError, load_config, parse_config
from apps.wamptcp.dhcp_server import DhcpServer, Lease, LeaseState, answer, reply_frame

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
MAC_C = bytes.fromhex("020000000003")
MAC_D = bytes.fromhex("020000000004")
SERVER_MAC = "02:00:00:00:00:fe"
NET1 = IPv4Network("10.1.1.0/24")
NET2 = IPv4Network("10.2.1.0/24")

CONFIG = {
    "server_id": "10.1.1.2",
    "lease_time": 600,
    "offer_timeout": 30,
    "mtu": 1500,
    "dns": ["10.1.1.1"],
    "subnets": [
        {"subnet": "10.1.1.0/24", "pool": "10.1.1.100-10.1.1.102", "router": "10.1.1.1"},
        {"subnet": "10.2.1.0/24", "pool": "10.2.1.100-10.2.1.102", "router": "10.2.1.1"},
    ],
    "ipv6": {"prefixes": ["2001:db8:1:1::/64", "2001:db8:2:1::/64"], "router": "2001:db8:1:1::1"},
}

# The option bytes every OFFER/ACK of this configuration ends with (before 118 and end).
WAMPTCP_OPTIONS = (
    b"\xe0\x17" + b"10.1.1.0/24,10.2.1.0/24"
    + b"\xe1\x23" + b"2001:db8:1:1::/64,2001:db8:2:1::/64"
    + b"\xe2\x0f" + b"2001:db8:1:1::1"
)  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def server(clock: FakeClock) -> DhcpServer:
    return DhcpServer(parse_config(CONFIG), clock)


def message(kind: int, mac: bytes = MAC_A, xid: int = 0x1234, *options, **fields) -> BOOTP:
    """A client message as it arrives off the wire (built, then parsed from its bytes)."""
    built = BOOTP(op=1, xid=xid, chaddr=mac, **fields) / DHCP(
        options=[("message-type", kind), *options, "end"]
    )
    return BOOTP(bytes(built))


def discover(mac: bytes = MAC_A, *options, **fields) -> BOOTP:
    return message(1, mac, 0x1234, *options, **fields)


def select(address: str, mac: bytes = MAC_A, *options, server_id: str = "10.1.1.2") -> BOOTP:
    return message(3, mac, 0x1234, ("server_id", server_id), ("requested_addr", address), *options)


def bind(server: DhcpServer, mac: bytes = MAC_A) -> BOOTP:
    """DISCOVER then REQUEST the offer; the ACK."""
    address = server.handle(discover(mac)).yiaddr
    return server.handle(select(address, mac))


def lease_options(seconds: int) -> bytes:
    return (
        b"\x33\x04" + seconds.to_bytes(4, "big")
        + b"\x3a\x04" + (seconds // 2).to_bytes(4, "big")
        + b"\x3b\x04" + (seconds * 7 // 8).to_bytes(4, "big")
    )  # fmt: skip


def subnet_options(router: str) -> bytes:
    return (
        b"\x01\x04\xff\xff\xff\x00"  # subnet mask
        + b"\x03\x04" + IPv4Address(router).packed  # router
        + b"\x06\x04\x0a\x01\x01\x01"  # DNS 10.1.1.1
        + b"\x1a\x02\x05\xdc"  # MTU 1500
    )  # fmt: skip


SERVER_ID = b"\x36\x04\x0a\x01\x01\x02"


def options_of(reply: BOOTP) -> bytes:
    """The options area of a reply on the wire: magic cookie, options, end."""
    return bytes(reply)[236:]


def test_discover_gets_an_offer_in_link_1_subnet_with_the_wamptcp_options(server) -> None:
    reply = server.handle(discover())
    assert (reply.op, reply.xid, reply.yiaddr, reply.ciaddr) == (2, 0x1234, "10.1.1.100", "0.0.0.0")
    assert bytes(reply.chaddr) == MAC_A + bytes(10)
    assert options_of(reply) == (
        b"\x63\x82\x53\x63"  # magic cookie
        + b"\x35\x01\x02"  # OFFER
        + SERVER_ID
        + lease_options(600)
        + subnet_options("10.1.1.1")
        + WAMPTCP_OPTIONS
        + b"\xff"
    )
    assert dict(server.leases) == {
        IPv4Address("10.1.1.100"): Lease(
            IPv4Address("10.1.1.100"), "hw:02:00:00:00:00:01", NET1, LeaseState.OFFERED, 1030.0
        )
    }


def test_subnet_selection_picks_the_subnet_and_is_echoed(server) -> None:
    reply = server.handle(discover(MAC_A, ("subnet-selection", "10.2.1.0")))
    assert reply.yiaddr == "10.2.1.100"
    assert options_of(reply) == (
        b"\x63\x82\x53\x63\x35\x01\x02"
        + SERVER_ID
        + lease_options(600)
        + subnet_options("10.2.1.1")
        + WAMPTCP_OPTIONS
        + b"\x76\x04\x0a\x02\x01\x00"  # option 118 copied from the request
        + b"\xff"
    )
    # any address of the subnet selects it (RFC 3011)
    assert server.handle(discover(MAC_B, ("subnet-selection", "10.2.1.77"))).yiaddr == "10.2.1.101"


def test_discover_for_a_subnet_not_on_the_segment_is_not_answered(server) -> None:
    assert server.handle(discover(MAC_A, ("subnet-selection", "10.9.9.0"))) is None
    assert server.handle(discover(MAC_A, giaddr="10.9.9.1")) is None
    assert dict(server.leases) == {}


def test_relay_agent_address_selects_the_subnet(server) -> None:
    assert server.handle(discover(MAC_A, giaddr="10.2.1.1")).yiaddr == "10.2.1.100"


def test_request_binds_the_offer_and_acks(server, clock) -> None:
    server.handle(discover())
    clock.now += 5
    reply = server.handle(select("10.1.1.100"))
    assert (reply.yiaddr, reply.ciaddr) == ("10.1.1.100", "0.0.0.0")
    assert options_of(reply) == (
        b"\x63\x82\x53\x63\x35\x01\x05"  # ACK
        + SERVER_ID
        + lease_options(600)
        + subnet_options("10.1.1.1")
        + WAMPTCP_OPTIONS
        + b"\xff"
    )
    assert server.leases[IPv4Address("10.1.1.100")].state is LeaseState.BOUND
    assert server.leases[IPv4Address("10.1.1.100")].expires == 1605.0


def test_one_client_holds_one_lease_per_subnet(server) -> None:
    server.handle(discover())
    server.handle(select("10.1.1.100"))
    selection = ("subnet-selection", "10.2.1.0")
    assert server.handle(discover(MAC_A, selection)).yiaddr == "10.2.1.100"
    ack = server.handle(select("10.2.1.100", MAC_A, selection))
    assert ack.yiaddr == "10.2.1.100" and b"\x35\x01\x05" in options_of(ack)
    assert {(str(a), lease.state) for a, lease in server.leases.items()} == {
        ("10.1.1.100", LeaseState.BOUND),
        ("10.2.1.100", LeaseState.BOUND),
    }
    # a second DISCOVER for a subnet offers the address the client already holds
    assert server.handle(discover(MAC_A, selection)).yiaddr == "10.2.1.100"
    assert server.leases[IPv4Address("10.2.1.100")].state is LeaseState.BOUND


def nak(reason: bytes, *extra: bytes) -> bytes:
    return (
        b"\x63\x82\x53\x63\x35\x01\x06"
        + SERVER_ID
        + b"\x38" + bytes([len(reason)]) + reason
        + b"".join(extra)
        + b"\xff"
    )  # fmt: skip


def test_request_for_an_address_of_a_foreign_subnet_is_naked(server) -> None:
    server.handle(discover())
    reply = server.handle(select("10.9.9.5"))
    assert (reply.yiaddr, reply.ciaddr, int(reply.flags)) == ("0.0.0.0", "0.0.0.0", 0)
    assert options_of(reply) == nak(b"requested address not in the selected subnet")
    # an address of another subnet of the segment than the one selected is wrong too
    selection = ("subnet-selection", "10.2.1.0")
    reply = server.handle(select("10.1.1.100", MAC_A, selection))
    assert options_of(reply) == nak(
        b"requested address not in the selected subnet", b"\x76\x04\x0a\x02\x01\x00"
    )
    # INIT-REBOOT with an address from a network the client left
    reply = server.handle(message(3, MAC_A, 9, ("requested_addr", "192.168.7.9")))
    assert options_of(reply) == nak(b"address not on this segment's selected subnet")
    assert server.leases[IPv4Address("10.1.1.100")].state is LeaseState.OFFERED


def test_request_for_an_address_not_offered_to_the_client_is_naked(server) -> None:
    server.handle(discover(MAC_A))
    reply = server.handle(select("10.1.1.100", MAC_B))
    assert options_of(reply) == nak(b"address not offered to this client")
    reply = server.handle(select("10.1.1.101", MAC_A))
    assert options_of(reply) == nak(b"address not offered to this client")


def test_request_to_another_server_withdraws_the_offer(server) -> None:
    server.handle(discover())
    assert server.handle(select("192.0.2.50", server_id="10.1.1.3")) is None
    assert dict(server.leases) == {}


def test_unanswered_offer_expires_and_the_free_address_is_reused(server, clock) -> None:
    assert server.handle(discover(MAC_A)).yiaddr == "10.1.1.100"
    clock.now += 30  # offer_timeout
    # never-used addresses first, then the one free for the longest time
    assert server.handle(discover(MAC_B)).yiaddr == "10.1.1.101"
    assert server.handle(discover(MAC_C)).yiaddr == "10.1.1.102"
    assert server.handle(discover(MAC_D)).yiaddr == "10.1.1.100"
    assert server.leases[IPv4Address("10.1.1.100")].client == "hw:02:00:00:00:00:04"


def test_bound_lease_expires_after_lease_time(server, clock) -> None:
    for mac in (MAC_A, MAC_B, MAC_C):
        bind(server, mac)
    clock.now += 599
    assert server.handle(discover(MAC_D)) is None  # pool exhausted
    clock.now += 1
    assert server.handle(discover(MAC_D)).yiaddr == "10.1.1.100"


def test_a_returning_client_gets_its_previous_address(server, clock) -> None:
    bind(server)
    clock.now += 10_000
    server.handle(discover(MAC_B))
    assert server.handle(discover(MAC_A)).yiaddr == "10.1.1.100"


def test_requested_address_is_offered_when_free(server) -> None:
    assert server.handle(discover(MAC_A, ("requested_addr", "10.1.1.102"))).yiaddr == "10.1.1.102"
    # outside the pool: ignored
    assert server.handle(discover(MAC_B, ("requested_addr", "10.1.1.50"))).yiaddr == "10.1.1.100"


def test_release_ends_the_lease_now(server, clock) -> None:
    bind(server)
    clock.now += 7
    release = message(7, MAC_A, 5, ("server_id", "10.1.1.2"), ciaddr="10.1.1.100")
    assert server.handle(release) is None
    assert server.leases[IPv4Address("10.1.1.100")] == Lease(
        IPv4Address("10.1.1.100"), "hw:02:00:00:00:00:01", NET1, LeaseState.RELEASED, 1007.0
    )
    # another client's RELEASE of the same address changes nothing
    bind(server)
    server.handle(message(7, MAC_B, 5, ("server_id", "10.1.1.2"), ciaddr="10.1.1.100"))
    assert server.leases[IPv4Address("10.1.1.100")].state is LeaseState.BOUND


def test_declined_address_stays_out_of_use_for_a_lease_time(server, clock) -> None:
    bind(server)
    decline = message(4, MAC_A, 6, ("server_id", "10.1.1.2"), ("requested_addr", "10.1.1.100"))
    assert server.handle(decline) is None
    assert server.leases[IPv4Address("10.1.1.100")].state is LeaseState.DECLINED
    assert server.handle(discover(MAC_A)).yiaddr == "10.1.1.101"
    reboot = message(3, MAC_A, 7, ("requested_addr", "10.1.1.100"))
    assert options_of(server.handle(reboot)) == nak(b"client holds 10.1.1.101 in this subnet")
    clock.now += 599
    assert server.handle(discover(MAC_B)).yiaddr == "10.1.1.102"  # never used
    assert server.handle(discover(MAC_C)).yiaddr == "10.1.1.101"  # A's offer expired
    assert server.handle(discover(MAC_D)) is None
    clock.now += 1
    assert server.handle(discover(MAC_D)).yiaddr == "10.1.1.100"


def test_renewing_extends_the_lease(server, clock) -> None:
    bind(server)
    clock.now += 300
    reply = server.handle(message(3, MAC_A, 8, ciaddr="10.1.1.100"))
    assert (reply.yiaddr, reply.ciaddr) == ("10.1.1.100", "10.1.1.100")
    assert b"\x35\x01\x05" in options_of(reply)
    assert server.leases[IPv4Address("10.1.1.100")].expires == 1900.0


def test_renewing_someone_elses_address_is_naked_and_unknown_ones_ignored(server) -> None:
    bind(server)
    reply = server.handle(message(3, MAC_B, 8, ciaddr="10.1.1.100"))
    assert options_of(reply) == nak(b"address in use")
    # no record of this client on that address: silence (RFC 2131 §4.3.2, INIT-REBOOT)
    assert server.handle(message(3, MAC_B, 8, ("requested_addr", "10.1.1.101"))) is None


def test_client_may_ask_for_a_shorter_lease(server, clock) -> None:
    server.handle(discover(MAC_A))
    reply = server.handle(select("10.1.1.100", MAC_A, ("lease_time", 60)))
    assert lease_options(60) in options_of(reply)
    assert server.leases[IPv4Address("10.1.1.100")].expires == 1060.0
    reply = server.handle(select("10.1.1.100", MAC_A, ("lease_time", 86400)))
    assert lease_options(600) in options_of(reply)


def test_client_identifier_names_the_client(server) -> None:
    server.handle(discover(MAC_A, ("client_id", b"\x01host-a")))
    assert server.leases[IPv4Address("10.1.1.100")].client == "id:01686f73742d61"


def test_inform_gets_parameters_without_a_lease(server) -> None:
    reply = server.handle(message(8, MAC_A, 3, ciaddr="10.2.1.50"))
    assert (reply.yiaddr, reply.ciaddr) == ("0.0.0.0", "10.2.1.50")
    assert options_of(reply) == (
        b"\x63\x82\x53\x63\x35\x01\x05" + SERVER_ID + subnet_options("10.2.1.1")
        + WAMPTCP_OPTIONS + b"\xff"
    )  # fmt: skip
    assert dict(server.leases) == {}


def test_replies_and_bootp_are_ignored(server) -> None:
    assert server.handle(BOOTP(bytes(BOOTP(op=1, xid=1, chaddr=MAC_A)))) is None  # no DHCP
    offer = server.handle(discover())
    assert server.handle(offer) is None  # op = BOOTREPLY


# -- on the wire ---------------------------------------------------------------------------


def frame_of(request: BOOTP, src_mac: str = "02:00:00:00:00:01", dst: str = "255.255.255.255"):
    return Ether(
        bytes(
            Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff")
            / IP(src="0.0.0.0", dst=dst)
            / UDP(sport=68, dport=67)
            / request
        )
    )


def addressing(frame: bytes) -> tuple[str, str, str, str, int]:
    packet = Ether(frame)
    return packet.src, packet.dst, packet[IP].src, packet[IP].dst, packet[UDP].dport


def test_offer_is_unicast_to_the_client_hardware_address(server) -> None:
    request = frame_of(discover())
    sent = reply_frame(request, server.handle(request[BOOTP]), SERVER_MAC, IPv4Address("10.1.1.2"))
    assert addressing(sent) == (SERVER_MAC, "02:00:00:00:00:01", "10.1.1.2", "10.1.1.100", 68)
    assert Ether(sent)[IP].ttl == 64 and Ether(sent)[UDP].sport == 67


def test_broadcast_flag_nak_ciaddr_and_relay_addressing(server) -> None:
    sid = IPv4Address("10.1.1.2")
    request = frame_of(discover(MAC_A, flags=0x8000))
    sent = reply_frame(request, server.handle(request[BOOTP]), SERVER_MAC, sid)
    assert addressing(sent)[1:4] == ("ff:ff:ff:ff:ff:ff", "10.1.1.2", "255.255.255.255")
    request = frame_of(select("10.9.9.9", MAC_B))
    sent = reply_frame(request, server.handle(request[BOOTP]), SERVER_MAC, sid)
    assert addressing(sent)[1:4] == ("ff:ff:ff:ff:ff:ff", "10.1.1.2", "255.255.255.255")
    request = frame_of(message(8, MAC_C, 3, ciaddr="10.2.1.50"), "02:00:00:00:00:03", "10.1.1.2")
    sent = reply_frame(request, server.handle(request[BOOTP]), SERVER_MAC, sid)
    assert addressing(sent)[1:] == ("02:00:00:00:00:03", "10.1.1.2", "10.2.1.50", 68)
    relay = frame_of(discover(MAC_D, giaddr="10.2.1.1"), "02:00:00:00:00:aa", "10.1.1.2")
    sent = reply_frame(relay, server.handle(relay[BOOTP]), SERVER_MAC, sid)
    assert addressing(sent)[1:] == ("02:00:00:00:00:aa", "10.1.1.2", "10.2.1.1", 67)


def test_nak_through_a_relay_sets_the_broadcast_flag(server) -> None:
    reply = server.handle(select("10.9.9.9", MAC_A, ("subnet-selection", "10.1.1.0")))
    assert int(reply.flags) == 0
    reply = server.handle(message(3, MAC_A, 1, ("requested_addr", "10.9.9.9"), giaddr="10.1.1.1"))
    assert int(reply.flags) == 0x8000


def test_answer_takes_frames_for_this_server_only(server) -> None:
    sid = IPv4Address("10.1.1.2")
    good = bytes(frame_of(discover()))
    assert Ether(answer(server, good, SERVER_MAC, sid))[BOOTP].yiaddr == "10.1.1.100"
    other = bytes(frame_of(message(3, MAC_A, 1, ciaddr="10.1.1.100"), dst="10.1.1.3"))
    assert answer(server, other, SERVER_MAC, sid) is None
    not_dhcp = bytes(Ether() / IP(dst="255.255.255.255") / UDP(sport=68, dport=53) / (b"x" * 40))
    assert answer(server, not_dhcp, SERVER_MAC, sid) is None


# -- configuration -------------------------------------------------------------------------


def test_yaml_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "segment.yaml"
    path.write_text(
        "server_id: 10.1.1.2\n"
        "subnets:\n"
        "  - {subnet: 10.1.1.0/24, pool: 10.1.1.100-10.1.1.199, router: 10.1.1.1}\n"
        "  - {subnet: 10.2.1.0/24, pool: 10.2.1.100 - 10.2.1.199, router: 10.2.1.1}\n"
        "ipv6: {prefixes: [2001:db8:1:1::/64], router: 2001:db8:1:1::1}\n"
    )
    config = load_config(path)
    assert config.server_id == IPv4Address("10.1.1.2")
    assert [s.network for s in config.subnets] == [NET1, NET2]
    assert config.subnets[1].pool_end == IPv4Address("10.2.1.199")
    assert (config.lease_time, config.offer_timeout, config.mtu, config.dns) == (3600, 30, None, ())
    assert config.ipv6_prefixes == (IPv6Network("2001:db8:1:1::/64"),)
    assert config.ipv6_router == IPv6Address("2001:db8:1:1::1")


@pytest.mark.parametrize(("text", "message"), [
    ("server_id: 10.1.1.2\nsubnets: [\n",
     ":3: not valid YAML: expected the node content, but found '<stream end>'"),
    ("server_id: 10.1.1.2\n", ": configuration: missing keys ['subnets']"),
])
def test_configuration_file_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "segment.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}{message}"


def variant(**changes) -> dict:
    return {**CONFIG, **changes}


def subnet(network: str, pool: str, router: str) -> dict:
    return {"subnet": network, "pool": pool, "router": router}


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        (variant(leases=1), "unknown keys ['leases']"),
        ({"subnets": CONFIG["subnets"]}, "missing keys ['server_id']"),
        (variant(subnets=[]), "non-empty list"),
        (variant(subnets=[subnet("10.1.0.0/16", "10.1.1.5-10.1.1.9", "10.1.0.1"),
                          CONFIG["subnets"][0]]), "overlap"),
        (variant(subnets=[subnet("10.1.1.0/24", "10.1.1.5-10.1.2.9", "10.1.1.1")]),
         "not an ascending range"),
        (variant(subnets=[subnet("10.1.1.0/24", "10.1.1.0-10.1.1.9", "10.1.1.1")]),
         "network or broadcast"),
        (variant(subnets=[subnet("10.1.1.0/24", "10.1.1.1-10.1.1.9", "10.1.1.1")]),
         "outside the pool"),
        (variant(subnets=[subnet("10.1.1.0/24", "10.1.1.9", "10.1.1.1")]), "expected FIRST-LAST"),
        (variant(server_id="10.1.1.101"), "is in the pool"),
        (variant(ipv6={"prefixes": ["2001:db8::/48"]}), "must be a /64"),
        (variant(ipv6={"router": "2001:db8::1"}), "without ipv6.prefixes"),
        (variant(mtu=40), "mtu"),
        (variant(lease_time=0), "lease_time"),
        (
            variant(subnets=[
                subnet(f"10.{i}.0.0/24", f"10.{i}.0.10-10.{i}.0.20", f"10.{i}.0.1")
                for i in range(100, 124)
            ], server_id="10.100.0.2"),
            "too many subnets",
        ),
    ],
)  # fmt: skip
def test_bad_configurations_are_rejected(data: dict, message_part: str) -> None:
    with pytest.raises(ConfigError, match=message_part.replace("[", r"\[").replace("]", r"\]")):
        parse_config(data)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.integers(0, 9),
    known=st.lists(st.sampled_from([
        b"\x32\x04\x0a\x01\x01\x64",  # requested 10.1.1.100
        b"\x36\x04\x0a\x01\x01\x02",  # our server id
        b"\x76\x04\x0a\x02\x01\x00",  # subnet selection 10.2.1.0
    ]), max_size=3),
    garbage=st.binary(max_size=60),
    ciaddr=st.sampled_from(["0.0.0.0", "10.1.1.100", "10.2.1.101", "10.9.9.9"]),
    hlen=st.integers(0, 255),
)  # fmt: skip
def test_arbitrary_option_bytes_never_crash_the_server(kind, known, garbage, ciaddr, hlen) -> None:
    server = DhcpServer(parse_config(CONFIG), FakeClock(1000.0))
    server.handle(discover())
    header = bytes(BOOTP(op=1, xid=1, hlen=hlen, chaddr=MAC_A, ciaddr=ciaddr))
    options = b"\x35\x01" + bytes([kind]) + b"".join(known) + garbage + b"\xff"
    reply = server.handle(BOOTP(header + b"\x63\x82\x53\x63" + options))
    assert reply is None or (reply.op, reply.xid) == (2, 1)

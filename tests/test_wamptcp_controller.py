"""WaMPTCP controller, pure parts: site file, subnet plan (seed §3.3.3), entries and remaps."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest

from controller.wamptcp import entries as E
from controller.wamptcp.entries import Entry, GatewayTables, TableState, gateway_entries
from controller.wamptcp.plan import HostAddress, PlanError, Subnet, make_plan
from controller.wamptcp.site import Endpoint, Server, SiteError, WanLink, load_site, parse_site

ROOT = Path(__file__).resolve().parent.parent
TOPOLOGIES = ROOT / "mininet_topos" / "topologies"

# A small site; tests change one line of it (line numbers below refer to this text).
SITE = """\
mode: vxlan
policy: wamptcp
recovery_optimization: true
gateways:
  branch: {name: gw_b, lan_mac: "02:00:00:00:0b:00"}
  remote: {name: gw_r, lan_mac: "02:00:00:00:0c:00"}
wan_links:
  - id: 1
    ipv4: 10.1.0.0/16
    ipv6: "fd00:1::/48"
    branch: {ip: 172.16.1.1, mac: "02:00:00:00:0b:01"}
    remote: {ip: 172.16.1.2, mac: "02:00:00:00:0c:01"}
  - id: 2
    ipv4: 10.2.0.0/16
    ipv6: "fd00:2::/48"
    branch: {ip: 172.16.2.1, mac: "02:00:00:00:0b:02"}
    remote: {ip: 172.16.2.2, mac: "02:00:00:00:0c:02"}
lan:
  segments:
    - {name: lan1, port: 10, index: 0}
  hosts:
    - {name: h1, segment: lan1, mptcp: true, mac: "00:00:00:00:01:0a"}
remote_lan:
  port: 10
  ipv4: 10.100.0.0/24
  ipv6: "fd00:100::/64"
  servers:
    - {name: srv, mac: "00:00:00:00:64:0a"}
"""


def site_with(old: str = "", new: str = "", *, text: str = SITE):
    if old:
        assert old in text, old
    return parse_site(text.replace(old, new, 1), "site.yaml")


def error_of(old: str, new: str) -> str:
    with pytest.raises(SiteError) as info:
        site_with(old, new)
    return str(info.value)


# -- site ------------------------------------------------------------------------------------


def test_example_site_two_links() -> None:
    site = load_site(TOPOLOGIES / "wamptcp.yaml")
    assert (site.mode, site.policy, site.primary_link, site.handoff) == (
        "vxlan", "wamptcp", 1, True)
    assert site.recovery_optimization is True
    assert (site.bfd.interval_ms, site.bfd.multiplier) == (100, 3)
    assert site.link_ids == (1, 2)
    assert site.wan_links[1] == WanLink(
        id=2, name="isp2", ipv4=ipaddress.IPv4Network("10.2.0.0/16"),
        ipv6=ipaddress.IPv6Network("fd00:2::/48"), vni=2,
        branch=Endpoint(2, ipaddress.IPv4Address("172.16.2.1"), "02:00:00:00:0b:02"),
        remote=Endpoint(2, ipaddress.IPv4Address("172.16.2.2"), "02:00:00:00:0c:02"),
        bw=10.0, delay="5ms", mtu=1600)
    assert site.wan_links[1].origin == f"{TOPOLOGIES / 'wamptcp.yaml'}:30"
    assert [(h.name, h.segment, h.mptcp) for h in site.hosts] == [
        ("h1", "lan1", True), ("hl", "lan2", False)]
    assert [(s.name, s.port, s.index) for s in site.segments] == [("lan1", 10, 0), ("lan2", 11, 1)]
    assert site.remote_lan.servers == (Server("srv", "00:00:00:00:64:0a"),)
    assert site.gateways["branch"].name == "gw_b"


def test_example_site_three_links() -> None:
    site = load_site(TOPOLOGIES / "wamptcp3.yaml")
    assert site.link_ids == (1, 2, 3)
    assert [link.bw for link in site.wan_links] == [10.0, 10.0, 10.0]
    assert site.link(3).branch.ip == ipaddress.IPv4Address("172.16.3.1")


def test_defaults() -> None:
    text = SITE.replace("mode: vxlan\npolicy: wamptcp\nrecovery_optimization: true\n", "")
    site = site_with(text=text)
    assert (site.mode, site.policy, site.primary_link, site.handoff,
            site.recovery_optimization) == ("vxlan", "wamptcp", 1, True, False)
    assert (site.segment_prefix_v4, site.segment_prefix_v6) == (24, 64)
    link = site.link(1)
    assert (link.name, link.vni, link.mtu, link.bw, link.delay) == ("link1", 1, 1600, None, None)
    assert (link.branch.port, link.remote.port) == (1, 1)
    assert site.hosts[0].mptcp is True
    assert site_with("mode: vxlan", "mode: direct").link(2).mtu == 1500


def test_priority_order() -> None:
    site = site_with("policy: wamptcp", "policy: priority\nprimary_link: 2")
    assert site.priority_order() == (2, 1)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("mode: vxlan", "mode: gre", "site.yaml:1: top level.mode: 'gre' is not one of vxlan, direct"),
    ("mode: vxlan", "mode: direct\nhandoff: true",
     "site.yaml:2: top level.handoff: tunnel handoff needs mode: vxlan (with direct routing, "
     "replies come back by the link of the source address)"),
    ("policy: wamptcp", "polcy: wamptcp",
     "site.yaml:2: top level: unknown key 'polcy'; allowed: mode, policy, primary_link, handoff, "
     "recovery_optimization, bfd, segment_prefix, gateways, wan_links, lan, remote_lan"),
    ("recovery_optimization: true", "recovery_optimization: yes please",
     "site.yaml:3: top level.recovery_optimization: 'yes please' is not true or false"),
    ('lan_mac: "02:00:00:00:0b:00"', 'lan_mac: "02:00:00:00:0b"',
     "site.yaml:5: gateways.branch.lan_mac: '02:00:00:00:0b' is not a MAC address like "
     "02:00:00:00:01:01"),
    ('lan_mac: "02:00:00:00:0c:00"', 'lan_mac: "03:00:00:00:0c:00"',
     "site.yaml:6: gateways.remote.lan_mac: 03:00:00:00:0c:00 is a multicast MAC"),
    ("  - id: 2", "  - id: 16",
     "site.yaml:13: wan_links[1].id: 16 is not an integer in 1..15"),
    ("  - id: 2", "  - id: 1", "site.yaml:13: WAN link id 1 is already used at site.yaml:8"),
    ("ipv4: 10.2.0.0/16", "ipv4: 10.2.0.1/16",
     "site.yaml:14: wan_links[1].ipv4: '10.2.0.1/16' is not an IPv4 prefix with its host bits "
     "clear, e.g. 10.1.0.0/16"),
    ("branch: {ip: 172.16.2.1,", "branch: {port: 255, ip: 172.16.2.1,",
     "site.yaml:16: wan_links[1].branch.port: port 255 is the CPU port"),
    ("branch: {ip: 172.16.2.1,", "branch: {port: 10, ip: 172.16.2.1,",
     "site.yaml:20: branch gateway port 10 is already used at site.yaml:13"),
    ("branch: {ip: 172.16.2.1,", "branch: {ip: 172.16.1.1,",
     "site.yaml:13: tunnel endpoint address 172.16.1.1 is already used at site.yaml:8"),
    ('remote: {ip: 172.16.2.2, mac: "02:00:00:00:0c:02"}',
     'remote: {ip: 172.16.2.2, mac: "02:00:00:00:0c:01"}',
     "site.yaml:13: MAC 02:00:00:00:0c:01 is already used at site.yaml:8"),
    ("    ipv6: \"fd00:2::/48\"\n", "    ipv6: \"fd00:2::/48\"\n    mtu: 1540\n",
     "site.yaml:16: wan_links[1].mtu: 1540 leaves no room for the 50 bytes of VXLAN around "
     "1500-byte LAN frames (use >= 1550)"),
    ("segment: lan1", "segment: lan9",
     "site.yaml:22: lan.hosts[0].segment: unknown segment 'lan9'; segments: lan1"),
    ("{name: h1,", "{name: srv,", "site.yaml:28: node name srv is already used at site.yaml:22"),
    ("{name: h1,", "{name: h1-eth0,",
     "site.yaml:22: lan.hosts[0].name: 'h1-eth0' is not a name (a letter, then letters, "
     "digits or _; at most 10 characters)"),
    ("  port: 10\n  ipv4: 10.100", "  ipv4: 10.100",
     "site.yaml:24: remote_lan: port is required"),
    ("remote_lan:\n", "remote_lan:\n  port: 11\n",
     "site.yaml:25: duplicate key 'port'"),
    ("    - {name: srv", "    - {name: srv,, ",
     "site.yaml:28: not valid YAML: expected the node content, but found ','"),
    ("recovery_optimization: true", "primary_link: 3",
     "site.yaml:3: primary_link: 3 is not a WAN link id (1, 2)"),
    ("segment: lan1,", "segment: [lan1],",
     "site.yaml:22: lan.hosts[0].segment: ['lan1'] is not a name (a letter, then letters, "
     "digits or _; at most 10 characters)"),
    ("policy: wamptcp", "? [a]\n", "site.yaml:2: a key must be a plain value, not a list or "
     "mapping"),
])
def test_site_errors_say_where(old: str, new: str, message: str) -> None:
    assert error_of(old, new) == message


def test_any_wrong_value_is_a_site_or_plan_error() -> None:
    """Every value of the site replaced by values of other types or out of range: the only
    exceptions are SiteError and PlanError (the agent prints those as one line)."""
    values = re.compile(r"(\w+): ([^,{}\n#]+?)(?=[,}]|$)", re.MULTILINE)
    tried, refused = 0, 0
    for match in values.finditer(SITE):
        for other in ("[1]", "{a: 1}", "null", "-1", '"x"', "1.5", "[]"):
            text = SITE[:match.start(2)] + other + SITE[match.end(2):]
            tried += 1
            try:
                make_plan(parse_site(text, "site.yaml"))
            except (SiteError, PlanError):
                refused += 1
    assert (tried, refused) == (231, 227)  # accepted: "x" as a name where names are free


def test_unreadable_site_file(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match=r"nope\.yaml: cannot read: No such file"):
        load_site(tmp_path / "nope.yaml")


# -- plan ------------------------------------------------------------------------------------


def test_plan_of_the_two_link_example() -> None:
    site = load_site(TOPOLOGIES / "wamptcp.yaml")
    plan = make_plan(site)
    net4, net6 = ipaddress.IPv4Network, ipaddress.IPv6Network
    assert plan.subnets == (
        Subnet(1, "lan1", net4("10.1.0.0/24"), net6("fd00:1::/64")),
        Subnet(1, "lan2", net4("10.1.1.0/24"), net6("fd00:1:0:1::/64")),
        Subnet(2, "lan1", net4("10.2.0.0/24"), net6("fd00:2::/64")),
        Subnet(2, "lan2", net4("10.2.1.0/24"), net6("fd00:2:0:1::/64")),
    )
    if4, if6 = ipaddress.IPv4Interface, ipaddress.IPv6Interface
    assert plan.hosts == (
        HostAddress("h1", 1, if4("10.1.0.10/24"), if6("fd00:1::a/64")),
        HostAddress("h1", 2, if4("10.2.0.10/24"), if6("fd00:2::a/64")),
        HostAddress("hl", 1, if4("10.1.1.10/24"), if6("fd00:1:0:1::a/64")),
    )
    assert plan.servers == (HostAddress("srv", 0, if4("10.100.0.10/24"), if6("fd00:100::a/64")),)
    assert str(plan.subnet(2, "lan2").gateway_v4) == "10.2.1.1"
    assert str(plan.subnet(2, "lan2").gateway_v6) == "fd00:2:0:1::1"
    assert (str(plan.remote_gateway_v4), str(plan.remote_gateway_v6)) == (
        "10.100.0.1", "fd00:100::1")
    assert [s.link for s in plan.subnets_of_segment("lan1")] == [1, 2]
    assert [s.segment for s in plan.subnets_of_link(2)] == ["lan1", "lan2"]
    assert [a.link for a in plan.addresses("h1")] == [1, 2]


def test_plan_numbers_hosts_in_file_order_and_legacy_hosts_on_the_primary() -> None:
    site = site_with(
        '    - {name: h1, segment: lan1, mptcp: true, mac: "00:00:00:00:01:0a"}\n',
        '    - {name: h1, segment: lan1, mptcp: true, mac: "00:00:00:00:01:0a"}\n'
        '    - {name: h2, segment: lan1, mptcp: false, mac: "00:00:00:00:01:0b"}\n'
        '    - {name: h3, segment: lan1, mac: "00:00:00:00:01:0c"}\n'
        "primary_link: 2\n")
    plan = make_plan(site)
    assert [(a.host, a.link, str(a.ipv4), str(a.ipv6)) for a in plan.hosts] == [
        ("h1", 1, "10.1.0.10/24", "fd00:1::a/64"), ("h1", 2, "10.2.0.10/24", "fd00:2::a/64"),
        ("h2", 2, "10.2.0.11/24", "fd00:2::b/64"),
        ("h3", 1, "10.1.0.12/24", "fd00:1::c/64"), ("h3", 2, "10.2.0.12/24", "fd00:2::c/64"),
    ]


def test_plan_segment_index_picks_the_subnet() -> None:
    site = site_with("{name: lan1, port: 10, index: 0}", "{name: lan1, port: 10, index: 255}")
    plan = make_plan(site)
    assert [str(s.ipv4) for s in plan.subnets] == ["10.1.255.0/24", "10.2.255.0/24"]
    assert [str(s.ipv6) for s in plan.subnets] == ["fd00:1:0:ff::/64", "fd00:2:0:ff::/64"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("ipv4: 10.2.0.0/16", "ipv4: 10.1.128.0/17",
     "site.yaml:13: link link2 address space 10.1.128.0/17 overlaps "
     "site.yaml:8: link link1 address space 10.1.0.0/16"),
    ('ipv6: "fd00:100::/64"', 'ipv6: "fd00:2:0:5::/64"',
     "site.yaml:23: remote_lan fd00:2:0:5::/64 overlaps "
     "site.yaml:13: link link2 address space fd00:2::/48"),
    ("remote: {ip: 172.16.2.2,", "remote: {ip: 10.100.0.77,",
     "site.yaml:13: link link2 remote tunnel endpoint 10.100.0.77/32 overlaps "
     "site.yaml:23: remote_lan 10.100.0.0/24"),
    ("ipv4: 10.2.0.0/16", "ipv4: 10.2.0.0/25",
     "site.yaml:13: link link2: address space 10.2.0.0/25 is smaller than one /24 segment subnet"),
    ("{name: lan1, port: 10, index: 0}", "{name: lan1, port: 10, index: 256}",
     "site.yaml:20: segment index 256 does not fit: 10.1.0.0/16 holds 256 /24 subnets "
     "(indices 0..255)"),
    ("remote_lan:\n", "segment_prefix: {ipv4: 29}\nremote_lan:\n",
     "site.yaml:20: segment lan1: 1 hosts need host numbers 10..10, but 10.1.0.0/29 ends at 6"),
    ("ipv4: 10.100.0.0/24", "ipv4: 10.100.0.0/29",
     "site.yaml:23: remote_lan: 1 hosts need host numbers 10..10, but 10.100.0.0/29 ends at 6"),
])
def test_plan_errors(old: str, new: str, message: str) -> None:
    with pytest.raises(PlanError) as info:
        make_plan(site_with(old, new))
    assert str(info.value) == message


def test_plan_host_room_at_the_boundary() -> None:
    hosts = "".join(f'    - {{name: h{i}, segment: lan1, mac: "00:00:00:00:01:{i:02x}"}}\n'
                    for i in range(1, 6))
    text = SITE.replace('    - {name: h1, segment: lan1, mptcp: true, mac: "00:00:00:00:01:0a"}\n',
                        hosts).replace("remote_lan:\n", "segment_prefix: {ipv4: 28}\nremote_lan:\n")
    plan = make_plan(parse_site(text, "site.yaml"))  # host numbers 10..14 of a /28 (15 = bcast)
    assert str(plan.hosts[-1].ipv4) == "10.2.0.14/28"
    more = text.replace("remote_lan:\n", "remote_lan:\n", 1).replace(
        '    - {name: h5, segment: lan1, mac: "00:00:00:00:01:05"}\n',
        '    - {name: h5, segment: lan1, mac: "00:00:00:00:01:05"}\n'
        '    - {name: h6, segment: lan1, mac: "00:00:00:00:01:06"}\n')
    with pytest.raises(PlanError, match="6 hosts need host numbers 10..15, but 10.1.0.0/28 "
                       "ends at 14"):
        make_plan(parse_site(more, "site.yaml"))


def test_plan_checks_ipv6_room_too() -> None:
    """A /17 IPv4 segment has room for hundreds of hosts, a /120 IPv6 one for 10..255."""
    def site_of(count: int) -> str:
        hosts = "".join(f'    - {{name: h{i}, segment: lan1, mac: "00:00:00:01:00:{i:02x}"}}\n'
                        for i in range(1, count + 1))
        return SITE.replace(
            '    - {name: h1, segment: lan1, mptcp: true, mac: "00:00:00:00:01:0a"}\n', hosts
        ).replace("remote_lan:\n", "segment_prefix: {ipv4: 17, ipv6: 120}\nremote_lan:\n")
    plan = make_plan(parse_site(site_of(246), "site.yaml"))
    assert str(plan.hosts[-1].ipv6) == "fd00:2::ff/120"
    with pytest.raises(PlanError, match=r"^site.yaml:20: segment lan1: 247 hosts need host "
                       r"numbers 10..256, but fd00:1::/120 ends at 255$"):
        make_plan(parse_site(site_of(247), "site.yaml"))


# -- entries ---------------------------------------------------------------------------------

B_LAN, R_LAN = "02:00:00:00:0b:00", "02:00:00:00:0c:00"
H1, SRV = "00:00:00:00:01:0a", "00:00:00:00:64:0a"


def set_link(table: str, field: str, value: str, link: int) -> Entry:
    return Entry.of(table, {field: value}, E.SET_LINK, {"link": link})


def encap(link: int, role: str) -> Entry:
    own, peer = ("b", "c") if role == "branch" else ("c", "b")
    own_ip, peer_ip = (1, 2) if role == "branch" else (2, 1)
    return Entry.of(E.WAN_LINK, {E.LINK: link}, E.VXLAN_ENCAP, {
        "port": link, "src_mac": f"02:00:00:00:0{own}:0{link}",
        "dst_mac": f"02:00:00:00:0{peer}:0{link}", "src_ip": f"172.16.{link}.{own_ip}",
        "dst_ip": f"172.16.{link}.{peer_ip}", "vni": link})


def per_link(role: str) -> list[Entry]:
    own_ip, peer_ip, own = (1, 2, "b") if role == "branch" else (2, 1, "c")
    result = []
    for link in (1, 2):
        result += [
            Entry.of(E.GATEWAY_ARP, {E.ARP_TPA: f"172.16.{link}.{own_ip}"}, E.ARP_REPLY,
                     {"mac": f"02:00:00:00:0{own}:0{link}"}),
            Entry.of(E.BFD, {E.INGRESS_PORT: link, E.IPV4_DST: f"172.16.{link}.{own_ip}"},
                     E.BFD_TO_CPU),
            Entry.of(E.BFD, {E.INGRESS_PORT: link, E.IPV4_DST: f"172.16.{link}.{peer_ip}"},
                     E.BFD_REFLECT),
            Entry.of(E.LOCAL_VTEP, {E.IPV4_DST: f"172.16.{link}.{own_ip}"}, E.VXLAN_DECAP),
        ]
    return result


def buckets(links: list[int]) -> list[Entry]:
    return [Entry.of(E.HANDOFF, {E.BUCKET: b}, E.SET_LINK, {"link": link})
            for b, link in enumerate(links)]


def to_lan(v4: str, v6: str, dst_mac: str, lan_mac: str) -> list[Entry]:
    """The host routes of one address pair to a LAN host on port 10."""
    params = {"port": 10, "src_mac": lan_mac, "dst_mac": dst_mac}
    return [Entry.of(E.ROUTE_V4, {E.IPV4_DST: v4}, E.TO_LAN, params),
            Entry.of(E.ROUTE_V6, {E.IPV6_DST: v6}, E.TO_LAN, params)]


def answers(v4: str, v6: str, lan_mac: str) -> list[Entry]:
    """ARP and NDP answers for a gateway address pair."""
    return [Entry.of(E.GATEWAY_ARP, {E.ARP_TPA: v4}, E.ARP_REPLY, {"mac": lan_mac}),
            Entry.of(E.GATEWAY_NDP, {E.NDP_TARGET: v6}, E.NDP_REPLY, {"mac": lan_mac})]


def wan_and_ports(role: str) -> list[Entry]:
    """What both roles end with: the per-link entries, then the port roles (WAN 1, 2, LAN 10)."""
    return [*per_link(role),
            Entry.of(E.PORT_ROLE, {E.INGRESS_PORT: 1}, E.WAN_PORT, {"link": 1}),
            Entry.of(E.PORT_ROLE, {E.INGRESS_PORT: 2}, E.WAN_PORT, {"link": 2}),
            Entry.of(E.PORT_ROLE, {E.INGRESS_PORT: 10}, E.LAN_PORT)]


def test_branch_entries_exact() -> None:
    site = site_with()
    plan = make_plan(site)
    arp1, ndp1 = answers("10.1.0.1", "fd00:1::1", B_LAN)
    arp2, ndp2 = answers("10.2.0.1", "fd00:2::1", B_LAN)
    assert gateway_entries(site, plan, "branch", TableState(
        frozenset({1, 2}), (1, 2) * 32, (1, 2))) == [
        encap(1, "branch"), encap(2, "branch"),
        *buckets([1, 2] * 32),
        set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.1.0.0/24", 1),
        set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:1::/64", 1),
        set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.2.0.0/24", 2),
        set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:2::/64", 2),
        *to_lan("10.1.0.10/32", "fd00:1::a/128", H1, B_LAN),
        *to_lan("10.2.0.10/32", "fd00:2::a/128", H1, B_LAN),
        arp1, arp2, ndp1, ndp2,
        *wan_and_ports("branch"),
    ]


def test_remote_entries_exact() -> None:
    site = site_with()
    plan = make_plan(site)
    assert GatewayTables(site, plan, "remote").install() == [
        encap(1, "remote"), encap(2, "remote"),
        *buckets([1, 2] * 32),
        set_link(E.ROUTE_V4, E.IPV4_DST, "10.1.0.0/24", 1),
        set_link(E.ROUTE_V6, E.IPV6_DST, "fd00:1::/64", 1),
        set_link(E.ROUTE_V4, E.IPV4_DST, "10.2.0.0/24", 2),
        set_link(E.ROUTE_V6, E.IPV6_DST, "fd00:2::/64", 2),
        *to_lan("10.100.0.10/32", "fd00:100::a/128", SRV, R_LAN),
        *answers("10.100.0.1", "fd00:100::1", R_LAN),
        *wan_and_ports("remote"),
    ]


def test_handoff_defaults_on_with_vxlan_and_off_with_direct_routing() -> None:
    assert site_with().handoff is True
    assert site_with("mode: vxlan", "mode: direct").handoff is False
    assert site_with("mode: vxlan", "mode: vxlan\nhandoff: false").handoff is False


def test_direct_mode_and_no_handoff() -> None:
    site = site_with("mode: vxlan", "mode: direct")
    entries = GatewayTables(site, make_plan(site), "branch").install()
    assert entries[:2] == [
        Entry.of(E.WAN_LINK, {E.LINK: 1}, E.DIRECT,
                 {"port": 1, "src_mac": "02:00:00:00:0b:01", "dst_mac": "02:00:00:00:0c:01"}),
        Entry.of(E.WAN_LINK, {E.LINK: 2}, E.DIRECT,
                 {"port": 2, "src_mac": "02:00:00:00:0b:02", "dst_mac": "02:00:00:00:0c:02"}),
    ]
    tables = {entry.table for entry in entries}
    assert E.HANDOFF not in tables and E.LOCAL_VTEP not in tables
    assert len(entries) == 89 - 64 - 2  # the VXLAN site minus buckets and local_vtep


def test_gateway_role_is_checked() -> None:
    site = site_with()
    with pytest.raises(ValueError, match="role must be one of branch, remote, not 'spoke'"):
        GatewayTables(site, make_plan(site), "spoke")


LINK1_DOWN = Entry.of(E.WAN_LINK, {E.LINK: 1}, E.LINK_DOWN)


def test_failover_and_recovery_with_ro_branch() -> None:
    site = site_with()
    tables = GatewayTables(site, make_plan(site), "branch")
    installed = tables.install()
    down = tables.down(1)
    assert down == [
        LINK1_DOWN,
        *[Entry.of(E.HANDOFF, {E.BUCKET: b}, E.SET_LINK, {"link": 2}) for b in range(0, 64, 2)],
        set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.1.0.0/24", 2),
        set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:1::/64", 2),
    ]
    assert tables.down(1) == []  # already down: nothing to write
    up = tables.up(1)
    assert up == [encap(1, "branch"),
                  *buckets([1] * 64)[0::2],
                  set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.1.0.0/24", 1),
                  set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:1::/64", 1)]
    assert tables.install() == installed


def test_failover_with_ro_remote_moves_the_return_route() -> None:
    site = site_with()
    tables = GatewayTables(site, make_plan(site), "remote")
    down = tables.down(2)
    assert down[0] == Entry.of(E.WAN_LINK, {E.LINK: 2}, E.LINK_DOWN)
    assert down[-2:] == [set_link(E.ROUTE_V4, E.IPV4_DST, "10.2.0.0/24", 1),
                         set_link(E.ROUTE_V6, E.IPV6_DST, "fd00:2::/64", 1)]
    assert len(down) == 1 + 32 + 2


def test_failover_without_ro_keeps_source_steering() -> None:
    site = site_with("recovery_optimization: true", "recovery_optimization: false")
    tables = GatewayTables(site, make_plan(site), "branch")
    down = tables.down(1)
    assert {entry.table for entry in down} == {E.WAN_LINK, E.HANDOFF}
    assert len(down) == 33
    assert len(tables.up(1)) == 33


def test_handoff_stickiness_three_links() -> None:
    site = load_site(TOPOLOGIES / "wamptcp3.yaml")
    tables = GatewayTables(site, make_plan(site), "branch")
    home = tables.state.buckets
    assert home == (1, 2, 3) * 21 + (1,)
    tables.down(2)
    after = tables.state.buckets
    # only link 2's buckets moved, alternately to 1 and 3; no other flow moves
    assert all(a == h for a, h in zip(after, home, strict=True) if h != 2)
    assert [after[b] for b in range(1, 64, 3)] == [1, 3] * 10 + [1]
    # RO: link 2's subnets (lan1, lan2) go to the live links round-robin
    assert tables.state.steer == (1, 1, 1, 3, 3, 3)
    tables.down(1)
    assert set(tables.state.buckets) == {3} and set(tables.state.steer) == {3}
    tables.up(2)  # link 2's buckets come home; link 1's stay on 3, where they were spread
    assert [tables.state.buckets[b] for b in range(1, 64, 3)] == [2] * 21
    assert [tables.state.buckets[b] for b in range(0, 64, 3)] == [3] * 22
    tables.up(1)
    assert tables.state.buckets == home
    assert tables.state.steer == (1, 1, 2, 2, 3, 3)


def test_all_links_down_then_one_up_rescues_stranded_buckets() -> None:
    site = site_with()
    tables = GatewayTables(site, make_plan(site), "branch")
    tables.down(1)
    tables.down(2)  # nowhere to go: link 2's buckets stay (dropped by link_down)
    assert tables.state.buckets == (2,) * 64
    tables.up(1)
    assert tables.state.buckets == (1,) * 64
    assert tables.state.steer == (1, 1)
    tables.up(2)
    assert tables.state.buckets == (1, 2) * 32


def test_priority_policy_primary_with_backups() -> None:
    site = site_with(text=(TOPOLOGIES / "wamptcp3.yaml").read_text().replace(
        "policy: wamptcp ", "policy: priority").replace("primary_link: 1", "primary_link: 2"))
    tables = GatewayTables(site, make_plan(site), "branch")
    assert tables.state.buckets == (2,) * 64
    down = tables.down(2)
    assert [e for e in down if e.table == E.HANDOFF] == buckets([1] * 64)
    assert tables.down(3) == [Entry.of(E.WAN_LINK, {E.LINK: 3}, E.LINK_DOWN),
                              set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.2.1.0/24", 1),
                              set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:2:0:1::/64", 1),
                              set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.3.0.0/24", 1),
                              set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:3::/64", 1),
                              set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.3.1.0/24", 1),
                              set_link(E.SRC_STEER_V6, E.IPV6_SRC, "fd00:3:0:1::/64", 1)]
    tables.up(3)
    assert tables.state.buckets == (1,) * 64  # backups in id order: 1 before 3
    tables.up(2)
    assert tables.state.buckets == (2,) * 64


# -- P4Runtime messages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def codec(tmp_path_factory: pytest.TempPathFactory):
    program = ROOT / "p4src" / "wamptcp_gateway.p4"
    from controller.entities import Codec
    from controller.schema import P4Schema
    from p4sim.compiler import compile_file, write_outputs

    out = tmp_path_factory.mktemp("wamptcp")
    write_outputs(compile_file(program, [ROOT / "p4src" / "include"]), out)
    return Codec(P4Schema.load(out / "wamptcp_gateway.p4info.txtpb"))


def test_updates_are_exact_p4runtime_messages(codec) -> None:
    from p4.v1 import p4runtime_pb2

    schema = codec.schema
    table = schema.table(E.SRC_STEER_V4)
    action = schema.actions[E.SET_LINK]
    [update] = E.to_updates(codec, [set_link(E.SRC_STEER_V4, E.IPV4_SRC, "10.2.0.0/24", 2)],
                            "MODIFY")
    expected = p4runtime_pb2.Update(type=p4runtime_pb2.Update.MODIFY)
    entry = expected.entity.table_entry
    entry.table_id = table.preamble.id
    entry.match.add(field_id=1).lpm.CopyFrom(
        p4runtime_pb2.FieldMatch.LPM(value=bytes([10, 2, 0, 0]), prefix_len=24))
    entry.action.action.action_id = action.preamble.id
    entry.action.action.params.add(param_id=1, value=b"\x02")
    assert update == expected

    [encap_update] = E.to_updates(codec, [encap(1, "branch")])
    params = [(p.param_id, p.value) for p in encap_update.entity.table_entry.action.action.params]
    assert encap_update.type == p4runtime_pb2.Update.INSERT
    assert params == [(1, b"\x01"), (2, bytes.fromhex("02000000 0b01")),
                      (3, bytes.fromhex("020000000c01")), (4, bytes([172, 16, 1, 1])),
                      (5, bytes([172, 16, 1, 2])), (6, b"\x01")]
    [bfd] = E.to_updates(codec, [per_link("branch")[1]], "DELETE")
    assert [(m.field_id, m.exact.value) for m in bfd.entity.table_entry.match] == [
        (1, b"\x01"), (2, bytes([172, 16, 1, 1]))]
    assert not bfd.entity.table_entry.HasField("action")


def test_every_entry_encodes(codec) -> None:
    site = load_site(TOPOLOGIES / "wamptcp3.yaml")
    plan = make_plan(site)
    for role in ("branch", "remote"):
        tables = GatewayTables(site, plan, role)
        assert len(E.to_updates(codec, tables.install())) == len(tables.install())
        assert E.to_updates(codec, tables.down(1), "MODIFY")

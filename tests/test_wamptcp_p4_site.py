"""The test site shared by the WaMPTCP gateway packet tests (tests/test_wamptcp_p4_*.py).

Holds no tests. It describes one branch gateway and one remote gateway joined by two WAN
links, installs their table entries over P4Runtime with the control-plane names described
in the header comment of p4src/wamptcp_gateway.p4 (the same kinds of entries
controller/wamptcp/entries.py writes, BFD echo addressing included), and builds the packets
the tests expect. Expected packets are built with Scapy from that interface description
(VXLAN fields, RFC 826/4861 replies, CRC-16/ARC buckets), never from the P4 code, so a test
fails when the program and the description disagree.

The switches themselves come from tests/wamptcp_gateway_fixtures.py. Ports stay within 0..4
so that the same tests run on BMv2's veth pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from checksums import crc16_arc
from p4.v1 import p4runtime_pb2
from scapy.contrib.bfd import BFD
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import Packet, Raw

from harness.session import SwitchUnderTest

PROGRAM = Path(__file__).resolve().parent.parent / "p4src" / "wamptcp_gateway.p4"
N_BUCKETS = 64
VXLAN_SPORT_BASE = 49152
BFD_SPORT_BASE = 49152   # the monitor's probes leave from 49152 + link id

UNKNOWN_PORT = 0   # no port_role entry
LAN_PORT = 3       # h1 (MPTCP client) at the branch, the server at the remote gateway
LEGACY_PORT = 4    # hl (legacy client) at the branch

BRANCH_LAN_MAC = "02:00:00:00:0b:00"
REMOTE_LAN_MAC = "02:00:00:00:0c:00"
H1_MAC = "00:00:00:00:01:01"
HL_MAC = "00:00:00:00:01:02"
SRV_MAC = "00:00:00:00:09:10"

# WaMPTCP subnet plan: one address space per WAN link, one subnet per LAN segment in each.
SPACE_V4 = {1: "10.1.0.0/16", 2: "10.2.0.0/16"}
SPACE_V6 = {1: "2001:db8:1::/48", 2: "2001:db8:2::/48"}
H1_V4 = {1: "10.1.1.10", 2: "10.2.1.10"}
H1_V6 = {1: "2001:db8:1:1::10", 2: "2001:db8:2:1::10"}
HL_V4 = "10.1.1.20"
BRANCH_GW_V4 = ("10.1.1.1", "10.2.1.1")
BRANCH_GW_V6 = ("2001:db8:1:1::1", "2001:db8:2:1::1")
SRV_V4 = "10.9.0.10"
SRV_V6 = "2001:db8:9::10"
REMOTE_GW_V4 = "10.9.0.1"
REMOTE_GW_V6 = "2001:db8:9::1"

ROLES = ("branch", "remote")


@dataclass(frozen=True)
class End:
    """One gateway's end of a WAN link."""

    mac: str
    ip: str


@dataclass(frozen=True)
class Link:
    """One WAN link: port `port` on both gateways, the two tunnel ends and the VNI."""

    port: int
    branch: End
    remote: End
    vni: int

    def ends(self, role: str) -> tuple[End, End]:
        """(own end, peer end) as seen by the gateway in `role`."""
        return (self.branch, self.remote) if role == "branch" else (self.remote, self.branch)


LINKS = {
    1: Link(1, End("02:00:00:00:b1:01", "192.0.2.1"), End("02:00:00:00:c1:01", "192.0.2.2"),
            1001),
    2: Link(2, End("02:00:00:00:b2:02", "198.51.100.1"),
            End("02:00:00:00:c2:02", "198.51.100.2"), 1002),
}


def handoff_link(bucket: int) -> int:
    """The tunnel-handoff plan of the test site: even buckets on link 1, odd ones on link 2."""
    return 1 + bucket % 2


def other(link: int) -> int:
    """The other of the site's two links."""
    return 3 - link


# ---- table entries ----

def add(sut: SwitchUnderTest, table: str, match: dict, action: str,
        params: dict | None = None) -> None:
    sut.conn.insert_table_entry(f"MyIngress.{table}", match, f"MyIngress.{action}", params)


def wan_link_entry(link: int, mode: str, role: str) -> tuple[str, dict]:
    """The wan_link action and parameters of `link` in `mode` ('vxlan' or 'direct')."""
    own, peer = LINKS[link].ends(role)
    params: dict = {"port": LINKS[link].port, "src_mac": own.mac, "dst_mac": peer.mac}
    if mode == "direct":
        return "direct", params
    return "vxlan_encap", {**params, "src_ip": own.ip, "dst_ip": peer.ip,
                           "vni": LINKS[link].vni}


def set_link_up(sut: SwitchUnderTest, link: int, up: bool, role: str = "branch",
                mode: str = "vxlan") -> None:
    """What the controller does on a BFD down / up event: wan_link[link] -> link_down, or
    back to its forwarding action."""
    action, params = wan_link_entry(link, mode, role) if up else ("link_down", None)
    sut.conn.modify_table_entry("MyIngress.wan_link", {"meta.link": link},
                                f"MyIngress.{action}", params)


def set_handoff(sut: SwitchUnderTest, plan: dict[int, int], *, modify: bool = False) -> None:
    """Write handoff[bucket] = set_link(link) for every bucket of `plan`, in one batch."""
    kind = p4runtime_pb2.Update.MODIFY if modify else p4runtime_pb2.Update.INSERT
    sut.conn.write([
        p4runtime_pb2.Update(type=kind, entity=p4runtime_pb2.Entity(
            table_entry=sut.conn.codec.table_entry(
                "MyIngress.handoff", {"meta.bucket": bucket}, "MyIngress.set_link",
                {"link": link})))
        for bucket, link in plan.items()
    ])


def install_wan(sut: SwitchUnderTest, role: str, mode: str) -> None:
    """What both roles have per WAN link: the port, ARP for the own WAN address, BFD echo
    (own probes back to the CPU, the peer's reflected), VXLAN termination, the link's
    action, and the handoff plan."""
    for link, spec in LINKS.items():
        own, peer = spec.ends(role)
        add(sut, "port_role", {"standard_metadata.ingress_port": spec.port}, "wan_port",
            {"link": link})
        add(sut, "gateway_arp", {"hdr.arp.tpa": own.ip}, "arp_reply", {"mac": own.mac})
        for address, action in ((own.ip, "bfd_to_cpu"), (peer.ip, "bfd_reflect")):
            add(sut, "bfd", {"standard_metadata.ingress_port": spec.port,
                             "hdr.ipv4.dstAddr": address}, action)
        if mode == "vxlan":
            add(sut, "local_vtep", {"hdr.ipv4.dstAddr": own.ip}, "vxlan_decap")
        add(sut, "wan_link", {"meta.link": link}, *wan_link_entry(link, mode, role))
    set_handoff(sut, {bucket: handoff_link(bucket) for bucket in range(N_BUCKETS)})


def install_branch(sut: SwitchUnderTest, mode: str = "vxlan") -> None:
    """Branch role: source-subnet steering, host routes, gateway ARP/NDP on the LAN."""
    install_wan(sut, "branch", mode)
    for port in (LAN_PORT, LEGACY_PORT):
        add(sut, "port_role", {"standard_metadata.ingress_port": port}, "lan_port")
    to_h1 = {"port": LAN_PORT, "src_mac": BRANCH_LAN_MAC, "dst_mac": H1_MAC}
    for link in LINKS:
        add(sut, "src_steer_v4", {"hdr.ipv4.srcAddr": SPACE_V4[link]}, "set_link",
            {"link": link})
        add(sut, "src_steer_v6", {"hdr.ipv6.srcAddr": SPACE_V6[link]}, "set_link",
            {"link": link})
        add(sut, "route_v4", {"hdr.ipv4.dstAddr": f"{H1_V4[link]}/32"}, "to_lan", to_h1)
        add(sut, "route_v6", {"hdr.ipv6.dstAddr": f"{H1_V6[link]}/128"}, "to_lan", to_h1)
    add(sut, "route_v4", {"hdr.ipv4.dstAddr": f"{HL_V4}/32"}, "to_lan",
        {"port": LEGACY_PORT, "src_mac": BRANCH_LAN_MAC, "dst_mac": HL_MAC})
    for address in BRANCH_GW_V4:
        add(sut, "gateway_arp", {"hdr.arp.tpa": address}, "arp_reply", {"mac": BRANCH_LAN_MAC})
    for address in BRANCH_GW_V6:
        add(sut, "gateway_ndp", {"hdr.ndp.target_addr": address}, "ndp_reply",
            {"mac": BRANCH_LAN_MAC})


def install_remote(sut: SwitchUnderTest, mode: str = "vxlan") -> None:
    """Remote role: destination-based return path per address space, the server's routes,
    gateway ARP/NDP on its LAN."""
    install_wan(sut, "remote", mode)
    add(sut, "port_role", {"standard_metadata.ingress_port": LAN_PORT}, "lan_port")
    for link in LINKS:
        add(sut, "route_v4", {"hdr.ipv4.dstAddr": SPACE_V4[link]}, "set_link", {"link": link})
        add(sut, "route_v6", {"hdr.ipv6.dstAddr": SPACE_V6[link]}, "set_link", {"link": link})
    to_srv = {"port": LAN_PORT, "src_mac": REMOTE_LAN_MAC, "dst_mac": SRV_MAC}
    add(sut, "route_v4", {"hdr.ipv4.dstAddr": f"{SRV_V4}/32"}, "to_lan", to_srv)
    add(sut, "route_v6", {"hdr.ipv6.dstAddr": f"{SRV_V6}/128"}, "to_lan", to_srv)
    add(sut, "gateway_arp", {"hdr.arp.tpa": REMOTE_GW_V4}, "arp_reply", {"mac": REMOTE_LAN_MAC})
    add(sut, "gateway_ndp", {"hdr.ndp.target_addr": REMOTE_GW_V6}, "ndp_reply",
        {"mac": REMOTE_LAN_MAC})



# ---- packets ----

def bucket_of(src: str, dst: str, proto: int, sport: int = 0, dport: int = 0) -> int:
    """The handoff bucket of a flow: crc16 over (src, dst, protocol, ports) mod 64."""
    data = (ip_address(src).packed + ip_address(dst).packed + bytes([proto])
            + sport.to_bytes(2, "big") + dport.to_bytes(2, "big"))
    return crc16_arc(data) % N_BUCKETS


def from_lan(src_mac: str = H1_MAC, dst_mac: str = BRANCH_LAN_MAC) -> Ether:
    return Ether(src=src_mac, dst=dst_mac)


def from_server() -> Ether:
    return from_lan(SRV_MAC, REMOTE_LAN_MAC)


def ip_layer(src: str, dst: str, **fields) -> Packet:
    """IPv4 or IPv6 by the address family; `ttl` means the hop limit for IPv6."""
    if ":" in src:
        if "ttl" in fields:
            fields["hlim"] = fields.pop("ttl")
        return IPv6(src=src, dst=dst, **fields)
    return IP(src=src, dst=dst, **fields)


def tcp_frame(src: str, dst: str, sport: int = 40000, dport: int = 5001,
              options: bytes = b"", payload: bytes = b"wamptcp payload",
              data_offset: int | None = None, ether: Ether | None = None, **ip_fields) -> Ether:
    """A TCP segment whose option area is `options`, raw bytes (any content, also malformed),
    so the checksum and data offset are computed by Scapy from exactly these bytes."""
    offset = data_offset if data_offset is not None else 5 + len(options) // 4
    segment = TCP(sport=sport, dport=dport, flags="S", seq=1000, dataofs=offset)
    frame = (ether or from_lan()) / ip_layer(src, dst, **ip_fields) / segment
    return Ether(bytes(frame / Raw(options + payload)))


def udp_frame(src: str, dst: str, sport: int = 5000, dport: int = 6000,
              payload: bytes = b"udp payload", ether: Ether | None = None) -> Ether:
    datagram = UDP(sport=sport, dport=dport) / payload
    return Ether(bytes((ether or from_lan()) / ip_layer(src, dst) / datagram))


# TCP options as raw bytes. MPTCP (RFC 8684): kind 30, length, subtype in the high nibble.
MP_CAPABLE = bytes([30, 12, 0x01, 0x81]) + bytes.fromhex("0123456789abcdef")  # v1 SYN
MP_JOIN = bytes([30, 12, 0x10, 0x00]) + bytes.fromhex("deadbeef") + bytes.fromhex("01020304")
DSS = bytes([30, 8, 0x20, 0x01]) + bytes.fromhex("00001000")                  # data ACK
MSS = bytes([2, 4, 0x05, 0xB4])
SACK_PERMITTED = bytes([4, 2])
TIMESTAMPS = bytes([8, 10]) + bytes(range(1, 9))
WSCALE = bytes([3, 3, 7])
NOP = bytes([1])
EOL = bytes([0])


def option_area(*options: bytes) -> bytes:
    """Options back to back, padded with EOL to a multiple of 4 bytes."""
    area = b"".join(options)
    return area + EOL * (-len(area) % 4)


def frame_bucket(frame: Ether) -> int:
    """The handoff bucket of a TCP/UDP frame as built by tcp_frame/udp_frame."""
    layer = frame[IP] if IP in frame else frame[IPv6]
    l4 = frame[TCP] if TCP in frame else frame[UDP]
    return bucket_of(layer.src, layer.dst, 6 if TCP in frame else 17, l4.sport, l4.dport)


def vxlan_frame(inner: bytes, link: int, bucket: int, *, sender: str = "branch") -> Ether:
    """`inner` as it leaves the `sender` gateway on `link` in VXLAN mode (outer IPv4 TTL 64,
    DF, id 0, UDP source port 49152 + bucket with checksum 0, VXLAN I flag, the link's VNI)."""
    own, peer = LINKS[link].ends(sender)
    outer = (Ether(src=own.mac, dst=peer.mac)
             / IP(src=own.ip, dst=peer.ip, id=0, flags="DF", ttl=64)
             / UDP(sport=VXLAN_SPORT_BASE + bucket, dport=4789, chksum=0)
             / VXLAN(flags=0x08, vni=LINKS[link].vni) / Raw(inner))
    return Ether(bytes(outer))


def bfd_echo(link: int, sender: str, *, reflected: bool = False, my_disc: int = 7,
             src_ip: str | None = None) -> Ether:
    """A BFD control packet of `sender`'s link monitor on `link` with echo addressing (IPv4
    source and destination: the sender's own WAN address, see controller/wamptcp/monitor.py),
    as it leaves the sender, or as the peer reflects it (`reflected`: MACs and IPv4 addresses
    swapped). `src_ip` replaces the source address, so that a swap of distinct addresses
    shows."""
    own, peer = LINKS[link].ends(sender)
    macs, ips = (own.mac, peer.mac), (src_ip or own.ip, own.ip)
    if reflected:
        macs, ips = macs[::-1], ips[::-1]
    return Ether(bytes(
        Ether(src=macs[0], dst=macs[1]) / IP(src=ips[0], dst=ips[1], ttl=255, id=4242)
        / UDP(sport=BFD_SPORT_BASE + link, dport=3784)
        / BFD(my_discriminator=my_disc, your_discriminator=0, sta=1)))


def routed(frame: Ether, src_mac: str, dst_mac: str) -> Ether:
    """`frame` forwarded by an IP router: new MACs, TTL/hop limit - 1, IPv4 checksum."""
    out = frame.copy()
    out[Ether].src = src_mac
    out[Ether].dst = dst_mac
    if IP in out:
        out[IP].ttl -= 1
        out[IP].chksum = None
    else:
        out[IPv6].hlim -= 1
    return Ether(bytes(out))


def sports_on_link(src: str, dst: str, link: int, count: int = 1, *, proto: int = 6,
                   dport: int = 5001, first_sport: int = 40000) -> list[int]:
    """`count` source ports whose flow (src, dst, proto, sport, dport) hashes to a bucket
    that the test site's handoff plan gives to `link`."""
    ports: list[int] = []
    sport = first_sport
    while len(ports) < count:
        if handoff_link(bucket_of(src, dst, proto, sport, dport)) == link:
            ports.append(sport)
        sport += 1
    return ports


def send_expect_link(sut: SwitchUnderTest, frame: Ether, link: int, port: int = LAN_PORT,
                     *, sender: str = "branch") -> None:
    """`frame` enters from the LAN and must leave, unchanged inside VXLAN, on `link` only."""
    sut.send_packet(port, frame)
    sut.verify_packet(vxlan_frame(bytes(frame), link, frame_bucket(frame), sender=sender),
                      LINKS[link].port)
    sut.verify_no_other_packets()

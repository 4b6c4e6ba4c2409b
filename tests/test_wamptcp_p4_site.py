"""The test site shared by the WaMPTCP gateway packet tests (tests/test_wamptcp_p4_*.py).

Holds no tests. It describes one branch gateway and one remote gateway joined by two WAN
links, installs their table entries over P4Runtime with the control-plane names of
/tmp/wamptcp_api.md, and builds the packets the tests expect. Expected packets are built
with Scapy from the interface description (VXLAN fields, RFC 826/4861 replies, CRC-16/ARC
buckets), never from the P4 code, so a test fails when the program and the description
disagree.

Ports stay within 0..4 so that the same tests run on BMv2's veth pairs (tests/harness).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from p4.v1 import p4runtime_pb2
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import Packet, Raw

from harness.session import SwitchUnderTest, build_program, start_target

PROGRAM = Path(__file__).resolve().parent.parent / "p4src" / "wamptcp_gateway.p4"
N_BUCKETS = 64
VXLAN_SPORT_BASE = 49152

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


@dataclass(frozen=True)
class Link:
    """One WAN link: port `port` on both gateways, addresses of both tunnel ends."""

    port: int
    branch_mac: str
    remote_mac: str
    branch_ip: str
    remote_ip: str
    vni: int


LINKS = {
    1: Link(1, "02:00:00:00:b1:01", "02:00:00:00:c1:01", "192.0.2.1", "192.0.2.2", 1001),
    2: Link(2, "02:00:00:00:b2:02", "02:00:00:00:c2:02", "198.51.100.1", "198.51.100.2", 1002),
}


def handoff_link(bucket: int) -> int:
    """The tunnel-handoff plan of the test site: even buckets on link 1, odd ones on link 2."""
    return 1 + bucket % 2


# ---- switches ----

def build(kind: str, out_dir: Path) -> tuple[Path, Path]:
    """Compile the gateway once for a test module: (P4Info, device config)."""
    return build_program(PROGRAM, out_dir, kind)


@contextmanager
def gateway(kind: str, program: tuple[Path, Path]) -> Iterator[SwitchUnderTest]:
    """A fresh switch running the gateway with the pipeline pushed; closed afterwards."""
    target = start_target(kind)
    try:
        sut = SwitchUnderTest(target, *program)
    except BaseException:
        target.close()
        raise
    try:
        yield sut
    finally:
        sut.close()


def add(sut: SwitchUnderTest, table: str, match: dict, action: str,
        params: dict | None = None) -> None:
    sut.conn.insert_table_entry(f"MyIngress.{table}", match, f"MyIngress.{action}", params)


def wan_link_entry(link: int, mode: str, *, at_branch: bool) -> tuple[str, dict]:
    """The wan_link action and parameters for `link` in `mode` ('vxlan' or 'direct')."""
    spec = LINKS[link]
    own_mac, peer_mac = ((spec.branch_mac, spec.remote_mac) if at_branch
                         else (spec.remote_mac, spec.branch_mac))
    params: dict = {"port": spec.port, "src_mac": own_mac, "dst_mac": peer_mac}
    if mode == "direct":
        return "direct", params
    own_ip, peer_ip = ((spec.branch_ip, spec.remote_ip) if at_branch
                       else (spec.remote_ip, spec.branch_ip))
    return "vxlan_encap", {**params, "src_ip": own_ip, "dst_ip": peer_ip, "vni": spec.vni}


def install_branch(sut: SwitchUnderTest, mode: str = "vxlan") -> None:
    """Branch role: source-subnet steering, handoff buckets, BFD to the CPU."""
    add(sut, "port_role", {"standard_metadata.ingress_port": LAN_PORT}, "lan_port")
    add(sut, "port_role", {"standard_metadata.ingress_port": LEGACY_PORT}, "lan_port")
    for link, spec in LINKS.items():
        add(sut, "port_role", {"standard_metadata.ingress_port": spec.port}, "wan_port",
            {"link": link})
        add(sut, "bfd", {"standard_metadata.ingress_port": spec.port,
                         "hdr.ipv4.dstAddr": spec.branch_ip}, "bfd_to_cpu")
        add(sut, "local_vtep", {"hdr.ipv4.dstAddr": spec.branch_ip}, "vxlan_decap")
        add(sut, "src_steer_v4", {"hdr.ipv4.srcAddr": SPACE_V4[link]}, "set_link",
            {"link": link})
        add(sut, "src_steer_v6", {"hdr.ipv6.srcAddr": SPACE_V6[link]}, "set_link",
            {"link": link})
        add(sut, "wan_link", {"meta.link": link}, *wan_link_entry(link, mode, at_branch=True))
        add(sut, "route_v4", {"hdr.ipv4.dstAddr": f"{H1_V4[link]}/32"}, "to_lan",
            {"port": LAN_PORT, "src_mac": BRANCH_LAN_MAC, "dst_mac": H1_MAC})
        add(sut, "route_v6", {"hdr.ipv6.dstAddr": f"{H1_V6[link]}/128"}, "to_lan",
            {"port": LAN_PORT, "src_mac": BRANCH_LAN_MAC, "dst_mac": H1_MAC})
    add(sut, "route_v4", {"hdr.ipv4.dstAddr": f"{HL_V4}/32"}, "to_lan",
        {"port": LEGACY_PORT, "src_mac": BRANCH_LAN_MAC, "dst_mac": HL_MAC})
    for address in BRANCH_GW_V4:
        add(sut, "gateway_arp", {"hdr.arp.tpa": address}, "arp_reply", {"mac": BRANCH_LAN_MAC})
    for address in BRANCH_GW_V6:
        add(sut, "gateway_ndp", {"hdr.ndp.target_addr": address}, "ndp_reply",
            {"mac": BRANCH_LAN_MAC})
    set_handoff(sut, {bucket: handoff_link(bucket) for bucket in range(N_BUCKETS)})


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


def install_remote(sut: SwitchUnderTest, mode: str = "vxlan") -> None:
    """Remote role: tunnel termination, destination-based return path, BFD reflection."""
    add(sut, "port_role", {"standard_metadata.ingress_port": LAN_PORT}, "lan_port")
    for link, spec in LINKS.items():
        add(sut, "port_role", {"standard_metadata.ingress_port": spec.port}, "wan_port",
            {"link": link})
        add(sut, "bfd", {"standard_metadata.ingress_port": spec.port,
                         "hdr.ipv4.dstAddr": spec.remote_ip}, "bfd_reflect")
        add(sut, "local_vtep", {"hdr.ipv4.dstAddr": spec.remote_ip}, "vxlan_decap")
        add(sut, "route_v4", {"hdr.ipv4.dstAddr": SPACE_V4[link]}, "set_link", {"link": link})
        add(sut, "route_v6", {"hdr.ipv6.dstAddr": SPACE_V6[link]}, "set_link", {"link": link})
        add(sut, "wan_link", {"meta.link": link}, *wan_link_entry(link, mode, at_branch=False))
    add(sut, "route_v4", {"hdr.ipv4.dstAddr": f"{SRV_V4}/32"}, "to_lan",
        {"port": LAN_PORT, "src_mac": REMOTE_LAN_MAC, "dst_mac": SRV_MAC})
    add(sut, "route_v6", {"hdr.ipv6.dstAddr": f"{SRV_V6}/128"}, "to_lan",
        {"port": LAN_PORT, "src_mac": REMOTE_LAN_MAC, "dst_mac": SRV_MAC})
    add(sut, "gateway_arp", {"hdr.arp.tpa": REMOTE_GW_V4}, "arp_reply", {"mac": REMOTE_LAN_MAC})
    add(sut, "gateway_ndp", {"hdr.ndp.target_addr": REMOTE_GW_V6}, "ndp_reply",
        {"mac": REMOTE_LAN_MAC})


# ---- packets ----

def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC (poly 0x8005 reflected, init 0), BMv2's HashAlgorithm.crc16."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def bucket_of(src: str, dst: str, proto: int, sport: int = 0, dport: int = 0) -> int:
    """The handoff bucket of a flow: crc16 over (src, dst, protocol, ports) mod 64."""
    data = (ip_address(src).packed + ip_address(dst).packed + bytes([proto])
            + sport.to_bytes(2, "big") + dport.to_bytes(2, "big"))
    return crc16_arc(data) % N_BUCKETS


def from_lan(src_mac: str = H1_MAC, dst_mac: str = BRANCH_LAN_MAC) -> Ether:
    return Ether(src=src_mac, dst=dst_mac)


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


def flow_proto(frame: Ether) -> int:
    return 6 if TCP in frame else 17


def frame_bucket(frame: Ether) -> int:
    """The handoff bucket of a TCP/UDP frame as built by tcp_frame/udp_frame."""
    layer = frame[IP] if IP in frame else frame[IPv6]
    l4 = frame[TCP] if TCP in frame else frame[UDP]
    return bucket_of(layer.src, layer.dst, flow_proto(frame), l4.sport, l4.dport)


def vxlan_frame(inner: bytes, link: int, bucket: int, *, from_branch: bool = True) -> Ether:
    """`inner` as it leaves a gateway on `link` in VXLAN mode (outer IPv4 TTL 64, DF, id 0,
    UDP source port 49152 + bucket with checksum 0, VXLAN I flag and the link's VNI)."""
    spec = LINKS[link]
    src_mac, dst_mac, src_ip, dst_ip = (
        (spec.branch_mac, spec.remote_mac, spec.branch_ip, spec.remote_ip) if from_branch
        else (spec.remote_mac, spec.branch_mac, spec.remote_ip, spec.branch_ip))
    outer = (Ether(src=src_mac, dst=dst_mac)
             / IP(src=src_ip, dst=dst_ip, id=0, flags="DF", ttl=64)
             / UDP(sport=VXLAN_SPORT_BASE + bucket, dport=4789, chksum=0)
             / VXLAN(flags=0x08, vni=spec.vni) / Raw(inner))
    return Ether(bytes(outer))


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

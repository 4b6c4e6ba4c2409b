"""A real WaMPTCP DHCP exchange between two network namespaces joined by a veth pair: the server
runs in one, the client helper in the other, and the client ends up with one address per
subnet (IPv4 and IPv6) and its extra addresses registered as MPTCP subflow endpoints.

Needs root and kernel MPTCP. The fixture creates both namespaces (the veth pair lives only
inside them) and deletes them afterwards, also when the test fails, after stopping the server.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/proc/sys/net/mptcp/enabled").exists(),
    reason="network namespaces need root; MPTCP endpoints need a kernel with MPTCP",
)

CONFIG = """\
server_id: 10.1.1.2
lease_time: 600
mtu: 1400
dns: [10.1.1.1]
subnets:
  - {subnet: 10.1.1.0/24, pool: 10.1.1.100-10.1.1.199, router: 10.1.1.1}
  - {subnet: 10.2.1.0/24, pool: 10.2.1.100-10.2.1.199, router: 10.2.1.1}
ipv6:
  prefixes: [2001:db8:1:1::/64, 2001:db8:2:1::/64]
  router: 2001:db8:1:1::1
"""


def ip(*args: str, netns: str | None = None) -> str:
    prefix = ["ip", "-n", netns] if netns else ["ip"]
    return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True).stdout


@dataclass
class Segment:
    server_ns: str
    client_ns: str
    server_if: str = "lan0"
    client_if: str = "eth0"


@pytest.fixture
def segment() -> Iterator[Segment]:
    tag = secrets.token_hex(3)
    seg = Segment(f"wmdhcp{tag}s", f"wmdhcp{tag}c")
    created: list[str] = []
    try:
        for ns in (seg.server_ns, seg.client_ns):
            ip("netns", "add", ns)
            created.append(ns)
        ip("link", "add", "name", seg.client_if, "netns", seg.client_ns, "type", "veth",
           "peer", "name", seg.server_if, "netns", seg.server_ns)  # fmt: skip
        ip("link", "set", "lo", "up", netns=seg.client_ns)
        ip("link", "set", seg.client_if, "up", netns=seg.client_ns)
        ip("link", "set", seg.server_if, "up", netns=seg.server_ns)
        ip("addr", "add", "10.1.1.2/24", "dev", seg.server_if, netns=seg.server_ns)
        yield seg
    finally:
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


@pytest.fixture
def dhcp_server(segment: Segment, tmp_path: Path) -> Iterator[subprocess.Popen]:
    config = tmp_path / "segment.yaml"
    config.write_text(CONFIG)
    argv = ["ip", "netns", "exec", segment.server_ns, sys.executable, "-m",
            "apps.wamptcp.dhcp_server", "--interface", segment.server_if,
            "--config", str(config)]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(proc.stdout.readline())
        assert ready == {
            "event": "listening",
            "interface": segment.server_if,
            "server_id": "10.1.1.2",
            "subnets": ["10.1.1.0/24", "10.2.1.0/24"],
        }
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def eui64(prefix: str, mac: str) -> str:
    b = bytes.fromhex(mac.replace(":", ""))
    iid = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]
    groups = [f"{int.from_bytes(iid[i:i + 2], 'big'):x}" for i in range(0, 8, 2)]
    return prefix + ":".join(groups)


def test_client_gets_one_address_per_subnet_and_mptcp_endpoints(segment, dhcp_server) -> None:
    ns, dev = segment.client_ns, segment.client_if
    done = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-m", "apps.wamptcp.dhcp_client",
         "--interface", dev, "--timeout", "1", "--attempts", "5"],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    link = json.loads(ip("-j", "addr", "show", "dev", dev, netns=ns))[0]
    mac = link["address"]
    v6 = [eui64("2001:db8:1:1:", mac), eui64("2001:db8:2:1:", mac)]
    assert link["mtu"] == 1400
    configured = {
        (a["family"], a["local"], a["prefixlen"])
        for a in link["addr_info"]
        if a["scope"] == "global"
    }
    assert configured == {
        ("inet", "10.1.1.100", 24),
        ("inet", "10.2.1.100", 24),
        ("inet6", v6[0], 64),
        ("inet6", v6[1], 64),
    }
    endpoints = json.loads(ip("-j", "mptcp", "endpoint", "show", netns=ns))
    assert [(e["address"], e["dev"], e.get("subflow")) for e in endpoints] == [
        ("10.2.1.100", dev, True),
        (v6[1], dev, True),
    ]
    assert ip("mptcp", "limits", "show", netns=ns).split() == [
        "add_addr_accepted", "2", "subflows", "2"
    ]  # fmt: skip
    assert ip("route", "show", "default", netns=ns).split() == ["default", "via", "10.1.1.1",
                                                                "dev", dev]  # fmt: skip
    assert ip("-6", "route", "show", "default", netns=ns).split()[:5] == [
        "default", "via", "2001:db8:1:1::1", "dev", dev
    ]  # fmt: skip
    assert report["endpoints"] == ["10.2.1.100", v6[1]]
    assert [lease["address"] for lease in report["leases"]] == ["10.1.1.100/24", "10.2.1.100/24"]

    dhcp_server.terminate()
    log = [json.loads(line) for line in dhcp_server.stdout.read().splitlines()]
    exchanges = [(e["in"]["message"], e["out"]["message"], e["out"]["yiaddr"]) for e in log]
    assert exchanges == [
        ("DISCOVER", "OFFER", "10.1.1.100"),
        ("REQUEST", "ACK", "10.1.1.100"),
        ("DISCOVER", "OFFER", "10.2.1.100"),
        ("REQUEST", "ACK", "10.2.1.100"),
    ]

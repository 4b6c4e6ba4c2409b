"""Mininet integration: a WaMPTCP session uses both WAN links and survives a link failure.

The site is wamptcp.yaml (2 links of 10 Mbit/s, VXLAN, BFD 100 ms) with node names made
unique per test, so the leftover cleanup can never touch another run on the machine. The
MPTCP host downloads from the server for 9 s; link 1 is blocked from 4 s to the end. Checked:
MPTCP with 2 subflows; before the block each link carried at least 30 % of the download's
WAN bytes; after it the download went on over link 2 alone; nothing is left behind.
"""

from __future__ import annotations

import importlib.util
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from apps.traffic.metrics import intervals_from_lines, mean_goodput
from apps.traffic.transport import mptcp_supported
from harness.targets import free_tcp_port_range

pytestmark = [
    pytest.mark.mininet,
    pytest.mark.skipif(
        importlib.util.find_spec("mininet") is None,
        reason="Mininet not importable from .venv (make system-deps links it in)",
    ),
    pytest.mark.skipif(not mptcp_supported(), reason="kernel without MPTCP"),
]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def network(tmp_path: Path) -> Iterator:
    """A started WamptcpNetwork on a uniquely named copy of wamptcp.yaml."""
    from mininet_topos.wamptcp_net import ScenarioOptions, WamptcpNetwork
    from p4sim.compiler import compile_file, write_outputs

    tag = secrets.token_hex(2)
    data = yaml.safe_load((REPO / "mininet_topos" / "topologies" / "wamptcp.yaml").read_text())
    data["gateways"]["branch"]["name"] = f"gb{tag}"
    data["gateways"]["remote"]["name"] = f"gr{tag}"
    for host in data["lan"]["hosts"]:
        host["name"] = f"{host['name']}{tag}"
    data["remote_lan"]["servers"][0]["name"] = f"sv{tag}"
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(data, sort_keys=False))
    build = tmp_path / "build"
    write_outputs(
        compile_file(REPO / "p4src" / "wamptcp_gateway.p4", [REPO / "p4src" / "include"]),
        build / "wamptcp_gateway",
    )
    options = ScenarioOptions(
        site_path=site,
        target="p4sim",
        build_dir=build,
        log_dir=tmp_path / "logs",
        grpc_port_base=free_tcp_port_range(2),
        provision="static",
    )
    net = WamptcpNetwork(options, log=lambda text: None)
    with net:
        yield net
    names = net.node_names()
    leftovers = [p.name for p in Path("/sys/class/net").iterdir() if p.name.split("-")[0] in names]
    assert leftovers == []
    agents = subprocess.run(
        ["pgrep", "-f", "--", f"--site {site}"], capture_output=True, text=True, check=False
    )
    assert agents.stdout == ""


def test_mptcp_uses_both_links_and_survives_a_link_failure(network) -> None:
    from mininet_topos.wamptcp_links import OutageRunner, outage
    from mininet_topos.wamptcp_traffic import TrafficServer, collect, start_client

    net = network
    mptcp = next(h.name for h in net.site.hosts if h.mptcp)
    server_name = net.site.remote_lan.servers[0].name
    server = TrafficServer(net.host(server_name))
    try:
        args = ["--protocol", "mptcp", "--source", net.address(mptcp), "--time", "9"]
        proc = start_client(net.host(mptcp), net.address(server_name), args)
        start = time.time()
        runner = OutageRunner(outage(1, 4.0, 60.0), net.set_link)
        runner.start(at=start)
        time.sleep(2.0)
        before = net.wan_bytes()
        time.sleep(1.5)
        middle = net.wan_bytes()
        try:
            lines, summary = collect(proc, timeout=60)
        finally:
            runner.stop()
    finally:
        server.stop()
    blocked = runner.applied[0].wall
    assert summary["mptcp"] is True and summary["subflows"] == 2
    moved = {link: middle[link][1] - before[link][1] for link in middle}
    total = sum(moved.values())
    assert total > 0 and all(n >= 0.3 * total for n in moved.values()), moved
    intervals = intervals_from_lines(lines)
    both = mean_goodput(intervals, blocked - 1.5, blocked)
    after = mean_goodput(intervals, blocked + 2.0, summary["last"])
    assert both > 12e6, both  # two 10 Mbit/s links
    assert 6e6 < after < 10.5e6, after  # link 2 alone carries the session
    downs = [e for e in net.agent_events() if e["event"] == "link_down" and e["link"] == 1]
    assert downs and all(e["wall"] > blocked for e in downs)

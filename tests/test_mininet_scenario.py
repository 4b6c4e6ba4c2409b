"""Mininet integration: the `make run` scenario, start failures and link failures (root).

Each test uses a triangle topology like the default one, with node names made unique per test
so that the leftover cleanup can never touch another Mininet run on this machine, and its own
gRPC ports, build directory and log directory.
"""

from __future__ import annotations

import importlib.util
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from harness.targets import free_tcp_port_range
from mininet_topos.cleanup import remove_leftovers
from mininet_topos.routes import compute_routes, install_routes
from mininet_topos.targets import program_files
from mininet_topos.topology import Topology, load_topology

pytestmark = [
    pytest.mark.mininet,
    pytest.mark.skipif(
        importlib.util.find_spec("mininet") is None,
        reason="Mininet not importable from .venv (make system-deps links it in)",
    ),
]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[tuple[Path, Topology, Path]]:
    """(topology file, topology, build dir): a uniquely named triangle and basic.p4 built."""
    from p4sim.compiler import compile_file, write_outputs

    tag = secrets.token_hex(2)
    h, s = [f"h{tag}{i}" for i in (1, 2, 3)], [f"s{tag}{i}" for i in (1, 2, 3)]
    data = {
        "program": "basic",
        "hosts": {h[i]: {"ip": f"10.0.{i + 1}.{i + 1}/24"} for i in range(3)},
        "switches": {name: {} for name in s},
        "links": [
            [h[0], s[0]],
            [h[1], s[1]],
            [h[2], s[2]],
            [s[0], s[1]],
            {"nodes": [s[1], s[2]], "bw": 10, "delay": "1ms"},
            [s[0], s[2]],
        ],
    }
    path = tmp_path / "triangle.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    build = tmp_path / "build"
    write_outputs(compile_file(REPO / "p4src" / "basic.p4"), build / "basic")
    topology = load_topology(path)
    yield path, topology, build
    remove_leftovers([*h, *s], tmp_path / "logs")


def _run(path: Path, build: Path, logs: Path, port_base: int) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "mininet_topos.run",
        "--target",
        "p4sim",
        "--topology",
        str(path),
        "--build-dir",
        str(build),
        "--log-dir",
        str(logs),
        "--grpc-port-base",
        str(port_base),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def _leftover_interfaces(topology: Topology) -> list[str]:
    names = [*topology.hosts, *topology.switches]
    return [p.name for p in Path("/sys/class/net").iterdir() if p.name.split("-")[0] in names]


def test_scenario_reaches_every_host_and_cleans_up(scenario, tmp_path: Path) -> None:
    path, topology, build = scenario
    logs = tmp_path / "logs"
    done = _run(path, build, logs, free_tcp_port_range(3))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "*** Results: 0% dropped (6/6 received)" in output
    assert "run: all hosts reach each other" in output
    assert _leftover_interfaces(topology) == []
    assert list(logs.glob("*.pid")) == []
    s1 = next(iter(topology.switches))
    assert (logs / "pcaps" / f"{s1}-eth1_in.pcap").stat().st_size > 24
    assert (logs / f"{s1}-p4runtime-requests.txt").stat().st_size > 0


def test_switch_start_failure_shows_command_and_cause(scenario, tmp_path: Path) -> None:
    path, topology, build = scenario
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = _run(path, build, tmp_path / "logs", port)
    s1 = next(iter(topology.switches))
    assert done.returncode == 1
    assert f"run: error: switch {s1} did not start: gRPC port 127.0.0.1:{port} is taken" in (
        done.stderr
    )
    assert f"  command: {Path(sys.executable).with_name('p4sim')} run -i 1@{s1}-eth1" in done.stderr
    assert "  likely cause: port in use by pid " in done.stderr
    assert _leftover_interfaces(topology) == []


def test_link_failure_never_stops_a_switch(scenario, tmp_path: Path) -> None:
    from mininet.log import setLogLevel

    from mininet_topos.network import build_network

    path, topology, build = scenario
    setLogLevel("warning")
    net = build_network(
        topology, "p4sim", log_dir=tmp_path / "logs", grpc_port_base=free_tcp_port_range(3),
        netem=False,
    )
    try:
        net.start()
        p4info, config = program_files(build, "basic", "p4sim")
        for name, routes in compute_routes(topology).items():
            switch = net.get(name)
            install_routes(
                f"127.0.0.1:{switch.grpc_port}", switch.device_id, p4info, config, routes
            )
        s1, s2, _s3 = (net.get(name) for name in topology.switches)
        h1, h2, _h3 = (net.get(name) for name in topology.hosts)
        assert net.ping([h1, h2], timeout=2) == 0

        net.configLinkStatus(s1.name, s2.name, "down")
        assert net.ping([h1, h2], timeout=1) == 100  # basic.p4 has no failover: route is gone
        net.configLinkStatus(s1.name, s2.name, "up")
        assert net.ping([h1, h2], timeout=2) == 0

        assert [sw.process.poll() for sw in (s1, s2)] == [None, None]
        log = (tmp_path / "logs" / f"{s1.name}.log").read_text()
        assert f"port 2 ({s1.name}-eth2): link down" in log
        assert f"port 2 ({s1.name}-eth2): link up" in log
    finally:
        net.stop()

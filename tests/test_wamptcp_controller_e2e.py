"""WaMPTCP agents end to end: two in-process p4sim gateways running wamptcp_gateway.p4, joined
port k <-> port k for each WAN link by a test "wire" that can cut a link.

Checks that each agent's entries load, that a BFD probe sent as a PacketOut is reflected by
the remote gateway's data plane and comes back as a PacketIn, that a cut link is detected
by both agents and remapped (RO), that traffic then takes the healthy link, and that
everything is restored when the link comes back. Also runs the agent's command line.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from controller.entities import Codec
from controller.errors import SwitchError
from controller.schema import P4Schema
from controller.wamptcp import entries as E
from controller.wamptcp.agent import GatewayAgent
from controller.wamptcp.monitor import STATE_NAMES, LinkEvent
from controller.wamptcp.site import Bfd, load_site

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "p4src" / "wamptcp_gateway.p4"
SITE = ROOT / "mininet_topos" / "topologies" / "wamptcp.yaml"
WAN_PORTS = (1, 2)
LAN_PORT = 10
DETECT = 6  # BFD detect multiplier in the in-process tests


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from p4sim.compiler import compile_file, write_outputs

    out = tmp_path_factory.mktemp("wamptcp_gateway")
    write_outputs(compile_file(PROGRAM, [ROOT / "p4src" / "include"]), out)
    return out / "wamptcp_gateway.p4info.txtpb", out / "wamptcp_gateway.p4sim.json"


class Wire:
    """Moves frames between the two gateways' WAN ports; keeps what leaves LAN ports."""

    def __init__(self) -> None:
        from harness.targets import P4simTarget

        self.targets = {"branch": P4simTarget(), "remote": P4simTarget()}
        self.cut: set[int] = set()
        self.lan: dict[str, list[bytes]] = {"branch": [], "remote": []}
        self.carried: list[tuple[str, int, bytes]] = []  # (sender role, WAN port, frame)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._stop.is_set():
            moved = False
            for role, target in self.targets.items():
                other = self.targets["remote" if role == "branch" else "branch"]
                for port, frame in target.receive(0):
                    moved = True
                    if port in WAN_PORTS and port not in self.cut:
                        self.carried.append((role, port, frame))
                        other.send(port, frame)
                    elif port == LAN_PORT:
                        self.lan[role].append(frame)
            if not moved:
                time.sleep(0.001)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for target in self.targets.values():
            target.close()


@pytest.fixture
def wire() -> Iterator[Wire]:
    wire = Wire()
    try:
        yield wire
    finally:
        wire.close()


@pytest.fixture
def agents(wire: Wire, build: tuple[Path, Path]) -> Iterator[dict[str, GatewayAgent]]:
    p4info, config = build
    # BFD at 100 ms as in the site file, but 6 misses to declare a link down: every switch,
    # server and agent of this test shares one interpreter (and the machine may be busy), so
    # a few probes can come back late without the link being at fault
    site = dataclasses.replace(load_site(SITE), bfd=Bfd(interval_ms=100, multiplier=DETECT))
    started: dict[str, GatewayAgent] = {}
    try:
        for role in ("branch", "remote"):
            agent = GatewayAgent(site, role, wire.targets[role].address, p4info=p4info,
                                 device_config=config, events=io.StringIO())
            started[role] = agent
            agent.start()
        yield started
    finally:
        for agent in started.values():
            agent.close()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the timeout")
        time.sleep(0.01)


def events(agent: GatewayAgent) -> list[dict]:
    assert isinstance(agent.events, io.StringIO)
    return [json.loads(line) for line in agent.events.getvalue().splitlines()]


def table(wire: Wire, role: str, name: str) -> dict:
    """A p4sim table's entries as {match values: (action, args)}."""
    entries = wire.targets[role].switch.tables[name].entries()
    return {tuple(getattr(m, "value", m) for m in e.match): (e.action.name, e.action.args)
            for e in entries}


def test_entries_load_on_both_roles(wire: Wire, agents: dict[str, GatewayAgent]) -> None:
    for role, agent in agents.items():
        expected = agent.tables.install()
        [installed] = [e for e in events(agent) if e["event"] == "installed"]
        assert installed["entries"] == len(expected)
        switch = wire.targets[role].switch
        loaded = sum(len(t.entries()) for t in switch.tables.values())
        assert loaded == len(expected)
    handoff = table(wire, "branch", E.HANDOFF)
    assert handoff[(0,)] == ("MyIngress.set_link", (1,))
    assert handoff[(63,)] == ("MyIngress.set_link", (2,))
    assert table(wire, "remote", E.BFD)[(1, 0xAC100101)] == ("MyIngress.bfd_reflect", ())


def test_probe_is_reflected_by_the_remote_gateway(wire: Wire,
                                                  agents: dict[str, GatewayAgent]) -> None:
    branch = agents["branch"]
    monitor = branch.monitor
    assert monitor is not None
    probes = monitor.tick(time.monotonic())
    assert [p.port for p in probes] == [1, 2]
    for probe in probes:
        branch.conn.packet_out(probe.frame, {"egress_port": probe.port})
        packet_in = branch.conn.get_packet_in(timeout=5)
        assert packet_in is not None
        assert packet_in.metadata == {"ingress_port": probe.port, "_pad": 0}
        frame = probe.frame
        # bfd_reflect swapped the MACs (and the IPv4 addresses, equal for an echo)
        assert packet_in.payload == frame[6:12] + frame[0:6] + frame[12:]
        assert monitor.received(probe.link, packet_in.payload, time.monotonic())
        assert monitor.state(probe.link) == "Init"
    assert [(role, port) for role, port, _ in wire.carried] == [
        ("branch", 1), ("remote", 1), ("branch", 2), ("remote", 2)]


def mptcp_packet(source: str) -> bytes:
    return bytes(Ether(src="00:00:00:00:01:0a", dst="02:00:00:00:0b:00")
                 / IP(src=source, dst="10.100.0.10", ttl=64)
                 / TCP(sport=40000, dport=5001, flags="A", options=[(30, b"\x20\x01")])
                 / b"data")


def send_and_see_link(wire: Wire, source: str) -> int:
    """Send an MPTCP packet from h1 and return the WAN port it crossed to the server."""
    before = len(wire.carried)
    wire.lan["remote"].clear()
    wire.targets["branch"].send(LAN_PORT, mptcp_packet(source))
    wait_for(lambda: wire.lan["remote"] != [], timeout=5)
    inner = Ether(wire.lan["remote"][0])
    assert (inner[IP].src, inner[IP].dst, inner[IP].ttl) == (source, "10.100.0.10", 63)
    ports = {port for role, port, frame in wire.carried[before:]
             if role == "branch" and UDP in Ether(frame) and Ether(frame)[UDP].dport == 4789}
    assert len(ports) == 1
    return ports.pop()


def test_link_failure_detected_remapped_and_restored(
        wire: Wire, agents: dict[str, GatewayAgent]) -> None:
    for agent in agents.values():
        agent.run_in_thread()
    monitors = {role: agent.monitor for role, agent in agents.items()}
    wait_for(lambda: all(m.state(k) == STATE_NAMES[3]
                         for m in monitors.values() for k in (1, 2)))
    assert send_and_see_link(wire, "10.2.0.10") == 2
    assert send_and_see_link(wire, "10.1.0.10") == 1

    cut_at = time.monotonic()
    wire.cut.add(2)
    wait_for(lambda: all(any(e["event"] == "link_down" for e in events(a))
                         for a in agents.values()))
    for role, agent in agents.items():
        [down] = [e for e in events(agent) if e["event"] == "link_down"]
        assert (down["link"], down["link_name"], down["live"]) == (2, "isp2", [1])
        assert down["diag"] == "Control Detection Time Expired"
        assert down["updates"] == 1 + 32 + 4  # wan_link, link 2's buckets, RO: 2 subnets x v4/v6
        assert "error" not in down
        # detection time (600 ms) after the last probe came back, plus what a busy machine adds
        assert DETECT * 0.1 <= down["detected"] - down["last_rx"] < DETECT * 0.1 + 0.5
        assert down["detected"] - cut_at < DETECT * 0.1 + 1.0
        assert table(wire, role, E.WAN_LINK)[(2,)] == (E.LINK_DOWN, ())
    assert table(wire, "branch", E.SRC_STEER_V4)[(0x0A020000,)] == (E.SET_LINK, (1,))
    assert table(wire, "remote", E.ROUTE_V4)[(0x0A020000,)] == (E.SET_LINK, (1,))
    assert send_and_see_link(wire, "10.2.0.10") == 1  # RO: link 2's subflow survives on 1

    wire.cut.discard(2)
    wait_for(lambda: all(any(e["event"] == "link_up" for e in events(a))
                         for a in agents.values()))
    for role, agent in agents.items():
        [up] = [e for e in events(agent) if e["event"] == "link_up"]
        assert (up["link"], up["live"], up["updates"]) == (2, [1, 2], 37)
        assert agent.tables.install() == E.gateway_entries(
            agent.site, agent.plan, role, E.initial_state(agent.site, agent.plan))
    assert send_and_see_link(wire, "10.2.0.10") == 2
    for agent in agents.values():
        agent.stop()
        assert events(agent)[-1]["event"] == "stopped"
        assert {"monotonic", "wall", "role"} <= set(events(agent)[-1])


def test_command_line_agent(wire: Wire, build: tuple[Path, Path], tmp_path: Path) -> None:
    p4info, config = build
    log = tmp_path / "events.jsonl"
    command = [sys.executable, "-m", "controller.wamptcp.agent", "--site", str(SITE),
               "--role", "remote", "--address", wire.targets["remote"].address,
               "--p4info", str(p4info), "--device-config", str(config), "--events", str(log),
               "--bfd-interval-ms", "50", "--log-level", "WARNING"]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        wait_for(lambda: log.exists() and '"installed"' in log.read_text(), timeout=30)
        # no branch agent: the remote's own probes are reflected by nobody -> links go down
        wait_for(lambda: log.read_text().count('"link_down"') == 2, timeout=10)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["event"] for r in records] == ["installed", "link_down", "link_down", "stopped"]
    # never up: down one detection time (3 x 50 ms) after the monitor started
    assert 0.15 <= records[1]["detected"] - records[0]["monotonic"] < 1.0


def run_agent(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "controller.wamptcp.agent", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_command_line_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text(SITE.read_text().replace("mode: vxlan", "mode: gre"))
    other = tmp_path / "other.p4info.txtpb"
    other.write_text('pkg_info { arch: "v1model" }\n')
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)))
    common = ["--role", "branch", "--address", "127.0.0.1:1", "--device-config", "y"]
    cases = [
        ([str(bad), "--p4info", "x"],
         f"{bad}:9: top level.mode: 'gre' is not one of vxlan, direct"),
        ([str(SITE), "--p4info", "x", "--events", str(tmp_path / "no" / "e.jsonl")],
         f"[Errno 2] No such file or directory: '{tmp_path / 'no' / 'e.jsonl'}'"),
        ([str(SITE), "--p4info", str(other)],
         f"{other}: not the P4Info of wamptcp_gateway: unknown table 'MyIngress.wan_link'; "
         "there are no tables"),
        ([str(SITE), "--p4info", str(garbage)], f"{garbage}: not a P4Info file: "),
    ]
    for args, message in cases:
        result = run_agent("--site", *args, *common)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.startswith(f"wamptcp agent: {message}")
        assert result.stderr.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize(("option", "value", "why"), [
    ("--bfd-interval-ms", "0", "0 is not in 1..60000"),
    ("--bfd-multiplier", "x", "'x' is not an integer"),
    ("--bfd-multiplier", "256", "256 is not in 1..255"),
])
def test_command_line_rejects_bad_overrides(option: str, value: str, why: str) -> None:
    result = run_agent("--site", str(SITE), "--role", "branch", "--address", "127.0.0.1:1",
                       "--p4info", "x", "--device-config", "y", option, value)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"python -m controller.wamptcp.agent: error: argument {option}: {why}")


def test_help_describes_events_and_exit_status() -> None:
    result = run_agent("--help")
    assert result.returncode == 0
    for text in ("--bfd-interval-ms MS", "link_down", "exit status:", "example:"):
        assert text in result.stdout


class RefusingSwitch:
    """A connection whose writes the switch refuses."""

    def __init__(self, p4info: Path) -> None:
        self.codec = Codec(P4Schema.load(p4info))

    def write(self, updates: list, operation: str) -> None:
        raise SwitchError("gw_b", operation, grpc.StatusCode.UNAVAILABLE, "gone")


def test_a_refused_remap_is_logged_and_ends_the_agent(build: tuple[Path, Path]) -> None:
    p4info, config = build
    agent = GatewayAgent(load_site(SITE), "branch", "127.0.0.1:1", p4info=p4info,
                         device_config=config, events=io.StringIO(), clock=lambda: 5.0,
                         wall_clock=lambda: 1e9)
    agent.conn = RefusingSwitch(p4info)  # type: ignore[assignment]
    event = LinkEvent(2, False, 4.5, "Down", "Control Detection Time Expired", 4.2)
    with pytest.raises(SwitchError, match="remap for link 2 failed"):
        agent._apply(event)
    assert events(agent) == [{
        "event": "link_down", "role": "branch", "monotonic": 5.0, "wall": 1e9, "link": 2,
        "link_name": "isp2", "detected": 4.5, "last_rx": 4.2, "state": "Down",
        "diag": "Control Detection Time Expired", "updates": 37, "write_ms": 0.0, "live": [1],
        "error": "gw_b: remap for link 2 failed (UNAVAILABLE): gone"}]

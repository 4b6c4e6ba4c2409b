"""Tests of switch start-up (mininet_topos.launch): command lines, readiness, failure reports.

Stand-in switches are small scripts on a private PATH, so every failure mode (missing binary,
early exit, port in use, no answer) is produced for real without BMv2, Mininet or root.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.targets import free_tcp_port
from mininet_topos.launch import (
    SwitchLaunch,
    SwitchStartError,
    is_switch_process,
    launch_switch,
    likely_cause,
    p4sim_command,
    stop_switch,
    wait_until_ready,
)


def _launch(tmp_path: Path, target: str = "bmv2", port: int | None = None) -> SwitchLaunch:
    return SwitchLaunch(
        name="s1",
        target=target,
        ports={2: "s1-eth2", 1: "s1-eth1"},
        device_id=4,
        grpc_port=port or free_tcp_port(),
        log_dir=tmp_path / "logs",
        thrift_port=9094 if target == "bmv2" else None,
        cpu_port=255,
    )


@pytest.fixture
def start() -> Iterator[Callable[[SwitchLaunch], subprocess.Popen[bytes]]]:
    """launch_switch, with every process it started stopped after the test, also on failure."""
    started: list[tuple[SwitchLaunch, subprocess.Popen[bytes]]] = []

    def launch(switch: SwitchLaunch) -> subprocess.Popen[bytes]:
        proc = launch_switch(switch)
        started.append((switch, proc))
        return proc

    yield launch
    for switch, proc in started:
        stop_switch(switch, proc)


@pytest.fixture
def fake_bmv2(tmp_path: Path, monkeypatch) -> None:
    """A PATH where `simple_switch_grpc` is a script the test writes (MODE env selects it)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "simple_switch_grpc"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import os, socket, sys, time
            print("Calling target program-options parser", flush=True)
            mode = os.environ["MODE"]
            if mode == "fail":
                print("Address already in use", flush=True)
                sys.exit(1)
            port = int(sys.argv[sys.argv.index("--grpc-server-addr") + 1].rpartition(":")[2])
            if mode == "serve":
                listener = socket.socket()
                listener.bind(("127.0.0.1", port))
                listener.listen()
            time.sleep(60)
            """
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


def test_commands_of_both_targets(tmp_path: Path) -> None:
    bmv2 = _launch(tmp_path, "bmv2", 50001)
    logs = str(tmp_path / "logs")
    # the simple_switch options both targets take alike
    shared = ["-i", "1@s1-eth1", "-i", "2@s1-eth2", "--device-id", "4", "--log-console",
              "--pcap", f"{logs}/pcaps"]
    assert bmv2.command() == [
        "simple_switch_grpc",
        *shared,
        "--thrift-port",
        "9094",
        "--no-p4",
        "--",
        "--grpc-server-addr",
        "127.0.0.1:50001",
        "--cpu-port",
        "255",
    ]
    p4sim = _launch(tmp_path, "p4sim", 50002)
    assert p4sim.command() == [
        *p4sim_command(),
        *shared,
        "--grpc-server-addr",
        "127.0.0.1:50002",
        "--cpu-port",
        "255",
        "--p4runtime-log",
        f"{logs}/s1-p4runtime-requests.txt",
        "--no-p4",
    ]
    assert p4sim_command() == [str(Path(sys.executable).with_name("p4sim")), "run"]
    with pytest.raises(ValueError, match="unknown target 'tofino'"):
        _launch(tmp_path, "tofino").command()


@pytest.mark.parametrize(
    ("tail", "returncode", "cause"),
    [
        ("E0101 Failed to bind to address", 1, "gRPC port 9559 is in use by another process"),
        ("p4sim run: error: gRPC address 127.0.0.1:9559 is already in use", 1, "gRPC port 9559"),
        ("p4sim run: error: interface(s) s1-eth1 do not exist", 1, "an interface given with -i"),
        ("Cannot find device s1-eth1", 1, "an interface given with -i does not exist"),
        ("raw AF_PACKET sockets need root (or CAP_NET_RAW)", 1, "the switch needs root"),
        ("p4sim run: internal error: KeyError: 'x'", 2, "the switch crashed on start-up"),
        ("", -9, "the switch was killed by signal SIGKILL"),
        ("", None, "the switch is running but its gRPC port 9559 did not answer in time"),
        ("something else", 3, "the switch exited with status 3; see its log above"),
    ],
)
def test_likely_cause(tmp_path: Path, tail: str, returncode: int | None, cause: str) -> None:
    assert likely_cause(_launch(tmp_path, port=9559), tail, returncode).startswith(cause)


def test_missing_binary_is_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    launch = _launch(tmp_path)
    with pytest.raises(SwitchStartError) as info:
        launch_switch(launch)
    assert str(info.value) == (
        "switch s1 did not start: simple_switch_grpc not found\n"
        f"  command: {' '.join(launch.command())}\n"
        "  likely cause: missing binary: install BMv2 (simple_switch_grpc) or use TARGET=p4sim"
    )
    assert not launch.pid_path.exists()


@pytest.mark.usefixtures("fake_bmv2")
def test_port_in_use_is_found_before_starting(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        launch = _launch(tmp_path, port=holder.getsockname()[1])
        with pytest.raises(SwitchStartError) as info:
            launch_switch(launch)
    text = str(info.value)
    assert text.startswith(
        f"switch s1 did not start: gRPC port 127.0.0.1:{launch.grpc_port} is taken\n"
        f"  command: simple_switch_grpc -i 1@s1-eth1"
    )
    assert f"  likely cause: port in use by pid {os.getpid()} (" in text
    assert not launch.log_path.exists()


@pytest.mark.usefixtures("fake_bmv2")
def test_early_exit_shows_the_log_tail(tmp_path: Path, monkeypatch, start) -> None:
    monkeypatch.setenv("MODE", "fail")
    launch = _launch(tmp_path)
    proc = start(launch)
    assert launch.pid_path.read_text() == f"{proc.pid}\n"
    with pytest.raises(SwitchStartError) as info:
        wait_until_ready(launch, proc, timeout=10)
    assert str(info.value) == (
        "switch s1 did not start: it exited with status 1\n"
        f"  command: {' '.join(launch.command())}\n"
        f"  last lines of {launch.log_path}:\n"
        "    | Calling target program-options parser\n"
        "    | Address already in use\n"
        f"  likely cause: gRPC port {launch.grpc_port} is in use by another process (a switch "
        "left over from an earlier run? `make run` cleans those up)"
    )
    assert not launch.pid_path.exists()


@pytest.mark.usefixtures("fake_bmv2")
def test_no_answer_in_time_stops_the_switch(tmp_path: Path, monkeypatch, start) -> None:
    monkeypatch.setenv("MODE", "silent")
    launch = _launch(tmp_path)
    proc = start(launch)
    with pytest.raises(SwitchStartError) as info:
        wait_until_ready(launch, proc, timeout=0.5)
    assert proc.returncode is not None
    assert "did not answer within 0.5 s" in str(info.value)
    assert "likely cause: the switch is running but its gRPC port" in str(info.value)


@pytest.mark.usefixtures("fake_bmv2")
def test_ready_switch_is_stopped_cleanly(tmp_path: Path, monkeypatch, start) -> None:
    monkeypatch.setenv("MODE", "serve")
    launch = _launch(tmp_path)
    proc = start(launch)
    try:
        wait_until_ready(launch, proc, timeout=20)
        assert is_switch_process(proc.pid)
    finally:
        stop_switch(launch, proc)
    assert proc.returncode == -15
    assert not launch.pid_path.exists()
    assert (launch.log_dir / "pcaps").is_dir()


def test_real_p4sim_run_failure_is_explained(tmp_path: Path, start) -> None:
    launch = SwitchLaunch("s9", "p4sim", {1: "p4nosuch-eth1"}, 0, free_tcp_port(), tmp_path)
    proc = start(launch)
    with pytest.raises(SwitchStartError) as info:
        wait_until_ready(launch, proc, timeout=60)
    text = str(info.value)
    assert "    | p4sim run: error: interface(s) p4nosuch-eth1 do not exist" in text
    assert text.endswith(
        "likely cause: an interface given with -i does not exist (was its Mininet link created?)"
    )


def test_is_switch_process() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert not is_switch_process(sleeper.pid)
        assert not is_switch_process(os.getpid())
        assert not is_switch_process(2**22 + 12345)
    finally:
        sleeper.kill()
        sleeper.wait()

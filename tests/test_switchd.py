"""Tests of `p4sim run` (p4sim.switchd): command line, program loading, errors and shutdown.

The orchestration test replaces the runtime and the P4Runtime server with small fakes (through
sys.modules), so it checks switchd's own job: ports wired to the data plane, captures, logs,
port status, and a clean exit on SIGTERM. The end-to-end test runs the real switch in a
subprocess.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scapy.utils import RawPcapReader

from harness.targets import free_tcp_port
from harness.veth import add_veth_pair, delete_link
from p4sim.io.pcap import pcap_paths
from p4sim.switchd import check_address_free, load_program, main, split_address

REPO = Path(__file__).resolve().parents[1]
BASIC = REPO / "p4src" / "basic.p4"
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="veth pairs and raw sockets need root")
FRAME = bytes.fromhex("ffffffffffff02000000000188b5") + bytes(range(46))


@pytest.fixture
def veth_pair() -> Iterator[tuple[str, str]]:
    """A veth pair (switch end, host end), up, IPv6 off; deleted afterwards, also on failure."""
    tag = secrets.token_hex(3)
    end, peer = f"p4sd{tag}a", f"p4sd{tag}b"
    add_veth_pair(end, peer)
    try:
        yield end, peer
    finally:
        delete_link(end)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that something is listening on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _raw(ifname: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    sock.bind((ifname, 3))
    sock.settimeout(3.0)
    return sock


# ---------------------------------------------------------------- command line and errors


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "p4sim run: error: no program: give PROGRAM or --no-p4\n"),
        (["x.p4", "--no-p4"], "p4sim run: error: give either PROGRAM or --no-p4, not both\n"),
        (
            ["--no-p4", "-i", "1@lo", "-i", "1@lo2"],
            "p4sim run: error: port 1 is bound twice (-i 1@...)\n",
        ),
        (
            ["--no-p4", "-i", "1@lo", "-i", "2@lo"],
            "p4sim run: error: interface lo is bound to two ports\n",
        ),
        (
            ["--no-p4", "-i", "1@lo", "--cpu-port", "1"],
            "p4sim run: error: --cpu-port 1 is also bound to an interface; the CPU port is the "
            "controller, not an interface\n",
        ),
        (
            ["--no-p4", "-i", "1@p4sdnosuch0", "-i", "2@p4sdnosuch1", "--", "--device-id", "3"],
            "p4sim run: error: interface(s) p4sdnosuch0, p4sdnosuch1 do not exist "
            "(check -i PORT@IFNAME)\n",
        ),
        (["nosuch.p4"], "p4sim run: error: program nosuch.p4 does not exist\n"),
    ],
)
def test_user_errors_are_one_line(argv: list[str], message: str, capsys) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-i", "veth0"], "expected PORT@IFNAME (e.g. 1@veth0), got 'veth0'"),
        (["-i", "x@veth0"], "expected PORT@IFNAME (e.g. 1@veth0), got 'x@veth0'"),
        (["-i", "511@veth0"], "port 511 is out of range 0..510 (511 drops)"),
        (["-i", "1@a-very-long-interface"], "'a-very-long-interface' is not a valid interface"),
        (["--grpc-server-addr", "9559"], "expected HOST:PORT (e.g. 127.0.0.1:9559), got '9559'"),
    ],
)
def test_malformed_options_are_usage_errors(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--no-p4", *argv])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_grpc_address_in_use_is_reported(busy_port: int, capsys) -> None:
    assert main(["--no-p4", "--grpc-server-addr", f"127.0.0.1:{busy_port}"]) == 1
    assert capsys.readouterr().err == (
        f"p4sim run: error: gRPC address 127.0.0.1:{busy_port} is already in use (another "
        "switch running?); stop it or choose another --grpc-server-addr\n"
    )


def test_split_address() -> None:
    assert split_address("127.0.0.1:9559") == ("127.0.0.1", 9559)
    assert split_address("[::1]:50051") == ("::1", 50051)
    assert split_address("0.0.0.0:0") == ("0.0.0.0", 0)
    for bad in ("9559", ":9559", "host:", "host:70000", "host:x"):
        with pytest.raises(ValueError):
            split_address(bad)


def test_free_address_passes_the_check() -> None:
    check_address_free(f"127.0.0.1:{free_tcp_port()}")
    check_address_free("127.0.0.1:0")


# ---------------------------------------------------------------- programs


def test_load_program_compiles_p4_source() -> None:
    program = load_program(BASIC, [])
    assert [t.preamble.name for t in program.p4info.tables] == ["MyIngress.ipv4_lpm"]
    assert program.device_config.startswith(b"{")


def test_load_program_from_build_dir_and_json(tmp_path: Path) -> None:
    from p4sim.compiler import compile_file, write_outputs

    write_outputs(compile_file(BASIC), tmp_path / "basic")
    config = tmp_path / "basic" / "basic.p4sim.json"
    for given in (tmp_path / "basic", config):
        program = load_program(given, [])
        assert program.device_config == config.read_bytes()
        assert program.p4info.tables[0].preamble.name == "MyIngress.ipv4_lpm"


@pytest.mark.parametrize(
    ("files", "given", "message"),
    [
        (
            {"prog.json": "{}"},
            ".",
            "holds BMv2 output, not p4sim's; build with `make build TARGET=p4sim`",
        ),
        ({"prog.json": "{}"}, "prog.json", "is not a p4sim program"),
        ({}, ".", "no <name>.p4sim.json in"),
        (
            {"a.p4sim.json": "{}", "b.p4sim.json": "{}"},
            ".",
            "holds several programs (a.p4sim.json, b.p4sim.json); name one",
        ),
        ({"a.p4sim.json": "{}"}, "a.p4sim.json", "a.p4info.txtpb is missing"),
        ({"a.p4sim.json": "{}", "a.p4info.txtpb": "tables {"}, ".", "not a P4Info text file"),
        ({"bad.p4": "control c() { apply { x = 1; } }"}, "bad.p4", "cannot compile"),
    ],
)
def test_unusable_programs_say_why(tmp_path: Path, files, given, message, capsys) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert main([str(tmp_path / given)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("p4sim run: error: ")
    assert message in err


# ---------------------------------------------------------------- orchestration with fakes


class FakeSwitch:
    def __init__(self, *, device_id: int = 0, cpu_port=None, trace=None) -> None:
        self.device_id, self.cpu_port, self.trace = device_id, cpu_port, trace
        self.statuses: list[tuple[int, bool]] = []
        self.running = threading.Event()

    def set_port_status(self, port: int, up: bool) -> None:
        self.statuses.append((port, up))
        self.running.set()


class FakeDataplane:
    """Sends every frame back out of the port it came in on, reversed, with a trace line."""

    def __init__(self, switch: FakeSwitch, transmit: Callable[[int, bytes], None]) -> None:
        self.switch, self.transmit = switch, transmit

    def inject(self, port: int, data: bytes) -> None:
        if self.switch.trace:
            self.switch.trace(f"packet of {len(data)} bytes on port {port}")
        self.transmit(port, data[::-1])
        self.transmit(99, data)


class FakeServer:
    def __init__(self, address: str, request_log) -> None:
        self.address, self.request_log = address, request_log
        self.port = int(address.rpartition(":")[2])
        self.preloaded = None
        self.calls: list[str] = []

    def preload(self, p4info, device_config: bytes) -> None:
        self.preloaded = (p4info, device_config)

    def start(self) -> None:
        self.calls.append("start")

    def stop(self, grace=None) -> None:
        self.calls.append(f"stop {grace}")


@pytest.fixture
def fake_runtime(monkeypatch) -> dict[str, object]:
    made: dict[str, object] = {}

    def make_switch(**kwargs) -> FakeSwitch:
        made["switch"] = FakeSwitch(**kwargs)
        return made["switch"]

    def make_server(switch, dataplane, address, *, request_log=None) -> FakeServer:
        made["server"] = FakeServer(address, request_log)
        return made["server"]

    modules = {
        "p4sim.runtime.switch": {"Switch": make_switch},
        "p4sim.runtime.dataplane": {"Dataplane": FakeDataplane},
        "p4sim.server": {"make_server": make_server},
    }
    for name, attrs in modules.items():
        module = types.ModuleType(name)
        for attr, value in attrs.items():
            setattr(module, attr, value)
        monkeypatch.setitem(sys.modules, name, module)
    return made


@needs_root
def test_switchd_runs_ports_logs_and_stops_on_sigterm(
    fake_runtime, veth_pair, tmp_path, capsys
) -> None:
    end, peer = veth_pair
    log_file = tmp_path / "s1.log"
    argv = [
        str(BASIC),
        "-i",
        f"3@{end}",
        "--device-id",
        "7",
        "--cpu-port",
        "64",
        "--pcap",
        str(tmp_path / "pcap"),
        "--log-file",
        str(log_file),
        "--p4runtime-log",
        str(tmp_path / "p4rt.txt"),
        "--",
        "--grpc-server-addr",
        "127.0.0.1:0",
    ]
    host = _raw(peer)
    outcome: dict[str, object] = {}

    def drive() -> None:
        switch = None
        for _ in range(100):
            switch = fake_runtime.get("switch")
            if switch is not None:
                break
            time.sleep(0.05)
        if switch is None or not switch.running.wait(10):
            return  # main() stopped before its event loop ran: it returns by itself
        try:
            host.send(FRAME)
            outcome["reply"] = host.recv(65536)
        finally:  # main() is in its event loop: end it even if this failed, or the run hangs
            os.kill(os.getpid(), signal.SIGTERM)

    driver = threading.Thread(target=drive)
    driver.start()
    try:
        status = main(argv)
    finally:
        driver.join(timeout=15)
        host.close()
    assert status == 0
    assert outcome.get("reply") == FRAME[::-1]

    switch, server = fake_runtime["switch"], fake_runtime["server"]
    assert (switch.device_id, switch.cpu_port, switch.statuses) == (7, 64, [(3, True)])
    assert server.preloaded[0].tables[0].preamble.name == "MyIngress.ipv4_lpm"
    assert (server.address, server.request_log) == ("127.0.0.1:0", tmp_path / "p4rt.txt")
    assert server.calls == ["start", "stop 1.0"]

    in_pcap, out_pcap = pcap_paths(tmp_path / "pcap", end)
    assert [p for p, _ in RawPcapReader(str(in_pcap))] == [FRAME]
    assert [p for p, _ in RawPcapReader(str(out_pcap))] == [FRAME[::-1]]

    out = capsys.readouterr().out
    log = log_file.read_text()
    events = [
        f"p4sim run: device 7, P4Runtime on 127.0.0.1:0 (port 0), ports 3@{end}",
        "p4sim run: stopping",
        f"port 3 ({end}): rx 1, tx 1, tx dropped 0 (link down or refused)",
        "1 packet(s) sent to ports with no interface dropped",
    ]
    assert [line.split("] ", 1)[1] for line in out.splitlines()] == events
    trace = f"packet of {len(FRAME)} bytes on port 3"
    assert [line.split("] ", 1)[1] for line in log.splitlines()] == [events[0], trace, *events[1:]]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


# ---------------------------------------------------------------- end to end (real runtime)


@needs_root
def test_p4sim_run_forwards_with_basic_p4(veth_pair, tmp_path) -> None:
    """The real switch: pipeline and a route pushed over P4Runtime, then a frame forwarded."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    from mininet_topos.routes import Route, install_routes
    from p4sim.compiler import compile_file, write_outputs

    write_outputs(compile_file(BASIC), tmp_path / "basic")
    end, peer = veth_pair
    port = free_tcp_port()
    address = f"127.0.0.1:{port}"
    command = [
        sys.executable,
        "-c",
        "import sys; from p4sim.switchd import main; sys.exit(main(sys.argv[1:]))",
        "--no-p4",
        "-i",
        f"1@{end}",
        "--grpc-server-addr",
        address,
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.1)
        install_routes(
            address,
            0,
            tmp_path / "basic" / "basic.p4info.txtpb",
            tmp_path / "basic" / "basic.p4sim.json",
            [Route("10.0.2.2/32", "08:00:00:00:02:22", 1)],
        )
        host = _raw(peer)
        try:
            sent = (
                Ether(dst="02:00:00:00:00:01", src="08:00:00:00:01:11")
                / IP(src="10.0.1.1", dst="10.0.2.2", ttl=64)
                / UDP(sport=1, dport=2)
            )
            host.send(bytes(sent))
            received = Ether(host.recv(65536))
        finally:
            host.close()
        assert (received.dst, received.src, received[IP].ttl) == (
            "08:00:00:00:02:22",
            "02:00:00:00:00:01",
            63,
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

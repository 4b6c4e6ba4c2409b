"""Where a test's program runs: p4sim in this process, or BMv2 on veth pairs.

Both serve P4Runtime on a local address; tests only see `address`, `send` and `receive`, so
the same test runs unchanged on either target (`pytest --target p4sim|bmv2`).
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Protocol

from harness.veth import add_veth_pair, delete_link
from mininet_topos.targets import BMV2_TOOLS

CPU_PORT = 255  # BMv2's usual --cpu-port in the P4 tutorials; p4sim uses the same


class Target(Protocol):
    """A running switch a test talks to."""

    name: str
    address: str  # P4Runtime gRPC address
    device_id: int
    cpu_port: int

    def send(self, port: int, data: bytes) -> None: ...

    #: how long to wait before concluding that no (more) packet will come out
    settle: float

    def receive(self, timeout: float) -> list[tuple[int, bytes]]:
        """Frames that left the switch since the last call: waits up to `timeout` for the
        first one, then returns everything already there."""
        ...

    def close(self) -> None: ...


class P4simTarget:
    """p4sim's Switch + P4Runtime server in this process. Packets sent with `send` are handled
    synchronously; a PacketOut comes over the P4Runtime stream and is handled on a server
    thread, so `receive` waits for it. `cpu_port` None: the switch has none."""

    name = "p4sim"
    settle = 0.02  # a PacketOut in flight reaches the switch within milliseconds

    def __init__(self, device_id: int = 0, cpu_port: int | None = CPU_PORT) -> None:
        from p4sim.runtime.dataplane import Dataplane
        from p4sim.runtime.switch import Switch
        from p4sim.server import make_server

        self.device_id = device_id
        self.cpu_port = cpu_port
        self.switch = Switch(device_id=device_id, cpu_port=cpu_port)
        self._out: list[tuple[int, bytes]] = []
        self._arrived = threading.Condition()
        self.dataplane = Dataplane(self.switch, self._transmit)
        self.server = make_server(self.switch, self.dataplane, "127.0.0.1:0")
        self.server.start()
        self.address = f"127.0.0.1:{self.server.port}"

    def send(self, port: int, data: bytes) -> None:
        self.dataplane.inject(port, data)

    def _transmit(self, port: int, data: bytes) -> None:
        with self._arrived:
            self._out.append((port, data))
            self._arrived.notify_all()

    def receive(self, timeout: float) -> list[tuple[int, bytes]]:
        with self._arrived:
            self._arrived.wait_for(lambda: self._out, timeout)
            out, self._out = self._out, []
        return out

    def close(self) -> None:
        self.server.stop(0)


def bmv2_unavailable() -> str | None:
    """Why the BMv2 target cannot run here (None when it can)."""
    missing = [tool for tool in BMV2_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"BMv2 target needs {' and '.join(missing)} on PATH"
    if os.geteuid() != 0:
        return "BMv2 target needs root (it creates veth pairs)"
    return None


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_tcp_port_range(count: int) -> int:
    """A port p with p .. p+count-1 all free on 127.0.0.1 right now (for port-base options)."""
    for _ in range(50):
        base = free_tcp_port()
        if base + count > 65536:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


class Bmv2Target:
    """`simple_switch_grpc` with one veth pair per port; the test owns the outer ends."""

    name = "bmv2"
    settle = 0.2  # frames cross veths and BMv2's queues asynchronously

    def __init__(
        self, ports: tuple[int, ...] = (0, 1, 2, 3, 4), device_id: int = 0,
        cpu_port: int = CPU_PORT, log_dir: Path | None = None,
    ) -> None:
        from p4sim.io.afpacket import AfPacketPort

        self.device_id = device_id
        self.cpu_port = cpu_port
        self._veths: list[str] = []
        self._ports: dict[int, AfPacketPort] = {}
        grpc_port = free_tcp_port()
        thrift_port = free_tcp_port()
        # Named after the gRPC port, which no other running target holds, so that several
        # targets (in this process or another) never ask for the same interface names.
        tag = f"pt{grpc_port}"
        self.address = f"127.0.0.1:{grpc_port}"
        self.thrift_port = thrift_port
        interfaces = []
        try:
            for port in ports:
                switch_end, test_end = f"{tag}s{port}", f"{tag}t{port}"
                add_veth_pair(switch_end, test_end)
                self._veths.append(switch_end)
                interfaces += ["-i", f"{port}@{switch_end}"]
                self._ports[port] = AfPacketPort(port, test_end)
            log = (log_dir or Path("build/logs")) / f"bmv2-test-{grpc_port}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            self._log = log.open("w")
            self.command = [
                "simple_switch_grpc", "--device-id", str(device_id), *interfaces,
                "--thrift-port", str(thrift_port), "--no-p4", "--",
                "--grpc-server-addr", self.address, "--cpu-port", str(cpu_port),
            ]
            self._proc = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT)
            self._wait_for_grpc(grpc_port, log)
        except BaseException:
            self.close()
            raise

    def _wait_for_grpc(self, port: int, log: Path) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = log.read_text(errors="replace").splitlines()[-10:]
                raise RuntimeError(
                    f"simple_switch_grpc exited with {self._proc.returncode}: "
                    f"{' '.join(self.command)}\n" + "\n".join(tail)
                )
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"simple_switch_grpc did not open {self.address} within 10 s")

    def send(self, port: int, data: bytes) -> None:
        self._ports[port].send(data)

    def receive(self, timeout: float) -> list[tuple[int, bytes]]:
        out: list[tuple[int, bytes]] = []
        wait = timeout
        while True:
            ready, _, _ = select.select(list(self._ports.values()), [], [], wait)
            for port in ready:
                out.extend((port.number, frame) for frame in port.receive(64))
            if not ready:
                return out
            wait = 0.0  # got some: take what is already queued, without waiting again

    def close(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for port in self._ports.values():
            port.close()
        for ifname in self._veths:
            delete_link(ifname)
        if getattr(self, "_log", None) is not None:
            self._log.close()

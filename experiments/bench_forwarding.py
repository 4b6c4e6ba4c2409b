"""Benchmark: basic.p4 forwarding rate of p4sim, in process and through veth ports, and RSS.

Issue 3 goals: >= 50,000 packets/s in process, >= 20,000 packets/s over veths on one core,
< 150 MB RSS for a switch process.

Method:
- in process: a Switch with basic.p4 and 100 /24 routes; one 92-byte UDP frame matching a
  route is processed N times through `Switch.process_packet` (parse, LPM lookup, rewrite,
  checksum, deparse); the rate is N / wall time, median of REPEAT runs.
- veth (needs root): `p4sim run` on two veth pairs, pinned to one CPU with taskset; the
  pipeline and routes are pushed over P4Runtime; a sender on another CPU writes frames into
  port 1's peer for DURATION seconds as fast as it can, a receiver counts what comes out of
  port 2's peer. The rate is frames received / time between first and last received frame, so
  it measures what the switch forwards, not what the sender offers. RSS is read from
  /proc/<pid>/status (VmRSS now, VmHWM peak) after the run.
Results go to stdout and results/bench_forwarding.csv. Numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from mininet_topos.launch import stop_process

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3
N = 20000
DURATION = 5.0
ROUTES = 100


def frame() -> bytes:
    return bytes(
        Ether(dst="00:00:00:00:00:01", src="00:00:00:00:00:02")
        / IP(src="10.0.0.1", dst="10.0.42.7", ttl=64)
        / UDP(sport=1000, dport=2000)
        / (b"x" * 50)
    )


def in_process() -> float:
    from p4sim import ir
    from p4sim.compiler import compile_file
    from p4sim.runtime.switch import Switch
    from p4sim.runtime.tables import ActionCall, Lpm, TableEntry

    compiled = compile_file(ROOT / "p4src" / "basic.p4")
    switch = Switch()
    switch.load_pipeline(ir.dumps(compiled.program).encode())
    table = switch.tables["MyIngress.ipv4_lpm"]
    for i in range(ROUTES):
        table.insert(
            TableEntry(
                match=(Lpm((10 << 24) | (i << 8), 24),),
                action=ActionCall("MyIngress.ipv4_forward", (0x0200_0000_0000 + i, 2)),
            )
        )
    data = frame()
    assert switch.process_packet(1, data), "the benchmark frame was not forwarded"
    rates = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for _ in range(N):
            switch.process_packet(1, data)
        rates.append(N / (time.perf_counter() - start))
    return statistics.median(rates)


def _veth(a: str, b: str) -> None:
    subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
    for name in (a, b):
        subprocess.run(["ip", "link", "set", name, "up"], check=True)
        subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{name}.disable_ipv6=1"], check=False)


def _raw(ifname: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    return s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> tuple[int, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()[0] if value.split() else "0"
    return int(fields.get("VmRSS", 0)), int(fields.get("VmHWM", 0))


def over_veth() -> tuple[float, int, int]:
    from controller.switch import SwitchConnection

    build = ROOT / "build" / "basic"
    if not (build / "basic.p4sim.json").exists():
        subprocess.run([sys.executable, "-m", "p4sim.cli", "compile", "p4src/basic.p4", "-o",
                        str(build), "-q"], check=True, cwd=ROOT)
    _veth("bfs1", "bft1")
    _veth("bfs2", "bft2")
    port = _free_port()
    cpus = sorted(os.sched_getaffinity(0))
    switch_cpu, other_cpus = cpus[-1], cpus[:-1] or cpus
    proc = subprocess.Popen(
        ["taskset", "-c", str(switch_cpu), sys.executable, "-m", "p4sim.cli", "run",
         "--no-p4", "-i", "1@bfs1", "-i", "2@bfs2", "--grpc-server-addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        os.sched_setaffinity(0, set(other_cpus))
        deadline = time.monotonic() + 15
        conn = None
        while conn is None:
            try:
                conn = SwitchConnection("bench", f"127.0.0.1:{port}")
                conn.connect()
            except Exception:  # noqa: BLE001 - the switch is still starting
                conn = None
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("p4sim run did not start: " + proc.stderr.read().decode()
                                       if proc.poll() is not None else "timeout") from None
                time.sleep(0.2)
        conn.set_pipeline(build / "basic.p4info.txtpb", build / "basic.p4sim.json")
        for i in range(ROUTES):
            conn.insert_table_entry("MyIngress.ipv4_lpm", {"hdr.ipv4.dstAddr": f"10.0.{i}.0/24"},
                                    "MyIngress.ipv4_forward",
                                    {"dstAddr": f"02:00:00:00:00:{i:02x}", "port": 2})
        rx, tx = _raw("bft2"), _raw("bft1")
        rx.settimeout(0.5)
        received: list[float] = []
        stop = threading.Event()

        def receive() -> None:
            while not stop.is_set():
                try:
                    rx.recv(2048)
                except TimeoutError:
                    continue
                received.append(time.perf_counter())

        thread = threading.Thread(target=receive, daemon=True)
        thread.start()
        data = frame()
        end = time.perf_counter() + DURATION
        while time.perf_counter() < end:
            for _ in range(64):
                try:
                    tx.send(data)
                except OSError:  # ENOBUFS when the switch falls behind: offer less
                    time.sleep(0.0005)
        time.sleep(1.0)
        stop.set()
        thread.join()
        conn.close()
        rss, peak = _rss_kib(proc.pid)
        if len(received) < 2:
            raise RuntimeError("no frames came out of the switch")
        rate = (len(received) - 1) / (received[-1] - received[0])
        return rate, rss, peak
    finally:
        stop_process(proc, grace=10)  # SIGKILL if need be, so the veths below always go
        for name in ("bfs1", "bfs2"):
            subprocess.run(["ip", "link", "del", name], check=False, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # --help
    rows = [("in_process_pkt_per_s", f"{in_process():.0f}")]
    print(f"basic.p4 in process: {rows[0][1]} packets/s (goal >= 50000)")
    if os.geteuid() == 0:
        rate, rss, peak = over_veth()
        rows += [("veth_pkt_per_s", f"{rate:.0f}"), ("switch_rss_kib", str(rss)),
                 ("switch_peak_rss_kib", str(peak))]
        print(f"basic.p4 over veths, switch on one CPU: {rate:.0f} packets/s (goal >= 20000)")
        print(f"switch process RSS: {rss / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB (goal < 150)")
    else:
        print("veth benchmark skipped: needs root (veth pairs, AF_PACKET)")
    out = ROOT / "results" / "bench_forwarding.csv"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", newline="") as f:
        csv.writer(f).writerows([("metric", "value"), *rows])
    print(f"results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

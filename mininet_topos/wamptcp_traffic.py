"""Running the project's traffic tool (`python -m apps.traffic`) inside Mininet hosts.

The server runs for the life of the scenario; each measurement is one client process whose
JSON-lines output (series, then summary) is parsed here. Clients can run one at a time
(`measure`) or side by side (`start_client` ... `collect`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from mininet_topos.launch import stop_process
from mininet_topos.wamptcp_net import ScenarioError

TOOL = [sys.executable, "-m", "apps.traffic"]
PORT = 5201


def _tool(nice: int) -> list[str]:
    return ["nice", "-n", str(nice), *TOOL] if nice else list(TOOL)


class TrafficServer:
    """`apps.traffic server` in a host, until `stop()`."""

    def __init__(self, node: Any, port: int = PORT, nice: int = 0) -> None:
        self.node = node
        self.port = port
        self.proc = node.popen(
            [*_tool(nice), "server", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._wait_listening()

    def _wait_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ScenarioError(f"traffic server exited: {self.proc.stderr.read().strip()}")
            listening = self.node.cmd(f"ss -Hltn 'sport = :{self.port}'")
            if str(self.port) in listening:
                return
            time.sleep(0.1)
        raise ScenarioError(f"traffic server on {self.node.name} did not listen in time")

    def stop(self) -> None:
        stop_process(self.proc)


def start_client(
    node: Any, server: str, args: Sequence[str], port: int = PORT, nice: int = 0
) -> subprocess.Popen[str]:
    """A client process: `apps.traffic client SERVER --port PORT ARGS...` (JSON lines out)."""
    return node.popen(
        [*_tool(nice), "client", server, "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(proc: subprocess.Popen[str], timeout: float) -> tuple[list[dict], dict]:
    """(series lines, summary) of a finished client; ScenarioError when it failed."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise ScenarioError(f"traffic client did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        raise ScenarioError(f"traffic client failed: {err.strip()}")
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    if not lines or lines[-1].get("type") != "summary":
        raise ScenarioError("traffic client ended without a summary")
    return lines[:-1], lines[-1]


def measure(
    node: Any, server: str, args: Sequence[str], timeout: float, port: int = PORT, nice: int = 0
) -> tuple[list[dict], dict]:
    """Run one client to completion."""
    return collect(start_client(node, server, args, port, nice), timeout)


def per_second(lines: Sequence[dict], start: float, unit: str = "bytes") -> list[float]:
    """Interval series summed per whole second from `start` (Mbit/s for bytes)."""
    buckets: dict[int, float] = {}
    for line in lines:
        if line.get("type") == "interval" and unit in line:
            second = int(line["t"] - start - 1e-9)
            buckets[second] = buckets.get(second, 0) + line[unit]
    if not buckets:
        return []
    scale = 8 / 1e6 if unit == "bytes" else 1
    return [buckets.get(s, 0) * scale for s in range(max(buckets) + 1)]

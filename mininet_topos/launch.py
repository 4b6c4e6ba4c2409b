"""Starting and stopping one switch process (simple_switch_grpc or `p4sim run`).

Kept apart from the Mininet node so it can be used and tested without Mininet. A switch that
fails to start raises SwitchStartError whose text has the exact command, the last lines of the
switch's log and the likely cause, never just "did not start".
"""

from __future__ import annotations

import ctypes
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOG_TAIL_LINES = 15
PR_SET_PDEATHSIG = 1


class SwitchStartError(RuntimeError):
    """A switch process that did not come up; the message says what was run and why it failed."""


@dataclass(frozen=True)
class SwitchLaunch:
    """Everything needed to start one switch; `command()` gives its exact command line."""

    name: str
    target: str  # "bmv2" or "p4sim"
    ports: Mapping[int, str]  # port number -> interface name
    device_id: int
    grpc_port: int
    log_dir: Path
    thrift_port: int | None = None  # bmv2 only: each switch needs its own
    cpu_port: int | None = None
    host: str = "127.0.0.1"
    # per-packet trace (--log-console) and pcaps: at 10 Mbit/s and more they cost a Python
    # switch more than forwarding does, so experiments turn them off
    trace: bool = True

    @property
    def grpc_address(self) -> str:
        return f"{self.host}:{self.grpc_port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    @property
    def pid_path(self) -> Path:
        return self.log_dir / f"{self.name}.pid"

    @property
    def pcap_dir(self) -> Path:
        return self.log_dir / "pcaps"

    @property
    def p4runtime_log(self) -> Path:
        return self.log_dir / f"{self.name}-p4runtime-requests.txt"

    def command(self) -> list[str]:
        ports = [arg for n, ifname in sorted(self.ports.items()) for arg in ("-i", f"{n}@{ifname}")]
        common = [
            *ports,
            "--device-id",
            str(self.device_id),
        ]
        if self.trace:
            common += ["--log-console", "--pcap", str(self.pcap_dir)]
        target_args = ["--grpc-server-addr", self.grpc_address]
        if self.cpu_port is not None:
            target_args += ["--cpu-port", str(self.cpu_port)]
        if self.target == "bmv2":
            thrift = ["--thrift-port", str(self.thrift_port)] if self.thrift_port else []
            return [
                "simple_switch_grpc",
                *common,
                *thrift,
                "--no-p4",
                "--",
                *target_args,
            ]
        if self.target == "p4sim":
            return [
                *p4sim_command(),
                *common,
                *target_args,
                "--p4runtime-log",
                str(self.p4runtime_log),
                "--no-p4",
            ]
        raise ValueError(f"unknown target {self.target!r} (bmv2 or p4sim)")


def p4sim_command() -> list[str]:
    """`p4sim run` of the running interpreter's environment (the project's .venv)."""
    script = Path(sys.executable).with_name("p4sim")
    if script.exists():
        return [str(script), "run"]
    return [sys.executable, "-m", "p4sim.cli", "run"]


def listener_on(host: str, port: int) -> str | None:
    """Who listens on host:port: `pid N (name)` (from `ss`), "a process", or None if nobody."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return None
    ss = shutil.which("ss")
    if ss is not None:
        out = subprocess.run(
            [ss, "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=False
        ).stdout
        start = out.find('(("')
        if start >= 0:
            name, _, rest = out[start + 3 :].partition('"')
            pid = rest.partition("pid=")[2].partition(",")[0]
            return f"pid {pid} ({name})"
    return "a process"


def likely_cause(launch: SwitchLaunch, log_tail: str, returncode: int | None) -> str:
    """The most probable reason a switch did not come up, from its log and exit status."""
    text = log_tail.lower()
    if "already in use" in text or "failed to bind" in text or "address in use" in text:
        return (
            f"gRPC port {launch.grpc_port} is in use by another process "
            "(a switch left over from an earlier run? `make run` cleans those up)"
        )
    if "do not exist" in text or "no such device" in text or "cannot find device" in text:
        return "an interface given with -i does not exist (was its Mininet link created?)"
    if "need root" in text or "operation not permitted" in text or "permission denied" in text:
        return "the switch needs root to open raw sockets: run as root (sudo make run)"
    if "no module named" in text or "internal error" in text or "traceback" in text:
        return "the switch crashed on start-up (a bug or a broken install; see the log)"
    if returncode is not None and returncode < 0:
        return f"the switch was killed by signal {signal.Signals(-returncode).name}"
    if returncode is None:
        return (
            f"the switch is running but its gRPC port {launch.grpc_port} did not answer "
            "in time (machine overloaded?)"
        )
    return f"the switch exited with status {returncode}; see its log above"


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _failure(launch: SwitchLaunch, what: str, cause: str, *, tail: str | None = None) -> str:
    text = [
        f"switch {launch.name} did not start: {what}",
        f"  command: {shlex.join(launch.command())}",
    ]
    if tail is not None:
        text.append(f"  last lines of {launch.log_path}:")
        text += [f"    | {line}" for line in tail.splitlines()] or ["    | (empty)"]
    text.append(f"  likely cause: {cause}")
    return "\n".join(text)


def die_with_parent() -> None:
    """In a child (preexec_fn): get SIGTERM when its parent dies, even by SIGKILL (prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def launch_switch(launch: SwitchLaunch) -> subprocess.Popen[bytes]:
    """Start the switch process, its output in `launch.log_path`; checks what can fail at once."""
    holder = listener_on(launch.host, launch.grpc_port)
    if holder is not None:
        raise SwitchStartError(
            _failure(
                launch,
                f"gRPC port {launch.grpc_address} is taken",
                f"port in use by {holder}: stop it, or choose other ports (--grpc-port-base)",
            )
        )
    command = launch.command()
    launch.log_dir.mkdir(parents=True, exist_ok=True)
    launch.pcap_dir.mkdir(parents=True, exist_ok=True)
    launch.p4runtime_log.unlink(missing_ok=True)  # the server appends; one run per file
    with open(launch.log_path, "wb") as log:
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        except FileNotFoundError:
            hint = (
                "install BMv2 (simple_switch_grpc) or use TARGET=p4sim"
                if launch.target == "bmv2"
                else "run `make install` to create the p4sim command"
            )
            raise SwitchStartError(
                _failure(launch, f"{command[0]} not found", f"missing binary: {hint}")
            ) from None
    launch.pid_path.write_text(f"{proc.pid}\n")
    return proc


def wait_until_ready(launch: SwitchLaunch, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once the gRPC port accepts connections; SwitchStartError (process stopped) if not."""
    deadline = time.monotonic() + timeout
    while True:
        returncode = proc.poll()
        if returncode is not None:
            launch.pid_path.unlink(missing_ok=True)
            raise _not_ready(launch, f"it exited with status {returncode}", returncode)
        try:
            socket.create_connection((launch.host, launch.grpc_port), timeout=0.2).close()
            return
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_switch(launch, proc)
            what = f"gRPC port {launch.grpc_address} did not answer within {timeout:g} s"
            raise _not_ready(launch, what, None)
        time.sleep(0.1)


def _not_ready(launch: SwitchLaunch, what: str, returncode: int | None) -> SwitchStartError:
    """The error for a switch that ran but never served: its log's last lines tell why."""
    tail = _log_tail(launch.log_path)
    return SwitchStartError(
        _failure(launch, what, likely_cause(launch, tail, returncode), tail=tail)
    )


def stop_switch(launch: SwitchLaunch, proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; removes the pid file."""
    stop_process(proc, grace)
    launch.pid_path.unlink(missing_ok=True)


def stop_process(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM a child if it still runs, then SIGKILL after `grace` seconds; reaps it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def is_switch_process(pid: int) -> bool:
    """True when `pid` runs simple_switch_grpc or `p4sim run` (pid files can be stale)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    names = [os.path.basename(arg.decode(errors="replace")) for arg in argv]
    if "simple_switch_grpc" in names:
        return True
    return "run" in names and any(n == "p4sim" or n.startswith("p4sim.") for n in names)

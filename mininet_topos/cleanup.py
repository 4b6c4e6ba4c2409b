"""Cleanup that always runs: undo actions on exit, SIGTERM or SIGHUP, and leftovers of crashes.

`CleanupStack` runs its actions once, newest first, whichever way the scenario ends: normal
return, exception, Ctrl-C (KeyboardInterrupt), SIGTERM/SIGHUP (turned into SystemExit so
`finally` blocks run) or interpreter exit (atexit). What a crash still leaves behind (a SIGKILL,
a power cut) is removed by `remove_leftovers` on the next run, in the spirit of `mn -c` but
limited to this topology's interfaces and processes: nothing else on the machine is touched.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from mininet_topos.launch import is_switch_process


class CleanupStack:
    """Undo actions, run once in reverse order; a failing action is reported, not raised."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, Callable[[], None]]] = []

    def push(self, description: str, action: Callable[[], None]) -> None:
        self._actions.append((description, action))

    def run(self) -> None:
        while self._actions:
            description, action = self._actions.pop()
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - the remaining actions must still run
                print(
                    f"cleanup: {description} failed: {type(exc).__name__}: {exc}", file=sys.stderr
                )

    def install(self) -> None:
        """Run at interpreter exit, and make SIGTERM/SIGHUP exit through `finally` blocks."""
        atexit.register(self.run)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _alive(pid: int) -> bool:
    """Running and not a zombie (a zombie waits for its parent, it is done)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _terminate(pid: int, grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL if still running after `grace` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _node_shells(nodes: set[str]) -> Iterable[int]:
    """Mininet's node shells (`bash ... mininet:<node>`) of these nodes still running."""
    wanted = {f"mininet:{node}" for node in nodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        args = [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]
        if args and args[-1] in wanted:
            yield int(entry.name)


def remove_leftovers(nodes: Iterable[str], log_dir: Path) -> list[str]:
    """Kill switch processes and node shells of an earlier run, delete their interfaces.

    Only processes named in `log_dir/*.pid` that still run a switch, shells of these nodes and
    interfaces named `<node>-eth<N>` are touched. Returns what was removed, for the user.
    """
    nodes = set(nodes)
    removed = []
    for pid_file in sorted(log_dir.glob("*.pid")):
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            pid = 0
        if pid > 0 and is_switch_process(pid):
            _terminate(pid)
            removed.append(f"switch process {pid} ({pid_file.stem})")
        pid_file.unlink(missing_ok=True)
    for pid in _node_shells(nodes):
        _terminate(pid, grace=0)  # interactive shells ignore SIGTERM
        removed.append(f"node shell {pid}")
    pattern = re.compile(rf"({'|'.join(map(re.escape, sorted(nodes)))})-eth\d+")
    net = Path("/sys/class/net")
    for ifname in sorted(p.name for p in net.iterdir()) if net.is_dir() and nodes else ():
        if pattern.fullmatch(ifname):  # deleting one end of a veth also deletes the other
            done = subprocess.run(["ip", "link", "del", ifname], capture_output=True, check=False)
            if done.returncode == 0:
                removed.append(f"interface {ifname}")
    return removed

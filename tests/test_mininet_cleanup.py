"""Tests of mininet_topos.cleanup: undo actions and removal of a crashed run's leftovers.

Leftovers are produced for real (a stand-in switch process with a pid file, a shell named like
a Mininet node, veths named like the topology's links) and must go, while an unrelated process
with a pid file and an unrelated interface stay.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mininet_topos.cleanup import CleanupStack, remove_leftovers

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="creating interfaces needs root")


def test_cleanup_runs_once_newest_first_despite_failures(capsys) -> None:
    done: list[str] = []
    stack = CleanupStack()
    stack.push("first", lambda: done.append("first"))
    stack.push("broken", lambda: 1 / 0)
    stack.push("last", lambda: done.append("last"))
    stack.run()
    stack.run()
    assert done == ["last", "first"]
    assert capsys.readouterr().err == (
        "cleanup: broken failed: ZeroDivisionError: division by zero\n"
    )


def test_sigterm_runs_the_cleanup_through_atexit(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    script = (
        "import sys, time; from pathlib import Path\n"
        "from mininet_topos.cleanup import CleanupStack\n"
        "stack = CleanupStack(); stack.install()\n"
        f"stack.push('mark', lambda: Path({str(marker)!r}).write_text('yes'))\n"
        "print('ready', flush=True); time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 128 + signal.SIGTERM
    assert marker.read_text() == "yes"


def _stand_in_switch(bindir: Path) -> subprocess.Popen[bytes]:
    script = bindir / "simple_switch_grpc"
    script.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    script.chmod(0o755)
    return subprocess.Popen([str(script), "--no-p4"])


@needs_root
def test_remove_leftovers_takes_only_this_topologys_things(tmp_path: Path) -> None:
    tag = secrets.token_hex(2)
    node, other = f"zs{tag}", f"zo{tag}"
    logs = tmp_path / "logs"
    logs.mkdir()
    (tmp_path / "bin").mkdir()
    switch = _stand_in_switch(tmp_path / "bin")
    bystander = subprocess.Popen(["sleep", "60"])
    shell = subprocess.Popen(  # how Mininet starts a node's shell
        ["bash", "--norc", "--noediting", "-is", f"mininet:{node}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    (logs / "s1.pid").write_text(f"{switch.pid}\n")
    (logs / "s2.pid").write_text(f"{bystander.pid}\n")
    (logs / "s3.pid").write_text("garbage\n")
    created = [f"{node}-eth1", f"{other}-eth1"]
    subprocess.run(
        ["ip", "link", "add", created[0], "type", "veth", "peer", "name", f"{node}-eth2"],
        check=True,
    )
    subprocess.run(
        ["ip", "link", "add", created[1], "type", "veth", "peer", "name", f"{other}-eth2"],
        check=True,
    )
    try:
        time.sleep(0.2)  # let the stand-ins exec, so /proc shows their final command lines
        removed = remove_leftovers([node, f"zh{tag}"], logs)  # never a real name like h1
        assert removed == [
            f"switch process {switch.pid} (s1)",
            f"node shell {shell.pid}",
            f"interface {node}-eth1",
        ]
        assert switch.wait(timeout=5) == -signal.SIGTERM
        assert shell.wait(timeout=5) < 0
        assert bystander.poll() is None
        assert sorted(p.name for p in logs.iterdir()) == []
        assert not Path(f"/sys/class/net/{node}-eth1").exists()
        assert not Path(f"/sys/class/net/{node}-eth2").exists()
        assert Path(f"/sys/class/net/{other}-eth1").exists()
    finally:
        for proc in (switch, bystander, shell):
            proc.kill()
            proc.wait()
        for ifname in created:
            subprocess.run(["ip", "link", "del", ifname], capture_output=True, check=False)


def test_remove_leftovers_with_nothing_to_do(tmp_path: Path) -> None:
    assert remove_leftovers([], tmp_path) == []
    assert remove_leftovers(["zz9nothere"], tmp_path / "no-such-dir") == []

"""Tests of `make doctor` (mininet_topos.doctor): each check's verdict and the printed report.

Tools are stand-in scripts or a fake `which`, files are temporary, so the verdicts are checked
for machines that have and that lack each thing, whatever this machine has.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mininet_topos import doctor
from mininet_topos.doctor import (
    Check,
    check_mininet,
    check_mptcp,
    check_netem,
    check_python_deps,
    check_root,
    check_tool,
    render,
    target_summary,
)

REPO = Path(__file__).resolve().parents[1]


def _which(**paths: str):
    return lambda name: paths.get(name.replace("-", "_"))


@pytest.fixture
def fake_tool(tmp_path: Path) -> Path:
    tool = tmp_path / "fake-tool"
    tool.write_text("#!/bin/sh\necho 'fake-tool 1.2.3'\necho 'second line'\n")
    tool.chmod(0o755)
    return tool


def test_check_tool(fake_tool: Path) -> None:
    assert check_tool("p4c-bm2-ss", _which(p4c_bm2_ss=str(fake_tool)), "hint") == Check(
        "p4c-bm2-ss", "ok", f"{fake_tool} (fake-tool 1.2.3)"
    )
    assert check_tool("p4c-bm2-ss", _which(), "build it") == Check(
        "p4c-bm2-ss", "missing", "not on PATH; build it"
    )


def test_check_root() -> None:
    assert check_root(0).status == "ok"
    assert check_root(1000) == Check(
        "root", "missing", "uid 1000: `make run` and veth tests need root (sudo)"
    )


def test_check_mininet(fake_tool: Path) -> None:
    which = _which(mn=str(fake_tool))
    assert check_mininet(which, importable=True) == Check(
        "Mininet", "ok", f"{fake_tool} fake-tool 1.2.3, importable from .venv"
    )
    assert check_mininet(which, importable=False) == Check(
        "Mininet",
        "missing",
        f"{fake_tool} fake-tool 1.2.3, but not importable from {sys.executable}; "
        "`make system-deps` makes it visible to .venv",
    )
    assert check_mininet(_which(), importable=True) == Check(
        "Mininet", "missing", "`mn` not on PATH; run `sudo make system-deps`"
    )


def test_check_mptcp(tmp_path: Path) -> None:
    sysctl = tmp_path / "enabled"
    sysctl.write_text("1\n")
    assert check_mptcp(sysctl) == Check("kernel MPTCP", "ok", "net.mptcp.enabled = 1")
    sysctl.write_text("0\n")
    assert check_mptcp(sysctl) == Check(
        "kernel MPTCP", "missing", "net.mptcp.enabled = 0; enable: sysctl -w net.mptcp.enabled=1"
    )
    assert check_mptcp(tmp_path / "absent").detail == (
        "no net.mptcp.enabled: kernel built without MPTCP"
    )


def test_check_netem() -> None:
    assert check_netem(True).status == "ok"
    assert check_netem(None) == Check("netem", "note", "cannot tell without root")
    assert check_netem(False) == Check(
        "netem",
        "note",
        "kernel has no sch_netem: link delay/loss are ignored with a warning "
        "(bandwidth limits still work)",
    )


def test_check_python_deps() -> None:
    installed = check_python_deps()
    assert installed.status == "ok"
    assert installed.detail.endswith("requirements of p4-dataplane satisfied")
    assert check_python_deps("no-such-distribution-p4") == Check(
        "Python deps", "missing", "no-such-distribution-p4 not installed: run `make install`"
    )


def test_target_summary(fake_tool: Path) -> None:
    both = _which(p4c_bm2_ss="/x/p4c-bm2-ss", simple_switch_grpc="/x/simple_switch_grpc")
    assert target_summary("auto", both) == (
        "TARGET=auto -> bmv2 (p4c-bm2-ss and simple_switch_grpc are on PATH)"
    )
    assert target_summary("auto", _which(p4c_bm2_ss="/x/p4c-bm2-ss")) == (
        "TARGET=auto -> p4sim (BMv2 needs p4c-bm2-ss and simple_switch_grpc on PATH; "
        "found p4c-bm2-ss)"
    )
    assert target_summary("auto", _which()).endswith("found neither)")
    assert target_summary("p4sim", both) == "TARGET=p4sim -> p4sim (chosen explicitly)"


def test_render_aligns_the_report() -> None:
    checks = [
        Check("root", "ok", "yes"),
        Check("Mininet", "missing", "no"),
        Check("x", "note", "?"),
    ]
    assert render(checks, "TARGET=auto -> p4sim (why)") == (
        "doctor: what this machine has\n"
        "  [ok] root     yes\n"
        "  [--] Mininet  no\n"
        "  [!!] x        ?\n"
        "TARGET=auto -> p4sim (why)"
    )


def test_doctor_reports_every_item_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mininet_topos.doctor", "--target", "auto"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    names = [line[7:].split("  ")[0].strip() for line in lines[1:-1]]
    assert names == [
        "p4c-bm2-ss",
        "simple_switch_grpc",
        "Mininet",
        "ethtool",
        "root",
        "kernel MPTCP",
        "netem",
        "Python deps",
    ]
    assert lines[-1] == target_summary("auto", doctor.shutil.which)

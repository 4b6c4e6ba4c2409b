"""`make doctor`: what this machine has for building and running the P4 programs.

Reports the BMv2 toolchain (p4c-bm2-ss, simple_switch_grpc), Mininet and the tools its scenario
needs, root, kernel MPTCP and netem, the project's Python dependencies, and which target
TARGET=auto picks. It only reports: the exit status is 0 whatever is missing, and nothing here
needs Mininet or the P4 tools to be importable or installed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from mininet_topos.netem import netem_available
from mininet_topos.targets import BMV2_TOOLS, TARGETS, resolve_target

DISTRIBUTION = "p4-dataplane"
MPTCP_SYSCTL = Path("/proc/sys/net/mptcp/enabled")
Which = Callable[[str], str | None]


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "missing" (something is absent) or "note" (works, with a limitation)
    detail: str


def _version(path: str, args: Sequence[str] = ("--version",)) -> str:
    """First line a tool prints about its version, or "" if it prints nothing usable."""
    try:
        done = subprocess.run([path, *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def check_tool(name: str, which: Which, missing_hint: str) -> Check:
    path = which(name)
    if path is None:
        return Check(name, "missing", f"not on PATH; {missing_hint}")
    version = _version(path)
    return Check(name, "ok", f"{path}" + (f" ({version})" if version else ""))


def check_root(euid: int) -> Check:
    if euid == 0:
        return Check("root", "ok", "running as root (Mininet and raw sockets work)")
    return Check("root", "missing", f"uid {euid}: `make run` and veth tests need root (sudo)")


def check_mininet(which: Which, importable: bool) -> Check:
    mn = which("mn")
    if mn is None:
        return Check("Mininet", "missing", "`mn` not on PATH; run `sudo make system-deps`")
    version = _version(mn)
    where = f"{mn} {version}".strip()
    if not importable:
        return Check(
            "Mininet",
            "missing",
            f"{where}, but not importable from {sys.executable}; "
            "`make system-deps` makes it visible to .venv",
        )
    return Check("Mininet", "ok", f"{where}, importable from .venv")


def check_mptcp(sysctl: Path = MPTCP_SYSCTL) -> Check:
    try:
        value = sysctl.read_text().strip()
    except OSError:
        return Check("kernel MPTCP", "missing", "no net.mptcp.enabled: kernel built without MPTCP")
    if value == "1":
        return Check("kernel MPTCP", "ok", "net.mptcp.enabled = 1")
    return Check(
        "kernel MPTCP",
        "missing",
        f"net.mptcp.enabled = {value}; enable: sysctl -w net.mptcp.enabled=1",
    )


def check_netem(available: bool | None) -> Check:
    if available is True:
        return Check("netem", "ok", "link delay and loss can be emulated")
    if available is None:
        return Check("netem", "note", "cannot tell without root")
    return Check(
        "netem",
        "note",
        "kernel has no sch_netem: link delay/loss are ignored with a warning "
        "(bandwidth limits still work)",
    )


def check_python_deps(distribution: str = DISTRIBUTION) -> Check:
    try:
        requirements = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return Check("Python deps", "missing", f"{distribution} not installed: run `make install`")
    problems = []
    checked = 0
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": "dev"}):
            continue  # `make install` installs the dev extra
        checked += 1
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{requirement.name} missing")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement.name} {installed} (needs {requirement.specifier})")
    if problems:
        return Check("Python deps", "missing", "; ".join(problems) + " (run `make install`)")
    return Check("Python deps", "ok", f"{checked} requirements of {distribution} satisfied")


def target_summary(requested: str, which: Which) -> str:
    resolved = resolve_target(requested, which)
    if requested != "auto":
        return f"TARGET={requested} -> {resolved} (chosen explicitly)"
    have = [tool for tool in BMV2_TOOLS if which(tool)]
    why = (
        "p4c-bm2-ss and simple_switch_grpc are on PATH"
        if resolved == "bmv2"
        else f"BMv2 needs {' and '.join(BMV2_TOOLS)} on PATH; found "
        + (", ".join(have) if have else "neither")
    )
    return f"TARGET=auto -> {resolved} ({why})"


def run_checks(which: Which = shutil.which) -> list[Check]:
    bmv2_hint = "the BMv2 toolchain is built from source (p4lang); p4sim is used instead"
    return [
        check_tool("p4c-bm2-ss", which, bmv2_hint),
        check_tool("simple_switch_grpc", which, bmv2_hint),
        check_mininet(which, importlib.util.find_spec("mininet") is not None),
        check_tool("ethtool", which, "run `sudo make system-deps` (hosts disable offloads)"),
        check_root(os.geteuid()),
        check_mptcp(),
        check_netem(netem_available()),
        check_python_deps(),
    ]


def render(checks: Sequence[Check], summary: str) -> str:
    marks = {"ok": "ok", "missing": "--", "note": "!!"}
    width = max(len(check.name) for check in checks)
    lines = ["doctor: what this machine has"]
    lines += [f"  [{marks[c.status]}] {c.name:<{width}}  {c.detail}" for c in checks]
    lines.append(summary)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mininet_topos.doctor", description=__doc__)
    parser.add_argument("--target", default="auto", choices=("auto", *TARGETS))
    args = parser.parse_args(argv)
    print(render(run_checks(), target_summary(args.target, shutil.which)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

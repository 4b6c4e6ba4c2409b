"""Which switch target runs the programs, and where its compiled program files are.

Mirrors the Makefile: TARGET=auto means bmv2 when both p4c-bm2-ss and simple_switch_grpc are on
PATH, else p4sim; `make build` writes build/<prog>/<prog>.p4info.txtpb plus <prog>.json (bmv2)
or <prog>.p4sim.json (p4sim).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

TARGETS = ("bmv2", "p4sim")
BMV2_TOOLS = ("p4c-bm2-ss", "simple_switch_grpc")


def resolve_target(requested: str, which: Callable[[str], str | None] = shutil.which) -> str:
    """ "auto" -> "bmv2" if its compiler and switch are both installed, else "p4sim"."""
    if requested in TARGETS:
        return requested
    if requested != "auto":
        raise ValueError(f"target must be auto, bmv2 or p4sim, not {requested!r}")
    return "bmv2" if all(which(tool) for tool in BMV2_TOOLS) else "p4sim"


def program_files(build_dir: Path, program: str, target: str) -> tuple[Path, Path]:
    """(P4Info text file, device config) of `program` built for `target`."""
    directory = build_dir / program
    config = f"{program}.json" if target == "bmv2" else f"{program}.p4sim.json"
    return directory / f"{program}.p4info.txtpb", directory / config

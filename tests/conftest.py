"""Shared pytest configuration.

Tests that need an environment this machine lacks are skipped with the reason shown (pytest
runs with -ra), never silently passed: `bmv2` tests need the reference compiler and switch on
PATH, `mininet` tests need root and Mininet.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Fixtures of the WaMPTCP gateway packet tests (program, start_gateway, branch, remote).
pytest_plugins = ["wamptcp_gateway_fixtures"]


def _bmv2_missing() -> str | None:
    """Why tests marked `bmv2` cannot run here, or None when they can."""
    missing = [tool for tool in ("p4c-bm2-ss", "simple_switch_grpc") if not shutil.which(tool)]
    return f"bmv2 target unavailable: {', '.join(missing)} not on PATH" if missing else None


def _mininet_missing() -> str | None:
    """Why tests marked `mininet` cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "Mininet tests need root"
    if not shutil.which("mn"):
        return "Mininet not installed (make system-deps)"
    return None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        choices=("p4sim", "bmv2"),
        default="p4sim",
        help="where PTF-style tests run their programs: p4sim in-process (default) or BMv2 "
        "simple_switch_grpc on veth pairs (needs p4c, BMv2 and root)",
    )


@pytest.fixture(scope="session")
def target_kind(request: pytest.FixtureRequest) -> str:
    """The target chosen with --target; BMv2 tests are skipped with the reason when missing."""
    from harness import bmv2_unavailable

    kind = request.config.getoption("--target")
    if kind == "bmv2":
        reason = bmv2_unavailable()
        if reason:
            pytest.skip(reason)
    return kind


@pytest.fixture
def switch_under_test(target_kind: str, tmp_path_factory: pytest.TempPathFactory):
    """Factory: `sut = switch_under_test(Path("p4src/basic.p4"))` starts the program on the
    chosen target, connects as primary controller and pushes the pipeline; all are torn down
    after the test, also when it fails."""
    from harness.session import SwitchUnderTest, build_program, start_target

    started: list[SwitchUnderTest] = []

    def start(program: Path) -> SwitchUnderTest:
        out = tmp_path_factory.mktemp(program.stem)
        p4info, config = build_program(Path(program), out, target_kind)
        target = start_target(target_kind)
        try:
            sut = SwitchUnderTest(target, p4info, config)
        except BaseException:
            target.close()
            raise
        started.append(sut)
        return sut

    yield start
    for sut in started:
        sut.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reasons = {"bmv2": _bmv2_missing(), "mininet": _mininet_missing()}
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))

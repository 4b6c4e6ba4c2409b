"""Fixtures of the WaMPTCP gateway packet tests (tests/test_wamptcp_p4_*.py), defined once.

tests/conftest.py loads this module as a plugin (`pytest_plugins`), so every test module
can ask for these fixtures by name.

Switches start on the target chosen with `--target` through tests/harness and get the roles'
entries of the test site (test_wamptcp_p4_site.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_wamptcp_p4_site import PROGRAM, install_branch, install_remote

from harness.session import SwitchUnderTest, build_program, start_target

StartGateway = Callable[..., SwitchUnderTest]

#: Where the compiled gateway of each target kind is kept for the session.
BUILDS = pytest.StashKey[dict[str, tuple[Path, Path]]]()


@pytest.fixture(scope="module")
def program(target_kind: str, request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The gateway compiled for the chosen target: (P4Info, device config). Compiled once
    per session, as p4c takes seconds; every test module that binds this fixture gets its
    own fixture definition, hence the session stash rather than the fixture scope."""
    builds = request.config.stash.setdefault(BUILDS, {})
    if target_kind not in builds:
        out = tmp_path_factory.mktemp("wamptcp_gateway")
        builds[target_kind] = build_program(PROGRAM, out, target_kind)
    return builds[target_kind]


@pytest.fixture
def start_gateway(target_kind: str, program: tuple[Path, Path]) -> Iterator[StartGateway]:
    """Factory: `start_gateway(role, mode="vxlan")` starts a fresh switch with the pipeline
    pushed and the role's entries installed. Several may run at once (the BMv2 target names
    its veths after its own gRPC port); all are closed after the test, also on failure."""
    install = {"branch": install_branch, "remote": install_remote}
    started: list[SwitchUnderTest] = []

    def start(role: str, mode: str = "vxlan") -> SwitchUnderTest:
        target = start_target(target_kind)
        try:
            sut = SwitchUnderTest(target, *program)
        except BaseException:
            target.close()
            raise
        started.append(sut)
        install[role](sut, mode)
        return sut

    yield start
    for sut in started:
        sut.close()


@pytest.fixture
def branch(start_gateway: StartGateway) -> SwitchUnderTest:
    """The branch gateway in VXLAN mode."""
    return start_gateway("branch")


@pytest.fixture
def remote(start_gateway: StartGateway) -> SwitchUnderTest:
    """The remote gateway in VXLAN mode."""
    return start_gateway("remote")

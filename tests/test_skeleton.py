"""Tests of the project skeleton: packages, CI entry point and the Makefile's build logic.

The Makefile tests run `make -f <repo>/Makefile` inside a scratch directory with fake compilers,
so they check target selection and incremental rebuilds without p4c, BMv2 or a finished p4sim.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="make not installed")

# Stands in for p4c-bm2-ss and p4sim: logs its arguments and creates the files named by -o and
# --p4runtime-files, so the Makefile's stamps and rebuild decisions can be observed.
FAKE_COMPILER = textwrap.dedent(
    """\
    #!/bin/sh
    echo "$(basename "$0") $*" >> "$FAKE_LOG"
    while [ $# -gt 0 ]; do
        case "$1" in
            -o|--p4runtime-files) touch "$2" 2>/dev/null || mkdir -p "$2"; shift ;;
        esac
        shift
    done
    """
)


@pytest.mark.parametrize("name", ["p4sim", "controller", "apps", "mininet_topos"])
def test_packages_import(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no docstring"


def test_version_is_a_release_string() -> None:
    import p4sim

    assert isinstance(p4sim.__version__, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+", p4sim.__version__)


def _shell_commands(lines: list[str]) -> list[str]:
    """Commands in shell text, without comments, blank lines and the preamble `.ci/run` needs."""
    commands = [line.split("#", 1)[0].strip() for line in lines]
    preamble = ("set -", "cd ")
    return [c for c in commands if c and not c.startswith(preamble)]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    readme_commands = _shell_commands("".join(blocks).splitlines())
    ci_script = (REPO / ".ci" / "run").read_text()

    assert "set -euo pipefail" in ci_script
    assert _shell_commands(ci_script.splitlines()) == ["make test"]
    assert "make test" in readme_commands
    assert os.access(REPO / ".ci" / "run", os.X_OK)


def _fake_tools(directory: Path, names: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        tool = directory / name
        tool.write_text(FAKE_COMPILER)
        tool.chmod(0o755)
    return directory


# Settings a surrounding `make test TARGET=... -s` passes down; the tests choose their own.
INHERITED_MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "TARGET", "SCENARIO")


def _make(workdir: Path, *args: str, path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_MAKE_VARS}
    env |= {"PATH": path, "FAKE_LOG": str(workdir / "compiler.log")}
    return subprocess.run(
        [MAKE, "--no-print-directory", "-f", str(REPO / "Makefile"), "-C", str(workdir), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@needs_make
@pytest.mark.parametrize(
    ("tools", "target", "expected"),
    [
        ([], "auto", "p4sim"),
        (["p4c-bm2-ss"], "auto", "p4sim"),
        (["p4c-bm2-ss", "simple_switch_grpc"], "auto", "bmv2"),
        (["p4c-bm2-ss", "simple_switch_grpc"], "p4sim", "p4sim"),
        ([], "bmv2", "bmv2"),
    ],
)
def test_make_resolves_target(tmp_path: Path, tools: list[str], target: str, expected: str) -> None:
    bindir = _fake_tools(tmp_path / "bin", tools)
    result = _make(tmp_path, "-s", "show-target", f"TARGET={target}", path=str(bindir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@needs_make
def test_make_rejects_unknown_target(tmp_path: Path) -> None:
    result = _make(tmp_path, "show-target", "TARGET=tofino", path=os.environ["PATH"])
    assert result.returncode != 0
    assert "TARGET must be auto, bmv2 or p4sim" in result.stderr


def _touch_later(path: Path, seconds: int) -> None:
    """Move a file's mtime forward so make sees it as changed despite coarse timestamps."""
    stamp = path.stat().st_mtime + seconds
    os.utime(path, (stamp, stamp))


@pytest.fixture
def scratch_project(tmp_path: Path) -> Path:
    """Two programs sharing one include, a fake .venv with p4sim, and fake bmv2 tools."""
    (tmp_path / "p4src" / "include").mkdir(parents=True)
    for name in ("alpha", "beta"):
        (tmp_path / "p4src" / f"{name}.p4").write_text("// program\n")
    (tmp_path / "p4src" / "include" / "headers.p4").write_text("// shared\n")
    (tmp_path / "pyproject.toml").write_text("")
    _fake_tools(tmp_path / ".venv" / "bin", ["p4sim"])
    (tmp_path / ".venv" / ".installed").touch()
    _touch_later(tmp_path / ".venv" / ".installed", 10)
    _fake_tools(tmp_path / "bin", ["p4c-bm2-ss", "simple_switch_grpc"])
    return tmp_path


def _log(project: Path) -> list[str]:
    log = project / "compiler.log"
    return log.read_text().splitlines() if log.exists() else []


@needs_make
def test_make_build_bmv2_is_incremental(scratch_project: Path) -> None:
    path = f"{scratch_project / 'bin'}{os.pathsep}{os.environ['PATH']}"

    first = _make(scratch_project, "build", path=path)
    assert first.returncode == 0, first.stderr
    assert "TARGET=auto -> bmv2" in first.stdout
    assert _log(scratch_project) == [
        f"p4c-bm2-ss --arch v1model -I p4src/include -o build/{name}/{name}.json "
        f"--p4runtime-files build/{name}/{name}.p4info.txtpb p4src/{name}.p4"
        for name in ("alpha", "beta")
    ]
    assert (scratch_project / "build" / "alpha" / "alpha.p4info.txtpb").exists()

    assert _make(scratch_project, "build", path=path).returncode == 0
    assert len(_log(scratch_project)) == 2, "unchanged programs were rebuilt"

    _touch_later(scratch_project / "p4src" / "beta.p4", 20)
    assert _make(scratch_project, "build", path=path).returncode == 0
    assert len(_log(scratch_project)) == 3
    assert _log(scratch_project)[-1].endswith("p4src/beta.p4")

    _touch_later(scratch_project / "p4src" / "include" / "headers.p4", 30)
    assert _make(scratch_project, "build", path=path).returncode == 0
    assert len(_log(scratch_project)) == 5, "an include change must rebuild every program"


@needs_make
def test_make_build_p4sim_and_target_switch(scratch_project: Path) -> None:
    path = f"{scratch_project / 'bin'}{os.pathsep}{os.environ['PATH']}"

    result = _make(scratch_project, "build", "TARGET=p4sim", path=path)
    assert result.returncode == 0, result.stderr
    assert _log(scratch_project) == [
        f"p4sim compile p4src/{name}.p4 -o build/{name} -I p4src/include"
        for name in ("alpha", "beta")
    ]

    assert _make(scratch_project, "build", "TARGET=p4sim", path=path).returncode == 0
    assert len(_log(scratch_project)) == 2

    # Switching targets rebuilds everything and leaves no stale stamp of the other target.
    assert _make(scratch_project, "build", "TARGET=bmv2", path=path).returncode == 0
    assert len(_log(scratch_project)) == 4
    assert not (scratch_project / "build" / "alpha" / ".built-p4sim").exists()

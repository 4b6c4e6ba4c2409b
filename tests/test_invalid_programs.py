"""Every program in tests/p4/invalid/ is rejected with exactly the diagnostic recorded beside it.

Each `X.p4` holds one error, marked in the source with `// ERROR: ...`; `X.expected` holds the
exact first line p4sim prints (`file:line:col: error: message`, path relative to the repo).
Set UPDATE_GOLDEN=1 to rewrite the .expected files after an intended message change, then
review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from p4sim.compiler import compile_file
from p4sim.frontend.diagnostics import P4Error

ROOT = Path(__file__).resolve().parent.parent
INVALID = sorted((ROOT / "tests" / "p4" / "invalid").glob("*.p4"))
_MARKER = re.compile(r"\S.*//\s*ERROR:")  # code, then the marker, on the same line


def _diagnostic(path: Path) -> P4Error:
    with pytest.raises(P4Error) as info:
        compile_file(path.relative_to(ROOT))
    return info.value


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_corpus_is_not_empty() -> None:
    assert len(INVALID) >= 30


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_program_gets_expected_diagnostic(path: Path) -> None:
    err = _diagnostic(path)
    got = str(err)
    expected_file = path.with_suffix(".expected")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(got + "\n")
    assert got == expected_file.read_text().rstrip("\n")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_diagnostic_points_at_marked_line(path: Path) -> None:
    lines = path.read_text().splitlines()
    marked = [
        i + 1
        for i, line in enumerate(lines)
        if _MARKER.match(line.strip()) and not line.strip().startswith("//")
    ]
    if not marked:
        pytest.skip("the error has no single source line (e.g. a missing declaration)")
    err = _diagnostic(path)
    assert err.coord is not None
    assert Path(err.coord.file).name == path.name
    assert err.coord.line == marked[0]

"""The per-feature programs (tests/p4/runtime/feat_*.p4) under the STF runner.

Each tests/stf/feat_NAME.stf runs against tests/p4/runtime/feat_NAME.p4 on a fresh switch and
must pass with every output packet on a port the file uses (no "lost packet" notes). Files with
read commands (register_read, counter_read, meter_get_rates) also print exactly what is listed
in READS. A feature program without an STF file must say why in NOT_EXPRESSIBLE, so a new
program cannot go untested by accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from p4sim.stf.cli import run_test
from p4sim.stf.report import render

TESTS = Path(__file__).resolve().parent
STF_DIR = TESTS / "stf"
P4_DIR = TESTS / "p4" / "runtime"
STF_FILES = sorted(STF_DIR.glob("feat_*.stf"))

READS = {
    "feat_stateful": [
        "I.sums[1] = 11 (0xb)",
        "I.signed_cells[1] = 0 (0x0)",
        "I.sums[3] = 1 (0x1)",
        "I.sums[2] = 65535 (0xffff)",
        "I.pkts_bytes[3]: packets=2 bytes=14",
        "I.by_packets[0]: committed 1e-06/us burst 1, peak 1e-06/us burst 2",
    ],
}

NOT_EXPRESSIBLE = {
    "feat_profiles": "its tables use an action profile and an action selector, which STF "
    "`add` cannot fill (the runner refuses indirect tables)",
}


@pytest.mark.parametrize("stf", STF_FILES, ids=[p.stem for p in STF_FILES])
def test_feature_stf_passes(stf: Path) -> None:
    program = P4_DIR / f"{stf.stem}.p4"
    said: list[str] = []
    result = run_test(program, stf, say=said.append)
    report = render(result.verdict, f"{stf.name} ({program.name})", result.outcome)
    assert result.passed, report
    assert result.verdict.notes == [], report
    assert result.outcome.sent > 0
    assert said == READS.get(stf.stem, [])


def test_every_feature_program_has_an_stf_file_or_a_reason() -> None:
    programs = {p.stem for p in P4_DIR.glob("feat_*.p4")}
    covered = {p.stem for p in STF_FILES}
    assert covered <= programs, "an STF file without its program"
    assert programs - covered == set(NOT_EXPRESSIBLE)

"""Benchmark: how long `p4sim compile` takes (issue 2 goals: basic.p4 < 1 s, largest test < 3 s).

Method: for each program, time the whole CLI in a fresh Python process (what a user waits for,
imports and LALR-table loading included) and the front end alone inside one process (the cost
the runtime and tests pay per compile). Each figure is the median of REPEAT runs. Results go to
stdout and results/bench_compile.csv. Not a pass/fail test: numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from p4sim.compiler import compile_file

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 5


def largest_test_program() -> Path:
    programs = list((ROOT / "tests" / "p4" / "valid").glob("*.p4"))
    return max(programs, key=lambda p: p.stat().st_size)


def time_cli(program: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "p4sim.cli", "compile", str(program), "-o", out, "-q"],
            check=True,
        )
        return time.perf_counter() - start


def time_in_process(program: Path) -> float:
    start = time.perf_counter()
    compile_file(program)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # --help
    rows = []
    compile_file(ROOT / "p4src" / "basic.p4")  # warm the grammar cache once
    for program in (ROOT / "p4src" / "basic.p4", largest_test_program()):
        cli = statistics.median(time_cli(program) for _ in range(REPEAT))
        front = statistics.median(time_in_process(program) for _ in range(REPEAT))
        lines = len(program.read_text().splitlines())
        rows.append(
            {
                "program": str(program.relative_to(ROOT)),
                "lines": lines,
                "cli_seconds": round(cli, 3),
                "front_end_seconds": round(front, 4),
            }
        )
        print(
            f"{program.relative_to(ROOT)} ({lines} lines): p4sim compile {cli:.3f} s "
            f"(fresh process), front end {front * 1000:.1f} ms (in process)"
        )
    out = ROOT / "results" / "bench_compile.csv"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

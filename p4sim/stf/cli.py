"""`p4sim stf PROGRAM.p4 TEST.stf`: run a p4c-style STF test on p4sim.

Exit status (for CI): 0 when every expected packet and counter check matched, 1 when the test
ran and something did not match, 2 when the input is bad (unreadable files, a P4 compile
error, an STF line the program cannot accept; reported as `file:line: error: ...`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from p4sim import ir
from p4sim.cli import add_include_option, render_p4_error
from p4sim.compiler import compile_file
from p4sim.frontend.diagnostics import P4Error
from p4sim.p4info import build_p4info
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.switch import Switch
from p4sim.stf.bind import bind
from p4sim.stf.catalog import Catalog
from p4sim.stf.outcome import Outcome
from p4sim.stf.report import Verdict, check, render
from p4sim.stf.runner import Runner
from p4sim.stf.syntax import StfError, parse_file

EXIT_PASS, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


@dataclass
class Result:
    """What a run produced and the judgement of it."""

    outcome: Outcome
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.passed


def run_test(
    program: Path,
    test: Path,
    include_dirs: Sequence[Path] = (),
    *,
    say: Callable[[str], None] = print,
    verbose: int = 0,
) -> Result:
    """Compile `program`, run the STF file `test` on a fresh switch and judge the outcome.
    The switch's `random()` is seeded, so a run is repeatable. Raises `StfError` / `P4Error`
    for bad input, `OSError` for unreadable files."""
    commands = parse_file(test)
    compiled = compile_file(program, include_dirs)
    for coord, message in compiled.source.warnings:
        print(f"{coord}: warning: {message}", file=sys.stderr)
    bound = bind(commands, Catalog(build_p4info(compiled)))
    switch = Switch(trace=say if verbose > 1 else None, seed=0)
    try:
        switch.load_pipeline(ir.dumps(compiled.program).encode())
    except RuntimeApiError as err:
        raise P4Error(None, f"p4sim cannot load {program}: {err.message}") from err
    outcome = Runner(switch, say, verbose=verbose > 0).run(bound)
    return Result(outcome, check(outcome))


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="p4sim stf",
        description="Run an STF test (the format of p4c's BMv2 tests) on p4sim: apply its "
        "control-plane commands, send its packets, compare the output with its expects.",
    )
    parser.add_argument("program", type=Path, metavar="PROGRAM.p4")
    parser.add_argument("test", type=Path, metavar="TEST.stf")
    add_include_option(parser, "add a directory to the include search path")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="print each command and packet (-vv: also the switch's per-packet trace)",
    )
    return parser


def main(argv: list[str]) -> int:
    """Entry point of `p4sim stf` (argv without the `stf` word)."""
    args = _build_parser().parse_args(argv)
    try:
        result = run_test(args.program, args.test, args.include_dirs, verbose=args.verbose)
    except StfError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    except P4Error as err:
        print(render_p4_error(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        name = err.filename or args.test
        print(f"p4sim stf: error: cannot read {name}: {err.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(render(result.verdict, f"{args.test} ({args.program})", result.outcome))
    return EXIT_PASS if result.passed else EXIT_FAIL

"""The compile pipeline: preprocess -> parse -> type-check -> (IR, P4Info).

One function per stage boundary so the CLI, tests and benchmarks drive the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from p4sim.frontend import ast
from p4sim.frontend.checker import Checker, check_program
from p4sim.frontend.parser import parse_program
from p4sim.frontend.preprocess import Source, preprocess, preprocess_text

# What p4c-bm2-ss predefines (p4c 1.2.5, the reference version of BMV2_OBSERVED.md), so that
# programs testing for the BMv2 target take the same branch under p4sim.
PREDEFINED_MACROS: dict[str, str] = {
    "__TARGET_BMV2__": "1",
    "__p4c__": "1",
    "__p4c_major__": "1",
    "__p4c_minor__": "2",
    "__p4c_patchlevel__": "5",
    "__p4c_version__": '"1.2.5"',
}


@dataclass
class Compiled:
    """A checked program: its typed tree (the IR) and the checker's resolved global scope."""

    path: Path
    source: Source
    program: ast.Program
    checker: Checker


def compile_file(
    path: Path, include_dirs: Sequence[Path] = (), defines: Mapping[str, str] | None = None
) -> Compiled:
    """Run the front end on `path`; raises `P4Error` with a source coordinate on bad input."""
    macros = {**PREDEFINED_MACROS, **(defines or {})}
    return _front_end(Path(path), preprocess(path, include_dirs, macros))


def compile_text(
    text: str, filename: str = "<input>", include_dirs: Sequence[Path] = ()
) -> Compiled:
    """Like `compile_file` for program text held in memory (tests, fuzzing, tools)."""
    source = preprocess_text(text, filename, include_dirs, PREDEFINED_MACROS)
    return _front_end(Path(filename), source)


def _front_end(path: Path, source: Source) -> Compiled:
    program = parse_program(source.text, source.coord)
    checker = check_program(program)
    return Compiled(path=path, source=source, program=program, checker=checker)


def write_outputs(compiled: Compiled, out_dir: Path) -> list[Path]:
    """Write `<name>.p4info.txtpb` and `<name>.p4sim.json`; returns the paths written."""
    from p4sim import ir
    from p4sim.p4info import p4info_text

    out_dir.mkdir(parents=True, exist_ok=True)
    name = compiled.path.stem
    p4info_path = out_dir / f"{name}.p4info.txtpb"
    ir_path = out_dir / f"{name}.p4sim.json"
    p4info_path.write_text(p4info_text(compiled), encoding="utf-8")
    ir_path.write_text(ir.dumps(compiled.program), encoding="utf-8")
    return [p4info_path, ir_path]

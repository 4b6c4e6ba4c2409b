"""Command line: `p4sim compile`, `p4sim run` (the switch) and `p4sim stf` (STF tests).

Errors in the user's program print as `file:line:col: error: ...` with the source line and a
caret, exit status 1. A failure inside p4sim itself is reported as an internal error with a
request to file a bug, exit status 2, never as a bare traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from p4sim import __version__
from p4sim.frontend.diagnostics import P4Error, source_line


def add_include_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`-I INCDIR`, spelt the same by every p4sim command that compiles P4 source."""
    parser.add_argument(
        "-I",
        dest="include_dirs",
        type=Path,
        action="append",
        default=[],
        metavar="INCDIR",
        help=help_text,
    )


def render_p4_error(err: P4Error) -> str:
    """A compile error as p4c prints it: `file:line:col: error: ...`, source line and caret."""
    return err.render(source_line(err.coord) if err.coord else None)


def _define(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    if not name.isidentifier():
        raise argparse.ArgumentTypeError(f"invalid macro name in -D {text!r}")
    return name, value if "=" in text else "1"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="p4sim",
        description="p4sim: a pure-Python v1model target for P4-16 (compiler, and with the "
        "runtime a BMv2-compatible switch).",
    )
    parser.add_argument("--version", action="version", version=f"p4sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    comp = sub.add_parser(
        "compile",
        help="compile a P4-16 v1model program to P4Info and p4sim IR",
        description="Compile PROGRAM.p4 into DIR/<name>.p4info.txtpb (P4Runtime P4Info, text "
        "format, as p4c writes it) and DIR/<name>.p4sim.json (p4sim's typed IR).",
    )
    comp.add_argument("program", type=Path, metavar="PROGRAM.p4")
    comp.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="output directory (default: build/<name>)",
    )
    add_include_option(comp, "add a directory to the include search path")
    comp.add_argument(
        "-D",
        dest="defines",
        type=_define,
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="define a preprocessor macro",
    )
    comp.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    for name, text in _DELEGATED_HELP.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


# Subcommands with their own option parsers (`p4sim run --help`, `p4sim stf --help`).
_DELEGATED_HELP = {
    "run": "run a switch like BMv2's simple_switch_grpc (ports, P4Runtime server)",
    "stf": "run a p4c STF test file against a program",
}


def _delegate(command: str, argv: list[str]) -> int:
    if command == "run":
        from p4sim.switchd import main as run_main

        return run_main(argv)
    from p4sim.stf.cli import main as stf_main

    return stf_main(argv)


def _compile(args: argparse.Namespace) -> int:
    from p4sim.compiler import compile_file, write_outputs

    if not args.program.is_file():
        print(f"p4sim: error: cannot read {args.program}: no such file", file=sys.stderr)
        return 1
    start = time.perf_counter()
    compiled = compile_file(args.program, args.include_dirs, dict(args.defines))
    for coord, message in compiled.source.warnings:
        print(f"{coord}: warning: {message}", file=sys.stderr)
    out_dir = args.output_dir or Path("build") / args.program.stem
    written = write_outputs(compiled, out_dir)
    if not args.quiet:
        elapsed = time.perf_counter() - start
        files = ", ".join(str(p) for p in written)
        print(f"p4sim: compiled {args.program} in {elapsed:.2f} s -> {files}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in _DELEGATED_HELP:
        return _delegate(argv[0], argv[1:])
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "compile":
            return _compile(args)
    except P4Error as err:
        print(render_p4_error(err), file=sys.stderr)
        return 1
    except RecursionError:
        print("p4sim: error: program is nested too deeply", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into a clear report
        print(
            f"p4sim: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in p4sim; please report it with the program that triggered it.",
            file=sys.stderr,
        )
        return 2
    return 0  # pragma: no cover - argparse enforces a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The front end never crashes: any mutation of a valid program compiles or gets a P4Error.

Mutations work on tokens (delete, duplicate, swap, replace with another token of the same
program) so that most inputs get past the lexer and stress the parser and the type checker,
where the interesting failures live.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p4sim.compiler import compile_text
from p4sim.frontend.diagnostics import P4Error

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted([ROOT / "p4src" / "basic.p4", *(ROOT / "tests" / "p4" / "valid").glob("*.p4")])
_TOKEN = re.compile(
    r"\s+|[A-Za-z_][A-Za-z0-9_]*|\d\w*|\|[+-]\||&&&|\.\.|[<>=!]=|&&|\|\||<<|>>|"
    r"\+\+|\"[^\"\n]*\"|//[^\n]*|.",
    re.S,
)


# Edge cases of the lexer and constant folder that real programs rarely contain.
ODD_TOKENS = [
    "0x_",
    "8w0b_",
    '"\\x"',
    '"\\',
    "99999999999999999999w1",
    "bit<99999999>",
    ">>",
    ">>=",
    "<<",
    "@",
    "@name(",
    "#",
    "1w2",
    "-8s128",
    "8s127",
    "0",
    "_",
    "..",
    "&&&",
    "(bit<8>)",
    "int",
    "varbit<0>",
    "[0:8]",
    "{",
    "}",
    "this",
    "error",
    ".",
]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@st.composite
def mutated_program(draw: st.DrawFn) -> tuple[Path, str]:
    path = draw(st.sampled_from(PROGRAMS))
    toks = _tokens(path.read_text())
    words = [i for i, t in enumerate(toks) if not t.isspace()]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(words))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "odd"]))
        if op == "delete":
            toks[i] = ""
        elif op == "duplicate":
            toks[i] = toks[i] + " " + toks[i]
        elif op == "swap":
            j = draw(st.sampled_from(words))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "replace":
            toks[i] = toks[draw(st.sampled_from(words))]
        else:
            toks[i] = draw(st.sampled_from(ODD_TOKENS))
    return path, "".join(toks)


def _compile(path: Path, text: str) -> None:
    try:
        compile_text(text, str(path), include_dirs=[path.parent])
    except P4Error as err:
        assert err.message, "diagnostic without a message"
        assert err.coord is None or err.coord.line >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_program())
def test_mutated_programs_never_crash(case: tuple[Path, str]) -> None:
    _compile(*case)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _compile(ROOT / "p4src" / "fuzz.p4", text)


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_every_truncation_of_basic_is_handled(path: Path) -> None:
    """Cut the program at every 40th character: each prefix must give a clean diagnostic."""
    text = path.read_text()
    for cut in range(0, len(text), 40):
        _compile(path, text[:cut])

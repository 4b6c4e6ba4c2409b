"""Unit tests of the parser and type checker on small programs held in memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from p4sim import ir
from p4sim.compiler import compile_file, compile_text
from p4sim.frontend import ast
from p4sim.frontend.diagnostics import P4Error
from p4sim.frontend.types import BitsT, IntT

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = """#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<8> b; bit<16> c; bit<32> d; }
struct headers_t { h_t h; }
struct meta_t { bit<8> x; }
parser P(packet_in p, out headers_t hdr, inout meta_t m, inout standard_metadata_t sm) {
    state start { p.extract(hdr.h); transition accept; }
}
control VC(inout headers_t hdr, inout meta_t m) { apply { } }
control E(inout headers_t hdr, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t m) { apply { } }
control D(packet_out p, in headers_t hdr) { apply { p.emit(hdr.h); } }
"""
MAIN = "\nV1Switch(P(), VC(), I(), E(), CC(), D()) main;\n"


def ingress(body: str, locals_: str = "") -> str:
    """A full program whose ingress control has `locals_` and the apply body `body`."""
    return (
        PRELUDE + "control I(inout headers_t hdr, inout meta_t m, "
        "inout standard_metadata_t sm) {\n" + locals_ + "\napply {\n" + body + "\n}\n}\n" + MAIN
    )


def compile_ok(text: str):
    return compile_text(text, "test.p4")


def error_of(text: str) -> P4Error:
    with pytest.raises(P4Error) as info:
        compile_text(text, "test.p4")
    return info.value


def apply_stmts(compiled) -> list[ast.Stmt]:
    ctrl = next(
        d for d in compiled.program.declarations if isinstance(d, ast.ControlDecl) and d.name == "I"
    )
    return ctrl.body.stmts


def test_comparison_binds_looser_than_bitwise_and() -> None:
    stmts = apply_stmts(compile_ok(ingress("if (hdr.h.a & 8w1 == 8w1) { m.x = 1; }")))
    cond = stmts[0].cond
    assert isinstance(cond, ast.Binary) and cond.op == "=="
    assert isinstance(cond.left, ast.Binary) and cond.left.op == "&"


def test_shift_right_and_nested_type_arguments_share_the_lexer() -> None:
    compiled = compile_ok(
        ingress("m.x = hdr.h.a >> 2; r.write(0, hdr.h.d >> 1);", "register<bit<32>>(4) r;")
    )
    shift = apply_stmts(compiled)[0].rhs
    assert isinstance(shift, ast.Binary) and shift.op == ">>"


@pytest.mark.parametrize(
    ("text", "value", "width", "signed"),
    [
        ("8w255", 255, 8, False),
        ("0x1F", 31, None, False),
        ("16w0b1010", 10, 16, False),
        ("4s3", 3, 4, True),
        ("1_000", 1000, None, False),
        ("32w0o17", 15, 32, False),
    ],
)
def test_integer_literals(text: str, value: int, width: int | None, signed: bool) -> None:
    from p4sim.frontend.parser import parse_int_literal

    assert parse_int_literal(text) == (value, width, signed)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("8w100 + 8w200", 44),
        ("8w100 |+| 8w200", 255),
        ("8w100 << 3", 32),
        ("8w5 |-| 8w9", 0),
        ("(bit<8>)300", 44),
        ("8w0xF0 ++ 4w0xA", 0xF0A),
        ("8w0xAB[7:4]", 0xA),
        ("-8w1", 255),
        ("~8w0", 255),
        ("true ? 8w1 : 8w2", 1),
    ],
)
def test_constant_folding_wraps_like_bmv2(expr: str, value: int) -> None:
    compiled = compile_ok(
        PRELUDE.replace(
            "struct headers_t", f"const bit<64> K = (bit<64>)({expr});\nstruct headers_t"
        )
        + ingress_decl()
        + MAIN
    )
    sym = compiled.checker.globals.values["K"]
    assert sym.value == value


def ingress_decl() -> str:
    return (
        "control I(inout headers_t hdr, inout meta_t m, inout standard_metadata_t sm) { apply { } }"
    )


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"a\tb"', "a\tb"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"bad \x escape"', "bad x escape"),
    ],
)
def test_string_literal_escapes(literal: str, value: str) -> None:
    compiled = compile_ok(ingress(f"log_msg({literal});"))
    call = apply_stmts(compiled)[0].call
    assert call.args[0].value.value == value


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("0x_", "invalid integer literal '0x_'"),
        ("8w0b_", "invalid integer literal '8w0b_'"),
        ("99999999999999999999w1", "width 99999999999999999999 is larger than 65536 bits"),
        ("(bit<99999999>)1", "width 99999999 is larger than 65536 bits"),
    ],
)
def test_malformed_literals_are_diagnosed(literal: str, message: str) -> None:
    err = error_of(ingress(f"m.x = (bit<8>)({literal});"))
    assert err.message == message


def test_expression_types_are_recorded() -> None:
    stmts = apply_stmts(compile_ok(ingress("hdr.h.c = hdr.h.a ++ hdr.h.b; m.x = 3;")))
    assert stmts[0].rhs.type == BitsT(16)
    assert stmts[1].rhs.type == IntT()


@pytest.mark.parametrize(
    ("body", "locals_", "message"),
    [
        (
            "hdr.h.c = hdr.h.c + hdr.h.d;",
            "",
            "'+': cannot operate on bit<16> and bit<32>; widths differ, cast one operand",
        ),
        (
            "hdr.h.a = (int<8>)1 + hdr.h.b;",
            "",
            "'+': cannot operate on int<8> and bit<8>; signedness differs, cast one operand",
        ),
        ("hdr.h.z = 1;", "", "header h_t has no field 'z'"),
        ("hdr.h.a = foo;", "", "'foo' is not declared"),
        ("hdr.h.a = hdr.h.a[8:1];", "", "slice [8:1] is out of range for bit<8>"),
        ("a(1, 2);", "action a(bit<8> v) { m.x = v; }", "action 'a' expects 1 argument(s), got 2"),
        (
            "t.apply();",
            "action a() {} table t { key = { hdr.h.a: fuzzy; } actions = { a; } }",
            "'fuzzy' is not a match kind",
        ),
        (
            "t.apply();",
            "action a() {} action b() {} table t { actions = { a; } default_action = b; }",
            "action 'b' is not in the actions list of table t",
        ),
        ("1 = hdr.h.a;", "", "syntax error, unexpected integer '1'"),
        (
            "m.x = t.apply().hit;",
            "action a() {} table t { actions = { a; } }",
            "assignment: cannot convert bool to bit<8>",
        ),
        (
            "hdr.h.a = t.apply();",
            "action a() {} table t { actions = { a; } }",
            "assignment: cannot convert apply result of table t to bit<8>",
        ),
        (
            "K = 2;",
            "const bit<8> K = 1;",
            "assignment target is not an l-value: 'K' is a const and cannot be written",
        ),
    ],
)
def test_type_errors(body: str, locals_: str, message: str) -> None:
    err = error_of(ingress(body, locals_))
    assert err.message == message
    assert err.coord is not None and err.coord.file == "test.p4"


def test_write_to_in_parameter_is_rejected() -> None:
    text = (
        PRELUDE.replace(
            "control D(packet_out p, in headers_t hdr) { apply { p.emit(hdr.h); } }",
            "control D(packet_out p, in headers_t hdr) { apply { hdr.h.a = 1; p.emit(hdr.h); } }",
        )
        + ingress_decl()
        + MAIN
    )
    err = error_of(text)
    assert err.message == (
        "assignment target is not an l-value: 'hdr' is an 'in' parameter and cannot be written"
    )


def test_missing_main_is_reported() -> None:
    err = error_of(PRELUDE + ingress_decl())
    assert err.message.startswith("program has no 'main' package instance")


def test_error_in_included_file_points_into_it(tmp_path: Path) -> None:
    (tmp_path / "inc.p4").write_text("header bad_t {\n  bit<8> a\n}\n")
    main = tmp_path / "main.p4"
    main.write_text('#include <core.p4>\n#include "inc.p4"\n')
    with pytest.raises(P4Error) as info:
        compile_file(main)
    assert info.value.coord.file.endswith("inc.p4")
    assert (info.value.coord.line, info.value.coord.column) == (3, 1)
    assert info.value.message == "syntax error, unexpected '}'; expected ';'"


def test_ir_is_json_and_deterministic() -> None:
    a = ir.dumps(compile_file(ROOT / "p4src" / "basic.p4").program)
    b = ir.dumps(compile_file(ROOT / "p4src" / "basic.p4").program)
    assert a == b
    doc = json.loads(a)
    assert doc["format"] == "p4sim-ir" and doc["version"] == ir.IR_VERSION
    tables = [n for n in _walk(doc["program"]) if n.get("node") == "TableDecl"]
    assert [t["name"] for t in tables] == ["ipv4_lpm"]


def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "p4sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_compiles_basic(tmp_path: Path) -> None:
    res = _cli("compile", str(ROOT / "p4src" / "basic.p4"), "-o", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "basic.p4info.txtpb").read_text().count("tables {") == 1
    assert json.loads((tmp_path / "basic.p4sim.json").read_text())["format"] == "p4sim-ir"


def test_cli_reports_error_with_caret(tmp_path: Path) -> None:
    bad = tmp_path / "bad.p4"
    bad.write_text(ingress("hdr.h.c = hdr.h.c + hdr.h.d;"))
    res = _cli("compile", str(bad), "-o", str(tmp_path / "out"))
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:")
    assert ": error: '+': cannot operate on bit<16> and bit<32>" in lines[0]
    assert lines[1].strip() == "hdr.h.c = hdr.h.c + hdr.h.d;"
    assert lines[2].strip() == "^"
    assert "Traceback" not in res.stderr


def test_cli_missing_file(tmp_path: Path) -> None:
    res = _cli("compile", str(tmp_path / "nope.p4"))
    assert res.returncode == 1
    assert "no such file" in res.stderr and "Traceback" not in res.stderr


def test_cli_define_reaches_program(tmp_path: Path) -> None:
    prog = tmp_path / "d.p4"
    prog.write_text("#ifndef NEED\n#error NEED must be defined\n#endif\n" + ingress("m.x = WIDTH;"))
    assert _cli("compile", str(prog), "-o", str(tmp_path / "o")).returncode == 1
    res = _cli("compile", str(prog), "-o", str(tmp_path / "o"), "-D", "NEED", "-D", "WIDTH=8w3")
    assert res.returncode == 0, res.stderr

"""Unit tests for the P4 preprocessor: output text, line mapping and diagnostics.

Expected outputs are exact: one output line per input line (directives and skipped lines
blank, comments blanked), macros expanded as cpp would, so the parser sees what p4c sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from p4sim.frontend.diagnostics import Coord, P4Error
from p4sim.frontend.preprocess import (
    BUILTIN_INCLUDE_DIR,
    MAX_INCLUDE_DEPTH,
    Source,
    preprocess,
    preprocess_text,
)


def pp(text: str, **kwargs) -> str:
    return preprocess_text(text, "main.p4", **kwargs).text


def error(text: str, **kwargs) -> str:
    """The rendered diagnostic for a program that must fail."""
    with pytest.raises(P4Error) as info:
        preprocess_text(text, "main.p4", **kwargs)
    return str(info.value)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- plain text


def test_text_without_directives_is_unchanged() -> None:
    text = "header h_t {\n    bit<8> f;\n}\n"
    assert pp(text) == text


def test_comments_become_blank_and_keep_lines() -> None:
    src = 'a // note\nb /* x */ c\n"//s" /*\n#define A 1\n */ A\n'
    assert pp(src) == 'a\nb         c\n"//s"\n\n    A\n'


def test_directive_inside_comment_is_ignored() -> None:
    assert pp("/*\n#error no\n*/\nx\n") == "\n\n\nx\n"


def test_no_expansion_inside_strings_or_comments() -> None:
    src = '#define N 5\n@name("N") x = N; // N\n/* N */\n'
    assert pp(src) == '\n@name("N") x = 5;\n\n'


def test_crlf_and_missing_final_newline() -> None:
    assert pp("a\r\nb") == "a\nb\n"


def test_empty_input() -> None:
    source = preprocess_text("", "main.p4")
    assert source.text == ""
    assert source.coord(1, 1) == Coord("main.p4", 1, 1)


# ----------------------------------------------------------------------------- macros


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            "#define W 8\n#define EMPTY\nbit<W> x EMPTY;\n",
            "\n\nbit<8> x;\n",
            id="object_like_and_empty_macros",
        ),
        pytest.param(
            "#define ADD(a, b) ((a) + (b))\nx = ADD(f(1, 2), (3, 4));\n",
            "\nx = ((f(1, 2)) + ((3, 4)));\n",
            id="function_like_macro_with_nested_parentheses",
        ),
        pytest.param(
            "#define N 2\n#define SQ(x) ((x) * (x))\nSQ(SQ(N))\n",
            "\n\n((((2) * (2))) * (((2) * (2))))\n",
            id="arguments_are_expanded_and_nested_calls_work",
        ),
        pytest.param(
            "#define F(x) [x]\nF + F(1)\n",
            "\nF + [1]\n",
            id="function_like_name_without_arguments_is_left_alone",
        ),
        pytest.param(
            "#define F(x) [x]\n#define G() g\nF() G()\n",
            "\n\n[] g\n",
            id="empty_argument_and_zero_parameters",
        ),
        pytest.param(
            "#define F(a, b) a + b\nx = F(1,\n\n      2); y\nz\n",
            "\nx = 1 + 2; y\n\n\nz\n",
            id="macro_call_spanning_lines_keeps_line_count",
        ),
        pytest.param(
            "#define F(x) [x]\nF\n(1) q\n",
            "\n[1] q\n\n",
            id="macro_name_and_parenthesis_on_different_lines",
        ),
        pytest.param(
            "#define X X + 1\n#define A B\n#define B A\nX A B\n",
            "\n\n\nX + 1 A B\n",
            id="macro_is_not_reexpanded_inside_itself",
        ),
        pytest.param(
            "#define G(x) x G\nG(1)(2)\n",
            "\n1 G(2)\n",
            id="self_reference_of_function_like_macro",
        ),
        pytest.param(
            '#define S(x) #x\nS( a  +  "b\\n" ) S()\n',
            '\n"a + \\"b\\\\n\\"" ""\n',
            id="stringify",
        ),
        pytest.param(
            "#define CAT(a, b) a ## b\n#define PRE(n) my_##n\nCAT(x, y) CAT(, y) CAT(x, ) PRE(t)\n",
            "\n\nxy y x my_t\n",
            id="token_paste",
        ),
        pytest.param(
            "#define CAT(a, b) a##b\nCAT(+, +) CAT(<<, =) CAT(-, >)\n",
            "\n++ <<= ->\n",
            id="paste_forms_c_punctuators",
        ),
        pytest.param(
            "#define AB 7\n#define CAT(a, b) a##b\nCAT(A, B)\n",
            "\n\n7\n",
            id="pasted_token_is_rescanned",
        ),
        pytest.param(
            "#define V(f, ...) f(__VA_ARGS__)\nV(g) V(g, 1, (2, 3))\n",
            "\ng() g(1, (2, 3))\n",
            id="variadic_macro",
        ),
        pytest.param(
            "#define NEG -1\n#define E\n#define ID(x) x\n"
            "x = -NEG; -E- a E b ID(a)ID(b) ID(/)ID(/)\n",
            "\n\n\nx = - -1; - - a b a b / /\n",
            id="expansion_does_not_glue_tokens",
        ),
        pytest.param(
            "#define N 1\nN\n#undef N\nN\n",
            "\n1\n\nN\n",
            id="undef",
        ),
        pytest.param(
            "#define SUM(a, b) \\\n    ((a) + \\\n     (b))\nSUM(1, 2)\n",
            "\n\n\n((1) + (2))\n",
            id="line_continuation_in_define",
        ),
        pytest.param(
            "#define X /* a\n */ 7\nX\n",
            "\n\n7\n",
            id="block_comment_continues_directive",
        ),
        pytest.param(
            "#define N 1\n#define N 2\nN\n",
            "\n\n2\n",
            id="redefinition_replaces_macro",
        ),
    ],
)
def test_macro_expansion(src: str, expected: str) -> None:
    assert pp(src) == expected


# ----------------------------------------------------------------------------- -D


@pytest.mark.parametrize(
    ("src", "defines", "expected"),
    [
        pytest.param(
            "#ifdef FLAG\nFLAG SIZE\n#endif\n",
            {"FLAG": "1", "SIZE": "1024"},
            "\n1 1024\n\n",
            id="object_like",
        ),
        pytest.param("TWICE(3)\n", {"TWICE(x)": "(2 * (x))"}, "(2 * (3))\n", id="function_like"),
        pytest.param("a E b\n", {"E": ""}, "a b\n", id="empty_value"),
    ],
)
def test_command_line_defines(src: str, defines: dict[str, str], expected: str) -> None:
    assert pp(src, defines=defines) == expected


def test_bad_command_line_define() -> None:
    with pytest.raises(P4Error) as info:
        preprocess_text("", "main.p4", defines={"1X": "1"})
    assert str(info.value) == "<command line>:1:1: error: macro names must be identifiers"


# ----------------------------------------------------------------------------- conditionals


def test_ifdef_ifndef_else() -> None:
    src = "#define A\n#ifdef A\na\n#else\nnot_a\n#endif\n#ifndef A\nb\n#else\nnot_b\n#endif\n"
    assert pp(src) == "\n\na\n\n\n\n\n\n\nnot_b\n\n"


def test_if_elif_chain_takes_first_true_branch() -> None:
    src = (
        "#define V 2\n#if V == 1\none\n#elif V == 2\ntwo\n#elif V >= 2\nthree\n"
        "#else\nelse\n#endif\n"
    )
    assert pp(src) == "\n\n\n\ntwo\n\n\n\n\n\n"


def test_nested_conditionals() -> None:
    src = "#if 1\n#if 0\na\n#else\nb\n#endif\n#else\n#if 1\nc\n#endif\n#endif\n"
    assert pp(src) == "\n\n\n\nb\n\n\n\n\n\n\n"


def test_skipped_region_ignores_unknown_directives_and_bad_expressions() -> None:
    src = "#if 0\n#foo bar\n#if )(\n#endif\n#error no\n#include <none.p4>\n#else\nok\n#endif\n"
    assert pp(src) == "\n\n\n\n\n\n\nok\n\n"


def test_defines_in_skipped_regions_have_no_effect() -> None:
    assert pp("#if 0\n#define N 1\n#endif\nN\n") == "\n\n\nN\n"


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1 + 2 * 3 == 7", True),
        ("(1 + 2) * 3 == 9", True),
        ("0x10 == 16 && 010 == 8", True),
        ("10 / 3 == 3 && -7 / 2 == -3 && -7 % 2 == -1", True),
        ("1 << 4 == 16 && 256 >> 4 == 16", True),
        ("(6 & 3) == 2 && (6 | 3) == 7 && (6 ^ 3) == 5", True),
        ("~0 == -1 && !0 && !!5", True),
        ("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2", True),
        ("0 ? 0 : 1", True),
        ("1 ? 0 : 1", False),
        ("UNKNOWN", False),
        ("UNKNOWN == 0", True),
        ("defined(DEF) && defined DEF && !defined(NOPE)", True),
        ("VAL == 3", True),
        ("TWICE(VAL) == 6", True),
        ("0 && 1 / 0", False),
        ("1 || 1 / 0", True),
        ("1 ? 1 : 1 / 0", True),
        ("10u == 10UL", True),
        ("-1 < 0", True),
    ],
)
def test_if_expressions(expression: str, value: bool) -> None:
    src = f"#define DEF\n#define VAL 3\n#define TWICE(x) ((x) * 2)\n#if {expression}\nyes\n#endif\n"
    assert pp(src) == ("\n\n\n\nyes\n\n" if value else "\n\n\n\n\n\n")


def test_defined_operand_is_not_expanded() -> None:
    assert pp("#define A B\n#if defined(A) && !defined(B)\nok\n#endif\n") == "\n\nok\n\n"


# ----------------------------------------------------------------------------- includes


def test_builtin_core_and_v1model(tmp_path: Path) -> None:
    main = write(
        tmp_path / "main.p4", "#include <core.p4>\n#include <v1model.p4>\nV1MODEL_VERSION\n"
    )
    source = preprocess(main)
    core = str(BUILTIN_INCLUDE_DIR / "core.p4")
    v1model = str(BUILTIN_INCLUDE_DIR / "v1model.p4")
    assert source.files == (str(main), core, v1model)
    assert "extern packet_in" in source.text
    assert "package V1Switch<" in source.text
    assert source.text.endswith("\n20180101\n")
    assert source.coord(len(source.origins)) == Coord(str(main), 3, 1)


def test_include_dirs_come_before_builtin(tmp_path: Path) -> None:
    write(tmp_path / "inc" / "core.p4", "mine\n")
    main = write(tmp_path / "main.p4", "#include <core.p4>\n")
    assert preprocess(main, include_dirs=[tmp_path / "inc"]).text == "mine\n"


def test_quoted_include_is_relative_to_including_file(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "a.p4", '#include "b.p4"\na\n')
    write(tmp_path / "lib" / "b.p4", "b\n")
    write(tmp_path / "b.p4", "wrong\n")
    main = write(tmp_path / "main.p4", '#include "lib/a.p4"\nmain\n')
    source = preprocess(main)
    assert source.text == "b\na\nmain\n"
    assert source.origins == (
        (str(tmp_path / "lib" / "b.p4"), 1, None),
        (str(tmp_path / "lib" / "a.p4"), 2, None),
        (str(main), 2, None),
    )


def test_quoted_include_falls_back_to_include_dirs(tmp_path: Path) -> None:
    write(tmp_path / "inc" / "h.p4", "h\n")
    main = write(tmp_path / "main.p4", '#include "h.p4"\n')
    assert preprocess(main, include_dirs=[tmp_path / "inc"]).text == "h\n"


def test_include_guard(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "#ifndef H_P4\n#define H_P4\nh\n#endif\n")
    main = write(tmp_path / "main.p4", '#include "h.p4"\n#include "h.p4"\nm\n')
    assert preprocess(main).text == "\n\nh\n\n" + "\n\n\n\n" + "m\n"


def test_pragma_once(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "#pragma once\nh\n")
    main = write(tmp_path / "main.p4", '#include "h.p4"\n#include "h.p4"\n')
    assert preprocess(main).text == "\nh\n"


def test_macros_defined_in_include_are_visible(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "#define W 16\n")
    main = write(tmp_path / "main.p4", '#include "h.p4"\nbit<W> x;\n')
    assert preprocess(main).text == "\nbit<16> x;\n"


def test_include_name_from_macro(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "h\n")
    main = write(tmp_path / "main.p4", '#define HDR "h.p4"\n#include HDR\n')
    assert preprocess(main).text == "\nh\n"


def test_missing_include(tmp_path: Path) -> None:
    main = write(tmp_path / "main.p4", '\n#include "foo.p4"\n')
    with pytest.raises(P4Error) as info:
        preprocess(main)
    assert str(info.value) == f'{main}:2:10: error: cannot find include file "foo.p4"'
    assert "<foo.p4>" in error("#include <foo.p4>\n")


def test_include_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.p4", '#include "b.p4"\n')
    b = write(tmp_path / "b.p4", 'x\n#include "a.p4"\n')
    with pytest.raises(P4Error) as info:
        preprocess(a)
    message = f"#include nested too deeply (more than {MAX_INCLUDE_DEPTH} levels; is there an "
    assert info.value.message == message + "include cycle?)"
    assert info.value.coord in (Coord(str(a), 1, 10), Coord(str(b), 2, 10))


def test_error_in_included_file_points_into_it(tmp_path: Path) -> None:
    write(tmp_path / "inc" / "h.p4", "ok\n\n#if 1\n#error broken header\n#endif\n")
    main = write(tmp_path / "main.p4", "first\n#include <h.p4>\n")
    with pytest.raises(P4Error) as info:
        preprocess(main, include_dirs=[tmp_path / "inc"])
    assert info.value.coord == Coord(str(tmp_path / "inc" / "h.p4"), 4, 1)
    assert info.value.message == "#error broken header"


def test_unterminated_if_in_included_file(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "\n#ifdef X\n")
    main = write(tmp_path / "main.p4", '#include "h.p4"\n#endif\n')
    with pytest.raises(P4Error) as info:
        preprocess(main)
    assert str(info.value) == f"{tmp_path / 'h.p4'}:2:1: error: unterminated #ifdef"


def test_included_file_without_final_newline(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "h")
    main = write(tmp_path / "main.p4", '#include "h.p4"\nm\n')
    assert preprocess(main).text == "h\nm\n"


def test_include_file_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "h.p4").write_bytes(b"\xff\xfe\n")
    main = write(tmp_path / "main.p4", '#include "h.p4"\n')
    with pytest.raises(P4Error) as info:
        preprocess(main)
    assert str(info.value) == (
        f'{main}:1:10: error: cannot read "{tmp_path / "h.p4"}": not valid UTF-8'
    )


def test_main_file_missing(tmp_path: Path) -> None:
    with pytest.raises(P4Error) as info:
        preprocess(tmp_path / "nope.p4")
    assert info.value.coord is None
    assert info.value.message == f'cannot read "{tmp_path / "nope.p4"}": No such file or directory'


# ----------------------------------------------------------------------------- line mapping


def test_mapping_across_includes(tmp_path: Path) -> None:
    write(tmp_path / "h.p4", "/* header */\nheader h_t { bit<8> f; }\n")
    main = write(tmp_path / "main.p4", '// main\n#include "h.p4"\nstruct s { }\n')
    source = preprocess(main)
    lines = source.text.split("\n")
    assert lines[2] == "header h_t { bit<8> f; }"
    assert source.coord(2, 1) == Coord(str(tmp_path / "h.p4"), 1, 1)
    assert source.coord(3, 8) == Coord(str(tmp_path / "h.p4"), 2, 8)
    assert lines[3] == "struct s { }"
    assert source.coord(4, 8) == Coord(str(main), 3, 8)
    assert source.coord(1) == Coord(str(main), 1, 1)


def test_mapping_of_expanded_line() -> None:
    source = preprocess_text("#define W 32\n  bit<W> x = W + y;\n", "m.p4")
    assert source.text == "\n  bit<32> x = 32 + y;\n"
    assert source.coord(2, 3) == Coord("m.p4", 2, 3)  # bit, before any macro
    assert source.coord(2, 7) == Coord("m.p4", 2, 7)  # 32 -> the W call
    assert source.coord(2, 8) == Coord("m.p4", 2, 7)
    assert source.coord(2, 10) == Coord("m.p4", 2, 9)  # > right after the call
    assert source.coord(2, 15) == Coord("m.p4", 2, 14)  # second W
    assert source.coord(2, 20) == Coord("m.p4", 2, 18)  # y


def test_macro_arguments_keep_their_own_columns() -> None:
    source = preprocess_text("#define F(a) ((a))\nz = F(bad);\n", "m.p4")
    assert source.text == "\nz = ((bad));\n"
    assert source.coord(2, 7) == Coord("m.p4", 2, 7)  # bad is at column 7 in both
    assert source.coord(2, 5) == Coord("m.p4", 2, 5)  # ( from the body -> the call


def test_mapping_after_multiline_call() -> None:
    source = preprocess_text("#define F(a, b) a\nF(1,\n  2) tail\nnext\n", "m.p4")
    assert source.text == "\n1 tail\n\nnext\n"
    assert source.coord(2, 3) == Coord("m.p4", 3, 6)  # tail
    assert source.coord(3) == Coord("m.p4", 3, 1)
    assert source.coord(4, 2) == Coord("m.p4", 4, 2)


def test_mapping_after_line_continuation() -> None:
    source = preprocess_text("a + \\\n  b;\nc\n", "m.p4")
    assert source.text == "a +   b;\n\nc\n"
    assert source.coord(1, 1) == Coord("m.p4", 1, 1)
    assert source.coord(1, 7) == Coord("m.p4", 2, 3)
    assert source.coord(3, 1) == Coord("m.p4", 3, 1)


def test_splice_at_start_of_line_keeps_line_count() -> None:
    source = preprocess_text("a\n\\\nb\nc\n", "m.p4")
    assert source.text == "a\nb\n\nc\n"
    assert [origin.line for origin in source.origins] == [1, 2, 3, 4]
    assert source.coord(2, 1) == Coord("m.p4", 3, 1)


def test_backslash_newline_at_end_of_file() -> None:
    assert pp("a\\\n") == "a\n"
    assert pp("a\n\\\n") == "a\n\n"


def test_mapping_past_the_end_extrapolates() -> None:
    source = preprocess_text("a\nb\n", "m.p4")
    assert source.coord(3, 1) == Coord("m.p4", 3, 1)


def test_line_directive() -> None:
    source = preprocess_text('x\n#line 100 "gen.p4"\ny\n#line 7\nz\n', "m.p4")
    assert source.text == "x\n\ny\n\nz\n"
    assert source.coord(1) == Coord("m.p4", 1, 1)
    assert source.coord(3) == Coord("gen.p4", 100, 1)
    assert source.coord(5) == Coord("gen.p4", 7, 1)


def test_source_is_a_value() -> None:
    source = preprocess_text("a\n", "m.p4")
    assert isinstance(source, Source)
    assert source.files == ("m.p4",)
    assert source.warnings == ()


# ----------------------------------------------------------------------------- diagnostics


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("\n#if 1\n", "main.p4:2:1: error: unterminated #if"),
        ("#ifndef A\n#else\n", "main.p4:1:1: error: unterminated #ifndef"),
        ("#else\n", "main.p4:1:1: error: #else without #if"),
        ("#elif 1\n", "main.p4:1:1: error: #elif without #if"),
        ("#endif\n", "main.p4:1:1: error: #endif without #if"),
        ("#if 1\n#else\n#elif 1\n#endif\n", "main.p4:3:1: error: #elif after #else"),
        ("#if 1\n#else\n#else\n#endif\n", "main.p4:3:1: error: #else after #else"),
        ("#define F(a, b) a\n\nF(1)\n", 'main.p4:3:1: error: macro "F" expects 2 arguments, got 1'),
        ("#define F(a) a\nx F(1, 2)\n", 'main.p4:2:3: error: macro "F" expects 1 argument, got 2'),
        ("#define F() a\nF(1)\n", 'main.p4:2:1: error: macro "F" expects 0 arguments, got 1'),
        (
            "#define V(a, b, ...) a\nV(1)\n",
            'main.p4:2:1: error: macro "V" expects at least 2 arguments, got 1',
        ),
        (
            "#define F(a) a\nF(1,\n#define X\n)\n",
            'main.p4:2:1: error: unterminated argument list invoking macro "F"',
        ),
        ("x\n /* open\n\n", "main.p4:2:2: error: unterminated comment"),
        ("#foo\n", "main.p4:1:1: error: invalid preprocessing directive #foo"),
        ("  # 12\n", "main.p4:1:3: error: invalid preprocessing directive #12"),
        ("#error stop  here\n", "main.p4:1:1: error: #error stop  here"),
        ("#error\n", "main.p4:1:1: error: #error"),
        ("#define\n", "main.p4:1:1: error: no macro name given in #define directive"),
        ("#define 3 x\n", "main.p4:1:9: error: macro names must be identifiers"),
        ("#define defined\n", 'main.p4:1:9: error: "defined" cannot be used as a macro name'),
        ("#define F(a, a) a\n", 'main.p4:1:14: error: duplicate macro parameter "a"'),
        ("#define F(a b) a\n", 'main.p4:1:1: error: missing ")" in macro parameter list'),
        ("#define F(1) a\n", 'main.p4:1:11: error: expected parameter name, found "1"'),
        ("#define F(a) #b\n", 'main.p4:1:1: error: "#" is not followed by a macro parameter'),
        (
            "#define F(a) ## a\n",
            'main.p4:1:1: error: "##" cannot appear at either end of a macro expansion',
        ),
        (
            "#define P(a, b) a ## b\nP(+, -)\n",
            'main.p4:2:1: error: pasting "+" and "-" does not give a valid preprocessing token',
        ),
        ("#ifdef\n#endif\n", "main.p4:1:1: error: no macro name given in #ifdef directive"),
        ("#if\n#endif\n", "main.p4:1:1: error: #if with no expression"),
        ("#if 1 / 0\n#endif\n", "main.p4:1:7: error: division by zero in #if"),
        ("#if 2 % (1 - 1)\n#endif\n", "main.p4:1:7: error: division by zero in #if"),
        ("#if (1\n#endif\n", 'main.p4:1:1: error: missing ")" in #if expression'),
        ("#if 1 2\n#endif\n", 'main.p4:1:7: error: missing binary operator before "2"'),
        ("#if 1 +\n#endif\n", "main.p4:1:1: error: #if expression ends unexpectedly"),
        ("#if 8w1\n#endif\n", 'main.p4:1:5: error: invalid integer "8w1" in #if'),
        ('#if "s"\n#endif\n', "main.p4:1:5: error: string literal in #if expression"),
        ("#if (1 :\n#endif\n", 'main.p4:1:8: error: expected ")" in #if expression, found ":"'),
        ("#if 1 ? 2\n#endif\n", 'main.p4:1:1: error: missing ":" in #if expression'),
        ("#if * 1\n#endif\n", 'main.p4:1:5: error: unexpected "*" in #if expression'),
        (
            "#if defined(1)\n#endif\n",
            'main.p4:1:13: error: operator "defined" requires an identifier',
        ),
        ("#include\n", 'main.p4:1:1: error: #include expects "FILENAME" or <FILENAME>'),
        ('#include ""\n', "main.p4:1:10: error: empty filename in #include"),
        ("#line x\n", "main.p4:1:1: error: #line expects a positive line number"),
    ],
)
def test_diagnostics(src: str, message: str) -> None:
    assert error(src) == message


def test_error_after_line_continuation_points_to_physical_line() -> None:
    assert error("#define A \\\n  1\nx\n#bogus\n") == (
        "main.p4:4:1: error: invalid preprocessing directive #bogus"
    )


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = "#define F(x) x\n\n" + "F(" * 2000 + "1" + ")" * 2000 + "\n"
    assert error(deep) == "main.p4:3:1: error: macro calls or #if expression nested too deeply"


def test_warnings_are_collected() -> None:
    source = preprocess_text("#warning check me\n#ifdef A B\n#endif A\n", "main.p4")
    assert source.text == "\n\n\n"
    assert source.warnings == (
        (Coord("main.p4", 1, 1), "#warning check me"),
        (Coord("main.p4", 2, 10), "extra tokens at end of #ifdef directive"),
        (Coord("main.p4", 3, 8), "extra tokens at end of #endif directive"),
    )


def test_pragma_and_null_directive_are_dropped() -> None:
    assert pp("#pragma something\n#\nx\n") == "\n\nx\n"

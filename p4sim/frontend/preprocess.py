"""C-style preprocessor for P4-16 sources: what p4c gets from running `cpp` first.

p4c hands every program to the system C preprocessor; p4sim cannot count on one being installed,
so this module implements, in pure Python, the part of cpp that P4 programs use: `#include`,
object- and function-like macros (with `#` and `##`), `#undef`, conditionals with integer
constant expressions, `#error`/`#warning`, `#line` and `#pragma once`.

cpp tells the compiler where each output line came from with line markers; here the result
instead carries a map from every (line, column) of the output back to a `Coord` in the file the
user wrote, so later stages report errors in the right file and line.  Each input line becomes
exactly one output line (directives, skipped lines and comment-only lines become blank lines),
except that an `#include` line is replaced by the included file's lines and a macro call whose
arguments span several lines is expanded on its first line followed by blank lines.

Tokens are only re-spelt where a macro was expanded: every other line is copied unchanged
(comments blanked out), so its columns map 1:1.  Expansion follows Prosser's algorithm (each
token carries the set of macro names it must not be expanded by again).
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from p4sim.frontend.diagnostics import Coord, P4Error

#: Where `#include <core.p4>` and `#include <v1model.p4>` are found after the -I directories.
BUILTIN_INCLUDE_DIR = Path(__file__).resolve().parent.parent / "include"

#: Includes nested deeper than this are reported: almost always a file including itself.
MAX_INCLUDE_DEPTH = 64

# One preprocessing token (C's pp-tokens, which also cover P4 literals such as 8w0xFF) with
# the whitespace before it: an identifier, a pp-number, a string literal, a C punctuator or any
# other single character.  The kind of a token follows from its first characters (`_kind`).
_TOKEN = re.compile(
    r"""(\s*)(
        [A-Za-z_]\w*
      | \.?\d(?:[eEpP][+-]|[\w.])*
      | "(?:[^"\\]|\\.)*"?
      | \.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&^|]=|\#\#
      | \S
    )""",
    re.VERBOSE,
)
_ID_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset("0123456789")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# String literals (left alone, so `"//"` is not a comment), line comments, block comments, and
# a block comment that never ends.
_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|//[^\n]*|/\*.*?\*/|/\*', re.DOTALL)
# Start of a directive line, possibly after comments: a block comment spanning lines there
# continues the directive, as in cpp.
_DIRECTIVE_PREFIX = re.compile(r"[ \t\f\v]*(?:/\*.*?\*/[ \t\f\v]*)*#", re.DOTALL)
_INTEGER = re.compile(r"(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))[uUlL]*")

_WORD_CHARS = _ID_START | _DIGITS
_OPERATOR_CHARS = frozenset("+-*/%<>=!&|^~.:?#")

# Binary operators of `#if` expressions, loosest first, and their C meaning.
_BINARY_PRECEDENCE = {
    op: prec
    for prec, ops in enumerate(
        ["||", "&&", "|", "^", "&", "== !=", "< > <= >=", "<< >>", "+ -", "* / %"], start=1
    )
    for op in ops.split()
}
_BINARY_OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
}  # fmt: skip


_Segment = tuple[int, int, int, bool]  # (output column, line, column, exact); see LineOrigin


class LineOrigin(NamedTuple):
    """Where one output line came from.

    `segments` is None when output columns equal columns of `file:line`.  Otherwise it lists
    `(output column, line, column, exact)` runs in output order: an exact run maps column by
    column; an inexact run (text produced by a macro) maps every column to the macro call.
    """

    file: str
    line: int
    segments: tuple[_Segment, ...] | None = None


@dataclass(frozen=True)
class Source:
    """A preprocessed program plus the map from its positions back to the original files."""

    text: str
    origins: tuple[LineOrigin, ...]
    files: tuple[str, ...]  # every file read, main file first (build-dependency tracking)
    warnings: tuple[tuple[Coord, str], ...] = ()  # `#warning` and extra-token complaints

    def coord(self, line: int, column: int = 1) -> Coord:
        """Original position of 1-based (line, column) in `text`; past the end extrapolates."""
        if not self.origins:
            return Coord(self.files[0], max(line, 1), column)
        index = min(max(line, 1), len(self.origins)) - 1
        origin = self.origins[index]
        beyond = line - 1 - index
        if origin.segments is None or beyond > 0:
            return Coord(origin.file, origin.line + max(beyond, 0), column)
        k = max(bisect_right(origin.segments, column, key=lambda seg: seg[0]) - 1, 0)
        out_col, orig_line, orig_col, exact = origin.segments[k]
        return Coord(origin.file, orig_line, orig_col + (column - out_col) if exact else orig_col)


def preprocess(
    path: Path | str,
    include_dirs: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
) -> Source:
    """Preprocess the file at `path`; `defines` are `-D` options (`{"NAME": "VALUE"}`)."""
    pp = _Preprocessor(include_dirs, defines or {})
    return pp.run(pp.load(Path(path), None))


def preprocess_text(
    text: str,
    filename: str = "<input>",
    include_dirs: Sequence[Path | str] = (),
    defines: Mapping[str, str] | None = None,
) -> Source:
    """Preprocess `text` as if read from `filename` (quoted includes resolve beside it)."""
    pp = _Preprocessor(include_dirs, defines or {})
    return pp.run(_File(filename, Path(filename).parent, text, None))


@dataclass(slots=True)
class _Tok:
    """A preprocessing token with its output spacing and the original position it stands for."""

    text: str
    kind: str  # id, num, str, punct; in macro bodies also hash (#), paste (##); pm: placemarker
    ws: str  # whitespace to print before the token
    line: int
    col: int
    exact: bool = True  # spelt as at (line, col); False for text produced by a macro body
    seq: int = -1  # running number of source tokens: consecutive ones need no re-spacing
    hide: frozenset[str] = frozenset()  # macros that must not expand this token again


def _made_by(call: _Tok, text: str, kind: str, ws: str, hide: frozenset[str]) -> _Tok:
    """A token produced by a macro body: it maps back to the macro call `call`."""
    return _Tok(text, kind, ws, call.line, call.col, False, -1, hide)


@dataclass(frozen=True, slots=True)
class _BodyTok:
    """One token of a macro's replacement list; `param` indexes the parameter it names or is -1."""

    text: str
    kind: str
    ws: str
    param: int = -1


@dataclass(frozen=True, slots=True)
class _Macro:
    """A `#define`d macro, parsed once so each expansion only copies the body."""

    name: str
    params: tuple[str, ...] | None  # None for object-like macros
    variadic: bool
    body: tuple[_BodyTok, ...]
    pastes: bool  # body contains `##`


@dataclass(slots=True)
class _Cond:
    """One open `#if` group of the current file."""

    directive: str
    coord: Coord
    taken: bool  # some branch of the group was selected already
    active: bool
    seen_else: bool = False


class _File:
    """One source file after line splicing and comment removal, with maps back to raw positions.

    Line splicing (backslash-newline) and block comments inside directives can join several
    physical lines into one logical line; files where neither happens are `simple` and logical
    line i is physical line i + 1, which keeps the common path cheap.
    """

    def __init__(self, label: str, directory: Path, raw: str, path: Path | None) -> None:
        raw = raw.removeprefix("\ufeff").replace("\r\n", "\n")
        if raw and not raw.endswith("\n"):
            raw += "\n"
        self.label = label  # name reported in coordinates; `#line` may change it
        self.directory = directory
        self.path = path
        self.delta = 0  # added to physical line numbers, set by `#line`
        self._raw = raw
        self._raw_starts: list[int] | None = None
        self._starts: list[int] | None = None
        text = raw
        self.splices: list[int] = []
        if "\\\n" in raw:
            parts = raw.split("\\\n")
            self.splices = list(accumulate(len(part) for part in parts[:-1]))
            text = "".join(parts)
            if raw.endswith("\\\n"):  # a final backslash-newline still ends a line
                text += "\n"
        cleaned, joined = self._blank_comments(text)
        self.lines = cleaned.split("\n")
        self.lines.pop()
        self.simple = not self.splices and not joined

    def _blank_comments(self, text: str) -> tuple[str, bool]:
        """Replace comments by spaces (same length, newlines kept except inside directives)."""
        pieces: list[str] = []
        pos = line_start = 0
        joined = False
        for m in _COMMENT.finditer(text):
            comment = m.group()
            if comment[0] == '"':
                continue
            start = m.start()
            newline = text.rfind("\n", pos, start)
            if newline >= 0:
                line_start = newline + 1
            pieces.append(text[pos:start])
            if comment == "/*":
                raise P4Error(Coord(self.label, *self.pos(start)), "unterminated comment")
            if "\n" not in comment:
                pieces.append(" " * len(comment))
            elif _DIRECTIVE_PREFIX.match(text, line_start, start):
                pieces.append(" " * len(comment))
                joined = True
            else:
                pieces.append("\n".join(" " * len(part) for part in comment.split("\n")))
                line_start = start + comment.rfind("\n") + 1
            pos = m.end()
        if not pieces:
            return text, False
        pieces.append(text[pos:])
        return "".join(pieces), joined

    def pos(self, offset: int, line_start: bool = False) -> tuple[int, int]:
        """Physical (line, column) of an offset into the spliced text.

        A character right after a splice is on the line after it, but a logical line that
        starts with a splice starts on the line of the backslash (`line_start`).
        """
        if self._raw_starts is None:
            self._raw_starts = [0, *(m.end() for m in re.finditer("\n", self._raw))]
        raw = offset + 2 * (bisect_left if line_start else bisect_right)(self.splices, offset)
        raw = min(raw, len(self._raw) - 1)  # the newline added after a final backslash-newline
        line = bisect_right(self._raw_starts, raw)
        return line, raw - self._raw_starts[line - 1] + 1

    def start(self, i: int) -> int:
        """Offset of logical line i in the spliced text."""
        if self._starts is None:
            self._starts = list(accumulate((len(line) + 1 for line in self.lines), initial=0))
        return self._starts[i]

    def first_line(self, i: int) -> int:
        """Physical line where logical line i starts."""
        return i + 1 if self.simple else self.pos(self.start(i), line_start=True)[0]

    def last_line(self, i: int) -> int:
        """Physical line where logical line i ends."""
        return i + 1 if self.simple else self.pos(self.start(i) + len(self.lines[i]))[0]

    def is_directive(self, i: int) -> bool:
        return self.lines[i].lstrip().startswith("#")


class _Cursor:
    """Lets a macro call whose argument list goes on past its line pull in the following lines.

    A directive or the end of the file ends the search, as cpp never lets a macro call
    swallow a directive or continue into the including file.
    """

    def __init__(self, pp: _Preprocessor, f: _File, next_line: int) -> None:
        self.pp = pp
        self.f = f
        self.next = next_line

    def _usable(self, i: int) -> bool:
        return i < len(self.f.lines) and not self.f.is_directive(i)

    def pull(self, toks: deque[_Tok]) -> bool:
        """Append the tokens of the next line to `toks`; False at a directive or end of file."""
        if not self._usable(self.next):
            return False
        new = self.pp.tokenize(self.f, self.next)
        self.next += 1
        if new and not new[0].ws:
            new[0].ws = " "  # the newline separated it from what came before
        toks.extend(new)
        return True

    def pull_lparen(self, toks: deque[_Tok]) -> bool:
        """If the next non-blank line starts with `(`, pull lines up to it and return True."""
        i = self.next
        while self._usable(i) and not self.f.lines[i].strip():
            i += 1
        if not self._usable(i) or not self.f.lines[i].lstrip().startswith("("):
            return False
        while self.next <= i:
            self.pull(toks)
        return True


class _Preprocessor:
    """State of one preprocessing run: macros, output lines and their origins."""

    def __init__(self, include_dirs: Sequence[Path | str], defines: Mapping[str, str]) -> None:
        self.include_dirs = [Path(d) for d in include_dirs]
        self.macros: dict[str, _Macro] = {}
        self.out: list[str] = []
        self.origins: list[LineOrigin] = []
        self.files: dict[str, None] = {}
        self.warnings: list[tuple[Coord, str]] = []
        self.once: set[Path] = set()
        self.file: _File | None = None
        self._seq = 0  # running token number, see _Tok.seq
        where = Coord("<command line>", 1)
        for name, value in defines.items():
            self._define(self._lex(f"{name} {value}", 1), where)

    # ----------------------------------------------------------------------------- driver

    def load(self, path: Path, where: Coord | None) -> _File:
        """Read a source file; `where` is the `#include` asking for it (None for the main file)."""
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise P4Error(where, f'cannot read "{path}": not valid UTF-8') from None
        except OSError as exc:
            raise P4Error(where, f'cannot read "{path}": {exc.strerror or exc}') from None
        return _File(str(path), path.parent, raw, path)

    def run(self, main: _File) -> Source:
        self.run_file(main, 0)
        text = "\n".join(self.out) + "\n" if self.out else ""
        return Source(text, tuple(self.origins), tuple(self.files), tuple(self.warnings))

    def run_file(self, f: _File, depth: int) -> None:
        saved, self.file = self.file, f
        self.files.setdefault(f.label)
        macros = self.macros
        conds: list[_Cond] = []
        i, n = 0, len(f.lines)
        try:
            while i < n:
                text = f.lines[i]
                if f.is_directive(i):
                    self._directive(f, i, conds, depth)
                    i += 1
                elif conds and not conds[-1].active:
                    self._emit_blank(f, i, i + 1)
                    i += 1
                elif not (macros and any(w in macros for w in _IDENT.findall(text))) and (
                    f.simple or f.first_line(i) == f.last_line(i)
                ):
                    self.out.append(text.rstrip())  # no macro: copied, columns map 1:1
                    self.origins.append(LineOrigin(f.label, f.first_line(i) + f.delta))
                    i += 1
                else:
                    i = self._expand_line(f, i)
        except RecursionError:  # hundreds of nested macro calls or parentheses
            where = Coord(f.label, f.first_line(i) + f.delta)
            raise P4Error(where, "macro calls or #if expression nested too deeply") from None
        if conds:
            raise P4Error(conds[-1].coord, f"unterminated #{conds[-1].directive}")
        self.file = saved

    def _emit_blank(self, f: _File, first: int, end: int) -> None:
        """Blank output lines for every physical line of logical lines first..end-1."""
        for line in range(f.first_line(first), f.last_line(end - 1) + 1):
            self.out.append("")
            self.origins.append(LineOrigin(f.label, line + f.delta))

    def _expand_line(self, f: _File, i: int) -> int:
        """Expand macros in logical line i (and lines a macro call runs into); next line index."""
        cursor = _Cursor(self, f, i + 1)
        toks = self.expand(deque(self.tokenize(f, i)), cursor)
        line = f.first_line(i) + f.delta
        text, segments = _render(toks, line)
        self.out.append(text)
        self.origins.append(LineOrigin(f.label, line, segments))
        for extra in range(f.first_line(i) + 1, f.last_line(cursor.next - 1) + 1):
            self.out.append("")
            self.origins.append(LineOrigin(f.label, extra + f.delta))
        return cursor.next

    # ----------------------------------------------------------------------------- lexing

    def _lex(self, text: str, line: int, f: _File | None = None, base: int = 0) -> list[_Tok]:
        """Tokens of one logical line: all on `line`, or positioned through `f` (offset `base`)."""
        pairs = _TOKEN.findall(text)
        first = self._seq
        self._seq += len(pairs)
        toks: list[_Tok] = []
        offset = 0
        for n, (ws, tok) in enumerate(pairs, first):
            offset += len(ws)
            if f is None:
                tline, tcol = line, offset + 1
            else:
                tline, tcol = f.pos(base + offset)
                tline += f.delta
            toks.append(_Tok(tok, _kind(tok), ws, tline, tcol, True, n))
            offset += len(tok)
        return toks

    def tokenize(self, f: _File, i: int) -> list[_Tok]:
        if f.simple:
            return self._lex(f.lines[i], i + 1 + f.delta)
        return self._lex(f.lines[i], 0, f, f.start(i))

    def at(self, tok: _Tok) -> Coord:
        label = self.file.label if self.file is not None else "<command line>"
        return Coord(label, tok.line, tok.col)

    # ----------------------------------------------------------------------------- directives

    def _directive(self, f: _File, i: int, conds: list[_Cond], depth: int) -> None:
        toks = self.tokenize(f, i)
        where = self.at(toks[0])
        active = conds[-1].active if conds else True
        name = toks[1].text if len(toks) > 1 and toks[1].kind == "id" else ""
        args = toks[2:]
        if name in ("if", "ifdef", "ifndef", "elif", "else", "endif"):
            self._emit_blank(f, i, i + 1)
            self._conditional(name, args, where, conds, active)
        elif not active or len(toks) == 1:
            self._emit_blank(f, i, i + 1)  # skipped, or the null directive `#`
        elif name == "include":
            self._include(f, args, where, depth)
        else:
            self._emit_blank(f, i, i + 1)
            self._other_directive(f, i, name, toks, where)

    def _other_directive(self, f: _File, i: int, name: str, toks: list[_Tok], where: Coord):
        args = toks[2:]
        if name == "define":
            self._define(args, where)
        elif name == "undef":
            self._macro_name(args, where, "#undef")
            self.macros.pop(args[0].text, None)
            self._extra_tokens(args[1:], "#undef")
        elif name == "error":
            raise P4Error(where, f"#error {_spell(args)}".rstrip())
        elif name == "warning":
            self.warnings.append((where, f"#warning {_spell(args)}".rstrip()))
        elif name == "pragma":
            if [t.text for t in args] == ["once"] and f.path is not None:
                self.once.add(f.path.resolve())
        elif name == "line":
            self._line(f, i, args, where)
        else:
            raise P4Error(where, f"invalid preprocessing directive #{toks[1].text}")

    def _extra_tokens(self, rest: list[_Tok], directive: str) -> None:
        if rest:
            message = f"extra tokens at end of {directive} directive"
            self.warnings.append((self.at(rest[0]), message))

    def _macro_name(self, args: list[_Tok], where: Coord, directive: str) -> None:
        if not args:
            raise P4Error(where, f"no macro name given in {directive} directive")
        if args[0].kind != "id":
            raise P4Error(self.at(args[0]), "macro names must be identifiers")
        if args[0].text == "defined" and directive in ("#define", "#undef"):
            raise P4Error(self.at(args[0]), '"defined" cannot be used as a macro name')

    def _conditional(
        self, name: str, args: list[_Tok], where: Coord, conds: list[_Cond], active: bool
    ) -> None:
        if name in ("if", "ifdef", "ifndef"):
            value = False
            if active and name == "if":
                value = self._evaluate(args, where) != 0
            elif active:
                self._macro_name(args, where, f"#{name}")
                self._extra_tokens(args[1:], f"#{name}")
                value = (args[0].text in self.macros) == (name == "ifdef")
            conds.append(_Cond(name, where, taken=value or not active, active=value))
            return
        if not conds:
            raise P4Error(where, f"#{name} without #if")
        group = conds[-1]
        if name == "endif":
            self._extra_tokens(args, "#endif")
            conds.pop()
            return
        if group.seen_else:
            raise P4Error(where, f"#{name} after #else")
        if name == "else":
            self._extra_tokens(args, "#else")
            group.seen_else = True
            group.active = not group.taken
            group.taken = True
        else:  # elif: only evaluated when no earlier branch was taken
            group.active = not group.taken and self._evaluate(args, where) != 0
            group.taken = group.taken or group.active

    def _define(self, args: list[_Tok], where: Coord) -> None:
        self._macro_name(args, where, "#define")
        name = args[0].text
        params: list[str] | None = None
        variadic = False
        k = 1
        if len(args) > 1 and args[1].text == "(" and not args[1].ws:
            params, variadic, k = self._params(args, where)
        body_toks = args[k:]
        body: list[_BodyTok] = []
        for j, t in enumerate(body_toks):
            ws = " " if t.ws and j else ""
            param = params.index(t.text) if params and t.kind == "id" and t.text in params else -1
            kind = t.kind
            if t.kind == "punct" and t.text == "##":
                if j == 0 or j == len(body_toks) - 1:
                    raise P4Error(where, '"##" cannot appear at either end of a macro expansion')
                kind = "paste"
            elif t.kind == "punct" and t.text == "#" and params is not None:
                nxt = body_toks[j + 1] if j + 1 < len(body_toks) else None
                if nxt is None or nxt.kind != "id" or nxt.text not in params:
                    raise P4Error(where, '"#" is not followed by a macro parameter')
                kind = "hash"
            body.append(_BodyTok(t.text, kind, ws, param))
        self.macros[name] = _Macro(
            name,
            None if params is None else tuple(params),
            variadic,
            tuple(body),
            any(b.kind == "paste" for b in body),
        )

    def _params(self, args: list[_Tok], where: Coord) -> tuple[list[str], bool, int]:
        """Parse `(a, b, ...)` after a macro name; returns names, variadic, index after `)`."""
        params: list[str] = []
        k = 2
        if k < len(args) and args[k].text == ")":
            return params, False, k + 1
        while k < len(args):
            t = args[k]
            if t.text == "...":
                params.append("__VA_ARGS__")
                k += 1
                if k < len(args) and args[k].text == ")":
                    return params, True, k + 1
                break
            if t.kind != "id":
                raise P4Error(self.at(t), f'expected parameter name, found "{t.text}"')
            if t.text in params:
                raise P4Error(self.at(t), f'duplicate macro parameter "{t.text}"')
            params.append(t.text)
            k += 1
            if k < len(args) and args[k].text == ")":
                return params, False, k + 1
            if k >= len(args) or args[k].text != ",":
                break
            k += 1
        raise P4Error(where, 'missing ")" in macro parameter list')

    def _include(self, f: _File, args: list[_Tok], where: Coord, depth: int) -> None:
        name, angled, rest = self._include_name(args, where)
        spelt = f"<{name}>" if angled else f'"{name}"'
        self._extra_tokens(rest, "#include")
        dirs = [*([] if angled else [f.directory]), *self.include_dirs, BUILTIN_INCLUDE_DIR]
        path = next((d / name for d in dirs if (d / name).is_file()), None)
        at = self.at(args[0])
        if path is None:
            raise P4Error(at, f"cannot find include file {spelt}")
        if path.resolve() in self.once:
            return
        if depth + 1 > MAX_INCLUDE_DEPTH:
            raise P4Error(
                at,
                f"#include nested too deeply (more than {MAX_INCLUDE_DEPTH} "
                "levels; is there an include cycle?)",
            )
        self.run_file(self.load(path, at), depth + 1)

    def _include_name(self, args: list[_Tok], where: Coord, expanded: bool = False):
        """(file name, angled?, tokens after it) of an #include; macros expand once if needed."""
        if args and args[0].kind == "str" and _STRING.fullmatch(args[0].text):
            if args[0].text == '""':
                raise P4Error(self.at(args[0]), "empty filename in #include")
            return args[0].text[1:-1], False, args[1:]
        if args and args[0].text == "<":
            for k in range(1, len(args)):
                if args[k].text == ">":
                    name = _spell(args[1:k])
                    if not name:
                        raise P4Error(self.at(args[0]), "empty filename in #include")
                    return name, True, args[k + 1 :]
        elif args and not expanded:
            return self._include_name(self.expand(deque(args), None), where, True)
        raise P4Error(where, '#include expects "FILENAME" or <FILENAME>')

    def _line(self, f: _File, i: int, args: list[_Tok], where: Coord) -> None:
        toks = self.expand(deque(args), None)
        if (
            not toks
            or toks[0].kind != "num"
            or not toks[0].text.isdecimal()
            or not toks[0].text.isascii()
        ):
            raise P4Error(where, "#line expects a positive line number")
        label = f.label
        if len(toks) > 1:
            if toks[1].kind != "str" or not _STRING.fullmatch(toks[1].text):
                raise P4Error(self.at(toks[1]), "invalid filename in #line directive")
            label = toks[1].text[1:-1]
            self._extra_tokens(toks[2:], "#line")
        f.delta = int(toks[0].text) - (f.last_line(i) + 1)
        f.label = label

    # ----------------------------------------------------------------------------- expansion

    def expand(self, toks: deque[_Tok], cursor: _Cursor | None) -> list[_Tok]:
        """Fully macro-expand `toks`; `cursor` supplies later lines to unfinished macro calls."""
        out: list[_Tok] = []
        macros = self.macros
        while toks:
            t = toks.popleft()
            m = macros.get(t.text) if t.kind == "id" else None
            if m is None or t.text in t.hide:
                out.append(t)
                continue
            if m.params is None:
                body = self._substitute(m, t, None, t.hide | {m.name})
            elif _lparen_follows(toks, cursor):
                args, rparen = self._arguments(m, t, toks, cursor)
                body = self._substitute(m, t, args, (t.hide & rparen.hide) | {m.name})
            else:
                out.append(t)  # a function-like macro name without arguments is plain text
                continue
            toks.extendleft(reversed(body))
        return out

    def _arguments(self, m: _Macro, name: _Tok, toks: deque[_Tok], cursor: _Cursor | None):
        """Read `( ... )` from `toks`; returns the argument token lists and the closing `)`."""
        assert m.params is not None
        toks.popleft()  # (
        args: list[list[_Tok]] = [[]]
        wanted = len(m.params)
        depth = 0
        while True:
            while not toks:
                if cursor is None or not cursor.pull(toks):
                    message = f'unterminated argument list invoking macro "{m.name}"'
                    raise P4Error(self.at(name), message)
            t = toks.popleft()
            if t.kind == "punct":
                if t.text == "(":
                    depth += 1
                elif t.text == ")":
                    if depth == 0:
                        break
                    depth -= 1
                elif t.text == "," and depth == 0 and not (m.variadic and len(args) == wanted):
                    args.append([])
                    continue
            args[-1].append(t)
        if wanted == 0 and args == [[]]:
            args = []
        if m.variadic and len(args) == wanted - 1:
            args.append([])
        if len(args) != wanted:
            at_least = "at least " if m.variadic else ""
            wanted -= 1 if m.variadic else 0
            raise P4Error(
                self.at(name),
                f'macro "{m.name}" expects {at_least}{wanted} '
                f"argument{'' if wanted == 1 else 's'}, got {len(args)}",
            )
        return args, t

    def _substitute(
        self, m: _Macro, name: _Tok, args: list[list[_Tok]] | None, hide: frozenset[str]
    ) -> list[_Tok]:
        """The replacement list of `m` with arguments substituted, `#` and `##` applied."""
        expanded: dict[int, list[_Tok]] = {}
        result: list[_Tok] = []
        body = m.body
        k = 0
        while k < len(body):
            b = body[k]
            if b.kind == "hash" and args is not None:
                k += 1
                result.append(_made_by(name, _stringify(args[body[k].param]), "str", b.ws, hide))
            elif b.param >= 0 and args is not None:
                raw = (k > 0 and body[k - 1].kind == "paste") or (
                    k + 1 < len(body) and body[k + 1].kind == "paste"
                )
                if raw:
                    arg = args[b.param]
                else:
                    if b.param not in expanded:
                        expanded[b.param] = self.expand(deque(args[b.param]), None)
                    arg = expanded[b.param]
                if not arg and raw:
                    result.append(_made_by(name, "", "pm", b.ws, hide))
                for j, t in enumerate(arg):
                    ws = b.ws if j == 0 else t.ws
                    result.append(
                        _Tok(t.text, t.kind, ws, t.line, t.col, t.exact, t.seq, t.hide | hide)
                    )
            else:
                result.append(_made_by(name, b.text, b.kind, b.ws, hide))
            k += 1
        if m.pastes:
            result = self._paste(result, name, hide)
        if result:
            result[0].ws = name.ws
        return result

    def _paste(self, toks: list[_Tok], name: _Tok, hide: frozenset[str]) -> list[_Tok]:
        """Apply the `##` operators in a substituted replacement list; drop placemarkers."""
        out: list[_Tok] = []
        k = 0
        while k < len(toks):
            t = toks[k]
            if t.kind != "paste":
                out.append(t)
                k += 1
                continue
            left, right = out.pop(), toks[k + 1]
            k += 2
            if left.kind == "pm" or right.kind == "pm":
                out.append(right if left.kind == "pm" else left)
                continue
            text = left.text + right.text
            m = _TOKEN.fullmatch(text)
            if m is None or m.group(1):
                raise P4Error(
                    self.at(name),
                    f'pasting "{left.text}" and "{right.text}" does '
                    "not give a valid preprocessing token",
                )
            out.append(_made_by(name, text, _kind(text), left.ws, hide))
        return [t for t in out if t.kind != "pm"]

    # ----------------------------------------------------------------------------- #if

    def _evaluate(self, args: list[_Tok], where: Coord) -> int:
        """Value of an `#if`/`#elif` expression."""
        if not args:
            raise P4Error(where, "#if with no expression")
        for k, t in enumerate(args):
            if t.text == "defined":  # keep the operand of `defined` from being expanded
                j = k + 2 if k + 1 < len(args) and args[k + 1].text == "(" else k + 1
                if j < len(args) and args[j].kind == "id":
                    args[j].hide = args[j].hide | {args[j].text}
        toks = self.expand(deque(args), None)
        return _Expression(toks, where, self).parse()


class _Expression:
    """Recursive-descent evaluator of cpp integer constant expressions (64-bit, like intmax_t).

    Evaluation is skipped (`live` False) in the unselected operands of `&&`, `||` and `?:`,
    so `#if 0 && 1 / 0` is fine, as in cpp.
    """

    def __init__(self, toks: list[_Tok], where: Coord, pp: _Preprocessor) -> None:
        self.toks = toks
        self.k = 0
        self.where = where
        self.pp = pp

    def _error(self, message: str) -> P4Error:
        if self.k < len(self.toks):
            return P4Error(self.pp.at(self.toks[self.k]), message)
        return P4Error(self.where, message)

    def _peek(self) -> str | None:
        if self.k < len(self.toks) and self.toks[self.k].kind == "punct":
            return self.toks[self.k].text
        return None

    def _expect(self, text: str) -> None:
        if self.k >= len(self.toks):
            raise self._error(f'missing "{text}" in #if expression')
        if self._peek() != text:
            found = self.toks[self.k].text
            raise self._error(f'expected "{text}" in #if expression, found "{found}"')
        self.k += 1

    def parse(self) -> int:
        value = self._conditional(True)
        if self.k < len(self.toks):
            raise self._error(f'missing binary operator before "{self.toks[self.k].text}"')
        return value

    def _conditional(self, live: bool) -> int:
        cond = self._binary(1, live)
        if self._peek() != "?":
            return cond
        self.k += 1
        if_true = self._conditional(live and cond != 0)
        self._expect(":")
        if_false = self._conditional(live and cond == 0)
        return if_true if cond else if_false

    def _binary(self, min_prec: int, live: bool) -> int:
        left = self._unary(live)
        while (op := self._peek()) in _BINARY_PRECEDENCE and _BINARY_PRECEDENCE[op] >= min_prec:
            op_tok = self.toks[self.k]
            self.k += 1
            prec = _BINARY_PRECEDENCE[op]
            if op == "&&":
                left = int(self._binary(prec + 1, live and left != 0) != 0 and left != 0)
            elif op == "||":
                left = int(self._binary(prec + 1, live and left == 0) != 0 or left != 0)
            else:
                right = self._binary(prec + 1, live)
                left = _apply(op, left, right) if live else 0
                if left is None:
                    raise P4Error(self.pp.at(op_tok), "division by zero in #if")
        return left

    def _unary(self, live: bool) -> int:
        op = self._peek()
        if op in ("+", "-", "!", "~"):
            self.k += 1
            value = self._unary(live)
            return {"+": value, "-": _wrap(-value), "!": int(value == 0), "~": ~value}[op]
        return self._primary(live)

    def _primary(self, live: bool) -> int:
        if self.k >= len(self.toks):
            raise self._error("#if expression ends unexpectedly")
        t = self.toks[self.k]
        self.k += 1
        if t.kind == "num":
            m = _INTEGER.fullmatch(t.text)
            if m is None:
                raise P4Error(self.pp.at(t), f'invalid integer "{t.text}" in #if')
            hex_digits, binary, octal, decimal = m.groups()
            if hex_digits:
                return _wrap(int(hex_digits, 16))
            return _wrap(int(binary, 2) if binary else int(octal, 8) if octal else int(decimal))
        if t.kind == "id" and t.text == "defined":
            return self._defined()
        if t.kind == "id":
            return 0  # unknown identifiers are 0 in cpp
        if t.kind == "punct" and t.text == "(":
            value = self._conditional(live)
            self._expect(")")
            return value
        self.k -= 1
        if t.kind == "str":
            raise self._error("string literal in #if expression")
        raise self._error(f'unexpected "{t.text}" in #if expression')

    def _defined(self) -> int:
        paren = self._peek() == "("
        self.k += paren
        if self.k >= len(self.toks) or self.toks[self.k].kind != "id":
            raise self._error('operator "defined" requires an identifier')
        value = int(self.toks[self.k].text in self.pp.macros)
        self.k += 1
        if paren:
            self._expect(")")
        return value


def _kind(text: str) -> str:
    """Kind of a token from its spelling: id, num, str or punct."""
    c = text[0]
    if c in _ID_START:
        return "id"
    if c in _DIGITS or (c == "." and text[1:2] in _DIGITS):
        return "num"
    return "str" if c == '"' else "punct"


def _lparen_follows(toks: deque[_Tok], cursor: _Cursor | None) -> bool:
    """Whether a function-like macro name is called: `(` comes next, maybe on a later line."""
    if toks:
        return toks[0].text == "("
    return cursor is not None and cursor.pull_lparen(toks)


def _wrap(value: int) -> int:
    """Reduce to a signed 64-bit integer, cpp's intmax_t."""
    return (value + (1 << 63)) % (1 << 64) - (1 << 63)


def _apply(op: str, a: int, b: int) -> int | None:
    """Binary operator with C semantics; None on division by zero."""
    if op in ("/", "%"):
        if b == 0:
            return None
        quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)  # C truncates
        return _wrap(quotient if op == "/" else a - b * quotient)
    if op in ("<<", ">>"):
        if b < 0:
            op, b = (">>" if op == "<<" else "<<"), -b
        return _wrap(a << min(b, 64)) if op == "<<" else a >> min(b, 64)
    return _wrap(int(_BINARY_OPERATORS[op](a, b)))


def _spell(toks: list[_Tok]) -> str:
    """Tokens as written, with their spacing (for #error text and #include <...>)."""
    return "".join(t.ws + t.text for t in toks).strip()


def _stringify(arg: list[_Tok]) -> str:
    """The `#param` string literal: tokens joined by single spaces, quotes escaped."""
    parts = []
    for j, t in enumerate(arg):
        if j and t.ws:
            parts.append(" ")
        if t.kind == "str":
            parts.append(t.text.replace("\\", "\\\\").replace('"', '\\"'))
        else:
            parts.append(t.text)
    return '"' + "".join(parts) + '"'


def _glues(left: str, right: str) -> bool:
    """Whether printing `left` and `right` with no space would lex differently (a++, a b, / /)."""
    a, b = left[-1:], right[:1]
    if a in _WORD_CHARS:
        return b in _WORD_CHARS
    return a in _OPERATOR_CHARS and b in _OPERATOR_CHARS


def _render(toks: list[_Tok], line: int) -> tuple[str, tuple[_Segment, ...] | None]:
    """Spell tokens of output line `line` and map its columns (see `LineOrigin`)."""
    parts: list[str] = []
    segments = [(1, line, 1, True)]
    col = 1
    prev: _Tok | None = None
    for t in toks:
        ws = t.ws
        if (
            prev is not None
            and t.seq == prev.seq + 1
            and t.exact
            and prev.exact
            and t.line == prev.line
        ):
            parts.append(ws)  # the next source token, spaced as written: same segment
            parts.append(t.text)
            col += len(ws) + len(t.text)
            prev = t
            continue
        if (
            not ws
            and prev is not None
            and not (t.exact and prev.exact and t.seq == prev.seq + 1)
            and _glues(prev.text, t.text)
        ):
            ws = " "
        parts.append(ws)
        col += len(ws)
        out_col, seg_line, seg_col, exact = segments[-1]
        if (
            exact != t.exact
            or seg_line != t.line
            or (t.col - seg_col != col - out_col if exact else t.col != seg_col)
        ):
            segments.append((col, t.line, t.col, t.exact))
        parts.append(t.text)
        col += len(t.text)
        prev = t
    return "".join(parts), None if len(segments) == 1 else tuple(segments)

"""Tokeniser that tells type names from other identifiers, as p4c's lexer does.

P4-16 is not LALR(1) without knowing which identifiers name types: `(T) x` is a cast while
`(x) y` is an error, and `T x;` declares while `x(y);` calls. p4c feeds the parser's symbol
table back into its lexer; we get the same effect with one pre-pass over the token stream that
collects every declared type name (headers, structs, unions, enums, typedefs, externs, parser /
control / package types and generic type parameters) and re-labels those identifiers as
TYPE_IDENT. The same pass splits `>>` into two `>` where it closes nested type arguments
(`register<bit<32>>`).
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token

_TYPE_DECL_KEYWORDS = {"HEADER", "HEADER_UNION", "STRUCT", "PARSER", "CONTROL", "PACKAGE"}
_WIDTH_KEYWORDS = {"BIT", "INT", "VARBIT", "TUPLE"}


def collect_type_names(tokens: list[Token]) -> set[str]:
    """Every identifier the program (incl. its includes) declares as a type name."""
    names: set[str] = set()
    n = len(tokens)
    for i, tok in enumerate(tokens):
        kind = tok.type
        nxt = tokens[i + 1] if i + 1 < n else None
        if kind in _TYPE_DECL_KEYWORDS and nxt is not None and nxt.type == "IDENT":
            names.add(nxt.value)
        elif kind == "EXTERN" and nxt is not None and nxt.type == "IDENT":
            after = tokens[i + 2] if i + 2 < n else None
            if after is not None and after.type in ("LBRACE", "LANGLE"):
                names.add(nxt.value)
        elif kind == "ENUM":
            for j in range(i + 1, min(i + 12, n)):
                if tokens[j].type == "LBRACE":
                    if tokens[j - 1].type == "IDENT":
                        names.add(tokens[j - 1].value)
                    break
        elif kind in ("TYPEDEF", "TYPE"):
            depth = 0
            for j in range(i + 1, n):
                t = tokens[j].type
                if t in ("LPAR", "LSQB"):
                    depth += 1
                elif t in ("RPAR", "RSQB"):
                    depth -= 1
                elif t == "SEMICOLON" and depth == 0:
                    if tokens[j - 1].type == "IDENT":
                        names.add(tokens[j - 1].value)
                    break
        elif kind == "LANGLE" and i > 0 and tokens[i - 1].type in ("IDENT", "TYPE_IDENT"):
            # `name<A, B>`: generic type parameters (or arguments, which are types anyway)
            params: list[str] = []
            j = i + 1
            while (
                j + 1 < n
                and tokens[j].type == "IDENT"
                and tokens[j + 1].type in ("COMMA", "RANGLE")
            ):
                params.append(tokens[j].value)
                if tokens[j + 1].type == "RANGLE":
                    names.update(params)
                    break
                j += 2
    return names


def mark_types(tokens: list[Token], type_names: set[str]) -> Iterator[Token]:
    """Yield the tokens with type names re-labelled TYPE_IDENT and type-closing `>>` split."""
    angle_depth = 0  # open `<` of type arguments / parameters
    prev: Token | None = None
    for tok in tokens:
        if tok.type == "IDENT" and tok.value in type_names:
            tok = Token.new_borrow_pos("TYPE_IDENT", tok.value, tok)
        if tok.type == "LANGLE":
            if prev is not None and (prev.type in _WIDTH_KEYWORDS or prev.type == "TYPE_IDENT"):
                angle_depth += 1
            yield tok
        elif tok.type == "RANGLE" and angle_depth:
            angle_depth -= 1
            yield tok
        elif tok.type == "SHR" and angle_depth:
            first = Token(
                "RANGLE",
                ">",
                tok.start_pos,
                tok.line,
                tok.column,
                tok.end_line,
                tok.column + 1,
                tok.start_pos + 1,
            )
            second = Token(
                "RANGLE",
                ">",
                tok.start_pos + 1,
                tok.line,
                tok.column + 1,
                tok.end_line,
                tok.end_column,
                tok.end_pos,
            )
            angle_depth = max(angle_depth - 2, 0)
            yield first
            yield second
            tok = second
        else:
            yield tok
        prev = tok

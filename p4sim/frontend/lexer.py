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


_TYPE_END = {"VOID", "TYPE_IDENT", "RANGLE", "BOOL", "BIT", "INT", "VARBIT", "STRING", "ERROR"}
_TYPE_START = {"BIT", "INT", "VARBIT", "BOOL", "TUPLE", "TYPE_IDENT"}


def mark_types(tokens: list[Token], type_names: set[str]) -> list[Token]:
    """The tokens with type names re-labelled TYPE_IDENT, type-closing `>>` split, and the
    angle brackets of explicit type arguments in calls (`pkt.lookahead<bit<8>>()`) re-labelled
    TARGS_OPEN / TARGS_CLOSE so the parser never confuses them with comparisons."""
    out: list[Token] = []
    angle_depth = 0  # open `<` of type arguments / parameters
    for tok in tokens:
        if tok.type == "IDENT" and tok.value in type_names:
            tok = Token.new_borrow_pos("TYPE_IDENT", tok.value, tok)
        prev = out[-1] if out else None
        if tok.type == "LANGLE":
            if prev is not None and (prev.type in _WIDTH_KEYWORDS or prev.type == "TYPE_IDENT"):
                angle_depth += 1
        elif tok.type == "RANGLE" and angle_depth:
            angle_depth -= 1
        elif tok.type == "SHR" and angle_depth:
            out.append(_sub_token(tok, "RANGLE", 0))
            tok = _sub_token(tok, "RANGLE", 1)
            angle_depth = max(angle_depth - 2, 0)
        out.append(tok)
    _mark_call_type_args(out)
    return out


def _sub_token(tok: Token, kind: str, offset: int) -> Token:
    """One character of a two-character token, as a token of its own."""
    pos = tok.start_pos + offset
    col = tok.column + offset
    return Token(kind, tok.value[offset], pos, tok.line, col, tok.line, col + 1, pos + 1)


def _mark_call_type_args(tokens: list[Token]) -> None:
    """Re-label `<`/`>` around type arguments that follow a name and precede `(`."""
    n = len(tokens)
    for i in range(1, n - 1):
        if not (
            tokens[i].type == "LANGLE"
            and tokens[i - 1].type == "IDENT"
            and tokens[i + 1].type in _TYPE_START
        ):
            continue
        if i >= 2 and tokens[i - 2].type in _TYPE_END:
            continue  # `T name<P>(`: type parameters of a declaration, not a call
        depth = 0
        for j in range(i, n):
            kind = tokens[j].type
            if kind == "LANGLE":
                depth += 1
            elif kind == "RANGLE":
                depth -= 1
                if depth == 0:
                    if j + 1 < n and tokens[j + 1].type == "LPAR":
                        tokens[i] = Token.new_borrow_pos("TARGS_OPEN", "<", tokens[i])
                        tokens[j] = Token.new_borrow_pos("TARGS_CLOSE", ">", tokens[j])
                    break
            elif kind in ("SEMICOLON", "LBRACE", "RBRACE"):
                break

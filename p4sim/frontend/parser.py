"""Parse preprocessed P4-16 text into the syntax tree of `ast.py`.

Lark's LALR parser runs on the token stream of `lexer.py` (type names marked); a Transformer
turns lark's parse tree into our dataclasses, stamping each node with its original source
coordinate through the preprocessor's line map.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import lark
from lark import Token, Transformer, v_args

from p4sim.frontend import ast
from p4sim.frontend.diagnostics import Coord, P4Error
from p4sim.frontend.lexer import collect_type_names, mark_types

CoordMap = Callable[[int, int], Coord]

_TOKEN_NAMES = {
    "SEMICOLON": "';'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "DOT": "'.'",
    "LANGLE": "'<'",
    "RANGLE": "'>'",
    "$END": "end of file",
    "IDENT": "identifier",
    "TYPE_IDENT": "type name",
    "INTEGER": "integer",
    "STRING": "string",
}


class _TypeMarker:
    """Lark post-lexer: sees the whole token stream, marks type names, splits `>>`."""

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        tokens = list(stream)
        return mark_types(tokens, collect_type_names(tokens))


def _grammar() -> str:
    return resources.files("p4sim.frontend").joinpath("p4.lark").read_text(encoding="utf-8")


@cache
def _parser() -> lark.Lark:
    # cache=True stores the LALR tables in the temp dir: later runs skip grammar analysis
    return lark.Lark(
        _grammar(),
        parser="lalr",
        lexer="basic",
        postlex=_TypeMarker(),
        propagate_positions=True,
        cache=True,
    )


def _describe(tok: Token) -> str:
    if tok.type in ("IDENT", "TYPE_IDENT", "INTEGER", "STRING"):
        return f"{_TOKEN_NAMES[tok.type]} '{tok.value}'"
    if tok.type == "$END":
        return "end of file"
    return f"'{tok.value}'"


_DECLARATION_AFTER = re.compile(r"\s+[A-Za-z_]\w*\s*[;=(,)]")


def _looks_like_declaration(text: str, tok: Token) -> bool:
    """True when `tok` is followed by `name;`/`name =`: the user wrote an undeclared type."""
    end = getattr(tok, "end_pos", None)
    return end is not None and _DECLARATION_AFTER.match(text, end) is not None


def _last_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def parse_program(text: str, coord_of: CoordMap) -> ast.Program:
    """Parse a whole preprocessed program; `coord_of(line, col)` maps back to the source."""
    try:
        tree = _parser().parse(text)
    except lark.exceptions.UnexpectedCharacters as exc:
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "?"
        raise P4Error(coord_of(exc.line, exc.column), f"unexpected character '{char}'") from None
    except lark.exceptions.UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END" or getattr(tok, "line", None) is None:
            line, column = _last_position(text)
        else:
            line, column = tok.line, tok.column
        expected = sorted(_TOKEN_NAMES.get(e, e.lower()) for e in exc.expected)
        hint = ""
        if 0 < len(expected) <= 4:
            hint = "; expected " + " or ".join(expected)
        message = f"syntax error, unexpected {_describe(tok)}{hint}"
        if tok.type == "IDENT" and _looks_like_declaration(text, tok):
            message = f"unknown type '{tok.value}' (or a syntax error before it)"
        raise P4Error(coord_of(line, column), message) from None
    except lark.exceptions.UnexpectedInput as exc:  # defensive: other lark input errors
        raise P4Error(
            coord_of(getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1), "syntax error"
        ) from None
    try:
        return _ToAst(coord_of).transform(tree)
    except lark.exceptions.VisitError as exc:  # lark wraps errors raised inside the transformer
        if isinstance(exc.orig_exc, P4Error):
            raise exc.orig_exc from None
        raise


# ------------------------------------------------------------------------- literal decoding

_BASES = {"x": 16, "X": 16, "b": 2, "B": 2, "o": 8, "O": 8, "d": 10, "D": 10}


def split_width_prefix(text: str) -> tuple[int | None, bool, str]:
    """Split `8w0xFF` into (8, False, "0xFF") and `0b101` into (None, False, "0b101");
    underscores are dropped."""
    body = text.replace("_", "")
    for i, ch in enumerate(body):
        if ch in "ws" and i > 0 and body[:i].isdigit():
            return int(body[:i]), ch == "s", body[i + 1 :]
    return None, False, body


def parse_int_literal(text: str) -> tuple[int, int | None, bool]:
    """Decode `8w0xFF`, `4s3`, `0b101`, `1_000` into (value, width or None, signed)."""
    width, signed, body = split_width_prefix(text)
    if len(body) > 1 and body[0] == "0" and body[1] in _BASES:
        value = int(body[2:], _BASES[body[1]])
    else:
        value = int(body, 10)
    return value, width, signed


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}
_ESCAPE = re.compile(r"\\(.)", re.S)


def _unescape(text: str) -> str:
    """Body of a string literal with C escapes resolved; unknown escapes keep the character."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


# ------------------------------------------------------------------------------ transformer


def _flatten(items: list[Any]) -> list[Any]:
    return [i for i in items if i is not None]


class _ToAst(Transformer):
    """Builds ast nodes bottom-up; every rule with a node gets the source coordinate."""

    def __init__(self, coord_of: CoordMap) -> None:
        super().__init__()
        self._coord_of = coord_of

    def _c(self, meta: Any) -> Coord | None:
        if getattr(meta, "empty", True):
            return None
        return self._coord_of(meta.line, meta.column)

    def _tc(self, tok: Token) -> Coord:
        return self._coord_of(tok.line, tok.column)

    # ---- helpers rules
    def start(self, items: list[Any]) -> ast.Program:
        return ast.Program(declarations=_flatten(items))

    def empty_decl(self, _items: list[Any]) -> None:
        return None

    def name(self, items: list[Any]) -> Token:
        return items[0]

    def nonterminal_name(self, items: list[Any]) -> Token:
        return items[0]

    def ctx_keyword(self, items: list[Any]) -> Token:
        return items[0]

    def member_name(self, items: list[Any]) -> Token:
        return items[0]

    def type_params(self, items: list[Any]) -> list[str]:
        return [str(t) for t in items]

    def name_list(self, items: list[Any]) -> list[Token]:
        return list(items)

    def expr_list(self, items: list[Any]) -> list[Any]:
        return list(items)

    def type_arg_list(self, items: list[Any]) -> list[Any]:
        return list(items)

    def annotations(self, items: list[Any]) -> list[ast.Annotation]:
        return list(items)

    def kv_list(self, items: list[Any]) -> dict[str, Any]:
        return dict(items)

    def kv_pair(self, items: list[Any]) -> tuple[str, Any]:
        return (str(items[0]), items[1])

    @v_args(meta=True)
    def annotation_bare(self, meta: Any, items: list[Any]) -> ast.Annotation:
        return ast.Annotation(name=str(items[0]), coord=self._c(meta))

    @v_args(meta=True)
    def annotation_exprs(self, meta: Any, items: list[Any]) -> ast.Annotation:
        return ast.Annotation(name=str(items[0]), args=items[1] or [], coord=self._c(meta))

    @v_args(meta=True)
    def annotation_kv(self, meta: Any, items: list[Any]) -> ast.Annotation:
        return ast.Annotation(name=str(items[0]), kv=items[1] or {}, coord=self._c(meta))

    # ---- types
    @v_args(meta=True)
    def bool_type(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        return ast.BaseTypeRef(kind="bool", coord=self._c(meta))

    @v_args(meta=True)
    def error_type(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        return ast.BaseTypeRef(kind="error", coord=self._c(meta))

    @v_args(meta=True)
    def match_kind_type(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        return ast.BaseTypeRef(kind="match_kind", coord=self._c(meta))

    @v_args(meta=True)
    def string_type(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        return ast.BaseTypeRef(kind="string", coord=self._c(meta))

    @v_args(meta=True)
    def void_type(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        return ast.BaseTypeRef(kind="void", coord=self._c(meta))

    @v_args(meta=True)
    def int_inf_type(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        return ast.BaseTypeRef(kind="int", coord=self._c(meta))

    @v_args(meta=True)
    def bit_default(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        one = ast.IntLit(value=1, text="1", coord=self._c(meta))
        return ast.BitTypeRef(width=one, coord=self._c(meta))

    @v_args(meta=True)
    def bit_type(self, meta: Any, items: list[Any]) -> ast.TypeRef:
        return ast.BitTypeRef(width=items[0], coord=self._c(meta))

    @v_args(meta=True)
    def int_type(self, meta: Any, items: list[Any]) -> ast.TypeRef:
        return ast.BitTypeRef(width=items[0], signed=True, coord=self._c(meta))

    @v_args(meta=True)
    def varbit_type(self, meta: Any, items: list[Any]) -> ast.TypeRef:
        return ast.VarbitTypeRef(width=items[0], coord=self._c(meta))

    def width_lit(self, items: list[Any]) -> ast.Expr:
        return self.int_lit(items)

    def width_name(self, items: list[Any]) -> ast.Expr:
        return items[0]

    def named_type(self, items: list[Any]) -> ast.TypeRef:
        tok = items[0]
        return ast.NamedTypeRef(name=str(tok), coord=self._tc(tok))

    @v_args(meta=True)
    def specialized_type(self, meta: Any, items: list[Any]) -> ast.TypeRef:
        return ast.SpecializedTypeRef(base=items[0], args=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def header_stack_type(self, meta: Any, items: list[Any]) -> ast.TypeRef:
        return ast.StackTypeRef(element=items[0], size=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def tuple_type(self, meta: Any, items: list[Any]) -> ast.TypeRef:
        return ast.TupleTypeRef(elements=items[0], coord=self._c(meta))

    # ---- simple declarations
    def _name_coord(self, tok: Any, meta: Any) -> Coord | None:
        return self._tc(tok) if isinstance(tok, Token) else self._c(meta)

    @v_args(meta=True)
    def const_decl(self, meta: Any, items: list[Any]) -> ast.ConstDecl:
        ann, type_ref, name, value = items
        return ast.ConstDecl(
            annotations=ann,
            type_ref=type_ref,
            name=str(name),
            value=value,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def typedef_decl(self, meta: Any, items: list[Any]) -> ast.Typedef:
        ann, type_ref, name = items
        return ast.Typedef(
            annotations=ann, type_ref=type_ref, name=str(name), coord=self._name_coord(name, meta)
        )

    @v_args(meta=True)
    def newtype_decl(self, meta: Any, items: list[Any]) -> ast.Typedef:
        node = self.typedef_decl(meta, items)  # type: ignore[arg-type]
        node.new_type = True
        return node

    def _struct_like(self, kind: str, meta: Any, items: list[Any]) -> ast.StructLike:
        ann, name, tparams, *fields = items
        return ast.StructLike(
            annotations=ann,
            kind=kind,
            name=str(name),
            type_params=tparams or [],
            fields=fields,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def header_decl(self, meta: Any, items: list[Any]) -> ast.StructLike:
        return self._struct_like("header", meta, items)

    @v_args(meta=True)
    def header_union_decl(self, meta: Any, items: list[Any]) -> ast.StructLike:
        return self._struct_like("header_union", meta, items)

    @v_args(meta=True)
    def struct_decl(self, meta: Any, items: list[Any]) -> ast.StructLike:
        return self._struct_like("struct", meta, items)

    @v_args(meta=True)
    def field(self, meta: Any, items: list[Any]) -> ast.Field:
        ann, type_ref, name = items
        return ast.Field(
            annotations=ann, type_ref=type_ref, name=str(name), coord=self._name_coord(name, meta)
        )

    @v_args(meta=True)
    def enum_decl(self, meta: Any, items: list[Any]) -> ast.EnumDecl:
        ann, name, members = items
        return ast.EnumDecl(
            annotations=ann,
            name=str(name),
            members=[str(m) for m in members],
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def ser_enum_decl(self, meta: Any, items: list[Any]) -> ast.EnumDecl:
        ann, underlying, name, values = items
        return ast.EnumDecl(
            annotations=ann,
            name=str(name),
            underlying=underlying,
            members=[str(n) for n, _ in values],
            values=[v for _, v in values],
            coord=self._name_coord(name, meta),
        )

    def enum_values(self, items: list[Any]) -> list[tuple[Token, Any]]:
        return list(items)

    def enum_value(self, items: list[Any]) -> tuple[Token, Any]:
        return (items[0], items[1])

    @v_args(meta=True)
    def error_decl(self, meta: Any, items: list[Any]) -> ast.ErrorDecl:
        return ast.ErrorDecl(name="error", members=[str(m) for m in items[1]], coord=self._c(meta))

    @v_args(meta=True)
    def match_kind_decl(self, meta: Any, items: list[Any]) -> ast.MatchKindDecl:
        return ast.MatchKindDecl(
            name="match_kind", members=[str(m) for m in items[1]], coord=self._c(meta)
        )

    # ---- externs and functions
    @v_args(meta=True)
    def function_proto(self, meta: Any, items: list[Any]) -> ast.FunctionProto:
        ret, name, tparams, params = items
        return ast.FunctionProto(
            name=str(name),
            return_type=ret,
            type_params=tparams or [],
            params=params,
            coord=self._name_coord(name, meta),
        )

    def method_proto(self, items: list[Any]) -> ast.FunctionProto:
        ann, proto = items
        proto.annotations = ann
        return proto

    def abstract_method_proto(self, items: list[Any]) -> ast.FunctionProto:
        proto = self.method_proto(items)
        proto.abstract = True
        return proto

    def constructor_proto(self, items: list[Any]) -> ast.FunctionProto:
        ann, name, params = items
        return ast.FunctionProto(
            annotations=ann, name=str(name), return_type=None, params=params, coord=self._tc(name)
        )

    @v_args(meta=True)
    def extern_object(self, meta: Any, items: list[Any]) -> ast.ExternDecl:
        ann, name, tparams, *methods = items
        ctors = [m for m in methods if m.return_type is None]
        others = [m for m in methods if m.return_type is not None]
        return ast.ExternDecl(
            annotations=ann,
            name=str(name),
            type_params=tparams or [],
            constructors=ctors,
            methods=others,
            coord=self._name_coord(name, meta),
        )

    def extern_function(self, items: list[Any]) -> ast.FunctionProto:
        ann, proto = items
        proto.annotations = ann
        return proto

    def function_decl(self, items: list[Any]) -> ast.FunctionDecl:
        ann, proto, body = items
        return ast.FunctionDecl(
            annotations=ann,
            name=proto.name,
            return_type=proto.return_type,
            type_params=proto.type_params,
            params=proto.params,
            body=body,
            coord=proto.coord,
        )

    def params(self, items: list[Any]) -> list[ast.Param]:
        return _flatten(items)

    def ctor_params(self, items: list[Any]) -> list[ast.Param]:
        return items[0]

    @v_args(meta=True)
    def param(self, meta: Any, items: list[Any]) -> ast.Param:
        ann, direction, type_ref, name, default = items
        return ast.Param(
            annotations=ann,
            direction=str(direction or ""),
            type_ref=type_ref,
            name=str(name),
            default=default,
            coord=self._name_coord(name, meta),
        )

    def direction(self, items: list[Any]) -> str:
        return str(items[0])

    # ---- parsers
    def _type_decl(self, kind: str, meta: Any, items: list[Any]) -> ast.ParserTypeDecl:
        ann, name, tparams, params = items
        return ast.ParserTypeDecl(
            annotations=ann,
            kind=kind,
            name=str(name),
            type_params=tparams or [],
            params=params,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def parser_type_decl(self, meta: Any, items: list[Any]) -> ast.ParserTypeDecl:
        return self._type_decl("parser", meta, items)

    @v_args(meta=True)
    def control_type_decl(self, meta: Any, items: list[Any]) -> ast.ParserTypeDecl:
        return self._type_decl("control", meta, items)

    @v_args(meta=True)
    def package_decl(self, meta: Any, items: list[Any]) -> ast.ParserTypeDecl:
        return self._type_decl("package", meta, items)

    @v_args(meta=True)
    def parser_decl(self, meta: Any, items: list[Any]) -> ast.ParserDecl:
        ann, name, tparams, params, ctor, *rest = items
        states = [r for r in rest if isinstance(r, ast.ParserState)]
        local = [r for r in rest if not isinstance(r, ast.ParserState)]
        return ast.ParserDecl(
            annotations=ann,
            name=str(name),
            type_params=tparams or [],
            params=params,
            ctor_params=ctor or [],
            locals=local,
            states=states,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def parser_state(self, meta: Any, items: list[Any]) -> ast.ParserState:
        ann, name, *stmts, transition = items
        return ast.ParserState(
            annotations=ann,
            name=str(name),
            stmts=stmts,
            transition=transition,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def parser_block(self, meta: Any, items: list[Any]) -> ast.Block:
        ann, *stmts = items
        return ast.Block(annotations=ann, stmts=stmts, coord=self._c(meta))

    def transition(self, items: list[Any]) -> ast.Transition:
        return items[0]

    @v_args(meta=True)
    def transition_direct(self, meta: Any, items: list[Any]) -> ast.Transition:
        return ast.Transition(state=str(items[0]), coord=self._name_coord(items[0], meta))

    @v_args(meta=True)
    def select_expr(self, meta: Any, items: list[Any]) -> ast.Transition:
        exprs, *cases = items
        return ast.Transition(select=exprs, cases=cases, coord=self._c(meta))

    @v_args(meta=True)
    def select_case(self, meta: Any, items: list[Any]) -> ast.SelectCase:
        keyset, name = items
        return ast.SelectCase(keyset=keyset, state=str(name), coord=self._c(meta))

    def keyset(self, items: list[Any]) -> list[ast.Expr]:
        item = items[0]
        return item if isinstance(item, list) else [item]

    def tuple_keyset(self, items: list[Any]) -> list[ast.Expr]:
        return list(items)

    @v_args(meta=True)
    def keyset_mask(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Mask(value=items[0], mask=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def keyset_range(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Range(lo=items[0], hi=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def keyset_default(self, meta: Any, _items: list[Any]) -> ast.Expr:
        return ast.Default(coord=self._c(meta))

    @v_args(meta=True)
    def keyset_dontcare(self, meta: Any, _items: list[Any]) -> ast.Expr:
        return ast.DontCare(coord=self._c(meta))

    @v_args(meta=True)
    def value_set_decl(self, meta: Any, items: list[Any]) -> ast.ValueSetDecl:
        ann, element, size, name = items
        return ast.ValueSetDecl(
            annotations=ann,
            element=element,
            size=size,
            name=str(name),
            coord=self._name_coord(name, meta),
        )

    # ---- controls, actions, tables
    @v_args(meta=True)
    def control_decl(self, meta: Any, items: list[Any]) -> ast.ControlDecl:
        ann, name, tparams, params, ctor, *rest = items
        *local, body = rest
        return ast.ControlDecl(
            annotations=ann,
            name=str(name),
            type_params=tparams or [],
            params=params,
            ctor_params=ctor or [],
            locals=local,
            body=body,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def action_decl(self, meta: Any, items: list[Any]) -> ast.ActionDecl:
        ann, name, params, body = items
        return ast.ActionDecl(
            annotations=ann,
            name=str(name),
            params=params,
            body=body,
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def table_decl(self, meta: Any, items: list[Any]) -> ast.TableDecl:
        ann, name, *props = items
        return ast.TableDecl(
            annotations=ann, name=str(name), properties=props, coord=self._name_coord(name, meta)
        )

    @v_args(meta=True)
    def key_property(self, meta: Any, items: list[Any]) -> ast.TableProperty:
        ann, *keys = items
        return ast.TableProperty(annotations=ann, name="key", keys=keys, coord=self._c(meta))

    @v_args(meta=True)
    def key_element(self, meta: Any, items: list[Any]) -> ast.KeyElement:
        expr, kind, ann = items
        return ast.KeyElement(
            annotations=ann, expr=expr, match_kind=str(kind), coord=self._tc(kind)
        )

    @v_args(meta=True)
    def actions_property(self, meta: Any, items: list[Any]) -> ast.TableProperty:
        ann, refs = items
        return ast.TableProperty(annotations=ann, name="actions", actions=refs, coord=self._c(meta))

    def action_ref_list(self, items: list[Any]) -> list[ast.ActionRef]:
        return list(items)

    @v_args(meta=True)
    def action_ref(self, meta: Any, items: list[Any]) -> ast.ActionRef:
        ann, ref, args = items
        return ast.ActionRef(
            annotations=ann,
            name=ref.name,
            args=args or [],
            has_args=args is not None,
            coord=ref.coord or self._c(meta),
        )

    @v_args(meta=True)
    def default_action_property(self, meta: Any, items: list[Any]) -> ast.TableProperty:
        ann, const, ref = items
        return ast.TableProperty(
            annotations=ann,
            name="default_action",
            is_const=const is not None,
            value=ref,
            coord=self._c(meta),
        )

    @v_args(meta=True)
    def entries_property(self, meta: Any, items: list[Any]) -> ast.TableProperty:
        ann, const, *entries = items
        return ast.TableProperty(
            annotations=ann,
            name="entries",
            is_const=const is not None,
            entries=entries,
            coord=self._c(meta),
        )

    @v_args(meta=True)
    def table_entry(self, meta: Any, items: list[Any]) -> ast.TableEntry:
        const, priority, keyset, action, ann = items
        return ast.TableEntry(
            annotations=ann,
            is_const=const is not None,
            priority=priority,
            keyset=keyset,
            action=action,
            coord=self._c(meta),
        )

    @v_args(meta=True)
    def generic_property(self, meta: Any, items: list[Any]) -> ast.TableProperty:
        ann, const, name, value = items
        return ast.TableProperty(
            annotations=ann,
            name=str(name),
            is_const=const is not None,
            value=value,
            coord=self._tc(name),
        )

    @v_args(meta=True)
    def instantiation(self, meta: Any, items: list[Any]) -> ast.Instantiation:
        ann, type_ref, args, name = items
        return ast.Instantiation(
            annotations=ann,
            type_ref=type_ref,
            args=args,
            name=str(name),
            coord=self._name_coord(name, meta),
        )

    @v_args(meta=True)
    def variable_decl(self, meta: Any, items: list[Any]) -> ast.VarDecl:
        ann, type_ref, name, init = items
        return ast.VarDecl(
            annotations=ann,
            type_ref=type_ref,
            name=str(name),
            init=init,
            coord=self._name_coord(name, meta),
        )

    # ---- statements
    @v_args(meta=True)
    def block(self, meta: Any, items: list[Any]) -> ast.Block:
        ann, *stmts = items
        return ast.Block(annotations=ann, stmts=stmts, coord=self._c(meta))

    @v_args(meta=True)
    def switch_block(self, meta: Any, items: list[Any]) -> ast.Block:
        return ast.Block(stmts=list(items), coord=self._c(meta))

    @v_args(meta=True)
    def assignment(self, meta: Any, items: list[Any]) -> ast.Assign:
        return ast.Assign(lhs=items[0], rhs=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def call_stmt(self, meta: Any, items: list[Any]) -> ast.CallStmt:
        callee, type_args, args = items
        call = ast.Call(callee=callee, type_args=type_args or [], args=args, coord=self._c(meta))
        return ast.CallStmt(call=call, coord=self._c(meta))

    def type_args(self, items: list[Any]) -> list[Any]:
        return items[1]

    @v_args(meta=True)
    def if_stmt(self, meta: Any, items: list[Any]) -> ast.If:
        cond, then, other = items
        return ast.If(cond=cond, then=then, other=other, coord=self._c(meta))

    @v_args(meta=True)
    def switch_stmt(self, meta: Any, items: list[Any]) -> ast.Switch:
        expr, *cases = items
        return ast.Switch(expr=expr, cases=cases, coord=self._c(meta))

    @v_args(meta=True)
    def switch_case(self, meta: Any, items: list[Any]) -> ast.SwitchCase:
        return ast.SwitchCase(label=items[0], body=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def switch_fallthrough(self, meta: Any, items: list[Any]) -> ast.SwitchCase:
        return ast.SwitchCase(label=items[0], body=None, coord=self._c(meta))

    @v_args(meta=True)
    def label_default(self, meta: Any, _items: list[Any]) -> ast.Expr:
        return ast.Default(coord=self._c(meta))

    @v_args(meta=True)
    def exit_stmt(self, meta: Any, _items: list[Any]) -> ast.Exit:
        return ast.Exit(coord=self._c(meta))

    @v_args(meta=True)
    def return_stmt(self, meta: Any, items: list[Any]) -> ast.Return:
        return ast.Return(value=items[0], coord=self._c(meta))

    @v_args(meta=True)
    def empty_stmt(self, meta: Any, _items: list[Any]) -> ast.Empty:
        return ast.Empty(coord=self._c(meta))

    # ---- expressions
    @v_args(meta=True)
    def ternary_expr(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Ternary(cond=items[0], then=items[1], other=items[2], coord=self._c(meta))

    def binop(self, items: list[Any]) -> ast.Expr:
        left, op, right = items
        return ast.Binary(op=str(op), left=left, right=right, coord=self._tc(op))

    @v_args(meta=True)
    def not_op(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Unary(op="!", expr=items[0], coord=self._c(meta))

    @v_args(meta=True)
    def complement(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Unary(op="~", expr=items[0], coord=self._c(meta))

    @v_args(meta=True)
    def negate(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Unary(op="-", expr=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def unary_plus(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Unary(op="+", expr=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def cast(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Cast(type_ref=items[0], expr=items[1], coord=self._c(meta))

    def member(self, items: list[Any]) -> ast.Expr:
        expr, name = items
        return ast.Member(expr=expr, member=str(name), coord=self._tc(name))

    @v_args(meta=True)
    def index(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Index(expr=items[0], index=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def slice(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Slice(expr=items[0], hi=items[1], lo=items[2], coord=self._c(meta))

    @v_args(meta=True)
    def call(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.Call(callee=items[0], args=items[1], coord=self._c(meta))

    @v_args(meta=True)
    def call_generic(self, meta: Any, items: list[Any]) -> ast.Expr:
        callee, type_args, args = items
        return ast.Call(callee=callee, type_args=type_args, args=args, coord=self._c(meta))

    def int_lit(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        try:
            value, width, signed = parse_int_literal(str(tok))
        except ValueError:
            raise P4Error(self._tc(tok), f"invalid integer literal '{tok}'") from None
        return ast.IntLit(
            value=value, width=width, signed=signed, text=str(tok), coord=self._tc(tok)
        )

    @v_args(meta=True)
    def true_lit(self, meta: Any, _items: list[Any]) -> ast.Expr:
        return ast.BoolLit(value=True, coord=self._c(meta))

    @v_args(meta=True)
    def false_lit(self, meta: Any, _items: list[Any]) -> ast.Expr:
        return ast.BoolLit(value=False, coord=self._c(meta))

    def string_lit(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        return ast.StringLit(value=_unescape(str(tok)), coord=self._tc(tok))

    @v_args(meta=True)
    def list_expr(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.ListExpr(items=items[0] or [], coord=self._c(meta))

    @v_args(meta=True)
    def struct_init(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.StructInit(fields=list(items[0].items()), coord=self._c(meta))

    @v_args(meta=True)
    def error_member(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.TypeMember(type_name="error", member=str(items[0]), coord=self._c(meta))

    @v_args(meta=True)
    def type_member(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.TypeMember(type_name=items[0].name, member=str(items[1]), coord=self._c(meta))

    @v_args(meta=True)
    def constructor_call(self, meta: Any, items: list[Any]) -> ast.Expr:
        return ast.ConstructorCall(type_ref=items[0], args=items[1], coord=self._c(meta))

    def named_ref(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        return ast.Name(name=str(tok), coord=self._tc(tok))

    def named_ref_top(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        return ast.Name(name=str(tok), top_level=True, coord=self._tc(tok))

    def args(self, items: list[Any]) -> list[ast.Argument]:
        return _flatten(items)

    def arg_positional(self, items: list[Any]) -> ast.Argument:
        return ast.Argument(value=items[0], coord=items[0].coord)

    @v_args(meta=True)
    def arg_dontcare(self, meta: Any, _items: list[Any]) -> ast.Argument:
        return ast.Argument(value=None, coord=self._c(meta))

    def arg_named(self, items: list[Any]) -> ast.Argument:
        return ast.Argument(name=str(items[0]), value=items[1], coord=self._tc(items[0]))

    def arg_named_dontcare(self, items: list[Any]) -> ast.Argument:
        return ast.Argument(name=str(items[0]), value=None, coord=self._tc(items[0]))

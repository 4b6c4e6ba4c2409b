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


def _first(_self: Transformer, items: list[Any]) -> Any:
    """A rule that only wraps one child (a name, a width, a transition) stands for it."""
    return items[0]


def _children(_self: Transformer, items: list[Any]) -> list[Any]:
    """A list rule (names, expressions, annotations, ...) is the list of its children."""
    return list(items)


def _present(_self: Transformer, items: list[Any]) -> list[Any]:
    """Parameter and argument lists: lark leaves a None where the list is empty."""
    return _flatten(items)


def _node(cls: type[ast.Node], *fields: str | None, **fixed: Any) -> Any:
    """The transformer rule of a node built from its children alone.

    The children fill `fields` in order (None passes over a kept operator token), `fixed`
    supplies constant fields, and the node stands at the rule's position; one table entry per
    rule keeps dozens of such rules from being written out again with another class or field.
    """

    @v_args(meta=True)
    def rule(self: _ToAst, meta: Any, items: list[Any]) -> ast.Node:
        values = {f: v for f, v in zip(fields, items, strict=True) if f is not None}
        return cls(**values, **fixed, coord=self._c(meta))

    return rule


def _declaration(cls: type[ast.Node], *fields: str, **fixed: Any) -> Any:
    """The transformer rule of a named declaration built from its children alone.

    Like `_node`, but the child in the `name` field is stored as text and gives the node its
    position: errors about a declaration point at its name, as p4c's do.
    """

    @v_args(meta=True)
    def rule(self: _ToAst, meta: Any, items: list[Any]) -> ast.Node:
        values = dict(zip(fields, items, strict=True))
        name = values.pop("name")
        return cls(**values, **fixed, name=str(name), coord=self._name_coord(name, meta))

    return rule


def _of_kind(build: Callable[..., ast.Node], kind: str) -> Any:
    """The transformer rule of one of a family of declarations that `build` makes alike (header,
    header_union and struct; parser, control and package types), told apart by `kind`."""

    @v_args(meta=True)
    def rule(self: _ToAst, meta: Any, items: list[Any]) -> ast.Node:
        return build(self, kind, meta, items)

    return rule


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

    def _name_coord(self, tok: Any, meta: Any) -> Coord | None:
        return self._tc(tok) if isinstance(tok, Token) else self._c(meta)

    # ---- helpers rules
    def start(self, items: list[Any]) -> ast.Program:
        return ast.Program(declarations=_flatten(items))

    def empty_decl(self, _items: list[Any]) -> None:
        return None

    name = nonterminal_name = ctx_keyword = member_name = width_name = transition = _first
    name_list = expr_list = type_arg_list = annotations = _children
    enum_values = tuple_keyset = action_ref_list = _children
    params = args = _present

    def type_params(self, items: list[Any]) -> list[str]:
        return [str(t) for t in items]

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
    bool_type = _node(ast.BaseTypeRef, kind="bool")
    error_type = _node(ast.BaseTypeRef, kind="error")
    match_kind_type = _node(ast.BaseTypeRef, kind="match_kind")
    string_type = _node(ast.BaseTypeRef, kind="string")
    void_type = _node(ast.BaseTypeRef, kind="void")
    int_inf_type = _node(ast.BaseTypeRef, kind="int")
    bit_type = _node(ast.BitTypeRef, "width")
    int_type = _node(ast.BitTypeRef, "width", signed=True)
    varbit_type = _node(ast.VarbitTypeRef, "width")
    specialized_type = _node(ast.SpecializedTypeRef, "base", "args")
    header_stack_type = _node(ast.StackTypeRef, "element", "size")
    tuple_type = _node(ast.TupleTypeRef, "elements")

    @v_args(meta=True)
    def bit_default(self, meta: Any, _items: list[Any]) -> ast.TypeRef:
        one = ast.IntLit(value=1, text="1", coord=self._c(meta))
        return ast.BitTypeRef(width=one, coord=self._c(meta))

    def width_lit(self, items: list[Any]) -> ast.Expr:
        return self.int_lit(items)

    def named_type(self, items: list[Any]) -> ast.TypeRef:
        tok = items[0]
        return ast.NamedTypeRef(name=str(tok), coord=self._tc(tok))

    # ---- simple declarations
    const_decl = _declaration(ast.ConstDecl, "annotations", "type_ref", "name", "value")
    typedef_decl = _declaration(ast.Typedef, "annotations", "type_ref", "name")
    newtype_decl = _declaration(ast.Typedef, "annotations", "type_ref", "name", new_type=True)
    field = _declaration(ast.Field, "annotations", "type_ref", "name")

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

    header_decl = _of_kind(_struct_like, "header")
    header_union_decl = _of_kind(_struct_like, "header_union")
    struct_decl = _of_kind(_struct_like, "struct")

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

    extern_function = method_proto

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

    parser_type_decl = _of_kind(_type_decl, "parser")
    control_type_decl = _of_kind(_type_decl, "control")
    package_decl = _of_kind(_type_decl, "package")

    def _block_decl(
        self, cls: type[ast.Declaration], meta: Any, items: list[Any], **body: Any
    ) -> ast.Declaration:
        """A parser or control: the heading they share, then `body` (states or apply block)."""
        ann, name, tparams, params, ctor = items
        return cls(
            annotations=ann,
            name=str(name),
            type_params=tparams or [],
            params=params,
            ctor_params=ctor or [],
            coord=self._name_coord(name, meta),
            **body,
        )

    @v_args(meta=True)
    def parser_decl(self, meta: Any, items: list[Any]) -> ast.ParserDecl:
        heading, rest = items[:5], items[5:]
        states = [r for r in rest if isinstance(r, ast.ParserState)]
        local = [r for r in rest if not isinstance(r, ast.ParserState)]
        return self._block_decl(ast.ParserDecl, meta, heading, locals=local, states=states)

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

    keyset_mask = _node(ast.Mask, "value", "mask")
    keyset_range = _node(ast.Range, "lo", "hi")
    keyset_default = _node(ast.Default)
    keyset_dontcare = _node(ast.DontCare)
    value_set_decl = _declaration(ast.ValueSetDecl, "annotations", "element", "size", "name")

    # ---- controls, actions, tables
    @v_args(meta=True)
    def control_decl(self, meta: Any, items: list[Any]) -> ast.ControlDecl:
        heading, local, body = items[:5], items[5:-1], items[-1]
        return self._block_decl(ast.ControlDecl, meta, heading, locals=local, body=body)

    action_decl = _declaration(ast.ActionDecl, "annotations", "name", "params", "body")

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

    instantiation = _declaration(ast.Instantiation, "annotations", "type_ref", "args", "name")
    variable_decl = _declaration(ast.VarDecl, "annotations", "type_ref", "name", "init")

    # ---- statements
    block = parser_block

    @v_args(meta=True)
    def switch_block(self, meta: Any, items: list[Any]) -> ast.Block:
        return ast.Block(stmts=list(items), coord=self._c(meta))

    assignment = _node(ast.Assign, "lhs", "rhs")

    @v_args(meta=True)
    def call_stmt(self, meta: Any, items: list[Any]) -> ast.CallStmt:
        callee, type_args, args = items
        call = ast.Call(callee=callee, type_args=type_args or [], args=args, coord=self._c(meta))
        return ast.CallStmt(call=call, coord=self._c(meta))

    def type_args(self, items: list[Any]) -> list[Any]:
        return items[1]

    if_stmt = _node(ast.If, "cond", "then", "other")

    @v_args(meta=True)
    def switch_stmt(self, meta: Any, items: list[Any]) -> ast.Switch:
        expr, *cases = items
        return ast.Switch(expr=expr, cases=cases, coord=self._c(meta))

    switch_case = _node(ast.SwitchCase, "label", "body")
    switch_fallthrough = _node(ast.SwitchCase, "label", body=None)
    label_default = _node(ast.Default)
    exit_stmt = _node(ast.Exit)
    return_stmt = _node(ast.Return, "value")
    empty_stmt = _node(ast.Empty)

    # ---- expressions
    ternary_expr = _node(ast.Ternary, "cond", "then", "other")

    def binop(self, items: list[Any]) -> ast.Expr:
        left, op, right = items
        return ast.Binary(op=str(op), left=left, right=right, coord=self._tc(op))

    # `-` and `+` are named terminals, so their token stays among the children
    not_op = _node(ast.Unary, "expr", op="!")
    complement = _node(ast.Unary, "expr", op="~")
    negate = _node(ast.Unary, None, "expr", op="-")
    unary_plus = _node(ast.Unary, None, "expr", op="+")
    cast = _node(ast.Cast, "type_ref", "expr")

    def member(self, items: list[Any]) -> ast.Expr:
        expr, name = items
        return ast.Member(expr=expr, member=str(name), coord=self._tc(name))

    index = _node(ast.Index, "expr", "index")
    slice = _node(ast.Slice, "expr", "hi", "lo")
    call = _node(ast.Call, "callee", "args")
    call_generic = _node(ast.Call, "callee", "type_args", "args")

    def int_lit(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        try:
            value, width, signed = parse_int_literal(str(tok))
        except ValueError:
            raise P4Error(self._tc(tok), f"invalid integer literal '{tok}'") from None
        return ast.IntLit(
            value=value, width=width, signed=signed, text=str(tok), coord=self._tc(tok)
        )

    true_lit = _node(ast.BoolLit, value=True)
    false_lit = _node(ast.BoolLit, value=False)

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

    constructor_call = _node(ast.ConstructorCall, "type_ref", "args")

    def named_ref(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        return ast.Name(name=str(tok), coord=self._tc(tok))

    def named_ref_top(self, items: list[Any]) -> ast.Expr:
        tok = items[0]
        return ast.Name(name=str(tok), top_level=True, coord=self._tc(tok))

    def arg_positional(self, items: list[Any]) -> ast.Argument:
        return ast.Argument(value=items[0], coord=items[0].coord)

    arg_dontcare = _node(ast.Argument, value=None)

    def arg_named(self, items: list[Any]) -> ast.Argument:
        return ast.Argument(name=str(items[0]), value=items[1], coord=self._tc(items[0]))

    def arg_named_dontcare(self, items: list[Any]) -> ast.Argument:
        return ast.Argument(name=str(items[0]), value=None, coord=self._tc(items[0]))

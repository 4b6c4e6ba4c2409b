"""Syntax tree of a P4-16 program, as the parser builds it.

One small dataclass per construct, each with a `coord` pointing into the original source
(pycparser's style). The type checker later fills the `type` slot of expressions and the
`decl` slot of names, turning this same tree into the typed IR (see `ir.py`); keeping one tree
avoids a second, drifting copy of every node class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from p4sim.frontend.diagnostics import Coord


@dataclass(kw_only=True, eq=False)
class Node:
    """Base of all nodes: a source position, excluded from equality and the IR dump."""

    coord: Coord | None = field(default=None, repr=False)


@dataclass(kw_only=True, eq=False)
class Annotation(Node):
    name: str
    args: list[Expr] = field(default_factory=list)
    kv: dict[str, Expr] = field(default_factory=dict)


@dataclass(kw_only=True, eq=False)
class Annotated(Node):
    annotations: list[Annotation] = field(default_factory=list)

    def annotation(self, name: str) -> Annotation | None:
        """The annotation called `name`, if present (names are unique per declaration)."""
        for ann in self.annotations:
            if ann.name == name:
                return ann
        return None


# ------------------------------------------------------------------------- type references


@dataclass(kw_only=True, eq=False)
class TypeRef(Node):
    """A type as written in the source; resolved to a `types.P4Type` by the checker."""

    resolved: Any = field(default=None, repr=False)


@dataclass(kw_only=True, eq=False)
class BaseTypeRef(TypeRef):
    kind: str  # bool, error, match_kind, string, void, int (arbitrary precision)


@dataclass(kw_only=True, eq=False)
class BitTypeRef(TypeRef):
    width: Expr
    signed: bool = False


@dataclass(kw_only=True, eq=False)
class VarbitTypeRef(TypeRef):
    width: Expr


@dataclass(kw_only=True, eq=False)
class NamedTypeRef(TypeRef):
    name: str


@dataclass(kw_only=True, eq=False)
class SpecializedTypeRef(TypeRef):
    base: NamedTypeRef
    args: list[TypeRef]


@dataclass(kw_only=True, eq=False)
class StackTypeRef(TypeRef):
    element: TypeRef
    size: Expr


@dataclass(kw_only=True, eq=False)
class TupleTypeRef(TypeRef):
    elements: list[TypeRef]


# ------------------------------------------------------------------------------ expressions


@dataclass(kw_only=True, eq=False)
class Expr(Node):
    type: Any = field(default=None, repr=False)  # types.P4Type, set by the checker


@dataclass(kw_only=True, eq=False)
class IntLit(Expr):
    value: int
    width: int | None = None  # None: arbitrary-precision `int` literal
    signed: bool = False
    text: str = ""


@dataclass(kw_only=True, eq=False)
class BoolLit(Expr):
    value: bool


@dataclass(kw_only=True, eq=False)
class StringLit(Expr):
    value: str


@dataclass(kw_only=True, eq=False)
class Name(Expr):
    name: str
    top_level: bool = False  # written `.name`
    decl: Any = field(default=None, repr=False)  # the declaration it resolves to


@dataclass(kw_only=True, eq=False)
class Member(Expr):
    expr: Expr
    member: str


@dataclass(kw_only=True, eq=False)
class TypeMember(Expr):
    """`T.member`: an enum or error member, or `error.X` (type_name is 'error')."""

    type_name: str
    member: str


@dataclass(kw_only=True, eq=False)
class Index(Expr):
    expr: Expr
    index: Expr


@dataclass(kw_only=True, eq=False)
class Slice(Expr):
    expr: Expr
    hi: Expr
    lo: Expr


@dataclass(kw_only=True, eq=False)
class Argument(Node):
    value: Expr | None  # None: don't-care `_`
    name: str | None = None


@dataclass(kw_only=True, eq=False)
class Call(Expr):
    callee: Expr
    args: list[Argument]
    type_args: list[TypeRef] = field(default_factory=list)
    target: Any = field(default=None, repr=False)  # resolved callee, set by the checker


@dataclass(kw_only=True, eq=False)
class ConstructorCall(Expr):
    type_ref: TypeRef
    args: list[Argument]


@dataclass(kw_only=True, eq=False)
class Unary(Expr):
    op: str  # '!', '~', '-', '+'
    expr: Expr


@dataclass(kw_only=True, eq=False)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(kw_only=True, eq=False)
class Ternary(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(kw_only=True, eq=False)
class Cast(Expr):
    type_ref: TypeRef
    expr: Expr


@dataclass(kw_only=True, eq=False)
class ListExpr(Expr):
    items: list[Expr]


@dataclass(kw_only=True, eq=False)
class StructInit(Expr):
    fields: list[tuple[str, Expr]]


@dataclass(kw_only=True, eq=False)
class Mask(Expr):
    value: Expr
    mask: Expr


@dataclass(kw_only=True, eq=False)
class Range(Expr):
    lo: Expr
    hi: Expr


@dataclass(kw_only=True, eq=False)
class Default(Expr):
    """`default` in a keyset or switch label."""


@dataclass(kw_only=True, eq=False)
class DontCare(Expr):
    """`_` in a keyset."""


# ------------------------------------------------------------------------------- statements


@dataclass(kw_only=True, eq=False)
class Stmt(Node):
    pass


@dataclass(kw_only=True, eq=False)
class Assign(Stmt):
    lhs: Expr
    rhs: Expr


@dataclass(kw_only=True, eq=False)
class CallStmt(Stmt):
    call: Call


@dataclass(kw_only=True, eq=False)
class If(Stmt):
    cond: Expr
    then: Stmt
    other: Stmt | None = None


@dataclass(kw_only=True, eq=False)
class Block(Stmt, Annotated):
    stmts: list[Stmt | Declaration]


@dataclass(kw_only=True, eq=False)
class SwitchCase(Node):
    label: Expr  # Name of an action, Default, or an expression
    body: Block | None  # None: falls through to the next case


@dataclass(kw_only=True, eq=False)
class Switch(Stmt):
    expr: Expr
    cases: list[SwitchCase]


@dataclass(kw_only=True, eq=False)
class Exit(Stmt):
    pass


@dataclass(kw_only=True, eq=False)
class Return(Stmt):
    value: Expr | None = None


@dataclass(kw_only=True, eq=False)
class Empty(Stmt):
    pass


# ----------------------------------------------------------------------------- declarations


@dataclass(kw_only=True, eq=False)
class Declaration(Annotated):
    name: str


@dataclass(kw_only=True, eq=False)
class ConstDecl(Declaration, Stmt):
    type_ref: TypeRef
    value: Expr


@dataclass(kw_only=True, eq=False)
class VarDecl(Declaration, Stmt):
    type_ref: TypeRef
    init: Expr | None = None


@dataclass(kw_only=True, eq=False)
class Typedef(Declaration):
    type_ref: TypeRef
    new_type: bool = False  # `type` rather than `typedef`


@dataclass(kw_only=True, eq=False)
class Field(Annotated):
    name: str
    type_ref: TypeRef


@dataclass(kw_only=True, eq=False)
class StructLike(Declaration):
    kind: str  # header, header_union, struct
    fields: list[Field]
    type_params: list[str] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class EnumDecl(Declaration):
    members: list[str]
    underlying: TypeRef | None = None  # serializable enum `enum bit<W> E`
    values: list[Expr] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class ErrorDecl(Declaration):
    members: list[str]


@dataclass(kw_only=True, eq=False)
class MatchKindDecl(Declaration):
    members: list[str]


@dataclass(kw_only=True, eq=False)
class Param(Annotated):
    name: str
    type_ref: TypeRef
    direction: str = ""  # '', 'in', 'out', 'inout'
    default: Expr | None = None


@dataclass(kw_only=True, eq=False)
class FunctionProto(Declaration):
    """An extern function, an extern method, or an abstract method (no body)."""

    return_type: TypeRef | None  # None for a constructor
    params: list[Param]
    type_params: list[str] = field(default_factory=list)
    abstract: bool = False


@dataclass(kw_only=True, eq=False)
class ExternDecl(Declaration):
    type_params: list[str]
    constructors: list[FunctionProto]
    methods: list[FunctionProto]


@dataclass(kw_only=True, eq=False)
class FunctionDecl(Declaration):
    return_type: TypeRef
    params: list[Param]
    body: Block
    type_params: list[str] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class ParserTypeDecl(Declaration):
    kind: str  # parser, control, package
    params: list[Param]
    type_params: list[str] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class SelectCase(Node):
    keyset: list[Expr]
    state: str


@dataclass(kw_only=True, eq=False)
class Transition(Node):
    """`transition s;` (select is None) or `transition select(...) {...}`."""

    state: str | None = None
    select: list[Expr] = field(default_factory=list)
    cases: list[SelectCase] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class ParserState(Declaration):
    stmts: list[Stmt]
    transition: Transition


@dataclass(kw_only=True, eq=False)
class ValueSetDecl(Declaration):
    element: TypeRef
    size: Expr


@dataclass(kw_only=True, eq=False)
class ParserDecl(Declaration):
    params: list[Param]
    ctor_params: list[Param]
    locals: list[Declaration]
    states: list[ParserState]
    type_params: list[str] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class ActionDecl(Declaration):
    params: list[Param]
    body: Block


@dataclass(kw_only=True, eq=False)
class KeyElement(Annotated):
    expr: Expr
    match_kind: str


@dataclass(kw_only=True, eq=False)
class ActionRef(Annotated):
    name: str
    args: list[Argument] = field(default_factory=list)
    has_args: bool = False  # written with parentheses
    decl: Any = field(default=None, repr=False)


@dataclass(kw_only=True, eq=False)
class TableEntry(Annotated):
    keyset: list[Expr]
    action: ActionRef
    priority: Expr | None = None
    is_const: bool = False


@dataclass(kw_only=True, eq=False)
class TableProperty(Annotated):
    """One table property; which fields are used depends on `name`."""

    name: str  # key, actions, default_action, entries, or any other (size, counters, ...)
    is_const: bool = False
    keys: list[KeyElement] = field(default_factory=list)
    actions: list[ActionRef] = field(default_factory=list)
    entries: list[TableEntry] = field(default_factory=list)
    value: Expr | ActionRef | None = None


@dataclass(kw_only=True, eq=False)
class TableDecl(Declaration):
    properties: list[TableProperty]

    def prop(self, name: str) -> TableProperty | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None


@dataclass(kw_only=True, eq=False)
class Instantiation(Declaration, Stmt):
    type_ref: TypeRef
    args: list[Argument]


@dataclass(kw_only=True, eq=False)
class ControlDecl(Declaration):
    params: list[Param]
    ctor_params: list[Param]
    locals: list[Declaration]
    body: Block
    type_params: list[str] = field(default_factory=list)


@dataclass(kw_only=True, eq=False)
class Program(Node):
    declarations: list[Declaration]

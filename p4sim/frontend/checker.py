"""Name resolution and type checking: turns the parsed tree into the typed IR.

The checker walks declarations in source order (P4 requires declaration before use), resolves
every name to its declaration, gives every expression a `types.P4Type`, evaluates compile-time
constants, and rejects what p4c rejects for the v1model subset: unknown names, duplicates,
width/signedness mismatches (only integer literals convert implicitly), writes to non-lvalues
and `in` parameters, wrong argument counts and directions, unknown match kinds, actions missing
from a table's action list, select keysets of the wrong arity. The first error stops the check:
later errors are usually consequences of the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from p4sim.frontend import ast
from p4sim.frontend.diagnostics import Coord, P4Error
from p4sim.frontend.scope import Scope, Symbol
from p4sim.frontend.types import (
    BOOL,
    DONT_CARE,
    ERROR,
    INT,
    MATCH_KIND,
    STRING,
    VOID,
    ActionEnumT,
    ApplyResultT,
    BitsT,
    BlockT,
    EnumT,
    ExternT,
    IntT,
    MethodT,
    NewTypeT,
    P4Type,
    SerEnumT,
    StackT,
    StructInitT,
    StructT,
    TableT,
    TupleT,
    TypeVarT,
    VarbitT,
    strip_newtype,
)

# Wider bit strings than any real header; the bound keeps constant folding cheap on fuzzed input.
MAX_WIDTH = 1 << 16
_ARITH = {"+", "-", "*", "/", "%", "|+|", "|-|"}
_BITWISE = {"&", "|", "^"}
_COMPARE = {"<", ">", "<=", ">="}
_EQUALITY = {"==", "!="}
_LOGICAL = {"&&", "||"}
_SHIFT = {"<<", ">>"}


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def _param(name: str, typ: P4Type, direction: str = "in") -> ast.Param:
    """A synthetic parameter for built-in methods (isValid, push_front, apply, ...)."""
    p = ast.Param(name=name, type_ref=ast.TypeRef(), direction=direction)
    p.type_ref.resolved = typ
    return p


class Checker:
    """Type-checks one program. Use `check_program`."""

    def __init__(self) -> None:
        self.globals = Scope(None, "global")
        self.error_members: list[str] = []
        self.match_kinds: list[str] = []
        self.main: ast.Instantiation | None = None
        self._return_type: P4Type | None = None
        self._in_parser_state = False
        self._applied_tables: set[ast.TableDecl] = set()

    # =================================================================== entry point
    def check(self, program: ast.Program) -> None:
        for decl in program.declarations:
            self.declaration(decl, self.globals)
        if self.main is None:
            last = program.declarations[-1].coord if program.declarations else None
            raise P4Error(
                last,
                "program has no 'main' package instance (e.g. 'V1Switch(MyParser(), ...) main;')",
            )

    # =================================================================== declarations
    def declaration(self, decl: ast.Node, scope: Scope) -> None:
        method = getattr(self, "decl_" + type(decl).__name__, None)
        if method is None:  # pragma: no cover - grammar and checker list the same nodes
            raise P4Error(decl.coord, f"unsupported declaration {type(decl).__name__}")
        method(decl, scope)

    def decl_ConstDecl(self, decl: ast.ConstDecl, scope: Scope) -> None:
        typ = self.resolve_type(decl.type_ref, scope)
        self.expr(decl.value, scope, expected=typ)
        self.require_assignable(typ, decl.value, "constant initializer")
        value = self.const_value(decl.value, scope)
        if value is None:
            raise P4Error(
                decl.value.coord,
                f"initializer of constant '{decl.name}' is not a compile-time constant",
            )
        value = self._fit(value, typ)
        scope.declare_value(Symbol("const", decl.name, typ, decl, value=value), decl.coord)

    def decl_VarDecl(self, decl: ast.VarDecl, scope: Scope) -> None:
        typ = self.resolve_type(decl.type_ref, scope)
        if isinstance(typ, IntT) or typ in (STRING, VOID, MATCH_KIND):
            raise P4Error(decl.type_ref.coord, f"variables cannot have type {typ}")
        if isinstance(typ, (ExternT, BlockT)):
            raise P4Error(
                decl.coord,
                f"'{decl.name}' of type {typ} needs a constructor call: '{typ}(...) {decl.name};'",
            )
        if decl.init is not None:
            self.expr(decl.init, scope, expected=typ)
            self.require_assignable(typ, decl.init, "initializer")
        scope.declare_value(Symbol("var", decl.name, typ, decl), decl.coord)

    def decl_Typedef(self, decl: ast.Typedef, scope: Scope) -> None:
        target = self.resolve_type(decl.type_ref, scope)
        if decl.new_type and not (isinstance(target, (BitsT, NewTypeT)) or target == BOOL):
            raise P4Error(
                decl.type_ref.coord,
                f"'type' can only introduce a new type for bit<>, int<> or bool, not {target}",
            )
        typ = NewTypeT(decl.name, target) if decl.new_type else target
        scope.declare_type(decl.name, typ, decl.coord)

    def decl_StructLike(self, decl: ast.StructLike, scope: Scope) -> None:
        typ = StructT(decl.kind, decl.name, decl=decl)
        scope.declare_type(decl.name, typ, decl.coord)  # visible to its own fields' types
        inner = self._generic_scope(scope, "type", decl)
        for f in decl.fields:
            if f.name in typ.fields:
                raise P4Error(f.coord, f"duplicate field '{f.name}' in {decl.kind} {decl.name}")
            ftype = self.resolve_type(f.type_ref, inner)
            self._check_field_type(decl, f, ftype)
            typ.fields[f.name] = ftype
        if decl.kind == "header":
            varbits = [n for n, t in typ.fields.items() if isinstance(t, VarbitT)]
            if len(varbits) > 1:
                raise P4Error(decl.coord, f"header {decl.name} has more than one varbit field")

    @staticmethod
    def _generic_scope(scope: Scope, kind: str, decl: Any) -> Scope:
        """The scope inside a generic declaration: its type parameters are type variables."""
        inner = Scope(scope, kind)
        for tp in decl.type_params:
            inner.declare_type(tp, TypeVarT(tp, decl.name), decl.coord)
        return inner

    def _check_field_type(self, decl: ast.StructLike, f: ast.Field, ftype: P4Type) -> None:
        base = strip_newtype(ftype)
        if decl.kind == "header":
            ok = (
                isinstance(base, (BitsT, VarbitT, SerEnumT))
                or base == BOOL
                or (isinstance(base, StructT) and base.kind == "struct" and self._flat_bits(base))
            )
            if not ok:
                raise P4Error(
                    f.coord,
                    f"field '{f.name}' of header {decl.name} has type "
                    f"{ftype}; header fields must be bit<>, int<>, varbit<>, "
                    "bool, a serializable enum or a struct of those",
                )
        elif isinstance(base, (IntT, MethodT, ExternT)) or base in (STRING, VOID):
            raise P4Error(
                f.coord, f"field '{f.name}' of {decl.kind} {decl.name} cannot have type {ftype}"
            )
        if decl.kind == "header_union":
            if not (isinstance(base, StructT) and base.kind == "header"):
                raise P4Error(
                    f.coord, f"field '{f.name}' of header_union {decl.name} must be a header"
                )

    def _flat_bits(self, typ: StructT) -> bool:
        """A struct whose fields are all bit<>, int<>, bool or serializable enums (nested ok)."""
        for f in typ.fields.values():
            b = strip_newtype(f)
            if isinstance(b, StructT) and b.kind == "struct":
                if not self._flat_bits(b):
                    return False
            elif not (isinstance(b, (BitsT, SerEnumT)) or b == BOOL):
                return False
        return True

    def decl_EnumDecl(self, decl: ast.EnumDecl, scope: Scope) -> None:
        if len(set(decl.members)) != len(decl.members):
            dup = next(m for m in decl.members if decl.members.count(m) > 1)
            raise P4Error(decl.coord, f"duplicate member '{dup}' in enum {decl.name}")
        if decl.underlying is None:
            scope.declare_type(decl.name, EnumT(decl.name, list(decl.members), decl), decl.coord)
            return
        base = self.resolve_type(decl.underlying, scope)
        if isinstance(base, NewTypeT) or not isinstance(base, BitsT):
            raise P4Error(decl.underlying.coord, "a serializable enum needs a bit<> or int<> type")
        values: dict[str, int] = {}
        for member, expr in zip(decl.members, decl.values, strict=True):
            self.expr(expr, scope, expected=base)
            value = self.const_value(expr, scope)
            if not isinstance(value, int) or isinstance(value, bool):
                raise P4Error(expr.coord, f"value of enum member '{member}' is not a constant")
            lo, hi = _int_range(base)
            if not lo <= value <= hi:
                raise P4Error(
                    expr.coord, f"value {value} of enum member '{member}' does not fit in {base}"
                )
            values[member] = value
        scope.declare_type(decl.name, SerEnumT(decl.name, base, values, decl), decl.coord)

    def decl_ErrorDecl(self, decl: ast.ErrorDecl, scope: Scope) -> None:
        _add_members(decl, self.error_members, "error")

    def decl_MatchKindDecl(self, decl: ast.MatchKindDecl, scope: Scope) -> None:
        _add_members(decl, self.match_kinds, "match_kind")

    def decl_ExternDecl(self, decl: ast.ExternDecl, scope: Scope) -> None:
        scope.declare_type(decl.name, ExternT(decl.name, decl), decl.coord)
        inner = self._generic_scope(scope, "extern", decl)
        for proto in [*decl.constructors, *decl.methods]:
            self._resolve_proto(proto, inner)

    def _resolve_proto(self, proto: ast.FunctionProto, scope: Scope) -> None:
        inner = self._generic_scope(scope, "function", proto)
        if proto.return_type is not None:
            self.resolve_type(proto.return_type, inner)
        seen: set[str] = set()
        for p in proto.params:
            if p.name in seen:
                raise P4Error(p.coord, f"duplicate parameter '{p.name}'")
            seen.add(p.name)
            self.resolve_type(p.type_ref, inner)

    def decl_FunctionProto(self, decl: ast.FunctionProto, scope: Scope) -> None:
        """A top-level extern function; same-name declarations form an overload set."""
        self._resolve_proto(decl, scope)
        ret = decl.return_type.resolved if decl.return_type else VOID
        existing = scope.values.get(decl.name)
        if existing is not None and existing.kind == "extern_function":
            overloads = existing.type.overloads
            if any(len(o.params) == len(decl.params) for o in overloads):
                raise P4Error(
                    decl.coord,
                    f"duplicate declaration of '{decl.name}' with {len(decl.params)} parameters",
                )
            overloads.append(decl)
            return
        typ = MethodT(decl.name, decl.params, ret, decl, kind="extern_function", overloads=[decl])
        sym = Symbol("extern_function", decl.name, typ, decl)
        scope.declare_value(sym, decl.coord)

    def decl_FunctionDecl(self, decl: ast.FunctionDecl, scope: Scope) -> None:
        inner = self._generic_scope(scope, "function", decl)
        ret = self.resolve_type(decl.return_type, inner)
        self.declare_params(decl.params, inner)
        for p in decl.params:
            if isinstance(p.type_ref.resolved, (ExternT, BlockT)):
                raise P4Error(
                    p.coord, f"function parameter '{p.name}' cannot have type {p.type_ref.resolved}"
                )
        typ = MethodT(decl.name, decl.params, ret, decl, kind="function")
        scope.declare_value(Symbol("function", decl.name, typ, decl), decl.coord)
        self._body(decl.body, inner, ret)
        if ret != VOID and not _always_returns(decl.body):
            raise P4Error(
                decl.coord, f"function '{decl.name}' does not return a value on every path"
            )

    def decl_ParserTypeDecl(self, decl: ast.ParserTypeDecl, scope: Scope) -> None:
        scope.declare_type(decl.name, BlockT(decl.kind, decl.name, decl), decl.coord)
        inner = self._generic_scope(scope, "type", decl)
        for p in decl.params:
            self.resolve_type(p.type_ref, inner)

    def declare_params(self, params: list[ast.Param], scope: Scope) -> None:
        for p in params:
            typ = self.resolve_type(p.type_ref, scope)
            scope.declare_value(Symbol("param", p.name, typ, p, direction=p.direction), p.coord)

    def _block_scope(
        self, decl: ast.ParserDecl | ast.ControlDecl, scope: Scope, kind: str
    ) -> Scope:
        """Declare a parser or control type; return its scope with parameters and locals."""
        scope.declare_type(decl.name, BlockT(kind, decl.name, decl), decl.coord)
        inner = Scope(scope, kind)
        self.declare_params(decl.params, inner)
        self.declare_params(decl.ctor_params, inner)
        for local in decl.locals:
            self.declaration(local, inner)
        return inner

    def decl_ParserDecl(self, decl: ast.ParserDecl, scope: Scope) -> None:
        inner = self._block_scope(decl, scope, "parser")
        names = [s.name for s in decl.states]
        seen_states: set[str] = set()
        for state in decl.states:
            if state.name in ("accept", "reject"):
                raise P4Error(
                    state.coord, f"state '{state.name}' is predefined and cannot be declared"
                )
            if state.name in seen_states:
                raise P4Error(state.coord, f"duplicate state '{state.name}' in parser {decl.name}")
            seen_states.add(state.name)
        if "start" not in names:
            raise P4Error(decl.coord, f"parser {decl.name} has no 'start' state")
        known = set(names) | {"accept", "reject"}
        for state in decl.states:
            self.parser_state(state, inner, known)

    def parser_state(self, state: ast.ParserState, scope: Scope, known: set[str]) -> None:
        self._in_parser_state = True
        try:
            self._parser_state(state, Scope(scope, "block"), known)
        finally:
            self._in_parser_state = False

    def _parser_state(self, state: ast.ParserState, inner: Scope, known: set[str]) -> None:
        for stmt in state.stmts:
            self.statement(stmt, inner)
        tr = state.transition
        if tr.state is not None:
            self._check_state_name(tr.state, tr.coord, known)
            return
        key_types = []
        for e in tr.select:
            ktype = self.expr(e, inner)
            kbase = strip_newtype(ktype)
            if not (isinstance(kbase, (BitsT, EnumT, SerEnumT, IntT)) or kbase in (BOOL, ERROR)):
                raise P4Error(
                    e.coord,
                    f"select expression of type {ktype} cannot be matched; select on fields",
                )
            key_types.append(ktype)
        for case in tr.cases:
            self._check_state_name(case.state, case.coord, known)
            self.keyset(case.keyset, key_types, inner, case.coord, "select")

    def _check_state_name(self, name: str, coord: Coord | None, known: set[str]) -> None:
        if name not in known:
            raise P4Error(coord, f"transition to unknown state '{name}'" + _suggest(name, known))

    def keyset(
        self,
        keyset: list[ast.Expr],
        key_types: list[P4Type],
        scope: Scope,
        coord: Coord | None,
        what: str,
    ) -> None:
        """Check one keyset (select case or table entry) against the key's types."""
        if len(keyset) == 1 and isinstance(keyset[0], (ast.Default, ast.DontCare)):
            keyset[0].type = DONT_CARE
            return
        if len(keyset) == 1 and len(key_types) > 1 and _is_value_set(keyset[0], scope):
            self.expr(keyset[0], scope)
            return
        if len(keyset) != len(key_types):
            raise P4Error(
                coord,
                f"{what} keyset has {len(keyset)} component(s) but the key has {len(key_types)}",
            )
        for item, ktype in zip(keyset, key_types, strict=True):
            self.keyset_item(item, ktype, scope)

    def keyset_item(self, item: ast.Expr, ktype: P4Type, scope: Scope) -> None:
        if isinstance(item, (ast.Default, ast.DontCare)):
            item.type = DONT_CARE
            return
        bounds = _keyset_bounds(item)
        if bounds:
            for bound, _ in bounds:
                self.expr(bound, scope, expected=ktype)
            for bound, what in bounds:
                self.require_assignable(ktype, bound, what)
            item.type = ktype
            return
        if _is_value_set(item, scope):
            self.expr(item, scope)
            return
        self.expr(item, scope, expected=ktype)
        self.require_assignable(ktype, item, "keyset value")

    def decl_ValueSetDecl(self, decl: ast.ValueSetDecl, scope: Scope) -> None:
        elem = self.resolve_type(decl.element, scope)
        ebase = strip_newtype(elem)
        if not (
            isinstance(ebase, (BitsT, SerEnumT))
            or (isinstance(ebase, StructT) and ebase.kind == "struct" and self._flat_bits(ebase))
        ):
            raise P4Error(
                decl.element.coord,
                f"value_set elements must be bit<>, int<> or a struct of them, not {elem}",
            )
        self.expr(decl.size, scope)
        if not isinstance(self.const_value(decl.size, scope), int):
            raise P4Error(decl.size.coord, "value_set size must be a compile-time constant")
        scope.declare_value(Symbol("value_set", decl.name, elem, decl), decl.coord)

    def decl_ControlDecl(self, decl: ast.ControlDecl, scope: Scope) -> None:
        inner = self._block_scope(decl, scope, "control")
        self.block(decl.body, Scope(inner, "block"))

    def decl_ActionDecl(self, decl: ast.ActionDecl, scope: Scope) -> None:
        inner = Scope(scope, "action")
        seen_directionless = False
        for p in decl.params:
            if p.direction:
                if seen_directionless:
                    raise P4Error(
                        p.coord,
                        "directional action parameters must come before "
                        "action data (directionless) parameters",
                    )
            else:
                seen_directionless = True
        self.declare_params(decl.params, inner)
        for p in decl.params:
            base = strip_newtype(p.type_ref.resolved)
            if not p.direction and not (isinstance(base, (BitsT, SerEnumT)) or base == BOOL):
                raise P4Error(
                    p.coord,
                    f"action parameter '{p.name}' has type "
                    f"{p.type_ref.resolved}; control-plane parameters must be "
                    "bit<>, int<>, bool or a serializable enum",
                )
        typ = MethodT(decl.name, decl.params, VOID, decl, kind="action")
        scope.declare_value(Symbol("action", decl.name, typ, decl), decl.coord)
        self._body(decl.body, inner, VOID)

    def _body(self, body: ast.Block, scope: Scope, return_type: P4Type) -> None:
        """Check a function or action body; its `return` statements must give `return_type`."""
        saved = self._return_type
        self._return_type = return_type
        try:
            self.block(body, scope)
        finally:
            self._return_type = saved

    def decl_Instantiation(self, decl: ast.Instantiation, scope: Scope) -> None:
        typ = self.resolve_type(decl.type_ref, scope)
        typ = self.constructor(typ, decl.args, scope, decl.coord)
        scope.declare_value(Symbol("instance", decl.name, typ, decl), decl.coord)
        if decl.name == "main" and scope.kind == "global":
            self.main = decl

    def constructor(
        self, typ: P4Type, args: list[ast.Argument], scope: Scope, coord: Coord | None
    ) -> P4Type:
        """Check a constructor call of an extern, parser, control or package type."""
        if isinstance(typ, ExternT):
            ctors = typ.decl.constructors
            matching = [c for c in ctors if self._arity_ok(c.params, args)]
            if not matching:
                counts = sorted({len(c.params) for c in ctors})
                raise P4Error(
                    coord,
                    f"constructor of {typ.name} expects "
                    f"{' or '.join(map(str, counts))} argument(s), got {len(args)}",
                )
            self.bind_args(
                matching[0].params, args, scope, typ.bindings(), f"{typ.name} constructor"
            )
            return typ
        if isinstance(typ, BlockT):
            decl = typ.decl
            params = getattr(decl, "ctor_params", None)
            if typ.kind == "package":
                params = decl.params
            if params is None:
                raise P4Error(coord, f"{typ.name} is a {typ.kind} type and cannot be instantiated")
            if len(args) != len(params):
                raise P4Error(
                    coord,
                    f"{typ.name} expects {len(params)} constructor argument(s), got {len(args)}",
                )
            if typ.kind == "package":
                self.package_args(typ, args, scope)
            else:
                self.bind_args(params, args, scope, {}, f"{typ.name} constructor")
            return typ
        raise P4Error(coord, f"type {typ} cannot be instantiated")

    def package_args(self, typ: BlockT, args: list[ast.Argument], scope: Scope) -> None:
        """Each package argument must instantiate a block matching the parameter's type."""
        bindings: dict[str, P4Type] = {}
        if any(a.name for a in args):  # named arguments may come in any order
            by_name = {a.name: a for a in args}
            unknown = [a for a in args if a.name not in {p.name for p in typ.decl.params}]
            if unknown or None in by_name:
                bad = unknown[0] if unknown else args[0]
                raise P4Error(bad.coord, f"{typ.name} has no parameter named '{bad.name}'")
            args = [by_name[p.name] for p in typ.decl.params]
        for param, arg in zip(typ.decl.params, args, strict=True):
            expected = param.type_ref.resolved
            value = arg.value
            if not isinstance(value, ast.ConstructorCall) or not isinstance(expected, BlockT):
                if value is not None:
                    self.expr(value, scope)
                continue
            actual = self.expr(value, scope)
            if not isinstance(actual, BlockT) or actual.kind != expected.kind:
                raise P4Error(
                    value.coord,
                    f"argument '{param.name}' of {typ.name} must be a "
                    f"{expected.kind}, got {actual}",
                )
            want = expected.decl.params
            have = actual.decl.params
            if len(want) != len(have):
                raise P4Error(
                    value.coord,
                    f"{actual.name} has {len(have)} parameter(s) but "
                    f"{expected.name} requires {len(want)}",
                )
            proto_bind = dict(zip(expected.decl.type_params, expected.type_args, strict=False))
            for w, h in zip(want, have, strict=True):
                if w.direction != h.direction:
                    raise P4Error(
                        h.coord,
                        f"parameter '{h.name}' of {actual.name} must be "
                        f"'{w.direction or 'directionless'}' to match "
                        f"{expected.name}",
                    )
                wt = self._subst(w.type_ref.resolved, proto_bind)
                if not self.unify(wt, h.type_ref.resolved, bindings):
                    raise P4Error(
                        h.coord,
                        f"parameter '{h.name}' of {actual.name} has type "
                        f"{h.type_ref.resolved} but {expected.name} needs "
                        f"{self._subst(wt, bindings)}",
                    )

    def decl_TableDecl(self, decl: ast.TableDecl, scope: Scope) -> None:
        TableChecker(self, decl, scope).check()
        scope.declare_value(Symbol("table", decl.name, TableT(decl), decl), decl.coord)

    # =================================================================== types
    def resolve_type(self, ref: ast.TypeRef, scope: Scope) -> P4Type:
        if ref.resolved is not None:
            return ref.resolved
        typ = self._resolve_type(ref, scope)
        ref.resolved = typ
        return typ

    def _resolve_type(self, ref: ast.TypeRef, scope: Scope) -> P4Type:
        if isinstance(ref, ast.BaseTypeRef):
            return {
                "bool": BOOL,
                "error": ERROR,
                "match_kind": MATCH_KIND,
                "string": STRING,
                "void": VOID,
                "int": INT,
            }[ref.kind]
        if isinstance(ref, ast.BitTypeRef):
            width = self._const_int(ref.width, scope, "width")
            if width <= 0 and not (width == 0 and not ref.signed):
                raise P4Error(ref.coord, f"invalid width {width}")
            if width > MAX_WIDTH:
                raise P4Error(ref.coord, f"width {width} is larger than {MAX_WIDTH} bits")
            return BitsT(width, ref.signed)
        if isinstance(ref, ast.VarbitTypeRef):
            return VarbitT(self._const_int(ref.width, scope, "varbit width"))
        if isinstance(ref, ast.NamedTypeRef):
            typ = scope.lookup_type(ref.name)
            if typ is None:
                raise P4Error(ref.coord, f"unknown type '{ref.name}'")
            return typ
        if isinstance(ref, ast.SpecializedTypeRef):
            base = self.resolve_type(ref.base, scope)
            args = tuple(self.resolve_type(a, scope) for a in ref.args)
            if isinstance(base, ExternT) and len(args) != len(base.decl.type_params):
                raise P4Error(
                    ref.coord,
                    f"{base.name} expects {len(base.decl.type_params)} "
                    f"type argument(s), got {len(args)}",
                )
            if isinstance(base, (ExternT, BlockT)):
                return replace(base, type_args=args)
            raise P4Error(ref.coord, f"type {base} is not generic")
        if isinstance(ref, ast.StackTypeRef):
            elem = self.resolve_type(ref.element, scope)
            if not (isinstance(elem, StructT) and elem.kind in ("header", "header_union")):
                raise P4Error(
                    ref.coord,
                    f"header stacks must have header or header_union elements, not {elem}",
                )
            size = self._const_int(ref.size, scope, "stack size")
            if size <= 0:
                raise P4Error(ref.size.coord, "header stack size must be positive")
            return StackT(elem, size)
        if isinstance(ref, ast.TupleTypeRef):
            elements = tuple(self.resolve_type(e, scope) for e in ref.elements)
            for e, t in zip(ref.elements, elements, strict=True):
                if isinstance(t, (ExternT, BlockT)):
                    raise P4Error(e.coord, f"tuple elements cannot have type {t}")
            return TupleT(elements)
        raise P4Error(ref.coord, "unsupported type")  # pragma: no cover

    def _const_int(self, expr: ast.Expr, scope: Scope, what: str) -> int:
        self.expr(expr, scope)
        value = self.const_value(expr, scope)
        if not isinstance(value, int) or isinstance(value, bool):
            raise P4Error(expr.coord, f"{what} must be a compile-time integer constant")
        return value

    def _subst(self, typ: P4Type, bindings: dict[str, P4Type]) -> P4Type:
        if isinstance(typ, TypeVarT) and typ.name in bindings:
            return bindings[typ.name]
        if isinstance(typ, (ExternT, BlockT)) and typ.type_args:
            return replace(typ, type_args=tuple(self._subst(a, bindings) for a in typ.type_args))
        if isinstance(typ, TupleT):
            return TupleT(tuple(self._subst(a, bindings) for a in typ.elements))
        return typ

    def unify(self, want: P4Type, have: P4Type, bindings: dict[str, P4Type]) -> bool:
        """Match `have` against `want`, binding type variables of `want`; True when they agree."""
        if isinstance(want, TypeVarT):
            bound = bindings.get(want.name)
            if bound is None:
                bindings[want.name] = have
                return True
            return self.same_type(bound, have) or (
                isinstance(have, IntT) and isinstance(strip_newtype(bound), BitsT)
            )
        if isinstance(want, (BlockT, ExternT)) and type(have) is type(want):
            return want.decl is have.decl and all(
                self.unify(w, h, bindings)
                for w, h in zip(want.type_args, have.type_args, strict=False)
            )
        return self.same_type(want, have)

    @staticmethod
    def same_type(a: P4Type, b: P4Type) -> bool:
        if a is b:
            return True
        if isinstance(a, (StructT, EnumT, SerEnumT, NewTypeT)):
            return False
        if isinstance(a, ExternT) and isinstance(b, ExternT):
            return a.decl is b.decl and all(
                Checker.same_type(x, y) for x, y in zip(a.type_args, b.type_args, strict=False)
            )
        return a == b

    # =================================================================== statements
    def block(self, block: ast.Block, scope: Scope) -> None:
        inner = Scope(scope, "block")
        for stmt in block.stmts:
            self.statement(stmt, inner)

    def statement(self, stmt: ast.Node, scope: Scope) -> None:
        if isinstance(stmt, (ast.ConstDecl, ast.VarDecl, ast.Instantiation)):
            self.declaration(stmt, scope)
        elif isinstance(stmt, ast.Assign):
            target = self.expr(stmt.lhs, scope)
            self.require_lvalue(stmt.lhs, scope, "assignment")
            self.expr(stmt.rhs, scope, expected=target)
            self.require_assignable(target, stmt.rhs, "assignment")
        elif isinstance(stmt, ast.CallStmt):
            self.expr(stmt.call, scope)
        elif isinstance(stmt, ast.If):
            cond = self.expr(stmt.cond, scope, expected=BOOL)
            if cond != BOOL:
                raise P4Error(stmt.cond.coord, f"if condition must be bool, got {cond}")
            self.statement(stmt.then, Scope(scope, "block"))
            if stmt.other is not None:
                self.statement(stmt.other, Scope(scope, "block"))
        elif isinstance(stmt, ast.Block):
            self.block(stmt, scope)
        elif isinstance(stmt, ast.Switch):
            self.switch(stmt, scope)
        elif isinstance(stmt, ast.Exit):
            if self._in_parser_state or scope.enclosing("function") is not None:
                where = "a parser" if self._in_parser_state else "a function"
                raise P4Error(
                    stmt.coord, f"'exit' is not allowed in {where}; only in controls and actions"
                )
        elif isinstance(stmt, ast.Return):
            self.return_stmt(stmt, scope)
        elif isinstance(stmt, ast.Empty):
            pass
        else:  # pragma: no cover - every statement node is listed above
            raise P4Error(stmt.coord, f"unsupported statement {type(stmt).__name__}")

    def return_stmt(self, stmt: ast.Return, scope: Scope) -> None:
        if self._in_parser_state:
            raise P4Error(stmt.coord, "'return' is not allowed in a parser state")
        expected = self._return_type
        if stmt.value is None:
            if expected not in (None, VOID):
                raise P4Error(stmt.coord, f"return needs a value of type {expected}")
            return
        if expected in (None, VOID):
            where = "an action" if scope.enclosing("action") else "a control"
            raise P4Error(stmt.value.coord, f"return with a value in {where}")
        self.expr(stmt.value, scope, expected=expected)
        self.require_assignable(expected, stmt.value, "return value")

    def switch(self, stmt: ast.Switch, scope: Scope) -> None:
        if scope.enclosing("action") is not None:
            raise P4Error(
                stmt.coord,
                "switch statements inside actions are not supported by "
                "BMv2 (p4c-bm2-ss rejects them); use if/else",
            )
        typ = self.expr(stmt.expr, scope)
        seen: set[str] = set()
        for i, case in enumerate(stmt.cases):
            label = case.label
            if isinstance(label, ast.Default):
                if i != len(stmt.cases) - 1:
                    raise P4Error(label.coord, "'default' must be the last switch label")
                label.type = DONT_CARE
            elif isinstance(typ, ActionEnumT):
                if not isinstance(label, ast.Name):
                    raise P4Error(label.coord, "switch on action_run needs action names as labels")
                actions = {r.name for r in typ.table.prop("actions").actions}
                if label.name not in actions:
                    raise P4Error(
                        label.coord,
                        f"'{label.name}' is not an action of table "
                        f"{typ.table.name}" + _suggest(label.name, actions),
                    )
                label.type = typ
                key = label.name
                if key in seen:
                    raise P4Error(label.coord, f"duplicate switch label '{key}'")
                seen.add(key)
            else:
                base = strip_newtype(typ)
                if not isinstance(base, (BitsT, EnumT, SerEnumT)) and base != ERROR:
                    raise P4Error(
                        stmt.expr.coord,
                        "switch expression must be "
                        "'table.apply().action_run' or of bit<>, "
                        f"int<>, enum or error type, not {typ}",
                    )
                label_type = self.expr(label, scope, expected=typ)
                if isinstance(label_type, MethodT) and label_type.kind == "action":
                    raise P4Error(
                        label.coord,
                        f"'{label_type.name}' is an action: action labels need a switch on "
                        "'table.apply().action_run'",
                    )
                self.require_assignable(typ, label, "switch label")
                value = self.const_value(label, scope)
                if value is None:
                    raise P4Error(label.coord, "switch label must be a compile-time constant")
                if value in seen:
                    raise P4Error(label.coord, "duplicate switch label")
                seen.add(value)
            if case.body is not None:
                self.block(case.body, scope)

    # =================================================================== lvalues
    def require_lvalue(self, expr: ast.Expr, scope: Scope, what: str) -> None:
        reason = self._lvalue_problem(expr, scope)
        if reason:
            raise P4Error(expr.coord, f"{what} target is not an l-value: {reason}")

    def _lvalue_problem(self, expr: ast.Expr, scope: Scope) -> str | None:
        if isinstance(expr, ast.Name):
            sym = expr.decl
            if not isinstance(sym, Symbol):
                return f"'{expr.name}' is not a variable"
            if sym.mutable:
                return None
            if sym.kind == "param":
                where = f"an '{sym.direction}'" if sym.direction else "a directionless"
                return f"'{expr.name}' is {where} parameter and cannot be written"
            return f"'{expr.name}' is a {sym.kind} and cannot be written"
        if isinstance(expr, ast.Member):
            base_t = expr.expr.type
            if isinstance(base_t, StackT):
                if expr.member in ("next", "last"):
                    return self._lvalue_problem(expr.expr, scope)
                return f"'{expr.member}' of a header stack is read-only"
            if isinstance(base_t, StructT):
                return self._lvalue_problem(expr.expr, scope)
            return f"'{expr.member}' cannot be written"
        if isinstance(expr, (ast.Index, ast.Slice)):
            return self._lvalue_problem(expr.expr, scope)
        return "an expression cannot be written"

    # =================================================================== assignability
    def require_assignable(self, target: P4Type, expr: ast.Expr, what: str) -> None:
        source = expr.type
        if not self.assignable(target, source):
            raise P4Error(expr.coord, f"{what}: cannot convert {source} to {target}")

    def assignable(self, target: P4Type, source: P4Type) -> bool:
        if self.same_type(target, source) or source == DONT_CARE:
            return True
        if isinstance(source, SerEnumT) and self.same_type(target, source.base):
            return True  # a serializable enum value converts to its underlying type
        tbase = strip_newtype(target)
        if isinstance(source, IntT):
            return isinstance(tbase, (BitsT, IntT)) and not isinstance(target, NewTypeT)
        if isinstance(target, StructT) and target.kind in ("struct", "header"):
            if isinstance(source, StructInitT):
                names = [n for n, _ in source.fields]
                if sorted(names) != sorted(target.fields):
                    return False
                items = dict(source.fields)
                return all(self.assignable(target.fields[n], items[n]) for n in names)
            if isinstance(source, TupleT) and len(source.elements) == len(target.fields):
                return all(
                    self.assignable(t, s)
                    for t, s in zip(target.fields.values(), source.elements, strict=True)
                )
            return False
        if isinstance(target, TupleT) and isinstance(source, TupleT):
            return len(target.elements) == len(source.elements) and all(
                self.assignable(t, s) for t, s in zip(target.elements, source.elements, strict=True)
            )
        return False

    # =================================================================== expressions
    def expr(self, e: ast.Expr, scope: Scope, expected: P4Type | None = None) -> P4Type:
        method = getattr(self, "expr_" + type(e).__name__)
        typ = method(e, scope, expected)
        e.type = typ
        return typ

    def expr_IntLit(self, e: ast.IntLit, scope: Scope, expected: P4Type | None) -> P4Type:
        if e.width is None:
            return INT
        if e.width <= 0:
            raise P4Error(e.coord, f"invalid width in literal '{e.text}'")
        if e.width > MAX_WIDTH:
            raise P4Error(e.coord, f"width {e.width} is larger than {MAX_WIDTH} bits")
        limit = 1 << e.width
        if e.value >= limit and not e.signed:
            raise P4Error(e.coord, f"value {e.value} does not fit in {e.width} bits")
        if e.signed and e.value >= limit // 2:
            raise P4Error(e.coord, f"value {e.value} does not fit in int<{e.width}>")
        return BitsT(e.width, e.signed)

    def expr_BoolLit(self, e: ast.BoolLit, scope: Scope, expected: P4Type | None) -> P4Type:
        return BOOL

    def expr_StringLit(self, e: ast.StringLit, scope: Scope, expected: P4Type | None) -> P4Type:
        return STRING

    def expr_Name(self, e: ast.Name, scope: Scope, expected: P4Type | None) -> P4Type:
        sym = (self.globals if e.top_level else scope).lookup_value(e.name)
        if sym is None:
            if scope.lookup_type(e.name) is not None:
                raise P4Error(e.coord, f"'{e.name}' is a type, not a value")
            raise P4Error(
                e.coord, f"'{e.name}' is not declared" + _suggest(e.name, scope.visible_names())
            )
        e.decl = sym
        return sym.type

    def expr_TypeMember(self, e: ast.TypeMember, scope: Scope, expected: P4Type | None) -> P4Type:
        if e.type_name == "error":
            if e.member not in self.error_members:
                raise P4Error(
                    e.coord,
                    f"'{e.member}' is not an error member" + _suggest(e.member, self.error_members),
                )
            return ERROR
        typ = scope.lookup_type(e.type_name)
        if isinstance(typ, (EnumT, SerEnumT)):
            if e.member not in typ.members:
                raise P4Error(
                    e.coord,
                    f"enum {typ.name} has no member '{e.member}'" + _suggest(e.member, typ.members),
                )
            return typ
        raise P4Error(e.coord, f"'{e.type_name}.{e.member}': {e.type_name} is not an enum")

    def expr_Member(self, e: ast.Member, scope: Scope, expected: P4Type | None) -> P4Type:
        base = self.expr(e.expr, scope)
        name = e.member
        if isinstance(base, StructT):
            if name in base.fields:
                return base.fields[name]
            methods = self._struct_methods(base)
            if name in methods:
                return methods[name]
            raise P4Error(
                e.coord,
                f"{base.kind} {base.name} has no field '{name}'"
                + _suggest(name, [*base.fields, *methods]),
            )
        if isinstance(base, StackT):
            if name in ("next", "last", "lastIndex"):
                if not self._in_parser_state:
                    raise P4Error(e.coord, f"'{name}' of a header stack is only allowed in parsers")
                return BitsT(32) if name == "lastIndex" else base.element
            if name == "size":
                return BitsT(32)
            count = _param("count", INT)
            if name in ("push_front", "pop_front"):
                if self._in_parser_state:
                    raise P4Error(e.coord, f"'{name}' of a header stack is not allowed in parsers")
                return MethodT(name, [count], VOID, kind="builtin")
            raise P4Error(e.coord, f"header stack has no member '{name}'")
        if isinstance(base, ExternT):
            methods = [m for m in base.decl.methods if m.name == name]
            if not methods:
                raise P4Error(
                    e.coord,
                    f"extern {base.name} has no method '{name}'"
                    + _suggest(name, [m.name for m in base.decl.methods]),
                )
            return MethodT(
                name,
                methods[0].params,
                VOID,
                methods[0],
                kind="extern_method",
                bindings=base.bindings(),
                overloads=methods,
            )
        if isinstance(base, TableT):
            if name != "apply":
                raise P4Error(e.coord, f"table {base.decl.name} has no member '{name}'")
            return MethodT("apply", [], ApplyResultT(base.decl), base.decl, kind="table_apply")
        if isinstance(base, ApplyResultT):
            if name in ("hit", "miss"):
                return BOOL
            if name == "action_run":
                return ActionEnumT(base.table)
            raise P4Error(
                e.coord, f"table apply result has no member '{name}' (use hit, miss or action_run)"
            )
        if isinstance(base, BlockT) and base.kind in ("parser", "control"):
            if name != "apply":
                raise P4Error(e.coord, f"{base.kind} {base.name} has no member '{name}'")
            return MethodT("apply", base.decl.params, VOID, base.decl, kind="block_apply")
        if isinstance(base, MethodT):
            raise P4Error(
                e.coord,
                f"'{base.name}' is {_article(base.kind.replace('_', ' '))} and has no member "
                f"'{name}'",
            )
        raise P4Error(e.coord, f"type {base} has no member '{name}'")

    def _struct_methods(self, typ: StructT) -> dict[str, P4Type]:
        methods: dict[str, P4Type] = {
            "minSizeInBits": MethodT("minSizeInBits", [], INT, kind="builtin"),
            "minSizeInBytes": MethodT("minSizeInBytes", [], INT, kind="builtin"),
        }
        if typ.kind in ("header", "header_union"):
            methods["isValid"] = MethodT("isValid", [], BOOL, kind="builtin")
        if typ.kind == "header":
            methods["setValid"] = MethodT("setValid", [], VOID, kind="builtin")
            methods["setInvalid"] = MethodT("setInvalid", [], VOID, kind="builtin")
        return methods

    def expr_Index(self, e: ast.Index, scope: Scope, expected: P4Type | None) -> P4Type:
        base = self.expr(e.expr, scope)
        if isinstance(base, TupleT):
            self.expr(e.index, scope)
            index = self.const_value(e.index, scope)
            if not isinstance(index, int) or not 0 <= index < len(base.elements):
                raise P4Error(
                    e.index.coord, f"tuple index must be a constant in 0..{len(base.elements) - 1}"
                )
            return base.elements[index]
        if not isinstance(base, StackT):
            raise P4Error(e.coord, f"cannot index a value of type {base}")
        itype = strip_newtype(self.expr(e.index, scope))
        if not isinstance(itype, (BitsT, IntT)) or (isinstance(itype, BitsT) and itype.signed):
            raise P4Error(e.index.coord, f"stack index must be an unsigned integer, got {itype}")
        value = self.const_value(e.index, scope)
        if isinstance(value, int) and not 0 <= value < base.size:
            raise P4Error(
                e.index.coord, f"index {value} is out of range for a stack of size {base.size}"
            )
        return base.element

    def expr_Slice(self, e: ast.Slice, scope: Scope, expected: P4Type | None) -> P4Type:
        base = strip_newtype(self.expr(e.expr, scope))
        if not isinstance(base, (BitsT, IntT)):
            raise P4Error(e.coord, f"cannot slice a value of type {base}")
        hi = self._const_int(e.hi, scope, "slice bound")
        lo = self._const_int(e.lo, scope, "slice bound")
        if hi < lo or lo < 0:
            raise P4Error(
                e.coord,
                f"invalid slice [{hi}:{lo}]: the high bit must be >= the low bit, and both >= 0",
            )
        if isinstance(base, BitsT) and hi >= base.width:
            raise P4Error(e.hi.coord, f"slice [{hi}:{lo}] is out of range for {base}")
        return BitsT(hi - lo + 1)

    def expr_ListExpr(self, e: ast.ListExpr, scope: Scope, expected: P4Type | None) -> P4Type:
        hints: list[P4Type | None] = [None] * len(e.items)
        if isinstance(expected, StructT) and len(expected.fields) == len(e.items):
            hints = list(expected.fields.values())
        elif isinstance(expected, TupleT) and len(expected.elements) == len(e.items):
            hints = list(expected.elements)
        types = [self.expr(i, scope, h) for i, h in zip(e.items, hints, strict=True)]
        return TupleT(tuple(types))

    def expr_StructInit(self, e: ast.StructInit, scope: Scope, expected: P4Type | None) -> P4Type:
        names = [n for n, _ in e.fields]
        if len(set(names)) != len(names):
            raise P4Error(e.coord, "duplicate field in struct initializer")
        hints = expected.fields if isinstance(expected, StructT) else {}
        return StructInitT(tuple((n, self.expr(v, scope, hints.get(n))) for n, v in e.fields))

    def expr_Cast(self, e: ast.Cast, scope: Scope, expected: P4Type | None) -> P4Type:
        target = self.resolve_type(e.type_ref, scope)
        source = self.expr(e.expr, scope, expected=target)
        if not self._castable(source, target):
            raise P4Error(e.coord, f"cannot cast {source} to {target}")
        return target

    def _castable(self, source: P4Type, target: P4Type) -> bool:
        """The explicit casts p4c allows (P4-16 spec, 'Explicit casts')."""
        if self.same_type(target, source):
            return True
        if isinstance(target, NewTypeT) or isinstance(source, NewTypeT):
            # only between a `type` and its representation (in either direction)
            inner_t = target.base if isinstance(target, NewTypeT) else target
            inner_s = source.base if isinstance(source, NewTypeT) else source
            if isinstance(target, NewTypeT) and isinstance(source, NewTypeT):
                return False
            return self._castable(inner_s, inner_t)
        t, s = target, source
        if isinstance(t, BitsT) and isinstance(s, IntT):
            return True
        if isinstance(t, BitsT) and isinstance(s, BitsT):
            return t.width == s.width or t.signed == s.signed
        if isinstance(t, BitsT) and s == BOOL:
            return t.width == 1 and not t.signed
        if t == BOOL:
            return (isinstance(s, BitsT) and s.width == 1 and not s.signed) or isinstance(s, IntT)
        if isinstance(t, BitsT) and isinstance(s, SerEnumT):
            return self.same_type(s.base, t)
        if isinstance(t, SerEnumT) and isinstance(s, (BitsT, IntT)):
            return isinstance(s, IntT) or self.same_type(s, t.base)
        if isinstance(t, StructT) and isinstance(s, (TupleT, StructInitT)):
            return self.assignable(t, s)
        return False

    def expr_Unary(self, e: ast.Unary, scope: Scope, expected: P4Type | None) -> P4Type:
        typ = self.expr(e.expr, scope, expected)
        base = strip_newtype(typ)
        if e.op == "!":
            if typ != BOOL:
                raise P4Error(e.coord, f"'!' needs a bool operand, got {typ}")
            return BOOL
        if e.op == "~":
            if not isinstance(base, BitsT):
                if isinstance(base, IntT):
                    raise P4Error(
                        e.coord,
                        "'~' needs an operand of known width; cast the integer literal first",
                    )
                raise P4Error(e.coord, f"'~' needs a bit<> or int<> operand, got {typ}")
            return typ
        if not isinstance(base, (BitsT, IntT)):
            raise P4Error(e.coord, f"unary '{e.op}' needs a numeric operand, got {typ}")
        return typ

    def expr_Binary(self, e: ast.Binary, scope: Scope, expected: P4Type | None) -> P4Type:
        op = e.op
        if op in _LOGICAL:
            for side in (e.left, e.right):
                t = self.expr(side, scope, BOOL)
                if t != BOOL:
                    raise P4Error(side.coord, f"'{op}' needs bool operands, got {t}")
            return BOOL
        hint = expected if op in _ARITH | _BITWISE else None
        left = self.expr(e.left, scope, hint)
        right = self.expr(e.right, scope, left if not isinstance(left, IntT) else hint)
        if op == "++":
            return self._concat(e, left, right)
        if op in _SHIFT:
            return self._shift(e, left, right, scope)
        if op in _EQUALITY:
            typ = self._unify_operands(e, left, right, allow_any=True)
            if isinstance(typ, (ExternT, BlockT, MethodT, TableT, ApplyResultT)) or typ in (
                STRING,
                VOID,
                MATCH_KIND,
            ):
                raise P4Error(e.coord, f"'{op}' is not defined on values of type {typ}")
            return BOOL
        typ = self._unify_operands(e, left, right, allow_any=False)
        base = strip_newtype(typ)
        if not isinstance(base, (BitsT, IntT)):
            raise P4Error(e.coord, f"'{op}' needs numeric operands, got {typ}")
        if op in _COMPARE:
            return BOOL
        if op in ("/", "%") and isinstance(base, BitsT) and base.signed:
            raise P4Error(e.coord, f"'{op}' is not defined for signed values")
        if op in ("|+|", "|-|") and isinstance(base, IntT):
            raise P4Error(e.coord, f"'{op}' needs operands of known width")
        return typ

    def _unify_operands(
        self, e: ast.Binary, left: P4Type, right: P4Type, allow_any: bool
    ) -> P4Type:
        if isinstance(left, IntT) and isinstance(right, IntT):
            return INT
        if isinstance(left, SerEnumT) and not isinstance(right, SerEnumT):
            left = left.base
        if isinstance(right, SerEnumT) and not isinstance(left, SerEnumT):
            right = right.base
        if isinstance(left, IntT):
            left = right if isinstance(strip_newtype(right), BitsT) else left
        if isinstance(right, IntT):
            right = left if isinstance(strip_newtype(left), BitsT) else right
        if self.same_type(left, right):
            return left
        if allow_any and (
            isinstance(left, (StructInitT, TupleT)) or isinstance(right, (StructInitT, TupleT))
        ):
            if self.assignable(left, right) or self.assignable(right, left):
                return left
        lb, rb = strip_newtype(left), strip_newtype(right)
        if isinstance(lb, BitsT) and isinstance(rb, BitsT):
            if lb.width != rb.width:
                raise P4Error(
                    e.coord,
                    f"'{e.op}': cannot operate on {left} and {right}; "
                    "widths differ, cast one operand",
                )
            raise P4Error(
                e.coord,
                f"'{e.op}': cannot operate on {left} and {right}; "
                "signedness differs, cast one operand",
            )
        raise P4Error(e.coord, f"'{e.op}': cannot operate on {left} and {right}")

    def _concat(self, e: ast.Binary, left: P4Type, right: P4Type) -> P4Type:
        lb, rb = strip_newtype(left), strip_newtype(right)
        for side, t in ((e.left, lb), (e.right, rb)):
            if not isinstance(t, BitsT):
                raise P4Error(
                    side.coord,
                    f"'++' needs operands of bit<> or int<> type, got {t}"
                    + ("; cast the literal to a width" if isinstance(t, IntT) else ""),
                )
        return BitsT(lb.width + rb.width, lb.signed)

    def _shift(self, e: ast.Binary, left: P4Type, right: P4Type, scope: Scope) -> P4Type:
        lb, rb = strip_newtype(left), strip_newtype(right)
        if not isinstance(lb, (BitsT, IntT)):
            raise P4Error(e.left.coord, f"cannot shift a value of type {left}")
        if isinstance(rb, BitsT) and rb.signed or not isinstance(rb, (BitsT, IntT)):
            raise P4Error(e.right.coord, f"shift amount must be an unsigned integer, got {right}")
        amount = self.const_value(e.right, scope)
        if isinstance(amount, int) and amount < 0:
            raise P4Error(e.right.coord, "shift amount must not be negative")
        if isinstance(lb, IntT) and not isinstance(amount, int):
            raise P4Error(
                e.coord,
                "shifting an integer literal by a non-constant amount needs "
                "a width; cast the literal",
            )
        return left

    def expr_Ternary(self, e: ast.Ternary, scope: Scope, expected: P4Type | None) -> P4Type:
        cond = self.expr(e.cond, scope, BOOL)
        if cond != BOOL:
            raise P4Error(e.cond.coord, f"condition of '?:' must be bool, got {cond}")
        a = self.expr(e.then, scope, expected)
        b = self.expr(e.other, scope, expected if isinstance(a, IntT) else a)
        if isinstance(a, IntT) and isinstance(b, IntT):
            if self.const_value(e.cond, scope) is None:
                raise P4Error(
                    e.coord, "'?:' with integer literal branches needs a width; cast one branch"
                )
            return INT
        if isinstance(a, IntT):
            return b
        if isinstance(b, IntT):
            return a
        if not self.same_type(a, b):
            raise P4Error(e.coord, f"branches of '?:' have different types {a} and {b}")
        return a

    def expr_ConstructorCall(
        self, e: ast.ConstructorCall, scope: Scope, expected: P4Type | None
    ) -> P4Type:
        typ = self.resolve_type(e.type_ref, scope)
        return self.constructor(typ, e.args, scope, e.coord)

    def expr_Mask(self, e: ast.Mask, scope: Scope, expected: P4Type | None) -> P4Type:
        raise P4Error(e.coord, "'&&&' is only allowed in keysets")

    def expr_Range(self, e: ast.Range, scope: Scope, expected: P4Type | None) -> P4Type:
        raise P4Error(e.coord, "'..' is only allowed in keysets")

    def expr_Default(self, e: ast.Default, scope: Scope, expected: P4Type | None) -> P4Type:
        raise P4Error(e.coord, "'default' is only allowed in keysets and switch labels")

    def expr_DontCare(self, e: ast.DontCare, scope: Scope, expected: P4Type | None) -> P4Type:
        return DONT_CARE

    # =================================================================== calls
    def expr_Call(self, e: ast.Call, scope: Scope, expected: P4Type | None) -> P4Type:
        callee = self.expr(e.callee, scope)
        if not isinstance(callee, MethodT):
            raise P4Error(e.coord, f"'{_callee_text(e.callee)}' is not callable")
        e.target = callee
        if callee.kind == "action":
            return self._call_action(e, callee, scope)
        if callee.kind == "table_apply":
            if e.args:
                raise P4Error(e.coord, "table apply() takes no arguments")
            if scope.enclosing("action") is not None:
                raise P4Error(e.coord, "tables cannot be applied inside actions")
            table = callee.decl
            if table in self._applied_tables:
                raise P4Error(
                    e.coord,
                    f"table {table.name} is applied more than once; BMv2 "
                    "(p4c-bm2-ss) requires each table to be applied at most once",
                )
            self._applied_tables.add(table)
            return callee.return_type
        if callee.kind in ("extern_function", "extern_method"):
            return self._call_overloaded(e, callee, scope)
        params = callee.params
        if not self._arity_ok(params, e.args):
            raise P4Error(
                e.coord,
                f"'{_callee_text(e.callee)}' expects {len(params)} argument(s), got {len(e.args)}",
            )
        if callee.name in ("setValid", "setInvalid", "push_front", "pop_front"):
            self.require_lvalue(e.callee.expr, scope, f"{callee.name}()")
        bindings = dict(callee.bindings)
        self.bind_args(params, e.args, scope, bindings, f"'{_callee_text(e.callee)}'")
        ret = self._subst(callee.return_type, bindings)
        if callee.name in ("push_front", "pop_front"):
            if not isinstance(self.const_value(e.args[0].value, scope), int):
                raise P4Error(e.args[0].coord, f"{callee.name} needs a constant count")
        return ret

    def _call_action(self, e: ast.Call, callee: MethodT, scope: Scope) -> P4Type:
        if self._in_parser_state:
            raise P4Error(e.coord, "actions cannot be called from a parser")
        if scope.enclosing("function") is not None:
            raise P4Error(e.coord, "actions cannot be called from a function")
        if len(e.args) != len(callee.params):
            raise P4Error(
                e.coord,
                f"action '{callee.name}' expects {len(callee.params)} "
                f"argument(s), got {len(e.args)}",
            )
        self.bind_args(callee.params, e.args, scope, {}, f"action '{callee.name}'")
        return VOID

    def _call_overloaded(self, e: ast.Call, callee: MethodT, scope: Scope) -> P4Type:
        candidates = callee.overloads
        matching = [c for c in candidates if self._arity_ok(c.params, e.args)]
        name = _callee_text(e.callee)
        if not matching:
            counts = sorted({len(c.params) for c in candidates})
            raise P4Error(
                e.coord,
                f"'{name}' expects {' or '.join(map(str, counts))} argument(s), got {len(e.args)}",
            )
        proto = matching[0]
        if len(matching) > 1:  # overloads with the same arity: pick by argument names
            named = {a.name for a in e.args if a.name}
            proto = next((c for c in matching if named <= {p.name for p in c.params}), proto)
        e.target = MethodT(
            proto.name, proto.params, VOID, proto, kind=callee.kind, bindings=dict(callee.bindings)
        )
        bindings = dict(callee.bindings)
        if e.type_args:
            if len(e.type_args) != len(proto.type_params):
                raise P4Error(
                    e.coord,
                    f"'{name}' expects {len(proto.type_params)} type "
                    f"argument(s), got {len(e.type_args)}",
                )
            for tp, ref in zip(proto.type_params, e.type_args, strict=True):
                bindings[tp] = self.resolve_type(ref, scope)
        self.bind_args(proto.params, e.args, scope, bindings, f"'{name}'")
        self._check_packet_io(e, proto, bindings)
        ret = proto.return_type.resolved if proto.return_type else VOID
        return self._subst(ret, bindings)

    def _check_packet_io(self, e: ast.Call, proto: ast.FunctionProto, bindings: dict) -> None:
        """extract() takes a header; emit() takes headers or aggregates of them (as in p4c)."""
        if proto.name == "verify" and not self._in_parser_state:
            raise P4Error(e.coord, "verify() can only be called in a parser")
        if proto.name == "lookahead" and e.type_args:
            typ = e.type_args[0].resolved
            if isinstance(typ, StructT) and any(
                isinstance(f, VarbitT) for f in typ.fields.values()
            ):
                raise P4Error(e.coord, f"lookahead cannot read {typ}: it has a varbit field")
        if proto.name not in ("extract", "emit") or not proto.type_params:
            return
        typ = bindings.get(proto.type_params[0])
        arg = e.args[0].value if e.args else None
        if typ is None or arg is None:
            return
        if proto.name == "extract":
            if not (isinstance(typ, StructT) and typ.kind == "header"):
                raise P4Error(arg.coord, f"extract needs a header, got {typ}")
            has_varbit = any(isinstance(f, VarbitT) for f in typ.fields.values())
            if len(e.args) == 2 and not has_varbit:
                raise P4Error(
                    e.coord, f"header {typ} has no varbit field: extract takes one argument"
                )
            if len(e.args) == 1 and has_varbit:
                raise P4Error(
                    e.coord,
                    f"header {typ} has a varbit field: extract needs its size "
                    "in bits as a second argument",
                )
        elif not self._emittable(typ):
            raise P4Error(
                arg.coord,
                f"emit needs a header, header stack, header_union or a struct of them, got {typ}",
            )

    def _emittable(self, typ: P4Type) -> bool:
        if isinstance(typ, StackT):
            return True
        if isinstance(typ, StructT):
            if typ.kind in ("header", "header_union"):
                return True
            return all(self._emittable(f) for f in typ.fields.values())
        return False

    @staticmethod
    def _arity_ok(params: list[ast.Param], args: list[ast.Argument]) -> bool:
        required = sum(1 for p in params if p.default is None and not p.annotation("optional"))
        return required <= len(args) <= len(params)

    def bind_args(
        self,
        params: list[ast.Param],
        args: list[ast.Argument],
        scope: Scope,
        bindings: dict[str, P4Type],
        what: str,
    ) -> None:
        """Match arguments to parameters: names, directions, and types (binding type vars)."""
        named = [a for a in args if a.name is not None]
        if named and len(named) != len(args):
            raise P4Error(args[0].coord, f"{what}: mix of named and positional arguments")
        by_param: list[tuple[ast.Param, ast.Argument]] = []
        if named:
            pnames = {p.name: p for p in params}
            given: set[str] = set()
            for a in args:
                if a.name in given:
                    raise P4Error(a.coord, f"{what}: argument '{a.name}' given twice")
                given.add(a.name or "")
                if a.name not in pnames:
                    raise P4Error(
                        a.coord,
                        f"{what} has no parameter named '{a.name}'"
                        + _suggest(a.name or "", pnames),
                    )
                by_param.append((pnames[a.name], a))
        else:
            by_param = list(zip(params, args, strict=False))
        # out/inout arguments first: they have definite types that fix type variables
        ordered = sorted(by_param, key=lambda pa: pa[0].direction not in ("out", "inout"))
        for param, arg in ordered:
            want = param.type_ref.resolved
            if arg.value is None:
                if param.direction not in ("out",):
                    raise P4Error(
                        arg.coord,
                        f"{what}: '_' can only be passed to an 'out' "
                        f"parameter ('{param.name}' is "
                        f"'{param.direction or 'directionless'}')",
                    )
                continue
            hint = self._subst(want, bindings)
            have = self.expr(arg.value, scope, None if isinstance(hint, TypeVarT) else hint)
            if param.direction in ("out", "inout"):
                self.require_lvalue(
                    arg.value, scope, f"{what} argument '{param.name}' ('{param.direction}')"
                )
            if isinstance(want, TypeVarT) or self._has_typevar(want):
                if not self.unify(want, have, bindings) and not self._converts_to_bound(
                    want, have, bindings, param.direction
                ):
                    raise P4Error(
                        arg.value.coord,
                        f"{what}: argument '{param.name}' has type "
                        f"{have} but {self._subst(want, bindings)} "
                        "is required",
                    )
                continue
            if isinstance(strip_newtype(want), BitsT) and isinstance(have, IntT):
                value = self.const_value(arg.value, scope)
                if value is None:
                    raise P4Error(arg.value.coord, f"{what}: argument '{param.name}' needs a width")
            if param.direction in ("out", "inout"):
                ok = self.same_type(want, have)
            else:
                ok = self.assignable(want, have)
            if not ok:
                raise P4Error(
                    arg.value.coord,
                    f"{what}: argument '{param.name}' has type {have} but {want} is required",
                )

    def _converts_to_bound(
        self, want: P4Type, have: P4Type, bindings: dict, direction: str
    ) -> bool:
        """An `in` argument for a type variable fixed by explicit type arguments converts like
        an assignment: `digest<learn_t>(1, {a, b})` passes a list as the struct learn_t."""
        bound = self._subst(want, bindings)
        if direction in ("out", "inout") or self._has_typevar(bound):
            return False
        return self.assignable(bound, have)

    def _has_typevar(self, typ: P4Type) -> bool:
        if isinstance(typ, TypeVarT):
            return True
        if isinstance(typ, (ExternT, BlockT)):
            return any(self._has_typevar(a) for a in typ.type_args)
        if isinstance(typ, TupleT):
            return any(self._has_typevar(a) for a in typ.elements)
        return False

    # =================================================================== constants
    def const_value(self, e: ast.Expr | None, scope: Scope) -> Any:
        """Value of a compile-time constant expression (int, bool, str or enum member), or None."""
        if e is None:
            return None
        if isinstance(e, ast.IntLit):
            return e.value if not e.signed or e.width is None else _signed(e.value, e.width)
        if isinstance(e, ast.BoolLit):
            return e.value
        if isinstance(e, ast.StringLit):
            return e.value
        if isinstance(e, ast.Name):
            sym = e.decl if isinstance(e.decl, Symbol) else scope.lookup_value(e.name)
            return sym.value if sym is not None and sym.kind == "const" else None
        if isinstance(e, ast.TypeMember):
            typ = e.type
            if isinstance(typ, SerEnumT):
                return typ.members[e.member]
            return (e.type_name, e.member)
        if isinstance(e, ast.Cast):
            value = self.const_value(e.expr, scope)
            if value is None:
                return None
            target = strip_newtype(e.type_ref.resolved)
            if isinstance(target, BitsT) and isinstance(value, (int, bool)):
                return self._fit(int(value), target)
            if target == BOOL and isinstance(value, int):
                return bool(value)
            return value
        if isinstance(e, ast.Unary):
            value = self.const_value(e.expr, scope)
            if value is None:
                return None
            if e.op == "!":
                return not value
            if e.op == "-":
                return self._fit(-value, e.type)
            if e.op == "~":
                return self._fit(~value, e.type)
            return value
        if isinstance(e, ast.Binary):
            return self._const_binary(e, scope)
        if isinstance(e, ast.Ternary):
            cond = self.const_value(e.cond, scope)
            if cond is None:
                return None
            return self.const_value(e.then if cond else e.other, scope)
        if isinstance(e, ast.Slice):
            value = self.const_value(e.expr, scope)
            hi, lo = self.const_value(e.hi, scope), self.const_value(e.lo, scope)
            if None in (value, hi, lo):
                return None
            return (value >> lo) & ((1 << (hi - lo + 1)) - 1)
        if isinstance(e, ast.Call) and isinstance(e.callee, ast.Member):
            if e.callee.member in ("minSizeInBits", "minSizeInBytes"):
                typ = e.callee.expr.type
                if isinstance(typ, StructT):
                    bits = typ.bit_width()
                    return bits if e.callee.member == "minSizeInBits" else (bits + 7) // 8
        if isinstance(e, ast.Member) and e.member == "size" and isinstance(e.expr.type, StackT):
            return e.expr.type.size
        return None

    def _const_binary(self, e: ast.Binary, scope: Scope) -> Any:
        a = self.const_value(e.left, scope)
        b = self.const_value(e.right, scope)
        if a is None or b is None:
            return None
        op = e.op
        if op == "&&":
            return a and b
        if op == "||":
            return a or b
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op in _COMPARE:
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        if not isinstance(a, int) or not isinstance(b, int):
            return None
        typ = strip_newtype(e.type) if e.type is not None else INT
        if op == "++":
            rw = strip_newtype(e.right.type).width
            return self._fit((a << rw) | (b & ((1 << rw) - 1)), typ)
        if op in ("/", "%") and b == 0:
            raise P4Error(e.coord, "division by zero")
        result = {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a // b,
            "%": lambda: a % b,
            "&": lambda: a & b,
            "|": lambda: a | b,
            "^": lambda: a ^ b,
            "<<": lambda: a << b if b < 4096 else 0,
            ">>": lambda: a >> b,
            "|+|": lambda: _saturate(a + b, typ),
            "|-|": lambda: _saturate(a - b, typ),
        }[op]()
        return self._fit(result, typ)

    @staticmethod
    def _fit(value: Any, typ: P4Type | None) -> Any:
        """Wrap an integer to the width of `typ` (two's complement for int<>)."""
        base = strip_newtype(typ) if typ is not None else None
        if isinstance(base, SerEnumT):
            base = base.base
        if not isinstance(base, BitsT) or isinstance(value, bool) or not isinstance(value, int):
            return value
        value &= (1 << base.width) - 1
        return _signed(value, base.width) if base.signed else value


def _add_members(decl: ast.ErrorDecl | ast.MatchKindDecl, known: list[str], what: str) -> None:
    """`error` and `match_kind` declarations extend one program-wide list each."""
    for m in decl.members:
        if m in known:
            raise P4Error(decl.coord, f"duplicate {what} member '{m}'")
        known.append(m)


def _keyset_bounds(item: ast.Expr) -> list[tuple[ast.Expr, str]]:
    """The two expressions of a keyset mask or range (none for other items), each with what an
    error calls it."""
    if isinstance(item, ast.Mask):
        return [(item.value, "keyset value"), (item.mask, "keyset mask")]
    if isinstance(item, ast.Range):
        return [(item.lo, "range bound"), (item.hi, "range bound")]
    return []


def _is_value_set(item: ast.Expr, scope: Scope) -> bool:
    """A keyset item naming a value_set: its elements have the set's type, not the key's."""
    if not isinstance(item, ast.Name):
        return False
    sym = scope.lookup_value(item.name)
    return sym is not None and sym.kind == "value_set"


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _always_returns(stmt: ast.Node) -> bool:
    """Whether every path through `stmt` ends in `return` or `exit`."""
    if isinstance(stmt, (ast.Return, ast.Exit)):
        return True
    if isinstance(stmt, ast.Block):
        return any(_always_returns(s) for s in stmt.stmts)
    if isinstance(stmt, ast.If):
        return stmt.other is not None and _always_returns(stmt.then) and _always_returns(stmt.other)
    if isinstance(stmt, ast.Switch):
        has_default = any(isinstance(c.label, ast.Default) for c in stmt.cases)
        return has_default and all(c.body is None or _always_returns(c.body) for c in stmt.cases)
    return False


def _signed(value: int, width: int) -> int:
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def _saturate(value: int, typ: P4Type) -> int:
    if not isinstance(typ, BitsT):
        return value
    lo, hi = _int_range(typ)
    return min(max(value, lo), hi)


def _int_range(typ: BitsT) -> tuple[int, int]:
    """The smallest and the largest value of a bit<W> or int<W>."""
    if typ.signed:
        return -(1 << (typ.width - 1)), (1 << (typ.width - 1)) - 1
    return 0, (1 << typ.width) - 1


def _callee_text(e: ast.Expr) -> str:
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Member):
        return f"{_callee_text(e.expr)}.{e.member}"
    return "expression"


class TableChecker:
    """Checks one table's properties: key, actions, default action, entries, resources."""

    def __init__(self, checker: Checker, decl: ast.TableDecl, scope: Scope) -> None:
        self.c = checker
        self.decl = decl
        self.scope = scope

    def check(self) -> None:
        seen: set[str] = set()
        for prop in self.decl.properties:
            if prop.name in seen:
                raise P4Error(prop.coord, f"duplicate table property '{prop.name}'")
            seen.add(prop.name)
        if "actions" not in seen:
            raise P4Error(self.decl.coord, f"table {self.decl.name} has no 'actions' property")
        order = [p.name for p in self.decl.properties]
        for first, then in (("key", "entries"), ("actions", "default_action")):
            if first in order and then in order and order.index(then) < order.index(first):
                prop = self.decl.properties[order.index(then)]
                raise P4Error(prop.coord, f"table property '{then}' must come after '{first}'")
        key_types = self.keys()
        self.actions()
        for prop in self.decl.properties:
            if prop.name == "default_action":
                self.default_action(prop)
            elif prop.name == "entries":
                for entry in prop.entries:
                    self.entry(entry, key_types)
            elif prop.name not in ("key", "actions"):
                self.other(prop)

    def keys(self) -> list[P4Type]:
        prop = self.decl.prop("key")
        types: list[P4Type] = []
        if prop is None:
            return types
        for key in prop.keys:
            typ = self.c.expr(key.expr, self.scope)
            base = strip_newtype(typ)
            if not (isinstance(base, (BitsT, SerEnumT, EnumT)) or base in (BOOL, ERROR)):
                raise P4Error(key.expr.coord, f"table key of type {typ} cannot be matched")
            if key.match_kind not in self.c.match_kinds:
                raise P4Error(
                    key.coord,
                    f"'{key.match_kind}' is not a match kind"
                    + _suggest(key.match_kind, self.c.match_kinds),
                )
            types.append(typ)
        if sum(1 for k in prop.keys if k.match_kind == "lpm") > 1:
            second = [k for k in prop.keys if k.match_kind == "lpm"][1]
            raise P4Error(
                second.coord,
                f"table {self.decl.name} has more than one lpm key field, "
                "which BMv2 does not support",
            )
        return types

    def _action_symbol(self, ref: ast.ActionRef) -> Symbol:
        sym = self.scope.lookup_value(ref.name)
        if sym is None or sym.kind != "action":
            if sym is not None:
                raise P4Error(ref.coord, f"'{ref.name}' is a {sym.kind}, not an action")
            raise P4Error(
                ref.coord,
                f"'{ref.name}' is not declared" + _suggest(ref.name, self.scope.visible_names()),
            )
        ref.decl = sym.decl
        return sym

    def actions(self) -> None:
        seen: set[str] = set()
        for ref in self.decl.prop("actions").actions:
            sym = self._action_symbol(ref)
            if ref.name in seen:
                raise P4Error(
                    ref.coord, f"action '{ref.name}' listed twice in table {self.decl.name}"
                )
            seen.add(ref.name)
            directional = [p for p in sym.decl.params if p.direction]
            if ref.has_args and len(ref.args) != len(directional):
                raise P4Error(
                    ref.coord,
                    f"action '{ref.name}' in an actions list must bind its "
                    f"{len(directional)} directional parameter(s), got "
                    f"{len(ref.args)}",
                )
            if ref.args:
                self.c.bind_args(directional, ref.args, self.scope, {}, f"action '{ref.name}'")
            elif directional:
                raise P4Error(
                    ref.coord,
                    f"action '{ref.name}' has directional parameters that "
                    "must be bound in the actions list",
                )

    def _listed(self, ref: ast.ActionRef) -> ast.ActionRef:
        for listed in self.decl.prop("actions").actions:
            if listed.name == ref.name:
                return listed
        names = [r.name for r in self.decl.prop("actions").actions]
        raise P4Error(
            ref.coord,
            f"action '{ref.name}' is not in the actions list of table "
            f"{self.decl.name}" + _suggest(ref.name, names),
        )

    def _bind_data(self, ref: ast.ActionRef, what: str) -> None:
        """Check the control-plane arguments of a default action or entry."""
        sym = self._action_symbol(ref)
        data = [p for p in sym.decl.params if not p.direction]
        directional = [p for p in sym.decl.params if p.direction]
        args = ref.args
        if len(args) == len(sym.decl.params) and directional:
            args = args[len(directional) :]
        required = sum(1 for p in data if p.default is None)
        if not required <= len(args) <= len(data):
            raise P4Error(
                ref.coord,
                f"{what} '{ref.name}' needs {len(data)} action data argument(s), got {len(args)}",
            )
        self.c.bind_args(data, args, self.scope, {}, f"action '{ref.name}'")
        for a in args:
            if a.value is not None and self.c.const_value(a.value, self.scope) is None:
                raise P4Error(a.value.coord, f"{what} arguments must be compile-time constants")

    def default_action(self, prop: ast.TableProperty) -> None:
        ref = prop.value
        if not isinstance(ref, ast.ActionRef):  # pragma: no cover - grammar guarantees it
            raise P4Error(prop.coord, "default_action must name an action")
        listed = self._listed(ref)
        if listed.annotation("tableonly") is not None:
            raise P4Error(
                ref.coord, f"action '{ref.name}' is @tableonly and cannot be the default action"
            )
        self._bind_data(ref, "default action")

    def entry(self, entry: ast.TableEntry, key_types: list[P4Type]) -> None:
        if not key_types:
            raise P4Error(entry.coord, f"table {self.decl.name} has entries but no key")
        self.c.keyset(entry.keyset, key_types, self.scope, entry.coord, "entry")
        for item in entry.keyset:
            for part in [bound for bound, _ in _keyset_bounds(item)] or [item]:
                if isinstance(part, (ast.Default, ast.DontCare)):
                    continue
                if self.c.const_value(part, self.scope) is None:
                    raise P4Error(part.coord, "table entry keys must be compile-time constants")
        listed = self._listed(entry.action)
        if listed.annotation("defaultonly") is not None:
            raise P4Error(
                entry.action.coord,
                f"action '{entry.action.name}' is @defaultonly and cannot be used in an entry",
            )
        self._bind_data(entry.action, "entry action")
        if entry.priority is not None:
            self.c.expr(entry.priority, self.scope)
            if not isinstance(self.c.const_value(entry.priority, self.scope), int):
                raise P4Error(entry.priority.coord, "entry priority must be a constant")

    def other(self, prop: ast.TableProperty) -> None:
        value = prop.value
        if not isinstance(value, ast.Expr):  # pragma: no cover
            return
        typ = self.c.expr(value, self.scope)
        if prop.name == "size":
            size = self.c.const_value(value, self.scope)
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise P4Error(value.coord, "table size must be a non-negative integer constant")
        elif prop.name in ("counters", "meters", "implementation"):
            wanted = {
                "counters": ("direct_counter", "counter"),
                "meters": ("direct_meter",),
                "implementation": ("action_profile", "action_selector"),
            }[prop.name]
            if not isinstance(typ, ExternT) or typ.name not in wanted:
                raise P4Error(
                    value.coord,
                    f"table property '{prop.name}' needs {' or '.join(wanted)}, got {typ}",
                )
        elif prop.name in ("support_timeout",) and typ != BOOL:
            raise P4Error(value.coord, f"'{prop.name}' must be a bool")


def check_program(program: ast.Program) -> Checker:
    """Type-check `program` in place (fills types and declarations); raise P4Error on the first
    error. Returns the checker, whose global scope the P4Info generator reads."""
    checker = Checker()
    checker.check(program)
    return checker

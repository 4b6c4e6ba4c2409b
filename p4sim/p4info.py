"""The P4Info (`p4.config.v1.P4Info`) of a checked program, as `p4c-bm2-ss` writes it.

A controller written against the reference toolchain reads the P4Info that p4c produced, so
p4sim's must be the same message, field for field and byte for byte in text form. p4c builds it
from the program as its front end leaves it (actions localized into controls, unused tables and
actions removed, nested controls inlined, every object renamed hierarchically) and visits the
evaluated blocks breadth-first. This module reproduces those effects on p4sim's typed tree
instead of transforming it; `docs/p4info-rules.md` is the specification, section by section:

- `_Model` flattens `main`'s parser and controls (nested instances inlined), decides what the
  front end keeps (applied tables, referenced actions, value sets used by reachable states) and
  names everything (section 2);
- `_Symbols` registers every control-plane symbol to get IDs and aliases (sections 3-5);
- `_TypeSpecs` converts P4 types to `P4DataTypeSpec` and fills `type_info` (section 7);
- `_Builder` walks the blocks in p4c's order and emits each section (sections 6-8).

Programs that p4c rejects only at P4Info time (complex key without `@name`, bad `@id`, ...)
raise `P4Error` with p4c's message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.protobuf import text_format
from p4.config.v1 import p4info_pb2, p4types_pb2

from p4sim.frontend import ast
from p4sim.frontend.diagnostics import Coord, P4Error
from p4sim.frontend.parser import split_width_prefix
from p4sim.frontend.scope import Symbol
from p4sim.frontend.types import (
    BOOL,
    ERROR,
    BitsT,
    BlockT,
    EnumT,
    ExternT,
    NewTypeT,
    P4Type,
    SerEnumT,
    StackT,
    StructT,
    TupleT,
    VarbitT,
    width_of,
)
from p4sim.p4info_ids import IdAllocator, P4Ids, P4InfoIdError, allocate_field_ids

if TYPE_CHECKING:
    from p4sim.compiler import Compiled

__all__ = ["TEXT_HEADER", "build_p4info", "p4info_text"]

TEXT_HEADER = "# proto-file: p4/config/v1/p4info.proto\n# proto-message: p4.config.v1.P4Info\n\n"
"""The comment lines current p4c writes before a `.txtpb` P4Info."""

DEFAULT_TABLE_SIZE = 1024
"""v1model's table size when `size` is absent or 0."""

_MATCH_TYPES = {
    "exact": p4info_pb2.MatchField.EXACT,
    "lpm": p4info_pb2.MatchField.LPM,
    "ternary": p4info_pb2.MatchField.TERNARY,
    "range": p4info_pb2.MatchField.RANGE,
    "optional": p4info_pb2.MatchField.OPTIONAL,
}
_COUNTER_UNITS = {
    "packets": p4info_pb2.CounterSpec.PACKETS,
    "bytes": p4info_pb2.CounterSpec.BYTES,
    "packets_and_bytes": p4info_pb2.CounterSpec.BOTH,
}
_METER_UNITS = {"packets": p4info_pb2.MeterSpec.PACKETS, "bytes": p4info_pb2.MeterSpec.BYTES}

# v1model extern type -> P4Info resource of its instances.
_EXTERN_KINDS = {
    "counter": P4Ids.COUNTER,
    "direct_counter": P4Ids.DIRECT_COUNTER,
    "meter": P4Ids.METER,
    "direct_meter": P4Ids.DIRECT_METER,
    "action_profile": P4Ids.ACTION_PROFILE,
    "action_selector": P4Ids.ACTION_PROFILE,
    "register": P4Ids.REGISTER,
}
# Counter, meter and register extern type -> (P4Info section, units of its `type` argument;
# None for a register, which has a `type_spec` instead).
_EXTERN_SECTIONS: dict[str, tuple[str, dict[str, int] | None]] = {
    "counter": ("counters", _COUNTER_UNITS),
    "direct_counter": ("direct_counters", _COUNTER_UNITS),
    "meter": ("meters", _METER_UNITS),
    "direct_meter": ("direct_meters", _METER_UNITS),
    "register": ("registers", None),
}

# Annotations p4c parses into expressions (and prints back as P4); any other annotation keeps
# its raw tokens and is printed with a space between tokens, as p4c's ToP4 does.
_PARSED_ANNOTATIONS = frozenset(
    "tableonly defaultonly hidden atomic optional pure noSideEffects disable_optimization "
    "inline noinline likely unlikely name deprecated noWarn length pkginfo synchronous "
    "displayName field_list debug match controller_header id brief description "
    "max_group_size selector_size_semantics max_member_weight p4runtime_translation "
    "p4runtime_translation_mappings alias priority metadata".split()
)
# Never listed in `annotations`: represented elsewhere in the P4Info.
_UNLISTED_ANNOTATIONS = frozenset({"name", "id", "brief", "description"})


def p4info_text(compiled: Compiled) -> str:
    """The `.p4info.txtpb` file content: p4c's two comment lines, then the text format."""
    return TEXT_HEADER + text_format.MessageToString(build_p4info(compiled))


def build_p4info(compiled: Compiled) -> p4info_pb2.P4Info:
    """The P4Info message of a checked program."""
    model = _Model(compiled)
    symbols = _Symbols(model)
    return _Builder(model, symbols).build()


# ====================================================================== names and annotations


def _string_arg(ann: ast.Annotation | None) -> str | None:
    """The string argument of `@x("...")`, or None."""
    if ann is None or not ann.args or not isinstance(ann.args[0], ast.StringLit):
        return None
    return ann.args[0].value


def _int_arg(ann: ast.Annotation | None) -> int | None:
    """The integer argument of `@x(N)`, or None (also for a malformed annotation)."""
    if ann is None or len(ann.args) != 1 or not isinstance(ann.args[0], ast.IntLit):
        return None
    return ann.args[0].value


def _external_name(decl: ast.Annotated, name: str) -> str:
    """p4c's `externalName()`: the `@name` string (leading dot kept) or the declared name."""
    given = _string_arg(decl.annotation("name"))
    return name if given is None else given


def _plain_name(decl: ast.Annotated, name: str) -> str:
    """p4c's `controlPlaneName()` of a top-level object: `@name` without its leading dot."""
    return _external_name(decl, name).removeprefix(".")


def _explicit_id(decl: ast.Annotated) -> int | None:
    ann = decl.annotation("id")
    if ann is None:
        return None
    value = _int_arg(ann)
    if value is None:
        raise P4Error(ann.coord, "@id should be an unsigned integer")
    return value


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


_BASES = {"0x": "x", "0b": "b", "0o": "o"}  # source prefix -> format() code


def _int_text(value: int, source: str, width: int | None = None, signed: bool = False) -> str:
    """An integer as p4c prints a constant: in the base it was written in (lower-case digits,
    decimal without prefix), after a `Ww`/`Ws` width prefix when `width` is given."""
    body = split_width_prefix(source)[2].lower()  # without the source's own width prefix
    prefix = body[:2] if body[:2] in _BASES else ""
    number = prefix + format(abs(value), _BASES.get(prefix, "d"))
    sized = f"{width}{'s' if signed else 'w'}" if width else ""
    return sized + ("-" if value < 0 else "") + number


def _expr_tokens(e: ast.Expr | None) -> list[str]:
    """An annotation argument as the tokens it was written with (for unparsed annotations)."""
    if e is None:
        return ["_"]
    if isinstance(e, ast.IntLit):
        return [e.text or str(e.value)]
    if isinstance(e, ast.StringLit):
        return [_quote(e.value)]
    if isinstance(e, ast.BoolLit):
        return ["true" if e.value else "false"]
    if isinstance(e, ast.Name):
        return [".", e.name] if e.top_level else [e.name]
    if isinstance(e, ast.Member):
        return [*_expr_tokens(e.expr), ".", e.member]
    if isinstance(e, ast.TypeMember):
        return [e.type_name, ".", e.member]
    if isinstance(e, ast.Index):
        return [*_expr_tokens(e.expr), "[", *_expr_tokens(e.index), "]"]
    if isinstance(e, ast.Slice):
        return [*_expr_tokens(e.expr), "[", *_expr_tokens(e.hi), ":", *_expr_tokens(e.lo), "]"]
    if isinstance(e, ast.Unary):
        return [e.op, *_expr_tokens(e.expr)]
    if isinstance(e, ast.Binary):
        return [*_expr_tokens(e.left), e.op, *_expr_tokens(e.right)]
    if isinstance(e, ast.Call):
        return [*_expr_tokens(e.callee), "(", *_joined(_expr_tokens(a.value) for a in e.args), ")"]
    if isinstance(e, ast.ListExpr):
        return ["{", *_joined(_expr_tokens(i) for i in e.items), "}"]
    return ["_"]


def _joined(groups: Iterable[list[str]], sep: str = ",") -> list[str]:
    out: list[str] = []
    for group in groups:
        if out:
            out.append(sep)
        out.extend(group)
    return out


def _expr_source(e: ast.Expr | None) -> str:
    """A parsed annotation argument printed back as P4 (p4c's ToP4, for the common cases)."""
    if isinstance(e, ast.IntLit):
        return _int_text(e.value, e.text or str(e.value), e.width, e.signed)
    if isinstance(e, ast.Member):
        return f"{_expr_source(e.expr)}.{e.member}"
    if isinstance(e, ast.Binary):
        return f"{_expr_source(e.left)} {e.op} {_expr_source(e.right)}"
    return "".join(_expr_tokens(e))


def _annotation_text(ann: ast.Annotation) -> str:
    """One unstructured annotation as p4c lists it in P4Info (`@noWarn("unused")`)."""
    if not ann.args:
        return f"@{ann.name}"
    if ann.name in _PARSED_ANNOTATIONS:
        return f"@{ann.name}(" + ", ".join(_expr_source(a) for a in ann.args) + ")"
    return f"@{ann.name}(" + " ".join(_joined(_expr_tokens(a) for a in ann.args)) + ")"


def _structured_value(e: ast.Expr, out: p4info_pb2.Expression) -> None:
    if isinstance(e, ast.StringLit):
        out.string_value = e.value
    elif isinstance(e, ast.BoolLit):
        out.bool_value = e.value
    elif isinstance(e, ast.IntLit):
        out.int64_value = e.value
    else:
        raise P4Error(e.coord, "structured annotation expression should be a literal")


def _add_annotations(
    message: Any, node: ast.Annotated | None, skip: Iterable[str] = (), with_doc: bool = True
) -> None:
    """Fill `annotations`, `structured_annotations` and (if the message has it) `doc`."""
    if node is None:
        return
    skipped = _UNLISTED_ANNOTATIONS | set(skip)
    for ann in node.annotations:
        if ann.kv and ann.name != "pkginfo":
            structured = message.structured_annotations.add(name=ann.name)
            for key, value in ann.kv.items():
                _structured_value(value, structured.kv_pair_list.kv_pairs.add(key=key).value)
        elif ann.name not in skipped:
            message.annotations.append(_annotation_text(ann))
    if with_doc:
        brief = _string_arg(node.annotation("brief"))
        description = _string_arg(node.annotation("description"))
        if brief is not None:
            message.doc.brief = brief
        if description is not None:
            message.doc.description = description


def _set_preamble(
    preamble: p4info_pb2.Preamble,
    p4_id: int,
    name: str,
    alias: str,
    node: ast.Annotated | None,
    skip: Iterable[str] = (),
) -> None:
    preamble.id = p4_id
    preamble.name = name
    preamble.alias = alias
    _add_annotations(preamble, node, skip)


def _is_hidden(node: ast.Annotated) -> bool:
    return node.annotation("hidden") is not None


def _value_bytes(value: int, width: int) -> bytes:
    """A constant as P4Runtime bytes: big-endian over the whole width (two's complement)."""
    size = max((width + 7) // 8, 1)
    return (value & ((1 << (size * 8)) - 1)).to_bytes(size, "big")


# ====================================================================== walking the tree


def _children(node: Any) -> Iterator[Any]:
    """Direct sub-nodes of an AST node, in source order."""
    for name in getattr(node, "__dataclass_fields__", {}):
        if name in ("coord", "type", "decl", "target", "resolved", "annotations"):
            continue
        value = getattr(node, name)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item
                elif isinstance(item, tuple):  # StructInit fields
                    yield from (x for x in item if isinstance(x, ast.Node))


# ====================================================================== the program model


@dataclass(frozen=True)
class _Naming:
    """How p4c names the objects of one (possibly inlined) parser or control.

    `outer` is the type name of the parser/control that `main` instantiates (HierarchicalNames
    prefixes with it); `inner` are the instance names of the blocks inlined on the way down.
    """

    outer: str
    inner: tuple[str, ...] = ()

    def local(self, decl: ast.Annotated, name: str) -> str:
        """Control-plane name of an object declared in this block."""
        external = _external_name(decl, name)
        if external.startswith("."):
            return external[1:]
        return ".".join((self.outer, *self.inner, external))

    def nested(self, decl: ast.Instantiation) -> _Naming:
        """Naming of a control or parser instantiated in this one (the Inline pass)."""
        return _Naming(self.outer, (*self.inner, _external_name(decl, decl.name)))


@dataclass(eq=False)
class _Extern:
    """An extern instance (declared, or constructed in place in a table property)."""

    name: str
    type: ExternT
    args: list[ast.Argument]
    node: ast.Annotated  # the declaration, or the table property for in-place externs
    in_place: bool = False

    @property
    def resource(self) -> P4Ids | None:
        return _EXTERN_KINDS.get(self.type.name)


@dataclass(eq=False)
class _Action:
    decl: ast.ActionDecl
    name: str
    in_table: bool  # referenced by a table, not only called directly

    @property
    def data_params(self) -> list[ast.Param]:
        """Parameters left by RemoveActionParameters: the directionless ones for an action a
        table uses, none for an action that is only called directly (the copy made for the
        table comes first, so its parameters are the ones printed)."""
        if not self.in_table:
            return []
        return [p for p in self.decl.params if not p.direction]


@dataclass(eq=False)
class _Table:
    decl: ast.TableDecl
    name: str
    naming: _Naming
    view: _ControlView

    def action_name(self, decl: ast.ActionDecl) -> str:
        return self.view.action_names[self.view.key(decl, self.naming)]

    def resource(self, prop_name: str) -> _Extern | None:
        """The extern named by the `implementation`, `counters` or `meters` property."""
        prop = self.decl.prop(prop_name)
        value = prop.value if prop is not None else None
        if isinstance(value, ast.ConstructorCall) and isinstance(value.type, ExternT):
            name = _string_arg(prop.annotation("name"))
            if name is None:
                raise P4Error(
                    prop.coord,
                    f"table '{self.name}': an extern constructed in the '{prop_name}' property "
                    "needs a @name annotation to be exposed to P4Runtime",
                )
            return _Extern(name, value.type, value.args, prop, in_place=True)
        if isinstance(value, ast.Name) and isinstance(value.decl, Symbol):
            return self.view.instances.get(self.view.key(value.decl.decl, self.naming))
        return None


@dataclass(eq=False)
class _Digest:
    name: str
    type: P4Type


@dataclass(eq=False)
class _Block:
    """An evaluated block in p4c's sense: the unit of its breadth-first traversal."""

    kind: str  # program, package, parser, control, extern, table
    children: list[_Block] = field(default_factory=list)
    extern: _Extern | None = None
    table: _Table | None = None
    actions: list[_Action] = field(default_factory=list)
    digests: list[_Digest] = field(default_factory=list)
    value_sets: list[tuple[ast.ValueSetDecl, str]] = field(default_factory=list)

    def walk(self) -> Iterator[_Block]:
        """Every block reachable from this one, breadth-first, each once (p4c's order)."""
        seen: set[int] = set()
        frontier = [self]
        while frontier:
            block = frontier.pop(0)
            if id(block) in seen:
                continue
            seen.add(id(block))
            yield block
            frontier.extend(c for c in block.children if id(c) not in seen)


_Key = tuple[int, tuple[str, ...] | None]
"""A declaration in one inlined copy of a block: (id(decl), instance path or None if global)."""


class _Model:
    """What p4c's front end leaves of the program, as blocks in evaluation order."""

    def __init__(self, compiled: Compiled) -> None:
        self.checker = compiled.checker
        self.program = compiled.program
        self.main = self.checker.main
        self.global_ids = {id(d) for d in self.program.declarations}
        self.global_instances: dict[_Key, _Extern] = {}
        self.type_decls: dict[str, ast.Declaration] = {
            d.name: d
            for d in self.program.declarations
            if isinstance(d, (ast.StructLike, ast.Typedef, ast.EnumDecl))
        }
        no_action = self.checker.globals.values.get("NoAction")
        self.no_action = no_action.decl if no_action is not None else None
        self._digest_autonames: dict[int, str] = {}
        self.root = self._program_block()

    # ------------------------------------------------------------------ constants
    def const(self, expr: ast.Expr | None) -> Any:
        return self.checker.const_value(expr, self.checker.globals)

    def live_branches(self, stmt: ast.If) -> list[ast.Node]:
        """The branches of an `if` that survive constant folding."""
        cond = self.const(stmt.cond)
        if cond is True:
            return [stmt.then]
        if cond is False:
            return [stmt.other] if stmt.other is not None else []
        return [b for b in (stmt.then, stmt.other) if b is not None]

    # ------------------------------------------------------------------ block tree
    def _program_block(self) -> _Block:
        """Top-level instances in source order, then `main`'s arguments below `main`."""
        root = _Block("program")
        by_decl: dict[int, _Block] = {}
        for decl in self.program.declarations:
            if not isinstance(decl, ast.Instantiation):
                continue
            typ = decl.type_ref.resolved
            if isinstance(typ, ExternT):
                ext = _Extern(_plain_name(decl, decl.name), typ, decl.args, decl)
                self.global_instances[(id(decl), None)] = ext
                block = _Block("extern", extern=ext)
            elif isinstance(typ, BlockT) and typ.kind in ("parser", "control"):
                block = self._unit(typ.decl)
            elif decl is self.main:
                block = _Block("package")
            else:
                continue
            by_decl[id(decl)] = block
            root.children.append(block)
        if self.main is not None:
            package = by_decl[id(self.main)]
            for arg in self.main.args:
                value = arg.value
                if isinstance(value, ast.ConstructorCall) and isinstance(value.type, BlockT):
                    package.children.append(self._unit(value.type.decl))
                elif isinstance(value, ast.Name) and isinstance(value.decl, Symbol):
                    if id(value.decl.decl) in by_decl:
                        package.children.append(by_decl[id(value.decl.decl)])
        return root

    def _unit(self, decl: Any) -> _Block:
        if isinstance(decl, ast.ControlDecl):
            return _ControlView(self, decl).block()
        if isinstance(decl, ast.ParserDecl):
            return _ParserView(self, decl).block()
        return _Block("package")

    # ------------------------------------------------------------------ digests
    def digest(self, call: ast.Call) -> _Digest:
        """The digest a `digest<T>(receiver, data)` call feeds: named after T."""
        if call.type_args:
            ref = call.type_args[0]
            typ = ref.resolved
            if isinstance(ref, ast.NamedTypeRef):  # may name a typedef: p4c uses that name
                decl = self.type_decls.get(ref.name)
                name = _plain_name(decl, decl.name) if decl is not None else ref.name
                return _Digest(name, typ)
        else:
            typ = call.args[1].value.type if len(call.args) > 1 and call.args[1].value else None
        if isinstance(typ, StructT) and typ.decl is not None:
            return _Digest(_plain_name(typ.decl, typ.name), typ)
        name = self._digest_autonames.setdefault(id(call), f"digest_{len(self._digest_autonames)}")
        return _Digest(name, typ)


def _is_digest(call: ast.Call) -> bool:
    target = call.target
    return getattr(target, "kind", None) == "extern_function" and target.name == "digest"


def _call_kind(node: ast.Node) -> str | None:
    return getattr(node.target, "kind", None) if isinstance(node, ast.Call) else None


class _ControlView:
    """One control after p4c's Inline, RemoveAllUnusedDeclarations and LocalizeAllActions.

    Nested control instances are spliced into the locals (with their own `_Naming`), so one
    declaration may stand for several objects; `key()` tells them apart.
    """

    def __init__(self, model: _Model, decl: ast.ControlDecl) -> None:
        self.model = model
        self.decl = decl
        self.naming = _Naming(decl.name)
        self.locals: list[tuple[ast.Declaration, _Naming]] = []
        self.nested: dict[_Key, tuple[ast.ControlDecl, _Naming]] = {}
        self.instances: dict[_Key, _Extern] = dict(model.global_instances)
        self.action_names: dict[_Key, str] = {}
        self._flatten(decl, self.naming)

    def key(self, decl: Any, naming: _Naming) -> _Key:
        return (id(decl), None if id(decl) in self.model.global_ids else naming.inner)

    def _flatten(self, decl: ast.ControlDecl, naming: _Naming) -> None:
        for local in decl.locals:
            if isinstance(local, ast.Instantiation):
                typ = local.type_ref.resolved
                if isinstance(typ, BlockT) and isinstance(typ.decl, ast.ControlDecl):
                    inner = naming.nested(local)
                    self.nested[self.key(local, naming)] = (typ.decl, inner)
                    self._flatten(typ.decl, inner)
                    continue
                if isinstance(typ, ExternT):
                    ext = _Extern(naming.local(local, local.name), typ, local.args, local)
                    self.instances[self.key(local, naming)] = ext
            self.locals.append((local, naming))

    # ------------------------------------------------------------------ walking code
    def _body_nodes(self) -> Iterator[tuple[ast.Node, _Naming]]:
        """Pre-order nodes of the apply body, with nested control bodies and functions
        spliced in where they are called, and constant-false branches skipped."""
        stack: list[tuple[ast.Node, _Naming]] = [(self.decl.body, self.naming)]
        while stack:
            node, naming = stack.pop()
            yield node, naming
            if isinstance(node, ast.If):
                kids = [(k, naming) for k in (node.cond, *self.model.live_branches(node))]
            else:
                kids = [(k, naming) for k in _children(node)]
            kids.extend(self._inlined(node, naming))
            stack.extend(reversed(kids))

    def _inlined(self, node: ast.Node, naming: _Naming) -> list[tuple[ast.Node, _Naming]]:
        """The code that replaces a call after inlining: a nested control or a function."""
        kind = _call_kind(node)
        if kind == "function" and isinstance(node.target.decl, ast.FunctionDecl):
            return [(node.target.decl.body, naming)]
        if kind == "block_apply" and isinstance(node.callee, ast.Member):
            inst = node.callee.expr
            if isinstance(inst, ast.Name) and isinstance(inst.decl, Symbol):
                nested = self.nested.get(self.key(inst.decl.decl, naming))
                if nested is not None:
                    return [(nested[0].body, nested[1])]
        return []

    @staticmethod
    def _action_nodes(decl: ast.ActionDecl) -> Iterator[ast.Node]:
        """Pre-order nodes of an action body with called actions and functions inlined."""
        stack: list[ast.Node] = [decl.body]
        while stack:
            node = stack.pop()
            yield node
            kids = list(_children(node))
            if _call_kind(node) in ("action", "function") and node.target.decl is not None:
                kids.append(node.target.decl.body)
            stack.extend(reversed(kids))

    # ------------------------------------------------------------------ the block
    def block(self) -> _Block:
        body = list(self._body_nodes())
        applied = {
            self.key(n.target.decl, naming) for n, naming in body if _call_kind(n) == "table_apply"
        }
        tables = [
            (d, naming)
            for d, naming in self.locals
            if isinstance(d, ast.TableDecl) and self.key(d, naming) in applied
        ]
        # action uses in p4c's visiting order: used tables' properties, then the apply body
        uses: list[tuple[ast.ActionDecl, _Naming]] = []
        for table, naming in tables:
            uses.extend((a, naming) for a in _table_action_refs(table, self.model.no_action))
        in_tables = {self.key(a, naming) for a, naming in uses}
        uses.extend((n.target.decl, naming) for n, naming in body if _call_kind(n) == "action")
        block = _Block("control", actions=self._actions(uses, in_tables))

        for action in block.actions:
            block.digests.extend(
                self.model.digest(n)
                for n in self._action_nodes(action.decl)
                if isinstance(n, ast.Call) and _is_digest(n)
            )
        block.digests.extend(
            self.model.digest(n) for n, _ in body if isinstance(n, ast.Call) and _is_digest(n)
        )
        for local, naming in self.locals:
            key = self.key(local, naming)
            if isinstance(local, ast.TableDecl) and key in applied:
                table = _Table(local, naming.local(local, local.name), naming, self)
                block.children.append(_Block("table", table=table))
            elif isinstance(local, ast.Instantiation) and key in self.instances:
                block.children.append(_Block("extern", extern=self.instances[key]))
        return block

    def _actions(
        self, uses: list[tuple[ast.ActionDecl, _Naming]], in_tables: set[_Key]
    ) -> list[_Action]:
        """The control's actions after LocalizeAllActions: the used top-level ones first, in
        order of first use, then its own used actions in declaration order."""
        used = {self.key(a, naming) for a, naming in uses}
        actions: list[_Action] = []
        for decl, _ in uses:
            key = self.key(decl, self.naming)
            if key[1] is not None or key in self.action_names:
                continue
            # TagGlobalActions names a top-level action `.x` unless it has a @name; either
            # way its control-plane name has no control prefix (p4c issue 4969)
            name = _plain_name(decl, decl.name)
            self.action_names[key] = name
            actions.append(_Action(decl, name, key in in_tables))
        for decl, naming in self.locals:
            key = self.key(decl, naming)
            if isinstance(decl, ast.ActionDecl) and key in used:
                self.action_names[key] = naming.local(decl, decl.name)
                actions.append(_Action(decl, self.action_names[key], key in in_tables))
        return actions


def _table_action_refs(table: ast.TableDecl, no_action: ast.ActionDecl | None) -> list[Any]:
    """Actions a table refers to, in p4c's visiting order, after CreateBuiltins.

    A table without `default_action` gets `default_action = NoAction()`; the first use of
    `NoAction` is then the `@defaultonly NoAction` appended to the action list (or the listed
    one).
    """
    refs: list[Any] = []
    for prop in table.properties:
        if prop.name == "actions":
            refs.extend(r.decl for r in prop.actions)
            if table.prop("default_action") is None:
                refs.append(no_action)
        elif prop.name == "default_action" and isinstance(prop.value, ast.ActionRef):
            refs.append(prop.value.decl)
        elif prop.name == "entries":
            refs.extend(e.action.decl for e in prop.entries)
    return [r for r in refs if r is not None]


class _ParserView:
    """One parser after inlining sub-parsers and dropping unreachable states."""

    def __init__(self, model: _Model, decl: ast.ParserDecl) -> None:
        self.model = model
        self.decl = decl

    def block(self) -> _Block:
        block = _Block("parser")
        self._add(self.decl, _Naming(self.decl.name), block)
        return block

    def _add(self, decl: ast.ParserDecl, naming: _Naming, block: _Block) -> None:
        used_sets = _used_value_sets(decl)
        for local in decl.locals:
            if isinstance(local, ast.ValueSetDecl) and id(local) in used_sets:
                block.value_sets.append((local, naming.local(local, local.name)))
            elif isinstance(local, ast.Instantiation):
                typ = local.type_ref.resolved
                if isinstance(typ, BlockT) and isinstance(typ.decl, ast.ParserDecl):
                    self._add(typ.decl, naming.nested(local), block)
                elif isinstance(typ, ExternT):
                    ext = _Extern(naming.local(local, local.name), typ, local.args, local)
                    block.children.append(_Block("extern", extern=ext))


def _used_value_sets(decl: ast.ParserDecl) -> set[int]:
    """Value sets named in the select cases of states reachable from `start`."""
    states = {s.name: s for s in decl.states}
    todo, seen, used = ["start"], set(), set()
    while todo:
        state = states.get(todo.pop())
        if state is None or state.name in seen:
            continue
        seen.add(state.name)
        transition = state.transition
        todo.extend([transition.state] if transition.state else [c.state for c in transition.cases])
        for case in transition.cases:
            for item in case.keyset:
                sym = item.decl if isinstance(item, ast.Name) else None
                if isinstance(sym, Symbol) and sym.kind == "value_set":
                    used.add(id(sym.decl))
    return used


# ====================================================================== symbols: IDs and aliases


class _Symbols:
    """Every control-plane symbol of the program with its ID and alias (rules sections 3-5)."""

    def __init__(self, model: _Model) -> None:
        self.ids = IdAllocator()
        for block in model.root.walk():
            for action in block.actions:
                self._add(P4Ids.ACTION, action.name, action.decl)
            for digest in block.digests:
                self._add(P4Ids.DIGEST, digest.name, None)
            for decl, name in block.value_sets:
                self._add(P4Ids.VALUE_SET, name, decl)
            if block.extern is not None and block.extern.resource is not None:
                self._add(block.extern.resource, block.extern.name, block.extern.node)
            if block.table is not None:
                self._add(P4Ids.TABLE, block.table.name, block.table.decl)
                for prop, kinds in _TABLE_RESOURCES.items():
                    ext = block.table.resource(prop)
                    if ext is not None and ext.in_place and ext.type.name in kinds:
                        self._add(_EXTERN_KINDS[ext.type.name], ext.name, None)
        for header, _ in _controller_headers(model.program):
            self._add(P4Ids.CONTROLLER_HEADER, _plain_name(header, header.name), header)
        try:
            self.ids.ids()
        except P4InfoIdError as err:
            raise P4Error(None, str(err)) from None

    def _add(self, prefix: P4Ids, name: str, decl: ast.Annotated | None) -> None:
        explicit = _explicit_id(decl) if decl is not None else None
        try:
            self.ids.add(prefix, name, explicit)
        except P4InfoIdError as err:
            raise P4Error(decl.coord if decl is not None else None, f"{name}: {err}") from None

    def id(self, prefix: P4Ids, name: str) -> int:
        return self.ids.id_of(prefix, name)

    def alias(self, name: str) -> str:
        return self.ids.alias(name)


# table property -> extern types p4c accepts there
_TABLE_RESOURCES = {
    "implementation": ("action_profile", "action_selector"),
    "counters": ("direct_counter",),
    "meters": ("direct_meter",),
}


def _controller_headers(program: ast.Program) -> list[tuple[ast.StructLike, str]]:
    """`@controller_header("x")` header types in source order, with their annotation string."""
    found = []
    for decl in program.declarations:
        if isinstance(decl, ast.StructLike) and decl.kind == "header":
            ann = decl.annotation("controller_header")
            if ann is not None:
                label = _string_arg(ann)
                if label is None:
                    raise P4Error(ann.coord, "@controller_header needs a string argument")
                found.append((decl, label))
    return found


# ====================================================================== types


class _TypeSpecs:
    """P4 types as `P4DataTypeSpec`, recording named types in `type_info` (typeSpecConverter)."""

    def __init__(self, model: _Model, type_info: p4types_pb2.P4TypeInfo) -> None:
        self.model = model
        self.info = type_info

    # ------------------------------------------------------------------ widths and names
    def translation(self, typ: P4Type) -> tuple[str, int] | None:
        """(uri, controller width) of a `type` with `@p4runtime_translation`, else None."""
        if not isinstance(typ, NewTypeT):
            return None
        decl = self.model.type_decls.get(typ.name)
        ann = decl.annotation("p4runtime_translation") if decl is not None else None
        if ann is None or len(ann.args) != 2:
            return None
        uri, bits = ann.args
        if not isinstance(uri, ast.StringLit) or not isinstance(bits, ast.IntLit):
            raise P4Error(ann.coord, "@p4runtime_translation needs a URI string and a width")
        return uri.value, bits.value

    def width(self, typ: P4Type) -> int:
        """P4Info bitwidth of a type (p4c's getTypeWidth): controller width for translated
        types, 0 for `error`."""
        translated = self.translation(typ)
        if translated is not None:
            return translated[1]
        return width_of(typ) or 0

    def type_name(self, typ: P4Type) -> str | None:
        """`type_name` of a match field, parameter or metadata: set only for a P4 `type`."""
        return self._name_of(typ.name) if isinstance(typ, NewTypeT) else None

    def describe(self, entry: Any, typ: P4Type) -> None:
        """`bitwidth` and `type_name` of a match field, action parameter or packet metadata
        field of type `typ`, recording the named types it uses in `type_info`."""
        entry.bitwidth = self.width(typ)
        self.register(typ)
        type_name = self.type_name(typ)
        if type_name is not None:
            entry.type_name.name = type_name

    def _name_of(self, name: str) -> str:
        decl = self.model.type_decls.get(name)
        return _plain_name(decl, name) if decl is not None else name

    # ------------------------------------------------------------------ conversion
    def spec(self, typ: P4Type) -> p4types_pb2.P4DataTypeSpec:
        """The type spec of `typ`; named types also get their `type_info` entry."""
        out = p4types_pb2.P4DataTypeSpec()
        if isinstance(typ, BitsT):
            target = out.bitstring.int if typ.signed else out.bitstring.bit
            target.bitwidth = typ.width
        elif isinstance(typ, VarbitT):
            out.bitstring.varbit.max_bitwidth = typ.max_width
        elif typ == BOOL:
            out.bool.SetInParent()
        elif typ == ERROR:
            out.error.SetInParent()
            self._error()
        elif isinstance(typ, TupleT):
            out.tuple.SetInParent()
            for element in typ.elements:
                out.tuple.members.add().CopyFrom(self.spec(element))
        elif isinstance(typ, StackT):
            self.spec(typ.element)
            stack = out.header_union_stack if typ.element.kind == "header_union" else None
            if stack is not None:
                stack.header_union.name = self._struct_name(typ.element)
            else:
                stack = out.header_stack
                stack.header.name = self._struct_name(typ.element)
            stack.size = typ.size
        elif isinstance(typ, StructT):
            name = self._struct(typ)
            {"struct": out.struct, "header": out.header, "header_union": out.header_union}[
                typ.kind
            ].name = name
        elif isinstance(typ, EnumT):
            out.enum.name = self._enum(typ)
        elif isinstance(typ, SerEnumT):
            out.serializable_enum.name = self._ser_enum(typ)
        elif isinstance(typ, NewTypeT):
            out.new_type.name = self._new_type(typ)
        else:
            raise P4Error(None, f"type {typ} cannot be described in P4Info")
        return out

    def register(self, typ: P4Type) -> None:
        """Record the named types `typ` uses (p4c converts match field and parameter types
        only for this side effect)."""
        if isinstance(typ, (StructT, EnumT, SerEnumT, NewTypeT, StackT, TupleT)) or typ == ERROR:
            self.spec(typ)

    @staticmethod
    def _struct_name(typ: StructT) -> str:
        return _plain_name(typ.decl, typ.name) if typ.decl is not None else typ.name

    def _field_name(self, typ: StructT, field_name: str) -> str:
        for f in getattr(typ.decl, "fields", []):
            if f.name == field_name:
                return _plain_name(f, f.name)
        return field_name

    def _struct(self, typ: StructT) -> str:
        name = self._struct_name(typ)
        table = {
            "struct": self.info.structs,
            "header": self.info.headers,
            "header_union": self.info.header_unions,
        }[typ.kind]
        if name in table:
            return name
        entry = table[name]
        for fname, ftype in typ.fields.items():
            member = entry.members.add(name=self._field_name(typ, fname))
            if typ.kind == "header":
                member.type_spec.CopyFrom(self._header_field(ftype))
            elif typ.kind == "header_union":
                member.header.name = self._struct(ftype)
            else:
                member.type_spec.CopyFrom(self.spec(ftype))
        return name

    def _header_field(self, typ: P4Type) -> p4types_pb2.P4BitstringLikeTypeSpec:
        """A header field as a bitstring (FlattenHeader leaves only bit/int/varbit fields)."""
        out = p4types_pb2.P4BitstringLikeTypeSpec()
        if isinstance(typ, VarbitT):
            out.varbit.max_bitwidth = typ.max_width
        elif isinstance(typ, BitsT) and typ.signed:
            out.int.bitwidth = typ.width
        else:
            out.bit.bitwidth = self.width(typ)
        return out

    def _enum(self, typ: EnumT) -> str:
        name = self._name_of(typ.name)
        if name not in self.info.enums:
            entry = self.info.enums[name]
            for member in typ.members:
                entry.members.add(name=member)
        return name

    def _ser_enum(self, typ: SerEnumT) -> str:
        name = self._name_of(typ.name)
        if name not in self.info.serializable_enums:
            entry = self.info.serializable_enums[name]
            entry.underlying_type.bitwidth = typ.base.width
            for member, value in typ.members.items():
                entry.members.add(name=member, value=_value_bytes(value, typ.base.width))
        return name

    def _new_type(self, typ: NewTypeT) -> str:
        name = self._name_of(typ.name)
        if name not in self.info.new_types:
            entry = self.info.new_types[name]
            translated = self.translation(typ)
            if translated is not None:
                entry.translated_type.uri = translated[0]
                entry.translated_type.sdn_bitwidth = translated[1]
            else:
                entry.original_type.CopyFrom(self.spec(typ.base))
        return name

    def _error(self) -> None:
        if not self.info.HasField("error"):
            self.info.error.members.extend(self.model.checker.error_members)


# ====================================================================== the builder


class _Builder:
    """Emits the P4Info sections in p4c's order: blocks breadth-first, then packet metadata."""

    def __init__(self, model: _Model, symbols: _Symbols) -> None:
        self.model = model
        self.symbols = symbols
        self.p4info = p4info_pb2.P4Info()
        self.types = _TypeSpecs(model, self.p4info.type_info)
        self._actions: set[int] = set()
        self._digests: set[int] = set()
        self._profile_tables: dict[str, set[str]] = {}
        for block in model.root.walk():
            if block.table is not None:
                impl = block.table.resource("implementation")
                if impl is not None:
                    self._profile_tables.setdefault(impl.name, set()).add(block.table.name)

    def build(self) -> p4info_pb2.P4Info:
        for block in self.model.root.walk():
            if block.kind == "control":
                for action in block.actions:
                    self._action(action)
                for digest in block.digests:
                    self._digest(digest)
            elif block.extern is not None:
                self._extern(block.extern)
            elif block.table is not None:
                _TableBuilder(self, block.table).build()
            for decl, name in block.value_sets:
                self._value_set(decl, name)
        for header, label in _controller_headers(self.model.program):
            self._controller_header(header, label)
        self._pkg_info()
        self.p4info.type_info.SetInParent()
        return self.p4info

    # ------------------------------------------------------------------ shared helpers
    def preamble(
        self,
        preamble: p4info_pb2.Preamble,
        prefix: P4Ids,
        name: str,
        node: ast.Annotated | None,
        skip: Iterable[str] = (),
    ) -> None:
        p4_id = self.symbols.id(prefix, name)
        _set_preamble(preamble, p4_id, name, self.symbols.alias(name), node, skip)

    def ctor_arg(self, ext: _Extern, param: str) -> ast.Expr | None:
        """The constructor argument of `ext` bound to parameter `param`."""
        ctors = [c for c in ext.type.decl.constructors if len(c.params) >= len(ext.args)]
        if not ctors:
            return None
        names = [p.name for p in ctors[0].params]
        for position, arg in enumerate(ext.args):
            bound = arg.name if arg.name is not None else names[position]
            if bound == param:
                return arg.value
        return None

    def const_int(self, expr: ast.Expr | None, what: str) -> int:
        value = self.model.const(expr)
        if not isinstance(value, int) or isinstance(value, bool):
            raise P4Error(expr.coord if expr is not None else None, f"{what} must be a constant")
        return value

    def unit(self, ext: _Extern, units: dict[str, int]) -> int:
        value = self.model.const(self.ctor_arg(ext, "type"))
        member = value[1] if isinstance(value, tuple) else None
        return units.get(member, 0)

    def index_type_name(self, ext: _Extern) -> str | None:
        """For the V1MODEL_VERSION >= 20200408 externs indexed by a P4 `type`."""
        index = ext.type.bindings().get("I")
        return self.types.type_name(index) if index is not None else None

    # ------------------------------------------------------------------ actions
    def _action(self, action: _Action) -> None:
        decl = action.decl
        if _is_hidden(decl):
            return
        p4_id = self.symbols.id(P4Ids.ACTION, action.name)
        if p4_id in self._actions:
            return
        self._actions.add(p4_id)
        out = self.p4info.actions.add()
        self.preamble(out.preamble, P4Ids.ACTION, action.name, decl)
        params = action.data_params
        for param, param_id in zip(params, _field_ids(params, decl.coord), strict=True):
            entry = out.params.add(id=param_id, name=_plain_name(param, param.name))
            _add_annotations(entry, param)
            self.types.describe(entry, param.type_ref.resolved)

    def _digest(self, digest: _Digest) -> None:
        p4_id = self.symbols.id(P4Ids.DIGEST, digest.name)
        if p4_id in self._digests:
            return
        self._digests.add(p4_id)
        out = self.p4info.digests.add()
        self.preamble(out.preamble, P4Ids.DIGEST, digest.name, None)
        out.type_spec.CopyFrom(self.types.spec(digest.type))

    # ------------------------------------------------------------------ extern instances
    def _extern(self, ext: _Extern) -> None:
        kind = ext.type.name
        if kind in ("action_profile", "action_selector"):
            self.action_profile(ext)
        elif kind in ("counter", "meter", "register"):
            out = self._extern_entry(ext)
            out.size = self.const_int(self.ctor_arg(ext, "size"), f"{kind} size")
            index_type = self.index_type_name(ext)
            if index_type is not None:
                out.index_type_name.name = index_type

    def _extern_entry(self, ext: _Extern) -> Any:
        """A new entry of the counter, meter or register section (direct ones too) with its
        preamble and its unit (or, for a register, its type spec)."""
        section, units = _EXTERN_SECTIONS[ext.type.name]
        out = getattr(self.p4info, section).add()
        self.preamble(out.preamble, _EXTERN_KINDS[ext.type.name], ext.name, ext.node)
        if units is None:
            out.type_spec.CopyFrom(self.types.spec(ext.type.type_args[0]))
        else:
            out.spec.unit = self.unit(ext, units)
        return out

    def action_profile(self, ext: _Extern) -> None:
        out = self.p4info.action_profiles.add()
        self.preamble(out.preamble, P4Ids.ACTION_PROFILE, ext.name, ext.node, ["max_group_size"])
        tables = sorted(self._profile_tables.get(ext.name, ()), key=lambda n: n.encode())
        out.table_ids.extend(self.symbols.id(P4Ids.TABLE, t) for t in tables)
        selector = ext.type.name == "action_selector"
        out.with_selector = selector
        out.size = self.const_int(self.ctor_arg(ext, "size"), "action profile size")
        max_group = ext.node.annotation("max_group_size")
        if max_group is not None and selector:
            value = _int_arg(max_group)
            if value is None:
                raise P4Error(max_group.coord, "@max_group_size needs an integer")
            out.max_group_size = value

    def direct_resource(self, ext: _Extern, table_name: str) -> int:
        """Emit a table's direct counter or meter; returns its ID for `direct_resource_ids`."""
        out = self._extern_entry(ext)
        out.direct_table_id = self.symbols.id(P4Ids.TABLE, table_name)
        return out.preamble.id

    # ------------------------------------------------------------------ parsers, packet io
    def _value_set(self, decl: ast.ValueSetDecl, name: str) -> None:
        out = self.p4info.value_sets.add()
        self.preamble(out.preamble, P4Ids.VALUE_SET, name, decl)
        out.size = self.const_int(decl.size, "value_set size")
        element = decl.element.resolved
        if isinstance(element, BitsT):
            out.match.add(id=1, bitwidth=element.width, match_type=p4info_pb2.MatchField.EXACT)
        elif isinstance(element, StructT) and element.decl is not None:
            fields = element.decl.fields
            for f, field_id in zip(fields, _field_ids(fields, decl.coord), strict=True):
                ftype = f.type_ref.resolved
                if not isinstance(ftype, BitsT):
                    raise P4Error(
                        f.coord,
                        "Unsupported type argument for Value Set; this version of P4Runtime "
                        "requires that when the type parameter of a Value Set is a struct, all "
                        f"the fields of the struct must be of type bit<W>, but {f.name} is not",
                    )
                match = out.match.add(
                    id=field_id, name=_plain_name(f, f.name), bitwidth=ftype.width
                )
                _set_match_kind(match, _match_annotation(f), f.coord)
                _add_annotations(match, f, skip=["match"])
        elif isinstance(element, SerEnumT):
            for index, member in enumerate(element.members, start=1):
                out.match.add(
                    id=index,
                    name=member,
                    bitwidth=element.base.width,
                    match_type=p4info_pb2.MatchField.EXACT,
                )
        else:
            raise P4Error(
                decl.coord,
                "Unsupported type argument for Value Set; this version of P4Runtime requires "
                "the type parameter of a Value Set to be a bit<W>, a struct of bit<W> fields, "
                "or a serializable enum",
            )

    def _controller_header(self, header: ast.StructLike, label: str) -> None:
        if _is_hidden(header):
            return
        out = self.p4info.controller_packet_metadata.add()
        p4_id = self.symbols.id(P4Ids.CONTROLLER_HEADER, _plain_name(header, header.name))
        _set_preamble(out.preamble, p4_id, label, label, header)
        fields = header.fields
        for f, field_id in zip(fields, _field_ids(fields, header.coord), strict=True):
            if _is_hidden(f):
                continue
            entry = out.metadata.add(id=field_id, name=_plain_name(f, f.name))
            _add_annotations(entry, f, with_doc=False)
            self.types.describe(entry, f.type_ref.resolved)

    def _pkg_info(self) -> None:
        info = self.p4info.pkg_info
        info.arch = "v1model"
        main = self.model.main
        if main is None:
            return
        pkginfo = main.annotation("pkginfo")
        if pkginfo is not None:
            for key, value in pkginfo.kv.items():
                if key in ("name", "version", "organization", "contact", "url", "arch"):
                    if not isinstance(value, ast.StringLit):
                        raise P4Error(
                            value.coord,
                            f"Value for '{key}' key in @pkginfo annotation is not a string",
                        )
                    setattr(info, key, value.value)
        _add_annotations(info, main, skip=["pkginfo"])


def _field_ids(elements: list[Any], coord: Coord | None) -> list[int]:
    """IDs of match fields, parameters or header fields (p4c's FieldIdAllocator)."""
    try:
        return allocate_field_ids([_explicit_id(e) for e in elements])
    except P4InfoIdError as err:
        raise P4Error(coord, str(err)) from None


def _match_annotation(f: ast.Field) -> str | None:
    ann = f.annotation("match")
    if ann is None:
        return None
    if len(ann.args) != 1 or not isinstance(ann.args[0], ast.Name):
        raise P4Error(ann.coord, "@match needs a match kind")
    return ann.args[0].name


def _set_match_kind(match: p4info_pb2.MatchField, kind: str | None, coord: Coord | None) -> None:
    """EXACT by default, a standard match type, or `other_match_type` for the rest."""
    if kind is None:
        match.match_type = p4info_pb2.MatchField.EXACT
    elif kind in _MATCH_TYPES:
        match.match_type = _MATCH_TYPES[kind]
    elif kind == "selector":
        raise P4Error(coord, f"unsupported match type {kind} for Value Set '@match' annotation")
    else:
        match.other_match_type = kind


class _TableBuilder:
    """One `tables` entry, plus the in-place action profile and direct resources it brings."""

    def __init__(self, builder: _Builder, table: _Table) -> None:
        self.builder = builder
        self.table = table
        self.decl = table.decl

    def build(self) -> None:
        if _is_hidden(self.decl):
            return
        out = self.builder.p4info.tables.add()
        self.builder.preamble(out.preamble, P4Ids.TABLE, self.table.name, self.decl)
        self._match_fields(out)
        self._action_refs(out)
        self._default_action(out)
        self._resources(out)
        size_prop = self.decl.prop("size")
        size = 0
        if size_prop is not None:
            size = self.builder.const_int(size_prop.value, "table size")
        out.size = size or DEFAULT_TABLE_SIZE
        timeout = self.decl.prop("support_timeout")
        if timeout is not None and self.builder.model.const(timeout.value) is True:
            out.idle_timeout_behavior = p4info_pb2.Table.NOTIFY_CONTROL
        entries = self.decl.prop("entries")
        if entries is not None:
            out.is_const_table = entries.is_const
            out.has_initial_entries = bool(entries.entries)

    def _action_id(self, decl: ast.ActionDecl) -> int:
        return self.builder.symbols.id(P4Ids.ACTION, self.table.action_name(decl))

    def _match_fields(self, out: p4info_pb2.Table) -> None:
        key = self.decl.prop("key")
        keys = key.keys if key is not None else []
        for element, field_id in zip(keys, _field_ids(keys, self.decl.coord), strict=True):
            if element.match_kind == "selector":
                continue
            match = out.match_fields.add(id=field_id, name=_key_name(element, self.builder.model))
            _add_annotations(match, element)
            _set_match_kind(match, element.match_kind, element.coord)
            self.builder.types.describe(match, element.expr.type)

    def _action_refs(self, out: p4info_pb2.Table) -> None:
        refs = list(self.decl.prop("actions").actions)
        no_action = self.builder.model.no_action
        implicit = self.decl.prop("default_action") is None and not any(
            r.decl is no_action for r in refs
        )
        for ref in refs:
            entry = out.action_refs.add(id=self._action_id(ref.decl))
            _add_annotations(entry, ref, with_doc=False)
            table_only = ref.annotation("tableonly") is not None
            default_only = ref.annotation("defaultonly") is not None
            if table_only and default_only:
                raise P4Error(
                    ref.coord,
                    f"Table '{self.table.name}' has an action reference ('{ref.name}') which is "
                    "annotated with both '@tableonly' and '@defaultonly'",
                )
            if table_only:
                entry.scope = p4info_pb2.ActionRef.TABLE_ONLY
            elif default_only:
                entry.scope = p4info_pb2.ActionRef.DEFAULT_ONLY
        if implicit and no_action is not None:
            # CreateBuiltins appends `@defaultonly NoAction` for the implicit default action
            entry = out.action_refs.add(id=self._action_id(no_action))
            entry.annotations.append("@defaultonly")
            entry.scope = p4info_pb2.ActionRef.DEFAULT_ONLY

    def _default_action(self, out: p4info_pb2.Table) -> None:
        prop = self.decl.prop("default_action")
        if prop is None or not isinstance(prop.value, ast.ActionRef):
            no_action = self.builder.model.no_action
            if no_action is not None:
                out.initial_default_action.action_id = self._action_id(no_action)
            return
        ref = prop.value
        action_id = self._action_id(ref.decl)
        if prop.is_const:
            out.const_default_action_id = action_id
        initial = out.initial_default_action
        initial.action_id = action_id
        for index, (param, expr) in enumerate(_data_arguments(ref), start=1):
            value = self.builder.model.const(expr)
            if not isinstance(value, int):
                raise P4Error(ref.coord, "default action arguments must be constants")
            width = self.builder.types.width(param.type_ref.resolved)
            initial.arguments.add(param_id=index, value=_value_bytes(int(value), width))

    def _resources(self, out: p4info_pb2.Table) -> None:
        """`implementation_id` and `direct_resource_ids` (addTableProperties)."""
        for prop_name, kinds in _TABLE_RESOURCES.items():
            ext = self.table.resource(prop_name)
            if ext is None:
                continue
            if ext.type.name not in kinds:
                wanted = " or ".join(k.replace("_", " ") for k in kinds)
                raise P4Error(self.decl.prop(prop_name).coord, f"Expected a {wanted}: {ext.name}")
            if prop_name == "implementation":
                out.implementation_id = self.builder.symbols.id(P4Ids.ACTION_PROFILE, ext.name)
                if ext.in_place:
                    self.builder.action_profile(ext)
            else:
                out.direct_resource_ids.append(self.builder.direct_resource(ext, self.table.name))


def _data_arguments(ref: ast.ActionRef) -> list[tuple[ast.Param, ast.Expr | None]]:
    """The control-plane parameters of a default action with the value each one gets.

    Arguments may be named, may include the directional ones (then they cover every
    parameter), and may be left out for parameters with a default value (DefaultArguments).
    """
    data = [p for p in ref.decl.params if not p.direction]
    if any(a.name is not None for a in ref.args):
        given = {a.name: a.value for a in ref.args}
    else:
        params = ref.decl.params if len(ref.args) > len(data) else data
        given = {p.name: a.value for p, a in zip(params, ref.args, strict=False)}
    return [(p, given[p.name] if p.name in given else p.default) for p in data]


# ====================================================================== key names


def _key_name(key: ast.KeyElement, model: _Model) -> str:
    """The match field name: the key's `@name`, or one generated from the expression as
    p4c's TableKeyNames does."""
    given = _string_arg(key.annotation("name"))
    if given is not None:
        return given
    name = _key_expr_name(key.expr, model)
    if name is None:
        raise P4Error(key.expr.coord, "Complex key expression requires a @name annotation")
    return name


def _key_expr_name(e: ast.Expr, model: _Model) -> str | None:
    if isinstance(e, ast.Name):
        sym = e.decl
        if isinstance(sym, Symbol) and sym.kind == "const":
            # the first constant folding replaces a constant by its initializer
            init = getattr(sym.decl, "value", None)
            text = init.text if isinstance(init, ast.IntLit) else str(sym.value)
            return _int_text(int(sym.value), text) if isinstance(sym.value, int) else None
        return ("." if e.top_level else "") + e.name
    if isinstance(e, ast.IntLit):
        return _int_text(e.value, e.text or str(e.value))
    if isinstance(e, ast.Member):
        member = e.member
        base_type = e.expr.type
        if isinstance(base_type, StructT) and base_type.decl is not None:
            for f in base_type.decl.fields:
                if f.name == member:
                    member = _external_name(f, f.name)
        if member.startswith("."):
            return member[1:]
        base = _key_expr_name(e.expr, model)
        return f"{base}.{member}" if base is not None else None
    if isinstance(e, ast.Call) and isinstance(e.callee, ast.Member) and not e.args:
        if e.callee.member == "isValid":
            base = _key_expr_name(e.callee.expr, model)
            return f"{base}.$valid$" if base is not None else None
        return None
    if isinstance(e, ast.Index):
        parts = [_key_expr_name(e.expr, model), _key_expr_name(e.index, model)]
        return None if None in parts else f"{parts[0]}[{parts[1]}]"
    if isinstance(e, ast.Slice):
        parts = [_key_expr_name(x, model) for x in (e.expr, e.hi, e.lo)]
        return None if None in parts else f"{parts[0]}[{parts[1]}:{parts[2]}]"
    if isinstance(e, ast.Binary) and e.op == "&":
        parts = [_key_expr_name(e.left, model), _key_expr_name(e.right, model)]
        return None if None in parts else f"{parts[0]} & {parts[1]}"
    return None

"""IR -> Python source: one generated module per loaded program.

Why generate code: an interpreter walking the IR per packet spends most of its time dispatching
on node kinds; Python code compiled once per `SetForwardingPipelineConfig` runs each P4
statement as a handful of bytecodes. The generated module has one function, `build(rt)`, which
defines the type classes and one Python function per parser, control, action, table and
function, all closures over the run-time objects in `rt` (tables, externs, helpers).

Semantics follow v1model as BMv2 implements it:
- values: see `values.py`; every expression yields the canonical form of its type (unsigned
  values masked to their width, signed ones wrapped), so statements never re-normalise.
- copy-in/copy-out: composite `inout`/`out` arguments of actions and functions are copied in
  and assigned back after the call; sub-controls and sub-parsers get composites by reference
  (they cannot see the caller's variables, so only copy timing could differ, and p4c's inliner
  does the same). Scalar `out`/`inout` values come back in the returned tuple.
- `exit` raises `ExitSignal`; parser errors raise `P4ParserError` (caught by the architecture).
- fields of invalid headers are left out of `hash`/checksum data, as BMv2 does.
- `setValid()` on an invalid header zeroes its fields (BMv2's `add_header` resets them);
  assigning an invalid header only invalidates the target (`assign_header`); a union member
  made valid by assignment invalidates its siblings.
- a table hit executes its direct meter and writes the colour into the field the actions pass
  to `read()`, before the action runs and whichever it is (BMv2 `apply_action`); a hit on an
  action-selector group without members runs no action at all.
- a hit in a table with `support_timeout = true` records the switch clock in the entry's
  `last_hit` (BMv2 `update_ts`), which the P4Runtime server's ageing sweep reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from p4sim.executor import values
from p4sim.executor.program import (
    Naming,
    Node,
    Program,
    TypeJ,
    annotation,
    bad_config,
    bind_arguments,
    bits_of,
    const_value,
    plain_name,
    walk,
)
from p4sim.executor.resources import (
    FieldListSpec,
    Resources,
    TableSpecBuilder,
)
from p4sim.executor.types import (
    TypeClasses,
    class_name,
    default_value,
    is_composite,
    slot,
)
from p4sim.runtime import hashes
from p4sim.runtime.errors import RuntimeApiError

INDENT = "    "
DROP_PORT = 511


# ---------------------------------------------------------------------------------- scopes
class Fn:
    """A Python function being generated (its lines are indented relative to its body)."""

    def __init__(self, parent: Fn | None, kind: str) -> None:
        self.parent = parent
        self.kind = kind
        self.lines: list[str] = []
        self.depth = 0
        self.nonlocals: set[str] = set()
        self.outs: list[str] = []  # python names of scalar out/inout params, in order
        self.returns_value = False

    def emit(self, line: str) -> None:
        self.lines.append(INDENT * self.depth + line)

    def nest(self, header: str, child: Fn) -> None:
        """Insert `child` as a nested def under `header` at the current depth."""
        self.emit(header)
        body = list(child.lines)
        if child.nonlocals:
            body.insert(0, "nonlocal " + ", ".join(sorted(child.nonlocals)))
        if not body:
            body = ["pass"]
        self.lines.extend(INDENT * (self.depth + 1) + line for line in body)

    def return_statement(self, value: str | None = None) -> str:
        if self.outs:
            return f"return ({value or 'None'}, {', '.join(self.outs)})"
        return f"return {value}" if value is not None else "return"


@dataclass
class Var:
    py: str
    t: TypeJ
    owner: Fn | None


@dataclass
class ActionB:
    py: str
    cp_name: str
    decl: Node


@dataclass
class TableB:
    py: str
    spec: Any


@dataclass
class ExternB:
    py: str
    type_name: str
    cp_name: str
    decl: Node
    t: TypeJ


@dataclass
class BlockB:
    py: str
    decl: Node


@dataclass
class FunctionB:
    py: str
    decl: Node


@dataclass
class PacketB:
    py: str
    direction: str  # in | out


@dataclass
class ValueSetB:
    py: str


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.names: dict[str, Any] = {}

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        raise bad_config(f"unresolved name {name!r}")

    def root(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclass
class BlockCtx:
    """What the code of one parser/control instance needs to know about where it is."""

    naming: Naming
    fn: Fn
    scope: Scope
    arch_roots: dict[str, str] = field(default_factory=dict)  # 'meta'/'sm' -> python name


# ---------------------------------------------------------------------------------- codegen
class CodeGen:
    """Generates the module for one program; `resources` describes the run-time objects."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.resources = Resources()
        self._names = 0
        self.module = Fn(None, "module")
        self.globals = Scope()
        self.block: BlockCtx | None = None
        self.fn = self.module
        self.scope = self.globals

    # ------------------------------------------------------------------ helpers
    def fresh(self, hint: str) -> str:
        self._names += 1
        clean = "".join(c if c.isalnum() else "_" for c in hint)
        return f"{clean}_{self._names}"

    def emit(self, line: str) -> None:
        self.fn.emit(line)

    def source(self) -> str:
        """The whole module text."""
        lines = ["def build(rt):"]
        lines.extend(INDENT + line for line in self.module.lines)
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ the program
    def generate(self) -> str:
        m = self.module
        for helper in RUNTIME_NAMES:
            m.emit(f"{helper} = rt.{helper}")
        m.lines.extend(TypeClasses(self.prog).source())
        self._error_codes()
        for decl in self.prog.decls:
            kind = decl["node"]
            if kind == "ConstDecl":
                py = self.fresh("K_" + decl["name"])
                m.emit(f"{py} = {self.expr(decl['value'], decl['type_ref']['resolved'])}")
                self.globals.names[decl["name"]] = Var(py, decl["type_ref"]["resolved"], None)
            elif kind == "FunctionDecl":
                self._function(decl)
            elif kind == "ActionDecl":
                self.globals.names[decl["name"]] = ("global_action", decl)
            elif kind == "Instantiation":
                t = decl["type_ref"]["resolved"]
                if t["t"] == "extern":
                    self._extern_instance(decl, plain_name(decl), t)
        blocks = self.prog.main_blocks()
        entry: dict[str, str] = {}
        for role in ("p", "vr", "ig", "eg", "ck", "dep"):
            if role not in blocks:
                raise bad_config(f"V1Switch argument {role} is missing")
            decl, naming, args = blocks[role]
            entry[role] = self._block_instance(decl, naming, args, top_level=True)
        parser_decl = blocks["p"][0]
        hdr_t = parser_decl["params"][1]["type_ref"]["resolved"]
        meta_t = parser_decl["params"][2]["type_ref"]["resolved"]
        self.resources.headers_type = hdr_t["name"]
        self.resources.meta_type = meta_t["name"]
        self._field_lists(meta_t)
        m.emit(
            "return {"
            + ", ".join(f"{role!r}: {py}" for role, py in entry.items())
            + f", 'new_headers': {class_name(hdr_t['name'])}"
            + f", 'new_meta': {class_name(meta_t['name'])}"
            + f", 'new_sm': {class_name('standard_metadata_t')}"
            + "}"
        )
        return self.source()

    def _error_codes(self) -> None:
        self.resources.errors = list(self.prog.errors)

    def _field_lists(self, meta_t: TypeJ) -> None:
        """`@field_list(N)` annotations on user metadata fields -> preserved field lists."""

        def visit(t: TypeJ, path: tuple[str, ...]) -> None:
            for name, ft, node in self.prog.fields(t):
                here = (*path, slot(name))
                if ft["t"] == "struct":
                    visit(ft, here)
                ann = annotation(node, "field_list")
                if ann is None:
                    continue
                for arg in ann["args"]:
                    index = const_value(arg, self.prog)
                    spec = self.resources.field_lists.setdefault(index, FieldListSpec())
                    spec.meta_paths.append(here)

        visit(meta_t, ())

    # ------------------------------------------------------------------ instances
    def _extern_instance(self, decl: Node, cp_name: str, t: TypeJ) -> ExternB:
        py = self.fresh("X_" + decl["name"])
        args = [const_value(v, self.prog) if v is not None else None for _, v in
                bind_arguments(self._ctor_params(t["name"], decl["args"]), decl["args"])]
        self.resources.add_extern(cp_name, t, args, decl)
        kind = t["name"]
        if kind in ("register", "counter", "meter", "action_profile", "action_selector",
                    "direct_counter", "direct_meter", "Checksum16"):
            self.module.emit(f"{py} = rt.instance({cp_name!r})")
        b = ExternB(py, kind, cp_name, decl, t)
        (self.block.scope if self.block else self.globals).names[decl["name"]] = b
        return b

    def _ctor_params(self, extern_name: str, args: list[Node]) -> list[Node]:
        decl = self.prog.externs.get(extern_name)
        if decl is None:
            raise bad_config(f"unknown extern {extern_name}")
        for ctor in decl["constructors"]:
            if len(ctor["params"]) >= len(args):
                return ctor["params"]
        return decl["constructors"][0]["params"] if decl["constructors"] else []

    def _block_instance(
        self, decl: Node, naming: Naming, ctor_args: list[Node], top_level: bool = False
    ) -> str:
        """Generate the function of one parser/control instance; returns its python name."""
        py = self.fresh(("P_" if decl["node"] == "ParserDecl" else "B_") + ".".join(
            (naming.outer, *naming.inner)))
        fn = Fn(self.module, decl["node"])
        scope = Scope(self.globals)
        saved = (self.block, self.fn, self.scope)
        block = BlockCtx(naming, fn, scope)
        self.block, self.fn, self.scope = block, fn, scope
        params = []
        for p in decl["params"]:
            t = p["type_ref"]["resolved"]
            if t["t"] == "extern" and t["name"] in ("packet_in", "packet_out"):
                pyp = "pk" if t["name"] == "packet_in" else "out"
                scope.names[p["name"]] = PacketB(pyp, "in" if t["name"] == "packet_in" else "out")
                params.append(pyp)
                continue
            pyp = self.fresh("p_" + p["name"])
            scope.names[p["name"]] = Var(pyp, t, fn)
            params.append(pyp)
            if not is_composite(t) and p.get("direction") in ("out", "inout"):
                fn.outs.append(pyp)
            if top_level and t["t"] == "struct":
                if t["name"] == "standard_metadata_t":
                    block.arch_roots["sm"] = pyp
                elif t["name"] == self.resources.meta_type or p["name"] in ("meta", "m"):
                    block.arch_roots.setdefault("meta", pyp)
        for p, value in bind_arguments(decl.get("ctor_params", []), ctor_args):
            py_c = self.fresh("c_" + p["name"])
            fn.emit(f"{py_c} = {self.expr(value) if value is not None else 'None'}")
            scope.names[p["name"]] = Var(py_c, p["type_ref"]["resolved"], fn)
        if decl["node"] == "ParserDecl":
            self._parser_body(decl)
        else:
            self._control_body(decl)
        if fn.outs:
            fn.emit(fn.return_statement())
        self.block, self.fn, self.scope = saved
        self.module.nest(f"def {py}({', '.join([*params, 'ctx'])}):", fn)
        return py

    def _locals(self, decl: Node) -> None:
        """Declare a parser's/control's locals (variables, instances, actions, tables)."""
        naming = self.block.naming
        for local in decl["locals"]:
            kind = local["node"]
            if kind in ("VarDecl", "ConstDecl"):
                self.stmt(local)
            elif kind == "Instantiation":
                t = local["type_ref"]["resolved"]
                if t["t"] == "extern":
                    self._extern_instance(local, naming.local(local), t)
                else:
                    sub = self.prog.globals[t["name"]]
                    py = self._block_instance(sub, naming.nested(local), local["args"])
                    self.scope.names[local["name"]] = BlockB(py, sub)
            elif kind == "ValueSetDecl":
                py = self.fresh("VS_" + local["name"])
                cp = naming.local(local)
                elem_t = local["element"]["resolved"]
                size = const_value(local["size"], self.prog)
                self.resources.add_value_set(cp, elem_t, size, self.prog)
                self.module.emit(f"{py} = rt.instance({cp!r})")
                self.scope.names[local["name"]] = ValueSetB(py)
            elif kind == "ActionDecl":
                self._action(local, naming.local(local))
            elif kind == "TableDecl":
                self._table(local)

    # ------------------------------------------------------------------ parsers
    def _parser_body(self, decl: Node) -> None:
        self._locals(decl)
        states = {s["name"]: i for i, s in enumerate(decl["states"])}
        fn = self.fn
        fn.emit(f"st = {states.get('start', 0)}")
        fn.emit("while True:")
        fn.depth += 1
        for i, state in enumerate(decl["states"]):
            fn.emit(f"{'if' if i == 0 else 'elif'} st == {i}:")
            fn.depth += 1
            fn.emit(f"if tr: tr('parser state {state['name']}')")
            for s in state["stmts"]:
                self.stmt(s)
            self._transition(state["transition"], states)
            fn.depth -= 1
        fn.depth -= 1

    def _goto(self, target: str, states: dict[str, int]) -> None:
        if target == "accept":
            self.emit("return" if not self.fn.outs else self.fn.return_statement())
        elif target == "reject":
            self.emit("raise P4ParserError(None)")
        else:
            self.emit(f"st = {states[target]}")
            self.emit("continue")

    def _transition(self, tr: Node, states: dict[str, int]) -> None:
        if not tr["select"]:
            self._goto(tr["state"], states)
            return
        keys = []
        for i, k in enumerate(tr["select"]):
            py = f"k{i}"
            self.emit(f"{py} = {self.key_value(k)}")
            keys.append((py, k["type"]))
        first = True
        default_target = None
        for case in tr["cases"]:
            conds = self._keyset_conditions(case["keyset"], keys)
            if conds is None:
                default_target = case["state"]
                break
            self.emit(f"{'if' if first else 'elif'} {' and '.join(conds) or 'True'}:")
            first = False
            self.fn.depth += 1
            self._goto(case["state"], states)
            self.fn.depth -= 1
        if default_target is not None:
            if first:
                self._goto(default_target, states)
                return
            self.emit("else:")
            self.fn.depth += 1
            self._goto(default_target, states)
            self.fn.depth -= 1
        else:
            self.emit("raise P4ParserError('NoMatch')")

    def _keyset_conditions(
        self, keyset: list[Node], keys: list[tuple[str, TypeJ]]
    ) -> list[str] | None:
        if len(keyset) == 1 and keyset[0]["node"] in ("Default", "DontCare"):
            return None
        if len(keyset) == 1 and keyset[0]["node"] == "Name" and isinstance(
            self.scope.lookup(keyset[0]["name"]), ValueSetB
        ):
            vs = self.scope.lookup(keyset[0]["name"])
            return [f"{vs.py}.contains(({''.join(k + ', ' for k, _ in keys)}))"]
        if len(keyset) == 1 and keyset[0]["node"] == "ListExpr" and len(keys) > 1:
            keyset = keyset[0]["items"]
        conds = []
        for (k, kt), ks in zip(keys, keyset, strict=True):
            conds.extend(self._match_condition(k, kt, ks))
        return conds

    def _match_condition(self, k: str, kt: TypeJ, ks: Node) -> list[str]:
        kind = ks["node"]
        if kind in ("Default", "DontCare"):
            return []
        if kind == "Mask":
            mask = self.key_value(ks["mask"], kt)
            return [f"({k} & {mask}) == ({self.key_value(ks['value'], kt)} & {mask})"]
        if kind == "Range":
            return [f"{self.key_value(ks['lo'], kt)} <= {k} <= {self.key_value(ks['hi'], kt)}"]
        return [f"{k} == {self.key_value(ks, kt)}"]

    # ------------------------------------------------------------------ controls
    def _control_body(self, decl: Node) -> None:
        self._global_actions(decl)
        self._locals(decl)
        self.stmt(decl["body"])

    def _global_actions(self, control: Node) -> None:
        """Top-level actions the control names become closures of it (p4c's
        LocalizeAllActions); the others would only cost a function definition per packet."""
        named = {n.get("name") for n in walk(control)}
        for d in self.prog.decls:
            if d["node"] == "ActionDecl" and d["name"] in named:
                saved = self.scope
                self.scope = Scope(self.globals)
                self._action(d, plain_name(d), register_in=saved)
                self.scope = saved

    def _action(self, decl: Node, cp_name: str, register_in: Scope | None = None) -> None:
        py = self.fresh("a_" + decl["name"])
        binding = ActionB(py, cp_name, decl)
        (register_in or self.scope).names[decl["name"]] = binding
        self._callable_body(py, decl, "action")

    def _function(self, decl: Node) -> None:
        py = self.fresh("fn_" + decl["name"])
        self.globals.names[decl["name"]] = FunctionB(py, decl)
        saved = (self.fn, self.scope)
        self.fn, self.scope = self.module, self.globals
        self._callable_body(py, decl, "function", extra=("ctx",))
        self.fn, self.scope = saved

    def _callable_body(self, py: str, decl: Node, kind: str, extra: tuple[str, ...] = ()) -> None:
        parent = self.fn
        fn = Fn(parent, kind)
        scope = Scope(self.scope)
        params = []
        for p in decl["params"]:
            t = p["type_ref"]["resolved"]
            pyp = self.fresh("x_" + p["name"])
            scope.names[p["name"]] = Var(pyp, t, fn)
            params.append(pyp)
            if not is_composite(t) and p.get("direction") in ("out", "inout"):
                fn.outs.append(pyp)
        fn.returns_value = kind == "function" and decl["return_type"]["resolved"]["t"] != "void"
        saved = (self.fn, self.scope)
        self.fn, self.scope = fn, scope
        if kind == "action":
            fn.emit(f"if tr: tr('action {decl['name']}')")
        self.stmt(decl["body"])
        if fn.outs:
            fn.emit(fn.return_statement())
        self.fn, self.scope = saved
        parent.nest(f"def {py}({', '.join([*params, *extra])}):", fn)

    # ------------------------------------------------------------------ tables
    def _table(self, decl: Node) -> None:
        naming = self.block.naming
        cp_name = naming.local(decl)
        builder = TableSpecBuilder(self, decl, cp_name)
        spec = builder.build()
        self.resources.tables.append(spec)
        py_t = self.fresh("T_" + decl["name"])
        self.module.emit(f"{py_t} = rt.table({cp_name!r})")
        py = self.fresh("t_" + decl["name"])
        self.scope.names[decl["name"]] = TableB(py, spec)
        fn = Fn(self.fn, "table")
        saved = (self.fn, self.scope)
        self.fn = fn
        keys = [self.key_value(k["expr"]) for k in builder.match_keys]
        fn.emit(f"e = {py_t}.lookup(({''.join(k + ', ' for k in keys)}))")
        fn.emit("if e is None:")
        fn.emit(f"    a = {py_t}.default_action")
        fn.emit("    hit = False")
        fn.emit(f"    if tr: tr('table {cp_name}: miss, default ' + a.name + str(a.args))")
        fn.emit("else:")
        fn.depth += 1
        fn.emit("hit = True")
        fn.emit(
            f"if tr: tr('table {cp_name}: hit ' + str(e.match) + ' priority ' + str(e.priority))"
        )
        if spec.supports_timeout:
            # BMv2 stamps the entry with the packet's time on every hit (idle timeout); only
            # tables declared with `support_timeout = true` pay for it
            fn.emit("e.last_hit = ctx.switch.clock()")
        if spec.direct_counter:
            fn.emit("c = e.counter")
            fn.emit("c.packets += 1")
            fn.emit("c.bytes += ctx.packet_length")
        if spec.direct_meter:
            self._direct_meter_result(spec.direct_meter, builder)
        if spec.implementation:
            if builder.selector_keys:
                from p4sim.executor.v1model import DataFields

                data = {"node": "ListExpr", "items": [k["expr"] for k in builder.selector_keys]}
                py_h = self.fresh("SELHASH")
                algo = spec.selector_algorithm
                self.module.emit(f"{py_h} = make_calculation({algo!r})")
                fn.emit(f"h = {py_h}({DataFields(self).packed_code(data)})")
            else:
                fn.emit("h = 0")
            fn.emit(f"a = {py_t}.profile.choose(e, h)")
            # BMv2 runs no action at all for a group without active members (still a hit)
            fn.emit("if a is None:")
            fn.emit(f"    if tr: tr('table {cp_name}: group without members, no action')")
            fn.emit("    return hit, None")
        else:
            fn.emit("a = e.action")
        fn.depth -= 1
        fn.emit("n = a.name")
        first = True
        for ref, action_b in builder.action_bindings:
            fn.emit(f"{'if' if first else 'elif'} n == {action_b.cp_name!r}:")
            first = False
            fn.depth += 1
            self._call_action_from_table(action_b, ref)
            fn.depth -= 1
        fn.emit("return hit, n")
        self.fn, self.scope = saved
        self.fn.nest(f"def {py}():", fn)

    def _direct_meter_result(self, meter: str, builder: TableSpecBuilder) -> None:
        """On a hit BMv2 executes the table's direct meter and writes the colour into the field
        its actions pass to `read()` before running the action, whichever action it is. When
        that field cannot be named here (an action-local target), `read()` copies the colour."""
        color = "e.meter.execute(ctx.packet_length) if e.meter is not None else 0"
        target = self._direct_meter_target(meter, builder)
        if target is not None:
            try:
                self.assign(target, f"({color})", target["type"])
            except RuntimeApiError:
                pass  # not reachable from the table: read() assigns it from ctx.dm
            else:
                return
        self.emit(f"ctx.set_meter_colour({meter!r}, {color})")

    def _direct_meter_target(self, meter: str, builder: TableSpecBuilder) -> Node | None:
        for _, action_b in builder.action_bindings:
            for node in walk(action_b.decl["body"]):
                if node["node"] != "Call" or node["target"]["kind"] != "extern_method":
                    continue
                callee = node["callee"]
                obj = callee["expr"]
                if callee["member"] != "read" or obj["type"].get("name") != "direct_meter":
                    continue
                binding = self.scope.lookup(obj["name"]) if obj["node"] == "Name" else None
                if getattr(binding, "cp_name", None) == meter:
                    return node["args"][0]["value"]
        return None

    def _call_action_from_table(self, action_b: ActionB, ref: Node) -> None:
        params = action_b.decl["params"]
        bound = bind_arguments(params, ref.get("args") or [])
        data_index = 0
        args: list[tuple[Node, Any]] = []
        for p, value in bound:
            if p.get("direction"):
                args.append((p, value))
            else:
                # action data are unsigned bit strings: bring them to the parameter's form
                code = f"a.args[{data_index}]"
                t = p["type_ref"]["resolved"]
                b = bits_of(t)
                if t["t"] == "bool":
                    code = f"bool({code})"
                elif b is not None and b[1]:
                    code = f"to_signed({code}, {b[0]})"
                args.append((p, ("code", code)))
                data_index += 1
        code = self.call_stmt_callable(action_b.py, params, args, extra=())
        if code:
            self.emit(code)

    # ------------------------------------------------------------------ statements
    def stmt(self, s: Node) -> None:
        kind = s["node"]
        method = getattr(self, "stmt_" + kind, None)
        if method is None:
            raise bad_config(f"{s.get('coord', '?')}: unsupported statement {kind}")
        method(s)

    def stmt_Block(self, s: Node) -> None:
        saved = self.scope
        self.scope = Scope(saved)
        before = len(self.fn.lines)
        for inner in s["stmts"]:
            self.stmt(inner)
        if len(self.fn.lines) == before:
            self.emit("pass")
        self.scope = saved

    def stmt_Empty(self, s: Node) -> None:
        self.emit("pass")

    def stmt_VarDecl(self, s: Node) -> None:
        t = s["type_ref"]["resolved"]
        py = self.fresh("v_" + s["name"])
        if s.get("init") is not None:
            value = self.expr(s["init"], t)
            if is_composite(t):
                self.emit(f"{py} = {default_value(self.prog, t)}")
                self.emit(f"{py}.assign_from({value})")
            else:
                self.emit(f"{py} = {value}")
        else:
            self.emit(f"{py} = {default_value(self.prog, t)}")
        self.scope.names[s["name"]] = Var(py, t, self.fn)

    def stmt_ConstDecl(self, s: Node) -> None:
        t = s["type_ref"]["resolved"]
        py = self.fresh("k_" + s["name"])
        self.emit(f"{py} = {self.expr(s['value'], t)}")
        self.scope.names[s["name"]] = Var(py, t, self.fn)

    def stmt_Instantiation(self, s: Node) -> None:
        raise bad_config(f"{s.get('coord', '?')}: instantiation inside a block body")

    def stmt_Assign(self, s: Node) -> None:
        self.assign(s["lhs"], self.expr(s["rhs"], s["lhs"]["type"]), s["rhs"].get("type"))

    def stmt_CallStmt(self, s: Node) -> None:
        code = self.call(s["call"], statement=True)
        if code:
            self.emit(code)

    def stmt_If(self, s: Node) -> None:
        self.emit(f"if {self.expr(s['cond'])}:")
        self._indented(s["then"])
        other = s.get("other")
        if other is not None:
            self.emit("else:")
            self._indented(other)

    def _indented(self, s: Node) -> None:
        self.fn.depth += 1
        before = len(self.fn.lines)
        self.stmt(s)
        if len(self.fn.lines) == before:
            self.emit("pass")
        self.fn.depth -= 1

    def stmt_Exit(self, s: Node) -> None:
        self.emit("raise ExitSignal()")

    def stmt_Return(self, s: Node) -> None:
        value = s.get("value")
        code = None
        if value is not None:
            code = self.expr(value, s.get("type") or value.get("type"))
        self.emit(self.fn.return_statement(code))

    def stmt_Switch(self, s: Node) -> None:
        subject = s["expr"]
        py = self.fresh("sw")
        on_action = subject["type"]["t"] == "action_run"
        self.emit(f"{py} = {self.expr(subject)}")
        pending: list[str] = []
        first = True
        default_body = None
        for case in s["cases"]:
            label = case["label"]
            if label["node"] == "Default":
                default_body = case["body"] or {"node": "Block", "stmts": [], "annotations": []}
                continue
            if on_action:
                pending.append(repr(self._action_binding(label["name"]).cp_name))
            else:
                pending.append(self.expr(label, subject["type"]))
            if case["body"] is None:
                continue
            if len(pending) == 1:
                cond = f"{py} == {pending[0]}"
            else:
                cond = f"{py} in ({', '.join(pending)})"
            self.emit(f"{'if' if first else 'elif'} {cond}:")
            first = False
            self._indented(case["body"])
            pending = []
        if default_body is not None:
            if first:
                self.stmt(default_body)
            else:
                self.emit("else:")
                self._indented(default_body)

    def _action_binding(self, name: str) -> ActionB:
        b = self.scope.lookup(name)
        if isinstance(b, ActionB):
            return b
        raise bad_config(f"{name} is not an action")

    # ------------------------------------------------------------------ assignment
    def assign(self, lhs: Node, value: str, value_t: TypeJ | None = None) -> None:
        t = lhs["type"]
        if is_composite(t):
            target = self.expr(lhs)
            self.emit(f"{target}.assign_from({value})")
            if lhs["node"] == "Member" and lhs["expr"]["type"]["t"] == "header_union":
                # a member made valid by the assignment invalidates its siblings, as setValid
                self.emit(f"if {target}.valid_:")
                self.fn.depth += 1
                self._union_exclusive(lhs)
                self.fn.depth -= 1
            return
        value = self.coerce(value, value_t, t)
        kind = lhs["node"]
        if kind == "Name":
            var = self.scope.lookup(lhs["name"])
            if not isinstance(var, Var):
                raise bad_config(f"cannot assign to {lhs['name']}")
            if var.owner is not None and var.owner is not self.fn:
                self.fn.nonlocals.add(var.py)
            self.emit(f"{var.py} = {value}")
        elif kind == "Member":
            self.emit(f"{self.expr(lhs['expr'])}.{slot(lhs['member'])} = {value}")
        elif kind == "Slice":
            base = lhs["expr"]
            hi = const_value(lhs["hi"], self.prog)
            lo = const_value(lhs["lo"], self.prog)
            width, _ = bits_of(base["type"])
            field_mask = ((1 << (hi - lo + 1)) - 1) << lo
            keep = ((1 << width) - 1) & ~field_mask
            new = f"(({self.expr(base)} & {keep:#x}) | ((({value}) << {lo}) & {field_mask:#x}))"
            if bits_of(base["type"])[1]:
                new = f"to_signed({new}, {width})"
            self.assign(base, new, base["type"])
        else:
            raise bad_config(f"{lhs.get('coord', '?')}: cannot assign to a {kind}")

    def coerce(self, code: str, from_t: TypeJ | None, to_t: TypeJ | None) -> str:
        """Bring an `int`-typed (literal) value into the representation of a bit type."""
        if from_t is None or to_t is None or from_t.get("t") != "int":
            return code
        b = bits_of(to_t)
        if b is None or to_t["t"] == "bool":
            return code
        width, signed = b
        return f"to_signed({code}, {width})" if signed else f"(({code}) & {(1 << width) - 1:#x})"

    # ------------------------------------------------------------------ expressions
    def width_of(self, t: TypeJ) -> int:
        return self.prog.width(t)

    def key_value(self, e: Node, want: TypeJ | None = None) -> str:
        """An expression as an unsigned int (table keys, select keys, hash data)."""
        t = want or e["type"]
        code = self.coerce(self.expr(e, t), e.get("type"), t)
        if t["t"] == "bool":
            return f"int({code})"
        b = bits_of(t)
        if b is not None and b[1]:
            return f"({code} & {(1 << b[0]) - 1:#x})"
        return code

    def expr(self, e: Node, want: TypeJ | None = None) -> str:
        kind = e["node"]
        method = getattr(self, "expr_" + kind, None)
        if method is None:
            raise bad_config(f"{e.get('coord', '?')}: unsupported expression {kind}")
        return method(e, want)

    def expr_IntLit(self, e: Node, want: TypeJ | None) -> str:
        value = e["value"]
        b = bits_of(e["type"]) if e["type"]["t"] != "int" else None
        if b is None and want is not None and e["type"]["t"] == "int":
            b = bits_of(want) if want["t"] != "bool" else None
        if b is not None:
            width, signed = b
            value &= (1 << width) - 1
            if signed and value >> (width - 1):
                value -= 1 << width
        return repr(value)

    def expr_BoolLit(self, e: Node, want: TypeJ | None) -> str:
        return "True" if e["value"] else "False"

    def expr_StringLit(self, e: Node, want: TypeJ | None) -> str:
        return repr(e["value"])

    def expr_Name(self, e: Node, want: TypeJ | None) -> str:
        b = self.scope.lookup(e["name"])
        if isinstance(b, (Var, ValueSetB, PacketB, ExternB)):
            return b.py
        raise bad_config(f"{e.get('coord', '?')}: {e['name']} is not a value")

    def expr_TypeMember(self, e: Node, want: TypeJ | None) -> str:
        t = e["type"]
        if t["t"] == "serenum":
            return repr(self.prog.serenum_value(e["type_name"], e["member"]))
        return repr(e["member"])

    def expr_Member(self, e: Node, want: TypeJ | None) -> str:
        base = e["expr"]
        bt = base["type"]
        m = e["member"]
        kind = bt["t"]
        if kind in ("header", "struct", "header_union"):
            return f"{self.expr(base)}.{slot(m)}"
        if kind == "stack":
            code = self.expr(base)
            if m == "next":
                return f"{code}.next_for_extract()"
            if m == "last":
                return f"{code}.last()"
            if m == "size":
                return str(bt["size"])
            if m == "lastIndex":
                return f"{code}.last_index()"
            if m == "nextIndex":
                return f"{code}.next_index"
        if kind == "apply_result":
            code = self.expr(base)
            if m == "hit":
                return f"{code}[0]"
            if m == "miss":
                return f"(not {code}[0])"
            if m == "action_run":
                return f"{code}[1]"
        raise bad_config(f"{e.get('coord', '?')}: unsupported member {m} of {kind}")

    def expr_Index(self, e: Node, want: TypeJ | None) -> str:
        base_t = e["expr"]["type"]
        if base_t["t"] == "tuple":
            return f"{self.expr(e['expr'])}[{const_value(e['index'], self.prog)}]"
        index = e["index"]
        if index["node"] == "IntLit":
            return f"{self.expr(e['expr'])}.items[{index['value']}]"
        return f"{self.expr(e['expr'])}.at({self.expr(index)})"

    def expr_Slice(self, e: Node, want: TypeJ | None) -> str:
        hi = const_value(e["hi"], self.prog)
        lo = const_value(e["lo"], self.prog)
        mask = (1 << (hi - lo + 1)) - 1
        inner = self.expr(e["expr"])
        return f"(({inner} >> {lo}) & {mask:#x})" if lo else f"({inner} & {mask:#x})"

    def expr_Ternary(self, e: Node, want: TypeJ | None) -> str:
        t = want or e["type"]
        then = self.coerce(self.expr(e["then"], t), e["then"]["type"], t)
        other = self.coerce(self.expr(e["other"], t), e["other"]["type"], t)
        return f"({then} if {self.expr(e['cond'])} else {other})"

    def expr_Unary(self, e: Node, want: TypeJ | None) -> str:
        op = e["op"]
        inner = self.expr(e["expr"], want)
        if op == "!":
            return f"(not {inner})"
        if op == "+":
            return inner
        b = bits_of(e["type"])
        if b is None:
            return f"({op}{inner})"
        width, signed = b
        mask = (1 << width) - 1
        if op == "~":
            return f"(~{inner})" if signed else f"({inner} ^ {mask:#x})"
        if op == "-":
            return f"to_signed(-{inner}, {width})" if signed else f"((-{inner}) & {mask:#x})"
        raise bad_config(f"unknown unary operator {op}")

    def expr_Binary(self, e: Node, want: TypeJ | None) -> str:
        op = e["op"]
        lt, rt_ = e["left"]["type"], e["right"]["type"]
        if op == "&&":
            return f"({self.expr(e['left'])} and {self.expr(e['right'])})"
        if op == "||":
            return f"({self.expr(e['left'])} or {self.expr(e['right'])})"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            left = self.coerce(self.expr(e["left"], rt_), lt, rt_)
            right = self.coerce(self.expr(e["right"], lt), rt_, lt)
            return f"({left} {op} {right})"
        t = e["type"]
        b = bits_of(t)
        if op == "++":
            lb, rb = bits_of(lt), bits_of(rt_)
            left = self.key_value(e["left"])
            right = self.key_value(e["right"])
            code = f"(({left} << {rb[0]}) | {right})"
            return f"to_signed({code}, {lb[0] + rb[0]})" if b and b[1] else code
        left = self.coerce(self.expr(e["left"], t), lt, t)
        right_t = t if op not in ("<<", ">>") else rt_
        right = self.coerce(self.expr(e["right"], right_t), rt_, right_t)
        if b is None:  # arbitrary-precision int (constants folded at run time)
            py_op = {"/": "//", "|+|": "+", "|-|": "-"}.get(op, op)
            return f"({left} {py_op} {right})"
        width, signed = b
        mask = (1 << width) - 1
        if signed:
            def wrap(c: str) -> str:
                return f"to_signed({c}, {width})"
        else:
            def wrap(c: str) -> str:
                return f"({c} & {mask:#x})"
        if op in ("+", "-", "*"):
            return wrap(f"{left} {op} {right}")
        if op in ("&", "|", "^"):
            code = f"({left} {op} {right})"
            return wrap(code) if "int" in (lt["t"], rt_["t"]) else code
        if op == "/":
            return wrap(f"div_({left}, {right})")
        if op == "%":
            return wrap(f"mod_({left}, {right})")
        if op == "|+|":
            if signed:
                return f"sat_add({left}, {right}, {-(1 << (width - 1))}, {(1 << (width - 1)) - 1})"
            return f"min({left} + {right}, {mask:#x})"
        if op == "|-|":
            if signed:
                return f"sat_add({left}, -{right}, {-(1 << (width - 1))}, {(1 << (width - 1)) - 1})"
            return f"max({left} - {right}, 0)"
        if op == "<<":
            if e["right"]["node"] == "IntLit":
                amount = e["right"]["value"]
                return wrap(f"{left} << {amount}") if amount < width else "0"
            code = f"shift_left({left}, {right}, {mask:#x}, {width})"
            return f"to_signed({code}, {width})" if signed else code
        if op == ">>":
            return f"({left} >> {right})"
        raise bad_config(f"unknown binary operator {op}")

    def expr_Cast(self, e: Node, want: TypeJ | None) -> str:
        dst = e["type"]
        src = e["expr"]["type"]
        inner = self.expr(e["expr"], dst if src["t"] in ("int", "struct_init", "tuple") else None)
        if dst["t"] == "bool":
            return inner if src["t"] == "bool" else f"({inner} == 1)"
        db = bits_of(dst)
        if db is None:
            return inner
        width, signed = db
        if src["t"] == "bool":
            return f"int({inner})"
        sb = bits_of(src)
        if sb is not None and sb[1] == signed and sb[0] <= width:
            return inner
        if signed:
            return f"to_signed({inner}, {width})"
        if sb is not None and not sb[1] and sb[0] <= width:
            return inner
        return f"({inner} & {(1 << width) - 1:#x})"

    def expr_ListExpr(self, e: Node, want: TypeJ | None) -> str:
        t = want or e["type"]
        if t["t"] in ("struct", "header"):
            fields = self.prog.fields(t)
            pairs = [
                f"({slot(n)!r}, {self.coerce(self.expr(item, ft), item['type'], ft)})"
                for (n, ft, _), item in zip(fields, e["items"], strict=True)
            ]
            return f"init_fields({class_name(t['name'])}(), ({''.join(p + ', ' for p in pairs)}))"
        elems = t.get("elements") or [None] * len(e["items"])
        items = [self.expr(item, et) for item, et in zip(e["items"], elems, strict=True)]
        return "(" + "".join(i + ", " for i in items) + ")"

    def expr_StructInit(self, e: Node, want: TypeJ | None) -> str:
        t = want if want is not None and want["t"] in ("struct", "header") else e["type"]
        if t["t"] not in ("struct", "header"):
            raise bad_config(f"{e.get('coord', '?')}: cannot tell the type of a struct initializer")
        types = {n: ft for n, ft, _ in self.prog.fields(t)}
        pairs = [
            f"({slot(n)!r}, {self.coerce(self.expr(v, types[n]), v['type'], types[n])})"
            for n, v in e["fields"]
        ]
        return f"init_fields({class_name(t['name'])}(), ({''.join(p + ', ' for p in pairs)}))"

    def expr_Call(self, e: Node, want: TypeJ | None) -> str:
        return self.call(e, statement=False)

    # ------------------------------------------------------------------ calls
    def call(self, e: Node, statement: bool) -> str | None:
        target = e["target"]
        kind = target["kind"]
        if kind == "builtin":
            return self.call_builtin(e, statement)
        if kind == "extern_method":
            return self.call_extern_method(e, statement)
        if kind == "extern_function":
            from p4sim.executor.v1model import ExternFunctions

            return ExternFunctions(self).call(e, statement)
        if kind == "table_apply":
            table = self.scope.lookup(e["callee"]["expr"]["name"])
            return f"{table.py}()"
        if kind in ("action", "function"):
            b = self.scope.lookup(e["callee"]["name"])
            decl = b.decl
            extra = ("ctx",) if kind == "function" else ()
            bound = bind_arguments(decl["params"], e["args"])
            return self.call_stmt_callable(b.py, decl["params"], bound, extra, statement)
        if kind == "block_apply":
            inst = self.scope.lookup(e["callee"]["expr"]["name"])
            return self.call_block(inst, e, statement)
        raise bad_config(f"{e.get('coord', '?')}: unsupported call kind {kind}")

    def call_stmt_callable(
        self,
        py: str,
        params: list[Node],
        bound: list[tuple[Node, Any]],
        extra: tuple[str, ...],
        statement: bool = True,
    ) -> str | None:
        """Call an action or function with copy-in/copy-out of directional arguments."""
        args: list[str] = []
        copy_back: list[tuple[Node, str]] = []
        scalar_outs: list[tuple[Node, Node]] = []
        for p, value in bound:
            t = p["type_ref"]["resolved"]
            direction = p.get("direction") or ""
            if isinstance(value, tuple):  # ("code", python) from a table's action data
                args.append(value[1])
                continue
            if direction in ("out", "inout") and value is not None:
                if is_composite(t):
                    tmp = self.fresh("cp")
                    if direction == "inout":
                        self.emit(f"{tmp} = {self.expr(value)}.copy()")
                    else:
                        self.emit(f"{tmp} = {default_value(self.prog, t)}")
                    args.append(tmp)
                    copy_back.append((value, tmp))
                else:
                    args.append(
                        self.coerce(self.expr(value, t), value["type"], t)
                        if direction == "inout"
                        else default_value(self.prog, t)
                    )
                    scalar_outs.append((p, value))
                continue
            if value is None:
                args.append(default_value(self.prog, t))
            else:
                args.append(self.coerce(self.expr(value, t), value.get("type"), t))
        call = f"{py}({', '.join([*args, *extra])})"
        if not scalar_outs and not copy_back:
            return call
        result = self.fresh("r")
        self.emit(f"{result} = {call}")
        for i, (p, value) in enumerate(scalar_outs):
            self.assign(value, f"{result}[{i + 1}]", p["type_ref"]["resolved"])
        for value, tmp in copy_back:
            self.emit(f"{self.expr(value)}.restore_from({tmp})")
        return None if statement else f"{result}[0]"

    def call_block(self, inst: BlockB, e: Node, statement: bool) -> str | None:
        decl = inst.decl
        bound = bind_arguments(decl["params"], e["args"])
        args: list[str] = []
        scalar_outs: list[tuple[Node, Node]] = []
        for p, value in bound:
            t = p["type_ref"]["resolved"]
            direction = p.get("direction") or ""
            if t["t"] == "extern" and t["name"] in ("packet_in", "packet_out"):
                args.append(self.expr(value))
                continue
            if is_composite(t):
                code = self.expr(value)
                if direction == "out":
                    self.emit(f"{code}.invalidate_all()")
                args.append(code)
                continue
            if direction in ("out", "inout"):
                if direction == "inout":
                    args.append(self.expr(value, t))
                else:
                    args.append(default_value(self.prog, t))
                scalar_outs.append((p, value))
            else:
                args.append(self.coerce(self.expr(value, t), value.get("type"), t))
        call = f"{inst.py}({', '.join([*args, 'ctx'])})"
        if not scalar_outs:
            return call
        result = self.fresh("r")
        self.emit(f"{result} = {call}")
        for i, (p, value) in enumerate(scalar_outs):
            self.assign(value, f"{result}[{i + 1}]", p["type_ref"]["resolved"])
        return None

    def call_builtin(self, e: Node, statement: bool) -> str | None:
        name = e["target"]["name"]
        callee = e["callee"]
        obj = callee["expr"]
        ot = obj["type"]
        code = self.expr(obj)
        if name == "isValid":
            return f"{code}.is_valid()" if ot["t"] == "header_union" else f"{code}.valid_"
        if name == "setValid":
            # BMv2's add_header zeroes the fields of a header that was invalid
            h = self.fresh("h")
            self.emit(f"{h} = {code}")
            self.emit(f"if not {h}.valid_:")
            self.emit(f"    {h}.__init__()")
            self.emit(f"    {h}.valid_ = True")
            self._union_exclusive(obj)
            return None
        if name == "setInvalid":
            return f"{code}.valid_ = False"
        if name in ("push_front", "pop_front"):
            return f"{code}.{name}({self.expr(e['args'][0]['value'])})"
        if name in ("minSizeInBits", "maxSizeInBits", "minSizeInBytes", "maxSizeInBytes"):
            bits = self.prog.width(ot) if "max" in name else self._min_width(ot)
            return str(bits if name.endswith("Bits") else (bits + 7) // 8)
        raise bad_config(f"{e.get('coord', '?')}: unsupported method {name}")

    def _min_width(self, t: TypeJ) -> int:
        if t["t"] in ("header", "struct"):
            fields = self.prog.fields(t)
            return sum(0 if ft["t"] == "varbit" else self._min_width(ft) for _, ft, _ in fields)
        return self.prog.width(t)

    def _union_exclusive(self, header_expr: Node) -> None:
        """After a union member became valid, invalidate its siblings."""
        if header_expr["node"] == "Member" and header_expr["expr"]["type"]["t"] == "header_union":
            union = self.expr(header_expr["expr"])
            self.emit(f"{union}.make_only_valid({slot(header_expr['member'])!r})")

    def call_extern_method(self, e: Node, statement: bool) -> str | None:
        from p4sim.executor.v1model import ExternMethods

        return ExternMethods(self).call(e, statement)


# The names every generated module binds from `rt` (see executor/__init__.py): these helpers
# and the trace function `tr` (None when tracing is off); `rt.table` / `rt.instance` give the
# run-time objects.
RUNTIME_HELPERS: dict[str, Any] = {
    "Header": values.Header,
    "HeaderUnion": values.HeaderUnion,
    "Composite": values.Composite,
    "Stack": values.Stack,
    "P4ParserError": values.P4ParserError,
    "ExitSignal": values.ExitSignal,
    "AssertionFailed": values.AssertionFailed,
    "to_signed": values.to_signed,
    "sat_add": values.sat_add,
    "shift_left": values.shift_left,
    "div_": values.div_,
    "mod_": values.mod_,
    "init_fields": values.init_fields,
    "extract_fields": values.extract_fields,
    "emit_fields": values.emit_fields,
    "header_from_bits": values.header_from_bits,
    "make_calculation": hashes.make_calculation,
    "plain_value": values.plain_value,
    "checksum16": hashes.checksum16,
}
RUNTIME_NAMES = (*RUNTIME_HELPERS, "tr")

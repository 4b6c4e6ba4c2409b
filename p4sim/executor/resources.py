"""What a program needs at run time besides its code: tables, externs, value sets, field lists.

Code generation records a spec for every stateful object it references; `build_objects` then
creates the run-time objects (`p4sim.runtime.tables`, `externs`, ...) from those specs. The
split keeps the generated code free of configuration and lets a reloaded program start from
fresh state, as `SetForwardingPipelineConfig` requires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from p4sim.executor.program import (
    Node,
    Program,
    TypeJ,
    annotation,
    bad_config,
    bind_arguments,
    bits_of,
    const_value,
    string_annotation,
)
from p4sim.runtime.action_profiles import ActionProfile
from p4sim.runtime.externs import CounterArray, MeterArray, RegisterArray
from p4sim.runtime.tables import (
    PRIORITY_KINDS,
    ActionCall,
    Exact,
    KeyField,
    Lpm,
    OptionalMatch,
    Range,
    Table,
    TableEntry,
    Ternary,
)
from p4sim.runtime.value_sets import ValueSet

if TYPE_CHECKING:
    from p4sim.executor.codegen import ActionB, CodeGen


@dataclass
class FieldListSpec:
    """Fields preserved by clone/resubmit/recirculate: paths of slots below the user metadata."""

    meta_paths: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class TableSpec:
    name: str
    keys: list[KeyField]
    actions: list[str]
    default_action: ActionCall
    default_is_const: bool = False
    size: int = 1024
    const_entries: list[TableEntry] = field(default_factory=list)
    implementation: str | None = None
    selector_algorithm: str | None = None
    direct_counter: str | None = None
    direct_meter: str | None = None
    supports_timeout: bool = False  # `support_timeout = true`: hits are timestamped


@dataclass
class ExternSpec:
    name: str
    kind: str  # register, counter, meter, direct_counter, direct_meter, action_profile, ...
    args: list[Any]
    type_args: list[TypeJ]
    max_group_size: int = 0  # an action_selector's `@max_group_size` (0: none), as in P4Info


def max_group_size(node: Node) -> int:
    """The `@max_group_size(N)` of a selector declaration or `implementation` property.

    p4c copies it into P4Info, and PI refuses groups whose weights add up to more, so the
    run-time selector must know it too. 0 when absent or not a plain integer.
    """
    ann = annotation(node, "max_group_size")
    args = ann.get("args") if ann is not None else None
    if not args or len(args) != 1 or args[0].get("node") != "IntLit":
        return 0
    return int(args[0]["value"])


@dataclass
class Resources:
    tables: list[TableSpec] = field(default_factory=list)
    externs: dict[str, ExternSpec] = field(default_factory=dict)
    value_sets: dict[str, tuple[list[int], int]] = field(default_factory=dict)
    field_lists: dict[Any, FieldListSpec] = field(default_factory=dict)
    digests: dict[str, TypeJ] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    headers_type: str = ""
    meta_type: str = ""

    def add_extern(self, name: str, t: TypeJ, args: list[Any], decl: Node) -> None:
        self.externs[name] = ExternSpec(
            name, t["name"], args, t.get("args") or [], max_group_size(decl)
        )

    def add_value_set(self, name: str, elem_t: TypeJ, size: int, prog: Program) -> None:
        if elem_t["t"] in ("struct", "tuple"):
            members = prog.fields(elem_t) if elem_t["t"] == "struct" else [
                (str(i), et, None) for i, et in enumerate(elem_t["elements"])
            ]
            widths = [prog.width(ft) for _, ft, _ in members]
        else:
            widths = [prog.width(elem_t)]
        self.value_sets[name] = (widths, size)


def build_objects(
    res: Resources, clock: Callable[[], float]
) -> tuple[dict[str, Table], dict[str, Any]]:
    """Fresh run-time objects for every spec: (tables by name, other instances by name)."""
    instances: dict[str, Any] = {}
    for spec in res.externs.values():
        instances[spec.name] = _extern_object(spec, clock)
    for name, (widths, size) in res.value_sets.items():
        instances[name] = ValueSet(name, widths, size)
    tables: dict[str, Table] = {}
    for t in res.tables:
        profile = instances.get(t.implementation) if t.implementation else None
        table = Table(
            t.name,
            t.keys,
            t.actions,
            t.default_action,
            size=t.size,
            default_is_const=t.default_is_const,
            profile=profile,
            direct_counter=t.direct_counter,
            direct_meter=t.direct_meter,
            supports_timeout=t.supports_timeout,
        )
        if t.const_entries:
            table.add_const_entries(t.const_entries)
        tables[t.name] = table
    return tables, instances


def _extern_object(spec: ExternSpec, clock: Callable[[], float]) -> Any:
    kind, args = spec.kind, spec.args
    if kind == "register":
        width = bits_of(spec.type_args[0]) if spec.type_args else None
        return RegisterArray(spec.name, int(args[0]), width[0] if width else 32)
    if kind == "counter":
        return CounterArray(spec.name, int(args[0]), str(args[1]))
    if kind == "meter":
        return MeterArray(spec.name, int(args[0]), str(args[1]), clock)
    if kind == "action_profile":
        return ActionProfile(spec.name, int(args[0]))
    if kind == "action_selector":
        return ActionProfile(
            spec.name, int(args[1]), selector=True, max_group_size=spec.max_group_size
        )
    if kind in ("direct_counter", "direct_meter"):
        return spec  # cells live on table entries; the spec names the kind
    return None


# ---------------------------------------------------------------------------------- tables
def key_name(e: Node) -> str:
    """The key's P4Info name: the expression as written (p4c prints it back)."""
    kind = e["node"]
    if kind == "Name":
        return e["name"]
    if kind == "Member":
        return f"{key_name(e['expr'])}.{e['member']}"
    if kind == "Index":
        return f"{key_name(e['expr'])}[{key_name(e['index'])}]"
    if kind == "IntLit":
        return e.get("text") or str(e["value"])
    if kind == "Slice":
        return f"{key_name(e['expr'])}[{key_name(e['hi'])}:{key_name(e['lo'])}]"
    if kind == "Call":
        return f"{key_name(e['callee'])}()"
    return kind


class TableSpecBuilder:
    """Reads a TableDecl's properties into a TableSpec (and what codegen needs to call it)."""

    def __init__(self, gen: CodeGen, decl: Node, cp_name: str) -> None:
        self.gen = gen
        self.prog = gen.prog
        self.decl = decl
        self.cp_name = cp_name
        self.props = {p["name"]: p for p in decl["properties"]}
        keys = self.props.get("key")
        elements = keys["keys"] if keys else []
        self.match_keys = [k for k in elements if k["match_kind"] != "selector"]
        self.selector_keys = [k for k in elements if k["match_kind"] == "selector"]
        self.action_bindings: list[tuple[Node, ActionB]] = []

    def build(self) -> TableSpec:
        keys = [
            KeyField(
                string_annotation(k, "name") or key_name(k["expr"]),
                k["match_kind"],
                self.prog.width(k["expr"]["type"]),
            )
            for k in self.match_keys
        ]
        refs = list(self.props["actions"]["actions"]) if "actions" in self.props else []
        default_prop = self.props.get("default_action")
        if default_prop is None:
            no_action = {"node": "ActionRef", "name": "NoAction", "args": [], "annotations": []}
            if not any(r["name"] == "NoAction" for r in refs):
                refs.append(no_action)
            default = ActionCall("NoAction", ())
            default_const = False
        else:
            default = self.action_call(default_prop["value"])
            default_const = bool(default_prop.get("is_const"))
        for ref in refs:
            self.action_bindings.append((ref, self.gen._action_binding(ref["name"])))
        spec = TableSpec(
            name=self.cp_name,
            keys=keys,
            actions=[b.cp_name for _, b in self.action_bindings],
            default_action=default,
            default_is_const=default_const,
        )
        size = self.props.get("size")
        if size is not None and size.get("value") is not None:
            spec.size = int(const_value(size["value"], self.prog))
        spec.implementation, algo = self._resource("implementation")
        spec.selector_algorithm = algo
        spec.direct_counter, _ = self._resource("counters")
        spec.direct_meter, _ = self._resource("meters")
        timeout = self.props.get("support_timeout")
        if timeout is not None and timeout.get("value") is not None:
            spec.supports_timeout = const_value(timeout["value"], self.prog) is True
        if "entries" in self.props:
            spec.const_entries = self._entries(self.props["entries"], keys)
        return spec

    def action_call(self, ref: Node) -> ActionCall:
        binding = self.gen._action_binding(ref["name"])
        params = binding.decl["params"]
        args = []
        for p, value in bind_arguments(params, ref.get("args") or []):
            if p.get("direction"):
                continue
            if value is None:
                raise bad_config(f"{ref.get('coord', '?')}: missing action argument {p['name']}")
            v = const_value(value, self.prog)
            b = bits_of(p["type_ref"]["resolved"])
            args.append(int(v) & ((1 << b[0]) - 1) if b else v)
        return ActionCall(binding.cp_name, tuple(args))

    def _resource(self, prop_name: str) -> tuple[str | None, str | None]:
        prop = self.props.get(prop_name)
        if prop is None or prop.get("value") is None:
            return None, None
        value = prop["value"]
        if value["node"] == "ConstructorCall":
            t = value["type"]
            name = string_annotation(prop, "name") or f"{self.cp_name}.{prop_name}"
            args = [
                const_value(v, self.prog) if v is not None else None
                for _, v in bind_arguments(self.gen._ctor_params(t["name"], value["args"]),
                                           value["args"])
            ]
            spec = ExternSpec(name, t["name"], args, t.get("args") or [], max_group_size(prop))
            self.gen.resources.externs[name] = spec
            ext_kind, ext_args = t["name"], args
        elif value["node"] == "Name":
            b = self.gen.scope.lookup(value["name"])
            name = b.cp_name
            spec = self.gen.resources.externs[name]
            ext_kind, ext_args = spec.kind, spec.args
        else:
            return None, None
        algo = str(ext_args[0]) if ext_kind == "action_selector" else None
        return name, algo

    def _entries(self, prop: Node, keys: list[KeyField]) -> list[TableEntry]:
        needs_priority = any(k.match_kind in PRIORITY_KINDS for k in keys)
        entries = []
        count = len(prop["entries"])
        for i, entry in enumerate(prop["entries"]):
            match = tuple(
                self._field_match(ks, k) for ks, k in zip(entry["keyset"], keys, strict=False)
            )
            if len(entry["keyset"]) == 1 and entry["keyset"][0]["node"] in ("Default", "DontCare"):
                match = tuple(None for _ in keys)
            priority = 0
            if needs_priority:
                given = entry.get("priority")
                priority = int(const_value(given, self.prog)) if given else count - i
            entries.append(
                TableEntry(
                    match=match,
                    priority=priority,
                    action=self.action_call(entry["action"]),
                    is_const=True,
                )
            )
        return entries

    def _field_match(self, ks: Node, key: KeyField) -> Any:
        kind = ks["node"]
        full = (1 << key.width) - 1
        if kind in ("Default", "DontCare"):
            return None if key.match_kind != "exact" else Exact(0)
        if key.match_kind == "exact":
            return Exact(const_value(ks, self.prog) & full)
        if key.match_kind == "optional":
            return OptionalMatch(const_value(ks, self.prog) & full)
        if kind == "Mask":
            value = const_value(ks["value"], self.prog) & full
            mask = const_value(ks["mask"], self.prog) & full
            if key.match_kind == "lpm":
                prefix = bin(mask).count("1")
                return Lpm(value & mask, prefix) if prefix else None
            return Ternary(value & mask, mask) if mask else None
        if kind == "Range":
            return Range(const_value(ks["lo"], self.prog) & full,
                         const_value(ks["hi"], self.prog) & full)
        value = const_value(ks, self.prog) & full
        if key.match_kind == "lpm":
            return Lpm(value, key.width)
        if key.match_kind == "range":
            return Range(value, value)
        return Ternary(value, full)


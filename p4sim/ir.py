"""The typed IR as a stable JSON document (`<prog>.p4sim.json`), for the executor and tools.

Schema (version `IR_VERSION`): the document is `{"format": "p4sim-ir", "version": N,
"program": NODE}`. A NODE is an object with `"node": <class name from ast.py>` and one key per
field of that class (declarations, statements and expressions alike); lists stay lists.
- `"coord"` is `"file:line:col"` of the construct (omitted when unknown).
- every expression carries `"type"`: a TYPE object (below) assigned by the type checker.
- every type reference carries `"resolved"`: the TYPE it denotes.
- a `Name` carries `"ref"`: `{"kind": const|var|param|action|table|instance|function|
  extern_function|value_set, "name": ...}` and, for constants, `"value"`.
- a `Call` carries `"target"`: `{"kind": action|function|extern_function|extern_method|
  table_apply|block_apply|builtin, "name": ...}`.
TYPE objects: `{"t": "bits", "width": W, "signed": bool}`, `{"t": "varbit", "max": W}`,
`{"t": "int"}`, `{"t": "bool"|"string"|"error"|"match_kind"|"void"|"_"}`,
`{"t": "header"|"struct"|"header_union", "name": N}`, `{"t": "stack", "element": T, "size": S}`,
`{"t": "enum", "name": N}`, `{"t": "serenum", "name": N, "base": T}`,
`{"t": "newtype", "name": N, "base": T}`, `{"t": "tuple", "elements": [T...]}`,
`{"t": "extern", "name": N, "args": [T...]}`, `{"t": "parser"|"control"|"package", "name": N}`,
`{"t": "table", "name": N}`, `{"t": "apply_result", "table": N}`,
`{"t": "action_run", "table": N}`, `{"t": "method", "name": N}`, `{"t": "typevar", "name": N}`,
`{"t": "struct_init", "fields": [[name, T]...]}`.
Named types are described once, in the top-level declarations (StructLike/EnumDecl nodes);
references to them carry only the name. Output is deterministic (same input, same bytes).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from p4sim.frontend import ast
from p4sim.frontend import types as t
from p4sim.frontend.scope import Symbol

IR_VERSION = 1


def type_json(typ: Any) -> Any:
    """Describe a semantic type (see the module docstring)."""
    if typ is None:
        return None
    if isinstance(typ, t.BitsT):
        return {"t": "bits", "width": typ.width, "signed": typ.signed}
    if isinstance(typ, t.VarbitT):
        return {"t": "varbit", "max": typ.max_width}
    if isinstance(typ, t.IntT):
        return {"t": "int"}
    if isinstance(typ, t.SimpleT):
        return {"t": typ.name}
    if isinstance(typ, t.StructT):
        return {"t": typ.kind, "name": typ.name}
    if isinstance(typ, t.StackT):
        return {"t": "stack", "element": type_json(typ.element), "size": typ.size}
    if isinstance(typ, t.EnumT):
        return {"t": "enum", "name": typ.name}
    if isinstance(typ, t.SerEnumT):
        return {"t": "serenum", "name": typ.name, "base": type_json(typ.base)}
    if isinstance(typ, t.NewTypeT):
        return {"t": "newtype", "name": typ.name, "base": type_json(typ.base)}
    if isinstance(typ, t.TupleT):
        return {"t": "tuple", "elements": [type_json(e) for e in typ.elements]}
    if isinstance(typ, t.StructInitT):
        return {"t": "struct_init", "fields": [[n, type_json(f)] for n, f in typ.fields]}
    if isinstance(typ, t.ExternT):
        return {"t": "extern", "name": typ.name, "args": [type_json(a) for a in typ.type_args]}
    if isinstance(typ, t.BlockT):
        return {"t": typ.kind, "name": typ.name}
    if isinstance(typ, t.TableT):
        return {"t": "table", "name": typ.decl.name}
    if isinstance(typ, t.ApplyResultT):
        return {"t": "apply_result", "table": typ.table.name}
    if isinstance(typ, t.ActionEnumT):
        return {"t": "action_run", "table": typ.table.name}
    if isinstance(typ, t.MethodT):
        return {"t": "method", "name": typ.name}
    if isinstance(typ, t.TypeVarT):
        return {"t": "typevar", "name": typ.name}
    raise TypeError(f"no IR form for type {typ!r}")


def _value_json(value: Any) -> Any:
    if isinstance(value, tuple):  # enum member (type name, member)
        return list(value)
    return value


def node_json(node: Any) -> Any:
    """Serialise an ast node (and everything below it) as described in the module docstring."""
    if isinstance(node, list):
        return [node_json(n) for n in node]
    if isinstance(node, tuple):
        return [node_json(n) for n in node]
    if isinstance(node, dict):
        return {k: node_json(v) for k, v in node.items()}
    if not isinstance(node, ast.Node):
        return node
    out: dict[str, Any] = {"node": type(node).__name__}
    if node.coord is not None:
        out["coord"] = str(node.coord)
    for f in dataclasses.fields(node):
        name = f.name
        if name == "coord":
            continue
        value = getattr(node, name)
        if name in ("type", "resolved"):
            out[name] = type_json(value)
        elif name == "decl":
            if isinstance(value, Symbol):
                out["ref"] = {"kind": value.kind, "name": value.name}
                if value.kind == "const":
                    out["value"] = _value_json(value.value)
            elif isinstance(value, ast.Declaration):
                out["ref"] = {"kind": type(value).__name__, "name": value.name}
        elif name == "target":
            if value is not None:
                out["target"] = {"kind": value.kind, "name": value.name}
        else:
            out[name] = node_json(value)
    return out


def program_json(program: ast.Program) -> dict[str, Any]:
    return {"format": "p4sim-ir", "version": IR_VERSION, "program": node_json(program)}


def dumps(program: ast.Program) -> str:
    """The IR file's text: compact but line-broken JSON with sorted keys, stable across runs."""
    return json.dumps(program_json(program), sort_keys=True, indent=1) + "\n"

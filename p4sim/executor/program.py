"""Read access to the JSON IR (`<prog>.p4sim.json`): declarations, types, names, constants.

The executor works from the IR document, not from the compiler's in-memory tree, because the IR
is what a controller pushes as the device config: a switch must be able to run a program it
never compiled. This module answers the questions code generation asks of that document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from p4sim.runtime.errors import RuntimeApiError

Node = dict[str, Any]
TypeJ = dict[str, Any]

CORE_ERRORS = (
    "NoError",
    "PacketTooShort",
    "NoMatch",
    "StackOutOfBounds",
    "HeaderTooShort",
    "ParserTimeout",
    "ParserInvalidArgument",
)


def bad_config(message: str) -> RuntimeApiError:
    return RuntimeApiError("INVALID_ARGUMENT", f"device config: {message}")


def annotation(node: Node, name: str) -> Node | None:
    for ann in node.get("annotations") or ():
        if ann.get("name") == name:
            return ann
    return None


def string_annotation(node: Node, name: str) -> str | None:
    ann = annotation(node, name)
    if ann is None or not ann.get("args"):
        return None
    arg = ann["args"][0]
    return arg.get("value") if arg.get("node") == "StringLit" else None


def external_name(node: Node) -> str:
    """p4c's externalName(): the `@name` string (leading dot kept) or the declared name."""
    given = string_annotation(node, "name")
    return node["name"] if given is None else given


def plain_name(node: Node) -> str:
    """Control-plane name of a top-level object: `@name` without its leading dot."""
    return external_name(node).removeprefix(".")


@dataclass(frozen=True)
class Naming:
    """How p4c names the objects of one (possibly nested) parser or control instance."""

    outer: str
    inner: tuple[str, ...] = ()

    def local(self, node: Node) -> str:
        external = external_name(node)
        if external.startswith("."):
            return external[1:]
        return ".".join((self.outer, *self.inner, external))

    def nested(self, inst: Node) -> Naming:
        return Naming(self.outer, (*self.inner, external_name(inst)))


def bits_of(t: TypeJ | None) -> tuple[int, bool] | None:
    """(width, signed) of a bit-string-like type, else None."""
    if t is None:
        return None
    kind = t["t"]
    if kind == "bits":
        return t["width"], t["signed"]
    if kind in ("serenum", "newtype"):
        return bits_of(t["base"])
    if kind == "bool":
        return 1, False
    return None


class Program:
    """Index of one IR document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        if not isinstance(doc, dict) or doc.get("format") != "p4sim-ir":
            raise bad_config("not a p4sim IR document (expected format 'p4sim-ir')")
        if doc.get("version") != 1:
            raise bad_config(f"unsupported IR version {doc.get('version')!r}")
        self.decls: list[Node] = doc["program"]["declarations"]
        self.types: dict[str, Node] = {}
        self.enums: dict[str, Node] = {}
        self.errors: list[str] = list(CORE_ERRORS)
        self.globals: dict[str, Node] = {}
        self.prototypes: dict[str, list[Node]] = {}
        self.externs: dict[str, Node] = {}
        for d in self.decls:
            kind = d["node"]
            if kind == "StructLike":
                self.types[d["name"]] = d
            elif kind == "EnumDecl":
                self.enums[d["name"]] = d
            elif kind == "ErrorDecl":
                self.errors.extend(m for m in d["members"] if m not in self.errors)
            elif kind == "FunctionProto":
                self.prototypes.setdefault(d["name"], []).append(d)
            elif kind == "ExternDecl":
                self.externs[d["name"]] = d
            if kind in (
                "ConstDecl",
                "FunctionDecl",
                "ActionDecl",
                "Instantiation",
                "ParserDecl",
                "ControlDecl",
                "ParserTypeDecl",
            ):
                self.globals[d["name"]] = d
        self.main = self.globals.get("main")
        if self.main is None or self.main["node"] != "Instantiation":
            raise bad_config("the program has no `main` package instance")

    # -------------------------------------------------------------- types
    def struct(self, name: str) -> Node:
        try:
            return self.types[name]
        except KeyError:
            raise bad_config(f"unknown type {name!r}") from None

    def fields(self, t: TypeJ) -> list[tuple[str, TypeJ, Node]]:
        """(name, type, field node) of a header/struct/union type."""
        decl = self.struct(t["name"])
        return [(f["name"], f["type_ref"]["resolved"], f) for f in decl["fields"]]

    def serenum_value(self, type_name: str, member: str) -> int:
        decl = self.enums[type_name]
        index = decl["members"].index(member)
        return const_value(decl["values"][index], self)

    def width(self, t: TypeJ) -> int:
        """Bits of a fixed-width type (headers: all fields; varbit: max width)."""
        b = bits_of(t)
        if b is not None:
            return b[0]
        kind = t["t"]
        if kind == "varbit":
            return t["max"]
        if kind in ("header", "struct", "header_union"):
            widths = [self.width(ft) for _, ft, _ in self.fields(t)]
            return max(widths, default=0) if kind == "header_union" else sum(widths)
        if kind == "stack":
            return self.width(t["element"]) * t["size"]
        raise bad_config(f"type {t} has no width")

    # -------------------------------------------------------------- main package
    def main_blocks(self) -> dict[str, tuple[Node, Naming, list[Node]]]:
        """V1Switch parameter name -> (parser/control decl, its naming, constructor args)."""
        package = self.globals.get(self.main["type_ref"]["resolved"]["name"])
        if package is None or package["node"] != "ParserTypeDecl":
            raise bad_config("`main` is not an instance of a package")
        bound = bind_arguments(package["params"], self.main["args"])
        blocks: dict[str, tuple[Node, Naming, list[Node]]] = {}
        for param, value in bound:
            if value is None:
                continue
            if value["node"] == "ConstructorCall":
                decl = self.globals[value["type"]["name"]]
                blocks[param["name"]] = (decl, Naming(decl["name"]), value["args"])
            elif value["node"] == "Name":
                inst = self.globals[value["name"]]
                decl = self.globals[inst["type_ref"]["resolved"]["name"]]
                blocks[param["name"]] = (decl, Naming(decl["name"]), inst["args"])
        return blocks


def bind_arguments(params: list[Node], args: list[Node]) -> list[tuple[Node, Node | None]]:
    """Pair each parameter with its argument expression (named or positional; None: default or
    don't-care)."""
    by_name = {a["name"]: a for a in args if a.get("name")}
    positional = [a for a in args if not a.get("name")]
    out: list[tuple[Node, Node | None]] = []
    for i, p in enumerate(params):
        if by_name:
            arg = by_name.get(p["name"])
        else:
            arg = positional[i] if i < len(positional) else None
        value = arg.get("value") if arg is not None else None
        if value is None and p.get("default") is not None:
            value = p["default"]
        out.append((p, value))
    return out


def const_value(e: Node, prog: Program | None = None) -> Any:
    """Value of a compile-time constant expression (table entries, constructor arguments)."""
    kind = e["node"]
    if kind == "IntLit":
        value = e["value"]
        b = bits_of(e.get("type"))
        if b is not None and not b[1]:
            value &= (1 << b[0]) - 1
        return value
    if kind == "BoolLit":
        return e["value"]
    if kind == "StringLit":
        return e["value"]
    if kind == "Name":
        value = e.get("value")
        if isinstance(value, list) and len(value) == 2 and prog is not None:
            type_name, member = value
            if type_name in prog.enums and prog.enums[type_name].get("underlying"):
                return prog.serenum_value(type_name, member)
            return member
        if value is None:
            raise bad_config(f"{e.get('coord', '?')}: {e['name']} is not a constant")
        return value
    if kind == "TypeMember":
        t = e["type"]
        if t["t"] == "serenum" and prog is not None:
            return prog.serenum_value(e["type_name"], e["member"])
        return e["member"]
    if kind == "Cast":
        value = const_value(e["expr"], prog)
        b = bits_of(e["type"])
        if b is None:
            return value
        if isinstance(value, bool):
            value = int(value)
        value &= (1 << b[0]) - 1
        if b[1] and value >> (b[0] - 1):
            value -= 1 << b[0]
        return value
    if kind == "Unary":
        value = const_value(e["expr"], prog)
        op = e["op"]
        b = bits_of(e["type"])
        if op == "-":
            value = -value
        elif op == "~":
            value = ~value
        elif op == "!":
            return not value
        return value & ((1 << b[0]) - 1) if b is not None and not b[1] else value
    if kind == "Binary":
        left, right = const_value(e["left"], prog), const_value(e["right"], prog)
        value = _CONST_OPS[e["op"]](left, right)
        b = bits_of(e["type"])
        if isinstance(value, int) and not isinstance(value, bool) and b and not b[1]:
            value &= (1 << b[0]) - 1
        return value
    raise bad_config(f"{e.get('coord', '?')}: expected a constant, found {kind}")


_CONST_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "<<": lambda a, b: a << b,
    ">>": lambda a, b: a >> b,
    "&": lambda a, b: a & b,
    "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def walk(node: Any) -> Iterator[Node]:
    """Every IR node below `node`, pre-order."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if "node" in n:
                yield n
            stack.extend(v for k, v in n.items() if k not in ("type", "resolved", "ref"))
        elif isinstance(n, list):
            stack.extend(reversed(n))

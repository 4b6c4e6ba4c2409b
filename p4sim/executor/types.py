"""Python classes for the P4 header, union and struct types of a program, as generated source.

Each class gets `__slots__` (one `f_<field>` per P4 field, plus `valid_` for headers), an
`__init__` that builds the default value (zero bits, invalid headers, first enum member) and,
for headers, `extract_`/`emit_` methods specialised to the layout: a fixed-size header is read
with a single `int.from_bytes` and split with shifts, which is what makes parsing fast.
"""

from __future__ import annotations

from p4sim.executor.program import Program, TypeJ, bad_config, bits_of

COMPOSITE_KINDS = ("header", "struct", "header_union", "stack")


def class_name(type_name: str) -> str:
    return f"C_{type_name}"


def slot(field: str) -> str:
    return f"f_{field}"


def is_composite(t: TypeJ | None) -> bool:
    return t is not None and t["t"] in COMPOSITE_KINDS


def default_value(prog: Program, t: TypeJ) -> str:
    """Python expression for a fresh default value of type `t`."""
    kind = t["t"]
    if kind in ("header", "struct", "header_union"):
        return f"{class_name(t['name'])}()"
    if kind == "stack":
        element = default_value(prog, t["element"])
        return f"Stack([{element} for _ in range({t['size']})])"
    if kind == "bool":
        return "False"
    if kind == "error":
        return "'NoError'"
    if kind == "enum":
        return repr(prog.enums[t["name"]]["members"][0])
    if kind == "tuple":
        return "(" + "".join(default_value(prog, e) + ", " for e in t["elements"]) + ")"
    if kind == "string":
        return "''"
    return "0"


class TypeClasses:
    """Generates the class definitions for every header/union/struct type of the program."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog

    def source(self) -> list[str]:
        lines: list[str] = []
        for name, decl in self.prog.types.items():
            if decl.get("type_params"):
                continue  # generic structs are not supported by the BMv2 back end either
            lines.extend(self._class(name, decl["kind"]))
        return lines

    def _class(self, name: str, kind: str) -> list[str]:
        t = {"t": kind, "name": name}
        fields = self.prog.fields(t)
        base = {"header": "Header", "header_union": "HeaderUnion", "struct": "Composite"}[kind]
        slots = [slot(f) for f, _, _ in fields]
        composite = [slot(f) for f, ft, _ in fields if is_composite(ft)]
        all_slots = (["valid_"] if kind == "header" else []) + slots
        all_slots += [f"w_{f}" for f, ft, _ in fields if ft["t"] == "varbit"]
        out = [
            f"class {class_name(name)}({base}):",
            f"    __slots__ = {tuple(all_slots)!r}",
            f"    _members = {tuple(slots)!r}",
            f"    _composite = {tuple(composite)!r}",
            f"    type_name = {name!r}",
            "    def __init__(self):",
        ]
        if kind == "header":
            out.append("        self.valid_ = False")
        for f, ft, _ in fields:
            out.append(f"        self.{slot(f)} = {default_value(self.prog, ft)}")
            if ft["t"] == "varbit":
                out.append(f"        self.w_{f} = 0")
        if not fields and kind != "header":
            out.append("        pass")
        if kind == "header":
            out.extend(self._header_methods(name, fields))
        return out

    def _layout(self, name: str, fields: list, prefix: str = "") -> list[tuple[str, int, str]]:
        """(attribute path, width, kind) per bit field, struct fields flattened in order;
        kind: u unsigned, s signed, b bool, v varbit."""
        layout = []
        for f, ft, _ in fields:
            if ft["t"] == "varbit":
                layout.append((prefix + slot(f), ft["max"], "v"))
                continue
            if ft["t"] == "struct":
                layout.extend(self._layout(name, self.prog.fields(ft), f"{prefix}{slot(f)}."))
                continue
            b = bits_of(ft)
            if b is None:
                raise bad_config(f"header {name}: field {f} has non-bit type {ft['t']}")
            kind = "b" if ft["t"] == "bool" else ("s" if b[1] else "u")
            layout.append((prefix + slot(f), b[0], kind))
        return layout

    def _header_methods(self, name: str, fields: list) -> list[str]:
        layout = self._layout(name, fields)
        total = sum(w for _, w, _ in layout)
        has_varbit = any(k == "v" for _, _, k in layout)
        nested = any("." in s for s, _, _ in layout)
        if nested and (has_varbit or total % 8):
            raise bad_config(f"header {name}: struct fields need a whole number of bytes")
        out = [f"    layout_ = {tuple(layout)!r}", f"    bits_ = {total}"]
        if has_varbit or total % 8:
            # BMv2 needs whole bytes; p4sim still runs such headers, field by field
            out += [
                "    def extract_(self, pk, vlen=0):",
                "        extract_fields(self, pk, vlen)",
                "    def emit_(self, out):",
                "        emit_fields(self, out)",
            ]
            return out
        nbytes = total // 8
        out += [
            "    def extract_(self, pk, vlen=0):",
            "        pos = pk.pos",
            f"        end = pos + {total}",
            "        if end > pk.nbits:",
            "            raise P4ParserError('PacketTooShort')",
            "        if pos & 7:",
            f"            v = pk.peek({total})",
            "        else:",
            f"            v = int.from_bytes(pk.data[pos >> 3:(pos >> 3) + {nbytes}], 'big')",
            "        pk.pos = end",
        ]
        shift = total
        for s, w, kind in layout:
            shift -= w
            mask = (1 << w) - 1
            value = f"v >> {shift}" if shift else "v"
            if shift:
                value = f"({value}) & {mask:#x}" if shift + w < total else value
            elif w < total:
                value = f"v & {mask:#x}"
            if kind == "s":
                value = f"to_signed({value}, {w})"
            elif kind == "b":
                value = f"bool({value})"
            out.append(f"        self.{s} = {value}")
        out.append("        self.valid_ = True")
        parts = []
        shift = total
        for s, w, kind in layout:
            shift -= w
            mask = (1 << w) - 1
            value = f"self.{s}"
            if kind == "b":
                value = f"int({value})"
            elif kind == "s":
                value = f"({value} & {mask:#x})"
            parts.append(f"({value} << {shift})" if shift else value)
        out += [
            "    def emit_(self, out):",
            f"        out.append(({' | '.join(parts) or '0'}).to_bytes({nbytes}, 'big'))",
        ]
        return out

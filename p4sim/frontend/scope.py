"""Symbols and lexical scopes for name resolution.

P4 keeps types and values in separate namespaces here (a header type and a field may share a
name); each scope level rejects a second declaration of the same name, as p4c does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from p4sim.frontend.diagnostics import Coord, P4Error
from p4sim.frontend.types import P4Type


@dataclass(eq=False)
class Symbol:
    """A named value: constant, variable, parameter, action, table, instance or function."""

    kind: str  # const, var, param, action, table, instance, function, extern_function, value_set
    name: str
    type: P4Type | None
    decl: Any = field(default=None, repr=False)
    direction: str = ""  # for parameters
    value: Any = None  # compile-time value of constants

    @property
    def mutable(self) -> bool:
        if self.kind == "var":
            return True
        return self.kind == "param" and self.direction in ("out", "inout")


class Scope:
    """One level of nested names, with a link to the enclosing level."""

    def __init__(self, parent: Scope | None, kind: str) -> None:
        self.parent = parent
        self.kind = kind  # global, parser, control, action, function, block, extern
        self.values: dict[str, Symbol] = {}
        self.types: dict[str, P4Type] = {}
        self.coords: dict[str, Coord | None] = {}

    def _check_new(self, name: str, coord: Coord | None, table: dict[str, Any]) -> None:
        if name in table:
            prev = self.coords.get(name)
            where = f" (previous declaration at {prev})" if prev else ""
            raise P4Error(coord, f"duplicate declaration of '{name}'{where}")

    def declare_value(self, sym: Symbol, coord: Coord | None) -> None:
        self._check_new(sym.name, coord, self.values)
        self.values[sym.name] = sym
        self.coords.setdefault(sym.name, coord)

    def declare_type(self, name: str, typ: P4Type, coord: Coord | None) -> None:
        self._check_new(name, coord, self.types)
        self.types[name] = typ
        self.coords.setdefault(name, coord)

    def lookup_value(self, name: str) -> Symbol | None:
        scope: Scope | None = self
        while scope is not None:
            sym = scope.values.get(name)
            if sym is not None:
                return sym
            scope = scope.parent
        return None

    def lookup_type(self, name: str) -> P4Type | None:
        scope: Scope | None = self
        while scope is not None:
            typ = scope.types.get(name)
            if typ is not None:
                return typ
            scope = scope.parent
        return None

    def enclosing(self, *kinds: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if scope.kind in kinds:
                return scope
            scope = scope.parent
        return None

    def visible_names(self) -> set[str]:
        """All value names visible from here, for "did you mean" suggestions."""
        names: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            names.update(scope.values)
            scope = scope.parent
        return names

"""Symbols and lexical scopes for name resolution.

P4 keeps types and values in separate namespaces here (a header type and a field may share a
name); each scope level rejects a second declaration of the same name, as p4c does.
"""

from __future__ import annotations

from collections.abc import Iterator
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

    def _declare(self, table: dict[str, Any], name: str, item: Any, coord: Coord | None) -> None:
        """Add `item` to one namespace of this level; a second `name` there is an error."""
        if name in table:
            prev = self.coords.get(name)
            where = f" (previous declaration at {prev})" if prev else ""
            raise P4Error(coord, f"duplicate declaration of '{name}'{where}")
        table[name] = item
        self.coords.setdefault(name, coord)

    def declare_value(self, sym: Symbol, coord: Coord | None) -> None:
        self._declare(self.values, sym.name, sym, coord)

    def declare_type(self, name: str, typ: P4Type, coord: Coord | None) -> None:
        self._declare(self.types, name, typ, coord)

    def _chain(self) -> Iterator[Scope]:
        """This level and every enclosing one, innermost first: the order names resolve in."""
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def lookup_value(self, name: str) -> Symbol | None:
        return next((v for s in self._chain() if (v := s.values.get(name)) is not None), None)

    def lookup_type(self, name: str) -> P4Type | None:
        return next((t for s in self._chain() if (t := s.types.get(name)) is not None), None)

    def enclosing(self, *kinds: str) -> Scope | None:
        return next((s for s in self._chain() if s.kind in kinds), None)

    def visible_names(self) -> set[str]:
        """All value names visible from here, for "did you mean" suggestions."""
        return {name for s in self._chain() for name in s.values}

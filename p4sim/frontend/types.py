"""Semantic types of P4-16 values, as the type checker assigns them to expressions.

Value types are small immutable objects compared by value (`bit<8> == bit<8>`); named types
(headers, structs, enums, externs) compare by declaration identity, since two headers with the
same fields are still different types in P4. `describe()` spells a type as P4 source does, for
error messages that read like the program.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class P4Type:
    """Base class; subclasses are value types or named types."""

    def describe(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class BitsT(P4Type):
    width: int
    signed: bool = False

    def describe(self) -> str:
        return f"{'int' if self.signed else 'bit'}<{self.width}>"


@dataclass(frozen=True)
class VarbitT(P4Type):
    max_width: int

    def describe(self) -> str:
        return f"varbit<{self.max_width}>"


@dataclass(frozen=True)
class IntT(P4Type):
    """Arbitrary-precision integer: the type of unsized literals and compile-time constants."""

    def describe(self) -> str:
        return "int"


@dataclass(frozen=True)
class SimpleT(P4Type):
    """bool, string, error, match_kind, void, and `_` (don't care)."""

    name: str

    def describe(self) -> str:
        return self.name


BOOL = SimpleT("bool")
STRING = SimpleT("string")
ERROR = SimpleT("error")
MATCH_KIND = SimpleT("match_kind")
VOID = SimpleT("void")
DONT_CARE = SimpleT("_")
INT = IntT()


@dataclass(frozen=True)
class TypeVarT(P4Type):
    """A generic type parameter (`T` in `register<T>`), bound per use by inference."""

    name: str
    owner: str = ""

    def describe(self) -> str:
        return self.name


@dataclass(eq=False)
class StructT(P4Type):
    """header, header_union or struct; identity is the declaration."""

    kind: str
    name: str
    fields: dict[str, P4Type] = field(default_factory=dict)
    decl: Any = field(default=None, repr=False)

    def describe(self) -> str:
        return self.name

    def bit_width(self) -> int:
        """Fixed part of the header size in bits (varbit fields count as 0)."""
        return (
            sum(t.width for t in self.fields.values() if isinstance(t, BitsT))
            + sum(1 for t in self.fields.values() if t == BOOL)
            + sum(t.base.width for t in self.fields.values() if isinstance(t, SerEnumT))
        )


@dataclass(frozen=True)
class StackT(P4Type):
    element: P4Type
    size: int

    def describe(self) -> str:
        return f"{self.element.describe()}[{self.size}]"


@dataclass(eq=False)
class EnumT(P4Type):
    name: str
    members: list[str]
    decl: Any = field(default=None, repr=False)

    def describe(self) -> str:
        return self.name


@dataclass(eq=False)
class SerEnumT(P4Type):
    """Serializable enum `enum bit<W> E { A = 1 }`: members carry values of `base`."""

    name: str
    base: BitsT
    members: dict[str, int]
    decl: Any = field(default=None, repr=False)

    def describe(self) -> str:
        return self.name


@dataclass(eq=False)
class NewTypeT(P4Type):
    """A `type T` declaration: a distinct type with the same representation as `base`."""

    name: str
    base: P4Type

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class TupleT(P4Type):
    elements: tuple[P4Type, ...]

    def describe(self) -> str:
        return "tuple<" + ", ".join(e.describe() for e in self.elements) + ">"


@dataclass(frozen=True)
class StructInitT(P4Type):
    """The type of `{ a = x, b = y }` before the context names the struct it builds."""

    fields: tuple[tuple[str, P4Type], ...]

    def describe(self) -> str:
        return "{" + ", ".join(f"{n}: {t.describe()}" for n, t in self.fields) + "}"


@dataclass(eq=False)
class ExternT(P4Type):
    """An extern object type, possibly specialised (`register<bit<32>>`)."""

    name: str
    decl: Any = field(repr=False)
    type_args: tuple[P4Type, ...] = ()

    def describe(self) -> str:
        if self.type_args:
            return f"{self.name}<" + ", ".join(a.describe() for a in self.type_args) + ">"
        return self.name

    def bindings(self) -> dict[str, P4Type]:
        return dict(zip(self.decl.type_params, self.type_args, strict=False))


@dataclass(eq=False)
class BlockT(P4Type):
    """A parser, control or package type (declaration or prototype), possibly specialised."""

    kind: str  # parser, control, package
    name: str
    decl: Any = field(repr=False)
    type_args: tuple[P4Type, ...] = ()

    def describe(self) -> str:
        return self.name


@dataclass(eq=False)
class TableT(P4Type):
    decl: Any = field(repr=False)

    def describe(self) -> str:
        return f"table {self.decl.name}"


@dataclass(eq=False)
class ApplyResultT(P4Type):
    """What `t.apply()` returns: a struct with hit, miss and action_run."""

    table: Any = field(repr=False)

    def describe(self) -> str:
        return f"apply result of table {self.table.name}"


@dataclass(eq=False)
class ActionEnumT(P4Type):
    """Type of `t.apply().action_run`: one member per action of the table."""

    table: Any = field(repr=False)

    def describe(self) -> str:
        return f"action_list({self.table.name})"


@dataclass(eq=False)
class MethodT(P4Type):
    """A callable: action, function, extern function/method, or built-in method."""

    name: str
    params: list[Any]  # ast.Param (or synthetic ones for built-ins)
    return_type: P4Type
    decl: Any = field(default=None, repr=False)
    kind: str = "function"
    bindings: dict[str, P4Type] = field(default_factory=dict)
    overloads: list[Any] = field(default_factory=list)

    def describe(self) -> str:
        return self.name


def strip_newtype(t: P4Type) -> P4Type:
    """The representation type of a `type` declaration (identity for other types)."""
    while isinstance(t, NewTypeT):
        t = t.base
    return t


def width_of(t: P4Type) -> int | None:
    """Bit width of a fixed-width scalar type, as P4Info and the executor need it."""
    t = strip_newtype(t)
    if isinstance(t, BitsT):
        return t.width
    if t == BOOL:
        return 1
    if isinstance(t, SerEnumT):
        return t.base.width
    if isinstance(t, VarbitT):
        return t.max_width
    return None

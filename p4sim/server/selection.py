"""What a wildcard read selects: id 0 means "all of them", any other id exactly one.

The P4Runtime spec uses that convention for the object a read names (a counter, a value set,
an action profile, ...) and for the item inside it (a member, a group, a multicast group, a
clone session); an id that names nothing is NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from p4sim.runtime.errors import RuntimeApiError

V = TypeVar("V")


def selected(ident: int, infos: dict[int, Any], lookup: Callable[[int], Any]) -> list[Any]:
    """The P4Info objects a read names: `lookup(ident)`, or all of `infos` for id 0."""
    return list(infos.values()) if ident == 0 else [lookup(ident)]


def narrowed(items: dict[int, V], wanted: int, missing: str) -> dict[int, V]:
    """`items` for id 0, else only the item with id `wanted` (NOT_FOUND `missing` if none)."""
    if not wanted:
        return items
    if wanted not in items:
        raise RuntimeApiError("NOT_FOUND", missing)
    return {wanted: items[wanted]}

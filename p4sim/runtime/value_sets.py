"""Parser value sets (`value_set<T>(N)`): the run-time members a controller writes.

P4Runtime fills a value set with `ValueSetEntry` members, each a list of (value, mask) matches,
one per field of the element type; `select` then checks the key against every member.
"""

from __future__ import annotations

from collections.abc import Sequence

from p4sim.runtime.errors import RuntimeApiError

Member = tuple[tuple[int, int], ...]  # per field: (value, mask)


class ValueSet:
    """The members of one parser value set, at most `size` of them."""

    def __init__(self, name: str, widths: Sequence[int], size: int) -> None:
        self.name = name
        self.widths = tuple(widths)
        self.size = size
        self.members: list[Member] = []

    def set_members(self, members: Sequence[Member]) -> None:
        """Replace all members (P4Runtime MODIFY of the value set), checking widths and size."""
        if len(members) > self.size:
            raise RuntimeApiError(
                "RESOURCE_EXHAUSTED", f"value set {self.name} holds at most {self.size} members"
            )
        checked = []
        for member in members:
            if len(member) != len(self.widths):
                raise RuntimeApiError(
                    "INVALID_ARGUMENT",
                    f"value set {self.name}: {len(member)} fields given, "
                    f"{len(self.widths)} expected",
                )
            for (value, mask), width in zip(member, self.widths, strict=True):
                if value >> width or mask >> width:
                    raise RuntimeApiError(
                        "OUT_OF_RANGE", f"value set {self.name}: value does not fit {width} bits"
                    )
            checked.append(tuple((v & m, m) for v, m in member))
        self.members = checked

    def contains(self, keys: tuple[int, ...]) -> bool:
        for member in self.members:
            if all((k & m) == v for k, (v, m) in zip(keys, member, strict=True)):
                return True
        return False

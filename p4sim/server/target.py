"""What a P4Runtime request is applied to: a pipeline's P4Info index and the switch running it.

Besides the live switch, the server may address a staged one (after VERIFY_AND_SAVE, before
COMMIT), so every entity handler takes a `Target` rather than reaching for global state.
`Spellings` keeps what the runtime objects have no room for but read-write symmetry needs:
which of two equivalent proto fields a client used, and opaque metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server.digests import DigestEngine
from p4sim.server.schema import Schema, TableInfo


@dataclass
class Spellings:
    """Client spellings the runtime objects do not keep, for read-write symmetry."""

    # ("mc" | "clone", id) of groups / sessions whose replicas used the `port` bytes field
    # (the others used the deprecated `egress_port` integer)
    replica_port_bytes: set[tuple[str, int]] = field(default_factory=set)
    multicast_metadata: dict[int, bytes] = field(default_factory=dict)
    # (profile id, group id) -> members whose watch port used the deprecated `watch` integer
    legacy_watch: dict[tuple[int, int], frozenset[int]] = field(default_factory=dict)
    # profile id -> group id -> the action set of a one-shot entry (server-made group)
    oneshots: dict[int, dict[int, p4runtime_pb2.ActionProfileActionSet]] = field(
        default_factory=dict
    )


@dataclass
class Target:
    """A pipeline the server addresses. `switch` is a `p4sim.runtime.switch.Switch`."""

    schema: Schema
    switch: Any
    digests: DigestEngine
    spellings: Spellings = field(default_factory=Spellings)

    def table(self, info: TableInfo) -> Any:
        """The runtime table of a P4Info table."""
        return _named(self.switch.tables, info.name, "table")

    def object(self, objects: dict[str, Any], name: str, what: str) -> Any:
        return _named(objects, name, what)


def _named(objects: dict[str, Any], name: str, what: str) -> Any:
    """The runtime object `name`; pipeline verification makes a miss an internal error."""
    try:
        return objects[name]
    except KeyError:
        raise RuntimeApiError("INTERNAL", f"the device config has no {what} {name}") from None

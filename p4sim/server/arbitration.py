"""Client arbitration: which StreamChannel is the primary of each (device_id, role).

Implements the P4Runtime 1.4 rules ("Client Arbitration and Controller Replication",
"Rules for Handling MasterArbitrationUpdate Messages"): the primary is the live controller
whose election id equals the highest id ever received for its role; ids are unique among live
controllers; an unset election id never wins. Every change of primary produces advisory
`MasterArbitrationUpdate`s, returned as `(stream, message)` pairs so that this module stays free
of gRPC and threads (the caller sends them and serialises calls).

Role configs are not supported (no out-of-band role scheme exists for p4sim): a named role
without a config has full pipeline access, like the default role.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from google.protobuf.message import Message
from google.rpc import code_pb2
from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError

Notice = tuple[Hashable, p4runtime_pb2.MasterArbitrationUpdate]


@dataclass
class _Controller:
    role: str
    election_id: int | None  # None: unset, lower than any id


@dataclass
class _Role:
    controllers: dict[Hashable, _Controller] = field(default_factory=dict)  # stream -> state
    highest: int | None = None  # highest election id ever received for this role
    primary: Hashable | None = None


def election_id(msg: Message) -> int | None:
    """The 128-bit election id of an arbitration, Write or SetForwardingPipelineConfig message;
    None when the field is unset."""
    if not msg.HasField("election_id"):
        return None
    return msg.election_id.high << 64 | msg.election_id.low


class Arbiter:
    """Arbitration state of one device. Not thread-safe: the server holds a lock around it."""

    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self._roles: dict[str, _Role] = {}
        self._streams: dict[Hashable, _Controller] = {}

    def arbitrate(
        self, stream: Hashable, update: p4runtime_pb2.MasterArbitrationUpdate
    ) -> list[Notice]:
        """Handle a `MasterArbitrationUpdate` from `stream`; returns the notices to send.

        Raises RuntimeApiError when the stream must be terminated with that status."""
        role_name = update.role.name
        if update.role.HasField("config"):
            raise RuntimeApiError("INVALID_ARGUMENT", "role configs are not supported")
        new_id = election_id(update)
        known = self._streams.get(stream)
        if known is None:
            self.check_device(update.device_id)
        else:
            if update.device_id != self.device_id:
                raise RuntimeApiError(
                    "FAILED_PRECONDITION", "device id differs from this stream's device id"
                )
            if role_name != known.role:
                raise RuntimeApiError(
                    "FAILED_PRECONDITION", "role differs from this stream's role; open a new stream"
                )
        role = self._roles.setdefault(role_name, _Role())
        if new_id is not None:
            for other, controller in role.controllers.items():
                if other != stream and controller.election_id == new_id:
                    raise RuntimeApiError(
                        "INVALID_ARGUMENT", f"election id {new_id} is used by another controller"
                    )
        was_primary = role.primary == stream
        controller = known or _Controller(role_name, new_id)
        controller.election_id = new_id
        role.controllers[stream] = controller
        self._streams[stream] = controller
        if new_id is not None and (role.highest is None or new_id >= role.highest):
            role.highest = new_id
            role.primary = stream
            return self._advise_all(role_name, role)
        if was_primary:
            role.primary = None
            return self._advise_all(role_name, role)
        return [(stream, self._advisory(role_name, role, stream))]

    def disconnect(self, stream: Hashable) -> list[Notice]:
        """Forget a closed stream; when it was a primary, tell the others of its role."""
        controller = self._streams.pop(stream, None)
        if controller is None:
            return []
        role = self._roles[controller.role]
        del role.controllers[stream]
        if role.primary != stream:
            return []
        role.primary = None
        return self._advise_all(controller.role, role)

    def check_device(self, device_id: int) -> None:
        """NOT_FOUND unless a request addresses this device."""
        if device_id != self.device_id:
            raise RuntimeApiError("NOT_FOUND", f"unknown device id {device_id}")

    def check_primary(self, device_id: int, role_name: str, request_id: int | None) -> None:
        """Raise unless a request with these identifiers comes from the role's primary
        (Write and SetForwardingPipelineConfig checks 1 and 2, in the spec's order)."""
        self.check_device(device_id)
        role = self._roles.get(role_name)
        if role is None and role_name:
            raise RuntimeApiError("NOT_FOUND", f"unknown role {role_name!r}")
        if role is None or role.primary is None or request_id is None:
            raise RuntimeApiError("PERMISSION_DENIED", "not the primary controller")
        if role.controllers[role.primary].election_id != request_id:
            raise RuntimeApiError("PERMISSION_DENIED", "not the primary controller")

    def is_primary(self, stream: Hashable) -> bool:
        controller = self._streams.get(stream)
        return controller is not None and self._roles[controller.role].primary == stream

    def primaries(self) -> list[Hashable]:
        """The primary stream of every role (packet-ins and digests go to these)."""
        return [role.primary for role in self._roles.values() if role.primary is not None]

    def _advise_all(self, role_name: str, role: _Role) -> list[Notice]:
        return [(s, self._advisory(role_name, role, s)) for s in role.controllers]

    def _advisory(
        self, role_name: str, role: _Role, stream: Hashable
    ) -> p4runtime_pb2.MasterArbitrationUpdate:
        msg = p4runtime_pb2.MasterArbitrationUpdate(device_id=self.device_id)
        if role_name:
            msg.role.name = role_name
        if role.highest is not None:
            msg.election_id.high = role.highest >> 64
            msg.election_id.low = role.highest & (1 << 64) - 1
        if role.primary is None:
            msg.status.code = code_pb2.NOT_FOUND
            msg.status.message = "no primary controller"
        elif role.primary == stream:
            msg.status.code = code_pb2.OK
        else:
            msg.status.code = code_pb2.ALREADY_EXISTS
            msg.status.message = "a primary controller is connected"
        return msg

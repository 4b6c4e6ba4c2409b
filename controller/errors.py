"""One exception for everything a switch refuses, readable without knowing gRPC's internals.

A refused P4Runtime Write comes back as gRPC status UNKNOWN whose binary details hold one
`p4.v1.Error` per update (P4Runtime spec, "Error reporting"); other RPCs fail with a plain
status. `SwitchError` carries both levels and prints the per-update messages, so a controller
never shows a raw grpc traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.rpc import status_pb2
from p4.v1 import p4runtime_pb2

_CODES = {code.value[0]: code for code in grpc.StatusCode}


def status_code(number: int) -> grpc.StatusCode:
    """The grpc.StatusCode of a google.rpc.Code number (UNKNOWN for numbers it lacks)."""
    return _CODES.get(number, grpc.StatusCode.UNKNOWN)


@dataclass(frozen=True)
class UpdateError:
    """A failed update of a Write batch: its position in the batch and the switch's error."""

    index: int
    error: p4runtime_pb2.Error

    @property
    def code(self) -> grpc.StatusCode:
        return status_code(self.error.canonical_code)

    @property
    def message(self) -> str:
        return self.error.message

    def __str__(self) -> str:
        return f"update {self.index}: {self.code.name}: {self.message}"


class SwitchError(Exception):
    """A P4Runtime (or BMv2 Thrift) request refused by the switch or lost on the way.

    `code` is the gRPC status of the call; `errors` holds the failed updates of a Write
    (the updates that succeeded are not listed).
    """

    def __init__(
        self,
        switch: str,
        operation: str,
        code: grpc.StatusCode,
        details: str = "",
        errors: Sequence[UpdateError] = (),
    ) -> None:
        self.switch = switch
        self.operation = operation
        self.code = code
        self.details = details
        self.errors = tuple(errors)
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.switch}: {self.operation} failed ({self.code.name})"
        if self.errors:
            lines = [head + ":"] + [f"  {e}" for e in self.errors]
            return "\n".join(lines)
        return f"{head}: {self.details}" if self.details else head

    def has_code(self, code: grpc.StatusCode) -> bool:
        """Whether the call, or any failed update of a Write batch, failed with `code`."""
        return self.code == code or any(e.code == code for e in self.errors)

    @classmethod
    def from_rpc_error(cls, switch: str, operation: str, error: grpc.RpcError) -> SwitchError:
        """Unpack a grpc.RpcError (a grpc.Call) including the per-update p4.v1.Errors."""
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = (error.details() if hasattr(error, "details") else str(error)) or ""
        return cls(switch, operation, code, details, _update_errors(error))


def _update_errors(error: grpc.RpcError) -> list[UpdateError]:
    metadata = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in metadata or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status()
        status.ParseFromString(value)
        found = []
        for index, detail in enumerate(status.details):
            p4_error = p4runtime_pb2.Error()
            if detail.Unpack(p4_error) and p4_error.canonical_code != 0:
                found.append(UpdateError(index, p4_error))
        return found
    return []

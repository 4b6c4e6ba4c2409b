"""gRPC statuses as P4Runtime reports errors ("Error Reporting Messages", "Write RPC").

An RPC-wide error is a plain status code and message. A batch (Write, Read) in which some
element failed is `UNKNOWN`, with a serialized `google.rpc.Status` in the
`grpc-status-details-bin` trailer whose `details` hold one `p4.v1.Error` per element, in
request order, `OK` for the elements that succeeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2
from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError

# Vendor error space named in p4.v1.Error.space, as BMv2 names its own.
ERROR_SPACE = "p4sim"


@dataclass(frozen=True)
class RichStatus(grpc.Status):
    """A `grpc.Status` carrying `google.rpc.Status` details (what grpcio-status builds)."""

    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, bytes], ...]


def status_code(err: RuntimeApiError) -> grpc.StatusCode:
    """The gRPC code of an error; an unknown code name is reported as UNKNOWN."""
    return grpc.StatusCode.__members__.get(err.code, grpc.StatusCode.UNKNOWN)


def p4_error(err: RuntimeApiError | None) -> p4runtime_pb2.Error:
    """The `p4.v1.Error` for one batch element (None: it succeeded)."""
    if err is None:
        return p4runtime_pb2.Error(canonical_code=code_pb2.OK)
    return p4runtime_pb2.Error(
        canonical_code=status_code(err).value[0], message=err.message, space=ERROR_SPACE
    )


def batch_status(errors: Sequence[RuntimeApiError | None]) -> RichStatus:
    """The UNKNOWN status of a batch with at least one failed element."""
    failed = [(i, e) for i, e in enumerate(errors) if e is not None]
    first_index, first = failed[0]
    message = (
        f"{len(failed)} of {len(errors)} batch elements failed; first, at index {first_index}: "
        f"{first.code}: {first.message}"
    )
    details = []
    for err in errors:
        packed = any_pb2.Any()
        packed.Pack(p4_error(err))
        details.append(packed)
    rpc_status = status_pb2.Status(code=code_pb2.UNKNOWN, message=message, details=details)
    return RichStatus(
        grpc.StatusCode.UNKNOWN,
        message,
        (("grpc-status-details-bin", rpc_status.SerializeToString()),),
    )

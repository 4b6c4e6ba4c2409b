"""The one exception a refused control-plane operation raises in the runtime state objects.

Tables, action profiles, externs and the replication engine validate every change the P4Runtime
server or the STF runner asks for and refuse it with a `RuntimeApiError` that carries a gRPC
status code name. The server turns it into the `p4.v1.Error` of the update; the codes and
messages follow what BMv2's P4Runtime server (the PI frontend in front of `simple_switch`)
answers for the same request, so that a controller sees the same failure on both targets.

BMv2 fact worth knowing when reading the codes: PI checks the request itself first (bad match
key, unknown ids, duplicates, ...) and answers with a specific code; whatever the switch
itself refuses afterwards (table full, entries of a table with program entries, member still
in use, ...) reaches the client as `UNKNOWN` with a fixed message such as "Error when adding
match entry to target".
"""

from __future__ import annotations

STATUS_CODES = frozenset(
    {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    }
)
"""The names of `grpc.StatusCode` members (kept here so the runtime does not import grpc)."""


class RuntimeApiError(Exception):
    """A refused control-plane operation.

    `code` is a `grpc.StatusCode` member name such as "INVALID_ARGUMENT" or "NOT_FOUND";
    `message` says what was wrong, in words a controller author can act on.
    """

    def __init__(self, code: str, message: str) -> None:
        if code not in STATUS_CODES or code == "OK":
            raise ValueError(f"{code!r} is not a gRPC error status code name")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

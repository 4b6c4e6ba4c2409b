"""The P4Runtime request log of the P4 tutorials: every request a controller sends, as text.

Users of the tutorials debug controllers by reading `logs/<switch>-p4runtime-requests.txt`:
one entry per request (timestamp, method, the request in protobuf text format between `---`
lines). `ClientRequestLogger` writes it from the controller side (a gRPC client interceptor), so
it exists for BMv2 too, whose P4Runtime server logs nothing; p4sim's server writes the same
format through `LogFile`. A SetForwardingPipelineConfig's device config (a whole compiled
program) is replaced by its size.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import text_format
from google.protobuf.message import Message
from p4.v1 import p4runtime_pb2


def format_request(method: str, request: Message) -> str:
    """One log entry for `request` sent to `method` (e.g. /p4.v1.P4Runtime/Write)."""
    note = ""
    if isinstance(request, p4runtime_pb2.SetForwardingPipelineConfigRequest):
        size = len(request.config.p4_device_config)
        if size:
            trimmed = p4runtime_pb2.SetForwardingPipelineConfigRequest()
            trimmed.CopyFrom(request)
            trimmed.config.p4_device_config = b""
            request = trimmed
            note = f"# config.p4_device_config: {size} bytes, not logged\n"
    stamp = datetime.now().isoformat(sep=" ", timespec="microseconds")
    return f"\n[{stamp}] {method}\n---\n{note}{text_format.MessageToString(request)}---\n"


class LogFile:
    """An append-only log file shared by threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, method: str, request: Message) -> None:
        entry = format_request(method, request)
        with self._lock:
            if not self._file.closed:
                self._file.write(entry)
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


class ClientRequestLogger(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Logs each request (and each StreamChannel message) before it is sent."""

    def __init__(self, log: LogFile) -> None:
        self.log = log

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Message
    ) -> Any:
        self.log.write(details.method, request)
        return continuation(details, request)

    # Read answers with a stream, but its request is one message, logged the same way.
    intercept_unary_stream = intercept_unary_unary

    def intercept_stream_stream(
        self,
        continuation: Callable[..., Any],
        details: grpc.ClientCallDetails,
        requests: Iterator[Message],
    ) -> Any:
        def logged() -> Iterator[Message]:
            for request in requests:
                self.log.write(details.method, request)
                yield request

        return continuation(details, logged())

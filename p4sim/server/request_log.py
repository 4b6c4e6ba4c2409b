"""A gRPC server interceptor that appends every P4Runtime request to a text file.

Users of the P4 tutorials debug controllers by reading `logs/<switch>-p4runtime-requests.txt`;
this log has the same shape (timestamp, method, request in protobuf text format between `---`
lines), written by the switch so it also shows requests of controllers that log nothing.
Each message of a StreamChannel (arbitration, PacketOut, digest acks) is one entry. The device
config of SetForwardingPipelineConfig (a whole compiled program) is replaced by its size.
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


class RequestLogger(grpc.ServerInterceptor):
    """Logs requests to `path` (appending); `close()` releases the file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def log(self, method: str, request: Message) -> None:
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
        entry = f"\n[{stamp}] {method}\n---\n{note}{text_format.MessageToString(request)}---\n"
        with self._lock:
            if not self._file.closed:
                self._file.write(entry)
                self._file.flush()

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        codecs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(method, handler.unary_unary), **codecs
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._unary(method, handler.unary_stream), **codecs
            )
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                self._streaming(method, handler.stream_stream), **codecs
            )
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                self._streaming(method, handler.stream_unary), **codecs
            )
        return handler

    def _unary(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        def logged(request: Message, context: grpc.ServicerContext) -> Any:
            self.log(method, request)
            return behavior(request, context)

        return logged

    def _streaming(self, method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
        def requests(iterator: Iterator[Message]) -> Iterator[Message]:
            for request in iterator:
                self.log(method, request)
                yield request

        def logged(iterator: Iterator[Message], context: grpc.ServicerContext) -> Any:
            return behavior(requests(iterator), context)

        return logged

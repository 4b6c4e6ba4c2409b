"""A gRPC server interceptor that appends every P4Runtime request to a text file.

Users of the P4 tutorials debug controllers by reading `logs/<switch>-p4runtime-requests.txt`;
this log has the same shape (controller.request_log's format), written by the switch so it also
shows requests of controllers that log nothing.
Each message of a StreamChannel (arbitration, PacketOut, digest acks) is one entry. The device
config of SetForwardingPipelineConfig (a whole compiled program) is replaced by its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message

from controller.request_log import LogFile


class RequestLogger(grpc.ServerInterceptor):
    """Logs requests to `path` (appending); `close()` releases the file."""

    def __init__(self, path: Path) -> None:
        self._file = LogFile(path)

    def close(self) -> None:
        self._file.close()

    def log(self, method: str, request: Message) -> None:
        self._file.write(method, request)

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
        # (the handler's behaviour, the factory of a handler of that kind, the logging wrapper)
        kinds = (
            (handler.unary_unary, grpc.unary_unary_rpc_method_handler, self._unary),
            (handler.unary_stream, grpc.unary_stream_rpc_method_handler, self._unary),
            (handler.stream_stream, grpc.stream_stream_rpc_method_handler, self._streaming),
            (handler.stream_unary, grpc.stream_unary_rpc_method_handler, self._streaming),
        )
        for behavior, make_handler, logged in kinds:
            if behavior is not None:
                return make_handler(logged(method, behavior), **codecs)
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

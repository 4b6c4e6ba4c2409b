"""A scripted P4Runtime server in this process, for tests of the controller side.

It records every request and answers as the test tells it (update errors, read results,
UNIMPLEMENTED registers as BMv2 gives), so a test can pin down the exact messages a controller
sends and how it reports refusals, independently of p4sim's server.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from typing import Any

import grpc
from google.rpc import code_pb2, status_pb2
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc


class FakeP4Runtime(p4runtime_pb2_grpc.P4RuntimeServicer):
    """Records requests; answers Write/Read as scripted by the test; the highest election id
    seen is primary."""

    def __init__(self) -> None:
        self.writes: list[p4runtime_pb2.WriteRequest] = []
        self.reads: list[p4runtime_pb2.ReadRequest] = []
        self.pipelines: list[p4runtime_pb2.SetForwardingPipelineConfigRequest] = []
        self.stream_requests: list[p4runtime_pb2.StreamMessageRequest] = []
        self.write_errors: list[tuple[int, str]] = []
        self.read_entities: list[p4runtime_pb2.Entity] = []
        self.registers_unimplemented = False
        self.primary: tuple[int, int] | None = None
        self.p4info = None
        self.streams: list[queue.Queue] = []

    def StreamChannel(self, request_iterator: Iterator, context: grpc.ServicerContext) -> Any:
        out: queue.Queue = queue.Queue()
        self.streams.append(out)
        context.add_callback(lambda: out.put(None))

        def pump() -> None:
            try:
                serve_requests()
            except grpc.RpcError:  # the client cancelled the stream
                pass
            out.put(None)  # the client closed its side: end the stream, as servers do

        def serve_requests() -> None:
            for request in request_iterator:
                self.stream_requests.append(request)
                if request.HasField("arbitration"):
                    election = (request.arbitration.election_id.high,
                                request.arbitration.election_id.low)
                    reply = p4runtime_pb2.StreamMessageResponse()
                    reply.arbitration.CopyFrom(request.arbitration)
                    if self.primary is None or election >= self.primary:
                        self.primary = election
                        reply.arbitration.status.code = code_pb2.OK
                    else:
                        reply.arbitration.status.code = code_pb2.ALREADY_EXISTS
                        reply.arbitration.status.message = "a primary is connected"
                    out.put(reply)

        threading.Thread(target=pump, daemon=True).start()
        while (message := out.get()) is not None:
            yield message

    def push(self, message: p4runtime_pb2.StreamMessageResponse) -> None:
        self.streams[-1].put(message)

    def Write(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.writes.append(request)
        errors = list(self.write_errors)
        if self.registers_unimplemented and any(
                u.entity.HasField("register_entry") for u in request.updates):
            errors = [(code_pb2.UNIMPLEMENTED, "Register writes are not supported yet")]
        if errors:
            status = status_pb2.Status(code=code_pb2.UNKNOWN, message="Write failure.")
            for code, message in errors:
                status.details.add().Pack(p4runtime_pb2.Error(canonical_code=code,
                                                              message=message))
            context.set_trailing_metadata(
                (("grpc-status-details-bin", status.SerializeToString()),))
            context.abort(grpc.StatusCode.UNKNOWN, "Write failure.")
        return p4runtime_pb2.WriteResponse()

    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.reads.append(request)
        if self.registers_unimplemented and any(e.HasField("register_entry")
                                                for e in request.entities):
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "Register reads are not supported yet")
        yield p4runtime_pb2.ReadResponse(entities=self.read_entities)

    def SetForwardingPipelineConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.pipelines.append(request)
        self.p4info = request.config.p4info
        return p4runtime_pb2.SetForwardingPipelineConfigResponse()

    def GetForwardingPipelineConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        reply = p4runtime_pb2.GetForwardingPipelineConfigResponse()
        if self.p4info is not None:
            reply.config.p4info.CopyFrom(self.p4info)
        return reply

    def Capabilities(self, request: Any, context: grpc.ServicerContext) -> Any:
        return p4runtime_pb2.CapabilitiesResponse(p4runtime_api_version="1.4.1")


@contextmanager
def fake_p4runtime() -> Iterator[tuple[FakeP4Runtime, str]]:
    """A FakeP4Runtime served on a free port of 127.0.0.1, and its address; stopped afterwards."""
    servicer = FakeP4Runtime()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    p4runtime_pb2_grpc.add_P4RuntimeServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield servicer, f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)

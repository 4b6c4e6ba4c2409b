"""The `p4.v1.P4Runtime` servicer: RPC-level checks and the glue between the parts.

Locks, always taken in this order and never the other way round:
- `_lock` serialises everything that changes control state (Write, SetForwardingPipelineConfig,
  arbitration), which also makes a change of primary wait for in-flight writes (spec);
- `switch.lock` (the data plane's) is held while a batch is applied or read, so packets see
  the state between batches only;
- `_arb_lock` guards the arbiter; it is also taken by the data plane (packet-ins, digests) to
  find the primaries, which is why it is never held while taking another lock.

A timer thread, started and stopped with the server, sends digest lists whose timeout expired
and runs the idle-timeout sweeps (`idle_timeout`); a sweep holds `_lock` and `switch.lock`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import grpc
from google.protobuf.message import Message
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import entities
from p4sim.server.arbitration import Arbiter, election_id
from p4sim.server.digests import DigestEngine
from p4sim.server.idle_timeout import IdleTimeoutMonitor
from p4sim.server.packet_io import packet_in_message, packet_out_bytes
from p4sim.server.pipeline import PipelineHost
from p4sim.server.schema import Schema
from p4sim.server.status import ERROR_SPACE, batch_status, status_code
from p4sim.server.stream import StreamSession
from p4sim.server.target import Target

log = logging.getLogger(__name__)

API_VERSION = version("p4runtime")
READ_CHUNK = 1000  # entities per ReadResponse message
Response = p4runtime_pb2.StreamMessageResponse


class P4RuntimeService(p4runtime_pb2_grpc.P4RuntimeServicer):
    """Serves one switch (one device id) through its Dataplane."""

    def __init__(self, switch: Any, dataplane: Any) -> None:
        self._switch = switch
        self._dataplane = dataplane
        self._lock = threading.RLock()
        self._arb_lock = threading.Lock()
        self._arbiter = Arbiter(switch.device_id)
        self._pipelines = PipelineHost(switch, self._digest_engine)
        self._idle_timeouts = IdleTimeoutMonitor(self._deliver_idle_timeouts)
        self._timer_wake = threading.Event()
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None
        switch.digest_sink = self._on_digest
        dataplane.packet_in_sink = self._on_packet_in

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the thread that enforces digest timeouts and sweeps for idle entries."""
        self._stopping.clear()
        self._idle_timeouts.start(self._switch.clock())
        self._timer = threading.Thread(target=self._run_timer, name="p4rt-timer", daemon=True)
        self._timer.start()

    def stop(self) -> None:
        self._stopping.set()
        self._timer_wake.set()
        if self._timer is not None:
            self._timer.join()
            self._timer = None

    def preload(self, config: p4runtime_pb2.ForwardingPipelineConfig) -> None:
        """Install a pipeline without a controller (`p4sim run PROGRAM`)."""
        commit = p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
        with self._lock:
            self._set_pipeline(commit, config)

    def _set_pipeline(
        self, action: int, config: p4runtime_pb2.ForwardingPipelineConfig | None
    ) -> None:
        """Apply a SetForwardingPipelineConfig action (caller holds `_lock`)."""
        live = self._pipelines.live
        self._pipelines.set(action, config)
        if self._pipelines.live is not live:
            self._idle_timeouts.reset(self._switch.clock())

    def _digest_engine(self, schema: Schema) -> DigestEngine:
        return DigestEngine(schema, self._deliver_digest, wake=self._timer_wake.set)

    def _run_timer(self) -> None:
        while not self._stopping.is_set():
            self._timer_wake.clear()
            waits = []
            live = self._pipelines.live
            digest_due = live.digests.poll(time.monotonic()) if live is not None else None
            if digest_due is not None:
                waits.append(digest_due - time.monotonic())
            idle_due = self._sweep_idle_timeouts()
            if idle_due is not None:
                waits.append(idle_due - self._switch.clock())
            self._timer_wake.wait(max(0.0, min(waits)) if waits else None)

    def _sweep_idle_timeouts(self) -> float | None:
        """Run the idle-timeout work that is due; when the next is (switch clock)."""
        with self._lock, self._switch.lock:
            return self._idle_timeouts.poll(self._pipelines.live, self._switch.clock())

    # ------------------------------------------------------------------ unary RPCs

    def Capabilities(
        self, request: p4runtime_pb2.CapabilitiesRequest, context: grpc.ServicerContext
    ) -> p4runtime_pb2.CapabilitiesResponse:
        return p4runtime_pb2.CapabilitiesResponse(p4runtime_api_version=API_VERSION)

    def SetForwardingPipelineConfig(
        self,
        request: p4runtime_pb2.SetForwardingPipelineConfigRequest,
        context: grpc.ServicerContext,
    ) -> p4runtime_pb2.SetForwardingPipelineConfigResponse:
        with self._lock:
            try:
                self._check_primary(request)
                config = request.config if request.HasField("config") else None
                self._set_pipeline(request.action, config)
            except RuntimeApiError as err:
                _abort(context, err)
        return p4runtime_pb2.SetForwardingPipelineConfigResponse()

    def GetForwardingPipelineConfig(
        self,
        request: p4runtime_pb2.GetForwardingPipelineConfigRequest,
        context: grpc.ServicerContext,
    ) -> p4runtime_pb2.GetForwardingPipelineConfigResponse:
        self._check_device(request.device_id, context)
        Get = p4runtime_pb2.GetForwardingPipelineConfigRequest
        response = p4runtime_pb2.GetForwardingPipelineConfigResponse()
        with self._lock:
            config = self._pipelines.config()
        if config is None:
            return response
        kind = request.response_type
        out = response.config
        if kind in (Get.ALL, Get.P4INFO_AND_COOKIE):
            out.p4info.CopyFrom(config.p4info)
        if kind in (Get.ALL, Get.DEVICE_CONFIG_AND_COOKIE):
            out.p4_device_config = config.p4_device_config
        if config.HasField("cookie"):
            out.cookie.CopyFrom(config.cookie)
        out.SetInParent()
        return response

    def Write(
        self, request: p4runtime_pb2.WriteRequest, context: grpc.ServicerContext
    ) -> p4runtime_pb2.WriteResponse:
        with self._lock:
            try:
                self._check_primary(request)
                target = self._pipelines.target()
                if request.atomicity != p4runtime_pb2.WriteRequest.CONTINUE_ON_ERROR:
                    raise RuntimeApiError("UNIMPLEMENTED", "only CONTINUE_ON_ERROR batches")
            except RuntimeApiError as err:
                _abort(context, err)
            with target.switch.lock:
                errors = [self._write_one(target, update) for update in request.updates]
        if any(err is not None for err in errors):
            context.abort_with_status(batch_status(errors))
        return p4runtime_pb2.WriteResponse()

    def _write_one(self, target: Target, update: p4runtime_pb2.Update) -> RuntimeApiError | None:
        try:
            entities.write(target, update)
        except RuntimeApiError as err:
            return err
        except Exception as exc:  # a server bug must not take the server down
            log.exception("P4Runtime Write update failed unexpectedly")
            return RuntimeApiError("INTERNAL", f"internal error: {exc!r}")
        kept = p4runtime_pb2.Update()
        kept.CopyFrom(update)
        self._pipelines.record(kept)
        return None

    def Read(
        self, request: p4runtime_pb2.ReadRequest, context: grpc.ServicerContext
    ) -> Iterator[p4runtime_pb2.ReadResponse]:
        self._check_device(request.device_id, context)
        with self._lock:
            try:
                target = self._pipelines.target()
            except RuntimeApiError as err:
                _abort(context, err)
        found: list[p4runtime_pb2.Entity] = []
        errors: list[RuntimeApiError | None] = []
        with target.switch.lock:
            for entity in request.entities:
                try:
                    found.extend(entities.read(target, entity))
                    errors.append(None)
                except RuntimeApiError as err:
                    errors.append(err)
                except Exception as exc:
                    log.exception("P4Runtime Read failed unexpectedly")
                    errors.append(RuntimeApiError("INTERNAL", f"internal error: {exc!r}"))
        for start in range(0, max(len(found), 1), READ_CHUNK):
            yield p4runtime_pb2.ReadResponse(entities=found[start : start + READ_CHUNK])
        if any(err is not None for err in errors):
            context.abort_with_status(batch_status(errors))

    def _check_device(self, device_id: int, context: grpc.ServicerContext) -> None:
        try:
            self._arbiter.check_device(device_id)  # the device id never changes: no lock
        except RuntimeApiError as err:
            _abort(context, err)

    def _check_primary(self, request: Message) -> None:
        with self._arb_lock:
            self._arbiter.check_primary(
                request.device_id, request.role, election_id(request)  # type: ignore[attr-defined]
            )

    # ------------------------------------------------------------------ StreamChannel

    def StreamChannel(
        self,
        request_iterator: Iterator[p4runtime_pb2.StreamMessageRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[Response]:
        session = StreamSession(context.peer())
        context.add_callback(session.close)
        reader = threading.Thread(
            target=self._serve_stream, args=(request_iterator, session), name="p4rt-stream",
            daemon=True,
        )
        reader.start()
        try:
            yield from session.responses()
            if session.error is not None:
                _abort(context, session.error)
        finally:
            with self._arb_lock:
                notices = self._arbiter.disconnect(session)
            _send_notices(notices)

    def _serve_stream(
        self, requests: Iterator[p4runtime_pb2.StreamMessageRequest], session: StreamSession
    ) -> None:
        try:
            for request in requests:
                self._on_stream_request(session, request)
                if session.closed:
                    break
        except grpc.RpcError:
            pass  # the client went away
        except Exception:
            log.exception("P4Runtime StreamChannel failed unexpectedly")
        finally:
            session.close()

    def _on_stream_request(
        self, session: StreamSession, request: p4runtime_pb2.StreamMessageRequest
    ) -> None:
        kind = request.WhichOneof("update")
        if kind == "arbitration":
            with self._lock, self._arb_lock:
                try:
                    notices = self._arbiter.arbitrate(session, request.arbitration)
                except RuntimeApiError as err:
                    session.close(err)
                    return
            _send_notices(notices)
            return
        with self._arb_lock:
            primary = self._arbiter.is_primary(session)
        live = self._pipelines.live
        try:
            if kind not in ("packet", "digest_ack"):
                raise RuntimeApiError(
                    "UNIMPLEMENTED" if kind else "INVALID_ARGUMENT",
                    f"unsupported stream message {kind}" if kind else "empty stream message",
                )
            if not primary:
                raise RuntimeApiError("PERMISSION_DENIED", "only the primary controller may")
            if live is None:
                raise RuntimeApiError("FAILED_PRECONDITION", "no forwarding pipeline config")
            if kind == "digest_ack":
                live.digests.ack(request.digest_ack)
                return
            cpu_port = self._switch.cpu_port
            if cpu_port is None:
                raise RuntimeApiError("FAILED_PRECONDITION", "the switch has no CPU port")
            frame = packet_out_bytes(live.schema, request.packet)
        except RuntimeApiError as err:
            session.send(_stream_error(err, request))
            return
        try:
            self._dataplane.inject(cpu_port, frame)
        except Exception as exc:  # a data plane failure must not end the controller's stream
            log.exception("processing a PacketOut failed")
            session.send(_stream_error(RuntimeApiError("INTERNAL", repr(exc)), request))

    # ------------------------------------------------------------------ data plane events

    def _primaries(self) -> list[StreamSession]:
        with self._arb_lock:
            return self._arbiter.primaries()  # type: ignore[return-value]

    def _on_packet_in(self, frame: bytes) -> None:
        live = self._pipelines.live
        if live is None:
            return
        packet = packet_in_message(live.schema, frame)
        if packet is not None:
            for session in self._primaries():
                session.send(Response(packet=packet), droppable=True)

    def _on_digest(self, name: str, values: tuple) -> None:
        live = self._pipelines.live
        if live is not None:
            live.digests.on_digest(name, values)

    def _deliver_digest(self, digest: p4runtime_pb2.DigestList) -> bool:
        delivered = False
        for session in self._primaries():
            delivered |= session.send(Response(digest=digest), droppable=True)
        return delivered

    def _deliver_idle_timeouts(self, notification: p4runtime_pb2.IdleTimeoutNotification) -> bool:
        delivered = False
        for session in self._primaries():
            delivered |= session.send(
                Response(idle_timeout_notification=notification), droppable=True
            )
        return delivered


def _abort(context: grpc.ServicerContext, err: RuntimeApiError) -> None:
    context.abort(status_code(err), err.message)


def _send_notices(notices: list) -> None:
    for session, update in notices:
        session.send(Response(arbitration=update))


def _stream_error(
    err: RuntimeApiError, request: p4runtime_pb2.StreamMessageRequest
) -> Response:
    """A StreamError naming the message that caused it (the packet itself for a PacketOut)."""
    error = p4runtime_pb2.StreamError(
        canonical_code=status_code(err).value[0], message=err.message, space=ERROR_SPACE
    )
    kind = request.WhichOneof("update")
    if kind == "packet":
        error.packet_out.packet_out.CopyFrom(request.packet)
    elif kind == "digest_ack":
        error.digest_list_ack.digest_list_ack.CopyFrom(request.digest_ack)
    elif kind == "other":
        error.other.other.CopyFrom(request.other)
    return Response(error=error)

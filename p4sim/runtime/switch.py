"""The v1model architecture around a loaded pipeline, as BMv2's simple_switch runs it.

One packet in, every resulting packet out: parser -> verify checksum -> ingress -> traffic
manager (clone, digest, resubmit, multicast, unicast or drop) -> egress -> (E2E clone, drop,
compute checksum, deparse, recirculate). The order of those decisions and what each copy
carries follow simple_switch.cpp (`ingress_thread`, `egress_thread`, `multicast`, `enqueue`):

- Standard metadata starts from zero except on a packet's first pass: resubmitted and
  recirculated packets get only `instance_type`, `packet_length` (the bytes they are parsed
  from) and the user metadata fields of the preserving field list (BMv2 resets all metadata,
  so `ingress_port` and `ingress_global_timestamp` are 0 then).
- I2E clones are re-parsed from the bytes the ingress pass started with (the parser sees the
  original `ingress_port`), then all metadata is reset and only the field list is copied;
  E2E clones keep the headers as egress left them, with metadata reset the same way. P4Runtime
  clone sessions are multicast groups in BMv2, so each clone carries its replica's `egress_rid`.
- Multicast copies keep everything of the ingress result (instance_type 5, `egress_rid` set).
  A unicast packet enters egress with `instance_type` 0, whatever its ingress pass was.
- Enqueueing drops a packet whose `priority` is not 0 (simple_switch has one queue per port
  unless started with --priority-queues) and stamps `enq_timestamp`; egress starts with
  `egress_port` set, `egress_spec` 0 and `packet_length` the length the packet was received
  with (for clones and copies: the original's).
- `truncate(n)` keeps the smallest length asked for; it is a property of the BMv2 packet
  object, so it applies to the packet that called it (and an ingress packet sent unicast), not
  to multicast copies, clones or recirculated packets.
"""

from __future__ import annotations

import random as random_module
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from p4sim.executor import Pipeline, load_program
from p4sim.executor.values import AssertionFailed, ExitSignal, P4ParserError, PacketCursor
from p4sim.runtime.action_profiles import ActionProfile
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterArray, MeterArray, RegisterArray
from p4sim.runtime.pre import CloneSession, ReplicationEngine
from p4sim.runtime.tables import Table
from p4sim.runtime.value_sets import ValueSet

DROP_PORT = 511
NORMAL, INGRESS_CLONE, EGRESS_CLONE, RECIRCULATED, REPLICATION, RESUBMIT = 0, 1, 2, 4, 5, 6
MAX_PASSES = 64  # resubmit/recirculate loops: BMv2 would loop forever, p4sim stops and says so

Trace = Callable[[str], None]


class PacketCtx:
    """Per-pass state generated code reads and writes besides headers and metadata.

    Most passes request nothing, so the fields default to class attributes and a pass only
    creates what it sets (a new context per pass is on the per-packet path).
    """

    payload = b""
    sm: Any = None
    digest: tuple[str, Any] | None = None
    dm: dict[str, int] | None = None
    clone: tuple[str, int, Any] | None = None
    resubmit: Any = None
    recirculate: Any = None
    truncate: int | None = None
    checksum_error = False

    def __init__(self, switch: Switch, packet_length: int) -> None:
        self.switch = switch
        self.packet_length = packet_length

    def request_clone(self, clone_type: str, session: int, field_list: Any) -> None:
        self.clone = (clone_type, session, field_list)

    def request_resubmit(self, field_list: Any) -> None:
        self.resubmit = field_list

    def request_recirculate(self, field_list: Any) -> None:
        self.recirculate = field_list

    def request_truncate(self, length: int) -> None:
        if self.truncate is None or length < self.truncate:
            self.truncate = length

    def set_digest(self, name: str, values: Any) -> None:
        self.digest = (name, values)

    def set_meter_colour(self, meter: str, colour: int) -> None:
        """A direct meter's colour, for a read() whose target the table could not write."""
        if self.dm is None:
            self.dm = {}
        self.dm[meter] = colour

    def random(self, lo: int, hi: int) -> int:
        return self.switch.rng.randint(lo, hi)

    def log_msg(self, message: str, values: tuple) -> None:
        text = message
        for v in values if isinstance(values, tuple) else (values,):
            text = text.replace("{}", str(v), 1)
        self.switch.log(f"log_msg: {text}")


@dataclass
class _Job:
    """A packet waiting for egress: its port, parsed state and the bytes after the headers.

    `in_port` is the port the packet object entered the switch on (BMv2 keeps it on the packet,
    apart from the metadata) and `packet_length` the length egress reports.
    """

    port: int
    hdr: Any
    meta: Any
    sm: Any
    payload: bytes
    packet_length: int
    in_port: int
    truncate: int | None = None


class Switch:
    """A v1model switch holding one loaded program and its state. Thread-safe via `lock`."""

    def __init__(
        self,
        *,
        device_id: int = 0,
        cpu_port: int | None = None,
        trace: Trace | None = None,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
    ) -> None:
        self.device_id = device_id
        self.cpu_port = cpu_port
        self.trace = trace
        self.clock = clock
        self.rng = random_module.Random(seed)
        self.lock = threading.RLock()
        self.started = clock()
        self.pipeline: Pipeline | None = None
        self.device_config: bytes | None = None
        self.tables: dict[str, Table] = {}
        self.action_profiles: dict[str, ActionProfile] = {}
        self.registers: dict[str, RegisterArray] = {}
        self.counters: dict[str, CounterArray] = {}
        self.meters: dict[str, MeterArray] = {}
        self.value_sets: dict[str, ValueSet] = {}
        self.direct_counters: dict[str, str] = {}
        self.direct_meters: dict[str, str] = {}
        self.pre = ReplicationEngine()
        self.digest_sink: Callable[[str, tuple], None] | None = None
        self.port_status: dict[int, bool] = {}
        self.dropped: dict[str, int] = {}
        # the loaded pipeline's entry points: (parser, verify, ingress, egress, compute,
        # deparser) and the constructors of (headers, user metadata, standard metadata)
        self._blocks: tuple[Callable[..., Any], ...] = ()
        self._new: tuple[Callable[[], Any], ...] = ()

    # ------------------------------------------------------------------ loading
    @property
    def loaded(self) -> bool:
        return self.pipeline is not None

    def load_pipeline(self, device_config: bytes) -> None:
        """Load a program (the `.p4sim.json` bytes) with fresh state; keeps the old one on error."""
        pipeline = load_program(device_config, trace=self.trace, clock=self.clock)
        with self.lock:
            self.pipeline = pipeline
            self.device_config = bytes(device_config)
            self.tables = dict(pipeline.tables)
            inst = pipeline.instances
            self.action_profiles = {n: o for n, o in inst.items() if isinstance(o, ActionProfile)}
            self.registers = {n: o for n, o in inst.items() if isinstance(o, RegisterArray)}
            self.counters = {n: o for n, o in inst.items() if isinstance(o, CounterArray)}
            self.meters = {n: o for n, o in inst.items() if isinstance(o, MeterArray)}
            self.value_sets = {n: o for n, o in inst.items() if isinstance(o, ValueSet)}
            self.direct_counters = {
                t.direct_counter: t.name for t in pipeline.tables.values() if t.direct_counter
            }
            self.direct_meters = {
                t.direct_meter: t.name for t in pipeline.tables.values() if t.direct_meter
            }
            self.pre = ReplicationEngine()
            blocks = pipeline.blocks
            self._blocks = tuple(blocks[r] for r in ("p", "vr", "ig", "eg", "ck", "dep"))
            self._new = (blocks["new_headers"], blocks["new_meta"], blocks["new_sm"])
            for port, up in self.port_status.items():
                for profile in self.action_profiles.values():
                    profile.set_port_status(port, up)

    def set_port_status(self, port: int, up: bool) -> None:
        with self.lock:
            self.port_status[port] = up
            for profile in self.action_profiles.values():
                profile.set_port_status(port, up)

    def log(self, message: str) -> None:
        if self.trace is not None:
            self.trace(message)

    def _drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        self.log(f"drop: {reason}")

    def _now_us(self) -> int:
        """Microseconds since the switch started (BMv2 `get_ts()`, truncated like its
        duration_cast); rounding to the nanosecond first keeps float clocks exact."""
        return (round((self.clock() - self.started) * 1e9) // 1000) & ((1 << 48) - 1)

    # ------------------------------------------------------------------ packets
    def process_packet(self, port: int, data: bytes) -> list[tuple[int, bytes]]:
        """Run one packet and all its copies to completion; returns (port, bytes) in order.

        The clock is read once: every timestamp of this packet and its copies is that time
        (p4sim does not queue, so ingress, enqueue and egress happen at the same instant).
        """
        with self.lock:
            if self.pipeline is None:
                self._drop("no pipeline loaded")
                return []
            now = self._now_us()
            out: list[tuple[int, bytes]] = []
            ingress_queue: deque[tuple[int, bytes, int, Any]] = deque([(port, data, NORMAL, None)])
            passes = 0
            while ingress_queue:
                passes += 1
                if passes > MAX_PASSES:
                    self._drop(f"more than {MAX_PASSES} resubmit/recirculate passes")
                    break
                in_port, in_data, itype, preserved = ingress_queue.popleft()
                egress_queue = self._ingress(in_port, in_data, itype, preserved, ingress_queue, now)
                while egress_queue:
                    self._egress(egress_queue.popleft(), egress_queue, ingress_queue, out, now)
            return out

    def _fresh_state(self, length: int, itype: int) -> tuple[Any, Any, Any]:
        new_hdr, new_meta, new_sm = self._new
        sm = new_sm()
        sm.f_packet_length = length
        sm.f_instance_type = itype
        return new_hdr(), new_meta(), sm

    def _ingress(
        self,
        port: int,
        data: bytes,
        itype: int,
        preserved: Any,
        ingress_queue: deque,
        now: int,
    ) -> deque[_Job]:
        parser, verify, ingress = self._blocks[:3]
        trace = self.trace
        if trace:
            trace(f"ingress: port {port}, {len(data)} bytes, instance_type {itype}")
        hdr, meta, sm = self._fresh_state(len(data), itype)
        if itype == NORMAL:
            sm.f_ingress_port = port
            sm.f_ingress_global_timestamp = now
        if preserved is not None:
            _restore_fields(meta, preserved)
        ctx = PacketCtx(self, len(data))
        ctx.sm = sm
        cursor = PacketCursor(data)
        try:
            parser(cursor, hdr, meta, sm, ctx)
        except P4ParserError as exc:
            if exc.name is not None:
                if trace:
                    trace(f"parser error {exc.name}")
                sm.f_parser_error = exc.name
        ctx.payload = cursor.payload()
        try:
            verify(hdr, meta, ctx)
        except ExitSignal:
            pass
        if ctx.checksum_error:
            sm.f_checksum_error = 1
        try:
            ingress(hdr, meta, sm, ctx)
        except ExitSignal:
            pass
        except AssertionFailed as exc:
            self._drop(str(exc))
            return deque()
        return self._traffic_manager(port, data, hdr, meta, sm, ctx, ingress_queue, now)

    def _traffic_manager(
        self,
        port: int,
        data: bytes,
        hdr: Any,
        meta: Any,
        sm: Any,
        ctx: PacketCtx,
        ingress_queue: deque,
        now: int,
    ) -> deque[_Job]:
        jobs: deque[_Job] = deque()
        length = len(data)
        if ctx.clone is not None:
            _, session_id, field_list = ctx.clone
            preserved = self._preserve(meta, field_list)
            self._ingress_clone(port, data, session_id, preserved, jobs, now)
        if ctx.digest is not None and self.digest_sink is not None:
            self.digest_sink(*ctx.digest)
        if ctx.resubmit is not None:
            self.log("resubmit")
            ingress_queue.append((port, data, RESUBMIT, self._preserve(meta, ctx.resubmit)))
            return jobs
        mgid = sm.f_mcast_grp
        if mgid:
            replicas = self.pre.group(mgid)
            if self.trace:
                self.log(f"multicast group {mgid}: {len(replicas)} copies")
            sm.f_instance_type = REPLICATION
            for replica in replicas:
                c_sm = sm.copy()
                c_sm.f_egress_rid = replica.rid
                job = _Job(replica.port, hdr.copy(), meta.copy(), c_sm, ctx.payload, length, port)
                self._enqueue(job, jobs, now)
            return jobs
        egress_spec = sm.f_egress_spec
        if egress_spec == DROP_PORT:
            self._drop("egress_spec 511 (mark_to_drop) in ingress")
            return jobs
        sm.f_instance_type = NORMAL
        job = _Job(egress_spec, hdr, meta, sm, ctx.payload, length, port, ctx.truncate)
        self._enqueue(job, jobs, now)
        return jobs

    def _enqueue(self, job: _Job, jobs: deque[_Job], now: int) -> None:
        """simple_switch's enqueue(): the priority picks one of the port's queues (only queue 0
        exists), and the queueing metadata is stamped."""
        sm = job.sm
        if sm.f_priority != 0:
            self._drop(f"priority {sm.f_priority} out of range (one queue per port)")
            return
        sm.f_enq_timestamp = now & 0xFFFFFFFF
        sm.f_enq_qdepth = 0
        jobs.append(job)

    def _ingress_clone(
        self, port: int, data: bytes, session_id: int, preserved: Any, jobs: deque, now: int
    ) -> None:
        session = self.pre.session(session_id)
        if session is None:
            self.log(f"clone: session {session_id} not configured, no copy")
            return
        length = len(data)
        hdr, scratch_meta, scratch_sm = self._fresh_state(length, INGRESS_CLONE)
        scratch_sm.f_ingress_port = port
        ctx = PacketCtx(self, length)
        ctx.sm = scratch_sm
        cursor = PacketCursor(data)
        try:
            self._blocks[0](cursor, hdr, scratch_meta, scratch_sm, ctx)
        except P4ParserError:
            pass  # the clone's metadata is reset below: its parser_error is NoError
        self._clone_copies(
            session, INGRESS_CLONE, hdr, cursor.payload(), length, port, preserved, jobs, now
        )

    def _preserve(self, meta: Any, field_list: Any) -> Any:
        """Snapshot of the user metadata fields in `field_list` (None: nothing preserved)."""
        if field_list is None:
            return None
        spec = self.pipeline.resources.field_lists.get(field_list)
        if spec is None:
            return ()
        return tuple((path, _get_path(meta, path)) for path in spec.meta_paths)

    def _egress(
        self, job: _Job, egress_queue: deque, ingress_queue: deque, out: list, now: int
    ) -> None:
        egress = self._blocks[3]
        trace = self.trace
        sm = job.sm
        sm.f_egress_global_timestamp = now
        sm.f_deq_timedelta = (now - sm.f_enq_timestamp) & 0xFFFFFFFF
        sm.f_deq_qdepth = 0
        sm.f_egress_port = job.port
        sm.f_egress_spec = 0  # BMv2 writes drop port + 1, which the 9-bit field wraps to 0
        sm.f_packet_length = job.packet_length
        ctx = PacketCtx(self, job.packet_length)
        ctx.sm = sm
        ctx.payload = job.payload
        ctx.truncate = job.truncate
        if trace:
            trace(f"egress: port {job.port}, instance_type {sm.f_instance_type}")
        try:
            egress(job.hdr, job.meta, sm, ctx)
        except ExitSignal:
            pass
        except AssertionFailed as exc:
            self._drop(str(exc))
            return
        if ctx.clone is not None:
            self._egress_clone(job, ctx, egress_queue, now)
        if sm.f_egress_spec == DROP_PORT:
            self._drop("egress_spec 511 (mark_to_drop) in egress")
            return
        data = self._deparse(job.hdr, job.meta, ctx)
        if ctx.recirculate is not None:
            self.log("recirculate")
            preserved = self._preserve(job.meta, ctx.recirculate)
            ingress_queue.append((job.in_port, data, RECIRCULATED, preserved))
            return
        if ctx.truncate is not None:
            data = data[: ctx.truncate]
        if trace:
            trace(f"output: port {job.port}, {len(data)} bytes")
        out.append((job.port, data))

    def _egress_clone(self, job: _Job, ctx: PacketCtx, egress_queue: deque, now: int) -> None:
        _, session_id, field_list = ctx.clone
        session = self.pre.session(session_id)
        if session is None:
            self.log(f"clone: session {session_id} not configured, no copy")
            return
        preserved = self._preserve(job.meta, field_list)
        self._clone_copies(
            session, EGRESS_CLONE, job.hdr, job.payload, job.packet_length, job.in_port,
            preserved, egress_queue, now,
        )

    def _clone_copies(
        self,
        session: CloneSession,
        itype: int,
        hdr: Any,
        payload: bytes,
        length: int,
        in_port: int,
        preserved: Any,
        jobs: deque[_Job],
        now: int,
    ) -> None:
        """Enqueue one copy of `hdr` per replica of a clone session: all metadata reset but
        the preserved fields, `instance_type` `itype` and the replica's `egress_rid`."""
        for replica in session.replicas:
            _, meta, sm = self._fresh_state(length, itype)
            if preserved is not None:
                _restore_fields(meta, preserved)
            sm.f_egress_rid = replica.rid
            if self.trace:
                kind = "I2E" if itype == INGRESS_CLONE else "E2E"
                self.log(f"{kind} clone to port {replica.port} (session {session.session_id})")
            job = _Job(replica.port, hdr.copy(), meta, sm, payload, length, in_port)
            self._enqueue(job, jobs, now)

    def _deparse(self, hdr: Any, meta: Any, ctx: PacketCtx) -> bytes:
        compute, deparser = self._blocks[4:]
        try:
            compute(hdr, meta, ctx)
        except ExitSignal:
            pass
        chunks: list[bytes] = []
        deparser(chunks, hdr, ctx)
        chunks.append(ctx.payload)
        return b"".join(chunks)


def _get_path(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        obj = getattr(obj, name)
    return obj.copy() if hasattr(obj, "copy") else obj


def _restore_fields(meta: Any, preserved: tuple) -> None:
    for path, value in preserved:
        target = meta
        for name in path[:-1]:
            target = getattr(target, name)
        current = getattr(target, path[-1])
        if hasattr(current, "restore_from"):
            current.restore_from(value)
        else:
            setattr(target, path[-1], value)


__all__ = ["Switch", "PacketCtx", "RuntimeApiError", "DROP_PORT"]

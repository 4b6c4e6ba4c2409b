"""Digest configuration, buffering, de-duplication and acknowledgements ("DigestEntry").

A digest instance sends nothing until a `DigestEntry` configures it. Then each distinct digest
message from the data plane is buffered until `max_list_size` messages are waiting or the
oldest has waited `max_timeout_ns`, and the buffer goes out as one `DigestList`. Messages sent
but not yet acknowledged stay in a cache for `ack_timeout_ns`; a message already in the cache or
in the buffer is dropped, so the controller sees each learned fact once until it acks the list.

The engine is driven from outside: the data plane calls `on_digest`, the stream calls `ack`,
and a timer thread calls `poll(now)` at the deadline `poll` returned. It only needs a clock and
a `deliver` callback, so tests run it without gRPC or threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from p4.v1 import p4data_pb2, p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server.p4data import to_p4data
from p4sim.server.schema import DigestInfo, Schema

Sample = tuple[int, ...]
_NS = 1e-9


@dataclass
class _Instance:
    info: DigestInfo
    config: p4runtime_pb2.DigestEntry.Config | None = None
    buffer: list[Sample] = field(default_factory=list)
    buffered_at: float = 0.0  # when the first message of the buffer arrived
    cache: dict[Sample, int] = field(default_factory=dict)  # sample -> list id
    sent_at: dict[int, float] = field(default_factory=dict)  # unacked list id -> send time
    next_list_id: int = 1


class DigestEngine:
    """Digest state of one pipeline. Thread-safe."""

    def __init__(
        self,
        schema: Schema,
        deliver: Callable[[p4runtime_pb2.DigestList], bool],
        *,
        clock: Callable[[], float] = time.monotonic,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        """`deliver` sends a list to the primary controllers and says whether anyone got it;
        `wake` tells the timer thread that a new deadline may have appeared."""
        self._schema = schema
        self._deliver = deliver
        self._clock = clock
        self._wake = wake
        self._lock = threading.Lock()
        self._instances = {d.id: _Instance(d) for d in schema.digests.values()}

    def write(self, update_type: int, entry: p4runtime_pb2.DigestEntry) -> None:
        """INSERT enables a digest, MODIFY changes its config, DELETE disables it (and forgets
        its buffer and cache), with BMv2's codes for enabling twice or changing a disabled one."""
        info = self._schema.digest(entry.digest_id)
        if info.members is None:
            raise RuntimeApiError("UNIMPLEMENTED", f"digest {info.name}: unsupported data type")
        with self._lock:
            inst = self._instances[info.id]
            if update_type == p4runtime_pb2.Update.INSERT:
                if inst.config is not None:
                    raise RuntimeApiError("ALREADY_EXISTS", f"digest {info.name} is configured")
            elif update_type in (p4runtime_pb2.Update.MODIFY, p4runtime_pb2.Update.DELETE):
                if inst.config is None:
                    raise RuntimeApiError("NOT_FOUND", f"digest {info.name} is not configured")
            else:
                raise RuntimeApiError("INVALID_ARGUMENT", "invalid update type for DigestEntry")
            if update_type == p4runtime_pb2.Update.DELETE:
                self._instances[info.id] = _Instance(info, next_list_id=inst.next_list_id)
                return
            config = entry.config
            if config.max_timeout_ns < 0 or config.ack_timeout_ns < 0 or config.max_list_size < 0:
                raise RuntimeApiError("INVALID_ARGUMENT", "negative digest config value")
            inst.config = p4runtime_pb2.DigestEntry.Config()
            inst.config.CopyFrom(config)
        self._wake()

    def read(self, entry: p4runtime_pb2.DigestEntry) -> list[p4runtime_pb2.DigestEntry]:
        """The configured digests (all of them for digest_id 0)."""
        with self._lock:
            if entry.digest_id == 0:
                return [self._entry(i) for i in self._instances.values() if i.config is not None]
            info = self._schema.digest(entry.digest_id)
            inst = self._instances[info.id]
            if inst.config is None:
                raise RuntimeApiError("NOT_FOUND", f"digest {info.name} is not configured")
            return [self._entry(inst)]

    def on_digest(self, name: str, values: Sample) -> None:
        """A digest message from the data plane (`Switch.digest_sink`)."""
        info = self._schema.digests_by_name.get(name)
        sample = tuple(values)
        if info is None or info.members is None or len(sample) != len(info.members):
            return
        with self._lock:
            inst = self._instances[info.id]
            if inst.config is None or sample in inst.cache or sample in inst.buffer:
                return
            if not inst.buffer:
                inst.buffered_at = self._clock()
            inst.buffer.append(sample)
            config = inst.config
            full = config.max_list_size != 0 and len(inst.buffer) >= config.max_list_size
            if full or config.max_timeout_ns == 0:
                self._send(inst)
                return
        self._wake()

    def ack(self, ack: p4runtime_pb2.DigestListAck) -> None:
        """A `DigestListAck`: the list's messages may be reported again."""
        info = self._schema.digest(ack.digest_id)
        with self._lock:
            inst = self._instances[info.id]
            if inst.sent_at.pop(ack.list_id, None) is not None:
                inst.cache = {s: i for s, i in inst.cache.items() if i != ack.list_id}

    def poll(self, now: float) -> float | None:
        """Send buffers that waited `max_timeout_ns`, forget lists unacked for `ack_timeout_ns`;
        returns the next time `poll` has work, None when nothing is pending."""
        deadlines = []
        with self._lock:
            for inst in self._instances.values():
                if inst.config is None:
                    continue
                if inst.buffer:
                    due = inst.buffered_at + inst.config.max_timeout_ns * _NS
                    if now >= due:
                        self._send(inst)
                    else:
                        deadlines.append(due)
                ack_timeout = inst.config.ack_timeout_ns * _NS
                for list_id, sent in list(inst.sent_at.items()):
                    if now >= sent + ack_timeout:
                        del inst.sent_at[list_id]
                        inst.cache = {s: i for s, i in inst.cache.items() if i != list_id}
                    else:
                        deadlines.append(sent + ack_timeout)
        return min(deadlines, default=None)

    def _send(self, inst: _Instance) -> None:
        """Deliver the buffer as one DigestList; cache it when acks are expected."""
        assert inst.config is not None and inst.info.members is not None
        list_id = inst.next_list_id
        inst.next_list_id += 1
        msg = p4runtime_pb2.DigestList(
            digest_id=inst.info.id, list_id=list_id, timestamp=time.time_ns()
        )
        for sample in inst.buffer:
            msg.data.append(_p4data(inst.info, sample))
        samples, inst.buffer = inst.buffer, []
        if self._deliver(msg) and inst.config.ack_timeout_ns > 0:
            inst.sent_at[list_id] = self._clock()
            inst.cache.update((s, list_id) for s in samples)

    @staticmethod
    def _entry(inst: _Instance) -> p4runtime_pb2.DigestEntry:
        return p4runtime_pb2.DigestEntry(digest_id=inst.info.id, config=inst.config)


def _p4data(info: DigestInfo, sample: Sample) -> p4data_pb2.P4Data:
    assert info.members is not None
    values = [to_p4data(t, v) for t, v in zip(info.members, sample, strict=True)]
    if info.layout == "struct":
        return p4data_pb2.P4Data(struct=p4data_pb2.P4StructLike(members=values))
    if info.layout == "tuple":
        return p4data_pb2.P4Data(tuple=p4data_pb2.P4StructLike(members=values))
    return values[0]

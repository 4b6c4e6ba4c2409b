"""One P4Runtime connection to one switch, with every operation addressed by P4 names.

Built on p4runtime-shell's `P4RuntimeClient` (channel, stub, stream queues) rather than its
shell, whose module-level client limits a process to one switch; a controller here holds one
`SwitchConnection` per switch. The parts of that client that end the process on failure
(`sys.exit` when the stream or arbitration fails) are replaced so that every failure is a
`SwitchError`. Registers fall back to BMv2's Thrift service when the switch answers
UNIMPLEMENTED, as BMv2's P4Runtime server does.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Unpack

import grpc
from google.rpc import code_pb2
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc
from p4runtime_sh.p4runtime import P4RuntimeClient

from controller.bmv2_thrift import ThriftRegisters
from controller.entities import (
    ActionProfileGroup,
    ActionProfileMember,
    CloneSession,
    Codec,
    CounterData,
    DigestList,
    EntryOptions,
    MeterConfig,
    PacketIn,
    Params,
    Replica,
    TableEntry,
    decode_clone_session,
    decode_counter,
    decode_meter,
    decode_replicas,
)
from controller.errors import SwitchError
from controller.request_log import ClientRequestLogger, LogFile
from controller.schema import P4Schema, load_p4info

_Update = p4runtime_pb2.Update
#: Port BMv2 switches serve Thrift on unless started with --thrift-port.
BMV2_DEFAULT_THRIFT_PORT = 9090
#: Stream message kinds, as p4runtime-shell's client queues them (plus stream errors).
_STREAM_KINDS = ("arbitration", "packet", "digest", "idle_timeout_notification", "error")


class _Client(P4RuntimeClient):
    """p4runtime-shell's client whose stream set-up reports failures instead of exiting.

    The receive thread is a daemon (a forgotten close() must not hang interpreter exit) and
    keeps the gRPC error that ended the stream, so callers can say why.
    """

    def __init__(self, device_id: int, address: str, election_id: tuple[int, int], *,
                 timeout: float, request_log: LogFile | None = None) -> None:
        self._timeout = timeout
        self._request_log = request_log
        self.failure: str | None = None
        self.arbitration: p4runtime_pb2.StreamMessageResponse | None = None
        self.stream_error: grpc.RpcError | None = None
        self.stream_out_q = None
        self.stream_in_q = None
        self.stream_recv_thread = None
        self.stream = None
        super().__init__(device_id, address, election_id)

    def set_up_stream(self) -> None:
        if self._request_log is not None:  # the parent has just opened the channel
            logger = ClientRequestLogger(self._request_log)
            self.channel = grpc.intercept_channel(self.channel, logger)
            self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        try:
            grpc.channel_ready_future(self.channel).result(timeout=self._timeout)
        except grpc.FutureTimeoutError:
            self.failure = f"no P4Runtime server answered within {self._timeout:g} s"
            return
        self.stream_out_q = queue.Queue()
        self.stream_in_q = {kind: queue.Queue() for kind in (*_STREAM_KINDS, "unknown")}

        def requests() -> Iterator[p4runtime_pb2.StreamMessageRequest]:
            while (message := self.stream_out_q.get()) is not None:
                yield message

        self.stream = self.stub.StreamChannel(requests())
        self.stream_recv_thread = threading.Thread(
            target=self._receive, name=f"p4rt-stream-{self.device_id}", daemon=True
        )
        self.stream_recv_thread.start()
        self.handshake()

    def _receive(self) -> None:
        """Sort stream messages into queues by kind; when the stream ends, for whatever
        reason, a None in every queue wakes the readers instead of leaving them waiting."""
        try:
            for message in self.stream:
                kind = message.WhichOneof("update")
                self.stream_in_q[kind if kind in _STREAM_KINDS else "unknown"].put(message)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                self.stream_error = exc
        finally:
            for q in self.stream_in_q.values():
                q.put(None)

    def handshake(self) -> None:
        request = p4runtime_pb2.StreamMessageRequest()
        request.arbitration.device_id = self.device_id
        request.arbitration.election_id.high = self.election_id[0]
        request.arbitration.election_id.low = self.election_id[1]
        self.stream_out_q.put(request)
        self.arbitration = self.get_stream_packet("arbitration", timeout=self._timeout)
        if self.arbitration is None:
            reason = self.stream_error.details() if self.stream_error else "no reply"
            self.failure = f"arbitration failed: {reason}"

    def tear_down(self) -> None:
        """Half-close the stream so queued messages (PacketOut, digest acks) still go out,
        give the server a moment to end it, then cancel whatever is left."""
        if self.stream_out_q is not None:
            self.stream_out_q.put(None)
        if self.stream_recv_thread is not None:
            self.stream_recv_thread.join(timeout=min(1.0, self._timeout))
        if self.stream is not None:
            self.stream.cancel()
        if self.stream_recv_thread is not None:
            self.stream_recv_thread.join(timeout=self._timeout)
        self.channel.close()


class SwitchConnection:
    """A controller's session with one P4Runtime switch (no global state: make many).

    `p4info` (a path, a P4Info message or a P4Schema) names the objects of the running
    program; without it the schema comes from `set_pipeline` or is fetched from the switch.
    `target="bmv2"` sends register operations straight to BMv2's Thrift port (`thrift_port`,
    default 9090); otherwise Thrift is used only after the switch answers UNIMPLEMENTED.
    `request_log` names a file that receives every request sent, in the format of the P4
    tutorials' `logs/<switch>-p4runtime-requests.txt` (controller.request_log).
    """

    def __init__(
        self,
        name: str,
        address: str,
        device_id: int = 0,
        *,
        election_id: tuple[int, int] = (0, 1),
        p4info: Path | str | p4info_pb2.P4Info | P4Schema | None = None,
        thrift_port: int | None = None,
        target: str | None = None,
        timeout: float = 10.0,
        request_log: Path | None = None,
    ) -> None:
        self.name = name
        self.request_log = Path(request_log) if request_log is not None else None
        self._log: LogFile | None = None
        self.address = address
        self.device_id = device_id
        self.election_id = election_id
        self.target = target
        self.timeout = timeout
        if thrift_port is None and target == "bmv2":
            thrift_port = BMV2_DEFAULT_THRIFT_PORT
        self.thrift_port = thrift_port
        self._codec: Codec | None = None
        if p4info is not None:
            self._use_schema(p4info)
        self._client: _Client | None = None
        self._registers_via_thrift = target == "bmv2"
        self._thrift: ThriftRegisters | None = None

    # -- session ---------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the stream and become primary controller; SwitchError otherwise."""
        if self._client is not None:
            return
        if self.request_log is not None and self._log is None:
            self._log = LogFile(self.request_log)
        client = _Client(self.device_id, self.address, self.election_id, timeout=self.timeout,
                         request_log=self._log)
        if client.failure is None:
            status = client.arbitration.arbitration.status
            if status.code != code_pb2.OK:
                client.failure = (
                    f"not primary for election id {self.election_id} "
                    f"({code_pb2.Code.Name(status.code)}: {status.message})"
                )
        if client.failure is not None:
            code = (client.stream_error.code() if client.stream_error
                    else grpc.StatusCode.UNAVAILABLE)
            if client.arbitration is not None:
                code = grpc.StatusCode.PERMISSION_DENIED
            client.tear_down()
            self.close()  # a failed `with SwitchConnection(...)` never reaches __exit__
            raise SwitchError(self.name, f"connect to {self.address}", code, client.failure)
        self._client = client

    @property
    def connected(self) -> bool:
        return self._client is not None

    def close(self) -> None:
        if self._client is not None:
            self._client.tear_down()
            self._client = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._thrift is not None:
            self._thrift.close()
            self._thrift = None

    def __enter__(self) -> SwitchConnection:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "closed"
        return (f"SwitchConnection({self.name!r}, {self.address!r}, "
                f"device {self.device_id}, {state})")

    def _connected(self, operation: str) -> _Client:
        if self._client is None:
            raise SwitchError(self.name, operation, grpc.StatusCode.FAILED_PRECONDITION,
                              "not connected: call connect() first")
        return self._client

    @property
    def _stub(self) -> p4runtime_pb2_grpc.P4RuntimeStub:
        return self._connected("request").stub

    # -- schema and pipeline ---------------------------------------------------------------

    def _use_schema(self, p4info: Path | str | p4info_pb2.P4Info | P4Schema) -> None:
        if isinstance(p4info, P4Schema):
            schema = p4info
        elif isinstance(p4info, p4info_pb2.P4Info):
            schema = P4Schema(p4info)
        else:
            schema = P4Schema.load(p4info)
        self._codec = Codec(schema)

    @property
    def codec(self) -> Codec:
        """Request builder for the running program (fetches its P4Info when unknown)."""
        if self._codec is None:
            request = p4runtime_pb2.GetForwardingPipelineConfigRequest(
                device_id=self.device_id,
                response_type=p4runtime_pb2.GetForwardingPipelineConfigRequest.P4INFO_AND_COOKIE,
            )
            reply = self._call("GetForwardingPipelineConfig",
                               self._stub.GetForwardingPipelineConfig, request)
            if not reply.config.HasField("p4info"):
                raise SwitchError(self.name, "GetForwardingPipelineConfig",
                                  grpc.StatusCode.FAILED_PRECONDITION,
                                  "the switch has no pipeline: call set_pipeline() first")
            self._use_schema(reply.config.p4info)
        return self._codec

    @property
    def schema(self) -> P4Schema:
        return self.codec.schema

    def set_pipeline(self, p4info_path: Path | str, device_config_path: Path | str) -> None:
        """Push a program (P4Info + device config) with VERIFY_AND_COMMIT."""
        p4info = load_p4info(p4info_path)
        request = p4runtime_pb2.SetForwardingPipelineConfigRequest(
            device_id=self.device_id,
            action=p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT,
        )
        request.election_id.high, request.election_id.low = self.election_id
        request.config.p4info.CopyFrom(p4info)
        request.config.p4_device_config = Path(device_config_path).read_bytes()
        self._call("SetForwardingPipelineConfig", self._stub.SetForwardingPipelineConfig,
                   request)
        self._use_schema(p4info)

    def set_pipeline_from_build(self, build_dir: Path | str, *, target: str | None = None
                                ) -> None:
        """Push `build/<prog>/`: its P4Info and the device config of the target."""
        p4info, config = find_build_files(build_dir, target or self.target)
        self.set_pipeline(p4info, config)

    def api_version(self) -> str:
        reply = self._call("Capabilities", self._stub.Capabilities,
                           p4runtime_pb2.CapabilitiesRequest())
        return reply.p4runtime_api_version

    # -- raw requests ----------------------------------------------------------------------

    def _call(self, operation: str, method: Any, request: Any) -> Any:
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise SwitchError.from_rpc_error(self.name, operation, exc) from None

    def write(self, updates: Sequence[p4runtime_pb2.Update], operation: str = "Write") -> None:
        """Send one Write batch; SwitchError lists each failed update."""
        request = p4runtime_pb2.WriteRequest(device_id=self.device_id)
        request.election_id.high, request.election_id.low = self.election_id
        request.updates.extend(updates)
        self._call(operation, self._stub.Write, request)

    def read(self, entities: Iterable[Any], operation: str = "Read"
             ) -> list[p4runtime_pb2.Entity]:
        """Read entities (each an entity message such as TableEntry, wildcards allowed)."""
        request = p4runtime_pb2.ReadRequest(device_id=self.device_id)
        request.entities.extend(_entity(e) for e in entities)
        try:
            stream = self._stub.Read(request, timeout=self.timeout)
            return [entity for reply in stream for entity in reply.entities]
        except grpc.RpcError as exc:
            raise SwitchError.from_rpc_error(self.name, operation, exc) from None

    def _update(self, kind: int, message: Any, operation: str) -> None:
        self.write([_Update(type=kind, entity=_entity(message))], operation)

    # -- tables ----------------------------------------------------------------------------

    def insert_table_entry(self, table: str, match: Mapping[str, Any] | None = None,
                           action: str | None = None, params: Params | None = None,
                           **options: Unpack[EntryOptions]) -> None:
        """Insert an entry: match values by key field name, and an action with its params
        (by name or in order) or an action profile member_id / group_id (see EntryOptions)."""
        entry = self.codec.table_entry(table, match, action, params, **options)
        self._update(_Update.INSERT, entry, f"insert into {table}")

    def modify_table_entry(self, table: str, match: Mapping[str, Any] | None = None,
                           action: str | None = None, params: Params | None = None,
                           **options: Unpack[EntryOptions]) -> None:
        """Change the action (and options) of the entry with this key."""
        entry = self.codec.table_entry(table, match, action, params, **options)
        self._update(_Update.MODIFY, entry, f"modify in {table}")

    def delete_table_entry(self, table: str, match: Mapping[str, Any] | None = None, *,
                           priority: int = 0) -> None:
        entry = self.codec.table_entry(table, match, priority=priority)
        self._update(_Update.DELETE, entry, f"delete from {table}")

    def read_table_entries(self, table: str | None = None, *, with_counters: bool = False
                           ) -> list[TableEntry]:
        """All entries of a table (of every table when None), without default entries."""
        request = p4runtime_pb2.TableEntry()
        if table is not None:
            request.table_id = self.schema.tables[table].preamble.id
        if with_counters:
            request.counter_data.SetInParent()
        entities = self.read([request], f"read {table or 'all tables'}")
        return [self.codec.decode_table_entry(e.table_entry) for e in entities]

    def read_table_entry(self, table: str, match: Mapping[str, Any] | None = None, *,
                         priority: int = 0, with_counters: bool = False) -> TableEntry | None:
        """The entry with exactly this key, or None."""
        request = self.codec.table_entry(table, match, priority=priority)
        if with_counters:
            request.counter_data.SetInParent()
        key = self.codec.decode_table_entry(request)
        for entity in self.read([request], f"read {table}"):
            entry = self.codec.decode_table_entry(entity.table_entry)
            if entry.match == key.match and entry.priority == key.priority:
                return entry
        return None

    def set_default_action(self, table: str, action: str, params: Params | None = None) -> None:
        entry = self.codec.table_entry(table, None, action, params, is_default=True)
        self._update(_Update.MODIFY, entry, f"set default action of {table}")

    def reset_default_action(self, table: str) -> None:
        """Back to the program's default action (a MODIFY without action, per the spec)."""
        entry = self.codec.table_entry(table, is_default=True)
        self._update(_Update.MODIFY, entry, f"reset default action of {table}")

    def read_default_entry(self, table: str) -> TableEntry:
        request = self.codec.table_entry(table, is_default=True)
        entities = self.read([request], f"read default entry of {table}")
        if not entities:
            raise SwitchError(self.name, f"read default entry of {table}",
                              grpc.StatusCode.NOT_FOUND, "the switch returned no default entry")
        return self.codec.decode_table_entry(entities[0].table_entry)

    def clear_table(self, table: str) -> int:
        """Delete every non-const entry of a table in one batch; returns how many."""
        entries = [e for e in self.read_table_entries(table) if not e.is_const]
        updates = [
            _Update(type=_Update.DELETE, entity=_entity(
                self.codec.table_entry(table, e.match, priority=e.priority)))
            for e in entries
        ]
        if updates:
            self.write(updates, f"clear {table}")
        return len(updates)

    # -- action profiles -------------------------------------------------------------------

    def insert_member(self, profile: str, member_id: int, action: str,
                      params: Params | None = None) -> None:
        self._update(_Update.INSERT, self.codec.member(profile, member_id, action, params),
                     f"insert member {member_id} of {profile}")

    def modify_member(self, profile: str, member_id: int, action: str,
                      params: Params | None = None) -> None:
        self._update(_Update.MODIFY, self.codec.member(profile, member_id, action, params),
                     f"modify member {member_id} of {profile}")

    def delete_member(self, profile: str, member_id: int) -> None:
        self._update(_Update.DELETE, self.codec.member(profile, member_id),
                     f"delete member {member_id} of {profile}")

    def read_members(self, profile: str) -> list[ActionProfileMember]:
        request = self.codec.member(profile, 0)
        return [self.codec.decode_member(e.action_profile_member)
                for e in self.read([request], f"read members of {profile}")]

    def insert_group(self, profile: str, group_id: int,
                     members: Iterable[int | tuple[int, int]] = (), *, max_size: int = 0) -> None:
        self._update(_Update.INSERT, self.codec.group(profile, group_id, members, max_size),
                     f"insert group {group_id} of {profile}")

    def modify_group(self, profile: str, group_id: int,
                     members: Iterable[int | tuple[int, int]] = (), *, max_size: int = 0) -> None:
        self._update(_Update.MODIFY, self.codec.group(profile, group_id, members, max_size),
                     f"modify group {group_id} of {profile}")

    def delete_group(self, profile: str, group_id: int) -> None:
        self._update(_Update.DELETE, self.codec.group(profile, group_id),
                     f"delete group {group_id} of {profile}")

    def read_groups(self, profile: str) -> list[ActionProfileGroup]:
        request = self.codec.group(profile, 0)
        return [self.codec.decode_group(e.action_profile_group)
                for e in self.read([request], f"read groups of {profile}")]

    # -- packet replication ----------------------------------------------------------------

    def insert_multicast_group(self, group_id: int,
                               replicas: Iterable[int | tuple[int, int]]) -> None:
        """Replicas are egress ports or (port, instance) pairs; instance is the egress_rid."""
        self._update(_Update.INSERT, self.codec.multicast_group(group_id, replicas),
                     f"insert multicast group {group_id}")

    def modify_multicast_group(self, group_id: int,
                               replicas: Iterable[int | tuple[int, int]]) -> None:
        self._update(_Update.MODIFY, self.codec.multicast_group(group_id, replicas),
                     f"modify multicast group {group_id}")

    def delete_multicast_group(self, group_id: int) -> None:
        self._update(_Update.DELETE, self.codec.multicast_group(group_id),
                     f"delete multicast group {group_id}")

    def read_multicast_groups(self, group_id: int = 0) -> dict[int, list[Replica]]:
        """Groups by id (all of them when group_id is 0)."""
        entities = self.read([self.codec.multicast_group(group_id)], "read multicast groups")
        groups = (e.packet_replication_engine_entry.multicast_group_entry for e in entities)
        return {g.multicast_group_id: decode_replicas(g.replicas) for g in groups}

    def insert_clone_session(self, session_id: int, replicas: Iterable[int | tuple[int, int]],
                             *, class_of_service: int = 0, packet_length_bytes: int = 0) -> None:
        entry = self.codec.clone_session(session_id, replicas, class_of_service=class_of_service,
                                         packet_length_bytes=packet_length_bytes)
        self._update(_Update.INSERT, entry, f"insert clone session {session_id}")

    def modify_clone_session(self, session_id: int, replicas: Iterable[int | tuple[int, int]],
                             *, class_of_service: int = 0, packet_length_bytes: int = 0) -> None:
        entry = self.codec.clone_session(session_id, replicas, class_of_service=class_of_service,
                                         packet_length_bytes=packet_length_bytes)
        self._update(_Update.MODIFY, entry, f"modify clone session {session_id}")

    def delete_clone_session(self, session_id: int) -> None:
        self._update(_Update.DELETE, self.codec.clone_session(session_id),
                     f"delete clone session {session_id}")

    def read_clone_sessions(self, session_id: int = 0) -> dict[int, CloneSession]:
        """Sessions by id (all of them when session_id is 0)."""
        entities = self.read([self.codec.clone_session(session_id)], "read clone sessions")
        sessions = (e.packet_replication_engine_entry.clone_session_entry for e in entities)
        return {s.session_id: decode_clone_session(s) for s in sessions}

    # -- counters and meters ---------------------------------------------------------------

    def read_counter(self, counter: str, index: int | None = None
                     ) -> CounterData | dict[int, CounterData]:
        """One cell, or every cell by index when index is None."""
        entities = self.read([self.codec.counter_entry(counter, index)], f"read {counter}")
        cells = {e.counter_entry.index.index: decode_counter(e.counter_entry.data)
                 for e in entities}
        return cells if index is None else cells.get(index, CounterData())

    def write_counter(self, counter: str, index: int, data: CounterData) -> None:
        self._update(_Update.MODIFY, self.codec.counter_entry(counter, index, data),
                     f"write {counter}[{index}]")

    def read_direct_counter(self, table: str, match: Mapping[str, Any] | None = None, *,
                            priority: int = 0) -> CounterData:
        request = self.codec.direct_counter_entry(table, match, priority=priority)
        entities = self.read([request], f"read direct counter of {table}")
        if not entities:
            raise SwitchError(self.name, f"read direct counter of {table}",
                              grpc.StatusCode.NOT_FOUND, "no such entry")
        return decode_counter(entities[0].direct_counter_entry.data)

    def write_direct_counter(self, table: str, match: Mapping[str, Any] | None,
                             data: CounterData, *, priority: int = 0) -> None:
        entry = self.codec.direct_counter_entry(table, match, priority=priority, data=data)
        self._update(_Update.MODIFY, entry, f"write direct counter of {table}")

    def set_meter(self, meter: str, index: int, config: MeterConfig | None) -> None:
        """Configure one meter cell; None returns it to the unconfigured state."""
        self._update(_Update.MODIFY, self.codec.meter_entry(meter, index, config),
                     f"set {meter}[{index}]")

    def read_meter(self, meter: str, index: int | None = None
                   ) -> MeterConfig | None | dict[int, MeterConfig | None]:
        entities = self.read([self.codec.meter_entry(meter, index)], f"read {meter}")
        cells = {e.meter_entry.index.index: _meter_or_none(e.meter_entry) for e in entities}
        return cells if index is None else cells.get(index)

    def set_direct_meter(self, table: str, match: Mapping[str, Any] | None,
                         config: MeterConfig | None, *, priority: int = 0) -> None:
        entry = self.codec.direct_meter_entry(table, match, priority=priority, config=config)
        self._update(_Update.MODIFY, entry, f"set direct meter of {table}")

    def read_direct_meter(self, table: str, match: Mapping[str, Any] | None = None, *,
                          priority: int = 0) -> MeterConfig | None:
        request = self.codec.direct_meter_entry(table, match, priority=priority)
        entities = self.read([request], f"read direct meter of {table}")
        return _meter_or_none(entities[0].direct_meter_entry) if entities else None

    # -- registers -------------------------------------------------------------------------

    def read_register(self, register: str, index: int | None = None) -> int | list[int]:
        """One cell, or all cells in index order when index is None."""
        info = self.schema.registers[register]
        name, width = info.preamble.name, self.schema.register_width(register)
        request = self.codec.register_entry(name, index)

        def over_p4runtime() -> int | list[int]:
            entities = self.read([request], f"read {name}")
            cells = {e.register_entry.index.index: self.codec.decode_register_value(
                e.register_entry) for e in entities}
            return cells.get(index, 0) if index is not None else \
                [cells.get(i, 0) for i in range(info.size)]

        def over_thrift(thrift: ThriftRegisters) -> int | list[int]:
            return thrift.read(name, index, width) if index is not None else \
                thrift.read_all(name, width)

        return self._registers(over_p4runtime, over_thrift)

    def write_register(self, register: str, index: int, value: int | bytes | str) -> None:
        request = self.codec.register_entry(register, index, value)
        name = self.schema.registers[register].preamble.name
        number = self.codec.decode_register_value(request)
        self._registers(
            lambda: self._update(_Update.MODIFY, request, f"write {name}[{index}]"),
            lambda thrift: thrift.write(name, index, number),
        )

    def reset_register(self, register: str) -> None:
        """Set every cell to 0 (one Write batch over P4Runtime, bm_register_reset on BMv2)."""
        info = self.schema.registers[register]
        name = info.preamble.name
        updates = [_Update(type=_Update.MODIFY, entity=_entity(
            self.codec.register_entry(name, i, 0))) for i in range(info.size)]
        self._registers(lambda: self.write(updates, f"reset {name}"),
                        lambda thrift: thrift.reset(name))

    def _registers(self, over_p4runtime: Any, over_thrift: Any) -> Any:
        if not self._registers_via_thrift:
            try:
                return over_p4runtime()
            except SwitchError as exc:
                if not exc.has_code(grpc.StatusCode.UNIMPLEMENTED):
                    raise
                self._registers_via_thrift = True
        return over_thrift(self._thrift_registers())

    def _thrift_registers(self) -> ThriftRegisters:
        if self.thrift_port is None:
            raise SwitchError(
                self.name, "register access", grpc.StatusCode.UNIMPLEMENTED,
                "the switch does not implement registers over P4Runtime (BMv2 does not); "
                "pass thrift_port= to use its Thrift interface")
        if self._thrift is None:
            self._thrift = ThriftRegisters(self.name, _host_of(self.address), self.thrift_port,
                                           timeout=self.timeout)
        return self._thrift

    # -- packet I/O and digests ------------------------------------------------------------

    def _send(self, message: p4runtime_pb2.StreamMessageRequest) -> None:
        self._connected("stream").stream_out_q.put(message)

    def _receive(self, kind: str, timeout: float | None) -> Any:
        client = self._connected("stream")
        try:
            message = client.stream_in_q[kind].get(timeout=timeout)
        except queue.Empty:
            return None
        if message is None:
            client.stream_in_q[kind].put(None)  # keep reporting the closed stream
            error = client.stream_error
            raise SwitchError(self.name, "stream",
                              error.code() if error else grpc.StatusCode.UNAVAILABLE,
                              error.details() if error else "the stream channel closed")
        return message

    def packet_out(self, payload: bytes, metadata: Mapping[str, Any] | None = None) -> None:
        """Send a PacketOut; metadata are `packet_out` header fields by name (others are 0)."""
        message = p4runtime_pb2.StreamMessageRequest()
        message.packet.CopyFrom(self.codec.packet_out(payload, metadata))
        self._send(message)

    def get_packet_in(self, timeout: float | None = None) -> PacketIn | None:
        """The next PacketIn, or None after `timeout` seconds (None: wait forever)."""
        message = self._receive("packet", timeout)
        return None if message is None else self.codec.decode_packet_in(message.packet)

    def packets_in(self, timeout: float | None = None) -> Iterator[PacketIn]:
        """PacketIns as they arrive, until none came for `timeout` seconds."""
        while (packet := self.get_packet_in(timeout)) is not None:
            yield packet

    def configure_digest(self, digest: str, *, max_timeout_ns: int = 0, max_list_size: int = 1,
                         ack_timeout_ns: int = 0) -> None:
        """Enable a digest (INSERT, or MODIFY when already configured)."""
        entry = self.codec.digest_entry(digest, max_timeout_ns=max_timeout_ns,
                                        max_list_size=max_list_size,
                                        ack_timeout_ns=ack_timeout_ns)
        try:
            self._update(_Update.INSERT, entry, f"configure digest {digest}")
        except SwitchError as exc:
            if not exc.has_code(grpc.StatusCode.ALREADY_EXISTS):
                raise
            self._update(_Update.MODIFY, entry, f"configure digest {digest}")

    def disable_digest(self, digest: str) -> None:
        self._update(_Update.DELETE, self.codec.digest_entry(digest), f"disable digest {digest}")

    def get_digest(self, timeout: float | None = None) -> DigestList | None:
        """The next DigestList, or None after `timeout` seconds. Acknowledge it with ack_digest."""
        message = self._receive("digest", timeout)
        return None if message is None else self.codec.decode_digest_list(message.digest)

    def ack_digest(self, digest_list: DigestList) -> None:
        message = p4runtime_pb2.StreamMessageRequest()
        message.digest_ack.digest_id = self.schema.digests[digest_list.digest].preamble.id
        message.digest_ack.list_id = digest_list.list_id
        self._send(message)


def find_build_files(build_dir: Path | str, target: str | None = None) -> tuple[Path, Path]:
    """(P4Info, device config) of a `build/<prog>/` directory.

    p4sim's device config is `<prog>.p4sim.json`, BMv2's is `<prog>.json` (p4c-bm2-ss -o).
    Without a target, the one that exists is used.
    """
    directory = Path(build_dir)
    infos = sorted(directory.glob("*.p4info.txtpb")) or sorted(directory.glob("*.p4info.txt"))
    if len(infos) != 1:
        raise FileNotFoundError(f"{directory}: expected one <prog>.p4info.txtpb, found "
                                f"{[p.name for p in infos] or 'none'} (run `make build`?)")
    program = infos[0].name.split(".p4info.")[0]
    configs = {"p4sim": directory / f"{program}.p4sim.json", "bmv2": directory / f"{program}.json"}
    if target is not None:
        if target not in configs:
            raise ValueError(f"unknown target {target!r}; expected 'p4sim' or 'bmv2'")
        if not configs[target].exists():
            raise FileNotFoundError(
                f"{directory}: no {configs[target].name} for target {target} "
                f"(run `make build TARGET={target}`)")
        return infos[0], configs[target]
    present = [path for path in configs.values() if path.exists()]
    if len(present) != 1:
        raise FileNotFoundError(
            f"{directory}: found {[p.name for p in present] or 'no device config'}; "
            "say which target (p4sim or bmv2) to use")
    return infos[0], present[0]


def _entity(message: Any) -> p4runtime_pb2.Entity:
    """Wrap an entity message (TableEntry, CounterEntry, ...) in the Entity oneof."""
    if isinstance(message, p4runtime_pb2.Entity):
        return message
    for f in p4runtime_pb2.Entity.DESCRIPTOR.fields:
        if f.message_type is message.DESCRIPTOR:
            entity = p4runtime_pb2.Entity()
            getattr(entity, f.name).CopyFrom(message)
            return entity
    raise TypeError(f"{type(message).__name__} is not a P4Runtime entity")


def _meter_or_none(entry: Any) -> MeterConfig | None:
    return decode_meter(entry.config) if entry.HasField("config") else None


def _host_of(address: str) -> str:
    """The host part of HOST:PORT or [IPv6]:PORT."""
    host = address.rsplit(":", 1)[0] if ":" in address else address
    return host.strip("[]")

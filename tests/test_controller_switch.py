"""SwitchConnection against a scripted in-process P4Runtime server and a fake BMv2 Thrift port.

The fake server (harness.fake_p4runtime) records every request and answers as told, so these
tests pin down the exact messages the controller sends and how it reports refusals,
independently of p4sim's server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import code_pb2
from p4.v1 import p4runtime_pb2

from controller.bmv2_thrift import SERVICE_NAME, ThriftRegisters, load_idl
from controller.entities import CounterData, PacketIn, TableEntry
from controller.errors import SwitchError
from controller.schema import UnknownNameError, load_p4info
from controller.switch import SwitchConnection, find_build_files
from harness.fake_p4runtime import FakeP4Runtime, fake_p4runtime

GOLDEN = Path(__file__).parent / "p4" / "golden"
BASIC = GOLDEN / "basic.p4info.txtpb"


@pytest.fixture
def fake() -> Iterator[tuple[FakeP4Runtime, str]]:
    with fake_p4runtime() as served:
        yield served


@pytest.fixture
def conn(fake: tuple[FakeP4Runtime, str]) -> Iterator[SwitchConnection]:
    _, address = fake
    with SwitchConnection("s1", address, device_id=3, election_id=(0, 7), p4info=BASIC,
                          timeout=5) as connection:
        yield connection


def lpm_entry(prefix: str, port: int) -> dict:
    return dict(table="MyIngress.ipv4_lpm", match={"hdr.ipv4.dstAddr": prefix},
                action="MyIngress.ipv4_forward",
                params={"dstAddr": "08:00:00:00:01:11", "port": port})


def test_connect_sends_arbitration(fake: tuple[FakeP4Runtime, str],
                                   conn: SwitchConnection) -> None:
    servicer, _ = fake
    arbitration = servicer.stream_requests[0].arbitration
    assert (arbitration.device_id, arbitration.election_id.high,
            arbitration.election_id.low) == (3, 0, 7)
    assert conn.connected
    assert conn.api_version() == "1.4.1"


def test_insert_sends_the_exact_write_request(fake: tuple[FakeP4Runtime, str],
                                              conn: SwitchConnection) -> None:
    servicer, _ = fake
    conn.insert_table_entry(**lpm_entry("10.0.1.1/32", 1))
    (request,) = servicer.writes
    assert (request.device_id, request.election_id.high, request.election_id.low) == (3, 0, 7)
    (update,) = request.updates
    assert update.type == p4runtime_pb2.Update.INSERT
    assert update.entity.table_entry == conn.codec.table_entry(
        "ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.1.1/32"}, "ipv4_forward",
        {"dstAddr": 0x080000000111, "port": 1})
    conn.modify_table_entry(**lpm_entry("10.0.1.1/32", 2))
    conn.delete_table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.1.1/32"})
    assert [r.updates[0].type for r in servicer.writes] == [
        p4runtime_pb2.Update.INSERT, p4runtime_pb2.Update.MODIFY, p4runtime_pb2.Update.DELETE]
    assert not servicer.writes[2].updates[0].entity.table_entry.HasField("action")


def test_write_error_carries_each_update_error(fake: tuple[FakeP4Runtime, str],
                                               conn: SwitchConnection) -> None:
    servicer, _ = fake
    servicer.write_errors = [(code_pb2.OK, ""), (code_pb2.ALREADY_EXISTS, "Match entry exists")]
    with pytest.raises(SwitchError) as info:
        conn.insert_table_entry(**lpm_entry("10.0.1.1/32", 1))
    error = info.value
    assert error.code == grpc.StatusCode.UNKNOWN
    assert [(e.index, e.code, e.message) for e in error.errors] == [
        (1, grpc.StatusCode.ALREADY_EXISTS, "Match entry exists")]
    assert str(error) == (
        "s1: insert into MyIngress.ipv4_lpm failed (UNKNOWN):\n"
        "  update 1: ALREADY_EXISTS: Match entry exists")
    assert error.__cause__ is None and error.__suppress_context__


def test_unknown_names_fail_before_sending(fake: tuple[FakeP4Runtime, str],
                                           conn: SwitchConnection) -> None:
    servicer, _ = fake
    with pytest.raises(UnknownNameError, match="did you mean 'MyIngress.ipv4_lpm'"):
        conn.insert_table_entry("MyIngress.ipv4_lpn", {}, "drop")
    assert servicer.writes == []


def test_read_table_entries_decodes_the_reply(fake: tuple[FakeP4Runtime, str],
                                              conn: SwitchConnection) -> None:
    servicer, _ = fake
    entry = conn.codec.table_entry(**lpm_entry("10.0.2.0/24", 2))
    servicer.read_entities = [p4runtime_pb2.Entity(table_entry=entry)]
    assert conn.read_table_entries("ipv4_lpm") == [TableEntry(
        table="MyIngress.ipv4_lpm", match={"hdr.ipv4.dstAddr": (0x0A000200, 24)},
        action="MyIngress.ipv4_forward", params={"dstAddr": 0x080000000111, "port": 2})]
    assert servicer.reads[-1].entities[0].table_entry.table_id == 37375156
    assert conn.read_table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.2.0/24"}).params == {
        "dstAddr": 0x080000000111, "port": 2}
    assert conn.read_table_entry("ipv4_lpm", {"hdr.ipv4.dstAddr": "10.0.3.0/24"}) is None
    conn.read_table_entries()
    assert servicer.reads[-1].entities[0].table_entry.table_id == 0


def test_default_action_requests(fake: tuple[FakeP4Runtime, str],
                                 conn: SwitchConnection) -> None:
    servicer, _ = fake
    conn.set_default_action("ipv4_lpm", "NoAction")
    conn.reset_default_action("ipv4_lpm")
    set_entry, reset_entry = (w.updates[0].entity.table_entry for w in servicer.writes)
    assert set_entry.is_default_action and set_entry.action.action.action_id == 21257015
    assert reset_entry.is_default_action and not reset_entry.HasField("action")
    assert all(w.updates[0].type == p4runtime_pb2.Update.MODIFY for w in servicer.writes)


def test_set_pipeline_and_fetch_p4info(tmp_path: Path, fake: tuple[FakeP4Runtime, str]) -> None:
    servicer, address = fake
    build = tmp_path / "basic"
    build.mkdir()
    (build / "basic.p4info.txtpb").write_bytes(BASIC.read_bytes())
    (build / "basic.p4sim.json").write_bytes(b'{"p4sim": 1}')
    with SwitchConnection("s1", address, timeout=5) as first:
        first.set_pipeline_from_build(build)
    (request,) = servicer.pipelines
    assert request.action == p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
    assert request.config.p4info == load_p4info(BASIC)
    assert request.config.p4_device_config == b'{"p4sim": 1}'
    assert (request.election_id.high, request.election_id.low) == (0, 1)
    # A connection without a P4Info asks the switch for the running one.
    with SwitchConnection("s1", address, election_id=(0, 2), timeout=5) as second:
        assert second.schema.tables.names() == ["MyIngress.ipv4_lpm"]


def test_find_build_files(tmp_path: Path) -> None:
    (tmp_path / "basic.p4info.txtpb").write_text("")
    with pytest.raises(FileNotFoundError, match="say which target"):
        find_build_files(tmp_path)
    (tmp_path / "basic.json").write_text("{}")
    assert find_build_files(tmp_path) == (tmp_path / "basic.p4info.txtpb",
                                          tmp_path / "basic.json")
    with pytest.raises(FileNotFoundError, match=r"no basic.p4sim.json for target p4sim \(run "
                                                r"`make build TARGET=p4sim`\)"):
        find_build_files(tmp_path, "p4sim")
    (tmp_path / "basic.p4sim.json").write_text("{}")
    assert find_build_files(tmp_path, "p4sim")[1] == tmp_path / "basic.p4sim.json"


def test_no_pipeline_is_a_clear_error(fake: tuple[FakeP4Runtime, str]) -> None:
    _, address = fake
    with SwitchConnection("s1", address, timeout=5) as connection:
        with pytest.raises(SwitchError) as info:
            connection.insert_table_entry("ipv4_lpm", {}, "drop")
    assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "call set_pipeline() first" in str(info.value)


def test_second_controller_with_lower_election_id_is_refused(
        fake: tuple[FakeP4Runtime, str], conn: SwitchConnection) -> None:
    _, address = fake
    with pytest.raises(SwitchError) as info:
        SwitchConnection("s1", address, election_id=(0, 3), timeout=5).connect()
    assert info.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert str(info.value) == (
        f"s1: connect to {address} failed (PERMISSION_DENIED): not primary for election id "
        "(0, 3) (ALREADY_EXISTS: a primary is connected)")


def test_unreachable_switch() -> None:
    connection = SwitchConnection("s9", "127.0.0.1:1", timeout=0.3)
    with pytest.raises(SwitchError) as info:
        connection.connect()
    assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert str(info.value) == ("s9: connect to 127.0.0.1:1 failed (UNAVAILABLE): "
                               "no P4Runtime server answered within 0.3 s")
    with pytest.raises(SwitchError, match="not connected: call connect"):
        connection.write([])


def test_packet_io_and_digests(tmp_path: Path, fake: tuple[FakeP4Runtime, str]) -> None:
    servicer, address = fake
    schema = GOLDEN / "packet_io.p4info.txtpb"
    with SwitchConnection("s1", address, p4info=schema, timeout=5) as connection:
        connection.packet_out(b"\x01\x02", {"egress_port": 5})
        reply = p4runtime_pb2.StreamMessageResponse()
        reply.packet.payload = b"hello"
        reply.packet.metadata.add(metadata_id=1, value=b"\x07")
        servicer.push(reply)
        assert connection.get_packet_in(timeout=5) == PacketIn(
            b"hello", {"ingress_port": 7})
        assert connection.get_packet_in(timeout=0.05) is None
        sent = [r.packet for r in servicer.stream_requests if r.HasField("packet")]
        assert sent == [connection.codec.packet_out(b"\x01\x02", {"egress_port": 5})]
    with SwitchConnection("s1", address, election_id=(0, 9), p4info=GOLDEN / "digest.p4info.txtpb",
                          timeout=5) as connection:
        connection.configure_digest("mac_learn_digest_t", max_list_size=1)
        entry = servicer.writes[-1].updates[0].entity.digest_entry
        assert entry.digest_id == 402184575 and entry.config.max_list_size == 1
        reply = p4runtime_pb2.StreamMessageResponse()
        reply.digest.digest_id = 402184575
        reply.digest.list_id = 4
        data = reply.digest.data.add()
        data.struct.members.add(bitstring=b"\x0a")
        data.struct.members.add(bitstring=b"\x01")
        servicer.push(reply)
        digest = connection.get_digest(timeout=5)
        assert (digest.digest, digest.list_id, digest.data) == (
            "mac_learn_digest_t", 4, [{"srcAddr": 10, "ingress_port": 1}])
        connection.ack_digest(digest)
    acks = [r.digest_ack for r in servicer.stream_requests if r.HasField("digest_ack")]
    assert [(a.digest_id, a.list_id) for a in acks] == [(402184575, 4)]


def test_multicast_clone_counter_requests(fake: tuple[FakeP4Runtime, str]) -> None:
    servicer, address = fake
    with SwitchConnection("s1", address, p4info=GOLDEN / "extern_counter_meter.p4info.txtpb",
                          timeout=5) as connection:
        connection.insert_multicast_group(1, [1, 2, (3, 1)])
        connection.insert_clone_session(100, [4], packet_length_bytes=128)
        group = servicer.writes[0].updates[0].entity.packet_replication_engine_entry
        assert [(r.egress_port, r.instance) for r in group.multicast_group_entry.replicas] == [
            (1, 0), (2, 0), (3, 1)]
        session = servicer.writes[1].updates[0].entity.packet_replication_engine_entry
        assert session.clone_session_entry.packet_length_bytes == 128
        counter_id = connection.schema.counters["rx_port_counter"].preamble.id
        cell = p4runtime_pb2.CounterEntry(counter_id=counter_id)
        cell.index.index = 2
        cell.data.packet_count, cell.data.byte_count = 4, 400
        servicer.read_entities = [p4runtime_pb2.Entity(counter_entry=cell)]
        assert connection.read_counter("rx_port_counter", 2) == CounterData(4, 400)
        assert connection.read_counter("rx_port_counter") == {2: CounterData(4, 400)}
        assert servicer.reads[-1].entities[0].counter_entry.HasField("index") is False


# -- registers: P4Runtime, falling back to BMv2's Thrift service --------------------------


class FakeBmv2Thrift:
    """A Thrift server speaking the register calls of BMv2's multiplexed "standard" service."""

    def __init__(self) -> None:
        from thriftpy2.thrift import TMultiplexedProcessor, TProcessor
        from thriftpy2.transport import TServerSocket

        idl = load_idl()
        self.cells = {"MyIngress.packets_per_port": [0] * 512}
        self.calls: list[tuple] = []
        fake = self

        class Handler:
            def _cells(self, name: str) -> list[int]:
                if name not in fake.cells:
                    raise idl.InvalidRegisterOperation(code=1)
                return fake.cells[name]

            def bm_register_read(self, cxt_id: int, name: str, idx: int) -> int:
                fake.calls.append(("read", cxt_id, name, idx))
                cells = self._cells(name)
                if not 0 <= idx < len(cells):
                    raise idl.InvalidRegisterOperation(code=2)
                return cells[idx]

            def bm_register_read_all(self, cxt_id: int, name: str) -> list[int]:
                fake.calls.append(("read_all", cxt_id, name))
                return list(self._cells(name))

            def bm_register_write(self, cxt_id: int, name: str, index: int, value: int) -> None:
                fake.calls.append(("write", cxt_id, name, index, value))
                self._cells(name)[index] = value

            def bm_register_reset(self, cxt_id: int, name: str) -> None:
                fake.calls.append(("reset", cxt_id, name))
                cells = self._cells(name)
                cells[:] = [0] * len(cells)

        self.processor = TMultiplexedProcessor()
        self.processor.register_processor(SERVICE_NAME, TProcessor(idl.Standard, Handler()))
        self.socket = TServerSocket("127.0.0.1", 0)
        self.socket.listen()
        self.port = self.socket.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        from thriftpy2.protocol import TBinaryProtocolFactory
        from thriftpy2.transport import TBufferedTransportFactory, TTransportException

        while True:
            try:
                client = self.socket.accept()
            except OSError:
                return

            def handle(client: Any = client) -> None:
                transport = TBufferedTransportFactory().get_transport(client)
                protocol = TBinaryProtocolFactory().get_protocol(transport)
                try:
                    while True:
                        self.processor.process(protocol, protocol)
                except (TTransportException, OSError):
                    transport.close()

            threading.Thread(target=handle, daemon=True).start()

    def close(self) -> None:
        import socket

        self.socket.sock.shutdown(socket.SHUT_RDWR)
        self.socket.sock.close()


@pytest.fixture
def thrift_switch() -> Iterator[FakeBmv2Thrift]:
    server = FakeBmv2Thrift()
    try:
        yield server
    finally:
        server.close()


REGISTERS = GOLDEN / "extern_register.p4info.txtpb"


def test_registers_fall_back_to_thrift_on_unimplemented(
        fake: tuple[FakeP4Runtime, str], thrift_switch: FakeBmv2Thrift) -> None:
    servicer, address = fake
    servicer.registers_unimplemented = True
    with SwitchConnection("s1", address, p4info=REGISTERS, thrift_port=thrift_switch.port,
                          timeout=5) as connection:
        connection.write_register("packets_per_port", 3, 0xFFFFFFFF)
        assert connection.read_register("MyIngress.packets_per_port", 3) == 0xFFFFFFFF
        assert connection.read_register("packets_per_port")[:4] == [0, 0, 0, 0xFFFFFFFF]
        connection.reset_register("packets_per_port")
        assert connection.read_register("packets_per_port", 3) == 0
        with pytest.raises(SwitchError) as info:
            connection.read_register("last_seen", 0)
    assert info.value.code == grpc.StatusCode.NOT_FOUND
    assert str(info.value) == ("s1: register read failed (NOT_FOUND): "
                               "BMv2 Thrift bm_register_read: INVALID_REGISTER_NAME")
    # P4Runtime was tried once (the write); after UNIMPLEMENTED everything went to Thrift.
    assert len(servicer.writes) == 1 and servicer.reads == []
    assert thrift_switch.calls == [
        ("write", 0, "MyIngress.packets_per_port", 3, 0xFFFFFFFF),
        ("read", 0, "MyIngress.packets_per_port", 3),
        ("read_all", 0, "MyIngress.packets_per_port"),
        ("reset", 0, "MyIngress.packets_per_port"),
        ("read", 0, "MyIngress.packets_per_port", 3),
        ("read", 0, "MyIngress.last_seen", 0),
    ]


def test_target_bmv2_goes_straight_to_thrift(fake: tuple[FakeP4Runtime, str],
                                             thrift_switch: FakeBmv2Thrift) -> None:
    servicer, address = fake
    with SwitchConnection("s1", address, p4info=REGISTERS, target="bmv2",
                          thrift_port=thrift_switch.port, timeout=5) as connection:
        assert connection.read_register("packets_per_port", 0) == 0
    assert servicer.reads == [] and thrift_switch.calls == [
        ("read", 0, "MyIngress.packets_per_port", 0)]


def test_unimplemented_registers_without_thrift_port(fake: tuple[FakeP4Runtime, str]) -> None:
    servicer, address = fake
    servicer.registers_unimplemented = True
    with SwitchConnection("s1", address, p4info=REGISTERS, timeout=5) as connection:
        with pytest.raises(SwitchError) as info:
            connection.read_register("packets_per_port", 0)
    assert info.value.code == grpc.StatusCode.UNIMPLEMENTED
    assert "pass thrift_port= to use its Thrift interface" in str(info.value)


def test_registers_over_p4runtime(fake: tuple[FakeP4Runtime, str]) -> None:
    servicer, address = fake
    with SwitchConnection("s1", address, p4info=REGISTERS, timeout=5) as connection:
        register_id = connection.schema.registers["packets_per_port"].preamble.id
        cell = p4runtime_pb2.RegisterEntry(register_id=register_id)
        cell.index.index = 1
        cell.data.bitstring = b"\x01\x00"
        servicer.read_entities = [p4runtime_pb2.Entity(register_entry=cell)]
        assert connection.read_register("packets_per_port", 1) == 256
        connection.write_register("packets_per_port", 1, 7)
    written = servicer.writes[0].updates[0]
    assert written.type == p4runtime_pb2.Update.MODIFY
    assert written.entity.register_entry.data.bitstring == b"\x07"


def test_thrift_errors_map_to_status_codes(thrift_switch: FakeBmv2Thrift) -> None:
    registers = ThriftRegisters("s1", "127.0.0.1", thrift_switch.port, timeout=5)
    with pytest.raises(SwitchError) as info:
        registers.read("MyIngress.packets_per_port", 512, 32)
    assert (info.value.code, info.value.details) == (
        grpc.StatusCode.OUT_OF_RANGE, "BMv2 Thrift bm_register_read: INVALID_INDEX")
    registers.write("MyIngress.packets_per_port", 0, 2**64 - 1)
    assert thrift_switch.calls[-1] == ("write", 0, "MyIngress.packets_per_port", 0, -1)
    assert registers.read("MyIngress.packets_per_port", 0, 32) == 2**32 - 1
    registers.close()
    closed = ThriftRegisters("s1", "127.0.0.1", 1, timeout=1)
    with pytest.raises(SwitchError) as info:
        closed.read("MyIngress.packets_per_port", 0, 32)
    assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert info.value.details.startswith("BMv2 Thrift 127.0.0.1:1: ")

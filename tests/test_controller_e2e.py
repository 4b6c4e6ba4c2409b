"""SwitchConnection end to end against p4sim's P4Runtime server, in process, with basic.p4."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from controller.entities import (
    CloneSession,
    CounterData,
    MeterConfig,
    PacketIn,
    Replica,
    TableEntry,
)
from controller.errors import SwitchError
from controller.schema import UnknownNameError
from controller.switch import SwitchConnection
from harness.targets import P4simTarget

ROOT = Path(__file__).resolve().parent.parent
LPM = "MyIngress.ipv4_lpm"
FORWARD = "MyIngress.ipv4_forward"
DST = "hdr.ipv4.dstAddr"


def compile_program(source: Path, out: Path) -> Path:
    """`source` compiled by p4sim into `out`, laid out like build/<prog>/."""
    from p4sim.compiler import compile_file, write_outputs

    write_outputs(compile_file(source, [ROOT / "p4src" / "include"]), out)
    return out


@pytest.fixture(scope="module")
def basic_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_program(ROOT / "p4src" / "basic.p4", tmp_path_factory.mktemp("build") / "basic")


@pytest.fixture
def p4sim_switch() -> Iterator[Callable[..., P4simTarget]]:
    """Starts p4sim switches with their P4Runtime server on a free local port."""
    targets: list[P4simTarget] = []

    def start(cpu_port: int | None = None) -> P4simTarget:
        targets.append(P4simTarget(cpu_port=cpu_port))
        return targets[-1]

    try:
        yield start
    finally:
        for target in targets:
            target.close()


@pytest.fixture
def switch(p4sim_switch: Callable[..., P4simTarget]) -> P4simTarget:
    return p4sim_switch()


def wait_for_output(switch: P4simTarget, timeout: float = 1.0) -> list[tuple[int, bytes]]:
    """What the switch sent, polled until something came or `timeout` passed (a PacketOut
    travels over the stream, asynchronously)."""
    deadline = time.monotonic() + timeout
    while not (sent := switch.receive(0)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return sent


@pytest.fixture
def conn(switch: P4simTarget, basic_build: Path) -> Iterator[SwitchConnection]:
    with SwitchConnection("s1", switch.address, election_id=(0, 10), timeout=5) as connection:
        connection.set_pipeline_from_build(basic_build, target="p4sim")
        yield connection


@pytest.fixture
def program_conn(p4sim_switch: Callable[..., P4simTarget], tmp_path: Path
                 ) -> Iterator[Callable[..., tuple[SwitchConnection, P4simTarget]]]:
    """Connects to a fresh p4sim switch running a program of tests/p4/valid/."""
    opened: list[SwitchConnection] = []

    def start(program: str, cpu_port: int | None = None) -> tuple[SwitchConnection, P4simTarget]:
        build = compile_program(ROOT / "tests" / "p4" / "valid" / f"{program}.p4",
                                tmp_path / program)
        switch = p4sim_switch(cpu_port)
        connection = SwitchConnection(program, switch.address, timeout=5)
        opened.append(connection)
        connection.connect()
        connection.set_pipeline_from_build(build)
        return connection, switch

    try:
        yield start
    finally:
        for connection in opened:
            connection.close()


def route(prefix: str, mac: str, port: int) -> TableEntry:
    value, length = prefix.split("/")
    octets = [int(o) for o in value.split(".")]
    return TableEntry(table=LPM, match={DST: (int.from_bytes(bytes(octets), "big"), int(length))},
                      action=FORWARD, params={"dstAddr": int(mac.replace(":", ""), 16),
                                              "port": port})


def test_insert_read_modify_delete(conn: SwitchConnection) -> None:
    conn.insert_table_entry(LPM, {DST: "10.0.1.1/32"}, FORWARD,
                            {"dstAddr": "08:00:00:00:01:11", "port": 1})
    conn.insert_table_entry("ipv4_lpm", {DST: "10.0.2.0/24"}, "ipv4_forward",
                            ["08:00:00:00:02:22", 2])
    assert conn.read_table_entries(LPM) == [
        route("10.0.1.1/32", "08:00:00:00:01:11", 1),
        route("10.0.2.0/24", "08:00:00:00:02:22", 2),
    ]
    conn.modify_table_entry(LPM, {DST: "10.0.2.0/24"}, FORWARD,
                            {"dstAddr": "08:00:00:00:02:33", "port": 3})
    assert conn.read_table_entry(LPM, {DST: "10.0.2.0/24"}) == route(
        "10.0.2.0/24", "08:00:00:00:02:33", 3)
    conn.delete_table_entry(LPM, {DST: "10.0.1.1/32"})
    assert conn.read_table_entries() == [route("10.0.2.0/24", "08:00:00:00:02:33", 3)]
    assert conn.clear_table(LPM) == 1
    assert conn.read_table_entries(LPM) == []


def test_switch_refusals_are_switch_errors(conn: SwitchConnection) -> None:
    conn.insert_table_entry(LPM, {DST: "10.0.1.1/32"}, "MyIngress.drop")
    with pytest.raises(SwitchError) as info:
        conn.insert_table_entry(LPM, {DST: "10.0.1.1/32"}, "MyIngress.drop")
    assert info.value.code == grpc.StatusCode.UNKNOWN
    assert [(e.index, e.code) for e in info.value.errors] == [
        (0, grpc.StatusCode.ALREADY_EXISTS)]
    with pytest.raises(SwitchError) as info:
        conn.delete_table_entry(LPM, {DST: "10.9.9.9/32"})
    assert [e.code for e in info.value.errors] == [grpc.StatusCode.NOT_FOUND]
    with pytest.raises(SwitchError) as info:
        conn.modify_table_entry(LPM, {DST: "10.9.9.9/32"}, "MyIngress.drop")
    assert [e.code for e in info.value.errors] == [grpc.StatusCode.NOT_FOUND]


def test_unknown_names_are_caught_before_the_switch(conn: SwitchConnection) -> None:
    with pytest.raises(UnknownNameError) as info:
        conn.insert_table_entry("MyIngress.ipv4_lmp", {DST: "10.0.0.0/8"}, "MyIngress.drop")
    assert str(info.value) == (
        "unknown table 'MyIngress.ipv4_lmp'; did you mean 'MyIngress.ipv4_lpm'?")
    with pytest.raises(UnknownNameError, match="did you mean 'MyIngress.ipv4_forward'"):
        conn.insert_table_entry(LPM, {DST: "10.0.0.0/8"}, "ipv4_fwd", {"dstAddr": 1, "port": 1})
    assert conn.read_table_entries(LPM) == []


def test_default_action(conn: SwitchConnection) -> None:
    assert conn.read_default_entry(LPM) == TableEntry(
        table=LPM, action="MyIngress.drop", is_default=True)
    conn.set_default_action(LPM, "NoAction")
    assert conn.read_default_entry(LPM).action == "NoAction"
    conn.reset_default_action(LPM)
    assert conn.read_default_entry(LPM).action == "MyIngress.drop"


def test_routed_packet_leaves_rewritten(conn: SwitchConnection, switch: P4simTarget) -> None:
    conn.insert_table_entry(LPM, {DST: "10.0.2.0/24"}, FORWARD,
                            {"dstAddr": "08:00:00:00:02:22", "port": 2})
    ether = bytes.fromhex("0a0000000001" "0a0000000002" "0800")
    ipv4 = bytes.fromhex("4500001c000100004011" "0000" "0a000101" "0a000202")
    switch.send(1, ether + ipv4 + bytes(8))
    ((port, frame),) = switch.receive(0)
    assert port == 2
    assert frame[:12] == bytes.fromhex("080000000222" "0a0000000001")
    assert frame[14 + 8] == 0x3F  # TTL 64 -> 63


def test_second_controller_must_not_take_over(conn: SwitchConnection,
                                              switch: P4simTarget) -> None:
    backup = SwitchConnection("s1", switch.address, election_id=(0, 5), timeout=5)
    with pytest.raises(SwitchError) as info:
        backup.connect()
    assert info.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert not backup.connected


def test_registers_over_p4runtime(program_conn: Callable) -> None:
    conn, switch = program_conn("extern_register")
    assert conn.read_register("packets_per_port", 3) == 0
    switch.send(3, bytes(64))
    switch.send(3, bytes(64))
    assert conn.read_register("MyIngress.packets_per_port", 3) == 2
    conn.write_register("packets_per_port", 3, 0xFFFFFFFF)
    assert conn.read_register("packets_per_port")[3] == 0xFFFFFFFF
    conn.reset_register("packets_per_port")
    assert conn.read_register("packets_per_port", 3) == 0
    conn.write_register("config", 0, 1)
    assert conn.read_register("config") == [1]


def test_counters_and_meters(program_conn: Callable) -> None:
    conn, switch = program_conn("extern_counter_meter")
    switch.send(2, bytes(100))
    assert conn.read_counter("rx_port_counter", 2) == CounterData(packets=1, bytes=100)
    assert conn.read_counter("drop_counter", 0) == CounterData(packets=0, bytes=0)
    conn.write_counter("rx_port_counter", 2, CounterData(0, 0))
    assert conn.read_counter("rx_port_counter", 2) == CounterData(0, 0)
    config = MeterConfig(cir=1000, cburst=100, pir=2000, pburst=200)
    conn.set_meter("port_meter", 4, config)
    assert conn.read_meter("port_meter", 4) == config
    conn.set_meter("port_meter", 4, None)
    assert conn.read_meter("port_meter", 4) is None


def test_packet_out_and_packet_in(program_conn: Callable) -> None:
    conn, switch = program_conn("packet_io", cpu_port=255)
    frame = bytes.fromhex("ffffffffffff" "0a0000000001" "88b5") + b"payload"
    conn.packet_out(frame, {"egress_port": 4})
    assert wait_for_output(switch) == [(4, frame)]
    switch.send(7, frame)
    assert conn.get_packet_in(timeout=5) == PacketIn(frame, {"ingress_port": 7, "_pad": 0})


def test_digests_and_multicast(program_conn: Callable) -> None:
    conn, switch = program_conn("digest")
    conn.insert_multicast_group(1, [1, 2, (3, 7)])
    assert conn.read_multicast_groups() == {1: [Replica(1, 0), Replica(2, 0), Replica(3, 7)]}
    conn.configure_digest("mac_learn_digest_t", max_list_size=1)
    frame = bytes.fromhex("0a0000000002" "0a0000000001" "0800") + bytes(20)
    switch.send(5, frame)
    assert sorted(port for port, _ in switch.receive(0)) == [1, 2, 3]
    digest = conn.get_digest(timeout=5)
    assert (digest.digest, digest.data) == (
        "mac_learn_digest_t", [{"srcAddr": 0x0A0000000001, "ingress_port": 5}])
    conn.ack_digest(digest)
    conn.insert_clone_session(100, [4])
    assert conn.read_clone_sessions()[100].replicas == [Replica(4, 0)]


def test_request_log_records_every_request(switch: P4simTarget, basic_build: Path,
                                          tmp_path: Path) -> None:
    """The tutorials' request log, written by the controller (BMv2's server writes none)."""
    log = tmp_path / "logs" / "s1-p4runtime-requests.txt"
    with SwitchConnection("s1", switch.address, timeout=5, request_log=log) as connection:
        connection.set_pipeline_from_build(basic_build, target="p4sim")
        connection.insert_table_entry(LPM, {DST: "10.0.1.0/24"}, FORWARD,
                                      {"dstAddr": "08:00:00:00:01:11", "port": 1})
    text = log.read_text()
    methods = [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith("[")]
    assert methods == [
        "/p4.v1.P4Runtime/StreamChannel",  # arbitration
        "/p4.v1.P4Runtime/SetForwardingPipelineConfig",
        "/p4.v1.P4Runtime/Write",
    ]
    assert "# config.p4_device_config:" in text and "bytes, not logged" in text
    assert 'value: "\\n\\000\\001\\000"' in text and "prefix_len: 24" in text


def test_direct_counter_and_meter(program_conn: Callable) -> None:
    conn, switch = program_conn("direct_resources")
    dmac = {"hdr.ethernet.dstAddr": "0a:00:00:00:00:02"}
    flow = {"hdr.ethernet.srcAddr": "0a:00:00:00:00:01"}
    conn.insert_table_entry("dmac", dmac, "forward", {"port": 3})
    conn.insert_table_entry("rate_limit", flow, "read_color")
    switch.send(1, bytes.fromhex("0a0000000002" "0a0000000001" "0800") + bytes(50))
    assert conn.read_direct_counter("dmac", dmac) == CounterData(packets=1, bytes=64)
    conn.write_direct_counter("dmac", dmac, CounterData(7, 700))
    assert conn.read_direct_counter("dmac", dmac) == CounterData(7, 700)
    config = MeterConfig(cir=10, cburst=2, pir=20, pburst=4)
    conn.set_direct_meter("rate_limit", flow, config)
    assert conn.read_direct_meter("rate_limit", flow) == config
    conn.set_direct_meter("rate_limit", flow, None)
    assert conn.read_direct_meter("rate_limit", flow) is None
    with pytest.raises(SwitchError) as info:
        conn.read_direct_counter("dmac", {"hdr.ethernet.dstAddr": 5})
    # p4sim answers as for a Write (UNKNOWN + one p4.v1.Error); either way NOT_FOUND is the why
    codes = [info.value.code, *(e.code for e in info.value.errors)]
    assert grpc.StatusCode.NOT_FOUND in codes and "no entry with this key" in str(info.value)


def test_replication_and_digest_changes(program_conn: Callable) -> None:
    conn, switch = program_conn("digest")
    conn.insert_multicast_group(1, [1, 2])
    conn.modify_multicast_group(1, [(4, 2)])
    assert conn.read_multicast_groups(1) == {1: [Replica(4, 2)]}
    conn.delete_multicast_group(1)
    assert conn.read_multicast_groups() == {}
    conn.insert_clone_session(100, [4])
    conn.modify_clone_session(100, [5, (6, 1)], packet_length_bytes=64)
    assert conn.read_clone_sessions(100) == {
        100: CloneSession(100, [Replica(5, 0), Replica(6, 1)], 0, 64)}
    conn.delete_clone_session(100)
    assert conn.read_clone_sessions() == {}
    conn.configure_digest("mac_learn_digest_t", max_list_size=1)
    conn.configure_digest("mac_learn_digest_t", max_list_size=1, ack_timeout_ns=1000)  # MODIFY
    conn.disable_digest("mac_learn_digest_t")
    switch.send(5, bytes.fromhex("0a0000000002" "0a0000000001" "0800") + bytes(20))
    assert conn.get_digest(timeout=0.2) is None


def test_packets_in_until_quiet(program_conn: Callable) -> None:
    conn, switch = program_conn("packet_io", cpu_port=255)
    frame = bytes.fromhex("ffffffffffff" "0a0000000001" "88b5") + b"payload"
    switch.send(7, frame)
    switch.send(8, frame)
    assert [p.metadata["ingress_port"] for p in conn.packets_in(timeout=1)] == [7, 8]

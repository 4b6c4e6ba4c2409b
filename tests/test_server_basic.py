"""End to end: p4runtime-shell's client against p4sim's P4Runtime server running basic.p4.

Capabilities, pipeline set / get with every action, table writes with exact read-back and
forwarding, the spec's error codes, arbitration between two clients and the request log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import text_encoding
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc
from test_server_support import (
    ROOT,
    Rig,
    build,
    client,
    entity,
    one_line,
    read,
    read_codes,
    rig,
    set_pipeline,
    update,
    write,
)

from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.switch import Switch
from p4sim.server import make_server

LPM = 37375156
FORWARD = 28792405
DROP = 25652968
NO_ACTION = 21257015


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(ROOT / "p4src" / "basic.p4", tmp_path_factory.mktemp("basic"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Rig]:
    with rig(tmp_path / "p4rt-requests.txt") as r:
        yield r


@pytest.fixture
def ctl(server: Rig, basic: tuple[Path, Path]):
    with client(server.address) as c:
        set_pipeline(c, *basic)
        yield c


def esc(value: bytes) -> str:
    """A bytes value as a protobuf text-format string literal."""
    return '"' + text_encoding.CEscape(value, as_utf8=False) + '"'


def lpm(value: bytes, plen: int, field_id: int = 1) -> str:
    return f"match {{ field_id: {field_id} lpm {{ value: {esc(value)} prefix_len: {plen} }} }}"


def forward(mac: bytes = b"\x08\x00\x00\x00\x01\x11", port: bytes = b"\x01") -> str:
    return (f"action {{ action {{ action_id: {FORWARD} params {{ param_id: 1 value: {esc(mac)} }}"
            f" params {{ param_id: 2 value: {esc(port)} }} }} }}")


NET1, NET2, PORT2 = b"\x0a\x00\x01\x01", b"\x0a\x00\x02\x00", b"\x02"
DROP_ACTION = f"action {{ action {{ action_id: {DROP} }} }}"


def route(kind: str, prefix: bytes, plen: int, mac: bytes = b"\x08\x00\x00\x00\x01\x11",
          port: bytes = b"\x01") -> p4runtime_pb2.Update:
    return update(kind, f"table_entry {{ table_id: {LPM} {lpm(prefix, plen)} "
                        f"{forward(mac, port)} }}")


def table_entries(c) -> list[str]:
    return [one_line(e.table_entry) for e in read(c, entity(f"table_entry {{ table_id: {LPM} }}"))]


IPV4_PACKET = bytes.fromhex(
    "000000000001" "000000000002" "0800"
    "4500001c00010000" "4011" "0000" "0a000001" "0a000101" "0000000000000000"
)


def test_capabilities_report_the_api_version(server: Rig) -> None:
    with client(server.address) as c:
        assert c.api_version() == "1.4.1"


def test_pipeline_set_and_get(server: Rig, basic: tuple[Path, Path]) -> None:
    p4info_path, config_path = basic
    with client(server.address) as c:
        request = p4runtime_pb2.GetForwardingPipelineConfigRequest(device_id=0)
        assert not c.stub.GetForwardingPipelineConfig(request).HasField("config")
        set_pipeline(c, p4info_path, config_path, cookie=42)
        got = c.stub.GetForwardingPipelineConfig(request).config
        assert got.p4_device_config == config_path.read_bytes()
        assert got.cookie.cookie == 42
        assert [t.preamble.name for t in got.p4info.tables] == ["MyIngress.ipv4_lpm"]
        Get = p4runtime_pb2.GetForwardingPipelineConfigRequest
        only_cookie = c.stub.GetForwardingPipelineConfig(
            Get(device_id=0, response_type=Get.COOKIE_ONLY)
        ).config
        assert one_line(only_cookie) == "cookie { cookie: 42 }"
        assert c.get_p4info().tables[0].preamble.id == LPM


def test_writes_before_a_pipeline_fail_with_failed_precondition(server: Rig) -> None:
    with client(server.address) as c:
        with pytest.raises(grpc.RpcError) as exc:
            write(c, route("INSERT", b"\x0a\x00\x01\x01", 32))
        assert exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        with pytest.raises(grpc.RpcError) as exc:
            read(c, entity("table_entry {}"))
        assert exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_insert_read_modify_delete_with_exact_readback(ctl) -> None:
    assert write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32),
                 route("INSERT", b"\x0a\x00\x02\x00", 24, port=b"\x02")) == ["OK", "OK"]
    assert table_entries(ctl) == [
        f"table_id: {LPM} {lpm(NET1, 32)} {forward()}",
        f"table_id: {LPM} {lpm(NET2, 24)} {forward(port=PORT2)}",
    ]
    assert write(ctl, route("MODIFY", b"\x0a\x00\x01\x01", 32, port=b"\x03")) == ["OK"]
    (first, _) = read(ctl, entity(f"table_entry {{ table_id: {LPM} }}"))
    assert first.table_entry.action.action.params[1].value == b"\x03"
    assert write(ctl, route("DELETE", b"\x0a\x00\x02\x00", 24)) == ["OK"]
    assert len(table_entries(ctl)) == 1


def test_padded_bytestrings_are_accepted_and_read_back_canonical(ctl) -> None:
    padded = route("INSERT", b"\x00\x0a\x00\x01\x01", 32, mac=b"\x00" * 6 + b"\x05",
                   port=b"\x00\x01")
    assert write(ctl, padded) == ["OK"]
    (e,) = read(ctl, entity(f"table_entry {{ table_id: {LPM} }}"))
    assert e.table_entry.match[0].lpm.value == b"\x0a\x00\x01\x01"
    assert [p.value for p in e.table_entry.action.action.params] == [b"\x05", b"\x01"]


def test_installed_route_forwards_packets(ctl, server: Rig) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x00", 24, port=b"\x02"))
    server.dataplane.inject(1, IPV4_PACKET)
    ((port, frame),) = server.sent
    assert port == 2
    assert frame[:12] == bytes.fromhex("080000000111" "000000000001")
    assert frame[22] == 0x3F  # TTL decremented


def test_default_entry_modify_reset_and_read(ctl) -> None:
    default = f"table_entry {{ table_id: {LPM} is_default_action: true }}"
    (e,) = read(ctl, entity(default))
    assert one_line(e.table_entry) == (
        f"table_id: {LPM} action {{ action {{ action_id: {DROP} }} }} is_default_action: true"
    )
    set_noaction = update("MODIFY", f"""table_entry {{ table_id: {LPM} is_default_action: true
        action {{ action {{ action_id: {NO_ACTION} }} }} }}""")
    assert write(ctl, set_noaction) == ["OK"]
    assert read(ctl, entity(default))[0].table_entry.action.action.action_id == NO_ACTION
    assert write(ctl, update("MODIFY", default)) == ["OK"]  # no action: reset
    assert read(ctl, entity(default))[0].table_entry.action.action.action_id == DROP
    assert write(ctl, update("INSERT", default), update("DELETE", default)) == [
        "INVALID_ARGUMENT", "INVALID_ARGUMENT"
    ]


A = b"\x0a\x00\x00\x00"


def _lpm_entry(match: str, action: str = DROP_ACTION, extra: str = "") -> str:
    return f"table_entry {{ table_id: {LPM} {extra} {match} {action} }}"


def _params(*pairs: tuple[int, bytes]) -> str:
    params = " ".join(f"params {{ param_id: {i} value: {esc(v)} }}" for i, v in pairs)
    return f"action {{ action {{ action_id: {FORWARD} {params} }} }}"


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        # unknown table / match field / action ids
        ("table_entry { table_id: 1 }", "INVALID_ARGUMENT"),
        (_lpm_entry('match { field_id: 9 exact { value: "\\001" } }'), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(A, 8), "action { action { action_id: 12345 } }"), "INVALID_ARGUMENT"),
        # wrong match kind, prefix length 0 / too long, bits beyond the prefix, value too wide
        (_lpm_entry('match { field_id: 1 exact { value: "\\001" } }'), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(b"\x00", 0)), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(b"\x01", 33)), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(b"\x0a\x00\x00\x01", 8)), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(b"\x01\x00\x00\x00\x00", 8)), "OUT_OF_RANGE"),
        (_lpm_entry(lpm(b"", 8)), "OUT_OF_RANGE"),
        # missing action, missing / unknown / too wide parameter, priority where none is used
        (_lpm_entry(lpm(A, 8), ""), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(A, 8), _params((2, b"\x01"))), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(A, 8), _params((1, b"\x01"), (2, b"\x01"), (3, b"\x01"))),
         "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(A, 8), _params((1, b"\x01"), (2, b"\x02\x00"))), "OUT_OF_RANGE"),
        (_lpm_entry(lpm(A, 8), extra="priority: 5"), "INVALID_ARGUMENT"),
        # is_const in a write, idle timeout on a table without support
        (_lpm_entry(lpm(A, 8), extra="is_const: true"), "INVALID_ARGUMENT"),
        (_lpm_entry(lpm(A, 8), extra="idle_timeout_ns: 5"), "INVALID_ARGUMENT"),
        # no entity at all, an entity kind v1model does not have
        ("", "INVALID_ARGUMENT"),
        ("extern_entry { extern_type_id: 129 }", "UNIMPLEMENTED"),
    ],
)
def test_malformed_inserts_get_the_spec_code(ctl, entry: str, code: str) -> None:
    assert write(ctl, update("INSERT", entry)) == [code]
    assert table_entries(ctl) == []


def test_duplicate_insert_and_missing_entry(ctl) -> None:
    assert write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32)) == ["OK"]
    assert write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32, port=b"\x07"),
                 route("MODIFY", b"\x0a\x00\x09\x09", 32),
                 route("DELETE", b"\x0a\x00\x09\x09", 32)) == [
        "ALREADY_EXISTS", "NOT_FOUND", "NOT_FOUND"
    ]
    (e,) = read(ctl, entity(f"table_entry {{ table_id: {LPM} }}"))
    assert e.table_entry.action.action.params[1].value == b"\x01"  # unchanged


def test_batch_continues_after_an_error(ctl) -> None:
    codes = write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32),
                  route("INSERT", b"\x0a\x00\x01\x01", 33),
                  route("INSERT", b"\x0a\x00\x01\x02", 32))
    assert codes == ["OK", "INVALID_ARGUMENT", "OK"]
    assert len(table_entries(ctl)) == 2


def test_update_type_unspecified_is_invalid(ctl) -> None:
    bad = route("INSERT", b"\x0a\x00\x01\x01", 32)
    bad.type = p4runtime_pb2.Update.UNSPECIFIED
    assert write(ctl, bad) == ["INVALID_ARGUMENT"]


def test_optional_atomicity_modes_are_unimplemented(ctl) -> None:
    for mode in (p4runtime_pb2.WriteRequest.ROLLBACK_ON_ERROR,
                 p4runtime_pb2.WriteRequest.DATAPLANE_ATOMIC):
        with pytest.raises(grpc.RpcError) as exc:
            write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32), atomicity=mode)
        assert exc.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert table_entries(ctl) == []


def test_wrong_device_id_is_not_found(ctl) -> None:
    request = p4runtime_pb2.WriteRequest(device_id=7, updates=[route("INSERT", b"\x0a\0\0\0", 8)])
    request.election_id.low = 1
    for call, req in (
        (ctl.stub.Write, request),
        (ctl.stub.GetForwardingPipelineConfig,
         p4runtime_pb2.GetForwardingPipelineConfigRequest(device_id=7)),
    ):
        with pytest.raises(grpc.RpcError) as exc:
            call(req)
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as exc:
        read(ctl, entity("table_entry {}"), device_id=7)
    assert exc.value.code() == grpc.StatusCode.NOT_FOUND


def test_read_reports_one_error_per_entity(ctl) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32))
    assert read_codes(ctl, entity("table_entry {}"), entity("table_entry { table_id: 5 }"),
                      entity("")) == ["OK", "INVALID_ARGUMENT", "INVALID_ARGUMENT"]


def test_wildcard_reads_filter(ctl) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32), route("INSERT", b"\x0a\x00\x02\x00", 24))
    (e,) = read(ctl, entity(f"table_entry {{ table_id: {LPM} {lpm(NET2, 24)} }}"))
    assert e.table_entry.match[0].lpm.prefix_len == 24
    assert read(ctl, entity(f"table_entry {{ table_id: {LPM} action {{ action {{ "
                            f"action_id: {DROP} }} }} }}")) == []
    assert len(read(ctl, entity(f"table_entry {{ table_id: {LPM} action {{ action {{ "
                                f"action_id: {FORWARD} }} }} }}"))) == 2
    assert read_codes(ctl, entity("table_entry { priority: 3 }")) == ["INVALID_ARGUMENT"]


def test_non_primary_client_is_refused_writes(server: Rig, basic: tuple[Path, Path]) -> None:
    with client(server.address, election_id=(0, 5)) as primary:
        set_pipeline(primary, *basic)
        with client(server.address, election_id=(0, 2)) as backup:
            assert backup.get_stream_packet("arbitration", 1) is None  # only the first advisory
            with pytest.raises(grpc.RpcError) as exc:
                write(backup, route("INSERT", b"\x0a\x00\x01\x01", 32))
            assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
            with pytest.raises(grpc.RpcError) as exc:
                set_pipeline(backup, *basic)
            assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert len(read(backup, entity("table_entry {}"))) == 0  # reads are allowed
            assert write(primary, route("INSERT", b"\x0a\x00\x01\x01", 32)) == ["OK"]


def test_higher_election_id_takes_over(server: Rig, basic: tuple[Path, Path]) -> None:
    with client(server.address, election_id=(0, 1)) as first:
        set_pipeline(first, *basic)
        with client(server.address, election_id=(1, 0)) as second:
            advisory = first.get_stream_packet("arbitration", 2).arbitration
            assert (advisory.status.code, advisory.election_id.high, advisory.election_id.low) == (
                6, 1, 0  # ALREADY_EXISTS: someone else is primary now
            )
            with pytest.raises(grpc.RpcError) as exc:
                write(first, route("INSERT", b"\x0a\x00\x01\x01", 32))
            assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert write(second, route("INSERT", b"\x0a\x00\x01\x01", 32)) == ["OK"]
        # the primary left: the backup is told there is no primary, and stays a backup
        advisory = first.get_stream_packet("arbitration", 2).arbitration
        assert advisory.status.code == 5  # NOT_FOUND
        with pytest.raises(grpc.RpcError) as exc:
            write(first, route("INSERT", b"\x0a\x00\x01\x02", 32))
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_duplicate_election_id_terminates_the_stream(server: Rig) -> None:
    with client(server.address, election_id=(0, 3)):
        channel = grpc.insecure_channel(server.address)
        stub = p4runtime_pb2_grpc.P4RuntimeStub(channel)
        request = p4runtime_pb2.StreamMessageRequest()
        request.arbitration.device_id = 0
        request.arbitration.election_id.low = 3
        with pytest.raises(grpc.RpcError) as exc:
            list(stub.StreamChannel(iter([request]), timeout=5))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        request.arbitration.device_id = 9
        request.arbitration.election_id.low = 4
        with pytest.raises(grpc.RpcError) as exc:
            list(stub.StreamChannel(iter([request]), timeout=5))
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
        channel.close()


def test_verify_leaves_the_pipeline_alone(server: Rig, basic: tuple[Path, Path]) -> None:
    with client(server.address) as c:
        set_pipeline(c, *basic, action="VERIFY")
        with pytest.raises(grpc.RpcError) as exc:
            write(c, route("INSERT", b"\x0a\x00\x01\x01", 32))
        assert exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        for p4info, config, action in (
            (None, None, "VERIFY"),
            (basic[0], None, "VERIFY_AND_COMMIT"),
            (None, basic[1], "VERIFY_AND_COMMIT"),
            (*basic, "UNSPECIFIED"),
            (*basic, "COMMIT"),
        ):
            with pytest.raises(grpc.RpcError) as exc:
                set_pipeline(c, p4info, config, action=action)
            assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT, action
        with pytest.raises(grpc.RpcError) as exc:
            set_pipeline(c, None, None, action="COMMIT")
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND


def test_mismatched_p4info_and_device_config_is_refused(server: Rig, basic, tmp_path) -> None:
    other, _ = build(ROOT / "tests" / "p4" / "valid" / "digest.p4", tmp_path)
    with client(server.address) as c:
        with pytest.raises(grpc.RpcError) as exc:
            set_pipeline(c, other, basic[1])
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "does not describe the device config" in exc.value.details()
        bad = tmp_path / "garbage.json"
        bad.write_bytes(b"not json")
        with pytest.raises(grpc.RpcError) as exc:
            set_pipeline(c, basic[0], bad)
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_verify_and_commit_clears_forwarding_state(ctl, basic) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32))
    set_pipeline(ctl, *basic)
    assert table_entries(ctl) == []


def test_reconcile_and_commit_keeps_forwarding_state(ctl, basic, server: Rig) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x00", 24, port=b"\x02"),
          update("MODIFY", f"""table_entry {{ table_id: {LPM} is_default_action: true
                 action {{ action {{ action_id: {NO_ACTION} }} }} }}"""))
    before = table_entries(ctl)
    set_pipeline(ctl, *basic, action="RECONCILE_AND_COMMIT")
    assert table_entries(ctl) == before
    default = read(ctl, entity(f"table_entry {{ table_id: {LPM} is_default_action: true }}"))
    assert default[0].table_entry.action.action.action_id == NO_ACTION
    server.dataplane.inject(1, IPV4_PACKET)
    assert [port for port, _ in server.sent] == [2]


def test_save_then_commit_replays_writes_made_meanwhile(ctl, basic, server: Rig) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x00", 24, port=b"\x02"))
    set_pipeline(ctl, *basic, action="VERIFY_AND_SAVE")
    assert table_entries(ctl) == []  # reads and writes now address the saved pipeline
    write(ctl, route("INSERT", b"\x0a\x00\x01\x00", 24, port=b"\x03"))
    server.dataplane.inject(1, IPV4_PACKET)
    assert [port for port, _ in server.sent] == [2]  # packets still use the live one
    set_pipeline(ctl, None, None, action="COMMIT")
    server.dataplane.inject(1, IPV4_PACKET)
    assert [port for port, _ in server.sent] == [2, 3]
    assert len(table_entries(ctl)) == 1


def test_request_log_records_every_request(ctl, tmp_path: Path) -> None:
    write(ctl, route("INSERT", b"\x0a\x00\x01\x01", 32))
    text = (tmp_path / "p4rt-requests.txt").read_text()
    methods = [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith("[")]
    assert methods == [
        "/p4.v1.P4Runtime/StreamChannel",
        "/p4.v1.P4Runtime/SetForwardingPipelineConfig",
        "/p4.v1.P4Runtime/Write",
    ]
    assert "# config.p4_device_config: " in text and "bytes, not logged" in text
    assert "prefix_len: 32" in text


def test_delete_ignores_everything_but_the_key(ctl) -> None:
    write(ctl, route("INSERT", NET1, 32))
    nonsense = update("DELETE", f"table_entry {{ table_id: {LPM} {lpm(NET1, 32)} "
                                "action { action { action_id: 999 } } counter_data { } }")
    assert write(ctl, nonsense) == ["OK"]
    assert table_entries(ctl) == []


def test_modify_without_action_leaves_the_entry_alone(ctl) -> None:
    entry = f"table_entry {{ table_id: {LPM} {lpm(NET1, 32)} {forward()} controller_metadata: 5 }}"
    write(ctl, update("INSERT", entry))
    assert write(ctl, update("MODIFY", f"table_entry {{ table_id: {LPM} {lpm(NET1, 32)} "
                                       "metadata: \"x\" }")) == ["OK"]
    (e,) = read(ctl, entity(f"table_entry {{ table_id: {LPM} }}"))
    assert (e.table_entry.controller_metadata, e.table_entry.metadata) == (5, b"")
    full = entry.replace("controller_metadata: 5", 'controller_metadata: 6 metadata: "m"')
    assert write(ctl, update("MODIFY", full)) == ["OK"]
    (e,) = read(ctl, entity(f'table_entry {{ table_id: {LPM} metadata: "m" }}'))
    assert e.table_entry.controller_metadata == 6


def test_a_port_in_use_fails_to_start(server: Rig, tmp_path: Path) -> None:
    switch = Switch()
    other = make_server(switch, Dataplane(switch, lambda port, data: None), server.address,
                        request_log=tmp_path / "other.txt")
    with pytest.raises(RuntimeError, match="Failed to bind"):
        other.start()

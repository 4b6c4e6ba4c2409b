"""Unit tests of the P4Runtime server's pure parts: bytestrings, P4Info index, arbitration,
packet I/O framing, digest buffering, error statuses. No gRPC, no switch."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock
from google.protobuf import text_format
from google.rpc import code_pb2, status_pb2
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import codec
from p4sim.server.arbitration import Arbiter, election_id
from p4sim.server.digests import DigestEngine
from p4sim.server.packet_io import packet_in_message, packet_out_bytes
from p4sim.server.schema import Schema
from p4sim.server.status import batch_status


def _code(exc: pytest.ExceptionInfo[RuntimeApiError]) -> str:
    return exc.value.code


# ------------------------------------------------------------------ bytestrings (spec tables)


@pytest.mark.parametrize(
    ("width", "data", "value"),
    [
        (8, b"\x63", 99),
        (16, b"\x00\x63", 99),
        (16, b"\x63", 99),
        (16, b"\x30\x64", 0x3064),
        (16, b"\x00\x30\x64", 0x3064),
        (12, b"\x00\x63", 99),
        (12, b"\x63", 99),
        (12, b"\x00\x00\x63", 99),
        (9, b"\x00", 0),
        (9, b"\x01\xff", 511),
    ],
)
def test_decode_accepts_valid_bytestrings(width: int, data: bytes, value: int) -> None:
    assert codec.decode(data, width, "f") == value


@pytest.mark.parametrize(
    ("width", "data"),
    [(8, b"\x01\x63"), (8, b""), (16, b"\x01\x00\x63"), (12, b"\x10\x63"),
     (12, b"\x01\x00\x63"), (12, b"\x00\x40\x63"), (9, b"\x02\x00")],
)
def test_decode_rejects_out_of_range_as_out_of_range(width: int, data: bytes) -> None:
    with pytest.raises(RuntimeApiError) as exc:
        codec.decode(data, width, "f")
    assert _code(exc) == "OUT_OF_RANGE"


@pytest.mark.parametrize(
    ("value", "data"), [(0, b"\x00"), (99, b"\x63"), (0x3064, b"\x30\x64"), (256, b"\x01\x00")]
)
def test_encode_is_canonical(value: int, data: bytes) -> None:
    assert codec.encode(value) == data


@pytest.mark.parametrize(
    ("width", "data", "pattern"),
    [(8, b"\x63", 99), (8, b"\x9d", 0x9D), (8, b"\xff\x9d", 0x9D), (12, b"\xfd\x1d", 0xD1D),
     (16, b"\x00\x00", 0), (16, b"\x00", 0)],
)
def test_signed_bytestrings(width: int, data: bytes, pattern: int) -> None:
    assert codec.decode_signed(data, width, "f") == pattern
    assert codec.decode_signed(codec.encode_signed(pattern, width), width, "f") == pattern


@pytest.mark.parametrize(
    ("pattern", "width", "data"),
    [(0x9D, 8, b"\x9d"), (0xD1D, 12, b"\xfd\x1d"), (0, 16, b"\x00"), (0x80, 16, b"\x00\x80"),
     (0xFFFF, 16, b"\xff")],
)
def test_encode_signed_is_canonical(pattern: int, width: int, data: bytes) -> None:
    assert codec.encode_signed(pattern, width) == data


@pytest.mark.parametrize(("width", "data"), [(8, b"\x00\x9d"), (12, b"\x8d\x1d"), (16, b"")])
def test_decode_signed_rejects(width: int, data: bytes) -> None:
    with pytest.raises(RuntimeApiError) as exc:
        codec.decode_signed(data, width, "f")
    assert _code(exc) == "OUT_OF_RANGE"


def test_pack_and_unpack_fields_msb_first() -> None:
    assert codec.pack_fields([(0x1FF, 9), (0x05, 7)]) == b"\xff\x85"
    assert codec.unpack_fields(b"\xff\x85", [9, 7]) == [0x1FF, 0x05]
    assert codec.pack_fields([(1, 1), (0, 3)]) == b"\x80"


# ------------------------------------------------------------------ schema

P4INFO = """
tables {
  preamble { id: 33554433 name: "MyIngress.acl" alias: "acl" }
  match_fields { id: 1 name: "hdr.ipv4.dstAddr" bitwidth: 32 match_type: TERNARY }
  match_fields { id: 2 name: "meta.port" bitwidth: 9 match_type: EXACT }
  action_refs { id: 16777217 }
  action_refs { id: 16777218 scope: DEFAULT_ONLY }
  direct_resource_ids: 318767105
  size: 64
}
actions {
  preamble { id: 16777217 name: "MyIngress.fwd" }
  params { id: 1 name: "port" bitwidth: 9 }
}
actions { preamble { id: 16777218 name: "MyIngress.drop" } }
direct_counters {
  preamble { id: 318767105 name: "MyIngress.acl_counter" }
  spec { unit: BOTH }
  direct_table_id: 33554433
}
registers {
  preamble { id: 369098753 name: "MyIngress.r" }
  type_spec { bitstring { int { bitwidth: 16 } } }
  size: 8
}
digests {
  preamble { id: 385875969 name: "learn_t" }
  type_spec { struct { name: "learn_t" } }
}
controller_packet_metadata {
  preamble { id: 67146229 name: "packet_in" }
  metadata { id: 1 name: "ingress_port" bitwidth: 9 }
  metadata { id: 2 name: "_pad" bitwidth: 7 }
}
controller_packet_metadata {
  preamble { id: 67121543 name: "packet_out" }
  metadata { id: 1 name: "egress_port" bitwidth: 9 }
  metadata { id: 2 name: "_pad" bitwidth: 7 }
}
type_info {
  structs {
    key: "learn_t"
    value {
      members { name: "mac" type_spec { bitstring { bit { bitwidth: 48 } } } }
      members { name: "port" type_spec { bitstring { bit { bitwidth: 9 } } } }
    }
  }
}
"""


def _schema(text: str = P4INFO) -> Schema:
    return Schema(text_format.Parse(text, p4info_pb2.P4Info()))


def test_schema_indexes_tables_actions_and_resources() -> None:
    schema = _schema()
    table = schema.table(33554433)
    assert table.name == "MyIngress.acl"
    assert [(f.id, f.name, f.width, f.match_kind) for f in table.fields] == [
        (1, "hdr.ipv4.dstAddr", 32, "ternary"), (2, "meta.port", 9, "exact")
    ]
    assert table.needs_priority and table.size == 64
    assert table.default_only == frozenset({16777218}) and table.table_only == frozenset()
    assert table.direct_counter_id == 318767105 and table.direct_meter_id == 0
    assert schema.direct_counter(318767105).unit == "packets_and_bytes"
    assert schema.action(16777217).params[0].width == 9
    register = schema.register(369098753)
    assert (register.size, register.value.kind, register.value.width) == (8, "int", 16)
    digest = schema.digests_by_name["learn_t"]
    assert (digest.layout, [m.width for m in digest.members]) == ("struct", [48, 9])
    assert [f.name for f in schema.packet_out] == ["egress_port", "_pad"]


@pytest.mark.parametrize(
    "lookup", ["table", "action", "counter", "meter", "register", "action_profile", "digest"]
)
def test_schema_unknown_id_is_invalid_argument(lookup: str) -> None:
    with pytest.raises(RuntimeApiError) as exc:
        getattr(_schema(), lookup)(12345)
    assert _code(exc) == "INVALID_ARGUMENT"
    assert "unknown" in exc.value.message


@pytest.mark.parametrize(
    "bad",
    [
        P4INFO + 'actions { preamble { id: 16777217 name: "dup" } }',
        P4INFO.replace("action_refs { id: 16777217 }", "action_refs { id: 16777299 }"),
        P4INFO.replace("direct_table_id: 33554433", "direct_table_id: 33554499"),
        P4INFO.replace('params { id: 1 name: "port"', 'params { id: 0 name: "x" bitwidth: 1 } '
                       'params { id: 0 name: "port"'),
    ],
)
def test_schema_rejects_inconsistent_p4info(bad: str) -> None:
    with pytest.raises(RuntimeApiError) as exc:
        _schema(bad)
    assert _code(exc) == "INVALID_ARGUMENT"
    assert exc.value.message.startswith("invalid P4Info: ")


def test_schema_of_basic_p4info_from_build() -> None:
    from pathlib import Path

    path = Path(__file__).parent / "p4" / "golden" / "basic.p4info.txtpb"
    schema = _schema(path.read_text())
    lpm = schema.tables[37375156]
    assert lpm.fields[0].match_kind == "lpm" and not lpm.needs_priority
    assert [p.name for p in schema.action(28792405).params] == ["dstAddr", "port"]


# ------------------------------------------------------------------ arbitration


def _arb(device_id: int = 0, eid: int | None = None, role: str = "") -> (
    p4runtime_pb2.MasterArbitrationUpdate
):
    msg = p4runtime_pb2.MasterArbitrationUpdate(device_id=device_id)
    if role:
        msg.role.name = role
    if eid is not None:
        msg.election_id.high = eid >> 64
        msg.election_id.low = eid & (1 << 64) - 1
    return msg


def _statuses(notices: list) -> dict:
    return {s: (m.status.code, election_id(m)) for s, m in notices}


def test_first_controller_becomes_primary() -> None:
    arbiter = Arbiter(0)
    assert _statuses(arbiter.arbitrate("a", _arb(eid=1))) == {"a": (code_pb2.OK, 1)}
    assert arbiter.is_primary("a") and arbiter.primaries() == ["a"]
    arbiter.check_primary(0, "", 1)


def test_higher_election_id_takes_over_and_everyone_is_told() -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=1))
    notices = arbiter.arbitrate("b", _arb(eid=(1 << 64) + 2))
    assert _statuses(notices) == {
        "a": (code_pb2.ALREADY_EXISTS, (1 << 64) + 2), "b": (code_pb2.OK, (1 << 64) + 2)
    }
    with pytest.raises(RuntimeApiError) as exc:
        arbiter.check_primary(0, "", 1)
    assert _code(exc) == "PERMISSION_DENIED"
    arbiter.check_primary(0, "", (1 << 64) + 2)


def test_lower_election_id_is_backup_and_only_it_is_told() -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=5))
    assert _statuses(arbiter.arbitrate("b", _arb(eid=3))) == {"b": (code_pb2.ALREADY_EXISTS, 5)}
    assert not arbiter.is_primary("b")


def test_primary_leaving_leaves_no_primary_until_highest_id_returns() -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=5))
    arbiter.arbitrate("b", _arb(eid=3))
    assert _statuses(arbiter.disconnect("a")) == {"b": (code_pb2.NOT_FOUND, 5)}
    assert arbiter.primaries() == []
    # a lower id than ever seen stays backup, the same id as before wins again
    assert _statuses(arbiter.arbitrate("c", _arb(eid=4))) == {"c": (code_pb2.NOT_FOUND, 5)}
    assert _statuses(arbiter.arbitrate("d", _arb(eid=5)))["d"] == (code_pb2.OK, 5)
    assert arbiter.disconnect("b") == []


def test_primary_downgrading_itself_tells_everyone() -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=5))
    arbiter.arbitrate("b", _arb(eid=3))
    assert _statuses(arbiter.arbitrate("a", _arb(eid=4))) == {
        "a": (code_pb2.NOT_FOUND, 5), "b": (code_pb2.NOT_FOUND, 5)
    }


def test_unset_election_id_never_becomes_primary() -> None:
    arbiter = Arbiter(0)
    notices = arbiter.arbitrate("a", _arb())
    assert _statuses(notices) == {"a": (code_pb2.NOT_FOUND, None)}
    assert not notices[0][1].HasField("election_id")


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        (None, _arb(device_id=7, eid=1), "NOT_FOUND"),
        (_arb(eid=1), _arb(device_id=7, eid=1), "FAILED_PRECONDITION"),
        (_arb(eid=1), _arb(eid=1, role="other"), "FAILED_PRECONDITION"),
    ],
)
def test_arbitration_errors_terminate_the_stream(first, second, code) -> None:
    arbiter = Arbiter(0)
    if first is not None:
        arbiter.arbitrate("a", first)
    with pytest.raises(RuntimeApiError) as exc:
        arbiter.arbitrate("a", second)
    assert _code(exc) == code


def test_duplicate_election_id_is_invalid_argument() -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=9))
    with pytest.raises(RuntimeApiError) as exc:
        arbiter.arbitrate("b", _arb(eid=9))
    assert _code(exc) == "INVALID_ARGUMENT"
    arbiter.arbitrate("c", _arb(eid=9, role="r2"))  # another role may reuse it


def test_role_config_is_rejected() -> None:
    msg = _arb(eid=1, role="r")
    msg.role.config.type_url = "type.googleapis.com/x"
    with pytest.raises(RuntimeApiError) as exc:
        Arbiter(0).arbitrate("a", msg)
    assert _code(exc) == "INVALID_ARGUMENT"


def test_roles_are_arbitrated_independently() -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=1))
    notices = arbiter.arbitrate("b", _arb(eid=1, role="routes"))
    assert _statuses(notices) == {"b": (code_pb2.OK, 1)}
    assert notices[0][1].role.name == "routes"
    assert sorted(arbiter.primaries()) == ["a", "b"]
    arbiter.check_primary(0, "routes", 1)


@pytest.mark.parametrize(
    ("device_id", "role", "eid", "code"),
    [(3, "", 1, "NOT_FOUND"), (0, "nope", 1, "NOT_FOUND"), (0, "", 2, "PERMISSION_DENIED"),
     (0, "", None, "PERMISSION_DENIED")],
)
def test_check_primary_errors_in_spec_order(device_id, role, eid, code) -> None:
    arbiter = Arbiter(0)
    arbiter.arbitrate("a", _arb(eid=1))
    with pytest.raises(RuntimeApiError) as exc:
        arbiter.check_primary(device_id, role, eid)
    assert _code(exc) == code


def test_no_controller_means_permission_denied() -> None:
    with pytest.raises(RuntimeApiError) as exc:
        Arbiter(0).check_primary(0, "", 1)
    assert _code(exc) == "PERMISSION_DENIED"


# ------------------------------------------------------------------ packet I/O


def _meta(*pairs: tuple[int, bytes]) -> list[p4runtime_pb2.PacketMetadata]:
    return [p4runtime_pb2.PacketMetadata(metadata_id=i, value=v) for i, v in pairs]


def test_packet_out_header_is_packed_in_p4info_order() -> None:
    metadata = _meta((2, b"\x05"), (1, b"\x01\x03"))
    packet = p4runtime_pb2.PacketOut(payload=b"\xaa\xbb", metadata=metadata)
    assert packet_out_bytes(_schema(), packet) == b"\x81\x85\xaa\xbb"


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        (_meta((1, b"\x01")), "INVALID_ARGUMENT"),  # _pad missing
        (_meta((1, b"\x01"), (2, b"\x00"), (3, b"\x00")), "INVALID_ARGUMENT"),
        (_meta((1, b"\x01"), (1, b"\x01"), (2, b"\x00")), "INVALID_ARGUMENT"),
        (_meta((1, b"\x02\x00"), (2, b"\x00")), "OUT_OF_RANGE"),
    ],
)
def test_bad_packet_out_metadata(metadata, code) -> None:
    with pytest.raises(RuntimeApiError) as exc:
        packet_out_bytes(_schema(), p4runtime_pb2.PacketOut(payload=b"x", metadata=metadata))
    assert _code(exc) == code


def test_packet_in_splits_header_into_canonical_metadata() -> None:
    msg = packet_in_message(_schema(), b"\x00\x80\xde\xad")
    assert msg.payload == b"\xde\xad"
    assert [(m.metadata_id, m.value) for m in msg.metadata] == [(1, b"\x01"), (2, b"\x00")]
    assert packet_in_message(_schema(), b"\x00") is None


def test_packet_io_without_controller_headers_passes_payload() -> None:
    schema = _schema("")
    assert packet_in_message(schema, b"\x01\x02").payload == b"\x01\x02"
    assert packet_out_bytes(schema, p4runtime_pb2.PacketOut(payload=b"\x03")) == b"\x03"
    with pytest.raises(RuntimeApiError) as exc:
        packet_out_bytes(schema, p4runtime_pb2.PacketOut(payload=b"", metadata=_meta((1, b"\x01"))))
    assert _code(exc) == "INVALID_ARGUMENT"


# ------------------------------------------------------------------ digests

DIGEST_ID = 385875969


def _engine(config: str | None, sent: list, clock: FakeClock | None = None) -> DigestEngine:
    engine = DigestEngine(_schema(), lambda m: sent.append(m) or True, clock=clock or FakeClock())
    if config is not None:
        entry = p4runtime_pb2.DigestEntry(digest_id=DIGEST_ID)
        text_format.Parse(config, entry.config)
        engine.write(p4runtime_pb2.Update.INSERT, entry)
    return engine


def _data(msg: p4runtime_pb2.DigestList) -> list[list[bytes]]:
    return [[m.bitstring for m in d.struct.members] for d in msg.data]


def test_unconfigured_digest_sends_nothing() -> None:
    sent: list = []
    _engine(None, sent).on_digest("learn_t", (1, 2))
    assert sent == []


def test_digest_with_zero_timeout_is_sent_at_once() -> None:
    sent: list = []
    engine = _engine("max_list_size: 1", sent)
    engine.on_digest("learn_t", (0x0A0B0C0D0E0F, 3))
    assert [(m.digest_id, m.list_id, _data(m)) for m in sent] == [
        (DIGEST_ID, 1, [[b"\x0a\x0b\x0c\x0d\x0e\x0f", b"\x03"]])
    ]


def test_digests_are_buffered_until_list_size_and_deduplicated() -> None:
    sent: list = []
    engine = _engine("max_timeout_ns: 1000000000 max_list_size: 2", sent)
    engine.on_digest("learn_t", (1, 1))
    engine.on_digest("learn_t", (1, 1))
    assert sent == []
    engine.on_digest("learn_t", (2, 1))
    assert [_data(m) for m in sent] == [[[b"\x01", b"\x01"], [b"\x02", b"\x01"]]]


def test_digest_buffer_is_flushed_after_max_timeout() -> None:
    sent: list = []
    clock = FakeClock()
    engine = _engine("max_timeout_ns: 500000000 max_list_size: 10", sent, clock)
    engine.on_digest("learn_t", (7, 1))
    assert engine.poll(100.4) == pytest.approx(100.5)
    assert sent == []
    assert engine.poll(100.5) is None
    assert [_data(m) for m in sent] == [[[b"\x07", b"\x01"]]]


def test_unacked_digests_are_suppressed_until_ack_or_ack_timeout() -> None:
    sent: list = []
    clock = FakeClock()
    engine = _engine("max_list_size: 1 ack_timeout_ns: 2000000000", sent, clock)
    engine.on_digest("learn_t", (7, 1))
    engine.on_digest("learn_t", (7, 1))
    assert len(sent) == 1
    engine.ack(p4runtime_pb2.DigestListAck(digest_id=DIGEST_ID, list_id=1))
    engine.on_digest("learn_t", (7, 1))
    assert [m.list_id for m in sent] == [1, 2]
    engine.on_digest("learn_t", (7, 1))
    assert engine.poll(101.0) == pytest.approx(102.0)
    engine.poll(102.0)
    engine.on_digest("learn_t", (7, 1))
    assert [m.list_id for m in sent] == [1, 2, 3]


def test_digest_config_codes_follow_bmv2() -> None:
    sent: list = []
    engine = _engine("max_list_size: 1", sent)
    entry = p4runtime_pb2.DigestEntry(digest_id=DIGEST_ID)
    with pytest.raises(RuntimeApiError) as exc:
        engine.write(p4runtime_pb2.Update.INSERT, entry)
    assert _code(exc) == "ALREADY_EXISTS"
    engine.write(p4runtime_pb2.Update.DELETE, entry)
    for update in (p4runtime_pb2.Update.MODIFY, p4runtime_pb2.Update.DELETE):
        with pytest.raises(RuntimeApiError) as exc:
            engine.write(update, entry)
        assert _code(exc) == "NOT_FOUND"
    assert engine.read(p4runtime_pb2.DigestEntry()) == []
    with pytest.raises(RuntimeApiError) as exc:
        engine.read(entry)
    assert _code(exc) == "NOT_FOUND"


def test_digest_config_reads_back() -> None:
    engine = _engine("max_timeout_ns: 5 max_list_size: 3 ack_timeout_ns: 7", [])
    (entry,) = engine.read(p4runtime_pb2.DigestEntry())
    assert text_format.MessageToString(entry, as_one_line=True) == (
        f"digest_id: {DIGEST_ID} config {{ max_timeout_ns: 5 max_list_size: 3 ack_timeout_ns: 7 }}"
    )


# ------------------------------------------------------------------ statuses


def test_batch_status_has_one_p4_error_per_update() -> None:
    status = batch_status([None, RuntimeApiError("NOT_FOUND", "no such entry"), None])
    assert status.code.name == "UNKNOWN"
    ((key, blob),) = status.trailing_metadata
    assert key == "grpc-status-details-bin"
    rpc = status_pb2.Status.FromString(blob)
    assert rpc.code == code_pb2.UNKNOWN and rpc.message == status.details
    errors = []
    for detail in rpc.details:
        err = p4runtime_pb2.Error()
        assert detail.Unpack(err)
        errors.append((err.canonical_code, err.message))
    assert errors == [(0, ""), (code_pb2.NOT_FOUND, "no such entry"), (0, "")]

"""controller.schema and controller.encoding: name lookups, helpful errors, exact bytestrings."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import text_format
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2

from controller.encoding import (
    EncodingError,
    canonical,
    decode,
    decode_match,
    encode,
    encode_match,
    to_int,
)
from controller.schema import P4Schema, UnknownNameError, load_p4info

GOLDEN = Path(__file__).parent / "p4" / "golden"


def schema(program: str) -> P4Schema:
    return P4Schema.load(GOLDEN / f"{program}.p4info.txtpb")


# -- schema ------------------------------------------------------------------------------


def test_lookup_by_name_alias_and_id() -> None:
    s = schema("basic")
    table = s.tables["MyIngress.ipv4_lpm"]
    assert table.preamble.id == 37375156
    assert s.tables["ipv4_lpm"] is table
    assert s.tables.by_id(37375156) is table
    assert s.tables.name_of(37375156) == "MyIngress.ipv4_lpm"
    assert s.actions["ipv4_forward"].preamble.name == "MyIngress.ipv4_forward"
    assert [p.name for p in s.action_params("MyIngress.ipv4_forward")] == ["dstAddr", "port"]
    field = s.match_fields("ipv4_lpm")["hdr.ipv4.dstAddr"]
    assert (field.id, field.bitwidth, field.match_type) == (1, 32, p4info_pb2.MatchField.LPM)
    assert s.tables.names() == ["MyIngress.ipv4_lpm"]
    assert "ipv4_lpm" in s.tables and "nope" not in s.tables
    assert len(s.actions) == 3


def test_unknown_table_suggests_the_close_name() -> None:
    s = schema("basic")
    with pytest.raises(UnknownNameError) as info:
        s.tables["ipv4_lmp"]
    assert str(info.value) == "unknown table 'ipv4_lmp'; did you mean 'MyIngress.ipv4_lpm'?"
    assert info.value.suggestions == ["MyIngress.ipv4_lpm"]
    with pytest.raises(UnknownNameError) as info:
        s.tables["MyIngress.ipv4_lp"]
    assert info.value.suggestions == ["MyIngress.ipv4_lpm"]


def test_unknown_name_without_close_match_lists_known_names() -> None:
    s = schema("basic")
    with pytest.raises(UnknownNameError) as info:
        s.tables["xyz"]
    assert str(info.value) == "unknown table 'xyz'; known tables: 'MyIngress.ipv4_lpm'"
    with pytest.raises(UnknownNameError) as info:
        s.registers["r"]
    assert str(info.value) == "unknown register 'r'; there are no registers"


def test_unknown_match_field_suggests_the_full_path() -> None:
    s = schema("basic")
    with pytest.raises(UnknownNameError) as info:
        s.match_fields("ipv4_lpm")["dstAddr"]
    assert str(info.value) == (
        "unknown match field 'dstAddr' in table 'MyIngress.ipv4_lpm'; "
        "did you mean 'hdr.ipv4.dstAddr'?"
    )


def test_action_must_belong_to_the_table() -> None:
    s = schema("digest")
    assert s.table_action("dmac", "forward").preamble.name == "MyIngress.forward"
    with pytest.raises(UnknownNameError) as info:
        s.table_action("dmac", "learn")
    assert str(info.value) == (
        "unknown action 'learn' in table 'MyIngress.dmac'; "
        "known actions: 'MyIngress.flood', 'MyIngress.forward'"
    )
    with pytest.raises(UnknownNameError) as info:
        s.table_action("dmac", "MyIngress.forwad")
    assert info.value.suggestions == ["MyIngress.forward"]


def test_registers_counters_meters_digests_packet_metadata() -> None:
    reg = schema("extern_register")
    assert reg.register_width("packets_per_port") == 32
    assert reg.registers["MyIngress.last_seen"].size == 512
    assert reg.register_width("MyIngress.last_seen") == 48
    cm = schema("extern_counter_meter")
    assert cm.counters["rx_port_counter"].spec.unit == p4info_pb2.CounterSpec.BOTH
    assert cm.meters["port_meter"].size == 512
    direct = schema("direct_resources")
    assert direct.direct_counters["mac_hits"].direct_table_id == \
        direct.tables["dmac"].preamble.id
    dig = schema("digest")
    spec = dig.digests["mac_learn_digest_t"].type_spec
    assert dig.struct_fields(spec.struct.name) == [("srcAddr", 48), ("ingress_port", 9)]
    pio = schema("packet_io")
    assert [(f.name, f.bitwidth) for f in pio.packet_metadata("packet_out")] == [
        ("egress_port", 9), ("_pad", 7)]
    assert pio.needs_priority("punt") is False
    assert schema("table_match_kinds").needs_priority("classifier") is True


def test_load_binary_and_text_p4info(tmp_path: Path) -> None:
    text = load_p4info(GOLDEN / "basic.p4info.txtpb")
    binary = tmp_path / "basic.p4info.bin"
    binary.write_bytes(text.SerializeToString())
    assert load_p4info(binary) == text
    odd_suffix = tmp_path / "basic.p4info"
    odd_suffix.write_text(text_format.MessageToString(text))
    assert load_p4info(odd_suffix) == text


# -- encoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        (0, 9, b"\x00"),
        (1, 9, b"\x01"),
        (256, 9, b"\x01\x00"),
        (511, 9, b"\x01\xff"),
        (b"\x00\x00\x05", 9, b"\x05"),
        ("0x0a", 8, b"\x0a"),
        ("300", 16, b"\x01\x2c"),
        ("00:00:00:00:00:01", 48, b"\x01"),
        ("aa:bb:cc:dd:ee:ff", 48, bytes.fromhex("aabbccddeeff")),
        ("AA-BB-CC-0-E-F", 48, bytes.fromhex("aabbcc000e0f")),
        ("10.0.1.1", 32, bytes.fromhex("0a000101")),
        ("0.0.0.7", 32, b"\x07"),
        ("2001:db8::1", 128, bytes.fromhex("20010db8000000000000000000000001")),
        (True, 1, b"\x01"),
    ],
)
def test_encode_canonical(value: object, width: int, expected: bytes) -> None:
    assert encode(value, width) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "width", "message"),
    [
        (512, 9, "port: 512 does not fit in 9 bits"),
        (-1, 8, "port: -1 is negative; P4Runtime values are unsigned"),
        ("10.0.0.256", 32, "port: '10.0.0.256' is not a number, MAC, IPv4 or IPv6 address"),
        ("aa:bb:cc:dd:ee:ff", 47, "port: 'aa:bb:cc:dd:ee:ff' does not fit in 47 bits"),
        (1.5, 8, "port: cannot encode float 1.5"),
    ],
)
def test_encode_errors(value: object, width: int, message: str) -> None:
    with pytest.raises(EncodingError) as info:
        to_int(value, width, "port")  # type: ignore[arg-type]
    assert str(info.value) == message


def test_canonical_and_decode() -> None:
    assert canonical(0) == b"\x00"
    assert canonical(0x1234) == b"\x12\x34"
    assert decode(b"\x00\x01\xff", 9) == 511
    with pytest.raises(EncodingError):
        decode(b"\x02\x00", 9)


def field(match_type: str, width: int) -> p4info_pb2.MatchField:
    return p4info_pb2.MatchField(id=3, name="f", bitwidth=width,
                                 match_type=p4info_pb2.MatchField.MatchType.Value(match_type))


def fm(text: str) -> p4runtime_pb2.FieldMatch:
    return text_format.Parse(text, p4runtime_pb2.FieldMatch())


@pytest.mark.parametrize(
    ("kind", "width", "value", "expected"),
    [
        ("EXACT", 9, 3, 'field_id: 3 exact { value: "\\003" }'),
        ("LPM", 32, "10.0.0.0/8", 'field_id: 3 lpm { value: "\\n\\000\\000\\000" prefix_len: 8 }'),
        ("LPM", 32, "10.1.2.3/16",
         'field_id: 3 lpm { value: "\\n\\001\\000\\000" prefix_len: 16 }'),
        ("LPM", 32, ("10.0.0.1", 32),
         'field_id: 3 lpm { value: "\\n\\000\\000\\001" prefix_len: 32 }'),
        ("LPM", 32, 5, 'field_id: 3 lpm { value: "\\005" prefix_len: 32 }'),
        ("LPM", 128, "2001:db8::/32",
         'field_id: 3 lpm { value: " \\001\\r\\270\\000\\000\\000\\000\\000\\000\\000\\000\\000'
         '\\000\\000\\000" prefix_len: 32 }'),
        ("TERNARY", 16, (0x1234, 0xFF00),
         'field_id: 3 ternary { value: "\\022\\000" mask: "\\377\\000" }'),
        ("TERNARY", 16, "0x0a0b &&& 0x00ff",
         'field_id: 3 ternary { value: "\\013" mask: "\\377" }'),
        ("TERNARY", 32, "10.0.0.0/8",
         'field_id: 3 ternary { value: "\\n\\000\\000\\000" mask: "\\377\\000\\000\\000" }'),
        ("TERNARY", 8, 7, 'field_id: 3 ternary { value: "\\007" mask: "\\377" }'),
        ("RANGE", 16, (10, 20), 'field_id: 3 range { low: "\\n" high: "\\024" }'),
        ("RANGE", 16, 80, 'field_id: 3 range { low: "P" high: "P" }'),
        ("OPTIONAL", 9, 0, 'field_id: 3 optional { value: "\\000" }'),
    ],
)
def test_encode_match(kind: str, width: int, value: object, expected: str) -> None:
    assert encode_match(field(kind, width), value) == fm(expected)


@pytest.mark.parametrize(
    ("kind", "width", "value"),
    [
        ("LPM", 32, "0.0.0.0/0"),
        ("LPM", 32, None),
        ("TERNARY", 8, (5, 0)),
        ("TERNARY", 8, None),
        ("RANGE", 8, (0, 255)),
        ("OPTIONAL", 8, None),
    ],
)
def test_dont_care_values_are_omitted(kind: str, width: int, value: object) -> None:
    assert encode_match(field(kind, width), value) is None


@pytest.mark.parametrize(
    ("kind", "width", "value", "message"),
    [
        ("EXACT", 8, None, "k: an exact match field needs a value"),
        ("EXACT", 32, "10.0.0.0/8", "k: exact match takes a single value, got '10.0.0.0/8'"),
        ("EXACT", 8, (1, 2), "k: exact match takes a single value, got (1, 2)"),
        ("LPM", 32, "10.0.0.0/33", "k: prefix length 33 not in 0..32"),
        ("LPM", 32, "10.0.0.0/x", "k: bad prefix length in '10.0.0.0/x'"),
        ("RANGE", 8, (9, 3), "k: range low 9 is above high 3"),
        ("RANGE", 8, (1, 2, 3), "k: expected (low, high), got (1, 2, 3)"),
        ("TERNARY", 8, (1, 256), "k: 256 does not fit in 8 bits"),
    ],
)
def test_encode_match_errors(kind: str, width: int, value: object, message: str) -> None:
    with pytest.raises(EncodingError) as info:
        encode_match(field(kind, width), value, "k")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("kind", "width", "value", "decoded"),
    [
        ("EXACT", 48, "00:00:00:00:01:02", 0x0102),
        ("LPM", 32, "10.0.0.0/8", (0x0A000000, 8)),
        ("TERNARY", 16, (0x1234, 0xFF00), (0x1200, 0xFF00)),
        ("RANGE", 16, (10, 20), (10, 20)),
        ("OPTIONAL", 9, 4, 4),
    ],
)
def test_decode_match_round_trip(kind: str, width: int, value: object, decoded: object) -> None:
    f = field(kind, width)
    assert decode_match(f, encode_match(f, value)) == decoded

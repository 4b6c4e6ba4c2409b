"""p4sim.runtime.hashes against values observed on the reference BMv2 and known CRC check values.

The golden rows come from `tests/facts/probe_hash.vectors` and `probe_semantics.vectors`
(BMv2 1.15.5 running programs compiled by p4c 1.2.5); they are copied here so that the tests
run on a fresh clone. The packets are decoded the way the probe programs parse them.
"""

from __future__ import annotations

import binascii
import re
import zlib
from pathlib import Path
from random import Random

import checksums
import pytest

from p4sim.runtime import hashes
from p4sim.runtime.hashes import (
    ALGORITHMS,
    CRC16_CUSTOM_DEFAULT,
    CRC32_CUSTOM_DEFAULT,
    Crc,
    CrcParams,
    checksum16,
    crc16,
    crc16_custom,
    crc32,
    crc32_custom,
    csum16,
    identity,
    make_calculation,
    pack_fields,
    v1model_hash,
    xor16,
)

# probe_hash.p4: ethernet (14 bytes), in_t {a:32, b:16, c:8, pad:8}, then the emitted out_t
# {crc16:16, crc32:32, identity16:16, csum16:16, xor16:16, crc16_mod:32, crc32_lo16:16,
# perr:8, pad:8}. Every packet goes out of port 2, in input order.
PROBE_HASH_IN = """
02000000000202000000000112340000000000000000
02000000000202000000000112340000000100020300
0200000000020200000000011234deadbeefcafe5500
0200000000020200000000011234ffffffffffffff00
02000000000202000000000112340a00000100500600
020000000002020000000001123452e6b438f2a72600
02000000000202000000000112346513270ea6a30c00
0200000000020200000000011234128b2f33d23f8900
02000000000202000000000112341818e8115d9d9500
02000000000202000000000112340ed90475e8e28100
""".split()
PROBE_HASH_OUT = """
0200000000020200000000011234000000000000000000009d6cdf7e0000ffff000000000064df1c0000
020000000002020000000001123400000001000203009d408eef8b230002fcfc03030000006aef8a0000
0200000000020200000000011234deadbeefcafe55001e9befff3893cafe4263ffbc00000066a35a0000
0200000000020200000000011234ffffffffffffff00800eff41d9edffff00ff00ff00000065ffff0000
02000000000202000000000112340a00000100500600fe17d2781f340050efae0c51000000670fee0000
020000000002020000000001123452e6b438f2a72600a082bce8a988f2a7e03832790000006467050000
02000000000202000000000112346513270ea6a30c009c9903f7cafda6a3c13ae8be000000645a660000
0200000000020200000000011234128b2f33d23f89005786fae2a9fed23f630166870000006aed120000
02000000000202000000000112341818e8115d9d9500dfc7f6371fba5d9d0d3838940000006a0bb20000
02000000000202000000000112340ed90475e8e28100f11f0005bc6ae8e282ce634e00000065e6270000
""".split()

# probe_semantics.p4: in_t {x:3, y:9, z:4, op:8, v:8} after ethernet; egress emits out_t
# starting {crc16_xy:16, crc32_xyz:32, csum16_xyz:16, ...}. Outputs are listed per port, not
# in input order; the two packets too short for in_t leave it invalid (no hashes computed).
PROBE_SEMANTICS_IN = """
0200000000020200000000011234ba3c0164deadbeef
0200000000020200000000011234ba3c0264deadbeef
0200000000020200000000011234ba3c0364deadbeef
0200000000020200000000011234ba3c0464deadbeef
0200000000020200000000011234ba3c0564deadbeef
0200000000020200000000011234ba3c0100deadbeef
0200000000020200000000011234ba3c01ffdeadbeef
0200000000020200000000011234ba3c
0200000000020200000000011234
""".split()
PROBE_SEMANTICS_OUT = """
0200000000020200000000011234ba3c01647473709c284a45c3000000000000001600012cff2000deadbeef
0200000000020200000000011234ba3c02647473709c284a45c3000000000000001600012cff2000deadbeef
0200000000020200000000011234ba3c03647473709c284a45c3000500070000001600012cff2000deadbeef
0200000000020200000000011234ba3c01007473709c284a45c300000000000000160001c8c80000deadbeef
0200000000020200000000011234ba3c01ff7473709c284a45c300000000000000160001c7fff800deadbeef
0200000000020200000000011234ba3c03647473709c284a45c3000500070000001600012cff2000deadbeef
020000000002020000000001123400000000000000000100000000000010000100000000ba3c
02000000000202000000000112340000000000000000010000000000000e000100000000
0200000000020200000000011234ba3c02647473709c284a45c3000100000000001600002cff2000deadbeef
""".split()

ETH = 14
CHECK = b"123456789"


def _split(data: bytes, widths: list[int]) -> list[int]:
    """Big-endian bit fields of `widths` from the start of `data`, as a P4 extract reads them."""
    total = sum(widths)
    value = int.from_bytes(data[: (total + 7) // 8], "big") >> (-total % 8)
    fields = []
    for width in widths:
        total -= width
        fields.append((value >> total) & ((1 << width) - 1))
    return fields


# --- golden vectors from BMv2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("packet", "emitted"), list(zip(PROBE_HASH_IN, PROBE_HASH_OUT, strict=True))
)
def test_probe_hash_vectors(packet: str, emitted: str) -> None:
    inp, out = bytes.fromhex(packet), bytes.fromhex(emitted)
    a, b, c, pad = _split(inp[ETH:], [32, 16, 8, 8])
    assert out[: ETH + 8] == inp, "the program emits eth and in_t unchanged"
    expected = dict(
        zip(
            ["crc16", "crc32", "identity16", "csum16", "xor16", "crc16_mod", "crc32_lo16", "perr"],
            _split(out[ETH + 8 :], [16, 32, 16, 16, 16, 32, 16, 8]),
            strict=True,
        )
    )
    abc = [(a, 32), (b, 16), (c, 8)]
    abcp = abc + [(pad, 8)]
    got = {
        "crc16": v1model_hash("crc16", 0, abc, 65536, 16),
        "crc32": v1model_hash("crc32", 0, abc, 1 << 32, 32),
        "identity16": v1model_hash("identity", 0, [(b, 16)], 65536, 16),
        "csum16": v1model_hash("csum16", 0, abcp, 65536, 16),
        "xor16": v1model_hash("xor16", 0, abcp, 65536, 16),
        "crc16_mod": v1model_hash("crc16", 100, abc, 7, 32),
        "crc32_lo16": v1model_hash("crc32", 0, [(a, 32)], 1 << 32, 32) & 0xFFFF,
        "perr": 0,
    }
    assert got == expected


def test_probe_semantics_hash_fields() -> None:
    valid_in_t = {bytes.fromhex(p)[ETH : ETH + 4] for p in PROBE_SEMANTICS_IN if len(p) >= 36}
    checked = 0
    for emitted in PROBE_SEMANTICS_OUT:
        out = bytes.fromhex(emitted)
        in_t = out[ETH : ETH + 4]
        if in_t not in valid_in_t:
            continue  # in_t was invalid: out_t follows ethernet and holds no hashes
        x, y, z = _split(in_t, [3, 9, 4])
        crc16_xy, crc32_xyz, csum16_xyz = _split(out[ETH + 4 :], [16, 32, 16])
        assert v1model_hash("crc16", 0, [(x, 3), (y, 9)], 65536, 16) == crc16_xy
        assert v1model_hash("crc32", 0, [(x, 3), (y, 9), (z, 4)], 1 << 32, 32) == crc32_xyz
        assert v1model_hash("csum16", 0, [(x, 3), (y, 9), (z, 4)], 65536, 16) == csum16_xyz
        checked += 1
    assert checked == 7


def test_observed_facts() -> None:
    """The single values quoted in BMV2_OBSERVED.md."""
    data = bytes.fromhex("00000001000203")
    assert crc16(data) == 0x9D40
    assert crc32(data) == 0x8EEF8B23
    assert pack_fields([(0xBA3, 12)]) == b"\xba\x30"
    assert v1model_hash("crc16", 100, [(0, 32)], 7, 32) == 100 + crc16(bytes(4)) % 7


# --- CRCs -------------------------------------------------------------------------------------


def _reference_crc(params: CrcParams, data: bytes) -> int:
    """Bit-at-a-time CRC in BMv2's formulation: MSB-first register, optional byte reflection."""
    w = params.width
    top, mask = 1 << (w - 1), (1 << w) - 1

    def reflect(v: int, n: int) -> int:
        return sum(1 << (n - 1 - i) for i in range(n) if v >> i & 1)

    rem = params.init
    for byte in data:
        rem ^= (reflect(byte, 8) if params.reflect_data else byte) << (w - 8)
        for _ in range(8):
            rem = ((rem << 1) ^ params.poly) & mask if rem & top else (rem << 1) & mask
    return (reflect(rem, w) if params.reflect_remainder else rem) ^ params.xor_out


# (width, poly, init, xorout, refin, refout) -> check value over "123456789" (CRC catalogue).
CATALOGUE = {
    "CRC-8/SMBUS": ((8, 0x07, 0x00, 0x00, False, False), 0xF4),
    "CRC-8/MAXIM": ((8, 0x31, 0x00, 0x00, True, True), 0xA1),
    "CRC-16/ARC": ((16, 0x8005, 0x0000, 0x0000, True, True), 0xBB3D),
    "CRC-16/XMODEM": ((16, 0x1021, 0x0000, 0x0000, False, False), 0x31C3),
    "CRC-16/MODBUS": ((16, 0x8005, 0xFFFF, 0x0000, True, True), 0x4B37),
    "CRC-16/USB": ((16, 0x8005, 0xFFFF, 0xFFFF, True, True), 0xB4C8),
    "CRC-16/IBM-3740": ((16, 0x1021, 0xFFFF, 0x0000, False, False), 0x29B1),
    "CRC-32/ISO-HDLC": ((32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, True, True), 0xCBF43926),
    "CRC-32/BZIP2": ((32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, False, False), 0xFC891918),
    "CRC-32/ISCSI": ((32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, True, True), 0xE3069283),
    "CRC-32/MPEG-2": ((32, 0x04C11DB7, 0xFFFFFFFF, 0x00000000, False, False), 0x0376E6E7),
    "CRC-64/XZ": (
        (64, 0x42F0E1EBA9EA3693, (1 << 64) - 1, (1 << 64) - 1, True, True),
        0x995DC9BBDF1939FA,
    ),
}


@pytest.mark.parametrize("name", CATALOGUE)
def test_crc_catalogue_check_values(name: str) -> None:
    spec, check = CATALOGUE[name]
    params = CrcParams(*spec)
    assert Crc(params)(CHECK) == check
    assert _reference_crc(params, CHECK) == check


def test_builtin_crcs_check_values() -> None:
    assert crc16(CHECK) == 0xBB3D
    assert crc32(CHECK) == 0xCBF43926
    assert crc16_custom(CHECK) == 0xBB3D
    assert crc32_custom(CHECK) == 0xCBF43926
    assert crc16(b"") == 0 and crc32(b"") == 0


@pytest.mark.parametrize("reflect", [(False, False), (False, True), (True, False), (True, True)])
@pytest.mark.parametrize("width", [8, 16, 32, 64])
def test_crc_matches_bitwise_reference(width: int, reflect: tuple[bool, bool]) -> None:
    """Mixed reflection settings have no catalogue entry: compare with the slow reference."""
    rng = Random(width * 4 + 2 * reflect[0] + reflect[1])
    mask = (1 << width) - 1
    for _ in range(20):
        params = CrcParams(
            width,
            rng.getrandbits(width) | 1,
            rng.getrandbits(width),
            rng.getrandbits(width),
            *reflect,
        )
        data = rng.randbytes(rng.randrange(0, 40))
        got = Crc(params)(data)
        assert got == _reference_crc(params, data)
        assert 0 <= got <= mask


def test_crc32_and_crc16_match_independent_implementations() -> None:
    rng = Random(7)
    xmodem = Crc(CrcParams(16, 0x1021, 0, 0, False, False))
    for _ in range(50):
        data = rng.randbytes(rng.randrange(0, 64))
        assert crc32(data) == zlib.crc32(data) == crc32_custom(data)
        assert crc16(data) == crc16_custom(data) == _reference_crc(CRC16_CUSTOM_DEFAULT, data)
        assert xmodem(data) == binascii.crc_hqx(data, 0)


def test_custom_crc_defaults_and_configuration() -> None:
    assert CRC16_CUSTOM_DEFAULT == CrcParams(16, 0x8005, 0, 0, True, True)
    assert CRC32_CUSTOM_DEFAULT == CrcParams(32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, True, True)
    first, second = make_calculation("crc16_custom"), make_calculation("crc16_custom")
    assert first is not second
    assert first(CHECK) == 0xBB3D
    # simple_switch_CLI: set_crc16_parameters calc_0 0x1021 0xffff 0x0000 false false
    first.set_parameters(0x1021, 0xFFFF, 0x0000, False, False)
    assert first(CHECK) == 0x29B1
    assert second(CHECK) == 0xBB3D, "each calculation has its own parameters"
    assert crc16_custom(CHECK) == 0xBB3D, "the shared default is untouched"
    c32 = make_calculation("crc32_custom")
    c32.set_parameters(0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, True, True)
    assert c32(CHECK) == 0xE3069283
    assert v1model_hash(c32, 0, [(int.from_bytes(CHECK, "big"), 72)], 1 << 32, 32) == 0xE3069283


def test_custom_crc_rejects_values_wider_than_the_crc() -> None:
    crc = make_calculation("crc16_custom")
    with pytest.raises(ValueError, match="poly"):
        crc.set_parameters(0x1_0000, 0, 0, True, True)
    assert crc(CHECK) == 0xBB3D, "a rejected update leaves the old parameters"
    with pytest.raises(ValueError, match="width"):
        CrcParams(12, 0x80F, 0, 0, False, False)


# --- identity, csum16, xor16, random ----------------------------------------------------------


def test_identity() -> None:
    assert identity(b"") == 0
    assert identity(b"\x12\x34") == 0x1234
    assert identity(pack_fields([(0xBA3, 12)])) == 0xBA30, "left-aligned, not right-aligned"
    long = bytes(range(1, 13))
    assert identity(long) == 0x0102030405060708, "BMv2 keeps only the first 8 bytes"
    # With a 16-bit result what survives is the low 16 bits of those 8 bytes.
    fields = [(v, 8) for v in long]
    assert v1model_hash("identity", 0, fields, 65536, 16) == 0x0708
    assert v1model_hash("identity", 0, fields, 1 << 32, 16) == 0x0708


def test_csum16() -> None:
    assert csum16(b"") == 0xFFFF
    assert csum16(bytes(6)) == 0xFFFF
    assert csum16(b"\xff\xff") == 0x0000
    assert csum16(b"\x00\x01\xf2\x03\xf4\xf5\xf6\xf7") == 0x220D  # RFC 1071's example
    assert csum16(b"\xab") == csum16(b"\xab\x00") == 0x54FF, "an odd byte is the high byte"
    rng = Random(3)
    for _ in range(200):
        data = rng.randbytes(rng.randrange(0, 70))
        assert csum16(data) == checksums.csum16(data)


def test_checksum16_is_the_ipv4_header_checksum() -> None:
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")  # checksum zeroed
    assert checksum16(header) == 0xB861
    with_sum = header[:10] + (0xB861).to_bytes(2, "big") + header[12:]
    assert checksum16(with_sum) == 0, "a correct header sums to all ones"


def test_xor16() -> None:
    assert xor16(b"") == 0
    assert xor16(b"\x12\x34") == 0x1234
    assert xor16(b"\xab\xcd\xef") == 0xABCD ^ 0xEF00, "a short tail is padded at the end"
    rng = Random(5)
    for _ in range(200):
        data = rng.randbytes(rng.randrange(0, 70))
        assert xor16(data) == checksums.xor16(data)


def test_random_is_reproducible_with_a_seeded_rng() -> None:
    first = [hashes.random(b"x", Random(42)) for _ in range(3)]
    assert first == [Random(42).getrandbits(64)] * 3
    calc = make_calculation("random", Random(1))
    values = [calc(b"") for _ in range(5)]
    reference = Random(1)
    assert values == [reference.getrandbits(64) for _ in range(5)]
    assert 0 <= v1model_hash(make_calculation("random", Random(9)), 10, [], 5, 8) - 10 < 5


def test_algorithms_cover_v1model_hash_algorithm_enum() -> None:
    v1model = Path(__file__).parents[1] / "p4sim" / "include" / "v1model.p4"
    body = re.search(r"enum HashAlgorithm\s*\{(.*?)\}", v1model.read_text(), re.S)
    assert body is not None
    members = {m.strip() for m in body.group(1).split(",") if m.strip()}
    assert set(ALGORITHMS) == members
    for name, fn in ALGORITHMS.items():
        assert 0 <= fn(CHECK) < 1 << 64, name


# --- pack_fields and the hash() arithmetic ----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "packed"),
    [
        ([], b""),
        ([(0xBA3, 12)], b"\xba\x30"),
        ([(1, 1)], b"\x80"),
        ([(5, 3), (0x1A3, 9), (0xC, 4)], b"\xba\x3c"),
        ([(0xAB, 8), (0xCD, 8)], b"\xab\xcd"),
        ([(0, 0), (0xFF, 8), (0, 0)], b"\xff"),
        ([(-1, 4)], b"\xf0"),
        ([(0x1FF, 8)], b"\xff"),
        ([(1, 9)], b"\x00\x80"),
        ([(1 << 127 | 1, 128)], (1 << 127 | 1).to_bytes(16, "big")),
        ([(1, 1)] * 9, b"\xff\x80"),
    ],
)
def test_pack_fields(fields: list[tuple[int, int]], packed: bytes) -> None:
    assert pack_fields(fields) == packed


def test_pack_fields_rejects_negative_width() -> None:
    with pytest.raises(ValueError):
        pack_fields([(0, -1)])


def test_v1model_hash_arithmetic() -> None:
    fields = [(0x1234, 16)]
    h = crc16(b"\x12\x34")
    assert v1model_hash("crc16", 0, fields, 0, 16) == 0, "max 0 is taken as 1: result is base"
    assert v1model_hash("crc16", 77, fields, 0, 16) == 77
    assert v1model_hash("crc16", 5, fields, 1000, 16) == 5 + h % 1000
    assert v1model_hash("crc16", 0xFFFF, fields, 1 << 16, 16) == (0xFFFF + h) & 0xFFFF
    assert v1model_hash("crc32", 0, fields, 1 << 32, 8) == crc32(b"\x12\x34") & 0xFF
    assert v1model_hash("crc16", 3, fields, 1 << 16, 1) == (3 + h) & 1
    # base and max are read as 64-bit unsigned numbers, and the sum wraps at 64 bits.
    assert v1model_hash("identity", (1 << 64) - 1, [(2, 8)], 256, 64) == 1
    assert v1model_hash("identity", 0, [(2, 8)], (1 << 64) + 3, 8) == 2 % 3
    assert v1model_hash("identity", 5, [(2, 8)], 1 << 64, 8) == 5, "max 2**64 reads as 0"


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="crc64"):
        v1model_hash("crc64", 0, [], 1, 8)
    with pytest.raises(ValueError, match="toeplitz"):
        make_calculation("toeplitz")

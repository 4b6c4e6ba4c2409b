"""v1model externs in the executor: register, counter, meter (fake clock), hash with every
BMv2 algorithm, random and digest (tests/p4/runtime/feat_{stateful,hash,random,digest}.p4).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from checksums import crc16_arc, csum16, xor16
from executor_switch import feature_switch
from fake_clock import FakeClock

from p4sim import ir
from p4sim.compiler import compile_file
from p4sim.runtime.externs import CounterData, MeterConfig
from p4sim.runtime.switch import Switch


# ------------------------------------------------------------------ register, counter, meter
# frame k = idx:8 v:16 sv:int8 (+ padding); res = old:16 sold:int8 color_b:8 color_p:8
def _stateful(sw: Switch, idx: int, v: int = 0, sv: int = 0, pad: int = 6) -> bytes:
    frame = bytes([idx]) + v.to_bytes(2, "big") + bytes([sv & 0xFF]) + bytes(pad)
    [(port, data)] = sw.process_packet(1, frame)
    assert port == 1 and data[5:] == frame
    return data[:5]


def test_register_read_write() -> None:
    """register.read/write on bit<16> and int<8> cells; the control plane sees the cells."""
    sw = feature_switch("stateful")
    assert _stateful(sw, 1, v=5, sv=-3)[:3] == bytes([0, 0, 0])
    assert _stateful(sw, 1, v=7, sv=4)[:3] == bytes([0, 5, 0xFD])
    assert _stateful(sw, 1, v=0xFFFF)[:3] == bytes([0, 12, 4])
    assert sw.registers["I.sums"].read(1) == 11  # 12 + 0xFFFF wraps to 11
    assert sw.registers["I.signed_cells"].values == [0, 0]
    assert _stateful(sw, 3, v=1, sv=-1)[:3] == bytes([0, 0, 0])  # signed_cells has 2 cells
    assert sw.registers["I.signed_cells"].values == [0, 0]
    assert sw.registers["I.sums"].values == [0, 11, 0, 1, 0, 0, 0, 0]


def test_register_out_of_range_index() -> None:
    """BMv2 (primitives.cpp register_read/register_write): an index outside the array leaves
    the read result unwritten and ignores the write. The result here is a local variable,
    which BMv2 (scalars metadata, reset per packet) and p4sim both start at 0."""
    sw = feature_switch("stateful")
    sw.registers["I.sums"].write(0, 99)
    assert _stateful(sw, 200, v=5)[:2] == bytes([0, 0])
    assert sw.registers["I.sums"].values == [99, 0, 0, 0, 0, 0, 0, 0]


def test_counters_count_packets_and_bytes() -> None:
    """BMv2 counters always count packets and bytes (the ingress length), whatever the
    CounterType; an index outside the array is ignored."""
    sw = feature_switch("stateful")
    for idx, pad in ((3, 6), (3, 0), (5, 2), (9, 1)):
        _stateful(sw, idx, pad=pad)
    assert sw.counters["I.pkts_bytes"].read(3) == CounterData(packets=2, bytes=10 + 4)
    assert sw.counters["I.pkts_bytes"].read(5) == CounterData(packets=1, bytes=6)
    assert sw.counters["I.pkts"].read(3) == CounterData(packets=2, bytes=14)
    assert [sw.counters["I.pkts"].read(i).packets for i in range(4)] == [0, 0, 0, 2]


def test_meters_colour_by_bytes_and_packets_with_fake_clock() -> None:
    """BMv2 meters (meters.cpp): buckets start full, refill at the configured rates (tokens
    credited per whole microsecond), peak bucket checked first (RED), then committed
    (YELLOW/GREEN); a bytes meter costs the packet's ingress length, a packets meter 1;
    unconfigured cells are GREEN (0); colours 0 GREEN, 1 YELLOW, 2 RED."""
    clock = FakeClock(50.0)
    sw = feature_switch("stateful", clock=clock)
    sw.meters["I.by_bytes"].configure(0, MeterConfig(cir=100, cburst=30, pir=200, pburst=50))
    sw.meters["I.by_packets"].configure(0, MeterConfig(cir=1, cburst=1, pir=1, pburst=2))

    def colours() -> tuple[int, int]:
        res = _stateful(sw, 0)  # 10-byte frames
        return res[3], res[4]

    assert [colours() for _ in range(6)] == [(0, 0), (0, 1), (0, 2), (1, 2), (1, 2), (2, 2)]
    clock.now += 0.1  # +20 peak / +10 committed bytes; +0.1 packet: nothing
    assert colours() == (0, 2)
    assert colours() == (1, 2)
    clock.now += 2.0  # packets meter: buckets full again
    assert colours()[1] == 0
    assert _stateful(sw, 1)[3:] == bytes([0, 0])  # unconfigured cell


# ------------------------------------------------------------------ hash
@pytest.mark.parametrize(
    ("a", "b", "c", "flags", "x"),
    [
        (0, 0, 0, 0, None),
        (0x00000001, 0x0002, 0x03, 0, None),
        (0xDEADBEEF, 0xCAFE, 0x55, 0, None),
        (0xFFFFFFFF, 0xFFFF, 0xFF, 1, 0xABCD),
        (0x0A000001, 0x0050, 0x06, 1, 0x0000),
    ],
)
def test_hash_algorithms(a: int, b: int, c: int, flags: int, x: int | None) -> None:
    """BMv2 hash (calculations.cpp, BMV2_OBSERVED.md): data = fields concatenated MSB first;
    crc16 = CRC-16/ARC, crc32 = zlib's CRC-32, crc16_custom/crc32_custom start with the same
    parameters, identity = the data bytes, csum16 = Internet checksum, xor16 = XOR of 16-bit
    words; result = base + (H mod max), truncated to the result width; fields of an invalid
    header are left out of the data."""
    k = a.to_bytes(4, "big") + b.to_bytes(2, "big") + bytes([c, flags])
    frame = k + (b"" if x is None else x.to_bytes(2, "big"))
    data3 = k[:7]
    opt_data = bytes([c]) + (b"" if x is None else x.to_bytes(2, "big"))
    expected = (
        crc16_arc(data3).to_bytes(2, "big")
        + zlib.crc32(data3).to_bytes(4, "big")
        + crc16_arc(data3).to_bytes(2, "big")
        + zlib.crc32(data3).to_bytes(4, "big")
        + k[:6]
        + csum16(k).to_bytes(2, "big")
        + xor16(k).to_bytes(2, "big")
        + (1000 + crc16_arc(k[:4]) % 7).to_bytes(2, "big")
        + zlib.crc32(opt_data).to_bytes(4, "big")
        + bytes([zlib.crc32(k[:4]) & 0xFF])
    )
    sw = feature_switch("hash")
    assert sw.process_packet(1, frame) == [(1, expected + frame)]


# ------------------------------------------------------------------ random
def test_random_in_range_and_reversed_bounds() -> None:
    """BMv2 random (modify_field_rng_uniform): uniform in [lo, hi]; with lo > hi the result
    is left unwritten (here: a packet field keeps its parsed value). The `random` hash
    algorithm is p4sim's own (BMv2 has none): base + (random % max)."""
    sw = feature_switch("random", seed=7)
    seen, hashed = set(), set()
    for _ in range(200):
        [(_, data)] = sw.process_packet(1, bytes([10, 13, 0x5A]))
        seen.add(data[0])
        hashed.add(int.from_bytes(data[1:3], "big"))
        assert data[3:] == bytes([10, 13, 0x5A])
    assert seen == {10, 11, 12, 13}
    assert hashed == {100, 101, 102, 103, 104}
    [(_, data)] = sw.process_packet(1, bytes([9, 9, 0x5A]))
    assert data[0] == 9


def test_random_is_reproducible_with_a_seed() -> None:
    runs = []
    for _ in range(2):
        sw = feature_switch("random", seed=42)
        runs.append([sw.process_packet(1, bytes([0, 255, 0]))[0][1][0] for _ in range(20)])
    assert runs[0] == runs[1]


# ------------------------------------------------------------------ digest
def test_digest_sink_gets_struct_values() -> None:
    """BMv2 sends a digest after ingress (generate_digest stores one learn id per packet, so
    the last digest() call wins), also for a packet that is then dropped. The sink gets the
    P4Info digest name and the struct's field values in declaration order, as unsigned bit
    strings (int<8> -51 is 0xCD), like every data-plane value the control plane sees."""
    sw = feature_switch("digest")
    got: list[tuple[str, tuple]] = []
    sw.digest_sink = lambda name, values: got.append((name, values))
    assert sw.process_packet(3, bytes([1, 0xAB, 0x12, 0x34])) == [(1, bytes([1, 0xAB, 0x12, 0x34]))]
    assert sw.process_packet(4, bytes([2, 0xCD, 0x56, 0x78])) == [(1, bytes([2, 0xCD, 0x56, 0x78]))]
    assert sw.process_packet(5, bytes([3, 0xEF, 0, 0])) == []
    assert sw.process_packet(6, bytes([0, 0xEF, 0, 0])) == [(1, bytes([0, 0xEF, 0, 0]))]
    assert got == [("learn_t", (0xAB, 3)), ("other_t", (0x5678, 0xCD)), ("learn_t", (0xEF, 5))]


def test_digest_of_a_list_passed_as_the_struct_type() -> None:
    """`digest<learn_t>(1, {...})` and `digest<learn_t>(1, {mac = .., port = ..})` deliver the
    struct's fields in declaration order; only the last digest() of a packet is sent."""
    program = Path(__file__).parent / "p4" / "valid" / "digest_list_arg.p4"
    sw = Switch()
    sw.load_pipeline(ir.dumps(compile_file(program).program).encode())
    got: list[tuple[str, tuple]] = []
    sw.digest_sink = lambda name, value: got.append((name, value))
    frame = bytes.fromhex("ffffffffffff" "0000000000aa" "0800") + bytes(40)
    sw.process_packet(3, frame)
    assert got == [("learn_t", (0xAA, 3))]

"""p4sim.runtime externs: registers, counters and BMv2's two-rate three-colour meter.

Meter tests drive a fake clock in seconds and check every colour against BMv2's algorithm
(`meters.cpp`): buckets credited floor(microseconds since origin * rate per microsecond),
peak bucket first, a bucket refilled only when a packet is metered.
"""

from __future__ import annotations

import pytest
from fake_clock import FakeClock

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import (
    GREEN,
    RED,
    YELLOW,
    CounterArray,
    CounterData,
    Meter,
    MeterArray,
    MeterConfig,
    RegisterArray,
)


def refused(code: str):
    return pytest.raises(RuntimeApiError, match=rf"^{code}: ")


# --- registers ------------------------------------------------------------------------------


def test_register_read_write_truncates_and_ignores_out_of_range() -> None:
    r = RegisterArray("MyIngress.r", 4, 12)
    assert [r.read(i) for i in range(4)] == [0, 0, 0, 0]
    r.write(1, 0x1ABC)
    assert r.read(1) == 0xABC
    r.write(4, 7)
    r.write(-1, 7)
    assert r.read(4) == 0
    assert r.read(-1) == 0
    assert r.values == [0, 0xABC, 0, 0]
    r.check_index(3)
    with refused("OUT_OF_RANGE"):
        r.check_index(4)
    cells = r.values
    r.reset()
    assert r.values is cells
    assert cells == [0, 0, 0, 0]


# --- counters -------------------------------------------------------------------------------


def test_counter_counts_packets_and_bytes_whatever_its_kind() -> None:
    c = CounterArray("MyIngress.c", 3, "packets")
    c.count(0, 60)
    c.count(0, 1500)
    c.count(2, 64)
    c.count(3, 64)  # out of range: ignored
    assert c.read(0) == CounterData(2, 1560)
    assert c.read(1) == CounterData(0, 0)
    assert c.read(2) == CounterData(1, 64)
    copy = c.read(0)
    copy.packets = 99
    assert c.read(0) == CounterData(2, 1560)
    c.write(1, CounterData(7, 700))
    assert c.read(1) == CounterData(7, 700)
    with refused("OUT_OF_RANGE"):
        c.read(3)
    with refused("OUT_OF_RANGE"):
        c.write(-1, CounterData())
    c.reset()
    assert [c.read(i) for i in range(3)] == [CounterData()] * 3
    with pytest.raises(ValueError):
        CounterArray("x", 1, "cells")


# --- meters ---------------------------------------------------------------------------------


def test_unconfigured_meter_is_green() -> None:
    m = Meter("packets", FakeClock())
    assert m.config is None
    assert [m.execute(100) for _ in range(5)] == [GREEN] * 5


def test_packets_meter_colours_peak_bucket_first() -> None:
    clock = FakeClock()
    m = Meter("packets", clock)
    m.configure(MeterConfig(cir=1000, cburst=2, pir=2000, pburst=3))
    # Peak 3 tokens, committed 2: green, green, then committed empty -> yellow, then red.
    assert [m.execute(1500) for _ in range(4)] == [GREEN, GREEN, YELLOW, RED]
    # 1 ms later: peak credited 2 tokens (0.002/us), committed 1 (0.001/us).
    clock.advance_us(1000)
    assert [m.execute(64) for _ in range(3)] == [GREEN, YELLOW, RED]


def test_red_takes_no_token_and_yellow_takes_only_peak_tokens() -> None:
    clock = FakeClock()
    m = Meter("packets", clock)
    m.configure(MeterConfig(cir=0, cburst=0, pir=1000, pburst=2))
    assert [m.execute(1) for _ in range(3)] == [YELLOW, YELLOW, RED]
    clock.advance_us(1000)  # one peak token back
    assert [m.execute(1) for _ in range(2)] == [YELLOW, RED]


def test_bytes_meter_costs_the_packet_length_and_caps_at_burst() -> None:
    clock = FakeClock()
    m = Meter("bytes", clock)
    m.configure(MeterConfig(cir=1_000_000, cburst=1000, pir=2_000_000, pburst=1500))
    assert m.execute(1000) == GREEN  # peak 500 left, committed 0
    assert m.execute(400) == YELLOW  # peak 100 left
    assert m.execute(200) == RED
    clock.advance_us(10_000)  # would credit 20000 / 10000 bytes: capped at the bursts
    assert m.execute(1500) == YELLOW  # peak 1500 -> 0, committed has 1000 < 1500
    assert m.execute(1) == RED


def test_fractional_tokens_are_never_lost_and_micros_truncate() -> None:
    clock = FakeClock(0.0)
    m = Meter("packets", clock)  # origin 0
    m.configure(MeterConfig(cir=1500, cburst=1, pir=1500, pburst=1))  # 0.0015 token per us
    assert m.execute(1) == GREEN
    clock.now = 666.9e-6  # 666 us: floor(0.999) = 0 tokens
    assert m.execute(1) == RED
    clock.now = 667e-6  # floor(1.0005) = 1
    assert m.execute(1) == GREEN
    clock.now = 1333e-6  # floor(1.9995) = 1: nothing new
    assert m.execute(1) == RED
    clock.now = 1334e-6  # floor(2.001) = 2: one more
    assert m.execute(1) == GREEN


def test_meter_array_meters_count_time_from_the_array_origin() -> None:
    clock = FakeClock(0.0)
    meters = MeterArray("MyIngress.m", 4, "packets", clock)  # origin: load time 0
    clock.now = 300e-6
    meters.configure(2, MeterConfig(cir=1500, cburst=1, pir=1500, pburst=1))
    assert meters.execute(2, 64) == GREEN
    clock.now = 667e-6  # 667 us after the origin (367 after configuring): one token
    assert meters.execute(2, 64) == GREEN
    assert meters.execute(2, 64) == RED
    assert meters.execute(0, 64) == GREEN  # unconfigured cell
    assert meters.execute(9, 64) == GREEN  # out of range: ignored


def test_reconfiguring_refills_the_buckets() -> None:
    clock = FakeClock()
    m = Meter("packets", clock)
    cfg = MeterConfig(cir=10, cburst=1, pir=10, pburst=1)
    m.configure(cfg)
    assert [m.execute(1) for _ in range(2)] == [GREEN, RED]
    m.configure(cfg)
    assert m.execute(1) == GREEN
    m.configure(None)
    assert m.config is None
    assert [m.execute(1) for _ in range(3)] == [GREEN] * 3


def test_meter_config_checks_and_bmv2_read_back() -> None:
    m = Meter("bytes", FakeClock())
    with refused("UNKNOWN"):  # BMv2 refuses CIR > PIR
        m.configure(MeterConfig(cir=2000, cburst=10, pir=1000, pburst=10))
    assert m.config is None
    with refused("INVALID_ARGUMENT"):
        m.configure(MeterConfig(cir=-2, cburst=10, pir=1000, pburst=10))
    with refused("UNIMPLEMENTED"):
        m.configure(MeterConfig(cir=1, cburst=1 << 32, pir=1000, pburst=10))
    m.configure(MeterConfig(cir=1_000_001, cburst=100, pir=3_000_000, pburst=200))
    # BMv2 keeps rates per microsecond as doubles and truncates on the way back.
    assert m.config == MeterConfig(cir=1_000_000, cburst=100, pir=3_000_000, pburst=200)
    m.configure(MeterConfig(cir=-1, cburst=-1, pir=-1, pburst=-1))
    assert m.config == MeterConfig(cir=-1, cburst=(1 << 32) - 1, pir=-1, pburst=(1 << 32) - 1)
    assert m.execute(9000) == GREEN
    with pytest.raises(ValueError):
        Meter("bits", FakeClock())


def test_meter_array_control_plane() -> None:
    meters = MeterArray("MyIngress.m", 2, "bytes", FakeClock())
    assert meters.config(1) is None
    cfg = MeterConfig(cir=100, cburst=10, pir=200, pburst=20)
    meters.configure(1, cfg)
    assert meters.config(1) == cfg
    assert meters.config(0) is None
    with refused("OUT_OF_RANGE"):
        meters.configure(2, cfg)
    with refused("OUT_OF_RANGE"):
        meters.config(-1)
    with refused("UNKNOWN"):
        meters.configure(0, MeterConfig(cir=300, cburst=10, pir=200, pburst=20))
    assert meters.config(0) is None
    meters.configure(1, None)
    assert meters.config(1) is None
    meters.configure(0, cfg)
    meters.reset()
    assert [meters.config(i) for i in range(2)] == [None, None]

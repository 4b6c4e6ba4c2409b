"""Arithmetic of the executor (tests/p4/runtime/feat_arith.p4) against a reference model.

The P4-16 spec defines these operations exactly and BMv2 implements them (p4c-bm2-ss masks
every `bit<W>` result to W bits and wraps `int<W>` results with `two_comp_mod`; saturating
operators become `usat_cast`/`sat_cast`; a shift by W or more gives 0, or -1 for a negative
`int<W>` shifted right; BMV2_OBSERVED.md shows the 8-bit add/saturate/shift edges). The model
below computes each output field from the inputs with plain Python integers.
"""

from __future__ import annotations

import pytest
from executor_switch import feature_switch


def _u(x: int, n: int) -> int:
    return x & ((1 << n) - 1)


def _s(x: int, n: int) -> int:
    x = _u(x, n)
    return x - (1 << n) if x >> (n - 1) else x


def _pack(fields: list[tuple[int, int]]) -> bytes:
    acc, total = 0, 0
    for value, width in fields:
        acc = (acc << width) | _u(value, width)
        total += width
    assert total % 8 == 0
    return acc.to_bytes(total // 8, "big")


def _model(a: int, b: int, sa: int, sb: int, sh: int, w: int) -> bytes:
    lv = (w & 0x00FF0F00) | a | (b << 24) | ((a & 0xF) << 12)
    return _pack(
        [
            (a + b, 8),
            (a - b, 8),
            (a * b, 8),
            (min(a + b, 255), 8),
            (max(a - b, 0), 8),
            (max(-128, min(127, sa + sb)), 8),
            (max(-128, min(127, sa - sb)), 8),
            (_s(sa + sb, 8), 8),
            (_s(sa - sb, 8), 8),
            (a << sh, 8),
            (a >> sh, 8),
            (_s(sa << sh, 8), 8),
            (sa >> sh, 8),
            ((a << 3) | (b >> 7), 8),
            (-a, 8),
            (~a, 8),
            (_s(-sa, 8), 8),
            (~sa, 8),
            ((a & b) ^ (a | 0x0F), 8),
            ((a << 8) | b, 16),
            (w >> 8, 16),
            (lv, 32),
            (a, 16),
            (a, 4),
            (int(sa < sb), 1),
            (int(a < b), 1),
            (int(a == b), 1),
            (int(sa >= sb), 1),
            (sa, 16),
            (sa, 8),
            (_s(a, 8), 8),
            (sa, 16),
            ((w << 40) + a - 1, 72),
        ]
    )


CASES = [
    (100, 200, 100, 100, 3, 0x12345678),
    (0, 255, -128, 1, 0, 0),
    (255, 0, 127, -1, 7, 0xFFFFFFFF),
    (255, 255, -128, -128, 8, 0x80000001),
    (1, 2, -1, 127, 9, 0xDEADBEEF),
    (128, 128, -100, 100, 255, 0x00FF00FF),
    (0, 0, 0, 0, 1, 0),
    (17, 5, -7, 3, 4, 0x0F0F0F0F),
]


@pytest.mark.parametrize(("a", "b", "sa", "sb", "sh", "w"), CASES)
def test_arithmetic_matches_reference_model(
    a: int, b: int, sa: int, sb: int, sh: int, w: int
) -> None:
    sw = feature_switch("arith")
    frame = bytes([a, b, _u(sa, 8), _u(sb, 8), sh]) + w.to_bytes(4, "big")
    out = sw.process_packet(1, frame)
    assert out == [(1, frame + _model(a, b, sa, sb, sh, w))]


def test_observed_bmv2_edges() -> None:
    """The 8-bit cases BMv2 was seen computing (BMV2_OBSERVED.md): 100 + 200 = 44,
    100 |+| 200 = 255, 100 << 3 = 32."""
    out = _model(100, 200, 0, 0, 3, 0)
    assert (out[0], out[3], out[9]) == (44, 255, 32)

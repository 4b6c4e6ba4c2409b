"""P4Runtime bytestrings <-> Python ints (P4Runtime spec 1.4, "Bytestrings").

The data plane works on unsigned ints of a known width; P4Runtime carries them as big-endian
byte strings. A server must accept any length as long as the value fits the P4Info width (a
client still on an older P4Info may pad or shorten), must reject an empty string, and answers
with the shortest ("canonical") string so that what a client reads back equals what it wrote.
Every rejection is OUT_OF_RANGE, as the spec's bytestring section requires.
"""

from __future__ import annotations

from p4sim.runtime.errors import RuntimeApiError

# `(value, width)` pairs packed most-significant bit first, padded at the end to whole bytes:
# controller headers (packet_in / packet_out) pack as BMv2's hash input does.
from p4sim.runtime.hashes import pack_fields as pack_fields


def decode(data: bytes, width: int, what: str) -> int:
    """The unsigned value of `data`, which must fit in `width` bits; `what` names it in errors."""
    if not data:
        raise RuntimeApiError("OUT_OF_RANGE", f"{what}: empty bytestring")
    value = int.from_bytes(data, "big")
    if value.bit_length() > width:
        raise RuntimeApiError(
            "OUT_OF_RANGE", f"{what}: 0x{data.hex()} does not fit in {width} bits"
        )
    return value


def encode(value: int) -> bytes:
    """The canonical (shortest, at least one byte) bytestring of an unsigned value."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def decode_signed(data: bytes, width: int, what: str) -> int:
    """An `int<width>` bytestring (two's complement, sign-extended to any length) as the
    unsigned `width`-bit pattern the data plane stores."""
    if not data:
        raise RuntimeApiError("OUT_OF_RANGE", f"{what}: empty bytestring")
    value = int.from_bytes(data, "big", signed=True)
    if not -(1 << (width - 1)) <= value < (1 << (width - 1)):
        raise RuntimeApiError(
            "OUT_OF_RANGE", f"{what}: 0x{data.hex()} does not fit in int<{width}>"
        )
    return value & ((1 << width) - 1)


def encode_signed(pattern: int, width: int) -> bytes:
    """The canonical bytestring of the `int<width>` whose bit pattern is `pattern`."""
    value = pattern - (1 << width) if pattern >> (width - 1) & 1 else pattern
    nbits = max(1, value.bit_length() + 1) if value >= 0 else (~value).bit_length() + 1
    return value.to_bytes((nbits + 7) // 8, "big", signed=True)


def unpack_fields(data: bytes, widths: list[int]) -> list[int]:
    """The inverse of `pack_fields`: the field values of a header held in `data`."""
    total = sum(widths)
    acc = int.from_bytes(data, "big") >> (len(data) * 8 - total)
    values = []
    for width in reversed(widths):
        values.append(acc & ((1 << width) - 1))
        acc >>= width
    return values[::-1]

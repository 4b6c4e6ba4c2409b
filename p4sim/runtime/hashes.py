"""BMv2's hash algorithms and the v1model `hash` / checksum arithmetic, bit for bit.

p4sim must produce the same hash values as BMv2 `simple_switch` (ECMP choices, sketches, Bloom
filters and checksums end up in packets that tests compare byte for byte), so every function
here follows what BMv2 1.15 does, as observed on the reference switch
(`shared/facts/BMV2_OBSERVED.md`) and as its calculation code behaves:

- The hash input is the list of fields concatenated most-significant bit first and left-aligned:
  a total that is not a whole number of bytes is padded with zero bits at the *end*
  (`pack_fields`). BMv2 leaves out the fields of invalid headers; callers drop those before
  packing.
- Every algorithm maps those bytes to an unsigned integer of at most 64 bits (`ALGORITHMS`).
- `hash(result, algo, base, data, max)` stores `base + (H mod max)` truncated to the width of
  `result`, with `max` 0 treated as 1 (`v1model_hash`).
- `verify_checksum` / `update_checksum` use `csum16`, the Internet checksum (`checksum16`).

The module is pure (bytes in, ints out) and independent of the rest of p4sim. CRCs run on
precomputed 256-entry tables, one lookup per byte; the other algorithms use whole-buffer integer
arithmetic instead of per-word loops, because they run for every packet.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from random import Random

HashFn = Callable[[bytes], int]

_U64 = (1 << 64) - 1


def pack_fields(fields: Sequence[tuple[int, int]]) -> bytes:
    """The hash input for `(value, width)` pairs, as BMv2 assembles it.

    Fields are concatenated most-significant bit first; the result is left-aligned and padded
    with zero bits at the end to a whole number of bytes (12 bits 0xBA3 give `BA 30`).
    Values are reduced to their width, so signed fields may be passed as negative ints.
    """
    acc = 0
    total = 0
    for value, width in fields:
        if width < 0:
            raise ValueError(f"negative field width {width}")
        acc = (acc << width) | (value & ((1 << width) - 1))
        total += width
    pad = -total % 8
    return (acc << pad).to_bytes((total + pad) // 8, "big")


# --- CRCs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrcParams:
    """A CRC definition in BMv2's terms (`crc_config_t`), plus its width in bits.

    `reflect_data` reflects each input byte, `reflect_remainder` reflects the final remainder
    before `xor_out` is applied; `poly` is in normal (MSB-first) form without the top bit.
    """

    width: int
    poly: int
    init: int
    xor_out: int
    reflect_data: bool
    reflect_remainder: bool

    def __post_init__(self) -> None:
        if self.width not in (8, 16, 32, 64):
            raise ValueError(f"CRC width must be 8, 16, 32 or 64, not {self.width}")
        limit = 1 << self.width
        for name in ("poly", "init", "xor_out"):
            value = getattr(self, name)
            if not 0 <= value < limit:
                raise ValueError(f"CRC {name} {value:#x} does not fit in {self.width} bits")


# BMv2's built-in crc16 and crc32, and the defaults of crc16_custom / crc32_custom until the
# control plane changes them.
CRC16_ARC = CrcParams(16, 0x8005, 0x0000, 0x0000, True, True)
CRC32_IEEE = CrcParams(32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, True, True)
CRC16_CUSTOM_DEFAULT = CRC16_ARC
CRC32_CUSTOM_DEFAULT = CRC32_IEEE


def _reflect(value: int, width: int) -> int:
    """`value` with its low `width` bits in reverse order."""
    return int(f"{value:0{width}b}"[::-1], 2)


@cache
def _table(width: int, poly: int, reflected: bool) -> tuple[int, ...]:
    """The byte-at-a-time lookup table for `poly`, in reflected (LSB-first) or normal form."""
    table = []
    if reflected:
        rpoly = _reflect(poly, width)
        for byte in range(256):
            rem = byte
            for _ in range(8):
                rem = (rem >> 1) ^ rpoly if rem & 1 else rem >> 1
            table.append(rem)
    else:
        top = 1 << (width - 1)
        mask = (1 << width) - 1
        for byte in range(256):
            rem = byte << (width - 8)
            for _ in range(8):
                rem = ((rem << 1) ^ poly) & mask if rem & top else (rem << 1) & mask
            table.append(rem)
    return tuple(table)


class Crc:
    """One CRC definition compiled to a lookup table; call it on bytes.

    BMv2 always shifts MSB-first and reflects each input byte when `reflect_data` is set. The
    equivalent LSB-first ("reflected") register is used here in that case, which saves the
    per-byte reflection; the register then holds the reflected remainder, so the final
    reflection is inverted accordingly.
    """

    __slots__ = ("params", "_table", "_start", "_reflect_out", "_mask")

    def __init__(self, params: CrcParams) -> None:
        self.params = params
        w = params.width
        self._table = _table(w, params.poly, params.reflect_data)
        self._start = _reflect(params.init, w) if params.reflect_data else params.init
        # Whether the register must still be reflected to obtain the requested output.
        self._reflect_out = params.reflect_data != params.reflect_remainder
        self._mask = (1 << w) - 1

    def __call__(self, data: bytes) -> int:
        table = self._table
        rem = self._start
        if self.params.reflect_data:
            for byte in data:
                rem = table[(rem ^ byte) & 0xFF] ^ (rem >> 8)
        else:
            shift = self.params.width - 8
            mask = self._mask
            for byte in data:
                rem = table[(rem >> shift) ^ byte] ^ ((rem << 8) & mask)
        if self._reflect_out:
            rem = _reflect(rem, self.params.width)
        return rem ^ self.params.xor_out

    def __repr__(self) -> str:
        return f"Crc({self.params!r})"


class CustomCrc:
    """BMv2's `crc16_custom` / `crc32_custom`: a CRC whose parameters can be changed at run time.

    BMv2 keeps one such CRC per calculation (each `hash()` call site, checksum or selector) and
    its runtime CLI changes one of them with `set_crc16_parameters NAME POLY INIT XOR REFLECT_DATA
    REFLECT_REMAINDER` (`set_crc32_parameters` for 32 bits); `set_parameters` is that operation.
    The width is fixed by the algorithm. Swapping in a whole new `Crc` keeps a concurrent packet
    from ever seeing half-updated parameters.
    """

    __slots__ = ("_crc",)

    def __init__(self, default: CrcParams) -> None:
        self._crc = Crc(default)

    @property
    def params(self) -> CrcParams:
        return self._crc.params

    def set_parameters(
        self, poly: int, init: int, xor_out: int, reflect_data: bool, reflect_remainder: bool
    ) -> None:
        """Use new CRC parameters from now on (ValueError if a value does not fit the width)."""
        width = self._crc.params.width
        params = CrcParams(width, poly, init, xor_out, reflect_data, reflect_remainder)
        self._crc = Crc(params)

    def __call__(self, data: bytes) -> int:
        return self._crc(data)

    def __repr__(self) -> str:
        return f"CustomCrc({self._crc.params!r})"


_CRC16 = Crc(CRC16_ARC)
_CRC16_CUSTOM = Crc(CRC16_CUSTOM_DEFAULT)
_CRC32_CUSTOM = Crc(CRC32_CUSTOM_DEFAULT)


def crc16(data: bytes) -> int:
    """`HashAlgorithm.crc16`: CRC-16/ARC (poly 0x8005, reflected, init 0, xorout 0)."""
    return _CRC16(data)


def crc32(data: bytes) -> int:
    """`HashAlgorithm.crc32`: the IEEE 802.3 CRC-32 that zlib implements (in C)."""
    return zlib.crc32(data)


def crc16_custom(data: bytes) -> int:
    """`HashAlgorithm.crc16_custom` with BMv2's default parameters (those of CRC-16/ARC).

    Use `make_calculation("crc16_custom")` for an instance the control plane can reconfigure.
    """
    return _CRC16_CUSTOM(data)


def crc32_custom(data: bytes) -> int:
    """`HashAlgorithm.crc32_custom` with BMv2's default parameters (those of CRC-32).

    Use `make_calculation("crc32_custom")` for an instance the control plane can reconfigure.
    """
    return _CRC32_CUSTOM(data)


# --- the other algorithms ---------------------------------------------------------------------


def identity(data: bytes) -> int:
    """`HashAlgorithm.identity`: the data read as a big-endian integer.

    Like BMv2, only the first 8 bytes count when the data is longer (the hash is 64 bits);
    shorter data is not padded, so 2 bytes give a 16-bit value. The result is then reduced
    by `hash()`'s `max` and the output width, which keep its low-order bits.
    """
    return int.from_bytes(data[:8], "big")


def csum16(data: bytes) -> int:
    """`HashAlgorithm.csum16`: the Internet checksum (RFC 1071) of the data.

    The ones' complement of the ones' complement sum of big-endian 16-bit words, an odd last
    byte padded with a zero byte; empty or all-zero data gives 0xFFFF. Because 2**16 is 1
    modulo 0xFFFF, the sum is computed as the whole buffer's value modulo 0xFFFF, mapped into
    1..0xFFFF as end-around-carry addition leaves it (0 only when every word is 0).
    """
    if len(data) % 2:
        data += b"\x00"
    value = int.from_bytes(data, "big")
    total = (value - 1) % 0xFFFF + 1 if value else 0
    return total ^ 0xFFFF


def checksum16(data: bytes) -> int:
    """The checksum that v1model's `verify_checksum` / `update_checksum` use (algo `csum16`).

    `data` is `pack_fields` of the checksum's field list (followed by the packet payload for
    the `_with_payload` variants). `update_checksum` writes the returned value into the checksum
    field; `verify_checksum` reports an error when the field differs from it. The checksum
    field itself is not part of the list in the usual IPv4 idiom, so no zeroing is needed.
    """
    return csum16(data)


def xor16(data: bytes) -> int:
    """`HashAlgorithm.xor16`: the XOR of the big-endian 16-bit words, a short tail zero-padded.

    The words are folded pairwise as one integer: leading zero words (to a power-of-two
    count) do not change an XOR, so halving the integer repeatedly XORs all words.
    """
    if len(data) % 2:
        data += b"\x00"
    words = len(data) // 2
    value = int.from_bytes(data, "big")
    bits = 16 << max(words - 1, 0).bit_length()
    while bits > 16:
        bits //= 2
        value = (value >> bits) ^ (value & ((1 << bits) - 1))
    return value


_DEFAULT_RNG = Random()


def random(data: bytes, rng: Random | None = None) -> int:
    """`HashAlgorithm.random`: a uniformly random 64-bit value; the data is ignored.

    `rng` defaults to a process-wide generator; pass a seeded `random.Random` for
    reproducible runs. There is no BMv2 value to match: its hash registry (calculations.cpp,
    crc_map.cpp, simple_switch.cpp) has no entry named `random`.
    """
    return (rng or _DEFAULT_RNG).getrandbits(64)


ALGORITHMS: dict[str, HashFn] = {
    "crc32": crc32,
    "crc32_custom": crc32_custom,
    "crc16": crc16,
    "crc16_custom": crc16_custom,
    "random": random,
    "identity": identity,
    "csum16": csum16,
    "xor16": xor16,
}
"""v1model `HashAlgorithm` member name -> hash of the packed data (custom CRCs at defaults)."""


def make_calculation(algo: str, rng: Random | None = None) -> HashFn:
    """The hash function for one calculation of a loaded program (a BMv2 "calculation").

    `crc16_custom` and `crc32_custom` get a fresh `CustomCrc`, so each call site can be
    reconfigured on its own; `random` is bound to `rng` when given; every other algorithm is
    stateless and shared.
    """
    if algo == "crc16_custom":
        return CustomCrc(CRC16_CUSTOM_DEFAULT)
    if algo == "crc32_custom":
        return CustomCrc(CRC32_CUSTOM_DEFAULT)
    if algo == "random" and rng is not None:
        return lambda data: random(data, rng)
    return _algorithm(algo)


def _algorithm(algo: str) -> HashFn:
    """The shared function of `algo` (ValueError naming it when it is not a v1model algorithm)."""
    try:
        return ALGORITHMS[algo]
    except KeyError:
        raise ValueError(f"unknown hash algorithm {algo!r}") from None


def v1model_hash(
    algo: str | HashFn,
    base: int,
    data_fields: Sequence[tuple[int, int]],
    max_: int,
    out_width: int,
) -> int:
    """The value v1model's `hash(result, algo, base, data, max)` stores into `result`.

    BMv2 reads `base` and `max` as 64-bit unsigned numbers, computes `H mod max + base` in 64
    bits (a `max` of 0 is taken as 1, so the result is `base`) and assigns it to the
    `out_width`-bit result, keeping the low bits. `algo` is a `HashAlgorithm` member name or a
    function from `make_calculation`; `data_fields` are the `(value, width)` pairs of the data
    list, fields of invalid headers already left out.
    """
    fn = _algorithm(algo) if isinstance(algo, str) else algo
    h = fn(pack_fields(data_fields))
    modulus = (max_ & _U64) or 1
    return ((h % modulus + (base & _U64)) & _U64) & ((1 << out_width) - 1)

"""Python values <-> P4Runtime bytestrings, and match values <-> `p4.v1.FieldMatch`.

P4Runtime carries every data-plane value as a big-endian bytestring and expects the canonical
form: the shortest string that holds the value, with zero as one zero byte (spec section
"Bytestrings"). Controllers think in integers, MAC and IP address strings and prefixes; this
module converts between the two and checks each value against its P4 width, so a value that
does not fit is refused here with the field's name rather than by the switch.
"""

from __future__ import annotations

import ipaddress
import re

from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2

Scalar = int | bytes | str
#: What a decoded match field looks like: exact/optional -> int, lpm -> (value, prefix_len),
#: ternary -> (value, mask), range -> (low, high).
MatchValue = int | tuple[int, int]

_MAC = re.compile(r"^[0-9A-Fa-f]{1,2}([:-])[0-9A-Fa-f]{1,2}(\1[0-9A-Fa-f]{1,2}){4}$")
_DOTTED_QUAD = re.compile(r"^\d+\.\d+\.\d+\.\d+$")

_MatchKind = p4info_pb2.MatchField.MatchType


class EncodingError(ValueError):
    """A value that cannot be encoded for its field (bad syntax, too wide, wrong shape)."""


def to_int(value: Scalar, bitwidth: int, what: str = "value") -> int:
    """An unsigned integer from an int, big-endian bytes, or a MAC / IPv4 / IPv6 / numeral
    string, checked to fit in `bitwidth` bits."""
    if isinstance(value, bool | int):
        number = int(value)
    elif isinstance(value, bytes):
        number = int.from_bytes(value, "big")
    elif isinstance(value, str):
        number = _parse_string(value.strip(), what)
    else:
        raise EncodingError(f"{what}: cannot encode {type(value).__name__} {value!r}")
    if number < 0:
        raise EncodingError(f"{what}: {value!r} is negative; P4Runtime values are unsigned")
    if number >> bitwidth:
        raise EncodingError(f"{what}: {value!r} does not fit in {bitwidth} bits")
    return number


def _parse_string(text: str, what: str) -> int:
    if _MAC.match(text):
        return int("".join(f"{int(octet, 16):02x}" for octet in re.split("[:-]", text)), 16)
    try:
        if _DOTTED_QUAD.match(text):
            return int(ipaddress.IPv4Address(text))
        if ":" in text:
            return int(ipaddress.IPv6Address(text))
        return int(text, 0)
    except ValueError:
        raise EncodingError(
            f"{what}: {text!r} is not a number, MAC, IPv4 or IPv6 address"
        ) from None


def canonical(number: int) -> bytes:
    """The canonical bytestring of a non-negative integer: no leading zero bytes, 0 -> b'\\x00'."""
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")


def encode(value: Scalar, bitwidth: int, what: str = "value") -> bytes:
    """The canonical bytestring of `value` for a `bitwidth`-bit field."""
    return canonical(to_int(value, bitwidth, what))


def decode(data: bytes, bitwidth: int, what: str = "value") -> int:
    """The integer in a bytestring received from a switch, checked against the field width."""
    number = int.from_bytes(data, "big")
    if number >> bitwidth:
        raise EncodingError(f"{what}: {data.hex()} received does not fit in {bitwidth} bits")
    return number


def _prefix_mask(prefix_len: int, bitwidth: int) -> int:
    return ((1 << prefix_len) - 1) << (bitwidth - prefix_len)


def _split_prefix(value: object, bitwidth: int, what: str) -> tuple[int, int]:
    """(value, prefix_len) from 'ADDR/LEN', (value, len) or a bare value (full length)."""
    if isinstance(value, str) and "/" in value:
        addr, _, length = value.rpartition("/")
        try:
            prefix_len = int(length)
        except ValueError:
            raise EncodingError(f"{what}: bad prefix length in {value!r}") from None
        number = to_int(addr, bitwidth, what)
    elif isinstance(value, tuple):
        if len(value) != 2:
            raise EncodingError(f"{what}: expected (value, prefix_len), got {value!r}")
        number, prefix_len = to_int(value[0], bitwidth, what), value[1]
    else:
        number, prefix_len = to_int(value, bitwidth, what), bitwidth  # type: ignore[arg-type]
    if not isinstance(prefix_len, int) or not 0 <= prefix_len <= bitwidth:
        raise EncodingError(f"{what}: prefix length {prefix_len!r} not in 0..{bitwidth}")
    return number, prefix_len


def _pair(value: object, what: str, shape: str) -> tuple[Scalar, Scalar]:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise EncodingError(f"{what}: expected {shape}, got {value!r}")
    return value[0], value[1]


def encode_match(
    field: p4info_pb2.MatchField, value: object, what: str = "value"
) -> p4runtime_pb2.FieldMatch | None:
    """The FieldMatch for one key field, or None when the value matches anything.

    P4Runtime forbids encoding "don't care" (lpm prefix 0, ternary mask 0, full range,
    missing optional): such fields must be left out of the entry, hence None.
    Bits outside an lpm prefix or a ternary mask are cleared, as the spec requires the
    value to be canonical (`value & mask == value`).
    """
    width = field.bitwidth
    kind = field.match_type
    match = p4runtime_pb2.FieldMatch(field_id=field.id)
    if value is None:
        if kind == _MatchKind.EXACT:
            raise EncodingError(f"{what}: an exact match field needs a value")
        return None
    if kind == _MatchKind.EXACT:
        if isinstance(value, tuple | list) or (isinstance(value, str) and "/" in value):
            raise EncodingError(f"{what}: exact match takes a single value, got {value!r}")
        match.exact.value = encode(value, width, what)  # type: ignore[arg-type]
    elif kind == _MatchKind.LPM:
        number, prefix_len = _split_prefix(value, width, what)
        if prefix_len == 0:
            return None
        match.lpm.value = canonical(number & _prefix_mask(prefix_len, width))
        match.lpm.prefix_len = prefix_len
    elif kind == _MatchKind.TERNARY:
        number, mask = _ternary(value, width, what)
        if mask == 0:
            return None
        match.ternary.value = canonical(number & mask)
        match.ternary.mask = canonical(mask)
    elif kind == _MatchKind.RANGE:
        if isinstance(value, tuple | list):
            lo, hi = _pair(value, what, "(low, high)")
            low, high = to_int(lo, width, what), to_int(hi, width, what)
        else:
            low = high = to_int(value, width, what)  # type: ignore[arg-type]
        if low > high:
            raise EncodingError(f"{what}: range low {low} is above high {high}")
        if low == 0 and high == (1 << width) - 1:
            return None
        match.range.low = canonical(low)
        match.range.high = canonical(high)
    elif kind == _MatchKind.OPTIONAL:
        match.optional.value = encode(value, width, what)  # type: ignore[arg-type]
    else:
        raise EncodingError(f"{what}: unsupported match kind {_MatchKind.Name(kind)}")
    return match


def _ternary(value: object, width: int, what: str) -> tuple[int, int]:
    if isinstance(value, str) and "&&&" in value:
        left, _, right = value.partition("&&&")
        return to_int(left, width, what), to_int(right, width, what)
    if isinstance(value, str) and "/" in value:
        number, prefix_len = _split_prefix(value, width, what)
        return number, _prefix_mask(prefix_len, width)
    if isinstance(value, tuple | list):
        v, m = _pair(value, what, "(value, mask)")
        return to_int(v, width, what), to_int(m, width, what)
    return to_int(value, width, what), (1 << width) - 1  # type: ignore[arg-type]


def decode_match(field: p4info_pb2.MatchField, match: p4runtime_pb2.FieldMatch) -> MatchValue:
    """The Python form of a FieldMatch read back from a switch (see `MatchValue`)."""
    width = field.bitwidth
    what = f"match field {field.name!r}"
    which = match.WhichOneof("field_match_type")
    if which == "exact":
        return decode(match.exact.value, width, what)
    if which == "lpm":
        return decode(match.lpm.value, width, what), match.lpm.prefix_len
    if which == "ternary":
        return decode(match.ternary.value, width, what), decode(match.ternary.mask, width, what)
    if which == "range":
        return decode(match.range.low, width, what), decode(match.range.high, width, what)
    if which == "optional":
        return decode(match.optional.value, width, what)
    raise EncodingError(f"{what}: unsupported field match {which!r}")

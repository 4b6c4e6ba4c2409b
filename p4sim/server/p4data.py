"""Data-plane values <-> `p4.v1.P4Data` for registers and digests.

The data plane keeps every value as an unsigned bit pattern; P4Data carries `bit<W>` and
serializable enums as canonical bytestrings, `int<W>` as canonical two's complement and `bool`
as a bool ("Representation of Arbitrary P4 Types").
"""

from __future__ import annotations

from p4.v1 import p4data_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import codec
from p4sim.server.schema import ValueType


def to_p4data(vtype: ValueType, value: int) -> p4data_pb2.P4Data:
    if vtype.kind == "bool":
        return p4data_pb2.P4Data(bool=bool(value))
    if vtype.kind == "int":
        return p4data_pb2.P4Data(bitstring=codec.encode_signed(value, vtype.width))
    if vtype.kind == "enum":
        return p4data_pb2.P4Data(enum_value=codec.encode(value))
    return p4data_pb2.P4Data(bitstring=codec.encode(value))


def from_p4data(vtype: ValueType, data: p4data_pb2.P4Data, what: str) -> int:
    """The bit pattern held by `data`; INVALID_ARGUMENT when it is not of type `vtype`."""
    expected = {"bool": "bool", "enum": "enum_value"}.get(vtype.kind, "bitstring")
    kind = data.WhichOneof("data")
    if kind != expected:
        raise RuntimeApiError("INVALID_ARGUMENT", f"{what}: expected {expected}, got {kind}")
    if vtype.kind == "bool":
        return int(data.bool)
    if vtype.kind == "int":
        return codec.decode_signed(data.bitstring, vtype.width, what)
    if vtype.kind == "enum":
        return codec.decode(data.enum_value, vtype.width, what)
    return codec.decode(data.bitstring, vtype.width, what)

"""PacketOut -> bytes for the CPU port, and CPU-port bytes -> PacketIn ("Packet I/O").

The `@controller_header("packet_out")` header goes in front of a PacketOut's payload, its fields
taken from the PacketOut metadata in P4Info order and packed most-significant bit first; a
packet the data plane sends to the CPU port starts with the `@controller_header("packet_in")`
header, which becomes the PacketIn metadata. Without such a header in the P4Info the payload
passes unchanged, as on BMv2.
"""

from __future__ import annotations

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import codec
from p4sim.server.schema import Schema


def packet_out_bytes(schema: Schema, packet: p4runtime_pb2.PacketOut) -> bytes:
    """The frame to inject into the CPU port. The spec requires exactly one metadata value per
    P4Info field; anything else is INVALID_ARGUMENT (the server drops the packet)."""
    fields = schema.packet_out
    if fields is None:
        if packet.metadata:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", "PacketOut has metadata but the P4Info declares no packet_out"
            )
        return packet.payload
    by_id = {f.id: f for f in fields}
    values: dict[int, int] = {}
    for meta in packet.metadata:
        field = by_id.get(meta.metadata_id)
        if field is None:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"unknown packet_out metadata id {meta.metadata_id}"
            )
        if meta.metadata_id in values:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"packet_out metadata {field.name} given twice"
            )
        values[field.id] = codec.decode(meta.value, field.width, f"packet_out {field.name}")
    missing = [f.name for f in fields if f.id not in values]
    if missing:
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"PacketOut lacks metadata {', '.join(missing)}"
        )
    header = codec.pack_fields([(values[f.id], f.width) for f in fields])
    return header + packet.payload


def packet_in_message(schema: Schema, frame: bytes) -> p4runtime_pb2.PacketIn | None:
    """The PacketIn for a frame sent to the CPU port; None for a frame shorter than the
    packet_in header (BMv2 drops those too)."""
    fields = schema.packet_in
    if fields is None:
        return p4runtime_pb2.PacketIn(payload=frame)
    nbytes = (sum(f.width for f in fields) + 7) // 8
    if len(frame) < nbytes:
        return None
    values = codec.unpack_fields(frame[:nbytes], [f.width for f in fields])
    return p4runtime_pb2.PacketIn(
        payload=frame[nbytes:],
        metadata=[
            p4runtime_pb2.PacketMetadata(metadata_id=f.id, value=codec.encode(v))
            for f, v in zip(fields, values, strict=True)
        ],
    )

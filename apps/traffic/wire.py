"""What travels on a measurement connection: the hello line and the timestamped records.

The client opens with one JSON line (the `Hello`) naming the mode and its parameters; after
it, the connection carries only measurement data. A receiving server, once the data stream
ends, sends its series back as JSON lines so the client alone prints every result.

A record is `seq` (u64) and `sent` (f64, wall-clock seconds) in network byte order, padded
with zeros to the record size. Records are parsed from the byte stream as it arrives
(`RecordParser`): TCP and MPTCP deliver in order but cut the stream anywhere.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass, fields
from typing import Any

MODES = ("bulk", "download", "records", "rr")
DIRECTIONS = ("down", "up")  # down: server -> client (a download); up: client -> server
MAX_HELLO = 4096
RECORD_HEADER = struct.Struct("!Qd")
MIN_RECORD_SIZE = RECORD_HEADER.size


class ProtocolError(ValueError):
    """A peer that does not speak this tool's protocol (or a wrong parameter in its hello)."""


@dataclass(frozen=True)
class Hello:
    """The measurement the client asks for. Unused fields keep their defaults."""

    mode: str = "bulk"
    direction: str = "down"
    duration: float | None = 10.0  # seconds of sending; None: until `size` bytes are sent
    size: int | None = None  # bytes to send (bulk/download); None: until `duration` ends
    interval: float = 0.05  # seconds per goodput / transaction sample
    rate: float = 100.0  # records per second
    record_size: int = 64  # bytes per record, >= MIN_RECORD_SIZE
    request_size: int = 1  # rr: bytes per request
    response_size: int = 1  # rr: bytes per response

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ProtocolError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.direction not in DIRECTIONS:
            raise ProtocolError(f"direction must be down or up, not {self.direction!r}")
        if self.duration is None and self.size is None:
            raise ProtocolError("a duration or a size is needed to know when to stop")
        if self.duration is not None and self.duration <= 0:
            raise ProtocolError(f"duration must be positive, not {self.duration}")
        if self.size is not None and self.size <= 0:
            raise ProtocolError(f"size must be positive, not {self.size}")
        if self.mode == "download" and (self.size is None or self.direction != "down"):
            raise ProtocolError("download needs a size and direction down")
        if self.mode in ("records", "rr") and self.duration is None:
            raise ProtocolError(f"{self.mode} needs a duration")
        if self.interval <= 0 or self.rate <= 0:
            raise ProtocolError("interval and rate must be positive")
        if self.record_size < MIN_RECORD_SIZE:
            raise ProtocolError(f"record size must be at least {MIN_RECORD_SIZE} bytes")
        if self.request_size < 1 or self.response_size < 1:
            raise ProtocolError("request and response sizes must be at least 1 byte")

    @property
    def server_sends(self) -> bool:
        """Whether the server sends the measured stream (bulk, download, records; not rr)."""
        return self.direction == "down" and self.mode != "rr"


def encode_hello(hello: Hello) -> bytes:
    return json.dumps(asdict(hello), sort_keys=True).encode() + b"\n"


def decode_hello(line: bytes) -> Hello:
    """The Hello of one line (without or with its newline); ProtocolError if it is not one."""
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProtocolError(f"hello is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise ProtocolError("hello is not a JSON object")
    known = {field.name for field in fields(Hello)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProtocolError(f"hello has unknown field(s) {', '.join(unknown)}")
    try:
        return Hello(**data)
    except TypeError as err:
        raise ProtocolError(f"bad hello: {err}") from None


def encode_record(seq: int, sent: float, size: int) -> bytes:
    return RECORD_HEADER.pack(seq, sent).ljust(size, b"\0")


class RecordParser:
    """Cuts a byte stream into records of a fixed size as the pieces arrive."""

    def __init__(self, record_size: int) -> None:
        if record_size < MIN_RECORD_SIZE:
            raise ValueError(f"record size must be at least {MIN_RECORD_SIZE} bytes")
        self.record_size = record_size
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, float]]:
        """(seq, sent) of every record this piece completes, in stream order."""
        self._pending += data
        complete = len(self._pending) // self.record_size
        records = [
            RECORD_HEADER.unpack_from(self._pending, i * self.record_size) for i in range(complete)
        ]
        del self._pending[: complete * self.record_size]
        return records

    @property
    def leftover(self) -> int:
        """Bytes of an incomplete record still waiting for the rest."""
        return len(self._pending)


def encode_line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True).encode() + b"\n"

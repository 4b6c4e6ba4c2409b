"""The sending and receiving loops of each mode, shared by client and server.

Every loop wakes at least once per interval, so a stalled connection (an outage) still yields
its empty intervals, and checks its deadline on each wake-up, so a stalled sender stops on
time. Results are plain dicts (`type` = interval, record or summary): the same lines go to the
client's output or, when the server is the receiver, back over the connection.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from apps.traffic.meter import IntervalMeter, Sample
from apps.traffic.wire import Hello, RecordParser, encode_record

CHUNK = 64 * 1024
RECV_BUFFER = 256 * 1024
Clock = Callable[[], float]
Line = dict[str, object]


def interval_line(sample: Sample, unit: str) -> Line:
    """One interval as an output line; bytes also as Mbit/s (goodput)."""
    line: Line = {"type": "interval", "t": round(sample.end, 6), "dt": round(sample.seconds, 6)}
    line[unit] = sample.count
    if unit == "bytes":
        line["mbps"] = round(sample.count * 8 / sample.seconds / 1e6, 4) if sample.seconds else 0.0
    return line


def record_line(seq: int, sent: float, recv: float) -> Line:
    return {
        "type": "record",
        "seq": seq,
        "sent": round(sent, 6),
        "recv": round(recv, 6),
        "latency": round(recv - sent, 6),
    }


def drain(sock: socket.socket) -> None:
    """Read and discard until the peer closes (the end of a sender's part)."""
    sock.settimeout(None)
    buf = bytearray(RECV_BUFFER)
    while sock.recv_into(buf):
        pass


def send_bulk(sock: socket.socket, hello: Hello, clock: Clock = time.time) -> int:
    """Send zeros until `hello.duration` has passed or `hello.size` bytes are out; then FIN."""
    start = clock()
    deadline = None if hello.duration is None else start + hello.duration
    remaining = hello.size
    chunk = bytes(CHUNK)
    sent = 0
    sock.settimeout(0.1)
    while remaining != 0 and (deadline is None or clock() < deadline):
        piece = chunk if remaining is None or remaining >= CHUNK else chunk[:remaining]
        try:
            count = sock.send(piece)
        except TimeoutError:
            continue
        sent += count
        if remaining is not None:
            remaining -= count
    sock.shutdown(socket.SHUT_WR)
    return sent


def send_records(sock: socket.socket, hello: Hello, clock: Clock = time.time) -> int:
    """Records at `hello.rate` per second for `hello.duration`; each stamped as it is written.

    A record due while the socket is blocked is written as soon as it can be, with the time of
    that write: the delay shows in the records that were stuck, not in the ones behind them.
    """
    assert hello.duration is not None  # guaranteed by Hello
    start = clock()
    period = 1.0 / hello.rate
    seq = 0
    while start + seq * period < start + hello.duration:
        wait = start + seq * period - clock()
        if wait > 0:
            time.sleep(wait)
        sock.sendall(encode_record(seq, clock(), hello.record_size))
        seq += 1
    sock.shutdown(socket.SHUT_WR)
    return seq


def receive(
    sock: socket.socket,
    hello: Hello,
    start: float,
    emit: Callable[[Line], None],
    clock: Clock = time.time,
) -> Line:
    """Receive a bulk or record stream until EOF; emit interval or record lines.

    Returns the receiver's summary: bytes, time of the first and last byte, records.
    """
    meter = IntervalMeter(start, hello.interval)
    parser = RecordParser(hello.record_size) if hello.mode == "records" else None

    def emit_intervals(samples: list[Sample]) -> None:
        if parser is None:  # a record series has its own times; intervals would only mix in
            for sample in samples:
                emit(interval_line(sample, "bytes"))

    buf = bytearray(RECV_BUFFER)
    first = last = None
    records = 0
    sock.settimeout(hello.interval)
    while True:
        try:
            count = sock.recv_into(buf)
        except TimeoutError:
            emit_intervals(meter.close_until(clock()))
            continue
        now = clock()
        if count == 0:
            break
        first = now if first is None else first
        last = now
        emit_intervals(meter.add(now, count))
        if parser is not None:
            for seq, sent in parser.feed(bytes(buf[:count])):
                emit(record_line(seq, sent, now))
                records += 1
    emit_intervals(meter.finish(clock()))
    return {
        "bytes": meter.total,
        "first": None if first is None else round(first, 6),
        "last": None if last is None else round(last, 6),
        "records_received": records,
    }


def rr_client(
    sock: socket.socket,
    hello: Hello,
    start: float,
    emit: Callable[[Line], None],
    clock: Clock = time.time,
) -> Line:
    """Back-to-back transactions for `hello.duration`; emit transactions per interval.

    Only transactions completed by the deadline count; the series ends at the deadline.
    """
    assert hello.duration is not None  # guaranteed by Hello
    meter = IntervalMeter(start, hello.interval)
    deadline = start + hello.duration
    request = bytes(hello.request_size)
    buf = bytearray(max(hello.response_size, 1))
    view = memoryview(buf)
    sock.settimeout(hello.interval)
    completed = True
    while completed and clock() < deadline:
        sock.sendall(request)
        got = 0
        while got < hello.response_size:
            try:
                count = sock.recv_into(view[got:], hello.response_size - got)
            except TimeoutError:
                now = clock()
                for sample in meter.close_until(now):
                    emit(interval_line(sample, "transactions"))
                if now >= deadline:
                    completed = False
                    break
                continue
            if count == 0:
                raise ConnectionError("the server closed the connection during a transaction")
            got += count
        now = clock()
        if completed and now <= deadline:
            for sample in meter.add(now, 1):
                emit(interval_line(sample, "transactions"))
    for sample in meter.finish(deadline):
        emit(interval_line(sample, "transactions"))
    return {"transactions": meter.total}


def rr_server(sock: socket.socket, hello: Hello) -> int:
    """Answer each request of `hello.request_size` bytes with `hello.response_size` bytes."""
    response = bytes(hello.response_size)
    buf = bytearray(hello.request_size)
    view = memoryview(buf)
    answered = 0
    sock.settimeout(None)
    while True:
        got = 0
        while got < hello.request_size:
            count = sock.recv_into(view[got:], hello.request_size - got)
            if count == 0:
                return answered
            got += count
        sock.sendall(response)
        answered += 1

"""The measurement client: connect, send the hello, run its side, gather every result line.

Whichever side receives the data, the client ends up with the series (interval samples or
records) and one summary line, which also says whether MPTCP was in use and the most subflows
the connection had (polled every 0.1 s while it ran, since subflows close at the end).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass

from apps.traffic import session, transport
from apps.traffic.wire import Hello, ProtocolError, encode_hello

RESULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ClientOptions:
    host: str
    hello: Hello
    port: int = 5201
    protocol: str = "mptcp"
    source: str | None = None
    connect_timeout: float = 5.0


class SubflowWatch:
    """Polls MPTCP_INFO in a thread and keeps the largest subflow count seen."""

    def __init__(self, sock: socket.socket, period: float = 0.1) -> None:
        self._sock = sock
        self._period = period
        self._stop = threading.Event()
        self.most: int | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            extra = transport.extra_subflows(self._sock)
            if extra is not None:
                self.most = max(self.most or 0, extra + 1)
            if self._stop.wait(self._period):
                return

    def stop(self) -> int | None:
        self._stop.set()
        self._thread.join()
        return self.most


def _read_results(sock: socket.socket) -> tuple[list[session.Line], session.Line]:
    """The receiving server's lines, up to its summary line."""
    sock.settimeout(RESULT_TIMEOUT)
    data = bytearray()
    while chunk := sock.recv(session.RECV_BUFFER):
        data += chunk
    lines: list[session.Line] = []
    for raw in data.splitlines():
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ProtocolError(f"server sent a line that is not JSON: {err}") from None
        lines.append(line)
    if not lines or lines[-1].get("type") != "summary":
        raise ProtocolError("server ended without a summary line")
    summary = lines.pop()
    summary.pop("type")
    return lines, summary


def _measure(sock: socket.socket, hello: Hello, start: float) -> tuple[list[session.Line], dict]:
    lines: list[session.Line] = []
    sock.sendall(encode_hello(hello))
    if hello.mode == "rr":
        summary = session.rr_client(sock, hello, start, lines.append)
        sock.shutdown(socket.SHUT_WR)
        session.drain(sock)
    elif hello.server_sends:
        summary = session.receive(sock, hello, start, lines.append)
    else:
        sent = (
            session.send_records(sock, hello)
            if hello.mode == "records"
            else session.send_bulk(sock, hello)
        )
        lines, summary = _read_results(sock)
        summary["sent"] = sent
    return lines, dict(summary)


def run_client(options: ClientOptions) -> tuple[list[session.Line], session.Line]:
    """(series lines, summary line) of one measurement; OSError if the connection fails."""
    hello = options.hello
    start = time.time()
    sock = transport.connect(
        options.host, options.port, options.protocol, options.source, options.connect_timeout
    )
    with sock:
        watch = SubflowWatch(sock)
        try:
            lines, result = _measure(sock, hello, start)
        finally:
            most = watch.stop()
        mptcp = transport.is_mptcp(sock)
        local = sock.getsockname()[0]
    end = time.time()
    summary: session.Line = {
        "type": "summary",
        "mode": hello.mode,
        "direction": hello.direction,
        "protocol": options.protocol,
        "mptcp": mptcp,
        "subflows": most if mptcp else 1,
        "source": local,
        "start": round(start, 6),
        "end": round(end, 6),
    }
    summary.update(result)
    if hello.mode == "rr":
        duration = hello.duration or 0.0
        summary["rate"] = round(result["transactions"] / duration, 3) if duration else None
    elif result.get("last") is not None:
        elapsed = result["last"] - start
        summary["elapsed"] = round(elapsed, 6)
        summary["goodput_mbps"] = round(result["bytes"] * 8 / elapsed / 1e6, 4) if elapsed else 0
    return lines, summary

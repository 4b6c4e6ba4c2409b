"""The measurement server: one thread per connection, any mode the client's hello asks for.

When the server is the receiving side (direction up), its series goes back to the client once
the client's data ends, so that results never have to be fetched from the server's host.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable

from apps.traffic import session, transport
from apps.traffic.wire import MAX_HELLO, ProtocolError, decode_hello, encode_line

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_hello_line(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """The first line of the connection, read byte by byte so no data after it is consumed."""
    sock.settimeout(timeout)
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = sock.recv(1)
        if not byte:
            raise ProtocolError("connection closed before the hello line ended")
        line += byte
        if len(line) > MAX_HELLO:
            raise ProtocolError(f"hello line longer than {MAX_HELLO} bytes")
    return bytes(line)


def serve_connection(conn: socket.socket, log: Log = _stderr) -> None:
    """Run one measurement on an accepted connection, then close it."""
    with conn:
        try:
            peer = conn.getpeername()[0]
            hello = decode_hello(read_hello_line(conn))
        except (ProtocolError, OSError) as err:
            log(f"server: rejected a connection: {err}")
            return
        log(f"server: {peer}: {hello.mode} {hello.direction} mptcp={transport.is_mptcp(conn)}")
        try:
            if hello.mode == "rr":
                session.rr_server(conn, hello)
            elif hello.server_sends:
                if hello.mode == "records":
                    session.send_records(conn, hello)
                else:
                    session.send_bulk(conn, hello)
                session.drain(conn)
            else:
                lines: list[session.Line] = []
                summary = session.receive(conn, hello, time.time(), lines.append)
                summary["type"] = "summary"
                conn.settimeout(None)
                conn.sendall(b"".join(encode_line(line) for line in [*lines, summary]))
                conn.shutdown(socket.SHUT_WR)
                session.drain(conn)
        except OSError as err:
            log(f"server: {peer}: {hello.mode} ended with {type(err).__name__}: {err}")


class Server:
    """A listening socket and its accept loop; `port` is the bound port (useful with port 0)."""

    def __init__(
        self, bind: str = "::", port: int = 5201, protocol: str = "mptcp", log: Log = _stderr
    ) -> None:
        self.sock = transport.listen(bind, port, protocol)
        self.port = self.sock.getsockname()[1]
        self.log = log
        self._closed = threading.Event()

    def serve(self, once: bool = False) -> None:
        """Accept connections until `close()` (or after the first one ends, with `once`)."""
        while not self._closed.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                if self._closed.is_set():
                    return
                raise
            if once:
                serve_connection(conn, self.log)
                return
            threading.Thread(target=serve_connection, args=(conn, self.log), daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

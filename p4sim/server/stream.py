"""The server side of one StreamChannel: what waits to be sent to its client.

Messages for a client come from several threads (arbitration of other streams, packet-ins
from the data plane, digest lists from the timer) while gRPC sends them from the RPC's own
thread. A session queues them; packet-ins and digests are dropped when the client falls too
far behind (the spec lets the server drop them), control messages never are. Closing a session
with an error ends the RPC with that status, as arbitration errors require.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError

Response = p4runtime_pb2.StreamMessageResponse


class StreamSession:
    """The outgoing side of one StreamChannel RPC."""

    def __init__(self, peer: str = "", limit: int = 4096) -> None:
        self.peer = peer
        self._limit = limit
        self._items: deque[Response] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self.error: RuntimeApiError | None = None

    def __repr__(self) -> str:
        return f"StreamSession({self.peer!r})"

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, msg: Response, *, droppable: bool = False) -> bool:
        """Queue a message; False when the stream is closed or a droppable message is dropped."""
        with self._cond:
            if self._closed:
                return False
            if droppable and len(self._items) >= self._limit:
                return False
            self._items.append(msg)
            self._cond.notify()
            return True

    def close(self, error: RuntimeApiError | None = None) -> None:
        """End the stream after the queued messages, with `error` as its status if given."""
        with self._cond:
            if not self._closed:
                self._closed = True
                self.error = error
            self._cond.notify()

    def responses(self) -> Iterator[Response]:
        """The messages to send, until the session is closed and drained."""
        while True:
            with self._cond:
                while not self._items and not self._closed:
                    self._cond.wait()
                if not self._items:
                    return
                msg = self._items.popleft()
            yield msg

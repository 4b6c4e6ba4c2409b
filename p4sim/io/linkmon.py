"""Wake-ups on interface changes, from rtnetlink's link group.

The monitor does not decode the messages: any link event makes the event loop re-read the state
of its few ports (`afpacket.link_state`), which also covers messages lost to a full socket
buffer (ENOBUFS) while many interfaces change at once, as when Mininet builds a topology.
"""

from __future__ import annotations

import errno
import socket

RTMGRP_LINK = 0x1


class LinkMonitor:
    """A non-blocking rtnetlink socket subscribed to link creation, change and removal."""

    def __init__(self) -> None:
        self._sock = socket.socket(
            socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_NONBLOCK, socket.NETLINK_ROUTE
        )
        try:
            self._sock.bind((0, RTMGRP_LINK))
        except BaseException:
            self._sock.close()
            raise

    def fileno(self) -> int:
        return self._sock.fileno()

    def drain(self) -> None:
        """Discard every queued message; the caller re-reads the state it cares about."""
        while True:
            try:
                if not self._sock.recv(65536):
                    return
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:
                if err.errno != errno.ENOBUFS:  # ENOBUFS: lost events, covered by the re-read
                    return

    def close(self) -> None:
        self._sock.close()

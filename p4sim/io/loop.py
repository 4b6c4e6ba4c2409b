"""The receive loop of `p4sim run`: epoll over the ports, the link monitor and a wake-up pipe.

Frames go to `deliver(port, frame)` (`Dataplane.inject`), which processes them and transmits
the results through `PortSet.transmit`. Link events re-read every port's state: a port that went
down or up is reported through `on_status` (`Switch.set_port_status`, for watch ports), and a
port whose interface was deleted and recreated gets a new socket. Nothing a port or a packet
does ends the loop; only `stop()` does, which is safe to call from a signal handler or another
thread.
"""

from __future__ import annotations

import os
import selectors
import threading
from collections.abc import Callable

from p4sim.io.afpacket import AfPacketPort, link_state
from p4sim.io.linkmon import LinkMonitor
from p4sim.io.ports import PortSet

_WAKE = "wake"
_LINK = "link"


class EventLoop:
    """Runs until `stop()`; one instance runs once, then its owner calls `close()`."""

    def __init__(
        self,
        ports: PortSet,
        deliver: Callable[[int, bytes], None],
        *,
        on_status: Callable[[int, bool], None] | None = None,
        log: Callable[[str], None] | None = None,
        batch: int = 64,
    ) -> None:
        self._ports = ports
        self._deliver = deliver
        self._on_status = on_status
        self._log = log
        self._batch = batch
        self._selector = selectors.DefaultSelector()
        self._watched: dict[int, int] = {}  # port number -> descriptor registered for it
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        # Keeps `close` from closing the pipe while `stop` writes to it: the descriptor number
        # could otherwise be reused by an unrelated file that then receives the wake-up byte.
        self._pipe_lock = threading.Lock()
        self._stopping = False
        self.delivery_errors = 0  # frames whose processing raised (a bug, logged)

    def stop(self) -> None:
        self._stopping = True
        # Never block: a signal handler may interrupt `close` while it holds the lock, and
        # then the pipe is being closed after `run` returned, so no wake-up is needed.
        if not self._pipe_lock.acquire(blocking=False):
            return
        try:
            if self._wake_write >= 0:
                os.write(self._wake_write, b"!")
        except BlockingIOError:
            pass  # pipe full: a wake-up is pending anyway
        finally:
            self._pipe_lock.release()

    def close(self) -> None:
        """Release the wake-up pipe (after `run` returned); a later `stop()` does nothing."""
        with self._pipe_lock:
            fds = (self._wake_read, self._wake_write)
            self._wake_read = self._wake_write = -1
        for fd in fds:
            if fd >= 0:
                os.close(fd)

    def run(self) -> None:
        monitor = LinkMonitor()
        try:
            self._selector.register(self._wake_read, selectors.EVENT_READ, _WAKE)
            self._selector.register(monitor.fileno(), selectors.EVENT_READ, _LINK)
            for port in self._ports:
                self._watch(port)
                self._report(port)
            while not self._stopping:
                for key, _events in self._selector.select():
                    self._dispatch(key.data, monitor)
        finally:
            self._selector.close()
            monitor.close()

    def _dispatch(self, what: object, monitor: LinkMonitor) -> None:
        if what == _WAKE:
            while True:
                try:
                    if not os.read(self._wake_read, 512):
                        return
                except BlockingIOError:
                    return
        elif what == _LINK:
            monitor.drain()
            self._refresh()
        elif isinstance(what, AfPacketPort):
            for frame in self._ports.receive(what, self._batch):
                try:
                    self._deliver(what.number, frame)
                except Exception as exc:  # noqa: BLE001 - one bad packet must not stop the switch
                    self.delivery_errors += 1
                    self._say(
                        f"error processing a packet from port {what.number}: "
                        f"{type(exc).__name__}: {exc}"
                    )

    def _refresh(self) -> None:
        for port in self._ports:
            state = link_state(port.ifname)
            if port.needs_rebind(state):
                self._unwatch(port)
                try:
                    port.rebind(state)
                except OSError as err:
                    self._say(f"port {port.number} ({port.ifname}): cannot reopen: {err}")
                self._watch(port)
                if state.ifindex is None:
                    self._say(f"port {port.number} ({port.ifname}): interface removed")
                elif port.fileno() >= 0:
                    self._say(f"port {port.number} ({port.ifname}): interface (re)attached")
            if port.set_up(state.up):
                self._say(
                    f"port {port.number} ({port.ifname}): link {'up' if state.up else 'down'}"
                )
                self._report(port)

    def _report(self, port: AfPacketPort) -> None:
        if self._on_status is not None:
            self._on_status(port.number, port.up)

    def _watch(self, port: AfPacketPort) -> None:
        fd = port.fileno()
        if fd >= 0:
            self._selector.register(fd, selectors.EVENT_READ, port)
            self._watched[port.number] = fd

    def _unwatch(self, port: AfPacketPort) -> None:
        fd = self._watched.pop(port.number, None)
        if fd is not None:
            self._selector.unregister(fd)

    def _say(self, line: str) -> None:
        if self._log is not None:
            self._log(line)

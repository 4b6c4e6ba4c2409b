"""A raw AF_PACKET socket on one interface: how both DHCP ends talk before they have addresses.

A client without an address cannot use an ordinary UDP socket, and the server has to unicast
to a client's hardware address without ARP (RFC 2131 §4.1), so both send and receive whole
Ethernet frames. A classic BPF filter lets only IPv4 UDP to the one port of interest (67 for
the server, 68 for the client) reach Python: the host may carry the bulk traffic of an
experiment on the same interface, and none of it should be copied into this process. The
process's own outgoing frames are not looped back (PACKET_IGNORE_OUTGOING).
"""

from __future__ import annotations

import ctypes
import select
import socket
import struct
from types import TracebackType
from typing import Protocol

ETH_P_IP = 0x0800
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
SO_ATTACH_FILTER = 26
MAX_FRAME = 2048  # DHCP messages are < 600 bytes; longer frames arrive truncated and are ignored


class Link(Protocol):
    """What the DHCP ends need from the network: whole frames in and out."""

    def send(self, frame: bytes) -> None: ...

    def receive(self, timeout: float) -> bytes | None:
        """The next frame, or None when `timeout` seconds passed without one."""
        ...


def udp_dport_filter(port: int) -> bytes:
    """A classic BPF program accepting unfragmented IPv4 UDP datagrams to `port` (the socket
    is bound to ETH_P_IP, so every frame it sees is IPv4)."""
    insns = [
        (0x30, 0, 0, 23),  # ldb [23]: IPv4 protocol
        (0x15, 0, 6, 17),  # jeq UDP, else drop
        (0x28, 0, 0, 20),  # ldh [20]: flags + fragment offset
        (0x45, 4, 0, 0x1FFF),  # jset offset: a later fragment has no UDP header -> drop
        (0xB1, 0, 0, 14),  # ldxb 4*([14]&0xf): IPv4 header length
        (0x48, 0, 0, 16),  # ldh [x+16]: UDP destination port
        (0x15, 0, 1, port),  # jeq port
        (0x06, 0, 0, 0x40000),  # accept (whole frame)
        (0x06, 0, 0, 0),  # drop
    ]
    return b"".join(struct.pack("HBBI", *insn) for insn in insns)


class RawLink:
    """AF_PACKET socket bound to `interface` that receives only UDP datagrams to `port`."""

    def __init__(self, interface: str, port: int) -> None:
        self.interface = interface
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        try:
            program = udp_dport_filter(port)
            code = ctypes.create_string_buffer(program)
            fprog = struct.pack("HL", len(program) // 8, ctypes.addressof(code))
            self._sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
            self._sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            self._sock.bind((interface, ETH_P_IP))
        except OSError:
            self._sock.close()
            raise
        self.mac: bytes = self._sock.getsockname()[4]

    def send(self, frame: bytes) -> None:
        self._sock.send(frame)

    def receive(self, timeout: float | None) -> bytes | None:
        """The next accepted frame; None after `timeout` seconds (None waits forever)."""
        ready, _, _ = select.select([self._sock], [], [], timeout)
        return self._sock.recv(MAX_FRAME) if ready else None

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> RawLink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

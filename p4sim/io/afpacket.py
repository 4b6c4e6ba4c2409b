"""One switch port bound to one Linux interface through a raw AF_PACKET socket.

Frames the port itself (or anything else on this host) sends out of the interface are not
received back (PACKET_IGNORE_OUTGOING, or the packet type on kernels without it), as
simple_switch captures only inbound frames. VLAN tags the kernel moved out of the frame (VLAN
offload on veth) are put back from the packet's auxiliary data, so the pipeline sees the bytes
that were on the wire.

A port never raises out of `receive` or `send`: a down or vanished interface turns into a down
port whose frames are dropped and counted, and `rebind` rebinds the socket when the interface
comes back, possibly with a new ifindex after being deleted and recreated.
"""

from __future__ import annotations

import errno
import fcntl
import socket
import struct
from dataclasses import dataclass

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
ETH_P_8021Q = 0x8100
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
IFF_RUNNING = 0x40
SO_RCVBUFFORCE = 33  # not exported by the socket module

MAX_FRAME = 65536 + 4  # larger than any frame without GRO; a longer one arrives truncated
RCVBUF_BYTES = 4 << 20  # absorbs bursts while the pipeline is busy with earlier frames
_AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata
_ANCILLARY_SPACE = socket.CMSG_SPACE(_AUXDATA.size)
_IFREQ = struct.Struct("16sH14x")  # struct ifreq with ifr_flags


@dataclass(frozen=True)
class LinkState:
    """What the kernel says about an interface; `ifindex` None means it does not exist."""

    ifindex: int | None
    up: bool


def link_state(ifname: str) -> LinkState:
    """Current ifindex and operational state (administratively up and with carrier)."""
    try:
        ifindex = socket.if_nametoindex(ifname)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            request = _IFREQ.pack(ifname.encode(), 0)
            _name, flags = _IFREQ.unpack(fcntl.ioctl(probe, SIOCGIFFLAGS, request))
    except OSError:
        return LinkState(None, False)
    return LinkState(ifindex, bool(flags & IFF_UP) and bool(flags & IFF_RUNNING))


@dataclass
class PortCounters:
    rx_packets: int = 0
    rx_truncated: int = 0  # longer than MAX_FRAME, dropped
    tx_packets: int = 0
    tx_dropped: int = 0  # port down or missing, or the kernel refused the frame


def _restore_vlan_tag(frame: bytes, ancillary: list[tuple[int, int, bytes]]) -> bytes:
    for level, kind, data in ancillary:
        if level != SOL_PACKET or kind != PACKET_AUXDATA or len(data) < _AUXDATA.size:
            continue
        status, _len, _snap, _mac, _net, tci, tpid = _AUXDATA.unpack_from(data)
        if status & TP_STATUS_VLAN_VALID or tci:
            if not status & TP_STATUS_VLAN_TPID_VALID:
                tpid = ETH_P_8021Q
            return frame[:12] + struct.pack("!HH", tpid, tci) + frame[12:]
    return frame


class AfPacketPort:
    """Switch port `number` on interface `ifname`; starts closed, `rebind` opens it."""

    def __init__(self, number: int, ifname: str) -> None:
        self.number = number
        self.ifname = ifname
        self.counters = PortCounters()
        self.ifindex: int | None = None  # ifindex the socket is bound to; None when closed
        self.up = False
        self._sock: socket.socket | None = None
        self._filter_outgoing = False

    def fileno(self) -> int:
        """The socket's descriptor, -1 while closed (interface missing)."""
        sock = self._sock
        return sock.fileno() if sock is not None else -1

    def needs_rebind(self, state: LinkState) -> bool:
        """True when the socket must be closed or (re)opened to follow `state`."""
        return state.ifindex != self.ifindex

    def rebind(self, state: LinkState) -> None:
        """Close the socket and bind a new one to the interface if it exists."""
        self.close()
        if state.ifindex is None:
            return
        try:
            self._sock = self._open()
        except OSError as err:
            if err.errno in (errno.ENODEV, errno.ENXIO, errno.ENETDOWN):
                return  # vanished again between the probe and the bind
            raise
        self.ifindex = state.ifindex

    def set_up(self, up: bool) -> bool:
        """Record the operational state; True when it changed."""
        changed = up != self.up
        self.up = up
        return changed

    def _open(self) -> socket.socket:
        # Protocol 0 until bound: an ETH_P_ALL socket would queue frames of every interface.
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        try:
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF_BYTES)
            except PermissionError:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
            sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            try:
                sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
                self._filter_outgoing = False
            except OSError:  # kernel older than 4.20: look at each frame's packet type
                self._filter_outgoing = True
            sock.bind((self.ifname, ETH_P_ALL))
        except BaseException:
            sock.close()
            raise
        return sock

    def receive(self, limit: int) -> list[bytes]:
        """Up to `limit` frames waiting on the socket; an interface error ends the batch."""
        sock = self._sock
        frames: list[bytes] = []
        if sock is None:
            return frames
        while len(frames) < limit:
            try:
                frame, ancillary, flags, address = sock.recvmsg(MAX_FRAME, _ANCILLARY_SPACE)
            except OSError:  # nothing left (EAGAIN), or ENETDOWN and friends: the link
                break  # monitor updates the state
            if self._filter_outgoing and address[2] == PACKET_OUTGOING:
                continue
            if flags & socket.MSG_TRUNC:
                self.counters.rx_truncated += 1
                continue
            frames.append(_restore_vlan_tag(frame, ancillary))
        self.counters.rx_packets += len(frames)
        return frames

    def send(self, frame: bytes) -> bool:
        """Transmit `frame`; False (and counted as dropped) when the port cannot send it."""
        sock = self._sock
        if sock is None or not self.up:
            self.counters.tx_dropped += 1
            return False
        try:
            sock.send(frame)
        except OSError:  # ENETDOWN, ENXIO, ENOBUFS, EMSGSIZE, EAGAIN, EBADF after a rebind
            self.counters.tx_dropped += 1
            return False
        self.counters.tx_packets += 1
        return True

    def close(self) -> None:
        sock, self._sock = self._sock, None
        self.ifindex = None
        if sock is not None:
            sock.close()

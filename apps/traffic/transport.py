"""Opening MPTCP or TCP sockets, and asking the kernel whether MPTCP is really in use.

An MPTCP socket (`IPPROTO_MPTCP`, 262) talks to a plain-TCP peer by falling back to TCP, so
the server always listens with MPTCP when the kernel has it (`net.mptcp.enabled=1`) and serves
both kinds of client. Whether a connection ended up as MPTCP is `TCP_IS_MPTCP`; how many extra
subflows it has is the first byte of `MPTCP_INFO` (`mptcpi_subflows`, kernel >= 5.16).
"""

from __future__ import annotations

import errno
import socket

IPPROTO_MPTCP = getattr(socket, "IPPROTO_MPTCP", 262)
SOL_MPTCP = 284
MPTCP_INFO = 1
TCP_IS_MPTCP = 43
PROTOCOLS = ("mptcp", "tcp")


def _proto(protocol: str) -> int:
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be mptcp or tcp, not {protocol!r}")
    return IPPROTO_MPTCP if protocol == "mptcp" else socket.IPPROTO_TCP


def family_of(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def mptcp_supported() -> bool:
    """Whether this kernel hands out MPTCP sockets (module present and net.mptcp.enabled=1)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP).close()
    except OSError:
        return False
    return True


def listen(bind: str, port: int, protocol: str, backlog: int = 16) -> socket.socket:
    """A listening socket; `bind` "::" accepts IPv4 and IPv6 clients alike."""
    sock = socket.socket(family_of(bind), socket.SOCK_STREAM, _proto(protocol))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((bind, port))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def connect(
    host: str, port: int, protocol: str, source: str | None = None, timeout: float = 5.0
) -> socket.socket:
    """A connected socket, from `source` when given (MPTCP: the initial subflow's address)."""
    sock = socket.socket(family_of(host), socket.SOCK_STREAM, _proto(protocol))
    try:
        if source is not None:
            sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.connect((host, port))
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except BaseException:
        sock.close()
        raise
    return sock


def is_mptcp(sock: socket.socket) -> bool:
    """True when the connection runs MPTCP (not a plain TCP socket, and no fallback)."""
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, TCP_IS_MPTCP) == 1
    except OSError as err:
        if err.errno in (errno.ENOPROTOOPT, errno.EOPNOTSUPP):
            return False
        raise


def extra_subflows(sock: socket.socket) -> int | None:
    """Subflows besides the initial one (MPTCP_INFO), None when the kernel does not tell."""
    try:
        info = sock.getsockopt(SOL_MPTCP, MPTCP_INFO, 1)
    except OSError:
        return None
    return info[0] if info else None

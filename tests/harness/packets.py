"""ptf-like packet helpers over a `Target`: send, then verify exactly what came out."""

from __future__ import annotations

import time
from collections.abc import Iterable

from scapy.fields import _BitField
from scapy.packet import Packet

from harness.targets import Target

DEFAULT_TIMEOUT = 1.0  # seconds to wait for a packet on a real (asynchronous) target


class Mask:
    """An expected packet with don't-care bits (as ptf.mask.Mask: bytes plus a bit mask)."""

    def __init__(self, packet: Packet | bytes) -> None:
        self.packet = packet
        self.data = bytes(packet)
        self.mask = bytearray(b"\xff" * len(self.data))

    def set_do_not_care(self, offset_bits: int, width_bits: int) -> None:
        for bit in range(offset_bits, offset_bits + width_bits):
            self.mask[bit // 8] &= ~(0x80 >> (bit % 8)) & 0xFF

    def set_do_not_care_scapy(self, layer: type, field: str) -> None:
        """Ignore one field of one layer of the packet (e.g. `IP`, `"chksum"`)."""
        if not isinstance(self.packet, Packet) or layer not in self.packet:
            raise ValueError(f"the expected packet has no {layer.__name__} layer")
        offset = 0
        current = self.packet
        while not isinstance(current, layer):
            offset += len(current) - len(current.payload)
            current = current.payload
        bit = offset * 8
        for f in current.fields_desc:
            if isinstance(f, _BitField):
                width = f.size
            else:
                width = 8 * len(f.addfield(current, b"", current.getfieldval(f.name)))
            if f.name == field:
                self.set_do_not_care(bit, width)
                return
            bit += width
        raise ValueError(f"{layer.__name__} has no field {field!r}")

    def matches(self, data: bytes) -> bool:
        if len(data) != len(self.data):
            return False
        return all((a ^ b) & m == 0 for a, b, m in zip(data, self.data, self.mask, strict=True))


def _expected(packet: Packet | bytes | Mask) -> Mask:
    return packet if isinstance(packet, Mask) else Mask(packet)


def hex_diff(expected: Mask, actual: bytes) -> str:
    """Expected vs received, 16 bytes per line, differing bytes marked with ^^."""
    lines = []
    length = max(len(expected.data), len(actual))
    for start in range(0, length, 16):
        exp = expected.data[start : start + 16]
        act = actual[start : start + 16]
        marks = "".join(
            "   "
            if i < len(exp) and i < len(act) and (exp[i] ^ act[i]) & expected.mask[start + i] == 0
            else "^^ "
            for i in range(max(len(exp), len(act)))
        )
        lines.append(f"{start:04x}  expected {exp.hex(' '):<47}")
        lines.append(f"      received {act.hex(' '):<47}")
        if marks.strip():
            lines.append(f"               {marks}")
    return "\n".join(lines)


class PacketHarness:
    """Sends packets into a target and checks what leaves it, port by port."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._pending: dict[int, list[bytes]] = {}

    def _collect(self, timeout: float) -> None:
        """Take what left the switch, waiting up to `timeout` for the first frame."""
        for port, data in self.target.receive(timeout):
            self._pending.setdefault(port, []).append(data)

    def _collect_all(self, duration: float | None) -> None:
        """Take everything that leaves the switch during `duration` (default: the target's
        settle time), for assertions that nothing (else) came out."""
        deadline = time.monotonic() + (self.target.settle if duration is None else duration)
        while (remaining := deadline - time.monotonic()) > 0:
            self._collect(remaining)

    def send_packet(self, port: int, packet: Packet | bytes) -> None:
        self.target.send(port, bytes(packet))

    def _next_on(self, port: int, timeout: float) -> bytes | None:
        if not self._pending.get(port):
            self._collect(timeout)
        queue = self._pending.get(port)
        return queue.pop(0) if queue else None

    def verify_packet(
        self, packet: Packet | bytes | Mask, port: int, timeout: float = DEFAULT_TIMEOUT
    ) -> bytes:
        """The next packet out of `port` must match `packet` (exact bytes, or the Mask)."""
        expected = _expected(packet)
        got = self._next_on(port, timeout)
        if got is None:
            others = {p: len(q) for p, q in self._pending.items() if q}
            raise AssertionError(
                f"expected a packet on port {port}, got none"
                + (f"; packets waiting on other ports: {others}" if others else "")
                + f"\nexpected: {expected.data.hex()}"
            )
        if not expected.matches(got):
            raise AssertionError(
                f"packet on port {port} differs from the expected one:\n{hex_diff(expected, got)}"
            )
        return got

    def verify_packets(
        self, packet: Packet | bytes | Mask, ports: Iterable[int], timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """The packet must come out of every port in `ports`, and nowhere else."""
        for port in ports:
            self.verify_packet(packet, port, timeout)
        self.verify_no_other_packets()

    def verify_no_packet(
        self, packet: Packet | bytes | Mask, port: int, timeout: float | None = None
    ) -> None:
        """`packet` must not come out of `port` within `timeout` (default: the target's
        settle time)."""
        expected = _expected(packet)
        self._collect_all(timeout)
        for data in self._pending.get(port, []):
            if expected.matches(data):
                raise AssertionError(f"unexpected packet on port {port}: {data.hex()}")

    def verify_no_other_packets(self, timeout: float | None = None) -> None:
        """Nothing may have come out that was not verified yet (waiting `timeout`, default
        the target's settle time, for stragglers)."""
        self._collect_all(timeout)
        left = {p: [d.hex() for d in q] for p, q in self._pending.items() if q}
        if left:
            raise AssertionError(f"unexpected packets (port: frames): {left}")

    def clear(self) -> None:
        self._collect(0.0)
        self._pending.clear()

"""The switch's ports: port number -> AF_PACKET port, with optional pcap capture of each.

`PortSet.transmit` is the `transmit` callback of `p4sim.runtime.Dataplane`; it may be called
from the event loop and from P4Runtime threads (PacketOut) at the same time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from p4sim.io.afpacket import AfPacketPort, link_state
from p4sim.io.pcap import PcapWriter, pcap_paths


class MissingInterfaceError(Exception):
    """Interfaces named with `-i PORT@IFNAME` that do not exist when the switch starts."""

    def __init__(self, ifnames: list[str]) -> None:
        super().__init__(", ".join(ifnames))
        self.ifnames = ifnames


class PortSet:
    """All ports of one switch and their captures; frames to unbound ports are counted, not sent."""

    def __init__(
        self,
        bindings: Mapping[int, str],
        *,
        pcap_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ports = {number: AfPacketPort(number, ifname) for number, ifname in bindings.items()}
        self.unbound_drops = 0  # frames the pipeline sent to a port with no interface
        self._pcap_dir = pcap_dir
        self._clock = clock
        self._pcaps: dict[int, tuple[PcapWriter, PcapWriter]] = {}

    def __iter__(self) -> Iterator[AfPacketPort]:
        return iter(self.ports.values())

    def open(self) -> None:
        """Bind every port; MissingInterfaceError if an interface does not exist (nothing opened).

        Other OSErrors (PermissionError without CAP_NET_RAW) propagate after closing what opened.
        """
        states = {number: link_state(port.ifname) for number, port in self.ports.items()}
        missing = [self.ports[n].ifname for n, state in states.items() if state.ifindex is None]
        if missing:
            raise MissingInterfaceError(missing)
        try:
            for number, port in self.ports.items():
                port.rebind(states[number])
                port.set_up(states[number].up)
            if self._pcap_dir is not None:
                self._pcap_dir.mkdir(parents=True, exist_ok=True)
                for number, port in self.ports.items():
                    in_path, out_path = pcap_paths(self._pcap_dir, port.ifname)
                    in_pcap = PcapWriter(in_path)
                    try:
                        self._pcaps[number] = (in_pcap, PcapWriter(out_path))
                    except BaseException:
                        in_pcap.close()  # not yet in _pcaps, so close() would miss it
                        raise
        except BaseException:
            self.close()
            raise

    def receive(self, port: AfPacketPort, limit: int) -> list[bytes]:
        """Frames waiting on `port` (captured to its _in.pcap)."""
        frames = port.receive(limit)
        pcaps = self._pcaps.get(port.number)
        if pcaps is not None and frames:
            now = self._clock()
            for frame in frames:
                pcaps[0].write(frame, now)
        return frames

    def transmit(self, number: int, frame: bytes) -> None:
        """Send `frame` out of port `number` (captured in _out.pcap even if the link is down)."""
        port = self.ports.get(number)
        if port is None:
            self.unbound_drops += 1
            return
        pcaps = self._pcaps.get(number)
        if pcaps is not None:
            pcaps[1].write(frame, self._clock())
        port.send(frame)

    def close(self) -> None:
        for port in self.ports.values():
            port.close()
        for in_pcap, out_pcap in self._pcaps.values():
            in_pcap.close()
            out_pcap.close()
        self._pcaps.clear()

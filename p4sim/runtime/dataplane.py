"""Glue between a Switch, its ports and the P4Runtime server.

Ports (AF_PACKET sockets, in-process queues in tests) call `inject` for every frame; outputs go
to `transmit`, except those to the CPU port, which become PacketIns through `packet_in_sink`.
PacketOuts from the server enter through `inject(cpu_port, ...)` like any other frame, as on
BMv2, where the CPU port is an ordinary port carrying the controller header.
"""

from __future__ import annotations

from collections.abc import Callable

from p4sim.runtime.switch import Switch


class Dataplane:
    """Feeds frames into the switch and routes its outputs."""

    def __init__(self, switch: Switch, transmit: Callable[[int, bytes], None]) -> None:
        self.switch = switch
        self.transmit = transmit
        self.packet_in_sink: Callable[[bytes], None] | None = None
        self.packets_in = 0
        self.packets_out = 0

    def inject(self, port: int, data: bytes) -> None:
        """Process one frame arriving on `port` and deliver every resulting frame."""
        self.packets_in += 1
        outputs = self.switch.process_packet(port, data)
        cpu_port = self.switch.cpu_port
        for out_port, frame in outputs:
            self.packets_out += 1
            if cpu_port is not None and out_port == cpu_port:
                sink = self.packet_in_sink
                if sink is not None:
                    sink(frame)
                else:
                    self.switch.log("packet to the CPU port dropped: no controller stream")
            else:
                self.transmit(out_port, frame)

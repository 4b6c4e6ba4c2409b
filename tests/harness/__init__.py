"""PTF-style packet-test harness: one program on one target, driven over P4Runtime.

`targets` starts the program on p4sim (in process) or BMv2 (`simple_switch_grpc` on veth
pairs); `packets` offers p4lang/ptf's helper names (`send_packet`, `verify_packet`,
`verify_packets`, `verify_no_other_packets`, `Mask`) bound to a harness object instead of
ptf's process-wide dataplane, so several switches can be tested side by side. Tests of the
pieces underneath share `fake_p4runtime` (a scripted P4Runtime server) and `veth` (interfaces
created and removed the same way everywhere).

Why not the `ptf` package itself: its helpers read a global dataplane set up by the `ptf`
test runner (and pull in pynng, netifaces, getmac); its mask semantics are kept here.
"""

from harness.packets import Mask, PacketHarness
from harness.targets import Bmv2Target, P4simTarget, Target, bmv2_unavailable

__all__ = ["Bmv2Target", "Mask", "P4simTarget", "PacketHarness", "Target", "bmv2_unavailable"]

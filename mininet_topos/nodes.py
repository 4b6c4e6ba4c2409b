"""Mininet node classes: a P4 switch running bmv2 or p4sim, and a host without NIC offloads.

P4Switch stays in the root namespace (as Mininet switches do) so its process can bind the
`<switch>-eth<N>` interfaces; all switches are launched first and then waited for together
(Mininet's batchStartup), so a topology starts in the time of its slowest switch.

P4Host turns off checksum and segmentation offloads: with them on, a veth hands the switch
frames whose TCP/UDP checksums are not filled in yet (or 64 KB "segments"), and a software
switch forwards them as they are, so receivers would drop them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from mininet.node import Host, Switch

from mininet_topos.launch import (
    SwitchLaunch,
    launch_switch,
    stop_switch,
    wait_until_ready,
)

OFFLOADS_OFF = "rx off tx off sg off tso off gso off gro off"


def _disable_ipv6(ifname: str) -> None:
    Path(f"/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6").write_text("1")


class P4Host(Host):
    """A host with a default route to its switch and static neighbours (basic.p4 has no ARP)."""

    def config(  # Mininet passes the keyword arguments of addHost() through here
        self,
        gateway: str | None = None,
        gateway_mac: str | None = None,
        neighbours: Sequence[tuple[str, str]] = (),
        **params: object,
    ) -> dict[str, object]:
        result = super().config(**params)
        intf = self.defaultIntf()
        for name in self.intfNames():
            if name != "lo":
                self.cmd(f"ethtool -K {name} {OFFLOADS_OFF}")
        # No IPv6: router solicitations and MLD reports would only clutter the switch logs.
        self.cmd("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
        if gateway is not None and gateway_mac is not None:
            self.cmd(f"ip neigh replace {gateway} lladdr {gateway_mac} dev {intf} nud permanent")
            self.cmd(f"ip route replace default via {gateway} dev {intf}")
        for address, mac in neighbours:
            self.cmd(f"ip neigh replace {address} lladdr {mac} dev {intf} nud permanent")
        return result


class P4Switch(Switch):
    """A switch process (`simple_switch_grpc` or `p4sim run`) bound to this node's interfaces."""

    def __init__(
        self,
        name: str,
        target: str = "p4sim",
        device_id: int = 0,
        grpc_port: int = 9559,
        thrift_port: int | None = None,
        cpu_port: int | None = None,
        log_dir: Path = Path("build/logs"),
        start_timeout: float = 30.0,
        trace: bool = True,
        **params: object,
    ) -> None:
        params.setdefault("dpid", f"{device_id + 1:x}")
        super().__init__(name, **params)
        self.target = target
        self.device_id = device_id
        self.grpc_port = grpc_port
        self.thrift_port = thrift_port
        self.cpu_port = cpu_port
        self.log_dir = log_dir
        self.start_timeout = start_timeout
        self.trace = trace
        self.launch: SwitchLaunch | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, controllers: list[object]) -> None:
        """Launch the switch process; `batchStartup` waits until it serves P4Runtime."""
        ports = {port: intf.name for port, intf in self.intfs.items() if intf.name != "lo"}
        for ifname in ports.values():
            self.cmd(f"ethtool -K {ifname} {OFFLOADS_OFF}")
            _disable_ipv6(ifname)
        self.launch = SwitchLaunch(
            name=self.name,
            target=self.target,
            ports=ports,
            device_id=self.device_id,
            grpc_port=self.grpc_port,
            log_dir=self.log_dir,
            thrift_port=self.thrift_port,
            cpu_port=self.cpu_port,
            trace=self.trace,
        )
        self.process = launch_switch(self.launch)

    @classmethod
    def batchStartup(cls, switches: Sequence[P4Switch]) -> Sequence[P4Switch]:  # noqa: N802
        for switch in switches:
            if switch.launch is not None and switch.process is not None:
                wait_until_ready(switch.launch, switch.process, switch.start_timeout)
        return switches

    def stop(self, deleteIntfs: bool = True) -> None:  # noqa: N803 - Mininet's signature
        if self.launch is not None and self.process is not None:
            stop_switch(self.launch, self.process)
            self.process = None
        super().stop(deleteIntfs)

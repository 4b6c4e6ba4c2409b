"""A Mininet network built from a topology description (mininet_topos.topology).

Switch i (in file order) gets device id i and gRPC port `grpc_port_base + i` (bmv2 also Thrift
port `thrift_port_base + i`); hosts get their IP, MAC, default route and static neighbours.
Link delay and loss need the kernel's netem qdisc: without it they are dropped with a warning
and the link keeps its other settings.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from mininet.link import Link, TCLink
from mininet.net import Mininet

from mininet_topos.netem import usable_link_options
from mininet_topos.nodes import P4Host, P4Switch
from mininet_topos.topology import HostSpec, Topology


def _neighbours(host: HostSpec, topology: Topology, router_mac: str) -> list[tuple[str, str]]:
    """Other hosts on this host's subnet: reached through the switch, so its MAC."""
    subnet = ipaddress.IPv4Interface(host.ip).network
    return [
        (other.address, router_mac)
        for other in topology.hosts.values()
        if other.name != host.name and ipaddress.IPv4Address(other.address) in subnet
    ]


def build_network(
    topology: Topology,
    target: str,
    *,
    log_dir: Path,
    grpc_port_base: int,
    thrift_port_base: int = 9090,
    netem: bool,
    start_timeout: float = 30.0,
) -> Mininet:
    """The network, built but not started (call `start()`)."""
    net = Mininet(topo=None, build=False, controller=None, autoSetMacs=False)
    for index, switch in enumerate(topology.switches.values()):
        net.addSwitch(
            switch.name,
            cls=P4Switch,
            target=target,
            device_id=index,
            grpc_port=grpc_port_base + index,
            thrift_port=thrift_port_base + index if target == "bmv2" else None,
            log_dir=log_dir,
            start_timeout=start_timeout,
        )
    for host in topology.hosts.values():
        router_mac = topology.switches[topology.attachment(host.name)[0]].mac
        net.addHost(
            host.name,
            cls=P4Host,
            ip=host.ip,
            mac=host.mac,
            gateway=host.gateway,
            gateway_mac=router_mac,
            neighbours=_neighbours(host, topology, router_mac),
        )
    usable = [usable_link_options(link.options, netem) for link in topology.links]
    ignored = [
        f"{text} on {link.a}-{link.b}"
        for link, (_options, dropped) in zip(topology.links, usable, strict=True)
        for text in dropped
    ]
    if ignored:
        print(
            "warning: this kernel has no netem qdisc (sch_netem) to emulate link delay or loss; "
            f"ignoring {', '.join(ignored)}",
            file=sys.stderr,
        )
    for link, (options, _dropped) in zip(topology.links, usable, strict=True):
        net.addLink(
            link.a,
            link.b,
            port1=link.port_a,
            port2=link.port_b,
            cls=TCLink if options else Link,
            **options,
        )
    return net

"""Routes for basic.p4 switches, computed from a topology and installed over P4Runtime.

Every switch gets one `MyIngress.ipv4_lpm` entry per host (`<host ip>/32`): the port towards
the host along a shortest path (networkx, hop count) and the MAC of the next hop, the host's own
MAC on the last hop and the next switch's router MAC before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from mininet_topos.topology import Topology, TopologyError

TABLE = "MyIngress.ipv4_lpm"
MATCH_FIELD = "hdr.ipv4.dstAddr"
ACTION = "MyIngress.ipv4_forward"


@dataclass(frozen=True)
class Route:
    prefix: str  # "10.0.2.2/32"
    mac: str  # destination MAC the switch writes: next hop's MAC
    port: int  # egress port


def compute_routes(topology: Topology) -> dict[str, list[Route]]:
    """Per switch, the routes to every host, in host order; TopologyError if one is unreachable."""
    graph = nx.Graph()
    graph.add_nodes_from(topology.switches)
    for link in topology.links:
        both_switches = link.a in topology.switches and link.b in topology.switches
        if both_switches and not graph.has_edge(link.a, link.b):  # parallel links: first wins
            graph.add_edge(link.a, link.b, ports={link.a: link.port_a, link.b: link.port_b})
    routes: dict[str, list[Route]] = {name: [] for name in topology.switches}
    for host in topology.hosts.values():
        edge_switch, edge_port = topology.attachment(host.name)
        for switch in topology.switches:
            prefix = f"{host.address}/32"
            if switch == edge_switch:
                routes[switch].append(Route(prefix, host.mac, edge_port))
                continue
            try:
                path = nx.shortest_path(graph, switch, edge_switch)
            except nx.NetworkXNoPath:
                raise TopologyError(f"no path from switch {switch} to host {host.name}") from None
            hop = path[1]
            port = graph.edges[switch, hop]["ports"][switch]
            routes[switch].append(Route(prefix, topology.switches[hop].mac, port))
    return routes


def install_routes(
    address: str,
    device_id: int,
    p4info_path: Path,
    device_config_path: Path,
    routes: Sequence[Route],
    request_log: Path | None = None,
) -> None:
    """Push the pipeline to the switch at `address`, then insert `routes` in one Write.

    Raises controller.SwitchError (with the gRPC code) when the switch does not answer or
    refuses a request. `request_log` makes the controller log its requests (the P4 tutorials'
    file; needed for BMv2, whose server keeps no such log).
    """
    from p4.v1 import p4runtime_pb2

    from controller.switch import SwitchConnection

    with SwitchConnection(
        f"device {device_id}", address, device_id, timeout=5.0, request_log=request_log
    ) as conn:
        conn.set_pipeline(p4info_path, device_config_path)
        updates = [
            p4runtime_pb2.Update(
                type=p4runtime_pb2.Update.INSERT,
                entity=p4runtime_pb2.Entity(
                    table_entry=conn.codec.table_entry(
                        TABLE, {MATCH_FIELD: route.prefix}, ACTION,
                        {"dstAddr": route.mac, "port": route.port},
                    )
                ),
            )
            for route in routes
        ]
        if updates:
            conn.write(updates)

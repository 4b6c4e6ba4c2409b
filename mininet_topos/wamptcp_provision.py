"""Addresses of the WaMPTCP scenario's hosts: by WaMPTCP DHCP, or statically from the plan.

Either way a host ends up as the subnet plan (`controller.wamptcp.plan`) says, since the
gateways' routes are written from the same plan: one address per WAN link for an MPTCP host
(the primary link's first; the others registered as MPTCP `subflow` endpoints), one address
for a legacy host and the server, default routes via the gateway's address in the primary
link's subnet. The ip commands are `apps.wamptcp.mptcp_endpoints.commands`, the ones the DHCP
client runs too.

DHCP (IPv4 of MPTCP hosts): a server of `apps.wamptcp` runs, for the time of the exchange, on
the branch gateway's LAN interface of the host's segment (in the root namespace, next to the
switch, as a router's DHCP service would), with the segment's subnets in link order (primary
first) and a pool of exactly the planned addresses; the host runs the WaMPTCP DHCP client.
The leases must match the plan. IPv6 is always set from the plan: the DHCP client derives
EUI-64 addresses, which the gateways' per-host routes would not know. Legacy hosts and the
server are always configured statically. `auto` uses DHCP when `apps.wamptcp` has both ends
and falls back to static configuration if the exchange fails (saying so).
"""

from __future__ import annotations

import importlib.util
import json
import select
import subprocess
import sys
import time
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

import yaml

from apps.wamptcp.mptcp_endpoints import HostPlan, commands
from controller.wamptcp.plan import HostAddress, Plan
from controller.wamptcp.site import Site
from mininet_topos.launch import stop_process
from mininet_topos.wamptcp_net import ScenarioError, host_run

MODES = ("auto", "dhcp", "static")
SERVER_LIMIT = ["ip", "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"]
DHCP_TIMEOUT = 30.0


def _ordered(site: Site, addresses: tuple[HostAddress, ...]) -> list[HostAddress]:
    """The primary link's address first, then the others in link order."""
    return sorted(addresses, key=lambda a: (a.link != site.primary_link, a.link))


def static_plan(site: Site, plan: Plan, name: str, interface: str) -> HostPlan:
    """The configuration of host or server `name` on `interface`, from the plan."""
    addresses = _ordered(site, plan.addresses(name))
    if not addresses:
        raise ScenarioError(f"{name} is not in the subnet plan")
    host = next((h for h in site.hosts if h.name == name), None)
    if host is None:  # a server on the remote LAN
        router_v4, router_v6 = plan.remote_gateway_v4, plan.remote_gateway_v6
    else:
        subnet = plan.subnet(site.primary_link, host.segment)
        router_v4, router_v6 = subnet.gateway_v4, subnet.gateway_v6
    return HostPlan(
        interface=interface,
        ipv4=tuple(a.ipv4 for a in addresses),
        ipv6=tuple(a.ipv6 for a in addresses),
        router_v4=router_v4,
        router_v6=router_v6,
    )


def dhcp_config(site: Site, plan: Plan, segment: str) -> dict[str, Any]:
    """The DHCP server configuration of a segment: its subnets in link order (primary first),
    each with a pool of exactly the planned addresses of the segment's hosts."""
    links = sorted(site.link_ids, key=lambda link: (link != site.primary_link, link))
    members = {host.name for host in site.hosts_in(segment)}
    subnets = []
    for link in links:
        subnet = plan.subnet(link, segment)
        planned = sorted(a.ipv4.ip for a in plan.hosts if a.host in members and a.link == link)
        subnets.append({
            "subnet": str(subnet.ipv4),
            "pool": f"{planned[0]}-{planned[-1]}",
            "router": str(subnet.gateway_v4),
        })  # fmt: skip
    primary = plan.subnet(site.primary_link, segment)
    return {"server_id": str(primary.gateway_v4), "lease_time": 86400, "subnets": subnets}


def dhcp_available() -> bool:
    return all(
        importlib.util.find_spec(f"apps.wamptcp.{module}") is not None
        for module in ("dhcp_server", "dhcp_client", "dhcp_config")
    )


def provision_hosts(network: Any, mode: str) -> dict[str, str]:
    """Configure every host and the server; returns host -> "dhcp" or "static"."""
    if mode not in MODES:
        raise ScenarioError(f"provisioning must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "dhcp" and not dhcp_available():
        raise ScenarioError("provisioning by DHCP needs apps.wamptcp.dhcp_server/dhcp_client")
    use_dhcp = mode == "dhcp" or (mode == "auto" and dhcp_available())
    site: Site = network.site
    how: dict[str, str] = {}
    for host in site.hosts:
        node = network.host(host.name)
        how[host.name] = "static"
        if host.mptcp and use_dhcp:
            try:
                _by_dhcp(network, host.name, host.segment)
                how[host.name] = "dhcp"
            except ScenarioError as err:
                if mode == "dhcp":
                    raise
                network.log(f"wamptcp: {host.name}: DHCP failed ({err}); configuring statically")
                _reset(node)
        if how[host.name] == "static":
            _run_all(node, commands(static_plan(site, network.plan, host.name, _intf(node))))
    for server in site.remote_lan.servers:
        node = network.host(server.name)
        _run_all(node, commands(static_plan(site, network.plan, server.name, _intf(node))))
        host_run(node, SERVER_LIMIT)
        how[server.name] = "static"
    for name, method in how.items():
        shown = ", ".join(str(a.ipv4) for a in _ordered(site, network.plan.addresses(name)))
        network.log(f"wamptcp: {name}: {shown} ({'DHCP' if method == 'dhcp' else 'static'})")
    return how


def _intf(node: Any) -> str:
    return str(node.defaultIntf())


def _run_all(node: Any, argvs: list[list[str]]) -> None:
    for argv in argvs:
        host_run(node, argv)


def _reset(node: Any) -> None:
    """Undo a partial DHCP configuration before the static one."""
    node.cmd(f"ip addr flush dev {_intf(node)}; ip mptcp endpoint flush")


def _by_dhcp(network: Any, name: str, segment: str) -> None:
    site, plan = network.site, network.plan
    node = network.host(name)
    port = site.segment(segment).port
    config_path: Path = network.options.log_dir / f"dhcp-{segment}.yaml"
    config_path.write_text(yaml.safe_dump(dhcp_config(site, plan, segment), sort_keys=False))
    server_log = (network.options.log_dir / f"dhcp-{segment}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "apps.wamptcp.dhcp_server",
         "--interface", f"{network.branch}-eth{port}", "--config", str(config_path)],
        stdout=subprocess.PIPE, stderr=server_log, text=True,
    )  # fmt: skip
    try:
        _wait_listening(server)
        client = node.popen(
            [sys.executable, "-m", "apps.wamptcp.dhcp_client", "--interface", _intf(node)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            out, err = client.communicate(timeout=DHCP_TIMEOUT)
        except subprocess.TimeoutExpired:
            client.kill()
            client.communicate()
            raise ScenarioError("the DHCP client did not finish in time") from None
        if client.returncode != 0:
            raise ScenarioError(err.strip() or f"dhcp_client exited with {client.returncode}")
    finally:
        stop_process(server)  # SIGKILL if SIGTERM is not enough: never left running
        server_log.close()
    leased = [IPv4Interface(lease["address"]) for lease in json.loads(out)["leases"]]
    planned = [a.ipv4 for a in _ordered(site, plan.addresses(name))]
    if leased != planned:
        raise ScenarioError(f"leases {leased} differ from the plan {planned}")
    v6 = static_plan(site, plan, name, _intf(node))
    _run_all(node, commands(HostPlan(v6.interface, (), v6.ipv6, None, v6.router_v6)))


def _wait_listening(server: subprocess.Popen[str]) -> None:
    """Until the DHCP server printed its `listening` line (its socket is open)."""
    assert server.stdout is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ready, _, _ = select.select([server.stdout], [], [], 0.2)
        if ready:
            line = server.stdout.readline()
            if not line:
                break
            if json.loads(line).get("event") == "listening":
                return
        if server.poll() is not None:
            break
    raise ScenarioError("the DHCP server did not start (see its log in the log directory)")

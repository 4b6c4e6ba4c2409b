"""The WaMPTCP Mininet network of a site description: gateways, hosts, WAN links, agents.

    branch LAN hosts -- gw_b ==WAN link 1..N== gw_r -- server(s)

Built from `controller/wamptcp/site.py`'s file, so the controller and the network cannot
disagree: both gateways are P4 switches running `wamptcp_gateway` with `--cpu-port 255`
(switch i in role order gets device id i and gRPC port base + i); each segment's host hangs
off its segment's branch port, the server off the remote LAN port; WAN link k joins the two
gateways' ports of link k, with MTU `mtu` and the shaping of `wamptcp_links` at both ends.
Hosts have NIC offloads off (a software switch forwards what it gets) and MPTCP on; their
addresses come from `wamptcp_provision`. Each gateway gets its agent process
(`python -m controller.wamptcp.agent`), which pushes the pipeline and installs the entries;
agents can be restarted with other BFD / RO settings without rebuilding the network.

Switches run without their per-packet trace and pcaps unless `trace` is set: at 10 Mbit/s per
link those cost p4sim several times the forwarding itself (measured: a TCP download through
both gateways went from ~9 to ~65 Mbit/s unshaped). `nice` < 0 runs switches, agents and
traffic ahead of unrelated load, for experiments on a shared machine.

`WamptcpNetwork` is a context manager: whatever happens, switches, agents, hosts and
interfaces are gone when it exits (and a crash's leftovers are removed on the next start).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller.wamptcp.plan import Plan, make_plan
from controller.wamptcp.site import ROLES, Site, load_site
from mininet_topos.cleanup import CleanupStack, remove_leftovers
from mininet_topos.launch import die_with_parent
from mininet_topos.mptcp_buffers import buffer_sysctls, required_buffer
from mininet_topos.netem import netem_available
from mininet_topos.targets import program_files
from mininet_topos.wamptcp_links import (
    block_commands,
    run_tc,
    shaping_commands,
    unblock_commands,
)

PROGRAM = "wamptcp_gateway"
CPU_PORT = 255


class ScenarioError(RuntimeError):
    """Something that stops the scenario, said so the user can act on it."""


@dataclass(frozen=True)
class ScenarioOptions:
    site_path: Path
    target: str = "p4sim"
    build_dir: Path = Path("build")
    log_dir: Path = Path("build/logs/wamptcp")
    grpc_port_base: int = 9559
    provision: str = "auto"  # auto | dhcp | static (see wamptcp_provision)
    queue_packets: int = 50  # per WAN link end: 60 ms at 10 Mbit/s
    start_timeout: float = 60.0
    nice: int = 0  # < 0: switches, agents and traffic run ahead of unrelated load (root)
    trace: bool = False  # switches write their per-packet trace and pcaps (costly)
    socket_buffer: int | None = 0  # hosts' starting TCP buffer: 0 kernel default, None sized


def renice(pid: int, nice: int) -> None:
    """Set the nice value of every thread of a process (nice is per thread on Linux)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
        except (ProcessLookupError, PermissionError):
            continue


def host_run(node: Any, argv: list[str]) -> str:
    """Run a command in a Mininet node's namespace; ScenarioError with its output on failure."""
    proc = node.popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise ScenarioError(f"{node.name}: `{shlex.join(argv)}` failed: {out.strip()}")
    return out


class WamptcpNetwork:
    """The running scenario; `with WamptcpNetwork(options) as net:` starts and stops it."""

    def __init__(self, options: ScenarioOptions, log: Any = print) -> None:
        self.options = options
        self.log = log
        self.site: Site = load_site(options.site_path)
        self.plan: Plan = make_plan(self.site)
        self.p4info, self.device_config = program_files(options.build_dir, PROGRAM, options.target)
        self.cleanup = CleanupStack()
        self.net: Any = None
        self.netem = False
        self.agents: dict[str, subprocess.Popen[bytes]] = {}
        self.running_settings = ""  # agent_settings() of the running agents
        self.events_paths = {role: options.log_dir / f"agent-{role}.events" for role in ROLES}
        self.provisioned: dict[str, str] = {}  # host -> how its addresses were set
        self.blocked: set[int] = set()

    # -- names and addresses

    @property
    def branch(self) -> str:
        return self.site.gateways["branch"].name

    @property
    def remote(self) -> str:
        return self.site.gateways["remote"].name

    def node_names(self) -> list[str]:
        return [
            *(gateway.name for gateway in self.site.gateways.values()),
            *(host.name for host in self.site.hosts),
            *(server.name for server in self.site.remote_lan.servers),
        ]

    def host(self, name: str) -> Any:
        return self.net.get(name)

    def address(self, host: str, link: int | None = None, family: int = 4) -> str:
        """A host's planned address on `link` (default: its first, the primary link's)."""
        candidates = [a for a in self.plan.addresses(host) if link is None or a.link == link]
        if not candidates:
            raise ScenarioError(f"{host} has no address" + (f" on link {link}" if link else ""))
        chosen = candidates[0]
        return str(chosen.ipv4.ip if family == 4 else chosen.ipv6.ip)

    def wan_interfaces(self, link: int) -> tuple[str, str]:
        """(branch end, remote end) interface names of WAN link `link`."""
        wan = self.site.link(link)
        return f"{self.branch}-eth{wan.branch.port}", f"{self.remote}-eth{wan.remote.port}"

    @property
    def socket_buffer(self) -> int:
        """The hosts' starting TCP buffer in bytes, 0 for the kernel's defaults."""
        if self.options.socket_buffer is not None:
            return self.options.socket_buffer
        return required_buffer([link.bw for link in self.site.wan_links])

    # -- start and stop

    def __enter__(self) -> WamptcpNetwork:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, _tb: object) -> None:
        if error is not None and not isinstance(error, KeyboardInterrupt | SystemExit):
            self.log(f"wamptcp: stopping after {type(error).__name__}: {error}")
        self.stop()

    def _preflight(self) -> None:
        if os.geteuid() != 0:
            raise ScenarioError("Mininet needs root: run `sudo make run SCENARIO=wamptcp`")
        missing = [t for t in ("ethtool", "mnexec", "ip", "tc", "ping") if not shutil.which(t)]
        if missing:
            raise ScenarioError(f"{', '.join(missing)} not found; run `sudo make system-deps`")
        for path in (self.p4info, self.device_config):
            if not path.is_file():
                raise ScenarioError(
                    f"{path} is missing: run `make build TARGET={self.options.target}`"
                )
        for segment in self.site.segments:
            if len(self.site.hosts_in(segment.name)) > 1:
                raise ScenarioError(
                    f"segment {segment.name}: the Mininet scenario has one host per LAN "
                    "segment (one gateway port each); give each host its own segment"
                )
        if len(self.site.remote_lan.servers) != 1:
            raise ScenarioError("the Mininet scenario has exactly one server on the remote LAN")

    def start(self) -> None:
        """Build and start the network, provision the hosts, start both agents."""
        from mininet.log import setLogLevel

        from mininet_topos.wamptcp_provision import provision_hosts

        self._preflight()
        self.cleanup.install()
        for item in remove_leftovers(self.node_names(), self.options.log_dir):
            self.log(f"cleanup: removed leftover {item}")
        self.options.log_dir.mkdir(parents=True, exist_ok=True)
        self.netem = netem_available() is True
        setLogLevel("warning")
        self.cleanup.push(
            "remove leftovers", lambda: remove_leftovers(self.node_names(), self.options.log_dir)
        )
        self.net = self._build()
        self.cleanup.push("stop the network", self._stop_network)
        self.net.start()
        if self.options.nice:
            for role in ROLES:
                renice(self.net.get(self.site.gateways[role].name).process.pid, self.options.nice)
        self._shape_wan_links()
        self.provisioned = provision_hosts(self, self.options.provision)
        self.cleanup.push("stop the agents", self.stop_agents)
        self.start_agents()

    def _build(self) -> Any:
        from mininet.link import Link
        from mininet.net import Mininet

        opts = self.options
        host_class = _host_class()
        sysctls = buffer_sysctls(self.socket_buffer) if self.socket_buffer else []
        from mininet_topos.nodes import P4Switch

        net = Mininet(topo=None, build=False, controller=None, autoSetMacs=False)
        for index, role in enumerate(ROLES):
            net.addSwitch(
                self.site.gateways[role].name,
                cls=P4Switch,
                target=opts.target,
                device_id=index,
                grpc_port=opts.grpc_port_base + index,
                thrift_port=9090 + index if opts.target == "bmv2" else None,
                cpu_port=CPU_PORT,
                log_dir=opts.log_dir,
                start_timeout=opts.start_timeout,
                trace=opts.trace,
            )
        for host in self.site.hosts:
            net.addHost(host.name, cls=host_class, ip=None, mac=host.mac, sysctls=sysctls)
            port = self.site.segment(host.segment).port
            net.addLink(host.name, self.branch, port1=0, port2=port, cls=Link)
        lan = self.site.remote_lan
        for server in lan.servers:
            net.addHost(server.name, cls=host_class, ip=None, mac=server.mac, sysctls=sysctls)
            net.addLink(server.name, self.remote, port1=0, port2=lan.port, cls=Link)
        for link in self.site.wan_links:
            net.addLink(
                self.branch, self.remote, port1=link.branch.port, port2=link.remote.port, cls=Link
            )
        return net

    def _shape_wan_links(self) -> None:
        """MTU and shaping on both ends of every WAN link; delay only with netem."""
        commands = []
        dropped = []
        for link in self.site.wan_links:
            delay = link.delay if self.netem else None
            if link.delay and not self.netem:
                dropped.append(f"{link.name} delay {link.delay}")
            for dev in self.wan_interfaces(link.id):
                subprocess.run(["ip", "link", "set", "dev", dev, "mtu", str(link.mtu)], check=True)
                commands += shaping_commands(dev, link.bw, self.options.queue_packets, delay)
        run_tc(commands)
        for link in self.site.wan_links:
            rate = "unlimited" if link.bw is None else f"{link.bw:g} Mbit/s"
            delay = link.delay if self.netem and link.delay else "no delay"
            self.log(
                f"wamptcp: WAN link {link.id} ({link.name}): {rate}, {delay}, MTU {link.mtu}, "
                f"queue {self.options.queue_packets} packets"
            )
        size = self.socket_buffer
        self.log(
            f"wamptcp: hosts' TCP/MPTCP socket buffers start at {size >> 10} KiB "
            "(see mininet_topos/mptcp_buffers.py)" if size else
            "wamptcp: hosts keep the kernel's default socket buffers"
        )
        if dropped:
            self.log(
                "wamptcp: note: this kernel has no netem qdisc, so link delay is left out "
                f"({', '.join(dropped)}); rates, queues and outages are emulated"
            )

    def start_agents(
        self, bfd_interval_ms: int | None = None, recovery_optimization: bool | None = None
    ) -> None:
        """(Re)start both agents; returns once both installed their entries. Agents already
        running with these settings are kept: a restart would only push the same pipeline
        and entries again."""
        settings = self.agent_settings(bfd_interval_ms, recovery_optimization)
        running = self.agents and all(agent.poll() is None for agent in self.agents.values())
        if running and settings == self.running_settings:
            return
        self.stop_agents()
        for index, role in enumerate(ROLES):
            argv = [
                sys.executable, "-m", "controller.wamptcp.agent",
                "--site", str(self.options.site_path),
                "--role", role,
                "--address", f"127.0.0.1:{self.options.grpc_port_base + index}",
                "--p4info", str(self.p4info),
                "--device-config", str(self.device_config),
                "--device-id", str(index),
                "--events", str(self.events_paths[role]),
                "--log-level", "WARNING",
            ]  # fmt: skip
            if bfd_interval_ms is not None:
                argv += ["--bfd-interval-ms", str(bfd_interval_ms)]
            if recovery_optimization is not None:
                argv += ["--recovery-optimization", "on" if recovery_optimization else "off"]
            self.events_paths[role].write_text("")
            log = (self.options.log_dir / f"agent-{role}.log").open("wb")
            self.agents[role] = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
            log.close()
            if self.options.nice:
                renice(self.agents[role].pid, self.options.nice)
        for role in ROLES:
            self._wait_installed(role)
        self.running_settings = settings
        self.log(f"wamptcp: agents running ({settings}), events in {self.options.log_dir}/")

    def agent_settings(self, bfd_interval_ms: int | None, ro: bool | None) -> str:
        bfd = bfd_interval_ms or self.site.bfd.interval_ms
        ro_on = self.site.recovery_optimization if ro is None else ro
        return (
            f"BFD {bfd} ms x {self.site.bfd.multiplier}, RO {'on' if ro_on else 'off'}, "
            f"{self.site.mode}"
        )

    def _wait_installed(self, role: str) -> None:
        deadline = time.monotonic() + self.options.start_timeout
        proc = self.agents[role]
        while time.monotonic() < deadline:
            if any(event["event"] == "installed" for event in self.agent_events(role)):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        log = (self.options.log_dir / f"agent-{role}.log").read_text(errors="replace")
        tail = "\n".join(f"    | {line}" for line in log.splitlines()[-15:])
        state = "did not install its entries in time" if proc.poll() is None else "exited"
        raise ScenarioError(f"the {role} agent {state}; last lines of its log:\n{tail}")

    def stop_agents(self) -> None:
        for proc in self.agents.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.agents.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.agents.clear()

    def _stop_network(self) -> None:
        """Mininet's stop, also when a node's shell is gone (killed by another run's cleanup
        of the same node names): deleting its interfaces would wait for that shell forever.
        Its namespace died with it, and with it the host end of its link."""
        for node in self.net.values():
            if node.shell is not None and node.shell.poll() is not None:
                self.log(f"wamptcp: the shell of {node.name} had exited")
                node.cmd = lambda *args, **kwargs: ""
        self.net.stop()

    def stop(self) -> None:
        """Unblock links, stop agents and the network; safe to call more than once."""
        self.cleanup.run()
        self.net = None

    # -- observing and disturbing

    def agent_events(self, role: str | None = None) -> list[dict]:
        """The agents' event lines so far (both roles, in file order, when `role` is None)."""
        events = []
        for each in ROLES if role is None else (role,):
            path = self.events_paths[each]
            if path.exists():
                events += [json.loads(line) for line in path.read_text().splitlines() if line]
        return events

    def set_link(self, link: int, up: bool) -> None:
        """Block (up=False) or restore a WAN link at both ends (see wamptcp_links)."""
        devs = list(self.wan_interfaces(link))
        if up:
            wan = self.site.link(link)
            delay = wan.delay if self.netem else None
            run_tc(unblock_commands(devs, self.options.queue_packets, delay))
            self.blocked.discard(link)
        else:
            if not self.blocked:
                self.cleanup.push("unblock the WAN links", self._unblock_all)
            run_tc(block_commands(devs))
            self.blocked.add(link)

    def _unblock_all(self) -> None:
        for link in sorted(self.blocked):
            self.set_link(link, True)

    def wan_bytes(self) -> dict[int, tuple[int, int]]:
        """Per link: (bytes sent branch -> remote, bytes sent remote -> branch) so far."""
        result = {}
        for link in self.site.wan_links:
            branch_dev, remote_dev = self.wan_interfaces(link.id)
            result[link.id] = (_tx_bytes(branch_dev), _tx_bytes(remote_dev))
        return result


def _tx_bytes(dev: str) -> int:
    return int(Path(f"/sys/class/net/{dev}/statistics/tx_bytes").read_text())


def _host_class() -> type:
    from mininet.node import Host

    from mininet_topos.nodes import OFFLOADS_OFF

    class _WamptcpHost(Host):
        """A host with NIC offloads off, MPTCP on, IPv6 without duplicate address detection
        and the given sysctls (the scenario's socket buffers).

        Offloads: a veth would hand the software switch frames with unfinished checksums or
        64 KB segments. DAD: planned addresses are unique and must be usable at once.
        """

        def config(self, sysctls: Sequence[str] = (), **params: object) -> dict[str, object]:
            result = super().config(**params)
            for name in self.intfNames():
                if name != "lo":
                    self.cmd(f"ethtool -K {name} {OFFLOADS_OFF}")
            self.cmd(
                "sysctl -qw net.mptcp.enabled=1 net.ipv6.conf.all.accept_dad=0 "
                "net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.disable_ipv6=0"
            )
            for setting in sysctls:
                self.cmd(f"sysctl -qw {shlex.quote(setting)}")
            return result

    return _WamptcpHost

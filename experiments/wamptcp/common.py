"""What the WaMPTCP experiments share: options, networks, mechanisms, trials, result files.

Mechanisms (seed §3.5):
- Tunnel Handoff: the legacy host's plain TCP connection, hashed by the gateway onto one WAN
  link and moved by the agents when BFD declares that link down;
- WaMPTCP: the WaMPTCP host's MPTCP connection, one subflow per link steered by source
  subnet, recovery optimisation off;
- WaMPTCP+RO: the same with recovery optimisation on.

A trial runs one traffic-tool client in its host while an `OutageRunner` changes a WAN link
on a schedule counted from the client's start. The link is the primary link for MPTCP
(its initial subflow's) and, for a single TCP connection, the link that carries its data (the
WAN link with the most bytes in the data's direction in 0.5 s, measured 2 s after the start;
the gateway's hash decides).
During a trial, a `LinkSampler` can read the WAN interfaces' byte counters every 50 ms, for
per-link throughput. Agent events that do not follow a scheduled change (a BFD session
declared down without an outage: machine load delaying probes) are counted as spurious.

Every process of the emulation runs at nice -10 by default (switches, agents, traffic),
so that unrelated load on a shared machine disturbs the timing less.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import secrets
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from apps.traffic.metrics import Interval
from mininet_topos.targets import resolve_target
from mininet_topos.wamptcp_links import AppliedChange, LinkChange, OutageRunner, outage
from mininet_topos.wamptcp_net import ScenarioOptions, WamptcpNetwork
from mininet_topos.wamptcp_traffic import TrafficServer, collect, start_client

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGIES = ROOT / "mininet_topos" / "topologies"
SAMPLE = 0.05  # seconds per goodput / link sample


@dataclass(frozen=True)
class Mechanism:
    key: str
    label: str
    protocol: str  # tcp | mptcp
    recovery_optimization: bool

    @property
    def mptcp(self) -> bool:
        return self.protocol == "mptcp"


TUNNEL_HANDOFF = Mechanism("tunnel_handoff", "Tunnel Handoff", "tcp", False)
WAMPTCP = Mechanism("wamptcp", "WaMPTCP", "mptcp", False)
WAMPTCP_RO = Mechanism("wamptcp_ro", "WaMPTCP+RO", "mptcp", True)
MECHANISMS = (TUNNEL_HANDOFF, WAMPTCP, WAMPTCP_RO)


def parser(description: str) -> argparse.ArgumentParser:
    """The options every experiment takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="fewer, shorter trials (minutes)")
    p.add_argument(
        "--target", default="auto", choices=("auto", "bmv2", "p4sim"),
        help="switch of the gateways; auto: BMv2 when installed, else p4sim",
    )  # fmt: skip
    p.add_argument("--build-dir", type=Path, default=ROOT / "build",
                   help="where `make build` put the compiled gateway (default: build/)")
    p.add_argument("--results", type=Path, default=ROOT / "results",
                   help="directory for the CSV, PNG and JSON outputs (default: results/)")
    p.add_argument("--log-dir", type=Path, default=ROOT / "build" / "logs" / "wamptcp-exp",
                   help="switch logs, agent events, the generated site file")
    p.add_argument("--grpc-port-base", type=int, default=19559,
                   help="P4Runtime port of the branch gateway; the remote uses the next one")
    p.add_argument("--bw", type=float, default=10.0, help="WAN link rate, Mbit/s")
    p.add_argument("--nice", type=int, default=-10, help="nice value of the emulation")
    p.add_argument(
        "--socket-buffer", type=_buffer_size, default=0, metavar="auto|BYTES",
        help="hosts' starting TCP/MPTCP socket buffer: auto sizes it to the links "
        "(mininet_topos/mptcp_buffers.py); default 0, the kernel's",
    )  # fmt: skip
    return p


def _buffer_size(text: str) -> int | None:
    """--socket-buffer's value: None for auto, else a byte count >= 0."""
    if text == "auto":
        return None
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither auto nor a byte count") from None
    if size < 0:
        raise argparse.ArgumentTypeError("a byte count must be >= 0")
    return size


def site_variant(args: argparse.Namespace, links: int = 2, mode: str = "vxlan",
                 **top: Any) -> Path:
    """A site file with `links` WAN links (from wamptcp3.yaml), `mode`, the rate `--bw` and
    top-level overrides; written into the log directory. Node names get a random suffix
    (gw_b -> gw_b_1a2b): the leftover cleanup of another run with the site's own names
    (`make run`, someone's test) would otherwise kill this run's nodes."""
    data = yaml.safe_load((TOPOLOGIES / "wamptcp3.yaml").read_text())
    tag = secrets.token_hex(2)
    for gateway in data["gateways"].values():
        gateway["name"] = f"{gateway['name']}_{tag}"
    for node in [*data["lan"]["hosts"], *data["remote_lan"]["servers"]]:
        node["name"] = f"{node['name']}_{tag}"
    if not 1 <= links <= len(data["wan_links"]):
        raise SystemExit(f"links must be 1..{len(data['wan_links'])}")
    data["wan_links"] = data["wan_links"][:links]
    for link in data["wan_links"]:
        link["bw"] = args.bw
    data["mode"] = mode
    if mode == "direct":
        data.pop("handoff", None)  # no tunnel handoff without tunnels (site.py)
    data.update(top)
    args.log_dir.mkdir(parents=True, exist_ok=True)
    path = args.log_dir / f"site-{links}links-{mode}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def network(args: argparse.Namespace, site: Path) -> WamptcpNetwork:
    options = ScenarioOptions(
        site_path=site,
        target=resolve_target(args.target),
        build_dir=args.build_dir,
        log_dir=args.log_dir,
        grpc_port_base=args.grpc_port_base,
        provision="static",
        nice=args.nice,
        socket_buffer=args.socket_buffer,
    )
    return WamptcpNetwork(options, log=lambda text: print(text, flush=True))


class Hosts:
    """The scenario's roles: the WaMPTCP host, the legacy host, the server."""

    def __init__(self, net: WamptcpNetwork) -> None:
        self.net = net
        self.mptcp = next(h.name for h in net.site.hosts if h.mptcp)
        self.legacy = next(h.name for h in net.site.hosts if not h.mptcp)
        self.server = net.site.remote_lan.servers[0].name

    def client_of(self, mechanism: Mechanism) -> str:
        return self.mptcp if mechanism.mptcp else self.legacy


class LinkSampler:
    """Reads the remote -> branch byte counter of every WAN link every `period` seconds."""

    def __init__(self, net: WamptcpNetwork, period: float = SAMPLE) -> None:
        self.net = net
        self.period = period
        self.samples: list[tuple[float, dict[int, tuple[int, int]]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        next_time = time.time()
        while not self._stop.is_set():
            self.samples.append((time.time(), self.net.wan_bytes()))
            next_time += self.period
            self._stop.wait(max(0.0, next_time - time.time()))

    def stop(self) -> dict[int, list[Interval]]:
        """Per link: Intervals of bytes sent remote -> branch (the download direction)."""
        self._stop.set()
        self._thread.join()
        series: dict[int, list[Interval]] = {}
        for (t0, a), (t1, b) in itertools.pairwise(self.samples):
            for link in b:
                series.setdefault(link, []).append(Interval(t1, t1 - t0, b[link][1] - a[link][1]))
        return series


def busiest_link(net: WamptcpNetwork, upload: bool, window: float = 0.5) -> int:
    """The WAN link with the most bytes in the data's direction (branch -> remote for an
    upload) in the next `window` seconds. Only that direction counts: each gateway hashes its
    own direction of a flow, so the acknowledgements may take another link."""
    side = 0 if upload else 1
    before = net.wan_bytes()
    time.sleep(window)
    after = net.wan_bytes()
    return max(after, key=lambda k: after[k][side] - before[k][side])


@dataclass
class Trial:
    """One client run under a link schedule, with what happened."""

    lines: list[dict]
    summary: dict
    link: int
    applied: list[AppliedChange]
    events: list[dict]
    link_series: dict[int, list[Interval]] = field(default_factory=dict)

    def change_time(self, up: bool, index: int = 0) -> float:
        return [c.wall for c in self.applied if c.up == up][index]

    def false_alarms(self) -> int:
        """Agent link_down events that no scheduled block explains (a block of that link at
        most 5 s earlier): BFD declaring a healthy link down, e.g. probes delayed by load."""
        return sum(
            1
            for event in self.events
            if event["event"] == "link_down"
            and not any(
                c.link == event["link"] and not c.up and 0 <= event["wall"] - c.wall <= 5
                for c in self.applied
            )
        )


def run_trial(
    net: WamptcpNetwork,
    hosts: Hosts,
    mechanism: Mechanism,
    client_args: Sequence[str],
    schedule: Callable[[int], list[LinkChange]],
    timeout: float,
    *,
    family: int = 4,
    sample_links: bool = False,
) -> Trial:
    """Run a client of `mechanism` with `schedule(link)` applied from the client's start."""
    host = hosts.client_of(mechanism)
    node = net.host(host)
    args = ["--protocol", mechanism.protocol, "--source", net.address(host, family=family)]
    args += list(client_args)
    sampler = LinkSampler(net) if sample_links else None
    proc = start_client(node, net.address(hosts.server, family=family), args, nice=net.options.nice)
    start = time.time()
    runner: OutageRunner | None = None
    try:
        if mechanism.mptcp:
            link = net.site.primary_link
        else:
            time.sleep(max(0.0, start + 2.0 - time.time()))
            upload = "up" in _option_values(client_args, "--direction")
            link = busiest_link(net, upload)
        runner = OutageRunner(schedule(link), net.set_link)
        runner.start(at=start)
        lines, summary = collect(proc, timeout)
    finally:
        if runner is not None:
            runner.stop()  # the client is done: the rest of the schedule does not matter
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        series = sampler.stop() if sampler is not None else {}
    if runner.error is not None:
        raise runner.error
    events = [event for event in net.agent_events() if event["wall"] >= start]
    return Trial(lines, summary, link, list(runner.applied), events, series)


def _option_values(args: Sequence[str], option: str) -> list[str]:
    """The values given to `option` in an argument list."""
    return [value for flag, value in itertools.pairwise(args) if flag == option]


def outage_download(
    net: WamptcpNetwork, hosts: Hosts, mechanism: Mechanism, pre: float, length: float,
    duration: float,
) -> Trial:
    """A download of `duration` s, goodput and link throughput every SAMPLE s, with the
    mechanism's link blocked `pre` s after the start for `length` s."""
    return run_trial(
        net, hosts, mechanism,
        ["--time", f"{duration:g}", "--interval", f"{SAMPLE:g}"],
        lambda link: outage(link, pre, length),
        timeout=duration + 60, sample_links=True,
    )  # fmt: skip


def start_server(net: WamptcpNetwork, hosts: Hosts) -> TrafficServer:
    return TrafficServer(net.host(hosts.server), nice=net.options.nice)


def write_csv(path: Path, rows: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")


def write_metadata(path: Path, args: argparse.Namespace, **extra: Any) -> None:
    """Settings and machine state next to the results, so numbers can be judged later."""
    data = {
        "command": " ".join([Path(sys.executable).name, "-m", _module(), *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "options": {k: str(v) for k, v in vars(args).items()},
        **extra,
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {path}")


def _module() -> str:
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else str(sys.argv[0])


def fmt(value: float | None, digits: int = 2) -> str:
    """A metric for tables: seconds with `digits` decimals, "n/a" for None."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def save_figure(fig: Any, path: Path) -> None:
    """Lay out, write and close a matplotlib figure; say where it went."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    pyplot().close(fig)
    print(f"wrote {path}")


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

"""`make run SCENARIO=wamptcp`: the WaMPTCP SD-WAN gateway in Mininet, with a short demo.

    python -m mininet_topos.wamptcp [--site FILE] [--target auto|bmv2|p4sim]
        [--provision auto|dhcp|static] [--demo-time S] [--no-demo] [--cli] [--trace] [--clean]

Starts the network of the site file (`mininet_topos.wamptcp_net`: both gateways, WAN links,
hosts, agents), checks that every LAN host reaches the server from each of its addresses
(IPv4 and IPv6), then, unless --no-demo:

1. an MPTCP download by the WaMPTCP host (one subflow per WAN link) and a plain TCP download
   by the legacy host, one after the other, each for --demo-time seconds: goodput per second,
   the MPTCP subflow count, how the bytes split over the WAN links, the goodput ratio;
2. the MPTCP download again, with WAN link 1 blocked for a third of the time: goodput per
   second and the agents' link_down / link_up events.

Exit status: 0 when every reachability check passed and the demo ran, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from controller.wamptcp.plan import PlanError
from controller.wamptcp.site import SiteError
from mininet_topos.launch import SwitchStartError
from mininet_topos.targets import resolve_target
from mininet_topos.wamptcp_links import LinkCommandError, OutageRunner, outage
from mininet_topos.wamptcp_net import ScenarioError, ScenarioOptions, WamptcpNetwork
from mininet_topos.wamptcp_provision import MODES
from mininet_topos.wamptcp_traffic import TrafficServer, measure, per_second

DEFAULT_SITE = Path(__file__).with_name("topologies") / "wamptcp.yaml"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mininet_topos.wamptcp",
        description="Start the WaMPTCP gateway scenario in Mininet and run a short demo.",
    )
    parser.add_argument("--site", type=Path, default=DEFAULT_SITE, metavar="FILE")
    parser.add_argument("--target", default="auto", choices=("auto", "bmv2", "p4sim"))
    parser.add_argument("--build-dir", type=Path, default=Path("build"), metavar="DIR")
    parser.add_argument("--log-dir", type=Path, default=Path("build/logs/wamptcp"), metavar="DIR")
    parser.add_argument("--grpc-port-base", type=int, default=9559, metavar="PORT")
    parser.add_argument("--provision", default="auto", choices=MODES)
    parser.add_argument("--demo-time", type=float, default=6.0, metavar="SECONDS")
    parser.add_argument("--no-demo", action="store_true", help="only start and check reachability")
    parser.add_argument("--cli", action="store_true", help="open the Mininet CLI at the end")
    parser.add_argument(
        "--trace", action="store_true", help="switch per-packet trace and pcaps (slow)"
    )
    parser.add_argument("--clean", action="store_true", help="only remove leftovers")
    return parser


def check_reachability(net: WamptcpNetwork) -> bool:
    """Ping the server from every address of every LAN host, IPv4 and IPv6."""
    server = net.site.remote_lan.servers[0].name
    ok = True
    for host in net.site.hosts:
        client = net.host(host.name)
        for address in net.plan.addresses(host.name):
            for family, src, dst in (
                (4, address.ipv4.ip, net.address(server)),
                (6, address.ipv6.ip, net.address(server, family=6)),
            ):
                out = client.cmd(f"ping -{family} -c 2 -i 0.2 -W 2 -I {src} {dst}")
                reached = " 0% packet loss" in out
                ok &= reached
                print(f"wamptcp: ping {host.name} {src} -> {dst}: {'ok' if reached else 'FAILED'}")
    return ok


def _bytes_split(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]) -> str:
    """Share of the remote -> branch bytes (the download direction) on each WAN link."""
    moved = {link: after[link][1] - before[link][1] for link in after}
    total = sum(moved.values()) or 1
    return ", ".join(f"link {link} {100 * n / total:.0f}%" for link, n in sorted(moved.items()))


def _download(net: WamptcpNetwork, host: str, protocol: str, seconds: float) -> tuple[list, dict]:
    server = net.site.remote_lan.servers[0].name
    args = ["--protocol", protocol, "--time", f"{seconds:g}", "--interval", "0.05"]
    args += ["--source", net.address(host)]
    return measure(net.host(host), net.address(server), args, timeout=seconds + 30)


def demo(net: WamptcpNetwork, seconds: float) -> None:
    mptcp_host = next((h.name for h in net.site.hosts if h.mptcp), None)
    if mptcp_host is None:
        print("demo: skipped: the site has no MPTCP host (mptcp: true)")
        return
    legacy = next((h.name for h in net.site.hosts if not h.mptcp), mptcp_host)
    server = TrafficServer(net.host(net.site.remote_lan.servers[0].name))
    try:
        results = {}
        for host, protocol in ((mptcp_host, "mptcp"), (legacy, "tcp")):
            before = net.wan_bytes()
            lines, summary = _download(net, host, protocol, seconds)
            split = _bytes_split(before, net.wan_bytes())
            rates = " ".join(f"{r:5.2f}" for r in per_second(lines, summary["start"]))
            print(f"demo: {host} {protocol.upper()} download, Mbit/s per second: {rates}")
            print(
                f"demo:   goodput {summary['goodput_mbps']:.2f} Mbit/s, MPTCP "
                f"{'yes' if summary['mptcp'] else 'no'}, subflows {summary['subflows']}, "
                f"WAN bytes: {split}"
            )
            results[protocol] = summary["goodput_mbps"]
        if results["tcp"] > 0:
            print(f"demo: MPTCP / TCP goodput ratio: {results['mptcp'] / results['tcp']:.2f}")
        else:
            print("demo: the TCP download got nothing through: no MPTCP / TCP ratio")

        third = seconds / 3
        runner = OutageRunner(outage(1, third, third), net.set_link)
        runner.start()
        try:
            lines, summary = _download(net, mptcp_host, "mptcp", seconds)
            applied = runner.join()
        finally:
            runner.stop()
        start = summary["start"]
        rates = " ".join(f"{r:5.2f}" for r in per_second(lines, start))
        print(f"demo: link 1 blocked {third:.1f}-{2 * third:.1f} s; MPTCP Mbit/s: {rates}")
        for change in applied:
            print(f"demo:   {change.wall - start:6.2f} s link {change.link} "
                  f"{'restored' if change.up else 'blocked'}")
        for event in net.agent_events():
            if event["event"] in ("link_down", "link_up") and event["wall"] >= start:
                print(f"demo:   {event['wall'] - start:6.2f} s {event['role']} agent: "
                      f"{event['event']} link {event['link']}")
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = ScenarioOptions(
        site_path=args.site,
        target=resolve_target(args.target),
        build_dir=args.build_dir,
        log_dir=args.log_dir,
        grpc_port_base=args.grpc_port_base,
        provision=args.provision,
        trace=args.trace,
    )
    try:
        net = WamptcpNetwork(options)
        if args.clean:
            from mininet_topos.cleanup import remove_leftovers

            for item in remove_leftovers(net.node_names(), args.log_dir):
                print(f"cleanup: removed leftover {item}")
            return 0
        print(f"wamptcp: {args.site} on target {options.target}, logs in {args.log_dir}/")
        with net:
            ok = check_reachability(net)
            if ok and not args.no_demo:
                demo(net, args.demo_time)
            if args.cli:
                from mininet.cli import CLI

                CLI(net.net)
        return 0 if ok else 1
    except (
        ScenarioError, SiteError, PlanError, SwitchStartError, ConnectionError, LinkCommandError
    ) as err:
        print(f"wamptcp: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("wamptcp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Bandwidth aggregation through the gateways (seed §3.5.1, Table 3.1).

Method. For each network - 2 or 3 WAN links of --bw Mbit/s, VXLAN tunnels or direct routing -
three ways of downloading from the server are measured, each alone on idle links:

- Plain TCP: the legacy host's TCP connection (with VXLAN tunnel handoff hashes it onto one
  link; with direct routing it takes the link of its source address, the primary one);
- Plain MPTCP: the legacy host with an MPTCP socket: one address, so one subflow, steered by
  its source subnet onto the primary link (MPTCP without WAN awareness);
- WaMPTCP: the WaMPTCP host's MPTCP connection: one address per link, one subflow per link.

Columns: one IPv4 connection, one IPv6 connection, and 4 IPv4 connections at once (their
goodputs summed; several TCP connections are what lets tunnel handoff spread over links,
which only VXLAN allows: direct routing has no tunnel handoff, as in the seed).
A download lasts T seconds (10; --quick 5); its goodput is the mean over [start + 1 s, last
byte], leaving out slow start and the joining of extra subflows. The ratio column divides
WaMPTCP by Plain TCP (issue acceptance: >= 1.8 with 2 links, >= 2.7 with 3).

Outputs: results/wamptcp_aggregation.csv (one row per network, mechanism and column),
wamptcp_aggregation.png (bars), wamptcp_aggregation.json (settings, machine load).
"""

from __future__ import annotations

from typing import Any

from apps.traffic.metrics import intervals_from_lines, mean_goodput
from experiments.wamptcp import common
from experiments.wamptcp.common import Hosts
from mininet_topos.wamptcp_net import WamptcpNetwork
from mininet_topos.wamptcp_traffic import collect, start_client

ROWS = (("Plain TCP", "legacy", "tcp"), ("Plain MPTCP", "legacy", "mptcp"),
        ("WaMPTCP", "mptcp", "mptcp"))  # fmt: skip
COLUMNS = (("IPv4", 4, 1), ("IPv6", 6, 1), ("4x IPv4", 4, 4))


def goodput(net: WamptcpNetwork, host: str, server: str, protocol: str, family: int,
            connections: int, seconds: float) -> tuple[float, int]:
    """(summed goodput in bit/s, most subflows of a connection) of parallel downloads."""
    node = net.host(host)
    args = ["--protocol", protocol, "--source", net.address(host, family=family),
            "--time", f"{seconds:g}", "--interval", f"{common.SAMPLE:g}"]  # fmt: skip
    procs = [
        start_client(node, net.address(server, family=family), args, nice=net.options.nice)
        for _ in range(connections)
    ]
    total, subflows = 0.0, 0
    for proc in procs:
        lines, summary = collect(proc, timeout=seconds + 60)
        total += mean_goodput(intervals_from_lines(lines), summary["start"] + 1, summary["last"])
        subflows = max(subflows, summary["subflows"])
    return total, subflows


def run(args: Any) -> list[dict]:
    seconds = 5.0 if args.quick else 10.0
    rows = []
    for links in (2, 3):
        for mode in ("vxlan", "direct"):
            with common.network(args, common.site_variant(args, links=links, mode=mode)) as net:
                hosts = Hosts(net)
                server = common.start_server(net, hosts)
                try:
                    for column, family, connections in COLUMNS:
                        plain = None
                        for label, role, protocol in ROWS:
                            host = hosts.mptcp if role == "mptcp" else hosts.legacy
                            rate, subflows = goodput(net, host, hosts.server, protocol, family,
                                                     connections, seconds)  # fmt: skip
                            plain = rate if label == "Plain TCP" else plain
                            row = {
                                "links": links, "mode": mode, "column": column,
                                "mechanism": label, "goodput_mbps": round(rate / 1e6, 3),
                                "subflows": subflows,
                                "ratio_to_plain_tcp": round(rate / plain, 3) if plain else None,
                            }  # fmt: skip
                            rows.append(row)
                            print(
                                f"{links} links {mode:6} {column:8} {label:12} "
                                f"{row['goodput_mbps']:7.2f} Mbit/s subflows {subflows} "
                                f"ratio {row['ratio_to_plain_tcp']}",
                                flush=True,
                            )
                finally:
                    server.stop()
    return rows


def plot(rows: list[dict], path: Any) -> None:
    plt = common.pyplot()
    networks = sorted({(r["links"], r["mode"]) for r in rows})
    fig, axes = plt.subplots(1, len(networks), figsize=(4.5 * len(networks), 4), sharey=True)
    for axis, (links, mode) in zip(axes, networks, strict=True):
        for index, (label, _role, _protocol) in enumerate(ROWS):
            values = [
                next(r["goodput_mbps"] for r in rows if (r["links"], r["mode"], r["column"],
                     r["mechanism"]) == (links, mode, column, label))
                for column, _f, _c in COLUMNS
            ]  # fmt: skip
            xs = [c + (index - 1) * 0.27 for c in range(len(COLUMNS))]
            axis.bar(xs, values, width=0.27, label=label)
        axis.set_xticks(range(len(COLUMNS)), [c for c, _f, _n in COLUMNS])
        axis.set_title(f"{links} links, {mode}")
    axes[0].set_ylabel("goodput (Mbit/s)")
    axes[0].legend()
    common.save_figure(fig, path)


def acceptance(rows: list[dict]) -> list[str]:
    lines = []
    for links, target in ((2, 1.8), (3, 2.7)):
        for mode in ("vxlan", "direct"):
            ratio = next(
                (r["ratio_to_plain_tcp"] for r in rows if r["links"] == links
                 and r["mode"] == mode and r["column"] == "IPv4" and r["mechanism"] == "WaMPTCP"),
                None,
            )  # fmt: skip
            lines.append(f"{links} links {mode}: WaMPTCP / plain TCP (IPv4) = "
                         f"{common.fmt(ratio)}; target >= {target}")  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args(argv)
    rows = run(args)
    common.write_csv(args.results / "wamptcp_aggregation.csv", rows)
    plot(rows, args.results / "wamptcp_aggregation.png")
    checks = acceptance(rows)
    common.write_metadata(args.results / "wamptcp_aggregation.json", args, acceptance=checks)
    for line in checks:
        print(f"acceptance: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

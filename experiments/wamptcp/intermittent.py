"""Applications over an intermittent link (seed §3.5.5, Tables 3.4 and 3.5).

Method. One network (2 WAN links of --bw Mbit/s, VXLAN). The primary link - for MPTCP the
primary link, for the tunnel-handoff TCP connection the link it was hashed onto - is blocked
and restored every `period` seconds (1, 2, 3, 4 s: off half of the time; "none": never),
starting 3 s after the client starts; the other link stays healthy. For each mechanism
(Tunnel Handoff, WaMPTCP, WaMPTCP+RO) and BFD interval (1 s, 100 ms):

- download: the client downloads SIZE bytes (48 MiB; --quick 16 MiB) and reports the time
  from its connect to the last byte (Table 3.4, seed: wget of 2 GB at 100 Mbit/s). A download
  not done within CAP seconds (180; --quick 60) is reported as "> CAP";
- transactions: back-to-back 1-byte request / 1-byte response for T seconds (20; --quick 8), as
  netperf TCP_RR (Table 3.5); the rate is counted over the flapping part, from 3 s to T.

--quick runs only BFD 100 ms and the periods 1 s and none.

Outputs: results/wamptcp_intermittent.csv (one row per mechanism, BFD and period),
wamptcp_intermittent.png (download time and transaction rate against the period),
wamptcp_intermittent.json (settings, machine load).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.traffic.metrics import intervals_from_lines, mean_rate
from experiments.wamptcp import common
from experiments.wamptcp.common import MECHANISMS, Hosts
from mininet_topos.wamptcp_links import LinkChange, flapping

FLAP_START = 3.0
MIB = 1024 * 1024
CAP, CAP_QUICK = 180.0, 60.0


def schedule(period: float | None, end: float):  # noqa: ANN201 - a schedule builder
    def build(link: int) -> list[LinkChange]:
        return [] if period is None else flapping(link, period, FLAP_START, end)

    return build


def run(args: Any) -> list[dict]:
    size = (16 if args.quick else 48) * MIB
    cap = CAP_QUICK if args.quick else CAP
    rr_time = 8.0 if args.quick else 20.0
    bfds = (100,) if args.quick else (1000, 100)
    periods: Sequence[float | None] = (1.0, None) if args.quick else (1.0, 2.0, 3.0, 4.0, None)
    rows = []
    with common.network(args, common.site_variant(args, links=2)) as net:
        hosts = Hosts(net)
        server = common.start_server(net, hosts)
        try:
            for mechanism in MECHANISMS:
                for bfd in bfds:
                    net.start_agents(bfd, mechanism.recovery_optimization)
                    for period in periods:
                        download = common.run_trial(
                            net, hosts, mechanism,
                            ["--mode", "download", "--bytes", str(size), "--time", f"{cap:g}",
                             "--interval", "0.1"],
                            schedule(period, cap), timeout=cap + 60,
                        )  # fmt: skip
                        done = download.summary["bytes"] == size
                        rr = common.run_trial(
                            net, hosts, mechanism,
                            ["--mode", "rr", "--time", f"{rr_time:g}", "--interval", "0.1"],
                            schedule(period, rr_time), timeout=rr_time + 60,
                        )  # fmt: skip
                        start = rr.summary["start"]
                        rate = mean_rate(
                            intervals_from_lines(rr.lines, "transactions"),
                            start + FLAP_START,
                            start + rr_time,
                        )
                        row = {
                            "mechanism": mechanism.label,
                            "bfd_ms": bfd,
                            "period_s": "none" if period is None else period,
                            "download_s": round(download.summary["elapsed"], 2) if done else None,
                            "download_done": done,
                            "download_mbps": download.summary.get("goodput_mbps"),
                            "transactions_per_s": round(rate, 1),
                            "false_alarms": download.false_alarms() + rr.false_alarms(),
                        }
                        rows.append(row)
                        shown = row["download_s"] if done else f"> {cap:g}"
                        print(f"{mechanism.label:<15} BFD {bfd:>4} ms period {row['period_s']}: "
                              f"download {shown} s, {row['transactions_per_s']} transactions/s, "
                              f"false alarms {row['false_alarms']}", flush=True)  # fmt: skip
        finally:
            server.stop()
    return rows


def plot(rows: Sequence[dict], path: Any, cap: float) -> None:
    plt = common.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    periods = sorted({str(r["period_s"]) for r in rows}, key=lambda p: (p == "none", p))
    for mechanism in MECHANISMS:
        for bfd in sorted({r["bfd_ms"] for r in rows}):
            mine = {str(r["period_s"]): r for r in rows
                    if r["mechanism"] == mechanism.label and r["bfd_ms"] == bfd}  # fmt: skip
            if not mine:
                continue
            label = f"{mechanism.label}, BFD {bfd} ms"
            left.plot(periods, [mine[p]["download_s"] or cap for p in periods], "o-", label=label)
            right.plot(periods, [mine[p]["transactions_per_s"] for p in periods], "o-",
                       label=label)  # fmt: skip
    left.set_title(f"download time (s; {cap:g} = not done)")
    right.set_title("transactions per second")
    for axis in (left, right):
        axis.set_xlabel("time between link events (s)")
    right.legend(fontsize="small")
    common.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args(argv)
    rows = run(args)
    common.write_csv(args.results / "wamptcp_intermittent.csv", rows)
    plot(rows, args.results / "wamptcp_intermittent.png", CAP_QUICK if args.quick else CAP)
    common.write_metadata(args.results / "wamptcp_intermittent.json", args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

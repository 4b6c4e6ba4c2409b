"""Handoff metrics (seed §3.4-3.5.3, Table 3.2, Figs. 3.13-3.15): T-throughput and T-latency.

Method. One network (2 WAN links of --bw Mbit/s, VXLAN). For each mechanism (Tunnel Handoff,
WaMPTCP, WaMPTCP+RO; see common.py) and BFD interval (1 s and 100 ms, multiplier 3), the
agents are restarted with those settings and two kinds of trial run, each `reps` times:

- throughput trial: a download (server -> client) of PRE + OUTAGE + POST seconds, goodput
  every 50 ms; the link is blocked (both directions, silently) PRE seconds after the client
  starts and restored OUTAGE seconds later (seed: 5 s, 10 s);
- latency trial: the client sends 200 records/s of 64 bytes (upload) under the same schedule;
  each record's send and receive time is logged.

Metrics (definitions in apps/traffic/metrics.py):
- G = mean goodput over the `window` seconds before the block; a connection used `n` links
  before (n = links for MPTCP, 1 for TCP), so its per-link share is G / n;
- T-throughput-failover: from the block, fair share = per-link share x links it can still use
  (links - 1 for MPTCP, 1 for TCP), horizon = the outage;
- T-throughput-failover (links): the same on the healthy links' own throughput (WAN byte
  counters every 50 ms, remote -> branch), fair share = their pre-block per-link average
  times the links left: whether the healthy subflow kept going, whatever the application saw;
- T-throughput-recovery: from the restore, fair share = G, horizon = POST;
- T-latency-failover / -recovery: from the block / restore, horizon = OUTAGE / POST.
The table reports the median over the repetitions; every trial is in the raw CSV with the BFD
detection delays (agent events) and false alarms (link_down without an outage).

Hosts keep the kernel's socket buffers unless --socket-buffer says otherwise; with `auto`
(mininet_topos/mptcp_buffers.py explains the trade-off) the healthy subflow keeps its rate
through a failover while the application waits longer for the lost data. --mechanisms and
--bfd run a subset (use another --results directory for it).

Outputs: results/wamptcp_handoff.csv (every trial), wamptcp_handoff_summary.csv (medians),
wamptcp_handoff.png (bars per metric), wamptcp_handoff.json (settings, machine load).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from apps.traffic.metrics import (
    Interval,
    intervals_from_lines,
    mean_goodput,
    records_from_lines,
    t_latency,
    t_throughput,
)
from experiments.wamptcp import common
from experiments.wamptcp.common import MECHANISMS, Hosts, Mechanism, Trial
from mininet_topos.wamptcp_links import outage

BFD_MS = (1000, 100)
METRICS = (
    "t_thr_failover",
    "t_thr_failover_links",
    "t_lat_failover",
    "t_thr_recovery",
    "t_lat_recovery",
)


def detection(trial: Trial, up: bool) -> float | None:
    """Seconds from the change to the later of the two agents' matching event."""
    change = trial.change_time(up)
    kind = "link_up" if up else "link_down"
    times = {
        event["role"]: event["wall"] - change
        for event in reversed(trial.events)
        if event["event"] == kind and event["link"] == trial.link and event["wall"] >= change
    }
    return max(times.values()) if len(times) == 2 else None


def healthy_links(trial: Trial) -> list[Interval]:
    """The summed throughput series of the links other than the blocked one."""
    others = [series for link, series in trial.link_series.items() if link != trial.link]
    return [
        Interval(parts[0].end, parts[0].seconds, sum(p.count for p in parts))
        for parts in zip(*others, strict=True)
    ]


def throughput_metrics(trial: Trial, mechanism: Mechanism, links: int, window: float) -> dict:
    down, up = trial.change_time(False), trial.change_time(True)
    intervals = intervals_from_lines(trial.lines)
    goodput = mean_goodput(intervals, down - window, down)
    used = links if mechanism.mptcp else 1
    left = links - 1 if mechanism.mptcp else 1
    end = trial.summary["last"]
    wan_total = sum(
        mean_goodput(series, down - window, down) for series in trial.link_series.values()
    )
    return {
        "pre_goodput_mbps": round(goodput / 1e6, 3),
        "t_thr_failover": t_throughput(intervals, down, goodput / used * left, horizon=up - down),
        "t_thr_failover_links": t_throughput(
            healthy_links(trial), down, wan_total / used * left, horizon=up - down
        ),
        "t_thr_recovery": t_throughput(intervals, up, goodput, horizon=end - up),
        "detect_down_s": detection(trial, up=False),
        "detect_up_s": detection(trial, up=True),
    }


def latency_metrics(trial: Trial) -> dict:
    down, up = trial.change_time(False), trial.change_time(True)
    records = records_from_lines(trial.lines, sent=trial.summary.get("sent"))
    end = max(r.sent for r in records)
    return {
        "t_lat_failover": t_latency(records, down, horizon=up - down),
        "t_lat_recovery": t_latency(records, up, horizon=end - up),
    }


def run(args: Any) -> list[dict]:
    pre, length, post = (3.0, 4.0, 5.0) if args.quick else (5.0, 10.0, 10.0)
    reps = 1 if args.quick else args.reps
    window = min(2.5, pre - 1.5)
    duration = pre + length + post
    rows = []
    with common.network(args, common.site_variant(args, links=2)) as net:
        hosts = Hosts(net)
        links = len(net.site.wan_links)
        server = common.start_server(net, hosts)
        try:
            for mechanism in selected(args):
                for bfd in args.bfd:
                    net.start_agents(bfd, mechanism.recovery_optimization)
                    for rep in range(reps):
                        row = {"mechanism": mechanism.label, "bfd_ms": bfd, "rep": rep}
                        trial = common.outage_download(net, hosts, mechanism, pre, length, duration)
                        row["link"] = trial.link
                        row.update(throughput_metrics(trial, mechanism, links, window))
                        false_alarms = trial.false_alarms()
                        trial = common.run_trial(
                            net, hosts, mechanism,
                            ["--mode", "records", "--direction", "up", "--rate", "200",
                             "--time", f"{duration:g}"],
                            lambda link: outage(link, pre, length),
                            timeout=duration + 60,
                        )  # fmt: skip
                        row.update(latency_metrics(trial))
                        row["false_alarms"] = false_alarms + trial.false_alarms()
                        rows.append({k: _round(v) for k, v in row.items()})
                        print(_line(row), flush=True)
        finally:
            server.stop()
    return rows


def selected(args: Any) -> list[Mechanism]:
    return [m for m in MECHANISMS if m.key in args.mechanisms]


def _round(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def _line(row: dict) -> str:
    shown = " ".join(f"{m}={common.fmt(row.get(m))}" for m in METRICS)
    return (
        f"{row['mechanism']:<15} BFD {row['bfd_ms']:>4} ms rep {row['rep']}: "
        f"G={row['pre_goodput_mbps']} Mbit/s {shown} false_alarms={row['false_alarms']}"
    )


def summarize(rows: Sequence[dict]) -> list[dict]:
    """Median of each metric per (mechanism, BFD); None (not repaired) counts as missing,
    and the summary says how many repetitions it had."""
    summary = []
    for mechanism in MECHANISMS:
        for bfd in sorted({r["bfd_ms"] for r in rows}, reverse=True):
            group = [r for r in rows if r["mechanism"] == mechanism.label and r["bfd_ms"] == bfd]
            if not group:
                continue
            entry: dict[str, Any] = {"mechanism": mechanism.label, "bfd_ms": bfd}
            entry["reps"] = len(group)
            for metric in (*METRICS, "detect_down_s", "detect_up_s", "pre_goodput_mbps"):
                values = [r[metric] for r in group if r[metric] is not None]
                entry[metric] = round(statistics.median(values), 3) if values else None
            entry["false_alarms"] = sum(r["false_alarms"] for r in group)
            summary.append(entry)
    return summary


def plot(summary: Sequence[dict], path: Any) -> None:
    plt = common.pyplot()
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4 * len(METRICS), 4), sharey=True)
    labels = [f"{m.label}" for m in MECHANISMS]
    for axis, metric in zip(axes, METRICS, strict=True):
        for offset, bfd in enumerate(sorted({e["bfd_ms"] for e in summary}, reverse=True)):
            values = [
                next((e[metric] for e in summary
                      if e["mechanism"] == label and e["bfd_ms"] == bfd), None)
                for label in labels
            ]  # fmt: skip
            xs = [i + (offset - 0.5) * 0.38 for i in range(len(labels))]
            axis.bar(xs, [v or 0 for v in values], width=0.38, label=f"BFD {bfd} ms")
            for x, value in zip(xs, values, strict=True):
                if value is None:  # not repaired within the horizon in any repetition
                    axis.text(x, 0, "n/a", ha="center", va="bottom", rotation=90)
        axis.set_title(metric.replace("_", " "))
        axis.set_xticks(range(len(labels)), labels, rotation=20)
    axes[0].set_ylabel("seconds")
    axes[0].legend()
    common.save_figure(fig, path)


def acceptance(summary: Sequence[dict]) -> list[str]:
    """The issue's acceptance checks on the BFD 100 ms medians, as lines to print."""

    def get(label: str, metric: str) -> float | None:
        return next(
            (e[metric] for e in summary if e["mechanism"] == label and e["bfd_ms"] == 100), None
        )

    wam_f = get("WaMPTCP", "t_thr_failover")
    wam_fl = get("WaMPTCP", "t_thr_failover_links")
    th_l = get("Tunnel Handoff", "t_lat_failover")
    ro_r, wam_r = get("WaMPTCP+RO", "t_thr_recovery"), get("WaMPTCP", "t_thr_recovery")
    ratio = None if not ro_r or wam_r is None else wam_r / ro_r
    return [
        f"WaMPTCP T-throughput-failover = {common.fmt(wam_f)} s (application goodput), "
        f"{common.fmt(wam_fl)} s (healthy link throughput); target 0",
        f"Tunnel Handoff T-latency-failover = {common.fmt(th_l)} s; target <= 0.6",
        f"WaMPTCP+RO T-throughput-recovery = {common.fmt(ro_r)} s (target <= 1.5), "
        f"WaMPTCP {common.fmt(wam_r)} s, ratio {common.fmt(ratio)} (target >= 3; "
        f"ratio inf when RO is 0)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (full mode)")
    parser.add_argument(
        "--mechanisms", nargs="+", default=[m.key for m in MECHANISMS],
        choices=[m.key for m in MECHANISMS], help="mechanisms to run (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--bfd", nargs="+", type=int, default=list(BFD_MS), metavar="MS",
        help=f"BFD intervals in ms (default: {' '.join(map(str, BFD_MS))})",
    )  # fmt: skip
    args = parser.parse_args(argv)
    rows = run(args)
    summary = summarize(rows)
    out = args.results
    common.write_csv(out / "wamptcp_handoff.csv", rows)
    common.write_csv(out / "wamptcp_handoff_summary.csv", summary)
    plot(summary, out / "wamptcp_handoff.png")
    checks = acceptance(summary)
    common.write_metadata(out / "wamptcp_handoff.json", args, acceptance=checks)
    for entry in summary:
        print(_line({**entry, "rep": "median"}))
    for line in checks:
        print(f"acceptance: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

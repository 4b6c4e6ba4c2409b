"""Throughput over time around an outage, one panel per mechanism (seed Figs. 3.9, 3.11, 3.12).

Method. One network (2 WAN links of --bw Mbit/s, VXLAN), agents with BFD --bfd-ms (default
1000, as in the seed's traces) and RO as the mechanism needs. For each mechanism (Tunnel
Handoff, WaMPTCP, WaMPTCP+RO) one download of 25 s (--quick 12 s) runs; the link that carries
it (MPTCP: the primary link) is blocked after 5 s (3 s) and restored after another 10 s (4 s).
Recorded every 50 ms: the application's goodput and each WAN link's throughput (byte counters
of the remote gateway's WAN interfaces, download direction); plotted as 200 ms averages with
the outage shaded and the agents' link_down / link_up events marked.

Outputs: results/wamptcp_traces.csv (time from the client's start, mechanism, goodput and
per-link Mbit/s per 200 ms), wamptcp_traces.png, wamptcp_traces.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.traffic.metrics import Interval, intervals_from_lines
from experiments.wamptcp import common
from experiments.wamptcp.common import MECHANISMS, Hosts, Trial

BIN = 0.2  # seconds per plotted point


def binned(intervals: Sequence[Interval], start: float, end: float) -> list[float]:
    """Mbit/s per BIN seconds from `start` to `end` (intervals counted at their end time)."""
    count = int((end - start) / BIN)
    sums = [0] * count
    for interval in intervals:
        index = int((interval.end - start - 1e-9) // BIN)
        if 0 <= index < count:
            sums[index] += interval.count
    return [total * 8 / BIN / 1e6 for total in sums]


def rows_of(trial: Trial, label: str) -> list[dict]:
    start = trial.summary["start"]
    end = trial.summary["last"]
    goodput = binned(intervals_from_lines(trial.lines), start, end)
    per_link = {link: binned(series, start, end) for link, series in trial.link_series.items()}
    rows = []
    for index, value in enumerate(goodput):
        row = {"t": round((index + 1) * BIN, 3), "mechanism": label,
               "goodput_mbps": round(value, 3)}  # fmt: skip
        for link, values in sorted(per_link.items()):
            row[f"link{link}_mbps"] = round(values[index], 3)
        rows.append(row)
    return rows


def run(args: Any) -> tuple[list[dict], dict[str, Trial]]:
    pre, length, post = (3.0, 4.0, 5.0) if args.quick else (5.0, 10.0, 10.0)
    duration = pre + length + post
    rows: list[dict] = []
    trials = {}
    with common.network(args, common.site_variant(args, links=2)) as net:
        hosts = Hosts(net)
        server = common.start_server(net, hosts)
        try:
            for mechanism in MECHANISMS:
                net.start_agents(args.bfd_ms, mechanism.recovery_optimization)
                trial = common.outage_download(net, hosts, mechanism, pre, length, duration)
                trials[mechanism.label] = trial
                rows += rows_of(trial, mechanism.label)
                print(f"{mechanism.label}: link {trial.link} blocked, "
                      f"{trial.false_alarms()} false alarms", flush=True)  # fmt: skip
        finally:
            server.stop()
    return rows, trials


def plot(rows: Sequence[dict], trials: dict[str, Trial], path: Any, bfd_ms: int) -> None:
    plt = common.pyplot()
    fig, axes = plt.subplots(len(trials), 1, figsize=(9, 2.6 * len(trials)), sharex=True)
    for axis, (label, trial) in zip(axes, trials.items(), strict=True):
        mine = [r for r in rows if r["mechanism"] == label]
        times = [r["t"] for r in mine]
        axis.plot(times, [r["goodput_mbps"] for r in mine], label="goodput", color="black")
        for key in sorted(k for k in mine[0] if k.startswith("link")):
            axis.plot(times, [r[key] for r in mine], label=key.replace("_mbps", ""), alpha=0.7)
        start = trial.summary["start"]
        down, up = trial.change_time(False) - start, trial.change_time(True) - start
        axis.axvspan(down, up, color="red", alpha=0.1, label=f"link {trial.link} blocked")
        for event in trial.events:
            if event["event"] in ("link_down", "link_up") and event["role"] == "branch":
                axis.axvline(event["wall"] - start, linestyle=":", color="grey")
        axis.set_title(f"{label} (BFD {bfd_ms} ms; dotted: branch agent link events)")
        axis.set_ylabel("Mbit/s")
        axis.legend(loc="upper right", fontsize="small")
    axes[-1].set_xlabel("seconds since the client started")
    common.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--bfd-ms", type=int, default=1000)
    args = parser.parse_args(argv)
    rows, trials = run(args)
    common.write_csv(args.results / "wamptcp_traces.csv", rows)
    plot(rows, trials, args.results / "wamptcp_traces.png", args.bfd_ms)
    common.write_metadata(args.results / "wamptcp_traces.json", args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

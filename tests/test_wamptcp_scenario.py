"""The WaMPTCP scenario's pure parts: link shaping and outage commands, schedules, the
schedule runner, the quiet switch command, host configuration from the subnet plan.

No root, no Mininet: commands are checked as text, the runner with a recording `apply`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from controller.wamptcp.plan import make_plan
from controller.wamptcp.site import load_site
from mininet_topos.launch import SwitchLaunch
from mininet_topos.wamptcp_links import (
    LinkChange,
    OutageRunner,
    block_commands,
    flapping,
    outage,
    shaping_commands,
    unblock_commands,
)
from mininet_topos.wamptcp_provision import dhcp_config, static_plan

SITE = Path(__file__).resolve().parents[1] / "mininet_topos" / "topologies" / "wamptcp.yaml"


def test_shaping_is_htb_with_a_replaceable_leaf() -> None:
    assert shaping_commands("gw_b-eth1", 10, 50, None) == [
        "qdisc replace dev gw_b-eth1 root handle 5: htb default 1",
        "class replace dev gw_b-eth1 parent 5: classid 5:1 htb rate 10mbit burst 15k",
        "qdisc replace dev gw_b-eth1 parent 5:1 handle 10: pfifo limit 50",
    ]
    assert shaping_commands("x", None, 20, "5ms")[1:] == [
        "class replace dev x parent 5: classid 5:1 htb rate 10000mbit burst 15k",
        "qdisc replace dev x parent 5:1 handle 10: netem delay 5ms limit 20",
    ]


def test_block_and_unblock_swap_the_leaf_at_both_ends() -> None:
    assert block_commands(["a", "b"]) == [
        "qdisc replace dev a parent 5:1 blackhole",
        "qdisc replace dev b parent 5:1 blackhole",
    ]
    assert unblock_commands(["a"], 50, None) == [
        "qdisc replace dev a parent 5:1 handle 10: pfifo limit 50"
    ]


def test_outage_and_flapping_schedules() -> None:
    assert outage(2, 5.0, 10.0) == [LinkChange(5.0, 2, False), LinkChange(15.0, 2, True)]
    assert flapping(1, 1.0, 1.0, 4.5) == [
        LinkChange(1.0, 1, False),
        LinkChange(2.0, 1, True),
        LinkChange(3.0, 1, False),
        LinkChange(4.0, 1, True),
    ]
    assert flapping(1, 2.0, 1.0, 4.0) == [
        LinkChange(1.0, 1, False),
        LinkChange(3.0, 1, True),
    ]
    assert flapping(1, 1.0, 0.0, 2.5)[-1] == LinkChange(2.5, 1, True)  # never left down
    with pytest.raises(ValueError, match="period must be positive"):
        flapping(1, 0, 0, 1)


def test_runner_applies_on_time_and_records_wall_times() -> None:
    calls: list[tuple[int, bool]] = []
    runner = OutageRunner(outage(3, 0.05, 0.1), lambda link, up: calls.append((link, up)))
    start = time.time()
    runner.start(at=start)
    applied = runner.join()
    assert calls == [(3, False), (3, True)]
    assert [(c.link, c.up) for c in applied] == calls
    assert applied[0].wall - start == pytest.approx(0.05, abs=0.04)
    assert applied[1].wall - start == pytest.approx(0.15, abs=0.04)


def test_stopping_early_restores_a_blocked_link() -> None:
    calls: list[tuple[int, bool]] = []
    runner = OutageRunner(outage(1, 0.0, 30.0), lambda link, up: calls.append((link, up)))
    runner.start()
    deadline = time.time() + 2
    while not calls and time.time() < deadline:
        time.sleep(0.01)
    runner.stop()
    assert calls == [(1, False), (1, True)]


def test_runner_reraises_a_failing_change() -> None:
    def broken(link: int, up: bool) -> None:
        raise RuntimeError("tc failed")

    runner = OutageRunner([LinkChange(0.0, 1, False)], broken)
    runner.start()
    with pytest.raises(RuntimeError, match="tc failed"):
        runner.join()


def test_quiet_switch_command_has_no_trace_and_no_pcap() -> None:
    launch = SwitchLaunch(
        "gw_b", "p4sim", {1: "gw_b-eth1"}, 0, 9559, Path("/tmp/logs"), cpu_port=255, trace=False
    )
    command = launch.command()
    assert "--log-console" not in command and "--pcap" not in command
    assert str(Path("/tmp/logs/pcaps")) not in command
    assert command[command.index("-i") + 1] == "1@gw_b-eth1"
    assert command[command.index("--cpu-port") + 1] == "255"


def test_hosts_are_configured_as_the_plan_says() -> None:
    site = load_site(SITE)
    plan = make_plan(site)
    h1 = static_plan(site, plan, "h1", "h1-eth0")
    assert [str(a) for a in h1.ipv4] == ["10.1.0.10/24", "10.2.0.10/24"]
    assert [str(a) for a in h1.ipv6] == ["fd00:1::a/64", "fd00:2::a/64"]
    assert (str(h1.router_v4), str(h1.router_v6)) == ("10.1.0.1", "fd00:1::1")
    assert [str(a) for a in h1.endpoints()] == ["10.2.0.10", "fd00:2::a"]
    legacy = static_plan(site, plan, "hl", "hl-eth0")
    assert [str(a) for a in legacy.ipv4] == ["10.1.1.10/24"] and legacy.endpoints() == []
    server = static_plan(site, plan, "srv", "srv-eth0")
    assert (str(server.ipv4[0]), str(server.router_v4)) == ("10.100.0.10/24", "10.100.0.1")


def test_dhcp_pools_hold_exactly_the_planned_addresses() -> None:
    site = load_site(SITE)
    assert dhcp_config(site, make_plan(site), "lan1") == {
        "server_id": "10.1.0.1",
        "lease_time": 86400,
        "subnets": [
            {"subnet": "10.1.0.0/24", "pool": "10.1.0.10-10.1.0.10", "router": "10.1.0.1"},
            {"subnet": "10.2.0.0/24", "pool": "10.2.0.10-10.2.0.10", "router": "10.2.0.1"},
        ],
    }


def _trial(applied: list[tuple[float, int, bool]], events: list[tuple[str, str, int, float]]):
    from experiments.wamptcp.common import Trial
    from mininet_topos.wamptcp_links import AppliedChange

    return Trial(
        lines=[],
        summary={},
        link=1,
        applied=[AppliedChange(wall, link, up) for wall, link, up in applied],
        events=[
            {"event": kind, "role": role, "link": link, "wall": wall}
            for kind, role, link, wall in events
        ],
    )


def test_false_alarms_are_link_downs_without_a_block() -> None:
    trial = _trial(
        [(10.0, 1, False), (20.0, 1, True)],
        [
            ("link_down", "branch", 1, 10.3),  # detection of the block
            ("link_down", "remote", 2, 12.0),  # link 2 was never blocked
            ("link_up", "remote", 2, 12.4),
            ("link_up", "branch", 1, 20.2),
            ("link_down", "branch", 1, 40.0),  # long after the block
        ],
    )
    assert trial.false_alarms() == 2


def test_detection_is_the_later_of_both_agents() -> None:
    from experiments.wamptcp.handoff import detection

    trial = _trial(
        [(10.0, 1, False), (20.0, 1, True)],
        [
            ("link_down", "branch", 1, 10.25),
            ("link_down", "remote", 1, 10.31),
            ("link_up", "branch", 1, 20.2),
        ],
    )
    assert detection(trial, up=False) == pytest.approx(0.31)
    assert detection(trial, up=True) is None  # the remote agent never saw it come back


def test_trace_bins_average_the_samples() -> None:
    from apps.traffic.metrics import Interval
    from experiments.wamptcp.traces import binned

    samples = [Interval(round(0.05 * k, 2), 0.05, 12500) for k in range(1, 9)]  # 2 Mbit/s
    assert binned(samples, 0.0, 0.4) == pytest.approx([2.0, 2.0])

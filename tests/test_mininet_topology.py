"""Tests of the topology format, route computation, netem fallback and target choice.

None of these need root or Mininet: they check the plain data the Mininet scenario is built
from, so `make test` covers them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mininet_topos.netem import usable_link_options
from mininet_topos.routes import Route, compute_routes
from mininet_topos.run import DEFAULT_TOPOLOGY
from mininet_topos.targets import program_files, resolve_target
from mininet_topos.topology import (
    HostSpec,
    LinkSpec,
    SwitchSpec,
    TopologyError,
    load_topology,
    parse_topology,
)

TRIANGLE_OPTIONS = (("bw", 10), ("delay", "1ms"))


def test_default_scenario_is_a_triangle_of_three_switches() -> None:
    topo = load_topology(DEFAULT_TOPOLOGY)
    assert topo.program == "basic"
    assert topo.hosts == {
        "h1": HostSpec("h1", "10.0.1.1/24", "08:00:00:00:01:11", "10.0.1.254"),
        "h2": HostSpec("h2", "10.0.2.2/24", "08:00:00:00:02:22", "10.0.2.254"),
        "h3": HostSpec("h3", "10.0.3.3/24", "08:00:00:00:03:33", "10.0.3.254"),
    }
    assert topo.switches == {
        "s1": SwitchSpec("s1", "02:00:00:00:00:01"),
        "s2": SwitchSpec("s2", "02:00:00:00:00:02"),
        "s3": SwitchSpec("s3", "02:00:00:00:00:03"),
    }
    assert topo.links == (
        LinkSpec("h1", "s1", 0, 1),
        LinkSpec("h2", "s2", 0, 1),
        LinkSpec("h3", "s3", 0, 1),
        LinkSpec("s1", "s2", 2, 2, TRIANGLE_OPTIONS),
        LinkSpec("s2", "s3", 3, 2, TRIANGLE_OPTIONS),
        LinkSpec("s1", "s3", 3, 3, TRIANGLE_OPTIONS),
    )
    assert topo.attachment("h2") == ("s2", 1)


def test_routes_of_the_triangle_use_the_direct_links() -> None:
    s1, s2, s3 = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"
    assert compute_routes(load_topology(DEFAULT_TOPOLOGY)) == {
        "s1": [
            Route("10.0.1.1/32", "08:00:00:00:01:11", 1),
            Route("10.0.2.2/32", s2, 2),
            Route("10.0.3.3/32", s3, 3),
        ],
        "s2": [
            Route("10.0.1.1/32", s1, 2),
            Route("10.0.2.2/32", "08:00:00:00:02:22", 1),
            Route("10.0.3.3/32", s3, 3),
        ],
        "s3": [
            Route("10.0.1.1/32", s1, 3),
            Route("10.0.2.2/32", s2, 2),
            Route("10.0.3.3/32", "08:00:00:00:03:33", 1),
        ],
    }


def test_routes_of_a_line_go_through_the_middle_switch() -> None:
    topo = parse_topology(
        {
            "hosts": {"a": {"ip": "10.1.0.1/16"}, "b": {"ip": "10.2.0.1/16", "gw": "10.2.0.9"}},
            "switches": {"sa": None, "sm": {"mac": "0A:00:00:00:00:AA"}, "sb": {}},
            "links": [["sa", "sm"], ["sm", "sb"], ["a", "sa"], {"nodes": ["sb", "b"]}],
        }
    )
    assert topo.program == "basic"
    assert topo.hosts["a"] == HostSpec("a", "10.1.0.1/16", "08:00:0a:01:00:01", "10.1.255.254")
    assert topo.hosts["b"].gateway == "10.2.0.9"
    assert topo.switches["sm"].mac == "0a:00:00:00:00:aa"
    assert compute_routes(topo) == {
        "sa": [
            Route("10.1.0.1/32", "08:00:0a:01:00:01", 2),
            Route("10.2.0.1/32", "0a:00:00:00:00:aa", 1),
        ],
        "sm": [
            Route("10.1.0.1/32", "02:00:00:00:00:01", 1),
            Route("10.2.0.1/32", "02:00:00:00:00:03", 2),
        ],
        "sb": [
            Route("10.1.0.1/32", "0a:00:00:00:00:aa", 1),
            Route("10.2.0.1/32", "08:00:0a:02:00:01", 2),
        ],
    }


def _topo(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "hosts": {"h1": {"ip": "10.0.1.1/24"}, "h2": {"ip": "10.0.2.2/24"}},
        "switches": {"s1": {}, "s2": {}},
        "links": [["h1", "s1"], ["h2", "s2"], ["s1", "s2"]],
    }
    return base | changes


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "top level: expected a mapping, got list"),
        (
            _topo(extra=1),
            "top level: unknown key(s) extra; allowed: program, hosts, switches, links",
        ),
        (_topo(hosts={"h1": {"mac": "08:00:00:00:00:01"}}), "hosts.h1: ip is required"),
        (_topo(hosts={"h1": {"ip": "10.0.1.300/24"}}), "hosts.h1: '10.0.1.300/24' is not an IPv4"),
        (_topo(hosts={"h1": {"ip": "10.0.1.1"}}), "hosts.h1: give the subnet as a prefix"),
        (
            _topo(hosts={"h1": {"ip": "10.0.1.1/24", "gw": "10.0.2.1"}}),
            "hosts.h1.gw: 10.0.2.1 must be another address in 10.0.1.0/24",
        ),
        (
            _topo(hosts={"h1": {"ip": "10.0.1.1/24", "mac": "08:00"}}),
            "hosts.h1.mac: '08:00' is not a MAC address",
        ),
        (_topo(hosts={"h1": {"ip": "10.0.1.1/24", "vlan": 3}}), "hosts.h1: unknown key(s) vlan"),
        (
            _topo(hosts={"h1": {"ip": "10.0.1.1/24"}, "h2": {"ip": "10.0.1.1/16"}}),
            "hosts.h2: same address as h1 (10.0.1.1)",
        ),
        (
            _topo(hosts={"host_number_12": {"ip": "10.0.1.1/24"}}),
            "hosts.host_number_12: 'host_number_12' is not a node name",
        ),
        (_topo(switches={"s1": {}, "h1": {}}), "switches.h1: h1 is also a host"),
        (_topo(links=[["h1", "s1"], ["h2", "s3"]]), "links[1]: unknown node 's3'"),
        (_topo(links=[["h1", "h2"]]), "links[0]: hosts h1 and h2 must connect through a switch"),
        (_topo(links=[["h1", "s1", "s2"]]), "links[0]: expected two node names"),
        (_topo(links=[["s1", "s1"]]), "links[0]: a link needs two different nodes"),
        (
            _topo(links=[["h1", "s1"], ["h1", "s2"], ["h2", "s2"]]),
            "hosts.h1: has 2 links; a host needs exactly one",
        ),
        (_topo(links=[["h1", "s1"]]), "hosts.h2: has 0 links; a host needs exactly one"),
        (_topo(links=[]), "links: expected a non-empty list"),
        (
            _topo(links=[["h1", "s1"], ["h2", "s2"], {"nodes": ["s1", "s2"], "bw": 0}]),
            "links[2].bw: 0 is not a rate in Mbit/s",
        ),
        (
            _topo(links=[["h1", "s1"], ["h2", "s2"], {"nodes": ["s1", "s2"], "delay": "fast"}]),
            "links[2].delay: 'fast' is not a time like 5ms",
        ),
        (
            _topo(links=[["h1", "s1"], ["h2", "s2"], {"nodes": ["s1", "s2"], "loss": 101}]),
            "links[2].loss: 101 is not a percentage",
        ),
        (
            _topo(links=[["h1", "s1"], ["h2", "s2"], {"nodes": ["s1", "s2"], "color": "red"}]),
            "links[2]: unknown key(s) color",
        ),
        (_topo(hosts={}), "a topology needs at least one host and one switch"),
    ],
)
def test_topology_mistakes_are_reported_with_their_place(data: object, message: str) -> None:
    with pytest.raises(TopologyError) as info:
        parse_topology(data)
    assert str(info.value).startswith(message)


def test_unreachable_host_is_reported() -> None:
    topo = parse_topology(_topo(links=[["h1", "s1"], ["h2", "s2"]]))
    with pytest.raises(TopologyError, match="^no path from switch s2 to host h1$"):
        compute_routes(topo)


def test_load_topology_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(_topo(links=[["h1", "s9"]])))
    with pytest.raises(TopologyError, match=rf"^{path}: links\[0\]: unknown node 's9'$"):
        load_topology(path)
    path.write_text("hosts: [")
    with pytest.raises(TopologyError, match=rf"^{path}: not valid YAML"):
        load_topology(path)
    with pytest.raises(TopologyError, match=r"nope.yaml: cannot read: No such file"):
        load_topology(tmp_path / "nope.yaml")


def test_link_options_normalised_and_netem_ones_dropped_without_netem() -> None:
    link = {
        "nodes": ["s1", "s2"],
        "bw": 5.5,
        "delay": 2,
        "jitter": "1.5ms",
        "loss": 1,
        "max_queue_size": 100,
    }
    topo = parse_topology(_topo(links=[["h1", "s1"], ["h2", "s2"], link]))
    options = topo.links[2].options
    assert options == (
        ("bw", 5.5),
        ("delay", "2ms"),
        ("jitter", "1.5ms"),
        ("loss", 1),
        ("max_queue_size", 100),
    )
    assert usable_link_options(options, netem=True) == (dict(options), [])
    assert usable_link_options(options, netem=False) == (
        {"bw": 5.5},
        ["delay=2ms", "jitter=1.5ms", "loss=1", "max_queue_size=100"],
    )


def test_resolve_target_like_the_makefile(tmp_path: Path) -> None:
    def only(*tools: str):
        return lambda name: f"/bin/{name}" if name in tools else None

    assert resolve_target("auto", only()) == "p4sim"
    assert resolve_target("auto", only("p4c-bm2-ss")) == "p4sim"
    assert resolve_target("auto", only("p4c-bm2-ss", "simple_switch_grpc")) == "bmv2"
    assert resolve_target("p4sim", only("p4c-bm2-ss", "simple_switch_grpc")) == "p4sim"
    assert resolve_target("bmv2", only()) == "bmv2"
    with pytest.raises(ValueError, match="target must be auto, bmv2 or p4sim, not 'tofino'"):
        resolve_target("tofino")
    assert program_files(tmp_path, "basic", "bmv2") == (
        tmp_path / "basic" / "basic.p4info.txtpb",
        tmp_path / "basic" / "basic.json",
    )
    assert program_files(tmp_path, "basic", "p4sim")[1] == tmp_path / "basic" / "basic.p4sim.json"

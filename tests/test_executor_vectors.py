"""The executor against the packets observed on the reference BMv2 (tests/facts/*.vectors).

Each `.vectors` file lists `simple_switch_CLI` commands (`cli ...`), the frames sent into port 1
(`in HEX`) and every frame BMv2 sent out (`out PORT HEX`, in the order BMv2 wrote them per
port). p4sim runs the same program from its IR and must produce the same bytes on the same
ports; the order between different ports is not observable on BMv2 (one thread per port), so
the outputs are compared port by port.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from p4sim import ir
from p4sim.compiler import compile_file
from p4sim.runtime.pre import CloneSession, Replica
from p4sim.runtime.switch import Switch

FACTS = Path(__file__).resolve().parent / "facts"


def _vectors(name: str) -> tuple[list[list[str]], list[bytes], list[tuple[int, bytes]]]:
    cli: list[list[str]] = []
    inputs: list[bytes] = []
    outputs: list[tuple[int, bytes]] = []
    for line in (FACTS / f"{name}.vectors").read_text().splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "cli":
            cli.append(words[1:])
        elif words[0] == "in":
            inputs.append(bytes.fromhex(words[1]))
        elif words[0] == "out":
            outputs.append((int(words[1]), bytes.fromhex(words[2])))
    return cli, inputs, outputs


def _apply_cli(sw: Switch, commands: list[list[str]]) -> None:
    """The four simple_switch_CLI commands the vectors use, on the replication engine."""
    nodes: list[tuple[int, list[int]]] = []
    groups: dict[int, list[Replica]] = {}
    for cmd, *args in commands:
        values = [int(a) for a in args]
        if cmd == "mirroring_add":
            sw.pre.insert_session(CloneSession(values[0], (Replica(values[1], 0),)))
        elif cmd == "mc_mgrp_create":
            groups[values[0]] = []
        elif cmd == "mc_node_create":
            nodes.append((values[0], values[1:]))
        elif cmd == "mc_node_associate":
            rid, ports = nodes[values[1]]
            groups[values[0]].extend(Replica(port, rid) for port in ports)
        else:
            raise AssertionError(f"unknown CLI command {cmd}")
    for gid, replicas in groups.items():
        sw.pre.insert_group(gid, replicas)


def _by_port(frames: list[tuple[int, bytes]]) -> dict[int, list[str]]:
    ports: dict[int, list[str]] = defaultdict(list)
    for port, data in frames:
        ports[port].append(data.hex())
    return dict(ports)


@pytest.mark.parametrize("name", ["probe_hash", "probe_semantics"])
def test_bmv2_vectors_reproduced(name: str) -> None:
    """Every output frame of the reference run, byte for byte and port for port. Port 0 is
    not attached in the BMv2 run (a packet without egress_spec leaves there), so p4sim's port-0
    output is left out of the comparison."""
    cli, inputs, expected = _vectors(name)
    sw = Switch()
    sw.load_pipeline(ir.dumps(compile_file(FACTS / f"{name}.p4").program).encode())
    _apply_cli(sw, cli)
    produced: list[tuple[int, bytes]] = []
    for frame in inputs:
        produced.extend((p, d) for p, d in sw.process_packet(1, frame) if p != 0)
    assert _by_port(produced) == _by_port(expected)

"""tests/stf/wamptcp_gateway.stf passes on p4sim: the gateway's vectors in p4c's STF format
(ARP reply, MPTCP steering vs tunnel handoff, VXLAN encap/decap, counters), kept replayable
on BMv2 with p4c's bmv2stf.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from p4sim.stf import main

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "p4src" / "wamptcp_gateway.p4"
STF = ROOT / "tests" / "stf" / "wamptcp_gateway.stf"


def test_wamptcp_stf_vectors_pass(capsys: pytest.CaptureFixture[str]) -> None:
    status = main([str(PROGRAM), str(STF)])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out == (f"PASS {STF} ({PROGRAM}): 4 packets sent, 4 expected packets matched, "
                   "5 counter checks passed\n")

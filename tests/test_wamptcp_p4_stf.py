"""tests/stf/wamptcp_gateway.stf: the gateway's vectors in p4c's STF format (ARP reply,
MPTCP steering vs tunnel handoff, VXLAN encap/decap, counters).

The STF file is the target-independent artefact: it replays on BMv2 with p4c's bmv2stf.py.
Here it runs on p4sim's STF runner (whatever --target says: this test checks the vectors
and p4sim, the PTF-style tests check the program on the chosen target), and its hand-written
hex is checked against the frames the PTF-style tests expect (test_wamptcp_p4_site), so the
two sets of vectors cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.l2 import ARP, Ether
from test_wamptcp_p4_site import (
    BRANCH_LAN_MAC,
    HL_MAC,
    LAN_PORT,
    LEGACY_PORT,
    frame_bucket,
    routed,
    vxlan_frame,
)

from p4sim.stf import main

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "p4src" / "wamptcp_gateway.p4"
STF = ROOT / "tests" / "stf" / "wamptcp_gateway.stf"


def exchanges() -> list[tuple[tuple[int, bytes], tuple[int, bytes]]]:
    """((port, frame) sent, (port, frame) expected) for each packet line and its expect."""
    lines = []
    for line in STF.read_text().splitlines():
        words = line.split()
        if words and words[0] in ("packet", "expect"):
            hex_digits = "".join(word for word in words[2:] if word != "$")
            lines.append((int(words[1]), bytes.fromhex(hex_digits)))
    return list(zip(lines[0::2], lines[1::2], strict=True))


def test_wamptcp_stf_vectors_pass(capsys: pytest.CaptureFixture[str]) -> None:
    status = main([str(PROGRAM), str(STF)])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out == (f"PASS {STF} ({PROGRAM}): 4 packets sent, 4 expected packets matched, "
                   "5 counter checks passed\n")


def test_stf_vectors_agree_with_the_test_site() -> None:
    (arp, arp_out), (mptcp, mptcp_out), (plain, plain_out), (back, back_out) = exchanges()
    request = Ether(arp[1])[ARP]
    assert arp_out == (LAN_PORT, bytes(
        Ether(src=BRANCH_LAN_MAC, dst=request.hwsrc)
        / ARP(op=2, hwsrc=BRANCH_LAN_MAC, psrc=request.pdst, hwdst=request.hwsrc,
              pdst=request.psrc)))
    # Both TCP segments are the flow of the file's handoff entry (bucket 5 -> link 2).
    for (port, frame), link, (out_port, out) in ((mptcp, 1, mptcp_out), (plain, 2, plain_out)):
        assert (port, frame_bucket(Ether(frame))) == (LAN_PORT, 5)
        assert (out_port, out) == (link, bytes(vxlan_frame(frame, link, 5)))
    inner = back[1][50:]
    assert back == (2, bytes(vxlan_frame(inner, 2, 5, sender="remote")))
    assert back_out == (LEGACY_PORT, bytes(routed(Ether(inner), BRANCH_LAN_MAC, HL_MAC)))

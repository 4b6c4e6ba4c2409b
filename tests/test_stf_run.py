"""`p4sim stf` end to end: the STF files under tests/stf/ pass on p4sim (basic.p4 routing byte
for byte, the BMv2-observed probe vectors, every control-plane command), failures print a
diff and exit 1, bad input exits 2 with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from p4sim.stf import main

ROOT = Path(__file__).resolve().parent.parent
STF = ROOT / "tests" / "stf"
BASIC = ROOT / "p4src" / "basic.p4"
CASES = {
    "basic": (BASIC, STF / "basic.stf"),
    "probe_semantics": (STF.parent / "facts" / "probe_semantics.p4", STF / "probe_semantics.stf"),
    "control_plane": (STF / "control_plane.p4", STF / "control_plane.stf"),
}

# Frames of tests/stf/basic.stf: 10.0.0.10 -> 10.0.1.1 (UDP "hello") in, routed out.
IN_1 = "000000000001 0000000000aa 0800 4500002100010000401165c10a00000a0a000101 " + (
    "04d20050000da1d568656c6c6f"
)
OUT_1 = "080000000111 000000000001 0800 45000021000100003f1166c10a00000a0a000101 " + (
    "04d20050000da1d568656c6c6f"
)
ROUTE_1 = "add ipv4_lpm dstAddr:0x0a000101/32 ipv4_forward(dstAddr:0x080000000111, port:1)\n"
MISS = "000000000001 0000000000aa 0800 4500001c000400004011b01a0a00000ac0a80001 0001000200083528"
ARP = "ffffffffffff0000000000aa080600010800060400010000000000aa0a00000a0000000000000a000001"


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, text: str, name: str = "t.stf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_passing(capsys: pytest.CaptureFixture[str], case: str) -> tuple[Path, Path, str]:
    """Run one of CASES, which must pass (exit 0, nothing on stderr): its files and output."""
    program, test = CASES[case]
    status, out, err = run(capsys, program, test)
    assert (status, err) == (0, ""), out
    return program, test, out


@pytest.mark.parametrize("case", sorted(CASES))
def test_project_stf_files_pass(capsys: pytest.CaptureFixture[str], case: str) -> None:
    program, test, out = run_passing(capsys, case)
    assert f"PASS {test} ({program}): " in out


def test_basic_summary(capsys: pytest.CaptureFixture[str]) -> None:
    program, test, out = run_passing(capsys, "basic")
    assert out == f"PASS {test} ({program}): 9 packets sent, 7 expected packets matched\n"


def test_probe_semantics_notes_the_packet_bmv2_sent_to_unattached_port_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    program, test, out = run_passing(capsys, "probe_semantics")
    assert out == (
        f"PASS {test} ({program}): 9 packets sent, 9 expected packets matched\n"
        "note: packet to port 0, which the test does not use (BMv2 would have no interface "
        f"there), from the packet at {test}:25: 0200000000020200000000011234ba3c04647473709c284a"
        "45c3000000000000001600012cff2000deadbeef\n"
    )


def test_control_plane_read_commands_print_what_they_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    program, test, out = run_passing(capsys, "control_plane")
    assert out == (
        "MyIngress.last_length[3] = 14 (0xe)\n"
        "mirroring session 4: ports [6]\n"
        "MyIngress.rx[2]: packets=5 bytes=500\n"
        "MyIngress.last_length[1] = 3735928559 (0xdeadbeef)\n"
        "MyIngress.last_length[1] = 0 (0x0)\n"
        "MyIngress.rate[3]: committed 0.5/us burst 10, peak 1/us burst 20\n"
        f"PASS {test} ({program}): 7 packets sent, 9 expected packets matched, "
        "10 counter checks passed\n"
    )


def test_mismatch_prints_a_diff_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wrong_ttl = OUT_1.replace("3f1166c1", "401166c1")
    test = write(
        tmp_path,
        f"{ROUTE_1}packet 4 {IN_1}\nexpect 1 {wrong_ttl} $\nexpect 1 {OUT_1}\n"
        f"packet 4 {IN_1}\npacket 4 {IN_1}\n",
    )
    status, out, err = run(capsys, BASIC, test)
    assert (status, err) == (1, "")
    assert out == (
        f"FAIL {test} ({BASIC}): 2 problems\n"
        f"{test}:3: port 1, packet 1 differs from the expected packet (sent by the packet at "
        f"{test}:2): first difference at byte 22\n"
        "    0000  expected 08 00 00 00 01 11 00 00 00 00 00 01 08 00 45 00\n"
        "          received 08 00 00 00 01 11 00 00 00 00 00 01 08 00 45 00\n"
        "    0010  expected 00 21 00 01 00 00 40 11 66 c1 0a 00 00 0a 0a 00\n"
        "          received 00 21 00 01 00 00 3f 11 66 c1 0a 00 00 0a 0a 00\n"
        "                                     ^^\n"
        "    0020  expected 01 01 04 d2 00 50 00 0d a1 d5 68 65 6c 6c 6f\n"
        "          received 01 01 04 d2 00 50 00 0d a1 d5 68 65 6c 6c 6f\n"
        f"{test}:6: port 1, packet 3: unexpected packet (from the packet at {test}:6):\n"
        f"    {''.join(OUT_1.split())}\n"
    )


def test_missing_packet_and_failed_counter_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    program = CASES["control_plane"][0]
    test = write(
        tmp_path,
        "add classify 1 etherType:0x0800 forward(port:1) = A\n"
        "packet 0 000000000001 000000000002 0800\n"
        "expect 2 000000000001 000000000002 0800\n"
        "check_counter hits($A) packets > 1\n",
    )
    status, out, _ = run(capsys, program, test)
    assert status == 1
    assert out == (  # port 1 is not in the file: that packet is lost, as on BMv2
        f"FAIL {test} ({program}): 2 problems\n"
        f"{test}:3: port 2, packet 1: expected packet not received\n"
        f"{test}:4: check_counter MyIngress.hits(A): packets is 1, expected > 1\n"
        "note: packet to port 1, which the test does not use (BMv2 would have no interface "
        f"there), from the packet at {test}:2: 0000000000010000000000020800\n"
    )


def test_no_packet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dropped = write(tmp_path, f"packet 4 {MISS}\nno_packet\n", "drop.stf")
    assert run(capsys, BASIC, dropped)[0] == 0
    lost = write(tmp_path, f"packet 4 {ARP}\nno_packet\n", "lost.stf")
    status, out, _ = run(capsys, BASIC, lost)
    assert status == 1
    assert out.splitlines()[1] == (
        f"{lost}:2: no_packet, but a packet to port 0, which the test does not use (BMv2 would "
        f"have no interface there), from the packet at {lost}:1: {ARP}"
    )


def test_any_packets_on_a_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    test = write(tmp_path, f"{ROUTE_1}packet 4 {IN_1}\npacket 4 {IN_1}\nexpect 1\n")
    status, out, _ = run(capsys, BASIC, test)
    assert status == 0
    assert out == f"PASS {test} ({BASIC}): 2 packets sent, 0 expected packets matched\n"


def test_verbose_traces_commands_and_packets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    test = write(tmp_path, f"{ROUTE_1}packet 4 {IN_1}\nexpect 1 {OUT_1}\n")
    status, out, _ = run(capsys, BASIC, test, "-v")
    assert status == 0
    assert out.splitlines()[:3] == [
        f"{test}:1: added entry to MyIngress.ipv4_lpm: MyIngress.ipv4_forward",
        f"{test}:2: packet in on port 4: {''.join(IN_1.split())}",
        f"{test}:2: packet out on port 1: {''.join(OUT_1.split())}",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "wait\nadd ipv4_lpm dstAddr:1/8\n",
            2,
            "expected KEY:VALUE or ACTION(...), found the end of the line",
        ),
        (
            "setdefault ipv4_lmp drop()\n",
            1,
            "no table named 'ipv4_lmp'; did you mean 'MyIngress.ipv4_lpm'?",
        ),
        (
            f"{ROUTE_1}{ROUTE_1}",
            2,
            "the switch refused this command: ALREADY_EXISTS: table MyIngress.ipv4_lpm already "
            "has an entry with this key, use MODIFY to change it",
        ),
        ("mc_node_associate 1 0\n", 1, "multicast group 1 does not exist (mc_mgrp_create it)"),
        (
            "mc_mgrp_create 1\nmc_node_associate 1 0\n",
            2,
            "multicast node 0 does not exist (mc_node_create it)",
        ),
        ("mc_mgrp_create 3\nmc_mgrp_create 3\n", 2, "multicast group 3 already exists"),
        (
            "mirroring_delete 9\n",
            1,
            "the switch refused this command: NOT_FOUND: clone session 9 does not exist",
        ),
    ],
)
def test_bad_stf_input_exits_2_with_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, line: int, message: str
) -> None:
    test = write(tmp_path, text)
    status, out, err = run(capsys, BASIC, test)
    assert (status, out) == (2, "")
    assert err == f"{test}:{line}: error: {message}\n"


def test_stf_file_that_is_not_utf8_exits_2_at_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    test = tmp_path / "t.stf"
    test.write_bytes(b"wait\nexpect 1 00\xff\n")
    status, out, err = run(capsys, BASIC, test)
    assert (status, out, err) == (2, "", f"{test}:2: error: not UTF-8 text\n")


def test_bad_program_and_missing_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    test = write(tmp_path, "wait\n")
    program = write(tmp_path, "#include <core.p4>\ncontrol c() { apply { x = 1; } }\n", "bad.p4")
    status, out, err = run(capsys, program, test)
    assert (status, out) == (2, "")
    assert err.startswith(f"{program}:2:")
    assert ": error: " in err
    status, _, err = run(capsys, BASIC, tmp_path / "missing.stf")
    assert status == 2
    missing = tmp_path / "missing.stf"
    assert err == f"p4sim stf: error: cannot read {missing}: No such file or directory\n"
    status, _, err = run(capsys, tmp_path / "missing.p4", test)
    assert status == 2
    assert "missing.p4" in err

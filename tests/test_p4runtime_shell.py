"""Acceptance: p4runtime-shell, the P4 community's interactive client, drives `p4sim run`.

The switch is a separate `p4sim run` process started with --no-p4 on a veth pair (root needed);
everything goes through p4runtime-shell's own `shell` module, as a user would type it: push the
pipeline, insert/read/modify/delete a table entry, read a counter, read a register (through
the shell's client, since p4runtime-shell 0.0.6 has no RegisterEntry class), PacketOut and
PacketIn.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from google.protobuf import text_format
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a veth pair")

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "p4" / "runtime" / "shell_acceptance.p4"
SWITCH_END, TEST_END = "p4shs1", "p4sht1"
MACS = bytes.fromhex("020000000001" "020000000002")  # destination, source of the test frames


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def running_switch(tmp_path: Path):
    from p4sim.compiler import compile_file, write_outputs

    p4info, config = write_outputs(compile_file(PROGRAM), tmp_path)
    subprocess.run(["ip", "link", "del", SWITCH_END], capture_output=True, check=False)
    subprocess.run(["ip", "link", "add", SWITCH_END, "type", "veth", "peer", "name", TEST_END],
                   check=True)
    proc = None
    try:
        for name in (SWITCH_END, TEST_END):
            subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{name}.disable_ipv6=1"],
                           capture_output=True, check=False)
            subprocess.run(["ip", "link", "set", name, "up"], check=True)
        address = f"127.0.0.1:{_free_port()}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "p4sim.cli", "run", "--no-p4", "--cpu-port", "255",
             "-i", f"1@{SWITCH_END}", "--grpc-server-addr", address],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        host, port = address.split(":")
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex((host, int(port))) != 0:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "p4sim run did not open its gRPC port"
            time.sleep(0.1)
        yield address, p4info, config
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        subprocess.run(["ip", "link", "del", SWITCH_END], capture_output=True, check=False)


def _send_frame(ether_type: int) -> bytes:
    frame = MACS + ether_type.to_bytes(2, "big") + b"\0" * 46
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((TEST_END, 0))
        s.send(frame)
    return frame


def _wait_for(condition, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_p4runtime_shell_session(running_switch):
    import p4runtime_sh.shell as sh

    address, p4info, config = running_switch
    sh.setup(device_id=0, grpc_addr=address, election_id=(0, 1),
             config=sh.FwdPipeConfig(str(p4info), str(config)))
    try:
        # table entry: insert, read back, modify, delete
        te = sh.TableEntry("MyIngress.fwd")(action="MyIngress.forward")
        te.match["hdr.ethernet.etherType"] = "0x0800"
        te.action["port"] = "2"
        te.insert()
        [read] = list(sh.TableEntry("MyIngress.fwd").read())
        assert read.match["hdr.ethernet.etherType"].exact.value == b"\x08\x00"
        assert read.action["port"].value == b"\x02"
        te.action["port"] = "3"
        te.modify()
        [read] = list(sh.TableEntry("MyIngress.fwd").read())
        assert read.action["port"].value == b"\x03"

        # a frame through port 1 bumps counter[1] and writes register[0]
        frame = _send_frame(0x0800)

        def counter_cell():
            ce = sh.CounterEntry("MyIngress.port_packets")
            ce.index = 1
            [cell] = list(ce.read())
            return cell if cell.data.packet_count else None

        cell = _wait_for(counter_cell)
        assert cell is not None, "the frame sent into port 1 was not counted"
        assert (cell.data.packet_count, cell.data.byte_count) == (1, len(frame))

        info = text_format.Parse(p4info.read_text(), p4info_pb2.P4Info())
        [register] = [r for r in info.registers if r.preamble.name == "MyIngress.last_ether_type"]
        entity = p4runtime_pb2.Entity()
        entity.register_entry.register_id = register.preamble.id
        entity.register_entry.index.index = 0
        [response] = list(sh.client.read_one(entity))
        value = response.entities[0].register_entry.data.bitstring
        assert int.from_bytes(value, "big") == 0x0800

        te.delete()
        assert list(sh.TableEntry("MyIngress.fwd").read()) == []

        # PacketOut to the CPU port comes straight back as a PacketIn
        packet_in = sh.PacketIn()
        out = sh.PacketOut(payload=frame)
        out.metadata["egress_port"] = "255"
        out.send()
        # a table miss punts a frame from port 1 to the controller
        _send_frame(0x88B5)
        received = [  # the kernel may send its own frames (IPv6 ND) into the veth: skip them
            msg for msg in packet_in.sniff(timeout=2) if msg.packet.payload.startswith(MACS)
        ]
        assert len(received) == 2
        ports = sorted(
            int.from_bytes(msg.packet.metadata[0].value, "big") for msg in received
        )
        assert ports == [1, 255]
        assert {bytes(msg.packet.payload[12:14]) for msg in received} == {b"\x08\x00", b"\x88\xb5"}
    finally:
        sh.teardown()

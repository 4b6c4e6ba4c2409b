"""Tests of p4sim.io: pcap files, AF_PACKET ports on veth pairs and the event loop.

Port tests need root (veth pairs, raw sockets). Every veth pair is created by a fixture that
deletes it again, also when the test fails; IPv6 is disabled on them before they come up so
the kernel sends nothing of its own and the tests can assert the exact frames seen.
"""

from __future__ import annotations

import errno
import os
import queue
import secrets
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scapy.utils import RawPcapReader

from harness.veth import add_veth_pair, delete_link, ip, wait_operstate
from p4sim.io.afpacket import AfPacketPort, LinkState, link_state
from p4sim.io.loop import EventLoop
from p4sim.io.pcap import PcapWriter, pcap_paths
from p4sim.io.ports import MissingInterfaceError, PortSet

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="veth pairs and raw sockets need root")

FRAME = bytes.fromhex("ffffffffffff02000000000188b5") + bytes(range(46))
VLAN_FRAME = bytes.fromhex("ffffffffffff0200000000028100200588b5") + b"v" * 46


@pytest.fixture
def make_veth() -> Iterator[Callable[[], tuple[str, str]]]:
    """Creates veth pairs (switch end, peer end) with unique names; deletes them all afterwards."""
    created: list[str] = []

    def make() -> tuple[str, str]:
        tag = secrets.token_hex(3)
        end, peer = f"p4io{tag}a", f"p4io{tag}b"
        add_veth_pair(end, peer)
        created.append(end)
        return end, peer

    yield make
    for end in created:
        delete_link(end)


class Peer:
    """A raw socket on the far end of a veth pair: what a host on that link sends and sees."""

    def __init__(self, ifname: str) -> None:
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.sock.bind((ifname, 3))
        self.sock.settimeout(2.0)

    def send(self, frame: bytes) -> None:
        self.sock.send(frame)

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except OSError as err:  # reported once after this end was down; the socket still works
            if err.errno != errno.ENETDOWN:
                raise
            return self.sock.recv(65536)

    def expect(self, count: int) -> list[bytes]:
        """The next `count` frames received, then checks for silence for a short while."""
        frames = [self._recv() for _ in range(count)]
        self.sock.settimeout(0.2)
        try:
            extra = self._recv()
        except TimeoutError:
            extra = None
        self.sock.settimeout(2.0)
        assert extra is None, f"unexpected frame {extra.hex()}"
        return frames

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def peers() -> Iterator[Callable[[str], Peer]]:
    opened: list[Peer] = []

    def open_peer(ifname: str) -> Peer:
        opened.append(Peer(ifname))
        return opened[-1]

    yield open_peer
    for peer in opened:
        peer.close()


@pytest.fixture
def open_port() -> Iterator[Callable[[str], AfPacketPort]]:
    """Opens port 1 on an interface as the event loop would; closes every one afterwards."""
    opened: list[AfPacketPort] = []

    def open_on(ifname: str) -> AfPacketPort:
        port = AfPacketPort(1, ifname)
        state = link_state(ifname)
        port.rebind(state)
        port.set_up(state.up)
        opened.append(port)
        return port

    yield open_on
    for port in opened:
        port.close()


def _receive(port: AfPacketPort, count: int) -> list[bytes]:
    """Frames from a non-blocking port, waiting until `count` arrived (or 2 s passed)."""
    import select

    frames: list[bytes] = []
    while len(frames) < count:
        readable, _, _ = select.select([port], [], [], 2.0)
        if not readable:
            break
        frames += port.receive(64)
    return frames


def test_pcap_writer_writes_exact_libpcap_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    writer = PcapWriter(path)
    writer.write(b"\x01\x02\x03", 1_700_000_000.25)
    writer.write(b"", 5.0000004)
    writer.close()
    writer.write(b"ignored after close", 6.0)

    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    rec1 = struct.pack("<IIII", 1_700_000_000, 250_000, 3, 3) + b"\x01\x02\x03"
    rec2 = struct.pack("<IIII", 5, 0, 0, 0)
    assert path.read_bytes() == header + rec1 + rec2
    assert [pkt for pkt, _meta in RawPcapReader(str(path))] == [b"\x01\x02\x03", b""]


def test_pcap_paths_follow_simple_switch_names(tmp_path: Path) -> None:
    assert pcap_paths(tmp_path, "s1-eth2") == (
        tmp_path / "s1-eth2_in.pcap",
        tmp_path / "s1-eth2_out.pcap",
    )


def test_link_state_of_a_missing_interface() -> None:
    assert link_state("p4io-nosuchif") == LinkState(None, False)


def test_port_set_refuses_missing_interfaces() -> None:
    ports = PortSet({1: "p4io-nosuch1", 2: "lo", 3: "p4io-nosuch3"})
    with pytest.raises(MissingInterfaceError) as info:
        ports.open()
    assert info.value.ifnames == ["p4io-nosuch1", "p4io-nosuch3"]
    assert all(port.fileno() == -1 for port in ports)


@needs_root
def test_port_receives_peer_frames_with_vlan_tags_restored(make_veth, peers, open_port) -> None:
    end, far = make_veth()
    port = open_port(end)
    peer = peers(far)
    peer.send(FRAME)
    peer.send(VLAN_FRAME)
    assert _receive(port, 2) == [FRAME, VLAN_FRAME]
    assert port.counters.rx_packets == 2


@needs_root
def test_port_sends_and_ignores_its_own_frames(make_veth, peers, open_port) -> None:
    end, far = make_veth()
    port = open_port(end)
    peer = peers(far)
    assert port.send(FRAME) is True
    assert peer.expect(1) == [FRAME]
    assert _receive(port, 1) == []
    assert (port.counters.tx_packets, port.counters.tx_dropped) == (1, 0)


@needs_root
def test_send_to_a_down_port_is_dropped_and_counted(make_veth, peers, open_port) -> None:
    end, far = make_veth()
    port = open_port(end)
    peer = peers(far)
    ip("link", "set", far, "down")
    wait_operstate(end, "lowerlayerdown")
    state = link_state(end)
    assert state.up is False and state.ifindex == port.ifindex
    assert port.set_up(state.up) is True
    assert port.send(FRAME) is False
    assert port.send(FRAME) is False
    assert (port.counters.tx_packets, port.counters.tx_dropped) == (0, 2)

    ip("link", "set", far, "up")
    wait_operstate(end, "up")
    assert port.set_up(link_state(end).up) is True
    assert port.send(FRAME) is True
    assert peer.expect(1) == [FRAME]


@needs_root
def test_event_loop_survives_link_changes_and_captures(make_veth, peers, tmp_path) -> None:
    """Two ports wired to each other through `deliver`; port 2's link goes down, is deleted and
    recreated while frames keep arriving on port 1."""
    end1, far1 = make_veth()
    end2, far2 = make_veth()
    ports = PortSet({1: end1, 2: end2}, pcap_dir=tmp_path / "pcap", clock=lambda: 42.5)
    ports.open()
    statuses: queue.Queue[tuple[int, bool]] = queue.Queue()
    loop = EventLoop(
        ports,
        lambda number, frame: ports.transmit(3 - number, frame),
        on_status=lambda number, up: statuses.put((number, up)),
    )
    thread = threading.Thread(target=loop.run)
    thread.start()
    try:
        assert {statuses.get(timeout=2), statuses.get(timeout=2)} == {(1, True), (2, True)}
        peer1, peer2 = peers(far1), peers(far2)
        peer1.send(FRAME)
        assert peer2.expect(1) == [FRAME]

        ip("link", "set", far2, "down")
        assert statuses.get(timeout=2) == (2, False)
        peer1.send(FRAME)
        peer1.send(FRAME)

        ip("link", "del", end2)
        peer2.close()
        peer1.send(VLAN_FRAME)

        add_veth_pair(end2, far2)
        assert statuses.get(timeout=2) == (2, True)
        peer2 = peers(far2)
        peer1.send(FRAME)
        assert peer2.expect(1) == [FRAME]
        assert (ports.ports[2].counters.tx_packets, ports.ports[2].counters.tx_dropped) == (2, 3)
        assert statuses.empty()
    finally:
        loop.stop()
        thread.join(timeout=5)
        loop.close()
        ports.close()
    assert not thread.is_alive()
    assert loop.delivery_errors == 0

    in1, out1 = pcap_paths(tmp_path / "pcap", end1)
    in2, out2 = pcap_paths(tmp_path / "pcap", end2)
    sent = [FRAME, FRAME, FRAME, VLAN_FRAME, FRAME]
    assert [pkt for pkt, _ in RawPcapReader(str(in1))] == sent
    assert [pkt for pkt, _ in RawPcapReader(str(out2))] == sent
    assert [pkt for pkt, _ in RawPcapReader(str(in2))] == []
    assert [pkt for pkt, _ in RawPcapReader(str(out1))] == []
    assert {meta.sec + meta.usec / 1e6 for _, meta in RawPcapReader(str(in1))} == {42.5}


@needs_root
def test_frames_to_unbound_ports_are_counted(make_veth) -> None:
    end, _far = make_veth()
    ports = PortSet({1: end})
    ports.open()
    try:
        ports.transmit(7, FRAME)
        ports.transmit(0, FRAME)
        assert ports.unbound_drops == 2
        assert ports.ports[1].counters.tx_packets == 0
    finally:
        ports.close()


def test_event_loop_stops_when_stopped_before_running() -> None:
    loop = EventLoop(PortSet({}), lambda number, frame: None)
    loop.stop()
    loop.run()
    loop.close()
    loop.stop()  # after close: nothing to wake, must not raise


def test_pcap_write_failure_stops_capturing_not_switching(tmp_path, capsys) -> None:
    """A capture file that can no longer be written (disk full) is closed with a warning; the
    writer keeps accepting frames so the port loop never sees the error."""
    from p4sim.io.pcap import PcapWriter

    writer = PcapWriter(tmp_path / "p_in.pcap")

    class FullDisk:
        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None: ...

        def close(self) -> None: ...

    writer._file = FullDisk()  # type: ignore[assignment]
    writer.write(b"\x00" * 60, 1.0)
    writer.write(b"\x00" * 60, 2.0)  # ignored quietly once capturing stopped
    err = capsys.readouterr().err
    assert err.count("stopped writing") == 1 and "No space left on device" in err
    writer.close()

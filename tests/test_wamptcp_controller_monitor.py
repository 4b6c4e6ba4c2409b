"""The BFD-style link monitor (RFC 5880 semantics for echo-reflected probes), simulated clock."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from scapy.contrib.bfd import BFD
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.wamptcp.monitor import LinkEvent, LinkMonitor, ProbePath

INTERVAL, MULT, RTT = 0.1, 3, 0.01
PATHS = [ProbePath(1, 1, "02:00:00:00:0b:01", "02:00:00:00:0c:01", "172.16.1.1"),
         ProbePath(2, 2, "02:00:00:00:0b:02", "02:00:00:00:0c:02", "172.16.2.1")]
BASE = 0x57B00000


def reflect(frame: bytes) -> bytes:
    """What the peer's bfd_reflect does: swap the MAC addresses and the IPv4 addresses."""
    out = bytearray(frame)
    out[0:6], out[6:12] = frame[6:12], frame[0:6]
    out[26:30], out[30:34] = frame[30:34], frame[26:30]
    return bytes(out)


class Sim:
    """Runs a monitor on a simulated clock over links that reflect probes after RTT."""

    def __init__(self, *, initially_up: bool = True, multiplier: int = MULT,
                 rng: random.Random | None = None) -> None:
        self.monitor = LinkMonitor(PATHS, interval=INTERVAL, multiplier=multiplier, now=0.0,
                                   discriminator_base=BASE, rng=rng, initially_up=initially_up)
        self.now = 0.0
        self.flight: list[tuple[float, int, bytes]] = []
        self.sent: list[tuple[float, int]] = []
        self.events: list[LinkEvent] = []

    def run(self, until: float, lost: Callable[[float, int], bool] = lambda t, link: False
            ) -> None:
        """Advance to `until`; `lost(send_time, link)` drops a probe on the wire."""
        while True:
            due = min([self.monitor.next_deadline(), *(f[0] for f in self.flight)])
            if due > until:
                self.now = until
                return
            self.now = max(self.now, due)
            arrived = [f for f in self.flight if f[0] <= self.now]
            self.flight = [f for f in self.flight if f[0] > self.now]
            for _, link, frame in arrived:
                self.monitor.received(link, reflect(frame), self.now)
            for probe in self.monitor.tick(self.now):
                self.sent.append((self.now, probe.link))
                if not lost(self.now, probe.link):
                    self.flight.append((self.now + RTT, probe.link, probe.frame))
            self.events += self.monitor.pop_events()


def cut(link: int, start: float, end: float = float("inf")) -> Callable[[float, int], bool]:
    return lambda t, k: k == link and start <= t < end


def test_probe_frame_bytes() -> None:
    monitor = LinkMonitor(PATHS, interval=INTERVAL, multiplier=MULT, now=0.0,
                          discriminator_base=BASE)
    probes = monitor.tick(0.0)
    assert [(p.link, p.port) for p in probes] == [(1, 1), (2, 2)]
    assert probes[0].frame.hex() == (
        "020000000c01" "020000000b01" "0800"  # Ethernet: to the peer gateway
        "4500003400000000ff116196" "ac100101" "ac100101"  # IPv4 TTL 255, own address twice
        "c0010ec800204e75"  # UDP 49153 -> 3784
        "20" "40" "03" "18" "57b00001" "00000000"  # BFD v1, Down, mult 3, len 24, discrs
        "000186a0" "000186a0" "00000000")  # 100 ms tx / rx, no echo
    bfd = Ether(probes[1].frame)[BFD]
    assert (bfd.my_discriminator, bfd.your_discriminator, bfd.sta) == (BASE + 2, 0, 1)
    assert monitor.discriminator(2) == BASE + 2


def test_comes_up_after_two_round_trips() -> None:
    sim = Sim(initially_up=False)
    sim.run(0.05)
    assert sim.monitor.state(1) == "Init"
    sim.run(0.2)
    assert [(e.link, e.up, round(e.time, 6), e.state, e.diag) for e in sim.events] == [
        (1, True, 0.11, "Up", "No Diagnostic"), (2, True, 0.11, "Up", "No Diagnostic")]
    assert sim.monitor.is_up(1) and sim.monitor.state(2) == "Up"
    assert Ether(sim.monitor.tick(0.35)[0].frame)[BFD].your_discriminator == BASE + 1


def test_no_event_when_a_link_assumed_up_comes_up() -> None:
    sim = Sim()
    sim.run(1.0)
    assert sim.events == []
    assert sim.monitor.stats(1) == {"sent": 11, "received": 10, "discarded": 0}


def test_detection_within_multiplier_times_interval() -> None:
    sim = Sim()
    sim.run(3.0, lost=cut(1, 0.95))  # probes are sent at 0.0, 0.1, ... (give or take 1e-15)
    [event] = sim.events
    assert (event.link, event.up, event.state, event.diag) == (
        1, False, "Down", "Control Detection Time Expired")
    assert event.time == pytest.approx(event.last_rx + MULT * INTERVAL)
    assert event.last_rx == pytest.approx(0.91)  # the probe sent at 0.9 was the last back
    assert 0.95 < event.time <= 0.95 + MULT * INTERVAL + RTT
    assert sim.monitor.is_up(2) and sim.monitor.state(2) == "Up"
    # Down: probes keep going out, with the reason and Your Discriminator reset (§6.8.1)
    down = Ether(sim.monitor.tick(10.0)[0].frame)[BFD]
    assert (down.sta, down.diag, down.your_discriminator) == (1, 1, 0)


@pytest.mark.parametrize("lost_probes", [1, 2])
def test_no_flapping_on_lost_probes(lost_probes: int) -> None:
    sim = Sim()
    sim.run(3.0, lost=cut(1, 0.95, 0.95 + lost_probes * INTERVAL))
    assert sim.events == []
    assert sim.monitor.stats(1)["received"] == sim.monitor.stats(1)["sent"] - lost_probes


def test_multiplier_one_detects_a_single_loss() -> None:
    sim = Sim(multiplier=1)
    sim.run(3.0, lost=cut(1, 0.95, 1.05))
    assert [(e.link, e.up) for e in sim.events] == [(1, False), (1, True)]


def test_recovery() -> None:
    sim = Sim()
    sim.run(4.0, lost=cut(1, 0.95, 1.95))
    down, up = sim.events
    assert (down.up, up.up) == (False, True)
    assert (up.state, up.diag) == ("Up", "No Diagnostic")
    # two round trips after the first probe that gets through
    assert 1.95 < up.time <= 1.95 + 2 * INTERVAL + RTT
    assert up.last_rx == up.time


def test_dead_from_the_start() -> None:
    sim = Sim()
    sim.run(1.0, lost=cut(2, 0.0))
    [event] = sim.events
    assert (event.link, event.up, event.diag, event.last_rx) == (
        2, False, "Control Detection Time Expired", None)
    assert event.time == pytest.approx(MULT * INTERVAL)


def test_jitter_keeps_intervals_between_75_and_100_percent() -> None:
    for multiplier, high in ((3, 1.0), (1, 0.9)):
        sim = Sim(rng=random.Random(7), multiplier=multiplier)
        sim.run(5.0)
        times = [t for t, link in sim.sent if link == 1]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(gaps) > 40
        assert min(gaps) >= 0.75 * INTERVAL - 1e-9 and max(gaps) <= high * INTERVAL + 1e-9
        assert max(gaps) - min(gaps) > 0.1 * INTERVAL


def test_admin_down_and_back() -> None:
    sim = Sim()
    sim.run(0.5)
    sim.monitor.set_admin_down(1, True, 0.5)
    [event] = sim.monitor.pop_events()
    assert (event.link, event.up, event.state, event.diag) == (
        1, False, "AdminDown", "Administratively Down")
    sim.run(1.0)
    assert {link for t, link in sim.sent if t > 0.6} == {2}
    sim.monitor.set_admin_down(1, False, 1.0)
    sim.run(1.5)
    assert [(e.link, e.up, e.state) for e in sim.events] == [(1, True, "Up")]


def reflected(ttl: int = 255, **fields: object) -> bytes:
    """A reflected probe of link 1 in state Up, with BFD fields changed."""
    values = {"sta": 3, "my_discriminator": BASE + 1, "your_discriminator": BASE + 1,
              "min_tx_interval": 100000, "min_rx_interval": 100000, "echo_rx_interval": 0}
    values.update(fields)
    return bytes(Ether(src="02:00:00:00:0c:01", dst="02:00:00:00:0b:01")
                 / IP(src="172.16.1.1", dst="172.16.1.1", ttl=ttl)
                 / UDP(sport=49153, dport=3784) / BFD(**values))


@pytest.mark.parametrize("frame", [
    reflected(my_discriminator=BASE + 2),  # link 2's probe arriving on link 1
    reflected(your_discriminator=BASE + 7),
    reflected(your_discriminator=0),  # zero only in state Down / AdminDown
    reflected(my_discriminator=0),
    reflected(version=2),
    reflected(detect_mult=0),
    reflected(flags="M"),
    reflected(flags="A"),
    reflected(len=23),
    reflected(len=40),
    reflected(flags="PF"),  # Poll and Final together
    reflected(ttl=254),  # RFC 5881 §5: not from a direct neighbour
    reflected()[:-4],  # truncated
    bytes(Ether() / IP(src="172.16.1.1", dst="172.16.1.1") / UDP(sport=3784, dport=3785)
          / BFD(my_discriminator=BASE + 1)),
    bytes(Ether() / IP(src="172.16.1.1", dst="172.16.9.9") / UDP(dport=3784)
          / BFD(my_discriminator=BASE + 1, your_discriminator=BASE + 1)),
    b"\x00" * 20,
])
def test_invalid_packets_are_discarded(frame: bytes) -> None:
    sim = Sim(initially_up=False)
    sim.run(0.5)
    assert sim.monitor.state(1) == "Up"
    assert not sim.monitor.received(1, frame, 0.5)
    assert sim.monitor.stats(1)["discarded"] == 1
    assert sim.monitor.state(1) == "Up"
    assert sim.monitor.received(1, reflected(), 0.5)  # the valid one is accepted
    assert not sim.monitor.received(9, reflected(), 0.5)  # no such link


@pytest.mark.parametrize(("mult", "tx_us", "detect"), [
    (5, 200_000, 1.0),  # the received Desired Min TX is the larger: it is agreed
    (5, 50_000, 0.5),  # our Required Min RX (100 ms) is the larger
    (1, 100_000, 0.1),
])
def test_detection_time_is_received_multiplier_times_agreed_interval(
        mult: int, tx_us: int, detect: float) -> None:
    sim = Sim()
    assert sim.monitor.detection_time(1) == pytest.approx(MULT * INTERVAL)  # nothing received
    assert sim.monitor.received(1, reflected(detect_mult=mult, min_tx_interval=tx_us), 0.0)
    assert sim.monitor.detection_time(1) == pytest.approx(detect)
    assert sim.monitor.detection_time(2) == pytest.approx(MULT * INTERVAL)
    sim.monitor.tick(detect - 1e-6)
    assert [e for e in sim.monitor.pop_events() if e.link == 1] == []
    sim.monitor.tick(detect)
    [event] = [e for e in sim.monitor.pop_events() if e.link == 1]
    assert (event.up, event.time, event.last_rx) == (False, detect, 0.0)


def test_stale_down_echo_while_up_is_ignored() -> None:
    sim = Sim()
    sim.run(0.5)
    assert sim.monitor.received(1, reflected(sta=1, your_discriminator=0), 0.5)
    assert sim.monitor.state(1) == "Up" and sim.monitor.pop_events() == []


def test_admin_down_received_takes_the_session_down() -> None:
    sim = Sim()
    sim.run(0.5)
    assert sim.monitor.received(1, reflected(sta=0, your_discriminator=0), 0.5)
    [event] = sim.monitor.pop_events()
    assert (event.up, event.state, event.diag) == (False, "Down", "Neighbor Signaled Session Down")


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="interval must be > 0"):
        LinkMonitor(PATHS, interval=0, multiplier=3, now=0.0)
    with pytest.raises(ValueError, match="discriminator_base"):
        LinkMonitor(PATHS, interval=0.1, multiplier=3, now=0.0, discriminator_base=1 << 32)

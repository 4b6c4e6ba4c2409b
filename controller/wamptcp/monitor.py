"""BFD-style WAN link monitor: a pure state machine driven by the caller's clock.

Each gateway checks its own WAN links with BFD Control packets (RFC 5880, built with Scapy's
`scapy.contrib.bfd` layer) sent out of the link's port with the gateway's own WAN address as
both source and destination, as BFD Echo packets are addressed (RFC 5881 §4): the peer
gateway's data plane reflects them (`bfd_reflect`) and the sender's data plane hands them to
its controller (`bfd_to_cpu`). So every received packet is one of our own, and the RFC 5880
rules apply as follows:

- one session per link with its own discriminator; a received packet must carry it as
  My Discriminator and (once learnt) as Your Discriminator, else it is discarded (§6.8.6);
  the validity checks of §6.8.6 (version 1, length, detect multiplier, no multipoint bit,
  not both Poll and Final, no authentication) apply as written, and so does the TTL check of
  RFC 5881 §5 (255, as sent: the reflecting data plane leaves the TTL alone);
- Poll and Final are not used: the parameters are fixed for the life of a session, so there
  is never a Poll Sequence to run (§6.5);
- states AdminDown / Down / Init / Up with the §6.8.6 transitions on the State field of the
  reflected packet: Down + Down -> Init, Down + Init -> Up, Init + Init/Up -> Up, AdminDown
  received -> Down. A reflected packet in state Down while Up is our own stale echo, not the
  neighbour's opinion, so "Neighbor Signaled Session Down" does not apply and it is ignored.
  The Down -> Init -> Up sequence still asks for two successful round trips before a link is
  used again;
- detection time (§6.8.4) = the Detect Mult received last x the agreed interval, the greater
  of our Required Min RX Interval and the received Desired Min TX Interval (the "remote
  system" is our own echo, so these are our values unless a reflector altered them; before
  anything was received, our own multiplier x interval): no valid packet for that long in
  Init or Up -> Down, diagnostic "Control Detection Time Expired", Your Discriminator reset
  to 0 (§6.8.1). One lost probe never takes a link down while the multiplier is 2 or more;
- transmission every interval, reduced by 0-25 % of jitter (0-10 % when the multiplier is 1,
  §6.8.7) when a random source is given. The §6.8.3 rule of >= 1 s while not Up is meant to
  spare a neighbour's CPU in asynchronous mode; echoes are reflected by the data plane, so the
  configured interval is kept in every state (recovery is then detected within about two
  intervals plus the round-trip time).

The monitor also says whether a link may be used: `is_up(link)` starts as `initially_up` (the
agent installs entries with every link up), turns False when the session leaves Up (or never
reached Up within one detection time of the start) and True when it reaches Up; each change
is a `LinkEvent`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from scapy.contrib.bfd import BFD
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.wamptcp.site import MAX_LINK_ID

BFD_PORT = 3784  # RFC 5881 single-hop control packets
SOURCE_PORT_BASE = 49152  # RFC 5881 §4: source ports 49152..65535
TTL = 255  # RFC 5881 §5 (GTSM)

ADMIN_DOWN, DOWN, INIT, UP = 0, 1, 2, 3
STATE_NAMES = {ADMIN_DOWN: "AdminDown", DOWN: "Down", INIT: "Init", UP: "Up"}
DIAG_NONE = 0
DIAG_DETECTION_EXPIRED = 1
DIAG_NEIGHBOR_DOWN = 3
DIAG_ADMIN_DOWN = 7
DIAG_NAMES = {DIAG_NONE: "No Diagnostic", DIAG_DETECTION_EXPIRED: "Control Detection Time Expired",
              DIAG_NEIGHBOR_DOWN: "Neighbor Signaled Session Down",
              DIAG_ADMIN_DOWN: "Administratively Down"}


@dataclass(frozen=True)
class ProbePath:
    """Where one link's probes go: out of `port`, from/to the own WAN address `ip`."""

    link: int
    port: int
    src_mac: str  # own WAN MAC
    dst_mac: str  # the peer gateway's WAN MAC
    ip: str  # own WAN (tunnel endpoint) address


@dataclass(frozen=True)
class Probe:
    link: int
    port: int
    frame: bytes  # Ethernet / IPv4 / UDP / BFD, ready for a PacketOut


@dataclass(frozen=True)
class LinkEvent:
    link: int
    up: bool
    time: float  # the monitor's clock when the change was seen
    state: str  # session state after the change
    diag: str  # RFC 5880 diagnostic name
    last_rx: float | None  # when the last valid probe came back (None: never)


class _Session:
    """bfd.* state variables of one link (RFC 5880 §6.8.1), plus what the monitor adds."""

    def __init__(self, path: ProbePath, discriminator: int, now: float, usable: bool) -> None:
        self.path = path
        self.local_discr = discriminator
        self.remote_discr = 0
        self.state = DOWN
        self.diag = DIAG_NONE
        self.next_tx = now
        self.detect_from = now  # last valid reception, or when the detection timer started
        self.last_rx: float | None = None
        self.remote_mult: int | None = None  # Detect Mult of the last valid packet
        self.remote_min_tx = 0.0  # its Desired Min TX Interval, seconds
        self.usable = usable
        self.sent = 0
        self.received = 0
        self.discarded = 0


class LinkMonitor:
    """BFD sessions for a set of links; see the module docstring for the semantics."""

    def __init__(self, paths: Sequence[ProbePath], *, interval: float, multiplier: int,
                 now: float, discriminator_base: int = 0x5A000000,
                 rng: random.Random | None = None, initially_up: bool = True) -> None:
        if interval <= 0 or multiplier < 1:
            raise ValueError("interval must be > 0 and multiplier >= 1")
        if not 0 <= discriminator_base < (1 << 32) - MAX_LINK_ID:
            raise ValueError("discriminator_base must leave room for 32-bit discriminators")
        self.interval = interval
        self.multiplier = multiplier
        self._rng = rng
        self._sessions = {p.link: _Session(p, discriminator_base + p.link, now, initially_up)
                          for p in paths}
        self._events: list[LinkEvent] = []

    def detection_time(self, link: int) -> float:
        """The session's Detection Time (RFC 5880 §6.8.4), seconds."""
        s = self._sessions[link]
        if s.remote_mult is None:
            return self.interval * self.multiplier
        return s.remote_mult * max(self.interval, s.remote_min_tx)

    # -- queries

    def is_up(self, link: int) -> bool:
        return self._sessions[link].usable

    def state(self, link: int) -> str:
        return STATE_NAMES[self._sessions[link].state]

    def discriminator(self, link: int) -> int:
        return self._sessions[link].local_discr

    def stats(self, link: int) -> dict[str, int]:
        """Probes sent, valid ones received back, packets discarded."""
        s = self._sessions[link]
        return {"sent": s.sent, "received": s.received, "discarded": s.discarded}

    def next_deadline(self) -> float:
        """The earliest time `tick` has something to do."""
        times = []
        for s in self._sessions.values():
            if s.state == ADMIN_DOWN:
                continue
            times.append(s.next_tx)
            if s.state in (INIT, UP) or s.usable:
                times.append(s.detect_from + self.detection_time(s.path.link))
        return min(times, default=float("inf"))

    def pop_events(self) -> list[LinkEvent]:
        events, self._events = self._events, []
        return events

    # -- inputs

    def tick(self, now: float) -> list[Probe]:
        """Expire detection timers, then return the probes due at `now`."""
        probes = []
        for s in self._sessions.values():
            if s.state == ADMIN_DOWN:
                continue
            expired = now >= s.detect_from + self.detection_time(s.path.link)
            if expired and (s.state != DOWN or s.usable):
                s.state, s.diag, s.remote_discr = DOWN, DIAG_DETECTION_EXPIRED, 0
                self._set_usable(s, False, now)
            if now >= s.next_tx:
                probes.append(Probe(s.path.link, s.path.port, self._frame(s)))
                s.sent += 1
                s.next_tx = now + self._jittered()
        return probes

    def received(self, link: int, frame: bytes, now: float) -> bool:
        """Feed a probe that came back on `link`; False if it was discarded."""
        s = self._sessions.get(link)
        if s is None:
            return False
        bfd = self._valid_bfd(s, frame)
        if bfd is None or s.state == ADMIN_DOWN:
            s.discarded += 1
            return False
        s.received += 1
        s.remote_discr = bfd.my_discriminator
        s.remote_mult, s.remote_min_tx = bfd.detect_mult, bfd.min_tx_interval / 1_000_000
        s.detect_from = s.last_rx = now
        received_state = bfd.sta
        if received_state == ADMIN_DOWN:
            if s.state != DOWN:
                s.state, s.diag = DOWN, DIAG_NEIGHBOR_DOWN
                self._set_usable(s, False, now)
        elif s.state == DOWN:
            if received_state == DOWN:
                s.state = INIT
            elif received_state == INIT:
                s.state = UP
        elif s.state == INIT and received_state in (INIT, UP):
            s.state = UP
        if s.state == UP:
            s.diag = DIAG_NONE
            self._set_usable(s, True, now)
        return True

    def set_admin_down(self, link: int, down: bool, now: float) -> None:
        """Stop (down=True) or restart monitoring a link; AdminDown makes it unusable."""
        s = self._sessions[link]
        if down and s.state != ADMIN_DOWN:
            s.state, s.diag, s.remote_discr = ADMIN_DOWN, DIAG_ADMIN_DOWN, 0
            self._set_usable(s, False, now)
        elif not down and s.state == ADMIN_DOWN:
            s.state, s.diag = DOWN, DIAG_NONE
            s.detect_from = s.next_tx = now

    # -- helpers

    def _set_usable(self, s: _Session, usable: bool, now: float) -> None:
        if s.usable != usable:
            s.usable = usable
            self._events.append(LinkEvent(s.path.link, usable, now, STATE_NAMES[s.state],
                                          DIAG_NAMES[s.diag], s.last_rx))

    def _jittered(self) -> float:
        if self._rng is None:
            return self.interval
        low = 0.75
        high = 0.90 if self.multiplier == 1 else 1.0
        return self.interval * self._rng.uniform(low, high)

    def _frame(self, s: _Session) -> bytes:
        micros = round(self.interval * 1_000_000)
        control = BFD(version=1, diag=s.diag, sta=s.state, flags=0,
                      detect_mult=self.multiplier, my_discriminator=s.local_discr,
                      your_discriminator=s.remote_discr, min_tx_interval=micros,
                      min_rx_interval=micros, echo_rx_interval=0)
        path = s.path
        return bytes(Ether(src=path.src_mac, dst=path.dst_mac)
                     / IP(src=path.ip, dst=path.ip, ttl=TTL, id=0)
                     / UDP(sport=SOURCE_PORT_BASE + path.link, dport=BFD_PORT)
                     / control)

    @staticmethod
    def _valid_bfd(s: _Session, frame: bytes) -> BFD | None:
        """The BFD layer of a reflected probe of session `s`, or None (RFC 5880 §6.8.6)."""
        packet = Ether(frame)
        if IP not in packet or UDP not in packet or packet[UDP].dport != BFD_PORT:
            return None
        if packet[IP].dst != s.path.ip or packet[IP].ttl != TTL:
            return None
        payload = bytes(packet[UDP].payload)
        if len(payload) < 24:
            return None
        bfd = BFD(payload)
        valid = (bfd.version == 1 and not bfd.flags.A and 24 <= bfd.len <= len(payload)
                 and bfd.detect_mult != 0 and not bfd.flags.M
                 and not (bfd.flags.P and bfd.flags.F)
                 and bfd.my_discriminator == s.local_discr
                 and (bfd.your_discriminator == s.local_discr
                      or (bfd.your_discriminator == 0 and bfd.sta in (ADMIN_DOWN, DOWN))))
        return bfd if valid else None

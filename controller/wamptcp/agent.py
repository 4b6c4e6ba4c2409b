"""The gateway agent: one process (or thread) per gateway, the I/O shell around the pure parts.

It connects to its switch over P4Runtime, pushes the pipeline, installs the entries of its
role, then probes every WAN link with BFD packets sent as PacketOuts and fed back to the
monitor as PacketIns, and rewrites the remappable entries when a link goes down or comes
back. Each event is a JSON line with both clocks: `monotonic` (time.monotonic, to compare
with other processes' monotonic timestamps on the same machine, e.g. traffic logs) and
`wall` (time.time).

    python -m controller.wamptcp.agent --site FILE --role branch|remote --address HOST:PORT \
        --p4info P4INFO --device-config CONFIG [--device-id N] [--election-id N] \
        [--events FILE] [--bfd-interval-ms MS] [--bfd-multiplier N] \
        [--recovery-optimization on|off] [--log-level LEVEL]

SIGINT / SIGTERM end it cleanly (exit status 0); a bad site file or a refused request exits
with status 1 and one line saying why.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from controller.errors import SwitchError
from controller.switch import SwitchConnection
from controller.wamptcp.entries import GatewayTables, to_updates
from controller.wamptcp.monitor import LinkEvent, LinkMonitor, ProbePath
from controller.wamptcp.plan import PlanError, make_plan
from controller.wamptcp.site import ROLES, Bfd, Site, SiteError, load_site

log = logging.getLogger("wamptcp.agent")

#: Discriminator bases per role: the two gateways' sessions never share a discriminator.
DISCRIMINATOR_BASE = {"branch": 0x57B00000, "remote": 0x57C00000}
#: Longest wait for PacketIns, so a stop request is seen quickly at long BFD intervals.
MAX_WAIT = 0.05


class GatewayAgent:
    """Drives one gateway. Use `start()` then `run(stop)` (or `run_in_thread()`), then `close()`.

    `events` receives one JSON object per line (`link_down`, `link_up`, `installed`,
    `stopped`, `error`); `clock` and `wall_clock` are injectable for tests.
    """

    def __init__(self, site: Site, role: str, address: str, *, p4info: Path | str,
                 device_config: Path | str, device_id: int = 0,
                 election_id: tuple[int, int] = (0, 1), events: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        self.site, self.role = site, role
        self.plan = make_plan(site)
        self.tables = GatewayTables(site, self.plan, role)
        self.p4info, self.device_config = Path(p4info), Path(device_config)
        self.conn = SwitchConnection(site.gateways[role].name, address, device_id,
                                     election_id=election_id)
        self.events = events
        self.clock, self.wall_clock = clock, wall_clock
        self.monitor: LinkMonitor | None = None
        self._links_by_port = {link.endpoint(role).port: link.id for link in site.wan_links}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one writer of the event stream

    # -- set-up

    def start(self) -> None:
        """Connect, push the pipeline, install every entry in one batch, start the monitor."""
        self.conn.connect()
        self.conn.set_pipeline(self.p4info, self.device_config)
        entries = self.tables.install()
        began = self.clock()
        self.conn.write(to_updates(self.conn.codec, entries, "INSERT"), "install entries")
        self.emit("installed", entries=len(entries), write_ms=_ms(self.clock() - began))
        self.monitor = LinkMonitor(
            [self._probe_path(link.id) for link in self.site.wan_links],
            interval=self.site.bfd.interval_ms / 1000, multiplier=self.site.bfd.multiplier,
            now=self.clock(), discriminator_base=DISCRIMINATOR_BASE[self.role],
            rng=random.Random())

    def _probe_path(self, link_id: int) -> ProbePath:
        link = self.site.link(link_id)
        own, peer = link.endpoint(self.role), link.peer(self.role)
        return ProbePath(link.id, own.port, own.mac, peer.mac, str(own.ip))

    # -- the loop

    def run(self, stop: threading.Event | None = None) -> None:
        """Probe and react until `stop` (default: this agent's own stop flag) is set."""
        stop = stop or self._stop
        if self.monitor is None:
            raise RuntimeError("call start() first")
        try:
            while not stop.is_set():
                self.step()
        except SwitchError as exc:  # the switch went away: say so in the event log, then fail
            self.emit("error", message=str(exc))
            raise
        self.emit("stopped")

    def step(self) -> None:
        """Wait for PacketIns until the monitor's next deadline, then tick and apply events."""
        monitor = self.monitor
        assert monitor is not None
        wait = min(max(0.0, monitor.next_deadline() - self.clock()), MAX_WAIT)
        packet = self.conn.get_packet_in(timeout=wait)
        while packet is not None:
            link = self._links_by_port.get(packet.metadata.get("ingress_port", -1))
            if link is None or not monitor.received(link, packet.payload, self.clock()):
                log.debug("ignored PacketIn %s", packet.metadata)
            packet = self.conn.get_packet_in(timeout=0)
        for probe in monitor.tick(self.clock()):
            self.conn.packet_out(probe.frame, {"egress_port": probe.port})
        for event in monitor.pop_events():
            self._apply(event)

    def _apply(self, event: LinkEvent) -> None:
        entries = self.tables.up(event.link) if event.up else self.tables.down(event.link)
        began = self.clock()
        error = None
        if entries:
            try:
                self.conn.write(to_updates(self.conn.codec, entries, "MODIFY"),
                                f"remap for link {event.link}")
            except SwitchError as exc:
                error = str(exc)
        self.emit("link_up" if event.up else "link_down", link=event.link,
                   link_name=self.site.link(event.link).name, detected=event.time,
                   last_rx=event.last_rx, state=event.state, diag=event.diag,
                   updates=len(entries), write_ms=_ms(self.clock() - began),
                   live=sorted(self.tables.state.up), **({"error": error} if error else {}))

    # -- threads and shutdown

    def run_in_thread(self) -> threading.Thread:
        """Run the loop in a daemon thread (for the Mininet scenario); `stop()` ends it."""
        self._thread = threading.Thread(target=self.run, name=f"wamptcp-{self.role}",
                                        daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.conn.close()

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, "role": self.role, "monotonic": self.clock(),
                  "wall": self.wall_clock(), **fields}
        log.info("%s", " ".join(f"{k}={v}" for k, v in record.items()))
        if self.events is not None:
            with self._lock:
                self.events.write(json.dumps(record) + "\n")
                self.events.flush()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


# -- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m controller.wamptcp.agent",
        description="WaMPTCP gateway agent: install entries, monitor WAN links with BFD, remap.")
    parser.add_argument("--site", required=True, type=Path, help="site description (YAML)")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--address", required=True, help="P4Runtime server HOST:PORT")
    parser.add_argument("--p4info", required=True, type=Path)
    parser.add_argument("--device-config", required=True, type=Path)
    parser.add_argument("--device-id", type=int, default=0)
    parser.add_argument("--election-id", type=int, default=1, help="low 64 bits (default 1)")
    parser.add_argument("--events", type=Path, help="append events as JSON lines to FILE")
    parser.add_argument("--bfd-interval-ms", type=int, help="override the site's bfd.interval_ms")
    parser.add_argument("--bfd-multiplier", type=int, help="override the site's bfd.multiplier")
    parser.add_argument("--recovery-optimization", choices=("on", "off"),
                        help="override the site's recovery_optimization")
    parser.add_argument("--log-level", default="INFO",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return parser.parse_args(argv)


def site_with_overrides(site: Site, args: argparse.Namespace) -> Site:
    bfd = Bfd(args.bfd_interval_ms or site.bfd.interval_ms,
              args.bfd_multiplier or site.bfd.multiplier)
    if bfd.interval_ms < 1 or bfd.multiplier < 1:
        raise SiteError("--bfd-interval-ms and --bfd-multiplier must be >= 1")
    ro = site.recovery_optimization if args.recovery_optimization is None \
        else args.recovery_optimization == "on"
    return dataclasses.replace(site, bfd=bfd, recovery_optimization=ro)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    events = args.events.open("a", encoding="utf-8") if args.events else None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    agent = None
    try:
        site = site_with_overrides(load_site(args.site), args)
        agent = GatewayAgent(site, args.role, args.address, p4info=args.p4info,
                             device_config=args.device_config, device_id=args.device_id,
                             election_id=(0, args.election_id), events=events)
        agent.start()
        agent.run(stop)
        return 0
    except (SiteError, PlanError, SwitchError, OSError) as exc:
        print(f"wamptcp agent: {exc}", file=sys.stderr)
        return 1
    finally:
        if agent is not None:
            agent.close()
        if events is not None:
            events.close()


if __name__ == "__main__":
    sys.exit(main())

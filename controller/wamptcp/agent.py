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

SIGINT / SIGTERM end it cleanly (exit status 0); a bad site file, an events file that cannot
be opened, a wrong P4Info, a switch that cannot be reached or refuses a request exit with
status 1 and a message saying why (one line, plus one per refused update), never a traceback;
bad command-line values exit with status 2 (argparse). A remap the switch refuses
ends the agent as well (after an `error` event): carrying on would leave the entries and the
agent's idea of them apart.
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

from google.protobuf.message import DecodeError
from google.protobuf.text_format import ParseError
from p4.v1 import p4runtime_pb2

from controller.encoding import EncodingError
from controller.entities import Codec
from controller.errors import SwitchError
from controller.schema import P4Schema, UnknownNameError
from controller.switch import SwitchConnection
from controller.wamptcp.entries import Entry, GatewayTables, to_updates
from controller.wamptcp.monitor import LinkEvent, LinkMonitor, ProbePath
from controller.wamptcp.plan import PlanError, make_plan
from controller.wamptcp.site import ROLES, Bfd, Site, SiteError, load_site

log = logging.getLogger("wamptcp.agent")

#: Discriminator bases per role: the two gateways' sessions never share a discriminator.
DISCRIMINATOR_BASE = {"branch": 0x57B00000, "remote": 0x57C00000}
#: Longest wait for PacketIns, so a stop request is seen quickly at long BFD intervals.
MAX_WAIT = 0.05


class ProgramError(ValueError):
    """A P4Info file that cannot be read, or whose program is not the WaMPTCP gateway."""


def encode_entries(p4info: Path, entries: list[Entry]) -> list[p4runtime_pb2.Update]:
    """The INSERTs of `entries` for the program of `p4info`, built before any connection so a
    wrong file fails with a clear message instead of half-way through the set-up."""
    try:
        codec = Codec(P4Schema.load(p4info))
    except (ParseError, DecodeError, UnicodeDecodeError) as exc:
        raise ProgramError(f"{p4info}: not a P4Info file: {exc}") from None
    try:
        return to_updates(codec, entries, "INSERT")
    except (EncodingError, UnknownNameError) as exc:
        raise ProgramError(f"{p4info}: not the P4Info of wamptcp_gateway: {exc}") from None


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
        self.site, self.role = site, role
        self.plan = make_plan(site)
        self.tables = GatewayTables(site, self.plan, role)  # checks the role
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
        """Check the P4Info, connect, push the pipeline, install every entry in one batch,
        start the monitor."""
        entries = self.tables.install()
        updates = encode_entries(self.p4info, entries)
        self.conn.connect()
        self.conn.set_pipeline(self.p4info, self.device_config)
        began = self.clock()
        self.conn.write(updates, "install entries")
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
        """Write the remap of one link event, then log it; a refused write propagates (the
        loop logs it as `error` and ends) after the event is logged with the reason."""
        entries = self.tables.up(event.link) if event.up else self.tables.down(event.link)
        began = self.clock()
        error: SwitchError | None = None
        if entries:
            try:
                self.conn.write(to_updates(self.conn.codec, entries, "MODIFY"),
                                f"remap for link {event.link}")
            except SwitchError as exc:
                error = exc
        self.emit("link_up" if event.up else "link_down", link=event.link,
                   link_name=self.site.link(event.link).name, detected=event.time,
                   last_rx=event.last_rx, state=event.state, diag=event.diag,
                   updates=len(entries), write_ms=_ms(self.clock() - began),
                   live=sorted(self.tables.state.up),
                   **({"error": str(error)} if error else {}))
        if error is not None:
            raise error

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


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in low..high, else a usage error naming the range."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..{high}")
        return value
    return convert


EPILOG = """\
events (--events): one JSON object per line, appended; every one has "event", "role",
"monotonic" (time.monotonic) and "wall" (time.time):
  installed   entries (count), write_ms
  link_down   link, link_name, detected (monotonic time of detection), last_rx (last probe
  link_up     back, or null), state, diag (RFC 5880 names), updates (MODIFYs written),
              write_ms, live (link ids now up), error (only when the switch refused)
  error       message (the agent then exits with status 1)
  stopped     after SIGINT / SIGTERM
exit status: 0 stopped by a signal; 1 bad site file, events file, switch unreachable or a
request refused (stderr says which); 2 bad command line.
example:
  python -m controller.wamptcp.agent --site mininet_topos/topologies/wamptcp.yaml \\
      --role branch --address 127.0.0.1:9559 \\
      --p4info build/wamptcp_gateway/wamptcp_gateway.p4info.txtpb \\
      --device-config build/wamptcp_gateway/wamptcp_gateway.p4sim.json --events branch.jsonl
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m controller.wamptcp.agent",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="WaMPTCP gateway agent (one per gateway): push the pipeline, install the "
                    "entries of the role from the site file, monitor every WAN link with BFD "
                    "probes (PacketOut / PacketIn) and remap handoff buckets and, with recovery "
                    "optimisation, source subnets when a link goes down or comes back.",
        epilog=EPILOG)
    parser.add_argument("--site", required=True, type=Path,
                        help="site description (YAML, schema in controller/wamptcp/site.py)")
    parser.add_argument("--role", required=True, choices=ROLES, help="which gateway this is")
    parser.add_argument("--address", required=True, help="P4Runtime server HOST:PORT")
    parser.add_argument("--p4info", required=True, type=Path,
                        help="P4Info of wamptcp_gateway (text or binary)")
    parser.add_argument("--device-config", required=True, type=Path,
                        help="the target's device config (BMv2 / p4sim JSON)")
    parser.add_argument("--device-id", type=_bounded(0, (1 << 63) - 1), default=0,
                        help="P4Runtime device id (default 0)")
    parser.add_argument("--election-id", type=_bounded(1, (1 << 63) - 1), default=1,
                        help="low 64 bits of the election id (default 1)")
    parser.add_argument("--events", type=Path, metavar="FILE",
                        help="append events as JSON lines to FILE (format below)")
    parser.add_argument("--bfd-interval-ms", type=_bounded(1, 60_000), metavar="MS",
                        help="probe interval, overrides the site's bfd.interval_ms")
    parser.add_argument("--bfd-multiplier", type=_bounded(1, 255), metavar="N",
                        help="detect multiplier, overrides the site's bfd.multiplier")
    parser.add_argument("--recovery-optimization", choices=("on", "off"),
                        help="overrides the site's recovery_optimization")
    parser.add_argument("--log-level", default="INFO",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="log level of the human-readable log on stderr (default INFO)")
    return parser.parse_args(argv)


def site_with_overrides(site: Site, args: argparse.Namespace) -> Site:
    """The site with the command line's BFD and RO settings (argparse checked their ranges)."""
    bfd = Bfd(site.bfd.interval_ms if args.bfd_interval_ms is None else args.bfd_interval_ms,
              site.bfd.multiplier if args.bfd_multiplier is None else args.bfd_multiplier)
    ro = site.recovery_optimization if args.recovery_optimization is None \
        else args.recovery_optimization == "on"
    return dataclasses.replace(site, bfd=bfd, recovery_optimization=ro)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    agent, events = None, None
    try:
        site = site_with_overrides(load_site(args.site), args)
        if args.events is not None:  # OSError names the file
            events = args.events.open("a", encoding="utf-8")
        agent = GatewayAgent(site, args.role, args.address, p4info=args.p4info,
                             device_config=args.device_config, device_id=args.device_id,
                             election_id=(0, args.election_id), events=events)
        agent.start()
        agent.run(stop)
        return 0
    except (SiteError, PlanError, ProgramError, SwitchError, OSError) as exc:
        print(f"wamptcp agent: {exc}", file=sys.stderr)
        return 1
    finally:
        if agent is not None:
            agent.close()
        if events is not None:
            events.close()


if __name__ == "__main__":
    sys.exit(main())

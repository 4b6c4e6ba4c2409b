"""`p4sim run`: the switch process, with simple_switch_grpc's command line.

    p4sim run [PROGRAM] -i PORT@IFNAME ... [--device-id N] [--grpc-server-addr HOST:PORT]
              [--cpu-port N] [--pcap [DIR]] [--log-console] [--log-file FILE] [--no-p4]

It binds each `-i` interface with an AF_PACKET socket (p4sim.io), serves P4Runtime, and feeds
every received frame through the pipeline until SIGINT or SIGTERM. simple_switch_grpc takes its
target options after a `--`; that separator is accepted and ignored, so one command builder
serves both switches. Mistakes the user can fix (a missing interface, a gRPC port in use, a
missing program, no root) are one-line errors with exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from p4sim.cli import add_include_option, render_p4_error
from p4sim.io.loop import EventLoop
from p4sim.io.ports import MissingInterfaceError, PortSet

DEFAULT_GRPC_ADDRESS = "127.0.0.1:9559"
SHUTDOWN_GRACE_S = 1.0


class SwitchdError(Exception):
    """A problem the user can fix; printed as `p4sim run: error: <message>`."""


# ---------------------------------------------------------------- command line


def _port_binding(text: str) -> tuple[int, str]:
    number, sep, ifname = text.partition("@")
    if not sep or not number.isdigit() or not ifname:
        raise argparse.ArgumentTypeError(f"expected PORT@IFNAME (e.g. 1@veth0), got {text!r}")
    if int(number) >= 511:
        raise argparse.ArgumentTypeError(f"port {number} is out of range 0..510 (511 drops)")
    if len(ifname) > 15 or "/" in ifname or ifname.strip() != ifname:
        raise argparse.ArgumentTypeError(f"{ifname!r} is not a valid interface name")
    return int(number), ifname


def split_address(text: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 hosts in brackets) -> (host, port); ValueError when malformed."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected HOST:PORT (e.g. {DEFAULT_GRPC_ADDRESS}), got {text!r}")
    return host.removeprefix("[").removesuffix("]"), int(port)


def _address(text: str) -> str:
    try:
        split_address(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="p4sim run",
        description="Run a v1model program on Linux interfaces and serve P4Runtime, as "
        "simple_switch_grpc does.",
    )
    parser.add_argument(
        "program",
        nargs="?",
        type=Path,
        metavar="PROGRAM",
        help="a .p4 file (compiled now), a build directory or a .p4sim.json file (with its "
        ".p4info.txtpb beside it); omit with --no-p4",
    )
    parser.add_argument(
        "-i",
        "--interface",
        dest="interfaces",
        type=_port_binding,
        action="append",
        default=[],
        metavar="PORT@IFNAME",
        help="bind switch port PORT to Linux interface IFNAME (repeatable)",
    )
    parser.add_argument("--device-id", type=int, default=0, metavar="N", help="default: 0")
    parser.add_argument(
        "--grpc-server-addr",
        type=_address,
        default=DEFAULT_GRPC_ADDRESS,
        metavar="HOST:PORT",
        help=f"P4Runtime server address (default: {DEFAULT_GRPC_ADDRESS})",
    )
    parser.add_argument(
        "--cpu-port",
        type=int,
        metavar="N",
        help="port number of the controller: packets sent to it become PacketIn messages",
    )
    parser.add_argument(
        "--pcap",
        nargs="?",
        const=Path("."),
        type=Path,
        metavar="DIR",
        help="write DIR/<ifname>_in.pcap and _out.pcap for every interface (default DIR: .)",
    )
    parser.add_argument(
        "--log-console", action="store_true", help="print the per-packet trace on stdout"
    )
    parser.add_argument(
        "--log-file", type=Path, metavar="FILE", help="write the per-packet trace to FILE"
    )
    parser.add_argument(
        "--p4runtime-log", type=Path, metavar="FILE", help="log every P4Runtime request to FILE"
    )
    add_include_option(parser, "include directory when PROGRAM is a .p4 file")
    parser.add_argument(
        "--no-p4",
        action="store_true",
        help="start without a program and wait for SetForwardingPipelineConfig",
    )
    return parser


def _check_args(args: argparse.Namespace) -> None:
    if args.no_p4 and args.program is not None:
        raise SwitchdError("give either PROGRAM or --no-p4, not both")
    if not args.no_p4 and args.program is None:
        raise SwitchdError("no program: give PROGRAM or --no-p4")
    numbers = [number for number, _ in args.interfaces]
    names = [ifname for _, ifname in args.interfaces]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise SwitchdError(f"port {twice[0]} is bound twice (-i {twice[0]}@...)")
    shared = sorted({n for n in names if names.count(n) > 1})
    if shared:
        raise SwitchdError(f"interface {shared[0]} is bound to two ports")
    if args.cpu_port is not None and args.cpu_port in numbers:
        raise SwitchdError(
            f"--cpu-port {args.cpu_port} is also bound to an interface; the CPU port is the "
            "controller, not an interface"
        )


# ---------------------------------------------------------------- program


@dataclass(frozen=True)
class Program:
    """What the server preloads: P4Info (a p4.config.v1.P4Info message) and the device config."""

    p4info: object
    device_config: bytes


def _compile(path: Path, include_dirs: list[Path]) -> Program:
    from p4sim import ir
    from p4sim.compiler import compile_file
    from p4sim.frontend.diagnostics import P4Error
    from p4sim.p4info import build_p4info

    try:
        compiled = compile_file(path, include_dirs)
    except P4Error as err:
        raise SwitchdError(f"cannot compile {path}:\n{render_p4_error(err)}") from None
    except OSError as err:
        raise SwitchdError(f"cannot read {err.filename or path}: {err.strerror}") from None
    for coord, message in compiled.source.warnings:
        print(f"{coord}: warning: {message}", file=sys.stderr)
    return Program(build_p4info(compiled), ir.dumps(compiled.program).encode())


def _device_config_in(directory: Path) -> Path:
    configs = sorted(directory.glob("*.p4sim.json"))
    if len(configs) == 1:
        return configs[0]
    if configs:
        names = ", ".join(c.name for c in configs)
        raise SwitchdError(f"{directory} holds several programs ({names}); name one")
    if any(directory.glob("*.json")):
        raise SwitchdError(
            f"{directory} holds BMv2 output, not p4sim's; build with `make build TARGET=p4sim`"
        )
    raise SwitchdError(f"no <name>.p4sim.json in {directory}; build with `p4sim compile`")


def load_program(path: Path, include_dirs: list[Path]) -> Program:
    """Read PROGRAM as `p4sim run` accepts it; SwitchdError with the fix when unusable."""
    from google.protobuf import text_format
    from p4.config.v1 import p4info_pb2

    if not path.exists():
        raise SwitchdError(f"program {path} does not exist")
    if path.suffix == ".p4":
        return _compile(path, include_dirs)
    config_path = _device_config_in(path) if path.is_dir() else path
    if not config_path.name.endswith(".p4sim.json"):
        raise SwitchdError(
            f"{path} is not a p4sim program; give a .p4 file, a build directory or a "
            ".p4sim.json file (BMv2 JSON runs on simple_switch_grpc, not on p4sim)"
        )
    p4info_path = config_path.with_name(config_path.name.removesuffix(".p4sim.json"))
    p4info_path = p4info_path.with_name(p4info_path.name + ".p4info.txtpb")
    if not p4info_path.is_file():
        raise SwitchdError(f"{p4info_path} is missing (it is written beside {config_path.name})")
    p4info = p4info_pb2.P4Info()
    try:
        text_format.Parse(p4info_path.read_text(encoding="utf-8"), p4info)
        return Program(p4info, config_path.read_bytes())
    except (text_format.ParseError, UnicodeDecodeError) as err:
        raise SwitchdError(f"{p4info_path}: not a P4Info text file: {err}") from None
    except OSError as err:
        raise SwitchdError(f"cannot read {err.filename}: {err.strerror}") from None


# ---------------------------------------------------------------- logging


class LogSink:
    """Timestamped lines to the console and/or a file, from any thread, flushed per line.

    Sinks that share a stream must share `lock` too, or lines written at the same moment by
    the event loop and a P4Runtime thread could interleave.
    """

    def __init__(
        self, console: TextIO | None, file: TextIO | None, lock: threading.Lock
    ) -> None:
        self._streams = [s for s in (console, file) if s is not None]
        self._lock = lock

    def __bool__(self) -> bool:
        return bool(self._streams)

    def __call__(self, line: str) -> None:
        now = time.time()
        stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
        with self._lock:
            for stream in self._streams:
                stream.write(f"[{stamp}] {line}\n")
                stream.flush()


# ---------------------------------------------------------------- running


def check_address_free(address: str) -> None:
    """SwitchdError when HOST:PORT cannot be bound (gRPC's SO_REUSEPORT would not tell)."""
    host, port = split_address(address)
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise SwitchdError(f"--grpc-server-addr {address}: unknown host ({err})") from None
    family, kind, proto, _name, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise SwitchdError(
                    f"gRPC address {address} is already in use (another switch running?); "
                    "stop it or choose another --grpc-server-addr"
                ) from None
            raise SwitchdError(f"cannot listen on {address}: {err.strerror}") from None


def _open_ports(args: argparse.Namespace) -> PortSet:
    ports = PortSet(dict(args.interfaces), pcap_dir=args.pcap)
    try:
        ports.open()
    except MissingInterfaceError as err:
        listed = ", ".join(err.ifnames)
        raise SwitchdError(f"interface(s) {listed} do not exist (check -i PORT@IFNAME)") from None
    except PermissionError:
        raise SwitchdError(
            "raw AF_PACKET sockets need root (or CAP_NET_RAW); run with sudo"
        ) from None
    except OSError as err:
        raise SwitchdError(f"cannot open the ports: {err}") from None
    return ports


def _install_signal_handlers(stop: Callable[[], None]) -> dict[int, object]:
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda _signum, _frame: stop())
    return previous


def _port_summary(ports: PortSet) -> list[str]:
    lines = []
    for port in ports:
        c = port.counters
        truncated = f", rx truncated {c.rx_truncated}" if c.rx_truncated else ""
        lines.append(
            f"port {port.number} ({port.ifname}): rx {c.rx_packets}{truncated}, "
            f"tx {c.tx_packets}, tx dropped {c.tx_dropped} (link down or refused)"
        )
    if ports.unbound_drops:
        lines.append(f"{ports.unbound_drops} packet(s) sent to ports with no interface dropped")
    return lines


def _serve(
    args: argparse.Namespace,
    program: Program | None,
    ports: PortSet,
    events: LogSink,
    trace: LogSink,
) -> None:
    from p4sim.runtime.dataplane import Dataplane
    from p4sim.runtime.errors import RuntimeApiError
    from p4sim.runtime.switch import Switch
    from p4sim.server import make_server

    switch = Switch(device_id=args.device_id, cpu_port=args.cpu_port, trace=trace or None)
    dataplane = Dataplane(switch, ports.transmit)
    try:
        server = make_server(
            switch, dataplane, args.grpc_server_addr, request_log=args.p4runtime_log
        )
    except OSError as err:  # the request log cannot be created
        raise SwitchdError(f"cannot write --p4runtime-log {args.p4runtime_log}: {err}") from None
    try:
        if program is not None:
            server.preload(program.p4info, program.device_config)
        server.start()
    except RuntimeApiError as err:
        raise SwitchdError(f"cannot load {args.program}: {err.message}") from None
    except RuntimeError as err:  # grpc: "Failed to bind to address ..."
        raise SwitchdError(f"cannot serve P4Runtime on {args.grpc_server_addr}: {err}") from None
    loop = EventLoop(ports, dataplane.inject, on_status=switch.set_port_status, log=events)
    previous = _install_signal_handlers(loop.stop)
    try:
        bound = " ".join(f"{p.number}@{p.ifname}" for p in ports) or "none"
        events(
            f"p4sim run: device {args.device_id}, P4Runtime on {args.grpc_server_addr} "
            f"(port {server.port}), ports {bound}"
            + ("" if program else ", waiting for SetForwardingPipelineConfig")
        )
        loop.run()
        events("p4sim run: stopping")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop(SHUTDOWN_GRACE_S)
        loop.close()
    for line in _port_summary(ports):
        events(line)


def _run(args: argparse.Namespace) -> int:
    _check_args(args)
    program = load_program(args.program, args.include_dirs) if args.program else None
    check_address_free(args.grpc_server_addr)
    ports = _open_ports(args)
    log_file = None
    try:
        if args.log_file is not None:
            try:
                log_file = open(args.log_file, "a", encoding="utf-8")  # noqa: SIM115
            except OSError as err:
                raise SwitchdError(f"cannot write --log-file {args.log_file}: {err}") from None
        lock = threading.Lock()
        events = LogSink(sys.stdout, log_file, lock)
        trace = LogSink(sys.stdout if args.log_console else None, log_file, lock)
        _serve(args, program, ports, events, trace)
    finally:
        ports.close()
        if log_file is not None:
            log_file.close()
    return 0


def main(argv: list[str]) -> int:
    """Entry point of `p4sim run` (argv without the `run`); returns the exit status."""
    args = build_parser().parse_args([a for a in argv if a != "--"])
    try:
        return _run(args)
    except SwitchdError as err:
        print(f"p4sim run: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # before the signal handlers were installed
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug is reported, not shown as a traceback
        print(
            f"p4sim run: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in p4sim; please report it with the command line that triggered it.",
            file=sys.stderr,
        )
        return 2

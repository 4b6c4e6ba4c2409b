"""Command line of the traffic tool.

    python -m apps.traffic server [--bind ::] [--port 5201] [--protocol auto|mptcp|tcp] [--once]
    python -m apps.traffic client HOST [--protocol mptcp|tcp] [--source ADDR]
        [--mode bulk|download|records|rr] [--direction down|up] [--time S] [--bytes N]
        [--interval S] [--rate R] [--record-size B] [--request-size B] [--response-size B]
        [--format jsonl|csv] [--output FILE] [--summary FILE]

Examples: goodput of a 10 s MPTCP download every 50 ms as CSV, then a 20 MB download time,
then 100 records/s for 10 s, then 10 s of 1-byte transactions:

    python -m apps.traffic client 10.0.0.2 --time 10 --interval 0.05 --format csv
    python -m apps.traffic client 10.0.0.2 --mode download --bytes 20M
    python -m apps.traffic client 10.0.0.2 --mode records --rate 100 --time 10
    python -m apps.traffic client 10.0.0.2 --mode rr --time 10

Exit status: 0 after a complete measurement, 1 on a connection or protocol error.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from apps.traffic import output, transport
from apps.traffic.client import ClientOptions, run_client
from apps.traffic.server import Server
from apps.traffic.wire import MODES, Hello, ProtocolError

_SUFFIXES = {"K": 1024, "M": 1024**2, "G": 1024**3}


def byte_count(text: str) -> int:
    """"1500", "64K", "20M", "2G" (binary multiples) -> bytes."""
    factor = _SUFFIXES.get(text[-1:].upper(), 1)
    digits = text[:-1] if factor > 1 else text
    try:
        value = int(digits) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a byte count: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m apps.traffic",
        description="MPTCP-capable traffic generator: goodput, records, transactions.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    server = sub.add_parser("server", help="answer measurements")
    server.add_argument("--bind", default="::", help="listen address (default :: = v4 and v6)")
    server.add_argument("--port", type=int, default=5201)
    server.add_argument(
        "--protocol",
        default="auto",
        choices=("auto", *transport.PROTOCOLS),
        help="auto: MPTCP when the kernel has it (serves TCP clients too), else TCP",
    )
    server.add_argument("--once", action="store_true", help="exit after one measurement")

    client = sub.add_parser("client", help="run one measurement against a server")
    client.add_argument("host")
    client.add_argument("--port", type=int, default=5201)
    client.add_argument("--protocol", default="mptcp", choices=transport.PROTOCOLS)
    client.add_argument("--source", help="local address to connect from")
    client.add_argument("--mode", default="bulk", choices=MODES)
    client.add_argument(
        "--direction", default="down", choices=("down", "up"), help="down: server sends"
    )
    client.add_argument("--time", type=float, help="seconds to send (default 10 unless --bytes)")
    client.add_argument("--bytes", type=byte_count, help="bytes to send (bulk, download)")
    client.add_argument("--interval", type=float, default=0.05, help="seconds per sample")
    client.add_argument("--rate", type=float, default=100.0, help="records per second")
    client.add_argument("--record-size", type=byte_count, default=64)
    client.add_argument("--request-size", type=byte_count, default=1)
    client.add_argument("--response-size", type=byte_count, default=1)
    client.add_argument("--connect-timeout", type=float, default=5.0)
    client.add_argument("--format", default="jsonl", choices=output.FORMATS)
    client.add_argument("--output", type=Path, help="series file (default: stdout)")
    client.add_argument(
        "--summary", type=Path, help="summary file for --format csv (default: stderr)"
    )
    return parser


def _hello(args: argparse.Namespace) -> Hello:
    duration = args.time if args.time is not None or args.bytes is not None else 10.0
    return Hello(
        mode=args.mode,
        direction=args.direction,
        duration=duration,
        size=args.bytes,
        interval=args.interval,
        rate=args.rate,
        record_size=args.record_size,
        request_size=args.request_size,
        response_size=args.response_size,
    )


def _client(args: argparse.Namespace) -> int:
    hello = _hello(args)
    options = ClientOptions(
        host=args.host,
        hello=hello,
        port=args.port,
        protocol=args.protocol,
        source=args.source,
        connect_timeout=args.connect_timeout,
    )
    lines, summary = run_client(options)
    with ExitStack() as stack:
        out = stack.enter_context(args.output.open("w")) if args.output else sys.stdout
        if args.format == "jsonl":
            output.write_jsonl([*lines, summary], out)
        else:
            output.write_csv(lines, out)
            target = stack.enter_context(args.summary.open("w")) if args.summary else sys.stderr
            output.write_jsonl([summary], target)
    return 0


def _server(args: argparse.Namespace) -> int:
    protocol = args.protocol
    if protocol == "auto":
        protocol = "mptcp" if transport.mptcp_supported() else "tcp"
    server = Server(args.bind, args.port, protocol)
    print(f"server: listening on [{args.bind}]:{server.port} ({protocol})", file=sys.stderr)
    try:
        server.serve(once=args.once)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _server(args) if args.command == "server" else _client(args)
    except (OSError, ProtocolError) as err:
        print(f"traffic: error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1

"""`make run`: start a topology of P4 switches in Mininet, install routes, ping all hosts.

    python -m mininet_topos.run [--topology FILE] [--target auto|bmv2|p4sim] [--cli] [--clean]

Leftovers of an earlier run are removed first; the network is torn down however this ends
(Ctrl-C, SIGTERM, an error), and switch processes die with this process even on SIGKILL.
Exit status: 0 when every host reached every other, 1 otherwise or on an error.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from pathlib import Path

from mininet_topos.cleanup import CleanupStack, remove_leftovers
from mininet_topos.launch import SwitchStartError
from mininet_topos.netem import netem_available
from mininet_topos.routes import compute_routes, install_routes
from mininet_topos.targets import TARGETS, program_files, resolve_target
from mininet_topos.topology import Topology, TopologyError, load_topology

DEFAULT_TOPOLOGY = Path(__file__).with_name("topologies") / "basic.yaml"


class ScenarioError(Exception):
    """Something the user can fix before the network starts."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mininet_topos.run",
        description="Start a Mininet topology of P4 switches, install shortest-path routes over "
        "P4Runtime and ping between all hosts.",
    )
    parser.add_argument("--topology", type=Path, default=DEFAULT_TOPOLOGY, metavar="FILE")
    parser.add_argument("--target", default="auto", choices=("auto", *TARGETS))
    parser.add_argument("--build-dir", type=Path, default=Path("build"), metavar="DIR")
    parser.add_argument("--log-dir", type=Path, default=Path("build/logs"), metavar="DIR")
    parser.add_argument("--grpc-port-base", type=int, default=9559, metavar="PORT")
    parser.add_argument("--start-timeout", type=float, default=30.0, metavar="SECONDS")
    parser.add_argument("--cli", action="store_true", help="open the Mininet CLI after the ping")
    parser.add_argument(
        "--clean", action="store_true", help="only remove leftovers of an earlier run"
    )
    return parser


def _preflight(args: argparse.Namespace) -> tuple[Topology, str, Path, Path]:
    if os.geteuid() != 0:
        raise ScenarioError("Mininet needs root: run `sudo make run`")
    try:
        import mininet.net  # noqa: F401 - only checks that Mininet is importable
    except ImportError:
        raise ScenarioError(
            f"Mininet is not importable from {sys.executable}; `make system-deps` installs it "
            "and makes it visible to .venv"
        ) from None
    missing = [
        tool for tool in ("ethtool", "mnexec", "ip", "tc", "ping") if shutil.which(tool) is None
    ]
    if missing:
        raise ScenarioError(f"{', '.join(missing)} not found; run `sudo make system-deps`")
    try:
        topology = load_topology(args.topology)
        compute_routes(topology)  # reports unreachable hosts before anything starts
    except TopologyError as err:
        raise ScenarioError(str(err)) from None
    target = resolve_target(args.target)
    p4info, config = program_files(args.build_dir, topology.program, target)
    for path in (p4info, config):
        if not path.is_file():
            raise ScenarioError(f"{path} is missing: run `make build TARGET={target}`")
    return topology, target, p4info, config


def _scenario(args: argparse.Namespace, cleanup: CleanupStack) -> int:
    from mininet.cli import CLI
    from mininet.log import setLogLevel

    from mininet_topos.network import build_network

    topology, target, p4info, config = _preflight(args)
    nodes = [*topology.hosts, *topology.switches]
    for item in remove_leftovers(nodes, args.log_dir):
        print(f"cleanup: removed leftover {item}")
    if args.clean:
        return 0
    netem = netem_available() is True
    print(f"run: {args.topology.name} on target {target}, logs and pcaps in {args.log_dir}/")
    setLogLevel("info")
    # p4runtime-shell logs through the root logger, which then gets a handler of its own:
    # without this, every Mininet message would be printed twice.
    logging.getLogger("mininet").propagate = False
    cleanup.push("remove leftovers", lambda: remove_leftovers(nodes, args.log_dir))
    net = build_network(
        topology,
        target,
        log_dir=args.log_dir,
        grpc_port_base=args.grpc_port_base,
        netem=netem,
        start_timeout=args.start_timeout,
    )
    cleanup.push("stop the network", net.stop)
    net.start()
    for switch_name, routes in compute_routes(topology).items():
        launch = net.get(switch_name).launch
        try:
            # p4sim's server logs requests itself (--p4runtime-log); BMv2 needs the controller to
            request_log = launch.p4runtime_log if target == "bmv2" else None
            install_routes(launch.grpc_address, launch.device_id, p4info, config, routes,
                           request_log)
        except Exception as err:  # noqa: BLE001 - shown with the switch's logs, not a traceback
            raise ScenarioError(
                f"{switch_name}: installing the routes over P4Runtime failed: "
                f"{type(err).__name__}: {err}\n  switch log: {launch.log_path}"
            ) from None
        print(f"run: {switch_name}: pipeline {topology.program} and {len(routes)} routes installed")
    loss = net.pingAll(timeout=2)
    print(f"run: {'all hosts reach each other' if loss == 0 else f'{loss:g}% of pings lost'}")
    if args.cli:
        CLI(net)
    return 0 if loss == 0 else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cleanup = CleanupStack()
    cleanup.install()
    try:
        return _scenario(args, cleanup)
    except (ScenarioError, SwitchStartError, ConnectionError) as err:
        print(f"run: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("run: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the network is cleaned up; say what broke
        print(f"run: internal error: {type(err).__name__}: {err}\n"
              "The network has been cleaned up; please report this with the output above.",
              file=sys.stderr)
        return 2
    finally:
        cleanup.run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

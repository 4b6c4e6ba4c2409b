"""A program under test: compiled for the chosen target, running, and connected over P4Runtime."""

from __future__ import annotations

import subprocess
from pathlib import Path

from controller.switch import SwitchConnection
from harness.packets import PacketHarness
from harness.targets import Bmv2Target, P4simTarget, Target


def build_program(program: Path, out_dir: Path, target: str) -> tuple[Path, Path]:
    """Compile `program` for `target`; returns (P4Info path, device config path)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = program.stem
    p4info = out_dir / f"{name}.p4info.txtpb"
    if target == "bmv2":
        config = out_dir / f"{name}.json"
        subprocess.run(
            ["p4c-bm2-ss", "--p4runtime-files", str(p4info), "-o", str(config), str(program)],
            check=True, capture_output=True, text=True,
        )
        return p4info, config
    from p4sim.compiler import compile_file, write_outputs

    write_outputs(compile_file(program), out_dir)
    return p4info, out_dir / f"{name}.p4sim.json"


class SwitchUnderTest(PacketHarness):
    """Packet helpers plus `conn`, a primary SwitchConnection with the pipeline pushed."""

    def __init__(self, target: Target, p4info: Path, device_config: Path) -> None:
        super().__init__(target)
        kind = target.name
        self.conn = SwitchConnection(
            "sut", target.address, target.device_id, target=kind if kind == "bmv2" else None,
            thrift_port=getattr(target, "thrift_port", None),
        )
        try:
            self.conn.connect()
            self.conn.set_pipeline(p4info, device_config)
        except BaseException:
            self.conn.close()  # the caller closes the target, but never saw this connection
            raise

    def close(self) -> None:
        self.conn.close()
        self.target.close()


def start_target(kind: str) -> Target:
    return Bmv2Target() if kind == "bmv2" else P4simTarget()

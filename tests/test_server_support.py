"""Building blocks shared by the P4Runtime server tests (this module has no tests itself).

An in-process p4sim switch with its server on a free port, p4runtime-shell clients, and
Write / Read helpers that return the exact status code of every batch element."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from google.protobuf import text_format
from google.rpc import code_pb2, status_pb2
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2
from p4runtime_sh.p4runtime import P4RuntimeClient

from p4sim.compiler import compile_file, write_outputs
from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.switch import Switch
from p4sim.server import make_server

ROOT = Path(__file__).resolve().parent.parent
CPU_PORT = 255


def build(program: Path, out_dir: Path) -> tuple[Path, Path]:
    """Compile a program; returns its (P4Info, device config) paths."""
    include = [ROOT / "p4src" / "include"]
    p4info, device_config = write_outputs(compile_file(program, include), out_dir)
    return p4info, device_config


def load_p4info(path: Path) -> p4info_pb2.P4Info:
    return text_format.Parse(path.read_text(), p4info_pb2.P4Info())


class Rig:
    """A switch, its data plane (frames out are collected) and its running P4Runtime server."""

    def __init__(self, request_log: Path | None = None, device_id: int = 0) -> None:
        self.switch = Switch(device_id=device_id, cpu_port=CPU_PORT)
        self.sent: list[tuple[int, bytes]] = []
        self.dataplane = Dataplane(self.switch, lambda port, data: self.sent.append((port, data)))
        self.server = make_server(self.switch, self.dataplane, "127.0.0.1:0",
                                  request_log=request_log)
        self.server.start()
        self.address = f"127.0.0.1:{self.server.port}"

    def close(self) -> None:
        self.server.stop(0)


@contextmanager
def rig(request_log: Path | None = None) -> Iterator[Rig]:
    r = Rig(request_log)
    try:
        yield r
    finally:
        r.close()


@contextmanager
def client(address: str, election_id: tuple[int, int] = (0, 1), device_id: int = 0,
           role: str | None = None) -> Iterator[P4RuntimeClient]:
    c = P4RuntimeClient(device_id, address, election_id, role_name=role)
    try:
        yield c
    finally:
        c.tear_down()


def update(kind: str, entity_text: str) -> p4runtime_pb2.Update:
    """An Update of type INSERT / MODIFY / DELETE from an Entity in protobuf text format."""
    u = p4runtime_pb2.Update(type=p4runtime_pb2.Update.Type.Value(kind))
    text_format.Parse(entity_text, u.entity)
    return u


def entity(text: str) -> p4runtime_pb2.Entity:
    return text_format.Parse(text, p4runtime_pb2.Entity())


def status_details(err: grpc.RpcError) -> list[tuple[str, str]]:
    """(code name, message) of each p4.v1.Error in a batch status."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            rpc = status_pb2.Status.FromString(value)
            out = []
            for detail in rpc.details:
                error = p4runtime_pb2.Error()
                detail.Unpack(error)
                out.append((code_pb2.Code.Name(error.canonical_code), error.message))
            return out
    return []


def write(c: P4RuntimeClient, *updates: p4runtime_pb2.Update,
          election_id: tuple[int, int] | None = None, **fields: object) -> list[str]:
    """Send one Write batch; the code name of every update ("OK" each on success).

    RPC-wide errors raise grpc.RpcError."""
    high, low = election_id or c.election_id
    request = p4runtime_pb2.WriteRequest(device_id=c.device_id, updates=updates, **fields)
    request.election_id.high, request.election_id.low = high, low
    if c.role_name:
        request.role = c.role_name
    try:
        c.stub.Write(request)
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.UNKNOWN:
            raise
        return [code for code, _ in status_details(err)]
    return ["OK"] * len(updates)


def read(c: P4RuntimeClient, *entities: p4runtime_pb2.Entity,
         device_id: int | None = None) -> list[p4runtime_pb2.Entity]:
    """All entities a Read returns (raises grpc.RpcError on errors)."""
    request = p4runtime_pb2.ReadRequest(
        device_id=c.device_id if device_id is None else device_id, entities=entities
    )
    return [e for response in c.stub.Read(request) for e in response.entities]


def read_codes(c: P4RuntimeClient, *entities: p4runtime_pb2.Entity) -> list[str]:
    """The per-entity codes of a Read ("OK" each on success)."""
    try:
        read(c, *entities)
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.UNKNOWN, err
        return [code for code, _ in status_details(err)]
    return ["OK"] * len(entities)


def set_pipeline(c: P4RuntimeClient, p4info: Path | None, device_config: Path | None,
                 action: str = "VERIFY_AND_COMMIT", cookie: int | None = None) -> None:
    Request = p4runtime_pb2.SetForwardingPipelineConfigRequest
    request = Request(device_id=c.device_id, action=Request.Action.Value(action))
    request.election_id.high, request.election_id.low = c.election_id
    if c.role_name:
        request.role = c.role_name
    if p4info is not None:
        request.config.p4info.CopyFrom(load_p4info(p4info))
    if device_config is not None:
        request.config.p4_device_config = device_config.read_bytes()
    if cookie is not None:
        request.config.cookie.cookie = cookie
    c.stub.SetForwardingPipelineConfig(request)


def one_line(msg: object) -> str:
    return text_format.MessageToString(msg, as_one_line=True)  # type: ignore[arg-type]

"""Multicast groups and clone sessions ("PacketReplicationEngineEntry").

Id 0 is the read wildcard and never valid in a write (INVALID_ARGUMENT). Replica ports are
v1model's 9-bit ports and instances its 16-bit `egress_rid` (INVALID_ARGUMENT beyond). The
replication engine checks the rest with BMv2's codes (duplicates, session id range, clone
options simple_switch cannot do).
"""

from __future__ import annotations

from collections.abc import Sequence

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.pre import CloneSession, Replica
from p4sim.server import codec
from p4sim.server.selection import narrowed
from p4sim.server.target import Target

INSERT, MODIFY, DELETE = (
    p4runtime_pb2.Update.INSERT,
    p4runtime_pb2.Update.MODIFY,
    p4runtime_pb2.Update.DELETE,
)
PORT_BITS = 9  # v1model egress_port
RID_BITS = 16  # v1model egress_rid
Entity = p4runtime_pb2.Entity


def write_pre(
    t: Target, update_type: int, msg: p4runtime_pb2.PacketReplicationEngineEntry
) -> None:
    which = msg.WhichOneof("type")
    if which == "multicast_group_entry":
        _write_group(t, update_type, msg.multicast_group_entry)
    elif which == "clone_session_entry":
        _write_session(t, update_type, msg.clone_session_entry)
    else:
        raise RuntimeApiError("INVALID_ARGUMENT", "empty PacketReplicationEngineEntry")


def _replicas(replicas: Sequence[p4runtime_pb2.Replica]) -> tuple[tuple[Replica, ...], bool]:
    """Runtime replicas, and whether they used the `port` bytes field (vs `egress_port`)."""
    out = []
    kinds = set()
    for r in replicas:
        kind = r.WhichOneof("port_kind")
        kinds.add(kind)
        port = codec.decode(r.port, 32, "replica port") if kind == "port" else r.egress_port
        if port >> PORT_BITS:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"replica port {port} is not a v1model ({PORT_BITS}-bit) port"
            )
        if r.instance >> RID_BITS:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"replica instance {r.instance} does not fit egress_rid"
            )
        out.append(Replica(port, r.instance))
    return tuple(out), kinds == {"port"}


def _replica_messages(replicas: Sequence[Replica], as_bytes: bool) -> list[p4runtime_pb2.Replica]:
    if as_bytes:
        return [p4runtime_pb2.Replica(port=codec.encode(r.port), instance=r.rid) for r in replicas]
    return [p4runtime_pb2.Replica(egress_port=r.port, instance=r.rid) for r in replicas]


def _write_group(t: Target, update_type: int, msg: p4runtime_pb2.MulticastGroupEntry) -> None:
    group_id = msg.multicast_group_id
    if group_id == 0:
        raise RuntimeApiError("INVALID_ARGUMENT", "multicast group id 0 is not valid")
    pre = t.switch.pre
    key = ("mc", group_id)
    if update_type == DELETE:
        pre.delete_group(group_id)
        t.spellings.replica_port_bytes.discard(key)
        t.spellings.multicast_metadata.pop(group_id, None)
        return
    replicas, as_bytes = _replicas(msg.replicas)
    if update_type == INSERT:
        pre.insert_group(group_id, replicas)
    else:
        pre.modify_group(group_id, replicas)
    _remember(t, key, as_bytes)
    t.spellings.multicast_metadata[group_id] = msg.metadata


def _write_session(t: Target, update_type: int, msg: p4runtime_pb2.CloneSessionEntry) -> None:
    session_id = msg.session_id
    if session_id == 0:
        raise RuntimeApiError("INVALID_ARGUMENT", "clone session id 0 is not valid")
    pre = t.switch.pre
    key = ("clone", session_id)
    if update_type == DELETE:
        pre.delete_session(session_id)
        t.spellings.replica_port_bytes.discard(key)
        return
    replicas, as_bytes = _replicas(msg.replicas)
    session = CloneSession(session_id, replicas, msg.class_of_service, msg.packet_length_bytes)
    if update_type == INSERT:
        pre.insert_session(session)
    else:
        pre.modify_session(session)
    _remember(t, key, as_bytes)


def _remember(t: Target, key: tuple[str, int], as_bytes: bool) -> None:
    if as_bytes:
        t.spellings.replica_port_bytes.add(key)
    else:
        t.spellings.replica_port_bytes.discard(key)


def read_pre(t: Target, msg: p4runtime_pb2.PacketReplicationEngineEntry) -> list[Entity]:
    which = msg.WhichOneof("type")
    spelled = t.spellings.replica_port_bytes
    pre = t.switch.pre
    out = []
    if which == "multicast_group_entry":
        wanted = msg.multicast_group_entry.multicast_group_id
        groups = narrowed(pre.groups(), wanted, f"multicast group {wanted} does not exist")
        for group_id, replicas in groups.items():
            entry = p4runtime_pb2.MulticastGroupEntry(
                multicast_group_id=group_id,
                replicas=_replica_messages(replicas, ("mc", group_id) in spelled),
                metadata=t.spellings.multicast_metadata.get(group_id, b""),
            )
            out.append(Entity(packet_replication_engine_entry=p4runtime_pb2.
                              PacketReplicationEngineEntry(multicast_group_entry=entry)))
    elif which == "clone_session_entry":
        wanted = msg.clone_session_entry.session_id
        sessions = narrowed(pre.sessions(), wanted, f"clone session {wanted} does not exist")
        for session_id, session in sessions.items():
            entry = p4runtime_pb2.CloneSessionEntry(
                session_id=session_id,
                replicas=_replica_messages(session.replicas, ("clone", session_id) in spelled),
                class_of_service=session.class_of_service,
                packet_length_bytes=session.packet_length_bytes,
            )
            out.append(Entity(packet_replication_engine_entry=p4runtime_pb2.
                              PacketReplicationEngineEntry(clone_session_entry=entry)))
    else:
        raise RuntimeApiError("INVALID_ARGUMENT", "empty PacketReplicationEngineEntry")
    return out

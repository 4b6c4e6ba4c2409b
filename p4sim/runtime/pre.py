"""The packet replication engine: multicast groups and clone sessions.

The data plane asks `group(mcast_grp)` for the copies of a multicast packet and
`session(session_id)` for a clone session; the P4Runtime server and the STF runner change them.
Both keep replicas in the order BMv2 `simple_switch` emits the copies, so the executor simply
iterates.

BMv2 facts reproduced here (bm_sim `simple_pre.cpp`, PI's `pre_mc_mgr.cpp`,
`pre_clone_mgr.cpp` and bmv2's `PI/src/pi_clone_imp.cpp`):

- A BMv2 multicast group is a list of nodes, each one `rid` with a set of ports. PI makes one
  node per distinct `instance` (rid) of the P4Runtime replicas. Replication walks the nodes in
  the order they were attached and, within a node, the ports in increasing order. Here a new
  group's nodes are attached in order of first appearance of their rid in the replica list
  (PI attaches them in hash-map order, which BMv2 does not specify, so do not rely on the order
  between rids); a modified group keeps the position of its existing rids and attaches new
  ones at the end, as PI does. The STF runner's `mc_node_associate` order is thus reproduced by
  listing the nodes' replicas in association order.
- The same (port, rid) twice in one group is refused (INVALID_ARGUMENT); the same port under
  different rids gives one copy per rid.
- Clone sessions are multicast groups too: PI turns each session into a (hidden) group, so a
  session may have several replicas, each copy carrying its replica's rid. Session ids must be
  in 1..511 (OUT_OF_RANGE). `class_of_service` other than 0 is UNIMPLEMENTED and a non-zero
  `packet_length_bytes` is refused by BMv2 (UNKNOWN): simple_switch cannot truncate clones.
  A MODIFY only replaces the replicas (PI does not look at the other fields then); the stored
  session keeps what the client sent, but the data plane must never truncate.
- An unknown group or session makes no copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from p4sim.runtime.errors import RuntimeApiError

MIN_SESSION_ID = 1
MAX_SESSION_ID = 511


@dataclass(frozen=True)
class Replica:
    """One copy: its egress port and rid (P4Runtime `egress_port` / `instance`)."""

    port: int
    rid: int


@dataclass(frozen=True)
class CloneSession:
    """A clone session; `packet_length_bytes` 0 means no truncation (the only BMv2 value)."""

    session_id: int
    replicas: tuple[Replica, ...]
    class_of_service: int = 0
    packet_length_bytes: int = 0


def _nodes(replicas: Sequence[Replica]) -> dict[int, set[int]]:
    """The BMv2 nodes of a replica list: rid -> ports, rids in order of first appearance."""
    nodes: dict[int, set[int]] = {}
    for replica in replicas:
        ports = nodes.setdefault(replica.rid, set())
        if replica.port in ports:
            raise RuntimeApiError(
                "INVALID_ARGUMENT",
                f"duplicate replica (port {replica.port}, instance {replica.rid})",
            )
        ports.add(replica.port)
    return nodes


def _flatten(nodes: dict[int, set[int]]) -> tuple[Replica, ...]:
    return tuple(Replica(port, rid) for rid, ports in nodes.items() for port in sorted(ports))


class ReplicationEngine:
    """Multicast groups and clone sessions of one switch."""

    def __init__(self) -> None:
        self._groups: dict[int, dict[int, set[int]]] = {}
        self._group_replicas: dict[int, tuple[Replica, ...]] = {}
        self._sessions: dict[int, CloneSession] = {}
        self._session_nodes: dict[int, dict[int, set[int]]] = {}

    # --- multicast groups -------------------------------------------------------------------

    def insert_group(self, group_id: int, replicas: Sequence[Replica]) -> None:
        if group_id in self._groups:
            raise RuntimeApiError("ALREADY_EXISTS", f"multicast group {group_id} already exists")
        nodes = _nodes(replicas)
        self._groups[group_id] = nodes
        self._group_replicas[group_id] = _flatten(nodes)

    def modify_group(self, group_id: int, replicas: Sequence[Replica]) -> None:
        old = self._groups.get(group_id)
        if old is None:
            raise RuntimeApiError("NOT_FOUND", f"multicast group {group_id} does not exist")
        nodes = _reattach(old, _nodes(replicas))
        self._groups[group_id] = nodes
        self._group_replicas[group_id] = _flatten(nodes)

    def delete_group(self, group_id: int) -> None:
        if group_id not in self._groups:
            raise RuntimeApiError("NOT_FOUND", f"multicast group {group_id} does not exist")
        del self._groups[group_id]
        del self._group_replicas[group_id]

    def group(self, group_id: int) -> tuple[Replica, ...]:
        """The copies of a packet multicast to `group_id`, in BMv2 order; () when unknown."""
        return self._group_replicas.get(group_id, ())

    def groups(self) -> dict[int, tuple[Replica, ...]]:
        """All multicast groups by increasing id."""
        return {gid: self._group_replicas[gid] for gid in sorted(self._group_replicas)}

    # --- clone sessions ---------------------------------------------------------------------

    def insert_session(self, session: CloneSession) -> None:
        sid = self._check_session_id(session.session_id)
        if sid in self._sessions:
            raise RuntimeApiError("ALREADY_EXISTS", f"clone session {sid} already exists")
        nodes = _nodes(session.replicas)
        if session.class_of_service != 0:
            raise RuntimeApiError("UNIMPLEMENTED", "class of service for clone sessions")
        if session.packet_length_bytes != 0:
            raise RuntimeApiError(
                "UNKNOWN", "BMv2 simple_switch cannot truncate clones (packet_length_bytes)"
            )
        self._store_session(session, nodes)

    def modify_session(self, session: CloneSession) -> None:
        sid = self._check_session_id(session.session_id)
        old = self._session_nodes.get(sid)
        if old is None:
            raise RuntimeApiError("NOT_FOUND", f"clone session {sid} does not exist")
        self._store_session(session, _reattach(old, _nodes(session.replicas)))

    def delete_session(self, session_id: int) -> None:
        sid = self._check_session_id(session_id)
        if sid not in self._sessions:
            raise RuntimeApiError("NOT_FOUND", f"clone session {sid} does not exist")
        del self._sessions[sid]
        del self._session_nodes[sid]

    def session(self, session_id: int) -> CloneSession | None:
        """The session (replicas in BMv2 copy order), or None: no clone is made."""
        return self._sessions.get(session_id)

    def sessions(self) -> dict[int, CloneSession]:
        """All clone sessions by increasing id."""
        return {sid: self._sessions[sid] for sid in sorted(self._sessions)}

    def _store_session(self, session: CloneSession, nodes: dict[int, set[int]]) -> None:
        sid = session.session_id
        self._session_nodes[sid] = nodes
        self._sessions[sid] = CloneSession(
            sid, _flatten(nodes), session.class_of_service, session.packet_length_bytes
        )

    @staticmethod
    def _check_session_id(session_id: int) -> int:
        if not MIN_SESSION_ID <= session_id <= MAX_SESSION_ID:
            raise RuntimeApiError(
                "OUT_OF_RANGE",
                f"clone session id {session_id} is not in {MIN_SESSION_ID}..{MAX_SESSION_ID}",
            )
        return session_id


def _reattach(old: dict[int, set[int]], new: dict[int, set[int]]) -> dict[int, set[int]]:
    """The node list after PI modifies a group: nodes of rids that stay keep their place (with
    their new ports), nodes of new rids are attached at the end."""
    kept = {rid: new[rid] for rid in old if rid in new}
    kept.update((rid, ports) for rid, ports in new.items() if rid not in old)
    return kept

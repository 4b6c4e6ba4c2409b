"""p4sim.runtime.pre: multicast groups and clone sessions with BMv2's copy order and PI's codes."""

from __future__ import annotations

import pytest

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.pre import CloneSession, Replica, ReplicationEngine


def refused(code: str):
    return pytest.raises(RuntimeApiError, match=rf"^{code}: ")


def test_group_copies_follow_nodes_then_increasing_ports() -> None:
    pre = ReplicationEngine()
    pre.insert_group(1, [Replica(3, 0), Replica(1, 0), Replica(2, 5), Replica(1, 5)])
    assert pre.group(1) == (Replica(1, 0), Replica(3, 0), Replica(1, 5), Replica(2, 5))
    assert pre.group(2) == ()


def test_group_codes() -> None:
    pre = ReplicationEngine()
    with refused("INVALID_ARGUMENT"):
        pre.insert_group(1, [Replica(1, 0), Replica(1, 0)])
    assert pre.groups() == {}
    pre.insert_group(1, [Replica(1, 0), Replica(1, 1)])  # same port, other rid: two copies
    with refused("ALREADY_EXISTS"):
        pre.insert_group(1, [])
    with refused("NOT_FOUND"):
        pre.modify_group(2, [])
    with refused("NOT_FOUND"):
        pre.delete_group(2)
    with refused("INVALID_ARGUMENT"):
        pre.modify_group(1, [Replica(4, 2), Replica(4, 2)])
    assert pre.group(1) == (Replica(1, 0), Replica(1, 1))
    pre.delete_group(1)
    assert pre.group(1) == ()


def test_modified_group_keeps_node_positions_and_appends_new_rids() -> None:
    pre = ReplicationEngine()
    pre.insert_group(9, [Replica(1, 7), Replica(2, 3)])
    pre.modify_group(9, [Replica(5, 3), Replica(4, 9), Replica(6, 7), Replica(1, 9)])
    assert pre.group(9) == (Replica(6, 7), Replica(5, 3), Replica(1, 9), Replica(4, 9))
    pre.modify_group(9, [Replica(8, 9)])
    assert pre.group(9) == (Replica(8, 9),)


def test_groups_listed_by_id_and_empty_group_makes_no_copies() -> None:
    pre = ReplicationEngine()
    pre.insert_group(5, [Replica(1, 0)])
    pre.insert_group(2, [])
    assert pre.groups() == {2: (), 5: (Replica(1, 0),)}


def test_clone_session_ids_and_unsupported_fields() -> None:
    pre = ReplicationEngine()
    with refused("OUT_OF_RANGE"):
        pre.insert_session(CloneSession(0, (Replica(1, 0),)))
    with refused("OUT_OF_RANGE"):
        pre.insert_session(CloneSession(512, (Replica(1, 0),)))
    with refused("UNIMPLEMENTED"):
        pre.insert_session(CloneSession(5, (Replica(1, 0),), class_of_service=1))
    with refused("UNKNOWN"):
        pre.insert_session(CloneSession(5, (Replica(1, 0),), packet_length_bytes=64))
    with refused("INVALID_ARGUMENT"):
        pre.insert_session(CloneSession(5, (Replica(1, 0), Replica(1, 0))))
    assert pre.sessions() == {}
    pre.insert_session(CloneSession(1, (Replica(4, 0),)))
    pre.insert_session(CloneSession(511, ()))
    with refused("ALREADY_EXISTS"):
        pre.insert_session(CloneSession(1, ()))
    assert pre.session(1) == CloneSession(1, (Replica(4, 0),))
    assert pre.session(2) is None
    assert list(pre.sessions()) == [1, 511]


def test_clone_session_modify_and_delete() -> None:
    pre = ReplicationEngine()
    with refused("NOT_FOUND"):
        pre.modify_session(CloneSession(3, ()))
    with refused("NOT_FOUND"):
        pre.delete_session(3)
    with refused("OUT_OF_RANGE"):
        pre.delete_session(600)
    pre.insert_session(CloneSession(3, (Replica(7, 2), Replica(2, 1))))
    assert pre.session(3).replicas == (Replica(7, 2), Replica(2, 1))
    # PI's MODIFY only reprograms the replicas; the other fields are kept as sent.
    pre.modify_session(CloneSession(3, (Replica(2, 1), Replica(5, 2)), packet_length_bytes=64))
    assert pre.session(3) == CloneSession(
        3, (Replica(5, 2), Replica(2, 1)), packet_length_bytes=64
    )
    pre.delete_session(3)
    assert pre.session(3) is None

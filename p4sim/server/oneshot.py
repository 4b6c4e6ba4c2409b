"""One-shot action selector programming ("One Shot Action Selector Programming").

A table entry of a selector table may carry its actions directly (`action_profile_action_set`);
the spec defines that as members and a group created with unused ids. So the server creates
them in the runtime profile, hides them from member / group reads, and answers reads of the
entry with the action set as written (canonical). A profile is programmed either with one-shots
or with members and groups, never both (INVALID_ARGUMENT), which also keeps the hidden ids from
ever meeting a client's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.action_profiles import GroupMember
from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import codec
from p4sim.server.actions import decode_action, encode_action
from p4sim.server.schema import ActionProfileInfo, TableInfo
from p4sim.server.target import Target

ActionSet = p4runtime_pb2.ActionProfileActionSet


def uses_oneshots(t: Target, profile_id: int) -> bool:
    return bool(t.spellings.oneshots.get(profile_id))


def create_group(
    t: Target, table: TableInfo, info: ActionProfileInfo, profile: Any, action_set: ActionSet
) -> tuple[int, Callable[[], None]]:
    """Members and a group for an action set; returns the group id and a function undoing it."""
    if not info.with_selector:
        raise RuntimeApiError("INVALID_ARGUMENT", f"{info.name} has no selector: no action sets")
    members = profile.members()
    groups = profile.groups()
    hidden_members, hidden_groups = hidden_ids(t, info, profile)
    if set(members) - hidden_members or set(groups) - hidden_groups:
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"{info.name} is programmed with members and groups, not one-shots"
        )
    if not action_set.action_profile_actions:
        raise RuntimeApiError("INVALID_ARGUMENT", "an action set needs at least one action")
    calls = []
    canonical = ActionSet()
    total = 0
    for item in action_set.action_profile_actions:
        call = decode_action(t.schema, table, item.action)
        if item.weight <= 0:
            raise RuntimeApiError("INVALID_ARGUMENT", "action weights must be positive")
        total += item.weight
        watch = _watch(item)
        calls.append((call, item.weight, watch))
        out = canonical.action_profile_actions.add(action=encode_action(t.schema, call),
                                                   weight=item.weight)
        kind = item.WhichOneof("watch_kind")
        if kind == "watch":
            out.watch = item.watch
        elif kind == "watch_port":
            out.watch_port = codec.encode(watch)  # type: ignore[arg-type]
    if info.max_group_size and total > info.max_group_size:
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"weights sum to {total}, above {info.name}'s max_group_size"
        )
    member_ids = _unused(members.keys(), len(calls))
    group_id = _unused(groups.keys(), 1)[0]
    for member_id, (call, _, _) in zip(member_ids, calls, strict=True):
        profile.insert_member(member_id, call)
    profile.insert_group(group_id, [
        GroupMember(member_id, weight, watch)
        for member_id, (_, weight, watch) in zip(member_ids, calls, strict=True)
    ])
    t.spellings.oneshots.setdefault(info.id, {})[group_id] = canonical

    def undo() -> None:
        delete_group(t, info, profile, group_id)

    return group_id, undo


def delete_group(t: Target, info: ActionProfileInfo, profile: Any, group_id: int) -> None:
    """Remove a one-shot group and its members (once no entry points to the group)."""
    member_ids = [m.member_id for m in profile.groups()[group_id]]
    profile.delete_group(group_id)
    for member_id in member_ids:
        profile.delete_member(member_id)
    del t.spellings.oneshots[info.id][group_id]


def action_set(t: Target, profile_id: int, group_id: int) -> ActionSet | None:
    """The action set of a one-shot group, None for a client's group."""
    return t.spellings.oneshots.get(profile_id, {}).get(group_id)


def hidden_ids(t: Target, info: ActionProfileInfo, profile: Any) -> tuple[set[int], set[int]]:
    """(member ids, group ids) the server created for one-shots."""
    groups = set(t.spellings.oneshots.get(info.id, {}))
    all_groups = profile.groups()
    members = {m.member_id for g in groups for m in all_groups[g]}
    return members, groups


def _watch(item: p4runtime_pb2.ActionProfileAction) -> int | None:
    kind = item.WhichOneof("watch_kind")
    if kind == "watch":
        if item.watch < 0:
            raise RuntimeApiError("INVALID_ARGUMENT", f"negative watch port {item.watch}")
        return item.watch
    if kind == "watch_port":
        return codec.decode(item.watch_port, 32, "watch port")
    return None


def _unused(used: Any, count: int) -> list[int]:
    """The `count` smallest positive ids not in `used`."""
    taken = set(used)
    out: list[int] = []
    candidate = 1
    while len(out) < count:
        if candidate not in taken:
            out.append(candidate)
        candidate += 1
    return out

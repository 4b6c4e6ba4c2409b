"""Action profile members and groups ("ActionProfileMember & ActionProfileGroup").

Codes from the spec: id 0 or a missing action INVALID_ARGUMENT, a member or group still used
FAILED_PRECONDITION, groups only in selectors, `max_size` fixed at creation and bounded by the
P4Info `max_group_size`. The rest (duplicates, unknown members, weights, group size) is
checked by the runtime profile with PI's codes, which agree with the spec: weights adding up
to more than `max_size` are RESOURCE_EXHAUSTED. A profile's `size` does not limit its members:
BMv2 does not, and the spec only says the server "should" refuse them.
"""

from __future__ import annotations

from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.action_profiles import GroupMember
from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import codec, oneshot
from p4sim.server.actions import decode_action, encode_action
from p4sim.server.schema import ActionProfileInfo
from p4sim.server.selection import narrowed, selected
from p4sim.server.target import Target

INSERT, MODIFY, DELETE = (
    p4runtime_pb2.Update.INSERT,
    p4runtime_pb2.Update.MODIFY,
    p4runtime_pb2.Update.DELETE,
)
Entity = p4runtime_pb2.Entity


def _profile(t: Target, profile_id: int) -> tuple[ActionProfileInfo, Any]:
    info = t.schema.action_profile(profile_id)
    return info, t.object(t.switch.action_profiles, info.name, "action profile")


def _users(t: Target, info: ActionProfileInfo) -> list[Any]:
    """The entries of the tables this profile implements."""
    return [e for table_id in info.table_ids for e in t.table(t.schema.tables[table_id]).entries()]


def _precondition(message: str) -> RuntimeApiError:
    return RuntimeApiError("FAILED_PRECONDITION", message)


def _client_items(
    t: Target, info: ActionProfileInfo, kind: str, wanted: int
) -> tuple[Any, dict[int, Any]]:
    """The profile and the members or groups (`kind`) a read of it returns: those the client
    made (one-shot ones are hidden), narrowed to id `wanted` unless it is 0."""
    profile = t.object(t.switch.action_profiles, info.name, "action profile")
    hidden_members, hidden_groups = oneshot.hidden_ids(t, info, profile)
    items, hidden = (
        (profile.members(), hidden_members) if kind == "member"
        else (profile.groups(), hidden_groups)
    )
    visible = {i: item for i, item in items.items() if i not in hidden}
    return profile, narrowed(visible, wanted, f"{info.name} has no {kind} {wanted}")


# ------------------------------------------------------------------------------ members


def _check_style(t: Target, info: ActionProfileInfo) -> None:
    if oneshot.uses_oneshots(t, info.id):
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"{info.name} is programmed with one-shot action sets"
        )


def write_member(t: Target, update_type: int, msg: p4runtime_pb2.ActionProfileMember) -> None:
    info, profile = _profile(t, msg.action_profile_id)
    _check_style(t, info)
    member_id = msg.member_id
    if member_id == 0:
        raise RuntimeApiError("INVALID_ARGUMENT", "member id 0 is not valid")
    if update_type == DELETE:
        if profile.member(member_id) is None:
            raise RuntimeApiError("NOT_FOUND", f"{info.name} has no member {member_id}")
        for group_id, members in profile.groups().items():
            if any(m.member_id == member_id for m in members):
                raise _precondition(f"member {member_id} is in group {group_id}")
        if any(e.member_id == member_id for e in _users(t, info)):
            raise _precondition(f"member {member_id} is used by a table entry")
        profile.delete_member(member_id)
        return
    if not msg.HasField("action"):
        raise RuntimeApiError("INVALID_ARGUMENT", f"member {member_id} needs an action")
    for table_id in info.table_ids:
        if msg.action.action_id in t.schema.tables[table_id].default_only:
            raise RuntimeApiError(
                "PERMISSION_DENIED", "a @defaultonly action cannot be a profile member"
            )
    call = decode_action(t.schema, t.schema.profile_action_ids(info), msg.action)
    if update_type == INSERT:
        profile.insert_member(member_id, call)
    else:
        profile.modify_member(member_id, call)


def read_members(t: Target, msg: p4runtime_pb2.ActionProfileMember) -> list[Entity]:
    infos = selected(msg.action_profile_id, t.schema.action_profiles, t.schema.action_profile)
    out = []
    for info in infos:
        _, members = _client_items(t, info, "member", msg.member_id)
        for member_id, call in members.items():
            out.append(Entity(action_profile_member=p4runtime_pb2.ActionProfileMember(
                action_profile_id=info.id, member_id=member_id,
                action=encode_action(t.schema, call),
            )))
    return out


# ------------------------------------------------------------------------------ groups


def write_group(t: Target, update_type: int, msg: p4runtime_pb2.ActionProfileGroup) -> None:
    info, profile = _profile(t, msg.action_profile_id)
    group_id = msg.group_id
    if not info.with_selector:
        raise RuntimeApiError("INVALID_ARGUMENT", f"{info.name} has no selector: no groups")
    _check_style(t, info)
    if group_id == 0:
        raise RuntimeApiError("INVALID_ARGUMENT", "group id 0 is not valid")
    key = (info.id, group_id)
    if update_type == DELETE:
        profile.group_max_size(group_id)  # NOT_FOUND for an unknown group
        if any(e.group_id == group_id for e in _users(t, info)):
            raise _precondition(f"group {group_id} is used by a table entry")
        profile.delete_group(group_id)
        t.spellings.legacy_watch.pop(key, None)
        return
    if info.max_group_size > 0 and not 0 < msg.max_size <= info.max_group_size:
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"max_size must be in 1..{info.max_group_size} for {info.name}"
        )
    members = [_group_member(m) for m in msg.members]
    if update_type == INSERT:
        profile.insert_group(group_id, members, msg.max_size)
    else:
        if msg.max_size != profile.group_max_size(group_id):
            raise RuntimeApiError("INVALID_ARGUMENT", "max_size cannot change after creation")
        profile.modify_group(group_id, members, msg.max_size)
    legacy = frozenset(m.member_id for m in msg.members if m.WhichOneof("watch_kind") == "watch")
    t.spellings.legacy_watch[key] = legacy


def _group_member(m: p4runtime_pb2.ActionProfileGroup.Member) -> GroupMember:
    kind = m.WhichOneof("watch_kind")
    if kind == "watch":
        if m.watch < 0:
            raise RuntimeApiError("INVALID_ARGUMENT", f"negative watch port {m.watch}")
        watch: int | None = m.watch
    elif kind == "watch_port":
        watch = codec.decode(m.watch_port, 32, f"watch port of member {m.member_id}")
    else:
        watch = None
    return GroupMember(m.member_id, m.weight, watch)


def read_groups(t: Target, msg: p4runtime_pb2.ActionProfileGroup) -> list[Entity]:
    infos = (
        [t.schema.action_profile(msg.action_profile_id)]
        if msg.action_profile_id
        else [i for i in t.schema.action_profiles.values() if i.with_selector]
    )
    out = []
    for info in infos:
        profile, groups = _client_items(t, info, "group", msg.group_id)
        for group_id, members in groups.items():
            legacy = t.spellings.legacy_watch.get((info.id, group_id), frozenset())
            group = p4runtime_pb2.ActionProfileGroup(
                action_profile_id=info.id, group_id=group_id,
                max_size=profile.group_max_size(group_id),
            )
            for m in members:
                member = group.members.add(member_id=m.member_id, weight=m.weight)
                if m.watch_port is not None:
                    if m.member_id in legacy:
                        member.watch = m.watch_port
                    else:
                        member.watch_port = codec.encode(m.watch_port)
            out.append(Entity(action_profile_group=group))
    return out

"""Action profiles and action selectors: members, groups and BMv2's choice of a member.

An indirect table's entry points at a member (one action with its data) or, for an action
selector, at a group of members; the executor asks `choose(entry, hash)` which action to run.

How BMv2 behind its P4Runtime server does it (bm_sim `action_profile.cpp`, PI's
`action_prof_mgr.cpp` / `watch_port_enforcer.cpp`, bmv2's `PI/src/group_selection.cpp`), which
this module reproduces:

- Every member has a BMv2 *member handle*, allocated lowest-free-first. A group is a set of
  member handles. Weights are supported by giving a member with weight `w` in some group `w`
  handles: the member's own and `w - 1` copies, created (lowest free handle each) when a group
  first needs them, in increasing member id order, and freed again when no group needs them.
- The selector picks among the group's *active* handles, taken in increasing handle order:
  index `hash % count`, where `hash` is the selector's hash truncated to 32 bits (BMv2's
  `hash_t` is an unsigned int). So a member with weight `w` is chosen `w` times as often.
- Watch ports are supported: a member whose watch port is down is deactivated in that group.
  A port counts as down until reported up (`set_port_status`), like a port BMv2 has not
  attached. Port events change activation only, never membership.
- A table entry may not point at a group without members (BMv2 refuses it: UNKNOWN); if a
  group becomes empty later, a lookup that lands on it runs *no action at all* (BMv2 returns
  an empty action entry, not the table's default action) and `choose` returns None. BMv2
  would divide by zero if a group has members but none is active; `choose` returns None then
  too.
- A member or group still used by a table entry, or a member still in a group, cannot be
  deleted (BMv2 refuses: UNKNOWN). Deleting a group with members is fine.
- PI's checks and codes: duplicate member / group id ALREADY_EXISTS, unknown id NOT_FOUND (a
  member listed in a group too), weight <= 0 or a member listed twice INVALID_ARGUMENT, sum of
  weights above the group's max size (or the profile's `max_group_size`) RESOURCE_EXHAUSTED,
  max size negative or above `max_group_size` INVALID_ARGUMENT, and a group's max size cannot
  change once set. BMv2 does not limit the number of members (`size` is kept for P4Info).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.tables import HandleAllocator

if TYPE_CHECKING:
    from p4sim.runtime.tables import ActionCall, TableEntry

_HASH_MASK = 0xFFFFFFFF
_T = TypeVar("_T")


@dataclass(frozen=True)
class GroupMember:
    """A member of a group: its id, weight (> 0) and optional watch port."""

    member_id: int
    weight: int = 1
    watch_port: int | None = None


class _Member:
    """A member: its action, its BMv2 handles and how many users need how many handles."""

    __slots__ = ("action", "handles", "weight_counts")

    def __init__(self, action: ActionCall, handle: int) -> None:
        self.action = action
        self.handles = [handle]
        # weight -> number of groups using the member with that weight; the member itself
        # counts as one user of weight 1, so its own handle is never freed by a group.
        self.weight_counts = {1: 1}


class _Group:
    __slots__ = ("handle", "max_size", "members", "choice")

    def __init__(self, handle: int, max_size: int) -> None:
        self.handle = handle
        self.max_size = max_size
        self.members: dict[int, GroupMember] = {}  # by increasing member id
        self.choice: tuple[ActionCall, ...] = ()  # actions of the active handles, in order


class ActionProfile:
    """An `action_profile` (or an `action_selector` when `selector` is true)."""

    def __init__(
        self, name: str, size: int, *, selector: bool = False, max_group_size: int = 0
    ) -> None:
        self.name = name
        self.size = size
        self.selector = selector
        self.max_group_size = max_group_size
        self._members: dict[int, _Member] = {}
        self._groups: dict[int, _Group] = {}
        self._member_handles = HandleAllocator()
        self._group_handles = HandleAllocator()
        self._member_refs: dict[int, int] = {}  # member id -> table entries using it
        self._group_refs: dict[int, int] = {}  # group id -> table entries using it
        self._port_up: dict[int, bool] = {}

    # --- members ----------------------------------------------------------------------------

    def insert_member(self, member_id: int, action: ActionCall) -> None:
        if member_id in self._members:
            raise RuntimeApiError(
                "ALREADY_EXISTS", f"action profile {self.name}: duplicate member id {member_id}"
            )
        self._members[member_id] = _Member(action, self._member_handles.get())
        self._member_refs[member_id] = 0

    def modify_member(self, member_id: int, action: ActionCall) -> None:
        self._get_member(member_id).action = action
        for group in self._groups.values():
            if member_id in group.members:
                self._refresh(group)

    def delete_member(self, member_id: int) -> None:
        member = self._get_member(member_id)
        if self._member_refs[member_id]:
            raise self._still_used(f"member {member_id} is used by table entries")
        for group_id, group in self._groups.items():
            if member_id in group.members:
                raise self._still_used(f"member {member_id} is in group {group_id}")
        for handle in member.handles:
            self._member_handles.release(handle)
        del self._members[member_id]
        del self._member_refs[member_id]

    def member(self, member_id: int) -> ActionCall | None:
        member = self._members.get(member_id)
        return None if member is None else member.action

    def members(self) -> dict[int, ActionCall]:
        """All members in BMv2 handle order (the order of a P4Runtime Read)."""
        order = sorted(self._members.items(), key=lambda item: item[1].handles[0])
        return {member_id: member.action for member_id, member in order}

    def _get_member(self, member_id: int) -> _Member:
        return self._existing(self._members, "member", member_id)

    def _existing(self, items: dict[int, _T], kind: str, ident: int) -> _T:
        """The member or group with id `ident`; NOT_FOUND if there is none."""
        item = items.get(ident)
        if item is None:
            raise RuntimeApiError(
                "NOT_FOUND", f"action profile {self.name}: {kind} id {ident} does not exist"
            )
        return item

    def _still_used(self, why: str) -> RuntimeApiError:
        return RuntimeApiError("UNKNOWN", f"action profile {self.name}: {why}")

    # --- groups -----------------------------------------------------------------------------

    def insert_group(
        self, group_id: int, members: Sequence[GroupMember], max_size: int = 0
    ) -> None:
        if not self.selector:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"action profile {self.name} has no selector: no groups"
            )
        if max_size < 0:
            raise RuntimeApiError("INVALID_ARGUMENT", "group max_size cannot be less than 0")
        if self.max_group_size > 0 and max_size > self.max_group_size:
            raise RuntimeApiError(
                "INVALID_ARGUMENT",
                f"group max_size {max_size} exceeds the profile's max_group_size "
                f"{self.max_group_size}",
            )
        if group_id in self._groups:
            raise RuntimeApiError(
                "ALREADY_EXISTS", f"action profile {self.name}: duplicate group id {group_id}"
            )
        new = self._validate_membership(group_id, members, max_size)
        group = _Group(self._group_handles.get(), max_size)
        self._groups[group_id] = group
        self._group_refs[group_id] = 0
        self._set_membership(group, new)

    def modify_group(
        self, group_id: int, members: Sequence[GroupMember], max_size: int = 0
    ) -> None:
        group = self._get_group(group_id)
        if max_size != 0 and max_size != group.max_size:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", "cannot change group max_size after group creation"
            )
        new = self._validate_membership(group_id, members, group.max_size)
        self._set_membership(group, new)

    def delete_group(self, group_id: int) -> None:
        group = self._get_group(group_id)
        if self._group_refs[group_id]:
            raise self._still_used(f"group {group_id} is used by table entries")
        self._set_membership(group, {})
        self._group_handles.release(group.handle)
        del self._groups[group_id]
        del self._group_refs[group_id]

    def groups(self) -> dict[int, tuple[GroupMember, ...]]:
        """All groups in BMv2 handle order, members by increasing member id."""
        order = sorted(self._groups.items(), key=lambda item: item[1].handle)
        return {group_id: tuple(group.members.values()) for group_id, group in order}

    def group_max_size(self, group_id: int) -> int:
        """The max size the group was created with (0: unset); NOT_FOUND for an unknown id."""
        return self._get_group(group_id).max_size

    def _get_group(self, group_id: int) -> _Group:
        return self._existing(self._groups, "group", group_id)

    def _validate_membership(
        self, group_id: int, members: Sequence[GroupMember], max_size: int
    ) -> dict[int, GroupMember]:
        """PI's checks of a group's member list, in its order; the list by member id."""
        if any(m.weight <= 0 for m in members):
            raise RuntimeApiError("INVALID_ARGUMENT", "member weight must be a positive integer")
        limit = max_size or self.max_group_size
        total = sum(m.weight for m in members)
        if limit > 0 and total > limit:
            raise RuntimeApiError(
                "RESOURCE_EXHAUSTED",
                f"sum of member weights {total} exceeds the maximum group size {limit}",
            )
        new: dict[int, GroupMember] = {}
        for m in members:
            self._get_member(m.member_id)
            if m.member_id in new:
                raise RuntimeApiError(
                    "INVALID_ARGUMENT",
                    f"duplicate member id {m.member_id} for group {group_id}, use weights instead",
                )
            new[m.member_id] = m
        return {member_id: new[member_id] for member_id in sorted(new)}

    def _set_membership(self, group: _Group, new: dict[int, GroupMember]) -> None:
        """Move `group` to the member list `new`, creating and freeing weight copies of member
        handles in the order PI does (increasing member id, copies freed at the end)."""
        current = group.members
        touched = sorted(current.keys() | new.keys())
        for member_id in touched:
            member = self._members[member_id]
            old_weight = current[member_id].weight if member_id in current else 0
            new_weight = new[member_id].weight if member_id in new else 0
            while len(member.handles) < new_weight:
                member.handles.append(self._member_handles.get())
            if old_weight:
                member.weight_counts[old_weight] -= 1
            if new_weight:
                member.weight_counts[new_weight] = member.weight_counts.get(new_weight, 0) + 1
        group.members = new
        for member_id in touched:
            self._purge_copies(self._members[member_id])
        self._refresh(group)

    def _purge_copies(self, member: _Member) -> None:
        """Free the handle copies no group needs any more (the largest weight in use stays)."""
        counts = member.weight_counts
        needed = max(weight for weight, count in counts.items() if count > 0)
        for weight in [w for w in counts if w > needed]:
            del counts[weight]
        while len(member.handles) > needed:
            self._member_handles.release(member.handles.pop())

    def _refresh(self, group: _Group) -> None:
        """Recompute the actions of the group's active handles, in increasing handle order."""
        active: list[tuple[int, ActionCall]] = []
        port_up = self._port_up
        for member_id, gm in group.members.items():
            if gm.watch_port is not None and not port_up.get(gm.watch_port, False):
                continue
            member = self._members[member_id]
            active.extend((handle, member.action) for handle in member.handles[: gm.weight])
        active.sort(key=lambda pair: pair[0])
        group.choice = tuple(action for _, action in active)

    def set_port_status(self, port: int, up: bool) -> None:
        """A port went up or down: (de)activate the group members that watch it."""
        if self._port_up.get(port) == up:
            return
        self._port_up[port] = up
        for group in self._groups.values():
            if any(gm.watch_port == port for gm in group.members.values()):
                self._refresh(group)

    # --- data plane and table entries -------------------------------------------------------

    def choose(self, entry: TableEntry, selector_hash: int) -> ActionCall | None:
        """The action an indirect entry runs: its member's, or the group's choice for
        `selector_hash` (None: the group has no active member, run no action)."""
        group_id = entry.group_id
        if group_id is None:
            return self._members[entry.member_id].action  # type: ignore[index]
        choice = self._groups[group_id].choice
        if not choice:
            return None
        return choice[(selector_hash & _HASH_MASK) % len(choice)]

    def check_reference(self, entry: TableEntry) -> None:
        """INVALID_ARGUMENT unless the entry's member or group exists (PI's check)."""
        if entry.group_id is not None:
            known = entry.group_id in self._groups
        else:
            known = entry.member_id in self._members
        if not known:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"action profile {self.name}: invalid member / group id"
            )

    def acquire(self, entry: TableEntry) -> None:
        """Count a table entry's use of its member or group, so it cannot be deleted.

        INVALID_ARGUMENT for an unknown id, UNKNOWN for an empty group (BMv2 refuses it).
        """
        self.check_reference(entry)
        if entry.group_id is not None:
            if not self._groups[entry.group_id].members:
                raise RuntimeApiError(
                    "UNKNOWN",
                    f"action profile {self.name}: group {entry.group_id} is empty, BMv2 refuses "
                    "table entries pointing to an empty group",
                )
            self._group_refs[entry.group_id] += 1
        else:
            self._member_refs[entry.member_id] += 1  # type: ignore[index]

    def release(self, entry: TableEntry) -> None:
        """Undo `acquire` for an entry that is deleted or pointed elsewhere."""
        if entry.group_id is not None:
            self._group_refs[entry.group_id] -= 1
        else:
            self._member_refs[entry.member_id] -= 1  # type: ignore[index]

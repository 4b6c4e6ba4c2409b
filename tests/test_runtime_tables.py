"""p4sim.runtime tables and action profiles: which entry wins, exact refusals, BMv2 handle order.

The expected behaviour is BMv2's (simple_switch behind its PI P4Runtime server), as described
in the docstrings of `p4sim/runtime/tables.py` and `p4sim/runtime/action_profiles.py`. Two
hypothesis tests compare the LPM and the priority lookups with brute-force references that
model BMv2's rules independently (longest prefix; highest priority, then lowest handle).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p4sim.runtime.action_profiles import ActionProfile, GroupMember
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterData, Meter
from p4sim.runtime.tables import (
    ActionCall,
    Exact,
    KeyField,
    Lpm,
    OptionalMatch,
    Range,
    Table,
    TableEntry,
    Ternary,
)

NOACTION = ActionCall("NoAction")


def fwd(port: int) -> ActionCall:
    return ActionCall("MyIngress.fwd", (port,))


def refused(code: str):
    """Context manager asserting a RuntimeApiError with exactly this code."""
    return pytest.raises(RuntimeApiError, match=rf"^{code}: ")


def exact_table(size: int = 1024) -> Table:
    keys = [KeyField("hdr.eth.dst", "exact", 48), KeyField("meta.vrf", "exact", 4)]
    return Table("MyIngress.mac", keys, ["MyIngress.fwd", "NoAction"], NOACTION, size=size)


def lpm_table() -> Table:
    return Table("MyIngress.ipv4_lpm", [KeyField("hdr.ipv4.dst", "lpm", 32)], [], NOACTION)


def ternary_table() -> Table:
    return Table("MyIngress.acl", [KeyField("hdr.ipv4.proto", "ternary", 8)], [], NOACTION)


def indirect_table(profile: ActionProfile) -> Table:
    keys = [KeyField("hdr.ipv4.dst", "exact", 32)]
    return Table("MyIngress.ecmp", keys, ["MyIngress.fwd"], NOACTION, profile=profile)


# --- errors ---------------------------------------------------------------------------------


def test_runtime_api_error_carries_code_and_message() -> None:
    err = RuntimeApiError("NOT_FOUND", "no such entry")
    assert (err.code, err.message) == ("NOT_FOUND", "no such entry")
    assert str(err) == "NOT_FOUND: no such entry"
    with pytest.raises(ValueError):
        RuntimeApiError("NOPE", "x")
    with pytest.raises(ValueError):
        RuntimeApiError("OK", "x")


# --- exact ----------------------------------------------------------------------------------


def test_exact_lookup_is_a_dict_get_on_the_key_tuple() -> None:
    t = exact_table()
    entry = TableEntry((Exact(0xAABBCCDDEEFF), Exact(3)), action=fwd(2))
    t.insert(entry)
    assert t.lookup((0xAABBCCDDEEFF, 3)) is entry
    assert t.lookup((0xAABBCCDDEEFF, 4)) is None
    assert t.lookup.__self__ is t._exact  # the bound dict.get itself, no wrapper
    assert not t.needs_priority


def test_exact_insert_modify_delete_codes_and_counter_cell_kept() -> None:
    t = exact_table()
    t.insert(TableEntry((Exact(1), Exact(0)), action=fwd(1)))
    with refused("ALREADY_EXISTS"):
        t.insert(TableEntry((Exact(1), Exact(0)), action=fwd(9)))
    stored = t.get((Exact(1), Exact(0)), 0)
    assert stored is not None
    stored.counter.packets, stored.counter.bytes = 5, 300
    meter = Meter("bytes", lambda: 0.0)
    stored.meter = meter
    t.modify(TableEntry((Exact(1), Exact(0)), action=fwd(7), controller_metadata=42))
    assert t.lookup((1, 0)) is stored
    assert stored.action == fwd(7)
    assert stored.controller_metadata == 42
    assert stored.counter == CounterData(5, 300)
    assert stored.meter is meter  # a modify without a meter keeps the configured one
    with refused("NOT_FOUND"):
        t.modify(TableEntry((Exact(2), Exact(0)), action=fwd(7)))
    t.delete((Exact(1), Exact(0)), 0)
    assert t.lookup((1, 0)) is None
    with refused("NOT_FOUND"):
        t.delete((Exact(1), Exact(0)), 0)
    assert t.get((Exact(1), Exact(0)), 0) is None


def test_key_validation_codes() -> None:
    t = exact_table()
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1 << 48), Exact(0)), action=fwd(1)))  # too wide
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(-1), Exact(0)), action=fwd(1)))
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1),), action=fwd(1)))  # arity
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1), None), action=fwd(1)))  # exact cannot be omitted
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1), Ternary(0, 1)), action=fwd(1)))  # wrong kind
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1), Exact(0)), priority=1, action=fwd(1)))
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1), Exact(0))))  # no action
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1), Exact(0)), member_id=1))
    assert len(t) == 0


def test_full_table_is_refused_by_bmv2_as_unknown() -> None:
    t = exact_table(size=2)
    t.insert(TableEntry((Exact(1), Exact(0)), action=fwd(1)))
    t.insert(TableEntry((Exact(2), Exact(0)), action=fwd(1)))
    with refused("UNKNOWN"):
        t.insert(TableEntry((Exact(3), Exact(0)), action=fwd(1)))
    with refused("ALREADY_EXISTS"):  # PI's duplicate check comes before the target's
        t.insert(TableEntry((Exact(2), Exact(0)), action=fwd(1)))
    t.delete((Exact(1), Exact(0)), 0)
    t.insert(TableEntry((Exact(3), Exact(0)), action=fwd(1)))
    assert len(t) == 2


def test_entries_follow_bmv2_handle_order_with_lowest_free_reuse() -> None:
    t = exact_table()
    for i in range(4):
        t.insert(TableEntry((Exact(i), Exact(0)), action=fwd(i)))
    t.delete((Exact(1), Exact(0)), 0)
    t.delete((Exact(2), Exact(0)), 0)
    t.insert(TableEntry((Exact(7), Exact(0)), action=fwd(7)))  # takes handle 1
    t.insert(TableEntry((Exact(8), Exact(0)), action=fwd(8)))  # takes handle 2
    t.insert(TableEntry((Exact(9), Exact(0)), action=fwd(9)))  # handle 4
    assert [e.match[0] for e in t.entries()] == [Exact(0), Exact(7), Exact(8), Exact(3), Exact(9)]


# --- default action -------------------------------------------------------------------------


def test_default_action_set_reset_and_refusals() -> None:
    t = exact_table()
    t.set_default(fwd(3))
    assert t.default_action == fwd(3)
    t.reset_default()
    assert t.default_action == NOACTION
    const = Table("c", [], [], fwd(1), default_is_const=True)
    with refused("PERMISSION_DENIED"):
        const.set_default(fwd(2))
    with refused("PERMISSION_DENIED"):
        const.reset_default()
    assert const.default_action == fwd(1)
    indirect = indirect_table(ActionProfile("p", 16))
    with refused("INVALID_ARGUMENT"):
        indirect.set_default(fwd(2))


def test_keyless_table_behaves_as_an_exact_table_with_an_empty_key() -> None:
    t = Table("k", [], [], NOACTION)
    assert t.lookup(()) is None
    entry = TableEntry((), action=fwd(1))
    t.insert(entry)
    assert t.lookup(()) is entry


# --- lpm ------------------------------------------------------------------------------------


def test_lpm_longest_prefix_wins_and_prefix_zero_is_the_default_route() -> None:
    t = lpm_table()
    e8 = TableEntry((Lpm(0x0A000000, 8),), action=fwd(1))
    e24 = TableEntry((Lpm(0x0A010200, 24),), action=fwd(2))
    e32 = TableEntry((Lpm(0x0A010203, 32),), action=fwd(3))
    e0 = TableEntry((None,), action=fwd(4))
    for e in (e8, e24, e32, e0):
        t.insert(e)
    assert t.lookup((0x0A010203,)) is e32
    assert t.lookup((0x0A010204,)) is e24
    assert t.lookup((0x0A020304,)) is e8
    assert t.lookup((0x0B000000,)) is e0
    t.delete((Lpm(0x0A010200, 24),), 0)
    assert t.lookup((0x0A010204,)) is e8


def test_lpm_values_are_cut_to_the_prefix_and_prefix_zero_is_dont_care() -> None:
    t = lpm_table()
    e = TableEntry((Lpm(0x0A0B0C0D, 16),), action=fwd(1))
    t.insert(e)
    assert e.match == (Lpm(0x0A0B0000, 16),)
    with refused("ALREADY_EXISTS"):
        t.insert(TableEntry((Lpm(0x0A0BFFFF, 16),), action=fwd(2)))
    t.insert(TableEntry((Lpm(0x12345678, 0),), action=fwd(3)))
    with refused("ALREADY_EXISTS"):
        t.insert(TableEntry((None,), action=fwd(3)))
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Lpm(0, 33),), action=fwd(3)))
    assert [x.match for x in t.entries()] == [(Lpm(0x0A0B0000, 16),), (None,)]


def test_lpm_with_exact_field_needs_the_exact_part_to_match() -> None:
    keys = [KeyField("meta.vrf", "exact", 8), KeyField("hdr.ipv4.dst", "lpm", 32)]
    t = Table("vrf_lpm", keys, [], NOACTION)
    a = TableEntry((Exact(1), Lpm(0x0A000000, 8)), action=fwd(1))
    b = TableEntry((Exact(2), Lpm(0x0A010000, 16)), action=fwd(2))
    t.insert(a)
    t.insert(b)
    assert t.lookup((1, 0x0A010101)) is a
    assert t.lookup((2, 0x0A010101)) is b
    assert t.lookup((2, 0x0A020101)) is None
    t.delete((Exact(2), Lpm(0x0A010000, 16)), 0)
    assert t.lookup((2, 0x0A010101)) is None
    assert t._lpm_by_rest == {(1,): t._lpm_by_rest[(1,)]}  # empty per-vrf levels are dropped


_lpm_entry = st.tuples(st.integers(0, 3), st.integers(0, 255), st.integers(0, 8))


@settings(max_examples=200, deadline=None)
@given(
    entries=st.lists(_lpm_entry, max_size=25),
    deletions=st.lists(st.integers(0, 24), max_size=10),
    probes=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 255)), min_size=1, max_size=20),
)
def test_lpm_lookup_equals_brute_force(entries, deletions, probes) -> None:
    keys = [KeyField("vrf", "exact", 2), KeyField("dst", "lpm", 8)]
    t = Table("t", keys, [], NOACTION)
    live: dict[tuple[int, int, int], TableEntry] = {}
    for vrf, value, plen in entries:
        canon = value & (0xFF ^ ((1 << (8 - plen)) - 1))
        entry = TableEntry((Exact(vrf), Lpm(value, plen)), action=fwd(plen))
        if (vrf, canon, plen) in live:
            with refused("ALREADY_EXISTS"):
                t.insert(entry)
        else:
            t.insert(entry)
            live[(vrf, canon, plen)] = entry
    for index in deletions:
        if index < len(live):
            vrf, canon, plen = list(live)[index]
            t.delete((Exact(vrf), Lpm(canon, plen)), 0)
            del live[(vrf, canon, plen)]
    for vrf, dst in probes:
        matching = [
            (plen, e)
            for (v, canon, plen), e in live.items()
            if v == vrf and dst >> (8 - plen) == canon >> (8 - plen)
        ]
        expected = max(matching, key=lambda pair: pair[0])[1] if matching else None
        assert t.lookup((vrf, dst)) is expected


# --- ternary / range / optional -------------------------------------------------------------


def test_ternary_needs_a_positive_priority_and_highest_priority_wins() -> None:
    t = ternary_table()
    assert t.needs_priority
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Ternary(6, 0xFF),), action=fwd(1)))
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Ternary(6, 0xFF),), priority=1 << 31, action=fwd(1)))
    low = TableEntry((None,), priority=1, action=fwd(1))
    high = TableEntry((Ternary(6, 0xFF),), priority=10, action=fwd(2))
    t.insert(low)
    t.insert(high)
    assert t.lookup((6,)) is high
    assert t.lookup((17,)) is low
    # Same key, other priority: a different entry (the priority is part of the key).
    t.insert(TableEntry((Ternary(6, 0xFF),), priority=20, action=fwd(3)))
    assert t.lookup((6,)).action == fwd(3)
    with refused("NOT_FOUND"):
        t.delete((Ternary(6, 0xFF),), 5)


def test_ternary_ties_go_to_the_lowest_handle_including_a_reused_one() -> None:
    t = ternary_table()
    a = TableEntry((Ternary(0, 0xF0),), priority=5, action=fwd(1))  # handle 0
    b = TableEntry((Ternary(0, 0x0F),), priority=5, action=fwd(2))  # handle 1
    t.insert(a)
    t.insert(b)
    assert t.lookup((0x00,)) is a
    t.delete((Ternary(0, 0xF0),), 5)
    assert t.lookup((0x00,)) is b
    c = TableEntry((None,), priority=5, action=fwd(3))  # reuses handle 0: wins the tie
    t.insert(c)
    assert t.lookup((0x00,)) is c
    assert t.entries() == [c, b]


def test_ternary_values_are_masked_and_mask_zero_is_dont_care() -> None:
    t = ternary_table()
    e = TableEntry((Ternary(0xAB, 0xF0),), priority=1, action=fwd(1))
    t.insert(e)
    assert e.match == (Ternary(0xA0, 0xF0),)
    assert t.lookup((0xA7,)) is e
    with refused("ALREADY_EXISTS"):
        t.insert(TableEntry((Ternary(0xAF, 0xF0),), priority=1, action=fwd(2)))
    t.insert(TableEntry((Ternary(0x55, 0),), priority=2, action=fwd(3)))
    assert t.get((None,), 2) is not None


def test_range_bounds_are_inclusive_and_full_range_is_dont_care() -> None:
    keys = [KeyField("sport", "range", 16), KeyField("proto", "optional", 8)]
    t = Table("ports", keys, [], NOACTION)
    web = TableEntry((Range(80, 443), OptionalMatch(6)), priority=5, action=fwd(1))
    tcp = TableEntry((None, OptionalMatch(6)), priority=1, action=fwd(2))
    any_ = TableEntry((Range(0, 0xFFFF), None), priority=1, action=fwd(3))
    t.insert(web)
    t.insert(tcp)
    t.insert(any_)
    assert any_.match == (None, None)
    assert t.lookup((80, 6)) is web
    assert t.lookup((443, 6)) is web
    assert t.lookup((444, 6)) is tcp
    assert t.lookup((79, 17)) is any_  # tcp has handle 1 < 2 but does not match proto 17
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Range(10, 9), None), priority=2, action=fwd(4)))


def test_lpm_in_a_priority_table_ranks_by_priority_not_prefix() -> None:
    keys = [KeyField("dst", "lpm", 32), KeyField("proto", "ternary", 8)]
    t = Table("mixed", keys, [], NOACTION)
    short = TableEntry((Lpm(0x0A000000, 8), None), priority=9, action=fwd(1))
    long_ = TableEntry((Lpm(0x0A010000, 16), None), priority=1, action=fwd(2))
    t.insert(short)
    t.insert(long_)
    assert t.lookup((0x0A010101, 0)) is short


_prio_entry = st.tuples(
    st.one_of(st.none(), st.tuples(st.integers(0, 15), st.integers(0, 15))),  # ternary 4 bits
    st.one_of(st.none(), st.tuples(st.integers(0, 15), st.integers(0, 15))),  # range 4 bits
    st.one_of(st.none(), st.integers(0, 3)),  # optional 2 bits
    st.integers(1, 3),  # priority: ties are common
)


@settings(max_examples=200, deadline=None)
@given(
    ops=st.lists(st.one_of(_prio_entry, st.integers(0, 30)), max_size=30),
    probes=st.lists(
        st.tuples(st.integers(0, 15), st.integers(0, 15), st.integers(0, 3)), min_size=1
    ),
)
def test_priority_lookup_equals_brute_force(ops, probes) -> None:
    keys = [KeyField("t", "ternary", 4), KeyField("r", "range", 4), KeyField("o", "optional", 2)]
    table = Table("t", keys, [], NOACTION)
    live: list[tuple[int, int, tuple, TableEntry]] = []  # (priority, handle, match, entry)
    for op in ops:
        if isinstance(op, int):  # delete the op-th live entry
            if op < len(live):
                priority, _, match, _ = live.pop(op)
                table.delete(match, priority)
            continue
        tern, rng, opt, priority = op
        match = (
            None if tern is None or tern[1] == 0 else Ternary(tern[0] & tern[1], tern[1]),
            None if rng is None or rng == (0, 15) else Range(*sorted(rng)),
            None if opt is None else OptionalMatch(opt),
        )
        entry = TableEntry(match, priority=priority, action=fwd(priority))
        if any(p == priority and m == match for p, _, m, _ in live):
            with refused("ALREADY_EXISTS"):
                table.insert(entry)
            continue
        table.insert(entry)
        used = {h for _, h, _, _ in live}
        handle = min(h for h in range(len(used) + 1) if h not in used)
        live.append((priority, handle, match, entry))

    def matches(match: tuple, key: tuple[int, int, int]) -> bool:
        tern, rng, opt = match
        return (
            (tern is None or key[0] & tern.mask == tern.value)
            and (rng is None or rng.low <= key[1] <= rng.high)
            and (opt is None or key[2] == opt.value)
        )

    for key in probes:
        hits = [(-p, h, e) for p, h, m, e in live if matches(m, key)]
        expected = min(hits, key=lambda x: x[:2])[2] if hits else None
        assert table.lookup(key) is expected


# --- program entries ------------------------------------------------------------------------


def test_program_entries_make_the_table_immutable_and_rank_in_program_order() -> None:
    t = ternary_table()
    first = TableEntry((Ternary(0x06, 0xFF),), action=fwd(1))
    second = TableEntry((None,), action=fwd(2))
    third = TableEntry((Ternary(0x11, 0xFF),), action=fwd(3))
    t.add_const_entries([first, second, third])
    assert [e.priority for e in t.entries()] == [2147483646, 2147483645, 2147483644]
    assert all(e.is_const for e in t.entries())
    assert t.lookup((0x06,)) is first
    assert t.lookup((0x11,)) is second  # the catch-all comes before it in the program
    with refused("UNKNOWN"):
        t.insert(TableEntry((Ternary(0x01, 0xFF),), priority=1, action=fwd(4)))
    with refused("NOT_FOUND"):
        t.modify(TableEntry((Ternary(0x06, 0xFF),), priority=2147483646, action=fwd(4)))
    with refused("NOT_FOUND"):
        t.delete((Ternary(0x06, 0xFF),), 2147483646)
    assert t.get((Ternary(0x06, 0xFF),), 2147483646) is first
    assert first.action == fwd(1)


def test_program_entries_duplicates_and_indirect_tables_are_refused() -> None:
    t = exact_table()
    with refused("INVALID_ARGUMENT"):
        t.add_const_entries(
            [
                TableEntry((Exact(1), Exact(0)), action=fwd(1)),
                TableEntry((Exact(1), Exact(0)), action=fwd(2)),
            ]
        )
    with pytest.raises(ValueError):
        indirect_table(ActionProfile("p", 8)).add_const_entries([])
    empty = exact_table()
    empty.add_const_entries([])
    empty.insert(TableEntry((Exact(1), Exact(0)), action=fwd(1)))  # no entries: still mutable


# --- action profiles ------------------------------------------------------------------------


def selector(max_group_size: int = 0) -> ActionProfile:
    return ActionProfile("MyIngress.ecmp_sel", 128, selector=True, max_group_size=max_group_size)


def test_member_crud_codes() -> None:
    p = ActionProfile("MyIngress.prof", 16)
    p.insert_member(1, fwd(1))
    with refused("ALREADY_EXISTS"):
        p.insert_member(1, fwd(2))
    p.modify_member(1, fwd(5))
    assert p.member(1) == fwd(5)
    assert p.member(2) is None
    with refused("NOT_FOUND"):
        p.modify_member(2, fwd(1))
    with refused("NOT_FOUND"):
        p.delete_member(2)
    with refused("INVALID_ARGUMENT"):
        p.insert_group(1, [GroupMember(1)])  # no selector, no groups
    p.delete_member(1)
    assert p.members() == {}


def test_indirect_entries_reference_members_and_block_their_deletion() -> None:
    p = ActionProfile("MyIngress.prof", 16)
    t = indirect_table(p)
    with refused("INVALID_ARGUMENT"):  # unknown member: PI's check, before anything else
        t.insert(TableEntry((Exact(1),), member_id=7))
    p.insert_member(7, fwd(7))
    p.insert_member(8, fwd(8))
    entry = TableEntry((Exact(1),), member_id=7)
    t.insert(entry)
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(1),), member_id=99))  # before ALREADY_EXISTS
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(2),), action=fwd(1)))  # direct action in indirect table
    with refused("INVALID_ARGUMENT"):
        t.insert(TableEntry((Exact(2),), member_id=7, group_id=1))
    assert p.choose(t.lookup((1,)), 0) == fwd(7)
    with refused("UNKNOWN"):
        p.delete_member(7)
    t.modify(TableEntry((Exact(1),), member_id=8))
    p.delete_member(7)  # no longer referenced
    with refused("UNKNOWN"):
        p.delete_member(8)
    t.delete((Exact(1),), 0)
    p.delete_member(8)


def test_group_members_are_chosen_by_hash_modulo_in_member_handle_order() -> None:
    p = selector()
    for member_id in (30, 10, 20):  # handles 0, 1, 2
        p.insert_member(member_id, fwd(member_id))
    p.insert_group(1, [GroupMember(10), GroupMember(20), GroupMember(30)])
    t = indirect_table(p)
    entry = TableEntry((Exact(1),), group_id=1)
    t.insert(entry)
    assert [p.choose(entry, h) for h in range(4)] == [fwd(30), fwd(10), fwd(20), fwd(30)]
    assert p.choose(entry, (1 << 32) + 1) == fwd(10)  # BMv2's hash is 32 bits
    assert p.choose(entry, 0xFFFFFFFF) == fwd(30)  # 4294967295 % 3 == 0
    assert p.groups() == {1: (GroupMember(10), GroupMember(20), GroupMember(30))}
    assert list(p.members()) == [30, 10, 20]


def test_freed_member_handles_are_reused_lowest_first() -> None:
    p = selector()
    for member_id in (30, 10, 20):
        p.insert_member(member_id, fwd(member_id))
    p.delete_member(30)
    p.insert_member(40, fwd(40))  # gets handle 0 again
    p.insert_group(1, [GroupMember(10), GroupMember(20), GroupMember(40)])
    entry = TableEntry((Exact(1),), group_id=1)
    assert [p.choose(entry, h) for h in range(3)] == [fwd(40), fwd(10), fwd(20)]
    assert list(p.members()) == [40, 10, 20]


def test_weights_become_extra_member_handles_created_and_freed_like_pi() -> None:
    p = selector()
    p.insert_member(1, fwd(1))  # handle 0
    p.insert_member(2, fwd(2))  # handle 1
    # Member 1 needs copies (handles 2, 3), then member 2 one copy (handle 4).
    p.insert_group(5, [GroupMember(2, weight=2), GroupMember(1, weight=3)])
    entry = TableEntry((Exact(0),), group_id=5)
    assert [p.choose(entry, h) for h in range(5)] == [fwd(1), fwd(2), fwd(1), fwd(1), fwd(2)]
    assert p.groups() == {5: (GroupMember(1, weight=3), GroupMember(2, weight=2))}
    # Member 1 down to weight 1: handles 2 and 3 are freed, the next new member gets 2.
    p.modify_group(5, [GroupMember(1), GroupMember(2, weight=2)])
    assert [p.choose(entry, h) for h in range(3)] == [fwd(1), fwd(2), fwd(2)]
    p.insert_member(3, fwd(3))
    p.modify_group(5, [GroupMember(1), GroupMember(2, weight=2), GroupMember(3)])
    assert [p.choose(entry, h) for h in range(4)] == [fwd(1), fwd(2), fwd(3), fwd(2)]


def test_member_modify_changes_the_group_choice() -> None:
    p = selector()
    p.insert_member(1, fwd(1))
    p.insert_group(1, [GroupMember(1)])
    entry = TableEntry((Exact(0),), group_id=1)
    p.modify_member(1, fwd(9))
    assert p.choose(entry, 12345) == fwd(9)


def test_empty_groups_are_refused_for_entries_and_choose_no_action() -> None:
    p = selector()
    t = indirect_table(p)
    p.insert_member(1, fwd(1))
    p.insert_group(1, [])
    with refused("UNKNOWN"):
        t.insert(TableEntry((Exact(1),), group_id=1))
    assert len(t) == 0
    p.modify_group(1, [GroupMember(1)])
    entry = TableEntry((Exact(1),), group_id=1)
    t.insert(entry)
    with refused("UNKNOWN"):
        p.delete_member(1)  # still in group 1
    with refused("UNKNOWN"):
        p.delete_group(1)  # used by the entry
    p.modify_group(1, [])  # allowed: the entry now runs no action
    assert p.choose(entry, 7) is None
    p.insert_group(2, [])
    with refused("UNKNOWN"):
        t.modify(TableEntry((Exact(1),), group_id=2))
    assert t.lookup((1,)).group_id == 1
    t.delete((Exact(1),), 0)
    p.delete_group(1)
    p.delete_member(1)


def test_group_deletion_with_members_frees_weight_copies() -> None:
    p = selector()
    p.insert_member(1, fwd(1))  # handle 0
    p.insert_group(1, [GroupMember(1, weight=3)])  # copies 1, 2
    p.delete_group(1)
    p.insert_member(2, fwd(2))  # handle 1 again
    p.insert_group(2, [GroupMember(2), GroupMember(1)])
    entry = TableEntry((Exact(0),), group_id=2)
    assert [p.choose(entry, h) for h in range(2)] == [fwd(1), fwd(2)]
    assert p.groups() == {2: (GroupMember(1), GroupMember(2))}


def test_group_validation_codes() -> None:
    p = selector(max_group_size=4)
    p.insert_member(1, fwd(1))
    p.insert_member(2, fwd(2))
    with refused("INVALID_ARGUMENT"):
        p.insert_group(1, [GroupMember(1)], max_size=5)
    with refused("INVALID_ARGUMENT"):
        p.insert_group(1, [GroupMember(1)], max_size=-1)
    with refused("INVALID_ARGUMENT"):
        p.insert_group(1, [GroupMember(1, weight=0)])
    with refused("RESOURCE_EXHAUSTED"):
        p.insert_group(1, [GroupMember(1, weight=3), GroupMember(2, weight=2)])
    with refused("NOT_FOUND"):
        p.insert_group(1, [GroupMember(3)])
    with refused("INVALID_ARGUMENT"):
        p.insert_group(1, [GroupMember(1), GroupMember(1)])
    assert p.groups() == {}  # nothing half-created
    p.insert_group(1, [GroupMember(1)], max_size=2)
    with refused("ALREADY_EXISTS"):
        p.insert_group(1, [])
    with refused("RESOURCE_EXHAUSTED"):
        p.modify_group(1, [GroupMember(1, weight=2), GroupMember(2)])
    with refused("INVALID_ARGUMENT"):
        p.modify_group(1, [GroupMember(1)], max_size=3)
    p.modify_group(1, [GroupMember(1), GroupMember(2)], max_size=2)
    assert p.group_max_size(1) == 2
    with refused("NOT_FOUND"):
        p.modify_group(9, [])
    with refused("NOT_FOUND"):
        p.delete_group(9)
    with refused("NOT_FOUND"):
        p.group_max_size(9)


def test_watch_ports_deactivate_members_until_the_port_is_up() -> None:
    p = selector()
    p.insert_member(1, fwd(1))
    p.insert_member(2, fwd(2))
    p.insert_group(1, [GroupMember(1, watch_port=5), GroupMember(2)])
    entry = TableEntry((Exact(0),), group_id=1)
    assert [p.choose(entry, h) for h in range(2)] == [fwd(2), fwd(2)]  # port 5 not up yet
    p.set_port_status(5, True)
    assert [p.choose(entry, h) for h in range(2)] == [fwd(1), fwd(2)]
    p.set_port_status(5, False)
    assert p.choose(entry, 0) == fwd(2)
    p.modify_group(1, [GroupMember(1, watch_port=5)])
    assert p.choose(entry, 0) is None  # members but none active
    p.set_port_status(5, True)
    assert p.choose(entry, 3) == fwd(1)
    p.modify_group(1, [GroupMember(1, watch_port=6)])  # a watch port change re-evaluates
    assert p.choose(entry, 0) is None

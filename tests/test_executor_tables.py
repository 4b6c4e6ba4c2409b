"""Tables in the executor: match kinds, priorities, default and const entries, direct
counters and meters, action profiles and selectors (tests/p4/runtime/feat_{tables,direct,
profiles}.p4), with the BMv2 behaviour each test relies on in its docstring.
"""

from __future__ import annotations

import pytest
from checksums import crc16_arc
from executor_switch import feature_switch
from fake_clock import FakeClock

from p4sim.runtime.action_profiles import GroupMember
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterData, Meter, MeterConfig
from p4sim.runtime.switch import Switch
from p4sim.runtime.tables import (
    ActionCall,
    Exact,
    Lpm,
    OptionalMatch,
    Range,
    TableEntry,
    Ternary,
)


# ------------------------------------------------------------------ match kinds
# frame k = a:8 b:8 w:32 c:16; output res = ex lpm tern rng opt cst hits, then k
def _k(a: int, b: int = 0, w: int = 0, c: int = 0) -> bytes:
    return bytes([a, b]) + w.to_bytes(4, "big") + c.to_bytes(2, "big")


def _res(sw: Switch, frame: bytes) -> tuple[int, ...]:
    [(port, data)] = sw.process_packet(1, frame)
    assert port == 1 and data[7:] == frame
    return tuple(data[:7])


def _entry(table: str, match: tuple, value: int, priority: int = 0) -> TableEntry:
    action = "I.set_" + {"t_exact": "ex", "t_lpm": "lpm", "t_tern": "tern", "t_range": "rng",
                         "t_opt": "opt"}[table]
    return TableEntry(match=match, priority=priority, action=ActionCall(action, (value,)))


@pytest.fixture
def tables() -> Switch:
    sw = feature_switch("tables")
    t = sw.tables
    t["I.t_exact"].insert(_entry("t_exact", (Exact(1), Exact(2)), 0x11))
    t["I.t_lpm"].insert(_entry("t_lpm", (Lpm(0x0A000000, 8),), 1))
    t["I.t_lpm"].insert(_entry("t_lpm", (Lpm(0x0A010000, 16),), 2))
    t["I.t_lpm"].insert(_entry("t_lpm", (Lpm(0x0A010203, 32),), 3))
    t["I.t_tern"].insert(_entry("t_tern", (Ternary(0x10, 0xF0), None), 1, priority=10))
    t["I.t_tern"].insert(_entry("t_tern", (Ternary(0x12, 0xFF), None), 2, priority=5))
    t["I.t_tern"].insert(_entry("t_tern", (None, Ternary(0x01, 0x01)), 3, priority=20))
    t["I.t_tern"].insert(_entry("t_tern", (Ternary(0x40, 0xC0), None), 4, priority=7))
    t["I.t_tern"].insert(_entry("t_tern", (Ternary(0x41, 0xFF), None), 5, priority=7))
    t["I.t_range"].insert(_entry("t_range", (Range(10, 20), Exact(1)), 1, priority=1))
    t["I.t_range"].insert(_entry("t_range", (Range(15, 30), Exact(1)), 2, priority=2))
    t["I.t_opt"].insert(_entry("t_opt", (OptionalMatch(5), None), 1, priority=1))
    t["I.t_opt"].insert(_entry("t_opt", (None, OptionalMatch(6)), 2, priority=2))
    t["I.t_opt"].insert(_entry("t_opt", (OptionalMatch(5), OptionalMatch(6)), 3, priority=3))
    return sw


def test_exact_hit_and_default(tables: Switch) -> None:
    assert _res(tables, _k(1, 2))[0] == 0x11
    assert _res(tables, _k(1, 3))[0] == 0xEE  # program default set_ex(0xEE)


@pytest.mark.parametrize(
    ("w", "value"), [(0x0A010203, 3), (0x0A010204, 2), (0x0A020304, 1), (0x0B000000, 0)]
)
def test_lpm_longest_prefix_wins(tables: Switch, w: int, value: int) -> None:
    """BMv2 LPM tables: the matching entry with the longest prefix wins."""
    assert _res(tables, _k(0, 0, w))[1] == value


@pytest.mark.parametrize(
    ("a", "b", "value"),
    [(0x12, 0, 1), (0x13, 0, 1), (0x12, 1, 3), (0x22, 0, 0), (0x41, 0, 4), (0x42, 0, 4)],
)
def test_ternary_priorities(tables: Switch, a: int, b: int, value: int) -> None:
    """P4Runtime priorities: the largest matching priority wins (PI gives BMv2
    2**31-1-priority, smallest wins); entries with equal priority: the one inserted first
    (lowest BMv2 handle) wins, so 0x41 hits the 0x40/0xC0 entry, inserted before 0x41/0xFF."""
    assert _res(tables, _k(a, b))[2] == value


@pytest.mark.parametrize(
    ("c", "a", "value"), [(12, 1, 1), (15, 1, 2), (25, 1, 2), (31, 1, 0), (12, 2, 0)]
)
def test_range_with_exact_field(tables: Switch, c: int, a: int, value: int) -> None:
    assert _res(tables, _k(a, 0, 0, c))[3] == value


@pytest.mark.parametrize(("a", "b", "value"), [(5, 6, 3), (5, 0, 1), (0, 6, 2), (0, 0, 0)])
def test_optional_match(tables: Switch, a: int, b: int, value: int) -> None:
    """An optional field is either an exact value or omitted (matches anything)."""
    assert _res(tables, _k(a, b))[4] == value


@pytest.mark.parametrize(
    ("a", "c", "value", "hit"),
    [(0x12, 5, 1, True), (0x12, 200, 2, True), (0x55, 55, 3, True), (0x55, 70, 0xFF, False)],
)
def test_const_entries_in_program_order(a: int, c: int, value: int, hit: bool) -> None:
    """BMv2 (simple_switch.md, const entries): for ternary/range tables, entries listed
    earlier in the program have higher priority; a miss runs the const default action."""
    res = _res(feature_switch("tables"), _k(a, 0, 0, c))
    assert res[5] == value
    assert bool(res[6] & 32) is hit


def test_hit_bits_and_miss_defaults(tables: Switch) -> None:
    res = _res(tables, _k(5, 6, 0x0A000001, 12))
    assert res == (0xEE, 1, 0, 0, 3, 0xFF, 2 | 16)


def test_default_action_change_and_reset(tables: Switch) -> None:
    t = tables.tables["I.t_exact"]
    t.set_default(ActionCall("I.set_ex", (0x77,)))
    assert _res(tables, _k(9, 9))[0] == 0x77
    t.set_default(ActionCall("NoAction", ()))
    assert _res(tables, _k(9, 9))[0] == 0
    t.reset_default()
    assert _res(tables, _k(9, 9))[0] == 0xEE


def test_signed_action_data(tables: Switch) -> None:
    """Action data arrive as unsigned bit strings (P4Runtime bytes); an int<8> parameter sees
    them as two's complement: 0xFC is -4, and -4 >> 1 is -2 (0xFE)."""
    entry = TableEntry(match=(Exact(3), Exact(3)), action=ActionCall("I.set_signed", (0xFC,)))
    tables.tables["I.t_exact"].insert(entry)
    assert _res(tables, _k(3, 3))[0] == 0xFE


def test_const_default_and_const_entries_are_immutable(tables: Switch) -> None:
    t = tables.tables["I.t_const"]
    with pytest.raises(RuntimeApiError) as err:
        t.set_default(ActionCall("I.set_cst", (1,)))
    assert err.value.code == "PERMISSION_DENIED"
    assert len(t.entries()) == 3 and all(e.is_const for e in t.entries())


def test_modify_and_delete_entry(tables: Switch) -> None:
    t = tables.tables["I.t_exact"]
    t.modify(_entry("t_exact", (Exact(1), Exact(2)), 0x12))
    assert _res(tables, _k(1, 2))[0] == 0x12
    t.delete((Exact(1), Exact(2)), 0)
    assert _res(tables, _k(1, 2))[0] == 0xEE


# ------------------------------------------------------------------ direct counter and meter
def test_direct_counter_counts_hits_only() -> None:
    """BMv2 direct counters: every action of the table counts as if it called count(); only
    hits count (the default entry has no counter); bytes are the ingress length."""
    sw = feature_switch("direct")
    t = sw.tables["I.t"]
    t.insert(TableEntry(match=(Exact(1),), action=ActionCall("I.fwd", (2,))))
    t.insert(TableEntry(match=(Exact(2),), action=ActionCall("I.other", ())))
    for frame in (b"\x01abc", b"\x01abcdef", b"\x02ab", b"\x03"):
        sw.process_packet(1, frame)
    assert t.get((Exact(1),), 0).counter == CounterData(packets=2, bytes=4 + 7)
    assert t.get((Exact(2),), 0).counter == CounterData(packets=1, bytes=3)


def test_direct_meter_colours_with_fake_clock() -> None:
    """BMv2 meters (meters.cpp): two-rate three-colour, colour-blind; a table hit executes
    the entry's meter and writes the colour (0 GREEN, 1 YELLOW, 2 RED) into the field the
    table's actions read() into, before and whatever action runs; a miss leaves the field;
    an unconfigured meter gives GREEN."""
    clock = FakeClock(1000.0)
    sw = feature_switch("direct", clock=clock)
    t = sw.tables["I.t"]
    t.insert(TableEntry(match=(Exact(1),), action=ActionCall("I.fwd", (2,))))
    t.insert(TableEntry(match=(Exact(2),), action=ActionCall("I.other", ())))
    meter = Meter("packets", clock)
    meter.configure(MeterConfig(cir=1, cburst=1, pir=2, pburst=2))
    t.get((Exact(1),), 0).meter = meter

    def colour(a: int) -> tuple[int, int]:
        [(port, data)] = sw.process_packet(1, bytes([a]))
        return port, data[0]

    assert [colour(1) for _ in range(4)] == [(2, 0), (2, 1), (2, 2), (2, 2)]
    clock.now += 1.0  # one second: peak +2 tokens, committed +1
    assert colour(1) == (2, 0)
    assert colour(2) == (1, 0)  # hit on an unconfigured meter: GREEN, action without read()
    assert colour(3) == (1, 0x77)  # miss: colour field untouched


# ------------------------------------------------------------------ action profiles, selectors
def _prof_frame(a: int, b: int, c: int) -> bytes:
    return bytes([a, b]) + c.to_bytes(2, "big")


def _v(sw: Switch, frame: bytes) -> tuple[int, int, int]:
    [(_, data)] = sw.process_packet(1, frame)
    return data[0], data[1], data[2]


@pytest.fixture
def profiles() -> Switch:
    sw = feature_switch("profiles")
    ap = sw.action_profiles["I.ap"]
    ap.insert_member(1, ActionCall("I.set_v1", (0x11,)))
    ap.insert_member(2, ActionCall("I.set_v1", (0x22,)))
    sw.tables["I.t_prof"].insert(TableEntry(match=(Exact(7),), member_id=2))
    sel = sw.action_profiles["I.sel"]
    for member_id, value in ((10, 0xA0), (11, 0xA1), (12, 0xA2)):
        sel.insert_member(member_id, ActionCall("I.set_v2", (value,)))
    sel.insert_group(100, [GroupMember(10), GroupMember(11), GroupMember(12)])
    sw.tables["I.t_sel"].insert(TableEntry(match=(Exact(1),), group_id=100))
    return sw


def test_action_profile_member(profiles: Switch) -> None:
    assert _v(profiles, _prof_frame(7, 9, 0)) == (0x22, 0, 1)
    assert _v(profiles, _prof_frame(8, 9, 0)) == (0, 0, 0)  # miss: NoAction default


@pytest.mark.parametrize(("a", "c"), [(7, 0), (7, 1), (0, 0x1234), (0xFF, 0xFFFF), (3, 5)])
def test_selector_member_choice_follows_bmv2_hash(profiles: Switch, a: int, c: int) -> None:
    """BMv2 (action_profile.cpp + PI group_selection): the selector hashes the selector key
    fields with the declared algorithm (crc16 over a:8 c:16 packed MSB first) and picks
    member `hash % n` among the group's members in member-handle order (handles are given in
    member insertion order: 10, 11, 12)."""
    index = crc16_arc(bytes([a]) + c.to_bytes(2, "big")) % 3
    assert _v(profiles, _prof_frame(a, 1, c))[1] == (0xA0, 0xA1, 0xA2)[index]


def test_selector_spreads_over_all_members(profiles: Switch) -> None:
    seen = {_v(profiles, _prof_frame(a, 1, a * 7))[1] for a in range(32)}
    assert seen == {0xA0, 0xA1, 0xA2}


def test_selector_group_emptied_runs_no_action(profiles: Switch) -> None:
    """BMv2 (match_tables.cpp MatchTableIndirect::lookup): a hit on an empty group runs an
    empty action (not the default action); the table still reports a hit."""
    profiles.action_profiles["I.sel"].modify_group(100, [])
    assert _v(profiles, _prof_frame(7, 1, 0)) == (0x22, 0, 3)


def test_trace_shows_tables_and_actions() -> None:
    """The per-packet trace (p4sim run --log-console) names parser states, table hits with
    the matched entry, misses with the default action, and the actions run."""
    lines: list[str] = []
    sw = feature_switch("tables", trace=lines.append)
    sw.tables["I.t_exact"].insert(_entry("t_exact", (Exact(1), Exact(2)), 0x11))
    sw.process_packet(1, _k(1, 2))
    assert "parser state start" in lines
    assert "table I.t_exact: hit (Exact(value=1), Exact(value=2)) priority 0" in lines
    assert "table I.t_lpm: miss, default I.set_lpm(0,)" in lines
    assert lines.count("action set_ex") == 1
    assert lines[-1] == "output: port 1, 15 bytes"

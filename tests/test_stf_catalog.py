"""STF name lookups against the P4Info of real programs: tables, actions, keys, counters,
meters and registers by full name, by suffix (as p4c's BMv2 STF runner finds them), and
errors that say what exists."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from p4.config.v1 import p4info_pb2

from p4sim.compiler import compile_file
from p4sim.p4info import build_p4info
from p4sim.stf.catalog import ArrayInfo, Catalog, KeyInfo, find_action, find_key
from p4sim.stf.syntax import Loc, StfError

ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "tests" / "p4" / "valid"
LOC = Loc("t.stf", 7)


@cache
def catalog(path: Path) -> Catalog:
    return Catalog(build_p4info(compile_file(path)))


def basic() -> Catalog:
    return catalog(ROOT / "p4src" / "basic.p4")


def kinds() -> Catalog:
    return catalog(VALID / "table_match_kinds.p4")


def error(fn, *args) -> str:  # noqa: ANN001 - any lookup
    with pytest.raises(StfError) as err:
        fn(*args)
    assert err.value.loc == LOC
    return err.value.message


def test_table_by_full_name_suffix_and_alias() -> None:
    cat = basic()
    for name in ("MyIngress.ipv4_lpm", "ipv4_lpm", "lpm"):
        assert cat.table(name, LOC).name == "MyIngress.ipv4_lpm"
    table = cat.table("ipv4_lpm", LOC)
    assert table.keys == (KeyInfo("hdr.ipv4.dstAddr", 32, "lpm"),)
    assert not table.needs_priority and not table.indirect
    assert list(table.actions) == ["MyIngress.ipv4_forward", "MyIngress.drop", "NoAction"]


def test_unknown_table_suggests_close_names() -> None:
    assert error(basic().table, "ipv4_lmp", LOC) == (
        "no table named 'ipv4_lmp'; did you mean 'MyIngress.ipv4_lpm'?"
    )
    assert error(basic().table, "zzz", LOC) == ("no table named 'zzz' (known: MyIngress.ipv4_lpm)")


def synthetic() -> Catalog:
    """Tables named so that suffixes collide: I.t, E.t and I.tt, keyed on a stack element."""
    info = p4info_pb2.P4Info()
    action = info.actions.add()
    action.preamble.id, action.preamble.name = 1, "NoAction"
    for table_id, name in ((10, "I.t"), (11, "E.t"), (12, "I.tt")):
        table = info.tables.add()
        table.preamble.id, table.preamble.name = table_id, name
        for key in ("hdr.vlan[0].vid", "meta.a.x", "hdr.a.x"):
            field = table.match_fields.add()
            field.name, field.bitwidth = key, 12
            field.match_type = p4info_pb2.MatchField.EXACT
        table.action_refs.add().id = 1
    return Catalog(info)


def test_ambiguous_suffixes_list_the_candidates() -> None:
    cat = synthetic()
    assert cat.table("I.t", LOC).name == "I.t"  # a full name wins over longer suffixes
    assert cat.table("tt", LOC).name == "I.tt"
    assert error(cat.table, "t", LOC) == "table name 't' is ambiguous: E.t, I.t"
    table = cat.table("I.tt", LOC)
    assert error(find_key, table, "a.x", LOC) == (
        "key name 'a.x' of table I.tt is ambiguous: meta.a.x, hdr.a.x"
    )


def test_stack_keys_accept_the_dollar_index_spelling() -> None:
    table = synthetic().table("E.t", LOC)
    assert find_key(table, "hdr.vlan$0.vid", LOC) == 0
    assert find_key(table, "vlan[0].vid", LOC) == 0


def test_actions_of_a_table() -> None:
    table = basic().table("ipv4_lpm", LOC)
    action, scope = find_action(table, "ipv4_forward", LOC)
    assert (action.name, action.params, scope) == (
        "MyIngress.ipv4_forward",
        (("dstAddr", 48), ("port", 9)),
        "table_and_default",
    )
    assert find_action(table, "NoAction", LOC)[0].name == "NoAction"
    assert find_action(table, "MyIngress.drop", LOC)[0].name == "MyIngress.drop"
    assert error(find_action, table, "forward_ipv4", LOC).startswith(
        "no action named 'forward_ipv4' in table MyIngress.ipv4_lpm"
    )


def test_keys_by_name_suffix_and_validity_spellings() -> None:
    table = kinds().table("classifier", LOC)
    assert [k.kind for k in table.keys] == ["ternary", "range", "optional", "exact"]
    assert table.needs_priority
    assert find_key(table, "hdr.ipv4.srcAddr", LOC) == 0
    assert find_key(table, "srcAddr", LOC) == 0
    assert find_key(table, "udp.dstPort", LOC) == 1
    assert find_key(table, "protocol", LOC) == 2
    for spelling in ("hdr.udp.$valid$", "hdr.udp.valid", "hdr.udp", "udp.$valid$", "valid"):
        assert find_key(table, spelling, LOC) == 3, spelling
    assert error(find_key, table, "dstAddr", LOC) == (
        "table MyIngress.classifier has no key 'dstAddr'; did you mean 'hdr.ipv4.srcAddr'?"
    )


def test_counters_meters_registers() -> None:
    cat = catalog(VALID / "extern_counter_meter.p4")
    assert cat.counter("rx_port_counter", LOC) == ArrayInfo(
        "MyIngress.rx_port_counter", 512, "both"
    )
    assert cat.any_counter("drop_counter", LOC) == ArrayInfo(
        "MyIngress.drop_counter", 16, "packets"
    )
    assert cat.counter("MyEgress.tx_port_counter", LOC).unit == "bytes"
    assert cat.meter("port_meter", LOC) == ArrayInfo("MyIngress.port_meter", 512, "bytes")
    assert error(cat.register, "r", LOC) == "no register named 'r' (the program has none)"
    regs = catalog(VALID / "extern_register.p4")
    assert regs.register("last_seen", LOC) == ArrayInfo("MyIngress.last_seen", 512, width=48)


def test_direct_counters_belong_to_their_table() -> None:
    cat = catalog(VALID / "direct_resources.p4")
    assert cat.any_counter("mac_hits", LOC) == ArrayInfo(
        "MyIngress.mac_hits", 0, "both", table="MyIngress.dmac"
    )
    assert error(cat.counter, "mac_hits", LOC) == (
        "no counter named 'mac_hits' (the program has none)"
    )

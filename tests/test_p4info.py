"""The P4Info p4sim writes must be the one `p4c-bm2-ss --p4runtime-files` writes.

Three layers:

1. `p4src/basic.p4` against the P4Info p4c produces for the P4 tutorials' basic.p4 (the same
   control-plane surface), field for field and byte for byte.
2. Golden files: every program in `tests/p4/valid/` and `p4src/` against
   `tests/p4/golden/<name>.p4info.txtpb`. Run with `UPDATE_GOLDEN=1` to rewrite them after a
   deliberate change, then review the diff against `docs/p4info-rules.md`.
3. Unit tests of the rules, on small programs written here. Where a test quotes IDs or names
   from a p4c output, the program reproduces the control-plane names of a p4c test program
   (p4lang/p4c `testdata/p4_16_samples`, named in the test) so the expected values are p4c's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from google.protobuf import text_format
from p4.config.v1 import p4info_pb2

from p4sim.compiler import compile_file
from p4sim.frontend.diagnostics import P4Error
from p4sim.p4info import TEXT_HEADER, build_p4info, p4info_text

REPO = Path(__file__).resolve().parents[1]
GOLDEN_DIR = REPO / "tests" / "p4" / "golden"
PROGRAMS = sorted((REPO / "tests" / "p4" / "valid").glob("*.p4")) + sorted(
    (REPO / "p4src").glob("*.p4")
)
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

NO_ACTION_ID = 21257015


# ----------------------------------------------------------------------------- helpers


def p4info_of(tmp_path: Path, source: str) -> p4info_pb2.P4Info:
    path = tmp_path / "prog.p4"
    path.write_text(source, encoding="utf-8")
    return build_p4info(compile_file(path))


def program(
    ingress: str,
    *,
    egress: str = "apply { }",
    ingress_name: str = "MyIngress",
    parser: str = "state start { pkt.extract(hdr.eth); transition accept; }",
    top: str = "",
) -> str:
    """A complete v1model program around the given control bodies (`hdr.eth`, `meta.a`,
    `meta.b`, `sm` are in scope)."""
    return f"""
#include <core.p4>
#include <v1model.p4>
header eth_t {{ bit<48> dst; bit<48> src; bit<16> type; }}
struct headers_t {{ eth_t eth; }}
struct meta_t {{ bit<32> a; bit<16> b; }}
{top}
parser MyParser(packet_in pkt, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t sm) {{
{parser}
}}
control MyVerify(inout headers_t hdr, inout meta_t meta) {{ apply {{ }} }}
control {ingress_name}(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {{
{ingress}
}}
control MyEgress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {{
{egress}
}}
control MyCompute(inout headers_t hdr, inout meta_t meta) {{ apply {{ }} }}
control MyDeparser(packet_out pkt, in headers_t hdr) {{ apply {{ pkt.emit(hdr.eth); }} }}
V1Switch(MyParser(), MyVerify(), {ingress_name}(), MyEgress(), MyCompute(), MyDeparser()) main;
"""


def by_name(entries, name: str):
    """The entry of a repeated P4Info section whose preamble has this name."""
    found = [e for e in entries if e.preamble.name == name]
    assert len(found) == 1, f"{name}: {[e.preamble.name for e in entries]}"
    return found[0]


def names(entries) -> list[str]:
    return [e.preamble.name for e in entries]


# ----------------------------------------------------------------------------- 1. basic.p4

# What p4c (2024-2025) prints for the P4 tutorials' basic.p4 (docs/p4info-rules.md, section 9).
P4C_BASIC = """pkg_info {
  arch: "v1model"
}
tables {
  preamble {
    id: 37375156
    name: "MyIngress.ipv4_lpm"
    alias: "ipv4_lpm"
  }
  match_fields {
    id: 1
    name: "hdr.ipv4.dstAddr"
    bitwidth: 32
    match_type: LPM
  }
  action_refs {
    id: 28792405
  }
  action_refs {
    id: 25652968
  }
  action_refs {
    id: 21257015
  }
  initial_default_action {
    action_id: 25652968
  }
  size: 1024
}
actions {
  preamble {
    id: 21257015
    name: "NoAction"
    alias: "NoAction"
    annotations: "@noWarn(\\"unused\\")"
  }
}
actions {
  preamble {
    id: 25652968
    name: "MyIngress.drop"
    alias: "drop"
  }
}
actions {
  preamble {
    id: 28792405
    name: "MyIngress.ipv4_forward"
    alias: "ipv4_forward"
  }
  params {
    id: 1
    name: "dstAddr"
    bitwidth: 48
  }
  params {
    id: 2
    name: "port"
    bitwidth: 9
  }
}
type_info {
}
"""


def test_basic_p4_matches_p4c_field_for_field() -> None:
    compiled = compile_file(REPO / "p4src" / "basic.p4")
    expected = text_format.Parse(P4C_BASIC, p4info_pb2.P4Info())
    got = build_p4info(compiled)
    assert got == expected
    assert p4info_text(compiled) == TEXT_HEADER + P4C_BASIC


def test_text_starts_with_p4c_header_comments() -> None:
    text = p4info_text(compile_file(REPO / "p4src" / "basic.p4"))
    assert text.startswith(
        "# proto-file: p4/config/v1/p4info.proto\n# proto-message: p4.config.v1.P4Info\n\n"
    )
    parsed = text_format.Parse(text, p4info_pb2.P4Info())  # comments are valid text format
    assert parsed.tables[0].preamble.name == "MyIngress.ipv4_lpm"


# ----------------------------------------------------------------------------- 2. goldens


def test_golden_names_are_unique() -> None:
    stems = [p.stem for p in PROGRAMS]
    assert len(stems) == len(set(stems)), "two programs would share one golden file"


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_p4info(path: Path) -> None:
    text = p4info_text(compile_file(path))
    golden = GOLDEN_DIR / f"{path.stem}.p4info.txtpb"
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden for {path}; run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(encoding="utf-8")


def test_no_stale_goldens() -> None:
    expected = {f"{p.stem}.p4info.txtpb" for p in PROGRAMS}
    present = {p.name for p in GOLDEN_DIR.glob("*.p4info.txtpb")}
    assert present <= expected, f"goldens without a program: {sorted(present - expected)}"


# ----------------------------------------------------------------------------- 3. names


def test_top_level_action_with_name_annotation_keeps_it_unprefixed(tmp_path: Path) -> None:
    # names of p4c's issue-4969-bmv2.p4; IDs from p4c's output for it
    info = p4info_of(
        tmp_path,
        program(
            """
    table t1 {
        actions = { NoAction; foo1; foo2; }
        key = { hdr.eth.type: exact; }
        default_action = NoAction();
        size = 512;
    }
    apply { t1.apply(); }""",
            ingress_name="ingressImpl",
            top='action foo1() { }\n@name("bar") action foo2() { }',
        ),
    )
    assert [(a.preamble.id, a.preamble.name) for a in info.actions] == [
        (NO_ACTION_ID, "NoAction"),
        (25646030, "foo1"),
        (21008649, "bar"),
    ]
    table = by_name(info.tables, "ingressImpl.t1")
    assert table.preamble.id == 49173205
    assert [r.id for r in table.action_refs] == [NO_ACTION_ID, 25646030, 21008649]
    assert table.size == 512


def test_nested_control_objects_are_named_by_instance(tmp_path: Path) -> None:
    # names of p4c's default-action-arg-bmv2.p4 (control `compute` instantiated as `c`)
    top = """
control compute(inout headers_t h) {
    action add(bit<32> va, bit<32> vb) { h.eth.type = (bit<16>) (va + vb); }
    table t {
        key = { h.eth.type : exact; }
        actions = { add; }
        const default_action = add(10, 0);
    }
    apply { t.apply(); }
}"""
    info = p4info_of(
        tmp_path,
        program("compute() c;\n    apply { c.apply(hdr); }", ingress_name="ingress", top=top),
    )
    table = by_name(info.tables, "ingress.c.t")
    assert (table.preamble.id, table.preamble.alias) == (43577110, "t")
    assert table.match_fields[0].name == "h.eth.type"
    assert table.const_default_action_id == 29022044
    args = [(a.param_id, a.value) for a in table.initial_default_action.arguments]
    assert args == [(1, b"\x00\x00\x00\n"), (2, b"\x00\x00\x00\x00")]
    assert names(info.actions) == ["ingress.c.add"]
    assert info.actions[0].preamble.id == 29022044


def test_control_instantiated_twice_gives_two_sets_of_objects(tmp_path: Path) -> None:
    top = """
control acl(inout headers_t h) {
    counter(32w8, CounterType.packets) hits;
    action deny() { h.eth.type = 0; }
    table rules { key = { h.eth.src : ternary; } actions = { deny; NoAction; } }
    apply { rules.apply(); }
}"""
    info = p4info_of(
        tmp_path,
        program("acl() a1;\n    acl() a2;\n    apply { a1.apply(hdr); a2.apply(hdr); }", top=top),
    )
    assert names(info.tables) == ["MyIngress.a1.rules", "MyIngress.a2.rules"]
    assert names(info.actions) == ["NoAction", "MyIngress.a1.deny", "MyIngress.a2.deny"]
    assert [a.preamble.alias for a in info.actions[1:]] == ["a1.deny", "a2.deny"]
    assert names(info.counters) == ["MyIngress.a1.hits", "MyIngress.a2.hits"]
    second = by_name(info.tables, "MyIngress.a2.rules")
    assert second.action_refs[0].id == by_name(info.actions, "MyIngress.a2.deny").preamble.id


def test_name_annotations_relative_and_absolute(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    @name("hits") counter(32w4, CounterType.bytes) c;
    @name(".global_drop") action drop() { mark_to_drop(sm); }
    @name("fwd") action forward(@name("out_port") bit<9> port) { sm.egress_spec = port; }
    @name("routes") table t {
        key = { hdr.eth.dst : exact @name("mac"); }
        actions = { forward; drop; }
        default_action = drop();
    }
    apply { t.apply(); }"""
        ),
    )
    assert names(info.tables) == ["MyIngress.routes"]
    assert names(info.actions) == ["global_drop", "MyIngress.fwd"]
    assert info.actions[1].params[0].name == "out_port"
    assert info.tables[0].match_fields[0].name == "mac"
    assert names(info.counters) == ["MyIngress.hits"]


def test_aliases_use_shortest_unique_suffix_across_controls(tmp_path: Path) -> None:
    # p4c's basic_routing-bmv2.p4 has `on_miss` in both `ingress` and `egress`
    def table(name: str) -> str:
        return f"""
    action on_miss() {{ }}
    table {name} {{ key = {{ meta.b : exact; }} actions = {{ on_miss; }} }}
    apply {{ {name}.apply(); }}"""

    source = program(table("nexthop"), ingress_name="ingress", egress=table("rewrite_mac"))
    source = source.replace("control MyEgress", "control egress").replace("MyEgress()", "egress()")
    info = p4info_of(tmp_path, source)
    misses = [
        (a.preamble.id, a.preamble.alias) for a in info.actions if "on_miss" in a.preamble.name
    ]
    assert misses == [(22594144, "ingress.on_miss"), (28864280, "egress.on_miss")]
    assert [t.preamble.alias for t in info.tables] == ["nexthop", "rewrite_mac"]


# ----------------------------------------------------------------------------- 3. what is kept


def test_unused_actions_and_tables_are_dropped(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    action helper() { meta.a = 1; }
    action caller() { helper(); }
    action unused() { }
    action for_unapplied() { }
    table applied { key = { meta.a : exact; } actions = { caller; } default_action = caller(); }
    table never { key = { meta.a : exact; } actions = { for_unapplied; } }
    table dead { key = { meta.a : exact; } actions = { NoAction; } }
    apply {
        applied.apply();
        if (false) { dead.apply(); }
    }"""
        ),
    )
    assert names(info.tables) == ["MyIngress.applied"]
    # `helper` is inlined into `caller` (InlineActions) and then unused
    assert names(info.actions) == ["MyIngress.caller"]


def test_directly_called_action_loses_its_parameters(tmp_path: Path) -> None:
    # RemoveActionParameters: a direct call binds every argument, a table only the
    # directional ones; the table's copy of an action comes first
    info = p4info_of(
        tmp_path,
        program(
            """
    action set_b(bit<16> v) { meta.b = v; }
    action set_a(inout bit<32> x, bit<32> v) { x = v; }
    action set_both(bit<16> v) { meta.b = v; }
    table t {
        key = { meta.a : exact; }
        actions = { set_a(meta.a); set_both; }
        default_action = set_a(meta.a, 7);
    }
    apply { set_b(3); t.apply(); set_both(1); }"""
        ),
    )
    assert names(info.actions) == ["MyIngress.set_b", "MyIngress.set_a", "MyIngress.set_both"]
    assert [[p.name for p in a.params] for a in info.actions] == [[], ["v"], ["v"]]
    default = info.tables[0].initial_default_action
    assert [(a.param_id, a.value) for a in default.arguments] == [(1, b"\x00\x00\x00\x07")]


def test_direct_call_only_action_is_listed(tmp_path: Path) -> None:
    # p4c's gauntlet_exit_combination_1-bmv2.p4: `do_action` is only called from apply
    info = p4info_of(
        tmp_path,
        program(
            """
    action dummy() { }
    action do_action() { hdr.eth.type = 1; }
    table simple_table {
        key = { 32w1 : exact @name("akSTMF"); }
        actions = { dummy(); NoAction(); }
        default_action = NoAction;
    }
    apply {
        simple_table.apply();
        do_action();
    }""",
            ingress_name="ingress",
        ),
    )
    assert [(a.preamble.id, a.preamble.name) for a in info.actions] == [
        (NO_ACTION_ID, "NoAction"),
        (18214157, "ingress.dummy"),
        (21566949, "ingress.do_action"),
    ]
    assert info.tables[0].preamble.id == 39789425
    assert info.tables[0].match_fields[0].name == "akSTMF"


def test_implicit_default_action_appends_defaultonly_no_action(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    action a() { }
    table t { key = { meta.a : exact; } actions = { a; } }
    table u { key = { meta.a : exact; } actions = { a; NoAction; } }
    apply { t.apply(); u.apply(); }"""
        ),
    )
    t, u = info.tables
    last = t.action_refs[-1]
    assert (last.id, list(last.annotations)) == (NO_ACTION_ID, ["@defaultonly"])
    assert last.scope == p4info_pb2.ActionRef.DEFAULT_ONLY
    assert t.initial_default_action.action_id == NO_ACTION_ID
    assert t.const_default_action_id == 0
    assert [r.id for r in u.action_refs][-1] == NO_ACTION_ID  # listed: not appended again
    assert len(u.action_refs) == 2 and not u.action_refs[1].annotations
    assert names(info.actions) == ["NoAction", "MyIngress.a"]


def test_value_sets_of_reachable_states_only(tmp_path: Path) -> None:
    # p4c's pvs-struct-1-bmv2.p4: `MyParser.pvs` is 56033750
    parser = """
    value_set<vs_t>(4) pvs;
    value_set<bit<16>>(8) unused;
    value_set<bit<16>>(2) orphan;
    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.type) { pvs: accept; 0x810: foo; }
    }
    state foo { transition accept; }
    state unreachable { transition select(hdr.eth.type) { orphan: accept; default: reject; } }"""
    top = "struct vs_t { @match(ternary) bit<16> field; }"
    info = p4info_of(tmp_path, program("apply { }", parser=parser, top=top))
    (vs,) = info.value_sets
    assert (vs.preamble.id, vs.preamble.name, vs.size) == (56033750, "MyParser.pvs", 4)
    assert [(m.id, m.name, m.bitwidth, m.match_type) for m in vs.match] == [
        (1, "field", 16, p4info_pb2.MatchField.TERNARY)
    ]
    assert not vs.match[0].annotations  # @match is not listed


# ----------------------------------------------------------------------------- 3. resources


def test_in_place_action_profiles_take_the_name_annotation(tmp_path: Path) -> None:
    # p4c's action_profile-bmv2.p4 (IngressI, `ap`, `ap_ws`); IDs from p4c's output
    info = p4info_of(
        tmp_path,
        program(
            """
    action drop() { mark_to_drop(sm); }
    table indirect {
        key = { }
        actions = { drop; NoAction; }
        const default_action = NoAction();
        @name("ap") implementation = action_profile(32w128);
    }
    table indirect_ws {
        key = { meta.a : selector; }
        actions = { drop; NoAction; }
        const default_action = NoAction();
        @name("ap_ws") implementation = action_selector(HashAlgorithm.identity, 32w1024, 32w10);
    }
    apply { indirect.apply(); indirect_ws.apply(); }""",
            ingress_name="IngressI",
        ),
    )
    indirect, indirect_ws = info.tables
    assert (indirect.preamble.id, indirect_ws.preamble.id) == (46872340, 38116258)
    assert (indirect.implementation_id, indirect_ws.implementation_id) == (294074782, 300324846)
    assert not indirect_ws.match_fields  # selector keys are not match fields
    ap, ap_ws = info.action_profiles
    assert (ap.preamble.name, ap.size, ap.with_selector, list(ap.table_ids)) == (
        "ap",
        128,
        False,
        [46872340],
    )
    assert (ap_ws.preamble.name, ap_ws.size, ap_ws.with_selector) == ("ap_ws", 1024, True)
    assert by_name(info.actions, "IngressI.drop").preamble.id == 23455883


def test_shared_selector_lists_tables_sorted_by_name(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    @max_group_size(16) @my_note
    action_selector(HashAlgorithm.crc16, 32w64, 32w14) sel;
    action_profile(32w8) unused_profile;
    action a(bit<9> p) { sm.egress_spec = p; }
    table zeta {
        key = { meta.a : exact; meta.b : selector; } actions = { a; } implementation = sel;
    }
    table alpha {
        key = { meta.b : selector; meta.a : exact; } actions = { a; } implementation = sel;
    }
    apply { zeta.apply(); alpha.apply(); }"""
        ),
    )
    sel, unused = info.action_profiles
    zeta, alpha = info.tables
    assert list(sel.table_ids) == [alpha.preamble.id, zeta.preamble.id]
    assert (sel.max_group_size, list(sel.preamble.annotations)) == (16, ["@my_note"])
    assert (unused.preamble.name, list(unused.table_ids)) == ("MyIngress.unused_profile", [])
    # selector keys are skipped but still consume a match field ID
    assert [(m.id, m.name) for m in alpha.match_fields] == [(2, "meta.a")]


def test_direct_resources_are_emitted_through_their_table(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    direct_counter(CounterType.packets_and_bytes) hits;
    direct_counter(CounterType.packets) orphan;
    action a() { }
    table t {
        key = { meta.a : exact; }
        actions = { a; }
        counters = hits;
        @name("t_meter") meters = direct_meter<bit<2>>(MeterType.bytes);
        support_timeout = true;
    }
    apply { t.apply(); }"""
        ),
    )
    table = info.tables[0]
    (counter,) = info.direct_counters
    (meter,) = info.direct_meters
    assert (counter.preamble.name, counter.spec.unit) == (
        "MyIngress.hits",
        p4info_pb2.CounterSpec.BOTH,
    )
    assert (meter.preamble.name, meter.spec.unit) == ("t_meter", p4info_pb2.MeterSpec.BYTES)
    assert counter.direct_table_id == meter.direct_table_id == table.preamble.id
    assert list(table.direct_resource_ids) == [counter.preamble.id, meter.preamble.id]
    assert counter.preamble.id >> 24 == 0x13 and meter.preamble.id >> 24 == 0x15
    assert table.idle_timeout_behavior == p4info_pb2.Table.NOTIFY_CONTROL


def test_counters_meters_registers(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    counter(32w16, CounterType.packets) c1;
    meter(32w32, MeterType.packets) m1;
    register<bit<48>>(32w64) r1;
    apply { c1.count(0); }""",
            egress="register<int<8>>(2) r2;\n    apply { }",
            top="counter(32w4, CounterType.bytes) global_counter;",
        ),
    )
    assert names(info.counters) == ["global_counter", "MyIngress.c1"]  # top level first
    assert [c.size for c in info.counters] == [4, 16]
    assert (info.meters[0].size, info.meters[0].spec.unit) == (32, p4info_pb2.MeterSpec.PACKETS)
    r1, r2 = info.registers
    assert (r1.preamble.name, r1.size, r1.type_spec.bitstring.bit.bitwidth) == (
        "MyIngress.r1",
        64,
        48,
    )
    assert (r2.preamble.name, r2.type_spec.bitstring.int.bitwidth) == ("MyEgress.r2", 8)


# ------------------------------------------------------------------------- 3. digests, packet io


def test_digest_type_spec_and_type_info(tmp_path: Path) -> None:
    top = """
enum bit<8> Kind { A = 1, B = 2 }
header tag_t { bit<3> pcp; bit<13> vid; }
struct inner_t { bool flag; Kind kind; tag_t tag; }
struct learn_t { bit<48> src; inner_t inner; }
typedef learn_t learn_alias_t;"""
    ingress = """
    learn_t l;
    action learn() { digest<learn_t>(1, l); }
    table t { key = { meta.a : exact; } actions = { learn; } default_action = learn(); }
    apply {
        t.apply();
        digest<learn_alias_t>(1, l);
        digest(1, l.inner);
        digest<learn_t>(2, l);
    }"""
    info = p4info_of(tmp_path, program(ingress, top=top))
    assert names(info.digests) == ["learn_t", "learn_alias_t", "inner_t"]
    assert info.digests[0].preamble.id >> 24 == 0x17
    assert info.digests[1].type_spec.struct.name == "learn_t"  # the typedef names the digest
    structs = info.type_info.structs
    assert [m.name for m in structs["learn_t"].members] == ["src", "inner"]
    inner = structs["inner_t"].members
    assert inner[0].type_spec.HasField("bool")
    assert inner[1].type_spec.serializable_enum.name == "Kind"
    assert inner[2].type_spec.header.name == "tag_t"
    assert [
        (m.name, m.type_spec.bit.bitwidth) for m in info.type_info.headers["tag_t"].members
    ] == [
        ("pcp", 3),
        ("vid", 13),
    ]
    kind = info.type_info.serializable_enums["Kind"]
    assert kind.underlying_type.bitwidth == 8
    assert [(m.name, m.value) for m in kind.members] == [("A", b"\x01"), ("B", b"\x02")]


def test_controller_packet_metadata(tmp_path: Path) -> None:
    # p4c names a controller header by its annotation and hashes the type name:
    # `packet_out_t` is 75327753 in p4c's custom-type-restricted-fields.p4 output
    top = """
@controller_header("packet_out")
header packet_out_t { bit<9> egress_port; @id(5) bit<7> queue_id; bit<16> extra; }
@controller_header("packet_in")
header packet_in_t { bit<9> ingress_port; bit<7> _pad; }"""
    info = p4info_of(tmp_path, program("apply { }", top=top))
    out, inp = info.controller_packet_metadata
    assert (out.preamble.id, out.preamble.name, out.preamble.alias) == (
        75327753,
        "packet_out",
        "packet_out",
    )
    assert list(out.preamble.annotations) == ['@controller_header("packet_out")']
    assert [(m.id, m.name, m.bitwidth) for m in out.metadata] == [
        (1, "egress_port", 9),
        (5, "queue_id", 7),
        (2, "extra", 16),
    ]
    assert inp.preamble.name == "packet_in" and inp.preamble.id >> 24 == 0x04


def test_translated_and_plain_new_types(tmp_path: Path) -> None:
    top = """
@p4runtime_translation("example.org/port", 32)
type bit<9> port_t;
type bit<16> label_t;"""
    ingress = """
    action fwd(port_t p, label_t l) { sm.egress_spec = (bit<9>) p; meta.b = (bit<16>) l; }
    table t { key = { meta.a : exact; } actions = { fwd; } }
    apply { t.apply(); }"""
    info = p4info_of(tmp_path, program(ingress, top=top))
    p, label = info.actions[1].params
    assert (p.bitwidth, p.type_name.name) == (32, "port_t")
    assert (label.bitwidth, label.type_name.name) == (16, "label_t")
    new_types = info.type_info.new_types
    assert new_types["port_t"].translated_type.uri == "example.org/port"
    assert new_types["port_t"].translated_type.sdn_bitwidth == 32
    assert new_types["label_t"].original_type.bitstring.bit.bitwidth == 16


# ----------------------------------------------------------------------------- 3. keys, annotations


def test_generated_key_names(tmp_path: Path) -> None:
    top = 'struct named_t { @name("renamed") bit<8> f; @name(".global") bit<8> g; }'
    ingress = """
    named_t n;
    action a() { }
    table t {
        key = {
            hdr.eth.dst[47:40] : exact;
            hdr.eth.type & 0xFF00 : ternary;
            hdr.eth.isValid() : exact;
            n.f : exact;
            n.g : exact;
            meta.a : range;
            meta.b : optional;
        }
        actions = { a; }
    }
    apply { t.apply(); }"""
    info = p4info_of(tmp_path, program(ingress, top=top))
    fields = [(m.name, m.bitwidth, m.match_type) for m in info.tables[0].match_fields]
    mf = p4info_pb2.MatchField
    assert fields == [
        ("hdr.eth.dst[47:40]", 8, mf.EXACT),
        ("hdr.eth.type & 0xff00", 16, mf.TERNARY),
        ("hdr.eth.$valid$", 1, mf.EXACT),
        ("n.renamed", 8, mf.EXACT),
        ("global", 8, mf.EXACT),
        ("meta.a", 32, mf.RANGE),
        ("meta.b", 16, mf.OPTIONAL),
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param(
            "table t { key = { meta.a : exact; } actions = { a; } "
            "implementation = action_profile(32w4); }",
            "needs a @name",
            id="in_place_extern",
        ),
        pytest.param(
            "table t { key = { meta.a + 1 : exact; } actions = { a; } }",
            "Complex key expression requires a @name annotation",
            id="complex_key",
        ),
    ],
)
def test_p4runtime_needs_a_name(tmp_path: Path, table: str, message: str) -> None:
    source = program(f"action a() {{ }}\n    {table}\n    apply {{ t.apply(); }}")
    with pytest.raises(P4Error, match=message):
        p4info_of(tmp_path, source)


def test_annotations_and_documentation(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    @brief("Forward") @description("Sends the packet out of a port")
    action fwd(@brief("egress port") bit<9> port) { sm.egress_spec = port; }
    @my_flags(1, "two") @structured[kind="acl", level=3]
    table t {
        key = { meta.a : exact @brief("the key"); }
        actions = { @tableonly fwd; @defaultonly NoAction; }
        default_action = NoAction();
    }
    apply { t.apply(); }"""
        ),
    )
    table = info.tables[0]
    assert list(table.preamble.annotations) == ['@my_flags(1 , "two")']
    (structured,) = table.preamble.structured_annotations
    pairs = {kv.key: kv.value for kv in structured.kv_pair_list.kv_pairs}
    assert (structured.name, pairs["kind"].string_value, pairs["level"].int64_value) == (
        "structured",
        "acl",
        3,
    )
    assert table.match_fields[0].doc.brief == "the key"
    assert [(r.scope, list(r.annotations)) for r in table.action_refs] == [
        (p4info_pb2.ActionRef.TABLE_ONLY, ["@tableonly"]),
        (p4info_pb2.ActionRef.DEFAULT_ONLY, ["@defaultonly"]),
    ]
    fwd = by_name(info.actions, "MyIngress.fwd")
    assert (fwd.preamble.doc.brief, fwd.preamble.doc.description) == (
        "Forward",
        "Sends the packet out of a port",
    )
    assert not fwd.preamble.annotations
    assert fwd.params[0].doc.brief == "egress port"


def test_explicit_ids(tmp_path: Path) -> None:
    info = p4info_of(
        tmp_path,
        program(
            """
    @id(7) action a(@id(3) bit<8> x, bit<8> y) { meta.b = (bit<16>) (x + y); }
    @id(0x02000010) table t { key = { meta.a : exact @id(9); } actions = { a; } }
    apply { t.apply(); }"""
        ),
    )
    assert info.actions[1].preamble.id == 0x01000007
    assert [(p.id, p.name) for p in info.actions[1].params] == [(3, "x"), (2, "y")]
    assert info.tables[0].preamble.id == 0x02000010
    assert info.tables[0].match_fields[0].id == 9


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ("@id(1) action b() { } @id(1)", "assigned to multiple declarations"),
        ("action b() { } @id(0x02000001)", "wrong 8-bit prefix"),
    ],
)
def test_bad_explicit_ids_are_errors(tmp_path: Path, annotations: str, message: str) -> None:
    source = program(
        f"""
    {annotations} action a() {{ }}
    table t {{ key = {{ meta.a : exact; }} actions = {{ a; b; }} }}
    apply {{ t.apply(); }}"""
    )
    with pytest.raises(P4Error, match=message):
        p4info_of(tmp_path, source)


def test_pkg_info(tmp_path: Path) -> None:
    source = program("apply { }").replace(
        "V1Switch(", '@brief("a demo switch") @custom("x") V1Switch('
    )
    info = p4info_of(tmp_path, source)
    assert info.pkg_info.arch == "v1model"
    assert info.pkg_info.doc.brief == "a demo switch"
    assert list(info.pkg_info.annotations) == ['@custom("x")']

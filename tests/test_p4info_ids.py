"""p4sim's P4Runtime ID and alias allocation must reproduce p4c's numbers.

Expected values are copied from P4Info files produced by p4c, so a pass proves
the hash, the prefixes and the alias rule identical to the reference compiler:

- p4lang/p4c testdata/p4_16_samples_outputs/*.p4info.txtpb (basic_routing-bmv2,
  flowlet_switching-bmv2, action_profile-bmv2, action_selector_unused-bmv2,
  pvs-struct-1-bmv2, default-action-arg-bmv2, issue-4969-bmv2);
- the P4 tutorials' basic.p4 as compiled by p4c (shown by p4runtime-shell);
- byllyfish/finsy examples compiled with p4c (ngsdn main.p4, l2_switch.p4,
  tests/test_data/p4info/fabric.p4.p4info.txt).
"""

from __future__ import annotations

import pytest

from p4sim.p4info_ids import (
    AliasSet,
    IdAllocator,
    P4Ids,
    P4InfoIdError,
    allocate_field_ids,
    hashed_id,
    jenkins_one_at_a_time,
    make_id,
    name_hash,
    prefix_of,
    resolve_explicit_id,
)

# (resource type, fully qualified name, id in p4c's output)
KNOWN_IDS = [
    # found in most p4c v1model outputs
    (P4Ids.ACTION, "NoAction", 21257015),
    # P4 tutorials, basic.p4
    (P4Ids.TABLE, "MyIngress.ipv4_lpm", 37375156),
    (P4Ids.ACTION, "MyIngress.ipv4_forward", 28792405),
    (P4Ids.ACTION, "MyIngress.drop", 25652968),
    (P4Ids.ACTION, "MyIngress.myTunnel_ingress", 24181246),
    # p4runtime-shell tutorial (dmac table)
    (P4Ids.TABLE, "MyIngress.dmac_table", 35550025),
    (P4Ids.ACTION, "MyIngress.forward", 29683729),
    # p4c testdata: basic_routing-bmv2
    (P4Ids.TABLE, "ingress.bd", 48392551),
    (P4Ids.TABLE, "ingress.ipv4_fib", 41084491),
    (P4Ids.TABLE, "ingress.ipv4_fib_lpm", 42875950),
    (P4Ids.TABLE, "ingress.nexthop", 43581057),
    (P4Ids.TABLE, "ingress.port_mapping", 39645634),
    (P4Ids.TABLE, "egress.rewrite_mac", 40309161),
    (P4Ids.ACTION, "ingress.set_vrf", 33505590),
    (P4Ids.ACTION, "ingress.on_miss", 22594144),
    (P4Ids.ACTION, "egress.rewrite_src_dst_mac", 28966416),
    # p4c testdata: flowlet_switching-bmv2 (registers)
    (P4Ids.REGISTER, "ingress.flowlet_id", 384519412),
    (P4Ids.REGISTER, "ingress.flowlet_lasttime", 375147533),
    # p4c testdata: action_profile-bmv2 (in-place profiles named by @name)
    (P4Ids.ACTION_PROFILE, "ap", 294074782),
    (P4Ids.ACTION_PROFILE, "ap_ws", 300324846),
    (P4Ids.TABLE, "IngressI.indirect", 46872340),
    (P4Ids.TABLE, "IngressI.indirect_ws", 38116258),
    (P4Ids.ACTION, "IngressI.drop", 23455883),
    # p4c testdata: action_selector_unused-bmv2
    (P4Ids.ACTION_PROFILE, "IngressI.as", 291652621),
    # p4c testdata: pvs-struct-1-bmv2 (value set in a parser)
    (P4Ids.VALUE_SET, "MyParser.pvs", 56033750),
    # p4c testdata: default-action-arg-bmv2 (nested control instance "c")
    (P4Ids.TABLE, "ingress.c.t", 43577110),
    (P4Ids.ACTION, "ingress.c.add", 29022044),
    # p4c testdata: issue-4969-bmv2 (top-level actions, one with @name("bar"))
    (P4Ids.TABLE, "ingressImpl.t1", 49173205),
    (P4Ids.ACTION, "foo1", 25646030),
    (P4Ids.ACTION, "bar", 21008649),
    # finsy l2_switch: top-level counters, digest, support_timeout table
    (P4Ids.COUNTER, "igPortsCounts", 316239238),
    (P4Ids.COUNTER, "egPortsCounts", 306420565),
    (P4Ids.DIGEST, "digest_t", 389049336),
    (P4Ids.TABLE, "IngressImpl.smac", 36205427),
    # finsy ngsdn: direct counters, selector, controller headers (type names!)
    (P4Ids.DIRECT_COUNTER, "l2_exact_table_counter", 334804396),
    (P4Ids.DIRECT_COUNTER, "IngressPipeImpl.srv6_my_sid_table_counter", 321813123),
    (P4Ids.ACTION_PROFILE, "IngressPipeImpl.ecmp_selector", 299582234),
    (P4Ids.ACTION, "IngressPipeImpl.srv6_pop", 22830137),
    (P4Ids.CONTROLLER_HEADER, "cpu_in_header_t", 69098127),
    (P4Ids.CONTROLLER_HEADER, "cpu_out_header_t", 78842819),
    # finsy fabric.p4: meter, counter, controller headers
    (P4Ids.METER, "FabricIngress.qos.slice_tc_meter", 348573637),
    (P4Ids.COUNTER, "FabricIngress.port_counters_control.egress_port_counter", 314528581),
    (P4Ids.CONTROLLER_HEADER, "packet_in_header_t", 81826293),
    (P4Ids.CONTROLLER_HEADER, "packet_out_header_t", 76689799),
]


@pytest.mark.parametrize(("prefix", "name", "expected"), KNOWN_IDS)
def test_hashed_id_matches_p4c_output(prefix: P4Ids, name: str, expected: int) -> None:
    assert hashed_id(prefix, name) == expected


def test_allocator_reproduces_all_known_ids_together() -> None:
    ids = IdAllocator()
    for prefix, name, _ in KNOWN_IDS:
        ids.add(prefix, name)
    for prefix, name, expected in KNOWN_IDS:
        assert ids.id_of(prefix, name) == expected, name


def test_prefixes_are_the_p4runtime_enum_values() -> None:
    assert [int(p) for p in (P4Ids.ACTION, P4Ids.TABLE, P4Ids.VALUE_SET)] == [1, 2, 3]
    assert int(P4Ids.CONTROLLER_HEADER) == 4
    assert [int(p) for p in (P4Ids.ACTION_PROFILE, P4Ids.COUNTER, P4Ids.DIRECT_COUNTER)] == [
        0x11,
        0x12,
        0x13,
    ]
    assert [int(p) for p in (P4Ids.METER, P4Ids.DIRECT_METER, P4Ids.REGISTER)] == [
        0x14,
        0x15,
        0x16,
    ]
    assert int(P4Ids.DIGEST) == 0x17
    for prefix, _, expected in KNOWN_IDS:
        assert prefix_of(expected) == prefix


def test_hash_is_jenkins_one_at_a_time_with_32_bit_wraparound() -> None:
    # Published test vector of the one-at-a-time hash.
    assert jenkins_one_at_a_time(b"a") == 0xCA2E9442
    assert jenkins_one_at_a_time(b"The quick brown fox jumps over the lazy dog") == 0x519E91F5
    assert jenkins_one_at_a_time(b"") == 0
    assert name_hash("NoAction") == jenkins_one_at_a_time(b"NoAction")


def test_only_the_low_24_bits_of_the_hash_reach_the_id() -> None:
    assert make_id(P4Ids.TABLE, 0xFFFFFFFF) == 0x02FFFFFF
    assert make_id(P4Ids.ACTION, 0x12345678) == 0x01345678


def test_same_name_in_different_types_gets_different_prefixes() -> None:
    ids = IdAllocator()
    ids.add(P4Ids.ACTION, "x")
    ids.add(P4Ids.TABLE, "x")
    low = name_hash("x") & 0xFFFFFF
    assert ids.id_of(P4Ids.ACTION, "x") == 0x01000000 | low
    assert ids.id_of(P4Ids.TABLE, "x") == 0x02000000 | low


def test_hash_collision_is_resolved_by_probing_in_sorted_name_order() -> None:
    # These two names hash to the same low 24 bits (found by brute force).
    first, second = "MyIngress.t8641", "MyIngress.t959"
    assert name_hash(first) & 0xFFFFFF == name_hash(second) & 0xFFFFFF
    base = hashed_id(P4Ids.TABLE, first)
    assert base == 45009815  # the value quoted in docs/p4info-rules.md
    for order in ((first, second), (second, first)):
        ids = IdAllocator()
        for name in order:
            ids.add(P4Ids.TABLE, name)
        # "...t8641" sorts before "...t959" ('8' < '9'), whatever the add order.
        assert ids.id_of(P4Ids.TABLE, first) == base
        assert ids.id_of(P4Ids.TABLE, second) == base + 1


def test_an_explicit_id_pushes_a_hashed_id_to_the_next_free_slot() -> None:
    ids = IdAllocator()
    name = "MyIngress.ipv4_lpm"
    taken = hashed_id(P4Ids.TABLE, name)
    ids.add(P4Ids.TABLE, "reserved", explicit_id=taken)
    ids.add(P4Ids.TABLE, name)
    assert ids.id_of(P4Ids.TABLE, name) == taken + 1


def test_explicit_id_gets_the_type_prefix_and_blocks_hashed_ids() -> None:
    ids = IdAllocator()
    ids.add(P4Ids.TABLE, "MyIngress.t", explicit_id=1)
    ids.add(P4Ids.ACTION, "MyIngress.a", explicit_id=0x01000007)
    ids.add(P4Ids.ACTION, "NoAction")
    assert ids.id_of(P4Ids.TABLE, "MyIngress.t") == 0x02000001
    assert ids.id_of(P4Ids.ACTION, "MyIngress.a") == 0x01000007
    assert ids.id_of(P4Ids.ACTION, "NoAction") == 21257015


def test_explicit_id_with_a_foreign_prefix_is_rejected() -> None:
    with pytest.raises(P4InfoIdError, match="wrong 8-bit prefix"):
        resolve_explicit_id(P4Ids.TABLE, 0x01000001)
    with pytest.raises(P4InfoIdError, match="unsigned integer"):
        resolve_explicit_id(P4Ids.TABLE, 1 << 32)


def test_duplicate_explicit_ids_are_rejected() -> None:
    ids = IdAllocator()
    ids.add(P4Ids.TABLE, "a", explicit_id=5)
    with pytest.raises(P4InfoIdError, match="assigned to multiple declarations"):
        ids.add(P4Ids.TABLE, "b", explicit_id=0x02000005)


def test_adding_the_same_symbol_twice_is_harmless() -> None:
    ids = IdAllocator()
    ids.add(P4Ids.ACTION, "NoAction")
    ids.add(P4Ids.ACTION, "NoAction")
    assert ids.ids() == {(int(P4Ids.ACTION), "NoAction"): 21257015}


def test_symbols_cannot_be_added_after_ids_are_assigned() -> None:
    ids = IdAllocator()
    ids.add(P4Ids.ACTION, "NoAction")
    ids.ids()
    with pytest.raises(RuntimeError):
        ids.add(P4Ids.ACTION, "late")


def test_aliases_of_basic_routing_match_p4c() -> None:
    # Every control-plane symbol of testdata basic_routing-bmv2.p4.
    expected = {
        "ingress.bd": "bd",
        "ingress.ipv4_fib": "ipv4_fib",
        "ingress.ipv4_fib_lpm": "ipv4_fib_lpm",
        "ingress.nexthop": "nexthop",
        "ingress.port_mapping": "port_mapping",
        "egress.rewrite_mac": "rewrite_mac",
        "NoAction": "NoAction",
        "ingress.set_vrf": "set_vrf",
        "ingress.on_miss": "ingress.on_miss",
        "ingress.fib_hit_nexthop": "fib_hit_nexthop",
        "ingress.set_egress_details": "set_egress_details",
        "ingress.set_bd": "set_bd",
        "egress.on_miss": "egress.on_miss",
        "egress.rewrite_src_dst_mac": "rewrite_src_dst_mac",
    }
    aliases = AliasSet(expected)
    assert {name: aliases.alias(name) for name in expected} == expected


def test_aliases_need_as_many_components_as_the_longest_shared_suffix() -> None:
    # From finsy's fabric.p4 P4Info: two "drop" actions in nested controls.
    aliases = AliasSet(
        [
            "FabricIngress.acl.drop",
            "FabricEgress.egress_next.drop",
            "FabricIngress.acl.acl",
            "nop",
        ]
    )
    assert aliases.alias("FabricIngress.acl.drop") == "acl.drop"
    assert aliases.alias("FabricEgress.egress_next.drop") == "egress_next.drop"
    assert aliases.alias("FabricIngress.acl.acl") == "acl"
    # The P4Runtime spec's own example.
    assert AliasSet(["s.c1.t", "s.c2.t"]).alias("s.c1.t") == "c1.t"
    # A name that is a suffix of another keeps all its components.
    both = AliasSet(["c", "a.c"])
    assert (both.alias("c"), both.alias("a.c")) == ("c", "a.c")


def test_aliases_span_all_resource_types() -> None:
    ids = IdAllocator()
    ids.add(P4Ids.TABLE, "MyIngress.t")
    ids.add(P4Ids.COUNTER, "MyEgress.t")
    assert ids.alias("MyIngress.t") == "MyIngress.t"
    assert ids.alias("MyEgress.t") == "MyEgress.t"


def test_field_ids_are_sequential_without_annotations() -> None:
    assert allocate_field_ids([None, None, None]) == [1, 2, 3]
    assert allocate_field_ids([]) == []


def test_field_ids_with_explicit_annotations_follow_p4c_quirks() -> None:
    # The counter skips positions of annotated elements and taken numbers.
    assert allocate_field_ids([None, 1, None]) == [2, 1, 3]
    assert allocate_field_ids([5, None, None]) == [5, 2, 3]
    assert allocate_field_ids([None, 2, None]) == [1, 2, 3]
    assert allocate_field_ids([None, None, 1]) == [2, 3, 1]


def test_field_id_errors() -> None:
    with pytest.raises(P4InfoIdError, match="0 is not a valid"):
        allocate_field_ids([0])
    with pytest.raises(P4InfoIdError, match="used multiple times"):
        allocate_field_ids([3, 3])

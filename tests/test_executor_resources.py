"""Run-time objects built from a program's resources: an action selector gets the
`@max_group_size` p4c puts in P4Info, so groups are limited even when the caller gives no
`max_size` (PI then uses the P4Info value: RESOURCE_EXHAUSTED, state left as it was)."""

from __future__ import annotations

import pytest

from p4sim import ir
from p4sim.compiler import compile_text
from p4sim.runtime.action_profiles import GroupMember
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.switch import Switch
from p4sim.runtime.tables import ActionCall, Exact, TableEntry

PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header k_t {{ bit<8> a; bit<8> b; }}
struct headers_t {{ k_t k; }}
struct meta_t {{ }}
parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {{
    state start {{ pkt.extract(h.k); transition accept; }}
}}
control VC(inout headers_t h, inout meta_t m) {{ apply {{ }} }}
control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {{
    {declared}
    action set_b(bit<8> v) {{ h.k.b = v; }}
    table t {{
        key = {{ h.k.a: exact; h.k.b: selector; }}
        actions = {{ set_b; NoAction; }}
        {implementation}
    }}
    apply {{ t.apply(); }}
}}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {{ apply {{ }} }}
control CC(inout headers_t h, inout meta_t m) {{ apply {{ }} }}
control D(packet_out pkt, in headers_t h) {{ apply {{ pkt.emit(h.k); }} }}
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""

SELECTOR = "action_selector(HashAlgorithm.crc16, 32w16, 32w14)"
DECLARED = {"declared": f"@max_group_size(4) {SELECTOR} sel;", "implementation":
            "implementation = sel;"}
UNLIMITED = {"declared": f"{SELECTOR} sel;", "implementation": "implementation = sel;"}
IN_PLACE = {"declared": "", "implementation":
            f'@name("sel") @max_group_size(3) implementation = {SELECTOR};'}


def switch(parts: dict[str, str]) -> Switch:
    sw = Switch()
    sw.load_pipeline(ir.dumps(compile_text(PROGRAM.format(**parts)).program).encode())
    return sw


@pytest.mark.parametrize(
    ("parts", "name", "limit"),
    [(DECLARED, "I.sel", 4), (UNLIMITED, "I.sel", 0), (IN_PLACE, "sel", 3)],
)
def test_selector_gets_the_max_group_size_annotation(
    parts: dict[str, str], name: str, limit: int
) -> None:
    profile = switch(parts).action_profiles[name]
    assert (profile.selector, profile.size, profile.max_group_size) == (True, 16, limit)


def test_group_above_max_group_size_is_refused_and_state_is_kept() -> None:
    sw = switch(DECLARED)
    profile = sw.action_profiles["I.sel"]
    for member_id in (1, 2):
        profile.insert_member(member_id, ActionCall("I.set_b", (member_id,)))
    profile.insert_group(7, [GroupMember(1, weight=4)])  # max_size 0: up to 4
    table = sw.tables["I.t"]
    table.insert(TableEntry(match=(Exact(1),), group_id=7))
    before = (profile.groups(), profile.members(), table.entries())
    with pytest.raises(RuntimeApiError) as err:
        profile.insert_group(8, [GroupMember(1, weight=3), GroupMember(2, weight=2)])
    assert (err.value.code, err.value.message) == (
        "RESOURCE_EXHAUSTED", "sum of member weights 5 exceeds the maximum group size 4"
    )
    with pytest.raises(RuntimeApiError) as err:
        profile.modify_group(7, [GroupMember(1, weight=4), GroupMember(2)])
    assert (err.value.code, err.value.message) == (
        "RESOURCE_EXHAUSTED", "sum of member weights 5 exceeds the maximum group size 4"
    )
    with pytest.raises(RuntimeApiError) as err:
        profile.insert_group(8, [GroupMember(1)], max_size=5)
    assert (err.value.code, err.value.message) == (
        "INVALID_ARGUMENT", "group max_size 5 exceeds the profile's max_group_size 4"
    )
    assert (profile.groups(), profile.members(), table.entries()) == before


def test_selector_without_max_group_size_takes_any_group() -> None:
    profile = switch(UNLIMITED).action_profiles["I.sel"]
    profile.insert_member(1, ActionCall("I.set_b", (1,)))
    profile.insert_group(1, [GroupMember(1, weight=1000)])
    assert profile.groups() == {1: (GroupMember(1, weight=1000),)}

"""Loading device configs: unusable ones are refused with INVALID_ARGUMENT and leave the
running program and its state in place; a new program starts from fresh state."""

from __future__ import annotations

import pytest
from executor_switch import feature_config, feature_switch

from p4sim import ir
from p4sim.compiler import compile_text
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.switch import Switch
from p4sim.runtime.tables import ActionCall, Exact, TableEntry

ODD_HEADER = """
#include <core.p4>
#include <v1model.p4>
header k_t { bit<12> a; }
struct headers_t { k_t k; }
struct meta_t { }
parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start { pkt.extract(h.k); transition accept; }
}
control VC(inout headers_t h, inout meta_t m) { apply { } }
control I(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t h) { apply { pkt.emit(h.k); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


@pytest.mark.parametrize(
    "config",
    [
        b"not json",
        b'{"format": "something else"}',
        b'{"format": "p4sim-ir", "version": 99}',
        ir.dumps(compile_text(ODD_HEADER).program).encode(),
    ],
)
def test_unusable_config_is_refused_and_old_program_kept(config: bytes) -> None:
    """A header that is not a whole number of bytes cannot be emitted by BMv2 (headers.cpp
    asserts it), so such a program is refused rather than failing per packet."""
    sw = feature_switch("tables")
    entry = TableEntry(match=(Exact(1), Exact(2)), action=ActionCall("I.set_ex", (0x11,)))
    sw.tables["I.t_exact"].insert(entry)
    with pytest.raises(RuntimeApiError) as err:
        sw.load_pipeline(config)
    assert err.value.code == "INVALID_ARGUMENT"
    assert len(sw.tables["I.t_exact"].entries()) == 1
    frame = bytes([1, 2]) + bytes(6)
    assert sw.process_packet(1, frame)[0][1][0] == 0x11


def test_reload_starts_from_fresh_state() -> None:
    sw = feature_switch("tables")
    entry = TableEntry(match=(Exact(1), Exact(2)), action=ActionCall("I.set_ex", (0x11,)))
    sw.tables["I.t_exact"].insert(entry)
    sw.load_pipeline(feature_config("tables"))
    assert sw.tables["I.t_exact"].entries() == []


def test_no_program_drops() -> None:
    sw = Switch()
    assert not sw.loaded
    assert sw.process_packet(1, b"abc") == []
    assert sw.dropped == {"no pipeline loaded": 1}

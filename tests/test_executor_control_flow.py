"""Control flow in the executor (tests/p4/runtime/feat_control_flow.p4): sub-parsers,
sub-controls, functions and direct action calls with out/inout arguments, switch statements,
exit, log_msg, assert and assume.

Frame: k = op a b, then x.v when op is 9. Output: k, x (if parsed), then res = fn_ret fn_out
fn_acc inout_a sub sw_act sw_val exit_mark sp eg.
"""

from __future__ import annotations

import pytest
from executor_switch import feature_switch

from p4sim.runtime.switch import Switch
from p4sim.runtime.tables import ActionCall, Exact, TableEntry


def _switch(trace: list[str] | None = None) -> Switch:
    """feat_control_flow.p4, its trace lines appended to `trace` when one is given."""
    return feature_switch("control_flow", trace=trace.append if trace is not None else None)


def _res(sw: Switch, op: int, a: int, b: int, *x: int) -> list[int]:
    frame = bytes([op, a, b, *x])
    [(port, data)] = sw.process_packet(1, frame)
    assert port == 1 and data[: len(frame)] == frame
    return list(data[len(frame) :])


def test_function_out_inout_and_direct_action_call() -> None:
    """add_and_double(in x, out doubled, inout acc) returns x + 1; bump(inout v, by) adds
    `by` to its argument (copy-in/copy-out, P4-16 6.7); the sub-control adds 1 to its inout
    argument and its table misses (NoAction)."""
    res = _res(_switch(), 0, 5, 1)
    assert res[:5] == [6, 10, 6, 8, 6]
    assert res[9] == 0xE0  # egress ran


def test_out_argument_wraps_and_sub_control_table() -> None:
    sw = _switch()
    sw.tables["I.sc.st"].insert(TableEntry(match=(Exact(7),), action=ActionCall("I.sc.twice")))
    res = _res(sw, 0, 200, 7)
    assert res[:5] == [201, 144, (7 + 200) & 0xFF, 203, (201 * 2) & 0xFF]


@pytest.mark.parametrize(
    ("a", "action", "expected"),
    [(1, "I.set_a", 11), (2, "I.set_b", 2), (3, None, 0x55)],
)
def test_switch_on_action_run(a: int, action: str | None, expected: int) -> None:
    """switch (t.apply().action_run): the case of the action that ran; a miss runs the
    default action (NoAction), which has no case here, so `default:`."""
    sw = _switch()
    if action is not None:
        sw.tables["I.ts"].insert(TableEntry(match=(Exact(a),), action=ActionCall(action)))
    assert _res(sw, 0, a, 0)[5] == expected


@pytest.mark.parametrize(("b", "expected"), [(1, 0x10), (2, 0x23), (3, 0x23), (4, 0xDD)])
def test_switch_on_value_with_fallthrough_label(b: int, expected: int) -> None:
    assert _res(_switch(), 0, 0, b)[6] == expected


def test_exit_in_apply_and_in_action() -> None:
    """exit ends the ingress control (the statements after it do not run, also after an
    action that exits); the packet continues to egress and out (BMv2 `mark_for_exit` then
    `reset_exit` at the end of ingress)."""
    assert _res(_switch(), 0, 1, 0)[7:] == [0x80, 0, 0xE0]
    assert _res(_switch(), 2, 1, 0)[7:] == [1, 0, 0xE0]
    assert _res(_switch(), 3, 1, 0)[7:] == [3, 0, 0xE0]


def test_sub_parser_with_inout_argument() -> None:
    """The sub-parser extracts x and increments the caller's counter (10 -> 11)."""
    res = _res(_switch(), 9, 0, 0, 0x20)
    assert res[8] == 11 + 0x20


def test_log_msg_goes_to_the_trace() -> None:
    """log_msg formats each `{}` with the next value (decimal)."""
    trace: list[str] = []
    _res(_switch(trace), 4, 17, 0)
    assert [line for line in trace if line.startswith("log_msg")] == [
        "log_msg: op=4 a=17",
        "log_msg: egress",
    ]


@pytest.mark.parametrize("op", [5, 6])
def test_assert_and_assume(op: int) -> None:
    """assert/assume with a true condition do nothing. With a false one BMv2 logs
    "Assert error"/"Assume error" and aborts the whole switch process (core/primitives.cpp
    `_BM_COND_ABORT`); p4sim cannot sensibly do that in-process and drops the packet instead,
    with the reason in the trace and in Switch.dropped."""
    trace: list[str] = []
    sw = _switch(trace)
    assert _res(sw, op, 1, 0)[7] == 0x80
    assert sw.process_packet(1, bytes([op, 0, 0])) == []
    assert len(sw.dropped) == 1
    assert any(line.startswith("drop: assert failed") for line in trace)

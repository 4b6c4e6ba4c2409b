"""Switches running the feature programs of tests/p4/runtime/ (`feat_NAME.p4`), for the
executor tests.

Each program is compiled once per test session, however many test modules load it, and a
switch can be given a `fake_clock.FakeClock` so that meter tests move time by hand instead of
sleeping.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from p4sim import ir
from p4sim.compiler import compile_file
from p4sim.runtime.switch import Switch

P4_DIR = Path(__file__).parent / "p4" / "runtime"


@cache
def feature_config(name: str) -> bytes:
    """The device config (IR JSON) of tests/p4/runtime/feat_NAME.p4."""
    return ir.dumps(compile_file(P4_DIR / f"feat_{name}.p4").program).encode()


def feature_switch(name: str, **kwargs: object) -> Switch:
    """A new switch with feat_NAME.p4 loaded; `kwargs` go to `Switch` (clock, sinks, ...)."""
    sw = Switch(**kwargs)  # type: ignore[arg-type]
    sw.load_pipeline(feature_config(name))
    return sw

"""The executor: turns a device config (the JSON IR) into runnable Python functions.

`load_program` parses the IR, generates the module source (`codegen`), creates fresh run-time
objects for its tables and externs (`resources`) and executes the module once. The result is a
`Pipeline`: the six v1model blocks as plain functions plus the state objects the control plane
manipulates. The v1model architecture around the blocks lives in `p4sim.runtime.switch`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from p4sim.executor.codegen import RUNTIME_HELPERS, CodeGen
from p4sim.executor.program import Program, bad_config
from p4sim.executor.resources import Resources, build_objects
from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.tables import Table


@dataclass
class Pipeline:
    """A loaded program: entry points, generated source and fresh state."""

    blocks: dict[str, Any]  # p vr ig eg ck dep; new_headers new_meta new_sm (constructors)
    source: str
    resources: Resources
    tables: dict[str, Table]
    instances: dict[str, Any]


def generate(device_config: bytes | str | dict) -> tuple[str, Resources]:
    """The generated module source and resource specs of a device config."""
    if isinstance(device_config, dict):
        doc = device_config
    else:
        try:
            doc = json.loads(device_config)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_config(f"not JSON: {exc}") from None
    prog = Program(doc)
    gen = CodeGen(prog)
    try:
        source = gen.generate()
    except RuntimeApiError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise bad_config(f"malformed IR ({type(exc).__name__}: {exc})") from None
    return source, gen.resources


def load_program(
    device_config: bytes | str | dict,
    *,
    trace: Callable[[str], None] | None = None,
    clock: Callable[[], float],
) -> Pipeline:
    """Generate, compile and instantiate a program (raises RuntimeApiError on bad input)."""
    source, resources = generate(device_config)
    tables, instances = build_objects(resources, clock)
    rt = runtime_namespace(tables, instances, trace)
    namespace: dict[str, Any] = {}
    code = compile(source, "<p4sim pipeline>", "exec")
    exec(code, namespace)  # noqa: S102 - the module is our own generated code
    blocks = namespace["build"](rt)
    return Pipeline(blocks, source, resources, tables, instances)


def runtime_namespace(
    tables: dict[str, Table], instances: dict[str, Any], trace: Callable[[str], None] | None
) -> SimpleNamespace:
    """What generated code may use: `rt.<name>` for each of codegen.RUNTIME_NAMES."""
    return SimpleNamespace(
        **RUNTIME_HELPERS,
        tr=trace,
        table=tables.__getitem__,
        instance=instances.__getitem__,
    )

"""`p4.v1.Action` <-> runtime `ActionCall` ("Action Specification").

The action must be one of the table's actions (INVALID_ARGUMENT) and respect its scope:
a `@defaultonly` action in an entry or a `@tableonly` one as the default is PERMISSION_DENIED.
Every parameter must be given exactly once.
"""

from __future__ import annotations

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.tables import ActionCall
from p4sim.server import codec
from p4sim.server.schema import ActionInfo, Schema, TableInfo


def decode_action(
    schema: Schema, allowed: TableInfo | frozenset[int], msg: p4runtime_pb2.Action, *,
    default: bool = False,
) -> ActionCall:
    """The call an Action message asks for, in an entry (or as the default when `default`) of
    a table; `allowed` may instead be the action ids an action profile member can use."""
    action_ids = allowed.action_ids if isinstance(allowed, TableInfo) else allowed
    if msg.action_id not in action_ids:
        where = f"table {allowed.name}" if isinstance(allowed, TableInfo) else "this profile"
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"action id {msg.action_id} is not an action of {where}"
        )
    info = schema.action(msg.action_id)
    if isinstance(allowed, TableInfo):
        if default and info.id in allowed.table_only:
            raise RuntimeApiError(
                "PERMISSION_DENIED", f"{info.name} is @tableonly in table {allowed.name}"
            )
        if not default and info.id in allowed.default_only:
            raise RuntimeApiError(
                "PERMISSION_DENIED", f"{info.name} is @defaultonly in table {allowed.name}"
            )
    return ActionCall(info.name, decode_params(info, msg.params))


def decode_params(info: ActionInfo, params: list[p4runtime_pb2.Action.Param]) -> tuple[int, ...]:
    """Parameter values in declaration order."""
    by_id = {p.id: p for p in info.params}
    values: dict[int, int] = {}
    for param in params:
        spec = by_id.get(param.param_id)
        if spec is None:
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"{info.name} has no parameter with id {param.param_id}"
            )
        if param.param_id in values:
            raise RuntimeApiError("INVALID_ARGUMENT", f"{info.name}: {spec.name} given twice")
        values[param.param_id] = codec.decode(param.value, spec.width, f"{info.name} {spec.name}")
    missing = [p.name for p in info.params if p.id not in values]
    if missing:
        raise RuntimeApiError(
            "INVALID_ARGUMENT", f"{info.name}: missing parameter(s) {', '.join(missing)}"
        )
    return tuple(values[p.id] for p in info.params)


def encode_action(schema: Schema, call: ActionCall) -> p4runtime_pb2.Action:
    """The Action message of a runtime call, with canonical parameter values."""
    info = schema.action_by_name(call.name)
    return p4runtime_pb2.Action(
        action_id=info.id,
        params=[
            p4runtime_pb2.Action.Param(param_id=p.id, value=codec.encode(v))
            for p, v in zip(info.params, call.args, strict=True)
        ],
    )

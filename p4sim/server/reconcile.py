"""The forwarding state of a target as the Write updates that would rebuild it.

RECONCILE_AND_COMMIT must keep the forwarding state across a pipeline change; replaying these
updates on the new pipeline does that, and fails (INVALID_ARGUMENT for the request) exactly
when the new P4Info cannot hold the old state. Updates come in dependency order: members
before groups before table entries. Program (const) entries are left out, since the new
program brings its own; cells still at their load-time value need no update.
"""

from __future__ import annotations

from p4.v1 import p4data_pb2, p4runtime_pb2

from p4sim.server import entities
from p4sim.server.actions import decode_params
from p4sim.server.target import Target

Entity = p4runtime_pb2.Entity
Update = p4runtime_pb2.Update


def state_updates(t: Target) -> list[Update]:
    def read(entity: Entity) -> list[Entity]:
        return entities.read(t, entity)

    inserts: list[Entity] = []
    inserts += read(Entity(action_profile_member=p4runtime_pb2.ActionProfileMember()))
    inserts += read(Entity(action_profile_group=p4runtime_pb2.ActionProfileGroup()))
    everything = p4runtime_pb2.TableEntry(
        counter_data=p4runtime_pb2.CounterData(), meter_config=p4runtime_pb2.MeterConfig()
    )
    inserts += [e for e in read(Entity(table_entry=everything)) if not e.table_entry.is_const]
    for kind in ("multicast_group_entry", "clone_session_entry"):
        pre = p4runtime_pb2.PacketReplicationEngineEntry()
        getattr(pre, kind).SetInParent()
        inserts += read(Entity(packet_replication_engine_entry=pre))
    inserts += read(Entity(digest_entry=p4runtime_pb2.DigestEntry()))

    modifies = _changed_defaults(t)
    modifies += [
        e for e in read(Entity(register_entry=p4runtime_pb2.RegisterEntry()))
        if _nonzero(e.register_entry.data)
    ]
    modifies += [
        e for e in read(Entity(counter_entry=p4runtime_pb2.CounterEntry()))
        if e.counter_entry.data.packet_count or e.counter_entry.data.byte_count
    ]
    modifies += [
        e for e in read(Entity(meter_entry=p4runtime_pb2.MeterEntry()))
        if e.meter_entry.HasField("config")
    ]
    modifies += [
        e for e in read(Entity(value_set_entry=p4runtime_pb2.ValueSetEntry()))
        if e.value_set_entry.members
    ]
    return [Update(type=Update.INSERT, entity=e) for e in inserts] + [
        Update(type=Update.MODIFY, entity=e) for e in modifies
    ]


def _nonzero(data: p4data_pb2.P4Data) -> bool:
    return data.bool or any(data.bitstring) or any(data.enum_value)


def _changed_defaults(t: Target) -> list[Entity]:
    """Default entries a controller changed (still at the P4Info initial action: left out)."""
    out = []
    initial = {
        table.preamble.id: table.initial_default_action for table in t.schema.p4info.tables
    }
    for info in t.schema.tables.values():
        if info.const_default_action_id or info.implementation_id:
            continue
        (entity,) = _read_default(t, info.id)
        action = entity.table_entry.action.action
        first = initial[info.id]
        if first.action_id == action.action_id:
            action_info = t.schema.action(action.action_id)
            given = [p4runtime_pb2.Action.Param(param_id=a.param_id, value=a.value)
                     for a in first.arguments]
            if decode_params(action_info, given) == decode_params(action_info, action.params):
                continue
        out.append(entity)
    return out


def _read_default(t: Target, table_id: int) -> list[Entity]:
    return entities.read(
        t, Entity(table_entry=p4runtime_pb2.TableEntry(table_id=table_id, is_default_action=True))
    )

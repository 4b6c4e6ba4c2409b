"""Counter data and meter configs between P4Runtime messages and the runtime externs.

Shared by indexed counters / meters and the direct ones reached through table entries.
A counter reports only the unit(s) its P4Info declares (BMv2 counts both, PI reports what
P4Info says); meter values are checked by the runtime meter itself, which knows BMv2's limits.
"""

from __future__ import annotations

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterData, MeterConfig


def counter_data_in(msg: p4runtime_pb2.CounterData) -> CounterData:
    if msg.packet_count < 0 or msg.byte_count < 0:
        raise RuntimeApiError("INVALID_ARGUMENT", "counter values cannot be negative")
    return CounterData(packets=msg.packet_count, bytes=msg.byte_count)


def counter_data_out(data: CounterData, unit: str) -> p4runtime_pb2.CounterData:
    out = p4runtime_pb2.CounterData()
    if unit in ("packets", "packets_and_bytes"):
        out.packet_count = data.packets
    if unit in ("bytes", "packets_and_bytes"):
        out.byte_count = data.bytes
    return out


def meter_config_in(msg: p4runtime_pb2.MeterConfig) -> MeterConfig:
    """A two-rate three-colour config (v1model meters are trTCMs: `eburst` must be unset)."""
    if msg.eburst:
        raise RuntimeApiError("INVALID_ARGUMENT", "eburst is only for single-rate meters")
    return MeterConfig(cir=msg.cir, cburst=msg.cburst, pir=msg.pir, pburst=msg.pburst)


def meter_config_out(cfg: MeterConfig) -> p4runtime_pb2.MeterConfig:
    return p4runtime_pb2.MeterConfig(cir=cfg.cir, cburst=cfg.cburst, pir=cfg.pir, pburst=cfg.pburst)


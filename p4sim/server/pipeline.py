"""Forwarding pipeline configs: verifying them, and the live / saved targets they produce
("SetForwardingPipelineConfig RPC", "GetForwardingPipelineConfig RPC").

- VERIFY loads the config on a scratch switch and checks that the P4Info describes it.
- VERIFY_AND_SAVE keeps the verified config on a scratch (staged) switch: from then on Write
  and Read address the staged pipeline while packets still run through the live one, and the
  successful updates are recorded.
- COMMIT loads the saved config on the live switch and replays the recorded updates, as the
  spec describes; NOT_FOUND without a saved config, INVALID_ARGUMENT with a config.
- VERIFY_AND_COMMIT replaces the live pipeline, clearing all forwarding state.
- RECONCILE_AND_COMMIT does the same but carries the forwarding state over: it is replayed on
  a scratch switch first, and INVALID_ARGUMENT (live pipeline untouched) when it does not fit.

Loading a config on the live switch only happens after it loaded on a scratch one, and
`Switch.load_pipeline` keeps the old program when loading fails, so a refused request never
changes the live pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from p4.v1 import p4runtime_pb2

from p4sim.runtime.errors import RuntimeApiError
from p4sim.server import entities
from p4sim.server.digests import DigestEngine
from p4sim.server.reconcile import state_updates
from p4sim.server.schema import Schema
from p4sim.server.target import Target

Request = p4runtime_pb2.SetForwardingPipelineConfigRequest
Config = p4runtime_pb2.ForwardingPipelineConfig
EngineFactory = Callable[[Schema], DigestEngine]


class PipelineHost:
    """The live pipeline of a switch and, after VERIFY_AND_SAVE, the staged one.

    Not thread-safe: the server serialises calls with its write lock.
    """

    def __init__(self, switch: Any, engine_factory: EngineFactory) -> None:
        """`engine_factory` makes the digest engine of a live pipeline (delivering digest lists
        to controllers); staged and scratch pipelines get engines that deliver nothing."""
        self._switch = switch
        self._engine_factory = engine_factory
        self.live: Target | None = None
        self._live_config: Config | None = None
        self._saved: Target | None = None
        self._saved_config: Config | None = None
        self._recorded: list[p4runtime_pb2.Update] = []

    def target(self) -> Target:
        """What Write and Read address (FAILED_PRECONDITION before any pipeline is set)."""
        target = self._saved or self.live
        if target is None:
            raise RuntimeApiError("FAILED_PRECONDITION", "no forwarding pipeline config is set")
        return target

    def record(self, update: p4runtime_pb2.Update) -> None:
        """Remember a successful update for the COMMIT of a saved config."""
        if self._saved is not None:
            self._recorded.append(update)

    def config(self) -> Config | None:
        """The config Get returns: the saved one when pending, else the live one."""
        return self._saved_config or self._live_config

    def set(self, action: int, config: Config | None) -> None:
        """Perform a SetForwardingPipelineConfig action (`config` None when not given)."""
        if action == Request.COMMIT:
            self._commit(config)
            return
        if action not in (
            Request.VERIFY, Request.VERIFY_AND_SAVE, Request.VERIFY_AND_COMMIT,
            Request.RECONCILE_AND_COMMIT,
        ):
            raise RuntimeApiError("INVALID_ARGUMENT", "unknown SetForwardingPipelineConfig action")
        if config is None:
            raise RuntimeApiError("INVALID_ARGUMENT", "the request has no config")
        staged = self._scratch(config)
        if action == Request.VERIFY:
            return
        if action == Request.VERIFY_AND_SAVE:
            self._saved, self._saved_config, self._recorded = staged, config, []
            return
        replay: list[p4runtime_pb2.Update] = []
        if action == Request.RECONCILE_AND_COMMIT and self.live is not None:
            replay = state_updates(self.live)
            _replay(staged, replay, "the forwarding state cannot be carried over")
        self._go_live(config, staged.schema, replay)

    def _commit(self, config: Config | None) -> None:
        if config is not None:
            raise RuntimeApiError("INVALID_ARGUMENT", "COMMIT takes no config")
        if self._saved is None or self._saved_config is None:
            raise RuntimeApiError("NOT_FOUND", "no saved config to commit")
        self._go_live(self._saved_config, self._saved.schema, self._recorded)

    def _scratch(self, config: Config) -> Target:
        """The config loaded on a new switch that runs no packets."""
        schema = Schema(config.p4info)
        live = self._switch
        switch = type(live)(device_id=live.device_id, cpu_port=live.cpu_port)
        try:
            switch.load_pipeline(config.p4_device_config)
        except RuntimeApiError:
            raise
        except Exception as exc:  # a malformed IR document the loader did not anticipate
            raise RuntimeApiError(
                "INVALID_ARGUMENT", f"the device config cannot be loaded: {exc!r}"
            ) from None
        mismatches = check_consistency(schema, switch)
        if mismatches:
            raise RuntimeApiError(
                "INVALID_ARGUMENT",
                "the P4Info does not describe the device config: " + "; ".join(mismatches[:5]),
            )
        return Target(schema, switch, DigestEngine(schema, lambda _: False))

    def _go_live(
        self, config: Config, schema: Schema, replay: list[p4runtime_pb2.Update]
    ) -> None:
        with self._switch.lock:
            self._switch.load_pipeline(config.p4_device_config)
            live = Target(schema, self._switch, self._engine_factory(schema))
            _replay(live, replay, "replaying the saved updates failed", code="INTERNAL")
        self.live, self._live_config = live, config
        self._saved, self._saved_config, self._recorded = None, None, []


def _replay(t: Target, updates: list[p4runtime_pb2.Update], why: str, code: str = "") -> None:
    for update in updates:
        try:
            entities.write(t, update)
        except RuntimeApiError as err:
            raise RuntimeApiError(code or "INVALID_ARGUMENT", f"{why}: {err}") from None


def check_consistency(schema: Schema, switch: Any) -> list[str]:
    """Where the P4Info and a loaded device config disagree (empty when they agree)."""
    out: list[str] = []
    described = {
        "table": ({i.name for i in schema.tables.values()}, switch.tables),
        "action profile": ({i.name for i in schema.action_profiles.values()},
                           switch.action_profiles),
        "counter": ({i.name for i in schema.counters.values()}, switch.counters),
        "meter": ({i.name for i in schema.meters.values()}, switch.meters),
        "register": ({i.name for i in schema.registers.values()}, switch.registers),
        "value set": ({i.name for i in schema.value_sets.values()}, switch.value_sets),
    }
    for what, (names, objects) in described.items():
        out.extend(f"the P4Info lacks {what} {name}" for name in objects if name not in names)
    for info in schema.tables.values():
        table = switch.tables.get(info.name)
        if table is None:
            out.append(f"no table {info.name}")
            continue
        keys = [(k.name, k.match_kind, k.width) for k in table.keys]
        if keys != [(f.name, f.match_kind, f.width) for f in info.fields]:
            out.append(f"table {info.name} has another key")
        for action_id in info.action_ids:
            name = schema.action(action_id).name
            if name not in table.actions:
                out.append(f"table {info.name} has no action {name}")
        if (table.profile is None) != (info.implementation_id == 0):
            out.append(f"table {info.name} differs in its implementation")
        counter = info.direct_counter_id and schema.direct_counter(info.direct_counter_id).name
        meter = info.direct_meter_id and schema.direct_meter(info.direct_meter_id).name
        if (table.direct_counter, table.direct_meter) != (counter or None, meter or None):
            out.append(f"table {info.name} differs in its direct resources")
        if table.supports_timeout != info.supports_idle_timeout:
            out.append(f"table {info.name} differs in its idle timeout support")
    for what, infos, objects in (
        ("action profile", schema.action_profiles, switch.action_profiles),
        ("counter", schema.counters, switch.counters),
        ("meter", schema.meters, switch.meters),
        ("register", schema.registers, switch.registers),
        ("value set", schema.value_sets, switch.value_sets),
    ):
        for info in infos.values():
            obj = objects.get(info.name)
            if obj is None:
                out.append(f"no {what} {info.name}")
            elif getattr(info, "size", None) not in (None, obj.size):
                out.append(f"{what} {info.name} has size {obj.size}, not {info.size}")
    for info in schema.registers.values():
        register = switch.registers.get(info.name)
        if register is not None and info.value is not None and info.value.width != register.width:
            out.append(f"register {info.name} has width {register.width}")
    return out

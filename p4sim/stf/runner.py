"""Execute bound STF commands against a p4sim `Switch`, in file order, and record the outcome.

Like p4c's BMv2 runner, table and PRE commands take effect before the packets that follow
them; packets are processed one at a time to completion (all clones and multicast copies), so
`wait` has nothing to wait for. Expected packets are only collected here; `p4sim.stf.report`
compares them with what came out once the whole file has run, as p4c does.

The multicast commands are simple_switch_CLI's: `mc_node_create` returns node handles 0, 1,
2, ... in creation order; a group replicates to its nodes in association order and, within a
node, to its ports in increasing port order (BMv2 keeps a node's ports in a bitmap). The PRE
stores a group as P4Runtime replicas, one node per rid: two nodes of one group with the same
rid act as one node at the first one's position, and a port in both is refused.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from p4sim.runtime.errors import RuntimeApiError
from p4sim.runtime.externs import CounterData, MeterConfig
from p4sim.runtime.pre import CloneSession, Replica
from p4sim.runtime.switch import Switch
from p4sim.runtime.tables import TableEntry
from p4sim.stf import syntax as s
from p4sim.stf.bind import Bound, CounterCheck, InsertEntry, SetDefaultAction
from p4sim.stf.outcome import Outcome, Received
from p4sim.stf.syntax import Loc, StfError

MICROSECONDS_PER_SECOND = 1_000_000  # BMv2 CLI meter rates are per microsecond
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Multicast:
    """simple_switch_CLI's node-based multicast commands over the PRE's replica lists."""

    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.nodes: list[tuple[int, tuple[int, ...]]] = []  # handle -> (rid, ports)
        self.groups: dict[int, list[int]] = {}  # group -> node handles, association order
        self.owner: dict[int, int] = {}  # node handle -> its group
        self.mirrored: dict[int, int] = {}  # clone session -> group (mirroring_add_mc)

    def replicas(self, group: int) -> tuple[Replica, ...]:
        return tuple(
            Replica(port, self.nodes[node][0])
            for node in self.groups[group]
            for port in sorted(set(self.nodes[node][1]))
        )

    def create_group(self, loc: Loc, group: int) -> None:
        if group in self.groups:
            raise StfError(loc, f"multicast group {group} already exists")
        self.switch.pre.insert_group(group, ())
        self.groups[group] = []

    def create_node(self, rid: int, ports: tuple[int, ...]) -> int:
        self.nodes.append((rid, ports))
        return len(self.nodes) - 1

    def update_node(self, loc: Loc, node: int, ports: tuple[int, ...]) -> None:
        self._node(loc, node)
        self.nodes[node] = (self.nodes[node][0], ports)
        if node in self.owner:
            self._changed(self.owner[node])

    def associate(self, loc: Loc, group: int, node: int) -> None:
        self._group(loc, group)
        self._node(loc, node)
        if node in self.owner:
            raise StfError(loc, f"node {node} is already in multicast group {self.owner[node]}")
        self.groups[group].append(node)
        self.owner[node] = group
        self._changed(group)

    def mirror(self, loc: Loc, session: int, group: int) -> None:
        self._group(loc, group)
        self.mirrored[session] = group
        _set_session(self.switch, CloneSession(session, self.replicas(group)))

    def _changed(self, group: int) -> None:
        replicas = self.replicas(group)
        self.switch.pre.modify_group(group, replicas)
        for session, mirrored in self.mirrored.items():
            if mirrored == group:
                _set_session(self.switch, CloneSession(session, replicas))

    def _group(self, loc: Loc, group: int) -> None:
        if group not in self.groups:
            raise StfError(loc, f"multicast group {group} does not exist (mc_mgrp_create it)")

    def _node(self, loc: Loc, node: int) -> None:
        if not 0 <= node < len(self.nodes):
            raise StfError(loc, f"multicast node {node} does not exist (mc_node_create it)")


def _set_session(switch: Switch, session: CloneSession) -> None:
    if switch.pre.session(session.session_id) is None:
        switch.pre.insert_session(session)
    else:
        switch.pre.modify_session(session)


class Runner:
    """Runs one STF file's commands on a loaded switch; `say` prints read commands' results
    (register_read and friends, as simple_switch_CLI would) and, when verbose, a trace."""

    def __init__(
        self, switch: Switch, say: Callable[[str], None], *, verbose: bool = False
    ) -> None:
        self.switch = switch
        self.say = say
        self.verbose = verbose
        self.multicast = _Multicast(switch)
        self.outcome = Outcome()

    def run(self, commands: Sequence[Bound]) -> Outcome:
        for cmd in commands:
            if isinstance(cmd, s.Packet | s.Expect):
                self.outcome.ports.add(cmd.port)
        for cmd in commands:
            with self._at(cmd.loc), self.switch.lock:
                self._execute(cmd)
        return self.outcome

    @contextmanager
    def _at(self, loc: Loc) -> Iterator[None]:
        """Report control-plane refusals as bad input at the command's line."""
        try:
            yield
        except RuntimeApiError as err:
            message = f"the switch refused this command: {err.code}: {err.message}"
            raise StfError(loc, message) from err

    def _trace(self, loc: Loc, text: str) -> None:
        if self.verbose:
            self.say(f"{loc}: {text}")

    def _execute(self, cmd: Bound) -> None:
        sw = self.switch
        match cmd:
            case s.Packet():
                self._packet(cmd)
            case s.Expect():
                self.outcome.expects.append(cmd)
            case s.NoPacket():
                self.outcome.no_packet = cmd.loc
            case s.Wait():
                pass
            case InsertEntry():
                entry = TableEntry(match=cmd.match, priority=cmd.priority, action=cmd.action)
                sw.tables[cmd.table].insert(entry)
                self._trace(cmd.loc, f"added entry to {cmd.table}: {cmd.action.name}")
            case SetDefaultAction():
                sw.tables[cmd.table].set_default(cmd.action)
                self._trace(cmd.loc, f"default action of {cmd.table}: {cmd.action.name}")
            case s.RemoveAll():
                for table in sw.tables.values():
                    for entry in table.entries():
                        if not entry.is_const:
                            table.delete(entry.match, entry.priority)
            case CounterCheck():
                self._check_counter(cmd)
            case s.MirroringAdd():
                self.multicast.mirrored.pop(cmd.session, None)
                _set_session(sw, CloneSession(cmd.session, (Replica(cmd.port, 0),)))
            case s.MirroringAddMc():
                self.multicast.mirror(cmd.loc, cmd.session, cmd.group)
            case s.MirroringDelete():
                self.multicast.mirrored.pop(cmd.session, None)
                sw.pre.delete_session(cmd.session)
            case s.MirroringGet():
                session = sw.pre.session(cmd.session)
                ports = [r.port for r in session.replicas] if session else []
                self.say(f"mirroring session {cmd.session}: ports {ports or 'none'}")
            case s.McGroupCreate():
                self.multicast.create_group(cmd.loc, cmd.group)
            case s.McNodeCreate():
                node = self.multicast.create_node(cmd.rid, cmd.ports)
                self._trace(cmd.loc, f"multicast node {node}: rid {cmd.rid}, ports {cmd.ports}")
            case s.McNodeUpdate():
                self.multicast.update_node(cmd.loc, cmd.node, cmd.ports)
            case s.McNodeAssociate():
                self.multicast.associate(cmd.loc, cmd.group, cmd.node)
            case s.CounterRead():
                data = sw.counters[cmd.name].read(cmd.index)
                self.say(f"{cmd.name}[{cmd.index}]: packets={data.packets} bytes={data.bytes}")
            case s.CounterWrite():
                sw.counters[cmd.name].write(cmd.index, CounterData(cmd.packets, cmd.bytes))
            case s.RegisterRead():
                value = sw.registers[cmd.name].read(cmd.index)
                self.say(f"{cmd.name}[{cmd.index}] = {value} ({value:#x})")
            case s.RegisterWrite():
                sw.registers[cmd.name].write(cmd.index, cmd.value)
            case s.RegisterReset():
                sw.registers[cmd.name].reset()
            case s.MeterGetRates():
                config = sw.meters[cmd.name].config(cmd.index)
                self.say(f"{cmd.name}[{cmd.index}]: {_rates_text(config)}")
            case s.MeterSetRates():
                (cir, cburst), (pir, pburst) = cmd.rates
                config = MeterConfig(
                    cir=round(cir * MICROSECONDS_PER_SECOND),
                    cburst=cburst,
                    pir=round(pir * MICROSECONDS_PER_SECOND),
                    pburst=pburst,
                )
                meters = sw.meters[cmd.name]
                indices = range(meters.size) if cmd.index is None else (cmd.index,)
                for i in indices:
                    meters.configure(i, config)

    def _packet(self, cmd: s.Packet) -> None:
        self.outcome.sent += 1
        self._trace(cmd.loc, f"packet in on port {cmd.port}: {cmd.data.hex()}")
        for port, data in self.switch.process_packet(cmd.port, cmd.data):
            self.outcome.received.append(Received(port, data, cmd.loc))
            self._trace(cmd.loc, f"packet out on port {port}: {data.hex()}")

    def _check_counter(self, cmd: CounterCheck) -> None:
        self.outcome.counter_checks += 1
        if cmd.entry is not None:
            entry = self.switch.tables[cmd.entry.table].get(cmd.entry.match, cmd.entry.priority)
            if entry is None:
                self.outcome.counter_failures.append(
                    (cmd.loc, f"check_counter {cmd.text}: the entry is no longer in the table")
                )
                return
            data = entry.counter
        else:
            assert cmd.index is not None
            data = self.switch.counters[cmd.counter].read(cmd.index)
        actual = getattr(data, cmd.field)
        self._trace(cmd.loc, f"{cmd.text} {cmd.field} = {actual}")
        if not _COMPARE[cmd.op](actual, cmd.expected):
            self.outcome.counter_failures.append(
                (
                    cmd.loc,
                    f"check_counter {cmd.text}: {cmd.field} is {actual}, expected "
                    f"{cmd.op} {cmd.expected}",
                )
            )


def _rates_text(config: MeterConfig | None) -> str:
    if config is None:
        return "not configured (every packet is GREEN)"
    per_us = MICROSECONDS_PER_SECOND
    return (
        f"committed {config.cir / per_us:g}/us burst {config.cburst}, "
        f"peak {config.pir / per_us:g}/us burst {config.pburst}"
    )

"""Idle timeouts (tests/p4/runtime/feat_idle_timeout.p4) as simple_switch_grpc produces them.

The sweeper and notification buffer run with a fake switch clock and no threads; the P4Runtime
checks (Write validation, Read of `time_since_last_hit`) go through gRPC with a fake clock; one
test waits for a real sweep to see the notification arrive on the primary's stream only.
BMv2 / PI facts each test relies on are in `p4sim/server/idle_timeout.py`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_clock import FakeClock
from p4.v1 import p4runtime_pb2
from p4runtime_sh.p4runtime import P4RuntimeClient
from test_server_support import (
    CPU_PORT,
    Rig,
    build,
    client,
    load_p4info,
    read,
    read_codes,
    set_pipeline,
    write,
)

from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.switch import Switch
from p4sim.runtime.tables import ActionCall, Exact, TableEntry
from p4sim.server import entities, make_server
from p4sim.server.digests import DigestEngine
from p4sim.server.idle_timeout import IdleTimeoutMonitor, elapsed_ns
from p4sim.server.schema import Schema
from p4sim.server.target import Target

PROGRAM = Path(__file__).parent / "p4" / "runtime" / "feat_idle_timeout.p4"
SECOND = 1_000_000_000  # ns
Update = p4runtime_pb2.Update
Notification = p4runtime_pb2.IdleTimeoutNotification


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(PROGRAM, tmp_path_factory.mktemp("idle_timeout"))


@pytest.fixture(scope="module")
def schema(program: tuple[Path, Path]) -> Schema:
    return Schema(load_p4info(program[0]))


def _table_id(schema: Schema, name: str) -> int:
    (info,) = [i for i in schema.tables.values() if i.name == name]
    return info.id


def src_entry(schema: Schema, mac: int, idle_ns: int = 0, metadata: int = 0,
              value: int = 1) -> p4runtime_pb2.TableEntry:
    """An I.t_src entry (exact source MAC -> set_src(value))."""
    entry = p4runtime_pb2.TableEntry(
        table_id=_table_id(schema, "I.t_src"), idle_timeout_ns=idle_ns,
        controller_metadata=metadata,
    )
    entry.match.add(field_id=1).exact.value = mac.to_bytes(6, "big").lstrip(b"\x00") or b"\x00"
    action = entry.action.action
    action.action_id = schema.action_by_name("I.set_src").id
    action.params.add(param_id=1, value=bytes([value]))
    return entry


def dst_entry(schema: Schema, mac: int, mask: int, priority: int,
              idle_ns: int) -> p4runtime_pb2.TableEntry:
    """An I.t_dst entry (ternary destination MAC -> set_dst(9))."""
    entry = p4runtime_pb2.TableEntry(
        table_id=_table_id(schema, "I.t_dst"), priority=priority, idle_timeout_ns=idle_ns
    )
    ternary = entry.match.add(field_id=1).ternary
    ternary.value = mac.to_bytes(6, "big").lstrip(b"\x00")
    ternary.mask = mask.to_bytes(6, "big").lstrip(b"\x00")
    action = entry.action.action
    action.action_id = schema.action_by_name("I.set_dst").id
    action.params.add(param_id=1, value=b"\x09")
    return entry


def type_entry(schema: Schema, etype: int, idle_ns: int = 0) -> p4runtime_pb2.TableEntry:
    """An I.t_type entry (a table without idle timeout support)."""
    entry = p4runtime_pb2.TableEntry(table_id=_table_id(schema, "I.t_type"),
                                     idle_timeout_ns=idle_ns)
    entry.match.add(field_id=1).exact.value = etype.to_bytes(2, "big").lstrip(b"\x00")
    action = entry.action.action
    action.action_id = schema.action_by_name("I.set_type").id
    action.params.add(param_id=1, value=b"\x05")
    return entry


def notified(entry: p4runtime_pb2.TableEntry) -> p4runtime_pb2.TableEntry:
    """What a notification reports of a written entry: everything but the action."""
    out = p4runtime_pb2.TableEntry()
    out.CopyFrom(entry)
    out.ClearField("action")
    return out


def frame(dst: int = 0x0A, src: int = 0x02, etype: int = 0x0800) -> bytes:
    return dst.to_bytes(6, "big") + src.to_bytes(6, "big") + etype.to_bytes(2, "big")


def _update(kind: int, entry: p4runtime_pb2.TableEntry) -> p4runtime_pb2.Update:
    return Update(type=kind, entity=p4runtime_pb2.Entity(table_entry=entry))


# ------------------------------------------------------------------ sweeper (no gRPC, no threads)


class Sweeper:
    """A switch with the program, its Target and a monitor started at `start`; `at(t)` moves
    the fake clock and polls (`next_due` is what the poll returned), and `sent` collects
    (time, notification)."""

    def __init__(self, program: tuple[Path, Path], schema: Schema, start: float = 100.0) -> None:
        self.clock = FakeClock(start)
        self.switch = Switch(clock=self.clock)
        self.switch.load_pipeline(program[1].read_bytes())
        self.target = Target(schema, self.switch, DigestEngine(schema, lambda _: False))
        self.sent: list[tuple[float, Notification]] = []
        self.monitor = IdleTimeoutMonitor(self._deliver)
        self.monitor.start(start)
        self.next_due = self.monitor.poll(self.target, start)

    def _deliver(self, msg: Notification) -> bool:
        self.sent.append((self.clock.now, msg))
        return True

    def at(self, now: float) -> None:
        self.clock.now = now
        self.next_due = self.monitor.poll(self.target, now)

    def write(self, now: float, kind: int, entry: p4runtime_pb2.TableEntry) -> None:
        self.clock.now = now
        entities.write(self.target, _update(kind, entry))

    def packet(self, now: float, data: bytes) -> bytes:
        self.clock.now = now
        [(_, out)] = self.switch.process_packet(1, data)
        return out

    def run(self, *times: float) -> list[tuple[float, Notification]]:
        """Poll at each time; the notifications sent meanwhile."""
        before = len(self.sent)
        for now in times:
            self.at(now)
        return self.sent[before:]


@pytest.fixture
def sweeper(program: tuple[Path, Path], schema: Schema) -> Sweeper:
    return Sweeper(program, schema)


def _note(timestamp_s: float, *entries: p4runtime_pb2.TableEntry) -> Notification:
    return Notification(table_entry=entries, timestamp=round(timestamp_s * SECOND))


def test_idle_entry_is_reported_100ms_after_the_sweep_and_again_every_other_sweep(
    sweeper: Sweeper, schema: Schema
) -> None:
    """Sweeps at 100, 101, ...; TTL 2.5 s from the INSERT at 100.2 ends at 102.7, so the sweep
    at 103 finds it idle and PI sends 100 ms later. BMv2 skips an entry its previous sweep
    reported, so it comes again at 105, 107, ... while nothing hits it; it stays installed."""
    entry = src_entry(schema, 0x02, idle_ns=2_500_000_000, metadata=7)
    sweeper.write(100.2, Update.INSERT, entry)
    assert sweeper.run(101.0, 102.0, 103.0) == []
    assert sweeper.next_due == 103.1
    assert sweeper.run(103.05) == []
    assert sweeper.run(103.1) == [(103.1, _note(103.1, notified(entry)))]
    assert sweeper.next_due == 104.0
    assert sweeper.run(104.0, 104.1, 104.5) == []
    assert sweeper.run(105.0, 105.1) == [(105.1, _note(105.1, notified(entry)))]
    assert sweeper.run(106.0, 106.1) == []
    assert sweeper.run(107.0, 107.1) == [(107.1, _note(107.1, notified(entry)))]
    assert len(sweeper.switch.tables["I.t_src"]) == 1


def test_a_hit_restarts_the_timer(sweeper: Sweeper, schema: Schema) -> None:
    """A hit stamps the entry with the packet's time: TTL 1.5 s from the hit at 101.4 ends at
    102.9 (reported at the 103 sweep, not the 102 one). Hit again at 103.6, after that report,
    it is idle again from 105.1 on and reported at 106: the sweep at 104 found it busy, so
    nothing was carried over."""
    entry = src_entry(schema, 0x02, idle_ns=1_500_000_000)
    sweeper.write(100.0, Update.INSERT, entry)
    assert sweeper.packet(101.4, frame(src=0x02))[:1] == b"\x01"  # set_src(1) ran
    assert sweeper.switch.tables["I.t_src"].entries()[0].last_hit == 101.4
    assert sweeper.run(101.5, 102.0, 102.1) == []
    assert sweeper.run(103.0, 103.1) == [(103.1, _note(103.1, notified(entry)))]
    sweeper.packet(103.6, frame(src=0x02))
    assert sweeper.run(104.0, 104.1, 105.0, 105.1) == []
    assert sweeper.run(106.0, 106.1) == [(106.1, _note(106.1, notified(entry)))]


def test_a_miss_or_a_hit_elsewhere_does_not_touch_the_timer(sweeper: Sweeper,
                                                            schema: Schema) -> None:
    entry = src_entry(schema, 0x02, idle_ns=1_000_000_000)
    sweeper.write(100.0, Update.INSERT, entry)
    sweeper.write(100.0, Update.INSERT, type_entry(schema, 0x0800))
    out = sweeper.packet(100.9, frame(src=0x03, etype=0x0800))  # t_src misses, t_type hits
    assert out[:3] == b"\x00\x00\x05"
    assert sweeper.switch.tables["I.t_src"].entries()[0].last_hit == 100.0
    assert sweeper.switch.tables["I.t_type"].entries()[0].last_hit == 0.0  # not recorded
    assert sweeper.run(101.0, 101.1) == [(101.1, _note(101.1, notified(entry)))]


def test_modify_restarts_the_timer_with_the_new_ttl(sweeper: Sweeper, schema: Schema) -> None:
    """PI sets the TTL on every MODIFY and BMv2 then restarts the entry's timer: 30 s becomes
    1 s from 101.5, reported at the 103 sweep with the new values."""
    sweeper.write(100.0, Update.INSERT, src_entry(schema, 0x02, idle_ns=30 * SECOND))
    modified = src_entry(schema, 0x02, idle_ns=1 * SECOND, metadata=3, value=2)
    sweeper.write(101.5, Update.MODIFY, modified)
    assert sweeper.run(102.0, 102.1) == []
    assert sweeper.run(103.0, 103.1) == [(103.1, _note(103.1, notified(modified)))]


def test_a_modified_entry_keeps_its_identity_a_reinserted_one_does_not(
    sweeper: Sweeper, schema: Schema
) -> None:
    """TTL 300 ms. Both entries are reported at the 101 sweep. At 101.2 one is modified (same
    entry, timer restarted) and the other deleted and inserted again (a new entry): at 102 both
    are idle again, but BMv2 skips the modified one because its previous sweep reported it."""
    a = src_entry(schema, 0x0A, idle_ns=300_000_000)
    b = src_entry(schema, 0x0B, idle_ns=300_000_000)
    sweeper.write(100.5, Update.INSERT, a)
    sweeper.write(100.5, Update.INSERT, b)
    assert sweeper.run(101.0, 101.1) == [(101.1, _note(101.1, notified(a), notified(b)))]
    sweeper.write(101.2, Update.MODIFY, a)
    sweeper.write(101.2, Update.DELETE, b)
    sweeper.write(101.2, Update.INSERT, b)
    assert sweeper.run(102.0, 102.1) == [(102.1, _note(102.1, notified(b)))]
    assert sweeper.run(103.0, 103.1) == [(103.1, _note(103.1, notified(a)))]


def test_one_notification_per_sweep_tables_in_program_order_entries_in_handle_order(
    sweeper: Sweeper, schema: Schema
) -> None:
    """t_src before t_dst (program order), within a table entries in insertion (handle) order
    whatever their timers; a ternary entry carries its priority. Entries without idle timeout
    never age."""
    dst = dst_entry(schema, 0x0A00, 0xFF00, priority=10, idle_ns=1 * SECOND)
    second = src_entry(schema, 0x0B, idle_ns=1 * SECOND, metadata=2)
    first = src_entry(schema, 0x0C, idle_ns=2 * SECOND, metadata=1)
    sweeper.write(100.0, Update.INSERT, dst)
    sweeper.write(100.0, Update.INSERT, second)
    sweeper.write(99.0, Update.INSERT, first)
    sweeper.write(100.0, Update.INSERT, src_entry(schema, 0x0D))  # no idle timeout
    sweeper.write(100.0, Update.INSERT, type_entry(schema, 0x0800))
    expected = (notified(second), notified(first), notified(dst))
    assert sweeper.run(101.0, 101.1) == [(101.1, _note(101.1, *expected))]
    assert sweeper.run(102.0, 102.1, 103.0, 103.1) == [(103.1, _note(103.1, *expected))]


def test_ttl_below_one_millisecond_never_ages_and_ms_are_truncated(
    sweeper: Sweeper, schema: Schema
) -> None:
    """BMv2 keeps the TTL in whole ms: 999,999 ns is 0 ms (never ages), 1.9 ms is 1 ms. Times
    are compared in whole ms too: written at 100.0004 (ms 100000), idle at 100.0014 (ms
    100001)."""
    never = src_entry(schema, 0x0A, idle_ns=999_999)
    short = src_entry(schema, 0x0B, idle_ns=1_900_000)
    sweeper.write(100.0004, Update.INSERT, never)
    sweeper.write(100.0004, Update.INSERT, short)
    sweeper.monitor.start(100.0014)  # the next sweep comes then
    assert sweeper.run(100.0014, 100.1014) == [(100.1014, _note(100.1014, notified(short)))]
    later = [note for _, note in sweeper.run(*(100.0014 + k / 10 for k in range(10, 100)))]
    assert len(later) == 4  # the sweeps at 102.0014, 104.0014, 106.0014 and 108.0014
    assert all(list(note.table_entry) == [notified(short)] for note in later)


def test_a_pipeline_reset_sends_at_once_and_forgets_what_was_reported(
    sweeper: Sweeper, schema: Schema
) -> None:
    """PI drains its buffer when the pipeline changes; BMv2 clears the previous sweep's list."""
    entry = src_entry(schema, 0x02, idle_ns=500_000_000)
    sweeper.write(100.0, Update.INSERT, entry)
    assert sweeper.run(101.0) == []
    sweeper.clock.now = 101.05
    sweeper.monitor.reset(101.05)
    assert sweeper.sent == [(101.05, _note(101.05, notified(entry)))]
    assert sweeper.run(101.1) == []
    assert sweeper.run(102.0, 102.1) == [(102.1, _note(102.1, notified(entry)))]


def test_sweeps_go_on_without_a_pipeline(sweeper: Sweeper) -> None:
    assert sweeper.monitor.poll(None, 100.5) == 101.0
    assert sweeper.monitor.poll(None, 103.2) == 104.0
    assert sweeper.sent == []


# ------------------------------------------------------------------ time_since_last_hit


def _timed(idle_ns: int, last_hit: float) -> TableEntry:
    return TableEntry((Exact(1),), action=ActionCall("I.set_src", (1,)), idle_timeout_ns=idle_ns,
                      last_hit=last_hit)


@pytest.mark.parametrize(
    ("idle_ns", "last_hit", "now", "elapsed"),
    [
        (0, 100.0, 105.0, 0),  # no idle timeout: PI reports 0
        (2 * SECOND, 100.0, 100.75, 750_000_000),
        (2 * SECOND, 100.0, 103.0, 2 * SECOND),  # idle: remaining TTL 0
        (1_500_000, 100.0, 100.0, 500_000),  # TTL 1 ms, nothing elapsed: 1.5 ms - 1 ms
        (999_999, 100.0, 200.0, 1_000_000),  # TTL 0 ms: "infinite" remaining TTL read as -1
        (2 * SECOND, 100.0004, 100.0016, 1_000_000),  # whole ms: 100000 -> 100001
    ],
)
def test_elapsed_ns_is_what_pi_derives_from_bmv2s_remaining_ttl(
    idle_ns: int, last_hit: float, now: float, elapsed: int
) -> None:
    assert elapsed_ns(_timed(idle_ns, last_hit), now) == elapsed


# ------------------------------------------------------------------ over P4Runtime


class ClockRig(Rig):
    """test_server_support.Rig with a fake switch clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.switch = Switch(cpu_port=CPU_PORT, clock=clock)
        self.sent = []
        self.dataplane = Dataplane(self.switch, lambda port, data: self.sent.append((port, data)))
        self.server = make_server(self.switch, self.dataplane, "127.0.0.1:0")
        self.server.start()
        self.address = f"127.0.0.1:{self.server.port}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(100.0)


@pytest.fixture
def clock_rig(clock: FakeClock) -> Iterator[ClockRig]:
    rig = ClockRig(clock)
    try:
        yield rig
    finally:
        rig.close()


@pytest.fixture
def ctl(clock_rig: ClockRig, program: tuple[Path, Path]) -> Iterator[P4RuntimeClient]:
    with client(clock_rig.address) as c:
        set_pipeline(c, *program)
        yield c


def _hit_time_read(entry: p4runtime_pb2.TableEntry) -> p4runtime_pb2.Entity:
    request = p4runtime_pb2.TableEntry(table_id=entry.table_id)
    request.time_since_last_hit.SetInParent()
    return p4runtime_pb2.Entity(table_entry=request)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda s: type_entry(s, 0x0800, idle_ns=SECOND), "INVALID_ARGUMENT"),
        (lambda s: src_entry(s, 0x02, idle_ns=-1), "INVALID_ARGUMENT"),
        (lambda s: src_entry(s, 0x02, idle_ns=SECOND), "OK"),
        (lambda s: type_entry(s, 0x0800), "OK"),
    ],
)
def test_insert_accepts_idle_timeout_only_where_the_table_supports_it(
    ctl, schema: Schema, make, code: str
) -> None:
    assert write(ctl, _update(Update.INSERT, make(schema))) == [code]


def test_write_refuses_time_since_last_hit_and_default_entries_take_no_timer(
    ctl, schema: Schema
) -> None:
    entry = src_entry(schema, 0x02, idle_ns=SECOND)
    entry.time_since_last_hit.elapsed_ns = 5
    assert write(ctl, _update(Update.INSERT, entry)) == ["INVALID_ARGUMENT"]
    # PI accepts (and ignores) an idle timeout on the default entry of a table with support
    for table, code in (("I.t_src", "OK"), ("I.t_type", "INVALID_ARGUMENT")):
        default = p4runtime_pb2.TableEntry(table_id=_table_id(schema, table),
                                           is_default_action=True, idle_timeout_ns=SECOND)
        default.action.action.action_id = schema.action_by_name("NoAction").id
        assert write(ctl, _update(Update.MODIFY, default)) == [code]


def test_modify_changes_the_idle_timeout_and_restarts_the_timer(
    ctl, schema: Schema, clock: FakeClock
) -> None:
    entry = src_entry(schema, 0x02, idle_ns=2 * SECOND)
    assert write(ctl, _update(Update.INSERT, entry)) == ["OK"]
    clock.now = 101.5
    modified = src_entry(schema, 0x02, idle_ns=4 * SECOND, metadata=9)
    assert write(ctl, _update(Update.MODIFY, modified)) == ["OK"]
    clock.now = 102.0
    (e,) = read(ctl, _hit_time_read(entry))
    expected = p4runtime_pb2.TableEntry()
    expected.CopyFrom(modified)
    expected.time_since_last_hit.elapsed_ns = 500_000_000
    assert e.table_entry == expected


def test_read_reports_time_since_last_hit_when_asked(
    ctl, schema: Schema, clock: FakeClock, clock_rig: ClockRig
) -> None:
    timed = src_entry(schema, 0x02, idle_ns=2 * SECOND, metadata=4)
    plain = src_entry(schema, 0x03)
    assert write(ctl, _update(Update.INSERT, timed), _update(Update.INSERT, plain)) == ["OK"] * 2
    clock.now = 100.75
    got = [e.table_entry for e in read(ctl, _hit_time_read(timed))]
    assert [e.time_since_last_hit.elapsed_ns for e in got] == [750_000_000, 0]
    for written, read_back in zip((timed, plain), got, strict=True):
        read_back.ClearField("time_since_last_hit")
        assert read_back == written  # read-write symmetry otherwise
    # not asked: not reported
    (e, _) = read(ctl, p4runtime_pb2.Entity(table_entry={"table_id": timed.table_id}))
    assert not e.table_entry.HasField("time_since_last_hit")
    # a packet hits the entry at 101.0
    clock.now = 101.0
    clock_rig.dataplane.inject(1, frame(src=0x02))
    assert clock_rig.sent[-1][1][:1] == b"\x01"  # set_src(1) ran
    clock.now = 101.25
    got = [e.table_entry.time_since_last_hit.elapsed_ns for e in read(ctl, _hit_time_read(timed))]
    assert got == [250_000_000, 0]


def test_time_since_last_hit_reads_pi_refuses(ctl, schema: Schema) -> None:
    """Tables without support (also within a read of all tables) and default entries."""
    all_tables = p4runtime_pb2.Entity(table_entry={"time_since_last_hit": {}})
    default = _hit_time_read(src_entry(schema, 0x02))
    default.table_entry.is_default_action = True
    assert read_codes(
        ctl, _hit_time_read(type_entry(schema, 0x0800)), all_tables, default,
        _hit_time_read(src_entry(schema, 0x02)),
    ) == ["INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "OK"]


def test_notification_reaches_the_primary_stream_only(program: tuple[Path, Path],
                                                      schema: Schema) -> None:
    """Real clock and the real 1 s sweep: a 1 ms idle timeout is reported by the next sweep
    (or the one after, if that sweep came within the same millisecond), 100 ms later."""
    rig = Rig()
    try:
        with client(rig.address, election_id=(0, 2)) as primary, \
                client(rig.address, election_id=(0, 1)) as backup:
            set_pipeline(primary, *program)
            entry = src_entry(schema, 0x02, idle_ns=1_000_000, metadata=5)
            before = time.monotonic_ns()
            assert write(primary, _update(Update.INSERT, entry)) == ["OK"]
            msg = primary.get_stream_packet("idle_timeout_notification", timeout=3.5)
            after = time.monotonic_ns()
            assert msg is not None
            note = msg.idle_timeout_notification
            assert list(note.table_entry) == [notified(entry)]
            assert before + 100_000_000 <= note.timestamp <= after
            assert backup.get_stream_packet("idle_timeout_notification", timeout=0.3) is None
    finally:
        rig.close()

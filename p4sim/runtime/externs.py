"""Stateful v1model externs as BMv2 `simple_switch` keeps them: registers, counters, meters.

The data plane calls `read`/`write`/`count`/`execute` once per packet, so these are plain lists
and a few integer operations; the control plane (P4Runtime server, STF runner) reads and
changes the same objects and gets a `RuntimeApiError` for a bad index or configuration.

BMv2 facts these classes reproduce:

- Counters always count packets *and* bytes, whatever the declared `CounterType`; the
  P4Runtime server only reports the unit(s) P4Info declares. The byte count BMv2 adds is the
  packet's length when it entered the switch (its ingress length), which the executor passes.
- Meters are two-rate three-colour markers (RFC 2698) in colour-blind mode, as `meters.cpp`
  implements them; see `Meter`.
- v1model leaves out-of-range indices unspecified and BMv2 does not check them; here a data
  plane read gives 0 and a write, count or meter execution is ignored (GREEN), while the control
  plane is refused with OUT_OF_RANGE (`check_index`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from p4sim.runtime.errors import RuntimeApiError

Clock = Callable[[], float]
"""Seconds on a monotonic clock (`time.monotonic`); tests pass a fake one."""

GREEN, YELLOW, RED = 0, 1, 2
"""BMv2's colour encoding, as written into the `execute_meter` result."""

_UINT32_MAX = (1 << 32) - 1
_UINT64_MAX = (1 << 64) - 1


def _check_index(kind: str, name: str, size: int, index: int) -> None:
    """OUT_OF_RANGE unless `index` addresses one of the `size` cells of `name`."""
    if not 0 <= index < size:
        raise RuntimeApiError(
            "OUT_OF_RANGE", f"index {index} is out of range for {kind} {name} of size {size}"
        )


class RegisterArray:
    """A v1model `register<bit<W>>(size)`: `size` cells of `width` bits, all 0 at load time.

    `values` is the cell list itself; the executor may index it directly after its own bounds
    check. Writes keep the low `width` bits, as a `bit<W>` assignment does.
    """

    __slots__ = ("name", "size", "width", "values", "_mask")

    def __init__(self, name: str, size: int, width: int) -> None:
        self.name = name
        self.size = size
        self.width = width
        self._mask = (1 << width) - 1
        self.values = [0] * size

    def check_index(self, index: int) -> None:
        """Refuse a control-plane access outside the array with OUT_OF_RANGE."""
        _check_index("register", self.name, self.size, index)

    def read(self, index: int) -> int:
        """The cell's value; 0 for an index outside the array."""
        return self.values[index] if 0 <= index < self.size else 0

    def write(self, index: int, value: int) -> None:
        """Store `value` truncated to the cell width; ignored outside the array."""
        if 0 <= index < self.size:
            self.values[index] = value & self._mask

    def reset(self) -> None:
        """All cells back to 0 (`register_reset` in simple_switch_CLI), in place so that a
        reference to `values` held by generated code stays valid."""
        self.values[:] = [0] * self.size


@dataclass
class CounterData:
    """One counter cell: packets and bytes (BMv2 keeps both for every counter)."""

    packets: int = 0
    bytes: int = 0


class CounterArray:
    """A v1model `counter(size, CounterType)` (direct counters live on the table entries).

    `kind` ("packets", "bytes" or "packets_and_bytes") is what P4Info declares; BMv2 counts both
    units regardless, so `read` always returns both and the server picks what to report.
    """

    __slots__ = ("name", "size", "kind", "_packets", "_bytes")

    KINDS = ("packets", "bytes", "packets_and_bytes")

    def __init__(self, name: str, size: int, kind: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"counter kind must be one of {self.KINDS}, not {kind!r}")
        self.name = name
        self.size = size
        self.kind = kind
        self._packets = [0] * size
        self._bytes = [0] * size

    def check_index(self, index: int) -> None:
        """Refuse a control-plane access outside the array with OUT_OF_RANGE."""
        _check_index("counter", self.name, self.size, index)

    def count(self, index: int, nbytes: int) -> None:
        """Count one packet of `nbytes` bytes (its ingress length); ignored outside the array."""
        if 0 <= index < self.size:
            self._packets[index] += 1
            self._bytes[index] += nbytes

    def read(self, index: int) -> CounterData:
        """A copy of the cell (OUT_OF_RANGE outside the array)."""
        self.check_index(index)
        return CounterData(self._packets[index], self._bytes[index])

    def write(self, index: int, data: CounterData) -> None:
        """Overwrite the cell, as a P4Runtime counter MODIFY does (OUT_OF_RANGE outside)."""
        self.check_index(index)
        self._packets[index] = data.packets & _UINT64_MAX
        self._bytes[index] = data.bytes & _UINT64_MAX

    def reset(self) -> None:
        """All cells back to 0."""
        self._packets[:] = [0] * self.size
        self._bytes[:] = [0] * self.size


@dataclass(frozen=True)
class MeterConfig:
    """A meter configuration in P4Runtime units (`p4.v1.MeterConfig`).

    `cir`/`pir` are rates per second (bytes or packets, by the meter's unit), `cburst`/`pburst`
    bucket sizes in bytes or packets. -1 is accepted as P4Runtime's "no limit" and becomes the
    largest value BMv2 can hold (2**64-1 for a rate, 2**32-1 for a burst), as PI's casts do.
    """

    cir: int
    cburst: int
    pir: int
    pburst: int


class _Bucket:
    """One token bucket of a BMv2 meter rate (`MeterRate` in meters.h)."""

    __slots__ = ("rate", "burst", "tokens", "last", "color")

    def __init__(self, per_second: int, burst: int, color: int) -> None:
        # P4Runtime rates are per second; BMv2 keeps them per microsecond as a double.
        self.rate = per_second / 1_000_000.0
        self.burst = burst
        self.tokens = burst  # a bucket starts full when (re)configured
        self.last = 0  # tokens credited up to the last execution, counted from the origin
        self.color = color

    def per_second(self) -> int:
        """The rate as BMv2 reports it back: per-microsecond double times 10**6, truncated."""
        value = int(self.rate * 1_000_000.0)
        return value if value < 1 << 63 else -1


def _rate(value: int, what: str) -> int:
    if value == -1:
        return _UINT64_MAX
    if value < 0:
        raise RuntimeApiError("INVALID_ARGUMENT", f"Negative meter {what}")
    return value


def _burst(value: int, what: str) -> int:
    if value == -1:
        return _UINT32_MAX
    if value < 0:
        raise RuntimeApiError("INVALID_ARGUMENT", f"Negative meter {what}")
    if value > _UINT32_MAX:
        raise RuntimeApiError("UNIMPLEMENTED", f"{what} too large")
    return value


class Meter:
    """One two-rate three-colour marker as BMv2 implements it (`bm::Meter`, meters.cpp).

    - Rates are converted to units per microsecond (`rate / 1e6` as a double). Time is counted
      in whole microseconds since the meter's origin (BMv2: when the pipeline was loaded), and
      each bucket is credited `floor(micros * rate)` tokens in total since the origin, minus
      what it was already credited; so no fraction of a token is ever lost. A bucket never
      holds more than its burst size and is refilled only when a packet is metered.
    - Configuring (or reconfiguring) fills both buckets. `execute` checks the peak bucket
      first: too few tokens gives RED (2) and nothing is taken from either bucket; otherwise
      the peak tokens are taken and the committed bucket decides between YELLOW (1, its tokens
      kept) and GREEN (0, its tokens taken). A packet costs 1 token for a packets meter and its
      ingress length for a bytes meter. v1model meters are colour-blind (no pre-colour).
    - An unconfigured meter marks every packet GREEN. BMv2 refuses a configuration whose
      committed rate exceeds its peak rate; PI reports that as UNKNOWN.
    """

    __slots__ = ("kind", "_clock", "_origin", "_buckets", "_packets")

    def __init__(self, kind: str, clock: Clock, *, origin: float | None = None) -> None:
        if kind not in ("bytes", "packets"):
            raise ValueError(f"meter kind must be 'bytes' or 'packets', not {kind!r}")
        self.kind = kind
        self._packets = kind == "packets"
        self._clock = clock
        self._origin = clock() if origin is None else origin
        self._buckets: tuple[_Bucket, ...] = ()

    @property
    def config(self) -> MeterConfig | None:
        """The configuration as BMv2 reports it back (rates truncated), or None when unset."""
        if not self._buckets:
            return None
        peak, committed = self._buckets
        return MeterConfig(committed.per_second(), committed.burst, peak.per_second(), peak.burst)

    def configure(self, cfg: MeterConfig | None) -> None:
        """Apply a configuration, or None to unset it (every packet GREEN again).

        INVALID_ARGUMENT for negative values other than -1, UNIMPLEMENTED for a burst above
        2**32-1 (PI's checks), UNKNOWN when the committed rate exceeds the peak rate (BMv2
        refuses it). A refused configuration leaves the meter as it was.
        """
        if cfg is None:
            self._buckets = ()
            return
        cir, pir = _rate(cfg.cir, "CIR"), _rate(cfg.pir, "PIR")
        cburst, pburst = _burst(cfg.cburst, "CBurst"), _burst(cfg.pburst, "PBurst")
        committed = _Bucket(cir, cburst, YELLOW)
        peak = _Bucket(pir, pburst, RED)
        if committed.rate > peak.rate:
            raise RuntimeApiError("UNKNOWN", "Error when writing meter spec")
        self._buckets = (peak, committed)

    def execute(self, nbytes: int) -> int:
        """The colour of a packet of `nbytes` ingress bytes: 0 GREEN, 1 YELLOW, 2 RED."""
        buckets = self._buckets
        if not buckets:
            return GREEN
        # Whole microseconds since the origin, as BMv2's duration_cast truncates; rounding to
        # the nanosecond first keeps float clocks that step by exact microseconds exact.
        micros = round((self._clock() - self._origin) * 1e9) // 1000
        cost = 1 if self._packets else nbytes
        for bucket in buckets:
            credited = int(micros * bucket.rate)
            tokens = bucket.tokens + credited - bucket.last
            bucket.last = credited
            if tokens > bucket.burst:
                tokens = bucket.burst
            if tokens < cost:
                bucket.tokens = tokens
                return bucket.color
            bucket.tokens = tokens - cost
        return GREEN


class MeterArray:
    """A v1model `meter(size, MeterType)`: `size` independent `Meter`s, unconfigured at load.

    Meters are created when first configured, all with the array's origin (its creation time),
    so a large array costs nothing until used.
    """

    __slots__ = ("name", "size", "kind", "_clock", "_origin", "_meters")

    def __init__(self, name: str, size: int, kind: str, clock: Clock) -> None:
        if kind not in ("bytes", "packets"):
            raise ValueError(f"meter kind must be 'bytes' or 'packets', not {kind!r}")
        self.name = name
        self.size = size
        self.kind = kind
        self._clock = clock
        self._origin = clock()
        self._meters: dict[int, Meter] = {}

    def check_index(self, index: int) -> None:
        """Refuse a control-plane access outside the array with OUT_OF_RANGE."""
        _check_index("meter", self.name, self.size, index)

    def execute(self, index: int, nbytes: int) -> int:
        """The colour of a packet metered by cell `index` (GREEN when unset or out of range)."""
        meter = self._meters.get(index)
        return GREEN if meter is None else meter.execute(nbytes)

    def configure(self, index: int, cfg: MeterConfig | None) -> None:
        """Configure one cell (None unsets it); errors as `Meter.configure`, OUT_OF_RANGE."""
        self.check_index(index)
        meter = self._meters.get(index)
        if meter is None:
            if cfg is None:
                return
            meter = Meter(self.kind, self._clock, origin=self._origin)
            meter.configure(cfg)
            self._meters[index] = meter
        else:
            meter.configure(cfg)

    def config(self, index: int) -> MeterConfig | None:
        """The cell's configuration as BMv2 reports it, None when unset (OUT_OF_RANGE)."""
        self.check_index(index)
        meter = self._meters.get(index)
        return None if meter is None else meter.config

    def reset(self) -> None:
        """Unset every cell."""
        self._meters = {}

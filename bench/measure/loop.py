"""The measurement loop: idle power, verify, warm-up, measured windows, stopping rule.

`measure_workload(workload, meter, config)` returns a Measurement holding every window (the raw
samples); its summary is computed from them by bench.stats. The caller owns setup() and
teardown() (or uses `run_workload`). Order: idle power with the device context alive, before
verify() (whose full forward pass would leave a GPU in its high-power state), in short chunks
until the power settles, bounded in time; each chunk's power is the meter's power trace
integrated over it where the trace covers it (instant readings, not the counter's steps),
else the meter's window; a caller that measured idle power earlier (before a sweep that
heats the device) passes it in -> verify -> warm-up until throughput (and
temperature, where known) settle, bounded in time -> windows of `window_s` each (steps until
the time is up, then sync, then the clock) -> stop when the relative spread of throughput and
of energy per unit are both under the bound, or at the timeout or the window limit. The
timeout must leave room for `min_windows` windows. Throttled windows are flagged and kept in
the summary: running at the power cap is a card's steady state under load; the warnings say
how many there were.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bench.measure.records import (
    IDLE_BEFORE_VERIFY,
    Idle,
    Measurement,
    Warmup,
    Window,
)
from bench.stats import summarize, within_bound
from bench.telemetry.meter import EnergyMeter, EnergyReading, PowerTrace
from bench.telemetry.sampler import integrate, samples_in

# progress(stage, done, total): stage "idle" and "warmup" count seconds, "windows" windows.
ProgressFn = Callable[[str, float, float], None]

__all__ = [
    "MeasureConfig",
    "Measurement",
    "measure_idle",
    "measure_workload",
    "run_for",
    "run_workload",
    "ProgressFn",
]
IDLE_FROM_TRACE = "power-trace"  # Idle.source when idle power came from the sampled trace


@dataclass(frozen=True)
class MeasureConfig:
    """How long and how often to measure; the clock and sleep are injectable for tests."""

    window_s: float = 5.0
    min_windows: int = 5
    max_windows: int = 30
    rel_spread_bound: float = 0.02
    timeout_s: float = 300.0
    warmup_min_s: float = 3.0
    warmup_max_s: float = 60.0
    warmup_chunk_s: float = 1.0
    warmup_settle: float = 0.02  # relative change of throughput between chunks
    warmup_settle_c: float = 1.0  # temperature change between chunks
    idle_s: float = 3.0  # the span idle power is averaged over, once settled
    idle_chunk_s: float = 1.0  # idle power is read in chunks of this length
    idle_settle: float = 0.05  # relative spread of the last idle_s of chunks: settled
    idle_settle_max_s: float = 12.0  # most extra seconds waiting for idle power to settle
    # most seconds a workload's own process may send no word (setup, verification and each
    # warm-up chunk or window included) before the run stops it as hung (isolated runs)
    stall_s: float = 600.0
    # None: the meter's own clock, so that a window's work and its energy are timed on one
    # clock (tests inject a fake one, shared with their fake meter)
    clock: Callable[[], float] | None = field(default=None, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.window_s <= 0 or self.warmup_chunk_s <= 0 or self.timeout_s <= 0:
            raise ValueError("window, warm-up chunk and timeout must be positive")
        if not 1 <= self.min_windows <= self.max_windows:
            raise ValueError("need 1 <= min_windows <= max_windows")
        if self.warmup_min_s > self.warmup_max_s or self.idle_s < 0:
            raise ValueError("need warmup_min_s <= warmup_max_s and idle_s >= 0")
        if self.stall_s <= 0:
            raise ValueError("stall_s must be positive")
        if self.idle_chunk_s <= 0 or self.idle_settle_max_s < 0:
            raise ValueError("need idle_chunk_s > 0 and idle_settle_max_s >= 0")
        if self.timeout_s < self.min_windows * self.window_s:
            need_s = self.min_windows * self.window_s
            raise ValueError(
                f"timeout_s {self.timeout_s:g} s is shorter than min_windows x window_s = "
                f"{self.min_windows} x {self.window_s:g} s = {need_s:g} s: the run would stop "
                "before its minimum number of windows; raise the timeout or lower min_windows "
                "or window_s"
            )

    @classmethod
    def for_device(cls, device: Any, quick: bool = False, **overrides: Any) -> MeasureConfig:
        """Defaults for a device: >= 5 s windows on GPUs, short windows for quick CPU runs."""
        if getattr(device, "kind", "cpu") == "cuda":
            # A full GPU run of the six default workloads stays under ~10 minutes: at most
            # 10 s of idle, 25 s of warm-up and 60 s of 5 s windows each (less when steady).
            full = cls(max_windows=12, timeout_s=60.0, warmup_max_s=25.0, idle_settle_max_s=7.0)
            base = cls(
                min_windows=3,
                max_windows=5,
                timeout_s=30.0,
                warmup_max_s=15.0,
                idle_settle_max_s=5.0,
            )
            base = base if quick else full
        elif quick:
            base = cls(
                window_s=0.5,
                min_windows=3,
                max_windows=10,
                rel_spread_bound=0.05,
                timeout_s=20.0,
                warmup_min_s=0.5,
                warmup_max_s=3.0,
                warmup_chunk_s=0.25,
                warmup_settle=0.05,
                idle_s=0.5,
                idle_chunk_s=0.25,
                idle_settle_max_s=2.5,
            )
        else:
            base = cls(window_s=2.0, min_windows=5, max_windows=20, timeout_s=120.0)
        return replace(base, **overrides)

    def silence_bound_s(self) -> float:
        """The longest a workload's process may send no progress: stall_s on top of the longest
        stage that sends none (the idle measurement, one warm-up chunk, one window)."""
        idle_s = self.idle_s + self.idle_settle_max_s + self.idle_chunk_s
        return self.stall_s + max(self.window_s, self.warmup_chunk_s, idle_s)

    def to_dict(self) -> dict:
        skip = {"clock", "sleep"}
        return {k: v for k, v in self.__dict__.items() if k not in skip}


def run_for(workload: Any, clock: Callable[[], float], duration_s: float) -> tuple[float, float]:
    """The harness's one timing loop: steps until duration_s has passed, then sync;
    (units, elapsed seconds after sync)."""
    t0 = clock()
    units = 0.0
    while clock() - t0 < duration_s:
        units += workload.step()
    workload.sync()
    return units, clock() - t0


def measure_idle(meter: EnergyMeter, config: MeasureConfig, progress: ProgressFn | None) -> Idle:
    """Mean power with the device context alive and no work enqueued, once it has settled.

    Power is read in chunks of idle_chunk_s; idle power is the mean over the last idle_s of
    chunks once their relative spread is at most idle_settle (a device still leaving its
    high-power state after setup reads high at first), or over the last idle_s once
    idle_s + idle_settle_max_s have passed.
    """
    if not meter.measures:
        return Idle(reason=meter.note or "no energy source")
    if config.idle_s <= 0:
        return Idle(reason="idle measurement disabled (idle_s = 0)")
    chunk_s = min(config.idle_chunk_s, config.idle_s / 2)  # at least two chunks to compare
    keep = max(2, round(config.idle_s / chunk_s))
    readings: list[EnergyReading] = []
    spent_s = 0.0
    while True:
        meter.begin_window()
        config.sleep(chunk_s)
        reading = _from_trace(meter.end_window(), meter.trace())
        if reading.power_avg_w is None:
            reason = reading.reason or "idle window unmeasured"
            return Idle(reason=reason, warnings=reading.warnings, measured=IDLE_BEFORE_VERIFY)
        readings.append(reading)
        spent_s += reading.elapsed_s
        last = readings[-keep:]
        settled = len(last) == keep and _idle_settled(last, config.idle_settle)
        if settled or spent_s >= config.idle_s + config.idle_settle_max_s:
            break
    if progress:
        progress("idle", spent_s, spent_s)
    return _idle_of(last, spent_s, settled, config)


def _from_trace(reading: EnergyReading, trace: PowerTrace) -> EnergyReading:
    """The idle chunk's energy from the power trace where at least two samples fall inside it
    (instant power, not the counter's steps), else the meter's reading as it is."""
    t0, t1 = reading.t_begin_s, reading.t_end_s
    energy_j = integrate(trace, t0, t1) if samples_in(trace, t0, t1) >= 2 else None
    if energy_j is None or reading.energy_j is None:
        return reading
    return replace(reading, energy_j=energy_j, source=IDLE_FROM_TRACE)


def _idle_of(last: list[EnergyReading], spent_s: float, settled: bool, config) -> Idle:
    energy_j = math.fsum(r.energy_j or 0.0 for r in last)
    span_s = math.fsum(r.elapsed_s for r in last)
    warnings = tuple(dict.fromkeys(w for r in last for w in r.warnings))
    if not settled:
        warnings += (
            f"idle power did not settle within {spent_s:.1f} s (the last chunks differ by more "
            f"than {config.idle_settle:.0%}): idle is the mean of the last {span_s:.1f} s and "
            "above-idle energy may be understated; allow a longer idle_settle_max_s",
        )
    return Idle(
        energy_j / span_s,
        last[-1].source,
        warnings=warnings,
        measured=IDLE_BEFORE_VERIFY,
        settled=settled,
        seconds=spent_s,
        span_s=span_s,
    )


def _idle_settled(readings: list[EnergyReading], bound: float) -> bool:
    powers = [r.power_avg_w for r in readings if r.power_avg_w is not None]
    return within_bound(summarize(powers, "W"), bound) and len(powers) == len(readings)


def _settled(rates: list[float], temps: list[float | None], config: MeasureConfig) -> bool:
    if len(rates) < 2 or rates[-2] <= 0:
        return False
    if abs(rates[-1] - rates[-2]) / rates[-2] > config.warmup_settle:
        return False
    if temps[-1] is None or temps[-2] is None:
        return True
    return abs(temps[-1] - temps[-2]) <= config.warmup_settle_c


def warm_up(
    workload: Any, meter: EnergyMeter, config: MeasureConfig, progress: ProgressFn | None
) -> Warmup:
    """Run chunks until throughput and temperature settle (after warmup_min_s) or time is up."""
    rates: list[float] = []
    temps: list[float | None] = []
    total_units = total_s = 0.0
    while True:
        units, elapsed = run_for(workload, config.clock, config.warmup_chunk_s)
        total_units += units
        total_s += elapsed
        rates.append(units / elapsed if elapsed > 0 else 0.0)
        health = meter.health()
        temps.append(health.temperature_c if health else None)
        if progress:
            progress("warmup", min(total_s, config.warmup_max_s), config.warmup_max_s)
        if total_s >= config.warmup_min_s and _settled(rates, temps, config):
            return Warmup(total_s, total_units, True, tuple(rates))
        if total_s >= config.warmup_max_s:
            return Warmup(total_s, total_units, False, tuple(rates))


def stop_reason(windows: list[Window], config: MeasureConfig, elapsed_s: float) -> str | None:
    """ "spread", "timeout" or "max_windows" once the run should stop; None to go on."""
    if len(windows) >= config.min_windows:
        rate = summarize([w.units_per_s for w in windows], "")
        j_unit = summarize([w.j_per_unit for w in windows], "")
        bound = config.rel_spread_bound
        if within_bound(rate, bound) and within_bound(j_unit, bound):
            return "spread"
    if elapsed_s >= config.timeout_s:
        return "timeout"
    if len(windows) >= config.max_windows:
        return "max_windows"
    return None


def run_windows(
    workload: Any,
    meter: EnergyMeter,
    config: MeasureConfig,
    idle: Idle,
    progress: ProgressFn | None,
    origin_s: float = 0.0,
    on_window: Callable[[Window], None] | None = None,
) -> tuple[list[Window], str]:
    """Measured windows until the stopping rule says stop: (windows, stopped_by); on_window
    sees each window as soon as it is measured (a caller that saves as it goes)."""
    windows: list[Window] = []
    t_start = config.clock()
    while True:
        meter.begin_window()
        units, elapsed_s = run_for(workload, config.clock, config.window_s)
        reading = meter.end_window()
        windows.append(Window(elapsed_s, units, reading, idle.power_w, origin_s))
        if on_window:
            on_window(windows[-1])
        if progress:
            progress("windows", len(windows), config.max_windows)
        stopped_by = stop_reason(windows, config, config.clock() - t_start)
        if stopped_by:
            return windows, stopped_by


def _trace_since(trace: PowerTrace, t0: float) -> PowerTrace:
    keep = [i for i, t in enumerate(trace.t_s) if t >= t0]
    t_s = tuple(trace.t_s[i] - t0 for i in keep)
    return PowerTrace(t_s, tuple(trace.power_w[i] for i in keep), trace.source)


LOAD_NOTE = (
    "the host's 1, 5 and 15 minute load averages as the workload's measurement began and ended "
    "(this run's own work included): a figure near or above the logical CPU count means the "
    "machine was shared"
)


def load_average() -> list[float] | None:
    """The host's 1, 5 and 15 minute load averages, or None where the system has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def measure_workload(
    workload: Any,
    meter: EnergyMeter,
    config: MeasureConfig | None = None,
    progress: ProgressFn | None = None,
    idle: Idle | None = None,
    on_window: Callable[[Window], None] | None = None,
) -> Measurement:
    """Measure idle power (unless given), verify, warm up and measure windows; the workload is
    set up."""
    config = config or MeasureConfig.for_device(workload.device)
    if config.clock is None:
        config = replace(config, clock=meter.now)
    workload.sync()  # setup() may have left work queued: idle means nothing enqueued
    load_before = load_average()
    meter.start()
    try:
        origin = meter.now()
        idle = idle or measure_idle(meter, config, progress)
        workload.verify()  # raises VerificationFailed: no window is measured for a wrong answer
        workload.sync()
        warmup = warm_up(workload, meter, config, progress)
        windows, stopped_by = run_windows(
            workload, meter, config, idle, progress, origin, on_window
        )
        context = {
            **meter.context(),
            "load_average": {"before": load_before, "after": load_average(), "note": LOAD_NOTE},
        }
    finally:
        meter.stop()
    return Measurement(
        workload=workload.describe(),
        unit=workload.unit,
        verified=True,
        warmup=warmup,
        idle=idle,
        windows=tuple(windows),
        meter_source=meter.source,
        meter_note=meter.note,
        power_trace=_trace_since(meter.trace(), origin),
        stopped_by=stopped_by,
        config=config.to_dict(),
        context=context,
        roofline_of=workload.roofline,
    )


def run_workload(
    workload: Any,
    meter: EnergyMeter,
    config: MeasureConfig | None = None,
    progress: ProgressFn | None = None,
) -> Measurement:
    """setup(), measure_workload(), and teardown() whatever happens."""
    workload.setup()
    try:
        return measure_workload(workload, meter, config, progress)
    finally:
        workload.teardown()

"""The Measurement and its parts (idle, warm-up, windows) as data, and the warnings it earns.

Windows are the raw samples; `Measurement.summary()` computes the statistics from them once
(bench.stats; cached on the frozen record), nothing else is stored in their place. A Measurement
is complete when constructed: its roofline (from the workload's `roofline_of(median rate)`) and
every warning it earns are computed in `__post_init__`, never assigned afterwards. `to_dict()`
gives the shape agreed in docs/interfaces.md.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import Any

from bench.stats import Stat, Unmeasured, summarize
from bench.telemetry.meter import UNMEASURED, EnergyReading, Health, PowerTrace

GPU_MIN_WINDOW_S = 5.0
IDLE_BEFORE_VERIFY = "before verify"  # when idle power was read: after setup, before any work


@dataclass(frozen=True)
class Idle:
    """Idle power with the context alive, or why it is unknown, and when it was read."""

    power_w: float | None = None
    source: str = UNMEASURED
    reason: str = ""
    warnings: tuple[str, ...] = ()
    measured: str = ""  # e.g. IDLE_BEFORE_VERIFY
    settled: bool | None = None  # the last idle_s of readings agreed within the bound
    seconds: float | None = None  # time spent reading idle power, settling included
    span_s: float | None = None  # the span power_w is the mean over

    def to_dict(self) -> dict:
        when = {"measured": self.measured} if self.measured else {}
        if self.power_w is None:
            return {"unmeasured": self.reason, **when}
        out = {"power_w": self.power_w, "source": self.source, **when}
        if self.settled is not None:
            out |= {"settled": self.settled, "seconds": self.seconds, "span_s": self.span_s}
        return out


@dataclass(frozen=True)
class Warmup:
    """What warm-up ran before the measured windows."""

    seconds: float
    units: float
    settled: bool
    rates_per_s: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        return {
            "seconds": self.seconds,
            "units": self.units,
            "settled": self.settled,
            "rates_per_s": list(self.rates_per_s),
        }


@dataclass(frozen=True)
class Window:
    """One measured window: work done, time on the harness clock, energy from the meter."""

    elapsed_s: float
    units: float
    reading: EnergyReading
    idle_power_w: float | None = None
    origin_s: float = 0.0  # the meter-clock time that t_begin_s/t_end_s are relative to

    @property
    def units_per_s(self) -> float:
        return self.units / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def energy_j(self) -> float | None:
        return self.reading.energy_j

    @property
    def j_per_unit(self) -> float | None:
        if self.energy_j is None or self.units <= 0:
            return None
        return self.energy_j / self.units

    @property
    def above_idle_energy_j(self) -> float | None:
        if self.energy_j is None or self.idle_power_w is None:
            return None
        return self.energy_j - self.idle_power_w * self.reading.elapsed_s

    @property
    def above_idle_j_per_unit(self) -> float | None:
        above = self.above_idle_energy_j
        return None if above is None or self.units <= 0 else above / self.units

    @property
    def health(self) -> Health:
        return self.reading.health

    def to_dict(self) -> dict:
        h = self.health
        return {
            "elapsed_s": self.elapsed_s,
            "units": self.units,
            "units_per_s": self.units_per_s,
            "energy_j": self.energy_j,
            "above_idle_energy_j": self.above_idle_energy_j,
            "energy_source": self.reading.source,
            "power_avg_w": self.reading.power_avg_w,
            "sm_clock_mhz": h.sm_clock_mhz,
            "mem_clock_mhz": h.mem_clock_mhz,
            "temperature_c": h.temperature_c,
            "throttle_reasons": list(h.throttle_reasons),
            "throttled": h.throttled,
            "power_limit_w": h.power_limit_w,
            "trace_energy_j": self.reading.cross_check_j,
            "t_begin_s": self.reading.t_begin_s - self.origin_s,
            "t_end_s": self.reading.t_end_s - self.origin_s,
            "unmeasured": self.reading.reason or None,
        }


@dataclass(frozen=True)
class Measurement:
    """Everything measured for one workload on one device, complete once constructed.

    `roofline` is the workload's roofline at the median rate: given, or computed from
    `roofline_of(median units_per_s)`; MFU/MBU above 1 add their warnings to it. `warnings`
    is computed from the measurement and the limits in `config` (window_s, min_windows,
    rel_spread_bound, where present).
    """

    workload: dict
    unit: str
    verified: bool
    warmup: Warmup
    idle: Idle
    windows: tuple[Window, ...]
    meter_source: str
    meter_note: str
    power_trace: PowerTrace
    stopped_by: str
    config: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    roofline: Mapping[str, Any] = field(default_factory=dict)
    roofline_of: InitVar[Callable[[float], dict] | None] = None
    warnings: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self, roofline_of: Callable[[float], dict] | None) -> None:
        roof = dict(self.roofline)
        rate = self.rate_median()
        if roofline_of is not None and not roof:
            roof = dict(roofline_of(rate)) if rate else {}
        peaks = _peak_warnings(roof, self.summary()["units_per_s"])
        if peaks:
            roof["warnings"] = list(dict.fromkeys([*roof.get("warnings", []), *peaks]))
        object.__setattr__(self, "roofline", roof)
        object.__setattr__(self, "warnings", tuple(dict.fromkeys(build_warnings(self) + peaks)))

    @property
    def energy_source(self) -> str:
        sources = {w.reading.source for w in self.windows}
        if sources == {UNMEASURED} or not sources:
            return UNMEASURED
        return sources.pop() if len(sources) == 1 else self.meter_source

    @property
    def energy_note(self) -> str:
        reasons = [w.reading.reason for w in self.windows if w.reading.reason]
        return reasons[0] if self.energy_source == UNMEASURED and reasons else self.meter_note

    def _reason(self) -> str:
        return f"energy unmeasured: {self.energy_note}"

    def summary(self) -> dict[str, Stat | Unmeasured]:
        """Statistics over the windows (computed once; a copy of the mapping)."""
        return dict(self._summary)

    @cached_property
    def _summary(self) -> dict[str, Stat | Unmeasured]:
        w = self.windows
        idle_reason = f"idle power unmeasured: {self.idle.reason}"
        return {
            "units_per_s": summarize([x.units_per_s for x in w], f"{self.unit}/s"),
            "power_w": summarize([x.reading.power_avg_w for x in w], "W", self._reason()),
            "j_per_unit": summarize([x.j_per_unit for x in w], f"J/{self.unit}", self._reason()),
            "above_idle_j_per_unit": summarize(
                [x.above_idle_j_per_unit for x in w],
                f"J/{self.unit}",
                self._reason() if self.energy_source == UNMEASURED else idle_reason,
            ),
        }

    def rate_median(self) -> float | None:
        stat = self.summary()["units_per_s"]
        return stat.median if isinstance(stat, Stat) else None

    def to_dict(self) -> dict[str, Any]:
        """The shape agreed in docs/interfaces.md (keys are only ever added)."""
        return {
            "workload": self.workload,
            "unit": self.unit,
            "verified": self.verified,
            "warmup": self.warmup.to_dict(),
            "idle": self.idle.to_dict(),
            "windows": [w.to_dict() for w in self.windows],
            "summary": {k: v.to_dict() for k, v in self.summary().items()},
            "energy_source": self.energy_source,
            "energy_note": self.energy_note,
            "power_trace": self.power_trace.to_dict(origin_s=0.0),
            "roofline": dict(self.roofline),
            "stopped_by": self.stopped_by,
            "warnings": list(self.warnings),
            "config": self.config,
            "context": self.context,
        }


def _spread_warning(m: Measurement, bound: float) -> list[str]:
    if m.stopped_by == "spread":
        return []
    parts = []
    for key, label in (("units_per_s", "throughput"), ("j_per_unit", "energy per unit")):
        stat = m.summary()[key]
        if isinstance(stat, Stat) and stat.rel_spread is not None and stat.rel_spread > bound:
            parts.append(f"{label} {stat.rel_spread:.1%}")
    if not parts:
        return []
    return [
        f"stopped by {m.stopped_by} after {len(m.windows)} windows with relative spread "
        f"{' and '.join(parts)} (bound {bound:.0%}): the result may be unstable; close other "
        "programs, lock the clocks, or allow a longer timeout"
    ]


def _min_windows_warning(m: Measurement, min_windows: int) -> list[str]:
    n = len(m.windows)
    if n >= min_windows:
        return []
    spread = "the spread is unknown" if n < 2 else "the spread rests on too few windows"
    return [
        f"only {n} of the minimum {min_windows} windows were measured (stopped by "
        f"{m.stopped_by}): {spread}; one step of this workload outlasts a window, so allow a "
        "longer timeout or give the workload smaller steps"
    ]


COLD_START_FRACTION = 0.9  # a settled warm-up whose last chunk ran under this x the median


def _cold_start_warning(m: Measurement) -> list[str]:
    """A warm-up that "settled" on a plateau below the working rate (the rate still climbing
    slowly, or a stall), seen as its last chunk and the first window both under
    COLD_START_FRACTION of the median of the later windows."""
    rates = [w.units_per_s for w in m.windows]
    if not m.warmup.settled or not m.warmup.rates_per_s or len(rates) < 3:
        return []
    later = statistics.median(rates[1:])
    last_chunk, first = m.warmup.rates_per_s[-1], rates[0]
    if later <= 0 or max(last_chunk, first) >= COLD_START_FRACTION * later:
        return []
    return [
        f"warm-up settled at {last_chunk / later:.0%} of the rate the later windows ran at "
        f"(first window {first / later:.0%}): the early windows ran cold or the machine was "
        "busy; allow a longer warm-up (--warmup-max-s) or rerun on a quieter machine"
    ]


def _throttle_warning(m: Measurement) -> list[str]:
    hot = [w for w in m.windows if w.health.throttled]
    if not hot:
        return []
    reasons = sorted({r for w in hot for r in w.health.throttle_reasons} - {"gpu_idle"})
    why = ", ".join(reasons) or "SM clock under 75 % of its default"
    advice = (
        "check cooling and airflow"
        if any("thermal" in r for r in reasons)
        else "the figures are this card's at its power limit"
    )
    return [f"{len(hot)} of {len(m.windows)} windows ran throttled ({why}): flagged; {advice}"]


def build_warnings(m: Measurement) -> list[str]:
    """Every warning the measurement earns, each saying what to do; no duplicates. The limits
    come from m.config (MeasureConfig.to_dict()); a limit it lacks is not checked."""
    config = m.config
    out: list[str] = []
    if m.energy_source == UNMEASURED:
        out.append(f"{m._reason()}; per-joule figures are absent, not zero")
    elif m.idle.power_w is None:
        out.append(f"idle power unmeasured ({m.idle.reason}): above-idle energy is absent")
    out += m.idle.warnings
    for w in m.windows:
        out += w.reading.warnings
        if w.units <= 0:
            out.append("a window completed no work: lengthen window_s or check the workload")
    window_s = config.get("window_s")
    if m.energy_source.startswith("nvml") and window_s is not None and window_s < GPU_MIN_WINDOW_S:
        out.append(
            f"{window_s:g} s windows on a GPU: power sensors average over about 1 s and "
            f"sample part of the time; use windows of at least {GPU_MIN_WINDOW_S:g} s"
        )
    if not m.warmup.settled:
        out.append(
            f"warm-up did not settle in {m.warmup.seconds:.1f} s: early windows may run cold; "
            "allow a longer warm-up"
        )
    out += _cold_start_warning(m)
    if "min_windows" in config:
        out += _min_windows_warning(m, config["min_windows"])
    if "rel_spread_bound" in config:
        out += _spread_warning(m, config["rel_spread_bound"])
    out += _throttle_warning(m)
    others = m.context.get("other_processes") or []
    if others:
        pids = ", ".join(str(p["pid"]) for p in others)
        out.append(
            f"other processes use this GPU (pid {pids}, as NVML reports them; in a container "
            "one may be this process): their work is in the energy figures; stop them and rerun"
        )
    return list(dict.fromkeys(out))


def peak_warnings(m: Measurement) -> list[str]:
    """The warnings of an MFU or MBU above 1 in m's roofline (also in m.roofline["warnings"])."""
    return _peak_warnings(m.roofline, m.summary()["units_per_s"])


def _peak_warnings(roof: Mapping[str, Any], rate: Stat | Unmeasured) -> list[str]:
    """MFU or MBU above 1 (at the median, or in the fastest window) means the peak figure is
    too low; pure: the caller puts the warnings where they belong."""
    if not roof or not isinstance(rate, Stat) or rate.median <= 0:
        return []
    fastest = rate.max / rate.median
    out = []
    for key, label in (("mfu", "MFU"), ("mbu", "MBU")):
        value = roof.get(key)
        if value is None or value * fastest <= 1.0:
            continue
        peak = roof.get("peak") or {}
        out.append(
            f"{label} {value:.2f} at the median rate ({value * fastest:.2f} in the fastest "
            f"window) is above 1: peak figure too low (the {peak.get('kind', 'unknown')} peak "
            f"of {peak.get('device', 'this device')}); read {label} as relative only"
        )
    return out

"""NVML telemetry for one GPU: energy-counter windows, a power trace, clocks and throttling.

This is the only module that imports the NVML binding (nvidia-ml-py, imported as `pynvml`),
and only inside `load_binding()`; everything else takes the binding as an argument, so tests
pass a fake module. Energy comes from the cumulative counter
(nvmlDeviceGetTotalEnergyConsumption, mJ, Volta and newer); a background sampler reads power
(the instant field NVML_FI_DEV_POWER_INSTANT where the driver has it, else the averaged
nvmlDeviceGetPowerUsage) for the trace and to cross-check the counter. Where the counter is
not supported, energy is the integrated trace, labelled "nvml-sampled".

The counter advances in steps (about every 100 ms on recent GPUs). `start()` measures that
update period by polling the counter; where it is coarser than the polling, each window edge
waits for the next update, so a window's joules are exactly those between two updates and
carry no quantisation error. The counter is cross-checked against the trace only on windows
of CROSS_CHECK_MIN_S or more, where the sensor's 1 s averaging no longer dominates.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from bench.errors import DeviceUnavailable
from bench.telemetry.meter import (
    Clock,
    EnergyMeter,
    EnergyReading,
    Health,
    PowerTrace,
    zero_energy_warning,
)
from bench.telemetry.sampler import PowerSampler, integrate, samples_in

log = logging.getLogger(__name__)

# Clock-event ("throttle") reason bits, as in nvml.h (nvmlClocksEventReason*).
REASON_NAMES = {
    0x1: "gpu_idle",
    0x2: "applications_clocks_setting",
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}
# Reasons that mean the card is held back by power or heat (the others are benign).
SLOWDOWN_REASONS = frozenset(
    {"sw_power_cap", "hw_slowdown", "sw_thermal_slowdown", "hw_thermal_slowdown"}
    | {"hw_power_brake_slowdown"}
)
THROTTLE_CLOCK_FRACTION = 0.75  # nvbench: SM clock under 75 % of default means throttled
CROSS_CHECK_TOLERANCE = 0.05
CROSS_CHECK_MIN_S = 5.0
HEALTH_PERIOD_S = 1.0
EDGE_SLACK_S = 0.001  # a 5 s window may read 4.999 s on a clock summed in steps
COUNTER_POLL_S = 0.001  # how often the counter is read while waiting for it to move
COUNTER_PROBE_S = 0.8  # most seconds spent measuring the counter's update period at start
COUNTER_PROBE_CHANGES = 6  # updates seen before the period is taken (5 intervals)


def decode_reasons(mask: int) -> tuple[str, ...]:
    """Names of the clock-event reason bits set in `mask`; unknown bits as hex."""
    names = [name for bit, name in REASON_NAMES.items() if mask & bit]
    unknown = mask & ~sum(REASON_NAMES)
    if unknown:
        names.append(f"unknown_0x{unknown:x}")
    return tuple(names)


def load_binding() -> ModuleType:
    """Import the NVML binding and initialise NVML; DeviceUnavailable with the reason if not."""
    try:
        import pynvml
    except ImportError as exc:
        raise DeviceUnavailable(f"NVML binding not installed (nvidia-ml-py): {exc}") from None
    init(pynvml)
    return pynvml


def init(binding: Any) -> None:
    """nvmlInit(), turning any failure into DeviceUnavailable with NVML's reason."""
    try:
        binding.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
        raise DeviceUnavailable(f"NVML unavailable: {exc}") from None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlGpu:
    """One GPU seen through an initialised NVML binding, by NVML index."""

    def __init__(self, binding: Any, index: int) -> None:
        self.nv = binding
        self.index = index
        try:
            self.handle = binding.nvmlDeviceGetHandleByIndex(index)
        except binding.NVMLError as exc:
            raise DeviceUnavailable(f"no NVML device {index}: {exc}") from None
        self.has_counter = self._try(binding.nvmlDeviceGetTotalEnergyConsumption) is not None
        self.has_instant = self._read_instant_mw() is not None
        self.default_sm_clock_mhz = self._try(
            binding.nvmlDeviceGetDefaultApplicationsClock, binding.NVML_CLOCK_SM
        ) or self._try(binding.nvmlDeviceGetMaxClockInfo, binding.NVML_CLOCK_SM)

    def _try(self, fn: Any, *args: Any) -> Any:
        """fn(handle, *args), or None where NVML says not supported (or any NVML error)."""
        try:
            return fn(self.handle, *args)
        except self.nv.NVMLError as exc:
            log.debug("NVML %s on GPU %d: %s", getattr(fn, "__name__", fn), self.index, exc)
            return None

    @property
    def name(self) -> str:
        return _text(self.nv.nvmlDeviceGetName(self.handle))

    @property
    def memory_bytes(self) -> int | None:
        info = self._try(self.nv.nvmlDeviceGetMemoryInfo)
        return int(info.total) if info is not None else None

    @property
    def uuid(self) -> str | None:
        value = self._try(self.nv.nvmlDeviceGetUUID)
        return _text(value) if value is not None else None

    def energy_mj(self) -> int:
        """The cumulative energy counter in millijoules (raises NVMLError where unsupported)."""
        return int(self.nv.nvmlDeviceGetTotalEnergyConsumption(self.handle))

    def _read_instant_mw(self) -> float | None:
        nv = self.nv
        values = self._try(nv.nvmlDeviceGetFieldValues, [nv.NVML_FI_DEV_POWER_INSTANT])
        if not values or values[0].nvmlReturn != nv.NVML_SUCCESS:
            return None
        v = values[0]
        if v.valueType == nv.NVML_VALUE_TYPE_DOUBLE:
            return float(v.value.dVal)
        return float(v.value.uiVal)

    def power_w(self) -> float | None:
        """Power now: the instant field where available, else the averaged reading."""
        mw = self._read_instant_mw() if self.has_instant else None
        if mw is None:
            mw = self._try(self.nv.nvmlDeviceGetPowerUsage)
        return None if mw is None else mw / 1000.0

    def power_limit_w(self) -> float | None:
        mw = self._try(self.nv.nvmlDeviceGetEnforcedPowerLimit)
        return None if mw is None else mw / 1000.0

    def reasons(self) -> tuple[str, ...]:
        fn = getattr(self.nv, "nvmlDeviceGetCurrentClocksEventReasons", None)
        mask = self._try(fn) if fn is not None else None
        if mask is None:
            mask = self._try(self.nv.nvmlDeviceGetCurrentClocksThrottleReasons)
        return decode_reasons(int(mask)) if mask is not None else ()

    def health(self) -> Health:
        """Clocks, temperature, power limit and throttle reasons now."""
        nv = self.nv
        sm = self._try(nv.nvmlDeviceGetClockInfo, nv.NVML_CLOCK_SM)
        reasons = self.reasons()
        slow = bool(SLOWDOWN_REASONS.intersection(reasons))
        if sm is not None and self.default_sm_clock_mhz and "gpu_idle" not in reasons:
            slow = slow or sm < THROTTLE_CLOCK_FRACTION * self.default_sm_clock_mhz
        return Health(
            sm_clock_mhz=sm,
            mem_clock_mhz=self._try(nv.nvmlDeviceGetClockInfo, nv.NVML_CLOCK_MEM),
            temperature_c=self._try(nv.nvmlDeviceGetTemperature, nv.NVML_TEMPERATURE_GPU),
            power_limit_w=self.power_limit_w(),
            throttle_reasons=reasons,
            throttled=slow,
        )

    def other_processes(self, own_pid: int | None = None) -> list[dict]:
        """Processes on this GPU other than `own_pid` (pids as NVML reports them)."""
        own = os.getpid() if own_pid is None else own_pid
        seen: dict[int, dict] = {}
        for proc in self._try(self.nv.nvmlDeviceGetComputeRunningProcesses) or ():
            if proc.pid != own:
                mem = getattr(proc, "usedGpuMemory", None)
                seen[proc.pid] = {"pid": proc.pid, "used_memory_bytes": mem}
        for proc in self._try(self.nv.nvmlDeviceGetGraphicsRunningProcesses) or ():
            if proc.pid != own and proc.pid not in seen:
                seen[proc.pid] = {"pid": proc.pid, "used_memory_bytes": None}
        return list(seen.values())


def counter_period(
    read_mj: Callable[[], int],
    clock: Clock,
    sleep: Callable[[float], None],
    probe_s: float = COUNTER_PROBE_S,
    poll_s: float = COUNTER_POLL_S,
) -> float | None:
    """The energy counter's update period: the median interval between the changes seen while
    polling every poll_s for at most probe_s; None where it changed fewer than three times."""
    changes: list[float] = []
    last, t_stop = read_mj(), clock() + probe_s
    while clock() < t_stop and len(changes) < COUNTER_PROBE_CHANGES:
        sleep(poll_s)
        value = read_mj()
        if value != last:
            changes.append(clock())
            last = value
    if len(changes) < 3:
        return None
    return statistics.median(b - a for a, b in zip(changes, changes[1:], strict=False))


def merge_health(samples: list[Health]) -> Health:
    """The worst state seen over a window: lowest SM clock, highest temperature, every reason."""
    if not samples:
        return Health()
    last = samples[-1]
    sms = [h.sm_clock_mhz for h in samples if h.sm_clock_mhz is not None]
    temps = [h.temperature_c for h in samples if h.temperature_c is not None]
    reasons: dict[str, None] = {}
    for h in samples:
        reasons.update(dict.fromkeys(h.throttle_reasons))
    return Health(
        sm_clock_mhz=min(sms) if sms else None,
        mem_clock_mhz=last.mem_clock_mhz,
        temperature_c=max(temps) if temps else None,
        power_limit_w=last.power_limit_w,
        throttle_reasons=tuple(reasons),
        throttled=any(h.throttled for h in samples),
    )


class NvmlMeter(EnergyMeter):
    """Energy windows on one GPU: the counter where supported, else the integrated trace."""

    def __init__(
        self,
        gpu: NvmlGpu,
        hz: float = 20.0,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.gpu = gpu
        self._clock = clock
        self._sleep = sleep
        self.counter_period_s: float | None = None  # measured by start()
        self._probed = False
        self.source = "nvml-counter" if gpu.has_counter else "nvml-sampled"
        field = "instant power field" if gpu.has_instant else "averaged power reading"
        self.note = (
            f"NVML total energy counter (mJ); {field} sampled at {hz:g} Hz as a cross-check"
            if gpu.has_counter
            else f"energy counter not supported on this GPU: {field} sampled at {hz:g} Hz and "
            "integrated (trapezoid)"
        )
        self.sampler = PowerSampler(
            gpu.power_w, hz=hz, clock=clock, source=self.source, on_tick=self._on_tick
        )
        self._health: list[tuple[float, Health]] = []
        self._last_health_s = float("-inf")
        self._open: tuple[float, int | None] | None = None

    def _on_tick(self, t_s: float) -> None:
        if t_s - self._last_health_s >= HEALTH_PERIOD_S:
            self._last_health_s = t_s
            self._health.append((t_s, self.gpu.health()))

    def start(self) -> None:
        """Measure the counter's update period (once), then start the power sampler."""
        if not self._probed and self.gpu.has_counter:
            self._probed = True
            try:
                self.counter_period_s = counter_period(self.gpu.energy_mj, self._clock, self._sleep)
            except self.gpu.nv.NVMLError as exc:
                log.warning("NVML energy counter unreadable while probing its period: %s", exc)
        self.sampler.start()

    def stop(self) -> None:
        self.sampler.stop()

    def health(self) -> Health:
        return self.gpu.health()

    @property
    def aligns_edges(self) -> bool:
        """Whether window edges wait for a counter update (its steps are coarser than a poll)."""
        period = self.counter_period_s
        return period is not None and period >= 5 * COUNTER_POLL_S

    def _edge(self) -> tuple[float, int | None]:
        """(time, counter) at a window edge: just after the counter's next update where edges
        are aligned (waiting at most two periods), else now."""
        e0 = self._counter_mj()
        if e0 is None or not self.aligns_edges:
            return self._clock(), e0
        t_stop = self._clock() + 2 * self.counter_period_s
        while self._clock() < t_stop:
            self._sleep(COUNTER_POLL_S)
            e1 = self._counter_mj()
            if e1 is None or e1 != e0:
                return self._clock(), e1
        log.debug("energy counter did not move within two periods; edge not aligned")
        return self._clock(), e0

    def trace(self) -> PowerTrace:
        return self.sampler.trace()

    def _counter_mj(self) -> int | None:
        if not self.gpu.has_counter:
            return None
        try:
            return self.gpu.energy_mj()
        except self.gpu.nv.NVMLError as exc:
            log.warning("NVML energy counter read failed: %s", exc)
            return None

    def begin_window(self) -> None:
        self.sampler.sample_once()  # a sample at the edge: the trace covers the window
        t0, e0 = self._edge()
        self._open = (t0, e0)

    def end_window(self) -> EnergyReading:
        if self._open is None:
            raise RuntimeError("end_window() without begin_window()")
        (t0, e0), self._open = self._open, None
        t1, e1 = self._edge()
        self.sampler.sample_once()
        health = merge_health([h for t, h in self._health if t0 <= t <= t1] + [self.gpu.health()])
        sampled_j = integrate(self.sampler.trace(), t0, t1)
        if e0 is not None and e1 is not None:
            return self._counter_reading(t0, t1, (e1 - e0) / 1000.0, sampled_j, health)
        return self._sampled_reading(t0, t1, sampled_j, health, counter_failed=self.gpu.has_counter)

    def _counter_reading(
        self, t0: float, t1: float, energy_j: float, sampled_j: float | None, health: Health
    ) -> EnergyReading:
        warnings: list[str] = []
        if energy_j <= 0:
            warnings.append(zero_energy_warning("the NVML energy counter", t1 - t0))
        elif sampled_j is not None and t1 - t0 >= CROSS_CHECK_MIN_S - EDGE_SLACK_S:
            diff = abs(sampled_j - energy_j) / energy_j
            if diff > CROSS_CHECK_TOLERANCE:
                warnings.append(
                    f"GPU {self.gpu.index}: energy counter {energy_j:.1f} J and integrated power "
                    f"trace {sampled_j:.1f} J differ by {diff:.0%} over {t1 - t0:.1f} s; "
                    "use longer windows, or distrust this card's power sensor"
                )
        return EnergyReading(
            t0, t1, energy_j, "nvml-counter", "", health, tuple(warnings), cross_check_j=sampled_j
        )

    def _sampled_reading(
        self, t0: float, t1: float, sampled_j: float | None, health: Health, counter_failed: bool
    ) -> EnergyReading:
        warnings = []
        if counter_failed:
            warnings.append("energy counter read failed; this window's energy is the power trace")
        n = samples_in(self.sampler.trace(), t0, t1)
        if sampled_j is None or n < 2:
            reason = "power trace does not cover the window (sampler not running?)"
            return EnergyReading(t0, t1, None, "unmeasured", reason, health, tuple(warnings))
        if sampled_j <= 0:
            warnings.append(zero_energy_warning("the sampled power trace", t1 - t0))
        return EnergyReading(t0, t1, sampled_j, "nvml-sampled", "", health, tuple(warnings))

    def context(self) -> dict:
        return {
            **super().context(),
            "gpu_index": self.gpu.index,
            "power_limit_w": self.gpu.power_limit_w(),
            "default_sm_clock_mhz": self.gpu.default_sm_clock_mhz,
            "power_field": "instant" if self.gpu.has_instant else "average",
            "sampler_hz": round(1.0 / self.sampler.period_s, 3),
            "sampler_cost": self.sampler.cost().to_dict(),
            "counter_period_s": self.counter_period_s,
            "window_edges": "aligned to counter updates" if self.aligns_edges else "not aligned",
            "other_processes": self.gpu.other_processes(),
        }


def open_meter(
    index: int,
    binding: Any = None,
    hz: float = 20.0,
    clock: Clock = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
):
    """An NvmlMeter for NVML device `index` (loads and initialises the binding if not given)."""
    nv = binding if binding is not None else load_binding()
    if binding is not None:
        init(nv)
    return NvmlMeter(NvmlGpu(nv, index), hz=hz, clock=clock, sleep=sleep)

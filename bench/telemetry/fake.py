"""A simulated NVML binding for tests and the overhead benchmark: no GPU needed.

It exposes the same names as `pynvml` (tests check each against the real module) and derives
the energy counter from a power function of a clock that the caller controls, so windows have
exactly known joules. It is a test double: nothing in a measurement path constructs it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

NVML_SUCCESS = 0
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_CLOCK_SM = 1
NVML_CLOCK_MEM = 2
NVML_TEMPERATURE_GPU = 0
NVML_FI_DEV_POWER_INSTANT = 186
NVML_VALUE_TYPE_DOUBLE = 0
NVML_VALUE_TYPE_UNSIGNED_INT = 1


class NVMLError(Exception):
    """Same shape as pynvml.NVMLError: carries the NVML return code in `value`."""

    def __init__(self, value: int) -> None:
        super().__init__(f"NVML error {value}")
        self.value = value


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, dt_s: float) -> None:
        self.now_s += dt_s


@dataclass
class FakeGpu:
    """The state of one simulated GPU."""

    name: str = "Fake GPU"
    memory_bytes: int = 80 * 2**30
    power_w: Callable[[float], float] = lambda t: 250.0
    has_counter: bool = True
    has_instant: bool = True
    sensor_scale: float = 1.0  # power readings = true power * this (a lying sensor)
    sm_clock_mhz: int = 1800
    default_sm_clock_mhz: int = 1800
    mem_clock_mhz: int = 2600
    temperature_c: int = 60
    power_limit_mw: int = 700_000
    reasons_mask: int = 0
    processes: list = field(default_factory=list)
    counter_period_s: float | None = None  # the counter moves only every so often (~0.1 s)
    energy_mj: float = 0.0
    last_t_s: float | None = None
    counter_mj: float = 0.0  # what the counter shows: the energy at its last update


class FakeNvml:
    """A module-like object with pynvml's function names, driven by a clock."""

    NVMLError = NVMLError

    def __init__(self, gpus: list[FakeGpu] | None = None, clock: Callable[[], float] = None):
        self.gpus = gpus if gpus is not None else [FakeGpu()]
        self.clock = clock or FakeClock()
        self.init_error: int | None = None
        self.calls = 0
        self._lock = threading.Lock()
        for name, value in globals().items():
            if name.startswith("NVML_"):
                setattr(self, name, value)

    def _gpu(self, handle: int) -> FakeGpu:
        self.calls += 1
        return self.gpus[handle]

    def _advance_energy(self, gpu: FakeGpu) -> None:
        # The counter integrates the power function exactly where it is piecewise linear
        # between reads (trapezoid on the read times), which is exact for constant or ramp power.
        # A counter with an update period shows the energy at its last update tick.
        t = self.clock()
        with self._lock:
            period = gpu.counter_period_s
            if period and gpu.last_t_s is not None:
                tick = math.floor(t / period) * period
                if tick > gpu.last_t_s:
                    self._integrate(gpu, tick)
                    gpu.counter_mj = gpu.energy_mj
            self._integrate(gpu, t)
            if not period:
                gpu.counter_mj = gpu.energy_mj

    @staticmethod
    def _integrate(gpu: FakeGpu, t: float) -> None:
        if gpu.last_t_s is not None and t > gpu.last_t_s:
            p0, p1 = gpu.power_w(gpu.last_t_s), gpu.power_w(t)
            gpu.energy_mj += (p0 + p1) / 2 * (t - gpu.last_t_s) * 1000.0
        gpu.last_t_s = t if gpu.last_t_s is None else max(t, gpu.last_t_s)

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise NVMLError(self.init_error)
        for gpu in self.gpus:
            self._advance_energy(gpu)

    def nvmlShutdown(self) -> None:
        pass

    def nvmlSystemGetDriverVersion(self) -> str:
        return "999.99"

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if not 0 <= index < len(self.gpus):
            raise NVMLError(2)
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return self._gpu(handle).name.encode()

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        return f"GPU-fake-{handle}"

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        return SimpleNamespace(total=self._gpu(handle).memory_bytes, used=0, free=0)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
        gpu = self._gpu(handle)
        if not gpu.has_counter:
            raise NVMLError(NVML_ERROR_NOT_SUPPORTED)
        self._advance_energy(gpu)
        return int(round(gpu.counter_mj))

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        gpu = self._gpu(handle)
        return int(round(gpu.power_w(self.clock()) * gpu.sensor_scale * 1000))

    def nvmlDeviceGetFieldValues(self, handle: int, field_ids: list) -> list:
        gpu = self._gpu(handle)
        out = []
        for fid in field_ids:
            ok = fid == NVML_FI_DEV_POWER_INSTANT and gpu.has_instant
            mw = int(round(gpu.power_w(self.clock()) * gpu.sensor_scale * 1000)) if ok else 0
            out.append(
                SimpleNamespace(
                    fieldId=fid,
                    nvmlReturn=NVML_SUCCESS if ok else NVML_ERROR_NOT_SUPPORTED,
                    valueType=NVML_VALUE_TYPE_UNSIGNED_INT,
                    value=SimpleNamespace(uiVal=mw, dVal=0.0),
                )
            )
        return out

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: int) -> int:
        return self._gpu(handle).power_limit_mw

    def nvmlDeviceGetClockInfo(self, handle: int, clock_type: int) -> int:
        gpu = self._gpu(handle)
        return gpu.sm_clock_mhz if clock_type == NVML_CLOCK_SM else gpu.mem_clock_mhz

    def nvmlDeviceGetDefaultApplicationsClock(self, handle: int, clock_type: int) -> int:
        return self._gpu(handle).default_sm_clock_mhz

    def nvmlDeviceGetMaxClockInfo(self, handle: int, clock_type: int) -> int:
        return self._gpu(handle).default_sm_clock_mhz

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:
        return self._gpu(handle).temperature_c

    def nvmlDeviceGetCurrentClocksEventReasons(self, handle: int) -> int:
        return self._gpu(handle).reasons_mask

    def nvmlDeviceGetCurrentClocksThrottleReasons(self, handle: int) -> int:
        return self._gpu(handle).reasons_mask

    def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> list:
        return [SimpleNamespace(pid=p, usedGpuMemory=2**30) for p in self._gpu(handle).processes]

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: int) -> list:
        return []

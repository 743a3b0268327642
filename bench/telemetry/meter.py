"""The EnergyMeter abstraction: open a window, close it, get joules with their source.

A reading is either measured (joules and a source: "nvml-counter", "nvml-sampled", "rapl")
or unmeasured with a reason. It is never a silent 0: a window that reads zero energy carries
a warning. Meters keep their whole power trace for the result.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]

UNMEASURED = "unmeasured"


@dataclass(frozen=True)
class PowerTrace:
    """Power samples in watts against the meter's monotonic clock, in seconds."""

    t_s: tuple[float, ...] = ()
    power_w: tuple[float, ...] = ()
    source: str = UNMEASURED

    def to_dict(self, origin_s: float | None = None) -> dict:
        """Plain data with times relative to `origin_s` (default: the first sample)."""
        t0 = origin_s if origin_s is not None else (self.t_s[0] if self.t_s else 0.0)
        return {
            "t_s": [round(t - t0, 4) for t in self.t_s],
            "power_w": [round(p, 3) for p in self.power_w],
            "source": self.source,
        }


@dataclass(frozen=True)
class Health:
    """Device state over a window: clocks, temperature, throttle reasons."""

    sm_clock_mhz: float | None = None
    mem_clock_mhz: float | None = None
    temperature_c: float | None = None
    power_limit_w: float | None = None
    throttle_reasons: tuple[str, ...] = ()
    throttled: bool | None = None  # None: this device's meter cannot observe throttling


@dataclass(frozen=True)
class EnergyReading:
    """One closed window: elapsed time on the meter's clock and the energy, or why not."""

    t_begin_s: float
    t_end_s: float
    energy_j: float | None
    source: str
    reason: str = ""  # why unmeasured; empty when measured
    health: Health = field(default_factory=Health)
    warnings: tuple[str, ...] = ()
    cross_check_j: float | None = None  # the integrated power trace, where it was compared

    @property
    def elapsed_s(self) -> float:
        return self.t_end_s - self.t_begin_s

    @property
    def measured(self) -> bool:
        return self.energy_j is not None

    @property
    def power_avg_w(self) -> float | None:
        if self.energy_j is None or self.elapsed_s <= 0:
            return None
        return self.energy_j / self.elapsed_s


def zero_energy_warning(source: str, elapsed_s: float) -> str:
    """The warning for a window that read 0 J."""
    return (
        f"a {elapsed_s:.3f} s window read 0 J from {source}: the window is shorter than the "
        "counter's update period; use windows of several seconds"
    )


class EnergyMeter(ABC):
    """Measures the energy of one device over windows; start() before, stop() after."""

    source: str = UNMEASURED
    note: str = ""
    _clock: Clock = staticmethod(time.monotonic)

    def now(self) -> float:
        """The meter's clock, on which readings and the trace are timed."""
        return self._clock()

    def start(self) -> None:  # noqa: B027 - meters without a sampler need nothing
        """Begin background sampling, if the meter samples; idempotent."""

    def stop(self) -> None:  # noqa: B027
        """End background sampling; the trace stays readable."""

    def __enter__(self) -> EnergyMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def measures(self) -> bool:
        """Whether windows can yield joules at all."""
        return self.source != UNMEASURED

    @abstractmethod
    def begin_window(self) -> None:
        """Open a window: remember the energy counter (and the trace position)."""

    @abstractmethod
    def end_window(self) -> EnergyReading:
        """Close the window opened last and return its reading."""

    def health(self) -> Health | None:
        """The device's state now (clocks, temperature), where the meter can read it."""
        return None

    def trace(self) -> PowerTrace:
        """Every power sample taken so far."""
        return PowerTrace(source=self.source)

    def context(self) -> dict:
        """Plain-data facts about the device and meter for the result (power limit, others)."""
        return {"energy_source": self.source, "energy_note": self.note}


class UnmeasuredMeter(EnergyMeter):
    """A meter for a device with no energy source: every window is unmeasured, with a reason."""

    def __init__(self, reason: str, clock: Clock = time.monotonic) -> None:
        self.note = reason
        self._clock = clock
        self._t0: float | None = None

    def begin_window(self) -> None:
        self._t0 = self._clock()

    def end_window(self) -> EnergyReading:
        if self._t0 is None:
            raise RuntimeError("end_window() without begin_window()")
        t0, self._t0 = self._t0, None
        return EnergyReading(t0, self._clock(), None, UNMEASURED, reason=self.note)

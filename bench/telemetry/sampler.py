"""A background power sampler (10-50 Hz) that keeps its whole trace, and its integration.

The sampler calls a `read_power_w` function on a fixed period from a daemon thread and keeps
every (monotonic time, watts) pair. `sample_once()` is the same step without the thread, so
tests drive it with a fake clock. The thread also measures its own cost: the CPU time it
spends per sample (`cost()`), read with the thread's own CPU clock around each sample, so no
separate benchmark is needed to know what the meter takes from the work it measures.
Integration is the trapezoidal rule, with the power at a window's edges interpolated linearly
between the neighbouring samples.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.telemetry.meter import Clock, PowerTrace

log = logging.getLogger(__name__)

MIN_HZ = 1.0
MAX_HZ = 100.0


@dataclass(frozen=True)
class SamplerCost:
    """What the sampling thread cost: its CPU seconds over the samples it took in its loop."""

    hz: float
    samples: int
    cpu_s: float

    @property
    def cpu_s_per_sample(self) -> float | None:
        return self.cpu_s / self.samples if self.samples else None

    @property
    def core_fraction(self) -> float | None:
        """Share of one core the thread takes at its rate: CPU seconds per sample x samples/s."""
        per = self.cpu_s_per_sample
        return None if per is None else per * self.hz

    def to_dict(self) -> dict:
        return {
            "hz": self.hz,
            "samples": self.samples,
            "cpu_s": self.cpu_s,
            "cpu_s_per_sample": self.cpu_s_per_sample,
            "core_fraction": self.core_fraction,
        }


class PowerSampler:
    """Samples power on a fixed period in a daemon thread; keeps the whole trace."""

    def __init__(
        self,
        read_power_w: Callable[[], float | None],
        hz: float = 20.0,
        clock: Clock = time.monotonic,
        source: str = "",
        on_tick: Callable[[float], None] | None = None,
        cpu_clock: Clock = time.thread_time,
        pace_clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not MIN_HZ <= hz <= MAX_HZ:
            raise ValueError(f"sampler rate {hz} Hz outside {MIN_HZ}-{MAX_HZ} Hz")
        self.period_s = 1.0 / hz
        self.source = source
        self._read = read_power_w
        self._clock = clock
        self._on_tick = on_tick
        self._t: list[float] = []
        self._p: list[float] = []
        self._lock = threading.Lock()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._cpu_clock = cpu_clock
        self._pace_clock = pace_clock
        self._sleep = sleep
        self._cpu_s = 0.0
        self._timed = 0
        self.errors = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def sample_once(self) -> None:
        """Take one sample now (the thread's step; tests call it directly)."""
        try:
            p = self._read()
        except Exception as exc:  # a failed read is a gap in the trace, not a crash
            self.errors += 1
            if self.errors == 1:
                log.warning("power read failed (%s); the trace will have gaps", exc)
            return
        if p is None:
            return
        with self._lock:  # the clock is read under the lock so that the trace stays sorted
            t = self._clock()
            self._t.append(t)
            self._p.append(float(p))
        if self._on_tick is not None:
            self._on_tick(t)

    def start(self) -> None:
        """Start the sampling thread (idempotent)."""
        if self.running:
            return
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="joulebench-power", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after its current sample; the trace stays."""
        if self._thread is None:
            return
        self._stop = True
        self._thread.join(timeout=5 * self.period_s + 1.0)
        self._thread = None

    def timed_sample(self) -> None:
        """sample_once(), with the CPU time it took (the thread's own clock) added to cost()."""
        c0 = self._cpu_clock()
        self.sample_once()
        self._cpu_s += self._cpu_clock() - c0
        self._timed += 1

    def cost(self) -> SamplerCost:
        """The thread's CPU time per sample so far, and the share of a core at this rate."""
        return SamplerCost(1.0 / self.period_s, self._timed, self._cpu_s)

    def _loop(self) -> None:
        # Paced against real monotonic time (not the measuring clock): a steady period, no
        # drift. time.sleep costs less CPU per wake-up than Event.wait; stop() waits one period.
        pace, next_t = self._pace_clock, self._pace_clock()
        while not self._stop:
            self.timed_sample()
            next_t += self.period_s
            delay = next_t - pace()
            if delay < 0:  # fell behind (a slow read): skip, do not burst
                next_t = pace()
                delay = 0.0
            self._sleep(delay)

    def trace(self) -> PowerTrace:
        """A copy of every sample so far."""
        with self._lock:
            return PowerTrace(tuple(self._t), tuple(self._p), self.source)

    def count(self) -> int:
        with self._lock:
            return len(self._t)


def _interp(t: tuple[float, ...], p: tuple[float, ...], i: int, x: float) -> float:
    """Power at time x by linear interpolation between samples i-1 and i."""
    t0, t1 = t[i - 1], t[i]
    if t1 == t0:
        return p[i]
    return p[i - 1] + (p[i] - p[i - 1]) * (x - t0) / (t1 - t0)


def integrate(trace: PowerTrace, t_begin_s: float, t_end_s: float) -> float | None:
    """Joules over [t_begin_s, t_end_s] by the trapezoidal rule; None where the trace does not
    cover the whole window (no sample at or before its start, or none at or after its end)."""
    t, p = trace.t_s, trace.power_w
    if t_end_s < t_begin_s:
        raise ValueError("window ends before it begins")
    if len(t) < 2 or t[0] > t_begin_s or t[-1] < t_end_s:
        return None
    lo = bisect.bisect_right(t, t_begin_s)  # first sample strictly inside
    hi = bisect.bisect_left(t, t_end_s)  # first sample at or after the end
    p_begin = _interp(t, p, lo, t_begin_s) if lo < len(t) else p[-1]
    p_end = p[hi] if t[hi] == t_end_s else _interp(t, p, hi, t_end_s)
    xs = [t_begin_s, *t[lo:hi], t_end_s]
    ys = [p_begin, *p[lo:hi], p_end]
    return sum((xs[k + 1] - xs[k]) * (ys[k + 1] + ys[k]) / 2 for k in range(len(xs) - 1))


def samples_in(trace: PowerTrace, t_begin_s: float, t_end_s: float) -> int:
    """How many samples lie within [t_begin_s, t_end_s]."""
    return bisect.bisect_right(trace.t_s, t_end_s) - bisect.bisect_left(trace.t_s, t_begin_s)

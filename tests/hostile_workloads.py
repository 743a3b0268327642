"""Workloads that misbehave on purpose, for the runner's isolation and entry checks.

Registered when this module is imported (by the tests, and by a child process when it
unpickles its job). Each does a tiny amount of work so that a run of them takes seconds.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Any

from bench.workloads.base import Workload, register

# Short windows: a run of these workloads is about a second of measuring each.
FAST = {"window_s": 0.05, "min_windows": 2, "max_windows": 2, "timeout_s": 1.0}


class _Tiny(Workload):
    unit = "op"

    @classmethod
    def default_params(cls, device, quick: bool) -> dict[str, Any]:
        return {}

    def verify(self) -> None:
        pass

    def step(self) -> float:
        time.sleep(0.002)
        return 10.0


@register
class Steady(_Tiny):
    """Does its work: 10 ops per 2 ms step."""

    name = "test-steady"


@register
class Segfault(_Tiny):
    """Dies of SIGSEGV in setup (reads address 0), as a broken native extension would."""

    name = "test-segfault"

    def setup(self) -> None:
        ctypes.string_at(0)


@register
class Aborts(_Tiny):
    """Calls abort() mid-run, as a failed CUDA assertion does."""

    name = "test-abort"

    def step(self) -> float:
        os.abort()


@register
class Exits(_Tiny):
    """Calls sys.exit(3) in verify, as a library that thinks it owns the process might."""

    name = "test-exit"

    def verify(self) -> None:
        sys.exit(3)


@register
class NegativeUnits(_Tiny):
    """Returns negative work units: its entry cannot be written (the schema refuses it)."""

    name = "test-negative"

    def step(self) -> float:
        time.sleep(0.002)
        return -5.0


@register
class ZeroUnits(_Tiny):
    """Completes nothing: kept, with a warning."""

    name = "test-zero"

    def step(self) -> float:
        time.sleep(0.002)
        return 0.0


@register
class SlowSetup(_Tiny):
    """Spends a minute in setup: a run is killed while it is there."""

    name = "test-slow-setup"

    def setup(self) -> None:
        time.sleep(60)


def fifty_watt_meter(device):
    """A meter factory: the simulated NVML binding at a constant 50 W (picklable by name)."""
    from bench.telemetry.fake import FakeGpu, FakeNvml
    from bench.telemetry.nvml import open_meter

    binding = FakeNvml([FakeGpu(power_w=_fifty)], clock=time.monotonic)
    return open_meter(0, binding, hz=50.0)


def _fifty(t: float) -> float:
    return 50.0

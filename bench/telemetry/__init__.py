"""Energy and health readings: NVML for GPUs, RAPL for CPUs, or an honest "unmeasured".

`meter_for(device)` picks the meter for a Device. Only bench.telemetry.nvml imports the
NVML binding, and only when a GPU meter is asked for.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.errors import DeviceUnavailable
from bench.telemetry.meter import (
    UNMEASURED,
    EnergyMeter,
    EnergyReading,
    Health,
    PowerTrace,
    UnmeasuredMeter,
)
from bench.telemetry.rapl import POWERCAP_ROOT, RaplMeter, Reader, probe, read_text

__all__ = [
    "UNMEASURED",
    "EnergyMeter",
    "EnergyReading",
    "Health",
    "PowerTrace",
    "UnmeasuredMeter",
    "RaplMeter",
    "meter_for",
]


def meter_for(
    device: Any,
    binding: Any = None,
    powercap_root: Path = POWERCAP_ROOT,
    read: Reader = read_text,
    hz: float | None = None,
    clock=time.monotonic,
) -> EnergyMeter:
    """The energy meter for a Device: NVML for cuda:N, RAPL or unmeasured for the CPU."""
    if device.kind == "cuda":
        from bench.telemetry.nvml import open_meter

        index = device.extra.get("nvml_index", device.index)
        try:
            return open_meter(index, binding, hz=hz or 20.0, clock=clock)
        except DeviceUnavailable as exc:
            return UnmeasuredMeter(str(exc), clock)
    zones, reason = probe(powercap_root, read)
    if zones:
        return RaplMeter(zones, read, clock, hz=hz or 10.0)
    return UnmeasuredMeter(reason, clock)

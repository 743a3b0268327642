"""Peak compute and memory bandwidth of a device, from bench/data/peaks.toml, with their source.

A GPU is found by its name; a CPU gets an estimate (cores x maximum clock x FLOP per cycle)
only when its microarchitecture is in the file, labelled an estimate; where the maximum clock is
not exposed, the clock /proc/cpuinfo reports is used and the note says so. Anything else has no
peak, and says why. (`parse_cpuinfo` is bench.devices', re-exported.)
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench.devices import CpuInfo, cpu_info, parse_cpuinfo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

__all__ = ["Peak", "cpu_peak", "gpu_peak", "load_table", "parse_cpuinfo", "peak_for"]

PEAKS_PATH = Path(__file__).resolve().parent / "data" / "peaks.toml"


@dataclass(frozen=True)
class Peak:
    """Peak figures of one device: TFLOP/s per dtype and memory bandwidth, with provenance."""

    device: str
    tflop_s: dict[str, float]
    bandwidth_tb_s: float | None
    kind: str  # "datasheet", "measured" or "estimate"
    source: str
    date: str
    measured: Peak | None = None
    note: str = ""

    def to_dict(self) -> dict:
        out = {
            "device": self.device,
            "tflop_s": dict(self.tflop_s),
            "bandwidth_tb_s": self.bandwidth_tb_s,
            "kind": self.kind,
            "source": self.source,
            "date": self.date,
        }
        if self.note:
            out["note"] = self.note
        return out


@cache
def load_table(path: Path = PEAKS_PATH) -> dict:
    """The parsed peaks file."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _words(name: str) -> str:
    return " " + " ".join(name.upper().replace("-", " ").replace("_", " ").split()) + " "


def _gpu_peak(key: str, entry: dict) -> Peak:
    measured = entry.get("measured")
    return Peak(
        device=key,
        tflop_s={k: float(v) for k, v in entry["tflop_s"].items()},
        bandwidth_tb_s=entry.get("bandwidth_tb_s"),
        kind=entry["kind"],
        source=entry["source"],
        date=str(entry["date"]),
        measured=_gpu_peak(key, {"tflop_s": {}, **measured}) if measured else None,
    )


def gpu_peak(name: str, table: dict | None = None) -> tuple[Peak | None, str]:
    """The peak of a GPU named `name` (e.g. "NVIDIA H200"), or None and the reason."""
    table = table if table is not None else load_table()
    words = _words(name)
    best: tuple[int, str] | None = None
    for key, entry in table.get("gpu", {}).items():
        if any(_words(x) in words for x in entry.get("exclude", [])):
            continue
        for pattern in entry["match"]:
            if _words(pattern) in words and (best is None or len(pattern) > best[0]):
                best = (len(pattern), key)
    if best is None:
        return None, f"no peak figures for {name!r} in {PEAKS_PATH.name}"
    return _gpu_peak(best[1], table["gpu"][best[1]]), ""


def cpu_peak(cpu: CpuInfo, cores: int, table: dict | None = None) -> tuple[Peak | None, str]:
    """An estimated peak for a CPU (bench.devices.CpuInfo) at its maximum clock where known,
    or None and the reason."""
    table = table if table is not None else load_table()
    for key, entry in table.get("cpu", {}).items():
        if cpu.vendor != entry["vendor"] or cpu.family != entry["family"]:
            continue
        if not any(lo <= cpu.model <= hi for lo, hi in entry["models"]):
            continue
        mhz, clock_source = cpu.clock
        if mhz <= 0:
            return None, f"{key}: the clock is not reported, so no peak can be estimated"
        ghz = mhz / 1000.0
        per_cycle = dict(entry["flop_per_cycle_per_core"])
        flops = {k: cores * ghz * v / 1000.0 for k, v in per_cycle.items()}
        note = (
            f"estimate: {cores} cores x {ghz:.3f} GHz ({clock_source}) x FLOP per cycle per "
            f"core {per_cycle}"
        )
        if not cpu.max_mhz:
            note += "; a boost clock above it would make this peak too low (MFU over 1)"
        peak = Peak(key, flops, None, "estimate", entry["source"], str(entry["date"]), note=note)
        return peak, ""
    return None, (
        f"no peak estimate for CPU {cpu.model_name or cpu.vendor!r} "
        f"(family {cpu.family}, model {cpu.model}) in {PEAKS_PATH.name}"
    )


def peak_for(device) -> tuple[Peak | None, str]:
    """The peak of a bench.devices.Device, or None and the reason it is unknown."""
    if device.kind == "cuda":
        return gpu_peak(device.name)
    if device.kind == "cpu":
        info = cpu_info()
        if info is None:
            return None, "/proc/cpuinfo is not readable, so no CPU peak can be estimated"
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return cpu_peak(info, cores or 0)
    return None, f"no peak figures for a {device.kind!r} device"

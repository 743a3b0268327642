"""Peak compute and memory bandwidth of a device, from bench/data/peaks.toml, with their source.

A GPU is found by its name; a CPU gets an estimate (cores x clock x FLOP per cycle) only when
its microarchitecture is in the file. Anything else has no peak, and says why.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

PEAKS_PATH = Path(__file__).resolve().parent.parent / "data" / "peaks.toml"


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


def parse_cpuinfo(text: str) -> dict:
    """Vendor, family, model, clock (MHz) and model name of the first processor in /proc/cpuinfo."""
    info: dict = {}
    for line in text.splitlines():
        if not line.strip():
            if info:
                break
            continue
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    return {
        "vendor": info.get("vendor_id", ""),
        "family": int(info.get("cpu family", "-1")),
        "model": int(info.get("model", "-1")),
        "mhz": float(info.get("cpu MHz", "0") or 0),
        "model_name": info.get("model name", ""),
    }


def cpu_peak(cpuinfo: dict, cores: int, table: dict | None = None) -> tuple[Peak | None, str]:
    """An estimated peak for a CPU described by parse_cpuinfo(), or None and the reason."""
    table = table if table is not None else load_table()
    for key, entry in table.get("cpu", {}).items():
        if cpuinfo["vendor"] != entry["vendor"] or cpuinfo["family"] != entry["family"]:
            continue
        if not any(lo <= cpuinfo["model"] <= hi for lo, hi in entry["models"]):
            continue
        if cpuinfo["mhz"] <= 0:
            return None, f"{key}: the clock is not reported, so no peak can be estimated"
        ghz = cpuinfo["mhz"] / 1000.0
        flops = {k: cores * ghz * v / 1000.0 for k, v in entry["flop_per_cycle_per_core"].items()}
        note = (
            f"estimate: {cores} cores x {ghz:.3f} GHz (reported clock; boost clocks would lower "
            f"MFU) x FLOP per cycle per core {dict(entry['flop_per_cycle_per_core'])}"
        )
        peak = Peak(key, flops, None, "estimate", entry["source"], str(entry["date"]), note=note)
        return peak, ""
    return None, (
        f"no peak estimate for CPU {cpuinfo['model_name'] or cpuinfo['vendor']!r} "
        f"(family {cpuinfo['family']}, model {cpuinfo['model']}) in {PEAKS_PATH.name}"
    )


def _this_cpu() -> tuple[dict | None, int]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None, 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return parse_cpuinfo(text), cores or 0


def peak_for(device) -> tuple[Peak | None, str]:
    """The peak of a bench.devices.Device, or None and the reason it is unknown."""
    if device.kind == "cuda":
        return gpu_peak(device.name)
    if device.kind == "cpu":
        info, cores = _this_cpu()
        if info is None:
            return None, "/proc/cpuinfo is not readable, so no CPU peak can be estimated"
        return cpu_peak(info, cores)
    return None, f"no peak figures for a {device.kind!r} device"

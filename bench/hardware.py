"""The one hardware catalog (bench/data/hardware.toml) and the one name matcher.

A card row holds its datasheet peaks (TFLOP/s per dtype), memory bandwidth, board power, memory,
platform, purchase price and GPU-hour price; a platform holds the host around a GPU (watts and
capex per GPU), so wall power and capex share one boundary. A GPU is found by its name
(`find_card`); a CPU gets an estimated peak (cores x maximum clock x FLOP per cycle) only when
its microarchitecture is in the file, labelled an estimate; anything else has no peak, and says
why. (`parse_cpuinfo` is bench.devices', re-exported.)
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench.devices import CpuInfo, cpu_info, parse_cpuinfo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

__all__ = [
    "Card",
    "Peak",
    "Platform",
    "cpu_peak",
    "find_card",
    "find_card_by_name",
    "gpu_peak",
    "load_cards",
    "load_platforms",
    "load_table",
    "match_name",
    "parse_cpuinfo",
    "peak_for",
]

HARDWARE_PATH = Path(__file__).resolve().parent / "data" / "hardware.toml"
PLATFORMS = ("sxm-server", "pcie-server", "workstation")


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


@dataclass(frozen=True)
class Platform:
    """The host around a GPU: watts drawn per GPU and the host's capex share per GPU."""

    name: str
    description: str
    host_overhead_w: object  # bench.econ.figures.Figure
    host_capex_usd: object  # bench.econ.figures.Figure

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "host_overhead_w": self.host_overhead_w.to_dict(),
            "host_capex_usd": self.host_capex_usd.to_dict(),
        }


@dataclass(frozen=True)
class Card:
    """One card's datasheet figures, platform and, where known, its prices; never measured."""

    name: str
    match: tuple[str, ...]
    platform: str
    board_power_w: float
    memory_gb: float
    peak: Peak
    date: str
    source: str
    exclude: tuple[str, ...] = ()
    price_usd: object = None  # Figure | None
    gpu_hour_usd: object = None  # Figure | None
    url: str = ""

    @property
    def bf16_dense_tflops(self) -> float:
        """Dense bf16 tensor TFLOP/s (datasheet)."""
        return self.peak.tflop_s["bf16"]

    @property
    def memory_bandwidth_tbs(self) -> float:
        """Memory bandwidth in TB/s (datasheet)."""
        return self.peak.bandwidth_tb_s

    def to_dict(self) -> dict:
        """Plain data, labelled as catalog figures."""
        return {
            "name": self.name,
            "source_kind": "catalog",
            "platform": self.platform,
            "board_power_w": self.board_power_w,
            "memory_gb": self.memory_gb,
            "tflop_s": dict(self.peak.tflop_s),
            "bf16_dense_tflops": self.bf16_dense_tflops,
            "memory_bandwidth_tbs": self.memory_bandwidth_tbs,
            "date": self.date,
            "source": self.source,
            "url": self.url or None,
            "price_usd": self.price_usd.to_dict() if self.price_usd else None,
            "gpu_hour_usd": self.gpu_hour_usd.to_dict() if self.gpu_hour_usd else None,
        }


@cache
def load_table(path: Path = HARDWARE_PATH) -> dict:
    """The parsed hardware file."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _figure(item: dict | None):
    """A bench.econ Figure from a {value, date, source, kind} table (None stays None)."""
    from bench.econ.figures import Figure  # here: bench.econ imports this module

    return (
        Figure(float(item["value"]), str(item["date"]), item["source"], item["kind"])
        if item
        else None
    )


def _card(row: dict) -> Card:
    sheet = row["datasheet"]
    measured = row.get("measured")
    peak_of = (
        Peak(row["name"], dict(measured["tflop_s"]), measured.get("bandwidth_tb_s"),
             "estimate" if measured.get("kind") == "E" else "measured",
             measured["source"], str(measured["date"]))
        if measured else None
    )  # fmt: skip
    peak = Peak(
        device=row["name"],
        tflop_s={k: float(v) for k, v in row["tflop_s"].items()},
        bandwidth_tb_s=float(row["bandwidth_tb_s"]),
        kind="datasheet",
        source=sheet["source"],
        date=str(sheet["date"]),
        measured=peak_of,
    )
    return Card(
        name=row["name"],
        match=tuple(row["match"]),
        exclude=tuple(row.get("exclude", ())),
        platform=row["platform"],
        board_power_w=float(row["board_power_w"]),
        memory_gb=float(row["memory_gb"]),
        peak=peak,
        date=str(sheet["date"]),
        source=sheet["source"],
        url=sheet.get("url", ""),
        price_usd=_figure(row.get("price_usd")),
        gpu_hour_usd=_figure(row.get("gpu_hour_usd")),
    )


@cache
def load_cards() -> tuple[Card, ...]:
    """Every card of the catalog."""
    return tuple(_card(row) for row in load_table()["card"])


@cache
def load_platforms() -> dict[str, Platform]:
    """The platforms (sxm-server, pcie-server, workstation) by name."""
    return {
        name: Platform(name, p["description"], _figure(p["host_overhead_w"]),
                       _figure(p["host_capex_usd"]))
        for name, p in load_table()["platform"].items()
    }  # fmt: skip


def _words(name: str) -> list[str]:
    """The words of a name: upper case, split at anything other than letters and digits."""
    return re.sub(r"[^A-Z0-9]+", " ", name.upper()).split()


def _score(words: set[str], pattern: str) -> int:
    """Letters in the pattern when all its words are words of the name, else 0."""
    pat = _words(pattern)
    return sum(len(w) for w in pat) if pat and all(w in words for w in pat) else 0


def match_name(
    device_name: str,
    patterns: Mapping[str, Iterable[str]],
    excludes: Mapping[str, Iterable[str]] | None = None,
) -> str | None:
    """The key whose best pattern matches the device name most specifically, or None.

    A key whose exclude words occur in the name is ruled out. The one name matcher: cards,
    peaks and the GPU-hour prices of a scenario all go through it.
    """
    words = set(_words(device_name))
    best, best_score = None, 0
    for key, pats in patterns.items():
        if any(w in words for x in (excludes or {}).get(key, ()) for w in _words(x)):
            continue
        score = max((_score(words, p) for p in pats), default=0)
        if score > best_score:
            best, best_score = key, score
    return best


def find_card(device_name: str, cards: Iterable[Card] | None = None) -> Card | None:
    """The catalog card a device name refers to ("NVIDIA H200" -> H200 SXM), or None."""
    cards = tuple(load_cards() if cards is None else cards)
    key = match_name(
        device_name, {c.name: c.match for c in cards}, {c.name: c.exclude for c in cards}
    )
    return next((c for c in cards if c.name == key), None)


def find_card_by_name(name: str) -> Card | None:
    """A catalog card by its exact name (case-insensitive) or, failing that, by matching."""
    cards = load_cards()
    exact = next((c for c in cards if c.name.lower() == name.lower()), None)
    return exact or find_card(name, cards)


def close_card_names(name: str, most: int = 4) -> list[str]:
    """Catalog names a mistyped or partial card name may mean: those containing every word of
    it ("H100" -> H100 SXM, H100 PCIe, H100 NVL), else the closest spellings."""
    import difflib

    names = [c.name for c in load_cards()]
    words = name.lower().split()
    containing = [n for n in names if words and all(w in n.lower() for w in words)]
    if containing:
        return containing[:most]
    lowered = {n.lower(): n for n in names}
    return [lowered[n] for n in difflib.get_close_matches(name.lower(), lowered, n=most)]


def gpu_peak(name: str) -> tuple[Peak | None, str]:
    """The peak of a GPU named `name` (e.g. "NVIDIA H200"), or None and the reason."""
    card = find_card(name)
    if card is None:
        return None, f"no peak figures for {name!r} in {HARDWARE_PATH.name}"
    return card.peak, ""


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
        f"(family {cpu.family}, model {cpu.model}) in {HARDWARE_PATH.name}"
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

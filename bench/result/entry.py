"""One `workloads` item of a result, read back: what was measured, on which device, its price.

`Entry` = a read-back `Measurement` (the measured part, as bench.measure wrote it) + the
`DeviceRef` it ran on + its `Economics` + the ASIC references it was compared with. Statistics
are read through one accessor: `entry.stat("units_per_s")` is a `StoredStat` (the STAT shape of
docs/interfaces.md) or a bench.stats `Unmeasured` with its reason; `entry.median(key)` and
`entry.spread_pct(key)` are None where the figure is unmeasured. Every record keeps the data it
was read from, so `to_dict()` gives back exactly what was read (unknown keys included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from bench.measure.records import Idle, Warmup
from bench.result.check import EMPTY, Node, freeze, thaw
from bench.stats import Unmeasured
from bench.telemetry.meter import UNMEASURED, PowerTrace

STAT_KEYS = ("units_per_s", "power_w", "j_per_unit", "above_idle_j_per_unit")
_PRICED_KEYS = ("device", "economics", "asic_references")  # an Entry's, not its Measurement's
ENERGY_SOURCES = ("nvml-counter", "nvml-sampled", "rapl", UNMEASURED)


@dataclass(frozen=True)
class StoredStat:
    """A STAT as written: the statistics of one quantity over the windows (no samples kept)."""

    unit: str
    n: int
    median: float
    q1: float
    q3: float
    min: float
    max: float
    mean: float
    rel_spread: float | None  # (max - min) / median; None for one window
    ci95_low: float | None = None
    ci95_high: float | None = None

    @property
    def spread_pct(self) -> float | None:
        """rel_spread in percent; None for one window."""
        return None if self.rel_spread is None else 100.0 * self.rel_spread

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def read(cls, node: Node) -> StoredStat | Unmeasured:
        reason = node.unmeasured()
        if reason is not None:
            return Unmeasured(reason)
        num = {k: node.at(k).number() for k in ("median", "q1", "q3", "min", "max", "mean")}
        stat = cls(
            unit=node.at("unit").text(),
            n=node.at("n").integer(minimum=1),
            rel_spread=node.at("rel_spread").number(minimum=0, optional=True),
            ci95_low=node.get("ci95_low").number(optional=True),
            ci95_high=node.get("ci95_high").number(optional=True),
            **num,
        )
        if not stat.min <= stat.median <= stat.max:
            node.fail(f"median {stat.median:g} outside [min {stat.min:g}, max {stat.max:g}]")
        return stat


@dataclass(frozen=True)
class WindowRecord:
    """One measured window as written (bench.measure.records.Window.to_dict())."""

    elapsed_s: float
    units: float
    units_per_s: float
    energy_j: float | None
    above_idle_energy_j: float | None
    energy_source: str
    power_avg_w: float | None
    throttled: bool | None  # None: not observable on that device (a CPU), not "no"
    t_begin_s: float | None  # seconds after the measurement's origin; None in older files
    t_end_s: float | None
    data: Mapping[str, Any] = field(default_factory=lambda: EMPTY, repr=False)

    def to_dict(self) -> dict:
        return thaw(self.data)

    @classmethod
    def read(cls, node: Node) -> WindowRecord:
        elapsed = node.at("elapsed_s").number(minimum=0)
        if elapsed <= 0:
            node.at("elapsed_s").fail("a window lasts more than 0 s")
        units = node.at("units").number(minimum=0)
        rate = node.get("units_per_s").number(minimum=0, optional=True)
        return cls(
            elapsed_s=elapsed,
            units=units,
            units_per_s=units / elapsed if rate is None else rate,
            energy_j=node.at("energy_j").number(minimum=0, optional=True),
            above_idle_energy_j=node.get("above_idle_energy_j").number(optional=True),
            energy_source=node.get("energy_source").text(optional=True) or UNMEASURED,
            power_avg_w=node.get("power_avg_w").number(minimum=0, optional=True),
            throttled=node.get("throttled").flag(optional=True),
            t_begin_s=node.get("t_begin_s").number(optional=True),
            t_end_s=node.get("t_end_s").number(optional=True),
            data=freeze(node.obj()),
        )


def _read_idle(node: Node) -> Idle:
    when = node.get("measured").text(optional=True)
    reason = node.unmeasured()
    if reason is not None:
        return Idle(reason=reason, measured=when)
    return Idle(
        power_w=node.at("power_w").number(minimum=0),
        source=node.get("source").text(optional=True) or UNMEASURED,
        measured=when,
        settled=node.get("settled").flag(optional=True),
        seconds=node.get("seconds").number(minimum=0, optional=True),
        span_s=node.get("span_s").number(minimum=0, optional=True),
    )


def _read_warmup(node: Node) -> Warmup:
    rates = node.get("rates_per_s")
    return Warmup(
        seconds=node.at("seconds").number(minimum=0),
        units=node.at("units").number(minimum=0),
        settled=bool(node.at("settled").flag()),
        rates_per_s=() if rates.value is None else rates.numbers(),
    )


def _read_trace(node: Node) -> PowerTrace | Unmeasured:
    reason = node.unmeasured()
    if reason is not None:
        return Unmeasured(reason, "W")
    t_s, power_w = node.at("t_s").numbers(), node.at("power_w").numbers()
    if len(t_s) != len(power_w):
        node.fail(f"t_s has {len(t_s)} samples but power_w has {len(power_w)}")
    if any(p < 0 for p in power_w):
        node.at("power_w").fail("a negative power sample")
    return PowerTrace(t_s, power_w, node.get("source").text(optional=True) or UNMEASURED)


@dataclass(frozen=True)
class Measurement:
    """The measured part of an entry, read back (bench.measure.records.Measurement.to_dict())."""

    workload: Mapping[str, Any]  # the workload's describe(): name, unit, family, parameters
    unit: str
    verified: bool
    warmup: Warmup | None  # None in files that did not record it
    idle: Idle
    windows: tuple[WindowRecord, ...]
    summary: Mapping[str, StoredStat | Unmeasured]
    energy_source: str
    energy_note: str
    power_trace: PowerTrace | Unmeasured
    roofline: Mapping[str, Any]
    stopped_by: str
    warnings: tuple[str, ...]
    data: Mapping[str, Any] = field(default_factory=lambda: EMPTY, repr=False)

    @property
    def name(self) -> str:
        return str(self.workload.get("name", "?"))

    @property
    def family(self) -> str:
        """ "mining" or "ai" (from the workload, else from the unit)."""
        fam = self.workload.get("family")
        return str(fam) if fam else ("mining" if self.unit == "hash" else "ai")

    @property
    def energy_reason(self) -> str:
        """Why the energy figures are missing, in words (without "energy unmeasured: ")."""
        reason = self.energy_note if self.energy_source == UNMEASURED else ""
        for key in ("power_w", "j_per_unit"):
            stat = self.stat(key)
            reason = reason or (stat.reason if isinstance(stat, Unmeasured) else "")
        return (reason or "energy source unmeasured").removeprefix("energy unmeasured: ")

    def stat(self, key: str) -> StoredStat | Unmeasured:
        """A summary statistic; a key the summary lacks reads as Unmeasured."""
        return self.summary.get(key) or Unmeasured(f"no {key} in the result")

    def median(self, key: str) -> float | None:
        stat = self.stat(key)
        return stat.median if isinstance(stat, StoredStat) else None

    def spread_pct(self, key: str) -> float | None:
        stat = self.stat(key)
        return stat.spread_pct if isinstance(stat, StoredStat) else None

    def to_dict(self) -> dict:
        return thaw(self.data)

    @classmethod
    def read(cls, node: Node) -> Measurement:
        summary = node.at("summary")
        stats = {k: StoredStat.read(summary.at(k)) for k in summary.obj()}
        for key in ("units_per_s", "power_w", "j_per_unit"):  # above-idle may be negative
            stat = StoredStat.read(summary.at(key))
            if isinstance(stat, StoredStat) and stat.min < 0:
                summary.at(key).at("min").fail(f"{key} cannot be negative ({stat.min:g})")
        source = node.at("energy_source").text()
        if source not in ENERGY_SOURCES:
            node.at("energy_source").fail(f"unknown energy source {source!r}")
        warmup = node.get("warmup")
        return cls(
            workload=freeze(node.at("workload").obj()),
            unit=node.at("unit").text(nonempty=True),
            verified=bool(node.at("verified").flag()),
            warmup=None if warmup.value is None else _read_warmup(warmup),
            idle=_read_idle(node.at("idle")),
            windows=tuple(WindowRecord.read(w) for w in node.at("windows").items()),
            summary=MappingProxyType(stats),
            energy_source=source,
            energy_note=node.get("energy_note").text(optional=True),
            power_trace=_read_trace(node.at("power_trace")),
            roofline=freeze(node.get("roofline").value or {}),
            stopped_by=node.get("stopped_by").text(optional=True),
            warnings=node.get("warnings").texts(optional=True),
            data=freeze({k: v for k, v in node.obj().items() if k not in _PRICED_KEYS}),
        )


@dataclass(frozen=True)
class DeviceRef:
    """The device an entry ran on: "cpu" or "cuda:N", its kind and name."""

    id: str
    kind: str
    name: str
    data: Mapping[str, Any] = field(default_factory=lambda: EMPTY, repr=False)

    def to_dict(self) -> dict:
        return thaw(self.data)

    @classmethod
    def read(cls, node: Node) -> DeviceRef:
        kind = node.at("kind").text()
        if kind not in ("cpu", "cuda"):
            node.at("kind").fail(f"unknown device kind {kind!r}")
        return cls(
            node.at("id").text(nonempty=True), kind, node.at("name").text(), freeze(node.obj())
        )


@dataclass(frozen=True)
class Economics:
    """An entry's price: revenue figures on a basis, or why there are none."""

    data: Mapping[str, Any] = field(default_factory=lambda: EMPTY)

    @property
    def unmeasured(self) -> str | None:
        """Why nothing was priced because a figure was unmeasured, else None."""
        value = self.data.get("unmeasured")
        return str(value) if value is not None else None

    @property
    def basis(self) -> str:
        """mining, per-token, gpu-hour, unpriced, or "unmeasured"."""
        if self.unmeasured is not None or not self.data:
            return UNMEASURED
        return str(self.data.get("basis") or self.data.get("price_basis") or "?")

    @property
    def unpriced(self) -> str | None:
        """The reason when no market prices this work, else None."""
        if self.basis != "unpriced":
            return None
        return str(self.data.get("reason") or self.data.get("unpriced") or "no price basis")

    def value(self, key: str) -> float | None:
        """A figure (usd_per_j, net_usd_per_day, ...), or None when unmeasured or absent."""
        v = self.data.get(key)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and self.unmeasured is None
        return float(v) if ok else None

    def to_dict(self) -> dict:
        return thaw(self.data)

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Economics:
        return cls(freeze(doc))


@dataclass(frozen=True)
class Entry:
    """One workload on one device: its measurement, device, economics and ASIC references."""

    measurement: Measurement
    device: DeviceRef
    economics: Economics
    asic_references: tuple[Mapping[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return self.measurement.name

    @property
    def unit(self) -> str:
        return self.measurement.unit

    @property
    def family(self) -> str:
        return self.measurement.family

    @property
    def workload(self) -> Mapping[str, Any]:
        return self.measurement.workload

    def stat(self, key: str) -> StoredStat | Unmeasured:
        return self.measurement.stat(key)

    def median(self, key: str) -> float | None:
        return self.measurement.median(key)

    def spread_pct(self, key: str) -> float | None:
        return self.measurement.spread_pct(key)

    def priced(self, economics: Mapping[str, Any], asic_references: list) -> Entry:
        """This entry with another price; the measurement is untouched."""
        return replace(
            self, economics=Economics.of(economics), asic_references=freeze(asic_references)
        )

    def to_dict(self) -> dict:
        return {
            **self.measurement.to_dict(),
            "device": self.device.to_dict(),
            "economics": self.economics.to_dict(),
            "asic_references": thaw(self.asic_references),
        }

    @classmethod
    def read(cls, node: Node) -> Entry:
        return cls(
            measurement=Measurement.read(node),
            device=DeviceRef.read(node.at("device")),
            economics=Economics(freeze(node.at("economics").obj())),
            asic_references=tuple(freeze(r.obj()) for r in node.at("asic_references").items()),
        )

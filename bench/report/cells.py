"""What a report cell says about an entry: numbers with SI prefixes and units, labels, reasons.

Reads the typed `Entry` (bench.result) only; unmeasured values read "unmeasured" or "n/a",
never 0. Nothing here prices: revenue figures are what the entry's economics holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from bench.econ.ai import pivot_ratio
from bench.result.model import Result
from bench.stats import Unmeasured

UNMEASURED = "unmeasured"
_SI = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
_UNIT_SHORT = {"hash": "H", "token": "tok", "image": "img", "sequence": "seq", "flop": "FLOP"}

BASIS_LEGEND = (
    "basis: how revenue is priced. mining = BTC from the hashes, at the scenario's mining "
    "uptime; per-token = tokens at the model class's API price (prefill at the input-token "
    "price), for the scenario's AI sold fraction of the time; gpu-hour = the card rented by the "
    "hour for that sold fraction (revenue ignores throughput: every workload on that card earns "
    "the same per hour); unpriced = no market price (reason in the notes)."
)


def as_result(result: Any) -> Result:
    """A Result as given; a parsed document (older callers) is read once with Result.from_dict."""
    return result if isinstance(result, Result) else Result.from_dict(result)


def run_label(result: Result) -> str:
    """The host and start time of a run: "vm 2026-11-29T02:28:22Z"."""
    return f"{host(result)} {result.environment.get('started_utc', '')}".strip()


def host(result: Result) -> str:
    """The host name a result was measured on."""
    return str(result.environment.get("hostname", "?"))


def scenario_date(result: Result) -> str:
    """The date of the scenario a result was priced under; "undated" when it has none."""
    return str(result.scenario.get("date") or "undated")


def asic_footing(ref: Mapping[str, Any]) -> str:
    """The power footing of an ASIC reference: its nameplate is wall power unless it says."""
    return str(ref.get("footing") or "wall")


def si(value: float | None, digits: int = 3) -> str:
    """A number with an SI prefix and `digits` significant figures: 7.30 G."""
    if value is None or not math.isfinite(value):
        return "n/a"
    for scale, prefix in _SI:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {prefix}"
    return f"{value:.{digits}g} "


def unit_short(unit: str) -> str:
    """The short form of a work unit: H, tok, img, seq, FLOP."""
    return _UNIT_SHORT.get(unit, unit)


def rate_text(value: float | None, unit: str) -> str:
    """A throughput with its unit: 7.3 GH/s, 2.4 ktok/s."""
    text = si(value)
    return f"{text}{unit_short(unit)}/s" if value is not None else text


def spread_text(stat: Any) -> str:
    """The relative range of a stat, (max - min) / median: "range 4.0%"; empty when unmeasured."""
    return "" if isinstance(stat, Unmeasured) else range_text(stat.n, stat.rel_spread)


def range_text(n: int, rel_spread: float | None) -> str:
    """ "range 4.0%" for a relative range; "range n/a (1 window)" where there is none."""
    if rel_spread is None:
        return f"range n/a ({n} window{'' if n == 1 else 's'})"
    return f"range {100 * rel_spread:.1f}%"


def number(value: float | None, digits: int = 3) -> str:
    """A plain number with `digits` significant figures; "n/a" for None."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def joules_text(j_per_unit: float | None, unit: str) -> str:
    """Energy per unit of work as the field states it: J/TH for hashes (the ASIC rows' unit,
    so a GPU's 8.9e-08 J/hash reads 89,000 J/TH beside an ASIC's 21.5 J/TH), else J/unit."""
    if unit == "hash":
        return f"{number(None if j_per_unit is None else j_per_unit * 1e12)} J/TH"
    return f"{number(j_per_unit)} J/{unit}"


def device_label(entry: Any) -> str:
    """An entry's device id; in a fleet with its node and rank, "cuda:0 [node1 rank 3]", so
    the ranks' cuda:0 are told apart."""
    extra = entry.device.data.get("extra")
    fleet = extra.get("fleet_label") if isinstance(extra, Mapping) else None
    return f"{entry.device.id} [{fleet}]" if fleet else entry.device.id


def workload_label(entry: Any) -> str:
    """workload name @ device, e.g. "sha256d @ cuda:0" (with node and rank in a fleet)."""
    return f"{entry.name} @ {device_label(entry)}"


def energy_missing(entry: Any) -> bool:
    """True when an entry's power or energy per unit is unmeasured."""
    return entry.median("power_w") is None or entry.median("j_per_unit") is None


def energy_reason(entry: Any) -> str:
    """Why an entry's energy figures are missing, in words (without an "unmeasured" prefix)."""
    m = entry.measurement
    reason = m.energy_note if m.energy_source == UNMEASURED else ""
    for key in ("power_w", "j_per_unit"):
        stat = entry.stat(key)
        reason = reason or (stat.reason if isinstance(stat, Unmeasured) else "")
    reason = reason or "energy source unmeasured"
    return reason.removeprefix("energy unmeasured: ")


def econ_missing(entry: Any) -> str | None:
    """ "unmeasured" or "unpriced (reason)" when an entry has no revenue figures, else None."""
    econ = entry.economics
    if econ.basis == UNMEASURED:
        return UNMEASURED
    if econ.unpriced is not None:
        return f"unpriced ({econ.unpriced})"
    return None


def usd_per_kwh(entry: Any) -> tuple[float | None, str]:
    """(USD per kWh, footing) of an entry: the wall figure where there is one, as ASICs are.

    CPU package power (footing "package") has no host overhead, so its own figure is shown.
    """
    econ = entry.economics
    footing = str(econ.data.get("footing") or "board")
    if footing == "package" and econ.value("usd_per_kwh") is not None:
        return econ.value("usd_per_kwh"), "package"
    if econ.value("usd_per_kwh_wall") is not None:
        return econ.value("usd_per_kwh_wall"), "wall"
    if econ.value("usd_per_kwh") is not None:
        return econ.value("usd_per_kwh"), footing
    return None, ""


def pivot_ratios(entries: Sequence[Any]) -> list[float | None]:
    """Per AI entry: bench.econ's pivot ratio against the mining entry on the same device."""
    mining: dict[str, Any] = {}
    for entry in entries:
        if entry.family == "mining" and entry.economics.value("usd_per_j"):
            mining.setdefault(entry.device.id, entry.economics)
    out: list[float | None] = []
    for entry in entries:
        base = mining.get(entry.device.id)
        ok = entry.family == "ai" and base and entry.economics.value("usd_per_j") is not None
        out.append(pivot_ratio(entry.economics.to_dict(), base.to_dict()) if ok else None)
    return out


def distinct_asics(entries: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The ASIC reference rows the entries were compared with, once each by name."""
    seen: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        for ref in entry.asic_references:
            seen.setdefault(str(ref["name"]), ref)
    return list(seen.values())


def scenario_items(scenario: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(name, value, date, kind, source) for every dated figure of a scenario."""
    rows = []
    for key, item in scenario.items():
        if isinstance(item, Mapping) and "value" in item:
            value = item["value"]
            shown = number(value, 6) if isinstance(value, (int, float)) else str(value)
            rows.append(
                (
                    key,
                    shown,
                    str(item.get("date", "")),
                    str(item.get("kind", "")),
                    str(item.get("source", "")),
                )
            )
        elif isinstance(item, Mapping):  # figures, or a price table (by model class or by card)
            prefix = "" if key == "figures" else f"{key}."
            rows += [(f"{prefix}{k}", *rest) for k, *rest in scenario_items(item)]
    return rows

"""Read figures out of result entries and format them; unmeasured values stay unmeasured."""

from __future__ import annotations

import math
from typing import Any

from bench.econ.ai import pivot_ratio

UNMEASURED = "unmeasured"
_SI = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
_UNIT_SHORT = {"hash": "H", "token": "tok", "image": "img", "sequence": "seq", "flop": "FLOP"}


def stat_median(stat: Any) -> float | None:
    """The median of a STAT dict, or None when unmeasured or absent."""
    if not isinstance(stat, dict) or "unmeasured" in stat:
        return None
    value = stat.get("median")
    return float(value) if isinstance(value, (int, float)) else None


def unmeasured_reason(obj: Any) -> str | None:
    """The reason string of an {"unmeasured": reason} dict, else None."""
    if isinstance(obj, dict) and "unmeasured" in obj:
        return str(obj["unmeasured"]) or "no reason given"
    return None


def summary_stat(entry: dict, key: str) -> dict:
    """A summary STAT of an entry; a missing one reads as unmeasured."""
    return entry.get("summary", {}).get(key) or {"unmeasured": f"no {key} in the result"}


def econ_value(entry: dict, key: str) -> float | None:
    """An economics figure of an entry, or None when unmeasured or unpriced."""
    econ = entry.get("economics") or {}
    value = econ.get(key)
    return float(value) if isinstance(value, (int, float)) and "unmeasured" not in econ else None


def econ_missing(entry: dict) -> str | None:
    """ "unmeasured" or "unpriced (reason)" when an entry has no revenue figures, else None."""
    econ = entry.get("economics") or {"unmeasured": "no economics in the result"}
    if "unmeasured" in econ:
        return UNMEASURED
    if econ.get("basis") == "unpriced":
        return f"unpriced ({econ.get('reason', 'no price basis')})"
    return None


BASIS_LEGEND = (
    "basis: how revenue is priced. mining = BTC from the hashes; per-token = tokens sold at the "
    "model class's API price; gpu-hour = the card rented by the hour at the scenario's "
    "utilisation (revenue ignores throughput: every workload on that card earns the same per "
    "hour); unpriced = no market price (reason in the notes)."
)


def basis(entry: dict) -> str:
    """How an entry's revenue was priced: mining, per-token, gpu-hour, unpriced or unmeasured."""
    econ = entry.get("economics") or {"unmeasured": "no economics in the result"}
    if "unmeasured" in econ:
        return UNMEASURED
    return str(econ.get("basis") or econ.get("price_basis") or "?")


def energy_reason(entry: dict) -> str:
    """Why an entry's energy figures are missing, in words (without an "unmeasured" prefix)."""
    reason = entry.get("energy_note") if entry.get("energy_source") == UNMEASURED else None
    for obj in (summary_stat(entry, "power_w"), summary_stat(entry, "j_per_unit")):
        reason = reason or unmeasured_reason(obj)
    reason = reason or "energy source unmeasured"
    return reason.removeprefix("energy unmeasured: ")


def si(value: float | None, digits: int = 3) -> str:
    """A number with an SI prefix and `digits` significant figures: 7.30 G."""
    if value is None or not math.isfinite(value):
        return "n/a"
    for scale, prefix in _SI:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {prefix}"
    return f"{value:.{digits}g} "


def rate_text(value: float | None, unit: str) -> str:
    """A throughput with its unit: 7.3 GH/s, 2.4 ktok/s."""
    text = si(value)
    return f"{text}{_UNIT_SHORT.get(unit, unit)}/s" if value is not None else text


def spread_text(stat: Any) -> str:
    """The relative range of a STAT, (max - min) / median: "range 4.0%"; empty when unmeasured.

    With one window (or no spread recorded) there is no range: "range n/a (1 window)".
    """
    if not isinstance(stat, dict) or "unmeasured" in stat:
        return ""
    n, spread = stat.get("n"), stat.get("rel_spread")
    if n == 1 or not isinstance(spread, (int, float)):
        return f"range n/a ({n} window{'' if n == 1 else 's'})" if n else "range n/a"
    return f"range {100 * float(spread):.1f}%"


def number(value: float | None, digits: int = 3) -> str:
    """A plain number with `digits` significant figures; "n/a" for None."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def workload_label(entry: dict) -> str:
    """workload name @ device id, e.g. "sha256d @ cuda:0"."""
    name = entry.get("workload", {}).get("name", "?")
    return f"{name} @ {entry.get('device', {}).get('id', '?')}"


def family(entry: dict) -> str:
    """ "mining" or "ai": which side of the comparison an entry prices."""
    wl = entry.get("workload", {})
    if "family" in wl:
        return str(wl["family"])
    return "mining" if entry.get("unit") == "hash" else "ai"


def pivot_ratios(entries: list[dict]) -> list[float | None]:
    """Per AI entry: bench.econ's pivot ratio against the mining entry on the same device."""
    mining: dict[str, dict] = {}
    for entry in entries:
        if family(entry) == "mining" and econ_value(entry, "usd_per_j"):
            mining.setdefault(entry.get("device", {}).get("id", "?"), entry["economics"])
    out: list[float | None] = []
    for entry in entries:
        base = mining.get(entry.get("device", {}).get("id", "?"))
        ok = family(entry) == "ai" and base and econ_value(entry, "usd_per_j") is not None
        out.append(pivot_ratio(entry["economics"], base) if ok else None)
    return out


def asic_references(doc: dict) -> list[dict]:
    """The ASIC reference rows of a result, once each by name."""
    seen: dict[str, dict] = {}
    for entry in doc.get("workloads", []):
        for ref in entry.get("asic_references") or []:
            seen.setdefault(ref.get("name", "?"), ref)
    return list(seen.values())


def scenario_value(scenario: dict, key: str) -> Any:
    """A scenario figure, from Scenario.to_dict()'s "figures" or stored at the top level."""
    item = scenario.get("figures", {}).get(key, scenario.get(key))
    return item.get("value") if isinstance(item, dict) else item


def revenue_per_kwh(entry_or_ref: dict) -> tuple[float | None, str]:
    """(USD per kWh, footing): the wall figure where there is one, so ASICs compare fairly."""
    econ = entry_or_ref.get("economics", entry_or_ref)
    if not isinstance(econ, dict) or "unmeasured" in econ:
        return None, ""
    if econ.get("footing") == "package" and isinstance(econ.get("usd_per_kwh"), (int, float)):
        return float(econ["usd_per_kwh"]), "package"  # CPU package power: no host overhead
    for key, footing in (("usd_per_kwh_wall", "wall"), ("usd_per_kwh", econ.get("footing"))):
        if isinstance(econ.get(key), (int, float)):
            return float(econ[key]), str(footing or "board")
    return None, ""


def scenario_items(scenario: dict) -> list[tuple[str, str, str, str]]:
    """(name, value, date, source) for every dated figure of a scenario dict."""
    rows = []
    for key, item in scenario.items():
        if isinstance(item, dict) and "value" in item:
            value = item["value"]
            shown = number(value, 6) if isinstance(value, (int, float)) else str(value)
            rows.append((key, shown, str(item.get("date", "")), str(item.get("source", ""))))
        elif isinstance(item, dict):  # figures, or a price table (by model class or by card)
            prefix = "" if key == "figures" else f"{key}."
            rows += [(f"{prefix}{k}", v, d, s) for k, v, d, s in scenario_items(item)]
    return rows

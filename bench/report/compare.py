"""Compare result files across cards and machines: a procurement table and SAME/FAST/SLOW.

Measured figures come from each result; prices come from the card catalog (bench.econ) and
are labelled as catalog figures; per-dollar figures are measured / catalog and say so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench import results
from bench.errors import InvalidInput
from bench.report import figures as fg
from bench.report.pricing import as_scenario, rerender
from bench.report.table import format_grid

# metric -> True when higher is better
METRICS = {
    "units_per_s": True,
    "power_w": False,
    "j_per_unit": False,
    "usd_per_kwh": True,
    "net_usd_per_day": True,
    "pivot": True,
    "units_per_s_per_usd": True,
    "net_usd_per_year_per_usd": True,
    "payback_months": False,
}
DAYS_PER_YEAR = 365.25


def _load(item: Any) -> tuple[str, dict]:
    """(label, document) of a path or an already loaded document."""
    if isinstance(item, (str, os.PathLike)):
        return Path(item).name, results.read_result(item)
    env = item.get("environment", {})
    return f"{env.get('hostname', '?')} {env.get('started_utc', '')}".strip(), item


def _unique_labels(docs: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Number the labels that repeat (two documents from the same host and start time)."""
    labels = [label for label, _ in docs]
    return [
        (f"{label} #{i + 1}" if labels.count(label) > 1 else label, doc)
        for i, (label, doc) in enumerate(docs)
    ]


def _catalog(device_name: str) -> dict | None:
    """The catalog card and price for a device name, labelled as catalog figures."""
    from bench.econ.catalog import find_card

    card = find_card(device_name) if device_name else None
    if card is None:
        return None
    price = card.price_usd.to_dict() if card.price_usd else None
    return {"card": card.name, "price_usd": price, "source": "catalog"}


def _per_usd(measured: dict, catalog: dict | None) -> dict:
    """Measured figures per catalog dollar; empty when the catalog has no price."""
    price = (catalog or {}).get("price_usd") or {}
    capex = price.get("value")
    if not capex or measured["units_per_s"] is None:
        return {}
    net = measured["net_usd_per_day"]
    payback = capex / (net * DAYS_PER_YEAR / 12) if net and net > 0 else None
    return {
        "units_per_s_per_usd": measured["units_per_s"] / capex,
        "net_usd_per_year_per_usd": net * DAYS_PER_YEAR / capex if net is not None else None,
        "payback_months": payback,
        "source": "measured / catalog price",
    }


def _row(label: str, doc: dict, entry: dict, pivot: float | None) -> dict:
    """One comparison row: measured, catalog and per-dollar figures kept apart."""
    rate = fg.summary_stat(entry, "units_per_s")
    device = entry.get("device", {})
    measured = {
        "units_per_s": fg.stat_median(rate),
        "rel_spread": rate.get("rel_spread"),
        "power_w": fg.stat_median(fg.summary_stat(entry, "power_w")),
        "j_per_unit": fg.stat_median(fg.summary_stat(entry, "j_per_unit")),
        "usd_per_kwh": fg.revenue_per_kwh(entry)[0],
        "footing": fg.revenue_per_kwh(entry)[1],
        "net_usd_per_day": fg.econ_value(entry, "net_usd_per_day"),
        "pivot": pivot,
        "source": "measured",
    }
    catalog = _catalog(device.get("name", ""))
    return {
        "result": label,
        "card": device.get("name") or device.get("id", "?"),
        "device": device.get("id", "?"),
        "host": doc.get("environment", {}).get("hostname", "?"),
        "workload": entry.get("workload", {}).get("name", "?"),
        "workload_key": json.dumps(entry.get("workload", {}), sort_keys=True),
        "unit": entry.get("unit", "unit"),
        "rate_stat": rate,
        "measured": measured,
        "catalog": catalog,
        "per_usd": _per_usd(measured, catalog),
    }


def metric(row: dict, name: str) -> float | None:
    """A row's value of a sortable metric, from its measured or per-dollar part."""
    value = row["measured"].get(name, row["per_usd"].get(name))
    return value if isinstance(value, (int, float)) else None


def sort_rows(rows: list[dict], sort_by: str) -> list[dict]:
    """Rows grouped by workload (first appearance), best first by the metric; None last."""
    if sort_by not in METRICS:
        raise InvalidInput(f"unknown sort metric {sort_by!r} (known: {', '.join(METRICS)})")
    order = {w: i for i, w in reversed(list(enumerate(r["workload"] for r in rows)))}
    sign = -1.0 if METRICS[sort_by] else 1.0

    def key(row: dict) -> tuple:
        value = metric(row, sort_by)
        return (order[row["workload"]], value is None, sign * value if value is not None else 0)

    return sorted(rows, key=key)


def verdict(ref: dict, other: dict) -> dict:
    """SAME when throughputs differ by less than the larger relative spread; else FAST or SLOW."""
    a, b = fg.stat_median(ref), fg.stat_median(other)
    if not a or b is None:
        return {"verdict": "UNMEASURED", "rel_diff": None, "noise": None}
    noise = max(ref.get("rel_spread") or 0.0, other.get("rel_spread") or 0.0)
    rel_diff = (b - a) / a
    word = "SAME" if abs(rel_diff) <= noise else ("FAST" if rel_diff > 0 else "SLOW")
    return {"verdict": word, "rel_diff": rel_diff, "noise": noise}


def verdicts(rows: list[dict]) -> list[dict]:
    """Each row against the first result's row of the same workload and parameters."""
    first: dict[str, dict] = {}
    out = []
    for row in rows:
        base = first.setdefault(row["workload_key"], row)
        if base is not row:
            v = verdict(base["rate_stat"], row["rate_stat"])
            names = {"baseline": f"{base['card']} ({base['result']})"}
            out.append({"workload": row["workload"], **names, "other": _who(row), **v})
            row["verdict"] = v["verdict"]
    return out


def _who(row: dict) -> str:
    return f"{row['card']} ({row['result']})"


def notices(docs: list[tuple[str, dict]], repriced_to: str | None) -> list[str]:
    """Warnings for results that differ in schema version or market scenario."""
    out = []
    versions = {label: d.get("upgraded_from", d.get("schema_version")) for label, d in docs}
    if len(set(versions.values())) > 1:
        listed = ", ".join(f"{k}: v{v}" for k, v in versions.items())
        out.append(f"results differ in schema version ({listed}); older ones were upgraded")
    if repriced_to:
        out.append(f"every result re-priced under scenario {repriced_to}")
        return out
    scenarios = {label: d.get("scenario", {}) for label, d in docs}
    if len({json.dumps(s, sort_keys=True) for s in scenarios.values()}) > 1:
        names = ", ".join(f"{k}: {s.get('name', '?')}" for k, s in scenarios.items())
        out.append(
            f"results were priced under different scenarios ({names}); revenue figures are "
            "not comparable: pass a scenario to re-price them all"
        )
    return out


def compare_results(items: list[Any], sort_by: str = "usd_per_kwh", scenario: Any = None) -> dict:
    """Rows, verdicts and notices for results (paths or documents), sorted by a metric."""
    docs = _unique_labels([_load(item) for item in items])
    scen = as_scenario(scenario) if scenario is not None else None
    if scen is not None:
        docs = [(label, rerender(doc, scen)) for label, doc in docs]
    rows = []
    for label, doc in docs:
        entries = doc.get("workloads", [])
        rows += [
            _row(label, doc, e, p) for e, p in zip(entries, fg.pivot_ratios(entries), strict=True)
        ]
    found = verdicts(rows)
    return {
        "sort_by": sort_by,
        "rows": sort_rows(rows, sort_by),
        "verdicts": found,
        "notices": notices(docs, scen.name if scen else None),
    }


COMPARE_COLUMNS = (
    "workload",
    "card",
    "result",
    "throughput",
    "power W",
    "J per unit",
    "USD/kWh",
    "net USD/day",
    "pivot",
    "price USD [catalog]",
    "units/s per USD",
    "net USD/yr per USD",
    "payback months",
    "vs first",
)


def _price_cell(row: dict) -> str:
    catalog = row["catalog"]
    if catalog is None:
        return "not in catalog"
    price = catalog.get("price_usd")
    if not price:
        return f"{catalog['card']}: no price"
    return f"{price['value']:,.0f} ({price.get('date', 'undated')}, kind {price.get('kind', '?')})"


def _cells(row: dict) -> list[str]:
    m, per = row["measured"], row["per_usd"]
    rate = f"{fg.rate_text(m['units_per_s'], row['unit'])} {fg.spread_text(row['rate_stat'])}"
    if reason := fg.unmeasured_reason(row["rate_stat"]):
        rate = f"unmeasured ({reason})"
    energy_missing = m["power_w"] is None
    usd_kwh = f"{fg.number(m['usd_per_kwh'], 4)} {m['footing']}" if m["usd_per_kwh"] else "n/a"
    return [
        row["workload"],
        row["card"],
        row["result"],
        rate.strip(),
        fg.UNMEASURED if energy_missing else fg.number(m["power_w"]),
        fg.UNMEASURED if energy_missing else f"{fg.number(m['j_per_unit'])} J/{row['unit']}",
        fg.UNMEASURED if energy_missing else usd_kwh,
        fg.number(m["net_usd_per_day"], 4),
        f"{m['pivot']:,.0f}x" if m["pivot"] else "",
        _price_cell(row),
        fg.number(per.get("units_per_s_per_usd")) if per else "n/a",
        fg.number(per.get("net_usd_per_year_per_usd")) if per else "n/a",
        fg.number(per.get("payback_months")) if per.get("payback_months") else "never/n/a",
        row.get("verdict", "(baseline)"),
    ]


def format_comparison(comparison: dict) -> str:
    """The comparison as terminal text: notices, the table, then the verdicts."""
    lines = [f"notice: {n}" for n in comparison["notices"]]
    lines.append(f"sorted by {comparison['sort_by']} within each workload")
    lines.append(format_grid(COMPARE_COLUMNS, [_cells(r) for r in comparison["rows"]]))
    lines.append(
        "measured figures from each result; price from the card catalog (not measured); "
        "per-USD figures are measured / catalog price."
    )
    for v in comparison["verdicts"]:
        diff = "n/a" if v["rel_diff"] is None else f"{100 * v['rel_diff']:+.1f}%"
        noise = "n/a" if v["noise"] is None else f"{100 * v['noise']:.1f}%"
        lines.append(
            f"{v['verdict']}: {v['workload']} on {v['other']} vs {v['baseline']}: "
            f"throughput {diff} (noise {noise})"
        )
    return "\n".join(lines) + "\n"

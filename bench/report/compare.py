"""Compare result files across cards and machines: a procurement table and SAME/FAST/SLOW.

Measured figures come from each result; prices come from the card catalog (bench.econ) and
are labelled as catalog figures; per-dollar figures are measured / catalog and say so.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

from bench import result as results
from bench.econ.catalog import find_card
from bench.econ.tco import procurement
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
    "tco_usd": False,
}
# describe() fields that say how a workload ran, not what it computed: results that differ only
# in these (an A100's cuda-sm80 miner against an H100's cuda-sm90) still get a verdict
IMPLEMENTATION_FIELDS = frozenset({"backend", "path", "threads", "verify_span"})


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
    card = find_card(device_name) if device_name else None
    if card is None:
        return None
    price = card.price_usd.to_dict() if card.price_usd else None
    return {"card": card.name, "price_usd": price, "source": "catalog"}


def _per_usd(entry: dict, measured: dict, scenario: Any, years: float) -> dict:
    """Measured figures per catalog dollar, payback and TCO (bench.econ's procurement).

    Empty when the catalog has no price or the throughput is unmeasured; without revenue
    figures (unpriced, unmeasured energy) only the throughput per dollar.
    """
    card = find_card(entry.get("device", {}).get("name", "") or "")
    if card is None or card.price_usd is None or measured["units_per_s"] is None:
        return {}
    capex = card.price_usd.value
    out = {
        "units_per_s_per_usd": measured["units_per_s"] / capex,
        "source": "measured / catalog price",
    }
    econ = entry.get("economics") or {}
    if fg.econ_missing(entry) or not isinstance(econ.get("net_usd_per_day"), (int, float)):
        return {**out, "no_revenue": fg.econ_missing(entry) or "no revenue figures"}
    doc = procurement(
        {k: measured[k] for k in ("units_per_s", "unit", "power_w")},
        econ,
        scenario,
        card,
        years=years,
    )
    cost = doc["tco"] or {}
    return {
        **out,
        "net_usd_per_year_per_usd": doc["net_usd_per_year_per_capex_usd"],
        "gross_usd_per_year_per_usd": doc["gross_usd_per_year_per_capex_usd"],
        "payback_months": doc["payback_months"],
        "payback_never": doc["payback_never"],
        "tco_usd": cost.get("tco_usd"),
        "tco_years": years,
    }


def workload_key(workload: dict) -> str:
    """What a workload computed (name and parameters), without how it ran (backend, path)."""
    kept = {k: v for k, v in workload.items() if k not in IMPLEMENTATION_FIELDS}
    return json.dumps(kept, sort_keys=True)


def _row(label: str, doc: dict, entry: dict, pivot: float | None, priced: tuple) -> dict:
    """One comparison row: measured, catalog and per-dollar figures kept apart."""
    rate = fg.summary_stat(entry, "units_per_s")
    device = entry.get("device", {})
    usd_per_kwh, footing = fg.revenue_per_kwh(entry)
    measured = {
        "units_per_s": fg.stat_median(rate),
        "unit": entry.get("unit", "unit"),
        "rel_spread": rate.get("rel_spread"),
        "power_w": fg.stat_median(fg.summary_stat(entry, "power_w")),
        "j_per_unit": fg.stat_median(fg.summary_stat(entry, "j_per_unit")),
        "usd_per_kwh": usd_per_kwh,
        "footing": footing,
        "basis": fg.basis(entry),
        "net_usd_per_day": fg.econ_value(entry, "net_usd_per_day"),
        "pivot": pivot,
        "source": "measured",
    }
    return {
        "result": label,
        "card": device.get("name") or device.get("id", "?"),
        "device": device.get("id", "?"),
        "host": doc.get("environment", {}).get("hostname", "?"),
        "workload": entry.get("workload", {}).get("name", "?"),
        "workload_key": workload_key(entry.get("workload", {})),
        "unit": entry.get("unit", "unit"),
        "rate_stat": rate,
        "measured": measured,
        "catalog": _catalog(device.get("name", "")),
        "per_usd": _per_usd(entry, measured, *priced),
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
    """SAME when throughputs differ by less than the larger relative range; else FAST or SLOW.

    UNKNOWN when neither has a range (one window each): the noise is not known.
    """
    a, b = fg.stat_median(ref), fg.stat_median(other)
    if not a or b is None:
        return {"verdict": "UNMEASURED", "rel_diff": None, "noise": None}
    spreads = [s.get("rel_spread") for s in (ref, other)]
    known = [float(s) for s in spreads if isinstance(s, (int, float))]
    rel_diff = (b - a) / a
    if not known:
        return {"verdict": "UNKNOWN", "rel_diff": rel_diff, "noise": None}
    noise = max(known)
    word = "SAME" if abs(rel_diff) <= noise else ("FAST" if rel_diff > 0 else "SLOW")
    return {"verdict": word, "rel_diff": rel_diff, "noise": noise}


def verdicts(rows: list[dict]) -> list[dict]:
    """Each row against the baseline row of the same workload key: the first result's row.

    Rows are in the order the results were given; a workload absent from the first result is
    compared with the first result that has it, and each row names its baseline result.
    """
    first: dict[str, dict] = {}
    for row in rows:
        first.setdefault(row["workload_key"], row)
    counts = {key: sum(r["workload_key"] == key for r in rows) for key in first}
    out = []
    for row in rows:
        base = first[row["workload_key"]]
        row["baseline_result"] = base["result"] if counts[row["workload_key"]] > 1 else None
        if base is row:
            row["verdict"] = "baseline" if row["baseline_result"] else None
            continue
        v = verdict(base["rate_stat"], row["rate_stat"])
        row["verdict"], row["verdict_rel_diff"] = v["verdict"], v["rel_diff"]
        out.append({"workload": row["workload"], "baseline": _who(base), "other": _who(row), **v})
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


def compare_results(
    items: list[Any], sort_by: str = "usd_per_kwh", scenario: Any = None, years: float = 3.0
) -> dict:
    """Rows, verdicts and notices for results (paths or documents), sorted by a metric.

    Verdicts compare throughput with the first result given ("baseline"); per-dollar figures,
    payback and the TCO over `years` come from bench.econ's procurement at the catalog price.
    """
    docs = _unique_labels([_load(item) for item in items])
    scen = as_scenario(scenario) if scenario is not None else None
    if scen is not None:
        docs = [(label, rerender(doc, scen)) for label, doc in docs]
    rows = []
    for label, doc in docs:
        entries = doc.get("workloads", [])
        pivots = fg.pivot_ratios(entries)
        rows += [
            _row(label, doc, e, p, (scen, years)) for e, p in zip(entries, pivots, strict=True)
        ]
    found = verdicts(rows)
    return {
        "sort_by": sort_by,
        "baseline": docs[0][0] if docs else None,
        "tco_years": years,
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
    "basis",
    "net USD/day",
    "pivot",
    "price USD [catalog]",
    "units/s per USD",
    "net USD/yr per USD",
    "payback months",
    "TCO USD",
    "vs baseline",
)


def _price_cell(row: dict) -> str:
    catalog = row["catalog"]
    if catalog is None:
        return "not in catalog"
    price = catalog.get("price_usd")
    if not price:
        return f"{catalog['card']}: no price"
    return f"{price['value']:,.0f} ({price.get('date', 'undated')}, kind {price.get('kind', '?')})"


def _payback_cell(row: dict) -> str:
    """Months, "never (why)" only when net revenue is <= 0, else n/a with the reason."""
    per = row["per_usd"]
    if not per:
        return "n/a (no catalog price)" if row["catalog"] else "n/a"
    if "no_revenue" in per:
        return f"n/a ({fg.UNMEASURED if per['no_revenue'] == fg.UNMEASURED else 'unpriced'})"
    if per.get("payback_months") is not None:
        return fg.number(per["payback_months"])
    return f"never (net {fg.number(row['measured']['net_usd_per_day'])} USD/day)"


def _verdict_cell(row: dict, baseline: str | None) -> str:
    """The row's verdict against its baseline; which result that is when not the first one."""
    word = row.get("verdict")
    if word is None:
        return "-"  # no other result has this workload
    if word != "baseline" and row.get("verdict_rel_diff") is not None:
        word = f"{word} {100 * row['verdict_rel_diff']:+.1f}%"
    base = row.get("baseline_result")
    return word if base == baseline else f"{word} (vs {base})"


def _cells(row: dict, baseline: str | None) -> list[str]:
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
        m["basis"],
        fg.number(m["net_usd_per_day"], 4),
        f"{m['pivot']:,.0f}x" if m["pivot"] else "",
        _price_cell(row),
        fg.number(per.get("units_per_s_per_usd")) if per else "n/a",
        fg.number(per.get("net_usd_per_year_per_usd")) if per else "n/a",
        _payback_cell(row),
        fg.number(per.get("tco_usd")) if per.get("tco_usd") is not None else "n/a",
        _verdict_cell(row, baseline),
    ]


def format_comparison(comparison: dict) -> str:
    """The comparison as terminal text: notices, the table, then the verdicts."""
    baseline = comparison.get("baseline")
    years = comparison.get("tco_years", 3.0)
    lines = [f"notice: {n}" for n in comparison["notices"]]
    lines.append(f"sorted by {comparison['sort_by']} within each workload")
    lines += textwrap.wrap(
        f"baseline: {baseline} (the first result given); verdicts compare throughput with its "
        "row of the same workload and parameters (a workload it lacks: the first result with "
        "it, named in the cell); SAME when within the larger measured range",
        width=100,
    )
    rows = [_cells(r, baseline) for r in comparison["rows"]]
    lines.append(format_grid(COMPARE_COLUMNS, rows))
    lines += textwrap.wrap(
        "measured figures from each result; price from the card catalog (not measured); "
        "per-USD figures are measured / catalog price; payback and TCO from bench.econ "
        f"(TCO over {years:g} years: catalog price plus electricity x PUE while running). "
        "range: (max - min) / median over the windows. " + fg.BASIS_LEGEND,
        width=100,
    )
    for v in comparison["verdicts"]:
        diff = "n/a" if v["rel_diff"] is None else f"{100 * v['rel_diff']:+.1f}%"
        noise = "n/a" if v["noise"] is None else f"{100 * v['noise']:.1f}%"
        noise += " (one window each)" if v["verdict"] == "UNKNOWN" else ""
        lines.append(
            f"{v['verdict']}: {v['workload']} on {v['other']} vs {v['baseline']}: "
            f"throughput {diff} (noise {noise})"
        )
    return "\n".join(lines) + "\n"

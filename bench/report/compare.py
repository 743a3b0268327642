"""Compare result files across cards and machines: a procurement table and SAME/FAST/SLOW.

Measured figures come from each result; prices come from the card catalog (bench.econ) and
are labelled as catalog figures; per-dollar figures are measured / catalog and say so.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.econ.figures import KIND_LEGEND
from bench.econ.tco import procurement
from bench.errors import InvalidInput
from bench.hardware import find_card
from bench.report import cells
from bench.report.table import format_grid
from bench.result.check import thaw
from bench.result.entry import Entry, StoredStat
from bench.result.model import Result, load_result
from bench.stats import Unmeasured

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


def _load(item: Any) -> tuple[str, Result]:
    """(label, Result) of a path, a Result, a (label, Result) pair, or a parsed document."""
    if isinstance(item, tuple):
        return item
    if isinstance(item, (str, os.PathLike)):
        return Path(item).name, load_result(item)
    result = cells.as_result(item)
    return cells.run_label(result), result


def labelled(items: list[Any]) -> list[tuple[str, Result]]:
    """(label, Result) for each item (a path, a Result or a document), repeated labels numbered."""
    return _unique_labels([_load(item) for item in items])


def _unique_labels(docs: list[tuple[str, Result]]) -> list[tuple[str, Result]]:
    """Number the labels that repeat (two results from the same host and start time)."""
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


def _per_usd(entry: Entry, measured: dict, scenario: Any, years: float) -> dict:
    """Measured figures per capex dollar, payback and TCO (bench.econ's procurement).

    The capex is procurement's: the catalog card price plus, on board power, the host's share
    per GPU. Empty when the catalog has no price or the throughput is unmeasured; without
    revenue figures (unpriced, unmeasured energy) only the throughput per card dollar.
    """
    card = find_card(entry.device.name) if entry.device.name else None
    if card is None or card.price_usd is None or measured["units_per_s"] is None:
        return {}
    capex = card.price_usd.value
    out = {
        "units_per_s_per_usd": measured["units_per_s"] / capex,
        "source": "measured / catalog card price",
    }
    missing = cells.econ_missing(entry)
    if missing or entry.economics.value("net_usd_per_day") is None:
        return {**out, "no_revenue": missing or "no revenue figures"}
    doc = procurement(
        {k: measured[k] for k in ("units_per_s", "unit", "power_w")},
        entry.economics.to_dict(),
        scenario,
        card,
        years=years,
    )
    return {
        "units_per_s_per_usd": measured["units_per_s"] / doc["capex_usd"],
        "source": "measured / capex (catalog card price + host share)",
        "capex_usd": doc["capex_usd"],
        "net_usd_per_year_per_usd": doc["net_usd_per_year_per_capex_usd"],
        "gross_usd_per_year_per_usd": doc["gross_usd_per_year_per_capex_usd"],
        "payback_months": doc["payback_months"],
        "payback_never": doc["payback_never"],
        "tco_usd": doc["tco"]["tco_usd"] if doc["tco"] else None,
        "tco_years": years,
    }


def workload_key(workload: Mapping[str, Any]) -> str:
    """What a workload computed (name and parameters), without how it ran (backend, path)."""
    kept = {k: v for k, v in thaw(workload).items() if k not in IMPLEMENTATION_FIELDS}
    return json.dumps(kept, sort_keys=True)


def _row(label: str, result: Result, entry: Entry, pivot: float | None, priced: tuple) -> dict:
    """One comparison row: measured, catalog and per-dollar figures kept apart."""
    rate = entry.stat("units_per_s")
    usd_per_kwh, footing = cells.usd_per_kwh(entry)
    measured = {
        "units_per_s": entry.median("units_per_s"),
        "unit": entry.unit,
        "rel_spread": None if isinstance(rate, Unmeasured) else rate.rel_spread,
        "power_w": entry.median("power_w"),
        "j_per_unit": entry.median("j_per_unit"),
        "usd_per_kwh": usd_per_kwh,
        "footing": footing,
        "basis": entry.economics.basis,
        "net_usd_per_day": entry.economics.value("net_usd_per_day"),
        "pivot": pivot,
        "source": "measured",
    }
    if cells.energy_missing(entry):  # why, not only that: a null alone says nothing
        measured["energy_unmeasured"] = cells.energy_reason(entry)
    return {
        "result": label,
        "card": entry.device.name or entry.device.id,
        "device": entry.device.id,
        "host": cells.host(result),
        "workload": entry.name,
        "workload_key": workload_key(entry.workload),
        "unit": entry.unit,
        "rate_stat": rate.to_dict(),
        "measured": measured,
        "catalog": _catalog(entry.device.name),
        "per_usd": _per_usd(entry, measured, *priced),
        "_rate": rate,
    }


def metric(row: dict, name: str) -> float | None:
    """A row's value of a sortable metric, from its measured or per-dollar part."""
    part = row["measured"] if name in row["measured"] else row["per_usd"]
    value = part[name] if name in part else None
    return value if isinstance(value, (int, float)) else None


def sort_rows(rows: list[dict], sort_by: str) -> list[dict]:
    """Rows grouped by workload (first appearance), best first by the metric; None last."""
    order = {w: i for i, w in reversed(list(enumerate(r["workload"] for r in rows)))}
    sign = -1.0 if METRICS[sort_by] else 1.0

    def key(row: dict) -> tuple:
        value = metric(row, sort_by)
        return (order[row["workload"]], value is None, sign * value if value is not None else 0)

    return sorted(rows, key=key)


def verdict(ref: StoredStat | Unmeasured, other: StoredStat | Unmeasured) -> dict:
    """SAME when throughputs differ by less than the larger relative range; else FAST or SLOW.

    UNKNOWN when neither has a range (one window each): the noise is not known.
    """
    if isinstance(ref, Unmeasured) or isinstance(other, Unmeasured) or not ref.median:
        return {"verdict": "UNMEASURED", "rel_diff": None, "noise": None}
    rel_diff = (other.median - ref.median) / ref.median
    known = [s.rel_spread for s in (ref, other) if s.rel_spread is not None]
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
            row["verdict_rel_diff"] = None
            continue
        v = verdict(base["_rate"], row["_rate"])
        row["verdict"], row["verdict_rel_diff"] = v["verdict"], v["rel_diff"]
        out.append({"workload": row["workload"], "baseline": _who(base), "other": _who(row), **v})
    return out


def _who(row: dict) -> str:
    return f"{row['card']} ({row['result']})"


def notices(docs: list[tuple[str, Result]], repriced_to: str | None) -> list[str]:
    """Warnings for results that differ in schema version or market scenario."""
    out = []
    versions = {label: r.upgraded_from or r.schema_version for label, r in docs}
    if len(set(versions.values())) > 1:
        listed = ", ".join(f"{k}: v{v}" for k, v in versions.items())
        out.append(f"results differ in schema version ({listed}); older ones were upgraded")
    if repriced_to:
        out.append(f"every result re-priced under scenario {repriced_to}")
        return out
    scenarios = {label: thaw(r.scenario) for label, r in docs}
    if len({json.dumps(s, sort_keys=True) for s in scenarios.values()}) > 1:
        names = ", ".join(f"{k}: {_dated_name(r.scenario)}" for k, r in docs)
        first_label, first = next(iter(scenarios.items()))
        differing = [
            f"{label} differs from {first_label} in {_differences(first, other)}"
            for label, other in scenarios.items()
            if other != first
        ]
        out.append(
            f"results were priced under different scenarios ({names}; "
            f"{'; '.join(differing)}); revenue figures are not comparable: pass a scenario "
            "to re-price them all"
        )
    return out


def _dated_name(scenario: Mapping[str, Any]) -> str:
    date = scenario.get("date")
    return f"{scenario.get('name', '?')} of {date}" if date else str(scenario.get("name", "?"))


def _leaves(node: Any, path: str = "") -> dict[str, Any]:
    """Every number, string or flag of a scenario by its dotted path (sources and notes too)."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out |= _leaves(value, f"{path}.{key}" if path else str(key))
        return out
    if isinstance(node, list):
        return {path: json.dumps(node, sort_keys=True)}
    return {path: node}


def _differences(a: Mapping[str, Any], b: Mapping[str, Any], most: int = 3) -> str:
    """The first figures two scenarios disagree on, "path a -> b": figures both have first,
    numbers before text, then what only one of them has."""
    la, lb = _leaves(a), _leaves(b)

    def order(k: str) -> tuple[bool, bool, str]:
        both = k in la and k in lb
        return (not both, not (both and _is_number(la[k]) and _is_number(lb[k])), k)

    diff = sorted((k for k in set(la) | set(lb) if la.get(k) != lb.get(k)), key=order)
    shown = [f"{k} {la.get(k, 'absent')} -> {lb.get(k, 'absent')}" for k in diff[:most]]
    more = f" and {len(diff) - most} more" if len(diff) > most else ""
    return ", ".join(shown) + more


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare_results(
    items: list[Any], sort_by: str = "usd_per_kwh", scenario: Any = None, years: float = 3.0
) -> dict:
    """Rows, verdicts and notices for results (paths, Results or (label, Result) pairs).

    Verdicts compare throughput with the first result given ("baseline"); per-dollar figures,
    payback and the TCO over `years` come from bench.econ's procurement (catalog price + host).
    `scenario` is the one the caller re-priced every result under (bench.econ.pricing.reprice,
    see `repriced`): it sets the TCO's market path. The report layer itself never prices.
    """
    if sort_by not in METRICS:
        raise InvalidInput(f"unknown sort metric {sort_by!r} (known: {', '.join(METRICS)})")
    docs = labelled(items)
    scen = scenario
    rows = []
    for label, result in docs:
        pivots = cells.pivot_ratios(result.workloads)
        rows += [
            _row(label, result, e, p, (scen, years))
            for e, p in zip(result.workloads, pivots, strict=True)
        ]
    found = verdicts(rows)
    for row in rows:
        del row["_rate"]  # the typed stat served the verdicts; rate_stat is its plain form
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
    "capex USD [catalog]",
    "units/s per USD",
    "net USD/yr per USD",
    "payback months",
    "TCO USD",
    "vs baseline",
)


def _price_cell(row: dict) -> str:
    """The card's catalog price; with the host's share where the per-USD figures include it
    ("35,000 + 15,000 host = 50,000"), so the per-USD columns follow from this one."""
    catalog = row["catalog"]
    if catalog is None:
        return "not in catalog"
    price = catalog["price_usd"]
    if not price:
        return f"{catalog['card']}: no price"
    when = f"({price['date']}, kind {price['kind']})"
    capex = row["per_usd"].get("capex_usd")
    if capex is not None and capex != price["value"]:
        host = capex - price["value"]
        return f"{price['value']:,.0f} + {host:,.0f} host = {capex:,.0f} {when}"
    return f"{price['value']:,.0f} {when}"


def _payback_cell(row: dict) -> str:
    """Months; "never" only when net revenue is <= 0; "> N years" when not repaid within the
    TCO years (bench.econ's month-by-month path); else n/a with the reason."""
    per = row["per_usd"]
    if not per:
        return "n/a (no catalog price)" if row["catalog"] else "n/a"
    if "no_revenue" in per:
        return f"n/a ({cells.UNMEASURED if per['no_revenue'] == cells.UNMEASURED else 'unpriced'})"
    if per["payback_months"] is not None:
        return cells.number(per["payback_months"])
    net = row["measured"]["net_usd_per_day"]
    if net is not None and net > 0:
        return f"> {per['tco_years']:g} years"
    return f"never (net {cells.number(net)} USD/day)"


def _verdict_cell(row: dict, baseline: str | None) -> str:
    """The row's verdict against its baseline; which result that is when not the first one."""
    word = row["verdict"]
    if word is None:
        return "-"  # no other result has this workload
    if word != "baseline" and row["verdict_rel_diff"] is not None:
        word = f"{word} {100 * row['verdict_rel_diff']:+.1f}%"
    base = row["baseline_result"]
    return word if base == baseline else f"{word} (vs {base})"


def _per_cell(per: dict, key: str) -> str:
    """A per-dollar figure; "n/a" without a catalog price or revenue figures."""
    return cells.number(per[key]) if key in per else "n/a"


def _cells(row: dict, baseline: str | None) -> list[str]:
    m, per, stat = row["measured"], row["per_usd"], row["rate_stat"]
    if "unmeasured" in stat:
        rate = f"unmeasured ({stat['unmeasured']})"
    else:
        rate = f"{cells.rate_text(m['units_per_s'], row['unit'])} "
        rate += cells.range_text(stat["n"], m["rel_spread"])
    energy_missing = m["power_w"] is None
    usd_kwh = f"{cells.number(m['usd_per_kwh'], 4)} {m['footing']}" if m["usd_per_kwh"] else "n/a"
    return [
        row["workload"],
        row["card"],
        row["result"],
        rate.strip(),
        cells.UNMEASURED if energy_missing else cells.number(m["power_w"]),
        cells.UNMEASURED if energy_missing else cells.joules_text(m["j_per_unit"], row["unit"]),
        cells.UNMEASURED if energy_missing else usd_kwh,
        m["basis"],
        cells.number(m["net_usd_per_day"], 4),
        f"{m['pivot']:,.0f}x" if m["pivot"] else "",
        _price_cell(row),
        _per_cell(per, "units_per_s_per_usd"),
        _per_cell(per, "net_usd_per_year_per_usd"),
        _payback_cell(row),
        _per_cell(per, "tco_usd"),
        _verdict_cell(row, baseline),
    ]


def format_comparison(comparison: dict) -> str:
    """The comparison as terminal text: notices, the table, then the verdicts."""
    baseline, years = comparison["baseline"], comparison["tco_years"]
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
    why = {}  # each distinct reason once, with the rows it applies to
    for r in comparison["rows"]:
        if "energy_unmeasured" in r["measured"]:
            who = f"{r['workload']} on {r['card']} ({r['result']})"
            why.setdefault(r["measured"]["energy_unmeasured"], []).append(who)
    lines += [f"energy unmeasured: {', '.join(w)}: {reason}" for reason, w in why.items()]
    lines += textwrap.wrap(
        "measured figures from each result; price from the card catalog (not measured); "
        "per-USD figures are measured / capex, the catalog card price plus the host's share "
        "per GPU on board power (the card price alone where there are no revenue figures); "
        f"payback and TCO from bench.econ (TCO over {years:g} years: capex plus electricity x "
        "PUE while running). "
        f"range: (max - min) / median over the windows. Price {KIND_LEGEND}. " + cells.BASIS_LEGEND,
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

"""The comparison table of one result: per workload throughput, power, energy, revenue, pivot."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from bench.report import cells
from bench.result.entry import Economics, Entry
from bench.result.model import Result
from bench.stats import Unmeasured

COLUMNS = (
    "device",
    "workload",
    "throughput",
    "power W",
    "J per unit",
    "USD/kWh (footing)",
    "basis",
    "net USD/day",
    "pivot",
)
_REASON_CHARS = 48
LEGEND = (
    "range: (max - min) / median over the measured windows (the full spread, not a ± "
    "half-width). pivot: AI revenue per wall joule over mining revenue per wall joule on the "
    "same device. USD/kWh is gross revenue per kWh; wall = board power plus the host's watts "
    "per GPU of the card's platform, the footing of the ASIC rows (nameplate figures, not "
    "measured here); package = CPU package + DRAM power (RAPL), no host overhead added. "
    + cells.BASIS_LEGEND
)


def _short_reason(reason: str) -> str:
    line = " ".join(reason.split())
    return line if len(line) <= _REASON_CHARS else line[: _REASON_CHARS - 1] + "…"


def workload_row(entry: Entry, pivot: float | None) -> list[str]:
    """The cells of one workload; energy-derived cells say "unmeasured", never 0."""
    rate = entry.stat("units_per_s")
    rate_cell = (
        f"{cells.rate_text(entry.median('units_per_s'), entry.unit)} {cells.spread_text(rate)}"
    )
    if isinstance(rate, Unmeasured):
        rate_cell = f"unmeasured ({_short_reason(rate.reason)})"
    if cells.energy_missing(entry):
        power_cell = joule_cell = cells.UNMEASURED  # the reason is in the notes under the table
    else:
        power_cell = (
            f"{cells.number(entry.median('power_w'))} {cells.spread_text(entry.stat('power_w'))}"
        )
        joule_cell = cells.joules_text(entry.median("j_per_unit"), entry.unit)
    return [
        entry.device.name or entry.device.id,
        cells.workload_label(entry),
        rate_cell.strip(),
        power_cell.strip(),
        joule_cell,
        _econ_cell(entry, "usd_per_kwh"),
        entry.economics.basis,
        _econ_cell(entry, "net_usd_per_day"),
        _pivot_cell(entry, pivot),
    ]


def _econ_cell(entry: Entry, key: str) -> str:
    if missing := cells.econ_missing(entry):
        return missing if missing == cells.UNMEASURED else "unpriced"
    if key == "usd_per_kwh":
        value, footing = cells.usd_per_kwh(entry)
        return f"{cells.number(value, 4)} {footing}"
    return cells.number(entry.economics.value(key), 4)


def _pivot_cell(entry: Entry, pivot: float | None) -> str:
    if pivot is not None:
        return f"{pivot:,.0f}x" if pivot >= 100 else f"{pivot:.3g}x"
    if entry.family == "mining" and entry.economics.value("usd_per_j") is not None:
        return "base"
    return "n/a"


def asic_row(ref: Mapping[str, Any]) -> list[str]:
    """The cells of one ASIC reference (nameplate figures, not measured here)."""
    return [
        "ASIC (nameplate)",
        str(ref["name"]),
        cells.rate_text(float(ref["th_s"]) * 1e12, "hash"),
        cells.number(ref["power_w"]),
        f"{cells.number(ref['power_w'] / ref['th_s'])} J/TH",  # what j_per_th says, if given
        f"{cells.number(ref['usd_per_kwh'], 4)} {cells.asic_footing(ref)}",
        "mining",
        cells.number(ref["net_usd_per_day"], 4) if "net_usd_per_day" in ref else "",
        "",
    ]


def _sum(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(values)


def total_row(name: str, entries: list[Entry]) -> list[str]:
    """One workload summed over the devices it ran on (several GPUs at once)."""
    unit = entries[0].unit
    rate = _sum([e.median("units_per_s") for e in entries])
    powers = [e.median("power_w") for e in entries]
    power = _sum(powers)
    revenue = [cells.usd_per_kwh(e) for e in entries]
    footings = {f for _, f in revenue}
    joule_cell = power_cell = kwh_cell = cells.UNMEASURED
    net = _sum([e.economics.value("net_usd_per_day") for e in entries])
    if len(footings) > 1:  # board watts beside package watts (a GPU and a CPU): no one total
        joule_cell = power_cell = kwh_cell = "n/a (mixed footings)"
        power = net = None
    if power is not None and rate:
        power_cell, joule_cell = cells.number(power), cells.joules_text(power / rate, unit)
        usd_w = _sum([v * w if v else None for (v, _), w in zip(revenue, powers, strict=True)])
        if usd_w is not None and len(footings) == 1:  # power-weighted mean of USD per kWh
            kwh_cell = f"{cells.number(usd_w / power, 4)} {footings.pop()}"
        elif usd_w is not None:
            kwh_cell = "n/a (mixed footings)"
    bases = {e.economics.basis for e in entries}
    return [
        f"total ({len(entries)} devices)",
        f"{name} (all devices)",
        cells.rate_text(rate, unit),
        power_cell,
        joule_cell,
        kwh_cell,
        bases.pop() if len(bases) == 1 else "mixed",
        cells.number(net, 4) if net is not None else "n/a",
        "",
    ]


def total_rows(entries: tuple[Entry, ...]) -> list[list[str]]:
    """A total row for every workload measured on more than one device."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.name, []).append(entry)
    return [total_row(name, group) for name, group in groups.items() if len(group) > 1]


def _fleet_figure(total: Mapping[str, Any], key: str) -> float | None:
    value = total[key] if key in total else None  # a number, or {"unmeasured": why}
    return float(value) if isinstance(value, (int, float)) else None


def fleet_total_row(name: str, total: Mapping[str, Any]) -> list[str]:
    """A fleet's total of one workload as the merge counted it (node energy once per node)."""
    unit = str(total["unit"]) if "unit" in total else "unit"
    rate, power = _fleet_figure(total, "units_per_s"), _fleet_figure(total, "power_w")
    net = _fleet_figure(total, "net_usd_per_day")
    joules = cells.joules_text(power / rate, unit) if power is not None and rate else None
    ranks = len(total["ranks"]) if "ranks" in total else "?"
    return [
        f"fleet total ({ranks} ranks)",
        f"{name} (all ranks)",
        cells.rate_text(rate, unit) if rate is not None else cells.UNMEASURED,
        cells.number(power) if power is not None else cells.UNMEASURED,
        joules or cells.UNMEASURED,
        "n/a",
        "",
        cells.number(net, 4) if net is not None else "n/a",
        "",
    ]


def _fleet_totals(result: Result) -> Mapping[str, Any] | None:
    fleet = result.extra["fleet"] if "fleet" in result.extra else None
    totals = fleet["totals"] if isinstance(fleet, Mapping) and "totals" in fleet else None
    return totals if isinstance(totals, Mapping) else None


def table_rows(result: Result) -> tuple[list[list[str]], list[list[str]]]:
    """(workload rows with per-workload totals over devices, ASIC reference rows).

    A fleet read as one result shows the merge's totals, which count node-level energy once
    per node; other results sum their entries per workload.
    """
    result = cells.as_result(result)
    entries = result.workloads
    pivots = cells.pivot_ratios(entries)
    rows = [workload_row(e, p) for e, p in zip(entries, pivots, strict=True)]
    totals = _fleet_totals(result)
    if totals is not None:
        rows += [fleet_total_row(name, total) for name, total in totals.items()]
    else:
        rows += total_rows(entries)
    return rows, [asic_row(r) for r in cells.distinct_asics(entries)]


def format_grid(header: tuple[str, ...] | list[str], rows: list[list[str]]) -> str:
    """Align rows under a header as plain text columns."""
    widths = [max(len(str(r[i])) for r in [list(header), *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines)


def unmeasured_notes(result: Result) -> list[str]:
    """The full reason for every workload whose energy is unmeasured, or that is unpriced."""
    notes = []
    for entry in result.workloads:
        label = cells.workload_label(entry)
        if cells.energy_missing(entry) or entry.economics.unmeasured is not None:
            reason = cells.energy_reason(entry)
            if not any(reason in w for w in entry.measurement.warnings):  # said once is enough
                notes.append(f"{label}: energy unmeasured: {reason}")
        elif (missing := cells.econ_missing(entry)) and missing != cells.UNMEASURED:
            notes.append(f"{label}: {missing}{_mfu_text(entry)}")
        elif entry.economics.basis == "gpu-hour":
            notes.append(f"{label}: {_gpu_hour_text(entry.economics)}")
    return notes


def _mfu_text(entry: Entry) -> str:
    mfu = entry.measurement.roofline.get("mfu")
    return f"; measured MFU {100 * mfu:.1f}%" if isinstance(mfu, (int, float)) else ""


def _gpu_hour_text(econ: Economics) -> str:
    price = econ.data["price"]["value"] if isinstance(econ.data.get("price"), Mapping) else None
    card = econ.data["price_key"] if "price_key" in econ.data else "the card"
    at = f" at {price:g} USD/h" if isinstance(price, (int, float)) else ""
    util = econ.value("utilisation")
    sold = f", {util:.0%} of hours sold" if util is not None else ""
    return (
        f"priced per GPU-hour ({card}{at}{sold}): its revenue does not depend on its "
        "throughput, so compare it with other workloads by basis"
    )


def all_warnings(result: Result) -> list[str]:
    """The run's warnings, then each workload's, labelled with the workloads that gave it
    (a warning every workload gave, such as unmeasured energy, is listed once)."""
    labels: dict[str, list[str]] = {}
    for entry in result.workloads:
        for warning in entry.measurement.warnings:
            labels.setdefault(warning, []).append(cells.workload_label(entry))
    return [
        *result.warnings,
        *older_pricing_notice(result),
        *(f"{', '.join(who)}: {w}" for w, who in labels.items()),
    ]


def older_pricing_notice(result: Result) -> list[str]:
    """One line where stored prices predate the current pricing rules (shown as stored)."""
    from bench.econ.pricing import priced_by_current_rules

    old = [
        cells.workload_label(e)
        for e in result.workloads
        if e.economics.data
        and e.economics.unmeasured is None
        and e.economics.basis != "unpriced"
        and not priced_by_current_rules(e.economics.data)
    ]
    if not old or result.repriced is not None:
        return []
    return [
        f"{', '.join(old)}: prices as stored, from an earlier joulebench's pricing (mining "
        "uptime and the AI sold fraction were applied differently); pass --scenario NAME to "
        "re-price under the current rules"
    ]


def status_lines(result: Result) -> list[str]:
    """The run's state when it is not complete: each failed workload and what was not reached."""
    status = result.status
    if status.complete:
        return []
    lines = [f"status: {status.state}: the result holds only the workloads listed above"]
    lines += [f"failed: {f.workload} on {f.device}: {f.reason}" for f in status.failed]
    if status.not_reached:
        lines.append(f"not reached: {', '.join(status.not_reached)}")
    return lines


def render_table(result: Result) -> str:
    """The terminal table of a result: workloads, then ASIC references, then notes."""
    result = cells.as_result(result)
    rows, asics = table_rows(result)
    scenario = f"{result.scenario_name} ({cells.scenario_date(result)})"
    parts = [f"joulebench result, scenario {scenario}"]
    parts.append(format_grid(COLUMNS, rows + asics))
    parts += status_lines(result)
    parts += textwrap.wrap(LEGEND, width=100)
    parts += [f"note: {n}" for n in unmeasured_notes(result)]
    parts += [f"warning: {w}" for w in all_warnings(result)]
    return "\n".join(parts) + "\n"

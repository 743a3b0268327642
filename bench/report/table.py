"""The comparison table of one result: per workload throughput, power, energy, revenue, pivot."""

from __future__ import annotations

import textwrap

from bench.report import figures as fg

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
    "half-width). pivot: AI revenue per joule over mining revenue per joule on the same "
    "device. USD/kWh is gross revenue per kWh; wall = board power plus the scenario's host "
    "overhead, the footing of the ASIC rows (nameplate figures, not measured here); package = "
    "CPU package + DRAM power (RAPL), no host overhead added. " + fg.BASIS_LEGEND
)


def _short_reason(reason: str) -> str:
    line = " ".join(reason.split())
    return line if len(line) <= _REASON_CHARS else line[: _REASON_CHARS - 1] + "…"


def workload_row(entry: dict, pivot: float | None) -> list[str]:
    """The cells of one workload; energy-derived cells say "unmeasured", never 0."""
    unit = entry.get("unit", "unit")
    rate = fg.summary_stat(entry, "units_per_s")
    power = fg.summary_stat(entry, "power_w")
    joules = fg.summary_stat(entry, "j_per_unit")
    rate_cell = f"{fg.rate_text(fg.stat_median(rate), unit)} {fg.spread_text(rate)}".strip()
    if reason := fg.unmeasured_reason(rate):
        rate_cell = f"unmeasured ({_short_reason(reason)})"
    if fg.unmeasured_reason(power) or fg.unmeasured_reason(joules):
        power_cell = fg.UNMEASURED  # the reason is in the notes under the table
        joule_cell = fg.UNMEASURED
    else:
        power_cell = f"{fg.number(fg.stat_median(power))} {fg.spread_text(power)}".strip()
        joule_cell = f"{fg.number(fg.stat_median(joules))} J/{unit}"
    return [
        entry.get("device", {}).get("name") or entry.get("device", {}).get("id", "?"),
        fg.workload_label(entry),
        rate_cell,
        power_cell,
        joule_cell,
        _econ_cell(entry, "usd_per_kwh"),
        fg.basis(entry),
        _econ_cell(entry, "net_usd_per_day"),
        _pivot_cell(entry, pivot),
    ]


def _econ_cell(entry: dict, key: str) -> str:
    if missing := fg.econ_missing(entry):
        return missing if missing == fg.UNMEASURED else "unpriced"
    if key == "usd_per_kwh":
        value, footing = fg.revenue_per_kwh(entry)
        return f"{fg.number(value, 4)} {footing}"
    return fg.number(fg.econ_value(entry, key), 4)


def _pivot_cell(entry: dict, pivot: float | None) -> str:
    if pivot is not None:
        return f"{pivot:,.0f}x" if pivot >= 100 else f"{pivot:.3g}x"
    if fg.family(entry) == "mining" and fg.econ_value(entry, "usd_per_j") is not None:
        return "base"
    return "n/a"


def asic_row(ref: dict) -> list[str]:
    """The cells of one ASIC reference (nameplate figures, not measured here)."""
    footing = ref.get("footing", "")
    return [
        "ASIC (nameplate)",
        str(ref.get("name", "?")),
        fg.rate_text(float(ref.get("th_s", 0)) * 1e12, "hash"),
        fg.number(ref.get("power_w")),
        f"{fg.number(ref.get('j_per_th'))} J/TH",
        f"{fg.number(fg.revenue_per_kwh(ref)[0], 4)} {footing or 'wall'}",
        "mining",
        "",
        "",
    ]


def _sum(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(values)


def total_row(name: str, entries: list[dict]) -> list[str]:
    """One workload summed over the devices it ran on (several GPUs at once)."""
    unit = entries[0].get("unit", "unit")
    rate = _sum([fg.stat_median(fg.summary_stat(e, "units_per_s")) for e in entries])
    power = _sum([fg.stat_median(fg.summary_stat(e, "power_w")) for e in entries])
    revenue = [fg.revenue_per_kwh(e) for e in entries]
    footings = {f for _, f in revenue}
    joule_cell = power_cell = kwh_cell = fg.UNMEASURED
    if power is not None and rate:
        power_cell, joule_cell = fg.number(power), f"{fg.number(power / rate)} J/{unit}"
        usd_w = _sum(
            [
                v * fg.stat_median(fg.summary_stat(e, "power_w")) if v else None
                for e, (v, _) in zip(entries, revenue, strict=True)
            ]
        )
        if usd_w is not None and len(footings) == 1:  # power-weighted mean of USD per kWh
            kwh_cell = f"{fg.number(usd_w / power, 4)} {footings.pop()}"
    net = _sum([fg.econ_value(e, "net_usd_per_day") for e in entries])
    bases = {fg.basis(e) for e in entries}
    return [
        f"total ({len(entries)} devices)",
        f"{name} (all devices)",
        fg.rate_text(rate, unit),
        power_cell,
        joule_cell,
        kwh_cell,
        bases.pop() if len(bases) == 1 else "mixed",
        fg.number(net, 4) if net is not None else "n/a",
        "",
    ]


def total_rows(entries: list[dict]) -> list[list[str]]:
    """A total row for every workload measured on more than one device."""
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        groups.setdefault(entry.get("workload", {}).get("name", "?"), []).append(entry)
    return [total_row(name, group) for name, group in groups.items() if len(group) > 1]


def table_rows(doc: dict) -> tuple[list[list[str]], list[list[str]]]:
    """(workload rows with per-workload totals over devices, ASIC reference rows)."""
    entries = doc.get("workloads", [])
    pivots = fg.pivot_ratios(entries)
    rows = [workload_row(e, p) for e, p in zip(entries, pivots, strict=True)]
    return rows + total_rows(entries), [asic_row(r) for r in fg.asic_references(doc)]


def format_grid(header: tuple[str, ...] | list[str], rows: list[list[str]]) -> str:
    """Align rows under a header as plain text columns."""
    widths = [max(len(str(r[i])) for r in [list(header), *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines)


def unmeasured_notes(doc: dict) -> list[str]:
    """The full reason for every workload whose energy is unmeasured."""
    notes = []
    for entry in doc.get("workloads", []):
        label = fg.workload_label(entry)
        power = fg.summary_stat(entry, "power_w")
        if fg.unmeasured_reason(power) or fg.unmeasured_reason(entry.get("economics")):
            reason = fg.energy_reason(entry)
            if not any(reason in w for w in entry.get("warnings") or []):  # said once is enough
                notes.append(f"{label}: energy unmeasured: {reason}")
        elif (missing := fg.econ_missing(entry)) and missing != fg.UNMEASURED:
            notes.append(f"{label}: {missing}{_mfu_text(entry)}")
        elif fg.basis(entry) == "gpu-hour":
            notes.append(f"{label}: {_gpu_hour_text(entry['economics'])}")
    return notes


def _mfu_text(entry: dict) -> str:
    mfu = (entry.get("roofline") or {}).get("mfu")
    return f"; measured MFU {100 * mfu:.1f}%" if isinstance(mfu, (int, float)) else ""


def _gpu_hour_text(econ: dict) -> str:
    price = (econ.get("price") or {}).get("value")
    card = econ.get("price_key", "the card")
    at = f" at {price:g} USD/h" if isinstance(price, (int, float)) else ""
    util = econ.get("utilisation")
    sold = f", {util:.0%} of hours sold" if isinstance(util, (int, float)) else ""
    return (
        f"priced per GPU-hour ({card}{at}{sold}): its revenue does not depend on its "
        "throughput, so compare it with other workloads by basis"
    )


def all_warnings(doc: dict) -> list[str]:
    """The run's warnings, then each workload's, labelled with the workload."""
    out = [str(w) for w in doc.get("warnings", [])]
    for entry in doc.get("workloads", []):
        out += [f"{fg.workload_label(entry)}: {w}" for w in entry.get("warnings") or []]
    return out


def render_table(doc: dict) -> str:
    """The terminal table of a result: workloads, then ASIC references, then notes."""
    rows, asics = table_rows(doc)
    scenario = doc.get("scenario", {})
    parts = [
        f"joulebench result, scenario {scenario.get('name', '?')} ({scenario.get('date', '')})"
    ]
    parts.append(format_grid(COLUMNS, rows + asics))
    parts += textwrap.wrap(LEGEND, width=100)
    parts += [f"note: {n}" for n in unmeasured_notes(doc)]
    parts += [f"warning: {w}" for w in all_warnings(doc)]
    return "\n".join(parts) + "\n"

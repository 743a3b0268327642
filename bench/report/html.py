"""The HTML report of one result: a single self-contained file, plots inline as SVG."""

from __future__ import annotations

import html
import statistics
from collections.abc import Mapping
from typing import Any

from bench.econ.figures import KIND_LEGEND
from bench.report import cells
from bench.report.table import (
    COLUMNS,
    LEGEND,
    all_warnings,
    status_lines,
    table_rows,
    unmeasured_notes,
)
from bench.result.entry import Entry
from bench.result.model import Result

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; padding: 0 1.5em; max-width: 70em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
tr.asic td { color: #8a4b00; background: #fff7ee; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
p.note { color: #8a4b00; background: #fff7ee; padding: 0.4em 0.8em; }
ul.warnings li, p.status { color: #a00; }
"""


def _esc(value: object) -> str:
    return html.escape(str(value))


def _table(header: list[str] | tuple[str, ...], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    attr = f' class="{cls}"' if cls else ""
    body = "".join(
        f"<tr{attr}>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(svg: str | None, note: str | None, caption: str) -> str:
    parts = []
    if svg:
        parts.append(f"<figure>{svg}<figcaption>{_esc(caption)}</figcaption></figure>")
    if note:
        parts.append(f'<p class="note">{_esc(note)}</p>')
    return "\n".join(parts)


def _results_section(result: Result) -> str:
    rows, asics = table_rows(result)
    head = _table(COLUMNS, rows)
    asic_table = _table(COLUMNS, asics, cls="asic") if asics else "<p>No ASIC references.</p>"
    notes = "".join(f'<p class="note">{_esc(n)}</p>' for n in unmeasured_notes(result))
    return (
        "<h2>Results</h2>" + head + notes + f"<p>{_esc(LEGEND)}</p>"
        "<h3>ASIC references (nameplate, not measured here)</h3>"
        + asic_table
        + _details_section(result)
    )


DETAIL_COLUMNS = (
    "workload",
    "idle W",
    "warm-up",
    "windows",
    "SM clock MHz",
    "temperature C",
    "power limit W",
    "throttled windows",
    "MFU",
    "MBU",
)
DETAIL_LEGEND = (
    "How each workload was measured: idle power before it ran (and where it was read), the "
    "warm-up, the windows and what stopped them, the device state over the windows (median "
    "SM clock, hottest temperature, power limit; blank where the device reports none), the "
    "windows run throttled (n/a where the device cannot say), and the roofline fractions "
    "(MFU: achieved over peak FLOP/s; MBU: achieved over peak memory bandwidth; blank where "
    "the workload or device has none)."
)


def _window_values(entry: Entry, key: str) -> list[float]:
    values = (w.data.get(key) for w in entry.measurement.windows)
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _detail_row(entry: Entry) -> list[str]:
    m = entry.measurement
    idle = m.idle
    idle_text = (
        f"{cells.number(idle.power_w)} ({idle.source})"
        if idle.power_w is not None
        else f"unmeasured ({idle.reason})"
    )
    warm = "not recorded"
    if m.warmup is not None:
        warm = f"{m.warmup.seconds:.2g} s, {'settled' if m.warmup.settled else 'not settled'}"
    clocks, temps = _window_values(entry, "sm_clock_mhz"), _window_values(entry, "temperature_c")
    limits = _window_values(entry, "power_limit_w")
    flags = [w.throttled for w in m.windows]
    if any(f is None for f in flags) or not flags:
        throttled = "n/a (not observable)"
    else:
        throttled = f"{sum(bool(f) for f in flags)} of {len(flags)}"
    roof = m.roofline

    def fraction(key: str) -> str:
        value = roof.get(key)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return f"{value:.1%}" if ok else ""

    return [
        cells.workload_label(entry),
        idle_text,
        warm,
        f"{len(m.windows)}, stopped by {m.stopped_by}",
        cells.number(statistics.median(clocks)) if clocks else "",
        cells.number(max(temps)) if temps else "",
        cells.number(statistics.median(limits)) if limits else "",
        throttled,
        fraction("mfu"),
        fraction("mbu"),
    ]


def _details_section(result: Result) -> str:
    if not result.workloads:
        return ""
    rows = [_detail_row(e) for e in result.workloads]
    return (
        "<h3>Measurement details</h3>"
        + _table(list(DETAIL_COLUMNS), rows)
        + f"<p>{_esc(DETAIL_LEGEND)}</p>"
    )


def energy_summary(result: Result) -> str | None:
    """One sentence when some workload's energy is unmeasured: which, why, what still holds."""
    missing = [e for e in result.workloads if cells.energy_missing(e)]
    if not missing:
        return None
    reasons = "; ".join(dict.fromkeys(cells.energy_reason(e) for e in missing))
    which = ", ".join(cells.workload_label(e) for e in missing)
    if len(missing) == len(result.workloads):
        which = "any workload"
    return (
        f"Energy was not measured for {which} ({reasons}). Throughput is measured and plotted "
        "below; power, energy per unit and revenue are absent, not zero."
    )


THROUGHPUT_TEXT = (
    "Measured with or without energy: each workload's throughput in every measured window. "
    "The warm-up before the windows (shaded) runs the same work but is not measured; its "
    "chunk rates show how the workload settled (drawn evenly spaced over the warm-up: the "
    "result records each chunk's rate, not its time)."
)


def _plots_section(result: Result) -> str:
    try:  # matplotlib is optional at run time: without it the report says why it has no plots
        from bench.report import plots
    except ImportError as exc:
        return f'<h2>Plots</h2><p class="note">Plots omitted: {_esc(exc)}.</p>'
    from bench.report import spread

    series = [plots.rate_series(e) for e in result.workloads]
    made = [(*spread.window_spread(series), SPREAD_CAPTION)]
    for entry, one in zip(result.workloads, series, strict=True):
        made.append((*plots.throughput_over_time(one), _time_caption(entry)))
    parts = [_figures(plots, made, "Throughput", 0, THROUGHPUT_TEXT)]
    made = [
        (*plots.revenue_bars(result), "Revenue per kWh, log scale"),
        (*plots.energy_bars(result.workloads), "Energy per work unit, log scale"),
    ]
    traces = [
        (*plots.power_plot(e), f"Power over time, {cells.workload_label(e)}")
        for e in result.workloads
    ]
    if all(svg is None for svg, _, _ in traces):  # one note, not one per workload
        traces = [(None, "No power trace to plot: no workload's power was measured.", "")]
    first = len(series) + 1
    parts.append(_figures(plots, made + traces, "Energy and revenue", first, ""))
    cards = [
        (*spread.card_strips(group), CARD_CAPTION.format(label=group.label))
        for group in spread.card_groups(result)
    ]
    devices = [(*spread.device_spread(result, key), DEVICE_CAPTION) for key in spread.DEVICE_KEYS]
    if cards:  # a workload ran on two or more cards of one model
        first += len(made + traces)
        parts.append(_figures(plots, cards + devices, "Devices", first, DEVICE_TEXT))
    return "\n".join(parts)


DEVICE_TEXT = (
    "Several devices ran the same workload (a multi-GPU run, or a fleet merged from ranks): "
    "how alike are cards of one model? Each dot is one device's median over its windows."
)
CARD_CAPTION = (
    "{label}: each card's median energy per unit and throughput (one dot per card; dashed "
    "line: the median over the cards; the card farthest from it is named, with its distance)."
)
DEVICE_CAPTION = "Each device's median relative to the median of its workload and card model."


SPREAD_CAPTION = (
    "Each dot is one measured window's throughput relative to its workload's median (past "
    "200 windows a box instead: q1-q3, whiskers at min and max); "
    "range = (max - min) / median, the figure the stopping rule bounds."
)


def _time_caption(entry: Entry) -> str:
    m = entry.measurement
    windows = f"{len(m.windows)} window{'' if len(m.windows) == 1 else 's'}"
    rate = cells.rate_text(entry.median("units_per_s"), entry.unit)
    text = f"{cells.workload_label(entry)}: {windows}, median {rate}"
    spread = cells.spread_text(entry.stat("units_per_s"))
    text += f", {spread}" if spread else ""
    if m.warmup is None:
        text += "; warm-up not recorded."
    else:
        settled = "settled" if m.warmup.settled else "did not settle"
        text += f"; warm-up {m.warmup.seconds:.2g} s ({settled})."
    if any(w.t_begin_s is None for w in m.windows):
        text += " Window times not recorded (an older result): windows drawn end to end."
    return text + _load_text(m.data.get("context"), entry.device.data.get("extra"))


def _load_text(context: Any, extra: Any) -> str:
    """ " Host load average (1 min) 0.4 before, 1.9 after; 2 logical CPUs." where recorded."""
    load = context.get("load_average") if isinstance(context, Mapping) else None
    if not isinstance(load, Mapping):
        return ""
    before, after = load.get("before"), load.get("after")
    if not (isinstance(before, list | tuple) and isinstance(after, list | tuple)):
        return ""
    if not (before and after):
        return ""
    if not all(isinstance(x, int | float) for x in (before[0], after[0])):
        return ""
    cpus = extra.get("logical_cpus") if isinstance(extra, Mapping) else None
    of = f" ({cpus} logical CPUs)" if isinstance(cpus, int) else ""
    return f" Host load average (1 min): {before[0]:g} before, {after[0]:g} after{of}."


def _figures(plots: Any, made: list, heading: str, first: int, intro: str) -> str:
    parts = [f"<h2>{_esc(heading)}</h2>"] + ([f"<p>{_esc(intro)}</p>"] if intro else [])
    for i, (svg, note, caption) in enumerate(made, start=first):
        scoped = plots.scope_ids(svg, f"plot{i}-") if svg else None
        parts.append(_figure(scoped, note, caption))
    return "\n".join(parts)


def _environment_section(env: Mapping[str, Any]) -> str:
    rows = []
    for key, value in env.items():
        if key == "devices":
            value = "; ".join(_device_text(d) for d in value)
        elif isinstance(value, Mapping):
            value = ", ".join(f"{k} {'n/a' if v is None else v}" for k, v in value.items())
        rows.append([key, "" if value is None else value])
    return "<h2>Environment</h2>" + _table(["item", "value"], rows)


def _device_text(device: Mapping[str, Any]) -> str:
    """ "cuda:0: NVIDIA H200 (energy: nvml)": a device of the environment and its energy
    source."""
    shown = {k: device[k] if k in device else "?" for k in ("id", "name", "energy_source")}
    return "{id}: {name} (energy: {energy_source})".format_map(shown)


def _scenario_section(result: Result) -> str:
    title = f"{result.scenario_name}, {cells.scenario_date(result)}"
    desc = result.scenario["description"] if "description" in result.scenario else ""
    rows = [list(r) for r in cells.scenario_items(result.scenario)]
    return (
        f"<h2>Scenario: {_esc(title)}</h2>"
        + (f"<p>{_esc(desc)}</p>" if desc else "")
        + _table(["figure", "value", "date", "kind", "source"], rows)
        + f"<p>{_esc(KIND_LEGEND)}.</p>"
    )


def _warnings_section(result: Result) -> str:
    items = all_warnings(result)
    if not items:
        return "<h2>Warnings</h2><p>None.</p>"
    lis = "".join(f"<li>{_esc(w)}</li>" for w in items)
    return f'<h2>Warnings</h2><ul class="warnings">{lis}</ul>'


def _version_text(result: Result) -> str:
    version = f"Schema version {result.schema_version}"
    if result.upgraded_from is not None:
        version += f" (upgraded on read from version {result.upgraded_from})"
    date = result.scenario.get("date")
    dated = f" (market figures as of {date})" if isinstance(date, str) and date else ""
    return f"{version}; scenario {result.scenario_name}{dated}."


def render_html(result: Result) -> str:
    """The whole report as one HTML string: table, plots, environment, scenario, warnings."""
    result = cells.as_result(result)
    title = f"joulebench report: {cells.run_label(result)}"
    banner = energy_summary(result)
    body = "\n".join(
        [
            f"<h1>{_esc(title)}</h1>",
            f"<p>{_esc(_version_text(result))}</p>",
            f'<p class="note">{_esc(banner)}</p>' if banner else "",
            "".join(f'<p class="status">{_esc(line)}</p>' for line in status_lines(result)),
            _results_section(result),
            _plots_section(result),
            _environment_section(result.environment),
            _scenario_section(result),
            _warnings_section(result),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )

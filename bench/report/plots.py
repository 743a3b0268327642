"""The report's plots as inline SVG strings (matplotlib, no pyplot state, no display needed).

Each function returns (svg, None) or (None, note) when there is nothing measured to draw, so
the report shows the note instead of an empty plot.
"""

from __future__ import annotations

import html
import io
import itertools
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the figures are only ever rendered to SVG text

from matplotlib.figure import Figure  # noqa: E402 - after the backend choice

from bench.report import cells  # noqa: E402
from bench.result.entry import Entry  # noqa: E402
from bench.result.model import Result  # noqa: E402
from bench.stats import Unmeasured  # noqa: E402

# text.parse_math off: labels carry data (scenario, device and workload names), and a "$" pair
# in them would be read as TeX, which a hostile name can make fail to parse.
_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "joulebench", "font.size": 10}
if "text.parse_math" in matplotlib.rcParams:  # every matplotlib this project supports has it
    _STYLE["text.parse_math"] = False
_MEASURED = "#1f77b4"
_ASIC = "#ff7f0e"


def to_svg(fig: Figure, title: str) -> str:
    """Render a figure as an <svg> element (no XML prolog) carrying a <title>."""
    buf = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    svg = text[text.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # RDF: no use inline
    head_end = svg.index(">") + 1
    label = html.escape(title)
    head = svg[:head_end].replace("<svg", f'<svg role="img" aria-label="{label}"', 1)
    return f"{head}<title>{label}</title>{svg[head_end:]}"


def scope_ids(svg: str, prefix: str) -> str:
    """Prefix every id in an SVG, and every reference to one, so SVGs can share a page."""
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)


def _bar_figure(n_bars: int) -> tuple[Figure, object]:
    fig = Figure(figsize=(8, 1.2 + 0.45 * max(n_bars, 1)))
    return fig, fig.add_subplot()


def _electricity_usd_kwh(scenario: Mapping[str, Any]) -> float | None:
    """The scenario's electricity price (Scenario.to_dict() keeps it under "figures")."""
    try:
        value = scenario["figures"]["electricity_usd_kwh"]["value"]
    except (KeyError, TypeError):
        return None
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def revenue_bars(result: Result) -> tuple[str | None, str | None]:
    """Horizontal bars of USD per kWh per measured workload and per ASIC reference, log scale.

    Without a measured workload to compare there is no plot: the ASIC rows are in the table.
    """
    bars = []
    for entry in result.workloads:
        value, footing = cells.usd_per_kwh(entry)
        tags = ", ".join(filter(None, (footing, entry.economics.basis)))
        bars.append((f"{cells.workload_label(entry)} [{tags}]", value, _MEASURED))
    drawn = [b for b in bars if b[1] is not None and b[1] > 0]
    missing = [b[0] for b in bars if b not in drawn]
    if not drawn:
        return None, (
            "No revenue per kWh to plot: no workload has a measured, priced energy figure "
            "(the ASIC references are in the table above)."
        )
    drawn += [
        (f"{r['name']} (ASIC) [{cells.asic_footing(r)}, mining]", r["usd_per_kwh"], _ASIC)
        for r in cells.distinct_asics(result.workloads)
        if r["usd_per_kwh"] > 0
    ]
    with matplotlib.rc_context(_STYLE):
        fig, ax = _bar_figure(len(drawn))
        ax.barh([b[0] for b in drawn], [b[1] for b in drawn], color=[b[2] for b in drawn])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel(
            "gross revenue per kWh (USD/kWh, log scale; [footing of the power, price basis])"
        )
        ax.set_title(
            "Revenue per kWh: measured workloads (blue) and ASIC references (orange)\n"
            f"priced under scenario {result.scenario_name} ({cells.scenario_date(result)})",
            fontsize=10,
        )
        price = _electricity_usd_kwh(result.scenario)
        if price is not None:
            ax.axvline(price, color="grey", linestyle="--", label=f"electricity {price:g} USD/kWh")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        ax.set_axisbelow(True)
        ax.grid(axis="x", which="major", alpha=0.4)
    note = f"Not plotted (unmeasured, unpriced or not positive): {', '.join(missing)}."
    return to_svg(fig, "Revenue per kWh by workload"), note if missing else None


def energy_bars(entries: Sequence[Entry]) -> tuple[str | None, str | None]:
    """Horizontal bars of joules per work unit with the interquartile range, log scale."""
    drawn, missing = [], []
    for entry in entries:
        stat = entry.stat("j_per_unit")
        label = f"{cells.workload_label(entry)} (J/{entry.unit})"
        if isinstance(stat, Unmeasured) or stat.median <= 0:
            missing.append(label)
            continue
        err = (max(stat.median - stat.q1, 0.0), max(stat.q3 - stat.median, 0.0))
        drawn.append((label, stat.median, err))
    if not drawn:
        return None, "No energy per unit to plot: no workload's energy was measured."
    with matplotlib.rc_context(_STYLE):
        fig, ax = _bar_figure(len(drawn))
        xerr = [[d[2][0] for d in drawn], [d[2][1] for d in drawn]]
        ax.barh([d[0] for d in drawn], [d[1] for d in drawn], xerr=xerr, color=_MEASURED)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("energy per work unit (J/unit, log scale; whiskers: q1-q3)")
        ax.set_title("Energy per work unit (median over measured windows)")
        ax.set_axisbelow(True)
        ax.grid(axis="x", which="major", alpha=0.4)
    note = f"Not plotted (unmeasured): {', '.join(missing)}." if missing else None
    return to_svg(fig, "Energy per work unit"), note


def power_plot(entry: Entry) -> tuple[str | None, str | None]:
    """Board power over time for one workload, with its idle power; a note when unmeasured."""
    trace = entry.measurement.power_trace
    label = cells.workload_label(entry)
    if isinstance(trace, Unmeasured) or (trace.source == cells.UNMEASURED and not trace.t_s):
        return None, f"{label}: power unmeasured ({cells.energy_reason(entry)})."
    if not trace.t_s:
        return None, f"{label}: the power trace holds no samples."
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8, 2.6))
        ax = fig.add_subplot()
        ax.plot(trace.t_s, trace.power_w, color=_MEASURED, linewidth=1.2, label="power")
        idle_w = entry.measurement.idle.power_w
        if idle_w is not None:
            ax.axhline(idle_w, color="grey", linestyle="--", label="idle")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # off the data
        ax.set_xlabel("time since the meter started (s; idle and warm-up come first)")
        ax.set_ylabel("power (W)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"Power over time: {label} (source: {trace.source})")
        ax.grid(alpha=0.3)
    return to_svg(fig, f"Power over time: {label}"), None


# --- throughput: measured with or without energy -------------------------------------------

_WARMUP = "#7f7f7f"
MAX_WINDOWS_DRAWN = 400  # about the plot's width in points: more could not be told apart
_SI_AXIS = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, "")]


@dataclass(frozen=True)
class RateSeries:
    """One workload's throughput in time order: warm-up chunks, then the measured windows.

    Times are seconds from the start of warm-up. `windows` holds (start_s, end_s, units_per_s).
    Warm-up chunk times are not recorded, only their rates and the warm-up's length, so the
    chunks are drawn spread evenly over it.
    """

    label: str
    unit: str
    warmup_s: float | None
    warmup_rates_per_s: tuple[float, ...]
    windows: tuple[tuple[float, float, float], ...]
    stopped_by: str = ""


def axis_scale(value: float) -> tuple[float, str]:
    """(scale, SI prefix) that puts `value` between 1 and 1000 on an axis."""
    return next(((s, p) for s, p in _SI_AXIS if abs(value) >= s), (1.0, ""))


def rate_unit(unit: str, prefix: str = "") -> str:
    """An axis unit for a throughput: MH/s, ktok/s, img/s."""
    return f"{prefix}{cells.unit_short(unit)}/s"


def throughput_over_time(series: RateSeries) -> tuple[str | None, str | None]:
    """Throughput per window over time, the warm-up shaded before it; y from zero."""
    if not series.windows:
        return None, f"{series.label}: no measured windows to plot."
    rates = [r for _, _, r in series.windows] + list(series.warmup_rates_per_s)
    scale, prefix = axis_scale(max(rates))
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8, 2.6))
        ax = fig.add_subplot()
        _draw_warmup(ax, series, scale)
        _draw_windows(ax, series.windows, scale)
        median = statistics.median(r for _, _, r in series.windows)
        ax.hlines(
            median / scale,
            series.windows[0][0],
            series.windows[-1][1],
            color=_MEASURED,
            linestyle=":",
            linewidth=1,
            label=f"median {median / scale:.3g} {rate_unit(series.unit, prefix)}",
        )
        ax.set_xlim(left=0)
        top = max(rates) / scale
        ax.set_ylim(bottom=0, top=min(1.15 * top, 1.7e308) if top > 0 else 1.0)
        ax.set_xlabel("time since warm-up began (s)")
        ax.set_ylabel(f"throughput ({rate_unit(series.unit, prefix)})")
        ax.set_title(f"Throughput over time: {series.label}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # off the data
        ax.grid(alpha=0.3)
    return to_svg(fig, f"Throughput over time: {series.label}"), None


def _draw_windows(ax: Any, windows: tuple[tuple[float, float, float], ...], scale: float) -> None:
    """Each window as a bar at its rate over its span (one collection of lines); beyond what
    the plot's width can show apart, columns of consecutive windows with their min and max."""
    ys = [r / scale for *_, r in windows]
    if len(windows) <= MAX_WINDOWS_DRAWN:
        begins, ends = [b for b, _, _ in windows], [e for _, e, _ in windows]
        ax.hlines(ys, begins, ends, color=_MEASURED, linewidth=2.5, label="measured window")
        mids = [(b + e) / 2 for b, e in zip(begins, ends, strict=True)]
        ax.plot(mids, ys, "o", color=_MEASURED, markersize=3)
        return
    size = math.ceil(len(windows) / MAX_WINDOWS_DRAWN)
    starts = range(0, len(windows), size)
    edges = [windows[i][0] for i in starts] + [windows[-1][1]]
    lows = [min(ys[i : i + size]) for i in starts]
    highs = [max(ys[i : i + size]) for i in starts]
    label = f"min-max of {size} consecutive windows ({len(windows)} windows)"
    ax.stairs(highs, edges, baseline=lows, fill=True, color=_MEASURED, alpha=0.7, label=label)


def _draw_warmup(ax: object, series: RateSeries, scale: float) -> None:
    """Shade the warm-up span and draw its chunk rates as steps, spread evenly over it."""
    span = series.warmup_s or 0.0
    if span <= 0:
        return
    ax.axvspan(0.0, span, color=_WARMUP, alpha=0.15, linewidth=0, label="warm-up (not measured)")
    rates = series.warmup_rates_per_s
    if not rates:  # said in the legend: a label inside a narrow span would cover the axis
        ax.plot([], [], " ", label="warm-up rates not recorded")
        return
    edges = [span * i / len(rates) for i in range(len(rates) + 1)]
    ax.stairs(
        [r / scale for r in rates],
        edges,
        baseline=None,
        color=_WARMUP,
        linewidth=1.2,
        label="warm-up chunks (evenly spaced)",
    )


def rate_series(entry: Entry) -> RateSeries:
    """An entry's warm-up and windows on one time axis starting when warm-up began.

    Windows carry their times on the meter's clock in newer files; older files only give each
    window's length, so there the windows are laid end to end after the warm-up.
    """
    m = entry.measurement
    warm_s = m.warmup.seconds if m.warmup else 0.0
    windows = m.windows
    if windows and all(w.t_begin_s is not None and w.t_end_s is not None for w in windows):
        t0 = windows[0].t_begin_s - warm_s
        spans = [(w.t_begin_s - t0, w.t_end_s - t0) for w in windows]
    else:
        ends = list(itertools.accumulate((w.elapsed_s for w in windows), initial=warm_s))
        spans = list(zip(ends, ends[1:], strict=False))
    return RateSeries(
        cells.workload_label(entry),
        entry.unit,
        warm_s if m.warmup else None,
        m.warmup.rates_per_s if m.warmup else (),
        tuple((b, e, w.units_per_s) for (b, e), w in zip(spans, windows, strict=True)),
        m.stopped_by,
    )

"""The report's plots as inline SVG strings (matplotlib, no pyplot state, no display needed).

Each function returns (svg, None) or (None, note) when there is nothing measured to draw, so
the report shows the note instead of an empty plot.
"""

from __future__ import annotations

import html
import io
import re

import matplotlib

matplotlib.use("Agg")  # no display: the figures are only ever rendered to SVG text

from matplotlib.figure import Figure  # noqa: E402 - after the backend choice

from bench.report import figures as fg  # noqa: E402

_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "joulebench", "font.size": 10}
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


def revenue_per_kwh(doc: dict) -> tuple[str | None, str | None]:
    """Horizontal bars of USD per kWh per workload and per ASIC reference, log scale."""
    bars = [
        (
            f"{fg.workload_label(e)} [{', '.join(filter(None, (footing, fg.basis(e))))}]",
            value,
            _MEASURED,
        )
        for e in doc["workloads"]
        for value, footing in [fg.revenue_per_kwh(e)]
    ]
    bars += [
        (
            f"{r['name']} (ASIC) [{r.get('footing', 'wall')}, mining]",
            fg.revenue_per_kwh(r)[0],
            _ASIC,
        )
        for r in fg.asic_references(doc)
    ]
    drawn = [b for b in bars if isinstance(b[1], (int, float)) and b[1] > 0]
    if not drawn:
        return None, "No revenue per kWh to plot: every workload's energy is unmeasured."
    with matplotlib.rc_context(_STYLE):
        fig, ax = _bar_figure(len(drawn))
        ax.barh([b[0] for b in drawn], [b[1] for b in drawn], color=[b[2] for b in drawn])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel(
            "gross revenue per kWh (USD/kWh, log scale; [footing of the power, price basis])"
        )
        ax.set_title("Revenue per kWh: measured workloads (blue) and ASIC references (orange)")
        price = fg.scenario_value(doc.get("scenario", {}), "electricity_usd_kwh")
        if isinstance(price, (int, float)) and price > 0:
            ax.axvline(price, color="grey", linestyle="--", label=f"electricity {price:g} USD/kWh")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        ax.set_axisbelow(True)
        ax.grid(axis="x", which="major", alpha=0.4)
    missing = [b[0] for b in bars if b not in drawn]
    note = f"Not plotted (unmeasured, unpriced or not positive): {', '.join(missing)}."
    note = note if missing else None
    return to_svg(fig, "Revenue per kWh by workload"), note


def energy_per_unit(doc: dict) -> tuple[str | None, str | None]:
    """Horizontal bars of joules per work unit with the interquartile range, log scale."""
    drawn, missing = [], []
    for entry in doc["workloads"]:
        stat = fg.summary_stat(entry, "j_per_unit")
        median = fg.stat_median(stat)
        label = f"{fg.workload_label(entry)} (J/{entry.get('unit', 'unit')})"
        if median and median > 0:
            err = (max(median - stat["q1"], 0.0), max(stat["q3"] - median, 0.0))
            drawn.append((label, median, err))
        else:
            missing.append(label)
    if not drawn:
        return None, "No energy per unit to plot: every workload's energy is unmeasured."
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


def power_trace(entry: dict) -> tuple[str | None, str | None]:
    """Board power over time for one workload, with its idle power; a note when unmeasured."""
    trace = entry.get("power_trace") or {"unmeasured": "no power trace recorded"}
    label = fg.workload_label(entry)
    if trace.get("source") == fg.UNMEASURED and not trace.get("t_s"):
        trace = {"unmeasured": fg.energy_reason(entry)}
    if reason := fg.unmeasured_reason(trace):
        return None, f"{label}: power unmeasured ({reason})."
    if not trace.get("t_s"):
        return None, f"{label}: the power trace holds no samples."
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8, 2.6))
        ax = fig.add_subplot()
        ax.plot(trace["t_s"], trace["power_w"], color=_MEASURED, linewidth=1.2, label="power")
        idle = entry.get("idle") or {}
        if isinstance(idle.get("power_w"), (int, float)):
            ax.axhline(idle["power_w"], color="grey", linestyle="--", label="idle")
            ax.legend(loc="center right", fontsize=8)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("power (W)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"Power over time: {label} (source: {trace.get('source', '?')})")
        ax.grid(alpha=0.3)
    return to_svg(fig, f"Power over time: {label}"), None

"""Spread plots: values relative to their row's median, one row per group, as inline SVG.

Two uses: the measured windows of each workload (how steady one run was), and the devices of
each workload and card model in one result or fleet (how alike the cards are). Up to MAX_DOTS
values a row shows one dot each; past that a box (q1-q3, whiskers at min and max).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from bench.report import cells
from bench.report.plots import _MEASURED, _STYLE, RateSeries, to_svg
from bench.result.model import Result

MAX_DOTS = 200  # values per row drawn as dots; more become a box


@dataclass(frozen=True)
class SpreadRow:
    """One row: its label, its values, and what the note at its right adds (e.g. stopped by)."""

    label: str
    values: tuple[float, ...]
    note: str = ""
    names: tuple[str, ...] = ()  # one per value: the farthest from the median is named


def _draw_row(ax: Any, row: int, dev: list[float]) -> None:
    """One dot per value; beyond MAX_DOTS values a box (q1-q3) with whiskers at min and max."""
    if len(dev) <= MAX_DOTS:
        jitter = [row + 0.08 * ((i % 5) - 2) for i in range(len(dev))]
        ax.plot(dev, jitter, "o", color=_MEASURED, markersize=4, alpha=0.8)
        return
    ax.boxplot(
        [dev],
        positions=[row],
        orientation="horizontal",
        whis=(0, 100),
        widths=0.5,
        showfliers=False,
        manage_ticks=False,
        patch_artist=True,
        boxprops={"facecolor": _MEASURED, "alpha": 0.5},
        medianprops={"color": "black"},
    )


def relative_spread(rows: Sequence[SpreadRow], title: str, xlabel: str, dot: str) -> str:
    """The plot of rows whose medians are positive: each value as % from its row's median."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8, 1.2 + 0.5 * len(rows)))
        ax = fig.add_subplot()
        for i, row in enumerate(rows):
            median = statistics.median(row.values)
            dev = [100.0 * (v / median - 1.0) for v in row.values]
            _draw_row(ax, i, dev)
            if row.names:
                far = max(range(len(dev)), key=lambda k: abs(dev[k]))
                where = (dev[far], i)
                ax.annotate(
                    row.names[far],
                    where,
                    xytext=(0, 7),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
            text = f"n={len(dev)}, range {max(dev) - min(dev):.1f}%" + row.note
            ax.annotate(
                text, (1.01, i), xycoords=("axes fraction", "data"), va="center", fontsize=8
            )
        ax.axvline(0.0, color="grey", linewidth=1)
        ax.set_yticks(range(len(rows)), [r.label for r in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlabel(xlabel)
        many = any(len(r.values) > MAX_DOTS for r in rows)
        box = f"; beyond {MAX_DOTS}, a box: q1-q3, whiskers min-max" if many else ""
        ax.set_title(f"{title} (one dot per {dot}{box})")
        ax.grid(axis="x", alpha=0.3)
    return to_svg(fig, title)


def _positive(rows: list[SpreadRow]) -> tuple[list[SpreadRow], list[str]]:
    kept = [r for r in rows if r.values and statistics.median(r.values) > 0]
    return kept, [r.label for r in rows if r not in kept]


def window_spread(series: list[RateSeries]) -> tuple[str | None, str | None]:
    """Each window's throughput relative to its workload's median, one row per workload."""
    rows = [
        SpreadRow(
            s.label,
            tuple(r for *_, r in s.windows),
            f", stopped by {s.stopped_by}" if s.stopped_by else "",
        )
        for s in series
    ]
    drawn, skipped = _positive(rows)
    note = f"Not in the spread plot (no windows, or a median of 0): {', '.join(skipped)}."
    if not drawn:
        return None, note
    xlabel = "window throughput relative to the workload's median (%)"
    svg = relative_spread(drawn, "Spread of the measured windows", xlabel, "window")
    return svg, note if skipped else None


DEVICE_KEYS = {"units_per_s": "throughput", "j_per_unit": "energy per unit"}


def device_rows(result: Result, key: str) -> list[SpreadRow]:
    """Per workload and card model with two or more devices: each device's median of `key`."""
    groups: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for entry in result.workloads:
        value = entry.median(key)
        if value is not None:
            card = entry.device.name or entry.device.kind
            groups.setdefault((entry.name, card), []).append((value, cells.device_label(entry)))
    rows = [
        SpreadRow(f"{name} on {card}", tuple(v for v, _ in pairs), "", tuple(w for _, w in pairs))
        for (name, card), pairs in groups.items()
    ]
    return [row for row in rows if len(row.values) >= 2]


def device_spread(result: Result, key: str) -> tuple[str | None, str | None]:
    """The devices of each card model: their medians of `key` relative to the row's median."""
    drawn, _ = _positive(device_rows(result, key))
    if not drawn:
        return None, None  # one device per card model: nothing to spread
    what = DEVICE_KEYS[key]
    title = f"Spread across devices: {what}"
    xlabel = f"each device's median {what} relative to its card model's median (%)"
    return relative_spread(drawn, title, xlabel, "device"), None

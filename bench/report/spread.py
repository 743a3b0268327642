"""Spread plots: values relative to their row's median, one row per group, as inline SVG.

Two uses: the measured windows of each workload (how steady one run was), and the devices of
each workload and card model in one result or fleet (how alike the cards are). Up to MAX_DOTS
values a row shows one dot each; past that a box (q1-q3, whiskers at min and max).

For the devices there is also one strip plot per workload and card model in the figures' own
units (`card_strips`): each card's median J/unit and throughput, one dot per card, the median
marked and the card farthest from it named; where energy is unmeasured, throughput only and
the reason in a note.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from bench.report import cells
from bench.report.plots import _MEASURED, _STYLE, RateSeries, axis_scale, rate_unit, to_svg
from bench.result.entry import Entry
from bench.result.model import Result

MAX_DOTS = 200  # values per row drawn as dots; more become a box


@dataclass(frozen=True)
class SpreadRow:
    """One row: its label, its values, and what the note at its right adds (e.g. stopped by)."""

    label: str
    values: tuple[float, ...]
    note: str = ""
    names: tuple[str, ...] = ()  # one per value: the farthest from the median is named


def _jitter(row: float, count: int) -> list[float]:
    """Each dot's height in its row: five lanes, so close values stay apart."""
    if count > MAX_DOTS:  # a box, drawn on the row itself
        return [row] * count
    return [row + 0.08 * ((i % 5) - 2) for i in range(count)]


def _draw_row(ax: Any, row: int, dev: list[float], gid: str | None = None) -> None:
    """One dot per value; beyond MAX_DOTS values a box (q1-q3) with whiskers at min and max."""
    if len(dev) <= MAX_DOTS:
        ax.plot(dev, _jitter(row, len(dev)), "o", color=_MEASURED, markersize=4, alpha=0.8, gid=gid)
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


CARD_KEYS = (("j_per_unit", "energy per unit"), ("units_per_s", "throughput"))


@dataclass(frozen=True)
class CardGroup:
    """The entries of one workload on two or more devices of one card model."""

    workload: str
    card: str
    unit: str
    entries: tuple[Entry, ...]

    @property
    def label(self) -> str:
        return f"{self.workload} on {self.card}"


def card_groups(result: Result) -> list[CardGroup]:
    """Per workload and card model (device name), the entries of two or more devices."""
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in result.workloads:
        card = entry.device.name or entry.device.kind
        groups.setdefault((entry.name, card), []).append(entry)
    return [
        CardGroup(name, card, found[0].unit, tuple(found))
        for (name, card), found in groups.items()
        if len(found) >= 2
    ]


def _figure_text(key: str, value: float, unit: str) -> str:
    if key == "units_per_s":
        return cells.rate_text(value, unit)
    return f"{cells.si(value)}J/{cells.unit_short(unit)}"


def _card_panel(ax: Any, key: str, what: str, unit: str, pairs: list[tuple[float, str]]) -> None:
    """One strip: a dot per card at its value, the median dashed, the farthest card named."""
    values = [v for v, _ in pairs]
    mid = statistics.median(values)
    scale, prefix = axis_scale(mid) if key == "units_per_s" else (1.0, "")
    _draw_row(ax, 0, [v / scale for v in values], gid=f"card-dots-{key}")
    ax.axvline(mid / scale, color="black", linestyle="--", linewidth=1)
    ax.annotate(f"median {_figure_text(key, mid, unit)}", (mid / scale, -0.5), xytext=(3, -9),
                textcoords="offset points", fontsize=7)  # fmt: skip
    far = max(range(len(values)), key=lambda k: abs(values[k] - mid))
    rel = f", {100.0 * (values[far] / mid - 1.0):+.1f}% from the median" if mid > 0 else ""
    ax.annotate(
        f"{pairs[far][1]}: {_figure_text(key, values[far], unit)}{rel}",
        (values[far] / scale, _jitter(0, len(values))[far]),
        xytext=(0, -12),
        textcoords="offset points",
        ha="right" if values[far] > mid else "left",
        fontsize=7,
    )
    ax.set_ylim(0.5, -0.5)
    ax.set_yticks([])
    short = cells.unit_short(unit)
    axis_unit = rate_unit(unit, prefix) if key == "units_per_s" else f"J/{short}"
    ax.set_xlabel(f"{what} of each card ({axis_unit})")
    ax.grid(axis="x", alpha=0.3)


def _missing_note(group: CardGroup, key: str, drawn: int) -> str | None:
    """Why some cards have no dot for `key` (energy: the entries' own reasons)."""
    missing = [e for e in group.entries if e.median(key) is None]
    if not missing:
        return None
    what = dict(CARD_KEYS)[key]
    if key == "j_per_unit":
        why = "; ".join(dict.fromkeys(cells.energy_reason(e) for e in missing))
    else:
        why = "no throughput in the result"
    which = ", ".join(cells.device_label(e) for e in missing)
    shown = "throughput only" if drawn < 2 else f"the other {drawn} cards plotted"
    return (
        f"{group.label}: {what} unmeasured on {len(missing)} of {len(group.entries)} cards "
        f"({which}: {why}); {shown}."
    )


def card_strips(group: CardGroup) -> tuple[str | None, str | None]:
    """The cards of one workload and card model: J/unit and throughput, one dot per card."""
    panels, notes = [], []
    for key, what in CARD_KEYS:
        pairs = [(e.median(key), cells.device_label(e)) for e in group.entries]
        drawn = [(v, label) for v, label in pairs if v is not None]
        notes.append(_missing_note(group, key, len(drawn)))
        if len(drawn) >= 2:
            panels.append((key, what, drawn))
    note = " ".join(n for n in notes if n) or None
    if not panels:
        return None, note
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8, 0.8 + 1.4 * len(panels)))
        axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, (key, what, drawn) in zip(axes, panels, strict=True):
            _card_panel(ax, key, what, group.unit, drawn)  # type: ignore[arg-type]
        n = len(group.entries)
        fig.suptitle(f"{group.label}: {n} cards (one dot per card, dashed: the median)")
        fig.tight_layout()
    return to_svg(fig, f"Cards: {group.label}"), note

"""The site planner's output: a terminal summary and a self-contained HTML page (inline SVG)."""

from __future__ import annotations

import html

_ROWS = (
    ("BTC mined", "btc_mined", "BTC"),
    ("mining revenue", "mining_revenue_usd", "USD"),
    ("AI revenue", "ai_revenue_usd", "USD"),
    ("demand response", "demand_response_usd", "USD"),
    ("electricity", "electricity_usd", "USD"),
    ("margin", "margin_usd", "USD"),
)
_PLOT_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "joulebench-site", "font.size": 10}
_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; padding: 0 1.5em; max-width: 70em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
"""


def _num(value: object, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "BTC":
        return f"{value:,.2f}"
    return f"{value:,.0f}" if abs(value) >= 1e3 else f"{value:.6g}"


def summary_rows(doc: dict) -> list[list[str]]:
    """[label, total, per MW, unit] for the period."""
    return [
        [label, _num(doc[key], unit), _num(doc["per_mw"][key], unit), unit]
        for label, key, unit in _ROWS
    ]


def hall_rows(doc: dict) -> list[list[str]]:
    """One row per hall: name, kind, MW, BTC, revenues, electricity, margin, margin per MW."""
    return [
        [
            h["name"],
            h["kind"],
            _num(h["critical_it_mw"]),
            _num(h["btc_mined"], "BTC"),
            _num(h["mining_revenue_usd"]),
            _num(h["ai_revenue_usd"]),
            _num(h["electricity_usd"]),
            _num(h["margin_usd"]),
            _num(h["margin_usd_per_mw"]),
        ]
        for h in doc["halls"]
    ]


HALL_HEADER = [
    "hall",
    "kind",
    "MW",
    "BTC",
    "mining USD",
    "AI USD",
    "electricity USD",
    "margin USD",
    "margin USD/MW",
]


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows as indented columns: the first column left-aligned, the figures right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]


def assumption_lines(doc: dict) -> list[str]:
    """Each assumption as one line: where, what, value and its source."""
    out = []
    for a in doc["assumptions"]:
        if a["where"] == "rule":
            out.append(f"  rule: {a['what']}")
            continue
        kind = f" [{a['kind']}]" if a.get("kind") else ""
        date = f", {a['date']}" if a.get("date") else ""
        out.append(f"  {a['where']}: {a['what']} = {_num(a['value'])}{kind}{date}: {a['source']}")
    return out


def render_site_text(doc: dict) -> str:
    """The terminal summary: totals, halls, payback, sweep table and every assumption."""
    site, per = doc["site"], doc["period"]
    lines = [
        f"site {site['name']}: {site['critical_it_mw']:g} MW critical IT; "
        f"{per['label']} ({doc['period_days']:g} days)"
    ]
    lines += [f"  {r[0]:<16} {r[1]:>16} {r[3]:<4} {r[2]:>14} {r[3]}/MW" for r in summary_rows(doc)]
    mk = doc["market"]
    lines.append(
        f"  hashprice {mk['hashprice_usd_per_ph_day']:.4g} USD/PH/day at effective "
        f"difficulty {mk['difficulty_effective']:.5g}, BTC {mk['btc_price_usd']:,.0f} USD"
    )
    lines.append("halls:")
    lines += _aligned([HALL_HEADER, *hall_rows(doc)])
    lines.append("payback: " + _payback_text(doc["payback"]))
    if "sweep" in doc:
        sw = doc["sweep"]
        lines.append(f"sweep over {sw['kind']} ({sw['unit']}): value -> margin USD, BTC mined")
        lines += [
            f"  {p['value']:>14.6g} -> {p['margin_usd']:>16,.0f}  {p['btc_mined']:,.2f}"
            for p in sw["points"]
        ]
    lines.append("reported: " + _reported_text(doc["reported"]))
    lines.append("assumptions:")
    lines += assumption_lines(doc)
    return "\n".join(lines)


def _reported_text(rep: list | str) -> str:
    if isinstance(rep, str):
        return rep
    return "; ".join(
        f"{r['what']} {_num(r['model'])} modelled against {_num(r['reported'])} reported "
        + (
            f"({100 * (r['model_over_reported'] - 1):+.1f} %)"
            if r.get("model_over_reported") is not None
            else "(no ratio to a reported 0)"
        )
        for r in rep
    )


def _payback_text(pay: dict) -> str:
    if "note" in pay:
        return pay["note"]
    parts = []
    for h in pay["halls"]:
        simple, vs = h["payback_days"], h["payback_vs_mining_days"]
        parts.append(
            f"{h['hall']}: capex {h['capex_usd']:,.0f} USD, payback "
            f"{_days(simple)} ({_days(vs)} against mining the same MW)"
        )
    return "; ".join(parts) or "no AI hall"


def _days(value: float | None) -> str:
    return "never (margin not positive)" if value is None else f"{value:,.0f} days"


def sweep_svg(sweep: dict) -> str:
    """The sweep as an inline SVG line plot: margin, mining and AI revenue against the value."""
    import matplotlib
    from matplotlib.figure import Figure

    from bench.report.plots import to_svg

    xs = [p["value"] for p in sweep["points"]]
    style = dict(_PLOT_STYLE)
    if "text.parse_math" in matplotlib.rcParams:  # a "$" pair in a site or hall name is not TeX
        style["text.parse_math"] = False
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(8, 3.6))
        ax = fig.add_subplot()
        for key, label in (
            ("margin_usd", "margin"),
            ("mining_revenue_usd", "mining revenue"),
            ("ai_revenue_usd", "AI revenue"),
            ("electricity_usd", "electricity"),
        ):
            ax.plot(
                xs, [p[key] / 1e6 for p in sweep["points"]], marker="o", markersize=3, label=label
            )
        ax.set_xlabel(f"{sweep['kind']} ({sweep['unit']})")
        ax.set_ylabel("M USD over the period")
        ax.set_title(f"Site margin against {sweep['kind']}")
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return to_svg(fig, f"Site sweep over {sweep['kind']}")


def _sweep_figure(sw: dict) -> str:
    try:  # matplotlib is optional at run time: without it the page says why it has no plot
        svg = sweep_svg(sw)
    except ImportError as exc:
        return f"<p>Plot omitted: {html.escape(str(exc))}; the points are in the table.</p>"
    kind = html.escape(sw["kind"])
    return (
        f"<figure>{svg}<figcaption>Margin, revenues and electricity over the period at each "
        f"{kind}.</figcaption></figure>"
    )


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i >= numeric_from else ''}>{html.escape(str(c))}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _sweep_section(sw: dict) -> str:
    keys = ("btc_mined", "mining_revenue_usd", "ai_revenue_usd", "electricity_usd", "margin_usd")
    rows = [
        [_num(p["value"])] + [_num(p[k], "BTC" if k == "btc_mined" else "") for k in keys]
        for p in sw["points"]
    ]
    header = [sw["unit"], "BTC", "mining USD", "AI USD", "electricity USD", "margin USD"]
    return (
        f"<h2>Sweep over {html.escape(sw['kind'])}</h2>"
        + _sweep_figure(sw)
        + _table(header, rows, numeric_from=0)
    )


def render_site_html(doc: dict) -> str:
    """One self-contained HTML page: totals, halls, payback, the sweep plot and assumptions."""
    site, per = doc["site"], doc["period"]
    title = f"joulebench site: {site['name']}, {per['label']}"
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(site['description'])}</p>",
        f"<p>{site['critical_it_mw']:g} MW of critical IT; {doc['period_days']:g} days "
        f"from {per['start']} to {per['end']}.</p>",
        "<h2>Period totals</h2>",
        _table(["", "total", "per MW", "unit"], summary_rows(doc)),
        "<h2>Halls</h2>",
        _table(HALL_HEADER, hall_rows(doc), numeric_from=2),
        "<h2>Against the reported figures</h2>",
        f"<p>{html.escape(_reported_text(doc['reported']))}</p>",
        f"<h2>Conversion payback</h2><p>{html.escape(_payback_text(doc['payback']))}</p>",
    ]
    if "sweep" in doc:
        parts.append(_sweep_section(doc["sweep"]))
    rows = [
        [a["where"], a["what"], _num(a.get("value")), a.get("kind", ""), a.get("date", "")]
        + [a.get("source", "")]
        for a in doc["assumptions"]
    ]
    parts += [
        "<h2>Assumptions</h2>",
        _table(["where", "what", "value", "kind", "date", "source"], rows, numeric_from=9),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )

"""The HTML report of one result: a single self-contained file, plots inline as SVG."""

from __future__ import annotations

import html

from bench.report import figures as fg
from bench.report.table import COLUMNS, LEGEND, all_warnings, table_rows, unmeasured_notes

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; padding: 0 1.5em; max-width: 70em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
tr.asic td { color: #8a4b00; background: #fff7ee; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
p.note { color: #8a4b00; background: #fff7ee; padding: 0.4em 0.8em; }
ul.warnings li { color: #a00; }
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


def _results_section(doc: dict) -> str:
    rows, asics = table_rows(doc)
    head = _table(COLUMNS, rows)
    asic_table = _table(COLUMNS, asics, cls="asic") if asics else "<p>No ASIC references.</p>"
    notes = "".join(f'<p class="note">{_esc(n)}</p>' for n in unmeasured_notes(doc))
    return (
        "<h2>Results</h2>" + head + notes + f"<p>{_esc(LEGEND)}</p>"
        "<h3>ASIC references (nameplate, not measured here)</h3>" + asic_table
    )


def _plots_section(doc: dict) -> str:
    try:  # matplotlib is optional at run time: without it the report says why it has no plots
        from bench.report import plots
    except ImportError as exc:
        return f'<h2>Plots</h2><p class="note">Plots omitted: {_esc(exc)}.</p>'
    made = [
        (*plots.revenue_per_kwh(doc), "Revenue per kWh, log scale"),
        (*plots.energy_per_unit(doc), "Energy per work unit, log scale"),
    ]
    for entry in doc.get("workloads", []):
        made.append((*plots.power_trace(entry), f"Power over time, {fg.workload_label(entry)}"))
    parts = ["<h2>Plots</h2>"]
    for i, (svg, note, caption) in enumerate(made):
        scoped = plots.scope_ids(svg, f"plot{i}-") if svg else None
        parts.append(_figure(scoped, note, caption))
    return "\n".join(parts)


def _environment_section(env: dict) -> str:
    rows = []
    for key, value in env.items():
        if key == "devices":
            value = "; ".join(
                f"{d.get('id')}: {d.get('name')} ({d.get('energy_source')})" for d in value
            )
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {'n/a' if v is None else v}" for k, v in value.items())
        rows.append([key, "" if value is None else value])
    return "<h2>Environment</h2>" + _table(["item", "value"], rows)


def _scenario_section(scenario: dict) -> str:
    title = f"{scenario.get('name', '?')}, {scenario.get('date', 'undated')}"
    desc = f"<p>{_esc(scenario.get('description', ''))}</p>" if scenario.get("description") else ""
    rows = [list(r) for r in fg.scenario_items(scenario)]
    return (
        f"<h2>Scenario: {_esc(title)}</h2>"
        + desc
        + _table(["figure", "value", "date", "source"], rows)
    )


def _warnings_section(doc: dict) -> str:
    items = all_warnings(doc)
    if not items:
        return "<h2>Warnings</h2><p>None.</p>"
    lis = "".join(f"<li>{_esc(w)}</li>" for w in items)
    return f'<h2>Warnings</h2><ul class="warnings">{lis}</ul>'


def render_html(doc: dict) -> str:
    """The whole report as one HTML string: table, plots, environment, scenario, warnings."""
    env = doc.get("environment", {})
    title = f"joulebench report: {env.get('hostname', '?')}, {env.get('started_utc', '')}"
    body = "\n".join(
        [
            f"<h1>{_esc(title)}</h1>",
            f"<p>Schema version {_esc(doc.get('schema_version'))}; scenario "
            f"{_esc(doc.get('scenario', {}).get('name', '?'))}.</p>",
            _results_section(doc),
            _plots_section(doc),
            _environment_section(env),
            _scenario_section(doc.get("scenario", {})),
            _warnings_section(doc),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )

"""`joulebench report` and `joulebench compare`: work on saved results."""

from __future__ import annotations

import click

from bench.cli.econ import pop_overrides, scenario_overrides
from bench.console import emit_json


@click.command("compare")
@click.argument("result_files", nargs=-1, required=True)
@click.option("--sort-by", default="usd_per_kwh", help="Metric to sort rows by.")
@click.option("--scenario", default=None, help="Re-price every result under this scenario.")
@click.option("--years", type=float, default=3.0, show_default=True, help="Years of the TCO.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def compare_cmd(result_files, sort_by, scenario, years, as_json) -> None:
    """A procurement table across saved results (cards, machines); the first is the baseline."""
    from bench.report import compare_results, format_comparison

    comparison = compare_results(
        list(result_files), sort_by=sort_by, scenario=scenario, years=years
    )
    if as_json:
        emit_json(comparison)
    else:
        click.echo(format_comparison(comparison))


@click.command("report")
@click.argument("result_file")
@click.option("--scenario", default=None, help="Re-price under this scenario.")
@scenario_overrides
@click.option("--html", "html_out", default=None, help="Write the HTML report to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the (re-priced) result document.")
def report_cmd(result_file, scenario, html_out, as_json, **flags) -> None:
    """Re-render a saved result: the table, and optionally the HTML report."""
    from bench.econ import load_scenario
    from bench.report import render_html, render_table, rerender
    from bench.result import atomic_write_text, read_result

    doc = read_result(result_file)
    overrides = {k: v for k, v in pop_overrides(flags).items() if v is not None}
    if scenario or overrides:
        name = scenario or doc.get("scenario", {}).get("name", "late-2025")
        doc = rerender(doc, load_scenario(name, **overrides))
    if html_out:
        atomic_write_text(html_out, render_html(doc))
    if as_json:
        emit_json(doc)
        return
    click.echo(render_table(doc))
    if html_out:
        click.echo(f"report: {html_out}")


COMMANDS = [compare_cmd, report_cmd]

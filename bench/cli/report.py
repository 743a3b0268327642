"""`joulebench report` and `joulebench compare`: work on saved results."""

from __future__ import annotations

import click

from bench.cli.econ import pop_overrides, scenario_overrides
from bench.cli.types import PERCENT, YEARS
from bench.console import emit_json, say


@click.command("compare")
@click.argument("result_files", nargs=-1, required=True)
@click.option("--sort-by", default="usd_per_kwh", help="Metric to sort rows by.")
@click.option("--scenario", default=None, help="Re-price every result under this scenario.")
@click.option("--years", type=YEARS, default=3.0, show_default=True, help="Years of the TCO.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--fail-if-slower",
    "fail_pct",
    type=PERCENT,
    default=None,
    metavar="PCT",
    help="Gate BASELINE NEW: exit 1 when a workload is SLOW by more than PCT percent.",
)
def compare_cmd(result_files, sort_by, scenario, years, as_json, fail_pct) -> None:
    """A procurement table across saved results (cards, machines); the first is the baseline."""
    from bench.econ import load_scenario
    from bench.econ.pricing import reprice
    from bench.fleet.view import fleet_or_path
    from bench.report import compare_results, format_comparison
    from bench.report.compare import labelled

    if fail_pct is not None:
        _only_gate_options(click.get_current_context())
        _gate(list(result_files), fail_pct, as_json)
    items = labelled([fleet_or_path(p) for p in result_files])  # a fleet reads as one result
    scen = None
    if scenario is not None:  # re-priced here, by econ: the report layer never prices
        scen = load_scenario(scenario)
        items = [(label, reprice(result, scen)) for label, result in items]
    comparison = compare_results(items, sort_by=sort_by, scenario=scen, years=years)
    if as_json:
        emit_json(comparison)
    else:
        say(format_comparison(comparison))


def _only_gate_options(ctx: click.Context) -> None:
    """The gate judges throughput: --scenario, --sort-by and --years have no part in it, so
    giving them beside --fail-if-slower is refused rather than ignored."""
    from bench.errors import InvalidInput

    for name in ("scenario", "sort_by", "years"):
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
            flag = "--" + name.replace("_", "-")
            raise InvalidInput(f"--fail-if-slower gates throughput only; {flag} has no part in it")


def _gate(items: list, fail_pct: float, as_json: bool) -> None:
    """compare --fail-if-slower: print every verdict; exit 1 when the gate fails, else 0."""
    import sys

    from bench.errors import InvalidInput
    from bench.report.gate import format_gate, run_gate

    if len(items) != 2:
        raise InvalidInput(f"--fail-if-slower compares BASELINE NEW: got {len(items)} result(s)")
    gate = run_gate(items[0], items[1], fail_pct)
    if as_json:
        emit_json(gate)
    else:
        say(format_gate(gate), nl=False)
    sys.exit(1 if gate["failed"] else 0)


@click.command("report")
@click.argument("result_file")
@click.option("--scenario", default=None, help="Re-price under this scenario.")
@scenario_overrides
@click.option("--html", "html_out", default=None, help="Write the HTML report to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the (re-priced) result document.")
def report_cmd(result_file, scenario, html_out, as_json, **flags) -> None:
    """Re-render a saved result: the table, and optionally the HTML report."""
    from bench.econ import load_scenario
    from bench.econ.pricing import reprice
    from bench.fleet.view import load_any
    from bench.report import render_html, render_table
    from bench.result import atomic_write_text, check_output_path

    if html_out is not None:  # before any work: not a device, link, folder, or the input
        check_output_path(html_out, inputs=[result_file])
    result = load_any(result_file)  # a result, or a fleet document read as one
    overrides = {k: v for k, v in pop_overrides(flags).items() if v is not None}
    if scenario is not None or overrides:
        name = scenario if scenario is not None else _preset_of(result, result_file)
        result = reprice(result, load_scenario(name, **overrides))
    if html_out is not None:
        atomic_write_text(html_out, render_html(result))
    if as_json:
        emit_json(result.to_dict())
        return
    say(render_table(result))
    if html_out:
        say(f"report: {html_out}")


def _preset_of(result, result_file: str) -> str:
    """The preset a result was priced under: a name read from a file is data, never a path."""
    from bench.econ.scenario import preset_names
    from bench.errors import ScenarioError

    if result.scenario_name not in preset_names():
        raise ScenarioError(
            f"{result_file} was priced under scenario {result.scenario_name!r}, which is not a "
            "preset here: give --scenario (a preset or a TOML file) to re-price it"
        )
    return result.scenario_name


COMMANDS = [compare_cmd, report_cmd]

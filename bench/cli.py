"""The joulebench command line: click commands only (parse, call, print). No logic here.

Errors: every JoulebenchError and every usage error becomes one line on stderr and exit
status 2, with nothing on stdout. Heavy modules (torch, cupy) are imported inside commands so
that `joulebench mine` and `joulebench econ` start fast.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from bench import __version__
from bench.errors import JoulebenchError


class JoulebenchGroup(click.Group):
    """A click group whose errors are one line on stderr and exit status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _fail(exc.format_message())
        except JoulebenchError as exc:
            _fail(str(exc))
        except (KeyboardInterrupt, click.Abort):
            click.echo("joulebench: interrupted; no result written", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


def _fail(message: str) -> None:
    line = " ".join(str(message).split())  # one line, whatever the message held
    click.echo(f"joulebench: error: {line}", err=True)
    sys.exit(2)


def emit_json(doc: object) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(doc, indent=2, sort_keys=False, allow_nan=False))


@click.group(cls=JoulebenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="joulebench")
@click.option("-v", "--verbose", count=True, help="Log to stderr (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Measure what one joule earns on this machine: Bitcoin mining against AI inference."""
    if verbose:
        _log_to_stderr(logging.DEBUG if verbose > 1 else logging.INFO)


def _log_to_stderr(level: int) -> None:
    logger = logging.getLogger("bench")
    if not any(getattr(h, "_joulebench", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._joulebench = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="joulebench")


# --- mine (issues 2, 3) ------------------------------------------------------------------


@cli.command()
@click.option("--header", "header_hex", required=True, help="The 80-byte header as 160 hex.")
@click.option("--nonce-start", type=int, required=True, help="First nonce searched.")
@click.option("--nonce-count", type=int, required=True, help="Nonces searched (range < 2**32).")
@click.option("--zero-bits", type=int, default=None, help="Target: hash < 2**(256-K).")
@click.option("--target", "target_hex", default=None, help="Target: 64 hex, display order.")
@click.option(
    "--backend",
    type=click.Choice(["auto", "cpu", "cuda"], case_sensitive=False),
    default="auto",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def mine(header_hex, nonce_start, nonce_count, zero_bits, target_hex, backend, as_json) -> None:
    """Search a nonce range of one header for every hash at or under the target."""
    from bench.mining.search import mine as search

    result = search(header_hex, nonce_start, nonce_count, zero_bits, target_hex, backend)
    if as_json:
        emit_json(result.to_dict())
        return
    doc = result.to_dict()
    rate = f"{doc['hashrate_hs'] / 1e6:.2f} MH/s" if doc["hashrate_hs"] else "rate unmeasured"
    click.echo(
        f"{doc['backend']} ({doc['path']}): {doc['hashes']} hashes from nonce "
        f"{doc['nonce_start']} in {doc['seconds']:.4f} s, {rate}"
    )
    click.echo(f"target {doc['target']}")
    click.echo(f"{len(doc['found'])} found")
    for item in doc["found"]:
        click.echo(f"  nonce {item['nonce']:>10}  hash {item['hash']}")


# --- devices (issue 4) -------------------------------------------------------------------


@cli.command("devices")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def devices_cmd(as_json: bool) -> None:
    """List the devices: id, name, kind and energy source (and why)."""
    from bench.devices import discover

    found = discover()
    if as_json:
        emit_json(found.to_dict())
        return
    for d in found.devices:
        memory = f"{d.memory_bytes / 2**30:.0f} GiB" if d.memory_bytes else "memory unknown"
        click.echo(f"{d.id:<8} {d.name} ({d.kind}, {memory})")
        click.echo(f"{'':<8} energy: {d.energy_source}: {d.energy_note}")
    if found.cuda_note:
        click.echo(f"no GPU: {found.cuda_note}")


# --- econ (issue 6) ----------------------------------------------------------------------

# CLI flag -> scenario field (the flags override the scenario's figures)
_ECON_FLAGS = {
    "btc_price": "btc_price_usd",
    "difficulty": "difficulty",
    "hashprice_usd_ph_day": "hashprice_usd_per_ph_day",
    "subsidy_btc": "subsidy_btc",
    "block_height": "block_height",
    "fees_btc": "fees_btc_per_block",
    "fees_share": "fees_share_of_rewards",
    "pool_fee": "pool_fee",
    "electricity_usd_kwh": "electricity_usd_kwh",
    "pue": "pue",
    "uptime": "uptime",
    "host_overhead": "host_overhead_fraction",
}
_SCENARIO_OPTION = click.option(
    "--scenario",
    "scenario_name",
    default="late-2025",
    show_default=True,
    help="Preset name or a scenario TOML file.",
)
# Flags that override one figure of the scenario (econ, run and report take them all).
_OVERRIDE_OPTIONS = [
    click.option("--btc-price", type=float, help="BTC price, USD."),
    click.option("--difficulty", type=float, help="Network difficulty."),
    click.option(
        "--hashprice-usd-ph-day",
        type=float,
        help="Hashprice, USD per PH/s per day (sets the difficulty).",
    ),
    click.option("--subsidy-btc", type=float, help="Block subsidy, BTC."),
    click.option("--block-height", type=int, help="Block height (sets the subsidy)."),
    click.option("--fees-btc", type=float, help="Average fees per block, BTC."),
    click.option("--fees-share", type=float, help="Fees as a share of block rewards (0.006)."),
    click.option("--pool-fee", type=float, help="Pool fee as a fraction (0.02 = 2 %)."),
    click.option("--electricity-usd-kwh", type=float, help="Electricity price, USD/kWh."),
    click.option("--pue", type=float, help="Facility PUE (>= 1)."),
    click.option("--uptime", type=float, help="Fraction of time running, in (0, 1]."),
    click.option(
        "--host-overhead",
        type=float,
        help="Host power as a fraction of board power (board footing).",
    ),
]
_ECON_OPTIONS = [
    _SCENARIO_OPTION,
    *_OVERRIDE_OPTIONS,
    click.option(
        "--footing",
        type=click.Choice(["board", "wall", "package"]),
        default="board",
        show_default=True,
        help="--power-w is board (NVML; adds host overhead), wall, or CPU package (RAPL).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print one JSON document."),
]


def _scenario_overrides(func):
    for option in reversed(_OVERRIDE_OPTIONS):
        func = option(func)
    return func


def _pop_overrides(flags: dict) -> dict:
    """The scenario overrides given on the command line (removed from flags)."""
    return {field: flags.pop(flag) for flag, field in _ECON_FLAGS.items()}


def _econ_options(func):
    for option in reversed(_ECON_OPTIONS):
        func = option(func)
    return func


def _econ_scenario(scenario_name: str, flags: dict):
    """Load the scenario with the command-line overrides (pops the scenario flags)."""
    from bench.econ import load_scenario

    return load_scenario(scenario_name, **_pop_overrides(flags))


@cli.group()
def econ() -> None:
    """Revenue per joule under a dated market scenario: mining, AI, ASIC references."""


@econ.command("mining")
@click.option("--hashrate-hs", type=float, required=True, help="Hashrate, hashes/s.")
@click.option("--power-w", type=float, required=True, help="Power draw, W.")
@_econ_options
def econ_mining(hashrate_hs, power_w, scenario_name, footing, as_json, **flags) -> None:
    """Mining revenue of a device from its hashrate and power, beside the ASIC references."""
    from bench.econ import mining_revenue
    from bench.econ.format import format_mining

    scenario = _econ_scenario(scenario_name, flags)
    doc = mining_revenue(hashrate_hs, power_w, scenario, footing=footing)
    emit_json(doc) if as_json else click.echo(format_mining(doc))


@econ.command("ai")
@click.option("--units-per-s", type=float, required=True, help="Throughput, work units/s.")
@click.option("--power-w", type=float, required=True, help="Power draw, W.")
@click.option("--usd-per-million-units", type=float, help="Price per million units sold.")
@click.option("--usd-per-hour", type=float, help="Rental price per GPU-hour.")
@click.option("--utilisation", type=float, help="Share of hours sold (GPU-hour basis).")
@click.option(
    "--mining-hashrate-hs",
    type=float,
    help="Hashrate of the same card mining at the same power: adds the pivot ratio.",
)
@_econ_options
def econ_ai(
    units_per_s,
    power_w,
    usd_per_million_units,
    usd_per_hour,
    utilisation,
    mining_hashrate_hs,
    scenario_name,
    footing,
    as_json,
    **flags,
) -> None:
    """AI revenue from throughput and power, per unit sold or per GPU-hour rented."""
    from bench.econ import ai_revenue, mining_revenue, pivot
    from bench.econ.format import format_ai

    if (usd_per_million_units is None) == (usd_per_hour is None):
        raise click.UsageError("give exactly one of --usd-per-million-units and --usd-per-hour")
    scenario = _econ_scenario(scenario_name, flags)
    doc = ai_revenue(
        units_per_s,
        power_w,
        scenario,
        usd_per_million_units,
        usd_per_hour,
        utilisation,
        footing=footing,
    )
    if mining_hashrate_hs is not None:
        mining = mining_revenue(mining_hashrate_hs, power_w, scenario, footing, compare_asics=False)
        doc["pivot"] = pivot(doc, mining)
    emit_json(doc) if as_json else click.echo(format_ai(doc))


@econ.command("scenarios")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def econ_scenarios(as_json) -> None:
    """List the preset market scenarios with their dates."""
    from bench.econ import list_scenarios
    from bench.econ.format import format_scenarios

    presets = list_scenarios()
    emit_json({"scenarios": presets}) if as_json else click.echo(format_scenarios(presets))


@econ.command("asics")
@_SCENARIO_OPTION
@_scenario_overrides
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def econ_asics(scenario_name, as_json, **flags) -> None:
    """List the ASIC references and what they earn under a scenario."""
    from bench.econ import asic_references
    from bench.econ.format import format_asics

    scenario = _econ_scenario(scenario_name, flags)
    refs = asic_references(scenario)
    doc = {"asics": refs, "scenario": scenario.to_dict()}
    emit_json(doc) if as_json else click.echo(format_asics(refs, scenario.name))


@econ.command("cards")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def econ_cards(as_json) -> None:
    """List the card catalog: datasheet figures and quoted prices with their sources."""
    from bench.econ import load_cards
    from bench.econ.format import format_cards

    cards = [c.to_dict() for c in load_cards()]
    emit_json({"cards": cards}) if as_json else click.echo(format_cards(cards))


@econ.command("tco")
@click.option("--capex-usd", type=float, help="Purchase price, USD (default: the card's).")
@click.option("--card", "card_name", help="Catalog card (econ cards): its price is the capex.")
@click.option("--power-w", type=float, required=True, help="Power draw while running, W.")
@click.option("--years", type=float, default=3.0, show_default=True, help="Years of service.")
@click.option("--utilisation", type=float, help="Share of the time busy (or of hours sold).")
@click.option("--usd-per-day", type=float, help="Gross revenue per day while running, USD.")
@click.option("--hashrate-hs", type=float, help="Revenue from mining at this hashrate.")
@click.option("--units-per-s", type=float, help="Revenue from AI work at this throughput...")
@click.option("--usd-per-million-units", type=float, help="...sold at this price per million")
@click.option("--usd-per-hour", type=float, help="...or rented at this price per hour.")
@_econ_options
def econ_tco(
    capex_usd, card_name, power_w, years, scenario_name, footing, as_json, **flags
) -> None:
    """Total cost of ownership, payback and revenue per capex dollar of one device."""
    from bench.econ.format import format_tco
    from bench.econ.ownership import ownership

    scenario = _econ_scenario(scenario_name, flags)
    doc = ownership(scenario, power_w, capex_usd, card_name, years, footing, **flags)
    emit_json(doc) if as_json else click.echo(format_tco(doc))


# --- run, compare, report (issue 7) ------------------------------------------------------


@cli.command("run")
@click.option("--device", default=None, help="cpu, cuda:N or all (default: the best present).")
@click.option("--quick", is_flag=True, help="Small sizes and short windows (CPU, CI).")
@click.option("--workloads", default=None, help="Comma list (default: the whole suite).")
@click.option("--scenario", default="late-2025", help="Market preset name or TOML file.")
@_scenario_overrides
@click.option("--out", "out_dir", default="results", help="Folder for the result and report.")
@click.option("--no-report", is_flag=True, help="Write the JSON result only, no HTML.")
@click.option("--quiet", is_flag=True, help="No progress bars and no table.")
@click.option("--set", "settings", multiple=True, help="Workload parameter: NAME.KEY=VALUE.")
@click.option("--window-s", type=float, help="Seconds per measured window.")
@click.option("--min-windows", type=int, help="Windows before the stopping rule applies.")
@click.option("--max-windows", type=int, help="Most windows per workload.")
@click.option("--timeout-s", type=float, help="Most seconds of windows per workload.")
@click.option("--warmup-max-s", type=float, help="Most seconds of warm-up per workload.")
def run_cmd(device, quick, workloads, scenario, out_dir, no_report, quiet, settings, **measure):
    """Measure mining and inference on a device, price them, write result and report."""
    from bench import runner
    from bench.console import RunProgress
    from bench.report import render_table

    overrides = _pop_overrides(measure)
    plan = runner.plan_run(
        device, workloads, quick, scenario, out_dir, not no_report, settings, measure, overrides
    )
    progress = RunProgress(enabled=not quiet)
    try:
        doc, json_path, html_path = runner.execute(plan, progress)
    finally:
        progress.close()
    if not quiet:
        click.echo(render_table(doc))
        click.echo(f"result: {json_path}")
        if html_path:
            click.echo(f"report: {html_path}")
    failed = [w for w in doc["warnings"] if "not measured" in w]
    sys.exit(1 if failed else 0)


@cli.command("compare")
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


@cli.command("report")
@click.argument("result_file")
@click.option("--scenario", default=None, help="Re-price under this scenario.")
@_scenario_overrides
@click.option("--html", "html_out", default=None, help="Write the HTML report to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the (re-priced) result document.")
def report_cmd(result_file, scenario, html_out, as_json, **flags) -> None:
    """Re-render a saved result: the table, and optionally the HTML report."""
    from bench.econ import load_scenario
    from bench.report import render_html, render_table, rerender
    from bench.results import atomic_write_text, read_result

    doc = read_result(result_file)
    overrides = {k: v for k, v in _pop_overrides(flags).items() if v is not None}
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

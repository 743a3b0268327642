"""The joulebench command line: click commands only (parse, call, print). No logic here.

Errors: every JoulebenchError and every usage error becomes one line on stderr and exit
status 2, with nothing on stdout. Heavy modules (torch, cupy) are imported inside commands so
that `joulebench mine` and `joulebench econ` start fast.
"""

from __future__ import annotations

import logging
import sys

import click

from bench import __version__
from bench.cli_econ import econ, pop_overrides, scenario_overrides
from bench.console import emit_json
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


cli.add_command(econ)


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


# --- run, compare, report (issue 7) ------------------------------------------------------


@cli.command("run")
@click.option("--device", default=None, help="cpu, cuda:N or all (default: the best present).")
@click.option("--quick", is_flag=True, help="Small sizes and short windows (CPU, CI).")
@click.option("--workloads", default=None, help="Comma list (default: the whole suite).")
@click.option("--scenario", default="late-2025", help="Market preset name or TOML file.")
@scenario_overrides
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

    overrides = pop_overrides(measure)
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
@scenario_overrides
@click.option("--html", "html_out", default=None, help="Write the HTML report to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the (re-priced) result document.")
def report_cmd(result_file, scenario, html_out, as_json, **flags) -> None:
    """Re-render a saved result: the table, and optionally the HTML report."""
    from bench.econ import load_scenario
    from bench.report import render_html, render_table, rerender
    from bench.results import atomic_write_text, read_result

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

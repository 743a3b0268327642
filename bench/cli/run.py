"""`joulebench run` (measure, price, write, report) and `joulebench devices`."""

from __future__ import annotations

import sys

import click

from bench.cli.econ import pop_overrides, scenario_overrides
from bench.cli.types import COUNT, SECONDS
from bench.console import OutputFailed, emit_json, say


@click.command("devices")
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
        cpus = (d.extra or {}).get("logical_cpus") if d.kind == "cpu" else None
        threads = f", {cpus} logical CPUs" if isinstance(cpus, int) else ""
        say(f"{d.id:<8} {d.name} ({d.kind}{threads}, {memory})")
        say(f"{'':<8} energy: {d.energy_source}: {d.energy_note}")
    if found.cuda_note:
        say(f"no GPU: {found.cuda_note}")


@click.command("run")
@click.option("--device", default=None, help="cpu, cuda:N or all (default: the best present).")
@click.option("--quick", is_flag=True, help="Small sizes and short windows (CPU, CI).")
@click.option("--workloads", default=None, help="Comma list (default: the whole suite).")
@click.option("--scenario", default="late-2025", help="Market preset name or TOML file.")
@scenario_overrides
@click.option("--out", "out_dir", default="results", help="Folder for the result and report.")
@click.option("--no-report", is_flag=True, help="Write the JSON result only, no HTML.")
@click.option("--quiet", is_flag=True, help="No progress bars and no table.")
@click.option("--set", "settings", multiple=True, help="Workload parameter: NAME.KEY=VALUE.")
@click.option("--window-s", type=SECONDS, help="Seconds per measured window.")
@click.option("--min-windows", type=COUNT, help="Windows before the stopping rule applies.")
@click.option("--max-windows", type=COUNT, help="Most windows per workload.")
@click.option("--timeout-s", type=SECONDS, help="Most seconds of windows per workload.")
@click.option("--warmup-max-s", type=SECONDS, help="Most seconds of warm-up per workload.")
@click.option(
    "--stall-s",
    type=SECONDS,
    help="Stop a workload showing no progress this long beyond its longest window (default 600).",
)
@click.option(
    "--in-process",
    is_flag=True,
    help="Measure every workload in this process (no child process per workload).",
)
@click.option("--plan-file", hidden=True, help="A local launch's plan (bench.fleet.planfile).")
def run_cmd(
    device, quick, workloads, scenario, out_dir, no_report, quiet, settings, in_process, plan_file,
    **measure,
):  # fmt: skip
    """Measure mining and inference on a device, price them, write result and report."""
    from bench import runner
    from bench.console import RunProgress
    from bench.report import render_table

    overrides = pop_overrides(measure)
    if plan_file is not None:  # a rank of --device all: the whole plan is in the file
        from bench.fleet.planfile import load_plan

        _only_plan_file(click.get_current_context())
        plan = load_plan(plan_file)
    else:
        plan = runner.plan_run(
            device, workloads, quick, scenario, out_dir, not no_report, settings, measure,
            overrides, isolate=not in_process,
        )  # fmt: skip
    if device == "all" and all(d.kind != "cuda" for d in plan.devices):
        say("joulebench: --device all: no GPU found, so the CPU is measured", err=True)
    progress = RunProgress(enabled=not quiet)
    try:
        doc, json_path, html_path = runner.execute(plan, progress)
    finally:
        progress.close()
    try:
        if not quiet:
            say(render_table(doc))
            say(f"result: {json_path}")
            if html_path:
                say(f"report: {html_path}")
    except OutputFailed as exc:  # measured and saved: say where, beside the failure
        raise exc.noting(f"the result is kept at {json_path}") from None
    failed = doc["status"]["failed"]
    for item in failed:  # on stderr even with --quiet: the exit status alone does not say which
        say(
            f"joulebench: {item['workload']} on {item['device']} not measured: {item['reason']}",
            err=True,
        )
    sys.exit(1 if failed else 0)


def _only_plan_file(ctx: click.Context) -> None:
    """Refuse plan options beside --plan-file: the file is the plan (--quiet is display)."""
    from bench.errors import InvalidInput

    for name in ctx.params:
        if name in ("plan_file", "quiet"):
            continue
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
            flag = "--" + name.replace("_", "-")
            raise InvalidInput(f"--plan-file holds the whole plan; {flag} cannot be added to it")


COMMANDS = [run_cmd, devices_cmd]

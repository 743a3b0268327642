"""`joulebench merge` (ranks' results -> one fleet document) and `joulebench slurm-script`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from bench.console import emit_json, say


def _figure(value: object, unit: str) -> str:
    if isinstance(value, (int, float)):
        return f"{value:.4g} {unit}"
    return "unmeasured"


def _workload_lines(name: str, total: dict, spreads: dict) -> list[str]:
    unit = total["unit"]
    figures = [
        _figure(total["units_per_s"], f"{unit}/s"),
        _figure(total["power_w"], "W"),
        _figure(total["energy_j"], "J"),
        _figure(total["usd_per_day"], "USD/day"),
    ]
    lines = [f"{name}: {', '.join(figures)} (throughput, power, energy, revenue)"]
    reasons = {v["unmeasured"] for v in total.values() if isinstance(v, dict)}
    lines += [f"  unmeasured: {reason}" for reason in sorted(reasons)]
    for card, spread in spreads.items():
        j = spread["j_per_unit"]
        if "median" not in j:
            continue
        far, rel = j["outlier"], j["outlier"]["rel_from_median"]
        lines.append(
            f"  {card}: J/{unit} median {j['median']:.4g} over {j['n']} card(s), "
            f"min {j['min']:.4g}, max {j['max']:.4g}; outlier rank {far['rank']} on "
            f"{far['node']} ({'n/a' if rel is None else f'{100 * rel:+.1f}%'})"
        )
    return lines


def _summary_lines(fleet: dict, out: Path) -> list[str]:
    lines = [f"notice: {n}" for n in fleet["notices"]]
    nodes = ", ".join(f"{n} ({len(v['ranks'])} ranks)" for n, v in fleet["nodes"].items())
    lines.append(
        f"job {fleet['job_id']}: {len(fleet['ranks'])} of {fleet['world_size']} ranks on {nodes}"
    )
    for name, total in fleet["totals"].items():
        lines += _workload_lines(name, total, fleet["spread"][name])
    lines.append(f"fleet: {out}")
    return lines


@click.command("merge")
@click.argument("folder")
@click.option("--out", "out_file", default=None, help="Fleet document (default FOLDER/fleet.json).")
@click.option("--allow-mixed-jobs", is_flag=True, help="Merge results of different job ids.")
@click.option("--allow-mixed-scenarios", is_flag=True, help="Merge results of different scenarios.")
@click.option("--allow-mixed-schemas", is_flag=True, help="Merge results of different versions.")
@click.option("--allow-missing", is_flag=True, help="Merge although ranks are missing.")
@click.option("--json", "as_json", is_flag=True, help="Print the fleet document.")
def merge_cmd(folder, out_file, as_json, **allow) -> None:
    """Join the ranks' results of one job (srun, torchrun, Kubernetes) into a fleet document."""
    from bench.fleet import Allow, merge_folder, write_fleet
    from bench.result import check_output_path

    out = Path(out_file) if out_file is not None else Path(folder) / "fleet.json"
    if out_file is not None or out.exists():  # before any work: not a device, link, folder
        check_output_path(out_file if out_file is not None else out)  # "" is refused as empty
    allowed = Allow(**{k.removeprefix("allow_"): v for k, v in allow.items()})
    fleet = merge_folder(folder, allowed, out=out)  # out is never one of the rank files
    write_fleet(fleet, out)
    if as_json:
        emit_json(fleet)
        return
    say("\n".join(_summary_lines(fleet, out)))


@click.command(
    "slurm-script",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option("--nodes", type=int, required=True, help="Nodes to measure.")
@click.option("--gpus-per-node", type=int, required=True, help="GPUs per node (0: the CPU).")
@click.option("--tasks-per-node", type=int, default=None, help="CPU ranks per node (no GPUs).")
@click.option("--time", "time_limit", default="01:00:00", show_default=True, help="Time limit.")
@click.option("--job-name", default="joulebench", show_default=True, help="Slurm job name.")
@click.option("--partition", default=None, help="Slurm partition.")
@click.option("--out-root", default="results", show_default=True, help="Parent of the job folder.")
@click.pass_context
def slurm_script_cmd(
    ctx, nodes, gpus_per_node, tasks_per_node, time_limit, job_name, partition, out_root
) -> None:
    """Print an sbatch script: one rank per GPU on N nodes, then the merge. Other options
    are `joulebench run` options, passed to every rank (checked here)."""
    from bench.cli.run import run_cmd
    from bench.fleet.slurm import SlurmJob, sbatch_script

    job = SlurmJob(
        nodes,
        gpus_per_node,
        tuple(ctx.args),
        tasks_per_node,
        time_limit,
        job_name,
        partition,
        out_root,
    )
    run_ctx = run_cmd.make_context("run", [*ctx.args], resilient_parsing=False)  # parse: exit 2
    _check_rank_options(run_ctx.params)
    say(sbatch_script(job), nl=False)


def _check_rank_options(params: dict) -> None:
    """What every rank would refuse, refused here, before the job waits in a queue: the
    workloads, the scenario and its overrides, --set parameters and the measurement settings
    (checked on a stand-in GPU: each rank measures its own)."""
    from bench import runner
    from bench.cli.econ import pop_overrides
    from bench.devices import Device
    from bench.econ import load_scenario
    from bench.errors import InvalidInput
    from bench.measure import MeasureConfig

    params = dict(params)
    if params.get("plan_file") is not None:
        raise InvalidInput("slurm-script: --plan-file is a local launch's; give run options")
    overrides = {k: v for k, v in pop_overrides(params).items() if v is not None}
    settings = {f.name for f in dataclasses.fields(MeasureConfig)}  # run's measurement options
    plan = runner.RunPlan(
        devices=[Device("cuda:0", "cuda", "each rank's GPU")],
        workloads=runner.resolve_workloads(params["workloads"]),
        quick=bool(params["quick"]),
        scenario=load_scenario(params["scenario"], **overrides),
        out_dir=Path("."),  # the script gives each rank its folder
        overrides=runner.parse_settings(params["settings"]),
        measure={k: v for k, v in params.items() if k in settings and v is not None},
    )
    runner.check_plan_settings(plan)


COMMANDS = [merge_cmd, slurm_script_cmd]

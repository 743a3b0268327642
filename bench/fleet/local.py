"""`--device all` on one machine: the rank contract launched locally, one rank per device.

The parent writes its checked plan as data to `plan.json` in a job folder
(bench.fleet.planfile: devices by rank, workloads, parameters, measurement settings, scenario
and its overrides); each device gets one child `joulebench run --plan-file plan.json` whose
environment carries the contract's own variables (JOULEBENCH_RANK, JOULEBENCH_LOCAL_RANK,
JOULEBENCH_WORLD_SIZE, JOULEBENCH_JOB_ID, JOULEBENCH_NODE), just as srun starts its tasks. A
child takes its rank's device, checks the plan again and writes its rank result into the job
folder; `merge` joins them there (fleet.json), and the parent writes one result holding every
rank's entries, priced (by the ranks) under the plan's scenario with its overrides.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.errors import JoulebenchError, RanksInterrupted
from bench.fleet.merge import Allow, merge_folder
from bench.fleet.planfile import write_plan
from bench.fleet.view import as_result, write_fleet

log = logging.getLogger(__name__)


def local_job_id() -> str:
    """A job id for a local launch: local-<UTC stamp>-<pid>."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"local-{stamp}-{os.getpid()}"


def rank_env(rank: int, world: int, job: str, base: dict[str, str] | None = None) -> dict:
    """A child's environment: the parent's, without other launchers' rank variables."""
    env = dict(os.environ if base is None else base)
    for name in ("SLURM_PROCID", "RANK", "JOB_COMPLETION_INDEX"):
        env.pop(name, None)  # this launch is its own job, whatever launched the parent
    node = socket.gethostname().split(".")[0] or "localhost"
    return env | {
        "JOULEBENCH_RANK": str(rank),
        "JOULEBENCH_LOCAL_RANK": str(rank),
        "JOULEBENCH_WORLD_SIZE": str(world),
        "JOULEBENCH_JOB_ID": job,
        "JOULEBENCH_NODE": node,
    }


def rank_command(plan_file: Path) -> list[str]:
    """The child `joulebench run` of every rank: the plan travels as data, in the file."""
    return [sys.executable, "-m", "bench", "run", "--plan-file", str(plan_file), "--quiet"]


def launch(plan: Any, folder: Path, job: str) -> list[tuple[str, int]]:
    """Start one rank per device, side by side; wait for all; (device id, exit status) each."""
    world = len(plan.devices)
    cmd = rank_command(write_plan(plan, folder))
    procs: list[tuple[str, subprocess.Popen]] = []
    try:
        for rank, device in enumerate(plan.devices):
            env = rank_env(rank, world, job)
            procs.append((device.id, subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)))
        return [(dev, proc.wait()) for dev, proc in procs]
    finally:  # an interrupt: stop every rank still running, as srun would
        for _, proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc in procs:
            if proc.poll() is None:
                proc.wait()


def run_ranks(plan: Any) -> tuple[dict, Path, list[str]]:
    """Launch the ranks, merge them: (fleet document, job folder, launcher warnings)."""
    job = local_job_id()
    folder = Path(plan.out_dir) / f"fleet-{job}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        statuses = launch(plan, folder, job)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: every rank stops and keeps its result
        raise RanksInterrupted(folder, exc) from None
    warnings = [
        f"{dev}: measuring process failed (rank {rank}, exit status {status})"
        for rank, (dev, status) in enumerate(statuses)
        if status not in (0, 1)  # 1: some workload not measured, said in its result
    ]
    if not any(folder.glob("*.json")):
        raise JoulebenchError(f"--device all: no rank wrote a result ({'; '.join(warnings)})")
    fleet = merge_folder(folder, Allow(missing=True))
    write_fleet(fleet, folder / "fleet.json")
    return fleet, folder, warnings


def fleet_result(fleet: dict, warnings: list[str]) -> dict:
    """One result of every rank's entries (each priced by its rank under the plan's scenario)."""
    from bench.result.model import Result

    doc = Result.from_dict(as_result(fleet), "fleet").to_dict()
    doc["warnings"] = list(doc.get("warnings", [])) + warnings
    for text in warnings:  # a rank that died: all its workloads are failures of the run
        device, _, reason = text.partition(": ")
        doc["status"]["failed"].append({"workload": "*", "device": device, "reason": reason})
    if warnings and doc["status"]["state"] == "complete":
        doc["status"]["state"] = "partial"
    return doc


def execute(plan: Any) -> tuple[dict, Path, Path | None]:
    """runner.execute for several devices: ranks launched here, merged, one result written."""
    from bench import result as results

    fleet, _, warnings = run_ranks(plan)
    doc = fleet_result(fleet, warnings)
    json_path = results.write_result(doc, plan.out_dir)
    html_path = None
    if plan.write_report:
        from bench.runner import _write_report

        html_path = _write_report(doc, json_path)
    return doc, json_path, html_path

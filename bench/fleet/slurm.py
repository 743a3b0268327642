"""An sbatch script that measures every GPU of N nodes (one rank per GPU) and merges them.

Each task of the `srun` step is one rank of the contract (bench.fleet.rank): Slurm binds one
GPU per task (--gpus-per-task=1 sets CUDA_VISIBLE_DEVICES per task), each rank writes its own
result into the job's folder, and the step after it merges them into fleet.json. With
--gpus-per-node 0 the script measures the CPU instead: one task per node unless told.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bench.errors import InvalidInput

_TIME = re.compile(r"^(\d+-)?\d{1,2}(:\d{2}){0,2}$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_OWN_OPTIONS = ("--out", "--device")  # the script decides these for every rank


@dataclass(frozen=True)
class SlurmJob:
    """What the sbatch script asks of Slurm, and what each rank runs."""

    nodes: int
    gpus_per_node: int
    run_args: tuple[str, ...] = ()
    tasks_per_node: int | None = None  # default: gpus_per_node, or 1 without GPUs
    time: str = "01:00:00"
    job_name: str = "joulebench"
    partition: str | None = None
    out_root: str = "results"
    joulebench: str = "joulebench"

    def __post_init__(self) -> None:
        if not 1 <= self.nodes <= 100_000:
            raise InvalidInput(f"--nodes {self.nodes}: expected 1..100000")
        if not 0 <= self.gpus_per_node <= 1024:
            raise InvalidInput(f"--gpus-per-node {self.gpus_per_node}: expected 0..1024")
        if self.tasks_per_node is not None and not 1 <= self.tasks_per_node <= 1024:
            raise InvalidInput(f"--tasks-per-node {self.tasks_per_node}: expected 1..1024")
        if self.gpus_per_node and self.tasks_per_node not in (None, self.gpus_per_node):
            raise InvalidInput("--tasks-per-node must equal --gpus-per-node: one rank per GPU")
        if not _TIME.match(self.time) or any(int(p) >= 60 for p in self.time.split(":")[1:]):
            raise InvalidInput(f"--time {self.time!r}: expected [D-]HH[:MM[:SS]], MM and SS < 60")
        if not self.out_root.strip():
            raise InvalidInput("--out-root is empty: give the folder the ranks write under")
        if not _NAME.match(self.job_name):
            raise InvalidInput(f"--job-name {self.job_name!r}: letters, digits, _ . - only")
        if self.partition is not None and not _NAME.match(self.partition):
            raise InvalidInput(f"--partition {self.partition!r}: letters, digits, _ . - only")
        for arg in self.run_args:
            if arg.split("=")[0] in _OWN_OPTIONS:
                raise InvalidInput(f"{arg}: the script sets --out and --device for each rank")

    @property
    def tasks(self) -> int:
        """Tasks per node: one per GPU, or as asked on a CPU-only job."""
        return self.gpus_per_node or self.tasks_per_node or 1


def sbatch_script(job: SlurmJob) -> str:
    """The script text: #SBATCH lines, the srun step of ranks, then the merge step."""
    q = shlex.quote
    lines = [
        "#!/bin/bash",
        f"# joulebench on {job.nodes} node(s) x {job.tasks} rank(s): one result per rank,",
        "# merged into $OUT/fleet.json. Submit with: sbatch THIS_FILE",
        f"#SBATCH --job-name={job.job_name}",
        f"#SBATCH --nodes={job.nodes}",
        f"#SBATCH --ntasks-per-node={job.tasks}",
        f"#SBATCH --time={job.time}",
        f"#SBATCH --output={job.job_name}-%j.out",
    ]
    if job.gpus_per_node:
        lines += [f"#SBATCH --gpus-per-node={job.gpus_per_node}"]
    if job.partition:
        lines += [f"#SBATCH --partition={job.partition}"]
    device = [] if job.gpus_per_node else ["--device", "cpu"]
    run = [job.joulebench, "run", *device, *job.run_args, "--quiet", "--no-report"]
    gpu_flags = " --gpus-per-task=1" if job.gpus_per_node else ""
    lines += [
        "set -uo pipefail",
        f'OUT={q(job.out_root)}/"fleet-${{SLURM_JOB_ID}}"',
        'mkdir -p "$OUT"',
        "# one rank per task; a rank that dies leaves a gap: the merge names it in",
        "# missing_ranks and the job ends with srun's exit status",
        f"srun --nodes={job.nodes} --ntasks-per-node={job.tasks}{gpu_flags} "
        "--kill-on-bad-exit=0 \\",
        f'    {" ".join(q(a) for a in run)} --out "$OUT"',
        "status=$?",
        f'{q(job.joulebench)} merge "$OUT" --out "$OUT/fleet.json" --allow-missing || exit 2',
        'echo "fleet: $OUT/fleet.json"',
        'exit "$status"',
    ]
    return "\n".join(lines) + "\n"

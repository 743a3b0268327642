"""A real Slurm on localhost (scripts/ci-slurm.sh): srun ranks, their results, merge, sbatch.

Skips, with the reason, where Slurm cannot start (not installed, not root, a daemon fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.fleet import NODE_LEVEL_NOTE

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    """Start munged, slurmctld and slurmd for this module (its own folder, state and ports);
    the environment to reach them."""
    script = ROOT / "scripts" / "ci-slurm.sh"
    slurm_dir = tmp_path_factory.mktemp("slurm")
    try:
        done = subprocess.run(
            ["bash", str(script), "start", str(slurm_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Slurm could not start: {exc}")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        pytest.skip(f"Slurm could not start: {reason}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "JOULEBENCH_"))}
    env |= {"SLURM_CONF": str(slurm_dir / "slurm.conf"), "PATH": f"{BIN}:{env['PATH']}"}
    yield env
    subprocess.run(["bash", str(script), "stop", str(slurm_dir)], timeout=30, check=False)


def run(cmd: list[str], env: dict, cwd: Path, timeout: float = 150):
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def median(entry: dict, key: str) -> float:
    return entry["summary"][key]["median"]


def test_srun_two_ranks_write_their_results_and_merge_adds_them_up(slurm_env, tmp_path):
    out = tmp_path / "ranks"
    args = ["--device", "cpu", "--quick", "--workloads", "sha256d,gemm", "--out", str(out)]
    ranks = run(["srun", "-n", "2", "joulebench", "run", *args, "--quiet"], slurm_env, tmp_path)
    assert ranks.returncode == 0, ranks.stderr
    files = sorted(out.glob("*-rank*.json"))
    assert len(files) == 2, [p.name for p in out.iterdir()]
    docs = [json.loads(p.read_text()) for p in files]
    job = docs[0]["rank"]["job_id"]
    assert [d["rank"]["rank"] for d in docs] == [0, 1]
    assert all(
        p.name == f"{job}-{d['rank']['node']}-rank{i}.json"
        for i, (p, d) in enumerate(zip(files, docs, strict=True))
    )
    assert {d["rank"]["world_size"] for d in docs} == {2}
    # node-level energy: read by local rank 0 only; rank 1 says why it did not
    assert all(e["energy_note"] == NODE_LEVEL_NOTE for e in docs[1]["workloads"])
    assert all(e["energy_scope"] == "node" for d in docs for e in d["workloads"])

    merged = run(["joulebench", "merge", str(out), "--json"], slurm_env, tmp_path)
    assert merged.returncode == 0, merged.stderr
    fleet = json.loads(merged.stdout)
    assert fleet["world_size"] == 2 and fleet["missing_ranks"] == []
    for name in ("sha256d", "gemm"):
        mine = [e for d in docs for e in d["workloads"] if e["workload"]["name"] == name]
        assert len(mine) == 2
        total = fleet["totals"][name]
        assert total["units_per_s"] == median(mine[0], "units_per_s") + median(
            mine[1], "units_per_s"
        )
        first = mine[0]["summary"]["power_w"]
        if "median" in first:  # RAPL readable: the node's power is rank 0's alone
            assert total["power_w"] == first["median"]
        else:
            assert total["power_w"]["unmeasured"].startswith("rank 0 on ")
    node = docs[0]["rank"]["node"]
    assert fleet["nodes"][node]["node_energy_rank"] == 0


def test_the_sbatch_script_runs_and_merges(slurm_env, tmp_path):
    script = run(
        [
            "joulebench",
            "slurm-script",
            "--nodes",
            "1",
            "--gpus-per-node",
            "0",
            "--tasks-per-node",
            "2",
            "--time",
            "00:05:00",
            "--out-root",
            str(tmp_path),
            "--quick",
            "--workloads",
            "sha256d",
            "--max-windows",
            "3",
        ],
        slurm_env,
        tmp_path,
    )
    assert script.returncode == 0, script.stderr
    (tmp_path / "job.sh").write_text(script.stdout)
    job = run(["sbatch", "--wait", "--parsable", str(tmp_path / "job.sh")], slurm_env, tmp_path)
    log = "".join(p.read_text() for p in tmp_path.glob("joulebench-*.out"))
    assert job.returncode == 0, job.stderr + log
    job_id = job.stdout.strip().split(";")[0]
    fleet = json.loads((tmp_path / f"fleet-{job_id}" / "fleet.json").read_text())
    assert fleet["job_id"] == job_id and len(fleet["ranks"]) == 2
    assert fleet["missing_ranks"] == [] and fleet["world_size"] == 2

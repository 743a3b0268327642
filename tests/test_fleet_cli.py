"""slurm-script: the sbatch text, its checks; run under a bad rank contract stops at once;
merge refuses an empty --out."""

from __future__ import annotations

import pytest

from bench import result as results
from bench.fleet import Rank
from tests import result_fixtures as fx


def test_the_script_has_one_task_per_gpu_the_run_options_and_the_merge(run_cli):
    out = run_cli(
        "slurm-script",
        "--nodes",
        "3",
        "--gpus-per-node",
        "4",
        "--quick",
        "--workloads",
        "sha256d,gemm",
    )
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    assert text.startswith("#!/bin/bash\n")
    assert "#SBATCH --nodes=3\n" in text and "#SBATCH --ntasks-per-node=4\n" in text
    assert "#SBATCH --gpus-per-node=4\n" in text
    assert "srun --nodes=3 --ntasks-per-node=4 --gpus-per-task=1" in text
    assert "joulebench run --quick --workloads sha256d,gemm --quiet --no-report --out" in text
    assert 'joulebench merge "$OUT" --out "$OUT/fleet.json" --allow-missing' in text
    sbatch = [line for line in text.splitlines() if line.startswith("#SBATCH")]
    first_command = next(i for i, line in enumerate(text.splitlines()) if line.startswith("set "))
    assert all(text.splitlines().index(line) < first_command for line in sbatch)


def test_a_cpu_script_measures_the_cpu(run_cli):
    out = run_cli("slurm-script", "--nodes", "1", "--gpus-per-node", "0", "--tasks-per-node", "2")
    assert out.exit_code == 0
    assert "--gpus" not in out.stdout and "joulebench run --device cpu" in out.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--nodes", "0", "--gpus-per-node", "1"],
        ["--nodes", "1", "--gpus-per-node", "-1"],
        ["--nodes", "1", "--gpus-per-node", "2", "--tasks-per-node", "3"],
        ["--nodes", "1", "--gpus-per-node", "1", "--time", "soon"],
        ["--nodes", "1", "--gpus-per-node", "1", "--job-name", "a;rm -rf"],
        ["--nodes", "1", "--gpus-per-node", "1", "--out", "x"],
        ["--nodes", "1", "--gpus-per-node", "1", "--device=cpu"],
        ["--nodes", "1", "--gpus-per-node", "1", "--no-such-option"],
        ["--nodes", "1", "--gpus-per-node", "1", "--max-windows", "many"],
        ["--gpus-per-node", "1"],
    ],
)
def test_bad_script_options_are_exit_2(run_cli, args):
    out = run_cli("slurm-script", *args)
    assert out.exit_code == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1


def test_run_refuses_a_rank_beyond_the_world_size(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("SLURM_PROCID", "2")
    monkeypatch.setenv("SLURM_NTASKS", "2")
    out = run_cli("run", "--device", "cpu", "--quick", "--workloads", "gemm", "--out", tmp_path)
    assert out.exit_code == 2 and out.stdout == ""
    assert "rank 2 is not in 0..1" in out.stderr
    assert not list(tmp_path.glob("*.json"))


def test_merge_refuses_an_empty_out_and_writes_nothing(run_cli, tmp_path):
    for rank in (0, 1):
        doc = fx.gpu_doc()
        doc["rank"] = Rank(rank, rank, 2, "a", "77", "slurm").to_dict()
        results.write_result(doc, tmp_path, Rank.from_dict(doc["rank"]).file_name())
    before = sorted(p.name for p in tmp_path.iterdir())
    out = run_cli("merge", tmp_path, "--out", "")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.strip() == "joulebench: error: output path is empty"
    assert sorted(p.name for p in tmp_path.iterdir()) == before

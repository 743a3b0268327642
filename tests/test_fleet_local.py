"""--device all's launcher: one rank per device through the contract, merged like srun's."""

from __future__ import annotations

import json

from bench import runner
from bench.fleet import NODE_LEVEL_NOTE
from bench.fleet.local import execute, rank_command, rank_env


def test_rank_env_sets_the_contract_and_drops_other_launchers():
    env = rank_env(1, 2, "local-x", {"SLURM_PROCID": "7", "RANK": "3", "PATH": "/bin"})
    assert env["JOULEBENCH_RANK"] == "1" and env["JOULEBENCH_WORLD_SIZE"] == "2"
    assert env["JOULEBENCH_JOB_ID"] == "local-x" and env["PATH"] == "/bin"
    assert "SLURM_PROCID" not in env and "RANK" not in env


def test_two_local_ranks_write_their_results_and_merge(tmp_path):
    plan = runner.plan_run("cpu", "gemm", quick=True, out_dir=tmp_path, measure={"max_windows": 3})
    plan.devices = plan.devices * 2  # two ranks on this machine's one device
    cmd = rank_command(plan, "cpu", tmp_path)
    assert cmd[cmd.index("--max-windows") + 1] == "3" and "--quick" in cmd
    doc, json_path, html_path = execute(plan)
    (folder,) = tmp_path.glob("fleet-local-*")
    files = sorted(folder.glob("*-rank*.json"))
    assert [json.loads(p.read_text())["rank"]["rank"] for p in files] == [0, 1]
    second = json.loads(files[1].read_text())
    assert second["workloads"][0]["energy_note"] == NODE_LEVEL_NOTE
    fleet = json.loads((folder / "fleet.json").read_text())
    rates = [
        json.loads(p.read_text())["workloads"][0]["summary"]["units_per_s"]["median"] for p in files
    ]
    assert fleet["world_size"] == 2
    assert fleet["totals"]["gemm"]["units_per_s"] == rates[0] + rates[1]
    assert [e["fleet_rank"]["rank"] for e in doc["workloads"]] == [0, 1]
    assert doc["status"]["state"] == "complete"
    assert json_path.parent == tmp_path and html_path.exists()

"""--device all's launcher: one rank per device through the contract, merged like srun's.

The plan reaches every rank as data (bench.fleet.planfile), never as command-line flags: the
tests check that a setting with no flag (rel_spread_bound), a float (window_s), a workload
parameter and a scenario override arrive in each rank's result as the parent planned them.
"""

from __future__ import annotations

import json
import sys

import pytest

from bench import runner
from bench.errors import InvalidInput
from bench.fleet import NODE_LEVEL_NOTE, Rank
from bench.fleet.local import execute, rank_command, rank_env
from bench.fleet.planfile import PLAN_FORMAT, rank_plan, read_plan, write_plan
from tests.conftest import assert_bad_input

# window_s and rel_spread_bound are floats; rel_spread_bound has no `joulebench run` flag
MEASURE = {"max_windows": 3, "window_s": 0.25, "rel_spread_bound": 0.5}


def test_rank_env_sets_the_contract_and_drops_other_launchers():
    env = rank_env(1, 2, "local-x", {"SLURM_PROCID": "7", "RANK": "3", "PATH": "/bin"})
    assert env["JOULEBENCH_RANK"] == "1" and env["JOULEBENCH_WORLD_SIZE"] == "2"
    assert env["JOULEBENCH_JOB_ID"] == "local-x" and env["PATH"] == "/bin"
    assert "SLURM_PROCID" not in env and "RANK" not in env


def two_rank_plan(tmp_path, **kw):
    plan = runner.plan_run(
        "cpu", "gemm", quick=True, out_dir=tmp_path, measure=dict(MEASURE),
        settings=("gemm.seed=7",), scenario_overrides={"electricity_usd_kwh": 0.0625}, **kw,
    )  # fmt: skip
    plan.devices = plan.devices * 2  # two ranks on this machine's one device
    return plan


def test_the_rank_command_carries_no_plan_setting_only_the_file(tmp_path):
    plan = two_rank_plan(tmp_path)
    path = write_plan(plan, tmp_path)
    assert rank_command(path) == [
        sys.executable, "-m", "bench", "run", "--plan-file", str(path), "--quiet",
    ]  # fmt: skip
    data = json.loads(path.read_text())
    assert data["format"] == PLAN_FORMAT and data["devices"] == ["cpu", "cpu"]
    assert data["measure"] == {"max_windows": 3, "window_s": 0.25, "rel_spread_bound": 0.5}
    assert data["settings"] == {"gemm": {"seed": 7}}
    assert data["scenario_overrides"] == {"electricity_usd_kwh": 0.0625}


def test_a_rank_rebuilds_the_parents_plan_unchanged(tmp_path):
    plan = two_rank_plan(tmp_path)
    data = read_plan(write_plan(plan, tmp_path))
    got = rank_plan(data, Rank(1, 1, 2, "n", "local-x", "joulebench"))
    assert [d.id for d in got.devices] == ["cpu"]
    assert got.measure == MEASURE and type(got.measure["window_s"]) is float
    assert got.overrides == {"gemm": {"seed": 7}} and got.quick and not got.write_report
    assert got.scenario.to_dict() == plan.scenario.to_dict()
    assert got.out_dir == tmp_path.resolve() and got.isolate == plan.isolate
    with pytest.raises(InvalidInput, match="2 devices but this rank is one of 3"):
        rank_plan(data, Rank(0, 0, 3, "n", "local-x", "joulebench"))


def test_two_local_ranks_write_their_results_and_merge(tmp_path):
    plan = two_rank_plan(tmp_path)
    doc, json_path, html_path = execute(plan)
    (folder,) = tmp_path.glob("fleet-local-*")
    files = sorted(folder.glob("*-rank*.json"))
    ranks = [json.loads(p.read_text()) for p in files]
    assert [r["rank"]["rank"] for r in ranks] == [0, 1]
    assert ranks[1]["workloads"][0]["energy_note"] == NODE_LEVEL_NOTE
    for r in ranks:  # what the parent planned, in each rank's own result
        entry = r["workloads"][0]
        config = entry["config"]
        assert (config["window_s"], config["rel_spread_bound"]) == (0.25, 0.5)
        assert config["max_windows"] == 3 and len(entry["windows"]) <= 3
        assert entry["workload"]["seed"] == 7 and entry["workload"]["m"] == 512  # quick
        electricity = r["scenario"]["figures"]["electricity_usd_kwh"]
        assert electricity["value"] == 0.0625 and r["scenario"]["overridden"]
    fleet = json.loads((folder / "fleet.json").read_text())
    rates = [r["workloads"][0]["summary"]["units_per_s"]["median"] for r in ranks]
    assert fleet["world_size"] == 2
    assert fleet["totals"]["gemm"]["units_per_s"] == rates[0] + rates[1]
    assert [e["fleet_rank"]["rank"] for e in doc["workloads"]] == [0, 1]
    assert doc["status"]["state"] == "complete"
    assert doc["scenario"]["figures"]["electricity_usd_kwh"]["value"] == 0.0625
    assert not doc.get("repriced")  # the ranks priced under the plan's own scenario
    assert json_path.parent == tmp_path and html_path.exists()


def write_data(tmp_path, **changes):
    plan = two_rank_plan(tmp_path / "out")
    path = write_plan(plan, tmp_path)
    data = json.loads(path.read_text()) | changes
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "changes, extra",
    [
        ({"format": "joulebench"}, ()),  # not a plan
        ({"plan_version": 2}, ()),
        ({"devices": []}, ()),
        ({"measure": {"window_s": -1.0}}, ()),  # checked again by the rank
        ({"measure": {"no_such_setting": 1}}, ()),
        ({"settings": {"gemm": {"m": -5}}}, ()),
        ({"scenario_overrides": {"pue": "high"}}, ()),
        ({}, ("--workloads", "sha256d")),  # the file is the whole plan
        ({}, ("--window-s", "2")),
    ],
)
def test_a_bad_plan_file_is_refused_before_work(run_cli, tmp_path, monkeypatch, changes, extra):
    for name, value in rank_env(0, 2, "local-x", {}).items():
        monkeypatch.setenv(name, value)
    path = write_data(tmp_path, **changes)
    res = run_cli("run", "--plan-file", path, *extra)
    assert_bad_input(res)
    assert not list((tmp_path / "out").glob("*.json"))


def test_a_plan_file_with_nan_or_missing_is_refused(run_cli, tmp_path, monkeypatch):
    for name, value in rank_env(0, 2, "local-x", {}).items():
        monkeypatch.setenv(name, value)
    path = write_data(tmp_path)
    path.write_text(path.read_text().replace('"window_s": 0.25', '"window_s": NaN'))
    assert_bad_input(run_cli("run", "--plan-file", path))
    assert_bad_input(run_cli("run", "--plan-file", tmp_path / "absent.json"))


def test_a_stopped_local_launch_says_where_each_rank_kept_its_result(tmp_path, monkeypatch):
    from bench.errors import RanksInterrupted, Terminated
    from bench.fleet import local

    def stopped(plan, folder, job):  # SIGTERM while the ranks run
        raise Terminated()

    monkeypatch.setattr(local, "launch", stopped)
    with pytest.raises(RanksInterrupted) as caught:
        execute(two_rank_plan(tmp_path))
    (folder,) = tmp_path.glob("fleet-local-*")
    assert caught.value.exit_code == 143
    assert str(caught.value) == (
        f"interrupted; each rank's result kept in {folder} (join them with "
        f"`joulebench merge {folder} --allow-missing`); report not written"
    )
    assert not list(tmp_path.glob("*.json"))  # no merged result pretends to be complete

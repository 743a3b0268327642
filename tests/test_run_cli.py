"""`joulebench run`, `compare` and `report` end to end on the CPU, and their bad input."""

from __future__ import annotations

import json
import statistics

import pytest
from conftest import assert_bad_input

from bench import result as results
from bench import runner
from bench.telemetry.meter import EnergyMeter, EnergyReading, UnmeasuredMeter

POWER_W = 40.0
TICK_S = 0.125  # the fake clock's step: every time is a multiple, exact in binary


class KnownPowerMeter(EnergyMeter):
    """A stand-in for RAPL on a fake clock that moves TICK_S at every reading: each window
    reads exactly POWER_W x its span, so every figure below is known before the run."""

    source = "rapl"
    note = "test meter: 40 W on a fake clock"

    def __init__(self) -> None:
        self._t = 1000.0
        self._begin: float | None = None
        self._clock = self._tick

    def _tick(self) -> float:
        self._t += TICK_S
        return self._t

    def begin_window(self) -> None:
        self._begin = self.now()

    def end_window(self) -> EnergyReading:
        t0, t1 = self._begin, self.now()
        return EnergyReading(t0, t1, POWER_W * (t1 - t0), self.source)


def known_power_meter(device):  # module level: a spawned child imports it by name
    return KnownPowerMeter()


NO_SOURCE = "test: this device has no energy source"


def no_energy_meter(device):
    return UnmeasuredMeter(NO_SOURCE)


def _files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_unknown_device_fails_before_work(run_cli, tmp_path):
    out = tmp_path / "out"
    res = run_cli("run", "--device", "cuda:7", "--quick", "--out", out)
    assert_bad_input(res)
    assert "cuda:7" in res.stderr
    assert _files(out) == []


def test_unknown_workload_names_the_known_ones(run_cli, tmp_path):
    res = run_cli("run", "--quick", "--workloads", "gemm,nonsense", "--out", tmp_path)
    assert_bad_input(res)
    assert "nonsense" in res.stderr and "gemm" in res.stderr
    assert _files(tmp_path) == []


def test_unwritable_output_folder(run_cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = run_cli("run", "--quick", "--workloads", "gemm", "--out", blocker / "sub")
    assert_bad_input(res)
    assert "cannot write" in res.stderr


def test_unknown_scenario(run_cli, tmp_path):
    res = run_cli("run", "--quick", "--scenario", "no-such-market", "--out", tmp_path)
    assert_bad_input(res)


def test_interrupted_run_leaves_no_result(run_cli, tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_in_process", interrupt)
    res = run_cli("run", "--quick", "--workloads", "gemm", "--out", tmp_path, "--quiet",
                  "--in-process")  # fmt: skip
    assert res.exit_code == 130
    assert res.stdout == ""
    assert [n for n in _files(tmp_path) if not n.startswith(".")] == []


@pytest.fixture(scope="module")
def quick_result(tmp_path_factory):
    """One quick run of two fast workloads on the CPU, each in its child process, metered by
    KnownPowerMeter; shared by the tests below."""
    out = tmp_path_factory.mktemp("run")
    plan = runner.plan_run("cpu", "sha256d,gemm", quick=True, out_dir=out)
    doc, json_path, html_path = runner.execute(plan, meter_factory=known_power_meter)
    return doc, json_path, html_path


def test_quick_run_writes_valid_result_and_report(quick_result):
    doc, json_path, html_path = quick_result
    on_disk = json.loads(json_path.read_text())
    results.validate(on_disk)
    assert [w["workload"]["name"] for w in on_disk["workloads"]] == ["sha256d", "gemm"]
    for entry in on_disk["workloads"]:
        assert entry["verified"] is True
        assert entry["summary"]["units_per_s"]["median"] > 0
        assert len(entry["windows"]) >= 3
        assert (entry["energy_source"], entry["energy_note"]) == ("rapl", KnownPowerMeter.note)
        for w in entry["windows"]:
            span_s = w["t_end_s"] - w["t_begin_s"]  # multiples of 1/8 s: exact
            assert span_s > 0 and span_s % TICK_S == 0
            assert w["energy_j"] == POWER_W * span_s
            assert w["power_avg_w"] == POWER_W
            assert w["above_idle_energy_j"] == 0.0  # idle read the same 40 W
            assert w["throttled"] is None  # a CPU meter cannot see throttling: not "false"
        assert entry["idle"]["power_w"] == POWER_W
        load = entry["context"]["load_average"]  # how busy the host was, as the OS says
        assert len(load["before"]) == len(load["after"]) == 3
        assert all(x >= 0 for x in load["before"] + load["after"])
        assert entry["summary"]["power_w"]["median"] == POWER_W
        j_per_unit = [
            POWER_W * (w["t_end_s"] - w["t_begin_s"]) / w["units"] for w in entry["windows"]
        ]
        assert entry["summary"]["j_per_unit"]["median"] == pytest.approx(
            statistics.median(j_per_unit), rel=1e-12, abs=0
        )
    assert on_disk["scenario"]["name"] == "late-2025"
    assert on_disk["environment"]["git"]["commit"]
    assert "<svg" in html_path.read_text()
    assert "Host load average (1 min): " in html_path.read_text()


def test_report_and_compare_work_on_saved_results(run_cli, quick_result, tmp_path):
    _, json_path, _ = quick_result
    res = run_cli("report", json_path, "--scenario", "terawulf-q3-2025", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["scenario"]["name"] == "terawulf-q3-2025"
    html = tmp_path / "r.html"
    res = run_cli("report", json_path, "--html", html)
    assert res.exit_code == 0 and html.exists()
    res = run_cli("compare", json_path, json_path, "--json")
    assert res.exit_code == 0, res.stderr
    assert len(json.loads(res.stdout)["rows"]) == 4


def test_a_device_without_energy_source_is_unmeasured_with_its_reason(tmp_path):
    plan = runner.plan_run(
        "cpu", "gemm", quick=True, out_dir=tmp_path, isolate=False, write_report=False
    )
    doc, _, _ = runner.execute(plan, meter_factory=no_energy_meter)
    (entry,) = doc["workloads"]
    assert (entry["energy_source"], entry["energy_note"]) == ("unmeasured", NO_SOURCE)
    assert entry["summary"]["units_per_s"]["median"] > 0  # what was measured is kept
    assert [w["energy_j"] for w in entry["windows"]] == [None] * len(entry["windows"])
    assert [w["unmeasured"] for w in entry["windows"]] == [NO_SOURCE] * len(entry["windows"])
    assert "unmeasured" in entry["summary"]["j_per_unit"]  # never 0


def test_report_of_missing_file(run_cli, tmp_path):
    assert_bad_input(run_cli("report", tmp_path / "absent.json"))
    assert_bad_input(run_cli("compare", tmp_path / "absent.json"))


def test_several_devices_measure_side_by_side_into_one_result(tmp_path):
    # `--device all` on a multi-GPU machine runs one rank per device (bench.fleet.local), each
    # measuring its workloads in child processes; two CPU "devices" take the same path here.
    plan = runner.plan_run("cpu", "gemm", quick=True, out_dir=tmp_path, write_report=False)
    plan.devices = plan.devices * 2
    doc, json_path, _ = runner.execute(plan)
    assert doc["status"] == {"state": "complete", "failed": [], "not_reached": []}
    assert [e["workload"]["name"] for e in doc["workloads"]] == ["gemm", "gemm"]
    assert all(e["device"]["id"] == "cpu" and e["verified"] for e in doc["workloads"])
    assert list(tmp_path.glob("*.json")) == [json_path]  # one result for the run


def test_parse_settings_types_values():
    got = runner.parse_settings(["gemm.m=256", "gemm.dtype=bf16", "llm-decode.x=0.5"])
    assert got == {"gemm": {"m": 256, "dtype": "bf16"}, "llm-decode": {"x": 0.5}}


@pytest.mark.parametrize(
    "args",
    [
        ("--set", "gemm.bogus=1"),  # not a parameter of gemm
        ("--set", "gemm"),  # not NAME.KEY=VALUE
        ("--set", "bert.batch_size=2"),  # bert is not in this run
        ("--set", "gemm.m=-5"),  # refused by the workload itself
        ("--window-s", "-1"),
        ("--min-windows", "9", "--max-windows", "3"),
    ],
)
def test_bad_run_settings_fail_before_work(run_cli, tmp_path, args):
    out = tmp_path / "out"
    res = run_cli("run", "--quick", "--workloads", "gemm", "--out", out, *args)
    assert_bad_input(res)
    assert _files(out) == []


def test_report_applies_scenario_overrides(run_cli, quick_result):
    _, json_path, _ = quick_result
    res = run_cli("report", json_path, "--electricity-usd-kwh", "0.031", "--json")
    assert res.exit_code == 0, res.stderr
    figures = json.loads(res.stdout)["scenario"]["figures"]
    assert figures["electricity_usd_kwh"]["value"] == 0.031
    assert_bad_input(run_cli("report", json_path, "--btc-price", "-1"))


def test_run_scenario_override_is_validated_before_work(run_cli, tmp_path):
    out = tmp_path / "out"
    res = run_cli("run", "--quick", "--workloads", "gemm", "--pool-fee", "1.5", "--out", out)
    assert_bad_input(res)
    assert _files(out) == []


def test_a_crashing_workload_is_reported_and_the_others_kept(tmp_path, monkeypatch):
    from bench.workloads.gemm import Gemm

    def out_of_memory(self):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(Gemm, "setup", out_of_memory)
    plan = runner.plan_run("cpu", "gemm,sha256d", quick=True, out_dir=tmp_path, isolate=False)
    doc, json_path, _ = runner.execute(plan)
    assert [w["workload"]["name"] for w in doc["workloads"]] == ["sha256d"]
    assert any("gemm on cpu not measured: RuntimeError" in w for w in doc["warnings"])
    assert doc["status"]["failed"] == [
        {
            "workload": "gemm",
            "device": "cpu",
            "reason": "RuntimeError: CUDA out of memory (simulated)",
        }
    ]
    assert json_path.exists()


def test_device_all_without_a_gpu_says_it_measures_the_cpu(run_cli, tmp_path):
    from bench.devices import find_devices

    if any(d.kind == "cuda" for d in find_devices()):
        pytest.skip("this machine has a GPU: --device all measures it")
    res = run_cli(
        "run", "--device", "all", "--quick", "--workloads", "sha256d", "--out", tmp_path,
        "--no-report", "--quiet", "--window-s", "0.05", "--min-windows", "2",
        "--max-windows", "2", "--timeout-s", "1", "--in-process",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert res.stderr == "joulebench: --device all: no GPU found, so the CPU is measured\n"


def test_a_scenario_older_than_half_a_year_is_flagged_in_the_result():
    import dataclasses
    import datetime

    from bench.econ import load_scenario

    scenario = load_scenario("late-2025")  # dated 2025-11-12
    assert runner.stale_scenario_warning(scenario, datetime.date(2026, 5, 11)) == []  # 180 days
    (warning,) = runner.stale_scenario_warning(scenario, datetime.date(2026, 5, 12))
    assert warning.startswith("scenario late-2025 is dated 2025-11-12, 181 days before this run")
    month_only = dataclasses.replace(scenario, date="2025-11")  # counted from the 1st
    (warning,) = runner.stale_scenario_warning(month_only, datetime.date(2026, 5, 1))
    assert "dated 2025-11, 181 days" in warning

"""`make gpu-check`: exit 2 with one clear line without a GPU; with a stand-in CuPy and the
simulated NVML, the miner check runs through bench.measure and bench.telemetry and writes its
figures; the summary's figures equal hand-worked numbers; gpucheck never imports pynvml."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from conftest import HAVE_CUDA
from fake_cupy import FakeCupy
from result_fixtures import ENVIRONMENT, SCENARIO, entry

import bench.mining.cuda as cuda_mod
from bench import gpucheck, gpusummary
from bench import result as results
from bench.telemetry.fake import FakeGpu, FakeNvml

ROOT = Path(__file__).resolve().parent.parent
QUICK = [
    *("--window-s", "0.1", "--windows", "5", "--warmup-s", "0.05", "--idle-s", "0.1"),
    *("--sampler-s", "0.2", "--shape-s", "0.01", "--job-nonces", "2048"),
    *("--verify-span", "1024"),
]


def test_no_gpu_exits_2_with_a_clear_line(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "cupy", None)
    assert gpucheck.main(["--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("gpu-check: no usable GPU: ")
    assert "CuPy is not installed" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_zero_devices_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "cupy", FakeCupy(devices=0))
    assert gpucheck.main([]) == 2
    assert "no device cuda:0" in capsys.readouterr().err


@pytest.fixture
def fake_gpu(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    cupy = FakeCupy(elapsed_ms=1.0)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setattr(cuda_mod, "_KERNELS", {})
    monkeypatch.setattr(cuda_mod, "FIRST_LAUNCH_NONCES", 1024)
    monkeypatch.setattr(cuda_mod, "TUNE_NONCES", 512)  # the stand-in hashes in Python
    real = cuda_mod.precompute

    def knowing_precompute(header: bytes) -> tuple[int, ...]:
        cupy.know(header)  # the stand-in kernel hashes with hashlib, so it needs the header
        return real(header)

    monkeypatch.setattr(cuda_mod, "precompute", knowing_precompute)
    return cupy


def simulated_nvml(monkeypatch, power_w: float = 300.0) -> FakeNvml:
    """bench.telemetry's simulated binding as `pynvml`, on the real clock (real windows)."""
    gpu = FakeGpu(name="Fake H200", power_w=lambda t: power_w)
    nvml = FakeNvml([gpu], clock=time.monotonic)
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    return nvml


def test_miner_check_measures_through_telemetry(fake_gpu, monkeypatch, tmp_path, capsys):
    simulated_nvml(monkeypatch, power_w=300.0)
    rc = gpucheck.main([*QUICK, "--dir", str(tmp_path / "d"), "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert rc == 0, out
    doc = json.loads((tmp_path / "d" / "gpu-check-miner.json").read_text())
    assert (tmp_path / "o" / "gpu-check-miner.json").read_text() == json.dumps(doc, indent=2) + "\n"
    env = doc["environment"]
    assert env["gpu"] == "Fake H200" and env["driver"] == "999.99"
    # the environment every result records, from the same code: git state computed once
    assert env["git"] == results.git_state() and "git_commit" not in env
    assert [d["id"] for d in env["devices"]] == ["cuda:0"]
    schema = results.schema()
    env_schema = {**schema["$defs"]["environment"], "$defs": schema["$defs"]}
    jsonschema.validate(env, env_schema)
    assert doc["schema"] == "joulebench.gpu-check/3"
    m, fig = doc["measurement"], doc["figures"]
    assert m["energy_source"] == "nvml-counter" and len(m["windows"]) == 5
    assert m["idle"]["power_w"] == pytest.approx(300.0, rel=1e-3)
    assert fig["power_w"] == pytest.approx(300.0, rel=1e-3)  # a steady 300 W board
    assert fig["gh_s"] == pytest.approx(fig["hashes"] / fig["seconds"] / 1e9)
    assert fig["j_per_gh"] == pytest.approx(fig["energy_j"] / (fig["hashes"] / 1e9))
    assert abs(fig["cross_check"]["trace_vs_counter_pct"]) < 1.0
    assert doc["sampler_cost"]["hz"] == 50.0 and doc["sampler_cost"]["samples"] > 0
    assert 0.0 <= doc["sampler_cost"]["cpu_fraction"] < 1.0
    assert doc["occupancy"]["registers_per_thread"] == 40
    assert len(doc["shapes"]) == len(gpucheck.SHAPES)
    assert doc["kernel"]["variant"] in {s["variant"] for s in doc["shapes"]}
    assert "GH/s" in out and "J/GH" in out and "registers/thread: 40" in out


def test_miner_check_without_nvml_says_energy_unmeasured(fake_gpu, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # the binding cannot be imported
    rc = gpucheck.main([*QUICK, "--no-shapes", "--dir", str(tmp_path / "d")])
    out = capsys.readouterr().out
    assert rc == 0, out
    doc = json.loads((tmp_path / "d" / "gpu-check-miner.json").read_text())
    assert doc["measurement"]["energy_source"] == "unmeasured"
    assert doc["figures"]["power_w"] is None and doc["figures"]["gh_s"] > 0
    assert "nvidia-ml-py" in doc["figures"]["unmeasured"]
    assert "unmeasured" in doc["sampler_cost"] and "board power: unmeasured" in out


@pytest.mark.parametrize("module", ["gpucheck.py", "gpusummary.py"])
def test_gpucheck_never_imports_pynvml(module):
    source = (ROOT / "bench" / module).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "pynvml" not in imported and "pynvml" not in source


# --- the summary, on synthetic measurements with hand-worked figures -------------------------


def miner_window(hashes: float, energy_j: float, trace_j: float, t0: float) -> dict:
    return {
        "elapsed_s": 5.0,
        "units": hashes,
        "units_per_s": hashes / 5.0,
        "energy_j": energy_j,
        "trace_energy_j": trace_j,
        "t_begin_s": t0,
        "t_end_s": t0 + 5.0,
        "throttled": False,
        "temperature_c": 60 + t0 / 5,
        "sm_clock_mhz": 1980,
    }


# Five 5 s windows: 187.5e9 hashes and 17,500 J in 25 s -> 7.5 GH/s, 700 W, 93.33 J/GH.
HASHES = [37.5e9, 37.5e9, 37.0e9, 38.0e9, 37.5e9]
TRACE = [3535.0, 3535.0, 3500.0, 3500.0, 3500.0]  # 17,570 J: +0.4 %, worst window 1 %
MINER_MEASUREMENT = {
    "idle": {"power_w": 100.0, "source": "nvml-counter"},
    "energy_source": "nvml-counter",
    "windows": [
        miner_window(h, 3500.0, t, 5.0 * i)
        for i, (h, t) in enumerate(zip(HASHES, TRACE, strict=True))
    ],
}


def test_miner_figures_by_hand():
    fig = gpusummary.miner_figures(MINER_MEASUREMENT)
    assert fig["windows"] == 5 and fig["seconds"] == 25.0 and fig["hashes"] == 187.5e9
    assert fig["gh_s"] == pytest.approx(7.5)
    assert fig["power_w"] == pytest.approx(700.0)
    assert fig["j_per_gh"] == pytest.approx(93.3333333)  # = 700 W / 7.5 GH/s
    assert fig["j_per_gh"] == pytest.approx(fig["power_w"] / fig["gh_s"])
    assert fig["above_idle_j_per_gh"] == pytest.approx(80.0)  # (17,500 - 100 * 25) / 187.5
    assert fig["hashrate_spread_pct"] == pytest.approx(0.2 / 7.5 * 100)  # 7.6 - 7.4 over 7.5
    assert fig["j_per_hash_spread_pct"] == pytest.approx(37.5 / (37 * 38) * 100)
    cross = fig["cross_check"]
    assert cross["trace_vs_counter_pct"] == pytest.approx(70 / 17500 * 100)
    assert cross["worst_window_abs_pct"] == pytest.approx(1.0) and cross["within_tolerance"]
    assert fig["max_temperature_c"] == 64 and fig["throttled_windows"] == 0


def test_miner_figures_unmeasured_energy_is_none_not_zero():
    unmeasured = {"energy_j": None, "unmeasured": "NVML unavailable"}
    windows = [{**w, **unmeasured} for w in MINER_MEASUREMENT["windows"]]
    fig = gpusummary.miner_figures({"idle": {"unmeasured": "x"}, "windows": windows})
    assert fig["gh_s"] == pytest.approx(7.5) and fig["power_w"] is None
    assert fig["unmeasured"] == "NVML unavailable" and "j_per_gh" not in fig


def llm(name: str, rate: float, power: float, batch: int, **roofline: float) -> dict:
    params = {"model": "llama-3.1-8b", "dtype": "bf16", "batch_size": batch}
    e = entry(name, "token", "ai", rate, power, usd_per_j=2e-7, params=params)
    e["roofline"] = dict(roofline)
    return e


def suite_doc() -> dict:
    gemm = entry("gemm", "flop", "ai", 760e12, 690.0, usd_per_j=1e-20, params={"dtype": "bf16"})
    gemm["roofline"] = {"mfu": 0.77, "achieved_tflop_s": 760.0}
    workloads = [
        entry("sha256d", "hash", "mining", 7.5e9, 700.0, usd_per_j=5e-12),
        llm("llm-decode", 220.0, 550.0, 1, mbu=0.82),
        llm("llm-prefill", 20000.0, 690.0, 8, mfu=0.55),
        gemm,
    ]
    return results.build_result(ENVIRONMENT, SCENARIO, workloads)


def batched_doc() -> dict:
    decode = llm("llm-decode", 7000.0, 630.0, 256, mbu=0.5)  # 630 / 7000 = 0.09 J/token
    return results.build_result(ENVIRONMENT, SCENARIO, [decode])


def miner_doc() -> dict:
    return {
        "environment": {"gpu": "NVIDIA H200", "driver": "580.00"},
        "verification": ["known blocks found"],
        "occupancy": {"registers_per_thread": 40, "occupancy": 0.75},
        "kernel": {"variant": "256x32-imad1"},
        "shapes": [{"variant": "256x32-imad1", "hashrate_hs": 7.5e9}],
        "sampler_cost": {"hz": 50.0, "cpu_fraction": 0.0025, "hz_achieved": 49.8},
        "figures": gpusummary.miner_figures(MINER_MEASUREMENT),
    }


STEPS = [
    {"name": "miner", "exit_status": 0, "seconds": 55.0, "limit_s": 90},
    {"name": "suite", "exit_status": 0, "seconds": 180.0, "limit_s": 220},
]


def test_summary_figures_and_goals_by_hand():
    s = gpusummary.build_summary(miner_doc(), suite_doc(), batched_doc(), STEPS)
    m, t, inf = s["miner"], s["telemetry"], s["inference"]
    assert (m["gh_s"], m["registers_per_thread"], m["variant"]) == (7.5, 40, "256x32-imad1")
    assert m["j_per_gh"] == pytest.approx(700 / 7.5) and m["occupancy"] == 0.75
    assert t["idle_power_w"] == 100.0 and t["sampler_cost_pct"] == pytest.approx(0.25)
    assert t["trace_vs_counter_pct"] == pytest.approx(0.4) and t["windows"] == 5
    assert inf["llm-decode"]["units_per_s"] == 220.0 and inf["llm-decode"]["mbu"] == 0.82
    assert inf["llm-decode"]["j_per_unit"] == pytest.approx(550 / 220)
    assert inf["llm-decode-batched"]["j_per_unit"] == pytest.approx(0.09)
    assert inf["llm-decode-batched"]["params"]["batch_size"] == 256
    assert inf["gemm"]["tflop_s"] == pytest.approx(760.0)
    assert inf["gemm"]["fraction_of_measured_rate"] == pytest.approx(760 / 790)
    assert "sha256d" not in inf and s["total_s"] == 235.0
    met = {g["goal"]: g["met"] for g in s["goals"]}
    assert met["sha256d GH/s"] is True  # 7.5 >= 7.5
    assert met["J/hash spread over 5 windows %"] is False  # 2.67 % > 2 %
    assert met["sampler % of one core at 50 Hz"] is True
    assert met["decode batch 1 MBU"] is True and met["decode batch 1 tok/s"] is True
    assert met["prefill MFU"] is False  # 0.55 < 0.60
    assert met["batched decode J/token"] is True  # 0.09 <= 1.5 * 0.070
    assert met["GEMM TFLOP/s"] is True  # 760 >= 0.95 * 790 = 750.5
    assert met["whole check seconds"] is True
    assert s["run"]["workloads"] == ["sha256d", "llm-decode", "llm-prefill", "gemm"]
    assert len(s["run"]["headline"]["rows"]) == 4


def test_summary_of_missing_steps_says_so():
    s = gpusummary.build_summary(None, None, None, [])
    assert s["miner"] == {"missing": "no miner check result"} and s["inference"] == {}
    assert all(g["met"] is None for g in s["goals"] if g["issue"] != 7)


def test_summary_without_the_miner_names_the_gpu_from_the_run():
    doc = suite_doc()
    doc["environment"] = {
        **doc["environment"],
        "devices": [{"kind": "cuda", "name": "NVIDIA H200"}],
    }
    doc["environment"]["nvidia"] = {"driver": "580.00"}
    s = gpusummary.build_summary(None, doc, None, STEPS, elapsed_s=300.0)
    assert (s["gpu"], s["driver"], s["total_s"]) == ("NVIDIA H200", "580.00", 300.0)
    assert s["inference"]["llm-decode"]["mbu"] == 0.82


def test_summary_main_copies_fixed_names(tmp_path, capsys):
    folder, out = tmp_path / "results" / "gpu-check-x", tmp_path / "out"
    (folder / "suite").mkdir(parents=True)
    (folder / "decode-b256").mkdir()
    (folder / "gpu-check-miner.json").write_text(json.dumps(miner_doc()))
    (folder / "suite" / "20260102T030405Z-host-cuda0.json").write_text(json.dumps(suite_doc()))
    (folder / "suite" / "20260102T030405Z-host-cuda0.html").write_text("<html></html>")
    (folder / "decode-b256" / "20260102T031000Z-host-cuda0.json").write_text(
        json.dumps(batched_doc())
    )
    (folder / "steps.tsv").write_text("miner\t0\t55\t90\nsuite\t124\t220\t220\n")
    assert gpusummary.main([str(folder), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "gpu-check-decode-b256.json",
        "gpu-check-miner.json",
        "gpu-check-suite.html",
        "gpu-check-suite.json",
        "gpu-check-summary.json",
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", n) for n in names)
    summary = json.loads((out / "gpu-check-summary.json").read_text())
    cut = {"name": "suite", "exit_status": 124, "seconds": 220.0, "limit_s": 220}
    assert summary["steps"][1] == cut
    assert summary["total_s"] == 275.0 and summary["run"]["report"] == "gpu-check-suite.html"
    printed = capsys.readouterr().out
    assert "7.500 GH/s" in printed and "93.33 J/GH" in printed and "prefill MFU" in printed


@pytest.mark.skipif(HAVE_CUDA, reason="checks the no-GPU path; this machine has a GPU")
@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_make_gpu_check_script_exits_2_without_a_gpu(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "JOULEBENCH_SKIP_BUILD": "1"}
    env.pop("OUT", None)
    script = str(ROOT / "scripts" / "gpu-check.sh")
    proc = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("gpu-check: no usable GPU")
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


# --- the run path on a GPU machine that lacks the optional packages ---------------------------


def test_progress_without_tqdm_prints_stage_lines_only(monkeypatch, capsys):
    from bench import console

    monkeypatch.setattr(console, "tqdm", None)
    progress = console.RunProgress()
    progress("cuda:0", "gemm", "setup", 0, 1)
    progress("cuda:0", "gemm", "windows", 1, 3)
    progress.close()
    out, err = capsys.readouterr()
    assert out == "" and err == "gemm on cuda:0: setting up and verifying\n"


def test_report_without_matplotlib_says_why_it_has_no_plots(monkeypatch):
    import bench.report
    from bench.report.html import render_html

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "bench.report.plots", raising=False)
    monkeypatch.delattr(bench.report, "plots", raising=False)
    page = render_html(suite_doc())
    assert "Plots omitted" in page and "matplotlib" in page and "<svg" not in page


def test_run_takes_the_warmup_bound_and_checks_it(run_cli, tmp_path):
    res = run_cli(
        *("run", "--device", "cpu", "--quick", "--workloads", "sha256d"),
        *("--warmup-max-s", "0.1", "--out", str(tmp_path)),
    )
    assert res.exit_code == 2 and "warmup_min_s <= warmup_max_s" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_summary_spread_is_bench_stats_spread():
    assert gpusummary.rel_spread([7.6, 7.4, 7.5]) == pytest.approx(0.2 / 7.5)
    assert gpusummary.rel_spread([7.5]) is None and gpusummary.rel_spread([]) is None
    assert gpusummary.rel_spread([-1.0, 0.0, 1.0]) is None  # zero median

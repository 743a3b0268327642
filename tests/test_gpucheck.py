"""`make gpu-check` (scripts/gpu-check.sh and scripts/gpucheck/): the rehearsal of all five modes
on this CPU machine (fake CuPy, simulated NVML), the summary's figures against hand-worked
numbers, the variant timing's order and median choice, and the optional packages a GPU image
may lack."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gpucheck import goals, miner, summary
from gpucheck.rehearsal import COUNTER_PERIOD_S, CUT_AFTER_WINDOWS, IDLE_W, LOAD_W

ROOT = Path(__file__).resolve().parent.parent
STEPS = [
    "preflight",
    "build",
    "miner",
    "suite",
    "decode-b256",
    "profile",
    "tests-miner",
    "tests-inference",
]
MODES = ("ok", "cut", "fail", "no-cupy", "no-gpu")


# --- the rehearsal: the whole script, each mode, in parallel (each mostly waits) -------------


def rehearse(mode: str, out: Path) -> tuple[int, dict, str]:
    env = {**os.environ, "JOULEBENCH_GPU_REHEARSAL": mode, "OUT": str(out)}
    env |= {"PYTHON": sys.executable}
    if mode == "ok":  # the profile step through a stand-in for ncu
        env["GPU_CHECK_NCU"] = str(ROOT / "tests" / "fake_ncu.sh")
    env.pop("GPU_CHECK_BUDGET_S", None)
    script = str(ROOT / "scripts" / "gpu-check.sh")
    proc = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=600)
    doc = json.loads((out / "gpu-check-summary.json").read_text())
    return proc.returncode, doc, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def rehearsals(tmp_path_factory) -> dict[str, tuple[int, dict, str, Path]]:
    if shutil.which("bash") is None or shutil.which("timeout") is None:
        pytest.skip("the rehearsal needs bash and coreutils' timeout")
    base = tmp_path_factory.mktemp("rehearsal")
    with ThreadPoolExecutor(len(MODES)) as pool:
        runs = {m: pool.submit(rehearse, m, base / m) for m in MODES}
        return {m: (*f.result(), base / m) for m, f in runs.items()}


def statuses(doc: dict) -> dict[str, str]:
    return {s["name"]: s["status"] for s in doc["steps"]}


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_leaves_the_log_and_a_summary_naming_every_step(rehearsals, mode):
    rc, doc, output, out = rehearsals[mode]
    assert (out / "gpu-check.log").read_text().strip(), output
    assert [s["name"] for s in doc["steps"]] == STEPS, output
    assert set(statuses(doc).values()) <= {"ok", "cut", "failed", "skipped"}
    assert doc["rehearsal"] == mode and [g["key"] for g in doc["goals"]] == [
        g.key for g in goals.GOALS
    ]
    names = [p.name for p in out.iterdir()]
    assert len(names) <= 8 and all(not p.is_dir() for p in out.iterdir())  # the device limits
    assert not [n for n in names if n.endswith(".tmp")]


def test_ok_mode_measures_the_simulated_board(rehearsals):
    rc, doc, output, out = rehearsals["ok"]
    assert rc == 0, output
    s = statuses(doc)
    assert [s[n] for n in ("preflight", "miner", "suite", "decode-b256")] == ["ok"] * 4
    assert s["build"] == s["tests-miner"] == "skipped"
    build = next(step for step in doc["steps"] if step["name"] == "build")
    assert "built for this python already" in build["reason"]  # make test's venv has it
    m = doc["miner"]
    assert m["status"] == "ok" and m["verified"] and m["windows"] == 3
    assert m["idle_power_w"] == IDLE_W  # the trace of a board at a steady idle: exact
    assert m["counter_period_s"] == pytest.approx(COUNTER_PERIOD_S, abs=0.01)
    assert m["window_edges"] == "aligned to counter updates"
    assert IDLE_W < m["power_w"] <= LOAD_W
    assert len(m["variants"]) == len(miner.SHAPES) and m["variant"] in {
        v["variant"] for v in m["variants"]
    }
    assert m["sampler_cost"]["samples"] > 0 and m["sampler_cost"]["hz"] == 50.0
    assert doc["suite"]["entries"]["sha256d"]["units_per_s"] > 0
    assert doc["decode_b256"]["entries"]["llm-decode"]["params"]["batch_size"] == 2
    names = {p.name for p in out.iterdir()}
    assert {"gpu-check-suite.json", "gpu-check-suite.html", "gpu-check-decode-b256.json"} <= names


def test_ok_mode_profiles_the_chosen_variant_without_touching_the_clocks(rehearsals):
    rc, doc, output, out = rehearsals["ok"]
    assert statuses(doc)["profile"] == "ok", output
    report = (out / "gpu-check-ncu.txt").read_text()
    options = report.splitlines()[0]
    assert "--clock-control=none" in options and "--kernel-name=sha256d_search" in options
    profile = doc["profile"]
    assert profile["status"] == "ok" and profile["errors"] == []
    assert profile["metrics"]["Compute (SM) Throughput"] == {"value": 91.72, "unit": "%"}
    assert profile["metrics"]["Executed Ipc Active"] == {"value": 3.71, "unit": "inst/cycle"}
    assert "Elapsed Cycles" not in profile["metrics"]  # only the rows the summary lifts out
    assert f"variant {doc['miner']['variant']}" in output  # the launches ran that variant


def test_cut_mode_keeps_the_windows_measured_and_runs_the_next_steps(rehearsals):
    rc, doc, output, out = rehearsals["cut"]
    assert rc == 1, output
    s = statuses(doc)
    assert s["miner"] == "cut" and s["suite"] == "ok" and s["decode-b256"] == "skipped"
    assert s["profile"] == "ok"  # the variant was chosen before the cut: its launches run
    saved = json.loads((out / "gpu-check-miner.json").read_text())
    assert saved["status"] == "cut" and saved["phases"]["sampler_cost"] == "not reached"
    cut = [p for p, state in saved["phases"].items() if state.startswith("cut: signal 15")]
    assert len(cut) == 1, saved["phases"]
    if cut == ["measurement"]:  # where the rehearsal stalls it, unless a loaded CPU is slower
        assert doc["miner"]["windows"] == len(saved["windows_so_far"]) == CUT_AFTER_WINDOWS
        assert doc["miner"]["gh_s"] is not None  # figures from the windows it did measure


def test_fail_mode_records_the_failure_and_runs_the_next_steps(rehearsals):
    rc, doc, output, out = rehearsals["fail"]
    assert rc == 1, output
    s = statuses(doc)
    assert s["miner"] == "failed" and s["suite"] == "ok"
    assert s["profile"] == "skipped"  # no variant was chosen
    phases = doc["miner"]["phases"]
    assert phases["verification"] == "ok" and phases["variants"].startswith("failed: Runtime")
    assert "NVRTC_ERROR_COMPILATION" in phases["variants"]
    assert "Traceback" in (out / "gpu-check.log").read_text()  # the log keeps the whole story


def test_no_cupy_mode_skips_the_miner_and_still_runs_torch(rehearsals):
    rc, doc, output, _ = rehearsals["no-cupy"]
    assert rc == 0, output
    s = statuses(doc)
    assert s["miner"] == s["profile"] == "skipped" and s["suite"] == "ok"
    reason = next(x["reason"] for x in doc["steps"] if x["name"] == "miner")
    assert "CuPy is not installed" in reason
    assert doc["preflight"]["cupy_gpus"] == 0 and doc["preflight"]["nvml_gpus"] == 1


def test_no_gpu_mode_exits_2_with_everything_skipped(rehearsals):
    rc, doc, output, out = rehearsals["no-gpu"]
    assert rc == 2, output
    s = statuses(doc)
    assert s["preflight"] == "failed"
    assert all(s[n] == "skipped" for n in STEPS[1:])
    assert all(g["met"] is None for g in doc["goals"])
    assert sorted(p.name for p in out.iterdir()) == ["gpu-check-summary.json", "gpu-check.log"]


def test_unknown_rehearsal_mode_is_one_line_and_status_2(tmp_path):
    env = {**os.environ, "JOULEBENCH_GPU_REHEARSAL": "bogus", "OUT": str(tmp_path)}
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu-check.sh")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "use one of ok, cut, fail" in proc.stderr


# --- the summary, on synthetic windows with hand-worked figures ------------------------------


def window(hashes: float, energy_j: float, trace_j: float, t0: float) -> dict:
    return {
        "elapsed_s": 5.0,
        "units": hashes,
        "units_per_s": hashes / 5.0,
        "energy_j": energy_j,
        "energy_source": "nvml-counter",
        "power_avg_w": energy_j / 5.0,
        "trace_energy_j": trace_j,
        "t_begin_s": t0,
        "t_end_s": t0 + 5.0,
        "throttled": t0 == 20.0,
    }


# Five 5 s windows at 3500 J each; hashes 37.5, 37.5, 37.0, 38.0, 37.5 e9.
# Rates 7.5, 7.5, 7.4, 7.6, 7.5 GH/s: median 7.5, spread 0.2 / 7.5.
# J/GH 93.33, 93.33, 94.59, 92.11, 93.33: median 3500 / 37.5 = 93.33, spread
# (3500/37 - 3500/38) / (3500/37.5) = 37.5 / (37 * 38).
# Trace 3535 J against 3500 J: 1 % in the worst windows.
WINDOWS = [
    window(h, 3500.0, t, 5.0 * i)
    for i, (h, t) in enumerate(
        zip(
            [37.5e9, 37.5e9, 37.0e9, 38.0e9, 37.5e9],
            [3535.0, 3535.0, 3500.0, 3500.0, 3465.0],
            strict=True,
        )
    )
]


def test_window_figures_by_hand():
    f = summary.window_figures(WINDOWS)
    assert f["windows"] == 5 and f["throttled_windows"] == 1
    assert f["gh_s"] == pytest.approx(7.5, rel=1e-12)
    assert f["rate_spread_pct"] == pytest.approx(0.2 / 7.5 * 100, rel=1e-9)
    assert f["power_w"] == pytest.approx(700.0, rel=1e-12)
    assert f["j_per_gh"] == pytest.approx(3500 / 37.5, rel=1e-12)
    assert f["j_spread_pct"] == pytest.approx(37.5 / (37 * 38) * 100, rel=1e-9)
    assert f["counter_vs_trace_pct"] == pytest.approx(1.0, rel=1e-9)
    assert f["cross_checked_windows"] == 5


def test_short_windows_are_not_cross_checked():
    short = [{**w, "elapsed_s": 4.9} for w in WINDOWS]
    f = summary.window_figures(short)
    assert f["counter_vs_trace_pct"] is None and f["cross_checked_windows"] == 0


def test_unmeasured_energy_gives_none_not_zero():
    f = summary.window_figures([{**w, "energy_j": None, "power_avg_w": None} for w in WINDOWS])
    assert f["gh_s"] == pytest.approx(7.5) and f["j_per_gh"] is None and f["power_w"] is None
    assert f["counter_vs_trace_pct"] is None


@pytest.mark.parametrize(
    ("key", "value", "met"),
    [
        ("miner_gh_s", 7.5, True),  # the goal's own boundary is met
        ("miner_gh_s", 7.4999, False),
        ("miner_j_spread_pct", 2.0, True),
        ("miner_j_spread_pct", 2.0001, False),
        ("gemm_fraction", 0.95, True),
        ("gemm_fraction", 0.9499, False),
        ("batched_decode_j_per_token", 0.1051, False),
        ("decode_b1_mbu", None, None),  # unmeasured is neither met nor missed
    ],
)
def test_goals_are_judged_at_their_targets(key, value, met):
    goal = next(g for g in goals.GOALS if g.key == key)
    assert goal.judge(value)["met"] is met


def test_gemm_reference_is_the_catalogs_sustained_h200_figure():
    from bench.hardware import find_card_by_name

    card = find_card_by_name("H200 SXM")
    assert goals.gemm_reference_tflop_s() == card.peak.measured.tflop_s["bf16"]
    assert goals.gemm_reference_tflop_s("no such card") is None


def test_steps_log_reads_each_status(tmp_path):
    (tmp_path / "steps.tsv").write_text(
        "miner\tcut\t124\t90\t90\tcut at its limit of 90 s\n"
        "suite\tok\t0\t180\t230\t\n"
        "tests-miner\tskipped\t\t0\t0\tthe time budget is spent\n"
        "garbage line\n"
    )
    steps = summary.read_steps(tmp_path / "steps.tsv")
    assert steps[0] == {
        "name": "miner",
        "status": "cut",
        "exit_status": 124,
        "seconds": 90.0,
        "limit_s": 90.0,
        "reason": "cut at its limit of 90 s",
    }
    assert steps[1]["status"] == "ok" and steps[2]["exit_status"] is None
    assert steps[3]["status"] == "failed" and "garbage" in steps[3]["reason"]


def test_summary_is_written_before_it_is_printed(tmp_path, monkeypatch):
    from gpucheck import __main__ as cli

    def broken_lines(doc):
        raise RuntimeError("a formatting error")

    monkeypatch.setattr(summary, "lines", broken_lines)
    monkeypatch.delenv("JOULEBENCH_GPU_REHEARSAL", raising=False)
    with pytest.raises(RuntimeError):
        cli.main(["summary", "--work", str(tmp_path), "--out", str(tmp_path / "out")])
    doc = json.loads((tmp_path / "out" / summary.SUMMARY_FILE).read_text())
    assert doc["miner"]["status"] == "missing" and doc["steps"] == []


def test_partial_miner_document_gives_figures_from_its_windows():
    doc = {"status": "cut", "phases": {"measurement": "cut: signal 15"}, "windows_so_far": WINDOWS}
    m = summary.miner_section(doc)
    assert m["status"] == "cut" and m["windows"] == 5
    assert m["j_per_gh"] == pytest.approx(3500 / 37.5, rel=1e-12)


# --- the variant sweep: interleaved, equal time, chosen by median ----------------------------


class Clock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


class TimedMiner:
    """A backend whose every search takes a given time on the shared clock."""

    name, path = "fake", "fake"

    def __init__(self, label: str, seconds: list[float], clock: Clock, log: list) -> None:
        self.label, self.seconds, self.clock, self.log = label, iter(seconds), clock, log

    def search(self, header, start, count, target):
        from bench.mining.backend import SearchResult

        self.log.append(self.label)
        self.clock.now_s += next(self.seconds)
        return SearchResult("fake", "fake", start, count, target, [], count, 0.0, False)


def test_variants_are_timed_interleaved_and_chosen_by_median():
    """Slices of 0.125 s of searches of 1000 nonces. A runs two 0.0625 s searches in its first
    timed slice (16 kH/s, an outlier) and 0.25 s ones after (4 kH/s); B is a steady 8 kH/s;
    C 4 kH/s. By median B wins; by maximum A would."""
    from bench.devices import Device

    clock, log = Clock(), []
    times = {
        "A": [0.125, 0.0625, 0.0625, 0.25, 0.25],
        "B": [0.125] * 4,
        "C": [0.125, 0.25, 0.25, 0.25],
    }
    shapes = ((1, 1, 0), (2, 1, 0), (3, 1, 0))
    labels = dict(zip(shapes, "ABC", strict=True))

    def build(device_index, shape):
        m = TimedMiner(labels[shape], times[labels[shape]], clock, log)
        m.config = type("Cfg", (), {"label": labels[shape]})()
        m.kernel = type("K", (), {"num_regs": 40})()
        m.occupancy = 0.75
        return m

    settings = miner.Settings(shapes=shapes, rounds=3, slice_s=0.125, job_nonces=1000)
    cpu = Device("cpu", "cpu", "test", 0)
    chosen, doc = miner.time_variants(cpu, settings, build=build, clock=clock)
    # a warm-up round, then three timed rounds, interleaved, each slice 0.125 s
    assert log == list("ABC") + list("AABC") + list("ABC") + list("ABC")
    rows = {r["variant"]: r for r in doc["rows"]}
    assert rows["A"]["rates_hs"] == [16_000.0, 4_000.0, 4_000.0]
    assert rows["B"]["rates_hs"] == [8_000.0] * 3 and rows["C"]["median_hs"] == 4_000.0
    assert doc["chosen"] == "B" and chosen.label == "B"


# --- the tool lives outside the package and reaches NVML only through bench.telemetry --------


def test_gpucheck_is_not_in_the_package():
    assert not (ROOT / "bench" / "gpucheck.py").exists()
    assert not (ROOT / "bench" / "gpusummary.py").exists()
    for path in (ROOT / "bench").rglob("*.py"):
        assert "gpucheck" not in path.read_text(), path


@pytest.mark.parametrize("path", sorted((ROOT / "scripts" / "gpucheck").glob("*.py")))
def test_gpucheck_never_imports_pynvml(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "pynvml" not in imported


# --- the run path on a GPU machine that lacks the optional packages ---------------------------


def test_progress_without_tqdm_prints_stage_lines_only(monkeypatch, capsys):
    from bench import console

    monkeypatch.setattr(console, "tqdm", None)
    progress = console.RunProgress()
    progress("cuda:0", "gemm", "setup", 0, 1)
    progress("cuda:0", "gemm", "windows", 1, 3)
    progress("cuda:0", "gemm", "windows", 2, 3)  # the same stage: no second line
    progress.close()
    out, err = capsys.readouterr()
    assert out == "" and err == (
        "gemm on cuda:0: setting up and verifying\ngemm on cuda:0: measuring windows\n"
    )


def test_progress_off_a_terminal_is_plain_lines_without_carriage_returns(tmp_path):
    # stderr to a file, as in a CI log: tqdm is installed, yet no bar is drawn
    import subprocess

    code = (
        "from bench.console import RunProgress\n"
        "p = RunProgress()\n"
        "p('cpu', 'gemm', 'setup', 0, 1)\n"
        "for i in range(1, 4): p('cpu', 'gemm', 'warmup', i, 3)\n"
        "for i in range(1, 6): p('cpu', 'gemm', 'windows', i, 5)\n"
        "p('cpu', 'gemm', 'done', 1, 1)\n"
        "p.close()\n"
    )
    log = tmp_path / "err.log"
    with log.open("w") as err:
        subprocess.run([sys.executable, "-c", code], stderr=err, check=True, cwd=ROOT)
    assert log.read_text() == (
        "gemm on cpu: setting up and verifying\n"
        "gemm on cpu: warming up\n"
        "gemm on cpu: measuring windows\n"
    )


def test_run_takes_the_warmup_bound_and_checks_it(run_cli, tmp_path):
    res = run_cli(
        *("run", "--device", "cpu", "--quick", "--workloads", "sha256d"),
        *("--warmup-max-s", "0.1", "--out", str(tmp_path)),
    )
    assert res.exit_code == 2 and "warmup_min_s <= warmup_max_s" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_malformed_files_are_named_in_the_summary_not_fatal(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    (work / "suite").mkdir(parents=True)
    out.mkdir()
    (work / "preflight.json").write_text("NaN")  # Python's parser would take it
    (work / "suite" / "run.json").write_text('{"format": "something else"}')
    bad_window = {**WINDOWS[0], "elapsed_s": -1.0}
    (out / miner.MINER_FILE).write_text(json.dumps({"windows_so_far": [bad_window]}))
    doc = summary.write(work, out)
    assert doc["preflight"] is None
    assert doc["miner"]["status"] == "unreadable" and "elapsed_s" in doc["miner"]["reason"]
    assert (
        doc["suite"]["status"] == "missing" and "not a joulebench result" in doc["suite"]["reason"]
    )
    assert json.loads((out / summary.SUMMARY_FILE).read_text()) == doc


def test_a_crashing_preflight_does_not_stop_the_other_steps(tmp_path):
    """A python whose preflight dies (a segfaulting import, say): every step is tried and
    says itself why it could not run; the torch suite still measures."""
    wrapper = tmp_path / "python"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        'case " $* " in *" preflight "*) kill -SEGV $$ ;; esac\n'
        f'exec {sys.executable} "$@"\n'
    )
    wrapper.chmod(0o755)
    env = {**os.environ, "JOULEBENCH_GPU_REHEARSAL": "no-cupy", "OUT": str(tmp_path / "out")}
    env["PYTHON"] = str(wrapper)
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu-check.sh")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    doc = json.loads((tmp_path / "out" / "gpu-check-summary.json").read_text())
    s = statuses(doc)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert s["preflight"] == "failed" and "trying every step" in proc.stdout
    assert s["miner"] == "failed" and s["suite"] == "ok"  # CuPy is missing: the miner says so
    assert "CuPy is not installed" in (tmp_path / "out" / "gpu-check.log").read_text()

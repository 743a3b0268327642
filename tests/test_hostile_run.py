"""The runner against workloads that crash, exit, lie, or get interrupted: what is kept.

Each workload runs in a child process of its own, so a segfault, an abort or a SystemExit is
that workload's failure and the others are kept; the result is saved after each workload, so
an interrupt keeps what was measured and says so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import hostile_workloads as hw
import pytest

from bench import result as results
from bench import runner
from bench.errors import RunInterrupted, Terminated


def _plan(tmp_path, names, isolate=True):
    return runner.plan_run(
        "cpu", names, quick=True, out_dir=tmp_path, write_report=False, measure=hw.FAST,
        isolate=isolate,
    )  # fmt: skip


def _results(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".json")


@pytest.fixture(scope="module")
def crash_run(tmp_path_factory):
    """One isolated run: a segfault, an abort, an exit, negative units, zero units, a good one."""
    out = tmp_path_factory.mktemp("crash")
    names = "test-segfault,test-steady,test-abort,test-exit,test-negative,test-zero"
    doc, path, _ = runner.execute(_plan(out, names))
    return doc, path, out


def test_a_crash_of_one_workload_is_its_failure_alone(crash_run):
    doc, path, _ = crash_run
    assert [e["workload"]["name"] for e in doc["workloads"]] == ["test-steady", "test-zero"]
    reasons = {f["workload"]: f["reason"] for f in doc["status"]["failed"]}
    assert "killed by SIGSEGV" in reasons["test-segfault"]
    assert "killed by SIGABRT" in reasons["test-abort"]
    assert "exited with status 3" in reasons["test-exit"]
    assert doc["status"]["state"] == "partial"
    assert doc["status"]["not_reached"] == []
    assert json.loads(path.read_text()) == doc  # the file on disk is the document returned


def test_an_entry_the_schema_would_refuse_is_dropped_and_named(crash_run):
    doc, _, _ = crash_run
    reasons = {f["workload"]: f["reason"] for f in doc["status"]["failed"]}
    assert "its entry cannot be written" in reasons["test-negative"]
    assert "test-negative on cpu not measured" in " ".join(doc["warnings"])


def test_a_workload_that_hangs_is_stopped_at_its_stall_bound_and_the_run_goes_on(tmp_path):
    # test-slow-setup sleeps a minute in setup, sending nothing: with a 4 s stall bound (and no
    # idle stage to add to it) it is stopped after about 4 s; the next workload is measured.
    measure = hw.FAST | {"stall_s": 4.0, "idle_s": 0.0, "idle_settle_max_s": 0.0}
    plan = runner.plan_run(
        "cpu", "test-slow-setup,test-steady", quick=True, out_dir=tmp_path, write_report=False,
        measure=measure,
    )  # fmt: skip
    started = time.monotonic()
    doc, _, _ = runner.execute(plan)
    assert time.monotonic() - started < 45  # far from the minute the setup would take
    assert [e["workload"]["name"] for e in doc["workloads"]] == ["test-steady"]
    (failure,) = doc["status"]["failed"]
    assert failure["workload"] == "test-slow-setup"
    assert "showed no progress for 4 s" in failure["reason"]
    assert "bound 4.25 s" in failure["reason"]  # 4 s plus the longest stage: a 0.25 s chunk


def test_zero_units_are_kept_with_a_warning(crash_run):
    doc, _, _ = crash_run
    zero = next(e for e in doc["workloads"] if e["workload"]["name"] == "test-zero")
    assert all(w["units"] == 0 for w in zero["windows"])
    assert any("test-zero on cpu completed 0 ops" in w for w in doc["warnings"])


def test_a_failed_run_exits_1_and_names_each_failure_even_when_quiet(run_cli, tmp_path):
    res = run_cli(
        "run", "--device", "cpu", "--quick", "--workloads", "test-steady,test-negative",
        "--out", tmp_path, "--quiet", "--no-report", "--in-process", "--window-s", "0.05",
        "--min-windows", "2", "--max-windows", "2", "--timeout-s", "1",
    )  # fmt: skip
    assert res.exit_code == 1
    assert res.stdout == ""
    (line,) = res.stderr.splitlines()
    assert line.startswith("joulebench: test-negative on cpu not measured: its entry cannot ")
    (path,) = _results(tmp_path)
    doc = json.loads(path.read_text())
    assert [e["workload"]["name"] for e in doc["workloads"]] == ["test-steady"]
    assert doc["status"]["state"] == "partial"


def test_the_meter_comes_from_the_factory_given(tmp_path):
    # The factory crosses into the child process (by name) and meters every window at 50 W.
    plan = _plan(tmp_path, "test-steady")
    doc, _, _ = runner.execute(plan, meter_factory=hw.fifty_watt_meter)
    (entry,) = doc["workloads"]
    assert entry["energy_source"] == "nvml-counter"
    # 50 W from the simulated counter; windows of 50 ms, so a millisecond between reading the
    # counter and the clock on a loaded machine is 2 %: the bound is loose, the source exact.
    for window in entry["windows"]:
        assert window["energy_j"] == pytest.approx(50.0 * window["elapsed_s"], rel=0.1)


def test_interrupt_after_one_workload_keeps_it_and_names_the_rest(tmp_path, monkeypatch):
    real = runner.run_in_process
    calls = []

    def second_is_interrupted(job, factory, progress):
        calls.append(job.name)
        if len(calls) == 2:
            raise Terminated()  # what the SIGTERM handler raises
        return real(job, factory, progress)

    monkeypatch.setattr(runner, "run_in_process", second_is_interrupted)
    plan = _plan(tmp_path, "test-steady,test-zero", isolate=False)
    with pytest.raises(RunInterrupted) as info:
        runner.execute(plan)
    (path,) = _results(tmp_path)
    doc = json.loads(path.read_text())
    assert [e["workload"]["name"] for e in doc["workloads"]] == ["test-steady"]
    assert doc["status"] == {"state": "interrupted", "failed": [], "not_reached": ["test-zero"]}
    assert str(info.value) == (
        f"interrupted; result kept at {path} (1 of 2 workloads measured); report not written"
    )
    assert info.value.exit_code == 143
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_interrupt_before_any_workload_finished_writes_nothing(run_cli, tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_in_process", interrupt)
    res = run_cli("run", "--quick", "--workloads", "test-steady", "--out", tmp_path,
                  "--quiet", "--in-process")  # fmt: skip
    assert res.exit_code == 130
    assert res.stdout == ""
    assert res.stderr.splitlines() == (  # one line, no blank line before it
        ["joulebench: interrupted; no result written (no workload had finished)"]
    )
    assert list(tmp_path.iterdir()) == []


def test_sigint_during_the_report_keeps_the_result_and_says_so(run_cli, tmp_path, monkeypatch):
    import bench.report

    def interrupted_render(doc):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench.report, "render_html", interrupted_render)
    res = run_cli("run", "--quick", "--workloads", "test-steady", "--out", tmp_path, "--quiet",
                  "--in-process", "--window-s", "0.05", "--min-windows", "2", "--max-windows",
                  "2", "--timeout-s", "1")  # fmt: skip
    assert res.exit_code == 130
    (path,) = _results(tmp_path)
    assert res.stderr.splitlines() == (  # one line, no blank line before it
        [
            f"joulebench: interrupted; result kept at {path} (1 of 1 workloads measured); "
            "report not written"
        ]
    )
    assert json.loads(path.read_text())["status"]["state"] == "complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def _spawn_run(out: Path, workloads: str = "test-steady", window_s: str = "0.2",
               windows: str = "20") -> subprocess.Popen:  # fmt: skip
    args = ["run", "--device", "cpu", "--quick", "--workloads", workloads,
            "--out", str(out), "--quiet", "--no-report", "--window-s", window_s, "--min-windows",
            windows, "--max-windows", windows, "--timeout-s", "10"]  # fmt: skip
    code = (
        "import sys, hostile_workloads; from bench.cli import main; "
        f"sys.argv = ['joulebench', *{args!r}]; main()"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    return subprocess.Popen([sys.executable, "-c", code], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def test_sigterm_mid_run_stops_the_child_and_leaves_no_temp_file(tmp_path):
    # What `timeout`, a CI cancel, docker stop and Slurm's time limit send; Ctrl-C (SIGINT)
    # takes the same path (test_interrupt_before_any_workload_finished_writes_nothing).
    proc = _spawn_run(tmp_path)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None and not children:
        time.sleep(0.2)
        children = _children(proc.pid)
    time.sleep(1.0)  # the child is setting up or measuring (its windows take 4 s)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert children, "the run never started a child process"
    assert proc.returncode == 143, err
    assert out == ""
    assert err.splitlines() == (  # one line, no blank line before it
        ["joulebench: interrupted; no result written (no workload had finished)"]
    )
    assert list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 10  # the measuring child was stopped too
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(pid, _cmdline(pid)) for pid in children if _alive(pid)] == []


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_full_disk_during_the_report_keeps_the_result_and_says_where(run_cli, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    import errno

    from bench.errors import ResultError

    real = runner.results.atomic_write_text

    def disk_full(path, text):
        if str(path).endswith(".html"):
            raise ResultError(f"cannot write {path}: {os.strerror(errno.ENOSPC)}")
        return real(path, text)

    monkeypatch.setattr(runner.results, "atomic_write_text", disk_full)
    res = run_cli("run", "--quick", "--workloads", "test-steady", "--out", tmp_path, "--quiet",
                  "--in-process", "--window-s", "0.05", "--min-windows", "2", "--max-windows",
                  "2", "--timeout-s", "1")  # fmt: skip
    assert res.exit_code == 2
    assert res.stdout == ""
    (path,) = _results(tmp_path)
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"joulebench: error: result kept at {path}; report not written: ")
    assert line.endswith("No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_sigkill_after_one_workload_leaves_a_valid_result_naming_the_rest(tmp_path):
    # A run killed outright (SIGKILL, the OOM killer): the file saved after the first workload
    # is a valid result holding it, and says the second was not reached.
    proc = _spawn_run(tmp_path, "test-steady,test-slow-setup", window_s="0.05", windows="2")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _results(tmp_path) and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)  # the second child is sleeping in its setup
    orphans = _children(proc.pid)
    assert orphans, "the second workload's child never started"
    proc.kill()
    proc.communicate(timeout=30)  # the child dies with its parent (it holds the same pipes)
    assert not any(_alive(pid) for pid in orphans)
    (path,) = _results(tmp_path)
    doc = results.read_result(path)
    assert [e["workload"]["name"] for e in doc["workloads"]] == ["test-steady"]
    assert doc["status"] == {
        "state": "partial", "failed": [], "not_reached": ["test-slow-setup"]
    }  # fmt: skip

"""Result files and output paths against a hostile or careless user: what is refused, kept, left.

Output paths: only a regular file or a new name in an existing folder, never an input of the
same command. New results take their names exclusively; no temp file outlives a failed write
or a killed run. Reading: only a regular file, bounded in size, without NaN or Infinity, and
the names inside a result are data, never paths.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import assert_bad_input
from result_fixtures import gpu_doc

from bench import result as results
from bench import runner
from bench.errors import InvalidInput, ResultError
from bench.result import io

GOLDEN_V2 = Path(__file__).parent / "golden" / "result-v2.json"


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _saved(tmp_path: Path, doc: dict | None = None, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc or json.loads(GOLDEN_V2.read_text())))
    return path


# --- output paths ------------------------------------------------------------------------


def _hostile_outputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each kind of path an output must not be, with a word its refusal must contain."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "target.html"
    target.write_text("someone else's file")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    folder = tmp_path / "folder"
    folder.mkdir()
    return {
        "fifo": (fifo, "FIFO"),
        "symlink": (link, "symbolic link"),
        "folder": (folder, "folder"),
        "missing folder": (tmp_path / "no" / "r.html", "does not exist"),
    }


def test_device_nodes_are_refused_as_outputs():
    # Checked only, never written: as root, replacing /dev/full broke it for the whole machine.
    for node in ("/dev/full", "/dev/null"):
        with pytest.raises(InvalidInput, match="character device"):
            io.check_output_path(node)


@pytest.mark.parametrize("kind", ["fifo", "symlink", "folder", "missing folder"])
def test_report_html_refuses_what_is_not_a_regular_file(run_cli, tmp_path, kind):
    result = _saved(tmp_path)
    path, word = _hostile_outputs(tmp_path)[kind]
    before = _names(tmp_path)
    res = run_cli("report", result, "--html", path)
    assert_bad_input(res)
    assert word in res.stderr
    assert _names(tmp_path) == before
    assert (tmp_path / "target.html").read_text() == "someone else's file"
    assert (tmp_path / "link.html").is_symlink()


def test_report_html_refuses_empty_path_and_its_own_input(run_cli, tmp_path):
    result = _saved(tmp_path)
    original = result.read_bytes()
    res = run_cli("report", result, "--html", "")
    assert_bad_input(res)
    assert "empty" in res.stderr
    for same in (result, tmp_path / "." / "in.json"):
        res = run_cli("report", result, "--html", same)
        assert_bad_input(res)
        assert "is an input of this command" in res.stderr
    hard = tmp_path / "hard.json"
    os.link(result, hard)  # another name of the same file is the same input
    assert_bad_input(run_cli("report", hard, "--html", result))
    assert result.read_bytes() == original


def test_report_html_replaces_a_regular_file(run_cli, tmp_path):
    result = _saved(tmp_path)
    old = tmp_path / "old.html"
    old.write_text("stale")
    res = run_cli("report", result, "--html", old)
    assert res.exit_code == 0, res.stderr
    assert old.read_text().startswith("<!DOCTYPE html>")
    assert _names(tmp_path) == ["in.json", "old.html"]


def test_eight_concurrent_writers_of_one_name_leave_eight_files(tmp_path):
    docs = [gpu_doc() for _ in range(8)]
    for i, doc in enumerate(docs):
        doc["warnings"] = [f"writer {i}"]
    barrier = threading.Barrier(8)
    paths: list[Path] = []

    def write(doc):
        barrier.wait()
        paths.append(results.write_result(doc, tmp_path, name="same.json"))

    threads = [threading.Thread(target=write, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(paths)) == 8
    assert _names(tmp_path) == sorted(["same.json"] + [f"same-{n}.json" for n in range(2, 9)])
    written = sorted(json.loads(p.read_text())["warnings"][0] for p in paths)
    assert written == [f"writer {i}" for i in range(8)]  # none lost, none overwritten


def test_exclusive_names_without_hard_links(tmp_path, monkeypatch):
    # A file system without hard links (some FUSE mounts): the name is reserved with O_EXCL.
    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(io.os, "link", no_links)
    first = results.write_result(gpu_doc(), tmp_path, name="r.json")
    second = results.write_result(gpu_doc(), tmp_path, name="r.json")
    assert [first.name, second.name] == ["r.json", "r-2.json"]
    assert json.loads(second.read_text()) == json.loads(first.read_text())
    assert _names(tmp_path) == ["r-2.json", "r.json"]


def test_a_full_disk_leaves_no_temp_file(tmp_path, monkeypatch):
    def disk_full(doc, fh, **kwargs):
        fh.write("{")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io.json, "dump", disk_full)
    with pytest.raises(ResultError, match="No space left on device"):
        results.write_result(gpu_doc(), tmp_path)
    path = tmp_path / "r.json"
    path.write_text("earlier")
    with pytest.raises(ResultError, match="No space left on device"):
        results.rewrite_result(gpu_doc(), path)
    assert _names(tmp_path) == ["r.json"]
    assert path.read_text() == "earlier"  # an update that fails leaves the earlier file whole


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_temp_files_are_swept_by_prefix_only(tmp_path):
    host = io._host_tag()
    dead = tmp_path / f"{io.TEMP_PREFIX}{host}-{_dead_pid()}-0123456789ab.tmp"
    live = tmp_path / f"{io.TEMP_PREFIX}{host}-{os.getppid()}-0123456789ab.tmp"
    other_host = tmp_path / f"{io.TEMP_PREFIX}elsewhere-{_dead_pid()}-0123456789ab.tmp"
    foreign = [tmp_path / ".result.json.0123456789ab.tmp", tmp_path / "notes.tmp"]
    for path in (dead, live, other_host, *foreign):
        path.write_text("x")
    runner.check_out_dir(tmp_path)  # what `run` does before any work
    assert not dead.exists()
    assert all(p.exists() for p in (live, other_host, *foreign))


# --- reading -----------------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(tmp_path, constant):
    text = GOLDEN_V2.read_text()
    doc = json.loads(text)
    median = doc["workloads"][0]["summary"]["units_per_s"]["median"]
    bad = text.replace(f'"median": {json.dumps(median)}', f'"median": {constant}', 1)
    assert bad != text
    path = tmp_path / "nan.json"
    path.write_text(bad)
    with pytest.raises(ResultError, match=f"{constant} is not a number JSON allows"):
        results.read_result(path)


def test_mismatched_trace_lengths_are_refused(tmp_path):
    doc = json.loads(GOLDEN_V2.read_text())
    doc["workloads"][0]["power_trace"]["t_s"].append(99.0)
    with pytest.raises(ResultError, match="power_trace"):
        results.read_result(_saved(tmp_path, doc))


def test_negative_power_is_refused(tmp_path):
    doc = json.loads(GOLDEN_V2.read_text())
    doc["workloads"][0]["power_trace"]["power_w"][0] = -50.0
    with pytest.raises(ResultError, match="power_w: a negative power sample"):
        results.read_result(_saved(tmp_path, doc))


@pytest.mark.parametrize("node", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_reading(node):
    with pytest.raises(ResultError, match="character device"):
        results.read_result(node)  # returns at once: nothing is read from the device


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ResultError, match="FIFO"):
        results.read_result(fifo)


def test_files_over_the_bound_are_refused_with_the_bound(tmp_path, monkeypatch):
    path = _saved(tmp_path)
    monkeypatch.setattr(io, "MAX_RESULT_BYTES", path.stat().st_size - 1)
    with pytest.raises(ResultError) as info:
        results.read_result(path)
    bound_mib = (path.stat().st_size - 1) >> 20
    assert f"over the {bound_mib} MiB a result may hold" in str(info.value)


def test_report_of_dev_zero_is_one_line(run_cli):
    res = run_cli("report", "/dev/zero")
    assert_bad_input(res)
    assert "character device" in res.stderr


def test_a_scenario_name_in_a_result_is_never_opened_as_a_path(run_cli, tmp_path):
    # A result whose scenario is named after a real, valid scenario file: re-pricing it with
    # an override must not read that file (a name from a file is data, not a path).
    from importlib import resources

    preset = resources.files("bench").joinpath("data", "scenarios", "late-2025.toml")
    decoy = tmp_path / "decoy.toml"
    decoy.write_text(preset.read_text("utf-8"))
    doc = json.loads(GOLDEN_V2.read_text())
    doc["scenario"]["name"] = str(decoy)
    result = _saved(tmp_path, doc)
    res = run_cli("report", result, "--btc-price", "50000", "--json")
    assert_bad_input(res)
    assert "is not a preset here" in res.stderr
    same = copy.deepcopy(doc)
    same["scenario"]["name"] = "/etc/passwd"
    res = run_cli("report", _saved(tmp_path, same, "p.json"), "--electricity-usd-kwh", "0.1")
    assert_bad_input(res)
    assert "passwd" in res.stderr and "not a preset" in res.stderr
    # The user may name a file on the command line: that is a path they chose.
    res = run_cli("report", result, "--scenario", decoy, "--btc-price", "50000", "--json")
    assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize(
    "body",
    [
        'name = ""\nbase = "late-2025"\n',
        'name = "\\u001b[2Jx"\nbase = "late-2025"\n',
        'name = "big"\nbase = "late-2025"\n[btc_price_usd]\nvalue = 1e308\ndate = "2025"\n'
        'source = "t"\nkind = "E"\n',
        'name = "neg"\nbase = "late-2025"\n[electricity_usd_kwh]\nvalue = -0.1\ndate = "2025"\n'
        'source = "t"\nkind = "E"\n',
    ],
)
def test_a_bad_scenario_file_stops_run_before_any_measurement(run_cli, tmp_path, monkeypatch,
                                                              body):  # fmt: skip
    def no_measuring(*a, **k):
        raise AssertionError("a bad scenario reached the measurement")

    monkeypatch.setattr(runner, "execute", no_measuring)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(body)
    out = tmp_path / "out"
    res = run_cli("run", "--device", "cpu", "--quick", "--workloads", "sha256d",
                  "--scenario", scenario, "--out", out)  # fmt: skip
    assert_bad_input(res)
    assert "scenario" in res.stderr
    assert not out.exists()


def test_a_scenario_file_without_a_name_is_named_after_the_file(run_cli, tmp_path):
    scenario = tmp_path / "my-market.toml"
    scenario.write_text('base = "late-2025"\n')
    res = run_cli("econ", "mining", "--hashrate-hs", "1e9", "--power-w", "100",
                  "--scenario", scenario, "--json")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["scenario"]["name"] == "my-market"


def test_writing_a_report_sweeps_its_folder_too(tmp_path):
    dead = tmp_path / f"{io.TEMP_PREFIX}{io._host_tag()}-{_dead_pid()}-00ff00ff00ff.tmp"
    dead.write_text("<html>half")
    results.atomic_write_text(tmp_path / "report.html", "<html></html>")
    assert _names(tmp_path) == ["report.html"]


# --- input nested thousands deep, FIFOs, and text the terminal cannot encode ----------------


def test_a_scenario_nested_thousands_deep_is_one_line(run_cli, tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    res = run_cli("econ", "mining", "--hashrate-hs", "1e12", "--power-w", "300", "--scenario", deep)
    assert_bad_input(res)
    assert "nested too deeply" in res.stderr


def test_a_plan_file_nested_thousands_deep_or_a_fifo_is_one_line(run_cli, tmp_path):
    deep = tmp_path / "plan.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    res = run_cli("run", "--plan-file", deep)
    assert_bad_input(res)
    assert "nested too deeply" in res.stderr
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    res = run_cli("run", "--plan-file", fifo)
    assert_bad_input(res)
    assert "not a regular file" in res.stderr


def test_a_terminal_that_is_not_utf8_gets_the_table_with_replacements(tmp_path):
    import sys

    doc = json.loads(GOLDEN_V2.read_text())
    doc["workloads"][0]["device"]["name"] = "H200 \u202e\u2192"  # shown as U+FFFD, then an arrow
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    res = subprocess.run(
        [sys.executable, "-c", "from bench.cli import main; main()", "report", str(path)],
        capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0 and res.stderr == b""
    assert b"H200 ??" in res.stdout  # what latin-1 cannot carry is "?", the rest as it was

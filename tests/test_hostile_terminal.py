"""Escape sequences in data never reach the terminal: colour, clear-screen, OSC 8 links, BEL and
CR in a device name, a warning or a file name are removed or shown as U+FFFD."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bench.console import CleanFormatter, clean

GOLDEN_V2 = Path(__file__).parent / "golden" / "result-v2.json"
CONTROL = ["\x1b", "\x07", "\r", "\x9b", "\u202e"]


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("a\x1b[31mred\x1b[0m", "ared"),  # colour
        ("x\x1b[2J\x1b[Hy", "xy"),  # clear screen, cursor home
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("\x1b]0;title\x07after", "after"),  # window title ended by BEL
        ("bell\x07", "bell\ufffd"),
        ("100%\rfake", "100%\ufffdfake"),  # a carriage return that would overwrite the line
        ("\x9b31mC1 CSI", "C1 CSI"),  # the 8-bit form of CSI
        ("abc\u202edcba", "abc\ufffddcba"),  # right-to-left override
        ("lone\x1b", "lone"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("plain H200 NVL", "plain H200 NVL"),
    ],
)
def test_clean(raw, shown):
    assert clean(raw) == shown


def test_clean_can_fold_newlines_for_one_line_messages():
    assert clean("two\nlines", keep_newlines=False) == "two\ufffdlines"


def _hostile_result(tmp_path: Path) -> Path:
    doc = json.loads(GOLDEN_V2.read_text())
    doc["workloads"][0]["device"]["name"] = "NVIDIA \x1b[2J\x1b[31mH200\x07"
    doc["warnings"].append("see \x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\\rDONE")
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc))
    return path


def test_report_table_shows_data_without_its_escapes(run_cli, tmp_path):
    res = run_cli("report", _hostile_result(tmp_path))
    assert res.exit_code == 0, res.stderr
    assert not any(c in res.stdout for c in CONTROL)
    assert "NVIDIA H200" in res.stdout


def test_json_output_escapes_control_characters(run_cli, tmp_path):
    res = run_cli("report", _hostile_result(tmp_path), "--json")
    assert res.exit_code == 0, res.stderr
    assert "\x1b" not in res.stdout and "\\u001b" in res.stdout
    assert json.loads(res.stdout)["workloads"][0]["device"]["name"].startswith("NVIDIA \x1b")


def test_error_lines_carry_no_escapes(run_cli, tmp_path):
    res = run_cli("report", tmp_path / "\x1b[31mmissing\x07.json")
    assert res.exit_code == 2
    assert not any(c in res.stderr for c in CONTROL)
    assert "missing" in res.stderr


def test_devices_listing_cleans_device_names(run_cli, monkeypatch):
    import bench.devices as devices

    real = devices.discover()
    hostile = devices.Device("cuda:0", "cuda", "Evil\x1b]8;;x\x1b\\GPU\r", 0, 2**34, "nvml", "ok")
    monkeypatch.setattr(devices, "discover", lambda: type(real)(devices=[hostile], cuda_note=""))
    res = run_cli("devices")
    assert res.exit_code == 0, res.stderr
    assert not any(c in res.stdout for c in CONTROL)
    assert "EvilGPU" in res.stdout


def test_log_lines_are_cleaned():
    record = logging.LogRecord("bench.x", logging.WARNING, "f", 1, "name %s", ("\x1b[2Jz",), None)
    assert CleanFormatter("%(message)s").format(record) == "name z"


# --- standard output that cannot be written ------------------------------------------------

HEADER = (  # the genesis block's header: a mine run that prints a found nonce
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2"
    "7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
PRINTING = [
    ("econ", "cards"),
    ("econ", "cards", "--json"),
    ("devices",),
    ("report", str(GOLDEN_V2)),
    ("mine", "--header", HEADER, "--nonce-start", "2083236890", "--nonce-count", "16",
     "--zero-bits", "32"),
]  # fmt: skip


def _joulebench(args, **kw):
    import subprocess
    import sys

    code = "import sys; from bench.cli import main; sys.argv[0] = 'joulebench'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=False, text=True, timeout=120, **kw
    )


@pytest.mark.parametrize("args", PRINTING, ids=lambda a: " ".join(a[:2]))
def test_a_full_disk_on_stdout_is_one_line_and_status_2(args, tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    err = tmp_path / "err"
    with open("/dev/full", "w") as full, err.open("w") as err_file:
        res = _joulebench(args, stdout=full, stderr=err_file)
    assert res.returncode == 2
    assert err.read_text() == (
        "joulebench: error: cannot write to standard output: No space left on device\n"
    )


def test_a_closed_stdout_is_one_line_and_status_2(tmp_path):
    import subprocess
    import sys

    code = (
        "import os, sys; os.close(1); sys.stdout = None; sys.argv[0] = 'joulebench'; "
        "from bench.cli import main; main()"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, "econ", "cards"], capture_output=False,
        stderr=subprocess.PIPE, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2
    assert res.stderr == "joulebench: error: cannot write to standard output: it is closed\n"


def test_a_reader_that_went_away_is_status_141_and_silent(tmp_path):
    # stdout a pipe whose reader closed it: every write is EPIPE (BrokenPipeError)
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        res = subprocess.run(
            [sys.executable, "-c", "from bench.cli import main; main()", "econ", "cards"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert res.returncode == 141 and res.stderr == ""


def test_a_run_whose_table_cannot_be_written_says_where_its_result_is(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    args = (
        "run", "--device", "cpu", "--quick", "--workloads", "sha256d", "--window-s", "0.05",
        "--min-windows", "2", "--max-windows", "2", "--timeout-s", "1", "--in-process",
        "--no-report", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    err = tmp_path / "err"
    with open("/dev/full", "w") as full, err.open("w") as err_file:
        res = _joulebench(args, stdout=full, stderr=err_file)
    (kept,) = sorted((tmp_path / "out").glob("*.json"))
    assert res.returncode == 2
    assert err.read_text().splitlines()[-1] == (
        "joulebench: error: cannot write to standard output: No space left on device; "
        f"the result is kept at {kept}"
    )
    assert json.loads(kept.read_text())["status"]["state"] == "complete"

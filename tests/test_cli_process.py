"""The real command in a child process: what a shell user sees on stdout and stderr."""

from __future__ import annotations

import subprocess
import sys

import pytest

GENESIS = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b"
    "12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)


def _run(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "bench", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "args",
    [
        # 100,000 qualifying nonces overflow the result buffer: the library logs a warning,
        # and the user must still see exactly one line.
        ("mine", "--header", GENESIS, "--nonce-start", "0", "--nonce-count", "100000",
         "--zero-bits", "0"),
        ("mine", "--header", "00", "--nonce-start", "0", "--nonce-count", "5"),
        ("econ", "mining", "--hashrate-hs", "1e9", "--power-w", "0"),
        ("run", "--device", "tpu:0"),
        # Extreme but finite numbers, a device node as a result, NaN as a window: one line.
        ("econ", "mining", "--hashrate-hs", "1e308", "--power-w", "100", "--json"),
        ("report", "/dev/zero"),
        ("run", "--device", "cpu", "--quick", "--window-s", "nan"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_on_stderr_in_a_real_process(args):
    proc = _run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("joulebench: error: "), proc.stderr


def test_verbose_shows_the_library_log():
    proc = _run("-v", "mine", "--header", GENESIS, "--nonce-start", "2083236890",
                "--nonce-count", "10", "--backend", "cpu")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "INFO bench.mining" in proc.stderr
    assert "2083236893" in proc.stdout

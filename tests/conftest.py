"""Shared test helpers: run the CLI in-process and capture stdout, stderr and exit status."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from bench.cli import cli


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def _runner() -> CliRunner:
    try:  # click < 8.2 (e.g. a preinstalled GPU machine) mixes stderr into stdout by default
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 keeps them apart and has no such argument
        return CliRunner()


@pytest.fixture
def run_cli():
    """Call `joulebench ARGS...` in-process; returns exit code, stdout and stderr apart."""

    def _run(*args: str) -> CliResult:
        result = _runner().invoke(cli, [str(a) for a in args], prog_name="joulebench")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return _run


def assert_bad_input(res: CliResult) -> None:
    """The contract for bad input: status 2, one line on stderr, nothing on stdout."""
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("joulebench: error: ")


def _have_cuda() -> tuple[bool, str]:
    if importlib.util.find_spec("cupy") is None:
        return False, "cupy is not installed (CPU-only machine)"
    if shutil.which("nvidia-smi") is None:
        return False, "no NVIDIA driver (nvidia-smi absent)"
    try:
        import cupy

        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # any CUDA failure means no usable GPU here
        return False, f"no usable CUDA device: {exc}"
    if n == 0:
        return False, "cupy sees no CUDA device"
    return True, ""


HAVE_CUDA, NO_CUDA_REASON = _have_cuda()
requires_cuda = pytest.mark.skipif(not HAVE_CUDA, reason=NO_CUDA_REASON or "no GPU")

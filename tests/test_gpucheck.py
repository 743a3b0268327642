"""`python -m bench.gpucheck` (make gpu-check): exit 2 with one clear line without a GPU; with a
stand-in CuPy and NVML, the whole check runs and writes a result naming the GPU and figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HAVE_CUDA
from fake_cupy import FakeCupy, FakeNvml

import bench.mining.cuda as cuda_mod
from bench import gpucheck

ROOT = Path(__file__).resolve().parent.parent
QUICK = [
    "--seconds",
    "0.2",
    "--warmup-s",
    "0.01",
    "--idle-s",
    "0.05",
    "--shape-s",
    "0.01",
    "--job-nonces",
    "2048",
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
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(power_w=300.0))
    monkeypatch.setattr(cuda_mod, "_KERNELS", {})
    monkeypatch.setattr(cuda_mod, "FIRST_LAUNCH_NONCES", 1024)
    monkeypatch.setattr(cuda_mod, "TUNE_NONCES", 512)  # the stand-in hashes in Python
    real = cuda_mod.precompute

    def knowing_precompute(header: bytes) -> tuple[int, ...]:
        cupy.know(header)  # the stand-in kernel hashes with hashlib, so it needs the header
        return real(header)

    monkeypatch.setattr(cuda_mod, "precompute", knowing_precompute)
    return cupy


def test_full_check_with_stand_ins_writes_the_result(fake_gpu, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("OUT", str(tmp_path / "env-out"))
    rc = gpucheck.main([*QUICK, "--out", str(tmp_path / "out"), "--tests-rc", "0"])
    out = capsys.readouterr().out
    assert rc == 0, out
    for folder in ("results", "out", "env-out"):
        (path,) = (tmp_path / folder).glob("gpu-check-fake-h200-*.json")
    doc = json.loads(path.read_text())
    assert doc["environment"]["gpu"] == "Fake H200" and doc["environment"]["driver"] == "580.00"
    assert doc["mining"]["hashes"] > 0 and doc["gh_s"] > 0
    assert 250 < doc["energy"]["power_avg_w"] < 350 and doc["energy"]["power_sampled_avg_w"] == 300
    assert doc["j_per_gh"] == pytest.approx(doc["energy"]["power_avg_w"] / doc["gh_s"])
    assert doc["occupancy"]["registers_per_thread"] == 40
    assert len(doc["shapes"]) == len(gpucheck.SHAPES) and doc["gpu_tests_exit_status"] == 0
    assert "GH/s" in out and "J/GH" in out and "registers/thread: 40" in out


@pytest.mark.skipif(HAVE_CUDA, reason="checks the no-GPU path; this machine has a GPU")
@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_make_gpu_check_script_exits_2_without_a_gpu(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "JOULEBENCH_SKIP_BUILD": "1"}
    env.pop("OUT", None)
    script = str(ROOT / "scripts" / "gpu-check.sh")
    proc = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "gpu-check: no usable GPU" in proc.stderr

"""The rehearsal: the GPU check's own code on a CPU machine, against a fake CuPy and a simulated
NVML, so the script's every path (a step cut, a step failing, CuPy missing, no GPU) is tried
before a GPU call depends on it. Set JOULEBENCH_GPU_REHEARSAL=MODE; nothing here is imported
otherwise.

The simulated board draws IDLE_W, and LOAD_W for LOAD_HOLD_S after each kernel launch; its
energy counter moves every COUNTER_PERIOD_S, as recent NVIDIA GPUs' does. The fake kernel
hashes with hashlib, so it really finds the known blocks (slowly: about a million nonces a
second). In mode "cut" the miner stalls once it has saved CUT_AFTER_WINDOWS windows, so the
step's time limit cuts it with SIGTERM at a known point, whatever the machine's load.
"""

from __future__ import annotations

import os
import sys
import time

MODES = ("ok", "cut", "fail", "no-cupy", "no-gpu")
CUT_AFTER_WINDOWS = 2  # in mode "cut", the miner stalls after this many measured windows
IDLE_W, LOAD_W, LOAD_HOLD_S = 80.0, 650.0, 0.05
COUNTER_PERIOD_S = 0.1
ENV = "JOULEBENCH_GPU_REHEARSAL"


def mode() -> str | None:
    """The rehearsal mode asked for, or None for a real check; ValueError for an unknown one."""
    value = os.environ.get(ENV, "")
    if not value:
        return None
    if value not in MODES:
        raise ValueError(f"{ENV}={value!r}: use one of {', '.join(MODES)}")
    return value


class Board:
    """Power as a function of time: load for a moment after each launch, idle otherwise."""

    def __init__(self) -> None:
        self.last_launch_s = float("-inf")

    def launched(self, nonces: int) -> None:
        self.last_launch_s = time.monotonic()

    def power_w(self, t_s: float) -> float:
        return LOAD_W if t_s - self.last_launch_s < LOAD_HOLD_S else IDLE_W


def install(which: str) -> None:
    """Put the fakes where `import cupy` and `import pynvml` find them, for this process."""
    import bench.mining.cuda as cuda_mod
    from bench.telemetry.fake import FakeGpu, FakeNvml
    from gpucheck.fake_cupy import FakeCupy

    board = Board()
    gpus = []
    if which != "no-gpu":
        gpus.append(
            FakeGpu(
                name="NVIDIA H200",
                memory_bytes=141 * 10**9,
                power_w=board.power_w,
                counter_period_s=COUNTER_PERIOD_S,
            )
        )
    sys.modules["pynvml"] = FakeNvml(gpus, clock=time.monotonic)
    if which == "no-cupy":
        sys.modules["cupy"] = None  # `import cupy` raises ImportError
        return
    cupy = FakeCupy(devices=0 if which == "no-gpu" else 1, elapsed_ms=1.0)
    cupy.on_launch = board.launched
    if which == "fail":
        cupy.compiles_before_error = 1  # the first variant compiles; the sweep's next one fails
    if which == "cut":
        _stall_after_windows(CUT_AFTER_WINDOWS)
    sys.modules["cupy"] = cupy
    cuda_mod._KERNELS.clear()
    cuda_mod.FIRST_LAUNCH_NONCES = 4096
    cuda_mod.TUNE_NONCES = 512
    real = cuda_mod.precompute

    def knowing_precompute(header: bytes) -> tuple[int, ...]:
        cupy.know(header)  # the fake kernel hashes with hashlib: it needs the header itself
        return real(header)

    cuda_mod.precompute = knowing_precompute


def _stall_after_windows(count: int) -> None:
    """Make the miner check hang once it has saved `count` windows (a GPU that stops)."""
    from gpucheck import miner

    save_window = miner.CheckDoc.window

    def window_then_stall(self, window) -> None:
        save_window(self, window)
        if len(self.doc["windows_so_far"]) >= count:
            time.sleep(3600)

    miner.CheckDoc.window = window_then_stall

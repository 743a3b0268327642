"""The CUDA miner's kernel launch, timed with CUDA events (pedantic mode: the miner is built,
compiled and tuned outside the timing). Skips with the reason where there is no GPU or CuPy.

pytest-benchmark's own figure is the host's wall time of launch + synchronise; the kernel's
time from the events, and the hashrate from it over hashlib's, are in extra_info.
"""

from __future__ import annotations

import hashlib
import statistics

import pytest
from bench_support import round_s

from bench.errors import DeviceUnavailable
from bench.mining import cuda
from bench.mining.backend import filter_word
from bench.mining.precompute import precompute

pytestmark = pytest.mark.benchmark(group="cuda")
LAUNCH_NONCES = 1 << 30  # ~0.1 s on an H100-class GPU; whole waves are not needed for timing
SMOKE_NONCES = 1 << 20
EASY_TARGET = 2**252 - 1  # one hash in 16 qualifies: a quick check against hashlib


@pytest.fixture(scope="module")
def miner():
    """A CudaMiner on GPU 0, compiled and tuned (seconds, never timed)."""
    try:
        return cuda.CudaMiner(0)
    except DeviceUnavailable as exc:
        pytest.skip(f"no CUDA miner here: {exc}")


def test_cuda_miner_correct(miner, header):
    """Before timing it: a small range against hashlib, nonce by nonce."""
    count = 1 << 14
    result = miner.search(header, 0, count, EASY_TARGET)
    head = header[:76]
    expected = [
        n
        for n in range(count)
        if int.from_bytes(
            hashlib.sha256(hashlib.sha256(head + n.to_bytes(4, "little")).digest()).digest(),
            "little",
        )
        <= EASY_TARGET
    ]
    assert [f.nonce for f in result.found] == expected


def test_cuda_miner_launch(benchmark, miner, header, hashlib_hs, enabled, figures):
    """One kernel launch over a fixed nonce range; events around it, then synchronise."""
    cupy = cuda.import_cupy()
    count = LAUNCH_NONCES if enabled else SMOKE_NONCES
    pre = precompute(header)
    target_hi = filter_word(2**224 - 1)
    event_s: list[float] = []

    def launch() -> None:
        begin = miner.stream.record()
        miner.launch(pre, 0, count, target_hi)
        end = miner.stream.record()
        end.synchronize()
        event_s.append(cupy.cuda.get_elapsed_time(begin, end) / 1e3)

    benchmark.pedantic(launch, rounds=20 if enabled else 1, warmup_rounds=2 if enabled else 0)
    assert event_s and min(event_s) > 0
    kernel_s = statistics.median(event_s)
    hs = count / kernel_s
    info = benchmark.extra_info
    info.update(unit="hash", nonces=count, path=miner.path, kernel_s_median=kernel_s)
    info.update(hs=hs, over_hashlib=hs / hashlib_hs, variant=miner.config.label)
    wall_s = round_s(benchmark)
    if wall_s:
        info["host_overhead_s"] = wall_s - kernel_s
        figures.add(
            f"cuda miner {miner.path} ({miner.config.label}): {hs / 1e9:.2f} GH/s by CUDA events "
            f"= {hs / hashlib_hs:,.0f}x hashlib; launch + sync {wall_s * 1e3:.1f} ms wall "
            f"for {kernel_s * 1e3:.1f} ms of kernel"
        )

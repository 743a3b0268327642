"""Fixtures of the micro-benchmarks (pytest-benchmark), and the figures printed after them.

`make bench` runs this folder with timing on and saves the JSON under .benchmarks/; `make test`
runs it with --benchmark-disable, each benchmark once at small sizes, so the suite cannot rot.
Absolute times on a shared machine are noisy, so the benchmarks also store ratios taken in the
same run (a miner path's hashrate over hashlib's, say) in `benchmark.extra_info`, and the
figures with their speed goals are printed at the end of the run: goals are printed, never
asserted.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from bench_support import (
    BIG_RESULT_MB,
    FIGURES,
    HASHLIB_BATCH,
    SMOKE_RESULT_MB,
    Figures,
    benchmarks_enabled,
    hashlib_midstate_loop,
    write_scaled_result,
)


@pytest.fixture(scope="session")
def enabled(request) -> bool:
    """True under make bench; False in the smoke run (each benchmark once, small sizes)."""
    return benchmarks_enabled(request.config)


@pytest.fixture(scope="session")
def figures(request) -> Figures:
    return request.config.stash.setdefault(FIGURES, Figures())


def pytest_terminal_summary(terminalreporter, config) -> None:
    figs = config.stash.get(FIGURES, None)
    if figs is None or not figs.lines or not benchmarks_enabled(config):
        return
    terminalreporter.section("joulebench figures (ratios also in each benchmark's extra_info)")
    for line in figs.lines + figs.report_goal():
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def header() -> bytes:
    """A fixed random 80-byte header (the nonce field is overwritten by every search)."""
    return random.Random(1).randbytes(80)


@pytest.fixture(scope="session")
def hashlib_rates(header, enabled) -> tuple[float, float]:
    """hashlib's midstate loop on one thread: (hashes per second of the fastest of 10 batches,
    hashes per CPU second over all 10), measured once per run."""
    batches = 10 if enabled else 1
    count = HASHLIB_BATCH if enabled else 1000
    best_s = float("inf")
    c0 = time.process_time()
    for _ in range(batches):
        t0 = time.perf_counter()
        hashlib_midstate_loop(header, 0, count)
        best_s = min(best_s, time.perf_counter() - t0)
    cpu_s = time.process_time() - c0
    return count / best_s, (batches * count / cpu_s if cpu_s > 0 else float("nan"))


@pytest.fixture(scope="session")
def hashlib_hs(hashlib_rates) -> float:
    """The reference every miner path is divided by, measured in the same run."""
    return hashlib_rates[0]


@pytest.fixture(scope="session")
def big_result(tmp_path_factory, enabled) -> Path:
    """The committed reference result scaled to ~100 MB (1 MB in the smoke run), in a temp
    folder: never committed."""
    megabytes = BIG_RESULT_MB if enabled else SMOKE_RESULT_MB
    return write_scaled_result(tmp_path_factory.mktemp("big") / "result.json", megabytes)

"""A large result through the report path: load it (typed Result), re-price it, render its
terminal table and its HTML.

The file is the committed reference result (results/20261129T022822Z-vm-cpu.json) with its
windows repeated to ~100 MB, written to a temp folder when the session starts (1 MB in the
smoke run). Goal (issue 15): loading and reporting a 100 MB result in under 10 s on a 2-core
machine; printed after the run, never asserted. Big inputs run a few rounds (pedantic), each
call taking seconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from bench_support import REFERENCE_RESULT, round_s

from bench.econ import load_scenario
from bench.report import render_html, render_table
from bench.result.model import Result, load_result

try:  # re-pricing moves from bench/report/pricing.py (dicts) into bench.econ (typed results)
    from bench.econ.pricing import reprice
except ImportError:
    from bench.report.pricing import rerender

    def reprice(result: Result, scenario) -> Result:
        return Result.from_dict(rerender(result.to_dict(), scenario))


pytestmark = pytest.mark.benchmark(group="result")
PER_MB = 100.0  # figures per 100 MB, the size of the goal


@pytest.fixture(scope="module")
def big(big_result) -> Result:
    """The large result read without the file loader (whose size cap does not apply)."""
    return Result.from_dict(json.loads(big_result.read_text(encoding="utf-8")), "big result")


@pytest.fixture(scope="module")
def json_loads_s(big_result) -> float:
    """The reference for the ratios: json.loads of the same text, the faster of 2 (the least any
    loader must spend; on a busy machine both slow down together)."""
    text = big_result.read_text(encoding="utf-8")
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        json.loads(text)
        times.append(time.perf_counter() - t0)
    return min(times)


def _record(benchmark, figures, json_loads_s, key: str, what: str, path: Path) -> None:
    megabytes = path.stat().st_size / 1e6
    seconds = round_s(benchmark)
    benchmark.extra_info.update(file_mb=megabytes, json_loads_s=json_loads_s)
    if seconds:
        ratio = seconds / json_loads_s
        benchmark.extra_info.update(mb_per_s=megabytes / seconds, over_json_loads=ratio)
        figures.add(
            f"{what}: {seconds:.2f} s for {megabytes:.1f} MB = {megabytes / seconds:.1f} MB/s "
            f"= {ratio:.1f}x json.loads of the same file ({json_loads_s:.2f} s)",
            **{key: seconds / megabytes * PER_MB, "file_mb": megabytes},
        )


def test_load_result(benchmark, big_result, json_loads_s, enabled, figures):
    """load_result: read, parse, upgrade, schema-check and build the typed Result."""
    result = benchmark.pedantic(load_result, args=(big_result,), rounds=2 if enabled else 1)
    ref = json.loads(REFERENCE_RESULT.read_text(encoding="utf-8"))
    reps = [
        len(e.measurement.windows) / len(r["windows"])
        for e, r in zip(result.workloads, ref["workloads"], strict=True)
    ]
    assert len(set(reps)) == 1 and reps[0] >= 1  # every workload's windows, repeated alike
    _record(benchmark, figures, json_loads_s, "load_s_per_100mb", "load_result", big_result)


def test_reprice_result(benchmark, big, big_result, json_loads_s, enabled, figures):
    """Re-price every entry under another scenario (measurements untouched)."""
    scenario = load_scenario("terawulf-q3-2025")
    out = benchmark.pedantic(reprice, args=(big, scenario), rounds=2 if enabled else 1)
    assert out.scenario_name == "terawulf-q3-2025" != big.scenario_name
    assert out.workloads[0].measurement.windows == big.workloads[0].measurement.windows
    _record(benchmark, figures, json_loads_s, "reprice_s_per_100mb", "re-price", big_result)


def test_render_table(benchmark, big):
    text = benchmark(render_table, big)
    assert all(e.name in text for e in big.workloads)


def test_render_html(benchmark, big, big_result, json_loads_s, enabled, figures):
    """The whole HTML report (tables, plots where matplotlib is installed, environment)."""
    page = benchmark.pedantic(render_html, args=(big,), rounds=3 if enabled else 1)
    assert page.lstrip().lower().startswith("<!doctype html") and "</html>" in page
    _record(benchmark, figures, json_loads_s, "html_s_per_100mb", "render_html", big_result)

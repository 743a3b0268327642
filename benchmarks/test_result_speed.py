"""A large result through the report path: load it (typed Result), re-price it, render its
terminal table and its HTML.

The file is the committed reference result (results/20261129T022822Z-vm-cpu.json) with its
windows repeated to ~100 MB, written to a temp folder when the session starts (1 MB in the
smoke run). Goal (issue 15): loading and reporting a 100 MB result in under 10 s on a 2-core
machine; printed after the run, never asserted. The slow steps run one or two rounds
(pedantic), each taking seconds to minutes on a 100 MB file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from bench_support import REFERENCE_RESULT, round_s

from bench.econ import load_scenario
from bench.econ.pricing import reprice
from bench.report import render_html, render_table
from bench.result import io
from bench.result.model import Result, load_result

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
            f"{what}: {seconds:.3g} s for {megabytes:.1f} MB = {megabytes / seconds:.3g} MB/s "
            f"= {ratio:.3g}x json.loads of the same file ({json_loads_s:.2f} s)",
            **{key: seconds / megabytes * PER_MB, "file_mb": megabytes},
        )


def load_unbounded(path: Path) -> Result:
    """What load_result does, less its file-size cap: read, parse, Result.from_dict."""
    return Result.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))


def test_load_result(benchmark, big_result, json_loads_s, enabled, figures):
    """load_result: read, parse, upgrade, schema-check and build the typed Result. Where the
    file is over the loader's size cap (io.MAX_RESULT_BYTES), the same steps without the cap,
    and extra_info says so."""
    if big_result.stat().st_size <= io.MAX_RESULT_BYTES:
        load, what = load_result, "load_result"
    else:
        load = load_unbounded
        what = f"load, uncapped (load_result refuses over {io.MAX_RESULT_BYTES >> 20} MiB)"
    result = benchmark.pedantic(load, args=(big_result,), rounds=2 if enabled else 1)
    benchmark.extra_info["loader"] = what
    ref = json.loads(REFERENCE_RESULT.read_text(encoding="utf-8"))
    reps = [
        len(e.measurement.windows) / len(r["windows"])
        for e, r in zip(result.workloads, ref["workloads"], strict=True)
    ]
    assert len(set(reps)) == 1 and reps[0] >= 1  # every workload's windows, repeated alike
    _record(benchmark, figures, json_loads_s, "load_s_per_100mb", what, big_result)


def test_reprice_result(benchmark, big, big_result, json_loads_s, figures):
    """Re-price every entry under another scenario (measurements untouched)."""
    scenario = load_scenario("terawulf-q3-2025")
    out = benchmark(reprice, big, scenario)
    assert out.scenario_name == "terawulf-q3-2025" != big.scenario_name
    assert out.workloads[0].measurement.windows == big.workloads[0].measurement.windows
    _record(benchmark, figures, json_loads_s, "reprice_s_per_100mb", "re-price", big_result)


def test_render_table(benchmark, big):
    text = benchmark(render_table, big)
    assert all(e.name in text for e in big.workloads)


def test_render_html(benchmark, big, big_result, json_loads_s, enabled, figures):
    """The whole HTML report (tables, plots where matplotlib is installed, environment)."""
    page = benchmark.pedantic(render_html, args=(big,), rounds=1)
    assert page.lstrip().lower().startswith("<!doctype html") and "</html>" in page
    _record(benchmark, figures, json_loads_s, "html_s_per_100mb", "render_html", big_result)

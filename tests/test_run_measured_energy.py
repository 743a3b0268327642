"""A whole run whose energy IS measured: the simulated NVML binding at a known power.

The CPU run in CI has no energy source, so this is where the measured path of the harness
(meter windows -> power and joules per unit -> economics -> pivot -> report) runs end to end.
The expected figures are computed here from the scenario's inputs, not taken from the code.
"""

from __future__ import annotations

import statistics
import time

import pytest

from bench import runner
from bench.report import render_html, render_table
from bench.telemetry.fake import FakeGpu, FakeNvml
from bench.telemetry.nvml import open_meter

POWER_W = 50.0


@pytest.fixture(scope="module")
def measured_doc(tmp_path_factory):
    binding = FakeNvml([FakeGpu(power_w=lambda t: POWER_W)], clock=time.monotonic)
    out = tmp_path_factory.mktemp("measured")
    # In this process: the factory's simulated binding is a closure, which no child could take.
    plan = runner.plan_run("cpu", "sha256d,llm-decode", quick=True, out_dir=out, isolate=False)
    doc, _, html_path = runner.execute(
        plan, meter_factory=lambda device: open_meter(0, binding, hz=50.0)
    )
    return doc, html_path


def _entry(doc, name):
    return next(w for w in doc["workloads"] if w["workload"]["name"] == name)


def test_windows_carry_the_known_power_and_joules(measured_doc):
    doc, _ = measured_doc
    for name in ("sha256d", "llm-decode"):
        entry = _entry(doc, name)
        assert entry["energy_source"] == "nvml-counter"
        rate = entry["summary"]["units_per_s"]["median"]
        # The counter and the window clock are read a few microseconds apart: 0.1 %.
        assert entry["summary"]["power_w"]["median"] == pytest.approx(POWER_W, rel=1e-3)
        for window in entry["windows"]:
            assert window["energy_j"] == pytest.approx(POWER_W * window["elapsed_s"], rel=1e-3)
        # J/unit per window at the known power, its median taken here: exact for any load
        # (POWER_W / median rate is not, for an even number of windows of unequal rates).
        by_hand = statistics.median(POWER_W * w["elapsed_s"] / w["units"] for w in entry["windows"])
        assert entry["summary"]["j_per_unit"]["median"] == pytest.approx(by_hand, rel=1e-3)
        assert rate > 0
        # Idle at the same 50 W: nothing above idle.
        assert entry["idle"]["power_w"] == pytest.approx(POWER_W, rel=1e-3)


def test_mining_revenue_per_joule_follows_the_bitcoin_formula(measured_doc):
    doc, _ = measured_doc
    entry = _entry(doc, "sha256d")
    econ = entry["economics"]
    fig = doc["scenario"]["figures"]
    price, difficulty = fig["btc_price_usd"]["value"], fig["difficulty"]["value"]
    reward = fig["subsidy_btc"]["value"] / (1 - fig["fees_share_of_rewards"]["value"])
    pool = fig["pool_fee"]["value"]
    hashrate = entry["summary"]["units_per_s"]["median"]
    j_per_hash = entry["summary"]["power_w"]["median"] / hashrate  # as measured, about 50 W
    # bitcoin.md: usd_per_j = price * (S + F) * (1 - pool_fee) / (D * 2**32 * e)
    expected = price * reward * (1 - pool) / (difficulty * 2**32 * j_per_hash)
    assert econ["basis"] == "mining"
    # abs=0: the figures are around 1e-13 USD/J, below approx's default absolute tolerance.
    assert econ["usd_per_j"] == pytest.approx(expected, rel=1e-9, abs=0)
    assert econ["usd_per_kwh"] == pytest.approx(expected * 3.6e6, rel=1e-9, abs=0)
    assert len(entry["asic_references"]) >= 5


def test_table_and_report_show_measured_figures(measured_doc):
    doc, html_path = measured_doc
    table = render_table(doc)
    assert "unmeasured" not in table.split("\nrange:")[0].split("ASIC")[0]
    html = html_path.read_text()
    assert html.count("<svg") >= 3  # revenue per kWh, energy per unit, power traces
    assert render_html(doc).count("<svg") == html.count("<svg")

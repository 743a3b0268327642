"""Pricing a measured entry and re-pricing a result: bench.econ's job, never the report's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from result_fixtures import CPU, RAPL_REASON, cpu_doc, entry, gpu_doc

from bench.econ.pricing import footing_for, price_entry, reprice
from bench.econ.scenario import load_scenario
from bench.result.model import Result

GOLDEN_V1 = Path(__file__).parent / "golden" / "result-v1.json"


def _typed(*entries: dict) -> Result:
    doc = gpu_doc()
    doc["workloads"] = list(entries)
    return Result.from_dict(doc)


def test_a_token_workload_is_priced_per_token_on_the_board_footing():
    sc = load_scenario("late-2025")
    llm = entry("llm-decode", "token", "ai", 2400.0, 600.0, params={"model": "llama-3.1-8b"})
    (typed,) = _typed(llm).workloads
    econ, refs = price_entry(typed, sc)
    token_usd = sc.token_usd_per_million["llama-8b"].price.value / 1e6
    assert econ["basis"] == "per-token" and econ["footing"] == "board"
    # 2400 tokens/s sold at the class's price, over 600 W of board power
    assert econ["usd_per_j"] == pytest.approx(2400 * token_usd / 600, rel=1e-12, abs=0)
    assert econ["power_w"] == 600.0 and econ["wall_power_w"] > 600.0  # the host is added
    assert refs == []
    assert price_entry(llm, sc) == (econ, refs)  # a workloads dict prices the same


def test_a_cpu_entry_is_priced_on_the_package_footing_without_host_overhead():
    sc = load_scenario("late-2025")
    cpu = entry(
        "llm-decode", "token", "ai", 35.0, 50.0, device=CPU, params={"model": "llama-3.1-8b"}
    )
    (typed,) = _typed(cpu).workloads
    assert footing_for(typed) == "package"
    econ, _ = price_entry(typed, sc)
    assert econ["footing"] == "package"
    assert econ["power_w"] == econ["wall_power_w"] == 50.0  # RAPL's package is the host itself


def test_a_mining_entry_gets_the_asic_references():
    sc = load_scenario("late-2025")
    (typed,) = _typed(entry("sha256d", "hash", "mining", 7.3e9, 650.0)).workloads
    econ, refs = price_entry(typed, sc)
    assert econ["basis"] == "mining"
    assert {r["name"] for r in refs} >= {"Antminer S21 XP"}
    # each reference compares the device's USD per wall joule against the ASIC's
    for ref in refs:
        want = econ["usd_per_j_wall"] / ref["usd_per_j"]
        assert ref["device_over_asic"] == pytest.approx(want, rel=1e-12, abs=0)


def test_unmeasured_power_stays_unmeasured_with_its_reason():
    sc = load_scenario("late-2025")
    for item in Result.from_dict(cpu_doc()).workloads:
        econ, _ = price_entry(item, sc)
        assert econ == {"unmeasured": RAPL_REASON}


def test_reprice_changes_only_the_prices_and_says_so():
    doc = json.loads(GOLDEN_V1.read_text())
    before = Result.from_dict(doc)
    after = reprice(before, "terawulf-q3-2025")
    sc = load_scenario("terawulf-q3-2025")
    assert after.scenario_name == "terawulf-q3-2025" and before.scenario_name == "late-2025"
    for old, new in zip(before.workloads, after.workloads, strict=True):
        assert new.measurement == old.measurement and new.device == old.device
    token_usd = sc.token_usd_per_million["llama-8b"].price.value / 1e6
    llm = after.entry("llm-decode")
    assert llm.economics.value("usd_per_j") == pytest.approx(2400 * token_usd / 600, rel=1e-12)
    assert after.repriced == {"from_scenario": "late-2025", "to_scenario": "terawulf-q3-2025"}
    assert after.warnings[-1].startswith("re-priced under scenario terawulf-q3-2025")
    written = after.to_dict()
    assert Result.from_dict(written).to_dict() == written  # a valid document of its own
    assert reprice(doc, sc) == written  # a dict in gives the same document back

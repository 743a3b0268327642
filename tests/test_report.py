"""Reports: unmeasured is never 0, the pivot ratio, HTML, compare and re-pricing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from result_fixtures import CPU, RAPL_REASON, SCENARIO, cpu_doc, entry, gpu_doc

from bench import results
from bench.econ.catalog import find_card
from bench.econ.scenario import load_scenario
from bench.errors import InvalidInput
from bench.report import (
    compare_results,
    format_comparison,
    pivot_ratios,
    price_entry,
    render_html,
    render_table,
    rerender,
)
from bench.report.compare import verdict
from bench.report.table import COLUMNS, table_rows

GOLDEN_V1 = Path(__file__).parent / "golden" / "result-v1.json"


def _cells(doc: dict, label: str) -> dict[str, str]:
    rows, _ = table_rows(doc)
    row = next(r for r in rows if r[1] == label)
    return dict(zip(COLUMNS, row, strict=True))


# --- terminal table ----------------------------------------------------------------------


def test_unmeasured_energy_shows_as_unmeasured_never_zero():
    doc = cpu_doc()
    for label in ("sha256d @ cpu", "llm-decode @ cpu"):
        cells = _cells(doc, label)
        assert cells["power W"] == "unmeasured"  # its reason is in the notes below
        assert cells["J per unit"] == "unmeasured"
        assert cells["USD/kWh (footing)"] == "unmeasured"
        assert cells["net USD/day"] == "unmeasured"
        assert not any(re.fullmatch(r"0(\.0+)?( \S+)?", c) for c in cells.values())
    text = render_table(doc)
    assert f"energy unmeasured: {RAPL_REASON}" in text  # the full reason, once per workload


def test_table_shows_measured_figures_with_units_and_spread():
    cells = _cells(gpu_doc(), "sha256d @ cuda:0")
    assert cells["throughput"] == "7.3 GH/s ±2.0%"
    assert cells["power W"] == "650 ±1.0%"
    # 650 W / 7.3e9 H/s = 8.904e-8 J per hash
    assert cells["J per unit"] == "8.9e-08 J/hash"
    # 5e-12 USD/J * 3.6e6 J/kWh = 1.8e-5 USD/kWh
    assert cells["USD/kWh (footing)"] == "1.8e-05 board"


def test_table_has_asic_reference_rows():
    _, asics = table_rows(gpu_doc())
    assert asics == [
        [
            "ASIC (nameplate)",
            "Antminer S21 XP",
            "270 TH/s",
            "3,645",
            "13.5 J/TH",
            "0.1263 wall",
            "",
            "",
        ]
    ]


def test_pivot_ratio_hand_worked():
    # AI: 2.4e-7 USD/J; mining on the same card: 5.0e-12 USD/J; 2.4e-7 / 5e-12 = 48,000.
    doc = gpu_doc()
    assert pivot_ratios(doc["workloads"]) == [None, pytest.approx(48000.0)]
    assert _cells(doc, "llm-decode @ cuda:0")["pivot"] == "48,000x"
    assert _cells(doc, "sha256d @ cuda:0")["pivot"] == "base"


def test_pivot_ratio_needs_mining_on_the_same_device():
    doc = gpu_doc()
    doc["workloads"][1]["device"] = {"id": "cuda:1", "kind": "cuda", "name": "NVIDIA H200"}
    assert pivot_ratios(doc["workloads"]) == [None, None]


def test_pivot_ratio_under_late_2025_matches_a_hand_calculation():
    sc = load_scenario("late-2025")
    mining = entry("sha256d", "hash", "mining", 7.3e9, 650.0)
    llm = entry("llm-decode", "token", "ai", 2400.0, 600.0, params={"model": "llama-3.1-8b"})
    for e in (mining, llm):
        e["economics"], e["asic_references"] = price_entry(e, sc)
    # by hand: fees are a share s of the whole reward, so fees = subsidy * s / (1 - s)
    subsidy, share = sc.value("subsidy_btc"), sc.value("fees_share_of_rewards")
    reward = subsidy + subsidy * share / (1 - share)
    btc_per_hash = reward * (1 - sc.value("pool_fee")) / (sc.value("difficulty") * 2**32)
    mining_usd_per_j = btc_per_hash * sc.value("btc_price_usd") * 7.3e9 / 650.0
    token_usd = sc.token_usd_per_million["llama-8b"].price.value / 1e6
    ai_usd_per_j = 2400.0 * token_usd / 600.0
    assert mining["economics"]["usd_per_j"] == pytest.approx(mining_usd_per_j, rel=1e-9)
    assert llm["economics"]["usd_per_j"] == pytest.approx(ai_usd_per_j, rel=1e-9)
    ratios = pivot_ratios([mining, llm])
    assert ratios[1] == pytest.approx(ai_usd_per_j / mining_usd_per_j, rel=1e-9)
    assert {r["name"] for r in mining["asic_references"]} >= {"Antminer S21 XP"}
    assert llm["asic_references"] == []


def test_price_entry_keeps_unmeasured_power_unmeasured():
    econ, _ = price_entry(cpu_doc()["workloads"][1], load_scenario("late-2025"))
    assert econ == {"unmeasured": RAPL_REASON}


# --- HTML --------------------------------------------------------------------------------


def test_html_holds_the_plots_as_inline_svg():
    page = render_html(gpu_doc())
    # revenue per kWh, energy per unit, and one power trace per workload
    assert page.count("<svg") == 4
    for title in (
        "Revenue per kWh by workload",
        "Energy per work unit",
        "Power over time: sha256d @ cuda:0",
        "Power over time: llm-decode @ cuda:0",
    ):
        assert f"<title>{title}</title>" in page
    assert "USD/kWh, log scale" in page  # the revenue axis is logarithmic and says so
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_html_is_self_contained():
    page = render_html(gpu_doc())
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"\bsrc\s*=", page)
    # hrefs only point inside the page (matplotlib's <use xlink:href="#id">)
    assert re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # ids unique across the inline SVGs
    # the only URLs are XML namespace names, which browsers never fetch
    for match in re.finditer(r"https?://", page):
        assert re.search(r'xmlns(:\w+)?="$', page[: match.start()][-40:]), page[match.start() :][
            :80
        ]


def test_html_notes_unmeasured_power_instead_of_empty_plots():
    page = render_html(cpu_doc())
    assert page.count("<svg") == 0
    assert f"sha256d @ cpu: power unmeasured ({RAPL_REASON})." in page
    assert "No revenue per kWh to plot" in page


def test_html_shows_environment_scenario_warnings_and_table():
    doc = results.read_result(GOLDEN_V1)
    page = render_html(doc)
    for text in (
        "Intel(R) Xeon(R) Platinum 8480+",  # environment
        "2025-11-15",  # the date of the BTC price
        "BTC spot price mid November 2025",  # its source
        "power limit 700 W, no throttling seen",  # a warning
        "48,879x",  # the pivot cell of the table
        "Antminer S21 XP",
    ):
        assert text in page


def test_html_escapes_text_from_the_result():
    doc = gpu_doc()
    doc["warnings"] = ["<script>alert(1)</script>"]
    page = render_html(doc)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


# --- compare -----------------------------------------------------------------------------


def _rate_doc(rate: float, spread: float, scenario: dict = SCENARIO) -> dict:
    e = entry("gemm", "flop", "ai", rate, 600.0, usd_per_j=1e-7, rate_spread=spread)
    return results.build_result(gpu_doc()["environment"], scenario, [e])


def test_verdict_same_fast_slow_by_measured_spread():
    base = _rate_doc(100.0, 0.02)["workloads"][0]["summary"]["units_per_s"]
    for rate, expected in ((101.0, "SAME"), (99.0, "SAME"), (110.0, "FAST"), (90.0, "SLOW")):
        other = _rate_doc(rate, 0.01)["workloads"][0]["summary"]["units_per_s"]
        got = verdict(base, other)
        assert got["verdict"] == expected, rate
        assert got["rel_diff"] == pytest.approx((rate - 100.0) / 100.0)
        assert got["noise"] == 0.02


def test_compare_gives_verdicts_against_the_first_result():
    docs = [_rate_doc(100.0, 0.02), _rate_doc(110.0, 0.01), _rate_doc(100.5, 0.01)]
    cmp = compare_results(docs)
    assert [v["verdict"] for v in cmp["verdicts"]] == ["FAST", "SAME"]
    assert cmp["notices"] == []
    text = format_comparison(cmp)
    assert "FAST: gemm" in text and "SAME: gemm" in text


def test_compare_flags_different_scenarios():
    other = {**SCENARIO, "name": "other-scenario"}
    cmp = compare_results([_rate_doc(100.0, 0.02), _rate_doc(100.0, 0.02, other)])
    assert len(cmp["notices"]) == 1
    assert "different scenarios" in cmp["notices"][0]
    assert "other-scenario" in cmp["notices"][0]
    assert "notice: results were priced under different scenarios" in format_comparison(cmp)


def test_compare_flags_different_schema_versions(monkeypatch):
    monkeypatch.setattr(results, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(results, "_UPGRADES", {1: lambda doc: doc})
    newer = results.build_result(results.read_result(GOLDEN_V1)["environment"], {}, [])
    newer["scenario"] = results.read_result(GOLDEN_V1)["scenario"]
    cmp = compare_results([GOLDEN_V1, newer])
    assert any("differ in schema version" in n and "v1" in n and "v2" in n for n in cmp["notices"])


def test_compare_repriced_under_one_scenario_has_no_scenario_notice():
    other = rerender(results.read_result(GOLDEN_V1), "terawulf-q3-2025")
    cmp = compare_results([GOLDEN_V1, other], scenario="late-2025")
    assert cmp["notices"] == ["every result re-priced under scenario late-2025"]
    # both priced alike now: identical revenue figures for identical measurements
    kwh = [r["measured"]["usd_per_kwh"] for r in cmp["rows"] if r["workload"] == "llm-decode"]
    assert kwh[0] == pytest.approx(kwh[1])


def test_compare_per_dollar_figures_come_from_the_catalog():
    cpu = entry("sha256d", "hash", "mining", 2.0e7, 65.0, usd_per_j=1e-12, device=CPU)
    cpu_result = results.build_result(gpu_doc()["environment"], SCENARIO, [cpu])
    cmp = compare_results([gpu_doc(), cpu_result], sort_by="units_per_s_per_usd")
    gpu_row = next(r for r in cmp["rows"] if r["card"] == "NVIDIA H200" and r["unit"] == "hash")
    price = find_card("NVIDIA H200").price_usd.value
    assert gpu_row["catalog"]["source"] == "catalog"
    assert gpu_row["measured"]["source"] == "measured"
    assert gpu_row["per_usd"]["units_per_s_per_usd"] == pytest.approx(7.3e9 / price)
    assert "catalog" in gpu_row["per_usd"]["source"]
    cpu_row = next(r for r in cmp["rows"] if r["card"] == "Test CPU")
    assert cpu_row["catalog"] is None and cpu_row["per_usd"] == {}
    assert "not in catalog" in format_comparison(cmp)
    assert "price USD [catalog]" in format_comparison(cmp)


def test_compare_sorts_within_each_workload():
    docs = [_rate_doc(100.0, 0.02), _rate_doc(300.0, 0.02), _rate_doc(200.0, 0.02)]
    by_rate = compare_results(docs, sort_by="units_per_s")["rows"]
    assert [r["measured"]["units_per_s"] for r in by_rate] == [300.0, 200.0, 100.0]
    by_energy = compare_results(docs, sort_by="j_per_unit")["rows"]  # lower is better
    assert [r["measured"]["units_per_s"] for r in by_energy] == [300.0, 200.0, 100.0]
    assert by_energy[0]["measured"]["j_per_unit"] == pytest.approx(600.0 / 300.0)


def test_compare_refuses_an_unknown_sort_metric():
    with pytest.raises(InvalidInput, match="unknown sort metric"):
        compare_results([gpu_doc()], sort_by="coolness")


# --- re-pricing --------------------------------------------------------------------------


def test_rerender_reprices_and_keeps_measurements():
    doc = results.read_result(GOLDEN_V1)
    out = rerender(doc, "terawulf-q3-2025")
    sc = load_scenario("terawulf-q3-2025")
    assert out["scenario"]["name"] == "terawulf-q3-2025"
    assert doc["scenario"]["name"] == "late-2025"  # the original is untouched
    for before, after in zip(doc["workloads"], out["workloads"], strict=True):
        assert after["summary"] == before["summary"]
        assert after["windows"] == before["windows"]
    token_usd = sc.token_usd_per_million["llama-8b"].price.value / 1e6
    # 2400 tokens/s at 600 W, priced per token
    assert out["workloads"][1]["economics"]["usd_per_j"] == pytest.approx(2400 * token_usd / 600)
    assert any("re-priced under scenario terawulf-q3-2025" in w for w in out["warnings"])
    results.validate(out)
    assert "terawulf-q3-2025" in render_table(out)


def test_unpriced_workload_says_why():
    doc = gpu_doc()
    doc["workloads"][1]["economics"] = {"basis": "unpriced", "reason": "no price for gemm"}
    results.validate(doc)
    cells = _cells(doc, "llm-decode @ cuda:0")
    assert cells["USD/kWh (footing)"] == "unpriced"
    assert cells["pivot"] == "n/a"
    assert "llm-decode @ cuda:0: unpriced (no price for gemm)" in render_table(doc)


def test_empty_unmeasured_trace_from_the_meter_becomes_a_note():
    doc = gpu_doc()
    doc["workloads"][0]["power_trace"] = {"t_s": [], "power_w": [], "source": "unmeasured"}
    doc["workloads"][0]["energy_source"] = "unmeasured"
    doc["workloads"][0]["energy_note"] = "NVML energy counter not supported"
    page = render_html(doc)
    assert "sha256d @ cuda:0: power unmeasured (NVML energy counter not supported)." in page
    assert page.count("<svg") == 3


def test_compare_sorts_by_pivot_ratio():
    low = gpu_doc()
    high = gpu_doc()
    high["workloads"][1]["economics"]["usd_per_j"] = 4.8e-7  # twice the AI revenue per joule
    rows = compare_results([low, high], sort_by="pivot")["rows"]
    pivots = [r["measured"]["pivot"] for r in rows if r["workload"] == "llm-decode"]
    assert pivots == [pytest.approx(96000.0), pytest.approx(48000.0)]


def test_several_gpus_get_a_total_row():
    second = {"id": "cuda:1", "kind": "cuda", "name": "NVIDIA H200", "energy_source": "nvml"}
    a = entry("sha256d", "hash", "mining", 7.3e9, 650.0, usd_per_j=5.0e-12)
    b = entry("sha256d", "hash", "mining", 7.1e9, 640.0, usd_per_j=4.0e-12, device=second)
    doc = results.build_result(gpu_doc()["environment"], SCENARIO, [a, b])
    cells = _cells(doc, "sha256d (all devices)")
    assert cells["device"] == "total (2 devices)"
    assert cells["throughput"] == "14.4 GH/s"  # 7.3 + 7.1 GH/s
    assert cells["power W"] == "1,290"  # 650 + 640 W
    assert cells["J per unit"] == f"{1290 / 14.4e9:.3g} J/hash"
    # revenue per kWh weighted by power: (5e-12 * 650 + 4e-12 * 640) / 1290 * 3.6e6
    assert cells["USD/kWh (footing)"] == f"{(5e-12 * 650 + 4e-12 * 640) / 1290 * 3.6e6:.4g} board"

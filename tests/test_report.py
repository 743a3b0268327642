"""Reports: unmeasured is never 0, the pivot ratio, HTML, compare and re-pricing."""

from __future__ import annotations

import html
import json
import re
import statistics
from pathlib import Path

import pytest
from result_fixtures import CPU, H200, RAPL_REASON, SCENARIO, cpu_doc, entry, gpu_doc

from bench import result as results
from bench.econ.pricing import price_entry, reprice
from bench.econ.scenario import load_scenario
from bench.errors import InvalidInput
from bench.hardware import find_card
from bench.report import compare_results, format_comparison, render_html, render_table
from bench.report.cells import pivot_ratios
from bench.report.compare import labelled, verdict
from bench.report.table import COLUMNS, table_rows
from bench.result.entry import StoredStat
from bench.result.model import Result, load_result
from bench.stats import Unmeasured

GOLDEN_V1 = Path(__file__).parent / "golden" / "result-v1.json"
GOLDEN_V2 = Path(__file__).parent / "golden" / "result-v2.json"
# The host around one GPU of an 8-GPU SXM server: NVIDIA DGX H100 datasheet (2023), ~10.2 kW
# with 8 x 700 W GPUs: (10,200 - 5,600) / 8 = 575 W; its share of the server's price, 15,000 USD
# per GPU (bench/data/hardware.toml's estimate). Board power + 575 W is a GPU's wall power.
SXM_HOST_W = (10_200.0 - 8 * 700.0) / 8
SXM_HOST_CAPEX_USD = 15_000.0
VM_CPU = Path(__file__).parent.parent / "results" / "20261129T022822Z-vm-cpu.json"


def typed(doc: dict) -> Result:
    """The typed Result of a fixture document, read the one way every caller reads it."""
    return Result.from_dict(doc, "fixture")


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
    # the fixture's windows span (max - min) / median = 2 % of the rate and 1 % of the power
    assert cells["throughput"] == "7.3 GH/s range 2.0%"
    assert cells["power W"] == "650 range 1.0%"
    # 650 W / 7.3e9 H/s = 8.904e-8 J per hash
    assert cells["J per unit"] == "89,041 J/TH"  # 650 W / 7.3 GH/s, in the ASIC rows' unit
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
            "mining",
            "",
            "",
        ]
    ]


def test_pivot_ratio_hand_worked():
    # AI: 2.4e-7 USD/J; mining on the same card: 5.0e-12 USD/J; 2.4e-7 / 5e-12 = 48,000.
    doc = gpu_doc()
    assert pivot_ratios(typed(doc).workloads) == [None, pytest.approx(48000.0, rel=1e-12)]
    assert _cells(doc, "llm-decode @ cuda:0")["pivot"] == "48,000x"
    assert _cells(doc, "sha256d @ cuda:0")["pivot"] == "base"


def test_pivot_ratio_needs_mining_on_the_same_device():
    doc = gpu_doc()
    doc["workloads"][1]["device"] = {"id": "cuda:1", "kind": "cuda", "name": "NVIDIA H200"}
    assert pivot_ratios(typed(doc).workloads) == [None, None]


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
    ratios = pivot_ratios(typed(_priced([mining, llm], sc, price=False)).workloads)
    # the pivot compares wall joules: board power plus the host, 575 W per GPU in an SXM
    # server (NVIDIA DGX H100 datasheet, 2023: (10,200 - 8 x 700) W / 8, bench's hardware.toml)
    ai_wall = ai_usd_per_j * 600.0 / (600.0 + SXM_HOST_W)
    mining_wall = mining_usd_per_j * 650.0 / (650.0 + SXM_HOST_W)
    assert ratios[1] == pytest.approx(ai_wall / mining_wall, rel=1e-9)
    assert {r["name"] for r in mining["asic_references"]} >= {"Antminer S21 XP"}
    assert llm["asic_references"] == []


def test_price_entry_keeps_unmeasured_power_unmeasured():
    econ, _ = price_entry(cpu_doc()["workloads"][1], load_scenario("late-2025"))
    assert econ == {"unmeasured": RAPL_REASON}


# --- HTML --------------------------------------------------------------------------------


def _svgs(page: str) -> dict[str, str]:
    """Each inline SVG of a page by its <title>."""
    found = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    return {re.search(r"<title>(.*?)</title>", svg).group(1): svg for svg in found}


def _texts(svg: str) -> list[str]:
    """The text drawn in an SVG (matplotlib writes text as <text> with svg.fonttype none)."""
    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S)]


def test_html_holds_the_plots_as_inline_svg():
    page = render_html(typed(gpu_doc()))
    svgs = _svgs(page)
    # throughput: the window spread and one time plot per workload; energy: revenue per kWh,
    # energy per unit, one power trace per workload
    assert sorted(svgs) == sorted(
        [
            "Spread of the measured windows",
            "Throughput over time: sha256d @ cuda:0",
            "Throughput over time: llm-decode @ cuda:0",
            "Revenue per kWh by workload",
            "Energy per work unit",
            "Power over time: sha256d @ cuda:0",
            "Power over time: llm-decode @ cuda:0",
        ]
    )
    assert page.count("<svg") == len(svgs)
    assert "USD/kWh, log scale" in " ".join(_texts(svgs["Revenue per kWh by workload"]))
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


def test_html_without_energy_notes_it_and_still_plots_throughput():
    page = render_html(typed(cpu_doc()))
    svgs = _svgs(page)
    assert sorted(svgs) == [
        "Spread of the measured windows",
        "Throughput over time: llm-decode @ cpu",
        "Throughput over time: sha256d @ cpu",
    ]
    assert "No revenue per kWh to plot" in page and "No energy per unit to plot" in page
    # one note for the power traces, not one per workload; the reason once, at the top
    assert "No power trace to plot: no workload&#x27;s power was measured." in page
    assert f"Energy was not measured for any workload ({RAPL_REASON})" in html.unescape(page)


def _raw_windows(path: Path) -> dict[str, list[float]]:
    """Window rates per workload straight from the JSON file, without bench's reader."""
    doc = json.loads(path.read_text())
    rates = {}
    for e in doc["workloads"]:
        rates[e["workload"]["name"]] = [w["units"] / w["elapsed_s"] for w in e["windows"]]
    return rates


def test_html_of_a_vm_run_without_energy_plots_each_workload():
    page = render_html(load_result(VM_CPU))  # the committed reference result, schema v1
    svgs = _svgs(page)
    rates = _raw_windows(VM_CPU)
    assert len(svgs) == 1 + len(rates)  # the window spread, one time plot per workload
    assert page.count("<svg") == len(svgs)
    prefixes = {
        "sha256d": "MH/s",  # 57 M hashes/s
        "gemm": "GFLOP/s",
        "llm-prefill": "ktok/s",
        "llm-decode": "tok/s",
        "resnet50": "img/s",
        "bert": "seq/s",
    }
    scale = {"M": 1e6, "G": 1e9, "k": 1e3}
    for name, axis_unit in prefixes.items():
        texts = _texts(svgs[f"Throughput over time: {name} @ cpu"])
        assert f"throughput ({axis_unit})" in texts
        assert "time since warm-up began (s)" in texts
        assert "warm-up (not measured)" in texts  # the warm-up is shaded and labelled
        median = statistics.median(rates[name]) / scale.get(axis_unit[0], 1.0)
        assert f"median {median:.3g} {axis_unit}" in texts
    spread = _texts(svgs["Spread of the measured windows"])
    assert "window throughput relative to the workload's median (%)" in spread
    for name, values in rates.items():
        assert f"{name} @ cpu" in spread
        rel = (max(values) - min(values)) / statistics.median(values)
        assert any(t.startswith(f"n={len(values)}, range {100 * rel:.1f}%") for t in spread)


def test_throughput_series_put_windows_after_the_warm_up():
    from bench.report.plots import rate_series

    # v1 golden: windows of 5 s without times; warm-up 2.1 s: laid end to end after it
    old = load_result(GOLDEN_V1).workloads[0]
    page = render_html(load_result(GOLDEN_V1))
    # windows of 7.29, 7.30 and 7.31 GH/s: (7.31 - 7.29) / 7.30 = 0.27 %
    assert "sha256d @ cuda:0: 3 windows, median 7.3 GH/s, range 0.3%; warm-up 2.1 s" in page
    assert "windows drawn end to end" in page
    svgs = _svgs(page)
    assert "warm-up rates not recorded" in _texts(svgs["Throughput over time: sha256d @ cuda:0"])
    power_axis = "time since the meter started (s; idle and warm-up come first)"
    assert power_axis in _texts(svgs["Power over time: sha256d @ cuda:0"])
    series = rate_series(old)
    assert series.warmup_s == 2.1 and series.warmup_rates_per_s == ()
    assert [(b, e) for b, e, _ in series.windows] == [
        pytest.approx(p, abs=1e-12) for p in [(2.1, 7.1), (7.1, 12.1), (12.1, 17.1)]
    ]
    # a window's rate is its units over its seconds: 36.45e9 H / 5 s
    assert series.windows[0][2] == 36.45e9 / 5.0
    # the VM run: windows carry meter times; the first starts when the warm-up ended
    entry = load_result(VM_CPU).workloads[0]
    raw = json.loads(VM_CPU.read_text())["workloads"][0]
    first = raw["windows"][0]["t_begin_s"]
    series = rate_series(entry)
    assert series.windows[0][0] == pytest.approx(raw["warmup"]["seconds"], abs=1e-9)
    for (begin, end, _), w in zip(series.windows, raw["windows"], strict=True):
        assert end - begin == pytest.approx(w["t_end_s"] - w["t_begin_s"], abs=1e-9)
        assert begin == pytest.approx(w["t_begin_s"] - first + raw["warmup"]["seconds"])
    assert series.warmup_rates_per_s == tuple(raw["warmup"]["rates_per_s"])


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
    base = typed(_rate_doc(100.0, 0.02)).workloads[0].stat("units_per_s")
    for rate, expected in ((101.0, "SAME"), (99.0, "SAME"), (110.0, "FAST"), (90.0, "SLOW")):
        other = typed(_rate_doc(rate, 0.01)).workloads[0].stat("units_per_s")
        got = verdict(base, other)
        assert got["verdict"] == expected, rate
        assert got["rel_diff"] == pytest.approx((rate - 100.0) / 100.0, rel=1e-12)
        assert got["noise"] == 0.02
    one = StoredStat("H/s", 1, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, None)
    assert verdict(one, one) == {"verdict": "UNKNOWN", "rel_diff": 0.0, "noise": None}
    assert verdict(Unmeasured("no windows"), one)["verdict"] == "UNMEASURED"


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


def test_scenarios_of_one_name_are_told_apart_by_date_and_by_the_figures_that_differ():
    newer = {**SCENARIO, "date": "2025-12", "figures": {**SCENARIO["figures"]}}
    newer["figures"]["btc_price_usd"] = {**SCENARIO["figures"]["btc_price_usd"], "value": 9e4}
    cmp = compare_results([_rate_doc(100.0, 0.02), _rate_doc(100.0, 0.02, newer)])
    (notice,) = cmp["notices"]
    assert "test-scenario of 2025-11" in notice and "test-scenario of 2025-12" in notice
    # the figure both have comes first, then the text that differs
    assert "in figures.btc_price_usd.value 100000.0 -> 90000.0, date 2025-11 -> 2025-12)" in notice


def test_compare_flags_different_schema_versions():
    cmp = compare_results([GOLDEN_V1, GOLDEN_V2])
    assert any(
        "differ in schema version (result-v1.json: v1, result-v2.json: v2)" in n
        for n in cmp["notices"]
    )


def test_compare_repriced_under_one_scenario_has_no_scenario_notice():
    other = reprice(results.read_result(GOLDEN_V1), "terawulf-q3-2025")
    late = load_scenario("late-2025")
    docs = [(label, reprice(r, late)) for label, r in labelled([GOLDEN_V1, other])]
    cmp = compare_results(docs, scenario=late)
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
    assert gpu_row["catalog"]["price_usd"]["value"] == price
    assert gpu_row["measured"]["source"] == "measured"
    # per capex dollar: the card's catalog price plus its host's share (board power, SXM)
    per_usd = 7.3e9 / (price + SXM_HOST_CAPEX_USD)
    assert gpu_row["per_usd"]["units_per_s_per_usd"] == pytest.approx(per_usd, rel=1e-12)
    assert "catalog" in gpu_row["per_usd"]["source"]
    cpu_row = next(r for r in cmp["rows"] if r["card"] == "Test CPU")
    assert cpu_row["catalog"] is None and cpu_row["per_usd"] == {}
    assert "not in catalog" in format_comparison(cmp)
    text = format_comparison(cmp)
    assert "capex USD [catalog]" in text
    # the capex cell shows the sum the per-USD columns divide by
    total = price + SXM_HOST_CAPEX_USD
    assert f"{price:,.0f} + {SXM_HOST_CAPEX_USD:,.0f} host = {total:,.0f} (" in text


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


def test_reprice_reprices_and_keeps_measurements():
    doc = results.read_result(GOLDEN_V1)
    out = reprice(doc, "terawulf-q3-2025")
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
    page = render_html(typed(doc))
    assert "sha256d @ cuda:0: power unmeasured (NVML energy counter not supported)." in page
    assert "Power over time: sha256d @ cuda:0" not in _svgs(page)
    assert "Power over time: llm-decode @ cuda:0" in _svgs(page)


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
    assert cells["J per unit"] == f"{1290 / 14.4e9 * 1e12:,.0f} J/TH"
    # revenue per kWh weighted by power: (5e-12 * 650 + 4e-12 * 640) / 1290 * 3.6e6
    assert cells["USD/kWh (footing)"] == f"{(5e-12 * 650 + 4e-12 * 640) / 1290 * 3.6e6:.4g} board"


def test_a_total_over_a_gpu_and_a_cpu_adds_no_watts_of_different_footings():
    # board watts (NVML) and package watts (RAPL) are not one quantity: no summed power,
    # energy per unit or net; the throughput still adds up
    cpu = {"id": "cpu", "kind": "cpu", "name": "Test CPU", "energy_source": "rapl"}
    a = entry("sha256d", "hash", "mining", 7.3e9, 650.0, usd_per_j=5.0e-12)
    b = entry("sha256d", "hash", "mining", 6.4e7, 120.0, usd_per_j=1.0e-13, device=cpu)
    b["economics"]["footing"] = "package"  # as pricing gives a RAPL-measured CPU
    doc = results.build_result(gpu_doc()["environment"], SCENARIO, [a, b])
    cells = _cells(doc, "sha256d (all devices)")
    assert cells["throughput"] == "7.36 GH/s"
    assert cells["power W"] == cells["J per unit"] == "n/a (mixed footings)"
    assert cells["USD/kWh (footing)"] == "n/a (mixed footings)"
    assert cells["net USD/day"] == "n/a"


# --- price basis, footing, range, baseline (review fixes) --------------------------------

CPU_RAPL = {"id": "cpu", "kind": "cpu", "name": "Test CPU", "energy_source": "rapl"}


def flat_scenario():
    """late-2025 with 0.10 USD/kWh, PUE 1.5 and mining uptime 1."""
    return load_scenario("late-2025", electricity_usd_kwh=0.10, pue=1.5, uptime=1.0)


def _btc_usd_per_hash(sc) -> float:
    """USD one hash earns, by hand: fees are a share s of the reward, so fees = S * s / (1 - s)."""
    subsidy, share = sc.value("subsidy_btc"), sc.value("fees_share_of_rewards")
    reward = subsidy + subsidy * share / (1 - share)
    return reward * (1 - sc.value("pool_fee")) / (sc.value("difficulty") * 2**32) * sc.btc_price_usd


def _priced(entries: list[dict], sc, price: bool = True) -> dict:
    for e in entries if price else ():
        e["economics"], e["asic_references"] = price_entry(e, sc)
    return results.build_result(gpu_doc()["environment"], sc.to_dict(), entries)


def test_cpu_energy_is_priced_on_the_package_footing_without_gpu_host_overhead():
    sc = load_scenario("late-2025")  # a GPU's host: 575 W per GPU in an SXM server
    cpu = entry("sha256d", "hash", "mining", 2.0e7, 65.0, device=CPU_RAPL)
    gpu = entry("sha256d", "hash", "mining", 7.3e9, 650.0)
    doc = _priced([cpu, gpu], sc)
    results.validate(doc)  # the schema knows the package footing
    econ_cpu, econ_gpu = cpu["economics"], gpu["economics"]
    assert econ_cpu["footing"] == "package" and econ_cpu["wall_power_w"] == 65.0
    assert econ_gpu["footing"] == "board" and econ_gpu["wall_power_w"] == 650 + SXM_HOST_W
    # USD per kWh of package energy: USD per hash * 2e7 H/s / 65 W * 3.6e6 J/kWh
    usd_per_kwh = _btc_usd_per_hash(sc) * 2.0e7 / 65.0 * 3.6e6
    assert econ_cpu["usd_per_kwh"] == pytest.approx(usd_per_kwh, rel=1e-9)
    assert econ_cpu["usd_per_kwh_wall"] == pytest.approx(usd_per_kwh, rel=1e-9)
    cell = _cells(doc, "sha256d @ cpu")["USD/kWh (footing)"]
    assert cell == f"{usd_per_kwh:.4g} package"
    legend = " ".join(render_table(doc).split())  # the legend is wrapped at 100 columns
    assert "package = CPU package + DRAM power (RAPL), no host overhead" in legend


def _gpu_suite(sc) -> dict:
    mining = entry("sha256d", "hash", "mining", 7.3e9, 650.0)
    llm = entry("llm-decode", "token", "ai", 2400.0, 600.0, params={"model": "llama-3.1-8b"})
    gemm = entry("gemm", "flop", "ai", 7.0e14, 690.0, params={"dtype": "bf16", "m": 8192})
    gemm["roofline"] = {"mfu": 0.7}
    resnet = entry("resnet50", "image", "ai", 3000.0, 600.0, params={"batch_size": 256})
    return _priced([mining, llm, gemm, resnet], sc)


def test_table_says_how_each_workload_is_priced():
    doc = _gpu_suite(load_scenario("late-2025"))
    bases = {r[1]: dict(zip(COLUMNS, r, strict=True))["basis"] for r in table_rows(doc)[0]}
    assert bases == {
        "sha256d @ cuda:0": "mining",
        "llm-decode @ cuda:0": "per-token",
        "gemm @ cuda:0": "unpriced",
        "resnet50 @ cuda:0": "gpu-hour",
    }
    assert _cells(doc, "gemm @ cuda:0")["pivot"] == "n/a"  # no "GEMM earns 70x decode"
    text = render_table(doc)
    assert (
        "gemm @ cuda:0: unpriced (no market price for raw FLOPs; see its MFU); measured MFU 70.0%"
        in text
    )
    # the catalog's H200 SXM at 4.1 USD/h, 80 % of hours sold in late-2025
    assert (
        "resnet50 @ cuda:0: priced per GPU-hour (H200 SXM at 4.1 USD/h, 80% of hours sold)" in text
    )
    assert "basis: how revenue is priced" in text


def test_html_table_and_plot_labels_show_the_basis():
    page = render_html(_gpu_suite(load_scenario("late-2025")))
    assert "<th>basis</th>" in page and "<td>gpu-hour</td>" in page
    assert "llm-decode @ cuda:0 [wall, per-token]" in page  # bar label in the SVG
    assert "resnet50 @ cuda:0 [wall, gpu-hour]" in page
    assert "Antminer S21 XP (ASIC) [wall, mining]" in page
    assert "Not plotted (unmeasured, unpriced or not positive): gemm @ cuda:0" in page
    assert "basis: how revenue is priced" in page


def test_spread_is_labelled_a_range_and_one_window_has_none():
    doc = gpu_doc()
    one = {**doc["workloads"][0]["summary"]["units_per_s"], "n": 1, "rel_spread": None}
    doc["workloads"][0]["summary"]["units_per_s"] = one
    assert _cells(doc, "sha256d @ cuda:0")["throughput"] == "7.3 GH/s range n/a (1 window)"
    text = render_table(doc)
    assert "±" not in text.split("range: ")[0]  # no ± figure in the table itself
    assert "range: (max - min) / median over the measured windows" in text


def test_report_pivot_is_the_econ_pivot():
    import bench.econ
    from bench.report import cells

    assert cells.pivot_ratio is bench.econ.pivot_ratio
    # priced documents carry wall figures: the pivot is the ratio of USD per wall joule
    doc = _gpu_suite(load_scenario("late-2025"))
    mining, llm = doc["workloads"][0]["economics"], doc["workloads"][1]["economics"]
    ratio = llm["usd_per_j_wall"] / mining["usd_per_j_wall"]
    assert pivot_ratios(typed(doc).workloads)[1] == pytest.approx(ratio, rel=1e-12)


def _miner_doc(card: str, path: str, rate: float, spread: float = 0.02) -> dict:
    device = {"id": "cuda:0", "kind": "cuda", "name": card, "energy_source": "nvml"}
    params = {"job_nonces": 2**29, "backend": "cuda", "path": path, "threads": None}
    e = entry("sha256d", "hash", "mining", rate, 400.0, 1e-12, device, spread, params)
    return results.build_result(gpu_doc()["environment"], SCENARIO, [e])


def test_compare_gives_a_verdict_across_miner_paths():
    # A100 (cuda-sm80) against H100 (cuda-sm90): the same work, only the kernel path differs
    a100 = _miner_doc("NVIDIA A100-SXM4-80GB", "cuda-sm80", 3.0e9)
    h100 = _miner_doc("NVIDIA H100 80GB HBM3", "cuda-sm90", 6.0e9)
    cmp = compare_results([a100, h100])
    assert len(cmp["verdicts"]) == 1
    assert cmp["verdicts"][0]["verdict"] == "FAST"
    assert cmp["verdicts"][0]["rel_diff"] == pytest.approx(1.0)  # 6e9 / 3e9 - 1
    # a real parameter difference still keeps them apart
    other = _miner_doc("NVIDIA H100 80GB HBM3", "cuda-sm90", 6.0e9)
    other["workloads"][0]["workload"]["job_nonces"] = 2**27
    assert compare_results([a100, other])["verdicts"] == []


def test_compare_names_the_baseline_file_whatever_the_sort(tmp_path):
    paths = []
    for name, rate in (("slow.json", 100.0), ("fast.json", 110.0)):
        path = tmp_path / name
        path.write_text(json.dumps(_rate_doc(rate, 0.02)))
        paths.append(path)
    extra = _rate_doc(120.0, 0.02)
    extra["workloads"].append(entry("bert", "sequence", "ai", 50.0, 300.0, usd_per_j=1e-7))
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    bert2 = results.build_result(
        gpu_doc()["environment"], SCENARIO, [entry("bert", "sequence", "ai", 40.0, 300.0, 1e-7)]
    )
    (tmp_path / "bert.json").write_text(json.dumps(bert2))
    cmp = compare_results([*paths, tmp_path / "extra.json", tmp_path / "bert.json"], "units_per_s")
    assert cmp["baseline"] == "slow.json"
    gemm = [r for r in cmp["rows"] if r["workload"] == "gemm"]
    assert [r["result"] for r in gemm] == ["extra.json", "fast.json", "slow.json"]  # sorted
    assert [r["verdict"] for r in gemm] == ["FAST", "FAST", "baseline"]
    text = format_comparison(cmp)
    assert "baseline: slow.json (the first result given)" in text
    gemm_lines = [line for line in text.splitlines() if line.startswith("gemm ")]
    lines = {name: next(x for x in gemm_lines if name in x) for name in ("slow.json", "fast.json")}
    assert lines["slow.json"].rstrip().endswith("baseline")
    assert lines["fast.json"].rstrip().endswith("FAST +10.0%")  # 110 / 100 - 1
    # bert is not in slow.json: its baseline is the first result that has it, named
    bert = {r["result"]: r for r in cmp["rows"] if r["workload"] == "bert"}
    assert bert["extra.json"]["verdict"] == "baseline"
    assert bert["bert.json"]["baseline_result"] == "extra.json"
    bert_line = next(
        line for line in text.splitlines() if line.startswith("bert ") and "bert.json" in line
    )
    assert bert_line.rstrip().endswith("SLOW -20.0% (vs extra.json)")  # 40 / 50 - 1


def test_compare_payback_and_tco_come_from_econ_procurement():
    sc = flat_scenario()
    doc = _gpu_suite(sc)
    cmp = compare_results([doc], scenario=sc)
    rows = {r["workload"]: r for r in cmp["rows"]}
    # capex: the catalog card price plus the host's share of the server (board power)
    capex = find_card("NVIDIA H200").price_usd.value + SXM_HOST_CAPEX_USD
    # llm-decode at 2400 tok/s, 600 W board, sold a fraction f of the hours:
    # gross 2400 * 86400 * price per token * f; electricity (600 + 575) W at the wall * 24 h *
    # PUE 1.5 * 0.10 USD/kWh * f
    sold = sc.value("ai_sold_fraction")
    usd_per_token = sc.token_usd_per_million["llama-8b"].price.value / 1e6
    wall_kw = (600.0 + SXM_HOST_W) / 1000
    net = 2400 * 86400 * usd_per_token * sold - wall_kw * 24 * 1.5 * 0.10 * sold
    tco = capex + wall_kw * 1.5 * 0.10 * 24 * 365.25 * 3 * sold
    llm = rows["llm-decode"]["per_usd"]
    assert llm["capex_usd"] == capex
    assert llm["units_per_s_per_usd"] == pytest.approx(2400 / capex, rel=1e-12)
    assert llm["tco_usd"] == pytest.approx(tco, rel=1e-12)
    assert llm["net_usd_per_year_per_usd"] == pytest.approx(net * 365.25 / capex, rel=1e-12)
    # at this net the capex is not repaid within the 3 years of the TCO
    assert capex / (net * 365.25 / 12) > 36 and llm["payback_months"] is None
    assert rows["sha256d"]["per_usd"]["payback_months"] is None
    assert rows["gemm"]["per_usd"]["no_revenue"].startswith("unpriced")
    # without revenue figures only the throughput per card dollar: 7e14 FLOP/s / card price
    card_price = find_card("NVIDIA H200").price_usd.value
    assert rows["gemm"]["per_usd"]["units_per_s_per_usd"] == 7.0e14 / card_price
    text = format_comparison(cmp)
    lines = {line.split()[0]: line for line in text.splitlines()[3:] if line.strip()}
    assert "never (net -" in lines["sha256d"]  # loses money after electricity
    assert "> 3 years" in lines["llm-decode"]  # earns, but not the capex back in 3 years
    assert "never" not in lines["gemm"] and "n/a (unpriced)" in lines["gemm"]
    assert f"{tco:,.0f}" in lines["llm-decode"]
    assert "per-token" in lines["llm-decode"] and "gpu-hour" in lines["resnet50"]


# --- the command line on both schema versions ---------------------------------------------


def test_report_cli_reads_a_v1_and_a_v2_file(run_cli, tmp_path):
    rates = _raw_windows(VM_CPU)
    res = run_cli("report", VM_CPU)  # the committed reference result, schema v1
    assert res.exit_code == 0, res.stderr
    lines = {line.split()[2]: line for line in res.stdout.splitlines() if " @ cpu " in line}
    units = {"sha256d": (1e6, "MH/s"), "gemm": (1e9, "GFLOP/s"), "bert": (1.0, "seq/s")}
    for name, (scale, unit) in units.items():
        median = statistics.median(rates[name])
        rel = (max(rates[name]) - min(rates[name])) / median
        assert f"{median / scale:.3g} {unit} range {100 * rel:.1f}%" in lines[name]
        assert "unmeasured" in lines[name] and " 0 " not in lines[name]
    # every workload gave the same energy warning: listed once, naming all six
    assert res.stdout.count("energy unmeasured: no powercap interface") == 1
    assert f"warning: {', '.join(f'{n} @ cpu' for n in rates)}: energy unmeasured" in res.stdout
    res = run_cli("report", GOLDEN_V2)  # schema v2: a partial run says which workload failed
    assert res.exit_code == 0, res.stderr
    assert "status: partial" in res.stdout
    assert "failed: resnet50 on cuda:0: CUDA out of memory" in res.stdout
    assert "35 tok/s range n/a (1 window)" in res.stdout  # one window: no range, not 0 %


def test_report_cli_writes_the_html_of_a_v1_file(run_cli, tmp_path):
    out = tmp_path / "vm.html"
    res = run_cli("report", VM_CPU, "--html", out)
    assert res.exit_code == 0, res.stderr
    svgs = _svgs(out.read_text())
    assert len(svgs) == 1 + len(_raw_windows(VM_CPU))
    assert "Schema version 2 (upgraded on read from version 1)" in out.read_text()
    # the page's first lines say when the market figures it prices with were taken
    assert "scenario late-2025 (market figures as of 2025-11)." in out.read_text()


def test_compare_cli_reads_v1_against_v2(run_cli):
    res = run_cli("compare", GOLDEN_V1, GOLDEN_V2)
    assert res.exit_code == 0, res.stderr
    assert "notice: results differ in schema version" in res.stdout
    # the same measurements in both files (7.3 GH/s and 2400 tok/s): SAME, +0.0 %
    same = "SAME: sha256d on NVIDIA H200 (result-v2.json) vs NVIDIA H200 (result-v1.json)"
    assert f"{same}: throughput +0.0%" in res.stdout
    assert "SAME: llm-decode on NVIDIA H200 (result-v2.json)" in res.stdout


def test_report_without_matplotlib_says_why_it_has_no_plots(monkeypatch):
    import sys

    import bench.report

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "bench.report.plots", raising=False)
    monkeypatch.delattr(bench.report, "plots", raising=False)
    page = render_html(load_result(VM_CPU))
    assert "Plots omitted" in page and "matplotlib" in page and "<svg" not in page
    median = statistics.median(_raw_windows(VM_CPU)["sha256d"])
    assert f"{median / 1e6:.3g} MH/s" in page  # the table is still there


def test_html_of_a_workload_that_did_no_work_notes_it_instead_of_dividing_by_zero():
    stalled = entry("bert", "sequence", "ai", 0.0, None, device=CPU)  # 0 units in every window
    moving = entry("sha256d", "hash", "mining", 2.0e7, None, device=CPU)
    doc = results.build_result(gpu_doc()["environment"], SCENARIO, [stalled, moving])
    page = html.unescape(render_html(typed(doc)))
    svgs = _svgs(page)
    assert "Not in the spread plot (no windows, or a median of 0): bert @ cpu." in page
    assert "bert @ cpu" not in _texts(svgs["Spread of the measured windows"])
    assert "median 0 seq/s" in _texts(svgs["Throughput over time: bert @ cpu"])


def test_many_windows_are_drawn_as_columns_and_a_box_not_one_artist_each():
    e = entry("sha256d", "hash", "mining", 2.0e7, None, device=CPU)
    # 1,000 windows of 0.5 s alternating 1.9e7 and 2.1e7 H/s
    e["windows"] = [
        {
            "elapsed_s": 0.5,
            "units": (1.9e7 if i % 2 else 2.1e7) * 0.5,
            "energy_j": None,
            "energy_source": "unmeasured",
            "t_begin_s": 1.0 + 0.5 * i,
            "t_end_s": 1.5 + 0.5 * i,
        }
        for i in range(1000)
    ]
    doc = results.build_result(gpu_doc()["environment"], SCENARIO, [e])
    svgs = _svgs(render_html(typed(doc)))
    time_plot = svgs["Throughput over time: sha256d @ cpu"]
    # 400 columns at most: ceil(1000 / 400) = 3 consecutive windows per column
    assert "min-max of 3 consecutive windows (1000 windows)" in _texts(time_plot)
    assert time_plot.count("<path") < 100  # a handful of artists, not one per window
    spread = svgs["Spread of the measured windows"]
    assert spread.count("<path") < 100
    # (2.1e7 - 1.9e7) / median 2.0e7 = 10 %
    assert any(t.startswith("n=1000, range 10.0%") for t in _texts(spread))


def test_devices_of_one_card_model_are_plotted_as_a_spread_with_their_fleet_labels():
    rates = [7.0e9, 7.2e9, 7.3e9, 7.4e9]
    entries = []
    for rank, rate in enumerate(rates):
        device = {**H200, "id": "cuda:0", "extra": {"fleet_label": f"node{rank // 2} rank {rank}"}}
        entries.append(entry("sha256d", "hash", "mining", rate, 650.0, 5e-12, device))
    doc = results.build_result(gpu_doc()["environment"], SCENARIO, entries)
    page = html.unescape(render_html(typed(doc)))
    svgs = _svgs(page)
    # the four ranks' cuda:0 rows are told apart by node and rank
    assert "Throughput over time: sha256d @ cuda:0 [node1 rank 3]" in svgs
    rate_texts = _texts(svgs["Spread across devices: throughput"])
    # (7.4 - 7.0) / median 7.25 = 5.52 %
    assert "n=4, range 5.5%" in rate_texts and "sha256d on NVIDIA H200" in rate_texts
    assert "cuda:0 [node0 rank 0]" in rate_texts  # 7.0 GH/s, -3.4 %: the farthest is named
    joules = [650.0 / r for r in rates]
    rel = (max(joules) - min(joules)) / statistics.median(joules)
    assert f"n=4, range {100 * rel:.1f}%" in _texts(svgs["Spread across devices: energy per unit"])


def test_one_device_per_card_model_has_no_device_section():
    page = render_html(typed(gpu_doc()))
    assert "Spread across devices" not in page and "<h2>Devices</h2>" not in page


def test_a_fleet_report_totals_node_energy_once(run_cli, tmp_path):
    from bench.fleet import Rank

    cpu = {"id": "cpu", "kind": "cpu", "name": "Test CPU", "energy_source": "rapl"}
    # (rank, local rank, node, hashes/s, package W or None): rank 1 reads node a's energy again,
    # rank 3 leaves node b's to its local rank 0
    layout = [(0, 0, "a", 2.0e7, 150.0), (1, 1, "a", 1.9e7, 150.0), (2, 0, "b", 2.1e7, 140.0),
              (3, 1, "b", 2.0e7, None)]  # fmt: skip
    for rank, local, node, rate, watts in layout:
        mining = entry("sha256d", "hash", "mining", rate, watts, usd_per_j=5e-12, device=cpu)
        doc = results.build_result(gpu_doc()["environment"], SCENARIO, [mining])
        doc["rank"] = Rank(rank, local, 4, node, "77", "slurm").to_dict()
        results.write_result(doc, tmp_path / "ranks", Rank.from_dict(doc["rank"]).file_name())
    fleet = tmp_path / "fleet.json"
    assert run_cli("merge", tmp_path / "ranks", "--out", fleet).exit_code == 0
    res = run_cli("report", fleet)
    assert res.exit_code == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.startswith("fleet total (4 ranks)"))
    # 2.0 + 1.9 + 2.1 + 2.0 = 8.0e7 H/s; node a 150 W once, node b 140 W: 290 W
    assert "80 MH/s" in line and " 290 " in line
    assert f"{290 / 8.0e7 * 1e12:,.0f} J/TH" in line
    assert "sha256d @ cpu [b rank 3]" in res.stdout  # each rank's row says which it is


def _dots(svg: str, key: str) -> list[tuple[float, float]]:
    """The (x, y) of each dot drawn in a card strip's dot group (one <use> per marker)."""
    group = re.search(rf'id="[^"]*card-dots-{key}">(.*?)</g>', svg, flags=re.S)
    assert group is not None, f"no {key} dots"
    marks = re.findall(r'<use [^>]*x="([-\d.]+)" y="([-\d.]+)"', group.group(1))
    return [(float(x), float(y)) for x, y in marks]


def test_a_merged_fleet_shows_each_cards_figures_as_a_strip_per_workload(run_cli, tmp_path):
    from tests.test_fleet_merge import LAYOUT, write_ranks

    # 4 ranks, 2 nodes: llm-decode on 4 H200s (energy measured); sha256d on the CPUs with the
    # node energy read by rank 0 only (ranks 1-3 unmeasured): throughput only, and why
    layout = [(*row[:7], row[7] if row[0] == 0 else None) for row in LAYOUT]
    write_ranks(tmp_path / "ranks", layout)
    fleet, page_path = tmp_path / "fleet.json", tmp_path / "fleet.html"
    assert run_cli("merge", tmp_path / "ranks", "--out", fleet).exit_code == 0
    res = run_cli("report", fleet, "--html", page_path)
    assert res.exit_code == 0, res.stderr
    page = html.unescape(page_path.read_text())
    svgs = _svgs(page)
    decode = svgs["Cards: llm-decode on NVIDIA H200"]
    # by hand: J/token = W / (token/s) of each rank; throughput as laid out
    joules = [600.0 / 2400.0, 620.0 / 2300.0, 590.0 / 2500.0, 640.0 / 1800.0]
    rates = [2400.0, 2300.0, 2500.0, 1800.0]
    for key, values in (("j_per_unit", joules), ("units_per_s", rates)):
        xs = [x for x, _ in _dots(decode, key)]
        assert len(xs) == 4  # one dot per card
        # the dots sit where the values are: x is linear in the value on each strip
        for i in (2, 3):
            ratio = (values[i] - values[0]) / (values[1] - values[0])
            assert (xs[i] - xs[0]) / (xs[1] - xs[0]) == pytest.approx(ratio, rel=1e-4, abs=0)
    texts = _texts(decode)
    mid_j, mid_rate = statistics.median(joules), statistics.median(rates)
    assert mid_rate == (2300.0 + 2400.0) / 2  # 2.35 ktok/s
    assert f"median {mid_j:.3g} J/tok" in texts and "median 2.35 ktok/s" in texts
    rel_j = 100.0 * (joules[3] / mid_j - 1.0)  # rank 3 on node b: the farthest from the median
    assert f"cuda:1 [b rank 3]: {joules[3]:.3g} J/tok, {rel_j:+.1f}% from the median" in texts
    rel_rate = 100.0 * (1800.0 / mid_rate - 1.0)  # -23.4 %
    assert f"cuda:1 [b rank 3]: 1.8 ktok/s, {rel_rate:+.1f}% from the median" in texts
    mining = svgs["Cards: sha256d on Test CPU"]
    assert len(_dots(mining, "units_per_s")) == 4 and "card-dots-j_per_unit" not in mining
    note = (
        "sha256d on Test CPU: energy per unit unmeasured on 3 of 4 cards (cpu [a rank 1], "
        f"cpu [b rank 2], cpu [b rank 3]: {RAPL_REASON}); throughput only."
    )
    assert note in page


def test_prices_stored_by_an_earlier_pricing_are_flagged_until_re_priced(run_cli):
    # the v2 golden file was priced before mining uptime and the AI sold fraction were applied
    # each to its own family (its llm-decode net assumes the card sold all day)
    shown = run_cli("report", GOLDEN_V2)
    assert shown.exit_code == 0, shown.stderr
    notice = next(x for x in shown.stdout.splitlines() if "earlier joulebench's pricing" in x)
    assert notice.startswith("warning: sha256d @ cuda:0, llm-decode @ cuda:0, llm-decode @ cpu:")
    repriced = run_cli("report", GOLDEN_V2, "--scenario", "late-2025")
    assert repriced.exit_code == 0 and "earlier joulebench's pricing" not in repriced.stdout
    # what today's pricing writes is not flagged
    fresh = reprice(load_result(GOLDEN_V2), "late-2025")
    assert all("running_fraction" in e.economics.data for e in fresh.workloads)


def test_the_page_shows_how_each_workload_was_measured_and_each_figures_kind():
    page = render_html(load_result(GOLDEN_V2))
    details = page[page.index("<h3>Measurement details</h3>") :]
    details = details[: details.index("</table>")]
    cells_of = [re.findall(r"<td>(.*?)</td>", row) for row in details.split("<tr>")[2:]]
    gpu = next(c for c in cells_of if c[0] == "sha256d @ cuda:0")
    # idle 80 W from the counter, 3 windows at 1,980 MHz, 61 C, the 700 W limit, none throttled
    assert gpu[1:8] == [
        "80 (nvml-counter)", "2.1 s, settled", "3, stopped by spread", "1,980", "61", "700",
        "0 of 3",
    ]  # fmt: skip
    decode = next(c for c in cells_of if c[0] == "llm-decode @ cuda:0")
    assert decode[9] == "61.0%"  # MBU 0.61 as stored
    assert "<th>kind</th>" in page and "kinds: V read in a primary" in page


def test_dollar_signs_in_names_are_text_not_tex(tmp_path):
    # a "$...$" pair in data would be parsed as TeX by matplotlib; "\frac{" alone fails to parse
    doc = json.loads(GOLDEN_V2.read_text())
    doc["scenario"]["name"] = "cheap $\\frac{$ power"
    doc["workloads"][0]["device"]["name"] = "H200 $\\frac{$"
    page = render_html(Result.from_dict(doc))
    assert "Plots omitted" not in page
    assert "priced under scenario cheap $\\frac{$ power" in page  # drawn as it is written


def test_compare_says_why_energy_is_unmeasured_in_text_and_json():
    cmp = compare_results([cpu_doc(), gpu_doc()])
    cpu_rows = [r for r in cmp["rows"] if r["device"] == "cpu"]
    assert cpu_rows and all(r["measured"]["energy_unmeasured"] == RAPL_REASON for r in cpu_rows)
    gpu_rows = [r for r in cmp["rows"] if r["device"] == "cuda:0"]
    assert all("energy_unmeasured" not in r["measured"] for r in gpu_rows)
    lines = format_comparison(cmp).splitlines()
    (line,) = [x for x in lines if x.startswith("energy unmeasured: ")]
    assert line.endswith(f": {RAPL_REASON}") and "sha256d on Test CPU" in line

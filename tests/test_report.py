"""Reports: unmeasured is never 0, the pivot ratio, HTML, compare and re-pricing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from result_fixtures import CPU, RAPL_REASON, SCENARIO, cpu_doc, entry, gpu_doc

from bench import result as results
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
    # the fixture's windows span (max - min) / median = 2 % of the rate and 1 % of the power
    assert cells["throughput"] == "7.3 GH/s range 2.0%"
    assert cells["power W"] == "650 range 1.0%"
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
            "mining",
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
    monkeypatch.setattr(results.document, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(results.document, "_UPGRADES", {1: lambda doc: doc})
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


# --- price basis, footing, range, baseline (review fixes) --------------------------------

CPU_RAPL = {"id": "cpu", "kind": "cpu", "name": "Test CPU", "energy_source": "rapl"}


def flat_scenario():
    """late-2025 with 0.10 USD/kWh, PUE 1.5, uptime 1 and no host overhead."""
    return load_scenario(
        "late-2025", electricity_usd_kwh=0.10, pue=1.5, uptime=1.0, host_overhead_fraction=0.0
    )


def _btc_usd_per_hash(sc) -> float:
    """USD one hash earns, by hand: fees are a share s of the reward, so fees = S * s / (1 - s)."""
    subsidy, share = sc.value("subsidy_btc"), sc.value("fees_share_of_rewards")
    reward = subsidy + subsidy * share / (1 - share)
    return reward * (1 - sc.value("pool_fee")) / (sc.value("difficulty") * 2**32) * sc.btc_price_usd


def _priced(entries: list[dict], sc) -> dict:
    for e in entries:
        e["economics"], e["asic_references"] = price_entry(e, sc)
    return results.build_result(gpu_doc()["environment"], sc.to_dict(), entries)


def test_cpu_energy_is_priced_on_the_package_footing_without_gpu_host_overhead():
    sc = load_scenario("late-2025")  # host overhead 0.82, measured around GPUs
    cpu = entry("sha256d", "hash", "mining", 2.0e7, 65.0, device=CPU_RAPL)
    gpu = entry("sha256d", "hash", "mining", 7.3e9, 650.0)
    doc = _priced([cpu, gpu], sc)
    results.validate(doc)  # the schema knows the package footing
    econ_cpu, econ_gpu = cpu["economics"], gpu["economics"]
    assert econ_cpu["footing"] == "package" and econ_cpu["wall_power_w"] == 65.0
    assert econ_gpu["footing"] == "board" and econ_gpu["wall_power_w"] == pytest.approx(650 * 1.82)
    # USD per kWh of package energy: USD per hash * 2e7 H/s / 65 W * 3.6e6 J/kWh
    usd_per_kwh = _btc_usd_per_hash(sc) * 2.0e7 / 65.0 * 3.6e6
    assert econ_cpu["usd_per_kwh"] == pytest.approx(usd_per_kwh, rel=1e-9)
    assert econ_cpu["usd_per_kwh_wall"] == pytest.approx(usd_per_kwh, rel=1e-9)
    cell = _cells(doc, "sha256d @ cpu")["USD/kWh (footing)"]
    assert cell == f"{usd_per_kwh:.4g} package"
    assert "package = CPU package + DRAM power (RAPL), no host overhead" in render_table(doc)


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
    # H200 at 4.1 USD/h, 80 % of hours sold in late-2025
    assert "resnet50 @ cuda:0: priced per GPU-hour (H200 at 4.1 USD/h, 80% of hours sold)" in text
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
    from bench.report import figures

    assert figures.pivot_ratio is bench.econ.pivot_ratio
    # priced documents carry wall figures: the pivot is the ratio of USD per wall joule
    doc = _gpu_suite(load_scenario("late-2025"))
    mining, llm = doc["workloads"][0]["economics"], doc["workloads"][1]["economics"]
    ratio = llm["usd_per_j_wall"] / mining["usd_per_j_wall"]
    assert pivot_ratios(doc["workloads"])[1] == pytest.approx(ratio)


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
    price = find_card("NVIDIA H200").price_usd.value  # 35,000 USD, catalog
    # llm-decode: 2400 tok/s * 86400 s * 0.065 USD/M = 13.4784 USD/day; 0.6 kW * 24 h * 1.5 *
    # 0.10 USD/kWh = 2.16 USD/day of electricity; net 11.3184 USD/day
    net = 2400 * 86400 * 0.065 / 1e6 - 0.6 * 24 * 1.5 * 0.10
    llm = rows["llm-decode"]["per_usd"]
    assert llm["payback_months"] == pytest.approx(price / (net * 365.25 / 12))
    assert llm["tco_usd"] == pytest.approx(price + 0.6 * 1.5 * 0.10 * 24 * 365.25 * 3)
    assert llm["net_usd_per_year_per_usd"] == pytest.approx(net * 365.25 / price)
    assert rows["sha256d"]["per_usd"]["payback_months"] is None
    assert rows["gemm"]["per_usd"]["no_revenue"].startswith("unpriced")
    text = format_comparison(cmp)
    lines = {line.split()[0]: line for line in text.splitlines()[3:] if line.strip()}
    assert "never (net -" in lines["sha256d"]  # loses money after electricity
    assert "never" not in lines["gemm"] and "n/a (unpriced)" in lines["gemm"]
    assert f"{price + 0.6 * 1.5 * 0.10 * 24 * 365.25 * 3:,.0f}" in lines["llm-decode"]
    assert "per-token" in lines["llm-decode"] and "gpu-hour" in lines["resnet50"]

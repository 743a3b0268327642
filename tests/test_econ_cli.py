"""`joulebench econ ...`: JSON keys, human output, and the bad-input contract."""

from __future__ import annotations

import json

import pytest
from conftest import assert_bad_input

WORKED = [
    "--btc-price", "100000", "--difficulty", "150e12", "--subsidy-btc", "3.125",
    "--fees-share", "0.006", "--pool-fee", "0", "--pue", "1", "--uptime", "1",
]  # fmt: skip
MINING_KEYS = {
    "btc_per_day", "usd_per_day", "usd_per_j", "usd_per_kwh", "hashprice_usd_per_ph_day",
    "hashprice_usd_per_th_day", "hashprice_usd_per_eh_day", "net_usd_per_day",
    "breakeven_usd_per_kwh", "breakeven_btc_price_usd", "electricity_usd_per_day", "footing",
    "wall_power_w", "usd_per_j_wall", "asics", "scenario",
}  # fmt: skip
AI_KEYS = {
    "usd_per_day", "usd_per_j", "usd_per_kwh", "net_usd_per_day", "price_basis", "footing",
    "utilisation", "electricity_usd_per_day", "scenario",
}  # fmt: skip


def test_econ_mining_json_worked_example(run_cli):
    # S21 XP from bitcoin.md: 270 TH/s, 3645 W at the wall: 11.38 USD/day, 0.130 USD/kWh
    res = run_cli(
        "econ", "mining", "--hashrate-hs", "270e12", "--power-w", "3645", "--footing", "wall",
        *WORKED, "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert MINING_KEYS <= set(doc)
    assert doc["usd_per_day"] == pytest.approx(11.38, rel=1e-3)
    assert doc["usd_per_kwh"] == pytest.approx(0.130, rel=2e-3)
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(42.16, rel=1e-3)
    assert doc["footing"] == "wall"
    assert doc["scenario"]["name"] == "late-2025" and doc["scenario"]["date"]
    assert "btc_price_usd" in doc["scenario"]["overridden"]


def test_econ_mining_hashprice_and_block_height_flags(run_cli):
    res = run_cli(
        "econ", "mining", "--hashrate-hs", "1e15", "--power-w", "20000", "--btc-price", "100000",
        "--hashprice-usd-ph-day", "50", "--block-height", "1050000", "--pool-fee", "0", "--json",
    )  # fmt: skip
    doc = json.loads(res.stdout)
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(50.0)
    assert doc["usd_per_day"] == pytest.approx(50.0)  # 1 PH/s at 50 USD/PH/day, no pool fee
    assert doc["scenario"]["figures"]["subsidy_btc"]["value"] == 1.5625


def test_econ_mining_text(run_cli):
    res = run_cli("econ", "mining", "--hashrate-hs", "7e9", "--power-w", "700")
    assert res.exit_code == 0, res.stderr
    assert "board" in res.stdout and "Antminer S21 XP" in res.stdout
    assert "late-2025" in res.stdout and "break-even" in res.stdout


def test_econ_mining_terawulf(run_cli):
    res = run_cli(
        "econ", "mining", "--hashrate-hs", "1e15", "--power-w", "15000", "--footing", "wall",
        "--scenario", "terawulf-q3-2025", "--json",
    )  # fmt: skip
    doc = json.loads(res.stdout)
    # 1 PH/s at the quarter's hashprice, no pool fee in this preset: 1e15 * 86400 *
    # (3.125 / 0.994) * 115066 / (130.3e12 * 2**32) = 55.850 USD per running day; at 70 % uptime
    running = 1e15 * 86400 * (3.125 / 0.994) * 115066 / (130.3e12 * 2**32)
    assert doc["usd_per_day_running"] == pytest.approx(running, rel=1e-12)
    assert doc["usd_per_day"] == pytest.approx(running * 0.7, rel=1e-12)
    assert doc["uptime"] == 0.7 and doc["electricity_usd_kwh"] == 0.047


def test_econ_ai_json(run_cli):
    # 1000 tokens/s at 0.20 USD per million: 17.28 USD/day; 500 W at the wall: 1.44 USD/kWh
    res = run_cli(
        "econ", "ai", "--units-per-s", "1000", "--power-w", "500", "--footing", "wall",
        "--usd-per-million-units", "0.20", "--electricity-usd-kwh", "0.1", "--pue", "1",
        "--utilisation", "1", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert AI_KEYS <= set(doc)
    assert doc["usd_per_day"] == pytest.approx(17.28)
    assert doc["usd_per_kwh"] == pytest.approx(1.44)
    assert doc["net_usd_per_day"] == pytest.approx(16.08)


def test_econ_ai_gpu_hour_with_pivot(run_cli):
    res = run_cli(
        "econ", "ai", "--units-per-s", "3913", "--power-w", "700", "--usd-per-hour", "4.1",
        "--utilisation", "0.5", "--mining-hashrate-hs", "7e9", "--json",
    )  # fmt: skip
    doc = json.loads(res.stdout)
    assert doc["price_basis"] == "gpu-hour"
    assert doc["usd_per_day"] == pytest.approx(4.1 * 24 * 0.5)
    assert doc["pivot"]["ratio"] > 1e4  # AI earns far more per joule than GPU mining
    text = run_cli("econ", "ai", "--units-per-s", "3913", "--power-w", "700", "--usd-per-hour", "4")
    assert text.exit_code == 0 and "gpu-hour" in text.stdout


def test_econ_scenarios(run_cli):
    res = run_cli("econ", "scenarios", "--json")
    doc = json.loads(res.stdout)
    names = {s["name"]: s for s in doc["scenarios"]}
    assert {"late-2025", "terawulf-q3-2025"} <= set(names)
    assert names["terawulf-q3-2025"]["date"]
    text = run_cli("econ", "scenarios")
    assert "terawulf-q3-2025" in text.stdout and "2025-11" in text.stdout


MINING = ["econ", "mining", "--hashrate-hs", "7e9", "--power-w", "700"]
AI = ["econ", "ai", "--units-per-s", "1000", "--power-w", "500"]


@pytest.mark.parametrize(
    "args",
    [
        [*MINING, "--btc-price", "0"],
        [*MINING, "--btc-price", "-100000"],
        [*MINING, "--difficulty", "0"],
        [*MINING, "--difficulty", "-1"],
        [*MINING, "--hashprice-usd-ph-day", "0"],
        [*MINING, "--pool-fee", "1"],
        [*MINING, "--pool-fee", "1.5"],
        [*MINING, "--uptime", "0"],
        [*MINING, "--uptime", "1.2"],
        [*MINING, "--pue", "0.5"],
        [*MINING, "--electricity-usd-kwh", "-0.1"],
        [*MINING, "--difficulty", "150e12", "--hashprice-usd-ph-day", "40"],
        [*MINING, "--scenario", "no-such-scenario"],
        [*MINING, "--footing", "socket"],
        [*MINING, "--btc-price", "lots"],
        ["econ", "mining", "--hashrate-hs", "7e9", "--power-w", "0"],
        ["econ", "mining", "--hashrate-hs", "7e9", "--power-w", "-700"],
        ["econ", "mining", "--hashrate-hs", "0", "--power-w", "700"],
        ["econ", "mining", "--power-w", "700"],
        [*AI],
        [*AI, "--usd-per-million-units", "0.2", "--usd-per-hour", "2"],
        [*AI, "--usd-per-million-units", "0"],
        [*AI, "--usd-per-hour", "-2"],
        [*AI, "--usd-per-hour", "2", "--utilisation", "1.5"],
        ["econ", "ai", "--units-per-s", "1000", "--power-w", "0", "--usd-per-hour", "2"],
        [*AI, "--usd-per-hour", "2", "--scenario", "nope"],
    ],
)
def test_econ_bad_input(run_cli, args):
    assert_bad_input(run_cli(*args))


def test_econ_malformed_scenario_file(run_cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("btc_price_usd = [1, 2\n[[[")
    assert_bad_input(run_cli(*MINING, "--scenario", str(bad)))
    neg = tmp_path / "neg.toml"
    neg.write_text('base = "late-2025"\nbtc_price_usd = -5\n')
    assert_bad_input(run_cli(*MINING, "--scenario", str(neg)))
    missing = tmp_path / "missing.toml"
    missing.write_text("btc_price_usd = 5\n")
    assert_bad_input(run_cli(*MINING, "--scenario", str(missing)))


def test_econ_host_overhead_flag(run_cli):
    # 700 W board + 700 W host given = 1400 W at the wall
    res = run_cli(*MINING, "--host-overhead-w", "700", "--json")
    doc = json.loads(res.stdout)
    assert doc["footing"] == "board" and doc["wall_power_w"] == pytest.approx(1400)
    assert doc["usd_per_j_wall"] == pytest.approx(doc["usd_per_j"] / 2)


def test_econ_asics_and_cards(run_cli):
    doc = json.loads(run_cli("econ", "asics", "--json").stdout)
    names = {a["name"] for a in doc["asics"]}
    assert {"Antminer S19 XP", "Antminer S21", "Antminer S21 XP", "Whatsminer M60S"} <= names
    assert all(a["footing"] == "wall" for a in doc["asics"])
    cards = json.loads(run_cli("econ", "cards", "--json").stdout)["cards"]
    assert all(c["source_kind"] == "catalog" for c in cards)
    assert "H200 SXM" in run_cli("econ", "cards").stdout
    assert_bad_input(run_cli("econ", "asics", "--scenario", "nope"))


def test_econ_asics_takes_scenario_overrides(run_cli):
    # the S21 XP of bitcoin.md's worked example: 11.38 USD/day at 100,000 USD per BTC
    doc = json.loads(run_cli("econ", "asics", *WORKED, "--json").stdout)
    s21xp = next(a for a in doc["asics"] if a["name"] == "Antminer S21 XP")
    assert s21xp["usd_per_day"] == pytest.approx(11.38, rel=1e-3)
    assert "btc_price_usd" in doc["scenario"]["overridden"]
    half = json.loads(run_cli("econ", "asics", *WORKED, "--btc-price", "50000", "--json").stdout)
    s21xp_half = next(a for a in half["asics"] if a["name"] == "Antminer S21 XP")
    assert s21xp_half["usd_per_day"] == pytest.approx(11.38 / 2, rel=1e-3)
    assert_bad_input(run_cli("econ", "asics", "--btc-price", "-1"))


TCO = [
    "econ", "tco", "--capex-usd", "10000", "--power-w", "500", "--footing", "wall",
    "--electricity-usd-kwh", "0.10", "--pue", "1.5", "--uptime", "1", "--years", "3",
]  # fmt: skip


def test_econ_tco_given_revenue_hand_worked(run_cli):
    # 50 USD per running day at 50 % busy; 0.5 kW * 1.5 * 8766 h * 0.5 * 0.10 = 328.725 USD/year;
    # TCO 10,000 + 3 * 328.725 = 10,986.175; net 25 - 0.90 = 24.10 USD/day;
    # payback 10,000 / (24.10 * 30.4375) = 13.633 months
    res = run_cli(*TCO, "--usd-per-day", "50", "--utilisation", "0.5", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["capex_source"] == {"source_kind": "given"}
    assert doc["revenue"]["basis"] == "given"
    assert doc["tco"]["tco_usd"] == pytest.approx(10_986.175)
    assert doc["revenue"]["net_usd_per_day"] == pytest.approx(24.10)
    assert doc["payback_months"] == pytest.approx(13.633, rel=1e-4)
    assert doc["scenario"]["name"] == "late-2025"
    text = run_cli(*TCO, "--usd-per-day", "50", "--utilisation", "0.5").stdout
    assert "13.63 months" in text and "10,986 USD" in text


def test_econ_tco_from_the_catalog_price_mining_never_pays_back(run_cli):
    res = run_cli(
        "econ", "tco", "--card", "H200 SXM", "--power-w", "700", "--hashrate-hs", "7e9", "--json"
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    # board power: the card's 35,000 USD plus its SXM server's host share, 15,000 USD per GPU
    assert doc["capex_usd"] == 50_000 and doc["capex_source"]["source_kind"] == "catalog"
    assert doc["revenue"]["basis"] == "mining"
    assert doc["payback_months"] is None and "never repays" in doc["payback_never"]
    assert doc["per_usd"]["hashes_per_s_per_usd"] == pytest.approx(7e9 / 50_000)
    text = run_cli("econ", "tco", "--card", "H200 SXM", "--power-w", "700", "--hashrate-hs", "7e9")
    assert "never (net" in text.stdout


def test_econ_tco_ai_revenue(run_cli):
    # 1000 tokens/s at 0.20 USD per million = 17.28 USD/day (test_econ_ai_json)
    res = run_cli(
        *TCO, "--units-per-s", "1000", "--usd-per-million-units", "0.20", "--utilisation", "1",
        "--json",
    )  # fmt: skip
    doc = json.loads(res.stdout)
    assert doc["revenue"]["basis"] == "per-unit"
    assert doc["revenue"]["usd_per_day"] == pytest.approx(17.28)
    assert doc["gross_usd_per_year_per_capex_usd"] == pytest.approx(17.28 * 365.25 / 10_000)


@pytest.mark.parametrize(
    "args",
    [
        ["econ", "tco", "--power-w", "500", "--usd-per-day", "5"],  # no capex, no card
        [*TCO],  # no revenue
        [*TCO, "--usd-per-day", "5", "--hashrate-hs", "1e9"],  # two revenues
        [*TCO, "--units-per-s", "1000"],  # no price for the units
        [*TCO, "--hashrate-hs", "1e9", "--utilisation", "0.5"],  # mining runs at the uptime
        [*TCO, "--usd-per-day", "-5"],
        [*TCO, "--usd-per-day", "5", "--years", "0"],
        ["econ", "tco", "--card", "no-such-card", "--power-w", "500", "--usd-per-day", "5"],
        ["econ", "tco", "--card", "H100 PCIe", "--power-w", "350", "--usd-per-day", "5"],
    ],
)
def test_econ_tco_bad_input(run_cli, args):
    assert_bad_input(run_cli(*args))


@pytest.mark.parametrize(
    "args",
    [
        ("econ", "cards"),
        ("econ", "mining", "--hashrate-hs", "7.3e9", "--power-w", "650"),
        ("econ", "ai", "--units-per-s", "3000", "--power-w", "700", "--usd-per-hour", "4"),
    ],
)
def test_every_output_showing_figure_kinds_says_what_they_mean(run_cli, args):
    res = run_cli(*args)
    assert res.exit_code == 0, res.stderr
    assert "kinds: V read in a primary or near-primary source, S secondary source, E estimate" in (
        " ".join(res.stdout.split())
    )


def test_the_host_watts_added_for_wall_figures_are_said_to_be_an_estimate(run_cli):
    res = run_cli("econ", "mining", "--hashrate-hs", "7.3e9", "--power-w", "650")
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "wall power adds the host: an estimate (kind E" in text and "575 W per GPU" in text
    given = run_cli(
        "econ", "mining", "--hashrate-hs", "7.3e9", "--power-w", "650", "--host-overhead-w", "300"
    )
    assert "an estimate (kind E" not in " ".join(given.stdout.split())  # given, not estimated


def test_a_card_name_that_is_not_in_the_catalog_suggests_the_ones_it_may_mean(run_cli):
    res = run_cli("econ", "tco", "--card", "H100", "--power-w", "700", "--usd-per-day", "5")
    assert_bad_input(res)
    assert "did you mean H100 SXM, H100 PCIe, H100 NVL?" in res.stderr
    res = run_cli("econ", "tco", "--card", "zzz", "--power-w", "700", "--usd-per-day", "5")
    assert_bad_input(res)
    assert "did you mean" not in res.stderr

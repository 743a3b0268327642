"""The mining-to-AI story told truthfully: curtailment is mining's, the pivot on wall power while
busy, gross and net at the same share of the time, every override and the hashprice shown."""

from __future__ import annotations

import json

import pytest

TERAWULF_AI = [
    "econ", "ai", "--units-per-s", "9806", "--power-w", "688", "--usd-per-million-units",
    "0.065", "--utilisation", "1", "--scenario", "terawulf-q3-2025",
]  # fmt: skip

# terawulf-q3-2025's own figures (bench/data/scenarios/terawulf-q3-2025.toml, late-2025 base):
ELECTRICITY_USD_KWH = 0.047
PUE = 1.0  # inherited from late-2025
SXM_HOST_W = 575.0  # default platform sxm-server (bench/data/hardware.toml)
DIFFICULTY = 130.3e12
BTC_USD = 115_066.0
REWARD_BTC = 3.125 / (1 - 0.006)  # subsidy plus fees at 0.6 % of rewards


def test_terawulf_ai_net_is_not_charged_the_mining_curtailment(run_cli):
    res = run_cli(*TERAWULF_AI, "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    # gross: 9806 tokens/s * 86400 s * 0.065 USD / 1e6 = 55.0705 USD/day, all of it sold
    gross = 9806 * 86400 * 0.065 / 1e6
    # wall power: 688 W board + 575 W host per GPU of an SXM server = 1263 W, all day:
    # 1.263 kW * 24 h * PUE 1.0 * 0.047 USD/kWh = 1.42466 USD/day
    electricity = (688 + SXM_HOST_W) / 1000 * 24 * PUE * ELECTRICITY_USD_KWH
    assert gross == pytest.approx(55.0705, abs=1e-4)
    assert electricity == pytest.approx(1.42466, abs=1e-5)
    assert doc["usd_per_day"] == pytest.approx(gross, rel=1e-12)
    assert doc["electricity_usd_per_day"] == pytest.approx(electricity, rel=1e-12)
    assert doc["net_usd_per_day"] == pytest.approx(gross - electricity, rel=1e-12)  # 53.646
    # the mining uptime (70 %) does not multiply AI revenue: 37.56 was that bug
    assert doc["net_usd_per_day"] > 53.6 and "uptime" not in doc
    assert doc["wall_power_w"] == 1263.0 and doc["platform"] == "sxm-server"


def test_gross_minus_electricity_is_net_on_screen(run_cli):
    text = run_cli(*TERAWULF_AI).stdout
    lines = [ln.strip() for ln in text.splitlines()]
    gross = next(ln for ln in lines if ln.startswith("gross USD per day"))
    elec = next(ln for ln in lines if ln.startswith("- electricity per day"))
    net = next(ln for ln in lines if ln.startswith("= net USD per day"))
    value = [float(ln.split()[-1].replace(",", "")) for ln in (gross, net)]
    elec_usd = float(elec.split(")")[1].split()[0])
    # 55.07 - 1.425 = 53.65, at the same share of the time (sold 100 %)
    assert (value[0], elec_usd, value[1]) == (55.07, 1.425, 53.65)
    assert all("sold 100% of the time" in ln for ln in (gross, elec, net))


def test_mining_gross_and_net_at_the_same_uptime(run_cli):
    # 1 PH/s at 15 kW (wall) under terawulf-q3-2025, uptime 0.70:
    # per running day 1e15 * 86400 * REWARD * 115066 / (130.3e12 * 2**32) = 55.850 USD;
    # gross at the uptime 39.095 USD; electricity 15 kW * 24 h * 0.70 * 0.047 = 11.844 USD;
    # net 27.251 USD
    doc = json.loads(
        run_cli(
            "econ", "mining", "--hashrate-hs", "1e15", "--power-w", "15000", "--footing", "wall",
            "--scenario", "terawulf-q3-2025", "--json",
        ).stdout
    )  # fmt: skip
    running = 1e15 * 86400 * REWARD_BTC * BTC_USD / (DIFFICULTY * 2**32)
    gross, elec = running * 0.70, 15 * 24 * 0.70 * ELECTRICITY_USD_KWH
    assert doc["usd_per_day"] == pytest.approx(gross, rel=1e-12)
    assert doc["electricity_usd_per_day"] == pytest.approx(elec, rel=1e-12)
    assert doc["net_usd_per_day"] == pytest.approx(gross - elec, rel=1e-12)
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(running, rel=1e-12)


def test_overrides_and_hashprice_are_shown(run_cli):
    text = run_cli(*TERAWULF_AI, "--electricity-usd-kwh", "0.05", "--pue", "1.2").stdout
    header = text.splitlines()[0]
    assert "electricity_usd_kwh = 0.05" in header and "pue = 1.2" in header
    assert "hashprice 55.85 USD/PH/day" in header


def test_pivot_against_another_machine_on_wall_power_while_busy(run_cli):
    # AI: 55.0705 USD/day over 1263 W at the wall: 55.0705 / (1263 * 86400) = 5.0466e-7 USD/J
    # an S21 XP at its own 3645 W (wall): 270e12 * 86400 * REWARD * 115066 / (130.3e12 * 2**32)
    # = 15.080 USD per running day / (3645 * 86400) = 4.7883e-8 USD/J; ratio 10.539
    res = run_cli(
        *TERAWULF_AI, "--mining-hashrate-hs", "270e12", "--mining-power-w", "3645", "--json"
    )
    pv = json.loads(res.stdout)["pivot"]
    ai_j = 9806 * 86400 * 0.065 / 1e6 / ((688 + SXM_HOST_W) * 86400)
    asic_j = 270e12 * 86400 * REWARD_BTC * BTC_USD / (DIFFICULTY * 2**32) / (3645 * 86400)
    assert pv["ai_usd_per_j_wall"] == pytest.approx(ai_j, rel=1e-12)
    assert pv["mining_usd_per_j_wall"] == pytest.approx(asic_j, rel=1e-12)
    assert pv["ratio"] == pytest.approx(ai_j / asic_j, rel=1e-12)
    assert pv["ratio"] == pytest.approx(10.54, abs=0.01)
    assert pv["mining_footing"] == "wall" and pv["mining_wall_power_w"] == 3645
    assert pv["label"] == "USD per joule of wall power, while busy"
    text = run_cli(*TERAWULF_AI, "--mining-hashrate-hs", "270e12", "--mining-power-w", "3645")
    assert "(wall power, while busy)" in text.stdout


def test_pivot_on_the_same_card_shares_its_wall_power(run_cli):
    # without --mining-power-w the miner is this card at its own board power + host: the ratio
    # is the AI revenue per running day over the mining revenue per running day
    doc = json.loads(run_cli(*TERAWULF_AI, "--mining-hashrate-hs", "7e9", "--json").stdout)
    mining_day = 7e9 * 86400 * REWARD_BTC * BTC_USD / (DIFFICULTY * 2**32)
    assert doc["pivot"]["ratio"] == pytest.approx(9806 * 86400 * 0.065 / 1e6 / mining_day)
    assert doc["pivot"]["mining_wall_power_w"] == 1263.0


def test_mining_power_needs_a_mining_hashrate(run_cli):
    from conftest import assert_bad_input

    assert_bad_input(run_cli(*TERAWULF_AI, "--mining-power-w", "3645"))

"""Mining revenue against the worked example of bitcoin.md and an independent one."""

from __future__ import annotations

import pytest

from bench.econ import asic_references, load_asics, load_scenario, mining_revenue
from bench.econ.footing import boundary
from bench.errors import InvalidInput


def worked_scenario(**extra):
    """bitcoin.md worked example: D = 150e12, S = 3.125, fees 0.6 %, 100,000 USD, no pool fee."""
    values = dict(
        btc_price_usd=100_000,
        difficulty=150e12,
        subsidy_btc=3.125,
        fees_share_of_rewards=0.006,
        pool_fee=0.0,
        pue=1.0,
        uptime=1.0,
    )
    values.update(extra)
    return load_scenario("late-2025", **values)


def own_scenario(**extra):
    """Own example: D * 2**32 = 1e22 hashes per block, 3.25 BTC, 80,000 USD, 2 % pool fee."""
    values = dict(
        btc_price_usd=80_000,
        difficulty=1e22 / 2**32,
        subsidy_btc=3.125,
        fees_btc_per_block=0.125,
        pool_fee=0.02,
        electricity_usd_kwh=0.05,
        pue=1.25,
        uptime=0.8,
    )
    values.update(extra)
    return load_scenario("late-2025", **values)


def test_worked_example_s21_xp():
    # 270 TH/s * 4.2163e-7 BTC/TH/day * 100,000 = 11.38 USD/day; / (3.645 kW * 24 h) = 0.130 USD/kWh
    doc = mining_revenue(270e12, 3645, worked_scenario(), footing="wall")
    assert doc["usd_per_day"] == pytest.approx(11.38, rel=1e-3)
    assert doc["usd_per_kwh"] == pytest.approx(0.130, rel=2e-3)
    assert doc["btc_per_day"] == pytest.approx(270 * 4.2163e-7, rel=1e-4)
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(42.16, rel=1e-3)
    assert doc["j_per_th"] == pytest.approx(13.5)
    # wall footing, PUE 1: the break-even electricity price is the revenue per kWh
    assert doc["breakeven_usd_per_kwh"] == pytest.approx(doc["usd_per_kwh"])


@pytest.mark.parametrize(
    "th_s, power_w, usd_per_kwh",
    [(200, 3500, 0.100), (140, 3010, 0.082)],  # S21 at 17.5 J/TH, S19 XP at 21.5 J/TH
)
def test_worked_example_other_asics(th_s, power_w, usd_per_kwh):
    doc = mining_revenue(th_s * 1e12, power_w, worked_scenario(), footing="wall")
    assert doc["usd_per_kwh"] == pytest.approx(usd_per_kwh, rel=0.01)


def test_worked_example_gpu():
    # 7 GH/s at 700 W: ~3e-4 USD/day, ~2e-5 USD/kWh (board power, as measured)
    doc = mining_revenue(7e9, 700, worked_scenario(), footing="board")
    assert doc["usd_per_day"] == pytest.approx(2.95e-4, rel=0.01)
    assert doc["usd_per_kwh"] == pytest.approx(1.757e-5, rel=0.01)
    assert 1e-5 < doc["usd_per_kwh"] < 3e-5


def test_own_example_gross_figures():
    # BTC per hash = 3.25 * 0.98 / 1e22 = 3.185e-22
    # BTC/day = 1e14 * 86400 * 3.185e-22 = 2.75184e-3; USD/day = * 80,000 = 220.1472
    # USD/J = 220.1472 / (2000 W * 86400 s) = 1.274e-6; USD/kWh = * 3.6e6 = 4.5864
    # per day at the uptime 0.8: 2.201472e-3 BTC, 176.11776 USD
    doc = mining_revenue(1e14, 2000, own_scenario(), footing="wall")
    assert doc["btc_per_day"] == pytest.approx(2.75184e-3 * 0.8)
    assert doc["usd_per_day_running"] == pytest.approx(220.1472)
    assert doc["usd_per_day"] == pytest.approx(176.11776)
    assert doc["usd_per_j"] == pytest.approx(1.274e-6)
    assert doc["usd_per_kwh"] == pytest.approx(4.5864)
    # hashprice excludes the pool fee: 1e15 * 86400 * 3.25 * 80000 / 1e22 = 2246.4
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(2246.4)
    assert doc["hashprice_usd_per_th_day"] == pytest.approx(2.2464)
    assert doc["hashprice_usd_per_eh_day"] == pytest.approx(2_246_400)


def test_own_example_net_figures_wall():
    # 2 kW * 24 h = 48 kWh; * PUE 1.25 = 60 kWh; * uptime 0.8 = 48 kWh; * 0.05 = 2.40 USD/day
    # net = 220.1472 * 0.8 - 2.40 = 173.71776
    # break-even electricity = 220.1472 / 60 = 3.66912 USD/kWh
    # break-even BTC price = 2.40 / (2.75184e-3 BTC * 0.8) = 1090.18 USD
    doc = mining_revenue(1e14, 2000, own_scenario(), footing="wall")
    assert doc["electricity_usd_per_day"] == pytest.approx(2.40)
    assert doc["net_usd_per_day"] == pytest.approx(173.71776)
    # gross and net at the same uptime: gross - electricity = net on screen
    assert doc["usd_per_day"] - doc["electricity_usd_per_day"] == pytest.approx(173.71776)
    assert doc["breakeven_usd_per_kwh"] == pytest.approx(3.66912)
    assert doc["breakeven_btc_price_usd"] == pytest.approx(1090.18, rel=1e-5)
    assert doc["footing"] == "wall" and doc["wall_power_w"] == 2000


def test_own_example_board_footing_adds_host_overhead():
    # board 2000 W + a given host of 1000 W = 3000 W at the wall
    # 3 kW * 24 h * 1.25 * 0.8 = 72 kWh * 0.05 = 3.60 USD/day; net = 176.11776 - 3.60 = 172.51776
    # USD per wall joule = 220.1472 / (3000 * 86400) = 8.4933e-7; break-even = 220.1472 / 90 kWh
    bound = boundary("board", host_overhead_w=1000.0)
    doc = mining_revenue(1e14, 2000, own_scenario(), footing=bound)
    assert doc["footing"] == "board"
    assert doc["wall_power_w"] == pytest.approx(3000)
    assert doc["usd_per_j"] == pytest.approx(1.274e-6)  # gross on the power as given
    assert doc["usd_per_j_wall"] == pytest.approx(8.4933e-7, rel=1e-4)
    assert doc["electricity_usd_per_day"] == pytest.approx(3.60)
    assert doc["net_usd_per_day"] == pytest.approx(172.51776)
    assert doc["breakeven_usd_per_kwh"] == pytest.approx(220.1472 / 90)
    assert "board" in doc["footing_note"]


def test_asic_references_nameplate():
    by_name = {a.name: a for a in load_asics()}
    for name in (
        "Antminer S19 XP",
        "Antminer S21",
        "Antminer S21 Pro",
        "Antminer S21 XP",
        "Antminer S21 XP Hydro",
        "Whatsminer M60S",
        "Whatsminer M66S",
    ):
        assert name in by_name
    assert by_name["Antminer S19 XP"].j_per_th == pytest.approx(21.5)
    assert by_name["Antminer S21"].j_per_th == pytest.approx(17.5)
    assert by_name["Antminer S21 Pro"].j_per_th == pytest.approx(15.0)
    assert by_name["Antminer S21 XP"].j_per_th == pytest.approx(13.5)
    assert by_name["Antminer S21 XP Hydro"].j_per_th == pytest.approx(12.0, rel=1e-3)
    assert by_name["Whatsminer M66S"].j_per_th == pytest.approx(18.5, rel=1e-3)


def test_asic_references_under_worked_example():
    refs = {a["name"]: a for a in asic_references(worked_scenario())}
    assert refs["Antminer S21 XP"]["usd_per_kwh"] == pytest.approx(0.130, rel=2e-3)
    assert refs["Antminer S21 XP"]["usd_per_day"] == pytest.approx(11.38, rel=1e-3)
    assert refs["Antminer S21"]["usd_per_kwh"] == pytest.approx(0.100, rel=0.01)
    assert refs["Antminer S19 XP"]["usd_per_kwh"] == pytest.approx(0.082, rel=0.01)
    for ref in refs.values():
        assert ref["footing"] == "wall" and ref["kind"] == "datasheet"
        assert ref["source"] and ref["date"]
    # 270 TH/s * 25.70 USD/TH = 6,939 USD
    assert refs["Antminer S21 XP"]["price_usd"] == pytest.approx(6939.0)


def test_gpu_beside_asics_same_footing():
    # at PUE 1, wall footing: device / ASIC = ASIC J/TH / device J/TH; 7 GH/s at 700 W = 1e5 J/TH
    doc = mining_revenue(7e9, 700, worked_scenario(), footing="wall")
    s21xp = next(a for a in doc["asics"] if a["name"] == "Antminer S21 XP")
    assert s21xp["device_over_asic"] == pytest.approx(13.5 / 1e5)


@pytest.mark.parametrize("hashrate, power", [(0, 700), (-1, 700), (7e9, 0), (7e9, -700)])
def test_mining_rejects_non_positive_inputs(hashrate, power):
    with pytest.raises(InvalidInput):
        mining_revenue(hashrate, power, worked_scenario())


def test_mining_rejects_unknown_footing():
    with pytest.raises(InvalidInput):
        mining_revenue(7e9, 700, worked_scenario(), footing="socket")


def test_own_example_package_footing_adds_no_host_overhead():
    # CPU package + DRAM power (RAPL) is the host itself: no platform host is added, so the
    # figures are those of the wall example: 2 kW * 24 h * 1.25 * 0.8 * 0.05 = 2.40 USD/day,
    # net 173.71776, USD per wall joule = 220.1472 / (2000 * 86400) = 1.274e-6
    doc = mining_revenue(1e14, 2000, own_scenario(), footing="package")
    assert doc["footing"] == "package"
    assert doc["wall_power_w"] == 2000
    assert doc["host_overhead_w"] == 0.0 and doc["platform"] is None
    assert doc["usd_per_j_wall"] == pytest.approx(1.274e-6)
    assert doc["electricity_usd_per_day"] == pytest.approx(2.40)
    assert doc["net_usd_per_day"] == pytest.approx(173.71776)
    assert "RAPL" in doc["footing_note"] and "no host overhead" in doc["footing_note"]
    board = mining_revenue(1e14, 2000, own_scenario(), footing="board")
    # board power on the default platform (an SXM server): 575 W per GPU added
    assert board["platform"] == "sxm-server" and board["wall_power_w"] == 2575.0


def test_asic_reference_net_by_hand():
    # own example: 3.25 BTC x 0.98 per 1e22 hashes; S21 XP 270 TH/s at 3,645 W, uptime 0.8
    ref = next(r for r in asic_references(own_scenario()) if r["name"] == "Antminer S21 XP")
    running = 270e12 * 86_400 * 3.25 * 0.98 / 1e22 * 80_000  # 594.4 USD per day running
    electricity = 3.645 * 24 * 1.25 * 0.05 * 0.8  # kW x h x PUE x USD/kWh x uptime = 4.374
    assert ref["usd_per_day"] == pytest.approx(running, rel=1e-12)
    assert ref["electricity_usd_per_day"] == pytest.approx(electricity, rel=1e-12)
    assert ref["net_usd_per_day"] == pytest.approx(0.8 * running - electricity, rel=1e-12)

"""The month-by-month TCO path: the subsidy from the height reached (the halving at block
1,050,000, ~April 2028), difficulty growth per month, the BTC price path, which one dominates."""

from __future__ import annotations

import pytest

from bench.econ import load_scenario, mining_revenue, procurement
from bench.econ.path import mean_subsidy_btc, monthly_path

HEIGHT = 922_224  # late-2025's block height (12 Nov 2025)
BLOCKS_PER_MONTH = 144 * 365.25 / 12  # 4383 blocks
FEES = 3.125 * 0.006 / (1 - 0.006)  # fees per block at 0.6 % of rewards: 0.0188632 BTC


def subsidy_of(height: int) -> float:
    return 50.0 / 2 ** (height // 210_000)


def month_subsidy(m: int) -> float:
    """Mean subsidy of month m's blocks, block by block (independent of the code's arithmetic)."""
    start = HEIGHT + 4383 * m
    return sum(subsidy_of(h) for h in range(start, start + 4383)) / 4383


def test_mean_subsidy_across_a_halving():
    # 1000 blocks at 3.125 and 1000 at 1.5625: 2.34375
    assert mean_subsidy_btc(1_049_000, 1_051_000) == pytest.approx(2.34375, rel=1e-15)
    assert mean_subsidy_btc(840_000, 850_000) == 3.125


def flat_s21xp(**extra):
    sc = load_scenario(
        "late-2025", difficulty_growth_per_month=0.0, btc_price_growth_per_month=0.0, **extra
    )
    return sc, mining_revenue(270e12, 3645, sc, footing="wall", compare_asics=False)


def test_the_halving_month_of_a_multi_year_tco():
    assert BLOCKS_PER_MONTH == 4383.0
    sc, rev = flat_s21xp()
    path = monthly_path(rev, sc, years=4)
    # month 29 starts at 922,224 + 29 * 4383 = 1,049,331: 669 blocks at 3.125 BTC, 3714 at
    # 1.5625: (669 * 3.125 + 3714 * 1.5625) / 4383 = 1.800993 BTC; ~April 2028
    assert path["halving_month"] == 29
    months = path["months"]
    assert months[29]["start_height"] == 1_049_331
    assert months[29]["subsidy_btc"] == pytest.approx(7893.75 / 4383, rel=1e-12)
    assert months[28]["subsidy_btc"] == 3.125 and months[30]["subsidy_btc"] == 1.5625
    # revenue scales with (subsidy + fees): month 30 earns (1.5625 + F) / (3.125 + F) of month 0
    ratio = (1.5625 + FEES) / (3.125 + FEES)
    assert months[30]["revenue_usd"] / months[0]["revenue_usd"] == pytest.approx(ratio)
    # month 0 earns the scenario's daily revenue for a month: 30.4375 days
    assert months[0]["revenue_usd"] == pytest.approx(rev["usd_per_day"] * 30.4375, rel=1e-12)
    assert path["dominant_assumption"] == "halving"
    assert path["revenue_change_if_held_flat_usd"]["difficulty_growth"] == 0.0
    assert path["revenue_change_if_held_flat_usd"]["btc_price_path"] == 0.0


def test_payback_across_the_halving_hand_worked():
    # an S21 XP at 25.70 USD/TH (270 TH/s: 6,939 USD), 0.04 USD/kWh, flat difficulty and price:
    # the capex is not back by the halving (month 29), and the months after it earn half
    sc, rev = flat_s21xp(electricity_usd_kwh=0.04)
    capex = 270 * 25.70
    elec_month = 3.645 * 24 * 30.4375 * 0.04
    per_day_at_start = rev["usd_per_day"]
    cum, payback = 0.0, None
    for m in range(120):
        net = per_day_at_start * 30.4375 * (month_subsidy(m) + FEES) / (3.125 + FEES) - elec_month
        if payback is None and net > 0 and cum + net >= capex:
            payback = m + (capex - cum) / net
        cum += net
    doc = procurement({"power_w": 3645}, rev, sc, capex_usd=capex, years=10)
    assert payback is not None
    assert doc["payback_months"] == pytest.approx(payback, rel=1e-9)
    # held at today's subsidy the capex would come back sooner
    flat = capex / ((per_day_at_start - elec_month / 30.4375) * 30.4375)
    assert doc["payback_months_flat"] == pytest.approx(flat, rel=1e-12)
    assert 29 < flat < doc["payback_months"]
    assert doc["net_after_capex_usd"] == pytest.approx(cum - capex, rel=1e-9)


def test_no_payback_within_the_years_is_said():
    sc, rev = flat_s21xp()  # 0.06 USD/kWh: after the halving it earns ~0.2 USD/day net
    doc = procurement({"power_w": 3645}, rev, sc, capex_usd=270 * 25.70, years=3)
    assert doc["payback_months"] is None
    assert "does not repay the capex" in doc["payback_never"]


def test_difficulty_growth_and_price_path_hand_worked():
    # 3 % a month of difficulty growth, BTC price +1 % a month: month 12 earns
    # (1.01 / 1.03) ** 12 of month 0 (no halving before month 29)
    sc = load_scenario(
        "late-2025", difficulty_growth_per_month=0.03, btc_price_growth_per_month=0.01
    )
    rev = mining_revenue(270e12, 3645, sc, footing="wall", compare_asics=False)
    path = monthly_path(rev, sc, years=3)
    months = path["months"]
    assert months[12]["revenue_usd"] / months[0]["revenue_usd"] == pytest.approx(
        (1.01 / 1.03) ** 12, rel=1e-12
    )
    assert months[12]["difficulty"] == pytest.approx(156e12 * 1.03**12, rel=1e-12)
    assert months[12]["btc_price_usd"] == pytest.approx(103_000 * 1.01**12, rel=1e-12)
    # over 36 months, difficulty growth costs more than the 7 months after the halving
    assert path["dominant_assumption"] == "difficulty_growth"
    assert any("+3.00% per month" in a for a in path["assumptions"])


def test_flat_price_is_stated_and_ai_is_held_flat():
    sc, rev = flat_s21xp()
    path = monthly_path(rev, sc, years=1)
    assert "BTC price +0.00% per month (flat)" in path["assumptions"]
    ai = {"basis": "per-token", "usd_per_day": 10.0, "electricity_usd_per_day": 1.0}
    ai_path = monthly_path(ai, sc, years=1)
    # 12 months of 9 USD/day net: 9 * 365.25 = 3287.25 USD
    assert ai_path["net_usd"] == pytest.approx(3287.25, rel=1e-12)
    assert "AI revenue held flat" in ai_path["assumptions"][0]


def test_without_a_block_height_the_subsidy_is_held_and_said_so():
    sc = load_scenario("late-2025", subsidy_btc=3.125)  # replaces the block height
    rev = mining_revenue(270e12, 3645, sc, footing="wall", compare_asics=False)
    path = monthly_path(rev, sc, years=4)
    assert path["halving_month"] is None
    assert "the scenario gives no block height" in path["assumptions"][0]

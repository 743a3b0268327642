"""Procurement: TCO, payback, per-dollar figures and the card catalog, on hand-worked examples."""

from __future__ import annotations

import pytest

from bench.econ import find_card, load_cards, load_scenario, payback_months, procurement, tco
from bench.econ.mining import mining_revenue
from bench.errors import InvalidInput


def tco_scenario():
    return load_scenario("late-2025", electricity_usd_kwh=0.10, pue=1.5, uptime=1.0)


def test_tco_hand_worked():
    # 500 W at the wall, PUE 1.5, 50 % utilisation, 8766 h/year (365.25 days):
    # 0.5 kW * 1.5 * 8766 * 0.5 = 3287.25 kWh/year * 0.10 = 328.725 USD/year
    # capex 10,000 over 3 years: 3333.33 USD/year; TCO 3662.06 USD/year, 10,986.175 USD in all
    doc = tco(10_000, 500, tco_scenario(), years=3, utilisation=0.5, footing="wall")
    assert doc["kwh_per_year"] == pytest.approx(3287.25)
    assert doc["electricity_usd_per_year"] == pytest.approx(328.725)
    assert doc["capex_usd_per_year"] == pytest.approx(3333.3333)
    assert doc["tco_usd_per_year"] == pytest.approx(3662.0583, rel=1e-7)
    assert doc["tco_usd"] == pytest.approx(10_986.175)


def test_tco_board_footing_adds_the_platforms_host():
    # 500 W board in a PCIe server + 150 W host per GPU = 650 W at the wall:
    # 0.65 kW * 1.5 * 8766 h * 0.5 * 0.10 USD/kWh = 427.3425 USD/year
    from bench.econ.footing import boundary

    sc = load_scenario("late-2025", electricity_usd_kwh=0.10, pue=1.5)
    bound = boundary("board", "pcie-server")
    doc = tco(10_000, 500, sc, years=3, utilisation=0.5, footing=bound)
    assert doc["wall_power_w"] == 650.0
    assert doc["electricity_usd_per_year"] == pytest.approx(427.3425, rel=1e-12)


def test_payback_hand_worked():
    # 10,000 USD at 50 USD/day net: 10000 / (50 * 30.4375 days per month) = 6.5708 months
    assert payback_months(10_000, 50) == pytest.approx(6.57084, rel=1e-5)
    assert payback_months(10_000, 0) is None
    assert payback_months(10_000, -3) is None


def test_procurement_labels_measured_and_catalog():
    sc = tco_scenario()
    card = find_card("NVIDIA H200")
    rev = mining_revenue(7e9, 700, sc, footing="board")
    doc = procurement({"units_per_s": 7e9, "unit": "hash", "power_w": 700}, rev, sc, card=card)
    assert doc["measured"]["source_kind"] == "measured"
    assert doc["catalog"]["source_kind"] == "catalog" and doc["catalog"]["name"] == "H200 SXM"
    assert doc["capex_source"]["source_kind"] == "catalog" and doc["capex_source"]["date"]
    # capex on the board boundary: 35,000 USD card + 15,000 USD host share (SXM server) =
    # 50,000 USD; 7e9 H/s / 50,000 USD = 140,000 H/s per USD
    assert (doc["card_capex_usd"], doc["host_capex_usd"]) == (35_000, 15_000)
    assert doc["per_usd"]["hashes_per_s_per_usd"] == pytest.approx(1.4e5)
    assert doc["payback_months"] is None  # a GPU never repays itself mining
    assert doc["catalog_per_usd"]["source_kind"] == "catalog / capex"
    assert doc["catalog"]["source"]  # the citation survives the label


def test_procurement_revenue_per_capex_dollar():
    # 1000 tokens/s, given capex 5,000 USD; gross 17.28 USD/day (0.20 USD/M tokens):
    # 17.28 * 365.25 / 5000 = 1.26230 USD per year per USD of capex
    from bench.econ import ai_revenue

    sc = tco_scenario()
    rev = ai_revenue(1000, 500, sc, usd_per_million_units=0.20, utilisation=1, footing="wall")
    m = {"units_per_s": 1000, "unit": "token", "power_w": 500}
    doc = procurement(m, rev, sc, capex_usd=5000, years=4)
    assert doc["gross_usd_per_year_per_capex_usd"] == pytest.approx(1.262304)
    assert doc["per_usd"]["tokens_per_s_per_usd"] == pytest.approx(0.2)
    assert doc["tco"]["years"] == 4


def test_procurement_needs_a_price():
    sc = tco_scenario()
    card = find_card("NVIDIA H100 PCIe")  # no verified price in the catalog
    rev = mining_revenue(7e9, 350, sc)
    with pytest.raises(InvalidInput):
        procurement({"units_per_s": 7e9, "unit": "hash", "power_w": 350}, rev, sc, card=card)


@pytest.mark.parametrize(
    "device, card",
    [
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA H200 NVL", "H200 NVL"),
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", "H100 NVL"),
        ("NVIDIA A100-SXM4-80GB", "A100 SXM4 80GB"),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe 80GB"),
        ("NVIDIA A100-PCIE-40GB", "A100 PCIe 40GB"),
        ("NVIDIA L40S", "L40S"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090"),
        ("NVIDIA GeForce RTX 4090 D", "RTX 4090 D"),
        ("NVIDIA GeForce RTX 5090", "RTX 5090"),
        ("cpu (AMD EPYC 7B13)", None),
    ],
)
def test_find_card(device, card):
    found = find_card(device)
    assert (found.name if found else None) == card


def test_catalog_has_sources():
    for card in load_cards():
        assert card.source and card.date and card.board_power_w > 0
        if card.price_usd is not None:
            assert card.price_usd.date and card.price_usd.source and card.price_usd.kind


def test_given_revenue_and_its_tco_hand_worked():
    # 50 USD per running day, running 50 % of the time, 500 W at the wall, PUE 1.5, 0.10 USD/kWh:
    # gross 25 USD/day; electricity 0.5 kW * 24 h * 1.5 * 0.5 * 0.10 = 0.90 USD/day; net 24.10
    # break-even: 50 USD per running day over 0.5 * 24 * 1.5 = 18 kWh = 2.7778 USD/kWh
    from bench.econ import given_revenue, revenue_tco

    sc = tco_scenario()
    rev = given_revenue(50.0, 500, sc, utilisation=0.5, footing="wall")
    assert rev["basis"] == "given"
    assert rev["usd_per_day"] == pytest.approx(25.0)
    assert rev["electricity_usd_per_day"] == pytest.approx(0.90)
    assert rev["net_usd_per_day"] == pytest.approx(24.10)
    assert rev["breakeven_usd_per_kwh"] == pytest.approx(50 / 18)
    # the TCO of the revenue document is tco_hand_worked's: 328.725 USD/year of electricity
    doc = revenue_tco(10_000, rev, years=3)
    assert doc["electricity_usd_per_year"] == pytest.approx(328.725)
    assert doc["tco_usd"] == pytest.approx(10_986.175)
    # and agrees with the net figure: 0.90 USD/day * 365.25 days = 328.725 USD/year
    assert doc["electricity_usd_per_year"] == pytest.approx(rev["electricity_usd_per_day"] * 365.25)


def test_procurement_says_why_it_never_pays_back():
    sc = tco_scenario()
    rev = mining_revenue(7e9, 700, sc, footing="wall")
    doc = procurement({"units_per_s": 7e9, "unit": "hash", "power_w": 700}, rev, sc, capex_usd=1e4)
    assert doc["payback_months"] is None
    assert "never repays" in doc["payback_never"] and "USD/day" in doc["payback_never"]
    # 700 W at the wall, PUE 1.5, 0.10 USD/kWh, running all year:
    # 0.7 * 1.5 * 8766 * 0.10 = 920.43 USD/year
    assert doc["tco"]["electricity_usd_per_year"] == pytest.approx(920.43)
    # 36 months of that electricity (2761.29 USD) against ~3e-4 USD/day of mining revenue
    assert doc["net_after_capex_usd"] == pytest.approx(-920.43 * 3 - 1e4, rel=1e-4)


def test_procurement_pays_back_and_has_no_never_reason():
    from bench.econ import given_revenue

    sc = tco_scenario()
    rev = given_revenue(50.0, 500, sc, utilisation=0.5, footing="wall")
    doc = procurement({"power_w": 500}, rev, sc, capex_usd=10_000)
    # 10,000 / (24.10 USD/day * 30.4375 days) = 13.633 months (flat: AI prices held flat)
    assert doc["payback_months"] == pytest.approx(10_000 / (24.10 * 30.4375))
    assert doc["payback_never"] is None
    assert doc["per_usd"] == {"source_kind": "measured / capex"}  # no throughput given

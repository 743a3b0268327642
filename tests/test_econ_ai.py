"""AI revenue, the pivot ratio and the choice of price basis, against hand-worked examples."""

from __future__ import annotations

import pytest

from bench.econ import ai_revenue, load_scenario, mining_revenue, pivot_ratio, price_workload
from bench.errors import InvalidInput


def flat_scenario(**extra):
    """Electricity 0.10 USD/kWh, PUE 1, uptime 1, all AI time sold."""
    values = dict(electricity_usd_kwh=0.10, pue=1.0, uptime=1.0, ai_sold_fraction=1.0)
    values.update(extra)
    return load_scenario("late-2025", **values)


def test_per_unit_hand_worked():
    # 1000 tokens/s at 0.20 USD per million: 1000 * 86400 * 0.20 / 1e6 = 17.28 USD/day
    # USD/J = 17.28 / (500 W * 86400 s) = 4e-7; USD/kWh = 4e-7 * 3.6e6 = 1.44
    # electricity: 0.5 kW * 24 h * 0.10 = 1.20 USD/day; net = 16.08; J/token = 0.5
    doc = ai_revenue(1000, 500, flat_scenario(), usd_per_million_units=0.20, footing="wall")
    assert doc["price_basis"] == "per-unit"
    assert doc["usd_per_day"] == pytest.approx(17.28)
    assert doc["usd_per_j"] == pytest.approx(4e-7)
    assert doc["usd_per_kwh"] == pytest.approx(1.44)
    assert doc["electricity_usd_per_day"] == pytest.approx(1.20)
    assert doc["net_usd_per_day"] == pytest.approx(16.08)
    assert doc["j_per_unit"] == pytest.approx(0.5)
    assert doc["breakeven_usd_per_kwh"] == pytest.approx(1.44)
    assert doc["utilisation"] == 1.0


def test_gpu_hour_hand_worked():
    # 2.00 USD/h at 50 % utilisation: 2 * 24 * 0.5 = 24 USD/day
    # USD per busy J = 2 / (400 W * 3600 s) = 1.3889e-6
    # electricity while busy: 0.4 kW * 24 h * 0.5 * PUE 1.5 = 7.2 kWh * 0.10 = 0.72; net = 23.28
    # implied price: 2 / (2000 units/s * 3600 s) * 1e6 = 0.27778 USD per million units
    # break-even: 48 USD per busy day / (0.4 * 24 * 1.5 = 14.4 kWh) = 3.3333 USD/kWh
    sc = flat_scenario(pue=1.5)
    doc = ai_revenue(2000, 400, sc, usd_per_hour=2.0, utilisation=0.5, footing="wall")
    assert doc["price_basis"] == "gpu-hour"
    assert doc["usd_per_day"] == pytest.approx(24.0)
    assert doc["usd_per_j"] == pytest.approx(1.38889e-6, rel=1e-5)
    assert doc["electricity_usd_per_day"] == pytest.approx(0.72)
    assert doc["net_usd_per_day"] == pytest.approx(23.28)
    assert doc["usd_per_million_units"] == pytest.approx(0.277778, rel=1e-5)
    assert doc["breakeven_usd_per_kwh"] == pytest.approx(3.33333, rel=1e-5)


@pytest.mark.parametrize("price", [{"usd_per_hour": 4.0}, {"usd_per_million_units": 0.2}])
def test_both_bases_use_the_scenario_sold_fraction_by_default(price):
    # sold fraction 0.25, one default for both bases: 4 USD/h * 24 * 0.25 = 24 USD/day;
    # 100 units/s * 86400 * 0.2 / 1e6 * 0.25 = 0.000432 USD/day
    doc = ai_revenue(100, 700, flat_scenario(ai_sold_fraction=0.25), **price, footing="wall")
    assert doc["utilisation"] == 0.25
    assert doc["utilisation_source"] == "scenario ai_sold_fraction"
    want = 4.0 * 24 * 0.25 if "usd_per_hour" in price else 100 * 86400 * 0.2 / 1e6 * 0.25
    assert doc["usd_per_day"] == pytest.approx(want, rel=1e-12)
    # electricity while sold only: 0.7 kW * 24 h * 0.25 * 0.10 USD/kWh = 0.42 USD/day
    assert doc["electricity_usd_per_day"] == pytest.approx(0.42, rel=1e-12)
    assert doc["net_usd_per_day"] == pytest.approx(want - 0.42, rel=1e-12)


def test_mining_uptime_does_not_touch_ai():
    # mining curtailed to 50 %: the AI figures are those of test_per_unit_hand_worked
    # (17.28 gross - 1.20 electricity = 16.08 net), not 8.04
    doc = ai_revenue(
        1000, 500, flat_scenario(uptime=0.5), usd_per_million_units=0.20, footing="wall"
    )
    assert doc["usd_per_day"] == pytest.approx(17.28)
    assert doc["electricity_usd_per_day"] == pytest.approx(1.20)
    assert doc["net_usd_per_day"] == pytest.approx(16.08)
    assert "uptime" not in doc


def test_pivot_ratio_hand_worked():
    # AI: 4e-7 USD/J (above). Mining at D * 2**32 = 1e22, 3.25 BTC, no pool fee, 80,000 USD,
    # 1e14 H/s at 2000 W: 1e14 * 3.25 / 1e22 * 80000 / 2000 = 1.3e-6 USD/J; ratio 4e-7 / 1.3e-6
    sc = flat_scenario(
        btc_price_usd=80_000,
        difficulty=1e22 / 2**32,
        subsidy_btc=3.125,
        fees_btc_per_block=0.125,
        pool_fee=0.0,
    )
    ai = ai_revenue(1000, 500, sc, usd_per_million_units=0.20, footing="wall")
    mining = mining_revenue(1e14, 2000, sc, footing="wall")
    assert mining["usd_per_j"] == pytest.approx(1.3e-6)
    assert pivot_ratio(ai, mining) == pytest.approx(4e-7 / 1.3e-6)


def test_ai_rejects_bad_inputs():
    sc = flat_scenario()
    with pytest.raises(InvalidInput):
        ai_revenue(1000, 500, sc)  # no price
    with pytest.raises(InvalidInput):
        ai_revenue(1000, 500, sc, usd_per_million_units=0.2, usd_per_hour=2.0)
    with pytest.raises(InvalidInput):
        ai_revenue(1000, 0, sc, usd_per_million_units=0.2)
    with pytest.raises(InvalidInput):
        ai_revenue(-5, 500, sc, usd_per_million_units=0.2)
    with pytest.raises(InvalidInput):
        ai_revenue(1000, 500, sc, usd_per_hour=-1.0)
    with pytest.raises(InvalidInput):
        ai_revenue(1000, 500, sc, usd_per_hour=1.0, utilisation=1.5)


LLM_8B = {"name": "llm-decode", "unit": "token", "family": "ai", "model": "llama-3.1-8b"}
LLM_70B = {"name": "llm-decode", "unit": "token", "family": "ai", "model": "llama-3.1-70b"}
LLM_TINY = {"name": "llm-decode", "unit": "token", "family": "ai", "model": "tiny"}
MINER = {"name": "sha256d", "unit": "hash", "family": "mining"}


def test_price_workload_per_token_by_model_class():
    sc = load_scenario("late-2025")
    doc = price_workload(LLM_8B, 9806, 688, sc, "NVIDIA H200")
    assert doc["basis"] == "per-token" and doc["price_key"] == "llama-8b"
    # decode makes output tokens: 0.05 USD per million (late-2025), 80 % of the time sold:
    # 9806 tokens/s * 86400 s * 0.05 USD / 1e6 * 0.8 = 33.89 USD/day
    assert doc["token_kind"] == "output"
    assert doc["usd_per_day"] == pytest.approx(9806 * 86400 * 0.05 / 1e6 * 0.8, rel=1e-12)
    assert doc["price"]["date"] and doc["price"]["source"]
    doc70 = price_workload(LLM_70B, 3913, 700, sc, "NVIDIA H200")
    assert doc70["price_key"] == "llama-70b"


def test_price_workload_gpu_hour_for_unpriced_model():
    sc = load_scenario("late-2025")
    doc = price_workload(LLM_TINY, 500, 300, sc, "NVIDIA H200")
    assert doc["basis"] == "gpu-hour" and doc["price_key"] == "H200 SXM"
    # 4.1 USD/h * 24 * 0.8 sold = 78.72 USD/day
    assert doc["usd_per_day"] == pytest.approx(4.1 * 24 * 0.8)
    assert doc["price_key"] == "H200 SXM" and doc["price"]["value"] == 4.1
    vision = {"name": "resnet50", "unit": "image", "family": "ai"}
    rtx = price_workload(vision, 1e4, 400, sc, "NVIDIA GeForce RTX 4090")
    assert rtx["price_key"] == "RTX 4090" and rtx["price"]["value"] == 0.54
    sxm = price_workload(vision, 1e4, 400, sc, "NVIDIA H100 80GB HBM3")
    assert sxm["price_key"] == "H100 SXM" and sxm["price"]["value"] == 2.25


def test_price_workload_mining_and_unpriced():
    sc = load_scenario("late-2025")
    doc = price_workload(MINER, 7e9, 700, sc, "NVIDIA H200")
    assert doc["basis"] == "mining" and "usd_per_kwh" in doc and doc["asics"]
    cpu = price_workload(LLM_TINY, 50, 65, sc, "cpu (AMD EPYC 7B13)")
    assert cpu["basis"] == "unpriced" and "cpu" in cpu["reason"]
    none = price_workload(LLM_8B, 50, None, sc, "cpu")
    assert none["basis"] == "unpriced" and "unmeasured" in none


def test_basis_and_price_basis_agree():
    sc = flat_scenario()
    per_unit = ai_revenue(1000, 500, sc, usd_per_million_units=0.20)
    assert per_unit["basis"] == per_unit["price_basis"] == "per-unit"
    per_token = ai_revenue(1000, 500, sc, usd_per_million_units=0.20, unit="token")
    assert per_token["basis"] == per_token["price_basis"] == "per-token"
    hourly = ai_revenue(1000, 500, sc, usd_per_hour=2.0)
    assert hourly["basis"] == hourly["price_basis"] == "gpu-hour"
    for doc in (
        price_workload(LLM_8B, 9806, 688, sc, "NVIDIA H200"),
        price_workload(LLM_TINY, 500, 300, sc, "NVIDIA H200"),
    ):
        assert doc["basis"] == doc["price_basis"]
    assert price_workload(LLM_8B, 9806, 688, sc, "NVIDIA H200")["basis"] == "per-token"


GEMM = {"name": "gemm", "unit": "flop", "family": "ai", "dtype": "bf16", "m": 8192}
RESNET = {"name": "resnet50", "unit": "image", "family": "ai", "batch_size": 256}


def test_gemm_is_unpriced_even_where_the_card_rents_by_the_hour():
    doc = price_workload(GEMM, 7.0e14, 690, load_scenario("late-2025"), "NVIDIA H200")
    assert doc["basis"] == "unpriced"
    assert doc["reason"] == "no market price for raw FLOPs; see its MFU"
    assert "usd_per_j" not in doc and "unmeasured" not in doc


def test_gpu_hour_revenue_ignores_throughput():
    # resnet50 on an H200 rents at 4.1 USD/h, 80 % of hours sold (late-2025): 78.72 USD/day at
    # any throughput; per busy joule 4.1 / (600 W * 3600 s) = 1.898e-6 USD
    sc = load_scenario("late-2025")
    slow = price_workload(RESNET, 1.0e3, 600, sc, "NVIDIA H200")
    fast = price_workload(RESNET, 9.0e3, 600, sc, "NVIDIA H200")
    for doc in (slow, fast):
        assert doc["basis"] == "gpu-hour" and doc["price_key"] == "H200 SXM"
        assert doc["usd_per_day"] == pytest.approx(4.1 * 24 * 0.8)
        assert doc["usd_per_j"] == pytest.approx(4.1 / (600 * 3600))


def test_pivot_ratio_without_wall_figures_needs_one_footing():
    # older documents carry usd_per_j only: the ratio as given, when both share a footing
    ai = {"usd_per_j": 2.4e-7, "footing": "board"}
    assert pivot_ratio(ai, {"usd_per_j": 5e-12, "footing": "board"}) == pytest.approx(48000.0)
    with pytest.raises(InvalidInput, match="footing"):
        pivot_ratio(ai, {"usd_per_j": 5e-12, "footing": "wall"})


@pytest.mark.parametrize(
    "device", ["NVIDIA H100 PCIe", "NVIDIA H200 NVL", "NVIDIA GeForce RTX 5090"]
)
def test_gpu_hour_price_comes_from_the_cards_own_row(device):
    # H100 PCIe does not take the SXM's 2.25 USD/h, nor the H200 NVL the SXM's 4.1: no price in
    # their own rows, so unpriced (and said so)
    vision = {"name": "resnet50", "unit": "image", "family": "ai"}
    doc = price_workload(vision, 1e4, 350, load_scenario("late-2025"), device)
    assert doc["basis"] == "unpriced" and device in doc["reason"]


def test_scenario_gpu_hour_override_by_card_name():
    sc = load_scenario("late-2025", gpu_hour_usd={"H100 PCIe": 1.9})
    doc = price_workload(RESNET, 1e4, 350, sc, "NVIDIA H100 PCIe")
    # 1.9 USD/h * 24 * 0.8 = 36.48 USD/day
    assert doc["price_key"] == "H100 PCIe" and doc["usd_per_day"] == pytest.approx(36.48)


PREFILL_8B = {"name": "llm-prefill", "unit": "token", "family": "ai", "model": "llama-3.1-8b"}


def test_prefill_earns_the_input_token_price():
    # late-2025 llama-8b: 0.03 USD per million input tokens, 0.05 per million output tokens
    # prefill at 50,000 prompt tokens/s, all time sold, 700 W at the wall:
    # 50,000 * 86400 * 0.03 / 1e6 = 129.6 USD/day (0.05 would give 216)
    sc = load_scenario("late-2025", ai_sold_fraction=1.0)
    doc = price_workload(PREFILL_8B, 50_000, 700, sc, "NVIDIA H200", footing="wall")
    assert doc["token_kind"] == "input"
    assert doc["price"]["value"] == 0.03
    assert doc["usd_per_day"] == pytest.approx(129.6, rel=1e-12)
    decode = price_workload(LLM_8B, 50_000, 700, sc, "NVIDIA H200", footing="wall")
    assert decode["usd_per_day"] == pytest.approx(216.0, rel=1e-12)


def test_prefill_without_an_input_price_is_not_priced_at_the_output_price():
    # a user file whose class gives one (output) price: prefill falls back to the GPU-hour
    # basis of its card, never the output price
    sc = load_scenario("late-2025", token_usd_per_million={"llama-8b": 0.07})
    assert sc.token_usd_per_million["llama-8b"].input.value == 0.03  # the override keeps it
    from bench.econ.figures import parse_token_price

    only_output = parse_token_price("x", {"value": 0.07, "date": "d", "source": "s"}, "d", "w")
    assert only_output.input is None and only_output.for_tokens("input") is None

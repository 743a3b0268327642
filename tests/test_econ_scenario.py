"""Market scenarios: presets with dated sources, user files, overrides and validation."""

from __future__ import annotations

import sys

import pytest

from bench.econ import list_scenarios, load_scenario, preset_names
from bench.econ.datafiles import data_text
from bench.econ.scenario import ALL_KEYS
from bench.errors import ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KINDS = {"V", "S", "E", "derived"}


def test_presets_listed_with_dates():
    names = {p["name"]: p for p in list_scenarios()}
    assert {"late-2025", "terawulf-q3-2025", "october-2025"} <= set(names)
    assert all(p["date"] for p in names.values())


@pytest.mark.parametrize("name", ["late-2025", "terawulf-q3-2025", "october-2025"])
def test_every_preset_figure_has_date_source_and_kind(name):
    raw = tomllib.loads(data_text(f"scenarios/{name}.toml"))
    for key in ALL_KEYS:
        if key in raw:
            assert isinstance(raw[key], dict), f"{key} must be a table with its source"
    sc = load_scenario(name)
    prices = [f for p in sc.token_usd_per_million.values() for f in (p.price, p.input)]
    for fig in [*sc.figures.values(), *sc.gpu_hour_usd.values(), *prices]:
        assert fig.date and fig.source and fig.kind in KINDS, fig
        # a public publication, never a file of the team's notes
        assert ".md" not in fig.source and "reference" not in fig.source.lower(), fig


def test_terawulf_preset_is_the_quarter():
    sc = load_scenario("terawulf-q3-2025")
    # the realised price: 43.38 M USD of mining revenue / 377 BTC = 115,066.31 USD
    assert sc.btc_price_usd == pytest.approx(43.38e6 / 377, abs=0.5)
    # time-weighted difficulty of the quarter's epochs, and the hashprice it makes:
    # reward 3.125 / (1 - 0.006) = 3.143863 BTC; 1e15 * 86400 * 3.143863 * 115066 /
    # (130.3e12 * 2**32) = 55.850 USD/PH/day
    assert sc.difficulty == 130.3e12
    reward = 3.125 / (1 - 0.006)
    hashprice = 1e15 * 86400 * reward * 115066 / (130.3e12 * 2**32)
    assert hashprice == pytest.approx(55.85, abs=0.01)
    assert sc.hashprice_usd_per_ph_day == pytest.approx(hashprice, rel=1e-12)
    assert sc.value("electricity_usd_kwh") == 0.047
    assert sc.value("pool_fee") == 0.0
    # installed and effective hashrate kept apart; uptime = effective / installed (8.5 / 12.1)
    installed, effective = sc.value("installed_hashrate_hs"), sc.value("effective_hashrate_hs")
    assert (installed, effective) == (12.1e18, 8.5e18)
    assert sc.value("uptime") == pytest.approx(effective / installed, abs=0.005)
    # the effective rate over the 92 days at this difficulty mines the reported 377 BTC (1 %):
    # 8.5e18 * 86400 * 92 * 3.143863 / (130.3e12 * 2**32) = 379.6 BTC
    btc = effective * 86400 * 92 * reward / (130.3e12 * 2**32)
    assert btc == pytest.approx(377, rel=0.01)
    assert "llama-8b" in sc.token_usd_per_million  # inherited from late-2025


def test_october_2025_and_late_2025_are_their_own_dates():
    october = load_scenario("october-2025")
    # JPMorgan's October average, 48 USD/PH/day: the difficulty is derived from it
    assert october.hashprice_usd_per_ph_day == pytest.approx(48.0, rel=1e-12)
    assert october.figures["difficulty"].kind == "derived"
    assert october.date == "2025-10"
    late = load_scenario("late-2025")
    # 103,000 USD was the price of 11-13 Nov 2025, the date the scenario carries
    assert late.btc_price_usd == 103_000 and late.date == "2025-11-12"
    assert late.figures["btc_price_usd"].date == "2025-11-12"
    assert late.difficulty == 156e12


def test_to_dict_carries_dates_and_derived():
    doc = load_scenario("late-2025").to_dict()
    assert doc["name"] == "late-2025" and doc["date"]
    assert doc["figures"]["btc_price_usd"]["date"] and doc["figures"]["btc_price_usd"]["source"]
    assert doc["derived"]["hashprice_usd_per_ph_day"] > 0
    assert doc["token_usd_per_million"]["llama-8b"]["input"]["source"]


def test_price_override_keeps_difficulty():
    base = load_scenario("october-2025")  # difficulty derived from 48 USD/PH/day
    sc = load_scenario("october-2025", btc_price_usd=2 * 113_000)
    assert sc.difficulty == pytest.approx(base.difficulty)
    assert sc.hashprice_usd_per_ph_day == pytest.approx(96.0)
    assert sc.overridden == ("btc_price_usd",)
    assert sc.figures["btc_price_usd"].kind == "override"


def test_hashprice_override_sets_difficulty():
    # 42.16 USD/PH/day at 100,000 USD and 3.14386 BTC is difficulty 150e12 (bitcoin.md)
    sc = load_scenario(
        "late-2025", btc_price_usd=100_000, subsidy_btc=3.125, hashprice_usd_per_ph_day=42.1625
    )
    assert sc.difficulty == pytest.approx(150e12, rel=1e-5)


def test_block_height_override_sets_subsidy():
    assert load_scenario("late-2025", block_height=1_050_000).subsidy_btc == 1.5625
    assert load_scenario("late-2025", block_height=840_000).subsidy_btc == 3.125


def test_fees_in_btc_or_as_share():
    sc = load_scenario("late-2025", subsidy_btc=3.125, fees_btc_per_block=0.5)
    assert sc.reward_btc == pytest.approx(3.625)
    sc = load_scenario("late-2025", subsidy_btc=3.0, fees_share_of_rewards=0.25)
    assert sc.fees_btc_per_block == pytest.approx(1.0)  # 3 * 0.25 / 0.75


def test_price_table_overrides():
    sc = load_scenario(
        "late-2025", gpu_hour_usd={"H200": 5.0}, token_usd_per_million={"llama-8b": 0.1}
    )
    assert sc.gpu_hour_usd["H200"].value == 5.0
    assert sc.token_usd_per_million["llama-8b"].price.value == 0.1
    assert sc.token_usd_per_million["llama-8b"].params_b_max == 20.0  # range kept


@pytest.mark.parametrize(
    "overrides",
    [
        {"btc_price_usd": 0},
        {"btc_price_usd": -1},
        {"difficulty": 0},
        {"difficulty": -150e12},
        {"hashprice_usd_per_ph_day": 0},
        {"pool_fee": 1.0},
        {"pool_fee": 1.5},
        {"pool_fee": -0.1},
        {"uptime": 0},
        {"uptime": 1.01},
        {"utilisation": 0.5},  # replaced by ai_sold_fraction
        {"ai_sold_fraction": 0},
        {"ai_sold_fraction": 1.5},
        {"btc_price_usd": 1e10},
        {"difficulty": 1e21},
        {"difficulty": 0.5},
        {"electricity_usd_kwh": 101},
        {"pue": 11},
        {"fees_btc_per_block": 1e300},
        {"hashprice_usd_per_ph_day": 1e-300},
        {"difficulty_growth_per_month": 2.0},
        {"btc_price_growth_per_month": -0.9},
        {"block_height": 7_000_000},
        {"token_usd_per_million": {"llama-8b": 1e300}},
        {"pue": 0.9},
        {"electricity_usd_kwh": -0.01},
        {"host_overhead_fraction": 0.5},  # replaced by the platform's host_overhead_w
        {"fees_share_of_rewards": 1.0},
        {"block_height": -1},
        {"block_height": 1.5},
        {"difficulty": 150e12, "hashprice_usd_per_ph_day": 42.0},
        {"subsidy_btc": 3.125, "block_height": 840_000},
        {"fees_btc_per_block": 0.1, "fees_share_of_rewards": 0.01},
        {"btc_price_usd": float("nan")},
        {"btc_price_usd": "100k"},
        {"no_such_field": 1},
        {"gpu_hour_usd": {"H200": -1}},
        {"subsidy_btc": 0},  # fees are a share of rewards in late-2025: nothing to earn
        {"subsidy_btc": 0, "fees_btc_per_block": 0},
    ],
)
def test_bad_values_raise_scenario_error(overrides):
    with pytest.raises(ScenarioError):
        load_scenario("late-2025", **overrides)


def test_unknown_scenario():
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load_scenario("mid-2031")
    assert "late-2025" in preset_names()


def test_user_file_with_base(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "my site"\nbase = "late-2025"\ndate = "2026-01"\n'
        "electricity_usd_kwh = 0.03\n"
        '[btc_price_usd]\nvalue = 91000.0\ndate = "2026-01"\nsource = "my desk"\nkind = "S"\n'
    )
    sc = load_scenario(str(path))
    assert sc.name == "my site"
    assert sc.btc_price_usd == 91_000 and sc.figures["btc_price_usd"].source == "my desk"
    assert sc.value("electricity_usd_kwh") == 0.03
    assert sc.figures["electricity_usd_kwh"].date == "2026-01"  # a bare number takes the file date
    assert sc.difficulty == load_scenario("late-2025").difficulty


def test_user_file_complete_without_base(tmp_path):
    path = tmp_path / "full.toml"
    path.write_text(
        'date = "2026-01"\nbtc_price_usd = 90000\nhashprice_usd_per_ph_day = 40\n'
        "block_height = 930000\nfees_share_of_rewards = 0.01\npool_fee = 0\n"
        "electricity_usd_kwh = 0.05\npue = 1.1\nuptime = 0.95\nai_sold_fraction = 0.7\n"
    )
    sc = load_scenario(str(path))
    assert sc.subsidy_btc == 3.125
    assert sc.hashprice_usd_per_ph_day == pytest.approx(40.0)
    assert sc.gpu_hour_usd == {}


@pytest.mark.parametrize(
    "text, message",
    [
        ("btc_price_usd = [1, 2", "not valid TOML"),
        ('date = "x"\nbtc_price_usd = 1', "missing"),
        ('base = "late-2025"\nbtc_prize_usd = 1', "unknown scenario field"),
        ('base = "late-2025"\nbtc_price_usd = "cheap"', "must be a number"),
        ('base = "late-2025"\n[btc_price_usd]\ndate = "x"', "needs value"),
        ('base = "late-2025"\npool_fee = 1', "pool fee"),
    ],
)
def test_malformed_user_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(str(path))


def test_base_cycle(tmp_path):
    path = tmp_path / "loop.toml"
    path.write_text(f'base = "{path}"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(str(path))


def test_an_older_file_is_told_what_replaced_its_fields(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text('base = "late-2025"\nutilisation = 0.7\nhost_overhead_fraction = 0.82\n')
    with pytest.raises(ScenarioError, match="utilisation \\(replaced by ai_sold_fraction\\)"):
        load_scenario(str(path))


def test_token_prices_input_and_output():
    sc = load_scenario("late-2025")
    p8 = sc.token_usd_per_million["llama-8b"]
    assert (p8.input.value, p8.price.value) == (0.03, 0.05)
    assert p8.for_tokens("input").value == 0.03 and p8.for_tokens("output").value == 0.05
    both = load_scenario("late-2025", token_usd_per_million={"llama-8b": {"input": 0.02}})
    assert both.token_usd_per_million["llama-8b"].input.value == 0.02
    assert both.token_usd_per_million["llama-8b"].price.value == 0.05

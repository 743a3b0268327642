"""Market scenarios: presets with dated sources, user files, overrides and validation."""

from __future__ import annotations

import sys

import pytest

from bench.econ import list_scenarios, load_scenario, preset_names
from bench.econ.datafiles import data_text
from bench.econ.scenario import FIGURE_KEYS
from bench.errors import ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KINDS = {"V", "S", "E", "derived"}


def test_presets_listed_with_dates():
    names = {p["name"]: p for p in list_scenarios()}
    assert {"late-2025", "terawulf-q3-2025"} <= set(names)
    assert all(p["date"] for p in names.values())


@pytest.mark.parametrize("name", ["late-2025", "terawulf-q3-2025"])
def test_every_preset_figure_has_date_source_and_kind(name):
    raw = tomllib.loads(data_text(f"scenarios/{name}.toml"))
    for key in FIGURE_KEYS:
        if key in raw:
            assert isinstance(raw[key], dict), f"{key} must be a table with its source"
    sc = load_scenario(name)
    for fig in [*sc.figures.values(), *sc.gpu_hour_usd.values()] + [
        p.price for p in sc.token_usd_per_million.values()
    ]:
        assert fig.date and fig.source and fig.kind in KINDS, fig


def test_terawulf_preset():
    # BTC ~102,890 USD, hashprice ~48 USD/PH/day (difficulty derived), 0.047 USD/kWh, uptime 70 %
    sc = load_scenario("terawulf-q3-2025")
    assert sc.btc_price_usd == 102_890
    assert sc.hashprice_usd_per_ph_day == pytest.approx(48.0)
    assert sc.figures["difficulty"].kind == "derived"
    assert "hashprice" in sc.figures["difficulty"].source
    assert sc.value("electricity_usd_kwh") == 0.047
    assert sc.value("uptime") == 0.70
    # D = 1e15 * 86400 * 3.14386 * 102890 / (48 * 2**32) = 135.57e12
    assert sc.difficulty == pytest.approx(135.57e12, rel=1e-4)
    # inherited from late-2025
    assert "llama-8b" in sc.token_usd_per_million and "H200" in sc.gpu_hour_usd


def test_to_dict_carries_dates_and_derived():
    doc = load_scenario("late-2025").to_dict()
    assert doc["name"] == "late-2025" and doc["date"]
    assert doc["figures"]["btc_price_usd"]["date"] and doc["figures"]["btc_price_usd"]["source"]
    assert doc["derived"]["hashprice_usd_per_ph_day"] > 0
    assert doc["gpu_hour_usd"]["H200"]["source"]


def test_price_override_keeps_difficulty():
    base = load_scenario("terawulf-q3-2025")
    sc = load_scenario("terawulf-q3-2025", btc_price_usd=2 * 102_890)
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
        {"utilisation": 0},
        {"pue": 0.9},
        {"electricity_usd_kwh": -0.01},
        {"host_overhead_fraction": -0.1},
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
        "electricity_usd_kwh = 0.05\npue = 1.1\nuptime = 0.95\nhost_overhead_fraction = 0.3\n"
        "utilisation = 0.7\n"
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
        ('base = "late-2025"\nbtc_prize_usd = 1', "unknown field"),
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

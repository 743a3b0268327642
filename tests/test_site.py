"""Site planner arithmetic, each figure worked by hand here from the Bitcoin formula.

BTC = hashrate x uptime x seconds x (subsidy + fees) x (1 - pool fee) / (difficulty x 2**32).
"""

from __future__ import annotations

import fnmatch
import sys
import textwrap
from pathlib import Path

import pytest

from bench.econ.site import Overrides, quarter_period, resolve_period
from bench.econ.site_model import SiteError, list_presets, load_site
from bench.econ.site_plan import parse_sweep, site_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GOLDEN = Path(__file__).parent / "golden" / "result-v1.json"
TWO32 = 2.0**32

# The REPORTED quarter (TeraWulf, "TeraWulf Reports Third Quarter 2025 Results", 10 Nov 2025),
# typed in from the release: not computed by the code under test.
REPORTED_BTC = 377.0
REPORTED_MINING_USD = 43.38e6
REPORTED_HPC_USD = 7.2e6

MARKET = """
[market]
btc_price_usd = 100000
difficulty = 150e12
subsidy_btc = 3.125
pool_fee = 0.02
electricity_usd_kwh = 0.05
"""


def write_site(tmp_path: Path, body: str, market: str = MARKET, site_mw: float = 5.0) -> Path:
    text = 'name = "t"\ndate = "2025-01-01"\n[period]\nstart = "2025-01-01"\ndays = 1\n'
    text += f"[site]\ncritical_it_mw = {site_mw}\n" + market + textwrap.dedent(body)
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


ONE_HALL = """
[[hall]]
name = "m"
kind = "mining"
uptime = 0.9
pue = 1.1
fleet = [{ name = "custom 200", th_s = 200, power_w = 3500, units = 1000 }]
"""


def one_hall_doc(tmp_path: Path, over: Overrides | None = None, days: float | None = None):
    site = load_site(str(write_site(tmp_path, ONE_HALL)))
    return site_document(site, resolve_period(site, days, None), over)


def test_one_mining_hall_one_day_by_hand(tmp_path):
    doc = one_hall_doc(tmp_path)
    hashrate = 1000 * 200e12  # 200 PH/s installed
    btc = hashrate * 0.9 * 86400 * 3.125 * (1 - 0.02) / (150e12 * TWO32)
    assert doc["btc_mined"] == pytest.approx(btc, rel=1e-12, abs=0)
    assert doc["mining_revenue_usd"] == pytest.approx(btc * 100000, rel=1e-12, abs=0)
    kwh = 1000 * 3500 / 1000 * 0.9 * 1.1 * 24  # 3.5 MW x uptime x PUE x 24 h, in kWh
    assert doc["electricity_usd"] == pytest.approx(kwh * 0.05, rel=1e-12, abs=0)
    margin = btc * 100000 - kwh * 0.05
    assert doc["margin_usd"] == pytest.approx(margin, rel=1e-12, abs=0)
    assert doc["per_mw"]["margin_usd"] == pytest.approx(margin / 5.0, rel=1e-12, abs=0)
    hall = doc["halls"][0]
    assert hall["installed_eh_s"] == pytest.approx(0.2, rel=1e-12)
    assert hall["effective_eh_s"] == pytest.approx(0.18, rel=1e-12)
    assert hall["critical_it_mw"] == pytest.approx(3.5, rel=1e-12)  # the fleet's nameplate
    assert doc["period_days"] == 1.0


def test_days_scale_linearly(tmp_path):
    one, ten = one_hall_doc(tmp_path), one_hall_doc(tmp_path, days=10)
    assert ten["btc_mined"] == pytest.approx(10 * one["btc_mined"], rel=1e-12, abs=0)


def test_catalog_asic_fleet(tmp_path):
    body = """
    [[hall]]
    name = "m"
    kind = "mining"
    fleet = [{ asic = "Antminer S21 XP", units = 10 }]
    """
    site = load_site(str(write_site(tmp_path, body)))
    doc = site_document(site, resolve_period(site, None, None))
    btc = 10 * 270e12 * 86400 * 3.125 * 0.98 / (150e12 * TWO32)  # S21 XP: 270 TH/s, 3645 W
    assert doc["btc_mined"] == pytest.approx(btc, rel=1e-12, abs=0)
    assert doc["electricity_usd"] == pytest.approx(10 * 3.645 * 24 * 0.05, rel=1e-12, abs=0)


def test_difficulty_epochs_sum_by_time(tmp_path):
    market = MARKET.replace("difficulty = 150e12\n", "")
    market += """
    [[market.difficulty_epochs]]
    from = "2024-12-20"
    difficulty = 100e12
    [[market.difficulty_epochs]]
    from = "2025-01-05"
    difficulty = 125e12
    """
    body = """
    [[hall]]
    name = "m"
    kind = "mining"
    installed_eh_s = 2.0
    critical_it_mw = 5
    """
    site = load_site(str(write_site(tmp_path, body, textwrap.dedent(market))))
    doc = site_document(site, resolve_period(site, 10, None))
    # 4 days (1-4 Jan) at 100 T, then 6 days at 125 T
    btc = 2e18 * 86400 * 3.125 * 0.98 * (4 / 100e12 + 6 / 125e12) / TWO32
    assert doc["btc_mined"] == pytest.approx(btc, rel=1e-12, abs=0)
    assert doc["market"]["difficulty_time_weighted"] == pytest.approx(115e12, rel=1e-12)
    with pytest.raises(SiteError, match="no difficulty known before"):
        site_document(site, quarter_period("2024Q3"))


def test_hosting_lease_per_mw_year_and_per_mwh(tmp_path):
    body = """
    [[hall]]
    name = "year"
    kind = "hosting"
    critical_it_mw = 2
    leased_mw = 2
    lease_usd_per_mw_year = 1.5e6
    lease_start = "2025-01-06"
    load_factor = 0.8
    pue = 1.3
    [[hall]]
    name = "mwh"
    kind = "hosting"
    critical_it_mw = 1
    lease_usd_per_mwh = 200
    power_passed_through = true
    """
    site = load_site(str(write_site(tmp_path, body)))
    doc = site_document(site, resolve_period(site, 30, None))
    year, mwh = doc["halls"]
    assert year["lease_days"] == 25  # 6-30 Jan
    assert year["ai_revenue_usd"] == pytest.approx(2 * 1.5e6 * 25 / 365, rel=1e-12, abs=0)
    assert year["electricity_usd"] == pytest.approx(2 * 0.8 * 1.3 * 24 * 25 * 50, rel=1e-12)
    assert mwh["ai_revenue_usd"] == pytest.approx(1 * 24 * 30 * 200, rel=1e-12, abs=0)
    assert mwh["electricity_usd"] == 0.0  # passed through to the tenant
    assert doc["btc_mined"] == 0.0


def test_gpu_fleet_from_a_result_file(tmp_path):
    # golden v1 file: llm-decode 2400 token/s at 0.25 J/token (board), median of its windows
    body = f"""
    [[hall]]
    name = "gpu"
    kind = "gpu"
    result = "{GOLDEN}"
    workload = "llm-decode"
    gpus = 100
    host_w_per_gpu = 200
    sold_fraction = 0.8
    usd_per_million_units = 0.05
    pue = 1.2
    """
    site = load_site(str(write_site(tmp_path, body)))
    doc = site_document(site, resolve_period(site, None, None))
    tokens = 2400 * 100 * 0.8 * 86400
    assert doc["ai_revenue_usd"] == pytest.approx(tokens / 1e6 * 0.05, rel=1e-12, abs=0)
    joules = (tokens * 0.25 + 100 * 200 * 0.8 * 86400) * 1.2
    assert doc["electricity_usd"] == pytest.approx(joules / 3.6e6 * 0.05, rel=1e-12, abs=0)
    assert doc["halls"][0]["critical_it_mw"] == pytest.approx(100 * 800 / 1e6, rel=1e-12)


def test_gpu_hour_basis(tmp_path):
    body = f"""
    [[hall]]
    name = "gpu"
    kind = "gpu"
    result = "{GOLDEN}"
    workload = "llm-decode"
    critical_it_mw = 0.8
    usd_per_gpu_hour = 2.5
    sold_fraction = 0.5
    """
    site = load_site(str(write_site(tmp_path, body)))
    doc = site_document(site, resolve_period(site, None, None))
    gpus = 0.8e6 / 600  # the MW at the measured 600 W per GPU (no host power given)
    assert doc["halls"][0]["gpus"] == pytest.approx(gpus, rel=1e-12)
    assert doc["ai_revenue_usd"] == pytest.approx(gpus * 0.5 * 24 * 2.5, rel=1e-12, abs=0)


def test_terawulf_q3_2025_reproduces_the_reported_quarter():
    site = load_site("terawulf-q3-2025")
    doc = site_document(site, quarter_period("2025Q3"))
    assert doc["period_days"] == 92
    assert doc["btc_mined"] == pytest.approx(REPORTED_BTC, rel=0.03)
    assert doc["mining_revenue_usd"] == pytest.approx(REPORTED_MINING_USD, rel=0.03)
    assert doc["ai_revenue_usd"] == pytest.approx(REPORTED_HPC_USD, rel=0.10)
    hall = doc["halls"][0]
    assert hall["effective_eh_s"] == pytest.approx(8.5, rel=0.02)  # ~70 % of ~12.1 installed
    assert hall["installed_eh_s"] == pytest.approx(12.1, rel=1e-9)  # kept apart, not scaled
    # the quarter's difficulty, time-weighted by hand over the epochs' days
    days = [(12, 116.96), (12, 126.27), (28, 127.62), (15, 134.7), (13, 136.04), (12, 142.34)]
    weighted = sum(d * t for d, t in days) / 92 * 1e12
    assert doc["market"]["difficulty_time_weighted"] == pytest.approx(weighted, rel=1e-12)
    assert weighted == pytest.approx(130.3e12, rel=0.001)


def test_every_preset_figure_is_dated_and_sourced():
    doc = site_document(load_site("terawulf-q3-2025"), quarter_period("2025Q3"))
    figures = [a for a in doc["assumptions"] if a["where"] != "rule"]
    assert len(figures) >= 15
    for a in figures:
        assert a["source"], a
        assert "shared/" not in a["source"] and "reference" not in a["source"].lower(), a
    markets = {a["what"] for a in figures if a["where"] == "market"}
    assert {"btc_price_usd", "subsidy_btc", "electricity_usd_kwh"} <= markets


def test_btc_price_sweep_is_monotonic_and_right_at_two_points(tmp_path):
    site = load_site(str(write_site(tmp_path, ONE_HALL)))
    kind, values = parse_sweep("btc-price:50000:150000:5")
    assert values == [50000, 75000, 100000, 125000, 150000]
    doc = site_document(site, resolve_period(site, None, None), sweep_spec=(kind, values))
    points = doc["sweep"]["points"]
    margins = [p["margin_usd"] for p in points]
    assert margins == sorted(margins) and len(set(margins)) == 5
    btc = 200e15 * 0.9 * 86400 * 3.125 * 0.98 / (150e12 * TWO32)
    elec = 3500 * 0.9 * 1.1 * 24 * 0.05
    assert points[0]["margin_usd"] == pytest.approx(btc * 50000 - elec, rel=1e-12, abs=0)
    assert points[4]["margin_usd"] == pytest.approx(btc * 150000 - elec, rel=1e-12, abs=0)


def test_hashprice_sweep_by_hand(tmp_path):
    doc = one_hall_doc(tmp_path, Overrides(hashprice_usd_per_ph_day=40.0))
    # 180 PH/s effective x 40 USD/PH/day x 1 day, less the 2 % pool fee
    assert doc["mining_revenue_usd"] == pytest.approx(180 * 40 * 0.98, rel=1e-12, abs=0)


def test_split_sweep_moves_megawatts(tmp_path):
    body = (
        ONE_HALL.replace('name = "m"', 'name = "m"\ncritical_it_mw = 3.5')
        + """
    [[hall]]
    name = "h"
    kind = "hosting"
    critical_it_mw = 1.5
    lease_usd_per_mw_year = 1.0e6
    power_passed_through = true
    """
    )
    site = load_site(str(write_site(tmp_path, body)))
    period = resolve_period(site, None, None)
    all_ai = site_document(site, period, Overrides(mining_share=0.0))
    assert all_ai["btc_mined"] == 0.0
    assert all_ai["ai_revenue_usd"] == pytest.approx(5.0 * 1e6 / 365, rel=1e-12, abs=0)
    all_mining = site_document(site, period, Overrides(mining_share=1.0))
    assert all_mining["ai_revenue_usd"] == 0.0
    btc = 200e15 * 5 / 3.5 * 0.9 * 86400 * 3.125 * 0.98 / (150e12 * TWO32)
    assert all_mining["btc_mined"] == pytest.approx(btc, rel=1e-12, abs=0)


def test_payback_by_hand(tmp_path):
    body = (
        ONE_HALL.replace('name = "m"', 'name = "m"\ncritical_it_mw = 3.5')
        + """
    [[hall]]
    name = "h"
    kind = "hosting"
    critical_it_mw = 1.5
    lease_usd_per_mw_year = 1.0e6
    power_passed_through = true
    """
    )
    site = load_site(str(write_site(tmp_path, body)))
    doc = site_document(site, resolve_period(site, None, None), capex_per_mw=5e6)
    pay = doc["payback"]["halls"][0]
    per_day = 1.5 * 1e6 / 365
    assert pay["payback_days"] == pytest.approx(7.5e6 / per_day, rel=1e-12)
    btc = 200e15 * 0.9 * 86400 * 3.125 * 0.98 / (150e12 * TWO32)
    mining_per_mw = (btc * 1e5 - 3500 * 0.9 * 1.1 * 24 * 0.05) / 3.5
    expect = 7.5e6 / (per_day - 1.5 * mining_per_mw)
    assert pay["payback_vs_mining_days"] == pytest.approx(expect, rel=1e-9)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[[hall]]\nname='m'\nkind='mining'\ninstalled_eh_s=1\ncritical_it_mw=-1\n",
            "out of range",
        ),
        ("[[hall]]\nname='m'\nkind='mining'\ninstalled_eh_s=1\ncritical_it_mw=6\n", "add up"),
        (
            "[[hall]]\nname='m'\nkind='mining'\nfleet=[{asic='Antminer S99',units=1}]\n",
            "unknown ASIC",
        ),
        ("[[hall]]\nname='m'\nkind='mining'\ninstalled_eh_s=nan\ncritical_it_mw=1\n", "finite"),
        (
            "[[hall]]\nname='m'\nkind='mining'\ninstalled_eh_s=1e308\ncritical_it_mw=1\n",
            "out of range",
        ),
        ("[[hall]]\nname='m'\nkind='mining'\ninstalled_eh_s=inf\ncritical_it_mw=1\n", "finite"),
        ("[[hall]]\nname='m'\nkind='solar'\n", "kind must be"),
        (
            "[[hall]]\nname='m'\nkind='mining'\ninstalled_eh_s=1\ncritical_it_mw=1\nbogus=1\n",
            "unknown key",
        ),
        ("", "at least one"),
        (ONE_HALL + "[reported]\nbtc_mined = -1\n", "out of range"),
        (ONE_HALL + "[reported]\nprofit = 1\n", "unknown key"),
    ],
)
def test_bad_site_files_are_refused(tmp_path, body, message):
    with pytest.raises(SiteError, match=message):
        load_site(str(write_site(tmp_path, body)))


def test_unknown_preset_and_bad_periods():
    with pytest.raises(SiteError, match="unknown site preset"):
        load_site("no-such-site")
    with pytest.raises(SiteError, match="2025Q3"):
        quarter_period("2025Q5")
    site = load_site("terawulf-q3-2025")
    for days in (float("nan"), float("inf"), -1.0, 1e308):
        with pytest.raises(SiteError):
            resolve_period(site, days, None)


def test_site_presets_ship_as_package_data():
    root = Path(__file__).resolve().parents[1]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["bench"]
    rel = "data/sites/terawulf-q3-2025.toml"
    assert any(fnmatch.fnmatch(rel, g) for g in globs), globs
    assert "terawulf-q3-2025" in list_presets()  # found through importlib.resources

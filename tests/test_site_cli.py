"""`joulebench site` end to end: JSON keys, printed assumptions, HTML sweep plot, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assert_bad_input
from tests.result_fixtures import cpu_doc

JSON_KEYS = {
    "period_days",
    "btc_mined",
    "mining_revenue_usd",
    "ai_revenue_usd",
    "electricity_usd",
    "margin_usd",
    "per_mw",
    "halls",
    "assumptions",
}
GOOD_HALL = """
[[hall]]
name = "m"
kind = "mining"
installed_eh_s = 1.0
critical_it_mw = 20
"""


def site_file(tmp_path: Path, halls: str = GOOD_HALL, site_mw: str = "30") -> Path:
    text = f"""name = "t"
date = "2025-01-01"
[period]
start = "2025-01-01"
days = 7
[site]
critical_it_mw = {site_mw}
[market]
btc_price_usd = 100000
difficulty = 150e12
subsidy_btc = 3.125
electricity_usd_kwh = 0.05
{halls}"""
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


def test_preset_json_has_the_keys_and_the_reported_quarter(run_cli):
    res = run_cli("site", "terawulf-q3-2025", "--quarter", "2025Q3", "--json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert JSON_KEYS <= set(doc)
    assert doc["period_days"] == 92
    # TeraWulf Q3 2025 release (10 Nov 2025): 377 BTC, 43.38 M USD mining, 7.2 M USD HPC
    assert doc["btc_mined"] == pytest.approx(377, rel=0.03)
    assert doc["mining_revenue_usd"] == pytest.approx(43.38e6, rel=0.03)
    assert doc["ai_revenue_usd"] == pytest.approx(7.2e6, rel=0.10)
    assert doc["per_mw"]["margin_usd"] == pytest.approx(doc["margin_usd"] / 267.5, rel=1e-12)


def test_preset_text_prints_every_assumption(run_cli):
    res = run_cli("site", "terawulf-q3-2025")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "assumptions:" in out
    for needle in ("0.047", "uptime = 0.7", "lease_start = 2025-07-15", "142,340,000,000,000"):
        assert needle in out, needle
    assert "BTC mined" in out and "margin" in out
    assert "377 reported" in out and "7,200,000 reported" in out  # the comparison is shown


def test_reported_figures_are_compared_only_for_their_own_period(run_cli):
    res = run_cli("site", "terawulf-q3-2025", "--days", "30", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["reported"].startswith("not compared")


def test_sweep_html_has_the_plot_and_json_the_points(run_cli, tmp_path):
    html_path = tmp_path / "site.html"
    res = run_cli(
        "site", "terawulf-q3-2025", "--sweep", "btc-price:80000:140000:4",
        "--html", html_path, "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    values = [p["value"] for p in doc["sweep"]["points"]]
    assert values == [80000, 100000, 120000, 140000]
    revenue = [p["mining_revenue_usd"] for p in doc["sweep"]["points"]]
    ratio = revenue[3] / revenue[0]
    assert ratio == pytest.approx(140000 / 80000, rel=1e-12)  # BTC mined does not move
    page = html_path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "Site sweep over btc-price" in page
    assert "Sweep over btc-price" in page and "Assumptions" in page
    assert "<script" not in page and 'src="http' not in page  # self-contained


def test_split_sweep_on_the_preset(run_cli):
    res = run_cli("site", "terawulf-q3-2025", "--sweep", "split:0:1:3", "--json")
    assert res.exit_code == 0, res.stderr
    pts = json.loads(res.stdout)["sweep"]["points"]
    assert pts[0]["btc_mined"] == 0 and pts[2]["ai_revenue_usd"] == 0


@pytest.mark.parametrize(
    ("halls", "site_mw"),
    [
        (GOOD_HALL.replace("critical_it_mw = 20", "critical_it_mw = -5"), "30"),
        (GOOD_HALL, "-30"),
        (GOOD_HALL + GOOD_HALL.replace('"m"', '"n"'), "30"),  # 40 MW of halls in 30
        ('[[hall]]\nname="m"\nkind="mining"\nfleet=[{asic="Antminer Z9",units=3}]\n', "30"),
        (GOOD_HALL, "nan"),
        (GOOD_HALL, "inf"),
        (GOOD_HALL, "1e308"),
        (GOOD_HALL + "[[hall", "30"),  # malformed TOML
        (GOOD_HALL.replace("kind", "kin"), "30"),
    ],
)
def test_bad_site_files_exit_2_with_one_line(run_cli, tmp_path, halls, site_mw):
    path = site_file(tmp_path, halls, site_mw)
    html_path = tmp_path / "out.html"
    assert_bad_input(run_cli("site", path, "--html", html_path))
    assert list(tmp_path.iterdir()) == [path]  # no HTML, no temp file left behind


def gpu_site(tmp_path: Path, result: Path) -> Path:
    hall = f"""
[[hall]]
name = "g"
kind = "gpu"
result = "{result}"
gpus = 10
usd_per_gpu_hour = 2
"""
    return site_file(tmp_path, hall)


@pytest.mark.parametrize(
    "content",
    [
        {"format": "something-else", "schema_version": 1},
        {"format": "joulebench-result", "schema_version": 99, "workloads": []},
        "not json at all",
    ],
)
def test_result_file_of_another_schema_is_refused(run_cli, tmp_path, content):
    result = tmp_path / "r.json"
    result.write_text(content if isinstance(content, str) else json.dumps(content))
    assert_bad_input(run_cli("site", gpu_site(tmp_path, result)))


def test_a_mining_workload_or_no_workload_name_is_refused(run_cli, tmp_path):
    golden = Path(__file__).parent / "golden" / "result-v1.json"
    path = gpu_site(tmp_path, golden)  # two workloads and no name: ambiguous
    res = run_cli("site", path)
    assert_bad_input(res)
    assert "name the workload" in res.stderr
    path.write_text(path.read_text().replace("gpus = 10", 'gpus = 10\nworkload = "sha256d"'))
    res = run_cli("site", path)
    assert_bad_input(res)
    assert "mining workload" in res.stderr


def test_unmeasured_energy_in_the_result_is_refused(run_cli, tmp_path):
    result = tmp_path / "cpu.json"
    result.write_text(json.dumps(cpu_doc()))
    res = run_cli("site", gpu_site(tmp_path, result))
    assert_bad_input(res)
    assert "unmeasured" in res.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("no-such-preset",),
        ("terawulf-q3-2025", "--btc-price", "nan"),
        ("terawulf-q3-2025", "--btc-price", "-1"),
        ("terawulf-q3-2025", "--btc-price", "1e308"),
        ("terawulf-q3-2025", "--hashprice-usd-ph-day", "inf"),
        ("terawulf-q3-2025", "--days", "inf"),
        ("terawulf-q3-2025", "--days", "-3"),
        ("terawulf-q3-2025", "--days", "3", "--quarter", "2025Q3"),
        ("terawulf-q3-2025", "--quarter", "2025Q2"),  # before the first difficulty epoch
        ("terawulf-q3-2025", "--quarter", "Q3"),
        ("terawulf-q3-2025", "--mining-share", "1.5"),
        ("terawulf-q3-2025", "--conversion-capex-usd-per-mw", "nan"),
        ("terawulf-q3-2025", "--sweep", "btc-price:5:1"),
        ("terawulf-q3-2025", "--sweep", "gold:1:5"),
        ("terawulf-q3-2025", "--sweep", "btc-price:1:nan"),
        ("terawulf-q3-2025", "--sweep", "btc-price:0:100000:3"),  # a zero BTC price
        ("terawulf-q3-2025", "--sweep", "hashprice:1e-300:1e-299"),  # difficulty overflows
        ("missing-file.toml",),
    ],
)
def test_bad_flags_exit_2_with_one_line(run_cli, tmp_path, args):
    html_path = tmp_path / "out.html"
    assert_bad_input(run_cli("site", *args, "--html", html_path))
    assert not html_path.exists()
    assert list(tmp_path.iterdir()) == []


def test_html_into_a_missing_folder_is_refused(run_cli, tmp_path):
    res = run_cli("site", "terawulf-q3-2025", "--html", tmp_path / "no" / "x.html")
    assert_bad_input(res)


def test_a_period_starting_past_the_year_2200_is_refused(run_cli, tmp_path):
    path = site_file(tmp_path)
    path.write_text(path.read_text().replace('start = "2025-01-01"', 'start = "9999-12-30"'))
    res = run_cli("site", path)
    assert_bad_input(res)
    assert "9999-12-30 is outside the years 2009-2200" in res.stderr


def test_a_reported_zero_gives_no_ratio_rather_than_a_traceback(run_cli, tmp_path):
    path = site_file(tmp_path)
    path.write_text(path.read_text() + "[reported]\nbtc_mined = 0\n")
    res = run_cli("site", path)
    assert res.exit_code == 0, res.stderr
    assert "reported (no ratio to a reported 0)" in res.stdout

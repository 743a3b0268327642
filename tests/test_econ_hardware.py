"""The one hardware catalog and its one name matcher; capex and power on one boundary."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import bench
from bench.econ import load_scenario
from bench.econ.ownership import ownership
from bench.hardware import find_card, gpu_peak, load_cards, load_platforms

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DATA = Path(bench.__file__).parent / "data"


def test_one_catalog_file_and_one_matcher():
    assert not (DATA / "peaks.toml").exists() and not (DATA / "cards.toml").exists()
    # econ has no catalog module of its own: its card figures are bench.hardware's
    assert importlib.util.find_spec("bench.econ.catalog") is None
    assert bench.econ.find_card is find_card
    # the card's peak and the roofline's peak are one object
    assert gpu_peak("NVIDIA H200")[0] is find_card("NVIDIA H200").peak


def test_figures_written_once():
    text = (DATA / "hardware.toml").read_text()
    rows = tomllib.loads(text)["card"]
    h200 = next(r for r in rows if r["name"] == "H200 SXM")
    assert h200["tflop_s"]["bf16"] == 989.5  # the datasheet's 1979 sparse, halved
    assert "989.0" not in text  # the drifted figure of the old second catalog
    assert text.count("790.0") == 1 and h200["measured"]["tflop_s"]["bf16"] == 790.0
    a100_pcie = next(r for r in rows if r["name"] == "A100 PCIe 80GB")
    assert a100_pcie["bandwidth_tb_s"] == 1.935


@pytest.mark.parametrize(
    "device, card, power_w, platform",
    [
        ("NVIDIA H200", "H200 SXM", 700, "sxm-server"),
        ("NVIDIA H200 NVL", "H200 NVL", 600, "pcie-server"),
        ("NVIDIA H100 NVL", "H100 NVL", 400, "pcie-server"),
        ("NVIDIA H100 80GB HBM3", "H100 SXM", 700, "sxm-server"),
        ("NVIDIA H100 PCIe", "H100 PCIe", 350, "pcie-server"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090", 450, "workstation"),
        ("NVIDIA GeForce RTX 4090 D", "RTX 4090 D", 425, "workstation"),
        ("NVIDIA GeForce RTX 4090 Laptop GPU", None, None, None),
    ],
)
def test_variant_names_match_their_own_rows(device, card, power_w, platform):
    found = find_card(device)
    assert (found.name if found else None) == card
    if found is not None:
        assert (found.board_power_w, found.platform) == (power_w, platform)


def test_nvl_does_not_take_the_sxm_price():
    assert find_card("NVIDIA H200 NVL").price_usd is None
    assert find_card("NVIDIA H200").price_usd.value == 35_000


def test_every_catalog_figure_is_dated_and_sourced():
    for card in load_cards():
        assert card.date and card.source and card.platform in load_platforms()
        for fig in (card.price_usd, card.gpu_hour_usd):
            if fig is not None:
                assert fig.date and fig.source and fig.kind, card.name
                assert ".md" not in fig.source
        assert ".md" not in card.source
    for p in load_platforms().values():
        for fig in (p.host_overhead_w, p.host_capex_usd):
            assert fig.date and fig.source and fig.kind


FLAT = load_scenario("late-2025", electricity_usd_kwh=0.10, pue=1.0)


@pytest.mark.parametrize(
    "card, board_w, host_w, card_usd, host_usd",
    [
        # the SXM server's host: (10,200 W - 8 x 700 W) / 8 = 575 W, 15,000 USD per GPU
        ("H200 SXM", 700, 575, 35_000, 15_000),
        # a PCIe server's: 150 W and 5,000 USD per GPU (capex given: the card has no price)
        ("H100 PCIe", 350, 150, 20_000, 5_000),
        # a workstation's: 100 W and 1,500 USD
        ("RTX 4090", 450, 100, 1_599, 1_500),
    ],
)
def test_capex_and_power_on_one_boundary_by_platform(card, board_w, host_w, card_usd, host_usd):
    capex = None if find_card(card).price_usd else card_usd
    doc = ownership(FLAT, board_w, capex, card, years=1, usd_per_day=10.0)
    assert doc["revenue"]["wall_power_w"] == board_w + host_w
    assert (doc["card_capex_usd"], doc["host_capex_usd"]) == (card_usd, host_usd)
    assert doc["capex_usd"] == card_usd + host_usd
    # electricity on that wall power, all year: (board + host) kW * 8766 h * 0.10 USD/kWh
    want = (board_w + host_w) / 1000 * 8766 * 0.10
    assert doc["tco"]["electricity_usd_per_year"] == pytest.approx(want, rel=1e-12)
    # the old rule (82 % of board power) would have given an RTX 4090 369 W of host
    assert host_w != pytest.approx(0.82 * board_w)


def test_wall_footing_adds_no_host_to_power_or_capex():
    doc = ownership(FLAT, 3645, 6939.0, None, footing="wall", usd_per_day=10.0)
    assert doc["revenue"]["wall_power_w"] == 3645 and doc["host_capex_usd"] == 0.0
    assert doc["capex_usd"] == 6939.0


def test_platform_flag_and_cards_listing(run_cli):
    res = run_cli(
        "econ", "tco", "--capex-usd", "20000", "--power-w", "350", "--usd-per-day", "10",
        "--platform", "pcie-server", "--json",
    )  # fmt: skip
    doc = json.loads(res.stdout)
    assert doc["revenue"]["wall_power_w"] == 500 and doc["capex_usd"] == 25_000
    cards = json.loads(run_cli("econ", "cards", "--json").stdout)
    by_name = {c["name"]: c for c in cards["cards"]}
    assert by_name["RTX 5090"]["gpu_hour_usd"] is None  # said unpriced, not given another's
    assert by_name["H100 PCIe"]["gpu_hour_usd"] is None
    assert set(cards["platforms"]) == {"sxm-server", "pcie-server", "workstation"}
    text = run_cli("econ", "cards").stdout
    assert "unpriced" in text and "pcie-server" in text and "RTX 4090 D" in text


def test_asic_references_cite_their_makers():
    from bench.econ import load_asics

    for asic in load_asics():
        assert asic.date and asic.source and ".md" not in asic.source, asic.name
        maker = "Bitmain" if asic.name.startswith("Antminer") else "MicroBT"
        assert maker in asic.source, asic.name
        if asic.price_usd_per_th is not None:
            assert asic.price_usd_per_th.date and ".md" not in asic.price_usd_per_th.source


def test_an_older_revenue_document_takes_the_cards_platform_for_capex():
    # a result priced before platforms (no "platform" key), board power, on an RTX 4090:
    # capex 1,599 USD card + 1,500 USD workstation host = 3,099 USD
    from bench.econ import procurement

    old = {"basis": "gpu-hour", "footing": "board", "usd_per_day": 10.0, "net_usd_per_day": 9.0,
           "electricity_usd_per_day": 1.0, "power_w": 450}  # fmt: skip
    doc = procurement({"power_w": 450}, old, None, card=find_card("NVIDIA GeForce RTX 4090"))
    assert (doc["card_capex_usd"], doc["host_capex_usd"], doc["capex_usd"]) == (1599, 1500, 3099)
    # no scenario: payback is flat, 3,099 / (9 USD/day * 30.4375 days) = 11.313 months
    assert doc["path"] is None
    assert doc["payback_months"] == pytest.approx(3099 / (9 * 30.4375), rel=1e-12)


def test_wall_power_with_a_catalog_card_adds_its_host_to_the_capex():
    # wall power covers the workstation around the RTX 4090, so the capex does too:
    # 1,599 USD card + 1,500 USD host; a given capex on wall power is taken as the whole machine
    doc = ownership(FLAT, 550, None, "RTX 4090", footing="wall", usd_per_day=5.0)
    assert (doc["card_capex_usd"], doc["host_capex_usd"]) == (1599, 1500)
    assert doc["revenue"]["wall_power_w"] == 550
    given = ownership(FLAT, 550, 3000.0, "RTX 4090", footing="wall", usd_per_day=5.0)
    assert given["capex_usd"] == 3000.0 and given["host_capex_usd"] == 0.0

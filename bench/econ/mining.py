"""Mining revenue of one device from its hashrate and power under a scenario.

Mining runs at the scenario's uptime (curtailment): gross and net are both at that uptime, so
gross - electricity = net. The per-joule figures (usd_per_j, usd_per_kwh and their wall
versions) are while running, and do not depend on the uptime. The daily figures at full time
("usd_per_day_running") are kept beside them.
"""

from __future__ import annotations

import logging

from bench.econ import bitcoin
from bench.econ.asics import asic_references
from bench.econ.footing import (
    J_PER_KWH,
    Boundary,
    boundary,
    check_finite,
    check_positive,
    electricity_usd_per_day,
    facility_kwh_per_day,
    footing_fields,
)
from bench.econ.scenario import Scenario
from bench.errors import InvalidInput

log = logging.getLogger(__name__)


def btc_per_day(hashrate_hs: float, scenario: Scenario) -> float:
    """Expected BTC per day of running for a hashrate, after the pool fee."""
    bph = bitcoin.btc_per_hash(scenario.reward_btc, scenario.difficulty, scenario.value("pool_fee"))
    return hashrate_hs * bitcoin.SECONDS_PER_DAY * bph


def mining_revenue(
    hashrate_hs: float,
    power_w: float,
    scenario: Scenario,
    footing: str | Boundary = "board",
    compare_asics: bool = True,
) -> dict:
    """BTC and USD per day (at the uptime), per joule and per kWh, net of electricity,
    break-evens, and the ASIC references beside it."""
    check_positive("hashrate_hs", hashrate_hs)
    check_positive("power_w", power_w)
    bound = boundary(footing)
    wall_w = bound.wall_power_w(power_w)
    uptime = scenario.value("uptime")
    btc_running = btc_per_day(hashrate_hs, scenario)
    usd_running = btc_running * scenario.btc_price_usd
    if btc_running <= 0 or usd_running <= 0:
        raise InvalidInput("the expected reward underflows to 0: the inputs are too extreme")
    usd_per_j = usd_running / (power_w * bitcoin.SECONDS_PER_DAY)
    usd_per_j_wall = usd_running / (wall_w * bitcoin.SECONDS_PER_DAY)
    elec_day = electricity_usd_per_day(wall_w, scenario, uptime)
    doc = {
        "hashrate_hs": hashrate_hs,
        **footing_fields(power_w, bound, scenario.value("pue")),
        "j_per_th": power_w / (hashrate_hs / bitcoin.TH_HS),
        "btc_per_day": btc_running * uptime,
        "usd_per_day": usd_running * uptime,
        "usd_per_day_running": usd_running,
        "usd_per_j": usd_per_j,
        "usd_per_kwh": usd_per_j * J_PER_KWH,
        "usd_per_j_wall": usd_per_j_wall,
        "usd_per_kwh_wall": usd_per_j_wall * J_PER_KWH,
        **bitcoin.hashprice_units(scenario.hashprice_usd_per_ph_day),
        "pool_fee": scenario.value("pool_fee"),
        "uptime": uptime,
        "running_fraction": uptime,
        "electricity_usd_kwh": scenario.value("electricity_usd_kwh"),
        "electricity_usd_per_day": elec_day,
        "net_usd_per_day": usd_running * uptime - elec_day,
        "breakeven_usd_per_kwh": usd_running / facility_kwh_per_day(wall_w, scenario.value("pue")),
        "breakeven_btc_price_usd": elec_day / (btc_running * uptime),
    }
    if compare_asics:
        doc["asics"] = asic_comparison(usd_per_j_wall, scenario)
    check_finite(doc)
    doc["scenario"] = scenario.to_dict()
    log.debug("mining revenue %.3g USD/day at %.3g H/s, %.3g W", usd_running, hashrate_hs, power_w)
    return doc


def asic_comparison(device_usd_per_j_wall: float, scenario: Scenario) -> list[dict]:
    """Each ASIC reference beside the device: what one wall joule earns in each."""
    out = []
    for ref in asic_references(scenario):
        ref["device_over_asic"] = device_usd_per_j_wall / ref["usd_per_j"]
        out.append(ref)
    return out

"""Mining revenue of one device from its hashrate and power under a scenario.

Gross figures (btc_per_day, usd_per_day, usd_per_j, usd_per_kwh) ignore uptime and PUE and use
the power as given; net figures apply uptime, host overhead (board footing) and PUE.
"""

from __future__ import annotations

import logging

from bench.econ import bitcoin
from bench.econ.asics import asic_references
from bench.econ.footing import (
    J_PER_KWH,
    check_positive,
    facility_kwh_per_day,
    footing_fields,
    wall_power_w,
)
from bench.econ.scenario import Scenario

log = logging.getLogger(__name__)


def btc_per_day(hashrate_hs: float, scenario: Scenario) -> float:
    """Expected BTC per day for a hashrate, after the pool fee."""
    bph = bitcoin.btc_per_hash(scenario.reward_btc, scenario.difficulty, scenario.value("pool_fee"))
    return hashrate_hs * bitcoin.SECONDS_PER_DAY * bph


def electricity_usd_per_day(wall_w: float, scenario: Scenario, busy: float = 1.0) -> float:
    """Electricity cost per day at this wall power, with PUE, uptime and a busy fraction."""
    kwh = facility_kwh_per_day(wall_w, scenario) * scenario.value("uptime") * busy
    return kwh * scenario.value("electricity_usd_kwh")


def mining_revenue(
    hashrate_hs: float,
    power_w: float,
    scenario: Scenario,
    footing: str = "board",
    compare_asics: bool = True,
) -> dict:
    """BTC and USD per day, per joule and per kWh, net of electricity, break-evens, ASICs."""
    check_positive("hashrate_hs", hashrate_hs)
    check_positive("power_w", power_w)
    wall_w = wall_power_w(power_w, footing, scenario)
    uptime = scenario.value("uptime")
    btc_day = btc_per_day(hashrate_hs, scenario)
    usd_day = btc_day * scenario.btc_price_usd
    usd_per_j = usd_day / (power_w * bitcoin.SECONDS_PER_DAY)
    usd_per_j_wall = usd_day / (wall_w * bitcoin.SECONDS_PER_DAY)
    elec_day = electricity_usd_per_day(wall_w, scenario)
    doc = {
        "hashrate_hs": hashrate_hs,
        **footing_fields(power_w, footing, scenario),
        "j_per_th": power_w / (hashrate_hs / bitcoin.TH_HS),
        "btc_per_day": btc_day,
        "usd_per_day": usd_day,
        "usd_per_j": usd_per_j,
        "usd_per_kwh": usd_per_j * J_PER_KWH,
        "usd_per_j_wall": usd_per_j_wall,
        "usd_per_kwh_wall": usd_per_j_wall * J_PER_KWH,
        **bitcoin.hashprice_units(scenario.hashprice_usd_per_ph_day),
        "pool_fee": scenario.value("pool_fee"),
        "uptime": uptime,
        "electricity_usd_kwh": scenario.value("electricity_usd_kwh"),
        "electricity_usd_per_day": elec_day,
        "net_usd_per_day": usd_day * uptime - elec_day,
        "breakeven_usd_per_kwh": usd_day / facility_kwh_per_day(wall_w, scenario),
        "breakeven_btc_price_usd": elec_day / (btc_day * uptime),
    }
    if compare_asics:
        doc["asics"] = asic_comparison(usd_per_j_wall, scenario)
    doc["scenario"] = scenario.to_dict()
    log.debug("mining revenue %.3g USD/day at %.3g H/s, %.3g W", usd_day, hashrate_hs, power_w)
    return doc


def asic_comparison(device_usd_per_j_wall: float, scenario: Scenario) -> list[dict]:
    """Each ASIC reference beside the device: what one wall joule earns in each."""
    out = []
    for ref in asic_references(scenario):
        ref["device_over_asic"] = device_usd_per_j_wall / ref["usd_per_j"]
        out.append(ref)
    return out

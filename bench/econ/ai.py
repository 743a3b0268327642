"""AI revenue from throughput and power: per unit sold, or per GPU-hour rented at a utilisation.

usd_per_j is revenue per joule while busy, comparable with mining's usd_per_j on the same card
(the pivot ratio, on wall power while busy). Per-day figures use the share of the time sold: the
given utilisation, else the scenario's ai_sold_fraction (one default for both bases). Mining's
uptime (curtailment) does not touch AI: the power taken from mining goes to AI. Electricity is
counted while busy only, so gross - electricity = net at the same fraction.

The document says how the work was priced in "basis" (and, the same value, "price_basis"):
"gpu-hour" (rented by the hour: revenue does not depend on throughput) or "per-<unit>" (sold
per unit, e.g. "per-token"; "per-unit" when no unit is named).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bench.econ.bitcoin import SECONDS_PER_DAY
from bench.econ.footing import (
    HOURS_PER_DAY,
    J_PER_KWH,
    Boundary,
    boundary,
    check_finite,
    check_fraction,
    check_positive,
    electricity_usd_per_day,
    facility_kwh_per_day,
    footing_fields,
)
from bench.econ.scenario import Scenario
from bench.errors import InvalidInput

log = logging.getLogger(__name__)
UNITS_PER_MILLION = 1e6


@dataclass(frozen=True)
class Sale:
    """How the work is sold: price basis, busy fraction, revenue per busy day, price per million."""

    basis: str
    busy: float
    usd_per_busy_day: float
    usd_per_million_units: float


def ai_revenue(
    units_per_s: float,
    power_w: float,
    scenario: Scenario,
    usd_per_million_units: float | None = None,
    usd_per_hour: float | None = None,
    utilisation: float | None = None,
    footing: str | Boundary = "board",
    unit: str | None = None,
) -> dict:
    """USD per day, per joule and per kWh, and net of electricity, for one AI workload.

    "basis" and "price_basis" (the same value) say how it was priced: "gpu-hour", or
    "per-<unit>" for a price per million units ("per-unit" when no unit is given).
    """
    check_positive("units_per_s", units_per_s)
    check_positive("power_w", power_w)
    if (usd_per_million_units is None) == (usd_per_hour is None):
        raise InvalidInput("give exactly one of usd_per_million_units and usd_per_hour")
    busy = scenario.value("ai_sold_fraction") if utilisation is None else utilisation
    check_fraction("utilisation", busy)
    if usd_per_hour is not None:
        price = check_positive("usd_per_hour", usd_per_hour)
        per_million = price / (units_per_s * 3600.0) * UNITS_PER_MILLION
        sale = Sale("gpu-hour", busy, price * HOURS_PER_DAY, per_million)
    else:
        per_million = check_positive("usd_per_million_units", usd_per_million_units)
        per_day = units_per_s * SECONDS_PER_DAY * per_million / UNITS_PER_MILLION
        sale = Sale(f"per-{unit or 'unit'}", busy, per_day, per_million)
    doc = _ai_figures(units_per_s, power_w, scenario, boundary(footing), sale)
    doc["utilisation_source"] = "given" if utilisation is not None else "scenario ai_sold_fraction"
    check_finite(doc)
    return doc


def _ai_figures(
    units_per_s: float, power_w: float, scenario: Scenario, bound: Boundary, sale: Sale
) -> dict:
    """The AI revenue document from how the work is sold."""
    basis, busy, usd_per_busy_day = sale.basis, sale.busy, sale.usd_per_busy_day
    wall_w = bound.wall_power_w(power_w)
    pue = scenario.value("pue")
    usd_day = usd_per_busy_day * busy
    usd_per_j = usd_per_busy_day / (power_w * SECONDS_PER_DAY)
    usd_per_j_wall = usd_per_busy_day / (wall_w * SECONDS_PER_DAY)
    elec_day = electricity_usd_per_day(wall_w, scenario, busy)
    log.debug(
        "ai revenue %.3g USD/day (%s) at %.3g units/s, %.3g W", usd_day, basis, units_per_s, power_w
    )
    return {
        "basis": basis,
        "price_basis": basis,
        "units_per_s": units_per_s,
        **footing_fields(power_w, bound, pue),
        "j_per_unit": power_w / units_per_s,
        "usd_per_million_units": sale.usd_per_million_units,
        "utilisation": busy,
        "running_fraction": busy,
        "usd_per_day": usd_day,
        "usd_per_day_busy": usd_per_busy_day,
        "usd_per_j": usd_per_j,
        "usd_per_kwh": usd_per_j * J_PER_KWH,
        "usd_per_j_wall": usd_per_j_wall,
        "usd_per_kwh_wall": usd_per_j_wall * J_PER_KWH,
        "electricity_usd_kwh": scenario.value("electricity_usd_kwh"),
        "electricity_usd_per_day": elec_day,
        "net_usd_per_day": usd_day - elec_day,
        "breakeven_usd_per_kwh": usd_per_busy_day / facility_kwh_per_day(wall_w, pue),
        "scenario": scenario.to_dict(),
    }


def pivot_ratio(ai: dict, mining: dict) -> float:
    """AI revenue per joule over mining revenue per joule, both on the wall footing.

    Documents without wall figures (older results) are compared per joule as given, which is
    the same ratio when both share a footing (the same device); different footings are refused.
    """
    if all(isinstance(d.get("usd_per_j_wall"), (int, float)) for d in (ai, mining)):
        return ai["usd_per_j_wall"] / mining["usd_per_j_wall"]
    if ai.get("footing") != mining.get("footing"):
        raise InvalidInput(
            f"pivot needs both revenues on one footing, got {ai.get('footing')!r} and "
            f"{mining.get('footing')!r} without wall figures"
        )
    return ai["usd_per_j"] / mining["usd_per_j"]


def pivot(ai: dict, mining: dict) -> dict:
    """The pivot block: both revenues per joule of wall power while busy, and their ratio.

    The mining side may be another machine (an ASIC at its own wall power)."""
    return {
        "label": "USD per joule of wall power, while busy",
        "ai_usd_per_j_wall": ai["usd_per_j_wall"],
        "mining_usd_per_j_wall": mining["usd_per_j_wall"],
        "mining_hashrate_hs": mining["hashrate_hs"],
        "mining_power_w": mining["power_w"],
        "mining_footing": mining["footing"],
        "mining_wall_power_w": mining["wall_power_w"],
        "ratio": pivot_ratio(ai, mining),
    }

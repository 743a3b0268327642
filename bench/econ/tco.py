"""Procurement: per-dollar figures from measured results, payback and total cost of ownership.

Measured figures (throughput, power) and catalog figures (price, datasheet peaks) stay in
separately labelled parts of every document; derived figures say what they were made from.
"""

from __future__ import annotations

from bench.econ.catalog import Card
from bench.econ.footing import check_fraction, check_positive, wall_power_w
from bench.econ.scenario import Scenario
from bench.errors import InvalidInput

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
HOURS_PER_YEAR = DAYS_PER_YEAR * 24
PLURAL_UNITS = {"hash": "hashes", "token": "tokens", "image": "images", "sequence": "sequences"}


def payback_months(capex_usd: float, net_usd_per_day: float) -> float | None:
    """Months until net revenue repays the capex; None when it never does."""
    if net_usd_per_day <= 0:
        return None
    return capex_usd / (net_usd_per_day * DAYS_PER_MONTH)


def tco(
    capex_usd: float,
    power_w: float,
    scenario: Scenario,
    years: float = 3.0,
    utilisation: float | None = None,
    footing: str = "board",
) -> dict:
    """Straight-line capex plus electricity (wall power x PUE) at a utilisation, over N years."""
    check_positive("capex_usd", capex_usd)
    check_positive("power_w", power_w)
    check_positive("years", years)
    util = check_fraction(
        "utilisation", scenario.value("utilisation") if utilisation is None else utilisation
    )
    wall_w = wall_power_w(power_w, footing, scenario)
    kwh_per_year = wall_w / 1000.0 * scenario.value("pue") * HOURS_PER_YEAR * util
    electricity_per_year = kwh_per_year * scenario.value("electricity_usd_kwh")
    capex_per_year = capex_usd / years
    return {
        "years": years,
        "utilisation": util,
        "footing": footing,
        "wall_power_w": wall_w,
        "capex_usd": capex_usd,
        "capex_usd_per_year": capex_per_year,
        "kwh_per_year": kwh_per_year,
        "electricity_usd_per_year": electricity_per_year,
        "tco_usd_per_year": capex_per_year + electricity_per_year,
        "tco_usd": capex_usd + electricity_per_year * years,
    }


def per_usd(units_per_s: float, unit: str, capex_usd: float) -> dict:
    """Measured throughput per dollar of capex (e.g. hashes_per_s_per_usd)."""
    plural = PLURAL_UNITS.get(unit, f"{unit}s")
    return {
        f"{plural}_per_s_per_usd": units_per_s / capex_usd,
        "units_per_s_per_usd": units_per_s / capex_usd,
    }


def procurement(
    measured: dict,
    revenue: dict,
    scenario: Scenario,
    card: Card | None = None,
    capex_usd: float | None = None,
    years: float = 3.0,
) -> dict:
    """Per-dollar figures, revenue per capex dollar, payback and TCO for one measured workload.

    measured: {"units_per_s", "unit", "power_w"} from a run; revenue: a mining or AI document.
    """
    capex, capex_src = _capex(card, capex_usd)
    # the same running fraction as the revenue's net figures: busy share x uptime
    util = revenue.get("utilisation", 1.0) * revenue["uptime"]
    footing = revenue.get("footing", "board")
    doc = {
        "measured": {
            **{k: measured[k] for k in ("units_per_s", "unit", "power_w")},
            "source_kind": "measured",
        },
        "catalog": card.to_dict() if card else {"source_kind": "catalog", "name": None},
        "capex_usd": capex,
        "capex_source": capex_src,
        "per_usd": {
            **per_usd(measured["units_per_s"], measured["unit"], capex),
            "source_kind": "measured / capex",
        },
        "gross_usd_per_year_per_capex_usd": revenue["usd_per_day"] * DAYS_PER_YEAR / capex,
        "net_usd_per_year_per_capex_usd": revenue["net_usd_per_day"] * DAYS_PER_YEAR / capex,
        "payback_months": payback_months(capex, revenue["net_usd_per_day"]),
        "tco": tco(capex, measured["power_w"], scenario, years, util, footing),
    }
    if card is not None:
        doc["catalog_per_usd"] = {
            "bf16_dense_tflops_per_usd": card.bf16_dense_tflops / capex,
            "memory_bandwidth_tbs_per_usd": card.memory_bandwidth_tbs / capex,
            "source_kind": "catalog / capex",
        }
    return doc


def _capex(card: Card | None, capex_usd: float | None) -> tuple[float, dict]:
    """The capex to use and where it came from (given, or the catalog price)."""
    if capex_usd is not None:
        return check_positive("capex_usd", capex_usd), {"source_kind": "given"}
    if card is None or card.price_usd is None:
        name = card.name if card else "this device"
        raise InvalidInput(f"no catalog price for {name}: give capex_usd")
    return card.price_usd.value, {"source_kind": "catalog", **card.price_usd.to_dict()}

"""Procurement: per-dollar figures from measured results, payback and total cost of ownership.

Measured figures (throughput, power) and catalog figures (price, datasheet peaks) stay in
separately labelled parts of every document; derived figures say what they were made from.
The TCO of a revenue document uses that document's own electricity terms (wall power, PUE,
price, running fraction), so the TCO and the net revenue always agree.
"""

from __future__ import annotations

from bench.econ.catalog import Card
from bench.econ.footing import (
    check_fraction,
    check_positive,
    facility_kwh_per_day,
    footing_fields,
    wall_power_w,
)
from bench.econ.mining import electricity_usd_per_day
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


def never_pays_back_reason(net_usd_per_day: float) -> str | None:
    """Why a device never repays its price (net revenue <= 0 after electricity), else None."""
    if net_usd_per_day > 0:
        return None
    return f"net {net_usd_per_day:.3g} USD/day after electricity: revenue never repays the price"


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
    terms = (wall_w, scenario.value("pue"), scenario.value("electricity_usd_kwh"))
    return _tco_figures(capex_usd, years, util, footing, *terms)


def _tco_figures(
    capex_usd: float,
    years: float,
    util: float,
    footing: str,
    wall_w: float,
    pue: float,
    usd_per_kwh: float,
) -> dict:
    """The TCO document from capex and the electricity terms."""
    kwh_per_year = wall_w / 1000.0 * pue * HOURS_PER_YEAR * util
    electricity_per_year = kwh_per_year * usd_per_kwh
    capex_per_year = capex_usd / years
    return {
        "years": years,
        "utilisation": util,
        "footing": footing,
        "wall_power_w": wall_w,
        "pue": pue,
        "electricity_usd_kwh": usd_per_kwh,
        "capex_usd": capex_usd,
        "capex_usd_per_year": capex_per_year,
        "kwh_per_year": kwh_per_year,
        "electricity_usd_per_year": electricity_per_year,
        "tco_usd_per_year": capex_per_year + electricity_per_year,
        "tco_usd": capex_usd + electricity_per_year * years,
    }


_REVENUE_TERMS = ("wall_power_w", "pue", "electricity_usd_kwh", "uptime")


def revenue_tco(
    capex_usd: float, revenue: dict, years: float = 3.0, scenario: Scenario | None = None
) -> dict | None:
    """TCO at the revenue's running fraction (busy share x uptime) and electricity terms.

    A revenue document without its electricity terms (an older result) takes them from the
    scenario; None when there is no scenario either.
    """
    check_positive("capex_usd", capex_usd)
    check_positive("years", years)
    footing = revenue.get("footing", "board")
    busy = revenue.get("utilisation", 1.0)
    if all(isinstance(revenue.get(k), (int, float)) for k in _REVENUE_TERMS):
        util = check_fraction("utilisation", busy * revenue["uptime"])
        terms = (revenue["wall_power_w"], revenue["pue"], revenue["electricity_usd_kwh"])
        return _tco_figures(capex_usd, years, util, footing, *terms)
    if scenario is None or not isinstance(revenue.get("power_w"), (int, float)):
        return None
    util = busy * revenue.get("uptime", scenario.value("uptime"))
    return tco(capex_usd, revenue["power_w"], scenario, years, util, footing)


def given_revenue(
    usd_per_day: float,
    power_w: float,
    scenario: Scenario,
    utilisation: float | None = None,
    footing: str = "board",
) -> dict:
    """A revenue document from a given gross USD per day, at a busy fraction (default 1)."""
    check_positive("usd_per_day", usd_per_day)
    check_positive("power_w", power_w)
    busy = check_fraction("utilisation", 1.0 if utilisation is None else utilisation)
    wall_w = wall_power_w(power_w, footing, scenario)
    elec_day = electricity_usd_per_day(wall_w, scenario, busy)
    return {
        "basis": "given",
        **footing_fields(power_w, footing, scenario),
        "utilisation": busy,
        "usd_per_day": usd_per_day,
        "uptime": scenario.value("uptime"),
        "electricity_usd_kwh": scenario.value("electricity_usd_kwh"),
        "electricity_usd_per_day": elec_day,
        "net_usd_per_day": usd_per_day * scenario.value("uptime") - elec_day,
        "breakeven_usd_per_kwh": usd_per_day / busy / facility_kwh_per_day(wall_w, scenario),
    }


def per_usd(units_per_s: float | None, unit: str | None, capex_usd: float) -> dict:
    """Measured throughput per dollar of capex (e.g. hashes_per_s_per_usd); {} without one."""
    if not units_per_s or not unit:
        return {}
    plural = PLURAL_UNITS.get(unit, f"{unit}s")
    return {
        f"{plural}_per_s_per_usd": units_per_s / capex_usd,
        "units_per_s_per_usd": units_per_s / capex_usd,
    }


def procurement(
    measured: dict,
    revenue: dict,
    scenario: Scenario | None = None,
    card: Card | None = None,
    capex_usd: float | None = None,
    years: float = 3.0,
) -> dict:
    """Per-dollar figures, revenue per capex dollar, payback and TCO for one measured workload.

    measured: {"units_per_s", "unit", "power_w"} from a run (units_per_s may be None when only
    a revenue per day is known); revenue: a mining, AI or given-revenue document. The TCO uses
    the revenue's electricity terms, else the scenario's ("tco" is None with neither).
    """
    capex, capex_src = _capex(card, capex_usd)
    net = revenue["net_usd_per_day"]
    doc = {
        "measured": {
            **{k: measured.get(k) for k in ("units_per_s", "unit", "power_w")},
            "source_kind": "measured",
        },
        "catalog": card.to_dict() if card else {"source_kind": "catalog", "name": None},
        "capex_usd": capex,
        "capex_source": capex_src,
        "per_usd": {
            **per_usd(measured.get("units_per_s"), measured.get("unit"), capex),
            "source_kind": "measured / capex",
        },
        "basis": revenue.get("basis"),
        "gross_usd_per_year_per_capex_usd": revenue["usd_per_day"] * DAYS_PER_YEAR / capex,
        "net_usd_per_year_per_capex_usd": net * DAYS_PER_YEAR / capex,
        "payback_months": payback_months(capex, net),
        "payback_never": never_pays_back_reason(net),
        "net_after_capex_usd": net * DAYS_PER_YEAR * years - capex,
        "tco": revenue_tco(capex, {"power_w": measured.get("power_w"), **revenue}, years, scenario),
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
        raise InvalidInput(f"no catalog price for {name}: give the capex (--capex-usd)")
    return card.price_usd.value, {"source_kind": "catalog", **card.price_usd.to_dict()}

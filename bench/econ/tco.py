"""Procurement: per-dollar figures from measured results, payback and total cost of ownership.

Measured figures (throughput, power) and catalog figures (price, datasheet peaks) stay in
separately labelled parts of every document; derived figures say what they were made from.
The TCO of a revenue document uses that document's own electricity terms (wall power, PUE,
price, running fraction), so the TCO and the net revenue always agree. Capex and power share one
boundary: on board power (host added to the watts) the capex is the card's price plus its
platform's host share per GPU. Payback and the net over the years step month by month
(bench.econ.path) when a scenario is given: subsidy, difficulty and BTC price move.
"""

from __future__ import annotations

from bench.econ.footing import (
    Boundary,
    boundary,
    check_finite,
    check_fraction,
    check_positive,
    electricity_usd_per_day,
    facility_kwh_per_day,
    footing_fields,
)
from bench.econ.path import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    check_path,
    monthly_path,
    path_payback_months,
)
from bench.econ.scenario import Scenario
from bench.errors import InvalidInput
from bench.hardware import Card

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
    footing: str | Boundary = "board",
) -> dict:
    """Straight-line capex plus electricity (wall power x PUE) running a share of the time
    (default all of it), over N years."""
    check_positive("capex_usd", capex_usd)
    check_positive("power_w", power_w)
    check_positive("years", years)
    util = check_fraction("utilisation", 1.0 if utilisation is None else utilisation)
    bound = boundary(footing)
    terms = (
        bound.wall_power_w(power_w),
        scenario.value("pue"),
        scenario.value("electricity_usd_kwh"),
    )
    return _tco_figures(capex_usd, years, util, bound.footing, *terms)


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


_REVENUE_TERMS = ("wall_power_w", "pue", "electricity_usd_kwh")


def running_fraction(revenue: dict) -> float:
    """The share of the time a revenue document's device runs: mining's uptime, AI's sold
    fraction ("utilisation"); an older document without the key ran both."""
    if "running_fraction" in revenue:
        return revenue["running_fraction"]
    if revenue.get("basis") == "mining" or "hashrate_hs" in revenue:
        return revenue.get("uptime", 1.0)
    return revenue.get("utilisation", 1.0) * revenue.get("uptime", 1.0)


def revenue_tco(
    capex_usd: float, revenue: dict, years: float = 3.0, scenario: Scenario | None = None
) -> dict | None:
    """TCO at the revenue's running fraction and electricity terms.

    A revenue document without its electricity terms (an older result) takes them from the
    scenario; None when there is no scenario either.
    """
    check_positive("capex_total_usd", capex_usd)
    check_positive("years", years)
    footing = revenue.get("footing", "board")
    util = check_fraction("running fraction", running_fraction(revenue))
    if all(isinstance(revenue.get(k), (int, float)) for k in _REVENUE_TERMS):
        terms = (revenue["wall_power_w"], revenue["pue"], revenue["electricity_usd_kwh"])
        return _tco_figures(capex_usd, years, util, footing, *terms)
    if scenario is None or not isinstance(revenue.get("power_w"), (int, float)):
        return None
    return tco(capex_usd, revenue["power_w"], scenario, years, util, footing)


def given_revenue(
    usd_per_day: float,
    power_w: float,
    scenario: Scenario,
    utilisation: float | None = None,
    footing: str | Boundary = "board",
) -> dict:
    """A revenue document from a given gross USD per day while running, running a share of the
    time (default 1): gross and electricity at that share."""
    check_positive("usd_per_day", usd_per_day)
    check_positive("power_w", power_w)
    busy = check_fraction("utilisation", 1.0 if utilisation is None else utilisation)
    bound = boundary(footing)
    wall_w = bound.wall_power_w(power_w)
    elec_day = electricity_usd_per_day(wall_w, scenario, busy)
    pue = scenario.value("pue")
    doc = {
        "basis": "given",
        **footing_fields(power_w, bound, pue),
        "utilisation": busy,
        "running_fraction": busy,
        "usd_per_day": usd_per_day * busy,
        "usd_per_day_busy": usd_per_day,
        "electricity_usd_kwh": scenario.value("electricity_usd_kwh"),
        "electricity_usd_per_day": elec_day,
        "net_usd_per_day": usd_per_day * busy - elec_day,
        "breakeven_usd_per_kwh": usd_per_day / facility_kwh_per_day(wall_w, pue),
    }
    check_finite(doc)
    return doc


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
    a revenue per day is known); revenue: a mining, AI or given-revenue document. The capex is
    the card's (given, or its catalog price) plus, on board power, the host's share per GPU of
    the revenue's platform: the same boundary as the wall power. With a scenario, payback and
    the net over the years follow the month-by-month path; without one they are flat.
    """
    check_positive("years", years)
    card_capex, capex_src = _capex(card, capex_usd)
    host_capex = _host_capex(revenue, card, capex_src["source_kind"] == "catalog")
    capex = card_capex + host_capex
    net = revenue["net_usd_per_day"]
    path = check_path(monthly_path(revenue, scenario, years)) if scenario is not None else None
    flat_payback = payback_months(capex, net)
    doc = {
        "measured": {
            **{k: measured.get(k) for k in ("units_per_s", "unit", "power_w")},
            "source_kind": "measured",
        },
        "catalog": card.to_dict() if card else {"source_kind": "catalog", "name": None},
        "capex_usd": capex,
        "card_capex_usd": card_capex,
        "host_capex_usd": host_capex,
        "capex_source": capex_src,
        "capex_boundary": _boundary_text(revenue, host_capex),
        "per_usd": {
            **per_usd(measured.get("units_per_s"), measured.get("unit"), capex),
            "source_kind": "measured / capex",
        },
        "basis": revenue.get("basis"),
        "gross_usd_per_year_per_capex_usd": revenue["usd_per_day"] * DAYS_PER_YEAR / capex,
        "net_usd_per_year_per_capex_usd": net * DAYS_PER_YEAR / capex,
        "payback_months": path_payback_months(path, capex) if path else flat_payback,
        "payback_months_flat": flat_payback,
        "payback_never": _never(path, capex, net, years),
        "net_after_capex_usd": (path["net_usd"] if path else net * DAYS_PER_YEAR * years) - capex,
        "path": path,
        "tco": revenue_tco(capex, {"power_w": measured.get("power_w"), **revenue}, years, scenario),
    }
    if card is not None:
        doc["catalog_per_usd"] = {
            "bf16_dense_tflops_per_usd": card.bf16_dense_tflops / capex,
            "memory_bandwidth_tbs_per_usd": card.memory_bandwidth_tbs / capex,
            "source_kind": "catalog / capex",
        }
    check_finite(doc)
    return doc


def _never(path: dict | None, capex: float, net_day: float, years: float) -> str | None:
    """Why the capex is not repaid (never, or not within the years of the path), else None."""
    reason = never_pays_back_reason(net_day)
    if reason or path is None or path_payback_months(path, capex) is not None:
        return reason
    return (
        f"cumulative net {path['net_usd']:.4g} USD after {years:g} years, on the month-by-month "
        f"path, does not repay the capex of {capex:.4g} USD"
    )


def _host_capex(revenue: dict, card: Card | None, from_catalog: bool) -> float:
    """The host's share of a server per GPU, so that capex and power cover one machine.

    Board power gets the host's watts, so the capex gets the host's share (the revenue's
    platform, else the card's, else the default one). Wall power already covers the machine: a
    given capex is taken to cover it too, a bare card's catalog price gets its platform's host.
    Package power (a CPU) is the host itself: nothing added.
    """
    footing = revenue.get("footing", "board")
    if footing == "board":
        platform = revenue.get("platform") or (card.platform if card else None)
        return boundary("board", platform).host_capex_usd
    if footing == "wall" and from_catalog and card is not None:
        return boundary("board", card.platform).host_capex_usd
    return 0.0


def _boundary_text(revenue: dict, host_capex: float) -> str:
    if host_capex == 0:
        return "the capex and the power cover the same machine (no host added)"
    watts = revenue.get("host_overhead_w", 0)
    power = f"board power + {watts:g} W host" if watts else "wall power (host included)"
    return f"card price + host share {host_capex:,.0f} USD per GPU, as for the {power}"


def _capex(card: Card | None, capex_usd: float | None) -> tuple[float, dict]:
    """The card's capex and where it came from (given, or the catalog price)."""
    if capex_usd is not None:
        return check_positive("capex_usd", capex_usd), {"source_kind": "given"}
    if card is None or card.price_usd is None:
        name = card.name if card else "this device"
        raise InvalidInput(f"no catalog price for {name}: give the capex (--capex-usd)")
    return card.price_usd.value, {"source_kind": "catalog", **card.price_usd.to_dict()}

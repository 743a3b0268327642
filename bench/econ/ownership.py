"""Owning one device: capex (given or the catalog's), revenue (given or priced), TCO, payback.

What `joulebench econ tco` prints: procurement() of one device whose revenue comes from a given
gross USD per day, a mining hashrate, or an AI throughput with its price. The card's platform
(or a given one) sets the host added to board power and to the capex.
"""

from __future__ import annotations

from bench.econ.ai import ai_revenue
from bench.econ.footing import Boundary, boundary
from bench.econ.mining import mining_revenue
from bench.econ.scenario import Scenario
from bench.econ.tco import given_revenue, procurement
from bench.errors import InvalidInput
from bench.hardware import Card, close_card_names, find_card_by_name

REVENUE_SOURCES = ("usd_per_day", "hashrate_hs", "units_per_s")


def revenue_for(
    scenario: Scenario,
    power_w: float,
    footing: str | Boundary = "board",
    utilisation: float | None = None,
    **given: float | None,
) -> tuple[dict, dict]:
    """(revenue document, measured figures) from exactly one of the REVENUE_SOURCES.

    given: usd_per_day, or hashrate_hs, or units_per_s with usd_per_million_units or
    usd_per_hour.
    """
    named = [k for k in REVENUE_SOURCES if given.get(k) is not None]
    if len(named) != 1:
        raise InvalidInput("give exactly one of --usd-per-day, --hashrate-hs and --units-per-s")
    source = named[0]
    rate = given[source]
    if source == "usd_per_day":
        revenue = given_revenue(rate, power_w, scenario, utilisation, footing)
        return revenue, {"units_per_s": None, "unit": None, "power_w": power_w}
    if source == "hashrate_hs":
        if utilisation is not None:
            raise InvalidInput("--utilisation does not apply to mining (it runs at the uptime)")
        revenue = mining_revenue(rate, power_w, scenario, footing, compare_asics=False)
        return {"basis": "mining", **revenue}, {
            "units_per_s": rate,
            "unit": "hash",
            "power_w": power_w,
        }
    price = (given.get("usd_per_million_units"), given.get("usd_per_hour"))
    if (price[0] is None) == (price[1] is None):
        raise InvalidInput(
            "with --units-per-s give exactly one of --usd-per-million-units and --usd-per-hour"
        )
    revenue = ai_revenue(rate, power_w, scenario, *price, utilisation, footing=footing)
    return revenue, {"units_per_s": rate, "unit": "unit", "power_w": power_w}


def _card(card_name: str | None) -> Card | None:
    """The catalog card named, or None when none is named."""
    if card_name is None:
        return None
    card = find_card_by_name(card_name)
    if card is None:
        near = close_card_names(card_name)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise InvalidInput(
            f"no card {card_name!r} in the catalog{hint} (see `joulebench econ cards`)"
        )
    return card


def ownership(
    scenario: Scenario,
    power_w: float,
    capex_usd: float | None = None,
    card_name: str | None = None,
    years: float = 3.0,
    footing: str = "board",
    utilisation: float | None = None,
    platform: str | None = None,
    host_overhead_w: float | None = None,
    **given: float | None,
) -> dict:
    """Procurement figures of one device with its revenue document and the scenario."""
    card = _card(card_name)
    if capex_usd is None and card is None:
        raise InvalidInput("give --capex-usd or a catalog --card with a price")
    if platform is None and card is not None and footing == "board":
        platform = card.platform
    bound = boundary(footing, platform, host_overhead_w)
    revenue, measured = revenue_for(scenario, power_w, bound, utilisation, **given)
    revenue.pop("scenario", None)  # once, at the top
    doc = procurement(measured, revenue, scenario, card, capex_usd, years)
    return {**doc, "revenue": revenue, "scenario": scenario.to_dict()}

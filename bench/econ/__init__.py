"""Economics: market scenarios, revenue per joule for mining and AI, ASIC references, TCO.

The public API (see docs/interfaces.md): load_scenario, mining_revenue, ai_revenue,
price_workload, asic_references, plus the card catalog and procurement figures.
"""

from bench.econ.ai import ai_revenue, pivot, pivot_ratio
from bench.econ.asics import asic_references, load_asics
from bench.econ.bitcoin import (
    difficulty_from_hashprice,
    hashprice_usd_per_ph_day,
    subsidy_btc,
)
from bench.econ.mining import mining_revenue
from bench.econ.pricing import price_workload
from bench.econ.scenario import (
    DEFAULT_SCENARIO,
    Figure,
    Scenario,
    apply_overrides,
    list_scenarios,
    load_scenario,
    preset_names,
)
from bench.econ.tco import (
    given_revenue,
    never_pays_back_reason,
    payback_months,
    procurement,
    revenue_tco,
    tco,
)
from bench.hardware import Card, find_card, find_card_by_name, load_cards

__all__ = [
    "DEFAULT_SCENARIO",
    "Card",
    "Figure",
    "Scenario",
    "ai_revenue",
    "apply_overrides",
    "asic_references",
    "difficulty_from_hashprice",
    "find_card",
    "find_card_by_name",
    "given_revenue",
    "hashprice_usd_per_ph_day",
    "list_scenarios",
    "load_asics",
    "load_cards",
    "load_scenario",
    "mining_revenue",
    "never_pays_back_reason",
    "payback_months",
    "pivot",
    "pivot_ratio",
    "preset_names",
    "price_workload",
    "procurement",
    "revenue_tco",
    "subsidy_btc",
    "tco",
]

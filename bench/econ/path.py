"""The month-by-month path of a multi-year TCO: subsidy, difficulty and BTC price as time passes.

Month m (m = 0 first) covers blocks [h0 + B m, h0 + B (m + 1)), B = 144 blocks per day x the days
of a month, h0 the scenario's block height: its subsidy is the block-weighted mean of
50 BTC >> (height // 210000) over those blocks, so the month that crosses a halving (block
1,050,000, ~April 2028) earns a blend. Difficulty is D0 (1 + g)^m and the BTC price P0 (1 + p)^m,
g and p the scenario's growth per month (absent: flat, and said so). Fees per block stay at the
scenario's. Mining revenue in month m is the scenario's daily revenue scaled by
(subsidy_m + fees) / (subsidy_0 + fees) x D0 / D_m x P_m / P0; AI revenue is held flat (no
market path for token or GPU-hour prices is modelled, and the path says so). Electricity is
flat. Which assumption dominates: the revenue lost or gained when each one alone is held flat.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from bench.econ import bitcoin
from bench.econ.scenario import Scenario
from bench.errors import InvalidInput

log = logging.getLogger(__name__)

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
BLOCKS_PER_DAY = 144.0
BLOCKS_PER_MONTH = BLOCKS_PER_DAY * DAYS_PER_MONTH
ASSUMPTIONS = ("halving", "difficulty_growth", "btc_price_path")


@dataclass(frozen=True)
class Month:
    """One month of the path: the network state and the money."""

    index: int
    start_height: float | None
    subsidy_btc: float
    difficulty: float
    btc_price_usd: float
    revenue_usd: float
    electricity_usd: float
    net_usd: float
    cumulative_net_usd: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def mean_subsidy_btc(start: float, end: float) -> float:
    """Block-weighted mean subsidy over heights [start, end), halvings included."""
    total, h = 0.0, start
    while h < end:
        era = int(h // bitcoin.HALVING_INTERVAL_BLOCKS)
        stop = min(end, (era + 1) * bitcoin.HALVING_INTERVAL_BLOCKS)
        total += bitcoin.subsidy_btc(era * bitcoin.HALVING_INTERVAL_BLOCKS) * (stop - h)
        h = stop
    return total / (end - start)


def _growth(scenario: Scenario, key: str) -> float:
    return scenario.value(key) if key in scenario.figures else 0.0


def _height(scenario: Scenario) -> float | None:
    return scenario.value("block_height") if "block_height" in scenario.figures else None


def mining_factors(scenario: Scenario, months: int, hold: str | None = None) -> list[tuple]:
    """(factor, start height, subsidy, difficulty, price) per month; `hold` holds one
    assumption flat (one of ASSUMPTIONS)."""
    h0, fees = _height(scenario), scenario.fees_btc_per_block
    s0 = scenario.subsidy_btc
    g = 0.0 if hold == "difficulty_growth" else _growth(scenario, "difficulty_growth_per_month")
    p = 0.0 if hold == "btc_price_path" else _growth(scenario, "btc_price_growth_per_month")
    out = []
    for m in range(months):
        start = None if h0 is None else h0 + BLOCKS_PER_MONTH * m
        if start is None or hold == "halving":
            sub = s0
        else:
            sub = mean_subsidy_btc(start, start + BLOCKS_PER_MONTH)
        d, price = scenario.difficulty * (1 + g) ** m, scenario.btc_price_usd * (1 + p) ** m
        factor = (
            (sub + fees)
            / (s0 + fees)
            * (scenario.difficulty / d)
            * (price / scenario.btc_price_usd)
        )
        out.append((factor, start, sub, d, price))
    return out


def monthly_path(revenue: dict, scenario: Scenario, years: float) -> dict:
    """The path of a revenue document over `years`: each month, totals, the dominant assumption."""
    months = max(1, round(years * 12))
    rev_month = revenue["usd_per_day"] * DAYS_PER_MONTH
    elec_month = revenue["electricity_usd_per_day"] * DAYS_PER_MONTH
    is_mining = revenue.get("basis") == "mining" or "hashrate_hs" in revenue
    if is_mining:
        rows = mining_factors(scenario, months)
    else:
        flat = (1.0, None, scenario.subsidy_btc, scenario.difficulty, scenario.btc_price_usd)
        rows = [flat] * months
    path, cum = [], 0.0
    for m, (factor, start, sub, d, price) in enumerate(rows):
        rev = rev_month * factor
        cum += rev - elec_month
        path.append(Month(m, start, sub, d, price, rev, elec_month, rev - elec_month, cum))
    doc = {
        "months": [mo.to_dict() for mo in path],
        "revenue_usd": sum(mo.revenue_usd for mo in path),
        "electricity_usd": elec_month * months,
        "net_usd": cum,
        "assumptions": _assumptions(scenario, is_mining),
    }
    if is_mining:
        doc.update(_sensitivity(rev_month, scenario, months, doc["revenue_usd"]))
        doc["halving_month"] = _halving_month(path)
    return doc


def _halving_month(path: list[Month]) -> int | None:
    """The first month earning a lower subsidy than month 0 (the blend month of a halving)."""
    return next((mo.index for mo in path if mo.subsidy_btc < path[0].subsidy_btc), None)


def _sensitivity(rev_month: float, scenario: Scenario, months: int, total: float) -> dict:
    """Revenue change when each assumption alone is held flat; the largest dominates."""
    deltas = {}
    for name in ASSUMPTIONS:
        held = sum(rev_month * f[0] for f in mining_factors(scenario, months, hold=name))
        delta = held - total
        deltas[name] = 0.0 if abs(delta) <= 1e-12 * abs(total) else delta
    dominant = max(deltas, key=lambda k: abs(deltas[k]))
    if deltas[dominant] == 0:
        dominant = None
    return {"revenue_change_if_held_flat_usd": deltas, "dominant_assumption": dominant}


def _assumptions(scenario: Scenario, is_mining: bool) -> list[str]:
    """What the path assumed, in words."""
    if not is_mining:
        return ["AI revenue held flat: no market path for token or GPU-hour prices is modelled",
                "electricity price held flat"]  # fmt: skip
    h0 = _height(scenario)
    g = _growth(scenario, "difficulty_growth_per_month")
    p = _growth(scenario, "btc_price_growth_per_month")
    return [
        f"subsidy from block height {h0:,.0f} at {BLOCKS_PER_DAY:g} blocks per day"
        if h0 is not None
        else f"subsidy held at {scenario.subsidy_btc:g} BTC (the scenario gives no block height)",
        f"difficulty {g:+.2%} per month" + (" (flat)" if g == 0 else ""),
        f"BTC price {p:+.2%} per month" + (" (flat)" if p == 0 else ""),
        f"fees held at {scenario.fees_btc_per_block:.4g} BTC per block; electricity price flat",
    ]


def path_payback_months(path: dict, capex_usd: float) -> float | None:
    """Months until the path's cumulative net repays the capex (within the horizon), else None."""
    before = 0.0
    for mo in path["months"]:
        after = mo["cumulative_net_usd"]
        if after >= capex_usd and mo["net_usd"] > 0:
            return mo["index"] + (capex_usd - before) / mo["net_usd"]
        before = after
    return None


def check_path(path: dict) -> dict:
    """InvalidInput when a total overflowed."""
    for key in ("revenue_usd", "electricity_usd", "net_usd"):
        if not math.isfinite(path[key]):
            raise InvalidInput(f"TCO path {key} is {path[key]}: the inputs are too extreme")
    return path

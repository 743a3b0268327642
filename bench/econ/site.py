"""Site planner: what a site of mining and AI halls earns over a period, and sweeps of it.

BTC mined per hall is the Bitcoin formula of bench.econ.bitcoin summed over the difficulty
epochs the period crosses: H x uptime x t_i x (S + F) x (1 - pool fee) / (D_i x 2**32).
Mining uptime (curtailment) applies to mining halls only; AI halls have their own sold fraction
or lease. Electricity counts only the power the site pays for (a lease may pass it through).
"""

from __future__ import annotations

import datetime
import logging
import math
import re
from dataclasses import dataclass, replace

from bench.econ import bitcoin
from bench.econ.site_model import Epoch, Hall, Market, Site, SiteError, check, stated

log = logging.getLogger(__name__)

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
SWEEP_KINDS = ("btc-price", "hashprice", "split")
TOTAL_KEYS = (
    "btc_mined",
    "mining_revenue_usd",
    "ai_revenue_usd",
    "demand_response_usd",
    "electricity_usd",
    "margin_usd",
)


@dataclass(frozen=True)
class Period:
    """A span of days from a start date."""

    start: datetime.date
    days: float
    label: str

    @property
    def end(self) -> datetime.date:
        """The first day after the period (fractional days rounded up)."""
        return self.start + datetime.timedelta(days=math.ceil(self.days))


def quarter_period(text: str) -> Period:
    """The period of a calendar quarter written 2025Q3."""
    match = re.fullmatch(r"(\d{4})[Qq]([1-4])", text.strip())
    if not match:
        raise SiteError(f"quarter {text!r} is not of the form 2025Q3")
    year, q = int(match[1]), int(match[2])
    if not 2009 <= year <= 2200:
        raise SiteError(f"quarter {text!r}: year out of range 2009-2200")
    start = datetime.date(year, 3 * q - 2, 1)
    end = datetime.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return Period(start, float((end - start).days), f"{year}Q{q}")


def resolve_period(site: Site, days: float | None, quarter: str | None) -> Period:
    """--quarter, else --days from the site's start, else the site's own period."""
    if quarter is not None and days is not None:
        raise SiteError("give --days or --quarter, not both")
    if quarter is not None:
        return quarter_period(quarter)
    if days is not None:
        if not math.isfinite(days) or not 0 < days <= 36600:
            raise SiteError(f"--days must be in (0, 36600], got {days:g}")
        return Period(site.period_start, days, f"{days:g} days from {site.period_start}")
    return Period(
        site.period_start, site.period_days, f"{site.period_days:g} days from {site.period_start}"
    )


@dataclass(frozen=True)
class Overrides:
    """What a sweep point (or a flag) changes: BTC price, hashprice, mining share of the MW."""

    btc_price_usd: float | None = None
    hashprice_usd_per_ph_day: float | None = None
    mining_share: float | None = None


def reward_btc(market: Market) -> float:
    """Subsidy plus average fees per block."""
    subsidy = market.subsidy_btc.value
    return subsidy + bitcoin.fees_from_share(subsidy, market.fees_share_of_rewards.value)


def apply_market(market: Market, over: Overrides) -> Market:
    """The market with a sweep's BTC price or hashprice (one difficulty implied by it)."""
    if over.btc_price_usd is not None:
        price = check("btc_price_usd", over.btc_price_usd, "override")
        market = replace(market, btc_price_usd=stated(price, "override (flag or sweep)"))
    if over.hashprice_usd_per_ph_day is not None:
        hp = over.hashprice_usd_per_ph_day
        if not math.isfinite(hp) or not 0 < hp <= 1e9:
            raise SiteError(f"hashprice {hp:g} USD/PH/day is out of range (> 0, <= 1e9)")
        d = bitcoin.difficulty_from_hashprice(hp, market.btc_price_usd.value, reward_btc(market))
        why = f"implied by a hashprice of {hp:g} USD/PH/day at the BTC price"
        market = replace(market, epochs=(Epoch(datetime.date.min, stated(d, why)),))
    return market


def epoch_days(market: Market, period: Period) -> list[tuple[Epoch, float]]:
    """(epoch, days of the period it covers) for each epoch the period crosses."""
    first = market.epochs[0].start
    if period.start < first:
        raise SiteError(f"no difficulty known before {first} (the period starts {period.start})")
    out = []
    for i, epoch in enumerate(market.epochs):
        lo = max(period.start, epoch.start)
        nxt = market.epochs[i + 1].start if i + 1 < len(market.epochs) else None
        hi_days = period.days if nxt is None else min(period.days, (nxt - period.start).days)
        span = hi_days - (lo - period.start).days
        if span > 0:
            out.append((epoch, float(span)))
    return out


def btc_per_eh_s(market: Market, period: Period) -> float:
    """BTC that 1 EH/s running all period earns, after pool fee, epoch by epoch."""
    reward, fee = reward_btc(market), market.pool_fee.value
    return sum(
        bitcoin.EH_HS
        * days
        * bitcoin.SECONDS_PER_DAY
        * bitcoin.btc_per_hash(reward, epoch.difficulty.value, fee)
        for epoch, days in epoch_days(market, period)
    )


def mining_hall(hall: Hall, market: Market, period: Period, scale: float) -> dict:
    """BTC, revenue and electricity of one mining hall over the period."""
    if hall.fleet:
        installed_eh_s = sum(m.units * m.th_s for m in hall.fleet) / 1e6
        power_mw = sum(m.units * m.power_w for m in hall.fleet) / 1e6
    else:
        installed_eh_s, power_mw = hall.installed_eh_s.value, hall.critical_it_mw.value
    installed_eh_s, power_mw = installed_eh_s * scale, power_mw * scale
    uptime = hall.uptime.value
    effective_eh_s = installed_eh_s * uptime  # curtailment scales the running rate once
    btc = effective_eh_s * btc_per_eh_s(market, period)
    mwh = power_mw * uptime * hall.pue.value * HOURS_PER_DAY * period.days
    return {
        "name": hall.name,
        "kind": "mining",
        "critical_it_mw": hall.critical_it_mw.value * scale,
        "installed_eh_s": installed_eh_s,
        "effective_eh_s": effective_eh_s,
        "uptime": uptime,
        "j_per_th": power_mw * 1e6 / (installed_eh_s * 1e6) if installed_eh_s else None,
        "btc_mined": btc,
        "mining_revenue_usd": btc * market.btc_price_usd.value,
        "ai_revenue_usd": 0.0,
        "energy_mwh": mwh,
        "electricity_usd": mwh * 1000 * market.electricity_usd_kwh.value,
    }


def hosting_hall(hall: Hall, market: Market, period: Period, scale: float) -> dict:
    """Lease revenue of a hosting hall: leased MW x price x days under lease."""
    start = period.start if hall.lease_start is None else max(period.start, hall.lease_start)
    days = max(0.0, period.days - (start - period.start).days)
    leased_mw = hall.leased_mw.value * scale
    load = hall.load_factor.value
    if hall.lease_usd_per_mw_year is not None:
        revenue = leased_mw * hall.lease_usd_per_mw_year.value * days / DAYS_PER_YEAR
    else:
        revenue = leased_mw * load * HOURS_PER_DAY * days * hall.lease_usd_per_mwh.value
    mwh = leased_mw * load * hall.pue.value * HOURS_PER_DAY * days
    paid_mwh = 0.0 if hall.power_passed_through else mwh
    return {
        "name": hall.name,
        "kind": "hosting",
        "critical_it_mw": hall.critical_it_mw.value * scale,
        "leased_mw": leased_mw,
        "lease_days": days,
        "power_passed_through": hall.power_passed_through,
        "btc_mined": 0.0,
        "mining_revenue_usd": 0.0,
        "ai_revenue_usd": revenue,
        "energy_mwh": mwh,
        "electricity_usd": paid_mwh * 1000 * market.electricity_usd_kwh.value,
    }


def gpu_hall(hall: Hall, market: Market, period: Period, scale: float) -> dict:
    """A GPU fleet: measured throughput x sold fraction x price; power from measured J/unit."""
    g = hall.gpu
    gpus, sold = g["gpus"].value * scale, g["sold_fraction"].value
    seconds = period.days * bitcoin.SECONDS_PER_DAY
    units = g["units_per_s"] * gpus * sold * seconds
    if g["price_key"] == "usd_per_million_units":
        revenue = units / 1e6 * g["price"].value
    else:
        revenue = gpus * sold * HOURS_PER_DAY * period.days * g["price"].value
    busy_j = units * g["j_per_unit"]  # board energy while serving: measured J/unit
    host_j = gpus * g["host_w_per_gpu"].value * sold * seconds
    mwh = (busy_j + host_j) * hall.pue.value / 3.6e9
    return {
        "name": hall.name,
        "kind": "gpu",
        "critical_it_mw": hall.critical_it_mw.value * scale,
        "gpus": gpus,
        "device": g["device"],
        "workload": g["workload"],
        "units": units,
        "btc_mined": 0.0,
        "mining_revenue_usd": 0.0,
        "ai_revenue_usd": revenue,
        "energy_mwh": mwh,
        "electricity_usd": mwh * 1000 * market.electricity_usd_kwh.value,
    }


_HALL_FUNCS = {"mining": mining_hall, "hosting": hosting_hall, "gpu": gpu_hall}


def hall_scales(site: Site, share: float | None) -> list[float]:
    """Each hall's scale: 1, or the factor that gives mining `share` of the halls' MW."""
    if share is None:
        return [1.0] * len(site.halls)
    if not math.isfinite(share) or not 0 <= share <= 1:
        raise SiteError(f"the mining share must be in [0, 1], got {share:g}")
    mining = sum(h.critical_it_mw.value for h in site.halls if h.kind == "mining")
    ai = sum(h.critical_it_mw.value for h in site.halls if h.kind != "mining")
    if mining <= 0 or ai <= 0:
        raise SiteError("a mining/AI split needs at least one mining hall and one AI hall")
    total = mining + ai
    return [
        share * total / mining if h.kind == "mining" else (1 - share) * total / ai
        for h in site.halls
    ]


def plan(site: Site, period: Period, over: Overrides | None = None) -> dict:
    """Totals, per MW and per hall over the period (no assumptions list; see site_report)."""
    over = over or Overrides()
    market = apply_market(site.market, over)
    halls = [
        _HALL_FUNCS[h.kind](h, market, period, s)
        for h, s in zip(site.halls, hall_scales(site, over.mining_share), strict=True)
    ]
    for h in halls:
        h["margin_usd"] = h["mining_revenue_usd"] + h["ai_revenue_usd"] - h["electricity_usd"]
        mw = h["critical_it_mw"]
        h["margin_usd_per_mw"] = h["margin_usd"] / mw if mw > 0 else None
    totals = {k: sum(h[k] for h in halls) for k in TOTAL_KEYS if k in halls[0]}
    totals["demand_response_usd"] = site.demand_response_usd_per_day.value * period.days
    totals["margin_usd"] = (
        totals["mining_revenue_usd"]
        + totals["ai_revenue_usd"]
        + totals["demand_response_usd"]
        - totals["electricity_usd"]
    )
    mw = site.critical_it_mw.value
    doc = {
        "period_days": period.days,
        **totals,
        "per_mw": {k: v / mw for k, v in totals.items()},
        "halls": halls,
        "market": market_figures(market, period),
    }
    _check_finite(doc)
    return doc


def market_figures(market: Market, period: Period) -> dict:
    """The difficulty the period saw (time-weighted and effective) and the hashprice."""
    spans = epoch_days(market, period)
    days = sum(d for _, d in spans)
    weighted = sum(e.difficulty.value * d for e, d in spans) / days
    inverse = sum(d / e.difficulty.value for e, d in spans)
    if not (0 < inverse < math.inf and 0 < weighted < math.inf):  # e.g. a hashprice of 1e-300
        raise SiteError(
            "the difficulty these figures imply is too extreme to price (it overflows or "
            "underflows a float): check the difficulty or hashprice given"
        )
    effective = days / inverse  # what BTC mined sees
    price, reward = market.btc_price_usd.value, reward_btc(market)
    return {
        "btc_price_usd": price,
        "reward_btc": reward,
        "difficulty_time_weighted": weighted,
        "difficulty_effective": effective,
        "hashprice_usd_per_ph_day": bitcoin.hashprice_usd_per_ph_day(price, effective, reward),
        "epochs": [
            {"from": str(e.start), "difficulty": e.difficulty.value, "days": d} for e, d in spans
        ],
    }


def _check_finite(obj: object, path: str = "result") -> None:
    if isinstance(obj, float) and not math.isfinite(obj):
        raise SiteError(f"{path} is not finite: the inputs overflow; use realistic figures")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_finite(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_finite(v, f"{path}[{i}]")

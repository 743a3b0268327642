"""The site planner's whole answer: the plan, every assumption, the payback and a sweep."""

from __future__ import annotations

import math
from dataclasses import replace

from bench.econ.figures import Figure
from bench.econ.site import SWEEP_KINDS, TOTAL_KEYS, Overrides, Period, plan
from bench.econ.site_model import Site, SiteError, check

_SWEEP_FIELD = {
    "btc-price": "btc_price_usd",
    "hashprice": "hashprice_usd_per_ph_day",
    "split": "mining_share",
}
_SWEEP_UNIT = {"btc-price": "USD", "hashprice": "USD/PH/day", "split": "mining share of hall MW"}


def parse_sweep(text: str) -> tuple[str, list[float]]:
    """KIND:FROM:TO[:STEPS] (STEPS 2-201, default 11) as a kind and its values."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or parts[0] not in SWEEP_KINDS:
        raise SiteError(
            f"--sweep {text!r}: use KIND:FROM:TO[:STEPS], KIND one of {', '.join(SWEEP_KINDS)}"
        )
    try:
        lo, hi = float(parts[1]), float(parts[2])
        steps = int(parts[3]) if len(parts) == 4 else 11
    except ValueError:
        raise SiteError(
            f"--sweep {text!r}: FROM and TO must be numbers, STEPS an integer"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi or not 2 <= steps <= 201:
        raise SiteError(f"--sweep {text!r}: need finite FROM < TO and 2 <= STEPS <= 201")
    return parts[0], [lo + (hi - lo) * i / (steps - 1) for i in range(steps)]


def sweep(site: Site, period: Period, kind: str, values: list[float], base: Overrides) -> dict:
    """The plan's totals at each value of the swept figure (others as in `base`)."""
    points = []
    for value in values:
        doc = plan(site, period, replace(base, **{_SWEEP_FIELD[kind]: value}))
        points.append({"value": value, **{k: doc[k] for k in TOTAL_KEYS}, "per_mw": doc["per_mw"]})
    return {"kind": kind, "unit": _SWEEP_UNIT[kind], "points": points}


def payback(site: Site, doc: dict, capex_per_mw: Figure | None) -> dict:
    """Conversion capex of the AI halls and its payback, simple and against mining the MW."""
    if capex_per_mw is None:
        return {"note": "not computed: no conversion_capex_usd_per_mw given"}
    mining = [h for h in doc["halls"] if h["kind"] == "mining" and h["critical_it_mw"] > 0]
    mining_mw = sum(h["critical_it_mw"] for h in mining)
    mining_per_mw_day = (
        sum(h["margin_usd"] for h in mining) / mining_mw / doc["period_days"] if mining_mw else None
    )
    out = []
    for h in doc["halls"]:
        if h["kind"] == "mining":
            continue
        capex = capex_per_mw.value * h["critical_it_mw"]
        per_day = h["margin_usd"] / doc["period_days"]
        forgone = None if mining_per_mw_day is None else mining_per_mw_day * h["critical_it_mw"]
        out.append(
            {
                "hall": h["name"],
                "capex_usd": capex,
                "margin_usd_per_day": per_day,
                "payback_days": capex / per_day if per_day > 0 else None,
                "mining_margin_forgone_usd_per_day": forgone,
                "payback_vs_mining_days": _over(capex, per_day - (forgone or 0.0), forgone),
            }
        )
    return {"conversion_capex_usd_per_mw": capex_per_mw.to_dict(), "halls": out}


def _over(capex: float, gain: float, forgone: float | None) -> float | None:
    return capex / gain if forgone is not None and gain > 0 else None


def assumptions(site: Site, period: Period, doc: dict, over: Overrides) -> list[dict]:
    """Every figure the plan used, with its date, source and kind, and each rule it applied."""
    rows = [_row("site", "critical_it_mw", site.critical_it_mw)]
    rows.append(_row("site", "demand_response_usd_per_day", site.demand_response_usd_per_day))
    m = site.market
    for key in (
        "btc_price_usd",
        "subsidy_btc",
        "fees_share_of_rewards",
        "pool_fee",
        "electricity_usd_kwh",
    ):
        rows.append(_row("market", key, getattr(m, key)))
    for e in m.epochs:
        rows.append(_row("market", f"difficulty from {e.start}", e.difficulty))
    for hall in site.halls:
        rows += _hall_rows(hall)
    rows += [{"where": "rule", "what": text} for text in _rules(site, period, doc, over)]
    return rows


def _row(where: str, key: str, fig: Figure) -> dict:
    return {"where": where, "what": key, **fig.to_dict()}


_HALL_KEYS = (
    "critical_it_mw",
    "pue",
    "uptime",
    "installed_eh_s",
    "leased_mw",
    "lease_usd_per_mw_year",
    "lease_usd_per_mwh",
    "load_factor",
)


def _plain(where: str, what: str, value: object, source: str, kind: str = "") -> dict:
    return {
        "where": where,
        "what": what,
        "value": value,
        "date": "",
        "source": source,
        "kind": kind,
    }


def _hall_rows(hall) -> list[dict]:
    rows = [_row(hall.name, k, getattr(hall, k)) for k in _HALL_KEYS if getattr(hall, k)]
    for m in hall.fleet:
        rows.append(_plain(hall.name, f"fleet: {m.units:g} x {m.name}", m.th_s, m.source, "TH/s"))
    if hall.lease_start is not None:
        rows.append(
            _plain(hall.name, "lease_start", str(hall.lease_start), hall.lease_start_source)
        )
    if hall.kind == "hosting":
        passed, source = hall.power_passed_through, hall.power_passed_through_source
        rows.append(_plain(hall.name, "power_passed_through", passed, source))
    return rows + _gpu_rows(hall)


def _gpu_rows(hall) -> list[dict]:
    g = hall.gpu
    if not g:
        return []
    rows = [
        _row(hall.name, g["price_key"] if key == "price" else key, g[key])
        for key in ("gpus", "host_w_per_gpu", "sold_fraction", "price")
    ]
    what = f"measured {g['workload']} on {g['device']}"
    source = f"{g['result']}: median {g['unit']}/s; {g['j_per_unit']:.4g} J/{g['unit']}"
    return rows + [_plain(hall.name, what, g["units_per_s"], source, "measured")]


def _rules(site: Site, period: Period, doc: dict, over: Overrides) -> list[str]:
    mk = doc["market"]
    out = [
        f"period: {period.label} ({period.days:g} days, {period.start} to {period.end})",
        "BTC mined = effective hashrate x sum over epochs of days x 86400 x (subsidy + fees) x "
        "(1 - pool fee) / (difficulty x 2^32)",
        "effective hashrate = installed x uptime (curtailment applies to mining halls only)",
        f"difficulty: time-weighted {mk['difficulty_time_weighted']:.5g}, effective (harmonic, "
        f"what BTC mined sees) {mk['difficulty_effective']:.5g}; hashprice at it "
        f"{mk['hashprice_usd_per_ph_day']:.4g} USD/PH/day before pool fee",
        "mining revenue = BTC mined x BTC price; electricity = MW x uptime x PUE x hours x price",
        "hosting revenue = leased MW x lease price x days under lease / 365 (per MW-year)",
        "GPU hall: revenue = measured units/s x GPUs x sold fraction x price; electricity = "
        "units x measured J/unit + host W x sold time, x PUE (unsold time counted as off)",
        "margin = mining + AI + demand response - electricity "
        "(capex, staff and depreciation excluded)",
    ]
    if period.end > site.market.epochs[-1].start and len(site.market.epochs) > 1:
        last = site.market.epochs[-1].start
        out.append(f"the last epoch given (from {last}) is taken to last to the period's end")
    for key, value in vars(over).items():
        if value is not None:
            out.append(f"override: {key} = {value:g}")
    return out


def compare_reported(site: Site, period: Period, doc: dict) -> list[dict] | str:
    """The plan beside what the operator reported, for the site's own period only."""
    if not site.reported:
        return "nothing reported in the site file"
    if (period.start, period.days) != (site.period_start, site.period_days):
        own = f"{site.period_days:g} days from {site.period_start}"
        return f"not compared: the figures reported are for {own}"
    return [
        {
            "what": key,
            "reported": fig.value,
            "model": doc[key],
            "model_over_reported": doc[key] / fig.value if fig.value else None,
            "source": fig.source,
        }
        for key, fig in site.reported.items()
    ]


def site_document(
    site: Site,
    period: Period,
    over: Overrides | None = None,
    sweep_spec: tuple[str, list[float]] | None = None,
    capex_per_mw: float | None = None,
) -> dict:
    """The planner's JSON document: plan, assumptions, payback and (optionally) a sweep."""
    over = over or Overrides()
    doc = plan(site, period, over)
    capex = site.conversion_capex_usd_per_mw
    if capex_per_mw is not None:
        capex = Figure(
            check("conversion_capex_usd_per_mw", capex_per_mw, "--conversion-capex"),
            "",
            "--conversion-capex-usd-per-mw",
            "given",
        )
    out = {
        "site": {
            "name": site.name,
            "description": site.description,
            "date": site.date,
            "critical_it_mw": site.critical_it_mw.value,
        },
        "period": {"start": str(period.start), "end": str(period.end), "label": period.label},
        **doc,
        "payback": payback(site, doc, capex),
        "assumptions": assumptions(site, period, doc, over),
    }
    out["reported"] = compare_reported(site, period, doc)
    if sweep_spec is not None:
        out["sweep"] = sweep(site, period, sweep_spec[0], sweep_spec[1], over)
    return out

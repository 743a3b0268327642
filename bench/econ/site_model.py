"""A site's description: halls (mining, hosting lease, GPU fleet), its market and its period.

Read from a site TOML (a preset in bench/data/sites or a user's file). Every figure is a table
{value, date, source, kind} or a bare number (which takes the file's date and "given" as its
source). Every range is checked here, so the arithmetic in bench.econ.site never sees NaN, inf,
1e308 or a negative megawatt. The format (bench/data/sites/terawulf-q3-2025.toml is an example):

    name, date, description
    [period] start (YYYY-MM-DD), days
    [site] critical_it_mw, demand_response_usd_per_day?, conversion_capex_usd_per_mw?
    [reported] btc_mined?, mining_revenue_usd?, ai_revenue_usd?, electricity_usd? (compared only)
    [market] btc_price_usd, subsidy_btc, fees_share_of_rewards?, pool_fee?, electricity_usd_kwh,
             difficulty, or [[market.difficulty_epochs]] from (date), difficulty
    [[hall]] name, kind = "mining": critical_it_mw?, pue?, uptime?,
                 installed_eh_s or fleet = [{asic = "Antminer S21", units = N}
                 | {name, th_s, power_w, units}]
             kind = "hosting": critical_it_mw, leased_mw?, lease_usd_per_mw_year or
                 lease_usd_per_mwh, lease_start?, power_passed_through?, load_factor?, pue?
             kind = "gpu": result (a result file, relative to the site file), workload, gpus or
                 critical_it_mw, host_w_per_gpu?, sold_fraction?, usd_per_million_units or
                 usd_per_gpu_hour, pue?
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

from bench.econ.datafiles import data_names, load_data, load_path
from bench.econ.figures import Figure, parse_figure
from bench.errors import InvalidInput, ScenarioError

SITE_DIR = "sites"
HALL_KINDS = ("mining", "hosting", "gpu")
# key: (lowest, highest, lowest allowed?) for every figure a site file may hold
BOUNDS = {
    "critical_it_mw": (0.0, 1e5, False),
    "demand_response_usd_per_day": (0.0, 1e9, True),
    "conversion_capex_usd_per_mw": (0.0, 1e10, True),
    "btc_price_usd": (0.0, 1e9, False),
    "difficulty": (0.0, 1e30, False),
    "subsidy_btc": (0.0, 50.0, True),
    "fees_share_of_rewards": (0.0, 0.99, True),
    "pool_fee": (0.0, 0.99, True),
    "electricity_usd_kwh": (0.0, 10.0, True),
    "installed_eh_s": (0.0, 1e6, False),
    "uptime": (0.0, 1.0, True),
    "pue": (1.0, 5.0, True),
    "leased_mw": (0.0, 1e5, True),
    "lease_usd_per_mw_year": (0.0, 1e10, False),
    "lease_usd_per_mwh": (0.0, 1e6, False),
    "load_factor": (0.0, 1.0, True),
    "gpus": (0.0, 1e8, False),
    "host_w_per_gpu": (0.0, 1e5, True),
    "sold_fraction": (0.0, 1.0, True),
    "usd_per_million_units": (0.0, 1e6, False),
    "usd_per_gpu_hour": (0.0, 1e4, False),
    "units": (0.0, 1e8, False),
    "th_s": (0.0, 1e6, False),
    "power_w": (0.0, 1e6, False),
}


class SiteError(InvalidInput):
    """A site description that is unknown, malformed or holds impossible values."""


def check(key: str, value: float, where: str) -> float:
    """The value if finite and inside the bounds of its key, else SiteError."""
    lo, hi, lo_ok = BOUNDS[key]
    if not math.isfinite(value) or value > hi or value < lo or (value == lo and not lo_ok):
        low = ">=" if lo_ok else ">"
        raise SiteError(f"{where}: {key} = {value:g} is out of range ({low} {lo:g}, <= {hi:g})")
    return value


def figure(doc: dict, key: str, where: str, date: str, default: Figure | None = None) -> Figure:
    """A checked figure from a table; `default` when absent (None: required)."""
    if key not in doc:
        if default is None:
            raise SiteError(f"{where}: {key} is required")
        return default
    try:
        fig = parse_figure(key, doc[key], date, where)
    except ScenarioError as exc:
        raise SiteError(str(exc)) from None
    check(key, fig.value, where)
    return fig


def stated(value: float, why: str) -> Figure:
    """A default the planner assumes, with its reason as the source."""
    return Figure(value, "", why, "default")


@dataclass(frozen=True)
class Miner:
    """One row of a mining fleet: a catalog ASIC or a custom row, and how many."""

    name: str
    th_s: float
    power_w: float
    units: float
    source: str


@dataclass(frozen=True)
class Hall:
    """One hall; fields not used by its kind stay None."""

    name: str
    kind: str
    critical_it_mw: Figure
    pue: Figure
    uptime: Figure | None = None  # mining: fraction of the period the fleet runs
    installed_eh_s: Figure | None = None
    fleet: tuple[Miner, ...] = ()
    leased_mw: Figure | None = None
    lease_usd_per_mw_year: Figure | None = None
    lease_usd_per_mwh: Figure | None = None
    lease_start: datetime.date | None = None
    lease_start_source: str = ""
    power_passed_through: bool = False
    power_passed_through_source: str = ""
    load_factor: Figure | None = None
    gpu: dict = field(default_factory=dict)  # gpu halls: figures, see bench.econ.site_gpu


@dataclass(frozen=True)
class Epoch:
    """A difficulty in force from a date until the next epoch's date."""

    start: datetime.date
    difficulty: Figure


@dataclass(frozen=True)
class Market:
    """BTC price, difficulty (one figure or dated epochs), reward and electricity."""

    btc_price_usd: Figure
    epochs: tuple[Epoch, ...]
    subsidy_btc: Figure
    fees_share_of_rewards: Figure
    pool_fee: Figure
    electricity_usd_kwh: Figure


@dataclass(frozen=True)
class Site:
    """A whole site: its critical IT, halls, market and default period."""

    name: str
    description: str
    date: str
    critical_it_mw: Figure
    halls: tuple[Hall, ...]
    market: Market
    period_start: datetime.date
    period_days: float
    demand_response_usd_per_day: Figure
    conversion_capex_usd_per_mw: Figure | None
    where: str
    reported: dict = field(default_factory=dict)  # what the operator reported, for comparison


FIRST_YEAR, LAST_YEAR = 2009, 2200  # Bitcoin's genesis block; as far as a plan can mean


def parse_date(text: object, where: str) -> datetime.date:
    """An ISO date (YYYY-MM-DD) from 2009 to 2200, else SiteError."""
    if isinstance(text, datetime.datetime):
        text = text.date()
    if not isinstance(text, datetime.date):
        try:
            text = datetime.date.fromisoformat(str(text))
        except ValueError:
            raise SiteError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None
    if not FIRST_YEAR <= text.year <= LAST_YEAR:
        raise SiteError(f"{where}: {text} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return text


def table(doc: dict, key: str, where: str) -> dict:
    """A sub-table (empty when absent), else SiteError."""
    item = doc.get(key, {})
    if not isinstance(item, dict):
        raise SiteError(f"{where}: [{key}] must be a table")
    return item


def list_presets() -> list[str]:
    """Names of the site presets shipped with joulebench."""
    return data_names(SITE_DIR)


def load_site(name_or_path: str) -> Site:
    """A preset by name, or a site TOML file by path."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") or path.exists():
        if not path.exists():
            raise SiteError(f"site file not found: {name_or_path}")
        if not path.is_file():
            raise SiteError(f"site file {name_or_path} is not a file")
        try:
            doc = load_path(path)
        except ScenarioError as exc:
            raise SiteError(str(exc).replace("scenario file", "site file")) from None
        return parse_site(doc, f"site file {path}", path.parent)
    if name_or_path not in list_presets():
        known = ", ".join(list_presets())
        raise SiteError(f"unknown site preset {name_or_path!r} (known: {known})")
    return parse_site(load_data(f"{SITE_DIR}/{name_or_path}.toml"), name_or_path, None)


def parse_site(doc: dict, where: str, base_dir: Path | None) -> Site:
    """A checked Site from a parsed TOML document."""
    from bench.econ.site_halls import parse_halls  # the halls' own parsing lives apart

    date = str(doc.get("date", ""))
    site = table(doc, "site", where)
    period = table(doc, "period", where)
    days = period.get("days", 1)
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 < days <= 36600:
        raise SiteError(f"{where}: [period] days must be a number in (0, 36600], got {days!r}")
    mw = figure(site, "critical_it_mw", f"{where} [site]", date)
    halls = parse_halls(doc.get("hall"), where, date, base_dir)
    total = sum(h.critical_it_mw.value for h in halls)
    if total > mw.value * (1 + 1e-9):
        raise SiteError(
            f"{where}: the halls add up to {total:g} MW, more than the site's {mw.value:g} MW"
        )
    capex = site.get("conversion_capex_usd_per_mw")
    return Site(
        name=str(doc.get("name", where)),
        description=str(doc.get("description", "")),
        date=date,
        critical_it_mw=mw,
        halls=halls,
        market=parse_market(table(doc, "market", where), f"{where} [market]", date),
        period_start=parse_date(period.get("start", "2025-01-01"), f"{where} [period]"),
        period_days=float(days),
        demand_response_usd_per_day=figure(
            site, "demand_response_usd_per_day", where, date, stated(0.0, "none given")
        ),
        conversion_capex_usd_per_mw=None
        if capex is None
        else figure(site, "conversion_capex_usd_per_mw", where, date),
        where=where,
        reported=parse_reported(table(doc, "reported", where), f"{where} [reported]", date),
    )


REPORTED_KEYS = ("btc_mined", "mining_revenue_usd", "ai_revenue_usd", "electricity_usd")


def parse_reported(doc: dict, where: str, date: str) -> dict[str, Figure]:
    """Reported outcomes of the site's own period (compared with the plan, never used in it)."""
    extra = sorted(set(doc) - set(REPORTED_KEYS))
    if extra:
        raise SiteError(f"{where}: unknown key(s) {', '.join(extra)}")
    out = {}
    for key, item in doc.items():
        try:
            out[key] = parse_figure(key, item, date, where)
        except ScenarioError as exc:
            raise SiteError(str(exc)) from None
        if not math.isfinite(out[key].value) or not 0 <= out[key].value <= 1e15:
            raise SiteError(f"{where}: {key} = {out[key].value:g} is out of range [0, 1e15]")
    return out


def parse_market(doc: dict, where: str, date: str) -> Market:
    """The market: BTC price, difficulty epochs (or one difficulty), reward, electricity."""
    return Market(
        btc_price_usd=figure(doc, "btc_price_usd", where, date),
        epochs=parse_epochs(doc, where, date),
        subsidy_btc=figure(doc, "subsidy_btc", where, date),
        fees_share_of_rewards=figure(
            doc, "fees_share_of_rewards", where, date, stated(0.0, "no fees given: subsidy only")
        ),
        pool_fee=figure(doc, "pool_fee", where, date, stated(0.0, "no pool fee given")),
        electricity_usd_kwh=figure(doc, "electricity_usd_kwh", where, date),
    )


def parse_epochs(doc: dict, where: str, date: str) -> tuple[Epoch, ...]:
    """Dated difficulty epochs, sorted; a single `difficulty` is one epoch from year 1."""
    if "difficulty" in doc:
        return (Epoch(datetime.date.min, figure(doc, "difficulty", where, date)),)
    rows = doc.get("difficulty_epochs")
    if not isinstance(rows, list) or not rows:
        raise SiteError(f"{where}: give difficulty or a list of difficulty_epochs")
    out = []
    for i, row in enumerate(rows):
        here = f"{where} difficulty_epochs[{i}]"
        if not isinstance(row, dict) or "from" not in row:
            raise SiteError(f"{here}: needs from (a date) and difficulty")
        out.append(Epoch(parse_date(row["from"], here), figure(row, "difficulty", here, date)))
    out.sort(key=lambda e: e.start)
    if len({e.start for e in out}) != len(out):
        raise SiteError(f"{where}: two difficulty epochs start on the same day")
    return tuple(out)

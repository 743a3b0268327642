"""Market scenarios: every price and network figure with its date and source.

A scenario file (TOML) gives each figure as a table {value, date, source, kind} (a bare number
in a user's file takes the file's date). `base = "preset"` inherits the figures it does not give.
Alternatives: difficulty or hashprice_usd_per_ph_day; subsidy_btc or block_height;
fees_btc_per_block or fees_share_of_rewards. Overrides replace figures after the file is read.

`uptime` is mining's (curtailment) and applies to mining only; AI work is busy its
`ai_sold_fraction` of the time, one default for the per-token and GPU-hour bases. The path of a
multi-year TCO takes `difficulty_growth_per_month` and `btc_price_growth_per_month` (0: flat,
stated as such) and the subsidy from `block_height`. Host overhead is not a market figure: it is
the platform's, in bench/data/hardware.toml.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.econ import bitcoin
from bench.econ.datafiles import data_names, load_data, load_path
from bench.econ.figures import (
    Figure,
    TokenPrice,
    number,
    parse_figure,
    parse_token_price,
    price_table,
    validate,
)
from bench.errors import ScenarioError

log = logging.getLogger(__name__)

DEFAULT_SCENARIO = "late-2025"
SCENARIO_DIR = "scenarios"
FIGURE_KEYS = (
    "btc_price_usd",
    "difficulty",
    "hashprice_usd_per_ph_day",
    "subsidy_btc",
    "block_height",
    "fees_btc_per_block",
    "fees_share_of_rewards",
    "pool_fee",
    "electricity_usd_kwh",
    "pue",
    "uptime",
    "ai_sold_fraction",
)
# optional: the TCO path (absent growth is flat, and said so) and a site's hashrate
OPTIONAL_KEYS = (
    "difficulty_growth_per_month",
    "btc_price_growth_per_month",
    "installed_hashrate_hs",
    "effective_hashrate_hs",
)
ALL_KEYS = FIGURE_KEYS + OPTIONAL_KEYS
# fields of older scenario files, and what replaced them
REPLACED = {
    "utilisation": "ai_sold_fraction",
    "host_overhead_fraction": "the platform's host_overhead_w (bench/data/hardware.toml, "
    "--platform, --host-overhead-w)",
}
ALTERNATIVES = (
    ("difficulty", "hashprice_usd_per_ph_day"),
    ("subsidy_btc", "block_height"),
    ("fees_btc_per_block", "fees_share_of_rewards"),
)
PRICE_TABLES = ("token_usd_per_million", "gpu_hour_usd")
META_KEYS = ("name", "date", "description", "base")


@dataclass(frozen=True)
class Scenario:
    """A resolved market scenario: difficulty, subsidy and fees always known."""

    name: str
    date: str
    description: str
    figures: Mapping[str, Figure]
    token_usd_per_million: Mapping[str, TokenPrice] = field(default_factory=dict)
    gpu_hour_usd: Mapping[str, Figure] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()

    def value(self, key: str) -> float:
        """The plain value of one figure."""
        return self.figures[key].value

    @property
    def btc_price_usd(self) -> float:
        """BTC price in USD."""
        return self.value("btc_price_usd")

    @property
    def difficulty(self) -> float:
        """Network difficulty."""
        return self.value("difficulty")

    @property
    def subsidy_btc(self) -> float:
        """Block subsidy in BTC."""
        return self.value("subsidy_btc")

    @property
    def fees_btc_per_block(self) -> float:
        """Average fees per block in BTC (converted from a share of rewards if so given)."""
        if "fees_btc_per_block" in self.figures:
            return self.value("fees_btc_per_block")
        return bitcoin.fees_from_share(self.subsidy_btc, self.value("fees_share_of_rewards"))

    @property
    def reward_btc(self) -> float:
        """Subsidy plus average fees per block, in BTC."""
        return self.subsidy_btc + self.fees_btc_per_block

    @property
    def hashprice_usd_per_ph_day(self) -> float:
        """Hashprice implied by price, difficulty and reward (before pool fee)."""
        return bitcoin.hashprice_usd_per_ph_day(
            self.btc_price_usd, self.difficulty, self.reward_btc
        )

    def to_dict(self) -> dict:
        """Every value with its date and source, plus the derived figures."""
        return {
            "name": self.name,
            "date": self.date,
            "description": self.description,
            "overridden": list(self.overridden),
            "figures": {k: self.figures[k].to_dict() for k in ALL_KEYS if k in self.figures},
            "derived": {
                "fees_btc_per_block": self.fees_btc_per_block,
                "reward_btc": self.reward_btc,
                **bitcoin.hashprice_units(self.hashprice_usd_per_ph_day),
            },
            "token_usd_per_million": {
                k: p.to_dict() for k, p in self.token_usd_per_million.items()
            },
            "gpu_hour_usd": {k: f.to_dict() for k, f in self.gpu_hour_usd.items()},
        }


def preset_names() -> list[str]:
    """Names of the scenarios shipped with joulebench."""
    return data_names(SCENARIO_DIR)


def list_scenarios() -> list[dict]:
    """Each preset with its date and description."""
    out = []
    for name in preset_names():
        sc = load_scenario(name)
        out.append(
            {
                "name": sc.name,
                "date": sc.date,
                "description": sc.description,
                "btc_price_usd": sc.btc_price_usd,
                "difficulty": sc.difficulty,
                "hashprice_usd_per_ph_day": sc.hashprice_usd_per_ph_day,
                "electricity_usd_kwh": sc.value("electricity_usd_kwh"),
                "uptime": sc.value("uptime"),
                "ai_sold_fraction": sc.value("ai_sold_fraction"),
            }
        )
    return out


def load_scenario(name_or_path: str = DEFAULT_SCENARIO, **overrides) -> Scenario:
    """A preset by name or a TOML file by path, with overrides (None values are ignored)."""
    scenario = _load_named(name_or_path, seen=())
    given = {k: v for k, v in overrides.items() if v is not None}
    return apply_overrides(scenario, **given) if given else scenario


def apply_overrides(scenario: Scenario, **overrides) -> Scenario:
    """A copy of the scenario with figures replaced by plain values (kind "override")."""
    today = datetime.date.today().isoformat()
    tables = {k: overrides.pop(k) for k in PRICE_TABLES if k in overrides}
    for key, table in tables.items():
        price_table({key: table}, key, "override")
    _refuse_unknown(set(overrides) - set(ALL_KEYS), "override")
    raw = {
        k: Figure(number(k, v, "override"), today, "override", "override")
        for k, v in overrides.items()
    }
    tok = dict(scenario.token_usd_per_million)
    for cls, v in tables.get("token_usd_per_million", {}).items():
        old = tok.get(cls, TokenPrice(Figure(0.0, today, "override")))
        given = v if isinstance(v, dict) else {"output": v}
        prices = {
            k: Figure(number(f"{cls}.{k}", given[k], "override"), today, "override", "override")
            for k in ("input", "output")
            if k in given
        }
        tok[cls] = replace(old, price=prices.get("output", old.price),
                           input=prices.get("input", old.input))  # fmt: skip
    gpu = dict(scenario.gpu_hour_usd)
    for card, v in tables.get("gpu_hour_usd", {}).items():
        gpu[card] = Figure(number(card, v, "override"), today, "override", "override")
    merged = replace(scenario, token_usd_per_million=tok, gpu_hour_usd=gpu)
    out = _combine(merged, raw)
    names = tuple(overrides) + tuple(tables)
    return replace(out, overridden=tuple(scenario.overridden) + names)


def _load_named(name_or_path: str, seen: tuple[str, ...]) -> Scenario:
    """Read a preset or file, resolving its base first."""
    if name_or_path in seen:
        raise ScenarioError(f"scenario base cycle: {' -> '.join((*seen, name_or_path))}")
    if name_or_path in preset_names():
        doc, where = load_data(f"{SCENARIO_DIR}/{name_or_path}.toml"), f"preset {name_or_path}"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            presets = ", ".join(preset_names())
            raise ScenarioError(
                f"unknown scenario {name_or_path!r}: presets are {presets}, or give a TOML file"
            )
        doc, where = load_path(path), f"scenario file {path}"
    return _from_document(doc, where, (*seen, name_or_path))


def _from_document(doc: dict, where: str, seen: tuple[str, ...]) -> Scenario:
    """Build a scenario from a parsed TOML document."""
    _refuse_unknown(set(doc) - set(ALL_KEYS) - set(PRICE_TABLES) - set(META_KEYS), where)
    date = str(doc.get("date", "undated"))
    base = _load_named(str(doc["base"]), seen) if "base" in doc else None
    raw = {k: parse_figure(k, doc[k], date, where) for k in ALL_KEYS if k in doc}
    tok = dict(base.token_usd_per_million) if base else {}
    tok.update(
        {
            k: parse_token_price(k, v, date, where)
            for k, v in price_table(doc, "token_usd_per_million", where).items()
        }
    )
    gpu = dict(base.gpu_hour_usd) if base else {}
    gpu.update(
        {
            k: parse_figure(k, v, date, where)
            for k, v in price_table(doc, "gpu_hour_usd", where).items()
        }
    )
    name = str(doc.get("name", Path(where).stem)).strip()
    if not name or not name.isprintable():  # a name is shown and stored: never empty or raw
        raise ScenarioError(f"{where}: name must be printable text, got {doc.get('name')!r}")
    start = Scenario(
        name=name,
        date=date,
        description=str(doc.get("description", "")),
        figures=dict(base.figures) if base else {},
        token_usd_per_million=tok,
        gpu_hour_usd=gpu,
    )
    try:
        return _combine(start, raw)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _refuse_unknown(unknown: set[str], where: str) -> None:
    """ScenarioError for unknown fields, saying what replaced a field of an older file."""
    if not unknown:
        return
    names = ", ".join(
        f"{k} (replaced by {REPLACED[k]})" if k in REPLACED else k for k in sorted(unknown)
    )
    raise ScenarioError(f"{where}: unknown scenario field(s): {names}")


def _combine(scenario: Scenario, raw: dict[str, Figure]) -> Scenario:
    """Lay given figures over a scenario's, resolving alternatives; then validate."""
    validate(raw)
    figures = dict(scenario.figures)
    for group in ALTERNATIVES:
        given = [k for k in group if k in raw]
        if len(given) > 1:
            raise ScenarioError(f"give either {' or '.join(group)}, not both")
        if given:
            for k in group:
                figures.pop(k, None)
    figures.update({k: f for k, f in raw.items() if k != "hashprice_usd_per_ph_day"})
    if "block_height" in raw:
        figures["subsidy_btc"] = _subsidy_figure(raw["block_height"])
    pending = raw.get("hashprice_usd_per_ph_day")
    check = {**figures, "difficulty": pending} if pending else figures
    missing = _missing(check)
    if missing:
        raise ScenarioError(f'missing figure(s): {", ".join(missing)} (or set base = "late-2025")')
    validate(check)
    if replace(scenario, figures=check).reward_btc <= 0:
        raise ScenarioError("subsidy plus fees must be > 0 BTC per block")
    if pending:
        figures["difficulty"] = _difficulty_figure(replace(scenario, figures=check), pending)
    validate(figures)
    return replace(scenario, figures=figures)


def _missing(figures: Mapping[str, Figure]) -> list[str]:
    """Required figures absent, naming the alternatives."""
    missing = []
    for key in FIGURE_KEYS:
        group = next((g for g in ALTERNATIVES if key in g), (key,))
        if key == group[0] and not any(k in figures for k in group):
            missing.append(" or ".join(group))
    return missing


def _subsidy_figure(height: Figure) -> Figure:
    """The subsidy derived from a block height figure."""
    h = int(height.value)
    src = f"50 BTC >> (height // 210000) at block height {h} ({height.source})"
    return Figure(bitcoin.subsidy_btc(h), height.date, src, "derived")


def _difficulty_figure(partial: Scenario, hashprice: Figure) -> Figure:
    """The difficulty that makes the scenario's price and reward give this hashprice."""
    d = bitcoin.difficulty_from_hashprice(
        hashprice.value, partial.btc_price_usd, partial.reward_btc
    )
    src = (
        f"derived from hashprice {hashprice.value:g} USD/PH/day ({hashprice.date}: "
        f"{hashprice.source}) at the scenario's BTC price, subsidy and fees"
    )
    return Figure(d, hashprice.date, src, "derived")

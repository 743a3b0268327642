"""A figure: one number with its date, source and kind; parsing and range checks of figures."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bench.errors import ScenarioError


@dataclass(frozen=True)
class Figure:
    """One number with its date, source and kind (V primary, S secondary, E estimate, ...)."""

    value: float
    date: str
    source: str
    kind: str = "given"

    def to_dict(self) -> dict:
        """Plain-data form."""
        return {"value": self.value, "date": self.date, "source": self.source, "kind": self.kind}


@dataclass(frozen=True)
class TokenPrice:
    """USD per million tokens for a model class, which covers a range of parameter counts."""

    price: Figure
    params_b_min: float = 0.0
    params_b_max: float = math.inf

    def to_dict(self) -> dict:
        """Plain-data form."""
        hi = None if math.isinf(self.params_b_max) else self.params_b_max
        return {**self.price.to_dict(), "params_b_min": self.params_b_min, "params_b_max": hi}


# key: (lowest, highest, lowest allowed?, highest allowed?, the rule in words)
LIMITS = {
    "btc_price_usd": (0.0, math.inf, False, False, "a BTC price must be > 0"),
    "difficulty": (0.0, math.inf, False, False, "difficulty must be > 0"),
    "hashprice_usd_per_ph_day": (0.0, math.inf, False, False, "hashprice must be > 0"),
    "subsidy_btc": (0.0, 50.0, True, True, "the subsidy must be between 0 and 50 BTC"),
    "block_height": (0.0, math.inf, True, False, "a block height must be an integer >= 0"),
    "fees_btc_per_block": (0.0, math.inf, True, False, "fees must be >= 0 BTC per block"),
    "fees_share_of_rewards": (0.0, 1.0, True, False, "the fees share must be in [0, 1)"),
    "pool_fee": (0.0, 1.0, True, False, "a pool fee must be in [0, 1) (0.02 means 2 %)"),
    "electricity_usd_kwh": (0.0, math.inf, True, False, "electricity must be >= 0 USD/kWh"),
    "pue": (1.0, math.inf, True, False, "PUE must be >= 1"),
    "uptime": (0.0, 1.0, False, True, "uptime must be in (0, 1]"),
    "host_overhead_fraction": (0.0, math.inf, True, False, "host overhead must be >= 0"),
    "utilisation": (0.0, 1.0, False, True, "utilisation must be in (0, 1]"),
}


def validate(figures: Mapping[str, Figure]) -> None:
    """Raise ScenarioError for the first impossible value."""
    for key, fig in figures.items():
        lo, hi, lo_ok, hi_ok, rule = LIMITS[key]
        v = fig.value
        bad = (v < lo or (v == lo and not lo_ok)) or (v > hi or (v == hi and not hi_ok))
        if key == "block_height" and v != int(v):
            bad = True
        if bad:
            raise ScenarioError(f"{key} = {v:g}: {rule}")


def number(key: str, value: object, where: str) -> float:
    """A finite number, else ScenarioError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: {key} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ScenarioError(f"{where}: {key} must be finite, got {value!r}")
    return float(value)


def parse_figure(key: str, item: object, date: str, where: str) -> Figure:
    """A figure from a table {value, date, source, kind} or a bare number."""
    if not isinstance(item, dict):
        return Figure(number(key, item, where), date, where, "given")
    extra = sorted(set(item) - {"value", "date", "source", "kind"})
    if extra or "value" not in item:
        raise ScenarioError(
            f"{where}: {key} needs value, date, source (and kind), got {sorted(item)}"
        )
    return Figure(
        number(key, item["value"], where),
        str(item.get("date", date)),
        str(item.get("source", where)),
        str(item.get("kind", "given")),
    )


def parse_token_price(cls: str, item: object, date: str, where: str) -> TokenPrice:
    """A model-class token price, optionally with its parameter-count range in billions."""
    if not isinstance(item, dict):
        return TokenPrice(parse_figure(cls, item, date, where))
    rest = {k: v for k, v in item.items() if k not in ("params_b_min", "params_b_max")}
    lo = number("params_b_min", item.get("params_b_min", 0.0), where)
    hi = number("params_b_max", item.get("params_b_max", 1e12), where)
    return TokenPrice(parse_figure(cls, rest, date, where), lo, hi)


def price_table(doc: dict, key: str, where: str) -> dict:
    """A price table (e.g. gpu_hour_usd), validated as positive numbers."""
    table = doc.get(key, {})
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: {key} must be a table")
    for name, item in table.items():
        v = item.get("value") if isinstance(item, dict) else item
        if number(f"{key}.{name}", v, where) <= 0:
            raise ScenarioError(f"{where}: {key}.{name} must be > 0")
    return table

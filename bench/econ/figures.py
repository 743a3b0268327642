"""A figure: one number with its date, source and kind; parsing and range checks of figures."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bench.errors import ScenarioError

# What each kind of figure means, for every output that shows kinds.
KIND_LEGEND = (
    "kinds: V read in a primary or near-primary source, S secondary source, E estimate (its "
    "reasoning in the source), list maker's list price, derived computed from other figures, "
    "override given on the command line"
)


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
    """USD per million tokens for a model class (a range of parameter counts): `price` for
    output (generated) tokens, `input` for input (prompt) tokens where the scenario gives one."""

    price: Figure
    params_b_min: float = 0.0
    params_b_max: float = math.inf
    input: Figure | None = None

    def for_tokens(self, kind: str) -> Figure | None:
        """The price of "input" or "output" tokens (None: no input price given)."""
        return self.input if kind == "input" else self.price

    def to_dict(self) -> dict:
        """Plain-data form: the output price at the top level, as before, and both by name."""
        hi = None if math.isinf(self.params_b_max) else self.params_b_max
        return {
            **self.price.to_dict(),
            "output": self.price.to_dict(),
            "input": self.input.to_dict() if self.input else None,
            "params_b_min": self.params_b_min,
            "params_b_max": hi,
        }


# key: (lowest, highest, lowest allowed?, highest allowed?, the rule in words). The upper bounds
# are far past any real market, and keep every derived figure finite.
LIMITS = {
    "btc_price_usd": (0.0, 1e9, False, True, "a BTC price must be in (0, 1e9] USD"),
    "difficulty": (1.0, 1e20, True, True, "difficulty must be in [1, 1e20]"),
    "hashprice_usd_per_ph_day": (
        1e-9,
        1e9,
        True,
        True,
        "hashprice must be in [1e-9, 1e9] USD/PH/day",
    ),
    "subsidy_btc": (0.0, 50.0, True, True, "the subsidy must be between 0 and 50 BTC"),
    "block_height": (
        0.0,
        6_930_000,
        True,
        False,
        "a block height must be an integer in [0, 6930000)",
    ),
    "fees_btc_per_block": (0.0, 1e4, True, True, "fees must be in [0, 1e4] BTC per block"),
    "fees_share_of_rewards": (0.0, 0.99, True, True, "the fees share must be in [0, 0.99]"),
    "pool_fee": (0.0, 0.99, True, True, "a pool fee must be in [0, 0.99] (0.02 means 2 %)"),
    "electricity_usd_kwh": (0.0, 100.0, True, True, "electricity must be in [0, 100] USD/kWh"),
    "pue": (1.0, 10.0, True, True, "PUE must be in [1, 10]"),
    "uptime": (0.0, 1.0, False, True, "uptime must be in (0, 1]"),
    "ai_sold_fraction": (0.0, 1.0, False, True, "the AI sold fraction must be in (0, 1]"),
    "difficulty_growth_per_month": (
        -0.5,
        1.0,
        True,
        True,
        "difficulty growth must be in [-0.5, 1] per month",
    ),
    "btc_price_growth_per_month": (
        -0.5,
        1.0,
        True,
        True,
        "BTC price growth must be in [-0.5, 1] per month",
    ),
    "installed_hashrate_hs": (
        0.0,
        1e22,
        False,
        True,
        "installed hashrate must be in (0, 1e22] H/s",
    ),
    "effective_hashrate_hs": (
        0.0,
        1e22,
        False,
        True,
        "effective hashrate must be in (0, 1e22] H/s",
    ),
}


PRICE_MAX_USD = 1e6  # per million tokens or per GPU-hour


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
    """A model-class token price, optionally with its parameter-count range in billions.

    Either {input = {...}, output = {...}} (prices of prompt and generated tokens apart) or a
    single figure, which is the output price (no input price: prefill is then not per-token).
    """
    if not isinstance(item, dict):
        return TokenPrice(parse_figure(cls, item, date, where))
    rest = {k: v for k, v in item.items() if k not in ("params_b_min", "params_b_max")}
    lo = number("params_b_min", item.get("params_b_min", 0.0), where)
    hi = number("params_b_max", item.get("params_b_max", 1e12), where)
    if "output" in rest or "input" in rest:
        if sorted(rest) != ["input", "output"]:
            raise ScenarioError(f"{where}: {cls} needs input and output prices, got {sorted(rest)}")
        output = parse_figure(f"{cls}.output", rest["output"], date, where)
        return TokenPrice(output, lo, hi, parse_figure(f"{cls}.input", rest["input"], date, where))
    return TokenPrice(parse_figure(cls, rest, date, where), lo, hi)


def _table_values(item: object) -> list[object]:
    """The plain values of one price-table item (a number, a figure, or input and output)."""
    if not isinstance(item, dict):
        return [item]
    if "input" in item or "output" in item:
        return [_table_values(item.get(k))[0] for k in ("input", "output") if k in item]
    return [item.get("value")]


def price_table(doc: dict, key: str, where: str) -> dict:
    """A price table (e.g. gpu_hour_usd), validated as positive numbers."""
    table = doc.get(key, {})
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: {key} must be a table")
    for name, item in table.items():
        for v in _table_values(item):
            if not 0 < number(f"{key}.{name}", v, where) <= PRICE_MAX_USD:
                raise ScenarioError(f"{where}: {key}.{name} must be in (0, {PRICE_MAX_USD:g}] USD")
    return table

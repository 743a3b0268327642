"""Extreme but finite inputs across `econ mining|ai|tco|asics`: one line on stderr, exit 2, and
never inf or NaN in a JSON document; the bound is in the message."""

from __future__ import annotations

import json
import math

import pytest
from conftest import assert_bad_input

from bench.econ import ai_revenue, load_scenario, mining_revenue, procurement
from bench.econ.footing import check_finite, check_positive
from bench.errors import InvalidInput


def strict_json(text: str) -> dict:
    """Parse JSON refusing Infinity and NaN (Python's json accepts them by default)."""

    def refuse(name):
        raise AssertionError(f"{name} in a JSON document")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "args",
    [
        ["econ", "mining", "--hashrate-hs", "1e308", "--power-w", "100", "--json"],
        ["econ", "mining", "--hashrate-hs", "1e21", "--power-w", "1e-12", "--json"],
        ["econ", "mining", "--hashrate-hs", "1e-12", "--power-w", "100", "--json"],
        ["econ", "mining", "--hashrate-hs", "1e9", "--power-w", "100", "--difficulty", "1e-9"],
        ["econ", "mining", "--hashrate-hs", "1e9", "--power-w", "100", "--btc-price", "1e20"],
        ["econ", "mining", "--hashrate-hs", "1e9", "--power-w", "100", "--block-height", "7e6"],
        ["econ", "mining", "--hashrate-hs", "1e9", "--power-w", "100", "--pue", "1e9"],
        ["econ", "mining", "--hashrate-hs", "1e9", "--power-w", "1e21", "--json"],
        ["econ", "ai", "--units-per-s", "1e21", "--power-w", "100", "--usd-per-hour", "2"],
        ["econ", "ai", "--units-per-s", "1e-12", "--power-w", "100", "--usd-per-hour", "2"],
        ["econ", "ai", "--units-per-s", "10", "--power-w", "100", "--usd-per-hour", "1e20"],
        [
            "econ",
            "ai",
            "--units-per-s",
            "10",
            "--power-w",
            "100",
            "--usd-per-hour",
            "2",
            "--host-overhead-w",
            "1e20",
        ],  # fmt: skip
        [
            "econ",
            "ai",
            "--units-per-s",
            "10",
            "--power-w",
            "100",
            "--usd-per-hour",
            "2",
            "--mining-hashrate-hs",
            "1e9",
            "--mining-power-w",
            "1e-9",
        ],  # fmt: skip
        ["econ", "tco", "--capex-usd", "1e-12", "--power-w", "100", "--usd-per-day", "1"],
        ["econ", "tco", "--capex-usd", "1e20", "--power-w", "100", "--usd-per-day", "1"],
        ["econ", "tco", "--capex-usd", "1e4", "--power-w", "100", "--usd-per-day", "1e20"],
        [
            "econ",
            "tco",
            "--capex-usd",
            "1e4",
            "--power-w",
            "100",
            "--usd-per-day",
            "1",
            "--years",
            "1e-9",
        ],  # fmt: skip
        [
            "econ",
            "mining",
            "--hashrate-hs",
            "1e9",
            "--power-w",
            "100",
            "--footing",
            "wall",
            "--platform",
            "workstation",
        ],  # fmt: skip
        ["econ", "asics", "--btc-price", "1e21", "--json"],
        ["econ", "asics", "--electricity-usd-kwh", "1e9", "--json"],
    ],
)
def test_extreme_inputs_exit_2_with_one_line(run_cli, args):
    assert_bad_input(run_cli(*args))


def test_the_bound_is_in_the_message(run_cli):
    res = run_cli("econ", "tco", "--capex-usd", "1e4", "--power-w", "100", "--usd-per-day", "1e13")
    assert_bad_input(res)
    assert "usd_per_day must be in [1e-09, 1e+12], got 1e+13" in res.stderr


@pytest.mark.parametrize(
    "args",
    [
        # the largest inputs allowed: finite figures, no inf anywhere
        ["econ", "mining", "--hashrate-hs", "1e21", "--power-w", "1e-3", "--json"],
        ["econ", "mining", "--hashrate-hs", "1e-3", "--power-w", "1e9", "--json"],
        [
            "econ",
            "ai",
            "--units-per-s",
            "1e15",
            "--power-w",
            "1e-3",
            "--usd-per-million-units",
            "1e6",
            "--mining-hashrate-hs",
            "1e-3",
            "--json",
        ],  # fmt: skip
        [
            "econ",
            "tco",
            "--capex-usd",
            "1e-3",
            "--power-w",
            "1e-3",
            "--hashrate-hs",
            "1e21",
            "--years",
            "100",
            "--json",
        ],  # fmt: skip
        [
            "econ",
            "mining",
            "--hashrate-hs",
            "1e9",
            "--power-w",
            "100",
            "--pool-fee",
            "0.99",
            "--fees-share",
            "0",
            "--subsidy-btc",
            "1e-8",
            "--json",
        ],  # fmt: skip
        ["econ", "asics", "--btc-price", "1e9", "--difficulty", "1", "--json"],
    ],
)
def test_largest_allowed_inputs_give_finite_json(run_cli, args):
    res = run_cli(*args)
    assert res.exit_code == 0, res.stderr
    strict_json(res.stdout)


def test_library_bounds_and_overflow_are_invalid_input():
    sc = load_scenario("late-2025")
    with pytest.raises(InvalidInput, match=r"hashrate_hs must be in \[0.001, 1e\+22\]"):
        mining_revenue(1e308, 100, sc)
    with pytest.raises(InvalidInput, match="power_w"):
        mining_revenue(1e9, 1e-300, sc)
    with pytest.raises(InvalidInput, match="usd_per_million_units"):
        ai_revenue(1e3, 100, sc, usd_per_million_units=1e300)
    # a break-even whose denominator would be 0 is refused, not a ZeroDivisionError
    with pytest.raises(InvalidInput):
        check_positive("hashrate_hs", 0.0)
    with pytest.raises(InvalidInput, match="too extreme"):
        check_finite({"a": [1.0, {"b": math.inf}]})
    rev = mining_revenue(1e21, 1e-3, sc, footing="wall", compare_asics=False)
    doc = procurement({"power_w": 1e-3}, rev, sc, capex_usd=1e-3, years=100)
    check_finite(doc)  # no exception: every figure finite

"""bench.stats against hand-worked figures and numpy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bench.stats import Stat, Unmeasured, quantile, summarize, t975, within_bound

STAT_KEYS = {"unit", "n", "median", "q1", "q3", "min", "max", "mean", "rel_spread"}
STAT_KEYS |= {"ci95_low", "ci95_high"}


def test_five_samples_by_hand():
    s = Stat((5.0, 1.0, 4.0, 2.0, 3.0), "hash/s")
    assert (s.median, s.q1, s.q3, s.min, s.max, s.mean) == (3.0, 2.0, 4.0, 1.0, 5.0, 3.0)
    assert s.rel_spread == pytest.approx(4.0 / 3.0)
    # s = sqrt(10/4); half width = t(0.975, 4) * s / sqrt(5), t = 2.776445 (tables)
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    low, high = s.ci95
    assert low == pytest.approx(3.0 - half, rel=1e-4)
    assert high == pytest.approx(3.0 + half, rel=1e-4)


def test_quartiles_match_numpy_linear():
    values = (10.0, 40.0, 20.0, 30.0, 17.0, 3.5)
    s = Stat(values, "W")
    assert s.q1 == pytest.approx(np.percentile(values, 25))
    assert s.median == pytest.approx(np.median(values))
    assert s.q3 == pytest.approx(np.percentile(values, 75))
    assert quantile((10.0, 20.0, 30.0, 40.0), 0.25) == 17.5


@pytest.mark.parametrize(
    "df, expected",
    [
        (1, 12.706205),
        (4, 2.776445),
        (10, 2.228139),
        (30, 2.042272),
        (60, 2.000298),
        (120, 1.979930),
    ],
)
def test_t_quantiles_against_tables(df, expected):
    assert t975(df) == pytest.approx(expected, abs=2e-4)


def test_one_sample_has_no_interval_and_no_spread():
    # One window says nothing about the spread: None (JSON null), never a reassuring 0.0.
    d = Stat((7.0,), "J").to_dict()
    assert set(d) == STAT_KEYS
    assert d["n"] == 1 and d["median"] == 7.0 and d["rel_spread"] is None
    assert d["ci95_low"] is None and d["ci95_high"] is None
    assert json.loads(json.dumps(d, allow_nan=False))["rel_spread"] is None


def test_one_sample_never_passes_the_spread_bound():
    assert not within_bound(Stat((7.0,), "J"), 0.02)


def test_two_samples_spread_and_interval_by_hand():
    # (12 - 8) / 10 = 0.4; s = sqrt(8); half width = t(0.975, 1) * sqrt(8) / sqrt(2) = 12.7062 * 2
    s = Stat((8.0, 12.0), "W")
    assert s.rel_spread == pytest.approx(0.4)
    low, high = s.ci95
    assert (low, high) == (pytest.approx(10.0 - 25.4124), pytest.approx(10.0 + 25.4124))


def test_samples_are_kept_not_replaced():
    s = Stat((1.0, 3.0), "x")
    assert s.samples == (1.0, 3.0)
    assert s.to_dict()["mean"] == 2.0


def test_zero_median_spread_is_none_not_infinite():
    assert Stat((-1.0, 0.0, 1.0), "x").rel_spread is None


def test_unmeasured_is_never_a_number():
    u = summarize([1.0, None], "J/hash", "no powercap interface")
    assert isinstance(u, Unmeasured)
    assert u.to_dict() == {"unmeasured": "no powercap interface"}
    assert isinstance(summarize([], "J"), Unmeasured)


def test_within_bound():
    assert within_bound(Stat((100.0, 101.0, 99.5), "x"), 0.02)  # 1.5 / 100
    assert not within_bound(Stat((100.0, 103.0), "x"), 0.02)
    assert within_bound(Unmeasured("no energy"), 0.02)


def test_rejects_empty_and_non_finite():
    with pytest.raises(ValueError):
        Stat((), "x")
    with pytest.raises(ValueError):
        Stat((1.0, float("nan")), "x")

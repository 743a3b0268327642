"""Pure statistics over measured windows: median, quartiles, spread and a 95 % interval.

A `Stat` holds the raw samples and computes every figure from them on demand; nothing but
the samples is stored. Choices, chosen for the small sample counts of a benchmark (3-30
windows):

- quartiles: linear interpolation between order statistics (numpy's default, "type 7");
- `rel_spread`: (max - min) / median. Stricter than IQR / median: a run passes the stopping
  rule only when *every* window lies within the bound. None for n < 2: one sample says
  nothing about the spread, and a 0 would read as a perfectly steady result;
- `ci95_low` / `ci95_high`: Student-t 95 % interval of the mean, mean +- t(0.975, n-1) * s/sqrt(n).
  A distribution-free interval for the median needs at least 6 samples to reach 95 %
  coverage, and runs often stop at 5 windows, so the t interval is used. None for n < 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

# Two-sided 95 % quantiles t(0.975, df) of Student's t distribution, df = 1..30.
_T975 = (
    12.7062,
    4.3027,
    3.1824,
    2.7764,
    2.5706,
    2.4469,
    2.3646,
    2.3060,
    2.2622,
    2.2281,
    2.2010,
    2.1788,
    2.1604,
    2.1448,
    2.1314,
    2.1199,
    2.1098,
    2.1009,
    2.0930,
    2.0860,
    2.0796,
    2.0739,
    2.0687,
    2.0639,
    2.0595,
    2.0555,
    2.0518,
    2.0484,
    2.0452,
    2.0423,
)
_Z975 = 1.959964


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("t quantile needs df >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion around the normal quantile; error < 1e-4 for df > 30.
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def quantile(sorted_values: tuple[float, ...], q: float) -> float:
    """Linearly interpolated quantile q (0..1) of already sorted values."""
    if not sorted_values:
        raise ValueError("quantile of no values")
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


@dataclass(frozen=True)
class Stat:
    """Summary statistics of one quantity over windows, computed from the samples kept."""

    samples: tuple[float, ...]
    unit: str

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError("a Stat needs at least one sample")
        if any(not math.isfinite(v) for v in self.samples):
            raise ValueError("a Stat's samples must be finite numbers")

    @cached_property
    def sorted(self) -> tuple[float, ...]:
        return tuple(sorted(self.samples))

    @property
    def n(self) -> int:
        return len(self.samples)

    @cached_property
    def median(self) -> float:
        return quantile(self.sorted, 0.5)

    @cached_property
    def q1(self) -> float:
        return quantile(self.sorted, 0.25)

    @cached_property
    def q3(self) -> float:
        return quantile(self.sorted, 0.75)

    @property
    def min(self) -> float:
        return self.sorted[0]

    @property
    def max(self) -> float:
        return self.sorted[-1]

    @cached_property
    def mean(self) -> float:
        return math.fsum(self.samples) / self.n

    @cached_property
    def stdev(self) -> float | None:
        """Sample standard deviation (n - 1); None for one sample."""
        if self.n < 2:
            return None
        m = self.mean
        return math.sqrt(math.fsum((v - m) ** 2 for v in self.samples) / (self.n - 1))

    @cached_property
    def rel_spread(self) -> float | None:
        """(max - min) / |median|; None for fewer than two samples or a zero median."""
        if self.n < 2 or self.median == 0:
            return None
        return (self.max - self.min) / abs(self.median)

    @cached_property
    def ci95(self) -> tuple[float, float] | None:
        """Student-t 95 % interval of the mean; None for fewer than two samples."""
        if self.stdev is None:
            return None
        half = t975(self.n - 1) * self.stdev / math.sqrt(self.n)
        return (self.mean - half, self.mean + half)

    def to_dict(self) -> dict:
        """The STAT shape of docs/interfaces.md."""
        ci = self.ci95
        return {
            "unit": self.unit,
            "n": self.n,
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "rel_spread": self.rel_spread,
            "ci95_low": ci[0] if ci else None,
            "ci95_high": ci[1] if ci else None,
        }


@dataclass(frozen=True)
class Unmeasured:
    """A quantity that could not be measured, with the reason; never a silent 0."""

    reason: str
    unit: str = ""

    def to_dict(self) -> dict:
        return {"unmeasured": self.reason}


def summarize(values: Iterable[float | None], unit: str, reason: str = "") -> Stat | Unmeasured:
    """A Stat over the values, or Unmeasured(reason) when any value is missing or none given."""
    vals = list(values)
    if not vals or any(v is None for v in vals):
        return Unmeasured(reason or "no measured values", unit)
    return Stat(tuple(float(v) for v in vals), unit)


def within_bound(stat: Stat | Unmeasured, bound: float) -> bool:
    """True when a Stat's relative spread is known and at most `bound`; Unmeasured passes."""
    if isinstance(stat, Unmeasured):
        return True
    return stat.rel_spread is not None and stat.rel_spread <= bound

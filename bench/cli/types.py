"""Checked click parameter types: every number from the command line is finite and bounded.

click's own `float` takes "nan", "inf" and "1e400" (which is inf); such a value would pass the
up-front checks and break a computation (or a JSON document) after the work was done. These
types refuse them at parsing, with the option's name, as one line and exit status 2.
"""

from __future__ import annotations

import math

import click

# No figure this tool takes comes near these: the whole Bitcoin network is ~1e21 H/s, a
# difficulty ~1e14; a value under 1e-12 (and not 0) is a typo or a probe, and its inverse
# would overflow what the economics compute from it.
MAX_MAGNITUDE = 1e21
MIN_MAGNITUDE = 1e-12


class Number(click.ParamType):
    """A finite float within [low, high] (low excluded when low_open), |x| in the sane range."""

    name = "number"

    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        what: str = "number",
    ) -> None:
        self.low, self.high, self.low_open, self.what = low, high, low_open, what

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, float) and math.isfinite(value):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if abs(number) > MAX_MAGNITUDE or 0 < abs(number) < MIN_MAGNITUDE:
            self.fail(
                f"{value!r} is outside the sane range (0 or {MIN_MAGNITUDE:g} .. "
                f"{MAX_MAGNITUDE:g} in size)",
                param,
                ctx,
            )
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            self.fail(f"{value!r} must be {self._rule()}", param, ctx)
        if self.high is not None and number > self.high:
            self.fail(f"{value!r} must be {self._rule()}", param, ctx)
        return number

    def _rule(self) -> str:
        low = "" if self.low is None else f"{'>' if self.low_open else '>='} {self.low:g}"
        high = "" if self.high is None else f"<= {self.high:g}"
        return " and ".join(part for part in (low, high) if part)

    def __repr__(self) -> str:
        return f"Number({self.low}, {self.high})"


NUMBER = Number()
POSITIVE = Number(low=0.0, low_open=True)
NON_NEGATIVE = Number(low=0.0)
SECONDS = Number(low=0.0, low_open=True, high=7 * 86400.0)  # a week: no window runs longer
YEARS = Number(low=0.0, low_open=True, high=100.0)
PERCENT = Number(low=0.0, high=1000.0)
COUNT = click.IntRange(1, 1_000_000)

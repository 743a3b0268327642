"""What a workload parameter accepts: its type and its range, checked before any measurement.

Each workload declares `param_specs` ({name: Param}); Workload.__init__ checks every parameter
against it, so `--set sha256d.roll=foo` or `gemm.seed=-1` is one line and exit 2 at planning,
not a workload silently missing after the others were measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.errors import InvalidInput

SEED_MAX = 2**63 - 1  # torch.Generator.manual_seed takes a signed 64-bit integer


@dataclass(frozen=True)
class Param:
    """An int, float or str parameter: its bounds (inclusive) or choices; None if optional."""

    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False

    def check(self, workload: str, key: str, value: Any) -> Any:
        """The value itself when it fits; InvalidInput naming the workload, key and rule."""
        if value is None and self.optional:
            return value
        if not self._right_type(value):
            raise InvalidInput(f"{workload}: {key} must be {self.describe()}, not {value!r}")
        if self.kind is float and not math.isfinite(value):
            raise InvalidInput(f"{workload}: {key} must be a finite number, not {value!r}")
        too_low = self.low is not None and value < self.low
        too_high = self.high is not None and value > self.high
        if too_low or too_high or (self.choices and value not in self.choices):
            raise InvalidInput(f"{workload}: {key} must be {self.describe()}, not {value!r}")
        return float(value) if self.kind is float else value

    def _right_type(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is float:
            return isinstance(value, (int, float))
        return isinstance(value, self.kind)

    def describe(self) -> str:
        """The rule in words: "a positive integer up to 65536", "one of extranonce, time"."""
        if self.choices:
            text = f"one of {', '.join(self.choices)}"
        else:
            noun = {int: "an integer", float: "a number", str: "text"}[self.kind]
            if self.kind is int and self.low == 1:  # a size: "a positive integer up to 65536"
                up_to = "" if self.high is None else f" up to {int(self.high)}"
                text = f"a positive integer{up_to}"
                return f"{text} or none" if self.optional else text
            low = "" if self.low is None else f"{self.low:g}"
            high = "" if self.high is None else f"{self.high:g}"
            if self.kind is int:
                low = "" if self.low is None else str(int(self.low))
                high = "" if self.high is None else str(int(self.high))
            text = f"{noun} in {low} .. {high}" if low or high else noun
        return f"{text} or none" if self.optional else text


def check_params(workload: str, specs: dict[str, Param], params: dict[str, Any]) -> dict:
    """Every parameter with a spec checked against it; the others passed through."""
    return {k: specs[k].check(workload, k, v) if k in specs else v for k, v in params.items()}


def size(low: int = 1, high: int = 2**20) -> Param:
    """A positive size: batch, sequence, matrix dimension."""
    return Param(int, low, high)


def seed() -> Param:
    return Param(int, 0, SEED_MAX)

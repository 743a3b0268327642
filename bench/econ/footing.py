"""Power footing: board power (what NVML reads) against wall power (what an ASIC's nameplate says).

A board figure becomes a wall figure by adding the scenario's host overhead (CPU, memory, fans,
power-supply losses: a fraction of board power, measured on a GPU server). A package figure (CPU
package + DRAM from RAPL) gets no host overhead: that overhead is a GPU server's (its CPUs,
switches, NICs, fans around the GPUs) and already counts what RAPL measured. PUE then adds the
facility (cooling) on top of wall power when electricity is costed. Also the shared input checks
of the revenue functions.
"""

from __future__ import annotations

import math

from bench.econ.scenario import Scenario
from bench.errors import InvalidInput

FOOTINGS = ("board", "wall", "package")
HOURS_PER_DAY = 24.0
J_PER_KWH = 3.6e6


def check_positive(name: str, value: float) -> float:
    """The value when it is a finite number > 0, else InvalidInput naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput(f"{name} must be > 0, got {value:g}")
    return float(value)


def check_fraction(name: str, value: float) -> float:
    """The value when it lies in (0, 1], else InvalidInput naming it."""
    check_positive(name, value)
    if value > 1:
        raise InvalidInput(f"{name} must be in (0, 1], got {value:g}")
    return float(value)


def check_footing(footing: str) -> str:
    """The footing when it is "board", "wall" or "package"."""
    if footing not in FOOTINGS:
        raise InvalidInput(f"footing must be board, wall or package, got {footing!r}")
    return footing


def host_overhead_applied(footing: str, scenario: Scenario) -> float:
    """The host overhead fraction added to the power: the scenario's on board, else none."""
    return scenario.value("host_overhead_fraction") if check_footing(footing) == "board" else 0.0


def wall_power_w(power_w: float, footing: str, scenario: Scenario) -> float:
    """Wall power for a power figure (only board adds the scenario's host overhead)."""
    return power_w * (1.0 + host_overhead_applied(footing, scenario))


def footing_note(footing: str, scenario: Scenario) -> str:
    """One line saying what the given power means and how wall figures were made."""
    if footing == "wall":
        return "power_w is wall power (as an ASIC nameplate); wall figures use it as is"
    if footing == "package":
        return (
            "power_w is CPU package + DRAM power (RAPL); no host overhead added (the scenario's "
            "is a GPU server's), so wall figures use it as is, without PSU losses and fans"
        )
    h = scenario.value("host_overhead_fraction")
    return f"power_w is board power (as NVML reads it); wall figures add host overhead {h:.0%}"


def facility_kwh_per_day(wall_w: float, scenario: Scenario) -> float:
    """Energy drawn from the grid in one full day at this wall power, with PUE."""
    return wall_w * scenario.value("pue") * HOURS_PER_DAY / 1000.0


def footing_fields(power_w: float, footing: str, scenario: Scenario) -> dict:
    """The footing keys every revenue document carries."""
    return {
        "footing": footing,
        "footing_note": footing_note(footing, scenario),
        "power_w": power_w,
        "wall_power_w": wall_power_w(power_w, footing, scenario),
        "host_overhead_fraction": scenario.value("host_overhead_fraction"),
        "host_overhead_applied_fraction": host_overhead_applied(footing, scenario),
        "pue": scenario.value("pue"),
    }

"""Power and capex boundary: board power (what NVML reads) against wall power (an ASIC nameplate).

A board figure becomes a wall figure by adding the host around the GPU: the watts per GPU of its
platform (SXM server, PCIe server, workstation; bench/data/hardware.toml), or a given figure. The
capex takes the same boundary: a card's price plus its platform's host share per GPU. A wall
figure (an ASIC, a whole machine metered at the plug) and a package figure (CPU package + DRAM
from RAPL: the host itself) get no host added. PUE then adds the facility (cooling) on top of
wall power when electricity is costed. Also the shared input checks of the econ functions, each
with its bound in the message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.errors import InvalidInput

FOOTINGS = ("board", "wall", "package")
DEFAULT_PLATFORM = "sxm-server"
HOURS_PER_DAY = 24.0
J_PER_KWH = 3.6e6

# name: (lowest, highest), both allowed: far past any real device, and every result stays finite
BOUNDS = {
    "hashrate_hs": (1e-3, 1e22),
    "mining_hashrate_hs": (1e-3, 1e22),
    "power_w": (1e-3, 1e9),
    "mining_power_w": (1e-3, 1e9),
    "host_overhead_w": (0.0, 1e6),
    "units_per_s": (1e-9, 1e15),
    "usd_per_million_units": (1e-9, 1e6),
    "usd_per_hour": (1e-9, 1e6),
    "usd_per_day": (1e-9, 1e12),
    "capex_usd": (1e-3, 1e12),
    "capex_total_usd": (1e-3, 2e12),  # card + host share
    "years": (1 / 12, 100.0),
}


def check_positive(name: str, value: float) -> float:
    """The value when it is a finite number > 0 within its bound (BOUNDS), else InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} must be a number, got {value!r}")
    lo, hi = BOUNDS.get(name, (0.0, 1e300))
    if not math.isfinite(value) or value <= 0 or not lo <= value <= hi:
        raise InvalidInput(f"{name} must be in [{lo:g}, {hi:g}], got {value:g}")
    return float(value)


def check_fraction(name: str, value: float) -> float:
    """The value when it lies in (0, 1], else InvalidInput naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or not 0 < value <= 1:
        raise InvalidInput(f"{name} must be in (0, 1], got {value:g}")
    return float(value)


def check_footing(footing: str) -> str:
    """The footing when it is "board", "wall" or "package"."""
    if footing not in FOOTINGS:
        raise InvalidInput(f"footing must be board, wall or package, got {footing!r}")
    return footing


def check_finite(doc: object, path: str = "result") -> None:
    """InvalidInput when any number of a result overflowed to inf or NaN (inputs too extreme)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            check_finite(v, f"{path}.{k}")
    elif isinstance(doc, (list, tuple)):
        for i, v in enumerate(doc):
            check_finite(v, f"{path}[{i}]")
    elif isinstance(doc, float) and not math.isfinite(doc):
        raise InvalidInput(f"{path} is {doc}: the inputs are too extreme for a finite result")


@dataclass(frozen=True)
class Boundary:
    """What a power figure and a capex cover: the footing, and the host added on board power."""

    footing: str
    platform: str | None
    host_overhead_w: float
    host_capex_usd: float
    source: str
    label: str = ""

    def wall_power_w(self, power_w: float) -> float:
        """Wall power for a power figure on this footing."""
        return power_w + self.host_overhead_w

    def note(self) -> str:
        """One line saying what the given power means and how wall figures were made."""
        if self.footing == "wall":
            return "power_w is wall power (as an ASIC nameplate); wall figures use it as is"
        if self.footing == "package":
            return (
                "power_w is CPU package + DRAM power (RAPL), the host itself: no host overhead "
                "added, so wall figures use it as is, without PSU losses and fans"
            )
        estimate = (
            " an estimate (kind E: `econ cards --json` gives its reasoning),"
            if (self.source.endswith("[E]"))
            else ""
        )
        return (
            f"power_w is board power (as NVML reads it); wall power adds the host:{estimate} "
            f"{self.host_overhead_w:g} W per GPU ({self.platform}, {self.label})"
        )

    def to_dict(self) -> dict:
        return {
            "footing": self.footing,
            "platform": self.platform,
            "host_overhead_w": self.host_overhead_w,
            "host_capex_usd": self.host_capex_usd,
            "host_source": self.source,
            "host_label": self.label,
        }


def boundary(
    footing: str | Boundary = "board",
    platform: str | None = None,
    host_overhead_w: float | None = None,
) -> Boundary:
    """The boundary of a footing: on board, the platform's host (default sxm-server) or a given
    host_overhead_w; on wall or package, nothing added."""
    if isinstance(footing, Boundary):
        return footing
    check_footing(footing)
    if footing != "board":
        if platform is not None or host_overhead_w is not None:
            raise InvalidInput(
                f"a platform or host overhead applies to board power only, not to {footing} power"
            )
        return Boundary(footing, None, 0.0, 0.0, "nothing added")
    from bench.hardware import PLATFORMS, load_platforms

    name = platform or DEFAULT_PLATFORM
    if name not in PLATFORMS:
        raise InvalidInput(f"platform must be one of {', '.join(PLATFORMS)}, got {name!r}")
    p = load_platforms()[name]
    label = "the default platform; --platform to change" if platform is None else "its platform"
    if host_overhead_w is not None:
        watts = check_positive("host_overhead_w", host_overhead_w) if host_overhead_w else 0.0
        given = "host overhead given"
        return Boundary(footing, name, watts, p.host_capex_usd.value, given, given)
    src = f"{p.host_overhead_w.source} [{p.host_overhead_w.kind}]"
    return Boundary(footing, name, p.host_overhead_w.value, p.host_capex_usd.value, src, label)


def wall_power_w(power_w: float, footing: str | Boundary) -> float:
    """Wall power for a power figure (only board adds the host)."""
    return boundary(footing).wall_power_w(power_w)


def facility_kwh_per_day(wall_w: float, pue: float) -> float:
    """Energy drawn from the grid in one full day at this wall power, with PUE."""
    return wall_w * pue * HOURS_PER_DAY / 1000.0


def electricity_usd_per_day(wall_w: float, scenario: Any, busy: float = 1.0) -> float:
    """Electricity cost per day at this wall power, with PUE, running a `busy` share of it
    (scenario: a bench.econ.Scenario)."""
    kwh = facility_kwh_per_day(wall_w, scenario.value("pue")) * busy
    return kwh * scenario.value("electricity_usd_kwh")


def footing_fields(power_w: float, footing: str | Boundary, pue: float) -> dict:
    """The footing keys every revenue document carries."""
    b = boundary(footing)
    return {
        "footing": b.footing,
        "footing_note": b.note(),
        "power_w": power_w,
        "wall_power_w": b.wall_power_w(power_w),
        "platform": b.platform,
        "host_overhead_w": b.host_overhead_w,
        "host_overhead_source": b.source,
        "pue": pue,
    }

"""The Workload contract: one thing measured, and the registry that finds workloads by name.

A workload declares its work unit and does setup() (untimed), verify() (correctness on this
device), step() (enqueue one batch, return the work units it completes), sync() and
teardown(). The harness (bench.measure) owns timing, energy, statistics and output.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from bench.devices import Device
from bench.errors import InvalidInput, UnknownWorkload
from bench.workloads.params import Param, check_params

_REGISTRY: dict[str, type[Workload]] = {}


class Workload(ABC):
    """One measurable job on one device."""

    name: ClassVar[str]  # registry key, e.g. "sha256d", "llm-decode"
    unit: ClassVar[str]  # work unit: "hash", "token", "image", "sequence", "flop"
    family: ClassVar[str] = "ai"  # "mining" or "ai": which side of the comparison it prices
    param_specs: ClassVar[dict[str, Param]] = {}  # each parameter's type and range

    def __init__(self, device: Device, **params: Any) -> None:
        self.device = device
        defaults = self.default_params(device, quick=False)
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise InvalidInput(
                f"{self.name}: unknown parameter {', '.join(unknown)} "
                f"(known: {', '.join(sorted(defaults))})"
            )
        self.params = check_params(self.name, self.param_specs, {**defaults, **params})

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        """Parameters for this device; `quick` gives the small CPU/CI size."""
        return {}

    def describe(self) -> dict[str, Any]:
        """Plain-data description of what is measured, stored in the result."""
        return {"name": self.name, "unit": self.unit, "family": self.family, **self.params}

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Allocate, compile, build the model. Untimed."""

    @abstractmethod
    def verify(self) -> None:
        """Check correctness on this device; raise VerificationFailed if wrong."""

    @abstractmethod
    def step(self) -> float:
        """Enqueue one batch of work; return the work units it completes."""

    def sync(self) -> None:  # noqa: B027 - CPU work is synchronous
        """Wait until all enqueued work has finished."""

    def teardown(self) -> None:  # noqa: B027 - optional hook
        """Release what setup() allocated."""

    def roofline(self, units_per_s: float) -> dict[str, Any]:
        """MFU/MBU figures for a measured rate; empty where the workload has none."""
        return {}


def register(cls: type[Workload]) -> type[Workload]:
    """Class decorator: make a workload available by its name."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"workload {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtin() -> None:
    from bench.workloads import load_families

    load_families()


def names() -> list[str]:
    """Every registered workload name, sorted."""
    _load_builtin()
    return sorted(_REGISTRY)


def get(name: str) -> type[Workload]:
    """The workload class registered under `name`."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownWorkload(f"unknown workload {name!r} (known: {known})") from None


def create(name: str, device: Device, **params: Any) -> Workload:
    """Build a workload by name for a device."""
    return get(name)(device, **params)

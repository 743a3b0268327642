"""Price a measured workload: pick the basis (mining, per-token, GPU-hour) and say which.

Bases, in order: mining (hashes), per-token (an LLM whose model class has a token price),
unpriced for work no market sells (raw FLOPs), else the card's GPU-hour price at the scenario's
utilisation (its revenue does not depend on throughput), else unpriced with the reason.
"""

from __future__ import annotations

import logging
import re

from bench.econ.ai import ai_revenue
from bench.econ.catalog import match_name
from bench.econ.mining import mining_revenue
from bench.econ.scenario import Scenario

log = logging.getLogger(__name__)
_PARAMS_RE = re.compile(r"(\d+(?:\.\d+)?)b\b")
# work units no market sells: never priced, whatever the card rents for
UNSOLD_UNITS = {"flop": "no market price for raw FLOPs; see its MFU"}


def model_params_b(workload: dict) -> float | None:
    """Parameter count in billions, from "params_b" or the name ("llama-3.1-8b" -> 8)."""
    if isinstance(workload.get("params_b"), (int, float)):
        return float(workload["params_b"])
    found = _PARAMS_RE.findall(str(workload.get("model", "")).lower())
    return float(found[-1]) if found else None


def token_class(workload: dict, scenario: Scenario) -> str | None:
    """The scenario's token-price class for this workload's model, or None."""
    model = str(workload.get("model", ""))
    if model in scenario.token_usd_per_million:
        return model
    params = model_params_b(workload)
    if params is None:
        return None
    for name, price in scenario.token_usd_per_million.items():
        if price.params_b_min <= params < price.params_b_max:
            return name
    return None


def gpu_hour_key(device_name: str, scenario: Scenario) -> str | None:
    """The scenario's GPU-hour price key for a device name ("NVIDIA H200" -> "H200"), or None."""
    return match_name(device_name, {k: [k] for k in scenario.gpu_hour_usd})


def _unpriced(reason: str, unmeasured: bool = False) -> dict:
    """The document for a workload with no price basis (or no measured power)."""
    doc = {"basis": "unpriced", "reason": reason, "unpriced": reason}
    if unmeasured:
        doc["unmeasured"] = reason
    return doc


def price_workload(
    workload: dict,
    units_per_s: float | None,
    power_w: float | None,
    scenario: Scenario,
    device_name: str,
    footing: str = "board",
) -> dict:
    """Revenue of a measured workload on the basis that fits it, with "basis" saying which."""
    if not units_per_s or not power_w:
        return _unpriced("throughput or power was not measured", unmeasured=True)
    unit = str(workload.get("unit", ""))
    if workload.get("family") == "mining" or unit == "hash":
        return {"basis": "mining", **mining_revenue(units_per_s, power_w, scenario, footing)}
    cls = token_class(workload, scenario) if unit == "token" else None
    if cls is not None:
        price = scenario.token_usd_per_million[cls].price
        doc = ai_revenue(
            units_per_s,
            power_w,
            scenario,
            usd_per_million_units=price.value,
            footing=footing,
            unit="token",
        )
        return {"price_key": cls, "price": price.to_dict(), **doc}
    if unit in UNSOLD_UNITS:
        return _unpriced(UNSOLD_UNITS[unit])
    key = gpu_hour_key(device_name, scenario)
    if key is not None:
        price = scenario.gpu_hour_usd[key]
        doc = ai_revenue(units_per_s, power_w, scenario, usd_per_hour=price.value, footing=footing)
        return {"price_key": key, "price": price.to_dict(), **doc}
    log.info("no price basis for %s on %s", workload.get("name"), device_name)
    return _unpriced(
        f"no per-{unit or 'unit'} price for {workload.get('name', 'this workload')!r} and no "
        f"GPU-hour price for device {device_name!r} in scenario {scenario.name}"
    )

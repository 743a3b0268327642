"""Price a measured workload: pick the basis (mining, per-token, GPU-hour) and say which; price
a result entry (`price_entry`) and re-price a whole result under another scenario (`reprice`).

Bases, in order: mining (hashes), per-token (an LLM whose model class has a token price),
unpriced for work no market sells (raw FLOPs), else the card's own GPU-hour price (its catalog
row, or the scenario's override of it) at the sold fraction (its revenue does not depend on
throughput), else unpriced with the reason. Prefill earns the input-token price.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bench.econ.ai import ai_revenue
from bench.econ.figures import Figure
from bench.econ.footing import Boundary, boundary
from bench.econ.mining import mining_revenue
from bench.econ.scenario import Scenario
from bench.hardware import find_card, match_name

if TYPE_CHECKING:
    from bench.result.entry import Entry
    from bench.result.model import Result

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
    """The name under which a device's GPU-hour price is found: its catalog card's name (the
    card's own row, or the scenario's override of it), else a key of the scenario's table that
    the one name matcher finds in the device name; None when neither has a price."""
    card = find_card(device_name)
    if card is not None:
        own = card.name in scenario.gpu_hour_usd or card.gpu_hour_usd is not None
        return card.name if own else None
    return match_name(device_name, {k: [k] for k in scenario.gpu_hour_usd})


def gpu_hour_price(device_name: str, scenario: Scenario) -> tuple[str, Figure] | None:
    """(key, price) of a device's GPU-hour price: the scenario's override, else its card's row."""
    key = gpu_hour_key(device_name, scenario)
    if key is None:
        return None
    if key in scenario.gpu_hour_usd:
        return key, scenario.gpu_hour_usd[key]
    return key, find_card(device_name).gpu_hour_usd


def token_kind(workload: dict) -> str:
    """ "input" for prompt tokens (a prefill workload), else "output" (generated tokens)."""
    return "input" if "prefill" in str(workload.get("name", "")) else "output"


def price_boundary(device_name: str, footing: str | Boundary) -> Boundary:
    """The power boundary of a device: on board power, its catalog card's platform."""
    if isinstance(footing, Boundary) or footing != "board":
        return boundary(footing)
    card = find_card(device_name) if device_name else None
    return boundary("board", card.platform if card else None)


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
    footing: str | Boundary = "board",
) -> dict:
    """Revenue of a measured workload on the basis that fits it, with "basis" saying which.

    Prompt tokens (prefill) earn the input-token price, generated tokens the output price; a
    GPU-hour price is the device's own card's. Board power adds the card's platform host.
    """
    if not units_per_s or not power_w:
        return _unpriced("throughput or power was not measured", unmeasured=True)
    bound = price_boundary(device_name, footing)
    unit = str(workload.get("unit", ""))
    if workload.get("family") == "mining" or unit == "hash":
        return {"basis": "mining", **mining_revenue(units_per_s, power_w, scenario, bound)}
    cls = token_class(workload, scenario) if unit == "token" else None
    kind = token_kind(workload)
    price = scenario.token_usd_per_million[cls].for_tokens(kind) if cls is not None else None
    if price is not None:
        doc = ai_revenue(
            units_per_s,
            power_w,
            scenario,
            usd_per_million_units=price.value,
            footing=bound,
            unit="token",
        )
        return {"price_key": cls, "price": price.to_dict(), "token_kind": kind, **doc}
    if unit in UNSOLD_UNITS:
        return _unpriced(UNSOLD_UNITS[unit])
    found = gpu_hour_price(device_name, scenario)
    if found is not None:
        key, hour = found
        doc = ai_revenue(units_per_s, power_w, scenario, usd_per_hour=hour.value, footing=bound)
        return {"price_key": key, "price": hour.to_dict(), **doc}
    log.info("no price basis for %s on %s", workload.get("name"), device_name)
    return _unpriced(
        f"no per-{unit or 'unit'} price for {workload.get('name', 'this workload')!r} and no "
        f"GPU-hour price for device {device_name!r} in scenario {scenario.name}"
    )


# --- pricing a measured result entry, re-pricing a whole result ---------------------------
# The run is measure -> summarise -> price (here) -> write -> report; the report never prices.


def as_scenario(scenario: Scenario | str) -> Scenario:
    """A Scenario from a Scenario, a preset name or a scenario file path."""
    if isinstance(scenario, Scenario):
        return scenario
    from bench.econ.scenario import load_scenario

    return load_scenario(str(scenario))


def footing_for(entry: Entry) -> str:
    """The power footing of an entry: "package" for CPU energy (RAPL), else "board" (NVML).

    A GPU's board power gets the scenario's host overhead to reach the wall; a CPU's package
    power does not, since that overhead was measured around GPUs and includes the CPUs.
    """
    cpu = entry.device.kind == "cpu" or entry.measurement.energy_source == "rapl"
    return "package" if cpu else "board"


# Written in every priced entry since mining uptime and the AI sold fraction were applied each
# to its own family: stored prices without it come from an earlier joulebench's rules.
CURRENT_RULES_KEY = "running_fraction"


def priced_by_current_rules(economics: Mapping[str, Any]) -> bool:
    """Whether stored economics were priced under today's rules (re-pricing gives them)."""
    return CURRENT_RULES_KEY in economics


def price_entry(entry: Entry | dict, scenario: Scenario | str) -> tuple[dict, list[dict]]:
    """(economics, asic_references) of one measured entry (typed, or a workloads item dict)."""
    from bench.econ.asics import asic_references

    entry = _typed(entry)
    scenario = as_scenario(scenario)
    refs = asic_references(scenario) if entry.family == "mining" else []
    power_w, units_per_s = entry.median("power_w"), entry.median("units_per_s")
    if power_w is None:
        return {"unmeasured": entry.measurement.energy_reason}, refs
    if units_per_s is None:
        return {"unmeasured": "throughput unmeasured"}, refs
    workload = dict(entry.workload)
    econ = price_workload(
        workload, units_per_s, power_w, scenario, entry.device.name, footing_for(entry)
    )
    econ.pop("scenario", None)  # stored once, at the top of the result
    refs = econ.pop("asics", None) or refs  # with device_over_asic when priced
    return econ, refs


def reprice(result: Result | dict, scenario: Scenario | str) -> Result | dict:
    """The result priced under another scenario; measurements untouched, the change noted.
    A document dict (read_result's) gives a dict back, for callers not yet on Result."""
    from bench.result.check import freeze
    from bench.result.model import Result

    if not isinstance(result, Result):
        return reprice(Result.from_dict(result), scenario).to_dict()
    scenario = as_scenario(scenario)
    old = result.scenario_name
    entries = tuple(e.priced(*price_entry(e, scenario)) for e in result.workloads)
    note = f"re-priced under scenario {scenario.name} ({scenario.date}); measured under {old}"
    log.info("result re-priced from scenario %s to %s", old, scenario.name)
    return result.with_entries(
        entries,
        scenario=freeze(scenario.to_dict()),
        repriced=freeze({"from_scenario": old, "to_scenario": scenario.name}),
        warnings=(*result.warnings, note),
    )


def _typed(entry: Entry | dict) -> Entry:
    from bench.result.check import Node
    from bench.result.entry import Entry

    if isinstance(entry, Entry):
        return entry
    return Entry.read(Node({"economics": {}, "asic_references": [], **entry}))

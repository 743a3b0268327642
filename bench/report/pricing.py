"""Price measured workloads under a scenario: for a run, and to re-price a saved result."""

from __future__ import annotations

import copy
import logging
from typing import Any

from bench.report import figures as fg

log = logging.getLogger(__name__)


def as_scenario(scenario: Any) -> Any:
    """A bench.econ Scenario from a Scenario, a preset name or a scenario file path."""
    if hasattr(scenario, "to_dict"):
        return scenario
    from bench.econ.scenario import load_scenario

    return load_scenario(str(scenario))


def footing_for(entry: dict) -> str:
    """The power footing of an entry: "package" for CPU energy (RAPL), else "board" (NVML).

    A GPU's board power gets the scenario's host overhead to reach the wall; a CPU's package
    power does not, since that overhead was measured around GPUs and includes the CPUs.
    """
    cpu = entry.get("device", {}).get("kind") == "cpu" or entry.get("energy_source") == "rapl"
    return "package" if cpu else "board"


def price_entry(entry: dict, scenario: Any) -> tuple[dict, list[dict]]:
    """(economics, asic_references) of one measured workload entry under a scenario."""
    from bench.econ.asics import asic_references
    from bench.econ.pricing import price_workload

    scenario = as_scenario(scenario)
    is_mining = fg.family(entry) == "mining"
    refs = asic_references(scenario) if is_mining else []
    power_w = fg.stat_median(fg.summary_stat(entry, "power_w"))
    units_per_s = fg.stat_median(fg.summary_stat(entry, "units_per_s"))
    if power_w is None:
        return {"unmeasured": fg.energy_reason(entry)}, refs
    if units_per_s is None:
        return {"unmeasured": "throughput unmeasured"}, refs
    device_name = entry.get("device", {}).get("name", "")
    econ = price_workload(
        entry["workload"], units_per_s, power_w, scenario, device_name, footing_for(entry)
    )
    econ.pop("scenario", None)  # stored once, at the top of the result
    refs = econ.pop("asics", None) or refs  # with device_over_asic when priced
    return econ, refs


def rerender(doc: dict, scenario: Any) -> dict:
    """A copy of a saved result re-priced under another scenario; measurements untouched."""
    scenario = as_scenario(scenario)
    out = copy.deepcopy(doc)
    old = doc.get("scenario", {}).get("name", "?")
    for entry in out.get("workloads", []):
        entry["economics"], entry["asic_references"] = price_entry(entry, scenario)
    out["scenario"] = scenario.to_dict()
    out["repriced"] = {"from_scenario": old, "to_scenario": scenario.name}
    out["warnings"] = [
        *doc.get("warnings", []),
        f"re-priced under scenario {scenario.name} ({scenario.date}); measured under {old}",
    ]
    log.info("result re-priced from scenario %s to %s", old, scenario.name)
    return out

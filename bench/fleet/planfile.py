"""A local launch's plan as data: the parent writes it once, each rank reads and re-checks it.

`--device all` starts one rank per device (bench.fleet.local). Instead of spelling the plan
back into `joulebench run` flags, the parent writes its checked RunPlan to `plan.json` in the
launch folder (`format: joulebench-plan`): the devices by rank, workloads, quick, scenario
name or file and its overrides, workload parameters (`--set`), measurement settings, output
folder and isolation. Each rank runs `python -m bench run --plan-file plan.json`, takes the
device of its own rank (JOULEBENCH_RANK) and checks the whole plan again (runner.check_plan)
before any work. Values travel as JSON values, so a float stays the float it was and a setting
that has no command-line flag (e.g. rel_spread_bound) reaches the rank as well.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from bench.errors import InvalidInput

log = logging.getLogger(__name__)

PLAN_FORMAT = "joulebench-plan"
PLAN_VERSION = 1
PLAN_NAME = "plan.json"
MAX_PLAN_BYTES = 1 << 20  # a plan is a few hundred bytes; anything larger is not one
# key -> the JSON type it must have
_FIELDS: dict[str, type] = {
    "devices": list,
    "workloads": list,
    "quick": bool,
    "scenario": str,
    "scenario_overrides": dict,
    "settings": dict,
    "measure": dict,
    "out_dir": str,
    "isolate": bool,
}


def plan_data(plan: Any, out_dir: Path) -> dict:
    """The plan of every rank as JSON data; the ranks write into out_dir."""
    return {
        "format": PLAN_FORMAT,
        "plan_version": PLAN_VERSION,
        "devices": [d.id for d in plan.devices],  # index = rank
        "workloads": list(plan.workloads),
        "quick": bool(plan.quick),
        "scenario": str(plan.scenario_spec),
        "scenario_overrides": dict(plan.scenario_overrides),
        "settings": {name: dict(params) for name, params in plan.overrides.items()},
        "measure": dict(plan.measure),
        "out_dir": str(Path(out_dir).resolve()),
        "isolate": bool(plan.isolate),
    }


def write_plan(plan: Any, folder: Path) -> Path:
    """Write the ranks' plan file into the launch folder (atomically); its path."""
    from bench.result.io import atomic_write

    path = folder / PLAN_NAME
    data = plan_data(plan, folder)
    atomic_write(path, lambda fh: json.dump(data, fh, indent=2, allow_nan=False))
    return path


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def read_plan(path: str | os.PathLike) -> dict:
    """A plan file's checked data; InvalidInput (one line) for anything else."""
    source = Path(path)
    try:
        if not source.is_file():  # a folder, a FIFO (reading one would wait forever), a device
            raise InvalidInput(f"plan file {source}: not a regular file")
        if source.stat().st_size > MAX_PLAN_BYTES:
            raise InvalidInput(f"plan file {source}: larger than {MAX_PLAN_BYTES} bytes")
        data = json.loads(source.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except OSError as exc:
        raise InvalidInput(f"plan file {source}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput(f"plan file {source}: not plan JSON ({exc})") from None
    except RecursionError:
        raise InvalidInput(f"plan file {source}: not plan JSON (nested too deeply)") from None
    return check_data(data, str(source))


def check_data(data: Any, where: str) -> dict:
    """The plan data's format, version and the type of each field."""
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise InvalidInput(f"plan file {where}: not a joulebench plan (format {PLAN_FORMAT})")
    if data.get("plan_version") != PLAN_VERSION:
        raise InvalidInput(
            f"plan file {where}: plan version {data.get('plan_version')!r}, "
            f"this joulebench reads {PLAN_VERSION}"
        )
    for key, kind in _FIELDS.items():
        if not isinstance(data.get(key), kind):
            raise InvalidInput(f"plan file {where}: {key} missing or not a {kind.__name__}")
    for key in ("devices", "workloads"):
        if not data[key] or not all(isinstance(x, str) and x for x in data[key]):
            raise InvalidInput(f"plan file {where}: {key} must be a non-empty list of names")
    if not all(isinstance(p, dict) for p in data["settings"].values()):
        raise InvalidInput(f"plan file {where}: settings must map workloads to parameters")
    return data


def rank_plan(data: dict, rank: Any, where: str = "plan") -> Any:
    """This rank's RunPlan from checked plan data: its own device, everything checked again."""
    from bench import runner
    from bench.econ import load_scenario

    if rank.world_size != len(data["devices"]):
        raise InvalidInput(
            f"plan file {where}: {len(data['devices'])} devices but this rank is one of "
            f"{rank.world_size} ({rank.launcher}); --plan-file is for the ranks of a local launch"
        )
    device = data["devices"][rank.rank]
    log.info("rank %d of %d measures %s", rank.rank, rank.world_size, device)
    plan = runner.RunPlan(
        devices=runner.resolve_devices(device),
        workloads=runner.resolve_workloads(",".join(data["workloads"])),
        quick=data["quick"],
        scenario=load_scenario(data["scenario"], **data["scenario_overrides"]),
        out_dir=Path(data["out_dir"]),
        write_report=False,
        scenario_spec=data["scenario"],
        overrides=data["settings"],
        measure=data["measure"],
        isolate=data["isolate"],
        scenario_overrides=data["scenario_overrides"],
    )
    return runner.check_plan(plan)


def load_plan(path: str | os.PathLike) -> Any:
    """The RunPlan of this process's rank from a plan file (bench.fleet.current())."""
    from bench.fleet.rank import current

    return rank_plan(read_plan(path), current(), str(path))

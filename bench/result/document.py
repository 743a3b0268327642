"""The versioned result document: build, validate against its schema, upgrade older versions.

A result holds `format` ("joulebench-result"), `schema_version`, the `environment` of the run,
the market `scenario` it was priced under, one entry per measured `workloads` item (the
Measurement dict of docs/interfaces.md plus `device`, `economics` and `asic_references`) and
the run's `warnings` and, from version 2, its `status` (bench.result.status).
bench/data/result.schema.json describes the current version. `load_document` reads a parsed
document through bench.result.model.Result.from_dict, the one place documents are checked.

Every format change adds a line to CHANGES, bumps SCHEMA_VERSION and adds a step to
_UPGRADES, so that older files keep loading; tests/golden/ keeps one file per version.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from bench.errors import ResultError
from bench.result.environment import _device_dict, utc_now
from bench.result.status import Status

log = logging.getLogger(__name__)

FORMAT = "joulebench-result"
SCHEMA_VERSION = 2
CHANGES: list[tuple[int, str]] = [
    (1, "first version: format, schema_version, environment, scenario, workloads, warnings"),
    (
        2,
        'names what changed after v1 without a version bump: economics footing "package" '
        "(CPU energy from RAPL, no host overhead); idle settled/seconds/span_s; rel_spread and "
        "ci95_* null for one window. Adds the required top-level status {state: complete|"
        "partial|interrupted, failed: [{workload, device, reason}], not_reached: [workload]}; "
        "a v1 file's status is read from its 'not measured' warnings. Later in v2 (a "
        "relaxation, older readers take it): a window's throttled is null where the device's "
        "meter cannot observe throttling (a CPU)",
    ),
]


def _v1_to_v2(doc: dict) -> dict:
    """v1 -> v2: the added keys were optional in v1, so only the status is new (a new top-level
    key: steps replace what they change, never edit nested values in place; see upgrade())."""
    doc["status"] = Status.from_warnings(doc.get("warnings") or []).to_dict()
    return doc


# _UPGRADES[n] turns a version-n document into a version-(n + 1) one.
_UPGRADES: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}


def workload_entry(
    measurement: dict, device: Any, economics: dict, asic_references: list[dict] | None = None
) -> dict:
    """One `workloads` item: the Measurement dict plus device, economics and ASIC references."""
    return {
        **measurement,
        "device": _device_dict(device),
        "economics": economics,
        "asic_references": list(asic_references or []),
    }


def build_result(
    environment: dict,
    scenario: Any,
    workloads: Iterable[dict],
    warnings: Iterable[str] = (),
    ended_utc: str | None = None,
    status: Status | None = None,
) -> dict:
    """Assemble a result document of the current schema version. Without a status, it is read
    from the warnings (as for a v1 file) until every caller passes one."""
    warnings = list(warnings)
    status = status if status is not None else Status.from_warnings(warnings)
    env = {**environment, "ended_utc": ended_utc or environment.get("ended_utc") or utc_now()}
    scen = scenario.to_dict() if hasattr(scenario, "to_dict") else dict(scenario)
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "environment": env,
        "scenario": scen,
        "workloads": list(workloads),
        "warnings": warnings,
        "status": status.to_dict(),
    }


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of the current result version."""
    text = resources.files("bench").joinpath("data", "result.schema.json").read_text("utf-8")
    return json.loads(text)


def validate(doc: Any) -> None:
    """Check a document against the schema; a mismatch is a ResultError naming where."""
    try:
        import jsonschema
    except ImportError:  # jsonschema is a test extra; without it, check the outline only
        log.debug("jsonschema not installed: checking the result outline only")
        _check_outline(doc)
        return
    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ResultError(
            f"result does not match schema v{SCHEMA_VERSION} at {where}: {_short(error.message)}"
        )


# A long run's windows and power trace are nearly all of a result's bytes: validating every one
# against the schema took 60 % of loading a 100 MB result (~25 s of ~40 s on a 2-core VM). On
# read, the schema checks the document's shape with the first few items of those lists; the
# typed reader (bench.result.entry) then reads and checks every window and every sample.
SHAPE_ITEMS = 3


def shape_of(doc: Any) -> Any:
    """A copy of doc whose workloads keep only the first few windows and power-trace samples."""
    if not isinstance(doc, dict) or not isinstance(doc.get("workloads"), list):
        return doc
    return {**doc, "workloads": [_entry_shape(e) for e in doc["workloads"]]}


def _entry_shape(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    out = dict(entry)
    if isinstance(out.get("windows"), list):
        out["windows"] = out["windows"][:SHAPE_ITEMS]
    trace = out.get("power_trace")
    if isinstance(trace, dict):
        out["power_trace"] = {
            k: v[:SHAPE_ITEMS] if k in ("t_s", "power_w") and isinstance(v, list) else v
            for k, v in trace.items()
        }
    return out


@functools.cache
def _validator() -> Any:
    """The schema's validator, built once (building it costs as much as a validation)."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_outline(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise ResultError("result is not a JSON object")
    for key in schema()["required"]:
        if key not in doc:
            raise ResultError(f"result lacks the key {key!r}")
    if not isinstance(doc["workloads"], list):
        raise ResultError("result 'workloads' is not a list")


def check_header(doc: Any, where: str = "result") -> int:
    """The schema version of a document that says it is a joulebench result this code reads."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ResultError(f"{where} is not a joulebench result (no format {FORMAT!r})")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultError(f"{where} has an invalid schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise ResultError(
            f"{where} has schema version {version}, newer than this joulebench reads "
            f"({SCHEMA_VERSION}): upgrade joulebench"
        )
    return version


def load_document(doc: Any, where: str = "result") -> dict:
    """A parsed document checked, upgraded and validated (as Result.from_dict), as a dict."""
    from bench.result.model import Result

    return Result.from_dict(doc, where).to_dict()


def upgrade(doc: dict) -> dict:
    """Bring a document of an older schema version to the current one; records where from."""
    version = doc["schema_version"]
    if version == SCHEMA_VERSION:
        return doc
    # A shallow copy: the caller's document stays as it was as long as each step replaces what
    # it changes rather than editing nested values in place (a deep copy of a 100 MB result
    # cost ~1 s per load for nothing).
    out = dict(doc)
    for step in range(version, SCHEMA_VERSION):
        out = _UPGRADES[step](out)
        out["schema_version"] = step + 1
    out["upgraded_from"] = version
    log.info("result upgraded from schema version %d to %d", version, SCHEMA_VERSION)
    return out

"""Fleet documents on disk, and a fleet read as one result for `report` and `compare`.

`as_result` turns a fleet document into one result document whose entries are every rank's
entries, each with `fleet_rank` ({rank, node}) and its device name suffixed by node and rank
in `device.extra.fleet_label`: the report and compare layers read it as they read any result.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from bench import result as results
from bench.errors import ResultError
from bench.fleet.document import FLEET_FORMAT, FLEET_VERSION


def is_fleet(doc: object) -> bool:
    """Whether a parsed JSON document is a fleet document."""
    return isinstance(doc, dict) and doc.get("format") == FLEET_FORMAT


def write_fleet(fleet: dict, path: str | os.PathLike) -> Path:
    """Write a fleet document atomically (a temp file renamed into place)."""
    target = Path(path)
    results.atomic_write(target, lambda fh: json.dump(fleet, fh, indent=2, allow_nan=False))
    return target


def _read_json(path: str | os.PathLike) -> object:
    """A JSON file read by the one bounded reader of result files (size bound, NaN refused)."""
    return results.io.read_json(path)


def load_fleet(path: str | os.PathLike) -> dict:
    """A fleet document from disk, its ranks' results checked; ResultError otherwise."""
    doc = _read_json(path)
    if not is_fleet(doc):
        raise ResultError(f"{path} is not a joulebench fleet document")
    return check_fleet(doc, str(path))


def check_fleet(doc: dict, where: str) -> dict:
    """Check a parsed fleet document's version and every rank result it carries."""
    version = doc.get("fleet_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultError(f"{where} has an invalid fleet_version {version!r}")
    if version > FLEET_VERSION:
        raise ResultError(f"{where} has fleet version {version}, newer than this joulebench reads")
    ranks = doc.get("results")
    if not isinstance(ranks, list) or not ranks:
        raise ResultError(f"{where} carries no rank results")
    out = dict(doc)
    out["results"] = [
        results.load_document(r, f"{where} rank result {i}") for i, r in enumerate(ranks)
    ]
    return out


def as_result(fleet: dict) -> dict:
    """One result document holding every rank's entries, labelled with node and rank."""
    docs = fleet["results"]
    entries = []
    for doc in docs:
        rank = doc.get("rank", {})
        for entry in doc.get("workloads", []):
            item = copy.deepcopy(entry)
            item["fleet_rank"] = {"rank": rank.get("rank"), "node": rank.get("node")}
            extra = item.setdefault("device", {}).setdefault("extra", {})
            extra["fleet_label"] = f"{rank.get('node')} rank {rank.get('rank')}"
            entries.append(item)
    env = copy.deepcopy(docs[0]["environment"])
    env["hostname"] = f"fleet {fleet.get('job_id')} ({len(docs)} ranks)"
    warnings = [w for doc in docs for w in doc.get("warnings", [])] + list(fleet.get("notices", []))
    doc = results.build_result(
        env, fleet.get("scenario", {}), entries, warnings, None, _status(docs)
    )
    doc["fleet"] = {k: fleet.get(k) for k in ("job_id", "world_size", "totals", "spread")}
    return doc


def _status(docs: list[dict]):
    """The fleet's status: every rank's failures and unreached workloads; interrupted if any."""
    from bench.result.status import INTERRUPTED, Failure, Status

    statuses = [doc.get("status") or {} for doc in docs]
    failed = [Failure(**f) for s in statuses for f in s.get("failed", [])]
    not_reached = [w for s in statuses for w in s.get("not_reached", [])]
    interrupted = any(s.get("state") == INTERRUPTED for s in statuses)
    return Status.of(failed, not_reached, interrupted)


def read_any(path: str | os.PathLike) -> dict:
    """A result file, or a fleet document read as one result (for report and compare)."""
    doc = _read_json(path)
    if is_fleet(doc):
        return as_result(check_fleet(doc, str(path)))
    return results.load_document(doc, str(path))


def _sniff_fleet(path: str | os.PathLike) -> bool:
    """Whether a file holds a fleet document (False for anything unreadable: others report it)."""
    try:
        return is_fleet(_read_json(path))
    except ResultError:
        return False


def fleet_or_path(path: str | os.PathLike):
    """For compare: a fleet file as one typed Result (every rank's entries), else the path."""
    if not _sniff_fleet(path):
        return path
    from bench.result.model import Result

    return Result.from_dict(read_any(path), str(path))


def load_any(path: str | os.PathLike):
    """For report: a result file or a fleet document, as a typed Result."""
    from bench.result.model import Result, load_result

    if not _sniff_fleet(path):
        return load_result(path)
    return Result.from_dict(read_any(path), str(path))


def rank_results(path: str | os.PathLike) -> dict[int, dict] | None:
    """A fleet file's rank results by rank (checked); None when the file is not a fleet."""
    if not _sniff_fleet(path):
        return None
    fleet = check_fleet(_read_json(path), str(path))  # type: ignore[arg-type]
    return {doc["rank"]["rank"]: doc for doc in fleet["results"]}

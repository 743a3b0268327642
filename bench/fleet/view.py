"""Fleet documents on disk, and a fleet read as one result for `report` and `compare`.

`as_result` turns a fleet document into one result document whose entries are every rank's
entries, each with `fleet_rank` ({rank, node}) and its device name suffixed by node and rank
in `device.extra.fleet_label`: the report and compare layers read it as they read any result.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench import result as results
from bench.errors import InvalidInput, ResultError
from bench.fleet.document import FIGURES, FLEET_FORMAT, FLEET_VERSION
from bench.fleet.rank import Rank
from bench.result.check import Node
from bench.result.model import Result


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
    """A fleet document from disk, its shape and its ranks' results checked; ResultError
    otherwise."""
    return check_fleet(_read_json(path), str(path))


def check_fleet(doc: Any, where: str) -> dict:
    """Check a parsed fleet document: its version, every part that `as_result` and the report
    read (job, scenario, notices, totals, spreads), and every rank result it carries, each read
    as a result file is (Result.from_dict) with its rank record. A malformed document is one
    ResultError naming `where` and the place ("totals/sha256d/ranks: ..."); the document is
    returned with its rank results as checked documents of the current version."""
    if not is_fleet(doc):
        raise ResultError(f"{where} is not a joulebench fleet document")
    node = Node(doc)
    try:
        version = node.at("fleet_version")
        if version.integer(minimum=1) > FLEET_VERSION:
            version.fail(
                f"fleet version {version.value}, newer than this joulebench reads "
                f"({FLEET_VERSION}): upgrade joulebench"
            )
        _check_outline(node)
    except ResultError as exc:
        raise ResultError(f"{where}: {exc}") from None
    out = dict(doc)
    out["results"] = [_rank_result(n, where) for n in node.at("results").items()]
    return out


def _check_outline(node: Node) -> None:
    """Everything of a fleet document but its rank results (read by _rank_result)."""
    node.at("job_id").text(nonempty=True)
    node.at("world_size").integer(minimum=1)
    node.at("schema_version").integer(minimum=1)
    node.at("scenario").at("name").text(nonempty=True)
    for rank in node.at("missing_ranks").items():
        rank.integer()
    for item in node.at("ranks").items():
        item.obj()
    for item in node.at("gpus").items():
        item.obj()
    for name in node.at("nodes").obj():
        node.at("nodes").at(name).obj()
    totals = node.at("totals")
    for name in totals.obj():
        _check_total(totals.at(name))
    spreads = node.at("spread")
    for name in spreads.obj():
        cards = spreads.at(name)
        for card in cards.obj():
            cards.at(card).obj()
    node.at("notices").texts()
    if not node.at("results").items():
        node.at("results").fail("no rank results")


def _check_total(total: Node) -> None:
    """One workload's total: its unit, the ranks counted, each figure a number or unmeasured."""
    total.at("unit").text(nonempty=True)
    for rank in total.at("ranks").items():
        rank.integer()
    for figure in FIGURES:
        value = total.at(figure)
        if isinstance(value.value, Mapping):
            if value.unmeasured() is None:
                value.fail('expected a number or {"unmeasured": reason}')
        else:
            value.number()


def _rank_result(node: Node, where: str) -> dict:
    """One rank result of a fleet, read as a result file is, with its rank record."""
    place = f"{where} {node.path}"
    result = Result.from_dict(node.value, place)  # ResultError naming the place
    try:
        Rank.from_dict(result.extra["rank"] if "rank" in result.extra else None, place)
    except InvalidInput as exc:
        raise ResultError(str(exc)) from None
    doc = result.to_dict()
    for i, entry in enumerate(doc["workloads"]):
        extra = entry["device"].get("extra")
        if extra is not None and not isinstance(extra, dict):  # the fleet label goes there
            try:
                Node(extra, f"workloads/{i}/device/extra").obj()
            except ResultError as exc:
                raise ResultError(f"{place}: {exc}") from None
    return doc


def as_result(fleet: dict) -> dict:
    """One result document holding every rank's entries, labelled with node and rank."""
    docs = fleet["results"]
    entries = []
    for doc in docs:
        rank = doc.get("rank", {})
        for entry in doc.get("workloads", []):
            item = copy.deepcopy(entry)
            item["fleet_rank"] = {"rank": rank.get("rank"), "node": rank.get("node")}
            extra = item["device"]["extra"] = dict(item["device"].get("extra") or {})  # null: {}
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

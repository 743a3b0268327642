"""`joulebench merge`: read the ranks' result files of one job and check they belong together.

Every `*.json` file of the folder (hidden temporary files aside; fleet documents and a local
launch's plan skipped) must be a joulebench result with a rank record. The ranks must share
one job id, one world size, one scenario and one schema version (each mix refused unless
allowed), no rank may appear twice within a job (whatever is allowed), and every rank of
0..world size - 1 must be present (missing ones are named, and refused unless allowed). Any
problem is one-line InvalidInput/ResultError: nothing is written.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from bench import result as results
from bench.errors import InvalidInput
from bench.fleet.document import FLEET_FORMAT, build_fleet
from bench.fleet.planfile import PLAN_FORMAT
from bench.fleet.rank import Rank
from bench.result.check import thaw
from bench.result.model import Result

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Allow:
    """Which mixes merge accepts (all refused by default)."""

    mixed_jobs: bool = False
    mixed_scenarios: bool = False
    mixed_schemas: bool = False
    missing: bool = False


@dataclass(frozen=True)
class RankResult:
    """One rank's typed result, where it came from and its parsed rank record."""

    path: Path
    rank: Rank
    result: Result


def read_ranks(folder: str | Path) -> list[RankResult]:
    """Every rank result of a folder, by rank; InvalidInput for a folder without any."""
    where = Path(folder)
    if not where.is_dir():
        raise InvalidInput(f"merge: {where} is not a folder")
    paths = sorted(p for p in where.glob("*.json") if not p.name.startswith("."))
    found = []
    for path in paths:
        doc = results.io.read_json(path)  # bounded, regular files only; ResultError else
        kind = doc.get("format") if isinstance(doc, dict) else None
        if kind in (FLEET_FORMAT, PLAN_FORMAT):
            log.info("merge: skipping %s document %s", kind, path)
            continue
        res = Result.from_dict(doc, str(path))  # ResultError (one line) for a malformed file
        if "rank" not in res.extra:
            raise InvalidInput(
                f"merge: {path.name} has no rank record (not written by `joulebench run` "
                "under srun, torchrun, a Kubernetes Indexed Job or --device all)"
            )
        found.append(RankResult(path, Rank.from_dict(res.extra["rank"], path.name), res))
    if not found:
        raise InvalidInput(f"merge: no rank results (*.json) in {where}")
    return sorted(found, key=lambda r: (r.rank.job_id, r.rank.rank))


def _one(values: dict[str, str], what: str, allowed: bool, flag: str) -> list[str]:
    """A notice when the files disagree on `what`; InvalidInput unless the mix is allowed."""
    if len(set(values.values())) <= 1:
        return []
    by_value: dict[str, list[str]] = {}
    for name, value in values.items():
        by_value.setdefault(value, []).append(name)
    listed = "; ".join(f"{v}: {', '.join(names[:3])}" for v, names in by_value.items())
    if not allowed:
        raise InvalidInput(f"merge: the files differ in {what} ({listed}); pass {flag} to merge")
    return [f"merged files that differ in {what} ({listed})"]


def check_ranks(ranks: list[RankResult], allow: Allow = Allow()) -> list[str]:
    """Refuse mixes and gaps; returns the notices of the mixes that were allowed."""
    names = {r.path.name: r for r in ranks}
    notices = _one(
        {n: r.rank.job_id for n, r in names.items()},
        "job id",
        allow.mixed_jobs,
        "--allow-mixed-jobs",
    )
    scen = {n: json.dumps(thaw(r.result.scenario), sort_keys=True) for n, r in names.items()}
    notices += _one(scen, "scenario", allow.mixed_scenarios, "--allow-mixed-scenarios")
    versions = {n: str(r.result.upgraded_from or r.result.schema_version) for n, r in names.items()}
    notices += _one(versions, "schema version", allow.mixed_schemas, "--allow-mixed-schemas")
    _no_rank_twice(ranks)  # whatever is allowed: a rank twice would count its figures twice
    if allow.mixed_jobs:
        return notices  # ranks of different jobs are not one world: no rank arithmetic
    worlds = {r.rank.world_size for r in ranks}
    if len(worlds) > 1:
        raise InvalidInput(f"merge: the ranks disagree on the world size ({sorted(worlds)})")
    world = worlds.pop()
    present = {r.rank.rank for r in ranks}
    missing = [i for i in range(world) if i not in present]
    if missing and not allow.missing:
        raise InvalidInput(
            f"merge: missing rank(s) {_ranges(missing)} of world size {world}; "
            "pass --allow-missing to merge the others"
        )
    if missing:
        notices.append(f"missing rank(s) {_ranges(missing)} of world size {world}")
    return notices


def _no_rank_twice(ranks: list[RankResult]) -> None:
    """InvalidInput naming the rank and both files when one job has a rank twice."""
    seen: dict[tuple[str, int], str] = {}
    jobs = {r.rank.job_id for r in ranks}
    for r in ranks:
        key = (r.rank.job_id, r.rank.rank)
        if key in seen:
            job = f" of job {r.rank.job_id}" if len(jobs) > 1 else ""
            raise InvalidInput(
                f"merge: rank {r.rank.rank}{job} appears twice ({seen[key]}, {r.path.name})"
            )
        seen[key] = r.path.name


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def merge_folder(folder: str | Path, allow: Allow = Allow(), out: Path | None = None) -> dict:
    """The fleet document of the rank results in a folder (checked; nothing written). `out`,
    where the caller will write it, must not be one of the rank files read."""
    ranks = read_ranks(folder)
    if out is not None:
        results.check_output_path(out, [r.path for r in ranks])
    notices = check_ranks(ranks, allow)
    return build_fleet(
        [(r.path.name, r.rank, r.result) for r in ranks],
        notices,
        missing=_missing(ranks) if not allow.mixed_jobs else [],
    )


def _missing(ranks: list[RankResult]) -> list[int]:
    world = ranks[0].rank.world_size
    present = {r.rank.rank for r in ranks}
    return [i for i in range(world) if i not in present]

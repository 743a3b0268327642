"""The fleet document: ranks' results joined per node, per GPU, in totals and card spreads.

Arithmetic, stated once:
- throughput (units/s) and revenue (USD/day) add up over every rank's entry of a workload:
  the ranks ran at the same time, each on its own device;
- power (W) and energy (J) add up over device-level entries (a GPU through NVML) and, per
  node, the node-level entry (CPU package through RAPL) of the one rank that read it (local
  rank 0): a node's energy is counted once, however many ranks it ran;
- a total with any counted figure missing is unmeasured, naming the rank and the reason;
- spread per card model: the median, min and max over cards of each card's median, and the
  outlier: the card farthest from the median, with (value - median) / median.

Each rank's figures are read through its typed result (bench.result: `Entry.median`,
`Entry.stat`, `Economics.value`), the project's one reader of summaries.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from bench.fleet.rank import Rank
from bench.result.check import thaw
from bench.result.entry import Entry
from bench.result.model import Result
from bench.stats import Unmeasured

FLEET_FORMAT = "joulebench-fleet"
FLEET_VERSION = 1
FIGURES = ("units_per_s", "power_w", "energy_j", "usd_per_day", "net_usd_per_day")
COUNTED_BY_ENERGY = frozenset({"power_w", "energy_j"})
SPREAD_FIGURES = ("j_per_unit", "units_per_s")


def _energy_j(entry: Entry) -> float | None:
    """The entry's energy over its windows; None when any window's energy is unmeasured."""
    joules = [w.energy_j for w in entry.measurement.windows]
    if not joules or any(j is None for j in joules):
        return None
    return float(sum(joules))  # type: ignore[arg-type]


def _reason(entry: Entry) -> str:
    """Why a figure of the entry is missing: the power statistic's reason, the price's, the
    energy note."""
    power = entry.stat("power_w")
    if isinstance(power, Unmeasured):
        return str(power.reason)
    if entry.economics.unmeasured is not None:
        return entry.economics.unmeasured
    return entry.measurement.energy_note or "no figure in the result"


def card_row(file: str, rank: Rank, entry: Entry) -> dict:
    """One measured entry of one rank: where it ran and its figures (None when absent)."""
    return {
        "workload": entry.name,
        "unit": entry.unit,
        "rank": rank.rank,
        "local_rank": rank.local_rank,
        "node": rank.node,
        "file": file,
        "device": entry.device.id,
        "card": entry.device.name or entry.device.id,
        "energy_scope": "node" if entry.device.kind == "cpu" else "device",
        "units_per_s": entry.median("units_per_s"),
        "power_w": entry.median("power_w"),
        "j_per_unit": entry.median("j_per_unit"),
        "energy_j": _energy_j(entry),
        "usd_per_day": entry.economics.value("usd_per_day"),
        "net_usd_per_day": entry.economics.value("net_usd_per_day"),
        "missing_reason": _reason(entry),
    }


def node_energy_readers(ranks: Iterable[Rank]) -> tuple[dict[str, int], list[str]]:
    """node -> the one rank whose node-level energy counts (lowest local-rank-0 rank)."""
    readers: dict[str, list[int]] = {}
    for rank in ranks:
        if rank.reads_node_energy:
            readers.setdefault(rank.node, []).append(rank.rank)
    notices = [
        f"node {node}: ranks {', '.join(map(str, sorted(rs)))} each read node-level energy; "
        f"counted once (rank {min(rs)})"
        for node, rs in readers.items()
        if len(rs) > 1
    ]
    return {node: min(rs) for node, rs in readers.items()}, notices


def counts(row: dict, figure: str, readers: dict[str, int]) -> bool:
    """Whether a row's figure enters a total: node-level energy only from the node's reader."""
    if figure not in COUNTED_BY_ENERGY or row["energy_scope"] == "device":
        return True
    return readers.get(row["node"]) == row["rank"]


def totals(rows: list[dict], readers: dict[str, int]) -> dict[str, dict]:
    """Per workload: each figure summed over the rows that count, or unmeasured with why."""
    out: dict[str, dict] = {}
    for row in rows:
        out.setdefault(row["workload"], {"unit": row["unit"], "ranks": []})
        out[row["workload"]]["ranks"].append(row["rank"])
    for name, total in out.items():
        mine = [r for r in rows if r["workload"] == name]
        for figure in FIGURES:
            counted = [r for r in mine if counts(r, figure, readers)]
            missing = next((r for r in counted if r[figure] is None), None)
            if missing is not None or not counted:
                who = f"rank {missing['rank']} on {missing['node']}" if missing else "no rank"
                why = missing["missing_reason"] if missing else "no entry counts"
                total[figure] = {"unmeasured": f"{who}: {why}"}
            else:
                total[figure] = sum(r[figure] for r in counted)
    return out


def spread(rows: list[dict]) -> dict[str, dict]:
    """Per workload and card model: median, min, max and the outlier card of each figure."""
    out: dict[str, dict] = {}
    for row in rows:
        out.setdefault(row["workload"], {}).setdefault(row["card"], [])
        out[row["workload"]][row["card"]].append(row)
    return {
        name: {card: _card_spread(cards) for card, cards in by_card.items()}
        for name, by_card in out.items()
    }


def _card_spread(rows: list[dict]) -> dict:
    result: dict[str, Any] = {"cards": len(rows)}
    for figure in SPREAD_FIGURES:
        have = [r for r in rows if r[figure] is not None]
        if not have:
            result[figure] = {"unmeasured": rows[0]["missing_reason"]}
            continue
        values = [r[figure] for r in have]
        mid = statistics.median(values)
        far = max(have, key=lambda r: abs(r[figure] - mid))
        result[figure] = {
            "n": len(values),
            "median": mid,
            "min": min(values),
            "max": max(values),
            "outlier": {
                "rank": far["rank"],
                "node": far["node"],
                "device": far["device"],
                "value": far[figure],
                "rel_from_median": (far[figure] - mid) / mid if mid else None,
            },
        }
    return result


def build_fleet(
    ranks: list[tuple[str, Rank, Result]], notices: list[str], missing: list[int]
) -> dict:
    """The fleet document of checked rank results: (file name, Rank, typed Result)."""
    readers, reader_notices = node_energy_readers(r for _, r, _ in ranks)
    rows = [card_row(f, rank, e) for f, rank, res in ranks for e in res.workloads]
    nodes = {}
    for node in dict.fromkeys(rank.node for _, rank, _ in ranks):
        mine = [r for r in rows if r["node"] == node]
        nodes[node] = {
            "ranks": [rank.rank for _, rank, _ in ranks if rank.node == node],
            "node_energy_rank": readers.get(node),
            "workloads": totals(mine, readers),
        }
    first = ranks[0]
    return {
        "format": FLEET_FORMAT,
        "fleet_version": FLEET_VERSION,
        "job_id": first[1].job_id,
        "world_size": first[1].world_size,
        "schema_version": first[2].schema_version,
        "scenario": thaw(first[2].scenario),
        "missing_ranks": missing,
        "ranks": [_rank_item(f, rank, res) for f, rank, res in ranks],
        "nodes": nodes,
        "gpus": rows,
        "totals": totals(rows, readers),
        "spread": spread(rows),
        "notices": notices + reader_notices,
        "results": [res.to_dict() for _, _, res in ranks],
    }


def _rank_item(file: str, rank: Rank, res: Result) -> dict:
    return {
        **rank.to_dict(),
        "file": file,
        "hostname": res.environment.get("hostname"),
        "devices": sorted(set(res.devices)),
        "warnings": list(res.warnings),
    }

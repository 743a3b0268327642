"""The regression gate of `joulebench compare BASELINE NEW --fail-if-slower PCT`.

It reuses compare's SAME/FAST/SLOW verdicts (bench.report.compare.verdict): a workload fails
the gate when its verdict is SLOW (slower than the baseline by more than the larger of the two
runs' window ranges, so not noise) and it is slower by more than PCT percent. SAME, FAST,
UNKNOWN (one window each: the noise is not known) and UNMEASURED never fail it; all are listed.
A pass is marked INCONCLUSIVE where the noise is wider than PCT (or unknown): the gate could
not have seen a slowdown of PCT there, and says so rather than passing it quietly.
Two fleet documents are gated rank by rank (each rank's card against the same rank's card).
"""

from __future__ import annotations

import math
from typing import Any

from bench.errors import InvalidInput
from bench.report.compare import compare_results


def check_pct(pct: float) -> float:
    """PCT as a finite number of percent, 0 or more; InvalidInput otherwise."""
    if not isinstance(pct, (int, float)) or not math.isfinite(pct) or pct < 0:
        raise InvalidInput(f"--fail-if-slower {pct}: expected a percentage >= 0")
    return float(pct)


def gate_verdict(verdict: dict, pct: float) -> dict:
    """One compare verdict with the gate's decision: fail, and how much slower in percent;
    inconclusive where it passes only because the runs' noise is wider than PCT (a slowdown of
    PCT would have been called SAME as well) or the noise is not known."""
    rel = verdict.get("rel_diff")
    slower_pct = -100.0 * rel if isinstance(rel, (int, float)) else None
    fails = verdict["verdict"] == "SLOW" and slower_pct is not None and slower_pct > pct
    noise = verdict.get("noise")
    blind = verdict["verdict"] == "UNKNOWN" or (
        verdict["verdict"] == "SAME" and isinstance(noise, (int, float)) and 100 * noise > pct
    )
    return {**verdict, "slower_pct": slower_pct, "fails": fails, "inconclusive": blind}


def _pairs(baseline: Any, new: Any) -> tuple[list[tuple[int | None, Any, Any]], list[str]]:
    """What to compare: the two results; or, for two fleets, each rank with the same rank."""
    from bench.fleet.view import rank_results

    base_ranks, new_ranks = rank_results(baseline), rank_results(new)
    if base_ranks is None and new_ranks is None:
        return [(None, baseline, new)], []
    if base_ranks is None or new_ranks is None:
        raise InvalidInput("--fail-if-slower compares a fleet with a fleet, a result with a result")
    common = sorted(base_ranks.keys() & new_ranks.keys())
    alone = sorted(base_ranks.keys() ^ new_ranks.keys())
    notices = [f"ranks in only one fleet, not gated: {alone}"] if alone else []
    return [(r, base_ranks[r], new_ranks[r]) for r in common], notices


def run_gate(baseline: Any, new: Any, pct: float) -> dict:
    """Every verdict of NEW against BASELINE (rank by rank for fleets); whether any fails."""
    pct = check_pct(pct)
    pairs, notices = _pairs(baseline, new)
    judged = []
    for rank, base, other in pairs:
        comparison = compare_results([base, other])
        notices += comparison["notices"]
        judged += [{**gate_verdict(v, pct), "rank": rank} for v in comparison["verdicts"]]
    if not judged:
        raise InvalidInput("compare: the two results have no workload in common to gate on")
    return {
        "fail_if_slower_pct": pct,
        "baseline": str(baseline) if pairs[0][0] is None else f"fleet {baseline}",
        "failed": any(v["fails"] for v in judged),
        "inconclusive": sum(v["inconclusive"] for v in judged),
        "verdicts": judged,
        "notices": list(dict.fromkeys(notices)),
    }


def format_gate(gate: dict) -> str:
    """The gate as terminal text: one line per verdict, then the outcome."""
    lines = [f"notice: {n}" for n in gate["notices"]]
    for v in gate["verdicts"]:
        diff = "n/a" if v["rel_diff"] is None else f"{100 * v['rel_diff']:+.1f}%"
        noise = "n/a" if v["noise"] is None else f"{100 * v['noise']:.1f}%"
        mark = "FAIL" if v["fails"] else ("INCONCLUSIVE" if v["inconclusive"] else "ok")
        where = "" if v["rank"] is None else f"rank {v['rank']}: "
        lines.append(
            f"{mark}: {where}{v['verdict']} {v['workload']} on {v['other']}: throughput {diff} "
            f"(noise {noise}) vs {v['baseline']}"
        )
    failed = sum(v["fails"] for v in gate["verdicts"])
    pct = gate["fail_if_slower_pct"]
    lines.append(
        f"gate: {failed} workload(s) slower than the baseline by more than {pct:g}% beyond noise"
        if failed
        else f"gate: passed (no workload slower by more than {pct:g}% beyond noise)"
    )
    if gate["inconclusive"]:
        lines.append(
            f"gate: {gate['inconclusive']} workload(s) INCONCLUSIVE: their runs' window range "
            f"is wider than {pct:g}% (or unknown), so a slowdown of {pct:g}% would pass too; "
            "rerun on a quieter machine, with more windows (--min-windows), or gate at a "
            "larger percentage"
        )
    return "\n".join(lines) + "\n"

"""The regression gate of `joulebench compare BASELINE NEW --fail-if-slower PCT`.

It reuses compare's SAME/FAST/SLOW verdicts (bench.report.compare.verdict): a workload fails
the gate when its verdict is SLOW (slower than the baseline by more than the larger of the two
runs' window ranges, so not noise) and it is slower by more than PCT percent. SAME, FAST,
UNKNOWN (one window each: the noise is not known) and UNMEASURED never fail it; all are listed.
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
    """One compare verdict with the gate's decision: fail, and how much slower in percent."""
    rel = verdict.get("rel_diff")
    slower_pct = -100.0 * rel if isinstance(rel, (int, float)) else None
    fails = verdict["verdict"] == "SLOW" and slower_pct is not None and slower_pct > pct
    return {**verdict, "slower_pct": slower_pct, "fails": fails}


def run_gate(baseline: Any, new: Any, pct: float) -> dict:
    """Every verdict of NEW against BASELINE, and whether any fails the gate."""
    pct = check_pct(pct)
    comparison = compare_results([baseline, new])
    judged = [gate_verdict(v, pct) for v in comparison["verdicts"]]
    if not judged:
        raise InvalidInput("compare: the two results have no workload in common to gate on")
    return {
        "fail_if_slower_pct": pct,
        "baseline": comparison["baseline"],
        "failed": any(v["fails"] for v in judged),
        "verdicts": judged,
        "notices": comparison["notices"],
    }


def format_gate(gate: dict) -> str:
    """The gate as terminal text: one line per verdict, then the outcome."""
    lines = [f"notice: {n}" for n in gate["notices"]]
    for v in gate["verdicts"]:
        diff = "n/a" if v["rel_diff"] is None else f"{100 * v['rel_diff']:+.1f}%"
        noise = "n/a" if v["noise"] is None else f"{100 * v['noise']:.1f}%"
        mark = "FAIL" if v["fails"] else "ok"
        lines.append(
            f"{mark}: {v['verdict']} {v['workload']} on {v['other']}: throughput {diff} "
            f"(noise {noise}) vs {v['baseline']}"
        )
    failed = sum(v["fails"] for v in gate["verdicts"])
    pct = gate["fail_if_slower_pct"]
    lines.append(
        f"gate: {failed} workload(s) slower than the baseline by more than {pct:g}% beyond noise"
        if failed
        else f"gate: passed (no workload slower by more than {pct:g}% beyond noise)"
    )
    return "\n".join(lines) + "\n"

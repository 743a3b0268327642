"""The GPU check's one summary: every step with its status, the figures each got, each goal.

Read from what the steps left, whatever state they are in: the step log (WORK/steps.tsv, one
`name, status, exit status, seconds, limit, reason` line per step), the miner check's document
(OUT/gpu-check-miner.json, complete or partial) and the `joulebench run` results of the suite
and the batched decode (read through the typed bench.result model; a run cut short leaves a
partial result that names what it did not reach). Figures are per-window medians and
spreads computed by bench.stats over the windows, as every result's summary is. The summary is
written (atomically) before anything is printed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.stats import Stat, summarize
from bench.telemetry.nvml import CROSS_CHECK_MIN_S, EDGE_SLACK_S
from gpucheck.goals import GOALS, gemm_reference_tflop_s
from gpucheck.miner import MINER_FILE
from gpucheck.store import load_json, save_json

SCHEMA = "joulebench.gpu-check-summary/2"
SUMMARY_FILE = "gpu-check-summary.json"
RUNS = {"suite": "gpu-check-suite", "decode-b256": "gpu-check-decode-b256"}
NCU_FILE = "gpu-check-ncu.txt"  # the profile step's ncu report, written into OUT by ncu
# The rows of ncu's report the summary lifts out (the whole report is in NCU_FILE)
PROFILE_METRICS = (
    "SM Frequency",
    "Duration",
    "Compute (SM) Throughput",
    "Memory Throughput",
    "Executed Ipc Active",
    "Issue Slots Busy",
    "SM Busy",
    "Registers Per Thread",
    "Theoretical Occupancy",
    "Achieved Occupancy",
    "Warp Cycles Per Issued Instruction",
    "No Eligible",
)
STATUSES = ("ok", "cut", "failed", "skipped")


def read_steps(path: Path) -> list[dict]:
    """steps.tsv as dicts; lines that do not parse are kept as a 'failed' step naming them."""
    steps = []
    text = path.read_text() if path.exists() else ""
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 6 or parts[1] not in STATUSES:
            steps.append({"name": "?", "status": "failed", "reason": f"bad step line {line!r}"})
            continue
        name, status, rc, secs, limit, reason = parts
        steps.append(
            {
                "name": name,
                "status": status,
                "exit_status": int(rc) if rc.lstrip("-").isdigit() else None,
                "seconds": float(secs),
                "limit_s": float(limit),
                "reason": reason,
            }
        )
    return steps


def _stat(values: list[float | None], unit: str) -> Stat | None:
    stat = summarize(values, unit, "unmeasured")
    return stat if isinstance(stat, Stat) else None


def window_figures(windows: list[dict]) -> dict:
    """Median and spread of rate and energy per unit over the windows, the counter against the
    trace on windows of 5 s or more (shorter ones measure the sensor's 1 s averaging, not
    its accuracy), and the health flags (bench.result's typed window records)."""
    from bench.result.check import Node
    from bench.result.entry import WindowRecord

    recs = [WindowRecord.read(Node(w)) for w in windows]
    rate = _stat([r.units_per_s for r in recs], "hash/s")
    per = [r.energy_j / r.units if r.energy_j is not None and r.units > 0 else None for r in recs]
    j_unit = _stat(per, "J/hash")
    power = _stat([r.power_avg_w for r in recs], "W")
    long = [w for w in windows if w["elapsed_s"] >= CROSS_CHECK_MIN_S - EDGE_SLACK_S]
    pairs = [(w["energy_j"], w.get("trace_energy_j")) for w in long if w.get("energy_j")]
    diffs = [abs(t - c) / c * 100 for c, t in pairs if t is not None]
    return {
        "windows": len(recs),
        "gh_s": rate.median / 1e9 if rate else None,
        "rate_spread_pct": _pct(rate.rel_spread) if rate else None,
        "power_w": power.median if power else None,
        "j_per_gh": j_unit.median * 1e9 if j_unit else None,
        "j_spread_pct": _pct(j_unit.rel_spread) if j_unit else None,
        "counter_vs_trace_pct": max(diffs) if diffs else None,  # the worst window
        "cross_checked_windows": len(diffs),  # those of CROSS_CHECK_MIN_S or more
        "throttled_windows": sum(r.throttled for r in recs),
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100.0


def guarded(section, *args: Any) -> dict:
    """section(*args), or what made it unreadable: one bad file must not stop the summary."""
    try:
        return section(*args)
    except Exception as exc:  # a malformed document, whatever the kind of error
        return {"status": "unreadable", "reason": f"{type(exc).__name__}: {exc}"}


def miner_section(doc: Any) -> dict:
    """The miner check's figures, from its complete measurement or the windows it saved."""
    if not doc:
        return {"status": "missing", "reason": f"no {MINER_FILE} (or not JSON)"}
    measurement = doc.get("measurement") or {}
    windows = measurement.get("windows") or doc.get("windows_so_far") or []
    context = measurement.get("context") or {}
    variants = doc.get("variants") or {}
    out = {
        "status": doc.get("status"),
        "phases": doc.get("phases"),
        "idle_power_w": (doc.get("idle") or {}).get("power_w"),
        "verified": bool(doc.get("verification")),
        "variant": variants.get("chosen"),
        "variants": [
            {"variant": r["variant"], "median_gh_s": r["median_hs"] / 1e9}
            for r in variants.get("rows", [])
        ],
        "counter_period_s": context.get("counter_period_s"),
        "window_edges": context.get("window_edges"),
        "sampler_cost": doc.get("sampler_cost"),
        "registers_per_thread": (doc.get("kernel") or {}).get("registers_per_thread"),
        "occupancy": (doc.get("kernel") or {}).get("occupancy"),
    }
    out.update(window_figures(windows))
    return out


def _result(path: Path | None):
    """The typed Result in `path`, or None with the reason it could not be read."""
    if path is None:
        return None, "no result file"
    from bench.result.model import Result

    try:
        return Result.from_dict(load_json(path), str(path)), ""
    except Exception as exc:  # a result that does not read is reported, not fatal
        return None, f"{type(exc).__name__}: {exc}"


def entry_figures(entry: Any) -> dict:
    """Throughput, power, energy per unit, spread and roofline of one typed entry."""
    roof = entry.measurement.roofline
    keep = ("model", "dtype", "batch_size", "prompt_len", "context_len", "m")
    out = {
        "unit": entry.unit,
        "params": {k: entry.workload[k] for k in keep if k in entry.workload},
        "units_per_s": entry.median("units_per_s"),
        "power_w": entry.median("power_w"),
        "j_per_unit": entry.median("j_per_unit"),
        "rate_spread_pct": entry.spread_pct("units_per_s"),
        "j_spread_pct": entry.spread_pct("j_per_unit"),
        "windows": len(entry.measurement.windows),
        "energy_source": entry.measurement.energy_source,
        "mfu": roof.get("mfu"),
        "mbu": roof.get("mbu"),
    }
    if entry.name == "gemm" and out["units_per_s"] is not None:
        reference = gemm_reference_tflop_s()
        out["tflop_s"] = out["units_per_s"] / 1e12
        out["reference_tflop_s"] = reference
        out["fraction_of_reference"] = out["tflop_s"] / reference if reference else None
    return out


def run_section(path: Path | None) -> dict:
    """A `joulebench run` result: each entry's figures and what the run did not reach."""
    result, why = _result(path)
    if result is None:
        return {"status": "missing", "reason": why}
    status = result.status
    return {
        "file": path.name,
        "state": status.state,
        "not_reached": list(status.not_reached),
        "failed": [f.to_dict() for f in status.failed],
        "entries": {e.name: entry_figures(e) for e in result.workloads},
    }


def goals(miner: dict, suite: dict, batched: dict) -> list[dict]:
    """Each goal of gpucheck.goals beside the figure it is judged on."""
    entries = suite.get("entries", {})
    decode = batched.get("entries", {}).get("llm-decode", {})
    decode_b1 = entries.get("llm-decode", {})
    at_batch_1 = decode_b1.get("params", {}).get("batch_size") == 1
    values = {
        "miner_gh_s": miner.get("gh_s"),
        "miner_j_spread_pct": miner.get("j_spread_pct"),
        "counter_vs_trace_pct": miner.get("counter_vs_trace_pct"),
        "decode_b1_mbu": decode_b1.get("mbu") if at_batch_1 else None,
        "prefill_mfu": entries.get("llm-prefill", {}).get("mfu"),
        "gemm_fraction": entries.get("gemm", {}).get("fraction_of_reference"),
        "batched_decode_j_per_token": decode.get("j_per_unit"),
    }
    return [g.judge(values[g.key]) for g in GOALS]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def profile_section(path: Path) -> dict:
    """The rows of PROFILE_METRICS from an ncu report (`NAME  UNIT  VALUE` lines, the first of
    each name: the profiled launch), and ncu's error lines (e.g. no permission to read the
    counters); status missing (no report), empty (no such rows) or ok."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {"status": "missing"}
    metrics: dict[str, dict] = {}
    errors = []
    for line in text.splitlines():
        if "==ERROR==" in line:
            errors.append(line.strip())
        tokens = line.split()
        if len(tokens) < 3 or (value := _number(tokens[-1])) is None:
            continue
        name = " ".join(tokens[:-2])
        if name in PROFILE_METRICS and name not in metrics:
            metrics[name] = {"value": value, "unit": tokens[-2]}
    return {
        "status": "ok" if metrics else "empty",
        "file": path.name,
        "metrics": metrics,
        "errors": errors[:5],
    }


def _newest_json(folder: Path) -> Path | None:
    docs = sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
    return docs[-1] if folder.is_dir() and docs else None


def build(work: Path, out: Path, elapsed_s: float | None = None, mode: str | None = None):
    """The summary document and the run files to hand back under fixed names."""
    runs = {step: _newest_json(work / step) for step in RUNS}
    miner = guarded(miner_section, load_json(out / MINER_FILE))
    suite = guarded(run_section, runs["suite"])
    batched = guarded(run_section, runs["decode-b256"])
    summary = {
        "schema": SCHEMA,
        "rehearsal": mode,
        "elapsed_s": elapsed_s,
        "preflight": load_json(work / "preflight.json"),
        "steps": read_steps(work / "steps.tsv"),
        "miner": miner,
        "suite": suite,
        "decode_b256": batched,
        "profile": guarded(profile_section, out / NCU_FILE),
        "goals": goals(miner, suite, batched),
    }
    files = {}
    for step, path in runs.items():
        if path is not None:
            files[f"{RUNS[step]}.json"] = path
            html = path.with_suffix(".html")
            if html.exists():
                files[f"{RUNS[step]}.html"] = html
    return summary, files


def write(work: Path, out: Path, elapsed_s: float | None = None, mode: str | None = None):
    """Build the summary, write it and copy the run files into `out`; the summary."""
    summary, files = build(work, out, elapsed_s, mode)
    save_json(out / SUMMARY_FILE, summary)
    for name, src in files.items():
        tmp = out / f".{name}.tmp"
        shutil.copyfile(src, tmp)
        tmp.replace(out / name)
    return summary


def _fmt(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def lines(summary: dict) -> list[str]:
    """The summary as a person reads it: steps, the miner, each run entry, each goal."""
    out = [
        f"step {s['name']}: {s['status']} after {s.get('seconds', 0):g} s"
        + (f" ({s['reason']})" if s.get("reason") else "")
        for s in summary["steps"]
    ]
    m = summary["miner"]
    if m.get("status") != "missing":
        out.append(
            f"miner ({m.get('status')}): {_fmt(m.get('gh_s'), '.3f')} GH/s, "
            f"{_fmt(m.get('j_per_gh'), '.2f')} J/GH (spread {_fmt(m.get('j_spread_pct'), '.2f')}"
            f" % over {m.get('windows')} windows), idle {_fmt(m.get('idle_power_w'), '.1f')} W, "
            f"counter period {_fmt(m.get('counter_period_s'), '.3f')} s, variant {m.get('variant')}"
        )
    for label in ("suite", "decode_b256"):
        for name, f in summary[label].get("entries", {}).items():
            out.append(
                f"{label} {name} {f['params']}: {_fmt(f['units_per_s'], '.4g')} {f['unit']}/s, "
                f"{_fmt(f['j_per_unit'], '.4g')} J/{f['unit']}, MFU {_fmt(f['mfu'], '.1%')}, "
                f"MBU {_fmt(f['mbu'], '.1%')}"
            )
    profile = summary.get("profile", {})
    if profile.get("status") in ("ok", "empty"):
        rows = ", ".join(
            f"{name} {row['value']:g} {row['unit']}" for name, row in profile["metrics"].items()
        )
        out.append(f"profile (ncu, {profile['file']}): {rows or 'no rows read'}")
        out += [f"profile: {e}" for e in profile.get("errors", [])]
    for g in summary["goals"]:
        mark = {True: "met", False: "NOT met", None: "not measured"}[g["met"]]
        out.append(f"goal {g['goal']}: {_fmt(g['value'], '.4g')} {g['op']} {g['target']:g}: {mark}")
    return out

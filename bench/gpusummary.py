"""The figures `make gpu-check` reports for each issue, from the files its steps wrote.

`python -m bench.gpusummary DIR [--out OUT]` reads DIR/gpu-check-miner.json (bench.gpucheck),
the `joulebench run` results in DIR/suite/ and DIR/decode-b256/, and DIR/steps.tsv (the
script's step log: name, exit status, seconds, limit), writes DIR/gpu-check-summary.json,
prints the figures with each performance goal, and copies the summary, the results and the
report into OUT under fixed names. The functions here take plain dicts and touch no GPU.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.stats import Stat, summarize
from bench.telemetry.nvml import CROSS_CHECK_TOLERANCE

SCHEMA = "joulebench.gpu-check-summary/1"
MINER_FILE = "gpu-check-miner.json"
SUMMARY_FILE = "gpu-check-summary.json"
RUNS = {"suite": "gpu-check-suite", "decode-b256": "gpu-check-decode-b256"}
TOTAL_BUDGET_S = 360.0  # issue 7: the whole check under 6 minutes on one GPU

# The performance goals of the issues, as fractions or absolute figures.
MINER_GH_S_GOAL = 7.5
DECODE_MBU_GOAL = 0.80
DECODE_TOK_S_GOAL = 215.0
PREFILL_MFU_GOAL = 0.60
BATCHED_J_PER_TOKEN_REF = 0.070  # vLLM, Llama-3.1-8B at batch 512 on an H100
BATCHED_J_FACTOR = 1.5
GEMM_TFLOP_S_REF = 790.0  # bf16, measured on an H200
GEMM_FRACTION_GOAL = 0.95
SAMPLER_CORE_GOAL = 0.01
SPREAD_GOAL = 0.02


def rel_spread(values: list[float]) -> float | None:
    """bench.stats' relative spread, (max - min) / median; None for fewer than two values."""
    stat = summarize(values, "")
    return stat.rel_spread if isinstance(stat, Stat) else None


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100.0


def cross_check(windows: list[dict]) -> dict:
    """Integrated power trace against the energy counter, over all windows and the worst one."""
    pairs = [
        (w["energy_j"], w["trace_energy_j"])
        for w in windows
        if w.get("energy_j") and w.get("trace_energy_j") is not None
    ]
    if not pairs:
        return {"unmeasured": "no window has both the counter and the integrated trace"}
    counter = sum(c for c, _ in pairs)
    trace = sum(t for _, t in pairs)
    worst = max(abs(t - c) / c for c, t in pairs)
    return {
        "windows": len(pairs),
        "counter_j": counter,
        "trace_j": trace,
        "trace_vs_counter_pct": (trace - counter) / counter * 100.0,
        "worst_window_abs_pct": worst * 100.0,
        "within_tolerance": worst <= CROSS_CHECK_TOLERANCE,
    }


def _energy_figures(windows: list[dict], idle_w: float | None, giga_units: float) -> dict:
    energies = [w.get("energy_j") for w in windows]
    if not windows or any(e is None for e in energies):
        reasons = [w.get("unmeasured") for w in windows if w.get("unmeasured")]
        return {"power_w": None, "unmeasured": reasons[0] if reasons else "no energy reading"}
    energy = sum(energies)
    meter_s = sum(w["t_end_s"] - w["t_begin_s"] for w in windows)
    out = {"energy_j": energy, "power_w": energy / meter_s, "j_per_gh": energy / giga_units}
    if idle_w is not None:
        out["above_idle_j_per_gh"] = (energy - idle_w * meter_s) / giga_units
    per_unit = [w["energy_j"] / w["units"] for w in windows if w["units"] > 0]
    out["j_per_hash_spread_pct"] = _pct(rel_spread(per_unit))
    return out


def miner_figures(measurement: dict) -> dict:
    """GH/s, board power, J/GH, spread, idle and cross-check of a sha256d Measurement dict.

    Totals over the windows: GH/s = hashes / seconds; W = counter joules / meter seconds;
    J/GH = joules / (hashes / 1e9); spreads are (max - min) / median over the windows."""
    windows = measurement.get("windows", [])
    hashes = sum(w["units"] for w in windows)
    seconds = sum(w["elapsed_s"] for w in windows)
    idle_w = measurement.get("idle", {}).get("power_w")
    out: dict[str, Any] = {
        "windows": len(windows),
        "seconds": seconds,
        "hashes": hashes,
        "gh_s": hashes / seconds / 1e9 if seconds > 0 else None,
        "idle_power_w": idle_w,
        "energy_source": measurement.get("energy_source"),
        "hashrate_spread_pct": _pct(rel_spread([w["units_per_s"] for w in windows])),
    }
    if hashes > 0:
        out.update(_energy_figures(windows, idle_w, hashes / 1e9))
    out["cross_check"] = cross_check(windows)
    out["throttled_windows"] = sum(1 for w in windows if w.get("throttled"))
    temps = [w["temperature_c"] for w in windows if w.get("temperature_c") is not None]
    clocks = [w["sm_clock_mhz"] for w in windows if w.get("sm_clock_mhz") is not None]
    out["max_temperature_c"] = max(temps) if temps else None
    out["min_sm_clock_mhz"] = min(clocks) if clocks else None
    return out


def _median(entry: dict, key: str) -> float | None:
    return entry.get("summary", {}).get(key, {}).get("median")


def _spread_pct(entry: dict, key: str) -> float | None:
    return _pct(entry.get("summary", {}).get(key, {}).get("rel_spread"))


def workload_figures(entry: dict) -> dict:
    """Throughput, power, energy per unit, spread and roofline of one result entry."""
    params = entry.get("workload", {})
    roof = entry.get("roofline", {})
    keep = ("model", "dtype", "batch_size", "mode", "prompt_len", "context_len", "m")
    out = {
        "workload": params.get("name"),
        "unit": entry.get("unit"),
        "params": {k: params[k] for k in keep if k in params},
        "units_per_s": _median(entry, "units_per_s"),
        "power_w": _median(entry, "power_w"),
        "j_per_unit": _median(entry, "j_per_unit"),
        "above_idle_j_per_unit": _median(entry, "above_idle_j_per_unit"),
        "rate_spread_pct": _spread_pct(entry, "units_per_s"),
        "j_spread_pct": _spread_pct(entry, "j_per_unit"),
        "windows": len(entry.get("windows", [])),
        "energy_source": entry.get("energy_source"),
        "warnings": list(entry.get("warnings", [])),
    }
    roof_keys = ("mfu", "mbu", "mfu_vs_measured", "mbu_vs_measured", "achieved_tflop_s")
    out.update({k: roof.get(k) for k in (*roof_keys, "achieved_tb_s")})
    return out


def _entries(doc: dict | None) -> dict[str, dict]:
    return {e["workload"]["name"]: e for e in (doc or {}).get("workloads", []) if "workload" in e}


def inference_figures(suite: dict | None, batched: dict | None) -> dict:
    """Issue 5's figures: each suite workload, and the large-batch decode as its own entry."""
    out = {name: workload_figures(e) for name, e in _entries(suite).items() if name != "sha256d"}
    decode = _entries(batched).get("llm-decode")
    if decode is not None:
        out["llm-decode-batched"] = workload_figures(decode)
    gemm = out.get("gemm")
    if gemm and gemm["units_per_s"] is not None:
        gemm["tflop_s"] = gemm["units_per_s"] / 1e12
        gemm["fraction_of_measured_rate"] = gemm["tflop_s"] / GEMM_TFLOP_S_REF
    return out


def _goal(issue: int, what: str, value: float | None, target: float, higher: bool) -> dict:
    met = None if value is None else (value >= target if higher else value <= target)
    return {"issue": issue, "goal": what, "value": value, "target": target, "met": met}


def goals(summary: dict) -> list[dict]:
    """Each performance goal of issues 3, 4 and 5 beside the measured value."""
    miner, tel = summary["miner"], summary["telemetry"]
    inf = summary["inference"]

    def fig(name: str, key: str) -> float | None:
        return inf.get(name, {}).get(key)

    batched_ref = BATCHED_J_PER_TOKEN_REF * BATCHED_J_FACTOR
    sampler = tel.get("sampler_cost_pct")
    return [
        _goal(3, "sha256d GH/s", miner.get("gh_s"), MINER_GH_S_GOAL, True),
        _goal(4, "sampler % of one core at 50 Hz", sampler, SAMPLER_CORE_GOAL * 100, False),
        _goal(4, "J/hash spread over 5 windows %", tel.get("spread_pct"), SPREAD_GOAL * 100, False),
        _goal(5, "decode batch 1 MBU", fig("llm-decode", "mbu"), DECODE_MBU_GOAL, True),
        _goal(5, "decode batch 1 tok/s", fig("llm-decode", "units_per_s"), DECODE_TOK_S_GOAL, True),
        _goal(5, "prefill MFU", fig("llm-prefill", "mfu"), PREFILL_MFU_GOAL, True),
        _goal(
            5, "batched decode J/token", fig("llm-decode-batched", "j_per_unit"), batched_ref, False
        ),
        _goal(
            5, "GEMM TFLOP/s", fig("gemm", "tflop_s"), GEMM_TFLOP_S_REF * GEMM_FRACTION_GOAL, True
        ),
        _goal(7, "whole check seconds", summary.get("total_s"), TOTAL_BUDGET_S, False),
    ]


def miner_section(miner_doc: dict | None) -> tuple[dict, dict]:
    """Issue 3's miner figures and issue 4's telemetry figures from the miner check's JSON."""
    if not miner_doc:
        return {"missing": "no miner check result"}, {"missing": "no miner check result"}
    fig = miner_doc.get("figures", {})
    occ, kernel = miner_doc.get("occupancy", {}), miner_doc.get("kernel", {})
    miner = {
        "gh_s": fig.get("gh_s"),
        "power_w": fig.get("power_w"),
        "j_per_gh": fig.get("j_per_gh"),
        "above_idle_j_per_gh": fig.get("above_idle_j_per_gh"),
        "registers_per_thread": occ.get("registers_per_thread"),
        "occupancy": occ.get("occupancy"),
        "local_bytes_per_thread": occ.get("local_bytes_per_thread"),
        "variant": kernel.get("variant"),
        "variants": miner_doc.get("shapes", []),
        "verified": bool(miner_doc.get("verification")),
        "seconds_measured": fig.get("seconds"),
    }
    cost = miner_doc.get("sampler_cost", {})
    cross = fig.get("cross_check", {})
    spreads = [fig.get("j_per_hash_spread_pct"), fig.get("hashrate_spread_pct")]
    telemetry = {
        "idle_power_w": fig.get("idle_power_w"),
        "energy_source": fig.get("energy_source"),
        "trace_vs_counter_pct": cross.get("trace_vs_counter_pct"),
        "worst_window_trace_vs_counter_pct": cross.get("worst_window_abs_pct"),
        "sampler_cost_pct": _pct(cost.get("cpu_fraction")),
        "sampler_hz_achieved": cost.get("hz_achieved"),
        "windows": fig.get("windows"),
        "spread_pct": spreads[0],
        "hashrate_spread_pct": spreads[1],
        "throttled_windows": fig.get("throttled_windows"),
    }
    return miner, telemetry


def run_section(suite: dict | None, names: dict[str, str]) -> dict:
    """Issue 7: which result and report, what was measured, and the headline table."""
    if not suite:
        return {"missing": "no joulebench run result"}
    from bench.report.table import COLUMNS, table_rows

    rows, asics = table_rows(suite)
    return {
        "result": names.get("json"),
        "report": names.get("html"),
        "workloads": [e["workload"]["name"] for e in suite.get("workloads", [])],
        "warnings": list(suite.get("warnings", [])),
        "headline": {"columns": list(COLUMNS), "rows": rows, "asic_rows": asics},
    }


def _run_identity(doc: dict | None) -> dict:
    """GPU name and driver from a `joulebench run` result, where the miner check is absent."""
    env = (doc or {}).get("environment", {})
    gpus = [d for d in env.get("devices", []) if d.get("kind") == "cuda"]
    driver = env.get("nvidia", {}).get("driver")
    return {"gpu": gpus[0].get("name"), "driver": driver} if gpus else {}


def build_summary(
    miner_doc: dict | None,
    suite: dict | None,
    batched: dict | None,
    steps: list[dict],
    names: dict[str, str] | None = None,
    elapsed_s: float | None = None,
) -> dict:
    """The summary document: per issue its figures, the steps, and each goal met or not;
    `elapsed_s` is the whole check's time so far (else the sum of the steps)."""
    miner, telemetry = miner_section(miner_doc)
    env = (miner_doc or {}).get("environment") or _run_identity(suite or batched)
    summary = {
        "schema": SCHEMA,
        "gpu": env.get("gpu"),
        "driver": env.get("driver"),
        "environment": env,
        "steps": steps,
        "total_s": elapsed_s if elapsed_s is not None else sum(s["seconds"] for s in steps),
        "miner": miner,
        "telemetry": telemetry,
        "inference": inference_figures(suite, batched),
        "run": run_section(suite, names or {}),
    }
    summary["goals"] = goals(summary)
    return summary


def read_steps(path: Path) -> list[dict]:
    """steps.tsv: one `name<TAB>exit status<TAB>seconds<TAB>limit` line per step."""
    if not path.exists():
        return []
    steps = []
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            name, rc, secs, limit = parts
            steps.append(
                {
                    "name": name,
                    "exit_status": int(rc),
                    "seconds": float(secs),
                    "limit_s": int(limit),
                }
            )
    return steps


def _read(path: Path | None) -> dict | None:
    return json.loads(path.read_text()) if path and path.exists() else None


def _run_json(folder: Path) -> Path | None:
    docs = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return docs[-1] if docs else None


def _fmt(value: Any, spec: str = ".3g") -> str:
    return "n/a" if value is None else format(value, spec)


def print_summary(summary: dict) -> None:
    """The figures a person reads, one issue per block, then the goals."""
    m, t, say = summary["miner"], summary["telemetry"], print
    say(f"== gpu-check summary: {summary.get('gpu')} (driver {summary.get('driver')})")
    say(
        f"issue 3 miner: {_fmt(m.get('gh_s'), '.3f')} GH/s, {_fmt(m.get('power_w'), '.1f')} W, "
        f"{_fmt(m.get('j_per_gh'), '.2f')} J/GH, {m.get('registers_per_thread')} registers, "
        f"occupancy {_fmt(m.get('occupancy'), '.0%')}, variant {m.get('variant')}"
    )
    say(
        f"issue 4 telemetry: idle {_fmt(t.get('idle_power_w'), '.1f')} W, trace vs counter "
        f"{_fmt(t.get('trace_vs_counter_pct'), '+.2f')} % (worst window "
        f"{_fmt(t.get('worst_window_trace_vs_counter_pct'), '.2f')} %), sampler "
        f"{_fmt(t.get('sampler_cost_pct'), '.3f')} % of a core, spread over "
        f"{t.get('windows')} windows {_fmt(t.get('spread_pct'), '.2f')} %"
    )
    for name, f in summary["inference"].items():
        say(
            f"issue 5 {name} {f['params']}: {_fmt(f['units_per_s'], '.4g')} {f['unit']}/s, "
            f"{_fmt(f['power_w'], '.0f')} W, {_fmt(f['j_per_unit'], '.4g')} J/{f['unit']}, "
            f"MFU {_fmt(f['mfu'], '.1%')}, MBU {_fmt(f['mbu'], '.1%')}"
        )
    for g in summary["goals"]:
        mark = {True: "met", False: "NOT met", None: "not measured"}[g["met"]]
        value = _fmt(g["value"], ".4g")
        say(f"goal (issue {g['issue']}) {g['goal']}: {value} vs {g['target']:g}: {mark}")


def collect(folder: Path, elapsed_s: float | None = None) -> tuple[dict, dict[str, Path]]:
    """Read what the steps wrote; the summary and the files to hand back (fixed names)."""
    miner_path = folder / MINER_FILE
    suite_path = _run_json(folder / "suite")
    batched_path = _run_json(folder / "decode-b256")
    files = {MINER_FILE: miner_path} if miner_path.exists() else {}
    names = {}
    if suite_path:
        files[f"{RUNS['suite']}.json"] = suite_path
        names["json"] = f"{RUNS['suite']}.json"
        html = suite_path.with_suffix(".html")
        if html.exists():
            files[f"{RUNS['suite']}.html"] = html
            names["html"] = f"{RUNS['suite']}.html"
    if batched_path:
        files[f"{RUNS['decode-b256']}.json"] = batched_path
    docs = [_read(path) for path in (miner_path, suite_path, batched_path)]
    summary = build_summary(*docs, read_steps(folder / "steps.tsv"), names, elapsed_s)
    return summary, files


def main(argv: list[str] | None = None) -> int:
    """Summarise a gpu-check folder; 0 when the summary was written."""
    p = argparse.ArgumentParser(prog="python -m bench.gpusummary", description=__doc__)
    p.add_argument("folder", type=Path, help="the gpu-check folder under results/")
    p.add_argument("--out", type=Path, default=None, help="also copy the files here")
    p.add_argument("--elapsed-s", type=float, default=None, help="the whole check's time so far")
    args = p.parse_args(argv)
    summary, files = collect(args.folder, args.elapsed_s)
    path = args.folder / SUMMARY_FILE
    path.write_text(json.dumps(summary, indent=2) + "\n")
    files[SUMMARY_FILE] = path
    print_summary(summary)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, src in files.items():
            if src.resolve() != (args.out / name).resolve():
                shutil.copyfile(src, args.out / name)
        print(f"copied to {args.out}: {', '.join(sorted(files))}")
    print(f"summary written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

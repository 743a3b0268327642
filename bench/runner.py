"""`joulebench run`: plan (validate everything first), measure each workload, price, write.

Data flow: devices -> for each workload: setup -> verify -> warm up -> measured windows under
the meter -> summary -> economics(summary, scenario) -> one result document. Every check of
the user's input happens in `plan_run`, before any work starts; the result is written once,
atomically, at the end, so an interrupted run leaves no partial file.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import result as results
from bench.devices import Device
from bench.errors import InvalidInput, JoulebenchError

log = logging.getLogger(__name__)

DEFAULT_SUITE = ("sha256d", "gemm", "llm-prefill", "llm-decode", "resnet50", "bert")

# on_progress(device_id, workload, stage, done, total); stage is "setup", "idle", "warmup",
# "windows" or "done".
ProgressFn = Callable[[str, str, str, float, float], None]


@dataclass
class RunPlan:
    """Everything a run needs, checked before it starts."""

    devices: list[Device]
    workloads: list[str]
    quick: bool
    scenario: Any  # bench.econ.Scenario
    out_dir: Path
    write_report: bool = True
    scenario_spec: str = "late-2025"
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # workload parameters
    measure: dict[str, Any] = field(default_factory=dict)  # MeasureConfig overrides


def resolve_devices(spec: str | None) -> list[Device]:
    """`None` -> the best device; "all" -> every GPU (or the CPU when there is none)."""
    from bench.devices import best_device, find_devices, get_device

    if spec is None:
        return [best_device()]
    if spec == "all":
        gpus = [d for d in find_devices() if d.kind == "cuda"]
        return gpus or [get_device("cpu")]
    return [get_device(spec)]


def resolve_workloads(spec: str | None) -> list[str]:
    """Names from a comma list (validated against the registry), or the default suite."""
    from bench.workloads import base

    known = base.names()
    if not spec:
        return [w for w in DEFAULT_SUITE if w in known]
    chosen = [w.strip() for w in spec.split(",") if w.strip()]
    if not chosen:
        raise InvalidInput("--workloads names no workload")
    for name in chosen:
        base.get(name)  # raises UnknownWorkload with the list of known names
    return list(dict.fromkeys(chosen))


def check_out_dir(out_dir: Path) -> Path:
    """Create the output folder and prove it is writable, before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise InvalidInput(
            f"cannot write to output folder {out_dir}: {exc.strerror or exc}"
        ) from None
    return out_dir


def parse_settings(items: tuple[str, ...] | list[str]) -> dict[str, dict[str, Any]]:
    """`WORKLOAD.KEY=VALUE` strings -> {workload: {key: value}}; numbers become numbers."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        name_key, sep, raw = item.partition("=")
        name, dot, key = name_key.partition(".")
        if not (sep and dot and name and key):
            raise InvalidInput(f"--set {item!r}: expected WORKLOAD.KEY=VALUE")
        out.setdefault(name, {})[key] = _number_or_text(raw)
    return out


def _number_or_text(raw: str) -> Any:
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


def _check_plan(plan: RunPlan) -> None:
    """Build every workload and measurement config once (cheap): bad parameters fail now."""
    from bench.measure import MeasureConfig
    from bench.workloads import base

    for name in plan.overrides:
        if name not in plan.workloads:
            raise InvalidInput(f"--set names {name!r}, which is not in this run's workloads")
    for device in plan.devices:
        try:
            MeasureConfig.for_device(device, quick=plan.quick, **plan.measure)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"measurement settings: {exc}") from None
        for name in plan.workloads:
            cls = base.get(name)
            cls(
                device, **{**cls.default_params(device, plan.quick), **plan.overrides.get(name, {})}
            )


def plan_run(
    device: str | None = None,
    workloads: str | None = None,
    quick: bool = False,
    scenario: str = "late-2025",
    out_dir: str | os.PathLike = "results",
    write_report: bool = True,
    settings: tuple[str, ...] = (),
    measure: dict[str, Any] | None = None,
    scenario_overrides: dict[str, Any] | None = None,
) -> RunPlan:
    """Validate the request: devices, workloads and their parameters, scenario, output folder."""
    from bench.econ import load_scenario

    scen = load_scenario(scenario, **(scenario_overrides or {}))
    names = resolve_workloads(workloads)
    devices = resolve_devices(device)
    plan = RunPlan(devices, names, quick, scen, Path(out_dir), write_report, scenario)
    plan.overrides = parse_settings(settings)
    plan.measure = {k: v for k, v in (measure or {}).items() if v is not None}
    _check_plan(plan)
    check_out_dir(plan.out_dir)
    return plan


def measure_one(name: str, device: Device, plan: RunPlan, progress: ProgressFn | None) -> dict:
    """Set up, measure and price one workload on one device; returns its result entry."""
    from bench.measure import MeasureConfig, run_workload
    from bench.telemetry import meter_for
    from bench.workloads import base

    cls = base.get(name)
    params = {**cls.default_params(device, quick=plan.quick), **plan.overrides.get(name, {})}
    workload = cls(device, **params)
    config = MeasureConfig.for_device(device, quick=plan.quick, **plan.measure)

    def step(stage: str, done: float, total: float) -> None:
        if progress:
            progress(device.id, name, stage, done, total)

    step("setup", 0, 1)
    meter = meter_for(device)
    measurement = run_workload(workload, meter, config, step).to_dict()
    entry = _reprice(results.workload_entry(measurement, device, {}, []), plan.scenario)
    step("done", 1, 1)
    return entry


def measure_device(device: Device, plan: RunPlan, progress: ProgressFn | None) -> tuple:
    """Every planned workload on one device: (entries, warnings). A failure is kept, not fatal."""
    entries, warnings = [], []
    for name in plan.workloads:
        try:
            entries.append(measure_one(name, device, plan, progress))
        except JoulebenchError as exc:
            warnings.append(_not_measured(name, device, str(exc)))
        except Exception as exc:  # e.g. out of device memory: keep the other workloads
            log.debug("%s on %s failed", name, device.id, exc_info=True)
            warnings.append(_not_measured(name, device, f"{type(exc).__name__}: {exc}"))
    return entries, warnings


def _not_measured(name: str, device: Device, why: str) -> str:
    msg = f"{name} on {device.id} not measured: {' '.join(why.split())}"
    log.error(msg)
    return msg


def measure_in_subprocesses(plan: RunPlan) -> tuple[list[dict], list[str]]:
    """One process per GPU, concurrently; each writes its own result, merged here."""
    with tempfile.TemporaryDirectory(prefix="joulebench-run-") as tmp:
        procs = []
        for i, dev in enumerate(plan.devices):
            out = Path(tmp) / f"{i}-{dev.id.replace(':', '')}"
            cmd = [sys.executable, "-m", "bench", "run", "--device", dev.id, "--out", str(out)]
            cmd += ["--workloads", ",".join(plan.workloads), "--scenario", plan.scenario_spec]
            cmd += ["--no-report", "--quiet"] + (["--quick"] if plan.quick else [])
            for name, params in plan.overrides.items():
                cmd += [a for k, v in params.items() for a in ("--set", f"{name}.{k}={v}")]
            for key, value in plan.measure.items():
                cmd += [f"--{key.replace('_', '-')}", str(value)]
            procs.append((dev, out, subprocess.Popen(cmd, stdin=subprocess.DEVNULL)))
        entries, warnings = [], []
        for dev, out, proc in procs:
            proc.wait()
            docs = sorted(out.glob("*.json")) if out.exists() else []
            if proc.returncode not in (0, 1) or not docs:
                warnings.append(f"{dev.id}: measuring process failed (status {proc.returncode})")
                continue
            doc = results.read_result(docs[0])
            entries += [_reprice(entry, plan.scenario) for entry in doc["workloads"]]
            warnings += doc.get("warnings", [])
        return entries, warnings


def _reprice(entry: dict, scenario: Any) -> dict:
    """Price a child process's entry under the parent's scenario (overrides included)."""
    from bench.report.pricing import price_entry

    entry["economics"], entry["asic_references"] = price_entry(entry, scenario)
    return entry


def execute(plan: RunPlan, progress: ProgressFn | None = None) -> tuple[dict, Path, Path | None]:
    """Measure everything in the plan; write the result (and report); return (doc, paths)."""
    environment = results.collect_environment(plan.devices)
    if len(plan.devices) > 1:
        entries, warnings = measure_in_subprocesses(plan)
    else:
        entries, warnings = measure_device(plan.devices[0], plan, progress)
    doc = results.build_result(environment, plan.scenario, entries, warnings)
    json_path = results.write_result(doc, plan.out_dir)
    html_path = None
    if plan.write_report:
        from bench.report import render_html

        html_path = results.atomic_write_text(json_path.with_suffix(".html"), render_html(doc))
    return doc, json_path, html_path

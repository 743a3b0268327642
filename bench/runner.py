"""`joulebench run`: plan (validate everything first), measure each workload, price, write.

Data flow: devices -> for each workload, in a child process of its own: setup -> verify ->
warm up -> measured windows under the meter -> Measurement; here: price it under the scenario
-> check the entry -> write the result. Every check of the user's input happens in `plan_run`,
before any work starts. The result is written after each workload (created under a name of its
own, then replaced atomically), so a run cut short keeps every entry measured so far, and its
`status` says which workloads failed and which were not reached.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import fleet
from bench import result as results
from bench.devices import Device
from bench.errors import InvalidInput, JoulebenchError, RunInterrupted
from bench.result.status import Failure, Status
from bench.workers import (
    Child,
    Job,
    JobFailed,
    MeterFactory,
    default_meter_factory,
    run_in_process,
)

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
    isolate: bool = True  # one child process per workload
    scenario_overrides: dict[str, Any] = field(default_factory=dict)  # given on the command line

    def jobs(self) -> list[Job]:
        """Every (workload, device) pair of the run, device by device, in order."""
        from bench.workloads import base

        out = []
        for device in self.devices:
            for name in self.workloads:
                cls = base.get(name)
                params = {**cls.default_params(device, self.quick), **self.overrides.get(name, {})}
                out.append(Job(cls, device, params, dict(self.measure), self.quick))
        return out


def resolve_devices(spec: str | None) -> list[Device]:
    """`None` -> the best device; "all" -> every GPU (or the CPU when there is none)."""
    from bench.devices import best_device, find_devices, get_device

    spec = fleet.rank_device(spec)  # under a launcher: this rank's GPU (bench.fleet)
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
    if spec is None:
        return [w for w in DEFAULT_SUITE if w in known]
    chosen = [w.strip() for w in spec.split(",") if w.strip()]
    if not chosen:
        raise InvalidInput("--workloads names no workload")
    for name in chosen:
        base.get(name)  # raises UnknownWorkload with the list of known names
    return list(dict.fromkeys(chosen))


def check_out_dir(out_dir: Path) -> Path:
    """Create the output folder, prove it is writable, sweep what a killed run left there."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f"{results.TEMP_PREFIX}probe-{os.getpid()}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write to output folder {out_dir}: {exc.strerror or exc}"
        ) from None
    results.sweep_temp_files(out_dir)
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


def check_plan_settings(plan: RunPlan) -> None:
    """Build every workload and measurement config once (cheap): bad parameters fail now."""
    from bench.measure import MeasureConfig

    for name in plan.overrides:
        if name not in plan.workloads:
            raise InvalidInput(f"--set names {name!r}, which is not in this run's workloads")
    for device in plan.devices:
        try:
            MeasureConfig.for_device(device, quick=plan.quick, **plan.measure)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, JoulebenchError):
                raise
            raise InvalidInput(f"measurement settings: {exc}") from None
    for job in plan.jobs():
        # only the workload's own parameters: a constructor argument such as sha256d's backend
        # (an object the caller builds) is not a --set key
        known = job.workload.default_params(job.device, plan.quick)
        unknown = sorted(set(plan.overrides.get(job.name, {})) - set(known))
        if unknown:
            raise InvalidInput(
                f"{job.name}: unknown parameter {', '.join(unknown)} (known: {', '.join(known)})"
            )
        job.workload(job.device, **job.params)  # checks every parameter's type and range


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
    isolate: bool = True,
) -> RunPlan:
    """Validate the request: devices, workloads and their parameters, scenario, output folder."""
    from bench.econ import load_scenario

    if not str(out_dir).strip():  # Path("") is the current folder: never what was meant
        raise InvalidInput("--out is empty: give the folder for the result")
    scen = load_scenario(scenario, **(scenario_overrides or {}))
    names = resolve_workloads(workloads)
    devices = resolve_devices(device)
    plan = RunPlan(devices, names, quick, scen, Path(out_dir), write_report, scenario)
    plan.overrides = parse_settings(settings)
    plan.measure = {k: v for k, v in (measure or {}).items() if v is not None}
    plan.isolate = isolate
    plan.scenario_overrides = {k: v for k, v in (scenario_overrides or {}).items() if v is not None}
    return check_plan(plan)


def check_plan(plan: RunPlan) -> RunPlan:
    """Check a plan built elsewhere (a rank's plan file) as plan_run checks its own."""
    check_plan_settings(plan)
    check_out_dir(plan.out_dir)
    return plan


# --- pricing and checking one entry ------------------------------------------------------


def make_entry(
    job: Job, measurement: dict, scenario: Any, environment: dict
) -> tuple[dict, list[str]]:
    """The priced result entry of a measurement, checked as the file will check it.

    Raises JobFailed when the entry could not be written (a negative rate, a NaN...), so that
    one bad workload is dropped and named while the others are kept. Returns its warnings too.
    """
    try:
        entry = results.workload_entry(measurement, job.device, {}, [])
        entry["economics"], entry["asic_references"] = _price(entry, scenario)
        probe = results.build_result(environment, scenario, [entry])
        results.validate(probe)
        json.dumps(entry, allow_nan=False)
    except JoulebenchError as exc:
        raise JobFailed(f"its entry cannot be written: {exc}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise JobFailed(f"its entry cannot be written: {type(exc).__name__}: {exc}") from None
    return entry, _entry_warnings(job, entry)


def _price(entry: dict, scenario: Any) -> tuple[dict, list[dict]]:
    from bench.econ.pricing import price_entry

    return price_entry(entry, scenario)


def _entry_warnings(job: Job, entry: dict) -> list[str]:
    units = sum(w.get("units", 0) or 0 for w in entry.get("windows", []))
    if entry.get("windows") and units == 0:
        return [
            f"{job.name} on {job.device.id} completed 0 {job.workload.unit}s in its measured "
            "windows: its rates are zero; check its parameters"
        ]
    return []


# --- the run -----------------------------------------------------------------------------


STALE_SCENARIO_DAYS = 180  # market figures older than this at run time are likely stale


def stale_scenario_warning(scenario: Any, today: datetime.date | None = None) -> list[str]:
    """A warning when the scenario's date is more than STALE_SCENARIO_DAYS before today."""
    text = str(getattr(scenario, "date", "") or "")
    try:
        parts = [int(p) for p in text.split("-")[:3]]
        dated = datetime.date(*(parts + [1] * (3 - len(parts))))  # "2025-11" as its first day
    except (ValueError, TypeError):
        return []
    age = ((today or datetime.date.today()) - dated).days
    if age <= STALE_SCENARIO_DAYS:
        return []
    return [
        f"scenario {scenario.name} is dated {text}, {age} days before this run: its BTC price, "
        "difficulty and token prices are likely stale; pass a newer scenario (--scenario FILE) "
        "or override them (--btc-price, --difficulty)"
    ]


class RunLog:
    """The run as it goes: entries, failures, warnings, and its result file, saved each time."""

    def __init__(self, plan: RunPlan, jobs: list[Job]) -> None:
        self.plan = plan
        self.environment = results.collect_environment(plan.devices)
        self.pending = list(jobs)
        self.entries: list[dict] = []
        self.failed: list[dict[str, str]] = []
        self.warnings: list[str] = stale_scenario_warning(plan.scenario)
        self.path: Path | None = None

    def done(self, job: Job, measurement: dict | None, error: str | None) -> None:
        """Record one finished job and save the result with it."""
        self.pending.remove(job)
        if measurement is not None:
            try:
                entry, warnings = make_entry(job, measurement, self.plan.scenario, self.environment)
                self.entries.append(entry)
                self.warnings += warnings
            except JobFailed as exc:
                error = str(exc)
        if error is not None:
            why = " ".join(error.split())
            self.failed.append(Failure(job.name, job.device.id, why))
            self.warnings.append(f"{job.name} on {job.device.id} not measured: {why}")
            log.error(self.warnings[-1])
        self.save()

    def status(self, interrupted: bool = False) -> Status:
        """What failed and what is not (yet) measured: a file saved mid-run is partial, so a
        run killed outright (SIGKILL, out of memory) still says what it did not reach."""
        several = len(self.plan.devices) > 1
        not_reached = [f"{j.name} on {j.device.id}" if several else j.name for j in self.pending]
        return Status.of(self.failed, not_reached, interrupted)

    def document(self, interrupted: bool = False) -> dict:
        return fleet.stamp(  # the rank record and each entry's energy scope (bench.fleet)
            self._document(interrupted)
        )

    def _document(self, interrupted: bool) -> dict:
        return results.build_result(
            self.environment,
            self.plan.scenario,
            self.entries,
            self.warnings,
            status=self.status(interrupted),
        )

    def save(self, interrupted: bool = False) -> dict:
        """Write the result as it stands: a new file the first time, replaced after."""
        doc = self.document(interrupted)
        if self.path is None:
            self.path = results.write_result(doc, self.plan.out_dir, fleet.result_name())
        else:
            results.rewrite_result(doc, self.path)
        return doc


def _run_isolated(
    jobs: list[Job], run: RunLog, meter_factory: MeterFactory, progress: ProgressFn | None
) -> None:
    """Each job in a child process of its own, one after the other (one device per run:
    several devices are ranks of their own, bench.fleet.local). A child silent for longer than
    MeasureConfig.silence_bound_s() is stopped and its workload recorded as failed."""
    from bench.measure import MeasureConfig

    for job in jobs:
        _step(progress, job, "setup")
        config = MeasureConfig.for_device(job.device, job.quick, **job.measure)
        child = Child(job, meter_factory, _job_progress(progress, job))
        try:
            child.wait(config.silence_bound_s())
        finally:
            child.stop()  # at once on an interrupt; a no-op once it has ended
        run.done(job, child.measurement, child.error)
        _step(progress, job, "done")


def _run_here(
    jobs: list[Job], run: RunLog, meter_factory: MeterFactory, progress: ProgressFn | None
) -> None:
    """Each job in this process, one after the other (no isolation)."""
    for job in jobs:
        _step(progress, job, "setup")
        try:
            measurement = run_in_process(job, meter_factory, _job_progress(progress, job))
            run.done(job, measurement, None)
        except JobFailed as exc:
            run.done(job, None, str(exc))
        _step(progress, job, "done")


def _step(progress: ProgressFn | None, job: Job, stage: str) -> None:
    if progress:
        progress(job.device.id, job.name, stage, 0 if stage == "setup" else 1, 1)


def _job_progress(progress: ProgressFn | None, job: Job):
    if progress is None:
        return None
    return lambda stage, done, total: progress(job.device.id, job.name, stage, done, total)


def execute(
    plan: RunPlan,
    progress: ProgressFn | None = None,
    meter_factory: MeterFactory | None = None,
) -> tuple[dict, Path | None, Path | None]:
    """Measure everything in the plan, saving the result after each workload; then the report.

    Returns (doc, result path, report path). An interrupt (Ctrl-C, SIGTERM) raises
    RunInterrupted saying what was kept: the result with every entry so far, never the report.
    """
    if len(plan.devices) > 1:  # --device all: one rank per device, as srun starts them
        return fleet.local.execute(plan)
    jobs = plan.jobs()
    run = RunLog(plan, jobs)
    measure = _run_isolated if plan.isolate else _run_here
    factory = meter_factory or default_meter_factory
    try:
        measure(jobs, run, factory, progress)
    except KeyboardInterrupt as exc:
        raise _interrupted(run, exc) from None
    doc = run.document()
    if run.path is None:  # a plan with no jobs
        run.path = results.write_result(doc, plan.out_dir, fleet.result_name())
    html_path = None
    if plan.write_report:
        html_path = _write_report(doc, run.path)
    return doc, run.path, html_path


def _write_report(doc: dict, json_path: Path) -> Path:
    from bench.report import render_html

    html_path = json_path.with_suffix(".html")
    try:
        return results.atomic_write_text(html_path, render_html(doc))
    except KeyboardInterrupt as exc:
        raise RunInterrupted(json_path, len(doc["workloads"]), len(doc["workloads"]), exc) from None
    except JoulebenchError as exc:
        raise JoulebenchError(f"result kept at {json_path}; report not written: {exc}") from None


def _interrupted(run: RunLog, exc: BaseException) -> RunInterrupted:
    """Save what was measured with status interrupted; say where it is."""
    planned = len(run.entries) + len(run.failed) + len(run.pending)
    if run.path is not None:
        run.save(interrupted=True)
    return RunInterrupted(run.path, len(run.entries), planned, exc)

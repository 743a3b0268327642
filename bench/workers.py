"""One workload measured in a child process of its own (spawned), or in this process.

A Job is all a child gets: the workload class, the device, its checked parameters and the
measurement settings; the meter factory comes with it (a picklable callable). The child sends
its progress and its Measurement dict back through a pipe and nothing else, so a segfault, an
abort, a SystemExit or a poisoned CUDA context ends that job alone, with a reason; each job
starts with a clean CUDA context and clean device memory.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.devices import Device
from bench.errors import JoulebenchError

log = logging.getLogger(__name__)

# progress(stage, done, total) for one job; stage is "idle", "warmup" or "windows".
JobProgress = Callable[[str, float, float], None]
MeterFactory = Callable[[Device], Any]  # Device -> an EnergyMeter


class JobFailed(JoulebenchError):
    """A job ended without a measurement; the message says why (its error or its exit)."""


@dataclass(frozen=True)
class Job:
    """One workload on one device, as planned and checked."""

    workload: type  # a bench.workloads.base.Workload subclass
    device: Device
    params: dict[str, Any]
    measure: dict[str, Any] = field(default_factory=dict)  # MeasureConfig overrides
    quick: bool = False

    @property
    def name(self) -> str:
        return self.workload.name


def default_meter_factory(device: Device) -> Any:
    """The meter this rank may read for the device (bench.telemetry's, via bench.fleet)."""
    from bench.fleet import meter_for

    return meter_for(device)


def measure_job(job: Job, meter_factory: MeterFactory, progress: JobProgress | None) -> dict:
    """Set up, verify and measure one job here; returns its Measurement dict."""
    from bench.measure import MeasureConfig, run_workload

    workload = job.workload(job.device, **job.params)
    config = MeasureConfig.for_device(job.device, quick=job.quick, **job.measure)
    meter = meter_factory(job.device)
    return run_workload(workload, meter, config, progress).to_dict()


def run_in_process(job: Job, meter_factory: MeterFactory, progress: JobProgress | None) -> dict:
    """measure_job, with any failure of the workload turned into JobFailed."""
    try:
        return measure_job(job, meter_factory, progress)
    except JoulebenchError as exc:
        raise JobFailed(str(exc)) from None
    except Exception as exc:  # e.g. out of device memory: this job fails, the run goes on
        log.debug("%s on %s failed", job.name, job.device.id, exc_info=True)
        raise JobFailed(f"{type(exc).__name__}: {exc}") from None


def _child_main(
    conn: Any, job: Job, meter_factory: MeterFactory, log_level: int | None, parent_pid: int
) -> None:
    """Entry point of a child process: measure, send the result, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a child stops
    _die_with_parent(parent_pid)
    if log_level is not None:  # the parent logs to stderr (joulebench -v): so does the child
        from bench.console import CleanFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(CleanFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger("bench").addHandler(handler)
        logging.getLogger("bench").setLevel(log_level)
    conn.send(("ready",))  # the job (and its workload's module) is imported: start-up is over
    try:
        doc = run_in_process(job, meter_factory, lambda *a: conn.send(("progress", *a)))
        conn.send(("measurement", doc))
    except JobFailed as exc:
        conn.send(("failed", str(exc)))
    finally:
        conn.close()


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel send SIGKILL here when the parent dies (SIGKILL, OOM killer), so
    no orphan keeps a GPU busy; elsewhere the child ends at its next message to the parent."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the call above
        os._exit(1)


class Child:
    """A job running in a spawned process; poll() until done, then .measurement or .error."""

    def __init__(self, job: Job, meter_factory: MeterFactory, progress: JobProgress | None):
        ctx = multiprocessing.get_context("spawn")
        self.job, self.progress = job, progress
        self._started = time.perf_counter()
        self.startup_s: float | None = None  # spawn and imports, until the child is ready
        self._conn, child_conn = ctx.Pipe(duplex=False)
        logger = logging.getLogger("bench")
        shown = any(getattr(h, "_joulebench", False) for h in logger.handlers)
        level = logger.getEffectiveLevel() if shown else None
        self._proc = ctx.Process(
            target=_child_main,
            args=(child_conn, job, meter_factory, level, os.getpid()),
            name=f"joulebench-{job.name}",
            daemon=True,
        )
        self._proc.start()
        child_conn.close()
        self.measurement: dict | None = None
        self.error: str | None = None
        self._heard = self._started  # when the child last sent anything (or was started)

    def wait(self, stall_s: float | None = None, tick_s: float = 0.2) -> None:
        """Handle the child's messages until it ends; when it sends nothing for stall_s
        seconds (a hang in setup or in a window), stop it: its error says so."""
        while not self.poll(tick_s):
            silent_s = time.perf_counter() - self._heard
            if stall_s is not None and silent_s > stall_s:
                self.stop()
                self.error = (
                    f"its process showed no progress for {silent_s:.0f} s (bound {stall_s:g} s: "
                    "--stall-s plus its longest stage) and was stopped: hung in setup or a window?"
                )
                return

    def poll(self, timeout_s: float) -> bool:
        """Handle what the child sent within timeout_s; True once it has finished."""
        if self._conn.poll(timeout_s):
            try:
                kind, *body = self._conn.recv()
            except (EOFError, OSError):
                return self._ended()
            self._heard = time.perf_counter()
            if kind == "ready":
                self.startup_s = time.perf_counter() - self._started
                log.info("%s: child process ready in %.2f s", self.job.name, self.startup_s)
            elif kind == "progress" and self.progress:
                self.progress(*body)
            elif kind == "measurement":
                self.measurement = body[0]
            elif kind == "failed":
                self.error = body[0]
            return False
        return self._ended() if not self._proc.is_alive() else False

    def _ended(self) -> bool:
        self._proc.join(5)
        self._conn.close()
        if self.measurement is None and self.error is None:
            self.error = exit_reason(self._proc.exitcode)
        return True

    def stop(self) -> None:
        """End the child now (interrupt): SIGTERM, then SIGKILL if it lingers."""
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(5)
        with contextlib.suppress(OSError):
            self._conn.close()


def exit_reason(code: int | None) -> str:
    """Why a child ended without a result, from its exit code."""
    if code is None:
        return "its process did not end"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its process was killed by {name}"
    return f"its process exited with status {code} before sending a result"

"""The miner check: verify the CUDA kernel, time its variants, measure it through the harness.

Phases, in this order, each saved (atomically) the moment it completes: the environment; idle
power through the device's meter while the GPU is still cool; verification against hashlib
(known blocks, an exhaustive easy-target scan); the kernel variants timed interleaved
(A B C A B C, equal time each, on the harness's timing loop) and chosen by median; the
sha256d workload on the chosen variant through bench.measure, every window saved as it is
measured; the power sampler's own cost over the whole run. A phase that fails or is cut
(SIGTERM, as `timeout` sends) is recorded as such, with the phases not reached.
"""

from __future__ import annotations

import random
import signal
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import VerificationFailed
from bench.mining.header import Header, sha256d, target_from_zero_bits
from bench.mining.known import KNOWN_BLOCKS
from gpucheck.store import save_json

SCHEMA = "joulebench.gpu-check-miner/4"
MINER_FILE = "gpu-check-miner.json"
PHASES = ("environment", "idle", "verification", "variants", "measurement", "sampler_cost")
# Kernel variants timed: (threads per block, nonces per thread, IMAD level)
SHAPES = ((256, 32, 0), (256, 32, 1), (256, 32, 2), (256, 64, 2), (128, 32, 2), (512, 32, 2))


@dataclass(frozen=True)
class Settings:
    """How long each phase takes; the defaults fit an H200 in about 70 s."""

    device: int = 0
    window_s: float = 5.0
    windows: int = 5
    warmup_s: float = 10.0
    idle_s: float = 3.0
    slice_s: float = 0.25  # each variant's share of one round
    rounds: int = 4  # timed rounds after one warm-up round
    job_nonces: int = 2**29
    verify_span: int = 2**16
    scan_nonces: int = 2**17
    sampler_hz: float = 50.0
    shapes: tuple[tuple[int, int, int], ...] = SHAPES


class Cut(Exception):
    """SIGTERM arrived (the step's time limit): record what was done and stop."""


def _on_term(signum: int, frame: Any) -> None:
    raise Cut(f"signal {signum} (the step's time limit)")


class CheckDoc:
    """The check's document, saved after every change; names each phase's state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc: dict[str, Any] = {
            "schema": SCHEMA,
            "status": "running",
            "phases": dict.fromkeys(PHASES, "not reached"),
        }
        self.save()

    def save(self) -> None:
        save_json(self.path, self.doc)

    def run(self, phase: str, fn, *args: Any, doc=lambda value: value) -> Any:
        """fn(*args) as `phase`: doc(value) saved on success, the failure or cut otherwise."""
        self.doc["phases"][phase] = "running"
        self.save()
        started = time.perf_counter()
        try:
            value = fn(*args)
        except Cut as exc:
            self.end(phase, "cut", str(exc))
            raise
        except Exception as exc:
            self.end(phase, "failed", f"{type(exc).__name__}: {exc}")
            raise
        self.doc[phase] = doc(value)
        self.doc["phases"][phase] = "ok"
        self.doc.setdefault("phase_seconds", {})[phase] = round(time.perf_counter() - started, 3)
        self.save()
        return value

    def end(self, phase: str, status: str, reason: str) -> None:
        self.doc["phases"][phase] = f"{status}: {reason}"
        self.doc["status"] = status
        self.save()

    def window(self, window: Any) -> None:
        """One measured window, saved at once (a cut run keeps the windows it measured)."""
        self.doc.setdefault("windows_so_far", []).append(window.to_dict())
        self.save()


def check_kernel(miner: Any, settings: Settings) -> list[str]:
    """Known blocks, an exhaustive easy-target scan and overflow, against hashlib."""
    lines = []
    half = settings.verify_span // 2
    for block in KNOWN_BLOCKS:
        header = Header.from_hex(block.header_hex)
        res = miner.search(header.to_bytes(), block.nonce - half, 2 * half, header.target)
        got = [(f.nonce, f.hash_hex) for f in res.found]
        if res.overflow or got != [(block.nonce, block.hash_hex)]:
            raise VerificationFailed(f"{block.name}: found {got}, expected {block.nonce}")
        lines.append(f"{block.name}: nonce {block.nonce} found, hash {block.hash_hex}")
    rng = random.Random(20251129)
    raw = bytes(rng.getrandbits(8) for _ in range(80))
    count = settings.scan_nonces
    start, target = rng.randrange(2**32 - count), target_from_zero_bits(10)
    expected = [
        n
        for n in range(start, start + count)
        if int.from_bytes(sha256d(raw[:76] + n.to_bytes(4, "little")), "little") <= target
    ]
    res = miner.search(raw, start, count, target)
    if res.overflow or [f.nonce for f in res.found] != expected:
        raise VerificationFailed(
            f"random header, 10 zero bits: {len(res.found)} found, hashlib scan {len(expected)}"
        )
    lines.append(f"random header: {len(expected)} hits in {count} nonces, equal to hashlib")
    return lines


def sha256d_on(device: Any, miner: Any, settings: Settings):
    """The registered sha256d workload with this miner as its backend, set up."""
    from bench.workloads.mining import Sha256dWorkload

    workload = Sha256dWorkload(
        device, backend=miner, job_nonces=settings.job_nonces, verify_span=settings.verify_span
    )
    workload.setup()
    return workload


def cuda_miner(device_index: int, shape: tuple[int, int, int]) -> Any:
    """A CUDA miner built for one kernel shape."""
    from bench.mining.cuda import CudaMiner, KernelConfig

    return CudaMiner(device_index, config=KernelConfig(*shape))


def time_variants(
    device: Any, settings: Settings, build=cuda_miner, clock=time.perf_counter
) -> tuple[Any, dict]:
    """Every variant built, then timed interleaved (a warm-up round, then `rounds` rounds of
    A B C ..., slice_s each, on bench.measure's timing loop); the fastest by median."""
    from bench.measure.loop import run_for

    miners = [build(settings.device, shape) for shape in settings.shapes]
    loads = [sha256d_on(device, m, settings) for m in miners]
    rates: list[list[float]] = [[] for _ in miners]
    for round_ in range(settings.rounds + 1):
        for i, workload in enumerate(loads):
            units, elapsed_s = run_for(workload, clock, settings.slice_s)
            if round_:  # round 0 warms the clocks
                rates[i].append(units / elapsed_s)
    rows = [
        {
            "variant": m.config.label,
            "median_hs": statistics.median(r),
            "rates_hs": r,
            "registers_per_thread": m.kernel.num_regs,
            "occupancy": m.occupancy,
        }
        for m, r in zip(miners, rates, strict=True)
    ]
    best = max(range(len(rows)), key=lambda i: rows[i]["median_hs"])
    doc = {"slice_s": settings.slice_s, "rounds": settings.rounds, "rows": rows}
    return miners[best], {**doc, "chosen": rows[best]["variant"]}


def measure_config(settings: Settings):
    """Exactly `windows` windows of `window_s` after a bounded warm-up (idle is given)."""
    from bench.measure import MeasureConfig

    warm = max(settings.warmup_s, 0.01)
    return MeasureConfig(
        window_s=settings.window_s,
        min_windows=settings.windows,
        max_windows=settings.windows,
        timeout_s=2 * settings.windows * settings.window_s + 10.0,
        idle_s=settings.idle_s,
        idle_chunk_s=min(1.0, settings.idle_s / 2) if settings.idle_s > 0 else 1.0,
        warmup_min_s=min(3.0, warm),
        warmup_max_s=warm,
        warmup_chunk_s=min(1.0, warm),
    )


def environment(cupy: Any, device: Any, miner: Any) -> dict:
    """The environment every result records, plus this check's CUDA facts."""
    from bench.mining.cuda_build import source_hash
    from bench.result import collect_environment

    rt = cupy.cuda.runtime
    props = rt.getDeviceProperties(device.index)
    name = props["name"]
    env = collect_environment([device])
    env["cuda"] = {
        "gpu": name.decode() if isinstance(name, bytes) else name,
        "compute_capability": f"{props['major']}.{props['minor']}",
        "sm_count": props["multiProcessorCount"],
        "driver_cuda_version": rt.driverGetVersion(),
        "runtime_cuda_version": rt.runtimeGetVersion(),
        "kernel_source_sha256": source_hash(),
        "kernel_path": miner.path,
    }
    return env


def run_check(settings: Settings, record: CheckDoc) -> None:
    """Every phase in order, each saved as it completes."""
    from bench.devices import get_device
    from bench.measure import measure_workload
    from bench.measure.loop import measure_idle
    from bench.mining.cuda import import_cupy
    from bench.telemetry import meter_for

    cupy = import_cupy()
    first = cuda_miner(settings.device, settings.shapes[0])
    device = get_device(f"cuda:{settings.device}")
    record.run("environment", environment, cupy, device, first)
    meter = meter_for(device, hz=settings.sampler_hz)
    config = measure_config(settings)
    meter.start()  # measures the counter's update period; the sampler runs from here on
    try:
        idle = record.run("idle", measure_idle, meter, config, None, doc=_idle_doc)
        record.run("verification", check_kernel, first, settings)
        chosen, _ = record.run("variants", time_variants, device, settings, doc=lambda v: v[1])
        workload = sha256d_on(device, chosen, settings)
        m = record.run(
            "measurement",
            lambda: measure_workload(workload, meter, config, idle=idle, on_window=record.window),
            doc=lambda m: m.to_dict(),
        )
        record.doc["kernel"] = chosen.describe()
        record.run("sampler_cost", lambda: dict(m.context.get("sampler_cost") or {}))
    finally:
        meter.stop()


def _idle_doc(idle: Any) -> dict:
    return {**idle.to_dict(), "when": "before verification and the variant sweep (GPU cool)"}


def main(settings: Settings, out: Path) -> int:
    """Run the check into out/gpu-check-miner.json; 0 passed, 1 failed, 124 cut, 2 no GPU."""
    from bench.errors import DeviceUnavailable

    signal.signal(signal.SIGTERM, _on_term)
    record = CheckDoc(out / MINER_FILE)
    try:
        run_check(settings, record)
    except Cut as exc:
        if record.doc["status"] == "running":  # cut between phases (or before the first)
            record.end(_current(record), "cut", str(exc))
        return 124
    except DeviceUnavailable as exc:
        record.end(_current(record), "skipped", str(exc))
        print(f"gpu-check miner: no usable GPU: {exc}")
        return 2
    except Exception as exc:
        if record.doc["status"] == "running":
            record.end(_current(record), "failed", f"{type(exc).__name__}: {exc}")
        raise
    record.doc["status"] = "ok"
    record.save()
    return 0


def _current(record: CheckDoc) -> str:
    phases = record.doc["phases"]
    return next((p for p, s in phases.items() if s in ("running", "not reached")), PHASES[0])


def chosen_shape(doc: dict | None) -> tuple[int, int, int] | None:
    """The kernel shape the check chose (its variants phase), or None where it chose none."""
    label = ((doc or {}).get("variants") or {}).get("chosen")
    from bench.mining.cuda import KernelConfig

    return next((s for s in SHAPES if KernelConfig(*s).label == label), None)


def profile_target(out: Path, launches: int = 4) -> int:
    """Launches for a profiler (scripts/gpu-check.sh runs ncu on the third): the variant the
    check chose, each launch sized as the miner sizes them at the rate the check measured,
    each waited for. 0 done, 2 no chosen variant (the miner step did not get that far)."""
    from bench.mining.cuda import CudaMiner, KernelConfig
    from bench.mining.precompute import precompute
    from gpucheck.store import load_json

    doc = load_json(out / MINER_FILE)
    shape = chosen_shape(doc)
    if shape is None:
        print("gpu-check profile: the miner check chose no kernel variant; nothing to profile")
        return 2
    rows = {r["variant"]: r for r in doc["variants"].get("rows", [])}
    rate_hs = rows.get(KernelConfig(*shape).label, {}).get("median_hs") or 1e9
    miner = CudaMiner(0, config=KernelConfig(*shape))
    count = miner.size_launch(rate_hs)
    pre = precompute(bytes(80))
    for _ in range(launches):  # the same nonces each time: the profile needs no new ones
        miner.launch(pre, 0, count, 0)
        miner.stream.synchronize()
    label = KernelConfig(*shape).label
    print(f"gpu-check profile: {launches} launches of {count} nonces, variant {label}")
    return 0

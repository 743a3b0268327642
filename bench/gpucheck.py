"""`make gpu-check`: check the CUDA miner on this GPU, then measure its hashrate and energy.

Run as `python -m bench.gpucheck --out DIR` on a machine with an NVIDIA GPU, CuPy and
nvidia-ml-py (no network needed). It verifies the kernel against hashlib (known blocks, an
exhaustive easy-target scan, overflow), times each kernel shape briefly, then mines with the
fastest for at least --seconds over ever-new headers while NVML reads the energy counter and
samples board power, and writes one JSON result (results/ and DIR). A printing tool: exit 0
when everything passed, 1 when a check failed, 2 when there is no usable GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import __version__
from bench.errors import DeviceUnavailable, VerificationFailed
from bench.mining.cuda_build import source_hash
from bench.mining.header import Header, sha256d, target_from_zero_bits
from bench.mining.known import KNOWN_BLOCKS
from bench.mining.work import WorkGenerator

# Kernel variants timed before the measurement: (threads per block, nonces per thread, IMAD level)
SHAPES = ((256, 32, 0), (256, 32, 1), (256, 32, 2), (256, 64, 2), (128, 32, 2), (512, 32, 2))
SCHEMA = "joulebench.gpu-check/1"


def _say(text: str) -> None:
    print(text, flush=True)


def open_gpu(device_index: int):
    """The CuPy module and a CudaMiner, or DeviceUnavailable."""
    from bench.mining.cuda import CudaMiner, import_cupy

    cupy = import_cupy()
    return cupy, CudaMiner(device_index)


def check_kernel(miner) -> list[str]:
    """Known blocks, an exhaustive easy-target scan and overflow, against hashlib."""
    lines = []
    for block in KNOWN_BLOCKS:
        header = Header.from_hex(block.header_hex)
        res = miner.search(header.to_bytes(), block.nonce - 5000, 10_000, header.target)
        got = [(f.nonce, f.hash_hex) for f in res.found]
        if res.overflow or got != [(block.nonce, block.hash_hex)]:
            raise VerificationFailed(f"{block.name}: found {got}, expected {block.nonce}")
        lines.append(f"{block.name}: nonce {block.nonce} found, hash {block.hash_hex}")
    rng = random.Random(20251129)
    raw = bytes(rng.getrandbits(8) for _ in range(80))
    start, count, target = rng.randrange(2**32 - 2**17), 2**17, target_from_zero_bits(10)
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
    lines.append(f"random header: {len(expected)} hits in 2**17 nonces, equal to hashlib")
    return lines


class NvmlMeter:
    """Board energy and power through NVML for one window.

    To be replaced by bench.telemetry's meter; pynvml is used directly here only because that
    module was not ready when this check was written.
    """

    def __init__(self, device_index: int, period_s: float = 0.05) -> None:
        import pynvml

        pynvml.nvmlInit()
        self.nvml = pynvml
        self.handle = pynvml.nvmlDeviceGetHandleByIndex(device_index)
        self.period_s = period_s
        self.samples_w: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._energy0_mj = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples_w.append(self.nvml.nvmlDeviceGetPowerUsage(self.handle) / 1e3)
            self._stop.wait(self.period_s)

    def begin(self) -> None:
        """Start the window: read the energy counter, start the power sampler."""
        self.samples_w, self._stop = [], threading.Event()
        self._energy0_mj = self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def end(self, seconds: float) -> dict:
        """Close the window: energy from the counter and the sampled average power."""
        energy_j = (
            self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) - self._energy0_mj
        ) / 1e3
        self._stop.set()
        self._thread.join()
        samples = self.samples_w
        return {
            "energy_j": energy_j,
            "power_avg_w": energy_j / seconds if seconds > 0 else None,
            "power_sampled_avg_w": sum(samples) / len(samples) if samples else None,
            "power_samples": len(samples),
            "sample_period_s": self.period_s,
        }

    def state(self) -> dict:
        """Clocks, temperature, power limit and throttle reasons now."""
        n, h = self.nvml, self.handle
        return {
            "sm_clock_mhz": n.nvmlDeviceGetClockInfo(h, n.NVML_CLOCK_SM),
            "mem_clock_mhz": n.nvmlDeviceGetClockInfo(h, n.NVML_CLOCK_MEM),
            "temperature_c": n.nvmlDeviceGetTemperature(h, n.NVML_TEMPERATURE_GPU),
            "power_limit_w": n.nvmlDeviceGetEnforcedPowerLimit(h) / 1e3,
            "throttle_reasons_mask": n.nvmlDeviceGetCurrentClocksEventReasons(h)
            if hasattr(n, "nvmlDeviceGetCurrentClocksEventReasons")
            else n.nvmlDeviceGetCurrentClocksThrottleReasons(h),
        }


def mine_for(miner, seconds: float, job_nonces: int = 2**32) -> dict:
    """Search jobs (whole headers by default, extranonce rolled) for at least `seconds`."""
    template = Header.from_hex(KNOWN_BLOCKS[0].header_hex)
    hashes, found, started = 0, 0, time.perf_counter()
    for job in WorkGenerator(template, job_nonces, roll="extranonce"):
        res = miner.search(job.header, job.nonce_start, job.nonce_count, template.target)
        hashes, found = hashes + res.hashes, found + len(res.found)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return {
                "hashes": hashes,
                "seconds": elapsed,
                "hashrate_hs": hashes / elapsed,
                "blocks_found": found,
            }
    raise RuntimeError("work generator ended")


def occupancy(miner) -> dict:
    """Registers per thread and resident blocks and threads per SM."""
    return {
        "registers_per_thread": miner.kernel.num_regs,
        "block_threads": miner.config.block_threads,
        "blocks_per_sm": miner.blocks_per_sm,
        "occupancy": miner.occupancy,
        "occupancy_source": miner.occupancy_source,
        "local_bytes_per_thread": miner.kernel.local_size_bytes,
    }


def pick_shape(miner_cls, args) -> tuple[object, list[dict]]:
    """Each kernel variant mined briefly; the fastest miner and every variant's figures."""
    from bench.mining.cuda import KernelConfig

    best, rows = None, []
    for shape in SHAPES:
        miner = miner_cls(args.device, config=KernelConfig(*shape))
        rate = mine_for(miner, args.shape_s, args.job_nonces)["hashrate_hs"]
        regs = miner.kernel.num_regs
        rows.append(
            {
                "variant": miner.config.label,
                "registers_per_thread": regs,
                "occupancy": miner.occupancy,
                "hashrate_hs": rate,
            }
        )
        _say(f"  {miner.config.label}: {rate / 1e9:.3f} GH/s, {regs} registers/thread")
        if best is None or rate > best[0]:
            best = (rate, miner)
    return best[1], rows


def environment(cupy, device_index: int) -> dict:
    """GPU, driver, CUDA, CuPy, NVRTC, torch, host, git: what the figures depend on."""
    rt = cupy.cuda.runtime
    props = rt.getDeviceProperties(device_index)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    env = {
        "gpu": name,
        "compute_capability": f"{props['major']}.{props['minor']}",
        "sm_count": props["multiProcessorCount"],
        "driver_cuda_version": rt.driverGetVersion(),
        "runtime_cuda_version": rt.runtimeGetVersion(),
        "cupy": cupy.__version__,
        "python": platform.python_version(),
        "host": platform.node(),
        "joulebench": __version__,
        "kernel_source_sha256": source_hash(),
    }
    try:
        env["nvrtc_version"] = ".".join(map(str, cupy.cuda.nvrtc.getVersion()))
    except Exception as exc:  # only informative
        env["nvrtc_version"] = f"unknown ({exc})"
    try:
        import torch

        env["torch"] = torch.__version__
    except ImportError:
        env["torch"] = None
    env.update(_git())
    return env


def _git() -> dict:
    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10)
        return proc.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD") or None
        dirty = bool(git("status", "--porcelain")) if commit else None
        return {"git_commit": commit, "git_dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}


def measure(args, cupy, miner, meter) -> dict:
    """Idle power, shape choice, warm-up, then the measured window with NVML."""
    from bench.mining.cuda import CudaMiner

    doc: dict = {}
    if meter:
        meter.begin()
        time.sleep(args.idle_s)
        doc["idle"] = meter.end(args.idle_s)
        _say(f"idle board power: {doc['idle']['power_avg_w']:.1f} W")
    if not args.no_shapes:
        _say("kernel variants:")
        miner, doc["shapes"] = pick_shape(CudaMiner, args)
    mine_for(miner, args.warmup_s, args.job_nonces)
    doc["occupancy"] = occupancy(miner)
    doc["kernel"] = miner.describe()
    if meter:
        meter.begin()
    run = mine_for(miner, args.seconds, args.job_nonces)
    doc["mining"] = run
    doc["energy"] = meter.end(run["seconds"]) if meter else {"unmeasured": "NVML unavailable"}
    doc["state_after"] = meter.state() if meter else None
    power = doc["energy"].get("power_avg_w")
    doc["gh_s"] = run["hashrate_hs"] / 1e9
    doc["j_per_gh"] = power / doc["gh_s"] if power else None
    if power and "idle" in doc:
        doc["above_idle_j_per_gh"] = (power - doc["idle"]["power_avg_w"]) / doc["gh_s"]
    return doc


def report(doc: dict) -> None:
    """The figures a person reads."""
    occ, energy = doc["occupancy"], doc["energy"]
    _say(
        f"GPU: {doc['environment']['gpu']} (driver {doc['environment'].get('driver')}, "
        f"CUDA runtime {doc['environment']['runtime_cuda_version']})"
    )
    _say(f"hashrate: {doc['gh_s']:.3f} GH/s over {doc['mining']['seconds']:.1f} s")
    if "energy_j" in energy:
        _say(
            f"board power: {energy['power_avg_w']:.1f} W (energy counter), "
            f"{energy['power_sampled_avg_w']:.1f} W (mean of {energy['power_samples']} samples)"
        )
        _say(f"efficiency: {doc['j_per_gh']:.2f} J/GH")
    else:
        _say(f"board power: unmeasured ({energy['unmeasured']})")
    _say(
        f"registers/thread: {occ['registers_per_thread']}, occupancy "
        f"{occ['occupancy']:.0%} ({occ['blocks_per_sm']} blocks of {occ['block_threads']})"
    )


def write(doc: dict, out_dirs: list[Path]) -> list[Path]:
    """The result JSON into each folder; the paths written."""
    gpu = "".join(c if c.isalnum() else "-" for c in doc["environment"]["gpu"]).strip("-")
    name = f"gpu-check-{gpu.lower()}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    paths = []
    for folder in out_dirs:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(doc, indent=2) + "\n")
        paths.append(folder / name)
    return paths


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.gpucheck", description=__doc__)
    p.add_argument("--out", type=Path, default=None, help="also write the result here")
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--seconds", type=float, default=20.0, help="measured window (>= 20 s)")
    p.add_argument("--warmup-s", type=float, default=3.0)
    p.add_argument("--idle-s", type=float, default=3.0)
    p.add_argument("--shape-s", type=float, default=1.5, help="time per kernel shape")
    p.add_argument("--job-nonces", type=int, default=2**32, help="nonces per search call")
    p.add_argument("--no-shapes", action="store_true", help="use the default shape only")
    p.add_argument("--tests-rc", type=int, default=None, help="exit status of the GPU tests")
    p.add_argument("--preflight", action="store_true", help="only check that a GPU is usable")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the check; the exit status says how it went."""
    args = parse_args(argv)
    try:
        cupy, miner = open_gpu(args.device)
    except DeviceUnavailable as exc:
        print(f"gpu-check: no usable GPU: {exc}", file=sys.stderr)
        return 2
    if args.preflight:
        _say(f"gpu-check: {miner.path} ready, {miner.kernel.num_regs} registers/thread")
        return 0
    env = environment(cupy, args.device)
    try:
        meter = NvmlMeter(args.device)
        env["driver"] = meter.nvml.nvmlSystemGetDriverVersion()
    except Exception as exc:  # no NVML: hashrate still measured, energy says why not
        print(f"gpu-check: NVML unavailable, energy unmeasured: {exc}", file=sys.stderr)
        meter = None
    try:
        checks = check_kernel(miner)
    except VerificationFailed as exc:
        print(f"gpu-check: kernel verification FAILED: {exc}", file=sys.stderr)
        return 1
    for line in checks:
        _say(f"verified: {line}")
    doc = {
        "schema": SCHEMA,
        "environment": env,
        "verification": checks,
        "gpu_tests_exit_status": args.tests_rc,
        **measure(args, cupy, miner, meter),
    }
    report(doc)
    out_dirs = [Path("results")] + [p for p in (args.out, _env_out()) if p]
    for path in write(doc, list(dict.fromkeys(out_dirs))):
        _say(f"result written: {path}")
    return 0 if args.tests_rc in (None, 0) else 1


def _env_out() -> Path | None:
    out = os.environ.get("OUT")
    return Path(out) if out else None


if __name__ == "__main__":
    sys.exit(main())

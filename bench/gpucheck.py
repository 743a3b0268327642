"""`make gpu-check`, step 3: check the CUDA miner on this GPU, then measure it through telemetry.

Run as `python -m bench.gpucheck --dir DIR` on a machine with an NVIDIA GPU and CuPy (no
network needed). It verifies the kernel against hashlib (known blocks, an exhaustive
easy-target scan, overflow), times each kernel variant briefly and reads its registers and
occupancy, then measures the sha256d workload on the fastest variant with bench.measure and
bench.telemetry (idle power with the context alive, warm-up, 5 windows of 5 s on NVML's energy
counter with the power trace as a cross-check) and the power sampler's CPU cost, and writes
DIR/gpu-check-miner.json. NVML is reached only through bench.telemetry. A printing tool: exit
0 when everything passed, 1 when a check failed, 2 when there is no usable GPU.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from bench.errors import DeviceUnavailable, VerificationFailed
from bench.gpusummary import MINER_FILE, miner_figures
from bench.mining.cuda_build import source_hash
from bench.mining.header import Header, sha256d, target_from_zero_bits
from bench.mining.known import GENESIS, KNOWN_BLOCKS
from bench.mining.work import WorkGenerator
from bench.result import collect_environment, utc_now

# Kernel variants timed before the measurement: (threads per block, nonces per thread, IMAD level)
SHAPES = ((256, 32, 0), (256, 32, 1), (256, 32, 2), (256, 64, 2), (128, 32, 2), (512, 32, 2))
SCHEMA = "joulebench.gpu-check/3"  # 3: environment as bench.results records it


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


def gpu_name(cupy, device_index: int) -> str:
    """The GPU's name as the CUDA runtime reports it."""
    name = cupy.cuda.runtime.getDeviceProperties(device_index)["name"]
    return name.decode() if isinstance(name, bytes) else name


def environment(cupy, device: Any) -> dict:
    """The run's environment as every result records it (bench.results.collect_environment:
    devices, driver, packages, host, git, kernel sources), plus the CUDA facts of this check."""

    rt = cupy.cuda.runtime
    props = rt.getDeviceProperties(device.index)
    env = collect_environment([device])
    env.update(
        {
            "gpu": gpu_name(cupy, device.index),
            "driver": device.extra.get("driver_version") or env["nvidia"]["driver"],
            "compute_capability": f"{props['major']}.{props['minor']}",
            "sm_count": props["multiProcessorCount"],
            "driver_cuda_version": rt.driverGetVersion(),
            "runtime_cuda_version": rt.runtimeGetVersion(),
            "kernel_source_sha256": source_hash(),
        }
    )
    try:
        env["nvrtc_version"] = ".".join(map(str, cupy.cuda.nvrtc.getVersion()))
    except Exception as exc:  # only informative
        env["nvrtc_version"] = f"unknown ({exc})"
    return env


def chosen_miner_workload(device: Any, miner: Any, **params: Any):
    """The sha256d workload on a miner already built (the variant this check picked); the
    registered workload builds its own miner and tunes among fewer variants. Imported here:
    the workloads package loads torch, which the preflight must not need."""
    from bench.workloads.mining import Sha256dWorkload

    class ChosenMinerSha256d(Sha256dWorkload):
        def setup(self) -> None:
            self._miner = miner
            template = Header.from_hex(GENESIS.header_hex)
            self._jobs = iter(
                WorkGenerator(template, self.params["job_nonces"], roll=self.params["roll"])
            )

    return ChosenMinerSha256d(device, **params)


def gpu_device(index: int, name: str):
    """The Device cuda:N as discovery reports it (NVML facts), else a bare one (no energy)."""
    from bench.devices import Device, get_device

    try:
        return get_device(f"cuda:{index}")
    except DeviceUnavailable as exc:
        _say(f"gpu-check: NVML does not list cuda:{index} ({exc}); energy will be unmeasured")
        return Device(f"cuda:{index}", "cuda", name, index, energy_note=str(exc))


def measure_config(args: argparse.Namespace):
    """Exactly --windows windows of --window-s after idle power and a bounded warm-up."""
    from bench.measure import MeasureConfig

    warm = max(args.warmup_s, 0.01)
    return MeasureConfig(
        window_s=args.window_s,
        min_windows=args.windows,
        max_windows=args.windows,
        timeout_s=2 * args.windows * args.window_s + 10.0,
        idle_s=args.idle_s,
        warmup_min_s=min(3.0, warm),
        warmup_max_s=warm,
        warmup_chunk_s=min(1.0, warm),
    )


def _progress(stage: str, done: float, total: float) -> None:
    if stage == "windows":
        _say(f"  window {int(done)} of {int(total)}")
    elif stage == "idle":
        _say(f"  idle power measured over {done:g} s")


def energy_run(args: argparse.Namespace, miner: Any, device: Any) -> dict:
    """sha256d through bench.measure with the device's bench.telemetry meter: Measurement dict."""
    from bench.measure import run_workload
    from bench.telemetry import meter_for

    meter = meter_for(device)
    _say(f"energy: {meter.source} ({meter.note})")
    params = {"job_nonces": args.job_nonces, "verify_span": args.verify_span}
    workload = chosen_miner_workload(device, miner, **params)
    return run_workload(workload, meter, measure_config(args), _progress).to_dict()


def sampler_cost(device: Any, seconds: float, hz: float = 50.0) -> dict:
    """The power sampler's own CPU time per sample at `hz` (the sampler measures it), main
    thread asleep for `seconds`."""
    from bench.telemetry import meter_for

    meter = meter_for(device, hz=hz)
    if not hasattr(meter, "sampler"):
        return {"unmeasured": meter.note or "no NVML power sampler on this device", "hz": hz}
    meter.start()
    time.sleep(seconds)
    meter.stop()
    cost = meter.sampler.cost()
    return {**cost.to_dict(), "cpu_fraction": cost.core_fraction, "seconds": seconds}


def report(doc: dict) -> None:
    """The figures a person reads."""
    occ, fig, env = doc["occupancy"], doc["figures"], doc["environment"]
    cuda = env["runtime_cuda_version"]
    _say(f"GPU: {env['gpu']} (driver {env.get('driver')}, CUDA runtime {cuda})")
    _say(
        f"hashrate: {fig['gh_s']:.3f} GH/s over {fig['windows']} windows, {fig['seconds']:.1f} s "
        f"(spread {fig['hashrate_spread_pct'] or 0:.2f} %)"
    )
    if fig.get("power_w") is not None:
        cross = fig["cross_check"]
        idle = fig["idle_power_w"]
        idle_text = f"{idle:.1f} W" if idle is not None else "unmeasured"
        _say(f"board power: {fig['power_w']:.1f} W (energy counter); idle {idle_text}")
        spread = fig["j_per_hash_spread_pct"] or 0.0
        _say(f"efficiency: {fig['j_per_gh']:.2f} J/GH (spread {spread:.2f} %)")
        if "trace_vs_counter_pct" in cross:
            _say(
                f"integrated trace vs counter: {cross['trace_vs_counter_pct']:+.2f} % "
                f"(worst window {cross['worst_window_abs_pct']:.2f} %)"
            )
    else:
        _say(f"board power: unmeasured ({fig.get('unmeasured')})")
    cost = doc["sampler_cost"]
    if "cpu_fraction" in cost:
        _say(f"sampler cost at {cost['hz']:g} Hz: {cost['cpu_fraction']:.3%} of one core")
    _say(
        f"registers/thread: {occ['registers_per_thread']}, occupancy "
        f"{occ['occupancy']:.0%} ({occ['blocks_per_sm']} blocks of {occ['block_threads']})"
    )


def write(doc: dict, folders: list[Path]) -> list[Path]:
    """The miner check's JSON into each folder; the paths written."""
    paths = []
    for folder in dict.fromkeys(folders):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MINER_FILE).write_text(json.dumps(doc, indent=2) + "\n")
        paths.append(folder / MINER_FILE)
    return paths


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.gpucheck", description=__doc__)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    p.add_argument("--dir", type=Path, default=Path("results") / f"gpu-check-{stamp}")
    p.add_argument("--out", type=Path, default=None, help="also write the result here")
    p.add_argument("--device", type=int, default=0)
    p.add_argument("--window-s", type=float, default=5.0, help="seconds per measured window")
    p.add_argument("--windows", type=int, default=5, help="measured windows (5 x 5 s >= 20 s)")
    p.add_argument("--warmup-s", type=float, default=10.0, help="most seconds of warm-up")
    p.add_argument("--idle-s", type=float, default=3.0)
    p.add_argument("--sampler-s", type=float, default=3.0, help="sampler-cost duration")
    p.add_argument("--shape-s", type=float, default=1.0, help="time per kernel variant")
    p.add_argument("--job-nonces", type=int, default=2**29, help="nonces per search call")
    p.add_argument("--verify-span", type=int, default=2**16, help="nonces per known block")
    p.add_argument("--no-shapes", action="store_true", help="use the default shape only")
    p.add_argument("--preflight", action="store_true", help="only check that a GPU is usable")
    return p.parse_args(argv)


def check_and_measure(args: argparse.Namespace, cupy: Any, miner: Any) -> dict:
    """Verification, variants, occupancy, the measured windows and the sampler's cost."""
    from bench.mining.cuda import CudaMiner

    device = gpu_device(args.device, gpu_name(cupy, args.device))
    doc: dict = {"schema": SCHEMA, "environment": environment(cupy, device)}
    doc["verification"] = check_kernel(miner)
    for line in doc["verification"]:
        _say(f"verified: {line}")
    if not args.no_shapes:
        _say("kernel variants:")
        miner, doc["shapes"] = pick_shape(CudaMiner, args)
    doc["occupancy"] = occupancy(miner)
    doc["kernel"] = miner.describe()
    _say(f"measuring sha256d on {doc['kernel']['variant']} through bench.measure:")
    doc["measurement"] = energy_run(args, miner, device)
    doc["sampler_cost"] = sampler_cost(device, args.sampler_s)
    doc["figures"] = miner_figures(doc["measurement"])
    doc["environment"]["ended_utc"] = utc_now()
    return doc


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
    try:
        doc = check_and_measure(args, cupy, miner)
    except VerificationFailed as exc:
        print(f"gpu-check: kernel verification FAILED: {exc}", file=sys.stderr)
        return 1
    report(doc)
    for path in write(doc, [args.dir] + ([args.out] if args.out else [])):
        _say(f"result written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

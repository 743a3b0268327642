"""Micro-benchmark: what the power sampler costs (`python -m bench.telemetry.overhead`).

Prints (1) the sampler's CPU cost at 50 Hz as process CPU time over wall time, with the main
thread asleep, and (2) a synthetic CPU workload's throughput with the meter off and on,
interleaved, once holding the GIL and once releasing it (as native and GPU work do). Uses the
real NVML binding where a GPU answers, else the simulated one (which shows the cost of the
thread and bookkeeping, not of the driver calls). Figures are printed, never asserted: the
targets are < 1 % of one core and < 1 % throughput change.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from bench.telemetry.fake import FakeGpu, FakeNvml
from bench.telemetry.nvml import NvmlGpu, NvmlMeter, load_binding


def make_meter(hz: float, force_fake: bool) -> tuple[NvmlMeter, str]:
    """A meter on GPU 0 through the real binding, else through the simulated one."""
    if not force_fake:
        try:
            nv = load_binding()
            if nv.nvmlDeviceGetCount() > 0:
                gpu = NvmlGpu(nv, 0)
                return NvmlMeter(gpu, hz=hz), f"real NVML: {gpu.name}"
        except Exception as exc:  # DeviceUnavailable or an NVMLError: fall back to the fake
            reason = str(exc)
        else:
            reason = "NVML sees no GPU"
    else:
        reason = "asked for"
    fake = FakeNvml([FakeGpu()], clock=time.monotonic)
    return NvmlMeter(NvmlGpu(fake, 0), hz=hz), f"simulated NVML ({reason})"


def sampler_cost(meter: NvmlMeter, seconds: float) -> tuple[float, int]:
    """(CPU seconds per wall second, samples taken) while the main thread sleeps."""
    n0 = meter.sampler.count()
    meter.start()
    c0, w0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    c1, w1 = time.process_time(), time.monotonic()
    meter.stop()
    return (c1 - c0) / (w1 - w0), meter.sampler.count() - n0


def hash_rate(seconds: float, block_bytes: int) -> float:
    """SHA-256 blocks per second for `seconds`. hashlib holds the GIL for blocks under 2 KiB
    (a Python-bound workload) and releases it for larger ones (like native or GPU work)."""
    block = bytes(block_bytes)
    batch = max(1, 80_000 // block_bytes)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(batch):
            hashlib.sha256(block).digest()
        n += batch
    return n / (time.perf_counter() - t0)


def throughput_on_off(
    meter: NvmlMeter, rounds: int, seconds: float, block_bytes: int
) -> tuple[float, float]:
    """Median hash rate with the meter off and on, rounds interleaved."""
    off, on = [], []
    for _ in range(rounds):
        off.append(hash_rate(seconds, block_bytes))
        meter.start()
        on.append(hash_rate(seconds, block_bytes))
        meter.stop()
    return statistics.median(off), statistics.median(on)


def main(argv: list[str] | None = None) -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hz", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=5.0, help="sampler-cost duration")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-seconds", type=float, default=1.0)
    parser.add_argument("--fake", action="store_true", help="use the simulated NVML")
    args = parser.parse_args(argv)
    meter, what = make_meter(args.hz, args.fake)
    print(f"binding: {what}; sampler at {args.hz:g} Hz")
    cost, samples = sampler_cost(meter, args.seconds)
    rate = samples / args.seconds
    print(f"sampler CPU cost: {cost:.3%} of one core ({samples} samples, {rate:.1f} Hz achieved)")
    for label, block in (("Python-bound, holds the GIL", 80), ("native, releases it", 1 << 16)):
        off, on = throughput_on_off(meter, args.rounds, args.round_seconds, block)
        print(
            f"synthetic workload ({label}): {off:,.0f} blocks/s meter off, {on:,.0f} meter on, "
            f"change {(on - off) / off:+.2%}"
        )


if __name__ == "__main__":
    main()

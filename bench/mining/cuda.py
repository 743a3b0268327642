"""The CUDA miner: the shared SHA-256d core compiled by NVRTC (through CuPy) and launched on a
stream that torch can share.

The kernel (kernels/sha256d.cu) writes candidate nonces, those whose hash's top 32 bits pass
the target's top word, to a bounded device list; every candidate is hashed once more with
hashlib (bench.mining.backend.verify_candidates) before it is reported, and a full list is
reported as overflow, never dropped quietly.
A search is cut into launches of tens of milliseconds, sized from a first timed launch, so the
GPU stays busy while the host can still stop between launches. CuPy is imported only when a
miner is built: without CuPy or a GPU, construction raises DeviceUnavailable with the reason.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from bench.errors import DeviceUnavailable, InvalidInput
from bench.mining.backend import SearchResult, filter_word, verify_candidates
from bench.mining.cuda_build import ENTRY_POINT, NVRTC_OPTIONS, preload_builtins, program_source
from bench.mining.header import HEADER_BYTES, NONCE_SPACE
from bench.mining.precompute import precompute

log = logging.getLogger(__name__)

DEFAULT_CAPACITY = 1 << 20  # candidate slots (4 MiB): easy test targets fit, overflow says so
LAUNCH_TARGET_S = 0.025  # wall time aimed at per launch
FIRST_LAUNCH_NONCES = 1 << 24  # the timed launch that sizes the others
MAX_IN_FLIGHT = 2  # launches queued ahead of the host: a stop waits for at most these
TUNE_NONCES = 1 << 26  # per timed trial of a kernel variant (about 10 ms on an H100)
TUNE_ROUNDS = 3  # timed rounds of every variant, interleaved, after a warm-up round


@dataclass(frozen=True)
class KernelConfig:
    """Compile-time shape of the kernel: threads per block, nonces per thread, and how much
    work is steered from the ALU pipe to the FMA pipe (0 none, 1 adds and shifts, 2 also a
    rotate per round; see kernels/sha256d.cu)."""

    block_threads: int = 256
    nonces_per_thread: int = 32
    imad_level: int = 0

    @property
    def nonces_per_block(self) -> int:
        """Nonces one block hashes."""
        return self.block_threads * self.nonces_per_thread

    def options(self) -> tuple[str, ...]:
        """NVRTC options: the shared ones plus this shape's defines."""
        return (
            *NVRTC_OPTIONS,
            f"-DJB_BLOCK_THREADS={self.block_threads}",
            f"-DJB_NONCES_PER_THREAD={self.nonces_per_thread}",
            f"-DJB_IMAD_ADDS={self.imad_level}",
        )

    @property
    def label(self) -> str:
        """Short name, e.g. 256x32-imad1."""
        imad = f"-imad{self.imad_level}" if self.imad_level else ""
        return f"{self.block_threads}x{self.nonces_per_thread}{imad}"


# Variants timed on the device when no config is given: which pipe mix wins is the chip's call.
TUNE_CANDIDATES = (KernelConfig(), KernelConfig(imad_level=1), KernelConfig(imad_level=2))


_KERNELS: dict[tuple[int, KernelConfig], Any] = {}  # per process: (device, shape) -> kernel


def import_cupy():
    """CuPy, or DeviceUnavailable saying why it cannot be used."""
    try:
        import cupy
    except ImportError as exc:
        raise DeviceUnavailable(
            "CUDA backend unavailable: CuPy is not installed "
            "(install joulebench[cuda12] or joulebench[cuda13])"
        ) from exc
    except Exception as exc:  # CuPy present but its CUDA libraries are not
        raise DeviceUnavailable(
            f"CUDA backend unavailable: CuPy cannot load ({type(exc).__name__}: {exc})"
        ) from exc
    return cupy


def device_count(cupy) -> int:
    """CUDA devices CuPy sees; DeviceUnavailable when the driver or runtime fails."""
    try:
        return cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, no device, or a broken runtime: no usable GPU
        raise DeviceUnavailable(
            f"CUDA backend unavailable: no usable CUDA device ({type(exc).__name__}: {exc})"
        ) from exc


def load_kernel(cupy, device_index: int, config: KernelConfig):
    """The compiled search kernel for one device, built once per process (CuPy caches on disk)."""
    key = (device_index, config)
    if key not in _KERNELS:
        _preload_for(cupy)
        with cupy.cuda.Device(device_index):
            started = time.perf_counter()
            module = cupy.RawModule(code=program_source(), options=config.options())
            kernel = module.get_function(ENTRY_POINT)
            log.info(
                "sha256d kernel ready on cuda:%d in %.2f s (%d registers/thread)",
                device_index,
                time.perf_counter() - started,
                kernel.num_regs,
            )
        _KERNELS[key] = kernel
    return _KERNELS[key]


def _preload_for(cupy) -> None:
    """NVRTC's builtins from the folder of the libnvrtc CuPy loaded (see cuda_build)."""
    try:
        cupy.cuda.nvrtc.getVersion()  # makes CuPy load its libnvrtc, so it is in the maps
    except Exception as exc:  # a CuPy without NVRTC fails at the compile, with its reason
        log.debug("CuPy's NVRTC version unreadable: %s", exc)
        return
    preload_builtins()


def resident_blocks(cupy, kernel, block_threads: int, attrs: dict) -> tuple[int, str]:
    """Blocks of this kernel one SM holds at once, and how that was found."""
    try:
        blocks = cupy.cuda.driver.occupancyMaxActiveBlocksPerMultiprocessor(
            kernel.kernel.ptr, block_threads, 0
        )
        return int(blocks), "driver"
    except Exception:  # a CuPy without that query: from the register file and thread limit
        per_warp = -(-kernel.num_regs * 32 // 256) * 256  # registers go to warps in 256s
        warps = attrs["MaxRegistersPerMultiprocessor"] // per_warp
        by_threads = attrs["MaxThreadsPerMultiProcessor"] // block_threads
        return max(1, min(warps // -(-block_threads // 32), by_threads)), "registers"


def as_stream(cupy, stream: Any, device_index: int):
    """A CuPy stream from None (a new one), a CuPy stream, a torch stream or a raw pointer."""
    if stream is None:
        with cupy.cuda.Device(device_index):
            return cupy.cuda.Stream(non_blocking=True)
    if isinstance(stream, (cupy.cuda.Stream, cupy.cuda.ExternalStream)):
        return stream
    ptr = stream if isinstance(stream, int) else getattr(stream, "cuda_stream", None)
    if not isinstance(ptr, int):
        raise InvalidInput(
            "stream must be a CuPy stream, a torch.cuda.Stream or a cudaStream_t pointer, "
            f"got {type(stream).__name__}"
        )
    try:
        return cupy.cuda.ExternalStream(ptr, device_id=device_index)
    except TypeError:  # CuPy before 13 takes no device_id
        return cupy.cuda.ExternalStream(ptr)


def check_search(header: bytes, nonce_start: int, nonce_count: int, target: int) -> None:
    """The arguments a search accepts: an 80-byte header and a range inside 0 .. 2**32 - 1."""
    if len(header) != HEADER_BYTES:
        raise InvalidInput(f"a header is {HEADER_BYTES} bytes, got {len(header)}")
    if nonce_start < 0 or nonce_count < 1 or nonce_start + nonce_count > NONCE_SPACE:
        raise InvalidInput(f"nonce range {nonce_start} + {nonce_count} is outside 0 .. 2**32")
    if target < 0:
        raise InvalidInput("the target must not be negative")


class CudaMiner:
    """MinerBackend on one NVIDIA GPU."""

    name = "cuda"

    def __init__(
        self,
        device_index: int = 0,
        stream: Any = None,
        capacity: int = DEFAULT_CAPACITY,
        config: KernelConfig | None = None,
        launch_s: float = LAUNCH_TARGET_S,
    ) -> None:
        cupy = import_cupy()
        count = device_count(cupy)
        if not 0 <= device_index < count:
            raise DeviceUnavailable(
                f"CUDA backend unavailable: no device cuda:{device_index} ({count} present)"
            )
        self._cupy = cupy
        self.device_index = device_index
        self.capacity = capacity
        self.launch_s = launch_s
        self.launch_nonces: int | None = None  # sized from the first timed launch
        self.tuning: list[dict[str, Any]] = []  # each variant's trial rate, when tuned
        device = cupy.cuda.Device(device_index)
        with device:
            self.compute_capability = str(device.compute_capability)
            self.path = f"cuda-sm{self.compute_capability}"
            self.stream = as_stream(cupy, stream, device_index)
            self._attrs = device.attributes
            self._found = cupy.zeros(capacity, dtype=cupy.uint32)
            self._counter = cupy.zeros(2, dtype=cupy.uint32)  # [candidates, overflow flag]
            if config is None:
                self._tune(TUNE_CANDIDATES)
            else:
                self._use(config)

    def _use(self, config: KernelConfig) -> None:
        """Load one kernel variant and size its waves from its occupancy."""
        self.config = config
        self.kernel = load_kernel(self._cupy, self.device_index, config)
        attrs = self._attrs
        self.blocks_per_sm, self.occupancy_source = resident_blocks(
            self._cupy, self.kernel, config.block_threads, attrs
        )
        # One wave: every SM full. Launches are whole waves, so none ends half empty.
        self.wave_blocks = self.blocks_per_sm * attrs["MultiProcessorCount"]
        self.occupancy = (
            self.blocks_per_sm * config.block_threads / attrs["MaxThreadsPerMultiProcessor"]
        )

    def _tune(self, candidates: tuple[KernelConfig, ...]) -> None:
        """Time each variant interleaved (A B C A B C ...) after a warm-up round, the same
        nonces each launch; keep the fastest by median."""
        pre = precompute(bytes(80))
        rates: dict[KernelConfig, list[float]] = {c: [] for c in candidates}
        with self.stream:
            for round_ in range(TUNE_ROUNDS + 1):  # round 0 warms the clocks, loads each variant
                for config in candidates:
                    self._use(config)
                    begin = self.stream.record()
                    self.launch(pre, 0, TUNE_NONCES, 0)
                    end = self.stream.record()
                    end.synchronize()
                    seconds = self._cupy.cuda.get_elapsed_time(begin, end) / 1e3
                    if round_ and seconds > 0:
                        rates[config].append(TUNE_NONCES / seconds)
        best = {c: statistics.median(r) for c, r in rates.items() if r}
        self.tuning = [{"config": c.label, "hashrate_hs": r} for c, r in best.items()]
        chosen = max(best, key=best.get) if best else candidates[0]
        self._use(chosen)
        if best:
            self.launch_nonces = self.size_launch(best[chosen])
        log.info("cuda kernel variants: %s; using %s", self.tuning, chosen.label)

    def search(
        self, header: bytes, nonce_start: int, nonce_count: int, target: int
    ) -> SearchResult:
        """Every nonce of the range whose sha256d is <= target, each checked with hashlib."""
        header = bytes(header)
        check_search(header, nonce_start, nonce_count, target)
        target_hi = filter_word(target)
        pre = precompute(header)
        started = time.perf_counter()
        with self._cupy.cuda.Device(self.device_index), self.stream:
            self._counter.fill(0)
            self._run(pre, nonce_start, nonce_count, target_hi)
            counter = self._counter.get()
            kept = min(int(counter[0]), self.capacity)
            nonces = [int(n) for n in self._found[:kept].get()] if kept else []
        seconds = time.perf_counter() - started
        who = f"CUDA kernel ({self.path})"
        found = verify_candidates(header, nonces, target, who, nonce_start, nonce_count)
        overflow = bool(counter[1])
        if overflow:
            log.warning("cuda search: %d candidates, list holds %d", counter[0], self.capacity)
        return SearchResult(
            "cuda",
            self.path,
            nonce_start,
            nonce_count,
            target,
            found,
            nonce_count,
            seconds,
            overflow,
        )

    def _run(self, pre: tuple[int, ...], start: int, count: int, target_hi: int) -> None:
        """Enqueue the whole range as launches, at most MAX_IN_FLIGHT ahead of the host."""
        done = 0
        if self.launch_nonces is None:
            done = self._timed_launch(pre, start, min(count, FIRST_LAUNCH_NONCES), target_hi)
        in_flight: deque = deque()
        while done < count:
            n = min(self.launch_nonces or count, count - done)
            self.launch(pre, start + done, n, target_hi)
            done += n
            in_flight.append(self.stream.record())
            if len(in_flight) > MAX_IN_FLIGHT:
                in_flight.popleft().synchronize()

    def _timed_launch(self, pre: tuple[int, ...], start: int, n: int, target_hi: int) -> int:
        """One launch timed with events; sizes later launches to LAUNCH_TARGET_S each."""
        begin = self.stream.record()
        self.launch(pre, start, n, target_hi)
        end = self.stream.record()
        end.synchronize()
        seconds = self._cupy.cuda.get_elapsed_time(begin, end) / 1e3
        if n >= FIRST_LAUNCH_NONCES and seconds > 0:
            self.launch_nonces = self.size_launch(n / seconds)
            log.info(
                "cuda launch sized to %d nonces (%.2f GH/s in the first launch)",
                self.launch_nonces,
                n / seconds / 1e9,
            )
        return n

    def size_launch(self, rate_hs: float) -> int:
        """Nonces per launch for about launch_s seconds at rate_hs: whole waves of blocks,
        at most 2**31 nonces."""
        per_wave = self.config.nonces_per_block * self.wave_blocks
        waves = max(1, round(rate_hs * self.launch_s / per_wave))
        return min(waves, max(1, (1 << 31) // per_wave)) * per_wave

    def launch(self, pre: tuple[int, ...], start: int, n: int, target_hi: int) -> None:
        """Enqueue one kernel over nonces start .. start + n - 1 on this miner's stream."""
        np_u32 = self._cupy.uint32
        grid = -(-n // self.config.nonces_per_block)
        args = (
            *(np_u32(w) for w in pre),
            np_u32(start),
            np_u32(n),
            np_u32(target_hi),
            self._found,
            self._counter,
            np_u32(self.capacity),
        )
        with self.stream:
            self.kernel((grid,), (self.config.block_threads,), args)

    def describe(self) -> dict[str, Any]:
        """The kernel's build and launch figures, for results."""
        attrs = self.kernel.attributes
        return {
            "path": self.path,
            "variant": self.config.label,
            "tuning": self.tuning,
            "block_threads": self.config.block_threads,
            "nonces_per_thread": self.config.nonces_per_thread,
            "registers_per_thread": attrs.get("num_regs"),
            "local_bytes_per_thread": attrs.get("local_size_bytes"),
            "blocks_per_sm": self.blocks_per_sm,
            "occupancy": self.occupancy,
            "occupancy_source": self.occupancy_source,
            "launch_nonces": self.launch_nonces,
        }

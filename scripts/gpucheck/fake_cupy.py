"""A stand-in for the part of CuPy that bench.mining.cuda uses, so the CUDA miner's host logic
(launch sizing, candidate list, overflow, host verification, streams) runs without a GPU: the
tests use it, and so does the gpu-check rehearsal on a CPU machine.

Its "kernel" hashes with hashlib, given the header behind each precompute, and applies the
kernel's contract: a candidate is a nonce whose hash's top 32 bits are <= target_hi.
"""

from __future__ import annotations

import hashlib
import time
import types

import numpy as np

from bench.mining.precompute import precompute


class FakeArray:
    """A device array: a numpy view with fill() and get()."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data

    def fill(self, value: int) -> None:
        self.data[...] = value

    def get(self, stream=None) -> np.ndarray:
        return self.data.copy()

    def __getitem__(self, key) -> FakeArray:
        return FakeArray(self.data[key])


class FakeEvent:
    def synchronize(self) -> None:
        pass


class FakeStream:
    def __init__(self, non_blocking: bool = False, ptr: int = 1234) -> None:
        self.ptr = ptr

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def record(self, event=None) -> FakeEvent:
        return FakeEvent()

    def synchronize(self) -> None:
        pass


class FakeExternalStream(FakeStream):
    def __init__(self, ptr: int, device_id: int = -1) -> None:
        super().__init__(ptr=ptr)
        self.device_id = device_id


class FakeKernel:
    """The search kernel's contract, in Python; records each launch."""

    num_regs = 40
    local_size_bytes = 0

    def __init__(self, owner: FakeCupy, options: tuple[str, ...]) -> None:
        self.owner, self.options, self.launches = owner, options, []
        self.attributes = {"num_regs": self.num_regs, "local_size_bytes": 0}

    def __call__(self, grid, block, args) -> None:
        pre, (start, n, target_hi, found, counter, capacity) = args[:24], args[24:]
        pre = tuple(int(w) for w in pre)
        start, n, target_hi, capacity = int(start), int(n), int(target_hi), int(capacity)
        self.launches.append((start, n, grid[0], block[0]))
        self.owner.last_kernel = self
        if self.owner.on_launch is not None:
            self.owner.on_launch(n)
        header = self.owner.headers.get(pre)
        if header is None:  # a header nobody registered (the tuning trial): no candidates
            return
        for nonce in range(start, start + n):
            raw = header[:76] + nonce.to_bytes(4, "little")
            digest = hashlib.sha256(hashlib.sha256(raw).digest()).digest()
            if int.from_bytes(digest[28:], "little") <= target_hi:
                self.owner.report(nonce, found, counter, capacity)


class FakeCupy(types.ModuleType):
    """`import cupy` for the tests: one fake device of compute capability 9.0."""

    uint32 = np.uint32

    def __init__(self, devices: int = 1, elapsed_ms: float = 1.0, sms: int = 4) -> None:
        super().__init__("cupy")
        self.headers: dict[tuple[int, ...], bytes] = {}
        self.kernels: list[FakeKernel] = []
        self.extra_reports: list[int] = []  # nonces a faulty kernel adds, once
        self.__version__ = "fake"
        outer = self

        class Device:
            compute_capability = "90"
            attributes = {
                "MaxThreadsPerMultiProcessor": 2048,
                "MaxRegistersPerMultiprocessor": 65536,
                "MultiProcessorCount": sms,
            }

            def __init__(self, index: int = 0) -> None:
                self.id = index

            def __enter__(self):
                return self

            def __exit__(self, *exc) -> None:
                pass

        def get_device_count() -> int:
            return devices

        self.cuda = types.SimpleNamespace(
            Device=Device,
            Stream=FakeStream,
            ExternalStream=FakeExternalStream,
            runtime=types.SimpleNamespace(
                getDeviceCount=get_device_count,
                getDeviceProperties=lambda i: {
                    "name": b"Fake H200",
                    "major": 9,
                    "minor": 0,
                    "multiProcessorCount": 132,
                },
                driverGetVersion=lambda: 13000,
                runtimeGetVersion=lambda: 13000,
            ),
            nvrtc=types.SimpleNamespace(getVersion=lambda: (13, 0)),
            get_elapsed_time=lambda begin, end: outer.elapsed(),
        )
        self.elapsed_ms = elapsed_ms
        self.elapsed_sequence_ms: list[float] = []
        self.imad_speedup = 1.0  # how much faster the level-1 IMAD variant "runs"
        self.last_kernel: FakeKernel | None = None
        self.on_launch = None  # called with the nonce count of each launch (a simulated board)
        self.compiles_before_error: int | None = None  # RawModule fails after this many

    def elapsed(self) -> float:
        """Milliseconds the last launch "took" (the next of elapsed_sequence_ms, where given)."""
        if self.elapsed_sequence_ms:
            return self.elapsed_sequence_ms.pop(0)
        imad = self.last_kernel and "-DJB_IMAD_ADDS=1" in self.last_kernel.options
        return self.elapsed_ms / self.imad_speedup if imad else self.elapsed_ms

    def know(self, header: bytes) -> None:
        """Tell the fake kernel which header a precompute stands for."""
        self.headers[precompute(header)] = header

    def zeros(self, n: int, dtype) -> FakeArray:
        return FakeArray(np.zeros(n, dtype=dtype))

    def RawModule(self, code: str, options: tuple[str, ...]):  # noqa: N802 - CuPy's name
        if (
            self.compiles_before_error is not None
            and len(self.kernels) >= self.compiles_before_error
        ):
            raise RuntimeError("NVRTC_ERROR_COMPILATION (a simulated compile failure)")

        def get_function(name: str) -> FakeKernel:
            assert name == "sha256d_search" and "sha256d_search" in code
            kernel = FakeKernel(self, options)
            self.kernels.append(kernel)
            return kernel

        return types.SimpleNamespace(get_function=get_function)

    def report(self, nonce: int, found: FakeArray, counter: FakeArray, capacity: int) -> None:
        """The kernel's atomic append with its overflow flag."""
        extras, self.extra_reports = self.extra_reports, []  # each faulty report once
        for value in [nonce, *extras]:
            slot = int(counter.data[0])
            counter.data[0] += 1
            if slot < capacity:
                found.data[slot] = value
            else:
                counter.data[1] = 1


class FakeNvml(types.ModuleType):
    """`import pynvml`: a board drawing a steady power_w, its energy counter in step."""

    NVML_CLOCK_SM, NVML_CLOCK_MEM, NVML_TEMPERATURE_GPU = 1, 2, 0

    def __init__(self, power_w: float = 300.0) -> None:
        super().__init__("pynvml")
        self.power_w = power_w
        self.t0 = time.perf_counter()

    def nvmlInit(self) -> None:  # noqa: N802 - NVML's names
        pass

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:  # noqa: N802
        return index

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:  # noqa: N802
        return int(self.power_w * 1e3)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:  # noqa: N802
        return int((time.perf_counter() - self.t0) * self.power_w * 1e3)

    def nvmlDeviceGetClockInfo(self, handle: int, which: int) -> int:  # noqa: N802
        return 1980 if which == self.NVML_CLOCK_SM else 2619

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:  # noqa: N802
        return 45

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: int) -> int:  # noqa: N802
        return 700_000

    def nvmlDeviceGetCurrentClocksEventReasons(self, handle: int) -> int:  # noqa: N802
        return 0

    def nvmlSystemGetDriverVersion(self) -> str:  # noqa: N802
        return "580.00"

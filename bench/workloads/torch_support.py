"""What the PyTorch workloads share: dtype and mode checks, device sync, tolerances."""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch

from bench.errors import DeviceUnavailable, InvalidInput, VerificationFailed

log = logging.getLogger(__name__)

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
FP8 = "fp8"
BYTES_PER_ELEMENT = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1}
MODES = ("eager", "compile", "cuda-graph")
# Largest norm-relative difference allowed between two computations of the same logits.
TOLERANCE = {"fp32": 1e-4, "fp16": 1e-2, "bf16": 4e-2}


def torch_device(device) -> torch.device:
    """The torch device of a bench Device, checked to be usable here."""
    if device.kind == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(f"{device.id}: torch sees no CUDA device (CPU build of torch?)")
    return torch.device(device.torch_device)


def fp8_support(device) -> tuple[bool, str]:
    """Whether this device runs fp8 matrix multiplies (CUDA, compute capability 8.9 or newer)."""
    if device.kind != "cuda":
        return (
            False,
            f"fp8 needs an NVIDIA GPU of compute capability 8.9 or newer; {device.id} is a CPU",
        )
    if not torch.cuda.is_available():
        return False, "torch sees no CUDA device"
    cap = torch.cuda.get_device_capability(torch_device(device))
    if cap < (8, 9):
        return (
            False,
            f"fp8 needs compute capability 8.9 or newer; {device.name} has {cap[0]}.{cap[1]}",
        )
    if not hasattr(torch, "_scaled_mm"):
        return False, f"this torch ({torch.__version__}) has no fp8 matrix multiply"
    return True, ""


def check_dtype(name: str, device, workload: str, allow_fp8: bool = False) -> None:
    """Refuse a dtype this workload or device cannot run, with the reason."""
    if name == FP8:
        if not allow_fp8:
            raise InvalidInput(f"{workload}: fp8 is offered by the gemm workload only")
        ok, why = fp8_support(device)
        if not ok:
            raise InvalidInput(f"{workload}: dtype fp8 unavailable: {why}")
        return
    if name not in DTYPES:
        known = ", ".join([*DTYPES, FP8] if allow_fp8 else DTYPES)
        raise InvalidInput(f"{workload}: unknown dtype {name!r} (known: {known})")


def check_mode(mode: str, device, workload: str, allowed: tuple[str, ...]) -> None:
    """Refuse an execution mode this workload or device does not support."""
    if mode not in allowed:
        raise InvalidInput(f"{workload}: mode {mode!r} not offered (offered: {', '.join(allowed)})")
    if mode == "cuda-graph" and device.kind != "cuda":
        raise InvalidInput(f"{workload}: mode cuda-graph needs a CUDA device, not {device.id}")
    if mode == "compile" and not hasattr(torch, "compile"):
        raise InvalidInput(f"{workload}: this torch ({torch.__version__}) has no torch.compile")


def check_positive(params: dict, workload: str, *keys: str) -> None:
    """Refuse sizes that are not positive integers."""
    for key in keys:
        value = params[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidInput(f"{workload}: {key} must be a positive integer, not {value!r}")


def maybe_compile(fn: Callable, mode: str) -> Callable:
    """`fn` compiled by torch.compile in mode "compile", unchanged otherwise."""
    return torch.compile(fn, dynamic=False) if mode == "compile" else fn


def synchronize(dev: torch.device) -> None:
    """Wait for the device's queued work."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def capture_graph(fn: Callable[[], object], dev: torch.device, warmup: int = 3) -> Callable:
    """A CUDA graph of `fn` (whose inputs and outputs live in static tensors); returns replay."""
    stream = torch.cuda.Stream(dev)
    stream.wait_stream(torch.cuda.current_stream(dev))
    with torch.cuda.stream(stream):
        for _ in range(warmup):
            fn()
    torch.cuda.current_stream(dev).wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        fn()
    return graph.replay


def relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    """||got - want|| / ||want||, computed in float64."""
    g, w = got.double(), want.double()
    return float((g - w).norm() / w.norm().clamp_min(1e-30))


def check_close(what: str, got: torch.Tensor, want: torch.Tensor, dtype: str) -> float:
    """Raise VerificationFailed unless `got` is finite and within the dtype's tolerance."""
    if not torch.isfinite(got).all():
        raise VerificationFailed(f"{what}: non-finite values")
    err, tol = relative_error(got, want), TOLERANCE[dtype]
    if not err <= tol:
        raise VerificationFailed(f"{what}: relative error {err:.3g} exceeds {tol:g} for {dtype}")
    log.info("%s: relative error %.3g (tolerance %g)", what, err, tol)
    return err


def check_finite_shape(what: str, out: torch.Tensor, shape: tuple[int, ...]) -> None:
    """Raise VerificationFailed unless `out` has `shape` and only finite values."""
    if tuple(out.shape) != shape:
        raise VerificationFailed(f"{what}: output shape {tuple(out.shape)}, expected {shape}")
    if not torch.isfinite(out).all():
        raise VerificationFailed(f"{what}: non-finite values in the output")

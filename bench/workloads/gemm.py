"""Dense matrix multiply C = A @ B of random matrices: the device's attainable FLOP/s.

Work unit: flop (2 per multiply-add). fp8 (e4m3 inputs, bf16 output, through torch._scaled_mm)
runs where the GPU supports it and is refused elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from bench.devices import Device
from bench.errors import InvalidInput, VerificationFailed
from bench.measure import roofline
from bench.workloads import params as prm
from bench.workloads import torch_support as ts
from bench.workloads.base import Workload, register
from bench.workloads.params import Param

log = logging.getLogger(__name__)

VERIFY_ROWS = 128  # rows of C checked against float64 (all of C when it is smaller)
# Largest |C - C_ref| allowed, as a fraction of (|A| @ |B|) for the same element: covers the
# rounding of the output (bf16 8 bits, fp16 11 bits) and of accumulation in float32.
# cuBLAS may also reduce split-k partial sums in the low precision, hence the margin.
ERROR_BOUND = {"fp32": 1e-5, "bf16": 2e-2, "fp16": 5e-3, "fp8": 2e-2}


@register
class Gemm(Workload):
    """One m x k by k x n matrix multiply per step."""

    name = "gemm"
    param_specs = {
        "dtype": Param(str),  # the known dtypes: ts.check_dtype (it says why)
        "m": prm.size(1, 2**17),
        "n": prm.size(1, 2**17),
        "k": prm.size(1, 2**17),
        "mode": Param(str),  # the offered modes: ts.check_mode
        "seed": prm.seed(),
    }
    unit = "flop"

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        if quick:
            size, dtype = 512, "fp32"
        elif device.kind == "cuda":
            size, dtype = 8192, "bf16"
        else:
            size, dtype = 2048, "fp32"
        return {"dtype": dtype, "m": size, "n": size, "k": size, "mode": "eager", "seed": 0}

    def __init__(self, device: Device, **params: Any) -> None:
        super().__init__(device, **params)
        ts.check_dtype(self.params["dtype"], device, self.name, allow_fp8=True)
        ts.check_mode(self.params["mode"], device, self.name, ("eager", "compile"))
        ts.check_positive(self.params, self.name, "m", "n", "k")
        p = self.params
        if p["dtype"] == ts.FP8 and any(p[d] % 16 for d in "mnk"):
            raise InvalidInput(f"{self.name}: fp8 needs m, n and k multiples of 16")
        self.dev: torch.device | None = None

    def setup(self) -> None:
        p = self.params
        self.dev = ts.torch_device(self.device)
        gen = torch.Generator(device=self.dev).manual_seed(p["seed"])
        m, n, k = p["m"], p["n"], p["k"]
        if p["dtype"] == ts.FP8:
            self.a = torch.randn(m, k, device=self.dev, generator=gen).to(torch.float8_e4m3fn)
            # _scaled_mm wants B column-major: the transpose of a row-major n x k matrix.
            self.b = torch.randn(n, k, device=self.dev, generator=gen).to(torch.float8_e4m3fn).t()
            self.scale = torch.ones((), device=self.dev, dtype=torch.float32)
            self._fn = self._matmul_fp8
        else:
            dtype = ts.DTYPES[p["dtype"]]
            self.a = torch.randn(m, k, device=self.dev, generator=gen).to(dtype)
            self.b = torch.randn(k, n, device=self.dev, generator=gen).to(dtype)
            self.c = torch.empty(m, n, device=self.dev, dtype=dtype)
            fn = self._matmul if p["mode"] == "eager" else torch.compile(self._product)
            self._fn = fn

    def _matmul(self) -> torch.Tensor:
        return torch.mm(self.a, self.b, out=self.c)

    def _product(self) -> torch.Tensor:
        return self.a @ self.b

    def _matmul_fp8(self) -> torch.Tensor:
        self.c = torch._scaled_mm(
            self.a, self.b, scale_a=self.scale, scale_b=self.scale, out_dtype=torch.bfloat16
        )
        return self.c

    def verify(self) -> None:
        rows = min(VERIFY_ROWS, self.params["m"])
        with torch.inference_mode():
            got = self._fn()[:rows].double()
            a, b = self.a[:rows].double(), self.b.double()
            want = a @ b
            scale = a.abs() @ b.abs()
        if not torch.isfinite(got).all():
            raise VerificationFailed(f"{self.name}: non-finite values in C")
        worst = float(((got - want).abs() / scale.clamp_min(1e-30)).max())
        bound = ERROR_BOUND[self.params["dtype"]]
        if not worst <= bound:
            raise VerificationFailed(
                f"{self.name}: |C - C_float64| reaches {worst:.3g} of |A|@|B| (bound {bound:g})"
            )
        log.info("%s: worst relative error %.3g (bound %g)", self.name, worst, bound)

    def step(self) -> float:
        self._fn()
        return float(self.flops_per_step())

    def flops_per_step(self) -> int:
        """2 x m x n x k: one multiply and one add per term."""
        return 2 * self.params["m"] * self.params["n"] * self.params["k"]

    def sync(self) -> None:
        ts.synchronize(self.dev)

    def teardown(self) -> None:
        self.a = self.b = self.c = None

    def roofline(self, units_per_s: float) -> dict[str, Any]:
        # The unit is one FLOP, so FLOPs per unit is 1.
        return roofline.for_device(self.device, self.params["dtype"], units_per_s, 1.0)

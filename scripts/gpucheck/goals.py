"""The performance goals of the GPU check, each once, with the figure it is judged on."""

from __future__ import annotations

from dataclasses import dataclass

REFERENCE_GPU = "NVIDIA H200"  # the card the goals are set for


def gemm_reference_tflop_s(gpu: str = REFERENCE_GPU) -> float | None:
    """The card's sustained bf16 GEMM rate from the one hardware catalog (bench.hardware:
    the H200's ~790 TFLOP/s on random data), or None where the catalog has none."""
    from bench.hardware import gpu_peak

    peak, _ = gpu_peak(gpu)
    sustained = getattr(peak, "measured", None)
    return sustained.tflop_s.get("bf16") if sustained is not None else None


@dataclass(frozen=True)
class Goal:
    """A figure of the summary (`key`), how it is judged, and why that target."""

    key: str
    what: str
    op: str  # ">=" or "<="
    target: float
    unit: str
    basis: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.op == ">=" else value <= self.target

    def judge(self, value: float | None) -> dict:
        return {
            "key": self.key,
            "goal": self.what,
            "value": value,
            "op": self.op,
            "target": self.target,
            "unit": self.unit,
            "met": self.met(value),
            "basis": self.basis,
        }


GOALS = (
    Goal("miner_gh_s", "sha256d hash rate on an H200", ">=", 7.5, "GH/s",
         "the plain variant's issue-rate bound is 7.54 GH/s, the IMAD variants' 10.1-10.9"),
    Goal("miner_j_spread_pct", "J/GH spread over 5 windows", "<=", 2.0, "%",
         "(max - min) / median of the windows' J/hash"),
    Goal("counter_vs_trace_pct", "energy counter vs integrated trace, worst window", "<=", 5.0,
         "%", "windows of 5 s or more"),
    Goal("decode_b1_mbu", "Llama-3.1-8B bf16 decode at batch 1, MBU", ">=", 0.80, "",
         "weights read once per token against the card's memory bandwidth"),
    Goal("prefill_mfu", "Llama-3.1-8B bf16 prefill, MFU", ">=", 0.60, "",
         "against the card's dense bf16 peak"),
    Goal("gemm_fraction", "bf16 GEMM rate / the H200's sustained bf16 rate", ">=", 0.95, "",
         "the catalog's sustained figure (bench/data/hardware.toml: ~790 TFLOP/s, 8192^3, "
         "random data)"),
    Goal("batched_decode_j_per_token", "decode at batch 256, J/token", "<=", 0.105, "J/token",
         "1.5 x 0.070 J/token (vLLM, H100, batch 512); 0.12 at batch 64"),
)  # fmt: skip

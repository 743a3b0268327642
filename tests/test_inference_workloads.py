"""GEMM, ResNet-50, BERT and the roofline: float64 references and hand-worked figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bench import hardware as peaks
from bench.devices import Device
from bench.errors import InvalidInput, VerificationFailed
from bench.measure import roofline
from bench.workloads import base
from bench.workloads import torch_support as ts

CPU = Device(id="cpu", kind="cpu", name="test CPU")
AI_WORKLOADS = ["gemm", "llm-prefill", "llm-decode", "resnet50", "bert"]
NO_CUDA = not torch.cuda.is_available()

ZEN4_CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC 9654
cpu MHz\t\t: 2400.000

processor\t: 1
vendor_id\t: AuthenticAMD
"""


def quick(name, device=CPU, **over):
    cls = base.get(name)
    return cls(device, **{**cls.default_params(device, quick=True), **over})


def test_all_ai_workloads_registered_with_units():
    units = {n: base.get(n).unit for n in AI_WORKLOADS}
    assert units == {
        "gemm": "flop",
        "llm-prefill": "token",
        "llm-decode": "token",
        "resnet50": "image",
        "bert": "sequence",
    }


# Units of one quick step, from the quick parameters: gemm 2 x 512^3 FLOPs; prefill 2 prompts of
# 64 tokens; decode 1 token for each of 2 sequences; one image; one sequence.
QUICK_STEP_UNITS = {
    "gemm": 2 * 512**3,
    "llm-prefill": 2 * 64,
    "llm-decode": 2,
    "resnet50": 1,
    "bert": 1,
}


def test_quick_mode_of_every_workload_runs_small_steps():
    # Quick mode is quick by its sizes, not by a timing assertion: each step's units are worked
    # out above, and a step's work (units x FLOPs per unit, the figures the roofline reports and
    # test_llm/test_models work by hand) stays under 6 GFLOP: BERT-base on 32 tokens is the
    # largest at 5,474,746,368 (12 x 2 x (4 h^2 + 2 h i) x 32 + 12 x 4 x h x 32^2 + 2 h^2).
    for name in AI_WORKLOADS:
        w = quick(name)
        w.setup()
        try:
            w.verify()
            units = [w.step() for _ in range(3)]
            w.sync()
            assert units == [QUICK_STEP_UNITS[name]] * 3, name
            assert w.describe()["name"] == name
        finally:
            w.teardown()
        flops_per_unit = w.roofline(1.0)["achieved_tflop_s"] * 1e12
        assert flops_per_unit * QUICK_STEP_UNITS[name] <= 6e9, name
    h, i = 768, 3072
    bert_step = 12 * 2 * (4 * h * h + 2 * h * i) * 32 + 12 * 4 * h * 32 * 32 + 2 * h * h
    assert quick("bert").roofline(1.0)["achieved_tflop_s"] * 1e12 == pytest.approx(
        bert_step, rel=1e-12
    )


def test_gemm_matches_numpy_float64():
    w = quick("gemm", m=64, n=48, k=80)
    w.setup()
    w.verify()
    c = w._fn().numpy().astype(np.float64)
    want = w.a.numpy().astype(np.float64) @ w.b.numpy().astype(np.float64)
    assert np.abs(c - want).max() < 1e-5 * np.abs(want).max()
    assert w.step() == 2 * 64 * 48 * 80


def test_gemm_verify_catches_a_wrong_product():
    w = quick("gemm", m=32, n=32, k=32)
    w.setup()
    right = w._fn
    w._fn = lambda: right() * 1.01
    with pytest.raises(VerificationFailed, match="C_float64"):
        w.verify()


def test_gemm_fp8_refused_on_cpu():
    with pytest.raises(InvalidInput, match="fp8 unavailable.*CPU"):
        quick("gemm", dtype="fp8")


@pytest.mark.parametrize("name", ["resnet50", "bert"])
def test_nonfinite_output_fails_verification(name):
    w = quick(name)
    w.setup()
    with torch.no_grad():
        next(w.model.parameters()).fill_(float("nan"))
    with pytest.raises(VerificationFailed, match="non-finite"):
        w.verify()


def test_bert_refuses_sequences_longer_than_its_positions():
    with pytest.raises(InvalidInput, match="at most 512"):
        quick("bert", seq_len=513)


@pytest.mark.parametrize(
    "name, key, bf16, tb_s",
    [
        ("NVIDIA H200", "H200 SXM", 989.5, 4.8),
        ("NVIDIA H100 80GB HBM3", "H100 SXM", 989.5, 3.35),
        ("NVIDIA H100 PCIe", "H100 PCIe", 756.0, 2.0),
        ("NVIDIA A100-SXM4-80GB", "A100 SXM4 80GB", 312.0, 2.039),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe 80GB", 312.0, 1.935),
        ("NVIDIA L40S", "L40S", 362.05, 0.864),
        ("NVIDIA GeForce RTX 4090", "RTX 4090", 165.2, 1.008),
        ("NVIDIA GeForce RTX 5090", "RTX 5090", 209.5, 1.792),
        # the variants have their own rows: other clocks, power and memory than their namesakes
        ("NVIDIA H200 NVL", "H200 NVL", 835.5, 4.8),
        ("NVIDIA H100 NVL", "H100 NVL", 835.5, 3.9),
        ("NVIDIA GeForce RTX 4090 D", "RTX 4090 D", 147.1, 1.008),
        ("Tesla T4", None, None, None),
    ],
)
def test_gpu_names_find_their_peaks(name, key, bf16, tb_s):
    peak, reason = peaks.gpu_peak(name)
    assert (peak.device if peak else None) == key
    assert bool(reason) == (peak is None)
    if peak is not None:
        assert (peak.tflop_s["bf16"], peak.bandwidth_tb_s) == (bf16, tb_s)


def test_every_gpu_entry_has_provenance():
    for card in peaks.load_cards():
        peak = card.peak
        assert peak.kind == "datasheet", card.name
        assert peak.source and peak.date, card.name
        assert {"bf16", "fp16", "fp32"} <= set(peak.tflop_s), card.name
        assert peak.bandwidth_tb_s > 0, card.name
        if peak.measured is not None:
            assert peak.measured.kind in ("measured", "estimate"), card.name
            assert peak.measured.source and peak.measured.date, card.name


def test_h200_sustained_figure_is_labelled_an_estimate_until_a_gpu_run_measures_it():
    # No GPU run of this project exists yet: the ~790 TFLOP/s figure must not claim otherwise.
    (h200,) = [c for c in peaks.load_cards() if c.name == "H200 SXM"]
    assert h200.peak.measured.kind == "estimate"
    assert "NOT yet measured" in h200.peak.measured.source


def test_gemm_mfu_on_h100_by_hand():
    # 790 TFLOP/s of bf16 against the 989.5 dense datasheet figure: 0.79838...
    h100 = Device(id="cuda:0", kind="cuda", name="NVIDIA H100 80GB HBM3")
    w = base.create("gemm", h100, dtype="bf16")  # construction allocates nothing
    fig = w.roofline(790e12)
    assert fig["mfu"] == pytest.approx(790 / 989.5, rel=1e-12)
    assert fig["peak"]["kind"] == "datasheet"


def test_decode_mbu_on_h200_by_hand():
    # Llama-3.1-8B bf16, batch 1, context 1024: 15,144,206,336 bytes per token (weights
    # 15,009,857,536 + KV 134,348,800). At 215 tokens/s: 3.2560 TB/s, i.e. 0.67834 of the
    # 4.8 TB/s datasheet figure and 0.75721 of the 4.3 TB/s measured copy bandwidth.
    h200 = Device(id="cuda:0", kind="cuda", name="NVIDIA H200")
    w = base.create("llm-decode", h200, model="llama-3.1-8b", dtype="bf16", batch_size=1)
    fig = w.roofline(215.0)
    tb_s = 215.0 * 15_144_206_336 / 1e12
    assert fig["achieved_tb_s"] == pytest.approx(tb_s, rel=1e-12)
    assert fig["mbu"] == pytest.approx(tb_s / 4.8, rel=1e-12)
    assert fig["mbu_vs_measured"] == pytest.approx(tb_s / 4.3, rel=1e-12)
    assert round(fig["mbu"], 4) == 0.6783


def test_unknown_device_reports_unknown_not_a_guess():
    t4 = Device(id="cuda:0", kind="cuda", name="Tesla T4")
    fig = base.create("llm-decode", t4, model="llama-3.1-8b", dtype="bf16").roofline(100.0)
    assert fig["mfu"] is None and fig["mbu"] is None
    assert "Tesla T4" in fig["mfu_unknown"] and fig["mbu_unknown"]
    assert fig["achieved_tflop_s"] > 0  # the achieved rate is still reported


def test_fp8_without_a_peak_figure_is_unknown():
    a100 = peaks.gpu_peak("NVIDIA A100-SXM4-80GB")[0]
    fig = roofline.figures(a100, "", "fp8", 1e12, 1.0)
    assert fig["mfu"] is None and "no fp8 peak" in fig["mfu_unknown"]


def test_cpu_peak_estimate_by_hand():
    # Zen 4: 2 cores x 2.4 GHz x 32 fp32 FLOP per cycle = 153.6 GFLOP/s; bf16 twice that.
    peak, _ = peaks.cpu_peak(peaks.parse_cpuinfo(ZEN4_CPUINFO), cores=2)
    assert peak.kind == "estimate"
    assert peak.tflop_s["fp32"] == pytest.approx(0.1536)
    assert peak.tflop_s["bf16"] == pytest.approx(0.3072)
    assert peak.bandwidth_tb_s is None
    fig = roofline.figures(peak, "", "fp32", 76.8e9, 1.0, bytes_per_unit=0.5)
    assert fig["mfu"] == pytest.approx(0.5)
    assert fig["mbu"] is None and "bandwidth" in fig["mbu_unknown"]


def test_unlisted_cpu_has_no_estimate():
    intel = ZEN4_CPUINFO.replace("AuthenticAMD", "GenuineIntel").replace(": 25", ": 6")
    peak, reason = peaks.cpu_peak(peaks.parse_cpuinfo(intel), cores=4)
    assert peak is None and "no peak estimate" in reason


@pytest.mark.gpu
@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA GPU visible to torch")
@pytest.mark.parametrize("dtype", ["bf16", "fp16", "fp32", "fp8"])
def test_gpu_gemm_verifies(dtype):
    gpu = Device(id="cuda:0", kind="cuda", name=torch.cuda.get_device_name(0))
    ok, why = ts.fp8_support(gpu)
    if dtype == "fp8" and not ok:
        pytest.skip(why)
    w = base.create("gemm", gpu, dtype=dtype, m=4096, n=4096, k=4096)
    w.setup()
    w.verify()
    w.step()
    w.sync()


@pytest.mark.gpu
@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA GPU visible to torch")
@pytest.mark.parametrize("name", ["resnet50", "bert", "llm-prefill"])
def test_gpu_default_sizes_verify(name):
    gpu = Device(id="cuda:0", kind="cuda", name=torch.cuda.get_device_name(0))
    w = base.create(name, gpu)
    w.setup()
    try:
        w.verify()
        w.step()
        w.sync()
    finally:
        w.teardown()

"""Model shapes: parameter counts against published figures and formulas written out here."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from bench import devices, models
from bench import hardware as peaks
from bench.devices import CpuInfo
from bench.errors import InvalidInput
from bench.models import bert, llama, resnet


def decoder_params(h, layers, heads, kv_heads, inter, vocab, qkv_bias=False):
    """Parameters of a Llama-style decoder, matrix by matrix."""
    head_dim = h // heads
    q, k, v, o = h * h, h * kv_heads * head_dim, h * kv_heads * head_dim, h * h
    bias = (h + 2 * kv_heads * head_dim) if qkv_bias else 0
    gate, up, down = h * inter, h * inter, inter * h
    norms = 2 * h
    embed, lm_head, final_norm = vocab * h, vocab * h, h
    return layers * (q + k + v + o + bias + gate + up + down + norms) + embed + lm_head + final_norm


@pytest.mark.parametrize(
    "name, shapes, published",
    [
        # Llama 3.1 8B: "8B" on the model card; 8.03e9 counted from its config.
        ("llama-3.1-8b", (4096, 32, 32, 8, 14336, 128256), 8.03e9),
        # Mistral 7B v0.3: 7.25e9 on the model card.
        ("mistral-7b", (4096, 32, 32, 8, 14336, 32768), 7.25e9),
        # Qwen2.5 7B: 7.61e9 on the model card (with q/k/v biases).
        ("qwen2.5-7b", (3584, 28, 28, 4, 18944, 152064), 7.61e9),
    ],
)
def test_decoder_param_counts_match_published(name, shapes, published):
    cfg = llama.CONFIGS[name]
    want = decoder_params(*shapes, qkv_bias=cfg.qkv_bias)
    assert llama.param_count(cfg) == want
    assert math.isclose(want, published, rel_tol=2e-3)


def test_llama_8b_exact_count():
    # 32 x 218,112,000 per layer + 2 x 525,336,576 embeddings + 4,096 final norm.
    assert llama.param_count(llama.CONFIGS["llama-3.1-8b"]) == 8_030_261_248


def test_tiny_model_built_has_the_counted_parameters():
    model = llama.build("tiny", "cpu", torch.float32)
    cfg = llama.CONFIGS["tiny"]
    built = sum(p.numel() for p in model.parameters())
    assert built == decoder_params(256, 4, 8, 2, 768, 4096) == llama.param_count(cfg)


def test_qkv_bias_config_builds_with_its_count():
    cfg = llama.LlamaConfig("t-bias", 64, 2, 4, 2, 96, 128, 10000.0, qkv_bias=True)
    model = llama.LlamaModel(cfg, "cpu", torch.float32, max_len=16)
    assert sum(p.numel() for p in model.parameters()) == decoder_params(
        64, 2, 4, 2, 96, 128, qkv_bias=True
    )


def test_resnet50_parameters_match_published():
    # 25,557,032: the published parameter count of ResNet-50 (v1.5, 1000 classes).
    model = resnet.build("cpu", torch.float32)
    assert sum(p.numel() for p in model.parameters()) == 25_557_032


def test_resnet50_flops_match_published():
    # ResNet-50 at 224 x 224: 4.09 GMAC (multiply-adds) per image, as commonly published.
    assert math.isclose(resnet.conv_flops(224), 2 * 4.09e9, rel_tol=2e-3)


def test_resnet_stem_flops_by_hand():
    # Every feature map at 224 px (112, 56, 28, 14, 7) is exactly 7 times the one at 32 px
    # (16, 8, 4, 2, 1), so the convolutions cost exactly 49 times more; the head does not scale.
    # The stem alone: 7x7x3 -> 64 channels at 16 x 16 = 147 x 64 x 256 multiply-adds.
    small = resnet.conv_flops(32)
    assert small > 2 * 147 * 64 * 16 * 16
    head = 2 * 2048 * 1000
    assert (small - head) * 49 == resnet.conv_flops(224) - head


def test_bert_base_parameters_match_published():
    # bert-base-uncased with its pooler: 109,482,240 parameters.
    assert bert.param_count(bert.BERT_BASE) == 109_482_240
    model = bert.build("cpu", torch.float32)
    assert sum(p.numel() for p in model.parameters()) == 109_482_240


def test_bert_flops_by_hand():
    # 12 layers x 2 x (4 h^2 + 2 h i) per token, h = 768, i = 3072, for 128 tokens, plus
    # attention 12 x 4 x h x 128^2, plus the pooler 2 h^2.
    h, i, t = 768, 3072, 128
    want = 12 * 2 * (4 * h * h + 2 * h * i) * t + 12 * 4 * h * t * t + 2 * h * h
    assert bert.flops_per_sequence(bert.BERT_BASE, t) == want == 22_348_431_360


def test_llama31_rope_scaling_keeps_high_and_divides_low_frequencies():
    cfg = llama.CONFIGS["llama-3.1-8b"]
    freqs = llama.rope_frequencies(cfg)
    base = [500000.0 ** (-(2 * j) / 128) for j in range(64)]
    assert freqs[0].item() == pytest.approx(base[0])  # wavelength 2 pi: unchanged
    assert freqs[-1].item() == pytest.approx(base[-1] / 8)  # wavelength > 8192: divided by 8


def test_registry_builds_by_name_and_refuses_unknown():
    assert {"llama-3.1-8b", "mistral-7b", "qwen2.5-7b", "tiny", "resnet50", "bert-base"} <= set(
        models.names()
    )
    model = models.build("tiny", "cpu", torch.float32, max_len=8)
    assert isinstance(model, llama.LlamaModel)
    with pytest.raises(InvalidInput, match="unknown model"):
        models.build("gpt-5", "cpu", torch.float32)


def test_random_weights_are_deterministic():
    a = llama.build("tiny", "cpu", torch.float32, max_len=8, seed=3)
    b = llama.build("tiny", "cpu", torch.float32, max_len=8, seed=3)
    assert torch.equal(a.layers[1].gate_proj.weight, b.layers[1].gate_proj.weight)


# --- CPU peak estimate: the maximum clock where cpufreq gives it ---------------------------

ZEN4 = CpuInfo("AuthenticAMD", 25, 17, "AMD EPYC 9654", mhz=2400.0)


def test_cpu_peak_uses_the_maximum_clock():
    # Zen 4: 2 cores x 3.7 GHz x 32 fp32 FLOP per cycle = 236.8 GFLOP/s (not 2.4 GHz's 153.6)
    peak, reason = peaks.cpu_peak(replace(ZEN4, max_mhz=3700.0), cores=2)
    assert reason == "" and peak.kind == "estimate"
    assert peak.tflop_s["fp32"] == pytest.approx(0.2368)
    assert peak.tflop_s["bf16"] == pytest.approx(0.4736)
    assert "3.700 GHz (maximum clock, from cpufreq cpuinfo_max_freq)" in peak.note
    assert peak.note.startswith("estimate: 2 cores")


def test_cpu_peak_without_cpufreq_says_which_clock():
    peak, _ = peaks.cpu_peak(ZEN4, cores=2)
    assert peak.tflop_s["fp32"] == pytest.approx(0.1536)
    assert "2.400 GHz (clock reported in /proc/cpuinfo; the maximum is not exposed here)" in (
        peak.note
    )
    assert "too low" in peak.note and peak.to_dict()["kind"] == "estimate"


def test_peak_module_parses_cpuinfo_with_devices():
    assert peaks.parse_cpuinfo is devices.parse_cpuinfo

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


def test_scaled_8b_keeps_head_dim_gqa_group_and_ratios():
    # Llama 3.1 8B: head_dim 4096 / 32 = 128, group 32 / 8 = 4, intermediate 14336 = 3.5 x 4096.
    # At hidden 512: 512 / 128 = 4 heads, 4 / 4 = 1 kv head, 3.5 x 512 = 1792.
    cfg = llama.scaled(llama.CONFIGS["llama-3.1-8b"], layers=2, hidden=512, vocab=4096)
    got = (cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim, cfg.intermediate_size)
    assert got == (2, 4, 1, 128, 1792)
    assert (cfg.rope_theta, cfg.rope_scaling, cfg.vocab_size) == (
        500000.0,
        (8.0, 1.0, 4.0, 8192),
        4096,
    )
    model = llama.build(cfg, "cpu", torch.float32, max_len=16)
    assert sum(p.numel() for p in model.parameters()) == decoder_params(512, 2, 4, 1, 1792, 4096)
    with torch.inference_mode():
        logits = model(torch.arange(6).view(1, 6), use_cache=False)
    assert logits.shape == (1, 1, 4096) and torch.isfinite(logits).all()


def test_scaled_qwen_with_a_smaller_head_dim_keeps_biases_and_group():
    # Qwen2.5 7B: group 28 / 4 = 7; head_dim 32 at hidden 224 gives 7 heads, 1 kv head;
    # intermediate 18944 x 224 / 3584 = 1184 exactly.
    cfg = llama.scaled(
        llama.CONFIGS["qwen2.5-7b"], layers=1, hidden=224, head_dim=32, vocab=1000, name="q"
    )
    assert (cfg.name, cfg.n_heads, cfg.n_kv_heads, cfg.intermediate_size) == ("q", 7, 1, 1184)
    model = models.build(cfg, "cpu", torch.float32, max_len=8)
    want = decoder_params(224, 1, 7, 1, 1184, 1000, qkv_bias=True)
    assert sum(p.numel() for p in model.parameters()) == want


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hidden": 256}, "multiple of head_dim 128 x GQA group 4 = 512"),  # half a kv head
        ({"hidden": 600}, "multiple of head_dim 128"),
        ({"hidden": 512, "head_dim": 96}, "head_dim 96 x GQA group 4"),
        ({"layers": 0}, "positive"),
    ],
)
def test_scaled_refuses_shapes_that_break_the_heads(kwargs, match):
    with pytest.raises(InvalidInput, match=match):
        llama.scaled(llama.CONFIGS["llama-3.1-8b"], **kwargs)


def test_llama_config_and_name_are_checked():
    with pytest.raises(InvalidInput, match="multiple of n_kv_heads"):
        llama.LlamaConfig("bad", 96, 1, 6, 4, 128, 64, 10000.0)  # 6 query heads, 4 kv heads
    with pytest.raises(InvalidInput, match="even head_dim"):
        llama.LlamaConfig("odd", 66, 1, 2, 1, 128, 64, 10000.0)  # head_dim 33
    with pytest.raises(InvalidInput, match="unknown model 'gpt-5'"):
        llama.build("gpt-5", "cpu", torch.float32)


def resnet_params(depths, widths, stem, expansion, classes):
    """Parameters of a bottleneck ResNet, layer by layer: convolutions without bias, batch norm
    with a scale and a shift per channel, a projection shortcut where the shape changes."""
    total = 3 * stem * 7 * 7 + 2 * stem
    cin = stem
    for stage, (n, w) in enumerate(zip(depths, widths, strict=True)):
        cout = w * expansion
        for i in range(n):
            total += cin * w + 2 * w + 9 * w * w + 2 * w + w * cout + 2 * cout
            if i == 0 and (stage > 0 or cin != cout):
                total += cin * cout + 2 * cout
            cin = cout
    return total + cin * classes + classes


def test_resnet50_parameters_match_published():
    # 25,557,032: the published parameter count of ResNet-50 (v1.5, 1000 classes), from the
    # published shapes: stages [3, 4, 6, 3], widths 64-128-256-512, expansion 4, stem 64.
    cfg = resnet.RESNET50
    assert (cfg.depths, cfg.widths, cfg.stem_width, cfg.expansion, cfg.num_classes) == (
        (3, 4, 6, 3),
        (64, 128, 256, 512),
        64,
        4,
        1000,
    )
    assert resnet_params((3, 4, 6, 3), (64, 128, 256, 512), 64, 4, 1000) == 25_557_032
    model = resnet.build("cpu", torch.float32)
    assert sum(p.numel() for p in model.parameters()) == 25_557_032


SMALL_RESNET = resnet.ResNetConfig("r-small", (1, 2), (8, 16), stem_width=32, num_classes=10)


def test_small_resnet_config_builds_runs_and_counts():
    # stem 32 = 8 x 4: the first block keeps its shape and has no projection shortcut.
    model = resnet.build("cpu", torch.float32, cfg=SMALL_RESNET)
    assert sum(p.numel() for p in model.parameters()) == resnet_params((1, 2), (8, 16), 32, 4, 10)
    with torch.inference_mode():
        logits = model(torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)))
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()


def test_small_resnet_flops_by_hand():
    # 32 px: stem (stride 2) 16 x 16, max pool 8 x 8; stage 1 at 8 x 8; stage 2 halves to 4 x 4
    # in its first block's 3x3 and shortcut. 2 FLOPs per multiply-add.
    stem = 147 * 32 * 16 * 16
    stage1 = (32 * 8 + 9 * 8 * 8 + 8 * 32) * 64
    first = 32 * 16 * 64 + (9 * 16 * 16 + 16 * 64 + 32 * 64) * 16
    second = (64 * 16 + 9 * 16 * 16 + 16 * 64) * 16
    head = 64 * 10
    assert resnet.conv_flops(32, SMALL_RESNET) == 2 * (stem + stage1 + first + second + head)


@pytest.mark.parametrize(
    "kwargs", [{"depths": (3, 4), "widths": (64,)}, {"depths": ()}, {"num_classes": 0}]
)
def test_resnet_config_is_checked(kwargs):
    with pytest.raises(InvalidInput):
        resnet.ResNetConfig(**{"depths": (1,), "widths": (8,), **kwargs})


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


def bert_params(vocab, h, layers, inter, positions, types):
    """Parameters of a BERT encoder, matrix by matrix."""
    embeddings = vocab * h + positions * h + types * h + 2 * h  # + embedding LayerNorm
    attention = 3 * (h * h + h) + (h * h + h) + 2 * h  # q, k, v, output, LayerNorm
    ff = (h * inter + inter) + (inter * h + h) + 2 * h  # in, out, LayerNorm
    pooler = h * h + h
    return embeddings + layers * (attention + ff) + pooler


def test_bert_base_parameters_match_published():
    # bert-base-uncased with its pooler: 109,482,240 parameters.
    assert bert_params(30522, 768, 12, 3072, 512, 2) == 109_482_240
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

"""The decoder and the LLM workloads: KV cache against full forwards, FLOPs and bytes by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from bench.devices import Device
from bench.errors import InvalidInput, VerificationFailed
from bench.models import llama
from bench.workloads import base

CPU = Device(id="cpu", kind="cpu", name="test CPU")
NO_CUDA = not torch.cuda.is_available()


def tiny(max_len=64, seed=0, dtype=torch.float32):
    return llama.build("tiny", "cpu", dtype, max_len=max_len, seed=seed)


def tokens(b, t, seed=1):
    return torch.randint(0, 4096, (b, t), generator=torch.Generator().manual_seed(seed))


@torch.inference_mode()
def test_decode_through_cache_matches_full_forward():
    model = tiny()
    model.allocate_cache(2, 40)
    ids = tokens(2, 33)
    want = model(ids, use_cache=False)[:, -1]
    model(ids[:, :32], start=0, use_cache=True)
    got = model(ids[:, 32:], start=32, use_cache=True)[:, -1]
    assert (got - want).abs().max().item() < 1e-4 * want.abs().max().item()


@torch.inference_mode()
def test_scaled_8b_decode_through_cache_matches_full_forward():
    # The 8B's own head_dim (128), GQA group (4) and Llama 3.1 rotary scaling, at 2 layers.
    cfg = llama.scaled(llama.CONFIGS["llama-3.1-8b"], layers=2, hidden=512, vocab=512)
    model = llama.build(cfg, "cpu", torch.float32, max_len=48)
    model.allocate_cache(2, 40)
    ids = torch.randint(0, 512, (2, 37), generator=torch.Generator().manual_seed(2))
    want = model(ids, use_cache=False)[:, -1]
    model(ids[:, :36], start=0, use_cache=True)
    got = model(ids[:, 36:], start=36, use_cache=True)[:, -1]
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


@torch.inference_mode()
def test_several_decode_steps_match_full_forwards():
    model = tiny()
    model.allocate_cache(1, 24)
    ids = tokens(1, 20, seed=7)
    model(ids[:, :16], start=0, use_cache=True)
    for pos in range(16, 20):
        got = model(ids[:, pos : pos + 1], start=pos, use_cache=True)[:, -1]
        want = model(ids[:, : pos + 1], use_cache=False)[:, -1]
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


@torch.inference_mode()
def test_chunked_prefill_with_offset_mask_matches_full_forward():
    model = tiny()
    model.allocate_cache(2, 30)
    ids = tokens(2, 30, seed=3)
    for start in range(0, 30, 8):  # chunks after cached tokens take the offset-mask path
        out = model(ids[:, start : start + 8], start=start, use_cache=True, last_only=False)
    want = model(ids, use_cache=False, last_only=False)[:, 24:]
    torch.testing.assert_close(out, want, rtol=1e-4, atol=1e-5)


@torch.inference_mode()
def test_attention_matches_naive_float64_reference():
    """One attention layer against a plain implementation: complex rotary, repeated kv heads."""
    model = tiny(max_len=8)
    attn = model.layers[0].attn
    cfg = attn.cfg
    x = torch.randn(1, 5, cfg.hidden_size, generator=torch.Generator().manual_seed(5))
    got = attn(x, model.cos[:5], model.sin[:5], 0, use_cache=False)

    xd = x.double()
    q = (xd @ attn.q_proj.weight.double().T).view(1, 5, cfg.n_heads, cfg.head_dim)
    k = (xd @ attn.k_proj.weight.double().T).view(1, 5, cfg.n_kv_heads, cfg.head_dim)
    v = (xd @ attn.v_proj.weight.double().T).view(1, 5, cfg.n_kv_heads, cfg.head_dim)
    half = cfg.head_dim // 2
    inv = 10000.0 ** (-torch.arange(0, half, dtype=torch.float64) * 2 / cfg.head_dim)
    rot = torch.polar(torch.ones(5, half, dtype=torch.float64), torch.outer(torch.arange(5.0), inv))

    def rotate(z):  # pairs (i, i + half) as complex numbers, multiplied by e^{i pos theta}
        c = torch.complex(z[..., :half], z[..., half:]) * rot[None, :, None, :]
        return torch.cat([c.real, c.imag], dim=-1)

    q, k = rotate(q), rotate(k)
    group = cfg.n_heads // cfg.n_kv_heads
    k, v = k.repeat_interleave(group, dim=2), v.repeat_interleave(group, dim=2)
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(cfg.head_dim)
    scores = scores.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.einsum("bhqk,bkhd->bqhd", F.softmax(scores, dim=-1), v).reshape(1, 5, -1)
    want = out @ attn.o_proj.weight.double().T
    torch.testing.assert_close(got.double(), want, rtol=1e-4, atol=1e-6)


def test_decode_flops_and_bytes_by_hand():
    # tiny: h 256, 4 layers, 8 heads x 32, 2 kv heads (kv dim 64), intermediate 768, vocab 4096.
    # Matmuls per token: 4 x 2 x (2*256*256 + 2*256*64 + 3*256*768) + 2*256*4096 = 8,126,464;
    # attention over 65 positions: 4 x 4 layers x 256 x 65 = 266,240. Total 8,392,704.
    w = base.create("llm-decode", CPU, model="tiny", dtype="fp32", batch_size=2, context_len=64)
    assert w.flops_per_token() == 8_392_704
    # Weights read per step: 5,114,112 params - 1,048,576 embedding table + 2 x 256 rows,
    # x 4 bytes = 16,264,192; KV: 2 x 4 layers x 64 x 65 positions x 2 seqs x 4 B = 266,240.
    assert w.bytes_per_token() == (16_264_192 + 266_240) / 2


def test_prefill_flops_by_hand():
    # Matmuls without the head: 6,029,312 per token; the head once per prompt: 2,097,152;
    # causal attention: 64 x 65 / 2 = 2,080 pairs x 4 x 4 layers x 256 = 8,519,680.
    w = base.create("llm-prefill", CPU, model="tiny", dtype="fp32", batch_size=2, prompt_len=64)
    assert w.flops_per_token() == 6_029_312 + (2_097_152 + 8_519_680) / 64


def test_8b_decode_bytes_by_hand():
    # Llama-3.1-8B bf16, batch 1, context 1024: weights 8,030,261,248 - 525,336,576 (embedding
    # table) + 4,096 (one row) = 7,504,928,768 x 2 B; KV 2 x 32 layers x 1024 x 1025 x 2 B.
    w = base.create(
        "llm-decode", CPU, model="llama-3.1-8b", dtype="bf16", batch_size=1, context_len=1024
    )
    assert w.bytes_per_token() == 7_504_928_768 * 2 + 2 * 32 * 1024 * 1025 * 2


@pytest.mark.parametrize("name", ["llm-prefill", "llm-decode"])
@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_quick_workload_runs_and_verifies(name, dtype):
    cls = base.get(name)
    w = cls(CPU, **{**cls.default_params(CPU, quick=True), "dtype": dtype})
    w.setup()
    try:
        w.verify()
        assert w.step() == w.params["batch_size"] * (
            w.params.get("prompt_len", 1) if name == "llm-prefill" else 1
        )
        w.sync()
    finally:
        w.teardown()


def test_decode_verify_catches_a_corrupt_cache():
    cls = base.get("llm-decode")
    w = cls(CPU, **cls.default_params(CPU, quick=True))
    w.setup()
    for layer in w.model.layers:
        layer.attn.k_cache.mul_(-1.0)
    with pytest.raises(VerificationFailed, match="decode step vs full forward"):
        w.verify()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"dtype": "fp8"}, "gemm workload only"),
        ({"dtype": "int4"}, "unknown dtype"),
        ({"mode": "cuda-graph"}, "needs a CUDA device"),
        ({"model": "gpt-5"}, "unknown model"),
        ({"batch_size": 0}, "positive integer"),
    ],
)
def test_bad_parameters_are_refused(params, match):
    cls = base.get("llm-decode")
    with pytest.raises(InvalidInput, match=match):
        cls(CPU, **{**cls.default_params(CPU, quick=True), **params})


def test_sizes_beyond_device_memory_are_refused_before_allocating():
    # 8.03e9 params x 2 B = 16.1 GB of weights on a 16 GB card: refused with the figures.
    small_gpu = Device(id="cuda:0", kind="cuda", name="x", memory_bytes=16 * 10**9)
    w = base.create("llm-decode", small_gpu, model="llama-3.1-8b", dtype="bf16", mode="eager")
    with pytest.raises(InvalidInput, match="need 16.2 GB"):
        w._check_memory(1025)


def test_gpu_defaults_are_the_real_model():
    gpu = Device(id="cuda:0", kind="cuda", name="NVIDIA H200")
    p = base.get("llm-decode").default_params(gpu, quick=False)
    assert (p["model"], p["dtype"], p["mode"]) == ("llama-3.1-8b", "bf16", "cuda-graph")


@pytest.mark.gpu
@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA GPU visible to torch")
@pytest.mark.parametrize("mode", ["eager", "cuda-graph"])
def test_gpu_8b_decode_verifies(mode):
    gpu = Device(id="cuda:0", kind="cuda", name=torch.cuda.get_device_name(0))
    cls = base.get("llm-decode")
    w = cls(gpu, **{**cls.default_params(gpu, quick=False), "mode": mode, "context_len": 256})
    w.setup()
    try:
        w.verify()
        assert w.step() == 1.0
        w.sync()
    finally:
        w.teardown()

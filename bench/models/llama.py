"""A Llama-style decoder with named published shapes, random weights and a static KV cache.

RMSNorm, rotary position embeddings, grouped-query attention through
torch.nn.functional.scaled_dot_product_attention, and a SwiGLU feed-forward block. Weights are
random (no download, no tokenizer): the shapes, and so the cost of running it, are the real ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import InvalidInput
from bench.models.weights import init_random


@dataclass(frozen=True)
class LlamaConfig:
    """The shapes of one decoder model."""

    name: str
    hidden_size: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    intermediate_size: int
    vocab_size: int
    rope_theta: float
    norm_eps: float = 1e-5
    qkv_bias: bool = False
    tie_embeddings: bool = False
    # Llama 3.1 rescales the rotary frequencies: (factor, low_freq, high_freq, original ctx).
    rope_scaling: tuple[float, float, float, int] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        sizes = (self.hidden_size, self.n_layers, self.n_heads, self.n_kv_heads)
        if min(sizes + (self.intermediate_size, self.vocab_size)) <= 0:
            raise InvalidInput(f"{self.name}: every size must be a positive integer")
        if self.hidden_size % self.n_heads or self.n_heads % self.n_kv_heads:
            raise InvalidInput(
                f"{self.name}: need hidden_size a multiple of n_heads ({self.hidden_size}, "
                f"{self.n_heads}) and n_heads a multiple of n_kv_heads ({self.n_kv_heads})"
            )
        if self.head_dim % 2:
            raise InvalidInput(f"{self.name}: rotary embeddings need an even head_dim")

    @property
    def gqa_group(self) -> int:
        """Query heads per key/value head."""
        return self.n_heads // self.n_kv_heads

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_dim


CONFIGS: dict[str, LlamaConfig] = {
    cfg.name: cfg
    for cfg in (
        # https://huggingface.co/meta-llama/Llama-3.1-8B (config.json): 8.03e9 parameters.
        LlamaConfig(
            "llama-3.1-8b", 4096, 32, 32, 8, 14336, 128256, 500000.0, 1e-5,
            rope_scaling=(8.0, 1.0, 4.0, 8192),
            source="huggingface.co/meta-llama/Llama-3.1-8B config.json",
        ),
        # https://huggingface.co/mistralai/Mistral-7B-v0.3 (config.json): 7.25e9 parameters.
        LlamaConfig(
            "mistral-7b", 4096, 32, 32, 8, 14336, 32768, 1000000.0, 1e-5,
            source="huggingface.co/mistralai/Mistral-7B-v0.3 config.json",
        ),
        # https://huggingface.co/Qwen/Qwen2.5-7B (config.json): 7.61e9 parameters, q/k/v biases.
        LlamaConfig(
            "qwen2.5-7b", 3584, 28, 28, 4, 18944, 152064, 1000000.0, 1e-6, qkv_bias=True,
            source="huggingface.co/Qwen/Qwen2.5-7B config.json",
        ),
        # Not a published model: small enough for CPU tests and --quick runs.
        LlamaConfig("tiny", 256, 4, 8, 2, 768, 4096, 10000.0, 1e-5, source="test shape"),
    )
}  # fmt: skip


def scaled(
    cfg: LlamaConfig,
    *,
    layers: int | None = None,
    hidden: int | None = None,
    vocab: int | None = None,
    head_dim: int | None = None,
    name: str | None = None,
) -> LlamaConfig:
    """A smaller (or larger) copy of `cfg` that keeps the shape's proportions.

    Kept: the head dimension (unless `head_dim` is given), the GQA group (query heads per
    key/value head), the feed-forward ratio intermediate/hidden (rounded to the nearest
    integer), rotary theta and scaling, norm epsilon, q/k/v biases and tied embeddings.
    `hidden` must be a multiple of head_dim x group, so that every key/value head is whole.
    """
    hidden = hidden or cfg.hidden_size
    head_dim = head_dim or cfg.head_dim
    group = cfg.gqa_group
    if hidden <= 0 or head_dim <= 0 or hidden % (head_dim * group):
        raise InvalidInput(
            f"scaled {cfg.name}: hidden {hidden} must be a positive multiple of head_dim "
            f"{head_dim} x GQA group {group} = {head_dim * group} (or pass a smaller head_dim)"
        )
    heads = hidden // head_dim
    layers = cfg.n_layers if layers is None else layers
    vocab = cfg.vocab_size if vocab is None else vocab
    return replace(
        cfg,
        name=name or f"{cfg.name}-scaled-{layers}x{hidden}",
        hidden_size=hidden,
        n_layers=layers,
        n_heads=heads,
        n_kv_heads=heads // group,
        intermediate_size=round(cfg.intermediate_size * hidden / cfg.hidden_size),
        vocab_size=vocab,
        source=f"{cfg.name} scaled down ({cfg.source})" if cfg.source else cfg.name,
    )


def config(config_or_name: LlamaConfig | str) -> LlamaConfig:
    """The config itself, or the named one; an unknown name is refused with the known ones."""
    if isinstance(config_or_name, LlamaConfig):
        return config_or_name
    if config_or_name not in CONFIGS:
        known = ", ".join(sorted(CONFIGS))
        raise InvalidInput(f"unknown model {config_or_name!r} (known: {known})")
    return CONFIGS[config_or_name]


def param_count(cfg: LlamaConfig) -> int:
    """Parameters of the model with these shapes, counted without building it."""
    h, kv = cfg.hidden_size, cfg.kv_dim
    attn = h * h * 2 + h * kv * 2 + ((h + 2 * kv) if cfg.qkv_bias else 0)
    mlp = 3 * h * cfg.intermediate_size
    per_layer = attn + mlp + 2 * h
    embed = cfg.vocab_size * h * (1 if cfg.tie_embeddings else 2)
    return cfg.n_layers * per_layer + embed + h


def weight_bytes_per_step(cfg: LlamaConfig, bytes_per_param: int, batch: int) -> int:
    """Bytes of weights one forward step reads: every matrix once, embedding rows per token."""
    embed_table = cfg.vocab_size * cfg.hidden_size
    read_params = param_count(cfg) - (0 if cfg.tie_embeddings else embed_table)
    return (read_params + batch * cfg.hidden_size) * bytes_per_param


def kv_bytes_per_step(cfg: LlamaConfig, bytes_per_elem: int, batch: int, positions: int) -> int:
    """Bytes of KV cache one decode step reads: keys and values of `positions` per sequence."""
    return 2 * cfg.n_layers * cfg.kv_dim * positions * batch * bytes_per_elem


def matmul_flops_per_token(cfg: LlamaConfig, with_lm_head: bool) -> int:
    """FLOPs of the weight matrices for one token (2 per multiply-add)."""
    h, kv = cfg.hidden_size, cfg.kv_dim
    per_layer = 2 * (2 * h * h + 2 * h * kv + 3 * h * cfg.intermediate_size)
    head = 2 * h * cfg.vocab_size if with_lm_head else 0
    return cfg.n_layers * per_layer + head


def attention_flops(cfg: LlamaConfig, pairs: int) -> int:
    """FLOPs of attention over `pairs` (query, key) pairs: q.k and p.v, per head, per layer."""
    return 4 * cfg.n_layers * cfg.n_heads * cfg.head_dim * pairs


class RMSNorm(nn.Module):
    """Root-mean-square layer norm with a learned scale, computed in float32."""

    def __init__(self, dim: int, eps: float, device, dtype) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim, device=device, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return x32.to(x.dtype) * self.weight


def rope_frequencies(cfg: LlamaConfig) -> torch.Tensor:
    """Rotary inverse frequencies (float64, on the CPU), with Llama 3.1's rescaling if set."""
    inv = 1.0 / cfg.rope_theta ** (
        torch.arange(0, cfg.head_dim, 2, dtype=torch.float64) / cfg.head_dim
    )
    if cfg.rope_scaling is None:
        return inv
    factor, low_ff, high_ff, orig = cfg.rope_scaling
    wavelen = 2 * math.pi / inv
    smooth = ((orig / wavelen) - low_ff) / (high_ff - low_ff)
    blended = (1 - smooth) * inv / factor + smooth * inv
    out = torch.where(wavelen > orig / low_ff, inv / factor, blended)
    return torch.where(wavelen < orig / high_ff, inv, out)


def rope_tables(cfg: LlamaConfig, max_len: int, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables of shape [max_len, head_dim] for the rotate-half convention."""
    angles = torch.outer(torch.arange(max_len, dtype=torch.float64), rope_frequencies(cfg))
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos().to(device, dtype), angles.sin().to(device, dtype)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate [B, heads, T, head_dim] by the position angles [T, head_dim]."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


class Attention(nn.Module):
    """Grouped-query self-attention that reads and writes a static KV cache."""

    def __init__(self, cfg: LlamaConfig, device, dtype) -> None:
        super().__init__()
        self.cfg = cfg
        h, kv = cfg.hidden_size, cfg.kv_dim
        self.q_proj = nn.Linear(h, h, bias=cfg.qkv_bias, device=device, dtype=dtype)
        self.k_proj = nn.Linear(h, kv, bias=cfg.qkv_bias, device=device, dtype=dtype)
        self.v_proj = nn.Linear(h, kv, bias=cfg.qkv_bias, device=device, dtype=dtype)
        self.o_proj = nn.Linear(h, h, bias=False, device=device, dtype=dtype)
        self.k_cache: torch.Tensor | None = None
        self.v_cache: torch.Tensor | None = None

    def forward(self, x, cos, sin, start: int, use_cache: bool) -> torch.Tensor:
        b, t, _ = x.shape
        c = self.cfg
        q = self.q_proj(x).view(b, t, c.n_heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, c.n_kv_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, c.n_kv_heads, c.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if use_cache:
            self.k_cache[:b, :, start : start + t] = k
            self.v_cache[:b, :, start : start + t] = v
            k = self.k_cache[:b, :, : start + t]
            v = self.v_cache[:b, :, : start + t]
        mask, causal = None, t > 1
        if use_cache and t > 1 and start > 0:  # a chunk after cached tokens: offset causal mask
            mask = torch.ones(t, start + t, dtype=torch.bool, device=x.device).tril(start)
            causal = False
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=causal, enable_gqa=True
        )
        return self.o_proj(out.transpose(1, 2).reshape(b, t, c.hidden_size))


class Block(nn.Module):
    """One decoder layer: pre-norm attention and pre-norm SwiGLU, each with a residual."""

    def __init__(self, cfg: LlamaConfig, device, dtype) -> None:
        super().__init__()
        h, i = cfg.hidden_size, cfg.intermediate_size
        self.attn_norm = RMSNorm(h, cfg.norm_eps, device, dtype)
        self.attn = Attention(cfg, device, dtype)
        self.mlp_norm = RMSNorm(h, cfg.norm_eps, device, dtype)
        self.gate_proj = nn.Linear(h, i, bias=False, device=device, dtype=dtype)
        self.up_proj = nn.Linear(h, i, bias=False, device=device, dtype=dtype)
        self.down_proj = nn.Linear(i, h, bias=False, device=device, dtype=dtype)

    def forward(self, x, cos, sin, start: int, use_cache: bool) -> torch.Tensor:
        x = x + self.attn(self.attn_norm(x), cos, sin, start, use_cache)
        y = self.mlp_norm(x)
        return x + self.down_proj(F.silu(self.gate_proj(y)) * self.up_proj(y))


class LlamaModel(nn.Module):
    """The decoder: token embedding, layers, final norm and the output projection."""

    def __init__(self, cfg: LlamaConfig, device, dtype, max_len: int = 4096) -> None:
        super().__init__()
        self.cfg = cfg
        self.max_len = max_len
        self.embed = nn.Embedding(cfg.vocab_size, cfg.hidden_size, device=device, dtype=dtype)
        self.layers = nn.ModuleList(Block(cfg, device, dtype) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.norm_eps, device, dtype)
        self.lm_head = nn.Linear(
            cfg.hidden_size, cfg.vocab_size, bias=False, device=device, dtype=dtype
        )
        if cfg.tie_embeddings:
            self.lm_head.weight = self.embed.weight
        self.cos, self.sin = rope_tables(cfg, max_len, device, dtype)

    def allocate_cache(self, batch: int, length: int) -> None:
        """Preallocate the KV cache for `batch` sequences of up to `length` positions."""
        if length > self.max_len:
            raise ValueError(f"cache length {length} exceeds the rotary table ({self.max_len})")
        p = self.embed.weight
        shape = (batch, self.cfg.n_kv_heads, length, self.cfg.head_dim)
        for layer in self.layers:
            layer.attn.k_cache = torch.zeros(shape, device=p.device, dtype=p.dtype)
            layer.attn.v_cache = torch.zeros(shape, device=p.device, dtype=p.dtype)

    def free_cache(self) -> None:
        """Drop the KV cache."""
        for layer in self.layers:
            layer.attn.k_cache = layer.attn.v_cache = None

    def forward(
        self, tokens: torch.Tensor, start: int = 0, use_cache: bool = True, last_only: bool = True
    ) -> torch.Tensor:
        """Logits [B, T or 1, vocab] for tokens [B, T] placed at positions start..start+T-1."""
        t = tokens.shape[1]
        cos, sin = self.cos[start : start + t], self.sin[start : start + t]
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, start, use_cache)
        if last_only:
            x = x[:, -1:]
        return self.lm_head(self.norm(x))


def build(
    config_or_name: LlamaConfig | str, device, dtype, max_len: int = 4096, seed: int = 0
) -> LlamaModel:
    """A decoder with these (or the named) shapes and random weights, on `device` in `dtype`."""
    model = LlamaModel(config(config_or_name), device, dtype, max_len=max_len)
    init_random(model, seed)
    return model.eval()

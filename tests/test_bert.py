"""BERT's token types and padding mask, against the unpadded sequence and a float64 reference.

A small encoder in float64 with every weight random (biases and LayerNorm scales too, so that
none of them can be left out unnoticed); the reference is written out here from the paper's
equations (Devlin et al. 2018; Vaswani et al. 2017), not from the model's code.
"""

from __future__ import annotations

import math

import pytest
import torch

from bench.models import bert

SMALL = bert.BertConfig(
    name="bert-small",
    vocab_size=50,
    hidden_size=32,
    n_layers=2,
    n_heads=4,
    intermediate_size=64,
    max_positions=16,
)
TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def small_model(cfg=SMALL, seed=0):
    model = bert.build("cpu", torch.float64, cfg=cfg, seed=seed)
    gen = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.3)
    return model


def ids(b, t, seed=1, high=50):
    return torch.randint(1, high, (b, t), generator=torch.Generator().manual_seed(seed))


@torch.inference_mode()
def test_padding_does_not_change_the_real_positions():
    model = small_model()
    real = ids(1, 6)
    padded = torch.cat([real, torch.zeros(1, 4, dtype=torch.long)], dim=1)
    mask = torch.tensor([[1] * 6 + [0] * 4])
    want_h, want_p = model(real)
    got_h, got_p = model(padded, attention_mask=mask)
    torch.testing.assert_close(got_h[:, :6], want_h, **TIGHT)
    torch.testing.assert_close(got_p, want_p, **TIGHT)
    # Without the mask the padding is attended to: the same positions come out different.
    unmasked, _ = model(padded)
    assert (unmasked[:, :6] - want_h).abs().max().item() > 1e-3


@torch.inference_mode()
def test_a_batch_of_different_lengths_matches_each_sequence_alone():
    model = small_model(seed=3)
    lengths = (3, 9, 12)
    seqs = [ids(1, n, seed=10 + n) for n in lengths]
    types = [(torch.arange(n) >= n // 2).long().view(1, n) for n in lengths]
    batch = torch.zeros(3, 12, dtype=torch.long)
    batch_types = torch.zeros(3, 12, dtype=torch.long)
    mask = torch.zeros(3, 12, dtype=torch.bool)
    for row, (seq, typ, n) in enumerate(zip(seqs, types, lengths, strict=True)):
        batch[row, :n], batch_types[row, :n], mask[row, :n] = seq[0], typ[0], True
    got_h, got_p = model(batch, token_type_ids=batch_types, attention_mask=mask)
    for row, (seq, typ, n) in enumerate(zip(seqs, types, lengths, strict=True)):
        want_h, want_p = model(seq, token_type_ids=typ)
        torch.testing.assert_close(got_h[row : row + 1, :n], want_h, **TIGHT)
        torch.testing.assert_close(got_p[row : row + 1], want_p, **TIGHT)


@torch.inference_mode()
def test_token_types_select_the_segment_embedding():
    model = small_model(seed=5)
    tokens = ids(2, 8, seed=4)
    zeros = torch.zeros_like(tokens)
    second = (torch.arange(8) >= 4).long().expand(2, 8)
    default_h, _ = model(tokens)
    torch.testing.assert_close(model(tokens, token_type_ids=zeros)[0], default_h, **TIGHT)
    typed_h, _ = model(tokens, token_type_ids=second)
    assert (typed_h - default_h).abs().max().item() > 1e-3
    # Segment 1 everywhere is segment 0 everywhere with the two embedding rows swapped.
    ones_h, _ = model(tokens, token_type_ids=torch.ones_like(tokens))
    model.token_type.weight.copy_(model.token_type.weight.flip(0))
    torch.testing.assert_close(model(tokens)[0], ones_h, **TIGHT)


def reference(model, tokens, types, mask):
    """One-layer BERT in float64 from the equations: embeddings, LayerNorm, masked multi-head
    attention, residual + LayerNorm, erf-GELU feed-forward, residual + LayerNorm, pooler."""
    w = {k: v.detach().double() for k, v in model.state_dict().items()}
    cfg = model.cfg
    h, heads = cfg.hidden_size, cfg.n_heads
    d = h // heads

    def norm(x, prefix):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + cfg.norm_eps) * w[prefix + ".weight"] + w[
            prefix + ".bias"
        ]

    def linear(x, prefix):
        return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]

    b, t = tokens.shape
    x = w["word.weight"][tokens] + w["position.weight"][:t] + w["token_type.weight"][types]
    x = norm(x, "embed_norm")
    q, k, v = linear(x, "layers.0.qkv").split(h, dim=-1)
    q, k, v = (z.reshape(b, t, heads, d) for z in (q, k, v))
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d)
    scores = scores.masked_fill(~mask.bool()[:, None, None, :], float("-inf"))
    attn = torch.einsum("bhqk,bkhd->bqhd", torch.softmax(scores, dim=-1), v).reshape(b, t, h)
    x = norm(x + linear(attn, "layers.0.attn_out"), "layers.0.attn_norm")
    z = linear(x, "layers.0.ff_in")
    gelu = 0.5 * z * (1.0 + torch.erf(z / math.sqrt(2.0)))
    x = norm(x + linear(gelu, "layers.0.ff_out"), "layers.0.ff_norm")
    return x, torch.tanh(linear(x[:, 0], "pooler"))


@torch.inference_mode()
def test_one_layer_matches_the_float64_reference_with_mask_and_types():
    cfg = bert.BertConfig(**{**SMALL.__dict__, "n_layers": 1, "name": "bert-1"})
    model = small_model(cfg, seed=7)
    tokens = ids(2, 10, seed=8)
    types = (torch.arange(10) >= 5).long().expand(2, 10)
    mask = torch.tensor([[1] * 10, [1] * 7 + [0] * 3])
    got_h, got_p = model(tokens, token_type_ids=types, attention_mask=mask)
    want_h, want_p = reference(model, tokens, types, mask)
    torch.testing.assert_close(got_h, want_h, **TIGHT)
    torch.testing.assert_close(got_p, want_p, **TIGHT)


def test_mismatched_shapes_and_too_many_positions_are_refused():
    model = small_model()
    tokens = ids(2, 6)
    with pytest.raises(ValueError, match="where the tokens have"):
        model(tokens, attention_mask=torch.ones(2, 5))
    with pytest.raises(ValueError, match="where the tokens have"):
        model(tokens, token_type_ids=torch.zeros(1, 6, dtype=torch.long))
    with pytest.raises(ValueError, match="at most 16 positions"):
        model(ids(1, 17))

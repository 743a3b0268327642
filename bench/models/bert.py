"""A BERT-base encoder (Devlin et al. 2018, arXiv:1810.04805) with random weights.

12 layers, hidden 768, 12 heads, feed-forward 3072, GELU, post-norm, WordPiece vocabulary of
30,522, 512 positions, 2 token types, and the pooler: 109,482,240 parameters, as in
huggingface.co/google-bert/bert-base-uncased (config.json). The forward pass takes token type
(segment) ids and a padding mask, as a tokenizer gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from bench.models.weights import init_random


@dataclass(frozen=True)
class BertConfig:
    """The shapes of one encoder."""

    name: str = "bert-base"
    vocab_size: int = 30522
    hidden_size: int = 768
    n_layers: int = 12
    n_heads: int = 12
    intermediate_size: int = 3072
    max_positions: int = 512
    type_vocab_size: int = 2
    norm_eps: float = 1e-12


BERT_BASE = BertConfig()


def param_count(cfg: BertConfig) -> int:
    """Parameters of an encoder with these shapes, counted without building it."""
    h, i = cfg.hidden_size, cfg.intermediate_size
    embeddings = (cfg.vocab_size + cfg.max_positions + cfg.type_vocab_size) * h + 2 * h
    layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h
    pooler = h * h + h
    return embeddings + cfg.n_layers * layer + pooler


def flops_per_sequence(cfg: BertConfig, seq_len: int) -> int:
    """FLOPs of one sequence: weight matrices per token, all-pairs attention, the pooler."""
    h, i = cfg.hidden_size, cfg.intermediate_size
    per_token = cfg.n_layers * 2 * (4 * h * h + 2 * h * i)
    attention = cfg.n_layers * 4 * h * seq_len * seq_len
    return per_token * seq_len + attention + 2 * h * h


class EncoderLayer(nn.Module):
    """Self-attention then feed-forward, each followed by residual add and LayerNorm."""

    def __init__(self, cfg: BertConfig, device, dtype) -> None:
        super().__init__()
        h, i = cfg.hidden_size, cfg.intermediate_size
        self.n_heads = cfg.n_heads
        self.qkv = nn.Linear(h, 3 * h, device=device, dtype=dtype)
        self.attn_out = nn.Linear(h, h, device=device, dtype=dtype)
        self.attn_norm = nn.LayerNorm(h, eps=cfg.norm_eps, device=device, dtype=dtype)
        self.ff_in = nn.Linear(h, i, device=device, dtype=dtype)
        self.ff_out = nn.Linear(i, h, device=device, dtype=dtype)
        self.ff_norm = nn.LayerNorm(h, eps=cfg.norm_eps, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """x [B, T, H]; bias: None, or [B, 1, 1, T] added to the attention scores."""
        b, t, h = x.shape
        q, k, v = (
            z.view(b, t, self.n_heads, h // self.n_heads).transpose(1, 2)
            for z in self.qkv(x).split(h, dim=-1)
        )
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        a = a.transpose(1, 2).reshape(b, t, h)
        x = self.attn_norm(x + self.attn_out(a))
        return self.ff_norm(x + self.ff_out(F.gelu(self.ff_in(x))))


class BertEncoder(nn.Module):
    """Embeddings, the layer stack, and the pooler over the first token."""

    def __init__(self, cfg: BertConfig, device, dtype) -> None:
        super().__init__()
        h = cfg.hidden_size
        self.cfg = cfg
        self.word = nn.Embedding(cfg.vocab_size, h, device=device, dtype=dtype)
        self.position = nn.Embedding(cfg.max_positions, h, device=device, dtype=dtype)
        self.token_type = nn.Embedding(cfg.type_vocab_size, h, device=device, dtype=dtype)
        self.embed_norm = nn.LayerNorm(h, eps=cfg.norm_eps, device=device, dtype=dtype)
        self.layers = nn.ModuleList(EncoderLayer(cfg, device, dtype) for _ in range(cfg.n_layers))
        self.pooler = nn.Linear(h, h, device=device, dtype=dtype)

    def forward(
        self,
        tokens: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states [B, T, H] and pooled outputs [B, H] for token ids [B, T].

        token_type_ids [B, T]: the segment of each token (0 where not given). attention_mask
        [B, T]: 1 (or True) for a real token, 0 for padding; no token attends to padding, so a
        padded sequence's real positions come out as they would unpadded.
        """
        t = tokens.shape[1]
        if t > self.cfg.max_positions:
            raise ValueError(f"{t} tokens: at most {self.cfg.max_positions} positions")
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(tokens)
        pos = torch.arange(t, device=tokens.device)
        x = (
            self.word(tokens)
            + self.position(pos)
            + self.token_type(_same_shape(token_type_ids, tokens))
        )
        x = self.embed_norm(x)
        bias = None if attention_mask is None else self._mask_bias(attention_mask, tokens, x.dtype)
        for layer in self.layers:
            x = layer(x, bias)
        return x, torch.tanh(self.pooler(x[:, 0]))

    @staticmethod
    def _mask_bias(mask: torch.Tensor, tokens: torch.Tensor, dtype) -> torch.Tensor:
        """[B, 1, 1, T]: 0 at real tokens, the dtype's most negative value at padding (finite,
        so that a row of padding alone still gives numbers, not NaN)."""
        keep = _same_shape(mask, tokens).bool()
        bias = torch.zeros(keep.shape, device=tokens.device, dtype=dtype)
        bias = bias.masked_fill(~keep, torch.finfo(dtype).min)
        return bias[:, None, None, :]


def _same_shape(ids: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    if ids.shape != tokens.shape:
        raise ValueError(f"shape {tuple(ids.shape)} where the tokens have {tuple(tokens.shape)}")
    return ids


def build(device, dtype, cfg: BertConfig = BERT_BASE, seed: int = 0) -> BertEncoder:
    """A BERT encoder with random weights on `device` in `dtype`, in inference mode."""
    model = BertEncoder(cfg, device, dtype)
    init_random(model, seed)
    return model.eval()

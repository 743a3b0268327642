"""Random weights for the transformer models: deterministic, and no download."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def init_random(model: nn.Module, seed: int = 0, std: float = 0.02) -> None:
    """N(0, std) matrices and embeddings, zero biases, unit norm scales; deterministic."""
    gen = None
    for name, p in model.named_parameters():
        if gen is None:
            gen = torch.Generator(device=p.device).manual_seed(seed)
        if p.dim() >= 2:
            p.normal_(0.0, std, generator=gen)
        elif name.endswith("bias"):
            p.zero_()
        else:  # RMSNorm / LayerNorm scales
            p.fill_(1.0)

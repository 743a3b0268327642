"""Text encoding with a BERT-base encoder (random weights): sequences per second.

Work unit: sequence. Inputs are random token ids of a fixed length, without padding.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from bench.devices import Device
from bench.errors import InvalidInput
from bench.measure import roofline
from bench.models import bert
from bench.workloads import params as prm
from bench.workloads import torch_support as ts
from bench.workloads.base import Workload, register
from bench.workloads.params import Param

log = logging.getLogger(__name__)


@register
class BertInference(Workload):
    """A batch of sequences through BERT-base per step."""

    name = "bert"
    param_specs = {
        "dtype": Param(str),  # the known dtypes: ts.check_dtype (it says why)
        "batch_size": prm.size(1, 2**16),
        "seq_len": prm.size(1, 2**16),
        "mode": Param(str),  # the offered modes: ts.check_mode
        "seed": prm.seed(),
    }
    unit = "sequence"

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        base = {"mode": "eager", "seed": 0}
        if quick:
            return {**base, "dtype": "fp32", "batch_size": 1, "seq_len": 32}
        if device.kind == "cuda":
            # 384 tokens: the sequence length of MLPerf's BERT (SQuAD) benchmark.
            return {**base, "dtype": "bf16", "batch_size": 64, "seq_len": 384}
        return {**base, "dtype": "fp32", "batch_size": 4, "seq_len": 128}

    def __init__(self, device: Device, **params: Any) -> None:
        super().__init__(device, **params)
        ts.check_dtype(self.params["dtype"], device, self.name)
        ts.check_mode(self.params["mode"], device, self.name, ("eager", "compile"))
        ts.check_positive(self.params, self.name, "batch_size", "seq_len")
        if self.params["seq_len"] > bert.BERT_BASE.max_positions:
            limit = bert.BERT_BASE.max_positions
            raise InvalidInput(f"{self.name}: seq_len is at most {limit} positions")
        self.dev: torch.device | None = None
        self.model = None

    def setup(self) -> None:
        p = self.params
        self.dev = ts.torch_device(self.device)
        self.model = bert.build(self.dev, ts.DTYPES[p["dtype"]], seed=p["seed"])
        gen = torch.Generator(device=self.dev).manual_seed(p["seed"] + 1)
        shape = (p["batch_size"], p["seq_len"])
        vocab = bert.BERT_BASE.vocab_size
        self.tokens = torch.randint(0, vocab, shape, device=self.dev, generator=gen)
        self._fn = ts.maybe_compile(self.model, p["mode"])

    def verify(self) -> None:
        p = self.params
        with torch.inference_mode():
            hidden, pooled = self._fn(self.tokens)
        h = bert.BERT_BASE.hidden_size
        ts.check_finite_shape(
            f"{self.name}: hidden states", hidden, (p["batch_size"], p["seq_len"], h)
        )
        ts.check_finite_shape(f"{self.name}: pooled output", pooled, (p["batch_size"], h))

    def step(self) -> float:
        with torch.inference_mode():
            self._fn(self.tokens)
        return float(self.params["batch_size"])

    def sync(self) -> None:
        ts.synchronize(self.dev)

    def teardown(self) -> None:
        self.model = self.tokens = None

    def roofline(self, units_per_s: float) -> dict[str, Any]:
        flops = bert.flops_per_sequence(bert.BERT_BASE, self.params["seq_len"])
        return roofline.for_device(self.device, self.params["dtype"], units_per_s, flops)

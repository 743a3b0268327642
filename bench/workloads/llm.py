"""LLM inference on a Llama-style decoder with random weights: prefill and decode.

`llm-prefill` processes a batch of prompts (work unit: prompt token); `llm-decode` generates one
token per sequence per step with the KV cache filled to a fixed context (work unit: output token).
Decode keeps writing the same position, so every step costs the same: attention over `context_len`
cached tokens plus the new one.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from bench.devices import Device
from bench.errors import InvalidInput
from bench.measure import roofline
from bench.models import llama
from bench.workloads import params as prm
from bench.workloads import torch_support as ts
from bench.workloads.base import Workload, register
from bench.workloads.params import Param

log = logging.getLogger(__name__)

FILL_TOKENS_PER_CHUNK = 16384  # prompt tokens per forward when filling the KV cache
VERIFY_ROWS = 2


class _LlmWorkload(Workload):
    """What prefill and decode share: parameters, the model, the cache-consistency check."""

    unit = "token"
    modes: tuple[str, ...] = ("eager", "compile")
    _length_key = "prompt_len"
    param_specs = {
        "model": Param(str),  # the known names are checked below (llama.CONFIGS)
        "dtype": Param(str),  # the known dtypes: ts.check_dtype (it says why)
        "batch_size": prm.size(1, 2**16),
        "prompt_len": prm.size(2, 2**20),  # verify decodes the last prompt token
        "context_len": prm.size(1, 2**20),
        "mode": Param(str),  # the offered modes: ts.check_mode
        "seed": prm.seed(),
    }

    def __init__(self, device: Device, **params: Any) -> None:
        super().__init__(device, **params)
        p = self.params
        if p["model"] not in llama.CONFIGS:
            known = ", ".join(sorted(llama.CONFIGS))
            raise InvalidInput(f"{self.name}: unknown model {p['model']!r} (known: {known})")
        ts.check_dtype(p["dtype"], device, self.name)
        ts.check_mode(p["mode"], device, self.name, self.modes)
        ts.check_positive(p, self.name, "batch_size", self._length_key)
        self.cfg = llama.CONFIGS[p["model"]]
        self.model: llama.LlamaModel | None = None
        self.dev: torch.device | None = None
        self.gen: torch.Generator | None = None

    def _check_memory(self, cache_len: int) -> None:
        """Refuse sizes whose weights and KV cache cannot fit in the device's memory."""
        total = self.device.memory_bytes
        bpe, b = self._bytes_per_element(), self.params["batch_size"]
        need = llama.param_count(self.cfg) * bpe + llama.kv_bytes_per_step(
            self.cfg, bpe, b, cache_len
        )
        if total and need > 0.9 * total:
            raise InvalidInput(
                f"{self.name}: {self.params['model']} weights and KV cache need "
                f"{need / 1e9:.1f} GB; {self.device.id} has {total / 1e9:.1f} GB "
                "(lower batch_size or the length)"
            )

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model_params": llama.param_count(self.cfg)}

    def _build(self, cache_len: int) -> None:
        p = self.params
        self._check_memory(cache_len)
        self.dev = ts.torch_device(self.device)
        dtype = ts.DTYPES[p["dtype"]]
        log.info("%s: building %s (%s) on %s", self.name, p["model"], p["dtype"], self.dev)
        self.model = llama.build(p["model"], self.dev, dtype, max_len=cache_len, seed=p["seed"])
        self.model.allocate_cache(p["batch_size"], cache_len)
        self.gen = torch.Generator(device=self.dev).manual_seed(p["seed"] + 1)

    def _tokens(self, batch: int, length: int) -> torch.Tensor:
        return torch.randint(
            0, self.cfg.vocab_size, (batch, length), device=self.dev, generator=self.gen
        )

    @torch.inference_mode()
    def _check_cache_path(self, tokens: torch.Tensor, what: str) -> None:
        """Prefill all but the last token, decode the last through the cache, compare."""
        t = tokens.shape[1]
        want = self.model(tokens, start=0, use_cache=False)[:, -1]
        self.model(tokens[:, :-1], start=0, use_cache=True)
        got = self.model(tokens[:, -1:], start=t - 1, use_cache=True)[:, -1]
        ts.check_close(what, got, want, self.params["dtype"])

    def sync(self) -> None:
        ts.synchronize(self.dev)

    def teardown(self) -> None:
        if self.model is not None:
            self.model.free_cache()
        self.model = None
        if self.dev is not None and self.dev.type == "cuda":
            torch.cuda.empty_cache()

    def _bytes_per_element(self) -> int:
        return ts.BYTES_PER_ELEMENT[self.params["dtype"]]


@register
class LlmPrefill(_LlmWorkload):
    """Prompt processing: a batch of prompts through the model, filling the KV cache."""

    name = "llm-prefill"

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        base = {"seed": 0, "mode": "eager"}
        if quick:
            return {**base, "model": "tiny", "dtype": "fp32", "batch_size": 2, "prompt_len": 64}
        if device.kind == "cuda":
            return {
                **base,
                "model": "llama-3.1-8b",
                "dtype": "bf16",
                "batch_size": 8,
                "prompt_len": 1024,
            }
        return {**base, "model": "tiny", "dtype": "fp32", "batch_size": 4, "prompt_len": 512}

    def __init__(self, device: Device, **params: Any) -> None:
        super().__init__(device, **params)
        if self.params["prompt_len"] < 2:
            raise InvalidInput(
                f"{self.name}: prompt_len must be at least 2 (verify decodes the last)"
            )

    def setup(self) -> None:
        p = self.params
        self._build(p["prompt_len"])
        self.tokens = self._tokens(p["batch_size"], p["prompt_len"])
        self._fn = ts.maybe_compile(self._prefill, p["mode"])

    def _prefill(self) -> torch.Tensor:
        return self.model(self.tokens, start=0, use_cache=True)

    def verify(self) -> None:
        rows = min(VERIFY_ROWS, self.params["batch_size"])
        with torch.inference_mode():
            got = self._fn()[:rows, -1]
            want = self.model(self.tokens[:rows], start=0, use_cache=False)[:, -1]
        ts.check_close(f"{self.name}: prefill vs uncached forward", got, want, self.params["dtype"])
        self._check_cache_path(self.tokens[:rows], f"{self.name}: decode via cache vs forward")

    def step(self) -> float:
        with torch.inference_mode():
            self._fn()
        return float(self.params["batch_size"] * self.params["prompt_len"])

    def flops_per_token(self) -> float:
        """Matmuls per prompt token, the output head once per prompt, causal attention."""
        t = self.params["prompt_len"]
        head = 2 * self.cfg.hidden_size * self.cfg.vocab_size
        pairs = t * (t + 1) // 2
        return (
            llama.matmul_flops_per_token(self.cfg, with_lm_head=False)
            + (head + llama.attention_flops(self.cfg, pairs)) / t
        )

    def roofline(self, units_per_s: float) -> dict[str, Any]:
        return roofline.for_device(
            self.device, self.params["dtype"], units_per_s, self.flops_per_token()
        )


@register
class LlmDecode(_LlmWorkload):
    """Generation: one new token per sequence per step against a KV cache of context_len."""

    name = "llm-decode"
    modes = ("eager", "compile", "cuda-graph")
    _length_key = "context_len"

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        base = {"seed": 0}
        if quick:
            return {
                **base,
                "model": "tiny",
                "dtype": "fp32",
                "batch_size": 2,
                "context_len": 64,
                "mode": "eager",
            }
        if device.kind == "cuda":
            return {
                **base,
                "model": "llama-3.1-8b",
                "dtype": "bf16",
                "batch_size": 1,
                "context_len": 1024,
                "mode": "cuda-graph",
            }
        return {
            **base,
            "model": "tiny",
            "dtype": "fp32",
            "batch_size": 8,
            "context_len": 1024,
            "mode": "eager",
        }

    def setup(self) -> None:
        p = self.params
        ctx = p["context_len"]
        self._build(ctx + 1)
        self.context = self._tokens(p["batch_size"], ctx)
        self._fill_cache()
        self.next_tokens = self._tokens(p["batch_size"], 1)
        self.logits: torch.Tensor | None = None
        self._fn = ts.maybe_compile(self._decode_once, p["mode"])
        if p["mode"] == "cuda-graph":
            with torch.inference_mode():
                self._fn = ts.capture_graph(self._decode_once, self.dev)

    @torch.inference_mode()
    def _fill_cache(self) -> None:
        """Prefill the context in chunks, so that memory stays bounded at large batches."""
        b, ctx = self.context.shape
        chunk = max(1, FILL_TOKENS_PER_CHUNK // b)
        for start in range(0, ctx, chunk):
            self.model(self.context[:, start : start + chunk], start=start, use_cache=True)

    def _decode_once(self) -> None:
        ctx = self.params["context_len"]
        self.logits = self.model(self.next_tokens, start=ctx, use_cache=True)
        self.next_tokens.copy_(self.logits[:, -1].argmax(-1, keepdim=True))

    def verify(self) -> None:
        rows = min(VERIFY_ROWS, self.params["batch_size"])
        with torch.inference_mode():
            self.next_tokens.copy_(self._tokens(self.params["batch_size"], 1))
            fed = self.next_tokens[:rows].clone()
            self._fn()
            got = self.logits[:rows, -1].clone()
            full = torch.cat([self.context[:rows], fed], dim=1)
            want = self.model(full, start=0, use_cache=False)[:, -1]
        what = f"{self.name}: {self.params['mode']} decode step vs full forward"
        ts.check_close(what, got, want, self.params["dtype"])

    def step(self) -> float:
        with torch.inference_mode():
            self._fn()
        return float(self.params["batch_size"])

    def flops_per_token(self) -> float:
        """All weight matrices including the output head, attention over context + 1."""
        pairs = self.params["context_len"] + 1
        return llama.matmul_flops_per_token(self.cfg, True) + llama.attention_flops(self.cfg, pairs)

    def bytes_per_token(self) -> float:
        """Weights read once per step and the KV cache of every sequence, over the batch."""
        b, bpe = self.params["batch_size"], self._bytes_per_element()
        weights = llama.weight_bytes_per_step(self.cfg, bpe, b)
        kv = llama.kv_bytes_per_step(self.cfg, bpe, b, self.params["context_len"] + 1)
        return (weights + kv) / b

    def roofline(self, units_per_s: float) -> dict[str, Any]:
        return roofline.for_device(
            self.device,
            self.params["dtype"],
            units_per_s,
            self.flops_per_token(),
            self.bytes_per_token(),
        )

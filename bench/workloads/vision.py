"""Image classification with ResNet-50 (random weights): images per second.

Work unit: image. Inputs are random images at the given resolution; channels-last layout on
CUDA, where cuDNN's fastest convolutions want it.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from bench.devices import Device
from bench.measure import roofline
from bench.models import resnet
from bench.workloads import params as prm
from bench.workloads import torch_support as ts
from bench.workloads.base import Workload, register
from bench.workloads.params import Param

log = logging.getLogger(__name__)


@register
class ResNet50Inference(Workload):
    """A batch of images through ResNet-50 per step."""

    name = "resnet50"
    param_specs = {
        "dtype": Param(str),  # the known dtypes: ts.check_dtype (it says why)
        "batch_size": prm.size(1, 2**16),
        "image_size": prm.size(32, 4096),  # five stride-2 stages: 32 px leave one pixel
        "mode": Param(str),  # the offered modes: ts.check_mode
        "seed": prm.seed(),
    }
    unit = "image"

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        base = {"mode": "eager", "seed": 0}
        if quick:
            return {**base, "dtype": "fp32", "batch_size": 1, "image_size": 64}
        if device.kind == "cuda":
            return {**base, "dtype": "bf16", "batch_size": 256, "image_size": 224}
        return {**base, "dtype": "fp32", "batch_size": 8, "image_size": 224}

    def __init__(self, device: Device, **params: Any) -> None:
        super().__init__(device, **params)
        ts.check_dtype(self.params["dtype"], device, self.name)
        ts.check_mode(self.params["mode"], device, self.name, ("eager", "compile"))
        ts.check_positive(self.params, self.name, "batch_size", "image_size")
        self.dev: torch.device | None = None
        self.model = None

    def setup(self) -> None:
        p = self.params
        self.dev = ts.torch_device(self.device)
        dtype = ts.DTYPES[p["dtype"]]
        fmt = torch.channels_last if self.dev.type == "cuda" else torch.contiguous_format
        self.model = resnet.build(self.dev, dtype, seed=p["seed"]).to(memory_format=fmt)
        gen = torch.Generator(device=self.dev).manual_seed(p["seed"] + 1)
        shape = (p["batch_size"], 3, p["image_size"], p["image_size"])
        images = torch.randn(shape, device=self.dev, generator=gen)
        self.images = images.to(dtype).contiguous(memory_format=fmt)
        self._fn = ts.maybe_compile(self.model, p["mode"])

    def verify(self) -> None:
        with torch.inference_mode():
            logits = self._fn(self.images)
        shape = (self.params["batch_size"], resnet.NUM_CLASSES)
        ts.check_finite_shape(f"{self.name}: logits", logits, shape)

    def step(self) -> float:
        with torch.inference_mode():
            self._fn(self.images)
        return float(self.params["batch_size"])

    def sync(self) -> None:
        ts.synchronize(self.dev)

    def teardown(self) -> None:
        self.model = self.images = None

    def flops_per_image(self) -> int:
        """Convolutions and the head, counted from the layer shapes at this resolution."""
        return resnet.conv_flops(self.params["image_size"])

    def roofline(self, units_per_s: float) -> dict[str, Any]:
        return roofline.for_device(
            self.device, self.params["dtype"], units_per_s, self.flops_per_image()
        )

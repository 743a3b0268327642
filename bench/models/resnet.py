"""Bottleneck ResNets (He et al. 2015, arXiv:1512.03385, the v1.5 variant with stride on the 3x3
conv); ResNet-50 by default.

ResNet-50: bottleneck blocks [3, 4, 6, 3] with widths 64-128-256-512 and expansion 4, a 64-wide
7x7 stem, batch norm, a 1000-class head: 25,557,032 parameters. Other depths, widths and class
counts come from a ResNetConfig. Random weights, built directly on the device.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import InvalidInput


@dataclass(frozen=True)
class ResNetConfig:
    """The shapes of one bottleneck ResNet: blocks and width per stage, stem, head.

    The first stage keeps the stem's resolution (after its max pool); each later stage halves
    it in its first block. A block's output has width x expansion channels.
    """

    name: str = "resnet50"
    depths: tuple[int, ...] = (3, 4, 6, 3)
    widths: tuple[int, ...] = (64, 128, 256, 512)
    stem_width: int = 64
    expansion: int = 4
    num_classes: int = 1000
    source: str = "He et al. 2015, arXiv:1512.03385, Table 1 (50-layer)"

    def __post_init__(self) -> None:
        object.__setattr__(self, "depths", tuple(self.depths))  # hashable: conv_flops caches
        object.__setattr__(self, "widths", tuple(self.widths))
        sizes = (*self.depths, *self.widths, self.stem_width, self.expansion, self.num_classes)
        if len(self.depths) != len(self.widths) or not self.depths:
            raise InvalidInput(f"{self.name}: need one width per stage (depths and widths)")
        if any(not isinstance(n, int) or n <= 0 for n in sizes):
            raise InvalidInput(f"{self.name}: every depth, width and count must be positive")

    @property
    def out_channels(self) -> int:
        """Channels into the pooling and the head."""
        return self.widths[-1] * self.expansion


RESNET50 = ResNetConfig()
NUM_CLASSES = RESNET50.num_classes


def _conv(cin: int, cout: int, k: int, stride: int, device, dtype) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride, k // 2, bias=False, device=device, dtype=dtype)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride), 1x1 expand; projection shortcut when shapes change."""

    def __init__(self, cin: int, width: int, cout: int, stride: int, device, dtype) -> None:
        super().__init__()
        self.conv1 = _conv(cin, width, 1, 1, device, dtype)
        self.bn1 = nn.BatchNorm2d(width, device=device, dtype=dtype)
        self.conv2 = _conv(width, width, 3, stride, device, dtype)
        self.bn2 = nn.BatchNorm2d(width, device=device, dtype=dtype)
        self.conv3 = _conv(width, cout, 1, 1, device, dtype)
        self.bn3 = nn.BatchNorm2d(cout, device=device, dtype=dtype)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                _conv(cin, cout, 1, stride, device, dtype),
                nn.BatchNorm2d(cout, device=device, dtype=dtype),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + skip)


class ResNet(nn.Module):
    """The image classifier: stem, bottleneck stages, global pooling, linear head."""

    def __init__(self, cfg: ResNetConfig, device, dtype) -> None:
        super().__init__()
        self.cfg = cfg
        self.stem = _conv(3, cfg.stem_width, 7, 2, device, dtype)
        self.stem_bn = nn.BatchNorm2d(cfg.stem_width, device=device, dtype=dtype)
        blocks, cin = [], cfg.stem_width
        for stage, (width, n) in enumerate(zip(cfg.widths, cfg.depths, strict=True)):
            cout = width * cfg.expansion
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(Bottleneck(cin, width, cout, stride, device, dtype))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, cfg.num_classes, device=device, dtype=dtype)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem_bn(self.stem(images)))
        x = F.max_pool2d(x, 3, 2, 1)
        x = self.blocks(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


@torch.no_grad()
def init_random(model: nn.Module, seed: int = 0) -> None:
    """He-normal convolutions, small linear head, identity batch norm: activations stay finite."""
    gen = None
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if gen is None:
                gen = torch.Generator(device=m.weight.device).manual_seed(seed)
            fan_in = m.weight[0].numel()
            m.weight.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=gen)
            if m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.fill_(1.0)
            m.bias.zero_()
    # Damp each residual branch so that the random network's activations stay moderate with
    # depth (fp16 has little headroom).
    for block in model.blocks:
        block.bn3.weight.fill_(0.5)


def build(device, dtype, cfg: ResNetConfig = RESNET50, seed: int = 0) -> ResNet:
    """A ResNet (ResNet-50 by default) with random weights on `device` in `dtype`, in
    inference mode."""
    model = ResNet(cfg, device, dtype)
    init_random(model, seed)
    return model.eval()


@cache
def conv_flops(image_size: int, cfg: ResNetConfig = RESNET50) -> int:
    """FLOPs of the convolutions and the head for one image (2 per multiply-add), from shapes."""
    total = 0

    def count(mod: nn.Module, inputs, output: torch.Tensor) -> None:
        nonlocal total
        total += 2 * mod.weight[0].numel() * output.numel()  # (cin/groups*kh*kw) per output

    meta = ResNet(cfg, "meta", torch.float32).eval()  # shapes only: nothing is allocated
    for m in meta.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(count)
    with torch.no_grad():
        meta(torch.empty(1, 3, image_size, image_size, device="meta"))
    return total

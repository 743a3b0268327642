"""In-project model definitions with published shapes and random weights, chosen by name.

Importing this package needs torch; nothing is downloaded. `build(name, device, dtype)` gives a
model in inference mode (a decoder also from a `llama.LlamaConfig`, e.g. one made by
`llama.scaled`); `names()` lists what can be built.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.errors import InvalidInput


def _builders() -> dict[str, Callable]:
    from bench.models import bert, llama, resnet

    table: dict[str, Callable] = {
        name: (lambda device, dtype, _n=name, **kw: llama.build(_n, device, dtype, **kw))
        for name in llama.CONFIGS
    }
    table["resnet50"] = resnet.build
    table["bert-base"] = bert.build
    return table


def names() -> list[str]:
    """Every model name that build() accepts, sorted."""
    return sorted(_builders())


def build(name, device, dtype, **kwargs):
    """The named model (or the decoder of a LlamaConfig) with random weights, on `device` in
    `dtype`."""
    from bench.models import llama

    if isinstance(name, llama.LlamaConfig):
        return llama.build(name, device, dtype, **kwargs)
    builders = _builders()
    if name not in builders:
        raise InvalidInput(f"unknown model {name!r} (known: {', '.join(sorted(builders))})")
    return builders[name](device, dtype, **kwargs)

"""Find devices (cuda:N through NVML and torch, cpu) and describe each as a Device."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Device:
    """One place work can run: `cpu` or `cuda:N`."""

    id: str  # "cpu" or "cuda:N"
    kind: str  # "cpu" or "cuda"
    name: str
    index: int = 0
    memory_bytes: int | None = None
    energy_source: str = "unmeasured"  # "nvml", "rapl" or "unmeasured"
    energy_note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_cuda(self) -> bool:
        return self.kind == "cuda"

    @property
    def torch_device(self) -> str:
        return self.id

    def to_dict(self) -> dict:
        return asdict(self)

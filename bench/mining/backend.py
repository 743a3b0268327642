"""Mining backends: the search result types, the MinerBackend protocol, and backend selection."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bench.errors import DeviceUnavailable, InvalidInput, VerificationFailed
from bench.mining.header import display_hex, format_target, hash_value, sha256d

log = logging.getLogger(__name__)

BACKEND_NAMES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Found:
    """One qualifying nonce and its hash in display order."""

    nonce: int
    hash_hex: str


@dataclass
class SearchResult:
    """Every qualifying nonce of one searched range, and what the search cost."""

    backend: str  # "cpu" or "cuda"
    path: str  # e.g. "avx512", "avx2", "sha-ni", "scalar", "cuda-sm90"
    nonce_start: int
    nonce_count: int
    target: int  # a hash qualifies when int.from_bytes(digest, "little") <= target
    found: list[Found]  # sorted by nonce, each verified on the host
    hashes: int  # nonces hashed
    seconds: float
    overflow: bool  # the result buffer overflowed: `found` is incomplete

    @property
    def hashrate_hs(self) -> float | None:
        """Hashes per second; None when the search took no measurable time."""
        return self.hashes / self.seconds if self.seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """The `joulebench mine --json` document."""
        return {
            "backend": self.backend,
            "path": self.path,
            "nonce_start": self.nonce_start,
            "nonce_count": self.nonce_count,
            "target": format_target(self.target),
            "found": [{"nonce": f.nonce, "hash": f.hash_hex} for f in self.found],
            "hashes": self.hashes,
            "seconds": self.seconds,
            "hashrate_hs": self.hashrate_hs,
        }


@runtime_checkable
class MinerBackend(Protocol):
    """Searches a nonce range of one header for every hash at or under a target."""

    name: str

    def search(
        self, header: bytes, nonce_start: int, nonce_count: int, target: int
    ) -> SearchResult: ...


def filter_word(target: int) -> int:
    """The 32-bit word a backend compares a hash's top 32 bits against to pick candidates."""
    return min(target >> 224, 0xFFFFFFFF)


def verify_candidates(
    header: bytes, nonces: list[int], target: int, who: str, nonce_start: int, nonce_count: int
) -> list[Found]:
    """The host check of a backend's candidate nonces, by hashlib; each backend's search calls
    it once. Returns the candidates at or under the full target, sorted by nonce.

    Candidates are the nonces whose hash passed the backend's filter on its top 32 bits
    (filter_word). A nonce outside the searched range, one reported twice, or one whose hash
    fails that filter means `who` (e.g. "CPU miner (avx2)") computes wrongly on this machine:
    VerificationFailed, and nothing it found is reported.
    """
    if len(set(nonces)) != len(nonces):
        raise VerificationFailed(f"the {who} reported a nonce twice: its results cannot be trusted")
    end = nonce_start + nonce_count
    word = filter_word(target)
    found = []
    for nonce in sorted(nonces):
        if not nonce_start <= nonce < end:
            raise VerificationFailed(
                f"the {who} reported nonce {nonce}, outside the searched range "
                f"{nonce_start} .. {end - 1}: its results cannot be trusted"
            )
        digest = sha256d(header[:76] + nonce.to_bytes(4, "little"))
        value = hash_value(digest)
        if value >> 224 > word:
            raise VerificationFailed(
                f"the {who} reported nonce {nonce}, whose hash {display_hex(digest)} (by "
                "hashlib) fails its own filter: its results cannot be trusted on this machine"
            )
        if value <= target:
            found.append(Found(nonce, display_hex(digest)))
    return found


def _cuda(device_index: int = 0) -> MinerBackend:
    try:
        from bench.mining.cuda import CudaMiner
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        if missing.startswith("cupy"):
            reason = "CuPy is not installed (install joulebench[cuda12] or [cuda13])"
        elif missing == "bench.mining.cuda":
            reason = "this build has no CUDA miner yet"
        else:
            reason = f"the CUDA miner cannot be imported: {exc}"
        raise DeviceUnavailable(f"CUDA backend unavailable: {reason}") from exc
    try:
        return CudaMiner(device_index=device_index)
    except DeviceUnavailable:
        raise
    except Exception as exc:  # a CUDA runtime or driver failure means no usable GPU here
        raise DeviceUnavailable(f"CUDA backend unavailable: {type(exc).__name__}: {exc}") from exc


def _cpu(threads: int | None = None) -> MinerBackend:
    try:
        from bench.mining.cpu import CpuMiner
    except ImportError as exc:
        raise DeviceUnavailable(f"CPU backend unavailable: {exc}") from exc
    return CpuMiner(threads=threads)


def select_backend(name: str) -> MinerBackend:
    """The miner for "cpu", "cuda", or "auto" (CUDA when usable, else CPU)."""
    name = name.strip().lower()
    if name == "cpu":
        return _cpu()
    if name == "cuda":
        return _cuda()
    if name == "auto":
        try:
            return _cuda()
        except DeviceUnavailable as exc:
            log.info("auto backend: %s; using the CPU", exc)
            return _cpu()
    raise InvalidInput(f"unknown backend {name!r} (choose from {', '.join(BACKEND_NAMES)})")


def backend_for_device(kind: str, index: int = 0, threads: int | None = None) -> MinerBackend:
    """The miner for a device: cpu -> CpuMiner, cuda:N -> CudaMiner on GPU N."""
    if kind == "cpu":
        return _cpu(threads)
    if kind == "cuda":
        return _cuda(index)
    raise DeviceUnavailable(f"no miner for device kind {kind!r}")

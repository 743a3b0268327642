"""The CPU miner: the native multi-lane SHA-256d nonce search, dispatched to the best path.

The native extension (bench.mining._cpuminer, built from kernels/cpu/*.c by pip install) hashes
a nonce range on every core with the GIL released and returns candidate nonces: those whose
hash has its top 32 bits at or under the target's. Each candidate is hashed once more with
hashlib (bench.mining.backend.verify_candidates) and compared to the full 256-bit target before
it is reported.
"""

from __future__ import annotations

import logging
import os
import time

from bench.errors import DeviceUnavailable, InvalidHeader, InvalidInput
from bench.mining.backend import SearchResult, verify_candidates
from bench.mining.header import HEADER_BYTES, MAX_TARGET
from bench.mining.search import check_range

log = logging.getLogger(__name__)

try:
    from bench.mining import _cpuminer
except ImportError as exc:  # a build without the extension: the backend says why it is absent
    _cpuminer = None
    _IMPORT_ERROR = str(exc)
else:
    _IMPORT_ERROR = ""

PATHS = ("avx512", "sha-ni", "avx2", "scalar")  # every path a build may contain, best first
DEFAULT_MAX_FOUND = 1 << 16  # candidate nonces kept per search; more is reported as overflow
MAX_FOUND_LIMIT = 1 << 26  # the native buffer's bound (256 MiB of nonces)
SLICE_NONCES = 1 << 28  # nonces per native call: seconds of work on a few cores


def available_paths() -> list[str]:
    """The dispatch paths this processor runs, best first (empty without the extension)."""
    return list(_cpuminer.paths()) if _cpuminer is not None else []


def default_threads() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _native():
    if _cpuminer is None:
        raise DeviceUnavailable(f"the native CPU miner is not built: {_IMPORT_ERROR}")
    return _cpuminer


class CpuMiner:
    """SHA-256d nonce search on this machine's cores (MinerBackend "cpu")."""

    name = "cpu"

    def __init__(
        self, threads: int | None = None, path: str | None = None, max_found: int | None = None
    ) -> None:
        native = _native()
        supported = list(native.paths())
        if path is None:
            path = supported[0]
        elif path not in PATHS:
            raise InvalidInput(f"unknown CPU path {path!r} (choose from {', '.join(PATHS)})")
        elif path not in supported:
            raise DeviceUnavailable(
                f"CPU path {path!r} is not available here (this CPU runs {', '.join(supported)})"
            )
        self.path = path
        self.threads = default_threads() if threads is None else int(threads)
        if self.threads < 1:
            raise InvalidInput(f"threads must be at least 1, got {threads}")
        self.max_found = DEFAULT_MAX_FOUND if max_found is None else int(max_found)
        if not 0 <= self.max_found <= MAX_FOUND_LIMIT:
            raise InvalidInput(f"max_found must be 0 .. {MAX_FOUND_LIMIT}, got {max_found}")

    def __repr__(self) -> str:
        return f"CpuMiner(threads={self.threads}, path={self.path!r})"

    def search(
        self, header: bytes, nonce_start: int, nonce_count: int, target: int
    ) -> SearchResult:
        """Every nonce in the range whose sha256d is at or under the target, host-checked."""
        header = bytes(header)
        if len(header) != HEADER_BYTES:
            raise InvalidHeader(f"a header is {HEADER_BYTES} bytes, got {len(header)}")
        check_range(nonce_start, nonce_count)
        if not 0 <= target <= MAX_TARGET:
            raise InvalidInput("the target must be an integer in 0 .. 2**256 - 1")
        t0 = time.perf_counter()
        nonces, candidates = self._scan(header, nonce_start, nonce_count, target >> 224)
        seconds = time.perf_counter() - t0
        overflow = candidates > len(nonces)
        if overflow:
            log.warning(
                "%d candidate nonces, the result buffer holds %d: the found list is incomplete",
                candidates,
                len(nonces),
            )
        found = verify_candidates(
            header, nonces, target, f"CPU miner ({self.path})", nonce_start, nonce_count
        )
        log.debug(
            "cpu/%s: %d nonces in %.3f s on %d threads, %d candidates, %d found",
            self.path,
            nonce_count,
            seconds,
            self.threads,
            candidates,
            len(found),
        )
        return SearchResult(
            "cpu",
            self.path,
            nonce_start,
            nonce_count,
            target,
            found,
            nonce_count,
            seconds,
            overflow,
        )

    def _scan(self, header: bytes, start: int, count: int, top: int) -> tuple[list[int], int]:
        """Candidate nonces (at most max_found) and how many there were, slice by slice."""
        native = _native()
        nonces: list[int] = []
        candidates = 0
        end = start + count
        # Slices of a few seconds each, so that Ctrl-C is seen between native calls.
        for lo in range(start, end, SLICE_NONCES):
            got, seen = native.scan(
                header,
                lo,
                min(SLICE_NONCES, end - lo),
                top,
                self.path,
                self.threads,
                self.max_found - len(nonces),
            )
            nonces.extend(got)
            candidates += seen
        return nonces, candidates

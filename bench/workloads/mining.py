"""The sha256d workload: Bitcoin nonce search over ever-new headers, on the CPU or a GPU.

The miner backend is a parameter: by default the device's own (`backend_for_device`), or one
the caller built already (a chosen CUDA kernel variant, a test double) passed as `backend`.
"""

from __future__ import annotations

import logging
from typing import Any

from bench.devices import Device
from bench.errors import VerificationFailed
from bench.mining.backend import Found, MinerBackend, backend_for_device
from bench.mining.header import NONCE_SPACE, Header, target_from_zero_bits
from bench.mining.known import GENESIS, KNOWN_BLOCKS, KnownBlock
from bench.mining.work import ROLLS, WorkGenerator
from bench.workloads.base import Workload, register
from bench.workloads.params import Param

log = logging.getLogger(__name__)


@register
class Sha256dWorkload(Workload):
    """SHA-256d nonce search: one step searches the next job of a rolling-extranonce stream."""

    name = "sha256d"
    unit = "hash"
    family = "mining"
    param_specs = {
        "job_nonces": Param(int, 1, NONCE_SPACE),
        "zero_bits": Param(int, 0, 255),  # 256 would be a zero target, which no hash meets
        "roll": Param(str, choices=ROLLS),
        "verify_span": Param(int, 2, NONCE_SPACE),  # a span of 0 or 1 holds no known nonce
        "threads": Param(int, 1, 4096, optional=True),  # None: every core
    }

    @classmethod
    def default_params(cls, device: Device, quick: bool) -> dict[str, Any]:
        """Jobs of tens of ms to ~0.5 s: 2**29 nonces on a GPU, 2**22 on a CPU; quick is smaller."""
        if device.is_cuda:
            job_nonces = 2**27 if quick else 2**29
        else:
            job_nonces = 2**20 if quick else 2**22
        return {
            "job_nonces": job_nonces,
            "zero_bits": 32,  # about one hit per 2**32 hashes: the host check stays negligible
            "roll": "extranonce",
            "verify_span": 2**12 if quick else 2**16,
            "threads": None,  # CPU threads; None uses every core
        }

    def __init__(self, device: Device, backend: MinerBackend | None = None, **params: Any) -> None:
        super().__init__(device, **params)
        self._backend = backend
        self._miner: MinerBackend | None = None
        self._jobs = None
        self._target = target_from_zero_bits(self.params["zero_bits"])
        self._path: str | None = None

    def setup(self) -> None:
        """Start the miner for this device (or take the one given) and the job stream from the
        genesis header."""
        self._miner = self._backend or backend_for_device(
            self.device.kind, self.device.index, threads=self.params["threads"]
        )
        template = Header.from_hex(GENESIS.header_hex)
        self._jobs = iter(
            WorkGenerator(template, self.params["job_nonces"], roll=self.params["roll"])
        )

    def verify(self) -> None:
        """Each known block's nonce is found, alone and with its exact hash, near its nonce."""
        for block in KNOWN_BLOCKS:
            self._verify_block(block)

    def _verify_block(self, block: KnownBlock) -> None:
        header = Header.from_hex(block.header_hex)
        half = self.params["verify_span"] // 2
        start = max(0, block.nonce - half)
        count = min(NONCE_SPACE, block.nonce + half) - start
        result = self._miner.search(header.to_bytes(), start, count, header.target)
        self._path = result.path
        expected = [Found(block.nonce, block.hash_hex)]
        if result.overflow or result.found != expected or result.hashes != count:
            raise VerificationFailed(
                f"sha256d on {self.device.id} ({result.path}): {block.name} search over "
                f"{start}+{count} gave {result.found} ({result.hashes} hashes), "
                f"expected {expected}"
            )
        log.info("sha256d verified %s on %s (%s)", block.name, self.device.id, result.path)

    def step(self) -> float:
        """Search the next job; return the hashes done."""
        job = next(self._jobs)
        result = self._miner.search(job.header, job.nonce_start, job.nonce_count, self._target)
        if result.overflow:
            log.warning("sha256d step: result buffer overflowed (target too easy)")
        return float(result.hashes)

    def teardown(self) -> None:
        """Drop the miner and the job stream."""
        self._miner = None
        self._jobs = None

    def describe(self) -> dict[str, Any]:
        """The parameters, plus the backend and dispatch path once verify() has run."""
        doc = super().describe()
        if self._miner is not None:
            doc["backend"] = self._miner.name
        if self._path is not None:
            doc["path"] = self._path
        return doc

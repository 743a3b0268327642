"""How far a run got: complete, partial (some workloads failed or were not reached), interrupted.

The runner fills a `Status` in; the command line takes its exit status from it, never from the
wording of a warning. Version-1 results had no status: `Status.from_warnings` reads one from
the warnings the runner of that time wrote for a workload it could not measure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bench.result.check import Node

COMPLETE, PARTIAL, INTERRUPTED = "complete", "partial", "interrupted"
STATES = (COMPLETE, PARTIAL, INTERRUPTED)
EVERY_WORKLOAD = "*"  # a Failure's workload when a whole device failed (its process died)

_DEVICE = r"(?P<device>cpu|cuda:\d+)"
_NOT_MEASURED = re.compile(rf"^(?P<workload>\S+) on {_DEVICE} not measured: (?P<reason>.+)$")
_PROCESS_FAILED = re.compile(rf"^{_DEVICE}: (?P<reason>measuring process failed.*)$")


@dataclass(frozen=True)
class Failure:
    """A workload that was started on a device and not measured, with the reason."""

    workload: str
    device: str
    reason: str

    def to_dict(self) -> dict:
        return {"workload": self.workload, "device": self.device, "reason": self.reason}

    @classmethod
    def read(cls, node: Node) -> Failure:
        return cls(
            node.at("workload").text(nonempty=True),
            node.at("device").text(nonempty=True),
            node.at("reason").text(nonempty=True),
        )


@dataclass(frozen=True)
class Status:
    """The state of a run and what it left out."""

    state: str = COMPLETE
    failed: tuple[Failure, ...] = ()
    not_reached: tuple[str, ...] = ()  # workloads never started (the run was interrupted)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}, got {self.state!r}")
        if self.state == COMPLETE and (self.failed or self.not_reached):
            raise ValueError("a complete run has no failed or unreached workloads")

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE

    @classmethod
    def of(
        cls, failed: Iterable[Failure] = (), not_reached: Iterable[str] = (), interrupted=False
    ) -> Status:
        """The status whose state follows from what failed, was not reached, or stopped it."""
        failed, not_reached = tuple(failed), tuple(not_reached)
        state = INTERRUPTED if interrupted else PARTIAL if failed or not_reached else COMPLETE
        return cls(state, failed, not_reached)

    @classmethod
    def from_warnings(cls, warnings: Iterable[str]) -> Status:
        """A version-1 run's status, from its "<workload> on <device> not measured: why" and
        "<device>: measuring process failed" warnings."""
        failed = []
        for text in warnings:
            if m := _NOT_MEASURED.match(text):
                failed.append(Failure(m["workload"], m["device"], m["reason"]))
            elif m := _PROCESS_FAILED.match(text):
                failed.append(Failure(EVERY_WORKLOAD, m["device"], m["reason"]))
        return cls.of(failed)

    def to_dict(self) -> dict:
        return {
            "state": self.state,
            "failed": [f.to_dict() for f in self.failed],
            "not_reached": list(self.not_reached),
        }

    @classmethod
    def read(cls, node: Node) -> Status:
        state = node.at("state").text()
        if state not in STATES:
            node.at("state").fail(f"state must be one of {', '.join(STATES)}, got {state!r}")
        failed = tuple(Failure.read(n) for n in node.at("failed").items())
        not_reached = node.at("not_reached").texts()
        if state == COMPLETE and (failed or not_reached):
            node.fail("a complete run lists failed or unreached workloads")
        return cls(state, failed, not_reached)

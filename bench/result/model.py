"""The typed result: a frozen `Result` of `Entry`s, read from a parsed document in one place.

`Result.from_dict(doc, where)` is THE one place a parsed JSON document becomes an object: it
checks the format and version, refuses NaN and Infinity, upgrades an older version, checks the
schema, then reads every part with typed checks (finite numbers, non-negative units and energy,
power traces with as many times as samples). Any malformed document is one ResultError whose
one-line message names the file and the place (`workloads/0/power_trace: ...`).
`to_dict()` gives the document back for writing; for a document of the current version,
`Result.from_dict(doc).to_dict() == doc`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bench.errors import ResultError
from bench.result import document
from bench.result.check import EMPTY, Node, freeze, non_finite_path, thaw
from bench.result.entry import Entry
from bench.result.status import Status

_KNOWN = ("format", "schema_version", "upgraded_from", "environment", "scenario", "workloads",
          "warnings", "status", "repriced")  # fmt: skip


@dataclass(frozen=True)
class Result:
    """One run: its environment, the scenario it was priced under, its entries and status."""

    environment: Mapping[str, Any]
    scenario: Mapping[str, Any]  # Scenario.to_dict() of bench.econ
    workloads: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()
    status: Status = field(default_factory=Status)
    schema_version: int = document.SCHEMA_VERSION
    upgraded_from: int | None = None  # the file's version before it was upgraded on read
    repriced: Mapping[str, Any] | None = None  # {"from_scenario", "to_scenario"} once re-priced
    extra: Mapping[str, Any] = field(
        default_factory=lambda: EMPTY, repr=False
    )  # keys this version does not know

    @property
    def scenario_name(self) -> str:
        return str(self.scenario.get("name", "?"))

    @property
    def devices(self) -> tuple[str, ...]:
        """The ids of the devices the entries ran on, in order of first appearance."""
        return tuple(dict.fromkeys(e.device.id for e in self.workloads))

    def entry(self, name: str, device: str | None = None) -> Entry | None:
        """The first entry of workload `name` (on `device` when given), or None."""
        for e in self.workloads:
            if e.name == name and (device is None or e.device.id == device):
                return e
        return None

    def with_entries(self, workloads: tuple[Entry, ...], **changes: Any) -> Result:
        """A copy with other entries (re-priced, merged); measurements are never edited."""
        return replace(self, workloads=tuple(workloads), **changes)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"format": document.FORMAT, "schema_version": self.schema_version}
        if self.upgraded_from is not None:
            out["upgraded_from"] = self.upgraded_from
        out |= {
            "environment": thaw(self.environment),
            "scenario": thaw(self.scenario),
            "workloads": [e.to_dict() for e in self.workloads],
            "warnings": list(self.warnings),
            "status": self.status.to_dict(),
        }
        if self.repriced is not None:
            out["repriced"] = thaw(self.repriced)
        return {**out, **thaw(self.extra)}

    @classmethod
    def from_dict(cls, doc: Any, where: str = "result") -> Result:
        """Check, upgrade, validate and read a parsed document; ResultError naming where."""
        document.check_header(doc, where)
        try:
            bad = non_finite_path(doc)
            if bad is not None:
                raise ResultError(f"at {bad}: NaN, Infinity or a number past a float's range")
            doc = document.upgrade(doc)
            document.validate(document.shape_of(doc))  # every window: the typed reader
            return cls._read(Node(doc))
        except ResultError as exc:
            raise ResultError(f"{where}: {exc}") from None
        except RecursionError:
            raise ResultError(f"{where}: nested too deeply to be a joulebench result") from None

    @classmethod
    def _read(cls, node: Node) -> Result:
        scenario = node.at("scenario")
        scenario.at("name").text(nonempty=True)
        upgraded = node.get("upgraded_from")
        repriced = node.get("repriced")
        return cls(
            environment=freeze(node.at("environment").obj()),
            scenario=freeze(scenario.obj()),
            workloads=tuple(Entry.read(n) for n in node.at("workloads").items()),
            warnings=node.at("warnings").texts(),
            status=Status.read(node.at("status")),
            schema_version=node.at("schema_version").integer(minimum=1),
            upgraded_from=None if upgraded.value is None else upgraded.integer(minimum=1),
            repriced=None if repriced.value is None else freeze(repriced.obj()),
            extra=freeze({k: v for k, v in node.obj().items() if k not in _KNOWN}),
        )


def load_result(path: str | os.PathLike) -> Result:
    """Read a result file into a Result (older versions upgraded); ResultError when unusable.
    The file is read by bench.result.io (its size bound, NaN refusal), the document here."""
    from bench.result import io

    return io.load_result(path)

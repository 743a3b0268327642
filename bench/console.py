"""Progress on the terminal (stderr) during long work: one bar per workload and stage.

tqdm is optional here: without it, only the one-line stage messages are printed (no bars)."""

from __future__ import annotations

import json
import sys

import click

try:
    from tqdm import tqdm
except ImportError:  # no bars without tqdm; the stage lines still go to stderr
    tqdm = None

_STAGE_UNIT = {"idle": "s", "warmup": "s", "windows": "window"}


class RunProgress:
    """A progress callback for bench.runner: (device, workload, stage, done, total)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar = None
        self._key: tuple[str, str, str] | None = None

    def __call__(self, device: str, workload: str, stage: str, done: float, total: float) -> None:
        if not self.enabled:
            return
        if stage in ("setup", "done"):
            self._close()
            if stage == "setup":
                line = f"{workload} on {device}: setting up and verifying"
                if tqdm is None:
                    print(line, file=sys.stderr, flush=True)
                else:
                    tqdm.write(line, file=sys.stderr)
            return
        if tqdm is None:
            return
        key = (device, workload, stage)
        if key != self._key:
            self._open(key, total)
        assert self._bar is not None
        self._bar.total = max(total, done)
        self._bar.n = round(done, 1)
        self._bar.refresh()

    def _open(self, key: tuple[str, str, str], total: float) -> None:
        self._close()
        device, workload, stage = key
        self._bar = tqdm(
            total=total,
            desc=f"{workload} {stage}",
            unit=_STAGE_UNIT.get(stage, ""),
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
            bar_format="{desc}: {bar} {n:g}/{total:g} {unit} [{elapsed}]",
        )
        self._key = key

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._key = None, None

    def close(self) -> None:
        """Remove any open bar."""
        self._close()


def emit_json(doc: object) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(doc, indent=2, sort_keys=False, allow_nan=False))

"""`python -m gpucheck preflight|miner|profile|summary` (PYTHONPATH=scripts:.), as
scripts/gpu-check.sh calls it. Exit status: 0 done, 1 failed, 2 no usable GPU (preflight),
nothing to profile or bad arguments, 124 cut."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from gpucheck import rehearsal
from gpucheck.store import save_json


def _count(fn) -> tuple[int, str]:
    """(devices, "") from fn(), or (0, why not)."""
    try:
        return int(fn()), ""
    except Exception as exc:  # any failure means none usable, with the reason
        return 0, f"{type(exc).__name__}: {exc}".splitlines()[0]


def _nvml_count() -> int:
    from bench.telemetry.nvml import load_binding

    return load_binding().nvmlDeviceGetCount()


def _cupy_count() -> int:
    from bench.mining.cuda import device_count, import_cupy

    return device_count(import_cupy())


def _torch_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def preflight(work: Path, mode: str | None) -> int:
    """What this machine can run: the facts to preflight.json, the decisions to preflight.env."""
    from importlib.metadata import version

    facts = {"python": sys.executable, "rehearsal": mode, "torch": version("torch")}
    counts = [("nvml", _nvml_count), ("cupy", _cupy_count)]
    if mode is None:  # a rehearsal runs the torch steps on the CPU: no need to ask torch
        counts.append(("torch", _torch_count))
    else:
        facts |= {"torch_gpus": 0, "torch_why": "rehearsal: not asked"}
    for name, fn in counts:
        facts[f"{name}_gpus"], facts[f"{name}_why"] = _count(fn)
    seen = any(facts[f"{n}_gpus"] for n in ("nvml", "cupy", "torch"))
    if mode is not None and seen:
        torch_device = "cpu"  # the rehearsal runs the torch steps on this CPU, at tiny sizes
    else:
        torch_device = "cuda:0" if facts["torch_gpus"] else ""
    decisions = {
        "GPU_SEEN": int(seen),
        "MINER_OK": int(facts["cupy_gpus"] > 0),
        "MINER_WHY": facts["cupy_why"] or ("" if facts["cupy_gpus"] else "CuPy sees no GPU"),
        "TORCH_DEVICE": torch_device,
        "TORCH_WHY": "" if torch_device else facts["torch_why"] or "torch sees no CUDA device",
    }
    save_json(work / "preflight.json", {**facts, **decisions})
    text = "".join(f"{k}={shlex.quote(str(v))}\n" for k, v in decisions.items())
    (work / "preflight.env").write_text(text)
    print(f"preflight: {json.dumps(facts)}")
    return 0 if seen else 2


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gpucheck", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("preflight", help="what this machine can run")
    pre.add_argument("--work", type=Path, required=True)
    miner = sub.add_parser("miner", help="the CUDA miner check")
    miner.add_argument("--out", type=Path, required=True)
    for flag in ("window-s", "warmup-s", "idle-s", "slice-s"):
        miner.add_argument(f"--{flag}", type=float)
    for flag in ("windows", "rounds", "job-nonces", "verify-span", "scan-nonces"):
        miner.add_argument(f"--{flag}", type=int)
    prof = sub.add_parser("profile", help="launches of the chosen kernel, for ncu")
    prof.add_argument("--out", type=Path, required=True)
    summ = sub.add_parser("summary", help="summarise what the steps left")
    summ.add_argument("--work", type=Path, required=True)
    summ.add_argument("--out", type=Path, required=True)
    summ.add_argument("--elapsed-s", type=float)
    summ.add_argument("--quiet", action="store_true", help="write, print nothing")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    try:
        mode = rehearsal.mode()
    except ValueError as exc:
        print(f"gpu-check: {exc}", file=sys.stderr)
        return 2
    if mode is not None:
        rehearsal.install(mode)
    if args.command == "preflight":
        return preflight(args.work, mode)
    if args.command == "miner":
        from gpucheck import miner

        given = {k: v for k, v in vars(args).items() if v is not None}
        fields = set(miner.Settings.__dataclass_fields__)
        settings = miner.Settings(**{k: v for k, v in given.items() if k in fields})
        return miner.main(settings, args.out)
    if args.command == "profile":
        from gpucheck import miner

        return miner.profile_target(args.out)
    from gpucheck import summary

    doc = summary.write(args.work, args.out, args.elapsed_s, mode)
    if not args.quiet:
        for line in summary.lines(doc):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

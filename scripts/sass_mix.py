"""Instruction mix of the nonce loop of a sha256d cubin, by pipe, with the bound it implies.

    python scripts/sass_mix.py KERNEL.cubin [--cuobjdump PATH] [--sms 132] [--ghz 1.98]

A developer's tool for kernel work on a machine without a GPU: build a cubin (nvcc -cubin, or
NVRTC), and read which instructions the loop spends per nonce. The model: each SM sub-partition
issues one warp instruction per clock; SHF, LOP3, IADD3, PRMT and ISETP run on the ALU pipe and
IMAD, IMAD.HI, IMAD.WIDE and VIADD on the FMA pipe, each 16 lanes wide (two clocks a warp). It
is a model to rank variants, not a measurement. cuobjdump comes with a CUDA toolkit or the
nvidia-cuda-cuobjdump wheel.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess

_LINE = re.compile(r"\s+/\*([0-9a-f]{4,})\*/\s+(.*?);")
_FMA = ("IMAD", "VIADD", "IMUL")
_ALU = ("SHF", "LOP3", "IADD3", "PRMT", "ISETP", "SEL", "MOV", "LEA", "IMNMX", "VIMNMX")


def loop_instructions(sass: str) -> list[str]:
    """The instructions inside the longest backward branch (the nonce loop)."""
    ins = [(int(m.group(1), 16), m.group(2).strip()) for m in _LINE.finditer(sass)]
    spans = []
    for addr, text in ins:
        if (m := re.search(r"BRA (0x[0-9a-f]+)", text)) and int(m.group(1), 16) < addr:
            spans.append((addr - int(m.group(1), 16), int(m.group(1), 16), addr))
    if not spans:
        raise SystemExit("no loop found in the SASS")
    _, lo, hi = max(spans)
    return [re.sub(r"^@!?U?P\w+\s+", "", t) for a, t in ins if lo <= a <= hi]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("cubin")
    p.add_argument("--cuobjdump", default=shutil.which("cuobjdump") or "cuobjdump")
    p.add_argument("--sms", type=int, default=132)
    p.add_argument("--ghz", type=float, default=1.98)
    args = p.parse_args()
    sass = subprocess.run([args.cuobjdump, "-sass", args.cubin], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    loop = loop_instructions(sass)
    ops = collections.Counter(t.split()[0] for t in loop)
    fma = sum(v for k, v in ops.items() if k.startswith(_FMA))
    alu = sum(v for k, v in ops.items() if k.startswith(_ALU))
    cycles = max(2 * alu, 2 * fma, len(loop))  # per warp of nonces, per sub-partition
    print(f"loop: {len(loop)} instructions per nonce (ALU pipe {alu}, FMA pipe {fma})")
    print("  " + ", ".join(f"{k} {v}" for k, v in ops.most_common()))
    print(
        f"  clocks per 32 nonces per sub-partition: max(2*{alu}, 2*{fma}, {len(loop)}) = {cycles}"
    )
    rate = args.sms * 4 * 32 * args.ghz * 1e9 / cycles
    print(f"  model bound: {rate / 1e9:.2f} GH/s ({args.sms} SMs at {args.ghz} GHz)")


if __name__ == "__main__":
    main()

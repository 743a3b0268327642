#!/usr/bin/env bash
# make gpu-check: the one prepared GPU check for the miner, telemetry, inference and run issues
# (3, 4, 5, 7), for a machine with an NVIDIA GPU and torch, CuPy, nvidia-ml-py, pytest and click
# already installed (no network needed). Steps, each with its elapsed time:
#   preflight        a usable GPU, or exit 2 with one line on stderr and nothing written
#   build            the CPU extension in place (the CUDA path does not need it)
#   tests-miner      pytest: the CUDA miner against hashlib, the kernel build checks
#   miner            python -m bench.gpucheck: verification, kernel variants, registers and
#                    occupancy, then sha256d through bench.measure and bench.telemetry (idle
#                    power, 5 windows of 5 s, counter vs integrated trace, sampler cost)
#   suite            python -m bench run on cuda:0: the default suite at GPU sizes
#   decode-b256      python -m bench run: llm-decode at batch 256 (energy per token)
#   tests-inference  pytest: the GPU-marked inference and LLM tests
#   summary          python -m bench.gpusummary: the figures per issue and each goal
# The inference tests come last: the suite verifies every workload before measuring it, so
# when time runs short they are what is cut. Each step's limit is what is left of
# GPU_CHECK_BUDGET_S (default 350 s) after a reserve for the steps after it, so a slow step is
# cut and the later ones still run; the summary always runs. Everything is written under
# results/gpu-check-<UTC stamp>/ and, when $OUT is set, copied into $OUT: gpu-check-summary.json,
# gpu-check-miner.json, gpu-check-suite.json and .html, gpu-check-decode-b256.json and
# gpu-check.log. Exit status: 0 all passed, 1 a step failed or was cut for time (the last line says
# which), 2 no usable GPU.
set -u
cd "$(dirname "$0")/.."
T0=$SECONDS
BUDGET_S=${GPU_CHECK_BUDGET_S:-350}

# The project's venv when it can import CuPy, else the machine's python3. No install step: the
# package runs from the source tree.
PY=${PYTHON:-python3}
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ] && .venv/bin/python -c "import cupy" 2>/dev/null; then
    PY=.venv/bin/python
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TQDM_DISABLE=1 # no progress bars in the log (tqdm 4.66+); the stage lines stay

PREFLIGHT=$(timeout -k 5 120 "$PY" -m bench.gpucheck --preflight)
rc=$?
if [ "$rc" -eq 2 ]; then
    exit 2
elif [ "$rc" -ne 0 ]; then
    echo "gpu-check: preflight failed (exit status $rc)" >&2
    exit 1
fi

DIR=results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$DIR"
printf 'preflight\t0\t%s\t120\n' "$((SECONDS - T0))" >"$DIR/steps.tsv"

# step NAME CAP_S RESERVE_S COMMAND...: run COMMAND with a limit of CAP_S, or less so that
# RESERVE_S of the budget stays for the steps after it; record name, status, seconds, limit.
step() {
    local name=$1 cap=$2 reserve=$3
    shift 3
    local left=$((BUDGET_S - (SECONDS - T0) - reserve))
    local limit=$((cap < left ? cap : left))
    if [ "$limit" -lt 15 ]; then
        echo "== $name: SKIPPED, the time budget is spent ($((SECONDS - T0)) of $BUDGET_S s)"
        printf '%s\t%s\t%s\t%s\n' "$name" 125 0 0 >>"$DIR/steps.tsv"
        return 125
    fi
    echo "== $name: starts at $((SECONDS - T0)) s, limit $limit s"
    local s0=$SECONDS rc
    timeout -k 10 "$limit" "$@"
    rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "== $name: CUT at its limit of $limit s"
    fi
    echo "== $name: exit status $rc after $((SECONDS - s0)) s (elapsed $((SECONDS - T0)) s)"
    printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - s0))" "$limit" >>"$DIR/steps.tsv"
    return "$rc"
}

# -o addopts= : pytest-benchmark may be absent here, and pyproject's addopts names it.
PYTEST=("$PY" -m pytest -q -o addopts= -p no:cacheprovider -rs)
# Window settings that fit the budget: 3 windows of 5 s after at most 6 s of warm-up.
RUN=("$PY" -m bench run --device cuda:0 --window-s 5 --min-windows 3 --max-windows 3
    --timeout-s 15 --warmup-max-s 6)

checks() {
    local failed=0 cut=0
    # count STATUS: a failure, or a step cut or skipped for time (124, 137: timeout; 125: skipped)
    count() { case $1 in 0) ;; 124 | 125 | 137) cut=$((cut + 1)) ;; *) failed=1 ;; esac }
    echo "== preflight: ${PREFLIGHT#gpu-check: } after $((SECONDS - T0)) s; python $PY"
    echo "gpu-check: results in $DIR; time budget $BUDGET_S s"
    if [ -z "${JOULEBENCH_SKIP_BUILD:-}" ]; then
        step build 60 275 "$PY" setup.py -q build_ext --inplace ||
            echo "gpu-check: CPU extension not built; the CUDA path does not need it"
    fi
    local have_pytest=1
    "$PY" -c "import pytest, click" 2>/dev/null || have_pytest=0
    if [ "$have_pytest" -eq 1 ]; then
        step tests-miner 60 260 "${PYTEST[@]}" tests/test_cuda_miner.py tests/test_cuda_build.py
        count $?
    else
        echo "gpu-check: pytest or click is not installed; the GPU tests are skipped"
    fi
    step miner 90 205 "$PY" -m bench.gpucheck --dir "$DIR" ${OUT:+--out "$OUT"}
    count $?
    step suite 220 35 "${RUN[@]}" --out "$DIR/suite"
    count $?
    step decode-b256 75 0 "${RUN[@]}" --workloads llm-decode --set llm-decode.batch_size=256 \
        --no-report --out "$DIR/decode-b256"
    count $?
    if [ "$have_pytest" -eq 1 ]; then
        step tests-inference 90 0 "${PYTEST[@]}" -m gpu tests/test_inference_workloads.py \
            tests/test_llm.py
        count $?
    fi
    echo "== summary at $((SECONDS - T0)) s"
    timeout -k 5 60 "$PY" -m bench.gpusummary "$DIR" --elapsed-s $((SECONDS - T0)) \
        ${OUT:+--out "$OUT"} || failed=1
    local verdict=passed
    [ "$cut" -gt 0 ] && verdict="incomplete: $cut step(s) cut or skipped for time"
    [ "$failed" -ne 0 ] && verdict="FAILED (see the steps above)"
    echo "gpu-check: done in $((SECONDS - T0)) s; $verdict"
    [ "$failed" -eq 0 ] && [ "$cut" -eq 0 ]
}

checks 2>&1 | tee "$DIR/gpu-check.log"
status=${PIPESTATUS[0]}
if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT" && cp "$DIR/gpu-check.log" "$OUT/gpu-check.log"
fi
exit "$status"

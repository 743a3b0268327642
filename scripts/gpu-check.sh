#!/usr/bin/env bash
# make gpu-check: one call on a borrowed NVIDIA machine (no network; torch, CuPy, nvidia-ml-py,
# pytest and click preinstalled) that brings back every GPU figure, even when a step fails or
# runs out of time. Steps, in order, each under a time limit (the measurements first, the
# tests last, so that the tests are what a short budget cuts):
#   preflight        what torch, CuPy and NVML see (python: the first that imports torch:
#                    $PYTHON, .venv/bin/python, /opt/torch/.venv/bin/python3, python3)
#   build            the CPU extension in place, unless this python imports it already (the
#                    CUDA path does not need it; the CPU-agreement test and a CPU sha256d do)
#   miner            python -m gpucheck miner: idle power while the GPU is cool, verification,
#                    kernel variants interleaved, sha256d through bench.measure (5 x 5 s)
#   suite            joulebench run on cuda:0: the default suite, AI workloads first, 3
#                    windows of 5 s each
#   decode-b256      joulebench run: llm-decode at batch 256 (energy per token)
#   profile          ncu (Nsight Compute, where installed; clocks left alone) on one launch of
#                    the miner's chosen kernel variant: gpu-check-ncu.txt
#   tests-miner      pytest: the CUDA miner against hashlib, the kernel build checks
#   tests-inference  pytest: the GPU-marked inference and LLM tests
# After every step the summary is rewritten (python -m gpucheck summary), so whatever happens
# next, $OUT holds gpu-check.log, gpu-check-summary.json (every step with its status: ok, cut,
# failed or skipped, and the figures each got, beside their goals), gpu-check-miner.json
# (saved after every phase and window), gpu-check-suite.json and .html and
# gpu-check-decode-b256.json, gpu-check-ncu.txt: 7 files, none deeper than $OUT. Without $OUT they go to
# results/gpu-check-<UTC stamp>/. Each step's limit is what is left of GPU_CHECK_BUDGET_S
# (default 480 s; the device call's timeout_s is 590) after a reserve for the steps after it.
# Exit status: 0 every step ran, 1 a step failed or was cut, 2 no GPU (the summary says so).
#
# Rehearsal on any machine: JOULEBENCH_GPU_REHEARSAL=MODE OUT=DIR bash scripts/gpu-check.sh
# runs all of this against a fake CuPy and a simulated NVML (scripts/gpucheck/rehearsal.py),
# the torch steps on the CPU at tiny sizes (decode-b256 in mode ok only); MODE is ok, cut
# (the miner stalls after two windows and its limit cuts it), fail (a kernel compile fails in
# the miner step), no-cupy or no-gpu. The limits are generous there: the CPU may be shared.
set -u
T0=$SECONDS
if [ -n "${OUT:-}" ]; then # as given, relative to where the caller stands
    mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 2
fi
cd "$(dirname "$0")/.." || exit 2
MODE=${JOULEBENCH_GPU_REHEARSAL:-}
case "$MODE" in
"" | ok | cut | fail | no-cupy | no-gpu) ;;
*)
    echo "gpu-check: JOULEBENCH_GPU_REHEARSAL=$MODE: use one of ok, cut, fail, no-cupy, no-gpu" >&2
    exit 2
    ;;
esac
if [ -n "$MODE" ] && [ -z "${OUT:-}" ]; then
    echo "gpu-check: a rehearsal writes into OUT=DIR; set OUT" >&2
    exit 2
fi
BUDGET_S=${GPU_CHECK_BUDGET_S:-$([ -n "$MODE" ] && echo 600 || echo 480)}
case "$BUDGET_S" in
'' | *[!0-9]*)
    echo "gpu-check: GPU_CHECK_BUDGET_S=$BUDGET_S: give whole seconds" >&2
    exit 2
    ;;
esac
OUT=${OUT:-results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}
WORK=$(mktemp -d) || exit 2 # the steps' own outputs; the summary copies what matters to OUT
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$WORK" || exit 2
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/gpu-check.log
: >"$LOG"

export PYTHONUNBUFFERED=1 # a step cut by `timeout` keeps its output in the log
export PYTHONPATH="$PWD/scripts:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TQDM_DISABLE=1 MPLBACKEND=Agg
if [ -z "${CUDA_PATH:-}" ] && [ -d /usr/local/cuda ]; then
    export CUDA_PATH=/usr/local/cuda
fi

# The first python that imports torch: $PYTHON, the project's venv, the GPU image's, python3;
# whether CuPy is installed beside it (the preflight says whether it works).
ABOUT="import sys, importlib.util as u, torch
print(sys.version.split()[0], 'torch', torch.__version__, 'cupy', 'yes' if u.find_spec('cupy') else 'no')"
find_python() {
    local py
    for py in "${PYTHON:-}" .venv/bin/python /opt/torch/.venv/bin/python3 python3; do
        [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 || continue
        if PY_ABOUT=$("$py" -c "$ABOUT" 2>/dev/null); then
            PY=$py
            return 0
        fi
        echo "gpu-check: $py does not import torch"
    done
    return 1
}

find_ncu() { # Nsight Compute's command line, where this machine has one
    local c
    for c in "$(command -v ncu 2>/dev/null)" /usr/local/cuda/bin/ncu /usr/local/cuda/NsightCompute-*/ncu \
        /opt/nvidia/nsight-compute/*/ncu; do
        if [ -n "$c" ] && [ -x "$c" ]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# profile_with NCU OUTFILE COMMAND...: COMMAND's kernel launches under ncu (or COMMAND alone
# where NCU is empty, the rehearsal); ncu's report to OUTFILE as it is written, so a cut keeps
# what it has. --clock-control none: ncu would otherwise lock the clocks to base while it
# profiles, and this check never changes the GPU's settings.
profile_with() {
    local ncu=$1 file=$2
    shift 2
    if [ -z "$ncu" ]; then
        "$@"
        return
    fi
    "$ncu" --clock-control none --target-processes all --kernel-name sha256d_search \
        --launch-skip 2 --launch-count 1 --section SpeedOfLight --section ComputeWorkloadAnalysis \
        --section InstructionStats --section Occupancy --section LaunchStats \
        --section WarpStateStats --section SchedulerStats --log-file "$file" "$@"
    local rc=$?
    [ -f "$file" ] && tail -n 40 "$file"
    return $rc
}

record() { # NAME STATUS EXIT_STATUS SECONDS LIMIT REASON
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$WORK/steps.tsv"
}

summarise() {
    timeout -k 5 60 "$PY" -m gpucheck summary --work "$WORK" --out "$OUT" \
        --elapsed-s $((SECONDS - T0)) "$@" || echo "gpu-check: the summary failed (status $?)"
}

# step NAME CAP_S RESERVE_S COMMAND...: COMMAND under a limit of CAP_S, or less so that
# RESERVE_S of the budget stays for the steps after it; its status recorded, the summary
# rewritten.
step() {
    local name=$1 cap=$2 reserve=$3
    shift 3
    local left=$((BUDGET_S - SUMMARY_S - (SECONDS - T0) - reserve))
    local limit=$((cap < left ? cap : left))
    if [ "$limit" -lt "$MIN_STEP_S" ]; then
        skip "$name" "the time budget is spent ($((SECONDS - T0)) of $BUDGET_S s)"
        return
    fi
    echo "== $name: starts at $((SECONDS - T0)) s, limit $limit s"
    local s0=$SECONDS rc status=ok reason=""
    timeout -k 10 "$limit" "$@"
    rc=$?
    case $rc in
    0) ;;
    124 | 137) status=cut reason="cut at its limit of $limit s" ;;
    *) status=failed reason="exit status $rc" ;;
    esac
    echo "== $name: $status after $((SECONDS - s0)) s${reason:+ ($reason)}"
    record "$name" "$status" "$rc" $((SECONDS - s0)) "$limit" "$reason"
    summarise --quiet
}

skip() { # NAME REASON
    echo "== $1: skipped: $2"
    record "$1" skipped "" 0 0 "$2"
}

settings() { # the limits (CAP_*) and reserves (RES_*) of each step, in seconds
    if [ -n "$MODE" ]; then # tiny sizes on a CPU; generous limits: the CPU may be shared
        SUMMARY_S=3 MIN_STEP_S=2
        CAP_PREFLIGHT=150 CAP_BUILD=150 CAP_MINER=150 CAP_SUITE=150 CAP_DECODE=150 CAP_PROFILE=60
        CAP_TESTS=0
        RES_BUILD=0 RES_MINER=0 RES_SUITE=0 RES_DECODE=0
        MINER_ARGS=(--window-s 0.3 --windows 3 --warmup-s 0.3 --idle-s 0.4 --slice-s 0.05
            --rounds 2 --job-nonces 8192 --verify-span 2048 --scan-nonces 4096)
        if [ "$MODE" = cut ]; then # the miner stalls after 2 windows; its limit cuts it
            CAP_MINER=${GPU_CHECK_REHEARSAL_CUT_S:-20}
            MINER_ARGS+=(--windows 40)
        fi
        RUN_ARGS=(--quick --window-s 0.2 --min-windows 2 --max-windows 2 --timeout-s 2
            --warmup-max-s 0.5)
        SUITE=sha256d DECODE_BATCH=2
    else
        SUMMARY_S=10 MIN_STEP_S=15
        CAP_PREFLIGHT=90 CAP_BUILD=45 CAP_MINER=110 CAP_SUITE=230 CAP_DECODE=60 CAP_PROFILE=60
        CAP_TESTS=90
        # each reserve: the least useful time of the measuring steps after it
        RES_BUILD=220 RES_MINER=160 RES_SUITE=40 RES_DECODE=0
        MINER_ARGS=()
        # a workload silent for 90 s beyond its longest stage is stopped; the next ones still run
        RUN_ARGS=(--window-s 5 --min-windows 3 --max-windows 3 --timeout-s 15 --warmup-max-s 6
            --stall-s 90)
        # the AI workloads first: the miner check has measured sha256d already, so if the suite
        # is cut, the run's own mining row (for the table's pivot) is what is lost
        SUITE=gemm,llm-prefill,llm-decode,resnet50,bert,sha256d DECODE_BATCH=256
    fi
}

checks() {
    settings
    echo "gpu-check: ${MODE:+REHEARSAL ($MODE) }budget $BUDGET_S s; files in $OUT"
    if ! find_python; then
        echo "gpu-check: no python here imports torch (tried \$PYTHON, .venv, /opt/torch/.venv, python3)"
        PY=${PYTHON:-python3}
        record preflight failed 1 0 0 "no python imports torch"
        summarise
        return 1
    fi
    echo "gpu-check: python $PY ($PY_ABOUT)"
    step preflight "$CAP_PREFLIGHT" 0 "$PY" -m gpucheck preflight --work "$WORK"
    # Without the preflight's answer (it crashed or hung), every step is tried and says itself
    # why it cannot run: one broken import must not cost the others.
    GPU_SEEN=1 MINER_OK=1 MINER_WHY="" TORCH_DEVICE=${MODE:+cpu} TORCH_WHY=""
    TORCH_DEVICE=${TORCH_DEVICE:-cuda:0}
    if [ -f "$WORK/preflight.env" ]; then
        # shellcheck disable=SC1091
        . "$WORK/preflight.env"
    else
        echo "gpu-check: the preflight gave no answer; trying every step"
    fi
    if [ "$GPU_SEEN" != 1 ]; then
        local why="preflight found no GPU"
        for name in build miner suite decode-b256 profile tests-miner tests-inference; do
            skip "$name" "$why"
        done
        summarise
        return 2
    fi
    if [ -n "${JOULEBENCH_SKIP_BUILD:-}" ]; then
        skip build "JOULEBENCH_SKIP_BUILD is set (the CUDA path does not need the extension)"
    elif "$PY" -c "from bench.mining import _cpuminer" 2>/dev/null; then
        skip build "the CPU extension is built for this python already"
    else
        step build "$CAP_BUILD" "$RES_BUILD" "$PY" setup.py -q build_ext --inplace
    fi
    if [ "$MINER_OK" = 1 ]; then
        step miner "$CAP_MINER" "$RES_MINER" "$PY" -m gpucheck miner --out "$OUT" "${MINER_ARGS[@]}"
    else
        skip miner "$MINER_WHY"
    fi
    if [ -n "$TORCH_DEVICE" ]; then
        local run=("$PY" -m bench run --device "$TORCH_DEVICE" "${RUN_ARGS[@]}")
        step suite "$CAP_SUITE" "$RES_SUITE" "${run[@]}" --workloads "$SUITE" --out "$WORK/suite"
        if [ -n "$MODE" ] && [ "$MODE" != ok ]; then # one torch run shows the point; keep it short
            skip decode-b256 "rehearsal: only mode ok runs it"
        else
            step decode-b256 "$CAP_DECODE" "$RES_DECODE" "${run[@]}" --workloads llm-decode \
                --set "llm-decode.batch_size=$DECODE_BATCH" --no-report --out "$WORK/decode-b256"
        fi
    else
        skip suite "$TORCH_WHY"
        skip decode-b256 "$TORCH_WHY"
    fi
    # the profiler: GPU_CHECK_NCU, else the one installed; a rehearsal runs the launches alone
    local ncu=${GPU_CHECK_NCU:-}
    if [ -z "$ncu" ] && [ -z "$MODE" ]; then
        ncu=$(find_ncu)
    fi
    if ! grep -qs '"chosen"' "$OUT/gpu-check-miner.json"; then
        skip profile "the miner step chose no kernel variant"
    elif [ -n "$ncu" ] || [ -n "$MODE" ]; then
        export -f profile_with
        step profile "$CAP_PROFILE" 0 bash -c 'profile_with "$@"' _ "$ncu" "$OUT/gpu-check-ncu.txt" \
            "$PY" -m gpucheck profile --out "$OUT"
    else
        skip profile "ncu (Nsight Compute) is not installed here"
    fi
    local pytest=("$PY" -m pytest -q -o addopts= -p no:cacheprovider -rs)
    if [ -n "$MODE" ]; then
        skip tests-miner "rehearsal: the GPU tests need a GPU (make test runs the rest)"
        skip tests-inference "rehearsal: the GPU tests need a GPU (make test runs the rest)"
    elif ! "$PY" -c "import pytest, click" 2>/dev/null; then
        skip tests-miner "pytest or click is not installed"
        skip tests-inference "pytest or click is not installed"
    else
        step tests-miner "$CAP_TESTS" 0 "${pytest[@]}" tests/test_cuda_miner.py tests/test_cuda_build.py
        step tests-inference "$CAP_TESTS" 0 "${pytest[@]}" -m gpu tests/test_inference_workloads.py \
            tests/test_llm.py
    fi
    echo "== summary at $((SECONDS - T0)) s"
    summarise
    local bad
    bad=$(cut -f1,2 "$WORK/steps.tsv" | grep -cE $'\t(cut|failed)$')
    echo "gpu-check: done in $((SECONDS - T0)) s; $bad step(s) failed or cut; files in $OUT"
    [ "$bad" -eq 0 ]
}

checks 2>&1 | tee -a "$LOG"
exit "${PIPESTATUS[0]}"

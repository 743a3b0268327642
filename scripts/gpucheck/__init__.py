"""`make gpu-check`: the one prepared check for a borrowed NVIDIA machine, outside the package.

scripts/gpu-check.sh runs the steps, each under a time limit, and after each one calls
`python -m gpucheck summary`, so that the summary and the log are in $OUT whatever happens
later. `python -m gpucheck preflight` says which steps this machine can run; `python -m
gpucheck miner` verifies the CUDA miner, times its kernel variants and measures it through the
harness (bench.measure, bench.telemetry), saving after every phase and every window.
With JOULEBENCH_GPU_REHEARSAL=MODE the same code runs on any CPU machine against a fake CuPy
and a simulated NVML (gpucheck.rehearsal).
"""

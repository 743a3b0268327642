#!/usr/bin/env bash
# A stand-in for Nsight Compute's ncu in the GPU check's rehearsal (GPU_CHECK_NCU): takes
# ncu's options (each `--name value`), runs the application after them, then writes a report
# in ncu's text layout (hand-made figures) to the --log-file, with the options it was given.
set -u
log=""
opts=()
while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do
    opts+=("$1=$2")
    [ "$1" = --log-file ] && log=$2
    shift 2
done
[ -n "$log" ] || { echo "fake ncu: no --log-file" >&2; exit 9; }
"$@"
rc=$?
cat >"$log" <<REPORT
# fake ncu options: ${opts[*]}
==PROF== Connected to process 4242 ($1)
==PROF== Profiling "sha256d_search" - 0: 0%....50%....100% - 9 passes
==PROF== Disconnected from process 4242
  sha256d_search (2112, 1, 1)x(256, 1, 1), Context 1, Stream 13, Device 0, CC 9.0
    Section: GPU Speed Of Light Throughput
    ----------------------- ----------- ------------
    Metric Name             Metric Unit Metric Value
    ----------------------- ----------- ------------
    DRAM Frequency                  Ghz         2.62
    SM Frequency                    Ghz         1.75
    Elapsed Cycles                cycle   12,345,678
    Memory Throughput                 %         0.41
    Duration                         ms         7.05
    Compute (SM) Throughput           %        91.72
    ----------------------- ----------- ------------
    Section: Compute Workload Analysis
    Executed Ipc Active        inst/cycle         3.71
    Issue Slots Busy                    %        92.80
    SM Busy                             %        92.80
REPORT
exit $rc

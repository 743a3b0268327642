#!/usr/bin/env bash
# A one-node Slurm on localhost for the tests (tests/test_slurm.py): munged, slurmctld and
# slurmd as root, every state, spool, pid and log file under one folder.
#
#   scripts/ci-slurm.sh start [DIR [PORT]]  start with fresh state (DIR default
#                       /tmp/joulebench-slurm; slurmctld on PORT, slurmd on PORT+1, default a
#                       random pair in 20000-39999, so that two runs on one machine do not
#                       meet); prints SLURM_CONF=DIR/slurm.conf on success
#   scripts/ci-slurm.sh stop  [DIR]         cancel its jobs, stop the daemons it started
#
# Needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge) and root. The setup
# follows what ran `srun -n 2` on Debian 12 (slurm-wlm 22.05): AuthType auth/munge,
# proctrack/linuxproc, task/none, no accounting, select/cons_tres with CR_CPU, one node named
# `hostname -s` with CPUs = nproc. Exits non-zero with one line on stderr when it cannot.
set -uo pipefail

action=${1:-start}
dir=${2:-/tmp/joulebench-slurm}
port=${3:-$((20000 + 2 * (RANDOM % 10000)))}
conf=$dir/slurm.conf

fail() { echo "ci-slurm: $*" >&2; exit 1; }

stop() {
    if [ -f "$conf" ] && [ -f "$dir/slurmctld.pid" ]; then  # no job of ours left running
        SLURM_CONF=$conf timeout 10 scancel --full --quiet --partition=ci 2>/dev/null || true
    fi
    for name in slurmd slurmctld munged; do
        if [ -f "$dir/$name.pid" ]; then
            kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
            rm -f "$dir/$name.pid"
        fi
    done
}

write_conf() {
    local node cpus
    node=$(hostname -s)
    cpus=$(nproc)
    mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
    cat >"$conf" <<EOF
ClusterName=joulebench-ci
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
AuthInfo=socket=$dir/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
NodeName=$node CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
}

start_munge() {
    command -v munged >/dev/null || fail "munged not installed (apt-get install munge)"
    local key=$dir/munge/munge.key
    [ -f "$key" ] || head -c 1024 /dev/urandom >"$key"
    chmod 0400 "$key"
    munged --force --key-file="$key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munge.seed" 2>"$dir/log/munged.err" \
        || fail "munged did not start: $(tail -n1 "$dir/log/munged.err")"
}

start() {
    [ "$(id -u)" = 0 ] || fail "needs root (SlurmUser/SlurmdUser root)"
    for bin in slurmctld slurmd srun sinfo; do
        command -v "$bin" >/dev/null || fail "$bin not installed (apt-get install slurm-wlm)"
    done
    stop
    rm -rf "$dir/state" "$dir/spool"  # fresh state: no job of an earlier run comes back
    if command -v ss >/dev/null && ss -ltn | grep -Eq ":($port|$((port + 1)))\b"; then
        fail "port $port or $((port + 1)) is taken: pass another PORT"
    fi
    write_conf
    start_munge
    export SLURM_CONF=$conf
    slurmctld -f "$conf" 2>"$dir/log/slurmctld.err" \
        || fail "slurmctld did not start: $(tail -n1 "$dir/log/slurmctld.err")"
    slurmd -f "$conf" 2>"$dir/log/slurmd.err" \
        || fail "slurmd did not start: $(tail -n1 "$dir/log/slurmd.err")"
    for _ in $(seq 1 60); do
        if sinfo -h -o '%t' 2>/dev/null | grep -Eq '^idle'; then
            echo "SLURM_CONF=$conf"
            return 0
        fi
        sleep 0.5
    done
    fail "the node did not come up within 30 s: $(sinfo -h -o '%t %E' 2>&1 | head -n1)"
}

case $action in
    start) start ;;
    stop) stop ;;
    *) fail "usage: $0 start|stop [DIR]" ;;
esac

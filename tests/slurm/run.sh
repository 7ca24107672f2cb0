#!/usr/bin/env bash
# A real single-node Slurm run of the examples in examples/slurm/: a private munged, slurmctld
# and slurmd bound to 127.0.0.1 on their own ports, all state under a temporary folder.
#
#   1. an 8-shard job array plus an afterok merge job give summary.csv, summary.json and
#      monthly.csv byte-identical (cmp) to one local run of the same trials;
#   2. a failing shard leaves the merge job cancelled (DependencyNeverSatisfied), and the
#      other shards' folders are complete.
#
# Needs root and apt-get (installs slurmctld slurmd slurm-client munge if absent); without
# either it prints a loud SKIPPED banner and exits 0. Every daemon it starts is stopped by the
# PID it wrote, on any exit. Usage: tests/slurm/run.sh [path to a release supplyrisk binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
started=$SECONDS

skip() {
    echo
    echo "################################################################################"
    echo "#### SKIPPED: the single-node Slurm test did not run: $*"
    echo "################################################################################"
    echo
    exit 0
}
fail() {
    echo "slurm test FAILED: $*" >&2
    exit 1
}
step() { echo "-- [$((SECONDS - started)) s] $*"; }

[ "$(id -u)" = 0 ] || skip "it needs root (to install and run the Slurm daemons)"
command -v apt-get >/dev/null || skip "apt-get is missing (not a Debian-like system)"

# --- install ------------------------------------------------------------------------------------
packages=(slurmctld slurmd slurm-client munge)
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    step "installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    install() { timeout 600 apt-get install -y -q --no-install-recommends "${packages[@]}"; }
    # Debian's policy-rc.d may or may not start the packaged services; ours use other ports,
    # sockets and folders, so they cannot collide.
    if ! install >/tmp/supplyrisk-slurm-apt.log 2>&1; then
        timeout 600 apt-get update -q >>/tmp/supplyrisk-slurm-apt.log 2>&1 || true
        install >>/tmp/supplyrisk-slurm-apt.log 2>&1 || {
            tail -30 /tmp/supplyrisk-slurm-apt.log >&2
            fail "apt-get install ${packages[*]} failed"
        }
    fi
fi

bin=${1:-$repo/target/release/supplyrisk}
if [ ! -x "$bin" ]; then
    step "building $bin"
    cargo build --release --quiet
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# --- a private cluster --------------------------------------------------------------------------
work=$(mktemp -d /tmp/supplyrisk-slurm.XXXXXX)
chmod 0755 "$work"
mkdir -p "$work"/{munge/key,munge/socket,state,spool,log,runs}
chmod 0700 "$work/munge/key"
chmod 0755 "$work/munge" "$work/munge/socket"
pidfiles=("$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid")
export SLURM_CONF=$work/slurm.conf

show_logs() {
    echo "==== logs of the private cluster ($work) ====" >&2
    for f in "$work"/log/*.log "$work"/runs/*/logs/*.out; do
        [ -f "$f" ] || continue
        echo "---- $f (last 40 lines)" >&2
        tail -40 "$f" >&2
    done
    squeue -a 2>/dev/null >&2 || true
}
stop_daemons() {
    local status=$?
    trap - EXIT
    if [ "$status" != 0 ]; then
        show_logs
        scancel --quiet --user=root 2>/dev/null || true
    fi
    # Each daemon by the PID it wrote: TERM, then KILL if it is still there after 10 s.
    step "stopping the daemons"
    for pidfile in "${pidfiles[@]}"; do
        [ -s "$pidfile" ] || continue
        local pid
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        step "stopped $(basename "$pidfile" .pid) (PID $pid)"
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm test: $pidfile's PID $pid ignored TERM; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [ "$status" = 0 ]; then
        rm -rf "$work"
    else
        echo "slurm test: kept $work for inspection" >&2
    fi
    exit "$status"
}
trap stop_daemons EXIT
trap 'exit 130' INT TERM

host=$(hostname -s)
cpus=$(nproc)
memory_mib=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
ctld_port=${SUPPLYRISK_SLURMCTLD_PORT:-16817}
slurmd_port=${SUPPLYRISK_SLURMD_PORT:-16818}
cat >"$SLURM_CONF" <<EOF
ClusterName=ci
SlurmctldHost=$host(127.0.0.1)
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/socket/munge.socket
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$memory_mib State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

step "starting munged, slurmctld and slurmd (ports $ctld_port, $slurmd_port on 127.0.0.1)"
head -c 1024 /dev/urandom >"$work/munge/key/munge.key"
chmod 0400 "$work/munge/key/munge.key"
timeout 30 munged --key-file="$work/munge/key/munge.key" \
    --socket="$work/munge/socket/munge.socket" \
    --pid-file="$work/munge/munged.pid" \
    --log-file="$work/log/munged.log" \
    --seed-file="$work/munge/munged.seed" ||
    fail "munged did not start"
timeout 30 slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
timeout 30 slurmd -f "$SLURM_CONF" || fail "slurmd did not start"

# The node is idle within a second or two; wait up to 30 s.
for _ in $(seq 300); do
    state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
done
[ "$state" = idle ] || fail "node $host is '$state', not idle, after 30 s"
step "node $host idle with $cpus CPUs"

# Waits until none of the jobs is queued or running (polling squeue: sbatch --wait is slow).
wait_jobs() {
    local deadline=$((SECONDS + $1))
    shift
    while [ -n "$(squeue -h -j "$(
        IFS=,
        echo "$*"
    )" 2>/dev/null)" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "jobs $* still queued after the timeout"
        sleep 0.2
    done
}
# The state (and reason) Slurm keeps for a finished job.
job_field() { scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

scenario=tutorial
trials=3000
seed=5

# --- 1. an 8-shard array and an afterok merge equal one run -------------------------------------
step "one local run of $trials trials"
"$bin" run "$scenario" --trials "$trials" --seed "$seed" --threads 2 --no-charts \
    --out "$work/runs/single" >/dev/null

step "submitting the 8-shard array and the merge job (examples/slurm/submit.sh)"
cd "$work/runs"
export SUPPLYRISK=$bin
read -r array merge < <("$repo/examples/slurm/submit.sh" "$scenario" 8 "$work/runs/sharded" \
    --trials "$trials" --seed "$seed")
[ -n "${merge:-}" ] || fail "submit.sh did not print the two job ids"
wait_jobs 120 "$array" "$merge"
[ "$(job_field "$merge" JobState)" = COMPLETED ] ||
    fail "merge job $merge ended $(job_field "$merge" JobState) ($(job_field "$merge" Reason))"
for k in $(seq 8); do
    [ "$(job_field "${array}_$k" JobState)" = COMPLETED ] || fail "shard task $k did not complete"
done
for f in summary.csv summary.json monthly.csv; do
    cmp "$work/runs/single/$f" "$work/runs/sharded/result/$f" ||
        fail "$f of the merged Slurm run differs from the single run's"
done
step "8 shards + merge on Slurm: summary.csv, summary.json, monthly.csv identical to one run"

# --- 2. a failing shard cancels the merge -------------------------------------------------------
# Shard 3's output location is a file, so `supplyrisk run --shard 3/4` fails (exit 2).
mkdir -p "$work/runs/failing"
touch "$work/runs/failing/shard-3"
read -r array merge < <("$repo/examples/slurm/submit.sh" "$scenario" 4 "$work/runs/failing" \
    --trials 400 --seed "$seed")
[ -n "${merge:-}" ] || fail "submit.sh did not print the two job ids"
wait_jobs 120 "$array" "$merge"
[ "$(job_field "${array}_3" JobState)" = FAILED ] ||
    fail "shard 3 ended $(job_field "${array}_3" JobState), expected FAILED"
grep -q "exists and is not a folder" "$work/runs/failing/logs/shard-3.out" ||
    fail "shard 3's log does not say why it failed"
[ "$(job_field "$merge" JobState)" = CANCELLED ] ||
    fail "merge job $merge is $(job_field "$merge" JobState), expected CANCELLED"
[ "$(job_field "$merge" Reason)" = DependencyNeverSatisfied ] ||
    fail "merge job $merge was cancelled for $(job_field "$merge" Reason)"
[ ! -e "$work/runs/failing/result" ] || fail "a result was written despite the failed shard"
for k in 1 2 4; do
    [ -s "$work/runs/failing/shard-$k/manifest.json" ] || fail "shard $k's folder is incomplete"
done
step "a failed shard left the merge job CANCELLED (DependencyNeverSatisfied) and no result"

step "slurm test passed"

#!/usr/bin/env bash
# Dask on loopback runs examples/dask/driver.py for real: once with the driver's own local
# cluster, once against a `dask scheduler` and `dask worker` started here on 127.0.0.1; each
# merged summary.csv, summary.json and monthly.csv must be byte-identical (cmp) to one run.
# Installs dask and distributed with pip when missing; skips with a loud banner when Python
# still cannot import dask.distributed. Stops the scheduler and worker by their PIDs on any exit.
# Usage: tests/dask/run.sh [path to a release supplyrisk binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
started=$SECONDS
step() { echo "-- [$((SECONDS - started)) s] $*"; }
fail() {
    echo "dask test FAILED: $*" >&2
    exit 1
}
python=${PYTHON:-python3}
if ! "$python" -c "import dask.distributed" 2>/dev/null; then
    # Try the PyPI registry once (CI machines start without dask); skip loudly if that fails.
    step "installing dask and distributed with pip"
    timeout 300 "$python" -m pip install --quiet dask distributed >/tmp/supplyrisk-dask-pip.log 2>&1 || true
fi
if ! "$python" -c "import dask.distributed" 2>/dev/null; then
    echo
    echo "################################################################################"
    echo "#### SKIPPED: the Dask test did not run: $python cannot import dask.distributed"
    echo "#### (pip install dask distributed)"
    echo "################################################################################"
    echo
    exit 0
fi
bin=${1:-$repo/target/release/supplyrisk}
[ -x "$bin" ] || cargo build --release --quiet
export SUPPLYRISK
SUPPLYRISK=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d /tmp/supplyrisk-dask.XXXXXX)
# Dask's scratch space (default /tmp/dask-scratch-space) inside ours.
export DASK_TEMPORARY_DIRECTORY=$work/dask-scratch
pids=()
cleanup() {
    local status=$?
    trap - EXIT
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    if [ "$status" = 0 ]; then
        rm -rf "$work"
    else
        for f in "$work"/*.log; do
            [ -f "$f" ] && { echo "---- $f" >&2; tail -30 "$f" >&2; }
        done
        echo "dask test: kept $work" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

flags=(--trials 1500 --seed 9)
same() {
    for f in summary.csv summary.json monthly.csv; do
        cmp "$work/single/$f" "$1/result/$f" || fail "$f of $1 differs from the single run's"
    done
}
"$SUPPLYRISK" run tutorial "${flags[@]}" --no-charts --out "$work/single" >/dev/null

step "driver with its own LocalCluster on 127.0.0.1 (6 shards)"
timeout 300 "$python" examples/dask/driver.py tutorial 6 "$work/local" -- "${flags[@]}" \
    >"$work/local.log" 2>&1 || fail "driver (local cluster) failed"
same "$work/local"

step "dask scheduler + dask worker on 127.0.0.1, driver joins them (7 shards)"
dask scheduler --host 127.0.0.1 --port 0 --dashboard-address 127.0.0.1:0 \
    --scheduler-file "$work/scheduler.json" >"$work/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
    [ -s "$work/scheduler.json" ] && break
    sleep 0.1
done
[ -s "$work/scheduler.json" ] || fail "the scheduler wrote no scheduler file in 30 s"
dask worker --scheduler-file "$work/scheduler.json" --host 127.0.0.1 --nworkers 2 --nthreads 1 \
    --dashboard-address 127.0.0.1:0 >"$work/worker.log" 2>&1 &
pids+=($!)
timeout 300 "$python" examples/dask/driver.py tutorial 7 "$work/remote" \
    --scheduler-file "$work/scheduler.json" -- "${flags[@]}" >"$work/remote.log" 2>&1 ||
    fail "driver (scheduler file) failed"
same "$work/remote"
if command -v ss >/dev/null; then
    # Everything the scheduler, the worker and their children listen on is loopback.
    family=$(IFS='|'; echo "${pids[*]}")
    family="$family|$(pgrep -d '|' -P "$(IFS=,; echo "${pids[*]}")" || true)"
    listening=$(ss -H -ltnp | grep -E "pid=(${family%|})," | awk '{print $4}')
    [ -n "$listening" ] || fail "found no listening socket of the scheduler or worker"
    if grep -v -E '^127\.0\.0\.1:' <<<"$listening"; then
        fail "a Dask process listens beyond 127.0.0.1"
    fi
    step "scheduler and workers listen on loopback only: $(echo $listening)"
fi
step "dask test passed"

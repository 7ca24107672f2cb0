#!/bin/bash
# Submits a supplyrisk run as an N-task Slurm job array plus a merge job that starts only if
# every shard succeeded (afterok). Prints the two job ids.
#
#   examples/slurm/submit.sh SCENARIO N OUT [supplyrisk run flags]
#   examples/slurm/submit.sh scenarios/pakistan.toml 200 /scratch/$USER/pk --trials 10000000 --seed 1
#
# Choose N at 10 to 100 times the number of tasks running at once; N does not change the
# result. MAX_RUNNING (default 64) throttles the array. Array indices must stay below Slurm's
# MaxArraySize (1001 by default, so indices up to 1000): shards are numbered from 1, so N is at
# most MaxArraySize - 1 (1000 by default; `scontrol show config | grep MaxArraySize` shows the
# cluster's). Extra sbatch options (partition, account) go in SBATCH_* variables,
# e.g. SBATCH_PARTITION=short. The result lands in OUT/result, logs in OUT/logs.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 SCENARIO N OUT [supplyrisk run flags]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
scenario=$1
shards=$2
out=$3
shift 3
mkdir -p "$out/logs"
array=$(sbatch --parsable \
    --array="1-$shards%${MAX_RUNNING:-64}" \
    --output="$out/logs/shard-%a.out" \
    "$here/shard.sbatch" "$scenario" "$shards" "$out" "$@")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
merge=$(sbatch --parsable \
    --dependency="afterok:$array" \
    --kill-on-invalid-dep=yes \
    --output="$out/logs/merge.out" \
    "$here/merge.sbatch" "$out" "$shards")
merge=${merge%%;*}
echo "$array $merge"

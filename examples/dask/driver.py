#!/usr/bin/env python3
"""Run a supplyrisk scenario as N shards on Dask, then merge them.

    python driver.py SCENARIO N OUT [--scheduler-file FILE] [-- supplyrisk run flags]
    python driver.py scenarios/pakistan.toml 40 out/pk -- --trials 1000000 --seed 1

Each Dask task calls the supplyrisk command line for one shard (`run --shard K/N`, written to
OUT/shard-K atomically, so a retried task cannot leave half a folder); the driver then runs
`supplyrisk merge` on the N folders into OUT/result, byte-identical to one run of the same
trials. Without --scheduler-file it starts a local cluster on 127.0.0.1 (dashboard on a random
loopback port). Workers need the binary (SUPPLYRISK, default `supplyrisk` on PATH) and the
scenario and OUT paths on a shared file system. Choose N at 10-100 times the number of workers.
"""

import argparse
import os
import subprocess
import sys

from dask.distributed import Client, LocalCluster

SUPPLYRISK = os.environ.get("SUPPLYRISK", "supplyrisk")


def run_shard(scenario, k, n, out, flags):
    """One shard; raises (and Dask retries) if supplyrisk fails. Returns the folder."""
    folder = os.path.join(out, f"shard-{k}")
    command = [SUPPLYRISK, "run", scenario, "--shard", f"{k}/{n}", "--threads", "1",
               "--out", folder, *flags]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"shard {k}/{n} failed ({done.returncode}): {done.stderr.strip()}")
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("shards", type=int)
    parser.add_argument("out")
    parser.add_argument("--scheduler-file", help="join a running Dask cluster")
    parser.add_argument("--workers", type=int, default=2, help="local cluster size")
    argv = sys.argv[1:]
    # Everything after `--` goes to `supplyrisk run` unchanged.
    flags = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    cluster = None
    if args.scheduler_file:
        client = Client(scheduler_file=args.scheduler_file)
    else:
        cluster = LocalCluster(host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               n_workers=args.workers, threads_per_worker=1)
        client = Client(cluster)
    try:
        # One task per K (the key names it); retries=2 re-runs a shard that failed.
        futures = [client.submit(run_shard, args.scenario, k, args.shards, out, flags,
                                 key=f"supplyrisk-shard-{k}", retries=2)
                   for k in range(1, args.shards + 1)]
        folders = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    # N passed explicitly and every folder named: merge refuses a missing or foreign shard.
    merge = [SUPPLYRISK, "merge", *folders, "--out", os.path.join(out, "result")]
    sys.exit(subprocess.run(merge).returncode)


if __name__ == "__main__":
    main()

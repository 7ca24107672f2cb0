//! Shards merge to a single run: for random N (1 ≤ N ≤ T; a fixed test takes N = T + 3), random orders of the shard folders
//! and 1 or 2 threads, `merge` writes `summary.csv`, `summary.json` (provenance included), `report.md`,
//! `monthly.csv` and `trials.csv` byte-identical to one run of the same T trials. Everything runs
//! through the real command layer (`app::execute`) in-process, with real shard folders on disk.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::Parser;
use proptest::prelude::*;
use supplyrisk::app::{self, AppError};
use supplyrisk::cli::Cli;

/// Two commodities, two countries, every kind of process (incidents, a regime, a project),
/// random demand growth and stock, so every accumulator (shares, counts, reductions, series) is
/// exercised. A short horizon keeps the test fast.
const SCENARIO: &str = r#"
[scenario]
name = "Shard test"
start = "2026-01"
horizon_months = 18
focus_market = "us"
dependency_on = ["CN", "RU"]

[[commodity]]
id = "antimony"

[[commodity]]
id = "tungsten"

[[node]]
id = "cn_mines"
kind = "mine"
country = "CN"
capacity = { antimony = 400, tungsten = 300 }

[[node]]
id = "ru_mine"
kind = "mine"
country = "RU"
capacity = { antimony = 150 }

[[node]]
id = "smelter"
kind = "refinery"
country = "BE"
capacity = { antimony = 350 }

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = { antimony = 60, tungsten = 40 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { antimony = 300, tungsten = 200 }
demand_growth = { dist = "normal", mean = 0.02, sd = 0.02 }
stock_months = { antimony = 1.5 }

[[edge]]
from = "cn_mines"
to = "smelter"
cost = 1

[[edge]]
from = "ru_mine"
to = "smelter"
cost = 1

[[edge]]
from = "smelter"
to = "us"
cost = 1

[[edge]]
from = "cn_mines"
to = "us"
commodities = ["tungsten"]
cost = 0.5

[[edge]]
from = "pk_mine"
to = "us"
cost = 0.2

[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = { dist = "gamma", shape = 3, scale = 1 }
targets = ["smelter"]
severity = { dist = "beta", a = 2, b = 2 }
duration_days = { dist = "lognormal", median = 10, p90 = 40 }

[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "tight"]
initial = [0.7, 0.3]
transitions = [[0.9, 0.1], [0.25, 0.75]]
[[disruption.effect]]
state = "tight"
exporter = "CN"
commodities = ["tungsten"]
factor = 0.3

[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_mine"]
success_probability = 0.5
online_month = { dist = "pert", min = 1, mode = 4, max = 12 }
ramp_months = { dist = "uniform", min = 0, max = 6 }
capacity_factor = { dist = "beta", a = 4, b = 2 }

[[variant]]
id = "without_pakistan"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with_pakistan"
"#;

/// T: not a multiple of the 64-trial chunk, so shards cut chunks at arbitrary places.
const TRIALS: u64 = 157;
const SEED: u64 = 11;
/// The files a merge must reproduce byte for byte.
const FILES: [&str; 5] = [
    "summary.csv",
    "summary.json",
    "monthly.csv",
    "trials.csv",
    "report.md",
];

/// Runs the command line in-process; returns stdout or the error.
fn supplyrisk(args: &[OsString]) -> Result<String, AppError> {
    let mut argv = vec![OsString::from("supplyrisk")];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).expect("valid flags");
    let mut out = Vec::new();
    let mut err = Vec::new();
    app::execute(cli, &mut out, &mut err)?;
    Ok(String::from_utf8(out).expect("UTF-8 output"))
}

/// A temporary folder, on a memory file system when there is one: writing a shard syncs its
/// files to disk (`report::write`), which on a real disk costs ~50 ms a shard and would dominate
/// a test of hundreds of shards; the bytes written are the same.
fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("temp dir")
}

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

/// The scenario file and the single run's files, computed once for all cases.
struct Reference {
    _dir: tempfile::TempDir,
    scenario: PathBuf,
    files: Vec<Vec<u8>>,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = scratch_dir();
        let scenario = dir.path().join("shard_test.toml");
        std::fs::write(&scenario, SCENARIO).expect("write scenario");
        let out = dir.path().join("single");
        let trials = TRIALS.to_string();
        let seed = SEED.to_string();
        let mut run = args(&["run"]);
        run.push(scenario.clone().into());
        run.extend(args(&[
            "--trials",
            &trials,
            "--seed",
            &seed,
            "--threads",
            "2",
            "--per-trial",
            "--out",
        ]));
        run.push(out.clone().into());
        supplyrisk(&run).expect("single run");
        let files = read_files(&out);
        Reference {
            _dir: dir,
            scenario,
            files,
        }
    })
}

fn read_files(dir: &Path) -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect()
}

/// Runs shards `indices` of `count` at `threads` into `dir`/shard-K; returns their folders.
fn run_shards(dir: &Path, indices: &[u64], count: u64, threads: usize) -> Vec<PathBuf> {
    let reference = reference();
    let trials = TRIALS.to_string();
    let seed = SEED.to_string();
    let threads = threads.to_string();
    indices
        .iter()
        .map(|k| {
            let folder = dir.join(format!("shard-{k}"));
            let spec = format!("{k}/{count}");
            let mut run = args(&["run"]);
            run.push(reference.scenario.clone().into());
            run.extend(args(&[
                "--trials",
                &trials,
                "--seed",
                &seed,
                "--threads",
                &threads,
                "--per-trial",
                "--shard",
                &spec,
                "--out",
            ]));
            run.push(folder.clone().into());
            let note = supplyrisk(&run).expect("shard run");
            // A shard prints one line, not the summary table.
            assert_eq!(note.lines().count(), 1, "{note}");
            assert!(note.starts_with(&format!("shard {spec}: ")), "{note}");
            folder
        })
        .collect()
}

/// Merges `folders` (in the given order) into `out` and returns the merged files.
fn merge(folders: &[PathBuf], out: &Path) -> Vec<Vec<u8>> {
    let mut merge = args(&["merge"]);
    merge.extend(folders.iter().map(|f| f.clone().into_os_string()));
    merge.push("--out".into());
    merge.push(out.into());
    let printed = supplyrisk(&merge).expect("merge");
    assert!(printed.contains("Merged"), "{printed}");
    read_files(out)
}

fn assert_identical(merged: &[Vec<u8>], what: &str) {
    for ((name, ours), theirs) in FILES.iter().zip(merged).zip(&reference().files) {
        assert!(
            ours == theirs,
            "{what}: merged {name} differs from the single run's"
        );
    }
}

proptest! {
    // Each case runs all T trials once (split N ways); 12 cases keep the file under a few
    // seconds in the test profile.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn any_n_any_order_any_threads_merges_to_the_single_run(
        // 1 ≤ N ≤ T, and the shard numbers 1..=N in a random order.
        order in (1..=TRIALS).prop_flat_map(|n| Just((1..=n).collect::<Vec<u64>>()).prop_shuffle()),
        threads in 1usize..=2,
    ) {
        let dir = scratch_dir();
        let count = order.len() as u64;
        let folders = run_shards(dir.path(), &order, count, threads);
        let merged = merge(&folders, &dir.path().join("merged"));
        assert_identical(&merged, &format!("N = {count}, {threads} threads, order {order:?}"));
    }
}

#[test]
fn the_extremes_one_shard_and_one_trial_per_shard_merge_exactly() {
    for (count, threads) in [(1, 1), (TRIALS, 2)] {
        let dir = scratch_dir();
        let indices: Vec<u64> = (1..=count).rev().collect();
        let folders = run_shards(dir.path(), &indices, count, threads);
        let merged = merge(&folders, &dir.path().join("merged"));
        assert_identical(&merged, &format!("N = {count}"));
    }
}

#[test]
fn more_shards_than_trials_leaves_some_empty_and_still_merges_exactly() {
    // SPEC 7: N is free. With N > T, shard K runs [⌊(K−1)T/N⌋, ⌊KT/N⌋), empty for N − T of
    // them; those say so, and the merge of all N is still the single run.
    let count = TRIALS + 3;
    let dir = scratch_dir();
    let indices: Vec<u64> = (1..=count).collect();
    let folders = run_shards(dir.path(), &indices, count, 2);
    let empty = folders
        .iter()
        .filter(|folder| {
            let manifest = std::fs::read_to_string(folder.join("manifest.json")).expect("manifest");
            let value: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
            value["trial_start"] == value["trial_end"]
        })
        .count();
    assert_eq!(empty, 3, "N − T shards are empty");
    let merged = merge(&folders, &dir.path().join("merged"));
    assert_identical(&merged, &format!("N = {count} > T = {TRIALS}"));
}

#[test]
fn a_shard_folder_holds_the_manifest_state_and_scenario_copy() {
    let dir = scratch_dir();
    let folders = run_shards(dir.path(), &[2], 3, 1);
    let folder = &folders[0];
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "manifest.json",
            "metrics.bin",
            "scenario.toml",
            "series.bin",
            "trials.csv"
        ]
    );
    // No staging folder is left beside it.
    let beside: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
    assert_eq!(beside.len(), 1);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).expect("read"))
            .expect("JSON");
    // Shard 2 of 3 of 157 trials: [⌊157/3⌋, ⌊2·157/3⌋) = [52, 104).
    assert_eq!(manifest["shard"], 2);
    assert_eq!(manifest["shards"], 3);
    assert_eq!(manifest["trials_total"], TRIALS);
    assert_eq!(manifest["trial_start"], 52);
    assert_eq!(manifest["trial_end"], 104);
    assert_eq!(manifest["seed"], SEED);
    assert_eq!(manifest["tool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        manifest["scenario_sha256"],
        supplyrisk::scenario::sha256_hex(SCENARIO.as_bytes())
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("scenario.toml")).expect("read"),
        SCENARIO
    );
    // trials.csv holds exactly this shard's trials, in order.
    let rows = std::fs::read_to_string(folder.join("trials.csv")).expect("read");
    let first_column: Vec<u64> = rows
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .next()
                .expect("a column")
                .parse()
                .expect("trial")
        })
        .collect();
    // Two variants × two commodities per trial.
    let expected: Vec<u64> = (52..104).flat_map(|t| [t; 4]).collect();
    assert_eq!(first_column, expected);
}

#[test]
fn merge_without_per_trial_shards_writes_no_trials_csv() {
    let dir = scratch_dir();
    let reference = reference();
    let trials = TRIALS.to_string();
    let seed = SEED.to_string();
    let mut folders = Vec::new();
    for k in 1..=2 {
        let folder = dir.path().join(format!("s{k}"));
        let spec = format!("{k}/2");
        let mut run = args(&["run"]);
        run.push(reference.scenario.clone().into());
        run.extend(args(&[
            "--trials", &trials, "--seed", &seed, "--shard", &spec, "--out",
        ]));
        run.push(folder.clone().into());
        supplyrisk(&run).expect("shard run");
        folders.push(folder);
    }
    let out = dir.path().join("merged");
    let mut merge = args(&["merge"]);
    merge.extend(folders.iter().map(|f| f.clone().into_os_string()));
    merge.push("--out".into());
    merge.push(out.clone().into());
    supplyrisk(&merge).expect("merge");
    assert!(!out.join("trials.csv").exists());
    for (name, expected) in FILES.iter().zip(&reference.files).take(3) {
        assert!(
            std::fs::read(out.join(name)).expect("read") == *expected,
            "{name} differs"
        );
    }
}

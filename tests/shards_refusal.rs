//! `merge` refuses shard folders that are not exactly the N shards of one run, naming each
//! offending folder and the shard numbers to re-run, with exit code 2 and no output written:
//! another scenario (hash), seed, trial count, shard count, chunk size, tool version or build;
//! an incompatible state layout; missing or duplicate shards; unreadable or corrupt state, and
//! a damaged `trials.csv`.
//! `run --shard` refuses malformed K/N and N larger than the number of trials.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use clap::Parser;
use supplyrisk::app;
use supplyrisk::cli::Cli;
use supplyrisk::scenario::sha256_hex;
use supplyrisk::shard::{MergeRefused, ShardSet};

/// A small network with one regime (the tutorial's shape), 12 months.
const SCENARIO: &str = r#"
[scenario]
start = "2026-01"
horizon_months = 12
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "antimony"

[[node]]
id = "cn_mines"
kind = "mine"
country = "CN"
capacity = { antimony = 400 }

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = { antimony = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { antimony = 300 }

[[edge]]
from = "cn_mines"
to = "us"

[[edge]]
from = "pk_mine"
to = "us"

[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "tight"]
initial = [0.7, 0.3]
transitions = [[0.9, 0.1], [0.25, 0.75]]
[[disruption.effect]]
state = "tight"
exporter = "CN"
factor = 0.3

[[variant]]
id = "without_pakistan"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with_pakistan"
"#;

/// T = 41 in 4 shards: 10, 10, 10 and 11 trials.
const TRIALS: &str = "41";
const SEED: &str = "3";
/// The trial count and seed of the good shards.
const GOOD: (&str, &str) = (TRIALS, SEED);

/// Runs the command line in-process.
fn execute(args: Vec<OsString>) -> Result<String, app::AppError> {
    let mut argv = vec![OsString::from("supplyrisk")];
    argv.extend(args);
    let cli = Cli::try_parse_from(argv).expect("valid flags");
    let mut out = Vec::new();
    app::execute(cli, &mut out, &mut Vec::new())?;
    Ok(String::from_utf8(out).expect("UTF-8"))
}

/// Runs shard `spec` of `trials` trials of `scenario` with `seed` into `folder`.
fn run_shard(scenario: &Path, spec: &str, (trials, seed): (&str, &str), folder: &Path) {
    let mut args: Vec<OsString> = vec!["run".into(), scenario.into()];
    let flags = ["--trials", trials, "--seed", seed, "--threads", "1"];
    args.extend(flags.iter().map(OsString::from));
    args.extend(["--shard".into(), spec.into(), "--out".into(), folder.into()]);
    execute(args).unwrap_or_else(|e| panic!("shard {spec}: {e}"));
}

/// The four good shards and the scenario file, written once.
struct Fixture {
    dir: tempfile::TempDir,
    scenario: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let scenario = dir.path().join("small.toml");
        std::fs::write(&scenario, SCENARIO).expect("write");
        for k in 1..=4 {
            run_shard(
                &scenario,
                &format!("{k}/4"),
                GOOD,
                &dir.path().join(format!("s{k}")),
            );
        }
        Fixture { dir, scenario }
    })
}

/// A test's own folder with copies of the good shards `indices` (named s1..s4).
fn workspace(indices: &[u64]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let folders = indices
        .iter()
        .map(|k| {
            let to = dir.path().join(format!("s{k}"));
            copy_dir(&fixture().dir.path().join(format!("s{k}")), &to);
            to
        })
        .collect();
    (dir, folders)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// Edits a shard's manifest as JSON.
fn edit_manifest(folder: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = folder.join("manifest.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    edit(&mut value);
    std::fs::write(&path, serde_json::to_vec_pretty(&value).expect("JSON")).expect("write");
}

/// Replaces a state file and records its SHA-256 in the manifest, as a forger (or a shard of
/// another build) would: the manifest's checksum then no longer catches it.
fn replace_state(folder: &Path, file: &str, bytes: &[u8]) {
    std::fs::write(folder.join(file), bytes).expect("write");
    let key = if file == "metrics.bin" {
        "metrics_sha256"
    } else {
        "series_sha256"
    };
    edit_manifest(folder, |m| m[key] = sha256_hex(bytes).into());
}

/// Merges `folders` and expects a refusal: exit code 2 through the command layer, nothing
/// written (not even a staging folder), and the same refusal from the library, returned.
fn refused(dir: &Path, folders: &[PathBuf]) -> MergeRefused {
    let out = dir.join("merged");
    let mut args: Vec<OsString> = vec!["merge".into()];
    args.extend(folders.iter().map(|f| f.clone().into_os_string()));
    args.extend(["--out".into(), out.clone().into()]);
    let error = execute(args).expect_err("merge must refuse");
    assert_eq!(error.exit_code(), 2, "{error}");
    assert!(!out.exists(), "a refused merge wrote {}", out.display());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    let refusal = match ShardSet::open(folders) {
        Err(refusal) => refusal,
        Ok(set) => set.merge().expect_err("the library refuses too"),
    };
    assert_eq!(error.to_string(), refusal.to_string());
    refusal
}

fn assert_problem(refusal: &MergeRefused, needles: &[&str]) {
    assert!(
        refusal
            .problems
            .iter()
            .any(|p| needles.iter().all(|n| p.contains(n))),
        "no problem mentions all of {needles:?}:\n{refusal}"
    );
}

#[test]
fn the_good_shards_merge() {
    let (dir, folders) = workspace(&[4, 2, 1, 3]);
    let out = dir.path().join("merged");
    let mut args: Vec<OsString> = vec!["merge".into()];
    args.extend(folders.iter().map(|f| f.clone().into_os_string()));
    args.extend(["--out".into(), out.clone().into()]);
    execute(args).expect("the fixture's shards merge");
    assert!(out.join("summary.csv").is_file());
}

/// Regression: `merge s1 … --out s1` replaced shard s1, one of its own inputs, with the
/// merged result (a re-merge then failed: "s1: not a shard folder").
#[test]
fn merging_into_one_of_the_shards_is_refused() {
    let (_dir, folders) = workspace(&[1, 2, 3, 4]);
    let before = std::fs::read(folders[0].join("manifest.json")).expect("read");
    let mut args: Vec<OsString> = vec!["merge".into()];
    args.extend(folders.iter().map(|f| f.clone().into_os_string()));
    args.extend(["--out".into(), folders[0].join(".").into_os_string()]);
    let refused = execute(args).expect_err("refused");
    assert!(matches!(refused, app::AppError::Usage(_)), "exit code 2");
    assert!(
        refused.to_string().contains("one of the inputs"),
        "{refused}"
    );
    assert_eq!(
        std::fs::read(folders[0].join("manifest.json")).expect("read"),
        before
    );
    assert!(!folders[0].join("summary.csv").exists());
}

/// A shard's copy of its scenario, run as a full result into the shard's own folder, would be
/// removed with the shard's other files while the run reads it: refused (exit code 2), the
/// folder as it was. Run again as the same shard, it is rewritten with the same text: allowed.
#[test]
fn a_result_into_the_shard_folder_holding_its_scenario_file_is_refused() {
    let (dir, folders) = workspace(&[1]);
    let shard = &folders[0];
    let scenario = shard.join("scenario.toml");
    let before = std::fs::read(&scenario).expect("read");
    let run_args = |out: &Path, spec: Option<&str>| {
        let mut args: Vec<OsString> = vec!["run".into(), scenario.clone().into_os_string()];
        let flags = [
            "--trials",
            TRIALS,
            "--seed",
            SEED,
            "--threads",
            "1",
            "--no-charts",
        ];
        args.extend(flags.iter().map(OsString::from));
        if let Some(spec) = spec {
            args.extend(["--shard".into(), spec.into()]);
        }
        args.extend(["--out".into(), out.as_os_str().to_owned()]);
        args
    };
    let refused = execute(run_args(shard, None)).expect_err("refused");
    assert!(matches!(refused, app::AppError::Usage(_)), "exit code 2");
    assert!(
        refused
            .to_string()
            .contains("`scenario.toml`, from an earlier run, is the scenario this run reads"),
        "{refused}"
    );
    assert_eq!(std::fs::read(&scenario).expect("still there"), before);
    assert!(shard.join("manifest.json").exists() && !shard.join("summary.csv").exists());

    execute(run_args(shard, Some("1/4"))).expect("the same shard again");
    assert_eq!(std::fs::read(&scenario).expect("rewritten"), before);

    let elsewhere = dir.path().join("elsewhere");
    execute(run_args(&elsewhere, None)).expect("a result into another folder");
    assert!(elsewhere.join("summary.csv").exists());
}

#[test]
fn another_scenario_is_refused_by_its_hash() {
    let (dir, mut folders) = workspace(&[1, 2, 4]);
    let other = dir.path().join("other.toml");
    std::fs::write(&other, SCENARIO.replace("factor = 0.3", "factor = 0.4")).expect("write");
    let s3 = dir.path().join("s3");
    run_shard(&other, "3/4", GOOD, &s3);
    folders.push(s3.clone());
    let refusal = refused(dir.path(), &folders);
    let hash = &sha256_hex(std::fs::read(&other).expect("read").as_slice())[..12];
    assert_problem(
        &refusal,
        &[
            &s3.display().to_string(),
            "(shard 3/4)",
            "scenario differs",
            hash,
        ],
    );
    assert_eq!(refusal.problems.len(), 2, "{refusal}");
    assert_problem(&refusal, &["shard 3 of 4 is missing"]);
    assert_eq!(refusal.rerun, [3..=3]);
    assert!(refusal.to_string().contains("--shard 3/4"), "{refusal}");
}

#[test]
fn another_seed_is_refused() {
    let (dir, mut folders) = workspace(&[1, 3, 4]);
    let s2 = dir.path().join("s2");
    run_shard(&fixture().scenario, "2/4", (TRIALS, "4"), &s2);
    folders.insert(0, s2.clone());
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            &s2.display().to_string(),
            "seed differs: seed 4, but the other 3 shards have seed 3",
        ],
    );
    assert_eq!(refusal.rerun, [2..=2]);
}

#[test]
fn another_trial_count_is_refused() {
    let (dir, mut folders) = workspace(&[1, 2, 3]);
    let s4 = dir.path().join("s4");
    run_shard(&fixture().scenario, "4/4", ("42", SEED), &s4);
    folders.push(s4.clone());
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            &s4.display().to_string(),
            "trial count differs: 42 trials, but the other 3 shards have 41 trials",
        ],
    );
    assert_eq!(refusal.rerun, [4..=4]);
}

#[test]
fn another_shard_count_is_refused() {
    let (dir, mut folders) = workspace(&[1, 2, 3, 4]);
    let five = dir.path().join("five");
    run_shard(&fixture().scenario, "5/5", GOOD, &five);
    folders.push(five.clone());
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            &five.display().to_string(),
            "shard count differs: N = 5 shards, but the other 4 shards have N = 4 shards",
        ],
    );
    assert!(refusal.rerun.is_empty(), "{refusal}");
}

/// With no majority every group is named, and no shard is called missing: each is present,
/// in one of two runs (two complete runs with different seeds read "shards 1, 2 of 2 are
/// missing" before).
#[test]
fn a_tie_names_every_group() {
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    edit_manifest(&folders[1], |m| m["seed"] = 99.into());
    edit_manifest(&folders[3], |m| m["seed"] = 99.into());
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            "disagree on the seed, with no majority",
            "seed 3 in",
            "seed 99 in",
            "pass the shards of one run only",
        ],
    );
    assert!(
        !refusal.to_string().contains("missing") && refusal.rerun.is_empty(),
        "{refusal}"
    );
}

#[test]
fn another_tool_version_build_or_chunk_size_is_refused() {
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    edit_manifest(&folders[0], |m| m["tool_version"] = "0.0.1".into());
    edit_manifest(&folders[1], |m| m["build_id"] = "0123456789abcdef".into());
    edit_manifest(&folders[2], |m| m["chunk_size"] = 32.into());
    let refusal = refused(dir.path(), &folders);
    // Same version, other code: a build of another commit, or one with a local change.
    assert_problem(
        &refusal,
        &[
            &folders[1].display().to_string(),
            &format!(
                "written by another build of supplyrisk {} (build 0123456789abcdef; this is build {})",
                env!("CARGO_PKG_VERSION"),
                supplyrisk::shard::BUILD_ID
            ),
        ],
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_problem(
        &refusal,
        &[
            &folders[0].display().to_string(),
            &format!("written by supplyrisk 0.0.1, but this is supplyrisk {version}"),
        ],
    );
    assert_problem(
        &refusal,
        &[
            &folders[2].display().to_string(),
            "chunk size of 32 trials, but this build uses 64",
        ],
    );
    assert_eq!(refusal.rerun, [1..=3]);
    assert!(
        refusal.to_string().contains("re-run shards 1-3 of 4"),
        "{refusal}"
    );
}

#[test]
fn an_incompatible_state_layout_is_refused() {
    // A manifest recording another layout (as a build with other histograms, or another
    // scenario shape, would write).
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    edit_manifest(&folders[1], |m| {
        m["layout"]["horizon_months"] = 24.into();
    });
    edit_manifest(&folders[3], |m| {
        m["metrics_layout_fingerprint"] = "0123456789abcdef".into();
    });
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &["(shard 2/4)", "incompatible state layout", "24 months"],
    );
    assert_problem(
        &refusal,
        &[
            "(shard 4/4)",
            "incompatible state layout",
            "0123456789abcdef",
        ],
    );
    assert_eq!(refusal.rerun, [2..=2, 4..=4]);
}

#[test]
fn state_of_another_shape_is_refused_even_with_a_matching_checksum() {
    // The metrics of a two-country scenario put into shard 2, its SHA-256 updated.
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    let wider = dir.path().join("wider.toml");
    std::fs::write(
        &wider,
        SCENARIO.replace(
            "dependency_on = [\"CN\"]",
            "dependency_on = [\"CN\", \"PK\"]",
        ),
    )
    .expect("write");
    let other = dir.path().join("other");
    run_shard(&wider, "2/4", GOOD, &other);
    let bytes = std::fs::read(other.join("metrics.bin")).expect("read");
    std::fs::remove_dir_all(&other).expect("clean");
    replace_state(&folders[1], "metrics.bin", &bytes);
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &["(shard 2/4)", "state's layout differs from its manifest's"],
    );
    assert_eq!(refusal.rerun, [2..=2]);
}

#[test]
fn missing_shards_are_listed_for_re_running() {
    let (dir, folders) = workspace(&[3, 1]);
    let refusal = refused(dir.path(), &folders);
    assert_eq!(
        refusal.problems,
        ["shards 2, 4 of 4 are missing".to_string()]
    );
    assert_eq!(refusal.rerun, [2..=2, 4..=4]);
    assert!(
        refusal
            .to_string()
            .ends_with("re-run shards 2, 4 of 4 (--shard 2/4, --shard 4/4) and merge again"),
        "{refusal}"
    );
}

#[test]
fn duplicate_shards_are_named() {
    let (dir, mut folders) = workspace(&[1, 2, 3, 4]);
    let copy = dir.path().join("s3-retry");
    copy_dir(&folders[2], &copy);
    folders.push(copy.clone());
    // The same folder given twice is a duplicate too.
    folders.push(folders[0].clone());
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            "shard 3/4 is given 2 times",
            &folders[2].display().to_string(),
            &copy.display().to_string(),
        ],
    );
    assert_problem(&refusal, &["shard 1/4 is given 2 times"]);
    assert_eq!(refusal.problems.len(), 2, "{refusal}");
    assert!(refusal.rerun.is_empty());
}

#[test]
fn unreadable_or_corrupt_state_is_refused_naming_every_shard() {
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    // Shard 1: series.bin truncated (its manifest checksum catches it).
    let series = std::fs::read(folders[0].join("series.bin")).expect("read");
    std::fs::write(folders[0].join("series.bin"), &series[..series.len() / 2]).expect("write");
    // Shard 2: a byte of metrics.bin flipped and the manifest checksum forged: the state's
    // own FNV-1a checksum catches it.
    let mut metrics = std::fs::read(folders[1].join("metrics.bin")).expect("read");
    let middle = metrics.len() / 2;
    metrics[middle] ^= 0x10;
    replace_state(&folders[1], "metrics.bin", &metrics);
    // Shard 3: metrics.bin gone.
    std::fs::remove_file(folders[2].join("metrics.bin")).expect("remove");
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &["(shard 1/4)", "series.bin is corrupt: its SHA-256 differs"],
    );
    assert_problem(
        &refusal,
        &["(shard 2/4)", "metrics.bin is corrupt", "checksum mismatch"],
    );
    assert_problem(
        &refusal,
        &["(shard 3/4)", "cannot read metrics.bin: no such file"],
    );
    assert_eq!(refusal.rerun, [1..=3]);
}

#[test]
fn a_state_with_another_shards_trials_is_refused() {
    // Shard 4's state (11 trials) under shard 1's manifest (10 trials).
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    for file in ["metrics.bin", "series.bin"] {
        let bytes = std::fs::read(folders[3].join(file)).expect("read");
        replace_state(&folders[0], file, &bytes);
    }
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &["(shard 1/4)", "holds 11 trials, but shard 1/4 runs 10"],
    );
    assert_eq!(refusal.rerun, [1..=1]);
}

#[test]
fn corrupt_or_foreign_manifests_are_refused() {
    let (dir, folders) = workspace(&[1, 2, 3, 4]);
    std::fs::write(
        folders[0].join("manifest.json"),
        b"{\"format\": \"supplyrisk-sh",
    )
    .expect("w");
    edit_manifest(&folders[1], |m| m["trial_end"] = 25.into());
    edit_manifest(&folders[2], |m| m["format"] = "something-else".into());
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            &folders[0].display().to_string(),
            "manifest.json is corrupt",
        ],
    );
    assert_problem(
        &refusal,
        &[
            &folders[1].display().to_string(),
            "shard 2/4 of 41 trials cannot run trials 10..25",
        ],
    );
    assert_problem(
        &refusal,
        &[
            &folders[2].display().to_string(),
            "not a supplyrisk shard manifest",
        ],
    );
    assert_eq!(refusal.rerun, [1..=3]);

    let (dir, folders) = workspace(&[1, 2]);
    edit_manifest(&folders[1], |m| {
        m.as_object_mut().expect("object").remove("seed");
    });
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[&folders[1].display().to_string(), "missing field `seed`"],
    );
    // With shard 1 alone, N = 4 is known: shards 2 to 4 are to re-run.
    assert_eq!(refusal.rerun, [2..=4]);
}

#[test]
fn an_altered_scenario_copy_is_refused() {
    let (dir, folders) = workspace(&[2, 1, 4, 3]);
    std::fs::write(
        folders[1].join("scenario.toml"),
        SCENARIO.replace("0.3", "0.5"),
    )
    .expect("write");
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &["(shard 1/4)", "scenario.toml does not match the SHA-256"],
    );
    assert_eq!(refusal.rerun, [1..=1]);
}

#[test]
fn folders_that_are_not_shards_are_named() {
    let (dir, mut folders) = workspace(&[1, 2, 3, 4]);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let absent = dir.path().join("absent");
    folders.extend([empty.clone(), absent.clone()]);
    let refusal = refused(dir.path(), &folders);
    assert_problem(
        &refusal,
        &[
            &empty.display().to_string(),
            "not a shard folder: cannot read manifest.json",
        ],
    );
    assert_problem(&refusal, &[&absent.display().to_string(), "no such folder"]);
}

#[test]
fn a_refused_merge_leaves_an_earlier_result_untouched() {
    let (dir, folders) = workspace(&[1, 2, 4]);
    let out = dir.path().join("result");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("summary.csv"), "earlier").expect("write");
    let mut args: Vec<OsString> = vec!["merge".into()];
    args.extend(folders.iter().map(|f| f.clone().into_os_string()));
    args.extend(["--out".into(), out.clone().into()]);
    assert!(execute(args).is_err());
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).expect("read"),
        "earlier"
    );
}

fn binary() -> Command {
    Command::cargo_bin("supplyrisk").expect("the binary is built for integration tests")
}

#[test]
fn the_binary_exits_2_naming_the_offender() {
    let (dir, folders) = workspace(&[1, 2, 3]);
    let output = binary()
        .arg("merge")
        .args(&folders)
        .arg("--out")
        .arg(dir.path().join("merged"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("shard 4 of 4 is missing") && stderr.contains("--shard 4/4"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_shard_flags_exit_2_with_a_clear_message() {
    let scenario = &fixture().scenario;
    for (spec, needle) in [
        ("5/4", "K must be between 1 and N = 4"),
        ("0/4", "K must be between 1 and N = 4"),
        ("2/0", "N, the number of shards, must be at least 1"),
        ("2of4", "is not K/N"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("shard");
        let output = binary()
            .arg("run")
            .arg(scenario)
            .args(["--trials", TRIALS, "--shard", spec, "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{spec}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{spec}: {stderr}");
        assert!(!out.exists(), "{spec}: wrote a folder");
    }
}

/// A shard's `trials.csv` is copied into the merged one, not decoded, so its SHA-256 in the
/// manifest is what catches damage: a cut at the end, a lost row, one changed digit. Each is
/// refused with exit code 2, naming the shard and its file, and nothing is written; the
/// undamaged shards merge.
#[test]
fn a_damaged_trials_csv_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SCENARIO).expect("write");
    let good: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let folder = dir.path().join(format!("good{k}"));
            let mut args: Vec<OsString> = vec!["run".into(), scenario.clone().into()];
            let flags = ["--trials", TRIALS, "--seed", SEED, "--threads", "1"];
            args.extend(flags.iter().map(OsString::from));
            args.extend([
                "--per-trial".into(),
                "--shard".into(),
                format!("{k}/2").into(),
            ]);
            args.extend(["--out".into(), folder.clone().into()]);
            execute(args).unwrap_or_else(|e| panic!("shard {k}: {e}"));
            folder
        })
        .collect();
    let merge = |folders: &[PathBuf], out: &Path| {
        let mut args: Vec<OsString> = vec!["merge".into()];
        args.extend(folders.iter().map(|f| f.clone().into_os_string()));
        args.extend(["--out".into(), out.into(), "--no-charts".into()]);
        execute(args)
    };
    merge(&good, &dir.path().join("merged")).expect("the undamaged shards merge");

    let rows = std::fs::read(good[1].join("trials.csv")).expect("read");
    let last_row = rows[..rows.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("several rows")
        + 1;
    let digit = rows.iter().rposition(u8::is_ascii_digit).expect("a digit");
    let mut changed = rows.clone();
    changed[digit] = if rows[digit] == b'1' { b'2' } else { b'1' };
    for (damage, bytes) in [
        ("cut", rows[..rows.len() - 3].to_vec()),
        ("a row lost", rows[..last_row].to_vec()),
        ("a digit changed", changed),
    ] {
        let work = tempfile::tempdir().expect("temp dir");
        let folders: Vec<PathBuf> = good
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let to = work.path().join(format!("s{}", i + 1));
                copy_dir(g, &to);
                to
            })
            .collect();
        std::fs::write(folders[1].join("trials.csv"), &bytes).expect("write");
        let out = work.path().join("merged");
        let error = merge(&folders, &out).expect_err(damage);
        assert_eq!(error.exit_code(), 2, "{damage}: {error}");
        let message = error.to_string();
        assert!(
            message.contains(&format!(
                "`{}` (shard 2/2): trials.csv",
                folders[1].display()
            )) && message.contains("SHA-256 differs from the manifest's")
                && message.contains("--shard 2/2"),
            "{damage}: {message}"
        );
        assert!(
            !out.exists(),
            "{damage}: a refused merge wrote {}",
            out.display()
        );
    }
}

//! The command line as users meet it: run, check, list; exit codes; the output folder's files
//! and headers; atomic replacement; golden files for a small scenario.

mod common;

use common::{assert_succeeded, supplyrisk};

use std::path::Path;

fn golden(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name),
    )
    .expect("golden file")
}

/// Compares with a golden file; with UPDATE_GOLDEN=1 rewrites it instead.
fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    assert!(
        actual == golden(name),
        "{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{actual}"
    );
}

#[test]
fn run_writes_the_output_folder_with_spec_headers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("tutorial");
    let output = supplyrisk()
        .args([
            "run",
            "tutorial",
            "--trials",
            "300",
            "--seed",
            "1",
            "--per-trial",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert_succeeded(&output);
    let read =
        |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_else(|_| panic!("{f} written"));
    assert!(read("summary.csv").starts_with(
        "variant,commodity,metric,mean,ci_low,ci_high,sd,p5,p50,p95,cvar95,p_positive\n"
    ));
    assert!(read("monthly.csv").starts_with("variant,commodity,month,metric,mean,p5,p50,p95\n"));
    let trials = read("trials.csv");
    assert!(trials.starts_with(
        "trial,variant,commodity,dependency_CN,independent_share,stock_share,shortfall_share,worst_month_shortfall,shortage_months,shortfall_exceeds_threshold\n"
    ));
    // One row per trial, variant and commodity, in trial order.
    assert_eq!(trials.lines().count(), 1 + 300 * 2);
    let first_trials: Vec<&str> = trials
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("trial"))
        .collect();
    assert_eq!(&first_trials[..4], &["0", "0", "1", "1"]);
    assert_eq!(first_trials.last(), Some(&"299"));
    let json: serde_json::Value = serde_json::from_str(&read("summary.json")).expect("valid JSON");
    assert_eq!(json["provenance"]["seed"], 1);
    assert_eq!(json["provenance"]["trials"], 300);
    assert_eq!(
        json["provenance"]["tool_version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        json["provenance"]["scenario_sha256"].as_str().map(str::len),
        Some(64)
    );
    assert_eq!(json["variants"][0]["baseline"], true);
    // No staging folder is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["tutorial".to_string()]);
}

#[test]
fn golden_summary_of_a_small_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("t");
    supplyrisk()
        .args([
            "run",
            "tutorial",
            "--trials",
            "500",
            "--seed",
            "3",
            "--threads",
            "2",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let summary = std::fs::read_to_string(out.join("summary.csv")).expect("summary");
    assert_golden("tutorial_summary.csv", &summary);
}

#[test]
fn json_format_prints_the_summary_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = supplyrisk()
        .args([
            "run", "tutorial", "--trials", "50", "--format", "json", "--out",
        ])
        .arg(dir.path().join("j"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    // Exactly the document the run wrote (so a script can read either), and not the table.
    let written = std::fs::read(dir.path().join("j").join("summary.json")).expect("written");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&written)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert!(json["rows"].as_array().is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_bad_scenario_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("never");
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input/negative_capacity.toml");
    let output = supplyrisk()
        .arg("run")
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("node[1].capacity.sb"));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "nothing written"
    );
}

#[test]
fn an_unwritable_output_folder_exits_2_before_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a_file");
    std::fs::write(&file, "x").expect("write");
    let output = supplyrisk()
        .args(["run", "tutorial", "--trials", "10", "--out"])
        .arg(file.join("sub"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write results"), "{stderr}");
    // Not the OS's bare "File exists": the message says which path is a file.
    assert!(
        stderr.contains("a_file` is a file, not a folder"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        1,
        "nothing written beside the file"
    );
}

#[test]
fn absurd_flags_exit_2() {
    for args in [
        vec!["run", "tutorial", "--trials", "0"],
        vec!["run", "tutorial", "--trials", "1000000000001"],
        vec!["run", "tutorial", "--threads", "0"],
        vec!["run", "tutorial", "--format", "xml"],
        vec!["run", "tutorial", "--seed", "-1"],
        vec!["frobnicate"],
    ] {
        let output = supplyrisk().args(&args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
}

#[test]
fn a_second_run_replaces_the_first_only_when_complete() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("r");
    supplyrisk()
        .args(["run", "tutorial", "--trials", "20", "--per-trial", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("trials.csv").exists());
    supplyrisk()
        .args(["run", "tutorial", "--trials", "20", "--out"])
        .arg(&out)
        .assert()
        .success();
    // The new result has no trials.csv: the folder was replaced, not merged.
    assert!(!out.join("trials.csv").exists());
    assert!(out.join("summary.csv").exists());
}

#[test]
fn list_names_every_bundled_scenario_and_check_accepts_a_bundled_name() {
    let output = supplyrisk().arg("list").output().expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for b in supplyrisk::scenario::bundled::ALL {
        assert!(text.contains(b.name), "list lacks {}", b.name);
    }
    assert!(text.contains("(default)"));
    supplyrisk().args(["check", "tutorial"]).assert().success();
}

#[test]
fn check_output_of_a_small_scenario_is_golden() {
    let output = supplyrisk()
        .args(["check", "tutorial"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_golden(
        "tutorial_check.txt",
        &String::from_utf8_lossy(&output.stdout),
    );
}

/// A scenario of one CN mine feeding the US market, with a baseline `full`; tests add a
/// variant after it.
const ONE_MINE: &str = r#"
[scenario]
start = "2026-01"
horizon_months = 6
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "sb"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { sb = 100 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { sb = 50 }

[[edge]]
from = "cn_mine"
to = "us"

[[variant]]
id = "full"
baseline = true

"#;

/// Writes into `dir` [`ONE_MINE`] followed by the `variant` tables; returns its path.
fn one_mine_scenario(dir: &Path, variant: &str) -> std::path::PathBuf {
    let path = dir.join("one_mine.toml");
    std::fs::write(&path, format!("{ONE_MINE}{variant}")).expect("write");
    path
}

/// A variant may cut the focus market off (SPEC 2 checks reachability only before variants):
/// `check` accepts it with a warning that says what the run will report, and the run succeeds.
#[test]
fn a_variant_that_cuts_the_focus_market_off_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = one_mine_scenario(
        dir.path(),
        "[[variant]]\nid = \"cut\"\ndisable = [\"cn_mine\"]\n",
    );
    let check = supplyrisk()
        .arg("check")
        .arg(&scenario)
        .output()
        .expect("runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(check.status.code(), Some(0), "{printed}");
    assert!(
        printed.contains(
            "in variant cut, no mine reaches the focus market with sb: its demand can be met only from its stock, the rest is shortfall"
        ),
        "{printed}"
    );
    let out = dir.path().join("out");
    let run = supplyrisk()
        .args(["run", "--trials", "5", "--no-charts", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .expect("runs");
    assert_succeeded(&run);
    // The run says it too, on stderr and in the report next to the headline.
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains("warning: in variant cut, no mine reaches the focus market with sb"),
        "{run:?}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).expect("report");
    assert!(
        report.contains("## Warnings") && report.contains("read that variant's shortfall"),
        "{report}"
    );
    assert_eq!(
        report.matches("in variant cut, no mine reaches").count(),
        1,
        "listed once: {report}"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).expect("summary");
    assert!(
        summary.contains("\ncut,sb,shortfall_share,1,1,1,0,1,1,1,1,1\n"),
        "{summary}"
    );
}

/// SPEC 7: a SCENARIO that is not an existing file but names a bundled scenario runs the
/// embedded copy, also where a folder has that name (`run tutorial --out tutorial` makes one);
/// a folder of any other name is still refused as not a scenario file.
#[test]
fn a_folder_named_like_a_bundled_scenario_does_not_hide_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("tutorial")).expect("mkdir");
    std::fs::create_dir(dir.path().join("mine")).expect("mkdir");
    let check = |name: &str| {
        supplyrisk()
            .current_dir(dir.path())
            .args(["check", name])
            .output()
            .expect("runs")
    };
    assert_succeeded(&check("tutorial"));
    let refused = check("mine");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("it is a directory"),
        "{refused:?}"
    );
}

/// N is free (SPEC 7), so one shard of an absurd N runs (empty); merging it alone must refuse
/// at once, naming the missing shards as ranges, not count to N (it used to list every number,
/// which took all memory).
#[test]
fn merging_one_shard_of_a_huge_n_refuses_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shard = dir.path().join("s1");
    let run = supplyrisk()
        .args([
            "run",
            "tutorial",
            "--trials",
            "10",
            "--shard",
            "1/100000000000",
            "--out",
        ])
        .arg(&shard)
        .output()
        .expect("runs");
    assert_succeeded(&run);
    let started = std::time::Instant::now();
    let merge = supplyrisk()
        .arg("merge")
        .arg(&shard)
        .arg("--out")
        .arg(dir.path().join("merged"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&merge.stderr);
    assert_eq!(merge.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("shards 2-100000000000 of 100000000000 are missing"),
        "{stderr}"
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

/// A variant that sets the only mine's capacity to 0 cuts the focus market off as surely as
/// disabling it: `check` (and so `run` and the report) warn about it too.
#[test]
fn a_variant_that_zeroes_the_only_mine_is_warned_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = one_mine_scenario(
        dir.path(),
        "[[variant]]\nid = \"zero\"\n[variant.set]\n\"cn_mine.capacity.sb\" = 0\n",
    );
    let check = supplyrisk()
        .arg("check")
        .arg(&scenario)
        .output()
        .expect("runs");
    assert_succeeded(&check);
    let printed = String::from_utf8_lossy(&check.stdout);
    assert!(
        printed.contains("in variant zero, no mine reaches the focus market with sb"),
        "{printed}"
    );
    assert!(
        !printed.contains("in variant full, no mine reaches"),
        "{printed}"
    );
}

/// A scenario whose file name is not UTF-8 (possible on Unix) is read and run; the default
/// output folder is named after its stem, shown lossily. (The argument parser refused it.)
#[cfg(unix)]
#[test]
fn a_scenario_path_that_is_not_utf8_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let name = std::ffi::OsStr::from_bytes(b"good\xffname.toml");
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tutorial.toml"))
        .expect("tutorial");
    std::fs::write(dir.path().join(name), text).expect("write");
    let output = supplyrisk()
        .current_dir(dir.path())
        .arg("check")
        .arg(name)
        .output()
        .expect("runs");
    assert_succeeded(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("file good\u{fffd}name.toml"), "{stdout}");
    let output = supplyrisk()
        .current_dir(dir.path())
        .args(["run", "--trials", "20", "--no-charts"])
        .arg(name)
        .output()
        .expect("runs");
    assert_succeeded(&output);
    assert!(
        dir.path()
            .join("output/good\u{fffd}name/summary.csv")
            .is_file()
    );
}

/// `check` gives a regime's long-run shares up to 64 states, and past that says it does not:
/// they cost 64·n³ (a minute at 1000 states, which `check` and every run's report used to
/// spend). The chain moves from each state to the next with probability ½ (a ring), so each
/// state's long-run share is 1/n.
#[test]
fn long_run_shares_are_given_up_to_sixty_four_states() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().expect("temp dir");
    for (n, expected) in [
        (64, "long-run share of months: s0 1.6%, s1 1.6%"),
        (
            65,
            "long-run share of months: not computed for more than 64 states",
        ),
    ] {
        let names: Vec<String> = (0..n).map(|i| format!("\"s{i}\"")).collect();
        let mut rows = String::new();
        for i in 0..n {
            let row: Vec<&str> = (0..n)
                .map(|j| {
                    if j == i || j == (i + 1) % n {
                        "0.5"
                    } else {
                        "0"
                    }
                })
                .collect();
            let _ = writeln!(rows, "  [{}],", row.join(", "));
        }
        let text = format!(
            r#"[scenario]
start = "2026-01"
horizon_months = 12
focus_market = "us"

[[commodity]]
id = "sb"

[[node]]
id = "mine"
kind = "mine"
country = "CN"
capacity = {{ sb = 1000 }}

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ sb = 500 }}

[[edge]]
from = "mine"
to = "us"

[[disruption]]
id = "ring"
kind = "regime"
states = [{}]
initial = "s0"
transitions = [
{rows}]
[[disruption.effect]]
state = "s1"
exporter = "CN"
factor = 0.5
"#,
            names.join(", ")
        );
        let path = dir.path().join(format!("ring{n}.toml"));
        std::fs::write(&path, text).expect("writes");
        let output = supplyrisk().arg("check").arg(&path).output().expect("runs");
        assert_succeeded(&output);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(expected), "{n} states:\n{stdout}");
    }
}

//! Bad input: every malformed scenario under `tests/bad_input/` must fail `supplyrisk check`
//! with exit code 2, one message naming the file, line, column and the offending key, and no
//! panic. Each file states what its message must contain in `# expect:` lines.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn supplyrisk() -> Command {
    Command::cargo_bin("supplyrisk").expect("the binary is built for integration tests")
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad_input exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn expectations(path: &Path) -> Vec<String> {
    directives(path, "# expect: ")
}

/// The values of the case's `prefix` lines (`# expect: `, `# problems: `).
fn directives(path: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("readable case")
        .lines()
        .filter_map(|l| l.strip_prefix(prefix).map(str::to_string))
        .collect()
}

/// Runs `check` on a file and returns (exit code, stdout, stderr).
fn check(path: &Path) -> (Option<i32>, String, String) {
    let output = supplyrisk()
        .arg("check")
        .arg(path)
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_malformed_scenario_is_rejected_with_a_located_message_naming_the_key() {
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "expected at least 30 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for path in &cases {
        let expected = expectations(path);
        let name = path.file_name().expect("file name").to_string_lossy();
        if expected.is_empty() {
            failures.push(format!("{name}: has no `# expect:` line"));
            continue;
        }
        let (code, stdout, stderr) = check(path);
        if code != Some(2) {
            failures.push(format!(
                "{name}: exit code {code:?}, expected 2; stderr: {stderr}"
            ));
            continue;
        }
        if !stdout.is_empty() {
            failures.push(format!("{name}: printed on stdout: {stdout}"));
        }
        if stderr.contains("panicked") {
            failures.push(format!("{name}: panicked: {stderr}"));
        }
        if !stderr.starts_with("error: scenario `") {
            failures.push(format!(
                "{name}: message does not start with `error: scenario`: {stderr}"
            ));
        }
        // Every problem line points at file:line:column.
        let located = stderr.lines().skip(1).all(|l| {
            l.trim_start().starts_with(&*path.to_string_lossy())
                && l.split(':')
                    .nth(1)
                    .is_some_and(|n| n.parse::<usize>().is_ok())
        });
        if !located {
            failures.push(format!(
                "{name}: a problem line lacks file:line:column: {stderr}"
            ));
        }
        for e in &expected {
            if !stderr.contains(e.as_str()) {
                failures.push(format!("{name}: message lacks {e:?}: {stderr}"));
            }
        }
        // `# problems: N` pins the count, so a follow-on message cannot creep in unseen.
        for n in directives(path, "# problems: ") {
            let problems = stderr.lines().skip(1).count().to_string();
            if problems != n {
                failures.push(format!(
                    "{name}: {problems} problem lines, expected {n}: {stderr}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn empty_file_is_rejected_with_every_missing_table_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("empty.toml");
    std::fs::write(&path, "").expect("write");
    let (code, _, stderr) = check(&path);
    assert_eq!(code, Some(2), "{stderr}");
    for needle in [
        "missing the `[scenario]` table",
        "at least one commodity",
        "at least one node",
    ] {
        assert!(stderr.contains(needle), "lacks {needle:?}: {stderr}");
    }
}

#[test]
fn binary_file_is_rejected_as_not_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("binary.toml");
    std::fs::write(&path, b"[scenario]\nname = \"x\xff\xfe\"\n\x00\x01").expect("write");
    let (code, _, stderr) = check(&path);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("binary.toml:2:"), "{stderr}");
    assert!(stderr.contains("not UTF-8"), "{stderr}");
}

#[test]
fn huge_file_is_rejected_without_reading_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.toml");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(supplyrisk::scenario::MAX_FILE_BYTES + 1)
        .expect("sparse file");
    let (code, _, stderr) = check(&path);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("must be at most"), "{stderr}");
}

/// A device or a pipe has no length to check first: reading stops one byte past the limit
/// (`/dev/zero` used to be read until memory ran out).
#[cfg(target_os = "linux")]
#[test]
fn an_endless_stream_is_rejected_at_the_limit() {
    let output = supplyrisk()
        .args(["check", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`/dev/zero` is more than 16777216 bytes; a scenario file must be at most"),
        "{stderr}"
    );
}

/// A network of a mine, `hubs` chained hubs and a market, as scenario text; with `cycle`, an
/// edge from the last hub back to the first closes a cycle through all of them; with
/// `typos`, that many more edges name a node that does not exist.
fn hub_chain(hubs: usize, cycle: bool, typos: usize) -> String {
    use std::fmt::Write as _;
    let mut text = String::from(
        "[scenario]\nstart = \"2026-01\"\nhorizon_months = 12\nfocus_market = \"us\"\n\n\
         [[commodity]]\nid = \"sb\"\n\n\
         [[node]]\nid = \"m0\"\nkind = \"mine\"\ncountry = \"CN\"\ncapacity = { sb = 1000 }\n\n\
         [[node]]\nid = \"us\"\nkind = \"market\"\ncountry = \"US\"\ndemand = { sb = 500 }\n",
    );
    for i in 0..hubs {
        let _ = write!(
            text,
            "\n[[node]]\nid = \"h{i}\"\nkind = \"hub\"\ncountry = \"CN\"\n"
        );
    }
    let _ = write!(text, "\n[[edge]]\nfrom = \"m0\"\nto = \"h0\"\n");
    for i in 1..hubs {
        let _ = write!(text, "\n[[edge]]\nfrom = \"h{}\"\nto = \"h{i}\"\n", i - 1);
    }
    let _ = write!(text, "\n[[edge]]\nfrom = \"h{}\"\nto = \"us\"\n", hubs - 1);
    if cycle {
        let _ = write!(text, "\n[[edge]]\nfrom = \"h{}\"\nto = \"h0\"\n", hubs - 1);
    }
    for i in 0..typos {
        let _ = write!(text, "\n[[edge]]\nfrom = \"hh{i}\"\nto = \"us\"\n");
    }
    text
}

/// Runs `check` on [`hub_chain`]'s scenario, asserts it is refused (exit 2) and returns the
/// message.
fn refused_hub_chain(hubs: usize, cycle: bool, typos: usize) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hub_chain.toml");
    std::fs::write(&path, hub_chain(hubs, cycle, typos)).expect("writes");
    let (code, _, stderr) = check(&path);
    assert_eq!(code, Some(2), "{stderr}");
    stderr
}

/// A cycle through 100,000 hubs: the search that names it used to recurse once per node and
/// overflowed the stack (exit 134, no message); the reachability check scanned every edge per
/// node (minutes). Now one message, exit 2, naming the cycle by its ends.
#[test]
fn a_cycle_through_a_hundred_thousand_nodes_is_one_short_message() {
    let stderr = refused_hub_chain(100_000, true, 0);
    assert!(
        stderr.contains(
            "edge[1]: the network has a cycle: h0 → h1 → h2 → h3 → … → h99997 → h99998 → h99999 → h0; \
             edges must point downstream"
        ),
        "{stderr}"
    );
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
}

/// Every unknown id is reported, but only the first hundred get a "did you mean" hint (each
/// compares the id with every node's: thousands of them took minutes on a large network).
#[test]
fn only_the_first_hundred_unknown_ids_get_a_hint() {
    let stderr = refused_hub_chain(200, false, 150);
    let unknown: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("unknown node id \"hh"))
        .collect();
    assert_eq!(unknown.len(), 150, "{stderr}");
    let hinted = unknown
        .iter()
        .filter(|l| l.contains("did you mean"))
        .count();
    assert_eq!(hinted, 100, "{stderr}");
    assert!(
        unknown[0].contains("did you mean \"h0\"?"),
        "{}",
        unknown[0]
    );
    assert!(
        unknown[99].contains("did you mean \"h99\"?"),
        "{}",
        unknown[99]
    );
    assert!(!unknown[100].contains("did you mean"), "{}", unknown[100]);
}

#[test]
fn missing_file_is_a_usage_error_that_points_to_the_bundled_list() {
    let (code, _, stderr) = check(Path::new("no/such/scenario.toml"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no/such/scenario.toml"), "{stderr}");
    assert!(stderr.contains("supplyrisk list"), "{stderr}");
}

#[test]
fn a_directory_is_not_a_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = check(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("directory"), "{stderr}");
}

/// Whole messages, pinned: a change to wording or location shows up in review.
#[test]
fn whole_messages_are_stable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    for name in [
        "several_problems",
        "unknown_node_key",
        "transition_row_sum",
        "cycle",
        "two_baselines",
    ] {
        let path = dir.join(format!("{name}.toml"));
        let (_, _, stderr) = check(&path);
        let stderr = stderr.replace(&*dir.to_string_lossy(), "tests/bad_input");
        insta::assert_snapshot!(name, stderr);
    }
}

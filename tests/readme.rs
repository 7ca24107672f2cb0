//! The README must be true when run: its scenario example validates, the commands and
//! bundled names it mentions exist, and its worked example (text and charts) is a real run.

mod common;

const README: &str = include_str!("../README.md");

fn toml_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => {
                blocks.push(current.take().expect("open block"))
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_readme_scenario_example_is_valid() {
    let blocks = toml_blocks(README);
    assert!(!blocks.is_empty(), "the README shows a scenario");
    for block in blocks {
        if let Err(problems) = supplyrisk::scenario::validate::validate(&block, "readme") {
            panic!("README example is invalid: {problems:#?}");
        }
    }
}

/// The README's example says what it shows: the new mine, cheaper than China, is bought first,
/// so it displaces Chinese supply in every trial. It cannot displace more than its own output:
/// 260 t/yr against a demand of 28,600 t/yr is 0.909 points of the horizon's demand, the bound
/// on every trial's reduction (reached in trials where China can always cover the rest). With
/// equal costs China, written first, would win the tie and the new mine would serve only as a
/// backup (a reduction of ~0.06 points).
#[test]
fn the_readme_example_new_mine_displaces_chinese_supply() {
    let blocks = toml_blocks(README);
    let summary = common::run_text(&blocks[0], 200, 1, 2);
    let r = common::row(
        &summary,
        "reduction:with_new_supply",
        "antimony",
        "dependency_CN",
    );
    let bound = 260.0 / 28600.0;
    assert_eq!(r.p_positive, 1.0, "it falls in every trial: {r:?}");
    assert!(
        r.cvar95 <= bound + 1e-12,
        "no trial beyond the mine's output: {r:?}"
    );
    assert!(r.mean > 0.5 * bound, "bought first, not a backup: {r:?}");
}

#[test]
fn the_readme_names_real_bundled_scenarios_and_links_real_files() {
    assert!(README.contains(supplyrisk::scenario::bundled::DEFAULT));
    for link in ["docs/scenario-format.md", "DESIGN.md"] {
        assert!(README.contains(link));
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(link)
                .exists(),
            "{link} exists"
        );
    }
    assert!(supplyrisk::scenario::bundled::find("tutorial").is_some());
}

/// The worked example's output in the README is a real run of the default scenario: rerun it
/// and compare the table line by line, and the two charts it embeds byte for byte (release
/// only: it runs 20,000 trials).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs the full default scenario; run with --release"
)]
fn the_readme_worked_example_is_the_real_output() {
    let start = README.find("$ supplyrisk\n").expect("the worked example") + "$ supplyrisk\n".len();
    let block = &README[start..];
    let block = &block[..block.find("```").expect("end of the block")];
    let dir = tempfile::tempdir().expect("temp dir");
    let output = assert_cmd::Command::cargo_bin("supplyrisk")
        .expect("binary")
        .args(["run", "--out"])
        .arg(dir.path().join("pakistan"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&output.stdout);
    let expected: Vec<&str> = block
        .lines()
        .filter(|l| !l.starts_with("Results written"))
        .collect();
    let actual: Vec<&str> = printed
        .lines()
        .filter(|l| !l.starts_with("Results written"))
        .collect();
    assert_eq!(
        actual, expected,
        "the README's worked example differs from a real run"
    );
    // The charts the README embeds are the ones that run writes, byte for byte.
    for (chart, image) in [
        ("dependency_CN.png", "pakistan_dependency_CN.png"),
        ("reduction_CN.png", "pakistan_reduction_CN.png"),
    ] {
        assert!(
            README.contains(&format!("](docs/images/{image})")),
            "{image}"
        );
        let written = std::fs::read(dir.path().join("pakistan/charts").join(chart)).expect(chart);
        let shown = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs/images")
                .join(image),
        )
        .expect(image);
        assert!(
            written == shown,
            "docs/images/{image} is not the {chart} a run writes: copy output/pakistan/charts/{chart} there"
        );
    }
}

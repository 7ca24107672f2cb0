//! Huge capacities and demands ("unlimited" written as 1e15, a 1e20 t/yr rest-of-world
//! market) must not change a small focus market's results. The solver's feasibility tolerance
//! is relative to the largest capacity of a solve, so before capacities were clamped to the
//! month's flow bound these cases routed the focus market's 10 t/month as if it were zero and
//! reported every metric as 0 (found by the conformance audit).
//!
//! The network (`tests/huge_capacities/template.toml`) has a closed-form answer: the focus
//! market takes 4 t/month from au_mine (its cheaper route) and 6 from cn_mine, so
//! dependency_CN = 0.6 and independent_share = 0.4 in every trial, with no shortfall, whatever
//! the size of cn_mine, its edge or the competing market (lower priority).

mod common;

use common::{assert_succeeded, supplyrisk};

use std::path::Path;

fn template() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/huge_capacities/template.toml");
    std::fs::read_to_string(path).expect("template")
}

/// Runs the template with the placeholders replaced; returns `trials.csv`'s data rows.
fn run(cn_mine: &str, row_demand: &str, cn_edge: &str) -> Vec<Vec<f64>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("huge.toml");
    let text = template()
        .replace("CN_MINE }", &format!("{cn_mine} }}"))
        .replace("ROW_DEMAND", row_demand)
        .replace("CN_EDGE", cn_edge);
    std::fs::write(&scenario, text).expect("write scenario");
    let out = dir.path().join("out");
    let output = supplyrisk()
        .arg("run")
        .arg(&scenario)
        .args(["--no-charts", "--per-trial", "--threads", "1", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_succeeded(&output);
    let trials = std::fs::read_to_string(out.join("trials.csv")).expect("trials.csv");
    trials
        .lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .skip(3)
                .map(|x| x.parse().expect("a number"))
                .collect()
        })
        .collect()
}

fn assert_closed_form(cn_mine: &str, row_demand: &str, cn_edge: &str) {
    let rows = run(cn_mine, row_demand, cn_edge);
    assert_eq!(rows.len(), 4, "four trials");
    for row in rows {
        // dependency_CN, independent_share, stock_share, shortfall_share, worst month, ...
        let case = format!("cn_mine {cn_mine}, row demand {row_demand}, cn edge {cn_edge}");
        assert!(
            (row[0] - 0.6).abs() < 1e-12,
            "{case}: dependency {}",
            row[0]
        );
        assert!(
            (row[1] - 0.4).abs() < 1e-12,
            "{case}: independent {}",
            row[1]
        );
        assert_eq!(&row[2..], &[0.0; 5], "{case}: no stock draw or shortfall");
    }
}

#[test]
fn ordinary_capacities_give_the_closed_form() {
    assert_closed_form("1200", "1e6", "600");
}

#[test]
fn an_unlimited_mine_does_not_swallow_a_small_demand() {
    assert_closed_form("1e15", "1e6", "600");
}

#[test]
fn an_unlimited_edge_does_not_swallow_a_small_demand() {
    assert_closed_form("1200", "1e6", "1e15");
}

#[test]
fn a_huge_competing_market_does_not_swallow_a_small_demand() {
    assert_closed_form("1200", "1e20", "600");
}

#[test]
fn quantities_at_the_arithmetic_limits_still_give_the_closed_form() {
    // A competing market at the largest volume validation accepts (demand × (1 + stock_months)
    // = 1e100 t/yr) and an edge near f64's range; then a mine near it.
    assert_closed_form("1200", "1e100", "1e300");
    assert_closed_form("1e300", "1e6", "600");
}

//! Every scenario file, a few trials, in a build with debug assertions: the solver then checks
//! its invariants as it goes (dual feasibility after every pivot, depths and potentials after
//! every renumbering, the leaving-arc search after a pivot against a full scan, no capacity
//! moving outside the list the engine gives it), so real networks exercise them, not only the
//! solver's random ones. Compiled only with debug assertions (`cargo test --test
//! debug_invariants`, which `.ci/run` runs); the release suite covers the same runs' results.
//!
//! Besides not panicking, each run's shares must add up: the focus market's demand is served
//! independently, from stock, or not at all, or via a `dependency_on` country, so with one
//! country the four shares sum to 1, and with several each country's share is at most what is
//! left after the other three.

#![cfg(debug_assertions)]

mod common;

use std::path::PathBuf;

use common::{row, run_model};
use supplyrisk::scenario;

/// Trials per scenario: enough for hundreds of pivots per network, quick without optimisation.
const TRIALS: u64 = 12;

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the scenarios folder")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_runs_with_the_solver_checking_itself_and_its_shares_add_up() {
    let files = scenario_files();
    assert!(files.len() >= 6, "the bundled scenarios and bench_medium");
    for path in files {
        let name = path.to_str().expect("a UTF-8 path");
        let (model, source) = scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let summary = run_model(&model, &source, TRIALS, 20_261_129, 2);
        let countries = &summary.dependency_on;
        for variant in &summary.variants {
            for commodity in &summary.commodities {
                let mean = |metric: &str| row(&summary, &variant.id, &commodity.id, metric).mean;
                let rest =
                    mean("independent_share") + mean("stock_share") + mean("shortfall_share");
                let what = format!("{name}: {}/{}", variant.id, commodity.id);
                assert!(rest <= 1.0 + 1e-9, "{what}: {rest}");
                for country in countries {
                    let via = mean(&format!("dependency_{country}"));
                    if countries.len() == 1 {
                        assert!((via + rest - 1.0).abs() < 1e-9, "{what}: {via} + {rest}");
                    } else {
                        assert!(via <= 1.0 - rest + 1e-9, "{what}: {via} > 1 − {rest}");
                    }
                }
            }
        }
    }
}

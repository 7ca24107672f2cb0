//! Helpers shared by the integration tests: run a scenario text through the library.

#![allow(dead_code)]

pub mod closed_form;

use std::process::Output;
use std::sync::atomic::AtomicU64;

use assert_cmd::Command;

use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::run::{RunSettings, run};
use supplyrisk::model::Model;
use supplyrisk::report::summary::{Row, Summary};
use supplyrisk::scenario::{self, Source};

/// Parses a scenario text, panicking with the problems if it is invalid.
pub fn model(text: &str) -> (Model, Source) {
    let source = Source::from_text("test.toml", "test", false, text);
    match scenario::parse(&source) {
        Ok(model) => (model, source),
        Err(e) => panic!("invalid test scenario: {e}"),
    }
}

/// Runs `trials` trials of a scenario text and summarises them.
pub fn run_text(text: &str, trials: u64, seed: u64, threads: usize) -> Summary {
    let (model, source) = model(text);
    run_model(&model, &source, trials, seed, threads)
}

/// Runs a parsed model.
pub fn run_model(
    model: &Model,
    source: &Source,
    trials: u64,
    seed: u64,
    threads: usize,
) -> Summary {
    let plan = Plan::new(model).expect("plan");
    let settings = RunSettings {
        seed,
        trials: 0..trials,
        threads,
    };
    let outcomes = run(&plan, &settings, &AtomicU64::new(0), None).expect("run");
    let provenance = supplyrisk::app::provenance(model, source, seed, trials);
    Summary::new(model, &outcomes, provenance)
}

/// The row (variant, commodity, metric), panicking if absent.
pub fn row<'s>(summary: &'s Summary, variant: &str, commodity: &str, metric: &str) -> &'s Row {
    summary
        .row(variant, commodity, metric)
        .unwrap_or_else(|| panic!("no row {variant}/{commodity}/{metric}"))
}

/// Asserts a Monte Carlo mean is within `k` standard errors (from the run itself) of `expected`.
pub fn assert_within_se(row: &Row, n: u64, expected: f64, k: f64, what: &str) {
    let se = row.sd / (n as f64).sqrt();
    let error = (row.mean - expected).abs();
    assert!(
        error <= k * se + 1e-12,
        "{what}: mean {} vs expected {expected}: error {error:.3e} exceeds {k} standard errors ({se:.3e})",
        row.mean
    );
}

/// Asserts a Monte Carlo mean is within `k` standard errors σ/√n of `expected`, σ being the
/// metric's sd known in closed form: unlike [`assert_within_se`], a wrong implementation with
/// a larger spread cannot widen its own tolerance.
pub fn assert_within_theoretical_se(row: &Row, n: u64, expected: f64, sd: f64, k: f64, what: &str) {
    let se = sd / (n as f64).sqrt();
    let error = (row.mean - expected).abs();
    assert!(
        error <= k * se + 1e-12,
        "{what}: mean {} vs expected {expected}: error {error:.3e} exceeds {k} standard errors \
         ({se:.3e}, from the closed-form sd {sd})",
        row.mean
    );
}

/// Asserts a deterministic metric: every trial has the same value (sd ≤ `tol`), within `tol`
/// of `expected`.
pub fn assert_close(
    summary: &Summary,
    variant: &str,
    commodity: &str,
    metric: &str,
    expected: f64,
    tol: f64,
) {
    let got = row(summary, variant, commodity, metric);
    assert!(
        (got.mean - expected).abs() <= tol && got.sd.abs() <= tol,
        "{variant}/{commodity}/{metric}: mean {} (sd {}) vs {expected} (tolerance {tol:e})",
        got.mean,
        got.sd
    );
}

/// [`assert_close`] to 1e-9: the metric is `expected` in every trial, up to rounding.
pub fn assert_exact(
    summary: &Summary,
    variant: &str,
    commodity: &str,
    metric: &str,
    expected: f64,
) {
    assert_close(summary, variant, commodity, metric, expected, 1e-9);
}

/// Asserts `variant`'s monthly mean of `dependency_CN` of commodity `x` is `expected` (to
/// 1e-9) in each of `months`.
pub fn assert_months_exact(
    summary: &Summary,
    variant: &str,
    months: std::ops::Range<usize>,
    expected: f64,
) {
    for m in months {
        let got = monthly_mean(summary, variant, "x", "dependency_CN", m);
        assert!(
            (got - expected).abs() < 1e-9,
            "{variant}, month {m}: dependency_CN {got} vs {expected}"
        );
    }
}

/// The monthly mean of (variant, commodity, metric) in month index `month`.
pub fn monthly_mean(
    summary: &Summary,
    variant: &str,
    commodity: &str,
    metric: &str,
    month: usize,
) -> f64 {
    summary
        .monthly
        .iter()
        .filter(|r| r.variant == variant && r.commodity == commodity && r.metric == metric)
        .nth(month)
        .unwrap_or_else(|| panic!("no monthly row {variant}/{commodity}/{metric}/{month}"))
        .mean
}

/// The `supplyrisk` binary, built for the integration tests.
pub fn supplyrisk() -> Command {
    Command::cargo_bin("supplyrisk").expect("the binary is built for integration tests")
}

/// Asserts the command exited with code 0, showing its stderr if not.
pub fn assert_succeeded(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `summary.csv`'s rows as numbers: (variant, commodity, metric) → column → value.
pub type SummaryCsv =
    std::collections::HashMap<(String, String, String), std::collections::HashMap<String, f64>>;

/// Parses the text of a `summary.csv` (the header, then one row per variant, commodity and
/// metric).
pub fn parse_summary_csv(text: &str) -> SummaryCsv {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let numbers = header[3..]
                .iter()
                .zip(&cells[3..])
                .map(|(h, c)| (h.to_string(), c.parse::<f64>().expect("a number")))
                .collect();
            let key = (
                cells[0].to_string(),
                cells[1].to_string(),
                cells[2].to_string(),
            );
            (key, numbers)
        })
        .collect()
}

/// Two routes to `us` of equal SPEC 4 integer cost: CN through Malaysia (edges 0 and 3) and AU
/// through Singapore (edges 1 and 2), `round(1000)·(E + 1)·2 + 3` each, so SPEC's tie rule
/// leaves them tied. A cheaper Japanese mine serves 100 of the 150 t a month; the other 50 come
/// from either route. A regime blocks Chinese and Japanese exports in month 0 of half the
/// trials and opens them in month 1 of all. `padding` parallel edges elsewhere take the
/// network past `MAX_TIE_EDGES` edges, where the perturbation that breaks such ties no
/// longer fits. (Found in review, 2026-11-30.)
pub fn tied_routes_scenario(padding: usize) -> String {
    let mut text = String::from(
        r#"
[scenario]
start = "2026-01"
horizon_months = 2
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "sb"

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { sb = 1200 }
[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { sb = 1200 }
[[node]]
id = "jp_mine"
kind = "mine"
country = "JP"
capacity = { sb = 1200 }
[[node]]
id = "br_mine"
kind = "mine"
country = "BR"
capacity = { sb = 1200 }
[[node]]
id = "sg_hub"
kind = "hub"
country = "SG"
[[node]]
id = "my_hub"
kind = "hub"
country = "MY"
[[node]]
id = "de"
kind = "market"
country = "DE"
demand = { sb = 1200 }
[[node]]
id = "us"
kind = "market"
country = "US"
demand = { sb = 1800 }

[[edge]]
from = "cn_mine"
to = "my_hub"
[[edge]]
from = "au_mine"
to = "sg_hub"
[[edge]]
from = "sg_hub"
to = "us"
[[edge]]
from = "my_hub"
to = "us"
[[edge]]
from = "jp_mine"
to = "us"
cost = 0.5

[[disruption]]
id = "reg"
kind = "regime"
states = ["open", "blocked"]
initial = [0.5, 0.5]
transitions = [[1, 0], [1, 0]]
[[disruption.effect]]
state = "blocked"
exporter = "CN"
factor = 0.0
[[disruption.effect]]
state = "blocked"
exporter = "JP"
factor = 0.0
"#,
    );
    for _ in 0..padding {
        text.push_str("[[edge]]\nfrom = \"br_mine\"\nto = \"de\"\n");
    }
    text
}

//! Counts the solver's pivots per network-month of a scenario, by what changed since the month
//! before, for BENCHMARKS.md ("Where the time goes") and docs/performance-history.md: which
//! months cost pivots.
//!
//! ```text
//! cargo run --release --example pivots -- scenarios/bench_medium.toml 100
//! ```
//!
//! Each variant's commodity network is solved month by month, as the engine does (the basis
//! reset to the nominal one at the start of each trial, carried from month to month after),
//! for the first `trials` trials (default 100). A month is classed by its capacities against
//! the previous month's: the first month; a month where an arc under an export regime moved
//! (a regime changed state); one where anything else but the markets' demand and stock-refill
//! arcs moved (outages, projects); one where only those moved.

mod common;

use std::process::ExitCode;

use common::Setup;

use supplyrisk::engine::allocation::Solver;

/// The classes of month, in the order printed.
const CAUSES: [&str; 4] = [
    "first month",
    "regime change",
    "other capacity change",
    "demand and stock only",
];

/// Pivots per month counted in the histogram: 0, 1, 2, 3, 4–8, more.
const BUCKETS: [&str; 6] = ["0", "1", "2", "3", "4-8", ">8"];

fn bucket(pivots: u32) -> usize {
    match pivots {
        0..=3 => pivots as usize,
        4..=8 => 4,
        _ => 5,
    }
}

fn main() -> ExitCode {
    let Setup {
        name,
        trials,
        model,
        plan,
    } = match common::setup(100) {
        Ok(setup) => setup,
        Err(code) => return code,
    };

    let mut pivots_by_cause = [0u64; CAUSES.len()];
    let mut months_by_cause = [0u64; CAUSES.len()];
    let mut months_by_pivots = [0u64; BUCKETS.len()];
    for (v, variant) in plan.variants.iter().enumerate() {
        for (c, commodity) in variant.commodities.iter().enumerate() {
            let mut solver = Solver::new(&commodity.network);
            let mut market_arcs: Vec<usize> = commodity
                .markets
                .iter()
                .flat_map(|m| std::iter::once(m.demand_arc).chain(m.refill_arc))
                .collect();
            market_arcs.sort_unstable();
            let regime_arcs: Vec<usize> = commodity.regime_effects.iter().map(|e| e.arc).collect();
            for trial in 0..trials {
                let months = match common::start_trial(&plan, model.seed, trial, v, c, &mut solver)
                {
                    Ok(months) => months,
                    Err(code) => return code,
                };
                let mut previous: Option<&Vec<f64>> = None;
                for capacities in &months {
                    if let Err(e) = solver.solve(capacities) {
                        eprintln!("{e}");
                        return ExitCode::FAILURE;
                    }
                    let pivots = solver.pivots_last_solve();
                    let cause = match previous {
                        None => 0,
                        Some(before) => {
                            let moved = || {
                                before
                                    .iter()
                                    .zip(capacities)
                                    .enumerate()
                                    .filter(|(_, (a, b))| a != b)
                                    .map(|(arc, _)| arc)
                            };
                            if moved().any(|arc| regime_arcs.contains(&arc)) {
                                1
                            } else if moved().any(|arc| market_arcs.binary_search(&arc).is_err()) {
                                2
                            } else {
                                3
                            }
                        }
                    };
                    pivots_by_cause[cause] += u64::from(pivots);
                    months_by_cause[cause] += 1;
                    months_by_pivots[bucket(pivots)] += 1;
                    previous = Some(capacities);
                }
            }
        }
    }

    let months: u64 = months_by_cause.iter().sum();
    let pivots: u64 = pivots_by_cause.iter().sum();
    let percent = |part: u64, whole: u64| 100.0 * part as f64 / whole.max(1) as f64;
    println!("{name}: {trials} trials, {months} network-months, {pivots} pivots");
    println!(
        "{:24} {:>9} {:>9} {:>13}",
        "month", "% months", "% pivots", "pivots/month"
    );
    for (i, cause) in CAUSES.iter().enumerate() {
        println!(
            "{cause:24} {:9.1} {:9.1} {:13.2}",
            percent(months_by_cause[i], months),
            percent(pivots_by_cause[i], pivots),
            pivots_by_cause[i] as f64 / months_by_cause[i].max(1) as f64
        );
    }
    println!(
        "{:24} {:9.1} {:9.1} {:13.3}",
        "all",
        100.0,
        100.0,
        pivots as f64 / months.max(1) as f64
    );
    println!("months by pivots:");
    for (label, count) in BUCKETS.iter().zip(months_by_pivots) {
        println!("  {label:>4}: {:5.1}%", percent(count, months));
    }
    ExitCode::SUCCESS
}

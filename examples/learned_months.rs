//! Why criterion's re-used monthly solve is faster than the CI ratio test's: the same months,
//! solved again and again, get cheaper, as the processor learns their sequence.
//!
//! ```text
//! cargo run --release --example learned_months -- scenarios/bench_medium.toml
//! ```
//!
//! Takes the largest network of the scenario and the months of its first 8 trials (the
//! `allocation` bench's set, with the bench's seed), and times the engine's re-used solve over
//! them in passes, each trial started from the nominal basis: the best pass of 1, 10, 100 and
//! 1000 back to back. As a control, it times passes over the first 256 trials' months (the 8
//! among them), a sequence 32 times as long, with the same solver.
//!
//! The trial counts are fixed (8 and 256); the examples' optional TRIALS argument is not used.

mod common;

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::Setup;
use supplyrisk::engine::allocation::Solver;
use supplyrisk::engine::plan::Plan;

/// The `allocation` bench's seed.
const SEED: u64 = 20_261_128;

/// The re-used solve over `trials`' months, each trial from the nominal basis: the best of
/// `passes` passes, per month.
fn best_pass(
    plan: &Plan,
    (v, c): (usize, usize),
    trials: &[Vec<Vec<f64>>],
    passes: u32,
) -> Duration {
    let network_plan = &plan.variants[v].commodities[c];
    let mut solver = Solver::new(&network_plan.network);
    let months: usize = trials.iter().map(Vec::len).sum();
    let mut best = Duration::MAX;
    for _ in 0..passes {
        let started = Instant::now();
        for trial in trials {
            solver
                .set_basis(&network_plan.nominal_basis)
                .expect("the plan's basis fits its network");
            for capacities in trial {
                black_box(solver.solve(capacities).expect("solvable")[0]);
            }
        }
        best = best.min(started.elapsed());
    }
    best / u32::try_from(months).expect("a few thousand months")
}

fn main() -> ExitCode {
    let Setup { plan, name, .. } = match common::setup(0) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let (v, c) = (0..plan.variants.len())
        .flat_map(|v| (0..plan.variants[v].commodities.len()).map(move |c| (v, c)))
        .max_by_key(|&(v, c)| plan.variants[v].commodities[c].network.arc_count())
        .expect("a plan has a network");
    let months = |trials: std::ops::Range<u64>| -> Result<Vec<Vec<Vec<f64>>>, ExitCode> {
        trials
            .map(|trial| {
                supplyrisk::engine::trial::monthly_capacities(&plan, SEED, trial, v, c).map_err(
                    |e| {
                        eprintln!("{e}");
                        ExitCode::FAILURE
                    },
                )
            })
            .collect()
    };
    let (learned, control) = match (months(0..8), months(0..256)) {
        (Ok(learned), Ok(control)) => (learned, control),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let arcs = plan.variants[v].commodities[c].network.arc_count();
    println!("{name}: variant {v}, commodity {c} ({arcs} arcs), re-used solve, best pass");
    for passes in [1, 10, 100, 1000] {
        let per_month = best_pass(&plan, (v, c), &learned, passes);
        println!("  8 trials' months, {passes:>4} passes back to back: {per_month:>7.1?} a month");
    }
    for passes in [1, 10, 100] {
        let per_month = best_pass(&plan, (v, c), &control, passes);
        println!(
            "  256 trials' months,    {passes:>4} passes back to back: {per_month:>7.1?} a month"
        );
    }
    ExitCode::SUCCESS
}

//! How often trials share a basis in the same month: the measure behind BENCHMARKS.md's "What
//! could close it", where solving several trials' months in lock step (one tree, the arc
//! passes as vector operations over trials) pays only if the trials of a batch start a month
//! from the same basis.
//!
//! ```text
//! cargo run --release --example bases -- scenarios/bench_medium.toml 400
//! ```
//!
//! Each variant's commodity network is solved month by month as the engine does (the basis
//! reset to the nominal one at each trial's start, carried from month to month after; every
//! month solved, those the engine copies from the baseline included), for the first `trials`
//! trials (default 400), taken in batches of [`BATCH`] consecutive trials. For each batch and
//! month it groups the batch's trials by the basis they start the month from (same tree arcs,
//! same arcs at their upper bound) and by the one they end it with.

mod common;

use std::process::ExitCode;

use common::Setup;

use supplyrisk::engine::allocation::{Basis, Solver};

/// Trials solved in lock step: eight `f64` lanes, one AVX-512 register.
const BATCH: usize = 8;

/// What one batch-month tells: how many distinct bases its trials hold, and how many trials
/// hold the most common one.
#[derive(Default)]
struct Sharing {
    batch_months: u64,
    distinct: u64,
    all_shared: u64,
    largest_group: u64,
}

impl Sharing {
    fn add(&mut self, bases: &[&Basis]) {
        let mut groups: Vec<(&Basis, u64)> = Vec::new();
        for &basis in bases {
            match groups.iter_mut().find(|(seen, _)| seen.same_arcs_as(basis)) {
                Some((_, count)) => *count += 1,
                None => groups.push((basis, 1)),
            }
        }
        self.batch_months += 1;
        self.distinct += groups.len() as u64;
        self.all_shared += u64::from(groups.len() == 1);
        self.largest_group += groups.iter().map(|&(_, count)| count).max().unwrap_or(0);
    }

    fn print(&self, label: &str) {
        let months = self.batch_months.max(1) as f64;
        println!(
            "{label:28} {:9.2} {:10.1}% {:14.2}",
            self.distinct as f64 / months,
            100.0 * self.all_shared as f64 / months,
            self.largest_group as f64 / months,
        );
    }
}

fn main() -> ExitCode {
    let Setup {
        name,
        trials,
        model,
        plan,
    } = match common::setup(400) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let batches = trials / BATCH as u64;
    let horizon = plan.horizon;

    let mut at_start = Sharing::default();
    let mut at_end = Sharing::default();
    for (v, variant) in plan.variants.iter().enumerate() {
        for (c, commodity) in variant.commodities.iter().enumerate() {
            let mut solver = Solver::new(&commodity.network);
            for batch in 0..batches {
                // bases[t][m]: trial t's basis after month m (index 0: the nominal one).
                let mut bases: Vec<Vec<Basis>> = Vec::with_capacity(BATCH);
                for lane in 0..BATCH as u64 {
                    let trial = batch * BATCH as u64 + lane;
                    let months =
                        match common::start_trial(&plan, model.seed, trial, v, c, &mut solver) {
                            Ok(months) => months,
                            Err(code) => return code,
                        };
                    let mut trace = Vec::with_capacity(horizon + 1);
                    trace.push(solver.basis().clone());
                    for capacities in &months {
                        if let Err(e) = solver.solve(capacities) {
                            eprintln!("{e}");
                            return ExitCode::FAILURE;
                        }
                        trace.push(solver.basis().clone());
                    }
                    bases.push(trace);
                }
                for m in 0..horizon {
                    let start: Vec<&Basis> = bases.iter().map(|trace| &trace[m]).collect();
                    let end: Vec<&Basis> = bases.iter().map(|trace| &trace[m + 1]).collect();
                    at_start.add(&start);
                    at_end.add(&end);
                }
            }
        }
    }

    println!(
        "{name}: {} batches of {BATCH} trials, {} batch-months",
        batches, at_start.batch_months
    );
    println!(
        "{:28} {:>9} {:>11} {:>14}",
        "bases of a batch's trials", "distinct", "all shared", "largest group"
    );
    at_start.print("at the month's start");
    at_end.print("after the month's solve");
    ExitCode::SUCCESS
}

//! Runs trials of a scenario on the calling thread, for profilers (`valgrind --tool=callgrind`,
//! `perf record`) and quick timings: no thread pool, no progress bar, no output folder.
//!
//! ```text
//! cargo run --release --example trials -- scenarios/bench_medium.toml 2000
//! ```
//!
//! Prints the trials per second and a checksum of the accumulated means, so that two builds
//! can be compared for identical results as well as speed, and the share of network-months
//! that variants took from the baseline instead of solving them (engine::mirror).

mod common;

use std::process::ExitCode;

use common::Setup;
use std::time::Instant;

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::trial::{Scratch, layout, run_trials};

fn main() -> ExitCode {
    let Setup {
        trials,
        model,
        plan,
        ..
    } = match common::setup(1000) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let mut outcomes = Outcomes::new(layout(&plan));
    let mut scratch = Scratch::new(&plan);
    let started = Instant::now();
    if let Err(e) = run_trials(
        &plan,
        model.seed,
        0..trials,
        &mut scratch,
        &mut outcomes,
        |_, _| {},
    ) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let seconds = started.elapsed().as_secs_f64();
    // Every metric's mean, summed with their indices as weights: changes if any result does.
    let checksum: f64 = (0..outcomes.metrics.len())
        .filter_map(|i| outcomes.metrics.summary(i).map(|s| s.mean * (i + 1) as f64))
        .sum();
    let (taken, all) = scratch.months_taken_from_baseline();
    println!(
        "{trials} trials in {seconds:.3} s: {:.0} trials/s per thread; checksum {checksum:.17e}; \
         {taken} of {all} network-months ({:.1}%) taken from the baseline",
        trials as f64 / seconds,
        100.0 * taken as f64 / all.max(1) as f64
    );
    ExitCode::SUCCESS
}

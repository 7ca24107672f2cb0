//! Runs trials of a scenario on the calling thread, for profilers (`valgrind --tool=callgrind`,
//! `perf record`) and quick timings: no thread pool, no progress bar, no output folder.
//!
//! ```text
//! cargo run --release --example trials -- scenarios/bench_medium.toml 2000
//! ```
//!
//! Prints the trials per second and a checksum of the accumulated means, so that two builds
//! can be compared for identical results as well as speed.

use std::process::ExitCode;
use std::time::Instant;

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::{Scratch, layout, run_trials};
use supplyrisk::scenario;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args
        .next()
        .unwrap_or_else(|| "scenarios/bench_medium.toml".to_string());
    let trials: u64 = match args.next().map(|t| t.parse()) {
        None => 1000,
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("trials: {e}");
            return ExitCode::from(2);
        }
    };
    let (model, _) = match scenario::load(&name) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let plan = match Plan::new(&model) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
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
    println!(
        "{trials} trials in {seconds:.3} s: {:.0} trials/s per thread; checksum {checksum:.17e}",
        trials as f64 / seconds
    );
    ExitCode::SUCCESS
}

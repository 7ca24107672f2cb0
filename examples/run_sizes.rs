//! What a whole run costs besides its trials: times `engine::run::run` at 1 and 2 threads for
//! 64 to 4096 trials, and the parts of its fixed cost (a worker's accumulators made, their
//! first touch, the merge of two sets), in one process.
//!
//! ```text
//! cargo run --release --example run_sizes -- scenarios/pakistan.toml
//! ```
//!
//! The criterion throughput bench times whole runs of 256 to 4096 trials; a default run has
//! 20,000. The difference between two run sizes gives the cost a trial, and what is left of
//! the shorter one is the run's fixed cost, which a bench iteration of few trials carries.

mod common;

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use common::Setup;
use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::run::{RunSettings, run};
use supplyrisk::engine::trial::layout;

/// Milliseconds taken by `work`.
fn milliseconds<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let value = black_box(work());
    (value, started.elapsed().as_secs_f64() * 1e3)
}

fn main() -> ExitCode {
    let Setup { plan, model, .. } = match common::setup(0) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    println!("one worker's accumulators (best of 3):");
    let (mut made, mut touched, mut merged) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..3 {
        let (empty, make) = milliseconds(|| Outcomes::new(layout(&plan)));
        // A clone writes every page, as a worker's pushes come to write most of them.
        let (mut copy, touch) = milliseconds(|| empty.clone());
        let (result, merge) = milliseconds(|| copy.merge(&empty));
        if let Err(e) = result {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
        (made, touched, merged) = (made.min(make), touched.min(touch), merged.min(merge));
    }
    println!("  made {made:.1} ms, every page written {touched:.1} ms, two merged {merged:.1} ms");
    for threads in [1, 2] {
        for trials in [64, 128, 1024, 4096] {
            let settings = RunSettings {
                seed: model.seed,
                trials: 0..trials,
                threads,
            };
            let mut best = f64::MAX;
            for _ in 0..5 {
                let (result, took) =
                    milliseconds(|| run(&plan, &settings, &AtomicU64::new(0), None));
                if let Err(e) = result {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
                best = best.min(took);
            }
            println!(
                "{threads} thread(s), {trials:>4} trials: best of 5 {best:7.1} ms, {:.3} ms a trial",
                best / trials as f64
            );
        }
    }
    ExitCode::SUCCESS
}

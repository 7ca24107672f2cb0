//! What a whole run costs besides its trials: times `engine::run::run` at 1 and 2 threads for
//! 64 to 4096 trials, and the parts of its fixed cost (a worker's accumulators made, written
//! for the first time, and merged), in one process.
//!
//! ```text
//! cargo run --release --example run_sizes -- scenarios/pakistan.toml
//! ```
//!
//! The criterion throughput bench times whole runs of 1,024 (the default scenario) to 32,768
//! trials (the tutorial); a default run has 20,000. The difference between two run sizes gives
//! the cost a trial, if it is linear, and what is left of the shorter run is its fixed cost.

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
    // The first round is a run's case: fresh memory from the system, faulted in page by page.
    // Later rounds may get the memory the round before freed (below glibc's largest mmap
    // threshold, 32 MiB), already faulted in.
    println!("one worker's accumulators, three rounds (the first as in a run):");
    for round in 1..=3 {
        let (written, make) = milliseconds(|| Outcomes::new(layout(&plan)));
        let (mut fresh, _) = milliseconds(|| Outcomes::new(layout(&plan)));
        // A merge writes every cell of `fresh`: the first one also faults its pages in, the
        // second one is the merge alone.
        let (first, first_merge) = milliseconds(|| fresh.merge(&written));
        let (second, merge) = milliseconds(|| fresh.merge(&written));
        if let Err(e) = first.and(second) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
        println!(
            "  round {round}: made {make:.1} ms, first written (merge into fresh pages) \
             {first_merge:.1} ms, merged again {merge:.1} ms"
        );
    }
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

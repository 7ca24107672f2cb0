//! Speed regression check that survives noisy machines: a ratio of two timings taken in one
//! process, interleaved, on a fixed input, never an absolute time (STYLE: pitfalls).
//!
//! The warm start is what makes the engine fast: within a trial only capacities move, so last
//! month's optimal basis usually stays optimal and a month costs one O(nodes + arcs) flow
//! computation instead of a solve from scratch. On the real months of `bench_medium`'s largest
//! network (60 arcs) the re-used solve measures 20–37× faster than the cold one, depending on
//! the machine (BENCHMARKS.md);
//! this test fails if it drops below 5×, which would mean the warm path has started pivoting
//! (or recomputing) far more than it should.
//!
//! Timing is only meaningful with optimisations, so the test runs in release builds only
//! (`cargo test --release`, as `.ci/run` does).

use std::time::{Duration, Instant};

use supplyrisk::engine::allocation::Solver;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::monthly_capacities;
use supplyrisk::scenario::{self, Source};

/// Required speed-up of the re-used solve over the cold one (measured ~30×: a wide margin).
const MIN_RATIO: f64 = 5.0;

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "timings need an optimised build: cargo test --release"
)]
fn reused_monthly_solve_is_at_least_5x_faster_than_cold() {
    let text = include_str!("../scenarios/bench_medium.toml");
    let source = Source::from_text("bench_medium.toml", "bench_medium", false, text);
    let model = scenario::parse(&source).expect("valid");
    let plan = Plan::new(&model).expect("plan");
    // The largest network: variant with_pakistan, the first commodity (60 arcs).
    let (variant, commodity) = (1, 0);
    let network_plan = &plan.variants[variant].commodities[commodity];
    assert_eq!(network_plan.network.arc_count(), 60, "bench_medium changed");
    let trials: Vec<Vec<Vec<f64>>> = (0..16)
        .map(|trial| monthly_capacities(&plan, 7, trial, variant, commodity).expect("months"))
        .collect();
    let mut solver = Solver::new(&network_plan.network);

    // Interleaved rounds; the fastest round of each kind is the one least disturbed by the
    // rest of the machine.
    let mut warm = Duration::MAX;
    let mut cold = Duration::MAX;
    let mut checksum = 0.0;
    for _ in 0..7 {
        let started = Instant::now();
        for months in &trials {
            solver
                .set_basis(&network_plan.nominal_basis)
                .expect("same network");
            for capacities in months {
                checksum += solver.solve(capacities).expect("solvable")[0];
            }
        }
        warm = warm.min(started.elapsed());
        let started = Instant::now();
        for months in &trials {
            for capacities in months {
                checksum += solver.solve_cold(capacities).expect("solvable")[0];
            }
        }
        cold = cold.min(started.elapsed());
    }
    assert!(checksum.is_finite());
    let ratio = cold.as_secs_f64() / warm.as_secs_f64();
    println!(
        "re-used {warm:?}, cold {cold:?} for {} months: cold/re-used = {ratio:.1}",
        16 * plan.horizon
    );
    assert!(
        ratio >= MIN_RATIO,
        "the re-used monthly solve is only {ratio:.1}× faster than the cold one (at least \
         {MIN_RATIO}× expected): re-used {warm:?}, cold {cold:?}"
    );
}

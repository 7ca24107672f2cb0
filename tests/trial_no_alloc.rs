//! Whole trials allocate nothing once the worker's scratch space has grown: a counting global
//! allocator (this test binary's own) watches the calling thread while trials run, so the
//! per-month loop (capacities, warm-started solves, origin tracing, buffered statistics) and
//! the per-trial sampling are both covered. Memory is therefore flat in the number of trials.

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations_during;

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::{Scratch, layout, run_trials};
use supplyrisk::scenario::{self, Source};

/// Runs `warm_up` trials, then counts the allocations of the next `measured` ones.
fn allocations_of_trials(text: &str, warm_up: u64, measured: u64) -> usize {
    let source = Source::from_text("test.toml", "test", false, text);
    let model = scenario::parse(&source).expect("a valid scenario");
    let plan = Plan::new(&model).expect("plan");
    let mut outcomes = Outcomes::new(layout(&plan));
    let mut scratch = Scratch::new(&plan);
    // Warm-up: buffers that hold a trial's outages grow to the largest trial seen so far.
    run_trials(&plan, 1, 0..warm_up, &mut scratch, &mut outcomes, |_, _| {}).expect("trials run");
    let mut metrics_seen = 0.0;
    let allocations = allocations_during(|| {
        run_trials(
            &plan,
            1,
            warm_up..warm_up + measured,
            &mut scratch,
            &mut outcomes,
            |_, metrics| metrics_seen += metrics[0],
        )
        .expect("trials run");
    });
    assert_eq!(outcomes.trials(), warm_up + measured);
    assert!(metrics_seen.is_finite());
    allocations
}

#[test]
fn trials_of_the_benchmark_network_do_not_allocate() {
    // Every disruption kind, random growth, stocks, three commodities, pivots every month or
    // so: all the paths of the monthly loop.
    let text = include_str!("../scenarios/bench_medium.toml");
    let (warm_up, measured) = if cfg!(debug_assertions) {
        (60, 40)
    } else {
        (400, 400)
    };
    assert_eq!(allocations_of_trials(text, warm_up, measured), 0);
}

#[test]
fn trials_of_the_bundled_scenarios_do_not_allocate() {
    for bundled in supplyrisk::scenario::bundled::ALL {
        let allocations = allocations_of_trials(bundled.text, 200, 200);
        assert_eq!(allocations, 0, "{} allocated", bundled.name);
    }
}

#[test]
fn months_solved_again_from_the_nominal_basis_do_not_allocate() {
    // Past MAX_TIE_EDGES edges a dual-degenerate month is solved a second time, from the
    // nominal basis (Solver::dual_degenerate, engine::trial::solve_month_alone): the routes
    // tie here, so that path runs in half the trials.
    let text = common::tied_routes_scenario(supplyrisk::engine::plan::MAX_TIE_EDGES + 1);
    assert_eq!(allocations_of_trials(&text, 200, 200), 0);
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![1_u8; 64]))),
        1
    );
}

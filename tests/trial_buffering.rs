//! Buffering trials before adding them to the accumulators (`run_trials`) changes nothing: the
//! outcomes equal those of adding each trial at once (`run_trial`), whatever the chunking, and
//! `monthly_capacities` replays the capacities the engine solves.

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::{
    PENDING_TRIALS, Scratch, layout, monthly_capacities, run_trial, run_trials,
};
use supplyrisk::scenario::{self, Source};

fn plan() -> Plan {
    let text = include_str!("../scenarios/bench_medium.toml");
    let source = Source::from_text("bench_medium.toml", "bench_medium", false, text);
    Plan::new(&scenario::parse(&source).expect("valid")).expect("plan")
}

#[test]
fn buffered_trials_give_the_outcomes_of_one_trial_at_a_time() {
    let plan = plan();
    // More than one buffer's worth, not a multiple of it.
    let trials = PENDING_TRIALS as u64 + 9;
    let mut one_by_one = Outcomes::new(layout(&plan));
    let mut scratch = Scratch::new(&plan);
    let mut metrics_one_by_one = Vec::new();
    for trial in 0..trials {
        run_trial(&plan, 3, trial, &mut scratch, &mut one_by_one).expect("trial");
        metrics_one_by_one.extend_from_slice(&scratch.metrics);
    }
    let mut buffered = Outcomes::new(layout(&plan));
    let mut scratch = Scratch::new(&plan);
    let mut metrics_buffered = Vec::new();
    // Two calls, split inside a buffer.
    for range in [0..5, 5..trials] {
        run_trials(
            &plan,
            3,
            range,
            &mut scratch,
            &mut buffered,
            |_, metrics| metrics_buffered.extend_from_slice(metrics),
        )
        .expect("trials");
    }
    assert_eq!(buffered.trials(), trials);
    assert!(buffered == one_by_one, "buffering changed the outcomes");
    assert_eq!(metrics_buffered, metrics_one_by_one);
}

#[test]
fn monthly_capacities_are_a_month_per_row_and_move() {
    let plan = plan();
    let months = monthly_capacities(&plan, 3, 0, 1, 0).expect("months");
    assert_eq!(months.len(), plan.horizon);
    let arcs = plan.variants[1].commodities[0].network.arc_count();
    assert!(months.iter().all(|m| m.len() == arcs));
    assert!(months.iter().flatten().all(|&c| c.is_finite() && c >= 0.0));
    // Demand grows and disruptions come and go: consecutive months differ.
    assert!(months.windows(2).all(|w| w[0] != w[1]));
    // The same trial gives the same months.
    assert_eq!(
        monthly_capacities(&plan, 3, 0, 1, 0).expect("months"),
        months
    );
}

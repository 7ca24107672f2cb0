//! Buffering trials before adding them to the accumulators (`run_trials`) changes nothing: the
//! outcomes equal those of adding each trial at once (`run_trial`), whatever the chunking, and
//! `monthly_capacities` replays the capacities the engine solves, and the work variants share
//! within a trial gives the bits each variant's own would.

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::trial::{
    PENDING_TRIALS, Scratch, layout, monthly_capacities, run_trial, run_trials,
};
use supplyrisk::scenario::{self, Source, bundled};

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

/// Every trial's metrics, bit for bit, over `trials` trials of `plan`.
fn metric_bits(plan: &Plan, trials: u64) -> Vec<u64> {
    let mut outcomes = Outcomes::new(layout(plan));
    let mut scratch = Scratch::new(plan);
    let mut bits = Vec::new();
    for trial in 0..trials {
        run_trial(plan, 11, trial, &mut scratch, &mut outcomes).expect("trial");
        bits.extend(scratch.metrics.iter().map(|x| x.to_bits()));
    }
    bits
}

#[test]
fn work_shared_between_variants_gives_each_variants_own_bits() {
    let mut plans: Vec<(&str, Plan)> = bundled::ALL
        .iter()
        .map(|b| {
            let source = Source::from_text(format!("{}.toml", b.name), b.name, false, b.text);
            let plan = Plan::new(&scenario::parse(&source).expect("valid")).expect("plan");
            (b.name, plan)
        })
        .collect();
    plans.push(("bench_medium", plan()));
    // Variants whose markets demand differently, or whose incident processes differ, from
    // the baseline's and from each other: what may be shared must be told from what may not.
    let tutorial = bundled::ALL
        .iter()
        .find(|b| b.name == "tutorial")
        .expect("bundled tutorial")
        .text;
    let text = format!(
        "{tutorial}\n{}",
        [
            "\"us.demand.antimony\" = 30000",
            "\"us.demand_growth\" = 0.05",
            "\"us.stock_months.antimony\" = 2",
            "\"pk_corridor_security.rate_per_year\" = 9",
        ]
        .iter()
        .enumerate()
        .map(|(i, set)| format!("[[variant]]\nid = \"changed_{i}\"\n[variant.set]\n{set}\n\n"))
        .collect::<String>()
    );
    let source = Source::from_text("changed.toml", "changed", false, &text);
    let changed = Plan::new(&scenario::parse(&source).expect("valid")).expect("plan");
    plans.push(("tutorial with changed variants", changed));
    let mut sharing = 0;
    for (name, plan) in plans {
        // The check means something only where work is shared.
        sharing += usize::from(plan.variants.iter().enumerate().any(|(v, variant)| {
            variant.multiplier_group != v
                || variant.shared_incident_rows.is_some()
                || variant.commodities.iter().any(|c| c.demand_group != v)
        }));
        let own = plan.clone().without_shared_work();
        assert!(
            metric_bits(&plan, 40) == metric_bits(&own, 40),
            "{name}: shared work changed a trial's metrics"
        );
    }
    assert!(
        sharing >= 2,
        "only {sharing} scenarios share work between variants"
    );
}

/// A scratch space carries nothing from one trial to the next: the same trial number under
/// another seed (as a caller of `run_trial` may run it) gives that seed's trial, not one
/// mixed with the work kept from the last.
#[test]
fn a_scratch_space_reused_under_another_seed_gives_that_seeds_trial() {
    let plan = plan();
    let mut outcomes = Outcomes::new(layout(&plan));
    let mut reused = Scratch::new(&plan);
    run_trial(&plan, 1, 0, &mut reused, &mut outcomes).expect("trial");
    run_trial(&plan, 2, 0, &mut reused, &mut outcomes).expect("trial");
    let mut fresh = Scratch::new(&plan);
    run_trial(&plan, 2, 0, &mut fresh, &mut outcomes).expect("trial");
    let bits =
        |scratch: &Scratch| -> Vec<u64> { scratch.metrics.iter().map(|x| x.to_bits()).collect() };
    assert_eq!(bits(&reused), bits(&fresh));
}

/// Every trial number is a trial, the last one too: no value of it is taken to mean "nothing
/// kept yet" (`u64::MAX` once was, and found the draws of a trial never drawn).
#[test]
fn the_last_trial_number_is_a_trial_like_any_other() {
    let plan = plan();
    let mut outcomes = Outcomes::new(layout(&plan));
    let bits =
        |scratch: &Scratch| -> Vec<u64> { scratch.metrics.iter().map(|x| x.to_bits()).collect() };
    let mut fresh = Scratch::new(&plan);
    run_trial(&plan, 3, u64::MAX, &mut fresh, &mut outcomes).expect("trial");
    let mut reused = Scratch::new(&plan);
    run_trial(&plan, 3, 7, &mut reused, &mut outcomes).expect("trial");
    run_trial(&plan, 3, u64::MAX, &mut reused, &mut outcomes).expect("trial");
    assert_eq!(bits(&fresh), bits(&reused));
    // Its own draws: not the trial before's.
    let mut other = Scratch::new(&plan);
    run_trial(&plan, 3, u64::MAX - 1, &mut other, &mut outcomes).expect("trial");
    assert_ne!(bits(&fresh), bits(&other));
}

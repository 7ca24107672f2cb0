//! Months a variant takes from the baseline (engine::mirror) equal the months it would solve.
//!
//! The copy rests on a linear-programming argument (the variant's own part cannot carry flow,
//! and a constraint that does not bind can move without moving the optimum), so the copied
//! values are the solved ones up to rounding: the same optimum reached along another path of
//! floating-point sums. These tests compare a run with mirrors against the same plan with every
//! month solved ([`Plan::without_mirrors`]): every share within 1e-9 (the accuracy of shares that
//! the solver's feasibility tolerance allows, `engine::allocation`), every whole-month count
//! equal; and a variant whose own part never comes online equals the baseline exactly.

mod common;

use supplyrisk::engine::outcome::Outcomes;
use supplyrisk::engine::plan::{MAX_TIE_EDGES, Plan};
use supplyrisk::engine::trial::{Scratch, layout, run_trial};
use supplyrisk::scenario::{self, Source};

/// A small network with a new source of its own: a Pakistani mine and refinery (a project)
/// feeding a domestic market with a stock (which drains while nothing comes), the focus market directly and, `via_rotterdam`, through Rotterdam, an uncapped hub
/// under incidents whose SPEC 3 throughput bound then differs between the variants (a loose
/// arc: under an incident the variant's Rotterdam passes more, even with nothing from Pakistan).
fn own_part_scenario(success: f64, online_month: &str, via_rotterdam: bool) -> String {
    let to_rotterdam = if via_rotterdam {
        "[[edge]]\nfrom = \"pk_refinery\"\nto = \"nl_rotterdam\"\ncost = 1\n"
    } else {
        ""
    };
    format!(
        r#"
[scenario]
start = "2026-01"
horizon_months = 60
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = {{ x = 900 }}

[[node]]
id = "cn_refinery"
kind = "refinery"
country = "CN"
capacity = {{ x = 800 }}

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = {{ x = 300 }}

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = {{ x = 400 }}

[[node]]
id = "pk_refinery"
kind = "refinery"
country = "PK"
capacity = {{ x = 350 }}

[[node]]
id = "nl_rotterdam"
kind = "hub"
country = "NL"

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 700 }}
stock_months = {{ x = 2 }}

[[node]]
id = "pk_domestic"
kind = "market"
country = "PK"
demand = {{ x = 60 }}
stock_months = {{ x = 3 }}

[[node]]
id = "eu"
kind = "market"
country = "DE"
demand = {{ x = 500 }}

[[edge]]
from = "cn_mine"
to = "cn_refinery"
cost = 1

[[edge]]
from = "cn_refinery"
to = "nl_rotterdam"
cost = 1

[[edge]]
from = "au_mine"
to = "nl_rotterdam"
cost = 3

[[edge]]
from = "pk_mine"
to = "pk_refinery"
cost = 1

{to_rotterdam}
[[edge]]
from = "pk_refinery"
to = "us"
cost = 2

[[edge]]
from = "pk_refinery"
to = "pk_domestic"
cost = 1

[[edge]]
from = "nl_rotterdam"
to = "us"
cost = 1

[[edge]]
from = "nl_rotterdam"
to = "eu"
cost = 1

[[disruption]]
id = "port_strikes"
kind = "incidents"
rate_per_year = 4
targets = ["nl_rotterdam"]
severity = {{ dist = "beta", a = 2, b = 2 }}
duration_days = {{ dist = "exponential", mean = 20 }}

[[disruption]]
id = "pk_security"
kind = "incidents"
rate_per_year = 6
targets = ["pk_mine", "pk_refinery"]
severity = {{ dist = "beta", a = 2, b = 3 }}
duration_days = {{ dist = "exponential", mean = 10 }}

[[disruption]]
id = "cn_controls"
kind = "regime"
states = ["open", "tight"]
initial = "open"
transitions = [[0.9, 0.1], [0.2, 0.8]]
[[disruption.effect]]
state = "tight"
exporter = "CN"
factor = 0.4

[[disruption]]
id = "pk_refinery_project"
kind = "project"
targets = ["pk_refinery"]
success_probability = {success}
online_month = {online_month}
ramp_months = 6

[[variant]]
id = "without_pakistan"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with_pakistan"
"#
    )
}

fn plan_of(text: &str) -> Plan {
    let (model, _) = common::model(text);
    Plan::new(&model).expect("plan")
}

/// Runs `trials` trials of `plan` one at a time: every trial's metrics, the outcomes, and the
/// network-months taken from the baseline with the number of all network-months.
fn run(plan: &Plan, trials: u64) -> (Vec<Vec<f64>>, Outcomes, (u64, u64)) {
    let mut outcomes = Outcomes::new(layout(plan));
    let mut scratch = Scratch::new(plan);
    let metrics = (0..trials)
        .map(|trial| {
            run_trial(plan, 17, trial, &mut scratch, &mut outcomes).expect("trial");
            scratch.metrics.clone()
        })
        .collect();
    (metrics, outcomes, scratch.months_taken_from_baseline())
}

/// Runs `plan` with and without mirrors and compares every trial's metrics and every monthly
/// series' mean; returns the largest difference seen.
fn compare_with_solved(name: &str, plan: Plan, trials: u64) -> f64 {
    assert!(
        plan.variants
            .iter()
            .any(|v| v.commodities.iter().any(|c| c.mirror.is_some())),
        "{name}: no variant mirrors the baseline, so this compares nothing"
    );
    let layout = layout(&plan);
    let (mirrored, mirrored_outcomes, (taken, all)) = run(&plan, trials);
    assert!(taken > 0, "{name}: no month was taken from the baseline");
    eprintln!("{name}: {taken} of {all} network-months taken from the baseline");
    let solved_plan = plan.without_mirrors();
    let (solved, solved_outcomes, (none, _)) = run(&solved_plan, trials);
    assert_eq!(none, 0, "{name}: without mirrors, every month is solved");
    let metrics = layout.metrics();
    let countries = layout.countries;
    let mut largest = 0.0_f64;
    for (trial, (a, b)) in mirrored.iter().zip(&solved).enumerate() {
        for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
            let metric = i % metrics;
            // Shares and the worst month: within 1e-9. Shortage months and the indicator are
            // counts against a threshold with a 1e-9 margin: equal.
            if metric < countries + 4 {
                largest = largest.max((x - y).abs());
                assert!(
                    (x - y).abs() <= 1e-9,
                    "{name}, trial {trial}, value {i}: copied {x} against solved {y}"
                );
            } else {
                assert_eq!(x, y, "{name}, trial {trial}, value {i}");
            }
        }
    }
    for s in 0..mirrored_outcomes.series.len() {
        let (a, b) = (
            mirrored_outcomes
                .series
                .summary(s)
                .expect("trials ran")
                .mean,
            solved_outcomes.series.summary(s).expect("trials ran").mean,
        );
        largest = largest.max((a - b).abs());
        assert!(
            (a - b).abs() <= 1e-9,
            "{name}, series {s}: mean {a} against {b}"
        );
    }
    largest
}

#[test]
fn copied_months_equal_solved_months_in_the_bundled_scenarios_and_bench_medium() {
    let bench = include_str!("../scenarios/bench_medium.toml");
    let bench_source = Source::from_text("bench_medium.toml", "bench_medium", false, bench);
    let mut plans = vec![(
        "bench_medium".to_string(),
        Plan::new(&scenario::parse(&bench_source).expect("valid")).expect("plan"),
    )];
    for name in ["pakistan", "antimony_ban", "rare_earths", "copper_reko_diq"] {
        let (model, _) = scenario::load(name).expect("bundled");
        plans.push((name.to_string(), Plan::new(&model).expect("plan")));
    }
    for (name, plan) in plans {
        let largest = compare_with_solved(&name, plan, 40);
        eprintln!("{name}: largest difference {largest:e}");
    }
}

/// A scenario of `edges` edges (at least 3): two mines (one Pakistani, which the baseline
/// disables) and a market, the Chinese mine joined to it through hubs by routes of the same
/// cost, so that months tie without the cost perturbation.
fn wide_scenario(edges: usize) -> String {
    let hubs = (edges - 1) / 2;
    let mut text = String::from(
        "[scenario]\nstart = \"2026-01\"\nhorizon_months = 24\nfocus_market = \"us\"\n\
         dependency_on = [\"CN\"]\n\n[[commodity]]\nid = \"sb\"\n\n\
         [[node]]\nid = \"cn_mine\"\nkind = \"mine\"\ncountry = \"CN\"\ncapacity = { sb = 1200 }\n\n\
         [[node]]\nid = \"pk_mine\"\nkind = \"mine\"\ncountry = \"PK\"\ncapacity = { sb = 600 }\n\n\
         [[node]]\nid = \"us\"\nkind = \"market\"\ncountry = \"US\"\ndemand = { sb = 1500 }\n\n",
    );
    for h in 0..hubs {
        text += &format!(
            "[[node]]\nid = \"hub_{h}\"\nkind = \"hub\"\ncountry = \"SG\"\ncapacity = {{ sb = 100 }}\n\n"
        );
    }
    // Edge i's SPEC cost is round(1000·cost)·(E + 1) + i: listing the second legs in reverse
    // gives every route through a hub the same index sum, hence the same cost.
    for h in 0..hubs {
        text += &format!("[[edge]]\nfrom = \"cn_mine\"\nto = \"hub_{h}\"\ncost = 1\n\n");
    }
    for h in (0..hubs).rev() {
        text += &format!("[[edge]]\nfrom = \"hub_{h}\"\nto = \"us\"\ncost = 1\n\n");
    }
    text += "[[edge]]\nfrom = \"pk_mine\"\nto = \"us\"\ncost = 2\n\n";
    if 2 * hubs + 1 < edges {
        text += "[[edge]]\nfrom = \"cn_mine\"\nto = \"us\"\ncost = 9\n\n";
    }
    text += "[[variant]]\nid = \"without\"\nbaseline = true\ndisable = [\"pk_*\"]\n\n\
             [[variant]]\nid = \"with\"\n";
    text
}

fn has_mirrors(plan: &Plan) -> bool {
    plan.variants
        .iter()
        .any(|v| v.commodities.iter().any(|c| c.mirror.is_some()))
}

#[test]
fn only_a_plan_whose_optimum_may_tie_has_no_mirrors() {
    // The default scenario has 97 edges: the cost perturbation that makes every month's
    // optimum unique does not fit in its i128 costs, so it is carried as tie costs, and the
    // optimum is unique again: the default mirrors.
    let (model, _) = scenario::load("pakistan").expect("bundled");
    assert!(model.network.edges.len() > 90);
    assert!(has_mirrors(&Plan::new(&model).expect("plan")));
    // Up to MAX_TIE_EDGES edges the tie costs fit; one more and ties are possible, and a
    // variant that started solving late could settle on another tied optimum than one that
    // solved every month (found in review: up to 0.58 of a share apart in a padded 118-edge
    // network, before tie costs): no mirrors.
    let fits = plan_of(&wide_scenario(MAX_TIE_EDGES));
    assert!(has_mirrors(&fits));
    let too_many = plan_of(&wide_scenario(MAX_TIE_EDGES + 2));
    assert!(!has_mirrors(&too_many));
    assert!(too_many.baseline_recorded.iter().all(|&recorded| !recorded));
}

#[test]
fn copied_months_equal_solved_months_where_tie_costs_make_the_optimum_unique() {
    // The review's three padded scenarios (114 to 124 edges), on which copied and solved months
    // differed by up to 0.58 of a share while the optimum could tie.
    let padded = [
        (
            "padded_100547",
            include_str!("scenarios/ties/padded_100547.toml"),
        ),
        (
            "padded_100873",
            include_str!("scenarios/ties/padded_100873.toml"),
        ),
        (
            "padded_103960",
            include_str!("scenarios/ties/padded_103960.toml"),
        ),
    ];
    for (name, text) in padded {
        let plan = plan_of(text);
        let largest = compare_with_solved(name, plan, 200);
        eprintln!("{name}: largest difference {largest:e}");
    }
}

#[test]
fn copied_months_equal_solved_months_with_a_loose_hub_and_a_late_project() {
    for (success, online) in [
        ("0.7", "{ dist = \"uniform\", min = 0, max = 40 }"),
        ("1", "30"),
    ] {
        let plan = plan_of(&own_part_scenario(
            success.parse().expect("number"),
            online,
            true,
        ));
        let commodity = &plan.variants[1].commodities[0];
        let mirror = commodity
            .mirror
            .as_ref()
            .expect("with_pakistan mirrors the baseline");
        assert_eq!(
            mirror.loose.len(),
            1,
            "Rotterdam's throughput bound counts the Pakistani edge"
        );
        let largest = compare_with_solved("own part", plan, 200);
        eprintln!("own part, success {success}: largest difference {largest:e}");
    }
}

#[test]
fn a_variant_whose_own_part_never_comes_online_equals_the_baseline_exactly() {
    // Not through Rotterdam: its bound would differ (see `own_part_scenario`).
    let plan = plan_of(&own_part_scenario(0.0, "12", false));
    assert!(
        plan.variants[1].commodities[0]
            .mirror
            .as_ref()
            .expect("a mirror")
            .loose
            .is_empty()
    );
    let layout = layout(&plan);
    let (metrics, outcomes, (taken, all)) = run(&plan, 200);
    // Every month of the variant: half of all.
    assert_eq!(2 * taken, all);
    let per_variant = layout.commodities * layout.metrics();
    for (trial, values) in metrics.iter().enumerate() {
        let (baseline, variant) = values.split_at(per_variant);
        assert_eq!(baseline, variant, "trial {trial}");
    }
    // Every reduction is exactly zero: not rounding noise around it.
    let reduction = layout.variants;
    for m in 0..layout.metrics() {
        let accumulator = outcomes
            .metrics
            .metric(layout.metric_index(reduction, 0, m));
        assert_eq!(accumulator.range(), Some((0.0, 0.0)), "metric {m}");
    }
}

#[test]
fn the_baseline_may_come_after_the_variant_and_the_horizon_may_be_one_month() {
    let text = own_part_scenario(0.5, "{ dist = \"uniform\", min = 0, max = 40 }", true);
    let (head, variants) = text.split_once("[[variant]]").expect("variants");
    let (baseline, variant) = variants.split_once("[[variant]]").expect("two variants");
    let swapped = format!("{head}[[variant]]{variant}\n[[variant]]{baseline}");
    let plan = plan_of(&swapped);
    assert_eq!(plan.baseline, 1);
    compare_with_solved("baseline second", plan, 100);
    let one_month = text
        .replace("horizon_months = 60", "horizon_months = 1")
        .replace("success_probability = 0.5", "success_probability = 0");
    let plan = plan_of(&one_month);
    compare_with_solved("one month", plan, 20);
}

#[test]
fn check_warns_where_a_variant_raises_the_bound_of_a_disrupted_uncapped_hub() {
    let warnings = |text: &str| -> Vec<String> {
        let (model, _) = common::model(text);
        supplyrisk::report::check::warnings(&model)
            .into_iter()
            .map(|w| w.text)
            .collect()
    };
    // Rotterdam's bound: 800 (China's refinery) + 300 (Australia) in the baseline, plus the
    // Pakistani refinery's 350 in the variant; port strikes scale it.
    let text = own_part_scenario(0.5, "12", true);
    let found = warnings(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("in variant with_pakistan, nl_rotterdam has no capacity")
            && found[0].contains("1,450 t/yr of x against 1,100 in the baseline without_pakistan"),
        "{found:?}"
    );
    // Not fed by the new supply, or capped, or not disrupted: nothing to say.
    assert!(warnings(&own_part_scenario(0.5, "12", false)).is_empty());
    let capped = text.replace(
        "id = \"nl_rotterdam\"\nkind = \"hub\"\ncountry = \"NL\"",
        "id = \"nl_rotterdam\"\nkind = \"hub\"\ncountry = \"NL\"\ncapacity = { x = 2000 }",
    );
    assert_ne!(capped, text);
    assert!(warnings(&capped).is_empty());
    let undisrupted = text.replace("targets = [\"nl_rotterdam\"]", "targets = [\"au_mine\"]");
    assert_ne!(undisrupted, text);
    assert!(warnings(&undisrupted).is_empty());
}

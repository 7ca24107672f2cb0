//! Analytic scenarios: one per mechanism, each with its expected value derived in closed form
//! in a comment, asserted within K = 5 standard errors taken from the run itself (deterministic
//! cases exactly). Run them in release mode for speed: `cargo test --release --test analytic`.

mod common;

use common::closed_form::{K, integrate, month_average, outage_network, propagate};
use common::{assert_within_se, assert_within_theoretical_se, monthly_mean, row, run_text};

fn check_outage_scenario(
    name: &str,
    disruptions: &str,
    horizon: u32,
    expected: &dyn Fn(f64) -> f64,
    kinks: &[f64],
) {
    let trials = 20_000;
    let summary = run_text(&outage_network(horizon, disruptions), trials, 11, 2);
    let months: Vec<f64> = (0..horizon as usize)
        .map(|m| month_average(expected, m, kinks))
        .collect();
    let overall = months.iter().sum::<f64>() / horizon as f64;
    let dependency = row(&summary, "base", "x", "dependency_CN");
    assert_within_se(dependency, trials, overall, K, name);
    // Monthly means, including the first months when no outage can yet be in progress. The
    // multiplier lies in [0, 1], so its variance is at most μ(1 − μ) (Bhatia–Davis): a
    // conservative standard error.
    for (m, &mu) in months.iter().enumerate().take(3) {
        let se = (mu * (1.0 - mu) / trials as f64).sqrt();
        let got = monthly_mean(&summary, "base", "x", "dependency_CN", m);
        assert!(
            (got - mu).abs() <= K * se + 1e-9,
            "{name}, month {m}: {got} vs {mu} (se {se:.2e})"
        );
    }
    // Nothing is short: the AU mine covers every outage.
    assert_eq!(row(&summary, "base", "x", "shortfall_share").mean, 0.0);
    assert!(
        (row(&summary, "base", "x", "independent_share").mean - (1.0 - dependency.mean)).abs()
            < 1e-9
    );
}

#[test]
fn full_outages_of_fixed_length_and_severity() {
    // Poisson events at λ = 6/yr, severity 1, 20 days. At time t the mine is up iff no event
    // fell in [max(0, t − 20), t): E[mult(t)] = exp(−λ' min(t, 20)), λ' = 6/365.25 per day.
    // Month 0 averages the ramp-up from 1 (no outage in progress at t = 0).
    let rate = 6.0 / 365.25;
    check_outage_scenario(
        "full outages",
        r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 6.0
targets = ["cn_mine"]
severity = 1.0
duration_days = 20
"#,
        24,
        &|t: f64| (-rate * t.min(20.0)).exp(),
        &[20.0],
    );
}

#[test]
fn half_severity_outages_overlap_multiplicatively() {
    // Severity 0.5, 40 days (longer than a month), λ = 9/yr: N(t) ~ Poisson(λ' min(t, 40))
    // outages overlap and multiply: E[0.5^N] = exp(−λ' min(t, 40) · 0.5).
    let rate = 9.0 / 365.25;
    check_outage_scenario(
        "half-severity overlapping outages",
        r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 9.0
targets = ["cn_mine"]
severity = 0.5
duration_days = 40
"#,
        24,
        &|t: f64| (-rate * 0.5 * t.min(40.0)).exp(),
        &[40.0],
    );
}

#[test]
fn two_incident_processes_on_one_node_multiply() {
    // Independent processes multiply moment by moment:
    // E = exp(−λ1' · 1 · min(t, 10)) · exp(−λ2' · 0.5 · min(t, 50)), λ1 = 4/yr, λ2 = 3/yr.
    let (r1, r2) = (4.0 / 365.25, 3.0 / 365.25);
    check_outage_scenario(
        "two processes",
        r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 4.0
targets = ["cn_mine"]
severity = 1.0
duration_days = 10

[[disruption]]
id = "floods"
kind = "incidents"
rate_per_year = 3.0
targets = ["cn_mine"]
severity = 0.5
duration_days = 50
"#,
        24,
        &|t: f64| (-r1 * t.min(10.0)).exp() * (-r2 * 0.5 * t.min(50.0)).exp(),
        &[10.0, 50.0],
    );
}

#[test]
fn random_rate_severity_and_duration() {
    // Rate ~ Gamma(k = 2, θ = 3) per year, drawn per trial; severity S ~ Beta(2, 3), E[S] = 0.4;
    // duration D ~ Exponential(mean μ = 15 d), both per event. Given the rate r, marked Poisson
    // events give E[mult(t) | r] = exp(−(r/365.25) · E[S] · E[min(D, t)]) with
    // E[min(D, t)] = μ(1 − e^(−t/μ)); averaging over the gamma rate, E[e^(−r c)] = (1 + θ c)^(−k).
    // The mean alone hardly tells a rate drawn per trial from one fixed at its mean of 6/yr
    // (0.910089 against 0.908019 over the horizon, about 4 SE): the next test checks the
    // per-trial draw through the spread of the trials, which differs by over 20 SE.
    let expected = |t: f64| {
        let c = 0.4 * 15.0 * (1.0 - (-t / 15.0).exp()) / 365.25;
        (1.0 + 3.0 * c).powf(-2.0)
    };
    check_outage_scenario(
        "random rate, severity and duration",
        r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = { dist = "gamma", shape = 2.0, scale = 3.0 }
targets = ["cn_mine"]
severity = { dist = "beta", a = 2.0, b = 3.0 }
duration_days = { dist = "exponential", mean = 15.0 }
"#,
        24,
        &expected,
        &[],
    );
}

#[test]
fn a_rate_drawn_per_trial_spreads_the_trials_as_its_distribution_says() {
    // `rate_per_year` is drawn once per trial (scenario-format.md 2.1). Rate r ~ Uniform(0, 2)
    // per year; severity 1 and a duration beyond the horizon, so the first event τ stops the
    // CN mine for good and a trial's dependency_CN is X = min(τ, T)/T over T = 24 months = 2
    // years (months are L days each, so the monthly time averages add up to exactly that).
    // With u = t/T: P(X > u) = E_r[e^(−r·2u)] = (1 − e^(−4u))/(4u), and every moment follows,
    // E[X^k] = ∫₀¹ k u^(k−1) P(X > u) du: E[X] = Ein(4)/4 = 0.491822, sd(X) = 0.367968.
    // Ruled out:
    // - the rate fixed at its mean, 1/yr: P(X > u) = e^(−2u), E[X] = 0.432332 (23 SE off) and
    //   sd(X) = 0.331792 (39 SE of the sample sd off, its SE 9.25e-4 at n = 20,000);
    // - one rate drawn for the whole run, even one that matches the mean (r = 0.819/yr): sd(X)
    //   = 0.348287, 21 SE off. Only the spread across trials tells "per trial" from "per run".
    // The sample sd's SE is √((μ4 − σ⁴)/(4σ²n)), μ4 the fourth central moment from the same
    // integrals.
    let trials = 20_000;
    let summary = run_text(
        &outage_network(
            24,
            r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = { dist = "uniform", min = 0.0, max = 2.0 }
targets = ["cn_mine"]
severity = 1.0
duration_days = 1000000
"#,
        ),
        trials,
        17,
        2,
    );
    let survival = |u: f64| {
        if u == 0.0 {
            1.0
        } else {
            (1.0 - (-4.0 * u).exp()) / (4.0 * u)
        }
    };
    let raw: Vec<f64> = (1..=4)
        .map(|k| {
            let k = k as f64;
            integrate(&|u| k * u.powf(k - 1.0) * survival(u), 0.0, 1.0)
        })
        .collect();
    let mean = raw[0];
    let variance = raw[1] - mean * mean;
    let sd = variance.sqrt();
    let mu4 = raw[3] - 4.0 * mean * raw[2] + 6.0 * mean * mean * raw[1] - 3.0 * mean.powi(4);
    assert!(
        (mean - 0.491822).abs() < 1e-6 && (sd - 0.367968).abs() < 1e-6,
        "closed form: mean {mean}, sd {sd}"
    );
    let dependency = row(&summary, "base", "x", "dependency_CN");
    assert_within_theoretical_se(dependency, trials, mean, sd, K, "rate drawn per trial");
    let sd_se = ((mu4 - variance * variance) / (4.0 * variance * trials as f64)).sqrt();
    assert!(
        (dependency.sd - sd).abs() <= K * sd_se,
        "sd {} vs {sd}: error exceeds {K} standard errors ({sd_se:.2e})",
        dependency.sd
    );
}

fn check_regime(
    name: &str,
    regime: &str,
    initial: &[f64],
    transitions: &[Vec<f64>],
    factors: &[f64],
) {
    // CN's exports to the US are multiplied by the state's factor; AU covers the rest, so the
    // month's dependency is E[factor of the state] = Σ_s π_m(s) f_s exactly.
    let horizon = 18;
    let trials = 20_000;
    let summary = run_text(&outage_network(horizon, regime), trials, 5, 2);
    let distributions = propagate(initial, transitions, horizon as usize);
    let months: Vec<f64> = distributions
        .iter()
        .map(|pi| pi.iter().zip(factors).map(|(p, f)| p * f).sum())
        .collect();
    let overall = months.iter().sum::<f64>() / horizon as f64;
    assert_within_se(
        row(&summary, "base", "x", "dependency_CN"),
        trials,
        overall,
        K,
        name,
    );
    for (m, &mu) in months.iter().enumerate() {
        let se = (mu * (1.0 - mu) / trials as f64).sqrt();
        let got = monthly_mean(&summary, "base", "x", "dependency_CN", m);
        assert!(
            (got - mu).abs() <= K * se + 1e-9,
            "{name}, month {m}: {got} vs {mu}"
        );
    }
}

#[test]
fn two_state_regime_follows_the_markov_chain() {
    check_regime(
        "2-state regime",
        r#"
[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "ban"]
initial = "open"
transitions = [[0.9, 0.1], [0.3, 0.7]]
[[disruption.effect]]
state = "ban"
exporter = "CN"
factor = 0.0
"#,
        &[1.0, 0.0],
        &[vec![0.9, 0.1], vec![0.3, 0.7]],
        &[1.0, 0.0],
    );
}

#[test]
fn three_state_regime_from_a_mixed_start() {
    check_regime(
        "3-state regime",
        r#"
[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "licensing", "ban"]
initial = [0.5, 0.3, 0.2]
transitions = [[0.85, 0.10, 0.05], [0.20, 0.70, 0.10], [0.05, 0.15, 0.80]]
[[disruption.effect]]
state = "licensing"
exporter = "CN"
factor = 0.5
[[disruption.effect]]
state = "ban"
exporter = "CN"
importers = ["US"]
factor = 0.0
"#,
        &[0.5, 0.3, 0.2],
        &[
            vec![0.85, 0.10, 0.05],
            vec![0.20, 0.70, 0.10],
            vec![0.05, 0.15, 0.80],
        ],
        &[1.0, 0.5, 0.0],
    );
}

const PAIRED: &str = r#"
[scenario]
start = "2026-01"
horizon_months = 24
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 120 }

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = { x = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }

[[edge]]
from = "cn_mine"
to = "us"
cost = 1

[[edge]]
from = "pk_mine"
to = "us"
cost = 0.5
"#;

#[test]
fn routing_by_cost_and_the_reduction_of_a_deterministic_network() {
    // No disruption: PK (cost 0.5) supplies all its 5 t/month first, CN the other 5 of the
    // 10 t/month: dependency 1 without PK, 0.5 with it; the reduction is 0.5 in every trial.
    // (Nothing is random here, so this does not show that reductions are paired trial by
    // trial: `analytic_rules::paired_reductions_against_a_random_baseline_are_exact` does.)
    let text = format!(
        "{PAIRED}
[[variant]]
id = \"without\"
baseline = true
disable = [\"pk_*\"]

[[variant]]
id = \"with\"
"
    );
    let summary = run_text(&text, 50, 1, 1);
    assert_eq!(row(&summary, "without", "x", "dependency_CN").mean, 1.0);
    assert!((row(&summary, "with", "x", "dependency_CN").mean - 0.5).abs() < 1e-12);
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    assert!((reduction.mean - 0.5).abs() < 1e-12);
    assert_eq!(reduction.sd, 0.0);
    assert_eq!(reduction.p_positive, 1.0);
    assert!((reduction.p5 - 0.5).abs() < 1e-3 && (reduction.p95 - 0.5).abs() < 1e-3);
    // Independent share rises by the same amount.
    assert!((row(&summary, "reduction:with", "x", "independent_share").mean + 0.5).abs() < 1e-12);
}

#[test]
fn project_with_ramp_and_capacity_factor() {
    // The PK mine (5 t/month, cheaper) comes from a project: success p = 0.6, online at month 6,
    // a 6-month ramp, capacity factor ~ Beta(4, 2) (mean 2/3). On success it supplies
    // 5·cf·ramp(m) of the 10 t/month, ramp(m) = clamp((m − 6 + 1)/6, 0, 1), so
    // Σ_{m<24} ramp(m) = (1 + 2 + 3 + 4 + 5)/6 + 13 = 15.5 and the dependency reduction is
    // 0.5·cf·15.5/24 on success, 0 on failure: E = 0.6 · 0.5 · (2/3) · 15.5/24 and
    // P(reduction > 0) = 0.6.
    let text = format!(
        "{PAIRED}
[[disruption]]
id = \"pk_project\"
kind = \"project\"
targets = [\"pk_mine\"]
success_probability = 0.6
online_month = 6
ramp_months = 6
capacity_factor = {{ dist = \"beta\", a = 4.0, b = 2.0 }}

[[variant]]
id = \"without\"
baseline = true
disable = [\"pk_*\"]

[[variant]]
id = \"with\"
"
    );
    let trials = 20_000;
    let summary = run_text(&text, trials, 3, 2);
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    // The reduction is B·F·c with B ~ Bernoulli(0.6), F ~ Beta(4, 2) and c = 0.5·15.5/24:
    // E[F] = 2/3, E[F²] = 4·5/(6·7) = 10/21, so sd = c·√(0.6·10/21 − 0.4²) = 0.114494.
    let c = 0.5 * 15.5 / 24.0;
    let expected = 0.6 * (2.0 / 3.0) * c;
    let sd = c * (0.6 * 10.0 / 21.0 - 0.16f64).sqrt();
    assert_within_theoretical_se(reduction, trials, expected, sd, K, "project reduction");
    let se = (0.6f64 * 0.4 / trials as f64).sqrt();
    assert!(
        (reduction.p_positive - 0.6).abs() <= K * se,
        "P(reduction > 0) = {} vs 0.6 (se {se:.4})",
        reduction.p_positive
    );
    // The baseline is untouched by the project.
    assert_eq!(row(&summary, "without", "x", "dependency_CN").sd, 0.0);
}

#[test]
fn stock_draw_down_and_refill() {
    // One CN mine (2 t/month) online from month 3; demand 1 t/month; stock cap 2 months, full at
    // the start (2 t). Months 0 and 1 draw the stock; month 2 is short by 1; months 3 and 4 serve
    // demand and refill 1 t each; then the stock stays full. Over 12 months (demand 12 t):
    // dependency 9/12, stock 2/12, shortfall 1/12, worst month 1, one shortage month (> 10%),
    // and 1/12 < 10% is not a serious shortfall.
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 12
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 24 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 12 }
stock_months = { x = 2 }

[[edge]]
from = "cn_mine"
to = "us"

[[disruption]]
id = "late_start"
kind = "project"
targets = ["cn_mine"]
online_month = 3
"#;
    let summary = run_text(text, 10, 9, 1);
    let close = |metric: &str, expected: f64| {
        let got = row(&summary, "base", "x", metric).mean;
        assert!(
            (got - expected).abs() < 1e-12,
            "{metric}: {got} vs {expected}"
        );
    };
    close("dependency_CN", 9.0 / 12.0);
    close("stock_share", 2.0 / 12.0);
    close("shortfall_share", 1.0 / 12.0);
    close("independent_share", 0.0);
    close("worst_month_shortfall", 1.0);
    close("shortage_months", 1.0);
    close("shortfall_exceeds_threshold", 0.0);
    for (m, expected) in [(0, 0.0), (1, 0.0), (2, 1.0), (3, 0.0)] {
        assert_eq!(
            monthly_mean(&summary, "base", "x", "shortfall_share", m),
            expected,
            "month {m}"
        );
    }
}

#[test]
fn priority_between_two_markets() {
    // A CN mine of 10 t/month; market A (priority 2) and the US (priority 1) each want 8. A is
    // served first even though its edge costs more: the US gets 2, shortfall 6/8 = 0.75. A
    // variant lowering A's priority to 0.5 serves the US fully: the reduction is 0.75.
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 6
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 120 }

[[node]]
id = "a"
kind = "market"
country = "DE"
demand = { x = 96 }
priority = 2

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 96 }

[[edge]]
from = "cn_mine"
to = "a"
cost = 5

[[edge]]
from = "cn_mine"
to = "us"
cost = 1

[[variant]]
id = "a_first"
baseline = true

[[variant]]
id = "us_first"
[variant.set]
"a.priority" = 0.5
"#;
    let summary = run_text(text, 10, 2, 1);
    assert!((row(&summary, "a_first", "x", "shortfall_share").mean - 0.75).abs() < 1e-12);
    assert!((row(&summary, "a_first", "x", "dependency_CN").mean - 0.25).abs() < 1e-12);
    assert_eq!(row(&summary, "us_first", "x", "shortfall_share").mean, 0.0);
    assert!(
        (row(&summary, "reduction:us_first", "x", "shortfall_share").mean - 0.75).abs() < 1e-12
    );
    assert_eq!(
        row(&summary, "a_first", "x", "shortfall_exceeds_threshold").mean,
        1.0
    );
    assert_eq!(row(&summary, "a_first", "x", "shortage_months").mean, 6.0);
}

#[test]
fn demand_growth_compounds_monthly() {
    // Supply fixed at 10 t/month; demand 10 t/month growing 10%/yr: month m needs
    // 10·1.1^(m/12), so shortfall_m = 1 − 1.1^(−m/12) and the trial's shortfall share is
    // Σ(d_m − 10)/Σ d_m.
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 36
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 120 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }
demand_growth = 0.1

[[edge]]
from = "cn_mine"
to = "us"
"#;
    let summary = run_text(text, 5, 4, 1);
    let demand: Vec<f64> = (0..36)
        .map(|m| 10.0 * 1.1f64.powf(m as f64 / 12.0))
        .collect();
    let total: f64 = demand.iter().sum();
    let short: f64 = demand.iter().map(|d| d - 10.0).sum();
    let got = row(&summary, "base", "x", "shortfall_share").mean;
    assert!(
        (got - short / total).abs() < 1e-9,
        "{got} vs {}",
        short / total
    );
    let month_35 = monthly_mean(&summary, "base", "x", "shortfall_share", 35);
    // Monthly quantiles and means: the mean is exact up to fixed-point quantisation.
    assert!((month_35 - (1.0 - 1.0 / 1.1f64.powf(35.0 / 12.0))).abs() < 1e-9);
}

#[test]
fn a_variant_that_cuts_the_focus_market_off_leaves_it_short() {
    // One CN mine (24 t/year = 2 t/month) feeds the US (demand 12 t/year = 1 t/month, stock
    // cap 2 months, full at the start). The variant `cut` disables the mine: nothing reaches
    // the US, which draws its stock in months 0 and 1 and is wholly short in months 2 to 11.
    // Over 12 months: dependency 0, stock 2/12, shortfall 10/12, worst month 1, 10 shortage
    // months, a serious shortfall. The baseline is fully served from CN, so the paired
    // reduction of dependency is exactly 1 and of shortfall −10/12. A second commodity `y`,
    // which only the other market takes, loses its only mine too: its network is left with no
    // market at all, and must still run (it is not reported: the US does not take it).
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 12
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[commodity]]
id = "y"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 24, y = 5 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 12 }
stock_months = { x = 2 }

[[node]]
id = "eu"
kind = "market"
country = "DE"
demand = { y = 5 }

[[edge]]
from = "cn_mine"
to = "us"

[[edge]]
from = "cn_mine"
to = "eu"

[[variant]]
id = "full"
baseline = true

[[variant]]
id = "cut"
disable = ["cn_mine"]
"#;
    let summary = run_text(text, 10, 3, 2);
    let close = |variant: &str, metric: &str, expected: f64| {
        let got = row(&summary, variant, "x", metric);
        assert!(
            (got.mean - expected).abs() < 1e-12 && got.sd == 0.0,
            "{variant} {metric}: {} (sd {}) vs {expected}",
            got.mean,
            got.sd
        );
    };
    close("full", "dependency_CN", 1.0);
    close("full", "shortfall_share", 0.0);
    close("cut", "dependency_CN", 0.0);
    close("cut", "independent_share", 0.0);
    close("cut", "stock_share", 2.0 / 12.0);
    close("cut", "shortfall_share", 10.0 / 12.0);
    close("cut", "worst_month_shortfall", 1.0);
    close("cut", "shortage_months", 10.0);
    close("cut", "shortfall_exceeds_threshold", 1.0);
    close("reduction:cut", "dependency_CN", 1.0);
    close("reduction:cut", "shortfall_share", -10.0 / 12.0);
    for (m, expected) in [(0, 0.0), (1, 0.0), (2, 1.0), (11, 1.0)] {
        assert_eq!(
            monthly_mean(&summary, "cut", "x", "shortfall_share", m),
            expected,
            "month {m}"
        );
    }
    assert!(summary.row("full", "y", "dependency_CN").is_none());
}

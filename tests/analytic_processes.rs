//! Analytic scenarios for the random inputs of the disruption processes and of demand (SPEC 3):
//! incident `weights`, per-event severity, project timing, ramp and success drawn from
//! distributions, and a drawn `demand_growth`. Each expected value is derived in closed form (or
//! by quadrature of a closed form) in a comment, and asserted within K = 5 standard errors (from
//! the run itself, or from an exact or proven variance); deterministic quantities exactly or to
//! 1e-9. Each comment names the plausible wrong implementation the test rules out and by how
//! many standard errors it would miss. Run in release mode:
//! `cargo test --release --test analytic_processes`.

mod common;

use common::closed_form::{self, K, integrate, month_average, outage_network};
use common::{
    assert_months_exact, assert_within_se, assert_within_theoretical_se, monthly_mean, row,
    run_text,
};
use supplyrisk::report::summary::Summary;

/// Trials per scenario.
const TRIALS: u64 = 20_000;
/// SPEC 5: quantiles read from histograms are within 0.001 for shares and reductions.
const QUANTILE_RESOLUTION: f64 = 1e-3;

/// The monthly averages of E[multiplier(t)] over `horizon` months, and their mean.
fn monthly_averages(
    expected: &dyn Fn(f64) -> f64,
    horizon: usize,
    kinks: &[f64],
) -> (Vec<f64>, f64) {
    let months: Vec<f64> = (0..horizon)
        .map(|m| month_average(expected, m, kinks))
        .collect();
    let overall = months.iter().sum::<f64>() / horizon as f64;
    (months, overall)
}

/// Asserts the monthly means of months 0..`count` of `metric`, whose values lie in [0, `top`]:
/// a variable on [0, top] with mean μ has variance at most μ(top − μ) (Bhatia–Davis), a
/// conservative standard error.
fn assert_first_months(
    summary: &Summary,
    metric: &str,
    months: &[f64],
    top: f64,
    count: usize,
    name: &str,
) {
    for (m, &mu) in months.iter().enumerate().take(count) {
        let se = (mu * (top - mu) / TRIALS as f64).sqrt();
        let got = monthly_mean(summary, "base", "x", metric, m);
        assert!(
            (got - mu).abs() <= K * se + 1e-9,
            "{name}, {metric} month {m}: {got} vs {mu} (se {se:.2e})"
        );
    }
}

/// [`closed_form::assert_quantile`] for a share or reduction of `TRIALS` trials (SPEC 5's
/// resolution).
fn assert_quantile(got: f64, q: f64, h_of_x_at: &dyn Fn(f64) -> f64, what: &str) {
    closed_form::assert_quantile(got, q, TRIALS, h_of_x_at, QUANTILE_RESOLUTION, what);
}

/// Monthly series read their percentiles at the midpoints of 1024 bins on [0, 1] (DESIGN.md,
/// "Statistics").
const MONTHLY_RESOLUTION: f64 = 1.0 / 2048.0;

/// [`closed_form::assert_quantile`] for a monthly percentile of `TRIALS` trials.
fn assert_monthly_quantile(got: f64, q: f64, h_of_x_at: &dyn Fn(f64) -> f64, what: &str) {
    closed_form::assert_quantile(got, q, TRIALS, h_of_x_at, MONTHLY_RESOLUTION, what);
}

// ---------------------------------------------------------------------------------------------
// 1. Incident weights.

/// The US wants 20 t/month. A CN mine (10 t/month, cost 1) and an AU mine (10 t/month, cost 2)
/// are both always used in full, since demand outweighs cost and they are the cheapest; a CA
/// mine (1000 t/month, cost 5) that no disruption touches covers whatever they lack. So
/// nothing is ever short, and dependency_CN = mult_CN/2, dependency_AU = mult_AU/2 month by
/// month, each mine's multiplier being unaffected by the other's outages (a mine's flow is
/// its whole capacity whatever the other does).
fn weighted_network(disruptions: &str) -> String {
    format!(
        r#"
[scenario]
start = "2026-01"
horizon_months = 24
focus_market = "us"
dependency_on = ["CN", "AU"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = {{ x = 120 }}

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = {{ x = 120 }}

[[node]]
id = "ca_mine"
kind = "mine"
country = "CA"
capacity = {{ x = 12000 }}

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 240 }}

[[edge]]
from = "cn_mine"
to = "us"
cost = 1

[[edge]]
from = "au_mine"
to = "us"
cost = 2

[[edge]]
from = "ca_mine"
to = "us"
cost = 5
{disruptions}
"#
    )
}

/// Checks, in the weighted network, that nothing is short, that the shares add up, and that
/// dependency_`country` matches E[mult(t)]/2 for E[mult(t)] = exp(−rate' · min(t, 20)).
fn check_weighted_share(summary: &Summary, country: &str, rate_per_year: f64, name: &str) {
    let rate = rate_per_year / 365.25;
    let (months, overall) = monthly_averages(&|t: f64| (-rate * t.min(20.0)).exp(), 24, &[20.0]);
    let half: Vec<f64> = months.iter().map(|m| 0.5 * m).collect();
    let metric = format!("dependency_{country}");
    assert_within_se(
        row(summary, "base", "x", &metric),
        TRIALS,
        0.5 * overall,
        K,
        &format!("{name}: {metric}"),
    );
    assert_first_months(summary, &metric, &half, 0.5, 3, name);
}

fn check_weighted_totals(summary: &Summary) {
    // CA covers every outage: nothing is short, and the shares add to 1.
    assert_eq!(row(summary, "base", "x", "shortfall_share").mean, 0.0);
    let sum = row(summary, "base", "x", "dependency_CN").mean
        + row(summary, "base", "x", "dependency_AU").mean
        + row(summary, "base", "x", "independent_share").mean;
    assert!((sum - 1.0).abs() < 1e-9, "shares sum to {sum}");
}

#[test]
fn incident_weights_split_the_rate_between_targets() {
    // 8 events/yr, each hitting CN with probability 1/4 and AU with 3/4 (weights [1, 3]),
    // independently: by Poisson thinning CN's events are a Poisson process at 2/yr and AU's an
    // independent one at 6/yr. Severity 1, 20 days: E[mult(t)] = exp(−λ' min(t, 20)) with
    // λ' = 2/365.25 (CN) and 6/365.25 (AU) per day, and dependency = E[mult]/2:
    // over 24 months CN 0.44883, AU 0.36180.
    // Wrong implementation ruled out: a uniform choice of target (both at 4/yr: 0.40295 for
    // both, ~0.046 and ~0.041 off, against standard errors of ~2e-4 and ~3e-4), and weights
    // applied the other way round (CN at 6/yr: 0.3618 vs 0.4488).
    let summary = run_text(
        &weighted_network(
            r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 8.0
targets = ["cn_mine", "au_mine"]
weights = [1.0, 3.0]
severity = 1.0
duration_days = 20
"#,
        ),
        TRIALS,
        21,
        2,
    );
    check_weighted_share(&summary, "CN", 2.0, "weights [1, 3]");
    check_weighted_share(&summary, "AU", 6.0, "weights [1, 3]");
    check_weighted_totals(&summary);
}

#[test]
fn a_zero_weight_target_is_never_hit() {
    // Two processes at 20 events/yr each, both full 20-day outages: one lists CN first with
    // weight 0, the other lists CN last with weight 0. CN is never hit, so dependency_CN is
    // exactly 1/2 in every trial and every month (sd 0). AU takes every event of both: a
    // Poisson process at 40/yr, E[mult_AU(t)] = exp(−(40/365.25) min(t, 20)), and
    // dependency_AU = E[mult_AU]/2 (0.05996 over 24 months).
    // Wrong implementation ruled out: weights ignored (uniform choice): CN then loses ~20 days
    // in 365.25/20 ≈ every 18 days' outage, dependency_CN ≈ 0.5·exp(−20·20/365.25) ≈ 0.17, far
    // from the exact 0.5 asserted.
    let summary = run_text(
        &weighted_network(
            r#"
[[disruption]]
id = "floods"
kind = "incidents"
rate_per_year = 20.0
targets = ["cn_mine", "au_mine"]
weights = [0.0, 1.0]
severity = 1.0
duration_days = 20

[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 20.0
targets = ["au_mine", "cn_mine"]
weights = [1.0, 0.0]
severity = 1.0
duration_days = 20
"#,
        ),
        TRIALS,
        22,
        2,
    );
    let cn = row(&summary, "base", "x", "dependency_CN");
    assert!(
        (cn.mean - 0.5).abs() < 1e-12 && cn.sd == 0.0,
        "dependency_CN {} (sd {})",
        cn.mean,
        cn.sd
    );
    for m in 0..24 {
        let got = monthly_mean(&summary, "base", "x", "dependency_CN", m);
        assert!((got - 0.5).abs() < 1e-12, "month {m}: {got}");
    }
    check_weighted_share(&summary, "AU", 40.0, "zero weights");
    check_weighted_totals(&summary);
}

// ---------------------------------------------------------------------------------------------
// 2. Severity per event.

#[test]
fn severity_is_drawn_per_event_not_per_trial() {
    // λ = 24 events/yr on CN, each 60 days long, severity S ~ Beta(0.2, 0.2) drawn per event
    // (E[S] = 1/2, most mass near 0 and 1). At time t the N(t) outages in progress number
    // Poisson(λ' min(t, 60)), λ' = 24/365.25 per day, with independent severities, and
    // mult(t) = Π (1 − S_i): E[mult(t)] = E[(1 − E[S])^N] = exp(−λ' E[S] min(t, 60)).
    // Over 24 months that averages to 0.16371 (month 0: 1 − e^(−1) = 0.63212, as λ'·E[S]·L = 1).
    // Wrong implementation ruled out: one severity per trial (all events of a trial share S):
    // E[mult(t)] = E_S[exp(−λ' S min(t, 60))] = 1F1(0.2; 0.4; −λ' min(t, 60)) (Kummer's series),
    // which averages to 0.40913 over 24 months (month 0: 0.69183) — hundreds of standard errors
    // away (the run's standard error is ~5e-4).
    // (Every severity replaced by E[S] = 1/2 gives the same mean, E[0.5^N] being the same
    // exp(−λ' · ½ · min(t, 60)): this test does not rule that out, and is not meant to.)
    let rate = 24.0 / 365.25;
    let horizon = 24;
    let (months, overall) = monthly_averages(
        &|t: f64| (-rate * 0.5 * t.min(60.0)).exp(),
        horizon,
        &[60.0],
    );
    let summary = run_text(
        &outage_network(
            horizon as u32,
            r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 24.0
targets = ["cn_mine"]
severity = { dist = "beta", a = 0.2, b = 0.2 }
duration_days = 60
"#,
        ),
        TRIALS,
        23,
        2,
    );
    let dependency = row(&summary, "base", "x", "dependency_CN");
    assert_within_se(dependency, TRIALS, overall, K, "per-event severity");
    assert_first_months(
        &summary,
        "dependency_CN",
        &months,
        1.0,
        3,
        "per-event severity",
    );
    // Nothing is short: the AU mine covers every outage.
    assert_eq!(row(&summary, "base", "x", "shortfall_share").mean, 0.0);
}

// ---------------------------------------------------------------------------------------------
// 3. Projects with drawn timing, ramp and success.

/// A PK mine (5 t/month, cost 0.5) built by `pk_project`, and a CN mine (10 t/month, cost 1),
/// for 10 t/month of US demand. Without PK (the baseline disables `pk_*`, the mine and the
/// project) the dependency on CN is 1 in every month. With it, PK's output p_m ≤ 5 goes first
/// and CN supplies the rest: dependency_CN in month m is 1 − p_m/10, and the trial's reduction
/// is Σ_m p_m / (10 · 24) = (1/48) Σ_m share_m, share_m being PK's capacity multiplier.
fn project_network(project: &str) -> String {
    format!(
        r#"
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
capacity = {{ x = 120 }}

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = {{ x = 60 }}

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 120 }}

[[edge]]
from = "cn_mine"
to = "us"
cost = 1

[[edge]]
from = "pk_mine"
to = "us"
cost = 0.5

[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_mine"]
{project}

[[variant]]
id = "without"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with"
"#
    )
}

#[test]
fn project_online_month_is_floored() {
    // online_month ~ uniform(6, 8), no ramp, success 1, factor 1. SPEC 3: o = floor(draw), so
    // o = 6 or 7 with probability 1/2 each; PK then runs at full capacity from month o: the
    // reduction is (24 − o)/48, i.e. 18/48 or 17/48, mean 17.5/48 = 0.364583 (sd 1/96), and
    // since each value has half the trials, p5 = 17/48 and p95 = 18/48 (up to the histograms'
    // 0.001). Month by month the "with" dependency is 1 before month 6, 1 − ½·P(o = 6) = 0.75 in
    // month 6 (a two-point variable on {0.5, 1}: sd exactly 0.25) and exactly 0.5 from month 7.
    // Wrong implementations ruled out: rounding the draw (o = 6, 7, 8 with probabilities
    // ¼, ½, ¼): mean 17/48 = 0.354167, 0.0104 off against a standard error ~7.4e-5 (~140 SE);
    // month 6 at 0.875 (~70 SE) and month 7 at 0.625 instead of exactly 0.5; p5 = 16/48. Using
    // the real draw (a step at the first whole month ≥ the draw, o = 7 or 8): month 6 at 1.
    let summary = run_text(
        &project_network(r#"online_month = { dist = "uniform", min = 6.0, max = 8.0 }"#),
        TRIALS,
        31,
        2,
    );
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    // sd 1/96: (24 − o)/48 with o = 6 or 7 evenly is 17.5/48 ± 1/96.
    assert_within_theoretical_se(
        reduction,
        TRIALS,
        17.5 / 48.0,
        1.0 / 96.0,
        K,
        "floored online month",
    );
    assert!(
        (reduction.p5 - 17.0 / 48.0).abs() <= QUANTILE_RESOLUTION,
        "p5 {} vs 17/48",
        reduction.p5
    );
    assert!(
        (reduction.p95 - 18.0 / 48.0).abs() <= QUANTILE_RESOLUTION,
        "p95 {} vs 18/48",
        reduction.p95
    );
    assert_months_exact(&summary, "with", 0..6, 1.0);
    let month_6 = monthly_mean(&summary, "with", "x", "dependency_CN", 6);
    let se = 0.25 / (TRIALS as f64).sqrt();
    assert!(
        (month_6 - 0.75).abs() <= K * se,
        "month 6: {month_6} vs 0.75 (se {se:.2e})"
    );
    assert_months_exact(&summary, "with", 7..24, 0.5);
    // The baseline is untouched by the project.
    assert_eq!(row(&summary, "without", "x", "dependency_CN").sd, 0.0);
}

#[test]
fn project_ramp_is_drawn_and_used_as_a_real_number() {
    // online_month 6, ramp_months R ~ uniform(1, 2) drawn per trial and used as a real number,
    // success 1, factor 1. PK's share in month m is clamp((m − 5)/R, 0, 1): 1/R in month 6,
    // 1 from month 7 on (2/R ≥ 1), so the reduction is (1/R + 17)/48. With E[1/R] = ln 2 and
    // E[1/R²] = 1/2: mean (17 + ln 2)/48 = 0.368607, sd √(1/2 − ln²2)/48 = 0.002913. Month 6's
    // "with" dependency is 1 − 1/(2R): mean 1 − ½ ln 2 = 0.653426, sd exactly
    // ½√(1/2 − ln²2) = 0.069905; month 5 is exactly 1 and months 7 on exactly 0.5. The
    // reduction is decreasing in R, so its p5 is at R's 95th percentile and its p95 at R's 5th.
    // Wrong implementations ruled out: R rounded to whole months (month 6: 0.5 for R < 1.5 and
    // 0.75 above, mean 0.625, ~57 SE off; reduction mean 17.75/48, 1.2e-3 off: ~30 SE even with
    // the rounded run's larger sd); R floored (month 6
    // exactly 0.5) or ceiled (0.75); the mean R = 1.5 for every trial (month 6 at 2/3, ~27 SE;
    // p5 = p95 = 0.368056, ~2.2 and ~4.8 resolutions outside the p5 and p95 brackets).
    let summary = run_text(
        &project_network(
            r#"online_month = 6
ramp_months = { dist = "uniform", min = 1.0, max = 2.0 }"#,
        ),
        TRIALS,
        32,
        2,
    );
    let ln2 = std::f64::consts::LN_2;
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    assert_within_theoretical_se(
        reduction,
        TRIALS,
        (17.0 + ln2) / 48.0,
        (0.5 - ln2 * ln2).sqrt() / 48.0,
        K,
        "drawn ramp",
    );
    // R's quantile at level p is 1 + p.
    let reduction_at = |p: f64| (17.0 + 1.0 / (1.0 + p)) / 48.0;
    assert_quantile(
        reduction.p5,
        0.05,
        &|p| reduction_at(1.0 - p),
        "reduction p5",
    );
    assert_quantile(
        reduction.p95,
        0.95,
        &|p| reduction_at(1.0 - p),
        "reduction p95",
    );
    assert_months_exact(&summary, "with", 0..6, 1.0);
    let month_6 = monthly_mean(&summary, "with", "x", "dependency_CN", 6);
    let sd = 0.5 * (0.5 - ln2 * ln2).sqrt();
    let se = sd / (TRIALS as f64).sqrt();
    assert!(
        (month_6 - (1.0 - 0.5 * ln2)).abs() <= K * se,
        "month 6: {month_6} vs {} (se {se:.2e})",
        1.0 - 0.5 * ln2
    );
    assert_months_exact(&summary, "with", 7..24, 0.5);
    // monthly.csv's percentiles of month 6: 1 − 1/(2R) is increasing in R, so its quantile at
    // level q is 1 − 1/(2(1 + q)): p5 0.523810, p50 0.666667, p95 0.743590, each within the
    // order statistic's bracket and the monthly histograms' half bin (1/2048). Months 5 and 7,
    // where every trial has the same value, read 1 and 1/2 (to that half bin).
    // Wrong implementations ruled out: percentiles of the mean path (all three at 0.6534), of
    // the pooled months, or of another month (month 5 or 7: 1 or 0.5).
    let month = |m: usize| {
        summary
            .monthly
            .iter()
            .filter(|r| r.variant == "with" && r.metric == "dependency_CN")
            .nth(m)
            .expect("24 months")
    };
    let at_level = |p: f64| 1.0 - 0.5 / (1.0 + p);
    let (five, fifty, ninety_five) = (month(6).p5, month(6).p50, month(6).p95);
    assert_monthly_quantile(five, 0.05, &at_level, "month 6 p5");
    assert_monthly_quantile(fifty, 0.5, &at_level, "month 6 p50");
    assert_monthly_quantile(ninety_five, 0.95, &at_level, "month 6 p95");
    for (m, value) in [(5, 1.0), (7, 0.5)] {
        let r = month(m);
        for got in [r.p5, r.p50, r.p95] {
            assert!(
                (got - value).abs() <= MONTHLY_RESOLUTION,
                "month {m}: {got} vs {value}"
            );
        }
    }
}

#[test]
fn project_success_probability_distribution_is_a_coin_per_trial() {
    // success_probability p ~ Beta(2, 3) drawn per trial, then the project succeeds with
    // probability p: P(success) = E[p] = 0.4. Online from month 0, no ramp, factor 1: the
    // reduction is 1/2 on success and 0 on failure, mean 0.2, P(reduction > 0) = 0.4 (sd of the
    // indicator √0.24), p5 = 0 and p95 = 1/2 (40% of trials at 1/2).
    // Wrong implementations ruled out: the drawn p used as a capacity share instead of a coin
    // (same mean 0.2, but p_positive = 1 and p95 = ½·Beta(2, 3)'s 95th percentile ≈ 0.38); a
    // success when the drawn p exceeds ½ (P = 0.3125: p_positive ~25 SE off); the distribution
    // ignored (success always: mean 0.5).
    let summary = run_text(
        &project_network(
            r#"online_month = 0
success_probability = { dist = "beta", a = 2.0, b = 3.0 }"#,
        ),
        TRIALS,
        33,
        2,
    );
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    // sd of a reduction that is 1/2 with probability 0.4, else 0: ½·√(0.4·0.6).
    let sd = 0.5 * (0.4f64 * 0.6).sqrt();
    assert_within_theoretical_se(reduction, TRIALS, 0.2, sd, K, "drawn success probability");
    let se = (0.4f64 * 0.6 / TRIALS as f64).sqrt();
    assert!(
        (reduction.p_positive - 0.4).abs() <= K * se,
        "P(reduction > 0) = {} vs 0.4 (se {se:.4})",
        reduction.p_positive
    );
    assert_eq!(reduction.p5, 0.0);
    assert!(
        (reduction.p95 - 0.5).abs() <= QUANTILE_RESOLUTION,
        "p95 {} vs 0.5",
        reduction.p95
    );
    // The rest of SPEC 5's statistics, through the whole pipeline. About 60% of the trials
    // are 0 (the number of successes is Binomial(20000, 0.4): 8000 ± 69, never near the
    // 10,000 that would move the median), so p50 is exactly 0; the highest ⌈0.05·n⌉ = 1000
    // trials are all successes, so cvar95 = 1/2 (to the histograms' 0.001). The CI is
    // mean ± 1.959964·sd/√n, centred on the mean: with sd = ½·√0.24 = 0.245 and √n = 141.4,
    // 1.96 would move each end by 3.6e-5 · 0.245 / 141.4 = 6.2e-8 and √(n − 1) by 8.5e-8, both
    // far beyond the rounding of a few additions (1e-13).
    assert_eq!(reduction.p50, 0.0);
    assert!(
        (reduction.cvar95 - 0.5).abs() <= QUANTILE_RESOLUTION,
        "cvar95 {} vs 0.5",
        reduction.cvar95
    );
    let half_width = 1.959964 * reduction.sd / (TRIALS as f64).sqrt();
    assert!(
        (reduction.ci_high - reduction.mean - half_width).abs() < 1e-13
            && (reduction.mean - reduction.ci_low - half_width).abs() < 1e-13,
        "CI [{}, {}] around {} vs ± {half_width}",
        reduction.ci_low,
        reduction.ci_high,
        reduction.mean
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Drawn demand growth.

#[test]
fn demand_growth_distribution_is_drawn_once_per_trial() {
    // Supply fixed at 10 t/month; demand 10·(1 + g)^(m/12) over 36 months with g ~ uniform(0,
    // 0.2) drawn once per trial. Demand never falls below supply, so the trial's shortfall
    // share is h(g) = Σ_m (d_m − 10)/Σ_m d_m = 1 − 36/Σ_{m<36} (1 + g)^(m/12), increasing in g.
    // E[h(g)] = 5 ∫_0^0.2 h(g) dg = 0.128979 (Simpson; sd 0.0700). Its p5 and p95 are h at g's
    // 5th and 95th percentiles (0.01 and 0.19: 0.01444 and 0.23279). Month 35's shortfall is
    // 1 − (1 + g)^(−k), k = 35/12, with mean 1 − 5[(1 + g)^(1−k)/(1 − k)]_0^0.2 = 0.230633 and
    // sd √(E[(1+g)^(−2k)] − E[(1+g)^(−k)]²) = 0.118301 (both integrals in closed form); month 0
    // is exactly 0.
    // Wrong implementations ruled out: g replaced by its mean 0.1, or drawn once for the whole
    // run, or drawn anew each month: the trials then (nearly) agree, p5 ≈ p95 ≈ 0.13, more
    // than 0.1 from the asserted p5 (and the mean 0.13272 is ~7.5 SE off for the fixed mean);
    // growth compounded yearly (floor(m/12)): mean 0.0917, ~75 SE off.
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
demand_growth = { dist = "uniform", min = 0.0, max = 0.2 }

[[edge]]
from = "cn_mine"
to = "us"
"#;
    let summary = run_text(text, TRIALS, 41, 2);
    let h = |g: f64| {
        1.0 - 36.0
            / (0..36)
                .map(|m| (1.0 + g).powf(m as f64 / 12.0))
                .sum::<f64>()
    };
    let shortfall = row(&summary, "base", "x", "shortfall_share");
    let mean = integrate(&h, 0.0, 0.2) / 0.2;
    let sd = (integrate(&|g| h(g).powi(2), 0.0, 0.2) / 0.2 - mean * mean).sqrt();
    assert_within_theoretical_se(shortfall, TRIALS, mean, sd, K, "drawn demand growth");
    // g's quantile at level p is 0.2·p.
    assert_quantile(shortfall.p5, 0.05, &|p| h(0.2 * p), "shortfall p5");
    assert_quantile(shortfall.p95, 0.95, &|p| h(0.2 * p), "shortfall p95");
    // cvar95, the mean of the highest 5% of trials, is h's mean over g's top 5%, [0.19, 0.2]:
    // 100·∫ h = 0.237879 (against p95 = 0.232790). The estimator's standard error is
    // √([Var(h | tail) + 0.95·(cvar − q)²]/(0.05·n)) with q = h(0.19) (the asymptotic variance
    // of an empirical expected shortfall), 1.8e-4; the histograms add up to 0.001.
    // Wrong implementations ruled out: the tail's lowest value (p95) reported as cvar95
    // (0.0051 off: 2.7 times the tolerance of 5 · 1.8e-4 + 0.001 = 0.0019), or the top value
    // h(0.2) = 0.2429 (2.6 times).
    let cvar = integrate(&h, 0.19, 0.2) / 0.01;
    let tail_variance = integrate(&|g| h(g).powi(2), 0.19, 0.2) / 0.01 - cvar * cvar;
    let q = h(0.19);
    let se = ((tail_variance + 0.95 * (cvar - q).powi(2)) / (0.05 * TRIALS as f64)).sqrt();
    assert!(
        (shortfall.cvar95 - cvar).abs() <= K * se + QUANTILE_RESOLUTION,
        "cvar95 {} vs {cvar} (se {se:.2e})",
        shortfall.cvar95
    );
    // Dependency on CN is the rest: everything delivered comes from CN.
    assert!((row(&summary, "base", "x", "dependency_CN").mean + shortfall.mean - 1.0).abs() < 1e-9);
    assert_eq!(
        monthly_mean(&summary, "base", "x", "shortfall_share", 0),
        0.0
    );
    let k = 35.0 / 12.0;
    // E[(1 + g)^(−j)] for g ~ uniform(0, 0.2), j ≠ 1.
    let moment = |j: f64| (1.2f64.powf(1.0 - j) - 1.0) / ((1.0 - j) * 0.2);
    let month_35 = 1.0 - moment(k);
    let sd = (moment(2.0 * k) - moment(k).powi(2)).sqrt();
    let se = sd / (TRIALS as f64).sqrt();
    let got = monthly_mean(&summary, "base", "x", "shortfall_share", 35);
    assert!(
        (got - month_35).abs() <= K * se,
        "month 35: {got} vs {month_35} (se {se:.2e})"
    );
}

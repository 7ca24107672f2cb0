//! Analytic scenarios for how the disruption draws are clipped, shared and combined (SPEC 3):
//! a per-event severity clipped at both ends of [0, 1], a per-trial capacity factor clipped
//! below only (it may exceed 1) and shared by a project's targets, one success draw for a
//! mine and its refinery, incident outages and a project factor multiplying on one node, the
//! nominal throughput bound of an uncapped hub under a project factor, and online months at or
//! after the horizon or below 0. Each expected value is derived in closed form (or by
//! quadrature of a closed form) in a comment and asserted within K = 5 standard errors taken
//! from theory (an exact variance, or the binomial √(p(1 − p)/n)), quantiles within their
//! order-statistic bracket plus the histograms' 0.001; deterministic quantities to 1e-9. Each
//! comment names the plausible wrong implementation the test rules out and by how many
//! standard errors it would miss. Run in release mode:
//! `cargo test --release --test analytic_draws`.

mod common;

use common::closed_form::{self, K, L, integrate, outage_network};
use common::{assert_exact, assert_months_exact, row, run_text};
use supplyrisk::report::summary::Row;

/// Trials per random scenario.
const TRIALS: u64 = 20_000;
/// Trials for scenarios whose metrics are the same in every trial: a few suffice to show it.
const FEW_TRIALS: u64 = 500;
/// SPEC 5: quantiles read from histograms are within 0.001 for shares and reductions.
const QUANTILE_RESOLUTION: f64 = 1e-3;

/// Asserts a Monte Carlo mean lies within K standard errors of `expected`, the standard error
/// being `sd`/√n for a theoretical standard deviation `sd` (not the run's own).
fn assert_mean(row: &Row, expected: f64, sd: f64, what: &str) {
    let se = sd / (TRIALS as f64).sqrt();
    assert!(
        (row.mean - expected).abs() <= K * se + 1e-12,
        "{what}: mean {} vs {expected}: more than {K} standard errors ({se:.3e}) apart",
        row.mean
    );
}

/// Asserts `p_positive` lies within K binomial standard errors √(p(1 − p)/n) of `p`.
fn assert_p_positive(row: &Row, p: f64, what: &str) {
    let se = (p * (1.0 - p) / TRIALS as f64).sqrt();
    assert!(
        (row.p_positive - p).abs() <= K * se,
        "{what}: p_positive {} vs {p}: more than {K} standard errors ({se:.3e}) apart",
        row.p_positive
    );
}

/// [`closed_form::assert_quantile`] for a share or reduction of `TRIALS` trials (SPEC 5's
/// resolution).
fn assert_quantile(got: f64, q: f64, h_at: &dyn Fn(f64) -> f64, what: &str) {
    closed_form::assert_quantile(got, q, TRIALS, h_at, QUANTILE_RESOLUTION, what);
}

/// A CN mine (10 t/month, cost 1) and the PK mines in `pk_nodes` (with their edges to the US,
/// cost 0.5 so PK goes first), for 10 t/month of US demand over `horizon` months; `disruptions`
/// holds the PK processes. The baseline `without` disables `pk_*` (nodes and disruptions), so
/// its dependency_CN is 1 in every trial; in `with` CN supplies whatever PK does not, so the
/// reduction of dependency_CN is PK's delivered share of the demand.
fn pk_network(horizon: u32, pk_nodes: &str, disruptions: &str, variants: &str) -> String {
    format!(
        r#"
[scenario]
start = "2026-01"
horizon_months = {horizon}
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
id = "us"
kind = "market"
country = "US"
demand = {{ x = 120 }}

[[edge]]
from = "cn_mine"
to = "us"
cost = 1
{pk_nodes}
{disruptions}

[[variant]]
id = "without"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with"
{variants}
"#
    )
}

/// One PK mine of `capacity` t/yr with its edge to the US at cost 0.5.
fn pk_mine(id: &str, capacity: f64) -> String {
    format!(
        r#"
[[node]]
id = "{id}"
kind = "mine"
country = "PK"
capacity = {{ x = {capacity} }}

[[edge]]
from = "{id}"
to = "us"
cost = 0.5
"#
    )
}

// ---------------------------------------------------------------------------------------------
// G1. Severity: its whole distribution, clipped to [0, 1], drawn per event.

#[test]
fn severity_is_clipped_to_the_unit_interval_per_event() {
    // The outage network (dependency_CN in a month = CN's capacity multiplier averaged over
    // the month; the AU mine covers the rest, so independent_share = 1 − that average and
    // nothing is short) over 2 months (T = 2L days). 12 events/yr (λ' = 12/365.25 a day, so
    // λ'L = 1 and 2 events expected), each 5 days long (d), severity S = clip(uniform(−1, 2),
    // 0, 1) per event. SPEC 3 clips a severity draw to [0, 1] (validation only checks a
    // `fixed` value), so P(S = 0) = P(S = 1) = 1/3 and S is uniform on (0, 1) with density
    // 1/3 otherwise: E[S] = 1/3 + 1/6 = 1/2, E[(1 − S)²] = 1/3 + 1/9 = 4/9.
    //
    // p_positive of independent_share: it is positive iff some event has S > 0 (an event at
    // t < T overlaps the horizon for min(d, T − t) > 0 days). Those events are a thinned
    // Poisson process at (2/3)·12/yr, 4/3 expected over the run: P = 1 − e^(−4/3) = 0.736403,
    // binomial standard error 0.003115.
    //
    // Mean: the outages in progress at t are the events in A_t = (t − d, t] ∩ [0, ∞), Poisson
    // with mean λ'·min(t, d), with independent severities, and the multiplier is Π(1 − S_i):
    // E[m(t)] = exp(−λ' E[S] min(t, d)), and E[independent_share] = 1 − (1/T)∫_0^T E[m(t)] dt
    // = 0.075659. Variance, exactly: for t ≤ s the I = max(0, t − max(0, s − d)) days of
    // A_t ∩ A_s hold the events hitting both, so E[m(t)m(s)] = exp(−λ'(E[S](|A_t| + |A_s| − 2I)
    // + (1 − E[(1 − S)²]) I)); the covariance vanishes for s ≥ t + d, and Var = (2/T²)
    // ∫_0^T ∫_t^{min(T, t+d)} Cov(m(t), m(s)) ds dt: sd 0.070285, standard error 4.97e-4.
    //
    // Wrong implementations ruled out:
    // - one severity per trial: p_positive = (2/3)(1 − e^(−2)) = 0.576443 (51 SE off); mean
    //   1 − (1/T)∫ E_S[exp(−λ' S min(t, d))] = 0.073372 (4.6 SE: the mean alone would
    //   catch it only ~35% of the time at K = 5, the p_positive check is what rules it out);
    // - every severity replaced by its mean 1/2 (the clipped and the unclipped mean agree):
    //   p_positive = 1 − e^(−2) = 0.864665 (41 SE off; the mean is the same, E[0.5^N]);
    // - no upper clip (S up to 2, E[S] = 2/3: factors 1 − S in [−1, 1], whose products stay
    //   in [−1, 1], and 5-day outages keep a month's average positive): mean 0.099548 (48 SE);
    //   p_positive unchanged.
    let rate = 12.0 / 365.25;
    let d = 5.0;
    let t_end = 2.0 * L;
    let (mean_s, second) = (0.5, 5.0 / 9.0); // E[S] and 1 − E[(1 − S)²].
    let expected_m = |t: f64| (-rate * mean_s * t.min(d)).exp();
    let covariance = |t: f64, s: f64| {
        let overlap = (t - (s - d).max(0.0)).max(0.0);
        let exponent = mean_s * (t.min(d) + s.min(d) - 2.0 * overlap) + second * overlap;
        (-rate * exponent).exp() - expected_m(t) * expected_m(s)
    };
    let piecewise = |f: &dyn Fn(f64) -> f64, a: f64, b: f64, kinks: &[f64]| {
        let mut points = vec![a];
        points.extend(kinks.iter().copied().filter(|&k| k > a && k < b));
        points.push(b);
        points
            .windows(2)
            .map(|w| integrate(f, w[0], w[1]))
            .sum::<f64>()
    };
    let mean = 1.0 - piecewise(&expected_m, 0.0, t_end, &[d]) / t_end;
    let inner = |t: f64| piecewise(&|s| covariance(t, s), t, (t + d).min(t_end), &[d]);
    let variance = 2.0 * piecewise(&inner, 0.0, t_end, &[d, t_end - d]) / (t_end * t_end);
    assert!((mean - 0.075659).abs() < 1e-6, "closed form {mean}");
    assert!(
        (variance.sqrt() - 0.070285).abs() < 1e-6,
        "closed form {variance}"
    );

    let summary = run_text(
        &outage_network(
            2,
            r#"
[[disruption]]
id = "strikes"
kind = "incidents"
rate_per_year = 12.0
targets = ["cn_mine"]
severity = { dist = "uniform", min = -1.0, max = 2.0 }
duration_days = 5
"#,
        ),
        TRIALS,
        101,
        2,
    );
    let independent = row(&summary, "base", "x", "independent_share");
    assert_mean(independent, mean, variance.sqrt(), "clipped severity");
    assert_p_positive(
        independent,
        1.0 - (-4.0f64 / 3.0).exp(),
        "P(some event has a positive severity)",
    );
    // The AU mine covers every outage: nothing is short, and CN has the rest.
    assert_eq!(row(&summary, "base", "x", "shortfall_share").mean, 0.0);
    let dependency = row(&summary, "base", "x", "dependency_CN").mean;
    assert!((dependency + independent.mean - 1.0).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// G2. Capacity factor: clipped below only, drawn once per trial, shared by the targets.

#[test]
fn capacity_factor_is_clipped_at_zero_only_and_shared_by_the_targets() {
    // Two PK mines of 2.5 t/month each, both targets of one project online from month 0 with
    // success 1, no ramp, and capacity_factor F = max(0, X), X ~ uniform(−1, 2): SPEC 3 clips
    // a capacity factor to ≥ 0 only ("may exceed 1"), and validation only checks a `fixed`
    // value. PK then delivers 2·2.5·F = 5F ≤ 10 t/month, so the trial's reduction of
    // dependency_CN is R = F/2 in [0, 1]. F is 0 with probability 1/3, else uniform on (0, 2)
    // with density 1/3: E[F] = 2/3, E[F²] = 8/9, so E[R] = 1/3 and sd(R) = ½·√(8/9 − 4/9) =
    // 1/3 (standard error 0.002357); P(R > 0) = 2/3 (binomial standard error 0.003333);
    // R's quantile at level p is max(0, 3p − 1)/2: p5 = 0 exactly (a third of the trials have
    // exactly 0) and p95 = 0.925 (order-statistic bracket at K = 5 standard errors [0.9135, 0.9366],
    // ± 0.001).
    //
    // Wrong implementations ruled out:
    // - F capped at 1: E[min(F, 1)] = 1/6 + 1/3 = 1/2, mean 1/4 (35 SE off), p95 = 0.5;
    // - F drawn anew each month: R is the mean of 24 independent F_m/2, so p_positive ≈ 1
    //   (100 SE off) and p95 ≈ 1/3 + 1.645·(1/3)/√24 ≈ 0.445, p5 ≈ 0.22;
    // - F drawn per target: R = (F_1 + F_2)/4, the same mean, but p_positive = 1 − 1/9 = 8/9
    //   (67 SE off).
    let summary = run_text(
        &pk_network(
            24,
            &(pk_mine("pk_mine_a", 30.0) + &pk_mine("pk_mine_b", 30.0)),
            r#"
[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_mine_a", "pk_mine_b"]
online_month = 0
capacity_factor = { dist = "uniform", min = -1.0, max = 2.0 }
"#,
            "",
        ),
        TRIALS,
        102,
        2,
    );
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    assert_mean(reduction, 1.0 / 3.0, 1.0 / 3.0, "clipped capacity factor");
    assert_p_positive(reduction, 2.0 / 3.0, "P(capacity factor > 0)");
    assert_eq!(reduction.p5, 0.0, "p5: a third of the trials have F = 0");
    let r_at = |p: f64| (3.0 * p - 1.0).max(0.0) / 2.0;
    assert_quantile(reduction.p50, 0.5, &r_at, "reduction p50");
    assert_quantile(reduction.p95, 0.95, &r_at, "reduction p95");
    // The baseline never sees the project.
    assert_exact(&summary, "without", "x", "dependency_CN", 1.0);
}

// ---------------------------------------------------------------------------------------------
// G3. One success draw for all the targets of a project.

#[test]
fn a_mine_and_its_refinery_in_one_project_succeed_or_fail_together() {
    // A PK mine (5 t/month) feeds a PK refinery (5 t/month), which feeds the US (edges at cost
    // 0.25, so the PK route costs 0.5 < 1); both are targets of one project with success
    // probability 0.5, online from month 0, no ramp. SPEC 3: success is drawn once per trial
    // and shared by all the targets, so PK delivers 5 t/month in half the trials and nothing
    // in the others: the reduction R of dependency_CN is 1/2 or 0 with probability 1/2 each:
    // mean 1/4 with sd exactly 1/4 (standard error 0.001768), P(R > 0) = 1/2 (binomial
    // standard error 0.003536), p5 = 0 and p95 = 1/2.
    //
    // Wrong implementation ruled out: one success draw per target. The series route then
    // works only when both succeed (probability 1/4): mean 1/8 (71 SE off), p_positive 1/4
    // (71 SE off). (A failed refinery blocks a successful mine: neither can deliver alone.)
    let summary = run_text(
        &pk_network(
            24,
            r#"
[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = { x = 60 }

[[node]]
id = "pk_refinery"
kind = "refinery"
country = "PK"
capacity = { x = 60 }

[[edge]]
from = "pk_mine"
to = "pk_refinery"
cost = 0.25

[[edge]]
from = "pk_refinery"
to = "us"
cost = 0.25
"#,
            r#"
[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_mine", "pk_refinery"]
success_probability = 0.5
online_month = 0
"#,
            "",
        ),
        TRIALS,
        103,
        2,
    );
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    assert_mean(reduction, 0.25, 0.25, "shared success draw");
    assert_p_positive(reduction, 0.5, "P(the project succeeds)");
    assert_eq!(reduction.p5, 0.0);
    assert!(
        (reduction.p95 - 0.5).abs() <= QUANTILE_RESOLUTION,
        "p95 {} vs 0.5",
        reduction.p95
    );
}

// ---------------------------------------------------------------------------------------------
// G6. Incident outages and a project factor on the same node multiply.

#[test]
fn incident_outages_and_a_project_factor_on_one_node_multiply() {
    // One month (T = L days). A PK mine of 10 t/month (cost 0.5) is the target of a project
    // online from month 0 with capacity_factor 0.5 (success 1, no ramp) and of incidents at
    // 12/yr with severity 1 and duration 1000 days, so the first event, at τ, shuts it for the
    // rest of the run: its incident multiplier is 1 before τ and 0 after, and λ'L = 1 makes
    // τ/L ~ Exp(1). Its month-0 average is X = min(τ/L, 1). SPEC 3: project factors "multiply
    // that average", so PK delivers 10 × 0.5 × X and the reduction of dependency_CN is
    // R = X/2. With P(X > x) = e^(−x) on [0, 1): E[X] = 1 − 1/e, E[X²] = ∫_0^1 2x e^(−x) dx =
    // 2(1 − 2/e): mean 0.316060, sd ½·√(2(1 − 2/e) − (1 − 1/e)²) = 0.179513 (standard error
    // 0.001269); R's quantile at level p is ½·min(−ln(1 − p), 1): p5 = 0.025647, p50 =
    // ½ ln 2 = 0.346574, p95 = 1/2 (X = 1 with probability 1/e).
    //
    // Wrong implementations ruled out:
    // - the lesser of the two multipliers (min(0.5, X)): mean ∫_0^½ e^(−x) dx = 1 − e^(−½) =
    //   0.393469 (61 SE off), p50 = ½ (far outside its bracket);
    // - the project factor overwriting the incidents' average: R = 1/2 always (145 SE off);
    // - the incidents' average overwriting the project factor: R = X, mean 0.632 (249 SE).
    let summary = run_text(
        &pk_network(
            1,
            &pk_mine("pk_mine", 120.0),
            r#"
[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_mine"]
online_month = 0
capacity_factor = 0.5

[[disruption]]
id = "pk_strikes"
kind = "incidents"
rate_per_year = 12.0
targets = ["pk_mine"]
severity = 1.0
duration_days = 1000
"#,
            "",
        ),
        TRIALS,
        106,
        2,
    );
    let e = std::f64::consts::E;
    let mean = 0.5 * (1.0 - 1.0 / e);
    let sd = 0.5 * (2.0 * (1.0 - 2.0 / e) - (1.0 - 1.0 / e).powi(2)).sqrt();
    let reduction = row(&summary, "reduction:with", "x", "dependency_CN");
    assert_mean(reduction, mean, sd, "project × incidents");
    let r_at = |p: f64| 0.5 * (-(1.0 - p).ln()).min(1.0);
    assert_quantile(reduction.p5, 0.05, &r_at, "reduction p5");
    assert_quantile(reduction.p50, 0.5, &r_at, "reduction p50");
    assert_quantile(reduction.p95, 0.95, &r_at, "reduction p95");
}

// ---------------------------------------------------------------------------------------------
// G11. The nominal throughput bound of an uncapped hub under a project factor.

#[test]
fn an_uncapped_hub_under_a_project_factor_is_bounded_by_its_nominal_bound() {
    // Two PK mines feed an uncapped PK hub, which feeds the US (the PK edges cost 0.25 each,
    // so the PK route costs 0.5 < 1 and is used to the full): mine a (120 t/yr) through an
    // edge capped at 96 t/yr, mine b (24 t/yr) through an uncapped edge. Two projects online
    // from month 0 (success 1, no ramp): `pk_mine_project` (factor 0.5 on mine a) and
    // `pk_hub_project` (factor 0.5 on the hub). SPEC 3: a multiplier on an uncapped element
    // applies to its nominal throughput bound, "computed once per variant from nominal
    // (unmultiplied) capacities": edge a's bound is min(96, 120) = 96, edge b's 24, the hub's
    // 96 + 24 = 120 t/yr, so the hub passes at most 0.5 × 120/12 = 5 t/month. Into it come
    // min(0.5 × 120, 96)/12 + 24/12 = 7 t/month, so PK delivers 5 of the 10 t/month:
    // dependency_CN = 1/2 in every month and the reduction is exactly 1/2.
    // - `hub_project_off` disables the hub's project only, so the hub runs at nominal and
    //   (multiplier 1) stays uncapped: PK delivers the 7 t/month, reduction exactly 0.7.
    // - `smaller_mine` sets mine a's capacity to 60 t/yr: the bound, recomputed for that
    //   variant, is min(96, 60) + 24 = 84 t/yr, so the hub passes 0.5 × 84/12 = 3.5 t/month
    //   of the 0.5 × 60/12 + 2 = 4.5 coming in: reduction exactly 0.35.
    // Wrong implementations ruled out (deterministic, so any of them fails exactly):
    // - the bound from multiplied capacities (mine a at 60): (60 + 24) × 0.5/12 = 3.5 t/month,
    //   reduction 0.35 instead of 0.5;
    // - the multiplier ignored on an uncapped hub: 7 t/month, 0.7;
    // - an uncapped incoming edge counted as 0 in the sum: 96 × 0.5/12 = 4, 0.4;
    // - edge capacities left out of the bound (120 + 24): 6 t/month, 0.6;
    // - the bound computed once from the file for every variant: `smaller_mine` at 4.5
    //   coming in against a bound of 5, 0.45 instead of 0.35.
    let pk_nodes = r#"
[[node]]
id = "pk_mine_a"
kind = "mine"
country = "PK"
capacity = { x = 120 }

[[node]]
id = "pk_mine_b"
kind = "mine"
country = "PK"
capacity = { x = 24 }

[[node]]
id = "pk_hub"
kind = "hub"
country = "PK"

[[edge]]
from = "pk_mine_a"
to = "pk_hub"
capacity = 96
cost = 0.25

[[edge]]
from = "pk_mine_b"
to = "pk_hub"
cost = 0.25

[[edge]]
from = "pk_hub"
to = "us"
cost = 0.25
"#;
    let projects = r#"
[[disruption]]
id = "pk_mine_project"
kind = "project"
targets = ["pk_mine_a"]
online_month = 0
capacity_factor = 0.5

[[disruption]]
id = "pk_hub_project"
kind = "project"
targets = ["pk_hub"]
online_month = 0
capacity_factor = 0.5
"#;
    let variants = r#"
[[variant]]
id = "hub_project_off"
disable = ["disruption:pk_hub_project"]

[[variant]]
id = "smaller_mine"
[variant.set]
"pk_mine_a.capacity.x" = 60
"#;
    let summary = run_text(
        &pk_network(12, pk_nodes, projects, variants),
        FEW_TRIALS,
        111,
        2,
    );
    assert_exact(&summary, "without", "x", "dependency_CN", 1.0);
    assert_exact(&summary, "with", "x", "dependency_CN", 0.5);
    assert_exact(&summary, "reduction:with", "x", "dependency_CN", 0.5);
    assert_months_exact(&summary, "with", 0..12, 0.5);
    assert_exact(
        &summary,
        "reduction:hub_project_off",
        "x",
        "dependency_CN",
        0.7,
    );
    assert_exact(
        &summary,
        "reduction:smaller_mine",
        "x",
        "dependency_CN",
        0.35,
    );
    for variant in ["with", "hub_project_off", "smaller_mine"] {
        assert_exact(&summary, variant, "x", "shortfall_share", 0.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Online months at or after the horizon, and below 0.

/// A PK mine of 5 t/month built by `pk_project` (whose keys are `project`), 24 months: the
/// reduction of dependency_CN is Σ_m share_m/48, share_m being the project's multiplier.
fn online_network(project: &str, variants: &str) -> String {
    pk_network(
        24,
        &pk_mine("pk_mine", 60.0),
        &format!(
            r#"
[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_mine"]
{project}
"#
        ),
        variants,
    )
}

#[test]
fn an_online_month_at_or_after_the_horizon_never_contributes() {
    // Horizon 24 months (0..23), success 1, no ramp, factor 1. SPEC 3: online from o =
    // floor(online_month), so an online month of 24 (`with`) or 1000 (`far_after`) leaves the
    // PK mine at 0 in every month: reduction exactly 0 (sd 0, p_positive 0) and dependency_CN
    // exactly 1 in every month. 23.5 (`last_month`) puts it online in month 23 only:
    // reduction exactly 1/48, month 23's dependency_CN exactly 1/2.
    // `drawn`: online_month ~ uniform(20, 30), so o is uniform on 20..29 and the reduction is
    // (24 − o)⁺/48: 4/48, 3/48, 2/48, 1/48 with probability 0.1 each, else 0. Mean 10/480 =
    // 1/48 = 0.020833, E[R²] = 30/(10·48²), sd √2/48 = 0.029463 (standard error 2.08e-4);
    // P(R > 0) = 0.4 (binomial standard error 0.003464); p5 = 0, p95 = 4/48 (levels above 0.9
    // all hold 4/48, and the bracket 0.95 ± 0.0077 at K = 5 stays there).
    // Wrong implementations ruled out: an online month at or past the horizon clamped to the
    // last month (horizon − 1): `with` and `far_after` at 1/48 instead of 0, and `drawn` with
    // p_positive 1 (173 SE off) and mean 1.6/48 (60 SE off); an index past the horizon
    // wrapping around or panicking.
    let summary = run_text(
        &online_network(
            "online_month = 24",
            r#"
[[variant]]
id = "far_after"
[variant.set]
"pk_project.online_month" = 1000

[[variant]]
id = "last_month"
[variant.set]
"pk_project.online_month" = 23.5

[[variant]]
id = "drawn"
[variant.set]
"pk_project.online_month" = { dist = "uniform", min = 20.0, max = 30.0 }
"#,
        ),
        TRIALS,
        121,
        2,
    );
    for variant in ["with", "far_after"] {
        assert_exact(
            &summary,
            &format!("reduction:{variant}"),
            "x",
            "dependency_CN",
            0.0,
        );
        let reduction = row(
            &summary,
            &format!("reduction:{variant}"),
            "x",
            "dependency_CN",
        );
        assert_eq!(reduction.p_positive, 0.0, "{variant}: p_positive");
        assert_months_exact(&summary, variant, 0..24, 1.0);
    }
    assert_exact(
        &summary,
        "reduction:last_month",
        "x",
        "dependency_CN",
        1.0 / 48.0,
    );
    assert_months_exact(&summary, "last_month", 0..23, 1.0);
    assert_months_exact(&summary, "last_month", 23..24, 0.5);

    let drawn = row(&summary, "reduction:drawn", "x", "dependency_CN");
    assert_mean(
        drawn,
        1.0 / 48.0,
        2f64.sqrt() / 48.0,
        "drawn late online month",
    );
    assert_p_positive(drawn, 0.4, "P(online before the horizon)");
    assert_eq!(drawn.p5, 0.0);
    assert!(
        (drawn.p95 - 4.0 / 48.0).abs() <= QUANTILE_RESOLUTION,
        "p95 {} vs 4/48",
        drawn.p95
    );
}

#[test]
fn a_negative_online_month_draw_is_part_way_up_the_ramp_at_the_start() {
    // online_month ~ uniform(−3, −2), ramp_months 6, success 1, factor 1. Validation checks
    // only a plain or `fixed` online month against ≥ 0; a draw is not clipped (SPEC 3 lists no
    // clipping for it; docs/scenario-format.md 2.1: "a negative draw means the targets were
    // already online (and part-way up their ramp) before the horizon starts"). So o =
    // floor(draw) = −3 in every trial, and the share in month m is clamp((m + 4)/6, 0, 1):
    // 4/6 in month 0, 5/6 in month 1, 1 from month 2. Deterministic: dependency_CN is exactly
    // 1 − 1/3 = 2/3 in month 0, 1 − 5/12 = 7/12 in month 1, 1/2 after; the reduction is
    // exactly (4/6 + 5/6 + 22)/48 = 23.5/48 = 0.489583. `step` sets ramp_months to 0: full
    // output from month 0, reduction exactly 1/2.
    // Wrong implementations ruled out: the draw clipped to 0 (month 0 at 1 − 1/12 = 11/12,
    // reduction 21.5/48 = 0.447917); the ramp restarted at month 0 when o < 0 (the same);
    // a negative o read as "never online" (reduction 0).
    let summary = run_text(
        &online_network(
            r#"online_month = { dist = "uniform", min = -3.0, max = -2.0 }
ramp_months = 6"#,
            r#"
[[variant]]
id = "step"
[variant.set]
"pk_project.ramp_months" = 0
"#,
        ),
        FEW_TRIALS,
        122,
        2,
    );
    assert_exact(
        &summary,
        "reduction:with",
        "x",
        "dependency_CN",
        23.5 / 48.0,
    );
    assert_months_exact(&summary, "with", 0..1, 2.0 / 3.0);
    assert_months_exact(&summary, "with", 1..2, 7.0 / 12.0);
    assert_months_exact(&summary, "with", 2..24, 0.5);
    assert_exact(&summary, "reduction:step", "x", "dependency_CN", 0.5);
    assert_months_exact(&summary, "step", 0..24, 0.5);
}

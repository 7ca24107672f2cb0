//! Closed-form helpers shared by the analytic tests: a two-mine network whose dependency is
//! CN's capacity multiplier, month averages of an expected multiplier, Markov propagation, the
//! bracket of a sample quantile.

/// Days in a model month.
pub const L: f64 = 30.4375;
/// Standard errors of tolerance. A correct implementation fails one assertion with
/// probability P(|Z| > 5) = 5.7e-7; the analytic tests make about 125 such assertions, so
/// together they raise a false alarm with probability below 1e-4 (7e-5) whenever a change
/// re-draws their random numbers. (Their seeds are fixed: a given build passes or fails
/// every time.) With the unit tests of the samplers (`model::distribution`, 5.3 standard
/// errors and Kolmogorov–Smirnov at α = 1e-6) and of the streams (`engine::stream`), the
/// whole suite's budget is about 1.1e-4. Before (K = 4, the samplers' checks at 4.5 standard
/// errors and KS at α = 1e-4) it was about 1.2e-2, the analytic tests alone 7.9e-3.
pub const K: f64 = 5.0;

/// A CN mine whose capacity equals US demand (10 t/month) and a costlier AU mine with plenty:
/// the US takes all it can from CN, so dependency_CN in month m is CN's capacity multiplier, and
/// the trial's dependency is the mean multiplier over the months.
pub fn outage_network(horizon: u32, disruptions: &str) -> String {
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
id = "au_mine"
kind = "mine"
country = "AU"
capacity = {{ x = 1200 }}

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
from = "au_mine"
to = "us"
cost = 5
{disruptions}
"#
    )
}

/// Composite Simpson integration of a smooth function on [a, b].
pub fn integrate(f: &dyn Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let n = 2000;
    let h = (b - a) / n as f64;
    let mut sum = f(a) + f(b);
    for i in 1..n {
        let x = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// Mean over month m of E[multiplier(t)], integrating piecewise around the kinks in `kinks`.
pub fn month_average(expected: &dyn Fn(f64) -> f64, m: usize, kinks: &[f64]) -> f64 {
    let (a, b) = (m as f64 * L, (m + 1) as f64 * L);
    let mut points = vec![a];
    points.extend(kinks.iter().copied().filter(|&k| k > a && k < b));
    points.push(b);
    points
        .windows(2)
        .map(|w| integrate(expected, w[0], w[1]))
        .sum::<f64>()
        / L
}

/// π_m = π_0 · P^m, by direct multiplication.
pub fn propagate(initial: &[f64], transitions: &[Vec<f64>], months: usize) -> Vec<Vec<f64>> {
    let mut out = vec![initial.to_vec()];
    for _ in 1..months {
        let last = out.last().expect("non-empty");
        let next = (0..initial.len())
            .map(|j| {
                (0..initial.len())
                    .map(|i| last[i] * transitions[i][j])
                    .sum()
            })
            .collect();
        out.push(next);
    }
    out
}

/// Asserts a nearest-rank sample quantile `got` of `n` trials of a variable h(X), h
/// non-decreasing, lies where the ⌈q·n⌉-th order statistic can be: h at X's quantiles of
/// levels q ± K·√(q(1 − q)/n) (the order statistic's level is Beta(⌈qn⌉, n + 1 − ⌈qn⌉), sd
/// √(q(1 − q)/n)), widened by the histogram's `resolution`. `h_at` maps a probability level to
/// h of X's quantile there.
pub fn assert_quantile(
    got: f64,
    q: f64,
    n: u64,
    h_at: &dyn Fn(f64) -> f64,
    resolution: f64,
    what: &str,
) {
    let spread = K * (q * (1.0 - q) / n as f64).sqrt();
    let (low, high) = (
        h_at((q - spread).max(0.0)) - resolution,
        h_at((q + spread).min(1.0)) + resolution,
    );
    assert!(
        low <= got && got <= high,
        "{what}: {got} outside [{low}, {high}]"
    );
}

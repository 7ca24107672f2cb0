//! Analytic scenarios for rules the other analytic files leave open: a regime's joint law over
//! the months (not only its monthly marginals), which edges a regime effect touches (inside the
//! exporter's country, through a third-country hub, under two regimes at once), paired
//! reductions against a random baseline, months with zero demand, stock refill after every
//! market's demand, origin mixing at a hub, one growth draw for all of a market's commodities,
//! a stock cap that rises with demand, origins with several countries and the market's own,
//! growth clipped at −1, one outage for all of a shared node's commodities, the mix of the
//! tonnes that meet demand when others refill a stock, and markets of equal priority competing
//! by cost. Each expected value is derived in closed form in a
//! comment, which also names the wrong implementation the test rules out; deterministic cases
//! are asserted exactly (or to 1e-9), random ones within K = 5 standard errors from theory. Run
//! them in release mode: `cargo test --release --test analytic_rules`.

mod common;

use std::sync::atomic::AtomicU64;

use common::closed_form::{K, outage_network};
use common::{assert_exact, model, monthly_mean, row, run_text};
use supplyrisk::engine::plan::Plan;
use supplyrisk::engine::run::{RunSettings, run};
use supplyrisk::engine::trial::layout;

/// Trials of every scenario. The deterministic ones would need only a few (every trial is the
/// same), but the run takes well under a second either way, and sd 0 over 20000 trials also
/// shows that no trial strays.
const TRIALS: u64 = 20_000;

/// Asserts a Monte Carlo estimate is within `K` theoretical standard errors of `expected`.
fn assert_within(got: f64, expected: f64, se: f64, what: &str) {
    assert!(
        (got - expected).abs() <= K * se,
        "{what}: {got} vs expected {expected}: error {:.3e} exceeds {K} standard errors ({se:.3e})",
        (got - expected).abs()
    );
}

/// A deterministic regime with one state per month, `m0`, `m1`, …: month i is always in state
/// `m<i>` (initial `m0`, each row moving to the next state, the last absorbing), and `effect`
/// (the keys of a `[[disruption.effect]]` table after `state`) applies in the months marked
/// in `cut`.
fn scripted_regime(id: &str, cut: &[bool], effect: &str) -> String {
    let n = cut.len();
    let states: Vec<String> = (0..n).map(|i| format!("\"m{i}\"")).collect();
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let next = (i + 1).min(n - 1);
            let row: Vec<&str> = (0..n)
                .map(|j| if j == next { "1.0" } else { "0.0" })
                .collect();
            format!("[{}]", row.join(", "))
        })
        .collect();
    let mut text = format!(
        "\n[[disruption]]\nid = \"{id}\"\nkind = \"regime\"\nstates = [{}]\n\
         initial = \"m0\"\ntransitions = [{}]\n",
        states.join(", "),
        rows.join(", ")
    );
    for (i, _) in cut.iter().enumerate().filter(|(_, c)| **c) {
        text.push_str(&format!(
            "[[disruption.effect]]\nstate = \"m{i}\"\n{effect}\n"
        ));
    }
    text
}

/// A regime stuck in `on` for the whole horizon, with the given effect keys in `on`.
fn constant_regime(id: &str, effect: &str) -> String {
    format!(
        r#"
[[disruption]]
id = "{id}"
kind = "regime"
states = ["off", "on"]
initial = "on"
transitions = [[1.0, 0.0], [0.0, 1.0]]
[[disruption.effect]]
state = "on"
{effect}
"#
    )
}

// ---------------------------------------------------------------------------------------------
// 1. A regime's joint law over the months.
// ---------------------------------------------------------------------------------------------

/// The law of the number of `ban` months among the first `months` of a 2-state chain starting
/// in `open` (state 0) in month 0, by dynamic programming over (state, count): entry k is
/// P(N = k).
fn ban_month_law(transitions: [[f64; 2]; 2], months: usize) -> Vec<f64> {
    // p[s][k]: P(month m's state is s and k ban months so far, month m included).
    let mut p = vec![vec![0.0; months + 1]; 2];
    p[0][0] = 1.0;
    for _ in 1..months {
        let mut next = vec![vec![0.0; months + 1]; 2];
        for (from, counts) in p.iter().enumerate() {
            for (k, &mass) in counts.iter().enumerate() {
                next[0][k] += mass * transitions[from][0];
                if k < months {
                    next[1][k + 1] += mass * transitions[from][1];
                }
            }
        }
        p = next;
    }
    (0..=months).map(|k| p[0][k] + p[1][k]).collect()
}

#[test]
fn regime_paths_follow_the_chain_not_the_monthly_marginals() {
    // A CN mine of 10 t/month is the US's only supplier (demand 10 t/month), 12 months. The
    // regime starts in `open` (month 0's state is `initial` itself, SPEC 3: "month 0's state is
    // drawn from `initial`"), P = [[0.9, 0.1], [0.3, 0.7]], and `ban` cuts CN's exports to 0.
    // A ban month is wholly short (ratio 1 > 0.10), an open month not at all, so with N the
    // number of ban months: shortfall_share = N/12, shortage_months = N, worst month = 1{N ≥ 1},
    // shortfall_exceeds_threshold = 1{N/12 > 0.1} = 1{N ≥ 2}.
    //
    // These are path functionals. P(N = 0) = P(open in months 1..11 | open in 0) = 0.9^11 =
    // 0.313811, so p_positive(shortfall_share) = mean(worst_month_shortfall) = 0.686189
    // (binomial SE √(p(1 − p)/n) = 0.00328). The law of N by DP over (state, count):
    // P(N ≥ 2) = 0.535095 (SE 0.00353), E[N] = 2.376360, sd(N) = 2.444776 (fourth central
    // moment 119.926: the sample sd's SE √((μ4 − σ⁴)/(4σ²n)) = 0.01327).
    //
    // Ruled out:
    // - months drawn independently from their marginals π_m(open) = 0.75 + 0.25·0.6^m (which
    //   `two_state_regime_follows_the_markov_chain` cannot see): P(N = 0) = Π π_m(open) =
    //   0.067572, p_positive 0.932428 (75 SE off); P(N ≥ 2) = 0.724698 (54 SE); sd(N) =
    //   1.356659 (82 SE); E[N] is the same, as it must be;
    // - month 0 drawn after one transition from `initial`: p_positive 1 − 0.9^12 = 0.717570
    //   (9.6 SE off).
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
capacity = { x = 120 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }

[[edge]]
from = "cn_mine"
to = "us"

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
"#;
    let summary = run_text(text, TRIALS, 23, 2);
    let n = TRIALS as f64;
    let law = ban_month_law([[0.9, 0.1], [0.3, 0.7]], 12);
    assert!(
        (law[0] - 0.9f64.powi(11)).abs() < 1e-12,
        "P(N = 0) = {}",
        law[0]
    );
    let binomial_se = |p: f64| (p * (1.0 - p) / n).sqrt();

    let any = 1.0 - law[0];
    let shortfall = row(&summary, "base", "x", "shortfall_share");
    assert_within(
        shortfall.p_positive,
        any,
        binomial_se(any),
        "P(at least one ban month)",
    );
    let worst = row(&summary, "base", "x", "worst_month_shortfall");
    assert_within(
        worst.mean,
        any,
        binomial_se(any),
        "mean worst month = P(N ≥ 1)",
    );

    let two_or_more: f64 = law[2..].iter().sum();
    assert!((two_or_more - 0.535095).abs() < 1e-6);
    let serious = row(&summary, "base", "x", "shortfall_exceeds_threshold");
    assert_within(
        serious.mean,
        two_or_more,
        binomial_se(two_or_more),
        "P(N ≥ 2)",
    );

    let mean: f64 = law.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
    let central = |j: i32| -> f64 {
        law.iter()
            .enumerate()
            .map(|(k, p)| (k as f64 - mean).powi(j) * p)
            .sum()
    };
    let (variance, fourth) = (central(2), central(4));
    let months = row(&summary, "base", "x", "shortage_months");
    assert_within(
        months.mean,
        mean,
        (variance / n).sqrt(),
        "E[N] (shortage months)",
    );
    let sd_se = ((fourth - variance * variance) / (4.0 * variance * n)).sqrt();
    assert_within(months.sd, variance.sqrt(), sd_se, "sd(N) (shortage months)");
    // Shares and counts agree trial by trial: shortfall_share = N/12.
    assert!((shortfall.mean - months.mean / 12.0).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// 2. Which edges an effect touches.
// ---------------------------------------------------------------------------------------------

#[test]
fn edges_inside_the_exporter_country_are_untouched() {
    // CN mine (20 t/month) → CN refinery (20 t/month) → US (demand 12 t/month), the
    // mine→refinery edge capped at 16 t/month (192 t/yr), the export edge at 20 t/month; a
    // costlier AU mine (cost 5) backs the US up. A regime held in `on` multiplies CN's exports
    // by 0.5. SPEC 3: an effect touches "edges whose from-node is in this country and to-node
    // is not", so only refinery→US is cut, to 10 t/month; the internal edge keeps 16.
    //   `controls`: CN delivers min(16, 10) = 10 t of 12: dependency_CN = 10/12 = 0.833333,
    //     independent_share 2/12 = 0.166667 (AU), in every month and trial;
    //   `free` (regime disabled): min(16, 20) = 12: dependency_CN = 1; the paired reduction of
    //     dependency_CN is 10/12 − 1 = −0.166667.
    // Touching every edge out of a CN node (ignoring "to-node is not") cuts the internal edge
    // to 8 t/month too: dependency_CN = 8/12 = 0.666667 under `controls`.
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
capacity = { x = 240 }

[[node]]
id = "cn_refinery"
kind = "refinery"
country = "CN"
capacity = { x = 240 }

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 1200 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 144 }

[[edge]]
from = "cn_mine"
to = "cn_refinery"
capacity = 192
cost = 0.5

[[edge]]
from = "cn_refinery"
to = "us"
capacity = 240
cost = 0.5

[[edge]]
from = "au_mine"
to = "us"
cost = 5
"#
    .to_string()
        + &constant_regime("controls", "exporter = \"CN\"\nfactor = 0.5")
        + r#"
[[variant]]
id = "controls"
baseline = true

[[variant]]
id = "free"
disable = ["controls"]
"#;
    let summary = run_text(&text, TRIALS, 3, 2);
    assert_exact(&summary, "controls", "x", "dependency_CN", 10.0 / 12.0);
    assert_exact(&summary, "controls", "x", "independent_share", 2.0 / 12.0);
    assert_exact(&summary, "controls", "x", "shortfall_share", 0.0);
    assert_exact(&summary, "free", "x", "dependency_CN", 1.0);
    assert_exact(
        &summary,
        "reduction:free",
        "x",
        "dependency_CN",
        10.0 / 12.0 - 1.0,
    );
}

#[test]
fn transshipment_through_a_third_country_escapes_an_importers_filter() {
    // CN mine (10 t/month) → SG hub → US (demand 10 t/month), each edge cost 0.5; AU (cost 5)
    // backs the US up directly. Two regimes, each held in `on` all horizon, ban CN exports:
    // `us_ban` with importers = ["US"], `sg_ban` with importers = ["SG"]. Per SPEC 3 an
    // effect touches an edge whose from-node is in CN, whose to-node is not, and (with
    // `importers`) whose to-node is in one of them. CN→SG goes to SG, not the US; SG→US does
    // not leave CN (scenario-format.md 3.4: "The route escapes the effect").
    //   `us_ban_only` (the baseline, `sg_ban` disabled): nothing touched: dependency_CN = 1;
    //   `sg_ban_only`: CN→SG cut to 0: AU serves all, dependency_CN = 0, independent 1;
    //   reduction of dependency_CN = 1 − 0 = 1.
    // An effect applied by origin (any flow of CN origin delivered to a US market, or any edge
    // into the US on a path from CN) gives 0 under `us_ban_only`; one that ignores `importers`
    // gives 0 too.
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
id = "sg_hub"
kind = "hub"
country = "SG"

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 1200 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }

[[edge]]
from = "cn_mine"
to = "sg_hub"
cost = 0.5

[[edge]]
from = "sg_hub"
to = "us"
cost = 0.5

[[edge]]
from = "au_mine"
to = "us"
cost = 5
"#
    .to_string()
        + &constant_regime(
            "us_ban",
            "exporter = \"CN\"\nimporters = [\"US\"]\nfactor = 0.0",
        )
        + &constant_regime(
            "sg_ban",
            "exporter = \"CN\"\nimporters = [\"SG\"]\nfactor = 0.0",
        )
        + r#"
[[variant]]
id = "us_ban_only"
baseline = true
disable = ["sg_ban"]

[[variant]]
id = "sg_ban_only"
disable = ["us_ban"]
"#;
    let summary = run_text(&text, TRIALS, 3, 2);
    assert_exact(&summary, "us_ban_only", "x", "dependency_CN", 1.0);
    assert_exact(&summary, "us_ban_only", "x", "independent_share", 0.0);
    assert_exact(&summary, "sg_ban_only", "x", "dependency_CN", 0.0);
    assert_exact(&summary, "sg_ban_only", "x", "independent_share", 1.0);
    assert_exact(&summary, "reduction:sg_ban_only", "x", "dependency_CN", 1.0);
    for m in [0, 5] {
        assert_eq!(
            monthly_mean(&summary, "us_ban_only", "x", "dependency_CN", m),
            1.0
        );
    }
}

#[test]
fn effects_of_two_regimes_on_one_edge_multiply() {
    // `outage_network`: CN mine of 10 t/month, US demand 10 t/month, costlier AU backup; the
    // CN→US edge is uncapped, so a factor applies to its nominal bound, the mine's 10 t/month
    // (SPEC 3), and month m's dependency_CN is the edge's multiplier. Two regimes, both held
    // in `on`: `tariffs` (exporter CN, 0.5) and `licensing` (exporter CN, importers US, 0.6).
    // SPEC 3: "Effects of different processes on the same node or edge multiply":
    //   both: 0.5 × 0.6 = 0.3; `tariffs_only`: 0.5; `licensing_only`: 0.6, exactly;
    //   reductions against `both`: 0.3 − 0.5 = −0.2 and 0.3 − 0.6 = −0.3.
    // Ruled out: min (0.5), max or last-wins (0.6), first-wins (0.5), adding the cuts
    // (1 − 0.5 − 0.4 = 0.1).
    let regimes = constant_regime("tariffs", "exporter = \"CN\"\nfactor = 0.5")
        + &constant_regime(
            "licensing",
            "exporter = \"CN\"\nimporters = [\"US\"]\nfactor = 0.6",
        )
        + r#"
[[variant]]
id = "both"
baseline = true

[[variant]]
id = "tariffs_only"
disable = ["licensing"]

[[variant]]
id = "licensing_only"
disable = ["tariffs"]
"#;
    let summary = run_text(&outage_network(6, &regimes), TRIALS, 3, 2);
    assert_exact(&summary, "both", "x", "dependency_CN", 0.3);
    assert_exact(&summary, "both", "x", "independent_share", 0.7);
    assert_exact(&summary, "tariffs_only", "x", "dependency_CN", 0.5);
    assert_exact(&summary, "licensing_only", "x", "dependency_CN", 0.6);
    assert_exact(
        &summary,
        "reduction:tariffs_only",
        "x",
        "dependency_CN",
        -0.2,
    );
    assert_exact(
        &summary,
        "reduction:licensing_only",
        "x",
        "dependency_CN",
        -0.3,
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Pairing with a random baseline.
// ---------------------------------------------------------------------------------------------

#[test]
fn paired_reductions_against_a_random_baseline_are_exact() {
    // US demand 10 t/month. An AU mine (6 t/month, cost 1) suffers incidents (6/yr, severity
    // 1, 20 days) drawn over targets [au_mine, za_mine] with equal weights; CN (20 t/month,
    // cost 5) supplies the rest; ZA (10 t/month, cost 10) is never needed, CN covering
    // everything AU lacks. A fixed BR mine (4 t/month, cost 2, no disruption) is disabled in
    // the baseline. With a_m AU's month-m multiplier (random):
    //   `base`: CN delivers 10 − 6a_m ≥ 4: dependency_CN = 1 − 0.6·ā, random (sd > 0);
    //   `with_br`: AU, then BR's 4, then CN: 10 − 6a_m − 4 ≥ 0, dependency_CN = 0.6 − 0.6·ā;
    //     the paired reduction is exactly 0.4 in every trial (sd 0, p5 = p95 = 0.4), and that
    //     of independent_share exactly −0.4.
    //   `without_za` (ZA disabled too): SPEC 3 "an event that hits a disabled target does
    //     nothing", and events still draw from the full list, so AU sees the same events:
    //     reduction exactly 0 in every trial (sd 0).
    // Ruled out: variants not sharing the trial's draws (the reduction's sd is then about √2 ×
    // the baseline's 0.035, ≈ 0.05, not 0); events of a disabled target moved to the others
    // (AU hit at 6/yr instead of 3/yr in `without_za`: reduction mean ≈ −0.6·(e^(−3·20/365.25)
    // − e^(−6·20/365.25)) ≈ −0.07, sd > 0); the target redrawn among the enabled ones with the
    // same uniform (likewise).
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 24
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 72 }

[[node]]
id = "br_mine"
kind = "mine"
country = "BR"
capacity = { x = 48 }

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 240 }

[[node]]
id = "za_mine"
kind = "mine"
country = "ZA"
capacity = { x = 120 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }

[[edge]]
from = "au_mine"
to = "us"
cost = 1

[[edge]]
from = "br_mine"
to = "us"
cost = 2

[[edge]]
from = "cn_mine"
to = "us"
cost = 5

[[edge]]
from = "za_mine"
to = "us"
cost = 10

[[disruption]]
id = "unrest"
kind = "incidents"
rate_per_year = 6.0
targets = ["au_mine", "za_mine"]
severity = 1.0
duration_days = 20

[[variant]]
id = "base"
baseline = true
disable = ["br_mine"]

[[variant]]
id = "with_br"

[[variant]]
id = "without_za"
disable = ["br_mine", "za_mine"]
"#;
    let summary = run_text(text, TRIALS, 29, 2);
    let baseline = row(&summary, "base", "x", "dependency_CN");
    assert!(
        baseline.sd > 0.01,
        "the baseline must be random: sd {}",
        baseline.sd
    );
    assert_exact(&summary, "reduction:with_br", "x", "dependency_CN", 0.4);
    assert_exact(
        &summary,
        "reduction:with_br",
        "x",
        "independent_share",
        -0.4,
    );
    let reduction = row(&summary, "reduction:with_br", "x", "dependency_CN");
    assert!((reduction.p5 - 0.4).abs() < 1e-3 && (reduction.p95 - 0.4).abs() < 1e-3);
    assert_eq!(reduction.p_positive, 1.0);
    for metric in ["dependency_CN", "independent_share", "shortfall_share"] {
        assert_exact(&summary, "reduction:without_za", "x", metric, 0.0);
    }
    assert_eq!(
        row(&summary, "reduction:without_za", "x", "dependency_CN").p_positive,
        0.0
    );
    assert_exact(&summary, "base", "x", "shortfall_share", 0.0);
}

// ---------------------------------------------------------------------------------------------
// 4. Months with zero demand.
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_demand_months_count_zero_in_every_metric() {
    // US demand 10 t/month with demand_growth = −1 (allowed: growth is clipped to ≥ −1, and
    // docs/scenario-format.md admits −1 to 10): month m's demand is 10·0^(m/12), 10 t in month
    // 0 (0^0 = 1) and 0 in months 1..11. A CN mine of 5 t/month is the only supplier; the US
    // stock cap is 0.2 months of the month's demand, 2 t in month 0 (full at the start), 0
    // later. Month 0: CN delivers 5, the stock 2, shortfall 3; later months have zero demand,
    // zero room for refill (cap 0), nothing moves. Σ demand = 10. SPEC 4: "A month with zero
    // demand contributes 0 to every monthly ratio":
    //   dependency_CN = 5/10 = 0.5, stock_share 0.2, shortfall_share 0.3, independent 0;
    //   worst_month_shortfall = max(0.3, 0, …) = 0.3; shortage_months = 1 (only month 0's
    //   0.3 > 0.10); shortfall_exceeds_threshold = 1 (0.3 > 0.10);
    //   monthly dependency_CN and shortfall ratios: 0.5 and 0.3 in month 0, exactly 0 later.
    // Ruled out: growth computed as exp(m/12 · ln(1 + g)) (month 0 becomes 0·(−∞) = NaN); a
    // zero-demand month's ratio read as 0/0 (NaN poisons every metric) or as wholly short
    // (ratio 1: worst month 1, shortage months 12); trial metrics as the mean of the monthly
    // ratios (dependency 0.5/12 = 0.041667).
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
capacity = { x = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }
demand_growth = -1
stock_months = { x = 0.2 }

[[edge]]
from = "cn_mine"
to = "us"
"#;
    let summary = run_text(text, TRIALS, 3, 2);
    assert_exact(&summary, "base", "x", "dependency_CN", 0.5);
    assert_exact(&summary, "base", "x", "independent_share", 0.0);
    assert_exact(&summary, "base", "x", "stock_share", 0.2);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.3);
    assert_exact(&summary, "base", "x", "worst_month_shortfall", 0.3);
    assert_exact(&summary, "base", "x", "shortage_months", 1.0);
    assert_exact(&summary, "base", "x", "shortfall_exceeds_threshold", 1.0);
    for (metric, month_0) in [("dependency_CN", 0.5), ("shortfall_share", 0.3)] {
        let got = monthly_mean(&summary, "base", "x", metric, 0);
        assert!((got - month_0).abs() < 1e-9, "{metric}, month 0: {got}");
        for m in 1..12 {
            assert_eq!(
                monthly_mean(&summary, "base", "x", metric, m),
                0.0,
                "{metric}, month {m}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Stock refill comes after every market's demand.
// ---------------------------------------------------------------------------------------------

#[test]
fn stock_refill_waits_for_every_markets_demand() {
    // A CN mine of 24 t/month serves DE (priority 2, demand 10 t/month, one month of stock:
    // cap 10 t, full at the start) and the US (the focus, priority 1, demand 10 t/month, no
    // stock). A scripted regime bans CN→DE in month 1 only. Months 0..3:
    //   0: DE 10, US 10; DE's stock is full (room 0).
    //   1: DE's edge is cut: DE draws its 10 t of stock (stock 0); US 10.
    //   2: SPEC 4: "refilling stock comes after all demand": DE 10 and US 10 first, then the
    //      remaining 4 t refill DE (stock 4); the US is served in full.
    //   3: DE 10, US 10, refill 4 (stock 8).
    // US: dependency_CN = 1, shortfall_share 0, worst month 0, shortage months 0.
    // Refill at the market's own priority (DE's demand plus room before the US's demand), or
    // the market's demand + room as one sink, gives DE 20 t in month 2 and the US 4: US
    // shortfall 6 t of 40 = 0.15 (serious), worst month 0.6, one shortage month,
    // dependency_CN 34/40 = 0.85.
    let cut = scripted_regime(
        "de_embargo",
        &[false, true, false, false],
        "exporter = \"CN\"\nimporters = [\"DE\"]\nfactor = 0.0",
    );
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 4
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 288 }

[[node]]
id = "de"
kind = "market"
country = "DE"
demand = { x = 120 }
stock_months = { x = 1.0 }
priority = 2

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }
priority = 1

[[edge]]
from = "cn_mine"
to = "de"
cost = 1

[[edge]]
from = "cn_mine"
to = "us"
cost = 1
"#
    .to_string()
        + &cut;
    let summary = run_text(&text, TRIALS, 3, 2);
    assert_exact(&summary, "base", "x", "dependency_CN", 1.0);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.0);
    assert_exact(&summary, "base", "x", "worst_month_shortfall", 0.0);
    assert_exact(&summary, "base", "x", "shortage_months", 0.0);
    assert_exact(&summary, "base", "x", "shortfall_exceeds_threshold", 0.0);
    assert_eq!(
        monthly_mean(&summary, "base", "x", "shortfall_share", 2),
        0.0
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Origin mixing at a hub.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_hub_passes_on_the_mix_of_its_inputs() {
    // CN (6 t/month) and AU (4 t/month) feed an SG hub, which serves the US and DE (5 t/month
    // each, equal priority): supply equals demand, so every flow is forced. SPEC 4: "a node's
    // output carries the same mix of origins as its input": the hub's output is 60 % CN, and
    // the US's 5 t are 3 t via CN: dependency_CN = 0.6, independent_share 0.4, exactly, in
    // every month.
    // Ruled out: a path decomposition of the flow (CN's 6 t sent first down the first outgoing
    // edge gives the US 5 t of CN: 1.0; AU's first: 4 AU + 1 CN: 0.2); marking everything out
    // of a hub with any CN input as via CN (1.0).
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
capacity = { x = 72 }

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 48 }

[[node]]
id = "sg_hub"
kind = "hub"
country = "SG"

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 60 }

[[node]]
id = "de"
kind = "market"
country = "DE"
demand = { x = 60 }

[[edge]]
from = "cn_mine"
to = "sg_hub"

[[edge]]
from = "au_mine"
to = "sg_hub"

[[edge]]
from = "sg_hub"
to = "us"

[[edge]]
from = "sg_hub"
to = "de"
"#;
    let summary = run_text(text, TRIALS, 3, 2);
    assert_exact(&summary, "base", "x", "dependency_CN", 0.6);
    assert_exact(&summary, "base", "x", "independent_share", 0.4);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.0);
    for m in 0..6 {
        let got = monthly_mean(&summary, "base", "x", "dependency_CN", m);
        assert!((got - 0.6).abs() < 1e-9, "month {m}: {got}");
    }
}

#[test]
fn a_market_mixes_the_tonnes_that_meet_demand_and_those_that_refill() {
    // The US demands 10 t/month with one month of stock (cap 10 t, full at the start); a CN
    // mine (edge cost 1) and an AU mine (edge cost 2), 10 t/month each, come online in month 1
    // (a project, online_month = 1, certain). Months:
    //   0: nothing delivered; the stock meets all 10 t (stock_share 10 t), stock 0.
    //   1: demand 10 t plus room 10 t: the market takes 20 t, CN's 10 and AU's 10.
    // Scenario-format.md 3.8: "the tonnes that meet demand carry the mix of everything
    // delivered": the 10 t that meet demand are half via CN. Over the horizon (demand 20 t):
    // dependency_CN = 5/20 = 0.25, independent_share 0.25, stock_share 0.5, shortfall 0, in
    // every trial; month 1's dependency is 0.5.
    // Ruled out: demand met from the cheapest source first and the refill from the costlier
    // (dependency_CN 0.5, independent_share 0), or the reverse (0 and 0.5).
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 2
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
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 120 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }
stock_months = { x = 1.0 }

[[edge]]
from = "cn_mine"
to = "us"
cost = 1.0

[[edge]]
from = "au_mine"
to = "us"
cost = 2.0

[[disruption]]
id = "mines_open"
kind = "project"
targets = ["cn_mine", "au_mine"]
online_month = 1
"#;
    let summary = run_text(text, 200, 5, 2);
    assert_exact(&summary, "base", "x", "dependency_CN", 0.25);
    assert_exact(&summary, "base", "x", "independent_share", 0.25);
    assert_exact(&summary, "base", "x", "stock_share", 0.5);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.0);
    for (m, expected) in [(0, 0.0), (1, 0.5)] {
        let got = monthly_mean(&summary, "base", "x", "dependency_CN", m);
        assert!((got - expected).abs() < 1e-9, "month {m}: {got}");
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Demand growth: one draw per market, and a stock cap that follows demand.
// ---------------------------------------------------------------------------------------------

/// Runs `trials` trials of a one-variant scenario with commodities `x` and `y`, asserts that
/// every trial's shortfall share is the same for both (to 1e-12), and returns the lowest and
/// highest of them, for the caller to check that trials vary.
fn equal_shortfalls_of_x_and_y(text: &str, trials: u64, seed: u64) -> (f64, f64) {
    let (model, _) = model(text);
    let plan = Plan::new(&model).expect("plan");
    let layout = layout(&plan);
    assert_eq!((layout.variants, layout.commodities), (1, 2));
    let metrics = layout.metrics();
    // [dependency_CN, independent, stock, shortfall, …]: the shortfall share is metric 3.
    let shortfall = 3;
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    let mut sink = |_: u64, values: &[f64]| {
        pairs.push((values[shortfall], values[metrics + shortfall]));
    };
    let settings = RunSettings {
        seed,
        trials: 0..trials,
        threads: 2,
    };
    run(&plan, &settings, &AtomicU64::new(0), Some(&mut sink)).expect("run");
    assert_eq!(pairs.len() as u64, trials);
    for (trial, &(x, y)) in pairs.iter().enumerate() {
        assert!(
            (x - y).abs() < 1e-12,
            "trial {trial}: shortfall {x} for x, {y} for y"
        );
    }
    pairs
        .iter()
        .fold((1.0f64, 0.0f64), |(lo, hi), &(x, _)| (lo.min(x), hi.max(x)))
}

#[test]
fn one_growth_draw_serves_all_of_a_markets_commodities() {
    // The US demands x (10 t/month) and y (20 t/month); CN supplies exactly 10 t/month of x
    // and 20 t/month of y; demand_growth ~ uniform(0, 0.2). SPEC 6 keys growth draws by
    // `growth/<market id>` (one stream per market, not per commodity) and scenario-format.md
    // 3.2 says "The same g applies to every commodity of that market". Each commodity's
    // shortfall share is then h(g) = 1 − 36/Σ_{m<36} (1 + g)^(m/12), the same function of the
    // same g: per trial, shortfall(x) = shortfall(y) (to float rounding), while across trials
    // it varies (sd ≈ 0.07, `demand_growth_distribution_is_drawn_once_per_trial`).
    // A draw per commodity makes the two differ in almost every trial (|Δ| has mean ≈ 0.08).
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 36
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
capacity = { x = 120, y = 240 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120, y = 240 }
demand_growth = { dist = "uniform", min = 0.0, max = 0.2 }

[[edge]]
from = "cn_mine"
to = "us"
"#;
    let (lowest, highest) = equal_shortfalls_of_x_and_y(text, TRIALS, 31);
    // h(0.01) = 0.0144 and h(0.19) = 0.2328: trials span most of h's range.
    assert!(
        lowest < 0.02 && highest > 0.22,
        "growth must vary: {lowest}..{highest}"
    );
}

#[test]
fn the_stock_cap_rises_with_demand_growth() {
    // US demand 10 t/month growing 100 %/yr: d_m = 10·2^(m/12); stock one month of the month's
    // demand, cap c_m = d_m (SPEC 3: "A stock's cap in month m is stock_months × (month m's
    // demand rate / 12)"), full at the start (10 t). A CN mine of 30 t/month is the only
    // supplier, ample for d_m + (c_m − c_{m−1}) ≤ 19.94 t; a scripted regime bans CN exports in
    // month 12 only, the last of 13 months.
    // Months 0..11: demand met from CN, the stock refilled to c_m, ending at c_11 = 10·2^(11/12)
    // = 18.877 t. Month 12: d_12 = 20 t, nothing arrives, the stock gives 18.877, shortfall
    // 20 − 18.877 = 1.1225 t. With D = Σ_{m≤12} d_m = 10(2^(13/12) − 1)/(2^(1/12) − 1) =
    // 188.1715:
    //   dependency_CN = (D − 20)/D = 0.893714; stock_share = c_11/D = 0.100321;
    //   shortfall_share = (20 − c_11)/D = 0.005965; worst month 1 − 2^(−1/12) = 0.056126;
    //   shortage months 0; serious 0.
    // Ruled out: a cap fixed at month 0's demand (10 t): stock share 10/D = 0.053143, worst
    // month 0.5, one shortage month; a cap one month behind (c_11 = d_10 = 17.818 t):
    // shortfall share 0.011596, worst month 0.109 > 0.10, one shortage month.
    let months = 13;
    let mut cut = vec![false; months];
    cut[12] = true;
    let text = format!(
        r#"
[scenario]
start = "2026-01"
horizon_months = {months}
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = {{ x = 360 }}

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 120 }}
demand_growth = 1.0
stock_months = {{ x = 1.0 }}

[[edge]]
from = "cn_mine"
to = "us"
{}"#,
        scripted_regime("embargo", &cut, "exporter = \"CN\"\nfactor = 0.0")
    );
    let summary = run_text(&text, TRIALS, 3, 2);
    let q = 2f64.powf(1.0 / 12.0);
    let total = 10.0 * (2f64.powf(13.0 / 12.0) - 1.0) / (q - 1.0);
    let stock = 10.0 * 2f64.powf(11.0 / 12.0);
    assert_exact(
        &summary,
        "base",
        "x",
        "dependency_CN",
        (total - 20.0) / total,
    );
    assert_exact(&summary, "base", "x", "stock_share", stock / total);
    assert_exact(
        &summary,
        "base",
        "x",
        "shortfall_share",
        (20.0 - stock) / total,
    );
    assert_exact(
        &summary,
        "base",
        "x",
        "worst_month_shortfall",
        1.0 - 1.0 / q,
    );
    assert_exact(&summary, "base", "x", "shortage_months", 0.0);
    assert_exact(&summary, "base", "x", "shortfall_exceeds_threshold", 0.0);
}

// ---------------------------------------------------------------------------------------------
// 8. Via C with several countries, and the market's own country.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_unit_is_via_every_listed_country_on_its_path() {
    // dependency_on = ["CN", "RU"]. A RU mine and a KZ mine (5 t/month each) feed a CN
    // refinery, which serves the US; a CN mine and an AU mine (5 t/month each) serve the US
    // directly. US demand is 20 t/month and supply 20 t/month, so every flow is forced.
    // SPEC 4: a unit is via C if any node on its path is in C.
    // - via CN: the refinery's 10 t and the CN mine's 5 t: dependency_CN = 15/20 = 0.75;
    // - via RU: the RU mine's 5 t (through the CN refinery): dependency_RU = 5/20 = 0.25;
    // - via neither: the AU mine's 5 t: independent_share = 0.25 (KZ's passes CN).
    // Ruled out: counting a unit only for the last (or first) listed country it passes
    // (dependency_RU 0, or dependency_CN 0.5), and splitting a unit between the countries on
    // its path (0.625 and 0.125).
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 6
focus_market = "us"
dependency_on = ["CN", "RU"]

[[commodity]]
id = "x"

[[node]]
id = "ru_mine"
kind = "mine"
country = "RU"
capacity = { x = 60 }

[[node]]
id = "kz_mine"
kind = "mine"
country = "KZ"
capacity = { x = 60 }

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 60 }

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 60 }

[[node]]
id = "cn_refinery"
kind = "refinery"
country = "CN"
capacity = { x = 1200 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 240 }

[[edge]]
from = "ru_mine"
to = "cn_refinery"

[[edge]]
from = "kz_mine"
to = "cn_refinery"

[[edge]]
from = "cn_refinery"
to = "us"

[[edge]]
from = "cn_mine"
to = "us"

[[edge]]
from = "au_mine"
to = "us"
"#;
    let summary = run_text(text, 200, 3, 2);
    assert_exact(&summary, "base", "x", "dependency_CN", 0.75);
    assert_exact(&summary, "base", "x", "dependency_RU", 0.25);
    assert_exact(&summary, "base", "x", "independent_share", 0.25);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.0);
}

#[test]
fn the_focus_markets_own_country_counts_as_on_the_path() {
    // dependency_on = ["CN", "US"], the focus market in the US. CN and AU mines (5 t/month
    // each) serve it; demand 20 t/month, so half is short. SPEC 4: "a unit is via C if any
    // node on its path, the mine and the market included, is in country C": every delivered
    // tonne is via US (dependency_US = 10/20 = 0.5), CN's via CN too (0.25), and none is via
    // neither (independent_share 0); shortfall_share 0.5.
    // Ruled out: leaving the market out of the path (dependency_US 0, independent 0.25).
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 6
focus_market = "us"
dependency_on = ["CN", "US"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 60 }

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 240 }

[[edge]]
from = "cn_mine"
to = "us"

[[edge]]
from = "au_mine"
to = "us"
"#;
    let summary = run_text(text, 200, 3, 2);
    assert_exact(&summary, "base", "x", "dependency_US", 0.5);
    assert_exact(&summary, "base", "x", "dependency_CN", 0.25);
    assert_exact(&summary, "base", "x", "independent_share", 0.0);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.5);
}

// ---------------------------------------------------------------------------------------------
// 9. A growth drawn below −1 is clipped to −1.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_growth_drawn_below_minus_one_is_clipped_to_minus_one() {
    // demand_growth ~ uniform(−3, −2): every draw is below −1, and SPEC 3 clips growth to
    // ≥ −1. With g = −1, demand in month m is 10·0^(m/12) t: 10 t in month 0 (0^0 = 1), none
    // after. A CN mine of 5 t/month is the only supplier, so month 0 is half short and the
    // later months count nothing (a month with zero demand contributes 0): Σ demand = 10,
    // shortfall_share = 0.5, dependency_CN = 0.5, worst_month_shortfall 0.5, one shortage
    // month, in every trial.
    // Ruled out: no clip (a negative base to a fractional power: NaN demand, and the run
    // fails); a clip to a value above −1, such as −0.99 (demand 10·0.01^(m/12): 31.4 t over
    // the 24 months, of which 6.8 t short in months 0 and 1, so shortfall_share 0.22).
    let text = r#"
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
capacity = { x = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }
demand_growth = { dist = "uniform", min = -3, max = -2 }

[[edge]]
from = "cn_mine"
to = "us"
"#;
    let summary = run_text(text, 200, 3, 2);
    assert_exact(&summary, "base", "x", "shortfall_share", 0.5);
    assert_exact(&summary, "base", "x", "dependency_CN", 0.5);
    assert_exact(&summary, "base", "x", "worst_month_shortfall", 0.5);
    assert_exact(&summary, "base", "x", "shortage_months", 1.0);
    let later = monthly_mean(&summary, "base", "x", "dependency_CN", 1);
    assert_eq!(later, 0.0, "month 1 has no demand, so it counts 0");
}

// ---------------------------------------------------------------------------------------------
// 10. A node shared by several commodities takes each outage once.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_shared_node_takes_each_outage_once_for_all_its_commodities() {
    // A CN mine produces x (10 t/month) and y (20 t/month), the US demands exactly that, and
    // incidents (4 a year, severity 1, 30 days) close the mine. SPEC 4: "A node shared by
    // several commodities takes each outage once, for all of them": both commodities lose the
    // same fraction of every month, so per trial shortfall(x) = shortfall(y) (to rounding),
    // while across trials it varies. Drawing the outages per commodity makes them differ in
    // almost every trial.
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 36
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
capacity = { x = 120, y = 240 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120, y = 240 }

[[edge]]
from = "cn_mine"
to = "us"

[[disruption]]
id = "outages"
kind = "incidents"
rate_per_year = 4
targets = ["cn_mine"]
severity = 1
duration_days = 30
"#;
    let (lowest, highest) = equal_shortfalls_of_x_and_y(text, 2_000, 37);
    // About 12 outages of 30 days in 36 months, overlaps merged: the mine is down a share
    // 1 − e^(−4·30/365.25) ≈ 0.28 of the time, so the shortfall is ≈ 0.28 on average, and it varies.
    assert!(
        lowest < 0.2 && highest > 0.4,
        "outages must vary: {lowest}..{highest}"
    );
}

// ---------------------------------------------------------------------------------------------
// 11. Markets of equal priority compete by cost.
// ---------------------------------------------------------------------------------------------

/// A CN mine of 10 t/month and two markets of equal priority, DE and the US (the focus), with
/// demand 8 t/month each, reached at edge costs `de_cost` and `us_cost`.
fn two_markets_one_mine(de_cost: f64, us_cost: f64) -> String {
    format!(
        r#"
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
capacity = {{ x = 120 }}

[[node]]
id = "de"
kind = "market"
country = "DE"
demand = {{ x = 96 }}

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 96 }}

[[edge]]
from = "cn_mine"
to = "de"
cost = {de_cost}

[[edge]]
from = "cn_mine"
to = "us"
cost = {us_cost}
"#
    )
}

#[test]
fn markets_of_equal_priority_compete_by_cost() {
    // Supply 10 t/month against 16 t of demand at one priority. Scenario-format.md 3.7:
    // "Markets of equal priority compete by cost, not pro rata": the market reached more
    // cheaply gets its 8 t in full and the other the 2 t left, every month.
    //   US dearer (DE 1, US 2): the US gets 2 t of 8: shortfall_share 0.75, dependency_CN
    //   0.25, worst month 0.75, 12 shortage months.
    //   US cheaper (DE 2, US 1): the US gets 8 t: shortfall 0, dependency_CN 1.
    // Ruled out: a pro-rata split (5 t each: shortfall 0.375 either way), and an order fixed by
    // the file or the markets' indices (the same result in both runs; the file is the same
    // but for the two costs).
    let dearer = run_text(&two_markets_one_mine(1.0, 2.0), 200, 1, 2);
    assert_exact(&dearer, "base", "x", "shortfall_share", 0.75);
    assert_exact(&dearer, "base", "x", "dependency_CN", 0.25);
    assert_exact(&dearer, "base", "x", "worst_month_shortfall", 0.75);
    assert_exact(&dearer, "base", "x", "shortage_months", 12.0);
    let cheaper = run_text(&two_markets_one_mine(2.0, 1.0), 200, 1, 2);
    assert_exact(&cheaper, "base", "x", "shortfall_share", 0.0);
    assert_exact(&cheaper, "base", "x", "dependency_CN", 1.0);
    assert_exact(&cheaper, "base", "x", "shortage_months", 0.0);
}

//! Analytic scenarios for routing and regime-effect rules: the `importers` and `commodities`
//! filters of a regime effect, several effects on one edge, the cost-rounding and file-order
//! tie-break rule, stock above a falling cap, and the shortfall metrics at non-default
//! thresholds. Each expected value is derived in closed form in a comment; deterministic cases
//! are asserted exactly (or to 1e-9), the random one within K = 5 standard errors. Run them in
//! release mode: `cargo test --release --test analytic_routing`.

mod common;

use common::closed_form::{K, outage_network, propagate};
use common::{assert_close, assert_exact, assert_within_se, monthly_mean, row, run_text};

// ---------------------------------------------------------------------------------------------
// 1. Regime effect filters.
// ---------------------------------------------------------------------------------------------

#[test]
fn an_importers_filter_spares_the_other_importers() {
    // A CN mine of 10 t/month feeds DE (priority 2, demand 10 t/month, no other supplier) and
    // the US (priority 1, demand 10 t/month); a costlier AU mine (cost 5, 100 t/month) reaches
    // the US only. The regime sits in `ban` for the whole horizon (initial "ban", identity
    // transitions), and its one effect bans CN exports to importers = ["DE"] only.
    //
    // - `controls` (the baseline): the CN→DE edge carries 0, so DE gets nothing and the US,
    //   whose CN edge is untouched, takes all 10 t/month from CN (cost 1 < 5):
    //   dependency_CN = 1 exactly in every trial (sd 0), shortfall 0.
    // - `free` (the regime disabled): DE, served first, takes the CN mine's 10 t/month, and the
    //   US is served by AU: dependency_CN = 0, independent_share = 1; the paired reduction
    //   of dependency_CN is 1 − 0 = 1.
    //
    // Ignoring `importers` bans CN→US too, so under `controls` the US gets AU only: dependency
    // 0 instead of 1. Reading `importers` as an exclusion list does the same. Not applying the
    // effect at all gives the `free` routing (0) under `controls`.
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
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 1200 }

[[node]]
id = "de"
kind = "market"
country = "DE"
demand = { x = 120 }
priority = 2

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }

[[edge]]
from = "cn_mine"
to = "de"
cost = 1

[[edge]]
from = "cn_mine"
to = "us"
cost = 1

[[edge]]
from = "au_mine"
to = "us"
cost = 5

[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "ban"]
initial = "ban"
transitions = [[1.0, 0.0], [0.0, 1.0]]
[[disruption.effect]]
state = "ban"
exporter = "CN"
importers = ["DE"]
factor = 0.0

[[variant]]
id = "controls"
baseline = true

[[variant]]
id = "free"
disable = ["controls"]
"#;
    let summary = run_text(text, 20, 7, 2);
    assert_exact(&summary, "controls", "x", "dependency_CN", 1.0);
    assert_exact(&summary, "controls", "x", "shortfall_share", 0.0);
    assert_exact(&summary, "free", "x", "dependency_CN", 0.0);
    assert_exact(&summary, "free", "x", "independent_share", 1.0);
    assert_exact(&summary, "reduction:free", "x", "dependency_CN", 1.0);
    for m in [0, 11] {
        assert_eq!(
            monthly_mean(&summary, "controls", "x", "dependency_CN", m),
            1.0,
            "month {m}"
        );
    }
}

#[test]
fn a_commodities_filter_leaves_the_other_commodity_untouched() {
    // One CN→US edge carries two commodities, x and y; the CN mine has 10 t/month of each and
    // covers US demand (10 t/month of each) alone; an AU mine (cost 5, 100 t/month of each)
    // backs it up. The regime is in `licensing` for the whole horizon, and its effect
    // multiplies CN exports of y only (commodities = ["y"]) by 0.25.
    //
    // x: the edge keeps its 10 t/month, dependency_CN(x) = 1, independent 0.
    // y: the edge carries 0.25 × 10 = 2.5 t/month, AU the other 7.5: dependency_CN(y) = 0.25,
    //    independent_share(y) = 0.75, in every month and every trial (sd 0).
    //
    // Ignoring `commodities` cuts x as well: dependency_CN(x) = 0.25 instead of 1. Applying
    // the factor to the wrong commodity swaps the two values.
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
capacity = { x = 120, y = 120 }

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { x = 1200, y = 1200 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120, y = 120 }

[[edge]]
from = "cn_mine"
to = "us"
cost = 1

[[edge]]
from = "au_mine"
to = "us"
cost = 5

[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "licensing"]
initial = "licensing"
transitions = [[1.0, 0.0], [0.0, 1.0]]
[[disruption.effect]]
state = "licensing"
exporter = "CN"
commodities = ["y"]
factor = 0.25
"#;
    let summary = run_text(text, 20, 8, 2);
    assert_exact(&summary, "base", "x", "dependency_CN", 1.0);
    assert_exact(&summary, "base", "x", "independent_share", 0.0);
    assert_exact(&summary, "base", "y", "dependency_CN", 0.25);
    assert_exact(&summary, "base", "y", "independent_share", 0.75);
    for commodity in ["x", "y"] {
        assert_exact(&summary, "base", commodity, "shortfall_share", 0.0);
    }
    for m in [0, 11] {
        assert!((monthly_mean(&summary, "base", "y", "dependency_CN", m) - 0.25).abs() < 1e-9);
        assert!((monthly_mean(&summary, "base", "x", "dependency_CN", m) - 1.0).abs() < 1e-9);
    }
}

#[test]
fn several_effects_on_one_edge_in_one_state_multiply() {
    // `common::closed_form::outage_network`: a CN mine whose 10 t/month equal US
    // demand, and a costlier AU mine with plenty; the US takes all it can from CN, so month m's
    // dependency_CN is the CN→US edge's multiplier f_s of that month's state s.
    //
    // A random 2-state chain: initial [0.4, 0.6], transitions [[0.8, 0.2], [0.3, 0.7]]. In
    // `ban` three effects touch the CN→US edge, each through a different filter:
    //   exporter CN (0.8) · exporter CN, importers ["US"] (0.5) · exporter CN, commodities
    //   ["x"] (0.9): f_ban = 0.8 · 0.5 · 0.9 = 0.36, f_open = 1.
    // Month m's expected dependency is μ_m = π_m(open) + 0.36 π_m(ban), π_m = π_0 P^m, and the
    // trial's is the mean of μ_m over the 18 months. Wrong combinations give f_ban = 0.9 (last
    // effect wins, or the largest), 0.5 (min) or 0.8 (first wins): at least 0.14·π_m(ban) ≥ 0.056
    // above μ_m in every month (π_m(ban) ≥ 0.4 for all m: it starts at 0.6 and moves towards the
    // stationary 0.2/(0.2 + 0.3) = 0.4), against a monthly tolerance of K·√(μ(1 − μ)/n) ≤ 0.0177
    // (K = 5, n = 20,000).
    let horizon = 18;
    let trials = 20_000;
    let text = outage_network(
        horizon,
        r#"
[[disruption]]
id = "controls"
kind = "regime"
states = ["open", "ban"]
initial = [0.4, 0.6]
transitions = [[0.8, 0.2], [0.3, 0.7]]
[[disruption.effect]]
state = "ban"
exporter = "CN"
factor = 0.8
[[disruption.effect]]
state = "ban"
exporter = "CN"
importers = ["US"]
factor = 0.5
[[disruption.effect]]
state = "ban"
exporter = "CN"
commodities = ["x"]
factor = 0.9
"#,
    );
    let summary = run_text(&text, trials, 13, 2);
    let factors = [1.0, 0.8 * 0.5 * 0.9];
    let distributions = propagate(
        &[0.4, 0.6],
        &[vec![0.8, 0.2], vec![0.3, 0.7]],
        horizon as usize,
    );
    let months: Vec<f64> = distributions
        .iter()
        .map(|pi| pi.iter().zip(&factors).map(|(p, f)| p * f).sum())
        .collect();
    let overall = months.iter().sum::<f64>() / horizon as f64;
    assert_within_se(
        row(&summary, "base", "x", "dependency_CN"),
        trials,
        overall,
        K,
        "three effects on one edge",
    );
    // The month's dependency lies in [0, 1]: its variance is at most μ(1 − μ) (Bhatia–Davis).
    for (m, &mu) in months.iter().enumerate() {
        let se = (mu * (1.0 - mu) / trials as f64).sqrt();
        let got = monthly_mean(&summary, "base", "x", "dependency_CN", m);
        assert!(
            (got - mu).abs() <= K * se + 1e-9,
            "month {m}: {got} vs {mu} (se {se:.2e})"
        );
    }
    // AU covers every cut: nothing is short.
    assert_eq!(row(&summary, "base", "x", "shortfall_share").mean, 0.0);
}

// ---------------------------------------------------------------------------------------------
// 2. Ties: costs count to 0.001, and at equal cost earlier edges are preferred.
// ---------------------------------------------------------------------------------------------

/// An AU mine and a CN mine (each 10 t/month, enough for the US's 10 t/month alone), the US,
/// an SG hub if `hub`, and the given `[[edge]]` tables (in file order).
fn tie_network(hub: bool, edges: &str) -> String {
    let hub = if hub {
        "\n[[node]]\nid = \"sg_hub\"\nkind = \"hub\"\ncountry = \"SG\"\n"
    } else {
        ""
    };
    format!(
        r#"
[scenario]
start = "2026-01"
horizon_months = 3
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = {{ x = 120 }}

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = {{ x = 120 }}
{hub}
[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 120 }}
{edges}
"#
    )
}

fn edge(from: &str, to: &str, cost: &str) -> String {
    format!("\n[[edge]]\nfrom = \"{from}\"\nto = \"{to}\"\ncost = {cost}\n")
}

/// dependency_CN of the tie network with these edges; it must be the same in every trial and
/// every month.
fn tie_dependency(edges: &[String]) -> f64 {
    let all = edges.concat();
    let summary = run_text(&tie_network(all.contains("sg_hub"), &all), 3, 1, 1);
    let dependency = row(&summary, "base", "x", "dependency_CN");
    assert_eq!(dependency.sd, 0.0, "no randomness: {all}");
    for m in 0..3 {
        assert_eq!(
            monthly_mean(&summary, "base", "x", "dependency_CN", m),
            dependency.mean,
            "month {m}: {all}"
        );
    }
    dependency.mean
}

#[test]
fn equal_costs_go_to_the_earlier_edge() {
    // SPEC 4: edge i (0-based, file order, among E edges) costs round(cost × 1000)·(E + 1) + i.
    // Both mines can cover the US's 10 t/month alone, so the cheaper direct edge carries all of
    // it: dependency_CN is 0 if the AU edge wins, 1 if the CN edge wins, never a split.
    // E = 2 here.
    //
    // AU→US first, CN→US second, both cost 1: 1000·3 + 0 < 1000·3 + 1, AU wins: 0.
    // Swapped in the file: CN is edge 0 and wins: 1.
    // A "later edge wins" tie-break gives 1 and 0 instead.
    let au = edge("au_mine", "us", "1");
    let cn = edge("cn_mine", "us", "1");
    assert_eq!(tie_dependency(&[au.clone(), cn.clone()]), 0.0);
    assert_eq!(tie_dependency(&[cn, au]), 1.0);
}

#[test]
fn costs_are_rounded_to_thousandths_before_the_tie_break() {
    // The network of `equal_costs_go_to_the_earlier_edge`, E = 2; AU→US listed first unless
    // said otherwise.
    // AU 1.0004 vs CN 1.0: round(1000.4) = 1000 = round(1000.0), a tie, and the earlier edge
    //   (AU) wins: dependency_CN = 0. Unrounded costs make CN cheaper: 1; rounding up
    //   (ceil: 1001 > 1000) does too.
    // AU 1.0006 vs CN 1.0: round(1000.6) = 1001 > 1000, CN is cheaper and wins despite its
    //   later place: 1. Truncating (floor: 1000) makes it a tie won by AU: 0.
    // AU 1.0 vs CN 0.9996 (CN second): round(999.6) = 1000, a tie, AU (earlier) wins: 0.
    //   Unrounded costs make CN cheaper (1), and so does floor (999 < 1000).
    let cn = edge("cn_mine", "us", "1.0");
    assert_eq!(
        tie_dependency(&[edge("au_mine", "us", "1.0004"), cn.clone()]),
        0.0
    );
    assert_eq!(tie_dependency(&[edge("au_mine", "us", "1.0006"), cn]), 1.0);
    assert_eq!(
        tie_dependency(&[
            edge("au_mine", "us", "1.0"),
            edge("cn_mine", "us", "0.9996")
        ]),
        0.0
    );
    // The same from the other side: CN first at 1.0004 ties with AU's 1.0 and wins (1); CN
    // first at 1.0006 loses to AU (0).
    let au = edge("au_mine", "us", "1.0");
    assert_eq!(
        tie_dependency(&[edge("cn_mine", "us", "1.0004"), au.clone()]),
        1.0
    );
    assert_eq!(tie_dependency(&[edge("cn_mine", "us", "1.0006"), au]), 0.0);
}

#[test]
fn file_order_terms_add_up_along_a_route() {
    // Route AU → SG → US (two edges at 0.5) against CN → US (one edge at 1.0): the same cost
    // to 0.001, so the integer costs decide, E = 3, edge i costing round(cost·1000)·4 + i:
    // - order (AU→SG, SG→US, CN→US): AU's route 2000 + 2001 = 4001 < CN's 4000 + 2 = 4002:
    //   AU wins, dependency_CN = 0;
    // - order (AU→SG, CN→US, SG→US): AU's route 2000 + 2002 = 4002 > CN's 4000 + 1 = 4001:
    //   CN wins, dependency_CN = 1, although AU's route holds the file's first edge.
    // A rule that prefers the route through the earliest edge (or compares routes by their
    // first edge) gives 0 in both; "later edge wins" (−i) gives 1 and 0.
    let au_sg = edge("au_mine", "sg_hub", "0.5");
    let sg_us = edge("sg_hub", "us", "0.5");
    let cn_us = edge("cn_mine", "us", "1.0");
    assert_eq!(
        tie_dependency(&[au_sg.clone(), sg_us.clone(), cn_us.clone()]),
        0.0
    );
    assert_eq!(tie_dependency(&[au_sg, cn_us, sg_us]), 1.0);
}

#[test]
fn a_variant_breaks_ties_by_the_files_edge_numbers() {
    // E = 5 edges in file order: 0 CN→US (1.0), 1 AU→XX, 2 CN→XX, 3 AU→SG (0.5), 4 SG→US
    // (0.499); XX is a market with no demand, so its two edges carry nothing. Integer costs
    // round(cost·1000)·6 + i: CN's route 6000 + 0 = 6000 against AU's 3003 + 2998 = 6001, so
    // CN wins although its route is 0.001 dearer: dependency_CN = 1.
    // The variant `lean` disables XX and with it edges 1 and 2. Numbered among its own three
    // edges (0 CN→US, 1 AU→SG, 2 SG→US; E = 3) the routes would cost 4000 against
    // 2001 + 1998 = 3999 and AU would win (0). docs/scenario-format.md 3.7: i and E count the
    // file's edges, so the variant routes as the full network does: 1 in both.
    let text = tie_network(true, "")
        + r#"
[[node]]
id = "xx"
kind = "market"
country = "XX"
demand = { x = 0 }
"# + &[
        edge("cn_mine", "us", "1.0"),
        edge("au_mine", "xx", "1"),
        edge("cn_mine", "xx", "1"),
        edge("au_mine", "sg_hub", "0.5"),
        edge("sg_hub", "us", "0.499"),
    ]
    .concat()
        + r#"
[[variant]]
id = "full"
baseline = true

[[variant]]
id = "lean"
disable = ["xx"]
"#;
    let summary = run_text(&text, 3, 1, 1);
    for variant in ["full", "lean"] {
        let dependency = row(&summary, variant, "x", "dependency_CN");
        assert_eq!((dependency.mean, dependency.sd), (1.0, 0.0), "{variant}");
    }
    // The variant's three edges written alone in a file are numbered 0 to 2 with E = 3: AU.
    let alone = [
        edge("cn_mine", "us", "1.0"),
        edge("au_mine", "sg_hub", "0.5"),
        edge("sg_hub", "us", "0.499"),
    ];
    assert_eq!(tie_dependency(&alone), 0.0);
}

// ---------------------------------------------------------------------------------------------
// 3. Stock above a falling cap is kept, not cut.
// ---------------------------------------------------------------------------------------------

#[test]
fn stock_above_a_falling_cap_is_kept() {
    // US demand 12 t/yr with demand_growth −0.5: month m needs d_m = 0.5^(m/12) t. Stock cap
    // 2 months of the month's demand, 2·d_m, full at the start: s = 2·d_0 = 2 t. A CN mine of
    // 2 t/month is the only supplier; a deterministic regime (m0 → m1 → cut, `cut` absorbing)
    // bans CN exports from month 2 on.
    //
    // Months 0 and 1: CN serves d_0 and d_1 in full. The cap falls (2·d_1 < 2) below the stock,
    // so the room for refill max(0, cap − stock) is 0: the stock stays at 2 t (kept, not cut).
    // Months 2 to 11: nothing arrives; the stock covers d_2 + d_3 = 1.7318 t in full and the
    // remaining 2 − d_2 − d_3 = 0.2682 t of d_4 = 0.7937 t; months 5 to 11 are wholly short.
    // With D = Σ_{m<12} d_m = (1 − 0.5)/(1 − 0.5^(1/12)) = 8.90858:
    //   dependency_CN   = (d_0 + d_1)/D            = 0.218203
    //   stock_share     = 2/D                      = 0.224503
    //   shortfall_share = (Σ_{m≥2} d_m − 2)/D      = 0.557295
    //   independent_share = 0; month 4's shortfall ratio 1 − (2 − d_2 − d_3)/d_4 = 0.662083;
    //   worst month 1; shortage months (ratio > 0.1): months 4 to 11 = 8; serious shortfall 1.
    // The cut-stock reading (stock = min(stock, 2·d_m) each month) enters month 2 with
    // 2·d_2 = 1.7818 t: stock_share 2·d_2/D = 0.200009, shortfall 0.581788 (month 3 is still
    // served in full, 0.8909 t of stock ≥ d_3 = 0.8409; the shortfall starts in month 4).
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
demand_growth = -0.5
stock_months = { x = 2 }

[[edge]]
from = "cn_mine"
to = "us"

[[disruption]]
id = "cut_off"
kind = "regime"
states = ["m0", "m1", "cut"]
initial = "m0"
transitions = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
[[disruption.effect]]
state = "cut"
exporter = "CN"
factor = 0.0
"#;
    let summary = run_text(text, 10, 21, 2);
    let d: Vec<f64> = (0..12).map(|m| 0.5f64.powf(m as f64 / 12.0)).collect();
    let total: f64 = d.iter().sum();
    let late: f64 = d[2..].iter().sum();
    assert!((total - 0.5 / (1.0 - 0.5f64.powf(1.0 / 12.0))).abs() < 1e-12);
    assert!(d[2] + d[3] < 2.0 && d[2] + d[3] + d[4] > 2.0 && late > 2.0);
    assert_exact(
        &summary,
        "base",
        "x",
        "dependency_CN",
        (d[0] + d[1]) / total,
    );
    assert_exact(&summary, "base", "x", "stock_share", 2.0 / total);
    assert_exact(
        &summary,
        "base",
        "x",
        "shortfall_share",
        (late - 2.0) / total,
    );
    assert_exact(&summary, "base", "x", "independent_share", 0.0);
    assert_exact(&summary, "base", "x", "worst_month_shortfall", 1.0);
    assert_exact(&summary, "base", "x", "shortage_months", 8.0);
    assert_exact(&summary, "base", "x", "shortfall_exceeds_threshold", 1.0);
    let month_4 = 1.0 - (2.0 - d[2] - d[3]) / d[4];
    for (m, expected) in [
        (1, 0.0),
        (2, 0.0),
        (3, 0.0),
        (4, month_4),
        (5, 1.0),
        (11, 1.0),
    ] {
        let got = monthly_mean(&summary, "base", "x", "shortfall_share", m);
        assert!(
            (got - expected).abs() < 1e-9,
            "month {m}: {got} vs {expected}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Shortfall metrics at non-default thresholds.
// ---------------------------------------------------------------------------------------------

/// Fixed supply of 10 t/month; US demand 10 t/month growing 10 %/yr, over 36 months.
fn growing_demand(threshold: f64) -> String {
    format!(
        r#"
[scenario]
start = "2026-01"
horizon_months = 36
focus_market = "us"
dependency_on = ["CN"]
shortfall_threshold = {threshold}

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
demand_growth = 0.1

[[edge]]
from = "cn_mine"
to = "us"
"#
    )
}

#[test]
fn shortfall_metrics_at_non_default_thresholds() {
    // Month m needs d_m = 10·1.1^(m/12) t and gets 10 t, so its shortfall ratio is
    // r_m = 1 − 1.1^(−m/12), increasing in m:
    //   worst_month_shortfall = r_35 = 1 − 1.1^(−35/12) = 0.242694 (strictly inside (0, 1));
    //   shortfall_share = Σ(d_m − 10)/Σ d_m = 1 − 36/Σ_{m<36} q^m, q = 1.1^(1/12): 0.132722.
    // r_m > t + 1e-9 iff m > 12·ln(1/(1 − t))/ln(1.1):
    //   t = 0.05: m > 6.458, months 7..35, 29 months; share 0.1327 > 0.05: serious (1);
    //   t = 0.20: m > 28.09, months 29..35, 7 months; share 0.1327 < 0.20: not serious (0).
    // The nearest r_m to either threshold is 6.0e-4 away (r_28 = 0.19940 below 0.20, r_29 =
    // 0.205731 above it; r_6 = 0.04654, r_7 = 0.054080), far beyond the 1e-9 tolerance.
    // Ruled out: counting against the default 0.10 instead of the scenario's threshold (22
    // months at both); a worst month taken in tonnes (3.2 t, clamped to 1) or from the first
    // month (0) instead of the largest ratio; `shortfall_exceeds_threshold` read against the
    // worst month (0.243 > 0.20 would give 1 at t = 0.20) instead of the share.
    let q = 1.1f64.powf(1.0 / 12.0);
    let powers: f64 = (0..36).map(|m| q.powi(m)).sum();
    let share = 1.0 - 36.0 / powers;
    let worst = 1.0 - 1.1f64.powf(-35.0 / 12.0);
    // The month counts, from the closed-form crossing points.
    let count = |t: f64| {
        let crossing = 12.0 * (1.0 / (1.0 - t)).ln() / 1.1f64.ln();
        (0..36).filter(|&m| m as f64 > crossing).count() as f64
    };
    assert_eq!(count(0.05), 29.0);
    assert_eq!(count(0.20), 7.0);
    for (threshold, months, serious) in [(0.05, 29.0, 1.0), (0.20, 7.0, 0.0)] {
        let summary = run_text(&growing_demand(threshold), 4, 6, 1);
        assert_exact(&summary, "base", "x", "worst_month_shortfall", worst);
        assert_exact(&summary, "base", "x", "shortfall_share", share);
        assert_exact(&summary, "base", "x", "dependency_CN", 1.0 - share);
        assert_exact(&summary, "base", "x", "shortage_months", months);
        assert_exact(
            &summary,
            "base",
            "x",
            "shortfall_exceeds_threshold",
            serious,
        );
    }
}

#[test]
fn exceeding_means_above_the_threshold_plus_1e_9() {
    // Demand 10 t/month (flat), supply s t/month, no stock: every month's shortfall ratio, and
    // the trial's shortfall share, are (10 − s)/10. Threshold 0.10.
    // - `inside`: capacity 108 − 6e-8 t/yr, s = 9 − 5e-9: ratio 0.1 + 5e-10, above the
    //   threshold but not above threshold + 1e-9: 0 shortage months, not serious.
    // - `beyond`: capacity 108 − 2.4e-7 t/yr, s = 9 − 2e-8: ratio 0.1 + 2e-9 > 0.1 + 1e-9:
    //   all 6 months count, serious.
    // - `equal`: capacity 108, ratio exactly 0.1: not counted.
    // A bare `>` (no tolerance) counts `inside` (6 months, serious); a tolerance of 1e-6 or
    // more misses `beyond`; `≥` counts `equal`.
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 6
focus_market = "us"
dependency_on = ["CN"]
shortfall_threshold = 0.1

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 107.99999994 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 120 }

[[edge]]
from = "cn_mine"
to = "us"

[[variant]]
id = "inside"
baseline = true

[[variant]]
id = "beyond"
[variant.set]
"cn_mine.capacity.x" = 107.99999976

[[variant]]
id = "equal"
[variant.set]
"cn_mine.capacity.x" = 108
"#;
    let summary = run_text(text, 3, 2, 1);
    // The shares themselves, to 1e-11 (the summary's fixed-point means are exact to 2^-41 ≈
    // 4.5e-13, and the ratios carry float rounding of order 1e-16), so the three cases are
    // told apart.
    let tight = 1e-11;
    assert_close(
        &summary,
        "inside",
        "x",
        "shortfall_share",
        0.1 + 5e-10,
        tight,
    );
    assert_close(
        &summary,
        "inside",
        "x",
        "worst_month_shortfall",
        0.1 + 5e-10,
        tight,
    );
    assert_close(
        &summary,
        "beyond",
        "x",
        "shortfall_share",
        0.1 + 2e-9,
        tight,
    );
    assert_close(&summary, "equal", "x", "shortfall_share", 0.1, tight);
    assert_exact(&summary, "inside", "x", "shortage_months", 0.0);
    assert_exact(&summary, "inside", "x", "shortfall_exceeds_threshold", 0.0);
    assert_exact(&summary, "beyond", "x", "shortage_months", 6.0);
    assert_exact(&summary, "beyond", "x", "shortfall_exceeds_threshold", 1.0);
    assert_exact(&summary, "equal", "x", "shortage_months", 0.0);
    assert_exact(&summary, "equal", "x", "shortfall_exceeds_threshold", 0.0);
}

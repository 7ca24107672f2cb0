//! Properties of the monthly allocation seen through whole scenarios: with one market, more
//! capacity anywhere never means more shortfall; every trial's shares add up to one.

mod common;

use proptest::prelude::*;

/// A random layered network: mines → hubs/refineries → the US market, with random capacities,
/// costs and an optional stock; no disruption (so one trial is exact).
fn scenario(
    mines: &[f64],
    middle: &[(bool, f64)],
    links: &[(usize, usize, f64, Option<f64>)],
    demand: f64,
) -> String {
    let mut s = String::from(
        "[scenario]\nstart = \"2026-01\"\nhorizon_months = 3\nfocus_market = \"us\"\ndependency_on = [\"CN\"]\n\n[[commodity]]\nid = \"x\"\n",
    );
    for (i, cap) in mines.iter().enumerate() {
        let country = if i % 2 == 0 { "CN" } else { "AU" };
        s += &format!(
            "\n[[node]]\nid = \"m{i}\"\nkind = \"mine\"\ncountry = \"{country}\"\ncapacity = {{ x = {cap} }}\n"
        );
    }
    for (j, (refinery, cap)) in middle.iter().enumerate() {
        if *refinery {
            s += &format!(
                "\n[[node]]\nid = \"r{j}\"\nkind = \"refinery\"\ncountry = \"CN\"\ncapacity = {{ x = {cap} }}\n"
            );
        } else {
            s += &format!("\n[[node]]\nid = \"r{j}\"\nkind = \"hub\"\ncountry = \"SG\"\n");
        }
    }
    s += &format!(
        "\n[[node]]\nid = \"us\"\nkind = \"market\"\ncountry = \"US\"\ndemand = {{ x = {demand} }}\n"
    );
    // Every mine reaches the market directly (expensively), so the scenario is always valid.
    for i in 0..mines.len() {
        s += &format!("\n[[edge]]\nfrom = \"m{i}\"\nto = \"us\"\ncost = 9\ncapacity = 1\n");
    }
    for j in 0..middle.len() {
        s += &format!("\n[[edge]]\nfrom = \"r{j}\"\nto = \"us\"\n");
    }
    for &(m, r, cost, cap) in links {
        let m = m % mines.len();
        let r = r % middle.len();
        s += &format!("\n[[edge]]\nfrom = \"m{m}\"\nto = \"r{r}\"\ncost = {cost}\n");
        if let Some(cap) = cap {
            s += &format!("capacity = {cap}\n");
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn more_capacity_never_more_shortfall(
        mines in proptest::collection::vec(0.0f64..200.0, 1..4),
        middle in proptest::collection::vec((any::<bool>(), 0.0f64..200.0), 1..4),
        links in proptest::collection::vec((0usize..8, 0usize..8, 0.0f64..5.0, proptest::option::of(0.0f64..150.0)), 1..8),
        demand in 10.0f64..400.0,
        grow_mine in any::<bool>(),
        which in 0usize..8,
        factor in 1.0f64..3.0,
    ) {
        let before = scenario(&mines, &middle, &links, demand);
        let (mut mines2, mut middle2) = (mines.clone(), middle.clone());
        if grow_mine {
            let i = which % mines2.len();
            mines2[i] *= factor;
        } else {
            let j = which % middle2.len();
            middle2[j].1 *= factor;
        }
        let after = scenario(&mines2, &middle2, &links, demand);
        let a = common::run_text(&before, 1, 0, 1);
        let b = common::run_text(&after, 1, 0, 1);
        let short = |s: &supplyrisk::report::summary::Summary| common::row(s, "base", "x", "shortfall_share").mean;
        prop_assert!(short(&b) <= short(&a) + 1e-9, "shortfall rose from {} to {}", short(&a), short(&b));
        // Shares add up to one in both.
        for s in [&a, &b] {
            let total: f64 = ["dependency_CN", "independent_share", "stock_share", "shortfall_share"]
                .iter()
                .map(|m| common::row(s, "base", "x", m).mean)
                .sum();
            prop_assert!((total - 1.0).abs() < 1e-9);
        }
    }
}

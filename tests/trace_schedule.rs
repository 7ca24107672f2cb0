//! Origin tracing's schedule: which fractions are fixed for the whole run and which are mixed
//! month by month. A column is fixed when the node's own country decides it, or when every
//! input is fixed at the same value (a node fed only from outside the dependency countries is
//! "not via any" whatever the flows). The shares are checked against closed-form values in a
//! deterministic network, including a month where the fixed node receives nothing.

mod common;

use common::{model, row, run_text};
use supplyrisk::engine::plan::Plan;

/// CN ore reaches the US through a Japanese hub; Australian and Brazilian ore through a
/// Malaysian refinery. US demand 10 t/month; CN supplies 5 (cost 1 route), the refinery the
/// rest (cost 2). `refinery_project` optionally puts the refinery behind a project.
fn network(refinery_project: &str) -> String {
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
capacity = {{ x = 60 }}

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = {{ x = 600 }}

[[node]]
id = "br_mine"
kind = "mine"
country = "BR"
capacity = {{ x = 600 }}

[[node]]
id = "jp_hub"
kind = "hub"
country = "JP"

[[node]]
id = "my_refinery"
kind = "refinery"
country = "MY"
capacity = {{ x = 1200 }}

[[node]]
id = "us"
kind = "market"
country = "US"
demand = {{ x = 120 }}

[[edge]]
from = "cn_mine"
to = "jp_hub"

[[edge]]
from = "jp_hub"
to = "us"
cost = 1

[[edge]]
from = "au_mine"
to = "my_refinery"

[[edge]]
from = "br_mine"
to = "my_refinery"

[[edge]]
from = "my_refinery"
to = "us"
cost = 2
{refinery_project}
"#
    )
}

#[test]
fn columns_fed_only_by_fixed_inputs_are_fixed() {
    let (model, _) = model(&network(""));
    let plan = Plan::new(&model).expect("plan");
    let commodity = &plan.variants[0].commodities[0];
    let schedule = &commodity.trace_schedule;
    assert_eq!(schedule.width, 2, "CN and 'not via any'");
    // Trace nodes in topological order; find each one's index by its incoming arcs' sources.
    let fixed = |t: usize| -> Vec<Option<f64>> {
        (0..2)
            .map(|k| {
                schedule
                    .fixed
                    .iter()
                    .find(|&&(index, _)| index == t * 2 + k)
                    .map(|&(_, value)| value)
            })
            .collect()
    };
    let focus = commodity.trace.len() - 1;
    // Only the US market mixes: it takes CN ore (via the hub) and non-CN ore (via MY).
    assert_eq!(schedule.mixed.len(), 1, "{:?}", schedule.mixed);
    assert_eq!(schedule.mixed[0].node, focus);
    assert!(schedule.mixed[0].all_columns);
    assert_eq!(fixed(focus), vec![None, None]);
    // Every other node is fixed: mines and the MY refinery at (0, 1), CN mine and JP hub at
    // (1, 0).
    let mut via_cn = 0;
    let mut not_via = 0;
    for t in 0..focus {
        match fixed(t).as_slice() {
            [Some(1.0), Some(0.0)] => via_cn += 1,
            [Some(0.0), Some(1.0)] => not_via += 1,
            other => panic!("trace node {t} is not fixed: {other:?}"),
        }
    }
    assert_eq!(
        (via_cn, not_via),
        (2, 3),
        "cn_mine, jp_hub; au, br, my_refinery"
    );
}

#[test]
fn shares_through_a_fixed_node_match_closed_form_even_when_it_receives_nothing() {
    // Deterministic: CN 5 t/month of 10 (the cheaper route), the refinery the other 5.
    let summary = run_text(&network(""), 20, 7, 1);
    let value = |metric: &str| row(&summary, "base", "x", metric).mean;
    assert_eq!(value("dependency_CN"), 0.5);
    assert_eq!(value("independent_share"), 0.5);
    assert_eq!(value("shortfall_share"), 0.0);

    // The refinery behind a project that never succeeds: it receives and passes on nothing,
    // so its fixed "not via any" fraction must not count: the US gets CN's 5 and is 5 short.
    let never = r#"
[[disruption]]
id = "refinery_project"
kind = "project"
targets = ["my_refinery"]
success_probability = 0.0
online_month = 0
"#;
    let summary = run_text(&network(never), 20, 7, 1);
    let value = |metric: &str| row(&summary, "base", "x", metric).mean;
    assert_eq!(value("dependency_CN"), 0.5);
    assert_eq!(value("independent_share"), 0.0);
    assert_eq!(value("shortfall_share"), 0.5);
}

//! Bundled scenarios: every one validates, supplies every focus commodity in every variant
//! with no warnings, is the file in `scenarios/` byte for byte, and carries a source tag on
//! every numeric line; the default is calibrated by construction to the USGS 2021–24 China
//! shares that `docs/scenarios.md` documents.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use supplyrisk::model::{CommodityId, Country, Model, NodeId, Variant};
use supplyrisk::report::check;
use supplyrisk::scenario::{self, bundled};

fn model_of(b: &bundled::Bundled) -> Model {
    scenario::parse(&b.source())
        .unwrap_or_else(|e| panic!("bundled scenario {} does not validate:\n{e}", b.name))
}

/// Scenario files that are deliberately not bundled: `bench_medium` is a synthetic network for
/// the benches (BENCHMARKS.md), with invented numbers, so it is neither shipped in the binary
/// nor held to the source-tag rule of analysis scenarios.
const NOT_BUNDLED: &[&str] = &["bench_medium"];

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            !p.file_stem()
                .is_some_and(|stem| NOT_BUNDLED.iter().any(|name| stem == *name))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_bundled_scenario_validates() {
    assert!(!bundled::ALL.is_empty());
    for b in bundled::ALL {
        let model = model_of(b);
        assert!(
            !model.reported_commodities().is_empty(),
            "{}: no commodity with demand at the focus market",
            b.name
        );
    }
}

#[test]
fn the_default_comes_first_and_the_tutorial_is_kept() {
    assert_eq!(bundled::DEFAULT, "pakistan");
    assert_eq!(bundled::ALL[0].name, bundled::DEFAULT);
    let names: BTreeSet<&str> = bundled::ALL.iter().map(|b| b.name).collect();
    for name in [
        "pakistan",
        "antimony_ban",
        "rare_earths",
        "copper_reko_diq",
        "tutorial",
    ] {
        assert!(names.contains(name), "{name} is not bundled");
    }
    assert_eq!(
        names.len(),
        bundled::ALL.len(),
        "a bundled name appears twice"
    );
}

/// The lines of `check` under "Supply of the focus market", as (commodity, variant, text).
fn supply_lines(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut commodity = String::new();
    for line in text.lines() {
        if line.starts_with("Supply of the focus market") {
            in_section = true;
            continue;
        }
        if !in_section {
            continue;
        }
        if line.is_empty() {
            break;
        }
        if let Some(rest) = line.strip_prefix("    ") {
            let variant = rest.split_whitespace().next().unwrap_or_default();
            out.push((commodity.clone(), variant.to_string(), rest.to_string()));
        } else if let Some(rest) = line.strip_prefix("  ") {
            commodity = rest.split(':').next().unwrap_or_default().to_string();
        }
    }
    out
}

#[test]
fn check_lists_every_focus_commodity_as_supplied_in_every_variant_without_warnings() {
    for b in bundled::ALL {
        let model = model_of(b);
        let source = b.source();
        let text = check::describe(&model, &source.label, &source.sha256);
        let lines = supply_lines(&text);
        for c in model.reported_commodities() {
            let id = &model.network.commodities[c.0].id;
            for variant in &model.variants {
                let found: Vec<_> = lines
                    .iter()
                    .filter(|(commodity, v, _)| commodity == id && *v == variant.id)
                    .collect();
                assert_eq!(
                    found.len(),
                    1,
                    "{}: check shows {} lines for {id} in variant {}:\n{text}",
                    b.name,
                    found.len(),
                    variant.id
                );
                let line = &found[0].2;
                assert!(
                    line.contains("mines in") && !line.contains("NOT supplied"),
                    "{}: {id} is not supplied in variant {}: {line}",
                    b.name,
                    variant.id
                );
            }
        }
        let warnings = check::warnings(&model);
        assert!(
            warnings.is_empty(),
            "{}: unintended warnings: {warnings:?}",
            b.name
        );
    }
}

#[test]
fn every_scenario_file_is_bundled_byte_for_byte() {
    let files = scenario_files();
    assert!(files.len() >= 5, "expected the five scenario files");
    for path in &files {
        let stem = path
            .file_stem()
            .expect("a file stem")
            .to_string_lossy()
            .into_owned();
        let b = bundled::find(&stem)
            .unwrap_or_else(|| panic!("scenarios/{stem}.toml is not in bundled::ALL"));
        let text = std::fs::read_to_string(path).expect("readable scenario");
        assert_eq!(
            text, b.text,
            "the bundled copy of {stem} differs from the file"
        );
    }
    for b in bundled::ALL {
        assert!(
            files
                .iter()
                .any(|p| p.file_stem().is_some_and(|s| s == b.name)),
            "bundled scenario {} has no file in scenarios/",
            b.name
        );
    }
}

/// Splits a TOML line into its code and its comment, honouring basic ("…", with escapes) and
/// literal ('…') strings; string contents are blanked out of the code.
fn code_and_comment(line: &str) -> (String, Option<&str>) {
    let mut code = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, ch) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if q == '"' && ch == '\\' {
                    escaped = true;
                } else if ch == q {
                    quote = None;
                    code.push(ch);
                }
            }
            None => {
                if ch == '#' {
                    return (code, Some(&line[i + 1..]));
                }
                if ch == '"' || ch == '\'' {
                    quote = Some(ch);
                }
                code.push(ch);
            }
        }
    }
    (code, None)
}

/// A table header such as `[scenario]`, `[[node]]` or `[variant.set]`.
fn table_header(code: &str) -> Option<String> {
    let trimmed = code.trim();
    let inner = trimmed.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(inner);
    inner
        .chars()
        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        .then(|| inner.to_string())
}

const TAGS: &[&str] = &[
    "[S-", "[S:", "[S]", "[S ", "[D]", "[D:", "[D ", "[D,", "[E]", "[E:", "[E ", "[E,",
];

/// Numeric lines without a source tag, as `line: text`. Exempt: the `[scenario]` table (run
/// settings, not evidence) and lines restating a default (`cost = 1`, `priority = 1`).
fn untagged_numeric_lines(text: &str) -> Vec<String> {
    let mut table = String::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let (code, comment) = code_and_comment(line);
        if let Some(header) = table_header(&code) {
            table = header;
            continue;
        }
        if table == "scenario" || !code.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let restates_default = matches!(
            code.split_whitespace().collect::<Vec<_>>().as_slice(),
            ["cost" | "priority", "=", "1" | "1.0"]
        );
        if restates_default {
            continue;
        }
        let tagged = comment.is_some_and(|c| TAGS.iter().any(|t| c.contains(t)));
        if !tagged {
            out.push(format!("{}: {}", n + 1, line.trim()));
        }
    }
    out
}

#[test]
fn the_tag_checker_flags_an_untagged_number_and_nothing_else() {
    let text = "\
[scenario]
horizon_months = 120
[[node]]
id = \"cn_2026\"   # digits in a string are not a number
capacity = { a = 10 }   # [S-USGS MCS26] tagged
capacity = { b = 20 }   # [E: reasoning] tagged
capacity = { c = 30 }   # no tag here
name = \"a # b 42\"
cost = 1.0
cost = 2
[[disruption]]
transitions = [
  [0.5, 0.5],   # [D] tagged row
  [0.5, 0.5],
]
";
    assert_eq!(
        untagged_numeric_lines(text),
        vec![
            "7: capacity = { c = 30 }   # no tag here".to_string(),
            "10: cost = 2".to_string(),
            "14: [0.5, 0.5],".to_string(),
        ]
    );
}

#[test]
fn every_numeric_line_of_every_scenario_file_carries_a_source_tag() {
    let mut failures = Vec::new();
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).expect("readable scenario");
        let name = path.file_name().expect("file name").to_string_lossy();
        for line in untagged_numeric_lines(&text) {
            failures.push(format!("{name}:{line}"));
        }
    }
    assert!(
        failures.is_empty(),
        "numeric lines without [S…], [D…] or [E…]:\n{}",
        failures.join("\n")
    );
}

/// Calibration targets of the default scenario, as documented in `docs/scenarios.md`: the
/// baseline's `dependency_CN` with every disruption off. Light REE is the USGS 71% of all REE
/// compounds & metals after moving the heavy-REE imports (100% Chinese) to their own commodity:
/// (0.71 × 9,620 − 71.25) / 9,548.75.
const CALIBRATION: &[(&str, f64)] = &[
    ("ndpr_oxide", (0.71 * 9620.0 - 71.25) / 9548.75),
    ("dy_tb_oxide", 1.0),
    ("antimony", 0.55),
    ("tungsten", 0.26),
    ("copper", 0.0),
    ("gold", 0.0),
];

fn live(variant: &Variant, node: NodeId) -> bool {
    !variant.node_disabled[node.0]
}

/// Whether any node upstream of `node` (itself included) along live edges carrying `c` is in
/// `country`.
fn upstream_touches(
    model: &Model,
    variant: &Variant,
    node: NodeId,
    c: CommodityId,
    country: Country,
) -> bool {
    let mut seen = vec![false; model.network.nodes.len()];
    let mut stack = vec![node];
    while let Some(v) = stack.pop() {
        if seen[v.0] {
            continue;
        }
        seen[v.0] = true;
        if model.network.nodes[v.0].country == country {
            return true;
        }
        for e in &model.network.edges {
            if e.to == v && e.carries[c.0] && live(variant, e.from) {
                stack.push(e.from);
            }
        }
    }
    false
}

/// With every disruption off, the baseline's flows into the US are fixed by construction (the
/// engine-level check of the same numbers is `tests/calibration.rs`). The live edges into `us`
/// are of three kinds (docs/scenarios.md §1.2):
/// - contracts: non-Chinese suppliers, capped at their 2021–24 tonnage, cheaper than China;
/// - China: capped at China's 2021–24 tonnage; contracts + China add up to demand exactly, so
///   the traced China share is China's capacity over demand, the documented value;
/// - surge: non-Chinese, costlier than China, so unused while China ships its share.
///
/// Every route into another market (`row`, `cn_use`) costs more than every route into the US, so
/// moving one Chinese unit from the US to another market and one non-Chinese unit the other way
/// by surge raises the cost, and the US is served first in a shortage. No contract or surge
/// supplier has a Chinese node upstream (its tonnage would count as via CN).
#[test]
fn the_default_scenario_is_calibrated_by_construction_to_the_documented_shares() {
    let b = bundled::find(bundled::DEFAULT).expect("the default is bundled");
    let model = model_of(b);
    let network = &model.network;
    let baseline = &model.variants[model.baseline()];
    let china = Country::parse("CN").expect("a country code");
    let us = model.focus_market;
    let other_markets: Vec<NodeId> = ["row", "cn_use"]
        .iter()
        .map(|id| {
            network
                .node_by_id(id)
                .unwrap_or_else(|| panic!("the default has a {id} market"))
        })
        .collect();
    assert_eq!(
        model.reported_commodities().len(),
        CALIBRATION.len(),
        "every focus commodity has a documented calibration value"
    );
    for &(id, share) in CALIBRATION {
        let c = network
            .commodity_by_id(id)
            .unwrap_or_else(|| panic!("commodity {id} is in the default"));
        let demand = baseline.nodes[us.0].demand_t_per_year(c);
        assert!(demand > 0.0, "{id}: no US demand");
        let into_us: Vec<_> = network
            .edges
            .iter()
            .filter(|e| e.to == us && e.carries[c.0] && live(baseline, e.from))
            .collect();
        let chinese_cost = into_us
            .iter()
            .filter(|e| baseline.nodes[e.from.0].country == china)
            .map(|e| e.cost)
            .fold(f64::INFINITY, f64::min);
        let mut chinese = 0.0;
        let mut contracts = 0.0;
        let mut surge_routes = 0;
        let mut max_us_cost = f64::NEG_INFINITY;
        for e in &into_us {
            let from = &baseline.nodes[e.from.0];
            max_us_cost = max_us_cost.max(e.cost);
            if from.country == china {
                let cap = e.capacity_t_per_year[c.0]
                    .unwrap_or_else(|| panic!("{id}: China's edge into us is uncapped"));
                chinese += cap;
                continue;
            }
            assert!(
                !upstream_touches(&model, baseline, e.from, c, china),
                "{id}: {} has a Chinese node upstream, so its tonnage would count as via CN",
                from.id
            );
            if e.cost > chinese_cost {
                // Rule 2: surge, unused while China ships its share.
                surge_routes += 1;
                continue;
            }
            assert!(
                e.cost < chinese_cost,
                "{id}: rule 1 — the contract from {} must be cheaper than China",
                from.id
            );
            let cap = e.capacity_t_per_year[c.0]
                .unwrap_or_else(|| panic!("{id}: the contract edge from {} is uncapped", from.id));
            if let Some(node_cap) = from.capacity_t_per_year[c.0] {
                assert!(node_cap >= cap, "{id}: {} cannot fill its US edge", from.id);
            }
            contracts += cap;
        }
        assert!(
            (chinese + contracts - demand).abs() < 1e-6 * demand,
            "{id}: US contract and Chinese edges carry {contracts} + {chinese}, demand is {demand}"
        );
        assert!(
            (chinese / demand - share).abs() < 1e-9,
            "{id}: China's share by construction is {}, documented {share}",
            chinese / demand
        );
        // Re-routing exists wherever China supplies and a non-Chinese bound is documented: every
        // commodity with a Chinese share except heavy REE (no documented capacity outside China).
        let expect_surge = chinese > 0.0 && id != "dy_tb_oxide";
        assert_eq!(
            surge_routes > 0,
            expect_surge,
            "{id}: a surge route is expected exactly where documented"
        );
        for e in &network.edges {
            if other_markets.contains(&e.to) && e.carries[c.0] && live(baseline, e.from) {
                assert!(
                    e.cost > max_us_cost,
                    "{id}: rule 3 — the route {} → {} must cost more than every route to the US",
                    network.nodes[e.from.0].id,
                    network.nodes[e.to.0].id
                );
            }
        }
    }
}

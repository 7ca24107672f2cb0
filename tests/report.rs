//! `report.md`: every figure quoted in the headlines and the tables equals the `summary.csv` row
//! it comes from, after the rounding shown (a figure printed with d decimals is within half a
//! unit of its last place); falls, rises and "no change" are worded as they are; a single
//! variant is reported without a comparison; the assumptions and provenance come from the
//! scenario.

mod common;

use std::collections::HashMap;

use common::{SummaryCsv, model, parse_summary_csv, run_model};
use supplyrisk::plot;
use supplyrisk::report::markdown::{self, network_views};
use supplyrisk::report::summary::Summary;

/// Two commodities, two countries, four variants: the baseline (`full`) and three against it:
/// `no_tj` loses the cheapest, non-Chinese mine, whose share Chinese supply then takes
/// (dependency on CN rises); `with_br` adds a cheaper Brazilian mine, which displaces Chinese
/// supply whenever China's exports are open (dependency on CN falls);
/// `with_spare` only adds a mine with no edges (nothing changes in any trial).
const SCENARIO: &str = r#"
[scenario]
name = "Report test"
start = "2026-01"
horizon_months = 24
focus_market = "us"
dependency_on = ["CN", "RU"]
shortfall_threshold = 0.05

[[commodity]]
id = "antimony"
name = "Antimony (t Sb)"

[[commodity]]
id = "tungsten"

[[node]]
id = "cn_mines"
kind = "mine"
country = "CN"
capacity = { antimony = 500, tungsten = 250 }

[[node]]
id = "ru_mine"
kind = "mine"
country = "RU"
capacity = { antimony = 120, tungsten = 80 }

[[node]]
id = "tj_mine"
kind = "mine"
country = "TJ"
capacity = { antimony = 100 }

[[node]]
id = "spare"
kind = "mine"
country = "BR"
capacity = { antimony = 50 }

[[node]]
id = "br_mine"
kind = "mine"
country = "BR"
capacity = { antimony = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { antimony = 400, tungsten = 300 }
stock_months = { tungsten = 1 }

[[edge]]
from = "cn_mines"
to = "us"

[[edge]]
from = "ru_mine"
to = "us"
cost = 2

[[edge]]
from = "tj_mine"
to = "us"
cost = 0.5

[[edge]]
from = "br_mine"
to = "us"
cost = 0.4

[[disruption]]
id = "cn_controls"
kind = "regime"
states = ["open", "ban"]
initial = "open"
transitions = [[0.85, 0.15], [0.3, 0.7]]
[[disruption.effect]]
state = "ban"
exporter = "CN"
factor = 0.2

[[disruption]]
id = "ru_strikes"
kind = "incidents"
rate_per_year = 3
targets = ["ru_mine"]
severity = { dist = "beta", a = 2, b = 2 }
duration_days = { dist = "exponential", mean = 40 }

[[variant]]
id = "full"
baseline = true
disable = ["spare", "br_mine"]

[[variant]]
id = "no_tj"
disable = ["spare", "tj_mine", "br_mine"]

[[variant]]
id = "with_br"
disable = ["spare"]

[[variant]]
id = "with_spare"
disable = ["br_mine"]
"#;

/// A figure as printed: its value, its decimals, and whether it is a bound (`>99.9%`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figure {
    value: f64,
    decimals: usize,
    bound: Bound,
    percent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Exact,
    Above,
    Below,
}

/// Every figure in `text`, in order: an optional `<`, `>`, `+` or `−`, digits with an optional
/// decimal part, an optional `%`.
fn figures(text: &str) -> Vec<Figure> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (mut bound, mut sign, mut start) = (Bound::Exact, 1.0, i);
        match chars[i] {
            '>' => bound = Bound::Above,
            '<' => bound = Bound::Below,
            '−' | '-' => sign = -1.0,
            '+' => {}
            _ => start = usize::MAX,
        }
        let digits_from = if start == usize::MAX { i } else { i + 1 };
        if digits_from < chars.len() && chars[digits_from].is_ascii_digit() {
            // A digit glued to a letter or underscore is part of a name, not a figure.
            if digits_from > 0
                && start == usize::MAX
                && (chars[digits_from - 1].is_alphanumeric() || chars[digits_from - 1] == '_')
            {
                i += 1;
                continue;
            }
            let mut j = digits_from;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            // A sentence-ending period is not a decimal point.
            let mut literal: String = chars[digits_from..j].iter().collect();
            if literal.ends_with('.') {
                literal.pop();
            }
            let decimals = literal.split('.').nth(1).map_or(0, str::len);
            let percent = j < chars.len() && chars[j] == '%';
            let value: f64 = literal.parse().expect("digits");
            out.push(Figure {
                value: sign * value,
                decimals,
                bound,
                percent,
            });
            i = j + usize::from(percent);
        } else {
            i += 1;
        }
    }
    out
}

/// Asserts a printed share or difference (in percent or points) equals `fraction` × 100 to the
/// printed decimals.
fn assert_share(printed: Figure, fraction: f64, what: &str) {
    assert_eq!(printed.bound, Bound::Exact, "{what}: {printed:?}");
    let tolerance = 0.5 * 10f64.powi(-(printed.decimals as i32)) + 1e-9;
    assert!(
        (printed.value - fraction * 100.0).abs() <= tolerance,
        "{what}: printed {} ({} decimals) but summary.csv has {fraction}",
        printed.value,
        printed.decimals
    );
}

/// Asserts a printed plain number (months) equals `value` to the printed decimals.
fn assert_plain(printed: Figure, value: f64, what: &str) {
    let tolerance = 0.5 * 10f64.powi(-(printed.decimals as i32)) + 1e-9;
    assert!(
        (printed.value - value).abs() <= tolerance,
        "{what}: printed {} but summary.csv has {value}",
        printed.value
    );
}

/// Asserts a printed probability: `100%` and `0%` only when exact, bounds for the rest.
fn assert_probability(printed: Figure, p: f64, what: &str) {
    match printed.bound {
        Bound::Above => assert!(
            (0.999..1.0).contains(&p),
            "{what}: >{} but {p}",
            printed.value
        ),
        Bound::Below => assert!(p > 0.0 && p < 0.001, "{what}: <{} but {p}", printed.value),
        Bound::Exact if printed.decimals == 0 && printed.value == 100.0 => {
            assert_eq!(p, 1.0, "{what}")
        }
        Bound::Exact if printed.decimals == 0 && printed.value == 0.0 => {
            assert_eq!(p, 0.0, "{what}")
        }
        Bound::Exact => assert_share(printed, p, what),
    }
}

struct Report {
    summary: Summary,
    csv: SummaryCsv,
    text: String,
}

impl Report {
    fn new(text: &str, trials: u64) -> Report {
        let (model, source) = model(text);
        let summary = run_model(&model, &source, trials, 9, 2);
        let csv = parse_summary_csv(&String::from_utf8(summary.summary_csv()).expect("UTF-8"));
        let specs = plot::plan(&summary, &network_views(&model));
        let text = markdown::render(&model, &summary, Some(&specs));
        Report { summary, csv, text }
    }

    fn row(&self, variant: &str, commodity: &str, metric: &str) -> &HashMap<String, f64> {
        self.csv
            .get(&(variant.into(), commodity.into(), metric.into()))
            .unwrap_or_else(|| panic!("no CSV row {variant}/{commodity}/{metric}"))
    }

    fn headline_bullets(&self) -> Vec<(String, String)> {
        let section = self
            .text
            .split("## Headline")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("a headline section");
        section
            .lines()
            .filter_map(|l| l.strip_prefix("- **"))
            .map(|l| {
                let (name, rest) = l.split_once("** — ").expect("a bold commodity name");
                let id = self
                    .summary
                    .commodities
                    .iter()
                    .find(|c| c.name == name || c.id == name)
                    .map(|c| c.id.clone())
                    .expect("a commodity of the summary");
                (id, rest.to_string())
            })
            .collect()
    }

    /// Table rows (cells) of the table whose header starts with `header`.
    fn table(&self, header: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut inside = false;
        for line in self.text.lines() {
            if line.starts_with(header) {
                inside = true;
                continue;
            }
            if inside {
                if !line.starts_with('|') {
                    break;
                }
                if line.starts_with("|---") {
                    continue;
                }
                rows.push(
                    line.trim_matches('|')
                        .split(" | ")
                        .map(|c| c.trim().to_string())
                        .collect(),
                );
            }
        }
        assert!(!rows.is_empty(), "a table headed {header}");
        rows
    }
}

/// The metric a table's "figure" label names.
fn metric_of(label: &str) -> String {
    if let Some(country) = label
        .strip_prefix("dependency on ")
        .and_then(|r| r.strip_suffix(" (% of demand)"))
    {
        return format!("dependency_{country}");
    }
    match label {
        "shortfall (% of demand unmet)" => "shortfall_share",
        "months with a shortage (count)" => "shortage_months",
        "serious shortfall (% of trials)" => "shortfall_exceeds_threshold",
        other => panic!("unknown figure label {other}"),
    }
    .to_string()
}

fn variant_of(cell: &str) -> String {
    cell.trim_end_matches(" (baseline)")
        .trim_matches('`')
        .to_string()
}

#[test]
fn every_figure_in_the_report_is_a_summary_csv_figure() {
    let report = Report::new(SCENARIO, 400);
    let s = &report.summary;
    let threshold = s.shortfall_threshold;

    // Headlines: one change sentence per (commodity, non-baseline variant, country), and a
    // shortfall sentence per commodity.
    let bullets = report.headline_bullets();
    assert_eq!(bullets.len(), s.commodities.len());
    let mut change_sentences = 0;
    for (commodity, bullet) in &bullets {
        for sentence in bullet.split(". ").map(|t| t.trim_end_matches('.')) {
            if let Some((pair, rest)) = sentence.split_once(": ")
                && pair.contains("` vs `")
            {
                change_sentences += 1;
                let ids: Vec<&str> = pair
                    .split('`')
                    .filter(|t| !t.trim().is_empty() && *t != " vs ")
                    .collect();
                let (variant, baseline) = (ids[0], ids[1]);
                let country = rest
                    .split("dependency on ")
                    .nth(1)
                    .and_then(|r| r.split(' ').next())
                    .expect("a country");
                let metric = format!("dependency_{country}");
                let b = report.row(baseline, commodity, &metric);
                let v = report.row(variant, commodity, &metric);
                let r = report.row(&format!("reduction:{variant}"), commodity, &metric);
                let what = format!("headline {variant}/{commodity}/{metric}");
                // "…; across trials the fall runs from a to b points (5th to 95th percentile)":
                // the reduction's own p5 and p95 in the direction of the verb (a rise's are the
                // reduction's negated and swapped; "the reduction" after "barely changes");
                // absent only when they print the same.
                let (rest, spread) = match rest.split_once("; across trials the ") {
                    Some((rest, spread)) => (rest, Some(spread)),
                    None => (rest, None),
                };
                match spread {
                    Some(spread) => {
                        let (what_runs, range) = spread
                            .strip_suffix(" points (5th to 95th percentile)")
                            .and_then(|s| s.split_once(" runs from "))
                            .unwrap_or_else(|| panic!("{what}: {spread}"));
                        let ends = figures(range);
                        assert_eq!(ends.len(), 2, "{what}: {range}");
                        let (low, high) = match what_runs {
                            "fall" | "reduction" => (r["p5"], r["p95"]),
                            "rise" => (-r["p95"], -r["p5"]),
                            other => panic!("{what}: the spread of {other}?"),
                        };
                        assert_eq!(
                            what_runs == "rise",
                            rest.contains(" rises by "),
                            "{what}: {rest}"
                        );
                        assert_share(ends[0], low, &format!("{what} p5"));
                        assert_share(ends[1], high, &format!("{what} p95"));
                        assert!(ends[0].value < ends[1].value, "{what}: {range}");
                    }
                    // One decimal of a point: ends closer than that may print the same.
                    None => assert!(
                        (r["p95"] - r["p5"]) * 100.0 < 0.1 + 1e-9,
                        "{what}: a spread that prints goes unsaid"
                    ),
                }
                let numbers = figures(&rest.replace("95% CI", "CI"));
                assert_ne!(
                    (r["mean"], r["sd"]),
                    (0.0, 0.0),
                    "{what}: no change is listed apart"
                );
                // Five figures, and a sixth for P(falls) unless it reads "in every trial" or "in no trial".
                let words = rest.ends_with("in every trial") || rest.ends_with("in no trial");
                assert_eq!(numbers.len(), 5 + usize::from(!words), "{what}: {rest}");
                // "falls by X points, from b to v on average (95% CI lo to hi)": X and its CI
                // are the reduction's (baseline − variant); after "rises by" they are the
                // increase's, the reduction negated (so its CI negated and swapped); "barely
                // changes (b and v on average; reduction X points, 95% CI lo to hi)".
                let verb = if rest.contains(" falls by ") {
                    "falls by"
                } else if rest.contains(" rises by ") {
                    "rises by"
                } else {
                    "barely changes"
                };
                let (levels, difference) = if verb == "barely changes" {
                    (
                        [numbers[0], numbers[1]],
                        [numbers[2], numbers[3], numbers[4]],
                    )
                } else {
                    (
                        [numbers[1], numbers[2]],
                        [numbers[0], numbers[3], numbers[4]],
                    )
                };
                assert_share(levels[0], b["mean"], &format!("{what} baseline"));
                assert_share(levels[1], v["mean"], &format!("{what} variant"));
                let sign = if verb == "rises by" { -1.0 } else { 1.0 };
                let (low, high) = if verb == "rises by" {
                    (r["ci_high"], r["ci_low"])
                } else {
                    (r["ci_low"], r["ci_high"])
                };
                assert_share(
                    difference[0],
                    sign * r["mean"],
                    &format!("{what} difference"),
                );
                assert_share(difference[1], sign * low, &format!("{what} CI low"));
                assert_share(difference[2], sign * high, &format!("{what} CI high"));
                if rest.ends_with("in every trial") {
                    assert_eq!(r["p_positive"], 1.0, "{what}");
                } else if rest.ends_with("in no trial") {
                    assert_eq!(r["p_positive"], 0.0, "{what}");
                } else {
                    assert_probability(numbers[5], r["p_positive"], &format!("{what} P(falls)"));
                }
                // The verb agrees with the sign of the rounded reduction.
                let shown = difference[0].value * sign;
                let expected = if shown > 0.0 {
                    "falls by"
                } else if shown < 0.0 {
                    "rises by"
                } else {
                    "barely changes"
                };
                assert_eq!(verb, expected, "{what}: {rest}");
            } else if let Some(list) = sentence.strip_prefix("Unchanged in every trial (against `")
            {
                let (baseline, items) = list.split_once("`): ").expect("the baseline");
                for item in items.split("; ") {
                    let country = item
                        .split("dependency on ")
                        .nth(1)
                        .and_then(|r| r.split(' ').next())
                        .expect("a country");
                    let metric = format!("dependency_{country}");
                    let variants = item.split_once(" in ").expect("variants").1;
                    for variant in variants.split(" and ") {
                        let variant = variant.trim_matches('`');
                        change_sentences += 1;
                        let r = report.row(&format!("reduction:{variant}"), commodity, &metric);
                        assert_eq!(
                            (r["mean"], r["sd"], r["p_positive"]),
                            (0.0, 0.0, 0.0),
                            "{variant}/{commodity}/{metric} is listed as unchanged"
                        );
                        assert_eq!(
                            report.row(baseline, commodity, &metric)["mean"],
                            report.row(variant, commodity, &metric)["mean"]
                        );
                    }
                }
            } else if sentence.starts_with("Shortfall (demand unmet") {
                let (shares, serious) = sentence
                    .split_once("; share of trials with a serious shortfall")
                    .expect("two lists");
                let numbers = figures(shares);
                assert_eq!(numbers.len(), s.variants.len(), "{sentence}");
                for (figure, variant) in numbers.iter().zip(&s.variants) {
                    let row = report.row(&variant.id, commodity, "shortfall_share");
                    assert_share(*figure, row["mean"], &format!("shortfall {}", variant.id));
                }
                let numbers = figures(serious);
                assert_eq!(numbers.len(), 1 + s.variants.len(), "{sentence}");
                assert_share(numbers[0], threshold, "threshold");
                for (figure, variant) in numbers[1..].iter().zip(&s.variants) {
                    let row = report.row(&variant.id, commodity, "shortfall_exceeds_threshold");
                    assert_probability(*figure, row["mean"], &format!("serious {}", variant.id));
                }
            } else {
                panic!("unexpected headline sentence: {sentence}");
            }
        }
    }
    assert_eq!(
        change_sentences,
        s.commodities.len() * (s.variants.len() - 1) * s.dependency_on.len()
    );

    // The key figures, per variant.
    let rows = report.table("| commodity | variant | figure | mean |");
    assert_eq!(rows.len(), s.commodities.len() * s.variants.len() * (2 + 3));
    for cells in rows {
        let (commodity, variant, metric) = (&cells[0], variant_of(&cells[1]), metric_of(&cells[2]));
        let row = report.row(&variant, commodity, &metric);
        let what = format!("table {variant}/{commodity}/{metric}");
        let ci = figures(&cells[4]);
        assert_eq!(ci.len(), 2, "{what}");
        if metric == "shortage_months" {
            assert_plain(figures(&cells[3])[0], row["mean"], &what);
            assert_plain(ci[0], row["ci_low"], &what);
            assert_plain(ci[1], row["ci_high"], &what);
            for (cell, column) in cells[5..8].iter().zip(["p5", "p50", "p95"]) {
                assert_eq!(figures(cell)[0].value, row[column], "{what} {column}");
            }
        } else {
            assert_share(figures(&cells[3])[0], row["mean"], &what);
            assert_share(ci[0], row["ci_low"], &format!("{what} CI low"));
            assert_share(ci[1], row["ci_high"], &format!("{what} CI high"));
            if metric == "shortfall_exceeds_threshold" {
                assert!(cells[5..8].iter().all(|c| c == "–"), "{what}");
            } else {
                for (cell, column) in cells[5..8].iter().zip(["p5", "p50", "p95"]) {
                    assert_share(figures(cell)[0], row[column], &format!("{what} {column}"));
                }
            }
        }
    }

    // The paired reductions (baseline − variant, as in summary.csv).
    let rows = report.table("| commodity | variant | figure | reduction (mean) |");
    assert_eq!(
        rows.len(),
        s.commodities.len() * (s.variants.len() - 1) * (2 + 3)
    );
    for cells in rows {
        let (commodity, variant, metric) = (&cells[0], variant_of(&cells[1]), metric_of(&cells[2]));
        let r = report.row(&format!("reduction:{variant}"), commodity, &metric);
        let what = format!("reduction {variant}/{commodity}/{metric}");
        let reduction = figures(&cells[3])[0];
        let ci = figures(&cells[4]);
        if metric == "shortage_months" {
            assert_plain(reduction, r["mean"], &what);
            assert_plain(ci[0], r["ci_low"], &what);
            assert_plain(ci[1], r["ci_high"], &what);
        } else {
            assert_share(reduction, r["mean"], &what);
            assert_share(ci[0], r["ci_low"], &what);
            assert_share(ci[1], r["ci_high"], &what);
        }
        assert_probability(
            figures(&cells[5])[0],
            r["p_positive"],
            &format!("{what} P(falls)"),
        );
        // The reduction's own percentiles across trials ("–" for the serious-shortfall
        // indicator, whose per-trial reduction is only −1, 0 or +1).
        for (cell, column) in cells[6..9].iter().zip(["p5", "p50", "p95"]) {
            let what = format!("{what} {column}");
            match metric.as_str() {
                "shortfall_exceeds_threshold" => assert_eq!(cell, "–", "{what}"),
                "shortage_months" => assert_plain(figures(cell)[0], r[column], &what),
                _ => assert_share(figures(cell)[0], r[column], &what),
            }
        }
    }
}

#[test]
fn rises_and_no_change_are_worded_as_they_are() {
    let report = Report::new(SCENARIO, 300);
    let r = report.row("reduction:no_tj", "antimony", "dependency_CN");
    assert!(
        r["mean"] < 0.0,
        "losing Tajik supply raises the dependency on CN"
    );
    assert!(
        report
            .text
            .contains("`no_tj` vs `full`: US dependency on CN rises by"),
        "{}",
        report.text
    );
    // The rise's spread is given as a rise: both ends positive here (it falls in no trial).
    let falls_in_no_trial = report
        .text
        .find("); it falls in no trial; across trials the rise runs from ")
        .unwrap_or_else(|| panic!("{}", report.text));
    assert!(
        report.text[falls_in_no_trial..]
            .split_once(" points (5th to 95th percentile).")
            .is_some_and(|(range, _)| !range.contains('−')),
        "{}",
        report.text
    );
    // A variant that changes nothing reachable: the same in every trial, listed apart.
    let r = report.row("reduction:with_spare", "antimony", "dependency_CN");
    assert_eq!((r["mean"], r["sd"]), (0.0, 0.0));
    let text = &report.text;
    let unchanged = text
        .find("Unchanged in every trial (against `full`): US dependency on CN (")
        .map(|at| &text[at..])
        .unwrap_or_else(|| panic!("{text}"));
    // Each unchanged dependency is stated with its level, the baseline's mean as printed.
    let level = |country: &str| -> f64 {
        let key = format!("US dependency on {country} (");
        let start = unchanged.find(&key).expect("the level") + key.len();
        let end = start
            + unchanged[start..]
                .find("% on average)")
                .expect("a percentage");
        unchanged[start..end].parse::<f64>().expect("a number") / 100.0
    };
    for country in ["CN", "RU"] {
        let mean = report.row("full", "antimony", &format!("dependency_{country}"))["mean"];
        assert!(
            (level(country) - mean).abs() <= 0.0005,
            "{country}: {unchanged}"
        );
    }
    assert!(
        unchanged.contains("on average) in `with_spare`; US dependency on RU (")
            && unchanged.contains("on average) in `no_tj` and `with_br` and `with_spare`."),
        "{unchanged}"
    );
}

/// A fall reads "falls by", with the reduction and its CI as they are, in the headline and in
/// the terminal table; a rise reads "rises by" in the headline, and the terminal table gives
/// its (negative) reduction; both tables and sentences agree with `summary.csv`.
#[test]
fn falls_and_rises_read_the_same_in_the_headline_and_the_terminal_table() {
    let report = Report::new(SCENARIO, 300);
    let fall = report.row("reduction:with_br", "antimony", "dependency_CN");
    let rise = report.row("reduction:no_tj", "antimony", "dependency_CN");
    assert!(
        fall["ci_low"] > 0.0 && rise["ci_high"] < 0.0,
        "{fall:?} {rise:?}"
    );
    assert!(
        report
            .text
            .contains("`with_br` vs `full`: US dependency on CN falls by "),
        "{}",
        report.text
    );
    assert!(
        report
            .text
            .contains("`no_tj` vs `full`: US dependency on CN rises by "),
        "{}",
        report.text
    );

    // The terminal table: a block per variant, a row per (commodity, country).
    let table = supplyrisk::report::table::render(&report.summary);
    let cell = |variant: &str| -> Vec<Figure> {
        let block = table
            .split(&format!("\n{variant} vs full (baseline)"))
            .nth(1)
            .unwrap_or_else(|| panic!("no block for {variant}: {table}"));
        let line = block
            .lines()
            .find(|l| l.starts_with("antimony "))
            .expect("an antimony row");
        // Baseline %, variant %, then the reduction and its CI (the ids have no digits).
        let numbers = figures(line);
        assert!(numbers.len() >= 5, "{line}");
        numbers[2..5].to_vec()
    };
    assert!(table.contains("reduction, pts (95% CI)"), "{table}");
    for (variant, row) in [("with_br", &fall), ("no_tj", &rise)] {
        let shown = cell(variant);
        let what = format!("terminal table, {variant}");
        assert_share(shown[0], row["mean"], &format!("{what} reduction"));
        assert_share(shown[1], row["ci_low"], &format!("{what} CI low"));
        assert_share(shown[2], row["ci_high"], &format!("{what} CI high"));
    }
}

#[test]
fn the_report_carries_assumptions_provenance_and_chart_links() {
    let report = Report::new(SCENARIO, 100);
    let p = &report.summary.provenance;
    assert!(report.text.starts_with("# Report test\n"));
    for needle in [
        p.scenario_sha256.as_str(),
        "`cn_controls`: regime with 2 states",
        "`ru_strikes`: incidents: 3 events/yr",
        "`no_tj`: disables nodes tj_mine, spare",
        "node spare has no edges",
        "![",
        "](charts/dependency_CN.png)",
        "](charts/network_with_spare.png)",
    ] {
        assert!(report.text.contains(needle), "missing `{needle}`");
    }
    assert!(report.text.contains(&format!("| trials | {} |", p.trials)));
}

/// The report prints shares in percent and reductions in points, where `summary.csv` holds both
/// as fractions (checked figure by figure in
/// `every_figure_in_the_report_is_a_summary_csv_figure`): its text must say so wherever it
/// points the reader to `summary.csv`, and never that the CSV's rows are in points.
#[test]
fn the_report_says_summary_csv_holds_fractions() {
    let report = Report::new(SCENARIO, 100);
    // A reduction of several points is a number well below 1 in the CSV.
    let row = report.row("reduction:with_br", "antimony", "dependency_CN");
    assert!(
        row["mean"] > 0.01 && row["mean"] < 1.0,
        "a fraction: {}",
        row["mean"]
    );
    for needle in [
        // The note under the headlines.
        "`summary.csv`'s `reduction:` rows hold it as a fraction (0.01 = 1 point)",
        // The reductions table's preamble.
        "`summary.csv`'s `reduction:` rows give those in points as fractions: 0.01 = 1 point",
        // The closing paragraph.
        "shares and their reductions as fractions (0.25 for 25%, 0.01 for 1 point)",
    ] {
        assert!(report.text.contains(needle), "missing `{needle}`");
    }
    // The wording before f387dce said the CSV rows were in points.
    assert!(
        !report
            .text
            .contains("as in `summary.csv`'s `reduction:` rows, in percentage"),
        "{}",
        report.text
    );
}

#[test]
fn a_single_variant_is_reported_without_a_comparison() {
    let text = SCENARIO.split("[[variant]]").next().expect("scenario text");
    let report = Report::new(text, 200);
    assert!(report.text.contains("single variant (`base`)"));
    assert!(!report.text.contains("reduction (mean)"));
    assert!(
        !report.text.contains("baseline minus variant"),
        "no comparison, no reduction"
    );
    for (commodity, bullet) in report.headline_bullets() {
        let row = report.row("base", &commodity, "dependency_CN");
        let sentence = bullet
            .split(". ")
            .find(|t| t.contains("depends on CN"))
            .expect("a dependency sentence");
        let numbers = figures(&sentence.replace("95% CI", "CI").replace("5th–95th", ""));
        assert_eq!(numbers.len(), 5, "{sentence}");
        assert_share(numbers[0], row["mean"], "mean");
        assert_share(numbers[1], row["ci_low"], "CI low");
        assert_share(numbers[2], row["ci_high"], "CI high");
        assert_share(numbers[3], row["p5"], "p5");
        assert_share(numbers[4], row["p95"], "p95");
        let sentence = bullet
            .split(". ")
            .find(|t| t.starts_with("On average"))
            .expect("a shortfall sentence");
        let numbers = figures(sentence);
        assert_eq!(numbers.len(), 3, "{sentence}");
        let shortfall = report.row("base", &commodity, "shortfall_share");
        let serious = report.row("base", &commodity, "shortfall_exceeds_threshold");
        assert_share(numbers[0], shortfall["mean"], "shortfall");
        assert_share(numbers[1], report.summary.shortfall_threshold, "threshold");
        assert_probability(numbers[2], serious["mean"], "serious shortfall");
    }
}

#[test]
fn figures_are_read_as_printed() {
    let f = figures("falls from 87.52% to 86.9% (−0.65 points, CI +0.1 to 0); >99.9% <0.1% 100%.");
    let values: Vec<f64> = f.iter().map(|x| x.value).collect();
    assert_eq!(values, [87.52, 86.9, -0.65, 0.1, 0.0, 99.9, 0.1, 100.0]);
    assert_eq!(f[0].decimals, 2);
    assert_eq!(f[5].bound, Bound::Above);
    assert_eq!(f[6].bound, Bound::Below);
    assert_eq!(f[7].decimals, 0);
    assert!(figures("metal_2 with_pk2").is_empty());
}

#[test]
fn a_scenario_without_dependency_countries_says_why_it_has_no_dependency_charts() {
    let sentence = "No dependency charts: the scenario lists no `dependency_on` country";
    let with = Report::new(SCENARIO, 100);
    assert!(!with.text.contains(sentence));
    assert!(with.text.contains("](charts/dependency_CN.png)"));
    let text = SCENARIO.replace("dependency_on = [\"CN\", \"RU\"]\n", "");
    assert_ne!(
        text, SCENARIO,
        "the test scenario lists dependency countries"
    );
    let without = Report::new(&text, 100);
    assert!(without.text.contains(sentence), "{}", without.text);
    assert!(!without.text.contains("](charts/dependency_"));
    assert!(without.text.contains("](charts/shortfall_exceedance.png)"));
}

/// Regression: with no `dependency_on` country and a single variant, the terminal table printed
/// its header and no row, so the shortfall was not shown at all. Each commodity now gets a row
/// with its shortfall and P(serious shortfall), as in a comparison.
#[test]
fn the_terminal_table_shows_the_shortfall_without_dependency_countries() {
    let single = SCENARIO.split("[[variant]]").next().expect("scenario text");
    let text = single.replace("dependency_on = [\"CN\", \"RU\"]\n", "");
    assert_ne!(text, single, "the test scenario lists dependency countries");
    let report = Report::new(&text, 100);
    let table = supplyrisk::report::table::render(&report.summary);
    for commodity in &report.summary.commodities {
        let line = table
            .lines()
            .find(|line| line.split_whitespace().next() == Some(commodity.id.as_str()))
            .unwrap_or_else(|| panic!("no row for {}:\n{table}", commodity.id));
        let numbers = figures(line);
        assert_eq!(numbers.len(), 2, "{line}");
        let shortfall = report.row("base", &commodity.id, "shortfall_share");
        let serious = report.row("base", &commodity.id, "shortfall_exceeds_threshold");
        assert_share(numbers[0], shortfall["mean"], "shortfall");
        assert_probability(numbers[1], serious["mean"], "serious shortfall");
    }
}

/// A `dependency_on` country or an effect's importer that no node has is legal (the share is
/// 0, the importer matches nothing) but most likely a typo: `check`, `run` and the report warn.
#[test]
fn countries_no_node_has_are_warned_about() {
    let warnings = |text: &str| -> Vec<String> {
        let (model, _) = model(text);
        supplyrisk::report::check::warnings(&model)
            .into_iter()
            .map(|w| w.text)
            .collect()
    };
    let base = warnings(SCENARIO);
    let text = SCENARIO
        .replace(
            "dependency_on = [\"CN\", \"RU\"]",
            "dependency_on = [\"CN\", \"CH\", \"RU\"]",
        )
        .replace(
            "exporter = \"CN\"\nfactor = 0.2",
            "exporter = \"CN\"\nimporters = [\"US\", \"XX\"]\nfactor = 0.2",
        );
    assert_ne!(text, SCENARIO);
    let found = warnings(&text);
    let new: Vec<&String> = found.iter().filter(|w| !base.contains(w)).collect();
    assert_eq!(
        new,
        [
            "dependency_on lists CH, the country of no node: dependency_CH is 0 in every trial",
            "disruption cn_controls effect[0] lists importer XX, the country of no node",
        ],
        "{found:?}"
    );
}

/// A project whose `online_month` falls within the horizon in (practically) no trial adds
/// nothing: legal, but most often a month counted from the wrong origin, so it is warned about,
/// naming the variants where one of its targets is present and the earliest month over them.
/// The boundary is the horizon itself: month 23 is the last of 24, so 23.5 (floored to 23)
/// comes online and 24 does not; a distribution with unbounded support far beyond the horizon
/// is caught too.
#[test]
fn a_project_that_comes_online_after_the_horizon_is_warned_about() {
    let warnings = |online_month: &str, spare: &str| -> Vec<String> {
        let project = format!(
            "[[disruption]]\nid = \"br_project\"\nkind = \"project\"\ntargets = [\"br_mine\", \"spare\"]\n\
             online_month = {online_month}\n\n[[variant]]"
        );
        // `spare` (a target too) is present only in `with_spare`, which sets its own month.
        let text = SCENARIO.replacen("[[variant]]", &project, 1).replace(
            "id = \"with_spare\"\ndisable = [\"br_mine\"]",
            &format!(
                "id = \"with_spare\"\ndisable = [\"br_mine\"]\n[variant.set]\n\"br_project.online_month\" = {spare}"
            ),
        );
        let (model, _) = model(&text);
        supplyrisk::report::check::warnings(&model)
            .into_iter()
            .map(|w| w.text)
            .filter(|w| w.contains("br_project"))
            .collect()
    };
    let late = |variants: &str, month: u32| {
        format!(
            "project br_project comes online after the horizon's last month (23) in {variants}: \
             its online_month is {month} or more (in all but at most one trial in a million), so \
             its targets add nothing there (online_month counts months from start, 2026-01)"
        )
    };
    // br_mine is present only in `with_br`, spare only in `with_spare`.
    assert_eq!(warnings("24", "5"), [late("variant with_br", 24)]);
    assert_eq!(
        warnings("{ dist = \"uniform\", min = 30, max = 40 }", "5"),
        [late("variant with_br", 30)]
    );
    // Two late variants: the earlier month of the two, whichever variant comes first.
    assert_eq!(
        warnings("200", "30"),
        [late("variants with_br, with_spare", 30)]
    );
    assert_eq!(
        warnings("30", "200"),
        [late("variants with_br, with_spare", 30)]
    );
    // Unbounded support: the one-in-a-million quantile, 500 − 4.75·10 = 452.5.
    assert_eq!(
        warnings("{ dist = \"normal\", mean = 500, sd = 10 }", "5"),
        [late("variant with_br", 452)]
    );
    assert!(warnings("23.5", "5").is_empty());
    assert!(warnings("{ dist = \"uniform\", min = 20, max = 40 }", "5").is_empty());
    assert!(warnings("{ dist = \"lognormal\", median = 40, p90 = 60 }", "5").is_empty());
}

/// How `check` describes the model's disruption `id`.
fn describe(model: &supplyrisk::model::Model, id: &str) -> String {
    let disruption = model
        .disruptions
        .iter()
        .find(|d| d.id == id)
        .expect("the disruption");
    supplyrisk::report::check::describe_process(&model.network, &disruption.process, model)
}

/// A regime written as a calendar (one-month states that hand over to the next) describes its
/// many identical states in one entry each for the long-run shares and the mean stays, so a
/// 27-state export-control timeline reads in two lines, not 27 items each.
#[test]
fn calendar_states_of_a_regime_are_summarised() {
    let regime = r#"[[disruption]]
id = "calendar"
kind = "regime"
states = ["m0", "m1", "m2", "m3", "m4", "settled"]
initial = [1, 0, 0, 0, 0, 0]
transitions = [[0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1]]
[[disruption.effect]]
state = "m0"
exporter = "CN"
factor = 0.5

[[variant]]"#;
    let text = SCENARIO.replacen("[[variant]]", regime, 1);
    let (model, _) = model(&text);
    let text = describe(&model, "calendar");
    assert!(
        text.contains(
            "long-run share of months: settled 100.0%, the 5 other states below 0.05% each"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "mean time in each state: 5 states (m0 … m4) 1 month each, settled forever (absorbing)"
        ),
        "{text}"
    );
    // Only consecutive states are grouped: four with the same stay around a different one are
    // listed as they come, so no state is hidden inside a range.
    let text = SCENARIO.replacen(
        "[[variant]]",
        &regime
            .replace(
                "states = [\"m0\", \"m1\", \"m2\", \"m3\", \"m4\", \"settled\"]",
                "states = [\"a\", \"b\", \"odd\", \"c\", \"d\", \"settled\"]",
            )
            .replace(
                "[0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0]",
                "[0, 0, 0.5, 0.5, 0, 0], [0, 0, 0, 0, 1, 0]",
            )
            .replace("state = \"m0\"", "state = \"a\""),
        1,
    );
    let (odd_model, _) = common::model(&text);
    let text = describe(&odd_model, "calendar");
    assert!(
        text.contains(
            "mean time in each state: a 1 month, b 1 month, odd 2 months, c 1 month, d 1 month, \
             settled forever (absorbing)"
        ),
        "{text}"
    );
}

/// A regime of one state (an export control that is always in force) is "a regime with 1
/// state", in the singular.
#[test]
fn a_regime_of_one_state_is_described_in_the_singular() {
    let regime = r#"[[disruption]]
id = "always"
kind = "regime"
states = ["ban"]
initial = [1]
transitions = [[1]]
[[disruption.effect]]
state = "ban"
exporter = "CN"
factor = 0.5

[[variant]]"#;
    let (model, _) = model(&SCENARIO.replacen("[[variant]]", regime, 1));
    let text = describe(&model, "always");
    assert!(text.starts_with("regime with 1 state;"), "{text}");
}

/// The headline opens with the largest change of dependency, by the mean paired reduction
/// over every commodity, variant and country, and the largest among the other commodities,
/// each as `summary.csv` has it.
#[test]
fn the_headline_opens_with_the_largest_change() {
    // The test network: only antimony moves. The default scenario: several commodities do.
    let default = supplyrisk::scenario::bundled::find("pakistan").expect("bundled");
    for (text, trials) in [(SCENARIO, 300), (default.text, 100)] {
        assert_largest_change_first(&Report::new(text, trials));
    }
}

fn assert_largest_change_first(report: &Report) {
    let line = report
        .text
        .lines()
        .find(|l| l.starts_with("**In short:** "))
        .unwrap_or_else(|| panic!("no short answer:\n{}", report.text));
    // Every (commodity, variant, metric) reduction of a dependency, largest |mean| first.
    let mut changes: Vec<(f64, String, String, String)> = Vec::new();
    for commodity in &report.summary.commodities {
        for variant in report.summary.variants.iter().filter(|v| !v.baseline) {
            for country in &report.summary.dependency_on {
                let metric = format!("dependency_{country}");
                let r = report.row(&format!("reduction:{}", variant.id), &commodity.id, &metric);
                changes.push((r["mean"], commodity.id.clone(), variant.id.clone(), metric));
            }
        }
    }
    changes.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    let (mean, commodity, variant, _) = &changes[0];
    let head = format!("the largest change is {commodity}'s in `{variant}`: US dependency on ");
    assert!(line.contains(&head), "{line} (expected {head})");
    let verb = if *mean > 0.0 {
        " falls by "
    } else {
        " rises by "
    };
    let by = line
        .split_once(verb)
        .map(|(_, rest)| figures(rest.split(" points").next().expect("points"))[0])
        .unwrap_or_else(|| panic!("{line}: no{verb}"));
    assert_share(by, mean.abs(), "the largest change");
    // "(b → v on average)": the baseline's and the variant's means.
    let metric = &changes[0].3;
    let levels = line
        .split_once(" points (")
        .and_then(|(_, rest)| rest.split_once(" on average)"))
        .map(|(levels, _)| figures(levels))
        .unwrap_or_else(|| panic!("{line}: no levels"));
    let baseline = report
        .summary
        .variants
        .iter()
        .find(|v| v.baseline)
        .expect("a baseline");
    assert_eq!(levels.len(), 2, "{line}");
    assert_share(
        levels[0],
        report.row(&baseline.id, commodity, metric)["mean"],
        "the baseline's level",
    );
    assert_share(
        levels[1],
        report.row(variant, commodity, metric)["mean"],
        "the variant's level",
    );
    let (next_mean, next_commodity, next_variant, next_metric) = changes
        .iter()
        .find(|c| c.1 != *commodity)
        .expect("another commodity");
    let next_row = report.row(
        &format!("reduction:{next_variant}"),
        next_commodity,
        next_metric,
    );
    if next_row["mean"] == 0.0 && next_row["sd"] == 0.0 {
        assert!(
            line.ends_with(" No other commodity's dependency changes in any trial."),
            "{line}"
        );
        return;
    }
    let next = format!("The next largest is {next_commodity}'s in `{next_variant}`: it ");
    let rest = line
        .split_once(&next)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("{line} (expected {next})"));
    assert_share(figures(rest)[0], next_mean.abs(), "the next largest change");
}

/// Numbers beyond any real quantity read in exponent form, and a month past year 9999 gets no
/// calendar date (review, 2026-11-30: `online_month = 1e300` printed 301 digits and the date
/// "357915967-04"; then `start = "9999-01"` with month 1000 printed "10082-05").
#[test]
fn a_project_beyond_any_horizon_is_described_in_a_few_characters() {
    let project = r#"[[disruption]]
id = "late"
kind = "project"
targets = ["br_mine"]
online_month = 1e300

[[variant]]"#;
    let text = SCENARIO.replacen("[[variant]]", project, 1);
    let (huge, _) = model(&text);
    let text = describe(&huge, "late");
    assert!(
        text.contains("online from month 1e300 (beyond year 9999)"),
        "{text}"
    );
    assert!(text.len() < 200, "{text}");
    // Within 1,200 months of a start near the calendar's end, still no five-digit year.
    let late_start = SCENARIO.replacen("start = \"2026-01\"", "start = \"9950-01\"", 1);
    let text = late_start.replacen("[[variant]]", &project.replace("1e300", "1000"), 1);
    let (late, _) = model(&text);
    let text = describe(&late, "late");
    assert!(
        text.contains("online from month 1000 (beyond year 9999)"),
        "{text}"
    );
}

/// A distribution whose mean overflows to infinity is described, not a panic (review,
/// 2026-11-30: the exponent form of `format_quantity` expected an `e` that "inf" lacks).
#[test]
fn an_infinite_mean_is_described_as_inf() {
    let incidents = r#"[[disruption]]
id = "long"
kind = "incidents"
rate_per_year = 1
targets = ["br_mine"]
severity = 1
duration_days = { dist = "lognormal", median = 10, p90 = 1e300 }

[[variant]]"#;
    let text = SCENARIO.replacen("[[variant]]", incidents, 1);
    let (model, _) = model(&text);
    let text = describe(&model, "long");
    assert!(text.contains("mean inf, median 10, p90 1e300 d"), "{text}");
}

/// `check`'s supply summary lists a commodity the focus market demands only in a variant (a
/// `set` gives it demand), says which variants do not demand it, and gives a variant's own
/// demand where it differs from the file's.
#[test]
fn check_lists_a_commodity_demanded_only_in_a_variant() {
    let text = r#"
[scenario]
start = "2026-01"
horizon_months = 12
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "sb"

[[commodity]]
id = "cu"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { sb = 100, cu = 100 }

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { sb = 50, cu = 0 }

[[edge]]
from = "cn_mine"
to = "us"

[[variant]]
id = "a"
baseline = true

[[variant]]
id = "b"
set = { "us.demand.cu" = 200, "us.demand.sb" = 60 }
"#;
    let (model, _) = model(text);
    let shown = supplyrisk::report::check::describe(&model, "t.toml", "0");
    let supply: Vec<&str> = shown
        .lines()
        .skip_while(|line| !line.starts_with("Supply of the focus market"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        supply,
        [
            "sb: demand 50 t/yr",
            "a                        mines in CN; paths through CN, US",
            "b                        mines in CN; paths through CN, US (demand 60 t/yr in this variant)",
            "cu: no demand in the file",
            "a                        no demand for it in this variant",
            "b                        mines in CN; paths through CN, US (demand 200 t/yr in this variant)",
        ],
        "{shown}"
    );
}

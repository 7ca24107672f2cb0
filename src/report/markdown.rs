//! `report.md`: the answer in words and numbers for an analyst — headline sentences, the key
//! figures, the assumptions behind them, provenance and the charts with how to read each — and
//! [`render_all`], which draws the charts and writes the report into a staged output folder.

use std::fmt::Write as _;

use crate::model::{CommodityId, Model};
use crate::plot::{self, ChartError, ChartSpec, decimals_for, percent, points};
use crate::report::check;
use crate::report::format::{format_quantity, format_share, format_tonnes, plain};
use crate::report::graph::NetworkView;
use crate::report::summary::{Row, Summary};
use crate::report::write::{Staged, WriteError};

/// Why the report or its charts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A chart could not be drawn (an internal failure).
    #[error("{0}")]
    Chart(#[from] ChartError),
    /// A file could not be written (the user fixes the output folder).
    #[error("{0}")]
    Write(#[from] WriteError),
}

/// Writes `report.md` and, when `draw_charts` is set, every chart as `charts/<name>.png` into
/// `staged`: the one entry point for `run` and `merge`.
pub fn render_all(
    model: &Model,
    summary: &Summary,
    staged: &Staged,
    draw_charts: bool,
) -> Result<(), RenderError> {
    let networks = network_views(model);
    let charts = if draw_charts {
        let specs = plot::plan(summary, &networks);
        for (name, png) in plot::draw_all(&specs, summary, &networks)? {
            staged.write(&format!("charts/{name}"), &png)?;
        }
        Some(specs)
    } else {
        None
    };
    staged.write(
        "report.md",
        render(model, summary, charts.as_deref()).as_bytes(),
    )?;
    Ok(())
}

/// The network views a report draws: one per non-baseline variant (what it adds to the
/// baseline), or the baseline alone when the scenario has one variant.
pub fn network_views(model: &Model) -> Vec<NetworkView> {
    let baseline = model.baseline();
    let others: Vec<usize> = (0..model.variants.len())
        .filter(|&v| v != baseline)
        .collect();
    if others.is_empty() {
        vec![NetworkView::new(model, None)]
    } else {
        others
            .into_iter()
            .map(|v| NetworkView::new(model, Some(v)))
            .collect()
    }
}

/// A probability for people: one decimal, but never rounded onto a certainty it is not
/// (`>99.9%`, `<0.1%`); exactly 0 and 1 read `0%` and `100%`.
pub fn probability(p: f64) -> String {
    if p >= 1.0 {
        "100%".to_string()
    } else if p <= 0.0 {
        "0%".to_string()
    } else if p >= 0.9995 {
        ">99.9%".to_string()
    } else if p < 0.0005 {
        "<0.1%".to_string()
    } else {
        format_share(p)
    }
}

/// Decimals for the figures of one row: enough to resolve its 95% CI (in percent units).
fn row_decimals(row: &Row) -> usize {
    decimals_for((row.ci_high - row.ci_low) * 100.0)
}

fn code(id: &str) -> String {
    format!("`{id}`")
}

/// What a variant is called in sentences: its id (names are listed once under the title, so
/// sentences stay short however long a scenario's display names are).
fn variant_label(_model: &Model, id: &str) -> String {
    code(id)
}

/// A commodity's label in headlines: its id, as in every table (names are listed under the title).
fn commodity_label(_name: &str, id: &str) -> String {
    id.to_string()
}

/// The report's Markdown text. `charts` lists the charts drawn, or `None` with `--no-charts`.
pub fn render(model: &Model, summary: &Summary, charts: Option<&[ChartSpec]>) -> String {
    let mut out = String::new();
    let p = &summary.provenance;
    let focus = &model.network.nodes[model.focus_market.0];
    // Sentences name the market by its country ("US dependency on CN").
    let market = &focus.country.to_string();
    let end = model.start.plus(model.horizon_months - 1);
    let baseline = summary.baseline().id.clone();
    let others: Vec<String> = summary
        .variants
        .iter()
        .filter(|v| !v.baseline)
        .map(|v| v.id.clone())
        .collect();
    let countries = if summary.dependency_on.is_empty() {
        "no country".to_string()
    } else {
        summary.dependency_on.join(", ")
    };

    let _ = writeln!(out, "# {}\n", p.scenario);
    if let Some(description) = &model.description {
        let _ = writeln!(out, "{description}\n");
    }
    let _ = writeln!(
        out,
        "{} trials, seed {}, {} months from {} to {end}. Focus market {} ({}); dependency counted on {countries}; \
         a serious shortfall is more than {} of demand unmet over the horizon.\n",
        p.trials,
        p.seed,
        model.horizon_months,
        model.start,
        code(&focus.id),
        focus.country,
        format_share(summary.shortfall_threshold)
    );

    // What the ids in the sentences stand for.
    let _ = writeln!(out, "Variants:\n");
    for v in &model.variants {
        let role = if v.baseline { " (baseline)" } else { "" };
        if v.name == v.id {
            let _ = writeln!(out, "- {}{role}", code(&v.id));
        } else {
            let _ = writeln!(out, "- {}{role}: {}", code(&v.id), v.name);
        }
    }
    let _ = writeln!(out, "\nCommodities:\n");
    for c in &summary.commodities {
        if c.name == c.id {
            let _ = writeln!(out, "- {}", code(&c.id));
        } else {
            let _ = writeln!(out, "- {}: {}", code(&c.id), c.name);
        }
    }
    let _ = writeln!(out);

    // Headlines.
    let _ = writeln!(out, "## Headline\n");
    if others.is_empty() {
        let _ = writeln!(
            out,
            "The scenario has a single variant ({}), so there is no comparison: the figures below are the \
             focus market's dependency and shortfall over the whole horizon, averaged over the trials.\n",
            code(&baseline)
        );
    }
    if !others.is_empty() {
        let _ = writeln!(out, "{}\n", in_short(summary, &baseline, &others, market));
    }
    for commodity in &summary.commodities {
        let mut sentences = Vec::new();
        // Comparisons with no difference in any trial are listed together after the others.
        let mut unchanged: Vec<(String, Vec<String>)> = Vec::new();
        for country in &summary.dependency_on {
            let metric = format!("dependency_{country}");
            let Some(b) = summary.row(&baseline, &commodity.id, &metric) else {
                continue;
            };
            if others.is_empty() {
                let d = row_decimals(b);
                sentences.push(format!(
                    "{market} depends on {country} for {} of its demand on average (95% CI {} to {}; \
                     5th–95th percentile of trials {} to {}).",
                    percent(b.mean, d),
                    percent(b.ci_low, d),
                    percent(b.ci_high, d),
                    percent(b.p5, PERCENTILE_DECIMALS),
                    percent(b.p95, PERCENTILE_DECIMALS)
                ));
            }
            for variant in &others {
                let reduction = format!("reduction:{variant}");
                let (Some(v), Some(r)) = (
                    summary.row(variant, &commodity.id, &metric),
                    summary.row(&reduction, &commodity.id, &metric),
                ) else {
                    continue;
                };
                if same_in_every_trial(r) {
                    let label = format!(
                        "{market} dependency on {country} ({} on average)",
                        percent(b.mean, row_decimals(b).min(2))
                    );
                    match unchanged.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, variants)) => variants.push(variant_label(model, variant)),
                        None => unchanged.push((label, vec![variant_label(model, variant)])),
                    }
                    continue;
                }
                sentences.push(change_sentence(
                    &format!(
                        "{} vs {}: {market} dependency on {country}",
                        variant_label(model, variant),
                        variant_label(model, &baseline)
                    ),
                    b,
                    v,
                    r,
                ));
            }
        }
        if !unchanged.is_empty() {
            let items: Vec<String> = unchanged
                .iter()
                .map(|(label, variants)| format!("{label} in {}", variants.join(" and ")))
                .collect();
            sentences.push(format!(
                "Unchanged in every trial (against {}): {}.",
                variant_label(model, &baseline),
                items.join("; ")
            ));
        }
        sentences.push(shortfall_sentence(summary, &commodity.id));
        let _ = writeln!(
            out,
            "- **{}** — {}",
            commodity_label(&commodity.name, &commodity.id),
            sentences.join(" ")
        );
    }
    let reduction_note = if others.is_empty() {
        ""
    } else {
        " a reduction is baseline minus variant in percentage points (positive: the variant is \
         less dependent), paired trial by trial (both see the same sampled disruptions); \
         `summary.csv`'s `reduction:` rows hold it as a fraction (0.01 = 1 point);"
    };
    let z = crate::stats::Z_95;
    let _ = writeln!(
        out,
        "\nPercentages are of the focus market's total demand over the horizon, rounded to the decimals \
         shown (more decimals where the confidence interval is narrow);{reduction_note} 95% CI is the \
         confidence interval of the mean, mean ± {z}·sd/√n (one reaching below 0% or above \
         100% says there are too few trials for that approximation there). The CI measures only the \
         simulation's precision: it narrows as trials are added, and says nothing about whether the \
         scenario's assumptions are right. How much the outcome varies from one sampled future to \
         another is the spread across trials: the 5th to 95th percentiles below (the values that 5% \
         and 95% of the trials are at or below).\n"
    );

    warnings_section(&mut out, model);
    key_figures(&mut out, summary, &baseline, &others);
    assumptions(&mut out, model);

    let _ = writeln!(out, "## Charts\n");
    match charts {
        Some(specs) => {
            if summary.dependency_on.is_empty() {
                let _ = writeln!(
                    out,
                    "No dependency charts: the scenario lists no `dependency_on` country, so no \
                     dependency is measured; the charts are of shortfall and of the networks.\n"
                );
            }
            for spec in specs {
                let _ = writeln!(out, "### {}\n", spec.title);
                let _ = writeln!(out, "![{}](charts/{})\n", spec.title, spec.file_name);
                let _ = writeln!(out, "{}\n", spec.how_to_read);
            }
        }
        None => {
            let _ = writeln!(
                out,
                "Charts were not drawn (`--no-charts`); `supplyrisk graph` prints the network as Graphviz DOT.\n"
            );
        }
    }

    let _ = writeln!(out, "## Provenance\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    for (key, value) in [
        ("tool", format!("supplyrisk {}", p.tool_version)),
        ("scenario", p.scenario.clone()),
        ("scenario file", p.scenario_file.clone()),
        ("scenario SHA-256", code(&p.scenario_sha256)),
        ("seed", p.seed.to_string()),
        ("trials", p.trials.to_string()),
        ("random numbers", p.generator.clone()),
        ("quantile resolution", p.quantile_resolution.clone()),
    ] {
        let _ = writeln!(out, "| {key} | {} |", escape_cell(&value));
    }
    let _ = writeln!(
        out,
        "\nEvery figure here is in `summary.csv` (and `summary.json`) at full precision, shares and \
         their reductions as fractions (0.25 for 25%, 0.01 for 1 point); monthly figures are in `monthly.csv`. The same scenario, seed and number of trials give the same bytes."
    );
    out
}

/// The headline's first line: the largest change of dependency across commodities, variants
/// and countries (by the mean paired reduction), and the largest among the other commodities,
/// so a reader sees at once where the new supply matters and by how much.
fn in_short(summary: &Summary, baseline: &str, others: &[String], market: &str) -> String {
    // (|mean reduction|, commodity, variant, country, reduction row)
    let mut changes: Vec<(f64, &str, &str, &str, &Row)> = Vec::new();
    for commodity in &summary.commodities {
        for variant in others {
            for country in &summary.dependency_on {
                let metric = format!("dependency_{country}");
                if let Some(r) =
                    summary.row(&format!("reduction:{variant}"), &commodity.id, &metric)
                {
                    changes.push((r.mean.abs(), &commodity.id, variant, country, r));
                }
            }
        }
    }
    // The largest first; ties keep file order (a stable sort).
    changes.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some(&(size, commodity, variant, country, r)) = changes.first() else {
        return "**In short:** no dependency is measured (the scenario lists no `dependency_on` \
                country); the shortfall of each variant is below."
            .to_string();
    };
    if size == 0.0 && r.sd == 0.0 {
        return format!(
            "**In short:** no variant changes {market}'s dependency on {} for any commodity, in \
             any trial.",
            summary.dependency_on.join(" or ")
        );
    }
    let metric = format!("dependency_{country}");
    let (b, v) = (
        summary.row(baseline, commodity, &metric),
        summary.row(variant, commodity, &metric),
    );
    let d = row_decimals(r);
    let verb = if r.mean > 0.0 { "falls" } else { "rises" };
    let levels = match (b, v) {
        (Some(b), Some(v)) => {
            let (b_level, v_level) = levels(b, v, r);
            format!(" ({b_level} → {v_level} on average)")
        }
        _ => String::new(),
    };
    let next = changes
        .iter()
        .find(|c| c.1 != commodity)
        .map(|&(next, commodity, variant, _, r)| {
            if next == 0.0 && r.sd == 0.0 {
                " No other commodity's dependency changes in any trial.".to_string()
            } else {
                format!(
                    " The next largest is {commodity}'s in {}: it {} by {} points.",
                    code(variant),
                    if r.mean > 0.0 { "falls" } else { "rises" },
                    unsigned_points(next, row_decimals(r))
                )
            }
        })
        .unwrap_or_default();
    format!(
        "**In short:** the largest change is {commodity}'s in {}: {market} dependency on \
         {country} {verb} by {} points{levels}.{next}",
        code(variant),
        unsigned_points(size, d)
    )
}

/// "X vs Y: M dependency on C falls by d points, from b to v on average (95% CI of the fall);
/// it falls in P of trials." The fall is the paired reduction (baseline − variant), as in
/// `summary.csv`; a rise is its negation, with the CI negated and swapped, so the figures after
/// the verb are always read in its direction.
fn change_sentence(subject: &str, b: &Row, v: &Row, r: &Row) -> String {
    let d = row_decimals(r);
    let change = points(-r.mean, d);
    let (b_level, v_level) = levels(b, v, r);
    let p = in_trials(r.p_positive);
    // The figures in the direction of the verb: the reduction for a fall, its negation for a
    // rise (no `+`: the verb carries the direction; a CI end of the other sign keeps its `−`).
    let (verb, by, low, high) = if change.starts_with('−') {
        ("falls", r.mean, r.ci_low, r.ci_high)
    } else if change.starts_with('+') {
        ("rises", -r.mean, -r.ci_high, -r.ci_low)
    } else {
        return format!(
            "{subject} barely changes ({b_level} and {v_level} on average; reduction {} points, \
             95% CI {} to {}); it falls {p}{}.",
            unsigned_points(r.mean, d),
            unsigned_points(r.ci_low, d),
            unsigned_points(r.ci_high, d),
            spread_clause(r, None),
        );
    };
    format!(
        "{subject} {verb} by {} points, from {b_level} to {v_level} on average (95% CI {} to {}); \
         it falls {p}{}.",
        unsigned_points(by, d),
        unsigned_points(low, d),
        unsigned_points(high, d),
        spread_clause(r, Some(verb)),
    )
}

/// The baseline's and the variant's mean levels as printed beside a change: the difference
/// gets the decimals its CI needs; the levels at most two, which reads better than "from
/// 58.551% to 58.521%" and loses nothing the difference does not state. Levels rounded on their
/// own can disagree with the difference ("100.0% to 99.0%, by 0.9 points" for 99.97% → 99.04%):
/// up to two more decimals are taken until the rounded levels' difference reads as the change.
fn levels(b: &Row, v: &Row, r: &Row) -> (String, String) {
    let d = row_decimals(r);
    let change = points(-r.mean, d);
    let rounded = |x: f64, decimals: usize| {
        let scale = 10f64.powi(decimals as i32);
        (x * 100.0 * scale).round() / scale
    };
    let preferred = d.min(2);
    let level = (preferred..=preferred + 2)
        .find(|&lv| points((rounded(v.mean, lv) - rounded(b.mean, lv)) / 100.0, d) == change)
        .unwrap_or(preferred);
    (percent(b.mean, level), percent(v.mean, level))
}

/// Decimals of a percentile in percent or points: one. Percentiles come from histograms of
/// 1/2048 of the range (0.05 points a bin; [`crate::stats::SHARE_BINS`]), so a second decimal
/// would claim a precision they do not have, however narrow the CI of the mean.
const PERCENTILE_DECIMALS: usize = 1;

/// "; across trials the fall runs from a to b points (5th to 95th percentile)": how much the
/// change itself varies across trials, which the CI of its mean does not say, in the direction
/// of the sentence's verb (`rise`: the reduction negated; `None`: the reduction as it is).
/// Empty when the two ends print the same.
fn spread_clause(r: &Row, verb: Option<&str>) -> String {
    let d = PERCENTILE_DECIMALS;
    let (what, low, high) = match verb {
        Some("rises") => (
            "rise",
            unsigned_points(-r.p95, d),
            unsigned_points(-r.p5, d),
        ),
        Some(_) => ("fall", unsigned_points(r.p5, d), unsigned_points(r.p95, d)),
        None => ("reduction", points(r.p5, d), points(r.p95, d)),
    };
    if low == high {
        return String::new();
    }
    format!("; across trials the {what} runs from {low} to {high} points (5th to 95th percentile)")
}

/// [`points`] without the `+` of a positive value (`−` stays): for figures whose direction a
/// word already gives.
fn unsigned_points(share: f64, decimals: usize) -> String {
    let text = points(share, decimals);
    match text.strip_prefix('+') {
        Some(magnitude) => magnitude.to_string(),
        None => text,
    }
}

/// Whether a paired reduction is exactly 0 in every trial (mean 0 with sd 0).
fn same_in_every_trial(r: &Row) -> bool {
    r.mean == 0.0 && r.sd == 0.0 && r.p_positive == 0.0
}

/// "in every trial", "in no trial", or "in 61.0% of trials".
fn in_trials(p: f64) -> String {
    if p >= 1.0 {
        "in every trial".to_string()
    } else if p <= 0.0 {
        "in no trial".to_string()
    } else {
        format!("in {} of trials", probability(p))
    }
}

/// Shortfall and serious-shortfall probability of every variant, in one sentence.
fn shortfall_sentence(summary: &Summary, commodity: &str) -> String {
    let mut shares = Vec::new();
    let mut serious = Vec::new();
    for variant in &summary.variants {
        if let (Some(s), Some(p)) = (
            summary.row(&variant.id, commodity, "shortfall_share"),
            summary.row(&variant.id, commodity, "shortfall_exceeds_threshold"),
        ) {
            shares.push((variant.id.clone(), percent(s.mean, row_decimals(s))));
            serious.push((variant.id.clone(), probability(p.mean)));
        }
    }
    let threshold = format_share(summary.shortfall_threshold);
    if shares.len() == 1 {
        return format!(
            "On average {} of demand goes unmet over the horizon (shortfall); a serious shortfall \
             (more than {threshold} unmet) happens in {} of trials.",
            shares[0].1, serious[0].1
        );
    }
    let list = |items: &[(String, String)]| {
        items
            .iter()
            .map(|(id, value)| format!("{value} in {}", code(id)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "Shortfall (demand unmet over the horizon), on average: {}; share of trials with a serious \
         shortfall (more than {threshold} unmet): {}.",
        list(&shares),
        list(&serious)
    )
}

/// The label of a metric in the tables, with its unit.
fn metric_label(metric: &str) -> String {
    match metric {
        "independent_share" => "met independently of those countries (% of demand)".to_string(),
        "stock_share" => "met from stock (% of demand)".to_string(),
        "shortfall_share" => "shortfall (% of demand unmet)".to_string(),
        "worst_month_shortfall" => "worst month's shortfall (% of that month's demand)".to_string(),
        "shortage_months" => "months with a shortage (count)".to_string(),
        "shortfall_exceeds_threshold" => "serious shortfall (% of trials)".to_string(),
        other => match other.strip_prefix("dependency_") {
            Some(country) => format!("dependency on {country} (% of demand)"),
            None => other.to_string(),
        },
    }
}

/// Metrics shown in the key-figures tables: the dependencies, then shortfall figures.
fn key_metrics(summary: &Summary) -> Vec<String> {
    summary
        .metrics
        .iter()
        .filter(|m| {
            m.starts_with("dependency_")
                || matches!(
                    m.as_str(),
                    "shortfall_share" | "shortfall_exceeds_threshold" | "shortage_months"
                )
        })
        .cloned()
        .collect()
}

fn key_figures(out: &mut String, summary: &Summary, baseline: &str, others: &[String]) {
    let _ = writeln!(out, "## Key figures\n");
    let _ = writeln!(
        out,
        "Across trials, per variant: the mean with its 95% confidence interval, and the 5th, 50th and \
         95th percentiles of the trials (nearest rank: the 5th percentile is the value that 5% of \
         the trials are at or below).\n"
    );
    let _ = writeln!(
        out,
        "| commodity | variant | figure | mean | 95% CI | 5th pct | median | 95th pct |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|");
    let metrics = key_metrics(summary);
    for commodity in &summary.commodities {
        for variant in &summary.variants {
            for metric in &metrics {
                let Some(r) = summary.row(&variant.id, &commodity.id, metric) else {
                    continue;
                };
                let [mean, ci, p5, p50, p95] = table_cells(r, metric, percent, plain);
                let role = if variant.id == baseline && !others.is_empty() {
                    " (baseline)"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "| {} | {}{role} | {} | {mean} | {ci} | {p5} | {p50} | {p95} |",
                    commodity.id,
                    code(&variant.id),
                    metric_label(metric)
                );
            }
        }
    }
    if others.is_empty() {
        let _ = writeln!(out);
        return;
    }
    let _ = writeln!(
        out,
        "\nReduction against the baseline {}, paired by trial: baseline minus variant (positive = \
         the variant's figure is lower), in percentage points (of demand; of trials for the \
         serious-shortfall probability), in months for the shortage count (`summary.csv`'s \
         `reduction:` rows give those in points as fractions: 0.01 = 1 point); P(falls) is the share of trials in which the variant's figure is lower; \
         the percentiles are those of the reduction itself across trials.\n",
        code(baseline)
    );
    let _ = writeln!(
        out,
        "| commodity | variant | figure | reduction (mean) | 95% CI | P(falls) | 5th pct | median | 95th pct |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|");
    for commodity in &summary.commodities {
        for variant in others {
            let group = format!("reduction:{variant}");
            for metric in &metrics {
                let Some(r) = summary.row(&group, &commodity.id, metric) else {
                    continue;
                };
                let [reduction, ci, p5, p50, p95] = table_cells(r, metric, points, signed);
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {reduction} | {ci} | {} | {p5} | {p50} | {p95} |",
                    commodity.id,
                    code(variant),
                    metric_label(metric),
                    probability(r.p_positive)
                );
            }
        }
    }
    let _ = writeln!(out);
}

/// A table row's mean, 95% CI, and 5th, 50th and 95th percentiles of metric `metric`, with
/// `share` for shares (percent for levels, points for reductions) and `count` for the month
/// count (plain or signed). Shares get the decimals their CI needs, percentiles at most
/// [`PERCENTILE_DECIMALS`]; counts one decimal more than the CI's width needs (a mean of 0.05
/// months must not read 0.1, nor its interval's −0.048 read −0.0) and whole percentiles. The
/// serious-shortfall indicator has no percentiles: per trial it is 0 or 1 (its reduction −1, 0
/// or +1), so its mean, the probability or its change, says it all.
fn table_cells(
    r: &Row,
    metric: &str,
    share: fn(f64, usize) -> String,
    count: fn(f64, usize) -> String,
) -> [String; 5] {
    let (format, d, percentile_decimals): (fn(f64, usize) -> String, usize, usize) =
        if metric == "shortage_months" {
            (count, decimals_for(r.ci_high - r.ci_low) + 1, 0)
        } else {
            (share, row_decimals(r), PERCENTILE_DECIMALS)
        };
    let mean = format(r.mean, d);
    let ci = format!("{} to {}", format(r.ci_low, d), format(r.ci_high, d));
    if metric == "shortfall_exceeds_threshold" {
        let none = || "–".to_string();
        return [mean, ci, none(), none(), none()];
    }
    let [p5, p50, p95] = [r.p5, r.p50, r.p95].map(|p| format(p, percentile_decimals));
    [mean, ci, p5, p50, p95]
}

/// A signed number with `decimals` decimals (`−` U+2212, `+`, or none for zero).
fn signed(x: f64, decimals: usize) -> String {
    let magnitude = format!("{:.decimals$}", x.abs());
    if magnitude.chars().all(|c| c == '0' || c == '.') {
        magnitude
    } else if x < 0.0 {
        format!("−{magnitude}")
    } else {
        format!("+{magnitude}")
    }
}

fn assumptions(out: &mut String, model: &Model) {
    let network = &model.network;
    let focus = &network.nodes[model.focus_market.0];
    let _ = writeln!(out, "## Assumptions that drive these figures\n");
    let _ = writeln!(
        out,
        "Taken from the scenario file; `supplyrisk check` prints them in full.\n"
    );
    let _ = writeln!(
        out,
        "**Demand of {}** (t/yr in the first month):\n",
        code(&focus.id)
    );
    for (k, commodity) in network.commodities.iter().enumerate() {
        let c = CommodityId(k);
        let demand = focus.demand_t_per_year(c);
        if demand <= 0.0 {
            continue;
        }
        let mut extras = Vec::new();
        if let Some(market) = &focus.market {
            match market.demand_growth.as_fixed() {
                Some(0.0) => {}
                Some(g) => extras.push(format!("growing {}/yr", format_share(g))),
                None => extras.push(format!(
                    "growth {}",
                    check::describe_distribution(&market.demand_growth, "/yr")
                )),
            }
            let stock = market.stock_months[k];
            if stock > 0.0 {
                extras.push(format!(
                    "stock for {} months, full at the start",
                    format_quantity(stock)
                ));
            }
        }
        let supply: Vec<String> = network
            .nodes
            .iter()
            .filter(|n| n.kind == crate::model::NodeKind::Mine)
            .filter_map(|n| n.capacity_t_per_year[k].map(|cap| (n, cap)))
            .map(|(n, cap)| {
                format!(
                    "{} ({}) {} t/yr",
                    code(&n.id),
                    n.country,
                    format_tonnes(cap)
                )
            })
            .collect();
        let extras = if extras.is_empty() {
            String::new()
        } else {
            format!(", {}", extras.join(", "))
        };
        let _ = writeln!(
            out,
            "- {}: {} t/yr{extras}; mines: {}",
            commodity.name,
            format_tonnes(demand),
            if supply.is_empty() {
                "none".to_string()
            } else {
                supply.join(", ")
            }
        );
    }
    let _ = writeln!(out, "\n**Disruptions** ({}):\n", model.disruptions.len());
    if model.disruptions.is_empty() {
        let _ = writeln!(
            out,
            "- none: supply runs at nominal capacity in every trial"
        );
    }
    for disruption in &model.disruptions {
        let words = check::describe_process(network, &disruption.process, model);
        let words: Vec<&str> = words.lines().map(str::trim).collect();
        let _ = writeln!(out, "- {}: {}", code(&disruption.id), words.join("; "));
    }
    let baseline = model.baseline();
    let _ = writeln!(out, "\n**Variants** ({}):\n", model.variants.len());
    for (i, variant) in model.variants.iter().enumerate() {
        let role = if i == baseline && model.variants.len() > 1 {
            " (baseline)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "- {}{role}: {}",
            code(&variant.id),
            check::describe_variant(model, variant)
        );
    }
    // (Warnings have their own section, next to the headline.)
    let _ = writeln!(out);
}

/// Escapes `|` so a value cannot break a table row.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// What `supplyrisk check` flags in the scenario, if anything, next to the headline it may
/// explain: a variant whose focus market no mine reaches shows no dependency only because
/// nothing arrives.
fn warnings_section(out: &mut String, model: &Model) {
    let warnings = check::warnings(model);
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Warnings\n\nThe scenario is valid, but `supplyrisk check` flags:\n"
    );
    for warning in &warnings {
        let _ = writeln!(out, "- {warning}");
    }
    if warnings.iter().any(|w| w.cuts_off_focus) {
        let _ = writeln!(
            out,
            "\nWhere no mine reaches the focus market, its dependency falls because nothing \
             arrives at all: read that variant's shortfall, not its dependency."
        );
    }
    let _ = writeln!(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_never_round_onto_certainty() {
        assert_eq!(probability(1.0), "100%");
        assert_eq!(probability(0.9996), ">99.9%");
        assert_eq!(probability(0.61), "61.0%");
        assert_eq!(probability(0.0004), "<0.1%");
        assert_eq!(probability(0.0), "0%");
    }

    fn row(mean: f64, ci_low: f64, ci_high: f64, p_positive: f64) -> Row {
        Row {
            variant: String::new(),
            commodity: String::new(),
            metric: String::new(),
            mean,
            ci_low,
            ci_high,
            sd: 0.0,
            p5: 0.0,
            p50: 0.0,
            p95: 0.0,
            cvar95: 0.0,
            p_positive,
        }
    }

    /// A fall gives the reduction and its CI as they are; a rise gives the increase, so the
    /// reduction's CI negated and swapped; a difference that rounds to nothing gives the
    /// reduction with its CI, which straddles 0.
    #[test]
    fn change_sentences_read_in_the_direction_of_their_verb() {
        let (low, high) = (row(0.35, 0.34, 0.36, 0.0), row(0.40, 0.39, 0.41, 0.0));
        assert_eq!(
            change_sentence("X", &high, &low, &row(0.05, 0.045, 0.056, 0.9)),
            "X falls by 5.0 points, from 40.0% to 35.0% on average (95% CI 4.5 to 5.6); it falls in \
             90.0% of trials."
        );
        assert_eq!(
            change_sentence("X", &low, &high, &row(-0.05, -0.056, -0.045, 0.1)),
            "X rises by 5.0 points, from 35.0% to 40.0% on average (95% CI 4.5 to 5.6); it falls in \
             10.0% of trials."
        );
        assert_eq!(
            change_sentence("X", &low, &high, &row(-0.05, -0.056, 0.002, 0.3)),
            "X rises by 5.0 points, from 35.0% to 40.0% on average (95% CI −0.2 to 5.6); it falls in \
             30.0% of trials."
        );
        assert_eq!(
            change_sentence("X", &high, &high, &row(0.0001, -0.01, 0.0102, 0.5)),
            "X barely changes (40.0% and 40.0% on average; reduction 0.0 points, 95% CI −1.0 to 1.0); \
             it falls in 50.0% of trials."
        );
    }

    /// The spread clause gives the reduction's own 5th and 95th percentiles, signed, with the
    /// decimals of its mean; a reduction the same in nearly every trial gets none.
    #[test]
    fn change_sentences_give_the_spread_of_the_reduction_across_trials() {
        let (low, high) = (row(0.35, 0.34, 0.36, 0.0), row(0.40, 0.39, 0.41, 0.0));
        let reduction = Row {
            p5: -0.012,
            p95: 0.104,
            ..row(0.05, 0.045, 0.056, 0.9)
        };
        assert_eq!(
            change_sentence("X", &high, &low, &reduction),
            "X falls by 5.0 points, from 40.0% to 35.0% on average (95% CI 4.5 to 5.6); it falls in \
             90.0% of trials; across trials the fall runs from −1.2 to 10.4 points (5th to 95th \
             percentile)."
        );
        // A rise gives the spread of the rise: the reduction's ends negated and swapped.
        let rise = Row {
            mean: -0.05,
            ci_low: -0.056,
            ci_high: -0.045,
            p5: -0.104,
            p95: 0.012,
            ..reduction.clone()
        };
        assert!(
            change_sentence("X", &low, &high, &rise).ends_with(
                "; across trials the rise runs from −1.2 to 10.4 points (5th to 95th percentile)."
            ),
            "{}",
            change_sentence("X", &low, &high, &rise)
        );
        let same = Row {
            p5: 0.0501,
            p95: 0.0504,
            ..reduction
        };
        assert!(change_sentence("X", &high, &low, &same).ends_with("90.0% of trials."));
    }

    #[test]
    fn signed_numbers() {
        assert_eq!(signed(-1.25, 1), "−1.2");
        assert_eq!(signed(0.04, 1), "0.0");
        assert_eq!(signed(2.0, 2), "+2.00");
    }
}

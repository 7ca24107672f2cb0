//! The summary table `run` prints: per commodity, dependency without and with the new supply,
//! the paired reduction with its 95% CI and P(reduction > 0), shortfall and P(serious shortfall).

use std::fmt::Write as _;

use crate::report::format::{decimals_for, format_share, points};
use crate::report::markdown::probability;
use crate::report::summary::{Row, Summary};

/// The table for people, as text.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let p = &summary.provenance;
    let _ = writeln!(out, "{} — {} trials, seed {}", p.scenario, p.trials, p.seed);
    let countries = if summary.dependency_on.is_empty() {
        "no country".to_string()
    } else {
        summary.dependency_on.join(", ")
    };
    let _ = writeln!(
        out,
        "focus market {}; dependency on {countries}; serious shortfall: more than {} of demand unmet over the horizon",
        summary.focus_market,
        format_share(summary.shortfall_threshold)
    );
    let baseline = summary.baseline().id.clone();
    let others: Vec<&str> = summary
        .variants
        .iter()
        .filter(|v| !v.baseline)
        .map(|v| v.id.as_str())
        .collect();
    let width = summary
        .commodities
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(9)
        .max(9);
    if others.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<width$}  {:<8} {:>8}  {:>21}  {:>9}  {:>17}",
            "commodity", "country", "depend.", "95% CI", "shortfall", "P(serious short.)"
        );
        for c in &summary.commodities {
            let mut first = true;
            for country in &summary.dependency_on {
                let metric = format!("dependency_{country}");
                let Some(d) = summary.row(&baseline, &c.id, &metric) else {
                    continue;
                };
                let (shortfall, serious) = shortfall_cells(summary, &baseline, &c.id, first);
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<8} {:>8}  {:>21}  {:>9}  {:>17}",
                    if first { c.id.as_str() } else { "" },
                    country,
                    format_share(d.mean),
                    format!("{} to {}", format_share(d.ci_low), format_share(d.ci_high)),
                    shortfall,
                    serious
                );
                first = false;
            }
            // With no `dependency_on` country, the shortfall alone.
            if first {
                let (shortfall, serious) = shortfall_cells(summary, &baseline, &c.id, true);
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<8} {:>8}  {:>21}  {:>9}  {:>17}",
                    c.id, "-", "", "", shortfall, serious
                );
            }
        }
        return out;
    }
    // The reduction column is as wide as its widest cell (at least the header's 24).
    let reduction_width = others
        .iter()
        .flat_map(|variant| {
            let group = format!("reduction:{variant}");
            summary
                .commodities
                .iter()
                .flat_map(|c| summary.dependency_on.iter().map(move |k| (c, k)))
                .filter_map(|(c, country)| {
                    summary
                        .row(&group, &c.id, &format!("dependency_{country}"))
                        .map(|r| reduction_cell(r).chars().count())
                })
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0)
        .max(24);
    for variant in others {
        let reduction = format!("reduction:{variant}");
        let _ = writeln!(
            out,
            "\n{variant} vs {baseline} (baseline): reduction in dependency, and shortfall, paired by trial"
        );
        let _ = writeln!(
            out,
            "{:<width$}  {:<7} {:>8} {:>8}  {:>reduction_width$}  {:>8}  {:>17}  {:>17}",
            "commodity",
            "country",
            "baseline",
            "variant",
            "reduction, pts (95% CI)",
            "P(falls)",
            "shortfall b → v",
            "P(serious) b → v"
        );
        for c in &summary.commodities {
            let mut first = true;
            for country in &summary.dependency_on {
                let metric = format!("dependency_{country}");
                let (Some(b), Some(v), Some(r)) = (
                    summary.row(&baseline, &c.id, &metric),
                    summary.row(variant, &c.id, &metric),
                    summary.row(&reduction, &c.id, &metric),
                ) else {
                    continue;
                };
                let reduction_cell = reduction_cell(r);
                let (shortfall, serious) = if first {
                    pair_cells(summary, &baseline, variant, &c.id)
                } else {
                    (String::new(), String::new())
                };
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<7} {:>8} {:>8}  {:>reduction_width$}  {:>8}  {:>17}  {:>17}",
                    if first { c.id.as_str() } else { "" },
                    country,
                    format_share(b.mean),
                    format_share(v.mean),
                    reduction_cell,
                    probability(r.p_positive),
                    shortfall,
                    serious
                );
                first = false;
            }
            if first {
                let (shortfall, serious) = pair_cells(summary, &baseline, variant, &c.id);
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<7} {:>8} {:>8}  {:>reduction_width$}  {:>8}  {:>17}  {:>17}",
                    c.id, "-", "", "", "", "", shortfall, serious
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\nreduction: baseline − variant in percentage points of demand (positive = less dependent); \
summary.csv's reduction rows hold it as a fraction (0.01 = 1 point); P(falls): share of trials in which \
the variant is less dependent."
    );
    out
}

/// The paired reduction with its 95% CI, in points, with the decimals that resolve the CI (as
/// in report.md).
fn reduction_cell(r: &Row) -> String {
    let d = decimals_for((r.ci_high - r.ci_low) * 100.0);
    format!(
        "{} ({} to {})",
        points(r.mean, d),
        points(r.ci_low, d),
        points(r.ci_high, d)
    )
}

fn shortfall_cells(
    summary: &Summary,
    variant: &str,
    commodity: &str,
    show: bool,
) -> (String, String) {
    if !show {
        return (String::new(), String::new());
    }
    let shortfall = summary
        .row(variant, commodity, "shortfall_share")
        .map(|r| format_share(r.mean))
        .unwrap_or_default();
    let serious = summary
        .row(variant, commodity, "shortfall_exceeds_threshold")
        .map(|r| probability(r.mean))
        .unwrap_or_default();
    (shortfall, serious)
}

fn pair_cells(
    summary: &Summary,
    baseline: &str,
    variant: &str,
    commodity: &str,
) -> (String, String) {
    let (bs, bp) = shortfall_cells(summary, baseline, commodity, true);
    let (vs, vp) = shortfall_cells(summary, variant, commodity, true);
    (format!("{bs} → {vs}"), format!("{bp} → {vp}"))
}

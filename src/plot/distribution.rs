//! Charts 1 and 2: the distribution across trials of the dependency on a country per variant,
//! and of each variant's paired reduction against the baseline; one panel per commodity.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::ChartError;
use super::axes::{AxisSpec, axes};
use super::canvas::{
    self, Area, CaptionLine, LegendEntry, Mark, PanelLayout, PanelText, count, decimals_for,
    no_data, note, percent, points, tick_decimals,
};
use super::histogram::{Grid, Shape, shape, value_range};
use super::style::{self, Colour};
use crate::report::summary::{Histogram, Row, Summary, VariantInfo};

/// Where a point mass taller than the axis is cut, as a share of the axis's height (its dot
/// then stays clear of the frame, and its label says it is off scale).
const ATOM_TOP: f64 = 0.97;

/// Where a point mass of `height` (% of trials) is drawn on an axis whose top is `top`, and
/// whether it is off scale. One taller than the axis (see `y_top`) runs to its top, its dot
/// just below the frame; one within the axis is drawn at its height, even in the top 3% (cut
/// there, it looked on scale while its label said "off scale").
fn atom_height(height: f64, top: f64) -> (f64, bool) {
    if height <= top {
        (height, false)
    } else {
        (top * ATOM_TOP, true)
    }
}

/// One variant's (or reduction's) distribution in a panel.
struct Overlay<'s> {
    histogram: &'s Histogram,
    row: &'s Row,
    colour: Colour,
    label: String,
}

/// One panel per commodity, titled by its name, with an overlay per variant whose summary
/// group (`group_of`: the variant itself, its reduction, or `None` to leave it out) has a
/// histogram of `metric`; each variant keeps its colour across charts.
fn panels<'s>(
    summary: &'s Summary,
    metric: &str,
    group_of: impl Fn(&VariantInfo) -> Option<String>,
) -> Vec<(String, Vec<Overlay<'s>>)> {
    summary
        .commodities
        .iter()
        .map(|commodity| {
            let overlays = summary
                .variants
                .iter()
                .enumerate()
                .filter_map(|(index, variant)| {
                    let group = group_of(variant)?;
                    Some(Overlay {
                        histogram: summary.histogram(&group, &commodity.id, metric)?,
                        row: summary.row(&group, &commodity.id, metric)?,
                        colour: style::variant_colour(index),
                        label: variant.id.clone(),
                    })
                })
                .collect();
            (commodity.name.clone(), overlays)
        })
        .collect()
}

/// A distribution chart ready to draw: its title, legend, panels and their layout.
pub(crate) struct Chart<'s> {
    title: String,
    legend: Vec<LegendEntry>,
    panels: Vec<(String, Vec<Overlay<'s>>)>,
    kind: PanelKind,
    /// Which commodities get a panel.
    pub layout: PanelLayout,
}

impl Chart<'_> {
    /// Draws the chart: header, the line naming the commodities with nothing to show, panels.
    fn draw(&self, summary: &Summary) -> Result<Vec<u8>, ChartError> {
        canvas::render(|root| {
            let body = canvas::header(root, &self.title, &subtitle(summary), &self.legend)?;
            draw_panels(&body, &self.panels, &self.kind, &self.layout)
        })
    }
}

/// The error when `country` is not one whose dependency the summary measures.
fn check_country(summary: &Summary, country: &str) -> Result<String, ChartError> {
    let metric = format!("dependency_{country}");
    if summary.metrics.contains(&metric) {
        Ok(metric)
    } else {
        Err(ChartError::NoData(format!(
            "{country} is not in dependency_on"
        )))
    }
}

/// Chart 1's panels and layout: a commodity with no dependency on `country` in any trial of
/// any variant is named instead of given a panel.
pub(crate) fn dependency_chart<'s>(
    summary: &'s Summary,
    country: &str,
) -> Result<Chart<'s>, ChartError> {
    let metric = check_country(summary, country)?;
    let panels = panels(summary, &metric, |variant| Some(variant.id.clone()));
    let market = &summary.focus_market_name;
    let title = format!(
        "What share of the demand of {market} passes through {country}? Distribution across trials, by variant"
    );
    let legend: Vec<LegendEntry> = summary
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let role = if v.baseline && summary.variants.len() > 1 {
                " (baseline)"
            } else {
                ""
            };
            LegendEntry::new(
                Mark::Swatch(style::variant_colour(i)),
                format!("{}{role}", v.id),
            )
        })
        .chain([
            LegendEntry::new(Mark::Dashed(style::AXIS), "mean of a variant"),
            LegendEntry::new(Mark::Stem(style::AXIS), "trials at exactly this value"),
        ])
        .collect();
    let layout = layout(
        &panels,
        format!("No dependency on {country} in any trial of any variant"),
    );
    Ok(Chart {
        title,
        legend,
        panels,
        kind: PanelKind::Level {
            x_desc: format!("dependency on {country}, % of demand over the horizon"),
        },
        layout,
    })
}

/// Chart 1: for the country `country` of `dependency_on`, the distribution across trials of
/// the share of the focus market's demand met via that country, each variant overlaid, one
/// panel per commodity that depends on it at all.
pub fn dependency_distribution(summary: &Summary, country: &str) -> Result<Vec<u8>, ChartError> {
    dependency_chart(summary, country)?.draw(summary)
}

/// Chart 2's panels and layout: a commodity whose reduction is exactly 0 in every trial of
/// every variant is named instead of given a panel.
pub(crate) fn reduction_chart<'s>(
    summary: &'s Summary,
    country: &str,
) -> Result<Chart<'s>, ChartError> {
    let metric = check_country(summary, country)?;
    if summary.variants.len() < 2 {
        return Err(ChartError::NoData(
            "a single variant has no reduction".to_string(),
        ));
    }
    let baseline = summary.baseline().id.clone();
    let panels = panels(summary, &metric, |variant| {
        (!variant.baseline).then(|| format!("reduction:{}", variant.id))
    });
    let market = &summary.focus_market_name;
    let title = format!(
        "How much less does {market} depend on {country} than in {baseline}? Paired reduction per trial, by variant"
    );
    let legend: Vec<LegendEntry> = summary
        .variants
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.baseline)
        .map(|(i, v)| {
            LegendEntry::new(
                Mark::Swatch(style::variant_colour(i)),
                format!("{}: reduction against {baseline}", v.id),
            )
        })
        .chain([
            LegendEntry::new(Mark::Line(style::AXIS), "mean"),
            LegendEntry::new(Mark::Band(style::AXIS), "95% CI of the mean"),
            LegendEntry::new(Mark::Dashed(style::TEXT), "no change (0)"),
        ])
        .collect();
    let layout = layout(&panels, "No change in any trial");
    Ok(Chart {
        title,
        legend,
        panels,
        kind: PanelKind::Reduction {
            x_desc: format!(
                "reduction of dependency on {country}, points of demand (> 0: less dependent)"
            ),
        },
        layout,
    })
}

/// Chart 2: for the country `country`, the distribution across trials of each non-baseline
/// variant's paired reduction of the dependency (baseline − variant, in the same trial), with
/// its mean, the mean's 95% confidence interval and P(reduction > 0); one panel per commodity
/// that some variant changes.
pub fn reduction_distribution(summary: &Summary, country: &str) -> Result<Vec<u8>, ChartError> {
    reduction_chart(summary, country)?.draw(summary)
}

/// The layout of distribution panels: those whose every trial of every overlay is exactly 0
/// are named under `empty_label` rather than drawn.
fn layout(panels: &[(String, Vec<Overlay<'_>>)], empty_label: impl Into<String>) -> PanelLayout {
    PanelLayout::new(
        panels.iter().map(|(name, overlays)| {
            let histograms: Vec<&Histogram> = overlays.iter().map(|o| o.histogram).collect();
            (name.clone(), single_value(&histograms) == Some(0.0))
        }),
        empty_label,
    )
}

/// The line under every chart's title: scenario, trials, seed, horizon.
pub(crate) fn subtitle(summary: &Summary) -> String {
    let p = &summary.provenance;
    format!(
        "{} · {} {}, seed {} · {} {} from {} · focus market {}",
        p.scenario,
        count(p.trials),
        if p.trials == 1 { "trial" } else { "trials" },
        p.seed,
        summary.horizon_months,
        if summary.horizon_months == 1 {
            "month"
        } else {
            "months"
        },
        summary.start,
        summary.focus_market
    )
}

enum PanelKind {
    /// A share's level: means as dashed lines.
    Level { x_desc: String },
    /// A reduction: mean, CI band, zero line, P(> 0).
    Reduction { x_desc: String },
}

fn draw_panels(
    body: &Area<'_>,
    panels: &[(String, Vec<Overlay<'_>>)],
    kind: &PanelKind,
    layout: &PanelLayout,
) -> Result<(), ChartError> {
    let caption = |(title, overlays): &&(String, Vec<Overlay<'_>>)| {
        let lines = overlays
            .iter()
            .enumerate()
            .map(|(j, o)| {
                // A later overlay is drawn over an earlier one: if their distributions are the
                // same, the earlier one is hidden, so the caption says so. (A panel that shows
                // only a note draws nothing over anything.)
                let covers = overlays[..j]
                    .iter()
                    .filter(|earlier| {
                        draws_axes(overlays) && same_distribution(earlier.histogram, o.histogram)
                    })
                    .map(|earlier| earlier.label.as_str())
                    .collect::<Vec<_>>();
                caption_line(o, kind, &covers)
            })
            .collect();
        (title.clone(), lines)
    };
    // The x description on the lowest panel of each column that draws axes (panels below it
    // hold a note); the y description on every panel, as each panel's bins have their own
    // width.
    let placed = layout.place(body, panels, caption, |(_, overlays)| draws_axes(overlays))?;
    for p in placed {
        let (plot_area, sizes) = p.draw_caption()?;
        draw_panel(&plot_area, sizes, &p.panel.1, kind, p.x_desc)?;
    }
    Ok(())
}

/// A point mass's label: its dot's pixel, its value (x, in points), its share of trials,
/// whether it runs off the top of the axis, and its colour.
type AtomLabel = ((i32, i32), f64, f64, bool, Colour);

/// Whether a panel draws axes: its values are not all one (then it holds a note instead).
fn draws_axes(overlays: &[Overlay<'_>]) -> bool {
    let histograms: Vec<&Histogram> = overlays.iter().map(|o| o.histogram).collect();
    value_range(&histograms).is_some() && single_value(&histograms).is_none()
}

/// Draws a panel's plot (or its note) in `plot_area`, under its caption.
fn draw_panel(
    plot_area: &Area<'_>,
    sizes: PanelText,
    overlays: &[Overlay<'_>],
    kind: &PanelKind,
    show_x_desc: bool,
) -> Result<(), ChartError> {
    let histograms: Vec<&Histogram> = overlays.iter().map(|o| o.histogram).collect();
    let Some((low, high)) = value_range(&histograms) else {
        return no_data(plot_area, sizes);
    };
    // (A panel at exactly 0 throughout has no panel: `layout` names it under the legend.)
    if let Some(value) = single_value(&histograms) {
        let message = match kind {
            PanelKind::Level { .. } => {
                format!("{} in every trial of every variant", percent(value, 1))
            }
            PanelKind::Reduction { .. } => {
                format!("{} points in every trial", points(value, 1))
            }
        };
        return note(plot_area, &message, sizes);
    }
    // A zero line and the means must be in view too.
    let (mut low, mut high) = (low, high);
    if matches!(kind, PanelKind::Reduction { .. }) {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    for o in overlays {
        low = low.min(o.row.ci_low);
        high = high.max(o.row.ci_high);
    }
    // At least 0.2 points wide, kept inside the scale's domain (shares cannot go below 0).
    let span = (high - low).max(0.002);
    let centre = (high + low) / 2.0;
    let (domain_low, domain_high) = match kind {
        PanelKind::Level { .. } => (0.0, 1.0),
        PanelKind::Reduction { .. } => (-1.0, 1.0),
    };
    let low = (centre - span / 2.0).clamp(domain_low, domain_high - span);
    let high = low + span;

    let (plot_width, _) = plot_area.dim_in_pixel();
    let target_bins = (plot_width as usize / 12).clamp(16, 90);
    let grid = Grid::covering(&histograms, (low, high), target_bins);
    let shapes: Vec<Shape> = histograms.iter().map(|h| shape(h, grid.as_ref())).collect();
    // Whole display bins stay in view.
    let (low, high) = shapes
        .iter()
        .flat_map(|s| {
            s.bars
                .first()
                .map(|b| b.0)
                .into_iter()
                .chain(s.bars.last().map(|b| b.1))
        })
        .fold((low, high), |(lo, hi), edge| (lo.min(edge), hi.max(edge)));
    let pad = (high - low) * 0.03;
    let (x0, x1) = (
        (low - pad).max(domain_low - pad / 2.0) * 100.0,
        (high + pad).min(domain_high + pad / 2.0) * 100.0,
    );
    let peak = super::histogram::y_top(&shapes) * 100.0;
    let y1 = if peak > 0.0 { peak * 1.12 } else { 1.0 };

    let x_decimals = tick_decimals(x1 - x0);
    let y_decimals = tick_decimals(y1);
    let x_format = |v: &f64| match kind {
        PanelKind::Level { .. } => format!("{:.*}%", x_decimals, v),
        PanelKind::Reduction { .. } => super::canvas::points(*v / 100.0, x_decimals),
    };
    let y_format = |v: &f64| format!("{:.*}%", y_decimals, v);
    let bin_note = match &grid {
        Some(g) => format!("% of trials per {}-pt bin", trim_number(g.width() * 100.0)),
        None => "% of trials".to_string(),
    };
    let x_desc = match kind {
        PanelKind::Level { x_desc } | PanelKind::Reduction { x_desc } => x_desc.clone(),
    };
    let spec = AxisSpec {
        x_desc: show_x_desc.then_some(x_desc),
        y_desc: Some(bin_note),
        y_desc_short: None,
        x_format: &x_format,
        y_format: &y_format,
        x_labels: (plot_width as usize / 85).clamp(4, 12),
        y_labels: 6,
        sizes,
    };
    let mut chart = axes(plot_area, RangedCoordf64::from(x0..x1), 0.0..y1, &spec)?;
    let (pixels_wide, _) = chart.plotting_area().dim_in_pixel();
    let per_pixel = (x1 - x0) / f64::from(pixels_wide.max(1));

    if let PanelKind::Reduction { .. } = kind {
        for o in overlays {
            // The mean's CI is often far narrower than the distribution: at least 3 px wide.
            let (lo, hi) = (o.row.ci_low * 100.0, o.row.ci_high * 100.0);
            let half = ((hi - lo) / 2.0).max(1.5 * per_pixel);
            let mid = (lo + hi) / 2.0;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(mid - half, 0.0), (mid + half, y1)],
                o.colour.rgb().mix(0.28).filled(),
            )))?;
        }
    }
    for (o, s) in overlays.iter().zip(&shapes) {
        if let Some(outline) = step_outline(s) {
            chart.draw_series(std::iter::once(Polygon::new(
                outline.clone(),
                o.colour.rgb().mix(style::FILL_ALPHA).filled(),
            )))?;
        }
    }
    let mut atom_labels = Vec::new();
    for (o, s) in overlays.iter().zip(&shapes) {
        if let Some(outline) = step_outline(s) {
            chart.draw_series(std::iter::once(PathElement::new(
                outline,
                o.colour.rgb().stroke_width(2),
            )))?;
        }
        for &(value, share) in &s.atoms {
            let (y, off_scale) = atom_height(share * 100.0, y1);
            let x = value * 100.0;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, y)],
                o.colour.rgb().stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (x, y),
                5,
                o.colour.rgb().filled(),
            )))?;
            // The point mass's share next to its dot: a stem at the edge of the axis, where
            // the histogram's last bin stands, is easy to miss (or to compare with the bins).
            if share >= 0.005 {
                atom_labels.push((chart.backend_coord(&(x, y)), x, share, off_scale, o.colour));
            }
        }
    }
    match kind {
        PanelKind::Level { .. } => {
            for o in overlays {
                let x = o.row.mean * 100.0;
                chart.draw_series(DashedLineSeries::new(
                    vec![(x, 0.0), (x, y1)],
                    9,
                    6,
                    o.colour.rgb().stroke_width(2),
                ))?;
            }
        }
        PanelKind::Reduction { .. } => {
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (0.0, y1)],
                7,
                5,
                style::TEXT.rgb().stroke_width(2),
            ))?;
            for o in overlays {
                let x = o.row.mean * 100.0;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, y1)],
                    o.colour.rgb().stroke_width(style::LINE_WIDTH),
                )))?;
            }
        }
    }
    // Labels last, over everything: left of a dot in the right fifth of the axis, else right.
    let (base_x, base_y) = plot_area.get_base_pixel();
    // The bottom of the plotting area (the x axis), from the top of `plot_area`.
    let plot_height = chart.plotting_area().get_pixel_range().1.end - base_y;
    let style = canvas::font(sizes.tick, style::TEXT, canvas::Weight::Bold);
    // Variants with the same point mass (same value, same share) share one label, in black.
    let mut merged: Vec<AtomLabel> = Vec::new();
    for (at, x, share, off_scale, colour) in atom_labels {
        match merged
            .iter_mut()
            .find(|m| m.1 == x && percent(m.2, 1) == percent(share, 1))
        {
            Some(m) => m.4 = style::TEXT,
            None => merged.push((at, x, share, off_scale, colour)),
        }
    }
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for ((px, py), x, share, off_scale, colour) in merged {
        let style = canvas::TextStyle { colour, ..style };
        let on_left = x > x0 + 0.8 * (x1 - x0);
        let (anchor, dx) = if on_left {
            (HPos::Right, -9)
        } else {
            (HPos::Left, 9)
        };
        let label = if off_scale {
            format!("{} ↑ (off scale)", percent(share, 1))
        } else {
            percent(share, 1)
        };
        let width = canvas::text_width(plot_area, &label, &style);
        let (x, mut baseline) = (px - base_x + dx, py - base_y + 4);
        let left = if on_left { x - width } else { x };
        let height = style.size.round() as i32;
        // Point masses at one value (several variants all at 0) would write over each other:
        // each label goes below those it would cover.
        let wanted = baseline;
        while placed.iter().any(|&(l, r, top, bottom)| {
            left - 3 < r && l < left + width + 3 && baseline - height < bottom && top < baseline + 4
        }) {
            baseline += height + 6;
        }
        // A label pushed far from its dot, or past the bottom of the plot, would mislead: the
        // caption gives every point mass's share anyway.
        if baseline - wanted > 3 * (height + 6) || baseline + 4 > plot_height - 2 {
            continue;
        }
        placed.push((left - 3, left + width + 3, baseline - height, baseline + 4));
        // On a white ground, so that bins behind it do not cross the figures.
        plot_area.draw(&Rectangle::new(
            [
                (left - 3, baseline - height),
                (left + width + 3, baseline + 4),
            ],
            WHITE.filled(),
        ))?;
        canvas::text(plot_area, &label, (x, baseline), &style, anchor)?;
    }
    Ok(())
}

/// A caption line for one overlay: its colour key, id and key numbers.
/// Whether two histograms hold the same distribution (every count, extreme and atom).
pub(crate) fn same_distribution(a: &Histogram, b: &Histogram) -> bool {
    a.n == b.n
        && a.min == b.min
        && a.max == b.max
        && a.exact == b.exact
        && a.first_bin == b.first_bin
        && a.bins == b.bins
}

/// An overlay's caption: its figures, and the variants it hides (`covers`: drawn before it,
/// with the same distribution).
fn caption_line(o: &Overlay<'_>, kind: &PanelKind, covers: &[&str]) -> CaptionLine {
    let r = o.row;
    let label = format!("{}{}", o.label, super::covers_note("distribution", covers));
    let o = &Overlay {
        label,
        histogram: o.histogram,
        row: o.row,
        colour: o.colour,
    };
    let text = match kind {
        PanelKind::Level { .. } => {
            let d = decimals_for((r.ci_high - r.ci_low) * 100.0);
            format!(
                "{}: mean {}, p5–p95 {} to {}{}",
                o.label,
                percent(r.mean, d),
                percent(r.p5, d),
                percent(r.p95, d),
                atoms_note(o.histogram, |v| percent(v, 0))
            )
        }
        PanelKind::Reduction { .. } => {
            let d = decimals_for((r.ci_high - r.ci_low) * 100.0);
            format!(
                "{}: mean {} pts (CI {} to {}), P(> 0) {}{}",
                o.label,
                points(r.mean, d),
                points(r.ci_low, d),
                points(r.ci_high, d),
                percent(r.p_positive, 1),
                atoms_note(o.histogram, |v| points(v, 0))
            )
        }
    };
    vec![("■ ".to_string(), o.colour), (text, style::TEXT)]
}

/// "; 17.9% at exactly 100%" (of trials) for each point mass holding at least 0.5% of trials.
fn atoms_note(histogram: &Histogram, value: impl Fn(f64) -> String) -> String {
    if histogram.n == 0 {
        return String::new();
    }
    histogram
        .exact
        .iter()
        .filter(|(_, count)| *count as f64 >= 0.005 * histogram.n as f64)
        .map(|&(v, count)| {
            format!(
                "; {} at exactly {}",
                percent(count as f64 / histogram.n as f64, 1),
                value(v)
            )
        })
        .collect()
}

/// The outline of a histogram's bars as a closed step path in percent units, or `None` when it
/// has no bars.
fn step_outline(s: &Shape) -> Option<Vec<(f64, f64)>> {
    let first = s.bars.first()?;
    let last = s.bars.last()?;
    let mut path = vec![(first.0 * 100.0, 0.0)];
    for &(low, high, share) in &s.bars {
        path.push((low * 100.0, share * 100.0));
        path.push((high * 100.0, share * 100.0));
    }
    path.push((last.1 * 100.0, 0.0));
    Some(path)
}

/// A number with up to three significant digits, no trailing zeros (`0.39`, `1.56`, `12.5`).
pub(crate) fn trim_number(x: f64) -> String {
    let digits = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else if x >= 1.0 {
        2
    } else {
        3
    };
    let text = format!("{x:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The one value every trial of every histogram holds, if so (a point mass shared by all).
fn single_value(histograms: &[&Histogram]) -> Option<f64> {
    let first = histograms.iter().find(|h| h.n > 0)?;
    let value = first.min;
    histograms
        .iter()
        .filter(|h| h.n > 0)
        .all(|h| h.min == value && h.max == value)
        .then_some(value)
}

#[cfg(test)]
mod tests {
    use super::{atom_height, same_distribution};
    use crate::report::summary::Histogram;
    use crate::stats::{MetricAccumulator, ValueScale};

    fn histogram(values: &[f64], variant: &str) -> Histogram {
        let mut accumulator = MetricAccumulator::new(ValueScale::Share);
        accumulator.push_all(values);
        Histogram::from_accumulator(variant.into(), "c".into(), "m".into(), &accumulator)
    }

    #[test]
    fn a_point_mass_is_off_scale_only_above_the_axis() {
        // antimony_ban's reduction chart: 52.1% of trials at 0 on an axis to 53.6% is drawn at
        // its height and not called off scale; 86.7% is cut below the top and called so.
        assert_eq!(atom_height(52.1, 53.6), (52.1, false));
        assert_eq!(atom_height(53.6, 53.6), (53.6, false));
        let (y, off) = atom_height(86.7, 53.6);
        assert!(off);
        assert!(y < 53.6 && y > 0.9 * 53.6, "{y}");
    }

    #[test]
    fn variants_with_the_same_distribution_are_recognised_whatever_their_names() {
        let a = histogram(&[0.2, 0.5, 1.0], "a");
        assert!(same_distribution(&a, &histogram(&[1.0, 0.5, 0.2], "b")));
        // One value moved to another bin, or an atom's count, makes them differ.
        assert!(!same_distribution(&a, &histogram(&[0.2, 0.6, 1.0], "b")));
        assert!(!same_distribution(&a, &histogram(&[0.2, 0.5, 0.99], "b")));
        assert_eq!(
            super::super::covers_note("distribution", &["x", "y"]),
            " (same distribution as x and y, drawn over it)"
        );
        assert_eq!(super::super::covers_note("distribution", &[]), "");
    }
}

//! Chart 3: shortfall exceedance curves, P(shortfall share > s) per variant, one panel per
//! commodity, with the serious-shortfall threshold marked.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::ChartError;
use super::axes::{AxisSpec, axes};
use super::canvas::{
    self, CaptionLine, LegendEntry, Mark, PanelLayout, decimals_for, no_data, note, percent,
    tick_decimals,
};
use super::distribution::subtitle;
use super::histogram::exceedance;
use super::style;
use crate::report::summary::Summary;

const METRIC: &str = "shortfall_share";

/// One commodity's exceedance curves with their colours, the largest shortfall of any trial
/// and the share of trials with any shortfall (both 0 to 1), and its caption.
struct Panel {
    curves: Vec<(Vec<(f64, f64)>, style::Colour)>,
    largest: f64,
    top: f64,
    caption: (String, Vec<CaptionLine>),
}

/// Every commodity's curves and caption, and the layout: a commodity without a shortfall in
/// any trial of any variant is named instead of given a panel.
fn panels(summary: &Summary) -> (Vec<Panel>, PanelLayout) {
    let threshold = summary.shortfall_threshold;
    let panels: Vec<Panel> = summary
        .commodities
        .iter()
        .map(|commodity| {
            let mut curves = Vec::new();
            let mut drawn: Vec<(&crate::report::summary::Histogram, &str)> = Vec::new();
            let mut pending = Vec::new();
            let mut largest: f64 = 0.0;
            let mut top: f64 = 0.0;
            for (index, variant) in summary.variants.iter().enumerate() {
                let colour = style::variant_colour(index);
                let (Some(histogram), Some(serious), Some(share)) = (
                    summary.histogram(&variant.id, &commodity.id, METRIC),
                    summary.row(&variant.id, &commodity.id, "shortfall_exceeds_threshold"),
                    summary.row(&variant.id, &commodity.id, METRIC),
                ) else {
                    continue;
                };
                let curve = exceedance(histogram);
                largest = largest.max(histogram.max);
                top = top.max(curve.first().map_or(0.0, |p| p.1));
                let d = decimals_for((share.ci_high - share.ci_low) * 100.0);
                let covered: Vec<&str> = drawn
                    .iter()
                    .filter(|(earlier, _)| {
                        super::distribution::same_distribution(earlier, histogram)
                    })
                    .map(|(_, id)| *id)
                    .collect();
                drawn.push((histogram, &variant.id));
                pending.push((
                    colour,
                    variant.id.as_str(),
                    covered,
                    serious.mean,
                    share.mean,
                    d,
                ));
                curves.push((curve, colour));
            }
            // A panel without any shortfall shows a note and draws no curve over another.
            let lines: Vec<CaptionLine> = pending
                .into_iter()
                .map(|(colour, id, covered, serious, mean, d)| {
                    let note = if top > 0.0 {
                        super::covers_note("distribution", &covered)
                    } else {
                        String::new()
                    };
                    vec![
                        ("■ ".to_string(), colour),
                        (
                            format!(
                                "{id}{note}: P(> {}) = {}; mean {}",
                                percent(threshold, 1),
                                percent(serious, 1),
                                percent(mean, d)
                            ),
                            style::TEXT,
                        ),
                    ]
                })
                .collect();
            Panel {
                curves,
                largest,
                top,
                caption: (commodity.name.clone(), lines),
            }
        })
        .collect();
    let layout = PanelLayout::new(
        panels.iter().map(|panel| {
            let no_shortfall = !panel.curves.is_empty() && panel.top == 0.0;
            (panel.caption.0.clone(), no_shortfall)
        }),
        "No shortfall in any trial of any variant",
    );
    (panels, layout)
}

/// Which commodities get a panel in chart 3 (see [`shortfall_exceedance`]).
pub(crate) fn layout(summary: &Summary) -> PanelLayout {
    panels(summary).1
}

/// Chart 3: for each commodity that goes short at all, the share of trials whose shortfall
/// (share of the focus market's demand unmet over the horizon) exceeds s, against s, one
/// curve per variant.
pub fn shortfall_exceedance(summary: &Summary) -> Result<Vec<u8>, ChartError> {
    let market = &summary.focus_market_name;
    let threshold = summary.shortfall_threshold;
    let title = format!(
        "How likely is a shortfall at {market} larger than s? Exceedance curves by variant"
    );
    let legend: Vec<LegendEntry> = summary
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| LegendEntry::new(Mark::Line(style::variant_colour(i)), v.id.clone()))
        .chain(std::iter::once(LegendEntry::new(
            Mark::Dashed(style::TEXT),
            format!("serious-shortfall threshold ({})", percent(threshold, 1)),
        )))
        .collect();
    let (panels, layout) = panels(summary);
    canvas::render(|root| {
        let body = canvas::header(root, &title, &subtitle(summary), &legend)?;
        // The x description under the lowest panel with curves in each column.
        let placed = layout.place(
            &body,
            panels,
            |panel| panel.caption.clone(),
            |panel| !panel.curves.is_empty() && panel.top > 0.0,
        )?;
        for p in placed {
            let (plot_area, sizes) = p.draw_caption()?;
            let Panel {
                curves,
                largest,
                top,
                ..
            } = p.panel;
            let (col, bottom) = (p.col, p.x_desc);
            if curves.is_empty() {
                no_data(&plot_area, sizes)?;
                continue;
            }
            if top == 0.0 {
                note(
                    &plot_area,
                    "no shortfall in any trial of any variant",
                    sizes,
                )?;
                continue;
            }
            // Up to the largest shortfall seen and past the threshold; a little room past
            // 100% so curves along the frame stay visible.
            let x1 = ((largest.max(threshold * 1.25)) * 1.06).min(1.02) * 100.0;
            let y1 = (top * 100.0 * 1.06).min(102.0);
            let x_decimals = tick_decimals(x1);
            let y_decimals = tick_decimals(y1);
            let x_format = |v: &f64| format!("{:.*}%", x_decimals, v);
            let y_format = |v: &f64| format!("{:.*}%", y_decimals, v);
            let (plot_width, _) = plot_area.dim_in_pixel();
            let spec = AxisSpec {
                x_desc: bottom.then(|| "shortfall s, % of demand unmet over the horizon".into()),
                y_desc: (col == 0).then(|| "trials with shortfall > s, %".into()),
                y_desc_short: None,
                x_format: &x_format,
                y_format: &y_format,
                x_labels: (plot_width as usize / 85).clamp(4, 12),
                y_labels: 6,
                sizes,
            };
            let mut chart = axes(&plot_area, RangedCoordf64::from(0.0..x1), 0.0..y1, &spec)?;
            let t = threshold * 100.0;
            chart.draw_series(DashedLineSeries::new(
                vec![(t, 0.0), (t, y1)],
                8,
                6,
                style::TEXT.rgb().stroke_width(2),
            ))?;
            // Earlier variants wider, so curves that coincide show as stacked stripes.
            let count = curves.len() as u32;
            for (i, (curve, colour)) in curves.iter().enumerate() {
                let points: Vec<(f64, f64)> =
                    curve.iter().map(|&(x, p)| (x * 100.0, p * 100.0)).collect();
                let points = resample(&clip(&points, x1), x1 / f64::from(plot_width.max(1)));
                chart.draw_series(std::iter::once(PathElement::new(
                    points,
                    colour
                        .rgb()
                        .stroke_width(style::line_width(i as u32, count)),
                )))?;
            }
        }
        Ok(())
    })
}

/// The curve evaluated every `step` of x (about one pixel) by linear interpolation, plus its
/// last point: the exceedance curve is linear within a bin, so this draws the same curve
/// without thousands of bin-sized segments, which a thick pen turns into a ragged staircase.
fn resample(points: &[(f64, f64)], step: f64) -> Vec<(f64, f64)> {
    let (Some(&first), Some(&last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    if step.is_nan() || step <= 0.0 {
        return points.to_vec();
    }
    let mut out = Vec::new();
    let mut segment = 0;
    let mut k = 0u32;
    loop {
        let x = first.0 + f64::from(k) * step;
        if x >= last.0 {
            break;
        }
        // The segment [points[segment], points[segment + 1]] containing x.
        while segment + 1 < points.len() - 1 && points[segment + 1].0 <= x {
            segment += 1;
        }
        let (a, b) = (points[segment], points[segment + 1]);
        let y = if b.0 > a.0 {
            a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1)
        } else {
            b.1
        };
        out.push((x, y));
        k += 1;
    }
    out.push(last);
    out
}

/// The part of a polyline with x ≤ `x1`, ending exactly at `x1` (interpolated) when the line
/// goes further.
fn clip(points: &[(f64, f64)], x1: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    for (i, &(x, y)) in points.iter().enumerate() {
        if x <= x1 {
            out.push((x, y));
            continue;
        }
        if let Some(&(x0, y0)) = i.checked_sub(1).and_then(|j| points.get(j)) {
            let t = if x > x0 { (x1 - x0) / (x - x0) } else { 0.0 };
            out.push((x1, y0 + t * (y - y0)));
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_the_ends_and_thins_the_middle() {
        let fine: Vec<(f64, f64)> = (0..=1000)
            .map(|i| (f64::from(i) / 1000.0, 1.0 - f64::from(i) / 1000.0))
            .collect();
        let coarse = resample(&fine, 0.01);
        assert!(coarse.len() <= 102, "{}", coarse.len());
        assert_eq!(coarse.first(), Some(&(0.0, 1.0)));
        assert_eq!(coarse.last(), Some(&(1.0, 0.0)));
        assert!(
            coarse
                .windows(2)
                .all(|p| p[1].0 >= p[0].0 && p[1].1 <= p[0].1)
        );
        // On the line y = 1 − x, every sample lies on it.
        assert!(coarse.iter().all(|(x, y)| (x + y - 1.0).abs() < 1e-12));
        // A step (a vertical drop at 0.5) is kept as a drop within one step.
        let stair = [(0.0, 1.0), (0.5, 1.0), (0.5, 0.2), (1.0, 0.2)];
        let sampled = resample(&stair, 0.1);
        assert!(
            sampled
                .iter()
                .all(|&(x, y)| if x < 0.5 { y == 1.0 } else { y == 0.2 })
        );
    }

    #[test]
    fn clipping_interpolates_at_the_edge() {
        let line = [(0.0, 1.0), (1.0, 1.0), (3.0, 0.0)];
        assert_eq!(clip(&line, 2.0), vec![(0.0, 1.0), (1.0, 1.0), (2.0, 0.5)]);
        assert_eq!(clip(&line, 5.0), line.to_vec());
    }
}

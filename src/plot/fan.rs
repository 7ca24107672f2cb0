//! Charts 4 and 5: monthly fan charts (median, mean and 5th–95th percentile band per variant
//! over calendar months) of the dependency on a country and of the shortfall share.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::ChartError;
use super::axes::{AxisSpec, axes};
use super::canvas::{
    self, CaptionLine, LegendEntry, Mark, PanelLayout, no_data, note, percent, tick_decimals,
};
use super::distribution::subtitle;
use super::style;
use crate::model::YearMonth;
use crate::report::summary::Summary;

/// A fan chart's metric and wording.
pub(crate) struct Fan {
    metric: String,
    title: String,
    y_desc: String,
    /// `y_desc` for a short panel.
    y_desc_short: String,
    /// What follows "axis from x% · " beside a zoomed panel, shorter still.
    y_desc_zoomed: String,
    from_zero: bool,
    /// What a commodity named instead of given a panel shows: 0 in every month and trial.
    empty_label: String,
}

/// Chart 4's metric and wording.
pub(crate) fn dependency_fan(summary: &Summary, country: &str) -> Result<Fan, ChartError> {
    if !summary.dependency_on.iter().any(|c| c == country) {
        return Err(ChartError::NoData(format!(
            "{country} is not in dependency_on"
        )));
    }
    let market = &summary.focus_market_name;
    Ok(Fan {
        metric: format!("dependency_{country}"),
        title: format!(
            "How does the dependency of {market} on {country} change month by month? Median and 5–95% range across trials"
        ),
        y_desc: format!("demand met via {country}, % of the month's demand"),
        y_desc_short: format!("met via {country}, % of demand"),
        y_desc_zoomed: format!("via {country}, % of demand"),
        from_zero: false,
        empty_label: format!("No dependency on {country} in any month or trial of any variant"),
    })
}

/// Chart 5's metric and wording.
pub(crate) fn shortfall_fan(summary: &Summary) -> Fan {
    let market = &summary.focus_market_name;
    Fan {
        metric: "shortfall_share".to_string(),
        title: format!(
            "When does {market} go short? Monthly share of demand unmet: median, mean and 5–95% range across trials"
        ),
        y_desc: "demand unmet, % of the month's demand".to_string(),
        y_desc_short: "unmet, % of demand".to_string(),
        y_desc_zoomed: "unmet, % of demand".to_string(),
        from_zero: true,
        empty_label: "No shortfall in any month or trial of any variant".to_string(),
    }
}

/// Chart 4: per commodity that depends on `country` at all, the monthly share of the focus
/// market's demand met via `country`: median and p5–p95 band across trials (and the mean), per
/// variant.
pub fn monthly_dependency(summary: &Summary, country: &str) -> Result<Vec<u8>, ChartError> {
    fan_chart(summary, &dependency_fan(summary, country)?)
}

/// Chart 5: per commodity that goes short at all, the monthly shortfall (share of the month's
/// demand left unmet): median, mean and p5–p95 band across trials, per variant.
pub fn monthly_shortfall(summary: &Summary) -> Result<Vec<u8>, ChartError> {
    fan_chart(summary, &shortfall_fan(summary))
}

/// One variant's monthly series in percent: (p5, p50, p95, mean) per month.
type Series = Vec<(f64, f64, f64, f64)>;

/// One commodity's panel: its series per variant (with the variant's colour) and caption.
struct FanPanel {
    all: Vec<(Series, style::Colour)>,
    caption: (String, Vec<CaptionLine>),
}

/// Which commodities get a panel in the fan chart `fan` (see [`fan_panels`]).
pub(crate) fn layout(summary: &Summary, fan: &Fan) -> PanelLayout {
    fan_panels(summary, fan).1
}

/// Every commodity's series and caption, and the layout: a commodity at exactly 0 in every
/// month and trial of every variant is named instead of given a panel.
fn fan_panels(summary: &Summary, fan: &Fan) -> (Vec<FanPanel>, PanelLayout) {
    let panels: Vec<FanPanel> = summary
        .commodities
        .iter()
        .map(|commodity| {
            let mut all: Vec<(Series, style::Colour)> = Vec::new();
            let mut ids: Vec<&str> = Vec::new();
            let mut covers: Vec<Vec<&str>> = Vec::new();
            for (index, variant) in summary.variants.iter().enumerate() {
                let series: Series = summary
                    .monthly_series(&variant.id, &commodity.id, &fan.metric)
                    .map(|r| (r.p5 * 100.0, r.p50 * 100.0, r.p95 * 100.0, r.mean * 100.0))
                    .collect();
                if series.is_empty() {
                    continue;
                }
                covers.push(
                    all.iter()
                        .zip(&ids)
                        .filter(|((earlier, _), _)| *earlier == series)
                        .map(|(_, id)| *id)
                        .collect(),
                );
                all.push((series, style::variant_colour(index)));
                ids.push(&variant.id);
            }
            // A panel that shows only a note draws no series: nothing is drawn over anything.
            let drawn = draws_axes(&all);
            let lines: Vec<CaptionLine> = all
                .iter()
                .zip(&ids)
                .zip(&covers)
                .map(|(((series, colour), id), covered)| {
                    let (first, last) = (series[0], series[series.len() - 1]);
                    let note = if drawn {
                        super::covers_note("monthly series", covered)
                    } else {
                        String::new()
                    };
                    vec![
                        ("■ ".to_string(), *colour),
                        (
                            format!(
                                "{id}{note}: median {} → {}; mean {} → {}",
                                percent(first.1 / 100.0, 1),
                                percent(last.1 / 100.0, 1),
                                percent(first.3 / 100.0, 1),
                                percent(last.3 / 100.0, 1),
                            ),
                            style::TEXT,
                        ),
                    ]
                })
                .collect();
            FanPanel {
                all,
                caption: (commodity.name.clone(), lines),
            }
        })
        .collect();
    let layout = PanelLayout::new(
        panels.iter().map(|panel| {
            let zero =
                !panel.all.is_empty() && is_constant(&panel.all) && panel.all[0].0[0].0 == 0.0;
            (panel.caption.0.clone(), zero)
        }),
        fan.empty_label.clone(),
    );
    (panels, layout)
}

/// Whether a panel draws axes: it has series and they are not one value throughout (then it
/// holds a note instead).
fn draws_axes(all: &[(Series, style::Colour)]) -> bool {
    !all.is_empty() && !is_constant(all)
}

fn fan_chart(summary: &Summary, fan: &Fan) -> Result<Vec<u8>, ChartError> {
    let start = YearMonth::parse(&summary.start)
        .ok_or_else(|| ChartError::NoData(format!("start month {}", summary.start)))?;
    let horizon = summary.horizon_months as usize;
    let legend: Vec<LegendEntry> = summary
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| LegendEntry::new(Mark::Line(style::variant_colour(i)), v.id.clone()))
        .chain([
            LegendEntry::new(Mark::Line(style::AXIS), "median"),
            LegendEntry::new(Mark::Dashed(style::AXIS), "mean"),
            LegendEntry::new(Mark::Band(style::AXIS), "5th–95th percentile"),
        ])
        .collect();
    let (panels, layout) = fan_panels(summary, fan);
    canvas::render(|root| {
        let end = start.plus(summary.horizon_months.saturating_sub(1));
        let subtitle = format!(
            "{} · captions: first month ({start}) → last month ({end})",
            subtitle(summary)
        );
        let body = canvas::header(root, &fan.title, &subtitle, &legend)?;
        // "calendar month" under the lowest panel of each column that draws axes (those
        // below it hold a note).
        let placed = layout.place(
            &body,
            panels,
            |panel| panel.caption.clone(),
            |panel| draws_axes(&panel.all),
        )?;
        for p in placed {
            let (plot_area, sizes) = p.draw_caption()?;
            let (all, col, bottom) = (p.panel.all, p.col, p.x_desc);
            if all.is_empty() {
                no_data(&plot_area, sizes)?;
                continue;
            }
            if is_constant(&all) {
                let value = percent(all[0].0[0].0 / 100.0, 1);
                note(
                    &plot_area,
                    &format!("{value} in every month and trial of every variant"),
                    sizes,
                )?;
                continue;
            }
            let low = all
                .iter()
                .flat_map(|(s, _)| s.iter().map(|p| p.0.min(p.3)))
                .fold(f64::INFINITY, f64::min);
            let high = all
                .iter()
                .flat_map(|(s, _)| s.iter().map(|p| p.2.max(p.3)))
                .fold(f64::NEG_INFINITY, f64::max);
            // A little room beyond 0% and 100%, so a median lying there is not hidden by the
            // axis or the frame.
            let (y0, y1) = if fan.from_zero {
                let top = (high * 1.1).clamp(1.0, 100.0);
                (-top * 0.02, top * 1.02)
            } else {
                let span = (high - low).max(1.0);
                (
                    (low - span * 0.08).max(-span * 0.02),
                    (high + span * 0.08).min(100.0 + span * 0.02),
                )
            };
            let (plot_width, _) = plot_area.dim_in_pixel();
            let ticks = month_ticks(start, horizon, (plot_width as usize / 75).max(2));
            let labels: Vec<(f64, String)> = ticks.clone();
            let x_format = move |v: &f64| {
                labels
                    .iter()
                    .find(|(x, _)| (x - v).abs() < 1e-9)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default()
            };
            let y_decimals = tick_decimals(y1 - y0);
            let y_format = |v: &f64| format!("{:.*}%", y_decimals, v);
            let zoomed = !fan.from_zero && y0 > 0.5;
            let spec = AxisSpec {
                x_desc: bottom.then(|| "calendar month".to_string()),
                // A zoomed axis says so on its own panel, first: a one-point fall near 100%
                // must not read as a collapse. A panel under a long caption is short, and
                // the short description is drawn when the long one does not fit whole.
                y_desc: if zoomed {
                    Some(format!("axis from {} · {}", y_format(&y0), fan.y_desc))
                } else {
                    (col == 0).then(|| fan.y_desc.clone())
                },
                y_desc_short: if zoomed {
                    Some(format!(
                        "axis from {} · {}",
                        y_format(&y0),
                        fan.y_desc_zoomed
                    ))
                } else {
                    Some(fan.y_desc_short.clone())
                },
                x_format: &x_format,
                y_format: &y_format,
                x_labels: ticks.len().max(2),
                y_labels: 6,
                sizes,
            };
            let x = MonthAxis {
                months: RangedCoordf64::from(0.0..horizon as f64),
                ticks: ticks.iter().map(|t| t.0).collect(),
            };
            let mut chart = axes(&plot_area, x, y0..y1, &spec)?;
            let at = |m: usize| m as f64 + 0.5;
            for (series, colour) in &all {
                let mut band: Vec<(f64, f64)> = series
                    .iter()
                    .enumerate()
                    .map(|(m, p)| (at(m), p.2))
                    .collect();
                band.extend(series.iter().enumerate().rev().map(|(m, p)| (at(m), p.0)));
                chart.draw_series(std::iter::once(Polygon::new(
                    band,
                    colour.rgb().mix(style::BAND_ALPHA).filled(),
                )))?;
            }
            for (series, colour) in &all {
                for edge in [
                    |p: &(f64, f64, f64, f64)| p.0,
                    |p: &(f64, f64, f64, f64)| p.2,
                ] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        series
                            .iter()
                            .enumerate()
                            .map(|(m, p)| (at(m), edge(p)))
                            .collect::<Vec<_>>(),
                        colour.rgb().mix(0.7).stroke_width(1),
                    )))?;
                }
            }
            let count = all.len() as u32;
            for (i, (series, colour)) in all.iter().enumerate() {
                chart.draw_series(DashedLineSeries::new(
                    series.iter().enumerate().map(|(m, p)| (at(m), p.3)),
                    7,
                    5,
                    colour.rgb().stroke_width(2),
                ))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    series
                        .iter()
                        .enumerate()
                        .map(|(m, p)| (at(m), p.1))
                        .collect::<Vec<_>>(),
                    colour
                        .rgb()
                        .stroke_width(style::line_width(i as u32, count)),
                )))?;
            }
        }
        Ok(())
    })
}

/// A month axis whose ticks are the given month indices (January of chosen years, or
/// quarters): plotters' own ticks would fall on round month counts instead of calendar dates.
struct MonthAxis {
    months: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for MonthAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.months.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> Range<f64> {
        self.months.range()
    }
}

/// Tick positions (month index at the start of a month) and labels for a horizon of `horizon`
/// months from `start`, at most `max_ticks`: every January labelled with its year (every 2, 5,
/// 10… years when they would crowd), or quarters labelled `YYYY-MM` for short horizons.
pub(crate) fn month_ticks(
    start: YearMonth,
    horizon: usize,
    max_ticks: usize,
) -> Vec<(f64, String)> {
    let max_ticks = max_ticks.max(2);
    if horizon <= 30 {
        for step in [1usize, 2, 3, 6, 12] {
            if horizon.div_ceil(step) <= max_ticks {
                return (0..=horizon)
                    .step_by(step)
                    .map(|m| (m as f64, start.plus(m as u32).to_string()))
                    .collect();
            }
        }
    }
    let years = horizon / 12 + 1;
    let step = [1usize, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|s| years.div_ceil(*s) <= max_ticks)
        .unwrap_or(100);
    (0..=horizon)
        .filter(|&m| {
            let month = start.plus(m as u32);
            month.month == 1 && (month.year as usize).is_multiple_of(step)
        })
        .map(|m| (m as f64, start.plus(m as u32).year.to_string()))
        .collect()
}

/// Whether every variant's series holds one value in every month (p5, p95 and mean alike):
/// the panel then shows a note instead of axes.
fn is_constant(all: &[(Series, style::Colour)]) -> bool {
    let first = all[0].0[0];
    all.iter()
        .flat_map(|(s, _)| s.iter())
        .all(|p| p.0 == first.0 && p.2 == first.0 && p.3 == first.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_januaries_and_thin_out() {
        let start = YearMonth::parse("2026-01").expect("valid");
        let ticks = month_ticks(start, 120, 20);
        assert_eq!(ticks.first(), Some(&(0.0, "2026".to_string())));
        assert_eq!(ticks.len(), 11, "2026..=2036");
        let sparse = month_ticks(start, 120, 4);
        assert!(sparse.len() <= 4);
        assert!(sparse.iter().all(|(m, _)| (*m as usize).is_multiple_of(12)));
        let odd = YearMonth::parse("2026-07").expect("valid");
        assert_eq!(month_ticks(odd, 60, 20)[0], (6.0, "2027".to_string()));
        let short = month_ticks(start, 12, 20);
        assert_eq!(short[1], (1.0, "2026-02".to_string()));
    }
}

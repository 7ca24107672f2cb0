//! Cartesian axes of a panel in the charts' style: light grid, tick labels formatted by the
//! caller, axis descriptions with units only where the panel sits on the grid's outer edge.

use std::ops::Range;

use plotters::coord::ranged1d::{BoldPoints, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;
use super::canvas::{Area, PanelText, Weight, fit_text, font, text, text_width};
use super::style;

/// A chart context with `X` horizontally and plain `f64` vertically.
pub(crate) type Chart<'a, 'b, X> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<X, RangedCoordf64>>;

/// How a panel's axes are labelled.
pub(crate) struct AxisSpec<'f> {
    /// Description under the x axis (with units), if this panel shows it.
    pub x_desc: Option<String>,
    /// Description beside the y axis (with units), if this panel shows it.
    pub y_desc: Option<String>,
    /// A shorter `y_desc`, drawn instead of it when it does not fit whole beside a short
    /// panel (rather than cutting it with an ellipsis, which can cut off its units).
    pub y_desc_short: Option<String>,
    /// Tick label of an x value.
    pub x_format: &'f dyn Fn(&f64) -> String,
    /// Tick label of a y value.
    pub y_format: &'f dyn Fn(&f64) -> String,
    /// About how many x ticks.
    pub x_labels: usize,
    /// About how many y ticks.
    pub y_labels: usize,
    /// Text sizes.
    pub sizes: PanelText,
}

/// Builds the axes on `area` and draws the grid, ticks and descriptions.
pub(crate) fn axes<'a, 'b, X>(
    area: &'a Area<'b>,
    x: X,
    y: Range<f64>,
    spec: &AxisSpec<'_>,
) -> Result<Chart<'a, 'b, X>, ChartError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let sizes = spec.sizes;
    let x_area = (sizes.tick * 1.9) as u32
        + spec
            .x_desc
            .as_ref()
            .map_or(0, |_| (sizes.desc * 1.7) as u32);
    let y_area = (sizes.tick * 3.6) as u32
        + spec
            .y_desc
            .as_ref()
            .map_or(0, |_| (sizes.desc * 1.8) as u32);
    let mut chart = ChartBuilder::on(area)
        .margin_left(6)
        .margin_right(22)
        .margin_top(6)
        .margin_bottom(4)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)?;
    // Plotters draws the grid, axes and tick marks; its labels are made invisible and drawn
    // again below with our text renderer (see `super::text` for why).
    let hidden = plotters::style::TextStyle {
        font: (style::FONT, sizes.tick).into_font(),
        color: TRANSPARENT.to_backend_color(),
        pos: Pos::new(HPos::Center, VPos::Top),
    };
    chart
        .configure_mesh()
        .bold_line_style(style::GRID.rgb())
        .light_line_style(TRANSPARENT)
        .axis_style(style::AXIS.rgb())
        .label_style(hidden)
        .x_labels(spec.x_labels)
        .y_labels(spec.y_labels)
        .draw()?;

    let (base_x, base_y) = area.get_base_pixel();
    let (x_pixels, y_pixels) = chart.plotting_area().get_pixel_range();
    let tick = font(sizes.tick, style::TEXT, Weight::Normal);
    let y_range = chart.y_range();
    let x_range = chart.x_range();
    let x_keys = chart
        .as_coord_spec()
        .x_spec()
        .key_points(BoldPoints(spec.x_labels));
    for x in x_keys {
        let (px, _) = chart.backend_coord(&(x, y_range.start));
        let label = (spec.x_format)(&x);
        text(
            area,
            &label,
            (
                px - base_x,
                y_pixels.end - base_y + 8 + sizes.tick.round() as i32,
            ),
            &tick,
            HPos::Center,
        )?;
    }
    let y_keys = chart
        .as_coord_spec()
        .y_spec()
        .key_points(BoldPoints(spec.y_labels));
    for y in y_keys {
        let (_, py) = chart.backend_coord(&(x_range.start, y));
        let label = (spec.y_format)(&y);
        text(
            area,
            &label,
            (
                x_pixels.start - base_x - 9,
                py - base_y + (sizes.tick * 0.36).round() as i32,
            ),
            &tick,
            HPos::Right,
        )?;
    }
    // A description longer than its axis is set smaller, down to the tick size, then cut.
    let fitted = |d: &str, room: i32| {
        let mut style = font(sizes.desc, style::TEXT, Weight::Normal);
        while style.size > sizes.tick && text_width(area, d, &style) > room {
            style.size -= 0.5;
        }
        (fit_text(area, d, &style, room), style)
    };
    if let Some(d) = &spec.x_desc {
        let (width, height) = area.dim_in_pixel();
        let (d, desc) = fitted(d, width as i32 - 8);
        text(
            area,
            &d,
            (
                (x_pixels.start + x_pixels.end) / 2 - base_x,
                height as i32 - 8,
            ),
            &desc,
            HPos::Center,
        )?;
    }
    if let Some(d) = &spec.y_desc {
        let room = y_pixels.end - y_pixels.start + 10;
        let (d, desc) = fit_or_shorten(d, spec.y_desc_short.as_deref(), |t| fitted(t, room));
        super::text::draw(
            area,
            &d,
            (
                8.0 + sizes.desc,
                f64::from((y_pixels.start + y_pixels.end) / 2 - base_y),
            ),
            &desc,
            HPos::Center,
            true,
        )?;
    }
    Ok(chart)
}

/// `long` as `fit` gives it, or, when `fit` has to cut it (it ends in an ellipsis) and there is
/// a `short` form, `short` as `fit` gives it: a whole short description reads better than a
/// long one cut before its units.
fn fit_or_shorten<S>(
    long: &str,
    short: Option<&str>,
    fit: impl Fn(&str) -> (String, S),
) -> (String, S) {
    let fitted = fit(long);
    match short {
        Some(short) if fitted.0.ends_with('…') => fit(short),
        _ => fitted,
    }
}

#[cfg(test)]
mod tests {
    use super::fit_or_shorten;

    /// Cuts to 12 characters with an ellipsis, as `fit_text` does to a width.
    fn fit(text: &str) -> (String, ()) {
        if text.chars().count() <= 12 {
            (text.to_string(), ())
        } else {
            (text.chars().take(11).collect::<String>() + "…", ())
        }
    }

    #[test]
    fn a_description_cut_to_fit_gives_way_to_its_short_form() {
        let long = "demand met via CN, % of the month's demand";
        assert_eq!(
            fit_or_shorten(long, Some("% of demand"), fit).0,
            "% of demand"
        );
        // Without a short form, or when the long one fits, the long one is drawn.
        assert_eq!(fit_or_shorten(long, None, fit).0, "demand met …");
        assert_eq!(
            fit_or_shorten("% of trials", Some("%"), fit).0,
            "% of trials"
        );
    }
}

//! Text on the charts, drawn glyph by glyph with `ab_glyph` from the embedded font.
//!
//! Plotters 0.3.7 renders `ab_glyph` text itself, but it drops each glyph's side bearing and
//! truncates its vertical offset to whole pixels, so at tick-label sizes letters sit unevenly
//! and a decimal point can float half-way up a digit. Here every glyph is placed at its exact
//! sub-pixel pen position on a shared baseline (advances plus kerning), rasterised by
//! `ab_glyph` and blended into the canvas by coverage.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::ChartError;
use super::canvas::Area;
use super::style::{self, Colour};

/// Regular or bold text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    /// Regular.
    Normal,
    /// Bold.
    Bold,
}

/// A text style: size in pixels (the font's ascent-to-descent height, as plotters counts it),
/// colour and weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextStyle {
    /// Pixel size.
    pub size: f64,
    /// Colour.
    pub colour: Colour,
    /// Weight.
    pub weight: Weight,
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> Result<&'static Fonts, ChartError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let load = |bytes: &'static [u8]| {
                FontRef::try_from_slice(bytes)
                    .map_err(|_| "the embedded DejaVu Sans font is not a valid font".to_string())
            };
            Ok(Fonts {
                regular: load(style::FONT_REGULAR)?,
                bold: load(style::FONT_BOLD)?,
            })
        })
        .as_ref()
        .map_err(|e| ChartError::Font(e.clone()))
}

fn face(weight: Weight) -> Result<&'static FontRef<'static>, ChartError> {
    let fonts = fonts()?;
    Ok(match weight {
        Weight::Normal => &fonts.regular,
        Weight::Bold => &fonts.bold,
    })
}

/// Pen positions of each glyph of `content` from 0, and the total advance.
fn layout(
    font: &FontRef<'static>,
    size: f32,
    content: &str,
) -> (Vec<(ab_glyph::GlyphId, f32)>, f32) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut pen = 0.0f32;
    let mut previous = None;
    let mut glyphs = Vec::with_capacity(content.len());
    for ch in content.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(before) = previous {
            pen += scaled.kern(before, id);
        }
        glyphs.push((id, pen));
        pen += scaled.h_advance(id);
        previous = Some(id);
    }
    (glyphs, pen)
}

/// Width in pixels of `content` in `style`.
pub(crate) fn width(content: &str, style: &TextStyle) -> Result<f64, ChartError> {
    let font = face(style.weight)?;
    Ok(f64::from(layout(font, style.size as f32, content).1))
}

/// Draws `content` on `area` with its baseline through `(x, baseline)` (pixels from the
/// area's corner), starting at, centred on or ending at `x`. With `upward` the text is turned
/// a quarter left to read from bottom to top (a y-axis description); `x` is then the baseline
/// and `baseline` the position along it.
pub(crate) fn draw(
    area: &Area<'_>,
    content: &str,
    (x, baseline): (f64, f64),
    style: &TextStyle,
    anchor: HPos,
    upward: bool,
) -> Result<(), ChartError> {
    let font = face(style.weight)?;
    let size = style.size as f32;
    let (glyphs, total) = layout(font, size, content);
    let start = match anchor {
        HPos::Left => 0.0,
        HPos::Center => -total / 2.0,
        HPos::Right => -total,
    };
    // Lay out along +x from the origin, then place: straight, or turned a quarter left.
    let (origin_x, origin_y) = (x as f32, baseline as f32);
    let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
    for (id, pen) in glyphs {
        let (gx, gy) = if upward {
            (0.0, 0.0)
        } else {
            (origin_x, origin_y)
        };
        let glyph = id.with_scale_and_position(PxScale::from(size), point(gx + start + pen, gy));
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
            outlined.draw(|px, py, coverage| {
                if coverage > 0.0 {
                    pixels.push((left + px as i32, top + py as i32, coverage.min(1.0)));
                }
            });
        }
    }
    let (ox, oy) = (origin_x.round() as i32, origin_y.round() as i32);
    for (px, py, coverage) in pixels {
        // A quarter turn left maps the layout's (x, y) to (y, −x) about the origin.
        let at = if upward { (ox + py, oy - px) } else { (px, py) };
        area.draw_pixel(at, &style.colour.rgb().mix(f64::from(coverage)))?;
    }
    Ok(())
}

//! The frame every chart shares: an in-memory RGB canvas encoded to PNG bytes, the title block
//! with its legend strip, a grid of panels, text placement and number formats.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::ChartError;
use super::style::{self, Colour};

/// The drawing area of a chart (or of one of its parts), in pixels.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Draws a chart with `draw` on a blank canvas of [`style::WIDTH`] × [`style::HEIGHT`] and
/// returns it as PNG bytes. The same inputs always give the same bytes: drawing is
/// deterministic and the encoder's settings are fixed.
pub(crate) fn render(
    draw: impl FnOnce(&Area<'_>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    style::register_fonts().map_err(ChartError::Font)?;
    let (width, height) = (style::WIDTH, style::HEIGHT);
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&style::BACKGROUND.rgb())?;
        draw(&root)?;
        root.present()?;
    }
    encode_png(&pixels, width, height)
}

/// RGB pixels to PNG bytes, with fixed settings (adaptive filtering, balanced compression).
pub(crate) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ChartError::Encode(e.to_string()))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| ChartError::Encode(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| ChartError::Encode(e.to_string()))?;
    }
    Ok(bytes)
}

pub(crate) use super::text::{TextStyle, Weight};

/// A text style of the embedded font.
pub(crate) fn font(size: f64, colour: Colour, weight: Weight) -> TextStyle {
    TextStyle {
        size,
        colour,
        weight,
    }
}

/// Draws `content` with its baseline at `baseline` (pixels from the area's top), starting at,
/// centred on or ending at `x` as `anchor` says.
pub(crate) fn text(
    area: &Area<'_>,
    content: &str,
    (x, baseline): (i32, i32),
    style: &TextStyle,
    anchor: HPos,
) -> Result<(), ChartError> {
    super::text::draw(
        area,
        content,
        (f64::from(x), f64::from(baseline)),
        style,
        anchor,
        false,
    )
}

/// Width in pixels of `content` in `style` (0 if the font cannot be read; drawing then fails
/// with the reason).
pub(crate) fn text_width(_area: &Area<'_>, content: &str, style: &TextStyle) -> i32 {
    super::text::width(content, style).map_or(0, |w| w.ceil() as i32)
}

/// Cuts `content` to fit `width` pixels, ending in an ellipsis when cut.
pub(crate) fn fit_text(area: &Area<'_>, content: &str, style: &TextStyle, width: i32) -> String {
    if text_width(area, content, style) <= width {
        return content.to_string();
    }
    let mut chars: Vec<char> = content.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if text_width(area, &candidate, style) <= width {
            return candidate;
        }
    }
    String::new()
}

/// Breaks `content` at spaces into lines of at most `width` pixels, at most `max_lines` of
/// them; if it does not fit, the last line is cut with an ellipsis (so is a single word wider
/// than `width`).
pub(crate) fn wrap_text(
    area: &Area<'_>,
    content: &str,
    style: &TextStyle,
    width: i32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut words = content.split(' ').filter(|w| !w.is_empty()).peekable();
    while let Some(word) = words.next() {
        if lines.len() + 1 == max_lines {
            // The last line takes the rest, cut if it must be.
            let rest: Vec<&str> = std::iter::once(word).chain(words).collect();
            lines.push(fit_text(area, &rest.join(" "), style, width));
            return lines;
        }
        let mut line = word.to_string();
        while let Some(next) = words.peek() {
            let candidate = format!("{line} {next}");
            if text_width(area, &candidate, style) > width {
                break;
            }
            line = candidate;
            words.next();
        }
        lines.push(fit_text(area, &line, style, width));
    }
    lines
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mark {
    /// A filled square with an outline (a distribution's colour).
    Swatch(Colour),
    /// A solid line.
    Line(Colour),
    /// A dashed line.
    Dashed(Colour),
    /// A translucent band.
    Band(Colour),
    /// A stem with a dot on top (a point mass).
    Stem(Colour),
    /// A box with a thick outline (the network's highlighted nodes).
    Outline(Colour),
    /// A solid box with a thin dark outline (a country's fill in the network).
    Solid(Colour),
    /// A box with a dashed outline (what a variant removes from the network, in its colour;
    /// what every variant shown lacks, in grey).
    DashedBox(Colour),
}

/// One entry of the legend strip under the title.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    /// The mark.
    pub mark: Mark,
    /// Its text.
    pub label: String,
}

impl LegendEntry {
    /// An entry.
    pub fn new(mark: Mark, label: impl Into<String>) -> Self {
        LegendEntry {
            mark,
            label: label.into(),
        }
    }
}

fn draw_mark(area: &Area<'_>, mark: Mark, (x, y): (i32, i32)) -> Result<(), ChartError> {
    // (x, y): left end of the mark at the text's x-height centre; marks are 28 px wide.
    match mark {
        Mark::Swatch(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 8), (x + 28, y + 8)],
                c.rgb().mix(style::FILL_ALPHA).filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x, y - 8), (x + 28, y + 8)],
                c.rgb().stroke_width(2),
            ))?;
        }
        Mark::Line(c) => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 28, y)],
                c.rgb().stroke_width(style::LINE_WIDTH),
            ))?;
        }
        Mark::Dashed(c) => {
            for start in [0, 11, 22] {
                area.draw(&PathElement::new(
                    vec![(x + start, y), (x + start + 6, y)],
                    c.rgb().stroke_width(2),
                ))?;
            }
        }
        Mark::Band(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 9), (x + 28, y + 9)],
                c.rgb().mix(style::BAND_ALPHA).filled(),
            ))?;
        }
        Mark::Stem(c) => {
            area.draw(&PathElement::new(
                vec![(x + 14, y + 9), (x + 14, y - 5)],
                c.rgb().stroke_width(2),
            ))?;
            area.draw(&Circle::new((x + 14, y - 5), 4, c.rgb().filled()))?;
        }
        Mark::Solid(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 9), (x + 28, y + 9)],
                c.rgb().filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x, y - 9), (x + 28, y + 9)],
                style::AXIS.rgb().stroke_width(1),
            ))?;
        }
        Mark::DashedBox(c) => {
            for (a, b) in [
                ((x, y - 9), (x + 9, y - 9)),
                ((x + 18, y - 9), (x + 28, y - 9)),
            ]
            .into_iter()
            .chain([
                ((x, y + 9), (x + 9, y + 9)),
                ((x + 18, y + 9), (x + 28, y + 9)),
            ]) {
                area.draw(&PathElement::new(vec![a, b], c.rgb().stroke_width(2)))?;
            }
            for side in [x, x + 28] {
                area.draw(&PathElement::new(
                    vec![(side, y - 9), (side, y - 2)],
                    style::REMOVED.rgb().stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    vec![(side, y + 3), (side, y + 9)],
                    style::REMOVED.rgb().stroke_width(2),
                ))?;
            }
        }
        Mark::Outline(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 9), (x + 28, y + 9)],
                style::BACKGROUND.rgb().filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x, y - 9), (x + 28, y + 9)],
                c.rgb().stroke_width(3),
            ))?;
        }
    }
    Ok(())
}

/// Draws the title block (title, a muted subtitle, the legend strip) and returns the area
/// left for the chart body. The legend lives here, outside every panel, so it never covers
/// data however many panels there are; it wraps onto more lines when needed.
pub(crate) fn header<'a>(
    root: &Area<'a>,
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
) -> Result<Area<'a>, ChartError> {
    let (width, _) = root.dim_in_pixel();
    let margin = style::MARGIN as i32;
    let usable = width as i32 - 2 * margin;
    // A long title (long ids, a long market name) is set smaller before it is ever cut.
    let mut title_style = font(style::TITLE_SIZE, style::TEXT, Weight::Bold);
    while title_style.size > 22.0 && text_width(root, title, &title_style) > usable {
        title_style.size -= 1.0;
    }
    let title = fit_text(root, title, &title_style, usable);
    text(root, &title, (margin, 42), &title_style, HPos::Left)?;
    let subtitle_style = font(style::SUBTITLE_SIZE, style::MUTED_TEXT, Weight::Normal);
    let subtitle = fit_text(root, subtitle, &subtitle_style, usable);
    text(root, &subtitle, (margin, 70), &subtitle_style, HPos::Left)?;

    let legend_style = font(style::LEGEND_SIZE, style::TEXT, Weight::Normal);
    let mut x = margin;
    let mut baseline = 104;
    for entry in legend {
        let label_width = text_width(root, &entry.label, &legend_style);
        let entry_width = 28 + 8 + label_width + 28;
        if x > margin && x + entry_width - 28 > margin + usable {
            x = margin;
            baseline += 26;
        }
        draw_mark(root, entry.mark, (x, baseline - 6))?;
        text(
            root,
            &entry.label,
            (x + 36, baseline),
            &legend_style,
            HPos::Left,
        )?;
        x += entry_width;
    }
    let top = (baseline + 18).max(style::HEADER_HEIGHT as i32);
    Ok(root.margin(top, 0, 0, 0))
}

/// Rows and columns for `n` panels on a wide canvas: as square as the 16:10 frame allows,
/// with few empty cells.
pub(crate) fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 => (1, 3),
        4 => (2, 2),
        5 | 6 => (2, 3),
        7 | 8 => (2, 4),
        9 => (3, 3),
        10..=12 => (3, 4),
        13..=15 => (3, 5),
        16 => (4, 4),
        _ => {
            let cols = ((n as f64 * 1.6).sqrt().ceil() as usize).max(1);
            (n.div_ceil(cols), cols)
        }
    }
}

/// How a chart of one panel per commodity lays out its panels: the commodities with something
/// to show get a panel each, in a grid sized for them alone; those with nothing to show (every
/// variant exactly zero, or no change, in every trial) are named in one line under the legend
/// instead of each taking a panel that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelLayout {
    /// Positions, in the summary's commodities, of those drawn as panels, in order.
    pub shown: Vec<usize>,
    /// Display names of the commodities with nothing to show, in the summary's order.
    pub empty: Vec<String>,
    /// What "nothing to show" means in this chart, e.g. "No change in any trial".
    pub empty_label: String,
    /// Rows and columns of the grid, sized for the shown panels (as square as the wide
    /// frame allows, with few empty cells); one panel for the message when none is shown.
    pub grid: (usize, usize),
}

impl PanelLayout {
    /// The layout of panels given in the summary's commodity order as (display name, whether
    /// it has nothing to show); `empty_label` says what nothing to show means in the chart.
    pub fn new(
        panels: impl IntoIterator<Item = (String, bool)>,
        empty_label: impl Into<String>,
    ) -> Self {
        let mut shown = Vec::new();
        let mut empty = Vec::new();
        for (index, (name, is_empty)) in panels.into_iter().enumerate() {
            if is_empty {
                empty.push(name);
            } else {
                shown.push(index);
            }
        }
        PanelLayout {
            grid: grid(shown.len()),
            shown,
            empty,
            empty_label: empty_label.into(),
        }
    }

    /// The line under the legend naming the commodities with nothing to show, e.g. "No change
    /// in any trial: Tungsten, Gold"; `None` when every commodity has a panel.
    pub fn empty_line(&self) -> Option<String> {
        (!self.empty.is_empty()).then(|| format!("{}: {}", self.empty_label, self.empty.join(", ")))
    }

    /// The message standing in for the panels when no commodity has one.
    pub fn all_empty_message(&self) -> String {
        format!("{}, in any commodity", self.empty_label)
    }

    /// Places the shown ones of `panels` (one per commodity, in the summary's order) under
    /// the line naming the empty ones: each with its area in the grid, its caption
    /// (`caption`), the height of the tallest caption of its row (so the plots of a row line
    /// up) and whether it carries the x axis description (the lowest panel of its column that
    /// `draws_axes`; panels below it hold a note). With none shown, draws the message instead.
    pub(crate) fn place<'a, P>(
        &self,
        body: &Area<'a>,
        panels: impl IntoIterator<Item = P>,
        caption: impl Fn(&P) -> (String, Vec<CaptionLine>),
        draws_axes: impl Fn(&P) -> bool,
    ) -> Result<Vec<Placed<'a, P>>, ChartError> {
        let areas = self.areas(body)?;
        let cols = self.grid.1;
        let shown: Vec<P> = panels
            .into_iter()
            .enumerate()
            .filter_map(|(i, panel)| self.shown.contains(&i).then_some(panel))
            .collect();
        let captions: Vec<(String, Vec<CaptionLine>)> = shown.iter().map(caption).collect();
        let heights = row_caption_heights(&areas, &captions, cols)?;
        let with_axes: Vec<bool> = shown.iter().map(draws_axes).collect();
        let x_desc = lowest_with_axes(&with_axes, cols);
        debug_assert_eq!(areas.len(), shown.len());
        Ok(shown
            .into_iter()
            .zip(areas)
            .zip(captions)
            .enumerate()
            .map(|(i, ((panel, area), caption))| Placed {
                panel,
                area,
                caption,
                caption_height: heights[i],
                col: i % cols.max(1),
                x_desc: x_desc[i],
            })
            .collect())
    }

    /// Draws the line naming the empty commodities at the top of `body` (the area under the
    /// header) and returns the areas of the shown panels, in order, in a grid under it. When
    /// none is shown, draws one panel-sized frame with [`Self::all_empty_message`] instead and
    /// returns no area.
    fn areas<'a>(&self, body: &Area<'a>) -> Result<Vec<Area<'a>>, ChartError> {
        let body = match self.empty_line() {
            Some(line) => {
                let (width, _) = body.dim_in_pixel();
                let margin = style::MARGIN as i32;
                let style = font(style::LEGEND_SIZE, style::TEXT, Weight::Normal);
                let step = (style::LEGEND_SIZE * 1.5).round() as i32;
                let lines = wrap_text(body, &line, &style, width as i32 - 2 * margin, 3);
                let mut baseline = style::LEGEND_SIZE.round() as i32;
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        baseline += step;
                    }
                    text(body, line, (margin, baseline), &style, HPos::Left)?;
                }
                body.margin(baseline + 12, 0, 0, 0)
            }
            None => body.clone(),
        };
        let panels = body.margin(0, 6, 6, 6);
        if self.shown.is_empty() {
            let (width, height) = panels.dim_in_pixel();
            note(
                &panels,
                &self.all_empty_message(),
                PanelText::for_panel(width, height),
            )?;
            return Ok(Vec::new());
        }
        let mut areas = panels.split_evenly(self.grid);
        areas.truncate(self.shown.len());
        Ok(areas)
    }
}

/// A shown panel of a chart, placed by [`PanelLayout::place`].
pub(crate) struct Placed<'a, P> {
    /// The chart's data for the panel.
    pub panel: P,
    /// Where it is drawn.
    pub area: Area<'a>,
    /// Its caption: title and coloured lines.
    pub caption: (String, Vec<CaptionLine>),
    /// Height of the tallest caption of its row.
    pub caption_height: i32,
    /// Its column in the grid.
    pub col: usize,
    /// Whether it carries the x axis description.
    pub x_desc: bool,
}

impl<'a, P> Placed<'a, P> {
    /// Draws the panel's caption at the top of its area (see [`panel_caption`]) and returns
    /// the area under it, for the plot, with the text sizes that suit the panel.
    pub fn draw_caption(&self) -> Result<(Area<'a>, PanelText), ChartError> {
        let (width, height) = self.area.dim_in_pixel();
        let sizes = PanelText::for_panel(width, height);
        let (title, lines) = &self.caption;
        let plot_area = panel_caption(&self.area, title, lines, sizes, self.caption_height)?;
        Ok((plot_area, sizes))
    }
}

/// For panels laid out row by row in `cols` columns, whether each is the lowest of its column
/// among those that draw axes (`with_axes`).
fn lowest_with_axes(with_axes: &[bool], cols: usize) -> Vec<bool> {
    (0..with_axes.len())
        .map(|i| {
            with_axes[i]
                && (i + cols..with_axes.len())
                    .step_by(cols)
                    .all(|below| !with_axes[below])
        })
        .collect()
}

/// Writes "no data" in an empty panel.
pub(crate) fn no_data(area: &Area<'_>, sizes: PanelText) -> Result<(), ChartError> {
    note(area, "no data", sizes)
}

/// Writes a short note in the middle of a panel that has nothing to plot, in a light frame.
pub(crate) fn note(area: &Area<'_>, message: &str, sizes: PanelText) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(8, 8), (w as i32 - 8, h as i32 - 8)],
        style::GRID.rgb().stroke_width(1),
    ))?;
    let style = font(sizes.desc, style::MUTED_TEXT, Weight::Normal);
    let message = fit_text(area, message, &style, w as i32 - 32);
    text(
        area,
        &message,
        (w as i32 / 2, h as i32 / 2),
        &style,
        HPos::Center,
    )
}

/// Text sizes for a panel of a given size: smaller panels (many commodities) get smaller text
/// so tick labels do not collide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PanelText {
    /// Panel caption.
    pub caption: f64,
    /// Lines under the caption.
    pub note: f64,
    /// Axis descriptions.
    pub desc: f64,
    /// Tick labels.
    pub tick: f64,
}

impl PanelText {
    /// Sizes for a panel `width` × `height` pixels.
    pub fn for_panel(width: u32, height: u32) -> Self {
        if width >= 700 && height >= 380 {
            PanelText {
                caption: style::PANEL_TITLE_SIZE,
                note: style::NOTE_SIZE + 1.0,
                desc: style::AXIS_DESC_SIZE,
                tick: style::TICK_SIZE,
            }
        } else if width >= 420 && height >= 260 {
            PanelText {
                caption: style::PANEL_TITLE_SIZE - 2.0,
                note: style::NOTE_SIZE,
                desc: style::AXIS_DESC_SIZE - 1.0,
                tick: style::TICK_SIZE - 1.0,
            }
        } else {
            PanelText {
                caption: 15.0,
                note: 12.5,
                desc: 13.0,
                tick: 12.0,
            }
        }
    }

    /// Line height of the caption block.
    pub fn line_height(&self) -> i32 {
        (self.note * 1.45).round() as i32
    }
}

/// A caption line of a panel: pieces of text, each in its own colour.
pub(crate) type CaptionLine = Vec<(String, Colour)>;

/// Draws a panel's caption (a bold title and coloured note lines) at the top of `area` and
/// returns the area under it, at least `height` pixels down (the tallest caption of the panel's
/// row, from [`row_caption_heights`], so the plots of a row line up). Captions carry the
/// panel's key numbers, so annotations never sit on the data.
pub(crate) fn panel_caption<'a>(
    area: &Area<'a>,
    title: &str,
    lines: &[CaptionLine],
    sizes: PanelText,
    height: i32,
) -> Result<Area<'a>, ChartError> {
    let own = caption_layout(area, title, lines, sizes, true)?;
    Ok(area.margin(own.max(height), 0, 0, 0))
}

/// For panels laid out `cols` to a row, the height of the tallest caption in each panel's row.
pub(crate) fn row_caption_heights(
    areas: &[Area<'_>],
    captions: &[(String, Vec<CaptionLine>)],
    cols: usize,
) -> Result<Vec<i32>, ChartError> {
    let mut own = Vec::with_capacity(captions.len());
    for (area, (title, lines)) in areas.iter().zip(captions) {
        let (w, h) = area.dim_in_pixel();
        own.push(caption_layout(
            area,
            title,
            lines,
            PanelText::for_panel(w, h),
            false,
        )?);
    }
    Ok((0..own.len())
        .map(|i| {
            let row = i / cols.max(1);
            own.iter()
                .skip(row * cols)
                .take(cols)
                .copied()
                .max()
                .unwrap_or(0)
        })
        .collect())
}

/// Lays out (and with `draw`, draws) a caption; returns its height in pixels.
fn caption_layout(
    area: &Area<'_>,
    title: &str,
    lines: &[CaptionLine],
    sizes: PanelText,
    draw: bool,
) -> Result<i32, ChartError> {
    let (width, _) = area.dim_in_pixel();
    let left = 8;
    let usable = width as i32 - 2 * left;
    let title_style = font(sizes.caption, style::TEXT, Weight::Bold);
    let mut baseline = sizes.caption.round() as i32 + 4;
    // A long title (a commodity name with its unit) takes a second line rather than lose its
    // end, where the unit is.
    let title_lines = wrap_text(area, title, &title_style, usable, 2);
    for (i, line) in title_lines.iter().enumerate() {
        if i > 0 {
            baseline += (sizes.caption * 1.25).round() as i32;
        }
        if draw {
            text(area, line, (left, baseline), &title_style, HPos::Left)?;
        }
    }
    for line in lines {
        baseline += sizes.line_height();
        let mut x = left;
        // Text that does not fit wraps at spaces onto lines indented past the first piece (a
        // colour key), so no figure is cut off in narrow panels.
        let indent = line.first().map_or(0, |(piece, colour)| {
            text_width(area, piece, &font(sizes.note, *colour, Weight::Normal))
        });
        for (piece, colour) in line {
            let style = font(sizes.note, *colour, Weight::Normal);
            let mut current = String::new();
            for word in piece.split(' ') {
                let candidate = if current.is_empty() {
                    word.to_string()
                } else {
                    format!("{current} {word}")
                };
                if !current.is_empty() && x + text_width(area, &candidate, &style) > left + usable {
                    if draw {
                        text(area, &current, (x, baseline), &style, HPos::Left)?;
                    }
                    baseline += sizes.line_height();
                    x = left + indent;
                    current = word.to_string();
                } else {
                    current = candidate;
                }
            }
            let current = fit_text(area, &current, &style, usable - (x - left));
            if draw {
                text(area, &current, (x, baseline), &style, HPos::Left)?;
            }
            x += text_width(area, &current, &style);
        }
    }
    Ok(baseline + 8)
}

/// Decimals for tick labels of a percentage axis spanning `span_percent` points: enough for
/// about five distinct ticks.
pub(crate) fn tick_decimals(span_percent: f64) -> usize {
    if span_percent.is_nan() || span_percent <= 0.0 {
        return 1;
    }
    let step = span_percent / 5.0;
    (-step.log10().floor()).clamp(0.0, 3.0) as usize
}

pub use crate::report::format::{decimals_for, percent, points};

/// A count of trials with thousands separators, e.g. `20,000`.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_hold_every_panel_with_few_empty_cells() {
        for n in 1..=40 {
            let (rows, cols) = grid(n);
            assert!(rows * cols >= n, "{n} panels in {rows}×{cols}");
            assert!(rows * cols - n < cols, "{n} panels leave a whole empty row");
            assert!(rows <= cols, "{n}: the canvas is wide");
        }
    }

    #[test]
    fn the_x_description_goes_under_the_lowest_panel_with_axes_of_each_column() {
        // Two rows of three: only the first and third panels of the top row draw axes, the
        // bottom row holds notes (one value in every trial).
        let top_only = [true, false, true, false, false, false];
        assert_eq!(
            lowest_with_axes(&top_only, 3),
            [true, false, true, false, false, false]
        );
        // Axes everywhere: the bottom row; five panels in three columns: the third column's
        // lowest is in the top row.
        assert_eq!(
            lowest_with_axes(&[true; 6], 3),
            [false, false, false, true, true, true]
        );
        assert_eq!(
            lowest_with_axes(&[true; 5], 3),
            [false, false, true, true, true]
        );
        // A column with no axes at all has no description.
        assert_eq!(
            lowest_with_axes(&[false, true, false, true], 2),
            [false, false, false, true]
        );
    }

    #[test]
    fn only_commodities_with_something_to_show_get_a_panel() {
        // The default scenario's reduction chart: two commodities change, four do not.
        let names = [
            "Antimony",
            "Heavy rare earths",
            "Light rare earths",
            "Tungsten",
            "Refined copper",
            "Gold",
        ];
        let empty = [false, true, false, true, true, true];
        let layout = PanelLayout::new(
            names.iter().zip(empty).map(|(n, e)| (n.to_string(), e)),
            "No change in any trial",
        );
        assert_eq!(layout.shown, [0, 2]);
        assert_eq!(layout.grid, (1, 2));
        assert_eq!(
            layout.empty_line().as_deref(),
            Some("No change in any trial: Heavy rare earths, Tungsten, Refined copper, Gold")
        );
        // Every count of informative panels gets the grid sized for it, whatever the others.
        for n in 0..=13 {
            let layout = PanelLayout::new(
                (0..20).map(|i| (format!("c{i}"), i >= n)),
                "No shortfall in any trial of any variant",
            );
            assert_eq!(layout.shown, (0..n).collect::<Vec<_>>());
            assert_eq!(layout.empty.len(), 20 - n);
            assert_eq!(layout.empty.first(), Some(&format!("c{n}")));
            assert_eq!(layout.grid, grid(n));
        }
        let shape = |n: usize| PanelLayout::new((0..6).map(|i| (format!("c{i}"), i >= n)), "").grid;
        assert_eq!([shape(3), shape(4), shape(5)], [(1, 3), (2, 2), (2, 3)]);
        // Nothing empty: no line; nothing shown: one panel for the message.
        let full = PanelLayout::new([("A".to_string(), false)], "No change in any trial");
        assert_eq!((full.empty_line(), full.grid), (None, (1, 1)));
        let none = PanelLayout::new(
            [("A".to_string(), true), ("B".to_string(), true)],
            "No change in any trial",
        );
        assert!(none.shown.is_empty());
        assert_eq!(none.grid, (1, 1));
        assert_eq!(
            none.all_empty_message(),
            "No change in any trial, in any commodity"
        );
    }

    /// The areas a layout gives: one per shown panel, in a grid under the line naming the
    /// empty commodities (which takes room only when there is one), none when nothing is shown.
    #[test]
    fn layout_areas_hold_the_shown_panels_under_the_line() {
        style::register_fonts().expect("font");
        let mut pixels = vec![0u8; 1600 * 900 * 3];
        let body = BitMapBackend::with_buffer(&mut pixels, (1600, 900)).into_drawing_area();
        let layout = |empty: &[bool]| {
            PanelLayout::new(
                empty
                    .iter()
                    .enumerate()
                    .map(|(i, &e)| (format!("Commodity {i}"), e)),
                "No change in any trial",
            )
        };
        let all = layout(&[false; 6]).areas(&body).expect("areas");
        assert_eq!(all.len(), 6);
        assert_eq!(all[0].get_base_pixel().1, 0, "no line, no room taken");
        let two = layout(&[false, true, false, true, true, true])
            .areas(&body)
            .expect("areas");
        assert_eq!(two.len(), 2);
        let (top, left) = (two[0].get_base_pixel().1, two[0].get_base_pixel().0);
        assert!(top > 17 && top < 60, "room for one line: {top}");
        assert_eq!(two[1].get_base_pixel().1, top, "one row");
        assert!(two[1].get_base_pixel().0 > left + 700, "two columns");
        assert_eq!(two[0].dim_in_pixel().1, 900 - top as u32 - 6, "full height");
        assert!(layout(&[true; 3]).areas(&body).expect("areas").is_empty());
    }

    #[test]
    fn footnotes_wrap_at_spaces_and_are_cut_only_when_out_of_lines() {
        let mut pixels = vec![0u8; 800 * 200 * 3];
        let area = BitMapBackend::with_buffer(&mut pixels, (800, 200)).into_drawing_area();
        let style = font(17.0, style::TEXT, Weight::Normal);
        let words: Vec<String> = (0..60).map(|i| format!("disruption_{i},")).collect();
        let content = words.join(" ");
        let width = 700;
        // Room enough: every word kept, in order, each line within the width.
        let lines = wrap_text(&area, &content, &style, width, 100);
        assert!(lines.len() > 3, "{lines:?}");
        assert_eq!(lines.join(" "), content);
        for line in &lines {
            assert!(text_width(&area, line, &style) <= width, "{line}");
        }
        // Two lines only: the first two as before, the last cut with an ellipsis.
        let cut = wrap_text(&area, &content, &style, width, 2);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[0], lines[0]);
        assert!(
            cut[1].ends_with('…') && cut[1].starts_with(&lines[1]),
            "{cut:?}"
        );
        assert!(text_width(&area, &cut[1], &style) <= width);
        // Short text stays one line; no text, no line.
        assert_eq!(wrap_text(&area, "a b", &style, width, 3), vec!["a b"]);
        assert!(wrap_text(&area, "", &style, width, 3).is_empty());
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(percent(0.875, 1), "87.5%");
        assert_eq!(percent(-0.00001, 1), "0.0%");
        assert_eq!(points(-0.006, 1), "−0.6");
        assert_eq!(points(0.0123, 2), "+1.23");
        assert_eq!(points(-0.0000001, 1), "0.0");
        assert_eq!(decimals_for(0.5), 1);
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(0.001), 3);
        assert_eq!(decimals_for(0.0), 1);
        assert_eq!(tick_decimals(50.0), 0);
        assert_eq!(tick_decimals(2.0), 1);
        assert_eq!(tick_decimals(0.2), 2);
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
    }
}

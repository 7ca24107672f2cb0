//! Every visual constant of the charts in one place: size, font, text sizes, colours, strokes.
//!
//! Colours follow Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008),
//! one per variant in file order, so a variant keeps its colour in every chart and in the
//! DOT graph. Text is DejaVu Sans (Bitstream Vera licence, `assets/fonts/`), compiled into the
//! binary and drawn by `ab_glyph`, so no system font library is involved.

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor};

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1600;
/// Height of every chart, pixels.
pub const HEIGHT: u32 = 1000;

/// The font family name the charts register and use.
pub const FONT: &str = "supplyrisk-sans";

/// Size of the chart title, pixels.
pub const TITLE_SIZE: f64 = 30.0;
/// Size of the line under the title (scenario, trials, seed).
pub const SUBTITLE_SIZE: f64 = 18.0;
/// Size of legend text.
pub const LEGEND_SIZE: f64 = 17.0;
/// Size of a panel's caption when panels are large.
pub const PANEL_TITLE_SIZE: f64 = 19.0;
/// Size of axis descriptions.
pub const AXIS_DESC_SIZE: f64 = 16.0;
/// Size of tick labels.
pub const TICK_SIZE: f64 = 14.0;
/// Size of small notes (annotations, network labels).
pub const NOTE_SIZE: f64 = 14.0;

/// Pixel height of the title block (title, subtitle and legend strip).
pub const HEADER_HEIGHT: u32 = 128;
/// Outer margin, pixels.
pub const MARGIN: u32 = 16;

/// Opacity of a filled distribution under its outline.
pub const FILL_ALPHA: f64 = 0.22;
/// Opacity of a fan chart's p5–p95 band.
pub const BAND_ALPHA: f64 = 0.13;
/// Stroke of a variant's main line, pixels.
pub const LINE_WIDTH: u32 = 3;
/// Stroke of the line of variant `index` of `count` drawn over one another in that order:
/// 2 px for the last, 2 px more for each earlier one (at most 6 px), so lines that coincide
/// still show every variant's colour as a stripe; a lone line gets [`LINE_WIDTH`].
pub fn line_width(index: u32, count: u32) -> u32 {
    if count <= 1 {
        LINE_WIDTH
    } else {
        (2 + 2 * count.saturating_sub(1 + index)).min(6)
    }
}

/// Stroke of thin reference lines, pixels.
pub const THIN_WIDTH: u32 = 1;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// The plotters colour.
    pub fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Background.
pub const BACKGROUND: Colour = Colour(255, 255, 255);
/// Main text.
pub const TEXT: Colour = Colour(26, 26, 26);
/// Secondary text (subtitles, notes).
pub const MUTED_TEXT: Colour = Colour(90, 90, 90);
/// Axis lines and reference lines (zero, thresholds).
pub const AXIS: Colour = Colour(60, 60, 60);
/// Light grid lines.
pub const GRID: Colour = Colour(232, 232, 232);
/// Edges present in both variants.
pub const EDGE: Colour = Colour(140, 140, 140);
/// What a variant removes (nodes and edges).
pub const REMOVED: Colour = Colour(185, 185, 185);

/// Okabe–Ito colours for variants, in file order: blue, vermillion, bluish green, reddish
/// purple, orange, sky blue, then Tol's wine in place of Okabe–Ito's black (black is the
/// charts' own ink: means, zero lines, point-mass keys), yellow last (faint on white).
const VARIANT_PALETTE: [Colour; 8] = [
    Colour(0, 114, 178),
    Colour(213, 94, 0),
    Colour(0, 158, 115),
    Colour(204, 121, 167),
    Colour(230, 159, 0),
    Colour(86, 180, 233),
    Colour(136, 34, 85),
    Colour(240, 228, 66),
];

/// The colour of the variant at position `index` in file order (cycles after eight).
pub fn variant_colour(index: usize) -> Colour {
    VARIANT_PALETTE[index % VARIANT_PALETTE.len()]
}

/// Light fills for the other countries of the network (ColorBrewer Pastel1, Pastel2 and Set3
/// without their reds and pinks, which belong to the dependency countries; light enough for
/// black text), by order of first appearance.
const COUNTRY_PALETTE: [Colour; 16] = [
    Colour(179, 205, 227),
    Colour(204, 235, 197),
    Colour(254, 217, 166),
    Colour(222, 203, 228),
    Colour(255, 255, 204),
    Colour(141, 211, 199),
    Colour(229, 216, 189),
    Colour(190, 186, 218),
    Colour(237, 248, 177),
    Colour(179, 226, 205),
    Colour(203, 213, 232),
    Colour(241, 226, 204),
    Colour(230, 245, 201),
    Colour(255, 242, 174),
    Colour(204, 235, 235),
    Colour(235, 222, 255),
];

/// The fill of countries beyond the palette: a neutral grey, rather than a colour that would
/// repeat another country's.
pub const COUNTRY_OVERFLOW: Colour = Colour(222, 222, 222);

/// Fills of the `dependency_on` countries, in their order: stronger than the others' and the
/// same in every chart of every scenario, so that what passes through them stands out.
const DEPENDENCY_FILLS: [Colour; 8] = [
    Colour(239, 118, 105),
    Colour(196, 150, 222),
    Colour(235, 170, 80),
    Colour(214, 140, 160),
    Colour(120, 180, 120),
    Colour(110, 170, 215),
    Colour(200, 180, 90),
    Colour(170, 140, 120),
];

/// The fill of the country at position `index` among the network's countries that are not
/// counted as dependency (a neutral grey past the palette's sixteen).
pub fn country_fill(index: usize) -> Colour {
    COUNTRY_PALETTE
        .get(index)
        .copied()
        .unwrap_or(COUNTRY_OVERFLOW)
}

/// The fill of the `index`-th `dependency_on` country (distinct for the first eight, then
/// they repeat: more countries than that in one chart would not be told apart anyway).
pub fn dependency_fill(index: usize) -> Colour {
    DEPENDENCY_FILLS[index % DEPENDENCY_FILLS.len()]
}

/// DejaVu Sans, compiled into the binary.
pub(crate) static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, compiled into the binary.
pub(crate) static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded font with plotters, once per process. Plotters keeps fonts in a
/// process-wide table (its only way to use `ab_glyph`); registering the same bytes under our
/// own family name is idempotent, so charts never depend on who registered first.
pub fn register_fonts() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            for (style, bytes) in [
                (FontStyle::Normal, FONT_REGULAR),
                (FontStyle::Bold, FONT_BOLD),
            ] {
                // `sans-serif` too: plotters' defaults name it for anything we do not style.
                for family in [FONT, "sans-serif"] {
                    plotters::style::register_font(family, style, bytes)
                        .map_err(|_| "the embedded DejaVu Sans font is not a valid font")?;
                }
            }
            Ok(())
        })
        .clone()
}

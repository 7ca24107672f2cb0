//! Reports: summary types and their bytes (text, CSV, JSON, Markdown, DOT). Only `write` touches
//! files; [`render_all`] writes `report.md` and the charts.

pub mod check;
pub mod format;
pub mod graph;
pub mod markdown;
pub mod summary;
pub mod table;
pub mod write;

pub use markdown::{RenderError, render_all};

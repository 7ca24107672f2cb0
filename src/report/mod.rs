//! Reports: summary types and their bytes (text, CSV, JSON, Markdown). Only `write` touches files.

pub mod check;
pub mod format;
pub mod summary;
pub mod table;
pub mod write;

//! Loading scenarios: from a file or a bundled name, through validation, to a [`Model`].

pub mod bundled;
pub mod error;
pub mod reader;
pub mod validate;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

pub use error::{Location, Problem, ScenarioError};

use crate::model::Model;

/// Largest scenario file accepted (a real scenario is a few tens of kilobytes).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The text of a scenario and where it came from.
#[derive(Debug, Clone)]
pub struct Source {
    /// How messages name it: the path as given, or `<name> (bundled)`.
    pub label: String,
    /// The file stem (or bundled name): the default scenario name and output folder.
    pub stem: String,
    /// Whether it is a bundled copy compiled into the binary.
    pub bundled: bool,
    /// The TOML text.
    pub text: String,
    /// SHA-256 of the text, lowercase hex.
    pub sha256: String,
}

impl Source {
    /// A source from text already in memory.
    pub fn from_text(
        label: impl Into<String>,
        stem: impl Into<String>,
        bundled: bool,
        text: impl Into<String>,
    ) -> Self {
        let text = text.into();
        let sha256 = sha256_hex(text.as_bytes());
        Self {
            label: label.into(),
            stem: stem.into(),
            bundled,
            text,
            sha256,
        }
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a scenario named on the command line: an existing file, else a bundled scenario of
/// that name (`supplyrisk run antimony_ban`), even where a folder has that name (SPEC 7: "not
/// an existing file"; `run tutorial --out tutorial` makes one).
pub fn read_source(path: impl AsRef<Path>) -> Result<Source, ScenarioError> {
    let path = path.as_ref();
    if !path.is_file()
        && let Some(bundle) = path.to_str().and_then(bundled::find)
    {
        return Ok(bundle.source());
    }
    // The name as the user wrote it, for messages (a name that is not UTF-8 shown lossily).
    let name = &*path.to_string_lossy();
    let unreadable = |reason: String| ScenarioError::Unreadable {
        file: name.to_string(),
        reason,
    };
    let metadata = std::fs::metadata(path).map_err(|e| unreadable(io_reason(&e)))?;
    if metadata.is_dir() {
        return Err(unreadable("it is a directory, not a scenario file".into()));
    }
    let too_large = |size: u64, at_least: bool| ScenarioError::TooLarge {
        file: name.to_string(),
        size,
        limit: MAX_FILE_BYTES,
        at_least,
    };
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large(metadata.len(), false));
    }
    // A pipe or a device (`/dev/zero`) has no length: read at most one byte past the limit.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| unreadable(io_reason(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(MAX_FILE_BYTES, true));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let location = error::LineIndex::new(&prefix).locate(&prefix, prefix.len());
            return Err(ScenarioError::NotText {
                file: name.to_string(),
                line: location.line,
                column: location.column,
            });
        }
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".to_string());
    Ok(Source::from_text(name, stem, false, text))
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => {
            "no such file, and no bundled scenario has that name".to_string()
        }
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Validates a source into a model.
pub fn parse(source: &Source) -> Result<Model, ScenarioError> {
    validate::validate(&source.text, &source.stem).map_err(|problems| ScenarioError::Invalid {
        file: source.label.clone(),
        problems,
    })
}

/// Reads and validates the scenario named `name` (a path or a bundled name).
pub fn load(name: impl AsRef<Path>) -> Result<(Model, Source), ScenarioError> {
    let source = read_source(name)?;
    let model = parse(&source)?;
    Ok((model, source))
}

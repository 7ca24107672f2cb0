//! Errors of the statistics module: invalid layouts, refused merges, undecodable shard state.

use thiserror::Error;

/// A value layout this module cannot hold.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LayoutError {
    /// A count scale whose `max` would need too many histogram cells.
    #[error(
        "a count metric up to {max} needs {max} histogram cells; at most {limit} are supported"
    )]
    CountTooLarge {
        /// The requested maximum.
        max: u32,
        /// The largest supported maximum.
        limit: u32,
    },
}

/// Why two accumulators (or banks of them) cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MergeError {
    /// The two states were built for different layouts (other metrics, scales or series).
    #[error("statistics layouts differ: {ours} here, {theirs} in the state being merged")]
    LayoutMismatch {
        /// This state's layout.
        ours: String,
        /// The other state's layout.
        theirs: String,
    },
    /// The merged state would hold more values than the exact integer sums allow.
    #[error("merging would hold {total} values in one accumulator; at most {limit} are supported")]
    TooManyValues {
        /// The number of values after the merge.
        total: u128,
        /// The limit ([`crate::stats::MAX_VALUES`]).
        limit: u64,
    },
}

/// Why bytes could not be decoded into statistics state.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The bytes do not start with the expected magic string.
    #[error("not a supplyrisk {expected} state file (bad magic bytes)")]
    BadMagic {
        /// What was expected, e.g. "metric bank".
        expected: &'static str,
    },
    /// A format version this build cannot read.
    #[error("state format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The bytes end before the state does.
    #[error("state is truncated: {needed} more bytes needed at offset {offset}")]
    Truncated {
        /// Where the missing bytes start.
        offset: usize,
        /// How many were needed there.
        needed: usize,
    },
    /// The trailing checksum does not match the contents: the file was altered or damaged.
    #[error(
        "state checksum mismatch (stored {stored:#018x}, computed {computed:#018x}): the file is corrupt"
    )]
    ChecksumMismatch {
        /// The checksum stored in the file.
        stored: u64,
        /// The checksum of the contents.
        computed: u64,
    },
    /// The layout section describes something this build cannot hold.
    #[error("invalid state layout: {0}")]
    BadLayout(String),
    /// The state could not have come from pushing values (e.g. counts that do not add up).
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
    /// Bytes follow the end of the state.
    #[error("{count} unexpected bytes after the end of the state")]
    TrailingBytes {
        /// How many bytes follow.
        count: usize,
    },
}

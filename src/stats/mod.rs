//! Streaming, exactly mergeable statistics: fixed-point moments and fixed-layout histograms.
//!
//! A run pushes one value per trial for every reported metric and one per trial for every
//! point of every monthly series. Results must be byte-identical for any thread count and any
//! split of the trials into shards merged in any order (SPEC sections 6 and 7), with memory
//! that does not grow with the number of trials. So every accumulator here holds only exactly
//! associative and commutative state: integer counts, fixed-point integer sums (shares scaled
//! by 2^40), fixed-layout histograms with integer counts, and min / max. There is no
//! floating-point sum anywhere in the state; floating point appears only in [`summary`]
//! readouts, computed from the exact integers.
//!
//! - [`MetricAccumulator`] / [`MetricBank`]: per-trial metrics, summarised with SPEC section
//!   5's mean, confidence interval, sd, nearest-rank p5 / p50 / p95, `cvar95` and `p_positive`.
//! - [`SeriesBank`]: thousands of monthly share series (mean, p5, p50, p95 per month).
//! - `to_bytes` / `from_bytes` on both banks: the shard-file state, with a layout check.
//!
//! Resolution: a share's quantiles and cvar95 are within one bin width, 1/2048 ≈ 0.000488, of
//! the exact nearest-rank values (exact for values of exactly 0 or 1 and for counts); series
//! percentiles within half of 1/1024, the same bound. Means, sd and `p_positive` are exact up to
//! the final rounding, of values quantised to 2^-40; a mean is clamped to the values' [min, max]
//! and a confidence interval to the scale's range.
//!
//! [`summary`]: MetricAccumulator::summary

mod codec;
mod error;
mod metric;
mod scale;
mod series;
mod wide;

pub use error::{DecodeError, LayoutError, MergeError};
pub use metric::{
    CellCount, MAX_VALUES, METRIC_BANK_FORMAT_VERSION, MetricAccumulator, MetricBank,
    MetricSummary, Z_95,
};
pub use scale::{
    MAX_COUNT, POSITIVE_THRESHOLD, RANGE_TOLERANCE, SHARE_BINS, SHARE_FRACTION_BITS,
    SIGNED_SHARE_BINS, ValueScale,
};
pub use series::{
    SERIES_BANK_FORMAT_VERSION, SERIES_BINS, SERIES_BYTES, SeriesBank, SeriesSummary,
};

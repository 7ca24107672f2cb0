//! Many monthly share series (mean and percentiles per month) in one flat, exactly mergeable
//! structure.
//!
//! A run tracks up to variants × commodities × months × series metrics (3 × 6 × 120 × 2 =
//! 4320) series, so each one is kept small: a count, a fixed-point sum, min, max and a
//! histogram of 1024 equal bins over [0, 1] plus atoms at 0 and 1, counts only. All histogram
//! counts live in one `Vec<u64>`, series-major, so one series' cells are contiguous.
//!
//! Memory per series: 1026 × 8 (cells) + 8 (count) + 16 (sum) + 8 (min) + 8 (max) = 8248
//! bytes; 4320 series take 35.6 MB.

use super::codec::Writer;
use super::error::{DecodeError, MergeError};
use super::metric::{MAX_VALUES, nearest_rank};
use super::scale::{SHARE_FRACTION_BITS, ValueScale};
use super::wide::signed_ratio_to_f64;

/// Number of equal bins over [0, 1] in each series (width 1/1024: midpoint readout error
/// ≤ 1/2048 < 0.0005).
pub const SERIES_BINS: usize = 1024;

/// Cells per series: the atom 0, the bins, the atom 1.
const SERIES_CELLS: usize = SERIES_BINS + 2;

/// Bytes of memory per series (see the module documentation).
pub const SERIES_BYTES: usize = SERIES_CELLS * 8 + 8 + 16 + 8 + 8;

/// Magic bytes opening a series bank's shard state.
const SERIES_MAGIC: &[u8; 8] = b"SRSKSERI";
/// Version of the series bank's byte format.
pub const SERIES_BANK_FORMAT_VERSION: u32 = 1;

/// Summary of one series at one point (one month) across trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesSummary {
    /// Mean, exact up to one final rounding (of the quantised values).
    pub mean: f64,
    /// Nearest-rank 5th percentile (bin midpoint; atoms 0 and 1 exact).
    pub p5: f64,
    /// Nearest-rank median.
    pub p50: f64,
    /// Nearest-rank 95th percentile.
    pub p95: f64,
}

/// A bank of share series, each an exactly mergeable histogram with count, sum, min and max.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBank {
    series_count: usize,
    /// Series-major cells: series `s` owns `counts[s · 1026 .. (s + 1) · 1026]`.
    counts: Vec<u64>,
    /// Values per series.
    ns: Vec<u64>,
    /// Σ of the fixed-point (2^40) integers per series.
    sums: Vec<i128>,
    /// Smallest value per series (+∞ when empty).
    mins: Vec<f64>,
    /// Largest value per series (−∞ when empty).
    maxs: Vec<f64>,
}

impl SeriesBank {
    /// A bank of `series_count` empty series.
    pub fn new(series_count: usize) -> Self {
        SeriesBank {
            series_count,
            counts: vec![0; series_count * SERIES_CELLS],
            ns: vec![0; series_count],
            sums: vec![0; series_count],
            mins: vec![f64::INFINITY; series_count],
            maxs: vec![f64::NEG_INFINITY; series_count],
        }
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.series_count
    }

    /// Whether the bank holds no series.
    pub fn is_empty(&self) -> bool {
        self.series_count == 0
    }

    /// Number of values pushed to `series`.
    pub fn count(&self, series: usize) -> u64 {
        self.ns[series]
    }

    /// Adds share `x` to `series`. Values slightly outside [0, 1] are clamped; far outside or
    /// NaN is a caller bug (a `debug_assert!`; clamped in release builds).
    #[inline]
    pub fn push(&mut self, series: usize, x: f64) {
        debug_assert!(
            self.ns[series] < MAX_VALUES,
            "more than 2^46 values in one series"
        );
        // Same clamping and quantisation as a share metric; the bin is ⌊x · 1024⌋ (exact).
        let placed = ValueScale::Share.place(x);
        let cell = if placed.value == 0.0 {
            0
        } else if placed.value == 1.0 {
            SERIES_CELLS - 1
        } else {
            ((placed.value * SERIES_BINS as f64) as usize).min(SERIES_BINS - 1) + 1
        };
        self.counts[series * SERIES_CELLS + cell] += 1;
        self.ns[series] += 1;
        self.sums[series] += i128::from(placed.fixed_point);
        self.mins[series] = self.mins[series].min(placed.value);
        self.maxs[series] = self.maxs[series].max(placed.value);
    }

    /// Adds `other`'s values to `self`, series by series (exact: the result is the same
    /// whatever the order). Checks everything first: on error `self` is unchanged.
    pub fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        if self.series_count != other.series_count {
            return Err(MergeError::LayoutMismatch {
                ours: format!("{} series", self.series_count),
                theirs: format!("{} series", other.series_count),
            });
        }
        for (&ours, &theirs) in self.ns.iter().zip(&other.ns) {
            let total = u128::from(ours) + u128::from(theirs);
            if total > u128::from(MAX_VALUES) {
                return Err(MergeError::TooManyValues {
                    total,
                    limit: MAX_VALUES,
                });
            }
        }
        for (count, add) in self.counts.iter_mut().zip(&other.counts) {
            *count += add;
        }
        for series in 0..self.series_count {
            self.ns[series] += other.ns[series];
            self.sums[series] += other.sums[series];
            self.mins[series] = self.mins[series].min(other.mins[series]);
            self.maxs[series] = self.maxs[series].max(other.maxs[series]);
        }
        Ok(())
    }

    /// Mean and nearest-rank percentiles of `series`, or `None` if it holds no value.
    ///
    /// A percentile reads the midpoint of the bin holding the ranked value, clamped to the
    /// series' [min, max]; values of exactly 0 or 1 read back exactly. Error ≤ half a bin
    /// (1/2048 < 0.0005).
    pub fn summary(&self, series: usize) -> Option<SeriesSummary> {
        let n = self.ns[series];
        if n == 0 {
            return None;
        }
        let cells = &self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS];
        let (min, max) = (self.mins[series], self.maxs[series]);
        let value_at_rank = |rank: u64| {
            let mut below = 0u64;
            let index = cells
                .iter()
                .position(|&count| {
                    below += count;
                    below >= rank
                })
                .unwrap_or(SERIES_CELLS - 1);
            match index {
                0 => 0.0,
                i if i == SERIES_CELLS - 1 => 1.0,
                i => ((i - 1) as f64 + 0.5) / SERIES_BINS as f64,
            }
            .max(min)
            .min(max)
        };
        Some(SeriesSummary {
            mean: signed_ratio_to_f64(self.sums[series], n, -(SHARE_FRACTION_BITS as i32)),
            p5: value_at_rank(nearest_rank(n, 5)),
            p50: value_at_rank(nearest_rank(n, 50)),
            p95: value_at_rank(nearest_rank(n, 95)),
        })
    }

    fn encode_layout(&self, writer: &mut Writer) {
        writer.put(SERIES_MAGIC);
        writer.u32(SERIES_BANK_FORMAT_VERSION);
        writer.u64(self.series_count as u64);
        writer.u32(SERIES_BINS as u32);
        writer.u8(SHARE_FRACTION_BITS as u8);
    }

    /// A hash of the layout (format version, series count, bins, fixed-point bits): banks
    /// whose fingerprints differ cannot be merged.
    pub fn layout_fingerprint(&self) -> u64 {
        let mut writer = Writer::default();
        self.encode_layout(&mut writer);
        super::codec::fnv1a64(writer.bytes())
    }

    /// The state as bytes for a shard file: magic `SRSKSERI`, format version, layout, then
    /// per series its count, sum, min, max and run-length encoded cells, and an FNV-1a
    /// checksum. Equal states give identical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut writer = Writer::default();
        self.encode_layout(&mut writer);
        for series in 0..self.series_count {
            writer.u64(self.ns[series]);
            writer.i128(self.sums[series]);
            writer.f64(self.mins[series]);
            writer.f64(self.maxs[series]);
            writer.runs(
                &self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS],
                |_, _| {},
            );
        }
        writer.finish()
    }

    /// Smallest number of bytes one series takes in [`SeriesBank::to_bytes`].
    const MIN_SERIES_BYTES: usize = 8 + 16 + 8 + 8 + 8;

    /// Decodes [`SeriesBank::to_bytes`]'s output. Truncated, corrupt or inconsistent input
    /// gives an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = super::codec::open(
            bytes,
            SERIES_MAGIC,
            SERIES_BANK_FORMAT_VERSION,
            "series bank",
        )?;
        let series_count = reader.u64()?;
        let bins = reader.u32()?;
        let bits = reader.u8()?;
        if bins as usize != SERIES_BINS || u32::from(bits) != SHARE_FRACTION_BITS {
            return Err(DecodeError::BadLayout(format!(
                "series of {bins} bins and {bits} fraction bits; this build uses {SERIES_BINS} and {SHARE_FRACTION_BITS}"
            )));
        }
        let fits = usize::try_from(series_count)
            .ok()
            .filter(|&count| count.saturating_mul(Self::MIN_SERIES_BYTES) <= reader.remaining());
        let Some(series_count) = fits else {
            return Err(DecodeError::BadLayout(format!(
                "{series_count} series cannot fit in {} bytes",
                reader.remaining()
            )));
        };
        let mut bank = SeriesBank::new(series_count);
        for series in 0..series_count {
            bank.ns[series] = reader.u64()?;
            bank.sums[series] = reader.i128()?;
            bank.mins[series] = reader.f64()?;
            bank.maxs[series] = reader.f64()?;
            reader.runs(
                &mut bank.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS],
                |_, _| Ok(()),
            )?;
            bank.check_series(series)
                .map_err(|what| DecodeError::Inconsistent(format!("series {series}: {what}")))?;
        }
        super::codec::close(&reader)?;
        Ok(bank)
    }

    /// Checks one decoded series could have come from pushes: counts add up to n, the sum
    /// lies within the range the occupied cells allow, min and max are valid.
    fn check_series(&self, series: usize) -> Result<(), String> {
        let n = self.ns[series];
        if n > MAX_VALUES {
            return Err(format!("{n} values, more than the limit {MAX_VALUES}"));
        }
        let cells = &self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS];
        let total: u128 = cells.iter().map(|&count| u128::from(count)).sum();
        if total != u128::from(n) {
            return Err(format!("histogram counts add up to {total}, not n = {n}"));
        }
        // Every value's fixed-point integer lies in [0, 2^40], so 0 ≤ Σ ≤ n · 2^40.
        let sum = self.sums[series];
        if sum < 0 || sum > i128::from(n) << SHARE_FRACTION_BITS {
            return Err(format!("sum {sum} is outside [0, n · 2^40]"));
        }
        let (min, max) = (self.mins[series], self.maxs[series]);
        let valid = if n == 0 {
            min == f64::INFINITY && max == f64::NEG_INFINITY
        } else {
            0.0 <= min && min <= max && max <= 1.0
        };
        if !valid {
            return Err(format!("min {min} and max {max} are not valid"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_per_series_is_as_documented() {
        assert_eq!(SERIES_BYTES, 8248);
        let bank = SeriesBank::new(3);
        assert_eq!(bank.counts.len(), 3 * 1026);
    }

    #[test]
    fn summary_reads_bin_midpoints_and_exact_atoms() {
        let mut bank = SeriesBank::new(2);
        for _ in 0..10 {
            bank.push(0, 0.0);
        }
        bank.push(0, 0.31);
        bank.push(0, 0.9);
        let s = bank.summary(0).expect("values");
        assert_eq!(s.p5, 0.0);
        assert_eq!(s.p50, 0.0);
        // p95 = 12th smallest = 0.9, read as its bin's midpoint (0.9 · 1024 = 921.6).
        assert_eq!(s.p95, 921.5 / 1024.0);
        assert!((s.mean - 1.21 / 12.0).abs() < 1e-12);
        assert_eq!(bank.summary(1), None);
        assert_eq!(bank.count(0), 12);
    }

    #[test]
    fn readout_is_clamped_to_min_and_max() {
        let mut bank = SeriesBank::new(1);
        bank.push(0, 0.3);
        let s = bank.summary(0).expect("a value");
        assert_eq!((s.p5, s.p50, s.p95), (0.3, 0.3, 0.3));
    }

    #[test]
    fn merge_refuses_another_series_count() {
        let mut ours = SeriesBank::new(2);
        let error = ours
            .merge(&SeriesBank::new(3))
            .expect_err("different layouts");
        assert_eq!(
            error.to_string(),
            "statistics layouts differ: 2 series here, 3 series in the state being merged"
        );
        assert_ne!(
            ours.layout_fingerprint(),
            SeriesBank::new(3).layout_fingerprint()
        );
    }
}

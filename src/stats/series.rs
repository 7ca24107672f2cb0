//! Many monthly share series (mean and percentiles per month) in one flat, exactly mergeable
//! structure.
//!
//! A run tracks up to variants × commodities × months × series metrics (3 × 6 × 120 × 2 =
//! 4320) series, so each one is kept small: a count, a fixed-point sum, min, max and a
//! histogram of 1024 equal bins over [0, 1] plus atoms at 0 and 1, counts only. All histogram
//! counts live in one `Vec<u64>`, series-major, so one series' cells are contiguous.
//!
//! Memory per series: 1026 × 8 bytes of cells plus a 64-byte head (count, sum, min, max on
//! one cache line, so a push touches two lines) = 8272 bytes; 4320 series take 35.7 MB.

use super::codec::Writer;
use super::error::{DecodeError, MergeError};
use super::metric::{MAX_VALUES, nearest_rank};
use super::scale::{SHARE_FRACTION_BITS, clamp_share, share_fixed_point, snap_share};
use super::wide::signed_ratio_to_f64;

/// Number of equal bins over [0, 1] in each series (width 1/1024: midpoint readout error
/// ≤ 1/2048 < 0.0005).
pub const SERIES_BINS: usize = 1024;

/// Cells per series: the atom 0, the bins, the atom 1.
const SERIES_CELLS: usize = SERIES_BINS + 2;

/// Bytes of memory per series (see the module documentation).
pub const SERIES_BYTES: usize = SERIES_CELLS * 8 + std::mem::size_of::<SeriesHead>();

/// Magic bytes opening a series bank's shard state.
const SERIES_MAGIC: &[u8; 8] = b"SRSKSERI";
/// Version of the series bank's byte format. 2: values within 2^-41 of 0 or 1 are counted at
/// the atoms (version 1 put them in the bins beside), so states of the two do not merge.
pub const SERIES_BANK_FORMAT_VERSION: u32 = 2;

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

/// The scalars of one series, kept together on one cache line.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
struct SeriesHead {
    /// Σ of the fixed-point (2^40) integers.
    sum: i128,
    /// Number of values.
    n: u64,
    /// Smallest value (+∞ when empty).
    min: f64,
    /// Largest value (−∞ when empty).
    max: f64,
}

impl SeriesHead {
    const EMPTY: SeriesHead = SeriesHead {
        sum: 0,
        n: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
}

/// A bank of share series, each an exactly mergeable histogram with count, sum, min and max.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBank {
    series_count: usize,
    /// Series-major cells: series `s` owns `counts[s · 1026 .. (s + 1) · 1026]`.
    counts: Vec<u64>,
    /// Count, sum, min and max per series.
    heads: Vec<SeriesHead>,
}

impl SeriesBank {
    /// A bank of `series_count` empty series.
    pub fn new(series_count: usize) -> Self {
        SeriesBank {
            series_count,
            counts: vec![0; series_count * SERIES_CELLS],
            heads: vec![SeriesHead::EMPTY; series_count],
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
        self.heads[series].n
    }

    /// Adds share `x` to `series`. Values slightly outside [0, 1] are clamped; far outside or
    /// NaN is a caller bug (a `debug_assert!`; clamped in release builds).
    #[inline]
    pub fn push(&mut self, series: usize, x: f64) {
        debug_assert!(
            self.heads[series].n < MAX_VALUES,
            "more than 2^46 values in one series"
        );
        let cells = &mut self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS];
        add_share(cells, &mut self.heads[series], x);
    }

    /// Adds every value of `values` to `series` (many trials of one series at once).
    ///
    /// Same result as pushing them one by one; an engine that buffers a chunk of trials and
    /// then pushes series by series keeps each series' cells in cache (a bank of 4320 series
    /// is 36 MB, more than the caches; pushing trial by trial touches them all every trial).
    pub fn push_all(&mut self, series: usize, values: &[f64]) {
        debug_assert!(
            self.heads[series].n + values.len() as u64 <= MAX_VALUES,
            "more than 2^46 values in one series"
        );
        // The series' cells borrowed once and its head kept in a local (registers) for the
        // whole chunk, instead of reloaded and stored back for every value.
        let cells = &mut self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS];
        let mut head = self.heads[series];
        for &x in values {
            add_share(cells, &mut head, x);
        }
        self.heads[series] = head;
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
        for (ours, theirs) in self.heads.iter().zip(&other.heads) {
            let total = u128::from(ours.n) + u128::from(theirs.n);
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
            let (head, add) = (&mut self.heads[series], &other.heads[series]);
            head.n += add.n;
            head.sum += add.sum;
            head.min = head.min.min(add.min);
            head.max = head.max.max(add.max);
        }
        Ok(())
    }

    /// Mean and nearest-rank percentiles of `series`, or `None` if it holds no value.
    ///
    /// A percentile reads the midpoint of the bin holding the ranked value, clamped to the
    /// series' [min, max]; values of exactly 0 or 1 read back exactly. Error ≤ half a bin
    /// (1/2048 < 0.0005).
    pub fn summary(&self, series: usize) -> Option<SeriesSummary> {
        let SeriesHead { sum, n, min, max } = self.heads[series];
        if n == 0 {
            return None;
        }
        let cells = &self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS];
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
            // Clamped to [min, max] as `MetricAccumulator::summary`'s mean is, and for the same
            // reason: n equal values read back as that value.
            mean: signed_ratio_to_f64(sum, n, -(SHARE_FRACTION_BITS as i32))
                .max(min)
                .min(max),
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
            let head = &self.heads[series];
            writer.u64(head.n);
            writer.i128(head.sum);
            writer.f64(head.min);
            writer.f64(head.max);
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
            bank.heads[series] = SeriesHead {
                n: reader.u64()?,
                sum: reader.i128()?,
                min: reader.f64()?,
                max: reader.f64()?,
            };
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
        let SeriesHead { sum, n, min, max } = self.heads[series];
        if n > MAX_VALUES {
            return Err(format!("{n} values, more than the limit {MAX_VALUES}"));
        }
        let cells = &self.counts[series * SERIES_CELLS..(series + 1) * SERIES_CELLS];
        let total: u128 = cells.iter().map(|&count| u128::from(count)).sum();
        if total != u128::from(n) {
            return Err(format!("histogram counts add up to {total}, not n = {n}"));
        }
        // Every value's fixed-point integer lies in [0, 2^40], so 0 ≤ Σ ≤ n · 2^40.
        if sum < 0 || sum > i128::from(n) << SHARE_FRACTION_BITS {
            return Err(format!("sum {sum} is outside [0, n · 2^40]"));
        }
        let valid = if n == 0 {
            min == f64::INFINITY && max == f64::NEG_INFINITY
        } else {
            0.0 <= min && min <= max && max <= 1.0
        };
        if !valid {
            return Err(format!("min {min} and max {max} are not valid"));
        }
        // Every value lies in [min, max] and quantising is monotone (the summary clamps the mean
        // to [min, max]: extremes that disagree with the sum would move it).
        let count = i128::from(n);
        if n > 0
            && (sum < count * i128::from(share_fixed_point(min))
                || sum > count * i128::from(share_fixed_point(max)))
        {
            return Err(format!("sum {sum} lies outside n × [min, max]"));
        }
        Ok(())
    }
}

/// Adds share `x` to one series: its `cells` and `head`. Same clamping and quantisation as a
/// share metric; the bin is ⌊x · 1024⌋ (exact).
#[inline(always)]
fn add_share(cells: &mut [u64], head: &mut SeriesHead, x: f64) {
    if x > 0.0 {
        let clamped = clamp_share(x);
        let fixed_point = share_fixed_point(clamped);
        let value = snap_share(clamped, fixed_point);
        let cell = if value == 0.0 {
            0
        } else if value == 1.0 {
            SERIES_CELLS - 1
        } else {
            // `value` is in (0, 1), so its bin fits in 32 bits, and converting to `u32`
            // takes fewer instructions than to `usize` (no unsigned 64-bit conversion on
            // x86-64); the same bin.
            ((value * SERIES_BINS as f64) as u32 as usize).min(SERIES_BINS - 1) + 1
        };
        cells[cell] += 1;
        head.n += 1;
        head.sum += i128::from(fixed_point);
        keep_extremes(head, value);
    } else {
        // Zero (most shortfall ratios), a negative or NaN: what the path above does for
        // them, which clamps them to +0.0 (fixed point 0, nothing added to the sum, the zero
        // cell), in fewer steps. (Debug builds still check it is a share.)
        debug_assert_eq!(clamp_share(x).to_bits(), 0);
        cells[0] += 1;
        head.n += 1;
        keep_extremes(head, 0.0);
    }
}

/// `head.min = head.min.min(value)` and `head.max = head.max.max(value)` for a `value` that is
/// not NaN, with one compare each (`f64::min` and `max` also order NaN operands): a NaN
/// extreme takes `value`, as they would give. (The negated compares are what send a NaN
/// extreme to the store; as a select instead of a branch this costs more instructions.)
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn keep_extremes(head: &mut SeriesHead, value: f64) {
    if !(head.min <= value) {
        head.min = value;
    }
    if !(head.max >= value) {
        head.max = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_per_series_is_as_documented() {
        assert_eq!(SERIES_BYTES, 8272);
        let bank = SeriesBank::new(3);
        assert_eq!(bank.counts.len(), 3 * 1026);
    }

    #[test]
    fn equal_values_have_themselves_as_mean() {
        let mut bank = SeriesBank::new(1);
        bank.push_all(0, &[0.1; 5]);
        let summary = bank.summary(0).expect("values");
        assert_eq!((summary.mean, summary.p5, summary.p95), (0.1, 0.1, 0.1));
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

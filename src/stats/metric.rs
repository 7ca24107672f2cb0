//! Exactly mergeable accumulators for per-trial metrics, and their summaries (SPEC section 5).
//!
//! A [`MetricAccumulator`] keeps only integers (counts, fixed-point sums and sums of squares,
//! per-bin counts and sums) plus the minimum and maximum, so merging is integer addition and
//! `min`/`max`: exactly associative and commutative. Any split of the trials into shards or
//! threads, merged in any order, gives the same state bit for bit and so the same summary.
//! Moments come from the exact sums (one rounding at the end; the variance numerator is formed
//! exactly in 256-bit arithmetic, avoiding the cancellation of the textbook formula in floating
//! point). Quantiles and CVaR come from the fixed-layout histogram.

use super::codec::{Reader, Writer};
use super::error::{DecodeError, LayoutError, MergeError};
use super::scale::{Cell, POSITIVE_THRESHOLD, ValueScale, round_small};
use super::wide::{U256, pow2, ratio_to_f64, signed_ratio_to_f64};

/// The most values one accumulator (or one series) may hold: 2^46 ≈ 7.0e13, far above SPEC's
/// cap of 10^12 trials. It keeps every exact sum in range: for shares |x_fp| ≤ 2^40, so
/// |Σx| ≤ 2^86 and Σx² ≤ 2^126 < 2^127 (i128 / u128); for counts |x| ≤ [`super::MAX_COUNT`] =
/// 2^16, so Σx² ≤ n · max² ≤ 2^78. The variance numerator n·Σx² − (Σx)² needs at most 2^172
/// and is formed in 256 bits. Merges that would pass the limit are refused.
pub const MAX_VALUES: u64 = 1 << 46;

/// The normal quantile z(0.975) used for 95% confidence intervals, as SPEC section 5 gives it.
pub const Z_95: f64 = 1.959964;

/// Summary of one metric across trials, with SPEC section 5's definitions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricSummary {
    /// Number of values (trials).
    pub n: u64,
    /// Mean, exact up to one final rounding (of the quantised values).
    pub mean: f64,
    /// Lower end of the 95% confidence interval, `mean − 1.959964·sd/√n`.
    pub ci_low: f64,
    /// Upper end of the 95% confidence interval, `mean + 1.959964·sd/√n`.
    pub ci_high: f64,
    /// Sample standard deviation (divisor n − 1; 0 when n = 1).
    pub sd: f64,
    /// Nearest-rank 5th percentile: the ⌈0.05·n⌉-th smallest value.
    pub p5: f64,
    /// Nearest-rank median: the ⌈0.5·n⌉-th smallest value.
    pub p50: f64,
    /// Nearest-rank 95th percentile: the ⌈0.95·n⌉-th smallest value.
    pub p95: f64,
    /// Mean of the highest ⌈0.05·n⌉ values.
    pub cvar95: f64,
    /// Share of values above 1e-9.
    pub p_positive: f64,
}

/// One histogram cell of a [`MetricAccumulator`] with its count (see
/// [`MetricAccumulator::cells`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CellCount {
    /// Every value counted here equals `value`: an atom (a share of exactly 0 or 1, a
    /// reduction of exactly 0) or one integer of a count scale.
    Exact {
        /// The value.
        value: f64,
        /// How many values equal it.
        count: u64,
    },
    /// One of the scale's equal-width bins: values in `[low, high)` other than the atoms.
    Bin {
        /// Index among the scale's bins (0 is the lowest).
        bin: usize,
        /// Lower edge.
        low: f64,
        /// Upper edge.
        high: f64,
        /// How many values fell in it.
        count: u64,
    },
}

/// The nearest rank of the `percent`-th percentile among `n` values: ⌈percent·n/100⌉, in
/// integer arithmetic so no floating-point product can land on the wrong side of an integer.
pub(crate) fn nearest_rank(n: u64, percent: u64) -> u64 {
    let rank = (u128::from(n) * u128::from(percent)).div_ceil(100);
    u64::try_from(rank).expect("a percentile rank never exceeds n")
}

/// Clamps without `f64::clamp`'s panic on crossed bounds (decoded state may be hostile).
fn clamp_to(value: f64, low: f64, high: f64) -> f64 {
    value.max(low).min(high)
}

/// Streaming, exactly mergeable statistics of one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricAccumulator {
    scale: ValueScale,
    n: u64,
    positive: u64,
    /// Σ of the fixed-point integers.
    sum: i128,
    /// Σ of their squares.
    sum_of_squares: u128,
    /// Smallest value pushed (+∞ when empty).
    min: f64,
    /// Largest value pushed (−∞ when empty).
    max: f64,
    /// Count per histogram cell, in ascending value order (see [`ValueScale::cell`]).
    counts: Vec<u64>,
    /// Σ of the fixed-point integers per bin (share scales only), so bin means are exact.
    bin_sums: Vec<i128>,
}

impl MetricAccumulator {
    /// An empty accumulator.
    ///
    /// # Panics
    /// If the scale is invalid (a count `max` above [`super::MAX_COUNT`]); use
    /// [`MetricAccumulator::try_new`] when the scale comes from user input.
    pub fn new(scale: ValueScale) -> Self {
        Self::try_new(scale).expect("a valid value scale")
    }

    /// An empty accumulator, or an error for an invalid scale.
    pub fn try_new(scale: ValueScale) -> Result<Self, LayoutError> {
        let scale = scale.validate()?;
        Ok(MetricAccumulator {
            scale,
            n: 0,
            positive: 0,
            sum: 0,
            sum_of_squares: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            counts: vec![0; scale.cell_count()],
            bin_sums: vec![0; scale.bin_count()],
        })
    }

    /// The layout of this metric's values.
    pub fn scale(&self) -> ValueScale {
        self.scale
    }

    /// Number of values pushed.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Smallest and largest value pushed, or `None` when empty.
    pub fn range(&self) -> Option<(f64, f64)> {
        (self.n > 0).then_some((self.min, self.max))
    }

    /// The histogram, read only: every cell in ascending value order with its exact count.
    /// Charts draw distributions from it; nothing here is estimated.
    pub fn cells(&self) -> impl Iterator<Item = CellCount> + '_ {
        let scale = self.scale;
        self.counts
            .iter()
            .enumerate()
            .map(move |(index, &count)| match scale.cell(index) {
                Cell::Exact(value) => CellCount::Exact {
                    value: scale.to_value(value),
                    count,
                },
                Cell::Bin { bin, low, high } => CellCount::Bin {
                    bin,
                    low: scale.to_value(low),
                    high: scale.to_value(high),
                    count,
                },
            })
    }

    /// Adds one value. Values slightly outside the scale's range are clamped; far outside or
    /// NaN is a caller bug (a `debug_assert!`; clamped in release builds).
    #[inline]
    pub fn push(&mut self, x: f64) {
        debug_assert!(
            self.n < MAX_VALUES,
            "more than 2^46 values in one accumulator"
        );
        let placed = self.scale.place(x);
        let fixed_point = i128::from(placed.fixed_point);
        self.n += 1;
        self.positive += u64::from(placed.value > POSITIVE_THRESHOLD);
        self.sum += fixed_point;
        // |x_fp| ≤ 2^40: a 64×64→128-bit multiply, the only wide one on the hot path.
        let magnitude = u128::from(placed.fixed_point.unsigned_abs());
        self.sum_of_squares += magnitude * magnitude;
        self.min = self.min.min(placed.value);
        self.max = self.max.max(placed.value);
        self.counts[placed.cell] += 1;
        if let Some(bin) = placed.bin {
            self.bin_sums[bin] += fixed_point;
        }
    }

    /// Adds every value of `values` (the same as pushing them one by one).
    pub fn push_all(&mut self, values: &[f64]) {
        for &x in values {
            self.push(x);
        }
    }

    /// Describes the layout in error messages.
    fn describe(&self) -> String {
        self.scale.describe()
    }

    /// Checks that `other` can be merged into `self` without changing anything.
    fn check_merge(&self, other: &Self) -> Result<(), MergeError> {
        if self.scale != other.scale {
            return Err(MergeError::LayoutMismatch {
                ours: self.describe(),
                theirs: other.describe(),
            });
        }
        let total = u128::from(self.n) + u128::from(other.n);
        if total > u128::from(MAX_VALUES) {
            return Err(MergeError::TooManyValues {
                total,
                limit: MAX_VALUES,
            });
        }
        Ok(())
    }

    /// Adds `other`'s values to `self` (exact: the result is the same whatever the order).
    /// On error `self` is unchanged.
    pub fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.check_merge(other)?;
        self.merge_unchecked(other);
        Ok(())
    }

    fn merge_unchecked(&mut self, other: &Self) {
        self.n += other.n;
        self.positive += other.positive;
        self.sum += other.sum;
        self.sum_of_squares += other.sum_of_squares;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (count, add) in self.counts.iter_mut().zip(&other.counts) {
            *count += add;
        }
        for (sum, add) in self.bin_sums.iter_mut().zip(&other.bin_sums) {
            *sum += add;
        }
    }

    /// The exact fixed-point sum of a cell's values.
    fn cell_sum(&self, index: usize) -> i128 {
        match self.scale.cell(index) {
            Cell::Exact(value) => i128::from(self.counts[index]) * i128::from(value),
            Cell::Bin { bin, .. } => self.bin_sums[bin],
        }
    }

    /// A cell's readout: exact for atoms and integers; for a bin, its exact mean clamped to
    /// the bin's range and to the observed [min, max].
    fn readout(&self, index: usize) -> f64 {
        let bits = -(self.scale.fraction_bits() as i32);
        match self.scale.cell(index) {
            Cell::Exact(value) => self.scale.to_value(value),
            Cell::Bin { bin, low, high } => {
                let mean = signed_ratio_to_f64(self.bin_sums[bin], self.counts[index], bits);
                let within_bin =
                    clamp_to(mean, self.scale.to_value(low), self.scale.to_value(high));
                clamp_to(within_bin, self.min, self.max)
            }
        }
    }

    /// The readout of the cell holding the `rank`-th smallest value (1 ≤ rank ≤ n).
    fn value_at_rank(&self, rank: u64) -> f64 {
        let mut below = 0u64;
        for (index, &count) in self.counts.iter().enumerate() {
            below += count;
            if below >= rank {
                return self.readout(index);
            }
        }
        // Unreachable for a consistent state (cell counts sum to n).
        self.max
    }

    /// Mean of the `tail` highest values: whole cells from the top contribute their exact
    /// sums, the last (partial) cell its needed count times its mean (exact for atoms and
    /// integers; within one bin width otherwise). This is CVaR / expected shortfall of the
    /// upper tail (Rockafellar & Uryasev 2000) on the empirical distribution.
    fn upper_tail_mean(&self, tail: u64) -> f64 {
        let bits = -(self.scale.fraction_bits() as i32);
        let mut needed = tail;
        let mut exact_sum = 0i128;
        let mut partial: Option<f64> = None;
        for index in (0..self.counts.len()).rev() {
            let count = self.counts[index];
            if count == 0 {
                continue;
            }
            if count <= needed {
                exact_sum += self.cell_sum(index);
                needed -= count;
            } else {
                match self.scale.cell(index) {
                    Cell::Exact(value) => exact_sum += i128::from(needed) * i128::from(value),
                    Cell::Bin { bin, low, high } => {
                        let mean_fp = clamp_to(
                            signed_ratio_to_f64(self.bin_sums[bin], count, 0),
                            low as f64,
                            high as f64,
                        );
                        partial = Some(needed as f64 * mean_fp);
                    }
                }
                needed = 0;
            }
            if needed == 0 {
                break;
            }
        }
        let mean = match partial {
            None => signed_ratio_to_f64(exact_sum, tail, bits),
            Some(partial) => (exact_sum as f64 + partial) / tail as f64 * pow2(bits),
        };
        clamp_to(mean, self.min, self.max)
    }

    /// The summary of SPEC section 5, or `None` when no value was pushed.
    pub fn summary(&self) -> Option<MetricSummary> {
        if self.n == 0 {
            return None;
        }
        let n = self.n;
        let bits = -(self.scale.fraction_bits() as i32);
        // The exact mean of the quantised values is within 2^-41 of the values' own mean, which
        // lies in [min, max]: clamping there only moves it closer (n equal values read back
        // as that value, not as its fixed-point image).
        let mean = clamp_to(signed_ratio_to_f64(self.sum, n, bits), self.min, self.max);
        let sd = if n == 1 {
            0.0
        } else {
            // Σ(x − x̄)² · n = n·Σx² − (Σx)², formed exactly (≤ 2^173 < 2^256); it is ≥ 0 by
            // Cauchy–Schwarz, and saturation only guards hostile decoded state.
            let magnitude = self.sum.unsigned_abs();
            let numerator = U256::product(u128::from(n), self.sum_of_squares)
                .saturating_sub(U256::product(magnitude, magnitude));
            let denominator = u128::from(n) * u128::from(n - 1);
            (numerator.to_f64() / denominator as f64).sqrt() * pow2(bits)
        };
        // SPEC 5's interval exactly, mean ± 1.959964·sd/√n. It is not cut to the metric's
        // range: with few trials near a bound (a rare shortfall, a near-certain dependency)
        // it crosses 0 or 1, which tells the reader the normal approximation is crude there;
        // cutting it would hide that, change no coverage, and break the formula.
        let half_width = Z_95 * sd / (n as f64).sqrt();
        Some(MetricSummary {
            n,
            mean,
            ci_low: mean - half_width,
            ci_high: mean + half_width,
            sd,
            p5: self.value_at_rank(nearest_rank(n, 5)),
            p50: self.value_at_rank(nearest_rank(n, 50)),
            p95: self.value_at_rank(nearest_rank(n, 95)),
            cvar95: self.upper_tail_mean(nearest_rank(n, 5)),
            p_positive: ratio_to_f64(u128::from(self.positive), n, 0),
        })
    }

    /// Writes the state (not the layout) in the shard format.
    pub(crate) fn encode_state(&self, writer: &mut Writer) {
        writer.u64(self.n);
        writer.u64(self.positive);
        writer.i128(self.sum);
        writer.u128(self.sum_of_squares);
        writer.f64(self.min);
        writer.f64(self.max);
        let scale = self.scale;
        writer.runs(&self.counts, |writer, index| {
            if let Cell::Bin { bin, .. } = scale.cell(index) {
                writer.i128(self.bin_sums[bin]);
            }
        });
    }

    /// Smallest number of bytes [`Self::encode_state`] writes (for allocation bounds).
    pub(crate) const MIN_STATE_BYTES: usize = 8 + 8 + 16 + 16 + 8 + 8 + 8;

    /// Reads a state written by [`Self::encode_state`] and checks it could have come from
    /// pushing values: cell counts add up to n, bin sums lie within their bins and add up to
    /// the total, Σx² is consistent with Σx, min and max lie in range.
    pub(crate) fn decode_state(
        scale: ValueScale,
        reader: &mut Reader<'_>,
    ) -> Result<Self, DecodeError> {
        let mut state =
            MetricAccumulator::try_new(scale).map_err(|e| DecodeError::BadLayout(e.to_string()))?;
        state.n = reader.u64()?;
        state.positive = reader.u64()?;
        state.sum = reader.i128()?;
        state.sum_of_squares = reader.u128()?;
        state.min = reader.f64()?;
        state.max = reader.f64()?;
        let MetricAccumulator {
            counts, bin_sums, ..
        } = &mut state;
        reader.runs(counts, |reader, index| {
            if let Cell::Bin { bin, .. } = scale.cell(index) {
                bin_sums[bin] = reader.i128()?;
            }
            Ok(())
        })?;
        state.check_consistency()?;
        Ok(state)
    }

    fn check_consistency(&self) -> Result<(), DecodeError> {
        let bad = |what: String| {
            Err(DecodeError::Inconsistent(format!(
                "{} metric: {what}",
                self.describe()
            )))
        };
        if self.n > MAX_VALUES {
            return bad(format!(
                "{} values, more than the limit {MAX_VALUES}",
                self.n
            ));
        }
        if self.positive > self.n {
            return bad(format!("{} positive values of {}", self.positive, self.n));
        }
        let mut total = 0u128;
        let mut sum = 0i128;
        for (index, &count) in self.counts.iter().enumerate() {
            // The running total stays ≤ n ≤ 2^46, so adding one u64 cannot overflow a u128.
            total += u128::from(count);
            if total > u128::from(self.n) {
                return bad(format!("histogram counts exceed n = {}", self.n));
            }
            if let Cell::Bin { bin, low, high } = self.scale.cell(index) {
                let bin_sum = self.bin_sums[bin];
                // A value in the bin quantises to [low − 1, high] (rounding at the edges).
                let count = i128::from(count);
                if bin_sum < count * i128::from(low - 1) || bin_sum > count * i128::from(high) {
                    return bad(format!("bin {bin} has a sum outside its range"));
                }
            }
            sum += self.cell_sum(index);
        }
        if total != u128::from(self.n) {
            return bad(format!(
                "histogram counts add up to {total}, not n = {}",
                self.n
            ));
        }
        if sum != self.sum {
            return bad("the bin sums do not add up to the total".into());
        }
        // Cauchy–Schwarz: n·Σx² ≥ (Σx)²; and every x² ≤ (largest magnitude)².
        let magnitude = self.sum.unsigned_abs();
        if U256::product(u128::from(self.n), self.sum_of_squares)
            < U256::product(magnitude, magnitude)
        {
            return bad("the sum of squares is too small for the sum".into());
        }
        let (low, high) = self.scale.range();
        let largest =
            u128::from(((low.abs().max(high)) * pow2(self.scale.fraction_bits() as i32)) as u64);
        if self.sum_of_squares > u128::from(self.n) * largest * largest {
            return bad("the sum of squares is too large for the range".into());
        }
        let empty_extremes = self.min == f64::INFINITY && self.max == f64::NEG_INFINITY;
        let valid_extremes = low <= self.min && self.min <= self.max && self.max <= high;
        if (self.n == 0 && !empty_extremes) || (self.n > 0 && !valid_extremes) {
            return bad(format!(
                "min {} and max {} are not valid",
                self.min, self.max
            ));
        }
        // Every value lies in [min, max] and quantising is monotone, so the fixed-point sum lies
        // in n × [fp(min), fp(max)] (the summary clamps the mean to [min, max]: a state whose
        // extremes disagree with its sum would move it).
        if self.n > 0 {
            let unit = pow2(self.scale.fraction_bits() as i32);
            let n = i128::from(self.n);
            let (least, most) = (
                i128::from(round_small(self.min * unit)),
                i128::from(round_small(self.max * unit)),
            );
            if self.sum < n * least || self.sum > n * most {
                return bad("the sum lies outside n × [min, max]".into());
            }
        }
        Ok(())
    }
}

/// Many metric accumulators in a fixed order (one per reported metric), merged together.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricBank {
    metrics: Vec<MetricAccumulator>,
}

/// Magic bytes opening a metric bank's shard state.
const METRIC_MAGIC: &[u8; 8] = b"SRSKMETR";
/// Version of the metric bank's byte format. 2: values within 2^-41 of 0 or 1 are counted at
/// the atoms (version 1 put them in the bins beside), so states of the two do not merge.
pub const METRIC_BANK_FORMAT_VERSION: u32 = 2;

impl MetricBank {
    /// A bank of empty accumulators, one per scale, in that order.
    ///
    /// # Panics
    /// If a scale is invalid; use [`MetricBank::try_new`] when scales come from user input.
    pub fn new(scales: &[ValueScale]) -> Self {
        Self::try_new(scales).expect("valid value scales")
    }

    /// A bank of empty accumulators, or an error for an invalid scale.
    pub fn try_new(scales: &[ValueScale]) -> Result<Self, LayoutError> {
        let metrics = scales
            .iter()
            .map(|&scale| MetricAccumulator::try_new(scale))
            .collect::<Result<_, _>>()?;
        Ok(MetricBank { metrics })
    }

    /// Number of metrics.
    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    /// Whether the bank holds no metric.
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    /// The accumulator of metric `index`.
    pub fn metric(&self, index: usize) -> &MetricAccumulator {
        &self.metrics[index]
    }

    /// Adds value `x` to metric `index` (see [`MetricAccumulator::push`]).
    #[inline]
    pub fn push(&mut self, index: usize, x: f64) {
        self.metrics[index].push(x);
    }

    /// Adds every value of `values` to metric `index`: many trials of one metric at once,
    /// which keeps that metric's histogram in cache (see [`SeriesBank::push_all`]).
    ///
    /// [`SeriesBank::push_all`]: super::SeriesBank::push_all
    pub fn push_all(&mut self, index: usize, values: &[f64]) {
        self.metrics[index].push_all(values);
    }

    /// The summary of metric `index`, or `None` if it holds no value.
    pub fn summary(&self, index: usize) -> Option<MetricSummary> {
        self.metrics[index].summary()
    }

    /// Adds `other`'s values to `self`, metric by metric. Checks everything first: on error
    /// `self` is unchanged.
    pub fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        if self.len() != other.len() {
            return Err(MergeError::LayoutMismatch {
                ours: format!("{} metrics", self.len()),
                theirs: format!("{} metrics", other.len()),
            });
        }
        for (index, (ours, theirs)) in self.metrics.iter().zip(&other.metrics).enumerate() {
            ours.check_merge(theirs).map_err(|error| match error {
                MergeError::LayoutMismatch { ours, theirs } => MergeError::LayoutMismatch {
                    ours: format!("metric {index} is a {ours}"),
                    theirs: format!("a {theirs}"),
                },
                other => other,
            })?;
        }
        for (ours, theirs) in self.metrics.iter_mut().zip(&other.metrics) {
            ours.merge_unchecked(theirs);
        }
        Ok(())
    }

    fn encode_layout(&self, writer: &mut Writer) {
        writer.put(METRIC_MAGIC);
        writer.u32(METRIC_BANK_FORMAT_VERSION);
        writer.u32(u32::try_from(self.len()).expect("fewer than 2^32 metrics"));
        for metric in &self.metrics {
            let scale = metric.scale;
            let (tag, max) = match scale {
                ValueScale::Share => (0, 0),
                ValueScale::SignedShare => (1, 0),
                ValueScale::Count { max } => (2, max),
                ValueScale::SignedCount { max } => (3, max),
            };
            writer.u8(tag);
            writer.u32(max);
            writer.u8(scale.fraction_bits() as u8);
            writer.u32(scale.cell_count() as u32);
        }
    }

    /// A hash of the layout (format version, number of metrics, each one's scale, fixed-point
    /// bits and cell count): banks whose fingerprints differ cannot be merged. For manifests;
    /// [`MetricBank::merge`] compares the full layouts.
    pub fn layout_fingerprint(&self) -> u64 {
        let mut writer = Writer::default();
        self.encode_layout(&mut writer);
        super::codec::fnv1a64(writer.bytes())
    }

    /// The state as bytes for a shard file: magic `SRSKMETR`, format version, layout, each
    /// metric's state (little-endian integers, histogram counts run-length encoded over zero
    /// runs), and an FNV-1a checksum. Equal states give identical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut writer = Writer::default();
        self.encode_layout(&mut writer);
        for metric in &self.metrics {
            metric.encode_state(&mut writer);
        }
        writer.finish()
    }

    /// Decodes [`MetricBank::to_bytes`]'s output. Truncated, corrupt or inconsistent input
    /// gives an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = super::codec::open(
            bytes,
            METRIC_MAGIC,
            METRIC_BANK_FORMAT_VERSION,
            "metric bank",
        )?;
        let count = reader.u32()? as usize;
        const LAYOUT_BYTES: usize = 10;
        if count.saturating_mul(LAYOUT_BYTES + MetricAccumulator::MIN_STATE_BYTES)
            > reader.remaining()
        {
            return Err(DecodeError::BadLayout(format!(
                "{count} metrics cannot fit in {} bytes",
                reader.remaining()
            )));
        }
        let mut scales = Vec::with_capacity(count);
        for index in 0..count {
            let tag = reader.u8()?;
            let max = reader.u32()?;
            let bits = reader.u8()?;
            let cells = reader.u32()?;
            let scale = match (tag, max) {
                (0, 0) => ValueScale::Share,
                (1, 0) => ValueScale::SignedShare,
                (2, max) => ValueScale::Count { max },
                (3, max) => ValueScale::SignedCount { max },
                _ => {
                    return Err(DecodeError::BadLayout(format!(
                        "metric {index}: unknown scale tag {tag} with max {max}"
                    )));
                }
            };
            let scale = scale
                .validate()
                .map_err(|e| DecodeError::BadLayout(format!("metric {index}: {e}")))?;
            if u32::from(bits) != scale.fraction_bits() || cells as usize != scale.cell_count() {
                return Err(DecodeError::BadLayout(format!(
                    "metric {index}: a {} with {bits} fraction bits and {cells} cells; this build uses {} and {}",
                    scale.describe(),
                    scale.fraction_bits(),
                    scale.cell_count()
                )));
            }
            scales.push(scale);
        }
        let mut metrics = Vec::with_capacity(count);
        for (index, &scale) in scales.iter().enumerate() {
            let metric =
                MetricAccumulator::decode_state(scale, &mut reader).map_err(
                    |error| match error {
                        DecodeError::Inconsistent(what) => {
                            DecodeError::Inconsistent(format!("metric {index}: {what}"))
                        }
                        other => other,
                    },
                )?;
            metrics.push(metric);
        }
        super::codec::close(&reader)?;
        Ok(MetricBank { metrics })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_have_themselves_as_mean_and_interval() {
        // 0.1 is not a multiple of 2^-40: its fixed-point image is 0.1000000000003638.
        let mut shares = MetricAccumulator::new(ValueScale::Share);
        shares.push_all(&[0.1; 7]);
        let summary = shares.summary().expect("values");
        assert_eq!(summary.mean, 0.1);
        assert_eq!(
            (summary.ci_low, summary.ci_high, summary.sd),
            (0.1, 0.1, 0.0)
        );
        assert_eq!((summary.p5, summary.p50, summary.p95), (0.1, 0.1, 0.1));
        let mut reductions = MetricAccumulator::new(ValueScale::SignedShare);
        reductions.push_all(&[-1.0 / 3.0; 3]);
        assert_eq!(reductions.summary().expect("values").mean, -1.0 / 3.0);
    }

    #[test]
    fn the_confidence_interval_is_spec_s_formula() {
        // 0, 1, …, 9: mean 4.5, sd √(82.5 / 9) = 3.0276504; SPEC 5's half-width
        // 1.959964 · sd / √10 = 1.8765227 (written out, not through `Z_95`).
        let mut months = MetricAccumulator::new(ValueScale::Count { max: 10 });
        months.push_all(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let summary = months.summary().expect("values");
        assert_eq!(summary.mean, 4.5);
        assert!(
            (summary.sd - 3.027_650_354_097_491_7).abs() < 1e-12,
            "{summary:?}"
        );
        assert!(
            (summary.ci_low - 2.623_477_336_173_456_5).abs() < 1e-12,
            "{summary:?}"
        );
        assert!(
            (summary.ci_high - 6.376_522_663_826_543_5).abs() < 1e-12,
            "{summary:?}"
        );
    }

    #[test]
    fn the_confidence_interval_is_the_formula_even_across_the_range_of_values() {
        // SPEC 5's mean ± 1.959964·sd/√n is kept where it leaves the metric's range.
        // Three zeros and 0.001: mean 0.00025, sd 0.0005 (Σ(x − x̄)² = 3·0.00025² + 0.00075²
        // = 7.5e-7, over n − 1 = 3: 2.5e-7), half-width 1.959964 · 0.0005 / 2 = 0.000489991:
        // the interval is [−0.000239991, 0.000739991], below 0 for a share.
        let mut shares = MetricAccumulator::new(ValueScale::Share);
        shares.push_all(&[0.0, 0.0, 0.0, 0.001]);
        let summary = shares.summary().expect("values");
        assert!((summary.mean - 0.000_25).abs() < 1e-12, "{summary:?}");
        assert!((summary.sd - 0.0005).abs() < 1e-12, "{summary:?}");
        assert!(
            (summary.ci_low - -0.000_239_991).abs() < 1e-12,
            "{summary:?}"
        );
        assert!(
            (summary.ci_high - 0.000_739_991).abs() < 1e-12,
            "{summary:?}"
        );
        // Above the top of a reduction's range: 1, 1, 0.9 have mean 0.966667 and sd
        // 0.057735 (√(1/300)), half-width 1.959964 · 0.057735 / √3 = 0.065332: [0.901335, 1.031999].
        let mut reductions = MetricAccumulator::new(ValueScale::SignedShare);
        reductions.push_all(&[1.0, 1.0, 0.9]);
        let summary = reductions.summary().expect("values");
        assert!((summary.ci_high - 1.031_999).abs() < 1e-6, "{summary:?}");
        assert!((summary.ci_low - 0.901_334_5).abs() < 1e-6, "{summary:?}");
        // And below 0 for a count: 0, 0, 0, 0, 12 have mean 2.4 and sd √28.8 = 5.366563,
        // half-width 1.959964 · 5.366563 / √5 = 4.703914.
        let mut months = MetricAccumulator::new(ValueScale::Count { max: 12 });
        months.push_all(&[0.0, 0.0, 0.0, 0.0, 12.0]);
        let summary = months.summary().expect("values");
        assert!((summary.mean - 2.4).abs() < 1e-12, "{summary:?}");
        assert!((summary.ci_low - -2.303_914).abs() < 1e-6, "{summary:?}");
        assert!((summary.ci_high - 7.103_914).abs() < 1e-6, "{summary:?}");
    }

    #[test]
    fn nearest_rank_is_the_ceiling() {
        assert_eq!(nearest_rank(1, 5), 1);
        assert_eq!(nearest_rank(1, 95), 1);
        assert_eq!(nearest_rank(20, 5), 1);
        assert_eq!(nearest_rank(21, 5), 2);
        assert_eq!(nearest_rank(100, 50), 50);
        assert_eq!(nearest_rank(101, 50), 51);
        assert_eq!(nearest_rank(1_000_000_000_000, 95), 950_000_000_000);
        assert_eq!(
            nearest_rank(u64::MAX, 95),
            (u128::from(u64::MAX) * 95).div_ceil(100) as u64
        );
    }

    #[test]
    fn empty_accumulator_has_no_summary() {
        assert_eq!(MetricAccumulator::new(ValueScale::Share).summary(), None);
    }

    #[test]
    fn single_value_summary() {
        let mut metric = MetricAccumulator::new(ValueScale::Share);
        metric.push(0.3);
        let summary = metric.summary().expect("one value");
        assert_eq!(summary.n, 1);
        assert!((summary.mean - 0.3).abs() <= 2f64.powi(-41));
        assert_eq!(summary.sd, 0.0);
        assert_eq!(
            (summary.ci_low, summary.ci_high),
            (summary.mean, summary.mean)
        );
        // Readouts are clamped to [min, max] = [0.3, 0.3]: exact.
        assert_eq!(
            (summary.p5, summary.p50, summary.p95, summary.cvar95),
            (0.3, 0.3, 0.3, 0.3)
        );
        assert_eq!(summary.p_positive, 1.0);
    }

    #[test]
    fn hand_computed_counts() {
        // Values 0..=9: mean 4.5, sd² = Σ(x−4.5)²/9 = 82.5/9, p5 = 1st = 0, p50 = 5th = 4,
        // p95 = 10th = 9, cvar95 = top ⌈0.5⌉ = 1 value = 9, p_positive = 9/10.
        let mut metric = MetricAccumulator::new(ValueScale::Count { max: 12 });
        for x in (0..10).rev() {
            metric.push(f64::from(x));
        }
        let s = metric.summary().expect("values");
        assert_eq!(s.mean, 4.5);
        assert!((s.sd - (82.5f64 / 9.0).sqrt()).abs() < 1e-15);
        assert_eq!(
            (s.p5, s.p50, s.p95, s.cvar95, s.p_positive),
            (0.0, 4.0, 9.0, 9.0, 0.9)
        );
        // 1.959964 · √(82.5/9) / √10 = 1.876522: the interval is [2.623478, 6.376522].
        assert!((s.ci_low - 2.623_478).abs() < 1e-6, "{s:?}");
        assert!((s.ci_high - 6.376_522).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn merge_refuses_other_layouts_and_leaves_self_unchanged() {
        let mut ours = MetricBank::new(&[ValueScale::Share, ValueScale::Count { max: 3 }]);
        ours.push(0, 0.5);
        let before = ours.clone();
        let theirs = MetricBank::new(&[ValueScale::Share, ValueScale::Count { max: 4 }]);
        let error = ours.merge(&theirs).expect_err("layouts differ");
        assert_eq!(
            error.to_string(),
            "statistics layouts differ: metric 1 is a count 0..=3 here, a count 0..=4 in the state being merged"
        );
        assert_eq!(ours, before);
        assert!(matches!(
            ours.merge(&MetricBank::new(&[ValueScale::Share])),
            Err(MergeError::LayoutMismatch { .. })
        ));
        assert_ne!(ours.layout_fingerprint(), theirs.layout_fingerprint());
        assert_eq!(
            ours.layout_fingerprint(),
            MetricBank::new(&[ValueScale::Share, ValueScale::Count { max: 3 }])
                .layout_fingerprint()
        );
    }

    #[test]
    fn merge_refuses_too_many_values() {
        let mut ours = MetricAccumulator::new(ValueScale::Count { max: 1 });
        ours.n = MAX_VALUES;
        ours.counts[0] = MAX_VALUES;
        let mut theirs = MetricAccumulator::new(ValueScale::Count { max: 1 });
        theirs.push(1.0);
        assert_eq!(
            ours.merge(&theirs),
            Err(MergeError::TooManyValues {
                total: u128::from(MAX_VALUES) + 1,
                limit: MAX_VALUES
            })
        );
    }

    #[test]
    fn cells_are_the_exact_histogram() {
        let mut metric = MetricAccumulator::new(ValueScale::Share);
        metric.push_all(&[0.0, 0.0, 1.0, 0.25, 0.2501, 0.9999]);
        assert_eq!(metric.range(), Some((0.0, 1.0)));
        let cells: Vec<CellCount> = metric.cells().collect();
        assert_eq!(cells.len(), ValueScale::Share.cell_count());
        assert_eq!(
            cells[0],
            CellCount::Exact {
                value: 0.0,
                count: 2
            }
        );
        assert_eq!(
            cells[cells.len() - 1],
            CellCount::Exact {
                value: 1.0,
                count: 1
            }
        );
        // 0.25 and 0.2501 share bin 512 = [0.25, 0.25 + 1/2048).
        assert_eq!(
            cells[513],
            CellCount::Bin {
                bin: 512,
                low: 0.25,
                high: 0.25 + 1.0 / 2048.0,
                count: 2,
            }
        );
        let total: u64 = cells
            .iter()
            .map(|c| match c {
                CellCount::Exact { count, .. } | CellCount::Bin { count, .. } => *count,
            })
            .sum();
        assert_eq!(total, 6);
        assert_eq!(MetricAccumulator::new(ValueScale::Share).range(), None);

        let mut signed = MetricAccumulator::new(ValueScale::SignedShare);
        signed.push_all(&[-1.0, 0.0, 0.5]);
        let occupied: Vec<CellCount> = signed
            .cells()
            .filter(|c| !matches!(c, CellCount::Bin { count: 0, .. }))
            .collect();
        assert_eq!(
            occupied,
            vec![
                CellCount::Bin {
                    bin: 0,
                    low: -1.0,
                    high: -1.0 + 1.0 / 2048.0,
                    count: 1,
                },
                CellCount::Exact {
                    value: 0.0,
                    count: 1
                },
                CellCount::Bin {
                    bin: 3072,
                    low: 0.5,
                    high: 0.5 + 1.0 / 2048.0,
                    count: 1,
                },
            ]
        );
        // Float noise around 0 (0 in fixed point, within 2^-41) is counted at the atom, and is
        // neither the minimum nor the maximum; 1e-12 is not noise at this resolution.
        let mut noise = MetricAccumulator::new(ValueScale::SignedShare);
        noise.push_all(&[1e-14, -1e-14, 4e-13, 0.3, 1e-12]);
        let occupied: Vec<(Option<usize>, u64)> = noise
            .cells()
            .filter_map(|c| match c {
                CellCount::Exact { value, count } if count > 0 => {
                    assert_eq!(value, 0.0);
                    Some((None, count))
                }
                CellCount::Bin { bin, count, .. } if count > 0 => Some((Some(bin), count)),
                _ => None,
            })
            .collect();
        assert_eq!(occupied, vec![(None, 3), (Some(2048), 1), (Some(2662), 1)]);
        assert_eq!(noise.range(), Some((0.0, 0.3)));
    }

    #[test]
    fn invalid_scale_is_an_error() {
        assert!(MetricBank::try_new(&[ValueScale::Count { max: u32::MAX }]).is_err());
    }
}

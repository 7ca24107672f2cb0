//! The layout of one metric's values: range, fixed-point quantisation and histogram cells.
//!
//! Every accumulator stores values as exact integers so that merging is exactly associative
//! and commutative (integer addition): shares are quantised to fixed point with 40 fractional
//! bits, counts are kept as integers. The histogram is a fixed list of *cells* in ascending
//! value order: equal-width bins plus "atoms" (single values counted apart and read back
//! exactly, such as a share of exactly 0 or 1).

use super::error::LayoutError;
use super::wide::pow2;

/// Fractional bits of the fixed-point representation of shares: a share `x` is stored as the
/// integer `round(x · 2^40)` (ties to even), an error of at most 2^-41 ≈ 4.5e-13.
pub const SHARE_FRACTION_BITS: u32 = 40;

/// Number of equal bins over [0, 1] for a [`ValueScale::Share`] metric (width 2^-11 ≈ 0.000488).
pub const SHARE_BINS: usize = 2048;

/// Number of equal bins over [-1, 1] for a [`ValueScale::SignedShare`] metric (same width as
/// [`SHARE_BINS`]).
pub const SIGNED_SHARE_BINS: usize = 4096;

/// Largest `max` of a [`ValueScale::Count`] or [`ValueScale::SignedCount`]: one histogram cell
/// per integer, so this bounds memory (2^16 months is over 5000 years of horizon).
pub const MAX_COUNT: u32 = 1 << 16;

/// Values this far outside a scale's range are a caller bug (checked by `debug_assert!`);
/// anything closer is float rounding and is clamped silently.
pub const RANGE_TOLERANCE: f64 = 1e-6;

/// A value counts as positive (for `p_positive`) when it exceeds this (SPEC section 5).
pub const POSITIVE_THRESHOLD: f64 = 1e-9;

/// Fixed-point units per share bin: 2^40 / 2048 = 2^29.
const SHARE_BIN_FP: i64 = 1 << (SHARE_FRACTION_BITS - 11);
/// One share, in fixed-point units.
const SHARE_ONE_FP: i64 = 1 << SHARE_FRACTION_BITS;

/// The layout of one metric's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueScale {
    /// Values in [0, 1] (shares of demand): fixed point 2^40, 2048 equal bins, atoms at 0 and 1.
    Share,
    /// Values in [-1, 1] (paired reductions of shares): fixed point 2^40, 4096 equal bins,
    /// an atom at 0.
    SignedShare,
    /// Integers `0..=max` (months of shortage, a 0/1 indicator): exact, one cell per integer.
    Count {
        /// The largest value (at most [`MAX_COUNT`]).
        max: u32,
    },
    /// Integers `-max..=max` (paired reductions of counts): exact, one cell per integer.
    SignedCount {
        /// The largest magnitude (at most [`MAX_COUNT`]).
        max: u32,
    },
}

/// What one histogram cell holds, in fixed-point units of its scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Every value in the cell equals this one (an atom, or an integer of a count scale).
    Exact(i64),
    /// Bin `bin` of the scale's equal bins, covering fixed-point values `[low, high]`.
    Bin {
        /// Index into the per-bin sums.
        bin: usize,
        /// Lower edge (inclusive), fixed point.
        low: i64,
        /// Upper edge, fixed point.
        high: i64,
    },
}

/// Rounds to the nearest integer, ties to even, for |y| < 2^51.
///
/// Adding and subtracting 1.5·2^52 forces the hardware's round-to-nearest-even at the unit
/// place (the "magic number" rounding trick): two additions instead of a libm call, and the
/// same bits as `f64::round_ties_even` on that range (checked in a test).
#[inline]
pub(crate) fn round_small(y: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    debug_assert!(y.abs() < (1u64 << 51) as f64);
    ((y + MAGIC) - MAGIC) as i64
}

/// Clamps a share into [0, 1]: float noise silently, anything far outside (a caller bug)
/// with a `debug_assert!` first. NaN and -0.0 become +0.0.
#[inline]
pub(crate) fn clamp_share(x: f64) -> f64 {
    debug_assert!(
        (-RANGE_TOLERANCE..=1.0 + RANGE_TOLERANCE).contains(&x),
        "{x} is not a share"
    );
    // `x > 0.0` is false for NaN and -0.0, both mapped to +0.0.
    if x > 0.0 { x.min(1.0) } else { 0.0 }
}

/// The fixed-point integer `round(share · 2^40)` of a share in [-1, 1].
#[inline]
pub(crate) fn share_fixed_point(share: f64) -> i64 {
    round_small(share * SHARE_ONE_FP as f64)
}

/// A share in [0, 1] whose fixed-point image (`fixed_point`) is that of 0 or 1, as exactly 0
/// or 1: within 2^-41 of them, which only float noise is (a share computed as 1 − 1e-16, a
/// paired difference of 1e-17). Values are held in fixed point, so this moves nothing but
/// the histogram cell (the atom instead of the bin beside it) and the minimum or maximum.
#[inline]
pub(crate) fn snap_share(share: f64, fixed_point: i64) -> f64 {
    if fixed_point == 0 {
        0.0
    } else if fixed_point == SHARE_ONE_FP {
        1.0
    } else {
        share
    }
}

impl ValueScale {
    /// Checks the layout is one this module can hold (a count's `max` at most [`MAX_COUNT`]).
    pub fn validate(self) -> Result<Self, LayoutError> {
        match self {
            ValueScale::Count { max } | ValueScale::SignedCount { max } if max > MAX_COUNT => {
                Err(LayoutError::CountTooLarge {
                    max,
                    limit: MAX_COUNT,
                })
            }
            _ => Ok(self),
        }
    }

    /// The closed range of values, `(low, high)`.
    pub fn range(self) -> (f64, f64) {
        match self {
            ValueScale::Share => (0.0, 1.0),
            ValueScale::SignedShare => (-1.0, 1.0),
            ValueScale::Count { max } => (0.0, f64::from(max)),
            ValueScale::SignedCount { max } => (-f64::from(max), f64::from(max)),
        }
    }

    /// Fractional bits of the fixed-point integers (40 for shares, 0 for counts).
    pub fn fraction_bits(self) -> u32 {
        match self {
            ValueScale::Share | ValueScale::SignedShare => SHARE_FRACTION_BITS,
            ValueScale::Count { .. } | ValueScale::SignedCount { .. } => 0,
        }
    }

    /// Width of one histogram bin: the bound on a quantile's readout error (0 for counts,
    /// whose quantiles are exact).
    pub fn bin_width(self) -> f64 {
        match self {
            ValueScale::Share | ValueScale::SignedShare => 1.0 / SHARE_BINS as f64,
            ValueScale::Count { .. } | ValueScale::SignedCount { .. } => 0.0,
        }
    }

    /// Number of histogram cells (bins plus atoms).
    pub fn cell_count(self) -> usize {
        match self {
            ValueScale::Share => SHARE_BINS + 2,
            ValueScale::SignedShare => SIGNED_SHARE_BINS + 1,
            ValueScale::Count { max } => max as usize + 1,
            ValueScale::SignedCount { max } => 2 * max as usize + 1,
        }
    }

    /// Number of bins that carry a fixed-point sum (0 for counts, whose cells are exact).
    pub fn bin_count(self) -> usize {
        match self {
            ValueScale::Share => SHARE_BINS,
            ValueScale::SignedShare => SIGNED_SHARE_BINS,
            ValueScale::Count { .. } | ValueScale::SignedCount { .. } => 0,
        }
    }

    /// A short stable name, used in layout descriptions and error messages.
    pub fn describe(self) -> String {
        match self {
            ValueScale::Share => "share".to_owned(),
            ValueScale::SignedShare => "signed share".to_owned(),
            ValueScale::Count { max } => format!("count 0..={max}"),
            ValueScale::SignedCount { max } => format!("signed count -{max}..={max}"),
        }
    }

    /// The fixed-point integer of `value` at this scale, as `f64`.
    pub(crate) fn to_value(self, fixed_point: i64) -> f64 {
        fixed_point as f64 * pow2(-(self.fraction_bits() as i32))
    }

    /// What cell `index` holds (`index < cell_count()`).
    pub(crate) fn cell(self, index: usize) -> Cell {
        let share_bin = |bin: usize, origin: i64| {
            let low = origin + bin as i64 * SHARE_BIN_FP;
            Cell::Bin {
                bin,
                low,
                high: low + SHARE_BIN_FP,
            }
        };
        match self {
            ValueScale::Share => match index {
                0 => Cell::Exact(0),
                i if i == SHARE_BINS + 1 => Cell::Exact(SHARE_ONE_FP),
                i => share_bin(i - 1, 0),
            },
            ValueScale::SignedShare => {
                const ZERO_ATOM: usize = SIGNED_SHARE_BINS / 2;
                match index {
                    ZERO_ATOM => Cell::Exact(0),
                    i if i < ZERO_ATOM => share_bin(i, -SHARE_ONE_FP),
                    i => share_bin(i - 1, -SHARE_ONE_FP),
                }
            }
            ValueScale::Count { .. } => Cell::Exact(index as i64),
            ValueScale::SignedCount { max } => Cell::Exact(index as i64 - i64::from(max)),
        }
    }
}

/// One pushed value, resolved once for the accumulators.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placed {
    /// The value after clamping (counts: rounded to their integer), as stored in min / max.
    pub value: f64,
    /// Its fixed-point integer.
    pub fixed_point: i64,
    /// Its histogram cell.
    pub cell: usize,
    /// The bin whose sum it joins, if its cell is a bin.
    pub bin: Option<usize>,
}

impl ValueScale {
    /// Clamps, quantises and bins one value (the hot path of every push).
    ///
    /// Bins are chosen from the clamped value itself, not from its fixed-point image:
    /// `x · 2048` is exact in binary floating point, so a value always lies inside its bin,
    /// which is what bounds a quantile readout's error by one bin width.
    #[inline]
    pub(crate) fn place(self, x: f64) -> Placed {
        match self {
            ValueScale::Share => {
                let clamped = clamp_share(x);
                let fixed_point = share_fixed_point(clamped);
                let value = snap_share(clamped, fixed_point);
                let (cell, bin) = if value == 0.0 {
                    (0, None)
                } else if value == 1.0 {
                    (SHARE_BINS + 1, None)
                } else {
                    let bin = ((value * SHARE_BINS as f64) as usize).min(SHARE_BINS - 1);
                    (bin + 1, Some(bin))
                };
                Placed {
                    value,
                    fixed_point,
                    cell,
                    bin,
                }
            }
            ValueScale::SignedShare => {
                debug_assert!(
                    (-1.0 - RANGE_TOLERANCE..=1.0 + RANGE_TOLERANCE).contains(&x),
                    "{x} is not a signed share"
                );
                // Adding +0.0 turns -0.0 into +0.0, so min / max never depend on its sign.
                let value = if x.is_nan() {
                    0.0
                } else {
                    x.clamp(-1.0, 1.0) + 0.0
                };
                let fixed_point = round_small(value * SHARE_ONE_FP as f64);
                // Float noise around 0 (a paired difference of two equal shares computed along
                // different paths, ~1e-16) is 0 in fixed point: counted as exactly 0.
                let value = if fixed_point == 0 { 0.0 } else { value };
                let (cell, bin) = if value == 0.0 {
                    (SIGNED_SHARE_BINS / 2, None)
                } else {
                    let scaled = value * (SIGNED_SHARE_BINS / 2) as f64; // exact
                    let truncated = scaled as i64;
                    let floor = truncated - i64::from((truncated as f64) > scaled);
                    let bin = (floor + (SIGNED_SHARE_BINS / 2) as i64)
                        .clamp(0, SIGNED_SHARE_BINS as i64 - 1)
                        as usize;
                    let cell = if bin < SIGNED_SHARE_BINS / 2 {
                        bin
                    } else {
                        bin + 1
                    };
                    (cell, Some(bin))
                };
                Placed {
                    value,
                    fixed_point,
                    cell,
                    bin,
                }
            }
            ValueScale::Count { max } => {
                debug_assert!(
                    (-RANGE_TOLERANCE..=f64::from(max) + RANGE_TOLERANCE).contains(&x)
                        && (x - x.round()).abs() <= RANGE_TOLERANCE,
                    "{x} is not an integer in 0..={max}"
                );
                let clamped = if x > 0.0 { x.min(f64::from(max)) } else { 0.0 };
                let fixed_point = round_small(clamped);
                Placed {
                    value: fixed_point as f64,
                    fixed_point,
                    cell: fixed_point as usize,
                    bin: None,
                }
            }
            ValueScale::SignedCount { max } => {
                let limit = f64::from(max);
                debug_assert!(
                    (-limit - RANGE_TOLERANCE..=limit + RANGE_TOLERANCE).contains(&x)
                        && (x - x.round()).abs() <= RANGE_TOLERANCE,
                    "{x} is not an integer in -{max}..={max}"
                );
                let clamped = if x.is_nan() {
                    0.0
                } else {
                    x.clamp(-limit, limit)
                };
                let fixed_point = round_small(clamped);
                Placed {
                    value: fixed_point as f64,
                    fixed_point,
                    cell: (fixed_point + i64::from(max)) as usize,
                    bin: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_small_matches_round_ties_even() {
        let samples = [
            0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            0.49999999999999994,
            1e-300,
            123456.5,
            (1u64 << 50) as f64 + 0.5,
            -((1u64 << 50) as f64) - 0.5,
            0.3 * 2f64.powi(40),
        ];
        for y in samples {
            assert_eq!(round_small(y), y.round_ties_even() as i64, "y = {y}");
        }
    }

    #[test]
    fn share_cells_are_ordered_and_cover_the_range() {
        let scale = ValueScale::Share;
        assert_eq!(scale.place(0.0).cell, 0);
        assert_eq!(scale.place(-1e-12).cell, 0);
        assert_eq!(scale.place(-0.0).value.to_bits(), 0.0f64.to_bits());
        assert_eq!(scale.place(1.0).cell, SHARE_BINS + 1);
        assert_eq!(scale.place(1.0 + 1e-12).cell, SHARE_BINS + 1);
        assert_eq!(scale.place(f64::MIN_POSITIVE).cell, 0);
        // Within 2^-41 of 0 or 1 a share is 0 or 1 in fixed point: counted at the atom.
        assert_eq!(scale.place(1.0 - f64::EPSILON).cell, SHARE_BINS + 1);
        assert_eq!(scale.place(1.0 - f64::EPSILON).value, 1.0);
        assert_eq!(scale.place(4e-13).cell, 0);
        assert_eq!(scale.place(4e-13).value, 0.0);
        assert_eq!(scale.place(1e-12).cell, 1);
        assert_eq!(scale.place(1.0 - 1e-12).cell, SHARE_BINS);
        // A value on a bin edge opens that bin.
        let edge = scale.place(5.0 / 2048.0);
        assert_eq!((edge.cell, edge.bin), (6, Some(5)));
        assert_eq!(scale.place(5.0 / 2048.0 - 1e-15).bin, Some(4));
        // Every value lies within its cell's fixed-point range (up to the quantisation).
        for i in 0..=10_000 {
            let x = f64::from(i) / 10_000.0;
            let placed = scale.place(x);
            match scale.cell(placed.cell) {
                Cell::Exact(v) => assert_eq!(scale.to_value(v), x),
                Cell::Bin { bin, low, high } => {
                    assert_eq!(Some(bin), placed.bin);
                    assert!(
                        scale.to_value(low) <= x && x < scale.to_value(high),
                        "x = {x}"
                    );
                }
            }
        }
    }

    #[test]
    fn signed_share_cells_put_the_zero_atom_between_the_signs() {
        let scale = ValueScale::SignedShare;
        let atom = SIGNED_SHARE_BINS / 2;
        assert_eq!(scale.place(0.0).cell, atom);
        assert_eq!(scale.place(-0.0).cell, atom);
        // Float noise is 0 in fixed point (within 2^-41): counted at the atom, as 0.
        assert_eq!(scale.place(-1e-300).cell, atom);
        assert_eq!(scale.place(1e-16).cell, atom);
        assert_eq!(scale.place(-4e-13).value.to_bits(), 0.0f64.to_bits());
        assert_eq!(scale.place(-1e-12).cell, atom - 1);
        assert_eq!(scale.place(1e-12).cell, atom + 1);
        assert_eq!(scale.place(-1.0).cell, 0);
        assert_eq!(scale.place(1.0).cell, SIGNED_SHARE_BINS);
        assert_eq!(scale.place(-1.0 - 1e-12).cell, 0);
        let mut previous = 0;
        for i in -10_000..=10_000 {
            let x = f64::from(i) / 10_000.0;
            let placed = scale.place(x);
            assert!(placed.cell >= previous, "cells must rise with the value");
            previous = placed.cell;
            if let Cell::Bin { low, high, .. } = scale.cell(placed.cell) {
                let within_top = x < scale.to_value(high) || x == 1.0;
                assert!(scale.to_value(low) <= x && within_top, "x = {x}");
            }
        }
    }

    #[test]
    fn counts_are_exact_integers() {
        let scale = ValueScale::SignedCount { max: 3 };
        assert_eq!(scale.place(-3.0).cell, 0);
        assert_eq!(scale.place(0.0).cell, 3);
        assert_eq!(scale.place(2.0).fixed_point, 2);
        assert_eq!(scale.cell(6), Cell::Exact(3));
        let count = ValueScale::Count { max: 120 };
        assert_eq!(count.place(17.0).cell, 17);
        assert_eq!(count.place(120.0 + 1e-9).fixed_point, 120);
        assert_eq!(count.cell_count(), 121);
    }

    #[test]
    fn validate_refuses_huge_counts() {
        assert!(ValueScale::Count { max: MAX_COUNT }.validate().is_ok());
        assert_eq!(
            ValueScale::SignedCount { max: MAX_COUNT + 1 }.validate(),
            Err(LayoutError::CountTooLarge {
                max: MAX_COUNT + 1,
                limit: MAX_COUNT
            })
        );
    }
}

#[cfg(test)]
mod caller_bugs {
    use super::*;

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "is not a share")]
    fn a_share_far_outside_the_range_is_caught_in_debug_builds() {
        ValueScale::Share.place(1.01);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "is not an integer")]
    fn a_fractional_count_is_caught_in_debug_builds() {
        ValueScale::Count { max: 10 }.place(2.5);
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn release_builds_clamp_bad_values_into_range() {
        assert_eq!(ValueScale::Share.place(f64::NAN).value, 0.0);
        assert_eq!(ValueScale::Share.place(7.0).cell, SHARE_BINS + 1);
        assert_eq!(
            ValueScale::SignedShare.place(f64::NAN).cell,
            SIGNED_SHARE_BINS / 2
        );
        assert_eq!(ValueScale::Count { max: 10 }.place(-3.0).fixed_point, 0);
        assert_eq!(
            ValueScale::SignedCount { max: 10 }
                .place(f64::INFINITY)
                .fixed_point,
            10
        );
    }
}

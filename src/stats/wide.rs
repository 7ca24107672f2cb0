//! Wide exact integer arithmetic and correctly rounded integer-to-float conversions.
//!
//! The accumulators keep exact integers; summaries need `n·Σx² − (Σx)²` (up to ~172 bits) and
//! ratios such as `Σx / n` turned into `f64` with a single rounding. Rust's `as f64` casts from
//! integers already round to nearest, ties to even (IEEE 754 roundTiesToEven); the helpers here
//! extend that to 256-bit values and to quotients by the classic "sticky bit" technique: keep
//! at least 64 significant bits and OR any discarded remainder into the lowest bit, so the final
//! 53-bit rounding sees the exact value's side of every tie (Goldberg 1991, "What every computer
//! scientist should know about floating-point arithmetic", guard/round/sticky bits).

/// An unsigned 256-bit integer as two 128-bit halves (`hi·2^128 + lo`).
///
/// Field order makes the derived `Ord` the numeric order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct U256 {
    hi: u128,
    lo: u128,
}

const LOW_64: u128 = (1u128 << 64) - 1;

impl U256 {
    /// The exact product of two 128-bit integers (schoolbook multiplication on 64-bit limbs).
    pub(crate) fn product(a: u128, b: u128) -> U256 {
        let (a1, a0) = (a >> 64, a & LOW_64);
        let (b1, b0) = (b >> 64, b & LOW_64);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        // Each term is below 2^64, so the middle column cannot overflow 128 bits.
        let middle = (p00 >> 64) + (p01 & LOW_64) + (p10 & LOW_64);
        let lo = (p00 & LOW_64) | ((middle & LOW_64) << 64);
        let hi = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
        U256 { hi, lo }
    }

    /// `self − other`, or zero when `other > self`.
    pub(crate) fn saturating_sub(self, other: U256) -> U256 {
        if other >= self {
            return U256 { hi: 0, lo: 0 };
        }
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        let hi = self.hi - other.hi - u128::from(borrow);
        U256 { hi, lo }
    }

    /// The nearest `f64` (ties to even), by the sticky-bit technique.
    pub(crate) fn to_f64(self) -> f64 {
        if self.hi == 0 {
            return self.lo as f64;
        }
        // Shift right so the value fits in 128 bits with its top bit at position 127; every
        // discarded bit lies far below the 53-bit rounding point, so one sticky bit suffices.
        let shift = 128 - self.hi.leading_zeros();
        let (top, discarded_nonzero) = if shift == 128 {
            (self.hi, self.lo != 0)
        } else {
            let top = (self.hi << (128 - shift)) | (self.lo >> shift);
            (top, self.lo & ((1u128 << shift) - 1) != 0)
        };
        let top = top | u128::from(discarded_nonzero);
        (top as f64) * pow2(shift as i32)
    }
}

/// `2^exponent` as an exact `f64`, for exponents in the normal range.
pub(crate) fn pow2(exponent: i32) -> f64 {
    debug_assert!(
        (-1022..=1023).contains(&exponent),
        "2^{exponent} is not a normal f64"
    );
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// `numerator / denominator · 2^exponent`, correctly rounded to the nearest `f64`.
///
/// The numerator is first shifted so its top bit sits at position 127; the integer quotient by
/// a denominator below 2^64 then has at least 64 significant bits, and the remainder becomes
/// the sticky bit. Scaling by a power of two afterwards is exact (results stay normal).
pub(crate) fn ratio_to_f64(numerator: u128, denominator: u64, exponent: i32) -> f64 {
    assert!(denominator > 0, "ratio_to_f64 needs a positive denominator");
    if numerator == 0 {
        return 0.0;
    }
    let shift = numerator.leading_zeros();
    let shifted = numerator << shift;
    let denominator = u128::from(denominator);
    let quotient = shifted / denominator;
    let remainder = shifted % denominator;
    let quotient = quotient | u128::from(remainder != 0);
    (quotient as f64) * pow2(exponent - shift as i32)
}

/// `numerator / denominator · 2^exponent` for a signed numerator, correctly rounded.
pub(crate) fn signed_ratio_to_f64(numerator: i128, denominator: u64, exponent: i32) -> f64 {
    let magnitude = ratio_to_f64(numerator.unsigned_abs(), denominator, exponent);
    if numerator < 0 { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_matches_u128_when_it_fits() {
        let cases = [
            (0u128, 5u128),
            (1, 1),
            (u64::MAX as u128, u64::MAX as u128),
            (12345, 678910),
        ];
        for (a, b) in cases {
            let p = U256::product(a, b);
            assert_eq!(p.hi, 0);
            assert_eq!(p.lo, a * b);
        }
    }

    #[test]
    fn product_of_large_values_is_exact() {
        // (2^128 − 1)^2 = 2^256 − 2^129 + 1: hi = 2^128 − 2, lo = 1.
        let p = U256::product(u128::MAX, u128::MAX);
        assert_eq!(p.hi, u128::MAX - 1);
        assert_eq!(p.lo, 1);
        // 2^100 · 2^100 = 2^200: hi = 2^72.
        let p = U256::product(1 << 100, 1 << 100);
        assert_eq!((p.hi, p.lo), (1 << 72, 0));
        // (2^64 + 3)(2^64 + 5) = 2^128 + 8·2^64 + 15.
        let p = U256::product((1 << 64) + 3, (1 << 64) + 5);
        assert_eq!((p.hi, p.lo), (1, (8u128 << 64) + 15));
    }

    #[test]
    fn subtraction_borrows_across_halves_and_saturates() {
        let a = U256 { hi: 1, lo: 0 };
        let b = U256 { hi: 0, lo: 1 };
        assert_eq!(
            a.saturating_sub(b),
            U256 {
                hi: 0,
                lo: u128::MAX
            }
        );
        assert_eq!(b.saturating_sub(a), U256 { hi: 0, lo: 0 });
        assert_eq!(a.saturating_sub(a), U256 { hi: 0, lo: 0 });
    }

    #[test]
    fn to_f64_rounds_to_nearest_even() {
        // 2^200 + 2^147 is exactly halfway between 2^200 and 2^200 + 2^148 (one ulp at 2^200):
        // ties go to the even mantissa, i.e. down to 2^200.
        let halfway = U256 {
            hi: (1 << 72) + (1 << 19),
            lo: 0,
        };
        assert_eq!(halfway.to_f64(), 2f64.powi(200));
        // One unit more than halfway (set in the low half, so only the sticky bit sees it)
        // must round up.
        let above = U256 {
            hi: (1 << 72) + (1 << 19),
            lo: 1,
        };
        assert_eq!(above.to_f64(), 2f64.powi(200) + 2f64.powi(148));
        // Top bit of hi set: the shift == 128 branch.
        let top = U256 {
            hi: 1 << 127,
            lo: 0,
        };
        assert_eq!(top.to_f64(), 2f64.powi(255));
        assert_eq!(U256 { hi: 0, lo: 12345 }.to_f64(), 12345.0);
    }

    #[test]
    fn ratio_is_correctly_rounded() {
        assert_eq!(ratio_to_f64(1, 3, 0), 1.0 / 3.0);
        assert_eq!(ratio_to_f64(2, 3, 0), 2.0 / 3.0);
        assert_eq!(ratio_to_f64(10, 4, 0), 2.5);
        assert_eq!(ratio_to_f64(1 << 40, 1, -40), 1.0);
        assert_eq!(ratio_to_f64(7, 1_000_000_000_000, 0), 7e-12);
        // A numerator far beyond f64's exact range: (2^100 + 1)/1 rounds to 2^100.
        assert_eq!(ratio_to_f64((1 << 100) + 1, 1, 0), 2f64.powi(100));
        assert_eq!(signed_ratio_to_f64(-3, 4, 0), -0.75);
        assert_eq!(signed_ratio_to_f64(0, 4, 0), 0.0);
        assert!(signed_ratio_to_f64(0, 4, 0).is_sign_positive());
    }

    #[test]
    fn ratio_matches_f64_division_when_both_operands_are_exact() {
        // When numerator and denominator are exact in f64, IEEE division is correctly rounded,
        // so both must agree bit for bit.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let numerator = state >> 12; // 52 bits
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let denominator = (state >> 20).max(1); // 44 bits
            assert_eq!(
                ratio_to_f64(u128::from(numerator), denominator, 0),
                numerator as f64 / denominator as f64
            );
        }
    }
}

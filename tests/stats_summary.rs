//! Summaries of the streaming accumulators against brute force on the raw values: sort for
//! nearest-rank quantiles and the top-k mean, two-pass mean and sd of the quantised values.

use proptest::prelude::*;
use supplyrisk::stats::{MetricAccumulator, MetricSummary, SERIES_BINS, SeriesBank, ValueScale};

/// What the summary should be, computed the slow obvious way from every value.
struct BruteForce {
    n: usize,
    mean: f64,
    sd: f64,
    p5: f64,
    p50: f64,
    p95: f64,
    cvar95: f64,
    p_positive: f64,
}

/// ⌈percent · n / 100⌉ by integers, SPEC's nearest rank.
fn rank(n: usize, percent: usize) -> usize {
    (n * percent).div_ceil(100)
}

fn clamp_into(scale: ValueScale, x: f64) -> f64 {
    let (low, high) = scale.range();
    let clamped = x.max(low).min(high) + 0.0;
    match scale {
        ValueScale::Count { .. } | ValueScale::SignedCount { .. } => clamped.round(),
        _ => clamped,
    }
}

fn brute_force(scale: ValueScale, values: &[f64]) -> BruteForce {
    let n = values.len();
    let mut sorted: Vec<f64> = values.iter().map(|&x| clamp_into(scale, x)).collect();
    sorted.sort_by(f64::total_cmp);
    let unit = 2f64.powi(scale.fraction_bits() as i32);
    // The accumulators keep round(x · 2^bits); mean and sd are those of the quantised values.
    let quantised: Vec<i128> = sorted
        .iter()
        .map(|&x| (x * unit).round_ties_even() as i128)
        .collect();
    let exact_sum: i128 = quantised.iter().sum();
    let mean_fp = exact_sum as f64 / n as f64;
    let squares: f64 = quantised
        .iter()
        .map(|&q| (q as f64 - mean_fp).powi(2))
        .sum();
    let sd = if n > 1 {
        (squares / (n - 1) as f64).sqrt() / unit
    } else {
        0.0
    };
    let tail = rank(n, 5);
    let cvar95 = sorted[n - tail..].iter().sum::<f64>() / tail as f64;
    // The accumulator's min and max: a share whose fixed-point image is that of 0 or 1 counts
    // as exactly 0 or 1 (a signed share as 0). The mean lies between them.
    let snapped = |x: f64| {
        let q = (x * unit).round_ties_even();
        match scale {
            ValueScale::Share if q == 0.0 => 0.0,
            ValueScale::Share if q == unit => 1.0,
            ValueScale::SignedShare if q == 0.0 => 0.0,
            _ => x,
        }
    };
    let (min, max) = (snapped(sorted[0]), snapped(sorted[n - 1]));
    BruteForce {
        n,
        mean: (mean_fp / unit).max(min).min(max),
        sd,
        p5: sorted[rank(n, 5) - 1],
        p50: sorted[rank(n, 50) - 1],
        p95: sorted[rank(n, 95) - 1],
        cvar95,
        p_positive: sorted.iter().filter(|&&x| x > 1e-9).count() as f64 / n as f64,
    }
}

fn accumulate(scale: ValueScale, values: &[f64]) -> MetricSummary {
    let mut metric = MetricAccumulator::new(scale);
    for &x in values {
        metric.push(x);
    }
    metric.summary().expect("at least one value")
}

/// Relative closeness for values that are exact up to a few roundings.
fn close(actual: f64, expected: f64, relative: f64) -> bool {
    (actual - expected).abs() <= relative * expected.abs().max(f64::MIN_POSITIVE)
}

/// Checks one data set: mean and sd to 1e-12 relative; quantiles and cvar95 within one bin
/// width (share scales) or exactly (counts, and values of exactly 0 or 1, which are atoms).
fn check(scale: ValueScale, values: &[f64]) -> Result<(), TestCaseError> {
    let s = accumulate(scale, values);
    let b = brute_force(scale, values);
    prop_assert_eq!(s.n, b.n as u64);
    prop_assert!(
        close(s.mean, b.mean, 1e-12),
        "mean {} vs {}",
        s.mean,
        b.mean
    );
    // Independently of how it is computed: the mean lies within the values' range, and within
    // 2^-41 (the quantisation) of their own mean, up to the float sum's rounding. (A value
    // within 2^-41 of 0 or 1 counts as exactly 0 or 1, so the range is widened by as much.)
    let clamped: Vec<f64> = values.iter().map(|&x| clamp_into(scale, x)).collect();
    let (least, most) = clamped
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let true_mean = clamped.iter().sum::<f64>() / clamped.len() as f64;
    prop_assert!(
        least - 2f64.powi(-41) <= s.mean && s.mean <= most + 2f64.powi(-41),
        "mean {} outside [{least}, {most}]",
        s.mean
    );
    prop_assert!(
        (s.mean - true_mean).abs() <= 2f64.powi(-41) + 1e-15,
        "mean {} vs the values' {true_mean}",
        s.mean
    );
    // Two-pass sd in f64 is accurate to about n·ε relative; 1e-12 covers n ≤ 10^3 with room.
    // For a zero spread both are exactly 0.
    prop_assert!(
        close(s.sd, b.sd, 1e-12) || (b.sd == 0.0 && s.sd == 0.0),
        "sd {} vs {}",
        s.sd,
        b.sd
    );
    // SPEC 5's interval, written out with its constant (not through `Z_95`), and not cut
    // to the scale's range.
    let half = 1.959964 * s.sd / (s.n as f64).sqrt();
    prop_assert_eq!((s.ci_low, s.ci_high), (s.mean - half, s.mean + half));
    prop_assert_eq!(s.p_positive, b.p_positive);
    let width = scale.bin_width();
    let exact_cell = |v: f64| {
        width == 0.0
            || (scale == ValueScale::Share && (v == 0.0 || v == 1.0))
            || (scale == ValueScale::SignedShare && v == 0.0)
    };
    for (name, got, want) in [
        ("p5", s.p5, b.p5),
        ("p50", s.p50, b.p50),
        ("p95", s.p95, b.p95),
    ] {
        if exact_cell(want) {
            prop_assert_eq!(got, want, "{} must be exact", name);
        } else {
            prop_assert!(
                (got - want).abs() <= width,
                "{name} {got} vs {want}: more than a bin apart"
            );
        }
    }
    if width == 0.0 {
        prop_assert_eq!(s.cvar95, b.cvar95, "cvar95 of counts must be exact");
    } else if values
        .iter()
        .filter(|&&x| clamp_into(scale, x) == 1.0)
        .count()
        >= rank(b.n, 5)
        && scale == ValueScale::Share
    {
        prop_assert_eq!(s.cvar95, 1.0, "a tail of ones is exact");
    } else {
        // The partial bin is read at its mean: error ≤ one bin width, plus the quantisation of
        // whole bins (2^-41 per value) and a few roundings.
        prop_assert!(
            (s.cvar95 - b.cvar95).abs() <= width + 1e-12,
            "cvar95 {} vs {}",
            s.cvar95,
            b.cvar95
        );
    }
    Ok(())
}

/// Shares with heavy atoms at 0 and 1, bin edges, float noise just outside [0, 1] and values
/// a hair from the atoms.
fn share_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(0.0),
        2 => Just(1.0),
        4 => 0.0..1.0f64,
        2 => (0u32..=2048).prop_map(|b| f64::from(b) / 2048.0),
        1 => (0u32..=2048).prop_map(|b| f64::from(b) / 2048.0 - 1e-15),
        1 => prop_oneof![Just(-1e-12), Just(1.0 + 1e-12), Just(-0.0), Just(1e-12), Just(1.0 - 1e-12)],
        1 => 0.0..1e-6f64,
    ]
}

fn signed_share_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(0.0),
        1 => Just(-1.0),
        1 => Just(1.0),
        4 => -1.0..1.0f64,
        2 => (-2048i32..=2048).prop_map(|b| f64::from(b) / 2048.0),
        1 => prop_oneof![Just(-1.0 - 1e-12), Just(1.0 + 1e-12), Just(-0.0), Just(-1e-12), Just(1e-10)],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn share_summary_matches_brute_force(values in prop::collection::vec(share_value(), 1..400)) {
        check(ValueScale::Share, &values)?;
    }

    /// Continuous data without atoms: the top tail then ends inside a bin, which exercises
    /// cvar95's partial-bin term (a tail of atoms at 1 would hide it).
    #[test]
    fn continuous_share_summary_matches_brute_force(
        top in 1e-6..1.0f64,
        values in prop::collection::vec(0.0..1.0f64, 1..400),
    ) {
        let values: Vec<f64> = values.into_iter().map(|x| x * top).collect();
        check(ValueScale::Share, &values)?;
    }

    #[test]
    fn continuous_signed_share_summary_matches_brute_force(values in prop::collection::vec(-0.7..0.7f64, 1..400)) {
        check(ValueScale::SignedShare, &values)?;
    }

    #[test]
    fn signed_share_summary_matches_brute_force(values in prop::collection::vec(signed_share_value(), 1..400)) {
        check(ValueScale::SignedShare, &values)?;
    }

    #[test]
    fn count_summary_is_exact(values in prop::collection::vec(prop_oneof![3 => Just(0u32), 1 => Just(120), 4 => 0u32..=120], 1..400)) {
        let values: Vec<f64> = values.into_iter().map(f64::from).collect();
        check(ValueScale::Count { max: 120 }, &values)?;
    }

    #[test]
    fn indicator_summary_is_exact(values in prop::collection::vec(0u32..=1, 1..400)) {
        let values: Vec<f64> = values.into_iter().map(f64::from).collect();
        check(ValueScale::Count { max: 1 }, &values)?;
    }

    #[test]
    fn signed_count_summary_is_exact(values in prop::collection::vec(-120i32..=120, 1..400)) {
        let values: Vec<f64> = values.into_iter().map(f64::from).collect();
        check(ValueScale::SignedCount { max: 120 }, &values)?;
    }

    #[test]
    fn series_summary_matches_brute_force(values in prop::collection::vec(share_value(), 1..400)) {
        let mut bank = SeriesBank::new(3);
        for &x in &values {
            bank.push(1, x);
        }
        let s = bank.summary(1).expect("values");
        let b = brute_force(ValueScale::Share, &values);
        prop_assert!(close(s.mean, b.mean, 1e-12), "mean {} vs {}", s.mean, b.mean);
        // Midpoint readout: error ≤ half a bin; atoms exact.
        let half_bin = 0.5 / SERIES_BINS as f64;
        for (got, want) in [(s.p5, b.p5), (s.p50, b.p50), (s.p95, b.p95)] {
            if want == 0.0 || want == 1.0 {
                prop_assert_eq!(got, want);
            } else {
                prop_assert!((got - want).abs() <= half_bin, "{} vs {}", got, want);
            }
        }
        prop_assert_eq!(bank.summary(0), None);
    }
}

#[test]
fn edge_cases_match_brute_force() {
    let cases: Vec<(ValueScale, Vec<f64>)> = vec![
        (ValueScale::Share, vec![0.25]),
        (ValueScale::Share, vec![0.0]),
        (ValueScale::Share, vec![1.0]),
        (ValueScale::Share, vec![0.1, 0.9]),
        (ValueScale::Share, vec![0.7; 1000]),
        (ValueScale::Share, vec![1e-13; 5]),
        (ValueScale::Share, vec![1.0 - 1e-15; 5]),
        (ValueScale::Share, vec![0.0; 77]),
        (ValueScale::Share, vec![1.0; 77]),
        (
            ValueScale::Share,
            (0..=2048).map(|b| f64::from(b) / 2048.0).collect(),
        ),
        (ValueScale::SignedShare, vec![-0.3]),
        (ValueScale::SignedShare, vec![-1.0, 1.0]),
        (ValueScale::SignedShare, vec![-0.25; 500]),
        (
            ValueScale::SignedShare,
            (-2048..=2048).map(|b| f64::from(b) / 2048.0).collect(),
        ),
        (ValueScale::Count { max: 120 }, vec![7.0]),
        (ValueScale::Count { max: 120 }, vec![3.0, 120.0]),
        (ValueScale::SignedCount { max: 5 }, vec![-5.0, 5.0, 0.0]),
    ];
    for (scale, values) in cases {
        check(scale, &values).unwrap_or_else(|e| panic!("{scale:?} {values:?}: {e}"));
    }
}

#[test]
fn constant_data_reads_back_exactly() {
    let s = accumulate(ValueScale::Share, &[0.123_456_789; 250]);
    assert_eq!(
        (s.p5, s.p50, s.p95, s.cvar95),
        (0.123_456_789, 0.123_456_789, 0.123_456_789, 0.123_456_789)
    );
    assert_eq!(s.sd, 0.0);
    // The mean of the quantised values is within 2^-41 of 0.123456789, and clamped to the
    // values' [min, max] it is 0.123456789 itself; so is the interval.
    assert_eq!(
        (s.mean, s.ci_low, s.ci_high),
        (0.123_456_789, 0.123_456_789, 0.123_456_789)
    );
}

#[test]
fn sd_is_exact_where_floating_point_sums_cancel() {
    // Values 0.5 and 0.5 + 2^-40 alternating: the spread is one fixed-point unit. A one-pass
    // floating-point Σx² − (Σx)²/n formula loses it entirely; the exact integer numerator
    // gives sd = 2^-41 · sqrt(n / (n − 1)).
    let n = 100_000;
    let tiny = 2f64.powi(-40);
    let values: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { 0.5 } else { 0.5 + tiny })
        .collect();
    let s = accumulate(ValueScale::Share, &values);
    let expected = 2f64.powi(-41) * (n as f64 / (n - 1) as f64).sqrt();
    assert!(close(s.sd, expected, 1e-15), "sd {} vs {}", s.sd, expected);
    assert!(close(s.mean, 0.5 + 2f64.powi(-41), 1e-16));
}

#[test]
fn quantiles_use_the_nearest_rank_not_interpolation() {
    // 20 values 1..=20 as counts: p5 is the 1st, p50 the 10th, p95 the 19th; cvar95 = top 1.
    let values: Vec<f64> = (1..=20).map(f64::from).collect();
    let s = accumulate(ValueScale::Count { max: 20 }, &values);
    assert_eq!((s.p5, s.p50, s.p95, s.cvar95), (1.0, 10.0, 19.0, 20.0));
    // 21 values: ranks 2, 11, 20; cvar95 = mean of the top 2.
    let values: Vec<f64> = (1..=21).map(f64::from).collect();
    let s = accumulate(ValueScale::Count { max: 21 }, &values);
    assert_eq!((s.p5, s.p50, s.p95, s.cvar95), (2.0, 11.0, 20.0, 20.5));
}

#[test]
fn positive_threshold_is_one_nanounit() {
    let s = accumulate(ValueScale::SignedShare, &[1e-9, 1.1e-9, -0.5, 0.0]);
    assert_eq!(s.p_positive, 0.25);
}

//! Shard-state bytes: exact round trips, and damaged, truncated or foreign input refused with
//! an error, never a panic.

use proptest::prelude::*;
use supplyrisk::stats::{
    DecodeError, METRIC_BANK_FORMAT_VERSION, MergeError, MetricBank, SeriesBank, ValueScale,
};

const SCALES: [ValueScale; 4] = [
    ValueScale::Share,
    ValueScale::SignedShare,
    ValueScale::Count { max: 120 },
    ValueScale::SignedCount { max: 1 },
];

/// FNV-1a 64, as the format's trailer uses (restated here so tests can forge checksums).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Replaces the trailing checksum so that a deliberate change reaches the structural checks.
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 8;
    let checksum = fnv1a64(&bytes[..body]);
    bytes[body..].copy_from_slice(&checksum.to_le_bytes());
}

fn metric_bank(values: &[(f64, f64, u32, i32)]) -> MetricBank {
    let mut bank = MetricBank::new(&SCALES);
    for &(share, signed, count, indicator) in values {
        bank.push(0, share);
        bank.push(1, signed);
        bank.push(2, f64::from(count));
        bank.push(3, f64::from(indicator));
    }
    bank
}

fn series_bank(values: &[(usize, f64)]) -> SeriesBank {
    let mut bank = SeriesBank::new(5);
    for &(series, x) in values {
        bank.push(series, x);
    }
    bank
}

fn metric_values() -> impl Strategy<Value = Vec<(f64, f64, u32, i32)>> {
    prop::collection::vec(
        (
            prop_oneof![Just(0.0), Just(1.0), 0.0..1.0f64],
            -1.0..=1.0f64,
            0u32..=120,
            -1i32..=1,
        ),
        0..120,
    )
}

fn series_values() -> impl Strategy<Value = Vec<(usize, f64)>> {
    prop::collection::vec(
        (0usize..5, prop_oneof![Just(0.0), Just(1.0), 0.0..1.0f64]),
        0..200,
    )
}

/// Decoded state must be fully usable: summaries, merges and re-encoding must not panic, and
/// re-encoding must reproduce the bytes.
fn exercise_metric_bank(bank: &MetricBank, bytes: &[u8]) {
    for index in 0..bank.len() {
        let _ = bank.summary(index);
    }
    let mut copy = bank.clone();
    let _ = copy.merge(bank);
    assert_eq!(
        bank.to_bytes(),
        bytes,
        "a decoded state re-encodes to the same bytes"
    );
}

fn exercise_series_bank(bank: &SeriesBank, bytes: &[u8]) {
    for index in 0..bank.len() {
        let _ = bank.summary(index);
    }
    let mut copy = bank.clone();
    let _ = copy.merge(bank);
    assert_eq!(
        bank.to_bytes(),
        bytes,
        "a decoded state re-encodes to the same bytes"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn metric_bank_round_trips_exactly(values in metric_values()) {
        let bank = metric_bank(&values);
        let bytes = bank.to_bytes();
        let decoded = MetricBank::from_bytes(&bytes).expect("own bytes decode");
        prop_assert_eq!(&decoded, &bank);
        prop_assert_eq!(decoded.to_bytes(), bytes);
        for index in 0..bank.len() {
            prop_assert_eq!(decoded.summary(index), bank.summary(index));
        }
    }

    #[test]
    fn series_bank_round_trips_exactly(values in series_values()) {
        let bank = series_bank(&values);
        let bytes = bank.to_bytes();
        let decoded = SeriesBank::from_bytes(&bytes).expect("own bytes decode");
        prop_assert_eq!(&decoded, &bank);
        prop_assert_eq!(decoded.to_bytes(), bytes);
    }

    /// Any change of one to four bytes is caught (a single changed byte always changes an
    /// FNV-1a hash; several collide with probability about 2^-64).
    #[test]
    fn flipped_bytes_are_refused(
        values in metric_values(),
        series in series_values(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..5),
    ) {
        for mut bytes in [metric_bank(&values).to_bytes(), series_bank(&series).to_bytes()] {
            let original = bytes.clone();
            for (position, mask) in &flips {
                bytes[position.index(original.len())] ^= mask;
            }
            if bytes != original {
                prop_assert!(MetricBank::from_bytes(&bytes).is_err());
                prop_assert!(SeriesBank::from_bytes(&bytes).is_err());
            }
        }
    }

    /// With the checksum forged, damage reaches the structural checks: decoding may succeed
    /// (a changed count can still be consistent) but must never panic, and what it accepts
    /// must be usable.
    #[test]
    fn forged_damage_never_panics(
        values in metric_values(),
        series in series_values(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        for (kind, mut bytes) in [(0, metric_bank(&values).to_bytes()), (1, series_bank(&series).to_bytes())] {
            let length = bytes.len();
            for (position, value) in &flips {
                let index = position.index(length - 8);
                bytes[index] = *value;
            }
            reseal(&mut bytes);
            if kind == 0 {
                if let Ok(bank) = MetricBank::from_bytes(&bytes) {
                    exercise_metric_bank(&bank, &bytes);
                }
            } else if let Ok(bank) = SeriesBank::from_bytes(&bytes) {
                exercise_series_bank(&bank, &bytes);
            }
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let values: Vec<(f64, f64, u32, i32)> = (0..40)
        .map(|i| {
            (
                f64::from(i) / 40.0,
                -f64::from(i) / 50.0,
                i as u32,
                i % 3 - 1,
            )
        })
        .collect();
    let bytes = metric_bank(&values).to_bytes();
    for length in 0..bytes.len() {
        assert!(
            MetricBank::from_bytes(&bytes[..length]).is_err(),
            "prefix of {length} bytes"
        );
        // Truncated and resealed: the structure itself must be found incomplete.
        if length >= 20 {
            let mut forged = bytes[..length].to_vec();
            reseal(&mut forged);
            assert!(
                MetricBank::from_bytes(&forged).is_err(),
                "resealed prefix of {length} bytes"
            );
        }
    }
    let series: Vec<(usize, f64)> = (0..60)
        .map(|i| (i % 5, f64::from(i as u32) / 60.0))
        .collect();
    let bytes = series_bank(&series).to_bytes();
    for length in 0..bytes.len() {
        assert!(
            SeriesBank::from_bytes(&bytes[..length]).is_err(),
            "prefix of {length} bytes"
        );
    }
}

#[test]
fn extra_bytes_are_refused() {
    let mut bytes = metric_bank(&[(0.5, 0.5, 3, 1)]).to_bytes();
    bytes.splice(bytes.len() - 8..bytes.len() - 8, [0u8; 3]);
    reseal(&mut bytes);
    assert_eq!(
        MetricBank::from_bytes(&bytes),
        Err(DecodeError::TrailingBytes { count: 3 })
    );
}

#[test]
fn foreign_files_and_versions_are_named() {
    let series = SeriesBank::new(2).to_bytes();
    assert_eq!(
        MetricBank::from_bytes(&series),
        Err(DecodeError::BadMagic {
            expected: "metric bank"
        })
    );
    let metrics = MetricBank::new(&SCALES).to_bytes();
    assert_eq!(
        SeriesBank::from_bytes(&metrics),
        Err(DecodeError::BadMagic {
            expected: "series bank"
        })
    );
    assert_eq!(
        MetricBank::from_bytes(b"{\"json\": true}"),
        Err(DecodeError::BadMagic {
            expected: "metric bank"
        })
    );

    // A newer format, and the older one (whose atoms held less), are both refused by name.
    for other in [
        METRIC_BANK_FORMAT_VERSION + 1,
        METRIC_BANK_FORMAT_VERSION - 1,
    ] {
        let mut state = metrics.clone();
        state[8..12].copy_from_slice(&other.to_le_bytes());
        reseal(&mut state);
        let error = MetricBank::from_bytes(&state).expect_err("unknown version");
        assert_eq!(
            error.to_string(),
            format!(
                "state format version {other} is not supported (this build reads version {METRIC_BANK_FORMAT_VERSION})"
            )
        );
    }
}

#[test]
fn a_layout_too_large_for_the_bytes_is_refused_before_allocating() {
    // A series count of 2^40 in a file of a few dozen bytes must not allocate 9 PB.
    let mut bytes = SeriesBank::new(1).to_bytes();
    bytes[12..20].copy_from_slice(&(1u64 << 40).to_le_bytes());
    reseal(&mut bytes);
    assert!(matches!(
        SeriesBank::from_bytes(&bytes),
        Err(DecodeError::BadLayout(_))
    ));

    let mut bytes = MetricBank::new(&[ValueScale::Share]).to_bytes();
    bytes[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    reseal(&mut bytes);
    assert!(matches!(
        MetricBank::from_bytes(&bytes),
        Err(DecodeError::BadLayout(_))
    ));
}

#[test]
fn inconsistent_counts_are_refused() {
    // Change n of the first metric (after the 12-byte header, the 4-byte metric count and the
    // 10-byte layout) so it no longer matches its histogram.
    let mut bytes = MetricBank::new(&[ValueScale::Share]).to_bytes();
    bytes[26] = 5;
    reseal(&mut bytes);
    let error = MetricBank::from_bytes(&bytes).expect_err("n = 5 with an empty histogram");
    assert!(
        error
            .to_string()
            .starts_with("inconsistent state: metric 0: share metric:"),
        "{error}"
    );
}

#[test]
fn decoded_banks_of_other_layouts_refuse_to_merge() {
    let ours = MetricBank::from_bytes(&MetricBank::new(&SCALES).to_bytes()).expect("valid");
    let theirs = MetricBank::from_bytes(&MetricBank::new(&SCALES[..3]).to_bytes()).expect("valid");
    assert_ne!(ours.layout_fingerprint(), theirs.layout_fingerprint());
    let mut merged = ours.clone();
    assert_eq!(
        merged.merge(&theirs),
        Err(MergeError::LayoutMismatch {
            ours: "4 metrics".into(),
            theirs: "3 metrics".into()
        })
    );
    assert_eq!(merged, ours);
}

#[test]
fn fingerprints_ignore_contents_but_not_layout() {
    let empty = MetricBank::new(&SCALES);
    let full = metric_bank(&[(0.5, 0.5, 3, 1)]);
    assert_eq!(empty.layout_fingerprint(), full.layout_fingerprint());
    let other = MetricBank::new(&[
        ValueScale::Share,
        ValueScale::SignedShare,
        ValueScale::Count { max: 119 },
        ValueScale::SignedCount { max: 1 },
    ]);
    assert_ne!(empty.layout_fingerprint(), other.layout_fingerprint());
    assert_eq!(
        SeriesBank::new(5).layout_fingerprint(),
        series_bank(&[(1, 0.5)]).layout_fingerprint()
    );
    assert_ne!(
        SeriesBank::new(4).layout_fingerprint(),
        SeriesBank::new(5).layout_fingerprint()
    );
}

#[test]
fn sparse_state_is_compact() {
    // 4320 empty series: each takes its 40 bytes of scalars plus one 8-byte zero run.
    let bytes = SeriesBank::new(4320).to_bytes();
    assert_eq!(bytes.len(), 8 + 4 + 8 + 4 + 1 + 4320 * (40 + 8) + 8);
}

/// Replaces the one occurrence of `from`'s bytes with `to`'s, and reseals.
fn forge_f64(bytes: &mut [u8], from: f64, to: f64) {
    let needle = from.to_le_bytes();
    let at: Vec<usize> = (0..=bytes.len() - 8)
        .filter(|&i| bytes[i..i + 8] == needle)
        .collect();
    assert_eq!(at.len(), 1, "{from} is stored once");
    bytes[at[0]..at[0] + 8].copy_from_slice(&to.to_le_bytes());
    reseal(bytes);
}

#[test]
fn extremes_that_disagree_with_the_sum_are_refused() {
    // Values 0.2 and 0.3: a forged minimum of 0.3 is still a valid-looking [min, max], but the
    // mean (clamped to [min, max]) would read 0.3 instead of 0.25. The sum, 0.5, is below
    // n × min = 0.6: refused.
    let mut metrics = MetricBank::new(&[ValueScale::Share]);
    metrics.push(0, 0.2);
    metrics.push(0, 0.3);
    let mut bytes = metrics.to_bytes();
    assert!(MetricBank::from_bytes(&bytes).is_ok());
    forge_f64(&mut bytes, 0.2, 0.3);
    let error = MetricBank::from_bytes(&bytes).expect_err("min above the mean");
    assert!(
        error
            .to_string()
            .contains("the sum lies outside n × [min, max]"),
        "{error}"
    );
    let mut series = SeriesBank::new(1);
    series.push(0, 0.2);
    series.push(0, 0.3);
    let mut bytes = series.to_bytes();
    assert!(SeriesBank::from_bytes(&bytes).is_ok());
    forge_f64(&mut bytes, 0.3, 0.2);
    let error = SeriesBank::from_bytes(&bytes).expect_err("max below the mean");
    assert!(
        error.to_string().contains("lies outside n × [min, max]"),
        "{error}"
    );
}

//! Merge laws: any split of the trials into parts, accumulated in any order and merged along
//! any tree, gives byte-identical state and bit-identical summaries (SPEC sections 6 and 7).

use proptest::prelude::*;
use supplyrisk::stats::{MetricBank, MetricSummary, SeriesBank, SeriesSummary, ValueScale};

/// The layout of a small run: one metric of every scale kind.
const SCALES: [ValueScale; 5] = [
    ValueScale::Share,
    ValueScale::SignedShare,
    ValueScale::Count { max: 12 },
    ValueScale::Count { max: 1 },
    ValueScale::SignedCount { max: 12 },
];
const SERIES: usize = 6;

/// One trial's values: one per metric and one per series.
#[derive(Clone, Debug)]
struct Trial {
    metrics: [f64; 5],
    series: [f64; SERIES],
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator for the test's own
/// shuffles and merge trees, seeded by proptest.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn share() -> impl Strategy<Value = f64> {
    prop_oneof![2 => Just(0.0), 1 => Just(1.0), 4 => 0.0..=1.0f64, 1 => (0u32..=2048).prop_map(|b| f64::from(b) / 2048.0)]
}

fn trial() -> impl Strategy<Value = Trial> {
    (
        share(),
        prop_oneof![1 => Just(0.0), 3 => -1.0..=1.0f64],
        0u32..=12,
        0u32..=1,
        -12i32..=12,
        prop::array::uniform6(share()),
    )
        .prop_map(
            |(share, signed, count, indicator, signed_count, series)| Trial {
                metrics: [
                    share,
                    signed,
                    f64::from(count),
                    f64::from(indicator),
                    f64::from(signed_count),
                ],
                series,
            },
        )
}

#[derive(Clone)]
struct Banks {
    metrics: MetricBank,
    series: SeriesBank,
}

impl Banks {
    fn new() -> Self {
        Banks {
            metrics: MetricBank::new(&SCALES),
            series: SeriesBank::new(SERIES),
        }
    }

    fn push(&mut self, trial: &Trial) {
        for (index, &x) in trial.metrics.iter().enumerate() {
            self.metrics.push(index, x);
        }
        for (index, &x) in trial.series.iter().enumerate() {
            self.series.push(index, x);
        }
    }

    fn merge(&mut self, other: &Banks) {
        self.metrics.merge(&other.metrics).expect("same layout");
        self.series.merge(&other.series).expect("same layout");
    }

    fn bytes(&self) -> (Vec<u8>, Vec<u8>) {
        (self.metrics.to_bytes(), self.series.to_bytes())
    }

    /// Every summary as bit patterns, so -0.0 vs 0.0 or a last-bit difference shows.
    fn summary_bits(&self) -> Vec<Vec<u64>> {
        let metric = |s: MetricSummary| {
            vec![
                s.n,
                s.mean.to_bits(),
                s.ci_low.to_bits(),
                s.ci_high.to_bits(),
                s.sd.to_bits(),
                s.p5.to_bits(),
                s.p50.to_bits(),
                s.p95.to_bits(),
                s.cvar95.to_bits(),
                s.p_positive.to_bits(),
            ]
        };
        let series = |s: SeriesSummary| {
            vec![
                s.mean.to_bits(),
                s.p5.to_bits(),
                s.p50.to_bits(),
                s.p95.to_bits(),
            ]
        };
        (0..SCALES.len())
            .map(|i| self.metrics.summary(i).map(metric).unwrap_or_default())
            .chain((0..SERIES).map(|i| self.series.summary(i).map(series).unwrap_or_default()))
            .collect()
    }
}

fn accumulate(trials: &[Trial]) -> Banks {
    let mut banks = Banks::new();
    for trial in trials {
        banks.push(trial);
    }
    banks
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Split the trials at random into k parts (some possibly empty), accumulate each part in
    /// a shuffled order, then merge along a random binary tree in random order: the state must
    /// serialise to the same bytes as one pass in trial order.
    #[test]
    fn any_split_and_merge_tree_gives_identical_bytes(
        trials in prop::collection::vec(trial(), 0..150),
        parts in 1usize..8,
        seed in any::<u64>(),
    ) {
        let whole = accumulate(&trials);
        let mut random = SplitMix64(seed);
        let mut assignment: Vec<Vec<Trial>> = vec![Vec::new(); parts];
        for trial in &trials {
            assignment[random.below(parts)].push(trial.clone());
        }
        let mut pending: Vec<Banks> = assignment
            .into_iter()
            .map(|mut part| {
                random.shuffle(&mut part);
                accumulate(&part)
            })
            .collect();
        while pending.len() > 1 {
            let i = random.below(pending.len());
            let right = pending.swap_remove(i);
            let j = random.below(pending.len());
            // Merge either way round: commutativity as well as associativity.
            if random.below(2) == 0 {
                pending[j].merge(&right);
            } else {
                let mut left = right;
                left.merge(&pending[j]);
                pending[j] = left;
            }
        }
        let merged = pending.pop().expect("one part remains");
        prop_assert!(merged.bytes() == whole.bytes(), "merged state differs from one pass");
        prop_assert_eq!(merged.summary_bits(), whole.summary_bits());
    }

    /// Pushing the same values in any order gives identical bytes.
    #[test]
    fn push_order_does_not_matter(trials in prop::collection::vec(trial(), 1..200), seed in any::<u64>()) {
        let forward = accumulate(&trials);
        let mut shuffled = trials.clone();
        SplitMix64(seed).shuffle(&mut shuffled);
        let reversed: Vec<Trial> = trials.iter().rev().cloned().collect();
        prop_assert!(accumulate(&shuffled).bytes() == forward.bytes());
        prop_assert!(accumulate(&reversed).bytes() == forward.bytes());
    }
}

#[test]
fn merging_an_empty_bank_changes_nothing() {
    let mut random = SplitMix64(7);
    let trials: Vec<Trial> = (0..50)
        .map(|_| Trial {
            metrics: [0.25, -0.5, 3.0, 1.0, -2.0],
            series: [random.below(1000) as f64 / 1000.0; SERIES],
        })
        .collect();
    let mut banks = accumulate(&trials);
    let before = banks.bytes();
    banks.merge(&Banks::new());
    assert_eq!(banks.bytes(), before);
    let mut empty = Banks::new();
    empty.merge(&accumulate(&trials));
    assert_eq!(empty.bytes(), before);
}

#[test]
fn signed_zero_does_not_leak_into_state() {
    // -0.0 and 0.0 are the same value; min / max must not depend on which came first.
    let mut a = MetricBank::new(&[ValueScale::SignedShare, ValueScale::Share]);
    let mut b = a.clone();
    for x in [-0.0, 0.0] {
        a.push(0, x);
        a.push(1, x);
    }
    for x in [0.0, -0.0] {
        b.push(0, x);
        b.push(1, x);
    }
    assert_eq!(a.to_bytes(), b.to_bytes());
    let s = a.summary(0).expect("values");
    assert!(s.p50.is_sign_positive() && s.mean.is_sign_positive());
}

#[test]
fn a_trillion_values_by_repeated_doubling_keep_exact_sums() {
    // Forty self-merges take 20 values to 20 · 2^40 ≈ 2.2e13 (beyond SPEC's 10^12 trials)
    // without pushing them: every sum stays exact, so the mean is bit-identical, the
    // quantiles (nearest ranks scale exactly) are identical, and the sd follows the n − 1
    // correction sqrt((n − 1)·N / (n·(N − 1))).
    let values = [
        0.0, 1.0, 0.25, 0.5, 0.75, 0.125, 0.9, 0.33, 0.66, 0.01, 0.02, 0.4, 0.6, 0.45, 0.55, 0.2,
        0.8, 1.0, 0.0, 0.97,
    ];
    let mut bank = MetricBank::new(&[ValueScale::Share, ValueScale::Count { max: 120 }]);
    for &x in &values {
        bank.push(0, x);
        bank.push(1, (x * 120.0).round());
    }
    let small = [
        bank.summary(0).expect("values"),
        bank.summary(1).expect("values"),
    ];
    let mut series = SeriesBank::new(1);
    for &x in &values {
        series.push(0, x);
    }
    let small_series = series.summary(0).expect("values");
    for _ in 0..40 {
        let copy = bank.clone();
        bank.merge(&copy).expect("below the limit");
        let copy = series.clone();
        series.merge(&copy).expect("below the limit");
    }
    let n = 20u64 << 40;
    for (index, small) in small.iter().enumerate() {
        let large = bank.summary(index).expect("values");
        assert_eq!(large.n, n);
        assert_eq!(large.mean, small.mean);
        assert_eq!(
            (large.p5, large.p50, large.p95),
            (small.p5, small.p50, small.p95)
        );
        assert_eq!(large.p_positive, small.p_positive);
        let correction = ((20.0 - 1.0) * n as f64 / (20.0 * (n as f64 - 1.0))).sqrt();
        assert!((large.sd - small.sd * correction).abs() <= 1e-14 * small.sd);
        // 0.05 · 20 = 1 is whole, so the tail is the same values, read from the same cells.
        assert_eq!(large.cvar95, small.cvar95);
    }
    assert_eq!(series.count(0), n);
    assert_eq!(series.summary(0), Some(small_series));
    // The state still round-trips.
    assert_eq!(MetricBank::from_bytes(&bank.to_bytes()).as_ref(), Ok(&bank));
    assert_eq!(
        SeriesBank::from_bytes(&series.to_bytes()).as_ref(),
        Ok(&series)
    );
}

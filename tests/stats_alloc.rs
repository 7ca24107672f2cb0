//! The hot paths allocate nothing: pushing values, merging banks and reading summaries.
//!
//! A counting global allocator (this test binary's own) observes every allocation made by
//! the current thread; allocations of other threads (the test harness's) are not counted.

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations_during;
use supplyrisk::stats::{MetricBank, SeriesBank, ValueScale};

const SCALES: [ValueScale; 4] = [
    ValueScale::Share,
    ValueScale::SignedShare,
    ValueScale::Count { max: 120 },
    ValueScale::SignedCount { max: 120 },
];

#[test]
fn push_merge_and_summary_do_not_allocate() {
    let mut metrics = MetricBank::new(&SCALES);
    let mut series = SeriesBank::new(64);
    let other_metrics = MetricBank::new(&SCALES);
    let other_series = SeriesBank::new(64);
    let pushes = allocations_during(|| {
        for i in 0..20_000u32 {
            let share = f64::from(i % 1001) / 1000.0;
            metrics.push(0, share);
            metrics.push(1, share * 2.0 - 1.0);
            metrics.push(2, f64::from(i % 121));
            metrics.push(3, f64::from(i % 241) - 120.0);
            series.push(i as usize % 64, share);
        }
    });
    assert_eq!(pushes, 0, "push allocated");
    let merges = allocations_during(|| {
        metrics.merge(&other_metrics).expect("same layout");
        series.merge(&other_series).expect("same layout");
    });
    assert_eq!(merges, 0, "merge allocated");
    let summaries = allocations_during(|| {
        for index in 0..SCALES.len() {
            std::hint::black_box(metrics.summary(index));
        }
        for index in 0..64 {
            std::hint::black_box(series.summary(index));
        }
    });
    assert_eq!(summaries, 0, "summary allocated");
}

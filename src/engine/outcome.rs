//! What a run accumulates: per-trial metrics and monthly series in exactly mergeable banks,
//! laid out by (row group, commodity, metric) and (variant, commodity, month, series).

use crate::stats::{MetricBank, SeriesBank, ValueScale};

/// The per-trial metrics of SPEC 5, in order, after one `dependency_<C>` per country.
pub const TAIL_METRICS: [&str; 6] = [
    "independent_share",
    "stock_share",
    "shortfall_share",
    "worst_month_shortfall",
    "shortage_months",
    "shortfall_exceeds_threshold",
];

/// Shape of a run's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Number of variants.
    pub variants: usize,
    /// Index of the baseline variant.
    pub baseline: usize,
    /// Number of reported commodities.
    pub commodities: usize,
    /// Number of `dependency_on` countries.
    pub countries: usize,
    /// Months in the horizon.
    pub horizon: usize,
}

impl Layout {
    /// Metrics per (group, commodity): one per country, then [`TAIL_METRICS`].
    pub fn metrics(&self) -> usize {
        self.countries + TAIL_METRICS.len()
    }

    /// Row groups: every variant, then the paired reduction of every non-baseline variant.
    pub fn groups(&self) -> usize {
        self.variants + self.variants.saturating_sub(1)
    }

    /// The non-baseline variants, in order: reduction group `variants + i` is `reduced()[i]`.
    pub fn reduced(&self) -> Vec<usize> {
        (0..self.variants).filter(|&v| v != self.baseline).collect()
    }

    /// Index in the metric bank.
    #[inline]
    pub fn metric_index(&self, group: usize, commodity: usize, metric: usize) -> usize {
        (group * self.commodities + commodity) * self.metrics() + metric
    }

    /// Series per (variant, commodity, month): one per country, then the shortfall share.
    pub fn series_per_month(&self) -> usize {
        self.countries + 1
    }

    /// Index in the series bank.
    #[inline]
    pub fn series_index(
        &self,
        variant: usize,
        commodity: usize,
        month: usize,
        series: usize,
    ) -> usize {
        ((variant * self.commodities + commodity) * self.horizon + month) * self.series_per_month()
            + series
    }

    /// The value scale of metric `metric` for a variant row (`signed` false) or a reduction.
    pub fn scale(&self, metric: usize, signed: bool) -> ValueScale {
        let tail = metric.checked_sub(self.countries);
        let horizon = self.horizon as u32;
        match (tail, signed) {
            (Some(4), false) => ValueScale::Count { max: horizon },
            (Some(4), true) => ValueScale::SignedCount { max: horizon },
            (Some(5), false) => ValueScale::Count { max: 1 },
            (Some(5), true) => ValueScale::SignedCount { max: 1 },
            (_, false) => ValueScale::Share,
            (_, true) => ValueScale::SignedShare,
        }
    }

    /// Scales of the whole metric bank, in index order.
    pub fn scales(&self) -> Vec<ValueScale> {
        let mut scales = Vec::with_capacity(self.groups() * self.commodities * self.metrics());
        for group in 0..self.groups() {
            for _ in 0..self.commodities {
                for metric in 0..self.metrics() {
                    scales.push(self.scale(metric, group >= self.variants));
                }
            }
        }
        scales
    }
}

/// Everything accumulated over a set of trials; merging two is exact and order-free.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    /// Shape.
    pub layout: Layout,
    /// Per-trial metrics and reductions.
    pub metrics: MetricBank,
    /// Monthly series.
    pub series: SeriesBank,
}

impl Outcomes {
    /// Empty accumulators for `layout`.
    pub fn new(layout: Layout) -> Self {
        let metrics = MetricBank::new(&layout.scales());
        let series_count =
            layout.variants * layout.commodities * layout.horizon * layout.series_per_month();
        let series = SeriesBank::new(series_count);
        Self {
            layout,
            metrics,
            series,
        }
    }

    /// Number of trials accumulated.
    pub fn trials(&self) -> u64 {
        if self.metrics.is_empty() {
            0
        } else {
            self.metrics.metric(0).n()
        }
    }

    /// Adds another set of trials.
    pub fn merge(&mut self, other: &Outcomes) -> Result<(), crate::stats::MergeError> {
        self.metrics.merge(&other.metrics)?;
        self.series.merge(&other.series)
    }
}

//! The summary of a run: every metric's statistics and the monthly series, with provenance,
//! as plain data that the CSV, JSON, Markdown and chart writers read.

use serde::Serialize;

use crate::engine::outcome::{Outcomes, TAIL_METRICS};
use crate::model::Model;
use crate::report::format::exact;
use crate::stats::{CellCount, MetricAccumulator, MetricSummary, SeriesSummary};

/// Version of the layout of `summary.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a result came from: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// supplyrisk version that produced it.
    pub tool_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as named on the command line.
    pub scenario_file: String,
    /// SHA-256 of the scenario text.
    pub scenario_sha256: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of trials.
    pub trials: u64,
    /// The random generator and how streams are derived.
    pub generator: String,
    /// Trials per chunk of work (results do not depend on it).
    pub chunk_size: u64,
    /// Histogram resolution behind quantiles and cvar95.
    pub quantile_resolution: String,
}

/// A variant as listed in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantInfo {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether reductions are measured against it.
    pub baseline: bool,
}

/// A commodity as listed in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommodityInfo {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Focus-market demand in month 0, t/yr.
    pub demand_t_per_year: f64,
}

/// Statistics of one metric of one variant (or reduction) and commodity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Variant id, or `reduction:<variant id>`.
    pub variant: String,
    /// Commodity id.
    pub commodity: String,
    /// Metric name (SPEC 5).
    pub metric: String,
    /// Mean.
    pub mean: f64,
    /// Lower end of the 95% confidence interval of the mean.
    pub ci_low: f64,
    /// Upper end of the 95% confidence interval of the mean.
    pub ci_high: f64,
    /// Standard deviation (n − 1).
    pub sd: f64,
    /// 5th percentile (nearest rank).
    pub p5: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Mean of the highest 5% of values.
    pub cvar95: f64,
    /// Share of trials with a value above 1e-9.
    pub p_positive: f64,
}

/// One month of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyRow {
    /// Variant id.
    pub variant: String,
    /// Commodity id.
    pub commodity: String,
    /// Month, `YYYY-MM`.
    pub month: String,
    /// `dependency_<C>` or `shortfall_share`.
    pub metric: String,
    /// Mean across trials.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// The distribution across trials of one metric of one variant (or reduction) and commodity:
/// the exact counts of its accumulator's histogram, trimmed to the occupied range (values that
/// are 0 at the accumulator's 2^-40 resolution, float noise, are counted as exact zeros there).
/// Charts draw distributions and exceedance curves from it; merging shards gives the same
/// counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// Variant id, or `reduction:<variant id>`.
    pub variant: String,
    /// Commodity id.
    pub commodity: String,
    /// Metric name (SPEC 5).
    pub metric: String,
    /// Number of trials.
    pub n: u64,
    /// Smallest value observed (0 when n = 0).
    pub min: f64,
    /// Largest value observed (0 when n = 0).
    pub max: f64,
    /// Values counted exactly, ascending, with their counts (occupied ones only): the atoms
    /// at 0 and 1 of a share, at 0 of a reduction, every integer of a count.
    pub exact: Vec<(f64, u64)>,
    /// Lower edge of the scale's bin 0 (−1 for reductions, 0 for shares).
    pub bin_origin: f64,
    /// Width of every bin (1/2048 for shares and reductions; 0 for counts, which have none).
    pub bin_width: f64,
    /// Index among the scale's bins of `bins[0]`: it covers
    /// `[bin_origin + first_bin·bin_width, bin_origin + (first_bin + 1)·bin_width)`.
    pub first_bin: usize,
    /// Counts of consecutive bins from `first_bin`, from the first to the last occupied one.
    pub bins: Vec<u64>,
}

impl Histogram {
    /// Reads the histogram of `accumulator`.
    pub fn from_accumulator(
        variant: String,
        commodity: String,
        metric: String,
        accumulator: &MetricAccumulator,
    ) -> Histogram {
        let (min, max) = accumulator.range().unwrap_or((0.0, 0.0));
        let mut exact = Vec::new();
        let mut occupied: Vec<(usize, u64)> = Vec::new();
        let mut bin_origin = 0.0;
        let mut bin_width = 0.0;
        for cell in accumulator.cells() {
            match cell {
                CellCount::Exact { value, count } => {
                    if count > 0 {
                        exact.push((value, count));
                    }
                }
                CellCount::Bin {
                    bin,
                    low,
                    high,
                    count,
                } => {
                    if bin == 0 {
                        bin_origin = low;
                        bin_width = high - low;
                    }
                    if count > 0 {
                        occupied.push((bin, count));
                    }
                }
            }
        }
        let (first_bin, bins) = match (occupied.first(), occupied.last()) {
            (Some(&(first, _)), Some(&(last, _))) => {
                let mut bins = vec![0; last - first + 1];
                for (bin, count) in occupied {
                    bins[bin - first] = count;
                }
                (first, bins)
            }
            _ => (0, Vec::new()),
        };
        Histogram {
            variant,
            commodity,
            metric,
            n: accumulator.n(),
            min,
            max,
            exact,
            bin_origin,
            bin_width,
            first_bin,
            bins,
        }
    }
}

/// Everything a run reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Layout version of this document.
    pub schema_version: u32,
    /// Where it came from.
    pub provenance: Provenance,
    /// Focus market id.
    pub focus_market: String,
    /// Focus market display name for charts: its name when the file gives a short one, else
    /// its country.
    #[serde(skip)]
    pub focus_market_name: String,
    /// Countries counted as dependency.
    pub dependency_on: Vec<String>,
    /// Serious-shortfall threshold.
    pub shortfall_threshold: f64,
    /// First month.
    pub start: String,
    /// Months simulated.
    pub horizon_months: u32,
    /// Variants in file order.
    pub variants: Vec<VariantInfo>,
    /// Reported commodities in file order.
    pub commodities: Vec<CommodityInfo>,
    /// Metric names in order.
    pub metrics: Vec<String>,
    /// Per (variant or reduction, commodity, metric).
    pub rows: Vec<Row>,
    /// Per (variant, commodity, month, series).
    #[serde(skip)]
    pub monthly: Vec<MonthlyRow>,
    /// Per (variant or reduction, commodity, metric), in the order of `rows`: the
    /// distributions the charts draw (not part of `summary.json`).
    #[serde(skip)]
    pub histograms: Vec<Histogram>,
}

/// Metric names of a model, in SPEC 5's order.
pub fn metric_names(model: &Model) -> Vec<String> {
    model
        .dependency_on
        .iter()
        .map(|c| format!("dependency_{c}"))
        .chain(TAIL_METRICS.iter().map(|m| m.to_string()))
        .collect()
}

impl Summary {
    /// Summarises `outcomes` of `model`.
    pub fn new(model: &Model, outcomes: &Outcomes, provenance: Provenance) -> Summary {
        let layout = &outcomes.layout;
        let metrics = metric_names(model);
        let commodities = model.reported_commodities();
        let focus = &model.network.nodes[model.focus_market.0];
        let group_name = |group: usize| -> String {
            if group < layout.variants {
                model.variants[group].id.clone()
            } else {
                format!(
                    "reduction:{}",
                    model.variants[layout.reduced()[group - layout.variants]].id
                )
            }
        };
        let mut rows = Vec::new();
        let mut histograms = Vec::new();
        for group in 0..layout.groups() {
            for (ci, c) in commodities.iter().enumerate() {
                for (mi, metric) in metrics.iter().enumerate() {
                    let index = layout.metric_index(group, ci, mi);
                    histograms.push(Histogram::from_accumulator(
                        group_name(group),
                        model.network.commodities[c.0].id.clone(),
                        metric.clone(),
                        outcomes.metrics.metric(index),
                    ));
                    let s = outcomes
                        .metrics
                        .summary(index)
                        .unwrap_or_else(empty_summary);
                    rows.push(Row {
                        variant: group_name(group),
                        commodity: model.network.commodities[c.0].id.clone(),
                        metric: metric.clone(),
                        mean: s.mean,
                        ci_low: s.ci_low,
                        ci_high: s.ci_high,
                        sd: s.sd,
                        p5: s.p5,
                        p50: s.p50,
                        p95: s.p95,
                        cvar95: s.cvar95,
                        p_positive: s.p_positive,
                    });
                }
            }
        }
        let series_names: Vec<String> = model
            .dependency_on
            .iter()
            .map(|c| format!("dependency_{c}"))
            .chain(std::iter::once("shortfall_share".to_string()))
            .collect();
        let mut monthly = Vec::new();
        for v in 0..layout.variants {
            for (ci, c) in commodities.iter().enumerate() {
                for month in 0..layout.horizon {
                    let label = model.month_label(month as u32);
                    for (si, name) in series_names.iter().enumerate() {
                        let s = outcomes
                            .series
                            .summary(layout.series_index(v, ci, month, si))
                            .unwrap_or(SeriesSummary {
                                mean: 0.0,
                                p5: 0.0,
                                p50: 0.0,
                                p95: 0.0,
                            });
                        monthly.push(MonthlyRow {
                            variant: model.variants[v].id.clone(),
                            commodity: model.network.commodities[c.0].id.clone(),
                            month: label.clone(),
                            metric: name.clone(),
                            mean: s.mean,
                            p5: s.p5,
                            p50: s.p50,
                            p95: s.p95,
                        });
                    }
                }
            }
        }
        Summary {
            schema_version: SCHEMA_VERSION,
            provenance,
            focus_market: focus.id.clone(),
            // Chart titles name the market: its display name when the file gives a short one,
            // else its country (an id such as `us` would read as a word: "When does us go
            // short?").
            focus_market_name: if focus.name != focus.id && focus.name.chars().count() <= 24 {
                focus.name.clone()
            } else {
                focus.country.to_string()
            },
            dependency_on: model
                .dependency_on
                .iter()
                .map(ToString::to_string)
                .collect(),
            shortfall_threshold: model.shortfall_threshold,
            start: model.start.to_string(),
            horizon_months: model.horizon_months,
            variants: model
                .variants
                .iter()
                .map(|v| VariantInfo {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    baseline: v.baseline,
                })
                .collect(),
            commodities: commodities
                .iter()
                .map(|c| CommodityInfo {
                    id: model.network.commodities[c.0].id.clone(),
                    name: model.network.commodities[c.0].name.clone(),
                    demand_t_per_year: focus.demand_t_per_year(*c),
                })
                .collect(),
            metrics,
            rows,
            monthly,
            histograms,
        }
    }

    /// The histogram of (variant or `reduction:<id>`, commodity, metric).
    pub fn histogram(&self, variant: &str, commodity: &str, metric: &str) -> Option<&Histogram> {
        self.histograms
            .iter()
            .find(|h| h.variant == variant && h.commodity == commodity && h.metric == metric)
    }

    /// The monthly rows of (variant, commodity, series), in month order.
    pub fn monthly_series<'a>(
        &'a self,
        variant: &'a str,
        commodity: &'a str,
        metric: &'a str,
    ) -> impl Iterator<Item = &'a MonthlyRow> + 'a {
        self.monthly
            .iter()
            .filter(move |r| r.variant == variant && r.commodity == commodity && r.metric == metric)
    }

    /// The row of (variant or `reduction:<id>`, commodity, metric).
    pub fn row(&self, variant: &str, commodity: &str, metric: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.variant == variant && r.commodity == commodity && r.metric == metric)
    }

    /// The baseline variant.
    pub fn baseline(&self) -> &VariantInfo {
        self.variants
            .iter()
            .find(|v| v.baseline)
            .expect("a summary has a baseline")
    }

    /// `summary.csv` bytes (SPEC 8).
    pub fn summary_csv(&self) -> Vec<u8> {
        let mut out = String::from(
            "variant,commodity,metric,mean,ci_low,ci_high,sd,p5,p50,p95,cvar95,p_positive\n",
        );
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{}\n",
                r.variant,
                r.commodity,
                r.metric,
                exact(r.mean),
                exact(r.ci_low),
                exact(r.ci_high),
                exact(r.sd),
                exact(r.p5),
                exact(r.p50),
                exact(r.p95),
                exact(r.cvar95),
                exact(r.p_positive)
            ));
        }
        out.into_bytes()
    }

    /// `monthly.csv` bytes (SPEC 8).
    pub fn monthly_csv(&self) -> Vec<u8> {
        let mut out = String::from("variant,commodity,month,metric,mean,p5,p50,p95\n");
        for r in &self.monthly {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                r.variant,
                r.commodity,
                r.month,
                r.metric,
                exact(r.mean),
                exact(r.p5),
                exact(r.p50),
                exact(r.p95)
            ));
        }
        out.into_bytes()
    }

    /// `summary.json` bytes: the same figures with provenance, pretty-printed, ending in a newline.
    pub fn summary_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a summary always serialises");
        bytes.push(b'\n');
        bytes
    }
}

fn empty_summary() -> MetricSummary {
    MetricSummary {
        n: 0,
        mean: 0.0,
        ci_low: 0.0,
        ci_high: 0.0,
        sd: 0.0,
        p5: 0.0,
        p50: 0.0,
        p95: 0.0,
        cvar95: 0.0,
        p_positive: 0.0,
    }
}

/// The header of `trials.csv`.
pub fn trials_header(model: &Model) -> String {
    let mut header = String::from("trial,variant,commodity");
    for m in metric_names(model) {
        header.push(',');
        header.push_str(&m);
    }
    header.push('\n');
    header
}

/// Rows of `trials.csv` for one trial: `metrics` is `[variant][commodity][metric]`.
pub fn trial_rows(model: &Model, trial: u64, metrics: &[f64], out: &mut String) {
    let commodities = model.reported_commodities();
    let per = metric_names(model).len();
    for (v, variant) in model.variants.iter().enumerate() {
        for (ci, c) in commodities.iter().enumerate() {
            out.push_str(&trial.to_string());
            out.push(',');
            out.push_str(&variant.id);
            out.push(',');
            out.push_str(&model.network.commodities[c.0].id);
            let base = (v * commodities.len() + ci) * per;
            for x in &metrics[base..base + per] {
                out.push(',');
                out.push_str(&exact(*x));
            }
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::ValueScale;

    #[test]
    fn histograms_keep_exact_counts_and_read_noise_as_zero() {
        let mut reduction = MetricAccumulator::new(ValueScale::SignedShare);
        // Two exact zeros, float noise on both sides of 0, and real values.
        reduction.push_all(&[0.0, 0.0, 1e-14, -2e-14, 0.25, 0.2501, -0.5]);
        let h = Histogram::from_accumulator("r".into(), "c".into(), "m".into(), &reduction);
        assert_eq!(h.n, 7);
        assert_eq!(h.exact, vec![(0.0, 4)]);
        assert_eq!((h.bin_origin, h.bin_width), (-1.0, 1.0 / 2048.0));
        // −0.5 is bin 1024, 0.25 and 0.2501 bin 2048 + 512 = 2560.
        assert_eq!(h.first_bin, 1024);
        assert_eq!(h.bins.len(), 2560 - 1024 + 1);
        assert_eq!((h.bins[0], h.bins[h.bins.len() - 1]), (1, 2));
        assert_eq!(h.bins.iter().sum::<u64>() + 4, h.n);
        assert_eq!((h.min, h.max), (-0.5, 0.2501));

        let mut only_noise = MetricAccumulator::new(ValueScale::Share);
        only_noise.push_all(&[1e-13, 0.0, 3e-14]);
        let h = Histogram::from_accumulator("v".into(), "c".into(), "m".into(), &only_noise);
        assert_eq!(h.exact, vec![(0.0, 3)]);
        assert!(h.bins.is_empty());
        assert_eq!((h.min, h.max), (0.0, 0.0));

        let h = Histogram::from_accumulator(
            "v".into(),
            "c".into(),
            "m".into(),
            &MetricAccumulator::new(ValueScale::Count { max: 3 }),
        );
        assert_eq!((h.n, h.exact.len(), h.bins.len()), (0, 0, 0));
    }
}

//! One trial: sample every disruption once, then for each variant and commodity route the
//! supply month by month, trace origins to the focus market, and compute SPEC 5's metrics.
//!
//! A trial is a pure function of (plan, seed, trial index); all buffers live in [`Scratch`],
//! allocated once per worker, so the monthly loop does not allocate.
//!
//! Where the time goes, and why the loop is shaped as it is (see BENCHMARKS.md): a month is a
//! capacity update, one warm-started solve and origin tracing, a few hundred nanoseconds; at
//! that scale, scattering one value per trial into each of thousands of monthly series (8 KiB
//! of histogram apiece, megabytes in all) costs a cache miss per value. So values are buffered
//! for a chunk of trials, series-major, and added series by series ([`run_trials`]).

use crate::disruption::incidents::{self, Outage, Sweep};
use crate::disruption::project::{self, ProjectDraw};
use crate::disruption::regime;
use crate::engine::allocation::{FEASIBILITY_TOLERANCE, SolveError, Solver};
use crate::engine::mirror::{Mirror, MirrorWork, TrialView};
use crate::engine::outcome::{Layout, Outcomes, TAIL_METRICS};
use crate::engine::plan::{
    ArcCapacity, CapacitySchedule, CommodityPlan, MarketPlan, Plan, RegimeEffect, ScaledArc,
    TraceSchedule, VariantPlan,
};
use crate::engine::stream::Stream;
use crate::model::distribution::Domain;
use crate::model::{DAYS_PER_MONTH, Process};

/// "Exceeds" means greater than the threshold plus this, so rounding cannot flip a count.
const EXCEEDS_TOLERANCE: f64 = 1e-9;

/// A trial's draws of one disruption version, cached so variants that share it sample once.
#[derive(Debug, Clone, Default)]
struct DrawCache {
    /// Trial the entries belong to (`None`: none, as at each trial's start).
    trial: Option<u64>,
    outages: Vec<Outage>,
    states: Vec<u16>,
    project: Option<ProjectDraw>,
}

/// Per-worker buffers for running trials: grown once, reused for every trial.
pub struct Scratch {
    /// Indexed `[disruption][version]`.
    draws: Vec<Vec<DrawCache>>,
    /// `[growth plan][version]`: factors per month.
    growth: Vec<Vec<GrowthCache>>,
    outages: Vec<Outage>,
    sweep: Sweep,
    /// Node multipliers per variant group: `[variant][slot × month]`.
    node_multipliers: Vec<Vec<f64>>,
    /// Per variant, the rows of its time-averaged incidents (before projects) that later
    /// variants copy ([`crate::engine::plan::VariantPlan::kept_incident_slots`]).
    incident_rows: Vec<KeptRows>,
    /// Per variant and month, whether one of its regimes changed state since the month before
    /// (month 0: false), for all its commodities.
    regime_changed: Vec<Vec<bool>>,
    /// Per variant, its regimes' states of the trial, `[regime × month]` (the draws' states
    /// gathered in one table, so a regime effect finds its state with one index).
    regime_states: Vec<Vec<u16>>,
    /// Solvers per `[variant][commodity]`.
    solvers: Vec<Vec<Solver>>,
    capacities: Vec<f64>,
    arc_multiplier: Vec<f64>,
    stocks: Vec<f64>,
    /// Per commodity, the markets' demand of the last network run (see [`DemandTable`]).
    demand: Vec<DemandTable>,
    fractions: Vec<f64>,
    /// Per reported commodity, the baseline's months of the current trial, kept for the
    /// variants that mirror it (empty when none does).
    baseline_months: Vec<BaselineMonths>,
    /// Work space of [`crate::engine::mirror::Mirror::shared_months`].
    mirror_work: MirrorWork,
    /// Per `[variant × commodities + commodity]`: the trial's bound on the months the network
    /// shares with the baseline's (0 without a mirror).
    shared_bounds: Vec<usize>,
    /// Network-months run and network-months taken from the baseline, since this scratch
    /// space was made (see [`Scratch::months_taken_from_baseline`]).
    network_months: u64,
    months_taken: u64,
    /// The last trial's metrics, `[variant][commodity][metric]` (variants only).
    pub metrics: Vec<f64>,
    /// Values of the trials run since the last flush, not yet in the accumulators.
    pending: Pending,
}

/// The baseline's months of one commodity in the current trial, as a variant that mirrors it
/// needs them to take over: what each month added to the focus market's totals, and every
/// market's stock after the month.
#[derive(Debug, Clone, Default)]
struct BaselineMonths {
    /// `[month × focus_values(countries) + value]`: demand, independent, stock draw,
    /// shortfall, shortfall ratio, then the via share of each `dependency_on` country.
    focus: Vec<f64>,
    /// `[month × markets + market]`.
    stocks: Vec<f64>,
    /// `[month × recorded + index]`: flows on [`Plan::baseline_flow_arcs`].
    flows: Vec<f64>,
    /// The trial's bound on every flow (see [`simulate`]).
    flow_bound: f64,
}

/// What the baseline records of one month (see [`BaselineMonths`]).
struct Recorded<'a> {
    /// Demand, independent, stock draw, shortfall and shortfall ratio of the focus market.
    focus: [f64; 5],
    /// Demand served at the focus market.
    served: f64,
    /// The focus market's fraction via each `dependency_on` country.
    fractions: &'a [f64],
    stocks: &'a [f64],
    flows: &'a [f64],
    flow_bound: f64,
}

impl Recorded<'_> {
    /// Writes month `m` into `record`, with the flows of `arcs`. Out of line: the monthly
    /// loop of every other network only tests whether to call it.
    #[inline(never)]
    fn write(&self, record: &mut BaselineMonths, m: usize, arcs: &[u32]) {
        let values = focus_values(self.fractions.len());
        let month = &mut record.focus[m * values..(m + 1) * values];
        month[..5].copy_from_slice(&self.focus);
        for (via, &fraction) in month[5..].iter_mut().zip(self.fractions) {
            *via = self.served * fraction;
        }
        let markets = self.stocks.len();
        record.stocks[m * markets..(m + 1) * markets].copy_from_slice(self.stocks);
        let row = &mut record.flows[m * arcs.len()..(m + 1) * arcs.len()];
        for (flow, &a) in row.iter_mut().zip(arcs) {
            *flow = self.flows[a as usize];
        }
        record.flow_bound = self.flow_bound;
    }
}

/// One commodity's market demand in one trial, kept for the networks of later variants whose
/// markets demand the same ([`CommodityPlan::demand_group`]).
#[derive(Debug, Clone)]
struct DemandTable {
    /// Trial and demand group the values belong to (`None`: none, as at each trial's start).
    trial: Option<u64>,
    group: usize,
    /// Each market's demand per month, month-major: `[month × markets + market]`.
    values: Vec<f64>,
    /// What the markets can absorb in a month, at most ([`absorb_bound`]).
    absorb_bound: f64,
}

/// Rows of a variant's time-averaged incidents, kept for later variants to copy.
#[derive(Debug, Clone)]
struct KeptRows {
    /// Trial the rows belong to (`None`: none, as at each trial's start).
    trial: Option<u64>,
    /// `[slot × month]`, as in [`Scratch::node_multipliers`] (only the kept slots written).
    rows: Vec<f64>,
}

/// Values per month in [`BaselineMonths::focus`].
const fn focus_values(countries: usize) -> usize {
    5 + countries
}

/// A market's demand growth factors per month, `(1 + g)^(m/12)`.
#[derive(Debug, Clone)]
struct GrowthCache {
    /// Trial the factors belong to (`None`: none, as at each trial's start).
    trial: Option<u64>,
    /// A fixed growth rate: the factors are the same in every trial, computed once.
    constant: bool,
    factors: Vec<f64>,
}

/// Trials most buffered before their values are added to the accumulators.
///
/// Each flush adds up to this many values to every series and metric at once, so the series'
/// histogram cells are fetched into cache once per flush instead of once per trial. The buffer
/// holds `PENDING_TRIALS × 8` bytes per series (512 B; 720 KiB for the 1440 series of
/// `bench_medium`), small enough to stay in a core's L2 cache while it fills.
pub const PENDING_TRIALS: usize = 64;

/// Values waiting to be pushed: row `s` of `series` (length `PENDING_TRIALS`) holds series
/// `s`'s values of the pending trials, in trial order; likewise `metrics`.
#[derive(Debug, Clone)]
struct Pending {
    trials: usize,
    series: Vec<f64>,
    metrics: Vec<f64>,
}

impl Pending {
    /// Where trial slot `self.trials` writes series `index`.
    #[inline]
    fn series_slot(&mut self, index: usize) -> &mut f64 {
        &mut self.series[index * PENDING_TRIALS + self.trials]
    }

    /// Copies series `from`'s value of trial slot `self.trials` to series `to`.
    #[inline]
    fn copy_series(&mut self, from: usize, to: usize) {
        self.series[to * PENDING_TRIALS + self.trials] =
            self.series[from * PENDING_TRIALS + self.trials];
    }

    /// Where trial slot `self.trials` writes metric `index`.
    #[inline]
    fn metric_slot(&mut self, index: usize) -> &mut f64 {
        &mut self.metrics[index * PENDING_TRIALS + self.trials]
    }
}

/// Why a trial failed (a solver bug; never expected).
#[derive(Debug, thiserror::Error)]
#[error("internal error in trial {trial}, variant {variant}, month {month}: {source}")]
pub struct TrialError {
    /// Trial index.
    pub trial: u64,
    /// Variant id.
    pub variant: String,
    /// Month index.
    pub month: usize,
    /// What the solver said.
    pub source: SolveError,
}

/// The largest `size` of any variant's network of any commodity (0 for a plan without any):
/// how large the scratch space's per-network buffers must be.
fn largest_per_network(plan: &Plan, size: impl Fn(&CommodityPlan) -> usize) -> usize {
    plan.variants
        .iter()
        .flat_map(|v| v.commodities.iter().map(&size))
        .max()
        .unwrap_or(0)
}

impl Scratch {
    /// Buffers sized for `plan`.
    pub fn new(plan: &Plan) -> Self {
        let horizon = plan.horizon;
        // Outage lists are reserved for four times a process's mean number of events (plus
        // some), so that a run's first trials rarely have to grow them: they grow only for an
        // unusually eventful trial, then stay (memory is flat in the number of trials).
        let horizon_years = horizon as f64 / 12.0;
        let expected_outages = |d: &crate::model::Disruption| match &d.process {
            Process::Incidents(p) => {
                let mean = p.rate_per_year.mean().max(0.0) * horizon_years;
                (4.0 * mean + 32.0).min(65536.0) as usize
            }
            _ => 0,
        };
        let mut all_outages = 0;
        let draws = plan
            .disruptions
            .iter()
            .map(|d| {
                d.versions
                    .iter()
                    .map(|version| {
                        let reserve = expected_outages(version);
                        all_outages += reserve;
                        DrawCache {
                            trial: None,
                            states: vec![0; horizon],
                            outages: Vec::with_capacity(reserve),
                            ..DrawCache::default()
                        }
                    })
                    .collect()
            })
            .collect();
        let growth = plan
            .growth
            .iter()
            .map(|g| {
                g.versions
                    .iter()
                    .map(|_| GrowthCache {
                        trial: None,
                        constant: false,
                        factors: vec![1.0; horizon],
                    })
                    .collect()
            })
            .collect();
        let max_arcs = largest_per_network(plan, |c| c.arcs.len());
        let max_markets = largest_per_network(plan, |c| c.markets.len());
        let max_nodes = largest_per_network(plan, |c| c.network.node_count());
        let baseline_months = plan
            .baseline_recorded
            .iter()
            .enumerate()
            .map(|(ci, &recorded)| {
                if !recorded {
                    return BaselineMonths::default();
                }
                let markets = plan.variants[plan.baseline].commodities[ci].markets.len();
                BaselineMonths {
                    focus: vec![0.0; horizon * focus_values(plan.dependency_on.len())],
                    stocks: vec![0.0; horizon * markets],
                    flows: vec![0.0; horizon * plan.baseline_flow_arcs[ci].len()],
                    flow_bound: 0.0,
                }
            })
            .collect();
        let max_trace = largest_per_network(plan, |c| c.trace.len());
        let layout = layout(plan);
        let series_count =
            layout.variants * layout.commodities * layout.horizon * layout.series_per_month();
        let metric_count = layout.groups() * layout.commodities * layout.metrics();
        Self {
            draws,
            growth,
            outages: Vec::with_capacity(all_outages),
            sweep: Sweep::with_capacity(all_outages),
            node_multipliers: plan
                .variants
                .iter()
                .map(|_| vec![1.0; plan.node_slots * horizon])
                .collect(),
            incident_rows: plan
                .variants
                .iter()
                .map(|v| KeptRows {
                    trial: None,
                    rows: if !v.kept_incident_slots.is_empty() {
                        vec![1.0; plan.node_slots * horizon]
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            regime_changed: vec![vec![false; horizon]; plan.variants.len()],
            regime_states: plan
                .variants
                .iter()
                .map(|v| vec![0; v.regimes.len() * horizon])
                .collect(),
            solvers: plan
                .variants
                .iter()
                .map(|v| {
                    v.commodities
                        .iter()
                        .map(|c| Solver::new(&c.network))
                        .collect()
                })
                .collect(),
            capacities: vec![0.0; max_arcs],
            arc_multiplier: vec![1.0; max_arcs],
            stocks: vec![0.0; max_markets],
            demand: vec![
                DemandTable {
                    trial: None,
                    group: 0,
                    values: vec![0.0; max_markets * horizon],
                    absorb_bound: 0.0,
                };
                plan.commodities.len()
            ],
            fractions: vec![0.0; max_trace * (plan.dependency_on.len() + 1)],
            baseline_months,
            mirror_work: MirrorWork::new(max_arcs, max_nodes),
            shared_bounds: vec![0; plan.variants.len() * plan.commodities.len()],
            network_months: 0,
            months_taken: 0,
            metrics: vec![0.0; layout.variants * layout.commodities * layout.metrics()],
            pending: Pending {
                trials: 0,
                series: vec![0.0; series_count * PENDING_TRIALS],
                metrics: vec![0.0; metric_count * PENDING_TRIALS],
            },
        }
    }

    /// Forgets what the last trial kept for reuse within a trial (draws of disruption
    /// versions, growth factors, demand tables, time-averaged incident rows), at the start of
    /// each trial: each is stamped with its trial number only, and a caller may run the same
    /// trial number again under another seed.
    fn begin_trial(&mut self) {
        for cache in self.draws.iter_mut().flatten() {
            cache.trial = None;
        }
        for cache in self.growth.iter_mut().flatten() {
            cache.trial = None;
        }
        for table in &mut self.demand {
            table.trial = None;
        }
        for rows in &mut self.incident_rows {
            rows.trial = None;
        }
    }

    /// Of the network-months (a variant's commodity network in one month) this scratch space
    /// has run: how many were taken from the baseline instead of solved (engine::mirror), and
    /// how many there were in all.
    pub fn months_taken_from_baseline(&self) -> (u64, u64) {
        (self.months_taken, self.network_months)
    }

    /// Adds the values of the trials run since the last flush to `outcomes`, series by series
    /// (exact and order-free, like every push). [`run_trials`] calls it; needed only after
    /// [`run_trial_buffered`].
    pub fn flush(&mut self, outcomes: &mut Outcomes) {
        let pending = &mut self.pending;
        let n = pending.trials;
        if n == 0 {
            return;
        }
        for (s, row) in pending.series.chunks_exact(PENDING_TRIALS).enumerate() {
            outcomes.series.push_all(s, &row[..n]);
        }
        for (i, row) in pending.metrics.chunks_exact(PENDING_TRIALS).enumerate() {
            outcomes.metrics.push_all(i, &row[..n]);
        }
        pending.trials = 0;
    }
}

/// The layout of a plan's results.
pub fn layout(plan: &Plan) -> Layout {
    Layout {
        variants: plan.variants.len(),
        baseline: plan.baseline,
        commodities: plan.commodities.len(),
        countries: plan.dependency_on.len(),
        horizon: plan.horizon,
    }
}

/// Runs trial `trial` and adds its metrics, reductions and monthly series to `outcomes`.
/// Afterwards `scratch.metrics` holds the trial's metrics per variant (for `trials.csv`).
///
/// For many trials, [`run_trials`] is faster: it adds the values a chunk at a time.
pub fn run_trial(
    plan: &Plan,
    seed: u64,
    trial: u64,
    scratch: &mut Scratch,
    outcomes: &mut Outcomes,
) -> Result<(), TrialError> {
    run_trial_buffered(plan, seed, trial, scratch, &outcomes.layout)?;
    scratch.flush(outcomes);
    Ok(())
}

/// Runs `trials` in order and adds them to `outcomes`, calling `on_trial(trial, metrics)` after
/// each with the trial's metrics per variant (as in [`Scratch::metrics`]). Values are buffered
/// for up to [`PENDING_TRIALS`] trials and added series by series; on error, the trials
/// finished before it are in `outcomes` and the failing one is not.
pub fn run_trials(
    plan: &Plan,
    seed: u64,
    trials: std::ops::Range<u64>,
    scratch: &mut Scratch,
    outcomes: &mut Outcomes,
    mut on_trial: impl FnMut(u64, &[f64]),
) -> Result<(), TrialError> {
    for trial in trials {
        if let Err(error) = run_trial_buffered(plan, seed, trial, scratch, &outcomes.layout) {
            scratch.flush(outcomes);
            return Err(error);
        }
        on_trial(trial, &scratch.metrics);
        if scratch.pending.trials == PENDING_TRIALS {
            scratch.flush(outcomes);
        }
    }
    scratch.flush(outcomes);
    Ok(())
}

/// Runs trial `trial` into the scratch space's pending buffer; its values reach the
/// accumulators at the next [`Scratch::flush`]. `layout` must be the layout of the outcomes it
/// will be flushed into.
///
/// # Panics
///
/// If the pending buffer already holds [`PENDING_TRIALS`] trials: flush it first, as
/// [`run_trials`] does every [`PENDING_TRIALS`] trials.
pub fn run_trial_buffered(
    plan: &Plan,
    seed: u64,
    trial: u64,
    scratch: &mut Scratch,
    layout: &Layout,
) -> Result<(), TrialError> {
    assert!(
        scratch.pending.trials < PENDING_TRIALS,
        "the pending buffer is full: flush it into the outcomes first"
    );
    scratch.begin_trial();
    for v in 0..plan.variants.len() {
        prepare_variant(plan, seed, trial, v, scratch);
    }
    // The baseline first: a variant whose network mirrors the baseline's takes its first
    // months from the baseline's (engine::mirror) and solves only the rest. How many it may
    // take is bounded before the baseline runs, which then records only those months.
    let baseline = plan.baseline;
    let commodities = plan.commodities.len();
    let others = (0..plan.variants.len()).filter(|&v| v != baseline);
    for v in others.clone() {
        for ci in 0..commodities {
            let cp = &plan.variants[v].commodities[ci];
            scratch.shared_bounds[v * commodities + ci] = match &cp.mirror {
                Some(mirror) => {
                    let trial = trial_view(plan, v, &scratch.node_multipliers, None);
                    mirror.shared_months_bound(cp, &trial, &mut scratch.mirror_work)
                }
                None => 0,
            };
        }
    }
    for ci in 0..commodities {
        let record_until = others
            .clone()
            .map(|v| scratch.shared_bounds[v * commodities + ci])
            .max()
            .unwrap_or(0);
        simulate(
            plan,
            trial,
            baseline,
            ci,
            0,
            record_until,
            scratch,
            layout,
            ignore_month,
        )?;
    }
    for v in others {
        for ci in 0..commodities {
            let bound = scratch.shared_bounds[v * commodities + ci];
            let from = match &plan.variants[v].commodities[ci].mirror {
                Some(mirror) if bound > 0 => {
                    let record = &scratch.baseline_months[ci];
                    let trial = trial_view(plan, v, &scratch.node_multipliers, Some(record));
                    mirror.loose_months(bound, &trial)
                }
                _ => 0,
            };
            scratch.months_taken += from as u64;
            simulate(plan, trial, v, ci, from, 0, scratch, layout, ignore_month)?;
        }
    }
    scratch.network_months += (plan.variants.len() * commodities * plan.horizon) as u64;
    // Paired reductions: baseline − variant, trial by trial (groups after the variants, one
    // per non-baseline variant in order).
    let metrics = layout.metrics();
    let reduced = (0..layout.variants).filter(|&v| v != layout.baseline);
    for (r, v) in reduced.enumerate() {
        let group = layout.variants + r;
        for ci in 0..layout.commodities {
            for m in 0..metrics {
                let base =
                    scratch.metrics[(layout.baseline * layout.commodities + ci) * metrics + m];
                let this = scratch.metrics[(v * layout.commodities + ci) * metrics + m];
                *scratch
                    .pending
                    .metric_slot(layout.metric_index(group, ci, m)) = base - this;
            }
        }
    }
    scratch.pending.trials += 1;
    Ok(())
}

/// What [`crate::engine::mirror::Mirror`] reads of the trial for variant `v`: its node
/// multipliers and the baseline's, and the baseline's recorded months (none before the
/// baseline runs).
fn trial_view<'a>(
    plan: &Plan,
    v: usize,
    node_multipliers: &'a [Vec<f64>],
    record: Option<&'a BaselineMonths>,
) -> TrialView<'a> {
    TrialView {
        this_table: &node_multipliers[plan.variants[v].multiplier_group],
        base_table: &node_multipliers[plan.variants[plan.baseline].multiplier_group],
        horizon: plan.horizon,
        base_flows: record.map_or(&[], |r| &r.flows),
        // Ten times the solver's feasibility tolerance, at least (every capacity is at most
        // the flow bound).
        margin: record.map_or(0.0, |r| 10.0 * FEASIBILITY_TOLERANCE * r.flow_bound),
    }
}

/// The capacities of every month of trial `trial` for variant `variant` and commodity
/// `commodity` (indices into the plan), as given to the solver: for benches and tests of the
/// allocation on real months.
pub fn monthly_capacities(
    plan: &Plan,
    seed: u64,
    trial: u64,
    variant: usize,
    commodity: usize,
) -> Result<Vec<Vec<f64>>, TrialError> {
    let mut scratch = Scratch::new(plan);
    let layout = layout(plan);
    let mut months = Vec::with_capacity(plan.horizon);
    // Draws of variants sharing a multiplier table are made by the first of them.
    let group = plan.variants[variant].multiplier_group;
    if group != variant {
        prepare_variant(plan, seed, trial, group, &mut scratch);
    }
    prepare_variant(plan, seed, trial, variant, &mut scratch);
    simulate(
        plan,
        trial,
        variant,
        commodity,
        0,
        0,
        &mut scratch,
        &layout,
        |_, capacities| months.push(capacities.to_vec()),
    )?;
    Ok(months)
}

/// Samples (or takes from the trial's cache) everything variant `v` needs: node multipliers,
/// regime paths and growth factors.
fn prepare_variant(plan: &Plan, seed: u64, trial: u64, v: usize, scratch: &mut Scratch) {
    let variant = &plan.variants[v];
    let horizon = plan.horizon;
    // Disruption draws of this trial, shared by every variant with the same version.
    for &(k, version) in variant
        .incidents
        .iter()
        .chain(&variant.projects)
        .chain(&variant.regimes)
    {
        let cache = &mut scratch.draws[k][version];
        if cache.trial == Some(trial) {
            continue;
        }
        cache.trial = Some(trial);
        let stream = Stream::from_key_hash(seed, trial, plan.disruptions[k].key_hash);
        match &plan.disruptions[k].versions[version].process {
            Process::Incidents(p) => {
                cache.outages.clear();
                incidents::sample(
                    p,
                    &stream,
                    horizon as f64 * DAYS_PER_MONTH,
                    &mut cache.outages,
                );
            }
            Process::Regime(r) => regime::sample(r, &stream, &mut cache.states),
            Process::Project(p) => cache.project = Some(project::sample(p, &stream)),
        }
    }
    for &(g, version) in &variant.growth {
        let cache = &mut scratch.growth[g][version];
        if cache.trial == Some(trial) || cache.constant {
            continue;
        }
        cache.trial = Some(trial);
        let distribution = &plan.growth[g].versions[version];
        let rate = match distribution.as_fixed() {
            Some(rate) => {
                cache.constant = true;
                rate
            }
            None => {
                let mut stream = Stream::from_key_hash(seed, trial, plan.growth[g].key_hash);
                distribution.sample_clipped(&mut stream, Domain::AtLeast(-1.0))
            }
        };
        // Demand in month m is demand × (1 + g)^(m/12) = (1 + g)^y × (1 + g)^(j/12) with
        // m = 12y + j: twelve powers for the months of a year and one per year instead of one
        // per month (the product adds at most one rounding; whole years are exact powers).
        if rate == 0.0 {
            cache.factors.fill(1.0);
        } else {
            let base = 1.0 + rate;
            let mut within_year = [1.0; 12];
            for (j, factor) in within_year.iter_mut().enumerate().skip(1) {
                *factor = libm::pow(base, j as f64 / 12.0);
            }
            for (y, year) in cache.factors.chunks_mut(12).enumerate() {
                let year_factor = libm::pow(base, y as f64);
                for (factor, &within) in year.iter_mut().zip(&within_year) {
                    *factor = year_factor * within;
                }
            }
        }
    }
    // Months in which a regime changes state: the regime multipliers are recomputed then.
    let changed = &mut scratch.regime_changed[v][..horizon];
    changed.fill(false);
    let regime_states = &mut scratch.regime_states[v];
    for (r, &(k, version)) in variant.regimes.iter().enumerate() {
        let states = &scratch.draws[k][version].states[..horizon];
        for (m, pair) in states.windows(2).enumerate() {
            changed[m + 1] |= pair[1] != pair[0];
        }
        regime_states[r * horizon..(r + 1) * horizon].copy_from_slice(states);
    }
    // Node multipliers: incidents time-averaged, times project factors.
    if variant.multiplier_group == v {
        let table = &mut scratch.node_multipliers[v];
        table.fill(1.0);
        scratch.outages.clear();
        for &(k, version) in &variant.incidents {
            scratch
                .outages
                .extend_from_slice(&scratch.draws[k][version].outages);
        }
        // Rows that an earlier variant of this trial has swept already are copied, and only
        // the others swept (a variant that runs alone, as in `monthly_capacities`, sweeps all).
        // Row by row: the rows are few, and a whole table's copy costs more than it saves.
        let shared = variant
            .shared_incident_rows
            .as_ref()
            .filter(|shared| scratch.incident_rows[shared.from].trial == Some(trial));
        let slot_of_node = match shared {
            Some(shared) => {
                let kept = &scratch.incident_rows[shared.from].rows;
                for &slot in &shared.copied_slots {
                    let row = slot * horizon..(slot + 1) * horizon;
                    table[row.clone()].copy_from_slice(&kept[row]);
                }
                &shared.own_slot_of_node
            }
            None => &plan.node_slot,
        };
        incidents::time_average(
            &scratch.outages,
            slot_of_node,
            horizon,
            &mut scratch.sweep,
            table,
        );
        if !variant.kept_incident_slots.is_empty() {
            let kept = &mut scratch.incident_rows[v];
            kept.trial = Some(trial);
            for &slot in &variant.kept_incident_slots {
                let row = slot * horizon..(slot + 1) * horizon;
                kept.rows[row.clone()].copy_from_slice(&table[row]);
            }
        }
        for &(k, version) in &variant.projects {
            let Process::Project(p) = &plan.disruptions[k].versions[version].process else {
                unreachable!("projects list only projects");
            };
            let draw = scratch.draws[k][version]
                .project
                .expect("drawn above for this trial");
            for target in &p.targets {
                let slot = plan.node_slot[target.0].expect("targets have slots");
                for (m, x) in table[slot * horizon..(slot + 1) * horizon]
                    .iter_mut()
                    .enumerate()
                {
                    *x *= draw.factor(m);
                }
            }
        }
    }
}

/// Routes one commodity of one variant over the horizon and records its metrics in the
/// pending buffer. `observe(month, capacities)` sees each month's capacities before the solve.
///
/// The first `from` months are taken from the baseline's, simulated before in this trial
/// (`from > 0` only for a network that mirrors the baseline's, for as many months as
/// [`crate::engine::mirror::Mirror::shared_months`] allows): its values and its stocks at the
/// end of month `from − 1`; the months from `from` on are solved, from the nominal basis. The
/// baseline records its first `record_until` months for them.
///
/// The steps: what stays fixed for the trial ([`write_demand_table`], [`supply_bound`],
/// [`absorb_bound`], [`CapacityFormulas::write_fixed`], [`start_trial`]); the months taken from the
/// baseline ([`MonthTotals::add_baseline_months`], [`take_baseline_stocks`],
/// [`NetworkSlots::copy_baseline_series`]); then per solved month the regime multipliers
/// ([`regime_multipliers`]), the month's capacities ([`CapacityFormulas::write_month`]), the solve
/// (with [`solve_cold_fallback`]), the markets ([`serve_markets`]), origin tracing
/// ([`trace_origins`]) and the focus market's sums and series
/// ([`MonthTotals::add_solved_month`], and [`Recorded`] for the variants that mirror the
/// baseline); at the end the trial metrics ([`MonthTotals::write_metrics`]).
#[allow(clippy::too_many_arguments)]
// Out of line, and called by the trial loop with one `observe` ([`ignore_month`]): the month
// loop compiled once. Inlined at the trial loop's two calls it was compiled twice, and small
// changes anywhere moved one copy's register allocation by ~0.7% of a trial's instructions.
#[inline(never)]
fn simulate(
    plan: &Plan,
    trial: u64,
    v: usize,
    ci: usize,
    from: usize,
    record_until: usize,
    scratch: &mut Scratch,
    layout: &Layout,
    mut observe: impl FnMut(usize, &[f64]),
) -> Result<(), TrialError> {
    let variant = &plan.variants[v];
    let cp: &CommodityPlan = &variant.commodities[ci];
    let horizon = plan.horizon;
    let countries = plan.dependency_on.len();
    let Scratch {
        growth,
        node_multipliers,
        regime_changed,
        regime_states,
        solvers,
        capacities,
        arc_multiplier,
        stocks,
        demand: demand_tables,
        fractions,
        baseline_months,
        metrics: trial_metrics,
        pending,
        ..
    } = scratch;
    let node_table = &node_multipliers[variant.multiplier_group];
    let regime_changed = &regime_changed[v][..horizon];
    let regime_states = &regime_states[v][..];
    let solver = &mut solvers[v][ci];
    if from < horizon {
        solver
            .set_basis(&cp.nominal_basis)
            .map_err(trial_error(trial, variant, from))?;
    }
    let capacities = &mut capacities[..cp.arcs.len()];
    let arc_multiplier = &mut arc_multiplier[..cp.arcs.len()];
    let markets = cp.markets.len();
    let stocks = &mut stocks[..markets];

    // What does not move within the trial. The demand is that of an earlier network of this
    // trial when their markets demand the same (the baseline's, for most variants).
    let demand = &mut demand_tables[ci];
    if demand.trial != Some(trial) || demand.group != cp.demand_group {
        let values = &mut demand.values[..markets * horizon];
        write_demand_table(cp, variant, growth, horizon, values);
        demand.absorb_bound = absorb_bound(&cp.markets, values);
        demand.trial = Some(trial);
        demand.group = cp.demand_group;
    }
    let demand_table = &demand.values[..markets * horizon];
    let flow_bound = supply_bound(cp, node_table, horizon, capacities).min(demand.absorb_bound);
    let formulas = CapacityFormulas {
        schedule: &cp.schedule,
        markets: &cp.markets,
        node_table,
        horizon,
        flow_bound,
    };
    formulas.write_fixed(capacities);
    start_trial(cp, fractions, stocks);
    let mut totals = MonthTotals::new(countries, plan.shortfall_threshold + EXCEEDS_TOLERANCE);
    let mut slots = NetworkSlots {
        pending,
        layout,
        v,
        ci,
    };

    if from > 0 {
        // The baseline's first `from` months, which are this network's (engine::mirror).
        let mirror = cp
            .mirror
            .as_ref()
            .expect("only a mirroring network starts late");
        let record = &baseline_months[ci];
        let base_markets = plan.variants[plan.baseline].commodities[ci].markets.len();
        totals.add_baseline_months(&record.focus, from);
        take_baseline_stocks(mirror, record, base_markets, from, demand_table, stocks);
        slots.copy_baseline_series(plan.baseline, from, countries);
    }
    debug_assert!(record_until == 0 || (v == plan.baseline && plan.baseline_recorded[ci]));

    for m in from..horizon {
        let regime_changed = m == from || regime_changed[m];
        if regime_changed {
            regime_multipliers(
                &cp.regime_effects,
                regime_states,
                horizon,
                m,
                arc_multiplier,
            );
        }
        let month_demand = &demand_table[m * markets..(m + 1) * markets];
        formulas.write_month(
            m,
            regime_changed,
            arc_multiplier,
            month_demand,
            stocks,
            capacities,
        );
        observe(m, capacities);
        let movable = if regime_changed {
            &cp.schedule.monthly
        } else {
            &cp.schedule.monthly_regimes_unchanged
        };
        let flows = if plan.optimum_may_tie && m > from {
            solve_month_alone(solver, capacities, movable, cp, trial, variant, m)?
        } else {
            match solver.solve_changed(capacities, movable) {
                Ok(flows) => flows,
                Err(warm) => solve_cold_fallback(solver, capacities, warm, trial, variant, m)?,
            }
        };
        let Some(focus) = serve_markets(cp, month_demand, flows, stocks) else {
            continue;
        };
        trace_origins(&cp.trace_schedule, flows, fractions);
        let focus_row = (cp.trace.len() - 1) * cp.trace_schedule.width;
        let values = totals.add_solved_month(focus, fractions, focus_row, &mut slots, m);
        if m < record_until {
            let month = Recorded {
                focus: values,
                served: focus.served,
                fractions: &fractions[focus_row..focus_row + countries],
                stocks,
                flows,
                flow_bound,
            };
            month.write(&mut baseline_months[ci], m, &plan.baseline_flow_arcs[ci]);
        }
    }
    if cp.focus.is_none() {
        slots.zero_series(horizon, countries);
    }

    // Trial metrics (SPEC 5).
    let metrics = layout.metrics();
    let base = (v * layout.commodities + ci) * metrics;
    let row = &mut trial_metrics[base..base + metrics];
    totals.write_metrics(row);
    for (metric, &value) in row.iter().enumerate() {
        *slots.metric_slot(metric) = value;
    }
    Ok(())
}

/// Month `m` of a network whose optimum may tie ([`Plan::optimum_may_tie`]), so that its flows
/// depend on this month's capacities alone (SPEC 4), not on the basis last month left. Solved
/// warm first: a result whose basis is not dual degenerate is the unique optimum, whatever
/// basis reached it. Otherwise the optimum may be one of several, and the month is solved
/// again from the nominal basis, as a trial's first month is: then the basis it starts from
/// does not depend on earlier months either.
#[inline(never)]
fn solve_month_alone<'s>(
    solver: &'s mut Solver,
    capacities: &[f64],
    movable: &[u32],
    cp: &CommodityPlan,
    trial: u64,
    variant: &VariantPlan,
    m: usize,
) -> Result<&'s [f64], TrialError> {
    if let Err(warm) = solver.solve_changed(capacities, movable) {
        solve_cold_fallback(solver, capacities, warm, trial, variant, m)?;
    }
    if solver.dual_degenerate() {
        solver
            .set_basis(&cp.nominal_basis)
            .map_err(trial_error(trial, variant, m))?;
        if let Err(warm) = solver.solve(capacities) {
            return solve_cold_fallback(solver, capacities, warm, trial, variant, m);
        }
    }
    Ok(solver.flows())
}

/// `a.min(b)` for an `a` that is never NaN (a flow, a running maximum), with one compare:
/// `f64::min` also handles a NaN `a`, which on x86-64 costs a compare and three bit
/// operations more on every call. Otherwise the same: a NaN `b` gives `a`, and so do equal
/// values (+0.0 and −0.0 included), as this build's `f64::min` gives (the bundled scenarios'
/// outputs are byte-identical).
#[inline(always)]
fn min_of_number(a: f64, b: f64) -> f64 {
    debug_assert!(!a.is_nan());
    if b < a { b } else { a }
}

/// `a.max(b)` for an `a` that is never NaN, with one compare (see [`min_of_number`]).
#[inline(always)]
fn max_of_number(a: f64, b: f64) -> f64 {
    debug_assert!(!a.is_nan());
    if b > a { b } else { a }
}

/// `x.clamp(0.0, bound)` for an `x` that is never NaN and a `bound` that is never negative
/// (a flow bound is a maximum over sums from 0.0), without `f64::clamp`'s check of the
/// bounds' order on every call: the same two compares in the same order, so the same value.
#[inline(always)]
fn clamp_number(x: f64, bound: f64) -> f64 {
    debug_assert!(!x.is_nan() && bound >= 0.0);
    let x = if x < 0.0 { 0.0 } else { x };
    if x > bound { bound } else { x }
}

/// What a trial's [`simulate`] does with each month's capacities: nothing (one function for
/// every call, so that [`simulate`] is compiled once for them).
fn ignore_month(_month: usize, _capacities: &[f64]) {}

/// The error of a solve of `variant` failing in month `month` of trial `trial`, as
/// [`Result::map_err`] takes it.
fn trial_error(
    trial: u64,
    variant: &VariantPlan,
    month: usize,
) -> impl FnOnce(SolveError) -> TrialError + '_ {
    move |source| TrialError {
        trial,
        variant: variant.id.clone(),
        month,
        source,
    }
}

/// The fallback of a month's warm solve: a cold solve of the same capacities.
///
/// A warm solve can fail only by reaching its pivot cap, a solver bug (the engine's
/// capacities are finite and ≥ 0, and the basis is this network's). Debug builds, which the
/// test suite runs (`tests/debug_invariants.rs`), stop there; a release run falls back to a
/// cold solve, which reaches an optimum of the same cost (the same flows where the costs make
/// the optimum unique: `engine::plan::costs`).
#[cold]
#[inline(never)]
fn solve_cold_fallback<'s>(
    solver: &'s mut Solver,
    capacities: &[f64],
    warm: SolveError,
    trial: u64,
    variant: &VariantPlan,
    m: usize,
) -> Result<&'s [f64], TrialError> {
    if cfg!(debug_assertions) {
        panic!("warm solve failed in trial {trial}, month {m}: {warm}");
    }
    solver
        .solve_cold(capacities)
        .map_err(trial_error(trial, variant, m))
}

/// The largest monthly supply of the trial: the sum of the source arcs' capacities (in arc
/// order), the largest over the months if a mine has a multiplier. Writes the constant
/// capacities first (their final values, clamped to the flow bound, come with
/// [`CapacityFormulas::write_fixed`]).
///
/// "Unlimited" arcs (uncapped at multiplier 1, and the return arc) carry a bound on the whole
/// month's flow, fixed for the trial: no flow exceeds its month's supply (every unit leaves a
/// mine) nor what the markets can absorb ([`absorb_bound`]), so a bound at least the smaller
/// of their largest monthly values never binds, and one that stays put for the whole trial
/// keeps these arcs (a third of a network) out of the changes the solver processes each
/// month. For the same reason an uncapped element under a multiplier gets at most that bound
/// (SPEC 3's multiplier × throughput bound can exceed the supply, and would then move with
/// the multiplier without ever binding). Every other capacity is clamped to the bound too:
/// the solver's feasibility tolerance is relative to the largest capacity, so a user's
/// "unlimited" 1e15 on an edge, a huge mine or a huge competing demand would otherwise make a
/// small market's demand vanish below it.
fn supply_bound(
    cp: &CommodityPlan,
    node_table: &[f64],
    horizon: usize,
    capacities: &mut [f64],
) -> f64 {
    let schedule = &cp.schedule;
    for &(a, capacity) in &schedule.fixed {
        capacities[a] = capacity;
    }
    let supply_months = if schedule.scaled_sources.is_empty() {
        0..1
    } else {
        match nominal_supply_month(&schedule.scaled_sources, node_table, horizon) {
            Some(m) => m..m + 1,
            None => 0..horizon,
        }
    };
    let mut supply_bound = 0.0f64;
    for m in supply_months {
        for &(a, base, slot) in &schedule.scaled_sources {
            capacities[a] = base * node_table[slot * horizon + m];
        }
        let mut supply = 0.0;
        for &capacity in &capacities[..cp.source_arcs] {
            supply += capacity;
        }
        supply_bound = max_of_number(supply_bound, supply);
    }
    supply_bound
}

/// The month whose supply is the trial's largest, when that shows without summing every
/// month's: every mine multiplier (`scaled_sources`' slots of `node_table`) at most 1 in
/// every month, and a month with all of them at 1 (the first). Its supply is the nominal one,
/// and no month's exceeds it: each mine's capacity is then at most its nominal one (a
/// non-negative capacity times a multiplier ≤ 1 rounds to at most the capacity), and a sum
/// of terms each no larger, added in the same order, rounds to no more (rounding is
/// monotone). So [`supply_bound`] over that month alone is its value over all, bit for bit.
fn nominal_supply_month(
    scaled_sources: &[(usize, f64, usize)],
    node_table: &[f64],
    horizon: usize,
) -> Option<usize> {
    // Every multiplier at most 1 (a NaN, which none is, would fail too): a pass per row with
    // no early exit, which vectorises.
    for &(_, base, slot) in scaled_sources {
        debug_assert!(base >= 0.0);
        let row = &node_table[slot * horizon..(slot + 1) * horizon];
        if !row
            .iter()
            .fold(true, |at_most_one, &x| at_most_one & (x <= 1.0))
        {
            return None;
        }
    }
    (0..horizon).find(|&m| {
        scaled_sources
            .iter()
            .all(|&(_, _, slot)| node_table[slot * horizon + m] == 1.0)
    })
}

/// Writes each market's demand per month, `[month × markets + market]`, once per trial: its
/// base demand times its growth factor of the month.
fn write_demand_table(
    cp: &CommodityPlan,
    variant: &VariantPlan,
    growth: &[Vec<GrowthCache>],
    horizon: usize,
    demand_table: &mut [f64],
) {
    let markets = cp.markets.len();
    for (i, market) in cp.markets.iter().enumerate() {
        let (g, version) = variant.growth[market.growth];
        for (m, &factor) in growth[g][version].factors[..horizon].iter().enumerate() {
            demand_table[m * markets + i] = market.demand_t_per_month * factor;
        }
    }
}

/// The most the markets can absorb in a month of the trial: demand plus stock room, at most
/// (1 + stock_months) × demand, summed over the markets (see [`supply_bound`]).
fn absorb_bound(markets: &[MarketPlan], demand_table: &[f64]) -> f64 {
    let mut absorb_bound = 0.0f64;
    // (No market at all: a variant cut every route of a commodity the focus market does not
    // take; nothing can flow.)
    for month_demand in demand_table.chunks_exact(markets.len().max(1)) {
        let mut absorb = 0.0;
        for (&demand, market) in month_demand.iter().zip(markets) {
            absorb += demand * (1.0 + market.stock_months);
        }
        absorb_bound = max_of_number(absorb_bound, absorb);
    }
    absorb_bound
}

/// Writes what the trial's first month starts from: the fixed origin fractions (mines, and
/// nodes in a `dependency_on` country), which do not move within the trial, and full stocks
/// (stock_months × month-0 demand).
fn start_trial(cp: &CommodityPlan, fractions: &mut [f64], stocks: &mut [f64]) {
    for &(index, value) in &cp.trace_schedule.fixed {
        fractions[index] = value;
    }
    for (stock, market) in stocks.iter_mut().zip(&cp.markets) {
        *stock = market.stock_months * market.demand_t_per_month;
    }
}

/// A network's capacity formulas (SPEC 3) for one trial: its [`CapacitySchedule`], its
/// markets, the variant's node multipliers `[slot × horizon + month]` and the trial's flow
/// bound (see [`supply_bound`]), which clamps every capacity.
struct CapacityFormulas<'a> {
    schedule: &'a CapacitySchedule,
    markets: &'a [MarketPlan],
    node_table: &'a [f64],
    horizon: usize,
    flow_bound: f64,
}

impl CapacityFormulas<'_> {
    /// Node multiplier `slot` in month `m`.
    #[inline(always)]
    fn node_multiplier(&self, slot: usize, m: usize) -> f64 {
        self.node_table[slot * self.horizon + m]
    }

    /// The capacity of an uncapped element of nominal bound `bound` under multiplier `mult`:
    /// the flow bound at multiplier 1, else the scaled bound clamped to it.
    #[inline(always)]
    fn uncapped(&self, bound: f64, mult: f64) -> f64 {
        if mult == 1.0 {
            self.flow_bound
        } else {
            (bound * mult).min(self.flow_bound)
        }
    }

    /// Writes the capacities that stay put for the whole trial: the constant ones, clamped to
    /// the flow bound, and the flow bound itself on the "unlimited" arcs.
    fn write_fixed(&self, capacities: &mut [f64]) {
        for &(a, capacity) in &self.schedule.fixed {
            capacities[a] = capacity.min(self.flow_bound);
        }
        for &a in &self.schedule.supply {
            capacities[a] = self.flow_bound;
        }
    }

    /// Writes month `m`'s capacities of the arcs that can move (the others were written by
    /// [`CapacityFormulas::write_fixed`]): the mines and nodes under a multiplier, the arcs under
    /// regime effects when `regime_changed` (they keep last month's capacity otherwise, the
    /// same formula on the same multiplier), and each market's demand and refill, from its
    /// `month_demand` and its stock at the start of the month.
    #[inline(always)]
    fn write_month(
        &self,
        m: usize,
        regime_changed: bool,
        arc_multiplier: &[f64],
        month_demand: &[f64],
        stocks: &[f64],
        capacities: &mut [f64],
    ) {
        let schedule = self.schedule;
        let flow_bound = self.flow_bound;
        for &(a, base, slot) in &schedule.scaled_sources {
            capacities[a] = (base * self.node_multiplier(slot, m)).min(flow_bound);
        }
        // Each list has one formula of SPEC 3 (a missing multiplier is 1, and 1 × x = x
        // exactly, so these are the general formula's values bit for bit).
        for &(a, base, slot) in &schedule.node_capped {
            capacities[a] = (base * self.node_multiplier(slot, m)).min(flow_bound);
        }
        for &(a, bound, slot) in &schedule.node_uncapped {
            let mult = self.node_multiplier(slot, m);
            capacities[a] = self.uncapped(bound, mult);
        }
        if regime_changed {
            for &(a, base) in &schedule.regime_capped {
                capacities[a] = (base * arc_multiplier[a]).min(flow_bound);
            }
            for &(a, bound) in &schedule.regime_uncapped {
                let mult = arc_multiplier[a];
                capacities[a] = self.uncapped(bound, mult);
            }
        }
        for &ScaledArc {
            arc: a,
            node_slot,
            regime_affected,
            capacity,
        } in &schedule.scaled
        {
            let mut mult = node_slot.map_or(1.0, |s| self.node_multiplier(s, m));
            if regime_affected {
                mult *= arc_multiplier[a];
            }
            capacities[a] = match capacity {
                ArcCapacity::Capped(base) => (base * mult).min(flow_bound),
                ArcCapacity::Uncapped(bound) => self.uncapped(bound, mult),
                _ => unreachable!("only capped and uncapped arcs are scaled"),
            };
        }
        for (i, (market, &demand)) in self.markets.iter().zip(month_demand).enumerate() {
            // A demand is never NaN (validated finite and non-negative, times a growth
            // factor), so one compare gives `demand.min(flow_bound)` bit for bit.
            capacities[market.demand_arc] = min_of_number(demand, flow_bound);
            if let Some(refill) = market.refill_arc {
                capacities[refill] =
                    clamp_number(market.stock_months * demand - stocks[i], flow_bound);
            }
        }
    }
}

/// Recomputes the regime multipliers of the arcs under regime effects for month `m`: the
/// product of the factors of the effects whose regime is in their state (`regime_states`, the
/// variant's `[regime × month]` as in [`Scratch`]). Called when a regime
/// changes state (they depend on nothing else; regimes change state every few months at
/// most).
#[inline(always)]
fn regime_multipliers(
    effects: &[RegimeEffect],
    regime_states: &[u16],
    horizon: usize,
    m: usize,
    arc_multiplier: &mut [f64],
) {
    // An arc's effects are consecutive (the plan lists them arc by arc), so one pass resets
    // each arc's product to 1 at its first effect instead of a separate pass resetting them
    // all: the same products (1 × factor × ...), in the same order.
    let mut previous_arc = usize::MAX;
    for effect in effects {
        if effect.arc != previous_arc {
            arc_multiplier[effect.arc] = 1.0;
            previous_arc = effect.arc;
        }
        if regime_states[effect.regime * horizon + m] == effect.state {
            arc_multiplier[effect.arc] *= effect.factor;
        }
    }
}

/// The focus market's month: its demand, the part served by this month's flows, the part
/// drawn from its stock and the shortfall.
#[derive(Debug, Clone, Copy)]
struct FocusMonth {
    demand: f64,
    served: f64,
    draw: f64,
    shortfall: f64,
}

/// The markets' month after the solve: each serves its demand from its flow, draws on its
/// stock for what is unmet, and refills from its refill flow. Returns the focus market's
/// month, if it takes this commodity.
#[inline(always)]
fn serve_markets(
    cp: &CommodityPlan,
    month_demand: &[f64],
    flows: &[f64],
    stocks: &mut [f64],
) -> Option<FocusMonth> {
    let mut focus_month = None;
    for (i, (market, &demand)) in cp.markets.iter().zip(month_demand).enumerate() {
        // The demand itself, not its arc's capacity (which may be clamped).
        let served = min_of_number(flows[market.demand_arc], demand);
        let refill = market.refill_arc.map_or(0.0, |a| flows[a]);
        // Neither a demand nor a flow nor a stock is ever NaN: one compare each.
        let unmet = max_of_number(demand - served, 0.0);
        let draw = min_of_number(stocks[i], unmet);
        let shortfall = unmet - draw;
        stocks[i] += refill - draw;
        if Some(i) == cp.focus {
            focus_month = Some(FocusMonth {
                demand,
                served,
                draw,
                shortfall,
            });
        }
    }
    focus_month
}

/// Origin tracing of one month: each node's output carries the mix of its inputs; a unit is
/// via C if any node on its path is in C. Only the mixed entries change month to month.
#[inline(always)]
fn trace_origins(trace: &TraceSchedule, flows: &[f64], fractions: &mut [f64]) {
    match trace.width {
        1 => trace_mixed::<1>(trace, flows, fractions),
        2 => trace_mixed::<2>(trace, flows, fractions),
        3 => trace_mixed::<3>(trace, flows, fractions),
        4 => trace_mixed::<4>(trace, flows, fractions),
        _ => trace_mixed_wide(trace, flows, fractions),
    }
}

/// The focus market's sums over one network's months of a trial, from which its trial
/// metrics (SPEC 5) come: the months taken from the baseline, then the solved ones, each
/// added in month order.
struct MonthTotals {
    /// `dependency_on` countries.
    countries: usize,
    /// A month is a shortage month when its shortfall ratio exceeds this.
    threshold: f64,
    /// Demand, independent, stock draw, shortfall.
    totals: [f64; 4],
    /// Demand served via each `dependency_on` country.
    via: [f64; crate::model::MAX_DEPENDENCY_COUNTRIES],
    /// The largest monthly shortfall ratio.
    worst: f64,
    /// Months whose shortfall ratio exceeds the threshold.
    shortage_months: u32,
}

impl MonthTotals {
    /// Empty sums for `countries` countries; `threshold` is the shortfall threshold plus the
    /// tolerance of "exceeds".
    #[inline(always)]
    fn new(countries: usize, threshold: f64) -> Self {
        Self {
            countries,
            threshold,
            totals: [0.0; 4],
            via: [0.0; crate::model::MAX_DEPENDENCY_COUNTRIES],
            worst: 0.0,
            shortage_months: 0,
        }
    }

    /// Adds a month's demand, independent supply, stock draw and shortfall.
    #[inline(always)]
    fn add(&mut self, month: [f64; 4]) {
        self.totals[0] += month[0];
        self.totals[1] += month[1];
        self.totals[2] += month[2];
        self.totals[3] += month[3];
    }

    /// Counts a month's shortfall ratio into the worst month and the shortage months.
    #[inline(always)]
    fn add_shortfall_ratio(&mut self, shortfall_ratio: f64) {
        self.worst = max_of_number(self.worst, shortfall_ratio);
        if shortfall_ratio > self.threshold {
            self.shortage_months += 1;
        }
    }

    /// Adds the baseline's first `from` months as it recorded them
    /// ([`BaselineMonths::focus`]): the same sums in the same order as if solved here.
    fn add_baseline_months(&mut self, focus: &[f64], from: usize) {
        let countries = self.countries;
        for month in focus.chunks_exact(focus_values(countries)).take(from) {
            self.add([month[0], month[1], month[2], month[3]]);
            self.add_shortfall_ratio(month[4]);
            for k in 0..countries {
                self.via[k] += month[5 + k];
            }
        }
    }

    /// Adds solved month `m` of the focus market, whose origin fractions start at
    /// `fractions[focus_row]`, and writes its series values (the via share of each country,
    /// then the shortfall ratio, each in [0, 1]) into `slots`. Returns the month's demand,
    /// independent supply, stock draw, shortfall and shortfall ratio, as [`Recorded`] takes
    /// them.
    #[inline(always)]
    fn add_solved_month(
        &mut self,
        focus: FocusMonth,
        fractions: &[f64],
        focus_row: usize,
        slots: &mut NetworkSlots,
        m: usize,
    ) -> [f64; 5] {
        let FocusMonth {
            demand,
            served,
            draw,
            shortfall,
        } = focus;
        let countries = self.countries;
        let independent = served * fractions[focus_row + countries];
        self.add([demand, independent, draw, shortfall]);
        for k in 0..countries {
            let via = served * fractions[focus_row + k];
            self.via[k] += via;
            let ratio = if demand > 0.0 { via / demand } else { 0.0 };
            *slots.series_slot(m, k) = ratio.clamp(0.0, 1.0);
        }
        let shortfall_ratio = if demand > 0.0 {
            shortfall / demand
        } else {
            0.0
        };
        *slots.series_slot(m, countries) = shortfall_ratio.clamp(0.0, 1.0);
        self.add_shortfall_ratio(shortfall_ratio);
        [demand, independent, draw, shortfall, shortfall_ratio]
    }

    /// Writes the trial metrics (SPEC 5) into `row` (one per country, then
    /// [`TAIL_METRICS`]): the shares of demand via each country, independent, from stock and
    /// short, the worst month, the shortage months and whether the shortfall share exceeds
    /// the threshold.
    fn write_metrics(&self, row: &mut [f64]) {
        let countries = self.countries;
        let demand = self.totals[0];
        let share = |x: f64| {
            if demand > 0.0 {
                (x / demand).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        for (metric, &via) in row[..countries].iter_mut().zip(&self.via) {
            *metric = share(via);
        }
        let shortfall_share = share(self.totals[3]);
        let tail = [
            share(self.totals[1]),
            share(self.totals[2]),
            shortfall_share,
            self.worst.clamp(0.0, 1.0),
            f64::from(self.shortage_months),
            if shortfall_share > self.threshold {
                1.0
            } else {
                0.0
            },
        ];
        debug_assert_eq!(tail.len(), TAIL_METRICS.len());
        row[countries..].copy_from_slice(&tail);
    }
}

/// Sets the stocks at the end of the baseline's month `from − 1`, where a network that
/// mirrors the baseline's takes over: a market the baseline has gets the baseline's stock; a
/// market of this network's own part received nothing and drew on its stock.
fn take_baseline_stocks(
    mirror: &Mirror,
    record: &BaselineMonths,
    base_markets: usize,
    from: usize,
    demand_table: &[f64],
    stocks: &mut [f64],
) {
    let markets = stocks.len();
    for (i, stock) in stocks.iter_mut().enumerate() {
        match mirror.base_market[i] {
            Some(b) => *stock = record.stocks[(from - 1) * base_markets + b],
            None => {
                for m in 0..from {
                    let unmet = demand_table[m * markets + i].max(0.0);
                    let draw = stock.min(unmet);
                    // The solved months' `stocks[i] += refill - draw` with no refill,
                    // written the same way so the bits are the same (a zero draw gives
                    // +0.0, where `-draw` would give −0.0).
                    *stock += 0.0 - draw;
                }
            }
        }
    }
}

/// The pending buffer's slots of one network (variant `v`, commodity `ci`) in this trial.
struct NetworkSlots<'a> {
    pending: &'a mut Pending,
    layout: &'a Layout,
    v: usize,
    ci: usize,
}

impl NetworkSlots<'_> {
    /// Where this network writes series `k` of month `m`.
    #[inline(always)]
    fn series_slot(&mut self, m: usize, k: usize) -> &mut f64 {
        self.pending
            .series_slot(self.layout.series_index(self.v, self.ci, m, k))
    }

    /// Where this network writes metric `metric`.
    #[inline(always)]
    fn metric_slot(&mut self, metric: usize) -> &mut f64 {
        self.pending
            .metric_slot(self.layout.metric_index(self.v, self.ci, metric))
    }

    /// Copies the series values of the first `from` months from variant `baseline`'s.
    fn copy_baseline_series(&mut self, baseline: usize, from: usize, countries: usize) {
        for m in 0..from {
            for k in 0..=countries {
                self.pending.copy_series(
                    self.layout.series_index(baseline, self.ci, m, k),
                    self.layout.series_index(self.v, self.ci, m, k),
                );
            }
        }
    }

    /// Sets every series value to 0: the focus market does not take this commodity in this
    /// variant.
    fn zero_series(&mut self, horizon: usize, countries: usize) {
        for m in 0..horizon {
            for k in 0..=countries {
                *self.series_slot(m, k) = 0.0;
            }
        }
    }
}

/// Origin tracing of one month with `W` columns (`dependency_on` countries + 1; one, two or
/// three countries cover every bundled scenario): the mixed fractions of each trace node, in
/// topological order, from its inputs' fractions weighted by this month's flows.
///
/// One pass over a node's inputs gives its inflow and every column's sum, each taken in input
/// order from −0.0 as `Iterator::sum` does, so the values are those of
/// [`trace_mixed_wide`]'s one pass per sum, bit for bit; with `W` known the column loops
/// unroll. A fraction is a division by the inflow, not a product with its reciprocal, so a
/// node fed only from one country gets exactly 1.
fn trace_mixed<const W: usize>(trace: &TraceSchedule, flows: &[f64], fractions: &mut [f64]) {
    // The table as rows of `W`: one bounds check per row read, where a slice of `W` from
    // `from * W` needs two and the index arithmetic.
    let (rows, _) = fractions.as_chunks_mut::<W>();
    // Each node's incoming pairs split off the front of the rest (they follow each other in
    // node order): one bounds check, where a range needs two.
    let mut rest = &trace.incoming[..];
    for node in &trace.mixed {
        let (incoming, tail) = rest.split_at(node.incoming);
        rest = tail;
        let mut inflow = -0.0;
        let mut sums = [-0.0; W];
        for &(a, from) in incoming {
            let flow = flows[a];
            inflow += flow;
            for (sum, &fraction) in sums.iter_mut().zip(&rows[from]) {
                *sum += flow * fraction;
            }
        }
        // Every column divided at once (one vector division; the division chains from node
        // to node set the pace), then the mixed ones kept.
        let quotients: [f64; W] = std::array::from_fn(|k| sums[k] / inflow);
        let output = &mut rows[node.node];
        if inflow > 0.0 && node.all_columns {
            *output = quotients;
        } else {
            for (k, (fraction, &quotient)) in output.iter_mut().zip(&quotients).enumerate() {
                if node.columns & (1 << k) != 0 {
                    *fraction = if inflow > 0.0 { quotient } else { 0.0 };
                }
            }
        }
    }
}

/// [`trace_mixed`] for any number of columns: one pass over the inputs per sum.
fn trace_mixed_wide(trace: &TraceSchedule, flows: &[f64], fractions: &mut [f64]) {
    let width = trace.width;
    let mut rest = &trace.incoming[..];
    for node in &trace.mixed {
        let (incoming, tail) = rest.split_at(node.incoming);
        rest = tail;
        let t = node.node;
        let inflow: f64 = incoming.iter().map(|&(a, _)| flows[a]).sum();
        for k in 0..width {
            if node.columns & (1 << k) == 0 {
                continue;
            }
            fractions[t * width + k] = if inflow > 0.0 {
                incoming
                    .iter()
                    .map(|&(a, from)| flows[a] * fractions[from * width + k])
                    .sum::<f64>()
                    / inflow
            } else {
                0.0
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, Source, bundled};

    fn plan(name: &str) -> Plan {
        let bundled = bundled::ALL
            .iter()
            .find(|b| b.name == name)
            .expect("a bundled scenario");
        let source = Source::from_text(format!("{name}.toml"), name, false, bundled.text);
        Plan::new(&scenario::parse(&source).expect("valid")).expect("plan")
    }

    /// The supply bound summed over every month, the way it was before
    /// [`nominal_supply_month`] let one month stand for all: the reference.
    fn supply_bound_over_every_month(
        cp: &CommodityPlan,
        node_table: &[f64],
        horizon: usize,
        capacities: &mut [f64],
    ) -> f64 {
        let schedule = &cp.schedule;
        for &(a, capacity) in &schedule.fixed {
            capacities[a] = capacity;
        }
        let mut bound = 0.0f64;
        for m in 0..horizon {
            for &(a, base, slot) in &schedule.scaled_sources {
                capacities[a] = base * node_table[slot * horizon + m];
            }
            let supply: f64 = capacities[..cp.source_arcs].iter().fold(0.0, |s, &c| s + c);
            bound = bound.max(supply);
        }
        bound
    }

    /// The supply bound from the one month [`nominal_supply_month`] picks is the largest
    /// monthly supply, bit for bit, on node multiplier tables of every kind: rows at 1 but for
    /// a few months, rows below 1 throughout, multipliers above 1, zeros.
    #[test]
    fn the_nominal_supply_month_gives_the_supply_bound_of_every_month() {
        let mut stream = Stream::new(1, 0, "test/supply_bound");
        let (mut picked, mut fallback) = (0, 0);
        for name in ["pakistan", "rare_earths", "copper_reko_diq"] {
            let plan = plan(name);
            let horizon = plan.horizon;
            let mut table = vec![1.0; plan.node_slots * horizon];
            let max_arcs = plan
                .variants
                .iter()
                .flat_map(|v| &v.commodities)
                .map(|cp| cp.arcs.len())
                .max()
                .unwrap_or(0);
            let (mut a, mut b) = (vec![0.0; max_arcs], vec![0.0; max_arcs]);
            for _ in 0..300 {
                // Each row: at 1 with a few dips, below 1 throughout, or with months above 1.
                for row in table.chunks_mut(horizon) {
                    let kind = stream.uniform();
                    for x in row.iter_mut() {
                        let u = stream.uniform();
                        *x = if kind < 0.6 {
                            if u < 0.9 { 1.0 } else { u }
                        } else if kind < 0.8 {
                            0.999 * u
                        } else if kind < 0.9 {
                            if u < 0.05 { 1.0 + 20.0 * u } else { 1.0 }
                        } else if u < 0.1 {
                            0.0
                        } else {
                            1.0
                        };
                    }
                }
                for cp in plan.variants.iter().flat_map(|v| &v.commodities) {
                    let some = !cp.schedule.scaled_sources.is_empty()
                        && nominal_supply_month(&cp.schedule.scaled_sources, &table, horizon)
                            .is_some();
                    picked += usize::from(some);
                    fallback += usize::from(!some);
                    let fast = supply_bound(cp, &table, horizon, &mut a);
                    let every = supply_bound_over_every_month(cp, &table, horizon, &mut b);
                    assert_eq!(
                        fast.to_bits(),
                        every.to_bits(),
                        "{name}: {fast} against {every}"
                    );
                }
            }
        }
        // Both ways of computing it were exercised.
        assert!(
            picked > 100 && fallback > 100,
            "{picked} picked, {fallback} fell back"
        );
    }

    /// [`min_of_number`] and [`max_of_number`] are `f64::min` and `f64::max` for a first
    /// argument that is not NaN, on the values where the two could part: infinities, zeros,
    /// subnormals and a NaN second argument. (Between +0.0 and −0.0, `f64::min` and `max`
    /// may return either; the two functions return the first.)
    #[test]
    fn one_compare_min_and_max_are_those_of_f64() {
        let values = [
            f64::NEG_INFINITY,
            -1.5,
            -f64::MIN_POSITIVE / 4.0,
            -0.0,
            0.0,
            f64::MIN_POSITIVE / 4.0,
            1.0,
            f64::MAX,
            f64::INFINITY,
        ];
        for &a in &values {
            assert_eq!(min_of_number(a, f64::NAN).to_bits(), a.to_bits());
            assert_eq!(max_of_number(a, f64::NAN).to_bits(), a.to_bits());
            for &b in &values {
                if a == 0.0 && b == 0.0 {
                    assert_eq!(min_of_number(a, b).to_bits(), a.to_bits());
                    assert_eq!(max_of_number(a, b).to_bits(), a.to_bits());
                    continue;
                }
                assert_eq!(min_of_number(a, b).to_bits(), a.min(b).to_bits(), "{a} {b}");
                assert_eq!(max_of_number(a, b).to_bits(), a.max(b).to_bits(), "{a} {b}");
            }
        }
        for (x, bound) in [(-1.0, 2.0), (-0.0, 2.0), (0.5, 2.0), (3.0, 2.0), (1.0, 0.0)] {
            assert_eq!(
                clamp_number(x, bound).to_bits(),
                f64::clamp(x, 0.0, bound).to_bits()
            );
        }
    }
}

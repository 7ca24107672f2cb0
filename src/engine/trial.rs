//! One trial: sample every disruption once, then for each variant and commodity route the
//! supply month by month, trace origins to the focus market, and compute SPEC 5's metrics.
//!
//! A trial is a pure function of (plan, seed, trial index); all buffers live in [`Scratch`],
//! allocated once per worker, so the monthly loop does not allocate.

use crate::disruption::incidents::{self, Outage, Sweep};
use crate::disruption::project::{self, ProjectDraw};
use crate::disruption::regime;
use crate::engine::allocation::{SolveError, Solver};
use crate::engine::outcome::{Layout, Outcomes, TAIL_METRICS};
use crate::engine::plan::{ArcCapacity, CommodityPlan, Plan};
use crate::engine::stream::Stream;
use crate::model::distribution::Domain;
use crate::model::{DAYS_PER_MONTH, Process};

/// "Exceeds" means greater than the threshold plus this, so rounding cannot flip a count.
const EXCEEDS_TOLERANCE: f64 = 1e-9;

/// A trial's draws of one disruption version, cached so variants that share it sample once.
#[derive(Debug, Clone, Default)]
struct DrawCache {
    /// Trial the entries belong to (u64::MAX: none).
    trial: u64,
    outages: Vec<Outage>,
    states: Vec<u16>,
    project: Option<ProjectDraw>,
}

/// Per-worker buffers for running trials: grown once, reused for every trial.
pub struct Scratch {
    /// [disruption][version].
    draws: Vec<Vec<DrawCache>>,
    /// [growth plan][version] factors per month, with the trial they belong to.
    growth: Vec<Vec<(u64, Vec<f64>)>>,
    outages: Vec<Outage>,
    sweep: Sweep,
    /// Node multipliers per variant group: [variant][slot × month].
    node_multipliers: Vec<Vec<f64>>,
    /// Solvers per [variant][commodity].
    solvers: Vec<Vec<Solver>>,
    capacities: Vec<f64>,
    arc_multiplier: Vec<f64>,
    stocks: Vec<f64>,
    fractions: Vec<f64>,
    /// The last trial's metrics, [variant][commodity][metric] (variants only).
    pub metrics: Vec<f64>,
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

impl Scratch {
    /// Buffers sized for `plan`.
    pub fn new(plan: &Plan) -> Self {
        let horizon = plan.horizon;
        let draws = plan
            .disruptions
            .iter()
            .map(|d| {
                d.versions
                    .iter()
                    .map(|_| DrawCache {
                        trial: u64::MAX,
                        states: vec![0; horizon],
                        ..DrawCache::default()
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
                    .map(|_| (u64::MAX, vec![1.0; horizon]))
                    .collect()
            })
            .collect();
        let max_arcs = plan
            .variants
            .iter()
            .flat_map(|v| v.commodities.iter().map(|c| c.arcs.len()))
            .max()
            .unwrap_or(0);
        let max_markets = plan
            .variants
            .iter()
            .flat_map(|v| v.commodities.iter().map(|c| c.markets.len()))
            .max()
            .unwrap_or(0);
        let max_trace = plan
            .variants
            .iter()
            .flat_map(|v| v.commodities.iter().map(|c| c.trace.len()))
            .max()
            .unwrap_or(0);
        let layout = layout(plan);
        Self {
            draws,
            growth,
            outages: Vec::new(),
            sweep: Sweep::default(),
            node_multipliers: plan
                .variants
                .iter()
                .map(|_| vec![1.0; plan.node_slots * horizon])
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
            fractions: vec![0.0; max_trace * (plan.dependency_on.len() + 1)],
            metrics: vec![0.0; layout.variants * layout.commodities * layout.metrics()],
        }
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
pub fn run_trial(
    plan: &Plan,
    seed: u64,
    trial: u64,
    scratch: &mut Scratch,
    outcomes: &mut Outcomes,
) -> Result<(), TrialError> {
    let layout = outcomes.layout.clone();
    for v in 0..plan.variants.len() {
        prepare_variant(plan, seed, trial, v, scratch);
        for ci in 0..plan.commodities.len() {
            simulate(plan, trial, v, ci, scratch, outcomes, &layout)?;
        }
    }
    // Paired reductions: baseline − variant, trial by trial.
    let metrics = layout.metrics();
    for (r, &v) in layout.reduced().iter().enumerate() {
        let group = layout.variants + r;
        for ci in 0..layout.commodities {
            for m in 0..metrics {
                let base =
                    scratch.metrics[(layout.baseline * layout.commodities + ci) * metrics + m];
                let this = scratch.metrics[(v * layout.commodities + ci) * metrics + m];
                outcomes
                    .metrics
                    .push(layout.metric_index(group, ci, m), base - this);
            }
        }
    }
    Ok(())
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
        if cache.trial == trial {
            continue;
        }
        cache.trial = trial;
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
        let (stamp, factors) = &mut scratch.growth[g][version];
        if *stamp == trial {
            continue;
        }
        *stamp = trial;
        let distribution = &plan.growth[g].versions[version];
        let rate = match distribution.as_fixed() {
            Some(rate) => rate,
            None => {
                let mut stream = Stream::from_key_hash(seed, trial, plan.growth[g].key_hash);
                distribution.sample_clipped(&mut stream, Domain::AtLeast(-1.0))
            }
        };
        // Demand in month m is demand × (1 + g)^(m/12).
        for (m, f) in factors.iter_mut().enumerate() {
            *f = if rate == 0.0 {
                1.0
            } else {
                libm::pow(1.0 + rate, m as f64 / 12.0)
            };
        }
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
        incidents::time_average(
            &scratch.outages,
            &plan.node_slot,
            horizon,
            &mut scratch.sweep,
            table,
        );
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

/// Routes one commodity of one variant over the horizon and records its metrics.
fn simulate(
    plan: &Plan,
    trial: u64,
    v: usize,
    ci: usize,
    scratch: &mut Scratch,
    outcomes: &mut Outcomes,
    layout: &Layout,
) -> Result<(), TrialError> {
    let variant = &plan.variants[v];
    let cp: &CommodityPlan = &variant.commodities[ci];
    let horizon = plan.horizon;
    let countries = plan.dependency_on.len();
    let Scratch {
        draws,
        growth,
        node_multipliers,
        solvers,
        capacities,
        arc_multiplier,
        stocks,
        fractions,
        metrics: trial_metrics,
        ..
    } = scratch;
    let node_table = &node_multipliers[variant.multiplier_group];
    let solver = &mut solvers[v][ci];
    solver
        .set_basis(&cp.nominal_basis)
        .map_err(|source| TrialError {
            trial,
            variant: variant.id.clone(),
            month: 0,
            source,
        })?;
    let capacities = &mut capacities[..cp.arcs.len()];
    let arc_multiplier = &mut arc_multiplier[..cp.arcs.len()];
    let stocks = &mut stocks[..cp.markets.len()];
    // Growth factors of each market, by market index.
    let growth_of = |market: usize| -> &[f64] {
        let (g, version) = variant.growth[cp.markets[market].growth];
        &growth[g][version].1
    };

    // Stocks start full: stock_months × month-0 demand.
    for (stock, market) in stocks.iter_mut().zip(&cp.markets) {
        *stock = market.stock_months * market.demand_t_per_month;
    }
    let mut totals = [0.0f64; 4]; // demand, independent, stock draw, shortfall
    let mut via_totals = [0.0f64; 64];
    let mut worst = 0.0f64;
    let mut shortage_months = 0u32;
    let threshold = plan.shortfall_threshold + EXCEEDS_TOLERANCE;

    for m in 0..horizon {
        // Regime multipliers on affected arcs.
        for effect in &cp.regime_effects {
            arc_multiplier[effect.arc] = 1.0;
        }
        for effect in &cp.regime_effects {
            let (k, version) = variant.regimes[effect.regime];
            if draws[k][version].states[m] == effect.state {
                arc_multiplier[effect.arc] *= effect.factor;
            }
        }
        // Capacities: mines first, whose sum bounds every "unlimited" arc.
        let mut supply = 0.0;
        for (a, arc) in cp.arcs.iter().enumerate().take(cp.source_arcs) {
            let ArcCapacity::Capped(base) = arc.capacity else {
                unreachable!("source arcs are capped");
            };
            let mult = arc.node_slot.map_or(1.0, |s| node_table[s * horizon + m]);
            capacities[a] = base * mult;
            supply += capacities[a];
        }
        for (a, arc) in cp.arcs.iter().enumerate().skip(cp.source_arcs) {
            let mut mult = arc.node_slot.map_or(1.0, |s| node_table[s * horizon + m]);
            if arc.regime_affected {
                mult *= arc_multiplier[a];
            }
            capacities[a] = match arc.capacity {
                ArcCapacity::Capped(base) => base * mult,
                ArcCapacity::Uncapped(bound) => {
                    if mult == 1.0 {
                        supply
                    } else {
                        bound * mult
                    }
                }
                ArcCapacity::Demand(i) => cp.markets[i].demand_t_per_month * growth_of(i)[m],
                ArcCapacity::Refill(i) => {
                    let market = &cp.markets[i];
                    let demand = market.demand_t_per_month * growth_of(i)[m];
                    (market.stock_months * demand - stocks[i]).max(0.0)
                }
                ArcCapacity::Return => supply,
            };
        }
        let flows = match solver.solve(capacities) {
            Ok(flows) => flows,
            Err(_) => solver.solve_cold(capacities).map_err(|source| TrialError {
                trial,
                variant: variant.id.clone(),
                month: m,
                source,
            })?,
        };

        // Markets: serve demand, draw stock for what is unmet, refill.
        let mut focus_month = None;
        for (i, market) in cp.markets.iter().enumerate() {
            let demand = capacities[market.demand_arc];
            let served = flows[market.demand_arc].min(demand);
            let refill = market.refill_arc.map_or(0.0, |a| flows[a]);
            let unmet = (demand - served).max(0.0);
            let draw = stocks[i].min(unmet);
            let shortfall = unmet - draw;
            stocks[i] += refill - draw;
            if Some(i) == cp.focus {
                focus_month = Some((demand, served, draw, shortfall));
            }
        }
        let Some((demand, served, draw, shortfall)) = focus_month else {
            continue;
        };

        // Origin tracing: each node's output carries the mix of its inputs; a unit is via C
        // if any node on its path is in C.
        let width = countries + 1;
        for (t, node) in cp.trace.iter().enumerate() {
            let inflow: f64 = node.incoming.iter().map(|&(a, _)| flows[a]).sum();
            for k in 0..=countries {
                let own = if k < countries {
                    node.country_mask & (1 << k) != 0
                } else {
                    false
                };
                fractions[t * width + k] = if own {
                    1.0
                } else if k == countries && node.country_mask != 0 {
                    0.0
                } else if node.incoming.is_empty() {
                    // A mine: "not via any" only if it is in none of the countries.
                    if k == countries { 1.0 } else { 0.0 }
                } else if inflow > 0.0 {
                    node.incoming
                        .iter()
                        .map(|&(a, from)| flows[a] * fractions[from * width + k])
                        .sum::<f64>()
                        / inflow
                } else {
                    0.0
                };
            }
        }
        let focus_t = cp.trace.len() - 1;
        totals[0] += demand;
        totals[1] += served * fractions[focus_t * width + countries];
        totals[2] += draw;
        totals[3] += shortfall;
        for k in 0..countries {
            let via = served * fractions[focus_t * width + k];
            via_totals[k] += via;
            let ratio = if demand > 0.0 { via / demand } else { 0.0 };
            outcomes
                .series
                .push(layout.series_index(v, ci, m, k), ratio.clamp(0.0, 1.0));
        }
        let shortfall_ratio = if demand > 0.0 {
            shortfall / demand
        } else {
            0.0
        };
        outcomes.series.push(
            layout.series_index(v, ci, m, countries),
            shortfall_ratio.clamp(0.0, 1.0),
        );
        worst = worst.max(shortfall_ratio);
        if shortfall_ratio > threshold {
            shortage_months += 1;
        }
    }
    if cp.focus.is_none() {
        // The focus market does not take this commodity in this variant: all ratios are 0.
        for m in 0..horizon {
            for k in 0..=countries {
                outcomes.series.push(layout.series_index(v, ci, m, k), 0.0);
            }
        }
    }

    // Trial metrics (SPEC 5).
    let metrics = layout.metrics();
    let base = (v * layout.commodities + ci) * metrics;
    let share = |x: f64| {
        if totals[0] > 0.0 {
            (x / totals[0]).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    for k in 0..countries {
        trial_metrics[base + k] = share(via_totals[k]);
    }
    let shortfall_share = share(totals[3]);
    let tail = [
        share(totals[1]),
        share(totals[2]),
        shortfall_share,
        worst.clamp(0.0, 1.0),
        f64::from(shortage_months),
        if shortfall_share > threshold {
            1.0
        } else {
            0.0
        },
    ];
    debug_assert_eq!(tail.len(), TAIL_METRICS.len());
    trial_metrics[base + countries..base + metrics].copy_from_slice(&tail);
    for metric in 0..metrics {
        outcomes.metrics.push(
            layout.metric_index(v, ci, metric),
            trial_metrics[base + metric],
        );
    }
    Ok(())
}

//! Compiling a [`Model`] into what the trial loop needs: per variant and reported commodity, a
//! flow network with integer costs, the recipe of every arc's monthly capacity, the origin
//! tracing order, and the nominal optimal basis that every trial starts from.
//!
//! Done once per run; nothing here is touched per trial except through read-only references.

use crate::engine::allocation::{Basis, FlowNetwork, Solver};
use crate::engine::mirror::{Mirror, Side};
use crate::engine::stream::key_hash;
use crate::model::{
    CommodityId, Country, Disruption, Distribution, Model, NodeId, NodeKind, Process, Variant,
};

/// Why a model cannot be compiled (never for a validated model, short of a bug or absurd sizes).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Costs and priorities do not fit the solver's integer arithmetic.
    #[error(
        "the scenario's costs are too large for exact integer arithmetic: Σ round(cost × 1000) × (edges + 1) over the edges, times the number of distinct market priorities + 2, must stay below about 2^118; divide every cost by one factor (costs are relative, so the routing does not change)"
    )]
    CostOverflow,
    /// The nominal month could not be solved.
    #[error(
        "internal error: the nominal allocation of variant {variant}, commodity {commodity} failed: {reason}"
    )]
    Nominal {
        /// Variant id.
        variant: String,
        /// Commodity id.
        commodity: String,
        /// The solver's message.
        reason: String,
    },
}

/// How an arc's capacity is set each month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArcCapacity {
    /// A nominal capacity in t/month, times its multipliers.
    Capped(f64),
    /// No capacity: unlimited while its multiplier is 1; otherwise multiplier × this nominal
    /// throughput bound in t/month (SPEC 3).
    Uncapped(f64),
    /// Demand of market `markets[i]` this month.
    Demand(usize),
    /// Room left in the stock of market `markets[i]`.
    Refill(usize),
    /// The return arc sink → source: unlimited.
    Return,
}

/// What an arc of a commodity's flow network stands for in the scenario: the same role in two
/// variants' networks is the same element (a variant's network differs from another's only by
/// the nodes and edges it disables and the values it sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArcRole {
    /// Source → mine: the mine's output.
    Supply(NodeId),
    /// A refinery's or hub's throughput (its "in" node to its "out" node).
    Throughput(NodeId),
    /// Edge `i` of the scenario, in file order.
    Edge(usize),
    /// A market's demand.
    Demand(NodeId),
    /// A market's stock refill.
    Refill(NodeId),
    /// Sink → source.
    Return,
}

/// One arc of a commodity's flow network.
#[derive(Debug, Clone, PartialEq)]
pub struct ArcPlan {
    /// What it stands for.
    pub role: ArcRole,
    /// How its capacity is set.
    pub capacity: ArcCapacity,
    /// Row of the node multiplier (incidents × projects) that applies, if any.
    pub node_slot: Option<usize>,
    /// Whether regime effects may apply (edge arcs leaving an exporter).
    pub regime_affected: bool,
}

/// A market in a commodity's flow network.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketPlan {
    /// The model node.
    pub node: NodeId,
    /// Nominal demand in t/month (before growth).
    pub demand_t_per_month: f64,
    /// Stock cap in months of demand.
    pub stock_months: f64,
    /// Index of the market's growth draw in the variant's growth list.
    pub growth: usize,
    /// Arc that serves demand.
    pub demand_arc: usize,
    /// Arc that refills stock, if it has a stock.
    pub refill_arc: Option<usize>,
}

/// A node on the way to the focus market, for origin tracing.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceNode {
    /// Bit k set when the node is in `dependency_on[k]`.
    pub country_mask: u64,
    /// Incoming edge arcs and the trace node they come from.
    pub incoming: Vec<(usize, usize)>,
}

// One bit of `TraceNode::country_mask` per `dependency_on` country.
const _: () = assert!(crate::model::MAX_DEPENDENCY_COUNTRIES <= u64::BITS as usize);

/// Regime effect on one arc: multiply by `factor` when `regime`'s state is `state`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegimeEffect {
    /// Index into the variant's enabled regimes.
    pub regime: usize,
    /// The state in which it applies.
    pub state: u16,
    /// The arc.
    pub arc: usize,
    /// The multiplier.
    pub factor: f64,
}

/// One reported commodity in one variant.
#[derive(Debug, Clone)]
pub struct CommodityPlan {
    /// The commodity.
    pub commodity: CommodityId,
    /// The flow network (sink, source, split nodes, arcs with lexicographic integer costs).
    pub network: FlowNetwork,
    /// The optimal basis of the nominal month: every trial starts from it.
    pub nominal_basis: Basis,
    /// Arcs, in the network's order: source arcs first.
    pub arcs: Vec<ArcPlan>,
    /// Number of source arcs (mines) at the start of `arcs`: their sum is the month's supply.
    pub source_arcs: usize,
    /// Markets handling the commodity.
    pub markets: Vec<MarketPlan>,
    /// Index of the focus market in `markets`, if it handles the commodity in this variant.
    pub focus: Option<usize>,
    /// Nodes upstream of the focus market in topological order; the focus market is last.
    pub trace: Vec<TraceNode>,
    /// Regime effects on arcs, arc by arc (an arc's effects are consecutive, which the
    /// trial's one-pass product of them relies on).
    pub regime_effects: Vec<RegimeEffect>,
    /// The arcs grouped by what moves their capacity, so that a month touches only those
    /// that can change (derived from `arcs`).
    pub schedule: CapacitySchedule,
    /// Origin tracing flattened into the order the monthly loop reads it (derived from
    /// `trace`).
    pub trace_schedule: TraceSchedule,
    /// Every arc but the return arc, ordered by the topological position of its tail (source
    /// first, sink last): a pass in this order sees an arc only after every arc into its tail.
    pub arcs_in_order: Vec<u32>,
    /// How this network relates to the baseline's, when it is the baseline's plus a part of its
    /// own (see [`Mirror`]); `None` for the baseline and for networks of another shape.
    pub mirror: Option<Mirror>,
    /// The first variant whose markets of this commodity have the same demand, stock cap and
    /// growth draw as this one's, in the same order: their monthly demand, and the bound on
    /// what the markets absorb, are the same in every trial (computed once per trial).
    pub demand_group: usize,
}

/// A commodity network's arcs grouped by what sets their capacity each month.
///
/// Within a trial the topology is fixed and most capacities are constant: arcs with a nominal
/// capacity and no multiplier never change, and uncapped arcs without a multiplier always
/// carry the month's supply. Grouping them once per run lets the monthly loop write only the
/// arcs that can move, with no per-arc `match` on [`ArcCapacity`]. Every value is computed
/// with exactly the arithmetic of SPEC 3 as [`ArcPlan`] states it (the same products in the
/// same order), so results do not depend on the grouping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CapacitySchedule {
    /// Arcs whose capacity is a constant (t/month): capped, with no multiplier.
    pub fixed: Vec<(usize, f64)>,
    /// Source arcs (mines) under a node multiplier: (arc, nominal t/month, node slot).
    pub scaled_sources: Vec<(usize, f64, usize)>,
    /// Capped arcs under a node multiplier only (refineries, hubs): (arc, nominal, slot).
    pub node_capped: Vec<(usize, f64, usize)>,
    /// Uncapped arcs under a node multiplier only: (arc, nominal bound, slot).
    pub node_uncapped: Vec<(usize, f64, usize)>,
    /// Capped arcs under regime effects only (export edges): (arc, nominal).
    pub regime_capped: Vec<(usize, f64)>,
    /// Uncapped arcs under regime effects only: (arc, nominal bound).
    pub regime_uncapped: Vec<(usize, f64)>,
    /// Arcs under both a node multiplier and regime effects (none with today's plans: regime
    /// effects act on edges, node multipliers on mines, refineries and hubs).
    pub scaled: Vec<ScaledArc>,
    /// Arcs that carry the trial's largest monthly supply: the return arc and uncapped arcs
    /// with no multiplier (no flow can exceed its month's supply, so the bound never binds).
    pub supply: Vec<usize>,
    /// Every arc whose capacity can move from one month to the next within a trial (all but
    /// `fixed` and `supply`), ascending: the solver compares only these with last month's.
    pub monthly: Vec<u32>,
    /// `monthly` without the arcs under regime effects only (`regime_capped`,
    /// `regime_uncapped`), which keep their capacity in a month where no regime changes state.
    pub monthly_regimes_unchanged: Vec<u32>,
}

/// A non-source arc whose capacity is its nominal value or bound times multipliers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaledArc {
    /// The arc.
    pub arc: usize,
    /// Row of its node multiplier, if any.
    pub node_slot: Option<usize>,
    /// Whether regime effects may apply.
    pub regime_affected: bool,
    /// [`ArcCapacity::Capped`] or [`ArcCapacity::Uncapped`].
    pub capacity: ArcCapacity,
}

/// Origin tracing of one commodity network, flattened (see [`TraceNode`] for the rule).
///
/// The fractions of a trace node are fixed when the node is in a `dependency_on` country
/// (1 for its own countries; 0 for "not via any") or is a mine (0, or 1 for "not via any" if
/// it is in none); only the remaining entries mix the inputs' fractions by flow, month by
/// month. The fixed ones are written once per trial, the mixed ones each month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceSchedule {
    /// Fractions per trace node and column (`countries + 1` columns, the last "not via any").
    pub width: usize,
    /// Fixed entries: (index into the fractions table, value).
    pub fixed: Vec<(usize, f64)>,
    /// Trace nodes with mixed entries, in topological order.
    pub mixed: Vec<MixedTraceNode>,
    /// Incoming (arc, trace node) pairs of the mixed nodes, concatenated in the order of
    /// `mixed`.
    pub incoming: Vec<(usize, usize)>,
}

/// A trace node whose fractions (some of them) mix its inputs'.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixedTraceNode {
    /// Its index in the trace.
    pub node: usize,
    /// The number of its incoming pairs, which follow the previous mixed node's in
    /// `TraceSchedule::incoming` (a pass over the nodes splits each node's off the front).
    pub incoming: usize,
    /// The columns to mix, as a bit mask (bit k: column k).
    pub columns: u128,
    /// Whether that is every column (always so with one `dependency_on` country).
    pub all_columns: bool,
}

/// One variant, compiled.
#[derive(Debug, Clone)]
pub struct VariantPlan {
    /// Variant id.
    pub id: String,
    /// Enabled incident processes: (disruption index, version index).
    pub incidents: Vec<(usize, usize)>,
    /// Enabled projects: (disruption index, version index).
    pub projects: Vec<(usize, usize)>,
    /// Enabled regimes: (disruption index, version index).
    pub regimes: Vec<(usize, usize)>,
    /// Growth draws: (index in [`Plan::growth`], version index in its versions).
    pub growth: Vec<(usize, usize)>,
    /// Per reported commodity.
    pub commodities: Vec<CommodityPlan>,
    /// The first variant whose node multipliers equal this one's (same incident processes and
    /// projects): their table is computed once per trial.
    pub multiplier_group: usize,
    /// For the first variant of a multiplier group: the rows of its time-averaged incidents
    /// that an earlier variant has too, copied from it instead of swept again.
    pub shared_incident_rows: Option<SharedIncidentRows>,
    /// The slots whose rows of this variant's time-averaged incidents a later variant copies
    /// ([`SharedIncidentRows`]): they are kept, before its projects, in each trial.
    pub kept_incident_slots: Vec<usize>,
}

/// Rows of the node-multiplier table whose time-averaged incidents a variant takes from an
/// earlier one: those of the nodes that the same incident processes (the same versions, in
/// the same order) can hit in both variants. Such a node's outages are the same draws in the
/// same relative order in both, and a row depends on nothing else
/// ([`crate::disruption::incidents::time_average`] sorts a node's boundaries and multiplies its
/// factors by outage index, and an order-preserving renumbering changes neither).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedIncidentRows {
    /// The earlier variant (the first of its multiplier group), which keeps its rows.
    pub from: usize,
    /// [`Plan::node_slot`] without the nodes whose rows are copied: the rows this variant
    /// sweeps itself.
    pub own_slot_of_node: Vec<Option<usize>>,
    /// The slots of the rows copied (in `from`'s [`VariantPlan::kept_incident_slots`]).
    pub copied_slots: Vec<usize>,
}

/// The distinct parameterisations of one disruption across variants, and its stream key.
#[derive(Debug, Clone)]
pub struct DisruptionPlan {
    /// Hash of `disruption/<id>`.
    pub key_hash: u64,
    /// Distinct versions (after variant overrides).
    pub versions: Vec<Disruption>,
}

/// The distinct growth distributions of one market across variants, and its stream key.
#[derive(Debug, Clone)]
pub struct GrowthPlan {
    /// The market.
    pub node: NodeId,
    /// Hash of `growth/<market id>`.
    pub key_hash: u64,
    /// Distinct versions (after variant overrides).
    pub versions: Vec<Distribution>,
}

/// Everything the trial loop needs, compiled once per run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Months simulated.
    pub horizon: usize,
    /// Countries counted as dependency.
    pub dependency_on: Vec<Country>,
    /// Serious-shortfall threshold.
    pub shortfall_threshold: f64,
    /// Reported commodities (positive focus demand), in file order.
    pub commodities: Vec<CommodityId>,
    /// Index of the baseline variant.
    pub baseline: usize,
    /// Per reported commodity: whether some variant's network mirrors the baseline's (so the
    /// baseline's months are kept for it during a trial).
    pub baseline_recorded: Vec<bool>,
    /// Per reported commodity: the baseline's arcs whose monthly flows it records, for the
    /// [`crate::engine::mirror::LooseArc`]s of the variants that mirror it.
    pub baseline_flow_arcs: Vec<Vec<u32>>,
    /// Variants in file order.
    pub variants: Vec<VariantPlan>,
    /// Per disruption in file order.
    pub disruptions: Vec<DisruptionPlan>,
    /// Per market that any variant grows.
    pub growth: Vec<GrowthPlan>,
    /// Row of each node in the node-multiplier table (nodes targeted by a disruption).
    pub node_slot: Vec<Option<usize>>,
    /// Number of rows of the node-multiplier table.
    pub node_slots: usize,
    /// Whether two different flows can tie under SPEC 4's costs: a network of more than
    /// [`MAX_TIE_EDGES`] edges, where the 2^i perturbation that makes the optimum unique does
    /// not fit. The engine then checks each month's optimal basis for dual degeneracy and,
    /// when it finds any (the optimum may be one of several), solves the month again from the
    /// nominal basis, so that a tied month's flows depend on its own capacities only (SPEC 4:
    /// "never on how earlier months were solved").
    pub optimum_may_tie: bool,
}

/// Most edges whose 2^i perturbation becomes tie costs when it does not fit in the costs:
/// `Σ 2^i < 2^124` is the solver's bound on `Σ|tie|`, which keeps tie potentials within `i128`.
pub const MAX_TIE_EDGES: usize = 124;

/// Lexicographic integer costs (SPEC 4) for a network whose edges have SPEC's integer costs.
struct Costs {
    edge: Vec<i128>,
    /// Per edge its tie cost (2^i), when the perturbation does not fit in the costs; else
    /// empty.
    edge_tie: Vec<i128>,
    /// Whether the costs carry the 2^i perturbation, in the costs or as tie costs, which makes
    /// every month's optimum unique.
    unique: bool,
    refill: i128,
    demand_levels: Vec<i128>,
}

/// Builds the integer costs: edge i costs round(cost·1000)·(E+1) + i, scaled up and perturbed
/// by 2^i (when room allows) so that no two different flows tie (the optimum is unique and
/// no month's flows depend on how earlier months were solved); stock refill is worth more than
/// any path's cost, and each demand priority level more than refill and any lower level.
///
/// When the perturbation does not fit in an `i128` beside the rest (beyond 64 to 100 edges,
/// depending on the size of the costs), it becomes the edges' tie costs, compared only when
/// the costs tie ([`FlowNetwork::add_arc_tied`]): the same order of flows, with room for up to
/// [`MAX_TIE_EDGES`] edges. Every simple cycle of a commodity network runs through an edge
/// (or is two market arcs of different costs), so its ±2^i terms cannot cancel and no two
/// different flows tie.
fn costs(model: &Model) -> Result<Costs, PlanError> {
    let edges = &model.network.edges;
    let e = edges.len() as i128;
    let spec: Vec<i128> = edges
        .iter()
        .enumerate()
        .map(|(i, edge)| (edge.cost * 1000.0).round() as i128 * (e + 1) + i as i128)
        .collect();
    let spec_total: i128 = spec.iter().sum();
    let level_count = priority_levels(model).len() as u32;
    // Bits needed without perturbation: path costs < spec_total; values up to
    // (levels + 1)·(spec_total + 1).
    let base_bits = 128 - (spec_total + 1).leading_zeros();
    let level_bits = 32 - (level_count + 2).leading_zeros();
    let headroom = 120i64 - i64::from(base_bits) - i64::from(level_bits) - 2;
    if headroom < 0 {
        return Err(PlanError::CostOverflow);
    }
    // Perturbation: 2^i per edge in the costs when it fits, else as tie costs (below).
    let perturb_bits = if (edges.len() as i64) < headroom.min(100) {
        edges.len() as u32 + 1
    } else {
        0
    };
    let edge: Vec<i128> = spec
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            if perturb_bits > 0 {
                (k << perturb_bits) + (1i128 << i)
            } else {
                k
            }
        })
        .collect();
    let edge_tie: Vec<i128> = if perturb_bits == 0 && edges.len() <= MAX_TIE_EDGES {
        (0..edges.len()).map(|i| 1i128 << i).collect()
    } else {
        Vec::new()
    };
    let path_bound: i128 = edge.iter().sum::<i128>() + 1;
    let refill = path_bound;
    let demand_levels = (1..=level_count as i128)
        .map(|j| refill + j * path_bound)
        .collect::<Vec<i128>>();
    // demand_levels[j] for levels sorted ascending: the highest priority is worth the most.
    Ok(Costs {
        unique: perturb_bits > 0 || !edge_tie.is_empty(),
        edge,
        edge_tie,
        refill,
        demand_levels,
    })
}

/// The distinct market priorities of every variant, ascending.
fn priority_levels(model: &Model) -> Vec<f64> {
    let mut levels: Vec<f64> = model
        .variants
        .iter()
        .flat_map(|v| {
            v.nodes
                .iter()
                .filter_map(|n| n.market.as_ref().map(|m| m.priority))
        })
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    levels
}

fn priority_level(model: &Model, priority: f64) -> usize {
    priority_levels(model)
        .iter()
        .position(|&p| p == priority)
        .expect("every market priority is among the levels")
}

/// Distinct versions of each disruption across variants, and each variant's version index.
fn disruption_versions(model: &Model) -> (Vec<DisruptionPlan>, Vec<Vec<Option<usize>>>) {
    let mut plans: Vec<DisruptionPlan> = model
        .disruptions
        .iter()
        .map(|d| DisruptionPlan {
            key_hash: key_hash(&format!("disruption/{}", d.id)),
            versions: Vec::new(),
        })
        .collect();
    let mut chosen = Vec::with_capacity(model.variants.len());
    for variant in &model.variants {
        let mut per_variant = Vec::with_capacity(model.disruptions.len());
        for (k, d) in variant.disruptions.iter().enumerate() {
            if variant.disruption_disabled[k] {
                per_variant.push(None);
                continue;
            }
            let versions = &mut plans[k].versions;
            let index = match versions.iter().position(|v| v == d) {
                Some(i) => i,
                None => {
                    versions.push(d.clone());
                    versions.len() - 1
                }
            };
            per_variant.push(Some(index));
        }
        chosen.push(per_variant);
    }
    (plans, chosen)
}

/// Sets each network's [`CommodityPlan::demand_group`]: the first variant whose markets of
/// the commodity demand the same (bit for bit: the same products follow), with the same stock
/// caps and growth draws.
fn group_demands(variants: &mut [VariantPlan]) {
    for ci in 0..variants.first().map_or(0, |v| v.commodities.len()) {
        for v in 0..variants.len() {
            let demands = |u: usize| {
                let variant = &variants[u];
                variant.commodities[ci].markets.iter().map(move |market| {
                    (
                        market.demand_t_per_month.to_bits(),
                        market.stock_months.to_bits(),
                        variant.growth[market.growth],
                    )
                })
            };
            let group = (0..v).find(|&u| demands(u).eq(demands(v))).unwrap_or(v);
            variants[v].commodities[ci].demand_group = group;
        }
    }
}

/// Sets [`VariantPlan::shared_incident_rows`]: for each multiplier group after the first, the
/// earlier group sharing the most rows hit by some incident process, if any does.
fn share_incident_rows(
    variants: &mut [VariantPlan],
    disruptions: &[DisruptionPlan],
    node_slot: &[Option<usize>],
) {
    // The incident processes of `variant` that can hit `node`, in the variant's order (the
    // order its outages are listed in).
    let hitting = |variant: &VariantPlan, node: usize| -> Vec<(usize, usize)> {
        variant
            .incidents
            .iter()
            .copied()
            .filter(|&(k, version)| {
                let process = &disruptions[k].versions[version].process;
                process.targets().iter().any(|target| target.0 == node)
            })
            .collect()
    };
    for w in 0..variants.len() {
        if variants[w].multiplier_group != w {
            continue;
        }
        let mut best: Option<(usize, Vec<usize>)> = None;
        for u in (0..w).filter(|&u| variants[u].multiplier_group == u) {
            let shared: Vec<usize> = (0..node_slot.len())
                .filter(|&n| node_slot[n].is_some())
                .filter(|&n| {
                    let processes = hitting(&variants[w], n);
                    !processes.is_empty() && processes == hitting(&variants[u], n)
                })
                .collect();
            if !shared.is_empty() && best.as_ref().is_none_or(|(_, b)| shared.len() > b.len()) {
                best = Some((u, shared));
            }
        }
        let Some((from, shared)) = best else {
            continue;
        };
        let mut own_slot_of_node = node_slot.to_vec();
        let mut copied_slots = Vec::with_capacity(shared.len());
        for &n in &shared {
            copied_slots.extend(own_slot_of_node[n].take());
        }
        let kept = &mut variants[from].kept_incident_slots;
        for &slot in &copied_slots {
            if !kept.contains(&slot) {
                kept.push(slot);
            }
        }
        variants[w].shared_incident_rows = Some(SharedIncidentRows {
            from,
            own_slot_of_node,
            copied_slots,
        });
    }
}

impl Plan {
    /// Compiles `model`.
    pub fn new(model: &Model) -> Result<Plan, PlanError> {
        let costs = costs(model)?;
        let horizon = model.horizon_months as usize;
        let commodities = model.reported_commodities();
        let (disruptions, chosen) = disruption_versions(model);

        // Node-multiplier rows: every node a disruption targets in any variant.
        let mut node_slot = vec![None; model.network.nodes.len()];
        let mut node_slots = 0;
        for plan in &disruptions {
            for version in &plan.versions {
                for target in version.process.targets() {
                    if node_slot[target.0].is_none() {
                        node_slot[target.0] = Some(node_slots);
                        node_slots += 1;
                    }
                }
            }
        }

        // Growth versions per market.
        let mut growth: Vec<GrowthPlan> = Vec::new();
        let mut variants = Vec::with_capacity(model.variants.len());
        for (v, variant) in model.variants.iter().enumerate() {
            let mut variant_growth = Vec::new();
            for (n, node) in variant.nodes.iter().enumerate() {
                let Some(market) = &node.market else { continue };
                if variant.node_disabled[n] {
                    continue;
                }
                let plan_index = match growth.iter().position(|g| g.node.0 == n) {
                    Some(i) => i,
                    None => {
                        growth.push(GrowthPlan {
                            node: NodeId(n),
                            key_hash: key_hash(&format!("growth/{}", node.id)),
                            versions: Vec::new(),
                        });
                        growth.len() - 1
                    }
                };
                let versions = &mut growth[plan_index].versions;
                let version = match versions.iter().position(|d| *d == market.demand_growth) {
                    Some(i) => i,
                    None => {
                        versions.push(market.demand_growth);
                        versions.len() - 1
                    }
                };
                variant_growth.push((plan_index, version));
            }
            let mut incidents = Vec::new();
            let mut projects = Vec::new();
            let mut regimes = Vec::new();
            for (k, version) in chosen[v].iter().enumerate() {
                let Some(version) = *version else { continue };
                match disruptions[k].versions[version].process {
                    Process::Incidents(_) => incidents.push((k, version)),
                    Process::Project(_) => projects.push((k, version)),
                    Process::Regime(_) => regimes.push((k, version)),
                }
            }
            let growth_nodes: Vec<NodeId> = growth.iter().map(|g| g.node).collect();
            let mut commodity_plans = Vec::with_capacity(commodities.len());
            for &c in &commodities {
                commodity_plans.push(compile_commodity(
                    model,
                    variant,
                    c,
                    &costs,
                    &node_slot,
                    &variant_growth,
                    &growth_nodes,
                    &regimes,
                    &disruptions,
                )?);
            }
            let multiplier_group = variants
                .iter()
                .position(|p: &VariantPlan| p.incidents == incidents && p.projects == projects)
                .unwrap_or(v);
            variants.push(VariantPlan {
                id: variant.id.clone(),
                multiplier_group,
                shared_incident_rows: None,
                kept_incident_slots: Vec::new(),
                incidents,
                projects,
                regimes,
                growth: variant_growth,
                commodities: commodity_plans,
            });
        }
        group_demands(&mut variants);
        share_incident_rows(&mut variants, &disruptions, &node_slot);
        // Networks that are the baseline's plus a part of their own take the baseline's
        // months while that part cannot carry flow (engine::mirror). Only when every month's
        // optimum is unique: with ties, a variant that starts solving late, from the nominal
        // basis, may settle on another optimum than one that solved every month.
        let baseline = model.baseline();
        let mut baseline_recorded = vec![false; commodities.len()];
        let mut baseline_flow_arcs: Vec<Vec<u32>> = vec![Vec::new(); commodities.len()];
        for v in 0..variants.len() {
            if v == baseline || !costs.unique {
                continue;
            }
            for ci in 0..commodities.len() {
                let side = |v: usize| Side {
                    model: &model.variants[v],
                    plan: &variants[v],
                    network: &variants[v].commodities[ci],
                };
                let Some((mut mirror, loose_arcs)) = Mirror::new(model, side(baseline), side(v))
                else {
                    continue;
                };
                let recorded = &mut baseline_flow_arcs[ci];
                for (loose, arc) in mirror.loose.iter_mut().zip(loose_arcs) {
                    let arc = arc as u32;
                    loose.record = recorded.iter().position(|&a| a == arc).unwrap_or_else(|| {
                        recorded.push(arc);
                        recorded.len() - 1
                    });
                }
                baseline_recorded[ci] = true;
                variants[v].commodities[ci].mirror = Some(mirror);
            }
        }
        Ok(Plan {
            horizon,
            baseline_recorded,
            baseline_flow_arcs,
            dependency_on: model.dependency_on.clone(),
            shortfall_threshold: model.shortfall_threshold,
            commodities,
            baseline,
            variants,
            disruptions,
            growth,
            node_slot,
            node_slots,
            optimum_may_tie: !costs.unique,
        })
    }
}

impl Plan {
    /// This plan with every [`Mirror`] dropped, so that each variant solves every month: the
    /// reference for tests that check copied months against solved ones.
    pub fn without_mirrors(mut self) -> Plan {
        for variant in &mut self.variants {
            for commodity in &mut variant.commodities {
                commodity.mirror = None;
            }
        }
        self.baseline_recorded.fill(false);
        for arcs in &mut self.baseline_flow_arcs {
            arcs.clear();
        }
        self
    }

    /// This plan with no work shared between variants: each variant draws and time-averages
    /// its own node multipliers ([`VariantPlan::multiplier_group`],
    /// [`VariantPlan::shared_incident_rows`]) and writes its own demand table
    /// ([`CommodityPlan::demand_group`]). The reference for tests that check the shared work
    /// against the variant's own, bit for bit.
    pub fn without_shared_work(mut self) -> Plan {
        for (v, variant) in self.variants.iter_mut().enumerate() {
            variant.multiplier_group = v;
            variant.shared_incident_rows = None;
            variant.kept_incident_slots.clear();
            for commodity in &mut variant.commodities {
                commodity.demand_group = v;
            }
        }
        self
    }
}

/// Nominal throughput bounds per node and edge for commodity `c` (SPEC 3): a mine's is its
/// capacity; a refinery's or hub's the lesser of its capacity and the sum of its incoming
/// edges' bounds; an edge's the lesser of its capacity and its from-node's bound (t/yr).
fn bounds(
    model: &Model,
    variant: &Variant,
    c: CommodityId,
    alive_edge: &[bool],
) -> (Vec<f64>, Vec<f64>) {
    let network = &model.network;
    let order = network
        .topological_order()
        .expect("validation guarantees an acyclic network");
    let adjacency = network.adjacency();
    let mut node_bound = vec![0.0; network.nodes.len()];
    let mut edge_bound = vec![0.0; network.edges.len()];
    for v in order {
        let node = &variant.nodes[v.0];
        let own = node.capacity_t_per_year[c.0];
        node_bound[v.0] = match node.kind {
            NodeKind::Mine => own.unwrap_or(0.0),
            _ => {
                // Summed in file order, as the bound has always been.
                let incoming: f64 = adjacency.into[v.0]
                    .iter()
                    .filter(|&&i| alive_edge[i])
                    .map(|&i| edge_bound[i])
                    .sum();
                own.map_or(incoming, |cap| cap.min(incoming))
            }
        };
        for &i in &adjacency.out_of[v.0] {
            if alive_edge[i] {
                let own = network.edges[i].capacity_t_per_year[c.0];
                edge_bound[i] = own.map_or(node_bound[v.0], |cap| cap.min(node_bound[v.0]));
            }
        }
    }
    (node_bound, edge_bound)
}

/// Compiles commodity `c` of `variant` into its flow network and everything the trial loop
/// needs of it (see [`CommodityPlan`]).
///
/// The steps: the nodes and edges the commodity uses ([`Compiling::new`]); the arcs, mines
/// first, then refineries and hubs, edges (with their regime effects), markets and the return
/// arc ([`Compiling::supply_arcs`] and the following); the origin tracing order
/// ([`Compiling::trace`]); the nominal month's basis ([`Compiling::nominal_basis`]); the
/// schedules of the monthly capacities and origin tracing; the arcs in topological order
/// ([`Compiling::arcs_in_order`]).
#[allow(clippy::too_many_arguments)]
fn compile_commodity(
    model: &Model,
    variant: &Variant,
    c: CommodityId,
    costs: &Costs,
    node_slot: &[Option<usize>],
    variant_growth: &[(usize, usize)],
    growth_nodes: &[NodeId],
    regimes: &[(usize, usize)],
    disruptions: &[DisruptionPlan],
) -> Result<CommodityPlan, PlanError> {
    let compiling = Compiling::new(model, variant, c);
    let (node_bound, edge_bound) = bounds(model, variant, c, &compiling.alive_edge);
    let mut arcs = ArcList {
        flow: FlowNetwork::new(compiling.flow_nodes).expect("a network with at least two nodes"),
        arcs: Vec::new(),
    };
    // Source arcs (mines) first: their capacities sum to the month's supply.
    compiling.supply_arcs(&mut arcs, node_slot);
    let source_arcs = arcs.arcs.len();
    compiling.throughput_arcs(&mut arcs, node_slot, &node_bound);
    let (edge_arc, regime_effects) =
        compiling.edge_arcs(&mut arcs, &edge_bound, costs, regimes, disruptions);
    let (markets, focus) = compiling.market_arcs(&mut arcs, costs, variant_growth, growth_nodes);
    arcs.add(
        SINK,
        SOURCE,
        0,
        0,
        ArcPlan {
            role: ArcRole::Return,
            capacity: ArcCapacity::Return,
            node_slot: None,
            regime_affected: false,
        },
    );
    let ArcList { flow, arcs } = arcs;
    let trace = compiling.trace(&edge_arc);
    let nominal_basis = compiling.nominal_basis(&flow, &arcs, &markets, source_arcs)?;
    let schedule = capacity_schedule(&arcs, source_arcs);
    let trace_schedule = trace_schedule(&trace, model.dependency_on.len());
    let arcs_in_order = compiling.arcs_in_order(&arcs);
    Ok(CommodityPlan {
        commodity: c,
        network: flow,
        nominal_basis,
        arcs,
        source_arcs,
        markets,
        focus,
        trace,
        regime_effects,
        schedule,
        trace_schedule,
        arcs_in_order,
        mirror: None,
        demand_group: 0,
    })
}

/// The flow network's source node.
const SOURCE: usize = 0;
/// The flow network's sink node.
const SINK: usize = 1;

/// A t/yr quantity per month.
fn per_month(t_per_year: f64) -> f64 {
    t_per_year / 12.0
}

/// A flow network being built and the plan of each of its arcs, in the same order.
struct ArcList {
    flow: FlowNetwork,
    arcs: Vec<ArcPlan>,
}

impl ArcList {
    /// Adds an arc from flow-network node `from` to `to` with `cost` and `tie` per unit of
    /// flow; returns its index.
    fn add(&mut self, from: usize, to: usize, cost: i128, tie: i128, plan: ArcPlan) -> usize {
        self.flow
            .add_arc_tied(from, to, cost, tie)
            .expect("arc endpoints are nodes of the network");
        self.arcs.push(plan);
        self.arcs.len() - 1
    }
}

/// One commodity of one variant being compiled: the nodes and edges it uses, and their nodes
/// in the flow network.
struct Compiling<'a> {
    model: &'a Model,
    variant: &'a Variant,
    c: CommodityId,
    /// The scenario's nodes in topological order.
    order: Vec<NodeId>,
    /// Per node: whether it stays (it handles the commodity and lies on some mine → market
    /// path, or is the focus market).
    keep: Vec<bool>,
    /// Per edge: whether it stays (it carries the commodity between two kept nodes).
    alive_edge: Vec<bool>,
    /// Per kept node, its "in" node in the flow network (`usize::MAX` for the others).
    node_in: Vec<usize>,
    /// Per kept node, its "out" node: its own for refineries and hubs (which get a
    /// throughput arc from "in" to "out"), the "in" node for mines and markets.
    node_out: Vec<usize>,
    /// Nodes of the flow network: the source, the sink, then the kept nodes' "in" and "out".
    flow_nodes: usize,
}

impl<'a> Compiling<'a> {
    /// Finds the nodes and edges commodity `c` uses in `variant` and numbers their nodes in
    /// the flow network: 0 = source, 1 = sink, then per kept node an "in" and an "out" (the
    /// same node for mines and markets).
    fn new(model: &'a Model, variant: &'a Variant, c: CommodityId) -> Self {
        let network = &model.network;
        let n = network.nodes.len();
        let order = network
            .topological_order()
            .expect("validation guarantees an acyclic network");
        let handles = |v: usize| !variant.node_disabled[v] && variant.nodes[v].handles(c);
        let edge_ok = |i: usize| {
            let e = &network.edges[i];
            e.carries[c.0] && handles(e.from.0) && handles(e.to.0)
        };
        let mut from_mine = vec![false; n];
        let mut to_market = vec![false; n];
        let starts = |v: NodeId, kind: NodeKind| handles(v.0) && variant.nodes[v.0].kind == kind;
        let adjacency = network.adjacency();
        for &v in &order {
            reach_through(
                &mut from_mine,
                v,
                starts(v, NodeKind::Mine),
                &adjacency.out_of[v.0],
                |i| edge_ok(i).then_some(network.edges[i].to),
            );
        }
        for &v in order.iter().rev() {
            reach_through(
                &mut to_market,
                v,
                starts(v, NodeKind::Market),
                &adjacency.into[v.0],
                |i| edge_ok(i).then_some(network.edges[i].from),
            );
        }
        // The focus market stays even when no mine reaches it in this variant (a `disable` cut
        // its routes): it then receives nothing, and its demand is met from stock or is shortfall.
        let keep: Vec<bool> = (0..n)
            .map(|v| handles(v) && ((from_mine[v] && to_market[v]) || v == model.focus_market.0))
            .collect();
        let alive_edge: Vec<bool> = (0..network.edges.len())
            .map(|i| edge_ok(i) && keep[network.edges[i].from.0] && keep[network.edges[i].to.0])
            .collect();
        let mut node_in = vec![usize::MAX; n];
        let mut node_out = vec![usize::MAX; n];
        let mut count = 2;
        for v in 0..n {
            if !keep[v] {
                continue;
            }
            node_in[v] = count;
            count += 1;
            node_out[v] = match variant.nodes[v].kind {
                NodeKind::Refinery | NodeKind::Hub => {
                    count += 1;
                    count - 1
                }
                NodeKind::Mine | NodeKind::Market => node_in[v],
            };
        }
        Self {
            model,
            variant,
            c,
            order,
            keep,
            alive_edge,
            node_in,
            node_out,
            flow_nodes: count,
        }
    }

    /// Adds a source arc per kept mine, capped at its capacity.
    fn supply_arcs(&self, arcs: &mut ArcList, node_slot: &[Option<usize>]) {
        let (variant, c) = (self.variant, self.c);
        let n = self.model.network.nodes.len();
        for v in (0..n).filter(|&v| self.keep[v] && variant.nodes[v].kind == NodeKind::Mine) {
            let cap = variant.nodes[v].capacity_t_per_year[c.0].unwrap_or(0.0);
            arcs.add(
                SOURCE,
                self.node_in[v],
                0,
                0,
                ArcPlan {
                    role: ArcRole::Supply(NodeId(v)),
                    capacity: ArcCapacity::Capped(per_month(cap)),
                    node_slot: node_slot[v],
                    regime_affected: false,
                },
            );
        }
    }

    /// Adds a throughput ("split") arc per kept refinery and hub, capped at its capacity or
    /// uncapped with its nominal bound `node_bound`.
    fn throughput_arcs(&self, arcs: &mut ArcList, node_slot: &[Option<usize>], node_bound: &[f64]) {
        let (variant, c) = (self.variant, self.c);
        let n = self.model.network.nodes.len();
        for v in 0..n {
            let kind = variant.nodes[v].kind;
            if self.keep[v] && matches!(kind, NodeKind::Refinery | NodeKind::Hub) {
                let capacity = match variant.nodes[v].capacity_t_per_year[c.0] {
                    Some(cap) => ArcCapacity::Capped(per_month(cap)),
                    None => ArcCapacity::Uncapped(per_month(node_bound[v])),
                };
                arcs.add(
                    self.node_in[v],
                    self.node_out[v],
                    0,
                    0,
                    ArcPlan {
                        role: ArcRole::Throughput(NodeId(v)),
                        capacity,
                        node_slot: node_slot[v],
                        regime_affected: false,
                    },
                );
            }
        }
    }

    /// Adds an arc per kept edge, capped at its capacity or uncapped with its nominal bound
    /// `edge_bound`, with the effects of the variant's `regimes` that apply to it. Returns
    /// each edge's arc (`usize::MAX` for the others) and the regime effects.
    fn edge_arcs(
        &self,
        arcs: &mut ArcList,
        edge_bound: &[f64],
        costs: &Costs,
        regimes: &[(usize, usize)],
        disruptions: &[DisruptionPlan],
    ) -> (Vec<usize>, Vec<RegimeEffect>) {
        let (network, variant, c) = (&self.model.network, self.variant, self.c);
        let mut edge_arc = vec![usize::MAX; network.edges.len()];
        let mut regime_effects = Vec::new();
        for (i, e) in network.edges.iter().enumerate() {
            if !self.alive_edge[i] {
                continue;
            }
            let capacity = match e.capacity_t_per_year[c.0] {
                Some(cap) => ArcCapacity::Capped(per_month(cap)),
                None => ArcCapacity::Uncapped(per_month(edge_bound[i])),
            };
            let from_country = variant.nodes[e.from.0].country;
            let to_country = variant.nodes[e.to.0].country;
            let arc_index = arcs.arcs.len();
            let mut affected = false;
            for (slot, &(k, version)) in regimes.iter().enumerate() {
                let Process::Regime(regime) = &disruptions[k].versions[version].process else {
                    continue;
                };
                for effect in &regime.effects {
                    if effect.applies(from_country, to_country, c) {
                        affected = true;
                        regime_effects.push(RegimeEffect {
                            regime: slot,
                            state: effect.state as u16,
                            arc: arc_index,
                            factor: effect.factor,
                        });
                    }
                }
            }
            edge_arc[i] = arcs.add(
                self.node_out[e.from.0],
                self.node_in[e.to.0],
                costs.edge[i],
                costs.edge_tie.get(i).copied().unwrap_or(0),
                ArcPlan {
                    role: ArcRole::Edge(i),
                    capacity,
                    node_slot: None,
                    regime_affected: affected,
                },
            );
        }
        // Arc by arc (sorted by arc, as pushed), as `regime_effects` promises.
        debug_assert!(regime_effects.windows(2).all(|w| w[0].arc <= w[1].arc));
        (edge_arc, regime_effects)
    }

    /// Adds each kept market's demand arc, and its refill arc if it keeps a stock. Returns
    /// the markets and the focus market's index among them (if kept).
    fn market_arcs(
        &self,
        arcs: &mut ArcList,
        costs: &Costs,
        variant_growth: &[(usize, usize)],
        growth_nodes: &[NodeId],
    ) -> (Vec<MarketPlan>, Option<usize>) {
        let (model, variant, c) = (self.model, self.variant, self.c);
        let mut markets = Vec::new();
        let mut focus = None;
        let n = model.network.nodes.len();
        for v in 0..n {
            let node = &variant.nodes[v];
            let Some(market) = &node.market else { continue };
            if !self.keep[v] {
                continue;
            }
            let index = markets.len();
            let level = priority_level(model, market.priority);
            let demand_arc = arcs.add(
                self.node_in[v],
                SINK,
                -costs.demand_levels[level],
                0,
                ArcPlan {
                    role: ArcRole::Demand(NodeId(v)),
                    capacity: ArcCapacity::Demand(index),
                    node_slot: None,
                    regime_affected: false,
                },
            );
            let stock_months = market.stock_months[c.0];
            let refill_arc = (stock_months > 0.0).then(|| {
                arcs.add(
                    self.node_in[v],
                    SINK,
                    -costs.refill,
                    0,
                    ArcPlan {
                        role: ArcRole::Refill(NodeId(v)),
                        capacity: ArcCapacity::Refill(index),
                        node_slot: None,
                        regime_affected: false,
                    },
                )
            });
            let growth = variant_growth
                .iter()
                .position(|&(g, _)| growth_nodes[g] == NodeId(v))
                .expect("every enabled market has a growth draw");
            if NodeId(v) == model.focus_market {
                focus = Some(index);
            }
            markets.push(MarketPlan {
                node: NodeId(v),
                demand_t_per_month: per_month(market.demand_t_per_year[c.0].unwrap_or(0.0)),
                stock_months,
                growth,
                demand_arc,
                refill_arc,
            });
        }
        (markets, focus)
    }

    /// Origin tracing: the ancestors of the focus market in topological order (the focus
    /// market last), each with its `dependency_on` countries and its incoming arcs from other
    /// ancestors (`edge_arc`: each edge's arc). Empty if the focus market does not take the
    /// commodity.
    fn trace(&self, edge_arc: &[usize]) -> Vec<TraceNode> {
        let (model, variant) = (self.model, self.variant);
        let network = &model.network;
        let n = network.nodes.len();
        let mut trace = Vec::new();
        if !self.keep[model.focus_market.0] {
            return trace;
        }
        let adjacency = network.adjacency();
        let mut ancestor = vec![false; n];
        ancestor[model.focus_market.0] = true;
        for &v in self.order.iter().rev() {
            if ancestor[v.0] {
                for &i in &adjacency.into[v.0] {
                    if self.alive_edge[i] {
                        ancestor[network.edges[i].from.0] = true;
                    }
                }
            }
        }
        let mut trace_index = vec![usize::MAX; n];
        for &v in &self.order {
            if !ancestor[v.0] {
                continue;
            }
            let country = variant.nodes[v.0].country;
            let mut mask = 0u64;
            for (k, d) in model.dependency_on.iter().enumerate() {
                if *d == country {
                    mask |= 1 << k;
                }
            }
            let incoming = adjacency.into[v.0]
                .iter()
                .map(|&i| (i, &network.edges[i]))
                .filter(|&(i, e)| self.alive_edge[i] && ancestor[e.from.0])
                .map(|(i, e)| (edge_arc[i], trace_index[e.from.0]))
                .collect();
            trace_index[v.0] = trace.len();
            trace.push(TraceNode {
                country_mask: mask,
                incoming,
            });
        }
        debug_assert_eq!(
            trace_index[model.focus_market.0],
            trace.len() - 1,
            "the focus market is the last ancestor in topological order"
        );
        trace
    }

    /// Solves the nominal month once: every trial starts from this basis.
    fn nominal_basis(
        &self,
        flow: &FlowNetwork,
        arcs: &[ArcPlan],
        markets: &[MarketPlan],
        source_arcs: usize,
    ) -> Result<Basis, PlanError> {
        let nominal: Vec<f64> = nominal_capacities(arcs, markets, source_arcs);
        let mut solver = Solver::new(flow);
        match solver.solve_cold(&nominal) {
            Ok(_) => Ok(solver.basis().clone()),
            Err(error) => Err(PlanError::Nominal {
                variant: self.variant.id.clone(),
                commodity: self.model.network.commodities[self.c.0].id.clone(),
                reason: error.to_string(),
            }),
        }
    }

    /// The arcs but the return arc, by their tail's topological position: the source, every
    /// kept node's "in" then "out" node in the scenario's topological order, the sink.
    fn arcs_in_order(&self, arcs: &[ArcPlan]) -> Vec<u32> {
        let network = &self.model.network;
        let mut position = vec![0usize; self.flow_nodes];
        let mut next = 1;
        for &v in &self.order {
            if self.keep[v.0] {
                position[self.node_in[v.0]] = next;
                position[self.node_out[v.0]] = next + 1;
                next += 2;
            }
        }
        position[SINK] = next;
        let tail = |role: ArcRole| match role {
            ArcRole::Supply(_) => SOURCE,
            ArcRole::Throughput(v) | ArcRole::Demand(v) | ArcRole::Refill(v) => self.node_in[v.0],
            ArcRole::Edge(i) => self.node_out[network.edges[i].from.0],
            ArcRole::Return => SINK,
        };
        let mut arcs_in_order: Vec<u32> = (0..arcs.len() as u32)
            .filter(|&a| arcs[a as usize].role != ArcRole::Return)
            .collect();
        arcs_in_order.sort_by_key(|&a| position[tail(arcs[a as usize].role)]);
        arcs_in_order
    }
}

/// One step of a reachability pass over the nodes in (reverse) topological order: marks `v`
/// reached if `start`, and if `v` is reached, marks the node at the far end of each edge
/// that `next(index, edge)` names (`v`'s usable edges in the pass's direction).
fn reach_through(
    reached: &mut [bool],
    v: NodeId,
    start: bool,
    edges: &[usize],
    next: impl Fn(usize) -> Option<NodeId>,
) {
    if start {
        reached[v.0] = true;
    }
    if reached[v.0] {
        for &i in edges {
            if let Some(w) = next(i) {
                reached[w.0] = true;
            }
        }
    }
}

/// Groups the arcs by what sets their capacity (see [`CapacitySchedule`]).
fn capacity_schedule(arcs: &[ArcPlan], source_arcs: usize) -> CapacitySchedule {
    let mut schedule = CapacitySchedule::default();
    for (a, arc) in arcs.iter().enumerate() {
        let multiplied = arc.node_slot.is_some() || arc.regime_affected;
        match arc.capacity {
            ArcCapacity::Capped(base) if a < source_arcs => match arc.node_slot {
                Some(slot) => schedule.scaled_sources.push((a, base, slot)),
                None => schedule.fixed.push((a, base)),
            },
            ArcCapacity::Capped(base) if !multiplied => schedule.fixed.push((a, base)),
            ArcCapacity::Uncapped(_) if !multiplied => schedule.supply.push(a),
            ArcCapacity::Return => schedule.supply.push(a),
            ArcCapacity::Capped(_) | ArcCapacity::Uncapped(_) => {
                match (arc.capacity, arc.node_slot, arc.regime_affected) {
                    (ArcCapacity::Capped(base), Some(slot), false) => {
                        schedule.node_capped.push((a, base, slot))
                    }
                    (ArcCapacity::Uncapped(bound), Some(slot), false) => {
                        schedule.node_uncapped.push((a, bound, slot))
                    }
                    (ArcCapacity::Capped(base), None, true) => {
                        schedule.regime_capped.push((a, base))
                    }
                    (ArcCapacity::Uncapped(bound), None, true) => {
                        schedule.regime_uncapped.push((a, bound))
                    }
                    _ => schedule.scaled.push(ScaledArc {
                        arc: a,
                        node_slot: arc.node_slot,
                        regime_affected: arc.regime_affected,
                        capacity: arc.capacity,
                    }),
                }
            }
            // Set from the markets' demand and stock, market by market.
            ArcCapacity::Demand(_) | ArcCapacity::Refill(_) => {}
        }
    }
    let mut constant = vec![false; arcs.len()];
    for &(a, _) in &schedule.fixed {
        constant[a] = true;
    }
    for &a in &schedule.supply {
        constant[a] = true;
    }
    schedule.monthly = (0..arcs.len() as u32)
        .filter(|&a| !constant[a as usize])
        .collect();
    let mut regime_only = vec![false; arcs.len()];
    for &(a, _) in schedule
        .regime_capped
        .iter()
        .chain(&schedule.regime_uncapped)
    {
        regime_only[a] = true;
    }
    schedule.monthly_regimes_unchanged = schedule
        .monthly
        .iter()
        .copied()
        .filter(|&a| !regime_only[a as usize])
        .collect();
    schedule
}

/// Flattens origin tracing (see [`TraceSchedule`]): the rule of [`TraceNode`] split into the
/// entries that never change and those that mix the inputs each month.
fn trace_schedule(trace: &[TraceNode], countries: usize) -> TraceSchedule {
    let width = countries + 1;
    let mut schedule = TraceSchedule {
        width,
        ..TraceSchedule::default()
    };
    // Each node's fixed value per column (`None`: mixed), filled in topological order.
    let mut value: Vec<Option<f64>> = vec![None; trace.len() * width];
    for (t, node) in trace.iter().enumerate() {
        let mut columns = 0u128;
        for k in 0..width {
            let own = k < countries && node.country_mask & (1 << k) != 0;
            let fixed = if own {
                Some(1.0)
            } else if k == countries && node.country_mask != 0 {
                Some(0.0)
            } else if node.incoming.is_empty() {
                // A mine: "not via any" only if it is in none of the countries.
                Some(if k == countries { 1.0 } else { 0.0 })
            } else {
                // Every input fixed at the same value c (0 or 1): the mix is c whenever
                // anything flows in (Σ flow × 1 is Σ flow, added in the same order, and
                // Σ flow × 0 is 0), so the column is fixed at c. With nothing flowing in, the
                // node passes nothing on, so its value does not matter downstream.
                let first = value[node.incoming[0].1 * width + k];
                let same = node
                    .incoming
                    .iter()
                    .all(|&(_, from)| value[from * width + k] == first);
                if same { first } else { None }
            };
            value[t * width + k] = fixed;
            match fixed {
                Some(value) => schedule.fixed.push((t * width + k, value)),
                None => columns |= 1 << k,
            }
        }
        if columns != 0 {
            schedule.incoming.extend_from_slice(&node.incoming);
            schedule.mixed.push(MixedTraceNode {
                node: t,
                incoming: node.incoming.len(),
                columns,
                all_columns: columns.count_ones() as usize == width,
            });
        }
    }
    schedule
}

/// Capacities of a month with every multiplier at 1, no growth and full stocks.
fn nominal_capacities(arcs: &[ArcPlan], markets: &[MarketPlan], source_arcs: usize) -> Vec<f64> {
    let supply: f64 = arcs[..source_arcs]
        .iter()
        .map(|a| match a.capacity {
            ArcCapacity::Capped(c) => c,
            _ => 0.0,
        })
        .sum();
    arcs.iter()
        .map(|a| match a.capacity {
            ArcCapacity::Capped(c) => c,
            ArcCapacity::Uncapped(_) | ArcCapacity::Return => supply,
            ArcCapacity::Demand(m) => markets[m].demand_t_per_month,
            ArcCapacity::Refill(_) => 0.0,
        })
        .collect()
}

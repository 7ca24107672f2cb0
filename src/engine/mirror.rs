//! Months in which a variant's network routes exactly what the baseline's does, so that its
//! results can be taken from the baseline's instead of solved again.
//!
//! The usual comparison adds a new source of supply: the variant's network is the baseline's
//! plus a part of its own (a mine, a refinery, a corridor and their edges), and shares every
//! other element with the same capacities and the same draws (common random numbers). In the
//! months before that part can carry anything (a project that has not come online, or never
//! does), the variant's month is the baseline's month with extra arcs that no flow can use:
//!
//! * an arc carries flow only on a cycle of arcs with positive capacity (a circulation is a sum
//!   of such cycles), and in these networks every cycle runs source → … → sink → source;
//! * so if no arc of the variant's own part lies on a source-to-sink path of arcs that can be
//!   positive, every feasible flow is zero on that part, the feasible flows are the baseline's,
//!   and so are the costs (an edge's integer cost depends on its place in the file, not on the
//!   variant) and the optimum, unique under the cost perturbation (in the costs, or as tie
//!   costs in networks too large for that). Plans without it (more than
//!   [`crate::engine::plan::MAX_TIE_EDGES`] edges) get no mirrors: with exact ties left, a
//!   variant that starts solving late from the nominal basis may settle on another of the tied
//!   optima than one that warm-started month after month;
//! * the "unlimited" bound the engine gives uncapped arcs differs (the variant's supply is
//!   larger), but it never binds in either network.
//!
//! Stocks are the only link between months, so while this holds month after month the
//! variant's markets have the baseline's stocks, and its first `s` months are the baseline's:
//! the same flows, the same origin shares, the same metrics. [`Mirror::shared_months`] finds `s`
//! for one trial; the trial copies those months and solves the rest, starting from the
//! baseline's state. A trial in which the own part never becomes usable (a project that fails)
//! copies everything, and its reductions are exactly zero instead of rounding noise.
//!
//! Whether a network has that shape is decided once per run ([`Mirror::new`]): every arc of the
//! baseline's network must appear in the variant's with the same capacity recipe (nominal value,
//! node multiplier row, regime effects drawn from the same disruption version) and every market
//! with the same demand, stock and growth draw. Node multipliers depend on which incident
//! processes and projects a variant enables, so they are compared per trial, month by month.

use crate::engine::plan::{ArcCapacity, ArcRole, CommodityPlan, VariantPlan};
use crate::model::{Model, NodeId, Variant};

/// One side of a comparison: a variant as the model states it and as compiled, and its
/// network of one commodity.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The variant, overrides applied.
    pub model: &'a Variant,
    /// The variant, compiled.
    pub plan: &'a VariantPlan,
    /// Its network of the commodity.
    pub network: &'a CommodityPlan,
}

/// What [`Mirror::shared_months`] reads of a trial.
#[derive(Debug, Clone, Copy)]
pub struct TrialView<'a> {
    /// The variant's node multipliers, `[slot × horizon + month]`.
    pub this_table: &'a [f64],
    /// The baseline's node multipliers (the same slice when the variants share them).
    pub base_table: &'a [f64],
    /// Months in the trial.
    pub horizon: usize,
    /// The baseline's flows on the arcs it records, `[month × recorded + index]`.
    pub base_flows: &'a [f64],
    /// How far below its capacity a loose arc's flow must be to count as not binding.
    pub margin: f64,
}

/// Work space of [`Mirror::shared_months`], sized once per worker.
#[derive(Debug, Clone, Default)]
pub struct MirrorWork {
    /// Per arc: the first month its capacity may be positive.
    first_usable: Vec<u32>,
    /// Per node: the first month a path from the source reaches it, and the first month a
    /// path from it reaches the sink.
    reach: Vec<(u32, u32)>,
}

impl MirrorWork {
    /// Room for networks of up to `arcs` arcs and `nodes` nodes.
    pub fn new(arcs: usize, nodes: usize) -> MirrorWork {
        MirrorWork {
            first_usable: vec![0; arcs],
            reach: vec![(0, 0); nodes],
        }
    }
}

/// How a variant's commodity network extends the baseline's (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    /// The variant's arcs with no counterpart in the baseline's network (its own part).
    pub own_arcs: Vec<u32>,
    /// Node-multiplier rows of the arcs it shares with the baseline, ascending, no repeats.
    pub shared_slots: Vec<usize>,
    /// Per market of the variant's network: the same market's index in the baseline's, or
    /// `None` for a market of its own.
    pub base_market: Vec<Option<usize>>,
    /// Shared arcs whose nominal bound differs from the baseline's (see [`LooseArc`]).
    pub loose: Vec<LooseArc>,
}

/// A shared arc whose capacity recipe differs from the baseline's only in its nominal value:
/// the throughput of an uncapped refinery or hub under a node multiplier, downstream of the
/// variant's own part, whose SPEC 3 throughput bound counts that part's edges. (Capacities of
/// shared nodes and of edges are the same in both, since shared nodes must be.) Its month is
/// still the baseline's when its multiplier is 1 (both are then unlimited) or when the
/// baseline's flow on it is strictly below both capacities: a constraint that does not bind at
/// an optimum can be moved without changing the optimum (linear programming: its multiplier
/// is 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LooseArc {
    /// Its index among the arcs whose flows the baseline records
    /// ([`crate::engine::plan::Plan::baseline_flow_arcs`]).
    pub record: usize,
    /// The smaller of the two nominal bounds (t/month).
    pub nominal: f64,
    /// Its node-multiplier row.
    pub node_slot: usize,
}

impl Mirror {
    /// The mirror of `this` (a non-baseline variant's network) on `base` (the baseline's
    /// network of the same commodity), or `None` when `this` is not `base` plus a part of its
    /// own with every shared element set the same way. With it come the baseline's arcs of
    /// its [`Mirror::loose`] entries, whose `record` fields the caller sets to their index
    /// among the arcs whose flows the baseline records.
    pub fn new(model: &Model, base: Side<'_>, this: Side<'_>) -> Option<(Mirror, Vec<usize>)> {
        let (base_model, base_variant, base) = (base.model, base.plan, base.network);
        let (this_model, this_variant, this) = (this.model, this.plan, this.network);
        // The focus market must be a market of both (otherwise there is nothing to copy).
        let (base_focus, this_focus) = (base.focus?, this.focus?);
        if base.markets[base_focus].node != this.markets[this_focus].node {
            return None;
        }
        // Every node of the baseline's network is the same node in the variant (a `set` on
        // one, of its capacity, demand, stock, growth or priority, changes what it routes).
        let same_node = |n: NodeId| base_model.nodes[n.0] == this_model.nodes[n.0];
        let shared_nodes_same = base.arcs.iter().all(|arc| match arc.role {
            ArcRole::Supply(n)
            | ArcRole::Throughput(n)
            | ArcRole::Demand(n)
            | ArcRole::Refill(n) => same_node(n),
            ArcRole::Edge(i) => {
                let edge = &model.network.edges[i];
                same_node(edge.from) && same_node(edge.to)
            }
            ArcRole::Return => true,
        });
        if !shared_nodes_same {
            return None;
        }
        // Markets are nodes: the same demand, stock and growth draw (the draw's version follows
        // from the node's growth distribution).
        let mut base_market = vec![None; this.markets.len()];
        for (i, b) in base.markets.iter().enumerate() {
            let j = this.markets.iter().position(|t| t.node == b.node)?;
            debug_assert_eq!(
                base_variant.growth[b.growth],
                this_variant.growth[this.markets[j].growth]
            );
            base_market[j] = Some(i);
        }
        let mut shared = vec![false; this.arcs.len()];
        let mut shared_slots = Vec::new();
        let mut loose = Vec::new();
        for (b, base_arc) in base.arcs.iter().enumerate() {
            let t = this.arcs.iter().position(|arc| arc.role == base_arc.role)?;
            let this_arc = &this.arcs[t];
            if base.network.costs()[b] != this.network.costs()[t]
                || base.network.tie_costs()[b] != this.network.tie_costs()[t]
                || base_arc.node_slot != this_arc.node_slot
                || base_arc.regime_affected != this_arc.regime_affected
                || effects(base, base_variant, b) != effects(this, this_variant, t)
            {
                return None;
            }
            match (base_arc.capacity, this_arc.capacity) {
                (ArcCapacity::Capped(x), ArcCapacity::Capped(y))
                | (ArcCapacity::Uncapped(x), ArcCapacity::Uncapped(y))
                    if x.to_bits() == y.to_bits() => {}
                (ArcCapacity::Uncapped(x), ArcCapacity::Uncapped(y)) => {
                    match (this_arc.node_slot, this_arc.regime_affected) {
                        // No multiplier: unlimited, the bound is never used.
                        (None, false) => {}
                        (Some(node_slot), false) => loose.push((
                            b,
                            LooseArc {
                                record: usize::MAX,
                                nominal: x.min(y),
                                node_slot,
                            },
                        )),
                        // A regime-scaled bound would need the regime's state: not shared.
                        (_, true) => return None,
                    }
                }
                // Markets were compared above.
                (ArcCapacity::Demand(_), ArcCapacity::Demand(_))
                | (ArcCapacity::Refill(_), ArcCapacity::Refill(_))
                | (ArcCapacity::Return, ArcCapacity::Return) => {}
                _ => return None,
            }
            shared[t] = true;
            shared_slots.extend(this_arc.node_slot);
        }
        shared_slots.sort_unstable();
        shared_slots.dedup();
        let own_arcs = (0..this.arcs.len() as u32)
            .filter(|&a| !shared[a as usize])
            .collect();
        let (loose_arcs, loose) = loose.into_iter().unzip();
        Some((
            Mirror {
                own_arcs,
                shared_slots,
                base_market,
                loose,
            },
            loose_arcs,
        ))
    }

    /// How many leading months of the trial the variant's network routes exactly as the
    /// baseline's: the months before its own part could first carry flow, and before the node
    /// multipliers of the shared arcs first differ.
    ///
    /// An arc's capacity may be positive from the first month in
    /// which its node multiplier is (from month 0 without one; never if its nominal capacity
    /// or demand is 0); a month in which the own part can carry flow has an own arc on a
    /// source-to-sink path of arcs usable by then. This over-approximates what can flow
    /// (regime effects and clamps are ignored), so the count returned is safe.
    pub fn shared_months(
        &self,
        this: &CommodityPlan,
        trial: &TrialView<'_>,
        work: &mut MirrorWork,
    ) -> usize {
        let bound = self.shared_months_bound(this, trial, work);
        self.loose_months(bound, trial)
    }

    /// What [`Mirror::shared_months`] can tell before the baseline runs (it ignores
    /// `base_flows`): the months before the own part could carry flow and before the shared
    /// multipliers differ, a bound on the shared months.
    pub fn shared_months_bound(
        &self,
        this: &CommodityPlan,
        trial: &TrialView<'_>,
        work: &mut MirrorWork,
    ) -> usize {
        let TrialView {
            this_table,
            base_table,
            horizon,
            ..
        } = *trial;
        let never = horizon as u32;
        let first_usable = &mut work.first_usable[..this.arcs.len()];
        for (usable, arc) in first_usable.iter_mut().zip(&this.arcs) {
            let nominal_zero = match arc.capacity {
                ArcCapacity::Capped(c) => c == 0.0,
                ArcCapacity::Demand(i) => this.markets[i].demand_t_per_month == 0.0,
                _ => false,
            };
            *usable = if nominal_zero {
                never
            } else if let Some(slot) = arc.node_slot {
                let row = &this_table[slot * horizon..(slot + 1) * horizon];
                row.iter()
                    .position(|&x| x > 0.0)
                    .map_or(never, |m| m as u32)
            } else {
                0
            };
        }
        // Per node: the first month a path from the source reaches it, and the first month a
        // path from it reaches the sink (both over arcs usable by then).
        let nodes = this.network.node_count();
        let reach = &mut work.reach[..nodes];
        reach.fill((never, never));
        let (source, sink) = (0, 1);
        reach[source].0 = 0;
        reach[sink].1 = 0;
        let ends = |a: u32| this.network.ends(a as usize);
        for &a in &this.arcs_in_order {
            let (from, to) = ends(a);
            let at = reach[from].0.max(first_usable[a as usize]);
            reach[to].0 = reach[to].0.min(at);
        }
        for &a in this.arcs_in_order.iter().rev() {
            let (from, to) = ends(a);
            let at = reach[to].1.max(first_usable[a as usize]);
            reach[from].1 = reach[from].1.min(at);
        }
        let mut first_live = never;
        for &a in &self.own_arcs {
            let (from, to) = ends(a);
            let live = reach[from].0.max(first_usable[a as usize]).max(reach[to].1);
            first_live = first_live.min(live);
        }
        // Then the months before that in which the shared arcs' multipliers agree.
        let mut shared = first_live as usize;
        if shared > 0 && !std::ptr::eq(this_table, base_table) {
            for &slot in &self.shared_slots {
                let rows = slot * horizon..(slot + 1) * horizon;
                let (mine, theirs) = (&this_table[rows.clone()], &base_table[rows]);
                if let Some(m) = (0..shared).position(|m| mine[m].to_bits() != theirs[m].to_bits())
                {
                    shared = m;
                }
            }
        }
        shared
    }

    /// The first of `months` (a [`Mirror::shared_months_bound`]) months in which a loose arc
    /// may bind, given the baseline's flows; `months` if none does.
    pub fn loose_months(&self, months: usize, trial: &TrialView<'_>) -> usize {
        let TrialView {
            base_table,
            horizon,
            base_flows,
            margin,
            ..
        } = *trial;
        if !self.loose.is_empty() {
            let recorded = base_flows.len() / horizon;
            for m in 0..months {
                let flows = &base_flows[m * recorded..(m + 1) * recorded];
                let binds = self.loose.iter().any(|loose| {
                    let multiplier = base_table[loose.node_slot * horizon + m];
                    let unlimited = multiplier == 1.0;
                    // (A NaN counts as binding.)
                    let slack = flows[loose.record]
                        .partial_cmp(&(loose.nominal * multiplier - margin))
                        == Some(std::cmp::Ordering::Less);
                    !unlimited && !slack
                });
                if binds {
                    return m;
                }
            }
        }
        months
    }
}

/// The regime effects on `arc`, in the order they multiply, by the disruption version they
/// come from: `((disruption, version), state, factor bits)`.
fn effects(
    plan: &CommodityPlan,
    variant: &VariantPlan,
    arc: usize,
) -> Vec<((usize, usize), u16, u64)> {
    plan.regime_effects
        .iter()
        .filter(|e| e.arc == arc)
        .map(|e| (variant.regimes[e.regime], e.state, e.factor.to_bits()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::Plan;
    use crate::scenario::{self, Source};

    /// China's mine feeds the US through Rotterdam (an uncapped hub under incidents); the
    /// variant adds a Pakistani mine and refinery (a project) feeding Rotterdam and the US.
    const SCENARIO: &str = r#"
[scenario]
start = "2026-01"
horizon_months = 60
focus_market = "us"
dependency_on = ["CN"]

[[commodity]]
id = "x"

[[node]]
id = "cn_mine"
kind = "mine"
country = "CN"
capacity = { x = 1200 }

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = { x = 600 }

[[node]]
id = "pk_refinery"
kind = "refinery"
country = "PK"
capacity = { x = 480 }

[[node]]
id = "nl_rotterdam"
kind = "hub"
country = "NL"

[[node]]
id = "us"
kind = "market"
country = "US"
demand = { x = 1000 }

[[edge]]
from = "cn_mine"
to = "nl_rotterdam"
cost = 1

[[edge]]
from = "pk_mine"
to = "pk_refinery"
cost = 1

[[edge]]
from = "pk_refinery"
to = "nl_rotterdam"
cost = 1

[[edge]]
from = "pk_refinery"
to = "us"
cost = 3

[[edge]]
from = "nl_rotterdam"
to = "us"
cost = 1

[[disruption]]
id = "port_strikes"
kind = "incidents"
rate_per_year = 2
targets = ["nl_rotterdam"]
severity = 0.5
duration_days = 10

[[disruption]]
id = "pk_security"
kind = "incidents"
rate_per_year = 2
targets = ["pk_mine"]
severity = 0.5
duration_days = 10

[[disruption]]
id = "pk_refinery_project"
kind = "project"
targets = ["pk_refinery"]
success_probability = 0.5
online_month = 12

[[variant]]
id = "without_pakistan"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with_pakistan"
"#;

    const HORIZON: usize = 60;

    struct Case {
        plan: Plan,
        /// Multiplier tables of the variant and the baseline, all 1.
        this: Vec<f64>,
        base: Vec<f64>,
        /// The baseline's flow on its recorded arc (Rotterdam's throughput), per month.
        flows: Vec<f64>,
    }

    impl Case {
        fn new() -> Case {
            let source = Source::from_text("mirror.toml", "mirror", false, SCENARIO);
            let model = scenario::parse(&source).expect("a valid scenario");
            let plan = Plan::new(&model).expect("a plan");
            let tables = vec![1.0; plan.node_slots * HORIZON];
            assert_eq!(
                plan.baseline_flow_arcs[0].len(),
                1,
                "Rotterdam's throughput"
            );
            Case {
                plan,
                this: tables.clone(),
                base: tables,
                flows: vec![0.0; HORIZON],
            }
        }

        /// The node-multiplier row of node `id` in `table`.
        fn row<'a>(&self, table: &'a mut [f64], id: &str) -> &'a mut [f64] {
            let node = ["cn_mine", "pk_mine", "pk_refinery", "nl_rotterdam", "us"]
                .iter()
                .position(|&n| n == id)
                .expect("a node of the scenario");
            let slot = self.plan.node_slot[node].expect("a disruption targets it");
            &mut table[slot * HORIZON..(slot + 1) * HORIZON]
        }

        fn shared_months(&self) -> usize {
            let commodity = &self.plan.variants[1].commodities[0];
            let mirror = commodity
                .mirror
                .as_ref()
                .expect("the variant mirrors the baseline");
            let mut work = MirrorWork::new(commodity.arcs.len(), commodity.network.node_count());
            let trial = TrialView {
                this_table: &self.this,
                base_table: &self.base,
                horizon: HORIZON,
                base_flows: &self.flows,
                margin: 1e-6,
            };
            mirror.shared_months(commodity, &trial, &mut work)
        }
    }

    #[test]
    fn the_variant_is_mirrored_with_its_own_part_and_one_loose_arc() {
        let case = Case::new();
        let plan = &case.plan;
        assert!(
            plan.variants[0].commodities[0].mirror.is_none(),
            "the baseline"
        );
        let mirror = plan.variants[1].commodities[0]
            .mirror
            .as_ref()
            .expect("a mirror");
        // Supply and throughput of the mine and refinery, and their three edges.
        assert_eq!(mirror.own_arcs.len(), 5);
        // Rotterdam's SPEC 3 bound counts the Pakistani edge: 1200 against 1680 t/yr.
        assert_eq!(mirror.loose.len(), 1);
        assert_eq!(mirror.loose[0].nominal, 100.0);
        assert_eq!(mirror.base_market, vec![Some(0)]);
    }

    #[test]
    fn a_variant_that_changes_a_shared_node_is_not_mirrored() {
        // The same additions, but the Chinese mine resized, or the market's priority or demand
        // changed: the shared part routes differently.
        for set in [
            "\"cn_mine.capacity.x\" = 1000",
            "\"us.priority\" = 2",
            "\"us.demand.x\" = 1200",
        ] {
            let text = format!("{SCENARIO}\n[[variant]]\nid = \"changed\"\n[variant.set]\n{set}\n");
            let source = Source::from_text("mirror.toml", "mirror", false, &text);
            let model = scenario::parse(&source).expect("a valid scenario");
            let plan = Plan::new(&model).expect("a plan");
            assert!(plan.variants[1].commodities[0].mirror.is_some(), "{set}");
            assert!(plan.variants[2].commodities[0].mirror.is_none(), "{set}");
        }
    }

    #[test]
    fn months_are_shared_until_the_own_part_can_carry_flow() {
        let mut case = Case::new();
        // Everything usable from month 0: nothing is shared.
        assert_eq!(case.shared_months(), 0);
        // The refinery comes online in month 30.
        let mut this = std::mem::take(&mut case.this);
        case.row(&mut this, "pk_refinery")[..30].fill(0.0);
        case.this = this.clone();
        assert_eq!(case.shared_months(), 30);
        // Its mine is out until month 45: a path needs both.
        case.row(&mut this, "pk_mine")[..45].fill(0.0);
        case.this = this.clone();
        assert_eq!(case.shared_months(), 45);
        // A project that never succeeds: every month.
        case.row(&mut this, "pk_refinery").fill(0.0);
        case.this = this;
        assert_eq!(case.shared_months(), HORIZON);
    }

    #[test]
    fn months_are_shared_until_a_shared_multiplier_differs() {
        let mut case = Case::new();
        let mut this = std::mem::take(&mut case.this);
        case.row(&mut this, "pk_refinery").fill(0.0);
        // Rotterdam's multiplier in the variant differs from the baseline's from month 12
        // (the same value, 1, under an incident of no effect in the baseline would not).
        case.row(&mut this, "nl_rotterdam")[12] = 0.75;
        case.this = this;
        assert_eq!(case.shared_months(), 12);
    }

    #[test]
    fn months_are_shared_until_the_loose_arc_binds() {
        let mut case = Case::new();
        let (mut this, mut base) = (
            std::mem::take(&mut case.this),
            std::mem::take(&mut case.base),
        );
        case.row(&mut this, "pk_refinery").fill(0.0);
        // An incident halves Rotterdam in both variants in months 5 and 7: the baseline's
        // capacity is then 50 t/month. Well below it in month 5, at it in month 7.
        for table in [&mut this, &mut base] {
            let row = case.row(table, "nl_rotterdam");
            row[5] = 0.5;
            row[7] = 0.5;
        }
        case.this = this;
        case.base = base;
        case.flows[5] = 40.0;
        case.flows[7] = 50.0;
        // Unlimited (multiplier 1) in the other months, whatever the flow.
        case.flows[6] = 1e6;
        assert_eq!(case.shared_months(), 7);
        // Just below the margin (1e-6) still binds; below it by more does not.
        case.flows[7] = 50.0 - 0.5e-6;
        assert_eq!(case.shared_months(), 7);
        case.flows[7] = 50.0 - 2e-6;
        assert_eq!(case.shared_months(), HORIZON);
    }
}

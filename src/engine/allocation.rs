//! Minimum-cost circulation for the monthly allocation: an exact dual network simplex whose
//! optimal basis is carried from one month to the next (warm start).
//!
//! # The problem
//!
//! A directed graph with arcs `a = (i, j)` of integer cost `c_a` (an [`i128`]: the engine's
//! lexicographic weights, demand ≫ stock refill ≫ transport, reach ~2^100) and, per solve, a
//! capacity `u_a ≥ 0` (an [`f64`]). Find a circulation `x` (flow conservation at every node, no
//! supplies) with `0 ≤ x_a ≤ u_a` minimising `Σ c_a·x_a`. The zero flow is always feasible and
//! every bound is finite, so an optimum always exists.
//!
//! # Method: the dual network simplex on a spanning tree
//!
//! The solver keeps a *basis* in the sense of Ahuja, Magnanti & Orlin, *Network Flows* (1993),
//! ch. 11: a spanning tree `T` of the nodes plus an artificial root, and for every arc outside
//! the tree a state, *at lower bound* (flow 0) or *at upper bound* (flow `u_a`). From the basis
//! follow
//!
//! * node potentials `π` (root 0, `c_a − π_i + π_j = 0` on tree arcs), computed in exact
//!   integer arithmetic, and reduced costs `c^π_a = c_a − π_i + π_j`;
//! * tree flows, computed bottom-up along a stored preorder of the tree from the non-tree arcs at
//!   their bounds, in `O(n + m)`.
//!
//! The basis is *dual feasible* when every non-tree arc at its lower bound has `c^π ≥ 0` and
//! every one at its upper bound has `c^π ≤ 0`; it is optimal when, besides, the tree flows lie
//! within their bounds (complementary slackness, AMO Theorem 9.4).
//!
//! Within a trial the topology and the costs are fixed and only the capacities change. Dual
//! feasibility does not depend on capacities, so last month's optimal basis is dual feasible
//! for this month: [`Solver::solve`] recomputes its tree flows for the new capacities in
//! `O(n + m)` and, when they are within bounds, is done without a pivot. Otherwise it restores
//! primal feasibility with *dual* simplex pivots (the dual network simplex: AMO ch. 11 and
//! exercises; Orlin, Plotkin & Tardos, "Polynomial dual network simplex algorithms",
//! Math. Programming 60, 1993):
//!
//! 1. **Leaving arc**: a tree arc whose flow is out of bounds; it leaves at the bound it
//!    violates. Removing it splits the tree into the subtree `S` below it and the rest `R`.
//! 2. **Entering arc** (dual ratio test): to bring the leaving arc back to its bound, flow
//!    across the cut must move in one direction, so the candidates are the non-tree arcs
//!    crossing the cut that can move that way (an arc in that direction at its lower bound, or
//!    one against it at its upper bound). Shifting the potentials of `S` by `θ` changes the
//!    reduced cost of crossing arcs only, by `±θ`; the entering arc is the candidate with the
//!    smallest `|c^π|`, so with `θ = |c^π_entering|` every arc keeps a reduced cost of the right
//!    sign (dual feasibility is preserved) and the entering arc's becomes 0.
//! 3. **Update** (AMO §11.3): the leaving arc's excess is sent around the cycle that the
//!    entering arc closes, so that the leaving arc ends exactly at its bound; the subtree `S` is
//!    re-rooted at the entering arc's end inside it (reversing one tree path) and hung from its
//!    other end; the preorder, subtree sizes and potentials are renumbered in one `O(n)` walk.
//!
//! Once the updated tree flows are all within bounds, they are recomputed from scratch: the
//! flows returned carry no rounding accumulated over pivots and depend only on the final basis
//! (a violation that only this recomputation reveals gets another pivot).
//!
//! A cold start ([`Solver::solve_cold`]) uses the trivial basis: every node hangs from the
//! artificial root by an artificial arc of cost 0 and capacity 0, all potentials are 0, and each
//! real arc is at its upper bound if its cost is negative, else at its lower bound. That basis
//! is dual feasible, and the artificial arcs, fixed at 0, leave the tree as the pivots need.
//! Networks of 1,000 arcs or more start instead from a *crash* basis: a spanning forest of real
//! arcs taken greedily in arc order, each component hung from the root by one artificial arc,
//! every other arc at the bound its reduced cost's sign calls for. Every bound is finite, so
//! any spanning tree gives a dual feasible basis. On a chain of hubs it is the optimum's tree,
//! where from the trivial one the chain needs a pivot per node, each walking up to the whole
//! chain; on a meshed network of 600 mines over 300 hubs the trials ran as fast from either.
//!
//! An arc whose capacity is 0 this month (artificial arcs, outages) is *fixed*: both bounds give
//! flow 0, so any reduced cost is dual feasible for it. Fixed arcs never enter, and after each
//! pivot every fixed non-tree arc is put at the bound the sign of its reduced cost calls for
//! (a zero keeps its bound). That relabelling changes no flow, and it keeps the stored basis
//! dual feasible for any future capacities, which is what makes the warm start valid month
//! after month.
//!
//! # Termination
//!
//! The dual simplex can cycle only through dual-degenerate pivots (`θ = 0`). The leaving arc is
//! normally the most violated one; after [`Solver::ordinary_pivot_limit`] pivots in one solve,
//! the solver switches to Bland's smallest-index rule (Bland, "New finite pivoting rules for
//! the simplex method", Math. Oper. Res. 2, 1977), applied to the dual: the leaving arc is the
//! violated tree arc of smallest index and the entering arc the smallest index among those
//! attaining the minimum ratio (that tie-break is used throughout). Bland's rule cannot cycle,
//! so every solve terminates; Cunningham ("A network simplex method", Math. Programming 11,
//! 1976) gives the strongly feasible tree alternative for the primal method. A hard pivot cap
//! ([`Solver::pivot_limit`]) turns any remaining failure into [`SolveError::PivotLimit`], a bug
//! for the caller.
//!
//! # Exactness and tolerances
//!
//! Costs, potentials, reduced costs and ratios are exact integers: no pivot decision depends on
//! floating-point rounding of costs, which is what makes huge lexicographic weights safe. (A
//! potential is a sum of costs along a tree path, so [`FlowNetwork::add_arc`] bounds `Σ|c_a|`
//! by 2^124 and no reduced cost can overflow.)
//!
//! Flows are `f64`: a tree flow is a signed sum of capacities, with a rounding error of a few
//! ulps of the largest capacity (at most about `(n + m)·ε·max u` even when every partial sum is
//! large, ≈ 2·10⁻¹³ relative for 100 nodes and arcs). A tree flow counts as violating its bounds
//! only beyond `FEASIBILITY_TOLERANCE · max_a u_a` with `FEASIBILITY_TOLERANCE = 1e-10`: a
//! margin of over 100× above rounding, so noise never triggers a pivot (nor the cycling that
//! pivots on noise could cause), and tight enough that the accepted error is negligible for
//! the engine: with `max u` the total supply and demand a few % of it, a market's share moves
//! by at most ~10⁻⁹ (the engine's threshold for counting "exceeds"), and only when the
//! capacities make an exactly optimal basis infeasible by less than the tolerance; otherwise
//! the error is rounding. Returned flows are clamped into `[0, u_a]`; conservation then holds
//! within that tolerance per arc. Flows updated from month to month carry the rounding of the
//! capacities they were summed from, so a solve whose largest capacity falls below 2⁻¹⁰ of
//! those (`SCALE_DROP`; a month of zero capacities, say) computes them afresh.
//!
//! Results are deterministic: the same capacities and the same starting basis give
//! bit-identical flows (fixed loop orders, index tie-breaks, no hashing, no randomness).
//! [`Solver::solve`] does not allocate: every work array is sized in [`Solver::new`].
//!
//! When the optimum is not unique, a warm and a cold solve can return different optimal
//! vertices (same cost). The engine makes results independent of earlier trials by resetting
//! the basis with [`Solver::set_basis`] at the start of every trial.
//!
//! # Tie costs
//!
//! An arc may also carry a *tie cost* ([`FlowNetwork::add_arc_tied`]), compared only when the
//! costs tie: the solver minimises `Σ c_a·x_a` and, among the flows that attain it,
//! `Σ t_a·x_a`. This is the same dual simplex over the ordered group ℤ² (pairs `(c, t)` compared
//! lexicographically): potentials, reduced costs and ratios are pairs, and every sign test and
//! comparison is lexicographic. When every simple cycle's pair is non-zero (the engine gives
//! edge `i` the tie cost `2^i`), no two bases are dual degenerate against each other, the
//! optimum is unique, and it no longer depends on the basis a solve starts from. A network
//! without tie costs runs exactly as before (every tie cost 0, the second halves skipped).

use thiserror::Error;

/// Tree flows beyond their bounds by at most this fraction of the largest capacity of the
/// solve count as feasible (see the module documentation for why 1e-10).
pub const FEASIBILITY_TOLERANCE: f64 = 1e-10;

/// Largest number of nodes or arcs of a [`FlowNetwork`]: indices are stored as `u32`, with
/// room for the artificial root and arcs.
pub const MAX_ELEMENTS: usize = 1 << 30;

/// Bound on `Σ|c_a|` (and on `Σ|t_a|` of the tie costs): potentials are sums of costs along
/// tree paths, so reduced costs stay within `3 · 2^124 < 2^127` and `i128` arithmetic cannot
/// overflow.
const COST_MAGNITUDE_LIMIT: u128 = 1 << 124;

/// Marks "no node / no arc" (the root's parent and tree arc).
const NONE: u32 = u32::MAX;

/// The index of an arc in its [`FlowNetwork`], in the order of [`FlowNetwork::add_arc`] calls;
/// it indexes the capacity slice given to a solve and the flow slice returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArcIndex(u32);

impl ArcIndex {
    /// The arc's position in capacity and flow slices.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A network that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NetworkError {
    /// An arc names a node at or beyond the network's node count.
    #[error(
        "arc {arc} runs from node {from} to node {to}, but the network's nodes are 0..{node_count}"
    )]
    NodeOutOfRange {
        /// The index the arc would have had.
        arc: usize,
        /// The arc's tail.
        from: usize,
        /// The arc's head.
        to: usize,
        /// The network's node count.
        node_count: usize,
    },
    /// The sum of the costs' magnitudes would exceed 2^124.
    #[error(
        "arc {arc} with cost {cost} takes the sum of |cost| over 2^124, beyond which node \
         potentials could overflow i128; scale the lexicographic weights down"
    )]
    CostRange {
        /// The index the arc would have had.
        arc: usize,
        /// Its cost.
        cost: i128,
    },
    /// The sum of the tie costs' magnitudes would exceed 2^124.
    #[error(
        "arc {arc} with tie cost {tie} takes the sum of |tie cost| over 2^124, beyond which \
         node potentials could overflow i128"
    )]
    TieCostRange {
        /// The index the arc would have had.
        arc: usize,
        /// Its tie cost.
        tie: i128,
    },
    /// More nodes or arcs than [`MAX_ELEMENTS`].
    #[error("a flow network holds at most {MAX_ELEMENTS} nodes and {MAX_ELEMENTS} arcs")]
    TooLarge,
}

/// A solve that did not produce an optimal flow.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SolveError {
    /// The capacity slice does not have one entry per arc.
    #[error("{found} capacities given for a network of {expected} arcs")]
    CapacityCount {
        /// The network's arc count.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// A capacity is negative, infinite or NaN.
    #[error("capacity {value} of arc {arc} is not a finite number ≥ 0")]
    InvalidCapacity {
        /// The arc.
        arc: usize,
        /// Its capacity.
        value: f64,
    },
    /// The basis given to [`Solver::set_basis`] belongs to another network.
    #[error("the basis belongs to another flow network (topology or costs differ)")]
    BasisMismatch,
    /// The pivot cap was reached: with Bland's rule this means a bug, not a hard problem.
    #[error("no optimal flow after {pivots} pivots (pivot limit); this is a bug")]
    PivotLimit {
        /// Pivots made in the solve.
        pivots: u32,
    },
    /// A tree arc is out of bounds and no arc can enter to fix it. The zero circulation is
    /// always feasible, so this means rounding beyond the tolerance or a bug.
    #[error(
        "tree arc {arc} is out of its bounds and no arc can enter; the problem looks \
         infeasible, which a circulation with zero lower bounds cannot be (a bug or rounding)"
    )]
    NoEnteringArc {
        /// The leaving arc (an index ≥ the arc count is an artificial arc).
        arc: usize,
    },
}

/// A directed graph with integer arc costs: the fixed part of a monthly allocation problem,
/// built once per (variant, commodity).
#[derive(Debug, Clone)]
pub struct FlowNetwork {
    node_count: usize,
    tail: Vec<u32>,
    head: Vec<u32>,
    cost: Vec<i128>,
    cost_magnitude: u128,
    /// Per arc its tie cost (see the module documentation), all 0 unless `tied`.
    tie: Vec<i128>,
    tie_magnitude: u128,
    tied: bool,
}

impl FlowNetwork {
    /// An empty network on nodes `0..node_count`.
    pub fn new(node_count: usize) -> Result<Self, NetworkError> {
        if node_count > MAX_ELEMENTS {
            return Err(NetworkError::TooLarge);
        }
        Ok(Self {
            node_count,
            tail: Vec::new(),
            head: Vec::new(),
            cost: Vec::new(),
            cost_magnitude: 0,
            tie: Vec::new(),
            tie_magnitude: 0,
            tied: false,
        })
    }

    /// Adds the arc `from → to` with an integer cost per unit of flow, and returns its index
    /// (arcs are numbered 0, 1, … in the order added). Self-loops and parallel arcs are allowed.
    pub fn add_arc(
        &mut self,
        from: usize,
        to: usize,
        cost: i128,
    ) -> Result<ArcIndex, NetworkError> {
        self.add_arc_tied(from, to, cost, 0)
    }

    /// [`FlowNetwork::add_arc`] with a tie cost per unit of flow, which only breaks ties of
    /// the costs (see the module documentation); `Σ|tie|` is bounded like `Σ|cost|`.
    pub fn add_arc_tied(
        &mut self,
        from: usize,
        to: usize,
        cost: i128,
        tie: i128,
    ) -> Result<ArcIndex, NetworkError> {
        let arc = self.tail.len();
        if from >= self.node_count || to >= self.node_count {
            return Err(NetworkError::NodeOutOfRange {
                arc,
                from,
                to,
                node_count: self.node_count,
            });
        }
        if arc >= MAX_ELEMENTS {
            return Err(NetworkError::TooLarge);
        }
        let cost_magnitude = self
            .cost_magnitude
            .checked_add(cost.unsigned_abs())
            .filter(|&sum| sum <= COST_MAGNITUDE_LIMIT)
            .ok_or(NetworkError::CostRange { arc, cost })?;
        let tie_magnitude = self
            .tie_magnitude
            .checked_add(tie.unsigned_abs())
            .filter(|&sum| sum <= COST_MAGNITUDE_LIMIT)
            .ok_or(NetworkError::TieCostRange { arc, tie })?;
        self.cost_magnitude = cost_magnitude;
        self.tie_magnitude = tie_magnitude;
        self.tied |= tie != 0;
        self.tie.push(tie);
        // Both bounds were checked against MAX_ELEMENTS = 2^30, so the casts are lossless.
        self.tail.push(from as u32);
        self.head.push(to as u32);
        self.cost.push(cost);
        Ok(ArcIndex(arc as u32))
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// Number of arcs.
    pub fn arc_count(&self) -> usize {
        self.tail.len()
    }

    /// The arc's tail (`from`) node.
    pub fn from(&self, arc: ArcIndex) -> usize {
        self.tail[arc.index()] as usize
    }

    /// The arc's head (`to`) node.
    pub fn to(&self, arc: ArcIndex) -> usize {
        self.head[arc.index()] as usize
    }

    /// Every arc's cost, in arc order.
    pub fn costs(&self) -> &[i128] {
        &self.cost
    }

    /// Every arc's tie cost, in arc order (all 0 for a network built with
    /// [`FlowNetwork::add_arc`] only).
    pub fn tie_costs(&self) -> &[i128] {
        &self.tie
    }

    /// The tail and head of the arc at position `arc` in capacity and flow slices.
    pub fn ends(&self, arc: usize) -> (usize, usize) {
        (self.tail[arc] as usize, self.head[arc] as usize)
    }

    /// The arc's cost per unit of flow.
    pub fn cost(&self, arc: ArcIndex) -> i128 {
        self.cost[arc.index()]
    }

    /// `Σ cost · flow` of a flow vector, in `f64` (for reports and tests; the solver itself
    /// never needs it).
    pub fn objective(&self, flows: &[f64]) -> f64 {
        self.cost
            .iter()
            .zip(flows)
            .map(|(&cost, &flow)| cost as f64 * flow)
            .sum()
    }

    /// A 64-bit FNV-1a hash of the topology and costs, so that a [`Basis`] is never applied to
    /// a network it was not computed for.
    fn fingerprint(&self) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let mut hash = OFFSET;
        let mut feed = |bytes: &[u8]| {
            for &byte in bytes {
                hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
            }
        };
        feed(&(self.node_count as u64).to_le_bytes());
        for arc in 0..self.arc_count() {
            feed(&self.tail[arc].to_le_bytes());
            feed(&self.head[arc].to_le_bytes());
            feed(&self.cost[arc].to_le_bytes());
            if self.tied {
                feed(&self.tie[arc].to_le_bytes());
            }
        }
        hash
    }
}

/// Where an arc stands in a basis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum ArcState {
    /// In the spanning tree; its flow follows from the others'.
    Tree,
    /// Out of the tree at flow 0 (reduced cost ≥ 0).
    Lower,
    /// Out of the tree at flow = capacity (reduced cost ≤ 0).
    Upper,
}

/// One node of the spanning tree in preorder: the order of the full flow computation, rebuilt
/// from the child lists only when that computation runs after the tree changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TreeEntry {
    node: u32,
    /// The position of the parent in preorder (before this one).
    parent_position: u32,
    /// The tree arc joining `node` to `parent`.
    arc: u32,
    /// Whether that arc points from `node` up to `parent` (else from `parent` down to `node`).
    up: bool,
}

/// A node's place in the spanning tree: its parent and tree arc, and its children as a
/// doubly linked list, so that a pivot moves a subtree in time proportional to the path it
/// re-roots (the parent-thread structures of AMO §11.3, with child lists in place of threads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TreeLink {
    parent: u32,
    /// The tree arc joining the node to its parent.
    arc: u32,
    /// Whether that arc points from the node up to its parent.
    up: bool,
    first_child: u32,
    next_sibling: u32,
    previous_sibling: u32,
    /// The node's depth (root 0): the tree path between two nodes is found by climbing from
    /// the deeper end until the two meet.
    depth: u32,
}

/// A basis of the dual network simplex: a spanning tree (with each node's depth and
/// potential) and the bound of every other arc. Cheap to copy with `clone_from`, which reuses
/// the buffers.
#[derive(Debug, PartialEq, Eq)]
pub struct Basis {
    fingerprint: u64,
    /// Per arc, real arcs first, then one artificial arc per node (`node → root`).
    state: Vec<ArcState>,
    /// Per node, its place in the tree: parent, tree arc and children.
    link: Vec<TreeLink>,
    /// Per node, its potential `π` (root 0).
    potential: Vec<i128>,
    /// Per node, the tie half of its potential (empty when the network has no tie costs).
    tie_potential: Vec<i128>,
}

impl Clone for Basis {
    fn clone(&self) -> Self {
        Self {
            fingerprint: self.fingerprint,
            state: self.state.clone(),
            link: self.link.clone(),
            potential: self.potential.clone(),
            tie_potential: self.tie_potential.clone(),
        }
    }

    /// Field by field, so that equal-sized buffers are reused without allocating (the derived
    /// `clone_from` would build a new `Basis` and drop the old one).
    fn clone_from(&mut self, source: &Self) {
        self.fingerprint = source.fingerprint;
        self.state.clone_from(&source.state);
        self.link.clone_from(&source.link);
        self.potential.clone_from(&source.potential);
        self.tie_potential.clone_from(&source.tie_potential);
    }
}

impl Basis {
    /// Whether `other` has the same tree arcs and the same arcs at their upper bound: two such
    /// bases give every month the same flow formulas, however their trees are laid out. (For
    /// `examples/bases`, which measures how often trials share a basis.)
    pub fn same_arcs_as(&self, other: &Basis) -> bool {
        self.state == other.state
    }
}

/// The tree arc chosen to leave the basis.
#[derive(Clone, Copy, Debug)]
struct Leaving {
    /// The node below the arc (the arc is its tree arc).
    node: u32,
    /// Whether its flow is below 0 (it leaves at the lower bound), else above capacity.
    below_lower: bool,
    /// The flow it leaves with: the bound it violates.
    target: f64,
}

/// The leaving-arc rule: the tree arc violating its bounds by the most (ties to the smallest
/// arc index), or under Bland's rule the violating tree arc of smallest index. Either choice
/// depends only on the set of arcs considered, not on the order they come in.
struct LeavingChoice {
    bland: bool,
    leaving: Option<Leaving>,
    violation: f64,
    arc: u32,
    /// The first violating arcs considered (up to [`VIOLATORS_KEPT`]), and how many there were
    /// in all.
    violators: [u32; VIOLATORS_KEPT],
    violations: usize,
}

/// Violating arcs a [`LeavingChoice`] lists; with more, the search after a pivot scans the
/// whole tree.
const VIOLATORS_KEPT: usize = 8;

impl LeavingChoice {
    fn new(bland: bool) -> Self {
        Self {
            bland,
            leaving: None,
            violation: 0.0,
            arc: u32::MAX,
            violators: [0; VIOLATORS_KEPT],
            violations: 0,
        }
    }

    /// Considers the tree arc `arc` above `node`, of flow `flow`.
    #[inline]
    fn consider(&mut self, node: u32, arc: u32, flow: f64, capacity: f64, tolerance: f64) {
        let violation = if flow < -tolerance {
            -flow
        } else if flow > capacity + tolerance {
            flow - capacity
        } else {
            return;
        };
        if self.violations < VIOLATORS_KEPT {
            self.violators[self.violations] = arc;
        }
        self.violations += 1;
        let better = if self.bland {
            arc < self.arc
        } else {
            violation > self.violation || (violation == self.violation && arc < self.arc)
        };
        if better {
            self.leaving = Some(Leaving {
                node,
                below_lower: flow < 0.0,
                target: if flow < 0.0 { 0.0 } else { capacity },
            });
            self.violation = violation;
            self.arc = arc;
        }
    }

    /// [`clamped`]`(flow, capacity)`, after [`LeavingChoice::consider`] of the same arc. A flow
    /// strictly inside `(0, capacity)` is its own clamp and violates nothing (the tolerance is
    /// ≥ 0, so `capacity + tolerance` ≥ `capacity`): two compares instead of four.
    #[inline(always)]
    fn clamp_and_consider(
        &mut self,
        node: u32,
        arc: u32,
        flow: f64,
        capacity: f64,
        tolerance: f64,
    ) -> f64 {
        if flow > 0.0 && flow < capacity {
            return flow;
        }
        self.consider(node, arc, flow, capacity, tolerance);
        clamped(flow, capacity)
    }
}

/// A flow clamped into `[0, capacity]`, and +0.0 rather than −0.0.
#[inline]
fn clamped(flow: f64, capacity: f64) -> f64 {
    if flow <= 0.0 {
        0.0
    } else if flow >= capacity {
        capacity
    } else {
        flow
    }
}

/// A min-cost circulation solver for one [`FlowNetwork`], holding the current basis, its
/// flows and every work array, so that solving allocates nothing.
#[derive(Debug, Clone)]
pub struct Solver {
    /// Real arcs; arcs `arc_count..arc_count + node_count` are the artificial ones.
    arc_count: usize,
    /// Real nodes; node `node_count` is the artificial root.
    node_count: usize,
    tail: Vec<u32>,
    head: Vec<u32>,
    cost: Vec<i128>,
    /// Tie costs (artificial arcs' 0), only when the network has any; `tied` says so.
    tie_cost: Vec<i128>,
    tied: bool,
    basis: Basis,
    cold_basis: Basis,
    /// Real arcs incident to each node, in compressed rows (`incident_start` has a row per
    /// node, the root's empty): the ratio test scans the smaller side of the cut.
    incident_start: Vec<u32>,
    incident: Vec<u32>,
    /// Clamped flows of all arcs (the real ones are returned), for the current basis.
    flow: Vec<f64>,
    /// The capacities of the last solve, then 0 for every artificial arc.
    capacity: Vec<f64>,
    /// Unclamped flows of the tree arcs for the current basis (they may violate bounds
    /// during a solve); entries of non-tree arcs are not kept.
    raw_flow: Vec<f64>,
    /// Whether `flow`, `raw_flow`, `capacity`, `largest_capacity` and `tolerance` describe the
    /// current basis, so that the next solve may update them instead of recomputing them.
    flows_current: bool,
    /// Flow updates (incremental solves and pivots) since the flows were last computed from
    /// scratch: bounds the rounding they accumulate (see [`REFRESH_INTERVAL`]).
    updates_since_refresh: u32,
    /// The largest capacity of the last solve.
    largest_capacity: f64,
    /// The largest capacity of every solve since the flows were last computed from scratch:
    /// the scale of the rounding the updated flows carry (see [`SCALE_DROP`]).
    refresh_scale: f64,
    /// Tolerance of the last solve: `FEASIBILITY_TOLERANCE × largest capacity`.
    tolerance: f64,
    /// The tree in preorder (`order[0]` is the root, every subtree contiguous) and each
    /// node's position in it, for the full flow computation; stale after a pivot until that
    /// computation runs again.
    order: Vec<TreeEntry>,
    position: Vec<u32>,
    order_stale: bool,
    excess: Vec<f64>,
    /// The real arcs at their upper bound in the current basis, ascending: only they add to
    /// the nodes' excess when flows are computed from scratch.
    upper: Vec<u32>,
    /// Whether the basis changed since `upper` was listed.
    upper_stale: bool,
    /// Arcs whose capacity changed in this solve, ascending (the first entries).
    changed: Vec<u32>,
    /// Per node, its place in the sweep of [`Solver::update_flows`]; per depth, the first
    /// node waiting there, or `NONE`.
    sweep: Vec<SweepSlot>,
    first_at_depth: Vec<u32>,
    /// The last sweep recorded, its accumulators when replayed, and the changed arcs at upper
    /// bound of the current solve with their capacity changes.
    program: SweepProgram,
    /// Sweeps recorded before the last, for replay when the arcs they send change again on
    /// the same basis (see [`SWEEPS_KEPT`]); `next_spare` is the next to be overwritten.
    spares: Vec<SweepProgram>,
    next_spare: usize,
    replay: Vec<f64>,
    upper_changes: Vec<(u32, f64)>,
    /// Changes whenever the basis does (a pivot, a basis set): a recorded sweep is valid only
    /// for the version it was recorded on.
    basis_version: u64,
    /// The arcs out of the tree with a zero reduced cost, for [`Solver::dual_degenerate`], and
    /// the basis version they were listed for (`u64::MAX`: none).
    zero_reduced: Vec<u32>,
    zero_reduced_version: u64,
    /// The nodes of the subtree cut off by the leaving arc (the first entries), and a mark
    /// per node equal to `stamp` when it is in that subtree.
    subtree: Vec<u32>,
    mark: Vec<u32>,
    stamp: u32,
    crossing_fixed: Vec<u32>,
    /// When `violated_complete`, every tree arc that violates its bounds is in `violated`
    /// (with stale entries and repeats, which [`Solver::find_leaving`] prunes): those found
    /// when the flows were computed or updated, then those each pivot's cycle made. Room for
    /// `2 × nodes + VIOLATORS_KEPT`, more than it ever holds.
    violated: Vec<u32>,
    violated_complete: bool,
    /// Per arc, the pass of [`Solver::find_leaving`] that last kept it (`listed_pass`).
    listed: Vec<u32>,
    listed_pass: u32,
    pivots_last_solve: u32,
    ordinary_pivot_limit: u32,
    pivot_limit: u32,
}

/// Flow updates (solves whose capacities moved, and pivots) allowed between two computations
/// of the flows from scratch.
///
/// An update adds one change to each tree flow on a path, with a rounding error below ε
/// times the flow and the change; after at most 32 of them a flow is within ~32·ε ≈ 7·10⁻¹⁵
/// of the largest capacity from its fresh value, the size of the rounding a fresh computation
/// makes itself (a sum of up to n + m capacities), and far inside the feasibility tolerance
/// (10⁻¹⁰). A fresh computation costs about as much as a dozen updates, so refreshing every
/// 32 costs a few percent.
const REFRESH_INTERVAL: u32 = 32;

/// Below this fraction of the largest capacity since the flows were last computed from
/// scratch ([`Solver::refresh_scale`]), a solve computes them afresh instead of updating them.
///
/// An updated flow carries the rounding of at most [`REFRESH_INTERVAL`] + 1 sums, each below
/// 2ε times the largest capacity at the time: under 33 · 2 · 2⁻⁵³ ≈ 7.3·10⁻¹⁵ of
/// `refresh_scale`. The feasibility tolerance is 10⁻¹⁰ of this solve's largest capacity, so
/// that rounding stays under it while the largest capacity is above ~7.3·10⁻⁵ of the scale;
/// 2⁻¹⁰ leaves a margin of 13. (The engine's networks keep their largest capacity for a whole
/// trial, the return arc's bound, so this never fires there.)
const SCALE_DROP: f64 = 1.0 / 1024.0;

/// Sweeps of [`Solver::update_flows`] kept for replay, the last one's included. On one basis
/// the months of a trial may alternate between a few sets of changed arcs at upper bound;
/// keeping one sweep per set lets each be replayed instead of recorded again.
const SWEEPS_KEPT: usize = 4;

/// A node's place in the sweep of [`Solver::update_flows`].
#[derive(Clone, Copy, Debug)]
struct SweepSlot {
    /// The change of its subtree's excess gathered so far.
    change: f64,
    /// The next node waiting at the same depth, `NONE` at the end of a list, or
    /// `NOT_WAITING`.
    next: u32,
    /// While the node waits, its accumulator in the [`SweepProgram`] being recorded.
    program_slot: u32,
}

/// A sweep of [`Solver::update_flows`] written down as arithmetic, to be replayed in later
/// solves on the same basis whose changed arcs at upper bound are the same.
///
/// The sweep's path through the tree depends only on the tree and on which arcs send a
/// change, not on the changes' sizes; within a trial the same few arcs (demand and stock
/// room) change month after month while the basis stays put, so most solves replay the last
/// sweep: the same additions in the same order, hence the same flows bit for bit, without the
/// queue. Each node of the sweep has an accumulator (slot) for its excess change.
#[derive(Debug, Clone)]
struct SweepProgram {
    /// The basis it was recorded for (a [`Solver::basis_version`]); `u64::MAX`: none.
    basis_version: u64,
    /// The changed arcs at upper bound it sends, ascending, with their ends' slots.
    sources: Vec<SweepSource>,
    /// The tree arcs it updates, in the sweep's order.
    steps: Vec<SweepStep>,
    /// Number of slots.
    slots: usize,
}

impl SweepProgram {
    /// An empty program (recorded for no basis) with room for a sweep of the network.
    fn with_capacity(arc_count: usize, total_nodes: usize) -> Self {
        SweepProgram {
            basis_version: u64::MAX,
            sources: Vec::with_capacity(arc_count),
            steps: Vec::with_capacity(total_nodes),
            slots: 0,
        }
    }

    /// Whether it was recorded on basis `basis_version` for the changes `upper_changes`.
    #[inline(always)]
    fn sends(&self, basis_version: u64, upper_changes: &[(u32, f64)]) -> bool {
        self.basis_version == basis_version
            && self.sources.len() == upper_changes.len()
            && self
                .sources
                .iter()
                .zip(upper_changes)
                .all(|(source, &(arc, _))| source.arc == arc)
    }
}

/// When the last sweep recorded is not the one `upper_changes` needs: swaps in a kept one that
/// is, returning true, or else makes `program` one free to record over (keeping the last
/// sweep among the spares if it is of this basis, in place of the oldest), returning false.
/// Exchanging programs moves their buffers, so nothing is allocated.
#[inline(never)]
fn swap_in_kept_sweep(
    program: &mut SweepProgram,
    spares: &mut [SweepProgram],
    next_spare: &mut usize,
    basis_version: u64,
    upper_changes: &[(u32, f64)],
) -> bool {
    if let Some(spare) = spares
        .iter_mut()
        .find(|spare| spare.sends(basis_version, upper_changes))
    {
        std::mem::swap(program, spare);
        return true;
    }
    if program.basis_version == basis_version && !spares.is_empty() {
        std::mem::swap(program, &mut spares[*next_spare]);
        *next_spare = (*next_spare + 1) % spares.len();
    }
    false
}

/// A non-tree arc at its upper bound whose capacity change a [`SweepProgram`] sends.
#[derive(Debug, Clone, Copy)]
struct SweepSource {
    arc: u32,
    tail_slot: u32,
    head_slot: u32,
}

/// One tree arc of a [`SweepProgram`]: `node`'s, which carries the change of `slot` (times
/// `sign`, +1 if the arc points up) and passes it on to `parent_slot`.
#[derive(Debug, Clone, Copy)]
struct SweepStep {
    node: u32,
    arc: u32,
    slot: u32,
    parent_slot: u32,
    sign: f64,
}

/// Marks a node that is not waiting in the sweep.
const NOT_WAITING: u32 = u32::MAX - 1;

/// The nodes waiting in a sweep, taken deepest first (a bucket queue by depth: every child is
/// done before its parent), each given the next program slot when it starts waiting.
struct SweepQueue<'a> {
    slots: &'a mut [SweepSlot],
    first_at_depth: &'a mut [u32],
    waiting: usize,
    /// No node waits deeper.
    level: usize,
    program_slots: usize,
}

impl SweepQueue<'_> {
    /// Adds `change` to the excess change of `node`, at depth `depth`, queuing the node if it
    /// was not waiting yet; returns its program slot.
    #[inline(always)]
    fn add(&mut self, node: u32, depth: u32, change: f64) -> u32 {
        let slot = &mut self.slots[node as usize];
        slot.change += change;
        if slot.next == NOT_WAITING {
            let first = &mut self.first_at_depth[depth as usize];
            slot.next = *first;
            *first = node;
            slot.program_slot = self.program_slots as u32;
            self.program_slots += 1;
            self.waiting += 1;
            self.level = self.level.max(depth as usize);
        }
        slot.program_slot
    }

    /// Takes out the deepest waiting node: `(node, its excess change, its program slot)`, or
    /// `None` when the one taken was the last (the lowest common ancestor of all the nodes
    /// added, whose change is dropped) or none waits.
    #[inline(always)]
    fn pop(&mut self) -> Option<(u32, f64, u32)> {
        while self.waiting > 0 {
            let node = self.first_at_depth[self.level];
            if node == NONE {
                // Some node waits higher up (at depth 0 only the root, alone).
                self.level -= 1;
                continue;
            }
            let slot = &mut self.slots[node as usize];
            self.first_at_depth[self.level] = slot.next;
            slot.next = NOT_WAITING;
            let change = std::mem::take(&mut slot.change);
            self.waiting -= 1;
            if self.waiting > 0 {
                return Some((node, change, slot.program_slot));
            }
        }
        None
    }
}

/// Networks of at least this many arcs start a cold solve from [`crash_basis`] rather than the
/// trivial basis. Below it the trivial start is cheap, and keeping it keeps every result of
/// the bundled scenarios as it was (a different start can reach another, equally optimal,
/// basis, and with it other rounding in later months).
const CRASH_MIN_ARCS: usize = 1_000;

/// Replaces the trivial basis by one whose tree is made of real arcs: a spanning forest taken
/// greedily in arc order (union-find; the engine lists supply, throughput, edge and market
/// arcs in that order, so that a supply chain's forest follows its routes), each component
/// hung from the root by the artificial arc of its first node. Potentials follow from the
/// tree, and every other arc is put at the bound the sign of its reduced cost calls for, so
/// the basis is dual feasible, as a start of the dual simplex must be: every bound is finite,
/// so any spanning tree gives one. From the trivial basis a chain of n hubs needs n pivots,
/// each walking a subtree of up to n nodes (a 20,000-hub chain took 22 s to plan); from this
/// one it needs a few.
fn crash_basis(
    basis: &mut Basis,
    tail: &[u32],
    head: &[u32],
    cost: &[i128],
    tie_cost: &[i128],
    arc_count: usize,
) {
    let total_nodes = basis.link.len();
    let root = total_nodes - 1;
    // Union-find with path halving; real nodes only.
    let mut parent_set: Vec<usize> = (0..root).collect();
    fn find(sets: &mut [usize], mut x: usize) -> usize {
        while sets[x] != x {
            sets[x] = sets[sets[x]];
            x = sets[x];
        }
        x
    }
    let mut tree_arcs_at: Vec<Vec<u32>> = vec![Vec::new(); root];
    for arc in 0..arc_count {
        let (a, b) = (tail[arc] as usize, head[arc] as usize);
        let (ra, rb) = (find(&mut parent_set, a), find(&mut parent_set, b));
        if ra != rb {
            parent_set[ra] = rb;
            tree_arcs_at[a].push(arc as u32);
            tree_arcs_at[b].push(arc as u32);
        }
    }
    for link in &mut basis.link {
        link.first_child = NONE;
        link.next_sibling = NONE;
        link.previous_sibling = NONE;
    }
    for state in &mut basis.state {
        *state = ArcState::Lower;
    }
    let tied = !basis.tie_potential.is_empty();
    let mut placed = vec![false; root];
    let mut queue: Vec<usize> = Vec::with_capacity(root);
    // The root's children, then each node's, are linked in the order they are placed.
    let mut last_child: Vec<u32> = vec![NONE; total_nodes];
    let hang =
        |basis: &mut Basis, last_child: &mut [u32], node: usize, parent: usize, arc: usize| {
            let up = tail[arc] as usize == node;
            let depth = basis.link[parent].depth + 1;
            let previous = last_child[parent];
            basis.link[node] = TreeLink {
                parent: parent as u32,
                arc: arc as u32,
                up,
                first_child: NONE,
                next_sibling: NONE,
                previous_sibling: previous,
                depth,
            };
            if previous == NONE {
                basis.link[parent].first_child = node as u32;
            } else {
                basis.link[previous as usize].next_sibling = node as u32;
            }
            last_child[parent] = node as u32;
            basis.state[arc] = ArcState::Tree;
            // c − π_tail + π_head = 0 on a tree arc.
            let (c, t) = (cost[arc], if tied { tie_cost[arc] } else { 0 });
            let sign = if up { 1 } else { -1 };
            basis.potential[node] = basis.potential[parent] + sign * c;
            if tied {
                basis.tie_potential[node] = basis.tie_potential[parent] + sign * t;
            }
        };
    for start in 0..root {
        if placed[start] {
            continue;
        }
        placed[start] = true;
        hang(basis, &mut last_child, start, root, arc_count + start);
        queue.clear();
        queue.push(start);
        let mut next = 0;
        while next < queue.len() {
            let node = queue[next];
            next += 1;
            for &arc in &tree_arcs_at[node] {
                let arc = arc as usize;
                let other = if tail[arc] as usize == node {
                    head[arc] as usize
                } else {
                    tail[arc] as usize
                };
                if !placed[other] {
                    placed[other] = true;
                    hang(basis, &mut last_child, other, node, arc);
                    queue.push(other);
                }
            }
        }
    }
    for arc in 0..arc_count {
        if basis.state[arc] == ArcState::Tree {
            continue;
        }
        let (i, j) = (tail[arc] as usize, head[arc] as usize);
        let reduced = cost[arc] - basis.potential[i] + basis.potential[j];
        let tie_reduced = if tied {
            tie_cost[arc] - basis.tie_potential[i] + basis.tie_potential[j]
        } else {
            0
        };
        if (reduced, tie_reduced) < (0, 0) {
            basis.state[arc] = ArcState::Upper;
        }
    }
}

impl Solver {
    /// A solver for `network`, holding the cold basis: the trivial one, or for networks of at
    /// least 1,000 arcs one whose tree is a spanning forest of real arcs (see the module
    /// documentation).
    pub fn new(network: &FlowNetwork) -> Self {
        let arc_count = network.arc_count();
        let node_count = network.node_count();
        let total_nodes = node_count + 1;
        let total_arcs = arc_count + node_count;
        let root = node_count as u32;

        let mut tail = network.tail.clone();
        let mut head = network.head.clone();
        let mut cost = network.cost.clone();
        tail.extend(0..node_count as u32);
        head.extend(std::iter::repeat_n(root, node_count));
        cost.extend(std::iter::repeat_n(0, node_count));
        let tied = network.tied;
        let tie_cost = if tied {
            let mut tie = network.tie.clone();
            tie.extend(std::iter::repeat_n(0, node_count));
            tie
        } else {
            Vec::new()
        };

        // Trivial basis: all potentials 0, so a real arc's reduced cost is its cost (with its
        // tie cost, compared lexicographically).
        let state = (0..total_arcs)
            .map(|arc| match arc {
                arc if arc >= arc_count => ArcState::Tree,
                arc if (cost[arc], tie_cost.get(arc).copied().unwrap_or(0)) < (0, 0) => {
                    ArcState::Upper
                }
                _ => ArcState::Lower,
            })
            .collect();
        // Every node hangs from the root by its artificial arc `node → root` (cost 0, so
        // potential 0, at depth 1); children are listed in node order.
        let link = (0..total_nodes)
            .map(|node| {
                let is_root = node == node_count;
                TreeLink {
                    parent: if is_root { NONE } else { root },
                    arc: if is_root {
                        NONE
                    } else {
                        (arc_count + node) as u32
                    },
                    up: true,
                    first_child: if is_root && node_count > 0 { 0 } else { NONE },
                    next_sibling: if node + 1 < node_count {
                        node as u32 + 1
                    } else {
                        NONE
                    },
                    previous_sibling: if node > 0 && !is_root {
                        node as u32 - 1
                    } else {
                        NONE
                    },
                    depth: u32::from(!is_root),
                }
            })
            .collect();
        let mut basis = Basis {
            fingerprint: network.fingerprint(),
            state,
            link,
            potential: vec![0; total_nodes],
            tie_potential: if tied {
                vec![0; total_nodes]
            } else {
                Vec::new()
            },
        };
        if arc_count >= CRASH_MIN_ARCS {
            crash_basis(&mut basis, &tail, &head, &cost, &tie_cost, arc_count);
        }

        let mut incident_start = vec![0_u32; total_nodes + 1];
        for arc in 0..arc_count {
            incident_start[tail[arc] as usize + 1] += 1;
            incident_start[head[arc] as usize + 1] += 1;
        }
        for node in 0..total_nodes {
            incident_start[node + 1] += incident_start[node];
        }
        let mut fill = incident_start.clone();
        let mut incident = vec![0_u32; 2 * arc_count];
        for arc in 0..arc_count {
            for node in [tail[arc], head[arc]] {
                incident[fill[node as usize] as usize] = arc as u32;
                fill[node as usize] += 1;
            }
        }

        // Elements are ≤ 2^30 each, so these sums fit in u32 and usize.
        let elements = (total_nodes + total_arcs) as u64;
        let ordinary_pivot_limit = (4 * elements).min(u64::from(u32::MAX / 2)) as u32;
        let pivot_limit = (u64::from(ordinary_pivot_limit) + 64 * elements * elements)
            .min(u64::from(u32::MAX)) as u32;
        let placeholder = TreeEntry {
            node: NONE,
            parent_position: NONE,
            arc: NONE,
            up: false,
        };

        Self {
            arc_count,
            node_count,
            tail,
            head,
            cost,
            tie_cost,
            tied,
            cold_basis: basis.clone(),
            basis,
            incident_start,
            incident,
            flow: vec![0.0; total_arcs],
            capacity: vec![0.0; total_arcs],
            raw_flow: vec![0.0; total_arcs],
            flows_current: false,
            updates_since_refresh: 0,
            largest_capacity: 0.0,
            refresh_scale: 0.0,
            tolerance: 0.0,
            order: vec![placeholder; total_nodes],
            position: vec![0; total_nodes],
            order_stale: true,
            excess: vec![0.0; total_nodes],
            upper: Vec::with_capacity(arc_count),
            upper_stale: true,
            changed: vec![0; arc_count],
            sweep: vec![
                SweepSlot {
                    change: 0.0,
                    next: NOT_WAITING,
                    program_slot: 0,
                };
                total_nodes
            ],
            program: SweepProgram::with_capacity(arc_count, total_nodes),
            spares: (1..SWEEPS_KEPT)
                .map(|_| SweepProgram::with_capacity(arc_count, total_nodes))
                .collect(),
            next_spare: 0,
            replay: vec![0.0; total_nodes],
            upper_changes: vec![(0, 0.0); arc_count],
            basis_version: 0,
            zero_reduced: Vec::with_capacity(arc_count),
            zero_reduced_version: u64::MAX,
            first_at_depth: vec![NONE; total_nodes],
            subtree: vec![0; total_nodes],
            mark: vec![0; total_nodes],
            stamp: 0,
            crossing_fixed: vec![0; arc_count],
            violated: Vec::with_capacity(2 * total_nodes + VIOLATORS_KEPT),
            violated_complete: false,
            listed: vec![0; total_arcs],
            listed_pass: 0,
            pivots_last_solve: 0,
            ordinary_pivot_limit,
            pivot_limit,
        }
    }

    /// Solves from the current basis (warm): the previous solve's optimal basis, the one given
    /// to [`Solver::set_basis`], or the cold basis on the first call. Returns the optimal
    /// flow per arc, each within `[0, capacity]`.
    pub fn solve(&mut self, capacities: &[f64]) -> Result<&[f64], SolveError> {
        self.solve_listed(capacities, None)
    }

    /// [`Solver::solve`] for a caller that knows which capacities can have moved since the
    /// last solve: `movable` lists those arcs in ascending order, and every other arc must have
    /// the capacity it had in the last solve (checked in debug builds; the engine lists the
    /// arcs its capacity schedule writes every month). Only the listed arcs are compared.
    pub fn solve_changed(
        &mut self,
        capacities: &[f64],
        movable: &[u32],
    ) -> Result<&[f64], SolveError> {
        self.solve_listed(capacities, Some(movable))
    }

    fn solve_listed(
        &mut self,
        capacities: &[f64],
        movable: Option<&[u32]>,
    ) -> Result<&[f64], SolveError> {
        if capacities.len() != self.arc_count {
            return Err(SolveError::CapacityCount {
                expected: self.arc_count,
                found: capacities.len(),
            });
        }
        self.pivots_last_solve = 0;
        if let Err(error) = self.optimize(capacities, movable) {
            // The flows may be half updated: the next solve computes them from scratch.
            self.flows_current = false;
            return Err(error);
        }
        Ok(&self.flow[..self.arc_count])
    }

    /// The body of [`Solver::solve`]: flows for the new capacities (updated from the last
    /// solve's when they describe the same basis, else computed from scratch), then dual
    /// simplex pivots until every tree flow is within its bounds.
    #[inline(always)]
    fn optimize(&mut self, capacities: &[f64], movable: Option<&[u32]>) -> Result<(), SolveError> {
        let bland = self.ordinary_pivot_limit == 0;
        let mut leaving = if self.flows_current && self.updates_since_refresh < REFRESH_INTERVAL {
            self.update_flows(capacities, movable, bland)?
        } else {
            self.compute_flows(capacities, bland)?
        };
        loop {
            let bland = self.pivots_last_solve >= self.ordinary_pivot_limit;
            let Some(chosen) = leaving else {
                // Feasible, hence optimal. When many updates have accumulated rounding, a
                // computation from scratch has the last word (and may reveal a violation).
                if self.updates_since_refresh < REFRESH_INTERVAL {
                    return Ok(());
                }
                leaving = self.compute_flows(capacities, bland)?;
                if leaving.is_none() {
                    return Ok(());
                }
                continue;
            };
            if self.pivots_last_solve >= self.pivot_limit {
                return Err(SolveError::PivotLimit {
                    pivots: self.pivots_last_solve,
                });
            }
            if self.tied {
                self.pivot::<true>(chosen)?;
            } else {
                self.pivot::<false>(chosen)?;
            }
            self.pivots_last_solve += 1;
            self.updates_since_refresh += 1;
            let bland = self.pivots_last_solve >= self.ordinary_pivot_limit;
            leaving = self.find_leaving(bland);
        }
    }

    /// Forgets the current basis and solves from the cold one: the trivial basis, or in
    /// networks of 1,000 arcs or more the crash basis (see the module documentation).
    pub fn solve_cold(&mut self, capacities: &[f64]) -> Result<&[f64], SolveError> {
        self.basis.clone_from(&self.cold_basis);
        self.basis_replaced();
        self.solve(capacities)
    }

    /// The flows written by the last solve: its result if it succeeded, meaningless after an
    /// error (zeros before the first solve).
    pub fn flows(&self) -> &[f64] {
        &self.flow[..self.arc_count]
    }

    /// The current basis: after a successful solve, an optimal one for its capacities and a
    /// dual feasible one for any capacities.
    pub fn basis(&self) -> &Basis {
        &self.basis
    }

    /// Makes `basis` the starting point of the next [`Solver::solve`]; copies without
    /// allocating. Fails if it was computed for another network.
    pub fn set_basis(&mut self, basis: &Basis) -> Result<(), SolveError> {
        if basis.fingerprint != self.basis.fingerprint
            || basis.state.len() != self.basis.state.len()
            || basis.link.len() != self.basis.link.len()
        {
            return Err(SolveError::BasisMismatch);
        }
        self.basis.clone_from(basis);
        self.basis_replaced();
        Ok(())
    }

    /// Everything derived from the basis is stale: the next solve starts from scratch, so
    /// that its result depends only on the basis and the capacities.
    fn basis_replaced(&mut self) {
        self.basis_version += 1;
        self.flows_current = false;
        self.order_stale = true;
        self.upper_stale = true;
    }

    /// Whether the current basis is *dual degenerate*: some arc out of the tree whose capacity
    /// in the last solve is positive has a reduced cost of 0 (its tie half too, with tie
    /// costs). After a successful solve, `false` proves the optimal flow unique: any other
    /// feasible flow moves such an arc off its bound, at a strictly positive cost. So when the
    /// optimal flow is not unique, every optimal basis is dual degenerate. Reduced costs
    /// depend on the basis only, so the arcs with a zero one are listed once per basis
    /// (`O(arcs)`, after a pivot); a month on the same basis checks only their capacities.
    pub fn dual_degenerate(&mut self) -> bool {
        if self.zero_reduced_version != self.basis_version {
            let arcs = self.arc_count;
            let (tails, heads) = (&self.tail[..arcs], &self.head[..arcs]);
            let (costs, state) = (&self.cost[..arcs], &self.basis.state[..arcs]);
            let potential = &self.basis.potential;
            let (tie_costs, tie_potential) = (&self.tie_cost, &self.basis.tie_potential);
            self.zero_reduced.clear();
            for arc in 0..arcs {
                let (tail, head) = (tails[arc] as usize, heads[arc] as usize);
                if state[arc] != ArcState::Tree
                    && costs[arc] - potential[tail] + potential[head] == 0
                    && (!self.tied
                        || tie_costs[arc] - tie_potential[tail] + tie_potential[head] == 0)
                {
                    self.zero_reduced.push(arc as u32);
                }
            }
            self.zero_reduced_version = self.basis_version;
        }
        let capacity = &self.capacity;
        self.zero_reduced
            .iter()
            .any(|&arc| capacity[arc as usize] > 0.0)
    }

    /// Pivots made by the last solve (0: the starting basis was already optimal).
    pub fn pivots_last_solve(&self) -> u32 {
        self.pivots_last_solve
    }

    /// Pivots per solve after which the leaving and entering arcs are chosen by Bland's rule
    /// (default `4 × (nodes + arcs)`, counting the artificial ones).
    pub fn ordinary_pivot_limit(&self) -> u32 {
        self.ordinary_pivot_limit
    }

    /// Pivots per solve after which it fails with [`SolveError::PivotLimit`] (default the
    /// ordinary limit plus `64 × (nodes + arcs)²`, far beyond what Bland's rule needs in
    /// practice).
    pub fn pivot_limit(&self) -> u32 {
        self.pivot_limit
    }

    /// Sets both pivot limits (for tests of the fallback and of the cap).
    pub fn set_pivot_limits(&mut self, ordinary_pivot_limit: u32, pivot_limit: u32) {
        self.ordinary_pivot_limit = ordinary_pivot_limit;
        self.pivot_limit = pivot_limit;
    }

    /// Computes every arc's flow for the current basis and `capacities` from scratch, writes
    /// the clamped real flows, and returns the tree arc to leave, if any is out of bounds (see
    /// [`LeavingChoice`]). `O(n + m)`.
    fn compute_flows(
        &mut self,
        capacities: &[f64],
        bland: bool,
    ) -> Result<Option<Leaving>, SolveError> {
        let arc_count = self.arc_count;
        let capacities = &capacities[..arc_count];
        if self.order_stale {
            self.renumber_tree();
        }
        if self.upper_stale {
            self.upper.clear();
            self.upper.extend(
                (0..arc_count as u32)
                    .filter(|&arc| self.basis.state[arc as usize] == ArcState::Upper),
            );
            self.upper_stale = false;
        }
        let basis = &self.basis;

        // One pass over the arcs: check every capacity (NaN, negative and infinite fail
        // `0 ≤ u ≤ f64::MAX`; no early exit, the first failing arc is found afterwards), find
        // the largest, keep a copy (artificial arcs keep capacity 0 after it) and put every
        // non-tree arc at its bound, 0 or its capacity (tree arcs get their flows below, so
        // writing them here too does no harm and keeps the loop free of branches). Unclamped
        // flows of non-tree arcs are not written: a pivot reads one only for the entering
        // arc, and takes it from the arc's bound then.
        // (Indexed over slices of one length, which compiles to less than nested zips.)
        let state = &basis.state[..arc_count];
        let copy = &mut self.capacity[..arc_count];
        let flow = &mut self.flow[..arc_count];
        let mut valid = true;
        let mut largest = 0.0_f64;
        for arc in 0..arc_count {
            let capacity = capacities[arc];
            // Fails for NaN and negatives; +∞ would become the largest, checked below.
            valid &= capacity >= 0.0;
            largest = if capacity > largest {
                capacity
            } else {
                largest
            };
            copy[arc] = capacity;
            flow[arc] = if state[arc] == ArcState::Upper {
                capacity
            } else {
                0.0
            };
        }
        if !valid || largest > f64::MAX {
            let arc = capacities
                .iter()
                .position(|capacity| !(0.0..=f64::MAX).contains(capacity))
                .expect("an invalid capacity was seen");
            return Err(SolveError::InvalidCapacity {
                arc,
                value: capacities[arc],
            });
        }

        // Arcs at their upper bound set each node's excess (inflow − outflow), in arc order
        // (the order fixes the rounding: results depend only on the basis and capacities).
        // Excess is kept by preorder position, so the pass below reads it in sequence.
        let position = &self.position;
        let excess = &mut self.excess;
        excess.fill(0.0);
        for &arc in &self.upper {
            let arc = arc as usize;
            let capacity = capacities[arc];
            excess[position[self.tail[arc] as usize] as usize] -= capacity;
            excess[position[self.head[arc] as usize] as usize] += capacity;
        }
        self.largest_capacity = largest;
        self.tolerance = FEASIBILITY_TOLERANCE * largest;
        let tolerance = self.tolerance;

        // Leaves first (reverse preorder): the tree arc above a node carries its subtree's
        // excess, up if the arc points to the parent, down otherwise. Flows of artificial arcs
        // are computed like the others (capacity 0) and never returned.
        // Slices of one length, so that one bounds check covers the three arc lookups.
        let total_arcs = self.capacity.len();
        let capacity = &self.capacity[..total_arcs];
        let flow = &mut self.flow[..total_arcs];
        let raw_flow = &mut self.raw_flow[..total_arcs];
        let order = &self.order[..];
        let excess = &mut excess[..order.len()];
        let mut choice = LeavingChoice::new(bland);
        for position in (1..order.len()).rev() {
            let entry = &order[position];
            let node_excess = excess[position];
            excess[entry.parent_position as usize] += node_excess;
            let tree_flow = if entry.up { node_excess } else { -node_excess };
            let arc = entry.arc as usize;
            let arc_capacity = capacity[arc];
            raw_flow[arc] = tree_flow;
            flow[arc] = choice.clamp_and_consider(
                entry.node,
                entry.arc,
                tree_flow,
                arc_capacity,
                tolerance,
            );
        }
        self.flows_current = true;
        self.updates_since_refresh = 0;
        self.refresh_scale = largest;
        Ok(self.remember_violators(&choice))
    }

    /// Updates the flows of the last solve for new `capacities`, on the same basis, and
    /// returns the tree arc to leave, if any is out of bounds.
    ///
    /// Tree flows are linear in the capacities of the non-tree arcs at their upper bound, so
    /// a change of `δ` in one of them moves only the tree flows on the cycle it closes with
    /// the tree, each by `±δ`. A month changes few capacities (demand and stock room, the
    /// nodes and edges under a disruption), so this costs the union of a few tree paths
    /// instead of the `O(n + m)` of the whole computation. Tree arcs keep their flow when
    /// only their own capacity moves, so only the arcs on those paths and the tree arcs whose
    /// capacity changed can have left their bounds (all, if the tolerance shrank).
    fn update_flows(
        &mut self,
        capacities: &[f64],
        movable: Option<&[u32]>,
        bland: bool,
    ) -> Result<Option<Leaving>, SolveError> {
        let arc_count = self.arc_count;
        let capacities = &capacities[..arc_count];

        // Which capacities moved: branch-free, the index is always written and the count
        // advances on a change. NaN differs from everything, so a NaN is always checked.
        let previous = &self.capacity[..arc_count];
        let changed = &mut self.changed[..arc_count];
        let mut count = 0;
        match movable {
            None => {
                for arc in 0..arc_count {
                    changed[count] = arc as u32;
                    count += usize::from(capacities[arc] != previous[arc]);
                }
            }
            Some(movable) => {
                debug_assert!(
                    movable.windows(2).all(|pair| pair[0] < pair[1]),
                    "movable arcs must be listed in ascending order"
                );
                debug_assert!(
                    (0..arc_count).all(|arc| capacities[arc].to_bits() == previous[arc].to_bits()
                        || movable.contains(&(arc as u32))),
                    "an arc not listed as movable changed its capacity"
                );
                for &arc in movable {
                    changed[count] = arc;
                    count += usize::from(capacities[arc as usize] != previous[arc as usize]);
                }
            }
        }
        if count == 0 {
            return Ok(None);
        }
        let changed = &self.changed[..count];

        // Slices of one length (one bounds check covers the three) that the compiler knows
        // do not alias the solver, so their addresses stay in registers.
        let total_arcs = self.capacity.len();
        let raw_flow = &mut self.raw_flow[..total_arcs];
        let capacity = &mut self.capacity[..total_arcs];
        let flow = &mut self.flow[..total_arcs];
        let state = &self.basis.state[..total_arcs];

        // One pass over the changed arcs. Unchanged capacities were valid and at most the
        // largest; check the changed ones (NaN and negatives fail `u ≥ 0`, +∞ becomes the
        // largest and fails below), and whether one exceeds the largest or held it. Non-tree
        // arcs at their upper bound carry their new capacity: each change moves the excess of
        // the arc's two ends. Capacities are updated here, so that the sweep below clamps and
        // checks against this month's. (An invalid capacity returns an error with these
        // half written; the solver then computes its flows from scratch, as after any error,
        // and so does the rare solve below that recomputes them.)
        let previous_largest = self.largest_capacity;
        let mut valid = true;
        let mut largest_changed = 0.0_f64;
        let mut held_largest = false;
        let upper_changes = &mut self.upper_changes[..arc_count];
        let mut upper_count = 0;
        for &arc in changed {
            let arc = arc as usize;
            let (new_capacity, before) = (capacities[arc], capacity[arc]);
            valid &= new_capacity >= 0.0;
            largest_changed = if new_capacity > largest_changed {
                new_capacity
            } else {
                largest_changed
            };
            held_largest |= before == previous_largest;
            if state[arc] == ArcState::Upper {
                upper_changes[upper_count] = (arc as u32, new_capacity - before);
                upper_count += 1;
                flow[arc] = new_capacity;
            }
            capacity[arc] = new_capacity;
        }
        if !valid || largest_changed > f64::MAX {
            let arc = changed
                .iter()
                .map(|&arc| arc as usize)
                .find(|&arc| !(0.0..=f64::MAX).contains(&capacities[arc]))
                .expect("an invalid capacity was seen");
            return Err(SolveError::InvalidCapacity {
                arc,
                value: capacities[arc],
            });
        }
        let previous_tolerance = self.tolerance;
        let largest = if largest_changed >= previous_largest {
            largest_changed
        } else if held_largest {
            largest_of(capacities)
        } else {
            previous_largest
        };
        if largest < SCALE_DROP * self.refresh_scale {
            // The capacities fell far below those the updated flows were summed from: their
            // rounding could exceed this solve's tolerance (in a month of zero capacities it
            // would be a violation no arc can fix), so the flows are computed afresh.
            return self.recompute_flows(capacities, bland);
        }
        let tolerance = FEASIBILITY_TOLERANCE * largest;
        self.largest_capacity = largest;
        self.refresh_scale = self.refresh_scale.max(largest);
        self.tolerance = tolerance;
        self.updates_since_refresh += 1;
        let total_nodes = self.node_count + 1;
        let link = &self.basis.link[..total_nodes];

        let upper_changes = &upper_changes[..upper_count];
        let program = &mut self.program;
        let replay = program.sends(self.basis_version, upper_changes)
            || swap_in_kept_sweep(
                program,
                &mut self.spares,
                &mut self.next_spare,
                self.basis_version,
                upper_changes,
            );
        let capacity = &*capacity;
        let mut choice = LeavingChoice::new(bland);
        if replay {
            let slots = &mut self.replay[..program.slots];
            slots.fill(0.0);
            for (source, &(_, change)) in program.sources.iter().zip(upper_changes) {
                slots[source.tail_slot as usize] += -change;
                slots[source.head_slot as usize] += change;
            }
            for step in &program.steps {
                let change = slots[step.slot as usize];
                let arc = step.arc as usize;
                let tree_flow = &mut raw_flow[arc];
                *tree_flow += step.sign * change;
                flow[arc] = choice.clamp_and_consider(
                    step.node,
                    step.arc,
                    *tree_flow,
                    capacity[arc],
                    tolerance,
                );
                slots[step.parent_slot as usize] += change;
            }
        } else {
            // One sweep up the tree, deepest nodes first: the tree arc above a node carries
            // the change of its subtree's excess (up if it points to the parent), which then
            // waits at the parent. Each tree arc on the union of the paths between the changed
            // arcs' ends is updated, clamped and checked once, and the sweep stops at their
            // lowest common ancestor, the last node waiting, whose subtree holds every change:
            // they sum to zero (up to rounding, which is dropped). `O(union of the paths)`: a
            // few arcs a month. It is recorded as it goes.
            let mut queue = SweepQueue {
                slots: &mut self.sweep[..total_nodes],
                first_at_depth: &mut self.first_at_depth[..total_nodes],
                waiting: 0,
                level: 0,
                program_slots: 0,
            };
            program.sources.clear();
            program.steps.clear();
            for &(arc, change) in upper_changes {
                let (tail, head) = (self.tail[arc as usize], self.head[arc as usize]);
                let tail_slot = queue.add(tail, link[tail as usize].depth, -change);
                let head_slot = queue.add(head, link[head as usize].depth, change);
                program.sources.push(SweepSource {
                    arc,
                    tail_slot,
                    head_slot,
                });
            }
            while let Some((node, change, slot)) = queue.pop() {
                let here = &link[node as usize];
                let arc = here.arc as usize;
                let sign = if here.up { 1.0 } else { -1.0 };
                let tree_flow = &mut raw_flow[arc];
                *tree_flow += sign * change;
                flow[arc] =
                    choice.clamp_and_consider(node, here.arc, *tree_flow, capacity[arc], tolerance);
                let parent_slot = queue.add(here.parent, here.depth - 1, change);
                program.steps.push(SweepStep {
                    node,
                    arc: here.arc,
                    slot,
                    parent_slot,
                    sign,
                });
            }
            program.slots = queue.program_slots;
            program.basis_version = self.basis_version;
        }

        // Tree arcs whose own capacity moved keep their flow but may now violate their bounds;
        // and if the tolerance shrank, so may any tree arc.
        if tolerance < previous_tolerance {
            for (node, here) in link[..self.node_count].iter().enumerate() {
                let arc = here.arc as usize;
                flow[arc] = clamped(raw_flow[arc], capacity[arc]);
                choice.consider(
                    node as u32,
                    here.arc,
                    raw_flow[arc],
                    capacity[arc],
                    tolerance,
                );
            }
        } else {
            for &arc in changed {
                let arc = arc as usize;
                if state[arc] != ArcState::Tree {
                    continue;
                }
                // The node below a tree arc is the end whose tree arc it is.
                let tail = self.tail[arc];
                let node = if link[tail as usize].arc == arc as u32 {
                    tail
                } else {
                    self.head[arc]
                };
                flow[arc] = choice.clamp_and_consider(
                    node,
                    arc as u32,
                    raw_flow[arc],
                    capacity[arc],
                    tolerance,
                );
            }
        }
        Ok(self.remember_violators(&choice))
    }

    /// [`Solver::compute_flows`] out of line, for the rare update that recomputes instead.
    #[cold]
    #[inline(never)]
    fn recompute_flows(
        &mut self,
        capacities: &[f64],
        bland: bool,
    ) -> Result<Option<Leaving>, SolveError> {
        self.compute_flows(capacities, bland)
    }

    /// Keeps the violating arcs `choice` saw (when it saw them all), for
    /// [`Solver::find_leaving`]; returns its leaving arc.
    fn remember_violators(&mut self, choice: &LeavingChoice) -> Option<Leaving> {
        self.violated.clear();
        self.violated_complete = choice.violations <= VIOLATORS_KEPT;
        if self.violated_complete {
            self.violated
                .extend_from_slice(&choice.violators[..choice.violations]);
        }
        choice.leaving
    }

    /// The tree arc to leave according to the tree flows kept up to date by the pivots;
    /// `None` when they all look feasible.
    ///
    /// A pivot changes the flows of its cycle only, so the tree arcs that can violate their
    /// bounds afterwards are those that did before and those of the cycle that now do; when
    /// they are all listed (the usual case), only they are checked, each once, and the list is
    /// pruned to those still violating; otherwise the whole tree is scanned (`O(n)`). The
    /// choice depends only on the set of violating arcs, so it is the same either way.
    fn find_leaving(&mut self, bland: bool) -> Option<Leaving> {
        if !self.violated_complete {
            let choice = self.scan_tree(bland);
            return self.remember_violators(&choice);
        }
        self.listed_pass = self.listed_pass.wrapping_add(1);
        if self.listed_pass == 0 {
            // Passes wrapped: old marks could collide with new ones.
            self.listed.fill(0);
            self.listed_pass = 1;
        }
        let pass = self.listed_pass;
        let link = &self.basis.link;
        let mut choice = LeavingChoice::new(bland);
        for &arc in &self.violated {
            let a = arc as usize;
            if self.listed[a] == pass || self.basis.state[a] != ArcState::Tree {
                continue;
            }
            self.listed[a] = pass;
            // The node below a tree arc is the end whose tree arc it is.
            let tail = self.tail[a];
            let node = if link[tail as usize].arc == arc {
                tail
            } else {
                self.head[a]
            };
            choice.consider(
                node,
                arc,
                self.raw_flow[a],
                self.capacity[a],
                self.tolerance,
            );
        }
        #[cfg(debug_assertions)]
        {
            let full = self.scan_tree(bland);
            assert_eq!(
                (full.arc, full.leaving.map(|l| l.node), full.violations),
                (
                    choice.arc,
                    choice.leaving.map(|l| l.node),
                    choice.violations
                ),
                "the listed arcs must hold every violating tree arc"
            );
        }
        self.remember_violators(&choice)
    }

    /// Every tree arc considered for leaving, in `O(n)`.
    fn scan_tree(&self, bland: bool) -> LeavingChoice {
        let mut choice = LeavingChoice::new(bland);
        for (node, link) in self.basis.link[..self.node_count].iter().enumerate() {
            let arc = link.arc as usize;
            choice.consider(
                node as u32,
                link.arc,
                self.raw_flow[arc],
                self.capacity[arc],
                self.tolerance,
            );
        }
        choice
    }

    /// One dual simplex pivot: `leaving` leaves at the bound it violates, the dual ratio test
    /// picks the entering arc, and the tree, potentials, depths, flows and bounds of fixed
    /// arcs are updated. Time proportional to the subtree cut off, the arcs incident to the
    /// smaller side of the cut, and the cycle; nothing else of the tree is visited.
    fn pivot<const TIED: bool>(&mut self, leaving: Leaving) -> Result<(), SolveError> {
        let entry = self.basis.link[leaving.node as usize];
        // The subtree S below the leaving arc, listed and marked.
        let size = self.mark_subtree(leaving.node);
        let total_nodes = self.node_count + 1;
        let (mark, stamp) = (&self.mark[..total_nodes], self.stamp);
        let in_subtree = |node: u32| mark[node as usize] == stamp;
        // Flow must cross the cut S → R (push_out) or R → S to bring the leaving arc back:
        // an arc into S that must carry more, or out of S that must carry less, needs the other
        // crossing arcs to send more out of S.
        let into_subtree = !entry.up;
        let push_out = into_subtree == leaving.below_lower;

        // Dual ratio test: among crossing non-tree arcs that can move flow that way (out of S
        // at lower bound or into S at upper bound when pushing out; the reverse otherwise), the
        // smallest |reduced cost|, ties to the smallest index. Fixed arcs (capacity 0) are
        // dual feasible whatever their reduced cost and never enter; those crossing the cut
        // are noted, as theirs are the only reduced costs besides candidates' that change.
        // Every crossing arc has exactly one end on each side, so scanning the arcs incident
        // to the smaller side finds each once. (Slices of one length, for one bounds check.)
        let (inside, outside) = if 2 * size <= total_nodes {
            (&self.subtree[..size], 0..0)
        } else {
            (&self.subtree[..0], 0..total_nodes as u32)
        };
        let arc_count = self.arc_count;
        let (tails, heads) = (&self.tail[..arc_count], &self.head[..arc_count]);
        let (costs, state) = (&self.cost[..arc_count], &self.basis.state[..arc_count]);
        let capacity = &self.capacity[..arc_count];
        let potential = &self.basis.potential[..total_nodes];
        // The tie halves, empty without tie costs (then every tie ratio is 0; `TIED` is a
        // constant, so that networks without tie costs compile the loops without them).
        let (tie_costs, tie_potential) = (&self.tie_cost[..], &self.basis.tie_potential[..]);
        let tie_reduced_cost = |arc: usize, tail: u32, head: u32| {
            tie_costs[arc] - tie_potential[tail as usize] + tie_potential[head as usize]
        };
        let crossing_fixed = &mut self.crossing_fixed[..arc_count];
        let mut fixed_count = 0;
        // (|c^π|, the tie half of the lexicographic |(c^π, t^π)|, arc): the smallest enters.
        let mut entering: Option<(u128, i128, usize)> = None;
        let mut entering_inside = NONE;
        let sides = inside
            .iter()
            .copied()
            .chain(outside.filter(|&node| !in_subtree(node)));
        for node in sides {
            let node = node as usize;
            let incident = self.incident_start[node]..self.incident_start[node + 1];
            for &arc in &self.incident[incident.start as usize..incident.end as usize] {
                let arc = arc as usize;
                let arc_state = state[arc];
                if arc_state == ArcState::Tree {
                    continue;
                }
                let (tail, head) = (tails[arc], heads[arc]);
                let tail_inside = in_subtree(tail);
                if tail_inside == in_subtree(head) {
                    continue;
                }
                if capacity[arc] == 0.0 {
                    crossing_fixed[fixed_count] = arc as u32;
                    fixed_count += 1;
                    continue;
                }
                let at_lower = arc_state == ArcState::Lower;
                if (tail_inside == push_out) != at_lower {
                    continue;
                }
                let reduced_cost = costs[arc] - potential[tail as usize] + potential[head as usize];
                let ratio = reduced_cost.unsigned_abs();
                // Dual feasibility gives the pair's sign from the bound: (c^π, t^π) ≥ 0 at the
                // lower bound, ≤ 0 at the upper; its lexicographic magnitude is then
                // (|c^π|, ±t^π).
                let tie_ratio = if TIED {
                    let tie = tie_reduced_cost(arc, tail, head);
                    if at_lower { tie } else { -tie }
                } else {
                    0
                };
                if entering.is_none_or(|best| (ratio, tie_ratio, arc) < best) {
                    entering = Some((ratio, tie_ratio, arc));
                    entering_inside = if tail_inside { tail } else { head };
                }
            }
        }
        let Some((_, _, entering)) = entering else {
            return Err(SolveError::NoEnteringArc {
                arc: entry.arc as usize,
            });
        };
        let (tail, head) = (tails[entering], heads[entering]);
        // Shifting the potentials of S by the entering arc's reduced cost (with the sign that
        // zeroes it) keeps every tree arc's at zero: S moves as a block.
        let entering_reduced_cost =
            costs[entering] - potential[tail as usize] + potential[head as usize];
        let potential_shift = if tail == entering_inside {
            entering_reduced_cost
        } else {
            -entering_reduced_cost
        };
        let tie_shift = if !TIED {
            0
        } else if tail == entering_inside {
            tie_reduced_cost(entering, tail, head)
        } else {
            -tie_reduced_cost(entering, tail, head)
        };

        // Primal update, in the old tree: send λ around the cycle made of the entering arc
        // (tail → head) and the tree path back from its head to its tail, so that the leaving
        // arc ends exactly at its bound.
        let leaving_forward = in_subtree(head) == entry.up;
        let leaving_arc = entry.arc as usize;
        let total_arcs = self.capacity.len();
        let raw_flow = &mut self.raw_flow[..total_arcs];
        let capacity = &self.capacity[..total_arcs];
        let flow = &mut self.flow[..total_arcs];
        let lambda = if leaving_forward {
            leaving.target - raw_flow[leaving_arc]
        } else {
            raw_flow[leaving_arc] - leaving.target
        };
        // The entering arc's unclamped flow is its bound's (non-tree arcs' are not kept),
        // plus λ.
        let entering_bound = if state[entering] == ArcState::Upper {
            capacity[entering]
        } else {
            0.0
        };
        raw_flow[entering] = entering_bound + lambda;
        // The cycle's arcs (the entering one among them) are the only tree arcs whose flows
        // change: those that now violate their bounds join the list of violating arcs.
        let tolerance = self.tolerance;
        let violated = &mut self.violated;
        let mut note = |arc: u32, raw: f64| {
            let capacity = capacity[arc as usize];
            if raw < -tolerance || raw > capacity + tolerance {
                violated.push(arc);
            }
        };
        note(entering as u32, raw_flow[entering]);
        push_around(
            &self.basis.link[..total_nodes],
            raw_flow,
            tail,
            head,
            lambda,
            |_, arc, raw| {
                flow[arc as usize] = clamped(raw, capacity[arc as usize]);
                note(arc, raw);
            },
        );
        raw_flow[leaving_arc] = leaving.target;
        flow[leaving_arc] = leaving.target;
        flow[entering] = clamped(raw_flow[entering], capacity[entering]);

        let basis = &mut self.basis;
        basis.state[leaving_arc] = if leaving.below_lower {
            ArcState::Lower
        } else {
            ArcState::Upper
        };
        basis.state[entering] = ArcState::Tree;
        self.basis_version += 1;
        self.upper_stale = true;
        self.order_stale = true;
        self.exchange_tree_arc(leaving.node, entering as u32, entering_inside);
        self.shift_subtree::<TIED>(size, potential_shift, tie_shift);
        self.relabel_fixed_arcs::<TIED>(fixed_count);
        #[cfg(debug_assertions)]
        self.assert_dual_feasible();

        Ok(())
    }

    /// Lists the nodes of the subtree under `top` in `subtree` and marks them with a new
    /// stamp; returns their number. `O(subtree)`.
    fn mark_subtree(&mut self, top: u32) -> usize {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Stamps wrapped: old marks could collide with new ones.
            self.mark.fill(0);
            self.stamp = 1;
        }
        let link = &self.basis.link;
        let mut count = 0;
        let mut node = top;
        while node != NONE {
            self.mark[node as usize] = self.stamp;
            self.subtree[count] = node;
            count += 1;
            node = next_in_subtree(link, top, node);
        }
        count
    }

    /// Replaces the tree arc above `subtree_root` by `entering`, whose endpoint `inside` lies
    /// in that subtree: the subtree is cut off, re-rooted at `inside` by reversing the path
    /// from `inside` up to `subtree_root`, and hung from the entering arc's other endpoint
    /// (AMO §11.3, "updating the tree"). Time proportional to that path's length.
    #[inline(always)]
    fn exchange_tree_arc(&mut self, subtree_root: u32, entering: u32, inside: u32) {
        let (tail, head) = (self.tail[entering as usize], self.head[entering as usize]);
        let link = &mut self.basis.link;
        unlink(link, subtree_root);
        // Walk up from `inside`; each node takes as parent the node below it on the path, and
        // as tree arc that node's old one (pointing the other way relative to it).
        let mut node = inside;
        let mut new_parent = if tail == inside { head } else { tail };
        let mut new_arc = entering;
        let mut new_up = tail == inside;
        loop {
            let old = link[node as usize];
            if node != subtree_root {
                unlink(link, node);
            }
            let depth = link[new_parent as usize].depth + 1;
            let entry = &mut link[node as usize];
            entry.parent = new_parent;
            entry.arc = new_arc;
            entry.up = new_up;
            entry.depth = depth;
            link_first_child(link, node, new_parent);
            if node == subtree_root {
                break;
            }
            new_parent = node;
            new_arc = old.arc;
            new_up = !old.up;
            node = old.parent;
        }
    }

    /// The subtree re-hung by [`Solver::exchange_tree_arc`] (its `size` nodes listed by
    /// [`Solver::mark_subtree`], in the old preorder) moves as a block: its potentials shift by
    /// the entering arc's reduced cost, and its depths follow from the new parents. The path
    /// that was reversed got its depths in the exchange; every other node of the subtree kept
    /// its parent, which comes before it in the old preorder, so one pass in that order sees
    /// each parent's new depth before its children. The rest of the tree keeps its path to the
    /// root, hence its depths. `O(subtree)`.
    #[inline(always)]
    fn shift_subtree<const TIED: bool>(&mut self, size: usize, shift: i128, tie_shift: i128) {
        let total_nodes = self.node_count + 1;
        let basis = &mut self.basis;
        let link = &mut basis.link[..total_nodes];
        let potential = &mut basis.potential[..total_nodes];
        for &node in &self.subtree[..size] {
            let node = node as usize;
            potential[node] += shift;
            link[node].depth = link[link[node].parent as usize].depth + 1;
        }
        if TIED {
            for &node in &self.subtree[..size] {
                basis.tie_potential[node as usize] += tie_shift;
            }
        }
    }

    /// Recomputes the preorder and positions from the child lists, for the full flow
    /// computation. `O(n)`, with no buffer but the solver's own.
    fn renumber_tree(&mut self) {
        let total_nodes = self.node_count + 1;
        let root = self.node_count as u32;
        let link = &self.basis.link[..total_nodes];
        let order = &mut self.order[..total_nodes];
        let position = &mut self.position[..total_nodes];
        let mut node = root;
        let mut count = 0;
        while node != NONE {
            assert!(
                count < total_nodes,
                "the tree arcs of a basis must form a spanning tree"
            );
            let here = link[node as usize];
            order[count] = TreeEntry {
                node,
                parent_position: if node == root {
                    NONE
                } else {
                    position[here.parent as usize]
                },
                arc: here.arc,
                up: here.up,
            };
            position[node as usize] = count as u32;
            count += 1;
            node = next_in_subtree(link, root, node);
        }
        assert_eq!(
            count, total_nodes,
            "the tree arcs of a basis must form a spanning tree"
        );
        self.order_stale = false;
        #[cfg(debug_assertions)]
        self.assert_depths_and_potentials();
    }

    /// The arc's reduced cost `(c^π, t^π)` in the current basis, compared lexicographically
    /// (the tie half 0 without tie costs).
    #[cfg(debug_assertions)]
    fn reduced_cost(&self, arc: usize) -> (i128, i128) {
        let basis = &self.basis;
        let (tail, head) = (self.tail[arc] as usize, self.head[arc] as usize);
        let cost = self.cost[arc] - basis.potential[tail] + basis.potential[head];
        let tie = if self.tied {
            self.tie_cost[arc] - basis.tie_potential[tail] + basis.tie_potential[head]
        } else {
            0
        };
        (cost, tie)
    }

    /// Puts every fixed non-tree arc that crossed the pivot's cut (capacity 0 in this solve;
    /// its flow is 0 at either bound, so the ratio test ignored it) at the bound its new
    /// reduced cost calls for: lower if positive, upper if negative (a zero keeps its bound).
    /// This changes no flow and keeps the basis dual feasible for any later capacities. Other
    /// arcs need nothing: the ratio test kept the sign of every crossing candidate's reduced
    /// cost, and the reduced cost of an arc not crossing the cut did not change.
    fn relabel_fixed_arcs<const TIED: bool>(&mut self, count: usize) {
        for &arc in &self.crossing_fixed[..count] {
            let arc = arc as usize;
            if self.basis.state[arc] == ArcState::Tree {
                continue;
            }
            let basis = &self.basis;
            let (tail, head) = (self.tail[arc] as usize, self.head[arc] as usize);
            let cost = self.cost[arc] - basis.potential[tail] + basis.potential[head];
            let tie = if TIED {
                self.tie_cost[arc] - basis.tie_potential[tail] + basis.tie_potential[head]
            } else {
                0
            };
            let reduced_cost = (cost, tie);
            if reduced_cost > (0, 0) {
                self.basis.state[arc] = ArcState::Lower;
            } else if reduced_cost < (0, 0) {
                self.basis.state[arc] = ArcState::Upper;
            }
        }
    }

    /// Debug check of the invariant the warm start rests on: every non-tree real arc's reduced
    /// cost has the sign its bound requires, whatever its capacity, and tree arcs' are zero.
    #[cfg(debug_assertions)]
    fn assert_dual_feasible(&self) {
        let basis = &self.basis;
        for arc in 0..self.arc_count {
            let reduced_cost = self.reduced_cost(arc);
            let feasible = match basis.state[arc] {
                ArcState::Tree => reduced_cost == (0, 0),
                ArcState::Lower => reduced_cost >= (0, 0),
                ArcState::Upper => reduced_cost <= (0, 0),
            };
            assert!(feasible, "the basis lost dual feasibility at arc {arc}");
        }
    }

    /// Debug check that the depths and potentials kept up by the pivots are those of the tree
    /// (read in the fresh preorder, parents first).
    #[cfg(debug_assertions)]
    fn assert_depths_and_potentials(&self) {
        let basis = &self.basis;
        for entry in &self.order[1..] {
            let here = basis.link[entry.node as usize];
            let parent = here.parent as usize;
            let cost = self.cost[here.arc as usize];
            let expected = if here.up {
                basis.potential[parent] + cost
            } else {
                basis.potential[parent] - cost
            };
            assert_eq!(basis.potential[entry.node as usize], expected, "potential");
            if self.tied {
                let tie = self.tie_cost[here.arc as usize];
                let expected = if here.up {
                    basis.tie_potential[parent] + tie
                } else {
                    basis.tie_potential[parent] - tie
                };
                assert_eq!(
                    basis.tie_potential[entry.node as usize], expected,
                    "tie potential"
                );
            }
            assert_eq!(here.depth, basis.link[parent].depth + 1, "depth");
        }
    }
}

/// Sends `change` more units around the cycle that the non-tree arc `tail → head` closes with
/// the tree: the tree path from `head` back to `tail`, through their lowest common ancestor,
/// found by climbing from the deeper end until the two meet. An arc on the `head` side
/// pointing up carries more (it leads towards `tail`), one pointing down less; the other way
/// round on the `tail` side. `visit(node, arc, new flow)` sees each updated arc, `node` the
/// one below it. `O(path length)`.
fn push_around(
    link: &[TreeLink],
    raw_flow: &mut [f64],
    tail: u32,
    head: u32,
    change: f64,
    mut visit: impl FnMut(u32, u32, f64),
) {
    // The two ends climb, the deeper first; depths are tracked rather than reloaded.
    let (mut from_head, mut from_tail) = (head, tail);
    let (mut head_depth, mut tail_depth) = (link[head as usize].depth, link[tail as usize].depth);
    while from_head != from_tail {
        let (node, depth, forward) = if head_depth >= tail_depth {
            (&mut from_head, &mut head_depth, true)
        } else {
            (&mut from_tail, &mut tail_depth, false)
        };
        let here = &link[*node as usize];
        let flow = &mut raw_flow[here.arc as usize];
        *flow += if here.up == forward { change } else { -change };
        visit(*node, here.arc, *flow);
        *node = here.parent;
        *depth -= 1;
    }
}

/// The node after `node` in a preorder walk of the subtree under `top` (walking the child
/// lists), or `NONE` when the walk is complete.
#[inline]
fn next_in_subtree(link: &[TreeLink], top: u32, node: u32) -> u32 {
    let here = &link[node as usize];
    if here.first_child != NONE {
        return here.first_child;
    }
    // The next sibling of the nearest ancestor-or-self below `top` that has one.
    let mut climbing = node;
    while climbing != top {
        let above = &link[climbing as usize];
        if above.next_sibling != NONE {
            return above.next_sibling;
        }
        climbing = above.parent;
    }
    NONE
}

/// The largest of `values` (all finite and ≥ 0), with four independent maxima so that the
/// comparisons do not form one long dependency chain (max is exact in any order).
fn largest_of(values: &[f64]) -> f64 {
    let mut lanes = [0.0_f64; 4];
    let mut chunks = values.chunks_exact(4);
    for chunk in &mut chunks {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane = if value > *lane { value } else { *lane };
        }
    }
    for &value in chunks.remainder() {
        lanes[0] = if value > lanes[0] { value } else { lanes[0] };
    }
    lanes[0].max(lanes[1]).max(lanes[2].max(lanes[3]))
}

/// Removes `node` from its parent's child list (its own parent field is left as it was).
fn unlink(link: &mut [TreeLink], node: u32) {
    let TreeLink {
        parent,
        next_sibling,
        previous_sibling,
        ..
    } = link[node as usize];
    if previous_sibling == NONE {
        link[parent as usize].first_child = next_sibling;
    } else {
        link[previous_sibling as usize].next_sibling = next_sibling;
    }
    if next_sibling != NONE {
        link[next_sibling as usize].previous_sibling = previous_sibling;
    }
}

/// Makes `node` the first child of `parent`.
fn link_first_child(link: &mut [TreeLink], node: u32, parent: u32) {
    let next = link[parent as usize].first_child;
    link[node as usize].next_sibling = next;
    link[node as usize].previous_sibling = NONE;
    if next != NONE {
        link[next as usize].previous_sibling = node;
    }
    link[parent as usize].first_child = node;
}

#[cfg(test)]
mod tests;

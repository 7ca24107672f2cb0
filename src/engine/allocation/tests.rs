//! Tests of the dual network simplex: against an independent LP solver (microlp), an exact
//! residual-graph optimality check (Bellman-Ford), brute force on tiny integer networks, warm
//! against cold solves over simulated months, properties, edge cases and errors.

use super::*;

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny fixed generator, so the test cases never
/// change with a dependency's version.
struct TestRng(u64);

impl TestRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform on 0..n.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform on lo..=hi.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp()
    }
}

/// A test problem: arcs `(from, to, cost)`, nominal capacities, and the arcs of the most
/// valuable level (top-priority demand), whose total flow more capacity must never lower.
#[derive(Clone, Debug)]
struct Instance {
    node_count: usize,
    arcs: Vec<(usize, usize, i128)>,
    capacities: Vec<f64>,
    top_level: Vec<usize>,
}

impl Instance {
    fn network(&self) -> FlowNetwork {
        let mut network = FlowNetwork::new(self.node_count).expect("small network");
        for &(from, to, cost) in &self.arcs {
            network.add_arc(from, to, cost).expect("valid arc");
        }
        network
    }

    /// Makes every simple cycle's cost nonzero, hence the optimum unique: arc `a` costs
    /// `c_a · 2^(m+1) + 2^a`. A cycle's cost is `2^(m+1) · Σ±c_a + Σ±2^a`, and the second sum,
    /// over distinct powers below 2^(m+1), is nonzero and no multiple of 2^(m+1).
    fn make_generic(&mut self) {
        let shift = self.arcs.len() as u32 + 1;
        for (index, arc) in self.arcs.iter_mut().enumerate() {
            arc.2 = (arc.2 << shift) + (1_i128 << index);
        }
    }
}

/// Lexicographic weights as the engine uses them: top-priority demand ≫ other demand ≫ refill
/// ≫ transport (transport ≤ 1000 per arc, so a path costs far less than the gap of 10^6).
const TOP_DEMAND_COST: i128 = -2_000_000_000_000;
const DEMAND_COST: i128 = -1_000_000_000_000;
const REFILL_COST: i128 = -1_000_000;

/// A random supply chain: source → mines → refineries → hubs → markets → sink, a return arc
/// sink → source of cost 0, demand arcs into the sink at two priority levels and refill arcs
/// below them, "practically unlimited" arcs capped at the total supply, outages (capacity 0),
/// parallel arcs, tiny and large capacities.
fn supply_chain(rng: &mut TestRng, max_per_layer: usize) -> Instance {
    let mines = 1 + rng.below(max_per_layer);
    let refineries = 1 + rng.below(max_per_layer);
    let hubs = rng.below(max_per_layer);
    let markets = 1 + rng.below(max_per_layer);
    let (source, sink) = (0, 1);
    let mine = |i: usize| 2 + i;
    let refinery = |i: usize| 2 + mines + i;
    let hub = |i: usize| 2 + mines + refineries + i;
    let market = |i: usize| 2 + mines + refineries + hubs + i;
    let node_count = 2 + mines + refineries + hubs + markets;

    let supplies: Vec<f64> = (0..mines).map(|_| rng.log_uniform(1.0, 1e4)).collect();
    let total_supply: f64 = supplies.iter().sum();
    let mut arcs = Arcs::default();
    let transport = |rng: &mut TestRng, arcs: &mut Arcs, from: usize, to: usize| {
        let capacity = if rng.chance(0.3) {
            total_supply
        } else if rng.chance(0.05) {
            rng.log_uniform(1e-3, 1e-1)
        } else {
            rng.log_uniform(1.0, 1e4)
        };
        arcs.add(from, to, rng.between(1, 1000) as i128, capacity);
        if rng.chance(0.15) {
            // A parallel arc with another cost and capacity.
            let capacity = rng.log_uniform(1.0, 1e4);
            arcs.add(from, to, rng.between(1, 1000) as i128, capacity);
        }
    };
    for (i, &supply) in supplies.iter().enumerate() {
        arcs.add(source, mine(i), 0, supply);
    }
    for r in 0..refineries {
        let first = rng.below(mines);
        for i in 0..mines {
            if i == first || rng.chance(0.4) {
                transport(rng, &mut arcs, mine(i), refinery(r));
            }
        }
    }
    for h in 0..hubs {
        for r in 0..refineries {
            if rng.chance(0.6) {
                transport(rng, &mut arcs, refinery(r), hub(h));
            }
        }
        for earlier in 0..h {
            if rng.chance(0.3) {
                transport(rng, &mut arcs, hub(earlier), hub(h));
            }
        }
    }
    for k in 0..markets {
        let first = rng.below(refineries);
        for r in 0..refineries {
            if r == first || rng.chance(0.3) {
                transport(rng, &mut arcs, refinery(r), market(k));
            }
        }
        for h in 0..hubs {
            if rng.chance(0.5) {
                transport(rng, &mut arcs, hub(h), market(k));
            }
        }
        if rng.chance(0.2) {
            let from = mine(rng.below(mines));
            transport(rng, &mut arcs, from, market(k));
        }
    }
    let mut top_level = Vec::new();
    for k in 0..markets {
        let top = rng.chance(0.5);
        if top {
            top_level.push(arcs.arcs.len());
        }
        let demand = rng.log_uniform(1.0, 1e4);
        let cost = if top { TOP_DEMAND_COST } else { DEMAND_COST };
        arcs.add(market(k), sink, cost, demand);
        let room = rng.log_uniform(1e-2, 1e3);
        arcs.add(market(k), sink, REFILL_COST, room);
    }
    arcs.add(sink, source, 0, total_supply);
    // Outages: any arc may be down.
    for capacity in &mut arcs.capacities {
        if rng.chance(0.08) {
            *capacity = 0.0;
        }
    }
    Instance {
        node_count,
        arcs: arcs.arcs,
        capacities: arcs.capacities,
        top_level,
    }
}

/// Arcs and capacities under construction.
#[derive(Default)]
struct Arcs {
    arcs: Vec<(usize, usize, i128)>,
    capacities: Vec<f64>,
}

impl Arcs {
    fn add(&mut self, from: usize, to: usize, cost: i128, capacity: f64) {
        self.arcs.push((from, to, cost));
        self.capacities.push(capacity);
    }
}

/// A random digraph with arbitrary costs of both signs (cycles, self-loops, parallel arcs):
/// the solver must handle any circulation problem, not only the engine's DAGs.
fn random_digraph(rng: &mut TestRng) -> Instance {
    let node_count = 1 + rng.below(7);
    let arc_count = 1 + rng.below(14);
    let arcs = (0..arc_count)
        .map(|_| {
            (
                rng.below(node_count),
                rng.below(node_count),
                rng.between(-50, 50) as i128,
            )
        })
        .collect();
    let capacities = (0..arc_count)
        .map(|_| {
            if rng.chance(0.15) {
                0.0
            } else {
                rng.unit() * 10.0
            }
        })
        .collect();
    Instance {
        node_count,
        arcs,
        capacities,
        top_level: Vec::new(),
    }
}

fn max_capacity(capacities: &[f64]) -> f64 {
    capacities.iter().copied().fold(0.0, f64::max)
}

/// Bounds hold exactly (flows are clamped) and conservation within the solver's tolerance:
/// each arc's flow is within `FEASIBILITY_TOLERANCE · max u` of a conserving one, so a node's
/// imbalance is at most (its degree + 1) times that (+1 for rounding in this sum).
fn assert_feasible(instance: &Instance, capacities: &[f64], flows: &[f64]) {
    assert_eq!(flows.len(), instance.arcs.len());
    let mut net = vec![0.0; instance.node_count];
    let mut degree = vec![0_usize; instance.node_count];
    for (arc, &(from, to, _)) in instance.arcs.iter().enumerate() {
        let flow = flows[arc];
        assert!(
            (0.0..=capacities[arc]).contains(&flow),
            "arc {arc}: flow {flow} outside [0, {}]",
            capacities[arc]
        );
        net[from] -= flow;
        net[to] += flow;
        degree[from] += 1;
        degree[to] += 1;
    }
    let unit = FEASIBILITY_TOLERANCE * max_capacity(capacities);
    for node in 0..instance.node_count {
        assert!(
            net[node].abs() <= (degree[node] + 1) as f64 * unit,
            "node {node}: inflow − outflow = {} (tolerance {})",
            net[node],
            (degree[node] + 1) as f64 * unit
        );
    }
}

/// Optimality certificate independent of the simplex: a feasible circulation is optimal iff
/// its residual graph has no negative-cost cycle (AMO Theorem 9.1). Bellman-Ford in exact
/// `i128` from a virtual source joined to every node; a relaxation in round n means a
/// negative cycle. No tolerance: a tree arc's residual arcs have reduced cost 0 and a non-tree
/// arc sits exactly on its bound, so even flows within rounding of a bound must pass.
fn assert_no_negative_cycle(instance: &Instance, capacities: &[f64], flows: &[f64]) {
    let mut residual = Vec::new();
    for (arc, &(from, to, cost)) in instance.arcs.iter().enumerate() {
        if flows[arc] < capacities[arc] {
            residual.push((from, to, cost));
        }
        if flows[arc] > 0.0 {
            residual.push((to, from, -cost));
        }
    }
    let mut distance = vec![0_i128; instance.node_count];
    for round in 0..=instance.node_count {
        let mut changed = false;
        for &(from, to, cost) in &residual {
            if distance[from] + cost < distance[to] {
                distance[to] = distance[from] + cost;
                changed = true;
            }
        }
        if !changed {
            return;
        }
        assert!(
            round < instance.node_count,
            "negative-cost cycle in the residual graph: not optimal\n{instance:?}\nflows {flows:?}"
        );
    }
}

/// The optimal objective by microlp's simplex (an independent dense LP solver).
fn lp_objective(instance: &Instance, capacities: &[f64]) -> f64 {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let variables: Vec<_> = instance
        .arcs
        .iter()
        .zip(capacities)
        .map(|(&(_, _, cost), &capacity)| problem.add_var(cost as f64, (0.0, capacity)))
        .collect();
    for node in 0..instance.node_count {
        let mut terms = Vec::new();
        for (arc, &(from, to, _)) in instance.arcs.iter().enumerate() {
            if from != to {
                if to == node {
                    terms.push((variables[arc], 1.0));
                }
                if from == node {
                    terms.push((variables[arc], -1.0));
                }
            }
        }
        if !terms.is_empty() {
            problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, 0.0);
        }
    }
    problem
        .solve()
        .expect("microlp solves a bounded feasible LP")
        .into_solution()
        .expect("no time limit was set")
        .objective()
}

/// How far our objective may be from the exact optimum: each arc's flow is within our
/// feasibility tolerance of an exact optimum's, so the objective is within that times Σ|c_a|,
/// plus f64 rounding of the sum of terms (a few ulps for up to ~100 terms: 1e-12 of the
/// largest possible sum of |terms|).
fn rounding_tolerance(instance: &Instance, capacities: &[f64]) -> f64 {
    let cost_sum: f64 = instance.arcs.iter().map(|arc| (arc.2 as f64).abs()).sum();
    let term_sum: f64 = instance
        .arcs
        .iter()
        .zip(capacities)
        .map(|(arc, capacity)| (arc.2 as f64).abs() * capacity)
        .sum();
    FEASIBILITY_TOLERANCE * max_capacity(capacities) * cost_sum + 1e-12 * term_sum
}

/// Checks one instance and returns |ours − microlp's| relative to the tolerance (≤ 1) and to
/// the objective.
fn check_against_lp(instance: &Instance, case: usize) -> (f64, f64) {
    let network = instance.network();
    let mut solver = Solver::new(&network);
    let flows = solver.solve(&instance.capacities).expect("solvable");
    assert_feasible(instance, &instance.capacities, flows);
    assert_no_negative_cycle(instance, &instance.capacities, flows);
    let ours = network.objective(flows);
    let theirs = lp_objective(instance, &instance.capacities);
    // Relative 1e-9, as microlp's own answer is only as good as its feasibility tolerance
    // (1e-7 absolute per constraint), plus our rounding for objectives near 0.
    let tolerance = 1e-9 * theirs.abs() + rounding_tolerance(instance, &instance.capacities);
    assert!(
        (ours - theirs).abs() <= tolerance,
        "case {case}: objective {ours} vs microlp {theirs} (tolerance {tolerance})\n{instance:?}"
    );
    let gap = (ours - theirs).abs();
    (gap / tolerance, gap / theirs.abs().max(f64::MIN_POSITIVE))
}

#[test]
fn matches_an_lp_solver_on_random_supply_chains() {
    let mut rng = TestRng(1);
    let mut worst = (0.0_f64, 0.0_f64);
    for case in 0..250 {
        let instance = supply_chain(&mut rng, 4);
        let gap = check_against_lp(&instance, case);
        worst = (worst.0.max(gap.0), worst.1.max(gap.1));
    }
    println!(
        "supply chains: worst objective gap {:.2e} of the tolerance, {:.2e} relative",
        worst.0, worst.1
    );
}

#[test]
fn matches_an_lp_solver_on_random_digraphs() {
    let mut rng = TestRng(2);
    let mut worst = (0.0_f64, 0.0_f64);
    for case in 0..300 {
        let instance = random_digraph(&mut rng);
        let gap = check_against_lp(&instance, case);
        worst = (worst.0.max(gap.0), worst.1.max(gap.1));
    }
    println!(
        "digraphs: worst objective gap {:.2e} of the tolerance, {:.2e} relative",
        worst.0, worst.1
    );
}

/// Every integer circulation within integer capacities, by enumeration: the optimum of a
/// network LP with integer capacities is attained at an integer flow (total unimodularity,
/// AMO Theorem 9.10), so the brute-force minimum is the LP optimum.
fn brute_force_optimum(instance: &Instance, capacities: &[u8]) -> i128 {
    let arc_count = instance.arcs.len();
    let mut flow = vec![0_u8; arc_count];
    let mut best = i128::MAX;
    loop {
        let mut net = vec![0_i32; instance.node_count];
        let mut cost = 0_i128;
        for (arc, &(from, to, arc_cost)) in instance.arcs.iter().enumerate() {
            net[from] -= i32::from(flow[arc]);
            net[to] += i32::from(flow[arc]);
            cost += arc_cost * i128::from(flow[arc]);
        }
        if net.iter().all(|&imbalance| imbalance == 0) {
            best = best.min(cost);
        }
        // Next flow vector, odometer style.
        let mut arc = 0;
        loop {
            if arc == arc_count {
                return best;
            }
            if flow[arc] < capacities[arc] {
                flow[arc] += 1;
                break;
            }
            flow[arc] = 0;
            arc += 1;
        }
    }
}

#[test]
fn matches_brute_force_on_tiny_integer_networks() {
    let mut rng = TestRng(3);
    for case in 0..300 {
        let node_count = 1 + rng.below(4);
        let arc_count = 1 + rng.below(6);
        let arcs: Vec<_> = (0..arc_count)
            .map(|_| {
                (
                    rng.below(node_count),
                    rng.below(node_count),
                    rng.between(-5, 5) as i128,
                )
            })
            .collect();
        let integer_capacities: Vec<u8> = (0..arc_count).map(|_| rng.below(4) as u8).collect();
        let instance = Instance {
            node_count,
            arcs,
            capacities: integer_capacities.iter().map(|&c| f64::from(c)).collect(),
            top_level: Vec::new(),
        };
        let mut solver = Solver::new(&instance.network());
        let flows = solver.solve(&instance.capacities).expect("solvable");
        // Tree flows are sums of small integers, exact in f64, so the objective is exact.
        let ours: i128 = instance
            .arcs
            .iter()
            .zip(flows)
            .map(|(arc, &flow)| {
                assert_eq!(flow, flow.round(), "case {case}: non-integer flow {flow}");
                arc.2 * flow as i128
            })
            .sum();
        let expected = brute_force_optimum(&instance, &integer_capacities);
        assert_eq!(ours, expected, "case {case}: {instance:?}");
    }
}

#[test]
fn tree_flows_updated_by_pivots_match_a_fresh_computation() {
    let mut rng = TestRng(13);
    let mut checked = 0;
    for _ in 0..100 {
        let instance = supply_chain(&mut rng, 4);
        let mut solver = Solver::new(&instance.network());
        let capacities = &instance.capacities;
        // The solve loop, step by step, checking the cycle updates after every pivot.
        let mut leaving = solver.compute_flows(capacities, false).expect("valid");
        let mut pivots = 0;
        while let Some(chosen) = leaving {
            solver.pivot::<false>(chosen).expect("pivot");
            pivots += 1;
            let updated = solver.raw_flow.clone();
            leaving = solver.compute_flows(capacities, false).expect("valid");
            // A tree flow is a sum of at most ~100 capacities, computed fresh with rounding
            // below 100·ε·Σu ≈ 2e-14·Σu, and each pivot adds one update of that size or less;
            // 1e-12·Σu per pivot leaves a wide margin.
            let tolerance = (pivots + 1) as f64 * 1e-12 * capacities.iter().sum::<f64>();
            for entry in &solver.order[1..] {
                let arc = entry.arc as usize;
                assert!(
                    (updated[arc] - solver.raw_flow[arc]).abs() <= tolerance,
                    "after {pivots} pivots, tree arc {arc}: updated {} vs fresh {}",
                    updated[arc],
                    solver.raw_flow[arc]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000);
}

/// Month-to-month capacity changes as the engine produces them: small drifts, outages to 0
/// and recoveries, big jumps.
fn next_month(rng: &mut TestRng, nominal: &[f64], current: &mut [f64]) {
    for (capacity, &base) in current.iter_mut().zip(nominal) {
        let draw = rng.unit();
        *capacity = if draw < 0.04 {
            0.0
        } else if draw < 0.07 {
            base * rng.log_uniform(0.1, 10.0)
        } else if *capacity == 0.0 && draw < 0.5 {
            0.0
        } else {
            base * (0.9 + 0.2 * rng.unit())
        };
    }
}

#[test]
fn warm_months_match_cold_solves() {
    let mut rng = TestRng(4);
    let mut total_pivots = 0_u64;
    let mut solves = 0_u64;
    let mut no_pivot_solves = 0_u64;
    for trial in 0..40 {
        let mut instance = supply_chain(&mut rng, 4);
        instance.make_generic();
        let network = instance.network();
        let mut warm = Solver::new(&network);
        let mut cold = Solver::new(&network);
        warm.solve_cold(&instance.capacities).expect("nominal");
        let nominal_basis = warm.basis().clone();
        warm.set_basis(&nominal_basis).expect("same network");
        let mut capacities = instance.capacities.clone();
        for month in 0..60 {
            next_month(&mut rng, &instance.capacities, &mut capacities);
            let warm_flows = warm.solve(&capacities).expect("warm solve");
            let cold_flows = cold.solve_cold(&capacities).expect("cold solve");
            assert_feasible(&instance, &capacities, warm_flows);
            assert_no_negative_cycle(&instance, &capacities, warm_flows);
            // The optimum is unique (generic costs), so the flows agree up to the rounding of
            // two different sums of the same capacities, within the feasibility tolerance.
            let tolerance = 2.0 * FEASIBILITY_TOLERANCE * max_capacity(&capacities);
            for (arc, (w, c)) in warm_flows.iter().zip(cold_flows).enumerate() {
                assert!(
                    (w - c).abs() <= tolerance,
                    "trial {trial} month {month} arc {arc}: warm {w} vs cold {c}"
                );
            }
            total_pivots += u64::from(warm.pivots_last_solve());
            no_pivot_solves += u64::from(warm.pivots_last_solve() == 0);
            solves += 1;
        }
    }
    println!(
        "warm months: {:.2} pivots per solve on average, {:.0}% without pivot",
        total_pivots as f64 / solves as f64,
        100.0 * no_pivot_solves as f64 / solves as f64
    );
}

/// Tie costs order flows as the combined generic costs do: with transport costs coarsened to
/// {0, 1, 2} (most months tie) and tie cost `2^a` on arc `a`, the warm solves of a month
/// sequence, a cold solve, and the warm solves with the single cost `c·2^(m+1) + 2^a` (the
/// same lexicographic order in one integer, [`Instance::make_generic`]) all give the same
/// flows: the optimum is unique, and it does not depend on the basis a solve starts from.
#[test]
fn tie_costs_break_ties_like_combined_costs_whatever_the_starting_basis() {
    let mut rng = TestRng(11);
    let mut tied_instances = 0;
    let mut tie_broken_months = 0_u64;
    for trial in 0..40 {
        let mut instance = supply_chain(&mut rng, 4);
        for arc in &mut instance.arcs {
            if (1..=1000).contains(&arc.2) {
                arc.2 %= 3;
            }
        }
        let mut tied = FlowNetwork::new(instance.node_count).expect("small network");
        for (index, &(from, to, cost)) in instance.arcs.iter().enumerate() {
            tied.add_arc_tied(from, to, cost, 1 << index)
                .expect("tie costs fit");
        }
        let mut generic = instance.clone();
        generic.make_generic();
        let mut combined = FlowNetwork::new(instance.node_count).expect("small network");
        if !generic
            .arcs
            .iter()
            .all(|&(from, to, cost)| combined.add_arc(from, to, cost).is_ok())
        {
            continue;
        }
        tied_instances += 1;
        let mut warm = Solver::new(&tied);
        let mut cold = Solver::new(&tied);
        let mut single = Solver::new(&combined);
        let mut untied = Solver::new(&instance.network());
        let mut capacities = instance.capacities.clone();
        for month in 0..60 {
            next_month(&mut rng, &instance.capacities, &mut capacities);
            let warm_flows = warm.solve(&capacities).expect("warm solve").to_vec();
            let cold_flows = cold.solve_cold(&capacities).expect("cold solve");
            let single_flows = single.solve(&capacities).expect("combined solve");
            assert_feasible(&instance, &capacities, &warm_flows);
            assert_no_negative_cycle(&instance, &capacities, &warm_flows);
            let tolerance = 2.0 * FEASIBILITY_TOLERANCE * max_capacity(&capacities);
            for (arc, ((w, c), s)) in warm_flows
                .iter()
                .zip(cold_flows)
                .zip(single_flows)
                .enumerate()
            {
                assert!(
                    (w - c).abs() <= tolerance && (w - s).abs() <= tolerance,
                    "trial {trial} month {month} arc {arc}: warm {w}, cold {c}, combined {s}"
                );
            }
            let untied_flows = untied.solve(&capacities).expect("untied solve");
            tie_broken_months += u64::from(
                warm_flows
                    .iter()
                    .zip(untied_flows)
                    .any(|(w, u)| (w - u).abs() > tolerance),
            );
        }
    }
    // Most instances fit the combined costs in i128 (the others are skipped), and in some
    // months the coarse costs alone tie and the solver without tie costs settles elsewhere.
    assert!(
        tied_instances >= 30,
        "only {tied_instances} instances compared"
    );
    assert!(tie_broken_months > 0, "no month where the tie costs decide");
    println!("{tie_broken_months} months where the tie costs decide");
}

/// A long randomised run for rare numerical trouble (part of `cargo test --release`, which CI
/// runs): bigger networks, capacities over ten orders of magnitude, months with pivots, and
/// the exact optimality certificate on every solve.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "long: ~6 s in release mode, minutes in debug"
)]
fn stress_many_networks_and_months() {
    let mut rng = TestRng(14);
    let mut pivots = 0_u64;
    for trial in 0..3000 {
        let mut instance = supply_chain(&mut rng, 7);
        // Generic costs grow as 2^(arcs + 41): keep them within the 2^124 cost budget.
        if trial % 2 == 0 && instance.arcs.len() <= 64 {
            instance.make_generic();
        }
        for capacity in &mut instance.capacities {
            if rng.chance(0.1) {
                *capacity *= rng.log_uniform(1e-5, 1e5);
            }
        }
        let network = instance.network();
        let mut warm = Solver::new(&network);
        let mut cold = Solver::new(&network);
        warm.solve(&instance.capacities).expect("nominal");
        let mut capacities = instance.capacities.clone();
        for _ in 0..120 {
            next_month(&mut rng, &instance.capacities, &mut capacities);
            warm.solve(&capacities).expect("warm solve");
            pivots += u64::from(warm.pivots_last_solve());
            let flows = warm.flows();
            assert_feasible(&instance, &capacities, flows);
            assert_no_negative_cycle(&instance, &capacities, flows);
            let warm_objective = network.objective(flows);
            let cold_objective = network.objective(cold.solve_cold(&capacities).expect("cold"));
            let tolerance = 2.0 * rounding_tolerance(&instance, &capacities);
            assert!((warm_objective - cold_objective).abs() <= tolerance);
        }
    }
    println!("stress: {pivots} warm pivots");
}

#[test]
fn unchanged_or_uniformly_scaled_capacities_need_no_pivot() {
    let mut rng = TestRng(5);
    for _ in 0..50 {
        let instance = supply_chain(&mut rng, 4);
        let mut solver = Solver::new(&instance.network());
        let nominal = solver
            .solve(&instance.capacities)
            .expect("nominal")
            .to_vec();
        let again = solver.solve(&instance.capacities).expect("again");
        assert_eq!(again, nominal.as_slice(), "same basis, same capacities");
        assert_eq!(solver.pivots_last_solve(), 0);
        // Tree flows are linear in the capacities, so a scaled basis stays feasible.
        let scaled: Vec<f64> = instance.capacities.iter().map(|c| c * 1.37).collect();
        let flows = solver.solve(&scaled).expect("scaled").to_vec();
        assert_eq!(solver.pivots_last_solve(), 0);
        let tolerance = FEASIBILITY_TOLERANCE * max_capacity(&scaled);
        for (flow, base) in flows.iter().zip(&nominal) {
            assert!((flow - base * 1.37).abs() <= tolerance);
        }
    }
}

#[test]
fn more_capacity_never_lowers_top_priority_delivery_or_raises_cost() {
    let mut rng = TestRng(6);
    let mut checked = 0;
    for _ in 0..200 {
        let instance = supply_chain(&mut rng, 4);
        let network = instance.network();
        let mut solver = Solver::new(&network);
        let flows = solver.solve(&instance.capacities).expect("solvable");
        let delivered: f64 = instance.top_level.iter().map(|&arc| flows[arc]).sum();
        let objective = network.objective(flows);
        let mut more = instance.capacities.clone();
        for capacity in &mut more {
            if rng.chance(0.3) {
                *capacity *= 1.0 + 2.0 * rng.unit();
            } else if *capacity == 0.0 && rng.chance(0.3) {
                *capacity = rng.log_uniform(1.0, 1e3);
            }
        }
        let flows_more = solver.solve(&more).expect("solvable");
        let delivered_more: f64 = instance.top_level.iter().map(|&arc| flows_more[arc]).sum();
        // Each arc's flow is within our tolerance of an exact optimum's.
        let tolerance =
            instance.top_level.len() as f64 * FEASIBILITY_TOLERANCE * max_capacity(&more);
        assert!(
            delivered_more >= delivered - tolerance,
            "top-priority delivery fell from {delivered} to {delivered_more}"
        );
        let objective_more = network.objective(flows_more);
        assert!(
            objective_more <= objective + 2.0 * rounding_tolerance(&instance, &more),
            "optimal cost rose from {objective} to {objective_more}"
        );
        checked += usize::from(delivered_more > delivered);
    }
    // The check must bite: some extra capacity must actually raise delivery.
    assert!(checked > 20, "only {checked} cases delivered more");
}

#[test]
fn resetting_the_basis_gives_bit_identical_flows() {
    let mut rng = TestRng(7);
    let instance = supply_chain(&mut rng, 5);
    let network = instance.network();
    let mut solver = Solver::new(&network);
    solver.solve(&instance.capacities).expect("nominal");
    let nominal = solver.basis().clone();
    let months: Vec<Vec<f64>> = {
        let mut capacities = instance.capacities.clone();
        (0..24)
            .map(|_| {
                next_month(&mut rng, &instance.capacities, &mut capacities);
                capacities.clone()
            })
            .collect()
    };
    let run = |solver: &mut Solver| -> Vec<u64> {
        solver.set_basis(&nominal).expect("same network");
        months
            .iter()
            .flat_map(|capacities| {
                let flows = solver.solve(capacities).expect("solvable");
                flows.iter().map(|flow| flow.to_bits()).collect::<Vec<_>>()
            })
            .collect()
    };
    let first = run(&mut solver);
    // Scramble the solver's state with other work, then run the same trial again, and once
    // more on a fresh solver.
    solver.solve_cold(&months[3]).expect("solvable");
    solver.solve(&months[17]).expect("solvable");
    assert_eq!(run(&mut solver), first);
    let mut fresh = Solver::new(&network);
    assert_eq!(run(&mut fresh), first);
}

#[test]
fn same_arcs_as_changes_exactly_when_a_month_pivots() {
    let mut rng = TestRng(31);
    let (mut pivoting, mut quiet) = (0, 0);
    for _ in 0..40 {
        let instance = supply_chain(&mut rng, 5);
        let network = instance.network();
        let mut solver = Solver::new(&network);
        solver.solve(&instance.capacities).expect("nominal");
        let mut capacities = instance.capacities.clone();
        for _ in 0..24 {
            let before = solver.basis().clone();
            assert!(before.same_arcs_as(solver.basis()));
            next_month(&mut rng, &instance.capacities, &mut capacities);
            solver.solve(&capacities).expect("solvable");
            // A month without a pivot leaves every arc where it was. One with pivots ends on
            // another basis in these months (each pivot moves one arc out of the tree to a
            // bound and another in, and the dual simplex does not come back to the basis it
            // started from unless degenerate pivots cycle, which they do not here).
            let pivoted = solver.pivots_last_solve() > 0;
            assert_eq!(before.same_arcs_as(solver.basis()), !pivoted);
            assert_eq!(solver.basis().same_arcs_as(&before), !pivoted);
            if pivoted {
                pivoting += 1;
            } else {
                quiet += 1;
            }
        }
    }
    assert!(
        pivoting > 50 && quiet > 50,
        "{pivoting} pivoting, {quiet} quiet months"
    );
}

#[test]
fn bland_rule_from_the_first_pivot_is_still_optimal() {
    let mut rng = TestRng(8);
    for _ in 0..100 {
        let instance = supply_chain(&mut rng, 4);
        let network = instance.network();
        let mut ordinary = Solver::new(&network);
        let mut bland = Solver::new(&network);
        bland.set_pivot_limits(0, u32::MAX);
        let expected = network.objective(ordinary.solve(&instance.capacities).expect("ok"));
        let flows = bland.solve(&instance.capacities).expect("ok");
        assert_feasible(&instance, &instance.capacities, flows);
        assert_no_negative_cycle(&instance, &instance.capacities, flows);
        let tolerance = 2.0 * rounding_tolerance(&instance, &instance.capacities);
        assert!((network.objective(flows) - expected).abs() <= tolerance);
    }
}

#[test]
fn pivot_limit_is_an_error() {
    let mut rng = TestRng(9);
    let instance = supply_chain(&mut rng, 3);
    let mut solver = Solver::new(&instance.network());
    solver.set_pivot_limits(0, 0);
    assert_eq!(
        solver.solve(&instance.capacities),
        Err(SolveError::PivotLimit { pivots: 0 })
    );
    // Limits that allow the pivots succeed from there.
    solver.set_pivot_limits(1000, 10_000);
    assert!(solver.solve(&instance.capacities).is_ok());
    assert!(solver.pivots_last_solve() > 0);
}

#[test]
fn default_pivot_limits_follow_the_size() {
    // 3 nodes + 1 root, 2 arcs + 3 artificial: 9 elements.
    let mut network = FlowNetwork::new(3).expect("small");
    network.add_arc(0, 1, 1).expect("arc");
    network.add_arc(1, 2, 1).expect("arc");
    let solver = Solver::new(&network);
    assert_eq!(solver.ordinary_pivot_limit(), 36);
    assert_eq!(solver.pivot_limit(), 36 + 64 * 81);
}

/// A worked example whose answer is clear by hand: two mines (capacities 5 and 8) feed one
/// market with demand 10 and stock room 4. The cheaper mine A runs full, mine B fills the rest
/// of demand, and then refill takes what B has left (3 of 4).
#[test]
fn worked_example_serves_demand_then_refill_then_cost() {
    let (source, mine_a, mine_b, market, sink) = (0, 1, 2, 3, 4);
    let mut network = FlowNetwork::new(5).expect("small");
    let arcs = [
        (source, mine_a, 0, 5.0),
        (source, mine_b, 0, 8.0),
        (mine_a, market, 1, 100.0),
        (mine_b, market, 7, 100.0),
        (market, sink, DEMAND_COST, 10.0),
        (market, sink, REFILL_COST, 4.0),
        (sink, source, 0, 13.0),
    ];
    for &(from, to, cost, _) in &arcs {
        network.add_arc(from, to, cost).expect("arc");
    }
    let capacities: Vec<f64> = arcs.iter().map(|arc| arc.3).collect();
    let mut solver = Solver::new(&network);
    let flows = solver.solve(&capacities).expect("solvable");
    assert_eq!(flows, &[5.0, 8.0, 5.0, 8.0, 10.0, 3.0, 13.0]);
    // An outage of mine A: B alone serves 8 of the demand and nothing is refilled.
    let mut outage = capacities.clone();
    outage[0] = 0.0;
    let flows = solver.solve(&outage).expect("solvable");
    assert_eq!(flows, &[0.0, 8.0, 0.0, 8.0, 8.0, 0.0, 8.0]);
}

#[test]
fn lexicographic_weights_near_2_pow_100_are_exact() {
    // Demand at 2^100 and refill at 2^60 dwarf transport costs of 1 and 2, which f64 costs
    // could not even represent next to them; integer potentials keep every decision exact.
    let (source, a, b, market, sink) = (0, 1, 2, 3, 4);
    let demand = -(1_i128 << 100);
    let refill = -(1_i128 << 60);
    let arcs = [
        (source, a, 0, 6.0),
        (source, b, 0, 6.0),
        (a, market, 1, 10.0),
        (b, market, 2, 10.0),
        (market, sink, demand, 5.0),
        (market, sink, refill, 4.0),
        (sink, source, 0, 12.0),
    ];
    let instance = Instance {
        node_count: 5,
        arcs: arcs.iter().map(|&(f, t, c, _)| (f, t, c)).collect(),
        capacities: arcs.iter().map(|arc| arc.3).collect(),
        top_level: vec![4],
    };
    let mut solver = Solver::new(&instance.network());
    let flows = solver.solve(&instance.capacities).expect("solvable");
    assert_no_negative_cycle(&instance, &instance.capacities, flows);
    assert_eq!(flows, &[6.0, 3.0, 6.0, 3.0, 5.0, 4.0, 9.0]);
}

#[test]
fn all_zero_capacities_give_zero_flow() {
    let mut rng = TestRng(10);
    let instance = supply_chain(&mut rng, 4);
    let mut solver = Solver::new(&instance.network());
    let zeros = vec![0.0; instance.arcs.len()];
    let flows = solver.solve(&zeros).expect("solvable");
    assert!(
        flows
            .iter()
            .all(|&flow| flow.to_bits() == 0.0_f64.to_bits())
    );
    // And back to nominal from that basis.
    let flows = solver.solve(&instance.capacities).expect("solvable");
    assert_no_negative_cycle(&instance, &instance.capacities, flows);
}

#[test]
fn empty_and_arcless_networks() {
    let empty = FlowNetwork::new(0).expect("empty");
    let mut solver = Solver::new(&empty);
    assert_eq!(solver.solve(&[]).expect("trivial"), &[] as &[f64]);
    let isolated = FlowNetwork::new(4).expect("small");
    let mut solver = Solver::new(&isolated);
    assert_eq!(solver.solve(&[]).expect("trivial"), &[] as &[f64]);
}

#[test]
fn a_single_arc_carries_nothing_but_a_negative_self_loop_runs_full() {
    let mut network = FlowNetwork::new(2).expect("small");
    network.add_arc(0, 1, -5).expect("arc");
    let mut solver = Solver::new(&network);
    assert_eq!(solver.solve(&[3.0]).expect("ok"), &[0.0]);

    let mut network = FlowNetwork::new(2).expect("small");
    network.add_arc(1, 1, -5).expect("arc");
    network.add_arc(0, 0, 5).expect("arc");
    let mut solver = Solver::new(&network);
    assert_eq!(solver.solve(&[3.0, 2.0]).expect("ok"), &[3.0, 0.0]);
}

#[test]
fn disconnected_components_are_solved_independently() {
    // Two separate negative cycles, 0→1→0 and 2→3→4→2, and an isolated node 5.
    let instance = Instance {
        node_count: 6,
        arcs: vec![(0, 1, -3), (1, 0, 1), (2, 3, 1), (3, 4, 1), (4, 2, -5)],
        capacities: vec![2.0, 1.5, 4.0, 3.0, 7.0],
        top_level: Vec::new(),
    };
    let mut solver = Solver::new(&instance.network());
    let flows = solver.solve(&instance.capacities).expect("solvable");
    assert_eq!(flows, &[1.5, 1.5, 3.0, 3.0, 3.0]);
}

#[test]
fn parallel_arcs_fill_cheapest_first() {
    // source → sink by three parallel routes of cost 3, 1, 2, back by a return arc of cost −10
    // and capacity 6: the cheapest route (cap 2) fills, then the next (cap 3), then 1 more.
    let instance = Instance {
        node_count: 2,
        arcs: vec![(0, 1, 3), (0, 1, 1), (0, 1, 2), (1, 0, -10)],
        capacities: vec![5.0, 2.0, 3.0, 6.0],
        top_level: Vec::new(),
    };
    let mut solver = Solver::new(&instance.network());
    let flows = solver.solve(&instance.capacities).expect("solvable");
    assert_eq!(flows, &[1.0, 2.0, 3.0, 6.0]);
}

#[test]
fn bad_capacities_are_rejected_without_touching_the_basis() {
    let mut rng = TestRng(11);
    let instance = supply_chain(&mut rng, 3);
    let mut solver = Solver::new(&instance.network());
    solver.solve(&instance.capacities).expect("ok");
    let before = solver.basis().clone();
    let count = instance.arcs.len();
    assert_eq!(
        solver.solve(&instance.capacities[1..]),
        Err(SolveError::CapacityCount {
            expected: count,
            found: count - 1
        })
    );
    for bad in [f64::NAN, -1.0, f64::INFINITY, -0.5e-300] {
        let mut capacities = instance.capacities.clone();
        capacities[count - 1] = bad;
        match solver.solve(&capacities) {
            Err(SolveError::InvalidCapacity { arc, .. }) => assert_eq!(arc, count - 1),
            other => panic!("{bad} accepted: {other:?}"),
        }
    }
    assert_eq!(solver.basis(), &before);
    assert_eq!(solver.pivots_last_solve(), 0);
}

/// A warm update writes the changed capacities as it checks them, so an invalid one leaves
/// them half written; the next solve must compute its flows from scratch, exactly as a solver
/// given the same basis would.
#[test]
fn a_solve_after_a_rejected_update_computes_its_flows_afresh() {
    let mut rng = TestRng(17);
    let instance = supply_chain(&mut rng, 3);
    let count = instance.arcs.len();
    let mut solver = Solver::new(&instance.network());
    solver.solve(&instance.capacities).expect("ok");
    let basis = solver.basis().clone();
    let mut bad = instance.capacities.clone();
    for capacity in &mut bad {
        *capacity *= 0.5;
    }
    bad[count - 1] = f64::NAN;
    assert!(matches!(
        solver.solve(&bad),
        Err(SolveError::InvalidCapacity { .. })
    ));
    let mut fresh = Solver::new(&instance.network());
    fresh.set_basis(&basis).expect("same network");
    let want = fresh.solve(&instance.capacities).expect("ok").to_vec();
    let got = solver.solve(&instance.capacities).expect("ok");
    assert_eq!(
        got.iter().map(|f| f.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|f| f.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn a_basis_of_another_network_is_rejected() {
    let mut first = FlowNetwork::new(2).expect("small");
    first.add_arc(0, 1, 1).expect("arc");
    let mut second = FlowNetwork::new(2).expect("small");
    second.add_arc(0, 1, 2).expect("arc");
    let basis = Solver::new(&first).basis().clone();
    let mut solver = Solver::new(&second);
    assert_eq!(solver.set_basis(&basis), Err(SolveError::BasisMismatch));
    assert_eq!(
        solver.set_basis(&Solver::new(&second).basis().clone()),
        Ok(())
    );
}

#[test]
fn invalid_arcs_are_rejected() {
    let mut network = FlowNetwork::new(2).expect("small");
    assert_eq!(
        network.add_arc(0, 2, 1),
        Err(NetworkError::NodeOutOfRange {
            arc: 0,
            from: 0,
            to: 2,
            node_count: 2
        })
    );
    network.add_arc(0, 1, 1_i128 << 123).expect("within range");
    network
        .add_arc(1, 0, -(1_i128 << 123))
        .expect("at the limit");
    assert_eq!(
        network.add_arc(1, 0, 1),
        Err(NetworkError::CostRange { arc: 2, cost: 1 })
    );
    assert_eq!(network.arc_count(), 2);
    // Tie costs have a bound of their own.
    network
        .add_arc_tied(0, 1, 0, 1_i128 << 124)
        .expect("tie costs at the limit");
    assert_eq!(
        network.add_arc_tied(0, 1, 0, -1),
        Err(NetworkError::TieCostRange { arc: 3, tie: -1 })
    );
    assert_eq!(network.arc_count(), 3);
    assert_eq!(network.tie_costs(), &[0, 0, 1_i128 << 124]);
    assert_eq!(
        FlowNetwork::new(MAX_ELEMENTS + 1).err(),
        Some(NetworkError::TooLarge)
    );
}

#[test]
fn accessors_report_the_arcs() {
    let mut network = FlowNetwork::new(3).expect("small");
    let arc = network.add_arc(2, 0, -7).expect("arc");
    assert_eq!(arc.index(), 0);
    assert_eq!(
        (network.from(arc), network.to(arc), network.cost(arc)),
        (2, 0, -7)
    );
    assert_eq!(network.node_count(), 3);
    assert_eq!(network.objective(&[2.0]), -14.0);
}

/// An engine-shaped network: source → mines → refinery (in → out, the node's capacity as an
/// arc) → hubs → markets → sink (demand and refill), return arc sink → source.
fn engine_like(
    rng: &mut TestRng,
    mines: usize,
    refineries: usize,
    hubs: usize,
    markets: usize,
) -> Instance {
    let (source, sink) = (0, 1);
    let mine = |i: usize| 2 + i;
    let refinery_in = |i: usize| 2 + mines + 2 * i;
    let refinery_out = |i: usize| 3 + mines + 2 * i;
    let hub = |i: usize| 2 + mines + 2 * refineries + i;
    let market = |i: usize| 2 + mines + 2 * refineries + hubs + i;
    let supplies: Vec<f64> = (0..mines).map(|_| rng.log_uniform(100.0, 5e4)).collect();
    let total: f64 = supplies.iter().sum();
    let mut arcs = Arcs::default();
    let transport = |rng: &mut TestRng, arcs: &mut Arcs, from: usize, to: usize| {
        arcs.add(from, to, rng.between(1000, 9000) as i128, total);
    };
    for (i, &supply) in supplies.iter().enumerate() {
        arcs.add(source, mine(i), 0, supply);
    }
    for r in 0..refineries {
        let throughput = rng.log_uniform(100.0, 3e4);
        arcs.add(refinery_in(r), refinery_out(r), 0, throughput);
        for i in 0..mines {
            if (i + r) % refineries == 0 || rng.chance(0.3) {
                transport(rng, &mut arcs, mine(i), refinery_in(r));
            }
        }
        for h in 0..hubs {
            if (r + h) % hubs == 0 || rng.chance(0.3) {
                transport(rng, &mut arcs, refinery_out(r), hub(h));
            }
        }
    }
    for k in 0..markets {
        for h in 0..hubs {
            if (k + h) % hubs == 0 || rng.chance(0.3) {
                transport(rng, &mut arcs, hub(h), market(k));
            }
        }
        if hubs == 0 || rng.chance(0.3) {
            transport(rng, &mut arcs, refinery_out(k % refineries), market(k));
        }
    }
    let mut top_level = Vec::new();
    for k in 0..markets {
        top_level.push(arcs.arcs.len());
        let demand = rng.log_uniform(100.0, 2e4);
        arcs.add(market(k), sink, TOP_DEMAND_COST, demand);
        let room = rng.log_uniform(10.0, 2e3);
        arcs.add(market(k), sink, REFILL_COST, room);
    }
    arcs.add(sink, source, 0, total);
    let mut instance = Instance {
        node_count: 2 + mines + 2 * refineries + hubs + markets,
        arcs: arcs.arcs,
        capacities: arcs.capacities,
        top_level,
    };
    instance.make_generic();
    instance
}

/// Seconds per call: the fastest of five rounds, as the machine is shared and noisy.
fn time_per_call(repetitions: u32, mut call: impl FnMut(u32)) -> f64 {
    (0..5)
        .map(|_| {
            let start = std::time::Instant::now();
            for repetition in 0..repetitions {
                call(repetition);
            }
            start.elapsed().as_secs_f64() / f64::from(repetitions)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Scaling every capacity by the same factor keeps the optimal basis (the tree flows scale
/// with it, the duals do not move), so a warm solve of a scaled month makes no pivot; the
/// times it prints are a measurement, not an assertion (machines differ; the criterion
/// benches and `tests/speed_ratio.rs` are the checked figures): run
/// `cargo test --release -- --nocapture uniform_scaling` to see them.
#[test]
#[cfg_attr(debug_assertions, ignore = "timing is only meaningful in release mode")]
fn uniform_scaling_needs_no_pivot_and_solve_times() {
    let mut rng = TestRng(12);
    for (label, layers) in [("small", (3, 2, 1, 2)), ("large", (8, 5, 4, 6))] {
        let instance = engine_like(&mut rng, layers.0, layers.1, layers.2, layers.3);
        let network = instance.network();
        let mut solver = Solver::new(&network);
        let capacities = instance.capacities.clone();
        let cold_pivots = {
            solver.solve_cold(&capacities).expect("ok");
            solver.pivots_last_solve()
        };
        let cold = time_per_call(5_000, |_| {
            std::hint::black_box(solver.solve_cold(std::hint::black_box(&capacities)).is_ok());
        });
        // Two uniformly scaled capacity vectors: every call recomputes the flows, no pivot.
        let scaled: Vec<f64> = capacities.iter().map(|c| c * 1.01).collect();
        let warm = time_per_call(200_000, |repetition| {
            let input = if repetition.is_multiple_of(2) {
                &capacities
            } else {
                &scaled
            };
            std::hint::black_box(solver.solve(std::hint::black_box(input)).is_ok());
        });
        assert_eq!(solver.pivots_last_solve(), 0);
        println!(
            "{label}: {} nodes, {} arcs; cold {:.2} µs ({cold_pivots} pivots); warm without \
             pivot {:.0} ns",
            instance.node_count,
            instance.arcs.len(),
            cold * 1e6,
            warm * 1e9,
        );
        // Two 120-month trials (short enough to stay in cache, as the engine's one month
        // does), the basis reset to the nominal one at the start of each.
        solver.solve_cold(&capacities).expect("ok");
        let nominal = solver.basis().clone();
        for (profile, months) in [
            ("harsh months", harsh_months(&mut rng, &capacities, 240)),
            (
                "typical months",
                typical_months(&mut rng, &instance, &capacities, 240),
            ),
        ] {
            let mut pivots = 0_u64;
            let repetitions = 240 * 20;
            let monthly = time_per_call(repetitions, |repetition| {
                let month = (repetition % 240) as usize;
                if month.is_multiple_of(120) {
                    solver.set_basis(&nominal).expect("same network");
                }
                std::hint::black_box(solver.solve(&months[month]).is_ok());
                pivots += u64::from(solver.pivots_last_solve());
            });
            println!(
                "  {profile}: {:.0} ns per solve, {:.2} pivots per solve",
                monthly * 1e9,
                pivots as f64 / f64::from(5 * repetitions),
            );
        }
    }
}

/// Months as in [`warm_months_match_cold_solves`]: every arc drifts ±10% each month, with
/// frequent outages and jumps (~4 arcs of 66 change drastically per month).
fn harsh_months(rng: &mut TestRng, nominal: &[f64], count: usize) -> Vec<Vec<f64>> {
    let mut current = nominal.to_vec();
    (0..count)
        .map(|_| {
            next_month(rng, nominal, &mut current);
            current.clone()
        })
        .collect()
}

/// Months closer to the engine's: demand (the top-level arcs) grows 3% a year, and about one
/// incident a month takes 20–100% of one random arc's capacity for a month.
fn typical_months(
    rng: &mut TestRng,
    instance: &Instance,
    nominal: &[f64],
    count: usize,
) -> Vec<Vec<f64>> {
    (0..count)
        .map(|month| {
            let mut capacities = nominal.to_vec();
            let growth = 1.03_f64.powf((month % 120) as f64 / 12.0);
            for &arc in &instance.top_level {
                capacities[arc] *= growth;
            }
            if rng.chance(0.7) {
                let arc = rng.below(capacities.len());
                capacities[arc] *= 0.8 * rng.unit();
            }
            capacities
        })
        .collect()
}

/// Capacities that fall far below those of earlier months (down to a month of zeros) are
/// solved like a cold start: updated flows would carry the rounding of the larger months,
/// beyond the new, smaller tolerance (before [`SCALE_DROP`], a month of zeros failed with
/// `NoEnteringArc` on most networks, in both pivot rules).
#[test]
fn months_far_smaller_than_the_last_are_solved_exactly() {
    let mut rng = TestRng(99);
    for trial in 0..300 {
        let instance = supply_chain(&mut rng, 4);
        let network = instance.network();
        for bland in [false, true] {
            let mut warm = Solver::new(&network);
            let mut cold = Solver::new(&network);
            if bland {
                let limit = warm.pivot_limit();
                warm.set_pivot_limits(0, limit);
            }
            let mut capacities = instance.capacities.clone();
            for month in 0..8 {
                next_month(&mut rng, &instance.capacities, &mut capacities);
                let scale = match month {
                    5 => 0.0,
                    6 => 1e-7,
                    _ => 1.0,
                };
                let scaled: Vec<f64> = capacities.iter().map(|c| c * scale).collect();
                let warm_flows = warm
                    .solve(&scaled)
                    .unwrap_or_else(|e| panic!("trial {trial} month {month} bland {bland}: {e}"))
                    .to_vec();
                let cold_flows = cold.solve_cold(&scaled).expect("cold");
                if scale == 0.0 {
                    assert!(warm_flows.iter().all(|&f| f == 0.0));
                }
                assert_feasible(&instance, &scaled, &warm_flows);
                let tolerance = 2.0 * FEASIBILITY_TOLERANCE * max_capacity(&scaled);
                let objective = |flows: &[f64]| network.objective(flows);
                assert!(
                    (objective(&warm_flows) - objective(cold_flows)).abs()
                        <= tolerance
                            * instance
                                .arcs
                                .iter()
                                .map(|a| a.2.unsigned_abs() as f64)
                                .sum::<f64>(),
                    "trial {trial} month {month}: warm and cold objectives differ"
                );
            }
        }
    }
}

/// Two equal routes from a source `s` to a sink `t`, closed by a demand arc `t → s` of cost
/// −10 and capacity 1: the unit of flow may take either route, or split, unless their costs
/// differ or one is closed.
fn two_routes(second_route_cost: i128, second_route_capacity: f64) -> (FlowNetwork, Vec<f64>) {
    let mut network = FlowNetwork::new(4).expect("small network");
    for (from, to, cost) in [
        (3, 0, -10),
        (0, 1, 1),
        (1, 3, 1),
        (0, 2, 1),
        (2, 3, second_route_cost),
    ] {
        network.add_arc(from, to, cost).expect("valid arc");
    }
    let capacities = vec![1.0, 1.0, 1.0, 1.0, second_route_capacity];
    (network, capacities)
}

#[test]
fn a_dual_degenerate_basis_is_reported_exactly_when_a_tie_is_open() {
    for (cost, capacity, degenerate) in [(1, 1.0, true), (2, 1.0, false), (1, 0.0, false)] {
        let (network, capacities) = two_routes(cost, capacity);
        let mut solver = Solver::new(&network);
        let flows = solver.solve(&capacities).expect("solvable").to_vec();
        assert_eq!(flows[0], 1.0, "the demand is met");
        assert_eq!(
            solver.dual_degenerate(),
            degenerate,
            "second route of cost {cost} and capacity {capacity}: flows {flows:?}"
        );
    }
}

/// The claim [`Solver::dual_degenerate`] makes and the engine relies on: when it answers
/// `false` after a solve, the optimal flow is unique, so a solve from any other basis (here the
/// trivial one) returns it too. Transport costs coarsened to {0, 1, 2}, so that many months
/// tie; both answers must occur, or the test proves nothing.
#[test]
fn a_basis_that_is_not_dual_degenerate_holds_the_only_optimum() {
    let mut rng = TestRng(23);
    let (mut unique, mut degenerate) = (0_u32, 0_u32);
    for trial in 0..40 {
        let mut instance = supply_chain(&mut rng, 4);
        for arc in &mut instance.arcs {
            if (1..=1000).contains(&arc.2) {
                arc.2 %= 3;
            }
        }
        let network = instance.network();
        let mut warm = Solver::new(&network);
        let mut cold = Solver::new(&network);
        let mut capacities = instance.capacities.clone();
        for month in 0..60 {
            next_month(&mut rng, &instance.capacities, &mut capacities);
            let warm_flows = warm.solve(&capacities).expect("warm solve").to_vec();
            if warm.dual_degenerate() {
                degenerate += 1;
                continue;
            }
            unique += 1;
            let cold_flows = cold.solve_cold(&capacities).expect("cold solve");
            let tolerance = 2.0 * FEASIBILITY_TOLERANCE * max_capacity(&capacities);
            for (arc, (w, c)) in warm_flows.iter().zip(cold_flows).enumerate() {
                assert!(
                    (w - c).abs() <= tolerance,
                    "trial {trial} month {month} arc {arc}: warm {w} vs cold {c}"
                );
            }
        }
    }
    assert!(
        unique > 100 && degenerate > 100,
        "{unique} months proved unique, {degenerate} dual degenerate"
    );
}

/// Large networks start from [`crash_basis`]: on random supply chains of at least
/// [`CRASH_MIN_ARCS`] arcs the cold solve and the warm months after it are feasible and pass
/// the residual-graph optimality check, as from the trivial basis (debug builds also check dual
/// feasibility after every pivot, which a wrong crash tree or potential would break at once).
#[test]
fn a_crash_basis_leads_to_optimal_flows_on_large_networks() {
    let mut rng = TestRng(29);
    let mut instances = 0;
    while instances < 3 {
        let instance = supply_chain(&mut rng, 60);
        if instance.arcs.len() < CRASH_MIN_ARCS {
            continue;
        }
        instances += 1;
        let network = instance.network();
        let mut solver = Solver::new(&network);
        let flows = solver.solve_cold(&instance.capacities).expect("cold");
        assert_feasible(&instance, &instance.capacities, flows);
        assert_no_negative_cycle(&instance, &instance.capacities, flows);
        let mut capacities = instance.capacities.clone();
        for _ in 0..5 {
            next_month(&mut rng, &instance.capacities, &mut capacities);
            let flows = solver.solve(&capacities).expect("warm");
            assert_feasible(&instance, &capacities, flows);
            assert_no_negative_cycle(&instance, &capacities, flows);
        }
    }
}

/// The case the crash basis is for: a chain of hubs between one mine and one market. From the
/// trivial basis it takes a pivot per hub, each walking a subtree as long as the chain; from
/// the crash basis (the chain itself) a few.
#[test]
fn a_long_chain_is_solved_in_a_few_pivots() {
    let hubs = 3_000;
    // source 0, sink 1, mine 2, hubs 3.., market last.
    let (source, sink, mine, market) = (0, 1, 2, 3 + hubs);
    let mut arcs = Arcs::default();
    arcs.add(source, mine, 0, 100.0);
    let mut from = mine;
    for h in 0..hubs {
        arcs.add(from, 3 + h, 1, 1e4);
        from = 3 + h;
    }
    arcs.add(from, market, 1, 1e4);
    arcs.add(market, sink, TOP_DEMAND_COST, 60.0);
    arcs.add(sink, source, 0, 100.0);
    assert!(arcs.arcs.len() >= CRASH_MIN_ARCS);
    let instance = Instance {
        node_count: market + 1,
        arcs: arcs.arcs,
        capacities: arcs.capacities,
        top_level: Vec::new(),
    };
    let mut solver = Solver::new(&instance.network());
    let flows = solver
        .solve_cold(&instance.capacities)
        .expect("cold")
        .to_vec();
    assert_feasible(&instance, &instance.capacities, &flows);
    assert_no_negative_cycle(&instance, &instance.capacities, &flows);
    assert_eq!(flows[instance.arcs.len() - 2], 60.0, "the demand is met");
    assert!(
        solver.pivots_last_solve() <= 4,
        "{} pivots",
        solver.pivots_last_solve()
    );
}

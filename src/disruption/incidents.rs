//! Compound Poisson outages and the exact time-average of their multiplier per month (SPEC 3).

use crate::engine::stream::Stream;
use crate::model::distribution::Domain;
use crate::model::{DAYS_PER_MONTH, Incidents};

/// Days in a year, for converting a yearly rate into a daily one.
const DAYS_PER_YEAR: f64 = 365.25;

// Substream tags: each quantity has its own stream so that overriding one parameter in a
// variant (say the rate) leaves the draws of the others (targets, severities) aligned.
const RATE: u64 = 0;
const TIMES: u64 = 1;
const TARGETS: u64 = 2;
const SEVERITIES: u64 = 3;
const DURATIONS: u64 = 4;

/// One outage: the target's capacity is multiplied by `factor` on [start, end) days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outage {
    /// Index of the target node in the model.
    pub node: usize,
    /// Start, days from the start of the horizon.
    pub start_day: f64,
    /// End (exclusive), days from the start of the horizon.
    pub end_day: f64,
    /// 1 − severity.
    pub factor: f64,
}

/// Appends the outages of one trial of `process` over `horizon_days` to `out`.
///
/// Event times are a Poisson process with the trial's rate, started at day 0 with no outage in
/// progress: exponential gaps with mean 365.25/rate days. Each event hits one target drawn by
/// weight, with its own severity and duration.
pub fn sample(process: &Incidents, stream: &Stream, horizon_days: f64, out: &mut Vec<Outage>) {
    let rate_per_year = process
        .rate_per_year
        .sample_clipped(&mut stream.substream(RATE), Domain::NonNegative);
    if rate_per_year <= 0.0 {
        return;
    }
    let mean_gap_days = DAYS_PER_YEAR / rate_per_year;
    let total_weight: f64 = process.weights.iter().sum();
    let mut times = stream.substream(TIMES);
    let mut targets = stream.substream(TARGETS);
    let mut severities = stream.substream(SEVERITIES);
    let mut durations = stream.substream(DURATIONS);
    let mut t = 0.0;
    loop {
        // Exponential gap by inversion; uniform_open excludes 0 so the logarithm is finite.
        t += -libm::log(times.uniform_open()) * mean_gap_days;
        if t >= horizon_days {
            break;
        }
        let pick = targets.uniform() * total_weight;
        let mut chosen = process.targets.len() - 1;
        let mut cumulative = 0.0;
        for (i, w) in process.weights.iter().enumerate() {
            cumulative += w;
            if pick < cumulative {
                chosen = i;
                break;
            }
        }
        // A zero-weight target can only be chosen through rounding at the top: step back.
        while process.weights[chosen] == 0.0 && chosen > 0 {
            chosen -= 1;
        }
        let severity = process
            .severity
            .sample_clipped(&mut severities, Domain::UnitInterval);
        let duration = process
            .duration_days
            .sample_clipped(&mut durations, Domain::NonNegative);
        if severity > 0.0 && duration > 0.0 {
            out.push(Outage {
                node: process.targets[chosen].0,
                start_day: t,
                end_day: t + duration,
                factor: 1.0 - severity,
            });
        }
    }
}

/// Work space for [`time_average`], reused across trials (no allocation once grown).
#[derive(Debug, Default, Clone)]
pub struct Sweep {
    /// Per node, where its outages go in `order` (a counting sort, see [`time_average`]).
    bucket: Vec<u32>,
    /// Outage indices grouped by node, ascending within a node.
    order: Vec<usize>,
    /// One node's boundaries by (time, is start, outage), as sort keys (see [`sweep_node`]).
    boundaries: Vec<u128>,
    active: Vec<usize>,
    /// For a node with more than [`LISTED_ACTIVE`] outages: the product of the factors of
    /// those in progress (see [`ProductTree`]).
    tree: ProductTree,
}

impl Sweep {
    /// Work space reserved for `outages` outages at once.
    pub fn with_capacity(outages: usize) -> Self {
        Self {
            bucket: Vec::new(),
            order: Vec::with_capacity(outages),
            boundaries: Vec::with_capacity(2 * outages),
            active: Vec::with_capacity(outages.min(1024)),
            tree: ProductTree::default(),
        }
    }
}

/// Outages in progress at once up to which [`sweep_node`] keeps them in a list and multiplies
/// their factors afresh at every boundary; beyond it, the product comes from a
/// [`ProductTree`], so that a node under many overlapping outages (a high rate with long
/// durations) costs `O(log k)` a boundary instead of `O(k)`.
const LISTED_ACTIVE: usize = 32;

/// A segment tree of products over one node's outages, in index order: a leaf holds the
/// outage's factor while it is in progress and 1 otherwise (and `x · 1 = x` exactly, so the
/// root is the product of the factors in progress), each inner node the product and the count
/// of its subtree's.
#[derive(Debug, Default, Clone)]
struct ProductTree {
    /// Leaves: the outage indices, ascending (a leaf's place is its index's rank).
    outages: Vec<usize>,
    /// Number of leaves, a power of two; the tree's node `i` has children `2i` and `2i + 1`,
    /// and leaf `j` is node `width + j`.
    width: usize,
    product: Vec<f64>,
    count: Vec<u32>,
}

impl ProductTree {
    /// Resets the tree to the outages `events`, none in progress.
    fn reset(&mut self, events: &[usize]) {
        self.outages.clear();
        self.outages.extend_from_slice(events);
        self.outages.sort_unstable();
        self.width = events.len().next_power_of_two();
        self.product.clear();
        self.product.resize(2 * self.width, 1.0);
        self.count.clear();
        self.count.resize(2 * self.width, 0);
    }

    /// Puts outage `outage` in progress with `factor`, or out of it with `None`.
    fn set(&mut self, outage: usize, factor: Option<f64>) {
        let leaf = self
            .outages
            .binary_search(&outage)
            .expect("the outage is one of the node's");
        let mut node = self.width + leaf;
        self.product[node] = factor.unwrap_or(1.0);
        self.count[node] = u32::from(factor.is_some());
        while node > 1 {
            node /= 2;
            self.product[node] = self.product[2 * node] * self.product[2 * node + 1];
            self.count[node] = self.count[2 * node] + self.count[2 * node + 1];
        }
    }

    /// The product of the factors of the outages in progress.
    fn root(&self) -> f64 {
        self.product[1]
    }

    /// Replaces `list` by the outages in progress, ascending. `O(k log n)` for `k` of them.
    fn list_active(&self, list: &mut Vec<usize>) {
        list.clear();
        self.collect(1, list);
    }

    fn collect(&self, node: usize, list: &mut Vec<usize>) {
        if self.count[node] == 0 {
            return;
        }
        if node >= self.width {
            list.push(self.outages[node - self.width]);
            return;
        }
        self.collect(2 * node, list);
        self.collect(2 * node + 1, list);
    }
}

/// A key whose unsigned order is [`f64::total_cmp`]'s order of `x`: negatives (sign bit
/// set) have every bit flipped, the others only the sign bit.
fn total_order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Writes each node's monthly capacity multiplier: the exact time-average over each month of
/// the product of the factors of the outages in progress (overlapping outages multiply).
///
/// `slot_of_node[n]` is the row of node `n` in `out` (rows of `months` values); the rows of
/// nodes with outages are overwritten, the others left as they are (the caller sets them to
/// 1.0); nodes without a slot are ignored. Month m covers [m·L, (m+1)·L) days.
pub fn time_average(
    outages: &[Outage],
    slot_of_node: &[Option<usize>],
    months: usize,
    sweep: &mut Sweep,
    out: &mut [f64],
) {
    let horizon_days = months as f64 * DAYS_PER_MONTH;
    // Grouped by node, by a counting sort (stable: ascending index within a node), in node
    // order: `O(outages + nodes)`, where sorting packed (node, start, index) keys was
    // `O(outages log outages)`. Only the grouping matters: `sweep_node` sorts a node's
    // boundaries by (time, is start, index), a total order, and its product tree sorts the
    // node's outages by index, so neither depends on the order of the events it is given;
    // each node writes its own row.
    assert!(
        outages.len() <= u32::MAX as usize,
        "outage indices fit in 32 bits"
    );
    let nodes = slot_of_node.len();
    let bucket = &mut sweep.bucket;
    bucket.clear();
    bucket.resize(nodes + 1, 0);
    for outage in outages {
        bucket[outage.node + 1] += 1;
    }
    for node in 0..nodes {
        bucket[node + 1] += bucket[node];
    }
    sweep.order.clear();
    sweep.order.resize(outages.len(), 0);
    for (index, outage) in outages.iter().enumerate() {
        let place = &mut bucket[outage.node];
        sweep.order[*place as usize] = index;
        *place += 1;
    }
    let mut i = 0;
    while i < sweep.order.len() {
        let node = outages[sweep.order[i]].node;
        let mut j = i;
        while j < sweep.order.len() && outages[sweep.order[j]].node == node {
            j += 1;
        }
        if let Some(slot) = slot_of_node[node] {
            let row = &mut out[slot * months..(slot + 1) * months];
            sweep_node(
                outages,
                &sweep.order[i..j],
                horizon_days,
                &mut sweep.boundaries,
                &mut sweep.active,
                &mut sweep.tree,
                row,
            );
        }
        i = j;
    }
}

/// Integrates one node's loss of capacity over each month, then turns it into a multiplier.
///
/// While at most [`LISTED_ACTIVE`] outages are in progress, their product is taken over a
/// list, afresh at each boundary: the list in start order, sorted by index after each end.
/// From the first time more are in progress, the node keeps a [`ProductTree`] besides, whose
/// root gives the product while more are (the same factors, multiplied in another order), and
/// which lists them again, sorted by index, when an end brings them back down to the limit. (The
/// list's order fixes the rounding of the product, so results are those of the list alone
/// whenever the limit is never passed.)
fn sweep_node(
    outages: &[Outage],
    events: &[usize],
    horizon_days: f64,
    boundaries: &mut Vec<u128>,
    active: &mut Vec<usize>,
    tree: &mut ProductTree,
    row: &mut [f64],
) {
    // Each boundary's time: an outage's start, or its end cut at the horizon.
    let time_of = |e: usize, is_start: bool| {
        if is_start {
            outages[e].start_day
        } else {
            outages[e].end_day.min(horizon_days)
        }
    };
    // Sorted by (time by `total_cmp`, ends before starts at equal times: [t, t+d) is
    // half-open, outage index), packed into one integer key per boundary. Each outage has one
    // start and one end, so that is a total order and an unstable sort (in place) gives the
    // same order as a stable one. An outage of no length (a duration below the resolution of
    // its start day) covers no time and is left out: its end would sort before its start.
    boundaries.clear();
    for &e in events {
        if time_of(e, false) <= time_of(e, true) {
            continue;
        }
        for is_start in [true, false] {
            boundaries.push(
                u128::from(total_order_key(time_of(e, is_start))) << 64
                    | u128::from(is_start) << 32
                    | e as u128,
            );
        }
    }
    boundaries.sort_unstable();
    // Whether the tree is kept: from the first time more than `LISTED_ACTIVE` are in progress.
    let mut tree_kept = false;
    active.clear();
    // Outages in progress; while more than `LISTED_ACTIVE`, `active` is not kept.
    let mut in_progress = 0;
    // `row` holds the loss (day-weighted 1 − multiplier) while sweeping.
    for value in row.iter_mut() {
        *value = 0.0;
    }
    let mut previous = 0.0;
    for &key in boundaries.iter() {
        let e = key as u32 as usize;
        let is_start = (key >> 32) & 1 == 1;
        let time = time_of(e, is_start);
        if time > previous && in_progress > 0 {
            // The product of active factors, recomputed (no division, so factors of 0 are
            // exact).
            let product: f64 = if in_progress > LISTED_ACTIVE {
                tree.root()
            } else {
                active.iter().map(|&a| outages[a].factor).product()
            };
            add_loss(row, previous, time, 1.0 - product);
        }
        if time > previous {
            previous = time;
        }
        if is_start {
            in_progress += 1;
            if in_progress <= LISTED_ACTIVE {
                active.push(e);
            } else if !tree_kept {
                tree.reset(events);
                for &a in active.iter() {
                    tree.set(a, Some(outages[a].factor));
                }
                tree_kept = true;
            }
            if tree_kept {
                tree.set(e, Some(outages[e].factor));
            }
        } else {
            if tree_kept {
                tree.set(e, None);
            }
            in_progress -= 1;
            if in_progress == LISTED_ACTIVE {
                tree.list_active(active);
            } else if in_progress < LISTED_ACTIVE {
                let pos = active
                    .iter()
                    .position(|&a| a == e)
                    .expect("an outage ends after it starts");
                active.swap_remove(pos);
                active.sort_unstable();
            }
        }
    }
    for value in row.iter_mut() {
        *value = 1.0 - *value / DAYS_PER_MONTH;
    }
}

/// Adds `rate` × (overlap in days) to each month that [from, to) overlaps.
fn add_loss(row: &mut [f64], from: f64, to: f64, rate: f64) {
    if rate <= 0.0 {
        return;
    }
    let months = row.len();
    let mut a = from;
    let mut month = (a / DAYS_PER_MONTH) as usize;
    while a < to && month < months {
        let month_end = (month + 1) as f64 * DAYS_PER_MONTH;
        if month_end <= a {
            month += 1;
            continue;
        }
        let b = to.min(month_end);
        row[month] += rate * (b - a);
        a = b;
        month += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outage(node: usize, start: f64, end: f64, factor: f64) -> Outage {
        Outage {
            node,
            start_day: start,
            end_day: end,
            factor,
        }
    }

    #[test]
    fn sort_keys_order_floats_as_total_cmp_does() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1e-300,
            0.5,
            30.4375,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ];
        for a in values {
            for b in values {
                assert_eq!(
                    total_order_key(a).cmp(&total_order_key(b)),
                    a.total_cmp(&b),
                    "{a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn time_average_of_single_and_overlapping_outages_is_exact() {
        let l = DAYS_PER_MONTH;
        let outages = [
            // Node 0: a full outage over the second half of month 0.
            outage(0, 0.5 * l, l, 0.0),
            // Node 1: half severity on [0.25L, 0.75L) and another on [0.5L, 1.5L).
            outage(1, 0.25 * l, 0.75 * l, 0.5),
            outage(1, 0.5 * l, 1.5 * l, 0.5),
        ];
        let slots = [Some(0), Some(1)];
        let mut out = vec![1.0; 4];
        time_average(&outages, &slots, 2, &mut Sweep::default(), &mut out);
        assert!((out[0] - 0.5).abs() < 1e-12, "{out:?}");
        assert!((out[1] - 1.0).abs() < 1e-12, "{out:?}");
        // Month 0 of node 1: [0.25,0.5) at 0.5, [0.5,0.75) at 0.25, [0.75,1) at 0.5 →
        // loss = 0.25·0.5 + 0.25·0.75 + 0.25·0.5 = 0.4375.
        assert!((out[2] - (1.0 - 0.4375)).abs() < 1e-12, "{out:?}");
        // Month 1: [1, 1.5) at 0.5 → loss 0.25.
        assert!((out[3] - 0.75).abs() < 1e-12, "{out:?}");
    }

    /// The same arithmetic in literal days, so that a wrong month length fails: SPEC 2 fixes a
    /// month at 365.25 / 12 = 30.4375 days, month m covering [30.4375·m, 30.4375·(m + 1)).
    /// With 30 days a month, the first case would give 2/3 and the second would lose nothing
    /// in month 0 (its outage would fall wholly in month 1).
    #[test]
    fn months_are_a_twelfth_of_a_julian_year() {
        assert_eq!(DAYS_PER_MONTH, 365.25 / 12.0);
        // A full outage over days [0, 10) of node 0: month 0 keeps 1 − 10/30.4375.
        // A full outage over days [30, 31) of node 1 straddles the month boundary at
        // 30.4375: month 0 loses 0.4375 days, month 1 loses 0.5625.
        let outages = [outage(0, 0.0, 10.0, 0.0), outage(1, 30.0, 31.0, 0.0)];
        let mut out = vec![1.0; 4];
        time_average(
            &outages,
            &[Some(0), Some(1)],
            2,
            &mut Sweep::default(),
            &mut out,
        );
        let expected = [
            1.0 - 10.0 / 30.4375,
            1.0,
            1.0 - 0.4375 / 30.4375,
            1.0 - 0.5625 / 30.4375,
        ];
        for (got, want) in out.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{out:?} vs {expected:?}");
        }
    }

    /// [`time_average`] of outages all on node 0, over `months` months.
    fn one_node(outages: &[Outage], months: usize) -> Vec<f64> {
        let mut out = vec![1.0; months];
        time_average(outages, &[Some(0)], months, &mut Sweep::default(), &mut out);
        out
    }

    /// The time-average by brute force: on each piece between consecutive boundaries, the
    /// product of the factors of every outage covering it.
    fn reference(outages: &[Outage], months: usize) -> Vec<f64> {
        let horizon = months as f64 * DAYS_PER_MONTH;
        let mut times: Vec<f64> = outages
            .iter()
            .flat_map(|o| [o.start_day, o.end_day.min(horizon)])
            .chain((0..=months).map(|m| m as f64 * DAYS_PER_MONTH))
            .collect();
        times.sort_by(f64::total_cmp);
        let mut loss = vec![0.0; months];
        for piece in times.windows(2) {
            let (a, b) = (piece[0], piece[1]);
            if b <= a || a >= horizon {
                continue;
            }
            let product: f64 = outages
                .iter()
                .filter(|o| o.start_day <= a && o.end_day >= b)
                .map(|o| o.factor)
                .product();
            let month = ((a / DAYS_PER_MONTH) as usize).min(months - 1);
            loss[month] += (1.0 - product) * (b - a);
        }
        loss.iter().map(|l| 1.0 - l / DAYS_PER_MONTH).collect()
    }

    /// A node under hundreds of overlapping outages (more than `LISTED_ACTIVE` in progress,
    /// then fewer, then more again) gets the same multipliers as the brute force, up to the
    /// rounding of products taken in another order.
    #[test]
    fn crowded_nodes_multiply_every_outage_in_progress() {
        let months = 12;
        let mut outages = Vec::new();
        // Waves: 120 outages of ~2 months each starting over the first 3 months, a lull,
        // then 80 more; factors in (0.9, 1) so that the product stays well above 0.
        for i in 0..200 {
            let start = if i < 120 {
                i as f64 * 0.7
            } else {
                200.0 + (i - 120) as f64 * 0.9
            };
            let duration = 55.0 + (i % 7) as f64 * 3.1;
            let factor = 0.9 + 0.0005 * (i % 97) as f64;
            outages.push(outage(0, start, start + duration, factor));
        }
        let out = one_node(&outages, months);
        let want = reference(&outages, months);
        for (m, (got, want)) in out.iter().zip(&want).enumerate() {
            assert!((got - want).abs() < 1e-12, "month {m}: {got} vs {want}");
        }
        // A month's multiplier this low needs more than 32 factors of at most 0.948 in
        // progress at once (0.948^32 = 0.18): the tree was used.
        assert!(want.iter().cloned().fold(1.0, f64::min) < 0.9_f64.powi(40));
    }

    /// The sweep as it was before the tree: the list alone, whatever the number in progress.
    fn listed_only(outages: &[Outage], months: usize) -> Vec<f64> {
        let horizon = months as f64 * DAYS_PER_MONTH;
        let time_of = |e: usize, is_start: bool| {
            if is_start {
                outages[e].start_day
            } else {
                outages[e].end_day.min(horizon)
            }
        };
        let mut boundaries: Vec<u128> = (0..outages.len())
            .flat_map(|e| {
                [true, false].map(|is_start| {
                    u128::from(total_order_key(time_of(e, is_start))) << 64
                        | u128::from(is_start) << 32
                        | e as u128
                })
            })
            .collect();
        boundaries.sort_unstable();
        let (mut active, mut row, mut previous) = (Vec::new(), vec![0.0; months], 0.0);
        for key in boundaries {
            let e = key as u32 as usize;
            let is_start = (key >> 32) & 1 == 1;
            let time = time_of(e, is_start);
            if time > previous && !active.is_empty() {
                let product: f64 = active.iter().map(|&a: &usize| outages[a].factor).product();
                add_loss(&mut row, previous, time, 1.0 - product);
            }
            previous = time.max(previous);
            if is_start {
                active.push(e);
            } else if let Some(pos) = active.iter().position(|&a| a == e) {
                active.swap_remove(pos);
                active.sort_unstable();
            }
        }
        row.iter().map(|l| 1.0 - l / DAYS_PER_MONTH).collect()
    }

    /// A node with many outages, but never more than `LISTED_ACTIVE` in progress, gets the
    /// list's multipliers bit for bit: the tree only decides when more are.
    #[test]
    fn the_tree_changes_nothing_below_the_limit() {
        let months = 24;
        // 100 outages, ten in progress at a time, started out of index
        // order (two processes' outages interleave), so that the list's order matters.
        let outages: Vec<Outage> = (0..100)
            .map(|i| {
                let start = ((i * 37) % 100) as f64 * 7.0;
                // Factors near 1 with full mantissas: a product taken in another order rounds
                // differently, and 1 − product keeps the difference.
                let factor = 0.999 + 0.001 * (i as f64 * 0.618_033_988_749_895).fract();
                outage(0, start, start + 70.0, factor)
            })
            .collect();
        let out = one_node(&outages, months);
        let listed = listed_only(&outages, months);
        assert_eq!(
            out.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            listed.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        let want = reference(&outages, months);
        for (got, want) in out.iter().zip(&want) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    /// An outage shorter than the resolution of its start day has no length: it covers no
    /// time (it used to be taken as lasting to the horizon, its end sorting before its start).
    #[test]
    fn an_outage_of_no_length_costs_nothing() {
        let start = 100.0;
        let end = start + 1e-20;
        assert_eq!(end, start);
        // The row starts at 0.5, so that 1 can only come from the sweep.
        let outages = [outage(0, start, end, 0.0)];
        let mut out = vec![0.5; 6];
        time_average(&outages, &[Some(0)], 6, &mut Sweep::default(), &mut out);
        assert_eq!(out, vec![1.0; 6]);
    }

    #[test]
    fn outages_past_the_horizon_are_cut() {
        let l = DAYS_PER_MONTH;
        let outages = [outage(0, 0.5 * l, 10.0 * l, 0.0)];
        let mut out = vec![1.0; 2];
        time_average(&outages, &[Some(0)], 2, &mut Sweep::default(), &mut out);
        assert!((out[0] - 0.5).abs() < 1e-12);
        assert!(out[1].abs() < 1e-12);
    }
}

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
    /// Outages by (node, start, index), as sort keys (see [`time_average`]), then as indices.
    keys: Vec<u128>,
    order: Vec<usize>,
    /// One node's boundaries by (time, is start, outage), as sort keys (see [`sweep_node`]).
    boundaries: Vec<u128>,
    active: Vec<usize>,
}

impl Sweep {
    /// Work space reserved for `outages` outages at once.
    pub fn with_capacity(outages: usize) -> Self {
        Self {
            keys: Vec::with_capacity(outages),
            order: Vec::with_capacity(outages),
            boundaries: Vec::with_capacity(2 * outages),
            active: Vec::with_capacity(outages.min(1024)),
        }
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
    // By node, then start (`total_cmp`), then index: a deterministic order whatever the order
    // processes were sampled in. The three are packed into one integer key (node and index
    // below 2^32), so the sort compares integers; the key ends with the index, a total order,
    // so an unstable sort (in place, no buffer to allocate, unlike the stable one on long
    // inputs) gives the same order as a stable one.
    assert!(
        outages.len() <= u32::MAX as usize && slot_of_node.len() <= u32::MAX as usize,
        "outage and node indices fit in 32 bits"
    );
    sweep.keys.clear();
    sweep
        .keys
        .extend(outages.iter().enumerate().map(|(index, outage)| {
            (outage.node as u128) << 96
                | u128::from(total_order_key(outage.start_day)) << 32
                | index as u128
        }));
    sweep.keys.sort_unstable();
    sweep.order.clear();
    sweep
        .order
        .extend(sweep.keys.iter().map(|&key| key as u32 as usize));
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
                row,
            );
        }
        i = j;
    }
}

/// Integrates one node's loss of capacity over each month, then turns it into a multiplier.
fn sweep_node(
    outages: &[Outage],
    events: &[usize],
    horizon_days: f64,
    boundaries: &mut Vec<u128>,
    active: &mut Vec<usize>,
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
    // same order as a stable one.
    boundaries.clear();
    for &e in events {
        for is_start in [true, false] {
            boundaries.push(
                u128::from(total_order_key(time_of(e, is_start))) << 64
                    | u128::from(is_start) << 32
                    | e as u128,
            );
        }
    }
    boundaries.sort_unstable();
    active.clear();
    // `row` holds the loss (day-weighted 1 − multiplier) while sweeping.
    for value in row.iter_mut() {
        *value = 0.0;
    }
    let mut previous = 0.0;
    for &key in boundaries.iter() {
        let e = key as u32 as usize;
        let is_start = (key >> 32) & 1 == 1;
        let time = time_of(e, is_start);
        if time > previous && !active.is_empty() {
            // The product of active factors, recomputed (no division, so factors of 0 are exact).
            let product: f64 = active.iter().map(|&a| outages[a].factor).product();
            add_loss(row, previous, time, 1.0 - product);
        }
        if time > previous {
            previous = time;
        }
        if is_start {
            active.push(e);
        } else if let Some(pos) = active.iter().position(|&a| a == e) {
            active.swap_remove(pos);
            active.sort_unstable();
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

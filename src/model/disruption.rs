//! Disruption processes as validated data: incidents, regimes and projects (SPEC 3).
//!
//! Sampling lives in `crate::disruption`; this module only describes the processes.

use crate::model::distribution::Distribution;
use crate::model::network::{CommodityId, Country, NodeId};

/// Compound Poisson outages: events at a rate, each hitting one target by weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Incidents {
    /// Events per year, drawn once per trial.
    pub rate_per_year: Distribution,
    /// Nodes an event may hit.
    pub targets: Vec<NodeId>,
    /// Relative weight of each target (same length as `targets`, not all zero).
    pub weights: Vec<f64>,
    /// Fraction of capacity lost by an event, drawn per event, clipped to [0, 1].
    pub severity: Distribution,
    /// Length of an outage in days, drawn per event, clipped to ≥ 0.
    pub duration_days: Distribution,
}

/// One effect of a regime state on export edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Index of the state in which the effect applies.
    pub state: usize,
    /// Edges whose from-node is in this country and whose to-node is not.
    pub exporter: Country,
    /// Only edges whose to-node is in one of these countries (`None`: any).
    pub importers: Option<Vec<Country>>,
    /// Only these commodities (`None`: all).
    pub commodities: Option<Vec<CommodityId>>,
    /// Multiplies those edges' capacity during the month.
    pub factor: f64,
}

impl Effect {
    /// Whether the effect touches an edge from a node in `from` to a node in `to`, carrying `c`.
    pub fn applies(&self, from: Country, to: Country, c: CommodityId) -> bool {
        from == self.exporter
            && to != self.exporter
            && self
                .importers
                .as_ref()
                .is_none_or(|list| list.contains(&to))
            && self
                .commodities
                .as_ref()
                .is_none_or(|list| list.contains(&c))
    }
}

/// A discrete-time Markov chain with one step per month.
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    /// State names.
    pub states: Vec<String>,
    /// Probability of each state in month 0.
    pub initial: Vec<f64>,
    /// Row = this month's state, column = next month's; each row sums to 1.
    pub transitions: Vec<Vec<f64>>,
    /// What each state does to export edges.
    pub effects: Vec<Effect>,
}

impl Regime {
    /// The long-run share of months in each state, starting from `initial`: the Cesàro limit
    /// lim (1/N) Σ_{m<N} π_0 P^m, which is the stationary distribution π = πP when the chain
    /// has one (irreducible, periodic or not) and otherwise weighs each closed class by the
    /// chance of ending in it from `initial`.
    ///
    /// Computed as π_0 L^(2^64) for the lazy chain L = (I + P) / 2, which has the same limits
    /// and is aperiodic, by 64 squarings: exact to rounding even for chains that mix over
    /// millions of months (a power iteration of a few thousand steps is not). Each squared row
    /// is divided by its sum: rounding moves a row's sum off 1 by a few ulps, and 64 squarings
    /// would raise that error to the power 2^64 (to infinity or 0). A chain that needs more
    /// than 2^64 months to leave a state (a monthly chance below ~10^-19) is shown as staying.
    /// Cost 64·n³ for n states: a millisecond at 30 states.
    pub fn long_run_shares(&self) -> Vec<f64> {
        let n = self.states.len();
        let normalised = |rows: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            rows.into_iter()
                .map(|row| {
                    let total: f64 = row.iter().sum();
                    row.iter().map(|x| x / total).collect()
                })
                .collect()
        };
        let mut power = normalised(
            (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| 0.5 * self.transitions[i][j] + if i == j { 0.5 } else { 0.0 })
                        .collect()
                })
                .collect(),
        );
        for _ in 0..64 {
            power = normalised(
                (0..n)
                    .map(|i| {
                        (0..n)
                            .map(|j| (0..n).map(|k| power[i][k] * power[k][j]).sum())
                            .collect()
                    })
                    .collect(),
            );
        }
        let long_run: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| self.initial[i] * power[i][j]).sum())
            .collect();
        let total: f64 = long_run.iter().sum();
        long_run.iter().map(|p| p / total).collect()
    }
}

/// New capacity that may come late, small, or never.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Nodes that the project brings online (they share one draw).
    pub targets: Vec<NodeId>,
    /// Chance that the project ever produces, drawn once per trial, clipped to [0, 1].
    pub success_probability: Distribution,
    /// Month the targets come online (floored), drawn once per trial.
    pub online_month: Distribution,
    /// Months of linear ramp to full output (0: a step), drawn once per trial, clipped to ≥ 0.
    pub ramp_months: Distribution,
    /// Share of nameplate reached, drawn once per trial, clipped to ≥ 0 (may exceed 1).
    pub capacity_factor: Distribution,
}

/// The kind of a disruption and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Process {
    /// Security incidents and similar outages.
    Incidents(Incidents),
    /// Export-control regimes and similar state-dependent effects.
    Regime(Regime),
    /// A new project's capacity.
    Project(Project),
}

impl Process {
    /// The kind's name in scenario files.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Process::Incidents(_) => "incidents",
            Process::Regime(_) => "regime",
            Process::Project(_) => "project",
        }
    }

    /// Target nodes (empty for regimes, which act on edges).
    pub fn targets(&self) -> &[NodeId] {
        match self {
            Process::Incidents(p) => &p.targets,
            Process::Project(p) => &p.targets,
            Process::Regime(_) => &[],
        }
    }
}

/// A named disruption process.
#[derive(Debug, Clone, PartialEq)]
pub struct Disruption {
    /// Identifier, `[a-z0-9_]+`; its random stream is `disruption/<id>`.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
    /// What it does.
    pub process: Process,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regime(initial: &[f64], transitions: &[&[f64]]) -> Regime {
        Regime {
            states: (0..initial.len()).map(|i| format!("s{i}")).collect(),
            initial: initial.to_vec(),
            transitions: transitions.iter().map(|row| row.to_vec()).collect(),
            effects: Vec::new(),
        }
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn the_long_run_share_is_the_stationary_distribution_of_an_irreducible_chain() {
        // π = πP with Σπ = 1 for [[0.85, 0.10, 0.05], [0.20, 0.70, 0.10], [0.05, 0.15, 0.80]],
        // solved in exact fractions: π = (18, 11, 10) / 39, whatever the start.
        let three = regime(
            &[1.0, 0.0, 0.0],
            &[
                &[0.85, 0.10, 0.05],
                &[0.20, 0.70, 0.10],
                &[0.05, 0.15, 0.80],
            ],
        );
        let pi = three.long_run_shares();
        let next: Vec<f64> = (0..3)
            .map(|j| (0..3).map(|i| pi[i] * three.transitions[i][j]).sum())
            .collect();
        assert_close(&next, &pi);
        assert_close(&pi, &[18.0 / 39.0, 11.0 / 39.0, 10.0 / 39.0]);
        // A slow, asymmetric two-state chain: π = (q, p) / (p + q) = (0.9, 0.1), though it
        // mixes over ~1000 months (a 20,000-step average from the uniform start is 2 points off).
        let slow = regime(&[0.5, 0.5], &[&[0.9999, 0.0001], &[0.0009, 0.9991]]);
        assert_close(&slow.long_run_shares(), &[0.9, 0.1]);
        // A periodic chain alternates: half the months in each state.
        let periodic = regime(&[1.0, 0.0], &[&[0.0, 1.0], &[1.0, 0.0]]);
        assert_close(&periodic.long_run_shares(), &[0.5, 0.5]);
    }

    #[test]
    fn a_chain_with_two_absorbing_states_ends_in_each_by_its_odds_from_the_start() {
        // From s0 each month: stay 0.97, to s1 0.02, to s2 0.01; s1 and s2 absorb. Starting in
        // s0 the chain ends in s1 with probability 2/3 and in s2 with 1/3 (a uniform start
        // would give 1/3 + 1/3 · 2/3 = 5/9 and 4/9).
        let absorbing = regime(
            &[1.0, 0.0, 0.0],
            &[&[0.97, 0.02, 0.01], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]],
        );
        assert_close(&absorbing.long_run_shares(), &[0.0, 2.0 / 3.0, 1.0 / 3.0]);
        // A leak of 10^-15 a month still ends in the absorbing state over 2^64 months.
        let leak = regime(
            &[1.0, 0.0, 0.0],
            &[
                &[1.0 - 1e-15, 1e-15, 0.0],
                &[0.0, 1.0, 0.0],
                &[0.0, 0.0, 1.0],
            ],
        );
        assert_close(&leak.long_run_shares(), &[0.0, 1.0, 0.0]);
    }

    #[test]
    fn long_run_shares_are_stationary_for_random_chains() {
        // 3,000 chains of 2 to 6 states with two-decimal rows (zeros included, so many are
        // reducible or periodic), from a fixed linear congruential sequence: the long-run
        // shares are finite, sum to 1 and satisfy πP = π (true of the Cesàro limit of any
        // chain, from any start).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        for _ in 0..3000 {
            let n = 2 + next(5) as usize;
            let rows: Vec<Vec<f64>> = (0..n)
                .map(|_| {
                    // Split 100 hundredths among the states at random cut points.
                    let mut cuts: Vec<u64> = (0..n - 1).map(|_| next(101)).collect();
                    cuts.push(0);
                    cuts.push(100);
                    cuts.sort_unstable();
                    cuts.windows(2)
                        .map(|w| (w[1] - w[0]) as f64 / 100.0)
                        .collect()
                })
                .collect();
            let start = next(n as u64) as usize;
            let mut initial = vec![0.0; n];
            initial[start] = 1.0;
            let chain = Regime {
                states: (0..n).map(|i| format!("s{i}")).collect(),
                initial,
                transitions: rows,
                effects: Vec::new(),
            };
            let pi = chain.long_run_shares();
            assert!(
                pi.iter().all(|p| p.is_finite() && *p >= 0.0),
                "{chain:?}: {pi:?}"
            );
            assert!(
                (pi.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                "{chain:?}: {pi:?}"
            );
            for j in 0..n {
                let flow: f64 = (0..n).map(|i| pi[i] * chain.transitions[i][j]).sum();
                assert!((flow - pi[j]).abs() < 1e-9, "{chain:?}: {pi:?}");
            }
        }
    }

    #[test]
    fn rounding_does_not_compound_over_the_squarings() {
        // Matrices whose rows sum to 1 only up to rounding, for which squaring 64 times
        // without renormalising gave NaN or all zeros (review). Exact answers, in fractions:
        // a 2-state block, π = (0.98, 0.27) / 1.25, beside an unreachable absorbing state;
        let block = regime(
            &[1.0, 0.0, 0.0],
            &[&[0.73, 0.27, 0.0], &[0.98, 0.02, 0.0], &[0.0, 0.0, 1.0]],
        );
        assert_close(&block.long_run_shares(), &[0.784, 0.216, 0.0]);
        // an irreducible 3-state chain: π = (2902, 4472, 7735) / 15109, by Gaussian
        // elimination in exact fractions;
        let three = regime(
            &[1.0, 0.0, 0.0],
            &[
                &[0.09, 0.13, 0.78],
                &[0.21, 0.12, 0.67],
                &[0.22, 0.46, 0.32],
            ],
        );
        let pi = three.long_run_shares();
        assert_close(&pi, &[2902.0 / 15109.0, 4472.0 / 15109.0, 7735.0 / 15109.0]);
        // a row that sums to 1 + 10^-7, which validation accepts (within 10^-6): the chain
        // is read as its rows divided by their sums.
        let loose = regime(&[1.0, 0.0], &[&[0.9 + 1e-7, 0.1], &[0.3, 0.7]]);
        let shares = loose.long_run_shares();
        assert!(shares.iter().all(|p| p.is_finite()), "{shares:?}");
        assert!((shares[0] - 0.75).abs() < 1e-6, "{shares:?}");
    }
}

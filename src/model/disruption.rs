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
    /// The stationary distribution π = πP, by power iteration from the uniform vector
    /// averaged over iterations (Cesàro mean), so periodic chains converge too.
    pub fn stationary(&self) -> Vec<f64> {
        let n = self.states.len();
        let mut current = vec![1.0 / n as f64; n];
        let mut average = vec![0.0; n];
        let iterations = 20_000;
        for _ in 0..iterations {
            let mut next = vec![0.0; n];
            for (i, p) in current.iter().enumerate() {
                for (j, q) in self.transitions[i].iter().enumerate() {
                    next[j] += p * q;
                }
            }
            current = next;
            for (a, c) in average.iter_mut().zip(&current) {
                *a += c;
            }
        }
        let total: f64 = average.iter().sum();
        average.iter().map(|a| a / total).collect()
    }

    /// Distribution of the state in month `month` (month 0 = `initial`): exact propagation.
    pub fn state_distribution(&self, month: u32) -> Vec<f64> {
        let n = self.states.len();
        let mut current = self.initial.clone();
        for _ in 0..month {
            let mut next = vec![0.0; n];
            for (i, p) in current.iter().enumerate() {
                for (j, q) in self.transitions[i].iter().enumerate() {
                    next[j] += p * q;
                }
            }
            current = next;
        }
        current
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

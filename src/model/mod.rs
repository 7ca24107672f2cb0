//! The validated scenario model: network, disruption processes, variants.
//!
//! Everything here has passed validation (`crate::scenario`): ids resolve, numbers are finite
//! and in their domains, the network is acyclic, exactly one variant is the baseline. Code
//! downstream never re-checks.

pub mod disruption;
pub mod distribution;
pub mod network;
pub mod time;
pub mod variant;

pub use disruption::{Disruption, Effect, Incidents, Process, Project, Regime};
pub use distribution::Distribution;
pub use network::{
    Commodity, CommodityId, Country, Edge, EdgeId, Market, Network, Node, NodeId, NodeKind,
};
pub use time::{DAYS_PER_MONTH, YearMonth};
pub use variant::Variant;

/// Default number of trials when the scenario does not say.
pub const DEFAULT_TRIALS: u64 = 20_000;
/// Largest accepted number of trials.
pub const MAX_TRIALS: u64 = 1_000_000_000_000;
/// Largest accepted horizon in months (100 years): monthly statistics grow with it.
pub const MAX_HORIZON_MONTHS: u32 = 1200;
/// Most countries in `dependency_on`: origin tracing keeps one bit per country in a `u64`
/// mask (`engine::plan`), and the engine's per-trial sums are arrays of this length.
pub const MAX_DEPENDENCY_COUNTRIES: usize = 64;
/// Default `shortfall_threshold`.
pub const DEFAULT_SHORTFALL_THRESHOLD: f64 = 0.10;

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Scenario name (defaults to the file's stem).
    pub name: String,
    /// Optional free-text description for reports.
    pub description: Option<String>,
    /// First month of the horizon.
    pub start: YearMonth,
    /// Number of months simulated.
    pub horizon_months: u32,
    /// Default number of trials.
    pub trials: u64,
    /// Default seed.
    pub seed: u64,
    /// The market whose dependency and shortfall are reported.
    pub focus_market: NodeId,
    /// Countries whose involvement counts as dependency, in file order.
    pub dependency_on: Vec<Country>,
    /// A share of demand unmet above this is a serious shortfall.
    pub shortfall_threshold: f64,
    /// Commodities, nodes and edges before any variant.
    pub network: Network,
    /// Disruption processes before any variant.
    pub disruptions: Vec<Disruption>,
    /// Variants in file order (a single `base` when the file has none).
    pub variants: Vec<Variant>,
}

impl Model {
    /// Index of the baseline variant.
    pub fn baseline(&self) -> usize {
        self.variants
            .iter()
            .position(|v| v.baseline)
            .expect("validation guarantees exactly one baseline")
    }

    /// Commodities reported for the focus market: those with positive demand there in any
    /// variant, in file order.
    pub fn reported_commodities(&self) -> Vec<CommodityId> {
        (0..self.network.commodities.len())
            .map(CommodityId)
            .filter(|&c| {
                self.variants
                    .iter()
                    .any(|v| v.nodes[self.focus_market.0].demand_t_per_year(c) > 0.0)
            })
            .collect()
    }

    /// The month label (`YYYY-MM`) of month index `month`.
    pub fn month_label(&self, month: u32) -> String {
        self.start.plus(month).to_string()
    }
}

//! Variants of the network: what each disables and overrides, and which is the baseline.

use crate::model::disruption::Disruption;
use crate::model::network::Node;

/// One variant, fully resolved: its own copies of nodes and disruptions after `set`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Identifier, `[a-z0-9_]+`.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
    /// Whether reductions are measured against this variant.
    pub baseline: bool,
    /// Per node (file order): removed in this variant, with its edges.
    pub node_disabled: Vec<bool>,
    /// Per disruption (file order): switched off in this variant.
    pub disruption_disabled: Vec<bool>,
    /// The nodes with this variant's overrides applied (same order as the model's).
    pub nodes: Vec<Node>,
    /// The disruptions with this variant's overrides applied (same order as the model's).
    pub disruptions: Vec<Disruption>,
    /// The `disable` patterns as written, for display.
    pub disable_patterns: Vec<String>,
    /// The `set` overrides as written (`key = value`), for display.
    pub overrides: Vec<(String, String)>,
}

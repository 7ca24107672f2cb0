//! The validated scenario model: network, disruption processes, variants.

pub mod distribution;

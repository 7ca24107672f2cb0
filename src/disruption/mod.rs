//! Sampling the disruption processes of one trial: incidents, regimes and projects.
//!
//! Every function takes its random stream explicitly (a pure function of seed, trial and the
//! process's key), so the same trial gives the same draws in every variant, thread and shard.

pub mod incidents;
pub mod project;
pub mod regime;

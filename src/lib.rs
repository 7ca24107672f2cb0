//! supplyrisk: a Monte Carlo simulator of supply-chain dependency risk.
//!
//! It answers "if this new source of supply comes online, how much less dependent
//! is a market on a country, and how sure are we?" by sampling disruptions across a
//! network of mines, refineries, hubs and markets, routing what is left every month,
//! and comparing a variant of the network with a baseline, trial by trial.
//!
//! Data flows one way:
//!
//! ```text
//! scenario file ──load──▶ spanned TOML ──validate──▶ Model (network, processes, variants)
//!    ──engine (trials in fixed chunks, rayon)──▶ Outcomes (exactly mergeable accumulators)
//!    ──stats──▶ Summary ──report──▶ json / csv / md bytes ──write──▶ output/<name>/
//!                       └──plot──▶ png bytes
//! ```
//!
//! `model`, `disruption`, `engine` and `stats` never touch the file system, the
//! terminal or the clock: a whole run is a function call.

#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod disruption;
pub mod engine;
pub mod model;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod stats;

//! The Monte Carlo engine: random streams, monthly allocation, trials and runs.

pub mod allocation;
pub mod mirror;
pub mod outcome;
pub mod plan;
pub mod run;
pub mod stream;
pub mod trial;

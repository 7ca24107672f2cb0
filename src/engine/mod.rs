//! The Monte Carlo engine: random streams, monthly allocation, trials and runs.

pub mod allocation;
pub mod stream;

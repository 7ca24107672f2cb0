//! Probability distributions of scenario inputs, with exact, portable samplers.

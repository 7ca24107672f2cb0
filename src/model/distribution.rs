//! Probability distributions of scenario inputs (temporary stub; replaced by the sampling branch).

use std::fmt;

/// A domain error in a distribution's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// The parameter at fault.
    pub key: &'static str,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// A distribution of a scenario input.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// A constant.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
}

impl Distribution {
    /// A constant.
    pub fn fixed(value: f64) -> Self {
        Distribution::Fixed { value }
    }
    /// Uniform on [min, max].
    pub fn uniform(min: f64, max: f64) -> Result<Self, ParamError> {
        if min > max {
            return Err(ParamError {
                key: "max",
                message: format!("max ({max}) must not be below min ({min})"),
            });
        }
        Ok(Distribution::Uniform { min, max })
    }
    /// Mean.
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Fixed { value } => *value,
            Distribution::Uniform { min, max } => 0.5 * (min + max),
        }
    }
    /// Whether the distribution is a constant.
    pub fn as_fixed(&self) -> Option<f64> {
        match self {
            Distribution::Fixed { value } => Some(*value),
            _ => None,
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::Fixed { value } => write!(f, "{value}"),
            Distribution::Uniform { min, max } => write!(f, "uniform({min}, {max})"),
        }
    }
}

#[allow(missing_docs, clippy::missing_errors_doc)]
impl Distribution {
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, ParamError> {
        Self::uniform(min + 0.0 * mode, max)
    }
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Self, ParamError> {
        Self::uniform(min + 0.0 * mode, max)
    }
    pub fn normal(
        mean: f64,
        sd: f64,
        _min: Option<f64>,
        _max: Option<f64>,
    ) -> Result<Self, ParamError> {
        Self::uniform(mean - sd, mean + sd)
    }
    pub fn lognormal_median_p90(median: f64, p90: f64) -> Result<Self, ParamError> {
        Self::uniform(median, p90)
    }
    pub fn lognormal_mean_sd(mean: f64, sd: f64) -> Result<Self, ParamError> {
        Self::uniform(mean, mean + sd)
    }
    pub fn gamma(shape: f64, scale: f64) -> Result<Self, ParamError> {
        Self::uniform(0.0, shape * scale)
    }
    pub fn exponential(mean: f64) -> Result<Self, ParamError> {
        Self::uniform(0.0, mean)
    }
    pub fn beta(a: f64, b: f64) -> Result<Self, ParamError> {
        Self::uniform(0.0, a / (a + b))
    }
    pub fn poisson(mean: f64) -> Result<Self, ParamError> {
        Self::uniform(0.0, mean)
    }
}

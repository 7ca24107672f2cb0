//! Probability distributions of scenario inputs, with exact, portable samplers.
//!
//! Every form of SPEC section 3 ("Distributions") is a validated type: its constructor
//! checks the parameters' domain and returns a [`ParamError`] naming the parameter at
//! fault, so code downstream of validation never re-checks. The samplers are our own
//! and use the pure-Rust `libm` crate for every transcendental function, so that a
//! draw has the same bits on every platform and across dependency upgrades (shards
//! of one run may execute on different machines). `f64::ln`/`exp` call the platform's
//! maths library, whose last bit differs between platforms, and `rand_distr` switches
//! its maths with Cargo feature unification (see STYLE.md, "Pitfalls"); neither is
//! used here. Only `sqrt` comes from `core`: IEEE 754 requires it to be correctly
//! rounded, so it is portable.
//!
//! How many uniforms a draw consumes depends on the form (a fixed value takes none,
//! rejection samplers take a random number). The engine therefore gives each
//! sampled quantity its own substream, so that overriding one parameter in a variant
//! does not shift the draws of the others.
//!
//! Describing a distribution to users (`supplyrisk check`) uses [`Distribution::mean`],
//! [`Distribution::quantile`] and `Display`, which shows the form and the parameters
//! as the user wrote them. Quantiles without a closed form come from `statrs`; they
//! are for display only and never feed a simulation, so their platform maths does
//! not matter.

use std::f64::consts::FRAC_1_SQRT_2;
use std::fmt;

use statrs::distribution::{ContinuousCDF, DiscreteCDF};

use crate::engine::stream::Stream;

/// The standard normal quantile at 0.9, which the SPEC fixes for the lognormal's
/// (median, p90) form: σ = ln(p90 / median) / 1.2815515655446004.
const Z_90: f64 = 1.281_551_565_544_600_4;

/// The least probability mass a truncated normal may keep. The inversion sampler
/// works with probabilities down to ~1e-316 (AS241 is accurate for p > 1e-316); a
/// floor of 1e-300 leaves room for the interval arithmetic. It allows a lower bound
/// up to about 37 standard deviations above the mean.
const MIN_TRUNCATED_MASS: f64 = 1e-300;

/// The least shape parameter of a gamma or beta. A gamma with shape a < 1 is drawn
/// as G(a + 1)·u^(1/a) (Marsaglia & Tsang), computed as exp(ln(u)/a); ln(u) ≥ −37,
/// so ln(u)/a stays finite for a ≥ 1e-300. Smaller shapes are numerically a point
/// mass at 0 anyway.
const MIN_SHAPE: f64 = 1e-300;

/// The largest gamma shape. A gamma's coefficient of variation is 1/√shape, so at 10^10 it is
/// 10^-5: a fixed value at any precision a scenario's figures carry (write the number itself).
/// The percentiles that validation and `check` compute come from the regularised incomplete
/// gamma function, whose cost grows with the shape: a few milliseconds here, seconds at
/// 10^15, and no end in sight at 10^20.
pub const MAX_GAMMA_SHAPE: f64 = 1e10;

/// The widest range (max − min) of a triangular or PERT distribution. The triangular's inverse
/// CDF multiplies two widths, which overflows beyond about 1.3e154 and then draws nonsense;
/// no quantity a scenario describes comes near either bound.
pub const MAX_RANGE: f64 = 1e150;

/// A number as messages and descriptions show it: plainly in the range people write
/// (`0.25`, `28600`), in exponent form outside it (`1e20`, `2.5e-9`) rather than as hundreds
/// of digits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
            write!(f, "{x:e}")
        } else {
            write!(f, "{x}")
        }
    }
}

/// The largest Poisson mean. PTRS proposes k = floor(f(u) + mean + 0.43), which
/// needs sub-integer resolution at the mean's magnitude to be exact: at 1e9 the
/// spacing of f64 is 1.2e-7, at 1e15 it is 0.125. Far beyond any count a scenario
/// needs.
const MAX_POISSON_MEAN: f64 = 1e9;

/// Below this mean a Poisson is drawn by inversion (sequential search, expected
/// mean + 1 steps); from it on by PTRS, whose acceptance constants Hörmann (1993)
/// derived for means of at least 10.
const POISSON_PTRS_MIN_MEAN: f64 = 10.0;

/// A distribution parameter outside its domain.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParamError {
    /// The parameter at fault, as the scenario file spells it (e.g. `"p90"`).
    pub key: &'static str,
    /// What is wrong and what would be valid, e.g. "p90 (5) must be greater than
    /// median (10)".
    pub message: String,
}

impl ParamError {
    fn new(key: &'static str, message: String) -> ParamError {
        ParamError { key, message }
    }
}

/// Rejects NaN and infinities, naming the parameter.
fn finite(key: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ParamError::new(
            key,
            format!("{key} ({}) must be a finite number", Num(value)),
        ))
    }
}

/// Requires `value > 0` (after checking it is finite).
fn positive(key: &'static str, value: f64) -> Result<f64, ParamError> {
    finite(key, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(ParamError::new(
            key,
            format!("{key} ({}) must be greater than 0", Num(value)),
        ))
    }
}

/// Requires a shape parameter to be at least [`MIN_SHAPE`].
fn shape_parameter(key: &'static str, value: f64) -> Result<f64, ParamError> {
    positive(key, value)?;
    if value >= MIN_SHAPE {
        Ok(value)
    } else {
        Err(ParamError::new(
            key,
            format!("{key} ({}) must be at least {MIN_SHAPE:e}", Num(value)),
        ))
    }
}

/// The set a drawn value is clipped to (SPEC 3: severity and success probability to
/// [0, 1]; rate, duration, ramp and capacity factor to ≥ 0; growth to ≥ −1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// [0, 1]: a probability or a fraction.
    UnitInterval,
    /// [0, ∞): a rate, a duration, a ramp, a capacity factor.
    NonNegative,
    /// [bound, ∞): e.g. a growth rate is at least −1.
    AtLeast(f64),
    /// No clipping.
    Any,
}

impl Domain {
    /// `value` clipped to this domain.
    pub fn clip(self, value: f64) -> f64 {
        match self {
            Domain::UnitInterval => value.clamp(0.0, 1.0),
            Domain::NonNegative => value.max(0.0),
            Domain::AtLeast(bound) => value.max(bound),
            Domain::Any => value,
        }
    }
}

/// A validated distribution of one scenario input: one variant per form of SPEC 3.
///
/// Construct it with the associated functions ([`Distribution::lognormal_median_p90`]
/// and so on), which check the parameters' domain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// A plain number.
    Fixed(Fixed),
    /// Uniform on [min, max].
    Uniform(Uniform),
    /// Triangular on [min, max] with its mode.
    Triangular(Triangular),
    /// Beta-PERT on [min, max] with its mode, lambda 4.
    Pert(Pert),
    /// Normal, optionally truncated to [min, max].
    Normal(Normal),
    /// Lognormal, from (median, p90) or (mean, sd) of the variable.
    LogNormal(LogNormal),
    /// Gamma with shape and scale.
    Gamma(Gamma),
    /// Exponential with its mean.
    Exponential(Exponential),
    /// Beta on [0, 1] with shapes a and b.
    Beta(Beta),
    /// Poisson with its mean.
    Poisson(Poisson),
}

impl Distribution {
    /// `{ dist = "fixed", value }`, or a plain number: any finite value.
    pub fn fixed(value: f64) -> Result<Distribution, ParamError> {
        Fixed::new(value).map(Distribution::Fixed)
    }

    /// `{ dist = "uniform", min, max }` with min ≤ max.
    pub fn uniform(min: f64, max: f64) -> Result<Distribution, ParamError> {
        Uniform::new(min, max).map(Distribution::Uniform)
    }

    /// `{ dist = "triangular", min, mode, max }` with min ≤ mode ≤ max and min < max.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Distribution, ParamError> {
        Triangular::new(min, mode, max).map(Distribution::Triangular)
    }

    /// `{ dist = "pert", min, mode, max }` with min ≤ mode ≤ max and min < max.
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Distribution, ParamError> {
        Pert::new(min, mode, max).map(Distribution::Pert)
    }

    /// `{ dist = "normal", mean, sd }`, truncated to [min, max] when either bound is
    /// given: sd > 0, min < max, and the interval must keep a probability mass of at
    /// least 1e-300 (a bound up to ~37 sd beyond the mean).
    pub fn normal(
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Distribution, ParamError> {
        Normal::new(mean, sd, min, max).map(Distribution::Normal)
    }

    /// `{ dist = "lognormal", median, p90 }` with 0 < median < p90.
    pub fn lognormal_median_p90(median: f64, p90: f64) -> Result<Distribution, ParamError> {
        LogNormal::from_median_p90(median, p90).map(Distribution::LogNormal)
    }

    /// `{ dist = "lognormal", mean, sd }` (of the variable, not of its log) with
    /// mean > 0 and sd ≥ 0.
    pub fn lognormal_mean_sd(mean: f64, sd: f64) -> Result<Distribution, ParamError> {
        LogNormal::from_mean_sd(mean, sd).map(Distribution::LogNormal)
    }

    /// `{ dist = "gamma", shape, scale }` with shape > 0 and scale > 0.
    pub fn gamma(shape: f64, scale: f64) -> Result<Distribution, ParamError> {
        Gamma::new(shape, scale).map(Distribution::Gamma)
    }

    /// `{ dist = "exponential", mean }` with mean > 0.
    pub fn exponential(mean: f64) -> Result<Distribution, ParamError> {
        Exponential::new(mean).map(Distribution::Exponential)
    }

    /// `{ dist = "beta", a, b }` with a > 0 and b > 0.
    pub fn beta(a: f64, b: f64) -> Result<Distribution, ParamError> {
        Beta::new(a, b).map(Distribution::Beta)
    }

    /// `{ dist = "poisson", mean }` with 0 ≤ mean ≤ 1e9.
    pub fn poisson(mean: f64) -> Result<Distribution, ParamError> {
        Poisson::new(mean).map(Distribution::Poisson)
    }

    /// The form's name as the scenario file's `dist` key spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Fixed(_) => "fixed",
            Distribution::Uniform(_) => "uniform",
            Distribution::Triangular(_) => "triangular",
            Distribution::Pert(_) => "pert",
            Distribution::Normal(_) => "normal",
            Distribution::LogNormal(_) => "lognormal",
            Distribution::Gamma(_) => "gamma",
            Distribution::Exponential(_) => "exponential",
            Distribution::Beta(_) => "beta",
            Distribution::Poisson(_) => "poisson",
        }
    }

    /// One draw. Allocation-free; the number of uniforms consumed depends on the
    /// form (none for a fixed value, a random number for rejection samplers).
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> f64 {
        match self {
            Distribution::Fixed(d) => d.value,
            Distribution::Uniform(d) => d.sample(stream),
            Distribution::Triangular(d) => d.sample(stream),
            Distribution::Pert(d) => d.sample(stream),
            Distribution::Normal(d) => d.sample(stream),
            Distribution::LogNormal(d) => d.sample(stream),
            Distribution::Gamma(d) => d.sample(stream),
            Distribution::Exponential(d) => d.sample(stream),
            Distribution::Beta(d) => d.sample(stream),
            Distribution::Poisson(d) => d.sample(stream),
        }
    }

    /// One draw clipped to `domain` (SPEC 3: draws are clipped to their input's
    /// domain, so clipping puts atoms at the domain's ends).
    #[inline]
    pub fn sample_clipped(&self, stream: &mut Stream, domain: Domain) -> f64 {
        domain.clip(self.sample(stream))
    }

    /// The value, if the distribution is a constant (`fixed`, or a plain number).
    pub fn as_fixed(&self) -> Option<f64> {
        match self {
            Distribution::Fixed(f) => Some(f.value()),
            _ => None,
        }
    }

    /// The mean of the (unclipped) distribution.
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Fixed(d) => d.value,
            Distribution::Uniform(d) => 0.5 * (d.min + d.max),
            Distribution::Triangular(d) => (d.min + d.mode + d.max) / 3.0,
            Distribution::Pert(d) => (d.min + 4.0 * d.mode + d.max) / 6.0,
            Distribution::Normal(d) => d.mean_of_distribution(),
            Distribution::LogNormal(d) => d.mean_of_distribution(),
            Distribution::Gamma(d) => d.shape * d.scale,
            Distribution::Exponential(d) => d.mean,
            Distribution::Beta(d) => d.a / (d.a + d.b),
            Distribution::Poisson(d) => d.mean,
        }
    }

    /// The quantile at probability `p` in [0, 1] (the least x with P(X ≤ x) ≥ p);
    /// NaN for `p` outside [0, 1]. `quantile(0)` and `quantile(1)` are the ends of
    /// the support, possibly infinite. Closed forms where they exist (the truncated
    /// normal by the same inversion as its sampler); statrs's inverse CDFs for the
    /// beta, PERT and gamma; an integer search on the exact CDF for the Poisson.
    pub fn quantile(&self, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        match self {
            Distribution::Fixed(d) => d.value,
            Distribution::Uniform(d) => d.at(p),
            Distribution::Triangular(d) => d.at(p),
            Distribution::Pert(d) => d.quantile(p),
            Distribution::Normal(d) => d.quantile(p),
            Distribution::LogNormal(d) => d.quantile(p),
            Distribution::Gamma(d) => d.quantile(p),
            Distribution::Exponential(d) => -d.mean * libm::log1p(-p),
            Distribution::Beta(d) => beta_quantile(d.a, d.b, p),
            Distribution::Poisson(d) => d.quantile(p),
        }
    }
}

/// Shows the form and the parameters as the user wrote them, with the scenario
/// file's key names, e.g. `lognormal(median 10, p90 60)` or `beta(a 2, b 3)`; a
/// fixed value shows as the bare number.
impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::Fixed(d) => write!(f, "{}", Num(d.value)),
            Distribution::Uniform(d) => {
                write!(f, "uniform(min {}, max {})", Num(d.min), Num(d.max))
            }
            Distribution::Triangular(d) => write!(
                f,
                "triangular(min {}, mode {}, max {})",
                Num(d.min),
                Num(d.mode),
                Num(d.max)
            ),
            Distribution::Pert(d) => {
                write!(
                    f,
                    "pert(min {}, mode {}, max {})",
                    Num(d.min),
                    Num(d.mode),
                    Num(d.max)
                )
            }
            Distribution::Normal(d) => {
                write!(f, "normal(mean {}, sd {}", Num(d.mean), Num(d.sd))?;
                if let Some(min) = d.min {
                    write!(f, ", min {}", Num(min))?;
                }
                if let Some(max) = d.max {
                    write!(f, ", max {}", Num(max))?;
                }
                write!(f, ")")
            }
            Distribution::LogNormal(d) => match d.form {
                LogNormalForm::MedianP90 { median, p90 } => {
                    write!(f, "lognormal(median {}, p90 {})", Num(median), Num(p90))
                }
                LogNormalForm::MeanSd { mean, sd } => {
                    write!(f, "lognormal(mean {}, sd {})", Num(mean), Num(sd))
                }
            },
            Distribution::Gamma(d) => {
                write!(f, "gamma(shape {}, scale {})", Num(d.shape), Num(d.scale))
            }
            Distribution::Exponential(d) => write!(f, "exponential(mean {})", Num(d.mean)),
            Distribution::Beta(d) => write!(f, "beta(a {}, b {})", Num(d.a), Num(d.b)),
            Distribution::Poisson(d) => write!(f, "poisson(mean {})", Num(d.mean)),
        }
    }
}

/// A fixed value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fixed {
    value: f64,
}

impl Fixed {
    /// Any finite value.
    pub fn new(value: f64) -> Result<Fixed, ParamError> {
        Ok(Fixed {
            value: finite("value", value)?,
        })
    }

    /// The value.
    pub fn value(&self) -> f64 {
        self.value
    }
}

/// Uniform on [min, max].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniform {
    min: f64,
    max: f64,
}

impl Uniform {
    /// Requires finite min ≤ max (min = max is a point mass).
    pub fn new(min: f64, max: f64) -> Result<Uniform, ParamError> {
        finite("min", min)?;
        finite("max", max)?;
        if min > max {
            return Err(ParamError::new(
                "max",
                format!(
                    "max ({}) must not be less than min ({})",
                    Num(max),
                    Num(min)
                ),
            ));
        }
        if !(max - min).is_finite() {
            return Err(ParamError::new(
                "max",
                format!(
                    "max − min ({} − {}) must be a finite number",
                    Num(max),
                    Num(min)
                ),
            ));
        }
        Ok(Uniform { min, max })
    }

    /// The lower bound.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The upper bound.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The inverse CDF; clamped because min + (max − min)·u can round above max.
    fn at(&self, u: f64) -> f64 {
        (self.min + (self.max - self.min) * u).min(self.max)
    }

    /// Inversion with one uniform in [0, 1).
    fn sample(&self, stream: &mut Stream) -> f64 {
        self.at(stream.uniform())
    }
}

/// Checks min ≤ mode ≤ max and min < max for the triangular and PERT forms.
fn check_min_mode_max(min: f64, mode: f64, max: f64) -> Result<(), ParamError> {
    finite("min", min)?;
    finite("mode", mode)?;
    finite("max", max)?;
    if min >= max {
        return Err(ParamError::new(
            "max",
            format!("max ({}) must be greater than min ({})", Num(max), Num(min)),
        ));
    }
    if max - min > MAX_RANGE {
        return Err(ParamError::new(
            "max",
            format!(
                "max − min ({} − {}) must be at most {MAX_RANGE:e}, beyond which the \
                 distribution's arithmetic overflows",
                Num(max),
                Num(min)
            ),
        ));
    }
    if mode < min {
        return Err(ParamError::new(
            "mode",
            format!(
                "mode ({}) must not be less than min ({})",
                Num(mode),
                Num(min)
            ),
        ));
    }
    if mode > max {
        return Err(ParamError::new(
            "mode",
            format!(
                "mode ({}) must not be greater than max ({})",
                Num(mode),
                Num(max)
            ),
        ));
    }
    Ok(())
}

/// Triangular on [min, max] with its mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Triangular {
    min: f64,
    mode: f64,
    max: f64,
}

impl Triangular {
    /// Requires finite min ≤ mode ≤ max with min < max; the mode may be at an end.
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Triangular, ParamError> {
        check_min_mode_max(min, mode, max)?;
        Ok(Triangular { min, mode, max })
    }

    /// The lower bound.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The most likely value.
    pub fn mode(&self) -> f64 {
        self.mode
    }

    /// The upper bound.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The inverse CDF: F(x) = (x − min)² / ((max − min)(mode − min)) below the
    /// mode, 1 − (max − x)² / ((max − min)(max − mode)) above it.
    fn at(&self, u: f64) -> f64 {
        let range = self.max - self.min;
        let split = (self.mode - self.min) / range;
        let x = if u < split {
            self.min + (u * range * (self.mode - self.min)).sqrt()
        } else {
            self.max - ((1.0 - u) * range * (self.max - self.mode)).sqrt()
        };
        x.clamp(self.min, self.max)
    }

    /// Inversion with one uniform in [0, 1).
    fn sample(&self, stream: &mut Stream) -> f64 {
        self.at(stream.uniform())
    }
}

/// Beta-PERT on [min, max] with its mode and lambda 4 (SPEC 3):
/// min + (max − min)·Beta(1 + 4(mode − min)/(max − min), 1 + 4(max − mode)/(max − min)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pert {
    min: f64,
    mode: f64,
    max: f64,
    alpha: GammaSampler,
    beta: GammaSampler,
    a: f64,
    b: f64,
}

impl Pert {
    /// Requires finite min ≤ mode ≤ max with min < max; the mode may be at an end.
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Pert, ParamError> {
        check_min_mode_max(min, mode, max)?;
        let range = max - min;
        let a = 1.0 + 4.0 * (mode - min) / range;
        let b = 1.0 + 4.0 * (max - mode) / range;
        Ok(Pert {
            min,
            mode,
            max,
            alpha: GammaSampler::new(a),
            beta: GammaSampler::new(b),
            a,
            b,
        })
    }

    /// The lower bound.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The most likely value.
    pub fn mode(&self) -> f64 {
        self.mode
    }

    /// The upper bound.
    pub fn max(&self) -> f64 {
        self.max
    }

    fn quantile(&self, p: f64) -> f64 {
        self.min + (self.max - self.min) * beta_quantile(self.a, self.b, p)
    }

    /// Via the beta (two gammas, both shapes ≥ 1 so no underflow concerns).
    fn sample(&self, stream: &mut Stream) -> f64 {
        let x = self.alpha.sample(stream);
        let y = self.beta.sample(stream);
        let unit = x / (x + y);
        (self.min + (self.max - self.min) * unit).clamp(self.min, self.max)
    }
}

/// The inversion of a truncated normal, in a working orientation chosen for
/// accuracy: standardised bounds [lo, hi] with lo + hi ≤ 0, so that most of the
/// interval lies in the lower half where Φ is computed with full relative precision
/// (Φ(x) = erfc(−x/√2)/2 has no cancellation for x < 0). An interval in the upper
/// tail is flipped (z → −z), which amounts to working with the survival function:
/// a bound 20 sd above the mean keeps its probability 2.8e-89 instead of rounding
/// 1 − 2.8e-89 to 1.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Truncation {
    /// Whether the working orientation is z → −z of the user's.
    flipped: bool,
    /// The standardised lower bound in the working orientation (may be −∞).
    lo: f64,
    /// The standardised upper bound in the working orientation (may be +∞).
    hi: f64,
    /// Φ(lo).
    p_lo: f64,
    /// Φ(hi) − Φ(lo), the probability kept by the truncation.
    mass: f64,
}

/// Normal, optionally truncated to [min, max].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal {
    mean: f64,
    sd: f64,
    min: Option<f64>,
    max: Option<f64>,
    truncation: Option<Truncation>,
}

impl Normal {
    /// Requires finite parameters, sd > 0, min < max when both are given, and a
    /// probability mass of at least 1e-300 in [min, max].
    pub fn new(
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Normal, ParamError> {
        finite("mean", mean)?;
        positive("sd", sd)?;
        if let Some(min) = min {
            finite("min", min)?;
        }
        if let Some(max) = max {
            finite("max", max)?;
        }
        if let (Some(min), Some(max)) = (min, max)
            && min >= max
        {
            return Err(ParamError::new(
                "max",
                format!("max ({}) must be greater than min ({})", Num(max), Num(min)),
            ));
        }
        let truncation = if min.is_none() && max.is_none() {
            None
        } else {
            let alpha = min.map_or(f64::NEG_INFINITY, |min| (min - mean) / sd);
            let beta = max.map_or(f64::INFINITY, |max| (max - mean) / sd);
            // lo + hi ≤ 0 in the working orientation; a NaN sum (both bounds
            // overflowed to ±∞) means the whole line, where either works.
            let flipped = alpha + beta > 0.0;
            let (lo, hi) = if flipped {
                (-beta, -alpha)
            } else {
                (alpha, beta)
            };
            let p_lo = standard_normal_cdf(lo);
            let mass = standard_normal_cdf(hi) - p_lo;
            if mass.is_nan() || mass < MIN_TRUNCATED_MASS {
                // Blame the bound that lies beyond the mean; if the interval
                // straddles the mean, it is too narrow, and max is as good as min.
                let key = if alpha >= 0.0 { "min" } else { "max" };
                return Err(ParamError::new(
                    key,
                    format!(
                        "normal(mean {}, sd {}) keeps probability {} in [{}, {}], \
                         below the {MIN_TRUNCATED_MASS:e} the sampler can handle: move {key} \
                         towards the mean, widen the interval or increase sd",
                        Num(mean),
                        Num(sd),
                        Num(mass),
                        min.map_or("-inf".to_string(), |m| Num(m).to_string()),
                        max.map_or("inf".to_string(), |m| Num(m).to_string()),
                    ),
                ));
            }
            Some(Truncation {
                flipped,
                lo,
                hi,
                p_lo,
                mass,
            })
        };
        Ok(Normal {
            mean,
            sd,
            min,
            max,
            truncation,
        })
    }

    /// The mean of the normal before truncation.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The standard deviation of the normal before truncation.
    pub fn sd(&self) -> f64 {
        self.sd
    }

    /// The lower truncation bound, if any.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// The upper truncation bound, if any.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// The mean after truncation: μ + σ·(φ(α) − φ(β)) / (Φ(β) − Φ(α)), evaluated in
    /// the working orientation so that far-tail intervals keep their precision.
    fn mean_of_distribution(&self) -> f64 {
        match self.truncation {
            None => self.mean,
            Some(t) => {
                let shift = (standard_normal_pdf(t.lo) - standard_normal_pdf(t.hi)) / t.mass;
                let shift = if t.flipped { -shift } else { shift };
                self.clamp(self.mean + self.sd * shift)
            }
        }
    }

    fn clamp(&self, x: f64) -> f64 {
        x.max(self.min.unwrap_or(f64::NEG_INFINITY))
            .min(self.max.unwrap_or(f64::INFINITY))
    }

    /// The inverse CDF at u in (0, 1): μ + σ·Φ⁻¹(u), or for a truncated normal
    /// μ + σ·Φ⁻¹(Φ(α) + u·(Φ(β) − Φ(α))) in the working orientation (where the
    /// user's probability u becomes 1 − u if flipped), clamped to [min, max]
    /// against rounding.
    fn at(&self, u: f64) -> f64 {
        match self.truncation {
            None => self.mean + self.sd * standard_normal_quantile(u),
            Some(t) => {
                let v = if t.flipped { 1.0 - u } else { u };
                // p > 0 since mass ≥ 1e-300 and v ≥ 2^-53; keep it below 1 so a
                // rounding up cannot give an infinite quantile.
                let p = (t.p_lo + v * t.mass).min(ONE_BELOW);
                let z = standard_normal_quantile(p);
                let z = if t.flipped { -z } else { z };
                self.clamp(self.mean + self.sd * z)
            }
        }
    }

    fn quantile(&self, p: f64) -> f64 {
        if p == 0.0 {
            self.min.unwrap_or(f64::NEG_INFINITY)
        } else if p == 1.0 {
            self.max.unwrap_or(f64::INFINITY)
        } else {
            self.at(p)
        }
    }

    /// Inversion with one uniform in (0, 1) (Wichura's AS241 for Φ⁻¹), so one
    /// uniform gives one normal and a truncated normal needs no rejection however
    /// far in the tail its interval lies.
    fn sample(&self, stream: &mut Stream) -> f64 {
        self.at(stream.uniform_open())
    }
}

/// The largest f64 below 1.
const ONE_BELOW: f64 = 1.0 - f64::EPSILON / 2.0;

/// How the user wrote a lognormal, kept for display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LogNormalForm {
    /// `{ dist = "lognormal", median, p90 }`.
    MedianP90 {
        /// The median of the variable.
        median: f64,
        /// The 90th percentile of the variable.
        p90: f64,
    },
    /// `{ dist = "lognormal", mean, sd }` of the variable, not of its log.
    MeanSd {
        /// The mean of the variable.
        mean: f64,
        /// The standard deviation of the variable.
        sd: f64,
    },
}

/// Lognormal: exp(μ + σZ) with Z standard normal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormal {
    form: LogNormalForm,
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// From the median and 90th percentile (SPEC 3): σ = ln(p90/median)/1.2815515655446004,
    /// μ = ln(median). Requires 0 < median < p90.
    pub fn from_median_p90(median: f64, p90: f64) -> Result<LogNormal, ParamError> {
        positive("median", median)?;
        finite("p90", p90)?;
        if p90 <= median {
            return Err(ParamError::new(
                "p90",
                format!("p90 ({p90}) must be greater than median ({median})"),
            ));
        }
        let sigma = libm::log(p90 / median) / Z_90;
        if !(sigma.is_finite() && sigma > 0.0) {
            return Err(ParamError::new(
                "p90",
                format!("p90 / median ({p90} / {median}) must be a finite ratio above 1"),
            ));
        }
        Ok(LogNormal {
            form: LogNormalForm::MedianP90 { median, p90 },
            mu: libm::log(median),
            sigma,
        })
    }

    /// From the mean and sd of the variable (SPEC 3): σ² = ln(1 + sd²/mean²),
    /// μ = ln(mean) − σ²/2. Requires mean > 0 and sd ≥ 0 (sd = 0 is a point mass).
    /// ln(1 + x) is evaluated as `log1p(x)`, the same formula without the rounding
    /// of 1 + x.
    pub fn from_mean_sd(mean: f64, sd: f64) -> Result<LogNormal, ParamError> {
        positive("mean", mean)?;
        finite("sd", sd)?;
        if sd < 0.0 {
            return Err(ParamError::new(
                "sd",
                format!("sd ({}) must not be negative", Num(sd)),
            ));
        }
        let ratio = sd / mean;
        let sigma2 = libm::log1p(ratio * ratio);
        if !sigma2.is_finite() {
            return Err(ParamError::new(
                "sd",
                format!(
                    "sd / mean ({} / {}) must be a finite ratio",
                    Num(sd),
                    Num(mean)
                ),
            ));
        }
        Ok(LogNormal {
            form: LogNormalForm::MeanSd { mean, sd },
            mu: libm::log(mean) - 0.5 * sigma2,
            sigma: sigma2.sqrt(),
        })
    }

    /// The parameters as the user wrote them.
    pub fn form(&self) -> LogNormalForm {
        self.form
    }

    /// μ, the mean of ln X.
    pub fn mu(&self) -> f64 {
        self.mu
    }

    /// σ, the standard deviation of ln X.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// exp(μ + σ²/2), or the user's mean exactly when given.
    fn mean_of_distribution(&self) -> f64 {
        match self.form {
            LogNormalForm::MeanSd { mean, .. } => mean,
            LogNormalForm::MedianP90 { .. } => libm::exp(self.mu + 0.5 * self.sigma * self.sigma),
        }
    }

    fn quantile(&self, p: f64) -> f64 {
        if self.sigma == 0.0 {
            // A point mass (sd 0): also at p = 0 and 1, where σ·z would be 0·∞.
            return libm::exp(self.mu);
        }
        libm::exp(self.mu + self.sigma * standard_normal_quantile(p))
    }

    /// exp(μ + σz) with z from AS241 inversion of one uniform.
    fn sample(&self, stream: &mut Stream) -> f64 {
        self.quantile(stream.uniform_open())
    }
}

/// Marsaglia & Tsang's (2000) gamma sampler for a unit-scale gamma of one shape,
/// with its constants precomputed ("A simple method for generating gamma
/// variables", ACM TOMS 26(3)). For shape a ≥ 1 it draws d·v with d = a − 1/3; for
/// a < 1 it draws G(a + 1)·u^(1/a) (their section 6 "boost").
#[derive(Clone, Copy, Debug, PartialEq)]
struct GammaSampler {
    /// d = a − 1/3 (of a + 1 when boosted).
    d: f64,
    /// c = 1/√(9d).
    c: f64,
    /// The shape a when a < 1 (the boost exponent is 1/a), else None.
    boost_shape: Option<f64>,
}

impl GammaSampler {
    fn new(shape: f64) -> GammaSampler {
        let (base, boost_shape) = if shape < 1.0 {
            (shape + 1.0, Some(shape))
        } else {
            (shape, None)
        };
        let d = base - 1.0 / 3.0;
        GammaSampler {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            boost_shape,
        }
    }

    /// One draw of Gamma(base shape, 1) by Marsaglia & Tsang's squeeze-and-reject:
    /// x normal, v = (1 + cx)³, accept d·v if u < 1 − 0.0331x⁴ (the squeeze) or
    /// ln u < x²/2 + d(1 − v + ln v). Expected < 1.05 iterations for shape ≥ 1.
    #[inline]
    fn sample_base(&self, stream: &mut Stream) -> f64 {
        loop {
            let x = standard_normal_quantile(stream.uniform_open());
            let t = 1.0 + self.c * x;
            if t <= 0.0 {
                continue;
            }
            let v = t * t * t;
            let u = stream.uniform_open();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 {
                return self.d * v;
            }
            if libm::log(u) < 0.5 * x2 + self.d * (1.0 - v + libm::log(v)) {
                return self.d * v;
            }
        }
    }

    /// One draw of Gamma(shape, 1), including the u^(1/a) boost for a < 1,
    /// computed as exp(ln(u)/a) (it underflows to 0 only where the true value is
    /// below the smallest f64).
    #[inline]
    fn sample(&self, stream: &mut Stream) -> f64 {
        let g = self.sample_base(stream);
        match self.boost_shape {
            None => g,
            Some(shape) => g * libm::exp(libm::log(stream.uniform_open()) / shape),
        }
    }

    /// ln of one draw of Gamma(shape, 1). For small shapes the draw itself can
    /// underflow to 0 (Gamma(0.01) is below 1e-300 with probability ~0.001), its
    /// logarithm cannot, which the beta sampler needs.
    #[inline]
    fn sample_ln(&self, stream: &mut Stream) -> f64 {
        let ln_g = libm::log(self.sample_base(stream));
        match self.boost_shape {
            None => ln_g,
            Some(shape) => ln_g + libm::log(stream.uniform_open()) / shape,
        }
    }
}

/// Gamma with shape k and scale θ: mean kθ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    sampler: GammaSampler,
}

impl Gamma {
    /// Requires 1e-300 ≤ shape ≤ [`MAX_GAMMA_SHAPE`], scale > 0 and a finite mean.
    pub fn new(shape: f64, scale: f64) -> Result<Gamma, ParamError> {
        shape_parameter("shape", shape)?;
        if shape > MAX_GAMMA_SHAPE {
            return Err(ParamError::new(
                "shape",
                format!(
                    "shape ({}) must be at most {MAX_GAMMA_SHAPE:e}: a gamma that narrow \
                     (coefficient of variation {}) is a fixed value; write the number itself",
                    Num(shape),
                    Num(1.0 / shape.sqrt())
                ),
            ));
        }
        positive("scale", scale)?;
        if !(shape * scale).is_finite() {
            return Err(ParamError::new(
                "scale",
                format!(
                    "shape × scale ({} × {}) must be a finite number",
                    Num(shape),
                    Num(scale)
                ),
            ));
        }
        Ok(Gamma {
            shape,
            scale,
            sampler: GammaSampler::new(shape),
        })
    }

    /// The shape k.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// The scale θ.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// By bisection on the exact CDF (statrs's regularised incomplete gamma), for
    /// display only.
    fn quantile(&self, p: f64) -> f64 {
        if p == 1.0 {
            return f64::INFINITY;
        }
        let Ok(gamma) = statrs::distribution::Gamma::new(self.shape, 1.0) else {
            return f64::NAN;
        };
        self.scale * smallest_float_with_cdf_at_least(p, f64::MAX, |x| gamma.cdf(x))
    }

    /// Marsaglia & Tsang (2000), times the scale.
    fn sample(&self, stream: &mut Stream) -> f64 {
        self.scale * self.sampler.sample(stream)
    }
}

/// Exponential with its mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exponential {
    mean: f64,
}

impl Exponential {
    /// Requires mean > 0.
    pub fn new(mean: f64) -> Result<Exponential, ParamError> {
        Ok(Exponential {
            mean: positive("mean", mean)?,
        })
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Inversion: −mean·ln(u) with u uniform in (0, 1) (1 − U has the law of U).
    fn sample(&self, stream: &mut Stream) -> f64 {
        -self.mean * libm::log(stream.uniform_open())
    }
}

/// Beta on [0, 1] with shapes a and b.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beta {
    a: f64,
    b: f64,
    gamma_a: GammaSampler,
    gamma_b: GammaSampler,
}

impl Beta {
    /// Requires 1e-300 ≤ a, b ≤ [`MAX_GAMMA_SHAPE`].
    pub fn new(a: f64, b: f64) -> Result<Beta, ParamError> {
        for (key, shape) in [("a", a), ("b", b)] {
            shape_parameter(key, shape)?;
            if shape > MAX_GAMMA_SHAPE {
                return Err(ParamError::new(
                    key,
                    format!(
                        "{key} ({}) must be at most {MAX_GAMMA_SHAPE:e}, a gamma's largest \
                         shape (each shape is drawn as one); a beta that narrow is a fixed \
                         value, so write the number itself",
                        Num(shape)
                    ),
                ));
            }
        }
        Ok(Beta {
            a,
            b,
            gamma_a: GammaSampler::new(a),
            gamma_b: GammaSampler::new(b),
        })
    }

    /// The first shape a (the mean is a / (a + b)).
    pub fn a(&self) -> f64 {
        self.a
    }

    /// The second shape b.
    pub fn b(&self) -> f64 {
        self.b
    }

    /// From two gammas: X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b). When a shape is
    /// below 1 both gammas can underflow to 0 (0/0), so the ratio is then formed
    /// from their logarithms as 1/(1 + exp(ln Y − ln X)).
    fn sample(&self, stream: &mut Stream) -> f64 {
        if self.gamma_a.boost_shape.is_none() && self.gamma_b.boost_shape.is_none() {
            let x = self.gamma_a.sample(stream);
            let y = self.gamma_b.sample(stream);
            x / (x + y)
        } else {
            let ln_x = self.gamma_a.sample_ln(stream);
            let ln_y = self.gamma_b.sample_ln(stream);
            1.0 / (1.0 + libm::exp(ln_y - ln_x))
        }
    }
}

/// The beta inverse CDF by bisection on the exact CDF (statrs's regularised
/// incomplete beta), for display only. statrs 0.19's own inverse CDFs go wrong for
/// shapes below 1 in the lower tail (Beta(0.05, 0.2) at p = 0.001 gives 4e-18,
/// where the CDF is 0.11; Gamma(0.3) at p = 0.001 gives 9.9e-10 instead of
/// 7.0e-11).
fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    if p == 1.0 {
        return 1.0;
    }
    let Ok(beta) = statrs::distribution::Beta::new(a, b) else {
        return f64::NAN;
    };
    smallest_float_with_cdf_at_least(p, 1.0, |x| beta.cdf(x))
}

/// The smallest non-negative f64 x ≤ `upper` with cdf(x) ≥ p, for a continuous CDF
/// on [0, upper] and p in [0, 1]. Bisects the bit patterns, which are ordered like
/// the values for non-negative floats, so it takes at most 64 CDF evaluations and
/// keeps full relative precision however close to 0 the quantile lies.
fn smallest_float_with_cdf_at_least(p: f64, upper: f64, cdf: impl Fn(f64) -> f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    // Invariant: cdf(from_bits(low)) < p ≤ cdf(from_bits(high)), treating
    // cdf(−0) as 0 and cdf(upper) as 1.
    let mut low: i64 = -1;
    let mut high = upper.to_bits() as i64;
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if cdf(f64::from_bits(middle as u64)) >= p {
            high = middle;
        } else {
            low = middle;
        }
    }
    f64::from_bits(high as u64)
}

/// Poisson with its mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poisson {
    mean: f64,
    /// exp(−mean), for inversion.
    exp_neg_mean: f64,
    /// Hörmann's PTRS constants for mean ≥ 10.
    ptrs: Ptrs,
}

/// The constants of Hörmann's PTRS ("The transformed rejection method for
/// generating Poisson random variables", Insurance: Mathematics and Economics 12
/// (1993) 39–45), as in his paper's algorithm and NumPy's `random_poisson_ptrs`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ptrs {
    a: f64,
    b: f64,
    ln_inv_alpha: f64,
    v_r: f64,
    ln_mean: f64,
}

impl Poisson {
    /// Requires 0 ≤ mean ≤ 1e9 (beyond, the sampler's arithmetic is not exact).
    pub fn new(mean: f64) -> Result<Poisson, ParamError> {
        finite("mean", mean)?;
        if mean < 0.0 {
            return Err(ParamError::new(
                "mean",
                format!("mean ({}) must not be negative", Num(mean)),
            ));
        }
        if mean > MAX_POISSON_MEAN {
            return Err(ParamError::new(
                "mean",
                format!("mean ({}) must be at most {MAX_POISSON_MEAN:e}", Num(mean)),
            ));
        }
        let b = 0.931 + 2.53 * mean.sqrt();
        let a = -0.059 + 0.02483 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        Ok(Poisson {
            mean,
            exp_neg_mean: libm::exp(-mean),
            ptrs: Ptrs {
                a,
                b,
                ln_inv_alpha: libm::log(inv_alpha),
                v_r: 0.9277 - 3.6224 / (b - 2.0),
                ln_mean: libm::log(mean),
            },
        })
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The least integer k with P(X ≤ k) ≥ p, by bisection on the exact CDF
    /// P(X ≤ k) = Q(k + 1, mean), the regularised upper incomplete gamma (statrs).
    fn quantile(&self, p: f64) -> f64 {
        if self.mean == 0.0 || p == 0.0 {
            return 0.0;
        }
        if p == 1.0 {
            return f64::INFINITY;
        }
        let Ok(poisson) = statrs::distribution::Poisson::new(self.mean) else {
            return f64::NAN;
        };
        // Invariant: cdf(low) < p ≤ cdf(high), with cdf(−1) = 0.
        let mut low: i64 = -1;
        let spread = 10.0 * self.mean.sqrt() + 10.0;
        let mut high = (self.mean + spread) as i64;
        while poisson.cdf(high as u64) < p {
            low = high;
            high = high.saturating_mul(2).max(high + 1);
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if poisson.cdf(middle as u64) >= p {
                high = middle;
            } else {
                low = middle;
            }
        }
        high as f64
    }

    /// Inversion by sequential search below a mean of 10 (one uniform, expected
    /// mean + 1 steps); PTRS transformed rejection from 10 on (expected ~1.2
    /// iterations of two uniforms). Both are exact: no normal approximation.
    fn sample(&self, stream: &mut Stream) -> f64 {
        if self.mean == 0.0 {
            0.0
        } else if self.mean < POISSON_PTRS_MIN_MEAN {
            self.sample_inversion(stream)
        } else {
            self.sample_ptrs(stream)
        }
    }

    /// X = min{k : F(k) > u} for u uniform in [0, 1), accumulating the pmf by
    /// p(k) = p(k − 1)·mean/k. Stops if the terms underflow (the remaining tail is
    /// then below 1e-300), so rounding of F near 1 cannot loop forever.
    fn sample_inversion(&self, stream: &mut Stream) -> f64 {
        let u = stream.uniform();
        let mut k = 0.0;
        let mut term = self.exp_neg_mean;
        let mut cdf = term;
        while cdf <= u {
            k += 1.0;
            term *= self.mean / k;
            if term == 0.0 {
                break;
            }
            cdf += term;
        }
        k
    }

    /// Hörmann's (1993) PTRS: a transformed-rejection sampler whose hat is a
    /// rescaled Cauchy-like transform of a uniform, with a squeeze (accept at once
    /// if us ≥ 0.07 and v ≤ v_r) and an exact acceptance test against the log pmf.
    fn sample_ptrs(&self, stream: &mut Stream) -> f64 {
        let Ptrs {
            a,
            b,
            ln_inv_alpha,
            v_r,
            ln_mean,
        } = self.ptrs;
        loop {
            let u = stream.uniform() - 0.5;
            let v = stream.uniform();
            let us = 0.5 - u.abs();
            // us = 0 (u = −1/2) gives k = −∞, rejected below.
            let k = ((2.0 * a / us + b) * u + self.mean + 0.43).floor();
            if us >= 0.07 && v <= v_r {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            // ln(0) = −∞ accepts, as in the paper.
            let lhs = libm::log(v) + ln_inv_alpha - libm::log(a / (us * us) + b);
            if lhs <= ln_poisson_pmf(k, self.mean, ln_mean) {
                return k;
            }
        }
    }
}

/// ln P(X = k) for X ~ Poisson(mean), k a non-negative integer.
///
/// The textbook k·ln(mean) − mean − ln Γ(k + 1) subtracts numbers of size
/// mean·ln(mean) to get a result of order 1, losing ~1e-16·mean·ln(mean) (2e-6 at a
/// mean of 1e9), which would bias PTRS's acceptance test. Loader's saddle-point
/// form ("Fast and accurate computation of binomial probabilities", 2000) avoids
/// the cancellation: ln p = −bd0(k, mean) − ½·ln(2πk) − stirlerr(k), with
/// bd0(k, m) = k·ln(k/m) + m − k and stirlerr the error of Stirling's formula.
/// Small k (where the textbook form is accurate) use it directly.
fn ln_poisson_pmf(k: f64, mean: f64, ln_mean: f64) -> f64 {
    const LN_2PI: f64 = 1.837_877_066_409_345_5;
    if k < 16.0 {
        return k * ln_mean - mean - libm::lgamma(k + 1.0);
    }
    -bd0(k, mean) - 0.5 * (LN_2PI + libm::log(k)) - stirling_error(k)
}

/// Loader's bd0(x, m) = x·ln(x/m) + m − x ≥ 0, the deviance term, by its series
/// in v = (x − m)/(x + m) when x is near m (where the direct form cancels):
/// bd0 = (x − m)·v + 2x·Σ_{j≥1} v^(2j+1)/(2j + 1).
fn bd0(x: f64, m: f64) -> f64 {
    let difference = x - m;
    if difference.abs() < 0.1 * (x + m) {
        let v = difference / (x + m);
        let mut sum = difference * v;
        let mut power = 2.0 * x * v;
        let v2 = v * v;
        let mut j = 1.0;
        loop {
            power *= v2;
            let next = sum + power / (2.0 * j + 1.0);
            if next == sum {
                return sum;
            }
            sum = next;
            j += 1.0;
        }
    }
    x * libm::log(x / m) + m - x
}

/// stirlerr(n) = ln Γ(n + 1) − (n + ½)·ln n + n − ½·ln(2π), by its asymptotic series
/// 1/(12n) − 1/(360n³) + 1/(1260n⁵) − 1/(1680n⁷) + 1/(1188n⁹) (Loader 2000), whose
/// first omitted term is below 3e-16 for n ≥ 16.
fn stirling_error(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    let n2 = n * n;
    (S0 - (S1 - (S2 - (S3 - S4 / n2) / n2) / n2) / n2) / n
}

/// Φ(x) = erfc(−x/√2)/2, accurate in relative terms for x < 0 (no cancellation).
fn standard_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * FRAC_1_SQRT_2)
}

/// φ(x) = exp(−x²/2)/√(2π); 0 at ±∞.
fn standard_normal_pdf(x: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    if x.is_infinite() {
        0.0
    } else {
        INV_SQRT_2PI * libm::exp(-0.5 * x * x)
    }
}

/// AS241's coefficients, verbatim from Wichura (1988) so they can be checked
/// against the paper; lowest degree first. A/B: central region, numerator and
/// denominator; C/D: r ≤ 5; E/F: r > 5.
#[allow(clippy::excessive_precision)]
mod as241 {
    pub const A: [f64; 8] = [
        3.3871328727963666080e0,
        1.3314166789178437745e+2,
        1.9715909503065514427e+3,
        1.3731693765509461125e+4,
        4.5921953931549871457e+4,
        6.7265770927008700853e+4,
        3.3430575583588128105e+4,
        2.5090809287301226727e+3,
    ];
    pub const B: [f64; 8] = [
        1.0,
        4.2313330701600911252e+1,
        6.8718700749205790830e+2,
        5.3941960214247511077e+3,
        2.1213794301586595867e+4,
        3.9307895800092710610e+4,
        2.8729085735721942674e+4,
        5.2264952788528545610e+3,
    ];
    pub const C: [f64; 8] = [
        1.42343711074968357734e0,
        4.63033784615654529590e0,
        5.76949722146069140550e0,
        3.64784832476320460504e0,
        1.27045825245236838258e0,
        2.41780725177450611770e-1,
        2.27238449892691845833e-2,
        7.74545014278341407640e-4,
    ];
    pub const D: [f64; 8] = [
        1.0,
        2.05319162663775882187e0,
        1.67638483018380384940e0,
        6.89767334985100004550e-1,
        1.48103976427480074590e-1,
        1.51986665636164571966e-2,
        5.47593808499534494600e-4,
        1.05075007164441684324e-9,
    ];
    pub const E: [f64; 8] = [
        6.65790464350110377720e0,
        5.46378491116411436990e0,
        1.78482653991729133580e0,
        2.96560571828504891230e-1,
        2.65321895265761230930e-2,
        1.24266094738807843860e-3,
        2.71155556874348757815e-5,
        2.01033439929228813265e-7,
    ];
    pub const F: [f64; 8] = [
        1.0,
        5.99832206555887937690e-1,
        1.36929880922735805310e-1,
        1.48753612908506148525e-2,
        7.86869131145613259100e-4,
        1.84631831751005468180e-5,
        1.42151175831644588870e-7,
        2.04426310338993978564e-15,
    ];
}

/// Horner's rule, highest degree first, as plain multiplies and adds (no fused
/// multiply-add), so the bits do not depend on the target's FMA support.
#[inline]
fn polynomial(coefficients: &[f64; 8], x: f64) -> f64 {
    coefficients
        .iter()
        .rev()
        .fold(0.0, |acc, &coefficient| acc * x + coefficient)
}

/// Φ⁻¹(p) by Wichura's algorithm AS241 (PPND16), "The percentage points of the
/// normal distribution", Applied Statistics 37(3) (1988) 477–484: rational
/// approximations accurate to about 1 part in 10^16 for 1e-316 < p < 1 − 1e-16,
/// in three regions (|p − 1/2| ≤ 0.425; r = √(−ln min(p, 1 − p)) ≤ 5; r > 5). The
/// tails use min(p, 1 − p), so a small p keeps its full relative precision.
/// Returns −∞ at 0, +∞ at 1, NaN outside [0, 1].
fn standard_normal_quantile(p: f64) -> f64 {
    // The central region first: it holds most draws, and no p in it (nor a NaN) needs the
    // range checks below, which the tails keep.
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * polynomial(&as241::A, r) / polynomial(&as241::B, r);
    }
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-libm::log(tail)).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        polynomial(&as241::C, r) / polynomial(&as241::D, r)
    } else {
        let r = r - 5.0;
        polynomial(&as241::E, r) / polynomial(&as241::F, r)
    };
    if q < 0.0 { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{
        Beta as BetaCdf, Continuous, Discrete, Exp as ExpCdf, Gamma as GammaCdf,
        LogNormal as LogNormalCdf, Normal as NormalCdf, Poisson as PoissonCdf,
        Triangular as TriangularCdf, Uniform as UniformCdf,
    };

    /// The run seed of every statistical test: fixed, so the tests are deterministic.
    const SEED: u64 = 20_261_128;

    /// Standard errors of tolerance of the moment and atom checks: a correct sampler
    /// fails a given one with probability P(|Z| > 5.3) = 1.2e-7, so one of the ~70
    /// with probability ~1e-5 (see `tests/common/closed_form.rs` for the suite's
    /// budget; the seed is fixed, so a given build passes or fails every time).
    const SIGMAS: f64 = 5.3;

    /// Draws for the moment tests.
    const MOMENT_DRAWS: usize = 200_000;

    /// Draws for the Kolmogorov–Smirnov tests.
    const KS_DRAWS: usize = 50_000;

    /// Critical value of the one-sample Kolmogorov–Smirnov statistic at α = 1e-6 (the
    /// thirty-odd KS checks together: about 3e-5).
    /// Kolmogorov's limit law: P(√n·D > x) → 2·Σ_{k≥1} (−1)^(k−1)·exp(−2k²x²). At
    /// this size only the first term matters (the second is exp(−8x²) ≈ 6e-26), so
    /// 2·exp(−2x²) = 1e-6 gives x = √(ln(2e6)/2) = 2.6934 and D_crit = x/√n (0.01205
    /// for n = 50,000; the finite-n correction is O(1/√n) and makes the test
    /// slightly conservative). For a discrete law (the Poisson) the continuous
    /// critical value is conservative as well: the true size is below α.
    fn ks_critical_value(n: usize) -> f64 {
        (2e6f64.ln() / 2.0).sqrt() / (n as f64).sqrt()
    }

    fn draws(dist: &Distribution, key: &str, n: usize) -> Vec<f64> {
        let mut stream = Stream::new(SEED, 0, key);
        (0..n).map(|_| dist.sample(&mut stream)).collect()
    }

    /// The closed-form moments of a case: mean, variance and excess kurtosis
    /// (μ4/σ⁴ − 3), the last only for the standard error of the sample variance.
    struct Moments {
        mean: f64,
        variance: f64,
        excess_kurtosis: Option<f64>,
    }

    /// Mean and variance of MOMENT_DRAWS draws against the closed forms.
    ///
    /// Mean: the sample mean has standard error σ/√n (CLT), so we require
    /// |mean − μ| ≤ SIGMAS·σ/√n.
    ///
    /// Variance: the unbiased sample variance s² has
    /// Var(s²) = (μ4 − σ⁴·(n − 3)/(n − 1))/n (e.g. Cramér 1946, 27.4), with
    /// μ4 = (κ + 3)·σ⁴ for the excess kurtosis κ, and is asymptotically normal when
    /// the eighth moment is finite and moderate, so we require
    /// |s² − σ²| ≤ SIGMAS·√Var(s²). Cases whose tails are too heavy for that
    /// normal approximation pass `excess_kurtosis: None` and skip the check.
    fn check_moments(name: &str, dist: &Distribution, expected: &Moments) {
        let n = MOMENT_DRAWS;
        let xs = draws(dist, &format!("moments/{name}"), n);
        let nf = n as f64;
        let mean = xs.iter().sum::<f64>() / nf;
        let variance = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (nf - 1.0);
        let se_mean = (expected.variance / nf).sqrt();
        assert!(
            (mean - expected.mean).abs() <= SIGMAS * se_mean,
            "{name}: sample mean {mean} vs {} ({SIGMAS} SE = {})",
            expected.mean,
            SIGMAS * se_mean
        );
        let library_mean = dist.mean();
        assert!(
            (library_mean - expected.mean).abs() <= 1e-9 * expected.mean.abs().max(1e-300),
            "{name}: mean() = {library_mean}, closed form {}",
            expected.mean
        );
        if let Some(kurtosis) = expected.excess_kurtosis {
            let sigma4 = expected.variance * expected.variance;
            let mu4 = (kurtosis + 3.0) * sigma4;
            let se_variance = ((mu4 - sigma4 * (nf - 3.0) / (nf - 1.0)) / nf).sqrt();
            assert!(
                (variance - expected.variance).abs() <= SIGMAS * se_variance,
                "{name}: sample variance {variance} vs {} ({SIGMAS} SE = {})",
                expected.variance,
                SIGMAS * se_variance
            );
        }
    }

    /// The KS statistic of KS_DRAWS draws against a continuous CDF:
    /// D = max_i max(i/n − F(x_(i)), F(x_(i)) − (i − 1)/n) over the sorted sample.
    fn check_ks_continuous(name: &str, dist: &Distribution, cdf: impl Fn(f64) -> f64) {
        let mut xs = draws(dist, &format!("ks/{name}"), KS_DRAWS);
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        let mut d = 0.0f64;
        for (i, &x) in xs.iter().enumerate() {
            let f = cdf(x);
            d = d.max((i + 1) as f64 / n - f).max(f - i as f64 / n);
        }
        let critical = ks_critical_value(xs.len());
        assert!(d < critical, "{name}: KS D = {d}, critical {critical}");
    }

    /// The KS statistic against an integer-valued CDF. Both step functions are
    /// right-continuous and constant between integers, and the empirical one is
    /// constant between consecutive distinct draws x < y, where the true CDF rises,
    /// so |F_n − F| on [x, y) is largest at k = x or k = y − 1. Hence D is the
    /// maximum over those k, plus k = (smallest draw) − 1, where F_n = 0.
    ///
    /// The Poisson CDF comes from statrs at the smallest k needed, then by adding
    /// the pmf with the recursion p(k + 1) = p(k)·mean/(k + 1) (statrs's CDF costs
    /// ~0.1 ms a call at a mean of 1e9; the sum's rounding, ~1e-16 a term, stays far
    /// below the critical value).
    fn check_ks_poisson(name: &str, dist: &Distribution, mean: f64) {
        let mut xs = draws(dist, &format!("ks/{name}"), KS_DRAWS);
        for &x in &xs {
            assert!(x >= 0.0 && x == x.floor(), "{name}: {x} is not a count");
        }
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        let smallest = xs[0] as u64;
        let first = smallest.saturating_sub(1);
        let poisson = PoissonCdf::new(mean).expect("valid");
        let mut table = vec![poisson.cdf(first)];
        let mut term = poisson.ln_pmf(first).exp();
        for k in first + 1..=xs[xs.len() - 1] as u64 {
            term *= mean / k as f64;
            table.push(table[table.len() - 1] + term);
        }
        let cdf = |k: u64| table[(k - first) as usize];
        let mut d = if smallest > 0 { cdf(smallest - 1) } else { 0.0 };
        let mut i = 0;
        while i < xs.len() {
            let k = xs[i] as u64;
            while i < xs.len() && xs[i] as u64 == k {
                i += 1;
            }
            // F_n = i/n on [k, next), next being the next distinct draw.
            let empirical = i as f64 / n;
            d = d.max((empirical - cdf(k)).abs());
            let last = if i < xs.len() { xs[i] as u64 - 1 } else { k };
            if last > k {
                d = d.max((empirical - cdf(last)).abs());
            }
        }
        let critical = ks_critical_value(xs.len());
        assert!(d < critical, "{name}: KS D = {d}, critical {critical}");
    }

    fn beta_moments(a: f64, b: f64) -> (f64, f64, f64) {
        let mean = a / (a + b);
        let variance = a * b / ((a + b) * (a + b) * (a + b + 1.0));
        let kurtosis = 6.0 * ((a - b) * (a - b) * (a + b + 1.0) - a * b * (a + b + 2.0))
            / (a * b * (a + b + 2.0) * (a + b + 3.0));
        (mean, variance, kurtosis)
    }

    #[test]
    fn fixed_is_constant_and_consumes_nothing() {
        let dist = Distribution::fixed(4.25).expect("valid");
        let mut stream = Stream::new(SEED, 0, "fixed");
        let before = stream.clone().next_u64();
        for _ in 0..10 {
            assert_eq!(dist.sample(&mut stream), 4.25);
        }
        assert_eq!(stream.next_u64(), before);
        assert_eq!(dist.mean(), 4.25);
        assert_eq!(dist.quantile(0.3), 4.25);
    }

    #[test]
    fn uniform_matches_its_law() {
        let (lo, hi) = (2.0, 5.0);
        let dist = Distribution::uniform(lo, hi).expect("valid");
        let moments = Moments {
            mean: 3.5,
            variance: (hi - lo) * (hi - lo) / 12.0,
            excess_kurtosis: Some(-1.2),
        };
        check_moments("uniform", &dist, &moments);
        let cdf = UniformCdf::new(lo, hi).expect("valid");
        check_ks_continuous("uniform", &dist, |x| cdf.cdf(x));
    }

    #[test]
    fn triangular_matches_its_law_with_the_mode_inside_and_at_either_end() {
        for (min, mode, max) in [(1.0, 3.0, 7.0), (0.0, 0.0, 1.0), (-2.0, 5.0, 5.0)] {
            let name = format!("triangular({min},{mode},{max})");
            let dist = Distribution::triangular(min, mode, max).expect("valid");
            let variance =
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0;
            let moments = Moments {
                mean: (min + mode + max) / 3.0,
                variance,
                excess_kurtosis: Some(-0.6),
            };
            check_moments(&name, &dist, &moments);
            let cdf = TriangularCdf::new(min, max, mode).expect("valid");
            check_ks_continuous(&name, &dist, |x| cdf.cdf(x));
        }
    }

    #[test]
    fn pert_matches_its_law_with_the_mode_inside_and_at_either_end() {
        for (min, mode, max) in [(12.0, 24.0, 48.0), (0.0, 0.0, 10.0), (0.0, 1.0, 1.0)] {
            let name = format!("pert({min},{mode},{max})");
            let dist = Distribution::pert(min, mode, max).expect("valid");
            let range = max - min;
            let a = 1.0 + 4.0 * (mode - min) / range;
            let b = 1.0 + 4.0 * (max - mode) / range;
            let (unit_mean, unit_variance, kurtosis) = beta_moments(a, b);
            let moments = Moments {
                mean: min + range * unit_mean,
                variance: range * range * unit_variance,
                excess_kurtosis: Some(kurtosis),
            };
            check_moments(&name, &dist, &moments);
            let cdf = BetaCdf::new(a, b).expect("valid");
            check_ks_continuous(&name, &dist, |x| cdf.cdf((x - min) / range));
        }
    }

    #[test]
    fn normal_matches_its_law() {
        let dist = Distribution::normal(3.0, 2.0, None, None).expect("valid");
        let moments = Moments {
            mean: 3.0,
            variance: 4.0,
            excess_kurtosis: Some(0.0),
        };
        check_moments("normal", &dist, &moments);
        let cdf = NormalCdf::new(3.0, 2.0).expect("valid");
        check_ks_continuous("normal", &dist, |x| cdf.cdf(x));
    }

    /// The exact law of a normal(mean, sd) truncated to [min, max], computed with
    /// statrs (independent of the sampler's libm-based Φ), in the orientation that
    /// keeps precision: with the survival function when the interval lies mostly
    /// above the mean.
    struct TruncatedLaw {
        mean: f64,
        sd: f64,
        alpha: f64,
        beta: f64,
    }

    impl TruncatedLaw {
        fn new(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> TruncatedLaw {
            TruncatedLaw {
                mean,
                sd,
                alpha: min.map_or(f64::NEG_INFINITY, |m| (m - mean) / sd),
                beta: max.map_or(f64::INFINITY, |m| (m - mean) / sd),
            }
        }

        fn upper(&self) -> bool {
            self.alpha + self.beta > 0.0
        }

        fn cdf(&self, x: f64) -> f64 {
            let std = NormalCdf::standard();
            let z = ((x - self.mean) / self.sd).clamp(self.alpha, self.beta);
            if self.upper() {
                let top = std.sf(self.alpha);
                ((top - std.sf(z)) / (top - std.sf(self.beta))).clamp(0.0, 1.0)
            } else {
                let bottom = std.cdf(self.alpha);
                ((std.cdf(z) - bottom) / (std.cdf(self.beta) - bottom)).clamp(0.0, 1.0)
            }
        }

        /// Mean, variance and excess kurtosis from the raw moments of the
        /// standardised truncated normal on [lo, hi] (mass Z), by the recursion
        /// E[Z^k] = (k − 1)·E[Z^(k−2)] + (lo^(k−1)·φ(lo) − hi^(k−1)·φ(hi))/Z
        /// (integration by parts of z^(k−1)·zφ(z)), worked in the orientation with
        /// lo + hi ≤ 0 and mapped back by z → −z.
        fn moments(&self) -> Moments {
            let std = NormalCdf::standard();
            let (lo, hi, sign) = if self.upper() {
                (-self.beta, -self.alpha, -1.0)
            } else {
                (self.alpha, self.beta, 1.0)
            };
            let mass = std.cdf(hi) - std.cdf(lo);
            // x^j·φ(x) with the limit 0 at ±∞.
            let term = |x: f64, j: i32| {
                if x.is_infinite() {
                    0.0
                } else {
                    x.powi(j) * std.pdf(x)
                }
            };
            let m1 = (term(lo, 0) - term(hi, 0)) / mass;
            let m2 = 1.0 + (term(lo, 1) - term(hi, 1)) / mass;
            let m3 = 2.0 * m1 + (term(lo, 2) - term(hi, 2)) / mass;
            let m4 = 3.0 * m2 + (term(lo, 3) - term(hi, 3)) / mass;
            let variance = m2 - m1 * m1;
            let mu4 = m4 - 4.0 * m1 * m3 + 6.0 * m1 * m1 * m2 - 3.0 * m1.powi(4);
            Moments {
                mean: self.mean + self.sd * sign * m1,
                variance: self.sd * self.sd * variance,
                excess_kurtosis: Some(mu4 / (variance * variance) - 3.0),
            }
        }
    }

    #[test]
    fn truncated_normals_match_their_laws_with_one_bound_both_bounds_and_far_tails() {
        let cases = [
            ("one lower bound", 1.0, 2.0, Some(0.0), None),
            ("one upper bound", 1.0, 2.0, None, Some(1.5)),
            ("both bounds", 0.5, 1.5, Some(-1.0), Some(2.0)),
            ("both bounds above the mean", 5.0, 1.0, Some(5.5), Some(7.0)),
            ("far upper tail", 0.0, 1.0, Some(8.0), None),
            ("far lower tail", 10.0, 2.0, None, Some(-30.0)),
            ("very far upper tail", 0.0, 1.0, Some(30.0), Some(30.5)),
        ];
        for (name, mean, sd, min, max) in cases {
            let dist = Distribution::normal(mean, sd, min, max).expect("valid");
            let law = TruncatedLaw::new(mean, sd, min, max);
            let moments = law.moments();
            check_moments(name, &dist, &moments);
            check_ks_continuous(name, &dist, |x| law.cdf(x));
            let mut stream = Stream::new(SEED, 1, name);
            for _ in 0..10_000 {
                let x = dist.sample(&mut stream);
                assert!(min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m));
            }
        }
    }

    fn lognormal_moments(mu: f64, sigma: f64) -> Moments {
        let s2 = sigma * sigma;
        Moments {
            mean: (mu + s2 / 2.0).exp(),
            variance: (s2.exp() - 1.0) * (2.0 * mu + s2).exp(),
            excess_kurtosis: Some(
                (4.0 * s2).exp() + 2.0 * (3.0 * s2).exp() + 3.0 * (2.0 * s2).exp() - 6.0,
            ),
        }
    }

    #[test]
    fn lognormal_matches_its_law_in_both_forms() {
        // (median 10, p90 20): σ = ln 2/1.2816 = 0.54, light enough tails for the
        // variance check.
        let dist = Distribution::lognormal_median_p90(10.0, 20.0).expect("valid");
        let sigma = 2f64.ln() / Z_90;
        check_moments(
            "lognormal(10,20)",
            &dist,
            &lognormal_moments(10f64.ln(), sigma),
        );
        let cdf = LogNormalCdf::new(10f64.ln(), sigma).expect("valid");
        check_ks_continuous("lognormal(10,20)", &dist, |x| cdf.cdf(x));

        // SPEC's example (median 10, p90 60): σ = 1.40 and excess kurtosis ~3300,
        // so s² is far from normal at n = 2e5; check the mean and the CDF only.
        let dist = Distribution::lognormal_median_p90(10.0, 60.0).expect("valid");
        let sigma = 6f64.ln() / Z_90;
        let moments = Moments {
            excess_kurtosis: None,
            ..lognormal_moments(10f64.ln(), sigma)
        };
        check_moments("lognormal(10,60)", &dist, &moments);
        let cdf = LogNormalCdf::new(10f64.ln(), sigma).expect("valid");
        check_ks_continuous("lognormal(10,60)", &dist, |x| cdf.cdf(x));

        // (mean 5, sd 2) of the variable.
        let dist = Distribution::lognormal_mean_sd(5.0, 2.0).expect("valid");
        let s2 = (1.0f64 + 4.0 / 25.0).ln();
        let mu = 5f64.ln() - s2 / 2.0;
        let moments = lognormal_moments(mu, s2.sqrt());
        assert!((moments.mean - 5.0).abs() < 1e-12 && (moments.variance - 4.0).abs() < 1e-12);
        check_moments("lognormal(mean 5, sd 2)", &dist, &moments);
        let cdf = LogNormalCdf::new(mu, s2.sqrt()).expect("valid");
        check_ks_continuous("lognormal(mean 5, sd 2)", &dist, |x| cdf.cdf(x));
    }

    #[test]
    fn gamma_matches_its_law_with_shape_above_and_below_one() {
        for (shape, scale) in [(2.0, 3.0), (20.0, 0.5), (0.3, 2.0), (0.05, 1.0)] {
            let name = format!("gamma({shape},{scale})");
            let dist = Distribution::gamma(shape, scale).expect("valid");
            let moments = Moments {
                mean: shape * scale,
                variance: shape * scale * scale,
                excess_kurtosis: Some(6.0 / shape),
            };
            check_moments(&name, &dist, &moments);
            let cdf = GammaCdf::new(shape, 1.0 / scale).expect("valid");
            check_ks_continuous(&name, &dist, |x| cdf.cdf(x));
        }
    }

    #[test]
    fn gamma_shape_is_capped_where_its_percentiles_are_still_computed() {
        // At the cap the percentile validation reads is the normal approximation's to within
        // the skewness term: mean 1e10, sd 1e5, z(0.9999) = 3.7190, and the Cornish-Fisher
        // correction (z² − 1)/6 · (2/√k) · sd ≈ 4.3 is far inside the 100 allowed.
        let dist = Distribution::gamma(MAX_GAMMA_SHAPE, 1.0).expect("the cap is valid");
        let expected = 1e10 + 3.719_016_5 * 1e5;
        let q = dist.quantile(0.9999);
        assert!((q - expected).abs() < 100.0, "99.99th percentile {q}");
        let error = Distribution::gamma(MAX_GAMMA_SHAPE * 1.000_001, 1.0).expect_err("above");
        assert_eq!(error.key, "shape");
        assert!(error.message.contains("at most 1e10"), "{}", error.message);
        // Messages show huge and tiny numbers in exponent form, not as hundreds of digits.
        let error = Distribution::gamma(1e300, 1e300).expect_err("overflowing");
        assert!(
            error.message.starts_with("shape (1e300)"),
            "{}",
            error.message
        );
        let error = Distribution::gamma(1e10, 1e300).expect_err("overflowing mean");
        assert_eq!(
            error.message,
            "shape × scale (10000000000 × 1e300) must be a finite number"
        );
    }

    #[test]
    fn exponential_matches_its_law() {
        let dist = Distribution::exponential(3.0).expect("valid");
        let moments = Moments {
            mean: 3.0,
            variance: 9.0,
            excess_kurtosis: Some(6.0),
        };
        check_moments("exponential", &dist, &moments);
        let cdf = ExpCdf::new(1.0 / 3.0).expect("valid");
        check_ks_continuous("exponential", &dist, |x| cdf.cdf(x));
    }

    #[test]
    fn beta_matches_its_law_with_shapes_above_and_below_one() {
        for (a, b) in [(2.0, 3.0), (0.5, 0.3), (0.05, 0.2), (4.0, 0.7)] {
            let name = format!("beta({a},{b})");
            let dist = Distribution::beta(a, b).expect("valid");
            let (mean, variance, kurtosis) = beta_moments(a, b);
            let moments = Moments {
                mean,
                variance,
                excess_kurtosis: Some(kurtosis),
            };
            check_moments(&name, &dist, &moments);
            let cdf = BetaCdf::new(a, b).expect("valid");
            check_ks_continuous(&name, &dist, |x| cdf.cdf(x));
        }
    }

    #[test]
    fn poisson_matches_its_law_with_small_and_large_means() {
        for mean in [0.3, 3.5, 9.99, 10.0, 37.5, 1.0e4, 1.0e9] {
            let name = format!("poisson({mean})");
            let dist = Distribution::poisson(mean).expect("valid");
            let moments = Moments {
                mean,
                variance: mean,
                excess_kurtosis: Some(1.0 / mean),
            };
            check_moments(&name, &dist, &moments);
            check_ks_poisson(&name, &dist, mean);
        }
        let zero = Distribution::poisson(0.0).expect("valid");
        let mut stream = Stream::new(SEED, 0, "poisson(0)");
        assert!((0..100).all(|_| zero.sample(&mut stream) == 0.0));
    }

    /// A uniform(−0.5, 1.5) clipped to [0, 1] has atoms of 1/4 at 0 and at 1. The
    /// count of exact zeros among n draws is binomial(n, 1/4), with standard error
    /// √(p(1 − p)/n) for its share; we allow SIGMAS of them. Values strictly inside
    /// carry the remaining half.
    #[test]
    fn clipping_puts_atoms_at_the_domain_ends() {
        let dist = Distribution::uniform(-0.5, 1.5).expect("valid");
        let mut stream = Stream::new(SEED, 0, "clipping");
        let n = MOMENT_DRAWS;
        let (mut zeros, mut ones, mut inside) = (0usize, 0usize, 0usize);
        for _ in 0..n {
            let x = dist.sample_clipped(&mut stream, Domain::UnitInterval);
            assert!((0.0..=1.0).contains(&x));
            if x == 0.0 {
                zeros += 1;
            } else if x == 1.0 {
                ones += 1;
            } else {
                inside += 1;
            }
        }
        let nf = n as f64;
        let tolerance = SIGMAS * (0.25 * 0.75 / nf).sqrt();
        assert!(
            (zeros as f64 / nf - 0.25).abs() < tolerance,
            "zeros {zeros}"
        );
        assert!((ones as f64 / nf - 0.25).abs() < tolerance, "ones {ones}");
        assert!((inside as f64 / nf - 0.5).abs() < SIGMAS * (0.25 / nf).sqrt());

        assert_eq!(Domain::NonNegative.clip(-3.0), 0.0);
        assert_eq!(Domain::NonNegative.clip(3.0), 3.0);
        assert_eq!(Domain::AtLeast(-1.0).clip(-1.5), -1.0);
        assert_eq!(Domain::AtLeast(-1.0).clip(-0.5), -0.5);
        assert_eq!(Domain::UnitInterval.clip(1.5), 1.0);
        assert_eq!(Domain::Any.clip(-7.0), -7.0);
    }

    /// One distribution of every form and branch, for the value-stability pins.
    fn every_sampler() -> Vec<(&'static str, Distribution)> {
        let ok = |d: Result<Distribution, ParamError>| d.expect("valid");
        vec![
            ("fixed", ok(Distribution::fixed(4.25))),
            ("uniform", ok(Distribution::uniform(2.0, 5.0))),
            ("triangular", ok(Distribution::triangular(1.0, 3.0, 7.0))),
            ("pert", ok(Distribution::pert(12.0, 24.0, 48.0))),
            ("normal", ok(Distribution::normal(3.0, 2.0, None, None))),
            (
                "truncated normal",
                ok(Distribution::normal(0.5, 1.5, Some(-1.0), Some(2.0))),
            ),
            (
                "far-tail normal",
                ok(Distribution::normal(0.0, 1.0, Some(8.0), None)),
            ),
            (
                "lognormal median p90",
                ok(Distribution::lognormal_median_p90(10.0, 60.0)),
            ),
            (
                "lognormal mean sd",
                ok(Distribution::lognormal_mean_sd(5.0, 2.0)),
            ),
            ("gamma", ok(Distribution::gamma(2.0, 3.0))),
            ("gamma shape < 1", ok(Distribution::gamma(0.3, 2.0))),
            ("exponential", ok(Distribution::exponential(3.0))),
            ("beta", ok(Distribution::beta(2.0, 3.0))),
            ("beta shapes < 1", ok(Distribution::beta(0.5, 0.3))),
            ("poisson small", ok(Distribution::poisson(3.5))),
            ("poisson large", ok(Distribution::poisson(37.5))),
        ]
    }

    /// Value stability: the first three draws of every sampler from
    /// Stream::new(1, 2, "disruption/x"), as exact bit patterns. If this fails, the
    /// maths of a sampler changed (or a dependency's), and with it every result.
    #[test]
    fn first_draws_of_every_sampler_are_pinned() {
        let samplers = every_sampler();
        assert_eq!(samplers.len(), PINNED.len());
        let mut table = String::new();
        let mut changed = Vec::new();
        for ((name, dist), (pinned_name, bits)) in samplers.iter().zip(PINNED) {
            assert_eq!(*name, pinned_name);
            let mut stream = Stream::new(1, 2, "disruption/x");
            let got: Vec<u64> = (0..3).map(|_| dist.sample(&mut stream).to_bits()).collect();
            table += &format!(
                "(\"{name}\", [{:#018x}, {:#018x}, {:#018x}]),\n",
                got[0], got[1], got[2]
            );
            if got != bits {
                let values: Vec<f64> = got.iter().map(|b| f64::from_bits(*b)).collect();
                changed.push(format!("{name}: {values:?}"));
            }
        }
        assert!(
            changed.is_empty(),
            "draws changed: {changed:#?}\nIf intended, every result changes too; new pins:\n{table}"
        );
    }

    const PINNED: [(&str, [u64; 3]); 16] = [
        (
            "fixed",
            [0x4011000000000000, 0x4011000000000000, 0x4011000000000000],
        ),
        (
            "uniform",
            [0x4012d101f21ae372, 0x401193ca31fc1ac2, 0x400fcb7fcf7c7c36],
        ),
        (
            "triangular",
            [0x4015d887075b62d3, 0x401331f20b5f85ec, 0x40108acd4a02111a],
        ),
        (
            "pert",
            [0x403ea16669a1f83e, 0x403753a507100d4e, 0x403d41289aa5a5a4],
        ),
        (
            "normal",
            [0x401650ae82876a9e, 0x4012add7ff0a2f0d, 0x400e8479245f7e18],
        ),
        (
            "truncated normal",
            [0x3ffa0d080977d9ee, 0x3ff4d4351ca60bd4, 0x3fed2699ea351632],
        ),
        (
            "far-tail normal",
            [0x40208f969506473d, 0x402063b16f0885c6, 0x4020432166759acd],
        ),
        (
            "lognormal median p90",
            [0x404e54afbd3a68ed, 0x404010e4b4cd409f, 0x4031ac8e2a0cb9c8],
        ),
        (
            "lognormal mean sd",
            [0x401e8436233241fc, 0x40199d59512b8610, 0x4015b98921640b0a],
        ),
        (
            "gamma",
            [0x4027ae833bfe36aa, 0x401aff5bdddbe802, 0x40205c5fd5e08378],
        ),
        (
            "gamma shape < 1",
            [0x3ff6c40c8c7a64a5, 0x3fa4f01a83c9f5f0, 0x40033a168c0fb556],
        ),
        (
            "exponential",
            [0x3fd3efef65565fa1, 0x3fe5a6257e0bcabc, 0x3ff414e025ba94a7],
        ),
        (
            "beta",
            [0x3fe137b615be4e2f, 0x3fd4382a73a8ea27, 0x3fdfef817af66692],
        ),
        (
            "beta shapes < 1",
            [0x3fef886d2e6e2d0d, 0x3fed1bd1e42b70b8, 0x3fefd29ff0ebe947],
        ),
        (
            "poisson small",
            [0x4018000000000000, 0x4014000000000000, 0x4010000000000000],
        ),
        (
            "poisson large",
            [0x4047800000000000, 0x4044000000000000, 0x4045000000000000],
        ),
    ];

    #[test]
    fn domain_errors_name_the_parameter_at_fault() {
        let key = |result: Result<Distribution, ParamError>| match result {
            Ok(dist) => panic!("{dist} was accepted"),
            Err(error) => error.key,
        };
        assert_eq!(key(Distribution::fixed(f64::NAN)), "value");
        assert_eq!(key(Distribution::uniform(f64::INFINITY, 1.0)), "min");
        assert_eq!(key(Distribution::uniform(2.0, 1.0)), "max");
        assert_eq!(key(Distribution::triangular(2.0, 1.0, 3.0)), "mode");
        assert_eq!(key(Distribution::triangular(1.0, 4.0, 3.0)), "mode");
        assert_eq!(key(Distribution::triangular(1.0, 1.0, 1.0)), "max");
        assert_eq!(key(Distribution::pert(2.0, 1.0, 3.0)), "mode");
        assert_eq!(key(Distribution::pert(1.0, f64::NAN, 3.0)), "mode");
        assert_eq!(key(Distribution::pert(3.0, 3.0, 3.0)), "max");
        assert_eq!(key(Distribution::normal(0.0, 0.0, None, None)), "sd");
        assert_eq!(key(Distribution::normal(0.0, -1.0, None, None)), "sd");
        assert_eq!(key(Distribution::normal(f64::NAN, 1.0, None, None)), "mean");
        assert_eq!(
            key(Distribution::normal(0.0, 1.0, Some(2.0), Some(1.0))),
            "max"
        );
        assert_eq!(
            key(Distribution::normal(0.0, 1.0, Some(1.0), Some(1.0))),
            "max"
        );
        assert_eq!(
            key(Distribution::normal(0.0, 1.0, Some(f64::NAN), None)),
            "min"
        );
        assert_eq!(key(Distribution::normal(0.0, 1.0, Some(40.0), None)), "min");
        assert_eq!(
            key(Distribution::normal(0.0, 1.0, None, Some(-40.0))),
            "max"
        );
        assert_eq!(key(Distribution::lognormal_median_p90(0.0, 1.0)), "median");
        assert_eq!(key(Distribution::lognormal_median_p90(10.0, 5.0)), "p90");
        assert_eq!(key(Distribution::lognormal_median_p90(10.0, 10.0)), "p90");
        assert_eq!(
            key(Distribution::lognormal_median_p90(1e-300, 1e300)),
            "p90"
        );
        assert_eq!(key(Distribution::lognormal_mean_sd(-1.0, 1.0)), "mean");
        assert_eq!(key(Distribution::lognormal_mean_sd(1.0, -1.0)), "sd");
        assert_eq!(key(Distribution::lognormal_mean_sd(1e-200, 1e200)), "sd");
        assert_eq!(key(Distribution::gamma(0.0, 1.0)), "shape");
        assert_eq!(key(Distribution::gamma(1.0, 0.0)), "scale");
        assert_eq!(key(Distribution::gamma(1e200, 1e200)), "shape");
        assert_eq!(key(Distribution::gamma(1e5, 1e305)), "scale");
        assert_eq!(key(Distribution::exponential(0.0)), "mean");
        assert_eq!(key(Distribution::beta(0.0, 1.0)), "a");
        assert_eq!(key(Distribution::beta(1.0, -1.0)), "b");
        assert_eq!(key(Distribution::beta(1.0, f64::INFINITY)), "b");
        assert_eq!(key(Distribution::poisson(-1.0)), "mean");
        assert_eq!(key(Distribution::poisson(2e9)), "mean");

        let error = Distribution::lognormal_median_p90(10.0, 5.0).expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "p90 (5) must be greater than median (10)"
        );
        let error = Distribution::triangular(2.0, 1.0, 3.0).expect_err("invalid");
        assert_eq!(error.to_string(), "mode (1) must not be less than min (2)");
    }

    /// Regression test for a zero-sd lognormal whose `quantile(0)` and `quantile(1)` were NaN
    /// (σ·z = 0·∞): degenerate but valid distributions are their point everywhere.
    #[test]
    fn degenerate_distributions_are_their_point_in_every_draw_mean_and_quantile() {
        // Degenerate but valid: a point uniform, a zero-sd lognormal and a zero poisson are
        // the fixed values 1, 3 and 0 (every draw, the mean and every quantile); a normal
        // truncated 35 sd out draws from its far tail, just above 35 (the mean of the tail
        // beyond a is about a + 1/a; P(X > 36 | X > 35) ≈ e^(−35.5) is nil).
        let mut stream = Stream::new(SEED, 0, "degenerate");
        for (d, value) in [
            (Distribution::uniform(1.0, 1.0), 1.0),
            (Distribution::lognormal_mean_sd(3.0, 0.0), 3.0),
            (Distribution::poisson(0.0), 0.0),
        ] {
            let d = d.expect("valid");
            let near = |x: f64| (x - value).abs() <= 1e-12 * value.max(1.0);
            assert!(near(d.mean()), "{d}: mean {}", d.mean());
            for p in [0.0, 0.05, 0.5, 0.95, 1.0] {
                assert!(near(d.quantile(p)), "{d}: quantile({p}) {}", d.quantile(p));
            }
            for _ in 0..1000 {
                let x = d.sample(&mut stream);
                assert!(near(x), "{d}: drew {x}");
            }
        }
        let tail = Distribution::normal(0.0, 1.0, Some(35.0), None).expect("valid");
        assert!((tail.mean() - 35.0285).abs() < 1e-3, "{}", tail.mean());
        assert!((35.0..36.0).contains(&tail.quantile(0.5)));
        for _ in 0..1000 {
            let x = tail.sample(&mut stream);
            assert!((35.0..36.0).contains(&x), "drew {x}");
        }
    }

    #[test]
    fn display_shows_the_form_as_written() {
        let shown = |d: Result<Distribution, ParamError>| d.expect("valid").to_string();
        assert_eq!(shown(Distribution::fixed(0.03)), "0.03");
        assert_eq!(
            shown(Distribution::uniform(0.0, 1.5)),
            "uniform(min 0, max 1.5)"
        );
        assert_eq!(
            shown(Distribution::triangular(1.0, 2.0, 5.0)),
            "triangular(min 1, mode 2, max 5)"
        );
        assert_eq!(
            shown(Distribution::pert(12.0, 24.0, 48.0)),
            "pert(min 12, mode 24, max 48)"
        );
        assert_eq!(
            shown(Distribution::normal(0.02, 0.01, None, None)),
            "normal(mean 0.02, sd 0.01)"
        );
        assert_eq!(
            shown(Distribution::normal(0.02, 0.01, Some(-1.0), None)),
            "normal(mean 0.02, sd 0.01, min -1)"
        );
        assert_eq!(
            shown(Distribution::normal(0.5, 0.2, Some(0.0), Some(1.0))),
            "normal(mean 0.5, sd 0.2, min 0, max 1)"
        );
        assert_eq!(
            shown(Distribution::lognormal_median_p90(10.0, 60.0)),
            "lognormal(median 10, p90 60)"
        );
        assert_eq!(
            shown(Distribution::lognormal_mean_sd(5.0, 2.0)),
            "lognormal(mean 5, sd 2)"
        );
        assert_eq!(
            shown(Distribution::gamma(2.0, 0.5)),
            "gamma(shape 2, scale 0.5)"
        );
        assert_eq!(shown(Distribution::exponential(3.0)), "exponential(mean 3)");
        assert_eq!(shown(Distribution::beta(2.0, 3.0)), "beta(a 2, b 3)");
        assert_eq!(shown(Distribution::poisson(8.0)), "poisson(mean 8)");
    }

    /// Quantiles against independent CDFs (statrs): F(quantile(p)) = p up to the
    /// float grid for the continuous forms, and the defining inequalities for the Poisson.
    #[test]
    fn quantiles_invert_the_cdfs() {
        let ps = [1e-10, 0.001, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.999];
        let check = |name: &str, dist: Distribution, cdf: &dyn Fn(f64) -> f64| {
            for p in ps {
                // p must lie between the CDF just below and just above x (where
                // the CDF is steep, no float hits p exactly), up to a relative
                // 1e-9 for the rounding of the CDFs themselves, plus a few ulps of 1
                // for inversions that add p to a probability of order 1 (a bound of
                // a truncated normal near the mean, where Φ(α) + p·Z keeps an
                // absolute, not a relative, precision).
                let x = dist.quantile(p);
                let below = cdf(x.next_down());
                let above = cdf(x.next_up());
                let tolerance = 1e-9 * p.min(1.0 - p) + 4.0 * f64::EPSILON;
                assert!(
                    below - tolerance <= p && p <= above + tolerance,
                    "{name}: quantile({p}) = {x} with F between {below} and {above}"
                );
            }
        };
        let d = |r: Result<Distribution, ParamError>| r.expect("valid");
        let uniform = UniformCdf::new(2.0, 5.0).expect("valid");
        check("uniform", d(Distribution::uniform(2.0, 5.0)), &|x| {
            uniform.cdf(x)
        });
        let triangular = TriangularCdf::new(1.0, 7.0, 3.0).expect("valid");
        check(
            "triangular",
            d(Distribution::triangular(1.0, 3.0, 7.0)),
            &|x| triangular.cdf(x),
        );
        let pert = BetaCdf::new(1.0 + 4.0 / 3.0, 1.0 + 8.0 / 3.0).expect("valid");
        check("pert", d(Distribution::pert(12.0, 24.0, 48.0)), &|x| {
            pert.cdf((x - 12.0) / 36.0)
        });
        let normal = NormalCdf::new(3.0, 2.0).expect("valid");
        check(
            "normal",
            d(Distribution::normal(3.0, 2.0, None, None)),
            &|x| normal.cdf(x),
        );
        for (mean, sd, min, max) in [
            (0.5, 1.5, Some(-1.0), Some(2.0)),
            (0.0, 1.0, Some(8.0), None),
            (10.0, 2.0, None, Some(-30.0)),
        ] {
            let law = TruncatedLaw::new(mean, sd, min, max);
            check(
                "truncated",
                d(Distribution::normal(mean, sd, min, max)),
                &|x| law.cdf(x),
            );
        }
        let lognormal = LogNormalCdf::new(10f64.ln(), 6f64.ln() / Z_90).expect("valid");
        check(
            "lognormal",
            d(Distribution::lognormal_median_p90(10.0, 60.0)),
            &|x| lognormal.cdf(x),
        );
        let gamma = GammaCdf::new(0.3, 0.5).expect("valid");
        check("gamma", d(Distribution::gamma(0.3, 2.0)), &|x| gamma.cdf(x));
        let exponential = ExpCdf::new(1.0 / 3.0).expect("valid");
        check("exponential", d(Distribution::exponential(3.0)), &|x| {
            exponential.cdf(x)
        });
        for (a, b) in [(2.0, 3.0), (0.05, 0.2)] {
            let beta = BetaCdf::new(a, b).expect("valid");
            check("beta", d(Distribution::beta(a, b)), &|x| beta.cdf(x));
        }

        // The (median, p90) form reproduces its own parameters.
        let lognormal = d(Distribution::lognormal_median_p90(10.0, 60.0));
        assert!((lognormal.quantile(0.5) - 10.0).abs() < 1e-12);
        assert!((lognormal.quantile(0.9) - 60.0).abs() < 1e-10);

        for mean in [0.3, 3.5, 37.5, 1e6] {
            let dist = d(Distribution::poisson(mean));
            let cdf = PoissonCdf::new(mean).expect("valid");
            for p in ps {
                let k = dist.quantile(p);
                assert!(k >= 0.0 && k == k.floor());
                assert!(cdf.cdf(k as u64) >= p, "poisson({mean}) at {p}: {k}");
                assert!(
                    k == 0.0 || cdf.cdf(k as u64 - 1) < p,
                    "poisson({mean}) at {p}: {k}"
                );
            }
            assert_eq!(dist.quantile(1.0), f64::INFINITY);
        }
        assert_eq!(d(Distribution::poisson(0.0)).quantile(0.9), 0.0);

        // quantile(0) and quantile(1) are the ends of the support.
        for (dist, low, high) in [
            (d(Distribution::fixed(2.5)), 2.5, 2.5),
            (d(Distribution::uniform(2.0, 5.0)), 2.0, 5.0),
            (d(Distribution::triangular(1.0, 3.0, 7.0)), 1.0, 7.0),
            (d(Distribution::pert(12.0, 24.0, 48.0)), 12.0, 48.0),
            (
                d(Distribution::normal(0.0, 1.0, None, None)),
                f64::NEG_INFINITY,
                f64::INFINITY,
            ),
            (
                d(Distribution::normal(0.0, 1.0, Some(8.0), None)),
                8.0,
                f64::INFINITY,
            ),
            (
                d(Distribution::lognormal_mean_sd(5.0, 2.0)),
                0.0,
                f64::INFINITY,
            ),
            (d(Distribution::gamma(0.3, 2.0)), 0.0, f64::INFINITY),
            (d(Distribution::exponential(3.0)), 0.0, f64::INFINITY),
            (d(Distribution::beta(0.05, 0.2)), 0.0, 1.0),
            (d(Distribution::poisson(3.5)), 0.0, f64::INFINITY),
        ] {
            assert_eq!(dist.quantile(0.0), low, "{dist}");
            assert_eq!(dist.quantile(1.0), high, "{dist}");
        }

        let truncated = d(Distribution::normal(0.0, 1.0, Some(-1.0), Some(2.0)));
        assert_eq!(truncated.quantile(0.0), -1.0);
        assert_eq!(truncated.quantile(1.0), 2.0);
        assert!(truncated.quantile(1.5).is_nan() && truncated.quantile(f64::NAN).is_nan());
    }

    /// Loader's saddle-point log pmf against the textbook form where the latter is
    /// accurate (moderate means), and against statrs's pmf at a mean of 1e6.
    #[test]
    fn poisson_log_pmf_is_accurate() {
        for mean in [10.0f64, 37.5, 200.0] {
            for k in 0..600 {
                let k = k as f64;
                let textbook = k * mean.ln() - mean - libm::lgamma(k + 1.0);
                let loader = ln_poisson_pmf(k, mean, mean.ln());
                assert!(
                    (loader - textbook).abs() < 1e-11 * textbook.abs().max(1.0),
                    "mean {mean}, k {k}: {loader} vs {textbook}"
                );
            }
        }
        let poisson = PoissonCdf::new(1e6).expect("valid");
        for k in [990_000u64, 999_000, 1_000_000, 1_001_234, 1_010_000] {
            let expected = poisson.ln_pmf(k);
            let loader = ln_poisson_pmf(k as f64, 1e6, 1e6f64.ln());
            assert!(
                (loader - expected).abs() < 1e-8,
                "k {k}: {loader} vs {expected}"
            );
        }
    }

    /// AS241 against statrs's independent inverse CDF in the body, and against
    /// Φ (libm's erfc) in the far tail, where a relative error of 1e-16 in z gives a
    /// relative error of about |z|²·1e-16 in Φ(z).
    #[test]
    fn as241_inverts_the_normal_cdf() {
        let reference = NormalCdf::standard();
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            let z = standard_normal_quantile(p);
            let expected = reference.inverse_cdf(p);
            assert!(
                (z - expected).abs() < 1e-13 * expected.abs().max(1.0),
                "p = {p}"
            );
        }
        for exponent in 1..=300 {
            let p = 10f64.powi(-exponent);
            let z = standard_normal_quantile(p);
            let back = standard_normal_cdf(z);
            assert!(
                ((back - p) / p).abs() < 1e-12,
                "p = {p}: z = {z}, Φ(z) = {back}"
            );
            assert_eq!(
                standard_normal_quantile(1.0 - p),
                -standard_normal_quantile(1.0 - (1.0 - p))
            );
        }
        assert_eq!(standard_normal_quantile(0.5), 0.0);
        assert_eq!(standard_normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(standard_normal_quantile(1.0), f64::INFINITY);
        assert!(standard_normal_quantile(-0.1).is_nan());
    }
}

//! Sampling a project: whether it succeeds, when it comes online, its ramp and capacity factor.

use crate::engine::stream::Stream;
use crate::model::Project;
use crate::model::distribution::Domain;

// One substream per quantity, so that a variant overriding one (say `online_month`) keeps the
// others' draws aligned with the baseline's (common random numbers).
const PROBABILITY: u64 = 0;
const SUCCESS: u64 = 1;
const ONLINE: u64 = 2;
const RAMP: u64 = 3;
const FACTOR: u64 = 4;

/// One trial's draw of a project.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectDraw {
    /// Whether the project ever produces.
    pub success: bool,
    /// First month online, `floor(online_month)`.
    pub online_month: f64,
    /// Months of linear ramp (a real number; 0 is a step).
    pub ramp_months: f64,
    /// Share of nameplate reached.
    pub capacity_factor: f64,
}

impl ProjectDraw {
    /// Capacity multiplier in month `m`: factor × clamp((m − o + 1)/ramp, 0, 1), a step at o
    /// when the ramp is 0, and 0 on failure.
    pub fn factor(&self, m: usize) -> f64 {
        if !self.success {
            return 0.0;
        }
        let since = m as f64 - self.online_month + 1.0;
        let ramp = if self.ramp_months > 0.0 {
            (since / self.ramp_months).clamp(0.0, 1.0)
        } else if since >= 1.0 {
            1.0
        } else {
            0.0
        };
        self.capacity_factor * ramp
    }
}

/// Draws a project once for a trial. Success is u < p with u uniform and p the (possibly
/// random) success probability, so raising p in a variant only turns failures into successes.
pub fn sample(project: &Project, stream: &Stream) -> ProjectDraw {
    let probability = project
        .success_probability
        .sample_clipped(&mut stream.substream(PROBABILITY), Domain::UnitInterval);
    let success = stream.substream(SUCCESS).uniform() < probability;
    let online = project
        .online_month
        .sample_clipped(&mut stream.substream(ONLINE), Domain::Any);
    let ramp_months = project
        .ramp_months
        .sample_clipped(&mut stream.substream(RAMP), Domain::NonNegative);
    let capacity_factor = project
        .capacity_factor
        .sample_clipped(&mut stream.substream(FACTOR), Domain::NonNegative);
    ProjectDraw {
        success,
        online_month: libm::floor(online),
        ramp_months,
        capacity_factor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_linearly_from_the_online_month() {
        let draw = ProjectDraw {
            success: true,
            online_month: 12.0,
            ramp_months: 4.0,
            capacity_factor: 0.8,
        };
        assert_eq!(draw.factor(11), 0.0);
        assert!((draw.factor(12) - 0.2).abs() < 1e-15);
        assert!((draw.factor(14) - 0.6).abs() < 1e-15);
        assert!((draw.factor(15) - 0.8).abs() < 1e-15);
        assert!((draw.factor(100) - 0.8).abs() < 1e-15);
        let step = ProjectDraw {
            ramp_months: 0.0,
            ..draw
        };
        assert_eq!(step.factor(11), 0.0);
        assert_eq!(step.factor(12), 0.8);
        let failed = ProjectDraw {
            success: false,
            ..draw
        };
        assert_eq!(failed.factor(50), 0.0);
    }
}

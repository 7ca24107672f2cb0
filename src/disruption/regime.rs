//! Sampling a regime's monthly state path: a discrete-time Markov chain (SPEC 3).

use crate::engine::stream::Stream;
use crate::model::Regime;

/// Writes the state of each month into `states`: month 0 from `initial`, month m+1 from the
/// transition row of month m's state, one uniform draw per month (inversion of the row's CDF).
pub fn sample(regime: &Regime, stream: &Stream, states: &mut [u16]) {
    let mut rng = stream.substream(0);
    let mut state = pick(&regime.initial, rng.uniform());
    for slot in states.iter_mut() {
        *slot = state as u16;
        state = pick(&regime.transitions[state], rng.uniform());
    }
}

/// The index i with F(i−1) ≤ u < F(i) for the cumulative sums F of `probabilities`, skipping
/// zero-probability entries even when rounding leaves u above the last cumulative sum.
fn pick(probabilities: &[f64], u: f64) -> usize {
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (i, &p) in probabilities.iter().enumerate() {
        if p > 0.0 {
            last_positive = i;
            cumulative += p;
            if u < cumulative {
                return i;
            }
        }
    }
    last_positive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_cumulative_probability_and_never_a_zero_state() {
        let p = [0.2, 0.0, 0.8];
        assert_eq!(pick(&p, 0.0), 0);
        assert_eq!(pick(&p, 0.19), 0);
        assert_eq!(pick(&p, 0.2), 2);
        assert_eq!(pick(&p, 0.999_999_999_999), 2);
        // Rows summing to 1 − 1e-7 (accepted within 1e-6): u above the sum still lands on a
        // state with positive probability.
        assert_eq!(pick(&[0.5, 0.4999999, 0.0], 0.99999999), 1);
    }
}

//! Distributions for display: the summary's exact histogram counts merged into wider bins that
//! suit a panel (one grid shared by every variant drawn together), point masses kept apart, and
//! exceedance curves. Pure arithmetic, no drawing.

use crate::report::summary::Histogram;

/// Display bins: `factor` consecutive native bins of the scale merged into one, aligned on
/// multiples of `factor` so every display bin is an exact sum of native counts. Factors are
/// powers of two, which divide the scales' 2048 bins per unit: 0 is always a bin edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Grid {
    /// Lower edge of the scale's native bin 0.
    origin: f64,
    /// Native bin width.
    native_width: f64,
    /// Native bins per display bin.
    factor: usize,
    /// Native index where display bin 0 starts.
    first: usize,
    /// Number of display bins.
    count: usize,
}

impl Grid {
    /// A grid covering every occupied bin of `histograms` with at most `target` display bins
    /// across `[low, high]`, or `None` when no histogram has an occupied bin (only atoms).
    pub fn covering(
        histograms: &[&Histogram],
        (low, high): (f64, f64),
        target: usize,
    ) -> Option<Grid> {
        let with_bins: Vec<&&Histogram> =
            histograms.iter().filter(|h| !h.bins.is_empty()).collect();
        let first = with_bins.first()?;
        let (origin, native_width) = (first.bin_origin, first.bin_width);
        let lowest = with_bins.iter().map(|h| h.first_bin).min()?;
        let highest = with_bins
            .iter()
            .map(|h| h.first_bin + h.bins.len() - 1)
            .max()?;
        let span_bins = ((high - low) / native_width).ceil().max(1.0) as usize;
        let mut factor = 1usize;
        while span_bins.div_ceil(factor) > target.max(1) {
            factor *= 2;
        }
        let start = lowest / factor * factor;
        let end = (highest + 1).div_ceil(factor) * factor;
        Some(Grid {
            origin,
            native_width,
            factor,
            first: start,
            count: (end - start) / factor,
        })
    }

    /// Width of a display bin.
    pub fn width(&self) -> f64 {
        self.native_width * self.factor as f64
    }

    /// Edges of display bin `j`.
    fn edges(&self, j: usize) -> (f64, f64) {
        let low = self.origin + (self.first + j * self.factor) as f64 * self.native_width;
        (low, low + self.width())
    }
}

/// A histogram as drawn: bars `(low, high, share of trials)` on the grid and point masses
/// `(value, share of trials)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Shape {
    /// Display bins, in order, with the share of all trials in each.
    pub bars: Vec<(f64, f64, f64)>,
    /// Values held exactly (atoms), with the share of trials at each.
    pub atoms: Vec<(f64, f64)>,
}

impl Shape {
    /// Largest bar share.
    pub fn bars_peak(&self) -> f64 {
        self.bars.iter().map(|b| b.2).fold(0.0, f64::max)
    }

    /// Largest atom share.
    pub fn atoms_peak(&self) -> f64 {
        self.atoms.iter().map(|a| a.1).fold(0.0, f64::max)
    }
}

/// The top of a distribution chart's y axis, as a share, for `shapes` drawn together: their
/// tallest bar, or a point mass up to three times as tall, so that one large point mass (all
/// trials at 0) does not flatten every histogram; taller point masses run off the top (their
/// share is written by their dot). With no bars, the tallest point mass.
pub(crate) fn y_top(shapes: &[Shape]) -> f64 {
    let bars = shapes.iter().map(Shape::bars_peak).fold(0.0, f64::max);
    let atoms = shapes.iter().map(Shape::atoms_peak).fold(0.0, f64::max);
    if bars > 0.0 {
        bars.max(atoms.min(3.0 * bars))
    } else {
        atoms
    }
}

/// The shape of `histogram` on `grid`.
pub(crate) fn shape(histogram: &Histogram, grid: Option<&Grid>) -> Shape {
    if histogram.n == 0 {
        return Shape::default();
    }
    let n = histogram.n as f64;
    let atoms = histogram
        .exact
        .iter()
        .map(|&(value, count)| (value, count as f64 / n))
        .collect();
    let bars = match grid {
        Some(grid) => {
            let mut counts = vec![0u64; grid.count];
            for (k, &count) in histogram.bins.iter().enumerate() {
                let native = histogram.first_bin + k;
                if native >= grid.first {
                    let j = (native - grid.first) / grid.factor;
                    if let Some(slot) = counts.get_mut(j) {
                        *slot += count;
                    }
                }
            }
            counts
                .iter()
                .enumerate()
                .map(|(j, &c)| {
                    let (low, high) = grid.edges(j);
                    (low, high, c as f64 / n)
                })
                .collect()
        }
        None => Vec::new(),
    };
    Shape { bars, atoms }
}

/// The smallest and largest values of the non-empty histograms, or `None` if all are empty.
pub(crate) fn value_range(histograms: &[&Histogram]) -> Option<(f64, f64)> {
    histograms
        .iter()
        .filter(|h| h.n > 0)
        .map(|h| (h.min, h.max))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
}

/// The exceedance curve `x ↦ P(X > x)` of a share on [0, 1], as points joined by straight
/// lines: exact at every native bin edge (all values in a bin lie at or above its lower edge),
/// linear within a bin (values spread evenly), flat where no value lies, and dropping to 0 at
/// x = 1 (values of exactly 1 exceed every x < 1).
pub(crate) fn exceedance(histogram: &Histogram) -> Vec<(f64, f64)> {
    if histogram.n == 0 {
        return Vec::new();
    }
    let n = histogram.n as f64;
    let at = |value: f64| {
        histogram
            .exact
            .iter()
            .filter(|(v, _)| *v == value)
            .map(|(_, c)| *c)
            .sum::<u64>()
    };
    let ones = at(1.0);
    let mut above = histogram.n - at(0.0);
    let mut points = vec![(0.0, above as f64 / n)];
    for (k, &count) in histogram.bins.iter().enumerate() {
        let low = histogram.bin_origin + (histogram.first_bin + k) as f64 * histogram.bin_width;
        if k == 0 {
            points.push((low, above as f64 / n));
        }
        above -= count;
        points.push((low + histogram.bin_width, above as f64 / n));
    }
    debug_assert_eq!(above, ones, "bins and atoms add up to n");
    points.push((1.0, ones as f64 / n));
    points.push((1.0, 0.0));
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tall_point_mass_does_not_flatten_the_histograms() {
        let bars = |peak: f64| Shape {
            bars: vec![(0.0, 0.1, peak / 2.0), (0.1, 0.2, peak)],
            atoms: Vec::new(),
        };
        let atom = |share: f64| Shape {
            bars: Vec::new(),
            atoms: vec![(0.0, share)],
        };
        // All of one variant at 0, the other spread: the axis follows the bars (up to 3×).
        assert_eq!(y_top(&[atom(1.0), bars(0.05)]), 3.0 * 0.05);
        // A point mass within three times the bars sets the top itself.
        assert_eq!(y_top(&[atom(0.179), bars(0.248)]), 0.248);
        assert_eq!(y_top(&[atom(0.3), bars(0.2)]), 0.3);
        // Nothing but point masses: the tallest.
        assert_eq!(y_top(&[atom(0.683), atom(0.289)]), 0.683);
    }

    fn histogram(
        first_bin: usize,
        bins: Vec<u64>,
        exact: Vec<(f64, u64)>,
        origin: f64,
    ) -> Histogram {
        let n = bins.iter().sum::<u64>() + exact.iter().map(|e| e.1).sum::<u64>();
        let w = 1.0 / 2048.0;
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        for &(v, _) in &exact {
            min = min.min(v);
            max = max.max(v);
        }
        if !bins.is_empty() {
            min = min.min(origin + first_bin as f64 * w);
            max = max.max(origin + (first_bin + bins.len()) as f64 * w);
        }
        Histogram {
            variant: "v".into(),
            commodity: "c".into(),
            metric: "m".into(),
            n,
            min,
            max,
            exact,
            bin_origin: origin,
            bin_width: w,
            first_bin,
            bins,
        }
    }

    #[test]
    fn display_bins_are_exact_sums_aligned_on_zero() {
        // A reduction: bins 2040..2056 of the signed scale straddle 0 (index 2048 starts at 0).
        let h = histogram(2040, (1..=16).collect(), vec![(0.0, 10)], -1.0);
        let range = value_range(&[&h]).expect("data");
        let grid = Grid::covering(&[&h], range, 4).expect("bins");
        assert_eq!(grid.factor, 4);
        let s = shape(&h, Some(&grid));
        let total: f64 =
            s.bars.iter().map(|b| b.2).sum::<f64>() + s.atoms.iter().map(|a| a.1).sum::<f64>();
        assert!((total - 1.0).abs() < 1e-12);
        // 0 is an edge of the display grid.
        assert!(s.bars.iter().any(|b| b.0 == 0.0));
        // First display bin = native 2040..2043 = 1 + 2 + 3 + 4 = 10 of n.
        assert!((s.bars[0].2 - 10.0 / h.n as f64).abs() < 1e-15);
        assert_eq!(s.atoms, vec![(0.0, 10.0 / h.n as f64)]);
    }

    #[test]
    fn exceedance_is_exact_at_bin_edges() {
        // 2 values at 0, 3 in bin 100, 4 in bin 102, 1 at 1: n = 10.
        let h = histogram(100, vec![3, 0, 4], vec![(0.0, 2), (1.0, 1)], 0.0);
        let curve = exceedance(&h);
        let w = 1.0 / 2048.0;
        assert_eq!(curve[0], (0.0, 0.8));
        assert_eq!(curve[1], (100.0 * w, 0.8));
        assert_eq!(curve[2], (101.0 * w, 0.5));
        assert_eq!(curve[3], (102.0 * w, 0.5));
        assert_eq!(curve[4], (103.0 * w, 0.1));
        assert_eq!(curve[5], (1.0, 0.1));
        assert_eq!(curve[6], (1.0, 0.0));
        // Non-increasing.
        assert!(curve.windows(2).all(|p| p[1].1 <= p[0].1));
    }

    #[test]
    fn atoms_only_need_no_grid() {
        let h = histogram(0, vec![], vec![(1.0, 5)], 0.0);
        assert!(Grid::covering(&[&h], (1.0, 1.0), 40).is_none());
        let s = shape(&h, None);
        assert_eq!(s.atoms, vec![(1.0, 1.0)]);
        assert_eq!((s.atoms_peak(), s.bars_peak()), (1.0, 0.0));
    }
}

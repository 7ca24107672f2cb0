//! Charts: one function per chart, each turning report data (a [`Summary`] or a
//! [`NetworkView`], never engine types) into PNG bytes, plus the list of charts a run draws
//! with a line on how to read each.
//!
//! Every chart is [`style::WIDTH`] × [`style::HEIGHT`] pixels, titled with the question it
//! answers, with axes labelled in units, a legend strip under the title (never over data), one
//! colour per variant kept across charts, and one panel per commodity in a grid. A commodity
//! with nothing to show in a chart (exactly 0, or no change, in every trial of every variant)
//! gets no panel: it is named in one line under the legend, and the grid is sized for the
//! others ([`PanelLayout`]). Text uses the embedded DejaVu Sans font. Drawing is deterministic,
//! so the same inputs give the same bytes.

mod axes;
mod canvas;
mod distribution;
mod exceedance;
mod fan;
mod histogram;
mod network;
pub mod style;
mod text;

use plotters::drawing::DrawingAreaErrorKind;
use rayon::prelude::*;

use crate::report::graph::NetworkView;
use crate::report::summary::Summary;

pub use canvas::{PanelLayout, decimals_for, percent, points};
pub use distribution::{dependency_distribution, reduction_distribution};
pub use exceedance::shortfall_exceedance;
pub use fan::{monthly_dependency, monthly_shortfall};
pub use network::network;

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    /// Plotters failed while drawing.
    #[error("cannot draw a chart: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("cannot encode a chart as PNG: {0}")]
    Encode(String),
    /// The embedded font could not be loaded.
    #[error("cannot load the charts' font: {0}")]
    Font(String),
    /// The summary lacks what the chart shows (a country, a comparison).
    #[error("nothing to draw: {0}")]
    NoData(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(error.to_string())
    }
}

/// Which chart, with what it needs beyond the summary.
#[derive(Debug, Clone, PartialEq)]
enum ChartKind {
    Dependency(String),
    Reduction(String),
    Exceedance,
    MonthlyDependency(String),
    MonthlyShortfall,
    Network(usize),
}

/// One chart of a run's report: its file name under `charts/`, what it shows and how to read
/// it (both for `report.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    /// File name, e.g. `dependency_CN.png`.
    pub file_name: String,
    /// What it shows, in a few words.
    pub title: String,
    /// One line on how to read it.
    pub how_to_read: String,
    kind: ChartKind,
}

impl ChartSpec {
    /// Draws the chart from `summary` and the network views it was planned with.
    pub fn draw(&self, summary: &Summary, networks: &[NetworkView]) -> Result<Vec<u8>, ChartError> {
        match &self.kind {
            ChartKind::Dependency(country) => dependency_distribution(summary, country),
            ChartKind::Reduction(country) => reduction_distribution(summary, country),
            ChartKind::Exceedance => shortfall_exceedance(summary),
            ChartKind::MonthlyDependency(country) => monthly_dependency(summary, country),
            ChartKind::MonthlyShortfall => monthly_shortfall(summary),
            ChartKind::Network(index) => networks
                .get(*index)
                .ok_or_else(|| ChartError::NoData(format!("network view {index}")))
                .and_then(network),
        }
    }

    /// How the chart lays out its per-commodity panels for `summary` (which commodities get a
    /// panel, which are named as having nothing to show, in what grid), as [`Self::draw`]
    /// draws them; `None` for a network chart, which has no panels.
    pub fn layout(&self, summary: &Summary) -> Result<Option<PanelLayout>, ChartError> {
        Ok(Some(match &self.kind {
            ChartKind::Dependency(country) => {
                distribution::dependency_chart(summary, country)?.layout
            }
            ChartKind::Reduction(country) => {
                distribution::reduction_chart(summary, country)?.layout
            }
            ChartKind::Exceedance => exceedance::layout(summary),
            ChartKind::MonthlyDependency(country) => {
                fan::layout(summary, &fan::dependency_fan(summary, country)?)
            }
            ChartKind::MonthlyShortfall => fan::layout(summary, &fan::shortfall_fan(summary)),
            ChartKind::Network(_) => return Ok(None),
        }))
    }
}

/// The charts of a run, in reading order: per country of `dependency_on` its distribution, the
/// paired reduction (when there is a comparison) and its monthly fan; then the shortfall
/// exceedance curves and monthly fan; then one network chart per view.
pub fn plan(summary: &Summary, networks: &[NetworkView]) -> Vec<ChartSpec> {
    let comparison = summary.variants.len() > 1;
    let market = &summary.focus_market_name;
    let mut specs = Vec::new();
    for country in &summary.dependency_on {
        specs.push(ChartSpec {
            file_name: format!("dependency_{country}.png"),
            title: format!("Dependency of {market} on {country}, distribution across trials"),
            how_to_read: format!(
                "One panel per commodity that depends on {country} at all (the others are named \
                 under the legend); each variant's histogram shows in how many trials \
                 (y, % of trials per bin) a given share of the demand of {market} over the horizon \
                 passed through {country} (x); dots on stems are trials at exactly that value; \
                 the caption gives each variant's mean and 5th–95th percentiles."
            ),
            kind: ChartKind::Dependency(country.clone()),
        });
        if comparison {
            specs.push(ChartSpec {
                file_name: format!("reduction_{country}.png"),
                title: format!("Paired reduction of the dependency on {country}"),
                how_to_read: format!(
                    "One panel per commodity that a variant changes (those with no change in any \
                     trial are named under the legend); per trial, baseline minus variant \
                     dependency on {country}, in percentage points (right of the dashed zero \
                     line: the variant is less dependent); the solid line is the mean, the shaded \
                     band its 95% confidence interval, and the caption gives P(reduction > 0), \
                     the share of trials in which the variant lowers the dependency."
                ),
                kind: ChartKind::Reduction(country.clone()),
            });
        }
        specs.push(ChartSpec {
            file_name: format!("monthly_dependency_{country}.png"),
            title: format!("Monthly dependency on {country}"),
            how_to_read: format!(
                "One panel per commodity that depends on {country} at all (the others are named \
                 under the legend); for each calendar month, the share of the demand of {market} \
                 that month met via {country}: the solid line is the median across trials, the \
                 dashed line the mean, the band spans the 5th to 95th percentile."
            ),
            kind: ChartKind::MonthlyDependency(country.clone()),
        });
    }
    specs.push(ChartSpec {
        file_name: "shortfall_exceedance.png".to_string(),
        title: "Shortfall exceedance curves".to_string(),
        how_to_read: format!(
            "One panel per commodity that goes short in some trial (the others are named under \
             the legend); for a shortfall size s on the x axis (share of the demand of {market} \
             unmet over the horizon), the curve gives the share of trials with a larger \
             shortfall; read the probability of a serious shortfall where a curve crosses the \
             dashed threshold line. Lower curves are better."
        ),
        kind: ChartKind::Exceedance,
    });
    specs.push(ChartSpec {
        file_name: "monthly_shortfall.png".to_string(),
        title: "Monthly shortfall".to_string(),
        how_to_read: format!(
            "One panel per commodity that goes short in some month (the others are named under \
             the legend); for each calendar month, the share of the demand of {market} that \
             month left unmet: median (solid), mean (dashed) and 5th–95th percentile band across \
             trials. A mean above a zero median means shortfalls are rare but large."
        ),
        kind: ChartKind::MonthlyShortfall,
    });
    for (index, view) in networks.iter().enumerate() {
        let (file_name, title) = match &view.variant {
            Some((id, _)) => (
                format!("network_{id}.png"),
                format!("Network: what {id} changes against {}", view.baseline),
            ),
            None => ("network.png".to_string(), "The supply network".to_string()),
        };
        specs.push(ChartSpec {
            file_name,
            title,
            how_to_read: "Mines on the left, markets on the right, refineries and hubs between; \
                          nodes are filled by country (the dependency countries in strong colours) \
                          and grouped by country within each column; what the variant adds is \
                          outlined in its colour, what it removes is dashed in its colour, and \
                          what every variant shown lacks is dashed grey; a footnote lists what \
                          else it changes (disruptions, settings)."
                .to_string(),
            kind: ChartKind::Network(index),
        });
    }
    specs
}

/// Draws every chart of `specs`, in parallel, returning `(file name, PNG bytes)` in the order
/// of `specs` (collected in order, so the result does not depend on the thread count).
pub fn draw_all(
    specs: &[ChartSpec],
    summary: &Summary,
    networks: &[NetworkView],
) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    specs
        .par_iter()
        .map(|spec| Ok((spec.file_name.clone(), spec.draw(summary, networks)?)))
        .collect()
}

/// " (same … as a and b, drawn over it)" for a variant drawn after others with the same
/// series (`what` names it: "distribution", "monthly series"), which it hides; "" if none.
pub(crate) fn covers_note(what: &str, covered: &[&str]) -> String {
    if covered.is_empty() {
        String::new()
    } else {
        format!(" (same {what} as {}, drawn over it)", covered.join(" and "))
    }
}

//! Chart 6: the network in layers, mines on the left and markets on the right, nodes filled by
//! country and grouped by country within a layer, what a variant adds outlined in its colour.
//!
//! Layout is a small Sugiyama-style drawing (Sugiyama, Tagawa & Toda 1981): layers by longest
//! path from the mines (markets forced to the last layer), then a few sweeps of the barycenter
//! heuristic to reduce crossings, keeping each country's nodes together in a layer.

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::ChartError;
use super::canvas::{self, Area, LegendEntry, Mark, Weight, font, text, text_width};
use super::style::{self, Colour};
use crate::report::graph::{NetworkView, Presence};

/// Chart 6: the network of `view`, with the variant's additions highlighted.
pub fn network(view: &NetworkView) -> Result<Vec<u8>, ChartError> {
    let layout = Layout::new(view);
    let changes = |presence: Presence| changes(view, presence);
    let title = title(view);
    let nodes = view.nodes.len();
    let edges = view.edges.len();
    let subtitle = format!(
        "{} · {nodes} nodes, {edges} edges · dependency counted on {}",
        view.scenario,
        if view.dependency_on.is_empty() {
            "no country".to_string()
        } else {
            view.dependency_on.join(", ")
        }
    );
    let mut legend = Vec::new();
    if let Some((id, index)) = &view.variant {
        if changes(Presence::Added) {
            legend.push(LegendEntry::new(
                Mark::Outline(style::variant_colour(*index)),
                format!("added in {id}"),
            ));
        }
        if changes(Presence::Removed) {
            legend.push(LegendEntry::new(
                Mark::DashedBox(style::variant_colour(*index)),
                format!("removed in {id}"),
            ));
        }
    }
    if changes(Presence::Neither) {
        legend.push(LegendEntry::new(
            Mark::DashedBox(style::REMOVED),
            "disabled in every variant shown",
        ));
    }
    legend.push(LegendEntry::new(
        Mark::Outline(style::TEXT),
        "focus market (double border)",
    ));
    // Countries in order of appearance, those past the palette (all grey alike) last.
    let fills = view.country_fills();
    let mut countries: Vec<&String> = view.countries.iter().collect();
    countries.sort_by_key(|c| fills.of(c) == style::COUNTRY_OVERFLOW);
    for country in countries {
        let label = if view.dependency_on.contains(country) {
            format!("{country} (dependency counted)")
        } else {
            country.clone()
        };
        legend.push(LegendEntry::new(Mark::Solid(fills.of(country)), label));
    }
    canvas::render(|root| {
        let body = canvas::header(root, &title, &subtitle, &legend)?;
        draw(&body, view, &layout)
    })
}

/// Lines the footnote of what a variant changes may take before it is cut with an ellipsis.
const NOTE_LINES: usize = 4;

/// Weight of a waypoint of a long edge in a layer, relative to a node's slot.
const WAYPOINT_WEIGHT: f64 = 0.35;

/// Layers and order of the nodes and of the waypoints of edges that span several layers.
///
/// Items `0..nodes` are the network's nodes; items from `nodes` on are waypoints ("dummy
/// nodes" in Sugiyama's method) that carry a long edge through each layer it crosses, so the
/// edge passes between boxes instead of under them.
struct Layout {
    /// Number of real nodes.
    nodes: usize,
    /// Per layer, items from top to bottom.
    layers: Vec<Vec<usize>>,
    /// Per edge, the items it passes through: its from-node, waypoints, its to-node.
    chains: Vec<Vec<usize>>,
}

impl Layout {
    fn new(view: &NetworkView) -> Layout {
        let n = view.nodes.len();
        // Longest path from the sources, in topological order (the network is acyclic).
        let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in &view.edges {
            incoming[e.to].push(e.from);
            outgoing[e.from].push(e.to);
        }
        let order = topological(n, &incoming, &outgoing);
        let mut layer_of = vec![0usize; n];
        for &v in &order {
            if view.nodes[v].kind != "mine" {
                layer_of[v] = incoming[v]
                    .iter()
                    .map(|&u| layer_of[u] + 1)
                    .max()
                    .unwrap_or(0);
            }
        }
        let last = layer_of.iter().copied().max().unwrap_or(0).max(1);
        for (v, node) in view.nodes.iter().enumerate() {
            if node.kind == "market" {
                layer_of[v] = last;
            }
        }
        // Waypoints for every layer strictly between an edge's ends.
        let mut chains = Vec::with_capacity(view.edges.len());
        for e in &view.edges {
            let mut chain = vec![e.from];
            let (from, to) = (layer_of[e.from], layer_of[e.to]);
            for layer in from + 1..to {
                chain.push(layer_of.len());
                layer_of.push(layer);
            }
            chain.push(e.to);
            chains.push(chain);
        }
        let items = layer_of.len();
        let mut layers: Vec<Vec<usize>> = vec![Vec::new(); last + 1];
        for (item, &layer) in layer_of.iter().enumerate() {
            layers[layer].push(item);
        }
        // Start with nodes grouped by country (in order of first appearance), then file order;
        // waypoints after the nodes until the sweeps place them.
        for layer in &mut layers {
            layer.sort_by_key(|&v| {
                if v < n {
                    (view.country_index(&view.nodes[v].country), v)
                } else {
                    (usize::MAX, v)
                }
            });
        }
        let mut up: Vec<Vec<usize>> = vec![Vec::new(); items];
        let mut down: Vec<Vec<usize>> = vec![Vec::new(); items];
        for chain in &chains {
            for pair in chain.windows(2) {
                up[pair[1]].push(pair[0]);
                down[pair[0]].push(pair[1]);
            }
        }
        let mut layout = Layout {
            nodes: n,
            layers,
            chains,
        };
        for _ in 0..6 {
            layout.sweep(view, &up, true);
            layout.sweep(view, &down, false);
        }
        layout
    }

    fn weight(&self, item: usize) -> f64 {
        if item < self.nodes {
            1.0
        } else {
            WAYPOINT_WEIGHT
        }
    }

    /// Total weight of a layer (nodes count 1, waypoints less).
    fn layer_weight(&self, layer: &[usize]) -> f64 {
        layer.iter().map(|&v| self.weight(v)).sum()
    }

    /// Position of every item within its layer: the centre of its slot, as a share of the
    /// layer's weight, in [0, 1].
    fn positions(&self) -> Vec<f64> {
        let items = self.layers.iter().map(Vec::len).sum::<usize>();
        let mut position = vec![0.5; items];
        for layer in &self.layers {
            let total = self.layer_weight(layer).max(f64::MIN_POSITIVE);
            let mut before = 0.0;
            for &v in layer {
                let w = self.weight(v);
                position[v] = (before + w / 2.0) / total;
                before += w;
            }
        }
        position
    }

    /// One barycenter sweep: reorders each layer (after the first going down, before the last
    /// going up) by the mean position of each item's neighbours, moving a country's nodes
    /// together by their mean barycenter; a waypoint moves alone. Ties keep the current order.
    fn sweep(&mut self, view: &NetworkView, neighbours: &[Vec<usize>], down: bool) {
        let count = self.layers.len();
        let order: Vec<usize> = if down {
            (1..count).collect()
        } else {
            (0..count.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let position = self.positions();
            let barycenter = |v: usize| {
                let ns = &neighbours[v];
                if ns.is_empty() {
                    position[v]
                } else {
                    ns.iter().map(|&u| position[u]).sum::<f64>() / ns.len() as f64
                }
            };
            let n = self.nodes;
            let layer = &mut self.layers[l];
            let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
            for &v in layer.iter() {
                let country = (v < n).then(|| view.nodes[v].country.clone());
                match groups
                    .iter_mut()
                    .find(|(c, _)| country.is_some() && *c == country)
                {
                    Some((_, members)) => members.push(v),
                    None => groups.push((country, vec![v])),
                }
            }
            for (_, members) in &mut groups {
                members.sort_by(|&a, &b| barycenter(a).total_cmp(&barycenter(b)));
            }
            let key = |members: &Vec<usize>| {
                members.iter().map(|&v| barycenter(v)).sum::<f64>() / members.len() as f64
            };
            groups.sort_by(|a, b| key(&a.1).total_cmp(&key(&b.1)));
            *layer = groups.into_iter().flat_map(|(_, m)| m).collect();
        }
    }
}

/// Kahn's algorithm, ties by index.
fn topological(n: usize, incoming: &[Vec<usize>], outgoing: &[Vec<usize>]) -> Vec<usize> {
    let mut indegree: Vec<usize> = incoming.iter().map(Vec::len).collect();
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop_first() {
        order.push(v);
        for &w in &outgoing[v] {
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.insert(w);
            }
        }
    }
    // A cycle cannot pass validation; keep any leftover nodes rather than lose them.
    for v in 0..n {
        if !order.contains(&v) {
            order.push(v);
        }
    }
    order
}

/// Pixel geometry of one node's box.
#[derive(Clone, Copy)]
struct NodeBox {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
}

impl NodeBox {
    fn centre_y(&self) -> i32 {
        (self.top + self.bottom) / 2
    }
}

fn draw(body: &Area<'_>, view: &NetworkView, layout: &Layout) -> Result<(), ChartError> {
    let (width, height) = body.dim_in_pixel();
    let left = style::MARGIN as i32 + 8;
    let right = width as i32 - style::MARGIN as i32 - 8;
    // What the variant changes besides nodes, as a footnote of up to `NOTE_LINES` lines.
    let note_style = font(style::LEGEND_SIZE, style::MUTED_TEXT, Weight::Normal);
    let note_lines = if view.notes.is_empty() {
        Vec::new()
    } else {
        let note = format!("{} also {}.", view.shown_variant(), view.notes.join("; "));
        canvas::wrap_text(body, &note, &note_style, right - left, NOTE_LINES)
    };
    let note_line_height = (style::LEGEND_SIZE * 1.35).round() as i32;
    let notes_height = if note_lines.is_empty() {
        0
    } else {
        12 + note_line_height * note_lines.len() as i32
    };
    let top = 34;
    let bottom = height as i32 - 12 - notes_height;
    let layers = layout.layers.len().max(1);
    let heaviest = layout
        .layers
        .iter()
        .map(|l| layout.layer_weight(l))
        .fold(1.0, f64::max);
    let slot = f64::from((bottom - top).max(1)) / heaviest;
    let size = (slot / 3.3).clamp(10.0, 18.0);
    let line = (size * 1.3).round() as i32;
    let box_height = (2 * line + 10).min((slot * 0.86) as i32).max(line + 6);
    let column = f64::from(right - left) / layers as f64;
    let box_limit = (column * 0.62) as i32;

    let name_style = |bold: bool, colour: Colour| {
        font(
            size,
            colour,
            if bold { Weight::Bold } else { Weight::Normal },
        )
    };
    let detail_style = font(size - 1.0, style::MUTED_TEXT, Weight::Normal);
    let detail = |v: usize| {
        let node = &view.nodes[v];
        // The focus market's kind is plain from its column; "focus" is what matters.
        if node.focus {
            format!("{} · focus", node.country)
        } else {
            format!("{} · {}", node.country, node.kind)
        }
    };

    // Column headers.
    let header_style = font(style::LEGEND_SIZE, style::MUTED_TEXT, Weight::Bold);
    for (l, layer) in layout.layers.iter().enumerate() {
        let mut kinds: Vec<&str> = Vec::new();
        for kind in ["mine", "refinery", "hub", "market"] {
            if layer
                .iter()
                .any(|&v| v < layout.nodes && view.nodes[v].kind == kind)
            {
                kinds.push(match kind {
                    "mine" => "mines",
                    "refinery" => "refineries",
                    "hub" => "hubs",
                    _ => "markets",
                });
            }
        }
        let x = left + (column * (l as f64 + 0.5)) as i32;
        text(
            body,
            &kinds.join(" · "),
            (x, 20),
            &header_style,
            HPos::Center,
        )?;
    }

    // Boxes of nodes, points of waypoints.
    let items = layout.layers.iter().map(Vec::len).sum::<usize>();
    let mut boxes = vec![
        NodeBox {
            left: 0,
            right: 0,
            top: 0,
            bottom: 0
        };
        items
    ];
    for (l, layer) in layout.layers.iter().enumerate() {
        let widest =
            layer
                .iter()
                .filter(|&&v| v < layout.nodes)
                .map(|&v| {
                    let bold = view.dependency_on.contains(&view.nodes[v].country);
                    text_width(body, &view.nodes[v].id, &name_style(bold, style::TEXT))
                        .max(text_width(body, &detail(v), &detail_style))
                })
                .max()
                .unwrap_or(0);
        let box_width = (widest + 20).min(box_limit).max(60);
        let x = left + (column * (l as f64 + 0.5)) as i32;
        let used = slot * layout.layer_weight(layer);
        let mut y = f64::from(top) + (f64::from(bottom - top) - used) / 2.0;
        for &v in layer {
            let w = slot * layout.weight(v);
            let cy = (y + w / 2.0) as i32;
            y += w;
            boxes[v] = if v < layout.nodes {
                NodeBox {
                    left: x - box_width / 2,
                    right: x + box_width / 2,
                    top: cy - box_height / 2,
                    bottom: cy + box_height / 2,
                }
            } else {
                // A waypoint: the edge passes straight through the box's width.
                NodeBox {
                    left: x - box_width / 2,
                    right: x + box_width / 2,
                    top: cy,
                    bottom: cy,
                }
            };
        }
    }

    // Edges under the boxes: the plain ones first, the variant's additions on top.
    let highlight = view
        .variant
        .as_ref()
        .map_or(style::TEXT, |(_, i)| style::variant_colour(*i));
    for pass in [
        Presence::Neither,
        Presence::Removed,
        Presence::Both,
        Presence::Added,
    ] {
        for (e, chain) in view.edges.iter().zip(&layout.chains) {
            if e.presence != pass {
                continue;
            }
            // Through each waypoint horizontally: a smooth S-curve between consecutive layers,
            // straight across the width of a column.
            let mut curve: Vec<(i32, i32)> = Vec::new();
            for pair in chain.windows(2) {
                let (a, b) = (boxes[pair[0]], boxes[pair[1]]);
                if pair[0] >= layout.nodes {
                    curve.push((a.left, a.centre_y()));
                }
                let end_x = if pair[1] < layout.nodes {
                    b.left - 2
                } else {
                    b.left
                };
                curve.extend(bezier((a.right, a.centre_y()), (end_x, b.centre_y())));
            }
            let end = *curve.last().expect("an edge has two ends");
            match pass {
                Presence::Both => {
                    body.draw(&PathElement::new(curve, style::EDGE.rgb().stroke_width(2)))?;
                    arrow(body, end, style::EDGE)?;
                }
                Presence::Added => {
                    body.draw(&PathElement::new(curve, highlight.rgb().stroke_width(4)))?;
                    arrow(body, end, highlight)?;
                }
                Presence::Removed => {
                    dashed(body, &curve, highlight, 3)?;
                    arrow(body, end, highlight)?;
                }
                Presence::Neither => {
                    dashed(body, &curve, style::REMOVED, 2)?;
                    arrow(body, end, style::REMOVED)?;
                }
            }
        }
    }

    // Nodes.
    let fills = view.country_fills();
    for (v, node) in view.nodes.iter().enumerate() {
        let b = boxes[v];
        let absent = matches!(node.presence, Presence::Removed | Presence::Neither);
        let fill = if absent {
            Colour(245, 245, 245)
        } else {
            fills.of(&node.country)
        };
        body.draw(&Rectangle::new(
            [(b.left, b.top), (b.right, b.bottom)],
            fill.rgb().filled(),
        ))?;
        match node.presence {
            Presence::Added => {
                body.draw(&Rectangle::new(
                    [(b.left, b.top), (b.right, b.bottom)],
                    highlight.rgb().stroke_width(4),
                ))?;
            }
            Presence::Removed | Presence::Neither => {
                let outline = vec![
                    (b.left, b.top),
                    (b.right, b.top),
                    (b.right, b.bottom),
                    (b.left, b.bottom),
                    (b.left, b.top),
                ];
                // What this variant removes in its colour; what every variant lacks in grey.
                if node.presence == Presence::Removed {
                    dashed(body, &outline, highlight, 3)?;
                } else {
                    dashed(body, &outline, style::REMOVED, 2)?;
                }
            }
            Presence::Both => {
                body.draw(&Rectangle::new(
                    [(b.left, b.top), (b.right, b.bottom)],
                    style::AXIS.rgb().stroke_width(1),
                ))?;
            }
        }
        if node.focus {
            body.draw(&Rectangle::new(
                [(b.left - 5, b.top - 5), (b.right + 5, b.bottom + 5)],
                style::TEXT.rgb().stroke_width(2),
            ))?;
        }
        let bold = view.dependency_on.contains(&node.country);
        let colour = if absent {
            style::MUTED_TEXT
        } else {
            style::TEXT
        };
        let inner = b.right - b.left - 8;
        let cx = (b.left + b.right) / 2;
        // A long id is set smaller (down to 80%); if it still does not fit a box of two lines,
        // it takes both, split at an underscore (its country and kind are in its colour and
        // column); only then is it cut. Ids that differ only at the end
        // (`pk_reko_diq_start_2029`, `…_2030`) must stay apart.
        let scaled = |scale: f64| canvas::TextStyle {
            size: size * scale,
            ..name_style(bold, colour)
        };
        let fitting = [1.0, 0.9, 0.8]
            .into_iter()
            .map(scaled)
            .find(|style| canvas::text_width(body, &node.id, style) <= inner);
        let two_lines = b.bottom - b.top >= 2 * line;
        let split = match (&fitting, two_lines) {
            (None, true) => split_id(&node.id),
            _ => None,
        };
        let name_font = fitting.unwrap_or_else(|| scaled(0.8));
        let name = canvas::fit_text(body, &node.id, &name_font, inner);
        if let Some((first, second)) = split {
            let base = b.centre_y() - 2;
            for (i, part) in [first, second].iter().enumerate() {
                let part = canvas::fit_text(body, part, &name_font, inner);
                text(
                    body,
                    &part,
                    (cx, base + i as i32 * line),
                    &name_font,
                    HPos::Center,
                )?;
            }
        } else if two_lines {
            let base = b.centre_y() - 2;
            text(body, &name, (cx, base), &name_font, HPos::Center)?;
            let detail = canvas::fit_text(body, &detail(v), &detail_style, inner);
            text(
                body,
                &detail,
                (cx, base + line),
                &detail_style,
                HPos::Center,
            )?;
        } else {
            let base = b.centre_y() + (size * 0.35) as i32;
            text(body, &name, (cx, base), &name_font, HPos::Center)?;
        }
    }

    let first_baseline = height as i32 - 16 - note_line_height * (note_lines.len() as i32 - 1);
    for (i, line) in note_lines.iter().enumerate() {
        text(
            body,
            line,
            (left, first_baseline + note_line_height * i as i32),
            &note_style,
            HPos::Left,
        )?;
    }
    Ok(())
}

/// A cubic Bézier from `a` to `b` with horizontal tangents at both ends, as a polyline.
fn bezier(a: (i32, i32), b: (i32, i32)) -> Vec<(i32, i32)> {
    let (x0, y0) = (f64::from(a.0), f64::from(a.1));
    let (x3, y3) = (f64::from(b.0), f64::from(b.1));
    let dx = (x3 - x0) * 0.45;
    let (x1, y1, x2, y2) = (x0 + dx, y0, x3 - dx, y3);
    (0..=32)
        .map(|i| {
            let t = f64::from(i) / 32.0;
            let u = 1.0 - t;
            let x = u * u * u * x0 + 3.0 * u * u * t * x1 + 3.0 * u * t * t * x2 + t * t * t * x3;
            let y = u * u * u * y0 + 3.0 * u * u * t * y1 + 3.0 * u * t * t * y2 + t * t * t * y3;
            (x.round() as i32, y.round() as i32)
        })
        .collect()
}

/// A filled arrowhead pointing right, its tip at `tip`.
fn arrow(area: &Area<'_>, tip: (i32, i32), colour: Colour) -> Result<(), ChartError> {
    let (x, y) = tip;
    area.draw(&Polygon::new(
        vec![(x, y), (x - 11, y - 5), (x - 11, y + 5)],
        colour.rgb().filled(),
    ))?;
    Ok(())
}

/// A dashed polyline: 8-pixel dashes, 6-pixel gaps, measured along the line.
fn dashed(
    area: &Area<'_>,
    path: &[(i32, i32)],
    colour: Colour,
    width: u32,
) -> Result<(), ChartError> {
    const DASH: f64 = 8.0;
    const GAP: f64 = 6.0;
    let mut phase = 0.0; // distance into the current dash + gap period
    for pair in path.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (ax, ay) = (f64::from(a.0), f64::from(a.1));
        let (dx, dy) = (f64::from(b.0) - ax, f64::from(b.1) - ay);
        let length = (dx * dx + dy * dy).sqrt();
        let mut along = 0.0;
        while along < length {
            let in_dash = phase < DASH;
            let step = if in_dash {
                DASH - phase
            } else {
                DASH + GAP - phase
            }
            .min(length - along);
            if in_dash {
                let p = |s: f64| {
                    (
                        (ax + dx * s / length).round() as i32,
                        (ay + dy * s / length).round() as i32,
                    )
                };
                area.draw(&PathElement::new(
                    vec![p(along), p(along + step)],
                    colour.rgb().stroke_width(width),
                ))?;
            }
            along += step;
            phase = (phase + step) % (DASH + GAP);
        }
    }
    Ok(())
}

/// Whether any node or edge of `view` has this presence (what the variant adds or removes).
fn changes(view: &NetworkView, presence: Presence) -> bool {
    view.nodes.iter().any(|n| n.presence == presence)
        || view.edges.iter().any(|e| e.presence == presence)
}

/// The chart's title: what the variant does to the baseline's routes (adds, removes, or
/// both), or where supply comes from when there is no comparison.
fn title(view: &NetworkView) -> String {
    let Some((id, _)) = &view.variant else {
        return "Where does supply come from? The network from mines to markets".to_string();
    };
    let base = &view.baseline;
    let question = match (
        changes(view, Presence::Added),
        changes(view, Presence::Removed),
    ) {
        (true, false) => format!("Which supply routes does {id} add to {base}?"),
        (false, true) => format!("Which supply routes does {id} remove from {base}?"),
        (true, true) => format!("What does {id} change in the routes of {base}?"),
        (false, false) => format!("{id} has the routes of {base}; the footnote says what differs."),
    };
    format!("{question} The network from mines to markets")
}

/// An id split in two at the underscore nearest its middle (the first part keeps it), for a
/// name set on two lines; `None` if it has no underscore.
fn split_id(id: &str) -> Option<(&str, &str)> {
    let middle = id.len() / 2;
    let at = id
        .match_indices('_')
        .map(|(i, _)| i)
        .min_by_key(|&i| i.abs_diff(middle))?;
    Some((&id[..=at], &id[at + 1..]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_title_says_what_the_variant_does_to_the_routes() {
        use crate::report::graph::{NetworkNode, NetworkView, Presence};
        let node = |presence| NetworkNode {
            id: "n".into(),
            name: "n".into(),
            kind: "mine",
            country: "CN".into(),
            focus: false,
            presence,
        };
        let view = |presences: &[Presence]| NetworkView {
            scenario: String::new(),
            dependency_on: Vec::new(),
            baseline: "base".into(),
            variant: Some(("v".into(), 1)),
            nodes: presences.iter().map(|&p| node(p)).collect(),
            edges: Vec::new(),
            notes: Vec::new(),
            countries: Vec::new(),
            changed_anywhere: Vec::new(),
        };
        let title = |presences: &[Presence]| super::title(&view(presences));
        assert!(
            title(&[Presence::Both, Presence::Added])
                .starts_with("Which supply routes does v add to base?")
        );
        assert!(
            title(&[Presence::Removed]).starts_with("Which supply routes does v remove from base?")
        );
        assert!(
            title(&[Presence::Added, Presence::Removed])
                .starts_with("What does v change in the routes of base?")
        );
        assert!(
            title(&[Presence::Both, Presence::Neither])
                .starts_with("v has the routes of base; the footnote says what differs.")
        );
    }

    #[test]
    fn long_ids_split_at_the_underscore_nearest_their_middle() {
        assert_eq!(
            super::split_id("pk_reko_diq_start_2029"),
            Some(("pk_reko_diq_", "start_2029"))
        );
        assert_eq!(
            super::split_id("cn_copper_mines"),
            Some(("cn_copper_", "mines"))
        );
        assert_eq!(super::split_id("a_b"), Some(("a_", "b")));
        assert_eq!(super::split_id("reko"), None);
    }
}

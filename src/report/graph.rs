//! The network as report data (what a variant adds to or removes from the baseline), and its
//! Graphviz DOT text for `supplyrisk graph`. The network chart draws the same view.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::model::{Model, NodeKind};
use crate::plot::style;

/// How a node or edge of the file stands in the variant shown, compared with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// In both the baseline and the variant.
    Both,
    /// In the variant only: what the variant adds.
    Added,
    /// In the baseline only: what the variant removes.
    Removed,
    /// In neither (disabled in both).
    Neither,
}

impl Presence {
    fn of(in_baseline: bool, in_variant: bool) -> Presence {
        match (in_baseline, in_variant) {
            (true, true) => Presence::Both,
            (false, true) => Presence::Added,
            (true, false) => Presence::Removed,
            (false, false) => Presence::Neither,
        }
    }

    /// The presence of an edge whose ends stand as `a` and `b`: an edge exists where both
    /// its ends do.
    fn edge(a: Presence, b: Presence) -> Presence {
        let baseline = |p| matches!(p, Presence::Both | Presence::Removed);
        let variant = |p| matches!(p, Presence::Both | Presence::Added);
        Presence::of(baseline(a) && baseline(b), variant(a) && variant(b))
    }
}

/// A node as the network chart and the DOT text show it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkNode {
    /// Node id.
    pub id: String,
    /// Display name (the id when the file gives none).
    pub name: String,
    /// `mine`, `refinery`, `hub` or `market`.
    pub kind: &'static str,
    /// Country code.
    pub country: String,
    /// Whether it is the focus market.
    pub focus: bool,
    /// In the baseline, the variant, both or neither.
    pub presence: Presence,
}

/// An edge as the network chart and the DOT text show it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEdge {
    /// Index of the upstream node in [`NetworkView::nodes`].
    pub from: usize,
    /// Index of the downstream node.
    pub to: usize,
    /// Ids of the commodities it carries.
    pub commodities: Vec<String>,
    /// In the baseline, the variant, both or neither.
    pub presence: Presence,
}

/// The network of a scenario with what one variant changes against the baseline: plain data,
/// so the chart never reads the model.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkView {
    /// Scenario name.
    pub scenario: String,
    /// Countries counted as dependency.
    pub dependency_on: Vec<String>,
    /// Baseline variant id.
    pub baseline: String,
    /// The variant compared with the baseline, and its index in file order (which sets its
    /// colour); `None` when the scenario has a single variant.
    pub variant: Option<(String, usize)>,
    /// Nodes in file order.
    pub nodes: Vec<NetworkNode>,
    /// Edges in file order.
    pub edges: Vec<NetworkEdge>,
    /// What else the variant changes that the network does not show (disruptions switched
    /// off, `set` overrides), in words.
    pub notes: Vec<String>,
    /// Countries in order of first appearance among the nodes (the order of their colours).
    pub countries: Vec<String>,
    /// Countries of the nodes that some variant of the model adds or removes against the
    /// baseline, in order of appearance. They take the light colours first in every view of
    /// the model, so that a country keeps its colour from one variant's chart to the next.
    pub changed_anywhere: Vec<String>,
}

/// The fill of each country of a [`NetworkView`] (see [`NetworkView::country_fills`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CountryFills(HashMap<String, style::Colour>);

impl CountryFills {
    /// The fill of `country`'s nodes (grey for a country the view does not have).
    pub fn of(&self, country: &str) -> style::Colour {
        self.0
            .get(country)
            .copied()
            .unwrap_or(style::COUNTRY_OVERFLOW)
    }
}

impl NetworkView {
    /// The view of `model` comparing variant `variant` (an index into `model.variants`) with
    /// the baseline; with `None`, or when `variant` is the baseline, just the baseline.
    pub fn new(model: &Model, variant: Option<usize>) -> NetworkView {
        let baseline_index = model.baseline();
        let baseline = &model.variants[baseline_index];
        let shown = variant.filter(|&v| v != baseline_index);
        let compared = &model.variants[shown.unwrap_or(baseline_index)];
        let nodes: Vec<NetworkNode> = model
            .network
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| NetworkNode {
                id: node.id.clone(),
                name: node.name.clone(),
                kind: node.kind.as_str(),
                country: node.country.to_string(),
                focus: i == model.focus_market.0,
                presence: Presence::of(!baseline.node_disabled[i], !compared.node_disabled[i]),
            })
            .collect();
        let edges = model
            .network
            .edges
            .iter()
            .map(|edge| NetworkEdge {
                from: edge.from.0,
                to: edge.to.0,
                commodities: model
                    .network
                    .commodities
                    .iter()
                    .zip(&edge.carries)
                    .filter(|(_, carried)| **carried)
                    .map(|(c, _)| c.id.clone())
                    .collect(),
                presence: Presence::edge(nodes[edge.from.0].presence, nodes[edge.to.0].presence),
            })
            .collect();
        let mut notes = Vec::new();
        if shown.is_some() {
            let differing = |on_in_baseline: bool| -> Vec<&str> {
                model
                    .disruptions
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| {
                        let on_in_variant = !compared.disruption_disabled[i];
                        let on_in_base = !baseline.disruption_disabled[i];
                        on_in_base == on_in_baseline && on_in_variant != on_in_baseline
                    })
                    .map(|(_, d)| d.id.as_str())
                    .collect()
            };
            notes.extend(disruption_note(
                &differing(false),
                "has",
                "off in the baseline",
            ));
            notes.extend(disruption_note(
                &differing(true),
                "switches off",
                "active in the baseline",
            ));
            if !compared.overrides.is_empty() {
                let sets: Vec<String> = compared
                    .overrides
                    .iter()
                    .map(|(key, value)| format!("{key} = {value}"))
                    .collect();
                notes.push(format!("sets {}", sets.join(", ")));
            }
        }
        let mut countries: Vec<String> = Vec::new();
        let mut changed_anywhere: Vec<String> = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            if !countries.contains(&node.country) {
                countries.push(node.country.clone());
            }
            let changed = model
                .variants
                .iter()
                .any(|v| v.node_disabled[i] != baseline.node_disabled[i]);
            if changed && !changed_anywhere.contains(&node.country) {
                changed_anywhere.push(node.country.clone());
            }
        }
        NetworkView {
            scenario: model.name.clone(),
            dependency_on: model
                .dependency_on
                .iter()
                .map(ToString::to_string)
                .collect(),
            baseline: baseline.id.clone(),
            variant: shown.map(|v| (model.variants[v].id.clone(), v)),
            nodes,
            edges,
            notes,
            countries,
            changed_anywhere,
        }
    }

    /// Index of `country` in [`NetworkView::countries`] (its place in the layout).
    pub fn country_index(&self, country: &str) -> usize {
        self.countries
            .iter()
            .position(|c| c == country)
            .unwrap_or(0)
    }

    /// The fill of `country`'s nodes (see [`NetworkView::country_fills`]; for many lookups,
    /// ask that once).
    pub fn country_fill(&self, country: &str) -> style::Colour {
        self.country_fills().of(country)
    }

    /// The fills of the network's countries: a dependency country's own strong colour, else
    /// the next light colour among the other countries (none repeats within a chart; past the
    /// palette, grey). The light colours go first to the countries of nodes the variant adds
    /// or removes, which are what the chart is about, and of those any other variant of the
    /// model adds or removes ([`NetworkView::changed_anywhere`], so that every view of one
    /// model fills a country alike), then to the focus market's country,
    /// then to the rest in order of appearance: in a network of many countries the new
    /// source of supply is never one of the greys. `O(nodes + countries · log countries)`.
    pub fn country_fills(&self) -> CountryFills {
        let mut changed = HashSet::new();
        let mut focus = HashSet::new();
        for node in &self.nodes {
            if matches!(node.presence, Presence::Added | Presence::Removed) {
                changed.insert(node.country.as_str());
            }
            if node.focus {
                focus.insert(node.country.as_str());
            }
        }
        let rank = |c: &str| {
            if changed.contains(c) || self.changed_anywhere.iter().any(|x| x == c) {
                0
            } else if focus.contains(c) {
                1
            } else {
                2
            }
        };
        let mut others: Vec<&str> = self
            .countries
            .iter()
            .map(String::as_str)
            .filter(|c| !self.dependency_on.iter().any(|d| d == c))
            .collect();
        // Stable: within a rank, the order of appearance.
        others.sort_by_key(|c| rank(c));
        let mut fills: HashMap<String, style::Colour> = others
            .iter()
            .enumerate()
            .map(|(position, c)| (c.to_string(), style::country_fill(position)))
            .collect();
        for (k, c) in self.dependency_on.iter().enumerate() {
            fills.insert(c.clone(), style::dependency_fill(k));
        }
        CountryFills(fills)
    }

    /// The variant's id, or the baseline's when there is no comparison.
    pub fn shown_variant(&self) -> &str {
        self.variant
            .as_ref()
            .map_or(self.baseline.as_str(), |(id, _)| id.as_str())
    }
}

/// One note for the disruptions a variant `verb`s that the baseline does not, in file order:
/// "has disruption a (off in the baseline)", or for several "has 3 disruptions (off in the
/// baseline): a, b, c"; `None` when there are none.
fn disruption_note(ids: &[&str], verb: &str, baseline_state: &str) -> Option<String> {
    match ids {
        [] => None,
        [id] => Some(format!("{verb} disruption {id} ({baseline_state})")),
        _ => Some(format!(
            "{verb} {} disruptions ({baseline_state}): {}",
            ids.len(),
            ids.join(", ")
        )),
    }
}

/// The variant `graph --variant` names, resolved to an index: by default the first
/// non-baseline variant (or the only one). An unknown id is an error listing the valid ones.
pub fn resolve_variant(model: &Model, id: Option<&str>) -> Result<usize, String> {
    match id {
        Some(id) => model
            .variants
            .iter()
            .position(|v| v.id == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = model.variants.iter().map(|v| v.id.as_str()).collect();
                format!(
                    "unknown variant `{id}`: the scenario's variants are {}",
                    ids.join(", ")
                )
            }),
        None => {
            let baseline = model.baseline();
            Ok((0..model.variants.len())
                .find(|&v| v != baseline)
                .unwrap_or(baseline))
        }
    }
}

/// Escapes text for a double-quoted DOT string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

fn dot_shape(kind: &str) -> &'static str {
    match kind {
        "mine" => "invhouse",
        "refinery" => "box",
        "hub" => "diamond",
        _ => "house",
    }
}

/// Graphviz DOT text of the view (`dot -Tsvg` draws it): left to right from mines to markets,
/// nodes filled by country as in the chart, what the variant adds in its colour, what it
/// removes dashed and grey.
pub fn dot(view: &NetworkView) -> String {
    let mut out = String::new();
    let highlight = view
        .variant
        .as_ref()
        .map(|(_, index)| style::variant_colour(*index).hex());
    let title = match &view.variant {
        Some((id, _)) => format!(
            "{}: what {id} changes against the baseline {}",
            view.scenario, view.baseline
        ),
        None => format!("{}: the supply network", view.scenario),
    };
    let _ = writeln!(out, "digraph supplyrisk {{");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, label={}, labelloc=t, fontname=\"DejaVu Sans\", nodesep=0.25, ranksep=1.2];",
        quote(&title)
    );
    let _ = writeln!(
        out,
        "  node [fontname=\"DejaVu Sans\", fontsize=11, style=filled, color=\"#444444\"];"
    );
    let _ = writeln!(
        out,
        "  edge [fontname=\"DejaVu Sans\", fontsize=9, color=\"#777777\"];"
    );
    for kind in [NodeKind::Mine, NodeKind::Market] {
        let ids: Vec<String> = view
            .nodes
            .iter()
            .filter(|n| n.kind == kind.as_str())
            .map(|n| quote(&n.id))
            .collect();
        if !ids.is_empty() {
            let rank = if kind == NodeKind::Mine { "min" } else { "max" };
            let _ = writeln!(out, "  {{ rank={rank}; {}; }}", ids.join("; "));
        }
    }
    let fills = view.country_fills();
    for node in &view.nodes {
        let mut label = if node.name == node.id {
            node.id.clone()
        } else {
            format!("{}\n{}", node.name, node.id)
        };
        let _ = write!(label, "\n{} · {}", node.country, node.kind);
        if node.focus {
            label.push_str(" (focus)");
        }
        let fill = fills.of(&node.country).hex();
        let mut attributes = vec![
            format!("label={}", quote(&label)),
            format!("shape={}", dot_shape(node.kind)),
            format!("fillcolor={}", quote(&fill)),
        ];
        if node.focus {
            attributes.push("peripheries=2".to_string());
        }
        if view.dependency_on.contains(&node.country) {
            attributes.push("fontname=\"DejaVu Sans Bold\"".to_string());
        }
        match (node.presence, &highlight) {
            (Presence::Added, Some(colour)) => {
                attributes.push(format!("color={}", quote(colour)));
                attributes.push("penwidth=3".to_string());
            }
            (Presence::Removed | Presence::Neither, _) => {
                attributes.push("style=\"filled,dashed\"".to_string());
                attributes.push("fillcolor=\"#f2f2f2\"".to_string());
                attributes.push("fontcolor=\"#999999\"".to_string());
                attributes.push("color=\"#999999\"".to_string());
            }
            _ => {}
        }
        let _ = writeln!(out, "  {} [{}];", quote(&node.id), attributes.join(", "));
    }
    let several_commodities = view
        .edges
        .iter()
        .flat_map(|e| e.commodities.iter())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    for edge in &view.edges {
        let mut attributes = Vec::new();
        if several_commodities {
            attributes.push(format!("label={}", quote(&edge.commodities.join(", "))));
        }
        match (edge.presence, &highlight) {
            (Presence::Added, Some(colour)) => {
                attributes.push(format!("color={}", quote(colour)));
                attributes.push("penwidth=2.5".to_string());
            }
            (Presence::Removed | Presence::Neither, _) => {
                attributes.push("style=dashed".to_string());
                attributes.push("color=\"#bbbbbb\"".to_string());
            }
            _ => {}
        }
        let _ = writeln!(
            out,
            "  {} -> {}{};",
            quote(&view.nodes[edge.from].id),
            quote(&view.nodes[edge.to].id),
            if attributes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attributes.join(", "))
            }
        );
    }
    if !view.notes.is_empty() {
        // A colon cannot appear in a scenario id, so this node cannot clash with one.
        let _ = writeln!(
            out,
            "  \"supplyrisk:notes\" [shape=note, fillcolor=\"#ffffff\", label={}];",
            quote(&format!(
                "{} also {}",
                view.shown_variant(),
                view.notes.join("; ")
            ))
        );
    }
    let _ = writeln!(out, "}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_keeps_its_fill_in_every_view_of_a_model() {
        // The network charts of one run (one per variant) fill a country alike, so that a
        // reader flipping between them can go by colour. `antimony_ban` gave the US three
        // different fills in three charts before the palette order was made model-wide.
        for bundled in crate::scenario::bundled::ALL {
            let source = crate::scenario::Source::from_text(
                format!("{}.toml", bundled.name),
                bundled.name,
                false,
                bundled.text,
            );
            let model = crate::scenario::parse(&source).expect("bundled scenarios validate");
            let fills: Vec<CountryFills> = (0..model.variants.len())
                .map(|v| NetworkView::new(&model, Some(v)).country_fills())
                .collect();
            for country in &NetworkView::new(&model, None).countries {
                for (v, each) in fills.iter().enumerate() {
                    assert_eq!(
                        each.of(country),
                        fills[0].of(country),
                        "{}: {country} in the view of variant {v}",
                        bundled.name
                    );
                }
            }
        }
    }

    #[test]
    fn dependency_countries_stand_out_and_no_two_others_share_a_fill() {
        let countries: Vec<String> = (0..20).map(|i| format!("C{i:02}")).collect();
        let view = NetworkView {
            scenario: String::new(),
            dependency_on: vec!["C03".into(), "C11".into()],
            baseline: String::new(),
            variant: None,
            nodes: Vec::new(),
            edges: Vec::new(),
            notes: Vec::new(),
            countries: countries.clone(),
            changed_anywhere: Vec::new(),
        };
        assert_eq!(view.country_fill("C03"), style::dependency_fill(0));
        assert_eq!(view.country_fill("C11"), style::dependency_fill(1));
        let others: Vec<style::Colour> = countries
            .iter()
            .filter(|c| !view.dependency_on.contains(c))
            .map(|c| view.country_fill(c))
            .collect();
        // Sixteen distinct light fills, then grey; none is a dependency country's.
        for (i, fill) in others.iter().enumerate() {
            assert!(
                *fill != style::dependency_fill(0) && *fill != style::dependency_fill(1),
                "{i}"
            );
            if i < 16 {
                assert!(!others[..i].contains(fill), "fill {i} repeats");
            } else {
                assert_eq!(*fill, style::COUNTRY_OVERFLOW);
            }
        }
    }

    /// Twenty countries, one node each, in order C00..C19; the node of `added` is added by
    /// the variant and the focus market is in `focus`.
    fn twenty_countries(added: &str, focus: &str) -> NetworkView {
        let countries: Vec<String> = (0..20).map(|i| format!("C{i:02}")).collect();
        let nodes = countries
            .iter()
            .map(|c| NetworkNode {
                id: c.to_lowercase(),
                name: c.to_lowercase(),
                kind: "hub",
                country: c.clone(),
                focus: c == focus,
                presence: if c == added {
                    Presence::Added
                } else {
                    Presence::Both
                },
            })
            .collect();
        NetworkView {
            scenario: String::new(),
            dependency_on: vec!["C00".into()],
            baseline: String::new(),
            variant: Some(("v".into(), 1)),
            nodes,
            edges: Vec::new(),
            notes: Vec::new(),
            countries,
            changed_anywhere: Vec::new(),
        }
    }

    #[test]
    fn the_new_supply_and_the_focus_market_get_colours_before_the_others() {
        // Past the palette's sixteen light fills, countries are grey: the added node's
        // country (C19) and the focus market's (C18) come last in order of appearance, yet
        // take the first two fills; the others follow in order of appearance, so that C14
        // takes the last fill and C15 is the first grey (C00 is a dependency country).
        let view = twenty_countries("C19", "C18");
        assert_eq!(view.country_fill("C00"), style::dependency_fill(0));
        assert_eq!(view.country_fill("C19"), style::country_fill(0));
        assert_eq!(view.country_fill("C18"), style::country_fill(1));
        assert_eq!(view.country_fill("C01"), style::country_fill(2));
        assert_eq!(view.country_fill("C14"), style::country_fill(15));
        assert_eq!(view.country_fill("C15"), style::COUNTRY_OVERFLOW);
        // Without a change or a focus among them, plain order of appearance.
        let plain = twenty_countries("none", "none");
        assert_eq!(plain.country_fill("C01"), style::country_fill(0));
        assert_eq!(plain.country_fill("C16"), style::country_fill(15));
        assert_eq!(plain.country_fill("C17"), style::COUNTRY_OVERFLOW);
        assert_eq!(plain.country_fill("C19"), style::COUNTRY_OVERFLOW);
    }

    #[test]
    fn edges_exist_where_both_ends_do() {
        use Presence::*;
        assert_eq!(Presence::edge(Both, Both), Both);
        assert_eq!(Presence::edge(Added, Both), Added);
        assert_eq!(Presence::edge(Removed, Both), Removed);
        assert_eq!(Presence::edge(Added, Removed), Neither);
        assert_eq!(Presence::edge(Neither, Both), Neither);
    }

    #[test]
    fn disruptions_a_variant_changes_make_one_note_each_way() {
        assert_eq!(disruption_note(&[], "has", "off in the baseline"), None);
        assert_eq!(
            disruption_note(&["strikes"], "has", "off in the baseline").as_deref(),
            Some("has disruption strikes (off in the baseline)")
        );
        assert_eq!(
            disruption_note(&["a", "b", "c"], "switches off", "active in the baseline").as_deref(),
            Some("switches off 3 disruptions (active in the baseline): a, b, c")
        );
    }

    #[test]
    fn quotes_are_escaped() {
        assert_eq!(quote("a \"b\"\\c\nd"), "\"a \\\"b\\\"\\\\c\\nd\"");
    }
}

//! The text `supplyrisk check` prints: what a user needs to trust a scenario file.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::engine::plan::{ArcCapacity, ArcRole, Plan};
use crate::model::{
    CommodityId, Country, Distribution, Model, Network, NodeId, NodeKind, Process, Variant,
};
use crate::report::format::{format_quantity, format_share, format_tonnes};

/// Consecutive states with the same mean stay from which a regime's description gives them as
/// one entry.
const GROUPED_STATES: usize = 4;

/// States up to which a regime's description gives its long-run shares: they cost 64·n³
/// (`Regime::long_run_shares`), a millisecond at 30 states but a minute at 1000, and a list
/// of hundreds of shares would not be read.
const LONG_RUN_MAX_STATES: usize = 64;

/// Describes a validated model: network, supply of the focus market, processes, variants and
/// warnings about things that are legal but probably unintended.
pub fn describe(model: &Model, label: &str, sha256: &str) -> String {
    let mut out = String::new();
    let network = &model.network;
    let focus = &network.nodes[model.focus_market.0];
    let end = model.start.plus(model.horizon_months - 1);
    let _ = writeln!(out, "Scenario: {}", model.name);
    let _ = writeln!(
        out,
        "  file {label}, sha256 {}",
        &sha256[..16.min(sha256.len())]
    );
    if let Some(description) = &model.description {
        let _ = writeln!(out, "  {description}");
    }
    let _ = writeln!(
        out,
        "  {} to {} ({} months); {} trials by default, seed {}",
        model.start, end, model.horizon_months, model.trials, model.seed
    );
    let dependency = if model.dependency_on.is_empty() {
        "no country (dependency_on is empty)".to_string()
    } else {
        join_countries(&model.dependency_on)
    };
    let _ = writeln!(
        out,
        "  focus market {} ({}); dependency on {dependency}; serious shortfall above {} of demand",
        focus.id,
        focus.country,
        format_share(model.shortfall_threshold)
    );

    let _ = writeln!(out, "\nCommodities ({}):", network.commodities.len());
    for c in &network.commodities {
        if c.name == c.id {
            let _ = writeln!(out, "  {}", c.id);
        } else {
            let _ = writeln!(out, "  {} ({})", c.id, c.name);
        }
    }

    let _ = writeln!(out, "\nNodes ({}):", network.nodes.len());
    for kind in [
        NodeKind::Mine,
        NodeKind::Refinery,
        NodeKind::Hub,
        NodeKind::Market,
    ] {
        let of_kind: Vec<_> = network.nodes.iter().filter(|n| n.kind == kind).collect();
        let countries: BTreeSet<Country> = of_kind.iter().map(|n| n.country).collect();
        let groups: Vec<String> = countries
            .iter()
            .map(|country| {
                let ids: Vec<&str> = of_kind
                    .iter()
                    .filter(|n| n.country == *country)
                    .map(|n| n.id.as_str())
                    .collect();
                format!("{country}: {}", ids.join(", "))
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<9} {:>3}  {}",
            kind.as_str(),
            of_kind.len(),
            groups.join("; ")
        );
    }
    let _ = writeln!(out, "\nEdges ({}):", network.edges.len());
    for edge in &network.edges {
        let carried: Vec<String> = network
            .commodities
            .iter()
            .enumerate()
            .filter(|(k, _)| edge.carries[*k])
            .map(|(k, c)| match edge.capacity_t_per_year[k] {
                Some(cap) => format!("{} ≤ {} t/yr", c.id, format_tonnes(cap)),
                None => c.id.clone(),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {} → {}  cost {}  [{}]",
            network.nodes[edge.from.0].id,
            network.nodes[edge.to.0].id,
            format_quantity(edge.cost),
            carried.join(", ")
        );
    }

    let _ = writeln!(out, "\nSupply of the focus market {}:", focus.id);
    for (k, commodity) in network.commodities.iter().enumerate() {
        let c = CommodityId(k);
        let demand = focus.demand_t_per_year(c);
        // A variant's `set` may give the focus market a demand the file does not, or take it
        // away: the commodity is listed when any variant demands it.
        let demand_in =
            |variant: &Variant| variant.nodes[model.focus_market.0].demand_t_per_year(c);
        if !model.variants.iter().any(|v| demand_in(v) > 0.0) {
            continue;
        }
        let in_file = if demand > 0.0 {
            format!(
                "demand {} t/yr{}",
                format_tonnes(demand),
                growth_note(focus.market.as_ref().map(|m| &m.demand_growth))
            )
        } else {
            "no demand in the file".to_string()
        };
        let _ = writeln!(out, "  {}: {in_file}", commodity.id);
        for variant in &model.variants {
            let here = demand_in(variant);
            let supply = supply_countries(network, variant, model.focus_market, c);
            let mut line = if here <= 0.0 {
                "no demand for it in this variant".to_string()
            } else if supply.mines.is_empty() {
                "NOT supplied: no mine reaches the focus market in this variant".to_string()
            } else {
                format!(
                    "mines in {}; paths through {}",
                    join_countries(&supply.mines),
                    join_countries(&supply.path)
                )
            };
            if here > 0.0 && here != demand {
                line.push_str(&format!(
                    " (demand {} t/yr in this variant)",
                    format_tonnes(here)
                ));
            }
            let _ = writeln!(out, "    {:<24} {line}", variant.id);
        }
    }

    let _ = writeln!(out, "\nDisruptions ({}):", model.disruptions.len());
    for disruption in &model.disruptions {
        let _ = writeln!(
            out,
            "  {} — {}",
            disruption.id,
            describe_process(network, &disruption.process, model)
        );
    }

    let baseline = model.baseline();
    let _ = writeln!(out, "\nVariants ({}):", model.variants.len());
    for (i, variant) in model.variants.iter().enumerate() {
        let role = if i == baseline { " (baseline)" } else { "" };
        let _ = writeln!(
            out,
            "  {}{role}: {}",
            variant.id,
            describe_variant(model, variant)
        );
    }

    let warnings = warnings(model);
    if !warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings ({}):", warnings.len());
        for w in warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    let _ = writeln!(out, "\nOK: the scenario is valid.");
    out
}

fn join_countries(countries: &[Country]) -> String {
    countries
        .iter()
        .map(Country::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn growth_note(growth: Option<&Distribution>) -> String {
    match growth {
        Some(d) => match d.as_fixed() {
            Some(0.0) => String::new(),
            Some(g) => format!(", growing {}/yr", format_share(g)),
            None => format!(", growth {}", describe_distribution(d, "/yr")),
        },
        None => String::new(),
    }
}

/// Countries of the mines that can reach `market` for `c` in `variant`, and of every node on
/// those paths.
struct Supply {
    mines: Vec<Country>,
    path: Vec<Country>,
}

fn supply_countries(
    network: &Network,
    variant: &Variant,
    market: NodeId,
    c: CommodityId,
) -> Supply {
    let n = network.nodes.len();
    let alive = |v: usize| !variant.node_disabled[v] && variant.nodes[v].handles(c);
    // Nodes that can reach the market, and nodes reachable from a mine: their intersection
    // is what lies on a mine-to-market path.
    let adjacency = network.adjacency();
    let mut reaches = vec![false; n];
    reaches[market.0] = true;
    let mut stack = vec![market.0];
    while let Some(v) = stack.pop() {
        for e in adjacency.into[v]
            .iter()
            .map(|&i| &network.edges[i])
            .filter(|e| e.carries[c.0])
        {
            if alive(e.from.0) && !reaches[e.from.0] {
                reaches[e.from.0] = true;
                stack.push(e.from.0);
            }
        }
    }
    let mut from_mine = vec![false; n];
    // A mine with no capacity for the commodity in this variant (`set … = 0`) supplies
    // nothing: it is not a source.
    let producing =
        |v: usize| variant.nodes[v].capacity_t_per_year[c.0].is_some_and(|capacity| capacity > 0.0);
    let mut stack: Vec<usize> = (0..n)
        .filter(|&v| {
            network.nodes[v].kind == NodeKind::Mine && alive(v) && producing(v) && reaches[v]
        })
        .collect();
    for &v in &stack {
        from_mine[v] = true;
    }
    while let Some(v) = stack.pop() {
        for e in adjacency.out_of[v]
            .iter()
            .map(|&i| &network.edges[i])
            .filter(|e| e.carries[c.0])
        {
            if alive(e.to.0) && reaches[e.to.0] && !from_mine[e.to.0] {
                from_mine[e.to.0] = true;
                stack.push(e.to.0);
            }
        }
    }
    let mines: BTreeSet<Country> = (0..n)
        .filter(|&v| from_mine[v] && network.nodes[v].kind == NodeKind::Mine)
        .map(|v| network.nodes[v].country)
        .collect();
    let path: BTreeSet<Country> = (0..n)
        .filter(|&v| from_mine[v])
        .map(|v| network.nodes[v].country)
        .collect();
    Supply {
        mines: mines.into_iter().collect(),
        path: path.into_iter().collect(),
    }
}

/// A distribution in words with its key figures, e.g.
/// "lognormal(median 10, p90 60): mean 17.4, median 10, p90 60 d".
pub fn describe_distribution(d: &Distribution, unit: &str) -> String {
    match d.as_fixed() {
        Some(v) => format!("{}{unit}", format_quantity(v)),
        None => format!(
            "{d}: mean {}, median {}, p90 {}{unit}",
            format_quantity(d.mean()),
            format_quantity(d.quantile(0.5)),
            format_quantity(d.quantile(0.9))
        ),
    }
}

fn node_list(network: &Network, nodes: &[NodeId]) -> String {
    let ids: Vec<&str> = nodes
        .iter()
        .map(|n| network.nodes[n.0].id.as_str())
        .collect();
    if ids.len() <= 6 {
        ids.join(", ")
    } else {
        format!("{}, … ({} in all)", ids[..5].join(", "), ids.len())
    }
}

/// A disruption process in words with its key figures (rate, targets, states and their
/// long-run shares, effects, project odds), as `check` and `report.md` print it.
pub fn describe_process(network: &Network, process: &Process, model: &Model) -> String {
    match process {
        Process::Incidents(p) => {
            let weights = if p.weights.iter().all(|w| *w == p.weights[0]) {
                String::new()
            } else {
                format!(
                    " (weights {})",
                    p.weights
                        .iter()
                        .map(|w| format_quantity(*w))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "incidents: {} over {} target{} ({}){weights}; severity {}; duration {}",
                match p.rate_per_year.as_fixed() {
                    Some(1.0) => "1 event/yr".to_string(),
                    Some(r) => format!("{} events/yr", format_quantity(r)),
                    None => format!("{} events/yr", describe_distribution(&p.rate_per_year, "")),
                },
                p.targets.len(),
                if p.targets.len() == 1 { "" } else { "s" },
                node_list(network, &p.targets),
                describe_distribution(&p.severity, ""),
                describe_distribution(&p.duration_days, " d"),
            )
        }
        Process::Regime(r) => {
            let mut s = format!(
                "regime with {} state{}",
                r.states.len(),
                if r.states.len() == 1 { "" } else { "s" }
            );
            let initial: Vec<String> = r
                .states
                .iter()
                .zip(&r.initial)
                .filter(|(_, p)| **p > 0.0)
                .map(|(name, p)| {
                    if *p == 1.0 {
                        name.clone()
                    } else {
                        format!("{name} {}", format_share(*p))
                    }
                })
                .collect();
            let _ = write!(s, "; starts in {}", initial.join(", "));
            if r.states.len() <= LONG_RUN_MAX_STATES {
                let long_run_shares = r.long_run_shares();
                // States that would print as 0.0% (a calendar of one-month states, say) are
                // counted, not listed one by one.
                let (listed, negligible): (Vec<_>, Vec<_>) = r
                    .states
                    .iter()
                    .zip(&long_run_shares)
                    .partition(|(_, p)| format_share(**p) != "0.0%");
                let mut long_run: Vec<String> = listed
                    .iter()
                    .map(|(name, p)| format!("{name} {}", format_share(**p)))
                    .collect();
                match negligible.len() {
                    0 => {}
                    1 => long_run.push(format!("{} 0.0%", negligible[0].0)),
                    n => long_run.push(format!("the {n} other states below 0.05% each")),
                }
                let _ = write!(
                    s,
                    "\n      long-run share of months: {}",
                    long_run.join(", ")
                );
            } else {
                let _ = write!(
                    s,
                    "\n      long-run share of months: not computed for more than {LONG_RUN_MAX_STATES} states"
                );
            }
            // Each state's mean stay; a run of consecutive states with the same one (a
            // calendar of one-month states) is given as one entry, first … last.
            let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
            for (i, name) in r.states.iter().enumerate() {
                let stay = r.transitions[i][i];
                let time = if stay >= 1.0 {
                    "forever (absorbing)".to_string()
                } else {
                    let months = format_quantity(1.0 / (1.0 - stay));
                    let unit = if months == "1" { "month" } else { "months" };
                    format!("{months} {unit}")
                };
                match groups.last_mut() {
                    Some((t, names)) if *t == time => names.push(name),
                    _ => groups.push((time, vec![name])),
                }
            }
            let sojourn: Vec<String> = groups
                .iter()
                .flat_map(|(time, names)| {
                    if names.len() >= GROUPED_STATES {
                        let (first, last) = (names[0], names[names.len() - 1]);
                        vec![format!(
                            "{} states ({first} … {last}) {time} each",
                            names.len()
                        )]
                    } else {
                        names.iter().map(|name| format!("{name} {time}")).collect()
                    }
                })
                .collect();
            let _ = write!(s, "\n      mean time in each state: {}", sojourn.join(", "));
            for effect in &r.effects {
                let edges = network
                    .edges
                    .iter()
                    .filter(|e| {
                        (0..network.commodities.len()).any(|k| {
                            e.carries[k]
                                && effect.applies(
                                    network.nodes[e.from.0].country,
                                    network.nodes[e.to.0].country,
                                    CommodityId(k),
                                )
                        })
                    })
                    .count();
                let importers = match &effect.importers {
                    Some(list) => format!(" to {}", join_countries(list)),
                    None => String::new(),
                };
                let commodities = match &effect.commodities {
                    Some(list) => format!(
                        " of {}",
                        list.iter()
                            .map(|c| network.commodities[c.0].id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => String::new(),
                };
                let _ = write!(
                    s,
                    "\n      in {}: exports{commodities} from {}{importers} × {} ({} edge{})",
                    r.states[effect.state],
                    effect.exporter,
                    format_quantity(effect.factor),
                    edges,
                    if edges == 1 { "" } else { "s" }
                );
            }
            s
        }
        Process::Project(p) => {
            let online = match p.online_month.as_fixed() {
                Some(m)
                    if m < f64::from(crate::model::MAX_HORIZON_MONTHS)
                        && model.start.plus(m.max(0.0).floor() as u32).year <= 9999 =>
                {
                    format!(
                        "online from month {} ({})",
                        format_quantity(m.floor()),
                        model.start.plus(m.max(0.0).floor() as u32)
                    )
                }
                Some(m) => format!(
                    "online from month {} (beyond year 9999)",
                    format_quantity(m.floor())
                ),
                None => format!(
                    "online month {}",
                    describe_distribution(&p.online_month, "")
                ),
            };
            format!(
                "project: {} ({}); success probability {}; {online}; ramp {}; capacity factor {}",
                node_list(network, &p.targets),
                if p.targets.len() == 1 {
                    "1 target".to_string()
                } else {
                    format!("{} targets", p.targets.len())
                },
                describe_distribution(&p.success_probability, ""),
                describe_distribution(&p.ramp_months, " months"),
                describe_distribution(&p.capacity_factor, ""),
            )
        }
    }
}

/// What a variant disables and overrides, in words.
pub fn describe_variant(model: &Model, variant: &Variant) -> String {
    let mut parts = Vec::new();
    let nodes: Vec<&str> = model
        .network
        .nodes
        .iter()
        .zip(&variant.node_disabled)
        .filter(|(_, d)| **d)
        .map(|(n, _)| n.id.as_str())
        .collect();
    let disruptions: Vec<&str> = model
        .disruptions
        .iter()
        .zip(&variant.disruption_disabled)
        .filter(|(_, d)| **d)
        .map(|(d, _)| d.id.as_str())
        .collect();
    if !nodes.is_empty() {
        parts.push(format!("disables nodes {}", nodes.join(", ")));
    }
    if !disruptions.is_empty() {
        parts.push(format!("disables disruptions {}", disruptions.join(", ")));
    }
    for (key, value) in &variant.overrides {
        parts.push(format!("sets {key} = {value}"));
    }
    if parts.is_empty() {
        "the full network, as written".to_string()
    } else {
        parts.join("; ")
    }
}

/// A legal but probably unintended thing in a model, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// What it is, as `check` prints it.
    pub text: String,
    /// Whether a variant leaves the focus market with no mine that reaches it: its dependency
    /// then falls only because nothing arrives, which a report must say next to it.
    pub cuts_off_focus: bool,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Warning {
    fn new(text: String) -> Self {
        Warning {
            text,
            cuts_off_focus: false,
        }
    }
}

/// Legal but probably unintended things in a model.
pub fn warnings(model: &Model) -> Vec<Warning> {
    let network = &model.network;
    let mut out = Vec::new();
    let adjacency = network.adjacency();
    for (i, node) in network.nodes.iter().enumerate() {
        if adjacency.into[i].is_empty() && adjacency.out_of[i].is_empty() {
            out.push(Warning::new(format!("node {} has no edges", node.id)));
        }
    }
    // A country no node has (a typo: "CH" for "CN") is legal: its share is 0 in every trial.
    let no_node_in = |country: Country| network.nodes.iter().all(|n| n.country != country);
    for &country in &model.dependency_on {
        if no_node_in(country) {
            out.push(Warning::new(format!(
                "dependency_on lists {country}, the country of no node: dependency_{country} is 0 in every trial"
            )));
        }
    }
    for disruption in &model.disruptions {
        if let Process::Regime(r) = &disruption.process {
            for (i, effect) in r.effects.iter().enumerate() {
                for &country in effect.importers.iter().flatten() {
                    if no_node_in(country) {
                        out.push(Warning::new(format!(
                            "disruption {} effect[{i}] lists importer {country}, the country of no node",
                            disruption.id
                        )));
                    }
                }
                let touches = network.edges.iter().any(|e| {
                    (0..network.commodities.len()).any(|k| {
                        e.carries[k]
                            && effect.applies(
                                network.nodes[e.from.0].country,
                                network.nodes[e.to.0].country,
                                CommodityId(k),
                            )
                    })
                });
                if !touches {
                    out.push(Warning::new(format!(
                        "disruption {} effect[{i}] (state {}) matches no edge",
                        disruption.id, r.states[effect.state]
                    )));
                }
            }
        }
    }
    for variant in &model.variants {
        for (k, commodity) in network.commodities.iter().enumerate() {
            let c = CommodityId(k);
            if variant.nodes[model.focus_market.0].demand_t_per_year(c) > 0.0
                && supply_countries(network, variant, model.focus_market, c)
                    .mines
                    .is_empty()
            {
                out.push(Warning {
                    text: format!(
                        "in variant {}, no mine reaches the focus market with {}: its demand can be met only from its stock, the rest is shortfall",
                        variant.id, commodity.id
                    ),
                    cuts_off_focus: true,
                });
            }
        }
    }
    late_projects(model, &mut out);
    raised_bounds(model, &mut out);
    out
}

/// The share of trials below which a project's `online_month` counts as never within the
/// horizon: its quantile at this probability is compared with the horizon, so a distribution
/// with unbounded support (a normal far beyond the horizon) is caught as well as a bounded one.
const LATE_PROJECT_QUANTILE: f64 = 1e-6;

/// Warns of a project whose `online_month` falls within the horizon in (practically) no trial
/// (its quantile at [`LATE_PROJECT_QUANTILE`] is past the last month): in those variants its
/// targets add nothing, which is legal (a project beyond the horizon) but more often a month
/// counted from the wrong origin (`online_month` counts months from `start`).
fn late_projects(model: &Model, out: &mut Vec<Warning>) {
    let horizon = model.horizon_months as f64;
    for (d, disruption) in model.disruptions.iter().enumerate() {
        // (variant, the least online month of its trials but one in a million)
        let late: Vec<(&str, f64)> = model
            .variants
            .iter()
            .filter(|v| !v.disruption_disabled[d])
            .filter_map(|v| match &v.disruptions[d].process {
                Process::Project(p) if p.targets.iter().any(|t| !v.node_disabled[t.0]) => {
                    let least = p.online_month.quantile(LATE_PROJECT_QUANTILE);
                    (least >= horizon).then_some((v.id.as_str(), least))
                }
                _ => None,
            })
            .collect();
        let Some(earliest) = late.iter().map(|&(_, least)| least).reduce(f64::min) else {
            continue;
        };
        let variants: Vec<&str> = late.iter().map(|&(id, _)| id).collect();
        out.push(Warning::new(format!(
            "project {} comes online after the horizon's last month ({}) in variant{} {}: its online_month is {} or more (in all but at most one trial in a million), so its targets add nothing there (online_month counts months from start, {})",
            disruption.id,
            model.horizon_months - 1,
            if variants.len() == 1 { "" } else { "s" },
            variants.join(", "),
            format_quantity(earliest.floor()),
            model.start
        )));
    }
}

/// Warns where a variant raises the SPEC 3 throughput bound of an uncapped element that a
/// disruption scales in that variant: the bound is computed per variant from the incoming
/// edges, so a variant that adds supply upstream (a new mine feeding a hub) lets the element
/// pass more during the disruption, even in months when the new supply delivers nothing.
fn raised_bounds(model: &Model, out: &mut Vec<Warning>) {
    let Ok(plan) = Plan::new(model) else {
        return;
    };
    let base = &plan.variants[plan.baseline];
    for (v, variant) in plan.variants.iter().enumerate() {
        if v == plan.baseline {
            continue;
        }
        // Nodes a disruption scales in this variant.
        let scaled: BTreeSet<NodeId> = variant
            .incidents
            .iter()
            .chain(&variant.projects)
            .flat_map(|&(k, version)| plan.disruptions[k].versions[version].process.targets())
            .copied()
            .collect();
        // Per element, the commodities whose bound it raises.
        let mut raised: Vec<(ArcRole, Vec<String>)> = Vec::new();
        for (ci, network) in variant.commodities.iter().enumerate() {
            for arc in &network.arcs {
                let ArcCapacity::Uncapped(this_bound) = arc.capacity else {
                    continue;
                };
                let scaled_here = match arc.role {
                    ArcRole::Throughput(n) => scaled.contains(&n),
                    _ => arc.regime_affected,
                };
                let base_bound = base.commodities[ci]
                    .arcs
                    .iter()
                    .find(|b| b.role == arc.role)
                    .and_then(|b| match b.capacity {
                        ArcCapacity::Uncapped(bound) => Some(bound),
                        _ => None,
                    });
                let Some(base_bound) = base_bound else {
                    continue;
                };
                if !scaled_here || this_bound <= base_bound {
                    continue;
                }
                let commodity = &model.network.commodities[plan.commodities[ci].0].id;
                let text = format!(
                    "{} t/yr of {commodity} against {}",
                    format_tonnes(this_bound * 12.0),
                    format_tonnes(base_bound * 12.0)
                );
                match raised.iter_mut().find(|(role, _)| *role == arc.role) {
                    Some((_, texts)) => texts.push(text),
                    None => raised.push((arc.role, vec![text])),
                }
            }
        }
        for (role, texts) in raised {
            let element = match role {
                ArcRole::Throughput(n) => model.network.nodes[n.0].id.clone(),
                ArcRole::Edge(i) => {
                    let edge = &model.network.edges[i];
                    format!(
                        "the edge {} -> {}",
                        model.network.nodes[edge.from.0].id, model.network.nodes[edge.to.0].id
                    )
                }
                _ => continue,
            };
            out.push(Warning::new(format!(
                "in variant {}, {element} has no capacity, so a disruption scales its nominal throughput bound, which counts the supply the variant adds upstream: {} in the baseline {}. The variant passes more through it during a disruption even in months its new supply delivers nothing; give it a capacity if that is not intended",
                variant.id,
                texts.join(", "),
                base.id
            )));
        }
    }
}

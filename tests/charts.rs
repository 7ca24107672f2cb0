//! Charts: every PNG decodes, has the promised size, is not blank, keeps each variant's colour,
//! and is byte-identical for the same inputs; the network and its DOT text show what a variant
//! adds; `run` writes the charts (not with `--no-charts`); `graph` prints DOT.
//!
//! Runs are small (a few hundred trials, short horizons) so the suite stays fast in debug builds.

mod common;

use common::{model, run_model, supplyrisk};
use supplyrisk::model::Model;
use supplyrisk::plot::{self, PanelLayout, style};
use supplyrisk::report::graph::{self, NetworkView, Presence};
use supplyrisk::report::markdown::network_views;
use supplyrisk::report::summary::Summary;

/// Two commodities, two countries of dependency, three variants (a baseline without the new
/// supply, the new supply, an optimistic project); gold is never at risk, so its panels are
/// degenerate (no shortfall, no dependency) and must still draw.
const MULTI: &str = r#"
[scenario]
name = "Chart test"
start = "2026-07"
horizon_months = 30
focus_market = "us"
dependency_on = ["CN", "RU"]

[[commodity]]
id = "antimony"
name = "Antimony (t Sb)"

[[commodity]]
id = "gold"

[[node]]
id = "cn_mines"
kind = "mine"
country = "CN"
capacity = { antimony = 400 }

[[node]]
id = "ru_mine"
kind = "mine"
country = "RU"
capacity = { antimony = 150 }

[[node]]
id = "au_mine"
kind = "mine"
country = "AU"
capacity = { gold = 50 }

[[node]]
id = "pk_mine"
kind = "mine"
country = "PK"
capacity = { antimony = 60 }

[[node]]
id = "pk_refinery"
kind = "refinery"
country = "PK"
capacity = { antimony = 60 }

[[node]]
id = "us"
kind = "market"
country = "US"
name = "United States"
demand = { antimony = 500, gold = 20 }
stock_months = { antimony = 1 }

[[edge]]
from = "cn_mines"
to = "us"

[[edge]]
from = "ru_mine"
to = "us"
cost = 2

[[edge]]
from = "au_mine"
to = "us"

[[edge]]
from = "pk_mine"
to = "pk_refinery"

[[edge]]
from = "pk_refinery"
to = "us"
cost = 0.5

[[disruption]]
id = "cn_controls"
kind = "regime"
states = ["open", "ban"]
initial = "open"
transitions = [[0.9, 0.1], [0.3, 0.7]]
[[disruption.effect]]
state = "ban"
exporter = "CN"
factor = 0.0

[[disruption]]
id = "pk_project"
kind = "project"
targets = ["pk_refinery"]
success_probability = 0.5
online_month = { dist = "uniform", min = 3, max = 12 }

[[variant]]
id = "without_pk"
baseline = true
disable = ["pk_*"]

[[variant]]
id = "with_pk"

[[variant]]
id = "with_pk_sure"
[variant.set]
"pk_project.success_probability" = 1.0
"#;

fn multi() -> (Model, Summary) {
    let (model, source) = model(MULTI);
    let summary = run_model(&model, &source, 300, 5, 2);
    (model, summary)
}

/// A decoded chart: width, height and RGB pixels.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(name: &str, bytes: &[u8]) -> Image {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder
            .read_info()
            .unwrap_or_else(|e| panic!("{name} is not a PNG: {e}"));
        let mut rgb = vec![0; reader.output_buffer_size().expect("a sized image")];
        let info = reader
            .next_frame(&mut rgb)
            .unwrap_or_else(|e| panic!("{name} does not decode: {e}"));
        assert_eq!(info.color_type, png::ColorType::Rgb, "{name}");
        assert_eq!(info.bit_depth, png::BitDepth::Eight, "{name}");
        rgb.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn pixels(&self) -> impl Iterator<Item = (u32, u32, [u8; 3])> + '_ {
        self.rgb.chunks_exact(3).enumerate().map(|(i, p)| {
            let i = i as u32;
            (i % self.width, i / self.width, [p[0], p[1], p[2]])
        })
    }

    /// Whether a pixel of exactly `colour` lies below `top`.
    fn has_colour_below(&self, colour: style::Colour, top: u32) -> bool {
        let wanted = [colour.0, colour.1, colour.2];
        self.pixels().any(|(_, y, p)| y >= top && p == wanted)
    }
}

/// Decodes every chart and checks size and content; returns them by file name.
fn check_charts(summary: &Summary, networks: &[NetworkView]) -> Vec<(String, Image)> {
    let specs = plot::plan(summary, networks);
    let drawn = plot::draw_all(&specs, summary, networks).expect("every chart draws");
    assert_eq!(drawn.len(), specs.len());
    drawn
        .into_iter()
        .map(|(name, bytes)| {
            let image = Image::decode(&name, &bytes);
            assert_eq!(
                (image.width, image.height),
                (style::WIDTH, style::HEIGHT),
                "{name}"
            );
            let background = [
                style::BACKGROUND.0,
                style::BACKGROUND.1,
                style::BACKGROUND.2,
            ];
            let total = u64::from(image.width) * u64::from(image.height);
            let inked = image.pixels().filter(|(_, _, p)| *p != background).count() as u64;
            // Titles, axes and data cover well over 2% of any chart; a blank or nearly blank
            // canvas (drawing silently skipped) would not.
            assert!(
                inked * 50 > total,
                "{name}: only {inked} of {total} pixels drawn"
            );
            let mut colours = std::collections::HashSet::new();
            for (_, _, p) in image.pixels() {
                colours.insert(p);
            }
            // Anti-aliased text and several series give hundreds of distinct colours.
            assert!(
                colours.len() > 100,
                "{name}: only {} distinct colours",
                colours.len()
            );
            (name, image)
        })
        .collect()
}

#[test]
fn every_chart_decodes_at_full_size_and_is_not_blank() {
    let (model, summary) = multi();
    let networks = network_views(&model);
    let charts = check_charts(&summary, &networks);
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "dependency_CN.png",
            "reduction_CN.png",
            "monthly_dependency_CN.png",
            "dependency_RU.png",
            "reduction_RU.png",
            "monthly_dependency_RU.png",
            "shortfall_exceedance.png",
            "monthly_shortfall.png",
            "network_with_pk.png",
            "network_with_pk_sure.png",
        ]
    );
}

#[test]
fn each_variant_keeps_its_colour_in_the_plots() {
    let (model, summary) = multi();
    let charts = check_charts(&summary, &network_views(&model));
    // Below the title block and legend: the colours come from the panels themselves.
    let below_legend = style::HEADER_HEIGHT + 40;
    for (name, image) in &charts {
        let shown: Vec<usize> = if name.starts_with("reduction") {
            vec![1, 2]
        } else if name == "network_with_pk.png" {
            vec![1]
        } else if name == "network_with_pk_sure.png" {
            vec![2]
        } else {
            vec![0, 1, 2]
        };
        for index in 0..3 {
            let present = image.has_colour_below(style::variant_colour(index), below_legend);
            assert_eq!(
                present,
                shown.contains(&index),
                "{name}: colour of variant {index} present = {present}"
            );
        }
    }
}

#[test]
fn charts_are_byte_identical_for_the_same_inputs() {
    let (model, summary) = multi();
    let networks = network_views(&model);
    let specs = plot::plan(&summary, &networks);
    let parallel = plot::draw_all(&specs, &summary, &networks).expect("draws");
    // Drawn again one by one, from a second identical run.
    let (_, again) = multi();
    for (spec, (name, bytes)) in specs.iter().zip(&parallel) {
        let sequential = spec.draw(&again, &networks).expect("draws");
        assert!(
            sequential == *bytes,
            "{name} differs between two draws of the same inputs"
        );
    }
}

#[test]
fn a_single_variant_has_no_reduction_chart_and_a_plain_network() {
    let text = MULTI
        .split("[[variant]]")
        .next()
        .expect("the scenario text");
    let (model, source) = model(text);
    let summary = run_model(&model, &source, 100, 1, 1);
    let networks = network_views(&model);
    assert_eq!(networks.len(), 1);
    assert!(networks[0].variant.is_none());
    let charts = check_charts(&summary, &networks);
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        !names.iter().any(|n| n.starts_with("reduction")),
        "{names:?}"
    );
    assert!(names.contains(&"network.png"));
    assert!(plot::reduction_distribution(&summary, "CN").is_err());
    assert!(plot::dependency_distribution(&summary, "XX").is_err());
}

#[test]
fn many_commodities_draw_in_a_grid() {
    // Twelve commodities, each from a Chinese and a Brazilian mine: twelve panels per chart.
    let mut text = String::from(
        "[scenario]\nstart = \"2026-01\"\nhorizon_months = 12\nfocus_market = \"us\"\ndependency_on = [\"CN\"]\n",
    );
    let ids: Vec<String> = (0..12).map(|i| format!("metal_{i}")).collect();
    for id in &ids {
        text.push_str(&format!("[[commodity]]\nid = \"{id}\"\n"));
    }
    let capacity = |share: f64| {
        ids.iter()
            .enumerate()
            .map(|(i, id)| format!("{id} = {}", 100.0 * share * (1.0 + i as f64 / 12.0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    text.push_str(&format!(
        "[[node]]\nid = \"cn\"\nkind = \"mine\"\ncountry = \"CN\"\ncapacity = {{ {} }}\n",
        capacity(0.6)
    ));
    text.push_str(&format!(
        "[[node]]\nid = \"br\"\nkind = \"mine\"\ncountry = \"BR\"\ncapacity = {{ {} }}\n",
        capacity(0.6)
    ));
    text.push_str(&format!(
        "[[node]]\nid = \"us\"\nkind = \"market\"\ncountry = \"US\"\ndemand = {{ {} }}\n",
        capacity(1.0)
    ));
    text.push_str(
        "[[edge]]\nfrom = \"cn\"\nto = \"us\"\n[[edge]]\nfrom = \"br\"\nto = \"us\"\ncost = 2\n",
    );
    text.push_str(
        "[[disruption]]\nid = \"strikes\"\nkind = \"incidents\"\nrate_per_year = 6\ntargets = [\"cn\", \"br\"]\nseverity = 0.8\nduration_days = 40\n",
    );
    let (model, source) = model(&text);
    let summary = run_model(&model, &source, 60, 2, 1);
    assert_eq!(summary.commodities.len(), 12);
    let networks = network_views(&model);
    check_charts(&summary, &networks);
    // Every metal has something to show in the dependency chart: twelve panels, 3 × 4.
    let dependency = plot::plan(&summary, &networks)[0]
        .layout(&summary)
        .expect("a layout")
        .expect("panels");
    assert_eq!(dependency.shown, (0..12).collect::<Vec<_>>());
    assert_eq!((dependency.empty_line(), dependency.grid), (None, (3, 4)));
}

/// Every chart's panel layout, by file name (`None` for the networks, which have no panels).
fn layouts(summary: &Summary, networks: &[NetworkView]) -> Vec<(String, Option<PanelLayout>)> {
    plot::plan(summary, networks)
        .into_iter()
        .map(|spec| {
            let layout = spec.layout(summary).expect("a layout");
            (spec.file_name, layout)
        })
        .collect()
}

#[test]
fn commodities_with_nothing_to_show_are_named_instead_of_given_a_panel() {
    // Gold is never short and never comes from China or Russia: in every per-commodity chart it
    // has no panel and is named on the chart's line, antimony has the one panel.
    let (model, summary) = multi();
    let networks = network_views(&model);
    let mut lines = Vec::new();
    for (name, layout) in layouts(&summary, &networks) {
        let Some(layout) = layout else {
            assert!(name.starts_with("network"), "{name} has panels");
            continue;
        };
        assert_eq!(layout.shown, [0], "{name}: antimony's panel only");
        assert_eq!(layout.empty, ["gold"], "{name}");
        assert_eq!(layout.grid, (1, 1), "{name}");
        lines.push((name, layout.empty_line().expect("a line naming gold")));
    }
    let expected = [
        (
            "dependency_CN.png",
            "No dependency on CN in any trial of any variant: gold",
        ),
        ("reduction_CN.png", "No change in any trial: gold"),
        (
            "monthly_dependency_CN.png",
            "No dependency on CN in any month or trial of any variant: gold",
        ),
        (
            "dependency_RU.png",
            "No dependency on RU in any trial of any variant: gold",
        ),
        ("reduction_RU.png", "No change in any trial: gold"),
        (
            "monthly_dependency_RU.png",
            "No dependency on RU in any month or trial of any variant: gold",
        ),
        (
            "shortfall_exceedance.png",
            "No shortfall in any trial of any variant: gold",
        ),
        (
            "monthly_shortfall.png",
            "No shortfall in any month or trial of any variant: gold",
        ),
    ];
    let lines: Vec<(&str, &str)> = lines
        .iter()
        .map(|(n, l)| (n.as_str(), l.as_str()))
        .collect();
    assert_eq!(lines, expected);
    // The report tells the reader where those commodities went.
    for spec in plot::plan(&summary, &networks) {
        if !spec.file_name.starts_with("network") {
            assert!(
                spec.how_to_read.contains("named under the legend"),
                "{}: {}",
                spec.file_name,
                spec.how_to_read
            );
        }
    }
}

/// Two commodities that nothing disrupts and a variant that changes nothing: gold never comes
/// from China, tin always does.
const QUIET: &str = r#"
commodity = [{ id = "gold", name = "Gold" }, { id = "tin", name = "Tin" }]
node = [
    { id = "au_mine", kind = "mine", country = "AU", capacity = { gold = 50 } },
    { id = "cn_mine", kind = "mine", country = "CN", capacity = { tin = 50 } },
    { id = "us", kind = "market", country = "US", demand = { gold = 20, tin = 20 } },
]
edge = [{ from = "au_mine", to = "us" }, { from = "cn_mine", to = "us" }]
variant = [{ id = "base", baseline = true }, { id = "same" }]

[scenario]
name = "Nothing moves"
start = "2026-01"
horizon_months = 12
focus_market = "us"
dependency_on = ["CN"]
"#;

#[test]
fn a_chart_with_nothing_to_show_keeps_one_panel_saying_so() {
    let (model, source) = model(QUIET);
    let summary = run_model(&model, &source, 50, 3, 1);
    let networks = network_views(&model);
    let layouts = layouts(&summary, &networks);
    let layout = |file: &str| {
        layouts
            .iter()
            .find(|(name, _)| name == file)
            .and_then(|(_, layout)| layout.clone())
            .unwrap_or_else(|| panic!("{file} has a layout"))
    };
    // Tin at 100% via China in every trial still has its panel (a value, not nothing); gold at
    // 0% is named.
    for file in ["dependency_CN.png", "monthly_dependency_CN.png"] {
        let l = layout(file);
        assert_eq!(
            (l.shown, l.empty, l.grid),
            (vec![1], vec!["Gold".to_string()], (1, 1))
        );
    }
    // No change and no shortfall anywhere: no panel but the one for the message.
    for (file, message) in [
        (
            "reduction_CN.png",
            "No change in any trial, in any commodity",
        ),
        (
            "shortfall_exceedance.png",
            "No shortfall in any trial of any variant, in any commodity",
        ),
        (
            "monthly_shortfall.png",
            "No shortfall in any month or trial of any variant, in any commodity",
        ),
    ] {
        let l = layout(file);
        assert!(l.shown.is_empty(), "{file}: {:?}", l.shown);
        assert_eq!(l.empty, ["Gold", "Tin"], "{file}");
        assert_eq!(l.grid, (1, 1), "{file}");
        assert_eq!(l.all_empty_message(), message, "{file}");
    }
    // Every chart is still written, at full size.
    let specs = plot::plan(&summary, &networks);
    for (name, bytes) in plot::draw_all(&specs, &summary, &networks).expect("every chart draws") {
        let image = Image::decode(&name, &bytes);
        assert_eq!(
            (image.width, image.height),
            (style::WIDTH, style::HEIGHT),
            "{name}"
        );
    }
}

#[test]
fn the_network_view_marks_what_a_variant_adds() {
    let (model, _) = model(MULTI);
    let with_pk = NetworkView::new(&model, Some(1));
    let presence = |id: &str| {
        with_pk
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.presence)
            .expect("node")
    };
    assert_eq!(presence("pk_mine"), Presence::Added);
    assert_eq!(presence("pk_refinery"), Presence::Added);
    assert_eq!(presence("cn_mines"), Presence::Both);
    let added_edges = with_pk
        .edges
        .iter()
        .filter(|e| e.presence == Presence::Added)
        .count();
    assert_eq!(added_edges, 2, "pk_mine → pk_refinery → us");
    // The baseline's own view adds nothing.
    let baseline = NetworkView::new(&model, Some(0));
    assert!(baseline.variant.is_none());
    assert!(baseline.nodes.iter().all(|n| n.presence != Presence::Added));
    // The optimistic variant also overrides the project, which the network cannot show.
    let sure = NetworkView::new(&model, Some(2));
    assert!(
        sure.notes
            .iter()
            .any(|n| n.contains("pk_project.success_probability")),
        "{:?}",
        sure.notes
    );

    let dot = graph::dot(&with_pk);
    assert!(dot.starts_with("digraph supplyrisk {\n"));
    assert!(dot.trim_end().ends_with('}'));
    let colour = style::variant_colour(1).hex();
    let pk_line = dot
        .lines()
        .find(|l| l.trim_start().starts_with("\"pk_mine\" ["))
        .expect("pk_mine is a node");
    assert!(
        pk_line.contains(&colour) && pk_line.contains("penwidth=3"),
        "{pk_line}"
    );
    let cn_line = dot
        .lines()
        .find(|l| l.trim_start().starts_with("\"cn_mines\" ["))
        .expect("cn_mines is a node");
    assert!(!cn_line.contains(&colour), "{cn_line}");
    assert_eq!(dot.matches(" -> ").count(), model.network.edges.len());
    let added_edge = dot
        .lines()
        .find(|l| l.trim_start().starts_with("\"pk_refinery\" -> \"us\""))
        .expect("the added edge");
    assert!(added_edge.contains(&colour), "{added_edge}");
    assert!(added_edge.contains("label=\"antimony\""), "{added_edge}");
}

#[test]
fn run_writes_charts_and_no_charts_skips_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("with");
    supplyrisk()
        .args(["run", "tutorial", "--trials", "100", "--out"])
        .arg(&out)
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(out.join("charts"))
        .expect("a charts folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "dependency_CN.png",
            "monthly_dependency_CN.png",
            "monthly_shortfall.png",
            "network_with_pakistan.png",
            "reduction_CN.png",
            "shortfall_exceedance.png",
        ]
    );
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    for name in &names {
        assert!(
            report.contains(&format!("](charts/{name})")),
            "{name} linked"
        );
    }

    let bare = dir.path().join("bare");
    supplyrisk()
        .args(["run", "tutorial", "--trials", "100", "--no-charts", "--out"])
        .arg(&bare)
        .assert()
        .success();
    assert!(!bare.join("charts").exists());
    let report = std::fs::read_to_string(bare.join("report.md")).expect("report.md");
    assert!(!report.contains("charts/"), "no chart links without charts");
    assert!(report.contains("--no-charts"));
}

#[test]
fn graph_prints_dot_and_rejects_an_unknown_variant() {
    let output = supplyrisk()
        .args(["graph", "tutorial"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let dot = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(dot.starts_with("digraph supplyrisk {"));
    assert!(dot.contains("\"pk_mines\" -> \"us\""));
    assert!(dot.contains(&style::variant_colour(1).hex()));

    let baseline = supplyrisk()
        .args(["graph", "tutorial", "--variant", "without_pakistan"])
        .output()
        .expect("runs");
    assert_eq!(baseline.status.code(), Some(0));
    let dot = String::from_utf8(baseline.stdout).expect("UTF-8");
    assert!(
        dot.contains("style=\"filled,dashed\""),
        "pk_mines is absent"
    );
    assert!(!dot.contains("penwidth=3"), "nothing is added");

    let bad = supplyrisk()
        .args(["graph", "tutorial", "--variant", "nope"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.contains("unknown variant `nope`")
            && message.contains("without_pakistan, with_pakistan"),
        "{message}"
    );
}

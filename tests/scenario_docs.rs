//! `docs/scenarios.md` must be true when run: every figure in its three results tables (the
//! default `pakistan`, `antimony_ban` and `rare_earths`, each run as documented: the bundled
//! file's 20,000 trials and seed) is the run's `summary.csv` figure rounded as printed.
//!
//! Each table row is read left to right, and every number in it (after the row's label) is
//! checked against the figure the spec below names for that position. So a changed scenario,
//! a changed engine or an edited table without a matching run fails here, and so does a row
//! with a number more or fewer than its spec. Release only: it runs 60,000 trials in all.

mod common;

use std::path::Path;

use common::{SummaryCsv, parse_summary_csv};

const DOC: &str = include_str!("../docs/scenarios.md");

/// One figure of `summary.csv`: (variant or `reduction:<variant>`, commodity, metric, column).
type Figure = (&'static str, &'static str, &'static str, &'static str);

/// A row's figures in the order the row prints them.
struct RowSpec {
    /// The start of the row's first cell, as written (without the leading `| `).
    label: &'static str,
    figures: Vec<Figure>,
}

/// `summary.csv` of a run.
struct Summary(SummaryCsv);

impl Summary {
    fn run(scenario: &str, dir: &Path) -> Self {
        let out = dir.join(scenario);
        let output = assert_cmd::Command::cargo_bin("supplyrisk")
            .expect("binary")
            .args(["run", scenario, "--no-charts", "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(out.join("summary.csv")).expect("summary.csv");
        Summary(parse_summary_csv(&text))
    }

    fn get(&self, (variant, commodity, metric, column): Figure) -> f64 {
        self.0
            .get(&(
                variant.to_string(),
                commodity.to_string(),
                metric.to_string(),
            ))
            .and_then(|row| row.get(column))
            .copied()
            .unwrap_or_else(|| panic!("no {variant},{commodity},{metric},{column} in summary.csv"))
    }
}

/// The numbers of a table cell run as printed: (value, decimals), negative when a minus sign
/// (`−` or `-`) comes right before the digits. Digits inside backquoted ids are not numbers; an
/// en dash (`–`) separates a CI's ends and is not a sign.
fn numbers(text: &str) -> Vec<(f64, usize)> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut current = String::new();
    let mut negative = false;
    let mut previous = ' ';
    let flush = |current: &mut String, negative: bool, out: &mut Vec<(f64, usize)>| {
        let token = current.trim_end_matches('.');
        if !token.is_empty() {
            let decimals = token.split_once('.').map_or(0, |(_, d)| d.len());
            let magnitude: f64 = token.parse().expect("digits");
            out.push((if negative { -magnitude } else { magnitude }, decimals));
        }
        current.clear();
    };
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if !in_code && (c.is_ascii_digit() || (c == '.' && !current.is_empty())) {
            if current.is_empty() {
                negative = previous == '−' || previous == '-';
            }
            current.push(c);
        } else {
            flush(&mut current, negative, &mut out);
        }
        previous = c;
    }
    flush(&mut current, negative, &mut out);
    out
}

/// The rows of the table whose header row starts with `header`: row label → the cells after it.
fn table(header: &str) -> Vec<(String, String)> {
    let start = DOC
        .find(&format!("| {header}"))
        .unwrap_or_else(|| panic!("no table headed `{header}` in docs/scenarios.md"));
    DOC[start..]
        .lines()
        .skip(2) // header and separator
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let line = line.trim().trim_start_matches('|').trim_end_matches('|');
            let (label, rest) = line.split_once('|').expect("a row with cells");
            (label.trim().to_string(), rest.to_string())
        })
        .collect()
}

/// Checks every row of a table against its spec and the run.
fn check_table(header: &str, specs: &[RowSpec], summary: &Summary) {
    let rows = table(header);
    assert_eq!(
        rows.len(),
        specs.len(),
        "`{header}`: the table has {} rows, the test knows {}",
        rows.len(),
        specs.len()
    );
    for ((label, cells), spec) in rows.iter().zip(specs) {
        assert!(
            label == spec.label || label.starts_with(&format!("{} ", spec.label)),
            "`{header}`: row `{label}` where `{}` was expected",
            spec.label
        );
        let printed = numbers(cells);
        assert_eq!(
            printed.len(),
            spec.figures.len(),
            "`{header}` row `{label}`: {} numbers printed ({printed:?}), {} expected",
            printed.len(),
            spec.figures.len()
        );
        for (&(shown, decimals), &figure) in printed.iter().zip(&spec.figures) {
            // Shares, reductions and probabilities are printed in percent or points.
            let value = 100.0 * summary.get(figure);
            let half_unit = 0.5 * 10f64.powi(-(decimals as i32));
            // A bare 0 is a figure that is 0 to the precision printed elsewhere (0.001 points).
            let tolerance = if shown == 0.0 && decimals == 0 {
                0.0005
            } else {
                half_unit + 1e-9
            };
            assert!(
                (shown - value).abs() <= tolerance,
                "`{header}` row `{label}`: {shown} (printed with {decimals} decimals) is not \
                 {figure:?} = {value}"
            );
        }
    }
}

const DEP: &str = "dependency_CN";
const SHORT: &str = "shortfall_share";
const SERIOUS: &str = "shortfall_exceeds_threshold";

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs three bundled scenarios in full; run with --release"
)]
fn every_figure_of_the_results_tables_is_a_real_run() {
    let dir = tempfile::tempdir().expect("temp dir");

    // §2.4, the default: baseline b, central c, optimistic o.
    let summary = Summary::run("pakistan", dir.path());
    let (b, c, o) = (
        "without_pakistan",
        "with_pakistan",
        "with_pakistan_optimistic",
    );
    let (rc, ro) = (
        "reduction:with_pakistan",
        "reduction:with_pakistan_optimistic",
    );
    let levels = |k: &'static str| {
        vec![
            (b, k, DEP, "mean"),
            (c, k, DEP, "mean"),
            (o, k, DEP, "mean"),
        ]
    };
    let mean_p =
        |g: &'static str, k: &'static str| vec![(g, k, DEP, "mean"), (g, k, DEP, "p_positive")];
    let mean_ci_p = |g: &'static str, k: &'static str| {
        vec![
            (g, k, DEP, "mean"),
            (g, k, DEP, "ci_low"),
            (g, k, DEP, "ci_high"),
            (g, k, DEP, "p_positive"),
        ]
    };
    // A commodity no variant moves: the baseline's dependency, both reductions, the
    // baseline's shortfall and serious-shortfall probability.
    let nothing_moves = |k: &'static str| RowSpec {
        label: k,
        figures: vec![
            (b, k, DEP, "mean"),
            (rc, k, DEP, "mean"),
            (ro, k, DEP, "mean"),
            (b, k, SHORT, "mean"),
            (b, k, SERIOUS, "mean"),
        ],
    };
    let pakistan = vec![
        RowSpec {
            label: "light REE",
            figures: [
                levels("ndpr_oxide"),
                mean_p(rc, "ndpr_oxide"),
                mean_ci_p(ro, "ndpr_oxide"),
                vec![
                    (b, "ndpr_oxide", SHORT, "mean"),
                    (o, "ndpr_oxide", SHORT, "mean"),
                    (b, "ndpr_oxide", SERIOUS, "mean"),
                ],
            ]
            .concat(),
        },
        RowSpec {
            label: "heavy REE",
            figures: [
                levels("dy_tb_oxide"),
                mean_p(rc, "dy_tb_oxide"),
                mean_p(ro, "dy_tb_oxide"),
                vec![
                    (b, "dy_tb_oxide", SHORT, "mean"),
                    (b, "dy_tb_oxide", SHORT, "ci_low"),
                    (b, "dy_tb_oxide", SHORT, "ci_high"),
                    (b, "dy_tb_oxide", SERIOUS, "mean"),
                ],
            ]
            .concat(),
        },
        RowSpec {
            label: "antimony",
            figures: [
                levels("antimony"),
                mean_ci_p(rc, "antimony"),
                mean_ci_p(ro, "antimony"),
                vec![
                    (b, "antimony", SHORT, "mean"),
                    (b, "antimony", SERIOUS, "mean"),
                ],
            ]
            .concat(),
        },
        RowSpec {
            label: "tungsten",
            figures: [
                levels("tungsten"),
                mean_p(rc, "tungsten"),
                mean_p(ro, "tungsten"),
                vec![
                    (b, "tungsten", SHORT, "mean"),
                    (b, "tungsten", SERIOUS, "mean"),
                ],
            ]
            .concat(),
        },
        nothing_moves("copper"),
        nothing_moves("gold"),
    ];
    check_table("Commodity | `dependency_CN` without", &pakistan, &summary);
    // "Shortfall (all variants)": the central case's equals the baseline's.
    for k in ["ndpr_oxide", "dy_tb_oxide", "antimony", "tungsten"] {
        assert_eq!(
            summary.get((b, k, SHORT, "mean")),
            summary.get((c, k, SHORT, "mean")),
            "{k}: the central case changes the shortfall, which the table says it does not"
        );
    }

    // antimony_ban: every variant against `without_new_supply`.
    let summary = Summary::run("antimony_ban", dir.path());
    let sb = "antimony";
    let base = "without_new_supply";
    let variant_row = |label: &'static str, v: &'static str, r: &'static str, ci: bool| {
        let mut figures = vec![(v, sb, DEP, "mean"), (r, sb, DEP, "mean")];
        if ci {
            figures.extend([(r, sb, DEP, "ci_low"), (r, sb, DEP, "ci_high")]);
        }
        figures.push((r, sb, DEP, "p_positive"));
        figures.extend([(v, sb, SHORT, "mean"), (v, sb, SERIOUS, "mean")]);
        RowSpec { label, figures }
    };
    // The stress rows: dependency, the reduction (and P(falls) where it moves), then the
    // shortfall with its CI and the serious-shortfall probability.
    let stress_row = |label: &'static str, v: &'static str, r: &'static str, moves: bool| {
        let mut figures = vec![(v, sb, DEP, "mean"), (r, sb, DEP, "mean")];
        if moves {
            figures.push((r, sb, DEP, "p_positive"));
        }
        figures.extend([
            (v, sb, SHORT, "mean"),
            (v, sb, SHORT, "ci_low"),
            (v, sb, SHORT, "ci_high"),
            (v, sb, SERIOUS, "mean"),
        ]);
        RowSpec { label, figures }
    };
    let antimony_ban = vec![
        RowSpec {
            label: "`without_new_supply`",
            figures: vec![
                (base, sb, DEP, "mean"),
                (base, sb, DEP, "ci_low"),
                (base, sb, DEP, "ci_high"),
                (base, sb, SHORT, "mean"),
                (base, sb, SERIOUS, "mean"),
            ],
        },
        variant_row(
            "`with_pakistan`",
            "with_pakistan",
            "reduction:with_pakistan",
            true,
        ),
        variant_row(
            "`with_pakistan_optimistic`",
            "with_pakistan_optimistic",
            "reduction:with_pakistan_optimistic",
            true,
        ),
        variant_row(
            "`with_pakistan_concentrate_now`",
            "with_pakistan_concentrate_now",
            "reduction:with_pakistan_concentrate_now",
            true,
        ),
        variant_row(
            "`with_perpetua`",
            "with_perpetua",
            "reduction:with_perpetua",
            true,
        ),
        stress_row(
            "`without_third_country_surge`",
            "without_third_country_surge",
            "reduction:without_third_country_surge",
            false,
        ),
        stress_row(
            "`without_surge_with_pakistan_concentrate_now`",
            "without_surge_with_pakistan_concentrate_now",
            "reduction:without_surge_with_pakistan_concentrate_now",
            true,
        ),
    ];
    check_table(
        "Variant | `dependency_CN` | Reduction",
        &antimony_ban,
        &summary,
    );

    // rare_earths: NdPr magnets and heavy REE against `current_supply`.
    let summary = Summary::run("rare_earths", dir.path());
    let (nd, dy) = ("ndpr", "dy_tb_oxide");
    let base = "current_supply";
    let (m, l, p) = (
        "with_magnet_projects",
        "with_magnet_projects_and_lynas_hree",
        "with_magnet_projects_and_pakistan_optimistic",
    );
    let (rm, rl, rp) = (
        "reduction:with_magnet_projects",
        "reduction:with_magnet_projects_and_lynas_hree",
        "reduction:with_magnet_projects_and_pakistan_optimistic",
    );
    let rare_earths = vec![
        RowSpec {
            label: "`current_supply`",
            figures: vec![
                (base, nd, DEP, "mean"),
                (base, nd, DEP, "ci_low"),
                (base, nd, DEP, "ci_high"),
                (base, nd, SHORT, "mean"),
                (base, nd, SERIOUS, "mean"),
                (base, dy, DEP, "mean"),
                (base, dy, SHORT, "mean"),
                (base, dy, SERIOUS, "mean"),
            ],
        },
        RowSpec {
            label: "`with_magnet_projects`",
            figures: vec![
                (m, nd, DEP, "mean"),
                (rm, nd, DEP, "mean"),
                (rm, nd, DEP, "ci_low"),
                (rm, nd, DEP, "ci_high"),
                (rm, nd, DEP, "p_positive"),
                (m, nd, SHORT, "mean"),
                (rm, nd, SHORT, "mean"),
                (m, nd, SERIOUS, "mean"),
            ],
        },
        RowSpec {
            label: "`…_and_lynas_hree`",
            figures: vec![
                (l, nd, DEP, "mean"),
                (rl, nd, DEP, "mean"),
                (rl, nd, DEP, "p_positive"),
                (l, nd, SHORT, "mean"),
                (l, nd, SERIOUS, "mean"),
                (l, dy, DEP, "mean"),
                (l, dy, SHORT, "mean"),
                (rl, dy, DEP, "mean"),
                (rl, dy, SHORT, "mean"),
            ],
        },
        RowSpec {
            label: "`…_and_pakistan_optimistic`",
            figures: vec![
                (p, nd, DEP, "mean"),
                (rp, nd, DEP, "mean"),
                (rp, nd, DEP, "ci_low"),
                (rp, nd, DEP, "ci_high"),
                (rp, nd, DEP, "p_positive"),
                (p, nd, SHORT, "mean"),
                (rp, nd, SHORT, "mean"),
                (p, nd, SERIOUS, "mean"),
            ],
        },
    ];
    check_table("Variant | NdPr `dependency_CN`", &rare_earths, &summary);
    // "unchanged": the heavy-REE figures of the other two variants are the baseline's.
    for v in [m, p] {
        for metric in [DEP, SHORT] {
            assert_eq!(
                summary.get((v, dy, metric, "mean")),
                summary.get((base, dy, metric, "mean")),
                "{v}: heavy REE {metric} changes, which the table says it does not"
            );
        }
    }
}

#[test]
fn numbers_are_read_as_printed() {
    assert_eq!(
        numbers("**5.84** (5.81–5.88); 98.6% | 0.19% (optimistic 0.13%) | 0%"),
        vec![
            (5.84, 2),
            (5.81, 2),
            (5.88, 2),
            (98.6, 1),
            (0.19, 2),
            (0.13, 2),
            (0.0, 0)
        ]
    );
    assert_eq!(
        numbers("`with_2029_node` 71.3% / 28.7% (P(serious) 93.3%)."),
        vec![(71.3, 1), (28.7, 1), (93.3, 1)]
    );
    // Signs: a minus (U+2212 or a hyphen) right before the digits; an en dash is a range.
    assert_eq!(
        numbers("4.4% (−7.5) | −0.10 (−0.12–-0.08) | Dy/Tb-class 2026–2030"),
        vec![
            (4.4, 1),
            (-7.5, 1),
            (-0.10, 2),
            (-0.12, 2),
            (-0.08, 2),
            (2026.0, 0),
            (2030.0, 0)
        ]
    );
}

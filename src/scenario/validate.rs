//! From parsed TOML to a [`Model`] whose invariants hold from then on.
//!
//! Reading is two-staged in spirit (STYLE habit 1): every table is first read field by field
//! with its type and domain checked (`read_*`), then cross-references and whole-model rules are
//! resolved (ids, the graph, variants). Every problem is collected with its span; nothing
//! stops at the first.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::model::MAX_DEPENDENCY_COUNTRIES;
use crate::model::distribution::{Distribution, ParamError};
use crate::model::{
    Commodity, CommodityId, Country, DEFAULT_SHORTFALL_THRESHOLD, DEFAULT_TRIALS, Disruption, Edge,
    Effect, Incidents, MAX_HORIZON_MONTHS, MAX_TRIALS, Market, Model, Network, Node, NodeId,
    NodeKind, Process, Project, Regime, Variant, YearMonth,
};
use crate::scenario::error::{Problem, suggest};
use crate::scenario::reader::{Reader, Sp, TableRef, describe, join};

/// Tolerance for probability vectors summing to 1 (SPEC 3).
const PROBABILITY_SUM_TOLERANCE: f64 = 1e-6;
/// Largest accepted edge cost: costs are counted to 0.001 as integers, times the edge count,
/// inside lexicographic weights held in 128-bit integers (SPEC 4; `engine::plan`), so they
/// must stay far from overflow: at 1e9 even a 16 MiB file's edges leave ~20 bits to spare.
const MAX_COST: f64 = 1.0e9;

const ROOT_KEYS: &[&str] = &[
    "scenario",
    "commodity",
    "node",
    "edge",
    "disruption",
    "variant",
];
const SCENARIO_KEYS: &[&str] = &[
    "name",
    "description",
    "start",
    "horizon_months",
    "trials",
    "seed",
    "focus_market",
    "dependency_on",
    "shortfall_threshold",
];
const COMMODITY_KEYS: &[&str] = &["id", "name"];
const EDGE_KEYS: &[&str] = &["from", "to", "capacity", "cost", "commodities"];
const INCIDENT_KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "rate_per_year",
    "targets",
    "weights",
    "severity",
    "duration_days",
];
const REGIME_KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "states",
    "initial",
    "transitions",
    "effect",
];
const PROJECT_KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "targets",
    "success_probability",
    "online_month",
    "ramp_months",
    "capacity_factor",
];
const EFFECT_KEYS: &[&str] = &["state", "exporter", "importers", "commodities", "factor"];
const VARIANT_KEYS: &[&str] = &["id", "name", "baseline", "disable", "set"];

/// Where a plain number must lie, and how clipping treats draws (SPEC 3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputDomain {
    /// A probability or a fraction, [0, 1].
    UnitInterval,
    /// Any non-negative number.
    NonNegative,
    /// An incident rate: non-negative, at most [`MAX_RATE_PER_YEAR`].
    Rate,
    /// A yearly growth rate, from −1 to [`MAX_GROWTH_PER_YEAR`].
    Growth,
}

/// The highest incident rate accepted, in events a year (more than one an hour). Events are
/// simulated one by one, so a rate of 1e300 would never finish; no real process comes near.
pub const MAX_RATE_PER_YEAR: f64 = 1.0e4;

/// The highest yearly demand growth accepted (1000 %/yr). Demand grows as (1 + g)^(m/12): at
/// g = 10 over the longest horizon (1200 months) that is 11^100 ≈ 1.4e104, still finite for any
/// realistic demand, where an unbounded g overflows to infinity within a few months.
pub const MAX_GROWTH_PER_YEAR: f64 = 10.0;

/// The largest `demand × (1 + stock_months)` of a market, in t/yr per commodity. Demand grows
/// by at most 11^100 ≈ 1.4e104 over the longest horizon, and the engine sums such volumes over
/// markets (at most 2^30) and months (at most 1200); at 10^100 every such sum stays below
/// ~2e217, far from f64's 1.8e308, and no real market comes near it.
pub const MAX_MARKET_VOLUME: f64 = 1.0e100;

/// The share of a distribution's draws that must lie below an input's upper limit: its
/// 99.99th percentile is checked, so a valid distribution exceeds the limit in at most one
/// trial in 10^4, and then not by the orders of magnitude that would hang or overflow a run
/// (even a lognormal whose 99.99th percentile is at the limit exceeds 10^6 times the limit
/// with a probability of order 1e-20).
const UPPER_LIMIT_QUANTILE: f64 = 0.9999;

/// A percentage's digits (`"1.1"`, `"50"`, `"-20"`) as the fraction they stand for, written
/// out in decimal without rounding noise (`"0.011"`, not 0.011000000000000001), or `None` if
/// they are not a plain decimal number.
fn percent_as_fraction(number: &str) -> Option<String> {
    let (sign, digits) = match number.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", number.strip_prefix('+').unwrap_or(number)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !plain(whole) || !plain(fraction) {
        return None;
    }
    // Shift the decimal point two places left, in the digits themselves.
    let all = format!("{whole:0>2}{fraction}");
    let (int, frac) = all.split_at(all.len() - fraction.len() - 2);
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let value = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    Some(if value == "0" {
        value
    } else {
        format!("{sign}{value}")
    })
}

impl InputDomain {
    /// A valid value of this domain, for messages.
    fn example(self) -> &'static str {
        match self {
            InputDomain::UnitInterval => "0.5 or { dist = \"beta\", a = 2, b = 3 }",
            InputDomain::NonNegative => "{ dist = \"pert\", min = 1, mode = 2, max = 4 }",
            InputDomain::Rate => "2 or { dist = \"uniform\", min = 1, max = 3 }",
            InputDomain::Growth => "0.02 or { dist = \"normal\", mean = 0.02, sd = 0.01 }",
        }
    }

    fn admits(self, x: f64) -> bool {
        match self {
            InputDomain::UnitInterval => (0.0..=1.0).contains(&x),
            InputDomain::NonNegative => x >= 0.0,
            InputDomain::Rate => (0.0..=MAX_RATE_PER_YEAR).contains(&x),
            InputDomain::Growth => (-1.0..=MAX_GROWTH_PER_YEAR).contains(&x),
        }
    }

    /// The upper limit a distribution's draws must respect, for domains that have one
    /// beyond what clipping handles.
    fn upper_limit(self) -> Option<f64> {
        match self {
            InputDomain::Rate => Some(MAX_RATE_PER_YEAR),
            InputDomain::Growth => Some(MAX_GROWTH_PER_YEAR),
            InputDomain::UnitInterval | InputDomain::NonNegative => None,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            InputDomain::UnitInterval => "a number in [0, 1]",
            InputDomain::NonNegative => "a non-negative number",
            InputDomain::Rate => "a non-negative number of events a year, at most 10^4",
            InputDomain::Growth => "a yearly growth rate from -1 to 10 (e.g. 0.03 for 3%/yr)",
        }
    }
}

/// The span of `[[node]]` number `node`'s `key` in the file (the whole node if it has no such
/// key), to point a problem found after the model is built at what the user wrote.
fn node_key_span(top: TableRef<'_, '_>, node: NodeId, key: &str) -> std::ops::Range<usize> {
    top.get("node")
        .and_then(|(v, _)| match v.get_ref() {
            DeValue::Array(items) => items.get(node.0).map(|item| match item.get_ref() {
                DeValue::Table(t) => t.get(key).map_or_else(|| item.span(), |d| d.span()),
                _ => item.span(),
            }),
            _ => None,
        })
        .unwrap_or(0..0)
}

/// Where `variant`'s `set` override of `setting` (e.g. `us.demand`) for `commodity` is, with
/// its key path as other problems name it (`variant[3].set."us.demand.sb"`): the place to blame
/// for a value the variant writes, rather than the base value it replaced. It is written
/// either `"us.demand.sb" = …` or `"us.demand" = { sb = …, … }`; `None` when the variant does
/// not set it.
fn override_location(
    top: TableRef<'_, '_>,
    variant: &Variant,
    setting: &str,
    commodity: &str,
) -> Option<(std::ops::Range<usize>, String)> {
    let flat = format!("{setting}.{commodity}");
    if !variant
        .overrides
        .iter()
        .any(|(k, _)| *k == flat || k == setting)
    {
        return None;
    }
    let (tables, _) = top.get("variant")?;
    let DeValue::Array(items) = tables.get_ref() else {
        return None;
    };
    items.iter().enumerate().find_map(|(i, item)| {
        let DeValue::Table(table) = item.get_ref() else {
            return None;
        };
        let id = table.get("id")?;
        if !matches!(id.get_ref(), DeValue::String(text) if text.as_ref() == variant.id) {
            return None;
        }
        let set = table.get("set")?;
        let DeValue::Table(set) = set.get_ref() else {
            return None;
        };
        let entry = |wanted: &str| {
            set.iter()
                .find(|(k, _)| k.get_ref().as_ref() == wanted)
                .map(|(_, v)| v)
        };
        let value = entry(&flat).or_else(|| match entry(setting)?.get_ref() {
            DeValue::Table(per_commodity) => per_commodity
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == commodity)
                .map(|(_, v)| v),
            _ => None,
        })?;
        Some((value.span(), format!("variant[{i}].set.\"{flat}\"")))
    })
}

/// Names as a message lists them: each quoted with its control characters escaped
/// (`"open", "ban"`), so a space, a newline or a NUL in a name shows and keeps the message on
/// one line.
fn quoted_list(names: &[impl AsRef<str>]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{:?}", n.as_ref())).collect();
    quoted.join(", ")
}

/// `n` and the noun in the right number: "1 row", "3 rows".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number as a message shows it: as written for everyday magnitudes, in exponent notation
/// (`1e300`) when the plain form would run to dozens of digits.
fn show(x: f64) -> String {
    crate::model::distribution::Num(x).to_string()
}

/// `x` rounded up to four significant digits, for a computed value quoted in a message (a
/// percentile), where all its digits would be noise: rounding up keeps a value above a limit
/// of four digits or fewer above it when shown.
fn ceil_to_four_digits(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x;
    }
    // Decimal text rounds exactly at any magnitude: the nearest four digits, then one unit
    // of the fourth up if that fell below `x` (a mantissa of 10.000 parses as well).
    let nearest = format!("{x:.3e}");
    let (mantissa, exponent) = nearest.split_once('e').expect("exponent notation");
    let mut rounded: f64 = nearest.parse().expect("a formatted float parses");
    if rounded < x {
        let mantissa: f64 = mantissa.parse().expect("a formatted mantissa parses");
        rounded = format!("{:.3}e{exponent}", mantissa + 0.001)
            .parse()
            .expect("a formatted float parses");
    }
    // Within 0.1% of f64::MAX four digits round beyond it: keep `x`.
    if rounded.is_finite() { rounded } else { x }
}

/// The tables a scenario lists with `[[name]]`.
const LIST_TABLES: &[&str] = &["commodity", "node", "edge", "disruption", "variant"];

/// Byte offset of the first line of `text` that is the header `[key]` (one bracket; blanks,
/// also inside the brackets, and a comment allowed).
fn single_bracket_header(text: &str, key: &str) -> Option<usize> {
    let header = format!("[{key}]");
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code: String = line
            .split('#')
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if code == header {
            return Some(offset + (line.len() - line.trim_start().len()));
        }
        offset += line.len();
    }
    None
}

/// Validates the text of a scenario file into a model. `default_name` is the file's stem.
pub fn validate(text: &str, default_name: &str) -> Result<Model, Vec<Problem>> {
    let mut reader = Reader::new(text);
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let mut message = first_line(error.message());
            // `[node]` where `[[node]]` was meant: the parser objects only at the next
            // `[[node]]` (a duplicate key). Point at the single-bracket header instead.
            if message == "duplicate key"
                && let Some(key) = text.get(span.clone()).map(str::trim)
                && LIST_TABLES.contains(&key)
                && let Some(start) = single_bracket_header(text, key)
            {
                reader.error(
                    &(start..start),
                    key.to_string(),
                    format!(
                        "TOML syntax error: `[{key}]` (one bracket) is a single table, and the file also has `[[{key}]]`; write every {key} as `[[{key}]]`, with two brackets"
                    ),
                );
                return Err(reader.problems.into_sorted());
            }
            // The parser says "duplicate key" with the key's span: name the key.
            if message == "duplicate key"
                && let Some(key) = text.get(span.clone()).map(str::trim)
                && !key.is_empty()
                && !key.contains('\n')
            {
                message = format!("duplicate key `{key}` (a key or table may be given only once)");
            }
            // The parser waiting for a `,` at the start of a line, right after a `key = [` or
            // `key = {` line whose opener nothing in the rest of the file closes: the value
            // above is what is unfinished; point at it. (A multi-line value closed further
            // down is only missing a comma, as the parser says.)
            if message.contains("expected `,`")
                && key_of_value_at(text, span.start).is_none()
                && let Some((start, mut key, closer, right_above)) =
                    unclosed_value_above(text, span.start)
            {
                // A key of a multi-line inline table is named under the table's key.
                let key_line = text[..start].rfind('\n').map_or(0, |i| i + 1);
                if let Enclosing::Value(table, '}') = enclosing_value(text, key_line) {
                    key.path = format!("{}.{}", table.path, key.name);
                }
                let place = if right_above {
                    "at the end of this line"
                } else {
                    "after its last line"
                };
                let message = format!(
                    "TOML syntax error: the value of `{}` is not closed: a `{closer}` is missing {place} ({message})",
                    key.name
                );
                reader.error(&(start..start), key.path, message);
                return Err(reader.problems.into_sorted());
            }
            // An error after the `=` of a `key = value` line is about that key's value: name
            // the key, and say plainly when the value is missing (the parser expects a string
            // there and says so, which misleads).
            // Inside a value that spans lines (a row of `transitions`), the key is on the line
            // where the value opens.
            // A line inside a multi-line string holds text, not keys: name none.
            let in_string = inside_multiline_string(text, span.start);
            let enclosing = if in_string {
                Enclosing::Unknown
            } else {
                enclosing_value(text, span.start)
            };
            let own = key_of_value_at(text, span.start).filter(|_| !in_string);
            let own = match (&enclosing, own) {
                // A key of a multi-line inline table is named under the table's key.
                (Enclosing::Value(table, '}'), Some(key)) => Some(KeyAt {
                    path: format!("{}.{}", table.path, key.name),
                    ..key
                }),
                // Inside a value whose key cannot be named (quoted): no path rather than a
                // wrong one.
                (Enclosing::Unknown, _) => None,
                (_, own) => own,
            };
            let on_its_line = own.is_some();
            let key = match enclosing {
                _ if on_its_line => own,
                Enclosing::Value(key, _) => Some(key),
                Enclosing::Outside => key_without_equals(text, span.start, &message),
                Enclosing::Unknown => None,
            };
            // The rewrites below read the value written after the key's `=`, which is the
            // error's only when the key is on the error's line.
            if let Some(key) = key.as_ref().filter(|_| on_its_line) {
                if key.value.is_empty() {
                    message = format!("missing value after `{} =`", key.name);
                } else if message.starts_with("string values must be quoted") {
                    message = format!(
                        "`{}` is not one value (a number, a \"quoted string\", an array [...] or a table {{...}}); text needs double quotes",
                        key.value
                    );
                }
            }
            let path = key.map(|key| key.path).unwrap_or_default();
            reader.error(&span, path, format!("TOML syntax error: {message}"));
            return Err(reader.problems.into_sorted());
        }
    };
    let root_span = root.span();
    let root_table = root.get_ref();
    let top = TableRef {
        table: root_table,
        span: &root_span,
        path: "",
    };
    let model = Validator::new(&mut reader).model(top, default_name);
    if reader.problems.is_empty() {
        Ok(model.expect("a model is built whenever no problem was recorded"))
    } else {
        Err(reader.problems.into_sorted())
    }
}

/// The key of a `key = value` line whose value holds byte `at` of `text`, found from the text
/// alone (a syntax error leaves no parsed document to ask).
struct KeyAt {
    /// The key as written.
    name: String,
    /// Its path as problems name it, e.g. `node[1].capacity` (`[[node]]` tables counted).
    path: String,
    /// What follows the `=`, without blanks or a comment (empty when the value is missing).
    value: String,
}

/// [`KeyAt`] for the line holding byte `at`, when that line is `key = …` with `at` after the
/// `=` and the key bare (letters, digits, `_`, `-`, dotted). `None` otherwise, rather than a
/// guess: an error at the start of a line (an unclosed array reported where the next key
/// begins) belongs to an earlier line.
fn key_of_value_at(text: &str, at: usize) -> Option<KeyAt> {
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let (name, value) = line.split_once('=')?;
    if at - line_start <= name.len() {
        return None;
    }
    key_on_line(text, line_start, name.trim(), value)
}

/// [`KeyAt`] for the key `name` written on the line starting at byte `line_start`, with
/// `value` after it: its path from the table headers above. `None` unless the key is bare.
fn key_on_line(text: &str, line_start: usize, name: &str, value: &str) -> Option<KeyAt> {
    let bare = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if !name.split('.').all(bare) {
        return None;
    }
    // The enclosing table: the last header line above, `[[name]]` counted among its repeats
    // so far, and `[name.sub]` under the last `[[name]]` when there is one.
    let header = |l: &str| -> Option<(String, bool)> {
        let l = l.trim_start_matches('\u{feff}');
        let l = l.split('#').next().unwrap_or("").trim();
        let (inner, array) = match l.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            Some(inner) => (inner, true),
            None => (l.strip_prefix('[')?.strip_suffix(']')?, false),
        };
        let inner = inner.trim();
        (inner.starts_with(|c: char| c.is_ascii_alphabetic()) && inner.split('.').all(bare))
            .then(|| (inner.to_string(), array))
    };
    let above: Vec<&str> = text[..line_start].lines().collect();
    let table = above.iter().rev().find_map(|l| header(l));
    let repeats = |name: &str| {
        above
            .iter()
            .filter(|l| header(l).is_some_and(|(n, array)| array && n == name))
            .count()
    };
    // `[[parent.child]]` headers counted since the last `[[parent]]`: the index of a child
    // table within its parent (an effect of a disruption).
    let repeats_in_parent = |parent: &str, child: &str| {
        above
            .iter()
            .rev()
            .filter_map(|l| header(l))
            .take_while(|(n, array)| !(*array && n == parent))
            .filter(|(n, array)| *array && n == child)
            .count()
    };
    let prefix = match table {
        None => String::new(),
        Some((table, true)) => match table.split_once('.') {
            Some((parent, rest)) if repeats(parent) > 0 => format!(
                "{parent}[{}].{rest}[{}].",
                repeats(parent) - 1,
                repeats_in_parent(parent, &table).saturating_sub(1)
            ),
            _ => format!("{table}[{}].", repeats(&table).saturating_sub(1)),
        },
        Some((table, false)) => match table.split_once('.') {
            Some((array, rest)) if repeats(array) > 0 => {
                format!("{array}[{}].{rest}.", repeats(array) - 1)
            }
            _ => format!("{table}."),
        },
    };
    let value = value.split('#').next().unwrap_or("");
    Some(KeyAt {
        name: name.to_string(),
        path: format!("{prefix}{name}"),
        value: value.trim().to_string(),
    })
}

/// Lines [`unclosed_value_above`] climbs looking for the `key = …` line of an unclosed value
/// (a `transitions` matrix of a few hundred states still fits).
const MAX_VALUE_LINES: usize = 2_000;

/// When byte `at` starts its line (blanks aside) and lies inside a value that a `key = …` line
/// above opened with `[` or `{` and that nothing after it in the file closes: the byte where
/// that value starts, the key, the closer its innermost opener still open at `at` needs, and
/// whether the key's line is the one right above (else the value spans lines). The climb
/// passes the value's own lines (rows of a matrix, elements of an array, and a table header
/// that the open value swallowed as an element) and stops at the first `key = …` line: the
/// answer is `None` when that line's value is closed by `at`. Strings are skipped, and a `#`
/// outside them ends a line.
fn unclosed_value_above(text: &str, at: usize) -> Option<(usize, KeyAt, char, bool)> {
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..at].trim().is_empty() {
        return None;
    }
    let mut end = line_start.checked_sub(1)?;
    let mut right_above = true;
    for _ in 0..MAX_VALUE_LINES {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..end];
        let content = line.trim();
        let key = line
            .find('=')
            .and_then(|equals| Some((equals, key_of_value_at(text, start + equals + 1)?)));
        if let Some((equals, key)) = key {
            // The openers left open by the key's value down to the error's line, then whether
            // the rest of the file ever closes the outermost of them.
            let mut open = Vec::new();
            scan_brackets(&line[equals + 1..], &mut open);
            for between in text[end..line_start].split('\n') {
                if open.is_empty() {
                    break;
                }
                scan_brackets(between, &mut open);
            }
            let closer = *open.last()?;
            for rest in text[line_start..].split('\n') {
                scan_brackets(rest, &mut open);
                if open.is_empty() {
                    return None;
                }
            }
            let value = &line[equals + 1..];
            let offset = value.len() - value.trim_start().len();
            return Some((start + equals + 1 + offset, key, closer, right_above));
        }
        if !content.is_empty() && !content.starts_with('#') {
            right_above = false;
        }
        end = start.checked_sub(1)?;
    }
    None
}

/// For the parser's "key with no value" (a line such as `capacity { sb = 1 }`): the key
/// that starts the line holding byte `at`, so that the message names it.
fn key_without_equals(text: &str, at: usize, message: &str) -> Option<KeyAt> {
    if !message.starts_with("key with no value") || !text.is_char_boundary(at.min(text.len())) {
        return None;
    }
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let line = line.trim_start();
    let name = line.split_whitespace().next()?;
    // Only when a value follows (`capacity { sb = 1 }`, `horizon_months 12`): a line of
    // prose (a comment broken in two) names no key.
    let rest = line[name.len()..].trim();
    if !rest.starts_with(|c: char| "{[\"'+-.".contains(c) || c.is_ascii_digit())
        && !["true", "false", "inf", "nan"]
            .iter()
            .any(|word| rest.starts_with(word))
    {
        return None;
    }
    // What follows the key stands as its value: the message is the parser's, not "missing
    // value" (there is one, without its `=`).
    key_on_line(text, line_start, name, rest)
}

/// Where the line holding a syntax error stands, for [`enclosing_value`].
enum Enclosing {
    /// Inside the multi-line value of this key, whose innermost opener needs this closer
    /// (`]` in an array, `}` in an inline table).
    Value(KeyAt, char),
    /// Not inside a multi-line value, as far as the lines above show.
    Outside,
    /// Inside a value whose key cannot be named (a quoted key), or inside a multi-line string.
    Unknown,
}

/// Whether the line holding byte `at` starts inside a multi-line string (`"""` or `'''`):
/// an odd number of either delimiter before it. (One inside a one-line string or a comment
/// would miscount; a syntax error's key is then only less likely to be named.)
fn inside_multiline_string(text: &str, at: usize) -> bool {
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return true;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[..line_start];
    before.matches("\"\"\"").count() % 2 == 1 || before.matches("'''").count() % 2 == 1
}

/// The byte of the first `=` of `line` outside strings and comments.
fn code_equals(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => return None,
            b'=' => return Some(i),
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if quote == b'"' && bytes[i] == b'\\' {
                        2
                    } else {
                        1
                    };
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether the line holding byte `at` of `text` lies inside a multi-line value: the nearest
/// `key = …` line above whose own value opens a `[` or `{` that is still open where the line
/// of `at` starts. Lines above whose values close on their own line (siblings in an inline
/// table, rows of an array) are passed over; a table header ends the search, and a line with
/// a multi-line string delimiter stops it (what a string holds is not keys).
fn enclosing_value(text: &str, at: usize) -> Enclosing {
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return Enclosing::Unknown;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let is_header = |line: &str| {
        let code = line.split('#').next().unwrap_or("").trim();
        let inner = code
            .strip_prefix("[[")
            .and_then(|r| r.strip_suffix("]]"))
            .or_else(|| code.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
            .map(str::trim);
        inner.is_some_and(|inner| {
            inner.starts_with(|c: char| c.is_ascii_alphabetic())
                && inner.split('.').all(|part| {
                    let part = part.trim();
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                })
        })
    };
    let own_line = text[line_start..].lines().next().unwrap_or("");
    if is_header(own_line) {
        return Enclosing::Outside;
    }
    let Some(mut end) = line_start.checked_sub(1) else {
        return Enclosing::Outside;
    };
    loop {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..end];
        if is_header(line) || line.contains("\"\"\"") || line.contains("'''") {
            return Enclosing::Outside;
        }
        if let Some(equals) = code_equals(line) {
            // Only a value that its own key's line leaves open can enclose what follows.
            let mut open = Vec::new();
            scan_brackets(&line[equals + 1..], &mut open);
            if !open.is_empty() {
                let Some(key) = key_of_value_at(text, start + equals + 1) else {
                    return Enclosing::Unknown;
                };
                scan_brackets(&text[end..line_start], &mut open);
                return match open.last() {
                    Some(&closer) => Enclosing::Value(key, closer),
                    None => Enclosing::Outside,
                };
            }
        }
        let Some(above) = start.checked_sub(1) else {
            return Enclosing::Outside;
        };
        end = above;
    }
}

/// Follows the `[`/`{` openers and `]`/`}` closers of TOML text into `open` (the closers the
/// open ones need, innermost last), skipping basic, literal and multi-line strings (`"""`,
/// `'''`, which may span lines) and comments (to the end of their line).
fn scan_brackets(text: &str, open: &mut Vec<char>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let triple = bytes[i..].starts_with(&[quote; 3]);
                i += if triple { 3 } else { 1 };
                loop {
                    if i >= bytes.len() || (!triple && bytes[i] == b'\n') {
                        break;
                    }
                    if quote == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple && bytes[i..].starts_with(&[quote; 3]) {
                        i += 3;
                        // A closing run may hold one or two more quotes of the content.
                        while i < bytes.len() && bytes[i] == quote {
                            i += 1;
                        }
                        break;
                    }
                    if !triple && bytes[i] == quote {
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'[' => open.push(']'),
            b'{' => open.push('}'),
            b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
}

/// A number with 9 decimals, trailing zeros removed: precise enough to show why a sum is not 1.
fn trimmed(x: f64) -> String {
    let text = format!("{x:.9}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A constant distribution of a value known to be finite.
fn constant(value: f64) -> Distribution {
    Distribution::fixed(value).expect("constants used here are finite")
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

struct Validator<'r, 'a> {
    r: &'r mut Reader<'a>,
    /// Nodes whose handled commodities are unknown because their own table has a problem:
    /// rules about what their edges carry would only cascade from that problem.
    uncertain: Vec<String>,
    /// Nodes whose `kind` is missing or invalid: they stand in the model as hubs.
    kind_unknown: Vec<String>,
    /// Disruptions whose own table has a problem, with their kind: they stand in the model as
    /// placeholders, so an override of them is checked against the kind written, not the
    /// placeholder's, and its value is not checked against a process that does not exist.
    broken_disruptions: Vec<(String, &'static str)>,
    /// Unknown ids that may still get a "did you mean" hint (see [`Validator::unknown_id`]).
    hints_left: usize,
    /// The scenario's first month, once read: a calendar month written where a month count
    /// is expected (`online_month = "2028-01"`) is shown as the count it stands for.
    start: Option<YearMonth>,
}

impl<'r, 'a> Validator<'r, 'a> {
    fn new(r: &'r mut Reader<'a>) -> Self {
        Self {
            r,
            uncertain: Vec::new(),
            kind_unknown: Vec::new(),
            broken_disruptions: Vec::new(),
            hints_left: UNKNOWN_ID_HINTS,
            start: None,
        }
    }

    fn model(&mut self, top: TableRef<'_, '_>, default_name: &str) -> Option<Model> {
        self.r.check_keys(top, ROOT_KEYS, "the scenario file");

        // [scenario]
        let header = self.header(top, default_name);
        self.start = header.as_ref().and_then(|h| h.start);

        // [[commodity]]
        let commodities = self.commodities(top);
        let commodity_ids: Vec<&str> = commodities.iter().map(|c| c.id.as_str()).collect();

        // [[node]]
        let mut nodes = self.nodes(top, &commodity_ids);
        let node_id_list: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
        let node_ids = Ids::new(node_id_list.iter().map(String::as_str).collect());

        // [[edge]]
        let edges = self.edges(top, &nodes, &node_ids, &commodity_ids);

        // Focus market.
        let focus = header.as_ref().and_then(|h| {
            let focus = h.focus_market.as_ref()?;
            self.resolve_focus(focus, &nodes, &node_ids)
        });

        // [[disruption]]
        let disruptions = self.disruptions(top, &nodes, &node_ids, &commodity_ids);

        // Graph-wide rules.
        let network_ok = edges.is_some();
        let edges = edges.unwrap_or_default();
        let network = Network {
            commodities: commodities.clone(),
            nodes: std::mem::take(&mut nodes),
            edges,
        };
        if network_ok {
            self.check_acyclic(&network, top);
        }
        // [[variant]]
        let variants = self.variants(top, &network, &disruptions, focus);
        // Every commodity the focus market demands, in the file or in any variant, must be
        // reachable from a mine in the full network.
        if network_ok && let Some(focus) = focus {
            let demanded: Vec<bool> = (0..network.commodities.len())
                .map(|k| {
                    let c = CommodityId(k);
                    network.nodes[focus.0].demand_t_per_year(c) > 0.0
                        || variants
                            .iter()
                            .flatten()
                            .any(|v| v.nodes[focus.0].demand_t_per_year(c) > 0.0)
                })
                .collect();
            self.check_reachability(&network, focus, top, header.as_ref(), &demanded);
            // Only commodities with positive demand at the focus market are reported (SPEC 4):
            // with none, a run would write empty results. Checked only once the variants are
            // valid, since an override may give the focus market a demand.
            if variants.is_some() && !demanded.contains(&true) {
                let span = header
                    .as_ref()
                    .and_then(|h| h.focus_market.as_ref().map(|f| f.span.clone()))
                    .unwrap_or(0..0);
                self.r.error(
                    &span,
                    "scenario.focus_market",
                    format!(
                        "the focus market {:?} has no positive demand for any commodity, in the file or in any variant; there would be nothing to report: give it a demand above 0",
                        network.nodes[focus.0].id
                    ),
                );
            }
        }

        if self.r.problems.is_empty()
            && let Some(variants) = variants.as_ref()
        {
            self.check_volume(&network, variants, top);
        }
        if self.r.problems.is_empty()
            && let (Some(focus), Some(variants)) = (focus, variants.as_ref())
        {
            self.check_scale(&network, focus, variants, top);
        }

        if self.r.problems.is_empty() {
            let header = header?;
            Some(Model {
                name: header.name,
                description: header.description,
                start: header.start?,
                horizon_months: header.horizon_months?,
                trials: header.trials,
                seed: header.seed,
                focus_market: focus?,
                dependency_on: header.dependency_on,
                shortfall_threshold: header.shortfall_threshold,
                network,
                disruptions,
                variants: variants?,
            })
        } else {
            None
        }
    }

    // ----- [scenario] -----

    fn header(&mut self, top: TableRef<'_, '_>, default_name: &str) -> Option<Header> {
        let Some((table, span)) = self.r.table(top, "scenario") else {
            if top.get("scenario").is_none() {
                self.r.error(
                    &(0..0),
                    "scenario",
                    "missing the `[scenario]` table (with `start`, `horizon_months` and `focus_market`)",
                );
            }
            return None;
        };
        let t = TableRef {
            table,
            span: &span,
            path: "scenario",
        };
        self.r.check_keys(t, SCENARIO_KEYS, "[scenario]");

        let name = self.r.one_line(t, "name").map_or_else(
            // A file name may hold a line break: the title shows it as a space.
            || default_name.replace(char::is_control, " "),
            |s| s.value,
        );
        let description = self.r.string(t, "description").map(|s| s.value);

        let mut start_span = None;
        let start = match self
            .r
            .required_string(t, "start", "the first month, \"YYYY-MM\"")
        {
            Some(s) => match YearMonth::parse(&s.value) {
                Some(ym) => {
                    start_span = Some(s.span);
                    Some(ym)
                }
                None => {
                    self.r.error(
                        &s.span,
                        "scenario.start",
                        format!(
                            "{:?} is not a month; expected \"YYYY-MM\", e.g. \"2026-01\"",
                            s.value
                        ),
                    );
                    None
                }
            },
            None => None,
        };

        let horizon_months = if t.get("horizon_months").is_none() {
            self.r.missing(
                t,
                "horizon_months",
                "number of months to simulate, e.g. 120",
            );
            None
        } else {
            self.r.integer(t, "horizon_months").and_then(|h| {
                if h.value < 1 || h.value > MAX_HORIZON_MONTHS as i64 {
                    self.r.error(
                        &h.span,
                        "scenario.horizon_months",
                        format!(
                            "{} months is out of range; expected a whole number of months from 1 to {MAX_HORIZON_MONTHS}",
                            h.value
                        ),
                    );
                    None
                } else {
                    Some(h.value as u32)
                }
            })
        };

        // Months are written as YYYY-MM (SPEC 8): the horizon's last month must still have a
        // four-digit year.
        if let (Some(first), Some(horizon), Some(span)) = (start, horizon_months, &start_span) {
            let last = first.plus(horizon - 1);
            if last.year > 9999 {
                self.r.error(
                    span,
                    "scenario.start",
                    format!(
                        "\"{first}\" with horizon_months = {horizon} ends in {last}, after December 9999; months are written as YYYY-MM"
                    ),
                );
            }
        }

        let trials = match self.r.integer(t, "trials") {
            Some(n) if n.value < 1 || n.value as u64 > MAX_TRIALS => {
                self.r.error(
                    &n.span,
                    "scenario.trials",
                    format!("{} trials is out of range; expected 1 to 10^12", n.value),
                );
                DEFAULT_TRIALS
            }
            Some(n) => n.value as u64,
            None => DEFAULT_TRIALS,
        };

        let seed = match self.r.integer(t, "seed") {
            Some(s) if s.value < 0 => {
                self.r.error(
                    &s.span,
                    "scenario.seed",
                    format!("{} is negative; expected a non-negative integer", s.value),
                );
                0
            }
            Some(s) => s.value as u64,
            None => 0,
        };

        let focus_market = self.r.required_string(
            t,
            "focus_market",
            "the node id of the market whose dependency is reported",
        );

        let mut dependency_on = Vec::new();
        if let Some(list) = self.r.string_list(t, "dependency_on") {
            for (i, code) in list.value.iter().enumerate() {
                let path = format!("scenario.dependency_on[{i}]");
                match Country::parse(&code.value) {
                    Some(country) if dependency_on.contains(&country) => {
                        self.r.error(
                            &code.span,
                            path,
                            format!("{:?} is listed twice", code.value),
                        );
                    }
                    Some(country) => dependency_on.push(country),
                    None => self.bad_country(&code.span, path, &code.value),
                }
            }
        }

        if dependency_on.len() > MAX_DEPENDENCY_COUNTRIES
            && let Some((value, _)) = t.get("dependency_on")
        {
            self.r.error(
                &value.span(),
                "scenario.dependency_on",
                format!(
                    "lists {} countries; at most {MAX_DEPENDENCY_COUNTRIES} are supported",
                    dependency_on.len()
                ),
            );
        }

        let shortfall_threshold = match self.r.number(t, "shortfall_threshold") {
            Some(x) if !(0.0..=1.0).contains(&x.value) => {
                self.r.error(
                    &x.span,
                    "scenario.shortfall_threshold",
                    format!(
                        "{} is outside [0, 1]; expected a share of demand, e.g. 0.10",
                        show(x.value)
                    ),
                );
                DEFAULT_SHORTFALL_THRESHOLD
            }
            Some(x) => x.value,
            None => DEFAULT_SHORTFALL_THRESHOLD,
        };

        Some(Header {
            name,
            description,
            start,
            horizon_months,
            trials,
            seed,
            focus_market,
            dependency_on,
            shortfall_threshold,
        })
    }

    fn bad_country(&mut self, span: &Range<usize>, path: String, code: &str) {
        self.r.error(
            span,
            path,
            format!("{code:?} is not a country code; expected an ISO 3166-1 alpha-2 code of two capital letters, e.g. \"CN\""),
        );
    }

    /// Checks an id's form and uniqueness; returns whether it is usable.
    fn check_id(
        &mut self,
        id: &Sp<String>,
        path: &str,
        seen: &mut BTreeMap<String, usize>,
        what: &str,
    ) -> bool {
        if !is_valid_id(&id.value) {
            self.r.error(
                &id.span,
                path,
                format!(
                    "{:?} is not a valid id; expected lowercase letters, digits and underscores ([a-z0-9_]+)",
                    id.value
                ),
            );
            return false;
        }
        if let Some(first) = seen.get(&id.value) {
            self.r.error(
                &id.span,
                path,
                format!(
                    "duplicate {what} id {:?} (first used by {what}[{first}])",
                    id.value
                ),
            );
            return false;
        }
        seen.insert(id.value.clone(), seen.len());
        true
    }

    // ----- [[commodity]] -----

    fn commodities(&mut self, top: TableRef<'_, '_>) -> Vec<Commodity> {
        let tables = self.r.tables(top, "commodity");
        if tables.is_empty() && top.get("commodity").is_none() {
            self.r.error(
                &(0..0),
                "commodity",
                "no `[[commodity]]`; a scenario needs at least one commodity",
            );
        }
        let mut seen = BTreeMap::new();
        let mut out = Vec::new();
        for (i, table, span) in tables {
            let path = format!("commodity[{i}]");
            let t = TableRef {
                table,
                span: &span,
                path: &path,
            };
            self.r.check_keys(t, COMMODITY_KEYS, "[[commodity]]");
            let Some(id) = self
                .r
                .required_string(t, "id", "an identifier such as \"antimony\"")
            else {
                continue;
            };
            if !self.check_id(&id, &t.child("id"), &mut seen, "commodity") {
                continue;
            }
            let name = self
                .r
                .one_line(t, "name")
                .map_or_else(|| id.value.clone(), |s| s.value);
            out.push(Commodity { id: id.value, name });
        }
        out
    }

    /// Reads `{ commodity = number, ... }` with non-negative numbers and known commodities.
    fn commodity_table(
        &mut self,
        table: &DeTable<'_>,
        path: &str,
        commodity_ids: &[&str],
        unit: &str,
    ) -> Vec<Option<f64>> {
        let mut out = vec![None; commodity_ids.len()];
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let key_path = join(path, name);
            let Some(c) = commodity_ids.iter().position(|id| *id == name) else {
                let hint = suggest(name, commodity_ids.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                let expected = if commodity_ids.is_empty() {
                    // None is valid (reported where the commodities are): no empty list.
                    "expected the id of a valid [[commodity]]".to_string()
                } else {
                    format!(
                        "expected one of the [[commodity]] ids: {}",
                        commodity_ids.join(", ")
                    )
                };
                self.r.error(
                    &key.span(),
                    key_path,
                    format!("unknown commodity `{name}`{hint}; {expected}"),
                );
                continue;
            };
            // An invalid value still marks the commodity as handled, so that edges and
            // references do not cascade into further, misleading problems.
            out[c] = Some(0.0);
            if let Some(x) = self.r.number_value(value, &key_path) {
                if x.value < 0.0 {
                    self.r.error(
                        &x.span,
                        key_path,
                        format!(
                            "{} is negative; expected a non-negative number of {unit}",
                            show(x.value)
                        ),
                    );
                } else {
                    out[c] = Some(x.value);
                }
            }
        }
        out
    }

    // ----- [[node]] -----

    fn nodes(&mut self, top: TableRef<'_, '_>, commodity_ids: &[&str]) -> Vec<Node> {
        let tables = self.r.tables(top, "node");
        if tables.is_empty() && top.get("node").is_none() {
            self.r.error(
                &(0..0),
                "node",
                "no `[[node]]`; a scenario needs at least one node",
            );
        }
        let mut seen = BTreeMap::new();
        let mut out = Vec::new();
        for (i, table, span) in tables {
            let path = format!("node[{i}]");
            let t = TableRef {
                table,
                span: &span,
                path: &path,
            };
            if let Some(node) = self.node(t, commodity_ids, &mut seen) {
                out.push(node);
            }
        }
        out
    }

    fn node(
        &mut self,
        t: TableRef<'_, '_>,
        commodity_ids: &[&str],
        seen: &mut BTreeMap<String, usize>,
    ) -> Option<Node> {
        let problems_before = self.r.problems.len();
        let kind = self
            .r
            .required_string(t, "kind", "one of \"mine\", \"refinery\", \"hub\", \"market\"")
            .and_then(|k| match k.value.as_str() {
                "mine" => Some(NodeKind::Mine),
                "refinery" => Some(NodeKind::Refinery),
                "hub" => Some(NodeKind::Hub),
                "market" => Some(NodeKind::Market),
                other => {
                    let hint = suggest(other, ["mine", "refinery", "hub", "market"])
                        .map(|s| format!(" (did you mean \"{s}\"?)"))
                        .unwrap_or_default();
                    self.r.error(
                        &k.span,
                        t.child("kind"),
                        format!("unknown node kind {other:?}{hint}; expected \"mine\", \"refinery\", \"hub\" or \"market\""),
                    );
                    None
                }
            });
        let allowed: &[&str] = match kind {
            Some(NodeKind::Market) => &[
                "id",
                "kind",
                "country",
                "name",
                "demand",
                "demand_growth",
                "stock_months",
                "priority",
            ],
            Some(_) => &["id", "kind", "country", "name", "capacity"],
            None => &[
                "id",
                "kind",
                "country",
                "name",
                "capacity",
                "demand",
                "demand_growth",
                "stock_months",
                "priority",
            ],
        };
        let what = match kind {
            Some(k) => format!("a {} node", k.as_str()),
            None => "[[node]]".to_string(),
        };
        self.r.check_keys(t, allowed, &what);

        let id = self
            .r
            .required_string(t, "id", "an identifier such as \"cn_baotou\"");
        let id_ok = id
            .as_ref()
            .is_some_and(|id| self.check_id(id, &t.child("id"), seen, "node"));
        let country = self
            .r
            .required_string(t, "country", "ISO 3166-1 alpha-2 code, e.g. \"CN\"")
            .and_then(|c| {
                let parsed = Country::parse(&c.value);
                if parsed.is_none() {
                    self.bad_country(&c.span, t.child("country"), &c.value);
                }
                parsed
            });
        let name = self.r.one_line(t, "name").map(|s| s.value);

        let mut capacity = vec![None; commodity_ids.len()];
        let mut market = None;
        match kind {
            Some(NodeKind::Mine | NodeKind::Refinery) => match self.r.table(t, "capacity") {
                Some((table, _)) => {
                    capacity =
                        self.commodity_table(table, &t.child("capacity"), commodity_ids, "t/yr");
                    if table.is_empty() {
                        self.r.error(
                            &t.get("capacity").map(|(_, s)| s).unwrap_or(t.span.clone()),
                            t.child("capacity"),
                            "is empty; a mine or refinery handles the commodities in its capacity, so it needs at least one",
                        );
                    }
                }
                None => {
                    if t.get("capacity").is_none() {
                        self.r.missing(
                            t,
                            "capacity",
                            "t/yr per commodity the node handles, e.g. { antimony = 5000 }",
                        );
                    }
                }
            },
            Some(NodeKind::Hub) => {
                if let Some((table, _)) = self.r.table(t, "capacity") {
                    capacity =
                        self.commodity_table(table, &t.child("capacity"), commodity_ids, "t/yr");
                }
            }
            Some(NodeKind::Market) => market = self.market(t, commodity_ids),
            None => {}
        }

        // With a usable id the node is kept even when other fields are invalid (the model is
        // discarded anyway), so that references to it do not cascade into further problems.
        let id = id?;
        if !id_ok {
            return None;
        }
        if self.r.problems.len() > problems_before {
            self.uncertain.push(id.value.clone());
        }
        if kind.is_none() {
            self.kind_unknown.push(id.value.clone());
        }
        let kind = kind.unwrap_or(NodeKind::Hub);
        let country = country.unwrap_or(Country::UNKNOWN);
        if kind == NodeKind::Market && market.is_none() {
            market = Some(Market {
                demand_t_per_year: vec![None; commodity_ids.len()],
                demand_growth: constant(0.0),
                stock_months: vec![0.0; commodity_ids.len()],
                priority: 1.0,
            });
        }
        Some(Node {
            name: name.unwrap_or_else(|| id.value.clone()),
            id: id.value,
            kind,
            country,
            capacity_t_per_year: capacity,
            market,
        })
    }

    fn market(&mut self, t: TableRef<'_, '_>, commodity_ids: &[&str]) -> Option<Market> {
        let demand = match self.r.table(t, "demand") {
            Some((table, span)) => {
                let demand = self.commodity_table(table, &t.child("demand"), commodity_ids, "t/yr");
                if table.is_empty() {
                    self.r.error(
                        &span,
                        t.child("demand"),
                        "is empty; a market handles the commodities in its demand, so it needs at least one",
                    );
                }
                Some(demand)
            }
            None => {
                if t.get("demand").is_none() {
                    self.r
                        .missing(t, "demand", "t/yr per commodity, e.g. { antimony = 28600 }");
                }
                None
            }
        };
        let demand_growth = match t.get("demand_growth") {
            Some((value, _)) => {
                self.quantity(value, &t.child("demand_growth"), InputDomain::Growth)
            }
            None => Some(constant(0.0)),
        };
        let mut stock_months = vec![0.0; commodity_ids.len()];
        if let Some((table, _)) = self.r.table(t, "stock_months") {
            let path = t.child("stock_months");
            let months = self.commodity_table(table, &path, commodity_ids, "months of demand");
            for (key, _) in table.iter() {
                let name = key.get_ref().as_ref();
                if let Some(c) = commodity_ids.iter().position(|id| *id == name) {
                    let in_demand = demand.as_ref().is_some_and(|d| d[c].is_some());
                    if !in_demand && demand.is_some() {
                        self.r.error(
                            &key.span(),
                            join(&path, name),
                            format!("`{name}` is not in this market's demand; stock_months keys must be commodities of its `demand`"),
                        );
                    }
                }
            }
            for (slot, m) in stock_months.iter_mut().zip(months) {
                *slot = m.unwrap_or(0.0);
            }
        }
        let priority = match self.r.number(t, "priority") {
            Some(p) if p.value < 0.0 => {
                self.r.error(
                    &p.span,
                    t.child("priority"),
                    format!(
                        "{} is negative; expected a non-negative number (higher is served first)",
                        show(p.value)
                    ),
                );
                None
            }
            Some(p) => Some(p.value),
            None => Some(1.0),
        };
        demand.map(|demand_t_per_year| Market {
            demand_t_per_year,
            demand_growth: demand_growth.unwrap_or_else(|| constant(0.0)),
            stock_months,
            priority: priority.unwrap_or(1.0),
        })
    }

    fn resolve_focus(
        &mut self,
        focus: &Sp<String>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
    ) -> Option<NodeId> {
        match node_ids.find(&focus.value) {
            Some(i) if nodes[i].kind == NodeKind::Market => Some(NodeId(i)),
            // A node whose kind is missing or misspelt stands in as a hub; its own message
            // says what is wrong, and "is a hub" would be false.
            Some(_) if self.kind_unknown.contains(&focus.value) => None,
            Some(i) => {
                self.r.error(
                    &focus.span,
                    "scenario.focus_market",
                    format!(
                        "node {:?} is a {}, not a market; expected the id of a node of kind \"market\"",
                        focus.value,
                        nodes[i].kind.as_str()
                    ),
                );
                None
            }
            None => {
                self.unknown_id(
                    &focus.span,
                    "scenario.focus_market".into(),
                    &focus.value,
                    node_ids,
                    "node",
                );
                None
            }
        }
    }

    fn unknown_id(
        &mut self,
        span: &Range<usize>,
        path: String,
        id: &str,
        known: &[&str],
        what: &str,
    ) {
        // A hint compares the id with every known one: past the first hundred unknown ids
        // (a file of thousands of broken references) it would cost more than it helps.
        let hint = if self.hints_left > 0 {
            self.hints_left -= 1;
            suggest(id, known.iter().copied())
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        self.r.error(
            span,
            path,
            format!("unknown {what} id {id:?}{hint}; expected the id of a [[{what}]]"),
        );
    }

    // ----- [[edge]] -----

    /// Every edge, once the graph they make is known: each edge's ends and the commodities it
    /// carries were read without a problem. A problem in an edge's values alone (its cost or
    /// capacity, an unknown key) is recorded but does not hide the graph, so that the
    /// graph-wide rules (no cycle, every demanded commodity reachable) are checked in the same
    /// pass and one message lists every problem (SPEC 7); the values of such an edge are
    /// placeholders, and the file is refused anyway.
    fn edges(
        &mut self,
        top: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
        commodity_ids: &[&str],
    ) -> Option<Vec<Edge>> {
        let tables = self.r.tables(top, "edge");
        let mut graph_known = true;
        let mut out = Vec::new();
        for (i, table, span) in tables {
            let path = format!("edge[{i}]");
            let t = TableRef {
                table,
                span: &span,
                path: &path,
            };
            match self.edge(t, nodes, node_ids, commodity_ids) {
                Some(edge) => out.push(edge),
                None => graph_known = false,
            }
        }
        graph_known.then_some(out)
    }

    fn edge(
        &mut self,
        t: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
        commodity_ids: &[&str],
    ) -> Option<Edge> {
        self.r.check_keys(t, EDGE_KEYS, "[[edge]]");
        let cost = match self.r.number(t, "cost") {
            Some(c) if c.value < 0.0 || c.value > MAX_COST => {
                self.r.error(
                    &c.span,
                    t.child("cost"),
                    format!("{} is out of range; expected a cost from 0 to {MAX_COST:e} (lower is preferred)", show(c.value)),
                );
                None
            }
            Some(c) => Some(c.value),
            None => Some(1.0),
        };
        // Problems from here to the rules on what the edge carries are about the graph: with
        // any of them, the edge's place in the graph is not known.
        let graph_problems_from = self.r.problems.len();
        let endpoint = |this: &mut Self, key: &str| -> Option<NodeId> {
            let id = this.r.required_string(t, key, "a node id")?;
            match node_ids.find(&id.value) {
                Some(i) => Some(NodeId(i)),
                None => {
                    this.unknown_id(&id.span, t.child(key), &id.value, node_ids, "node");
                    None
                }
            }
        };
        let from = endpoint(self, "from");
        let to = endpoint(self, "to");
        let listed = self.r.string_list(t, "commodities").map(|list| {
            if list.value.is_empty() {
                self.r.error(
                    &list.span,
                    t.child("commodities"),
                    "is empty; list the commodities the edge carries, or leave the key out to carry every commodity both ends handle",
                );
            }
            let mut out = Vec::new();
            for (i, c) in list.value.iter().enumerate() {
                match commodity_ids.iter().position(|id| *id == c.value) {
                    Some(k) if out.iter().any(|&(listed, _, _)| listed == k) => self.r.error(
                        &c.span,
                        format!("{}[{i}]", t.child("commodities")),
                        format!("{:?} is listed twice", c.value),
                    ),
                    Some(k) => out.push((k, c.span.clone(), i)),
                    None => self.unknown_id(
                        &c.span,
                        format!("{}[{i}]", t.child("commodities")),
                        &c.value,
                        commodity_ids,
                        "commodity",
                    ),
                }
            }
            out
        });
        let empty_list = listed.as_ref().is_some_and(Vec::is_empty);
        let (Some(from), Some(to)) = (from, to) else {
            // The edge is out of the graph, but its capacity's values are still checked, so
            // that one message lists their problems too; against the commodities it lists, if
            // it lists them, since what its ends handle is not known.
            let listed_carries = listed.as_ref().map(|list| {
                let mut carries = vec![false; commodity_ids.len()];
                for &(k, _, _) in list {
                    carries[k] = true;
                }
                carries
            });
            self.edge_capacity(t, commodity_ids, listed_carries.as_deref(), &mut false);
            return None;
        };
        let (a, b) = (&nodes[from.0], &nodes[to.0]);
        let uncertain = self.uncertain.contains(&a.id) || self.uncertain.contains(&b.id);
        let mut ok = !empty_list;
        if from == to {
            self.r.error(
                t.span,
                t.path,
                format!(
                    "edge from {:?} to itself; an edge must join two different nodes",
                    a.id
                ),
            );
            ok = false;
        }
        if a.kind == NodeKind::Market {
            self.r.error(
                &t.get("from").map(|(_, s)| s).unwrap_or(t.span.clone()),
                t.child("from"),
                format!("{:?} is a market; a market has no outgoing edges (edges point downstream, to markets)", a.id),
            );
            ok = false;
        }
        if b.kind == NodeKind::Mine {
            self.r.error(
                &t.get("to").map(|(_, s)| s).unwrap_or(t.span.clone()),
                t.child("to"),
                format!("{:?} is a mine; a mine has no incoming edges (edges point downstream, from mines)", b.id),
            );
            ok = false;
        }
        let both: Vec<bool> = (0..commodity_ids.len())
            .map(|c| a.handles(CommodityId(c)) && b.handles(CommodityId(c)))
            .collect();
        let carries = match listed {
            Some(list) => {
                let mut carries = vec![false; commodity_ids.len()];
                for (k, span, i) in list {
                    if !both[k] && !uncertain {
                        self.r.error(
                            &span,
                            format!("{}[{i}]", t.child("commodities")),
                            format!(
                                "`{}` is not handled by both {:?} and {:?}; an edge can only carry commodities both its ends handle",
                                commodity_ids[k], a.id, b.id
                            ),
                        );
                        ok = false;
                    }
                    carries[k] = true;
                }
                carries
            }
            None => both,
        };
        if ok && !uncertain && !carries.iter().any(|&c| c) {
            self.r.error(
                t.span,
                t.path,
                format!(
                    "edge {:?} → {:?} carries no commodity: the two nodes handle no commodity in common (check their capacity/demand keys)",
                    a.id, b.id
                ),
            );
            ok = false;
        }
        let graph_known = ok && self.r.problems.len() == graph_problems_from;
        let capacity = self.edge_capacity(t, commodity_ids, Some(&carries), &mut ok);
        if !graph_known {
            return None;
        }
        // A wrong cost or capacity leaves the edge in the graph with a placeholder value, in
        // a model that is refused anyway.
        Some(Edge {
            from,
            to,
            capacity_t_per_year: capacity,
            carries,
            cost: cost.filter(|_| ok).unwrap_or(1.0),
        })
    }

    /// Reads an edge's `capacity` (a number for every commodity it carries, or a table per
    /// commodity), reporting wrong values and clearing `ok` on any problem. With `carries`
    /// unknown (an end of the edge is in doubt), only the values are checked, not which
    /// commodities the edge may carry.
    fn edge_capacity(
        &mut self,
        t: TableRef<'_, '_>,
        commodity_ids: &[&str],
        carries: Option<&[bool]>,
        ok: &mut bool,
    ) -> Vec<Option<f64>> {
        let mut capacity = vec![None; commodity_ids.len()];
        if let Some((value, key_span)) = t.get("capacity") {
            let path = t.child("capacity");
            match value.get_ref() {
                DeValue::Table(table) => {
                    let read = self.commodity_table(table, &path, commodity_ids, "t/yr");
                    for (key, _) in table.iter() {
                        let name = key.get_ref().as_ref();
                        if let Some(k) = commodity_ids.iter().position(|id| *id == name)
                            && carries.is_some_and(|carries| !carries[k])
                        {
                            self.r.error(
                                &key.span(),
                                join(&path, name),
                                format!("the edge does not carry `{name}`, so it cannot have a capacity for it"),
                            );
                            *ok = false;
                        }
                    }
                    capacity = read;
                }
                DeValue::Integer(_) | DeValue::Float(_) => {
                    if let Some(x) = self.r.number_value(value, &path) {
                        if x.value < 0.0 {
                            self.r.error(
                                &x.span,
                                path,
                                format!(
                                    "{} is negative; expected a non-negative number of t/yr",
                                    show(x.value)
                                ),
                            );
                            *ok = false;
                        } else {
                            for (k, slot) in capacity.iter_mut().enumerate() {
                                if carries.is_none_or(|carries| carries[k]) {
                                    *slot = Some(x.value);
                                }
                            }
                        }
                    }
                }
                other => {
                    let found = describe(other);
                    self.r.error(&key_span, path, format!("expected a number (t/yr for each commodity) or a table per commodity, found {found}"));
                    *ok = false;
                }
            }
        }
        capacity
    }

    // ----- distributions -----

    /// A number or a distribution table, for the inputs SPEC allows a distribution in.
    fn quantity(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        domain: InputDomain,
    ) -> Option<Distribution> {
        match value.get_ref() {
            DeValue::Table(table) => {
                let d = self.distribution(table, &value.span(), path)?;
                // A `fixed` distribution is a plain number in disguise: same domain.
                match d.as_fixed() {
                    Some(x) if !domain.admits(x) => {
                        let span = table
                            .iter()
                            .find(|(k, _)| k.get_ref().as_ref() == "value")
                            .map_or(value.span(), |(_, v)| v.span());
                        self.r.error(
                            &span,
                            join(path, "value"),
                            format!(
                                "{} is out of range; expected {}",
                                show(x),
                                domain.expected()
                            ),
                        );
                        None
                    }
                    Some(_) => Some(d),
                    None => match domain.upper_limit() {
                        // A NaN quantile is rejected too: it is not `Less` or `Equal`.
                        Some(limit)
                            if !matches!(
                                d.quantile(UPPER_LIMIT_QUANTILE).partial_cmp(&limit),
                                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                            ) =>
                        {
                            self.r.error(
                                &value.span(),
                                path,
                                format!(
                                    "{d} reaches about {} in one draw in 10^4 (its 99.99th percentile); expected {}",
                                    show(ceil_to_four_digits(d.quantile(UPPER_LIMIT_QUANTILE))),
                                    domain.expected()
                                ),
                            );
                            None
                        }
                        _ => Some(d),
                    },
                }
            }
            DeValue::Integer(_) | DeValue::Float(_) => {
                let x = self.r.number_value(value, path)?;
                if domain.admits(x.value) {
                    Some(constant(x.value))
                } else {
                    self.r.error(
                        &x.span,
                        path,
                        format!(
                            "{} is out of range; expected {}",
                            show(x.value),
                            domain.expected()
                        ),
                    );
                    None
                }
            }
            other => {
                let found = describe(other);
                let hint = match other {
                    DeValue::String(text) => self.string_hint(text, path, domain),
                    _ => String::new(),
                };
                self.r.error(
                    &value.span(),
                    path,
                    format!(
                        "expected a number or a distribution such as {}, found {found}{hint}",
                        domain.example()
                    ),
                );
                None
            }
        }
    }

    /// What a string written for a number most likely meant: for a fraction or a growth rate,
    /// a percentage (`"50%"` is 0.5) when its value is one the input takes; for `online_month`,
    /// a calendar month (the month count it stands for).
    fn string_hint(&self, text: &str, path: &str, domain: InputDomain) -> String {
        let trimmed = text.trim();
        if matches!(domain, InputDomain::UnitInterval | InputDomain::Growth)
            && let Some(number) = trimmed.strip_suffix('%').map(str::trim)
            && let Some(fraction) = percent_as_fraction(number)
            && fraction.parse::<f64>().is_ok_and(|x| domain.admits(x))
        {
            return format!(" (write {trimmed} as {fraction})");
        }
        if path.trim_end_matches('"').ends_with("online_month")
            && let Some(month) = YearMonth::parse(trimmed)
        {
            let count = self.start.map(|start| {
                (i64::from(month.year) - i64::from(start.year)) * 12
                    + (i64::from(month.month) - i64::from(start.month))
            });
            return match (self.start, count) {
                (Some(start), Some(count)) if count >= 0 => format!(
                    " (online_month counts months from the scenario's start, {start}: for {trimmed} write {count})"
                ),
                (Some(start), _) => format!(
                    " (online_month counts months from the scenario's start, {start}, and {trimmed} is before it)"
                ),
                _ => {
                    " (online_month counts months from the scenario's start; 0 is its first month)"
                        .to_string()
                }
            };
        }
        String::new()
    }

    fn distribution(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        path: &str,
    ) -> Option<Distribution> {
        const FORMS: &[&str] = &[
            "fixed",
            "uniform",
            "triangular",
            "pert",
            "normal",
            "lognormal",
            "gamma",
            "exponential",
            "beta",
            "poisson",
        ];
        let t = TableRef { table, span, path };
        let form = self
            .r
            .required_string(t, "dist", "the distribution's form, e.g. \"pert\"")?;
        let keys: &[&str] = match form.value.as_str() {
            "fixed" => &["dist", "value"],
            "uniform" => &["dist", "min", "max"],
            "triangular" | "pert" => &["dist", "min", "mode", "max"],
            "normal" => &["dist", "mean", "sd", "min", "max"],
            "lognormal" => &["dist", "median", "p90", "mean", "sd"],
            "gamma" => &["dist", "shape", "scale"],
            "exponential" | "poisson" => &["dist", "mean"],
            "beta" => &["dist", "a", "b"],
            other => {
                let hint = suggest(other, FORMS.iter().copied())
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                self.r.error(
                    &form.span,
                    t.child("dist"),
                    format!(
                        "unknown distribution {other:?}{hint}; expected one of {}",
                        FORMS.join(", ")
                    ),
                );
                return None;
            }
        };
        let what = format!("a {} distribution", form.value);
        self.r.check_keys(t, keys, &what);
        let mut params: BTreeMap<&str, Sp<f64>> = BTreeMap::new();
        let mut all_read = true;
        for &key in &keys[1..] {
            if let Some((value, _)) = t.get(key) {
                match self.r.number_value(value, &t.child(key)) {
                    Some(x) => {
                        params.insert(key, x);
                    }
                    None => all_read = false,
                }
            }
        }
        if !all_read {
            return None;
        }
        let need = |this: &mut Self, key: &'static str| -> Option<f64> {
            match params.get(key) {
                Some(x) => Some(x.value),
                None => {
                    this.r.missing(
                        t,
                        key,
                        &format!("a parameter of the {} distribution", form.value),
                    );
                    None
                }
            }
        };
        let optional = |key: &str| params.get(key).map(|x| x.value);
        let result: Result<Distribution, ParamError> = match form.value.as_str() {
            "fixed" => Distribution::fixed(need(self, "value")?),
            "uniform" => {
                let (min, max) = (need(self, "min"), need(self, "max"));
                Distribution::uniform(min?, max?)
            }
            "triangular" => {
                let (min, mode, max) = (need(self, "min"), need(self, "mode"), need(self, "max"));
                Distribution::triangular(min?, mode?, max?)
            }
            "pert" => {
                let (min, mode, max) = (need(self, "min"), need(self, "mode"), need(self, "max"));
                Distribution::pert(min?, mode?, max?)
            }
            "normal" => {
                let (mean, sd) = (need(self, "mean"), need(self, "sd"));
                Distribution::normal(mean?, sd?, optional("min"), optional("max"))
            }
            "lognormal" => {
                let by_quantiles = params.contains_key("median") || params.contains_key("p90");
                let by_moments = params.contains_key("mean") || params.contains_key("sd");
                if by_quantiles && by_moments {
                    let found: Vec<String> = ["median", "p90", "mean", "sd"]
                        .iter()
                        .filter(|k| params.contains_key(**k))
                        .map(|k| format!("`{k}`"))
                        .collect();
                    self.r.error(
                        span,
                        path,
                        format!(
                            "a lognormal takes either `median` and `p90`, or `mean` and `sd` (of the variable), not keys of both pairs (found {})",
                            found.join(", ")
                        ),
                    );
                    return None;
                }
                if by_moments {
                    let (mean, sd) = (need(self, "mean"), need(self, "sd"));
                    Distribution::lognormal_mean_sd(mean?, sd?)
                } else {
                    let (median, p90) = (need(self, "median"), need(self, "p90"));
                    Distribution::lognormal_median_p90(median?, p90?)
                }
            }
            "gamma" => {
                let (shape, scale) = (need(self, "shape"), need(self, "scale"));
                Distribution::gamma(shape?, scale?)
            }
            "exponential" => Distribution::exponential(need(self, "mean")?),
            "beta" => {
                let (a, b) = (need(self, "a"), need(self, "b"));
                Distribution::beta(a?, b?)
            }
            "poisson" => Distribution::poisson(need(self, "mean")?),
            _ => unreachable!("forms were matched above"),
        };
        match result {
            Ok(d) => Some(d),
            Err(e) => {
                let at = params.get(e.key).map_or(span.clone(), |x| x.span.clone());
                self.r.error(&at, join(path, e.key), e.message);
                None
            }
        }
    }

    // ----- [[disruption]] -----

    fn disruptions(
        &mut self,
        top: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
        commodity_ids: &[&str],
    ) -> Vec<Disruption> {
        let tables = self.r.tables(top, "disruption");
        let mut seen = BTreeMap::new();
        let mut out = Vec::new();
        for (i, table, span) in tables {
            let path = format!("disruption[{i}]");
            let t = TableRef {
                table,
                span: &span,
                path: &path,
            };
            if let Some(d) = self.disruption(t, nodes, node_ids, commodity_ids, &mut seen) {
                out.push(d);
            }
        }
        out
    }

    fn disruption(
        &mut self,
        t: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
        commodity_ids: &[&str],
        seen: &mut BTreeMap<String, usize>,
    ) -> Option<Disruption> {
        let kind =
            self.r
                .required_string(t, "kind", "one of \"incidents\", \"regime\", \"project\"")?;
        let allowed: &[&str] = match kind.value.as_str() {
            "incidents" => INCIDENT_KEYS,
            "regime" => REGIME_KEYS,
            "project" => PROJECT_KEYS,
            other => {
                let hint = suggest(other, ["incidents", "regime", "project"])
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                self.r.error(
                    &kind.span,
                    t.child("kind"),
                    format!("unknown disruption kind {other:?}{hint}; expected \"incidents\", \"regime\" or \"project\""),
                );
                return None;
            }
        };
        let kind = kind.value;
        self.r
            .check_keys(t, allowed, &format!("a disruption of kind \"{kind}\""));
        let id = self
            .r
            .required_string(t, "id", "an identifier such as \"balochistan_security\"");
        let id_ok = id
            .as_ref()
            .is_some_and(|id| self.check_id(id, &t.child("id"), seen, "disruption"));
        let name = self.r.one_line(t, "name").map(|s| s.value);
        let process = match kind.as_str() {
            "incidents" => self.incidents(t, nodes, node_ids).map(Process::Incidents),
            "regime" => self.regime(t, commodity_ids).map(Process::Regime),
            _ => self.project(t, nodes, node_ids).map(Process::Project),
        };
        let id = id?;
        if !id_ok {
            return None;
        }
        // An invalid process keeps its id (the model is discarded anyway) so that variants
        // referring to it do not report it as unknown.
        if process.is_none() {
            let kind: &'static str = match kind.as_str() {
                "incidents" => "incidents",
                "regime" => "regime",
                _ => "project",
            };
            self.broken_disruptions.push((id.value.clone(), kind));
        }
        let process = process.unwrap_or_else(|| {
            Process::Project(Project {
                targets: Vec::new(),
                success_probability: constant(1.0),
                online_month: constant(0.0),
                ramp_months: constant(0.0),
                capacity_factor: constant(1.0),
            })
        });
        Some(Disruption {
            name: name.unwrap_or_else(|| id.value.clone()),
            id: id.value,
            process,
        })
    }

    fn required_quantity(
        &mut self,
        t: TableRef<'_, '_>,
        key: &str,
        domain: InputDomain,
        meaning: &str,
    ) -> Option<Distribution> {
        match t.get(key) {
            Some((value, _)) => self.quantity(value, &t.child(key), domain),
            None => {
                self.r.missing(t, key, meaning);
                None
            }
        }
    }

    fn optional_quantity(
        &mut self,
        t: TableRef<'_, '_>,
        key: &str,
        domain: InputDomain,
        default: f64,
    ) -> Option<Distribution> {
        match t.get(key) {
            Some((value, _)) => self.quantity(value, &t.child(key), domain),
            None => Some(constant(default)),
        }
    }

    fn targets(
        &mut self,
        t: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
    ) -> Option<Vec<NodeId>> {
        if t.get("targets").is_none() {
            self.r
                .missing(t, "targets", "the ids of the nodes it acts on");
            return None;
        }
        let list = self.r.string_list(t, "targets")?;
        if list.value.is_empty() {
            self.r.error(
                &list.span,
                t.child("targets"),
                "is empty; expected at least one node id",
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, target) in list.value.iter().enumerate() {
            let path = format!("{}[{i}]", t.child("targets"));
            match node_ids.find(&target.value) {
                Some(k) if nodes[k].kind == NodeKind::Market => {
                    self.r.error(
                        &target.span,
                        path,
                        format!("{:?} is a market; a market cannot be a disruption target (disrupt the edges or nodes that supply it)", target.value),
                    );
                    ok = false;
                }
                Some(k) if out.contains(&NodeId(k)) => {
                    self.r.error(
                        &target.span,
                        path,
                        format!("{:?} is listed twice", target.value),
                    );
                    ok = false;
                }
                Some(k) => out.push(NodeId(k)),
                None => {
                    self.unknown_id(&target.span, path, &target.value, node_ids, "node");
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn incidents(
        &mut self,
        t: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
    ) -> Option<Incidents> {
        let rate = self.required_quantity(
            t,
            "rate_per_year",
            InputDomain::Rate,
            "events per year, a number or a distribution",
        );
        let targets = self.targets(t, nodes, node_ids);
        let severity = self.required_quantity(
            t,
            "severity",
            InputDomain::UnitInterval,
            "fraction of capacity lost per event, in [0, 1]",
        );
        let duration = self.required_quantity(
            t,
            "duration_days",
            InputDomain::NonNegative,
            "length of an outage in days",
        );
        let weights = match t.get("weights") {
            Some((value, _)) => {
                // One weight per target written, even when a target is wrong: a weight's
                // own problems are reported with the target's.
                let target_count = targets
                    .as_ref()
                    .map(Vec::len)
                    .or(t.string_entries("targets"));
                self.weights_value(value, &t.child("weights"), target_count)
            }
            None => targets.as_ref().map(|t| vec![1.0; t.len()]),
        };
        Some(Incidents {
            rate_per_year: rate?,
            targets: targets?,
            weights: weights?,
            severity: severity?,
            duration_days: duration?,
        })
    }

    fn project(
        &mut self,
        t: TableRef<'_, '_>,
        nodes: &[Node],
        node_ids: &Ids<'_>,
    ) -> Option<Project> {
        let targets = self.targets(t, nodes, node_ids);
        let success =
            self.optional_quantity(t, "success_probability", InputDomain::UnitInterval, 1.0);
        let online = self.required_quantity(
            t,
            "online_month",
            InputDomain::NonNegative,
            "month index (from 0) when the targets come online, a number or a distribution",
        );
        let ramp = self.optional_quantity(t, "ramp_months", InputDomain::NonNegative, 0.0);
        let factor = self.optional_quantity(t, "capacity_factor", InputDomain::NonNegative, 1.0);
        Some(Project {
            targets: targets?,
            success_probability: success?,
            online_month: online?,
            ramp_months: ramp?,
            capacity_factor: factor?,
        })
    }

    /// Checks a probability vector: right length, entries in [0, 1], sum 1 within 1e-6.
    fn probability_vector(
        &mut self,
        values: &[Sp<f64>],
        whole: &Range<usize>,
        path: &str,
        len: usize,
        what: &str,
    ) -> bool {
        let mut ok = true;
        if values.len() != len {
            self.r.error(
                whole,
                path,
                format!(
                    "has {}; expected {len}, one per state in `states`",
                    count(values.len(), "entry", "entries")
                ),
            );
            ok = false;
        }
        for (i, p) in values.iter().enumerate() {
            if !(0.0..=1.0).contains(&p.value) {
                self.r.error(
                    &p.span,
                    format!("{path}[{i}]"),
                    format!(
                        "{} is outside [0, 1]; expected a probability",
                        show(p.value)
                    ),
                );
                ok = false;
            }
        }
        let sum: f64 = values.iter().map(|p| p.value).sum();
        if ok && (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
            self.r.error(
                whole,
                path,
                format!(
                    "{what} sums to {}; expected probabilities that sum to 1 (within 1e-6)",
                    trimmed(sum)
                ),
            );
            ok = false;
        }
        ok
    }

    fn regime(&mut self, t: TableRef<'_, '_>, commodity_ids: &[&str]) -> Option<Regime> {
        let states = if t.get("states").is_none() {
            self.r.missing(
                t,
                "states",
                "the names of the regime's states, e.g. [\"open\", \"licensing\", \"embargo\"]",
            );
            None
        } else {
            self.r.string_list(t, "states").and_then(|list| {
                let mut names: Vec<String> = Vec::new();
                let mut ok = true;
                if list.value.is_empty() {
                    self.r.error(
                        &list.span,
                        t.child("states"),
                        "is empty; expected at least one state",
                    );
                    ok = false;
                }
                for (i, s) in list.value.iter().enumerate() {
                    if s.value.is_empty() || names.contains(&s.value) {
                        let what = if s.value.is_empty() {
                            "a state name is empty".to_string()
                        } else {
                            format!("{:?} is listed twice", s.value)
                        };
                        self.r.error(
                            &s.span,
                            format!("{}[{i}]", t.child("states")),
                            format!("{what}; expected distinct, non-empty state names"),
                        );
                        ok = false;
                    }
                    names.push(s.value.clone());
                }
                ok.then_some(names)
            })
        };
        // The number of states written, even when a name is wrong (empty or repeated): the
        // rows of `transitions` and the probabilities of `initial` are checked against it, so
        // that their own problems are reported with the names'.
        let n = states.as_ref().map(Vec::len).or(t.string_entries("states"));

        let transitions = if t.get("transitions").is_none() {
            self.r.missing(
                t,
                "transitions",
                "the monthly transition matrix, one row per state",
            );
            None
        } else {
            let (value, _) = t.get("transitions").expect("checked");
            self.transitions_value(value, &t.child("transitions"), n)
        };

        let initial = match t.get("initial") {
            None => {
                self.r.missing(
                    t,
                    "initial",
                    "the state in month 0, or probabilities over the states",
                );
                None
            }
            Some((value, _)) => {
                self.regime_initial(value, &t.child("initial"), states.as_deref(), n)
            }
        };

        let mut effects = Vec::new();
        let mut effects_ok = true;
        for (i, table, span) in self.r.tables(t, "effect") {
            let path = format!("{}[{i}]", t.child("effect"));
            let e = TableRef {
                table,
                span: &span,
                path: &path,
            };
            match self.effect(e, states.as_deref(), commodity_ids) {
                Some(effect) => effects.push(effect),
                None => effects_ok = false,
            }
        }
        if !effects_ok {
            return None;
        }
        Some(Regime {
            states: states?,
            initial: initial?,
            transitions: transitions?,
            effects,
        })
    }

    /// Checks `weights`: one non-negative number per target (when the targets are known), not
    /// all zero.
    fn weights_value(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        targets: Option<usize>,
    ) -> Option<Vec<f64>> {
        let list = self.r.number_list_value(value, path)?;
        let targets = targets?;
        let mut ok = true;
        if list.len() != targets {
            self.r.error(
                &value.span(),
                path,
                format!(
                    "has {} but `targets` has {targets}; expected one weight per target",
                    count(list.len(), "entry", "entries")
                ),
            );
            ok = false;
        }
        for (i, w) in list.iter().enumerate() {
            if w.value < 0.0 {
                self.r.error(
                    &w.span,
                    format!("{path}[{i}]"),
                    format!(
                        "{} is negative; expected a non-negative weight",
                        show(w.value)
                    ),
                );
                ok = false;
            }
        }
        if ok && list.iter().all(|w| w.value == 0.0) {
            self.r.error(
                &value.span(),
                path,
                "all weights are zero; at least one target needs a positive weight",
            );
            ok = false;
        }
        ok.then(|| list.iter().map(|w| w.value).collect())
    }

    /// Checks a transition matrix: one row per state, each a probability vector of the right
    /// length (when the number of states `n` is known).
    fn transitions_value(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        n: Option<usize>,
    ) -> Option<Vec<Vec<f64>>> {
        match value.get_ref() {
            DeValue::Array(rows) => {
                let mut out = Vec::new();
                let mut ok = true;
                if let Some(n) = n
                    && rows.len() != n
                {
                    self.r.error(
                        &value.span(),
                        path,
                        format!(
                            "has {}; expected {n}, one per state in `states`",
                            count(rows.len(), "row", "rows")
                        ),
                    );
                    ok = false;
                }
                for (i, row) in rows.iter().enumerate() {
                    let row_path = format!("{path}[{i}]");
                    match self.r.number_list_value(row, &row_path) {
                        Some(values) => {
                            if let Some(n) = n {
                                ok &= self.probability_vector(
                                    &values,
                                    &row.span(),
                                    &row_path,
                                    n,
                                    "the row",
                                );
                            }
                            out.push(values.iter().map(|v| v.value).collect::<Vec<f64>>());
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            other => {
                let found = describe(other);
                self.r.error(
                    &value.span(),
                    path,
                    format!("expected an array of rows (arrays of probabilities), found {found}"),
                );
                None
            }
        }
    }

    /// Checks `initial`: a state's name (needs valid `states`), or one probability per state
    /// (needs only their number, `state_count`).
    fn regime_initial(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        states: Option<&[String]>,
        state_count: Option<usize>,
    ) -> Option<Vec<f64>> {
        match value.get_ref() {
            DeValue::String(s) => {
                let states = states?;
                match states.iter().position(|x| x == s.as_ref()) {
                    Some(k) => {
                        let mut p = vec![0.0; states.len()];
                        p[k] = 1.0;
                        Some(p)
                    }
                    None => {
                        self.r.error(
                            &value.span(),
                            path,
                            format!(
                                "{:?} is not a state; expected one of {}",
                                s.as_ref(),
                                quoted_list(states)
                            ),
                        );
                        None
                    }
                }
            }
            DeValue::Array(_) => {
                let values = self.r.number_list_value(value, path)?;
                let n = state_count?;
                self.probability_vector(&values, &value.span(), path, n, "`initial`")
                    .then(|| values.iter().map(|v| v.value).collect())
            }
            other => {
                let found = describe(other);
                self.r.error(
                    &value.span(),
                    path,
                    format!("expected a state name or an array of probabilities, found {found}"),
                );
                None
            }
        }
    }

    fn effect(
        &mut self,
        e: TableRef<'_, '_>,
        states: Option<&[String]>,
        commodity_ids: &[&str],
    ) -> Option<Effect> {
        self.r.check_keys(e, EFFECT_KEYS, "[[disruption.effect]]");
        let state = self
            .r
            .required_string(e, "state", "the regime state in which the effect applies")
            .and_then(|s| {
                let states = states?;
                match states.iter().position(|x| *x == s.value) {
                    Some(k) => Some(k),
                    None => {
                        self.r.error(
                            &s.span,
                            e.child("state"),
                            format!(
                                "{:?} is not a state of this regime; expected one of {}",
                                s.value,
                                quoted_list(states)
                            ),
                        );
                        None
                    }
                }
            });
        let exporter = self
            .r
            .required_string(e, "exporter", "the exporting country, e.g. \"CN\"")
            .and_then(|c| {
                let parsed = Country::parse(&c.value);
                if parsed.is_none() {
                    self.bad_country(&c.span, e.child("exporter"), &c.value);
                }
                parsed
            });
        let mut ok = true;
        let importers = self.r.string_list(e, "importers").map(|list| {
            if list.value.is_empty() {
                // An empty list would touch no edge: a silent no-op, like an empty edge list.
                self.r.error(
                    &list.span,
                    e.child("importers"),
                    "is empty; list the importing countries, or leave the key out to touch exports to every country",
                );
                ok = false;
            }
            let mut out = Vec::new();
            for (i, c) in list.value.iter().enumerate() {
                match Country::parse(&c.value) {
                    Some(country) if out.contains(&country) => {
                        self.r.error(
                            &c.span,
                            format!("{}[{i}]", e.child("importers")),
                            format!("{:?} is listed twice", c.value),
                        );
                        ok = false;
                    }
                    Some(country) => out.push(country),
                    None => {
                        self.bad_country(
                            &c.span,
                            format!("{}[{i}]", e.child("importers")),
                            &c.value,
                        );
                        ok = false;
                    }
                }
            }
            out
        });
        let commodities = self.r.string_list(e, "commodities").map(|list| {
            if list.value.is_empty() {
                self.r.error(
                    &list.span,
                    e.child("commodities"),
                    "is empty; list the commodities the effect cuts, or leave the key out to cut every commodity",
                );
                ok = false;
            }
            let mut out = Vec::new();
            for (i, c) in list.value.iter().enumerate() {
                match commodity_ids.iter().position(|id| *id == c.value) {
                    Some(k) if out.contains(&CommodityId(k)) => {
                        self.r.error(
                            &c.span,
                            format!("{}[{i}]", e.child("commodities")),
                            format!("{:?} is listed twice", c.value),
                        );
                        ok = false;
                    }
                    Some(k) => out.push(CommodityId(k)),
                    None => {
                        self.unknown_id(
                            &c.span,
                            format!("{}[{i}]", e.child("commodities")),
                            &c.value,
                            commodity_ids,
                            "commodity",
                        );
                        ok = false;
                    }
                }
            }
            out
        });
        let factor = if e.get("factor").is_none() {
            self.r.missing(
                e,
                "factor",
                "multiplier on the affected edges' capacity, e.g. 0.5",
            );
            None
        } else {
            self.r.number(e, "factor").and_then(|f| {
                if f.value < 0.0 {
                    self.r.error(
                        &f.span,
                        e.child("factor"),
                        format!(
                            "{} is negative; expected a non-negative multiplier",
                            show(f.value)
                        ),
                    );
                    None
                } else {
                    Some(f.value)
                }
            })
        };
        if !ok {
            return None;
        }
        Some(Effect {
            state: state?,
            exporter: exporter?,
            importers,
            commodities,
            factor: factor?,
        })
    }

    // ----- graph-wide rules -----

    fn check_acyclic(&mut self, network: &Network, top: TableRef<'_, '_>) {
        if network.topological_order().is_some() {
            return;
        }
        // Find one cycle by depth-first search, to name it.
        let n = network.nodes.len();
        let mut adjacency: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (i, e) in network.edges.iter().enumerate() {
            adjacency[e.from.0].push((e.to.0, i));
        }
        let Some(cycle) = find_cycle(&adjacency) else {
            return;
        };
        // A long cycle is named by its ends: the message stays one readable line.
        let names: Vec<&str> = if cycle.len() > 2 * CYCLE_ENDS_SHOWN + 1 {
            let id = |k: &usize| network.nodes[*k].id.as_str();
            let head = cycle[..CYCLE_ENDS_SHOWN].iter().map(id);
            let tail = cycle[cycle.len() - CYCLE_ENDS_SHOWN..].iter().map(id);
            head.chain(std::iter::once("…")).chain(tail).collect()
        } else {
            cycle
                .iter()
                .map(|&k| network.nodes[k].id.as_str())
                .collect()
        };
        let first_edge = adjacency[cycle[0]]
            .iter()
            .find(|(w, _)| *w == cycle[1])
            .map(|(_, i)| *i)
            .unwrap_or(0);
        let span = top
            .get("edge")
            .and_then(|(v, _)| match v.get_ref() {
                DeValue::Array(items) => items.get(first_edge).map(|x| x.span()),
                _ => None,
            })
            .unwrap_or(0..0);
        self.r.error(
            &span,
            format!("edge[{first_edge}]"),
            format!(
                "the network has a cycle: {}; edges must point downstream (mines → refineries/hubs → markets)",
                names.join(" → ")
            ),
        );
    }

    fn check_reachability(
        &mut self,
        network: &Network,
        focus: NodeId,
        top: TableRef<'_, '_>,
        header: Option<&Header>,
        demanded: &[bool],
    ) {
        let focus_node = &network.nodes[focus.0];
        // Each node's incoming edges, in file order: the searches cost O(nodes + edges).
        let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); network.nodes.len()];
        for (i, e) in network.edges.iter().enumerate() {
            incoming[e.to.0].push(i);
        }
        for (k, commodity) in network.commodities.iter().enumerate() {
            let c = CommodityId(k);
            if !demanded[k] {
                continue;
            }
            // Backward search over edges carrying c.
            let mut seen = vec![false; network.nodes.len()];
            let mut queue = vec![focus.0];
            seen[focus.0] = true;
            let mut reached_mine = false;
            while let Some(v) = queue.pop() {
                if network.nodes[v].kind == NodeKind::Mine && network.nodes[v].handles(c) {
                    reached_mine = true;
                    break;
                }
                let into_v = incoming[v].iter().map(|&i| &network.edges[i]);
                for e in into_v.filter(|e| e.carries[k]) {
                    if !seen[e.from.0] {
                        seen[e.from.0] = true;
                        queue.push(e.from.0);
                    }
                }
            }
            if !reached_mine {
                let span = header
                    .and_then(|h| h.focus_market.as_ref().map(|f| f.span.clone()))
                    .or_else(|| top.get("scenario").map(|(_, s)| s))
                    .unwrap_or(0..0);
                self.r.error(
                    &span,
                    "scenario.focus_market",
                    format!(
                        "the focus market {:?} demands `{}` but no mine can reach it: there is no chain of edges carrying `{}` from a mine that produces it",
                        focus_node.id, commodity.id, commodity.id
                    ),
                );
            }
        }
    }

    /// What a market can absorb in a month, its demand plus its stock room, bounds every flow
    /// and stock of its commodity (`engine::trial`), and demand grows by up to 11^100 ≈ 1.4e104
    /// over the longest horizon: a market's `demand × (1 + stock_months)` above
    /// [`MAX_MARKET_VOLUME`] could overflow to infinity (an infinite stock less its room is
    /// NaN; an infinite total demand turns every share into 0). Refused per market and
    /// commodity, at the first variant that exceeds it.
    fn check_volume(&mut self, network: &Network, variants: &[Variant], top: TableRef<'_, '_>) {
        for (n, node) in network.nodes.iter().enumerate() {
            for (k, commodity) in network.commodities.iter().enumerate() {
                let c = CommodityId(k);
                let too_large = variants.iter().find_map(|variant| {
                    if variant.node_disabled[n] {
                        return None;
                    }
                    let node = &variant.nodes[n];
                    let market = node.market.as_ref()?;
                    let demand = node.demand_t_per_year(c);
                    let stock_months = market.stock_months[k];
                    let volume = demand * (1.0 + stock_months);
                    (volume > MAX_MARKET_VOLUME).then_some((variant, demand, stock_months))
                });
                let Some((variant, demand, stock_months)) = too_large else {
                    continue;
                };
                let in_variant = if variants.len() > 1 {
                    format!(" in variant {:?}", variant.id)
                } else {
                    String::new()
                };
                // Blame the larger factor: an absurd stock on a real demand, or the reverse.
                let key = if stock_months > demand {
                    "stock_months"
                } else {
                    "demand"
                };
                // A value the variant sets is blamed where it is set.
                let (span, path) =
                    override_location(top, variant, &format!("{}.{key}", node.id), &commodity.id)
                        .unwrap_or_else(|| {
                            (
                                node_key_span(top, NodeId(n), key),
                                format!("node[{n}].{key}.{}", commodity.id),
                            )
                        });
                self.r.error(
                    &span,
                    path,
                    format!(
                        "market {:?}{in_variant} demands {} t/yr of `{}` with stock_months {}: demand × (1 + stock_months) is {}, above the {} t/yr the arithmetic allows (demand growth could overflow it to infinity); use larger units or a realistic stock_months",
                        node.id,
                        show(demand),
                        commodity.id,
                        show(stock_months),
                        show(demand * (1.0 + stock_months)),
                        show(MAX_MARKET_VOLUME),
                    ),
                );
            }
        }
    }

    /// The allocation works to a tolerance of about 1e-10 of the month's largest flow (see
    /// `engine::allocation`), so a focus market whose demand is a vanishing fraction of the
    /// commodity's flow would be routed as if it demanded nothing. The flow is bounded by the
    /// smaller of the mines' capacity and what the markets can absorb (demand plus stock
    /// room); a focus demand below 1e-8 of that bound (a hundredfold margin for growth) is
    /// refused, per variant, before it silently zeroes every metric.
    fn check_scale(
        &mut self,
        network: &Network,
        focus: NodeId,
        variants: &[Variant],
        top: TableRef<'_, '_>,
    ) {
        const SMALLEST_SHARE: f64 = 1e-8;
        for (k, commodity) in network.commodities.iter().enumerate() {
            let c = CommodityId(k);
            for variant in variants {
                let enabled = |n: usize| !variant.node_disabled[n];
                let demand = variant.nodes[focus.0].demand_t_per_year(c);
                if demand <= 0.0 || !enabled(focus.0) {
                    continue;
                }
                let mut supply = 0.0;
                let mut absorb = 0.0;
                for (n, node) in variant.nodes.iter().enumerate() {
                    if !enabled(n) {
                        continue;
                    }
                    match (&node.kind, &node.market) {
                        (NodeKind::Mine, _) => {
                            supply += node.capacity_t_per_year[c.0].unwrap_or(0.0);
                        }
                        (NodeKind::Market, Some(market)) => {
                            absorb += node.demand_t_per_year(c) * (1.0 + market.stock_months[c.0]);
                        }
                        _ => {}
                    }
                }
                let flow = supply.min(absorb);
                if demand >= SMALLEST_SHARE * flow {
                    continue;
                }
                let focus_id = &network.nodes[focus.0].id;
                let (span, path) =
                    override_location(top, variant, &format!("{focus_id}.demand"), &commodity.id)
                        .unwrap_or_else(|| {
                            (
                                node_key_span(top, focus, "demand"),
                                format!("node[{}].demand", focus.0),
                            )
                        });
                let in_variant = if variants.len() > 1 {
                    format!(" in variant {:?}", variant.id)
                } else {
                    String::new()
                };
                self.r.error(
                    &span,
                    path,
                    format!(
                        "the focus market {:?} demands {} t/yr of `{}`{in_variant}, less than {} of the commodity's flow ({} t/yr: the smaller of the mines' capacity and what the markets absorb); results would fall below the allocation's precision (about 1e-10 of the largest flow): use consistent units or scale down the largest capacities and demands",
                        network.nodes[focus.0].id,
                        show(demand),
                        commodity.id,
                        show(SMALLEST_SHARE),
                        show(flow),
                    ),
                );
                break;
            }
        }
    }

    // ----- [[variant]] -----

    fn variants(
        &mut self,
        top: TableRef<'_, '_>,
        network: &Network,
        disruptions: &[Disruption],
        focus: Option<NodeId>,
    ) -> Option<Vec<Variant>> {
        let tables = self.r.tables(top, "variant");
        let base_nodes = network.nodes.clone();
        let base_disruptions = disruptions.to_vec();
        if tables.is_empty() {
            return Some(vec![Variant {
                id: "base".to_string(),
                name: "base".to_string(),
                baseline: true,
                node_disabled: vec![false; base_nodes.len()],
                disruption_disabled: vec![false; base_disruptions.len()],
                nodes: base_nodes,
                disruptions: base_disruptions,
                disable_patterns: Vec::new(),
                overrides: Vec::new(),
            }]);
        }
        let single = tables.len() == 1;
        let mut seen = BTreeMap::new();
        let mut out = Vec::new();
        let mut baselines: Vec<(String, Range<usize>)> = Vec::new();
        let mut ok = true;
        // A `baseline` of the wrong type is reported where it stands; counting baselines
        // without it would add a second, misleading message.
        let mut baseline_unreadable = false;
        for (i, table, span) in &tables {
            let path = format!("variant[{i}]");
            let t = TableRef {
                table,
                span,
                path: &path,
            };
            let flag = t.get("baseline").map(|(v, _)| v.get_ref());
            if flag.is_some_and(|v| !matches!(v, DeValue::Boolean(_))) {
                baseline_unreadable = true;
            }
            // Counted from the table, so that a variant with a problem of its own still counts
            // and one message names every problem (SPEC 7).
            if matches!(flag, Some(DeValue::Boolean(true))) {
                let id = match t.get("id").map(|(v, _)| v.get_ref()) {
                    Some(DeValue::String(id)) => id.to_string(),
                    _ => path.clone(),
                };
                baselines.push((id, span.clone()));
            }
            match self.variant(
                t,
                network,
                &base_nodes,
                &base_disruptions,
                focus,
                &mut seen,
                single,
            ) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        if !single && !baseline_unreadable {
            match baselines.len() {
                1 => {}
                0 => self.r.error(
                    &tables[0].2,
                    "variant",
                    "no variant has `baseline = true`; with several variants exactly one must be the baseline that reductions are measured against",
                ),
                _ => {
                    let names: Vec<&str> = baselines.iter().map(|(id, _)| id.as_str()).collect();
                    self.r.error(
                        &baselines[1].1,
                        "variant",
                        format!("{} variants have `baseline = true` ({}); expected exactly one", names.len(), names.join(", ")),
                    );
                }
            }
        }
        (ok && self.r.problems.is_empty()).then_some(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn variant(
        &mut self,
        t: TableRef<'_, '_>,
        network: &Network,
        base_nodes: &[Node],
        base_disruptions: &[Disruption],
        focus: Option<NodeId>,
        seen: &mut BTreeMap<String, usize>,
        single: bool,
    ) -> Option<Variant> {
        self.r.check_keys(t, VARIANT_KEYS, "[[variant]]");
        let id = self
            .r
            .required_string(t, "id", "an identifier such as \"with_pakistan\"");
        let id_ok = id
            .as_ref()
            .is_some_and(|id| self.check_id(id, &t.child("id"), seen, "variant"));
        let name = self.r.one_line(t, "name").map(|s| s.value);
        let baseline = self
            .r
            .boolean(t, "baseline")
            .map(|b| b.value)
            .unwrap_or(false)
            || single;

        let mut node_disabled = vec![false; base_nodes.len()];
        let mut disruption_disabled = vec![false; base_disruptions.len()];
        let mut patterns = Vec::new();
        let mut ok = true;
        if let Some(list) = self.r.string_list(t, "disable") {
            for (i, pattern) in list.value.iter().enumerate() {
                let path = format!("{}[{i}]", t.child("disable"));
                patterns.push(pattern.value.clone());
                let (scope, glob) = match pattern.value.split_once(':') {
                    Some(("node", g)) => (Some(true), g),
                    Some(("disruption", g)) => (Some(false), g),
                    Some((other, _)) => {
                        self.r.error(
                            &pattern.span,
                            path,
                            format!(
                                "unknown prefix `{other}:`; expected `node:`, `disruption:` or none"
                            ),
                        );
                        ok = false;
                        continue;
                    }
                    None => (None, pattern.value.as_str()),
                };
                if glob.is_empty()
                    || !glob.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'*'
                    })
                {
                    self.r.error(
                        &pattern.span,
                        path,
                        format!("{:?} is not a valid pattern; expected an id with `*` wildcards, e.g. \"pk_*\"", pattern.value),
                    );
                    ok = false;
                    continue;
                }
                let mut matched = 0;
                if scope != Some(false) {
                    for (k, node) in base_nodes.iter().enumerate() {
                        if glob_match(glob, &node.id) {
                            matched += 1;
                            if Some(NodeId(k)) == focus {
                                self.r.error(
                                    &pattern.span,
                                    path.clone(),
                                    format!("{:?} disables the focus market {:?}; the focus market must stay in every variant", pattern.value, node.id),
                                );
                                ok = false;
                            }
                            node_disabled[k] = true;
                        }
                    }
                }
                if scope != Some(true) {
                    for (k, d) in base_disruptions.iter().enumerate() {
                        if glob_match(glob, &d.id) {
                            matched += 1;
                            disruption_disabled[k] = true;
                        }
                    }
                }
                if matched == 0 {
                    let what = match scope {
                        Some(true) => "node",
                        Some(false) => "disruption",
                        None => "node or disruption",
                    };
                    self.r.error(
                        &pattern.span,
                        path,
                        format!("{:?} matches no {what} id; a `disable` pattern must match at least one (patterns match whole ids, `*` is a wildcard)", pattern.value),
                    );
                    ok = false;
                }
            }
        }

        let mut nodes = base_nodes.to_vec();
        let mut disruptions = base_disruptions.to_vec();
        let mut overrides = Vec::new();
        let mut settings = Settings::default();
        if let Some((table, _)) = self.r.table(t, "set") {
            let set_path = t.child("set");
            for (key, value) in table.iter() {
                let key_text = key.get_ref().as_ref();
                let path = format!("{set_path}.\"{key_text}\"");
                let value_text = self.source_text(&value.span());
                overrides.push((key_text.to_string(), value_text));
                settings.written = key_text.to_string();
                ok &= self.apply_override(
                    key_text,
                    &key.span(),
                    value,
                    &path,
                    network,
                    (&mut nodes, &mut disruptions),
                    &mut settings,
                );
            }
        }

        let id = id?;
        if !id_ok || !ok {
            return None;
        }
        Some(Variant {
            name: name.unwrap_or_else(|| id.value.clone()),
            id: id.value,
            baseline,
            node_disabled,
            disruption_disabled,
            nodes,
            disruptions,
            disable_patterns: patterns,
            overrides,
        })
    }

    fn source_text(&self, span: &Range<usize>) -> String {
        self.r.problems.source(span)
    }

    /// Applies one `set` override to the variant's `nodes` and `disruptions`; `settings` lists
    /// the settings overridden before it in the variant (see [`Settings`]).
    #[allow(clippy::too_many_arguments)]
    fn apply_override(
        &mut self,
        key: &str,
        key_span: &Range<usize>,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        network: &Network,
        (nodes, disruptions): (&mut [Node], &mut [Disruption]),
        settings: &mut Settings,
    ) -> bool {
        if let DeValue::Table(table) = value.get_ref()
            && !table.iter().any(|(k, _)| k.get_ref().as_ref() == "dist")
            && key
                .rsplit_once('.')
                .is_some_and(|(_, field)| PER_COMMODITY_KEYS.contains(&field))
        {
            // "<node id>.capacity" = { sb = 5000 }: a quoted key with a table of commodities
            // is the same as one "<node id>.capacity.<commodity>" override per entry.
            let prefix = path.strip_suffix('"').unwrap_or(path);
            let mut ok = true;
            for (commodity, entry) in table.iter() {
                let commodity = commodity.get_ref().as_ref();
                ok &= self.apply_override(
                    &format!("{key}.{commodity}"),
                    &entry.span(),
                    entry,
                    &format!("{prefix}.{commodity}\""),
                    network,
                    (&mut *nodes, &mut *disruptions),
                    settings,
                );
            }
            return ok;
        }
        if let DeValue::Table(table) = value.get_ref()
            && !table.iter().any(|(k, _)| k.get_ref().as_ref() == "dist")
            && !key.contains('.')
        {
            // `a.b = 1` without quotes is a TOML dotted key: the table `a` with key `b`. (A
            // quoted key keeps its dots, and its table value is checked where it stands.)
            let inner: Vec<&str> = table.iter().map(|(k, _)| k.get_ref().as_ref()).collect();
            self.r.error(
                key_span,
                path,
                format!(
                    "this is a table, not an override: write the whole key in quotes, e.g. \"{key}.{}\" = …",
                    inner.first().copied().unwrap_or("key")
                ),
            );
            return false;
        }
        if let Some((_, earlier)) = settings.seen.iter().find(|(setting, _)| setting == key) {
            self.r.error(
                key_span,
                path,
                format!(
                    "`{key}` is set twice in this variant (also by the key {earlier:?}); keep one"
                ),
            );
            return false;
        }
        settings
            .seen
            .push((key.to_string(), settings.written.clone()));
        let parts: Vec<&str> = key.split('.').collect();
        let id = parts[0];
        let node = nodes.iter().position(|n| n.id == id);
        let disruption = disruptions.iter().position(|d| d.id == id);
        let form = "\"<node or disruption id>.<key>[.<commodity>]\"";
        match (node, disruption) {
            (Some(n), Some(d)) => {
                // Ids are unique per table (SPEC 2), so a node and a disruption may share one
                // (a project named after the mine it builds); no key can be set on both, so
                // the key says which is meant.
                let key = parts.get(1).copied().unwrap_or("");
                let disruption_keys = settable_disruption_keys(disruptions[d].process.kind_name());
                let on_node = NODE_SETTABLE_KEYS.contains(&key);
                let on_disruption = disruption_keys.split(", ").any(|k| k == key);
                match (on_node, on_disruption) {
                    (true, false) => {
                        self.override_node(&parts, key_span, value, path, network, &mut nodes[n])
                    }
                    (false, true) => {
                        self.override_disruption(&parts, key_span, value, path, &mut disruptions[d])
                    }
                    _ => {
                        self.r.error(
                            key_span,
                            path,
                            format!(
                                "{id:?} is both a node and a disruption id, and `{key}` is a key of neither: settable keys are {} for a node and {disruption_keys} for this disruption",
                                NODE_SETTABLE_KEYS.join(", ")
                            ),
                        );
                        false
                    }
                }
            }
            (None, None) => {
                let known: Vec<&str> = network
                    .nodes
                    .iter()
                    .map(|n| n.id.as_str())
                    .chain(disruptions.iter().map(|d| d.id.as_str()))
                    .collect();
                let hint = if VARIANT_KEYS.contains(&id) {
                    format!(
                        " (`{id}` is a key of [[variant]]: write it before the `[variant.set]` line, whose keys are all overrides)"
                    )
                } else {
                    suggest(id, known.iter().copied())
                        .map(|s| format!(" (did you mean {s:?}?)"))
                        .unwrap_or_default()
                };
                self.r.error(
                    key_span,
                    path,
                    format!("unknown id {id:?}{hint}; a `set` key has the form {form}"),
                );
                false
            }
            (Some(k), None) => {
                self.override_node(&parts, key_span, value, path, network, &mut nodes[k])
            }
            (None, Some(k)) => {
                self.override_disruption(&parts, key_span, value, path, &mut disruptions[k])
            }
        }
    }

    fn override_node(
        &mut self,
        parts: &[&str],
        key_span: &Range<usize>,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        network: &Network,
        node: &mut Node,
    ) -> bool {
        let commodity = |this: &mut Self, part: Option<&&str>| -> Option<CommodityId> {
            let Some(name) = part else {
                this.r.error(
                    key_span,
                    path,
                    format!(
                        "`{}` needs a commodity: \"{}.{}.<commodity>\"",
                        parts[1], parts[0], parts[1]
                    ),
                );
                return None;
            };
            let found = network.commodity_by_id(name);
            if found.is_none() {
                let ids: Vec<&str> = network.commodities.iter().map(|c| c.id.as_str()).collect();
                this.unknown_id(key_span, path.to_string(), name, &ids, "commodity");
            }
            found
        };
        let too_long = |this: &mut Self, n: usize| -> bool {
            if parts.len() > n {
                this.r.error(
                    key_span,
                    path,
                    format!("too many parts in {:?}", parts.join(".")),
                );
                true
            } else {
                false
            }
        };
        let number = |this: &mut Self, domain: InputDomain| -> Option<f64> {
            let x = this.r.number_value(value, path)?;
            if domain.admits(x.value) {
                Some(x.value)
            } else {
                this.r.error(
                    &x.span,
                    path,
                    format!(
                        "{} is out of range; expected {}",
                        show(x.value),
                        domain.expected()
                    ),
                );
                None
            }
        };
        let is_market = node.kind == NodeKind::Market;
        match parts.get(1).copied() {
            Some("capacity") if !is_market => {
                if too_long(self, 3) {
                    return false;
                }
                let Some(c) = commodity(self, parts.get(2)) else {
                    return false;
                };
                if node.kind != NodeKind::Hub && node.capacity_t_per_year[c.0].is_none() {
                    self.r.error(
                        key_span,
                        path,
                        format!("{:?} does not handle `{}`; `set` can change a capacity the node has, not add a commodity", node.id, network.commodities[c.0].id),
                    );
                    return false;
                }
                let Some(x) = number(self, InputDomain::NonNegative) else {
                    return false;
                };
                node.capacity_t_per_year[c.0] = Some(x);
                true
            }
            Some(key @ ("demand" | "stock_months")) if is_market => {
                if too_long(self, 3) {
                    return false;
                }
                let Some(c) = commodity(self, parts.get(2)) else {
                    return false;
                };
                let market = node.market.as_mut().expect("markets have market data");
                if market.demand_t_per_year[c.0].is_none() {
                    self.r.error(
                        key_span,
                        path,
                        format!("{:?} has no demand for `{}`; `set` can change a demand the market has, not add a commodity", node.id, network.commodities[c.0].id),
                    );
                    return false;
                }
                let Some(x) = number(self, InputDomain::NonNegative) else {
                    return false;
                };
                if key == "demand" {
                    market.demand_t_per_year[c.0] = Some(x);
                } else {
                    market.stock_months[c.0] = x;
                }
                true
            }
            Some("demand_growth") if is_market => {
                if too_long(self, 2) {
                    return false;
                }
                let Some(d) = self.quantity(value, path, InputDomain::Growth) else {
                    return false;
                };
                node.market
                    .as_mut()
                    .expect("markets have market data")
                    .demand_growth = d;
                true
            }
            Some("priority") if is_market => {
                if too_long(self, 2) {
                    return false;
                }
                let Some(x) = number(self, InputDomain::NonNegative) else {
                    return false;
                };
                node.market
                    .as_mut()
                    .expect("markets have market data")
                    .priority = x;
                true
            }
            other => {
                let valid = if is_market {
                    "demand.<commodity>, stock_months.<commodity>, demand_growth, priority"
                } else {
                    "capacity.<commodity>"
                };
                let kind = node.kind.as_str();
                let message = match other {
                    Some(key) => format!(
                        "`{key}` cannot be set on {} {kind} node; settable keys are {valid}",
                        article(kind)
                    ),
                    None => format!(
                        "names the {kind} node {:?} but no key: write \"{}.<key>\"; settable keys are {valid}",
                        node.id, node.id
                    ),
                };
                self.r.error(key_span, path, message);
                false
            }
        }
    }

    fn override_disruption(
        &mut self,
        parts: &[&str],
        key_span: &Range<usize>,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        disruption: &mut Disruption,
    ) -> bool {
        if parts.len() != 2 {
            self.r.error(
                key_span,
                path,
                format!(
                    "a disruption override has the form \"<disruption id>.<key>\"; settable keys of {:?} are {}",
                    disruption.id,
                    settable_disruption_keys(disruption.process.kind_name())
                ),
            );
            return false;
        }
        let key = parts[1];
        if let Some((_, kind)) = self
            .broken_disruptions
            .iter()
            .find(|(id, _)| *id == disruption.id)
        {
            // The disruption's own problem is reported; only a key its kind never takes is
            // worth a message of its own.
            let kind = *kind;
            let valid = settable_disruption_keys(kind);
            if !valid.split(", ").any(|k| k == key) {
                self.r.error(
                    key_span,
                    path,
                    format!(
                        "`{key}` cannot be set on {} {kind} disruption; settable keys are {valid}",
                        article(kind)
                    ),
                );
            }
            return false;
        }
        let slot: Option<(&mut Distribution, InputDomain)> = match (&mut disruption.process, key) {
            (Process::Incidents(p), "rate_per_year") => {
                Some((&mut p.rate_per_year, InputDomain::Rate))
            }
            (Process::Incidents(p), "severity") => {
                Some((&mut p.severity, InputDomain::UnitInterval))
            }
            (Process::Incidents(p), "duration_days") => {
                Some((&mut p.duration_days, InputDomain::NonNegative))
            }
            (Process::Project(p), "success_probability") => {
                Some((&mut p.success_probability, InputDomain::UnitInterval))
            }
            (Process::Project(p), "online_month") => {
                Some((&mut p.online_month, InputDomain::NonNegative))
            }
            (Process::Project(p), "ramp_months") => {
                Some((&mut p.ramp_months, InputDomain::NonNegative))
            }
            (Process::Project(p), "capacity_factor") => {
                Some((&mut p.capacity_factor, InputDomain::NonNegative))
            }
            _ => None,
        };
        if let Some((slot, domain)) = slot {
            return store(slot, self.quantity(value, path, domain));
        }
        if let (Process::Regime(regime), "transitions") = (&mut disruption.process, key) {
            let n = regime.states.len();
            return store(
                &mut regime.transitions,
                self.transitions_value(value, path, Some(n)),
            );
        }
        if let (Process::Incidents(incidents), "weights") = (&mut disruption.process, key) {
            let n = incidents.targets.len();
            return store(
                &mut incidents.weights,
                self.weights_value(value, path, Some(n)),
            );
        }
        if let (Process::Regime(regime), "initial") = (&mut disruption.process, key) {
            let states = regime.states.clone();
            return store(
                &mut regime.initial,
                self.regime_initial(value, path, Some(&states), Some(states.len())),
            );
        }
        let valid = settable_disruption_keys(disruption.process.kind_name());
        self.r.error(
            key_span,
            path,
            format!(
                "`{key}` cannot be set on {} {} disruption; settable keys are {valid}",
                article(disruption.process.kind_name()),
                disruption.process.kind_name()
            ),
        );
        false
    }
}

/// Writes a value that validated into its slot; `false` (the slot untouched) when it did not,
/// its problem already reported.
fn store<T>(slot: &mut T, value: Option<T>) -> bool {
    match value {
        Some(value) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// "a" or "an" before `word` (a kind name: `incidents`, `hub`, …).
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The settings a variant's `set` table has overridden so far. A setting overridden twice
/// (`"x.capacity" = { sb = 1 }` and `"x.capacity.sb" = 2`: TOML sees two keys) is an error,
/// as one of the values would be lost.
#[derive(Default)]
struct Settings {
    /// Each setting (`<id>.<key>[.<commodity>]`) with the `set` key, as written, that set it.
    seen: Vec<(String, String)>,
    /// The `set` key being applied, as written.
    written: String,
}

/// Node keys that hold one number per commodity, overridden as `"<id>.<key>.<commodity>"` or
/// all at once as `"<id>.<key>" = { <commodity> = … }`.
const PER_COMMODITY_KEYS: &[&str] = &["capacity", "demand", "stock_months"];

/// The keys `set` can change on a node, whatever its kind (a market takes `demand`,
/// `stock_months`, `demand_growth` and `priority`, other nodes `capacity`): none of them is a
/// disruption's, so a key tells a node from a disruption of the same id.
const NODE_SETTABLE_KEYS: [&str; 5] = [
    "capacity",
    "demand",
    "stock_months",
    "demand_growth",
    "priority",
];

/// The keys `set` can change on a disruption of `kind`, as listed in messages.
fn settable_disruption_keys(kind: &str) -> &'static str {
    match kind {
        "incidents" => "rate_per_year, severity, duration_days, weights",
        "regime" => "initial, transitions",
        _ => "success_probability, online_month, ramp_months, capacity_factor",
    }
}

struct Header {
    name: String,
    description: Option<String>,
    start: Option<YearMonth>,
    horizon_months: Option<u32>,
    trials: u64,
    seed: u64,
    focus_market: Option<Sp<String>>,
    dependency_on: Vec<Country>,
    shortfall_threshold: f64,
}

/// Whole-id glob match with `*` as the only wildcard (`pk_*` matches `pk_mine`, not `old_pk_mine`).
pub fn glob_match(pattern: &str, id: &str) -> bool {
    let p = pattern.as_bytes();
    let s = id.as_bytes();
    // Iterative wildcard matching with backtracking to the last star (linear in practice).
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while j < s.len() {
        if i < p.len() && p[i] != b'*' && p[i] == s[j] {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == b'*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(k) = star {
            i = k + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == b'*' {
        i += 1;
    }
    i == p.len()
}

/// Ids in file order with an index from id to position (the first, if an id repeats), so that
/// resolving the references of a large network costs a lookup each, not a scan of every id.
/// Dereferences to the ids, for hints about unknown ones.
struct Ids<'a> {
    ids: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> Ids<'a> {
    fn new(ids: Vec<&'a str>) -> Self {
        let mut index = HashMap::with_capacity(ids.len());
        for (i, &id) in ids.iter().enumerate() {
            index.entry(id).or_insert(i);
        }
        Self { ids, index }
    }

    /// The position of the first `id`.
    fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

impl<'a> std::ops::Deref for Ids<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &Self::Target {
        &self.ids
    }
}

/// Unknown ids per file that get a "did you mean" hint.
const UNKNOWN_ID_HINTS: usize = 100;
/// Cycles are named by their first and last this many nodes when longer than twice as many.
const CYCLE_ENDS_SHOWN: usize = 4;

/// One cycle of the directed graph given by `adjacency` (per node, its `(successor, edge)`
/// pairs), as the nodes along it with the first repeated at the end; `None` if it has none.
/// Depth-first with an explicit stack, so a cycle of any length costs heap, not call stack
/// (a recursive search overflowed the stack on a file of 80,000 chained hubs).
fn find_cycle(adjacency: &[Vec<(usize, usize)>]) -> Option<Vec<usize>> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; adjacency.len()];
    // The current path, each node with the index of its next successor to look at.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..adjacency.len() {
        if state[root] != NEW {
            continue;
        }
        state[root] = ON_PATH;
        path.push((root, 0));
        while let Some(&mut (v, ref mut next)) = path.last_mut() {
            let Some(&(w, _)) = adjacency[v].get(*next) else {
                state[v] = DONE;
                path.pop();
                continue;
            };
            *next += 1;
            match state[w] {
                ON_PATH => {
                    let start = path
                        .iter()
                        .position(|&(x, _)| x == w)
                        .expect("a node on the path is on the stack");
                    let mut cycle: Vec<usize> = path[start..].iter().map(|&(x, _)| x).collect();
                    cycle.push(w);
                    return Some(cycle);
                }
                NEW => {
                    state[w] = ON_PATH;
                    path.push((w, 0));
                }
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A percentage's digits become the fraction written out exactly: no rounding noise, no
    /// trailing zeros, the sign kept; anything but a plain decimal number gives nothing.
    #[test]
    fn percentages_become_exact_fractions() {
        for (percent, fraction) in [
            ("1.1", "0.011"),
            ("50", "0.5"),
            ("100", "1"),
            ("150", "1.5"),
            ("-20", "-0.2"),
            ("+5", "0.05"),
            ("12.50", "0.125"),
            ("007", "0.07"),
            (".5", "0.005"),
            ("5.", "0.05"),
            ("0", "0"),
            ("-0", "0"),
        ] {
            assert_eq!(
                percent_as_fraction(percent).as_deref(),
                Some(fraction),
                "{percent}%"
            );
        }
        for bad in ["", ".", "5e1", "1.2.3", "1,5", "abc", "--5"] {
            assert_eq!(percent_as_fraction(bad), None, "{bad:?}");
        }
    }

    /// The key path a syntax error in `text` is reported under, and its message.
    fn syntax_error(text: &str) -> (String, String) {
        let problems = validate(text, "x").expect_err("a syntax error");
        assert_eq!(problems.len(), 1, "{problems:?}");
        (problems[0].path.clone(), problems[0].message.clone())
    }

    #[test]
    fn syntax_errors_name_the_key_whose_value_holds_them_and_no_other() {
        let unquoted_row =
            "[scenario]\nstart = \"2026-01\"\ndependency_on = [\n  \"CN\",\n  US,\n]\n";
        // Inside a multi-line array: the key on the line where it opens.
        let (path, message) = syntax_error(unquoted_row);
        assert_eq!(path, "scenario.dependency_on");
        // The value of a key's line is quoted in the message only when the error is on that
        // line: here the bad token `US` is two lines below `dependency_on = [`.
        assert!(!message.contains("`[` is not one value"), "{message}");
        // Inside a multi-line inline table: its key under the table's.
        let (path, _) = syntax_error("[[node]]\nid = \"m\"\ncapacity = {\n  sb = 1e\n}\n");
        assert_eq!(path, "node[0].capacity.sb");
        // A key without its `=`, after a multi-line string holding a `[` or a `{`: the key of
        // its own line, not the string's.
        for string in ["\"\"\"\nSupply [draft\n\"\"\"", "'''\nsee {note\n'''"] {
            let (path, message) =
                syntax_error(&format!("[scenario]\nname = {string}\nhorizon_months 12\n"));
            assert_eq!(path, "scenario.horizon_months", "{string}");
            assert!(message.contains("key with no value"), "{message}");
        }
        // On a header line, or after the value above has closed: no key rather than the one
        // above.
        for text in [
            "[scenario]\nstart = \"2026-01\"\nhorizon_months = 12\n\n[scenario]\n",
            "[scenario]\nstart = \"2026-01\"\nhorizon_months = 12\n\n[[node]\nid = \"x\"\n",
            "[scenario]\ndependency_on = [\n  \"CN\",\n]\n\n[scenario]\n",
        ] {
            let (path, message) = syntax_error(text);
            assert_eq!(path, "", "{text:?}: {message}");
        }
    }

    #[test]
    fn syntax_errors_past_strings_comments_siblings_and_child_tables() {
        let path = |text: &str| syntax_error(text).0;
        // A `key = {` line inside a multi-line string is text, not a table.
        assert_eq!(
            path("[scenario]\nname = \"\"\"\nx = {\n\"\"\"\nhorizon_months = 1e\n"),
            "scenario.horizon_months"
        );
        // An error inside a multi-line string names no key from its lines.
        assert_eq!(path("[scenario]\nname = \"\"\"\nfoo = \\q\n\"\"\"\n"), "");
        // An `=` in a comment or a string of a row does not end the array.
        for row in ["  # CN = China", "  \"C=N\","] {
            let text = format!("[scenario]\ndependency_on = [\n{row}\n  \"CN\",\n  US,\n]\n");
            assert_eq!(path(&text), "scenario.dependency_on", "{row}");
        }
        // A stray `[` line before a header does not open the value of the key above.
        assert_eq!(
            path("[[edge]]\nfrom = \"a\"\ncapacity = 15000\n[\n[edge]]\n"),
            ""
        );
        // Siblings above in a multi-line inline table are passed over.
        assert_eq!(
            path("[[node]]\nid = \"us\"\ndemand = {\n  sb = 1,\n  cu = 1e,\n}\n"),
            "node[0].demand.cu"
        );
        // Inside a table whose key is quoted: no path rather than `variant[0].set.sb`.
        assert_eq!(
            path("[[variant]]\nid = \"v\"\n[variant.set]\n\"us.demand\" = {\n  sb = 1e\n}\n"),
            ""
        );
        // A child table counts within its parent: the second disruption's first effect.
        assert_eq!(
            path(
                "[[disruption]]\nid=\"a\"\n[[disruption.effect]]\nfactor = 1\n[[disruption]]\n\
                 id=\"b\"\n[[disruption.effect]]\nfactor = 1e\n"
            ),
            "disruption[1].effect[0].factor"
        );
    }

    #[test]
    fn find_cycle_names_the_first_cycle_met_and_needs_no_call_stack() {
        // 0 → 1 → 2 → 3 → 1, and 0 → 4: the search meets 1 again from 3.
        let adjacency = vec![
            vec![(1, 0), (4, 1)],
            vec![(2, 2)],
            vec![(3, 3)],
            vec![(1, 4)],
            vec![],
        ];
        assert_eq!(find_cycle(&adjacency), Some(vec![1, 2, 3, 1]));
        // A DAG with a diamond has none.
        let diamond = vec![vec![(1, 0), (2, 1)], vec![(3, 2)], vec![(3, 3)], vec![]];
        assert_eq!(find_cycle(&diamond), None);
        // A ring of a million nodes, on a test thread's 2 MiB stack: one recursive call per
        // node would need far more.
        let n = 1_000_000;
        let ring: Vec<Vec<(usize, usize)>> = (0..n).map(|v| vec![((v + 1) % n, v)]).collect();
        let cycle = find_cycle(&ring).expect("a ring is a cycle");
        assert_eq!(cycle.len(), n + 1);
        assert_eq!((cycle[0], cycle[n - 1], cycle[n]), (0, n - 1, 0));
    }

    /// The bundled tutorial, a valid scenario whose first node is a mine of antimony.
    const TUTORIAL: &str = include_str!("../../scenarios/tutorial.toml");
    const FIRST_MINE: &str = "capacity = { antimony = 40000 }";

    #[test]
    fn a_syntax_error_names_the_key_only_when_it_is_in_that_key_s_value() {
        let at = |text: &str, marker: &str| {
            let at = text.find(marker).expect("marker in the text");
            key_of_value_at(text, at).map(|key| (key.path, key.value))
        };
        let text = "[[variant]]\nid = \"a\"\n[[variant]]\nid = \"b\"\n[variant.set]\nx = 1 2 # c\n";
        assert_eq!(
            at(text, "1 2"),
            Some(("variant[1].set.x".to_string(), "1 2".to_string()))
        );
        // Before the `=`, or at the start of the next line (an unclosed array's error): no key.
        assert_eq!(at(text, "x ="), None);
        let text = "[scenario]\nfoo = [1, 2\nhorizon_months = 12\n";
        assert_eq!(at(text, "horizon_months"), None);
        // Quoted keys are not guessed at.
        assert_eq!(at("\"a.b\" = \n", " \n"), None);
        // A top-level key, and a header's trailing comment.
        assert_eq!(
            at("seed = \n", " \n").map(|k| k.0),
            Some("seed".to_string())
        );
        let text = "[scenario] # the header\nstart = 2026-1\n";
        assert_eq!(
            at(text, "2026-1").map(|k| k.0),
            Some("scenario.start".to_string())
        );
    }

    #[test]
    fn integers_beyond_64_bits_are_numbers_where_a_number_is_expected() {
        let text = TUTORIAL.replace(
            FIRST_MINE,
            "capacity = { antimony = 100_000_000_000_000_000_000 }",
        );
        let model = validate(&text, "tutorial").expect("a 1e20 capacity written out is valid");
        assert_eq!(model.network.nodes[0].capacity_t_per_year[0], Some(1e20));
        // A whole-number key still refuses them, without naming a range its own rule (here
        // 1 to 1200) would contradict.
        let text = TUTORIAL.replace(
            "horizon_months = 60",
            "horizon_months = 9223372036854775808",
        );
        let problems = validate(&text, "tutorial").expect_err("beyond 64 bits");
        assert_eq!(problems[0].path, "scenario.horizon_months");
        assert_eq!(
            problems[0].message,
            "integer 9223372036854775808 is too large; no whole-number key accepts more than \
             9223372036854775807"
        );
        let text = TUTORIAL.replace(
            "horizon_months = 60",
            "horizon_months = -9223372036854775809",
        );
        let problems = validate(&text, "tutorial").expect_err("beyond 64 bits");
        assert!(
            problems[0].message.starts_with(
                "integer -9223372036854775809 is too small; no whole-number key accepts less"
            ),
            "{}",
            problems[0].message
        );
        // So does any key for a hexadecimal integer beyond a signed 64-bit one, quoted with its
        // prefix (0x8000000000000000 fits 64 bits, but not signed).
        let hexadecimal = "integer 0x8000000000000000 is too large: hexadecimal, octal and binary \
                           integers are at most 0x7fffffffffffffff (9223372036854775807)";
        let text = TUTORIAL.replace(FIRST_MINE, "capacity = { antimony = 0x8000000000000000 }");
        let problems = validate(&text, "tutorial").expect_err("hexadecimal beyond 64 bits");
        assert_eq!(problems[0].path, "node[0].capacity.antimony");
        assert_eq!(problems[0].message, hexadecimal);
        let text = TUTORIAL.replace("horizon_months = 60", "horizon_months = 0x8000000000000000");
        let problems = validate(&text, "tutorial").expect_err("hexadecimal beyond 64 bits");
        assert_eq!(problems[0].path, "scenario.horizon_months");
        assert_eq!(problems[0].message, hexadecimal);
        // A decimal beyond f64 in a number key: quoted short.
        let huge = format!("capacity = {{ antimony = 1{} }}", "0".repeat(320));
        let problems =
            validate(&TUTORIAL.replace(FIRST_MINE, &huge), "tutorial").expect_err("beyond f64");
        assert_eq!(
            problems[0].message,
            "integer 10000000000000000000…, 321 digits is too large for a number (the largest is \
             about 1.8e308)"
        );
    }

    #[test]
    fn a_quoted_percentile_is_rounded_up_to_four_digits() {
        assert_eq!(ceil_to_four_digits(1_934_428.489_096_810_8), 1_935_000.0);
        assert_eq!(ceil_to_four_digits(1_000_117_608.0), 1_001_000_000.0);
        // Just above a limit stays above it when shown.
        assert_eq!(ceil_to_four_digits(10_000.3), 10_010.0);
        assert_eq!(ceil_to_four_digits(0.123_456), 0.1235);
        assert_eq!(ceil_to_four_digits(12.0), 12.0);
        assert_eq!(ceil_to_four_digits(0.0), 0.0);
        assert!(ceil_to_four_digits(f64::NAN).is_nan());
        assert_eq!(ceil_to_four_digits(f64::MAX), f64::MAX);
        assert_eq!(ceil_to_four_digits(1.7971e308), 1.7971e308);
        assert_eq!(ceil_to_four_digits(1.234_7e-320), 1.235e-320);
        // Far from 1 the digits stay exact.
        assert_eq!(show(ceil_to_four_digits(3.21e250)), "3.21e250");
        assert_eq!(show(ceil_to_four_digits(4.4e-250)), "4.4e-250");
    }

    #[test]
    fn globs_match_whole_ids() {
        assert!(glob_match("pk_*", "pk_mine"));
        assert!(!glob_match("pk_*", "old_pk_mine"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("*_mine", "pk_mine"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }
}

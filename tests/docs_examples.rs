//! The scenario-format reference (`docs/scenario-format.md`) checked against the validator, so
//! that the page cannot drift from the code.
//!
//! Rules for the page's fenced blocks:
//! - a ```toml block whose first line that is neither blank nor a comment is `[scenario]` is a
//!   complete scenario and must validate (unless marked `rejected`);
//! - every other ```toml block is a fragment and must at least parse as TOML.
//!
//! An HTML comment on the line before a block (invisible when the page is rendered) asks for
//! more:
//! - `<!-- doc-test: base -->`: the complete scenario that fragments extend (exactly one);
//! - `<!-- doc-test: extends base -->`: the base followed by this fragment must validate;
//! - `<!-- doc-test: rejected as FILE -->`: this complete scenario must be rejected, and the
//!   ```text block right after it must be exactly what `supplyrisk check FILE` prints;
//! - `<!-- doc-test: messages -->`: every line of this ```text block must be the
//!   `path: message` of a problem reported for one of the files in `tests/bad_input/`.
//!
//! Besides the blocks, the key tables must name every key the validator accepts: the valid
//! keys that each "unknown key" message lists, the settable keys of `set`, and the forms of
//! `dist`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use supplyrisk::scenario::validate::validate;
use supplyrisk::scenario::{Problem, ScenarioError};

const MARKER_START: &str = "<!-- doc-test:";
const MARKER_END: &str = "-->";

/// A fenced block of the page.
#[derive(Debug)]
struct Block {
    /// The fence's language (`toml`, `text`, ...).
    language: String,
    /// The `doc-test:` marker on the line before the fence, without the comment syntax.
    marker: Option<String>,
    /// 1-based line of the opening fence, for failure messages.
    line: usize,
    /// The block's content, with a final newline.
    text: String,
}

impl Block {
    /// Whether the block is a complete scenario: its first significant line is `[scenario]`.
    fn is_complete_scenario(&self) -> bool {
        self.language == "toml"
            && self
                .text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                == Some("[scenario]")
    }
}

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md")
}

fn read_doc() -> String {
    std::fs::read_to_string(doc_path()).expect("docs/scenario-format.md is readable")
}

/// Splits the page into fenced blocks; panics on an unterminated fence or a marker that is not
/// followed by a fence (a mistyped marker must not silently disable a check).
fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = doc.lines().enumerate().peekable();
    let mut marker: Option<(usize, String)> = None;
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(MARKER_START) {
            assert!(
                marker.is_none(),
                "line {}: two doc-test markers in a row",
                i + 1
            );
            let inner = rest
                .strip_suffix(MARKER_END)
                .unwrap_or_else(|| panic!("line {}: a doc-test marker must end with -->", i + 1));
            marker = Some((i + 1, inner.trim().to_string()));
            continue;
        }
        if let Some(language) = line.strip_prefix("```") {
            let language = language.split_whitespace().next().unwrap_or("").to_string();
            let mut text = String::new();
            let mut closed = false;
            for (_, inner) in lines.by_ref() {
                if inner.trim_end() == "```" {
                    closed = true;
                    break;
                }
                text.push_str(inner);
                text.push('\n');
            }
            assert!(closed, "line {}: the fenced block is never closed", i + 1);
            out.push(Block {
                language,
                marker: marker.take().map(|(_, m)| m),
                line: i + 1,
                text,
            });
            continue;
        }
        if !trimmed.is_empty()
            && let Some((at, m)) = &marker
        {
            panic!("line {at}: marker `{m}` is not followed by a fenced block");
        }
    }
    if let Some((at, m)) = marker {
        panic!("line {at}: marker `{m}` is not followed by a fenced block");
    }
    out
}

/// Every problem rendered as the page quotes it: `path: message`.
fn path_and_message(problem: &Problem) -> String {
    if problem.path.is_empty() {
        problem.message.clone()
    } else {
        format!("{}: {}", problem.path, problem.message)
    }
}

fn describe(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.render("doc"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The one block marked `base`.
fn base(blocks: &[Block]) -> &Block {
    let bases: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.marker.as_deref() == Some("base"))
        .collect();
    assert_eq!(bases.len(), 1, "expected exactly one `base` block");
    assert!(
        bases[0].is_complete_scenario(),
        "the base block (line {}) must be a complete scenario",
        bases[0].line
    );
    bases[0]
}

#[test]
fn every_marker_is_known_and_every_block_has_a_language() {
    let doc = read_doc();
    for block in blocks(&doc) {
        assert!(
            ["toml", "text"].contains(&block.language.as_str()),
            "line {}: fenced block with language {:?}; use toml or text",
            block.line,
            block.language
        );
        if let Some(marker) = &block.marker {
            let known = marker == "base"
                || marker == "extends base"
                || marker == "messages"
                || marker.strip_prefix("rejected as ").is_some();
            assert!(known, "line {}: unknown marker `{marker}`", block.line);
            let expected_language = if marker == "messages" { "text" } else { "toml" };
            assert_eq!(
                block.language, expected_language,
                "line {}: marker `{marker}` goes before a {expected_language} block",
                block.line
            );
        }
    }
}

#[test]
fn complete_scenarios_validate() {
    let doc = read_doc();
    let mut checked = 0;
    for block in blocks(&doc) {
        let rejected = block
            .marker
            .as_deref()
            .is_some_and(|m| m.starts_with("rejected as "));
        if !block.is_complete_scenario() || rejected {
            continue;
        }
        if let Err(problems) = validate(&block.text, "doc") {
            panic!(
                "the scenario at line {} does not validate:\n{}",
                block.line,
                describe(&problems)
            );
        }
        checked += 1;
    }
    // The minimal scenario and the example network.
    assert!(checked >= 2, "only {checked} complete scenarios found");
}

#[test]
fn fragments_parse_as_toml() {
    let doc = read_doc();
    let mut checked = 0;
    for block in blocks(&doc) {
        if block.language != "toml" || block.is_complete_scenario() {
            continue;
        }
        if let Err(error) = toml::from_str::<toml::Table>(&block.text) {
            panic!(
                "the fragment at line {} is not valid TOML: {error}",
                block.line
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} fragments found");
}

#[test]
fn fragments_extending_the_base_validate() {
    let doc = read_doc();
    let blocks = blocks(&doc);
    let base = base(&blocks);
    let mut checked = 0;
    for block in &blocks {
        if block.marker.as_deref() != Some("extends base") {
            continue;
        }
        assert!(
            !block.is_complete_scenario(),
            "line {}: a block that extends the base must be a fragment",
            block.line
        );
        let text = format!("{}\n{}", base.text, block.text);
        if let Err(problems) = validate(&text, "doc") {
            panic!(
                "the example network followed by the fragment at line {} does not validate \
                 (lines count from the start of the example network):\n{}",
                block.line,
                describe(&problems)
            );
        }
        checked += 1;
    }
    // One per node kind, edge, disruption kind and recipe at least.
    assert!(checked >= 15, "only {checked} fragments extend the base");
}

#[test]
fn the_rejected_example_prints_exactly_what_the_page_shows() {
    let doc = read_doc();
    let blocks = blocks(&doc);
    let mut checked = 0;
    for (i, block) in blocks.iter().enumerate() {
        let Some(file) = block
            .marker
            .as_deref()
            .and_then(|m| m.strip_prefix("rejected as "))
        else {
            continue;
        };
        assert!(
            block.is_complete_scenario(),
            "line {}: a rejected example must be a complete scenario, so that its line numbers are the reader's",
            block.line
        );
        let shown = blocks
            .get(i + 1)
            .filter(|b| b.language == "text" && b.marker.is_none())
            .unwrap_or_else(|| {
                panic!(
                    "line {}: a rejected example must be followed by the ```text block of its output",
                    block.line
                )
            });
        let problems = match validate(&block.text, "bad") {
            Ok(_) => panic!("the example at line {} is accepted", block.line),
            Err(problems) => problems,
        };
        let printed = format!(
            "error: {}",
            ScenarioError::Invalid {
                file: file.to_string(),
                problems,
            }
        );
        assert_eq!(
            shown.text.trim_end(),
            printed,
            "the output shown at line {} is not what check prints",
            shown.line
        );
        checked += 1;
    }
    assert!(checked >= 1, "no rejected example found");
}

/// `path: message` of every problem of every file in `tests/bad_input/`.
fn bad_input_messages() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("tests/bad_input exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable case");
        let stem = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        if let Err(problems) = validate(&text, &stem) {
            out.extend(problems.iter().map(path_and_message));
        }
    }
    out
}

#[test]
fn quoted_messages_are_real_messages() {
    let doc = read_doc();
    let real = bad_input_messages();
    let mut quoted = 0;
    let mut missing = Vec::new();
    for block in blocks(&doc) {
        if block.marker.as_deref() != Some("messages") {
            continue;
        }
        for line in block.text.lines().filter(|l| !l.trim().is_empty()) {
            quoted += 1;
            if !real.contains(line) {
                missing.push(format!("  (block at line {}) {line}", block.line));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} quoted messages are not produced by any tests/bad_input case:\n{}",
        missing.len(),
        missing.join("\n")
    );
    assert!(quoted >= 60, "only {quoted} messages quoted");
}

/// The problems of the base followed by `fragment` (which must be rejected).
fn problems_of(base: &str, fragment: &str) -> Vec<Problem> {
    match validate(&format!("{base}\n{fragment}"), "doc") {
        Ok(_) => panic!("expected the fragment to be rejected:\n{fragment}"),
        Err(problems) => problems,
    }
}

/// The list that follows `after` in the first message containing it, split on ", ".
fn listed_after(problems: &[Problem], after: &str) -> Vec<String> {
    let message = problems
        .iter()
        .map(|p| p.message.as_str())
        .find(|m| m.contains(after))
        .unwrap_or_else(|| panic!("no message contains {after:?}: {problems:?}"));
    let list = &message[message.find(after).expect("found") + after.len()..];
    list.split(", ")
        .map(|k| k.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_key_tables_name_every_key_the_validator_accepts() {
    let doc = read_doc();
    let blocks = blocks(&doc);
    let base = base(&blocks).text.as_str();
    let unknown = "zzz_unknown = 1\n";
    let with_unknown_header_key =
        base.replacen("[scenario]\n", &format!("[scenario]\n{unknown}"), 1);
    let tables: Vec<(&str, String)> = vec![
        ("the file", format!("{unknown}{base}")),
        ("[scenario]", with_unknown_header_key),
        (
            "[[commodity]]",
            format!("{base}\n[[commodity]]\nid = \"zz\"\n{unknown}"),
        ),
        (
            "a mine",
            format!(
                "{base}\n[[node]]\nid = \"zz\"\nkind = \"mine\"\ncountry = \"ZZ\"\ncapacity = {{ antimony = 1 }}\n{unknown}"
            ),
        ),
        (
            "a refinery",
            format!(
                "{base}\n[[node]]\nid = \"zz\"\nkind = \"refinery\"\ncountry = \"ZZ\"\ncapacity = {{ antimony = 1 }}\n{unknown}"
            ),
        ),
        (
            "a hub",
            format!("{base}\n[[node]]\nid = \"zz\"\nkind = \"hub\"\ncountry = \"ZZ\"\n{unknown}"),
        ),
        (
            "a market",
            format!(
                "{base}\n[[node]]\nid = \"zz\"\nkind = \"market\"\ncountry = \"ZZ\"\ndemand = {{ antimony = 1 }}\n{unknown}"
            ),
        ),
        (
            "[[edge]]",
            format!("{base}\n[[edge]]\nfrom = \"tj_mines\"\nto = \"us\"\n{unknown}"),
        ),
        (
            "incidents",
            format!(
                "{base}\n[[disruption]]\nid = \"zz\"\nkind = \"incidents\"\nrate_per_year = 1\ntargets = [\"tj_mines\"]\nseverity = 1\nduration_days = 1\n{unknown}"
            ),
        ),
        (
            "regime",
            format!(
                "{base}\n[[disruption]]\nid = \"zz\"\nkind = \"regime\"\nstates = [\"a\"]\ninitial = \"a\"\ntransitions = [[1.0]]\n{unknown}"
            ),
        ),
        (
            "an effect",
            format!(
                "{base}\n[[disruption]]\nid = \"zz\"\nkind = \"regime\"\nstates = [\"a\"]\ninitial = \"a\"\ntransitions = [[1.0]]\n[[disruption.effect]]\nstate = \"a\"\nexporter = \"CN\"\nfactor = 0.5\n{unknown}"
            ),
        ),
        (
            "project",
            format!(
                "{base}\n[[disruption]]\nid = \"zz\"\nkind = \"project\"\ntargets = [\"tj_mines\"]\nonline_month = 1\n{unknown}"
            ),
        ),
        (
            "[[variant]]",
            format!("{base}\n[[variant]]\nid = \"zz\"\n{unknown}"),
        ),
    ];
    let mut undocumented = Vec::new();
    for (table, text) in &tables {
        let problems = match validate(text, "doc") {
            Ok(_) => panic!("an unknown key in {table} was accepted"),
            Err(problems) => problems,
        };
        for key in listed_after(&problems, "valid keys are ") {
            if !doc.contains(&format!("`{key}`")) {
                undocumented.push(format!("{table}: `{key}`"));
            }
        }
    }

    // Distribution forms and their parameters.
    let forms = listed_after(
        &problems_of(
            base,
            "[[disruption]]\nid = \"zz\"\nkind = \"project\"\ntargets = [\"tj_mines\"]\nonline_month = { dist = \"zzz\" }\n",
        ),
        "expected one of ",
    );
    assert!(forms.len() >= 10, "too few forms: {forms:?}");
    for form in &forms {
        if !doc.contains(&format!("dist = \"{form}\"")) {
            undocumented.push(format!("distribution form {form:?}"));
        }
        let fragment = format!(
            "[[disruption]]\nid = \"zz\"\nkind = \"project\"\ntargets = [\"tj_mines\"]\nonline_month = {{ dist = \"{form}\", zzz_unknown = 1 }}\n"
        );
        for key in listed_after(&problems_of(base, &fragment), "valid keys are ") {
            if !doc.contains(&format!("`{key}`")) {
                undocumented.push(format!("{form} parameter `{key}`"));
            }
        }
    }

    // Keys of `set`, for each kind of node and disruption.
    let disruptions = "[[disruption]]\nid = \"zz_incidents\"\nkind = \"incidents\"\nrate_per_year = 1\ntargets = [\"tj_mines\"]\nseverity = 1\nduration_days = 1\n\
        [[disruption]]\nid = \"zz_regime\"\nkind = \"regime\"\nstates = [\"a\"]\ninitial = \"a\"\ntransitions = [[1.0]]\n\
        [[disruption]]\nid = \"zz_project\"\nkind = \"project\"\ntargets = [\"tj_mines\"]\nonline_month = 1\n";
    for target in ["tj_mines", "us", "zz_incidents", "zz_regime", "zz_project"] {
        let fragment = format!(
            "{disruptions}[[variant]]\nid = \"zz\"\n[variant.set]\n\"{target}.zzz_unknown\" = 1\n"
        );
        for key in listed_after(&problems_of(base, &fragment), "settable keys are ") {
            if !doc.contains(&format!("\"<id>.{key}\"")) {
                undocumented.push(format!("`set` key \"<id>.{key}\" (on {target})"));
            }
        }
    }

    assert!(
        undocumented.is_empty(),
        "the reference does not document:\n{}",
        undocumented.join("\n")
    );
}

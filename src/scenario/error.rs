//! Errors of loading a scenario: every problem with its file, line, column, TOML path and remedy.

use std::fmt;
use std::ops::Range;

/// Byte offsets to 1-based line and column numbers, for messages that point into a file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { line_starts }
    }

    /// The 1-based line and column (in characters) of byte offset `offset` in `text`.
    pub fn locate(&self, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let mut column = text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count());
        // A byte-order mark takes no column in an editor.
        if line == 0 && text.starts_with('\u{feff}') && offset >= '\u{feff}'.len_utf8() {
            column -= 1;
        }
        Location {
            line: line + 1,
            column: column + 1,
        }
    }
}

/// A 1-based line and column in a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

/// One thing wrong with a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the file, when known.
    pub location: Option<Location>,
    /// The TOML path of the offending key, e.g. `disruption[1].transitions[0]`.
    pub path: String,
    /// What is wrong, with the offending value and what would be valid.
    pub message: String,
}

/// Why a scenario could not be loaded. Every variant is something the user fixes (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error(
        "cannot read scenario `{file}`: {reason}\n  (a bundled scenario can be named without a path; `supplyrisk list` shows them)"
    )]
    Unreadable {
        /// The file as the user named it.
        file: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The file is larger than any sensible scenario.
    #[error(
        "scenario `{file}` is {}{size} bytes; a scenario file must be at most {limit} bytes (is this the right file?)",
        if *.at_least { "more than " } else { "" }
    )]
    TooLarge {
        /// The file as the user named it.
        file: String,
        /// Its size in bytes; with `at_least`, the bytes read before giving up.
        size: u64,
        /// Whether the size is only a lower bound (a stream or device, read up to the limit).
        at_least: bool,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{file}:{line}:{column}: the file is not UTF-8 text (is this a TOML scenario file?)")]
    NotText {
        /// The file as the user named it.
        file: String,
        /// Line of the first invalid byte.
        line: usize,
        /// Column of the first invalid byte.
        column: usize,
    },
    /// The file is not valid TOML, or its content breaks the scenario rules.
    #[error("{}", render_problems(file, problems))]
    Invalid {
        /// The file as the user named it.
        file: String,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// The problems of an invalid scenario (empty for the other kinds).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn render_problems(file: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    let count = problems.len();
    let noun = if count == 1 { "problem" } else { "problems" };
    out.push_str(&format!("scenario `{file}` has {count} {noun}:"));
    for problem in problems {
        out.push_str("\n  ");
        out.push_str(&problem.render(file));
    }
    out
}

impl Problem {
    /// `file:line:column: path: message`, the form every message takes.
    pub fn render(&self, file: &str) -> String {
        let place = match self.location {
            Some(loc) => format!("{file}:{}:{}", loc.line, loc.column),
            None => file.to_string(),
        };
        if self.path.is_empty() {
            format!("{place}: {}", self.message)
        } else {
            format!("{place}: {}: {}", self.path, self.message)
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("<scenario>"))
    }
}

/// Collects problems while a scenario is read, turning byte spans into lines and columns.
#[derive(Debug)]
pub struct Problems<'a> {
    text: &'a str,
    index: LineIndex,
    list: Vec<(usize, Problem)>,
}

impl<'a> Problems<'a> {
    /// A collector for problems in `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            index: LineIndex::new(text),
            list: Vec::new(),
        }
    }

    /// Records a problem at byte span `span` (its start is reported).
    pub fn at(&mut self, span: &Range<usize>, path: impl Into<String>, message: impl Into<String>) {
        let location = self.index.locate(self.text, span.start);
        self.list.push((
            span.start,
            Problem {
                location: Some(location),
                path: path.into(),
                message: message.into(),
            },
        ));
    }

    /// Records a problem with no place in the file.
    pub fn general(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push((
            usize::MAX,
            Problem {
                location: None,
                path: path.into(),
                message: message.into(),
            },
        ));
    }

    /// The source text of `span`, shortened for messages.
    pub fn source(&self, span: &Range<usize>) -> String {
        let text = self.text.get(span.clone()).unwrap_or("").trim();
        if text.chars().count() > 60 {
            format!("{}…", text.chars().take(60).collect::<String>())
        } else {
            text.to_string()
        }
    }

    /// Number of problems so far.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems in file order (stable for equal positions), duplicates removed.
    pub fn into_sorted(self) -> Vec<Problem> {
        let mut list = self.list;
        list.sort_by_key(|(offset, _)| *offset);
        let mut out: Vec<Problem> = Vec::with_capacity(list.len());
        for (_, p) in list {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// The longest word (in characters) that gets a suggestion: the edit distance takes time and
/// memory in the product of the two lengths, and a typo in a 30,000-character id once took
/// 12 s and 7 GB to suggest.
const MAX_SUGGESTED_CHARS: usize = 64;

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
/// Words or candidates longer than 64 characters get no suggestion.
pub fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word_chars = word.chars().count();
    if word_chars > MAX_SUGGESTED_CHARS {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let limit = (candidate.len().max(word.len()) / 3).max(1);
        let candidate_chars = candidate.chars().count();
        // The distance is at least the difference in length.
        if candidate_chars > MAX_SUGGESTED_CHARS || candidate_chars.abs_diff(word_chars) > limit {
            continue;
        }
        let distance = edit_distance(word, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits): a swap of
/// two adjacent letters, the commonest typo, counts as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns_in_characters() {
        let text = "a = 1\nbé = 2\n\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.locate(text, 0), Location { line: 1, column: 1 });
        assert_eq!(index.locate(text, 6), Location { line: 2, column: 1 });
        // 'é' is two bytes but one column: the space after it is column 3.
        assert_eq!(index.locate(text, 9), Location { line: 2, column: 3 });
        assert_eq!(index.locate(text, 15), Location { line: 4, column: 1 });
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let text = "\u{feff}a = 1\nb = 2";
        let index = LineIndex::new(text);
        // 'a' right after the 3-byte mark is column 1, '=' column 3; line 2 is unaffected.
        assert_eq!(index.locate(text, 3), Location { line: 1, column: 1 });
        assert_eq!(index.locate(text, 5), Location { line: 1, column: 3 });
        assert_eq!(index.locate(text, 9), Location { line: 2, column: 1 });
    }

    #[test]
    fn long_words_get_no_suggestion_and_cost_nothing() {
        // A 30,000-character id with a typo once took 12 s and 7 GB (review, 2026-11-30).
        let long = "a".repeat(30_000);
        let typo = format!("{}b", &long[1..]);
        let start = std::time::Instant::now();
        assert_eq!(suggest(&typo, [long.as_str()]), None);
        assert!(start.elapsed().as_secs_f64() < 1.0, "{:?}", start.elapsed());
        // At the limit, suggestions work as for short words.
        let at_limit = "a".repeat(MAX_SUGGESTED_CHARS);
        let near = format!("{}b", &at_limit[1..]);
        assert_eq!(suggest(&near, [at_limit.as_str()]), Some(at_limit.as_str()));
    }

    #[test]
    fn suggests_close_words_only() {
        let candidates = ["capacity", "cost", "commodities"];
        assert_eq!(suggest("capcity", candidates), Some("capacity"));
        assert_eq!(suggest("cots", candidates), Some("cost"));
        assert_eq!(suggest("weights", candidates), None);
    }
}

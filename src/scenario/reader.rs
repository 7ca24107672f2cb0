//! Typed, spanned reading of a parsed TOML document that records every problem instead of
//! stopping at the first (serde's derive stops at the first error, and users want them all).

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::scenario::error::{Problems, suggest};

/// An integer literal beyond 64 bits as a message quotes it: with its radix prefix, and cut
/// short when it is long (`12345678901234567890…, 321 digits`).
fn literal(digits: &str, radix: u32) -> String {
    let prefix = match radix {
        16 => "0x",
        8 => "0o",
        2 => "0b",
        _ => "",
    };
    let count = digits.chars().filter(char::is_ascii_alphanumeric).count();
    if digits.len() <= 24 {
        format!("{prefix}{digits}")
    } else {
        let head: String = digits.chars().take(20).collect();
        format!("{prefix}{head}…, {count} digits")
    }
}

/// The message for an integer beyond what a 64-bit signed integer holds, in a whole-number key
/// (`whole`) or a number key: what no such key accepts, without naming a range that a key's own
/// (narrower) rule would contradict; that rule applies to values within it. A number key takes
/// a decimal integer beyond 64 bits as a number, so only a decimal beyond f64 reaches it.
fn integer_out_of_range(digits: &str, radix: u32, whole: bool) -> String {
    let text = literal(digits, radix);
    if radix != 10 {
        format!(
            "integer {text} is too large: hexadecimal, octal and binary integers are at most \
             0x7fffffffffffffff (9223372036854775807)"
        )
    } else if !whole {
        format!("integer {text} is too large for a number (the largest is about 1.8e308)")
    } else if digits.trim_start().starts_with('-') {
        format!(
            "integer {text} is too small; no whole-number key accepts less than -9223372036854775808"
        )
    } else {
        format!(
            "integer {text} is too large; no whole-number key accepts more than 9223372036854775807"
        )
    }
}

/// A value with the byte span of its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Byte range in the file.
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    /// Wraps `value` found at `span`.
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }
}

/// A TOML table with where it is and how to name it in messages.
#[derive(Clone, Copy)]
pub struct TableRef<'d, 'i> {
    /// The table's entries.
    pub table: &'d DeTable<'i>,
    /// Where the table starts (its header, or its inline braces).
    pub span: &'d Range<usize>,
    /// Its TOML path, e.g. `node[3]`.
    pub path: &'d str,
}

impl<'d, 'i> TableRef<'d, 'i> {
    /// The entry `key`, with its key's span.
    pub fn get(&self, key: &str) -> Option<(&'d Spanned<DeValue<'i>>, Range<usize>)> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, v)| (v, k.span()))
    }

    /// How many strings the array at `key` has, when it is a non-empty array of strings: the
    /// length that keys listing one value per entry must match, known even when some names
    /// are wrong (empty, repeated, unknown). `None` when an entry is not a string: the count
    /// of such a list is not what its author meant, so nothing is checked against it.
    pub fn string_entries(&self, key: &str) -> Option<usize> {
        match self.get(key)?.0.get_ref() {
            DeValue::Array(items)
                if !items.is_empty()
                    && items
                        .iter()
                        .all(|item| matches!(item.get_ref(), DeValue::String(_))) =>
            {
                Some(items.len())
            }
            _ => None,
        }
    }

    /// The path of `key` in this table.
    pub fn child(&self, key: &str) -> String {
        join(self.path, key)
    }
}

/// `parent.key`, or `key` at the top level.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Describes a TOML value's type for "expected X, found Y" messages.
pub fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("string {:?}", truncate(s, 40)),
        DeValue::Integer(i) => format!("integer {}", i.as_str()),
        DeValue::Float(f) => format!("number {}", f.as_str()),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => format!("date-time {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// The list a string written for one most likely meant, as a hint: `"US"` is `["US"]` and
/// `"CN, US"` is `["CN", "US"]`; a long one gets the form only.
fn list_hint(text: &str) -> String {
    let items: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| format!("{item:?}"))
        .collect();
    let list = format!("[{}]", items.join(", "));
    if items.is_empty() || list.chars().count() > 60 {
        " (write a list: [\"a\", \"b\"])".to_string()
    } else {
        format!(" (write {list})")
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…")
    }
}

/// Reads typed values out of spanned TOML, collecting problems.
pub struct Reader<'a> {
    /// The problems found so far.
    pub problems: Problems<'a>,
    /// (table path, key) pairs already suggested for a misspelt key: a "missing" report for
    /// them would only repeat the typo.
    suggested: Vec<(String, String)>,
}

impl<'a> Reader<'a> {
    /// A reader whose problems point into `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            problems: Problems::new(text),
            suggested: Vec::new(),
        }
    }

    /// Records a problem.
    pub fn error(
        &mut self,
        span: &Range<usize>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.problems.at(span, path, message);
    }

    /// Reports every key of `t` not in `allowed`, suggesting the closest allowed key.
    pub fn check_keys(&mut self, t: TableRef<'_, '_>, allowed: &[&str], what: &str) {
        for (key, _) in t.table.iter() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) {
                continue;
            }
            let hint = match suggest(name, allowed.iter().copied()) {
                Some(s) => {
                    self.suggested.push((t.path.to_string(), s.to_string()));
                    format!(" (did you mean `{s}`?)")
                }
                None => String::new(),
            };
            let message = format!(
                "unknown key `{name}` in {what}{hint}; valid keys are {}",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            self.error(&key.span(), t.child(name), message);
        }
    }

    /// Reports a missing required key at the table's start.
    pub fn missing(&mut self, t: TableRef<'_, '_>, key: &str, meaning: &str) {
        if self.suggested.iter().any(|(p, k)| p == t.path && k == key) {
            return;
        }
        self.error(
            t.span,
            t.child(key),
            format!("missing required key `{key}` ({meaning})"),
        );
    }

    /// A string entry; reports a wrong type.
    pub fn string(&mut self, t: TableRef<'_, '_>, key: &str) -> Option<Sp<String>> {
        let (value, key_span) = t.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Sp::new(s.to_string(), value.span())),
            other => {
                let found = describe(other);
                self.error(
                    &key_span,
                    t.child(key),
                    format!("expected a string, found {found}"),
                );
                None
            }
        }
    }

    /// A display name: a string of one line, since titles, table rows and chart captions
    /// show it as one (a line break in a scenario's name broke `report.md`'s title).
    pub fn one_line(&mut self, t: TableRef<'_, '_>, key: &str) -> Option<Sp<String>> {
        let text = self.string(t, key)?;
        if let Some(c) = text.value.chars().find(|c| c.is_control()) {
            self.error(
                &text.span,
                t.child(key),
                format!(
                    "a name is one line of text, without {}",
                    if c == '\n' || c == '\r' {
                        "line breaks".to_string()
                    } else {
                        format!("control characters ({:?})", c)
                    }
                ),
            );
            return None;
        }
        Some(text)
    }

    /// A required string entry.
    pub fn required_string(
        &mut self,
        t: TableRef<'_, '_>,
        key: &str,
        meaning: &str,
    ) -> Option<Sp<String>> {
        if t.get(key).is_none() {
            self.missing(t, key, meaning);
            return None;
        }
        self.string(t, key)
    }

    /// A boolean entry.
    pub fn boolean(&mut self, t: TableRef<'_, '_>, key: &str) -> Option<Sp<bool>> {
        let (value, key_span) = t.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(*b, value.span())),
            other => {
                let found = describe(other);
                self.error(
                    &key_span,
                    t.child(key),
                    format!("expected true or false, found {found}"),
                );
                None
            }
        }
    }

    /// A finite number (integer or float) from a value; reports wrong types, NaN and infinity.
    pub fn number_value(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<Sp<f64>> {
        let span = value.span();
        match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Sp::new(n as f64, span)),
                // Beyond 64 bits a decimal integer is still a number (`100000000000000000000`
                // means what `1e20` does); only hexadecimal, octal and binary ones are refused.
                Err(_) => match i.as_str().replace('_', "").parse::<f64>() {
                    Ok(x) if i.radix() == 10 && x.is_finite() => Some(Sp::new(x, span)),
                    _ => {
                        let message = integer_out_of_range(i.as_str(), i.radix(), false);
                        self.error(&span, path, message);
                        None
                    }
                },
            },
            DeValue::Float(f) => {
                let text = f.as_str();
                match text.replace('_', "").parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(Sp::new(x, span)),
                    _ => {
                        self.error(
                            &span,
                            path,
                            format!("{text} is not a finite number; expected a finite number"),
                        );
                        None
                    }
                }
            }
            other => {
                let found = describe(other);
                self.error(&span, path, format!("expected a number, found {found}"));
                None
            }
        }
    }

    /// A finite number entry.
    pub fn number(&mut self, t: TableRef<'_, '_>, key: &str) -> Option<Sp<f64>> {
        let (value, _) = t.get(key)?;
        self.number_value(value, &t.child(key))
    }

    /// A whole number entry (an integer, or a float with no fractional part).
    pub fn integer(&mut self, t: TableRef<'_, '_>, key: &str) -> Option<Sp<i64>> {
        let (value, _) = t.get(key)?;
        let path = t.child(key);
        match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Sp::new(n, value.span())),
                Err(_) => {
                    let message = integer_out_of_range(i.as_str(), i.radix(), true);
                    self.error(&value.span(), path, message);
                    None
                }
            },
            DeValue::Float(_) => {
                let x = self.number_value(value, &path)?;
                if x.value.fract() == 0.0 && x.value.abs() < 9.0e15 {
                    Some(Sp::new(x.value as i64, x.span))
                } else {
                    // A float is exact only below 2^53 (~9e15): larger whole numbers must be
                    // written as integers, and none from 2^63 on fits any key.
                    let message = if x.value.fract() != 0.0 {
                        format!(
                            "{} is not a whole number; expected an integer",
                            crate::model::distribution::Num(x.value)
                        )
                    } else if x.value.abs() >= 2f64.powi(63) {
                        format!(
                            "{:e} is out of range; no whole-number key accepts less than \
                             -9223372036854775808 or more than 9223372036854775807",
                            x.value
                        )
                    } else {
                        format!(
                            "{:e} is beyond ±9e15, where a number written with a decimal point or \
                             an exponent is no longer exact; write the integer's digits",
                            x.value
                        )
                    };
                    self.error(&x.span, path, message);
                    None
                }
            }
            other => {
                let found = describe(other);
                self.error(
                    &value.span(),
                    path,
                    format!("expected an integer, found {found}"),
                );
                None
            }
        }
    }

    /// An array of strings from `key`.
    pub fn string_list(&mut self, t: TableRef<'_, '_>, key: &str) -> Option<Sp<Vec<Sp<String>>>> {
        let (value, key_span) = t.get(key)?;
        let path = t.child(key);
        let DeValue::Array(items) = value.get_ref() else {
            let found = describe(value.get_ref());
            self.error(
                &key_span,
                path,
                match value.get_ref() {
                    DeValue::String(text) => {
                        format!(
                            "expected an array of strings, found {found}{}",
                            list_hint(text)
                        )
                    }
                    _ => format!("expected an array of strings, found {found}"),
                },
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut all_strings = true;
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Sp::new(s.to_string(), item.span())),
                other => {
                    let found = describe(other);
                    self.error(
                        &item.span(),
                        format!("{path}[{i}]"),
                        format!("expected a string, found {found}"),
                    );
                    all_strings = false;
                }
            }
        }
        // A list with an item of the wrong type is reported here and not checked further (its
        // strings alone could look empty, or short, to the caller's checks).
        all_strings.then(|| Sp::new(out, value.span()))
    }

    /// An array of finite numbers from a value.
    pub fn number_list_value(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
    ) -> Option<Vec<Sp<f64>>> {
        let DeValue::Array(items) = value.get_ref() else {
            let found = describe(value.get_ref());
            self.error(
                &value.span(),
                path,
                format!("expected an array of numbers, found {found}"),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.number_value(item, &format!("{path}[{i}]")) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A sub-table entry (inline or standard).
    pub fn table<'d, 'i>(
        &mut self,
        t: TableRef<'d, 'i>,
        key: &str,
    ) -> Option<(&'d DeTable<'i>, Range<usize>)> {
        let (value, key_span) = t.get(key)?;
        match value.get_ref() {
            DeValue::Table(inner) => Some((inner, value.span())),
            other => {
                let found = describe(other);
                // A node's per-commodity tables written as one number: show the form.
                let number = match other {
                    DeValue::Integer(i) => Some(i.as_str()),
                    DeValue::Float(f) => Some(f.as_str()),
                    _ => None,
                };
                let expected = match (key, number) {
                    ("capacity" | "demand" | "stock_months", Some(number)) => format!(
                        "a table of one value per commodity, e.g. {key} = {{ <commodity id> = {number} }}"
                    ),
                    _ => "a table".to_string(),
                };
                self.error(
                    &key_span,
                    t.child(key),
                    format!("expected {expected}, found {found}"),
                );
                None
            }
        }
    }

    /// An array of tables (`[[name]]`) at `key`, each with its index and span.
    pub fn tables<'d, 'i>(
        &mut self,
        t: TableRef<'d, 'i>,
        key: &str,
    ) -> Vec<(usize, &'d DeTable<'i>, Range<usize>)> {
        let Some((value, key_span)) = t.get(key) else {
            return Vec::new();
        };
        let path = t.child(key);
        let DeValue::Array(items) = value.get_ref() else {
            let found = describe(value.get_ref());
            self.error(
                &key_span,
                path,
                format!("expected an array of tables (`[[{key}]]`), found {found}"),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(inner) => out.push((i, inner, item.span())),
                other => {
                    let found = describe(other);
                    self.error(
                        &item.span(),
                        format!("{path}[{i}]"),
                        format!("expected a table, found {found}"),
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string written for a list gets the list it most likely meant: one item, or the items
    /// it separates with commas; a long one, or one with no item, gets the form only.
    #[test]
    fn a_string_for_a_list_gets_the_list_it_meant() {
        assert_eq!(list_hint("US"), " (write [\"US\"])");
        assert_eq!(list_hint("CN, US"), " (write [\"CN\", \"US\"])");
        assert_eq!(list_hint(" , "), " (write a list: [\"a\", \"b\"])");
        let long = "a_very_long_node_identifier_that_goes_on, and_another_one_just_as_long";
        assert_eq!(list_hint(long), " (write a list: [\"a\", \"b\"])");
    }
}

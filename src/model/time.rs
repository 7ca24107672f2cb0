//! Calendar time of a scenario: the start month and SPEC's fixed month length.

use std::fmt;

/// Days in a model month: 365.25 / 12. Month m covers days [m·L, (m+1)·L) whatever its calendar length.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    /// Calendar year.
    pub year: i32,
    /// Month of the year, 1..=12.
    pub month: u32,
}

impl YearMonth {
    /// Parses `YYYY-MM` (four-digit year, two-digit month 01..12).
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return None;
        }
        if !bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit) {
            return None;
        }
        let year: i32 = text[..4].parse().ok()?;
        let month: u32 = text[5..].parse().ok()?;
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    /// The month `offset` months after this one.
    pub fn plus(self, offset: u32) -> Self {
        let zero_based = self.year as i64 * 12 + (self.month as i64 - 1) + offset as i64;
        Self {
            year: (zero_based.div_euclid(12)) as i32,
            month: (zero_based.rem_euclid(12) + 1) as u32,
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_steps_months() {
        let start = YearMonth::parse("2026-01").expect("valid");
        assert_eq!(start.plus(0).to_string(), "2026-01");
        assert_eq!(start.plus(11).to_string(), "2026-12");
        assert_eq!(start.plus(12).to_string(), "2027-01");
        assert_eq!(start.plus(119).to_string(), "2035-12");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026/01",
            "abcd-ef",
            "2026-01-01",
        ] {
            assert!(YearMonth::parse(bad).is_none(), "{bad} should be rejected");
        }
    }
}

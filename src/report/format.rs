//! Number formatting shared by every report: machine-exact for files, readable for people.

/// Rust's shortest round-trip form of `x` (SPEC 8), with `-0` written as `0`.
pub fn exact(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x}")
    }
}

/// A tonnage for people: thousands separated, rounded to a sensible precision.
pub fn format_tonnes(t: f64) -> String {
    if (100.0..1e15).contains(&t.abs()) {
        group_thousands(t.round() as i64)
    } else {
        format_quantity(t)
    }
}

/// An integer for people: thousands separated by commas (`8125` is `8,125`).
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A number for people with up to 3 significant decimals, trailing zeros removed.
pub fn format_quantity(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs();
    if magnitude >= 1e15 {
        // Beyond any real tonnage: four significant digits in exponent form ("1e20",
        // "3.333e99"), not dozens of digits.
        let text = format!("{x:.3e}");
        let (mantissa, exponent) = text.split_once('e').expect("exponent form");
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let decimals = if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else if magnitude >= 1.0 {
        2
    } else {
        3
    };
    let text = format!("{x:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "0" || text == "-0" {
        format!("{x:.2e}")
    } else {
        text
    }
}

/// A share as a percentage with one decimal, e.g. `71.0%`.
pub fn format_share(x: f64) -> String {
    let text = format!("{:.1}%", x * 100.0);
    if text == "-0.0%" {
        "0.0%".to_string()
    } else {
        text
    }
}

/// Decimals that show a figure whose uncertainty spans `width` (a CI width, in the unit the
/// figure is printed in) to its first significant digit: 1 for widths of 0.1 or more, up to 3.
pub fn decimals_for(width: f64) -> usize {
    if width.is_nan() || width <= 0.0 || width >= 0.1 {
        1
    } else if width >= 0.01 {
        2
    } else {
        3
    }
}

/// A share in percent with `decimals` decimals, e.g. `87.5%`.
pub fn percent(share: f64, decimals: usize) -> String {
    format!("{}%", plain(share * 100.0, decimals))
}

/// A number with `decimals` decimals and no negative zero (`-0.00` reads `0.00`), e.g. a
/// mean count of months.
pub fn plain(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// A difference of shares in percentage points with a sign (`−` U+2212 or `+`, none for
/// zero), e.g. `−0.6`.
pub fn points(share: f64, decimals: usize) -> String {
    let value = share * 100.0;
    let magnitude = format!("{:.decimals$}", value.abs());
    if magnitude.chars().all(|c| c == '0' || c == '.') {
        magnitude
    } else if value < 0.0 {
        format!("−{magnitude}")
    } else {
        format!("+{magnitude}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_files_and_people() {
        assert_eq!(exact(0.1), "0.1");
        assert_eq!(exact(-0.0), "0");
        assert_eq!(exact(1.0), "1");
        assert_eq!(format_tonnes(28600.0), "28,600");
        assert_eq!(format_tonnes(1234567.4), "1,234,567");
        assert_eq!(format_tonnes(2.5), "2.5");
        assert_eq!(format_quantity(0.375), "0.375");
        assert_eq!(format_quantity(33.333), "33.3");
        assert_eq!(format_quantity(0.0001), "1.00e-4");
        // Beyond any real quantity, exponent form rather than hundreds of digits (review,
        // 2026-11-30), and never a saturated integer.
        assert_eq!(format_quantity(1e300), "1e300");
        assert_eq!(format_quantity(-1e300), "-1e300");
        assert_eq!(format_quantity(1e100 / 3.0), "3.333e99");
        assert_eq!(format_quantity(999_999_999_999_999.0), "999999999999999");
        assert_eq!(format_quantity(1e15), "1e15");
        assert_eq!(format_tonnes(1e300), "1e300");
        assert_eq!(format_tonnes(-2.5e20), "-2.5e20");
        // A distribution's mean can overflow to infinity: shown, not a panic.
        assert_eq!(format_quantity(f64::INFINITY), "inf");
        assert_eq!(format_tonnes(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_quantity(f64::NAN), "NaN");
        assert_eq!(format_share(0.71), "71.0%");
        assert_eq!(points(-0.009, 1), "−0.9");
        assert_eq!(points(0.012, 1), "+1.2");
        assert_eq!(points(-0.0000001, 2), "0.00");
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(percent(0.71, 1), "71.0%");
        assert_eq!(plain(-0.048, 2), "-0.05");
        assert_eq!(plain(-0.004, 2), "0.00");
        assert_eq!(plain(0.148, 2), "0.15");
    }
}

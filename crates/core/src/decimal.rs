//! Decimal numbers as people type them into a blank: `12`, `1250.5`,
//! `-33.8568`. Read here rather than by `str::parse::<f64>`, which also
//! takes `1e3`, `inf` and `NaN` (none of them a figure anyone writes in a
//! report) and whose correctly rounded algorithm and tables would be part of
//! the phone's download for no figure's sake: the values only meet bounds
//! such as 50 people or 90 degrees.

/// The value of `[+-]digits[.digits]`, or `None` for anything else and for
/// a number too long for a double (hundreds of digits, read as infinity):
/// callers compare the value with bounds, and infinity would pass every
/// lower bound. Within a unit in the last place of the exact value.
pub fn parse(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || body.ends_with('.') {
        return None;
    }
    let mut value = 0.0_f64;
    for b in whole.bytes() {
        value = value * 10.0 + f64::from(b - b'0');
    }
    let mut scale = 1.0_f64;
    let mut tail = 0.0_f64;
    // Beyond 17 digits a double holds nothing more of the fraction.
    for b in fraction.bytes().take(17) {
        tail = tail * 10.0 + f64::from(b - b'0');
        scale *= 10.0;
    }
    let value = value + tail / scale;
    value.is_finite().then_some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_what_people_type() {
        assert_eq!(parse("0"), Some(0.0));
        assert_eq!(parse("12"), Some(12.0));
        assert_eq!(parse("007"), Some(7.0));
        assert_eq!(parse("1250.5"), Some(1250.5));
        assert_eq!(parse("-33.856778"), Some(-33.856778));
        assert_eq!(parse("+104.0648"), Some(104.0648));
        assert_eq!(parse("30.6586"), Some(30.6586));
        assert_eq!(parse("0.1"), Some(0.1));
    }

    #[test]
    fn refuses_what_is_no_plain_decimal() {
        for text in [
            "", "-", "+", ".", "1.", ".5", "1e3", "inf", "NaN", "1,5", "1.2.3", " 1", "1 ", "--1", "０",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        assert_eq!(parse(&"9".repeat(400)), None, "too long for a double");
        assert!(parse(&"9".repeat(300)).is_some_and(f64::is_finite));
    }

    #[test]
    fn agrees_with_the_standard_parser_to_a_unit_in_the_last_place() {
        for text in [
            "90",
            "90.000001",
            "179.999999",
            "10000.0",
            "4999.9",
            "0.30000000000000004",
            "123456789.987654321",
        ] {
            let ours = parse(text).expect("a decimal");
            let std: f64 = text.parse().expect("a float");
            assert!(
                (ours - std).abs() <= std.abs() * f64::EPSILON,
                "{text}: {ours} vs {std}"
            );
        }
    }

    #[test]
    fn bounds_are_exact() {
        // Whole numbers and the bounds they meet are exact in a double.
        assert!(parse("50").expect("n") >= 50.0);
        assert!(parse("49").expect("n") < 50.0);
        assert!(parse("90").expect("n") <= 90.0);
        assert!(parse("90.0000001").expect("n") > 90.0);
    }
}

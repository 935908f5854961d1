//! Readers and writers for times as chrono's serde writes them:
//! `2026-12-04T03:11:35.492537Z`, `2026-12-04T11:11:35+08:00`, and without a
//! zone `2024-05-01T08:30:00`.
//!
//! The phone reads only times the server or the phone itself wrote, so it
//! needs none of chrono's general parser, whose format interpreter is the
//! largest part of chrono in the phone's download; and it writes them
//! without chrono's `Display` machinery. The server keeps chrono's reader and
//! writer (the fields say `cfg_attr(target_arch = "wasm32", …)`); the tests
//! check both read and write the same text as chrono.
//!
//! Also Beijing time itself ([`beijing`]) and the date and time blanks as
//! `<input type="date">` and `datetime-local` type them ([`parse_date`],
//! [`parse_datetime`]), which the validator, the thread's deadlines and the
//! readers above share.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::de::Deserializer;
use serde::ser::Serializer;

/// Beijing time: event times are typed as Beijing wall-clock time.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Parses an event time as typed by `<input type="datetime-local">`:
/// `2026-11-23T09:41`, or with seconds, `2026-11-23T09:41:30`.
pub fn parse_datetime(value: &str) -> Option<NaiveDateTime> {
    let (date, time) = value.split_once('T')?;
    let mut parts = time.split(':');
    let hour = two_typed_digits(parts.next()?)?;
    let minute = two_typed_digits(parts.next()?)?;
    let second = parts.next().map_or(Some(0), two_typed_digits)?;
    if parts.next().is_some() {
        return None;
    }
    parse_date(date)?.and_hms_opt(hour, minute, second)
}

/// Parses a day as typed by `<input type="date">`: `2026-11-30`.
///
/// Both parsers are written out rather than done by chrono's `%Y-%m-%d`
/// format interpreter, which would be the largest part of chrono in the
/// phone's download.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.split('-');
    let year = parts.next().filter(|y| y.len() == 4)?;
    let year = year.bytes().all(|b| b.is_ascii_digit()).then(|| year.parse().ok())??;
    let month = two_typed_digits(parts.next()?)?;
    let day = two_typed_digits(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

fn two_typed_digits(s: &str) -> Option<u32> {
    match s.as_bytes() {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(u32::from(a - b'0') * 10 + u32::from(b - b'0')),
        _ => None,
    }
}

/// `2024-05-01T08:30:00`, with `.fraction` (one to nine digits) when the
/// time has one.
pub fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    if whole.len() != "2024-05-01T08:30:00".len() {
        return None;
    }
    let t = parse_datetime(whole)?;
    let Some(fraction) = fraction else {
        return Some(t);
    };
    if !(1..=9).contains(&fraction.len()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // `.25` is 250 000 000 ns: the digits padded to nine.
    let nanos = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0, |n, b| n * 10 + u32::from(b - b'0'));
    t.with_nanosecond(nanos)
}

/// An RFC 3339 time as chrono writes it: a [`parse_naive`] time, then `Z`
/// or an offset `+08:00`.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<FixedOffset>> {
    let (local, seconds_east) = match text.strip_suffix('Z') {
        Some(local) => (local, 0),
        None => {
            let split = text.len().checked_sub("+08:00".len())?;
            let (local, zone) = (text.get(..split)?, text.get(split..)?.as_bytes());
            let sign = match zone.first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours = two_digits(zone.get(1..3)?)?;
            let minutes = two_digits(zone.get(4..6)?)?;
            if zone[3] != b':' || minutes >= 60 {
                return None;
            }
            (local, sign * (hours * 3600 + minutes * 60))
        }
    };
    let offset = FixedOffset::east_opt(seconds_east)?;
    parse_naive(local)?.and_local_timezone(offset).single()
}

fn two_digits(digits: &[u8]) -> Option<i32> {
    match *digits {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(i32::from(a - b'0') * 10 + i32::from(b - b'0')),
        _ => None,
    }
}

/// serde `deserialize_with` for a `DateTime<Utc>`.
pub fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    fixed(d).map(|t| t.with_timezone(&Utc))
}

/// serde `deserialize_with` for a `DateTime<FixedOffset>`.
pub fn fixed<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    crate::wire::read::text(d, parse_rfc3339, EXPECTED)
}

/// serde `deserialize_with` for an `Option<DateTime<FixedOffset>>`; the
/// field needs `#[serde(default)]` too, to be optional.
pub fn fixed_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    crate::wire::read::optional_text(d, parse_rfc3339, EXPECTED)
}

const EXPECTED: &str = "an RFC 3339 time";

/// `t` as chrono's serde writes it: the date and time, a fraction of a
/// second in as many digits as it needs (none, 3, 6 or 9), then, given the
/// zone's offset in seconds east, `Z` for UTC or `+08:00` (to the nearest
/// minute).
pub fn format(t: &NaiveDateTime, seconds_east: Option<i32>) -> String {
    let mut out = String::with_capacity(35);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // ISO 8601's explicit sign for years beyond four digits.
        out.push(if year < 0 { '-' } else { '+' });
    }
    digits(&mut out, year.unsigned_abs(), 4);
    out.push('-');
    digits(&mut out, t.month(), 2);
    out.push('-');
    digits(&mut out, t.day(), 2);
    out.push('T');
    // A leap second is second 59 with a fraction past a whole second.
    let (second, nano) = match t.nanosecond() {
        n if n >= 1_000_000_000 => (t.second() + 1, n - 1_000_000_000),
        n => (t.second(), n),
    };
    for (i, part) in [t.hour(), t.minute(), second].into_iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        digits(&mut out, part, 2);
    }
    if nano != 0 {
        out.push('.');
        match (nano % 1_000_000, nano % 1_000) {
            (0, _) => digits(&mut out, nano / 1_000_000, 3),
            (_, 0) => digits(&mut out, nano / 1_000, 6),
            _ => digits(&mut out, nano, 9),
        }
    }
    match seconds_east {
        None => {}
        Some(0) => out.push('Z'),
        Some(east) => {
            out.push(if east < 0 { '-' } else { '+' });
            let minutes = (east.unsigned_abs() + 30) / 60;
            digits(&mut out, minutes / 60, 2);
            out.push(':');
            digits(&mut out, minutes % 60, 2);
        }
    }
    out
}

/// `n` in decimal, zero-padded to `width`.
fn digits(out: &mut String, n: u32, width: usize) {
    let text = n.to_string();
    for _ in text.len()..width {
        out.push('0');
    }
    out.push_str(&text);
}

/// A day as `YYYY-MM-DD` (years 0 to 9999, as the date inputs give).
pub fn format_date(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    digits(&mut out, u32::try_from(d.year()).unwrap_or(0), 4);
    out.push('-');
    digits(&mut out, d.month(), 2);
    out.push('-');
    digits(&mut out, d.day(), 2);
    out
}

/// serde `serialize_with` for a `NaiveDate`, as chrono writes it.
pub fn write_date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*d))
}

/// serde `serialize_with` for a `DateTime<FixedOffset>`.
pub fn write_fixed<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(&t.naive_local(), Some(t.offset().local_minus_utc())))
}

/// serde `serialize_with` for a `DateTime<Utc>`.
pub fn write_utc<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(&t.naive_utc(), Some(0)))
}

/// serde `serialize_with` for an `Option<NaiveDateTime>`.
pub fn write_naive_opt<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format(t, None)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Times with every kind of fraction chrono writes, in several zones.
    fn samples() -> Vec<DateTime<FixedOffset>> {
        let mut out = Vec::new();
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).expect("day");
        for nanos in [0, 5_000_000, 492_537_000, 123_456_789, 999_999_999, 1] {
            for east in [0, 8 * 3600, -5 * 3600 - 30 * 60, 14 * 3600, -12 * 3600] {
                let offset = FixedOffset::east_opt(east).expect("offset");
                for (h, m, s) in [(0, 0, 0), (3, 11, 35), (23, 59, 59)] {
                    let local = day.and_hms_nano_opt(h, m, s, nanos).expect("time");
                    out.push(offset.from_local_datetime(&local).single().expect("unambiguous"));
                }
            }
        }
        out
    }

    #[test]
    fn reads_what_chrono_writes_as_chrono_reads_it() {
        for t in samples() {
            for text in [
                serde_json::to_value(t)
                    .expect("json")
                    .as_str()
                    .expect("string")
                    .to_owned(),
                serde_json::to_value(t.with_timezone(&Utc))
                    .expect("json")
                    .as_str()
                    .expect("string")
                    .to_owned(),
                t.to_rfc3339(),
            ] {
                let chrono: DateTime<FixedOffset> = text.parse().expect("chrono reads its own");
                assert_eq!(parse_rfc3339(&text), Some(chrono), "{text}");
                // Same instant and same offset.
                assert_eq!(
                    parse_rfc3339(&text).map(|p| p.offset().local_minus_utc()),
                    Some(chrono.offset().local_minus_utc())
                );
            }
        }
    }

    #[test]
    fn the_serde_readers_match_chronos() {
        for t in samples() {
            let json = serde_json::to_string(&t).expect("json");
            let mut de = serde_json::Deserializer::from_str(&json);
            assert_eq!(fixed(&mut de).expect("fixed"), t);
            let utc_json = serde_json::to_string(&t.with_timezone(&Utc)).expect("json");
            let mut de = serde_json::Deserializer::from_str(&utc_json);
            assert_eq!(utc(&mut de).expect("utc"), t.with_timezone(&Utc));
            let mut de = serde_json::Deserializer::from_str("null");
            assert_eq!(fixed_opt(&mut de).expect("null"), None);
            let mut de = serde_json::Deserializer::from_str(&json);
            assert_eq!(fixed_opt(&mut de).expect("some"), Some(t));
        }
    }

    /// The writers give chrono's text for every kind of time: fractions of
    /// every length, leap seconds, zones east and west (offsets with seconds
    /// rounded to the minute), years beyond four digits.
    #[test]
    fn writes_what_chrono_writes() {
        #[derive(serde::Serialize)]
        struct Ours {
            #[serde(serialize_with = "write_fixed")]
            fixed: DateTime<FixedOffset>,
            #[serde(serialize_with = "write_utc")]
            utc: DateTime<Utc>,
            #[serde(serialize_with = "write_naive_opt")]
            naive: Option<NaiveDateTime>,
        }
        #[derive(serde::Serialize)]
        struct Chronos {
            fixed: DateTime<FixedOffset>,
            utc: DateTime<Utc>,
            naive: Option<NaiveDateTime>,
        }
        let mut times = samples();
        for (y, east) in [
            (10_000, 3600),
            (-1, -3600),
            (0, 0),
            (-250_000, 45),
            (262_000, -90),
            (9999, 29),
        ] {
            let local = NaiveDate::from_ymd_opt(y, 2, 28).and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_234_000_000));
            let offset = FixedOffset::east_opt(east).expect("offset");
            times.extend(local.and_then(|l| offset.from_local_datetime(&l).single()));
        }
        assert_eq!(times.len(), 96, "every extreme time is made");
        for t in times {
            for naive in [None, Some(t.naive_local())] {
                let ours = Ours {
                    fixed: t,
                    utc: t.to_utc(),
                    naive,
                };
                let chronos = Chronos {
                    fixed: t,
                    utc: t.to_utc(),
                    naive,
                };
                assert_eq!(
                    serde_json::to_string(&ours).expect("ours"),
                    serde_json::to_string(&chronos).expect("chrono's")
                );
            }
        }
    }

    #[test]
    fn refuses_what_is_not_such_a_time() {
        for bad in [
            "",
            "Z",
            "2026-12-04",
            "2026-12-04T03:11:35",
            "2026-12-04T03:11Z",
            "2026-12-04T03:11:35.Z",
            "2026-12-04T03:11:35.1234567890Z",
            "2026-12-04T03:11:35+0800",
            "2026-12-04T03:11:35+08",
            "2026-12-04T03:11:35 08:00",
            "2026-12-04T03:11:35+08:60",
            "2026-12-04T03:11:35+24:00",
            "2026-13-04T03:11:35Z",
            "2026-02-30T03:11:35Z",
            "2026-12-04T24:00:00Z",
            "2026-12-04 03:11:35Z",
            "2026-12-04T03:11:35z",
            "２０２６-12-04T03:11:35Z",
            "2026-12-04T03:11:35+08:0０",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        let mut de = serde_json::Deserializer::from_str("\"yesterday\"");
        let err = fixed(&mut de).expect_err("refused");
        assert!(err.to_string().contains("yesterday"), "{err}");
    }

    #[test]
    fn naive_times_read_with_and_without_fraction() {
        let t = NaiveDate::from_ymd_opt(2024, 5, 1)
            .and_then(|d| d.and_hms_opt(8, 30, 0))
            .expect("time");
        assert_eq!(parse_naive("2024-05-01T08:30:00"), Some(t));
        assert_eq!(parse_naive("2024-05-01T08:30:00.25"), t.with_nanosecond(250_000_000));
        assert_eq!(parse_naive("2024-05-01T08:30"), None);
        assert_eq!(parse_naive("2024-05-01T08:30:00."), None);
    }
}

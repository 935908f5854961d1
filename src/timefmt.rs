//! Date-time text as chrono's `format` writes it, for the few patterns the
//! app shows, without chrono's strftime machinery in the wasm. Each function
//! matches `NaiveDateTime::format` with the pattern in its name exactly
//! (tested against chrono).

use std::fmt::Write;

use chrono::{Datelike, NaiveDateTime, Timelike};

/// `%Y`: four digits, zero-padded; a sign before years outside 0..=9999.
fn year(out: &mut String, y: i32) {
    let _ = if (0..10_000).contains(&y) {
        write!(out, "{y:04}")
    } else {
        write!(out, "{y:+05}")
    };
}

fn two(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// `%Y-%m-%d`.
fn date(out: &mut String, t: &NaiveDateTime) {
    year(out, t.year());
    out.push('-');
    two(out, t.month());
    out.push('-');
    two(out, t.day());
}

/// The Beijing wall time of `ms` since the epoch (`None` out of chrono's
/// range): what every time the app shows or fills in is counted in.
pub fn beijing_at(ms: f64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|t| t.with_timezone(&kuaibao_core::wire::timestamp::beijing()).naive_local())
}

/// `%H:%M`.
pub fn hm(t: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(5);
    two(&mut out, t.hour());
    out.push(':');
    two(&mut out, t.minute());
    out
}

/// `%Y-%m-%dT%H:%M`: the value of a `datetime-local` input.
pub fn ymd_t_hm(t: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(16);
    date(&mut out, t);
    out.push('T');
    out.push_str(&hm(t));
    out
}

/// `%Y-%m-%d %H:%M`.
pub fn ymd_hm(t: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(16);
    date(&mut out, t);
    out.push(' ');
    out.push_str(&hm(t));
    out
}

/// `%Y-%m-%d %H:%M:%S` (a leap second shows as 60, as chrono writes it).
pub fn ymd_hms(t: &NaiveDateTime) -> String {
    let mut out = ymd_hm(t);
    out.push(':');
    two(&mut out, t.second() + t.nanosecond() / 1_000_000_000);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn same_text_as_chrono() {
        let dates = [
            (2026, 11, 23),
            (1, 1, 1),
            (999, 2, 3),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-1, 6, 7),
            (0, 1, 1),
        ];
        let times = [
            (0, 0, 0, 0),
            (9, 5, 7, 0),
            (23, 59, 59, 999_999_999),
            (23, 59, 59, 1_500_000_000),
        ];
        for (y, m, d) in dates {
            for (h, mi, s, n) in times {
                let t = NaiveDate::from_ymd_opt(y, m, d)
                    .unwrap()
                    .and_time(NaiveTime::from_hms_nano_opt(h, mi, s, n).unwrap());
                assert_eq!(hm(&t), t.format("%H:%M").to_string());
                assert_eq!(ymd_t_hm(&t), t.format("%Y-%m-%dT%H:%M").to_string());
                assert_eq!(ymd_hm(&t), t.format("%Y-%m-%d %H:%M").to_string());
                assert_eq!(ymd_hms(&t), t.format("%Y-%m-%d %H:%M:%S").to_string());
            }
        }
    }
}

//! The duty office (值班室): what its desk decides and what it sends on.
//!
//! Here belong the inbox and its filters, acknowledgements and requests
//! ([`office`]), the map's points ([`geo`]), a record as written words
//! ([`written`]) and signing it ([`signing`]), the statistics for reporting
//! upward ([`statistics`]) and the accountability ledger
//! ([`accountability`]).
//!
//! This file holds what the duty office's page decides, apart from what it
//! draws: what changed from one stage to the next, how a deadline of the inbox stands
//! now (counted from the server's clock, not the desk computer's), how old
//! a thread is, and the inbox filter as the form edits it and as a query
//! string. Pure, so it is tested natively.

pub mod accountability;
pub mod geo;
pub mod office;
pub mod signing;
pub mod statistics;
pub mod written;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

use crate::desk::office::{DeadlineLine, DeadlineState, Filter, DUE_SOON_SECONDS};
use crate::desk::written::answer_text;
use crate::rules::catalogue;
use crate::rules::deadlines::span_text;
use crate::wire::page::percent_encode;
use crate::wire::timestamp::{beijing, parse_datetime};
use crate::{FieldError, Lang, Report, Text};

/// One answer that differs from the previous stage's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerChange {
    pub blank: &'static str,
    pub label: Text,
    /// What the previous record said; `None`: unanswered, or a blank its
    /// template did not have.
    pub before: Option<String>,
    /// What this record says; `None`: left empty now.
    pub after: Option<String>,
}

/// The answers of `current` that differ from `previous` (the record before
/// it in stage order), as the reader sees them (choice labels, GPS as
/// latitude and longitude, photos counted), in the order of `current`'s
/// blanks. A hazard's later steps have templates of their own: their
/// blanks the previous step lacked count as changed when answered.
pub fn changes_between(previous: &Report, current: &Report, lang: Lang) -> Vec<AnswerChange> {
    let (Some(before_t), Some(after_t)) = (
        catalogue::find(&previous.template_id, previous.template_version),
        catalogue::find(&current.template_id, current.template_version),
    ) else {
        return Vec::new();
    };
    after_t
        .blanks
        .iter()
        .filter_map(|blank| {
            let after = answer_text(blank, &current.answers, &current.photos, lang);
            let before = before_t
                .blank(blank.id)
                .and_then(|b| answer_text(b, &previous.answers, &previous.photos, lang));
            (before != after).then_some(AnswerChange {
                blank: blank.id,
                label: blank.label,
                before,
                after,
            })
        })
        .collect()
}

/// A deadline of the inbox as it stands `elapsed_s` seconds after the
/// inbox's `server_time`: running ones count down, overdue ones count up;
/// met ones stay as they were.
pub fn live_deadline(line: &DeadlineLine, elapsed_s: i64) -> (DeadlineState, i64) {
    match line.state {
        DeadlineState::Running | DeadlineState::DueSoon | DeadlineState::Overdue => {
            let seconds = line.seconds - elapsed_s;
            let state = if seconds < 0 {
                DeadlineState::Overdue
            } else if seconds <= DUE_SOON_SECONDS {
                DeadlineState::DueSoon
            } else {
                DeadlineState::Running
            };
            (state, seconds)
        }
        DeadlineState::Info => (DeadlineState::Info, line.seconds - elapsed_s),
        DeadlineState::Lapsed | DeadlineState::MetLate | DeadlineState::DeliveredLate | DeadlineState::Clear => {
            (line.state, line.seconds)
        }
    }
}

/// When a phone wrote a record, as the office reads it: Beijing time to
/// the second with its offset, and the phone's own zone where it was
/// another (the phone's clock is evidence; the office works, and reports
/// upward, in Beijing time).
pub fn phone_time(t: DateTime<FixedOffset>) -> (String, Option<String>) {
    let bj = t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M:%S %:z").to_string();
    let zone = (t.offset().local_minus_utc() != 8 * 3600).then(|| t.format("%:z").to_string());
    (bj, zone)
}

/// What a lapsed deadline adds to its words, and to its ledger entry: it
/// is no longer owed since a later report made the event lesser.
pub const NO_LONGER_OWED_ZH: &str = "（其后降级，不再需要）";

/// The words of a deadline's state: 还剩 12 分 0 秒, 已超时 3 分 5 秒,
/// 已按时报送, 按时填写、送达迟 1 分 0 秒（无信号）, 填写已迟，迟报 1 分 0 秒,
/// 逾期 20 分 0 秒 未报（其后降级，不再需要）.
pub fn deadline_words(state: DeadlineState, seconds: i64, lang: Lang) -> String {
    let span = span_text(seconds, lang);
    match (state, lang) {
        (DeadlineState::DeliveredLate, Lang::Zh) => format!("按时填写、送达迟 {span}（无信号）"),
        (DeadlineState::DeliveredLate, Lang::En) => format!("written in time, delivered late by {span} (no signal)"),
        (DeadlineState::MetLate, Lang::Zh) => format!("填写已迟，迟报 {span}"),
        (DeadlineState::MetLate, Lang::En) => format!("written late, late by {span}"),
        (DeadlineState::Info, Lang::Zh) if seconds >= 0 => format!("由值班室办理 · 还剩 {span}"),
        (DeadlineState::Info, Lang::Zh) => format!("由值班室办理 · 已过 {span}"),
        (DeadlineState::Info, Lang::En) if seconds >= 0 => format!("for the office · {span} left"),
        (DeadlineState::Info, Lang::En) => format!("for the office · {span} ago"),
        (DeadlineState::Lapsed, Lang::Zh) => format!("逾期 {span} 未报{NO_LONGER_OWED_ZH}"),
        (DeadlineState::Lapsed, Lang::En) => format!("missed by {span} (no longer owed after a lower grade)"),
        (DeadlineState::Overdue, Lang::Zh) => format!("已超时 {span}"),
        (DeadlineState::Overdue, Lang::En) => format!("overdue by {span}"),
        (DeadlineState::DueSoon | DeadlineState::Running, Lang::Zh) => format!("还剩 {span}"),
        (DeadlineState::DueSoon | DeadlineState::Running, Lang::En) => format!("{span} left"),
        (DeadlineState::Clear, Lang::Zh) => "已按时报送".to_owned(),
        (DeadlineState::Clear, Lang::En) => "met in time".to_owned(),
    }
}

/// The state's word for the `data-state` attribute and the style.
pub fn deadline_key(state: DeadlineState) -> &'static str {
    match state {
        DeadlineState::Overdue => "overdue",
        DeadlineState::Lapsed => "lapsed",
        DeadlineState::MetLate => "met_late",
        DeadlineState::DeliveredLate => "delivered_late",
        DeadlineState::Info => "info",
        DeadlineState::DueSoon => "due_soon",
        DeadlineState::Running => "running",
        DeadlineState::Clear => "clear",
    }
}

/// The worst of a thread's deadlines now, and its seconds: the one the
/// inbox line shows (a line for the office to keep only when there is no
/// other). `None` when the thread has none.
pub fn most_pressing(lines: &[DeadlineLine], elapsed_s: i64) -> Option<(DeadlineState, i64, &DeadlineLine)> {
    lines
        .iter()
        .map(|l| {
            let (state, seconds) = live_deadline(l, elapsed_s);
            (state, seconds, l)
        })
        .min_by_key(|(state, seconds, _)| (*state, *seconds))
}

/// How long ago `since` was, at `now`: 刚刚, 12 分钟, 3 小时 5 分, 2 天 4 小时.
pub fn age_words(since: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let s = (now - since).num_seconds().max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match lang {
        Lang::Zh if s < 60 => "刚刚".to_owned(),
        Lang::Zh if d > 0 => format!("{d} 天 {h} 小时"),
        Lang::Zh if h > 0 => format!("{h} 小时 {m} 分"),
        Lang::Zh => format!("{m} 分钟"),
        Lang::En if s < 60 => "just now".to_owned(),
        Lang::En if d > 0 => format!("{d} d {h} h"),
        Lang::En if h > 0 => format!("{h} h {m} min"),
        Lang::En => format!("{m} min"),
    }
}

/// How long ago, as a line of the inbox says it: 刚刚, 39 分钟前, 2 小时 5
/// 分前 (just now, 39 min ago).
pub fn ago_words(since: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let age = age_words(since, now, lang);
    match lang {
        _ if (now - since).num_seconds() < 60 => age,
        Lang::Zh => format!("{age}前"),
        Lang::En => format!("{age} ago"),
    }
}

/// The phone's clock beside a record, as the office reads it: the offset
/// the record carries (measured before it was written: its deadlines are
/// judged by it) and, where the one measured as it arrived differs by a
/// minute or more (the clock was set, right or wrong, in between), that
/// one too, so nobody reads the judged time off the wrong offset.
pub fn record_clock_words(own_ms: Option<i64>, on_arrival_ms: Option<i64>, lang: Lang) -> String {
    let own = offset_words(own_ms, lang);
    match (own_ms, on_arrival_ms) {
        (_, None) => own,
        (Some(a), Some(b)) if a.abs_diff(b) < 60_000 => own,
        (_, arrival) => match lang {
            Lang::Zh => format!("填写时{own}；送达时{}", offset_words(arrival, lang)),
            Lang::En => format!("when written: {own}; on arrival: {}", offset_words(arrival, lang)),
        },
    }
}

/// When a record was written by the server's clock (Beijing, to the
/// minute), where its own offset moves it a minute or more from what the
/// phone read: the time its deadlines were judged by.
pub fn corrected_written_words(report: &Report, lang: Lang) -> Option<String> {
    let corrected = crate::rules::thread::corrected_written_at(report)?;
    let read = report.written_at.with_timezone(&beijing()).naive_local();
    if (corrected - read).num_seconds().abs() < 60 {
        return None;
    }
    let at = corrected.format("%Y-%m-%d %H:%M");
    Some(match lang {
        Lang::Zh => format!("按服务器时钟为 {at}"),
        Lang::En => format!("{at} by the server's clock"),
    })
}

/// A clock offset (the server's clock minus the phone's) in words:
/// 手机比服务器慢 2 分 5 秒.
pub fn offset_words(offset_ms: Option<i64>, lang: Lang) -> String {
    let Some(ms) = offset_ms else {
        return match lang {
            Lang::Zh => "未测得（手机未报时钟）".to_owned(),
            Lang::En => "not measured".to_owned(),
        };
    };
    let s = (ms.abs() + 500) / 1000;
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    let amount = match (lang, h, m) {
        (Lang::Zh, 0, 0) => format!("{sec} 秒"),
        (Lang::Zh, 0, _) => format!("{m} 分 {sec} 秒"),
        (Lang::Zh, _, _) => format!("{h} 小时 {m} 分 {sec} 秒"),
        (Lang::En, 0, 0) => format!("{sec} s"),
        (Lang::En, 0, _) => format!("{m} min {sec} s"),
        (Lang::En, _, _) => format!("{h} h {m} min {sec} s"),
    };
    match (lang, s == 0, ms > 0) {
        (Lang::Zh, true, _) => format!("手机与服务器时钟一致（{ms} 毫秒）"),
        (Lang::En, true, _) => format!("in step ({ms} ms)"),
        (Lang::Zh, false, true) => format!("手机比服务器慢 {amount}（{ms} 毫秒）"),
        (Lang::Zh, false, false) => format!("手机比服务器快 {amount}（{ms} 毫秒）"),
        (Lang::En, false, true) => format!("phone {amount} behind the server ({ms} ms)"),
        (Lang::En, false, false) => format!("phone {amount} ahead of the server ({ms} ms)"),
    }
}

/// The inbox filter as the form holds it: every field text, times as a
/// `datetime-local` input gives them (Beijing time, `2026-11-23T08:00`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterForm {
    pub area: String,
    pub category: String,
    pub grade: String,
    pub stage: String,
    pub since: String,
    pub until: String,
}

impl FilterForm {
    /// The form's fields as query pairs, the times in RFC 3339 with
    /// +08:00 (a time that cannot be read is passed as typed, so the check
    /// names its field).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let time = |t: &str| {
            let t = t.trim();
            parse_datetime(t).map_or_else(|| t.to_owned(), beijing_rfc3339)
        };
        [
            ("area", self.area.trim().to_owned()),
            ("category", self.category.trim().to_owned()),
            ("grade", self.grade.trim().to_owned()),
            ("stage", self.stage.trim().to_owned()),
            ("since", time(&self.since)),
            ("until", time(&self.until)),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The filter, checked as the server checks it; each error names its
    /// field.
    pub fn filter(&self) -> Result<Filter, Vec<FieldError>> {
        Filter::from_query(&self.pairs())
    }

    /// The form that shows `filter` (times in Beijing time, to the minute).
    pub fn of(filter: &Filter) -> FilterForm {
        let local = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.with_timezone(&beijing()).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default()
        };
        FilterForm {
            area: filter.area.clone().unwrap_or_default(),
            category: filter.category.clone().unwrap_or_default(),
            grade: filter.grade.clone().unwrap_or_default(),
            stage: filter.stage.clone().unwrap_or_default(),
            since: local(filter.since),
            until: local(filter.until),
        }
    }
}

fn beijing_rfc3339(t: NaiveDateTime) -> String {
    format!("{}+08:00", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// `filter` as a query string (`?grade=III&since=…`, or empty), every value
/// percent-encoded (a time's `+` too).
pub fn query_string(filter: &Filter) -> String {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| beijing_rfc3339(t.with_timezone(&beijing()).naive_local()));
    let pairs = [
        ("area", filter.area.clone()),
        ("category", filter.category.clone()),
        ("grade", filter.grade.clone()),
        ("stage", filter.stage.clone()),
        ("since", time(filter.since)),
        ("until", time(filter.until)),
    ];
    let parts: Vec<String> = pairs
        .into_iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", percent_encode(&v)))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The pairs of a query string (`a=1&b=%2B`, with or without `?`),
/// decoded; `+` is a space, as in forms.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
                i += 3;
                continue;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::examples;
    use crate::Stage;

    fn dl(state: DeadlineState, seconds: i64) -> DeadlineLine {
        DeadlineLine {
            rule: "phone".into(),
            label_zh: "电话报告".into(),
            label_en: "Phone report".into(),
            obligation: crate::rules::deadlines::Obligation::Phone,
            jurisdiction: crate::rules::deadlines::Jurisdiction::National,
            source: "doc".into(),
            met_by: None,
            due_at: parse_datetime("2026-07-01T08:30").expect("time"),
            state,
            seconds,
        }
    }

    #[test]
    fn a_phones_writing_time_reads_in_beijing_time_with_its_own_zone_named() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).expect("time");
        assert_eq!(
            phone_time(at("2026-11-23T10:00:00+08:00")),
            ("2026-11-23 10:00:00 +08:00".to_owned(), None)
        );
        assert_eq!(
            phone_time(at("2026-11-23T02:00:00+00:00")),
            ("2026-11-23 10:00:00 +08:00".to_owned(), Some("+00:00".to_owned()))
        );
    }

    #[test]
    fn ago_says_just_now_or_how_long() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc);
        let now = t("2026-11-23T10:00:00Z");
        assert_eq!(ago_words(t("2026-11-23T09:59:30Z"), now, Lang::Zh), "刚刚");
        assert_eq!(ago_words(t("2026-11-23T09:21:00Z"), now, Lang::Zh), "39 分钟前");
        assert_eq!(ago_words(t("2026-11-23T07:55:00Z"), now, Lang::En), "2 h 5 min ago");
    }

    #[test]
    fn written_late_and_delivered_late_read_apart() {
        assert_eq!(
            deadline_words(DeadlineState::DeliveredLate, -7200, Lang::Zh),
            "按时填写、送达迟 2 小时 0 分（无信号）"
        );
        assert_eq!(
            deadline_words(DeadlineState::DeliveredLate, -60, Lang::En),
            "written in time, delivered late by 1 min 0 s (no signal)"
        );
        assert_eq!(
            deadline_words(DeadlineState::MetLate, -60, Lang::Zh),
            "填写已迟，迟报 1 分 0 秒"
        );
        assert_eq!(
            deadline_words(DeadlineState::MetLate, -60, Lang::En),
            "written late, late by 1 min 0 s"
        );
        assert_eq!(
            deadline_words(DeadlineState::Lapsed, -3600, Lang::Zh),
            "逾期 1 小时 0 分 未报（其后降级，不再需要）"
        );
        // Fixed at what it was when the lesser grade came: no count on.
        assert_eq!(
            live_deadline(&dl(DeadlineState::Lapsed, -3600), 600),
            (DeadlineState::Lapsed, -3600)
        );
        assert_eq!(
            deadline_words(DeadlineState::Info, 30 * 86_400 - 3600, Lang::Zh),
            "由值班室办理 · 还剩 29 天 23 小时"
        );
        assert_eq!(
            deadline_words(DeadlineState::Info, -90, Lang::En),
            "for the office · 1 min 30 s ago"
        );
        assert_eq!(deadline_key(DeadlineState::DeliveredLate), "delivered_late");
        let lines = [dl(DeadlineState::Info, -5), dl(DeadlineState::Running, 5000)];
        assert_eq!(
            most_pressing(&lines, 0).map(|(s, _, _)| s),
            Some(DeadlineState::Running)
        );
    }

    #[test]
    fn a_running_deadline_counts_down_then_turns_overdue() {
        let line = dl(DeadlineState::Running, 700);
        assert_eq!(live_deadline(&line, 0), (DeadlineState::Running, 700));
        assert_eq!(live_deadline(&line, 100), (DeadlineState::DueSoon, 600));
        assert_eq!(live_deadline(&line, 700), (DeadlineState::DueSoon, 0));
        assert_eq!(live_deadline(&line, 701), (DeadlineState::Overdue, -1));
        let late = dl(DeadlineState::Overdue, -60);
        assert_eq!(live_deadline(&late, 60), (DeadlineState::Overdue, -120));
        let met = dl(DeadlineState::MetLate, -30);
        assert_eq!(live_deadline(&met, 1000), (DeadlineState::MetLate, -30));
        assert_eq!(
            deadline_words(DeadlineState::Overdue, -125, Lang::Zh),
            "已超时 2 分 5 秒"
        );
        let delivered_late = dl(DeadlineState::DeliveredLate, -7200);
        assert_eq!(
            live_deadline(&delivered_late, 60),
            (DeadlineState::DeliveredLate, -7200)
        );
        let info = dl(DeadlineState::Info, 30 * 86_400);
        assert_eq!(live_deadline(&info, 86_400), (DeadlineState::Info, 29 * 86_400));
        assert_eq!(
            deadline_words(DeadlineState::Running, 3661, Lang::Zh),
            "还剩 1 小时 1 分"
        );
        let lines = [
            dl(DeadlineState::Clear, 0),
            dl(DeadlineState::Running, 5000),
            dl(DeadlineState::DueSoon, 30),
        ];
        let (state, seconds, _) = most_pressing(&lines, 0).expect("some");
        assert_eq!((state, seconds), (DeadlineState::DueSoon, 30));
        assert!(most_pressing(&[], 0).is_none());
    }

    #[test]
    fn clock_offsets_read_as_slow_or_fast() {
        assert_eq!(
            offset_words(Some(125_000), Lang::Zh),
            "手机比服务器慢 2 分 5 秒（125000 毫秒）"
        );
        assert_eq!(
            offset_words(Some(-7_200_000), Lang::Zh),
            "手机比服务器快 2 小时 0 分 0 秒（-7200000 毫秒）"
        );
        assert_eq!(offset_words(Some(120), Lang::Zh), "手机与服务器时钟一致（120 毫秒）");
        assert!(offset_words(None, Lang::Zh).starts_with("未测得"));
    }

    /// Written offline two hours slow, the clock set right before it went:
    /// the office sees both offsets and the time the deadlines used.
    #[test]
    fn a_record_shows_the_offset_it_was_judged_by_and_the_one_on_arrival() {
        assert_eq!(
            record_clock_words(Some(7_200_000), Some(150), Lang::Zh),
            "填写时手机比服务器慢 2 小时 0 分 0 秒（7200000 毫秒）；送达时手机与服务器时钟一致（150 毫秒）"
        );
        assert_eq!(
            record_clock_words(None, Some(7_200_000), Lang::Zh),
            "填写时未测得（手机未报时钟）；送达时手机比服务器慢 2 小时 0 分 0 秒（7200000 毫秒）"
        );
        // Alike within a minute, or nothing measured on arrival: one.
        assert_eq!(
            record_clock_words(Some(125_000), Some(100_000), Lang::Zh),
            offset_words(Some(125_000), Lang::Zh)
        );
        assert_eq!(
            record_clock_words(Some(-5), None, Lang::En),
            offset_words(Some(-5), Lang::En)
        );

        let mut r = crate::rules::examples::report(catalogue::offered()[0], crate::Stage::Initial);
        r.written_at = DateTime::parse_from_rfc3339("2026-12-07T08:00:00+08:00").expect("t");
        r.clock_offset_ms = Some(7_200_000);
        assert_eq!(
            corrected_written_words(&r, Lang::Zh).as_deref(),
            Some("按服务器时钟为 2026-12-07 10:00")
        );
        r.clock_offset_ms = Some(20_000);
        assert_eq!(corrected_written_words(&r, Lang::Zh), None);
        r.clock_offset_ms = None;
        assert_eq!(corrected_written_words(&r, Lang::Zh), None);
    }

    #[test]
    fn ages_read_in_the_largest_units() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("t").with_timezone(&Utc);
        let now = t("2026-07-02T10:00:00Z");
        assert_eq!(age_words(t("2026-07-02T09:59:30Z"), now, Lang::Zh), "刚刚");
        assert_eq!(age_words(t("2026-07-02T09:48:00Z"), now, Lang::Zh), "12 分钟");
        assert_eq!(age_words(t("2026-07-02T06:55:00Z"), now, Lang::Zh), "3 小时 5 分");
        assert_eq!(age_words(t("2026-06-30T06:00:00Z"), now, Lang::Zh), "2 天 4 小时");
        assert_eq!(age_words(t("2026-07-03T00:00:00Z"), now, Lang::Zh), "刚刚");
    }

    #[test]
    fn the_form_becomes_a_filter_and_a_query_and_back() {
        let form = FilterForm {
            area: " xh-cg ".into(),
            grade: "III".into(),
            since: "2026-11-23T08:00".into(),
            ..FilterForm::default()
        };
        let filter = form.filter().expect("good");
        assert_eq!(filter.area.as_deref(), Some("xh-cg"));
        assert_eq!(
            filter.since.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-23T00:00:00+00:00")
        );
        let query = query_string(&filter);
        assert_eq!(query, "?area=xh-cg&grade=III&since=2026-11-23T08:00:00%2B08:00");
        assert_eq!(Filter::from_query(&parse_query(&query)).expect("again"), filter);
        let mut back = FilterForm::of(&filter);
        back.area = format!(" {} ", back.area);
        assert_eq!(back, form);
        assert_eq!(query_string(&Filter::default()), "");
    }

    #[test]
    fn a_bad_form_names_each_bad_field() {
        let form = FilterForm {
            since: "2026-11-23T08:00".into(),
            until: "2026-11-22T08:00".into(),
            ..FilterForm::default()
        };
        assert_eq!(form.filter().expect_err("backwards")[0].field, "until");
        let form = FilterForm {
            since: "yesterday".into(),
            grade: "V".into(),
            ..FilterForm::default()
        };
        let mut fields: Vec<String> = form.filter().expect_err("bad").into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(fields, ["grade", "since"]);
    }

    #[test]
    fn queries_decode_as_forms_send_them() {
        assert_eq!(
            parse_query("?a=1%2B2&b=x+y&c&d=%E7%BB%AD&e=%zz"),
            [
                ("a".to_owned(), "1+2".to_owned()),
                ("b".to_owned(), "x y".to_owned()),
                ("c".to_owned(), String::new()),
                ("d".to_owned(), "续".to_owned()),
                ("e".to_owned(), "%zz".to_owned()),
            ]
        );
        assert!(parse_query("").is_empty());
        assert_eq!(parse_query("x=%4"), [("x".to_owned(), "%4".to_owned())]);
    }

    #[test]
    fn a_follow_up_shows_only_what_it_changed() {
        let template = &catalogue::GENERAL_INCIDENT;
        let first = examples::report(template, Stage::Initial);
        let mut second = examples::report(template, Stage::FollowUp { n: 1 });
        second.answers.insert("injured".into(), "5".into());
        second.answers.insert("measures".into(), String::new());
        let changes = changes_between(&first, &second, Lang::Zh);
        let ids: Vec<&str> = changes.iter().map(|c| c.blank).collect();
        assert_eq!(ids, ["injured", "measures"]);
        assert_eq!(changes[0].after.as_deref(), Some("5"));
        assert!(changes[0].before.is_some());
        assert_eq!(changes[1].after, None);
        assert!(changes_between(&first, &first, Lang::Zh).is_empty());
    }
}

//! A logged call to the duty office (电话报告, [`Stage::Call`]): what the
//! phone's 「电话报告值班室」 button and the desk's "log a received call"
//! file. The call meets the verbal and phone deadlines; the written report
//! is another record.

use crate::rules::catalogue::CALL;
use crate::rules::closing::written_at;
use crate::rules::validate::{check_value, validate};
use crate::{Answers, FieldError, Report, ReportId, Stage};
use chrono::NaiveDateTime;

/// The number of the next call in a thread with these stages: 1, 2, …
pub fn next_call(stages: impl IntoIterator<Item = Stage>) -> u32 {
    let most = stages
        .into_iter()
        .filter_map(|s| match s {
            Stage::Call { n } => Some(n),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    most.saturating_add(1)
}

/// The answers of a call logged at `called_at` (`YYYY-MM-DDTHH:MM`, Beijing)
/// to `office_number`, by the reporter the thread's first record names
/// (`first`), if it names one yet. A name or number the call's blank would
/// refuse (a 首报 draft's half-typed phone) is left out: the call is
/// logged whatever the draft holds, as the phone dials.
pub fn call_answers(first: &Answers, called_at: &str, office_number: Option<&str>) -> Answers {
    let mut answers = Answers::new();
    answers.insert("called_at".to_owned(), called_at.to_owned());
    if let Some(number) = office_number.filter(|n| !n.is_empty()) {
        answers.insert("office_number".to_owned(), number.to_owned());
    }
    for key in ["reporter", "phone"] {
        let Some(blank) = CALL.blank(key) else { continue };
        if let Some(value) = first.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            // No blank copied here is a time: "now" never counts.
            if check_value(blank.id, blank.label, &blank.kind, value, NaiveDateTime::MAX).is_none() {
                answers.insert(key.to_owned(), value.to_owned());
            }
        }
    }
    answers
}

/// What the officer typed into the desk's "log a received call" form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallForm {
    /// 通话时间, `YYYY-MM-DDTHH:MM` Beijing (a `datetime-local` input).
    pub called_at: String,
    /// 报告人: who called.
    pub reporter: String,
    /// 联系电话 of the caller, optional.
    pub phone: String,
    /// 通话要点, optional.
    pub note: String,
}

/// The blanks of the desk's form, in the order drawn.
pub const CALL_FIELDS: [&str; 4] = ["called_at", "reporter", "phone", "note"];

impl CallForm {
    pub fn get(&self, field: &str) -> &str {
        match field {
            "called_at" => &self.called_at,
            "reporter" => &self.reporter,
            "phone" => &self.phone,
            "note" => &self.note,
            _ => "",
        }
    }

    pub fn set(&mut self, field: &str, value: String) {
        match field {
            "called_at" => self.called_at = value,
            "reporter" => self.reporter = value,
            "phone" => self.phone = value,
            "note" => self.note = value,
            _ => {}
        }
    }

    /// The call record these inputs make: call `n` of `thread`, a new
    /// record `id`, written at `now_ms` by the desk's clock; checked by
    /// the server's own validation.
    pub fn check(&self, id: ReportId, thread: ReportId, n: u32, now_ms: i64) -> Result<Report, Vec<FieldError>> {
        let answers: Answers = CALL_FIELDS
            .iter()
            .map(|&f| (f, self.get(f).trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let report = Report {
            id,
            thread: Some(thread),
            thread_key: None,
            stage: Stage::Call { n },
            template_id: CALL.id.to_owned(),
            template_version: CALL.version,
            answers,
            written_at: written_at(now_ms),
            grade: None,
            photos: Vec::new(),
            clock_offset_ms: None,
        };
        validate(&report).map(|_| report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::validate::validate_answers;

    /// A call logged from a 首报 draft whose phone is half typed is still
    /// a valid record: the bad number is left out, not the call.
    #[test]
    fn a_half_typed_phone_on_the_draft_does_not_stop_the_call() {
        let mut first = Answers::new();
        first.insert("reporter".into(), " 李秀英 ".into());
        first.insert("phone".into(), "1380".into());
        let answers = call_answers(&first, "2026-12-07T09:41", Some("0838-2222110"));
        assert_eq!(answers.get("reporter").map(String::as_str), Some("李秀英"));
        assert_eq!(answers.get("phone"), None);
        let report = Report {
            id: ReportId::from_parts(1, [1; 10]),
            thread: Some(ReportId::from_parts(0, [1; 10])),
            thread_key: None,
            stage: Stage::Call { n: 1 },
            template_id: CALL.id.into(),
            template_version: CALL.version,
            answers,
            written_at: chrono::DateTime::parse_from_rfc3339("2026-12-07T09:42:00+08:00").expect("time"),
            grade: None,
            photos: Vec::new(),
            clock_offset_ms: None,
        };
        assert_eq!(validate(&report).err(), None);
        first.insert("phone".into(), "13800001234".into());
        let whole = call_answers(&first, "2026-12-07T09:41", None);
        assert_eq!(whole.get("phone").map(String::as_str), Some("13800001234"));
    }

    #[test]
    fn the_desks_form_makes_a_valid_call_record_or_names_the_bad_blank() {
        let thread = ReportId::from_parts(1_764_000_000_000, [1; 10]);
        let id = ReportId::from_parts(1_764_000_060_000, [2; 10]);
        // 2025-11-24T16:01 UTC is 2025-11-25T00:01 in Beijing.
        let now_ms = 1_764_000_060_000;
        let mut form = CallForm {
            called_at: "2025-11-25T00:00".into(),
            reporter: " 李秀英 ".into(),
            ..CallForm::default()
        };
        let report = form.check(id, thread, 2, now_ms).expect("valid");
        assert_eq!(report.stage, Stage::Call { n: 2 });
        assert_eq!(report.thread, Some(thread));
        assert_eq!(report.answers.get("reporter").map(String::as_str), Some("李秀英"));
        assert_eq!(report.answers.get("phone"), None);
        form.set("called_at", String::new());
        let errors = form.check(id, thread, 2, now_ms).expect_err("no time");
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["called_at"]
        );
        form.set("called_at", "2025-11-25T00:00".into());
        form.set("phone", "12".into());
        let errors = form.check(id, thread, 2, now_ms).expect_err("bad phone");
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["phone"]);
        assert_eq!(form.get("phone"), "12");
    }

    #[test]
    fn calls_are_numbered_after_the_last() {
        assert_eq!(next_call([Stage::Initial]), 1);
        assert_eq!(
            next_call([Stage::Initial, Stage::Call { n: 1 }, Stage::FollowUp { n: 1 }]),
            2
        );
        assert_eq!(next_call([Stage::Call { n: 3 }, Stage::Call { n: 1 }]), 4);
    }

    #[test]
    fn a_call_takes_the_reporter_from_the_first_record_and_validates() {
        let mut first = Answers::new();
        first.insert("reporter".into(), "李秀英".into());
        first.insert("phone".into(), "13800138000".into());
        first.insert("place".into(), "青石村".into());
        let answers = call_answers(&first, "2026-11-23T09:41", Some("0731-1234567"));
        assert_eq!(answers.get("reporter").map(String::as_str), Some("李秀英"));
        assert_eq!(answers.get("office_number").map(String::as_str), Some("0731-1234567"));
        assert_eq!(answers.get("place"), None);
        let now = crate::wire::timestamp::parse_datetime("2026-11-23T09:42").expect("time");
        let call = crate::rules::catalogue::call();
        assert_eq!(validate_answers(call, &answers, Stage::Call { n: 1 }, now), vec![]);
        // Before the 首报 names anyone, the call is still valid.
        let bare = call_answers(&Answers::new(), "2026-11-23T09:41", None);
        assert_eq!(validate_answers(call, &bare, Stage::Call { n: 1 }, now), vec![]);
    }
}

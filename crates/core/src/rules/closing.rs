//! The duty office's 验收销号 (verifying and closing a hazard), as decided
//! rather than drawn: when the desk offers it, and the closing record the
//! officer's form makes. Only an officer or administrator of the thread's
//! area may close a hazard (see [`crate::rules::writers`]), and the phone offers
//! it to office accounts only, so the desk is where hazards are closed.

use chrono::{DateTime, FixedOffset, Utc};

use crate::photo::PhotoRef;
use crate::rules::catalogue::HAZARD_CLOSED;
use crate::rules::evidence;
use crate::wire::timestamp::beijing;
use crate::{Answers, FieldError, Lang, Report, ReportId, Stage};

/// The text blanks of the closing record the form shows, in the template's
/// order: who verified it on site, a note, who reports it and a phone.
pub const FIELDS: [&str; 4] = ["verifier", "note", "reporter", "phone"];
/// The closing's photo blank: at least one photo taken at the
/// verification (see [`crate::rules::evidence`]).
pub const PHOTOS: &str = evidence::CLOSING_PHOTOS;

/// Whether the desk offers to close the thread of `records` (in any
/// order): its latest record in stage order is a hazard's 已整改, so it is
/// rectified and neither closed yet nor anything but a hazard (only a
/// hazard's records have that stage).
pub fn may_close<'a>(records: impl IntoIterator<Item = &'a Report>) -> bool {
    let mut latest: Option<Stage> = None;
    for stage in records.into_iter().map(|r| r.stage) {
        if latest.is_none_or(|l| stage.order() >= l.order()) {
            latest = Some(stage);
        }
    }
    // 已验收销号 and 终报 sort after 已整改: either one means no.
    latest == Some(Stage::Rectified)
}

/// What the officer typed into the closing form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClosingForm {
    /// 验收人: who verified the rectification on site.
    pub verifier: String,
    /// 备注: optional.
    pub note: String,
    /// 报告人: who files the record.
    pub reporter: String,
    /// 联系电话: required by the template.
    pub phone: String,
}

impl ClosingForm {
    /// The form as it opens for the officer named `name`: verifier and
    /// reporter are the officer, the rest empty.
    pub fn for_officer(name: &str) -> Self {
        ClosingForm {
            verifier: name.to_owned(),
            reporter: name.to_owned(),
            ..ClosingForm::default()
        }
    }

    /// The value of blank `field` (one of [`FIELDS`]).
    pub fn get(&self, field: &str) -> &str {
        match field {
            "verifier" => &self.verifier,
            "note" => &self.note,
            "reporter" => &self.reporter,
            "phone" => &self.phone,
            _ => "",
        }
    }

    /// Sets blank `field` (one of [`FIELDS`]; any other is ignored).
    pub fn set(&mut self, field: &str, value: String) {
        match field {
            "verifier" => self.verifier = value,
            "note" => self.note = value,
            "reporter" => self.reporter = value,
            "phone" => self.phone = value,
            _ => {}
        }
    }

    /// The answers: each blank trimmed, the empty ones left out (so a
    /// required one is reported as missing).
    pub fn answers(&self) -> Answers {
        FIELDS
            .iter()
            .map(|&f| (f, self.get(f).trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// The closing record of hazard `thread` these inputs make: a new
    /// record `id` (a UUIDv7 made by the caller), template 隐患验收销号,
    /// written at `now_ms` (the desk's clock) in Beijing time, with
    /// `photos` (for the blank [`PHOTOS`]) as its manifest.
    pub fn report(&self, id: ReportId, thread: ReportId, now_ms: i64, photos: Vec<PhotoRef>) -> Report {
        Report {
            id,
            thread: Some(thread),
            thread_key: None,
            stage: Stage::Closed,
            template_id: HAZARD_CLOSED.id.to_owned(),
            template_version: HAZARD_CLOSED.version,
            answers: self.answers(),
            written_at: written_at(now_ms),
            grade: None,
            photos,
            clock_offset_ms: None,
        }
    }

    /// [`ClosingForm::report`], judged as the server judges a new record
    /// ([`evidence::admit`]): the record, or every error by blank.
    pub fn check(
        &self,
        id: ReportId,
        thread: ReportId,
        now_ms: i64,
        photos: Vec<PhotoRef>,
    ) -> Result<Report, Vec<FieldError>> {
        let report = self.report(id, thread, now_ms, photos);
        // A closing carries its own photo: nothing earlier counts.
        match evidence::admit(&report, evidence::Earlier::default()) {
            Ok(_) => Ok(report),
            Err(errors) => Err(errors),
        }
    }
}

/// `now_ms` (Unix milliseconds) as Beijing time, as the record's writing
/// time.
pub fn written_at(now_ms: i64) -> DateTime<FixedOffset> {
    DateTime::<Utc>::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&beijing())
}

/// The message for blank `field` among `errors`, in `lang` (several joined
/// by `；`).
pub fn error_at(errors: &[FieldError], field: &str, lang: Lang) -> Option<String> {
    errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message(lang).to_owned())
        .reduce(|a, b| format!("{a}；{b}"))
}

/// The messages of `errors` that belong to no blank of the form (the
/// record's id, its thread, a refusal to write there), in `lang`, joined.
pub fn error_elsewhere(errors: &[FieldError], lang: Lang) -> Option<String> {
    errors
        .iter()
        .filter(|e| !FIELDS.contains(&e.field.as_str()) && e.field != PHOTOS)
        .map(|e| e.message(lang).to_owned())
        .reduce(|a, b| format!("{a}；{b}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::{HAZARD, HAZARD_RECTIFIED, HAZARD_RECTIFYING};
    use crate::rules::template::Template;
    use crate::ErrorCode;

    const THREAD: ReportId = ReportId(uuid::uuid!("0188b3a0-0000-7000-8000-000000000001"));
    // 2026-11-23 01:30:00 UTC = 09:30 in Beijing.
    const NOW_MS: i64 = 1_795_397_400_000;

    fn new_id() -> ReportId {
        ReportId::from_parts(NOW_MS as u64, [7; 10])
    }

    /// One photo taken at the verification, as the desk announces it.
    fn after_photo() -> Vec<PhotoRef> {
        vec![PhotoRef {
            id: crate::PhotoId::from_parts(NOW_MS as u64, [8; 10]),
            blank: PHOTOS.into(),
            sha256: "ab".repeat(32),
            size: 120_000,
            mime: "image/jpeg".into(),
            taken_at: None,
            lat: None,
            lon: None,
        }]
    }

    fn record(template: &Template, stage: Stage) -> Report {
        Report {
            id: ReportId::from_parts(1_790_000_000_000 + stage.order().0 as u64, [1; 10]),
            thread: (stage != Stage::Initial).then_some(THREAD),
            thread_key: None,
            stage,
            template_id: template.id.into(),
            template_version: template.version,
            answers: Answers::new(),
            written_at: written_at(1_790_000_000_000),
            grade: None,
            photos: Vec::new(),
            clock_offset_ms: None,
        }
    }

    fn filled() -> ClosingForm {
        ClosingForm {
            note: "护栏牢固，救生圈齐全".into(),
            phone: "13900002222".into(),
            ..ClosingForm::for_officer("新河区值班室")
        }
    }

    #[test]
    fn offered_only_when_the_latest_stage_is_rectified() {
        let found = record(&HAZARD, Stage::Initial);
        let rectifying = record(&HAZARD_RECTIFYING, Stage::Rectifying);
        let rectified = record(&HAZARD_RECTIFIED, Stage::Rectified);
        let closed = record(&HAZARD_CLOSED, Stage::Closed);
        assert!(!may_close([]));
        assert!(!may_close([&found]));
        assert!(!may_close([&found, &rectifying]));
        assert!(may_close([&found, &rectifying, &rectified]));
        assert!(may_close([&found, &rectified]));
        // In any order: a 已整改 that arrived before the 整改中.
        assert!(may_close([&rectified, &found, &rectifying]));
        // The finding still on its way: the 已整改 is enough.
        assert!(may_close([&rectified]));
        assert!(!may_close([&found, &rectified, &closed]));
        assert!(!may_close([&closed, &rectified]));
    }

    #[test]
    fn never_offered_for_an_incident() {
        let first = record(&crate::rules::catalogue::GENERAL_INCIDENT, Stage::Initial);
        let mut final_ = record(&crate::rules::catalogue::GENERAL_INCIDENT, Stage::Final);
        assert!(!may_close([&first, &final_]));
        final_.stage = Stage::FollowUp { n: 1 };
        assert!(!may_close([&first, &final_]));
    }

    #[test]
    fn the_form_opens_with_the_officer_as_verifier_and_reporter() {
        let form = ClosingForm::for_officer("新河区值班室");
        assert_eq!(form.verifier, "新河区值班室");
        assert_eq!(form.reporter, "新河区值班室");
        assert_eq!(form.note, "");
        assert_eq!(form.phone, "");
    }

    #[test]
    fn the_inputs_make_a_closing_record_that_validates() {
        let report = filled()
            .check(new_id(), THREAD, NOW_MS, after_photo())
            .expect("a valid closing");
        assert_eq!(report.id, new_id());
        assert!(report.id.is_v7());
        assert_eq!(report.thread, Some(THREAD));
        assert_eq!(report.stage, Stage::Closed);
        assert_eq!(report.template_id, "hazard_closed");
        assert_eq!(report.template_version, 2);
        assert_eq!(report.photos, after_photo());
        assert_eq!(report.grade, None);
        assert_eq!(report.written_at.to_rfc3339(), "2026-11-23T09:30:00+08:00");
        assert_eq!(report.answers.get("verifier").map(String::as_str), Some("新河区值班室"));
        assert_eq!(report.answers.get("reporter").map(String::as_str), Some("新河区值班室"));
        assert_eq!(report.answers.get("phone").map(String::as_str), Some("13900002222"));
        assert_eq!(
            report.answers.get("note").map(String::as_str),
            Some("护栏牢固，救生圈齐全")
        );
    }

    #[test]
    fn answers_are_trimmed_and_an_empty_note_is_left_out() {
        let form = ClosingForm {
            verifier: "  镇安全办 王军 ".into(),
            note: "   ".into(),
            ..filled()
        };
        let report = form
            .check(new_id(), THREAD, NOW_MS, after_photo())
            .expect("valid without a note");
        assert_eq!(
            report.answers.get("verifier").map(String::as_str),
            Some("镇安全办 王军")
        );
        assert!(!report.answers.contains_key("note"));
        assert_eq!(report.answers.len(), 3);
    }

    #[test]
    fn each_bad_blank_is_named_in_chinese_first() {
        let form = ClosingForm {
            verifier: " ".into(),
            reporter: String::new(),
            phone: "12".into(),
            note: "好".repeat(501),
        };
        let errors = form
            .check(new_id(), THREAD, NOW_MS, after_photo())
            .expect_err("four bad blanks");
        let codes: Vec<(&str, ErrorCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("verifier", ErrorCode::Required),
                ("note", ErrorCode::TooLong),
                ("reporter", ErrorCode::Required),
                ("phone", ErrorCode::BadPhone),
            ]
        );
        assert_eq!(error_at(&errors, "verifier", Lang::Zh).as_deref(), Some("请填写验收人"));
        assert_eq!(error_at(&errors, "reporter", Lang::Zh).as_deref(), Some("请填写报告人"));
        assert!(error_at(&errors, "phone", Lang::Zh).is_some_and(|m| m.starts_with("联系电话：请填写")));
        assert_eq!(error_elsewhere(&errors, Lang::Zh), None);
    }

    #[test]
    fn a_missing_phone_is_required() {
        let form = ClosingForm::for_officer("新河区值班室");
        let errors = form
            .check(new_id(), THREAD, NOW_MS, after_photo())
            .expect_err("no phone");
        assert_eq!(error_at(&errors, "phone", Lang::Zh).as_deref(), Some("请填写联系电话"));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn errors_outside_the_form_are_shown_apart() {
        // A record that is its own thread, with an id that is not a v7.
        let bad_id = ReportId(uuid::uuid!("0188b3a0-0000-4000-8000-000000000001"));
        let errors = filled()
            .check(bad_id, bad_id, NOW_MS, after_photo())
            .expect_err("bad id and thread");
        assert_eq!(
            error_elsewhere(&errors, Lang::Zh).as_deref(),
            Some("记录编号必须是 UUIDv7；续报、终报不能自成事件")
        );
        // The server's refusal of a reporter's closing, as it answers.
        let refusal = crate::rules::writers::Refusal::OfficeOnly.text();
        let refused = vec![FieldError::new(
            "thread",
            ErrorCode::NotPermitted,
            refusal.zh,
            refusal.en,
        )];
        assert_eq!(error_elsewhere(&refused, Lang::Zh).as_deref(), Some(refusal.zh));
        assert_eq!(error_at(&refused, "verifier", Lang::Zh), None);
    }

    #[test]
    fn get_and_set_reach_every_field() {
        let mut form = ClosingForm::default();
        for (i, field) in FIELDS.iter().enumerate() {
            form.set(field, format!("v{i}"));
        }
        form.set("unknown", "x".into());
        assert_eq!(FIELDS.map(|f| form.get(f).to_owned()), ["v0", "v1", "v2", "v3"]);
        assert_eq!(form.get("unknown"), "");
    }

    #[test]
    fn the_form_has_the_closing_templates_blanks_in_order() {
        let blanks: Vec<&str> = HAZARD_CLOSED.blanks.iter().map(|b| b.id).collect();
        assert_eq!(blanks, ["verifier", PHOTOS, "note", "reporter", "phone"]);
        let text: Vec<&str> = blanks.into_iter().filter(|&b| b != PHOTOS).collect();
        assert_eq!(text, FIELDS);
    }

    #[test]
    fn a_closing_without_a_photo_is_refused_at_the_photo_blank() {
        let errors = filled()
            .check(new_id(), THREAD, NOW_MS, Vec::new())
            .expect_err("no photo");
        assert!(!errors.is_empty());
        assert!(errors
            .iter()
            .all(|e| e.field == PHOTOS && e.code == ErrorCode::PhotosMissing));
        assert!(error_at(&errors, PHOTOS, Lang::Zh).is_some_and(|m| m.starts_with("验收照片")));
        assert_eq!(error_elsewhere(&errors, Lang::Zh), None);
    }
}

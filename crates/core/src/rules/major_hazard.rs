//! 重大隐患 with 挂牌督办: a hazard flagged major is rectified under a named
//! supervising office, and the desk watches its deadline more closely.
//!
//! The sources name the practice (对存在重大隐患的运输企业实施挂牌督办,
//! `001_…txt`) but no figures for it; the national rule on hazard
//! rectification (安全生产事故隐患排查治理暂行规定, 2007) asks a major hazard
//! to carry a rectification plan with a time limit and a responsible
//! supervisor. So, from hazard template version 2:
//! - the flag `major` (是/否) and, when it is yes, the supervising office
//!   `supervisor` (挂牌督办单位) is required; the rectification deadline is
//!   required of every hazard already;
//! - the desk flags a major hazard's deadline as due soon
//!   [`MAJOR_WARN_DAYS`] days before it (an ordinary one only once it is
//!   overdue), and sorts major hazards before ordinary ones.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::report::{Answers, Report};
use crate::rules::stage::Stage;
use crate::rules::template::Template;
use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::timestamp::parse_date;

/// The yes/no blank: 是否重大隐患.
pub const MAJOR: &str = "major";
/// The supervising office: 挂牌督办单位.
pub const SUPERVISOR: &str = "supervisor";
/// Days before its rectification deadline a major hazard counts as due
/// soon on the desk.
pub const MAJOR_WARN_DAYS: i64 = 7;

/// Whether the answers flag the hazard major.
pub fn is_major(answers: &Answers) -> bool {
    answers.get(MAJOR).is_some_and(|v| v.trim() == "yes")
}

/// The supervising office named, if any.
pub fn supervisor(answers: &Answers) -> Option<&str> {
    answers.get(SUPERVISOR).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A major hazard names its supervising office (templates with the flag).
pub fn check(template: &Template, answers: &Answers) -> Vec<FieldError> {
    let Some(blank) = template.blank(SUPERVISOR) else {
        return Vec::new();
    };
    if template.blank(MAJOR).is_none() || !is_major(answers) || supervisor(answers).is_some() {
        return Vec::new();
    }
    vec![FieldError::new(
        SUPERVISOR,
        ErrorCode::Required,
        format!(
            "{}：重大隐患须写明挂牌督办单位。请填写督办单位，或把“是否重大隐患”改为“否”。",
            blank.label.zh
        ),
        format!(
            "{}: a major hazard needs its supervising office. Name it, or set “major hazard” to no.",
            blank.label.en
        ),
    )]
}

/// A major hazard as the desk lists it: who supervises it, and the days
/// left to its deadline while it is due soon.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorHazard {
    /// 挂牌督办单位.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<String>,
    /// Days left to the rectification deadline, within
    /// [`MAJOR_WARN_DAYS`] and not yet rectified (see [`due_soon`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_soon_days: Option<i64>,
}

/// The flag of the hazard whose records are `records` (in any order) on
/// `today` (Beijing): `None` unless its finding flags it major.
pub fn of_thread<'a>(records: impl IntoIterator<Item = &'a Report> + Clone, today: NaiveDate) -> Option<MajorHazard> {
    let finding = records.clone().into_iter().find(|r| r.stage == Stage::Initial)?;
    if !is_major(&finding.answers) {
        return None;
    }
    let rectified = records
        .into_iter()
        .any(|r| matches!(r.stage, Stage::Rectified | Stage::Closed));
    let by = finding.answers.get("rectify_by").and_then(|d| parse_date(d));
    Some(MajorHazard {
        supervisor: supervisor(&finding.answers).map(str::to_owned),
        due_soon_days: by.and_then(|by| due_soon(by, today, true, rectified)),
    })
}

/// Days left to a rectification deadline `by` on `today` when the desk
/// should flag it as due soon: within [`MAJOR_WARN_DAYS`] for a major
/// hazard (0 on the day itself), never for an ordinary one; `None` once it
/// is overdue (that is said apart) or rectified.
pub fn due_soon(by: NaiveDate, today: NaiveDate, major: bool, rectified: bool) -> Option<i64> {
    let left = (by - today).num_days();
    (major && !rectified && (0..=MAJOR_WARN_DAYS).contains(&left)).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::HAZARD;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|&(k, v)| (k, v)).collect()
    }

    #[test]
    fn a_major_hazard_names_its_supervisor() {
        let errors = check(&HAZARD, &answers(&[(MAJOR, "yes")]));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code),
            (SUPERVISOR, ErrorCode::Required)
        );
        assert!(
            errors[0].zh.starts_with("挂牌督办单位：") && errors[0].zh.contains('请'),
            "{}",
            errors[0].zh
        );
        let blank_only = answers(&[(MAJOR, "yes"), (SUPERVISOR, "  ")]);
        assert_eq!(check(&HAZARD, &blank_only).len(), 1);
        assert!(check(&HAZARD, &answers(&[(MAJOR, "yes"), (SUPERVISOR, "县应急管理局")])).is_empty());
        assert!(check(&HAZARD, &answers(&[(MAJOR, "no")])).is_empty());
        assert!(check(&HAZARD, &answers(&[])).is_empty());
    }

    #[test]
    fn templates_without_the_flag_ask_nothing() {
        let v1 = crate::rules::catalogue::find("hazard", 1).expect("hazard v1");
        assert!(check(v1, &answers(&[(MAJOR, "yes")])).is_empty());
    }

    fn record(stage: Stage, answers: Answers) -> Report {
        let mut r = crate::rules::examples::report(&HAZARD, stage);
        r.answers = answers;
        r
    }

    #[test]
    fn the_desk_reads_the_flag_from_the_finding() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        let major = answers(&[
            (MAJOR, "yes"),
            (SUPERVISOR, "县应急管理局"),
            ("rectify_by", "2026-12-05"),
        ]);
        let found = record(Stage::Initial, major.clone());
        assert_eq!(
            of_thread([&found], today),
            Some(MajorHazard {
                supervisor: Some("县应急管理局".into()),
                due_soon_days: Some(4),
            })
        );
        let rectified = record(Stage::Rectified, Answers::new());
        assert_eq!(
            of_thread([&found, &rectified], today).and_then(|m| m.due_soon_days),
            None
        );
        let ordinary = record(Stage::Initial, answers(&[(MAJOR, "no"), ("rectify_by", "2026-12-05")]));
        assert_eq!(of_thread([&ordinary], today), None);
        // The flag is the finding's: a later record's answers do not count.
        assert_eq!(of_thread([&record(Stage::Rectifying, major)], today), None);
    }

    #[test]
    fn a_major_hazard_is_due_soon_a_week_ahead() {
        let by = NaiveDate::from_ymd_opt(2026, 12, 20).expect("day");
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("day");
        assert_eq!(due_soon(by, day(12), true, false), None, "8 days left");
        assert_eq!(due_soon(by, day(13), true, false), Some(7), "7 days left");
        assert_eq!(due_soon(by, day(20), true, false), Some(0), "the day itself");
        assert_eq!(due_soon(by, day(21), true, false), None, "overdue, said apart");
        assert_eq!(due_soon(by, day(13), false, false), None, "an ordinary hazard");
        assert_eq!(due_soon(by, day(13), true, true), None, "rectified");
    }
}

//! The deadline rules at their boundaries: one minute before and after
//! each due time, received against written, the clock started by the time
//! the event became known, calls apart from the written report, and each
//! example rules file.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

use super::*;
use crate::rules::catalogue;
use crate::rules::thread::{Judge, StageRecord};
use crate::wire::timestamp::{beijing, parse_datetime};
use crate::{Answers, GradeDecision, Stage, Template};

fn t(s: &str) -> NaiveDateTime {
    parse_datetime(s).expect("test time")
}

fn example(name: &str) -> RuleSet {
    let path = format!("{}/../../rules/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    file::read(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One record as the judge sees it, with every time set by hand.
#[derive(Debug, Clone)]
struct Rec {
    stage: Stage,
    template: &'static Template,
    answers: Answers,
    grade: Option<GradeDecision>,
    /// Beijing time by the phone's clock.
    written: Option<NaiveDateTime>,
    offset_ms: Option<i64>,
    /// Beijing time by the server's clock.
    received: Option<NaiveDateTime>,
}

impl StageRecord for Rec {
    fn stage(&self) -> Stage {
        self.stage
    }
    fn template_id(&self) -> &str {
        self.template.id
    }
    fn template_version(&self) -> u32 {
        self.template.version
    }
    fn answers(&self) -> &Answers {
        &self.answers
    }
    fn grade_decision(&self) -> Option<&GradeDecision> {
        self.grade.as_ref()
    }
    fn submitted_at(&self) -> Option<DateTime<FixedOffset>> {
        self.written.and_then(|w| beijing().from_local_datetime(&w).single())
    }
    fn received_at(&self) -> Option<DateTime<Utc>> {
        self.received
            .and_then(|r| beijing().from_local_datetime(&r).single())
            .map(|r| r.with_timezone(&Utc))
    }
    fn clock_offset_ms(&self) -> Option<i64> {
        self.offset_ms
    }
}

fn template(id: &str) -> &'static Template {
    catalogue::find(id, 1).expect("template")
}

/// A 首报 of `template_id`, graded `grade`, the event at 09:00.
fn first(template_id: &str, grade: Grade) -> Rec {
    let mut answers = Answers::new();
    answers.insert("occurred_at".into(), "2026-11-23T09:00".into());
    Rec {
        stage: Stage::Initial,
        template: template(template_id),
        answers,
        grade: Some(GradeDecision {
            suggested: grade,
            chosen: grade,
            reason: String::new(),
        }),
        written: None,
        offset_ms: None,
        received: None,
    }
}

fn written(mut r: Rec, at: &str) -> Rec {
    r.written = Some(t(at));
    r
}

fn received(mut r: Rec, written_at: &str, received_at: &str) -> Rec {
    r.written = Some(t(written_at));
    r.received = Some(t(received_at));
    r
}

fn call(at: &str) -> Rec {
    let mut answers = Answers::new();
    answers.insert("called_at".into(), at.into());
    Rec {
        stage: Stage::Call { n: 1 },
        template: catalogue::call(),
        answers,
        grade: None,
        written: Some(t(at)),
        offset_ms: None,
        received: None,
    }
}

fn follow_up(n: u32, written_at: &str, received_at: Option<&str>) -> Rec {
    let mut r = first("general_incident", Grade::III);
    r.stage = Stage::FollowUp { n };
    r.written = Some(t(written_at));
    r.received = received_at.map(t);
    r
}

fn standings(records: &[Rec], rules: &RuleSet, now: &str) -> Vec<(String, NaiveDateTime, Standing)> {
    Judge::new(records)
        .deadlines(rules, t(now))
        .into_iter()
        .map(|(due, s)| (due.rule.id.clone(), due.at, s))
        .collect()
}

fn of(records: &[Rec], rules: &RuleSet, rule: &str, now: &str) -> Standing {
    standings(records, rules, now)
        .into_iter()
        .find(|(id, _, _)| id == rule)
        .map(|(_, _, s)| s)
        .unwrap_or_else(|| panic!("no deadline {rule}"))
}

fn ids(records: &[Rec], rules: &RuleSet) -> Vec<(String, String)> {
    standings(records, rules, "2026-11-23T09:00")
        .into_iter()
        .map(|(id, at, _)| (id, at.format("%m-%d %H:%M").to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn a_general_event_has_no_national_deadline() {
    let national = RuleSet::national();
    assert_eq!(ids(&[first("general_incident", Grade::IV)], &national), pairs(&[]));
}

#[test]
fn major_and_graver_have_phone_in_30_minutes_and_written_in_an_hour() {
    let national = RuleSet::national();
    for grade in [Grade::III, Grade::II, Grade::I] {
        assert_eq!(
            ids(&[first("general_incident", grade)], &national),
            pairs(&[("phone", "11-23 09:30"), ("written", "11-23 10:00")])
        );
    }
}

#[test]
fn a_sensitive_event_counts_as_major() {
    let national = RuleSet::national();
    let mut r = first("general_incident", Grade::IV);
    r.answers.insert("sensitive".into(), "yes".into());
    assert_eq!(
        ids(&[r.clone()], &national),
        pairs(&[("phone", "11-23 09:30"), ("written", "11-23 10:00")])
    );
    r.answers.insert("sensitive".into(), "no".into());
    assert_eq!(ids(&[r], &national), pairs(&[]));
    // Only for the office's own deadlines: regulation 493's chain up the
    // authorities goes by the accident's grade, and a sensitive 一般
    // accident goes no further than the city.
    let mut accident = first("work_safety", Grade::IV);
    accident.answers.insert("sensitive".into(), "yes".into());
    assert_eq!(
        ids(&[accident], &national),
        pairs(&[
            ("phone", "11-23 09:30"),
            ("written", "11-23 10:00"),
            ("county_authority", "11-23 10:00"),
            ("upward_city", "11-23 12:00"),
            ("casualty_follow_up", "12-23 09:00"),
        ])
    );
}

#[test]
fn regulation_493_chain_for_every_work_safety_accident() {
    let national = RuleSet::national();
    let lines = |template: &str, grade| {
        ids(&[first(template, grade)], &national)
            .into_iter()
            .map(|(id, at)| format!("{id} {at}"))
            .collect::<Vec<_>>()
    };
    // Every grade: the county authority within 1 h, the city 2 h later,
    // casualty changes for 30 days.
    assert_eq!(
        lines("work_safety", Grade::IV),
        [
            "county_authority 11-23 10:00",
            "upward_city 11-23 12:00",
            "casualty_follow_up 12-23 09:00"
        ]
    );
    // 较大: also the province, 2 h after the city; and the office's own
    // phone and written deadlines.
    assert_eq!(
        lines("hazardous_chemicals", Grade::III),
        [
            "phone 11-23 09:30",
            "written 11-23 10:00",
            "county_authority 11-23 10:00",
            "upward_city 11-23 12:00",
            "upward_province 11-23 14:00",
            "casualty_follow_up 12-23 09:00"
        ]
    );
    // 重大: up to the State Council's authority, 2 h after the province.
    assert!(lines("collapse", Grade::II).contains(&"upward_national 11-23 16:00".to_owned()));
    assert!(!lines("collapse", Grade::III)
        .iter()
        .any(|l| l.starts_with("upward_national")));
    // Road traffic and fire: casualty changes for 7 days.
    for template in ["road_traffic", "fire"] {
        let l = lines(template, Grade::IV);
        assert!(
            l.contains(&"casualty_follow_up_7 11-30 09:00".to_owned()),
            "{template}: {l:?}"
        );
        assert!(
            !l.iter().any(|x| x.starts_with("casualty_follow_up ")),
            "{template}: {l:?}"
        );
    }
    // Not a work-safety accident: none of it.
    assert!(lines("public_health", Grade::IV).is_empty());
}

#[test]
fn the_steps_up_the_chain_and_the_window_inform_and_are_never_overdue() {
    let national = RuleSet::national();
    let r = [first("work_safety", Grade::IV)];
    assert_eq!(
        of(&r, &national, "upward_city", "2026-11-23T11:59"),
        Standing::Info { seconds: 60 }
    );
    assert_eq!(
        of(&r, &national, "upward_city", "2026-11-23T12:01"),
        Standing::Info { seconds: -60 }
    );
    assert_eq!(
        of(&r, &national, "casualty_follow_up", "2026-12-23T08:59"),
        Standing::Info { seconds: 60 }
    );
}

#[test]
fn natural_disasters_have_the_two_hour_initial_report_and_grave_ones_the_daily_report() {
    let national = RuleSet::national();
    let mut r = first("flood", Grade::II);
    r.answers.insert("occurred_at".into(), "2026-11-23T23:30".into());
    // The daily report of the 23rd (to 24:00) is due at 09:00 the next day.
    assert_eq!(
        ids(std::slice::from_ref(&r), &national),
        pairs(&[
            ("phone", "11-24 00:00"),
            ("written", "11-24 00:30"),
            ("disaster_initial", "11-24 01:30"),
            ("disaster_daily", "11-24 09:00")
        ])
    );
    // 重特大 only (the statistics system's 日报): a 较大 or 一般 flood owes
    // its initial report, and no daily one.
    for grade in [Grade::III, Grade::IV] {
        let mut minor = first("flood", grade);
        minor.answers.insert("occurred_at".into(), "2026-11-23T23:30".into());
        let listed = ids(&[minor], &national);
        assert!(listed.iter().any(|(id, _)| id == "disaster_initial"), "{grade:?}");
        assert!(
            !listed.iter().any(|(id, _)| id == "disaster_daily"),
            "{grade:?}: {listed:?}"
        );
    }
}

#[test]
fn the_written_report_is_met_when_received_not_when_written() {
    let national = RuleSet::national();
    let grave = || first("general_incident", Grade::III);
    // Received a minute before the hour: met.
    let r = [received(grave(), "2026-11-23T09:50", "2026-11-23T09:59")];
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T12:00"),
        Standing::Met { early_seconds: 60 }
    );
    // Received exactly at the hour: met.
    let r = [received(grave(), "2026-11-23T09:50", "2026-11-23T10:00")];
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T12:00"),
        Standing::Met { early_seconds: 0 }
    );
    // Written a minute before, received two hours after (no signal):
    // delivered late, not written late.
    let r = [received(grave(), "2026-11-23T09:59", "2026-11-23T12:00")];
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T13:00"),
        Standing::DeliveredLate { late_seconds: 7200 }
    );
    // Written a minute after: written late.
    let r = [received(grave(), "2026-11-23T10:01", "2026-11-23T10:02")];
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T13:00"),
        Standing::MetLate { late_seconds: 120 }
    );
    // A phone 15 minutes slow says 09:50; corrected, it was written at
    // 10:05: written late.
    let mut slow = received(grave(), "2026-11-23T09:50", "2026-11-23T10:06");
    slow.offset_ms = Some(15 * 60_000);
    assert_eq!(
        of(std::slice::from_ref(&slow), &national, "written", "2026-11-23T13:00"),
        Standing::MetLate { late_seconds: 360 }
    );
    // The evidence: received, written (corrected) and the offset.
    let judged = Judge::new(&[slow]).judged(&national, t("2026-11-23T13:00"));
    let (_, _, met_by) = judged.iter().find(|(d, _, _)| d.rule.id == "written").expect("written");
    assert_eq!(
        *met_by,
        Some(Delivery {
            received: Some(t("2026-11-23T10:06")),
            written: t("2026-11-23T10:05"),
            offset_ms: Some(15 * 60_000),
        })
    );
}

#[test]
fn before_its_receipt_a_written_report_does_not_meet_the_deadline() {
    let national = RuleSet::national();
    // Written at 09:40 on a phone with no signal: still running, then
    // overdue, whatever the phone wrote.
    let r = [written(first("general_incident", Grade::III), "2026-11-23T09:40")];
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T09:59"),
        Standing::Left { seconds: 60 }
    );
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T10:01"),
        Standing::Overdue { seconds: 60 }
    );
    // A draft meets nothing either.
    let r = [first("general_incident", Grade::III)];
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T10:01"),
        Standing::Overdue { seconds: 60 }
    );
}

#[test]
fn clocks_start_when_the_event_became_known_if_that_was_later() {
    let national = RuleSet::national();
    let mut r = first("general_incident", Grade::III);
    r.answers.insert("known_at".into(), "2026-11-24T09:00".into());
    assert_eq!(
        ids(&[r.clone()], &national),
        pairs(&[("phone", "11-24 09:30"), ("written", "11-24 10:00")])
    );
    assert_eq!(
        of(&[r.clone()], &national, "written", "2026-11-24T09:59"),
        Standing::Left { seconds: 60 }
    );
    assert_eq!(
        of(&[r.clone()], &national, "written", "2026-11-24T10:01"),
        Standing::Overdue { seconds: 60 }
    );
    // Known before it happened (a typing slip): the event time counts.
    r.answers.insert("known_at".into(), "2026-11-23T08:00".into());
    assert_eq!(
        ids(&[r], &national)[1],
        ("written".to_owned(), "11-23 10:00".to_owned())
    );
}

#[test]
fn a_call_meets_the_phone_deadline_and_only_that() {
    let national = RuleSet::national();
    let grave = first("general_incident", Grade::III);
    let r = [grave.clone(), call("2026-11-23T09:29")];
    assert_eq!(
        of(&r, &national, "phone", "2026-11-23T09:45"),
        Standing::Met { early_seconds: 60 }
    );
    // The call does not meet the written report.
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T10:01"),
        Standing::Overdue { seconds: 60 }
    );
    let r = [grave.clone(), call("2026-11-23T09:31")];
    assert_eq!(
        of(&r, &national, "phone", "2026-11-23T09:45"),
        Standing::MetLate { late_seconds: 60 }
    );
    // The written report does not meet the phone deadline.
    let r = [received(grave, "2026-11-23T09:10", "2026-11-23T09:11")];
    assert_eq!(
        of(&r, &national, "phone", "2026-11-23T09:31"),
        Standing::Overdue { seconds: 60 }
    );
    assert_eq!(
        of(&r, &national, "written", "2026-11-23T09:31"),
        Standing::Met { early_seconds: 2940 }
    );
}

/// A 续报 of the general incident graded `grade`, written and received at
/// these times (`None`: on its way).
fn regraded(n: u32, grade: Grade, written_at: &str, received_at: Option<&str>) -> Rec {
    let mut r = follow_up(n, written_at, received_at);
    r.grade = Some(GradeDecision {
        suggested: grade,
        chosen: grade,
        reason: String::new(),
    });
    r
}

/// The 首报 of a general incident at 09:00 graded `grade`, written at
/// 09:05 and received at 09:10.
fn filed(grade: Grade) -> Rec {
    received(first("general_incident", grade), "2026-11-23T09:05", "2026-11-23T09:10")
}

#[test]
fn a_deadline_missed_while_the_thread_stood_graver_stays_missed_after_a_lesser_grade() {
    let national = RuleSet::national();
    let grave = filed(Grade::III);
    // 较大 from the event (09:00) to 10:30, when a 续报 found it 一般: the
    // phone report due at 09:30 was missed by an hour then. The written one
    // (10:00) was met by the 首报, in time: nothing to list. 一般 itself
    // owes neither.
    let lesser = regraded(1, Grade::IV, "2026-11-23T10:25", Some("2026-11-23T10:30"));
    // At noon, with a call logged at `called_at` (or none).
    let at_noon = |called_at: Option<&str>| {
        let mut thread = vec![grave.clone()];
        thread.extend(called_at.map(|at| received(call(at), at, at)));
        thread.push(lesser.clone());
        standings(&thread, &national, "2026-11-23T12:00")
    };
    let phone = |s| vec![("phone".to_owned(), t("2026-11-23T09:30"), s)];
    assert_eq!(at_noon(None), phone(Standing::Lapsed { seconds: 3600 }));
    // A call made late, before or after the lesser grade came, is late by
    // as long as it was.
    assert_eq!(
        at_noon(Some("2026-11-23T09:50")),
        phone(Standing::MetLate { late_seconds: 1200 })
    );
    assert_eq!(
        at_noon(Some("2026-11-23T10:40")),
        phone(Standing::MetLate { late_seconds: 4200 })
    );
    // Made in time: nothing to answer for.
    assert_eq!(at_noon(Some("2026-11-23T09:20")), vec![]);
    // Found 一般 before the phone report fell due: it was never owed.
    let early = [
        grave.clone(),
        regraded(1, Grade::IV, "2026-11-23T09:15", Some("2026-11-23T09:20")),
    ];
    assert_eq!(standings(&early, &national, "2026-11-23T12:00"), vec![]);
    // The 首报 arrived after the phone report fell due (no signal): it
    // stood 较大 from the event all the same, and the miss stays.
    let late_first = [
        received(
            first("general_incident", Grade::III),
            "2026-11-23T09:35",
            "2026-11-23T09:40",
        ),
        regraded(1, Grade::IV, "2026-11-23T10:25", Some("2026-11-23T10:30")),
    ];
    assert_eq!(
        standings(&late_first, &national, "2026-11-23T12:00"),
        phone(Standing::Lapsed { seconds: 3600 })
    );
}

#[test]
fn graver_grades_in_a_row_count_as_one_span_to_the_lesser_one() {
    let national = RuleSet::national();
    let phone = |s| vec![("phone".to_owned(), t("2026-11-23T09:30"), s)];
    // 重大 at 09:10, 较大 at 09:40, 一般 at 11:00: the phone report (due
    // 09:30 under both) was owed to 11:00.
    let thread = |extra: Option<Rec>| {
        let mut records = vec![filed(Grade::II)];
        records.extend(extra);
        records.push(regraded(1, Grade::III, "2026-11-23T09:35", Some("2026-11-23T09:40")));
        records.push(regraded(2, Grade::IV, "2026-11-23T10:55", Some("2026-11-23T11:00")));
        standings(&records, &national, "2026-11-23T12:00")
    };
    assert_eq!(thread(None), phone(Standing::Lapsed { seconds: 5400 }));
    let late_call = received(call("2026-11-23T10:00"), "2026-11-23T10:00", "2026-11-23T10:00");
    assert_eq!(thread(Some(late_call)), phone(Standing::MetLate { late_seconds: 1800 }));
    // 较大, then 较大 flagged 敏感 at 09:40, then 一般 at 11:00: the same.
    let mut flagged = regraded(1, Grade::III, "2026-11-23T09:35", Some("2026-11-23T09:40"));
    flagged.answers.insert("sensitive".into(), "yes".into());
    let records = [
        filed(Grade::III),
        flagged,
        regraded(2, Grade::IV, "2026-11-23T10:55", Some("2026-11-23T11:00")),
    ];
    assert_eq!(
        standings(&records, &national, "2026-11-23T12:00"),
        phone(Standing::Lapsed { seconds: 5400 })
    );
}

#[test]
fn the_record_that_makes_a_thread_lesser_meets_what_it_answers_and_a_late_step_up_stays_late() {
    // Provincial: 较大 from the event (09:00), its call in time; the 续报 that finds it
    // 一般, received at 17:12, is the 17:00 follow-up, late.
    let province = example("provincial-example.json");
    let records = [
        filed(Grade::III),
        received(call("2026-11-23T09:20"), "2026-11-23T09:20", "2026-11-23T09:20"),
        regraded(1, Grade::IV, "2026-11-23T17:10", Some("2026-11-23T17:12")),
    ];
    let follow_up = standings(&records, &province, "2026-11-23T18:00")
        .into_iter()
        .filter(|(id, _, _)| id == "follow_up_daily")
        .collect::<Vec<_>>();
    assert_eq!(
        follow_up,
        [(
            "follow_up_daily".to_owned(),
            t("2026-11-23T17:00"),
            Standing::MetLate { late_seconds: 720 }
        )]
    );
    // A 重大 work-safety accident whose step to the State Council the
    // office signed half an hour late; then found 较大, which owes no such
    // step: the late signing stays on the record.
    let national = RuleSet::national();
    let accident = [
        received(
            first("hazardous_chemicals", Grade::II),
            "2026-11-23T09:05",
            "2026-11-23T09:10",
        ),
        Rec {
            template: template("hazardous_chemicals"),
            ..regraded(1, Grade::III, "2026-11-23T16:55", Some("2026-11-23T17:00"))
        },
    ];
    let signed = [Forwarded {
        step: "upward_national".into(),
        at: t("2026-11-23T16:30"),
    }];
    let step = Judge::new(&accident)
        .with_forwarded(&signed)
        .deadlines(&national, t("2026-11-23T18:00"))
        .into_iter()
        .find(|(due, _)| due.rule.id == "upward_national")
        .map(|(_, s)| s);
    assert_eq!(step, Some(Standing::MetLate { late_seconds: 1800 }));
}

#[test]
fn the_first_records_grade_stands_from_the_start_whatever_arrives_before_it() {
    let national = RuleSet::national();
    // The 较大 首报 arrives at 11:30 (refused, then fixed), after the 续报
    // that found it 一般 (10:30): it stood 较大 from 09:00 to 10:30.
    let late_first = [
        received(
            first("general_incident", Grade::III),
            "2026-11-23T09:05",
            "2026-11-23T11:30",
        ),
        regraded(1, Grade::IV, "2026-11-23T10:25", Some("2026-11-23T10:30")),
    ];
    assert_eq!(
        standings(&late_first, &national, "2026-11-23T12:00"),
        vec![
            (
                "phone".to_owned(),
                t("2026-11-23T09:30"),
                Standing::Lapsed { seconds: 3600 }
            ),
            (
                "written".to_owned(),
                t("2026-11-23T10:00"),
                Standing::DeliveredLate { late_seconds: 1800 }
            ),
        ]
    );
    // A 一般 首报 arriving last does not carry a later 较大 (10:20 to 11:00)
    // back to the event: in whatever order the records arrived, the phone
    // report was owed from 10:20, by 10:50, and missed.
    for first_arrives in ["2026-11-23T11:30", "2026-11-23T09:10"] {
        let records = [
            received(first("general_incident", Grade::IV), "2026-11-23T09:05", first_arrives),
            regraded(1, Grade::III, "2026-11-23T10:20", Some("2026-11-23T10:25")),
            regraded(2, Grade::IV, "2026-11-23T10:55", Some("2026-11-23T11:00")),
        ];
        assert_eq!(
            standings(&records, &national, "2026-11-23T12:00"),
            vec![(
                "phone".to_owned(),
                t("2026-11-23T10:50"),
                Standing::Lapsed { seconds: 600 }
            )],
            "{first_arrives}"
        );
    }
}

#[test]
fn a_step_up_signed_late_stays_late_when_only_a_sensitive_flag_keeps_the_grade_deadlines_count_by() {
    // 较大 chemicals accident; the step to the province (14:00) signed at
    // 15:00; at 16:00 a 续报 finds it 一般 but flags it 敏感 (still 较大 for
    // the office's deadlines, not for the steps up the chain).
    let national = RuleSet::national();
    let mut lesser = Rec {
        template: template("hazardous_chemicals"),
        ..regraded(1, Grade::IV, "2026-11-23T15:55", Some("2026-11-23T16:00"))
    };
    lesser.answers.insert("sensitive".into(), "yes".into());
    let accident = [
        received(
            first("hazardous_chemicals", Grade::III),
            "2026-11-23T09:05",
            "2026-11-23T09:10",
        ),
        lesser,
    ];
    let signed = [Forwarded {
        step: "upward_province".into(),
        at: t("2026-11-23T15:00"),
    }];
    let step = Judge::new(&accident)
        .with_forwarded(&signed)
        .deadlines(&national, t("2026-11-23T18:00"))
        .into_iter()
        .find(|(due, _)| due.rule.id == "upward_province")
        .map(|(_, s)| s);
    assert_eq!(step, Some(Standing::MetLate { late_seconds: 3600 }));
}

#[test]
fn where_two_graver_stretches_overlap_on_a_deadline_the_later_says_how_long_it_was_owed() {
    // 较大 from 09:00; 一般 written 09:20, arriving 09:40; 较大 again
    // written 09:25, arriving 10:00; 一般 at 11:00. The phone report (09:30)
    // was owed to 11:00.
    let national = RuleSet::national();
    let records = [
        filed(Grade::III),
        regraded(1, Grade::IV, "2026-11-23T09:20", Some("2026-11-23T09:40")),
        regraded(2, Grade::III, "2026-11-23T09:25", Some("2026-11-23T10:00")),
        regraded(3, Grade::IV, "2026-11-23T10:55", Some("2026-11-23T11:00")),
    ];
    assert_eq!(
        standings(&records, &national, "2026-11-23T12:00"),
        vec![(
            "phone".to_owned(),
            t("2026-11-23T09:30"),
            Standing::Lapsed { seconds: 5400 }
        )]
    );
}

#[test]
fn graver_grades_owing_the_same_kind_of_report_count_as_one_stretch_under_their_own_rules() {
    // Provincial: 重大 (phone by 09:15) from 09:00, 较大 (phone by 09:30)
    // written 09:35, 一般 at 11:00, and no call: the phone report was owed
    // from 09:15 to 11:00.
    let province = example("provincial-example.json");
    let records = [
        filed(Grade::II),
        regraded(1, Grade::III, "2026-11-23T09:35", Some("2026-11-23T09:40")),
        regraded(2, Grade::IV, "2026-11-23T10:55", Some("2026-11-23T11:00")),
    ];
    assert_eq!(
        standings(&records, &province, "2026-11-23T12:00"),
        vec![
            (
                "phone".to_owned(),
                t("2026-11-23T09:15"),
                Standing::Lapsed { seconds: 6300 }
            ),
            (
                "written_general".to_owned(),
                t("2026-11-23T15:00"),
                Standing::Met { early_seconds: 21000 }
            ),
        ]
    );
}

#[test]
fn a_graver_grades_deadline_of_the_same_kind_stays_owed_while_the_grade_now_held_owes_that_kind() {
    // Provincial: 重大 (phone by 09:15) from 09:00, 较大 (phone by 09:30)
    // from 09:35: the phone report is owed still, under both lines, on the
    // desk and on the phone with a 一般 续报 typed or on its way; never
    // "no longer owed" before the 一般 one arrives.
    let province = example("provincial-example.json");
    let held = [
        filed(Grade::II),
        regraded(1, Grade::III, "2026-11-23T09:35", Some("2026-11-23T09:40")),
    ];
    let phone_lines = |records: &[Rec], now: &str| {
        standings(records, &province, now)
            .into_iter()
            .filter(|(id, _, _)| id.starts_with("phone"))
            .collect::<Vec<_>>()
    };
    let owed = vec![
        (
            "phone".to_owned(),
            t("2026-11-23T09:15"),
            Standing::Overdue { seconds: 2700 },
        ),
        (
            "phone_major".to_owned(),
            t("2026-11-23T09:30"),
            Standing::Overdue { seconds: 1800 },
        ),
    ];
    assert_eq!(phone_lines(&held, "2026-11-23T10:00"), owed);
    let lesser = regraded(2, Grade::IV, "2026-11-23T09:55", None);
    for lesser in [
        lesser.clone(),
        Rec {
            written: None,
            ..lesser.clone()
        },
    ] {
        let mut typed = held.to_vec();
        typed.push(lesser);
        assert_eq!(phone_lines(&typed, "2026-11-23T10:00"), owed);
    }
    // A call at 09:50, late for both: late, whatever is typed.
    let called = vec![
        held[0].clone(),
        received(call("2026-11-23T09:50"), "2026-11-23T09:50", "2026-11-23T09:50"),
        held[1].clone(),
    ];
    let late = vec![
        (
            "phone".to_owned(),
            t("2026-11-23T09:15"),
            Standing::MetLate { late_seconds: 2100 },
        ),
        (
            "phone_major".to_owned(),
            t("2026-11-23T09:30"),
            Standing::MetLate { late_seconds: 1200 },
        ),
    ];
    assert_eq!(phone_lines(&called, "2026-11-23T10:00"), late);
    for lesser in [
        lesser.clone(),
        Rec {
            written: None,
            ..lesser.clone()
        },
    ] {
        let mut typed = called.clone();
        typed.push(lesser);
        assert_eq!(phone_lines(&typed, "2026-11-23T10:00"), late);
    }
    // 重大 again at 09:55, 较大 again at 10:15: owed still, under both.
    let mut back_and_forth = held.to_vec();
    back_and_forth.push(regraded(2, Grade::II, "2026-11-23T09:50", Some("2026-11-23T09:55")));
    back_and_forth.push(regraded(3, Grade::III, "2026-11-23T10:10", Some("2026-11-23T10:15")));
    assert_eq!(
        phone_lines(&back_and_forth, "2026-11-23T12:00"),
        vec![
            (
                "phone".to_owned(),
                t("2026-11-23T09:15"),
                Standing::Overdue { seconds: 9900 }
            ),
            (
                "phone_major".to_owned(),
                t("2026-11-23T09:30"),
                Standing::Overdue { seconds: 9000 }
            ),
        ]
    );
    // Once 一般 arrives (11:00): both no longer owed, each missed by as
    // long as it was then.
    let mut lesser_arrived = held.to_vec();
    lesser_arrived.push(Rec {
        received: Some(t("2026-11-23T11:00")),
        ..lesser
    });
    assert_eq!(
        phone_lines(&lesser_arrived, "2026-11-23T12:00"),
        vec![(
            "phone".to_owned(),
            t("2026-11-23T09:15"),
            Standing::Lapsed { seconds: 6300 }
        )],
        "the 较大 line fell due before 较大 began (09:35): the 重大 one counts"
    );
}

#[test]
fn a_graver_grade_sent_and_not_yet_received_is_owed_on_the_phone_before_a_lesser_one_after_it() {
    // Provincial: 一般 received at 09:10; a 续报 finding it 较大 written at
    // 10:20 and a later one finding it 一般 written at 18:00, both on their
    // way: the 17:00 follow-up 较大 asks is owed, as once they arrive.
    let province = example("provincial-example.json");
    let follow_ups = |records: &[Rec], now: &str| {
        standings(records, &province, now)
            .into_iter()
            .filter(|(id, _, _)| id == "follow_up_daily")
            .map(|(_, at, s)| (at, s))
            .collect::<Vec<_>>()
    };
    let base = filed(Grade::IV);
    let graver = regraded(1, Grade::III, "2026-11-23T10:20", None);
    let lesser = regraded(2, Grade::IV, "2026-11-23T18:00", None);
    let on_their_way = [base.clone(), graver.clone(), lesser.clone()];
    assert_eq!(
        follow_ups(&on_their_way, "2026-11-23T18:30")[0],
        (t("2026-11-23T17:00"), Standing::Overdue { seconds: 5400 })
    );
    let arrived = [
        base,
        Rec {
            received: Some(t("2026-11-23T19:00")),
            ..graver
        },
        Rec {
            received: Some(t("2026-11-23T19:01")),
            ..lesser
        },
    ];
    assert_eq!(
        follow_ups(&arrived, "2026-11-23T19:30"),
        [(t("2026-11-23T17:00"), Standing::DeliveredLate { late_seconds: 7200 })]
    );
}

#[test]
fn a_lesser_grade_not_yet_received_owes_what_the_graver_one_the_office_holds_owes() {
    let national = RuleSet::national();
    let grave = filed(Grade::III);
    // On the phone: the 续报 that finds it 一般 is on its way, or a draft.
    for lesser in [
        regraded(1, Grade::IV, "2026-11-23T09:20", None),
        Rec {
            written: None,
            ..regraded(1, Grade::IV, "2026-11-23T09:20", None)
        },
    ] {
        let thread = [grave.clone(), lesser];
        assert_eq!(
            standings(&thread, &national, "2026-11-23T09:25"),
            vec![
                (
                    "phone".to_owned(),
                    t("2026-11-23T09:30"),
                    Standing::Left { seconds: 300 }
                ),
                (
                    "written".to_owned(),
                    t("2026-11-23T10:00"),
                    Standing::Met { early_seconds: 3000 }
                ),
            ]
        );
        assert_eq!(
            of(&thread, &national, "phone", "2026-11-23T09:40"),
            Standing::Overdue { seconds: 600 }
        );
    }
    // No signal yet: the 较大 首报 is on its way and a 续报 draft says 一般.
    // It was sent 较大: the phone report is owed, and its call button.
    let sent = written(first("general_incident", Grade::III), "2026-11-23T09:05");
    let draft = Rec {
        written: None,
        ..regraded(1, Grade::IV, "2026-11-23T09:20", None)
    };
    assert_eq!(
        of(&[sent, draft], &national, "phone", "2026-11-23T09:25"),
        Standing::Left { seconds: 300 }
    );
}

#[test]
fn a_grave_disaster_the_office_holds_is_offered_its_daily_report_while_a_lesser_grade_is_on_its_way() {
    let national = RuleSet::national();
    let grave = received(first("flood", Grade::II), "2026-11-23T09:05", "2026-11-23T09:10");
    let lesser = Rec {
        template: template("flood"),
        ..regraded(1, Grade::IV, "2026-11-23T20:00", None)
    };
    let on_its_way = [grave.clone(), lesser.clone()];
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23);
    assert_eq!(
        Judge::new(&on_its_way).next_daily(&national, t("2026-11-24T08:00")),
        day,
        "owed, as the deadline list says"
    );
    // Once the office has the lesser grade (before that day's report fell
    // due): none is offered, and none is owed.
    let arrived = [
        grave,
        Rec {
            received: Some(t("2026-11-23T20:01")),
            ..lesser
        },
    ];
    assert_eq!(Judge::new(&arrived).next_daily(&national, t("2026-11-24T08:00")), None);
    assert!(standings(&arrived, &national, "2026-11-24T10:00")
        .iter()
        .all(|(id, _, _)| id != "disaster_daily"));
}

#[test]
fn a_graver_grade_and_back_lists_each_deadline_once_and_a_lesser_one_before_adds_nothing() {
    let national = RuleSet::national();
    // The phone report overdue once and the written one met, as 较大 owes
    // them now, in each of these: 较大, 一般 at 10:30, 较大 again at 11:00
    // (overdue, not lapsed beside it); 重大, 一般 at 10:30, 较大 at 11:00
    // (owed under both graver grades at the same time, listed once).
    let as_graver = vec![
        (
            "phone".to_owned(),
            t("2026-11-23T09:30"),
            Standing::Overdue { seconds: 9000 },
        ),
        (
            "written".to_owned(),
            t("2026-11-23T10:00"),
            Standing::Met { early_seconds: 3000 },
        ),
    ];
    let back = [
        filed(Grade::III),
        regraded(1, Grade::IV, "2026-11-23T10:25", Some("2026-11-23T10:30")),
        regraded(2, Grade::III, "2026-11-23T10:55", Some("2026-11-23T11:00")),
    ];
    let lesser_between = [
        filed(Grade::II),
        regraded(1, Grade::IV, "2026-11-23T10:25", Some("2026-11-23T10:30")),
        regraded(2, Grade::III, "2026-11-23T10:55", Some("2026-11-23T11:00")),
    ];
    for (records, what) in [(&back[..], "back"), (&lesser_between[..], "lesser between")] {
        assert_eq!(standings(records, &national, "2026-11-23T12:00"), as_graver, "{what}");
    }
    // 一般, then 较大 written at 10:25: nothing of 一般, and 较大's from
    // when it was reported (`a_grade_found_graver_later_owes_from_then`).
    let graver = [
        filed(Grade::IV),
        regraded(1, Grade::III, "2026-11-23T10:25", Some("2026-11-23T10:30")),
    ];
    let lines: Vec<_> = standings(&graver, &national, "2026-11-23T12:00")
        .into_iter()
        .map(|(id, at, s)| (id, at, matches!(s, Standing::Overdue { .. } | Standing::Met { .. })))
        .collect();
    assert_eq!(
        lines,
        [
            ("phone".to_owned(), t("2026-11-23T10:55"), true),
            ("written".to_owned(), t("2026-11-23T11:25"), true),
        ]
    );
}

#[test]
fn a_step_up_the_chain_is_met_by_the_offices_signing_for_it_in_time_or_late() {
    let national = RuleSet::national();
    let r = [first("hazardous_chemicals", Grade::III)];
    let step = |step: &str, at: &str| Forwarded {
        step: step.into(),
        at: t(at),
    };
    let standing_of = |forwarded: &[Forwarded], rule: &str| {
        Judge::new(&r)
            .with_forwarded(forwarded)
            .deadlines(&national, t("2026-11-23T15:00"))
            .into_iter()
            .find(|(d, _)| d.rule.id == rule)
            .map(|(_, s)| s)
            .unwrap_or_else(|| panic!("no deadline {rule}"))
    };
    // Signed for the city a minute before its 12:00; for the province a
    // minute after its 14:00.
    let signed = [
        step("upward_city", "2026-11-23T11:59"),
        step("upward_province", "2026-11-23T14:01"),
    ];
    assert_eq!(standing_of(&signed, "upward_city"), Standing::Met { early_seconds: 60 });
    assert_eq!(
        standing_of(&signed, "upward_province"),
        Standing::MetLate { late_seconds: 60 }
    );
    // A signing for one step meets no other, and none is never overdue.
    let city_only = [step("upward_city", "2026-11-23T11:59")];
    assert_eq!(
        standing_of(&city_only, "upward_province"),
        Standing::Info { seconds: -3600 }
    );
    // The earliest signing for a step is the one that counts.
    let twice = [
        step("upward_city", "2026-11-23T12:30"),
        step("upward_city", "2026-11-23T11:00"),
    ];
    assert_eq!(
        standing_of(&twice, "upward_city"),
        Standing::Met { early_seconds: 3600 }
    );
}

#[test]
fn a_call_logged_before_the_first_record_arrives_neither_starts_nor_grades_the_thread() {
    let national = RuleSet::national();
    // Sorted first by a caller who has only the call: no template to judge.
    assert!(Judge::new(&[call("2026-11-23T09:29")])
        .deadlines(&national, t("2026-11-23T10:00"))
        .is_empty());
    let r = [first("general_incident", Grade::III), call("2026-11-23T09:29")];
    let judge = Judge::new(&r);
    assert_eq!(judge.grade(), Some(Grade::III));
    assert!(!judge.is_hazard());
    assert_eq!(judge.calls().count(), 1);
}

#[test]
fn the_county_example_adds_the_ten_minute_verbal_report_met_by_a_call() {
    let county = example("county-example.json");
    let r = [first("general_incident", Grade::IV)];
    assert_eq!(ids(&r, &county), pairs(&[("verbal", "11-23 09:10")]));
    assert_eq!(
        of(&r, &county, "verbal", "2026-11-23T09:09"),
        Standing::Left { seconds: 60 }
    );
    assert_eq!(
        of(&r, &county, "verbal", "2026-11-23T09:11"),
        Standing::Overdue { seconds: 60 }
    );
    let r = [first("general_incident", Grade::IV), call("2026-11-23T09:09")];
    assert_eq!(
        of(&r, &county, "verbal", "2026-11-23T09:11"),
        Standing::Met { early_seconds: 60 }
    );
}

#[test]
fn the_city_example_counts_its_own_minutes() {
    let city = example("city-example.json");
    assert_eq!(
        ids(&[first("general_incident", Grade::II)], &city),
        pairs(&[("phone", "11-23 09:15"), ("written", "11-23 09:30")])
    );
    assert_eq!(
        ids(&[first("general_incident", Grade::III)], &city),
        pairs(&[("phone_major", "11-23 09:30"), ("written_major", "11-23 10:00")])
    );
    let r = [received(
        first("general_incident", Grade::II),
        "2026-11-23T09:29",
        "2026-11-23T09:31",
    )];
    assert_eq!(
        of(&r, &city, "written", "2026-11-23T10:00"),
        Standing::DeliveredLate { late_seconds: 60 }
    );
}

#[test]
fn the_provincial_example_counts_by_grade() {
    let province = example("provincial-example.json");
    let firsts = |grade| {
        ids(&[first("general_incident", grade)], &province)
            .into_iter()
            .filter(|(id, _)| id != "follow_up_daily")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        firsts(Grade::I),
        pairs(&[("phone", "11-23 09:15"), ("written", "11-23 09:35")])
    );
    assert_eq!(
        firsts(Grade::III),
        pairs(&[("phone_major", "11-23 09:30"), ("written_major", "11-23 10:00")])
    );
    assert_eq!(firsts(Grade::IV), pairs(&[("written_general", "11-23 15:00")]));
    let r = [first("general_incident", Grade::IV)];
    assert_eq!(
        of(&r, &province, "written_general", "2026-11-23T14:59"),
        Standing::Left { seconds: 60 }
    );
    assert_eq!(
        of(&r, &province, "written_general", "2026-11-23T15:01"),
        Standing::Overdue { seconds: 60 }
    );
}

#[test]
fn provincial_follow_ups_fall_due_at_eight_and_five_and_are_met_by_a_follow_up_received_in_the_window() {
    let province = example("provincial-example.json");
    let slots = |records: &[Rec], now: &str| {
        standings(records, &province, now)
            .into_iter()
            .filter(|(id, _, _)| id == "follow_up_daily")
            .map(|(_, at, s)| (at.format("%m-%d %H:%M").to_string(), s))
            .collect::<Vec<_>>()
    };
    let grave = received(
        first("general_incident", Grade::III),
        "2026-11-23T09:05",
        "2026-11-23T09:06",
    );
    // At 16:59 the first (17:00) is running, a minute left.
    assert_eq!(
        slots(std::slice::from_ref(&grave), "2026-11-23T16:59"),
        [("11-23 17:00".to_owned(), Standing::Left { seconds: 60 })]
    );
    // At 17:01 with no 续报: overdue, and the next (08:00) running.
    assert_eq!(
        slots(std::slice::from_ref(&grave), "2026-11-23T17:01"),
        [
            ("11-23 17:00".to_owned(), Standing::Overdue { seconds: 60 }),
            (
                "11-24 08:00".to_owned(),
                Standing::Left {
                    seconds: 14 * 3600 + 59 * 60
                }
            )
        ]
    );
    // A 续报 received at 16:59 meets 17:00.
    let on_time = [
        grave.clone(),
        follow_up(1, "2026-11-23T16:58", Some("2026-11-23T16:59")),
    ];
    assert_eq!(
        slots(&on_time, "2026-11-23T17:01")[0].1,
        Standing::Met { early_seconds: 60 }
    );
    // Written at 16:59, received at 17:01: delivered late.
    let no_signal = [
        grave.clone(),
        follow_up(1, "2026-11-23T16:59", Some("2026-11-23T17:01")),
    ];
    assert_eq!(
        slots(&no_signal, "2026-11-23T17:05")[0].1,
        Standing::DeliveredLate { late_seconds: 60 }
    );
    // A 续报 from before 17:00 does not meet 08:00 the next morning.
    assert_eq!(
        slots(&on_time, "2026-11-24T08:01")[1],
        ("11-24 08:00".to_owned(), Standing::Overdue { seconds: 60 })
    );
    // The 终报 received ends the daily follow-ups.
    let mut last = follow_up(0, "2026-11-23T18:00", Some("2026-11-23T18:01"));
    last.stage = Stage::Final;
    let finished = [grave, last];
    assert_eq!(
        slots(&finished, "2026-11-25T09:00"),
        [("11-23 17:00".to_owned(), Standing::Overdue { seconds: 40 * 3600 })]
    );
}

#[test]
fn a_long_event_lists_every_daily_follow_up_up_to_the_one_running() {
    // Before, at most 62 times were listed from the start: a flood open
    // past a month (two a day) listed no running follow-up.
    let province = example("provincial-example.json");
    let grave = received(
        first("general_incident", Grade::III),
        "2026-11-23T09:05",
        "2026-11-23T09:06",
    );
    let daily = |records: &[Rec], now: &str| {
        standings(records, &province, now)
            .into_iter()
            .filter(|(id, _, _)| id == "follow_up_daily")
            .map(|(_, at, s)| (at.format("%Y-%m-%d %H:%M").to_string(), s))
            .collect::<Vec<_>>()
    };
    // 2026-11-23 17:00 to 2027-03-01 08:00: 98 days of two, the last
    // running; the others missed, none met.
    let listed = daily(std::slice::from_ref(&grave), "2027-03-01T07:00");
    assert_eq!(listed.len(), 98 * 2);
    assert_eq!(listed[0].0, "2026-11-23 17:00");
    assert_eq!(
        listed.last(),
        Some(&("2027-03-01 08:00".to_owned(), Standing::Left { seconds: 3600 }))
    );
    assert!(listed[..listed.len() - 1]
        .iter()
        .all(|(_, s)| matches!(s, Standing::Overdue { .. })));
    // A 续报 on the 98th day meets its own time, not the rest.
    let answered = [
        grave.clone(),
        follow_up(1, "2027-02-28T16:00", Some("2027-02-28T16:01")),
    ];
    let listed = daily(&answered, "2027-03-01T07:00");
    let met: Vec<_> = listed
        .iter()
        .filter(|(_, s)| matches!(s, Standing::Met { .. }))
        .map(|(at, _)| at.as_str())
        .collect();
    assert_eq!(met, ["2027-02-28 17:00"]);
}

#[test]
fn past_a_year_the_latest_year_of_daily_follow_ups_is_listed() {
    let province = example("provincial-example.json");
    let grave = received(
        first("general_incident", Grade::III),
        "2026-11-23T09:05",
        "2026-11-23T09:06",
    );
    // A 续报 the evening before the first time listed meets it: it is met
    // from the time before it, as in the whole list.
    let records = [grave, follow_up(1, "2027-12-03T18:00", Some("2027-12-03T18:01"))];
    let listed: Vec<_> = standings(&records, &province, "2028-12-04T07:00")
        .into_iter()
        .filter(|(id, _, _)| id == "follow_up_daily")
        .collect();
    // From 2027-12-04, 366 days before (2028 has a 29 February), to
    // 2028-12-04 08:00, running.
    assert_eq!(listed.len(), 366 * 2 + 1);
    assert_eq!(listed[0].1, t("2027-12-04T08:00"));
    assert!(matches!(listed[0].2, Standing::Met { .. }));
    assert_eq!(listed[1].1, t("2027-12-04T17:00"));
    assert_eq!(
        listed[1].2,
        Standing::Overdue {
            seconds: 366 * 86400 - 10 * 3600
        }
    );
    assert_eq!(
        listed.last().map(|l| (l.1, l.2)),
        Some((t("2028-12-04T08:00"), Standing::Left { seconds: 3600 }))
    );
}

#[test]
fn standing_with_a_fixed_clock() {
    let due = t("2026-11-23T10:00");
    let delivery = |w: &str, r: &str| {
        Some(Delivery {
            received: Some(t(r)),
            written: t(w),
            offset_ms: None,
        })
    };
    assert_eq!(
        standing(due, t("2026-11-23T09:58"), None),
        Standing::Left { seconds: 120 }
    );
    assert_eq!(
        standing(due, t("2026-11-23T10:00"), None),
        Standing::Left { seconds: 0 }
    );
    assert_eq!(
        standing(due, t("2026-11-23T10:05"), None),
        Standing::Overdue { seconds: 300 }
    );
    let on_its_way = Some(Delivery {
        received: None,
        written: t("2026-11-23T09:00"),
        offset_ms: None,
    });
    assert_eq!(
        standing(due, t("2026-11-23T10:05"), on_its_way),
        Standing::Overdue { seconds: 300 }
    );
    assert_eq!(
        standing(
            due,
            t("2026-11-23T11:00"),
            delivery("2026-11-23T09:58", "2026-11-23T09:59")
        ),
        Standing::Met { early_seconds: 60 }
    );
    assert_eq!(
        standing(
            due,
            t("2026-11-23T11:00"),
            delivery("2026-11-23T10:00", "2026-11-23T10:20")
        ),
        Standing::DeliveredLate { late_seconds: 1200 }
    );
    assert_eq!(
        standing(
            due,
            t("2026-11-23T11:00"),
            delivery("2026-11-23T10:01", "2026-11-23T10:20")
        ),
        Standing::MetLate { late_seconds: 1200 }
    );
}

#[test]
fn spans_read_in_words_by_their_two_largest_units() {
    use crate::Lang::{En, Zh};
    assert_eq!(span_text(0, Zh), "0 秒");
    assert_eq!(span_text(59, Zh), "59 秒");
    assert_eq!(span_text(60, Zh), "1 分 0 秒");
    assert_eq!(span_text(510, Zh), "8 分 30 秒");
    assert_eq!(span_text(-3723, Zh), "1 小时 2 分");
    assert_eq!(span_text(86_399, Zh), "23 小时 59 分");
    assert_eq!(span_text(-86_400, Zh), "1 天 0 小时");
    assert_eq!(span_text(510, En), "8 min 30 s");
    assert_eq!(span_text(3723, En), "1 h 2 min");
    assert_eq!(span_text(30 * 86_400 - 60, En), "29 d 23 h");
    assert_eq!(span_text(i64::MIN, Zh), "106751991167300 天 15 小时");
}

/// Found by a review: a 一般 event found 较大 by a 续报 the next day read
/// its phone report 24 hours late (迟报 in the ledger), though nobody could
/// report a grade nobody knew. Regulation 493 art. 13 asks a change of
/// casualties to be reported at once (补报), not the first report again:
/// a rule the first record's grade did not owe runs from when the graver
/// grade was reported (written or arrived, whichever was first).
#[test]
fn a_grade_found_graver_later_owes_from_then() {
    let national = RuleSet::national();
    let minor = filed(Grade::IV);
    // The next day at 10:00 a 续报 finds 3 dead, arriving at 10:01.
    let graver = regraded(1, Grade::III, "2026-11-24T10:00", Some("2026-11-24T10:01"));
    let records = [minor.clone(), graver.clone()];
    assert_eq!(
        standings(&records, &national, "2026-11-24T10:10"),
        vec![
            (
                "phone".to_owned(),
                t("2026-11-24T10:30"),
                Standing::Left { seconds: 1200 }
            ),
            // Met by the 续报 that reported it, not by the 首报 of the day
            // before.
            (
                "written".to_owned(),
                t("2026-11-24T11:00"),
                Standing::Met { early_seconds: 3540 }
            ),
        ]
    );
    // A call the day before reported the lesser event: it meets nothing
    // owed since (found by a review).
    let called_before = [
        minor.clone(),
        received(call("2026-11-23T09:20"), "2026-11-23T09:20", "2026-11-23T09:21"),
        graver.clone(),
    ];
    assert_eq!(
        of(&called_before, &national, "phone", "2026-11-24T10:10"),
        Standing::Left { seconds: 1200 }
    );
    // Her call five minutes after writing it meets the phone report in time.
    let called = [
        minor.clone(),
        received(call("2026-11-24T10:05"), "2026-11-24T10:05", "2026-11-24T10:06"),
        graver.clone(),
    ];
    assert_eq!(
        of(&called, &national, "phone", "2026-11-24T12:00"),
        Standing::Met { early_seconds: 1500 }
    );
    // Written offline at 10:00 and arriving at 14:00: from 10:00 still, and
    // without a call the phone report is overdue from 10:30.
    let late = regraded(1, Grade::III, "2026-11-24T10:00", Some("2026-11-24T14:00"));
    assert_eq!(
        of(&[minor.clone(), late], &national, "phone", "2026-11-24T14:10"),
        Standing::Overdue { seconds: 13200 }
    );
    // A 较大 first record owes from the event, as ever.
    assert_eq!(
        of(&[filed(Grade::III)], &national, "phone", "2026-11-23T09:20"),
        Standing::Left { seconds: 600 }
    );
}

#[test]
fn a_grade_found_graver_and_lesser_again_leaves_the_report_it_missed_in_between() {
    // 一般; 较大 written at 10:00 the next day, arriving at 10:01; 一般
    // again at 12:00, and no call: the phone report due at 10:30 was owed
    // for an hour and a half, missed.
    let national = RuleSet::national();
    let records = [
        filed(Grade::IV),
        regraded(1, Grade::III, "2026-11-24T10:00", Some("2026-11-24T10:01")),
        regraded(2, Grade::IV, "2026-11-24T11:55", Some("2026-11-24T12:00")),
    ];
    assert_eq!(
        standings(&records, &national, "2026-11-24T13:00"),
        vec![(
            "phone".to_owned(),
            t("2026-11-24T10:30"),
            Standing::Lapsed { seconds: 5400 }
        )]
    );
}

#[test]
fn daily_follow_ups_of_a_grade_found_later_begin_after_it() {
    // Provincial: follow-ups at 08:00 and 17:00 for 较大 and graver. 一般
    // on the 23rd, 较大 from the 25th at 10:00: the first is due at 17:00
    // that day, met by the 续报 that found it 较大, none before.
    let province = example("provincial-example.json");
    let records = [
        filed(Grade::IV),
        regraded(1, Grade::III, "2026-11-25T10:00", Some("2026-11-25T10:01")),
    ];
    let daily: Vec<_> = standings(&records, &province, "2026-11-25T12:00")
        .into_iter()
        .filter(|(id, _, _)| id == "follow_up_daily")
        .map(|(_, at, s)| (at, s))
        .collect();
    assert_eq!(daily, [(t("2026-11-25T17:00"), Standing::Met { early_seconds: 25140 })]);
}

#[test]
fn on_a_phone_a_graver_grade_on_its_way_owes_from_when_written_and_one_typed_from_now() {
    let national = RuleSet::national();
    let minor = filed(Grade::IV);
    // Written at 10:00 the next day, not yet received: from 10:00.
    let on_its_way = regraded(1, Grade::III, "2026-11-24T10:00", None);
    assert_eq!(
        of(
            &[minor.clone(), on_its_way.clone()],
            &national,
            "phone",
            "2026-11-24T10:10"
        ),
        Standing::Left { seconds: 1200 }
    );
    // Still typed: its full half hour stands until it is sent.
    let typed = Rec {
        written: None,
        ..on_its_way
    };
    assert_eq!(
        of(&[minor, typed], &national, "phone", "2026-11-24T10:10"),
        Standing::Left { seconds: 1800 }
    );
}

/// Found by a review: provincial follow-ups fell due, and read late, while
/// the thread stood 一般 between two 较大 stretches. Not owed then.
#[test]
fn no_daily_follow_up_is_owed_while_the_thread_stood_lesser_between() {
    let province = example("provincial-example.json");
    let records = [
        filed(Grade::IV),
        regraded(1, Grade::III, "2026-11-23T10:00", Some("2026-11-23T10:01")),
        regraded(2, Grade::IV, "2026-11-23T12:00", Some("2026-11-23T12:01")),
        regraded(3, Grade::III, "2026-11-25T10:00", Some("2026-11-25T10:01")),
    ];
    let daily: Vec<_> = standings(&records, &province, "2026-11-25T12:00")
        .into_iter()
        .filter(|(id, _, _)| id == "follow_up_daily")
        .map(|(_, at, _)| at)
        .collect();
    // From 10:00 on the 25th: 17:00 that day, running.
    assert_eq!(daily, [t("2026-11-25T17:00")]);
}

/// Found by CI at 08:22: a 较大 event at 07:41 under the provincial rules
/// read its 08:00 续报 late, before its written report (1 hour) was due.
#[test]
fn no_daily_follow_up_is_owed_before_the_written_report_is_due() {
    let province = example("provincial-example.json");
    let mut early = first("general_incident", Grade::III);
    early.answers.insert("occurred_at".into(), "2026-11-23T07:41".into());
    let daily = |records: &[Rec]| {
        standings(records, &province, "2026-11-23T08:30")
            .into_iter()
            .filter(|(id, _, _)| id == "follow_up_daily")
            .map(|(_, at, s)| (at, s))
            .collect::<Vec<_>>()
    };
    let first_report = received(early.clone(), "2026-11-23T08:21", "2026-11-23T08:22");
    // The written report due 08:41: the first 续报 owed is 17:00's.
    assert_eq!(
        daily(std::slice::from_ref(&first_report)),
        [(
            t("2026-11-23T17:00"),
            Standing::Left {
                seconds: 8 * 3600 + 30 * 60
            }
        )]
    );
    // A 续报 sent before then meets it, as one since the event.
    let mut answered = follow_up(1, "2026-11-23T08:25", Some("2026-11-23T08:26"));
    answered.answers.insert("occurred_at".into(), "2026-11-23T07:41".into());
    assert_eq!(
        daily(&[first_report, answered]),
        [(
            t("2026-11-23T17:00"),
            Standing::Met {
                early_seconds: 8 * 3600 + 34 * 60
            }
        )]
    );
    // An event at 06:30 owes the 08:00 one (its written report due 07:30).
    let mut earlier = first("general_incident", Grade::III);
    earlier.answers.insert("occurred_at".into(), "2026-11-23T06:30".into());
    let earlier = received(earlier, "2026-11-23T07:00", "2026-11-23T07:01");
    assert_eq!(daily(&[earlier])[0].0, t("2026-11-23T08:00"));
}

//! A natural disaster's daily reports (日报). While a grave disaster's
//! thread is open, the figures as of 24:00 of each day are due by 09:00 the
//! next day (自然灾害情况统计调查制度, 2020: during 重特大 disasters; a
//! deployment's rules may ask it of more). Which disasters owe them is the
//! rule set's (a `daily_report` rule that fits the thread): a minor flood
//! is not asked, on the phone or in the office's ledger. Every day from the
//! one the reporting clock started on counts, even when it started at
//! 23:30: its 24:00 figures are still due at 09:00. A daily report saying
//! 「无变化」 meets its day as well as one with new figures. The 核报 ends
//! the chain: no day whose report would fall due after it is asked for.
//!
//! The deadline itself is a rule of the deployment's set (obligation
//! `daily_report`, national default 09:00), judged with the others by
//! [`crate::rules::deadlines`] on what the office received. What is here is the
//! phone's question: which day to offer a daily report for next, judged on
//! the records it has written (sent or not), so a report waiting for signal
//! is not asked for twice.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::rules::deadlines::{Obligation, RuleSet};
use crate::rules::stage::{Stage, ThreadKind};
use crate::rules::thread::{Judge, StageRecord};
use crate::wire::timestamp::beijing;

impl<R: StageRecord> Judge<'_, R> {
    /// The day the next daily report of a natural disaster should cover,
    /// if `rules` ask one of it at `now` (see [`next_daily`]).
    pub fn next_daily(&self, rules: &RuleSet, now: NaiveDateTime) -> Option<NaiveDate> {
        next_daily(self, rules, now)
    }
}

/// Whether `rules` ask daily reports of the thread `judge` reads, its
/// clocks started at `start`: by its grade, or by a graver one the office
/// still holds it at (`Judge::owing`), as its deadlines are counted.
fn owes_dailies<R: StageRecord>(judge: &Judge<'_, R>, rules: &RuleSet, start: NaiveDateTime) -> bool {
    judge.event_from(start).is_some_and(|event| {
        judge.owing(&event).iter().any(|event| {
            rules
                .rules
                .iter()
                .any(|r| r.obligation == Obligation::DailyReport && r.applies.fits(r.obligation, event))
        })
    })
}

/// The days back from now a thread's daily reports are listed for.
const MAX_DAYS: i64 = 366;

/// When the daily report of `day` falls due under the national rule:
/// 09:00 the next day, Beijing time.
pub fn due_at(day: NaiveDate) -> NaiveDateTime {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    day.succ_opt().unwrap_or(NaiveDate::MAX).and_time(nine)
}

/// Beijing time of a record's submission.
fn submitted<R: StageRecord>(r: &R) -> Option<NaiveDateTime> {
    r.submitted_at().map(|t| t.with_timezone(&beijing()).naive_local())
}

/// The days a natural-disaster thread asks a daily report for at `now`
/// (Beijing time), oldest first, each with whether one is filed. Empty but
/// for a natural-disaster thread whose first record is submitted and that
/// `rules` ask daily reports of; a day filed is listed whatever the rules.
pub fn days<R: StageRecord>(judge: &Judge<'_, R>, rules: &RuleSet, now: NaiveDateTime) -> Vec<(NaiveDate, bool)> {
    let records = judge.records;
    let opened = records.iter().find(|r| !r.stage().is_call()).and_then(submitted);
    let (Some(ThreadKind::NaturalDisaster), Some(opened)) = (judge.kind(), opened) else {
        return Vec::new();
    };
    // From the day the clock started (a submitted 初报 has its event
    // time); the day it was filed if it says none.
    let start = judge.clock_start().unwrap_or(opened);
    let is_filed = |day: NaiveDate| {
        records
            .iter()
            .any(|r| r.stage() == Stage::Daily { date: day } && r.submitted_at().is_some())
    };
    if !owes_dailies(judge, rules, start) {
        // Asked for none; one filed all the same stays on the record.
        let mut filed: Vec<NaiveDate> = records
            .iter()
            .filter(|r| r.submitted_at().is_some())
            .filter_map(|r| match r.stage() {
                Stage::Daily { date } => Some(date),
                _ => None,
            })
            .collect();
        crate::sort::insertion_sort(&mut filed, |a, b| a < b);
        filed.dedup();
        return filed.into_iter().map(|day| (day, true)).collect();
    }
    let verified = records
        .iter()
        .filter(|r| r.stage() == Stage::Final)
        .filter_map(submitted)
        .min();
    let mut out = Vec::new();
    // A year at most: an event time typed with a wrong year (0026 for
    // 2026) must not make the phone count two thousand years of days every
    // second.
    let year_ago = now
        .date()
        .checked_sub_signed(chrono::TimeDelta::days(MAX_DAYS))
        .unwrap_or(NaiveDate::MIN);
    // The daily-report rules owed now, and when their clocks started: a
    // disaster found grave later owes none of the days before, nor a day
    // falling due while it stood lesser between graver stretches; one
    // filed all the same stays listed (`thread::Starts`).
    let owed = judge.starts(rules, now).map(|(starts, owing)| {
        let daily: Vec<_> = rules
            .rules
            .iter()
            .filter(|r| {
                r.obligation == Obligation::DailyReport && owing.iter().any(|e| r.applies.fits(r.obligation, e))
            })
            .collect();
        (starts, daily)
    });
    let since = owed
        .as_ref()
        .and_then(|(starts, daily)| daily.iter().map(|r| starts.of_rule(r)).min())
        .map_or(start, |since| since.max(start));
    let owed_on = |day: NaiveDate| {
        day >= since.date()
            && owed
                .as_ref()
                .is_none_or(|(starts, daily)| daily.iter().any(|r| starts.owed_at(r, due_at(day))))
    };
    let mut day = start.date().max(year_ago);
    while day <= now.date() {
        let filed = is_filed(day);
        if owed_on(day) || filed {
            // A day falling due after the 核报 is not asked for; one filed
            // all the same stays on the record.
            if verified.is_some_and(|v| v < due_at(day)) && !filed {
                break;
            }
            out.push((day, filed));
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// The day the next daily report should cover: the oldest day not filed,
/// else none. Offered on the phone as the next step.
pub fn next_daily<R: StageRecord>(judge: &Judge<'_, R>, rules: &RuleSet, now: NaiveDateTime) -> Option<NaiveDate> {
    days(judge, rules, now)
        .into_iter()
        .find(|(_, filed)| !filed)
        .map(|(day, _)| day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;
    use crate::rules::catalogue;
    use crate::rules::deadlines::{RuleSet, Standing};
    use crate::rules::examples;
    use crate::rules::grading::{Grade, GradeDecision};
    use crate::rules::thread::Received;
    use crate::wire::timestamp::parse_datetime;
    use chrono::TimeZone;

    fn t(s: &str) -> NaiveDateTime {
        parse_datetime(s).expect("test time")
    }

    fn day(s: &str) -> NaiveDate {
        crate::wire::timestamp::parse_date(s).expect("test day")
    }

    /// A record of a flood (version 2) thread, or its daily report, written
    /// and received at `written` (Beijing time); a 初报 is of an event at
    /// that time. Its records are graded 重大 (Ⅱ): a grave disaster, which
    /// owes daily reports under the national rules.
    fn record(stage: Stage, written: &str) -> Received {
        let template = match stage {
            Stage::Daily { .. } => catalogue::daily(),
            _ => catalogue::find("flood", 2).expect("flood v2"),
        };
        let mut r: Report = examples::report(template, stage);
        if stage == Stage::Initial {
            r.answers.insert("occurred_at".into(), written.into());
            r.answers.remove("known_at");
        }
        if !matches!(stage, Stage::Daily { .. }) {
            r.grade = Some(GradeDecision {
                suggested: Grade::II,
                chosen: Grade::II,
                reason: String::new(),
            });
        }
        r.written_at = beijing()
            .from_local_datetime(&t(written))
            .single()
            .expect("a Beijing time");
        r.clock_offset_ms = None;
        Received {
            received_at: r.written_at.with_timezone(&chrono::Utc),
            report: r,
            arrival_offset_ms: None,
        }
    }

    fn daily(d: &str, written: &str) -> Received {
        let mut r = record(Stage::Daily { date: day(d) }, written);
        r.report.answers.insert("change".into(), "no_change".into());
        r
    }

    /// The daily-report deadlines under the national rules, by the day each
    /// covers.
    fn standings(records: &[Received], now: &str) -> Vec<(NaiveDate, Standing)> {
        let rules = RuleSet::national();
        Judge::new(records)
            .deadlines(&rules, t(now))
            .into_iter()
            .filter_map(|(due, s)| Some((crate::rules::deadlines::covered_day(&due)?, s)))
            .collect()
    }

    #[test]
    fn an_event_year_typed_wrong_lists_a_year_of_days_at_most() {
        let opened = [record(Stage::Initial, "0026-11-23T10:00")];
        let rules = RuleSet::national();
        let listed = days(&Judge::new(&opened), &rules, t("2026-11-24T10:00"));
        assert_eq!(listed.len(), 367, "from a year ago to today");
        assert_eq!(listed.first().map(|(d, _)| *d), Some(day("2025-11-23")));
    }

    #[test]
    fn due_by_nine_the_next_morning_one_minute_either_side() {
        let opened = [record(Stage::Initial, "2026-11-23T10:00")];
        assert_eq!(due_at(day("2026-11-23")), t("2026-11-24T09:00"));
        assert_eq!(
            standings(&opened, "2026-11-24T08:59"),
            vec![(day("2026-11-23"), Standing::Left { seconds: 60 })]
        );
        assert_eq!(
            standings(&opened, "2026-11-24T09:01"),
            vec![
                (day("2026-11-23"), Standing::Overdue { seconds: 60 }),
                (day("2026-11-24"), Standing::Left { seconds: 86_340 })
            ]
        );
    }

    #[test]
    fn a_thread_opened_at_half_past_eleven_owes_that_day_by_nine() {
        let opened = [record(Stage::Initial, "2026-11-23T23:30")];
        assert_eq!(
            standings(&opened, "2026-11-23T23:31"),
            vec![(
                day("2026-11-23"),
                Standing::Left {
                    seconds: 9 * 3600 + 29 * 60
                }
            )]
        );
        assert_eq!(
            next_daily(&Judge::new(&opened), &RuleSet::national(), t("2026-11-24T09:01")),
            Some(day("2026-11-23"))
        );
    }

    #[test]
    fn a_no_change_report_meets_its_day_at_the_boundary() {
        let on_time = [
            record(Stage::Initial, "2026-11-23T10:00"),
            daily("2026-11-23", "2026-11-24T08:59"),
        ];
        assert_eq!(
            standings(&on_time, "2026-11-24T12:00")[0],
            (day("2026-11-23"), Standing::Met { early_seconds: 60 })
        );
        assert_eq!(
            next_daily(&Judge::new(&on_time), &RuleSet::national(), t("2026-11-24T12:00")),
            Some(day("2026-11-24"))
        );
        let late = [
            record(Stage::Initial, "2026-11-23T10:00"),
            daily("2026-11-23", "2026-11-24T09:01"),
        ];
        assert_eq!(
            standings(&late, "2026-11-24T12:00")[0],
            (day("2026-11-23"), Standing::MetLate { late_seconds: 60 })
        );
    }

    #[test]
    fn a_daily_report_written_in_time_and_received_late_reads_so() {
        let mut written_early = daily("2026-11-23", "2026-11-24T08:30");
        written_early.received_at = beijing()
            .from_local_datetime(&t("2026-11-24T11:00"))
            .single()
            .expect("a Beijing time")
            .with_timezone(&chrono::Utc);
        let thread = [record(Stage::Initial, "2026-11-23T10:00"), written_early];
        assert_eq!(
            standings(&thread, "2026-11-24T12:00")[0],
            (day("2026-11-23"), Standing::DeliveredLate { late_seconds: 2 * 3600 })
        );
    }

    #[test]
    fn no_daily_report_is_due_after_the_verified_report() {
        let verified = [
            record(Stage::Initial, "2026-11-23T10:00"),
            record(Stage::FollowUp { n: 1 }, "2026-11-23T15:00"),
            record(Stage::Final, "2026-11-24T08:59"),
        ];
        assert_eq!(
            standings(&verified, "2026-11-26T12:00"),
            vec![],
            "核报 before the first 09:00"
        );
        assert_eq!(
            next_daily(&Judge::new(&verified), &RuleSet::national(), t("2026-11-26T12:00")),
            None
        );
        let after_nine = [
            record(Stage::Initial, "2026-11-23T10:00"),
            record(Stage::Final, "2026-11-24T09:01"),
        ];
        assert_eq!(
            standings(&after_nine, "2026-11-26T12:00"),
            vec![(
                day("2026-11-23"),
                Standing::Overdue {
                    seconds: 2 * 86_400 + 3 * 3600
                }
            )],
            "the day already due stays on the record, the days after are not asked for"
        );
        let filed_then_verified = [
            record(Stage::Initial, "2026-11-23T10:00"),
            daily("2026-11-23", "2026-11-23T22:00"),
            record(Stage::Final, "2026-11-23T23:00"),
        ];
        assert_eq!(
            days(
                &Judge::new(&filed_then_verified),
                &RuleSet::national(),
                t("2026-11-26T12:00")
            ),
            vec![(day("2026-11-23"), true)],
            "the day filed stays listed; none after"
        );
        assert_eq!(
            standings(&filed_then_verified, "2026-11-26T12:00"),
            vec![(
                day("2026-11-23"),
                Standing::Met {
                    early_seconds: 11 * 3600
                }
            )],
            "and its deadline, met"
        );
    }

    /// The national rules ask daily reports of grave disasters (重特大)
    /// only: a minor flood owes none, on the phone or in the ledger, unless
    /// the deployment's rules ask them of every disaster. A report filed all
    /// the same stays on the record.
    #[test]
    fn a_minor_disaster_owes_no_daily_report_under_the_national_rules() {
        let mut minor = record(Stage::Initial, "2026-11-23T10:00");
        minor.report.grade = Some(GradeDecision {
            suggested: Grade::IV,
            chosen: Grade::IV,
            reason: String::new(),
        });
        let national = RuleSet::national();
        assert_eq!(standings(std::slice::from_ref(&minor), "2026-11-25T12:00"), vec![]);
        assert_eq!(
            next_daily(
                &Judge::new(std::slice::from_ref(&minor)),
                &national,
                t("2026-11-25T12:00")
            ),
            None
        );
        let filed = [minor.clone(), daily("2026-11-23", "2026-11-24T08:00")];
        assert_eq!(
            days(&Judge::new(&filed), &national, t("2026-11-25T12:00")),
            vec![(day("2026-11-23"), true)]
        );
        // A deployment that asks them of every disaster.
        let mut every = RuleSet::national();
        for rule in every
            .rules
            .iter_mut()
            .filter(|r| r.obligation == Obligation::DailyReport)
        {
            rule.applies.grades.clear();
        }
        assert_eq!(
            next_daily(&Judge::new(std::slice::from_ref(&minor)), &every, t("2026-11-25T12:00")),
            Some(day("2026-11-23"))
        );
    }

    /// A minor flood found 重大 by a 续报 on its third day owes daily
    /// reports from that day, on the phone and in the office's deadlines:
    /// none of the days before, when nobody knew it grave.
    #[test]
    fn a_disaster_found_grave_later_owes_daily_reports_from_that_day() {
        let mut minor = record(Stage::Initial, "2026-11-23T10:00");
        minor.report.grade = Some(GradeDecision {
            suggested: Grade::IV,
            chosen: Grade::IV,
            reason: String::new(),
        });
        let grave = record(Stage::FollowUp { n: 1 }, "2026-11-25T10:00");
        let records = [minor, grave];
        assert_eq!(
            standings(&records, "2026-11-26T08:00"),
            vec![(day("2026-11-25"), Standing::Left { seconds: 3600 })]
        );
        assert_eq!(
            days(&Judge::new(&records), &RuleSet::national(), t("2026-11-26T08:00")),
            vec![(day("2026-11-25"), false), (day("2026-11-26"), false)]
        );
        // A day filed before it was owed stays listed, filed.
        let mut filed = records.to_vec();
        filed.push(daily("2026-11-23", "2026-11-24T08:00"));
        assert_eq!(
            days(&Judge::new(&filed), &RuleSet::national(), t("2026-11-26T08:00")),
            vec![
                (day("2026-11-23"), true),
                (day("2026-11-25"), false),
                (day("2026-11-26"), false)
            ]
        );
    }

    /// Found by a review: a flood found 重大, then 一般, then 重大 again two
    /// days later owed the 日报 of the days it stood 一般 between, on the
    /// phone and in the office's deadlines. Not now; those of the graver
    /// stretches are owed as before.
    #[test]
    fn no_daily_report_is_owed_for_the_days_a_disaster_stood_lesser_between() {
        let mut minor = record(Stage::Initial, "2026-11-23T10:00");
        let lesser = |r: &mut Received| {
            r.report.grade = Some(GradeDecision {
                suggested: Grade::IV,
                chosen: Grade::IV,
                reason: String::new(),
            });
        };
        lesser(&mut minor);
        let grave = record(Stage::FollowUp { n: 1 }, "2026-11-23T12:00");
        let mut minor_again = record(Stage::FollowUp { n: 2 }, "2026-11-23T18:00");
        lesser(&mut minor_again);
        let grave_again = record(Stage::FollowUp { n: 3 }, "2026-11-26T10:00");
        let records = [minor, grave, minor_again, grave_again];
        assert_eq!(
            standings(&records, "2026-11-27T08:00"),
            vec![(day("2026-11-26"), Standing::Left { seconds: 3600 })]
        );
        assert_eq!(
            days(&Judge::new(&records), &RuleSet::national(), t("2026-11-27T08:00")),
            vec![(day("2026-11-26"), false), (day("2026-11-27"), false)]
        );
    }

    /// A disaster that began (or became known) at 03:00 owes no report of
    /// the day before, which the phone could not file: its first daily
    /// report is its own day's, due at 09:00 the next morning.
    #[test]
    fn a_disaster_begun_before_nine_owes_its_own_days_report_first() {
        let opened = [record(Stage::Initial, "2026-11-24T03:00")];
        assert_eq!(
            standings(&opened, "2026-11-24T12:00"),
            vec![(day("2026-11-24"), Standing::Left { seconds: 21 * 3600 })]
        );
        assert_eq!(
            days(&Judge::new(&opened), &RuleSet::national(), t("2026-11-24T12:00")),
            vec![(day("2026-11-24"), false)]
        );
    }

    #[test]
    fn only_natural_disasters_with_a_submitted_first_record_owe_dailies() {
        let mut fire = record(Stage::Initial, "2026-11-23T10:00");
        fire.report.template_id = "fire".into();
        fire.report.template_version = 1;
        assert_eq!(standings(&[fire.clone()], "2026-11-25T12:00"), vec![]);
        assert_eq!(
            next_daily(&Judge::new(&[fire]), &RuleSet::national(), t("2026-11-25T12:00")),
            None
        );
        assert_eq!(
            next_daily(
                &Judge::<Received>::new(&[]),
                &RuleSet::national(),
                t("2026-11-25T12:00")
            ),
            None
        );
    }
}

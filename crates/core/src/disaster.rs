//! A natural disaster's daily reports (日报). While a disaster thread is
//! open, the figures as of 24:00 of each day are due by 09:00 the next day
//! (自然灾害情况统计调查制度, 2020, for major disasters). Every day from the
//! one the thread was opened on counts, even when it was opened at 23:30:
//! its 24:00 figures are still due at 09:00. A daily report saying 「无变化」
//! meets its day as well as one with new figures. The 核报 ends the chain:
//! no day whose report would fall due after it is asked for (one filed
//! before it is still listed, met).
//!
//! The other deadlines of a thread are the rule engine's (`deadlines`);
//! these are listed with them, under the rule [`DAILY`].

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::deadlines::{self, Applies, DeadlineRule, Due, Standing};
use crate::stage::Stage;
use crate::template::Family;
use crate::text::Text;
use crate::thread::StageRecord;
use crate::validate::beijing;

/// The daily report's rule, for the deadline lists (its due time is not a
/// number of minutes after the event, so `minutes` is not read).
pub static DAILY: DeadlineRule = DeadlineRule {
    id: "disaster_daily",
    label: Text::new("灾情日报", "Disaster daily report"),
    minutes: 0,
    applies: Applies::NaturalDisaster,
};

/// When the daily report of `day` is due: 09:00 the next day, Beijing time.
pub fn due_at(day: NaiveDate) -> NaiveDateTime {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    day.succ_opt().unwrap_or(NaiveDate::MAX).and_time(nine)
}

/// Beijing time of a record's submission.
fn submitted<R: StageRecord>(r: &R) -> Option<NaiveDateTime> {
    r.submitted_at().map(|t| t.with_timezone(&beijing()).naive_local())
}

/// Each day whose daily report the thread owes or owed at `now` (Beijing
/// time), with its due time and where it stands, oldest first. Empty but
/// for a natural-disaster thread whose first record is submitted.
/// `records` are the thread's, first record first.
pub fn dailies<R: StageRecord>(records: &[R], now: NaiveDateTime) -> Vec<(NaiveDate, Due, Standing)> {
    let natural = records.first().and_then(StageRecord::template).is_some_and(|t| {
        matches!(
            t.family,
            Family::Incident {
                natural_disaster: true,
                ..
            }
        )
    });
    let Some(opened) = records.first().and_then(submitted).filter(|_| natural) else {
        return Vec::new();
    };
    let verified = records
        .iter()
        .filter(|r| r.stage() == Stage::Final)
        .filter_map(submitted)
        .min();
    let mut out = Vec::new();
    let mut day = opened.date();
    while day <= now.date() {
        let at = due_at(day);
        let met = records
            .iter()
            .filter(|r| r.stage() == Stage::Daily { date: day })
            .filter_map(submitted)
            .min();
        // A day falling due after the 核报 is not asked for; one filed all
        // the same stays on the record.
        if verified.is_some_and(|v| v < at) && met.is_none() {
            break;
        }
        out.push((day, Due { rule: &DAILY, at }, deadlines::standing(at, now, met)));
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// The day the next daily report should cover: the oldest day still owed
/// (overdue first), else none. Offered on the phone as the next step.
pub fn next_daily<R: StageRecord>(records: &[R], now: NaiveDateTime) -> Option<NaiveDate> {
    dailies(records, now)
        .into_iter()
        .find(|(_, _, s)| matches!(s, Standing::Left { .. } | Standing::Overdue { .. }))
        .map(|(day, _, _)| day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;
    use crate::examples;
    use crate::report::Report;
    use crate::validate::parse_datetime;
    use chrono::TimeZone;

    fn t(s: &str) -> NaiveDateTime {
        parse_datetime(s).expect("test time")
    }

    fn day(s: &str) -> NaiveDate {
        crate::validate::parse_date(s).expect("test day")
    }

    /// A record of a flood (version 2) thread, or its daily report, written at
    /// `written` (Beijing time).
    fn record(stage: Stage, written: &str) -> Report {
        let template = match stage {
            Stage::Daily { .. } => catalogue::daily(),
            _ => catalogue::find("flood", 2).expect("flood v2"),
        };
        let mut r = examples::report(template, stage);
        r.written_at = beijing()
            .from_local_datetime(&t(written))
            .single()
            .expect("a Beijing time");
        r
    }

    fn daily(d: &str, written: &str) -> Report {
        let mut r = record(Stage::Daily { date: day(d) }, written);
        r.answers.insert("change".into(), "no_change".into());
        r
    }

    fn standings(records: &[Report], now: &str) -> Vec<(NaiveDate, Standing)> {
        dailies(records, t(now)).into_iter().map(|(d, _, s)| (d, s)).collect()
    }

    #[test]
    fn due_by_nine_the_next_morning_one_minute_either_side() {
        let opened = [record(Stage::Initial, "2026-11-23T10:00")];
        assert_eq!(due_at(day("2026-11-23")), t("2026-11-24T09:00"));
        assert_eq!(
            standings(&opened, "2026-11-24T08:59"),
            vec![
                (day("2026-11-23"), Standing::Left { seconds: 60 }),
                (day("2026-11-24"), Standing::Left { seconds: 86_460 })
            ]
        );
        assert_eq!(
            standings(&opened, "2026-11-24T09:01")[0],
            (day("2026-11-23"), Standing::Overdue { seconds: 60 })
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
        assert_eq!(next_daily(&opened, t("2026-11-24T09:01")), Some(day("2026-11-23")));
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
        assert_eq!(next_daily(&on_time, t("2026-11-24T12:00")), Some(day("2026-11-24")));
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
        assert_eq!(next_daily(&verified, t("2026-11-26T12:00")), None);
        let filed_then_verified = [
            record(Stage::Initial, "2026-11-23T10:00"),
            daily("2026-11-23", "2026-11-23T22:00"),
            record(Stage::Final, "2026-11-23T23:00"),
        ];
        assert_eq!(
            standings(&filed_then_verified, "2026-11-26T12:00"),
            vec![(
                day("2026-11-23"),
                Standing::Met {
                    early_seconds: 11 * 3600
                }
            )],
            "the day filed stays listed, met; none after"
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
    }

    #[test]
    fn only_natural_disasters_with_a_submitted_first_record_owe_dailies() {
        let mut fire = record(Stage::Initial, "2026-11-23T10:00");
        fire.template_id = "fire".into();
        assert_eq!(standings(&[fire], "2026-11-25T12:00"), vec![]);
        assert_eq!(standings(&[], "2026-11-25T12:00"), vec![]);
    }
}

//! Reporting deadlines. They differ by jurisdiction, so they are data: a
//! deployment picks a set; the national rule is the default.

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;

use crate::grading::Grade;
use crate::text::Text;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Applies {
    /// Every event.
    Every,
    /// Events of this grade or graver.
    GradeAtLeast { grade: Grade },
    /// Natural disasters (statistics reporting, 灾情初报).
    NaturalDisaster,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeadlineRule {
    pub id: &'static str,
    pub label: Text,
    /// Minutes after the event time.
    pub minutes: u32,
    pub applies: Applies,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeadlineSet {
    pub id: &'static str,
    pub name: Text,
    pub rules: &'static [DeadlineRule],
}

/// The national default: a general event is reported verbally within 10
/// minutes; 较大 or graver by phone within 30 minutes and in writing within
/// an hour; a natural disaster's initial statistics report within 2 hours.
pub const NATIONAL: DeadlineSet = DeadlineSet {
    id: "national",
    name: Text::new("国家规定（默认）", "National rule (default)"),
    rules: &[
        DeadlineRule {
            id: "verbal",
            label: Text::new("口头报告", "Verbal report"),
            minutes: 10,
            applies: Applies::Every,
        },
        DeadlineRule {
            id: "phone",
            label: Text::new("电话报告", "Phone report"),
            minutes: 30,
            applies: Applies::GradeAtLeast { grade: Grade::III },
        },
        DeadlineRule {
            id: "written",
            label: Text::new("书面报告", "Written report"),
            minutes: 60,
            applies: Applies::GradeAtLeast { grade: Grade::III },
        },
        DeadlineRule {
            id: "disaster_initial",
            label: Text::new("灾情初报", "Disaster initial report"),
            minutes: 120,
            applies: Applies::NaturalDisaster,
        },
    ],
};

/// One deadline of one event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Due {
    pub rule: &'static DeadlineRule,
    pub at: NaiveDateTime,
}

/// The deadlines that apply to an event, earliest first.
pub fn due_times(
    set: &'static DeadlineSet,
    occurred_at: NaiveDateTime,
    grade: Grade,
    natural_disaster: bool,
) -> Vec<Due> {
    let mut due: Vec<Due> = set
        .rules
        .iter()
        .filter(|r| match r.applies {
            Applies::Every => true,
            Applies::GradeAtLeast { grade: g } => grade.at_least(g),
            Applies::NaturalDisaster => natural_disaster,
        })
        .map(|rule| Due {
            rule,
            at: occurred_at + TimeDelta::minutes(i64::from(rule.minutes)),
        })
        .collect();
    crate::sort::insertion_sort(&mut due, |a, b| a.at < b.at);
    due
}

/// Where a deadline stands, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Not met yet, this long left.
    Left { seconds: i64 },
    /// Not met, and past due by this long.
    Overdue { seconds: i64 },
    /// Met by a report written this long before the due time.
    Met { early_seconds: i64 },
    /// Met by a report written after the due time.
    MetLate { late_seconds: i64 },
}

/// `met_at` is when the first report was written, if it has been.
pub fn standing(due_at: NaiveDateTime, now: NaiveDateTime, met_at: Option<NaiveDateTime>) -> Standing {
    match met_at {
        Some(at) if at <= due_at => Standing::Met {
            early_seconds: (due_at - at).num_seconds(),
        },
        Some(at) => Standing::MetLate {
            late_seconds: (at - due_at).num_seconds(),
        },
        None if now <= due_at => Standing::Left {
            seconds: (due_at - now).num_seconds(),
        },
        None => Standing::Overdue {
            seconds: (now - due_at).num_seconds(),
        },
    }
}

/// "1:02:03" or "12:03": a countdown as people read it.
pub fn clock_text(seconds: i64) -> String {
    let s = seconds.abs();
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::parse_datetime;

    fn t(s: &str) -> NaiveDateTime {
        parse_datetime(s).expect("test time")
    }

    fn ids(due: &[Due]) -> Vec<(&str, String)> {
        due.iter()
            .map(|d| (d.rule.id, d.at.format("%H:%M").to_string()))
            .collect()
    }

    #[test]
    fn a_general_event_has_only_the_verbal_deadline() {
        assert_eq!(
            ids(&due_times(&NATIONAL, t("2026-11-23T09:00"), Grade::IV, false)),
            vec![("verbal", "09:10".into())]
        );
    }

    #[test]
    fn major_and_graver_add_phone_and_written() {
        for grade in [Grade::III, Grade::II, Grade::I] {
            assert_eq!(
                ids(&due_times(&NATIONAL, t("2026-11-23T09:00"), grade, false)),
                vec![
                    ("verbal", "09:10".into()),
                    ("phone", "09:30".into()),
                    ("written", "10:00".into())
                ]
            );
        }
    }

    #[test]
    fn natural_disasters_add_the_two_hour_initial_report() {
        assert_eq!(
            ids(&due_times(&NATIONAL, t("2026-11-23T23:30"), Grade::IV, true)),
            vec![("verbal", "23:40".into()), ("disaster_initial", "01:30".into())]
        );
    }

    #[test]
    fn standing_with_a_fixed_clock() {
        let due = t("2026-11-23T10:00");
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
        assert_eq!(
            standing(due, t("2026-11-23T11:00"), Some(t("2026-11-23T09:59"))),
            Standing::Met { early_seconds: 60 }
        );
        assert_eq!(
            standing(due, t("2026-11-23T11:00"), Some(t("2026-11-23T10:20"))),
            Standing::MetLate { late_seconds: 1200 }
        );
    }

    #[test]
    fn countdowns_read_like_clocks() {
        assert_eq!(clock_text(59), "0:59");
        assert_eq!(clock_text(600), "10:00");
        assert_eq!(clock_text(-3723), "1:02:03");
    }
}

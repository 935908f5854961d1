//! Reporting deadlines, counted as the duty office is held to them: from
//! the later of the event time and the time it became known, and met when
//! the office RECEIVED the record (the server's `received_at`), not when the
//! phone wrote it. The phone's writing time, corrected by its clock offset,
//! stays as evidence: a report written in time and delivered late for want
//! of a signal reads differently from one written late.
//!
//! The rules are data ([`rules`]), read from a deployment's file
//! ([`file`]); the national set is the default.

pub mod file;
pub mod known;
pub mod rules;

use chrono::{Days, NaiveDate, NaiveDateTime, TimeDelta};

pub use rules::{Applies, DeadlineRule, Jurisdiction, Label, Obligation, RuleSet, Source};

use crate::rules::grading::Grade;

/// What decides which rules apply to an incident, and when its clocks
/// started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    pub template_id: &'a str,
    pub grade: Grade,
    /// Flagged 敏感: counts as 较大 (Ⅲ) at least.
    pub sensitive: bool,
    pub natural_disaster: bool,
    /// Graded by regulation 493: a work-safety accident.
    pub work_safety: bool,
    /// The later of the event time and the time it became known.
    pub start: NaiveDateTime,
}

impl Event<'_> {
    /// The grade deadlines are counted by: a sensitive event's is 较大 at
    /// least.
    pub fn deadline_grade(&self) -> Grade {
        if self.sensitive && !self.grade.at_least(Grade::III) {
            Grade::III
        } else {
            self.grade
        }
    }
}

impl Applies {
    /// Whether a rule with these conditions and `obligation` binds `event`.
    /// A sensitive event counts as 较大 for the office's own deadlines
    /// (`004_…txt`), not for regulation 493's chain up the authorities,
    /// which goes by the accident's grade alone.
    pub fn fits(&self, obligation: Obligation, event: &Event<'_>) -> bool {
        let id = event.template_id;
        let grade = match obligation {
            Obligation::Upward => event.grade,
            _ => event.deadline_grade(),
        };
        (self.grades.is_empty() || self.grades.contains(&grade))
            && (!self.natural_disaster || event.natural_disaster)
            && (!self.work_safety || event.work_safety)
            && (self.templates.is_empty() || self.templates.iter().any(|t| t == id))
            && !self.except_templates.iter().any(|t| t == id)
    }
}

/// One deadline of one event. A daily follow-up is due at `at` and met by a
/// 续报 received after `from` (the time before); a deadline counted from
/// later than the event (`Judge::judged`'s starts) is met only by a call
/// or record written or received since `from`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due<'r> {
    pub rule: &'r DeadlineRule,
    pub at: NaiveDateTime,
    pub from: Option<NaiveDateTime>,
}

impl Due<'_> {
    /// The same deadline as `other`: one rule (of one rule set) due at one
    /// time, whichever grade's list it came from.
    pub fn is(&self, other: &Due<'_>) -> bool {
        std::ptr::eq(self.rule, other.rule) && self.at == other.at
    }
}

/// Daily follow-ups are listed for at most this many days before `until`
/// (a year): an event open longer, or one whose year was typed wrong,
/// lists its latest year's, the one running among them.
pub const MAX_DAILY_DAYS: u64 = 366;

/// The deadlines that apply to `event`, earliest first, each counted from
/// `start_of` its rule (the event's start, or when the event first stood
/// at a grade the rule applies to: `Judge::judged`). Daily follow-ups are
/// listed from the first time after that up to `until`, and, if `next`,
/// the first one after it (the one now running).
pub fn due_times<'r>(
    set: &'r RuleSet,
    event: &Event<'_>,
    until: NaiveDateTime,
    next: bool,
    start_of: impl Fn(&DeadlineRule) -> NaiveDateTime,
) -> Vec<Due<'r>> {
    let mut due = Vec::new();
    let mut daily_rules = Vec::new();
    for rule in set.rules.iter().filter(|r| r.applies.fits(r.obligation, event)) {
        let start = start_of(rule);
        if let Some(minutes) = rule.minutes {
            due.push(Due {
                rule,
                at: start + TimeDelta::minutes(i64::from(minutes)),
                // Owed from later than the event (a grade found graver
                // then): met only by what came since.
                from: (start != event.start).then_some(start),
            });
        } else if let Some(days) = rule.window_days {
            due.push(Due {
                rule,
                at: start + TimeDelta::days(i64::from(days)),
                from: None,
            });
        } else {
            daily_rules.push((rule, start));
        }
    }
    // A daily 续报 is owed from the first time after the written report
    // (首报) falls due: an event at 07:41 whose written report is due at
    // 08:41 owes no 08:00 续报, which would be late before its 首报 was (a
    // 续报 received since the start still meets the first time owed).
    let written_due = due
        .iter()
        .filter(|d| d.rule.obligation == Obligation::Written)
        .map(|d| d.at)
        .min();
    for (rule, start) in daily_rules {
        let owed_after = match (rule.obligation, written_due) {
            (Obligation::FollowUp, Some(written)) => written.max(start),
            _ => start,
        };
        daily(rule, start, owed_after, until, next, &mut due);
    }
    crate::sort::insertion_sort(&mut due, |a, b| a.at < b.at);
    due
}

/// A daily rule's times after `owed_after` (`start` or later), each met
/// from the one before (the first from `start`). A daily report (日报) is asked from the one
/// covering the start's own day: a disaster that began at 03:00 owes no
/// report of the day before, which the phone does not offer either
/// (`disaster::days`).
fn daily<'r>(
    rule: &'r DeadlineRule,
    start: NaiveDateTime,
    owed_after: NaiveDateTime,
    until: NaiveDateTime,
    next: bool,
    out: &mut Vec<Due<'r>>,
) {
    let times = rule.daily_times();
    let Some(last_time) = times.last().copied() else {
        return;
    };
    let mut from = start;
    let mut day = start.date();
    // Only the latest year's: the first listed is met from the time before
    // it (the day before's last), as it would be in the whole list.
    if let Some(first) = until.date().checked_sub_days(Days::new(MAX_DAILY_DAYS)) {
        if first > day {
            if let Some(before) = first.pred_opt() {
                from = from.max(before.and_time(last_time));
            }
            day = first;
        }
    }
    loop {
        for time in &times {
            let at = day.and_time(*time);
            let before_its_days = rule.obligation == Obligation::DailyReport && at.date() <= start.date();
            if at <= owed_after || before_its_days {
                continue;
            }
            if at > until && !next {
                return;
            }
            out.push(Due {
                rule,
                at,
                from: Some(from),
            });
            if at > until {
                return;
            }
            from = at;
        }
        let Some(following) = day.succ_opt() else {
            return;
        };
        day = following;
    }
}

/// Adds to `due` the daily report of each day filed whose due time is
/// not listed: a day filed before the 核报 (or ahead of its time) stays on
/// the record, met, though no more days are asked for.
pub fn add_filed_days<'r>(
    set: &'r RuleSet,
    event: &Event<'_>,
    filed: &[(NaiveDate, Delivery)],
    due: &mut Vec<Due<'r>>,
) {
    let rules = set
        .rules
        .iter()
        .filter(|r| r.obligation == Obligation::DailyReport && r.applies.fits(r.obligation, event));
    for rule in rules {
        let Some(time) = rule.daily_times().first().copied() else {
            continue;
        };
        for (day, _) in filed {
            let Some(at) = day.succ_opt().map(|d| d.and_time(time)) else {
                continue;
            };
            let filed = Due { rule, at, from: None };
            if !due.iter().any(|d| d.is(&filed)) {
                due.push(filed);
            }
        }
    }
    crate::sort::insertion_sort(due, |a, b| a.at < b.at);
}

/// How a record reached the office, Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// When the office received it; `None` while it is on its way (the
    /// phone before its receipt).
    pub received: Option<NaiveDateTime>,
    /// When it was written, by the phone's clock corrected by its offset
    /// where known.
    pub written: NaiveDateTime,
    /// The phone's clock offset the correction used (server minus phone),
    /// if it had been measured: evidence beside the times.
    pub offset_ms: Option<i64>,
}

/// Where a deadline stands, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Not met yet, this long left.
    Left { seconds: i64 },
    /// Not met, and past due by this long.
    Overdue { seconds: i64 },
    /// Received this long before the due time.
    Met { early_seconds: i64 },
    /// Written in time, received this long after the due time: delivered
    /// late, for want of a signal (按时填写、送达迟).
    DeliveredLate { late_seconds: i64 },
    /// Written after the due time, and received this long after it (填写已迟).
    MetLate { late_seconds: i64 },
    /// Nothing in the app meets it (a step up the chain, a window): this
    /// long until its time, negative once past.
    Info { seconds: i64 },
    /// A deadline of a graver grade the thread stood at, that fell due
    /// while it did and that nothing ever met: a later record made the
    /// thread lesser and the deadline no longer owed. Missed by this long
    /// when that record arrived (`Judge::judged`).
    Lapsed { seconds: i64 },
}

impl Standing {
    /// Met one way or another (the office has it).
    pub fn is_met(self) -> bool {
        matches!(
            self,
            Standing::Met { .. } | Standing::DeliveredLate { .. } | Standing::MetLate { .. }
        )
    }

    /// Received after its due time, written in time or not.
    pub fn is_late(self) -> bool {
        matches!(self, Standing::DeliveredLate { .. } | Standing::MetLate { .. })
    }
}

/// Where the deadline due at `due_at` stands at `now`, given the first
/// delivery that meets it, if any.
pub fn standing(due_at: NaiveDateTime, now: NaiveDateTime, met_by: Option<Delivery>) -> Standing {
    match met_by.and_then(|d| Some((d.received?, d.written))) {
        Some((received, _)) if received <= due_at => Standing::Met {
            early_seconds: (due_at - received).num_seconds(),
        },
        Some((received, written)) if written <= due_at => Standing::DeliveredLate {
            late_seconds: (received - due_at).num_seconds(),
        },
        Some((received, _)) => Standing::MetLate {
            late_seconds: (received - due_at).num_seconds(),
        },
        None if now <= due_at => Standing::Left {
            seconds: (due_at - now).num_seconds(),
        },
        None => Standing::Overdue {
            seconds: (now - due_at).num_seconds(),
        },
    }
}

/// An office's record that it sent a thread's report a step up the chain
/// (a signing of the written report naming the step, `crate::desk::signing`):
/// the upward rule's id and when it was signed, Beijing time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    pub step: String,
    pub at: NaiveDateTime,
}

/// The deliveries of one thread's records, by what they can meet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deliveries {
    /// Logged calls: the verbal and phone reports.
    pub calls: Vec<Delivery>,
    /// Every written record: the written report.
    pub records: Vec<Delivery>,
    /// The 续报: daily follow-ups.
    pub follow_ups: Vec<Delivery>,
    /// The daily reports, by the day they cover.
    pub dailies: Vec<(NaiveDate, Delivery)>,
    /// The office's steps up the chain, each meeting the upward line of
    /// its rule.
    pub forwarded: Vec<Forwarded>,
}

/// Where a deadline stands, given every delivery of the records that may
/// meet it: the verbal and phone reports by a call, the written report by
/// any record, a daily follow-up by a 续报 received since the time before,
/// a daily report by the one covering the day before its due time, a step
/// up the chain by the office's signing for that step.
/// With the standing, the delivery that met it (the evidence).
pub fn judge(due: &Due<'_>, now: NaiveDateTime, deliveries: &Deliveries) -> (Standing, Option<Delivery>) {
    let rule = due.rule;
    if rule.obligation == Obligation::Upward {
        // The office's own step: met when it signed the report for that
        // step, else a line to keep (never "overdue": which steps up are
        // this office's depends on its level, not on the app).
        let signed = deliveries
            .forwarded
            .iter()
            .filter(|f| f.step == rule.id)
            .map(|f| f.at)
            .min();
        if let Some(at) = signed {
            let by = Delivery {
                received: Some(at),
                written: at,
                offset_ms: None,
            };
            return (standing(due.at, now, Some(by)), Some(by));
        }
    }
    if !rule.obligation.can_be_met() {
        let info = Standing::Info {
            seconds: (due.at - now).num_seconds(),
        };
        return (info, None);
    }
    let candidates: Vec<Delivery> = match (rule.obligation, due.from) {
        (Obligation::FollowUp, Some(from)) => deliveries
            .follow_ups
            .iter()
            .copied()
            .filter(|d| d.written > from || d.received.is_some_and(|r| r > from))
            .collect(),
        (Obligation::DailyReport, _) => {
            let day = covered_day(due);
            deliveries
                .dailies
                .iter()
                .filter(|(d, _)| Some(*d) == day)
                .map(|(_, delivery)| *delivery)
                .collect()
        }
        (o, Some(from)) if o.met_by_call() => since(&deliveries.calls, from),
        (o, _) if o.met_by_call() => deliveries.calls.clone(),
        (_, Some(from)) if rule.minutes.is_some() => since(&deliveries.records, from),
        _ => deliveries.records.clone(),
    };
    let first = first_delivery(&candidates);
    (standing(due.at, now, first), first)
}

/// The deliveries written or received at or after `from`: a call made the
/// day before an event was found graver reported the lesser one.
fn since(deliveries: &[Delivery], from: NaiveDateTime) -> Vec<Delivery> {
    deliveries
        .iter()
        .copied()
        .filter(|d| d.written >= from || d.received.is_some_and(|r| r >= from))
        .collect()
}

/// The day a daily report due at `due` covers: the day before (its
/// figures as of 24:00).
pub fn covered_day(due: &Due<'_>) -> Option<NaiveDate> {
    (due.rule.obligation == Obligation::DailyReport)
        .then(|| due.at.date().pred_opt())
        .flatten()
}

/// The delivery received first, with the earliest writing time among those
/// received (the evidence of when it was written) and that record's clock
/// offset.
pub fn first_delivery(deliveries: &[Delivery]) -> Option<Delivery> {
    let received = deliveries.iter().filter_map(|d| d.received).min()?;
    let earliest = deliveries
        .iter()
        .filter(|d| d.received.is_some())
        .min_by_key(|d| d.written)?;
    Some(Delivery {
        received: Some(received),
        written: earliest.written,
        offset_ms: earliest.offset_ms,
    })
}

/// A span in words, the larger two units: 8 分 30 秒, 1 小时 2 分, 29 天 23
/// 小时 (English: 8 min 30 s, 1 h 2 min, 29 d 23 h). Words, not a clock:
/// "剩余 8:30" read like a time of day to the workers who tried it.
pub fn span_text(seconds: i64, lang: crate::Lang) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let zh = lang == crate::Lang::Zh;
    match () {
        _ if d > 0 && zh => format!("{d} 天 {h} 小时"),
        _ if d > 0 => format!("{d} d {h} h"),
        _ if h > 0 && zh => format!("{h} 小时 {m} 分"),
        _ if h > 0 => format!("{h} h {m} min"),
        _ if m > 0 && zh => format!("{m} 分 {sec} 秒"),
        _ if m > 0 => format!("{m} min {sec} s"),
        _ if zh => format!("{sec} 秒"),
        _ => format!("{sec} s"),
    }
}

#[cfg(test)]
mod tests;

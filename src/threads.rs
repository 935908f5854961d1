//! Threads: the records of one incident (首报 → 续报… → 终报) or one hazard
//! (found → rectifying → rectified → closed), grouped from the flat list on
//! the phone, with what follows from them: the next stages the user may
//! file, the grade, the deadlines and an overdue rectification.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use kuaibao_core::account::Role;
use kuaibao_core::desk::office::FollowUpRequest;
use kuaibao_core::rules::deadlines::{Due, RuleSet, Standing};
use kuaibao_core::rules::evidence::Earlier;
use kuaibao_core::rules::stage::ThreadKind;
use kuaibao_core::rules::thread::{Judge, StageRecord};
use kuaibao_core::rules::{catalogue, grading};
use kuaibao_core::sort::insertion_sort;
use kuaibao_core::{Answers, Family, Grade, GradeDecision, Need, PhotoId, ReportId, Stage, Template};

use crate::store::{Author, LocalPhoto, LocalReport, Status, Upload};

/// The blanks that say who reports: hers on her drafts, never copied from
/// an officer's record.
/// Days of daily follow-ups the phone lists, back from now.
pub const DAILY_DAYS_SHOWN: i64 = 7;

const REPORTER_KEYS: [&str; 4] = ["reporter", "reporter_unit", "reporter_post", "phone"];

#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    pub id: ReportId,
    /// In stage order (首报 first), whatever order they were written in.
    pub records: Vec<LocalReport>,
}

/// Groups reports into threads, the thread begun last first.
pub fn threads(reports: &[LocalReport]) -> Vec<Thread> {
    let mut threads: Vec<Thread> = Vec::new();
    for r in reports {
        match threads.iter_mut().find(|t| t.id == r.thread_id()) {
            Some(t) => t.records.push(r.clone()),
            None => threads.push(Thread {
                id: r.thread_id(),
                records: vec![r.clone()],
            }),
        }
    }
    // Keys are unique (record and thread ids): the order is fully decided.
    for t in &mut threads {
        insertion_sort(&mut t.records, |a, b| (a.stage.order(), a.id) < (b.stage.order(), b.id));
    }
    // Thread ids are UUIDv7: they sort by the time the thread began.
    insertion_sort(&mut threads, |a, b| a.id > b.id);
    threads
}

/// The threads that may leave the phone (see `crate::store::Archived`):
/// settled by the core's rule (finished, all received, the last receipt
/// before `cutoff`) and every photo, video and voice note of them on the
/// server. A photo the server refused stays, and its thread with it: it
/// exists nowhere else.
///
/// Also the delivered records left of a thread that went (one read from the
/// server by a sync pass while the thread was being let go: the office's,
/// or hers from another phone): the server has them, and without its first
/// record the thread would show as begun by one of them.
pub fn settled(reports: &[LocalReport], photos: &[LocalPhoto], cutoff: DateTime<Utc>) -> Vec<Thread> {
    threads(reports)
        .into_iter()
        .filter(|t| t.judge().settled_before(cutoff) || t.left_over())
        .filter(|t| {
            photos
                .iter()
                .filter(|p| t.records.iter().any(|r| r.id == p.report_id))
                .all(|p| p.upload == Upload::Done)
        })
        .collect()
}

/// The stage `draft` is filed at: a 续报 whose number another record of
/// its thread among `reports` holds takes the one after the last. Its number was fixed when the draft was
/// begun; a 续报 the office filed for her since (read from the server), or
/// one filed on her other phone, may have taken it, and two 续报一 in one
/// thread would read as one too many at the office.
pub fn filed_stage(reports: &[LocalReport], draft: &LocalReport) -> Stage {
    let Stage::FollowUp { n } = draft.stage else {
        return draft.stage;
    };
    let numbers: Vec<u32> = reports
        .iter()
        .filter(|r| r.id != draft.id && r.thread_id() == draft.thread_id())
        .filter_map(|r| match r.stage {
            Stage::FollowUp { n } => Some(n),
            _ => None,
        })
        .collect();
    // Only a number another record holds moves: a refused 续报一 fixed
    // after 续报二 went stays 续报一, its figures older than 续报二's.
    if !numbers.contains(&n) {
        return draft.stage;
    }
    Stage::FollowUp {
        n: numbers.iter().max().map_or(n, |last| last + 1),
    }
}

/// The later records of thread `old` not yet delivered, named to `fix`
/// instead: a refused first record fixed under a new id takes its thread
/// along, or its 续报 and calls would reach the office under an id that
/// is nobody's 首报. Delivered ones are the server's already, and stay.
pub fn follow_the_fix(reports: &[LocalReport], old: ReportId, fix: ReportId) -> Vec<LocalReport> {
    reports
        .iter()
        .filter(|r| r.thread == Some(old) && !matches!(r.status, Status::Delivered { .. }))
        .map(|r| LocalReport {
            thread: Some(fix),
            ..r.clone()
        })
        .collect()
}

/// The one thread `id`, from the flat list.
pub fn thread_of(reports: &[LocalReport], id: ReportId) -> Option<Thread> {
    let members: Vec<LocalReport> = reports.iter().filter(|r| r.thread_id() == id).cloned().collect();
    threads(&members).into_iter().next()
}

impl Thread {
    /// What the list's item depends on, as a key that changes whenever the
    /// item must be drawn again: each record's id, last edit and state
    /// (a state is a few fields: cheap to write, unlike whole records).
    pub fn revision(&self) -> (ReportId, Vec<(ReportId, u64, String)>) {
        let records = self
            .records
            .iter()
            .map(|r| {
                (
                    r.id,
                    r.updated_ms.to_bits(),
                    serde_json::to_string(&r.status).unwrap_or_default(),
                )
            })
            .collect();
        (self.id, records)
    }

    pub fn first(&self) -> &LocalReport {
        &self.records[0]
    }

    /// The latest written stage (a logged call is not one).
    pub fn latest(&self) -> &LocalReport {
        self.records
            .iter()
            .rev()
            .find(|r| !r.stage.is_call())
            .unwrap_or(&self.records[self.records.len() - 1])
    }

    /// The record the list shows for this thread: one the worker must act
    /// on (refused, then a draft), else one still on its way, else the
    /// latest written stage. By stage order alone a refused 续报 would hide
    /// behind a 日报, which sorts after every 续报.
    pub fn shown(&self) -> &LocalReport {
        let urgency = |r: &LocalReport| match r.status {
            Status::Rejected { .. } => Some(0),
            Status::Draft => Some(1),
            Status::Waiting { .. } | Status::Sending { .. } => Some(2),
            Status::Delivered { .. } => None,
        };
        self.records
            .iter()
            .filter(|r| !r.stage.is_call())
            .filter_map(|r| urgency(r).map(|u| (u, r)))
            // The most urgent; of those, the latest (the last of equals).
            .max_by_key(|&(u, _)| std::cmp::Reverse(u))
            .map_or_else(|| self.latest(), |(_, r)| r)
    }

    /// Whether this is what was left of a thread let go: its first record
    /// is not on the phone, and every record it has is delivered.
    fn left_over(&self) -> bool {
        !self.records.iter().any(|r| r.id == self.id)
            && self
                .records
                .iter()
                .all(|r| matches!(r.status, Status::Delivered { .. }))
    }

    /// The calls to the duty office logged in this thread.
    pub fn calls(&self) -> impl Iterator<Item = &LocalReport> {
        self.records.iter().filter(|r| r.stage.is_call())
    }

    /// The template that began the thread: it says what kind of thread it is.
    pub fn template(&self) -> Option<&'static Template> {
        self.first().template()
    }

    fn submitted(&self) -> impl Iterator<Item = &LocalReport> {
        self.records
            .iter()
            .filter(|r| r.status != Status::Draft && !r.stage.is_call())
    }

    /// The record before `id` in the thread on the same template, to show
    /// what a stage changed: a 续报 is compared with the 首报 or 续报 before
    /// it, not with a call logged or a 日报 filed in between.
    pub fn before(&self, id: ReportId) -> Option<&LocalReport> {
        let at = self.records.iter().position(|r| r.id == id)?;
        let template_id = &self.records[at].template_id;
        self.records[..at].iter().rev().find(|r| &r.template_id == template_id)
    }

    /// What the thread's sent records other than `id` announced: the
    /// evidence an incident's later record may count as its own
    /// (`kuaibao_core::rules::evidence::Earlier`), each photo once.
    pub fn earlier_media(&self, id: ReportId) -> Earlier {
        let mut seen: Vec<PhotoId> = Vec::new();
        let mut mimes: Vec<&str> = Vec::new();
        for photo in self
            .records
            .iter()
            // Sent, as the server counts them: not a draft, nor refused.
            .filter(|r| r.id != id && !matches!(r.status, Status::Draft | Status::Rejected { .. }))
            .flat_map(|r| &r.photos)
        {
            if !seen.contains(&photo.id) {
                seen.push(photo.id);
                mimes.push(&photo.mime);
            }
        }
        Earlier::of(mimes)
    }

    /// The stages an account with `role` may file next. Nothing while a
    /// draft of this thread is open (finish it first) or the thread is not
    /// yet sent. A hazard's 验收销号 is offered to office accounts only: the
    /// server refuses it from a reporter (`kuaibao_core::rules::writers`).
    pub fn next_stages(&self, role: Role, rules: &RuleSet, now: NaiveDateTime) -> Vec<Stage> {
        let mut stages = self.next_stages_in_order(rules, now);
        stages.retain(|stage| kuaibao_core::rules::writers::may_add_to_own(*stage, role).is_ok());
        stages
    }

    /// The author of this thread when it is not `account_id`'s and a
    /// record from that account would be refused (a reporter on a phone a
    /// grid shares, on a colleague's thread: only its reporter, or the
    /// office above, adds to it, `kuaibao_core::rules::writers`); `None`
    /// when the account may go on with it. An officer's area is the
    /// server's to judge.
    pub fn held_by_another(&self, account_id: &str, role: Role) -> Option<&Author> {
        if role.reads_area() {
            return None;
        }
        self.first().author.as_ref().filter(|a| a.account_id != account_id)
    }

    /// Whether the next stage is one an account with `role` may not file
    /// (a hazard's 验收销号 for a reporter): the phone then says who will.
    pub fn awaits_office(&self, role: Role, rules: &RuleSet, now: NaiveDateTime) -> bool {
        self.next_stages_in_order(rules, now)
            .into_iter()
            .any(|stage| kuaibao_core::rules::writers::may_add_to_own(stage, role).is_err())
    }

    /// `now`: Beijing time by the server's clock (`AppState::
    /// server_now_beijing`), which day's 日报 is owed; whether any is, the
    /// deployment's `rules` say.
    fn next_stages_in_order(&self, rules: &RuleSet, now: NaiveDateTime) -> Vec<Stage> {
        let Some(template) = self.template() else {
            return Vec::new();
        };
        if self
            .records
            .iter()
            .any(|r| r.status == Status::Draft || matches!(r.status, Status::Rejected { .. }))
        {
            return Vec::new();
        }
        let Some(latest) = self.submitted().last() else {
            return Vec::new();
        };
        match template.family {
            Family::Incident { .. } => {
                if self.records.iter().any(|r| r.stage == Stage::Final) {
                    return Vec::new();
                }
                let n = self
                    .records
                    .iter()
                    .filter(|r| matches!(r.stage, Stage::FollowUp { .. }))
                    .count() as u32;
                // A natural disaster's daily report, for the oldest day owed.
                let daily = self.judge().next_daily(rules, now).map(|date| Stage::Daily { date });
                [Some(Stage::FollowUp { n: n + 1 }), daily, Some(Stage::Final)]
                    .into_iter()
                    .flatten()
                    .collect()
            }
            Family::Call => Vec::new(),
            Family::Hazard | Family::HazardStep { .. } | Family::DailyReport => match latest.stage {
                Stage::Initial => vec![Stage::Rectifying, Stage::Rectified],
                Stage::Rectifying => vec![Stage::Rectified],
                Stage::Rectified => vec![Stage::Closed],
                _ => Vec::new(),
            },
        }
    }

    /// A draft of the next stage: a follow-up starts from the latest stage's
    /// answers, with the newest figures a later 日报 gave; a 日报 from the
    /// newest totals; a hazard step from the reporter's name and phone. A
    /// 续报's progress line starts empty: each 续报 says its own.
    pub fn next_draft(&self, stage: Stage, id: ReportId, now_ms: f64) -> Option<LocalReport> {
        // The latest record of the thread's own template family: neither a
        // daily report nor a logged call starts the next 续报.
        let family = |r: &LocalReport| r.template().map(|t| t.family);
        let latest = self
            .records
            .iter()
            .rev()
            .find(|r| family(r).is_some_and(|f| !matches!(f, Family::DailyReport | Family::Call)))
            .unwrap_or(self.latest());
        // The newest figures: a 日报 written after it (日报 sort after
        // every 续报, but its totals may be newer than the last one's).
        let newest_daily = self
            .records
            .iter()
            .filter(|r| matches!(family(r), Some(Family::DailyReport)))
            .filter(|r| {
                r.written_at()
                    .is_some_and(|at| latest.written_at().is_none_or(|l| at > l))
            })
            .max_by_key(|r| r.written_at());
        let template = match (self.template()?.family, stage) {
            (Family::Incident { .. }, Stage::Daily { .. }) => catalogue::daily(),
            (Family::Incident { .. }, _) => latest.template()?,
            _ => catalogue::hazard_step(stage)?,
        };
        let mut draft = LocalReport::new_draft(id, template, now_ms);
        draft.thread = Some(self.id);
        draft.stage = stage;
        // Where the draft's reporter blanks come from.
        let reporter_from = match template.family {
            Family::DailyReport => newest_daily.unwrap_or(latest),
            _ => latest,
        };
        // What of `from` the draft's template asks.
        let asked = |from: &LocalReport| -> Vec<(String, String)> {
            from.answers
                .iter()
                .filter(|(k, _)| template.blank(k).is_some())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        if template.id == latest.template_id {
            draft.answers = latest.answers.clone();
            // Keep an override only while its reason still stands.
            draft.grade = latest.grade.clone().filter(|g| g.chosen != g.suggested);
            for (k, v) in newest_daily.map(asked).unwrap_or_default() {
                if !REPORTER_KEYS.contains(&k.as_str()) {
                    draft.answers.insert(k, v);
                }
            }
        } else if matches!(template.family, Family::DailyReport) {
            // The totals so far and the reporter, from the newest report:
            // on a day nothing changed, 「无变化」 is all that is left to
            // choose. What a 日报 says of its own day (its 灾情变化, its
            // note) is not carried to the next: only what the thread's own
            // template asks too.
            let own = self.template()?;
            draft.answers = asked(reporter_from)
                .into_iter()
                .filter(|(k, _)| own.blank(k).is_some())
                .collect();
        } else {
            draft.answers = ["reporter", "phone"]
                .iter()
                .filter_map(|k| latest.answers.get(k).map(|v| ((*k).to_owned(), v.clone())))
                .collect();
        }
        for blank in template.blanks.iter().filter(|b| b.need == Need::AtFollowUp) {
            draft.answers.remove(blank.id);
        }
        // Her name, unit, post and number, not the officer's, where his
        // record is the one they were copied from: the draft is hers.
        if reporter_from.by_office.is_some() {
            let own = self
                .records
                .iter()
                .rev()
                .find(|r| r.by_office.is_none() && r.answers.contains_key("reporter"));
            for key in REPORTER_KEYS {
                match own.and_then(|r| r.answers.get(key)) {
                    Some(value) => draft.answers.insert(key.to_owned(), value.clone()),
                    None => draft.answers.remove(key),
                };
            }
        }
        Some(draft)
    }

    /// The duty office's requests on this thread still open: not answered
    /// by a record the server holds, nor by one this phone submitted after
    /// the request (the server may not have it yet).
    /// Times by the server's clock, as the request's: a delivered record's
    /// receipt, else its writing corrected by the phone's measured offset
    /// (a phone an hour fast must not hide a request asked after its last
    /// record).
    pub fn open_requests(&self, requests: &[FollowUpRequest]) -> Vec<FollowUpRequest> {
        let beijing = |t: DateTime<Utc>| t.with_timezone(&kuaibao_core::wire::timestamp::beijing()).naive_local();
        let latest = self
            .records
            .iter()
            .filter_map(|r| {
                r.received_at()
                    .map(beijing)
                    .or_else(|| kuaibao_core::rules::thread::corrected_written_at(r))
            })
            .max();
        requests
            .iter()
            .filter(|r| r.thread_id == self.id && !r.answered)
            .filter(|r| latest.is_none_or(|at| at < beijing(r.asked_at)))
            .cloned()
            .collect()
    }

    /// The shared judgments over this thread's records (drafts count: the
    /// deadlines follow the figures as they are typed).
    fn judge(&self) -> Judge<'_, LocalReport> {
        Judge::new(&self.records)
    }

    /// The grade of the latest stage as shown: as chosen, else as its
    /// figures suggest once they decide it. `None` for hazards and while
    /// 未定级.
    pub fn graded(&self) -> Option<Grade> {
        self.judge().graded()
    }

    pub fn is_hazard(&self) -> bool {
        self.judge().is_hazard()
    }

    /// What kind of thread, for naming its stages (初报/核报 in a natural
    /// disaster's).
    pub fn kind(&self) -> ThreadKind {
        self.judge().kind().unwrap_or(ThreadKind::Incident)
    }

    /// Every reporting deadline of an incident under `rules` and where it
    /// stands at `now` (Beijing time). A written deadline is met only once
    /// the server's receipt is here: until then it runs on, or is overdue.
    /// A daily follow-up's only of the last [`DAILY_DAYS_SHOWN`] days: a
    /// flood open for months lists every one on the desk, not here.
    pub fn deadlines<'r>(&self, rules: &'r RuleSet, now: NaiveDateTime) -> Vec<(Due<'r>, Standing)> {
        let mut lines = self.judge().deadlines(rules, now);
        lines.retain(|(due, _)| !due.rule.is_daily() || now - due.at < TimeDelta::days(DAILY_DAYS_SHOWN));
        lines
    }

    /// Days a hazard's rectification is past its deadline, if it is, by
    /// `today`: overdue until a "rectified" record is submitted.
    pub fn rectification_overdue(&self, today: NaiveDate) -> Option<i64> {
        self.judge().rectification_overdue(today)
    }
}

/// What the core's thread judgments read of a phone record; a draft is
/// not submitted.
impl StageRecord for LocalReport {
    fn stage(&self) -> Stage {
        self.stage
    }
    fn template_id(&self) -> &str {
        &self.template_id
    }
    fn template_version(&self) -> u32 {
        self.template_version
    }
    fn answers(&self) -> &Answers {
        &self.answers
    }
    fn grade_decision(&self) -> Option<&GradeDecision> {
        self.grade.as_ref()
    }
    fn submitted_at(&self) -> Option<DateTime<FixedOffset>> {
        self.written_at()
    }
    fn received_at(&self) -> Option<DateTime<Utc>> {
        match &self.status {
            Status::Delivered { receipt, .. } => Some(receipt.received_at),
            _ => None,
        }
    }
    /// Once delivered, judged as the office judges it: by the offset the
    /// server measured on arrival where the phone had none.
    fn clock_offset_ms(&self) -> Option<i64> {
        let arrival = match &self.status {
            Status::Delivered { receipt, .. } => receipt.clock_offset_ms,
            _ => None,
        };
        kuaibao_core::rules::thread::offset_for_judging(self.clock_offset_ms, arrival)
    }
}

/// The grade decision to send with a record: the figures' suggestion, and
/// the user's override (with its reason) if she made one.
pub fn decide_grade(template: &Template, answers: &Answers, own: Option<&GradeDecision>) -> Option<GradeDecision> {
    let Family::Incident { grading: rule, .. } = template.family else {
        return None;
    };
    let suggested = grading::suggest(rule, answers).grade;
    Some(match own {
        Some(o) => GradeDecision {
            suggested,
            chosen: o.chosen,
            reason: o.reason.clone(),
        },
        None => GradeDecision {
            suggested,
            chosen: suggested,
            reason: String::new(),
        },
    })
}

//! What follows from the records of one thread — its grade, its reporting
//! deadlines, an overdue rectification — judged by the same code on the
//! phone (its own records, drafts included) and on the server (the duty
//! office's inbox and exports).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::rules::deadlines::{self, DeadlineRule, Deliveries, Delivery, Due, Event, Forwarded, RuleSet, Standing};
use crate::rules::stage::ThreadKind;
use crate::rules::{catalogue, grading};
use crate::wire::timestamp::{beijing, parse_date, parse_datetime};
use crate::{Answers, Family, Grade, GradeDecision, Report, Stage, Template};

/// One record of a thread, as far as judging the thread needs it.
pub trait StageRecord {
    fn stage(&self) -> Stage;
    fn template_id(&self) -> &str;
    fn template_version(&self) -> u32;
    fn answers(&self) -> &Answers;
    fn grade_decision(&self) -> Option<&GradeDecision>;
    /// When it was submitted, by the writer's clock; `None` for a draft.
    fn submitted_at(&self) -> Option<DateTime<FixedOffset>>;
    /// When the office received it (the server's receipt); `None` while it
    /// is on its way. Deadlines are met by this time.
    fn received_at(&self) -> Option<DateTime<Utc>> {
        None
    }
    /// The server's clock minus the writer's, if the phone had measured it.
    fn clock_offset_ms(&self) -> Option<i64> {
        None
    }

    fn template(&self) -> Option<&'static Template> {
        catalogue::find(self.template_id(), self.template_version())
    }
}

impl StageRecord for Report {
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
        Some(self.written_at)
    }
    fn clock_offset_ms(&self) -> Option<i64> {
        self.clock_offset_ms
    }
}

/// A stored record and when the server received it: what the server
/// judges threads by.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub report: Report,
    pub received_at: DateTime<Utc>,
    /// The server's clock minus the phone's when the record arrived, as
    /// the server measured it (`Receipt::clock_offset_ms`).
    pub arrival_offset_ms: Option<i64>,
}

/// The offset a record's writing time is corrected by: the phone's own,
/// measured before it wrote; for a phone that had measured none (it had no
/// signal since it was set up), the one the server measured on arrival.
/// Without it, a phone two hours slow that never reached the server made
/// a report written late look written in time (送达迟 instead of 迟报).
pub fn offset_for_judging(claimed_ms: Option<i64>, arrival_offset_ms: Option<i64>) -> Option<i64> {
    claimed_ms.or(arrival_offset_ms)
}

impl StageRecord for Received {
    fn stage(&self) -> Stage {
        self.report.stage
    }
    fn template_id(&self) -> &str {
        &self.report.template_id
    }
    fn template_version(&self) -> u32 {
        self.report.template_version
    }
    fn answers(&self) -> &Answers {
        &self.report.answers
    }
    fn grade_decision(&self) -> Option<&GradeDecision> {
        self.report.grade.as_ref()
    }
    fn submitted_at(&self) -> Option<DateTime<FixedOffset>> {
        Some(self.report.written_at)
    }
    fn received_at(&self) -> Option<DateTime<Utc>> {
        Some(self.received_at)
    }
    fn clock_offset_ms(&self) -> Option<i64> {
        offset_for_judging(self.report.clock_offset_ms, self.arrival_offset_ms)
    }
}

/// `t` in Beijing wall-clock time.
fn beijing_time(t: DateTime<impl chrono::TimeZone>) -> NaiveDateTime {
    t.with_timezone(&beijing()).naive_local()
}

/// When a record was written, by the server's clock where the phone's
/// offset is known (a phone two hours slow cannot make a late report look
/// early), Beijing time.
///
/// An offset beyond a year is no phone's clock but a made-up one (it
/// comes from the phone, so from anyone): it is not applied.
pub fn corrected_written_at<R: StageRecord>(record: &R) -> Option<NaiveDateTime> {
    const MAX_OFFSET_MS: i64 = 366 * 24 * 3600 * 1000;
    let written = beijing_time(record.submitted_at()?);
    let corrected = record
        .clock_offset_ms()
        .filter(|ms| (-MAX_OFFSET_MS..=MAX_OFFSET_MS).contains(ms))
        .and_then(TimeDelta::try_milliseconds)
        .and_then(|offset| written.checked_add_signed(offset));
    Some(corrected.unwrap_or(written))
}

/// The records of one thread, first record first (stage order). Callers
/// sort; the judgments below read `records[0]` as the thread's start.
#[derive(Debug, Clone, Copy)]
pub struct Judge<'a, R> {
    pub records: &'a [R],
    /// The office's steps up the chain (its signings naming one), which
    /// meet the thread's upward lines.
    pub forwarded: &'a [Forwarded],
}

impl<'a, R: StageRecord> Judge<'a, R> {
    pub fn new(records: &'a [R]) -> Self {
        Judge {
            records,
            forwarded: &[],
        }
    }

    /// The same, knowing the office's steps up the chain.
    pub fn with_forwarded(self, forwarded: &'a [Forwarded]) -> Self {
        Judge { forwarded, ..self }
    }

    /// The written records: logged calls are records of the thread, but
    /// neither begin it nor carry its figures.
    fn written(&self) -> impl DoubleEndedIterator<Item = &'a R> {
        self.records.iter().filter(|r| !r.stage().is_call())
    }

    fn first(&self) -> Option<&'a R> {
        self.written().next()
    }

    fn submitted(&self) -> impl Iterator<Item = &'a R> {
        self.written().filter(|r| r.submitted_at().is_some())
    }

    /// The logged calls, submitted.
    pub fn calls(&self) -> impl Iterator<Item = &'a R> {
        self.records
            .iter()
            .filter(|r| r.stage().is_call() && r.submitted_at().is_some())
    }

    /// The template that began the thread: it says what kind of thread it is.
    pub fn template(&self) -> Option<&'static Template> {
        self.first()?.template()
    }

    pub fn is_hazard(&self) -> bool {
        self.template()
            .is_some_and(|t| !matches!(t.family, Family::Incident { .. }))
    }

    /// The grade of the latest stage: as chosen, else as its figures
    /// suggest (a draft's too, so deadlines follow the figures as they are
    /// typed). `None` for hazards.
    ///
    /// While the figures are still open this is the grade they reach so far
    /// (一般 for none), which is what deadlines count by; [`Judge::graded`]
    /// says 未定级 instead.
    pub fn grade(&self) -> Option<Grade> {
        let (latest, rule, _) = self.latest_graded()?;
        Some(grade_of(latest, rule))
    }

    /// The grade as shown: the user's override, else the suggestion once
    /// its figures decide it; `None` while 未定级 (and for hazards).
    pub fn graded(&self) -> Option<Grade> {
        let (latest, rule, template) = self.latest_graded()?;
        match latest.grade_decision() {
            Some(g) if g.chosen != g.suggested => Some(g.chosen),
            _ => grading::suggest(rule, latest.answers()).graded(template),
        }
    }

    /// The latest record that carries a grade (an incident's stage; a
    /// natural disaster's daily report carries none), its rule and template.
    fn latest_graded(&self) -> Option<(&'a R, &'static grading::GradingRule, &'static Template)> {
        self.latest_graded_among(|_| true)
    }

    /// As [`Judge::latest_graded`], among the records `keep` keeps.
    fn latest_graded_among(
        &self,
        keep: impl Fn(&R) -> bool,
    ) -> Option<(&'a R, &'static grading::GradingRule, &'static Template)> {
        self.records
            .iter()
            .rev()
            .filter(|r| keep(r))
            .find_map(|r| graded(r).map(|(rule, template)| (r, rule, template)))
    }

    /// When the event happened (the first record's `occurred_at`), Beijing
    /// time.
    pub fn occurred_at(&self) -> Option<NaiveDateTime> {
        parse_datetime(self.first()?.answers().get("occurred_at")?)
    }

    /// When the event became known (发现/接报时间, the `known_at` blank of
    /// the first record), Beijing time, if stated.
    pub fn known_at(&self) -> Option<NaiveDateTime> {
        parse_datetime(self.first()?.answers().get("known_at")?)
    }

    /// When the reporting clocks start: the later of the event time and the
    /// time it became known (a landslide found a day after it happened is
    /// not overdue before anyone knew).
    pub fn clock_start(&self) -> Option<NaiveDateTime> {
        let occurred = self.occurred_at();
        match (occurred, self.known_at()) {
            (Some(o), Some(k)) => Some(o.max(k)),
            (o, k) => o.or(k),
        }
    }

    /// Whether the latest stage flags the event 敏感 (`sensitive` = yes):
    /// it then counts as 较大 for deadlines.
    pub fn sensitive(&self) -> bool {
        self.latest_graded().is_some_and(|(r, _, _)| flags_sensitive(r))
    }

    /// The facts the deadline rules are chosen by; `None` for a hazard or
    /// an incident with no event time yet.
    pub fn event(&self) -> Option<Event<'a>> {
        self.event_from(self.clock_start()?)
    }

    /// The facts the deadline rules are chosen by, its clocks started at
    /// `start`; `None` for a hazard.
    pub fn event_from(&self, start: NaiveDateTime) -> Option<Event<'a>> {
        let first = self.first()?;
        let template = first.template()?;
        let Family::Incident {
            natural_disaster,
            grading: rule,
        } = template.family
        else {
            return None;
        };
        Some(Event {
            template_id: template.id,
            grade: self.grade().unwrap_or(Grade::IV),
            sensitive: self.sensitive(),
            natural_disaster,
            work_safety: rule.id == grading::WORK_SAFETY.id,
            start,
        })
    }

    /// Every reporting deadline of an incident under `rules`, and where it
    /// stands at `now` (Beijing time). The written report is met when the
    /// office received a record, the verbal and phone reports by a logged
    /// call, a daily follow-up by a 续报 received since the time before.
    pub fn deadlines<'r>(&self, rules: &'r RuleSet, now: NaiveDateTime) -> Vec<(Due<'r>, Standing)> {
        self.judged(rules, now)
            .into_iter()
            .map(|(due, standing, _)| (due, standing))
            .collect()
    }

    /// As [`Judge::deadlines`], with the delivery that met each deadline:
    /// when it was received and written, and the phone's clock offset (the
    /// accountability ledger's evidence).
    pub fn judged<'r>(&self, rules: &'r RuleSet, now: NaiveDateTime) -> Vec<(Due<'r>, Standing, Option<Delivery>)> {
        let Some(event) = self.event() else {
            return Vec::new();
        };
        let deliveries = Deliveries {
            records: self.submitted().filter_map(delivery).collect(),
            follow_ups: self
                .submitted()
                .filter(|r| matches!(r.stage(), Stage::FollowUp { .. }))
                .filter_map(delivery)
                .collect(),
            calls: self.calls().filter_map(call_delivery).collect(),
            dailies: self
                .submitted()
                .filter_map(|r| match r.stage() {
                    Stage::Daily { date } => Some((date, delivery(r)?)),
                    _ => None,
                })
                .collect(),
            forwarded: self.forwarded.to_vec(),
        };
        // Daily follow-ups stop with the 终报 the office holds.
        let finished = self.final_received().map(beijing_time);
        let until = finished.map_or(now, |f| f.min(now));
        let owing_events = self.owing(&event);
        let starts = Starts::new(self, rules, &event, &owing_events, now);
        let mut due: Vec<Due<'r>> = Vec::new();
        for owing in &owing_events {
            for d in deadlines::due_times(rules, owing, until, finished.is_none(), |r| starts.of_rule(r)) {
                if !due.iter().any(|e| e.is(&d)) {
                    due.push(d);
                }
            }
        }
        // A daily one falling due while the thread stood lesser was not owed.
        due.retain(|d| !d.rule.is_daily() || starts.owed_at(d.rule, d.at));
        for owing in &owing_events {
            deadlines::add_filed_days(rules, owing, &deliveries.dailies, &mut due);
        }
        let mut judged: Vec<_> = due
            .into_iter()
            .map(|due| {
                let (standing, met_by) = deadlines::judge(&due, now, &deliveries);
                (due, standing, met_by)
            })
            .collect();
        for line in self.owed_while_graver(rules, &event, &deliveries, &starts, now, finished) {
            if !judged.iter().any(|(due, _, _)| due.is(&line.0)) {
                judged.push(line);
            }
        }
        crate::sort::insertion_sort(&mut judged, |a, b| a.0.at < b.0.at);
        judged
    }

    /// When each rule's clock started ([`Starts`]), with the events owed
    /// now ([`Judge::owing`]); `None` for a hazard or an incident with no
    /// event time yet.
    pub fn starts(&self, rules: &RuleSet, now: NaiveDateTime) -> Option<(Starts<'a>, Vec<Event<'a>>)> {
        let event = self.event()?;
        let owing = self.owing(&event);
        Some((Starts::new(self, rules, &event, &owing, now), owing))
    }

    /// The events whose deadlines are owed now: the thread's own (its
    /// latest grade; on a phone, as typed), and, where graver, the one the
    /// office holds (on the records it received) and each a record on its
    /// way after that one will stand at until the next arrives: a lesser
    /// grade not yet received does not lift what a graver one owes, nor
    /// does a lesser draft while the graver 首报 is on its way. (The
    /// server holds no record on its way: it adds nothing there.)
    pub fn owing(&self, current: &Event<'a>) -> Vec<Event<'a>> {
        let mut owing = vec![*current];
        let held = self.latest_graded_among(|r| r.received_at().is_some());
        let on_their_way = self.on_their_way().filter_map(|r| graded(r).map(|(rule, _)| (r, rule)));
        let held = held.map(|(r, rule, _)| (r, rule));
        for graded in held.into_iter().chain(on_their_way) {
            let event = graded_as(current, Some(graded));
            if graver(&event, current) && !owing.contains(&event) {
                owing.push(event);
            }
        }
        owing
    }

    /// The records submitted and not yet received after the latest graded
    /// record the office holds, in stage order (on a phone; none on the
    /// server).
    fn on_their_way(&self) -> impl Iterator<Item = &'a R> {
        let held = self.latest_graded_among(|r| r.received_at().is_some());
        let after = held.map_or(0, |(h, _, _)| {
            self.records
                .iter()
                .position(|r| std::ptr::eq(r, h))
                .map_or(0, |k| k + 1)
        });
        self.records[after..]
            .iter()
            .filter(|r| r.received_at().is_none() && r.submitted_at().is_some())
    }

    /// The deadlines of a graver grade than `current`'s that the thread
    /// stood at and no longer does, that fell due while it did and were
    /// not met in time: a 续报 that finds a 较大 event 一般 does not erase
    /// the phone report missed while it stood 较大 ([`Standing::Lapsed`],
    /// past due by as long as it was when the lesser grade arrived), nor
    /// one met late. One met in time is not listed, nor a line no record
    /// meets.
    ///
    /// It stood at the first record's grade from the clocks' start (a 首报
    /// that arrives late does not shorten it), at a later record's from
    /// when it was written or arrived, whichever was first, and to the
    /// arrival of the record that changed it (a backdated record cannot
    /// shorten it either).
    fn owed_while_graver<'r>(
        &self,
        rules: &'r RuleSet,
        current: &Event<'a>,
        deliveries: &Deliveries,
        starts: &Starts<'a>,
        now: NaiveDateTime,
        finished: Option<NaiveDateTime>,
    ) -> Vec<(Due<'r>, Standing, Option<Delivery>)> {
        // Most threads never stood graver: no spans to make.
        let stood_graver = self
            .written()
            .any(|r| graded(r).is_some_and(|(rule, _)| graver(&graded_as(current, Some((r, rule))), current)));
        if !stood_graver {
            return Vec::new();
        }
        let made;
        let spans = match &starts.spans {
            Some(spans) => spans,
            None => {
                made = self.spans(current);
                &made
            }
        };
        let mut lines = Vec::new();
        // The later spans first: where two overlap on a deadline, the one
        // that ended later says how long it was owed.
        for (k, (held, from, to)) in spans.iter().enumerate().rev() {
            // A span still held is owed whole (`owing`).
            let Some(to) = *to else { continue };
            if !graver(held, current) {
                continue;
            }
            let until = finished.map_or(to, |f| f.min(to)).min(now);
            for due in deadlines::due_times(rules, held, until, false, |r| starts.of_rule(r)) {
                if due.at < *from || due.at >= to {
                    continue;
                }
                // Owed on through the spans after that owe the same kind of
                // report (a 重大 phone report by 15 minutes, then a 较大 one
                // by 30, then 重大 again): past due until the last of them
                // ended, or owed still.
                let owes = |event: &Event<'_>| {
                    rules
                        .rules
                        .iter()
                        .any(|r| r.obligation == due.rule.obligation && r.applies.fits(r.obligation, event))
                };
                let mut end = Some(to);
                for (next, _, next_to) in &spans[k + 1..] {
                    if !owes(next) {
                        break;
                    }
                    end = *next_to;
                }
                let (standing, met_by) = deadlines::judge(&due, now, deliveries);
                let standing = match (standing, end) {
                    (Standing::Met { .. } | Standing::Info { .. }, _) => continue,
                    (Standing::Overdue { .. } | Standing::Left { .. }, Some(end)) => Standing::Lapsed {
                        seconds: (end - due.at).num_seconds(),
                    },
                    // Owed still, or met late: as it stands.
                    (standing, _) => standing,
                };
                lines.push((due, standing, met_by));
            }
        }
        lines
    }

    /// The facts the deadline rules were chosen by as the thread stood, a
    /// span for each change: first at its first record's grade, from the
    /// clocks' start (whenever that record arrived: a 续报 may come before
    /// its 首报); then at each arrival as [`Judge::grade`] and
    /// [`Judge::sensitive`] judge on the first record and those received
    /// by then. A later span runs from when the record that began it was
    /// written or arrived, whichever was first (never before the span
    /// before it began), to the next span's arrival (`None`: it stands
    /// still). The clocks' start is `current`'s.
    fn spans(&self, current: &Event<'a>) -> Vec<Span<'a>> {
        let Some(first) = self.first() else {
            return Vec::new();
        };
        let event_of = |keep: &dyn Fn(&R) -> bool| {
            graded_as(current, self.latest_graded_among(keep).map(|(r, rule, _)| (r, rule)))
        };
        let mut spans = vec![(self.first_event(current), current.start, None)];
        let mut arrivals: Vec<DateTime<Utc>> = self.written().filter_map(|r| r.received_at()).collect();
        crate::sort::insertion_sort(&mut arrivals, |a, b| a < b);
        arrivals.dedup();
        for at in arrivals {
            let event = event_of(&|r| std::ptr::eq(r, first) || r.received_at().is_some_and(|t| t <= at));
            let Some(last) = spans.last_mut() else { break };
            if last.0 == event {
                continue;
            }
            let arrived = beijing_time(at);
            last.2 = Some(arrived);
            let began = last.1;
            let written = self
                .written()
                .filter(|r| r.received_at() == Some(at))
                .filter_map(corrected_written_at)
                .min();
            let from = written.map_or(arrived, |w| w.min(arrived)).max(began);
            spans.push((event, from, None));
        }
        spans
    }

    /// The facts the deadline rules were chosen by as the first record
    /// stated them, the clocks' start `current`'s.
    fn first_event(&self, current: &Event<'a>) -> Event<'a> {
        let first = self.first();
        graded_as(
            current,
            self.latest_graded_among(|r| first.is_some_and(|f| std::ptr::eq(r, f)))
                .map(|(r, rule, _)| (r, rule)),
        )
    }

    /// What kind of thread this is, for naming its stages (初报/核报 in a
    /// natural disaster's).
    pub fn kind(&self) -> Option<ThreadKind> {
        Some(ThreadKind::of(self.template()?.family))
    }

    /// A hazard's rectification deadline, as found.
    pub fn rectify_by(&self) -> Option<NaiveDate> {
        if self.template()?.family != Family::Hazard {
            return None;
        }
        parse_date(self.first()?.answers().get("rectify_by")?)
    }

    /// Whether a hazard has been rectified (or closed) by a submitted record.
    pub fn rectified(&self) -> bool {
        self.submitted()
            .any(|r| matches!(r.stage(), Stage::Rectified | Stage::Closed))
    }

    /// Days a hazard's rectification is past its deadline, if it is, by
    /// `today`: overdue until a "rectified" record is submitted.
    pub fn rectification_overdue(&self, today: NaiveDate) -> Option<i64> {
        let by = self.rectify_by()?;
        if self.rectified() {
            return None;
        }
        let days = (today - by).num_days();
        (days > 0).then_some(days)
    }

    /// When the office received the thread's 终报 (Final), if it has.
    pub fn final_received(&self) -> Option<DateTime<Utc>> {
        self.submitted()
            .filter(|r| r.stage() == Stage::Final)
            .filter_map(|r| r.received_at())
            .min()
    }

    /// Whether the thread is finished: an incident's 终报 or a hazard's
    /// closing is submitted.
    pub fn finished(&self) -> bool {
        self.submitted()
            .any(|r| matches!(r.stage(), Stage::Final | Stage::Closed))
    }

    /// Whether a phone may let the thread's records go (keeping their
    /// receipts): the thread is finished, the office has received every
    /// record of it, calls included, and the last of them before `cutoff`.
    /// An unfinished thread stays however old it is: the worker still owes
    /// it a stage, and the phone's deadlines and next stages come from it.
    pub fn settled_before(&self, cutoff: DateTime<Utc>) -> bool {
        let received: Option<Vec<DateTime<Utc>>> = self.records.iter().map(|r| r.received_at()).collect();
        self.finished() && received.is_some_and(|times| times.into_iter().max().is_some_and(|last| last < cutoff))
    }
}

/// When each deadline rule's clock started for a thread. From the event's
/// start ([`Judge::clock_start`]) where the rule applied to the grade the
/// first record stated or a lesser one; otherwise from when the thread
/// first stood at such a grade ([`stood_for`]): a 一般 event found 较大 a day later owes its phone
/// and written reports from when that was reported (written or arrived,
/// whichever was first: [`Judge::spans`]), not a day late (regulation 493
/// art. 13 asks casualty changes to be reported at once, not the first
/// report again). On a phone, a graver grade on its way counts from when it
/// was written, and one still typed from now: its full time stands until
/// it is sent.
pub struct Starts<'a> {
    start: NaiveDateTime,
    first: Event<'a>,
    /// Each grade the thread stood at, or will on a phone, and since when,
    /// in time order; empty where no rule owed starts later.
    began: Vec<(Event<'a>, NaiveDateTime)>,
    /// The thread's spans ([`Judge::spans`]) where they were made for
    /// `began`: made once a judgment (they cost the square of the records).
    spans: Option<Vec<Span<'a>>>,
}

/// A grade the thread stood at, from when, to the arrival that changed it
/// (`None`: it stands still).
type Span<'a> = (Event<'a>, NaiveDateTime, Option<NaiveDateTime>);

impl<'a> Starts<'a> {
    fn new<R: StageRecord>(
        judge: &Judge<'a, R>,
        rules: &RuleSet,
        current: &Event<'a>,
        owing: &[Event<'a>],
        now: NaiveDateTime,
    ) -> Starts<'a> {
        let first = judge.first_event(current);
        // Whether a grade owes otherwise than the first record's: a rule
        // it owes that the first did not, or one it does not that the
        // first did.
        let other = |event: &Event<'_>| rules.rules.iter().any(|r| stood_for(r, event) != stood_for(r, &first));
        // Most threads never stood otherwise than their first record said:
        // no spans to make.
        let stood = judge
            .written()
            .filter_map(|r| graded(r).map(|(rule, _)| graded_as(current, Some((r, rule)))));
        let spans = owing
            .iter()
            .copied()
            .chain(stood)
            .any(|e| other(&e))
            .then(|| judge.spans(current));
        let began = if let Some(spans) = &spans {
            let mut began: Vec<_> = spans.iter().map(|(e, from, _)| (*e, *from)).collect();
            for r in judge.on_their_way() {
                if let Some((rule, _)) = graded(r) {
                    let since = corrected_written_at(r).unwrap_or(now);
                    began.push((graded_as(current, Some((r, rule))), since));
                }
            }
            // The grade as typed, from now.
            began.push((*current, now));
            began
        } else {
            Vec::new()
        };
        Starts {
            start: current.start,
            first,
            began,
            spans,
        }
    }

    /// Whether the thread owed `rule` at `at`: not while it stood at a
    /// lesser grade that it later left (a daily follow-up falling due while
    /// a 较大 flood stood 一般 between two graver stretches was not owed).
    /// The stretch it stands at now owes as [`Judge::owing`] says.
    pub fn owed_at(&self, rule: &DeadlineRule, at: NaiveDateTime) -> bool {
        let Some(spans) = &self.spans else {
            return true;
        };
        spans
            .iter()
            .find(|(_, from, to)| *from <= at && to.is_some_and(|to| at < to))
            .is_none_or(|(event, _, _)| stood_for(rule, event))
    }

    /// When `rule`'s clock started.
    pub fn of_rule(&self, rule: &DeadlineRule) -> NaiveDateTime {
        if stood_for(rule, &self.first) {
            return self.start;
        }
        self.began
            .iter()
            .filter(|(event, _)| stood_for(rule, event))
            .map(|(_, since)| *since)
            .min()
            .map_or(self.start, |since| since.max(self.start))
    }
}

/// Whether `event` stood at a grade `rule` applies to, or a graver one: a
/// 重大 event found 较大 owed 较大's phone report from the start, a 一般
/// event found 较大 only from then.
fn stood_for(rule: &DeadlineRule, event: &Event<'_>) -> bool {
    [Grade::IV, Grade::III, Grade::II, Grade::I]
        .into_iter()
        .filter(|g| event.grade.at_least(*g))
        .any(|grade| rule.applies.fits(rule.obligation, &Event { grade, ..*event }))
}

/// Whether `held` owes by a graver grade than `current` does: by the
/// grade deadlines count by, or by its own (steps up the chain go by it,
/// a sensitive flag aside).
fn graver(held: &Event<'_>, current: &Event<'_>) -> bool {
    let strictly = |a: Grade, b: Grade| a.at_least(b) && a != b;
    strictly(held.deadline_grade(), current.deadline_grade()) || strictly(held.grade, current.grade)
}

/// A record's grading rule and template, if it is an incident's (whose
/// records carry a grade; a daily report or a call carries none).
fn graded<R: StageRecord>(record: &R) -> Option<(&'static grading::GradingRule, &'static Template)> {
    let template = record.template()?;
    match template.family {
        Family::Incident { grading: rule, .. } => Some((rule, template)),
        _ => None,
    }
}

/// `current`'s event as `record` grades it (its grade and 敏感 flag; none
/// graded: 一般, as deadlines count an empty form).
fn graded_as<'a, R: StageRecord>(current: &Event<'a>, record: Option<(&R, &grading::GradingRule)>) -> Event<'a> {
    Event {
        grade: record.map_or(Grade::IV, |(r, rule)| grade_of(r, rule)),
        sensitive: record.is_some_and(|(r, _)| flags_sensitive(r)),
        ..*current
    }
}

/// The grade a record carries: as chosen, else as its figures suggest.
fn grade_of<R: StageRecord>(record: &R, rule: &grading::GradingRule) -> Grade {
    record
        .grade_decision()
        .map_or_else(|| grading::suggest(rule, record.answers()).grade, |g| g.chosen)
}

/// Whether a record flags its event 敏感 (`sensitive` = yes).
fn flags_sensitive<R: StageRecord>(record: &R) -> bool {
    record.answers().get("sensitive").is_some_and(|v| v == "yes")
}

/// How a written record reached the office.
fn delivery<R: StageRecord>(record: &R) -> Option<Delivery> {
    Some(Delivery {
        received: record.received_at().map(beijing_time),
        written: corrected_written_at(record)?,
        offset_ms: record.clock_offset_ms(),
    })
}

/// A call reaches the office as it is made: at the time it logs (the phone
/// fills it from its clock corrected by the server's; an officer types the
/// time he took it), else when the record was written.
fn call_delivery<R: StageRecord>(record: &R) -> Option<Delivery> {
    let at = record
        .answers()
        .get("called_at")
        .and_then(|t| parse_datetime(t))
        .or_else(|| corrected_written_at(record))?;
    Some(Delivery {
        received: Some(at),
        written: at,
        offset_ms: record.clock_offset_ms(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::examples;
    use crate::rules::grading::GradeDecision;

    /// A flood (version 2) record at `stage` with `answers` over nothing.
    fn flood(stage: Stage, answers: &[(&str, &str)]) -> Report {
        let template = catalogue::find("flood", 2).expect("flood v2");
        let mut r = examples::report(template, stage);
        r.answers = answers.iter().map(|(k, v)| (*k, *v)).collect();
        r.answers.insert("occurred_at".into(), examples::OCCURRED_AT.into());
        r
    }

    #[test]
    fn an_impossible_clock_offset_is_not_applied_and_panics_nothing() {
        for offset in [i64::MAX - 1, i64::MIN, 9_223_372_036_854_775_806, 367 * 86_400_000] {
            let mut r = flood(Stage::Initial, &[]);
            r.clock_offset_ms = Some(offset);
            let written = beijing_time(r.written_at);
            assert_eq!(corrected_written_at(&r), Some(written), "{offset}");
            // Judged whole, too: validation and deadlines.
            let _verdict = crate::rules::validate::validate(&r);
            let now = parse_datetime(examples::OCCURRED_AT).expect("a time");
            assert!(!Judge::new(&[r])
                .deadlines(&deadlines::RuleSet::national(), now)
                .is_empty());
        }
        let mut slow = flood(Stage::Initial, &[]);
        slow.clock_offset_ms = Some(7_200_000);
        assert_eq!(
            corrected_written_at(&slow),
            Some(beijing_time(slow.written_at) + TimeDelta::hours(2)),
            "a phone two hours slow"
        );
    }

    #[test]
    fn a_thread_is_settled_when_finished_and_every_record_was_received_before_the_cutoff() {
        let at = |h: i64| DateTime::<Utc>::from_timestamp(1_780_000_000 + h * 3600, 0).expect("a time");
        let received = |stage: Stage, h: i64| Received {
            report: flood(stage, &[]),
            received_at: at(h),
            arrival_offset_ms: None,
        };
        let finished = [received(Stage::Initial, 0), received(Stage::Final, 10)];
        assert!(Judge::new(&finished).settled_before(at(11)));
        assert!(
            !Judge::new(&finished).settled_before(at(10)),
            "the last receipt is not before the cutoff"
        );
        let open = [received(Stage::Initial, 0), received(Stage::FollowUp { n: 1 }, 1)];
        assert!(
            !Judge::new(&open).settled_before(at(1000)),
            "no 终报: a stage is still owed"
        );
        // A 终报 written but not yet received: nothing may leave the phone.
        let waiting = [flood(Stage::Initial, &[]), flood(Stage::Final, &[])];
        assert!(!Judge::new(&waiting).settled_before(at(1000)));
        assert!(!Judge::<Received>::new(&[]).settled_before(at(1000)), "an empty thread");
    }

    #[test]
    fn an_empty_form_is_not_graded_while_deadlines_count_it_as_general() {
        let records = [flood(Stage::Initial, &[])];
        let judge = Judge::new(&records);
        assert_eq!(judge.graded(), None, "未定级");
        assert_eq!(
            judge.grade(),
            Some(Grade::IV),
            "deadlines count by what the figures reach"
        );
        let filled = [flood(
            Stage::Initial,
            &[("dead", "0"), ("missing", "0"), ("direct_loss", "0")],
        )];
        assert_eq!(Judge::new(&filled).graded(), Some(Grade::IV));
        let mut chosen = flood(Stage::Initial, &[]);
        chosen.grade = Some(GradeDecision {
            suggested: Grade::IV,
            chosen: Grade::III,
            reason: "涉及学校".into(),
        });
        assert_eq!(
            Judge::new(&[chosen]).graded(),
            Some(Grade::III),
            "the reporter's own grade stands"
        );
    }

    #[test]
    fn a_daily_report_keeps_the_grade_of_the_stage_before_and_names_a_disaster_chain() {
        let mut daily = examples::report(catalogue::daily(), examples::daily_stage());
        daily.answers.insert("dead".into(), "0".into());
        let records = [
            flood(Stage::Initial, &[("dead", "9"), ("missing", "1"), ("direct_loss", "0")]),
            daily,
        ];
        let judge = Judge::new(&records);
        // Graded 重大, a grave disaster: the national rules ask its daily
        // reports.
        assert_eq!(judge.graded(), Some(Grade::II), "9 dead + 1 missing, from the 初报");
        assert_eq!(judge.kind(), Some(ThreadKind::NaturalDisaster));
        assert!(judge
            .deadlines(
                &deadlines::RuleSet::national(),
                parse_datetime(examples::OCCURRED_AT).expect("a time")
            )
            .iter()
            .any(|(due, _)| due.rule.id == "disaster_daily"));
    }
}

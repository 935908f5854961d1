//! What follows from the records of one thread — its grade, its reporting
//! deadlines, an overdue rectification — judged by the same code on the
//! phone (its own records, drafts included) and on the server (the duty
//! office's inbox and exports).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

use crate::deadlines::{self, Due, Standing};
use crate::disaster;
use crate::stage::ThreadKind;
use crate::validate::{beijing, parse_date, parse_datetime};
use crate::{catalogue, grading, Answers, Family, Grade, GradeDecision, Report, Stage, Template};

/// One record of a thread, as far as judging the thread needs it.
pub trait StageRecord {
    fn stage(&self) -> Stage;
    fn template_id(&self) -> &str;
    fn template_version(&self) -> u32;
    fn answers(&self) -> &Answers;
    fn grade_decision(&self) -> Option<&GradeDecision>;
    /// When it was submitted, by the writer's clock; `None` for a draft.
    fn submitted_at(&self) -> Option<DateTime<FixedOffset>>;

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
}

/// The records of one thread, first record first (stage order). Callers
/// sort; the judgments below read `records[0]` as the thread's start.
#[derive(Debug, Clone, Copy)]
pub struct Judge<'a, R> {
    pub records: &'a [R],
}

impl<'a, R: StageRecord> Judge<'a, R> {
    pub fn new(records: &'a [R]) -> Self {
        Judge { records }
    }

    fn first(&self) -> Option<&'a R> {
        self.records.first()
    }

    fn submitted(&self) -> impl Iterator<Item = &'a R> {
        self.records.iter().filter(|r| r.submitted_at().is_some())
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
        Some(
            latest
                .grade_decision()
                .map_or_else(|| grading::suggest(rule, latest.answers()).grade, |g| g.chosen),
        )
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
        self.records.iter().rev().find_map(|r| {
            let template = r.template()?;
            match template.family {
                Family::Incident { grading: rule, .. } => Some((r, rule, template)),
                _ => None,
            }
        })
    }

    /// When the event happened (the first record's `occurred_at`), Beijing
    /// time.
    pub fn occurred_at(&self) -> Option<NaiveDateTime> {
        parse_datetime(self.first()?.answers().get("occurred_at")?)
    }

    /// When the first record was submitted, Beijing time: it meets the
    /// reporting deadlines.
    pub fn first_submitted(&self) -> Option<NaiveDateTime> {
        self.submitted()
            .filter_map(|r| r.submitted_at())
            .map(|t| t.with_timezone(&beijing()).naive_local())
            .min()
    }

    /// Every reporting deadline of an incident and where it stands at `now`
    /// (Beijing time). A deadline is met by the first report submitted.
    pub fn deadlines(&self, now: NaiveDateTime) -> Vec<(Due, Standing)> {
        let Some(Family::Incident { natural_disaster, .. }) = self.template().map(|t| t.family) else {
            return Vec::new();
        };
        let Some(occurred) = self.occurred_at() else {
            return Vec::new();
        };
        let grade = self.grade().unwrap_or(Grade::IV);
        let met = self.first_submitted();
        let mut all: Vec<(Due, Standing)> =
            deadlines::due_times(&deadlines::NATIONAL, occurred, grade, natural_disaster)
                .into_iter()
                .map(|due| (due, deadlines::standing(due.at, now, met)))
                .collect();
        all.extend(
            disaster::dailies(self.records, now)
                .into_iter()
                .map(|(_, due, s)| (due, s)),
        );
        all
    }

    /// What kind of thread this is, for naming its stages (初报/核报 in a
    /// natural disaster's).
    pub fn kind(&self) -> Option<ThreadKind> {
        Some(ThreadKind::of(self.template()?.family))
    }

    /// The day the next daily report of a natural disaster should cover,
    /// if one is owed at `now` (see `disaster`).
    pub fn next_daily(&self, now: NaiveDateTime) -> Option<NaiveDate> {
        disaster::next_daily(self.records, now)
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

    /// Whether the thread is finished: an incident's 终报 or a hazard's
    /// closing is submitted.
    pub fn finished(&self) -> bool {
        self.submitted()
            .any(|r| matches!(r.stage(), Stage::Final | Stage::Closed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples;
    use crate::grading::GradeDecision;

    /// A flood (version 2) record at `stage` with `answers` over nothing.
    fn flood(stage: Stage, answers: &[(&str, &str)]) -> Report {
        let template = catalogue::find("flood", 2).expect("flood v2");
        let mut r = examples::report(template, stage);
        r.answers = answers.iter().map(|(k, v)| (*k, *v)).collect();
        r.answers.insert("occurred_at".into(), examples::OCCURRED_AT.into());
        r
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
            flood(Stage::Initial, &[("dead", "2"), ("missing", "1"), ("direct_loss", "0")]),
            daily,
        ];
        let judge = Judge::new(&records);
        assert_eq!(judge.graded(), Some(Grade::III), "2 dead + 1 missing, from the 初报");
        assert_eq!(judge.kind(), Some(ThreadKind::NaturalDisaster));
        assert!(judge
            .deadlines(parse_datetime(examples::OCCURRED_AT).expect("a time"))
            .iter()
            .any(|(due, _)| due.rule.id == "disaster_daily"));
    }
}

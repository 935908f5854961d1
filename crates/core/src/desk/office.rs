//! What the duty office (值班室) and the server say to each other: the
//! inbox of threads in the officer's area, its filters and its order of
//! urgency, acknowledgements and requests for a follow-up. Declared once so
//! the server sorts and the office page explains by the same rules.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::AreaRef;
use crate::rules::deadlines::{Due, Jurisdiction, Obligation, Standing};
use crate::rules::grading::Grade;
use crate::rules::stage::Stage;
use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::ids::ReportId;

/// `GET` with a [`Filter`] as query: the [`Inbox`] of the caller's area and
/// below, most urgent first. Officers and admins only.
pub const INBOX_PATH: &str = "/api/office/inbox";
/// `GET`: a `text/event-stream` of [`Change`]s in the caller's area, so
/// the inbox updates without a reload. Officers and admins only.
pub const EVENTS_PATH: &str = "/api/office/events";
/// `GET`: the [`Ledger`] of hazards by area, overdue rectifications first.
pub const HAZARDS_PATH: &str = "/api/office/hazards";
/// `POST` an [`Acknowledge`] for the thread `{id}`: 201 and the stored
/// [`Acknowledgement`]. Idempotent by its id.
pub const ACKNOWLEDGE_PATH: &str = "/api/threads/{id}/acknowledgements";
/// `POST` an [`AskFollowUp`] for the thread `{id}`: 201 and the stored
/// [`FollowUpRequest`]. Idempotent by its id.
pub const ASK_PATH: &str = "/api/threads/{id}/requests";
/// `GET`: the [`FollowUpRequest`]s on the caller's own threads; the phone
/// reads them on every sync and shows them with the thread.
pub const MY_REQUESTS_PATH: &str = "/api/requests";

/// The longest request text: a sentence or two, read on a phone.
pub const MAX_REQUEST_CHARS: usize = 500;

/// The most of one kind of office act (acknowledgements, requests for a
/// follow-up, signings) one thread may hold: one for each record it may
/// hold. The inbox, the phone and the written report read a thread's
/// acts, so an office account must not grow them without end.
pub const MAX_ACTS_PER_THREAD: usize = crate::rules::writers::MAX_RECORDS_PER_THREAD;

/// Requests a thread may have unanswered at once. Every inbox line carries
/// its open requests; a reporter who answers none of twenty is phoned.
pub const MAX_OPEN_REQUESTS: usize = 20;

/// An office act a thread holds a bounded number of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Acknowledgement,
    Request,
    Signing,
}

impl Act {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Act::Acknowledgement => ("确认收到", "acknowledgements"),
            Act::Request => ("请求续报", "requests for a follow-up"),
            Act::Signing => ("签发", "signings"),
        }
    }
}

/// Whether a thread that holds `held` of `act` (`open` of them requests
/// no record has answered yet) takes one more; else the refusal, naming
/// `thread`: [`MAX_ACTS_PER_THREAD`] of a kind, [`MAX_OPEN_REQUESTS`]
/// unanswered (then the office phones the reporter).
pub fn room_for(act: Act, held: usize, open: usize) -> Result<(), FieldError> {
    if held >= MAX_ACTS_PER_THREAD {
        let (zh, en) = act.names();
        return Err(FieldError::new(
            "thread",
            ErrorCode::TooLong,
            format!("此事件的{zh}已有 {MAX_ACTS_PER_THREAD} 条，不能再添加。"),
            format!("This thread holds {MAX_ACTS_PER_THREAD} {en}, the most it may."),
        ));
    }
    if act == Act::Request && open >= MAX_OPEN_REQUESTS {
        return Err(FieldError::new(
            "thread",
            ErrorCode::TooLong,
            format!("此事件已有 {MAX_OPEN_REQUESTS} 条请求续报未答复：请直接电话联系报告人。"),
            format!("{MAX_OPEN_REQUESTS} requests for a follow-up of this thread are unanswered: phone the reporter."),
        ));
    }
    Ok(())
}

/// The inbox's filters; every one optional. As a query string:
/// `?area=d-t1&category=flood&grade=III&stage=open&since=…&until=…`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// An area id: that area and everything below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// A template id (the kind of incident, or `hazard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// This grade or graver (`I`…`IV`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// `open` (not finished yet) or `finished` (终报 or closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// First received at or after (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// First received before (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// Which threads a [`Filter`]'s `stage` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageFilter {
    Open,
    Finished,
}

/// The names [`Filter::from_query`] reads.
pub const FILTER_KEYS: [&str; 6] = ["area", "category", "grade", "stage", "since", "until"];

impl Filter {
    /// The filter from a decoded query string's pairs, checked as
    /// [`Filter::check`] does; every error names its field (an unknown or
    /// repeated parameter names itself), so the office can show each at its
    /// control. An empty value is no filter. A time may have lost its `+`
    /// to form decoding (`…T08:00:00 08:00`): the space is read as `+`.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Filter, Vec<FieldError>> {
        let mut filter = Filter::default();
        let mut errors = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in pairs {
            let key = key.as_str();
            if !FILTER_KEYS.contains(&key) {
                errors.push(FieldError::new(
                    key,
                    ErrorCode::UnknownField,
                    format!("没有名为 {key} 的筛选条件"),
                    format!("there is no filter named {key}"),
                ));
                continue;
            }
            if seen.contains(&key) {
                errors.push(FieldError::new(
                    key,
                    ErrorCode::UnknownField,
                    format!("筛选条件 {key} 只能给一次"),
                    format!("the filter {key} may be given once"),
                ));
                continue;
            }
            seen.push(key);
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "area" => filter.area = Some(value.to_owned()),
                "category" => filter.category = Some(value.to_owned()),
                "grade" => filter.grade = Some(value.to_owned()),
                "stage" => filter.stage = Some(value.to_owned()),
                _ => match parse_instant(value) {
                    Some(t) if key == "since" => filter.since = Some(t),
                    Some(t) => filter.until = Some(t),
                    None => errors.push(FieldError::new(
                        key,
                        ErrorCode::BadDateTime,
                        "时间须为 RFC 3339 格式，如 2026-11-23T08:00:00+08:00",
                        "the time must be RFC 3339, e.g. 2026-11-23T08:00:00+08:00",
                    )),
                },
            }
        }
        if let Err(more) = filter.check() {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }

    /// The filter's grade and stage, checked; each error names its field.
    pub fn check(&self) -> Result<(Option<Grade>, Option<StageFilter>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let grade = match self.grade.as_deref() {
            None | Some("") => None,
            Some(code) => {
                let g = Grade::from_code(code);
                if g.is_none() {
                    errors.push(FieldError::new(
                        "grade",
                        ErrorCode::UnknownOption,
                        "等级须为 I、II、III 或 IV",
                        "grade must be I, II, III or IV",
                    ));
                }
                g
            }
        };
        let stage = match self.stage.as_deref() {
            None | Some("") => None,
            Some("open") => Some(StageFilter::Open),
            Some("finished") => Some(StageFilter::Finished),
            Some(_) => {
                errors.push(FieldError::new(
                    "stage",
                    ErrorCode::UnknownOption,
                    "阶段须为 open（未终报）或 finished（已终报/已销号）",
                    "stage must be open or finished",
                ));
                None
            }
        };
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if until <= since {
                errors.push(FieldError::new(
                    "until",
                    ErrorCode::OutOfRange,
                    "截止时间须晚于起始时间",
                    "until must be after since",
                ));
            }
        }
        if errors.is_empty() {
            Ok((grade, stage))
        } else {
            Err(errors)
        }
    }

    /// Whether `thread` passes the filter (the area is the server's to
    /// judge: it knows the tree). Call on a checked filter.
    pub fn keeps(&self, thread: &ThreadSummary) -> bool {
        let Ok((grade, stage)) = self.check() else {
            return false;
        };
        self.category
            .as_deref()
            .is_none_or(|c| c.is_empty() || thread.template_id == c)
            && grade.is_none_or(|g| thread.grade.is_some_and(|t| t.at_least(g)))
            && stage.is_none_or(|s| (s == StageFilter::Finished) == thread.finished)
            && self.since.is_none_or(|t| thread.first_received_at >= t)
            && self.until.is_none_or(|t| thread.first_received_at < t)
    }
}

/// An RFC 3339 instant; a space where the offset's `+` was (a `+` left
/// unescaped in a query string decodes to a space).
fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let parse = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&Utc));
    parse(text).or_else(|| {
        let (head, offset) = text.rsplit_once(' ')?;
        parse(&format!("{head}+{offset}"))
    })
}

/// Where a thread's most pressing reporting deadline stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// A deadline passed with no report (a hazard: its rectification is
    /// overdue).
    Overdue,
    /// Met, but written late (填写已迟).
    MetLate,
    /// Written in time, delivered late for want of a signal (按时填写、送达迟).
    DeliveredLate,
    /// Running, 10 minutes or less left.
    DueSoon,
    /// Running.
    Running,
    /// A deadline of a graver grade the thread stood at, that fell due
    /// while it did and that no record ever met: missed, and no longer
    /// owed since a later record made it lesser (after what still runs:
    /// nothing can be done about it now).
    Lapsed,
    /// Every deadline met in time, or none applies.
    Clear,
    /// A line for the office to keep that no record meets (a step up the
    /// chain, a window for casualty changes); never a thread's state.
    Info,
}

/// How long before a deadline it counts as due soon.
pub const DUE_SOON_SECONDS: i64 = 10 * 60;

impl DeadlineState {
    /// The state of one deadline.
    pub fn of_one(standing: Standing) -> DeadlineState {
        match standing {
            Standing::Overdue { .. } => DeadlineState::Overdue,
            Standing::Lapsed { .. } => DeadlineState::Lapsed,
            Standing::MetLate { .. } => DeadlineState::MetLate,
            Standing::DeliveredLate { .. } => DeadlineState::DeliveredLate,
            Standing::Left { seconds } if seconds <= DUE_SOON_SECONDS => DeadlineState::DueSoon,
            Standing::Left { .. } => DeadlineState::Running,
            Standing::Met { .. } => DeadlineState::Clear,
            Standing::Info { .. } => DeadlineState::Info,
        }
    }

    /// The worst of a thread's deadlines.
    pub fn of(standings: &[Standing]) -> DeadlineState {
        standings
            .iter()
            .map(|s| DeadlineState::of_one(*s))
            .filter(|s| *s != DeadlineState::Info)
            .min()
            .unwrap_or(DeadlineState::Clear)
    }
}

/// One deadline of a thread, as the inbox shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineLine {
    /// The rule's id in the deployment's rules (`phone`, `written`,
    /// `county_authority`, `follow_up_daily`, …).
    pub rule: String,
    pub label_zh: String,
    #[serde(default)]
    pub label_en: String,
    /// What the rule asks for: `verbal`, `phone`, `written`, `follow_up`,
    /// `upward`, `window`.
    #[serde(default = "written_obligation")]
    pub obligation: Obligation,
    /// Whose rule it is and the document it comes from.
    #[serde(default = "national")]
    pub jurisdiction: Jurisdiction,
    #[serde(default)]
    pub source: String,
    /// Beijing wall-clock time, without an offset
    /// (`2026-11-23T10:10:00`): not an RFC 3339 `date-time`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-23T10:10:00"))]
    pub due_at: NaiveDateTime,
    pub state: DeadlineState,
    /// Seconds left (positive) or past due / late (negative); 0 when met in
    /// time. For an `info` line, seconds until its time (negative after).
    pub seconds: i64,
    /// The record that met it, as evidence: when the office received it,
    /// when it was written (corrected by the phone's clock offset) and the
    /// offset; absent while it is not met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_by: Option<MetBy>,
}

/// When the record that met a deadline was received and written, Beijing
/// wall-clock times without an offset.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetBy {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-23T10:40:00"))]
    pub received_at: NaiveDateTime,
    /// By the phone's clock corrected by `clock_offset_ms`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-23T09:50:00"))]
    pub written_at: NaiveDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
}

impl MetBy {
    pub fn of(delivery: &crate::rules::deadlines::Delivery) -> Option<MetBy> {
        Some(MetBy {
            received_at: delivery.received?,
            written_at: delivery.written,
            clock_offset_ms: delivery.offset_ms,
        })
    }
}

fn written_obligation() -> Obligation {
    Obligation::Written
}

fn national() -> Jurisdiction {
    Jurisdiction::National
}

impl DeadlineLine {
    /// The line of one deadline (`Judge::deadlines`) as it stands.
    pub fn of(due: &Due<'_>, standing: Standing) -> DeadlineLine {
        let seconds = match standing {
            Standing::Left { seconds } | Standing::Info { seconds } => seconds,
            Standing::Overdue { seconds } | Standing::Lapsed { seconds } => -seconds,
            Standing::MetLate { late_seconds } | Standing::DeliveredLate { late_seconds } => -late_seconds,
            Standing::Met { .. } => 0,
        };
        DeadlineLine {
            rule: due.rule.id.clone(),
            label_zh: due.rule.label.zh.clone(),
            label_en: due.rule.label.en.clone(),
            obligation: due.rule.obligation,
            jurisdiction: due.rule.source.jurisdiction,
            source: due.rule.source.document.clone(),
            due_at: due.at,
            state: DeadlineState::of_one(standing),
            seconds,
            met_by: None,
        }
    }

    /// The line with the evidence of the delivery that met it.
    pub fn met_by(mut self, delivery: Option<&crate::rules::deadlines::Delivery>) -> DeadlineLine {
        self.met_by = delivery.and_then(MetBy::of);
        self
    }
}

/// The people figures of a record as the inbox lists them; a figure the
/// template has not, or that is not filled, is absent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casualties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injured: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trapped: Option<u32>,
}

impl Casualties {
    /// The figures of `answers` (`dead`, `injured`, `missing`, `trapped`).
    pub fn of(answers: &crate::Answers) -> Casualties {
        let n = |key: &str| answers.get(key).and_then(|v| v.trim().parse().ok());
        Casualties {
            dead: n("dead"),
            injured: n("injured"),
            missing: n("missing"),
            trapped: n("trapped"),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Casualties::default()
    }

    /// 死 1 · 伤 4 · 失踪 0: the figures there are, in that order.
    pub fn words_zh(&self) -> String {
        [
            ("死", self.dead),
            ("伤", self.injured),
            ("失踪", self.missing),
            ("困", self.trapped),
        ]
        .into_iter()
        .filter_map(|(word, n)| n.map(|n| format!("{word} {n}")))
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// A hazard's kind in words (the label of its `theme` choice) and the
/// party responsible, from the record that found it; empty for anything
/// else.
pub fn hazard_facts(report: &crate::Report) -> (String, String) {
    let Some(template) = crate::rules::catalogue::find(&report.template_id, report.template_version) else {
        return Default::default();
    };
    let theme = report
        .answers
        .get("theme")
        .and_then(|value| match template.blank("theme")?.kind {
            crate::BlankKind::Choice { options } => options.iter().find(|o| o.value == value.as_str()),
            _ => None,
        });
    let responsible = report.answers.get("responsible").map(|r| r.trim().to_owned());
    (
        theme.map(|o| o.label.zh.to_owned()).unwrap_or_default(),
        responsible.unwrap_or_default(),
    )
}

/// What a line calls a thread: a hazard by its kind (防溺水隐患, or
/// 地质灾害隐患点 as it is, not 地质灾害隐患点隐患), anything else by its
/// template's title.
pub fn thread_title(title_zh: &str, theme_zh: &str) -> String {
    match theme_zh {
        "" => title_zh.to_owned(),
        theme if theme.contains("隐患") => theme.to_owned(),
        theme => format!("{theme}隐患"),
    }
}

/// One thread (an incident or a hazard) in the inbox.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub thread_id: ReportId,
    /// The first record's template: the kind of incident, or `hazard`.
    pub template_id: String,
    pub title_zh: String,
    pub hazard: bool,
    /// The area the thread was reported in.
    pub area: AreaRef,
    /// The reporter's username and display name.
    pub reporter: String,
    pub reporter_name: String,
    /// The latest stage received, and how many records the thread has.
    pub latest_stage: Stage,
    pub records: u32,
    /// The latest record's grade (incidents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// Where, as typed on the latest record (地点), and its people figures
    /// (死/伤/失踪/被困): what tells two 道路交通事故 apart at a glance.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    #[serde(default, skip_serializing_if = "Casualties::is_empty")]
    pub casualties: Casualties,
    /// A hazard's kind (its 隐患类别, 防溺水…) and the party responsible
    /// for fixing it, as found: what the hazard ledger lists it by.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub theme_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub responsible: String,
    /// When the event happened (Beijing wall-clock time, without an
    /// offset, as typed), if stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-11-23T10:00:00"))]
    pub occurred_at: Option<NaiveDateTime>,
    pub first_received_at: DateTime<Utc>,
    /// When the latest report arrived: a logged call is not one (the
    /// office knows of its own, and an acknowledgement older than this is
    /// of an earlier stage).
    pub latest_received_at: DateTime<Utc>,
    pub deadline: DeadlineState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<DeadlineLine>,
    /// A hazard's rectification deadline, and days past it if overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectify_by: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectification_overdue_days: Option<i64>,
    /// A 重大隐患 (挂牌督办): its supervising office and whether its
    /// deadline is near; absent for anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major: Option<crate::rules::major_hazard::MajorHazard>,
    /// 终报 received, or the hazard closed.
    pub finished: bool,
    /// Where (WGS-84, as the phone's GPS gives it), from the latest record
    /// that has a position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Photos named by the thread's records, and how many have arrived.
    pub photos_expected: u32,
    pub photos_arrived: u32,
    /// The latest acknowledgement, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Acknowledgement>,
    /// Requests for a follow-up not yet answered by a later record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_requests: Vec<FollowUpRequest>,
}

impl ThreadSummary {
    /// A stage's name in this thread: 初报/核报 in a natural disaster's, a
    /// hazard's finding, else 首报/终报.
    pub fn stage_name(&self, stage: Stage) -> crate::rules::stage::StageName {
        stage.name_for(crate::rules::stage::ThreadKind::of_template_id(
            &self.template_id,
            self.hazard,
        ))
    }
}

/// The inbox: threads, most urgent first, and the server's clock (the page
/// counts deadlines down from it, not from the desk computer's clock).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub server_time: DateTime<Utc>,
    pub threads: Vec<ThreadSummary>,
    /// The server's last restore from a backup, as `GET /api/health` tells
    /// the phones, for a month after it (`Restore::still_told`): the
    /// office's own acts since the backup are lost, and the desk says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored: Option<crate::wire::protocol::Restore>,
}

/// Hazards of one area, overdue rectifications first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerArea {
    pub area: AreaRef,
    pub overdue: u32,
    pub hazards: Vec<ThreadSummary>,
}

/// The hazard ledger: areas with an overdue rectification first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub server_time: DateTime<Utc>,
    pub areas: Vec<LedgerArea>,
}

/// The order of the inbox: grade (特别重大 first; an incident not graded
/// yet, a 首报 before its figures, before 一般, since it may be graver
/// than it looks; hazards after 一般, a 重大隐患 before the other
/// hazards), then
/// deadline state (overdue first), then stage (a thread still waiting for
/// its 终报 before a finished one; with no 续报 yet before one with), then
/// age (waiting longest first). Smaller sorts first.
pub fn urgency(t: &ThreadSummary) -> (u8, DeadlineState, u8, DateTime<Utc>) {
    // 特别重大 0 … 较大 2, not graded 3, 一般 4; hazards after, a 重大隐患
    // before the others.
    let grade = match t.grade {
        Some(Grade::IV) => 4,
        Some(g) => Grade::ALL.iter().position(|x| *x == g).unwrap_or(4) as u8,
        None if !t.hazard => 3,
        None if t.major.is_some() => 5,
        None => 6,
    };
    let due_soon = t.major.as_ref().is_some_and(|m| m.due_soon_days.is_some());
    let deadline = match t.rectification_overdue_days {
        Some(_) => DeadlineState::Overdue,
        None if due_soon => DeadlineState::DueSoon,
        None => t.deadline,
    };
    let stage = match (t.finished, t.latest_stage) {
        (true, _) => 2,
        (false, Stage::Initial) => 0,
        (false, _) => 1,
    };
    (grade, deadline, stage, t.first_received_at)
}

/// Sorts threads most urgent first; ties keep the thread id order.
pub fn sort_by_urgency(threads: &mut [ThreadSummary]) {
    threads.sort_by(|a, b| urgency(a).cmp(&urgency(b)).then(a.thread_id.cmp(&b.thread_id)));
}

/// An officer's acknowledgement (已阅/已接收) of a thread's record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub id: Uuid,
    pub thread_id: ReportId,
    /// The record acknowledged (the latest the officer saw).
    pub report_id: ReportId,
    /// The officer's username and display name.
    pub by: String,
    pub by_name: String,
    /// By the server's clock.
    pub at: DateTime<Utc>,
}

/// The body of an acknowledgement; `id` is made by the officer's browser,
/// so a repeated click or a retry stores it once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    pub id: Uuid,
    pub report_id: ReportId,
}

/// An officer's request to the reporter for a follow-up (续报).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRequest {
    #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::ids::uuid"))]
    pub id: Uuid,
    pub thread_id: ReportId,
    /// What the office wants to know.
    pub message: String,
    pub by: String,
    pub by_name: String,
    /// By the server's clock.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub asked_at: DateTime<Utc>,
    /// A record of the thread received after the request: it is answered.
    pub answered: bool,
}

/// The body of a follow-up request; `id` made by the officer's browser.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskFollowUp {
    pub id: Uuid,
    pub message: String,
}

impl AskFollowUp {
    /// The message, trimmed, checked: 1 to [`MAX_REQUEST_CHARS`]
    /// characters, no control characters but line breaks.
    pub fn check(&self) -> Result<String, FieldError> {
        let message = self.message.trim();
        if message.is_empty() {
            return Err(FieldError::new(
                "message",
                ErrorCode::Required,
                "请写明需要续报的内容",
                "say what the follow-up should tell",
            ));
        }
        let chars = message.chars().count();
        if chars > MAX_REQUEST_CHARS {
            return Err(FieldError::new(
                "message",
                ErrorCode::TooLong,
                format!("请求内容不能超过 {MAX_REQUEST_CHARS} 字（现有 {chars} 字），请删减后再发"),
                format!("the request may be at most {MAX_REQUEST_CHARS} characters ({chars} now): shorten it"),
            ));
        }
        if message.chars().any(|c| c.is_control() && c != '\n') {
            return Err(FieldError::new(
                "message",
                ErrorCode::BadId,
                "请求内容含有不可见的控制字符",
                "the request contains control characters",
            ));
        }
        Ok(message.to_owned())
    }
}

/// What changed, as the event stream tells it: the office reloads that
/// thread's line.
///
/// On the wire ([`EVENTS_PATH`]), each change is one server-sent event
/// whose `data` is this as JSON, e.g.
/// `data: {"thread_id":"0189…","kind":"report"}`, with no `event` name (so
/// it is a `message`). Lines starting with `:` are comments: keep-alives,
/// every 15 seconds, and one at once when the stream opens.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The thread; the nil UUID for [`ChangeKind::Reload`].
    pub thread_id: ReportId,
    pub kind: ChangeKind,
}

impl Change {
    /// "Changes were missed: reload everything."
    pub fn reload() -> Change {
        Change {
            thread_id: ReportId(Uuid::nil()),
            kind: ChangeKind::Reload,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new record of the thread arrived.
    Report,
    /// A photo of the thread finished arriving.
    Photo,
    /// An officer acknowledged a record of the thread.
    Acknowledged,
    /// An officer asked for a follow-up.
    Asked,
    /// An officer signed the thread's written report (签发).
    Signed,
    /// The server dropped changes this stream had not read yet (it fell
    /// too far behind): the page must reload the whole inbox, not a line.
    /// Its `thread_id` is the nil UUID.
    Reload,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AreaLevel;

    #[test]
    fn the_inbox_reads_a_records_people_figures_and_a_hazards_kind() {
        let mut answers = crate::Answers::new();
        for (k, v) in [("dead", "1"), ("injured", " 4 "), ("missing", ""), ("trapped", "x")] {
            answers.insert(k.into(), v.into());
        }
        let c = Casualties::of(&answers);
        assert_eq!(
            (c.dead, c.injured, c.missing, c.trapped),
            (Some(1), Some(4), None, None)
        );
        assert_eq!(c.words_zh(), "死 1 · 伤 4");
        assert!(Casualties::of(&crate::Answers::new()).is_empty());

        let mut hazard = crate::rules::examples::report(&crate::rules::catalogue::HAZARD, Stage::Initial);
        hazard.answers.insert("theme".into(), "drowning".into());
        hazard.answers.insert("responsible".into(), " 青石村村委会 ".into());
        assert_eq!(hazard_facts(&hazard), ("防溺水".to_owned(), "青石村村委会".to_owned()));
        let incident = crate::rules::examples::report(&crate::rules::catalogue::GENERAL_INCIDENT, Stage::Initial);
        assert_eq!(hazard_facts(&incident), (String::new(), String::new()));
    }

    fn summary(
        n: u128,
        grade: Option<Grade>,
        deadline: DeadlineState,
        stage: Stage,
        finished: bool,
        minute: u32,
    ) -> ThreadSummary {
        ThreadSummary {
            thread_id: ReportId(Uuid::from_u128(n)),
            template_id: "flood".into(),
            title_zh: "洪涝灾害".into(),
            hazard: grade.is_none(),
            area: AreaRef {
                id: "d-t1".into(),
                name: "一镇".into(),
                level: AreaLevel::Township,
            },
            reporter: "r".into(),
            reporter_name: "R".into(),
            latest_stage: stage,
            records: 1,
            grade,
            place: String::new(),
            casualties: Casualties::default(),
            theme_zh: String::new(),
            responsible: String::new(),
            occurred_at: None,
            first_received_at: DateTime::parse_from_rfc3339(&format!("2026-07-01T08:{minute:02}:00Z"))
                .expect("time")
                .with_timezone(&Utc),
            latest_received_at: DateTime::parse_from_rfc3339("2026-07-01T09:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
            deadline,
            deadlines: Vec::new(),
            rectify_by: None,
            rectification_overdue_days: None,
            major: None,
            finished,
            lat: None,
            lon: None,
            photos_expected: 0,
            photos_arrived: 0,
            acknowledged: None,
            open_requests: Vec::new(),
        }
    }

    #[test]
    fn a_summary_names_stages_by_its_kind_of_thread() {
        let flood = summary(1, Some(Grade::IV), DeadlineState::Clear, Stage::Final, true, 0);
        assert_eq!(flood.stage_name(Stage::Initial).get(crate::Lang::Zh), "初报");
        assert_eq!(flood.stage_name(Stage::Final).get(crate::Lang::Zh), "核报");
        let fire = ThreadSummary {
            template_id: "fire".into(),
            ..flood.clone()
        };
        assert_eq!(fire.stage_name(Stage::Final).get(crate::Lang::Zh), "终报");
        let hazard = ThreadSummary {
            template_id: "hazard".into(),
            hazard: true,
            ..flood
        };
        assert_eq!(hazard.stage_name(Stage::Initial).get(crate::Lang::Zh), "发现隐患");
    }

    #[test]
    fn grade_then_deadline_then_stage_then_age() {
        let mut v = vec![
            summary(1, None, DeadlineState::Clear, Stage::Initial, false, 1),
            summary(2, Some(Grade::IV), DeadlineState::Clear, Stage::Initial, false, 2),
            summary(3, Some(Grade::IV), DeadlineState::Overdue, Stage::Initial, false, 3),
            summary(4, Some(Grade::II), DeadlineState::Clear, Stage::Final, true, 4),
            summary(
                5,
                Some(Grade::IV),
                DeadlineState::Clear,
                Stage::FollowUp { n: 1 },
                false,
                5,
            ),
            summary(6, Some(Grade::IV), DeadlineState::Clear, Stage::Initial, false, 0),
        ];
        sort_by_urgency(&mut v);
        let order: Vec<u128> = v.iter().map(|t| t.thread_id.0.as_u128()).collect();
        assert_eq!(order, [4, 3, 6, 2, 5, 1]);
    }

    #[test]
    fn a_hazard_is_named_by_its_kind_once() {
        assert_eq!(thread_title("风险隐患", "防溺水"), "防溺水隐患");
        assert_eq!(thread_title("风险隐患", "地质灾害隐患点"), "地质灾害隐患点");
        assert_eq!(thread_title("风险隐患", ""), "风险隐患");
        assert_eq!(thread_title("火灾", ""), "火灾");
    }

    #[test]
    fn an_incident_not_graded_yet_comes_before_the_known_general_ones_and_the_hazards() {
        let general = summary(1, Some(Grade::IV), DeadlineState::Overdue, Stage::Initial, false, 0);
        let hazard = summary(2, None, DeadlineState::Clear, Stage::Initial, false, 0);
        let larger = summary(3, Some(Grade::III), DeadlineState::Clear, Stage::Initial, false, 0);
        let ungraded = ThreadSummary {
            hazard: false,
            ..summary(4, None, DeadlineState::Clear, Stage::Initial, false, 9)
        };
        let mut v = vec![general, hazard, ungraded, larger];
        sort_by_urgency(&mut v);
        let order: Vec<u128> = v.iter().map(|t| t.thread_id.0.as_u128()).collect();
        assert_eq!(order, [3, 4, 1, 2], "较大, not graded, 一般, the hazard");
    }

    #[test]
    fn an_overdue_rectification_counts_as_overdue() {
        let mut late = summary(1, None, DeadlineState::Clear, Stage::Initial, false, 5);
        late.rectification_overdue_days = Some(3);
        let on_time = summary(2, None, DeadlineState::Clear, Stage::Initial, false, 0);
        let mut v = vec![on_time, late];
        sort_by_urgency(&mut v);
        assert_eq!(v[0].thread_id.0.as_u128(), 1);
    }

    #[test]
    fn a_major_hazard_comes_before_the_others_and_is_due_soon_a_week_ahead() {
        use crate::rules::major_hazard::MajorHazard;
        let ordinary = summary(1, None, DeadlineState::Clear, Stage::Initial, false, 0);
        let mut major = summary(2, None, DeadlineState::Clear, Stage::Initial, false, 9);
        major.major = Some(MajorHazard {
            supervisor: Some("县应急管理局".into()),
            due_soon_days: None,
        });
        let general = summary(3, Some(Grade::IV), DeadlineState::Clear, Stage::Initial, false, 9);
        let mut v = vec![ordinary.clone(), major.clone(), general];
        sort_by_urgency(&mut v);
        let order: Vec<u128> = v.iter().map(|t| t.thread_id.0.as_u128()).collect();
        assert_eq!(order, [3, 2, 1], "一般, then the 重大隐患, then the ordinary hazard");
        assert_eq!(urgency(&major).1, DeadlineState::Clear);
        major.major = Some(MajorHazard {
            supervisor: None,
            due_soon_days: Some(7),
        });
        assert_eq!(urgency(&major).1, DeadlineState::DueSoon);
        major.rectification_overdue_days = Some(1);
        assert_eq!(urgency(&major).1, DeadlineState::Overdue);
        assert_eq!(urgency(&ordinary).1, DeadlineState::Clear);
    }

    #[test]
    fn the_worst_deadline_names_the_thread() {
        let s = [
            Standing::Met { early_seconds: 5 },
            Standing::Left { seconds: 300 },
            Standing::Left { seconds: 3000 },
        ];
        assert_eq!(DeadlineState::of(&s), DeadlineState::DueSoon);
        assert_eq!(DeadlineState::of(&[]), DeadlineState::Clear);
        assert_eq!(
            DeadlineState::of(&[Standing::Info { seconds: -5 }]),
            DeadlineState::Clear
        );
        assert_eq!(
            DeadlineState::of(&[
                Standing::Left { seconds: 3000 },
                Standing::DeliveredLate { late_seconds: 1 }
            ]),
            DeadlineState::DeliveredLate
        );
        assert_eq!(
            DeadlineState::of(&[Standing::Overdue { seconds: 1 }, Standing::MetLate { late_seconds: 1 }]),
            DeadlineState::Overdue
        );
    }

    #[test]
    fn filters_are_checked_field_by_field() {
        let f = Filter {
            grade: Some("V".into()),
            stage: Some("later".into()),
            ..Filter::default()
        };
        let errors = f.check().expect_err("bad");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["grade", "stage"]);
        let t = summary(1, Some(Grade::III), DeadlineState::Clear, Stage::Initial, false, 0);
        let keep = |f: Filter| f.keeps(&t);
        assert!(keep(Filter {
            grade: Some("III".into()),
            ..Filter::default()
        }));
        assert!(!keep(Filter {
            grade: Some("II".into()),
            ..Filter::default()
        }));
        assert!(keep(Filter {
            stage: Some("open".into()),
            ..Filter::default()
        }));
        assert!(!keep(Filter {
            stage: Some("finished".into()),
            ..Filter::default()
        }));
        assert!(!keep(Filter {
            category: Some("fire".into()),
            ..Filter::default()
        }));
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_query_string_becomes_a_filter_or_names_each_bad_field() {
        let f = Filter::from_query(&pairs(&[
            ("area", "d-t1"),
            ("grade", "III"),
            ("stage", ""),
            ("since", "2026-07-01T08:00:00+08:00"),
            // A `+` left unescaped arrives as a space.
            ("until", "2026-07-02T08:00:00 08:00"),
        ]))
        .expect("a good filter");
        assert_eq!(f.area.as_deref(), Some("d-t1"));
        assert_eq!(f.grade.as_deref(), Some("III"));
        assert_eq!(f.stage, None);
        assert_eq!(
            f.since.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-07-01T00:00:00+00:00")
        );
        assert_eq!(
            f.until.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-07-02T00:00:00+00:00")
        );
        assert_eq!(Filter::from_query(&[]).expect("none"), Filter::default());

        let errors = Filter::from_query(&pairs(&[
            ("grade", "V"),
            ("since", "yesterday"),
            ("colour", "red"),
            ("area", "a"),
            ("area", "b"),
        ]))
        .expect_err("bad");
        let mut fields: Vec<(&str, ErrorCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        fields.sort_by_key(|(f, _)| *f);
        assert_eq!(
            fields,
            [
                ("area", ErrorCode::UnknownField),
                ("colour", ErrorCode::UnknownField),
                ("grade", ErrorCode::UnknownOption),
                ("since", ErrorCode::BadDateTime),
            ]
        );
        let backwards = Filter::from_query(&pairs(&[
            ("since", "2026-07-02T00:00:00Z"),
            ("until", "2026-07-01T00:00:00Z"),
        ]))
        .expect_err("until before since");
        assert_eq!(backwards[0].field, "until");
    }

    #[test]
    fn a_deadline_line_counts_down_and_then_up() {
        let national = crate::rules::deadlines::RuleSet::national();
        let due = Due {
            rule: &national.rules[0],
            at: crate::wire::timestamp::parse_datetime("2026-07-01T08:10").expect("time"),
            from: None,
        };
        let line = DeadlineLine::of(&due, Standing::Left { seconds: 120 });
        assert_eq!(
            (line.rule.as_str(), line.state, line.seconds),
            ("phone", DeadlineState::DueSoon, 120)
        );
        assert_eq!(line.label_zh, "电话报告（较大及以上、敏感事件）");
        assert_eq!(
            (line.obligation, line.jurisdiction),
            (Obligation::Phone, Jurisdiction::National)
        );
        let line = DeadlineLine::of(&due, Standing::Overdue { seconds: 60 });
        assert_eq!((line.state, line.seconds), (DeadlineState::Overdue, -60));
        let line = DeadlineLine::of(&due, Standing::Met { early_seconds: 60 });
        assert_eq!((line.state, line.seconds), (DeadlineState::Clear, 0));
        let line = DeadlineLine::of(&due, Standing::MetLate { late_seconds: 5 });
        assert_eq!((line.state, line.seconds), (DeadlineState::MetLate, -5));
        let line = DeadlineLine::of(&due, Standing::DeliveredLate { late_seconds: 7 });
        assert_eq!((line.state, line.seconds), (DeadlineState::DeliveredLate, -7));
        let line = DeadlineLine::of(&due, Standing::Info { seconds: -9 });
        assert_eq!((line.state, line.seconds), (DeadlineState::Info, -9));
        let line = DeadlineLine::of(&due, Standing::Lapsed { seconds: 3600 });
        assert_eq!((line.state, line.seconds), (DeadlineState::Lapsed, -3600));
        // Missed, though no longer owed: what still runs comes first.
        assert_eq!(
            DeadlineState::of(&[Standing::Left { seconds: 3600 }, Standing::Lapsed { seconds: 3600 }]),
            DeadlineState::Running
        );
        assert_eq!(
            DeadlineState::of(&[Standing::Met { early_seconds: 60 }, Standing::Lapsed { seconds: 3600 }]),
            DeadlineState::Lapsed
        );
    }

    #[test]
    fn a_reload_names_no_thread() {
        let json = serde_json::to_string(&Change::reload()).expect("json");
        assert_eq!(
            json,
            r#"{"thread_id":"00000000-0000-0000-0000-000000000000","kind":"reload"}"#
        );
    }

    #[test]
    fn a_request_needs_words_and_not_too_many() {
        let ask = |m: &str| {
            AskFollowUp {
                id: Uuid::nil(),
                message: m.into(),
            }
            .check()
        };
        assert_eq!(ask("  请续报伤亡人数 ").expect("ok"), "请续报伤亡人数");
        assert_eq!(ask("   ").expect_err("empty").field, "message");
        assert_eq!(ask(&"字".repeat(501)).expect_err("long").code, ErrorCode::TooLong);
        assert_eq!(ask("a\u{7}b").expect_err("bell").field, "message");
    }
}

//! The accountability ledger (问责台账): what a duty office answers for when
//! late, missed, concealed or false reports are held to account (迟报、漏报、
//! 瞒报、谎报, `000_…txt`). Made from the inbox's lines of the caller's
//! area: reports received after their deadline (with when they were
//! written and the phone's clock offset, as evidence, so a report written
//! in time and delivered late for want of a signal reads as such),
//! deadlines passed with nothing received, the office's requests for a
//! follow-up still unanswered, the office's own steps up the chain signed
//! after their deadline, natural-disaster threads with no 核报 (final
//! report) after the rules' number of days, hazards past their
//! rectification deadline, and major hazards (重大隐患, 挂牌督办) within a
//! week of theirs, so that the supervising office is warned before it is
//! answerable.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::account::AreaRef;
use crate::desk::office::{DeadlineState, ThreadSummary};
use crate::rules::catalogue;
use crate::rules::deadlines::Obligation;
#[cfg(doc)]
use crate::rules::major_hazard::MAJOR_WARN_DAYS;
use crate::wire::timestamp::beijing;
use crate::{Family, ReportId};

/// `GET`: the ledger as JSON.
pub const ACCOUNTABILITY_PATH: &str = "/api/office/accountability";
/// `GET`: the same as CSV, for a spreadsheet.
pub const ACCOUNTABILITY_CSV_PATH: &str = "/api/office/accountability.csv";

/// What an entry is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A deadline passed and the office has received nothing (漏报 so far),
    /// or one of a graver grade the thread stood at that no record ever
    /// met, no longer owed since a later record made it lesser.
    Missed,
    /// Received after its deadline, and written after it too (迟报).
    WrittenLate,
    /// Written in time, received after the deadline (no signal).
    DeliveredLate,
    /// The office's own step up the chain (regulation 493), signed after
    /// its deadline: the office's, not the reporter's. (An unsigned step is
    /// not listed: which steps are this office's depends on its level.)
    ForwardedLate,
    /// The office asked for a follow-up; no record has come since.
    UnansweredRequest,
    /// A natural disaster with no 核报 after the rules' number of days.
    NoFinalReport,
    /// A hazard past its rectification deadline.
    HazardOverdue,
    /// A major hazard not rectified within [`MAJOR_WARN_DAYS`] of its
    /// deadline: a warning, not yet a fault.
    MajorHazardDueSoon,
}

crate::coded!(EntryKind {
    Missed = "missed",
    WrittenLate = "written_late",
    DeliveredLate = "delivered_late",
    ForwardedLate = "forwarded_late",
    UnansweredRequest = "unanswered_request",
    NoFinalReport = "no_final_report",
    HazardOverdue = "hazard_overdue",
    MajorHazardDueSoon = "major_hazard_due_soon",
});

impl EntryKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            EntryKind::Missed => "逾期未报",
            EntryKind::WrittenLate => "迟报（填写已迟）",
            EntryKind::DeliveredLate => "送达迟（按时填写，无信号）",
            EntryKind::ForwardedLate => "上报迟（签发晚于时限）",
            EntryKind::UnansweredRequest => "请求续报未答复",
            EntryKind::NoFinalReport => "灾情未核报",
            EntryKind::HazardOverdue => "隐患整改逾期",
            EntryKind::MajorHazardDueSoon => "重大隐患整改将到期",
        }
    }
}

/// One line of the ledger.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: EntryKind,
    pub thread_id: ReportId,
    pub title_zh: String,
    pub area: AreaRef,
    pub reporter: String,
    pub reporter_name: String,
    /// What was due: the rule's label, the request's message, …
    pub what_zh: String,
    /// When it was due (Beijing wall-clock time, no offset), if a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-11-23T10:00:00"))]
    pub due_at: Option<NaiveDateTime>,
    /// How far past it (seconds), as of the ledger's time or until it was
    /// received; negative for a warning (the time still left).
    pub late_seconds: i64,
    /// Evidence of a late report: when the office received it and when it
    /// was written (corrected by the phone's clock offset), Beijing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub received_at: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub written_at: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
}

/// The ledger.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accountability {
    pub server_time: DateTime<Utc>,
    /// Days a disaster thread may go without its 核报 (the rules').
    pub final_report_days: u32,
    /// Gravest first: missed, written late, delivered late, the office's
    /// steps up signed late, unanswered requests, missing 核报, overdue hazards, major hazards due soon;
    /// within a kind, the latest first.
    pub entries: Vec<Entry>,
}

/// Who answers for a step up the chain, in the reporter's column: the
/// office that signed for it (the ledger of an office above lists it too;
/// the incident page names the signer).
pub const OFFICE_ITSELF: &str = "值班室（签发上报）";

/// The ledger's entries for `threads` as of `now`; a natural-disaster
/// thread needs its 核报 within `final_report_days` of its event.
pub fn entries(threads: &[ThreadSummary], final_report_days: u32, now: DateTime<Utc>) -> Vec<Entry> {
    let now_bj = now.with_timezone(&beijing()).naive_local();
    let mut out = Vec::new();
    for t in threads {
        let entry = |kind, what_zh: String, due_at, late_seconds| Entry {
            kind,
            thread_id: t.thread_id,
            title_zh: t.title_zh.clone(),
            area: t.area.clone(),
            reporter: t.reporter.clone(),
            reporter_name: t.reporter_name.clone(),
            what_zh,
            due_at,
            late_seconds,
            received_at: None,
            written_at: None,
            clock_offset_ms: None,
        };
        for line in &t.deadlines {
            let upward = line.obligation == Obligation::Upward;
            let kind = match (upward, line.state) {
                (false, DeadlineState::Overdue | DeadlineState::Lapsed) => EntryKind::Missed,
                (false, DeadlineState::MetLate) => EntryKind::WrittenLate,
                (false, DeadlineState::DeliveredLate) => EntryKind::DeliveredLate,
                (true, DeadlineState::MetLate | DeadlineState::DeliveredLate) => EntryKind::ForwardedLate,
                _ => continue,
            };
            // Missed while the thread stood graver: past by as long as it
            // was when a record made it lesser.
            let what = match line.state {
                DeadlineState::Lapsed => format!("{}{}", line.label_zh, crate::desk::NO_LONGER_OWED_ZH),
                _ => line.label_zh.clone(),
            };
            let mut e = entry(kind, what, Some(line.due_at), -line.seconds);
            if upward {
                // Answered for by the office that signed, not the reporter.
                e.reporter = String::new();
                e.reporter_name = OFFICE_ITSELF.to_owned();
            }
            if let Some(met) = line.met_by {
                e.received_at = Some(met.received_at);
                e.written_at = Some(met.written_at);
                e.clock_offset_ms = met.clock_offset_ms;
            }
            out.push(e);
        }
        for r in &t.open_requests {
            let asked = r.asked_at.with_timezone(&beijing()).naive_local();
            out.push(entry(
                EntryKind::UnansweredRequest,
                r.message.clone(),
                Some(asked),
                (now_bj - asked).num_seconds(),
            ));
        }
        if !t.finished && is_natural_disaster(&t.template_id) {
            let start = t
                .occurred_at
                .unwrap_or_else(|| t.first_received_at.with_timezone(&beijing()).naive_local());
            let due = start + TimeDelta::days(i64::from(final_report_days));
            if now_bj > due {
                out.push(entry(
                    EntryKind::NoFinalReport,
                    format!("事发 {final_report_days} 天内应报核报"),
                    Some(due),
                    (now_bj - due).num_seconds(),
                ));
            }
        }
        let major = t.major.as_ref();
        let supervised = major.map_or_else(String::new, |m| match &m.supervisor {
            Some(s) => format!("重大隐患，{s}挂牌督办；"),
            None => "重大隐患；".to_owned(),
        });
        // The deadline is the whole of its day: due at the next midnight.
        let end_of = |by: chrono::NaiveDate| by.and_hms_opt(0, 0, 0).map(|d| d + TimeDelta::days(1));
        if let (Some(days), Some(by)) = (t.rectification_overdue_days, t.rectify_by) {
            out.push(entry(
                EntryKind::HazardOverdue,
                format!("{supervised}整改期限 {by}，已逾期 {days} 天"),
                end_of(by),
                days * 86_400,
            ));
        }
        if let (Some(left), Some(by)) = (major.and_then(|m| m.due_soon_days), t.rectify_by) {
            let due = end_of(by);
            out.push(entry(
                EntryKind::MajorHazardDueSoon,
                format!("{supervised}整改期限 {by}，还剩 {left} 天"),
                due,
                due.map_or(0, |d| (now_bj - d).num_seconds()),
            ));
        }
    }
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| b.due_at.cmp(&a.due_at)));
    out
}

fn is_natural_disaster(template_id: &str) -> bool {
    catalogue::all().any(|t| {
        t.id == template_id
            && matches!(
                t.family,
                Family::Incident {
                    natural_disaster: true,
                    ..
                }
            )
    })
}

/// The CSV columns: stable key, header (zh-CN).
pub const CSV_COLUMNS: [(&str, &str); 13] = [
    ("kind", "问题"),
    ("thread_id", "事件编号"),
    ("title", "类别"),
    ("area", "区域"),
    ("reporter", "报告人账号"),
    ("reporter_name", "报告人"),
    ("what", "事项"),
    ("due_at", "时限"),
    ("late_minutes", "超出（分钟）"),
    ("received_at", "接收时间"),
    ("written_at", "填写时间（已按时钟偏差校正）"),
    ("clock_offset_ms", "手机时钟偏差（毫秒）"),
    ("kind_code", "问题代码"),
];

impl Entry {
    /// The cells of its CSV row, in [`CSV_COLUMNS`] order.
    pub fn cells(&self) -> [String; 13] {
        let time = |t: Option<NaiveDateTime>| t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default();
        [
            self.kind.name_zh().to_owned(),
            self.thread_id.to_string(),
            self.title_zh.clone(),
            self.area.name.clone(),
            self.reporter.clone(),
            self.reporter_name.clone(),
            self.what_zh.clone(),
            time(self.due_at),
            (self.late_seconds / 60).to_string(),
            time(self.received_at),
            time(self.written_at),
            self.clock_offset_ms.map(|o| o.to_string()).unwrap_or_default(),
            self.kind.code().to_owned(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AreaLevel;
    use crate::desk::office::{DeadlineLine, FollowUpRequest, MetBy};
    use crate::rules::deadlines::Jurisdiction;
    use crate::wire::timestamp::parse_datetime;
    use crate::Stage;
    use uuid::Uuid;

    fn t(s: &str) -> NaiveDateTime {
        parse_datetime(s).expect("time")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    fn thread(n: u128, template_id: &str) -> ThreadSummary {
        ThreadSummary {
            thread_id: ReportId(Uuid::from_u128(n)),
            template_id: template_id.into(),
            title_zh: "标题".into(),
            hazard: template_id == "hazard",
            area: AreaRef {
                id: "d-t1".into(),
                name: "一镇".into(),
                level: AreaLevel::Township,
            },
            reporter: "r".into(),
            reporter_name: "R".into(),
            latest_stage: Stage::Initial,
            records: 1,
            grade: None,
            place: String::new(),
            casualties: Default::default(),
            theme_zh: String::new(),
            responsible: String::new(),
            occurred_at: Some(t("2026-11-01T08:00")),
            first_received_at: utc("2026-11-01T00:30:00Z"),
            latest_received_at: utc("2026-11-01T00:30:00Z"),
            deadline: DeadlineState::Clear,
            deadlines: Vec::new(),
            rectify_by: None,
            rectification_overdue_days: None,
            major: None,
            finished: false,
            lat: None,
            lon: None,
            photos_expected: 0,
            photos_arrived: 0,
            acknowledged: None,
            open_requests: Vec::new(),
        }
    }

    fn line(rule: &str, obligation: Obligation, state: DeadlineState, seconds: i64) -> DeadlineLine {
        DeadlineLine {
            rule: rule.into(),
            label_zh: format!("规则 {rule}"),
            label_en: rule.into(),
            obligation,
            jurisdiction: Jurisdiction::National,
            source: "doc".into(),
            due_at: t("2026-11-01T09:00"),
            state,
            seconds,
            met_by: None,
        }
    }

    #[test]
    fn late_missed_and_met_deadlines() {
        let mut incident = thread(1, "general_incident");
        let mut delivered = line("written", Obligation::Written, DeadlineState::DeliveredLate, -7200);
        delivered.met_by = Some(MetBy {
            received_at: t("2026-11-01T11:00"),
            written_at: t("2026-11-01T08:50"),
            clock_offset_ms: Some(-1500),
        });
        incident.deadlines = vec![
            line("phone", Obligation::Phone, DeadlineState::Overdue, -60),
            delivered,
            line("late", Obligation::Written, DeadlineState::MetLate, -120),
            line("met", Obligation::Written, DeadlineState::Clear, 0),
            line("running", Obligation::Written, DeadlineState::Running, 600),
            line("upward_city", Obligation::Upward, DeadlineState::Info, -60),
            line("upward_province", Obligation::Upward, DeadlineState::Clear, 0),
        ];
        let got = entries(&[incident], 30, utc("2026-11-01T04:00:00Z"));
        let kinds: Vec<(EntryKind, &str, i64)> = got
            .iter()
            .map(|e| (e.kind, e.what_zh.as_str(), e.late_seconds))
            .collect();
        assert_eq!(
            kinds,
            [
                (EntryKind::Missed, "规则 phone", 60),
                (EntryKind::WrittenLate, "规则 late", 120),
                (EntryKind::DeliveredLate, "规则 written", 7200)
            ]
        );
        let evidence = &got[2];
        assert_eq!(evidence.received_at, Some(t("2026-11-01T11:00")));
        assert_eq!(evidence.written_at, Some(t("2026-11-01T08:50")));
        assert_eq!(evidence.clock_offset_ms, Some(-1500));
        let cells = evidence.cells();
        assert_eq!(cells[0], "送达迟（按时填写，无信号）");
        assert_eq!(cells[8], "120");
        assert_eq!(cells[10], "2026-11-01 08:50:00");
        assert_eq!(cells[11], "-1500");
        assert_eq!(cells[12], "delivered_late");
    }

    #[test]
    fn a_deadline_missed_before_a_lesser_grade_is_missed_and_says_so() {
        let mut incident = thread(7, "general_incident");
        incident.deadlines = vec![line("phone", Obligation::Phone, DeadlineState::Lapsed, -3600)];
        let got = entries(&[incident], 30, utc("2026-11-01T04:00:00Z"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].kind, got[0].what_zh.as_str(), got[0].late_seconds),
            (EntryKind::Missed, "规则 phone（其后降级，不再需要）", 3600),
            "missed by as long as it was when the lesser grade came, not counting on"
        );
    }

    #[test]
    fn a_step_up_the_chain_signed_late_is_the_offices_own_entry() {
        let mut incident = thread(6, "work_safety");
        let mut late = line("upward_city", Obligation::Upward, DeadlineState::MetLate, -1800);
        late.met_by = Some(MetBy {
            received_at: t("2026-11-01T09:30"),
            written_at: t("2026-11-01T09:30"),
            clock_offset_ms: None,
        });
        // Unsigned: a line to keep, not an entry (which steps are this
        // office's depends on its level); signed in time: nothing.
        incident.deadlines = vec![
            late,
            line("upward_province", Obligation::Upward, DeadlineState::Info, -60),
            line("upward_national", Obligation::Upward, DeadlineState::Clear, 0),
        ];
        let got = entries(&[incident], 30, utc("2026-11-01T04:00:00Z"));
        assert_eq!(got.len(), 1, "{got:?}");
        let e = &got[0];
        assert_eq!(
            (e.kind, e.what_zh.as_str(), e.late_seconds),
            (EntryKind::ForwardedLate, "规则 upward_city", 1800)
        );
        assert_eq!((e.reporter.as_str(), e.reporter_name.as_str()), ("", OFFICE_ITSELF));
        assert_eq!(e.received_at, Some(t("2026-11-01T09:30")), "when it was signed");
        assert_eq!(e.cells()[12], "forwarded_late");
    }

    #[test]
    fn an_unanswered_request_counts_from_when_it_was_asked() {
        let mut incident = thread(2, "general_incident");
        incident.open_requests = vec![FollowUpRequest {
            id: Uuid::from_u128(9),
            thread_id: incident.thread_id,
            message: "伤亡人数有无变化？".into(),
            by: "o".into(),
            by_name: "值班员".into(),
            asked_at: utc("2026-11-01T02:00:00Z"),
            answered: false,
        }];
        let got = entries(&[incident], 30, utc("2026-11-01T03:00:00Z"));
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].kind, got[0].late_seconds, got[0].due_at),
            (EntryKind::UnansweredRequest, 3600, Some(t("2026-11-01T10:00")))
        );
    }

    #[test]
    fn a_disaster_without_its_final_report_is_listed_a_minute_after_n_days() {
        // The flood happened 2026-11-01 08:00 Beijing; 30 days: 12-01 08:00.
        let flood = thread(3, "flood");
        assert!(entries(std::slice::from_ref(&flood), 30, utc("2026-12-01T00:00:00Z")).is_empty());
        let got = entries(std::slice::from_ref(&flood), 30, utc("2026-12-01T00:01:00Z"));
        assert_eq!(
            got.iter().map(|e| (e.kind, e.late_seconds)).collect::<Vec<_>>(),
            [(EntryKind::NoFinalReport, 60)]
        );
        // The rules' number of days.
        assert_eq!(
            entries(std::slice::from_ref(&flood), 15, utc("2026-11-16T00:01:00Z")).len(),
            1
        );
        // Finished (its 核报 received): nothing.
        let mut done = flood.clone();
        done.finished = true;
        assert!(entries(&[done], 30, utc("2026-12-31T00:00:00Z")).is_empty());
        // Not a natural disaster: nothing.
        assert!(entries(&[thread(4, "fire")], 30, utc("2026-12-31T00:00:00Z")).is_empty());
    }

    #[test]
    fn an_overdue_hazard_and_the_order_of_kinds() {
        let mut hazard = thread(5, "hazard");
        hazard.rectify_by = Some(t("2026-11-10T00:00").date());
        hazard.rectification_overdue_days = Some(3);
        let mut incident = thread(6, "general_incident");
        incident.deadlines = vec![line("phone", Obligation::Phone, DeadlineState::Overdue, -60)];
        let got = entries(&[hazard, incident], 30, utc("2026-11-13T04:00:00Z"));
        assert_eq!(
            got.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [EntryKind::Missed, EntryKind::HazardOverdue]
        );
        assert_eq!(got[1].late_seconds, 3 * 86_400);
        assert_eq!(got[1].due_at, Some(t("2026-11-11T00:00")));
    }

    #[test]
    fn a_major_hazard_is_warned_of_a_week_ahead_and_named_when_overdue() {
        use crate::rules::major_hazard::MajorHazard;
        let major = |due_soon_days| MajorHazard {
            supervisor: Some("县应急管理局".into()),
            due_soon_days,
        };
        let mut soon = thread(7, "hazard");
        soon.rectify_by = Some(t("2026-11-20T00:00").date());
        soon.major = Some(major(Some(7)));
        let mut late = thread(8, "hazard");
        late.rectify_by = Some(t("2026-11-10T00:00").date());
        late.rectification_overdue_days = Some(3);
        late.major = Some(major(None));
        // An ordinary hazard as near its deadline: no warning.
        let mut ordinary = thread(9, "hazard");
        ordinary.rectify_by = Some(t("2026-11-20T00:00").date());
        let got = entries(&[soon, late, ordinary], 30, utc("2026-11-13T04:00:00Z"));
        assert_eq!(
            got.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [EntryKind::HazardOverdue, EntryKind::MajorHazardDueSoon]
        );
        assert_eq!(
            got[0].what_zh,
            "重大隐患，县应急管理局挂牌督办；整改期限 2026-11-10，已逾期 3 天"
        );
        assert_eq!(
            got[1].what_zh,
            "重大隐患，县应急管理局挂牌督办；整改期限 2026-11-20，还剩 7 天"
        );
        assert_eq!(got[1].due_at, Some(t("2026-11-21T00:00")));
        // 12:00 Beijing on the 13th: 7 days and 12 hours left.
        assert_eq!(got[1].late_seconds, -(7 * 86_400 + 12 * 3_600));
    }

    #[test]
    fn kinds_write_their_codes() {
        for k in EntryKind::ALL {
            assert_eq!(serde_json::to_string(&k).expect("json"), format!("\"{}\"", k.code()));
        }
    }
}

//! Filled examples of every template, and how the validator judges them.
//!
//! The phone (wasm) and the server (native) must judge a report alike, since
//! the server's answer is what the phone shows. [`judgements`] runs the
//! validator on every template of the catalogue, filled correctly and broken
//! in a few typical ways, and prints the verdicts as JSON. A native test and
//! a browser test both compare it with `crates/core/tests/fixtures/judgements.json`;
//! `KUAIBAO_BLESS=1 cargo test -p kuaibao-core --test examples` rewrites the
//! file after a deliberate change.
//!
//! Everything here is a pure function of the catalogue: no clock, no
//! randomness, no I/O.

use chrono::DateTime;
use serde::Serialize;

use crate::report::{geo_keys, Answers, Report};
use crate::rules::catalogue;
use crate::rules::stage::Stage;
use crate::rules::template::{Blank, BlankKind, Family, Need, Template};
use crate::rules::validate;
use crate::wire::error::ErrorCode;
use crate::wire::ids::ReportId;

/// When every example report was written, 19 minutes after the example event.
pub const WRITTEN_AT: &str = "2026-11-23T10:00:00+08:00";
/// The example event time, Beijing wall-clock time as the phone's input gives it.
pub const OCCURRED_AT: &str = "2026-11-23T09:41";
/// 2026-11-23T10:00:00+08:00 in Unix milliseconds, the time part of the
/// example ids.
const WRITTEN_MS: u64 = 1_795_399_200_000;
/// The key of an answer that names no blank.
const UNKNOWN_KEY: &str = "not_a_blank";

/// A valid, realistic filled example of `template`, built from its blank
/// kinds alone, so it works for templates not yet written. Photos are not
/// answers and are left out.
pub fn filled(template: &Template) -> Answers {
    let mut answers = Answers::new();
    for blank in template.blanks {
        match blank.kind {
            BlankKind::GeoPoint => {
                let (lat, lon) = geo_keys(blank.id);
                answers.insert(lat, "30.658600".to_owned());
                answers.insert(lon, "104.064800".to_owned());
            }
            BlankKind::Photos { .. } => {}
            kind => {
                answers.insert(blank.id.to_owned(), example_value(blank.id, kind));
            }
        }
    }
    answers
}

fn example_value(id: &str, kind: BlankKind) -> String {
    match kind {
        BlankKind::DateTime => OCCURRED_AT.to_owned(),
        BlankKind::Date => "2026-12-01".to_owned(),
        BlankKind::Text { max_chars } => clip(example_text(id), max_chars),
        BlankKind::LongText { max_chars } => clip(example_sentence(id), max_chars),
        BlankKind::Count { min, max, .. } => example_count(id).clamp(min, max).to_string(),
        BlankKind::Amount { max, decimals, .. } => example_amount(max, decimals),
        // An ordinary event: not sensitive, no emergency response (which
        // would ask for more evidence).
        BlankKind::Choice { options } if options == crate::rules::catalogue::common::YES_NO => "no".to_owned(),
        BlankKind::Choice { options } => options.first().map_or_else(String::new, |o| o.value.to_owned()),
        BlankKind::MultiChoice { options } => options.iter().take(2).map(|o| o.value).collect::<Vec<_>>().join(","),
        BlankKind::Phone => "13800001234".to_owned(),
        BlankKind::GeoPoint | BlankKind::Photos { .. } => String::new(),
    }
}

/// 2 of most things; 20 of the figures others are counted among (the
/// people involved or affected, the ill), so the example is consistent
/// (`crosscheck`); nobody missing, so the dead and missing together stay
/// below 较大 (`grading::CASUALTIES_V2`).
fn example_count(id: &str) -> u32 {
    match id {
        "involved" | "affected" | "sick" => 20,
        "missing" => 0,
        _ => 2,
    }
}

/// A short line as a worker would type it; a few well-known blanks get
/// their own, anything else a village place name.
fn example_text(id: &str) -> &'static str {
    match id {
        "place" => "青石村三组后山",
        "reporter" => "李秀英",
        "reporter_unit" => "青石村网格员",
        "responsible" => "青石村村民委员会",
        "verifier" => "镇应急管理办公室王建国",
        "unit_name" => "青石建材有限公司",
        "substance" => "液氨",
        _ => "青石村三组",
    }
}

fn example_sentence(id: &str) -> &'static str {
    match id {
        "what_happened" => "村民发现后立即报告，现场情况正在进一步核实",
        "measures" => "已设置警戒区，疏散周边群众，组织人员现场处置",
        "help_needed" => "需要专业救援队伍和医疗救护力量支援",
        "cause" => "具体原因正在调查核实",
        _ => "现场已安排专人值守，情况正在核实",
    }
}

fn clip(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// About 12.5 of the unit, never more than half the maximum (so a magnitude
/// comes out as 5.2), with one decimal where decimals are allowed.
fn example_amount(max: u32, decimals: u8) -> String {
    let tenths = (u64::from(max) * 52 / 10).min(125);
    if decimals == 0 {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The example id of the thread's first record.
fn first_id() -> ReportId {
    ReportId::from_parts(WRITTEN_MS, [0x4b, 0x42, 0, 0, 0, 0, 0, 0, 0, 1])
}

/// A full report of `template` at `stage`, filled with [`filled`]. The first
/// record (stage `Initial`) has a fixed id and no thread; a later record has
/// its own fixed id and names the first as its thread.
pub fn report(template: &Template, stage: Stage) -> Report {
    let (id, thread) = match stage {
        Stage::Initial => (first_id(), None),
        _ => {
            let (step, n) = stage.order();
            // A call sorts with the first record (step 0): a step of its
            // own keeps its id apart from the first record's.
            let step = if stage.is_call() { 4 } else { step };
            let n = n.to_be_bytes();
            (
                ReportId::from_parts(WRITTEN_MS, [0x4b, 0x42, 0, 0, 0, step, n[0], n[1], n[2], n[3]]),
                Some(first_id()),
            )
        }
    };
    Report {
        id,
        thread,
        thread_key: None,
        stage,
        template_id: template.id.to_owned(),
        template_version: template.version,
        answers: filled(template),
        written_at: DateTime::parse_from_rfc3339(WRITTEN_AT).expect("the fixed writing time is RFC 3339"),
        grade: None,
        photos: photos(template),
        clock_offset_ms: None,
    }
}

/// The fewest photos each Photos blank of `template` asks for, with fixed
/// ids and digests.
pub fn photos(template: &Template) -> Vec<crate::photo::PhotoRef> {
    let mut out = Vec::new();
    for blank in template.blanks {
        if let crate::rules::template::BlankKind::Photos { min } = blank.kind {
            for i in 0..min {
                out.push(crate::photo::PhotoRef {
                    id: crate::wire::ids::PhotoId::from_parts(
                        WRITTEN_MS,
                        [0x50, 0x48, 0, 0, 0, 0, 0, 0, out.len() as u8, i],
                    ),
                    blank: blank.id.to_owned(),
                    sha256: format!("{:064x}", out.len() + 1),
                    size: 420_000,
                    mime: "image/jpeg".to_owned(),
                    taken_at: None,
                    lat: None,
                    lon: None,
                });
            }
        }
    }
    out
}

/// The stages a template's records may be filed at, in thread order: one of
/// each (a single 续报 stands for all of them).
pub fn stages(family: Family) -> Vec<Stage> {
    match family {
        Family::Incident { .. } => vec![Stage::Initial, Stage::FollowUp { n: 1 }, Stage::Final],
        Family::Hazard => vec![Stage::Initial],
        Family::HazardStep { stage } => vec![stage],
        Family::Call => vec![Stage::Call { n: 1 }],
        Family::DailyReport => vec![daily_stage()],
    }
}

/// The example daily report's stage: the day before the example writing
/// time (filed the next morning, as due).
pub fn daily_stage() -> Stage {
    Stage::Daily {
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a day"),
    }
}

/// A stage the template may not be filed at.
fn stage_not_allowed(family: Family) -> Stage {
    match family {
        Family::Incident { .. } => Stage::Rectifying,
        Family::Hazard => Stage::Final,
        Family::HazardStep { .. } | Family::DailyReport => Stage::Initial,
        Family::Call => Stage::Final,
    }
}

/// The verdict on one example report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// `filled`, or the kind of breakage.
    pub case: &'static str,
    /// The blank or answer key that was broken, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blank: Option<String>,
    pub stage: Stage,
    /// What the validator said: `(field, code)` pairs in its order; empty
    /// when the report is accepted.
    pub errors: Vec<(String, ErrorCode)>,
    /// Whether the report survives JSON and back unchanged.
    pub round_trip: bool,
}

/// The verdicts on one template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    pub template: &'static str,
    pub version: u32,
    pub cases: Vec<Case>,
}

fn judge(case: &'static str, blank: Option<&str>, report: &Report) -> Case {
    let errors = match validate::validate(report) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
    };
    let round_trip = serde_json::to_string(report)
        .ok()
        .and_then(|json| serde_json::from_str::<Report>(&json).ok())
        .is_some_and(|back| back == *report);
    Case {
        case,
        blank: blank.map(str::to_owned),
        stage: report.stage,
        errors,
        round_trip,
    }
}

/// The first blank of `template` that `pick` accepts and whose answer can be
/// typed (not photos).
fn first_blank(template: &Template, pick: impl Fn(&Blank) -> bool) -> Option<&'static Blank> {
    template
        .blanks
        .iter()
        .find(|b| !matches!(b.kind, BlankKind::Photos { .. }) && pick(b))
}

/// Empties a blank's answer as a user clearing the input would.
fn empty(answers: &mut Answers, blank: &Blank) {
    if let BlankKind::GeoPoint = blank.kind {
        let (lat, lon) = geo_keys(blank.id);
        answers.insert(lat, String::new());
        answers.insert(lon, String::new());
    } else {
        answers.insert(blank.id.to_owned(), String::new());
    }
}

/// Every verdict on `template`: the filled example at each stage it allows,
/// then the broken variants that apply to its blanks.
pub fn judge_template(template: &Template) -> Judgement {
    let first = stages(template.family)[0];
    let mut cases: Vec<Case> = stages(template.family)
        .into_iter()
        .map(|stage| judge("filled", None, &report(template, stage)))
        .collect();

    if let Some(blank) = first_blank(template, |b| b.need == Need::Always) {
        let mut r = report(template, first);
        empty(&mut r.answers, blank);
        cases.push(judge("required_emptied", Some(blank.id), &r));
    }
    if let Some(blank) = first_blank(template, |b| b.need == Need::AtFinal) {
        // Allowed to stay open in a 首报, not in the 终报.
        for stage in [Stage::Initial, Stage::Final]
            .into_iter()
            .filter(|s| template.family.allows(*s))
        {
            let mut r = report(template, stage);
            empty(&mut r.answers, blank);
            cases.push(judge("final_blank_emptied", Some(blank.id), &r));
        }
    }
    if let Some(blank) = first_blank(template, |b| b.need == Need::AtFollowUp) {
        // Needed at a 续报 only.
        for stage in [Stage::Initial, Stage::FollowUp { n: 1 }, Stage::Final] {
            let mut r = report(template, stage);
            empty(&mut r.answers, blank);
            cases.push(judge("follow_up_blank_emptied", Some(blank.id), &r));
        }
    }
    if template.blank("known_at").is_some() {
        // Known a minute before it happened: both times are named.
        let mut r = report(template, first);
        r.answers.insert("known_at".to_owned(), "2026-11-23T09:40".to_owned());
        cases.push(judge("known_before_occurred", Some("known_at"), &r));
    }
    if let Some(blank) = first_blank(template, |b| matches!(b.kind, BlankKind::Count { .. })) {
        let mut r = report(template, first);
        r.answers.insert(blank.id.to_owned(), "-1".to_owned());
        cases.push(judge("negative_count", Some(blank.id), &r));
    }
    if let Some(blank) = first_blank(template, |b| matches!(b.kind, BlankKind::Amount { .. })) {
        if let BlankKind::Amount { decimals, .. } = blank.kind {
            let mut r = report(template, first);
            r.answers.insert(
                blank.id.to_owned(),
                format!("1.{}", "1".repeat(usize::from(decimals) + 1)),
            );
            cases.push(judge("too_many_decimals", Some(blank.id), &r));
        }
    }
    let mut r = report(template, first);
    r.answers.insert(UNKNOWN_KEY.to_owned(), "1".to_owned());
    cases.push(judge("unknown_key", Some(UNKNOWN_KEY), &r));

    cases.push(judge(
        "stage_not_allowed",
        None,
        &report(template, stage_not_allowed(template.family)),
    ));

    Judgement {
        template: template.id,
        version: template.version,
        cases,
    }
}

/// The verdicts on every template of the catalogue, in catalogue order, as
/// pretty JSON ending in a newline: byte for byte the fixture
/// `crates/core/tests/fixtures/judgements.json`.
pub fn judgements() -> String {
    let all: Vec<Judgement> = catalogue::all().map(judge_template).collect();
    let mut json = serde_json::to_string_pretty(&all).expect("judgements serialise");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::grading::{Grade, GradeDecision};

    fn codes(report: &Report) -> Vec<(String, ErrorCode)> {
        match validate::validate(report) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    #[test]
    fn every_filled_example_is_valid_at_its_first_stage() {
        for t in catalogue::all() {
            let first = stages(t.family)[0];
            assert_eq!(codes(&report(t, first)), vec![], "{} at {first:?}", t.id);
        }
    }

    #[test]
    fn every_incident_example_is_valid_at_every_stage() {
        for t in catalogue::all().filter(|t| matches!(t.family, Family::Incident { .. })) {
            for stage in [
                Stage::Initial,
                Stage::FollowUp { n: 1 },
                Stage::FollowUp { n: 2 },
                Stage::Final,
            ] {
                assert_eq!(codes(&report(t, stage)), vec![], "{} at {stage:?}", t.id);
            }
        }
    }

    #[test]
    fn examples_fill_every_answerable_blank() {
        for t in catalogue::all() {
            let a = filled(t);
            for b in t.blanks {
                let present = match b.kind {
                    BlankKind::GeoPoint => a.contains_key(&geo_keys(b.id).0) && a.contains_key(&geo_keys(b.id).1),
                    BlankKind::Photos { .. } => !a.contains_key(b.id),
                    _ => a.get(b.id).is_some_and(|v| !v.is_empty()),
                };
                assert!(present, "{}: {}", t.id, b.id);
            }
        }
    }

    #[test]
    fn example_amounts_stay_within_their_rules() {
        assert_eq!(example_amount(10, 1), "5.2");
        assert_eq!(example_amount(1_000_000, 2), "12.5");
        assert_eq!(example_amount(1_000_000, 0), "12");
        assert_eq!(example_amount(1, 1), "0.5");
        assert_eq!(example_amount(0, 1), "0.0");
    }

    #[test]
    fn example_grades_are_general() {
        for t in catalogue::all() {
            if let Family::Incident { grading, .. } = t.family {
                let mut r = report(t, Stage::Final);
                let grade = crate::rules::grading::suggest(grading, &r.answers).grade;
                assert_eq!(grade, Grade::IV, "{}", t.id);
                r.grade = Some(GradeDecision {
                    suggested: grade,
                    chosen: grade,
                    reason: String::new(),
                });
                assert_eq!(codes(&r), vec![], "{}", t.id);
            }
        }
    }

    #[test]
    fn later_records_name_the_first_as_their_thread() {
        let t = &catalogue::GENERAL_INCIDENT;
        let first = report(t, Stage::Initial);
        let later = [
            report(t, Stage::FollowUp { n: 1 }),
            report(t, Stage::FollowUp { n: 2 }),
            report(t, Stage::Final),
        ];
        assert_eq!(first.thread, None);
        for r in &later {
            assert_eq!(r.thread, Some(first.id));
            assert_ne!(r.id, first.id);
            assert!(r.id.is_v7());
        }
        assert_ne!(later[0].id, later[1].id);
    }

    /// Each broken variant is refused, and for the reason it was broken.
    #[test]
    fn broken_variants_fail_for_their_reason() {
        for j in catalogue::all().map(judge_template) {
            for c in &j.cases {
                assert!(c.round_trip, "{} {}: round trip", j.template, c.case);
                let expected = match c.case {
                    "filled" => {
                        assert_eq!(c.errors, vec![], "{}", j.template);
                        continue;
                    }
                    "final_blank_emptied" if c.stage != Stage::Final => {
                        assert_eq!(c.errors, vec![], "{}", j.template);
                        continue;
                    }
                    "follow_up_blank_emptied" if !matches!(c.stage, Stage::FollowUp { .. }) => {
                        assert_eq!(c.errors, vec![], "{}", j.template);
                        continue;
                    }
                    "known_before_occurred" => {
                        let inconsistent = |f: &str| (f.to_owned(), ErrorCode::Inconsistent);
                        assert_eq!(c.errors, vec![inconsistent("known_at"), inconsistent("occurred_at")]);
                        continue;
                    }
                    "required_emptied" | "final_blank_emptied" | "follow_up_blank_emptied" => ErrorCode::Required,
                    "negative_count" => ErrorCode::NotAWholeNumber,
                    "too_many_decimals" => ErrorCode::TooManyDecimals,
                    "unknown_key" => ErrorCode::UnknownField,
                    "stage_not_allowed" => ErrorCode::StageNotAllowed,
                    other => panic!("unexpected case {other}"),
                };
                let field = c.blank.clone().unwrap_or_else(|| "stage".to_owned());
                assert_eq!(c.errors, vec![(field, expected)], "{} {}", j.template, c.case);
            }
        }
    }

    #[test]
    fn judgements_are_deterministic_and_cover_the_catalogue() {
        let json = judgements();
        assert_eq!(json, judgements());
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        let ids: Vec<&str> = parsed
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|j| j["template"].as_str())
            .collect();
        assert_eq!(ids, catalogue::all().map(|t| t.id).collect::<Vec<_>>());
    }
}

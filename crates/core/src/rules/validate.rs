//! Validation of answers against their template. The phone runs it at every
//! blank as the user types; the server runs it again on arrival.

use chrono::{NaiveDateTime, TimeDelta};

use crate::photo;
use crate::report::{geo_keys, Answers, Report};
use crate::rules::catalogue;
use crate::rules::grading;
use crate::rules::stage::Stage;
use crate::rules::template::{BlankKind, Family, Template};
use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::timestamp::{beijing, parse_date, parse_datetime};

/// How far ahead of the writing time an event time may lie before we call it
/// a typo: phone clocks drift and people round up.
const FUTURE_TOLERANCE_MINUTES: i64 = 10;

/// Judges a whole submitted report: its id, its template and every answer.
pub fn validate(report: &Report) -> Result<&'static Template, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !report.id.is_v7() {
        errors.push(FieldError::new(
            "id",
            ErrorCode::BadId,
            "记录编号必须是 UUIDv7",
            "the record id must be a UUIDv7",
        ));
    }
    let Some(template) = catalogue::find(&report.template_id, report.template_version) else {
        errors.push(FieldError::new(
            "template_id",
            ErrorCode::UnknownTemplate,
            format!(
                "未知的报告模板 {} 第 {} 版",
                report.template_id, report.template_version
            ),
            format!(
                "unknown template {} version {}",
                report.template_id, report.template_version
            ),
        ));
        return Err(errors);
    };
    let first = report.stage == Stage::Initial;
    match report.thread {
        Some(t) if first && t != report.id => errors.push(FieldError::new(
            "thread",
            ErrorCode::BadThread,
            "首报不能属于其他事件",
            "a first record cannot belong to another thread",
        )),
        None if !first => errors.push(FieldError::new(
            "thread",
            ErrorCode::BadThread,
            "续报、终报须注明所属事件",
            "a later record must name its thread",
        )),
        Some(t) if !first && t == report.id => errors.push(FieldError::new(
            "thread",
            ErrorCode::BadThread,
            "续报、终报不能自成事件",
            "a later record cannot be its own thread",
        )),
        _ => {}
    }
    // A key is the first record's proof of having made its thread: on any
    // other record, or not matching the id, it proves nothing.
    if report
        .thread_key
        .as_ref()
        .is_some_and(|key| !first || !key.proves(report.id))
    {
        errors.push(FieldError::new(
            "thread_key",
            ErrorCode::BadThread,
            "此报告的事件凭据与报告编号不符。请新建一份报告重新填写。",
            "the thread key does not match the record's id (or is not on a first record): file a new report",
        ));
    }
    if !template.family.allows(report.stage) {
        errors.push(FieldError::new(
            "stage",
            ErrorCode::StageNotAllowed,
            format!("“{}”不能以此阶段报送", template.title.zh),
            format!("“{}” cannot be filed at this stage", template.title.en),
        ));
    }
    // Times are judged against the writing time by the server's clock
    // where the phone measured its offset: a phone two hours slow must not
    // call the time it was told (接报时间, by the server's clock) the
    // future.
    let written = crate::rules::thread::corrected_written_at(report)
        .unwrap_or_else(|| report.written_at.with_timezone(&beijing()).naive_local());
    if let Stage::Daily { date } = report.stage {
        // Covers up to 24:00 of its day: a day still to come is a typo.
        if date > (written + TimeDelta::minutes(FUTURE_TOLERANCE_MINUTES)).date() {
            errors.push(FieldError::new(
                "stage",
                ErrorCode::InFuture,
                "日报的日期不能晚于今天：请选择今天或之前的日期",
                "a daily report's day cannot be after today: pick today or an earlier day",
            ));
        }
    }
    errors.extend(validate_answers(template, &report.answers, report.stage, written));
    errors.extend(check_grade(template, report));
    errors.extend(check_photos(template, report));
    errors.extend(crate::rules::major_hazard::check(template, &report.answers));
    if errors.is_empty() {
        Ok(template)
    } else {
        Err(errors)
    }
}

/// The photo manifest: well-formed entries for Photos blanks, and at least
/// each blank's minimum where the blank is required at this stage.
fn check_photos(template: &Template, report: &Report) -> Vec<FieldError> {
    let max = photo::MAX_PHOTOS_PER_REPORT;
    if report.photos.len() > max {
        // Judged before each photo: a list this long is refused whole.
        return vec![FieldError::new(
            "photos",
            ErrorCode::TooLong,
            format!(
                "每份报告最多 {max} 张照片（现有 {} 张）。请删去一些照片再提交。",
                report.photos.len()
            ),
            format!(
                "at most {max} photos per report (now {}): remove some, then submit again",
                report.photos.len()
            ),
        )];
    }
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    for p in &report.photos {
        let photo_blank = template
            .blank(&p.blank)
            .filter(|b| matches!(b.kind, BlankKind::Photos { .. }));
        let ok = photo_blank.is_some()
            && p.id.is_v7()
            && !seen.contains(&p.id)
            && photo::is_sha256_hex(&p.sha256)
            // Photos, video clips and voice notes, each within its cap.
            && photo::media::Media::of(&p.mime).is_some_and(|m| (1..=m.max_bytes()).contains(&p.size));
        seen.push(p.id);
        if !ok {
            errors.push(FieldError::new(
                "photos",
                ErrorCode::BadPhoto,
                format!("照片 {} 的信息有误", p.id),
                format!("photo {} is described wrongly", p.id),
            ));
        }
    }
    for blank in template.blanks {
        if let BlankKind::Photos { min } = blank.kind {
            let have = report.photos.iter().filter(|p| p.blank == blank.id).count();
            if blank.need.required_at(report.stage) && have < usize::from(min) {
                errors.push(FieldError::new(
                    blank.id,
                    ErrorCode::PhotosMissing,
                    format!(
                        "{}：至少需要 {min} 张照片（现有 {have} 张）。请拍照或从相册选择后再提交。",
                        blank.label.zh
                    ),
                    format!(
                        "{}: at least {min} photo(s) needed (now {have}). Take or pick one, then submit again.",
                        blank.label.en
                    ),
                ));
            }
        }
    }
    errors
}

/// A work-safety accident's grade chosen below what its figures reach
/// ([`grading::GradingRule::binds`]), whatever the reason. Figures that are
/// wrong are corrected, not graded round.
/// A rule for records new to the server (`evidence::admit`, the server's
/// admission): one stored before it was made still gets its receipt.
pub fn graded_below_figures(template: &Template, report: &Report) -> Option<FieldError> {
    let (Family::Incident { grading: rule, .. }, Some(decision)) = (template.family, &report.grade) else {
        return None;
    };
    if !rule.binds() {
        return None;
    }
    let suggested = grading::suggest(rule, &report.answers).grade;
    rule.refuses(decision.chosen, suggested).then(|| {
        FieldError::new(
            "grade",
            ErrorCode::GradeMismatch,
            format!(
                "生产安全事故按国务院令第493号以伤亡和损失定级，不能低于所填数字对应的{}；如果数字有误，请改正数字",
                suggested.name().zh
            ),
            format!(
                "a work-safety accident is graded by its figures (Decree 493): not below {}; if a figure is wrong, correct it",
                suggested.name().en
            ),
        )
    })
}

/// A grade decision must match the figures, and an override needs a reason.
fn check_grade(template: &Template, report: &Report) -> Vec<FieldError> {
    let Some(decision) = &report.grade else {
        return Vec::new();
    };
    let Family::Incident { grading: rule, .. } = template.family else {
        return vec![FieldError::new(
            "grade",
            ErrorCode::GradeMismatch,
            "隐患记录不分事件等级",
            "hazard records carry no severity grade",
        )];
    };
    let suggested = grading::suggest(rule, &report.answers).grade;
    let mut errors = Vec::new();
    if decision.suggested != suggested {
        errors.push(FieldError::new(
            "grade",
            ErrorCode::GradeMismatch,
            format!(
                "按所填数字应建议{}，而不是{}",
                suggested.name().zh,
                decision.suggested.name().zh
            ),
            format!(
                "the figures suggest {}, not {}",
                suggested.name().en,
                decision.suggested.name().en
            ),
        ));
    }
    let n = decision.reason.chars().count();
    if n > MAX_REASON_CHARS {
        errors.push(FieldError::new(
            "grade_reason",
            ErrorCode::TooLong,
            format!("改定理由最多 {MAX_REASON_CHARS} 字（现在 {n} 字）"),
            format!("the reason for another grade: at most {MAX_REASON_CHARS} characters (now {n})"),
        ));
    } else if decision.chosen != decision.suggested && decision.reason.trim().is_empty() {
        errors.push(FieldError::new(
            "grade_reason",
            ErrorCode::ReasonRequired,
            "改定等级须说明理由",
            "a grade other than the suggestion needs a reason",
        ));
    }
    errors
}

/// Judges the answers of one template at one stage; `now` is Beijing
/// wall-clock time of writing, used to catch event times in the future.
pub fn validate_answers(template: &Template, answers: &Answers, stage: Stage, now: NaiveDateTime) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for key in answers.keys() {
        let blank_id = key.split_once('.').map_or(key.as_str(), |(b, _)| b);
        let known = template.blank(blank_id).is_some_and(|b| {
            let (lat, lon) = geo_keys(b.id);
            match b.kind {
                BlankKind::GeoPoint => *key == lat || *key == lon,
                // Photos travel as their own records, never as answers.
                BlankKind::Photos { .. } => false,
                _ => key == b.id,
            }
        });
        if !known {
            errors.push(FieldError::new(
                key,
                ErrorCode::UnknownField,
                format!("模板中没有“{key}”一项"),
                format!("the template has no blank “{key}”"),
            ));
        }
    }
    for blank in template.blanks {
        if let Some(e) = check_stored_length(blank, answers) {
            // Judged no further: its text is not what the worker meant.
            errors.push(e);
            continue;
        }
        let label = blank.label;
        let required = blank.need.required_at(stage);
        let answer = |key: &str| answers.get(key).map(|s| s.trim()).filter(|s| !s.is_empty());
        if let BlankKind::GeoPoint = blank.kind {
            let (lat_key, lon_key) = geo_keys(blank.id);
            match (answer(&lat_key), answer(&lon_key)) {
                (None, None) if required => errors.push(required_error(blank.id, label)),
                (None, None) => {}
                (Some(lat), Some(lon)) => {
                    let ok = |s: &str, limit: f64| crate::decimal::parse(s).filter(|v| v.abs() <= limit);
                    if ok(lat, 90.0).is_none() || ok(lon, 180.0).is_none() {
                        errors.push(FieldError::new(
                            blank.id,
                            ErrorCode::BadCoordinate,
                            format!("{}：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间", label.zh),
                            format!("{}: latitude must lie in -90…90 and longitude in -180…180", label.en),
                        ));
                    }
                }
                _ => errors.push(FieldError::new(
                    blank.id,
                    ErrorCode::IncompleteCoordinate,
                    format!("{}：请同时填写纬度和经度", label.zh),
                    format!("{}: give both latitude and longitude", label.en),
                )),
            }
            continue;
        }
        if let BlankKind::Photos { .. } = blank.kind {
            // Photos are in the report's manifest, not its answers.
            continue;
        }
        let Some(value) = answer(blank.id) else {
            if required {
                errors.push(required_error(blank.id, label));
            }
            continue;
        };
        if let Some(e) = check_value(blank.id, label, &blank.kind, value, now) {
            errors.push(e);
        }
    }
    errors.extend(crate::rules::crosscheck::check(template, answers));
    errors
}

/// The most characters of a reason for another grade than the suggested.
pub const MAX_REASON_CHARS: usize = 500;

/// The most characters an answer that is not free text may hold as sent:
/// more than any date, figure, phone number or list of choices in the
/// catalogue (a test holds it to that).
pub const MAX_SHORT_ANSWER_CHARS: usize = 200;

/// An answer is judged by its text trimmed, but stored as sent: a value
/// padded with spaces beyond what its blank allows is refused, so that
/// what a thread's readers load stays bounded by the catalogue.
fn check_stored_length(blank: &crate::rules::template::Blank, answers: &Answers) -> Option<FieldError> {
    let limit = match blank.kind {
        BlankKind::Text { max_chars } | BlankKind::LongText { max_chars } => max_chars,
        _ => MAX_SHORT_ANSWER_CHARS,
    };
    let (lat, lon) = geo_keys(blank.id);
    let keys = match blank.kind {
        BlankKind::GeoPoint => [lat.as_str(), lon.as_str()],
        _ => [blank.id, blank.id],
    };
    let n = keys
        .iter()
        .filter_map(|k| answers.get(k))
        .map(|v| v.chars().count())
        .max()?;
    (n > limit).then(|| {
        FieldError::new(
            blank.id,
            ErrorCode::TooLong,
            format!("{}最多 {limit} 字（现在 {n} 字，含空格）", blank.label.zh),
            format!(
                "{}: at most {limit} characters (now {n}, spaces included)",
                blank.label.en
            ),
        )
    })
}

fn required_error(field: &str, label: crate::Text) -> FieldError {
    FieldError::new(
        field,
        ErrorCode::Required,
        format!("请填写{}", label.zh),
        format!("{} is required", label.en),
    )
}

pub(crate) fn check_value(
    field: &str,
    label: crate::Text,
    kind: &BlankKind,
    value: &str,
    now: NaiveDateTime,
) -> Option<FieldError> {
    let err = |code, zh: String, en: String| Some(FieldError::new(field, code, zh, en));
    match *kind {
        BlankKind::DateTime => match parse_datetime(value) {
            None => err(
                ErrorCode::BadDateTime,
                format!("{}：请选择日期和时间", label.zh),
                format!("{}: pick a date and time", label.en),
            ),
            Some(t) if t > now + TimeDelta::minutes(FUTURE_TOLERANCE_MINUTES) => err(
                ErrorCode::InFuture,
                format!("{}不能晚于现在", label.zh),
                format!("{} cannot be in the future", label.en),
            ),
            Some(_) => None,
        },
        BlankKind::Text { max_chars } | BlankKind::LongText { max_chars } => {
            let n = value.chars().count();
            (n > max_chars).then(|| {
                FieldError::new(
                    field,
                    ErrorCode::TooLong,
                    format!("{}最多 {max_chars} 字（现在 {n} 字）", label.zh),
                    format!("{}: at most {max_chars} characters (now {n})", label.en),
                )
            })
        }
        BlankKind::Date => match parse_date(value) {
            Some(_) => None,
            None => err(
                ErrorCode::BadDate,
                format!("{}：请选择日期", label.zh),
                format!("{}: pick a date", label.en),
            ),
        },
        BlankKind::Amount { max, decimals, unit } => check_amount(field, label, value, max, decimals, unit),
        BlankKind::MultiChoice { options } => {
            let mut seen = Vec::new();
            let ok = value.split(',').all(|v| {
                let fresh = !seen.contains(&v);
                seen.push(v);
                fresh && options.iter().any(|o| o.value == v)
            });
            (!ok).then(|| {
                FieldError::new(
                    field,
                    ErrorCode::UnknownOption,
                    format!("{}：请从列表中选择", label.zh),
                    format!("{}: choose from the list", label.en),
                )
            })
        }
        BlankKind::Count { min, max, .. } => match value.parse::<u64>() {
            Err(_) => err(
                ErrorCode::NotAWholeNumber,
                format!("{}应为整数", label.zh),
                format!("{} must be a whole number", label.en),
            ),
            Ok(n) if n < u64::from(min) || n > u64::from(max) => err(
                ErrorCode::OutOfRange,
                format!("{}应在 {min} 到 {max} 之间", label.zh),
                format!("{} must lie between {min} and {max}", label.en),
            ),
            Ok(_) => None,
        },
        BlankKind::Choice { options } => (!options.iter().any(|o| o.value == value)).then(|| {
            FieldError::new(
                field,
                ErrorCode::UnknownOption,
                format!("{}：请从列表中选择", label.zh),
                format!("{}: choose one of the list", label.en),
            )
        }),
        BlankKind::Phone => (!is_phone(value)).then(|| {
            FieldError::new(
                field,
                ErrorCode::BadPhone,
                format!("{}：请填写 7 到 15 位数字的电话号码", label.zh),
                format!("{}: give a phone number of 7 to 15 digits", label.en),
            )
        }),
        BlankKind::GeoPoint | BlankKind::Photos { .. } => None,
    }
}

/// A decimal amount such as `1250.5` (万元): digits, at most one point, at
/// most `decimals` digits after it, within `0..=max`.
fn check_amount(
    field: &str,
    label: crate::Text,
    value: &str,
    max: u32,
    decimals: u8,
    unit: crate::Text,
) -> Option<FieldError> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || (value.contains('.') && fraction.is_empty()) {
        return Some(FieldError::new(
            field,
            ErrorCode::NotANumber,
            format!("{}应为数字（单位：{}）", label.zh, unit.zh),
            format!("{} must be a number (in {})", label.en, unit.en),
        ));
    }
    if fraction.len() > usize::from(decimals) {
        return Some(FieldError::new(
            field,
            ErrorCode::TooManyDecimals,
            format!("{}最多保留 {decimals} 位小数", label.zh),
            format!("{}: at most {decimals} decimal places", label.en),
        ));
    }
    match crate::decimal::parse(value) {
        Some(v) if v <= f64::from(max) => None,
        _ => Some(FieldError::new(
            field,
            ErrorCode::OutOfRange,
            format!("{}应在 0 到 {max} {}之间", label.zh, unit.zh),
            format!("{} must lie between 0 and {max} {}", label.en, unit.en),
        )),
    }
}

/// A callable number: 7–15 digits (ITU E.164), optionally a leading `+`, with
/// spaces and dashes allowed between digits as people write them.
pub fn is_phone(value: &str) -> bool {
    let body = value.strip_prefix('+').unwrap_or(value);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    body.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') && (7..=15).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::GENERAL_INCIDENT;
    use crate::wire::ids::ReportId;
    use chrono::{DateTime, NaiveDate};

    fn now() -> NaiveDateTime {
        parse_datetime("2026-11-23T10:00").expect("fixed time parses")
    }

    pub(crate) fn filled() -> Answers {
        [
            ("occurred_at", "2026-11-23T09:41"),
            ("place", "青石村三组后山"),
            ("gps.lat", "30.6586"),
            ("gps.lon", "104.0648"),
            ("category", "natural_disaster"),
            ("what_happened", "山体滑坡，冲毁两间民房"),
            ("dead", "0"),
            ("injured", "2"),
            ("missing", "1"),
            ("measures", "已疏散 12 户群众"),
            ("reporter", "李秀英"),
            ("phone", "138 0000 1234"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn codes(answers: &Answers) -> Vec<(String, ErrorCode)> {
        validate_answers(&GENERAL_INCIDENT, answers, Stage::Initial, now())
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn with(key: &str, value: &str) -> Answers {
        let mut a = filled();
        a.insert(key.to_owned(), value.to_owned());
        a
    }

    #[test]
    fn times_and_dates_parse_as_the_browser_writes_them() {
        let t = parse_datetime("2026-11-23T09:41").expect("minutes");
        assert_eq!(
            t,
            NaiveDate::from_ymd_opt(2026, 11, 23)
                .and_then(|d| d.and_hms_opt(9, 41, 0))
                .expect("t")
        );
        let t = parse_datetime("2026-11-23T09:41:30").expect("seconds");
        assert_eq!(t.format("%H:%M:%S").to_string(), "09:41:30");
        assert_eq!(parse_date("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in [
            "",
            "2026-11-23",
            "2026-11-23T9:41",
            "2026-11-23T09:41:3",
            "2026-11-23T24:00",
            "2026-11-23T09:60",
            "2026-11-23T09:41:30:00",
            "2026-13-01T00:00",
            "2026-11-31T00:00",
            "26-11-23T09:41",
            "+2026-11-23T09:41",
            "2026-11-23 09:41",
            "２０２６-11-23T09:41",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad:?}");
        }
        for bad in [
            "",
            "2023-02-29",
            "2026-1-05",
            "2026-01-5",
            "2026-01-05-",
            "20260105",
            "-026-01-05",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_filled_report_is_valid() {
        assert_eq!(codes(&filled()), vec![]);
    }

    #[test]
    fn missing_required_blanks_are_named() {
        let mut a = filled();
        a.remove("place");
        a.insert("phone".into(), "   ".into());
        assert_eq!(
            codes(&a),
            vec![
                ("place".into(), ErrorCode::Required),
                ("phone".into(), ErrorCode::Required)
            ]
        );
    }

    #[test]
    fn optional_blanks_may_stay_empty() {
        let mut a = filled();
        a.remove("measures");
        a.remove("gps.lat");
        a.remove("gps.lon");
        assert_eq!(codes(&a), vec![]);
    }

    #[test]
    fn counts_are_whole_numbers_in_range() {
        assert_eq!(
            codes(&with("dead", "-1")),
            vec![("dead".into(), ErrorCode::NotAWholeNumber)]
        );
        assert_eq!(
            codes(&with("dead", "2.5")),
            vec![("dead".into(), ErrorCode::NotAWholeNumber)]
        );
        assert_eq!(
            codes(&with("injured", "100001")),
            vec![("injured".into(), ErrorCode::OutOfRange)]
        );
        assert_eq!(codes(&with("injured", "100000")), vec![]);
        assert_eq!(
            codes(&with("missing", "99999999999999999999999")),
            vec![("missing".into(), ErrorCode::NotAWholeNumber)]
        );
    }

    #[test]
    fn event_time_must_parse_and_not_lie_ahead() {
        assert_eq!(
            codes(&with("occurred_at", "yesterday")),
            vec![("occurred_at".into(), ErrorCode::BadDateTime)]
        );
        assert_eq!(codes(&with("occurred_at", "2026-11-23T10:10")), vec![]);
        assert_eq!(
            codes(&with("occurred_at", "2026-11-23T10:11")),
            vec![("occurred_at".into(), ErrorCode::InFuture)]
        );
    }

    #[test]
    fn coordinates_come_in_pairs_within_range() {
        let mut half = filled();
        half.remove("gps.lon");
        assert_eq!(codes(&half), vec![("gps".into(), ErrorCode::IncompleteCoordinate)]);
        assert_eq!(
            codes(&with("gps.lat", "91")),
            vec![("gps".into(), ErrorCode::BadCoordinate)]
        );
        assert_eq!(
            codes(&with("gps.lon", "NaN")),
            vec![("gps".into(), ErrorCode::BadCoordinate)]
        );
    }

    #[test]
    fn choices_phones_lengths_and_unknown_keys() {
        assert_eq!(
            codes(&with("category", "alien")),
            vec![("category".into(), ErrorCode::UnknownOption)]
        );
        assert_eq!(
            codes(&with("phone", "12345")),
            vec![("phone".into(), ErrorCode::BadPhone)]
        );
        assert_eq!(codes(&with("phone", "+86 28-8765-4321")), vec![]);
        assert_eq!(
            codes(&with("phone", "138abc")),
            vec![("phone".into(), ErrorCode::BadPhone)]
        );
        assert_eq!(
            codes(&with("place", &"山".repeat(101))),
            vec![("place".into(), ErrorCode::TooLong)]
        );
        assert_eq!(codes(&with("place", &"山".repeat(100))), vec![]);
        // Judged trimmed, bounded as stored: padding cannot carry a value
        // past its blank's length, and the blank is judged no further.
        assert_eq!(codes(&with("place", &format!(" {} ", "山".repeat(98)))), vec![]);
        assert_eq!(
            codes(&with("place", &format!("青石村{}", " ".repeat(100)))),
            vec![("place".into(), ErrorCode::TooLong)]
        );
        assert_eq!(
            codes(&with("dead", &format!("1{}", " ".repeat(MAX_SHORT_ANSWER_CHARS)))),
            vec![("dead".into(), ErrorCode::TooLong)]
        );
        assert_eq!(
            codes(&with(
                "gps.lat",
                &format!("30.6{}", "\n".repeat(MAX_SHORT_ANSWER_CHARS))
            )),
            vec![("gps".into(), ErrorCode::TooLong)]
        );
        assert_eq!(
            codes(&with("gps.alt", "1")),
            vec![("gps.alt".into(), ErrorCode::UnknownField)]
        );
        assert_eq!(
            codes(&with("colour", "red")),
            vec![("colour".into(), ErrorCode::UnknownField)]
        );
    }

    /// Every answer the catalogue can ask for fits the bound on answers that
    /// are not free text, and every template's answers fit the bound on how
    /// many a report may carry.
    #[test]
    fn the_bounds_hold_every_answer_the_catalogue_asks_for() {
        for template in crate::rules::catalogue::all() {
            let mut keys = 0;
            for blank in template.blanks {
                keys += if let BlankKind::GeoPoint = blank.kind { 2 } else { 1 };
                let longest = match blank.kind {
                    BlankKind::Choice { options } => options.iter().map(|o| o.value.chars().count()).max().unwrap_or(0),
                    BlankKind::MultiChoice { options } => options.iter().map(|o| o.value.chars().count() + 1).sum(),
                    // A phone number with its separators, a date, a time, a
                    // coordinate, a figure: each a few dozen at most.
                    BlankKind::Phone | BlankKind::DateTime | BlankKind::Date | BlankKind::GeoPoint => 32,
                    BlankKind::Count { max, .. } | BlankKind::Amount { max, .. } => max.to_string().len() + 8,
                    BlankKind::Text { .. } | BlankKind::LongText { .. } | BlankKind::Photos { .. } => 0,
                };
                assert!(
                    longest * 2 <= MAX_SHORT_ANSWER_CHARS,
                    "{}.{}: {longest}",
                    template.id,
                    blank.id
                );
            }
            assert!(
                keys * 4 <= crate::report::answers::MAX_ANSWERS,
                "{}: {keys} answers",
                template.id
            );
        }
    }

    fn report_of(template: &Template, answers: Answers, stage: Stage, thread: Option<ReportId>) -> Report {
        Report {
            id: ReportId::from_parts(1_790_000_000_000, [9; 10]),
            thread,
            thread_key: None,
            stage,
            template_id: template.id.into(),
            template_version: template.version,
            answers,
            written_at: DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").expect("rfc3339"),
            grade: None,
            photos: Vec::new(),
            clock_offset_ms: None,
        }
    }

    #[test]
    fn stages_threads_and_grades_are_checked() {
        use crate::rules::grading::{Grade, GradeDecision};
        let thread = Some(ReportId::from_parts(1_700_000_000_000, [1; 10]));
        let code_of = |r: &Report| {
            validate(r)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            code_of(&report_of(&GENERAL_INCIDENT, filled(), Stage::FollowUp { n: 1 }, None)),
            vec![("thread".into(), ErrorCode::BadThread)]
        );
        assert_eq!(
            code_of(&report_of(
                &GENERAL_INCIDENT,
                filled(),
                Stage::FollowUp { n: 1 },
                thread
            )),
            vec![]
        );
        assert_eq!(
            code_of(&report_of(&GENERAL_INCIDENT, filled(), Stage::Rectified, thread)),
            vec![("stage".into(), ErrorCode::StageNotAllowed)]
        );
        // A thread key: only on a first record, and only the one its id
        // was made from.
        let key = crate::ThreadKey::from_random([7; 16]);
        let mut keyed = report_of(&GENERAL_INCIDENT, filled(), Stage::Initial, None);
        keyed.thread_key = Some(key.clone());
        assert_eq!(
            code_of(&keyed),
            vec![("thread_key".into(), ErrorCode::BadThread)],
            "a random id"
        );
        keyed.id = key.first_id(1_790_000_000_000);
        assert_eq!(code_of(&keyed), vec![]);
        keyed.thread = Some(keyed.id);
        assert_eq!(code_of(&keyed), vec![], "naming its own thread");
        let mut later = report_of(&GENERAL_INCIDENT, filled(), Stage::FollowUp { n: 1 }, Some(keyed.id));
        later.thread_key = Some(key);
        assert_eq!(
            code_of(&later),
            vec![("thread_key".into(), ErrorCode::BadThread)],
            "on a 续报"
        );
        let mut r = report_of(&GENERAL_INCIDENT, filled(), Stage::Initial, None);
        r.grade = Some(GradeDecision {
            suggested: Grade::IV,
            chosen: Grade::II,
            reason: String::new(),
        });
        assert_eq!(code_of(&r), vec![("grade_reason".into(), ErrorCode::ReasonRequired)]);
        for (n, expected) in [
            (MAX_REASON_CHARS, vec![]),
            (MAX_REASON_CHARS + 1, vec![("grade_reason".into(), ErrorCode::TooLong)]),
        ] {
            r.grade = Some(GradeDecision {
                suggested: Grade::IV,
                chosen: Grade::II,
                reason: "因".repeat(n),
            });
            assert_eq!(code_of(&r), expected, "a reason of {n} characters");
        }
        r.grade = Some(GradeDecision {
            suggested: Grade::I,
            chosen: Grade::I,
            reason: String::new(),
        });
        assert_eq!(code_of(&r), vec![("grade".into(), ErrorCode::GradeMismatch)]);
        let hazard = &crate::rules::catalogue::HAZARD;
        let mut h = report_of(hazard, crate::rules::examples::filled(hazard), Stage::Initial, None);
        assert_eq!(
            code_of(&h),
            vec![("photos".into(), ErrorCode::PhotosMissing)],
            "a hazard needs a photo"
        );
        h.photos = crate::rules::examples::photos(hazard);
        assert_eq!(code_of(&h), vec![]);
        h.grade = Some(GradeDecision {
            suggested: Grade::IV,
            chosen: Grade::IV,
            reason: String::new(),
        });
        assert_eq!(code_of(&h), vec![("grade".into(), ErrorCode::GradeMismatch)]);
    }

    /// Found by a review: a work-safety accident's reporter could grade 3
    /// dead 一般 with any reason ("家属要求"), and its deadlines shrank to
    /// a 一般 accident's. Regulation 493 grades by the figures: a graver
    /// grade may be chosen, a lesser one not; a general incident's
    /// suggestion may still be overridden either way.
    #[test]
    fn a_work_safety_accident_is_not_graded_below_its_figures() {
        use crate::rules::grading::{Grade, GradeDecision};
        let template = crate::rules::catalogue::offered()
            .into_iter()
            .find(|t| matches!(t.family, Family::Incident { grading, .. } if grading.id == grading::WORK_SAFETY.id))
            .expect("a template graded by Decree 493");
        let mut answers = crate::rules::examples::filled(template);
        answers.insert("dead".into(), "3".into());
        let mut r = report_of(template, answers, Stage::Initial, None);
        r.photos = crate::rules::examples::photos(template);
        let suggested = grading::suggest(&grading::WORK_SAFETY, &r.answers).grade;
        assert_eq!(suggested, Grade::III);
        let graded = |chosen: Grade| GradeDecision {
            suggested,
            chosen,
            reason: "家属要求".into(),
        };
        r.grade = Some(graded(Grade::IV));
        assert_eq!(
            validate(&r).err(),
            None,
            "a record stored before the rule still replays"
        );
        let errors = crate::rules::evidence::admit(&r, Default::default())
            .err()
            .unwrap_or_default();
        assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
            [("grade", ErrorCode::GradeMismatch)],
            "{errors:?}"
        );
        assert!(
            errors[0].zh.contains("较大") && errors[0].zh.contains("改正数字"),
            "{}",
            errors[0].zh
        );
        // Said with the other errors of a form half filled, not after them.
        let mut half = r.clone();
        half.answers.remove("place");
        let errors = crate::rules::evidence::admit(&half, Default::default())
            .err()
            .unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.field == "grade") && errors.iter().any(|e| e.field == "place"),
            "{errors:?}"
        );
        r.grade = Some(graded(Grade::II));
        let graver = crate::rules::evidence::admit(&r, Default::default())
            .err()
            .unwrap_or_default();
        assert!(
            graver.iter().all(|e| e.field != "grade"),
            "a graver grade, with its reason: {graver:?}"
        );
        let mut general = report_of(&GENERAL_INCIDENT, filled(), Stage::Initial, None);
        general.grade = Some(GradeDecision {
            suggested: grading::suggest(&grading::CASUALTIES, &general.answers).grade,
            chosen: Grade::IV,
            reason: "行业预案另有规定".into(),
        });
        assert_eq!(
            graded_below_figures(&GENERAL_INCIDENT, &general),
            None,
            "a suggestion, not a law"
        );
    }

    #[test]
    fn photo_entries_must_be_well_formed() {
        let hazard = &crate::rules::catalogue::HAZARD;
        let mut h = report_of(hazard, crate::rules::examples::filled(hazard), Stage::Initial, None);
        h.photos = crate::rules::examples::photos(hazard);
        let codes = |h: &Report| {
            validate(h)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.code)
                .collect::<Vec<_>>()
        };
        let good = h.photos[0].clone();
        for broken in [
            crate::photo::PhotoRef {
                sha256: "XYZ".into(),
                ..good.clone()
            },
            crate::photo::PhotoRef {
                size: 0,
                ..good.clone()
            },
            crate::photo::PhotoRef {
                size: crate::photo::MAX_PHOTO_BYTES + 1,
                ..good.clone()
            },
            crate::photo::PhotoRef {
                mime: "image/gif".into(),
                ..good.clone()
            },
            crate::photo::PhotoRef {
                blank: "description".into(),
                ..good.clone()
            },
        ] {
            h.photos = vec![broken.clone()];
            assert!(codes(&h).contains(&ErrorCode::BadPhoto), "{broken:?}");
        }
        h.photos = vec![good.clone(), good.clone()];
        assert_eq!(codes(&h), vec![ErrorCode::BadPhoto], "the same photo twice");

        // As many as allowed, each its own photo; one more is refused whole.
        let numbered = |n: usize| {
            (0..n)
                .map(|i| crate::photo::PhotoRef {
                    id: crate::wire::ids::PhotoId::from_parts(1_700_000_000_000, [7, 0, 0, 0, 0, 0, 0, 0, 0, i as u8]),
                    sha256: format!("{:064x}", i + 1),
                    ..good.clone()
                })
                .collect::<Vec<_>>()
        };
        h.photos = numbered(crate::photo::MAX_PHOTOS_PER_REPORT);
        assert_eq!(codes(&h), Vec::<ErrorCode>::new(), "the most photos a report may carry");
        h.photos = numbered(crate::photo::MAX_PHOTOS_PER_REPORT + 1);
        let errors = validate(&h).expect_err("one photo too many");
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code),
            ("photos", ErrorCode::TooLong)
        );
        assert!(errors[0].zh.contains("最多 20 张"), "{}", errors[0].zh);
    }

    #[test]
    fn final_reports_need_every_required_blank() {
        let road = crate::rules::catalogue::INCIDENTS
            .iter()
            .find(|t| t.id == "road_traffic")
            .expect("road traffic template");
        let mut answers = crate::rules::examples::filled(road);
        answers.remove("dead");
        let thread = Some(ReportId::from_parts(1_700_000_000_000, [1; 10]));
        assert!(
            validate(&report_of(road, answers.clone(), Stage::Initial, None)).is_ok(),
            "a 首报 may leave figures open"
        );
        assert!(validate(&report_of(road, answers.clone(), Stage::FollowUp { n: 1 }, thread)).is_ok());
        let errors = validate(&report_of(road, answers, Stage::Final, thread)).expect_err("终报 is complete");
        assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
            vec![("dead", ErrorCode::Required)]
        );
    }

    #[test]
    fn whole_reports_check_id_and_template_and_use_beijing_time() {
        let written = DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").expect("rfc3339");
        let mut report = Report {
            id: ReportId::from_parts(1_790_000_000_000, [7; 10]),
            thread: None,
            thread_key: None,
            stage: Stage::Initial,
            grade: None,
            template_id: "general_incident".into(),
            template_version: 1,
            answers: filled(),
            written_at: written,
            photos: Vec::new(),
            clock_offset_ms: None,
        };
        assert!(validate(&report).is_ok(), "02:00Z is 10:00 in Beijing, after the event");
        report.id = ReportId(uuid::Uuid::nil());
        let errs = validate(&report).expect_err("nil id");
        assert_eq!(errs[0].code, ErrorCode::BadId);
        report.template_version = 9;
        let errs = validate(&report).expect_err("unknown version");
        assert!(errs
            .iter()
            .any(|e| e.code == ErrorCode::UnknownTemplate && e.field == "template_id"));
    }
}

//! Checks across blanks: figures that are part of another cannot exceed it
//! (5 seriously injured among 3 injured is a typo), houses counted in
//! households cannot outnumber their rooms, and an event cannot become
//! known before it happened. Run by `validate::validate_answers`, so the
//! phone marks both blanks as the worker types and the server refuses the
//! same report with 422 naming both.
//!
//! They hold from version 2 of a template on: a report filled with version
//! 1 is judged as it was when it was written (it may sit in a phone's
//! outbox for days), never by rules added since.

use crate::report::answers::Answers;
use crate::rules::catalogue::common::HOUSE_PAIRS;
use crate::rules::template::{Blank, Template};
use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::timestamp::parse_datetime;

/// The first template version these checks apply to.
pub const FROM_VERSION: u32 = 2;

/// Parts that together cannot exceed a whole: `(parts, whole)`.
const AT_MOST: &[(&[&str], &str)] = &[
    // 其中重伤: the seriously injured are among the injured.
    (&["serious_injured"], "injured"),
    // 其中危重: the critically ill are among the ill.
    (&["critical"], "sick"),
    // The dead and missing are among the people involved.
    (&["dead", "missing"], "involved"),
    // The statistics system counts both among the people affected.
    (&["needs_relief"], "affected"),
    (&["evacuated"], "affected"),
];

/// Every cross-field error of `answers`, two per broken rule: one at each
/// blank, with the same message naming both.
pub fn check(template: &Template, answers: &Answers) -> Vec<FieldError> {
    if template.version < FROM_VERSION {
        return Vec::new();
    }
    let mut errors = Vec::new();
    let houses = HOUSE_PAIRS
        .iter()
        .map(|(households, rooms)| (std::slice::from_ref(households), *rooms));
    for (parts, whole) in AT_MOST.iter().copied().chain(houses) {
        if let Some(pair) = at_most(template, answers, parts, whole) {
            errors.extend(pair);
        }
    }
    errors.extend(known_after_occurred(template, answers).into_iter().flatten());
    errors
}

/// A whole number typed into blank `id`, if the template has it and it reads.
fn count(template: &Template, answers: &Answers, id: &str) -> Option<(&'static Blank, u64)> {
    let blank = template.blank(id)?;
    let value = answers.get(id)?.trim().parse().ok()?;
    Some((blank, value))
}

fn at_most(template: &Template, answers: &Answers, parts: &[&str], whole: &str) -> Option<[FieldError; 2]> {
    let (whole_blank, whole_value) = count(template, answers, whole)?;
    let filled: Vec<(&Blank, u64)> = parts.iter().filter_map(|p| count(template, answers, p)).collect();
    let sum: u64 = filled.iter().map(|(_, v)| v).sum();
    let (first, _) = filled.first()?;
    if sum <= whole_value {
        return None;
    }
    // At most two parts: "死亡人数（4）加失踪人数（7）".
    let (mut zh_parts, mut en_parts) = (String::new(), String::new());
    for (i, (b, v)) in filled.iter().enumerate() {
        if i > 0 {
            zh_parts.push('加');
            en_parts.push_str(" plus ");
        }
        zh_parts.push_str(&format!("{}（{v}）", b.label.zh));
        en_parts.push_str(&format!("{} ({v})", b.label.en));
    }
    let zh = format!(
        "{zh_parts}不能多于{}（{whole_value}）：请核对这两项，改正其中填错的一项。",
        whole_blank.label.zh
    );
    let en = format!(
        "{en_parts} cannot exceed {} ({whole_value}): check both and correct the wrong one.",
        whole_blank.label.en
    );
    // The message stands at the (first) part and at the whole.
    Some([
        FieldError::new(first.id, ErrorCode::Inconsistent, zh.clone(), en.clone()),
        FieldError::new(whole_blank.id, ErrorCode::Inconsistent, zh, en),
    ])
}

/// The time it became known cannot come before the time it happened.
fn known_after_occurred(template: &Template, answers: &Answers) -> Option<[FieldError; 2]> {
    let time = |id: &str| Some((template.blank(id)?, parse_datetime(answers.get(id)?.trim())?));
    let (occurred_blank, occurred) = time("occurred_at")?;
    let (known_blank, known) = time("known_at")?;
    if known >= occurred {
        return None;
    }
    let zh = format!(
        "{}不能早于{}：请核对这两个时间。",
        known_blank.label.zh, occurred_blank.label.zh
    );
    let en = format!(
        "{} cannot be before {}: check both times.",
        known_blank.label.en, occurred_blank.label.en
    );
    Some([
        FieldError::new(known_blank.id, ErrorCode::Inconsistent, zh.clone(), en.clone()),
        FieldError::new(occurred_blank.id, ErrorCode::Inconsistent, zh, en),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue;
    use crate::rules::examples;

    fn v2(id: &str) -> &'static Template {
        catalogue::find(id, 2).expect("version 2 exists")
    }

    /// The (field, code) pairs of `check` on the template's example with
    /// `changes` typed over it.
    fn errors(template: &Template, changes: &[(&str, &str)]) -> Vec<(String, ErrorCode)> {
        let mut answers = examples::filled(template);
        for (k, v) in changes {
            answers.insert((*k).to_owned(), (*v).to_owned());
        }
        check(template, &answers)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn both(a: &str, b: &str) -> Vec<(String, ErrorCode)> {
        vec![
            (a.to_owned(), ErrorCode::Inconsistent),
            (b.to_owned(), ErrorCode::Inconsistent),
        ]
    }

    #[test]
    fn seriously_injured_at_most_the_injured() {
        let fire = v2("fire");
        assert_eq!(errors(fire, &[("injured", "3"), ("serious_injured", "3")]), vec![]);
        assert_eq!(
            errors(fire, &[("injured", "3"), ("serious_injured", "4")]),
            both("serious_injured", "injured")
        );
        assert_eq!(
            errors(fire, &[("injured", "3"), ("serious_injured", "5")]),
            both("serious_injured", "injured"),
            "the issue's case: 5 seriously injured among 3 injured"
        );
        assert_eq!(
            errors(fire, &[("injured", ""), ("serious_injured", "5")]),
            vec![],
            "an open whole is not judged yet"
        );
    }

    #[test]
    fn the_message_names_both_blanks_chinese_first_and_says_what_to_do() {
        let mut answers = examples::filled(v2("fire"));
        answers.insert("injured".into(), "3".into());
        answers.insert("serious_injured".into(), "5".into());
        let e = &check(v2("fire"), &answers)[0];
        assert_eq!(
            e.zh,
            "其中重伤人数（5）不能多于受伤人数（3）：请核对这两项，改正其中填错的一项。"
        );
        assert_eq!(
            e.en,
            "Of whom seriously injured (5) cannot exceed Injured (3): check both and correct the wrong one."
        );
    }

    #[test]
    fn critically_ill_at_most_the_ill() {
        let health = v2("public_health");
        assert_eq!(errors(health, &[("sick", "7"), ("critical", "7")]), vec![]);
        assert_eq!(
            errors(health, &[("sick", "7"), ("critical", "8")]),
            both("critical", "sick")
        );
    }

    #[test]
    fn dead_and_missing_together_at_most_the_people_involved() {
        let social = v2("social_security");
        assert_eq!(
            errors(social, &[("involved", "10"), ("dead", "4"), ("missing", "6")]),
            vec![]
        );
        assert_eq!(
            errors(social, &[("involved", "10"), ("dead", "4"), ("missing", "7")]),
            both("dead", "involved")
        );
        assert_eq!(
            errors(social, &[("involved", "10"), ("dead", ""), ("missing", "11")]),
            both("missing", "involved"),
            "with the dead open, the missing alone"
        );
        let mut answers = examples::filled(social);
        answers.insert("involved".into(), "10".into());
        answers.insert("dead".into(), "4".into());
        answers.insert("missing".into(), "7".into());
        assert_eq!(
            check(social, &answers)[0].zh,
            "死亡人数（4）加失踪人数（7）不能多于涉及人数（10）：请核对这两项，改正其中填错的一项。"
        );
    }

    #[test]
    fn relief_and_evacuation_at_most_the_people_affected() {
        let flood = v2("flood");
        assert_eq!(
            errors(
                flood,
                &[("affected", "50"), ("needs_relief", "50"), ("evacuated", "50")]
            ),
            vec![]
        );
        assert_eq!(
            errors(flood, &[("affected", "50"), ("needs_relief", "51")]),
            both("needs_relief", "affected")
        );
        assert_eq!(
            errors(flood, &[("affected", "50"), ("evacuated", "51")]),
            both("evacuated", "affected")
        );
    }

    #[test]
    fn households_at_most_their_rooms_for_each_kind_of_damage() {
        let quake = v2("earthquake");
        for (households, rooms) in HOUSE_PAIRS {
            assert_eq!(
                errors(quake, &[(households, "6"), (rooms, "6")]),
                vec![],
                "{households}"
            );
            assert_eq!(
                errors(quake, &[(households, "7"), (rooms, "6")]),
                both(households, rooms)
            );
        }
    }

    #[test]
    fn known_not_before_it_happened() {
        let flood = v2("flood");
        let at = |occurred: &str, known: &str| errors(flood, &[("occurred_at", occurred), ("known_at", known)]);
        assert_eq!(at("2026-11-23T09:41", "2026-11-23T09:41"), vec![], "the same minute");
        assert_eq!(at("2026-11-23T09:41", "2026-11-24T08:00"), vec![], "found a day later");
        assert_eq!(
            at("2026-11-23T09:41", "2026-11-23T09:40"),
            both("known_at", "occurred_at")
        );
        assert_eq!(
            at("2026-11-23T09:41", "junk"),
            vec![],
            "a bad time is the blank's own error"
        );
    }

    #[test]
    fn version_1_reports_are_judged_as_they_were_written() {
        assert_eq!(
            errors(
                catalogue::find("fire", 1).expect("version 1"),
                &[("injured", "3"), ("serious_injured", "5")]
            ),
            vec![]
        );
    }

    #[test]
    fn every_version_2_example_is_consistent() {
        for t in catalogue::all().filter(|t| t.version >= FROM_VERSION) {
            assert_eq!(errors(t, &[]), vec![], "{}", t.id);
        }
    }
}

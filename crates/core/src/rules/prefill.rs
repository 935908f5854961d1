//! A new report's 报告人 blanks, filled from the account's profile (name,
//! phone, unit, post) so that a worker does not type them on every report,
//! and over it from what she typed in them on her last report on this
//! phone (a profile with no phone, a number she corrected). They stay
//! editable: someone may report from a colleague's phone.

use chrono::NaiveDateTime;

use crate::account::Account;
use crate::report::answers::Answers;
use crate::rules::catalogue::common::{PHONE, REPORTER, REPORTER_POST, REPORTER_UNIT};
use crate::rules::template::{Blank, Template};
use crate::rules::validate::check_value;
use crate::wire::error::FieldError;

/// The profile's blanks and the values for each: name, phone, unit, post.
fn fields(values: [&str; 4]) -> [(&'static Blank, &str); 4] {
    let [name, phone, unit, post] = values;
    [
        (&REPORTER, name),
        (&PHONE, phone),
        (&REPORTER_UNIT, unit),
        (&REPORTER_POST, post),
    ]
}

fn of(account: &Account) -> [&str; 4] {
    [&account.display_name, &account.phone, &account.unit, &account.post]
}

/// The answers a new draft of `template` starts with: each profile value
/// the template has a blank for. The values were checked by the blanks'
/// rules when the administrator set them ([`check`]); the validator judges
/// the draft as typed all the same.
pub fn answers(account: &Account, template: &Template) -> Vec<(String, String)> {
    with_last(account, None, template)
}

/// As [`answers`], with what the account typed in these blanks on its last
/// filed record on this phone (`last`) taking the place of the profile's
/// value wherever it typed one.
pub fn with_last(account: &Account, last: Option<&Answers>, template: &Template) -> Vec<(String, String)> {
    fields(of(account))
        .into_iter()
        .map(|(blank, value)| {
            let typed = last.and_then(|a| a.get(blank.id)).map(String::as_str);
            (blank, typed.filter(|t| !t.trim().is_empty()).unwrap_or(value))
        })
        .filter(|(blank, value)| !value.trim().is_empty() && template.blank(blank.id).is_some())
        .map(|(blank, value)| (blank.id.to_owned(), value.trim().to_owned()))
        .collect()
}

/// Checks a profile as the administrator sets it (`[name, phone, unit,
/// post]`), by the rules of the blanks it fills: the same phone rule and
/// lengths. Empty values are allowed (nothing is prefilled). Errors name
/// the blank (`reporter`, `phone`, `reporter_unit`, `reporter_post`).
pub fn check(values: [&str; 4]) -> Vec<FieldError> {
    fields(values)
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .filter_map(|(blank, value)| check_value(blank.id, blank.label, &blank.kind, value.trim(), never()))
        .collect()
}

/// No profile blank is a time, so the "now" of the time rule never counts.
fn never() -> NaiveDateTime {
    NaiveDateTime::MAX
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AreaLevel, AreaRef, Role};
    use crate::rules::catalogue::{self, GENERAL_INCIDENT, HAZARD};
    use crate::wire::error::ErrorCode;

    fn account(name: &str, phone: &str, unit: &str, post: &str) -> Account {
        Account {
            id: "1".into(),
            username: "li".into(),
            display_name: name.into(),
            role: Role::Reporter,
            area: AreaRef {
                id: "g".into(),
                name: "第一网格".into(),
                level: AreaLevel::Grid,
            },
            phone: phone.into(),
            unit: unit.into(),
            post: post.into(),
        }
    }

    fn v2(id: &str) -> &'static Template {
        catalogue::find(id, 2).expect("version 2 exists")
    }

    #[test]
    fn a_full_profile_fills_all_four_blanks_of_a_version_2_template() {
        let a = account("李秀英", "138 0000 1234", "青石村村委会", "网格员");
        assert_eq!(
            answers(&a, v2("flood")),
            vec![
                ("reporter".to_owned(), "李秀英".to_owned()),
                ("phone".to_owned(), "138 0000 1234".to_owned()),
                ("reporter_unit".to_owned(), "青石村村委会".to_owned()),
                ("reporter_post".to_owned(), "网格员".to_owned()),
            ]
        );
    }

    #[test]
    fn only_the_blanks_a_template_has_are_filled() {
        let a = account("李秀英", "13800001234", "青石村村委会", "网格员");
        let keys: Vec<String> = answers(&a, &GENERAL_INCIDENT).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["reporter", "phone"], "version 1 has no unit or post");
        let hazard: Vec<String> = answers(&a, &HAZARD).into_iter().map(|(k, _)| k).collect();
        assert!(hazard.iter().all(|k| HAZARD.blank(k).is_some()));
    }

    #[test]
    fn empty_values_are_left_to_type_and_values_are_trimmed() {
        let a = account("李秀英", "", "  ", " 网格员 ");
        assert_eq!(
            answers(&a, v2("flood")),
            vec![
                ("reporter".to_owned(), "李秀英".to_owned()),
                ("reporter_post".to_owned(), "网格员".to_owned())
            ]
        );
    }

    #[test]
    fn what_was_typed_last_wins_over_the_profile_blank_by_blank() {
        let a = account("李秀英", "", "青石村村委会", "网格员");
        let mut last = Answers::new();
        last.insert("reporter".into(), "李秀英".into());
        last.insert("phone".into(), "13900002222".into());
        // Left empty last time: the profile's unit still fills it.
        last.insert("reporter_unit".into(), " ".into());
        last.insert("place".into(), "不是报告人的栏目".into());
        assert_eq!(
            with_last(&a, Some(&last), v2("flood")),
            vec![
                ("reporter".to_owned(), "李秀英".to_owned()),
                ("phone".to_owned(), "13900002222".to_owned()),
                ("reporter_unit".to_owned(), "青石村村委会".to_owned()),
                ("reporter_post".to_owned(), "网格员".to_owned()),
            ]
        );
        assert_eq!(with_last(&a, None, v2("flood")), answers(&a, v2("flood")));
    }

    #[test]
    fn a_profile_is_checked_by_the_rules_of_its_blanks() {
        assert_eq!(check(of(&account("李秀英", "", "", ""))), vec![]);
        let bad = check(of(&account("李秀英", "12-34", &"村".repeat(61), &"员".repeat(41))));
        let got: Vec<(&str, ErrorCode)> = bad.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("phone", ErrorCode::BadPhone),
                ("reporter_unit", ErrorCode::TooLong),
                ("reporter_post", ErrorCode::TooLong)
            ]
        );
        assert_eq!(
            check(["李秀英", "+86 138-0000-1234", &"村".repeat(60), &"员".repeat(40)]),
            vec![]
        );
    }
}

//! A logged call to the duty office (电话报告, [`Stage::Call`]): what the
//! phone's 「电话报告值班室」 button and the desk's "log a received call"
//! file. The call meets the verbal and phone deadlines; the written report
//! is another record.

use crate::{Answers, Stage};

/// The number of the next call in a thread with these stages: 1, 2, …
pub fn next_call(stages: impl IntoIterator<Item = Stage>) -> u32 {
    let most = stages
        .into_iter()
        .filter_map(|s| match s {
            Stage::Call { n } => Some(n),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    most.saturating_add(1)
}

/// The answers of a call logged at `called_at` (`YYYY-MM-DDTHH:MM`, Beijing)
/// to `office_number`, by the reporter the thread's first record names
/// (`first`), if it names one yet.
pub fn call_answers(first: &Answers, called_at: &str, office_number: Option<&str>) -> Answers {
    let mut answers = Answers::new();
    answers.insert("called_at".to_owned(), called_at.to_owned());
    if let Some(number) = office_number.filter(|n| !n.is_empty()) {
        answers.insert("office_number".to_owned(), number.to_owned());
    }
    for key in ["reporter", "phone"] {
        if let Some(value) = first.get(key).filter(|v| !v.trim().is_empty()) {
            answers.insert(key.to_owned(), value.clone());
        }
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_answers;

    #[test]
    fn calls_are_numbered_after_the_last() {
        assert_eq!(next_call([Stage::Initial]), 1);
        assert_eq!(next_call([Stage::Initial, Stage::Call { n: 1 }, Stage::FollowUp { n: 1 }]), 2);
        assert_eq!(next_call([Stage::Call { n: 3 }, Stage::Call { n: 1 }]), 4);
    }

    #[test]
    fn a_call_takes_the_reporter_from_the_first_record_and_validates() {
        let mut first = Answers::new();
        first.insert("reporter".into(), "李秀英".into());
        first.insert("phone".into(), "13800138000".into());
        first.insert("place".into(), "青石村".into());
        let answers = call_answers(&first, "2026-11-23T09:41", Some("0731-1234567"));
        assert_eq!(answers.get("reporter").map(String::as_str), Some("李秀英"));
        assert_eq!(answers.get("office_number").map(String::as_str), Some("0731-1234567"));
        assert_eq!(answers.get("place"), None);
        let now = crate::validate::parse_datetime("2026-11-23T09:42").expect("time");
        let call = crate::catalogue::call();
        assert_eq!(validate_answers(call, &answers, Stage::Call { n: 1 }, now), vec![]);
        // Before the 首报 names anyone, the call is still valid.
        let bare = call_answers(&Answers::new(), "2026-11-23T09:41", None);
        assert_eq!(validate_answers(call, &bare, Stage::Call { n: 1 }, now), vec![]);
    }
}

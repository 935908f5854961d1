//! When an event became known (发现/接报时间): the reporting clocks start at
//! the later of it and the event time. The blank is `known_at` (incident
//! templates from version 2); a new 首报 draft starts with it set to when
//! the worker opened the draft, which she may correct.

use crate::{Answers, Template};

/// The blank holding the time the event became known.
pub const KNOWN_AT: &str = "known_at";

/// The answers a new first-record draft of `template` starts with: `now`
/// (a `YYYY-MM-DDTHH:MM` Beijing time, the server's clock where the phone
/// knows its offset) as the time it became known, where the template asks
/// for it.
pub fn new_draft_answers(template: &Template, now: &str) -> Answers {
    let mut answers = Answers::new();
    if template.blank(KNOWN_AT).is_some() {
        answers.insert(KNOWN_AT.to_owned(), now.to_owned());
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::template::{Blank, BlankKind, Family, Need};
    use crate::text::Text;

    const WITH_KNOWN_AT: Template = Template {
        id: "test",
        version: 2,
        family: Family::Incident {
            natural_disaster: false,
            grading: &crate::rules::grading::CASUALTIES,
        },
        title: Text::new("测试", "Test"),
        sentence: Text::new("{known_at}", "{known_at}"),
        blanks: &[Blank {
            id: KNOWN_AT,
            label: Text::new("发现/接报时间", "Known at"),
            kind: BlankKind::DateTime,
            need: Need::Always,
        }],
    };

    #[test]
    fn a_new_draft_knows_of_the_event_from_when_it_was_opened() {
        let answers = new_draft_answers(&WITH_KNOWN_AT, "2026-11-23T09:41");
        assert_eq!(answers.get(KNOWN_AT).map(String::as_str), Some("2026-11-23T09:41"));
        // A template without the blank (version 1) starts empty.
        assert!(new_draft_answers(&crate::rules::catalogue::GENERAL_INCIDENT, "2026-11-23T09:41").is_empty());
    }
}

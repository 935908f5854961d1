//! The general incident report, for anything the twelve categories do not
//! fit. Version 1 is the first template the app shipped; its blanks keep
//! their first rules, so reports filled with it stay valid.

use crate::rules::catalogue::common::{
    count, incident_v2, GPS, OCCURRED_AT, PEOPLE, PHONE, PLACE, REPORTER, WHAT_HAPPENED,
};
use crate::rules::grading::CASUALTIES;
use crate::rules::template::{Blank, BlankKind, ChoiceOption, Family, Need, Template};
use crate::text::Text;

/// The four classes of emergencies in Chinese law.
const EVENT_CLASSES: &[ChoiceOption] = &[
    ChoiceOption {
        value: "natural_disaster",
        label: Text::new("自然灾害", "natural disaster"),
    },
    ChoiceOption {
        value: "accident",
        label: Text::new("事故灾难", "accident"),
    },
    ChoiceOption {
        value: "public_health",
        label: Text::new("公共卫生事件", "public-health event"),
    },
    ChoiceOption {
        value: "social_security",
        label: Text::new("社会安全事件", "social-security event"),
    },
];

const fn required_count(id: &'static str, label: Text) -> Blank {
    count(id, label, PEOPLE, Need::Always)
}

const CATEGORY: Blank = Blank {
    id: "category",
    label: Text::new("事件类别", "Event category"),
    kind: BlankKind::Choice { options: EVENT_CLASSES },
    need: Need::Always,
};
// The general report asks its three casualty figures at every stage.
const DEAD: Blank = required_count("dead", Text::new("死亡人数", "Dead"));
const INJURED: Blank = required_count("injured", Text::new("受伤人数", "Injured"));
const MISSING: Blank = required_count("missing", Text::new("失踪人数", "Missing"));

/// The general incident report (突发事件信息报告).
pub const GENERAL_INCIDENT: Template = Template {
    id: "general_incident",
    version: 1,
    family: Family::Incident {
        natural_disaster: false,
        grading: &CASUALTIES,
    },
    title: Text::new("其他突发事件", "Other incident"),
    sentence: Text::new(
        "{occurred_at}，在{place}（位置：{gps}）发生{category}。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪。\
         已采取措施：{measures}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, at {place} (position: {gps}), a {category} occurred. {what_happened}. \
         So far {dead} dead, {injured} injured, {missing} missing. \
         Measures taken: {measures}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        OCCURRED_AT,
        PLACE,
        GPS,
        CATEGORY,
        WHAT_HAPPENED,
        DEAD,
        INJURED,
        MISSING,
        Blank {
            id: "measures",
            label: Text::new("已采取措施", "Measures taken"),
            kind: BlankKind::LongText { max_chars: 1000 },
            need: Need::Optional,
        },
        REPORTER,
        PHONE,
    ],
};

/// Version 2: what the receiving office checks at each stage, as in the
/// twelve categories' version 2.
pub const GENERAL_INCIDENT_V2: Template = incident_v2!(
    "general_incident",
    crate::rules::catalogue::incidents::OTHER_EVENT_V2,
    GENERAL_INCIDENT.title,
    "{occurred_at}，在{place}（位置：{gps}）发生{category}。{what_happened}。\
     目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪。",
    "At {occurred_at}, at {place} (position: {gps}), a {category} occurred. {what_happened}. \
     So far {dead} dead, {injured} injured, {missing} missing.",
    [OCCURRED_AT, PLACE, GPS, CATEGORY, WHAT_HAPPENED, DEAD, INJURED, MISSING]
);

//! The template catalogue. Templates are data: adding one needs no new view.

use crate::template::{Blank, BlankKind, ChoiceOption, Template};
use crate::text::Text;

/// Every template the app offers, newest version of each.
pub const TEMPLATES: &[&Template] = &[&GENERAL_INCIDENT];

/// Finds a template by id and version; the server judges each report by the
/// version it was filled with.
pub fn find(id: &str, version: u32) -> Option<&'static Template> {
    TEMPLATES
        .iter()
        .copied()
        .find(|t| t.id == id && t.version == version)
}

/// The four classes of emergencies in Chinese law.
const EVENT_CLASSES: &[ChoiceOption] = &[
    ChoiceOption { value: "natural_disaster", label: Text::new("自然灾害", "natural disaster") },
    ChoiceOption { value: "accident", label: Text::new("事故灾难", "accident") },
    ChoiceOption { value: "public_health", label: Text::new("公共卫生事件", "public-health event") },
    ChoiceOption { value: "social_security", label: Text::new("社会安全事件", "social-security event") },
];

/// Casualty counts: a single incident above this is not a typo we accept
/// silently; the duty office would phone for anything near it anyway.
const MAX_PEOPLE: u32 = 100_000;

/// The general incident report (突发事件信息首报).
pub const GENERAL_INCIDENT: Template = Template {
    id: "general_incident",
    version: 1,
    title: Text::new("突发事件信息报告", "Incident report"),
    sentence: Text::new(
        "{occurred_at}，在{place}（位置：{gps}）发生{category}。{what_happened}。\
         目前已造成{dead}人死亡、{injured}人受伤、{missing}人失踪。\
         已采取措施：{measures}。报告人：{reporter}，联系电话：{phone}。",
        "At {occurred_at}, at {place} (position: {gps}), a {category} occurred. {what_happened}. \
         So far {dead} dead, {injured} injured, {missing} missing. \
         Measures taken: {measures}. Reported by {reporter}, phone {phone}.",
    ),
    blanks: &[
        Blank { id: "occurred_at", label: Text::new("发生时间", "Time it happened"), kind: BlankKind::DateTime, required: true },
        Blank { id: "place", label: Text::new("地点", "Place"), kind: BlankKind::Text { max_chars: 100 }, required: true },
        Blank { id: "gps", label: Text::new("GPS 位置", "GPS position"), kind: BlankKind::GeoPoint, required: false },
        Blank { id: "category", label: Text::new("事件类别", "Event category"), kind: BlankKind::Choice { options: EVENT_CLASSES }, required: true },
        Blank { id: "what_happened", label: Text::new("事件经过", "What happened"), kind: BlankKind::LongText { max_chars: 1000 }, required: true },
        Blank { id: "dead", label: Text::new("死亡人数", "Dead"), kind: BlankKind::Count { min: 0, max: MAX_PEOPLE }, required: true },
        Blank { id: "injured", label: Text::new("受伤人数", "Injured"), kind: BlankKind::Count { min: 0, max: MAX_PEOPLE }, required: true },
        Blank { id: "missing", label: Text::new("失踪人数", "Missing"), kind: BlankKind::Count { min: 0, max: MAX_PEOPLE }, required: true },
        Blank { id: "measures", label: Text::new("已采取措施", "Measures taken"), kind: BlankKind::LongText { max_chars: 1000 }, required: false },
        Blank { id: "reporter", label: Text::new("报告人", "Reporter"), kind: BlankKind::Text { max_chars: 40 }, required: true },
        Blank { id: "phone", label: Text::new("联系电话", "Phone"), kind: BlankKind::Phone, required: true },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Piece;
    use crate::text::Lang;

    #[test]
    fn every_blank_appears_exactly_once_in_every_language() {
        for t in TEMPLATES {
            for lang in [Lang::Zh, Lang::En] {
                let pieces = t.pieces(lang);
                for blank in t.blanks {
                    let n = pieces
                        .iter()
                        .filter(|p| matches!(p, Piece::Blank(b) if b.id == blank.id))
                        .count();
                    assert_eq!(n, 1, "{} {:?}: blank {}", t.id, lang, blank.id);
                }
                assert!(
                    pieces.iter().all(|p| !matches!(p, Piece::Words(w) if w.contains('{'))),
                    "{} {:?} has a placeholder naming no blank",
                    t.id,
                    lang
                );
            }
        }
    }

    #[test]
    fn find_takes_id_and_version() {
        assert_eq!(find("general_incident", 1).map(|t| t.id), Some("general_incident"));
        assert!(find("general_incident", 99).is_none());
        assert!(find("nope", 1).is_none());
    }
}

//! The template catalogue. Templates are data: adding one needs no new view.
//!
//! Every version ever shipped stays here, so a report filled with an old
//! version is still judged by the blanks it was filled with; [`offered`]
//! lists what a new report may use.

mod call;
pub mod common;
mod daily;
mod general;
mod hazards;
mod incidents;

pub use call::CALL;
pub use daily::DISASTER_DAILY;
pub use general::{GENERAL_INCIDENT, GENERAL_INCIDENT_V2};
pub use hazards::{HAZARD, HAZARD_CLOSED, HAZARD_CLOSED_V1, HAZARD_RECTIFIED, HAZARD_RECTIFYING, HAZARD_V1};
pub use incidents::{INCIDENTS, INCIDENTS_V2};

use crate::rules::stage::ThreadKind;
use crate::rules::template::{Family, Template};

/// Every template of every version.
pub fn all() -> impl Iterator<Item = &'static Template> {
    INCIDENTS.iter().chain(INCIDENTS_V2).copied().chain([
        &GENERAL_INCIDENT,
        &GENERAL_INCIDENT_V2,
        &HAZARD_V1,
        &HAZARD,
        &HAZARD_RECTIFYING,
        &HAZARD_RECTIFIED,
        &HAZARD_CLOSED_V1,
        &HAZARD_CLOSED,
        &CALL,
        &DISASTER_DAILY,
    ])
}

/// Finds a template by id and version; the server judges each report by the
/// version it was filled with.
pub fn find(id: &str, version: u32) -> Option<&'static Template> {
    all().find(|t| t.id == id && t.version == version)
}

/// The newest version of each template a user may start a report with:
/// the incident categories, the general incident, and the hazard (not the
/// steps of a thread: a hazard's, a disaster's daily report).
pub fn offered() -> Vec<&'static Template> {
    let mut newest: Vec<&'static Template> = Vec::new();
    for t in all().filter(|t| !matches!(t.family, Family::HazardStep { .. } | Family::Call | Family::DailyReport)) {
        match newest.iter_mut().find(|n| n.id == t.id) {
            Some(n) if n.version < t.version => *n = t,
            Some(_) => {}
            None => newest.push(t),
        }
    }
    newest
}

/// The template of a logged call: the phone's 「电话报告值班室」 button and
/// the desk's "log a received call" both file it.
pub fn call() -> &'static Template {
    &CALL
}

/// The newest template of a natural disaster's daily report.
pub fn daily() -> &'static Template {
    &DISASTER_DAILY
}

/// The template (its newest version) for the next step of a hazard's life.
pub fn hazard_step(stage: crate::Stage) -> Option<&'static Template> {
    all()
        .filter(|t| t.family == Family::HazardStep { stage })
        .max_by_key(|t| t.version)
}

impl ThreadKind {
    /// The kind of a thread begun with template `id` (any version), as the
    /// desk knows it from a thread's summary.
    pub fn of_template_id(id: &str, hazard: bool) -> ThreadKind {
        match all().find(|t| t.id == id) {
            Some(t) => ThreadKind::of(t.family),
            None if hazard => ThreadKind::Hazard,
            None => ThreadKind::Incident,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::template::{BlankKind, Piece};
    use crate::text::Lang;

    #[test]
    fn every_blank_appears_exactly_once_in_every_language() {
        for t in all() {
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
                    pieces
                        .iter()
                        .all(|p| !matches!(p, Piece::Words(w) if w.contains('{') || w.contains('}'))),
                    "{} {:?} has a placeholder naming no blank",
                    t.id,
                    lang
                );
            }
        }
    }

    #[test]
    fn ids_are_unique_and_words_exist_in_both_languages() {
        let mut seen = std::collections::BTreeSet::new();
        for t in all() {
            assert!(seen.insert((t.id, t.version)), "{} v{} twice", t.id, t.version);
            let mut blank_ids = std::collections::BTreeSet::new();
            for b in t.blanks {
                assert!(blank_ids.insert(b.id), "{}: blank {} twice", t.id, b.id);
                assert!(!b.id.contains('.'), "{}: blank ids may not contain dots", t.id);
                for text in [b.label, t.title] {
                    assert!(!text.zh.is_empty() && !text.en.is_empty(), "{}: {:?}", t.id, text);
                }
                if let BlankKind::Choice { options } | BlankKind::MultiChoice { options } = b.kind {
                    assert!(!options.is_empty());
                    for o in options {
                        assert!(!o.value.contains(','), "option values may not contain commas");
                        assert!(!o.label.zh.is_empty() && !o.label.en.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn graded_figures_are_blanks_of_their_templates() {
        for t in all() {
            if let Family::Incident { grading, .. } = t.family {
                let present = grading.lines.iter().filter(|l| t.blank(l.figure).is_some()).count();
                assert!(present > 0, "{}: none of its grading figures is a blank", t.id);
                for figure in grading.lines.iter().flat_map(|l| l.figures()) {
                    if let Some(b) = t.blank(figure) {
                        assert!(
                            matches!(b.kind, BlankKind::Count { .. } | BlankKind::Amount { .. }),
                            "{}: {} must be a number",
                            t.id,
                            b.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn twelve_incident_categories_are_offered() {
        assert_eq!(INCIDENTS.len(), 12);
        let offered = offered();
        assert_eq!(
            offered
                .iter()
                .filter(|t| matches!(t.family, Family::Incident { .. }))
                .count(),
            13,
            "12 categories and the general report"
        );
        assert!(offered.iter().any(|t| t.id == "hazard"));
    }

    #[test]
    fn find_takes_id_and_version() {
        assert_eq!(find("general_incident", 1).map(|t| t.id), Some("general_incident"));
        assert!(find("general_incident", 99).is_none());
        assert!(find("nope", 1).is_none());
    }

    #[test]
    fn each_hazard_stage_has_its_template() {
        for stage in [crate::Stage::Rectifying, crate::Stage::Rectified, crate::Stage::Closed] {
            assert!(hazard_step(stage).is_some(), "{stage:?}");
        }
        assert_eq!(
            hazard_step(crate::Stage::Closed).map(|t| t.version),
            Some(2),
            "the newest closing"
        );
    }
}

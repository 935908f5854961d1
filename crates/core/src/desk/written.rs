//! A record as written words: the template's sentence with every blank
//! replaced by its answer, as plain text. This is the body of the 书面报告
//! (the written report) and of every export that carries a record's text
//! (CSV, CAP `description`), so the duty office reads the same sentence the
//! reporter filled in, in either language.
//!
//! Nothing typed is hidden: a blank left empty shows as [`GAP`], so a
//! reader sees that a fact is still open rather than a sentence that
//! silently skips it.

use crate::photo::PhotoRef;
use crate::report::{geo_keys, Answers, Report};
use crate::rules::template::{Blank, BlankKind, Piece, Template};
use crate::text::Lang;
use crate::wire::timestamp::parse_datetime;

/// What an unanswered blank reads as: a visible gap to be filled in later,
/// as on a paper form.
pub const GAP: &str = "____";

impl Template {
    /// The sentence of `lang` with the answers filled in. `photos` is the
    /// record's photo manifest: a Photos blank reads as the number of
    /// photos taken for it (photos are never answers).
    pub fn fill(&self, answers: &Answers, photos: &[PhotoRef], lang: Lang) -> String {
        let pieces = self.pieces(lang);
        let mut text = String::new();
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Words(words) => text.push_str(words),
                Piece::Blank(blank) => {
                    let Some(mut value) = answer_text(blank, answers, photos, lang) else {
                        text.push_str(GAP);
                        continue;
                    };
                    // "{what_happened}。": a worker often ends the answer
                    // with a full stop of her own; one is enough.
                    if let Some(Piece::Words(next)) = pieces.get(i + 1) {
                        if next.starts_with(['。', '.', '；', ';', '，', ',']) {
                            let trimmed = value.trim_end_matches(['。', '.', '；', ';', '，', ',', '！', '!']);
                            if !trimmed.is_empty() {
                                value = trimmed.to_owned();
                            }
                        }
                    }
                    text.push_str(&value);
                }
            }
        }
        text
    }
}

/// The filled sentence of `report`, by the template version it was filled
/// with; `None` when the catalogue does not know that template.
pub fn fill_report(report: &Report, lang: Lang) -> Option<String> {
    let template = crate::rules::catalogue::find(&report.template_id, report.template_version)?;
    Some(template.fill(&report.answers, &report.photos, lang))
}

/// One blank's answer as words, or `None` when it is unanswered.
pub fn answer_text(blank: &Blank, answers: &Answers, photos: &[PhotoRef], lang: Lang) -> Option<String> {
    let typed = |key: &str| answers.get(key).map(|v| one_line(v)).filter(|v| !v.is_empty());
    match blank.kind {
        BlankKind::GeoPoint => {
            let (lat_key, lon_key) = geo_keys(blank.id);
            let (lat, lon) = (typed(&lat_key)?, typed(&lon_key)?);
            Some(match lang {
                Lang::Zh => format!("纬度 {lat}，经度 {lon}"),
                Lang::En => format!("lat {lat}, lon {lon}"),
            })
        }
        BlankKind::Photos { .. } => {
            let n = photos.iter().filter(|p| p.blank == blank.id).count();
            (n > 0).then(|| match lang {
                Lang::Zh => format!("{n} 张"),
                Lang::En if n == 1 => "1 photo".to_owned(),
                Lang::En => format!("{n} photos"),
            })
        }
        BlankKind::DateTime => {
            let value = typed(blank.id)?;
            // `2026-11-23T09:41` as people write it; text that is no time
            // (an old or odd record) is shown as typed.
            Some(parse_datetime(&value).map_or(value, |t| t.format("%Y-%m-%d %H:%M").to_string()))
        }
        BlankKind::Choice { options } => {
            let value = typed(blank.id)?;
            Some(
                options
                    .iter()
                    .find(|o| o.value == value)
                    .map_or(value, |o| o.label.get(lang).to_owned()),
            )
        }
        BlankKind::MultiChoice { options } => {
            let value = typed(blank.id)?;
            let labels: Vec<String> = value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    options
                        .iter()
                        .find(|o| o.value == v)
                        .map_or_else(|| v.to_owned(), |o| o.label.get(lang).to_owned())
                })
                .collect();
            (!labels.is_empty()).then(|| {
                labels.join(match lang {
                    Lang::Zh => "、",
                    Lang::En => ", ",
                })
            })
        }
        BlankKind::Text { .. }
        | BlankKind::LongText { .. }
        | BlankKind::Date
        | BlankKind::Count { .. }
        | BlankKind::Amount { .. }
        | BlankKind::Phone => typed(blank.id),
    }
}

/// The answer trimmed, its line breaks and runs of spaces made single
/// spaces: the report is one sentence, in a table cell as on paper.
fn one_line(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::{self, GENERAL_INCIDENT, HAZARD};
    use crate::rules::examples;
    use crate::wire::ids::PhotoId;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_general_incident_reads_as_its_sentence() {
        let a = answers(&[
            ("occurred_at", "2026-11-23T09:41"),
            ("place", "青石村三组后山"),
            ("gps.lat", "30.658600"),
            ("gps.lon", "104.064800"),
            ("category", "accident"),
            ("what_happened", "山体滑坡冲毁道路。"),
            ("dead", "0"),
            ("injured", "2"),
            ("missing", "1"),
            ("measures", "已封闭道路"),
            ("reporter", "李秀英"),
            ("phone", "13800001234"),
        ]);
        assert_eq!(
            GENERAL_INCIDENT.fill(&a, &[], Lang::Zh),
            "2026-11-23 09:41，在青石村三组后山（位置：纬度 30.658600，经度 104.064800）发生事故灾难。\
             山体滑坡冲毁道路。目前已造成0人死亡、2人受伤、1人失踪。已采取措施：已封闭道路。\
             报告人：李秀英，联系电话：13800001234。"
        );
        let en = GENERAL_INCIDENT.fill(&a, &[], Lang::En);
        assert!(
            en.starts_with(
                "At 2026-11-23 09:41, at 青石村三组后山 (position: lat 30.658600, lon 104.064800), a accident"
            ),
            "{en}"
        );
    }

    #[test]
    fn missing_answers_show_as_gaps() {
        let a = answers(&[("place", "  村口\n 桥头  "), ("gps.lat", "30.1")]);
        let text = GENERAL_INCIDENT.fill(&a, &[], Lang::Zh);
        assert!(
            text.starts_with(&format!("{GAP}，在村口 桥头（位置：{GAP}）发生{GAP}。{GAP}。")),
            "{text}"
        );
        assert!(!text.contains('{'), "{text}");
    }

    #[test]
    fn choices_read_as_labels_and_photos_as_a_count() {
        let weather = catalogue::all().find(|t| t.id == "meteorological").expect("template");
        let mut a = examples::filled(weather);
        a.insert("kinds".into(), "rainstorm,hail,not_an_option".into());
        let text = weather.fill(&a, &[], Lang::Zh);
        assert!(text.contains("暴雨、冰雹、not_an_option"), "{text}");

        let photo = |blank: &str| PhotoRef {
            id: PhotoId::from_parts(1, [0; 10]),
            blank: blank.into(),
            sha256: "0".repeat(64),
            size: 1,
            mime: "image/jpeg".into(),
            taken_at: None,
            lat: None,
            lon: None,
        };
        let a = examples::filled(&HAZARD);
        let text = HAZARD.fill(&a, &[photo("photos"), photo("photos"), photo("other")], Lang::Zh);
        assert!(text.contains("2 张"), "{text}");
        let text = HAZARD.fill(&a, &[photo("photos")], Lang::En);
        assert!(text.contains("1 photo"), "{text}");
    }

    #[test]
    fn every_template_fills_without_placeholders() {
        for t in catalogue::all() {
            for lang in [Lang::Zh, Lang::En] {
                let text = t.fill(&examples::filled(t), &[], lang);
                assert!(!text.contains('{') && !text.contains('}'), "{} {lang:?}: {text}", t.id);
                assert!(!text.contains("。。"), "{} {lang:?}: {text}", t.id);
            }
        }
    }

    #[test]
    fn a_report_fills_by_its_own_template_version() {
        let report = examples::report(&GENERAL_INCIDENT, crate::Stage::Initial);
        assert_eq!(
            fill_report(&report, Lang::Zh),
            Some(GENERAL_INCIDENT.fill(&report.answers, &report.photos, Lang::Zh))
        );
        let mut unknown = report;
        unknown.template_version = 99;
        assert_eq!(fill_report(&unknown, Lang::Zh), None);
    }
}

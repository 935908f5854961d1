//! Figures: the numbers a report carries (people dead, rooms collapsed,
//! 万元 lost…), found generically as every Count and Amount blank of the
//! catalogue. The CSV gives each its own column and the statistics sum
//! them, so a blank added by a new template version appears in both without
//! a change here.
//!
//! A figure is named by its blank id across every template and version:
//! the same id is the same column and the same sum, so an id must mean one
//! thing in one unit wherever it appears (tested below over the whole
//! catalogue).

use crate::report::Report;
use crate::rules::template::{Blank, BlankKind, Template};
use crate::text::{Lang, Text};

/// One figure of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    /// The blank id: the stable name of the column and of the sum.
    pub id: &'static str,
    /// The label of the first template (in catalogue order) that has it.
    pub label: Text,
    pub unit: Text,
    /// Decimal places it may be typed with (0 for a count).
    pub decimals: u8,
}

impl Figure {
    /// The figure of `blank`, if it is a number.
    pub fn of(blank: &Blank) -> Option<Figure> {
        let (unit, decimals) = match blank.kind {
            BlankKind::Count { unit, .. } => (unit, 0),
            BlankKind::Amount { unit, decimals, .. } => (unit, decimals),
            _ => return None,
        };
        Some(Figure {
            id: blank.id,
            label: blank.label,
            unit,
            decimals,
        })
    }

    /// The column header: the label and unit for the people who open the
    /// file, the id in brackets for programs, e.g. `死亡人数（人）[dead]`.
    pub fn header(&self, lang: Lang) -> String {
        header(self.label.get(lang), self.unit.get(lang), self.id, lang)
    }

    /// What `report` says of this figure, as typed (trimmed): `None` when
    /// its template has no such number or it was left empty.
    pub fn answer<'a>(&self, report: &'a Report, template: Option<&Template>) -> Option<&'a str> {
        let blank = template?.blank(self.id)?;
        Figure::of(blank)?;
        report.answers.get(self.id).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// A figure column's header from its parts: `死亡人数（人）[dead]`,
/// `Dead (people) [dead]`.
pub fn header(label: &str, unit: &str, id: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{label}（{unit}）[{id}]"),
        Lang::En => format!("{label} ({unit}) [{id}]"),
    }
}

/// Every figure of every template of every version, each id once, in the
/// order the catalogue first names them.
pub fn all() -> Vec<Figure> {
    of_templates(crate::rules::catalogue::all())
}

/// The figures of `templates`, each id once, in first-seen order.
pub fn of_templates<'a>(templates: impl Iterator<Item = &'a Template>) -> Vec<Figure> {
    let mut figures: Vec<Figure> = Vec::new();
    for blank in templates.flat_map(|t| t.blanks.iter()) {
        if let Some(f) = Figure::of(blank) {
            if !figures.iter().any(|known| known.id == f.id) {
                figures.push(f);
            }
        }
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::{self, GENERAL_INCIDENT};
    use crate::rules::examples;
    use crate::rules::template::{Family, Need};
    use crate::Stage;

    #[test]
    fn every_number_of_the_catalogue_is_a_figure_once() {
        let figures = all();
        for t in catalogue::all() {
            for b in t.blanks {
                let is_number = matches!(b.kind, BlankKind::Count { .. } | BlankKind::Amount { .. });
                let n = figures.iter().filter(|f| f.id == b.id).count();
                assert_eq!(n, usize::from(is_number), "{} v{}: {}", t.id, t.version, b.id);
            }
        }
        for id in ["dead", "injured", "missing", "direct_loss", "houses_collapsed"] {
            assert!(figures.iter().any(|f| f.id == id), "{id}");
        }
        assert!(!figures.iter().any(|f| f.id == "occurred_at" || f.id == "phone"));
    }

    #[test]
    fn one_id_is_one_unit_and_one_precision_wherever_it_appears() {
        // The same column and the same sum for every template: a blank id
        // reused with another unit would add rooms to households.
        let figures = all();
        for t in catalogue::all() {
            for f in t.blanks.iter().filter_map(Figure::of) {
                let first = figures.iter().find(|k| k.id == f.id).expect("listed");
                assert_eq!(
                    (first.unit, first.decimals),
                    (f.unit, f.decimals),
                    "{} v{}: {} differs from its first use",
                    t.id,
                    t.version,
                    f.id
                );
            }
        }
    }

    #[test]
    fn a_new_number_blank_in_a_new_version_is_picked_up_without_code() {
        // What a template version 2 adding a figure does to the list.
        const NEW: Blank = crate::rules::catalogue::common::count(
            "needs_relief_test",
            Text::new("需紧急生活救助人口", "Needing emergency relief"),
            crate::rules::catalogue::common::PEOPLE,
            Need::Optional,
        );
        const BLANKS: [Blank; 2] = [crate::rules::catalogue::common::DEAD, NEW];
        const V2: Template = Template {
            id: "general_incident",
            version: 99,
            family: Family::Hazard,
            title: Text::new("测试", "Test"),
            sentence: Text::new("{dead}{needs_relief_test}", "{dead}{needs_relief_test}"),
            blanks: &BLANKS,
        };
        let figures = of_templates([&GENERAL_INCIDENT, &V2].into_iter());
        let ids: Vec<&str> = figures.iter().map(|f| f.id).collect();
        assert_eq!(ids.iter().filter(|id| **id == "dead").count(), 1);
        assert_eq!(ids.last(), Some(&"needs_relief_test"));
        assert_eq!(
            figures.last().map(|f| f.header(Lang::Zh)).as_deref(),
            Some("需紧急生活救助人口（人）[needs_relief_test]")
        );
    }

    #[test]
    fn headers_name_label_unit_and_id() {
        let loss = all().into_iter().find(|f| f.id == "direct_loss").expect("loss");
        assert_eq!(loss.header(Lang::Zh), "直接经济损失（万元）[direct_loss]");
        assert_eq!(loss.decimals, 2);
        let dead = all().into_iter().find(|f| f.id == "dead").expect("dead");
        assert_eq!(dead.header(Lang::En), "Dead (people) [dead]");
        assert_eq!(dead.decimals, 0);
    }

    #[test]
    fn an_answer_is_read_only_where_its_template_has_the_number() {
        let mut report = examples::report(&GENERAL_INCIDENT, Stage::Initial);
        report.answers.insert("dead".into(), " 3 ".into());
        report.answers.insert("injured".into(), "".into());
        // Typed under an id the template does not have: not a figure of it.
        report.answers.insert("houses_collapsed".into(), "9".into());
        let template = catalogue::find(&report.template_id, report.template_version);
        let figure = |id: &str| all().into_iter().find(|f| f.id == id).expect("a figure");
        assert_eq!(figure("dead").answer(&report, template), Some("3"));
        assert_eq!(figure("injured").answer(&report, template), None);
        assert_eq!(figure("houses_collapsed").answer(&report, template), None);
        assert_eq!(figure("dead").answer(&report, None), None);
    }
}

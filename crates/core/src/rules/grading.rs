//! Severity grades and how the figures suggest one. The worst figure decides
//! (State Council Decree 493, 2007); lower bounds are inclusive ("以上"
//! includes the number). The user may choose another grade with a reason;
//! both the suggestion and the choice are kept.

use serde::{Deserialize, Serialize};

use crate::report::answers::Answers;
use crate::rules::template::Template;
use crate::text::{Lang, Text};

/// The four grades; `I` is the gravest, so "at least 较大" is `g <= III`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Grade {
    I,
    II,
    III,
    IV,
}

crate::coded!(Grade { I = "I", II = "II", III = "III", IV = "IV" });

impl Grade {
    pub fn name(self) -> Text {
        match self {
            Grade::I => Text::new("特别重大（Ⅰ级）", "Particularly grave (I)"),
            Grade::II => Text::new("重大（Ⅱ级）", "Grave (II)"),
            Grade::III => Text::new("较大（Ⅲ级）", "Major (III)"),
            Grade::IV => Text::new("一般（Ⅳ级）", "General (IV)"),
        }
    }

    /// As grave as `other` or graver.
    pub fn at_least(self, other: Grade) -> bool {
        self <= other
    }
}

/// One figure's lines: the lower bounds of grades I, II and III.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Line {
    /// The blank holding the figure.
    pub figure: &'static str,
    /// Blanks counted together with it ("死亡（含失踪）": the missing with
    /// the dead); empty for most lines.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub plus: &'static [&'static str],
    pub bounds: [f64; 3],
}

impl Line {
    /// Every blank the line reads.
    pub fn figures(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.figure).chain(self.plus.iter().copied())
    }
}

const fn line(figure: &'static str, bounds: [f64; 3]) -> Line {
    Line {
        figure,
        plus: &[],
        bounds,
    }
}

const DEATHS: [f64; 3] = [30.0, 10.0, 3.0];
const SERIOUS_INJURIES: [f64; 3] = [100.0, 50.0, 10.0];
/// 1 亿 / 5,000 万 / 1,000 万元, in 万元.
const LOSS: [f64; 3] = [10_000.0, 5_000.0, 1_000.0];

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GradingRule {
    pub id: &'static str,
    pub name: Text,
    pub lines: &'static [Line],
}

impl GradingRule {
    /// Whether the figures bind the grade from below: Decree 493 defines a
    /// work-safety accident's grade by them ("以上" includes the number), so
    /// a lesser one is not the reporter's to choose (a graver one is).
    /// Other rules only suggest, and an override with a reason goes either
    /// way.
    pub fn binds(&self) -> bool {
        self.id == WORK_SAFETY.id
    }

    /// Whether `chosen` is refused against `suggested`, the grade the
    /// figures reach: below it, where they bind.
    pub fn refuses(&self, chosen: Grade, suggested: Grade) -> bool {
        self.binds() && !chosen.at_least(suggested)
    }

    /// Whether blank `id` is a figure the grade is suggested from.
    pub fn reads(&self, id: &str) -> bool {
        self.lines.iter().flat_map(Line::figures).any(|f| f == id)
    }
}

/// Work-safety accidents, Decree 493: deaths 30/10/3, serious injuries
/// (acute industrial poisoning included) 100/50/10, direct loss 1 亿/5,000
/// 万/1,000 万元 (figures in 万元).
pub const WORK_SAFETY: GradingRule = GradingRule {
    id: "work_safety_493",
    name: Text::new(
        "生产安全事故等级（国务院令第493号）",
        "Work-safety accident grades (State Council Decree 493)",
    ),
    lines: &[
        line("dead", DEATHS),
        line("serious_injured", SERIOUS_INJURIES),
        line("direct_loss", LOSS),
    ],
};

/// Events without a grading law of their own in the brief (natural
/// disasters, public-health and social-security events) are suggested a
/// grade by the same casualty and loss lines. This first rule, of the
/// version-1 templates, judges the dead and the missing each on its own
/// against the death lines (its comment once said "together", which the
/// code never did); reports filled with version 1 keep being judged so, or
/// their stored suggestions would stop matching. Version 2 counts them
/// together: [`CASUALTIES_V2`]. The officer's override covers the cases
/// where the sector's own plan says otherwise.
pub const CASUALTIES: GradingRule = GradingRule {
    id: "casualties",
    name: Text::new(
        "按伤亡和损失建议（参照国务院令第493号标准）",
        "Suggested from casualties and loss (Decree 493 lines)",
    ),
    lines: &[
        line("dead", DEATHS),
        line("missing", DEATHS),
        line("serious_injured", SERIOUS_INJURIES),
        line("direct_loss", LOSS),
    ],
};

/// As [`CASUALTIES`], but the dead and missing counted together, as the
/// emergency plans and disaster statistics count them ("死亡（含失踪）").
pub const CASUALTIES_V2: GradingRule = GradingRule {
    id: "casualties_v2",
    name: Text::new(
        "按伤亡和损失建议（死亡含失踪，参照国务院令第493号标准）",
        "Suggested from casualties and loss (dead with missing; Decree 493 lines)",
    ),
    lines: &[
        Line {
            figure: "dead",
            plus: &["missing"],
            bounds: DEATHS,
        },
        line("serious_injured", SERIOUS_INJURIES),
        line("direct_loss", LOSS),
    ],
};

/// One figure that reached the line of the suggested grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    pub figure: &'static str,
    /// Counted together with `figure` (see [`Line::plus`]).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub plus: &'static [&'static str],
    pub value: f64,
    pub bound: f64,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The grade the figures typed so far reach: 一般 when none reaches a
    /// line, even before any is typed (see [`Suggestion::graded`]).
    pub grade: Grade,
    pub rule: &'static str,
    /// The figures that decided; empty for 一般 (everything below 较大).
    pub crossings: Vec<Crossing>,
    /// The rule's figures not (yet) filled with a number.
    pub unfilled: Vec<&'static str>,
}

/// Suggests a grade from the figures typed so far. A blank not (yet) filled
/// or not a number counts as zero: a 首报 may come before the figures.
pub fn suggest(rule: &GradingRule, answers: &Answers) -> Suggestion {
    let mut unfilled = Vec::new();
    let graded: Vec<Crossing> = rule
        .lines
        .iter()
        .map(|line| {
            let mut value = 0.0;
            for figure in line.figures() {
                match answers.get(figure).and_then(|v| crate::decimal::parse(v.trim())) {
                    Some(v) => value += v,
                    None => unfilled.push(figure),
                }
            }
            let (grade, bound) = [Grade::I, Grade::II, Grade::III]
                .into_iter()
                .zip(line.bounds)
                .find(|(_, bound)| value >= *bound)
                .unwrap_or((Grade::IV, 0.0));
            Crossing {
                figure: line.figure,
                plus: line.plus,
                value,
                bound,
                grade,
            }
        })
        .collect();
    let grade = graded.iter().map(|c| c.grade).min().unwrap_or(Grade::IV);
    let crossings = if grade == Grade::IV {
        Vec::new()
    } else {
        graded.into_iter().filter(|c| c.grade == grade).collect()
    };
    Suggestion {
        grade,
        rule: rule.id,
        crossings,
        unfilled,
    }
}

/// 未定级: said instead of a grade until the figures that decide it are in.
pub const NOT_GRADED: Text = Text::new("未定级", "Not graded");

impl Suggestion {
    /// The figures of `template` that decide the grade and are not filled.
    fn open_figures<'t>(&'t self, template: &'t Template) -> impl Iterator<Item = &'static str> + 't {
        self.unfilled.iter().copied().filter(|f| template.blank(f).is_some())
    }

    /// The grade, once it is decided: a figure has reached a line (more
    /// figures can only make it graver), or every figure of `template` that
    /// decides it is filled. `None` is 未定级: an empty form is not 一般.
    pub fn graded(&self, template: &Template) -> Option<Grade> {
        (!self.crossings.is_empty() || self.open_figures(template).next().is_none()).then_some(self.grade)
    }

    /// Why, in words: "死亡人数 12 ≥ 10 → 重大（Ⅱ级）", or which figures to
    /// fill while it is 未定级.
    pub fn explain(&self, template: &Template, lang: Lang) -> Vec<String> {
        let label = |id: &'static str| template.blank(id).map_or(id, |b| b.label.get(lang));
        if self.graded(template).is_none() {
            let open: Vec<&str> = self.open_figures(template).map(label).collect();
            return vec![match lang {
                Lang::Zh => format!("未定级：请填写{}后给出建议等级", open.join("、")),
                Lang::En => format!("Not graded: fill in {} for a suggested grade", open.join(", ")),
            }];
        }
        if self.crossings.is_empty() {
            return vec![Text::new(
                "各项数字均未达到较大（Ⅲ级）标准",
                "No figure reaches the line of grade III",
            )
            .get(lang)
            .to_owned()];
        }
        self.crossings
            .iter()
            .map(|c| {
                let names: Vec<&str> = std::iter::once(c.figure)
                    .chain(c.plus.iter().copied())
                    .map(label)
                    .collect();
                format!(
                    "{} {} ≥ {} → {}",
                    names.join(" + "),
                    trim_number(c.value),
                    trim_number(c.bound),
                    c.grade.name().get(lang)
                )
            })
            .collect()
    }
}

/// `12`, `1250.5`: whole numbers without a point, others shortest. Written
/// with integer and serde_json's float printing, which the phone carries
/// anyway, rather than core's float formatting, which it then need not.
fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        (v as i64).to_string()
    } else {
        serde_json::Number::from_f64(v).map_or_else(|| "?".to_owned(), |n| n.to_string())
    }
}

/// The user's grading of a report: what the figures suggested and what she
/// chose. A choice other than the suggestion needs a reason.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeDecision {
    pub suggested: Grade,
    pub chosen: Grade,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn grade_of(pairs: &[(&str, &str)]) -> Grade {
        suggest(&WORK_SAFETY, &answers(pairs)).grade
    }

    #[test]
    fn only_decree_493_binds_the_grade_from_below() {
        assert!(WORK_SAFETY.reads("dead") && WORK_SAFETY.reads("direct_loss") && !WORK_SAFETY.reads("missing"));
        assert!(CASUALTIES_V2.reads("missing"), "counted with the dead");
        assert!(WORK_SAFETY.binds());
        assert!(WORK_SAFETY.refuses(Grade::IV, Grade::III) && !WORK_SAFETY.refuses(Grade::II, Grade::III));
        assert!(!WORK_SAFETY.refuses(Grade::III, Grade::III));
        assert!(!CASUALTIES.refuses(Grade::IV, Grade::I), "others only suggest");
        assert!(!CASUALTIES.binds());
        assert!(!CASUALTIES_V2.binds());
    }

    #[test]
    fn deaths_at_every_boundary() {
        for (dead, grade) in [
            ("0", Grade::IV),
            ("2", Grade::IV),
            ("3", Grade::III),
            ("9", Grade::III),
            ("10", Grade::II),
            ("29", Grade::II),
            ("30", Grade::I),
            ("300", Grade::I),
        ] {
            assert_eq!(grade_of(&[("dead", dead)]), grade, "dead = {dead}");
        }
    }

    #[test]
    fn serious_injuries_at_every_boundary() {
        for (n, grade) in [
            ("9", Grade::IV),
            ("10", Grade::III),
            ("49", Grade::III),
            ("50", Grade::II),
            ("99", Grade::II),
            ("100", Grade::I),
        ] {
            assert_eq!(grade_of(&[("serious_injured", n)]), grade, "serious injuries = {n}");
        }
    }

    #[test]
    fn direct_loss_at_every_boundary_in_wan_yuan() {
        for (wan, grade) in [
            ("999.99", Grade::IV),
            ("1000", Grade::III),
            ("4999.99", Grade::III),
            ("5000", Grade::II),
            ("9999.99", Grade::II),
            ("10000", Grade::I),
        ] {
            assert_eq!(grade_of(&[("direct_loss", wan)]), grade, "loss = {wan} 万元");
        }
    }

    #[test]
    fn the_worst_figure_decides_and_is_named() {
        let s = suggest(
            &WORK_SAFETY,
            &answers(&[("dead", "2"), ("serious_injured", "55"), ("direct_loss", "1200")]),
        );
        assert_eq!(s.grade, Grade::II);
        assert_eq!(
            s.crossings,
            vec![Crossing {
                figure: "serious_injured",
                plus: &[],
                value: 55.0,
                bound: 50.0,
                grade: Grade::II
            }]
        );
        let template = &crate::rules::catalogue::GENERAL_INCIDENT;
        assert_eq!(
            s.explain(template, Lang::Zh),
            vec!["serious_injured 55 ≥ 50 → 重大（Ⅱ级）".to_owned()]
        );
    }

    #[test]
    fn fractional_figures_are_explained_as_typed() {
        let s = suggest(&WORK_SAFETY, &answers(&[("direct_loss", "1250.5")]));
        let template = &crate::rules::catalogue::GENERAL_INCIDENT;
        assert_eq!(
            s.explain(template, Lang::En),
            vec!["direct_loss 1250.5 ≥ 1000 → Major (III)".to_owned()]
        );
    }

    #[test]
    fn missing_or_bad_figures_count_as_zero() {
        let endless = "9".repeat(400);
        let s = suggest(
            &WORK_SAFETY,
            &answers(&[("dead", ""), ("direct_loss", "lots"), ("serious_injured", &endless)]),
        );
        assert_eq!(s.grade, Grade::IV);
        assert!(s.crossings.is_empty());
    }

    #[test]
    fn casualty_rule_counts_the_missing() {
        assert_eq!(suggest(&CASUALTIES, &answers(&[("missing", "10")])).grade, Grade::II);
    }

    #[test]
    fn version_1_judges_dead_and_missing_each_on_its_own() {
        let v1 = |dead, missing| suggest(&CASUALTIES, &answers(&[("dead", dead), ("missing", missing)])).grade;
        assert_eq!(v1("2", "2"), Grade::IV, "2 and 2: neither reaches 3");
        assert_eq!(v1("2", "3"), Grade::III);
    }

    #[test]
    fn version_2_counts_dead_and_missing_together_at_every_boundary() {
        for (dead, missing, grade) in [
            ("1", "1", Grade::IV),
            ("2", "1", Grade::III),
            ("0", "3", Grade::III),
            ("5", "4", Grade::III),
            ("5", "5", Grade::II),
            ("20", "9", Grade::II),
            ("20", "10", Grade::I),
        ] {
            let s = suggest(&CASUALTIES_V2, &answers(&[("dead", dead), ("missing", missing)]));
            assert_eq!(s.grade, grade, "dead {dead} + missing {missing}");
        }
        let s = suggest(&CASUALTIES_V2, &answers(&[("dead", "4"), ("missing", "6")]));
        let flood = crate::rules::catalogue::find("flood", 2).expect("flood v2");
        assert_eq!(
            s.explain(flood, Lang::Zh),
            vec!["死亡人数 + 失踪人数 10 ≥ 10 → 重大（Ⅱ级）".to_owned()]
        );
    }

    #[test]
    fn not_graded_until_the_deciding_figures_are_filled() {
        let flood = crate::rules::catalogue::find("flood", 2).expect("flood v2");
        let all = [("dead", "0"), ("missing", "0"), ("direct_loss", "0")];
        let graded = |pairs: &[(&str, &str)]| suggest(&CASUALTIES_V2, &answers(pairs)).graded(flood);
        assert_eq!(graded(&[]), None, "an empty form is 未定级, not 一般");
        assert_eq!(graded(&all[..2]), None, "the loss is still open");
        assert_eq!(
            graded(&all),
            Some(Grade::IV),
            "flood v2 has no serious_injured blank: it is not waited for"
        );
        assert_eq!(
            graded(&[("dead", "3")]),
            Some(Grade::III),
            "a line reached decides at once"
        );
        assert_eq!(graded(&[("dead", "2")]), None, "below the line with figures open");
        assert_eq!(
            suggest(&CASUALTIES_V2, &answers(&[("dead", "0")])).explain(flood, Lang::Zh),
            vec!["未定级：请填写失踪人数、直接经济损失后给出建议等级".to_owned()]
        );
        assert_eq!(
            suggest(&CASUALTIES_V2, &answers(&[])).explain(flood, Lang::En),
            vec!["Not graded: fill in Dead, Missing, Direct economic loss for a suggested grade".to_owned()]
        );
    }

    #[test]
    fn grades_compare_by_gravity() {
        assert!(Grade::II.at_least(Grade::III));
        assert!(Grade::III.at_least(Grade::III));
        assert!(!Grade::IV.at_least(Grade::III));
        assert_eq!(Grade::from_code("III"), Some(Grade::III));
        assert_eq!(serde_json::to_string(&Grade::II).ok().as_deref(), Some("\"II\""));
    }
}

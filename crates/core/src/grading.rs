//! Severity grades and how the figures suggest one. The worst figure decides
//! (State Council Decree 493, 2007); lower bounds are inclusive ("以上"
//! includes the number). The user may choose another grade with a reason;
//! both the suggestion and the choice are kept.

use serde::{Deserialize, Serialize};

use crate::report::Answers;
use crate::template::Template;
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
    pub bounds: [f64; 3],
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GradingRule {
    pub id: &'static str,
    pub name: Text,
    pub lines: &'static [Line],
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
        Line {
            figure: "dead",
            bounds: [30.0, 10.0, 3.0],
        },
        Line {
            figure: "serious_injured",
            bounds: [100.0, 50.0, 10.0],
        },
        Line {
            figure: "direct_loss",
            bounds: [10_000.0, 5_000.0, 1_000.0],
        },
    ],
};

/// Events without a grading law of their own in the brief (natural
/// disasters, public-health and social-security events) are suggested a
/// grade by the same casualty and loss lines, counting the dead and missing
/// together as disaster statistics do. The officer's override covers the
/// cases where the sector's own plan says otherwise.
pub const CASUALTIES: GradingRule = GradingRule {
    id: "casualties",
    name: Text::new(
        "按伤亡和损失建议（参照国务院令第493号标准）",
        "Suggested from casualties and loss (Decree 493 lines)",
    ),
    lines: &[
        Line {
            figure: "dead",
            bounds: [30.0, 10.0, 3.0],
        },
        Line {
            figure: "missing",
            bounds: [30.0, 10.0, 3.0],
        },
        Line {
            figure: "serious_injured",
            bounds: [100.0, 50.0, 10.0],
        },
        Line {
            figure: "direct_loss",
            bounds: [10_000.0, 5_000.0, 1_000.0],
        },
    ],
};

/// One figure that reached the line of the suggested grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    pub figure: &'static str,
    pub value: f64,
    pub bound: f64,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub grade: Grade,
    pub rule: &'static str,
    /// The figures that decided; empty for 一般 (everything below 较大).
    pub crossings: Vec<Crossing>,
}

/// Suggests a grade from the figures typed so far. A blank not (yet) filled
/// or not a number counts as zero: a 首报 may come before the figures.
pub fn suggest(rule: &GradingRule, answers: &Answers) -> Suggestion {
    let graded: Vec<Crossing> = rule
        .lines
        .iter()
        .map(|line| {
            let value = answers
                .get(line.figure)
                .and_then(|v| crate::decimal::parse(v.trim()))
                .unwrap_or(0.0);
            let (grade, bound) = [Grade::I, Grade::II, Grade::III]
                .into_iter()
                .zip(line.bounds)
                .find(|(_, bound)| value >= *bound)
                .unwrap_or((Grade::IV, 0.0));
            Crossing {
                figure: line.figure,
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
    }
}

impl Suggestion {
    /// Why, in words: "死亡人数 12 ≥ 10 → 重大（Ⅱ级）".
    pub fn explain(&self, template: &Template, lang: Lang) -> Vec<String> {
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
                let label = template.blank(c.figure).map_or(c.figure, |b| b.label.get(lang));
                format!(
                    "{label} {} ≥ {} → {}",
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
                value: 55.0,
                bound: 50.0,
                grade: Grade::II
            }]
        );
        let template = &crate::catalogue::GENERAL_INCIDENT;
        assert_eq!(
            s.explain(template, Lang::Zh),
            vec!["serious_injured 55 ≥ 50 → 重大（Ⅱ级）".to_owned()]
        );
    }

    #[test]
    fn fractional_figures_are_explained_as_typed() {
        let s = suggest(&WORK_SAFETY, &answers(&[("direct_loss", "1250.5")]));
        let template = &crate::catalogue::GENERAL_INCIDENT;
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
    fn grades_compare_by_gravity() {
        assert!(Grade::II.at_least(Grade::III));
        assert!(Grade::III.at_least(Grade::III));
        assert!(!Grade::IV.at_least(Grade::III));
        assert_eq!(Grade::from_code("III"), Some(Grade::III));
        assert_eq!(serde_json::to_string(&Grade::II).ok().as_deref(), Some("\"II\""));
    }
}

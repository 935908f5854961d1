//! Templates: a report is a fixed sentence with typed blanks ("the essay
//! question turned into fill-in-the-blank"). The sentence is written once per
//! language with `{blank_id}` placeholders, so each language keeps its own
//! word order while the blanks stay the same.

use serde::Serialize;

use crate::grading::GradingRule;
use crate::stage::Stage;
use crate::text::{Lang, Text};

/// What a blank accepts; the renderer picks the input from it and the
/// validator its rules.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlankKind {
    /// Date and minute, Beijing time, as `YYYY-MM-DDTHH:MM`.
    DateTime,
    /// A short line of text such as a place name.
    Text { max_chars: usize },
    /// A few sentences.
    LongText { max_chars: usize },
    /// A WGS-84 point: the answer keys are `{id}.lat` and `{id}.lon`.
    GeoPoint,
    /// A calendar date, `YYYY-MM-DD` (a rectification deadline, say): may
    /// lie in the future.
    Date,
    /// A whole number of people or things; `unit` as said after it (人, 间).
    Count { min: u32, max: u32, unit: Text },
    /// A decimal amount in `unit`, such as money in 万元 or an area in 公顷.
    Amount { max: u32, decimals: u8, unit: Text },
    /// One of a fixed list of options.
    Choice { options: &'static [ChoiceOption] },
    /// Any number of the options; the answer lists their values, joined by
    /// commas, in the catalogue's order.
    MultiChoice { options: &'static [ChoiceOption] },
    /// A phone number a duty officer can call back.
    Phone,
    /// Photos taken for this blank; at least `min` of them are needed
    /// before the report is complete.
    Photos { min: u8 },
}

/// When a blank must be filled: a 首报 is fast and may leave facts open; a
/// 续报 says what progressed; the 终报 must be complete.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Always,
    AtFinal,
    Optional,
    /// At every 续报 (its progress line), not at the 首报 or the 终报.
    AtFollowUp,
}

impl Need {
    pub fn required_at(self, stage: Stage) -> bool {
        match self {
            Need::Always => true,
            Need::AtFinal => stage == Stage::Final,
            Need::Optional => false,
            Need::AtFollowUp => matches!(stage, Stage::FollowUp { .. }),
        }
    }
}

/// What kind of thread a template's records belong to, and which stages it
/// may be filed at.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Family {
    /// An incident: 首报, 续报…, 终报 with the same blanks.
    Incident {
        /// Natural disasters also have the 2-hour statistics deadline.
        natural_disaster: bool,
        grading: &'static GradingRule,
    },
    /// A hazard as found on inspection: starts a hazard thread.
    Hazard,
    /// A step of a hazard's life, filed at exactly this stage.
    HazardStep { stage: Stage },
    /// A logged call to the duty office ([`Stage::Call`]), in an incident's
    /// thread.
    Call,
    /// A natural disaster's daily report (日报), filed in its thread at
    /// [`Stage::Daily`].
    DailyReport,
}

impl Family {
    pub fn allows(self, stage: Stage) -> bool {
        match self {
            Family::Incident { .. } => matches!(stage, Stage::Initial | Stage::FollowUp { .. } | Stage::Final),
            Family::Hazard => stage == Stage::Initial,
            Family::HazardStep { stage: s } => stage == s,
            Family::Call => stage.is_call(),
            Family::DailyReport => matches!(stage, Stage::Daily { .. }),
        }
    }
}

/// One option of a [`BlankKind::Choice`]; `value` is what is stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChoiceOption {
    pub value: &'static str,
    pub label: Text,
}

/// One typed blank of a template.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Blank {
    pub id: &'static str,
    /// The label read out by screen readers and shown above the input.
    pub label: Text,
    pub kind: BlankKind,
    pub need: Need,
}

/// A report template, versioned: a stored report names the version it was
/// filled with, so a later change never breaks stored or in-flight reports.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Template {
    pub id: &'static str,
    pub version: u32,
    pub family: Family,
    pub title: Text,
    /// The sentence with `{blank_id}` placeholders.
    pub sentence: Text,
    pub blanks: &'static [Blank],
}

/// A piece of a template's sentence, in reading order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Piece<'a> {
    Words(&'a str),
    Blank(&'a Blank),
}

impl Template {
    pub fn blank(&self, id: &str) -> Option<&'static Blank> {
        self.blanks.iter().find(|b| b.id == id)
    }

    /// Splits the sentence of `lang` into words and blanks. A placeholder that
    /// names no blank stays as words, so a typo shows on screen rather than
    /// silently hiding a blank (the catalogue test catches it first).
    pub fn pieces(&self, lang: Lang) -> Vec<Piece<'static>> {
        let mut pieces = Vec::new();
        let mut rest: &'static str = self.sentence.get(lang);
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            let id = &rest[open + 1..close];
            match self.blank(id) {
                Some(blank) => {
                    if open > 0 {
                        pieces.push(Piece::Words(&rest[..open]));
                    }
                    pieces.push(Piece::Blank(blank));
                }
                None => pieces.push(Piece::Words(&rest[..=close])),
            }
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Words(rest));
        }
        pieces
    }
}

//! Templates: a report is a fixed sentence with typed blanks ("the essay
//! question turned into fill-in-the-blank"). The sentence is written once per
//! language with `{blank_id}` placeholders, so each language keeps its own
//! word order while the blanks stay the same.

use serde::Serialize;

use crate::text::{Lang, Text};

/// What a blank accepts; the renderer picks the input from it and the
/// validator its rules.
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
    /// A whole number of people or things.
    Count { min: u32, max: u32 },
    /// One of a fixed list of options.
    Choice { options: &'static [ChoiceOption] },
    /// A phone number a duty officer can call back.
    Phone,
}

/// One option of a [`BlankKind::Choice`]; `value` is what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChoiceOption {
    pub value: &'static str,
    pub label: Text,
}

/// One typed blank of a template.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Blank {
    pub id: &'static str,
    /// The label read out by screen readers and shown above the input.
    pub label: Text,
    pub kind: BlankKind,
    pub required: bool,
}

/// A report template, versioned: a stored report names the version it was
/// filled with, so a later change never breaks stored or in-flight reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Template {
    pub id: &'static str,
    pub version: u32,
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

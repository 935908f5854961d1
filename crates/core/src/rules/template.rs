//! Templates: a report is a fixed sentence with typed blanks ("the essay
//! question turned into fill-in-the-blank"). The sentence is written once per
//! language with `{blank_id}` placeholders, so each language keeps its own
//! word order while the blanks stay the same.

use serde::Serialize;

use crate::report::answers::Answers;
use crate::rules::grading::GradingRule;
use crate::rules::stage::{Stage, ThreadKind};
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
    /// At the 终报 only, and asked nowhere before it: what the response
    /// came to (处置结果, 后续措施) is nothing yet at a 首报 or 续报.
    OnlyAtFinal,
}

impl Need {
    /// Whether a blank of this need is asked at `stage` at all: the 终报's
    /// outcome is nothing yet at a 首报, and a 续报's progress line belongs
    /// to 续报, so the forms of other stages leave them out (an answer
    /// already given is always shown, see [`Template::pieces_at`]). Every
    /// other blank is asked at every stage, required or not.
    pub fn asked_at(self, stage: Stage) -> bool {
        match self {
            Need::OnlyAtFinal => stage == Stage::Final,
            Need::AtFollowUp => matches!(stage, Stage::FollowUp { .. }),
            Need::Always | Need::AtFinal | Need::Optional => true,
        }
    }

    pub fn required_at(self, stage: Stage) -> bool {
        match self {
            Need::Always => true,
            Need::AtFinal | Need::OnlyAtFinal => stage == Stage::Final,
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

    /// The sentence of `lang` as asked at `stage`: [`Template::pieces`]
    /// without the blanks not asked there ([`Need::asked_at`]) and still
    /// unanswered in `answers`, each taken out with its clause (the words
    /// from the end of the sentence or clause before it through the end of
    /// its own), so that "已采取措施：{measures}。处置结果：{outcome}；" reads
    /// "已采取措施：{measures}。" at a 首报.
    pub fn pieces_at(&self, lang: Lang, stage: Stage, answers: &Answers) -> Vec<Piece<'static>> {
        let mut out: Vec<Piece<'static>> = Vec::new();
        // Set after a blank taken out: the words that follow lose their
        // head up to the end of that blank's clause.
        let mut cut_head = false;
        for piece in self.pieces(lang) {
            match piece {
                Piece::Blank(b) if !b.need.asked_at(stage) && !answered(b, answers) => {
                    if let Some(Piece::Words(w)) = out.last_mut() {
                        *w = &w[..clause_start(w)];
                    }
                    cut_head = true;
                }
                Piece::Words(w) if cut_head => {
                    cut_head = false;
                    out.push(Piece::Words(&w[clause_end(w)..]));
                }
                other => {
                    cut_head = false;
                    out.push(other);
                }
            }
        }
        out.retain(|p| !matches!(p, Piece::Words("")));
        out
    }
}

/// A piece of a sentence as a narrow screen sets it ([`layout`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part<'a> {
    Words(&'a str),
    Blank {
        blank: &'a Blank,
        /// The words just before the blank already name it ("联系电话：
        /// {phone}"): its label is for screen readers only, not shown again.
        named_before: bool,
        /// The closing punctuation that follows the blank (。，）…), kept
        /// with it so that no line starts with it.
        tail: &'a str,
    },
}

/// Closing punctuation: Chinese line-breaking rules keep it at the end of
/// the line before, never at the start of one.
const CLOSING: &[char] = &[
    '。', '，', '、', '；', '：', '？', '！', '）', '」', '』', '》', '…', '.', ',', ';', ':', '?', '!', ')',
];

/// `pieces` set for reading on a phone: each blank carries the closing
/// punctuation after it, and knows whether the words before it name it.
pub fn layout<'a>(pieces: &[Piece<'a>], lang: Lang) -> Vec<Part<'a>> {
    let mut out: Vec<Part<'a>> = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        match *piece {
            Piece::Blank(blank) => {
                let label = blank.label.get(lang);
                let named_before = match i.checked_sub(1).map(|j| pieces[j]) {
                    Some(Piece::Words(w)) => w.trim_end().trim_end_matches(['：', ':']).trim_end().ends_with(label),
                    _ => false,
                };
                let tail = match pieces.get(i + 1) {
                    Some(Piece::Words(w)) => &w[..w.len() - w.trim_start_matches(CLOSING).len()],
                    _ => "",
                };
                out.push(Part::Blank {
                    blank,
                    named_before,
                    tail,
                });
            }
            Piece::Words(w) => {
                // Less what the blank just before took.
                let rest = match i.checked_sub(1).map(|j| pieces[j]) {
                    Some(Piece::Blank(_)) => w.trim_start_matches(CLOSING),
                    _ => w,
                };
                if !rest.is_empty() {
                    out.push(Part::Words(rest));
                }
            }
        }
    }
    out
}

/// What ends a clause in the sentences: Chinese and English full stops and
/// semicolons.
const CLAUSE_ENDS: [&str; 4] = ["。", "；", ". ", "; "];

/// Where the last clause of `words` starts: after its last clause end, or
/// at 0.
fn clause_start(words: &str) -> usize {
    CLAUSE_ENDS
        .iter()
        .filter_map(|end| words.rfind(end).map(|i| i + end.len()))
        .max()
        .unwrap_or(0)
}

/// Where `words` goes on after the clause it opens with ends: after its
/// first clause end, or at its end.
fn clause_end(words: &str) -> usize {
    CLAUSE_ENDS
        .iter()
        .filter_map(|end| words.find(end).map(|i| i + end.len()))
        .min()
        .unwrap_or(words.len())
}

/// Only text blanks are left out (`Need::OnlyAtFinal`, `Need::AtFollowUp`),
/// and their answer is under their own id.
fn answered(blank: &Blank, answers: &Answers) -> bool {
    answers.get(blank.id).is_some_and(|v| !v.trim().is_empty())
}

impl ThreadKind {
    pub fn of(family: Family) -> ThreadKind {
        // Every version of a template has the same kind of family.
        match family {
            Family::Incident {
                natural_disaster: true, ..
            } => ThreadKind::NaturalDisaster,
            Family::Incident { .. } => ThreadKind::Incident,
            // Filed only in natural-disaster threads.
            Family::DailyReport => ThreadKind::NaturalDisaster,
            // A call is filed in an incident's thread, and never begins one.
            Family::Call => ThreadKind::Incident,
            Family::Hazard | Family::HazardStep { .. } => ThreadKind::Hazard,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::{GENERAL_INCIDENT, GENERAL_INCIDENT_V2};

    /// The sentence as read: words as they are, blanks as `{id}`.
    fn read(pieces: &[Piece<'_>]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Words(w) => (*w).to_owned(),
                Piece::Blank(b) => format!("{{{}}}", b.id),
            })
            .collect()
    }

    fn ids(pieces: &[Piece<'_>]) -> Vec<&'static str> {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Blank(b) => Some(b.id),
                Piece::Words(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_first_report_leaves_out_the_outcome_and_the_progress_with_their_clauses() {
        let t = &GENERAL_INCIDENT_V2;
        let none = Answers::default();
        let zh = read(&t.pieces_at(Lang::Zh, Stage::Initial, &none));
        assert!(zh.contains("已采取措施：{measures}。需要支援：{help_needed}。"), "{zh}");
        let en = read(&t.pieces_at(Lang::En, Stage::Initial, &none));
        assert!(
            en.contains("Measures taken: {measures}. Help needed: {help_needed}."),
            "{en}"
        );
        for (stage, shown, left_out) in [
            (Stage::Initial, &[][..], &["progress", "outcome", "next_steps"][..]),
            (
                Stage::FollowUp { n: 1 },
                &["progress"][..],
                &["outcome", "next_steps"][..],
            ),
            (Stage::Final, &["outcome", "next_steps"][..], &["progress"][..]),
        ] {
            let got = ids(&t.pieces_at(Lang::Zh, stage, &none));
            for id in shown {
                assert!(got.contains(id), "{stage:?} asks {id}");
            }
            for id in left_out {
                assert!(!got.contains(id), "{stage:?} leaves out {id}");
            }
            // Every other blank is asked at every stage.
            assert_eq!(got.len() + left_out.len(), ids(&t.pieces(Lang::Zh)).len(), "{stage:?}");
        }
        let final_zh = read(&t.pieces_at(Lang::Zh, Stage::Final, &none));
        assert!(
            final_zh.contains("已采取措施：{measures}。处置结果：{outcome}；后续措施：{next_steps}。需要支援"),
            "{final_zh}"
        );
    }

    #[test]
    fn closing_punctuation_stays_with_the_blank_before_it() {
        let t = &GENERAL_INCIDENT_V2;
        let parts = layout(&t.pieces_at(Lang::Zh, Stage::Initial, &Answers::default()), Lang::Zh);
        for (i, part) in parts.iter().enumerate() {
            if let Part::Words(w) = part {
                assert!(!w.starts_with(CLOSING), "words start with closing punctuation: {w:?}");
                assert!(!w.is_empty());
            }
            if let (Part::Blank { tail, .. }, Some(Part::Words(next))) = (part, parts.get(i + 1)) {
                assert!(tail.chars().all(|c| CLOSING.contains(&c)), "{tail:?} before {next:?}");
            }
        }
        // Nothing is lost: the parts read as the sentence.
        let read_parts = |parts: &[Part<'_>]| -> String {
            parts
                .iter()
                .map(|p| match p {
                    Part::Words(w) => (*w).to_owned(),
                    Part::Blank { blank, tail, .. } => format!("{{{}}}{tail}", blank.id),
                })
                .collect()
        };
        let pieces = t.pieces_at(Lang::Zh, Stage::Initial, &Answers::default());
        assert_eq!(read_parts(&layout(&pieces, Lang::Zh)), read(&pieces));
        let en = t.pieces_at(Lang::En, Stage::Initial, &Answers::default());
        assert_eq!(read_parts(&layout(&en, Lang::En)), read(&en));
    }

    #[test]
    fn a_label_the_words_before_already_say_is_not_shown_again() {
        let t = &GENERAL_INCIDENT_V2;
        let named = |lang| -> Vec<(&'static str, bool)> {
            layout(&t.pieces(lang), lang)
                .into_iter()
                .filter_map(|p| match p {
                    Part::Blank {
                        blank, named_before, ..
                    } => Some((blank.id, named_before)),
                    Part::Words(_) => None,
                })
                .collect()
        };
        let zh = named(Lang::Zh);
        let of = |list: &[(&str, bool)], id: &str| list.iter().find(|(b, _)| *b == id).map(|(_, n)| *n);
        // 「已采取措施：{measures}」, 「联系电话：{phone}」: said already.
        assert_eq!(of(&zh, "measures"), Some(true));
        assert_eq!(of(&zh, "phone"), Some(true));
        // 「{occurred_at}，」 opens the sentence; 「{dead}人死亡」 names it after.
        assert_eq!(of(&zh, "occurred_at"), Some(false));
        assert_eq!(of(&zh, "dead"), Some(false));
        assert_eq!(of(&named(Lang::En), "measures"), Some(true));
    }

    #[test]
    fn an_answer_given_is_never_left_out() {
        let mut answers = Answers::default();
        answers.insert("progress".into(), "已疏散".into());
        let got = ids(&GENERAL_INCIDENT_V2.pieces_at(Lang::Zh, Stage::Final, &answers));
        assert!(got.contains(&"progress"));
        // Blank words are no answer.
        answers.insert("progress".into(), "  ".into());
        let got = ids(&GENERAL_INCIDENT_V2.pieces_at(Lang::Zh, Stage::Final, &answers));
        assert!(!got.contains(&"progress"));
    }

    #[test]
    fn version_one_and_the_stages_needs_agree() {
        // Nothing of version 1 is left out: it has no such blanks.
        assert_eq!(
            GENERAL_INCIDENT.pieces_at(Lang::Zh, Stage::Initial, &Answers::default()),
            GENERAL_INCIDENT.pieces(Lang::Zh)
        );
        // A blank required at a stage is always asked there.
        for need in [
            Need::Always,
            Need::AtFinal,
            Need::Optional,
            Need::AtFollowUp,
            Need::OnlyAtFinal,
        ] {
            for stage in [Stage::Initial, Stage::FollowUp { n: 2 }, Stage::Final] {
                assert!(
                    !need.required_at(stage) || need.asked_at(stage),
                    "{need:?} at {stage:?}"
                );
            }
        }
    }
}

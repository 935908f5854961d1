//! Field errors: what a refused request or record says is wrong with it,
//! one entry per bad field, with a code for programs and a sentence in each
//! language for people. Every check of the core and the server answers with
//! these (the 422's body), the validator of answers among many.

use serde::{Deserialize, Serialize};

/// Why one blank is not acceptable.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    NotAWholeNumber,
    NotANumber,
    OutOfRange,
    TooLong,
    BadDateTime,
    InFuture,
    BadCoordinate,
    IncompleteCoordinate,
    UnknownOption,
    BadPhone,
    UnknownField,
    UnknownTemplate,
    BadId,
    BadDate,
    TooManyDecimals,
    /// The template cannot be filed at this stage (a hazard's 续报, say).
    StageNotAllowed,
    /// A first record names another thread, or a later one names none.
    BadThread,
    /// The suggested grade is not what the figures give.
    GradeMismatch,
    /// A grade other than the suggestion needs a reason.
    ReasonRequired,
    /// Fewer photos than the blank asks for.
    PhotosMissing,
    /// A photo entry that cannot be right (bad digest, size, type, blank).
    BadPhoto,
    /// The sender may not write this record there (another's thread, a
    /// hazard's closing by a reporter): see `writers`.
    NotPermitted,
    /// Two blanks contradict each other (more seriously injured than
    /// injured, known before it happened): see `crosscheck`. Both carry it.
    Inconsistent,
    /// A text message cut short or changed on the way (see `sms`).
    Garbled,
}

crate::coded!(ErrorCode {
    Required = "required",
    NotAWholeNumber = "not_a_whole_number",
    NotANumber = "not_a_number",
    OutOfRange = "out_of_range",
    TooLong = "too_long",
    BadDateTime = "bad_date_time",
    InFuture = "in_future",
    BadCoordinate = "bad_coordinate",
    IncompleteCoordinate = "incomplete_coordinate",
    UnknownOption = "unknown_option",
    BadPhone = "bad_phone",
    UnknownField = "unknown_field",
    UnknownTemplate = "unknown_template",
    BadId = "bad_id",
    BadDate = "bad_date",
    TooManyDecimals = "too_many_decimals",
    StageNotAllowed = "stage_not_allowed",
    BadThread = "bad_thread",
    GradeMismatch = "grade_mismatch",
    ReasonRequired = "reason_required",
    PhotosMissing = "photos_missing",
    BadPhoto = "bad_photo",
    NotPermitted = "not_permitted",
    Inconsistent = "inconsistent",
    Garbled = "garbled",
});

/// One bad blank: which, why, and a sentence for people in both languages.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The blank id (or `template_id`, `id` for the record itself).
    pub field: String,
    pub code: ErrorCode,
    #[serde(rename = "message_zh")]
    pub zh: String,
    #[serde(rename = "message_en")]
    pub en: String,
}

impl FieldError {
    pub fn new(field: &str, code: ErrorCode, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn message(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Zh => &self.zh,
            crate::Lang::En => &self.en,
        }
    }
}

//! Signing the written report (书面报告) of a thread: a duty officer
//! approves it for sending upward as 签发人, naming its 审核人 (who checked
//! it) and the recipient (上级单位). The 报送单位 is the signing officer's
//! own area. A signing is a record of its own: append-only, with an id made
//! by the officer's browser, so a retry stores it once; the same id with
//! other content is a conflict.
//!
//! Who may sign: an officer or administrator of the thread's area or
//! above, as for every office act on a thread
//! (`crate::rules::writers::may_answer`); never a reporter, and never a
//! neighbouring area's office.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire::error::{ErrorCode, FieldError};
use crate::wire::ids::ReportId;

/// `POST` a [`Sign`] for the thread `{id}`: 201 and the stored
/// [`Signature`]; `GET`: the thread's signatures, oldest first.
pub const SIGNATURES_PATH: &str = "/api/threads/{id}/signatures";
/// `GET`: the printable written report of the whole thread.
pub const THREAD_WRITTEN_PATH: &str = "/api/threads/{id}/written";

/// The longest recipient (上级单位): an office's full name.
pub const MAX_RECIPIENT_CHARS: usize = 100;
/// The longest 审核人: a name and a post.
pub const MAX_REVIEWER_CHARS: usize = 50;

/// The body of a signing; `id` is made by the officer's browser.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sign {
    pub id: Uuid,
    /// The thread's latest record the officer read when signing: what the
    /// signature covers (records received later are printed as unsigned).
    pub report_id: ReportId,
    /// 上级单位: to whom the report goes.
    pub recipient: String,
    /// 审核人: who checked it before signing.
    pub reviewer: String,
    /// The step up the chain this signing sends the report for: the id of
    /// one of the thread's upward deadline lines (`upward_city`, …), which
    /// it then meets. Absent: a signing that marks no step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// A stored signing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::ids::uuid"))]
    pub id: Uuid,
    pub thread_id: ReportId,
    /// The latest record the signature covers.
    pub report_id: ReportId,
    pub recipient: String,
    pub reviewer: String,
    /// 签发人: the signing officer's username and display name.
    pub by: String,
    pub by_name: String,
    /// 报送单位: the signing officer's area, as it was when signing.
    pub unit_id: String,
    pub unit: String,
    /// By the server's clock.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub signed_at: DateTime<Utc>,
    /// The step up the chain it was signed for, if any (see [`Sign`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// The checked words of a signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub recipient: String,
    pub reviewer: String,
    pub step: Option<String>,
}

/// The longest step id: a rule id of the deployment's rules.
pub const MAX_STEP_CHARS: usize = crate::rules::deadlines::file::MAX_RULE_ID_CHARS;

impl Sign {
    /// The recipient and reviewer, trimmed and checked: present, not too
    /// long, no control characters. Every error names its field.
    pub fn check(&self) -> Result<Words, Vec<FieldError>> {
        let mut errors = Vec::new();
        let recipient = checked(
            &self.recipient,
            "recipient",
            MAX_RECIPIENT_CHARS,
            "请填写上级单位（报送对象），如：××区应急管理局",
            "name the office it goes to",
            &mut errors,
        );
        let reviewer = checked(
            &self.reviewer,
            "reviewer",
            MAX_REVIEWER_CHARS,
            "请填写审核人姓名",
            "name the person who checked it",
            &mut errors,
        );
        let step = self.step.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(step) = step {
            let well_formed = step.len() <= MAX_STEP_CHARS
                && step
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                errors.push(step_not_of_thread());
            }
        }
        if errors.is_empty() {
            Ok(Words {
                recipient,
                reviewer,
                step: step.map(str::to_owned),
            })
        } else {
            Err(errors)
        }
    }
}

/// The error at `step` when it names no upward line of the thread.
pub fn step_not_of_thread() -> FieldError {
    FieldError::new(
        "step",
        ErrorCode::UnknownOption,
        "此事件没有这一级报送时限，请刷新页面后重新选择报送层级",
        "this thread has no such step up the chain; reload the page and choose the step again",
    )
}

fn checked(value: &str, field: &str, max: usize, zh: &str, en: &str, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.push(FieldError::new(field, ErrorCode::Required, zh, en));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("不能超过 {max} 字，请缩短"),
            format!("at most {max} characters"),
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            ErrorCode::BadId,
            "含有不可见的控制字符，请重新输入",
            "contains control characters; type it again",
        ));
    }
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(recipient: &str, reviewer: &str) -> Sign {
        Sign {
            id: Uuid::nil(),
            report_id: ReportId(Uuid::nil()),
            recipient: recipient.into(),
            reviewer: reviewer.into(),
            step: None,
        }
    }

    #[test]
    fn recipient_and_reviewer_are_required_and_bounded() {
        assert_eq!(
            sign(" 区应急管理局 ", " 王审核 ").check(),
            Ok(Words {
                recipient: "区应急管理局".into(),
                reviewer: "王审核".into(),
                step: None,
            })
        );
        let errors = sign("  ", "").check().expect_err("empty");
        let fields: Vec<(&str, ErrorCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [("recipient", ErrorCode::Required), ("reviewer", ErrorCode::Required)]
        );
        // At the bounds: the longest is taken, one more is not.
        assert!(
            sign(&"局".repeat(MAX_RECIPIENT_CHARS), &"王".repeat(MAX_REVIEWER_CHARS))
                .check()
                .is_ok()
        );
        let long = sign(
            &"局".repeat(MAX_RECIPIENT_CHARS + 1),
            &"王".repeat(MAX_REVIEWER_CHARS + 1),
        )
        .check()
        .expect_err("too long");
        assert!(long.iter().all(|e| e.code == ErrorCode::TooLong), "{long:?}");
        assert_eq!(long.len(), 2);
        let bell = sign("局\u{7}", "王").check().expect_err("control");
        assert_eq!(bell[0].field, "recipient");
        for e in errors.iter().chain(&long).chain(&bell) {
            assert!(!e.zh.is_empty() && !e.en.is_empty());
        }
    }

    #[test]
    fn a_step_is_a_rule_id_or_nothing() {
        let with = |step: &str| Sign {
            step: Some(step.into()),
            ..sign("区应急管理局", "王审核")
        };
        assert_eq!(
            with(" upward_city ").check().map(|w| w.step),
            Ok(Some("upward_city".into()))
        );
        // Blank is no step.
        assert_eq!(with("  ").check().map(|w| w.step), Ok(None));
        assert!(with(&"a".repeat(MAX_STEP_CHARS)).check().is_ok());
        for bad in ["市级", "upward city", "Upward_City", &"a".repeat(MAX_STEP_CHARS + 1)] {
            let errors = with(bad).check().expect_err(bad);
            assert_eq!(
                (errors[0].field.as_str(), errors[0].code),
                ("step", ErrorCode::UnknownOption),
                "{bad}"
            );
            assert!(errors[0].zh.contains("报送层级"));
        }
    }
}

//! What the phone and the server say to each other: each endpoint's path,
//! request and answer, declared once and used by both sides.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ReportId;
use crate::validate::FieldError;

/// `GET`: 200 when the server is ready.
pub const HEALTH_PATH: &str = "/api/health";
/// `POST` a [`crate::Report`]: answers a [`Receipt`], or an [`ApiError`].
/// Idempotent by report id: a replay answers the first receipt again.
pub const SUBMIT_REPORT_PATH: &str = "/api/reports";

/// The server's acknowledgement that a report is stored for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: ReportId,
    /// The server's sequence number: the order reports arrived in.
    pub seq: i64,
    /// When the server first received the report, by the server's clock.
    pub received_at: DateTime<Utc>,
}

/// Machine-readable reasons for a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// The report is well-formed but some answers are not acceptable.
    InvalidReport,
    /// The body could not be read as a report.
    BadRequest,
    /// The same id was already stored with other content.
    Conflict,
    PayloadTooLarge,
    NotFound,
    Internal,
}

/// Every error answer of the API has this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorCode,
    pub message: String,
    /// One entry per bad blank, for `invalid_report`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// What the phone does with an answer of the submit endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored: keep the receipt, never send again.
    Delivered,
    /// Refused for good: keep the report, show why, let the user fix it.
    Rejected,
    /// Not decided (server busy, down, or a proxy in the way): try later.
    Retry,
}

/// Sorts an HTTP status into what the phone must do. Only a definite answer
/// about the report itself rejects it; anything that might be the network's
/// or the server's passing fault is retried, so nothing is dropped.
pub fn outcome_of_status(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        400 | 409 | 413 | 415 | 422 => Outcome::Rejected,
        _ => Outcome::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_about_the_report_reject_it() {
        assert_eq!(outcome_of_status(200), Outcome::Delivered);
        assert_eq!(outcome_of_status(201), Outcome::Delivered);
        assert_eq!(outcome_of_status(422), Outcome::Rejected);
        assert_eq!(outcome_of_status(409), Outcome::Rejected);
        for s in [401, 403, 404, 408, 429, 500, 502, 503, 504] {
            assert_eq!(outcome_of_status(s), Outcome::Retry, "{s}");
        }
    }

    #[test]
    fn errors_serialise_with_field_list() {
        let e = ApiError {
            error: ApiErrorCode::BadRequest,
            message: "x".into(),
            fields: vec![],
        };
        let json = serde_json::to_string(&e).expect("serialise");
        assert_eq!(json, r#"{"error":"bad_request","message":"x"}"#);
    }
}

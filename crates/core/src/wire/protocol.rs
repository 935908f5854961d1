//! What the phone and the server say to each other: each endpoint's path,
//! request and answer, declared once and used by both sides.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::error::FieldError;
use crate::wire::ids::ReportId;

/// `GET`: 200 when the server is ready.
pub const HEALTH_PATH: &str = "/api/health";
/// `POST` a [`crate::Report`]: answers a [`Receipt`], or an [`ApiError`].
/// Idempotent by report id: a replay answers the first receipt again.
pub const SUBMIT_REPORT_PATH: &str = "/api/reports";

/// The caller's own threads a phone still keeps, with her records of each
/// (`GET`): what a new phone, or one whose storage the browser cleared,
/// reads back to go on with them.
pub const MY_THREADS_PATH: &str = "/api/threads";

/// Every record of the threads the caller began, in arrival order (`GET`,
/// paged by receipt number): what a phone reads to hold what was added
/// to them elsewhere, by the duty office (a call an officer logged, a
/// hazard he closed, a 续报 or 终报 he filed) or by her on another phone.
/// The phone keeps them with her threads, so its deadlines and next stages
/// are the office's.
pub const THREAD_RECORDS_PATH: &str = "/api/thread-records";

/// `POST` a [`crate::account::LoginRequest`]: 201 and a
/// [`crate::account::Session`]. `GET`: the [`crate::account::SessionInfo`]
/// of the token sent. `DELETE`: ends the token's session (log out).
pub const SESSION_PATH: &str = "/api/session";

/// Every request but health, templates, the API description and the login
/// itself carries the session's token in this header, after [`BEARER`].
pub const AUTHORIZATION_HEADER: &str = "authorization";
pub const BEARER: &str = "Bearer ";

/// The phone's clock when it sent the request, in milliseconds since the
/// Unix epoch. The server keeps its own clock minus this with each record it
/// stores, so a phone whose clock is wrong cannot make a late report look
/// early. Optional: without it the record just has no measured offset.
pub const CLOCK_HEADER: &str = "x-kuaibao-clock";

/// The answer of [`HEALTH_PATH`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"` when the database answers.
    pub status: String,
    /// The server's clock: the phone measures its own offset against it at
    /// the start of every sync.
    #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::timestamp::utc"))]
    pub server_time: DateTime<Utc>,
    /// The server's last restore from a backup, if it was ever restored:
    /// the phone sends again what the server received after the backup
    /// was made (after the earliest of every restore's backups: a phone
    /// that slept through two acts on both), which the restore lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored: Option<Restore>,
}

/// A restore of the server from a backup (`kuaibao-server restore`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    /// When the restore ran: a phone acts once on each.
    #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::timestamp::utc"))]
    pub restored_at: DateTime<Utc>,
    /// From when the restored server may lack what it received: records
    /// received after it (by their receipts) and photos that arrived after
    /// it go again. The backup's start, or its last receipt if earlier (a
    /// PostgreSQL dump is made before), less the longest a request may
    /// take between its receipt's time and its commit; a record the server
    /// did keep is answered with its first receipt, so earlier costs only
    /// requests.
    #[cfg_attr(target_arch = "wasm32", serde(deserialize_with = "crate::wire::timestamp::utc"))]
    pub backup_made_at: DateTime<Utc>,
}

impl Restore {
    /// How long after a restore the duty desk says what it lost: the
    /// office's acknowledgements, requests and signings since the backup,
    /// entered again by hand, are checked within days; a month covers a
    /// holiday.
    pub const TOLD_FOR: chrono::TimeDelta = chrono::TimeDelta::days(30);

    /// Whether the desk still says so at `now` (the server's clock).
    pub fn still_told(&self, now: DateTime<Utc>) -> bool {
        now < self.restored_at + Self::TOLD_FOR
    }
}

impl Receipt {
    /// How the record reached the office, as the desk and the exports say
    /// it: a 短信首报 entered without the phone's seal is the reporter's word
    /// only as far as the call back.
    pub fn way_zh(&self) -> &'static str {
        match (self.via_sms, self.sms_sealed) {
            (false, _) => "应用",
            (true, true) => "短信首报，已验证为报告人手机发出",
            (true, false) => "短信首报，未验证：应已电话核实",
        }
    }
}

/// The account a stored record came under (its session's, or for a text
/// message the account the text names): who answers for it, whatever
/// name was typed in its 报告人 blank.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAuthor {
    pub username: String,
    pub display_name: String,
    pub role: crate::account::Role,
}

/// The server's acknowledgement that a report is stored for good.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: ReportId,
    /// The server's sequence number: the order reports arrived in.
    pub seq: i64,
    /// When the server first received the report, by the server's clock.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(
            deserialize_with = "crate::wire::timestamp::utc",
            serialize_with = "crate::wire::timestamp::write_utc"
        )
    )]
    pub received_at: DateTime<Utc>,
    /// The server's clock minus the phone's ([`CLOCK_HEADER`]) when the
    /// record first arrived, in milliseconds; positive when the phone is
    /// slow. Absent when the phone sent no clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
    /// The record first arrived as a text message (`sms`): `received_at`
    /// is when the SMS did, and the app's copy completed it later.
    #[serde(default, skip_serializing_if = "is_false")]
    pub via_sms: bool,
    /// That text carried the seal of a session of the record's account
    /// (`crate::wire::sms::Parsed::sealed_by`): made by the app on a phone
    /// logged in as its reporter. False for an unsealed text, which an
    /// officer entered after calling back.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sms_sealed: bool,
    /// The server's seal over this receipt and the record's content
    /// ([`seal_receipt`]), on the answer to the record's submit: after a
    /// restore of the server lost the record, the phone sends it again
    /// with this receipt ([`FIRST_RECEIPT_HEADER`]), and the server stores
    /// it at its first time (under a new number) rather than as received
    /// now. `None` in lists, and for a record that completed a text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

/// The header a record sent again after a restore carries its first,
/// sealed receipt in: `<seq> <received_at in µs since the epoch>
/// <clock_offset_ms, or -> <seal>`.
pub const FIRST_RECEIPT_HEADER: &str = "kuaibao-first-receipt";

/// What [`seal_receipt`] seals, so that a seal cannot be moved to another
/// record, number, time or content.
const RECEIPT_SEAL_CONTEXT: &[u8] = b"kuaibao receipt seal v1\0";

/// How a record arrived, as its receipt says and its seal vouches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub clock_offset_ms: Option<i64>,
}

/// The seal, in hex, of the receipt `received` of record `id` whose
/// canonical body has SHA-256 `body_sha256` (hex), under the server's
/// secret `secret` (kept outside its database, as the SMS seal secret).
pub fn seal_receipt(secret: &[u8], id: ReportId, received: Arrival, body_sha256: &str) -> String {
    use hmac::Mac;
    crate::wire::sms::hex(&receipt_mac(secret, id, received, body_sha256).finalize().into_bytes())
}

/// Whether `seal` (hex) is [`seal_receipt`]'s for these, compared in
/// constant time.
pub fn receipt_seal_holds(secret: &[u8], id: ReportId, received: Arrival, body_sha256: &str, seal: &str) -> bool {
    use hmac::Mac;
    crate::wire::sms::unhex32(seal).is_some_and(|bytes| {
        receipt_mac(secret, id, received, body_sha256)
            .verify_slice(&bytes)
            .is_ok()
    })
}

fn receipt_mac(secret: &[u8], id: ReportId, received: Arrival, body_sha256: &str) -> hmac::Hmac<sha2::Sha256> {
    use hmac::Mac;
    let mut mac = crate::wire::sms::hmac_sha256(secret);
    mac.update(RECEIPT_SEAL_CONTEXT);
    mac.update(id.0.as_bytes());
    mac.update(&received.seq.to_be_bytes());
    mac.update(&received.at.timestamp_micros().to_be_bytes());
    match received.clock_offset_ms {
        Some(ms) => {
            mac.update(&[1]);
            mac.update(&ms.to_be_bytes());
        }
        None => mac.update(&[0]),
    }
    mac.update(body_sha256.as_bytes());
    mac
}

impl Receipt {
    /// How it says the record was received.
    pub fn received(&self) -> Arrival {
        Arrival {
            seq: self.seq,
            at: self.received_at,
            clock_offset_ms: self.clock_offset_ms,
        }
    }

    /// The [`FIRST_RECEIPT_HEADER`] value of this receipt, if sealed.
    pub fn first_receipt_header(&self) -> Option<String> {
        let seal = self.seal.as_deref()?;
        let offset = self.clock_offset_ms.map_or_else(|| "-".to_owned(), |ms| ms.to_string());
        Some(format!(
            "{} {} {offset} {seal}",
            self.seq,
            self.received_at.timestamp_micros()
        ))
    }
}

/// A [`FIRST_RECEIPT_HEADER`] value read: how it says the record was
/// received, and the seal.
pub fn parse_first_receipt(value: &str) -> Option<(Arrival, &str)> {
    let mut parts = value.split(' ');
    let seq = parts.next()?.parse().ok()?;
    let at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
    let clock_offset_ms = match parts.next()? {
        "-" => None,
        ms => Some(ms.parse().ok()?),
    };
    let seal = parts.next().filter(|s| crate::wire::sms::unhex32(s).is_some())?;
    let received = Arrival {
        seq,
        at,
        clock_offset_ms,
    };
    parts.next().is_none().then_some((received, seal))
}

fn is_false(b: &bool) -> bool {
    !b
}

/// The offset of a phone's clock against the server's, measured from one
/// round trip: the server's time is taken to be read half-way between the
/// request leaving and the answer arriving. Positive when the phone is slow.
pub fn clock_offset_ms(sent_ms: i64, server_ms: i64, answered_ms: i64) -> i64 {
    server_ms - (sent_ms + (answered_ms - sent_ms) / 2)
}

/// Machine-readable reasons for a refusal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// No valid session: log in (again). Nothing queued is lost.
    Unauthorized,
    /// Logged in, but this account may not do or see that.
    Forbidden,
    /// Too many requests from this session or address: wait and retry.
    RateLimited,
    /// The server cannot take the request now: its storage is busy or full
    /// (503, 507), it has too many connections open (503), or the request
    /// did not arrive or was not answered in time (408). Retry later.
    Unavailable,
    Internal,
}

crate::coded!(ApiErrorCode {
    InvalidReport = "invalid_report",
    BadRequest = "bad_request",
    Conflict = "conflict",
    PayloadTooLarge = "payload_too_large",
    NotFound = "not_found",
    Unauthorized = "unauthorized",
    Forbidden = "forbidden",
    RateLimited = "rate_limited",
    Unavailable = "unavailable",
    Internal = "internal",
});

/// Every error answer of the API has this shape.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The session is missing, expired or revoked: keep everything queued
    /// and send nothing more until the user logs in again.
    NeedLogin,
}

/// Sorts an HTTP status into what the phone must do. Only a definite answer
/// about the report itself rejects it; anything that might be the network's
/// or the server's passing fault is retried, so nothing is dropped.
pub fn outcome_of_status(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        400 | 403 | 409 | 413 | 415 | 422 => Outcome::Rejected,
        401 => Outcome::NeedLogin,
        _ => Outcome::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_seal_holds_for_its_record_number_time_and_content_alone() {
        let id = ReportId(uuid::Uuid::from_u128(7));
        let at = "2026-03-01T10:00:00.123456Z".parse::<DateTime<Utc>>().expect("a time");
        let received = Arrival {
            seq: 42,
            at,
            clock_offset_ms: Some(-1500),
        };
        let sha = "ab".repeat(32);
        let secret = b"a secret kept outside the database";
        let seal = seal_receipt(secret, id, received, &sha);
        assert_eq!(seal.len(), 64);
        assert!(receipt_seal_holds(secret, id, received, &sha, &seal));
        let other_id = ReportId(uuid::Uuid::from_u128(8));
        let but = |change: fn(&mut Arrival)| {
            let mut r = received;
            change(&mut r);
            r
        };
        for (holds, what) in [
            (
                receipt_seal_holds(b"another secret", id, received, &sha, &seal),
                "secret",
            ),
            (receipt_seal_holds(secret, other_id, received, &sha, &seal), "record"),
            (
                receipt_seal_holds(secret, id, but(|r| r.seq = 43), &sha, &seal),
                "number",
            ),
            (
                receipt_seal_holds(
                    secret,
                    id,
                    but(|r| r.at += chrono::TimeDelta::microseconds(1)),
                    &sha,
                    &seal,
                ),
                "time",
            ),
            (
                receipt_seal_holds(secret, id, but(|r| r.clock_offset_ms = None), &sha, &seal),
                "clock",
            ),
            (
                receipt_seal_holds(secret, id, received, &"cd".repeat(32), &seal),
                "content",
            ),
            (receipt_seal_holds(secret, id, received, &sha, &seal[..62]), "cut"),
            (receipt_seal_holds(secret, id, received, &sha, "zz"), "not hex"),
        ] {
            assert!(!holds, "{what}");
        }
        // Its header, read back, with or without a clock.
        let receipt = Receipt {
            id,
            seq: 42,
            received_at: at,
            clock_offset_ms: Some(-1500),
            via_sms: false,
            sms_sealed: false,
            seal: Some(seal.clone()),
        };
        assert_eq!(receipt.received(), received);
        let header = receipt.first_receipt_header().expect("sealed");
        assert_eq!(parse_first_receipt(&header), Some((received, seal.as_str())));
        let no_clock = Receipt {
            clock_offset_ms: None,
            ..receipt.clone()
        };
        let header_without = no_clock.first_receipt_header().expect("sealed");
        assert_eq!(
            parse_first_receipt(&header_without),
            Some((no_clock.received(), seal.as_str()))
        );
        for bad in [
            "",
            "42",
            "42 x",
            "42 1 - abc",
            "x 1 - ab",
            &format!("{header} more"),
            "42 1 ab",
        ] {
            assert_eq!(parse_first_receipt(bad), None, "{bad}");
        }
        assert_eq!(Receipt { seal: None, ..receipt }.first_receipt_header(), None);
    }

    #[test]
    fn the_desk_says_what_a_restore_lost_for_a_month() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a time");
        let restore = Restore {
            restored_at: at("2026-03-01T10:00:00Z"),
            backup_made_at: at("2026-03-01T02:00:00Z"),
        };
        assert!(restore.still_told(at("2026-03-01T10:00:00Z")));
        assert!(restore.still_told(at("2026-03-31T09:59:59Z")));
        assert!(!restore.still_told(at("2026-03-31T10:00:00Z")));
    }

    #[test]
    fn how_a_record_reached_the_office_is_said_in_one_way_everywhere() {
        let receipt = |via_sms, sms_sealed| Receipt {
            seal: None,
            id: ReportId(uuid::Uuid::nil()),
            seq: 1,
            received_at: Utc::now(),
            clock_offset_ms: None,
            via_sms,
            sms_sealed,
        };
        assert_eq!(receipt(false, false).way_zh(), "应用");
        assert_eq!(receipt(true, true).way_zh(), "短信首报，已验证为报告人手机发出");
        assert_eq!(receipt(true, false).way_zh(), "短信首报，未验证：应已电话核实");
    }

    #[test]
    fn only_answers_about_the_report_reject_it() {
        assert_eq!(outcome_of_status(200), Outcome::Delivered);
        assert_eq!(outcome_of_status(201), Outcome::Delivered);
        assert_eq!(outcome_of_status(422), Outcome::Rejected);
        assert_eq!(outcome_of_status(409), Outcome::Rejected);
        assert_eq!(outcome_of_status(403), Outcome::Rejected);
        assert_eq!(outcome_of_status(401), Outcome::NeedLogin);
        for s in [404, 408, 429, 500, 502, 503, 504, 507] {
            assert_eq!(outcome_of_status(s), Outcome::Retry, "{s}");
        }
    }

    #[test]
    fn the_clock_offset_assumes_the_server_read_its_clock_half_way() {
        // Sent at 1000, answered at 1200 by the phone's clock; the server
        // read 5100 between: at phone time 1100, so the phone is 4000 slow.
        assert_eq!(clock_offset_ms(1000, 5100, 1200), 4000);
        assert_eq!(clock_offset_ms(1000, 1100, 1200), 0);
        assert_eq!(clock_offset_ms(10_000, 1100, 10_200), -9000);
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
